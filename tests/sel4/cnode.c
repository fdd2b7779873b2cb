/*
 * cnode.c - the CNode invocations through libsel4's names: Copy, Mint
 * (badge and rights), Move, Mutate, Rotate, Delete, Revoke, SaveCaller and
 * CancelBadgedSends, each checked with seL4_DebugCapIdentify and by using
 * the caps (seL4: decodeCNodeInvocation, updateCapData, maskCapRights,
 * invokeCNodeSaveCaller, cancelBadgedSends). An seL4 root task written
 * only against <sel4/sel4.h>.
 */
#include "sel4test.h"

#define ROOT seL4_CapInitThreadCNode
#define DEPTH seL4_WordBits

/* The badge a Poll on ntfn sees after a Signal through cap (0: nothing arrived). */
static seL4_Word signal_and_poll(seL4_CPtr cap, seL4_CPtr ntfn)
{
    seL4_Word badge = 0;
    seL4_Signal(cap);
    seL4_Poll(ntfn, &badge);
    return badge;
}

static void copy_mint_move(void)
{
    seL4_CPtr ntfn = st_make(seL4_NotificationObject, 0);
    seL4_CPtr copy = st_slot(), minted = st_slot(), moved = st_slot(), ro = st_slot();

    CHECK_ERR(seL4_CNode_Copy(ROOT, copy, DEPTH, ROOT, ntfn, DEPTH, seL4_AllRights), seL4_NoError,
              "Copy a notification cap");
    CHECK_EQ(seL4_DebugCapIdentify(copy), ST_CAP_NOTIFICATION, "  the copy is a notification cap");
    CHECK_EQ(signal_and_poll(copy, ntfn), 0, "  a Signal through the unbadged copy delivers badge 0");

    CHECK_ERR(seL4_CNode_Mint(ROOT, minted, DEPTH, ROOT, ntfn, DEPTH, seL4_AllRights, 0x42),
              seL4_NoError, "Mint it with badge 0x42");
    CHECK_EQ(signal_and_poll(minted, ntfn), 0x42, "  a Signal through it delivers badge 0x42");
    seL4_CPtr again = st_slot();
    CHECK_ERR(seL4_CNode_Mint(ROOT, again, DEPTH, ROOT, minted, DEPTH, seL4_AllRights, 0x43),
              seL4_IllegalOperation, "  Mint of the badged cap with a new badge: seL4_IllegalOperation");
    CHECK_ERR(seL4_CNode_Copy(ROOT, again, DEPTH, ROOT, minted, DEPTH, seL4_AllRights), seL4_NoError,
              "  Copy of the badged cap");
    CHECK_EQ(signal_and_poll(again, ntfn), 0x42, "  keeps its badge");

    CHECK_ERR(seL4_CNode_Mint(ROOT, ro, DEPTH, ROOT, ntfn, DEPTH, seL4_CanRead, 0x7), seL4_NoError,
              "Mint with read rights only");
    CHECK_EQ(signal_and_poll(ro, ntfn), 0, "  a Signal through a cap without write delivers nothing");

    CHECK_ERR(seL4_CNode_Copy(ROOT, copy, DEPTH, ROOT, ntfn, DEPTH, seL4_AllRights), seL4_DeleteFirst,
              "Copy into an occupied slot: seL4_DeleteFirst");
    seL4_CPtr empty = st_slot(), dest = st_slot();
    CHECK_ERR(seL4_CNode_Copy(ROOT, dest, DEPTH, ROOT, empty, DEPTH, seL4_AllRights),
              seL4_FailedLookup, "Copy from an empty slot: seL4_FailedLookup");
    CHECK_EQ(seL4_GetMR(0), 1, "  MR0: the source failed");
    CHECK_EQ(seL4_GetMR(1), seL4_MissingCapability, "  MR1: seL4_MissingCapability");
    CHECK_EQ(seL4_GetMR(2), DEPTH, "  MR2: bits left");

    CHECK_ERR(seL4_CNode_Move(ROOT, moved, DEPTH, ROOT, minted, DEPTH), seL4_NoError,
              "Move the badged cap");
    CHECK_EQ(seL4_DebugCapIdentify(minted), ST_CAP_NULL, "  the source slot is empty");
    CHECK_EQ(signal_and_poll(moved, ntfn), 0x42, "  the moved cap keeps its badge");

    CHECK_ERR(seL4_CNode_Delete(ROOT, moved, DEPTH), seL4_NoError, "Delete a cap");
    CHECK_EQ(seL4_DebugCapIdentify(moved), ST_CAP_NULL, "  its slot is empty");
    CHECK_ERR(seL4_CNode_Delete(ROOT, moved, DEPTH), seL4_NoError, "Delete of an empty slot succeeds");
}

