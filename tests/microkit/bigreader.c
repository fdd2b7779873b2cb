/* On a notification, prints what its view of the 2 MiB-page region holds. */
#include <stdint.h>
#include <microkit.h>

uintptr_t view;

void notified(microkit_channel ch)
{
    microkit_dbg_puts("bigreader: notified on ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts(": '");
    microkit_dbg_puts((const char *)view);
    microkit_dbg_puts("' and '");
    microkit_dbg_puts((const char *)view + 0x3ff000);
    microkit_dbg_puts("'\n");
}

void init(void)
{
}
