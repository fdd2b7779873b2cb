/*
 * PPCs channel 3 from init; the server notifies it before replying. Its
 * notified() must run only after microkit_ppcall has returned.
 */
#include <microkit.h>

static int in_call;

void init(void)
{
    microkit_dbg_puts("client: calling\n");
    in_call = 1;
    microkit_msginfo reply = microkit_ppcall(3, microkit_msginfo_new(0, 0));
    in_call = 0;
    microkit_dbg_puts("client: ppcall returned label ");
    microkit_dbg_put32((seL4_Uint32)microkit_msginfo_get_label(reply));
    microkit_dbg_puts("\n");
}

void notified(microkit_channel ch)
{
    microkit_dbg_puts("client: notified on ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts(in_call ? " inside the call\n" : "\n");
}

/* Lets the client serve PPCs too (its input cap is then an endpoint with its notification bound). */
microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    (void)ch;
    return msginfo;
}
