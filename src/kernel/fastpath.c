/*
 * fastpath.c - Call and ReplyRecv in one straight line (seL4: fastpath/fastpath.c).
 *
 * Taken only when every condition below holds; otherwise the slow path runs
 * with identical results. It performs exactly the slow path's transfer -
 * registers only, no caps, no faults - and switches directly to the partner.
 *
 *   Call:      ep cap with Write and Grant/GrantReply, ep waiting to Recv,
 *              length <= 4, no extra caps, receiver can run now.
 *   ReplyRecv: a reply cap in the caller slot, caller waiting for it and
 *              highest priority, ep cap with Read not in Send state, no
 *              active bound notification, length <= 4, no extra caps.
 */
#include "cdt.h"
#include "cspace.h"
#include "ipc.h"
#include "thread.h"
#include "trace.h"

/* Resolve a CPtr quickly; NULL when the slow path should decide. */
static inline cte_t *fast_lookup(paddr_t t, cptr_t cptr)
{
    /* The common case: a single CNode whose guard and radix cover all 64 bits. */
    cap_t root = tcb_slot(t, TCB_CTABLE)->cap;
    unsigned radix = cap_cnode_radix(root), gs = cap_cnode_guard_size(root);
    if (likely(cap_type(root) == MICA_CAP_TYPE_CNODE && radix + gs == MICA_WORD_BITS &&
               (cptr >> radix) == cap_cnode_guard(root)))
        return cap_cnode_slots(root) + (cptr & MASK(radix));
    resolve_ret_t r = resolve_address_bits(tcb_slot(t, TCB_CTABLE)->cap, cptr, MICA_WORD_BITS);
    return r.status == EXCEPTION_NONE ? r.slot : NULL;
}

static inline void copy_fast_mrs(tcb_t *from, tcb_t *to, word_t len)
{
    for (word_t i = 0; i < len; i++)
        to->regs[REG_MR0 + i] = from->regs[REG_MR0 + i];
}

static inline void ep_remove_head(endpoint_t *e, paddr_t dest, tcb_t *dp)
{
    paddr_t next = dp->ep_next;
    if (next) {
        tcb_ptr(next)->ep_prev = 0;
        e->head_state = next | EP_RECV;
    } else {
        e->head_state = EP_IDLE;
        e->tail = 0;
    }
    dp->ep_next = dp->ep_prev = 0;
    (void)dest;
}

/* seL4: fastpath_call. true when handled. */
bool fastpath_call(paddr_t cur)
{
    ks_cpu_t *nd = &NODE;     /* this CPU (one per kernel entry) */
    tcb_t *cp = tcb_ptr(cur);
    mica_msginfo_t info = { { cp->regs[REG_INFO] } };
    word_t len = mica_msginfo_get_length(info);

    if (len > MICA_FAST_MESSAGE_REGISTERS || mica_msginfo_get_extra_caps(info) != 0 ||
        nd->sched_action != SCHED_RESUME_CURRENT)
        return false;
    cte_t *slot = fast_lookup(cur, cp->regs[REG_CAP]);
    if (!slot)
        return false;
    cap_t cap = slot->cap;
    if (cap_type(cap) != MICA_CAP_TYPE_ENDPOINT || !(cap_rights(cap) & RIGHT_WRITE) ||
        !(cap_rights(cap) & (RIGHT_GRANT | RIGHT_GRANT_REPLY)))
        return false;
    endpoint_t *e = (endpoint_t *)paddr_to_ptr(cap_ram_obj(cap));
    if ((e->head_state & 3) != EP_RECV)
        return false;
    paddr_t dest = e->head_state & ~3ull;
    tcb_t *dp = tcb_ptr(dest);
    if (dp->priority < cp->priority && !is_highest_prio(dp->priority))
        return false;
    if (unlikely(ks.num_cpus > 1) && dp->affinity != ks.cur_cpu)  /* seL4: SMP, same core only */
        return false;
    cte_t *reply = tcb_slot(cur, TCB_REPLY), *caller = tcb_slot(dest, TCB_CALLER);
    if (cap_type(reply->cap) != MICA_CAP_TYPE_REPLY || !cap_is_null(caller->cap))
        return false;

    /* Commit: nothing below can fail. */
    ks.count.fastpath_hits++;
    ks.count.ipcs++;
    ep_remove_head(e, dest, dp);
    cp->state.type = MICA_THREAD_BLOCKED_ON_REPLY;
    cte_insert(cap_reply_new(cur, false, dp->state.can_grant), reply, caller);
    copy_fast_mrs(cp, dp, len);
    word_t out = mica_msginfo_new(mica_msginfo_get_label(info), 0, 0, len).words[0];
    trace_ipc(cur, dest, cap_ram_obj(cap), cap_badge(cap), out, "message");  /* dest's r0: its cptr */
    dp->regs[REG_BADGE] = cap_badge(cap);
    dp->regs[REG_INFO] = out;
    dp->state.type = MICA_THREAD_RUNNING;
    nd->cur_thread = dest;
    return true;
}

