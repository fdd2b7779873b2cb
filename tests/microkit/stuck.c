/*
 * A server whose protected() never replies: it waits on the notification
 * its channel 7 signals (the caller's), which nobody signals.
 */
#include <microkit.h>

void init(void)
{
}

void notified(microkit_channel ch)
{
    (void)ch;
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    (void)msginfo;
    microkit_dbg_puts("stuck: PPC on channel ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts(", waiting for ever\n");
    seL4_Wait(MICROKIT_BASE_NOTIFY_CAP + 7, NULL);
    return microkit_msginfo_new(0, 0);
}
