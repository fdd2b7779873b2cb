/*
 * object/notification.c - asynchronous signals (seL4: object/notification.c).
 *
 *   state    Signal(badge)                       Wait
 *   Idle     bound thread in Recv: wake it;       blocking: -> Waiting, queue
 *            else -> Active, word = badge         Poll: badge 0
 *   Waiting  wake the head waiter with badge      queue behind
 *   Active   word |= badge                        take word, -> Idle
 */
#include "object.h"
#include "../ipc.h"
#include "../thread.h"
#include "../trace.h"

static notification_t *ntfn_ptr(paddr_t n) { return (notification_t *)paddr_to_ptr(n); }
static word_t ntfn_state(const notification_t *n) { return n->head_state & 3; }

static tcb_queue_t ntfn_queue(const notification_t *n)
{
    return (tcb_queue_t){ n->head_state & ~3ull, n->tail };
}

static void ntfn_set_queue(notification_t *n, tcb_queue_t q, word_t state)
{
    if (q.head == 0 && state == NTFN_WAITING)
        state = NTFN_IDLE;
    n->head_state = q.head | state;
    n->tail = q.tail;
}

static void ntfn_set_active(notification_t *n, word_t badge)
{
    n->head_state = NTFN_ACTIVE;
    n->tail = 0;
    n->msg_identifier = badge;
}

/* seL4: sendSignal */
void send_signal(paddr_t ntfn, word_t badge)
{
    notification_t *n = ntfn_ptr(ntfn);
    trace_signal(NODE.cur_thread, ntfn, badge);
    switch (ntfn_state(n)) {
    case NTFN_IDLE: {
        paddr_t t = n->bound_tcb;
        if (t && thread_state(t) == MICA_THREAD_BLOCKED_ON_RECEIVE) {
            trace_wake(t, ks.signal_by_irq ? 0 : NODE.cur_thread, ntfn, badge, "bound");
            cancel_ipc(t);
            set_thread_state(t, MICA_THREAD_RUNNING);
            set_register(t, REG_BADGE, badge);
            set_register(t, REG_INFO, 0);
            possible_switch_to(t);
        } else {
            ntfn_set_active(n, badge);
        }
        break;
    }
    case NTFN_WAITING: {
        tcb_queue_t q = ntfn_queue(n);
        paddr_t dest = q.head;
        kassert(dest != 0);
        queue_remove(&q, dest);
        ntfn_set_queue(n, q, NTFN_WAITING);
        trace_wake(dest, ks.signal_by_irq ? 0 : NODE.cur_thread, ntfn, badge, "Wait");
        set_thread_state(dest, MICA_THREAD_RUNNING);
        set_register(dest, REG_BADGE, badge);
        set_register(dest, REG_INFO, 0);
        possible_switch_to(dest);
        break;
    }
    case NTFN_ACTIVE:
        n->msg_identifier |= badge;
        break;
    default:
        kfail("invalid notification state");
    }
}

/* seL4: receiveSignal */
void receive_signal(paddr_t thread, cap_t cap, bool blocking)
{
    paddr_t ntfn = cap_obj(cap);
    notification_t *n = ntfn_ptr(ntfn);
    switch (ntfn_state(n)) {
    case NTFN_IDLE:
    case NTFN_WAITING:
        if (blocking) {
            tcb_queue_t q = ntfn_queue(n);
            tcb_ptr(thread)->state.blocking_object = ntfn;
            set_thread_state(thread, MICA_THREAD_BLOCKED_ON_NOTIFICATION);
            queue_append(&q, thread);
            ntfn_set_queue(n, q, NTFN_WAITING);
        } else {
            trace_wake(thread, 0, ntfn, 0, "Poll");
            set_register(thread, REG_BADGE, 0);
            set_register(thread, REG_INFO, 0);
        }
        break;
    case NTFN_ACTIVE:
        trace_wake(thread, 0, ntfn, n->msg_identifier, blocking ? "Wait" : "Poll");
        set_register(thread, REG_BADGE, n->msg_identifier);
        set_register(thread, REG_INFO, 0);
        n->head_state = NTFN_IDLE;
        n->msg_identifier = 0;
        break;
    default:
        kfail("invalid notification state");
    }
}

/* seL4: completeSignal for a bound notification, from receiveIPC. */
bool complete_bound_signal(paddr_t thread)
{
    paddr_t ntfn = tcb_ptr(thread)->bound_notification;
    if (!ntfn)
        return false;
    notification_t *n = ntfn_ptr(ntfn);
    if (ntfn_state(n) != NTFN_ACTIVE)
        return false;
    trace_wake(thread, 0, ntfn, n->msg_identifier, "bound");
    set_register(thread, REG_BADGE, n->msg_identifier);
    set_register(thread, REG_INFO, 0);
    n->head_state = NTFN_IDLE;
    n->msg_identifier = 0;
    return true;
}

/* seL4: cancelSignal */
void cancel_signal(paddr_t t, paddr_t ntfn)
{
    notification_t *n = ntfn_ptr(ntfn);
    tcb_queue_t q = ntfn_queue(n);
    queue_remove(&q, t);
    ntfn_set_queue(n, q, NTFN_WAITING);
    set_thread_state(t, MICA_THREAD_INACTIVE);
}

/* seL4: cancelAllSignals */
void cancel_all_signals(paddr_t ntfn)
{
    notification_t *n = ntfn_ptr(ntfn);
    if (ntfn_state(n) != NTFN_WAITING)
        return;
    paddr_t t = ntfn_queue(n).head;
    n->head_state = NTFN_IDLE;
    n->tail = 0;
    restart_queue(t);
}

void bind_notification(paddr_t tcb, paddr_t ntfn)
{
    ntfn_ptr(ntfn)->bound_tcb = tcb;
    tcb_ptr(tcb)->bound_notification = ntfn;
}

/* seL4: unbindNotification */
void unbind_notification(paddr_t tcb)
{
    paddr_t ntfn = tcb_ptr(tcb)->bound_notification;
    if (ntfn) {
        ntfn_ptr(ntfn)->bound_tcb = 0;
        tcb_ptr(tcb)->bound_notification = 0;
    }
}

/* seL4: unbindMaybeNotification */
void unbind_maybe_notification(paddr_t ntfn)
{
    paddr_t tcb = ntfn_ptr(ntfn)->bound_tcb;
    if (tcb) {
        ntfn_ptr(ntfn)->bound_tcb = 0;
        tcb_ptr(tcb)->bound_notification = 0;
    }
}
