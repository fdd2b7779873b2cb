/* Prints each notification it gets, with its name. */
#include <microkit.h>

void init(void)
{
}

void notified(microkit_channel ch)
{
    microkit_dbg_puts(microkit_name);
    microkit_dbg_puts(": notified on ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts("\n");
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    (void)ch;
    return msginfo;
}
