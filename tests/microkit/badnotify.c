/* Notifies channel 5, which its PD does not have. */
#include <microkit.h>

void init(void)
{
    microkit_dbg_puts("notifying 5\n");
    microkit_notify(5);
    microkit_dbg_puts("not reached\n");
}

void notified(microkit_channel ch)
{
    (void)ch;
}
