/*
 * fault.c - faults become messages to the thread's fault endpoint
 * (seL4: kernel/faulthandler.c, api/faults.c).
 *
 * The fault endpoint is a CPtr in the faulting thread's own CSpace. Without
 * a usable handler the thread becomes Inactive and the rest of the system
 * carries on.
 */
#include "cspace.h"
#include "ipc.h"
#include "thread.h"
#include "trace.h"
#include "object/object.h"

void fault_cap(cptr_t addr, bool in_recv_phase)
{
    ks.fault = (fault_t){ MICA_FAULT_CAP, { addr, in_recv_phase, 0, 0 } };
}

void fault_unknown_syscall(word_t number)
{
    ks.fault = (fault_t){ MICA_FAULT_UNKNOWN_SYSCALL, { number, 0, 0, 0 } };
}

/* seL4: sendFaultIPC. On failure *why says what was wrong with the handler cap. */
static exception_t send_fault_ipc(paddr_t t, const char **why)
{
    tcb_t *tp = tcb_ptr(t);
    lookup_fault_t original_lookup = ks.lookup_fault;
    fault_t original = ks.fault;
    cptr_t handler = tp->fault_handler;

    lookup_slot_ret_t lu = lookup_slot(t, handler);
    if (lu.status != EXCEPTION_NONE) {
        trace_fault(t, &original, &original_lookup, 0, 0);
        *why = "its fault handler cptr does not resolve to a slot";
        fault_cap(handler, false);
        return EXCEPTION_FAULT;
    }
    cap_t h = lu.slot->cap;
    if (cap_type(h) == MICA_CAP_TYPE_ENDPOINT && (cap_rights(h) & RIGHT_WRITE) &&
        (cap_rights(h) & (RIGHT_GRANT | RIGHT_GRANT_REPLY))) {
        trace_fault(t, &original, &original_lookup, cap_obj(h), cap_badge(h));
        tp->fault = original;
        if (original.type == MICA_FAULT_CAP)
            tp->lookup_failure = original_lookup;
        send_ipc(true, true, cap_badge(h), (cap_rights(h) & RIGHT_GRANT) != 0, true, t, cap_obj(h));
        return EXCEPTION_NONE;
    }
    trace_fault(t, &original, &original_lookup, 0, 0);
    *why = cap_type(h) == MICA_CAP_TYPE_NULL ? "no fault endpoint is set"
         : cap_type(h) != MICA_CAP_TYPE_ENDPOINT ? "its fault handler cap is not an endpoint"
         : "its fault endpoint cap lacks Write and Grant or GrantReply";
    fault_cap(handler, false);
    lookup_fault_missing_capability(0);
    return EXCEPTION_FAULT;
}

/* seL4: handleFault / handleDoubleFault */
void handle_fault(paddr_t t)
{
    fault_t f = ks.fault;
    const char *why = "";
    ks.count.faults++;
    if (send_fault_ipc(t, &why) != EXCEPTION_NONE) {
        tcb_t *tp = tcb_ptr(t);
        /* The machine reports it (symbolising the pc of a trap) and counts it. */
        hw_thread_faulted(tp->name[0] ? tp->name : "?", (unsigned long)f.type, f.w,
                          tp->fault_handler, why);
        set_thread_state(t, MICA_THREAD_INACTIVE);
    }
}

/* seL4: setMRs_lookup_failure */
word_t set_mrs_lookup_failure(paddr_t receiver, word_t *buffer, const lookup_fault_t *lf,
                              word_t offset)
{
    word_t i = set_mr(receiver, buffer, offset, lf->type);
    switch (lf->type) {
    case MICA_INVALID_ROOT:
        return i;
    case MICA_MISSING_CAPABILITY:
        return set_mr(receiver, buffer, offset + 1, lf->bits_left);
    case MICA_DEPTH_MISMATCH:
        set_mr(receiver, buffer, offset + 1, lf->bits_left);
        return set_mr(receiver, buffer, offset + 2, lf->bits_found);
    case MICA_GUARD_MISMATCH:
        set_mr(receiver, buffer, offset + 1, lf->bits_left);
        set_mr(receiver, buffer, offset + 2, lf->guard_found);
        return set_mr(receiver, buffer, offset + 3, lf->bits_found);
    default:
        return i;
    }
}

