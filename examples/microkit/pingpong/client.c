/*
 * client - calls the server (channel 0) with three requests of two words
 * each and prints its answers; then notifies it and prints the
 * notification that comes back.
 */
#include <microkit.h>
#include "pingpong.h"

#define SERVER 0

static void put_call(const char *what, seL4_Word a, seL4_Word b, microkit_msginfo reply)
{
    microkit_dbg_puts("client: ");
    microkit_dbg_put32((seL4_Uint32)a);
    microkit_dbg_puts(what);
    microkit_dbg_put32((seL4_Uint32)b);
    if (microkit_msginfo_get_label(reply) != REPLY_OK) {
        microkit_dbg_puts(" refused, label ");
        microkit_dbg_put32((seL4_Uint32)microkit_msginfo_get_label(reply));
        microkit_dbg_puts("\n");
        return;
    }
    microkit_dbg_puts(" = ");
    microkit_dbg_put32((seL4_Uint32)microkit_mr_get(0));
    microkit_dbg_puts(" (the server's call ");
    microkit_dbg_put32((seL4_Uint32)microkit_mr_get(1));
    microkit_dbg_puts(", ");
    microkit_dbg_put32((seL4_Uint32)microkit_msginfo_get_count(reply));
    microkit_dbg_puts(" words)\n");
}

static microkit_msginfo call(seL4_Word op, seL4_Word a, seL4_Word b)
{
    microkit_mr_set(0, a);
    microkit_mr_set(1, b);
    return microkit_ppcall(SERVER, microkit_msginfo_new(op, 2));
}

void init(void)
{
    put_call(" + ", 6, 7, call(OP_ADD, 6, 7));
    put_call(" * ", 6, 7, call(OP_MUL, 6, 7));
    put_call(" - ", 50, 8, call(OP_SUB, 50, 8));
    put_call(" ? ", 1, 2, call(9, 1, 2));
    microkit_dbg_puts("client: ping\n");
    microkit_notify(SERVER);
}

void notified(microkit_channel ch)
{
    microkit_dbg_puts("client: pong on channel ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts("\n");
}