static void mutate(void)
{
    /* A 16-slot CNode whose cap, mutated to guard 0 of 60 bits, resolves a whole word. */
    seL4_CPtr cnode = st_make(seL4_CapTableObject, 4);
    seL4_CPtr copy = st_slot(), mutated = st_slot(), bad = st_slot();
    CHECK_ERR(seL4_CNode_Copy(ROOT, copy, DEPTH, ROOT, cnode, DEPTH, seL4_AllRights), seL4_NoError,
              "Copy a CNode cap");
    CHECK_ERR(seL4_CNode_Mutate(ROOT, mutated, DEPTH, ROOT, copy, DEPTH,
                                seL4_CNode_CapData_new(0, seL4_WordBits - 4).words[0]),
              seL4_NoError, "Mutate it to a guard of 60 bits");
    CHECK_EQ(seL4_DebugCapIdentify(copy), ST_CAP_NULL, "  Mutate moved it out of its slot");
    CHECK_EQ(seL4_DebugCapIdentify(mutated), ST_CAP_CNODE, "  it is a CNode cap");
    seL4_CPtr ep = st_make(seL4_EndpointObject, 0);
    CHECK_ERR(seL4_CNode_Copy(mutated, 5, DEPTH, ROOT, ep, DEPTH, seL4_AllRights), seL4_NoError,
              "  with the guard, slot 5 resolves at depth 64");
    seL4_CPtr back = st_slot();
    CHECK_ERR(seL4_CNode_Move(ROOT, back, DEPTH, cnode, 5, 4), seL4_NoError,
              "  and holds the endpoint cap (found through the unguarded cap at depth 4)");
    CHECK_EQ(seL4_DebugCapIdentify(back), ST_CAP_ENDPOINT, "  it is the endpoint");

    CHECK_ERR(seL4_CNode_Mutate(ROOT, bad, DEPTH, ROOT, mutated, DEPTH,
                                seL4_CNode_CapData_new(0, seL4_WordBits - 3).words[0]),
              seL4_IllegalOperation, "Mutate to guard + radix > 64 bits: seL4_IllegalOperation");
    CHECK_EQ(seL4_DebugCapIdentify(mutated), ST_CAP_CNODE, "  the source is untouched");
    CHECK_ERR(seL4_CNode_Mutate(ROOT, bad, DEPTH, ROOT, ep, DEPTH, 9), seL4_IllegalOperation,
              "Mutate of an endpoint cap: seL4_IllegalOperation (badges are Mint's)");
    CHECK_EQ(seL4_DebugCapIdentify(ep), ST_CAP_ENDPOINT, "  the source is untouched");
}

static seL4_Word paddr_of(seL4_CPtr frame)
{
    return seL4_X86_Page_GetAddress(frame).paddr;
}

