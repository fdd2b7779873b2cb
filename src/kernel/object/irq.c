/*
 * object/irq.c - IRQControl and IRQHandler caps (seL4: object/interrupt.c).
 *
 * The simulated machine has MICA_MAX_IRQ + 1 lines, driven by its devices
 * (sim/dev/) through kernel_irq_set. An IRQ's notification lives in its
 * slot of the IRQ node (state.h), a copy of the cap given to
 * SetNotification, so the notification outlives that cap.
 *
 * Delivery as seL4's handleInterrupt: a raised line signals that
 * notification with the cap's badge and is masked until IRQHandler_Ack.
 * Where seL4 leaves it to the interrupt controller, mica's controller is
 * here (ks.irq_asserted/masked/pending): a line raised while masked, or
 * while no notification is set, is remembered and delivered once Ack or
 * SetNotification makes it deliverable; a level line still asserted after
 * Ack fires again.
 */
#include "object.h"
#include "../cdt.h"
#include "../cspace.h"
#include "../state.h"
#include "../thread.h"
#include "../trace.h"

/* The notification the line's IRQ node slot holds, or a null cap. */
static cap_t irq_notification(word_t irq)
{
    cap_t c = irq_node_slot(irq)->cap;
    if (cap_type(c) == MICA_CAP_TYPE_NOTIFICATION && (cap_rights(c) & RIGHT_WRITE))
        return c;
    return cap_null();
}

/* Can a raise of irq be delivered now: a handler, a notification, not masked. */
bool irq_deliverable(word_t irq)
{
    return ks.irq_issued[irq] && !ks.irq_masked[irq] && !cap_is_null(irq_notification(irq));
}

/* seL4: handleInterrupt's IRQSignal case - signal, then mask until Ack. */
static void irq_deliver(word_t irq)
{
    cap_t n = irq_notification(irq);
    ks.irq_pending[irq] = 0;
    ks.irq_masked[irq] = 1;
    ks.count.irq_delivered[irq]++;
    trace_irq("delivered", irq, cap_obj(n), cap_badge(n));
    ks.signal_by_irq = true;     /* for the log: the line signals, not the current thread */
    send_signal(cap_obj(n), cap_badge(n));
    ks.signal_by_irq = false;
}

/* Deliver what the line has to give - a remembered raise, or a level still asserted. */
static void irq_try_deliver(word_t irq)
{
    if ((ks.irq_pending[irq] || ks.irq_asserted[irq]) && irq_deliverable(irq))
        irq_deliver(irq);
}

/* seL4: handleInterrupt - line irq went from low to high. */
static void handle_interrupt(word_t irq)
{
    ks.count.irq_raised[irq]++;
    trace_irq("raised", irq, 0, 0);
    if (irq_deliverable(irq)) {
        irq_deliver(irq);
    } else {
        ks.irq_pending[irq] = 1;
        trace_irq("held", irq, 0, 0);
    }
}

void kernel_irq_set(unsigned irq, int asserted)
{
    if (irq > MICA_MAX_IRQ)
        return;
    bool rise = asserted && !ks.irq_asserted[irq];
    ks.irq_asserted[irq] = asserted != 0;
    if (rise)
        handle_interrupt(irq);
}

