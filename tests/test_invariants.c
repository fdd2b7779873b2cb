/*
 * test_invariants.c - the run-time invariant checker catches what it claims.
 *
 * Each detection test builds a small system with real system calls, then
 * corrupts kernel memory directly (as a bit flip or a kernel bug would) and
 * makes one more system call. The checker, on at every kernel entry, must
 * stop the run at exactly that entry and name the broken l4v invariant.
 * Further tests: a clean workload never trips it, the END and OFF check
 * modes, and kernel assertions aborting the process.
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include "harness.h"
#include "cap.h"
#include "thread.h"

#define EP_T   MICA_ENDPOINT_OBJECT
#define NTFN_T MICA_NOTIFICATION_OBJECT

/* --- kernel-memory helpers ------------------------------------------------- */

static cte_t *root_slots(void)
{
    return cap_cnode_slots(tcb_slot(ks.root_tcb, TCB_CTABLE)->cap);
}

/* The slot behind a root-CNode CPtr, and the object its cap names. */
static cte_t *slot_at(mica_cptr_t i)
{
    return root_slots() + i;
}

static paddr_t obj_of(mica_cptr_t i)
{
    return cap_obj(slot_at(i)->cap);
}

static endpoint_t *ep_mem(mica_cptr_t i)
{
    return (endpoint_t *)(hw_phys_base + obj_of(i));
}

static notification_t *ntfn_mem(mica_cptr_t i)
{
    return (notification_t *)(hw_phys_base + obj_of(i));
}

static tcb_t *tcb_mem(mica_cptr_t i)
{
    return tcb_ptr(obj_of(i));
}

/* Take a slot off the CDT list (its own flags survive). */
static void cdt_unlink(cte_t *s)
{
    paddr_t prev = mdb_prev(s), next = mdb_next(s);
    if (prev)
        mdb_set_next(cte_at(prev), next);
    if (next)
        mdb_set_prev(cte_at(next), prev);
    mdb_set_prev(s, 0);
    mdb_set_next(s, 0);
}

/* Put a slot on the CDT list right after prev. */
static void cdt_link_after(cte_t *prev, cte_t *s)
{
    paddr_t next = mdb_next(prev);
    mdb_set_prev(s, cte_paddr(prev));
    mdb_set_next(s, next);
    if (next)
        mdb_set_prev(cte_at(next), cte_paddr(s));
    mdb_set_next(prev, cte_paddr(s));
}

/* --- arming and triggering the checker --------------------------------------- */

static uint64_t armed_at;       /* kernel entries when the corruption was made */
static int ran_past_trigger;    /* a root task got past its trigger */

/*
 * Call right before corrupting: records the entry count, and gives the
 * current thread a long timeslice so the triggering entry does not also
 * reschedule (which could walk a deliberately broken queue).
 */
static void arm(void)
{
    tcb_ptr(NODE.cur_thread)->time_slice = 1u << 30;
    armed_at = ks.count.kernel_entries;
}

/* Any system call: the checker runs when it leaves the kernel. */
static void trigger(void)
{
    (void)mica_debug_cap_identify(MICA_CAP_INIT_TCB);
    ran_past_trigger = 1;
}

/* Run fn; the checker must stop the run at the first entry after arm() and name inv. */
static void expect_invariant(mt_root_fn fn, const char *inv)
{
    mica_config_t cfg;
    mt_config(&cfg);
    armed_at = UINT64_MAX;
    ran_past_trigger = 0;
    mica_run_result_t r = mt_run_cfg(&cfg, fn);
    ck_assert_msg(r.reason == MICA_STOP_INVARIANT, "expected %s to be reported; the run stopped "
                  "with %s: %s", inv, mica_stop_reason_name(r.reason), r.message);
    char want[64];
    snprintf(want, sizeof want, "invariant %s broken", inv);
    ck_assert_msg(strstr(r.message, want) != NULL, "expected %s, got: %s", inv, r.message);
    ck_assert_msg(armed_at != UINT64_MAX, "the root task never armed the corruption");
    ck_assert_msg(r.kernel_entries == armed_at + 1, "the checker stopped at entry %lu, not at "
                  "the first entry after the corruption (%lu)", (unsigned long)r.kernel_entries,
                  (unsigned long)(armed_at + 1));
    ck_assert_int_eq(ran_past_trigger, 0);
}

/* A thread that does nothing: queued at its priority, never scheduled. */
static void idle_thread_fn(mica_word_t arg)
{
    (void)arg;
}

/* A thread that blocks receiving on endpoint cptr arg. */
static void receiver_fn(mica_word_t arg)
{
    mica_recv(arg, NULL);
}

/* A thread that blocks waiting on notification cptr arg. */
static void waiter_fn(mica_word_t arg)
{
    mica_wait(arg, NULL);
}

/* Start fn(arg) at the root's priority and let it run until it blocks. */
static mica_cptr_t spawn_blocked(mt_entry_fn fn, mica_word_t arg)
{
    mica_cptr_t t = mt_spawn(fn, arg, MICA_MAX_PRIO);
    mica_yield();
    return t;
}

/* ============================================================================
 * valid_mdb: the CDT list
 * ========================================================================== */

static void corrupt_prev_link(const mica_bootinfo_t *bi)
{
    mica_cptr_t a = mt_make(EP_T, 0);
    mica_cptr_t b = mt_make(EP_T, 0);
    (void)b;
    arm();
    /* a's predecessor is b; claim it is a boot untyped instead. */
    mdb_set_prev(slot_at(a), cte_paddr(slot_at(bi->untyped.start)));
    trigger();
}

static void corrupt_sentinel_prev(const mica_bootinfo_t *bi)
{
    mica_cptr_t a = mt_make(EP_T, 0);
    (void)bi;
    arm();
    mdb_set_prev(cte_at(ks.mdb_head), cte_paddr(slot_at(a)));
    trigger();
}

static void corrupt_next_outside_memory(const mica_bootinfo_t *bi)
{
    mica_cptr_t a = mt_make(EP_T, 0);
    (void)bi;
    arm();
    mdb_set_next(slot_at(a), hw_phys_size + 64);
    trigger();
}

static void corrupt_next_misaligned(const mica_bootinfo_t *bi)
{
    mica_cptr_t a = mt_make(EP_T, 0);
    (void)bi;
    arm();
    mdb_set_next(slot_at(a), cte_paddr(slot_at(a)) + 8);
    trigger();
}

START_TEST(valid_dlist_catches_links_that_disagree_or_leave_memory)
{
    expect_invariant(corrupt_prev_link, "valid_dlist");
    expect_invariant(corrupt_sentinel_prev, "valid_dlist");
    expect_invariant(corrupt_next_outside_memory, "valid_dlist");
    expect_invariant(corrupt_next_misaligned, "valid_dlist");
}
END_TEST

