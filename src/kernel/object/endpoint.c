/*
 * object/endpoint.c - synchronous IPC through endpoints (seL4: object/endpoint.c,
 * kernel/thread.c doIPCTransfer).
 *
 *   state   queue holds       Send arrives              Recv arrives
 *   Idle    nothing           blocking: -> Send, queue   blocking: -> Recv, queue
 *   Send    senders           queue behind them          take head sender
 *   Recv    receivers         take head receiver         queue behind them
 *
 * A Call that meets a receiver leaves the caller BlockedOnReply with a
 * one-shot reply cap in the receiver's caller slot.
 */
#include "object.h"
#include "../cdt.h"
#include "../cspace.h"
#include "../ipc.h"
#include "../objecttype.h"
#include "../thread.h"
#include "../trace.h"

static endpoint_t *ep_ptr(paddr_t ep) { return (endpoint_t *)paddr_to_ptr(ep); }
static word_t ep_state(const endpoint_t *e) { return e->head_state & 3; }

static tcb_queue_t ep_queue(const endpoint_t *e)
{
    return (tcb_queue_t){ e->head_state & ~3ull, e->tail };
}

static void ep_set_queue(endpoint_t *e, tcb_queue_t q, word_t state)
{
    if (q.head == 0)
        state = EP_IDLE;
    e->head_state = q.head | state;
    e->tail = q.tail;
}

void queue_append(tcb_queue_t *q, paddr_t t)
{
    tcb_t *tp = tcb_ptr(t);
    tp->ep_next = 0;
    tp->ep_prev = q->tail;
    if (q->tail)
        tcb_ptr(q->tail)->ep_next = t;
    else
        q->head = t;
    q->tail = t;
}

/*
 * Every thread of a detached queue (head t) re-executes its system call:
 * seL4's cancelAllIPC / cancelAllSignals loop.
 */
void restart_queue(paddr_t t)
{
    while (t) {
        paddr_t next = tcb_ptr(t)->ep_next;
        tcb_ptr(t)->ep_next = tcb_ptr(t)->ep_prev = 0;
        set_thread_state(t, MICA_THREAD_RESTART);
        tcb_sched_enqueue(t);
        t = next;
    }
    reschedule_required();
}

void queue_remove(tcb_queue_t *q, paddr_t t)
{
    tcb_t *tp = tcb_ptr(t);
    if (tp->ep_prev)
        tcb_ptr(tp->ep_prev)->ep_next = tp->ep_next;
    else
        q->head = tp->ep_next;
    if (tp->ep_next)
        tcb_ptr(tp->ep_next)->ep_prev = tp->ep_prev;
    else
        q->tail = tp->ep_prev;
    tp->ep_next = tp->ep_prev = 0;
}

/* seL4: copyMRs - registers first, then buffer words when both sides have one. */
static word_t copy_mrs(paddr_t sender, word_t *send_buf, paddr_t receiver, word_t *recv_buf,
                       word_t n)
{
    word_t i;
    for (i = 0; i < n && i < MICA_FAST_MESSAGE_REGISTERS; i++)
        set_register(receiver, REG_MR0 + i, get_register(sender, REG_MR0 + i));
    if (!send_buf || !recv_buf)
        return i;
    if (i < n)
        ks.count.ipc_buffer_words += n - i;    /* the memory copy, for mica_run_result_t */
    for (; i < n; i++)
        recv_buf[IPCBUF_MSG + i] = send_buf[IPCBUF_MSG + i];
    return i;
}

/* seL4: getReceiveSlots - the one slot a receiver accepts a cap into. */
static cte_t *get_receive_slot(paddr_t receiver, word_t *buffer)
{
    if (!buffer)
        return NULL;
    lookup_slot_ret_t lu = lookup_slot(receiver, buffer[IPCBUF_RECV_CNODE]);
    if (lu.status != EXCEPTION_NONE)
        return NULL;
    syscall_error_t saved = ks.syscall_error;
    lu = lookup_target_slot(lu.slot->cap, buffer[IPCBUF_RECV_INDEX], buffer[IPCBUF_RECV_DEPTH]);
    ks.syscall_error = saved;
    if (lu.status != EXCEPTION_NONE || !cap_is_null(lu.slot->cap))
        return NULL;
    return lu.slot;
}

