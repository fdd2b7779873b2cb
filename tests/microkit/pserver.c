/* Answers a PPC after notifying the caller on the same channel. */
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
    microkit_dbg_puts("server: PPC on channel ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts(", notifying the caller before the reply\n");
    microkit_notify(ch);
    microkit_dbg_puts("server: replying\n");
    return microkit_msginfo_new(9, 0);
}