static void corrupt_next_back_to_earlier_node(const mica_bootinfo_t *bi)
{
    mica_cptr_t a = mt_make(EP_T, 0);
    mica_cptr_t b = mt_make(EP_T, 0);
    (void)bi;
    (void)b;
    arm();
    /* List: ... untyped, b, a, ...; make a's next the untyped: a cycle of three. */
    mdb_set_next(slot_at(a), mdb_prev(cte_at(mdb_prev(slot_at(a)))));
    trigger();
}

static void corrupt_next_to_itself(const mica_bootinfo_t *bi)
{
    mica_cptr_t a = mt_make(EP_T, 0);
    (void)bi;
    arm();
    mdb_set_next(slot_at(a), cte_paddr(slot_at(a)));
    trigger();
}

static void corrupt_next_to_sentinel(const mica_bootinfo_t *bi)
{
    mica_cptr_t a = mt_make(EP_T, 0);
    (void)bi;
    arm();
    mdb_set_next(slot_at(a), ks.mdb_head);
    trigger();
}

START_TEST(no_mloop_catches_a_cdt_list_that_loops)
{
    expect_invariant(corrupt_next_back_to_earlier_node, "no_mloop");
    expect_invariant(corrupt_next_to_itself, "no_mloop");
    expect_invariant(corrupt_next_to_sentinel, "no_mloop");
}
END_TEST

static void corrupt_null_cap_on_list(const mica_bootinfo_t *bi)
{
    mica_cptr_t a = mt_make(EP_T, 0);
    (void)bi;
    arm();
    slot_at(a)->cap.type = MICA_CAP_TYPE_NULL;     /* links kept */
    trigger();
}

START_TEST(mdb_cte_at_catches_a_null_cap_on_the_cdt_list)
{
    expect_invariant(corrupt_null_cap_on_list, "mdb_cte_at");
}
END_TEST

/* ============================================================================
 * valid_cap, cap_aligned
 * ========================================================================== */

static int cap_case;

static void corrupt_a_cap(const mica_bootinfo_t *bi)
{
    mica_cptr_t ep = mt_make(EP_T, 0);
    mica_cptr_t nt = mt_make(NTFN_T, 0);
    mica_cptr_t ut = mt_make(MICA_UNTYPED_OBJECT, 12);
    mica_cptr_t cn = mt_make(MICA_CNODE_OBJECT, 4);
    mica_cptr_t fr = mt_make(MICA_FRAME_OBJECT, 0);
    mica_cptr_t tcb = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t irq = mt_slot();
    mt_assert_err(mica_irq_control_get(MICA_CAP_IRQ_CONTROL, 5, CNODE, irq, DEPTH), MICA_NO_ERROR);
    (void)bi;
    arm();
    switch (cap_case) {
    case 0: slot_at(ep)->cap.type = 200; break;                        /* no such type */
    case 1: slot_at(ep)->cap.obj = (uint32_t)((hw_phys_size + 4096) >> 4); break;
    case 2: slot_at(ep)->cap.f1 = 0x1f; break;                         /* rights beyond RWGG */
    case 3: slot_at(nt)->cap.f1 |= RIGHT_GRANT; break;
    case 4: slot_at(ut)->cap.word = BIT(12) + 16; break;               /* free index past the end */
    case 5: slot_at(ut)->cap.f1 = 3; break;                            /* below the minimum size */
    case 6: slot_at(cn)->cap.f1 = 0; break;                            /* radix 0 */
    case 7: slot_at(cn)->cap.f2 = 61; break;                           /* radix + guard > 64 */
    case 8:                                                            /* zombie count too big */
        slot_at(cn)->cap = cap_zombie_new(obj_of(cn), 4, 17);
        break;
    case 9: slot_at(fr)->cap.f1 |= RIGHT_GRANT; break;
    case 10: tcb_slot(ks.root_tcb, TCB_REPLY)->cap.obj += 1; break;    /* reply to a non-TCB */
    case 11: slot_at(irq)->cap.word = MICA_MAX_IRQ + 1; break;
    case 12: slot_at(tcb)->cap.obj = (uint32_t)((1ull << 35) >> 4); break;   /* far outside memory */
    case 13: slot_at(ep)->cap.obj_hi = 1; break;                     /* a kernel object above RAM */
    default: break;
    }
    trigger();
}

START_TEST(valid_cap_catches_malformed_caps)
{
    for (cap_case = 0; cap_case <= 13; cap_case++)
        expect_invariant(corrupt_a_cap, "valid_cap");
}
END_TEST

static void corrupt_misaligned_object(const mica_bootinfo_t *bi)
{
    mica_cptr_t nt = mt_make(NTFN_T, 0);    /* 32-byte object */
    (void)bi;
    arm();
    slot_at(nt)->cap.obj += 1;              /* 16 bytes further on */
    trigger();
}

START_TEST(cap_aligned_catches_a_cap_to_a_misaligned_object)
{
    expect_invariant(corrupt_misaligned_object, "cap_aligned");
}
END_TEST

/* ============================================================================
 * valid_nullcaps
 * ========================================================================== */

static void corrupt_empty_root_slot(const mica_bootinfo_t *bi)
{
    mica_cptr_t a = mt_make(EP_T, 0);
    arm();
    slot_at(bi->empty.end - 1)->mdb.next = cte_paddr(slot_at(a));
    trigger();
}

/*
 * The CNode's original cap was deleted; only a copy (not an original)
 * names it. Its slots must still be checked.
 */