/* seL4: transferCaps - unwrap caps to ep into badges, or place one cap. */
static word_t transfer_caps(word_t info, paddr_t ep, paddr_t receiver, word_t *recv_buf)
{
    mica_msginfo_t tag = { { info } };
    tag = mica_msginfo_set_extra_caps(tag, 0);
    tag = mica_msginfo_set_caps_unwrapped(tag, 0);
    if (ks.extra_caps[0] == NULL || !recv_buf)
        return tag.words[0];

    cte_t *dest = get_receive_slot(receiver, recv_buf);
    word_t unwrapped = 0, i;
    for (i = 0; i < MICA_MSG_MAX_EXTRA_CAPS && ks.extra_caps[i] != NULL; i++) {
        cte_t *slot = ks.extra_caps[i];
        cap_t cap = slot->cap;
        if (cap_type(cap) == MICA_CAP_TYPE_ENDPOINT && ep != 0 && cap_obj(cap) == ep) {
            recv_buf[IPCBUF_CAPS + i] = cap_badge(cap);
            unwrapped |= BIT(i);
        } else {
            if (!dest)
                break;
            syscall_error_t saved = ks.syscall_error;
            derive_cap_ret_t d = derive_cap(slot, cap);
            ks.syscall_error = saved;
            if (d.status != EXCEPTION_NONE || cap_is_null(d.cap))
                break;
            cte_insert(d.cap, slot, dest);
            dest = NULL;
        }
    }
    tag = mica_msginfo_set_extra_caps(tag, i);
    tag = mica_msginfo_set_caps_unwrapped(tag, unwrapped);
    return tag.words[0];
}

/* seL4: doNormalTransfer */
static void do_normal_transfer(paddr_t sender, word_t *send_buf, paddr_t ep, word_t badge,
                               bool grant, paddr_t receiver, word_t *recv_buf)
{
    word_t info = get_register(sender, REG_INFO);
    mica_msginfo_t tag = { { info } };

    if (grant) {
        if (lookup_extra_caps(sender, send_buf, info) != EXCEPTION_NONE)
            ks.extra_caps[0] = NULL;
    } else {
        ks.extra_caps[0] = NULL;
    }
    word_t len = mica_msginfo_get_length(tag);
    if (len > MICA_MSG_MAX_LENGTH)
        len = MICA_MSG_MAX_LENGTH;
    word_t sent = copy_mrs(sender, send_buf, receiver, recv_buf, len);
    tag.words[0] = transfer_caps(info, ep, receiver, recv_buf);
    tag = mica_msginfo_set_length(tag, sent);
    trace_ipc(sender, receiver, ep, badge, tag.words[0], ep ? "message" : "reply");
    set_register(receiver, REG_INFO, tag.words[0]);
    set_register(receiver, REG_BADGE, badge);
    ks.count.ipcs++;
}

/* seL4: doFaultTransfer */
static void do_fault_transfer(paddr_t ep, word_t badge, paddr_t sender, paddr_t receiver,
                              word_t *recv_buf)
{
    word_t len = set_mrs_fault(sender, receiver, recv_buf);
    mica_msginfo_t tag = mica_msginfo_new(tcb_ptr(sender)->fault.type, 0, 0, len);
    trace_ipc(sender, receiver, ep, badge, tag.words[0], "fault message");
    set_register(receiver, REG_INFO, tag.words[0]);
    set_register(receiver, REG_BADGE, badge);
    ks.count.ipcs++;
}

/* seL4: doIPCTransfer */
void do_ipc_transfer(paddr_t sender, paddr_t ep, word_t badge, bool grant, paddr_t receiver)
{
    word_t *recv_buf = lookup_ipc_buffer(true, receiver);
    if (tcb_ptr(sender)->fault.type == MICA_FAULT_NULL) {
        word_t *send_buf = lookup_ipc_buffer(false, sender);
        do_normal_transfer(sender, send_buf, ep, badge, grant, receiver, recv_buf);
    } else {
        do_fault_transfer(ep, badge, sender, receiver, recv_buf);
    }
}

