/*
 * notification_bound.c - a notification bound to a TCB: a thread in
 * seL4_Recv on an endpoint gets either a message or the notification's
 * badge bits; seL4_Poll and seL4_Wait on the bound notification itself;
 * Bind/Unbind errors (seL4: decodeBindNotification,
 * decodeUnbindNotification, sendSignal, receiveIPC's completeSignal). An
 * seL4 root task written only against <sel4/sel4.h>.
 */
#include "sel4test.h"

#define ROOT seL4_CapInitThreadCNode
#define DEPTH seL4_WordBits

static seL4_CPtr minted(seL4_CPtr src, seL4_CapRights_t rights, seL4_Word badge)
{
    seL4_CPtr s = st_slot();
    seL4_CNode_Mint(ROOT, s, DEPTH, ROOT, src, DEPTH, rights, badge);
    return s;
}

/* Sends a message through its badged endpoint cap, then signals its badged notification cap. */
static void sender(seL4_Word ep, seL4_Word ntfn)
{
    seL4_SetMR(0, 9);
    seL4_Send(ep, seL4_MessageInfo_new(3, 0, 0, 1));
    seL4_Signal(ntfn);
}

static void waiter(seL4_Word ntfn)
{
    seL4_Word badge;
    seL4_Wait(ntfn, &badge);
}

int main(void)
{
    st_init();
    printf("# notification_bound: a bound notification reaches a thread in Recv on an endpoint\n");
    seL4_CPtr ep = st_make(seL4_EndpointObject, 0);
    seL4_CPtr ntfn = st_make(seL4_NotificationObject, 0);
    seL4_CPtr n1 = minted(ntfn, seL4_AllRights, 0x1), n4 = minted(ntfn, seL4_AllRights, 0x4);
    seL4_CPtr n100 = minted(ntfn, seL4_AllRights, 0x100);
    seL4_CPtr write_only = minted(ntfn, seL4_CanWrite, 0x8);
    seL4_CPtr ep20 = minted(ep, seL4_AllRights, 0x20);
    seL4_CPtr me = seL4_CapInitThreadTCB;
    seL4_Word badge;
    seL4_MessageInfo_t m;

    st_thread_t other;
    CHECK(st_thread_new(&other, seL4_CapNull, 100) == 0, "another thread (not started)");
    CHECK_ERR(seL4_TCB_BindNotification(other.tcb, write_only), seL4_IllegalOperation,
              "Bind through a notification cap without read: seL4_IllegalOperation");
    CHECK_ERR(seL4_TCB_BindNotification(other.tcb, ep), seL4_IllegalOperation,
              "Bind an endpoint: seL4_IllegalOperation");
    CHECK_ERR(seL4_TCB_UnbindNotification(me), seL4_IllegalOperation,
              "Unbind with nothing bound: seL4_IllegalOperation");

    CHECK_ERR(seL4_TCB_BindNotification(me, ntfn), seL4_NoError, "Bind the notification to the root");
    CHECK_ERR(seL4_TCB_BindNotification(me, st_make(seL4_NotificationObject, 0)),
              seL4_IllegalOperation, "Bind a second one to the root: seL4_IllegalOperation");
    CHECK_ERR(seL4_TCB_BindNotification(other.tcb, ntfn), seL4_IllegalOperation,
              "Bind the bound notification to another thread: seL4_IllegalOperation");

    /* Signals already pending: Recv on the endpoint returns at once with their bits. */
    seL4_Signal(n1);
    seL4_Signal(n4);
    m = seL4_Recv(ep, &badge);
    CHECK_EQ(badge, 0x5, "two Signals, then Recv on the endpoint: badge 0x1 | 0x4");
    printf("#   (message info: label %lu, length %lu)\n", (unsigned long)seL4_MessageInfo_get_label(m),
           (unsigned long)seL4_MessageInfo_get_length(m));
    seL4_Poll(ntfn, &badge);
    CHECK_EQ(badge, 0, "  which consumed them: Poll finds nothing");

    /* The root blocked in Recv: first a message, then a signal. */
    st_thread_t s;
    CHECK(st_thread_new(&s, seL4_CapNull, 100) == 0, "a sender thread");
    st_thread_start(&s, (seL4_Word)sender, ep20, n100, 0);
    m = seL4_Recv(ep, &badge);
    CHECK(badge == 0x20 && seL4_MessageInfo_get_label(m) == 3 && seL4_MessageInfo_get_length(m) == 1 &&
          seL4_GetMR(0) == 9,
          "blocked in Recv: a message from the endpoint, badge 0x20, label 3, MR0 9");
    m = seL4_Recv(ep, &badge);
    CHECK_EQ(badge, 0x100, "blocked in Recv again: the signal, badge 0x100");

    /* Poll and Wait on the bound notification itself. */
    seL4_Poll(ntfn, &badge);
    CHECK_EQ(badge, 0, "Poll with nothing pending: badge 0");
    seL4_Signal(n4);
    seL4_Poll(ntfn, &badge);
    CHECK_EQ(badge, 0x4, "Signal, then Poll: badge 0x4");
    seL4_Signal(n1);
    seL4_Wait(ntfn, &badge);
    CHECK_EQ(badge, 0x1, "Signal, then Wait on the bound notification: badge 0x1");

    CHECK_ERR(seL4_TCB_UnbindNotification(me), seL4_NoError, "Unbind");
    seL4_Signal(n1);
    m = seL4_NBRecv(ep, &badge);
    CHECK(badge == 0 && seL4_MessageInfo_get_length(m) == 0,
          "  a Signal no longer reaches a Recv on the endpoint");
    seL4_Poll(ntfn, &badge);
    CHECK_EQ(badge, 0x1, "  it stays pending in the notification");

    /* A notification with a waiter cannot be bound. */
    seL4_CPtr busy = st_make(seL4_NotificationObject, 0);
    st_thread_t w;
    CHECK(st_thread_new(&w, seL4_CapNull, seL4_MaxPrio) == 0, "a thread that waits on a notification");
    st_thread_start(&w, (seL4_Word)waiter, busy, 0, 0);
    seL4_Yield();
    CHECK_ERR(seL4_TCB_BindNotification(me, busy), seL4_IllegalOperation,
              "Bind a notification a thread waits on: seL4_IllegalOperation");
    seL4_Signal(busy);
    return st_done();
}