static void rotate(void)
{
    seL4_CPtr a = st_make(seL4_X86_4K, 0), b = st_make(seL4_X86_4K, 0), c = st_slot();
    seL4_Word pa = paddr_of(a), pb = paddr_of(b);
    CHECK(pa != pb, "two frames for Rotate");
    CHECK_ERR(seL4_CNode_Rotate(ROOT, c, DEPTH, 0, ROOT, b, DEPTH, 0, ROOT, a, DEPTH), seL4_NoError,
              "Rotate: pivot -> dest, src -> pivot");
    CHECK_EQ(seL4_DebugCapIdentify(a), ST_CAP_NULL, "  src is empty");
    CHECK_EQ(paddr_of(c), pb, "  dest holds the pivot's frame");
    CHECK_EQ(paddr_of(b), pa, "  pivot holds the source's frame");
    CHECK_ERR(seL4_CNode_Rotate(ROOT, c, DEPTH, 0, ROOT, b, DEPTH, 0, ROOT, c, DEPTH), seL4_NoError,
              "Rotate with src = dest swaps two caps");
    CHECK_EQ(paddr_of(c), pa, "  dest/src holds the former pivot's frame");
    CHECK_EQ(paddr_of(b), pb, "  pivot holds the other");
    CHECK_ERR(seL4_CNode_Rotate(ROOT, a, DEPTH, 0, ROOT, b, DEPTH, 0, ROOT, b, DEPTH),
              seL4_IllegalOperation, "Rotate with pivot = src: seL4_IllegalOperation");
    seL4_CPtr d = st_make(seL4_X86_4K, 0);
    CHECK_ERR(seL4_CNode_Rotate(ROOT, d, DEPTH, 0, ROOT, b, DEPTH, 0, ROOT, c, DEPTH),
              seL4_DeleteFirst, "Rotate into an occupied dest: seL4_DeleteFirst");
    seL4_CPtr e1 = st_make(seL4_EndpointObject, 0), e2 = st_make(seL4_EndpointObject, 0);
    CHECK_ERR(seL4_CNode_Rotate(ROOT, a, DEPTH, 1, ROOT, e2, DEPTH, 2, ROOT, e1, DEPTH),
              seL4_IllegalOperation, "Rotate of endpoint caps (a badge is data): seL4_IllegalOperation");
}

static void revoke(void)
{
    seL4_CPtr ep = st_make(seL4_EndpointObject, 0);
    seL4_CPtr c1 = st_slot(), c2 = st_slot(), c3 = st_slot();
    seL4_CNode_Copy(ROOT, c1, DEPTH, ROOT, ep, DEPTH, seL4_AllRights);
    seL4_CNode_Mint(ROOT, c2, DEPTH, ROOT, ep, DEPTH, seL4_AllRights, 5);
    seL4_CNode_Copy(ROOT, c3, DEPTH, ROOT, c2, DEPTH, seL4_AllRights);
    CHECK(seL4_DebugCapIdentify(c1) == ST_CAP_ENDPOINT && seL4_DebugCapIdentify(c3) == ST_CAP_ENDPOINT,
          "an endpoint with a copy, a badged child and its copy");
    CHECK_ERR(seL4_CNode_Revoke(ROOT, c2, DEPTH), seL4_NoError, "Revoke the badged cap");
    CHECK_EQ(seL4_DebugCapIdentify(c3), ST_CAP_NULL, "  its copy is gone");
    CHECK_EQ(seL4_DebugCapIdentify(c2), ST_CAP_ENDPOINT, "  it stays");
    CHECK_ERR(seL4_CNode_Revoke(ROOT, ep, DEPTH), seL4_NoError, "Revoke the original");
    CHECK(seL4_DebugCapIdentify(c1) == ST_CAP_NULL && seL4_DebugCapIdentify(c2) == ST_CAP_NULL,
          "  every cap derived from it is gone");
    CHECK_EQ(seL4_DebugCapIdentify(ep), ST_CAP_ENDPOINT, "  the original stays");
    CHECK_ERR(seL4_CNode_Revoke(ROOT, st_slot(), DEPTH), seL4_NoError, "Revoke of an empty slot succeeds");
}

/* --- SaveCaller: a client calls, the root saves the reply cap and answers later --- */

static seL4_Word client_got;

static void caller(seL4_Word ep, seL4_Word done)
{
    seL4_SetMR(0, 41);
    seL4_MessageInfo_t r = seL4_Call(ep, seL4_MessageInfo_new(7, 0, 0, 1));
    client_got = seL4_MessageInfo_get_label(r) == 8 ? seL4_GetMR(0) : 0;
    seL4_Signal(done);
}

