/*
 * test_cdt.c - capability derivation tree semantics, seen through the API:
 * copies and mints, badged originals, untyped revocation, finalisation of
 * the last cap, CNode deletion (zombies, cyclic zombies), Move and Rotate
 * keeping tree positions, deleting threads blocked in IPC, and a revoke of
 * 1,000 descendants. Every run has the invariant checker on at every kernel
 * entry, so no step may leave a dangling cap or a broken list behind.
 *
 * Which object a slot names is read from kernel memory (tests may use
 * kernel internals); everything else goes through system calls.
 */
#include "harness.h"
#include "cap.h"

#define EP_T   MICA_ENDPOINT_OBJECT
#define NTFN_T MICA_NOTIFICATION_OBJECT
#define CNODE_T MICA_CNODE_OBJECT

/* --- helpers ----------------------------------------------------------------- */

static cte_t *slot_at(mica_cptr_t i)
{
    return cap_cnode_slots(tcb_slot(ks.root_tcb, TCB_CTABLE)->cap) + i;
}

static paddr_t obj_of(mica_cptr_t i)
{
    return cap_obj(slot_at(i)->cap);
}

static bool is_null(mica_cptr_t i)
{
    return mica_debug_cap_identify(i) == MICA_CAP_TYPE_NULL;
}

/* Caps anywhere in the system (CNodes, TCB slots) that name the object at obj. */
static unsigned caps_to(paddr_t obj)
{
    unsigned n = 0;
    for (paddr_t p = mdb_next(cte_at(ks.mdb_head)); p; p = mdb_next(cte_at(p))) {
        cap_t c = cte_at(p)->cap;
        if (cap_type(c) != MICA_CAP_TYPE_UNTYPED && cap_type(c) != MICA_CAP_TYPE_NULL &&
            cap_obj(c) == obj)
            n++;
    }
    return n;
}

/* Every slot of the CNode object at obj (2^radix slots) is empty. */
static bool cnode_memory_empty(paddr_t obj, unsigned radix)
{
    const cte_t *s = (const cte_t *)(hw_phys_base + obj);
    for (unsigned i = 0; i < (1u << radix); i++)
        if (!cap_is_null(s[i].cap) || s[i].mdb.prev || s[i].mdb.next)
            return false;
    return true;
}


static endpoint_t *ep_mem(paddr_t ep)
{
    return (endpoint_t *)(hw_phys_base + ep);
}