static void corrupt_empty_slot_of_cnode_held_by_a_copy(const mica_bootinfo_t *bi)
{
    mica_cptr_t cn = mt_make(MICA_CNODE_OBJECT, 2);
    mica_cptr_t copy = mt_slot();
    (void)bi;
    mt_assert_err(mica_cnode_copy(CNODE, copy, DEPTH, CNODE, cn, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(CNODE, cn, DEPTH), MICA_NO_ERROR);
    ck_assert(!mdb_revocable(slot_at(copy)));
    arm();
    cap_cnode_slots(slot_at(copy)->cap)[3].mdb.prev = cte_paddr(slot_at(copy));
    trigger();
}

START_TEST(valid_nullcaps_catches_an_empty_slot_with_cdt_links)
{
    expect_invariant(corrupt_empty_root_slot, "valid_nullcaps");
    expect_invariant(corrupt_empty_slot_of_cnode_held_by_a_copy, "valid_nullcaps");
}
END_TEST

/* ============================================================================
 * CDT marks: ut_revocable, irq_revocable, irq_control, reply caps, badges
 * ========================================================================== */

static void corrupt_untyped_not_original(const mica_bootinfo_t *bi)
{
    arm();
    mdb_set_revocable(slot_at(bi->untyped.start), false);
    trigger();
}

START_TEST(ut_revocable_catches_an_untyped_cap_that_is_not_original)
{
    expect_invariant(corrupt_untyped_not_original, "ut_revocable");
}
END_TEST

static void corrupt_irq_control_not_original(const mica_bootinfo_t *bi)
{
    (void)bi;
    arm();
    mdb_set_revocable(slot_at(MICA_CAP_IRQ_CONTROL), false);
    trigger();
}

START_TEST(irq_revocable_catches_an_irq_control_cap_that_is_not_original)
{
    expect_invariant(corrupt_irq_control_not_original, "irq_revocable");
}
END_TEST

static void corrupt_second_irq_control(const mica_bootinfo_t *bi)
{
    cte_t *s = slot_at(bi->empty.end - 1);
    arm();
    s->cap = cap_irq_control_new();
    cdt_link_after(slot_at(MICA_CAP_IRQ_CONTROL), s);
    mdb_set_revocable(s, true);
    trigger();
}

START_TEST(irq_control_catches_a_second_irq_control_cap)
{
    expect_invariant(corrupt_second_irq_control, "irq_control");
}
END_TEST

/* IRQ 5 with a notification in its IRQ node slot, then corrupted per irq_case. */
static int irq_case;

static void corrupt_irq_node(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t h = mt_slot(), n = mt_make(NTFN_T, 0), ep = mt_make(EP_T, 0);
    mt_assert_err(mica_irq_control_get(MICA_CAP_IRQ_CONTROL, 5, CNODE, h, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_irq_handler_set_notification(h, n), MICA_NO_ERROR);
    arm();
    switch (irq_case) {
    case 0: ks.irq_issued[5] = 0; slot_at(h)->cap.word = 6; break;  /* no handler for IRQ 5 */
    case 1: irq_node_slot(5)->cap = slot_at(ep)->cap; break;         /* not a notification */
    case 2: irq_node_slot(7)->mdb.next = cte_paddr(slot_at(n)); break;  /* empty, linked */
    case 3: slot_at(h)->cap.word = 6; break;                         /* IRQ 6 is not issued */
    case 4: ks.irq_pending[5] = 1; break;           /* deliverable, yet held */
    case 5: ks.irq_asserted[5] = 1; break;          /* deliverable, asserted, never signalled */
    case 6: ks.irq_masked[6] = 1; break;            /* masked with no handler */
    default: ks.irq_pending[5] = 2; break;          /* not a flag */
    }
    trigger();
}

/* valid_irq_node: seL4's IRQ node holds notification caps of issued IRQs only. */
START_TEST(valid_irq_node_catches_a_bad_irq_node_slot)
{
    for (irq_case = 0; irq_case < 3; irq_case++)
        expect_invariant(corrupt_irq_node, "valid_irq_node");
}
END_TEST

/* valid_irq_lines: the interrupt controller's state agrees with the handlers. */
START_TEST(valid_irq_lines_catches_an_undelivered_irq_and_a_mask_without_a_handler)
{
    for (irq_case = 4; irq_case < 8; irq_case++)
        expect_invariant(corrupt_irq_node, "valid_irq_lines");
}
END_TEST

START_TEST(valid_irq_handlers_catches_a_handler_cap_of_an_irq_not_issued)
{
    irq_case = 3;
    expect_invariant(corrupt_irq_node, "valid_irq_handlers");
}
END_TEST

/*
 * The interrupt controller's state (ks.irq_*), with IRQ 5 issued and set to
 * a notification, IRQ 9 not issued; corrupted per irq_case.
 */
static void corrupt_irq_lines(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t h = mt_slot(), n = mt_make(NTFN_T, 0), ro = mt_slot();
    mt_assert_err(mica_irq_control_get(MICA_CAP_IRQ_CONTROL, 5, CNODE, h, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_irq_handler_set_notification(h, n), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_mint(CNODE, ro, DEPTH, CNODE, n, DEPTH, MICA_CAN_READ, 0),
                  MICA_NO_ERROR);
    arm();
    switch (irq_case) {
    case 0: ks.irq_masked[5] = 2; break;                    /* not 0 or 1 */
    case 1: ks.irq_masked[9] = 1; break;                    /* masked, no handler */
    case 2: ks.irq_pending[5] = 1; break;                   /* deliverable, held */
    case 3: ks.count.irq_delivered[9] = 1; break;           /* delivered, never masked */
    case 4:                                                 /* delivered again while masked */
        ks.count.irq_raised[5] += 2;
        ks.count.irq_delivered[5] += 2;
        ks.irq_masked[5] = 1;
        break;
    case 5: ks.irq_masked[5] = 1; break;                    /* masked, never delivered */
    case 6: ks.irq_issued[9] = 1; break;                    /* issued, no handler cap */
    default: irq_node_slot(5)->cap = slot_at(ro)->cap; break;   /* a notification without Write */
    }
    trigger();
}

/* valid_irq_lines: line states are 0/1, masked lines have a handler, nothing deliverable waits. */
START_TEST(valid_irq_lines_catches_a_bad_line_state)
{
    for (irq_case = 0; irq_case < 3; irq_case++)
        expect_invariant(corrupt_irq_lines, "valid_irq_lines");
}
END_TEST

/* valid_irq_masks: deliveries = unmasks + masked - none while masked, no mask without one. */
START_TEST(valid_irq_masks_catches_a_delivery_while_masked_and_a_mask_without_one)
{
    for (irq_case = 3; irq_case < 6; irq_case++)
        expect_invariant(corrupt_irq_lines, "valid_irq_masks");
}
END_TEST

START_TEST(valid_irq_handlers_catches_an_issued_irq_without_a_handler_cap)
{
    irq_case = 6;
    expect_invariant(corrupt_irq_lines, "valid_irq_handlers");
}
END_TEST

START_TEST(valid_irq_node_catches_a_notification_cap_without_write)
{
    irq_case = 7;
    expect_invariant(corrupt_irq_lines, "valid_irq_node");
}
END_TEST

static void corrupt_master_reply_not_original(const mica_bootinfo_t *bi)
{
    (void)bi;
    arm();
    mdb_set_revocable(tcb_slot(ks.root_tcb, TCB_REPLY), false);
    trigger();
}

START_TEST(reply_master_revocable_catches_a_master_reply_cap_that_is_not_original)
{
    expect_invariant(corrupt_master_reply_not_original, "reply_master_revocable");
}
END_TEST

static void corrupt_master_reply_elsewhere(const mica_bootinfo_t *bi)
{
    mica_cptr_t t = mt_make(MICA_TCB_OBJECT, 0);
    (void)bi;
    arm();
    /* The root's reply slot now holds the master reply cap of another TCB. */
    tcb_slot(ks.root_tcb, TCB_REPLY)->cap.obj = (uint32_t)(obj_of(t) >> 4);
    trigger();
}

START_TEST(valid_reply_masters_catches_a_master_reply_cap_outside_its_tcb)
{
    expect_invariant(corrupt_master_reply_elsewhere, "valid_reply_masters");
}
END_TEST

static void corrupt_reply_cap_without_master(const mica_bootinfo_t *bi)
{
    (void)bi;
    arm();
    tcb_slot(ks.root_tcb, TCB_REPLY)->cap.f1 = 0;  /* no longer a master */
    trigger();
}

START_TEST(reply_mdb_catches_a_reply_cap_that_does_not_follow_its_master)
{
    expect_invariant(corrupt_reply_cap_without_master, "reply_mdb");
}
END_TEST

static mica_cptr_t g_ep;

/* Receive the root's Call (so we hold its reply cap), then make the root Inactive. */
static void server_that_corrupts_its_caller(mica_word_t arg)
{
    (void)arg;
    mica_recv(g_ep, NULL);
    ck_assert_uint_eq(tcb_ptr(ks.root_tcb)->state.type, MICA_THREAD_BLOCKED_ON_REPLY);
    ck_assert_int_eq(cap_type(tcb_slot(NODE.cur_thread, TCB_CALLER)->cap), MICA_CAP_TYPE_REPLY);
    arm();
    tcb_ptr(ks.root_tcb)->state.type = MICA_THREAD_INACTIVE;
    trigger();
}

static void call_a_corrupting_server(const mica_bootinfo_t *bi)
{
    (void)bi;
    g_ep = mt_make(EP_T, 0);
    mt_spawn(server_that_corrupts_its_caller, 0, 100);
    mica_call(g_ep, mica_msginfo_new(0, 0, 0, 0));
}

START_TEST(valid_reply_caps_catches_a_reply_cap_to_a_thread_not_waiting_for_it)
{
    expect_invariant(call_a_corrupting_server, "valid_reply_caps");
}
END_TEST

static void corrupt_badged_cap_not_first_badged(const mica_bootinfo_t *bi)
{
    mica_cptr_t ep = mt_make(EP_T, 0);
    mica_cptr_t b = mt_slot();
    (void)bi;
    mt_assert_err(mica_cnode_mint(CNODE, b, DEPTH, CNODE, ep, DEPTH, MICA_ALL_RIGHTS, 5), MICA_NO_ERROR);
    ck_assert(mdb_first_badged(slot_at(b)));
    arm();
    mdb_set_first_badged(slot_at(b), false);
    trigger();
}

START_TEST(valid_badges_catches_a_new_badge_without_the_first_badged_mark)
{
    expect_invariant(corrupt_badged_cap_not_first_badged, "valid_badges");
}
END_TEST

/* ============================================================================
 * untyped_inc, untyped_mdb, pspace_distinct, valid_untyped
 * ========================================================================== */

/* Move a slot to the front of the CDT list, out of its untyped's descendants. */
static void move_to_list_front(mica_cptr_t c)
{
    cdt_unlink(slot_at(c));
    cdt_link_after(cte_at(ks.mdb_head), slot_at(c));
}

static void corrupt_untyped_outside_parent(const mica_bootinfo_t *bi)
{
    mica_cptr_t u = mt_make(MICA_UNTYPED_OBJECT, 12);
    (void)bi;
    arm();
    move_to_list_front(u);
    trigger();
}

START_TEST(untyped_inc_catches_a_nested_untyped_that_is_not_a_descendant)
{
    expect_invariant(corrupt_untyped_outside_parent, "untyped_inc");
}
END_TEST

static void corrupt_object_outside_parent(const mica_bootinfo_t *bi)
{
    mica_cptr_t e = mt_make(EP_T, 0);
    (void)bi;
    arm();
    move_to_list_front(e);
    trigger();
}

START_TEST(untyped_mdb_catches_an_object_cap_outside_its_untypeds_descendants)
{
    expect_invariant(corrupt_object_outside_parent, "untyped_mdb");
}
END_TEST

static void corrupt_overlapping_objects(const mica_bootinfo_t *bi)
{
    mica_cptr_t e = mt_make(EP_T, 0);
    mica_cptr_t t = mt_make(MICA_TCB_OBJECT, 0);
    (void)bi;
    arm();
    slot_at(e)->cap.obj = slot_at(t)->cap.obj;     /* an endpoint inside the TCB */
    trigger();
}

static void corrupt_untyped_inside_object(const mica_bootinfo_t *bi)
{
    mica_cptr_t u = mt_make(MICA_UNTYPED_OBJECT, 4);
    mica_cptr_t cn = mt_make(MICA_CNODE_OBJECT, 4);
    (void)bi;
    arm();
    slot_at(u)->cap.obj = slot_at(cn)->cap.obj + 1;  /* 16 bytes into the CNode */
    trigger();
}

START_TEST(pspace_distinct_catches_overlapping_objects)
{
    expect_invariant(corrupt_overlapping_objects, "pspace_distinct");
    expect_invariant(corrupt_untyped_inside_object, "pspace_distinct");
}
END_TEST

static void corrupt_watermark(const mica_bootinfo_t *bi)
{
    mica_cptr_t u = mt_make(MICA_UNTYPED_OBJECT, 12);
    mica_cptr_t e = mt_slot();
    (void)bi;
    mt_assert_err(mica_untyped_retype(u, EP_T, 0, CNODE, 0, 0, e, 1), MICA_NO_ERROR);
    arm();
    cap_untyped_set_free_index(&slot_at(u)->cap, 0);   /* the endpoint is now in free memory */
    trigger();
}

START_TEST(valid_untyped_catches_an_object_above_the_watermark)
{
    expect_invariant(corrupt_watermark, "valid_untyped");
}
END_TEST

/* ============================================================================
 * The scheduler: valid_queues, ready_qs_runnable, sym_heap_sched_pointers,
 * ct_not_in_q, valid_bitmaps, bitmapQ_no_L1_orphans
 * ========================================================================== */

#define QPRIO 100

static int queue_case;

static void corrupt_ready_queue(const mica_bootinfo_t *bi)
{
    mica_cptr_t t = mt_spawn(idle_thread_fn, 0, QPRIO);
    (void)bi;
    ck_assert_uint_eq(NODE_RQ.ready_head[QPRIO], obj_of(t));
    arm();
    switch (queue_case) {
    case 0: tcb_mem(t)->priority = QPRIO + 1; break;           /* in the wrong queue */
    case 1: tcb_mem(t)->flags &= ~TCB_FLAG_QUEUED; break;     /* queued, unmarked */
    case 2: NODE_RQ.ready_tail[QPRIO] = 0; break;                 /* tail lost */
    case 3: NODE_RQ.ready_head[QPRIO] = obj_of(t) + 16; break;    /* head not a TCB */
    default: break;
    }
    trigger();
}

START_TEST(valid_queues_catches_broken_ready_queues)
{
    for (queue_case = 0; queue_case <= 3; queue_case++)
        expect_invariant(corrupt_ready_queue, "valid_queues");
}
END_TEST

static void corrupt_queued_thread_not_runnable(const mica_bootinfo_t *bi)
{
    mica_cptr_t t = mt_spawn(idle_thread_fn, 0, QPRIO);
    (void)bi;
    arm();
    tcb_mem(t)->state.type = MICA_THREAD_INACTIVE;
    trigger();
}

START_TEST(ready_qs_runnable_catches_a_queued_thread_that_cannot_run)
{
    expect_invariant(corrupt_queued_thread_not_runnable, "ready_qs_runnable");
}
END_TEST

/* Several CPUs: a thread is queued only on its affinity CPU, and never while stalled. */
static int smp_case;

static void corrupt_queued_thread_cpu(const mica_bootinfo_t *bi)
{
    mica_cptr_t t = mt_spawn(idle_thread_fn, 0, QPRIO);
    (void)bi;
    arm();
    if (smp_case == 0)
        tcb_mem(t)->affinity = 1;               /* in CPU 0's queue, says CPU 1 */
    else
        tcb_mem(t)->flags |= TCB_FLAG_STALLED;  /* queued while another CPU still runs it */
    trigger();
}

START_TEST(valid_queues_catches_a_thread_queued_on_the_wrong_cpu_or_while_stalled)
{
    for (smp_case = 0; smp_case <= 1; smp_case++)
        expect_invariant(corrupt_queued_thread_cpu, "valid_queues");
}
END_TEST

static void corrupt_current_thread_cpu(const mica_bootinfo_t *bi)
{
    (void)bi;
    arm();
    if (smp_case == 0)
        tcb_ptr(NODE.cur_thread)->affinity = 1;     /* CPU 0 runs a thread of CPU 1 */
    else
        tcb_ptr(NODE.cur_thread)->flags |= TCB_FLAG_STALLED;
    trigger();
}

START_TEST(cur_tcb_catches_a_cpu_running_another_cpus_or_a_stalled_thread)
{
    for (smp_case = 0; smp_case <= 1; smp_case++)
        expect_invariant(corrupt_current_thread_cpu, "cur_tcb");
}
END_TEST

static void corrupt_sched_prev(const mica_bootinfo_t *bi)
{
    mt_spawn(idle_thread_fn, 0, QPRIO);
    mt_spawn(idle_thread_fn, 0, QPRIO);
    (void)bi;
    paddr_t second = tcb_ptr(NODE_RQ.ready_head[QPRIO])->sched_next;
    ck_assert_uint_ne(second, 0);
    arm();
    tcb_ptr(second)->sched_prev = 0;
    trigger();
}

START_TEST(sym_heap_sched_pointers_catches_asymmetric_queue_links)
{
    expect_invariant(corrupt_sched_prev, "sym_heap_sched_pointers");
}
END_TEST

static void corrupt_current_thread_queued(const mica_bootinfo_t *bi)
{
    (void)bi;
    arm();
    tcb_sched_enqueue(NODE.cur_thread);     /* a consistent queue, but the runner is in it */
    trigger();
}

START_TEST(ct_not_in_q_catches_the_running_thread_in_a_ready_queue)
{
    expect_invariant(corrupt_current_thread_queued, "ct_not_in_q");
}
END_TEST

static void corrupt_l2_bitmap(const mica_bootinfo_t *bi)
{
    mt_spawn(idle_thread_fn, 0, QPRIO);
    (void)bi;
    arm();
    NODE.bitmap_l2[QPRIO >> 6] &= ~BIT(QPRIO & 63);    /* a non-empty queue unmarked */
    trigger();
}

static void corrupt_l2_bitmap_orphan(const mica_bootinfo_t *bi)
{
    (void)bi;
    arm();
    NODE.bitmap_l2[0] |= BIT(7);                       /* an empty queue marked */
    trigger();
}

START_TEST(valid_bitmaps_catches_bitmap_bits_that_disagree_with_queues)
{
    expect_invariant(corrupt_l2_bitmap, "valid_bitmaps");
    expect_invariant(corrupt_l2_bitmap_orphan, "valid_bitmaps");
}
END_TEST

static void corrupt_l1_bitmap(const mica_bootinfo_t *bi)
{
    (void)bi;
    arm();
    NODE.bitmap_l1 |= BIT(1);      /* priorities 64..127: all queues empty */
    trigger();
}

START_TEST(bitmapQ_no_L1_orphans_catches_an_orphan_level_one_bit)
{
    expect_invariant(corrupt_l1_bitmap, "bitmapQ_no_L1_orphans");
}
END_TEST

/* ============================================================================
 * Objects: valid_ep, valid_ntfn, sym_refs, valid_tcb
 * ========================================================================== */

static int ep_case;

static void corrupt_endpoint(const mica_bootinfo_t *bi)
{
    mica_cptr_t e, r = 0;
    (void)bi;
    if (ep_case < 2) {
        e = mt_make(EP_T, 0);
    } else {
        /*
         * Make the endpoint after the receiver's TCB, so its cap comes first
         * on the CDT list and the checker reaches the endpoint's side first.
         */
        e = mt_slot();
        r = mt_spawn(receiver_fn, e, MICA_MAX_PRIO);
        mt_assert_err(mica_untyped_retype(mt_untyped(), EP_T, 0, CNODE, 0, 0, e, 1), MICA_NO_ERROR);
        mica_yield();
        ck_assert_uint_eq(tcb_mem(r)->state.type, MICA_THREAD_BLOCKED_ON_RECEIVE);
    }
    arm();
    switch (ep_case) {
    case 0: ep_mem(e)->head_state = 3; break;                           /* no such state */
    case 1: ep_mem(e)->head_state = obj_of(e) & ~3ull; break;           /* Idle, non-empty */
    case 2: ep_mem(e)->tail = 0; break;                                 /* tail lost */
    case 3: ep_mem(e)->head_state = (obj_of(r) + 32) | EP_RECV; break;  /* head not a TCB */
    case 4: tcb_mem(r)->ep_prev = obj_of(r); break;                     /* asymmetric links */
    default: break;
    }
    trigger();
}

START_TEST(valid_ep_catches_malformed_endpoints)
{
    for (ep_case = 0; ep_case <= 4; ep_case++)
        expect_invariant(corrupt_endpoint, "valid_ep");
}
END_TEST

/*
 * An endpoint whose original cap was deleted: only a copy names it, and it
 * must still be checked.
 */
static void corrupt_endpoint_held_by_a_copy(const mica_bootinfo_t *bi)
{
    mica_cptr_t e = mt_make(EP_T, 0);
    mica_cptr_t copy = mt_slot();
    (void)bi;
    mt_assert_err(mica_cnode_copy(CNODE, copy, DEPTH, CNODE, e, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(CNODE, e, DEPTH), MICA_NO_ERROR);
    arm();
    ep_mem(copy)->head_state = 3;
    trigger();
}

START_TEST(valid_ep_checks_an_endpoint_whose_original_cap_is_gone)
{
    expect_invariant(corrupt_endpoint_held_by_a_copy, "valid_ep");
}
END_TEST

static int ntfn_case;

static void corrupt_notification(const mica_bootinfo_t *bi)
{
    mica_cptr_t n = mt_make(NTFN_T, 0);
    mica_cptr_t other = mt_make(MICA_TCB_OBJECT, 0);
    (void)bi;
    if (ntfn_case >= 2)
        spawn_blocked(waiter_fn, n);
    arm();
    switch (ntfn_case) {
    case 0: ntfn_mem(n)->head_state = 3; break;               /* no such state */
    case 1: ntfn_mem(n)->head_state = NTFN_WAITING; break;    /* Waiting, nobody waits */
    case 2: ntfn_mem(n)->tail = obj_of(other); break;          /* tail is not the last waiter */
    case 3:                                                    /* bound, but someone else waits */
        ntfn_mem(n)->bound_tcb = obj_of(other);
        tcb_mem(other)->bound_notification = obj_of(n);
        break;
    default: break;
    }
    trigger();
}

START_TEST(valid_ntfn_catches_malformed_notifications)
{
    for (ntfn_case = 0; ntfn_case <= 3; ntfn_case++)
        expect_invariant(corrupt_notification, "valid_ntfn");
}
END_TEST

static int refs_case;

static void corrupt_back_pointers(const mica_bootinfo_t *bi)
{
    mica_cptr_t e = mt_make(EP_T, 0), e2 = mt_make(EP_T, 0);
    mica_cptr_t n = mt_make(NTFN_T, 0);
    mica_cptr_t t = mt_make(MICA_TCB_OBJECT, 0);
    (void)bi;
    mt_assert_err(mica_tcb_bind_notification(t, n), MICA_NO_ERROR);
    mica_cptr_t r = spawn_blocked(receiver_fn, e);
    if (refs_case == 5)
        spawn_blocked(receiver_fn, e);      /* a second receiver, behind r */
    arm();
    switch (refs_case) {
    case 0: tcb_mem(r)->state.blocking_object = obj_of(e2); break;   /* queued on e, "blocked on" e2 */
    case 1: ep_mem(e)->head_state = 0; ep_mem(e)->tail = 0; break;    /* blocked, but not queued */
    case 2: ntfn_mem(n)->bound_tcb = 0; break;                        /* binding one-sided */
    case 3: tcb_mem(t)->bound_notification = 0; break;                /* the other side */
    case 4: tcb_mem(r)->state.type = MICA_THREAD_BLOCKED_ON_SEND; break;
    case 5:
        /* The queue loops at its head, so r2 (checked first) is never reached in it. */
        tcb_mem(r)->ep_next = obj_of(r);
        break;
    default: break;
    }
    trigger();
}

START_TEST(sym_refs_catches_one_sided_references)
{
    for (refs_case = 0; refs_case <= 5; refs_case++)
        expect_invariant(corrupt_back_pointers, "sym_refs");
}
END_TEST

static int tcb_case;

static void corrupt_tcb(const mica_bootinfo_t *bi)
{
    mica_cptr_t plain = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t t = mt_spawn(idle_thread_fn, 0, QPRIO);
    mica_cptr_t e = mt_make(EP_T, 0);
    mica_cptr_t r = spawn_blocked(receiver_fn, e);
    mica_cptr_t fr = mt_make(MICA_FRAME_OBJECT, 0);
    (void)bi;
    arm();
    switch (tcb_case) {
    case 0: tcb_mem(plain)->state.type = 42; break;                          /* no such state */
    case 1: tcb_slot(obj_of(t), TCB_BUFFER)->cap.f2 |= 0x80; break;         /* device IPC buffer */
    case 2: {                                                               /* VTable: a frame */
        cte_t *vt = tcb_slot(obj_of(t), TCB_VTABLE);
        cdt_unlink(vt);
        vt->cap = slot_at(fr)->cap;
        cdt_link_after(slot_at(fr), vt);
        break;
    }
    case 3: {                                                               /* caller slot: an endpoint */
        cte_t *cs = tcb_slot(obj_of(r), TCB_CALLER);
        cs->cap = slot_at(e)->cap;
        cdt_link_after(slot_at(e), cs);
        break;
    }
    case 4: {                                                               /* reply slot: an endpoint */
        cte_t *rs = tcb_slot(obj_of(plain), TCB_REPLY);
        ck_assert(cap_is_null(rs->cap));
        rs->cap = slot_at(e)->cap;
        cdt_link_after(slot_at(e), rs);
        break;
    }
    default: break;
    }
    trigger();
}

START_TEST(valid_tcb_catches_malformed_threads)
{
    for (tcb_case = 0; tcb_case <= 4; tcb_case++)
        expect_invariant(corrupt_tcb, "valid_tcb");
}
END_TEST

/* ============================================================================
 * cur_tcb, valid_idle, only_idle, valid_sched_action
 * ========================================================================== */

static void corrupt_current_thread_pointer(const mica_bootinfo_t *bi)
{
    mica_cptr_t f = mt_make(MICA_FRAME_OBJECT, 0);
    paddr_t fake = obj_of(f) + 16;      /* inside a frame, not TCB-aligned */
    (void)bi;
    arm();
    /*
     * A copy of the root TCB there keeps the kernel entry itself working:
     * it reads the caller's registers and CSpace through cur_thread.
     */
    memcpy(hw_phys_base + fake, hw_phys_base + ks.root_tcb, BIT(MICA_TCB_BITS));
    NODE.cur_thread = fake;
    trigger();
}

START_TEST(cur_tcb_catches_a_current_thread_that_is_not_a_tcb)
{
    expect_invariant(corrupt_current_thread_pointer, "cur_tcb");
}
END_TEST

static int idle_case;

static void corrupt_idle_thread(const mica_bootinfo_t *bi)
{
    mica_cptr_t n = mt_make(NTFN_T, 0);
    (void)bi;
    arm();
    if (idle_case == 0)
        tcb_ptr(NODE.idle_thread)->state.type = MICA_THREAD_INACTIVE;
    else
        tcb_ptr(NODE.idle_thread)->bound_notification = obj_of(n);
    trigger();
}

START_TEST(valid_idle_catches_an_idle_thread_that_is_not_idle_or_is_bound)
{
    for (idle_case = 0; idle_case <= 1; idle_case++)
        expect_invariant(corrupt_idle_thread, "valid_idle");
}
END_TEST

static void corrupt_thread_in_idle_state(const mica_bootinfo_t *bi)
{
    mica_cptr_t t = mt_make(MICA_TCB_OBJECT, 0);
    (void)bi;
    arm();
    tcb_mem(t)->state.type = MICA_THREAD_IDLE;
    trigger();
}

START_TEST(only_idle_catches_another_thread_in_the_idle_state)
{
    expect_invariant(corrupt_thread_in_idle_state, "only_idle");
}
END_TEST

static void corrupt_current_thread_state(const mica_bootinfo_t *bi)
{
    (void)bi;
    arm();
    tcb_ptr(NODE.cur_thread)->state.type = MICA_THREAD_INACTIVE;   /* yet it keeps running */
    trigger();
}

START_TEST(valid_sched_action_catches_a_current_thread_that_cannot_run)
{
    expect_invariant(corrupt_current_thread_state, "valid_sched_action");
}
END_TEST

/* ============================================================================
 * A clean workload, check modes, kernel assertions
 * ========================================================================== */

static void echo_server(mica_word_t ep)
{
    for (;;) {
        mica_word_t badge;
        mica_msginfo_t m = mica_recv(ep, &badge);
        if (mica_get_mr(0) == 0)
            break;
        mica_set_mr(0, mica_get_mr(0) + badge);
        (void)m;
        mica_reply(mica_msginfo_new(0, 0, 0, 1));
    }
}

static void clean_round(int round)
{
    mica_cptr_t ut = mt_untyped();
    /* A private untyped for the round: everything below comes from it. */
    mica_cptr_t u = mt_slot();
    mt_assert_err(mica_untyped_retype(ut, MICA_UNTYPED_OBJECT, 16, CNODE, 0, 0, u, 1), MICA_NO_ERROR);
    mica_cptr_t more[7];
    for (int i = 0; i < 7; i++)
        more[i] = mt_slot();
    /* [ep, ntfn, cnode, cnode2, tcb, child untyped, frame] */
    mt_assert_err(mica_untyped_retype(u, EP_T, 0, CNODE, 0, 0, more[0], 1), MICA_NO_ERROR);
    mt_assert_err(mica_untyped_retype(u, NTFN_T, 0, CNODE, 0, 0, more[1], 1), MICA_NO_ERROR);
    mt_assert_err(mica_untyped_retype(u, MICA_CNODE_OBJECT, 4, CNODE, 0, 0, more[2], 1), MICA_NO_ERROR);
    mt_assert_err(mica_untyped_retype(u, MICA_CNODE_OBJECT, 2, CNODE, 0, 0, more[3], 1), MICA_NO_ERROR);
    mt_assert_err(mica_untyped_retype(u, MICA_TCB_OBJECT, 0, CNODE, 0, 0, more[4], 1), MICA_NO_ERROR);
    mt_assert_err(mica_untyped_retype(u, MICA_UNTYPED_OBJECT, 12, CNODE, 0, 0, more[5], 1), MICA_NO_ERROR);
    mt_assert_err(mica_untyped_retype(u, MICA_FRAME_OBJECT, 0, CNODE, 0, 0, more[6], 1), MICA_NO_ERROR);
    mica_cptr_t ep = more[0], nt = more[1], cn = more[2], cn2 = more[3], cu = more[5];

    /* Copies and mints, into the root CNode and into the new CNodes. */
    mica_cptr_t badged = mt_slot(), copy = mt_slot(), mutated = mt_slot();
    mt_assert_err(mica_cnode_mint(CNODE, badged, DEPTH, CNODE, ep, DEPTH, MICA_ALL_RIGHTS,
                                  (mica_word_t)round + 1), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(CNODE, copy, DEPTH, CNODE, badged, DEPTH, MICA_CAN_WRITE), MICA_NO_ERROR);
    for (mica_word_t i = 0; i < 8; i++)
        mt_assert_err(mica_cnode_copy(cn, i, 4, CNODE, i & 1 ? ep : nt, DEPTH, MICA_ALL_RIGHTS),
                      MICA_NO_ERROR);
    mt_assert_err(mica_cnode_mint(cn, 8, 4, CNODE, nt, DEPTH, MICA_ALL_RIGHTS, 9), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(cn, 9, 4, CNODE, cn2, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(cn, 10, 4, CNODE, cn, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(cn2, 0, 2, CNODE, ep, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_mutate(CNODE, mutated, DEPTH, CNODE, cn2, DEPTH,
                                    mica_cnode_capdata_new(0, 2)), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_move(cn, 11, 4, CNODE, mutated, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_rotate(cn, 12, 4, 0, cn, 11, 4, 0, cn, 9, 4), MICA_NO_ERROR);
    /* Retype from the child untyped into the new CNode, then revoke the child. */
    mt_assert_err(mica_untyped_retype(cu, EP_T, 0, cn, 0, 0, 13, 2), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_revoke(CNODE, cu, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(cu), MICA_CAP_TYPE_UNTYPED);

    /* IPC with a badged cap to a server thread, which then exits. */
    mica_cptr_t server = mt_spawn(echo_server, ep, 200);
    mica_set_mr(0, 5);
    mica_call(badged, mica_msginfo_new(0, 0, 0, 1));
    ck_assert_uint_eq(mica_get_mr(0), 5 + (mica_word_t)round + 1);
    mica_set_mr(0, 0);
    mica_send(badged, mica_msginfo_new(0, 0, 0, 1));
    mica_signal(nt);
    mica_word_t w;
    mica_poll(nt, &w);

    /* Revoke the badge, delete the CNodes holding caps, then the whole round. */
    mt_assert_err(mica_cnode_revoke(CNODE, badged, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(copy), MICA_CAP_TYPE_NULL);
    mt_assert_err(mica_cnode_delete(CNODE, cn, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(CNODE, cn2, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(CNODE, server, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_revoke(CNODE, u, DEPTH), MICA_NO_ERROR);
    for (int i = 0; i < 7; i++)
        ck_assert_int_eq(mica_debug_cap_identify(more[i]), MICA_CAP_TYPE_NULL);
    mt_assert_err(mica_cnode_delete(CNODE, u, DEPTH), MICA_NO_ERROR);
}

static void clean_workload(const mica_bootinfo_t *bi)
{
    (void)bi;
    for (int round = 0; round < 12; round++)
        clean_round(round);
    ran_past_trigger = 1;
}

START_TEST(a_clean_workload_never_trips_the_checker)
{
    ran_past_trigger = 0;
    mica_run_result_t r = mt_run(clean_workload);
    ck_assert_int_eq(ran_past_trigger, 1);
    ck_assert_uint_gt(r.kernel_entries, 500);
}
END_TEST

static void corrupt_then_keep_going(const mica_bootinfo_t *bi)
{
    mica_cptr_t e = mt_make(EP_T, 0);
    (void)bi;
    ep_mem(e)->head_state = 3;      /* valid_ep broken, the endpoint never used again */
    for (int i = 0; i < 50; i++)
        mt_make(NTFN_T, 0);
    ran_past_trigger = 1;
}

START_TEST(check_end_runs_the_checker_once_when_the_system_stops)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.check = MICA_CHECK_END;
    ran_past_trigger = 0;
    mica_run_result_t r = mt_run_cfg(&cfg, corrupt_then_keep_going);
    ck_assert_int_eq(ran_past_trigger, 1);
    ck_assert_int_eq(r.reason, MICA_STOP_INVARIANT);
    ck_assert_msg(strstr(r.message, "invariant valid_ep broken") != NULL, "%s", r.message);

    /* A clean run passes the end check. */
    ran_past_trigger = 0;
    r = mt_run_cfg(&cfg, clean_workload);
    ck_assert_int_eq(ran_past_trigger, 1);
    ck_assert_msg(r.reason == MICA_STOP_IDLE, "%s: %s", mica_stop_reason_name(r.reason), r.message);
}
END_TEST

START_TEST(check_off_never_stops_the_run)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.check = MICA_CHECK_OFF;
    ran_past_trigger = 0;
    mica_run_result_t r = mt_run_cfg(&cfg, corrupt_then_keep_going);
    ck_assert_int_eq(ran_past_trigger, 1);
    ck_assert_msg(r.reason == MICA_STOP_IDLE, "%s: %s", mica_stop_reason_name(r.reason), r.message);
}
END_TEST

START_TEST(check_each_entry_stops_at_the_first_entry_after_a_corruption)
{
    mica_config_t cfg;
    mt_config(&cfg);
    ran_past_trigger = 0;
    mica_run_result_t r = mt_run_cfg(&cfg, corrupt_then_keep_going);
    ck_assert_int_eq(ran_past_trigger, 0);
    ck_assert_int_eq(r.reason, MICA_STOP_INVARIANT);
    ck_assert_msg(strstr(r.message, "invariant valid_ep broken") != NULL, "%s", r.message);
}
END_TEST

static void insert_into_slot_with_stale_links(const mica_bootinfo_t *bi)
{
    mica_cptr_t e = mt_make(EP_T, 0);
    mica_cptr_t d = mt_slot();
    (void)bi;
    /* An empty slot that still claims a CDT successor: cte_insert asserts on it. */
    slot_at(d)->mdb.next = cte_paddr(slot_at(e));
    mica_cnode_copy(CNODE, d, DEPTH, CNODE, e, DEPTH, MICA_ALL_RIGHTS);
    ran_past_trigger = 1;
}

START_TEST(a_kernel_assertion_aborts_the_process)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.check = MICA_CHECK_OFF;     /* the assertion, not the checker, must catch it */
    mt_run_cfg(&cfg, insert_into_slot_with_stale_links);
}
END_TEST

static void move_into_slot_with_stale_links(const mica_bootinfo_t *bi)
{
    mica_cptr_t e = mt_make(EP_T, 0);
    mica_cptr_t d = mt_slot();
    (void)bi;
    slot_at(d)->mdb.prev = cte_paddr(slot_at(e));
    mica_cnode_move(CNODE, d, DEPTH, CNODE, e, DEPTH);
    ran_past_trigger = 1;
}

START_TEST(a_kernel_assertion_in_cte_move_aborts_the_process)
{
    mt_run(move_into_slot_with_stale_links);
}
END_TEST

static Suite *invariants_suite(void)
{
    Suite *s = suite_create("invariants");

    TCase *tc = tcase_create("cdt_list");
    tcase_add_test(tc, valid_dlist_catches_links_that_disagree_or_leave_memory);
    tcase_add_test(tc, no_mloop_catches_a_cdt_list_that_loops);
    tcase_add_test(tc, mdb_cte_at_catches_a_null_cap_on_the_cdt_list);
    tcase_add_test(tc, valid_nullcaps_catches_an_empty_slot_with_cdt_links);
    suite_add_tcase(s, tc);

    tc = tcase_create("caps");
    tcase_add_test(tc, valid_cap_catches_malformed_caps);
    tcase_add_test(tc, cap_aligned_catches_a_cap_to_a_misaligned_object);
    suite_add_tcase(s, tc);

    tc = tcase_create("cdt_marks");
    tcase_add_test(tc, ut_revocable_catches_an_untyped_cap_that_is_not_original);
    tcase_add_test(tc, irq_revocable_catches_an_irq_control_cap_that_is_not_original);
    tcase_add_test(tc, irq_control_catches_a_second_irq_control_cap);
    tcase_add_test(tc, valid_irq_node_catches_a_bad_irq_node_slot);
    tcase_add_test(tc, valid_irq_lines_catches_an_undelivered_irq_and_a_mask_without_a_handler);
    tcase_add_test(tc, valid_irq_handlers_catches_a_handler_cap_of_an_irq_not_issued);
    tcase_add_test(tc, valid_irq_lines_catches_a_bad_line_state);
    tcase_add_test(tc, valid_irq_masks_catches_a_delivery_while_masked_and_a_mask_without_one);
    tcase_add_test(tc, valid_irq_handlers_catches_an_issued_irq_without_a_handler_cap);
    tcase_add_test(tc, valid_irq_node_catches_a_notification_cap_without_write);
    tcase_add_test(tc, reply_master_revocable_catches_a_master_reply_cap_that_is_not_original);
    tcase_add_test(tc, valid_reply_masters_catches_a_master_reply_cap_outside_its_tcb);
    tcase_add_test(tc, reply_mdb_catches_a_reply_cap_that_does_not_follow_its_master);
    tcase_add_test(tc, valid_reply_caps_catches_a_reply_cap_to_a_thread_not_waiting_for_it);
    tcase_add_test(tc, valid_badges_catches_a_new_badge_without_the_first_badged_mark);
    suite_add_tcase(s, tc);

    tc = tcase_create("untyped_pspace");
    tcase_add_test(tc, untyped_inc_catches_a_nested_untyped_that_is_not_a_descendant);
    tcase_add_test(tc, untyped_mdb_catches_an_object_cap_outside_its_untypeds_descendants);
    tcase_add_test(tc, pspace_distinct_catches_overlapping_objects);
    tcase_add_test(tc, valid_untyped_catches_an_object_above_the_watermark);
    suite_add_tcase(s, tc);

    tc = tcase_create("scheduler");
    tcase_add_test(tc, valid_queues_catches_broken_ready_queues);
    tcase_add_test(tc, ready_qs_runnable_catches_a_queued_thread_that_cannot_run);
    tcase_add_test(tc, sym_heap_sched_pointers_catches_asymmetric_queue_links);
    tcase_add_test(tc, ct_not_in_q_catches_the_running_thread_in_a_ready_queue);
    tcase_add_test(tc, valid_queues_catches_a_thread_queued_on_the_wrong_cpu_or_while_stalled);
    tcase_add_test(tc, cur_tcb_catches_a_cpu_running_another_cpus_or_a_stalled_thread);
    tcase_add_test(tc, valid_bitmaps_catches_bitmap_bits_that_disagree_with_queues);
    tcase_add_test(tc, bitmapQ_no_L1_orphans_catches_an_orphan_level_one_bit);
    suite_add_tcase(s, tc);

    tc = tcase_create("objects");
    tcase_add_test(tc, valid_ep_catches_malformed_endpoints);
    tcase_add_test(tc, valid_ep_checks_an_endpoint_whose_original_cap_is_gone);
    tcase_add_test(tc, valid_ntfn_catches_malformed_notifications);
    tcase_add_test(tc, sym_refs_catches_one_sided_references);
    tcase_add_test(tc, valid_tcb_catches_malformed_threads);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_add_test(tc, cur_tcb_catches_a_current_thread_that_is_not_a_tcb);
    tcase_add_test(tc, valid_idle_catches_an_idle_thread_that_is_not_idle_or_is_bound);
    tcase_add_test(tc, only_idle_catches_another_thread_in_the_idle_state);
    tcase_add_test(tc, valid_sched_action_catches_a_current_thread_that_cannot_run);
    suite_add_tcase(s, tc);

    tc = tcase_create("modes");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_clean_workload_never_trips_the_checker);
    tcase_add_test(tc, check_end_runs_the_checker_once_when_the_system_stops);
    tcase_add_test(tc, check_off_never_stops_the_run);
    tcase_add_test(tc, check_each_entry_stops_at_the_first_entry_after_a_corruption);
    tcase_add_test_raise_signal(tc, a_kernel_assertion_aborts_the_process, SIGABRT);
    tcase_add_test_raise_signal(tc, a_kernel_assertion_in_cte_move_aborts_the_process, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(invariants_suite)
