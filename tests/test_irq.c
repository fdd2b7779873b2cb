/*
 * test_irq.c - IRQHandler_SetNotification and the IRQ node.
 *
 * seL4 keeps an IRQ's notification cap in its slot of the IRQ node
 * (intStateIRQNode): SetNotification copies the cap there
 * (invokeIRQHandler_SetIRQHandler: cteDeleteOne, then cteInsert), Clear
 * and the deletion of the last handler cap delete that copy
 * (invokeIRQHandler_ClearIRQHandler, deletingIRQHandler). The copy is an
 * ordinary CDT child of the cap it was made from: the notification lives on
 * when that cap goes, and revoking what it came from deletes it.
 *
 * These tests look at the IRQ node and at a TCB bound to the notification
 * (test_device.c raises lines through a device model): deleting a notification's last cap
 * unbinds it (seL4 finaliseCap: unbindMaybeNotification), so a TCB still
 * bound means the notification is still alive. The invariant checker
 * (valid_irq_node, valid_irq_handlers) runs after every kernel entry.
 */
#include "harness.h"
#include "cap.h"
#include "thread.h"

#define IRQ 5

static int done;

static cte_t *root_slot(mica_cptr_t i)
{
    return cap_cnode_slots(tcb_slot(ks.root_tcb, TCB_CTABLE)->cap) + i;
}

static paddr_t obj_of(mica_cptr_t i)
{
    return cap_obj(root_slot(i)->cap);
}

/* The notification the IRQ node holds for irq, 0 for none. */
static paddr_t node_ntfn(word_t irq)
{
    cap_t c = irq_node_slot(irq)->cap;
    if (cap_is_null(c))
        return 0;
    ck_assert_int_eq(cap_type(c), MICA_CAP_TYPE_NOTIFICATION);
    return cap_obj(c);
}

static paddr_t bound_of(mica_cptr_t tcb)
{
    return tcb_ptr(obj_of(tcb))->bound_notification;
}

static mica_cptr_t handler_for(mica_word_t irq)
{
    mica_cptr_t h = mt_slot();
    mt_assert_err(mica_irq_control_get(MICA_CAP_IRQ_CONTROL, irq, CNODE, h, DEPTH), MICA_NO_ERROR);
    return h;
}

/* A notification from untyped ut (or the largest one) bound to a fresh TCB. */
static mica_cptr_t bound_ntfn(mica_cptr_t tcb, mica_cptr_t ut)
{
    mica_cptr_t n;
    if (ut) {
        n = mt_slot();
        mt_assert_err(mica_untyped_retype(ut, MICA_NOTIFICATION_OBJECT, 0, CNODE, 0, 0, n, 1),
                      MICA_NO_ERROR);
    } else {
        n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    }
    mt_assert_err(mica_tcb_bind_notification(tcb, n), MICA_NO_ERROR);
    return n;
}

#define RUN(fn) do { done = 0; mt_run(fn); ck_assert_msg(done, "the root task did not finish"); } while (0)

/* seL4: invokeIRQHandler_SetIRQHandler (cteInsert of a copy into the IRQ node) */
static void root_copy_outlives(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t h = handler_for(IRQ), t = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t n = bound_ntfn(t, 0);
    paddr_t obj = obj_of(n);
    ck_assert_uint_eq(node_ntfn(IRQ), 0);
    mt_assert_err(mica_irq_handler_set_notification(h, n), MICA_NO_ERROR);
    ck_assert_uint_eq(node_ntfn(IRQ), obj);
    /* The copy sits right after its source on the CDT list: a plain (unbadged) copy. */
    ck_assert_uint_eq(mdb_next(root_slot(n)), cte_paddr(irq_node_slot(IRQ)));
    ck_assert(!mdb_revocable(irq_node_slot(IRQ)));
    /* The task's only cap goes; the notification does not: the TCB stays bound. */
    mt_assert_err(mica_cnode_delete(CNODE, n, DEPTH), MICA_NO_ERROR);
    ck_assert_uint_eq(node_ntfn(IRQ), obj);
    ck_assert_uint_eq(bound_of(t), obj);
    /* A badged cap is copied with its badge. */
    mica_cptr_t n2 = mt_make(MICA_NOTIFICATION_OBJECT, 0), b2 = mt_slot();
    mt_assert_err(mica_cnode_mint(CNODE, b2, DEPTH, CNODE, n2, DEPTH, MICA_CAN_WRITE, 0x42),
                  MICA_NO_ERROR);
    mt_assert_err(mica_irq_handler_set_notification(handler_for(IRQ + 1), b2), MICA_NO_ERROR);
    ck_assert_uint_eq(cap_badge(irq_node_slot(IRQ + 1)->cap), 0x42);
    done = 1;
}

START_TEST(set_notification_keeps_a_copy_the_notification_lives_on_in)
{
    RUN(root_copy_outlives);
}
END_TEST

/* The copy is a CDT descendant of the untyped: revoking the untyped deletes it properly. */
static void root_revoke_untyped(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t h = handler_for(IRQ), t = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t ut = mt_make(MICA_UNTYPED_OBJECT, 12);
    mica_cptr_t n = bound_ntfn(t, ut);
    mt_assert_err(mica_irq_handler_set_notification(h, n), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(CNODE, n, DEPTH), MICA_NO_ERROR);
    ck_assert_uint_ne(node_ntfn(IRQ), 0);
    mt_assert_err(mica_cnode_revoke(CNODE, ut, DEPTH), MICA_NO_ERROR);
    ck_assert_uint_eq(node_ntfn(IRQ), 0);
    ck_assert_uint_eq(bound_of(t), 0);          /* finalised: unbound */
    /* The untyped is whole again; the handler still works. */
    mt_assert_err(mica_cnode_revoke(CNODE, ut, DEPTH), MICA_NO_ERROR);
    n = bound_ntfn(t, ut);
    mt_assert_err(mica_irq_handler_set_notification(h, n), MICA_NO_ERROR);
    ck_assert_uint_eq(node_ntfn(IRQ), obj_of(n));
    done = 1;
}