/* seL4: setMRs_fault - the fault message, in the layouts of docs/api.md "Faults". */
word_t set_mrs_fault(paddr_t sender, paddr_t receiver, word_t *buffer)
{
    tcb_t *sp = tcb_ptr(sender);
    switch (sp->fault.type) {
    case MICA_FAULT_CAP:
        set_mr(receiver, buffer, MICA_CAP_FAULT_IP, user_pc(sender));
        set_mr(receiver, buffer, MICA_CAP_FAULT_ADDR, sp->fault.w[0]);
        set_mr(receiver, buffer, MICA_CAP_FAULT_IN_RECV_PHASE, sp->fault.w[1]);
        return set_mrs_lookup_failure(receiver, buffer, &sp->lookup_failure,
                                      MICA_CAP_FAULT_LOOKUP_FAILURE_TYPE);
    case MICA_FAULT_UNKNOWN_SYSCALL:
        for (unsigned i = 0; i < 8; i++)
            set_mr(receiver, buffer, i, sp->regs[REG_R0 + i]);
        set_mr(receiver, buffer, MICA_UNKNOWN_SYSCALL_FAULT_IP, user_pc(sender));
        set_mr(receiver, buffer, MICA_UNKNOWN_SYSCALL_SP, sp->regs[REG_SP]);
        set_mr(receiver, buffer, MICA_UNKNOWN_SYSCALL_FLAGS, 0);
        return set_mr(receiver, buffer, MICA_UNKNOWN_SYSCALL_SYSCALL, sp->fault.w[0]);
    case MICA_FAULT_USER_EXCEPTION:
        set_mr(receiver, buffer, MICA_USER_EXCEPTION_IP, sp->fault.w[2]);
        set_mr(receiver, buffer, MICA_USER_EXCEPTION_SP, sp->fault.w[3]);
        set_mr(receiver, buffer, MICA_USER_EXCEPTION_FLAGS, 0);
        set_mr(receiver, buffer, MICA_USER_EXCEPTION_NUMBER, sp->fault.w[0]);
        return set_mr(receiver, buffer, MICA_USER_EXCEPTION_CODE, sp->fault.w[1]);
    case MICA_FAULT_VM:
        set_mr(receiver, buffer, MICA_VM_FAULT_IP, sp->fault.w[3]);
        set_mr(receiver, buffer, MICA_VM_FAULT_ADDR, sp->fault.w[0]);
        set_mr(receiver, buffer, MICA_VM_FAULT_PREFETCH, sp->fault.w[1]);
        return set_mr(receiver, buffer, MICA_VM_FAULT_FSR, sp->fault.w[2]);
    default:
        kfail("invalid fault type");
    }
}

/* seL4: handleFaultReply - true when the faulting thread should restart. */
bool handle_fault_reply(paddr_t receiver, paddr_t sender)
{
    tcb_t *rp = tcb_ptr(receiver);
    word_t info = get_register(sender, REG_INFO);
    mica_msginfo_t tag = { { info } };
    word_t label = mica_msginfo_get_label(tag);
    word_t len = mica_msginfo_get_length(tag);
    word_t *buf = lookup_ipc_buffer(false, sender);

    switch (rp->fault.type) {
    case MICA_FAULT_CAP:
    case MICA_FAULT_VM:
        return true;
    case MICA_FAULT_UNKNOWN_SYSCALL:
        for (unsigned i = 0; i < 8 && i < len; i++)
            rp->regs[REG_R0 + i] = get_mr(sender, buf, i);
        if (len > MICA_UNKNOWN_SYSCALL_SP)
            rp->regs[REG_SP] = get_mr(sender, buf, MICA_UNKNOWN_SYSCALL_SP);
        return label == 0;
    case MICA_FAULT_USER_EXCEPTION:
        if (len > MICA_USER_EXCEPTION_SP)
            rp->regs[REG_SP] = get_mr(sender, buf, MICA_USER_EXCEPTION_SP);
        return label == 0;
    default:
        kfail("invalid fault type");
    }
}
