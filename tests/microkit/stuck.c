/*
 * A server whose protected() never replies: it waits on its own input
 * endpoint, where nobody sends.
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
    seL4_Recv(MICROKIT_INPUT_CAP, NULL);
    return microkit_msginfo_new(0, 0);
}