START_TEST(revoking_the_notifications_untyped_deletes_the_copy)
{
    RUN(root_revoke_untyped);
}
END_TEST

/* seL4: invokeIRQHandler_ClearIRQHandler and deletingIRQHandler (cteDeleteOne of the copy) */
static void root_clear_and_delete(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t h = handler_for(IRQ), t = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t n = bound_ntfn(t, 0);
    mt_assert_err(mica_irq_handler_set_notification(h, n), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(CNODE, n, DEPTH), MICA_NO_ERROR);
    /* Clear deletes the copy, the last cap: the notification is finalised. */
    mt_assert_err(mica_irq_handler_clear(h), MICA_NO_ERROR);
    ck_assert_uint_eq(node_ntfn(IRQ), 0);
    ck_assert_uint_eq(bound_of(t), 0);
    mt_assert_err(mica_irq_handler_clear(h), MICA_NO_ERROR);   /* nothing set: fine */

    /* Deleting the last handler cap does the same, and the IRQ can be issued again. */
    n = bound_ntfn(t, 0);
    mica_cptr_t h2 = mt_slot();
    mt_assert_err(mica_cnode_copy(CNODE, h2, DEPTH, CNODE, h, DEPTH, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    mt_assert_err(mica_irq_handler_set_notification(h2, n), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(CNODE, n, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(CNODE, h, DEPTH), MICA_NO_ERROR);    /* not the last */
    ck_assert_uint_ne(node_ntfn(IRQ), 0);
    mt_assert_err(mica_cnode_delete(CNODE, h2, DEPTH), MICA_NO_ERROR);
    ck_assert_uint_eq(node_ntfn(IRQ), 0);
    ck_assert_uint_eq(bound_of(t), 0);
    handler_for(IRQ);
    ck_assert_uint_eq(node_ntfn(IRQ), 0);       /* a new handler starts without one */
    done = 1;
}

START_TEST(clear_and_deleting_the_handler_delete_the_copy)
{
    RUN(root_clear_and_delete);
}
END_TEST

/* seL4: invokeIRQHandler_SetIRQHandler deletes the previous copy before inserting the new one. */
static void root_replace(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t h = handler_for(IRQ);
    mica_cptr_t t1 = mt_make(MICA_TCB_OBJECT, 0), t2 = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t n1 = bound_ntfn(t1, 0), n2 = bound_ntfn(t2, 0);
    paddr_t o1 = obj_of(n1), o2 = obj_of(n2);
    mt_assert_err(mica_irq_handler_set_notification(h, n1), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(CNODE, n1, DEPTH), MICA_NO_ERROR);
    ck_assert_uint_eq(bound_of(t1), o1);
    mt_assert_err(mica_irq_handler_set_notification(h, n2), MICA_NO_ERROR);
    ck_assert_uint_eq(node_ntfn(IRQ), o2);
    ck_assert_uint_eq(bound_of(t1), 0);         /* its last cap was the old copy */
    /* The same notification again: the copy is replaced by an equal one. */
    mt_assert_err(mica_irq_handler_set_notification(h, n2), MICA_NO_ERROR);
    ck_assert_uint_eq(node_ntfn(IRQ), o2);
    ck_assert_uint_eq(bound_of(t2), o2);
    done = 1;
}

START_TEST(set_notification_again_replaces_the_copy)
{
    RUN(root_replace);
}
END_TEST

/* seL4: decodeIRQHandlerInvocation - errors change nothing, the IRQ node included. */
static void root_errors(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t h = handler_for(IRQ), n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0), ro = mt_slot();
    mt_assert_err(mica_cnode_mint(CNODE, ro, DEPTH, CNODE, n, DEPTH, MICA_CAN_READ, 0),
                  MICA_NO_ERROR);
    mt_assert_err(mica_irq_handler_set_notification(h, n), MICA_NO_ERROR);
    mt_assert_fails(mica_irq_handler_set_notification(h, ep), MICA_INVALID_CAPABILITY);
    mt_assert_mr(0, 0);
    mt_assert_fails(mica_irq_handler_set_notification(h, ro), MICA_INVALID_CAPABILITY);
    mt_assert_mr(0, 0);
    ck_assert_uint_eq(node_ntfn(IRQ), obj_of(n));
    done = 1;
}

START_TEST(set_notification_without_a_writable_notification_is_invalid_capability)
{
    RUN(root_errors);
}
END_TEST

static Suite *irq_suite(void)
{
    Suite *s = suite_create("irq");
    TCase *tc = mt_tcase(s, "irq_node");
    tcase_add_test(tc, set_notification_keeps_a_copy_the_notification_lives_on_in);
    tcase_add_test(tc, revoking_the_notifications_untyped_deletes_the_copy);
    tcase_add_test(tc, clear_and_deleting_the_handler_delete_the_copy);
    tcase_add_test(tc, set_notification_again_replaces_the_copy);
    tcase_add_test(tc, set_notification_without_a_writable_notification_is_invalid_capability);
    return s;
}

MICA_TEST_MAIN(irq_suite)
