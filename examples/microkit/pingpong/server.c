/*
 * server - answers the client's protected procedure calls (it sees them
 * on its channel 1) with MR0 = MR0 op MR1 and MR1 = how many calls it has
 * answered; a notification from the client is answered with one back.
 */
#include <microkit.h>
#include "pingpong.h"

#define CLIENT 1

static seL4_Word calls;     /* this PD's own: no other PD sees it */

void init(void)
{
    microkit_dbg_puts("server: ready\n");
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    seL4_Word a = microkit_mr_get(0), b = microkit_mr_get(1), r;
    if (ch != CLIENT || microkit_msginfo_get_count(msginfo) != 2)
        return microkit_msginfo_new(REPLY_BAD_OP, 0);
    switch (microkit_msginfo_get_label(msginfo)) {
    case OP_ADD: r = a + b; break;
    case OP_MUL: r = a * b; break;
    case OP_SUB: r = a - b; break;
    default:
        microkit_dbg_puts("server: unknown operation ");
        microkit_dbg_put32((seL4_Uint32)microkit_msginfo_get_label(msginfo));
        microkit_dbg_puts("\n");
        return microkit_msginfo_new(REPLY_BAD_OP, 0);
    }
    calls++;
    microkit_mr_set(0, r);
    microkit_mr_set(1, calls);
    return microkit_msginfo_new(REPLY_OK, 2);
}

void notified(microkit_channel ch)
{
    microkit_dbg_puts("server: ping on channel ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts(" after ");
    microkit_dbg_put32((seL4_Uint32)calls);
    microkit_dbg_puts(" calls\n");
    microkit_notify(CLIENT);
}
