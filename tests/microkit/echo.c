/* Counts its notifications and notifies back on the same channel. */
#include <microkit.h>

static unsigned count;

void init(void)
{
}

void notified(microkit_channel ch)
{
    count++;
    microkit_dbg_puts("echo: notified on ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts(" (count ");
    microkit_dbg_put32(count);
    microkit_dbg_puts(")\n");
    if (count < 5)
        microkit_notify(ch);
}
