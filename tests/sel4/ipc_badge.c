/*
 * ipc_badge.c - a server on one endpoint answering clients that hold
 * badged caps to it: seL4_Recv / seL4_ReplyRecv, badges, message words,
 * caps sent both ways, a cap that the kernel unwraps into its badge, and a
 * cap transfer dropped for want of the Grant right (seL4: doIPCTransfer,
 * transferCaps, setupCallerCap, doReplyTransfer). An seL4 root task
 * written only against <sel4/sel4.h>.
 */
#include "sel4test.h"

#define ROOT seL4_CapInitThreadCNode
#define DEPTH seL4_WordBits

/* Message labels of the protocol. */
enum { ADD = 1, TAKE_CAP = 2, GIVE_CAP = 3, STOP = 4 };

static seL4_CPtr server_ep;     /* the server's unbadged cap */
static seL4_CPtr recv_slot;     /* where the server receives caps */
static seL4_CPtr client_recv_slot[2];
static seL4_CPtr gift;          /* a notification the server hands out */

/*
 * The server: MR0 + MR1 + badge for ADD; for TAKE_CAP answers with what it
 * learnt of the cap; for GIVE_CAP sends back a cap to gift.
 */
static void server(void)
{
    seL4_Word badge;
    seL4_SetCapReceivePath(ROOT, recv_slot, DEPTH);
    seL4_MessageInfo_t m = seL4_Recv(server_ep, &badge);
    for (;;) {
        seL4_MessageInfo_t reply = seL4_MessageInfo_new(0, 0, 0, 0);
        switch (seL4_MessageInfo_get_label(m)) {
        case ADD:
            seL4_SetMR(0, seL4_GetMR(0) + seL4_GetMR(1) + badge);
            reply = seL4_MessageInfo_new(ADD, 0, 0, 1);
            break;
        case TAKE_CAP:
            /* MR0: caps arrived, MR1: capsUnwrapped, MR2: cap type or unwrapped badge. */
            seL4_SetMR(0, seL4_MessageInfo_get_extraCaps(m));
            seL4_SetMR(1, seL4_MessageInfo_get_capsUnwrapped(m));
            if (seL4_MessageInfo_get_capsUnwrapped(m) & 1) {
                seL4_SetMR(2, seL4_GetBadge(0));
            } else if (seL4_MessageInfo_get_extraCaps(m) == 1) {
                seL4_SetMR(2, seL4_DebugCapIdentify(recv_slot));
                seL4_CNode_Delete(ROOT, recv_slot, DEPTH);
            } else {
                seL4_SetMR(2, 0);
            }
            reply = seL4_MessageInfo_new(TAKE_CAP, 0, 0, 3);
            break;
        case GIVE_CAP:
            seL4_SetCap(0, gift);
            reply = seL4_MessageInfo_new(GIVE_CAP, 0, 1, 0);
            break;
        }
        m = seL4_ReplyRecv(server_ep, reply, &badge);
    }
}

static seL4_Word results[2][8];

/* Client idx: its badged cap to the server is ep; it signals done at the end. */
static void client(seL4_Word ep, seL4_Word idx, seL4_Word done)
{
    seL4_Word *r = results[idx];
    seL4_SetMR(0, 1000);
    seL4_SetMR(1, 20 + idx);
    seL4_MessageInfo_t m = seL4_Call(ep, seL4_MessageInfo_new(ADD, 0, 0, 2));
    r[0] = seL4_MessageInfo_get_length(m) == 1 ? seL4_GetMR(0) : 0;

    /* A notification cap to the server. */
    seL4_SetCap(0, done);
    m = seL4_Call(ep, seL4_MessageInfo_new(TAKE_CAP, 0, 1, 0));
    r[1] = seL4_GetMR(0);       /* caps that arrived */
    r[2] = seL4_GetMR(2);       /* their type */

    /* The server's own endpoint, through this badged cap: unwrapped into its badge. */
    seL4_SetCap(0, ep);
    m = seL4_Call(ep, seL4_MessageInfo_new(TAKE_CAP, 0, 1, 0));
    r[3] = seL4_GetMR(1);       /* capsUnwrapped */
    r[4] = seL4_GetMR(2);       /* the badge */

    /* A cap from the server, in the reply. */
    seL4_SetCapReceivePath(ROOT, client_recv_slot[idx], DEPTH);
    m = seL4_Call(ep, seL4_MessageInfo_new(GIVE_CAP, 0, 0, 0));
    r[5] = seL4_MessageInfo_get_extraCaps(m);
    r[6] = seL4_DebugCapIdentify(client_recv_slot[idx]);
    seL4_Signal(done);
}