static void save_caller(void)
{
    seL4_CPtr ep = st_make(seL4_EndpointObject, 0);
    seL4_CPtr done = st_make(seL4_NotificationObject, 0);
    st_thread_t t;
    CHECK(st_thread_new(&t, seL4_CapNull, 100) == 0, "a client thread");
    st_thread_start(&t, (seL4_Word)caller, ep, done, 0);

    seL4_Word badge;
    seL4_MessageInfo_t m = seL4_Recv(ep, &badge);
    CHECK_EQ(seL4_MessageInfo_get_label(m), 7, "Recv the client's Call");
    seL4_Word mr0 = seL4_GetMR(0);
    seL4_CPtr reply = st_slot();
    CHECK_ERR(seL4_CNode_SaveCaller(ROOT, reply, DEPTH), seL4_NoError, "SaveCaller");
    CHECK_EQ(seL4_DebugCapIdentify(reply), ST_CAP_REPLY, "  the slot holds a reply cap");
    seL4_CPtr second = st_slot();
    CHECK_ERR(seL4_CNode_SaveCaller(ROOT, second, DEPTH), seL4_NoError,
              "SaveCaller again (no caller left to save)");
    CHECK_EQ(seL4_DebugCapIdentify(second), ST_CAP_NULL, "  leaves the slot empty");
    CHECK_ERR(seL4_CNode_SaveCaller(ROOT, reply, DEPTH), seL4_DeleteFirst,
              "SaveCaller into an occupied slot: seL4_DeleteFirst");
    seL4_SetMR(0, mr0 + 1);
    seL4_Send(reply, seL4_MessageInfo_new(8, 0, 0, 1));
    CHECK_EQ(seL4_DebugCapIdentify(reply), ST_CAP_NULL, "a Send through the reply cap uses it up");
    seL4_Wait(done, &badge);
    CHECK_EQ(client_got, 42, "  the client got the answer");
}

/* --- CancelBadgedSends: two senders blocked on one endpoint with different badges --- */

static void sender(seL4_Word ep, seL4_Word value)
{
    seL4_SetMR(0, value);
    seL4_Send(ep, seL4_MessageInfo_new(0, 0, 0, 1));
}

static void cancel_badged_sends(void)
{
    seL4_CPtr ep = st_make(seL4_EndpointObject, 0);
    seL4_CPtr b1 = st_slot(), b2 = st_slot(), ro = st_slot();
    seL4_CNode_Mint(ROOT, b1, DEPTH, ROOT, ep, DEPTH, seL4_AllRights, 1);
    seL4_CNode_Mint(ROOT, b2, DEPTH, ROOT, ep, DEPTH, seL4_AllRights, 2);
    seL4_CNode_Mint(ROOT, ro, DEPTH, ROOT, ep, DEPTH, seL4_CanRead, 3);
    st_thread_t t1, t2;
    CHECK(st_thread_new(&t1, seL4_CapNull, 254) == 0 && st_thread_new(&t2, seL4_CapNull, 254) == 0,
          "two sender threads");
    /*
     * The root drops below the senders, so each runs as soon as it is
     * started and blocks in its Send: t1 first, then t2.
     */
    seL4_Word badge;
    CHECK_ERR(seL4_TCB_SetPriority(seL4_CapInitThreadTCB, seL4_CapInitThreadTCB, 253), seL4_NoError,
              "the root lowers its own priority");
    st_thread_start(&t1, (seL4_Word)sender, b1, 100, 0);
    st_thread_start(&t2, (seL4_Word)sender, b2, 200, 0);

    CHECK_ERR(seL4_CNode_CancelBadgedSends(ROOT, ro, DEPTH), seL4_IllegalOperation,
              "CancelBadgedSends through a read-only cap: seL4_IllegalOperation");
    CHECK_ERR(seL4_CNode_CancelBadgedSends(ROOT, ep, DEPTH), seL4_NoError,
              "CancelBadgedSends of the unbadged cap");
    CHECK_ERR(seL4_CNode_CancelBadgedSends(ROOT, b1, DEPTH), seL4_NoError,
              "CancelBadgedSends of badge 1");
    /* t1 restarts its Send, which queues it behind t2. */
    seL4_MessageInfo_t m = seL4_NBRecv(ep, &badge);
    CHECK_EQ(badge, 2, "  the first sender left queued has badge 2");
    CHECK_EQ(seL4_GetMR(0), 200, "  and its message");
    m = seL4_Recv(ep, &badge);
    CHECK_EQ(badge, 1, "  the cancelled sender sends again when it runs, badge 1");
    CHECK_EQ(seL4_GetMR(0), 100, "  with its message");
    (void)m;
    seL4_TCB_SetPriority(seL4_CapInitThreadTCB, seL4_CapInitThreadTCB, seL4_MaxPrio);
}

int main(void)
{
    st_init();
    printf("# cnode: Copy, Mint, Move, Mutate, Rotate, Delete, Revoke, SaveCaller, "
           "CancelBadgedSends\n");
    copy_mint_move();
    mutate();
    rotate();
    revoke();
    save_caller();
    cancel_badged_sends();
    return st_done();
}
