/* Answers a PPC with label 2 after deferring a notify on its channel 1. */
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
    microkit_deferred_notify(1);
    microkit_dbg_puts("dserver: PPC on channel ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts(", deferred a notify on 1\n");
    return microkit_msginfo_new(2, 0);
}