/* seL4: fastpath_reply_recv. true when handled. */
bool fastpath_reply_recv(paddr_t cur)
{
    ks_cpu_t *nd = &NODE;     /* this CPU (one per kernel entry) */
    tcb_t *cp = tcb_ptr(cur);
    mica_msginfo_t info = { { cp->regs[REG_INFO] } };
    word_t len = mica_msginfo_get_length(info);

    if (len > MICA_FAST_MESSAGE_REGISTERS || mica_msginfo_get_extra_caps(info) != 0 ||
        nd->sched_action != SCHED_RESUME_CURRENT)
        return false;
    cte_t *slot = fast_lookup(cur, cp->regs[REG_CAP]);
    if (!slot)
        return false;
    cap_t cap = slot->cap;
    if (cap_type(cap) != MICA_CAP_TYPE_ENDPOINT || !(cap_rights(cap) & RIGHT_READ))
        return false;
    endpoint_t *e = (endpoint_t *)paddr_to_ptr(cap_ram_obj(cap));
    if ((e->head_state & 3) == EP_SEND)
        return false;
    if (cp->bound_notification &&
        (((notification_t *)paddr_to_ptr(cp->bound_notification))->head_state & 3) == NTFN_ACTIVE)
        return false;
    cte_t *callslot = tcb_slot(cur, TCB_CALLER);
    cap_t rc = callslot->cap;
    if (cap_type(rc) != MICA_CAP_TYPE_REPLY || cap_reply_is_master(rc))
        return false;
    paddr_t caller = cap_ram_obj(rc);
    tcb_t *kp = tcb_ptr(caller);
    if (kp->state.type != MICA_THREAD_BLOCKED_ON_REPLY || kp->fault.type != MICA_FAULT_NULL ||
        !is_highest_prio(kp->priority) ||
        (unlikely(ks.num_cpus > 1) && kp->affinity != ks.cur_cpu))
        return false;

    /* Commit. */
    ks.count.fastpath_hits++;
    ks.count.ipcs++;
    empty_slot(callslot);   /* a reply cap needs no finalisation */
    cp->state.type = MICA_THREAD_BLOCKED_ON_RECEIVE;
    cp->state.blocking_object = cap_ram_obj(cap);
    cp->recv_ep = cap_ram_obj(cap);
    cp->state.can_grant = (cap_rights(cap) & RIGHT_GRANT) != 0;
    tcb_queue_t q = { e->head_state & ~3ull, e->tail };
    queue_append(&q, cur);
    e->head_state = q.head | EP_RECV;
    e->tail = q.tail;
    copy_fast_mrs(cp, kp, len);
    kp->regs[REG_BADGE] = 0;
    kp->regs[REG_INFO] = mica_msginfo_new(mica_msginfo_get_label(info), 0, 0, len).words[0];
    kp->state.type = MICA_THREAD_RUNNING;
    nd->cur_thread = caller;
    trace_ipc(cur, caller, 0, 0, kp->regs[REG_INFO], "reply");
    return true;
}