int main(void)
{
    st_init();
    printf("# ipc_badge: a server, two clients with badged caps, caps sent both ways\n");
    server_ep = st_make(seL4_EndpointObject, 0);
    seL4_CPtr done = st_make(seL4_NotificationObject, 0);
    gift = st_make(seL4_NotificationObject, 0);
    recv_slot = st_slot();
    client_recv_slot[0] = st_slot();
    client_recv_slot[1] = st_slot();

    /* Client 0 may grant; client 1's cap is write + grant-reply only. */
    seL4_CPtr c0 = st_slot(), c1 = st_slot();
    CHECK_ERR(seL4_CNode_Mint(ROOT, c0, DEPTH, ROOT, server_ep, DEPTH, seL4_AllRights, 0x100),
              seL4_NoError, "Mint client 0's cap: badge 0x100, all rights");
    CHECK_ERR(seL4_CNode_Mint(ROOT, c1, DEPTH, ROOT, server_ep, DEPTH,
                              seL4_CapRights_new(1, 0, 0, 1), 0x200),
              seL4_NoError, "Mint client 1's cap: badge 0x200, write and grant-reply only");

    st_thread_t srv, cl[2];
    CHECK(st_thread_new(&srv, seL4_CapNull, 200) == 0, "a server thread at priority 200");
    CHECK(st_thread_new(&cl[0], seL4_CapNull, 100) == 0 && st_thread_new(&cl[1], seL4_CapNull, 100) == 0,
          "two client threads at priority 100");
    seL4_DebugNameThread(srv.tcb, "server");
    seL4_DebugNameThread(cl[0].tcb, "client0");
    seL4_DebugNameThread(cl[1].tcb, "client1");
    CHECK_ERR(st_thread_start(&srv, (seL4_Word)server, 0, 0, 0), seL4_NoError, "start the server");
    /* Each client signals its own bit of `done` at the end. */
    seL4_CPtr done0 = st_slot(), done1 = st_slot();
    seL4_CNode_Mint(ROOT, done0, DEPTH, ROOT, done, DEPTH, seL4_AllRights, 1);
    seL4_CNode_Mint(ROOT, done1, DEPTH, ROOT, done, DEPTH, seL4_AllRights, 2);
    st_thread_start(&cl[0], (seL4_Word)client, c0, 0, done0);
    st_thread_start(&cl[1], (seL4_Word)client, c1, 1, done1);

    seL4_Word bits = 0;
    while (bits != 3) {
        seL4_Word badge;
        seL4_Wait(done, &badge);
        bits |= badge;
    }

    CHECK_EQ(results[0][0], 1000 + 20 + 0x100, "client 0: the server saw its badge 0x100 and both words");
    CHECK_EQ(results[1][0], 1000 + 21 + 0x200, "client 1: the server saw its badge 0x200 and both words");
    CHECK_EQ(results[0][1], 1, "client 0 (may grant): its notification cap arrived");
    CHECK_EQ(results[0][2], ST_CAP_NOTIFICATION, "  as a notification cap in the receive slot");
    CHECK_EQ(results[1][1], 0, "client 1 (no grant right): no cap arrived");
    CHECK_EQ(results[0][3], 1, "client 0 sent a cap to the endpoint it called: capsUnwrapped bit 0");
    CHECK_EQ(results[0][4], 0x100, "  seL4_GetBadge(0) is that cap's badge");
    CHECK_EQ(results[1][3], 0, "client 1's cap was not transferred, so nothing was unwrapped");
    CHECK_EQ(results[0][5], 1, "client 0: the server's reply carried one cap");
    CHECK_EQ(results[0][6], ST_CAP_NOTIFICATION, "  a notification cap, in its receive slot");
    CHECK_EQ(results[1][5], 1, "client 1 (grant-reply): the reply carried one cap too");
    CHECK_EQ(results[1][6], ST_CAP_NOTIFICATION, "  a notification cap, in its receive slot");
    return st_done();
}