static void copy(mica_cptr_t dest, mica_cptr_t src)
{
    mt_assert_err(mica_cnode_copy(CNODE, dest, DEPTH, CNODE, src, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
}

static void mint(mica_cptr_t dest, mica_cptr_t src, mica_word_t badge)
{
    mt_assert_err(mica_cnode_mint(CNODE, dest, DEPTH, CNODE, src, DEPTH, MICA_ALL_RIGHTS, badge),
                  MICA_NO_ERROR);
}

static void revoke(mica_cptr_t c)
{
    mt_assert_err(mica_cnode_revoke(CNODE, c, DEPTH), MICA_NO_ERROR);
}

static void delete(mica_cptr_t c)
{
    mt_assert_err(mica_cnode_delete(CNODE, c, DEPTH), MICA_NO_ERROR);
}

/* Retype one object from untyped ut into a fresh root slot. */
static mica_cptr_t make_from(mica_cptr_t ut, mica_word_t type, mica_word_t bits)
{
    mica_cptr_t s = mt_slot();
    mt_assert_err(mica_untyped_retype(ut, type, bits, CNODE, 0, 0, s, 1), MICA_NO_ERROR);
    return s;
}

/* A private 2^16 untyped, so a test can revoke everything it made. */
static mica_cptr_t private_untyped(void)
{
    return mt_make(MICA_UNTYPED_OBJECT, 16);
}

/* All of ut's memory is free again: it can be retyped into one object of its full size. */
static void assert_untyped_fully_free(mica_cptr_t ut)
{
    mica_cptr_t s = make_from(ut, MICA_UNTYPED_OBJECT, 16);
    delete(s);
}

/* Start fn(arg) at the root's priority and let it run until it blocks. */
static mica_cptr_t spawn_blocked(mt_entry_fn fn, mica_word_t arg)
{
    mica_cptr_t t = mt_spawn(fn, arg, MICA_MAX_PRIO);
    mica_yield();
    return t;
}

static void receiver_fn(mica_word_t ep)
{
    mica_recv(ep, NULL);
}

static void sender_fn(mica_word_t ep)
{
    mica_send(ep, mica_msginfo_new(0, 0, 0, 0));
}

static void waiter_fn(mica_word_t ntfn)
{
    mica_wait(ntfn, NULL);
}

/* ============================================================================
 * Copy and Mint
 * ========================================================================== */

static void copies_are_children(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t e = mt_make(EP_T, 0);
    mica_cptr_t c1 = mt_slot(), c2 = mt_slot(), c3 = mt_slot();
    copy(c1, e);
    copy(c2, c1);       /* a copy of a copy is a descendant of the original too */
    mt_assert_err(mica_cnode_mint(CNODE, c3, DEPTH, CNODE, e, DEPTH, MICA_CAN_READ, 0), MICA_NO_ERROR);
    ck_assert_uint_eq(caps_to(obj_of(e)), 4);

    /* A copy is not an original: revoking it removes nothing. */
    revoke(c1);
    ck_assert(!is_null(c2));
    ck_assert_uint_eq(caps_to(obj_of(e)), 4);

    /* Revoking the source removes every copy and leaves the source. */
    revoke(e);
    ck_assert(is_null(c1));
    ck_assert(is_null(c2));
    ck_assert(is_null(c3));
    ck_assert_int_eq(mica_debug_cap_identify(e), MICA_CAP_TYPE_ENDPOINT);
    ck_assert_uint_eq(caps_to(obj_of(e)), 1);
}

START_TEST(a_copy_is_a_child_of_its_source)
{
    mt_run(copies_are_children);
}
END_TEST

static void badged_originals(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t e = mt_make(EP_T, 0);
    mica_cptr_t b5 = mt_slot(), b5c = mt_slot(), b5cc = mt_slot();
    mica_cptr_t b7 = mt_slot(), b7c = mt_slot(), plain = mt_slot();
    mint(b5, e, 5);
    copy(b5c, b5);
    copy(b5cc, b5c);
    mint(b7, e, 7);
    copy(b7c, b7);
    copy(plain, e);
    ck_assert(mdb_revocable(slot_at(b5)));
    ck_assert_uint_eq(cap_badge(slot_at(b5cc)->cap), 5);

    /* The badge-5 original removes its own copies only. */
    revoke(b5);
    ck_assert(!is_null(b5));
    ck_assert(is_null(b5c));
    ck_assert(is_null(b5cc));
    ck_assert(!is_null(b7));
    ck_assert(!is_null(b7c));
    ck_assert(!is_null(plain));

    /* A badged cap cannot be badged again. */
    mica_cptr_t again = mt_slot();
    mt_assert_err(mica_cnode_mint(CNODE, again, DEPTH, CNODE, b7, DEPTH, MICA_ALL_RIGHTS, 9),
                  MICA_ILLEGAL_OPERATION);

    /* The unbadged original is the parent of every badge. */
    revoke(e);
    ck_assert(is_null(b5));
    ck_assert(is_null(b7));
    ck_assert(is_null(b7c));
    ck_assert(is_null(plain));
    ck_assert_uint_eq(caps_to(obj_of(e)), 1);
}

START_TEST(a_mint_with_a_badge_makes_an_original_that_revokes_only_its_copies)
{
    mt_run(badged_originals);
}
END_TEST

static void badged_copies(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t n = mt_make(NTFN_T, 0);
    mica_cptr_t b = mt_slot(), c1 = mt_slot(), c2 = mt_slot(), c3 = mt_slot();
    mint(b, n, 0x30);
    copy(c1, b);
    copy(c2, c1);
    copy(c3, b);
    ck_assert(!mdb_revocable(slot_at(c1)));

    /* Copies of a badged cap are siblings: none is a parent of another. */
    revoke(c1);
    revoke(c2);
    revoke(c3);
    ck_assert(!is_null(c1));
    ck_assert(!is_null(c2));
    ck_assert(!is_null(c3));

    /* Deleting the badged original leaves its copies, still badged and usable. */
    delete(b);
    ck_assert_uint_eq(caps_to(obj_of(n)), 4);
    ck_assert_uint_eq(cap_badge(slot_at(c2)->cap), 0x30);
    revoke(c1);
    ck_assert(!is_null(c2));
    mica_signal(c2);
    mica_word_t w = 0;
    mica_poll(n, &w);
    ck_assert_uint_eq(w, 0x30);

    /* The unbadged original still reaches them all. */
    revoke(n);
    ck_assert(is_null(c1));
    ck_assert(is_null(c2));
    ck_assert(is_null(c3));
    ck_assert_uint_eq(caps_to(obj_of(n)), 1);
}

START_TEST(copies_of_a_badged_cap_are_not_parents_of_each_other)
{
    mt_run(badged_copies);
}
END_TEST

/* ============================================================================
 * Untyped
 * ========================================================================== */

static void untyped_revoke(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t u = private_untyped();
    mica_cptr_t u1 = make_from(u, MICA_UNTYPED_OBJECT, 14);
    mica_cptr_t ep = make_from(u, EP_T, 0);
    mica_cptr_t tcb = make_from(u, MICA_TCB_OBJECT, 0);
    mica_cptr_t u2 = make_from(u1, MICA_UNTYPED_OBJECT, 12);
    mica_cptr_t nt = make_from(u1, NTFN_T, 0);
    mica_cptr_t cn = make_from(u1, CNODE_T, 3);
    mica_cptr_t ep2 = make_from(u2, EP_T, 0);
    mica_cptr_t fr = make_from(u1, MICA_FRAME_OBJECT, 0);
    /* The frame would need all of u2, which already holds ep2. */
    mt_assert_err(mica_untyped_retype(u2, MICA_FRAME_OBJECT, 0, CNODE, 0, 0, mt_slot(), 1),
                  MICA_NOT_ENOUGH_MEMORY);
    mica_cptr_t epc = mt_slot(), ntb = mt_slot(), tcbc = mt_slot();
    copy(epc, ep);
    mint(ntb, nt, 3);
    copy(tcbc, tcb);
    mt_assert_err(mica_cnode_copy(cn, 1, 3, CNODE, ep2, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(cn, 2, 3, CNODE, cn, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    paddr_t cn_obj = obj_of(cn), ep2_obj = obj_of(ep2);
    mica_cptr_t all[] = { u1, ep, tcb, u2, nt, cn, ep2, fr, epc, ntb, tcbc };

    /* Revoking the nested untyped takes its subtree only. */
    revoke(u1);
    ck_assert(is_null(u2));
    ck_assert(is_null(nt));
    ck_assert(is_null(cn));
    ck_assert(is_null(ep2));
    ck_assert(is_null(fr));
    ck_assert(is_null(ntb));
    ck_assert_uint_eq(caps_to(cn_obj), 0);
    ck_assert_uint_eq(caps_to(ep2_obj), 0);
    ck_assert(!is_null(ep));
    ck_assert(!is_null(epc));
    ck_assert(!is_null(tcb));
    ck_assert_int_eq(mica_debug_cap_identify(u1), MICA_CAP_TYPE_UNTYPED);

    /* Rebuild below u1, then revoke the outer untyped: everything goes. */
    u2 = make_from(u1, MICA_UNTYPED_OBJECT, 12);
    ep2 = make_from(u2, EP_T, 0);
    all[3] = u2;
    all[6] = ep2;
    revoke(u);
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        ck_assert_msg(is_null(all[i]), "slot %lu survived the revoke", (unsigned long)all[i]);
    ck_assert_int_eq(mica_debug_cap_identify(u), MICA_CAP_TYPE_UNTYPED);
    assert_untyped_fully_free(u);
}

START_TEST(revoking_an_untyped_deletes_every_object_made_from_it)
{
    mt_run(untyped_revoke);
}
END_TEST

/* ============================================================================
 * Finalisation of the last cap
 * ========================================================================== */

static void last_endpoint_cap(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t e = mt_make(EP_T, 0), e2 = mt_slot();
    paddr_t ep = obj_of(e);
    copy(e2, e);
    mica_cptr_t r = spawn_blocked(receiver_fn, e);
    ck_assert_uint_eq(mt_thread_state(r), MICA_THREAD_BLOCKED_ON_RECEIVE);

    /* Not the last cap: the endpoint and its queue are untouched. */
    delete(e2);
    ck_assert_uint_eq(mt_thread_state(r), MICA_THREAD_BLOCKED_ON_RECEIVE);
    ck_assert_uint_eq(ep_mem(ep)->head_state & ~3ull, obj_of(r));

    /* The last cap: the queue is cancelled and the receiver restarts its call. */
    delete(e);
    ck_assert_uint_eq(ep_mem(ep)->head_state, 0);
    ck_assert_uint_eq(ep_mem(ep)->tail, 0);
    ck_assert_uint_eq(mt_thread_state(r), MICA_THREAD_RESTART);
    ck_assert_uint_eq(caps_to(ep), 0);

    /* Re-executed, its Recv finds no cap: a cap fault with no handler halts it. */
    mica_yield();
    ck_assert_uint_eq(mt_thread_state(r), MICA_THREAD_INACTIVE);
}

START_TEST(deleting_the_last_endpoint_cap_finalises_the_endpoint)
{
    mt_run(last_endpoint_cap);
}
END_TEST

static void last_notification_cap(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t n = mt_make(NTFN_T, 0), other = mt_make(NTFN_T, 0);
    mica_cptr_t bound = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t w = spawn_blocked(waiter_fn, n);
    paddr_t nt = obj_of(n);
    ck_assert_uint_eq(mt_thread_state(w), MICA_THREAD_BLOCKED_ON_NOTIFICATION);
    /* A bound notification must have no waiters: bind another one to check unbinding. */
    mt_assert_err(mica_tcb_bind_notification(bound, other), MICA_NO_ERROR);
    paddr_t ot = obj_of(other);

    delete(n);
    ck_assert_uint_eq(mt_thread_state(w), MICA_THREAD_RESTART);
    ck_assert_uint_eq(((notification_t *)(hw_phys_base + nt))->head_state, 0);

    delete(other);
    ck_assert_uint_eq(tcb_ptr(obj_of(bound))->bound_notification, 0);
    ck_assert_uint_eq(((notification_t *)(hw_phys_base + ot))->bound_tcb, 0);
    mt_assert_err(mica_tcb_unbind_notification(bound), MICA_ILLEGAL_OPERATION);
}

START_TEST(deleting_the_last_notification_cap_wakes_waiters_and_unbinds)
{
    mt_run(last_notification_cap);
}
END_TEST

/* ============================================================================
 * Deleting CNodes that hold caps (zombies)
 * ========================================================================== */

static void cnode_with_caps(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t u = private_untyped();
    mica_cptr_t e = mt_make(EP_T, 0), n = mt_make(NTFN_T, 0), t = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t d = make_from(u, CNODE_T, 2);
    mica_cptr_t c = make_from(u, CNODE_T, 4);
    paddr_t cobj = obj_of(c);
    mt_assert_err(mica_cnode_copy(c, 0, 4, CNODE, e, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_mint(c, 1, 4, CNODE, e, DEPTH, MICA_ALL_RIGHTS, 11), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(c, 2, 4, c, 1, 4, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(c, 3, 4, CNODE, n, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(c, 4, 4, CNODE, t, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(c, 15, 4, CNODE, d, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(d, 0, 2, CNODE, e, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    ck_assert_uint_eq(caps_to(obj_of(e)), 5);

    /* The last cap to c: c is finalised and every cap it held is deleted. */
    delete(c);
    ck_assert(cnode_memory_empty(cobj, 4));
    ck_assert_uint_eq(caps_to(cobj), 0);
    ck_assert_uint_eq(caps_to(obj_of(e)), 2);     /* the original and d's copy */
    ck_assert_uint_eq(caps_to(obj_of(n)), 1);
    ck_assert_uint_eq(caps_to(obj_of(t)), 1);
    ck_assert_uint_eq(caps_to(obj_of(d)), 1);
    /* d lost only a copy of its cap: it is intact and usable. */
    mt_assert_err(mica_cnode_copy(d, 1, 2, CNODE, n, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    ck_assert_uint_eq(caps_to(obj_of(n)), 2);
    revoke(u);
    ck_assert_uint_eq(caps_to(obj_of(e)), 1);
    ck_assert_uint_eq(caps_to(obj_of(n)), 1);
    assert_untyped_fully_free(u);
}

START_TEST(deleting_a_cnode_deletes_the_caps_it_holds)
{
    mt_run(cnode_with_caps);
}
END_TEST

static void cnode_holding_last_cap_to_another(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t u = private_untyped();
    mica_cptr_t e = mt_make(EP_T, 0);
    mica_cptr_t c = make_from(u, CNODE_T, 3);
    mica_cptr_t d = make_from(u, CNODE_T, 3);
    paddr_t cobj = obj_of(c), dobj = obj_of(d);
    mt_assert_err(mica_cnode_copy(d, 0, 3, CNODE, e, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(d, 5, 3, CNODE, e, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(c, 0, 3, CNODE, e, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    /* c now holds the only cap to d. */
    mt_assert_err(mica_cnode_move(c, 6, 3, CNODE, d, DEPTH), MICA_NO_ERROR);
    ck_assert(is_null(d));
    ck_assert_uint_eq(caps_to(dobj), 1);

    /*
     * Deleting c finalises d as well, but does not recurse: d's zombie is
     * parked in d's own slot 0 (seL4's recursion breaker), unreachable,
     * still holding d's remaining caps until the untyped is revoked.
     */
    delete(c);
    ck_assert(cnode_memory_empty(cobj, 3));
    ck_assert_uint_eq(caps_to(cobj), 0);
    const cte_t *ds = (const cte_t *)(hw_phys_base + dobj);
    ck_assert_int_eq(cap_type(ds[0].cap), MICA_CAP_TYPE_ZOMBIE);
    ck_assert_uint_eq(cap_obj(ds[0].cap), dobj);
    ck_assert_uint_eq(caps_to(dobj), 1);
    ck_assert_uint_eq(caps_to(obj_of(e)), 2);      /* the original and d[5] */

    revoke(u);
    ck_assert(cnode_memory_empty(dobj, 3));
    ck_assert_uint_eq(caps_to(dobj), 0);
    ck_assert_uint_eq(caps_to(obj_of(e)), 1);
    assert_untyped_fully_free(u);
}

START_TEST(deleting_a_cnode_holding_the_last_cap_to_another_cnode_leaves_a_zombie)
{
    mt_run(cnode_holding_last_cap_to_another);
}
END_TEST

static void cnode_chain(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t u = private_untyped();
    mica_cptr_t e = mt_make(EP_T, 0);
    enum { N = 6 };
    mica_cptr_t cn[N];
    paddr_t obj[N];
    for (int i = 0; i < N; i++) {
        cn[i] = make_from(u, CNODE_T, 2);
        obj[i] = obj_of(cn[i]);
        mt_assert_err(mica_cnode_copy(cn[i], 1, 2, CNODE, e, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    }
    /* cn[i] holds the only cap to cn[i+1], in slot 3. */
    for (int i = N - 2; i >= 0; i--)
        mt_assert_err(mica_cnode_move(cn[i], 3, 2, CNODE, cn[i + 1], DEPTH), MICA_NO_ERROR);
    ck_assert_uint_eq(caps_to(obj_of(e)), 1 + N);
    delete(cn[0]);
    ck_assert_uint_eq(caps_to(obj[0]), 0);
    revoke(u);
    for (int i = 0; i < N; i++) {
        ck_assert_uint_eq(caps_to(obj[i]), 0);
        ck_assert(cnode_memory_empty(obj[i], 2));
    }
    ck_assert_uint_eq(caps_to(obj_of(e)), 1);
    assert_untyped_fully_free(u);
}

START_TEST(deleting_a_chain_of_cnodes_and_revoking_their_untyped_leaves_nothing)
{
    mt_run(cnode_chain);
}
END_TEST

static int self_slot;

static void cnode_holding_cap_to_itself(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t u = private_untyped();
    mica_cptr_t e = mt_make(EP_T, 0);
    mica_cptr_t c = make_from(u, CNODE_T, 3);
    mica_cptr_t d = make_from(u, CNODE_T, 2);
    paddr_t cobj = obj_of(c), dobj = obj_of(d);
    mt_assert_err(mica_cnode_copy(c, (mica_word_t)(self_slot + 1) % 8, 3, CNODE, e, DEPTH,
                                  MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(d, 0, 2, CNODE, e, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_move(c, 7 - (mica_word_t)(self_slot == 7), 3, CNODE, d, DEPTH),
                  MICA_NO_ERROR);
    /* c holds a cap to itself. */
    mt_assert_err(mica_cnode_copy(c, (mica_word_t)self_slot, 3, CNODE, c, DEPTH, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    ck_assert_uint_eq(caps_to(cobj), 2);

    /* Deleting the outside cap is not final: c lives on as an island. */
    delete(c);
    ck_assert_uint_eq(caps_to(cobj), 1);
    ck_assert_int_eq(cap_type(((const cte_t *)(hw_phys_base + cobj))[self_slot].cap),
                     MICA_CAP_TYPE_CNODE);

    /* Revoking the untyped deletes the self cap: the cyclic zombie case. */
    revoke(u);
    ck_assert(cnode_memory_empty(cobj, 3));
    ck_assert(cnode_memory_empty(dobj, 2));
    ck_assert_uint_eq(caps_to(cobj), 0);
    ck_assert_uint_eq(caps_to(dobj), 0);
    ck_assert_uint_eq(caps_to(obj_of(e)), 1);
    assert_untyped_fully_free(u);
}

static void original_moved_into_itself(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t u = private_untyped();
    mica_cptr_t e = mt_make(EP_T, 0);
    mica_cptr_t c = make_from(u, CNODE_T, 2);
    mica_cptr_t handle = mt_slot();
    paddr_t cobj = obj_of(c);
    copy(handle, c);
    mt_assert_err(mica_cnode_copy(handle, 3, 2, CNODE, e, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    /* The original cap to c goes into c's own slot 0, then the handle goes. */
    mt_assert_err(mica_cnode_move(handle, 0, 2, CNODE, c, DEPTH), MICA_NO_ERROR);
    delete(handle);
    ck_assert_uint_eq(caps_to(cobj), 1);
    revoke(u);
    ck_assert(cnode_memory_empty(cobj, 2));
    ck_assert_uint_eq(caps_to(cobj), 0);
    ck_assert_uint_eq(caps_to(obj_of(e)), 1);
    assert_untyped_fully_free(u);
}

START_TEST(a_cnode_holding_a_cap_to_itself_is_deleted_through_a_cyclic_zombie)
{
    int slots[] = { 0, 1, 7 };
    for (unsigned i = 0; i < 3; i++) {
        self_slot = slots[i];
        mt_run(cnode_holding_cap_to_itself);
    }
    mt_run(original_moved_into_itself);
}
END_TEST

/* ============================================================================
 * Move and Rotate keep tree positions
 * ========================================================================== */

static void move_keeps_position(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t e = mt_make(EP_T, 0);
    mica_cptr_t c = mt_slot(), m = mt_slot(), e2 = mt_slot();
    copy(c, e);
    mt_assert_err(mica_cnode_move(CNODE, m, DEPTH, CNODE, c, DEPTH), MICA_NO_ERROR);
    ck_assert(is_null(c));
    revoke(e);
    ck_assert(is_null(m));

    /* A moved original keeps its children. */
    copy(c, e);
    mt_assert_err(mica_cnode_move(CNODE, e2, DEPTH, CNODE, e, DEPTH), MICA_NO_ERROR);
    ck_assert(mdb_revocable(slot_at(e2)));
    revoke(e2);
    ck_assert(is_null(c));

    /* So does a moved badged original, and a Mutate (a move with cap data) of a CNode. */
    mica_cptr_t b = mt_slot(), bc = mt_slot(), b2 = mt_slot();
    mint(b, e2, 4);
    copy(bc, b);
    mt_assert_err(mica_cnode_move(CNODE, b2, DEPTH, CNODE, b, DEPTH), MICA_NO_ERROR);
    revoke(b2);
    ck_assert(is_null(bc));
    ck_assert(!is_null(b2));

    mica_cptr_t cn = mt_make(CNODE_T, 2), cnc = mt_slot(), cnm = mt_slot();
    copy(cnc, cn);
    mt_assert_err(mica_cnode_mutate(CNODE, cnm, DEPTH, CNODE, cnc, DEPTH,
                                    mica_cnode_capdata_new(1, 3)), MICA_NO_ERROR);
    revoke(cn);
    ck_assert(is_null(cnm));
}

START_TEST(move_keeps_the_position_in_the_tree)
{
    mt_run(move_keeps_position);
}
END_TEST

static void rotate_keeps_positions(const mica_bootinfo_t *bi)
{
    (void)bi;
    /* Rotate refuses endpoint and notification caps, so use CNode caps. */
    mica_cptr_t o1 = mt_make(CNODE_T, 1), o2 = mt_make(CNODE_T, 1), o3 = mt_make(CNODE_T, 1);
    mica_cptr_t c1 = mt_slot(), c2 = mt_slot(), c3 = mt_slot(), d = mt_slot();
    copy(c1, o1);
    copy(c2, o2);
    copy(c3, o3);

    /* Swap: src == dest. */
    mt_assert_err(mica_cnode_rotate(CNODE, c1, DEPTH, 0, CNODE, c2, DEPTH, 0, CNODE, c1, DEPTH),
                  MICA_NO_ERROR);
    ck_assert_uint_eq(obj_of(c1), obj_of(o2));
    ck_assert_uint_eq(obj_of(c2), obj_of(o1));
    revoke(o1);
    ck_assert(is_null(c2));
    ck_assert(!is_null(c1));
    revoke(o2);
    ck_assert(is_null(c1));

    /* Three slots: pivot -> dest, src -> pivot. */
    copy(c1, o1);
    mt_assert_err(mica_cnode_rotate(CNODE, d, DEPTH, 0, CNODE, c3, DEPTH, 0, CNODE, c1, DEPTH),
                  MICA_NO_ERROR);
    ck_assert(is_null(c1));
    ck_assert_uint_eq(obj_of(d), obj_of(o3));
    ck_assert_uint_eq(obj_of(c3), obj_of(o1));
    revoke(o3);
    ck_assert(is_null(d));
    ck_assert(!is_null(c3));
    revoke(o1);
    ck_assert(is_null(c3));

    /* Swapping an original with one of its own children keeps both roles. */
    copy(c1, o2);
    mt_assert_err(mica_cnode_rotate(CNODE, o2, DEPTH, 0, CNODE, c1, DEPTH, 0, CNODE, o2, DEPTH),
                  MICA_NO_ERROR);
    ck_assert(mdb_revocable(slot_at(c1)));
    ck_assert(!mdb_revocable(slot_at(o2)));
    revoke(c1);
    ck_assert(is_null(o2));
    ck_assert(!is_null(c1));
}

START_TEST(rotate_and_swap_keep_tree_positions)
{
    mt_run(rotate_keeps_positions);
}
END_TEST

/* ============================================================================
 * Deleting threads blocked in IPC
 * ========================================================================== */

static void delete_blocked_receiver_and_sender(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t e = mt_make(EP_T, 0);
    paddr_t ep = obj_of(e);
    mica_cptr_t r1 = spawn_blocked(receiver_fn, e);
    mica_cptr_t r2 = spawn_blocked(receiver_fn, e);
    paddr_t t1 = obj_of(r1), t2 = obj_of(r2);
    ck_assert_uint_eq(ep_mem(ep)->head_state, t1 | 2);
    ck_assert_uint_eq(ep_mem(ep)->tail, t2);

    /* The head of the queue goes; the other receiver stays queued. */
    delete(r1);
    ck_assert_uint_eq(caps_to(t1), 0);
    ck_assert_uint_eq(ep_mem(ep)->head_state, t2 | 2);
    delete(r2);
    ck_assert_uint_eq(ep_mem(ep)->head_state, 0);
    ck_assert_uint_eq(ep_mem(ep)->tail, 0);

    /* A blocked sender, deleted, leaves the endpoint idle and usable. */
    mica_cptr_t s = spawn_blocked(sender_fn, e);
    ck_assert_uint_eq(ep_mem(ep)->head_state, obj_of(s) | 1);
    delete(s);
    ck_assert_uint_eq(ep_mem(ep)->head_state, 0);
    mica_word_t badge = 99;
    mica_nbrecv(e, &badge);
    ck_assert_uint_eq(badge, 0);
}

START_TEST(deleting_the_tcb_of_a_thread_blocked_on_an_endpoint_dequeues_it)
{
    mt_run(delete_blocked_receiver_and_sender);
}
END_TEST

static mica_cptr_t g_ep, g_done;

static void server_fn(mica_word_t arg)
{
    (void)arg;
    mica_recv(g_ep, NULL);
    mica_signal(g_done);            /* the root preempts us here */
    mica_reply(mica_msginfo_new(0, 0, 0, 0));
}

static void client_fn(mica_word_t arg)
{
    (void)arg;
    mica_call(g_ep, mica_msginfo_new(0, 0, 0, 0));
    ck_abort_msg("the deleted client was replied to");
}

static void delete_client_waiting_for_reply(const mica_bootinfo_t *bi)
{
    (void)bi;
    g_ep = mt_make(EP_T, 0);
    g_done = mt_make(NTFN_T, 0);
    mica_cptr_t server = mt_spawn(server_fn, 0, 254);
    mica_cptr_t client = mt_spawn(client_fn, 0, 253);
    mica_wait(g_done, NULL);
    paddr_t t = obj_of(client);
    ck_assert_uint_eq(tcb_ptr(t)->state.type, MICA_THREAD_BLOCKED_ON_REPLY);
    cte_t *caller = tcb_slot(obj_of(server), TCB_CALLER);
    ck_assert_int_eq(cap_type(caller->cap), MICA_CAP_TYPE_REPLY);
    ck_assert_uint_eq(cap_obj(caller->cap), t);

    /* Deleting the client deletes the reply cap the server holds for it. */
    delete(client);
    ck_assert(cap_is_null(caller->cap));
    ck_assert_uint_eq(caps_to(t), 0);
    /* The dead TCB's own slots (CSpace, VSpace, IPC buffer, master reply) are empty. */
    const cte_t *ts = tcb_slot(t, 0);
    for (unsigned i = 0; i < MICA_TCB_CNODE_ENTRIES; i++)
        ck_assert_msg(cap_is_null(ts[i].cap) && !ts[i].mdb.prev && !ts[i].mdb.next,
                      "TCB slot %u still holds a cap", i);
}

START_TEST(deleting_the_tcb_of_a_thread_waiting_for_a_reply_deletes_the_reply_cap)
{
    mt_run(delete_client_waiting_for_reply);
}
END_TEST

/* ============================================================================
 * Scale
 * ========================================================================== */

#define DESCENDANTS 1000

static void thousand_descendants(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t e = mt_make(EP_T, 0);
    mica_cptr_t s[DESCENDANTS];
    for (int i = 0; i < DESCENDANTS; i++) {
        s[i] = mt_slot();
        if (i % 10 == 0)
            mint(s[i], e, (mica_word_t)i + 1);      /* badged originals ... */
        else if (i % 10 < 4)
            copy(s[i], s[i - i % 10]);              /* ... with copies of their own */
        else if (i % 10 < 7)
            copy(s[i], e);
        else
            copy(s[i], s[i - 1]);                   /* copies of copies */
    }
    ck_assert_uint_eq(caps_to(obj_of(e)), DESCENDANTS + 1);
    revoke(e);
    for (int i = 0; i < DESCENDANTS; i++)
        ck_assert(is_null(s[i]));
    ck_assert_uint_eq(caps_to(obj_of(e)), 1);
    /* The slots are reusable. */
    copy(s[0], e);
    revoke(e);
    ck_assert(is_null(s[0]));
}

START_TEST(revoking_a_cap_with_1000_descendants_deletes_them_all)
{
    mt_run(thousand_descendants);
}
END_TEST

static Suite *cdt_suite(void)
{
    Suite *s = suite_create("cdt");

    TCase *tc = tcase_create("copy_and_mint");
    tcase_add_test(tc, a_copy_is_a_child_of_its_source);
    tcase_add_test(tc, a_mint_with_a_badge_makes_an_original_that_revokes_only_its_copies);
    tcase_add_test(tc, copies_of_a_badged_cap_are_not_parents_of_each_other);
    suite_add_tcase(s, tc);

    tc = tcase_create("untyped");
    tcase_add_test(tc, revoking_an_untyped_deletes_every_object_made_from_it);
    suite_add_tcase(s, tc);

    tc = tcase_create("finalisation");
    tcase_add_test(tc, deleting_the_last_endpoint_cap_finalises_the_endpoint);
    tcase_add_test(tc, deleting_the_last_notification_cap_wakes_waiters_and_unbinds);
    suite_add_tcase(s, tc);

    tc = tcase_create("cnode_delete");
    tcase_add_test(tc, deleting_a_cnode_deletes_the_caps_it_holds);
    tcase_add_test(tc, deleting_a_cnode_holding_the_last_cap_to_another_cnode_leaves_a_zombie);
    tcase_add_test(tc, deleting_a_chain_of_cnodes_and_revoking_their_untyped_leaves_nothing);
    tcase_add_test(tc, a_cnode_holding_a_cap_to_itself_is_deleted_through_a_cyclic_zombie);
    suite_add_tcase(s, tc);

    tc = tcase_create("move_and_rotate");
    tcase_add_test(tc, move_keeps_the_position_in_the_tree);
    tcase_add_test(tc, rotate_and_swap_keep_tree_positions);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_add_test(tc, deleting_the_tcb_of_a_thread_blocked_on_an_endpoint_dequeues_it);
    tcase_add_test(tc, deleting_the_tcb_of_a_thread_waiting_for_a_reply_deletes_the_reply_cap);
    suite_add_tcase(s, tc);

    tc = tcase_create("scale");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, revoking_a_cap_with_1000_descendants_deletes_them_all);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(cdt_suite)