exception_t decode_irq_control_invocation(word_t label, word_t length, cte_t *slot,
                                          word_t *buffer)
{
    if (label != MICA_IRQ_ISSUE_IRQ_HANDLER) {
        user_error("IRQControl: label %lu is not IRQControl_Get", (unsigned long)label);
        ks.syscall_error.type = MICA_ILLEGAL_OPERATION;
        return EXCEPTION_SYSCALL_ERROR;
    }
    if (length < 3 || ks.extra_caps[0] == NULL) {
        user_error("IRQControl_Get: needs 3 words and a CNode cap");
        ks.syscall_error.type = MICA_TRUNCATED_MESSAGE;
        return EXCEPTION_SYSCALL_ERROR;
    }
    word_t irq = get_syscall_arg(0, buffer);
    word_t index = get_syscall_arg(1, buffer);
    word_t depth = get_syscall_arg(2, buffer);
    cap_t root = ks.extra_caps[0]->cap;
    if (irq > MICA_MAX_IRQ) {
        user_error("IRQControl_Get: IRQ %lu is above %d", (unsigned long)irq, MICA_MAX_IRQ);
        ks.syscall_error.type = MICA_RANGE_ERROR;
        ks.syscall_error.range_min = 0;
        ks.syscall_error.range_max = MICA_MAX_IRQ;
        return EXCEPTION_SYSCALL_ERROR;
    }
    if (ks.irq_issued[irq]) {
        user_error("IRQControl_Get: IRQ %lu already has a handler cap", (unsigned long)irq);
        ks.syscall_error.type = MICA_REVOKE_FIRST;
        return EXCEPTION_SYSCALL_ERROR;
    }
    lookup_slot_ret_t lu = lookup_target_slot(root, index, depth);
    if (lu.status != EXCEPTION_NONE)
        return lu.status;
    if (ensure_empty_slot(lu.slot) != EXCEPTION_NONE) {
        user_error("IRQControl_Get: destination slot is not empty");
        return EXCEPTION_SYSCALL_ERROR;
    }
    set_thread_state(NODE.cur_thread, MICA_THREAD_RESTART);
    ks.irq_issued[irq] = 1;
    cte_insert(cap_irq_handler_new(irq), slot, lu.slot);
    return EXCEPTION_NONE;
}

/* seL4: decodeIRQHandlerInvocation */
exception_t decode_irq_handler_invocation(word_t label, word_t irq)
{
    switch (label) {
    case MICA_IRQ_ACK_IRQ:
        /* seL4: invokeIRQHandler_AckIRQ - unmask; a remembered or still asserted line fires again. */
        set_thread_state(NODE.cur_thread, MICA_THREAD_RESTART);
        ks.count.irq_acked[irq]++;
        trace_irq("acked", irq, 0, 0);
        ks.count.irq_unmasks[irq] += ks.irq_masked[irq];
        ks.irq_masked[irq] = 0;
        irq_try_deliver(irq);
        return EXCEPTION_NONE;
    case MICA_IRQ_CLEAR_IRQ_HANDLER:
        /* seL4: invokeIRQHandler_ClearIRQHandler */
        set_thread_state(NODE.cur_thread, MICA_THREAD_RESTART);
        cte_delete_one(irq_node_slot(irq));
        return EXCEPTION_NONE;
    case MICA_IRQ_SET_IRQ_HANDLER: {
        if (ks.extra_caps[0] == NULL) {
            ks.syscall_error.type = MICA_TRUNCATED_MESSAGE;
            return EXCEPTION_SYSCALL_ERROR;
        }
        cap_t n = ks.extra_caps[0]->cap;
        if (cap_type(n) != MICA_CAP_TYPE_NOTIFICATION || !(cap_rights(n) & RIGHT_WRITE)) {
            user_error("IRQHandler_SetNotification: needs a notification cap with Write");
            ks.syscall_error.type = MICA_INVALID_CAPABILITY;
            ks.syscall_error.invalid_cap_number = 0;
            return EXCEPTION_SYSCALL_ERROR;
        }
        set_thread_state(NODE.cur_thread, MICA_THREAD_RESTART);
        /* seL4: invokeIRQHandler_SetIRQHandler - the old copy goes, a copy of this cap comes. */
        cte_t *slot = irq_node_slot(irq);
        cte_delete_one(slot);
        cte_insert(n, ks.extra_caps[0], slot);
        irq_try_deliver(irq);       /* a raise held for want of a notification */
        return EXCEPTION_NONE;
    }
    default:
        user_error("IRQHandler: label %lu is not an IRQHandler operation", (unsigned long)label);
        ks.syscall_error.type = MICA_ILLEGAL_OPERATION;
        return EXCEPTION_SYSCALL_ERROR;
    }
}

/* seL4: deletingIRQHandler + setIRQState(IRQInactive) - the last handler cap is going. */
void deleting_irq_handler(word_t irq)
{
    if (irq > MICA_MAX_IRQ)
        return;
    cte_delete_one(irq_node_slot(irq));
    ks.irq_issued[irq] = 0;
    /* The next handler starts unmasked with nothing remembered (the line's level stays). */
    ks.count.irq_unmasks[irq] += ks.irq_masked[irq];
    ks.irq_masked[irq] = 0;
    ks.irq_pending[irq] = 0;
}