/* seL4: setupCallerCap */
void setup_caller_cap(paddr_t sender, paddr_t receiver, bool can_grant)
{
    set_thread_state(sender, MICA_THREAD_BLOCKED_ON_REPLY);
    cte_t *reply_slot = tcb_slot(sender, TCB_REPLY);
    cte_t *caller_slot = tcb_slot(receiver, TCB_CALLER);
    /* Haskell error: "Sender must have a master reply cap" */
    kassert(cap_type(reply_slot->cap) == MICA_CAP_TYPE_REPLY && cap_reply_is_master(reply_slot->cap));
    /* Haskell error: "Caller cap must not already exist" */
    kassert(cap_is_null(caller_slot->cap));
    cte_insert(cap_reply_new(sender, false, can_grant), reply_slot, caller_slot);
}

/* seL4: deleteCallerCap */
void delete_caller_cap(paddr_t receiver)
{
    cte_delete_one(tcb_slot(receiver, TCB_CALLER));
}

/* seL4: sendIPC */
void send_ipc(bool blocking, bool do_call, word_t badge, bool can_grant, bool can_grant_reply,
              paddr_t thread, paddr_t ep)
{
    endpoint_t *e = ep_ptr(ep);
    tcb_queue_t q = ep_queue(e);

    switch (ep_state(e)) {
    case EP_IDLE:
    case EP_SEND:
        if (blocking) {
            tcb_t *tp = tcb_ptr(thread);
            tp->state.blocking_object = ep;
            tp->state.badge = badge;
            tp->state.can_grant = can_grant;
            tp->state.can_grant_reply = can_grant_reply;
            tp->state.is_call = do_call;
            set_thread_state(thread, MICA_THREAD_BLOCKED_ON_SEND);
            queue_append(&q, thread);
            ep_set_queue(e, q, EP_SEND);
        }
        break;
    case EP_RECV: {
        paddr_t dest = q.head;
        kassert(dest != 0);
        queue_remove(&q, dest);
        ep_set_queue(e, q, EP_RECV);
        do_ipc_transfer(thread, ep, badge, can_grant, dest);
        bool reply_can_grant = tcb_ptr(dest)->state.can_grant;
        set_thread_state(dest, MICA_THREAD_RUNNING);
        possible_switch_to(dest);
        if (do_call || tcb_ptr(thread)->fault.type != MICA_FAULT_NULL) {
            if (can_grant || can_grant_reply)
                setup_caller_cap(thread, dest, reply_can_grant);
            else
                set_thread_state(thread, MICA_THREAD_INACTIVE);
        }
        break;
    }
    default:
        kfail("invalid endpoint state");
    }
}

/* seL4: receiveIPC (non-MCS) */
void receive_ipc(paddr_t thread, cap_t cap, bool blocking)
{
    paddr_t ep = cap_obj(cap);
    endpoint_t *e = ep_ptr(ep);

    if (complete_bound_signal(thread))
        return;
    tcb_ptr(thread)->recv_ep = ep;
    tcb_queue_t q = ep_queue(e);
    switch (ep_state(e)) {
    case EP_IDLE:
    case EP_RECV:
        if (blocking) {
            tcb_t *tp = tcb_ptr(thread);
            tp->state.blocking_object = ep;
            tp->state.can_grant = (cap_rights(cap) & RIGHT_GRANT) != 0;
            set_thread_state(thread, MICA_THREAD_BLOCKED_ON_RECEIVE);
            queue_append(&q, thread);
            ep_set_queue(e, q, EP_RECV);
        } else {
            /* seL4: doNBRecvFailedTransfer */
            set_register(thread, REG_BADGE, 0);
            set_register(thread, REG_INFO, 0);
        }
        break;
    case EP_SEND: {
        paddr_t sender = q.head;
        kassert(sender != 0);
        queue_remove(&q, sender);
        ep_set_queue(e, q, EP_SEND);
        tcb_t *sp = tcb_ptr(sender);
        word_t badge = sp->state.badge;
        bool can_grant = sp->state.can_grant, can_grant_reply = sp->state.can_grant_reply;
        bool do_call = sp->state.is_call;
        do_ipc_transfer(sender, ep, badge, can_grant, thread);
        if (do_call || sp->fault.type != MICA_FAULT_NULL) {
            if (can_grant || can_grant_reply)
                setup_caller_cap(sender, thread, (cap_rights(cap) & RIGHT_GRANT) != 0);
            else
                set_thread_state(sender, MICA_THREAD_INACTIVE);
        } else {
            set_thread_state(sender, MICA_THREAD_RUNNING);
            possible_switch_to(sender);
        }
        break;
    }
    default:
        kfail("invalid endpoint state");
    }
}

