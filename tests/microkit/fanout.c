/* Notifies its channels 2, 0 and 1, in that order, from init. */
#include <microkit.h>

void init(void)
{
    microkit_notify(2);
    microkit_notify(0);
    microkit_notify(1);
    microkit_dbg_puts("fanout: notified channels 2, 0, 1\n");
}

void notified(microkit_channel ch)
{
    (void)ch;
}