/* seL4: doReplyTransfer (non-MCS) */
void do_reply_transfer(paddr_t sender, paddr_t receiver, cte_t *slot, bool grant)
{
    /* Haskell error: "doReplyTransfer: receiver not BlockedOnReply" */
    kassert(thread_state(receiver) == MICA_THREAD_BLOCKED_ON_REPLY);
    if (tcb_ptr(receiver)->fault.type == MICA_FAULT_NULL) {
        do_ipc_transfer(sender, 0, 0, grant, receiver);
        cte_delete_one(slot);
        set_thread_state(receiver, MICA_THREAD_RUNNING);
        possible_switch_to(receiver);
    } else {
        cte_delete_one(slot);
        bool restart = handle_fault_reply(receiver, sender);
        /* Traced like any reply, though no message reaches the faulted thread. */
        trace_ipc(sender, receiver, 0, 0, get_register(sender, REG_INFO),
                  restart ? "fault reply (restart)" : "fault reply (stop)");
        tcb_ptr(receiver)->fault.type = MICA_FAULT_NULL;
        if (restart) {
            set_thread_state(receiver, MICA_THREAD_RESTART);
            possible_switch_to(receiver);
        } else {
            set_thread_state(receiver, MICA_THREAD_INACTIVE);
        }
    }
}

/* seL4: cancelIPC */
void cancel_ipc(paddr_t t)
{
    tcb_t *tp = tcb_ptr(t);
    switch (tp->state.type) {
    case MICA_THREAD_BLOCKED_ON_SEND:
    case MICA_THREAD_BLOCKED_ON_RECEIVE: {
        endpoint_t *e = ep_ptr(tp->state.blocking_object);
        tcb_queue_t q = ep_queue(e);
        queue_remove(&q, t);
        ep_set_queue(e, q, ep_state(e));
        set_thread_state(t, MICA_THREAD_INACTIVE);
        break;
    }
    case MICA_THREAD_BLOCKED_ON_NOTIFICATION:
        cancel_signal(t, tp->state.blocking_object);
        break;
    case MICA_THREAD_BLOCKED_ON_REPLY: {
        tp->fault.type = MICA_FAULT_NULL;
        cte_t *reply = tcb_slot(t, TCB_REPLY);
        paddr_t caller = mdb_next(reply);
        if (caller && cap_type(cte_at(caller)->cap) == MICA_CAP_TYPE_REPLY &&
            !cap_reply_is_master(cte_at(caller)->cap) && cap_obj(cte_at(caller)->cap) == t)
            cte_delete_one(cte_at(caller));
        break;
    }
    default:
        break;
    }
}

/* seL4: cancelAllIPC - every queued thread restarts its system call. */
void cancel_all_ipc(paddr_t ep)
{
    endpoint_t *e = ep_ptr(ep);
    if (ep_state(e) == EP_IDLE)
        return;
    paddr_t t = ep_queue(e).head;
    e->head_state = 0;
    e->tail = 0;
    restart_queue(t);
}

/* seL4: cancelBadgedSends - restart the senders that used one badge. */
void cancel_badged_sends(paddr_t ep, word_t badge)
{
    endpoint_t *e = ep_ptr(ep);
    if (ep_state(e) != EP_SEND)
        return;
    tcb_queue_t q = ep_queue(e);
    paddr_t t = q.head;
    while (t) {
        paddr_t next = tcb_ptr(t)->ep_next;
        if (tcb_ptr(t)->state.badge == badge) {
            queue_remove(&q, t);
            set_thread_state(t, MICA_THREAD_RESTART);
            tcb_sched_enqueue(t);
        }
        t = next;
    }
    ep_set_queue(e, q, EP_SEND);
    reschedule_required();
}
