/*
 * object/tcb.c - thread control blocks and their invocations
 * (seL4: object/tcb.c, kernel/thread.c suspend/restart).
 *
 * Registers: pc is the host entry function, and a thread parked in the
 * kernel (blocked in a system call, ready to continue after one, or
 * preempted) is a host context suspended mid-function, which no address
 * names. So a task reads such a thread's pc as MICA_RESUME_PC ("continue
 * where it is"); writing that back keeps the parked context, and writing
 * any other pc - its entry function included - starts the thread afresh at
 * pc with r0..r3 as arguments when it next runs, as seL4 resumes a thread
 * at whatever pc was written (invokeTCB_WriteRegisters: setNextPC of the
 * restart pc). A thread stopped by a trap reads its trap address, and
 * writing that back lets it retry. A thread that never ran or whose entry
 * returned reads back the pc last written. Writing the other registers of
 * a parked thread changes what its pending system call returns.
 *
 * Two register layouts (the arch_flags of Read/Write/CopyRegisters):
 * mica_user_context_t's 11 words, or with MICA_ARCH_FLAGS_SEL4_X86_64
 * seL4_UserContext's 20 x86_64 words, whose extra nine live in tcb_t.xregs.
 */
#include "object.h"
#include "../cdt.h"
#include "../cspace.h"
#include "../ipc.h"
#include "../objecttype.h"
#include "../thread.h"

/* Register numbers here: 0..N_REGS-1 index tcb_t.regs, N_REGS + XREG_* tcb_t.xregs. */
#define XR(x) (N_REGS + (x))

/* A register layout: the order of a task's words, split as CopyRegisters transfers them. */
typedef struct reg_layout {
    unsigned n_frame, n_gp;
    uint8_t reg[20];
    bool sel4_x86_64;       /* sanitise written values as seL4 x86_64 does */
} reg_layout_t;

/* mica_user_context_t: frame = pc, sp, r0..r7; integer = tls. */
static const reg_layout_t mica_layout = {
    10, 1,
    { REG_PC, REG_SP, REG_R0, REG_R1, REG_R2, REG_R3, REG_R4, REG_R5, REG_R6, REG_R7, REG_TLS },
    false
};

/* seL4_UserContext on x86_64 (seL4: frameRegisters, gpRegisters in arch/x86/64/machine/registerset.c). */
static const reg_layout_t x86_64_layout = {
    18, 2,
    { REG_PC, REG_SP, XR(XREG_RFLAGS), XR(XREG_RAX), XR(XREG_RBX), REG_R3, REG_R2, REG_R1, REG_R0,
      XR(XREG_RBP), REG_R4, REG_R5, REG_R6, REG_R7, XR(XREG_R12), XR(XREG_R13), XR(XREG_R14),
      XR(XREG_R15), REG_TLS, XR(XREG_GS_BASE) },
    true
};

/* seL4: Arch_decodeTransfer - the layout arch_flags (MR0 bits 8..15) ask for. */
static const reg_layout_t *layout_of(word_t flags)
{
    return ((flags >> 8) & MICA_ARCH_FLAGS_SEL4_X86_64) ? &x86_64_layout : &mica_layout;
}

/* x86 rflags bits (seL4: cpu_registers.h FLAGS_*) */
#define RFLAGS_HIGH 0x2u        /* always 1 */
#define RFLAGS_LOW  0x28u       /* always 0 */
#define RFLAGS_TF   0x100u
#define RFLAGS_IF   0x200u
#define RFLAGS_MASK 0xfffu

/* seL4: sanitiseRegister + Mode_sanitiseRegister (x86_64) */
static word_t sanitise_x86_64(unsigned r, word_t v)
{
    if (r == REG_PC || r == REG_TLS || r == XR(XREG_GS_BASE)) {
        /* a non-canonical address: no guess at what was meant, so 0 */
        if (v > 0x00007ffffffffffful && v < 0xffff800000000000ul)
            v = 0;
    } else if (r == XR(XREG_RFLAGS)) {
        v = ((v | RFLAGS_HIGH | RFLAGS_IF) & ~(word_t)(RFLAGS_LOW | RFLAGS_TF)) & RFLAGS_MASK;
    }
    return v;
}

void tcb_init_object(paddr_t t)
{
    tcb_t *tp = tcb_ptr(t);
    tp->state.type = MICA_THREAD_INACTIVE;
    tp->time_slice = next_timeslice();
    tp->ctx = -1;
    tp->flags = TCB_FLAG_START;
    tp->affinity = ks.cur_cpu;      /* seL4: createObject - the CPU that made it */
    tp->xregs[XREG_RFLAGS] = X86_RFLAGS_INIT;
    kformat(tp->name, sizeof tp->name, "tcb%lu", (unsigned long)++ks.tcbs_made);
}

/* The TCB's last cap is going: release what the host holds for it. */
void tcb_destroy(paddr_t t)
{
    tcb_t *tp = tcb_ptr(t);
    remote_tcb_stall(t);
    for (unsigned c = 0; c < ks.num_cpus; c++)
        if (cpu_state(c)->stalled && cpu_state(c)->orphan == t)
            cpu_state(c)->orphan = 0;   /* its CPU drops the context when it parks it */
    tp->flags &= ~TCB_FLAG_STALLED;
    if (tp->ctx >= 0) {
        hw_ctx_free(tp->ctx);
        tp->ctx = -1;
    }
    tp->flags |= TCB_FLAG_START;
}

/* seL4: setupReplyMaster */
void setup_reply_master(paddr_t t)
{
    cte_t *slot = tcb_slot(t, TCB_REPLY);
    if (cap_is_null(slot->cap))
        cdt_insert_root(slot, cap_reply_new(t, true, true));
}

/* seL4: suspend */
void suspend(paddr_t t)
{
    remote_tcb_stall(t);
    cancel_ipc(t);
    /*
     * seL4: updateRestartPC. A Running thread has finished its last system
     * call (or is in task code): resumed, it goes on after that call instead
     * of making it again (syscall.c switch_to_current). A thread suspended
     * in Restart (its call not made yet, or itself suspending itself, as
     * seL4's decode sets Restart first) makes its call again; an exited one
     * has nowhere to go on to.
     */
    tcb_t *tp = tcb_ptr(t);
    if (thread_state(t) == MICA_THREAD_RUNNING && !(tp->flags & TCB_FLAG_EXITED))
        tp->flags |= TCB_FLAG_NEXT_PC;
    set_thread_state(t, MICA_THREAD_INACTIVE);
    tcb_sched_dequeue(t);
}

static bool is_stopped(paddr_t t)
{
    switch (thread_state(t)) {
    case MICA_THREAD_INACTIVE:
    case MICA_THREAD_BLOCKED_ON_NOTIFICATION:
    case MICA_THREAD_BLOCKED_ON_RECEIVE:
    case MICA_THREAD_BLOCKED_ON_SEND:
    case MICA_THREAD_BLOCKED_ON_REPLY:
        return true;
    default:
        return false;
    }
}

/* seL4: restart */
void restart(paddr_t t)
{
    if (is_stopped(t)) {
        cancel_ipc(t);
        setup_reply_master(t);
        set_thread_state(t, MICA_THREAD_RESTART);
        tcb_sched_enqueue(t);
        possible_switch_to(t);
    }
}

/*
 * A thread being resumed needs a host execution context, with its host
 * stack, to run on: it takes one now, so that a host with none left
 * (mica_config_t.max_threads, or the host's memory and mappings) fails the
 * invocation with NotEnoughMemory instead of the thread never starting.
 * seL4's Resume cannot fail; it has no such limit. The context stays the
 * thread's until its TCB is destroyed.
 */
static exception_t reserve_context(paddr_t t, const char *op)
{
    tcb_t *tp = tcb_ptr(t);
    if (tp->ctx >= 0)
        return EXCEPTION_NONE;
    int c = hw_ctx_alloc();
    if (c < 0)
        return host_limit_error(op, HOST_LIMIT_CONTEXTS);
    tp->ctx = c;
    return EXCEPTION_NONE;
}

/* A thread parked at a trap (kernel_fault), before it retries: its pc is the trap address. */
static bool at_trap(const tcb_t *tp)
{
    return (tp->flags & (TCB_FLAG_TRAPPED | TCB_FLAG_START)) == TCB_FLAG_TRAPPED;
}

/* A thread with a host context to continue: it started and its entry has not returned. */
static bool has_live_context(const tcb_t *tp)
{
    return !(tp->flags & (TCB_FLAG_START | TCB_FLAG_EXITED));
}

/* The pc a task sees for thread t (ReadRegisters, CopyRegisters, fault messages). */
word_t user_pc(paddr_t t)
{
    const tcb_t *tp = tcb_ptr(t);
    if (has_live_context(tp) && !at_trap(tp))
        return MICA_RESUME_PC;
    return tp->regs[REG_PC];
}

/* Register r (tcb_t.regs or, from N_REGS on, tcb_t.xregs) as a task reads it. */
static word_t read_user_reg(paddr_t t, unsigned r)
{
    if (r == REG_PC)
        return user_pc(t);
    return r < N_REGS ? tcb_ptr(t)->regs[r] : tcb_ptr(t)->xregs[r - N_REGS];
}

static void write_user_reg(paddr_t t, unsigned r, word_t v)
{
    tcb_t *tp = tcb_ptr(t);
    if (r >= N_REGS) {
        tp->xregs[r - N_REGS] = v;
        return;
    }
    if (r == REG_PC) {
        /* Go on where it is: the resume pc, or a trapped thread's own trap address. */
        if (has_live_context(tp) &&
            (v == MICA_RESUME_PC || (at_trap(tp) && v == tp->regs[REG_PC])))
            return;
        /*
         * Any other pc, even the entry it started at, starts it afresh there
         * (seL4 would run it from that pc; a parked thread's own pc is never
         * its entry). MICA_RESUME_PC for a thread with nothing to continue is
         * kept as written and refused when it would start (syscall.c).
         */
        if (tp->regs[REG_PC] != v)
            tp->flags &= ~TCB_FLAG_TRAP_PC;     /* a pc of the writer's choosing */
        tp->flags |= TCB_FLAG_START;
        tp->flags &= ~TCB_FLAG_EXITED;
    }
    tp->regs[r] = v;
}

static exception_t err(word_t type, const char *why)
{
    user_error("%s", why);
    ks.syscall_error.type = type;
    return EXCEPTION_SYSCALL_ERROR;
}

static exception_t truncated(const char *op, word_t length)
{
    user_error("%s: message of %lu words or its extra caps is too short", op, (unsigned long)length);
    ks.syscall_error.type = MICA_TRUNCATED_MESSAGE;
    return EXCEPTION_SYSCALL_ERROR;
}

/* seL4: checkPrio */
static exception_t check_prio(word_t prio, paddr_t auth)
{
    word_t mcp = tcb_ptr(auth)->mcp;
    if (prio > mcp) {
        user_error("priority %lu is above the authority's MCP %lu", (unsigned long)prio,
                   (unsigned long)mcp);
        ks.syscall_error.type = MICA_RANGE_ERROR;
        ks.syscall_error.range_min = MICA_MIN_PRIO;
        ks.syscall_error.range_max = mcp;
        return EXCEPTION_SYSCALL_ERROR;
    }
    return EXCEPTION_NONE;
}

/* seL4: checkValidIPCBuffer */
static exception_t check_valid_ipc_buffer(word_t vaddr, cap_t cap)
{
    if (cap_type(cap) != MICA_CAP_TYPE_FRAME)
        return err(MICA_ILLEGAL_OPERATION, "IPC buffer: the cap is not a frame");
    if (cap_frame_is_device(cap))
        return err(MICA_ILLEGAL_OPERATION, "IPC buffer: a device frame cannot be an IPC buffer");
    if (!IS_ALIGNED(vaddr, MICA_IPC_BUFFER_SIZE_BITS))
        return err(MICA_ALIGNMENT_ERROR, "IPC buffer: vaddr is not 1 KiB aligned");
    return EXCEPTION_NONE;
}

#define UPDATE_SPACE  1u
#define UPDATE_IPCBUF 2u

typedef struct thread_control {
    unsigned update;
    cptr_t fault_ep;
    cap_t croot;  cte_t *croot_slot;
    cap_t vroot;  cte_t *vroot_slot;
    word_t buffer_addr;
    cap_t buffer; cte_t *buffer_slot;
} thread_control_t;

/* seL4: invokeTCB_ThreadControl (space and IPC-buffer parts) */
static exception_t invoke_thread_control(paddr_t target, cte_t *slot, const thread_control_t *tc)
{
    cap_t tcap = cap_tcb_new(target);
    exception_t e;

    if (tc->update & UPDATE_SPACE) {
        tcb_ptr(target)->fault_handler = tc->fault_ep;
        cte_t *root = tcb_slot(target, TCB_CTABLE);
        if ((e = cte_delete(root, true)) != EXCEPTION_NONE)
            return e;
        if (same_object_as(tc->croot, tc->croot_slot->cap) && same_object_as(tcap, slot->cap))
            cte_insert(tc->croot, tc->croot_slot, root);
        root = tcb_slot(target, TCB_VTABLE);
        if ((e = cte_delete(root, true)) != EXCEPTION_NONE)
            return e;
        if (same_object_as(tc->vroot, tc->vroot_slot->cap) && same_object_as(tcap, slot->cap))
            cte_insert(tc->vroot, tc->vroot_slot, root);
    }
    if (tc->update & UPDATE_IPCBUF) {
        cte_t *bslot = tcb_slot(target, TCB_BUFFER);
        if ((e = cte_delete(bslot, true)) != EXCEPTION_NONE)
            return e;
        tcb_ptr(target)->ipc_buffer = tc->buffer_addr;
        if (tc->buffer_slot && same_object_as(tc->buffer, tc->buffer_slot->cap) &&
            same_object_as(tcap, slot->cap))
            cte_insert(tc->buffer, tc->buffer_slot, bslot);
        if (target == NODE.cur_thread)
            reschedule_required();
    }
    return EXCEPTION_NONE;
}

static exception_t decode_buffer(thread_control_t *tc, word_t addr, cte_t *slot)
{
    tc->buffer_addr = addr;
    tc->buffer_slot = slot;
    tc->buffer = slot->cap;
    if (addr == 0) {
        tc->buffer_slot = NULL;
        return EXCEPTION_NONE;
    }
    derive_cap_ret_t d = derive_cap(slot, slot->cap);
    if (d.status != EXCEPTION_NONE)
        return d.status;
    tc->buffer = d.cap;
    return check_valid_ipc_buffer(addr, d.cap);
}

/*
 * seL4: slotCapLongRunningDelete - would deleting the cap in slot be a
 * long-running (preemptible, zombie-making) delete: the last cap to a
 * CNode or a TCB, or a zombie.
 */
static bool slot_cap_long_running_delete(const cte_t *slot)
{
    if (cap_is_null(slot->cap) || !is_final_cap(slot))
        return false;
    switch (cap_type(slot->cap)) {
    case MICA_CAP_TYPE_TCB:
    case MICA_CAP_TYPE_ZOMBIE:
    case MICA_CAP_TYPE_CNODE:
        return true;
    default:
        return false;
    }
}

/* seL4: decodeSetSpace / decodeTCBConfigure, the CSpace and VSpace roots */
static exception_t decode_space(paddr_t target, thread_control_t *tc, word_t croot_data,
                                cte_t *cslot, word_t vroot_data, cte_t *vslot)
{
    cap_t c = cslot->cap, v = vslot->cap;
    /* Replacing a root whose deletion would be long-running is refused outright. */
    if (slot_cap_long_running_delete(tcb_slot(target, TCB_CTABLE)) ||
        slot_cap_long_running_delete(tcb_slot(target, TCB_VTABLE)))
        return err(MICA_ILLEGAL_OPERATION,
                   "TCB: the thread holds the last cap to its CSpace root (deleting it is long-running)");
    if (croot_data != 0)
        c = update_cap_data(false, croot_data, c);
    derive_cap_ret_t d = derive_cap(cslot, c);
    if (d.status != EXCEPTION_NONE)
        return d.status;
    if (cap_type(d.cap) != MICA_CAP_TYPE_CNODE)
        return err(MICA_ILLEGAL_OPERATION, "TCB: the CSpace root is not a CNode cap");
    tc->croot = d.cap;
    tc->croot_slot = cslot;
    if (vroot_data != 0)
        v = update_cap_data(false, vroot_data, v);
    d = derive_cap(vslot, v);
    if (d.status != EXCEPTION_NONE)
        return d.status;
    if (cap_type(d.cap) != MICA_CAP_TYPE_VSPACE)
        return err(MICA_ILLEGAL_OPERATION, "TCB: the VSpace root is not a VSpace cap");
    tc->vroot = d.cap;
    tc->vroot_slot = vslot;
    return EXCEPTION_NONE;
}

static exception_t auth_tcb(paddr_t *auth)
{
    cap_t a = ks.extra_caps[0]->cap;
    if (cap_type(a) != MICA_CAP_TYPE_TCB) {
        user_error("TCB: the authority is a %s cap, not a TCB", mica_cap_type_name(cap_type(a)));
        ks.syscall_error.type = MICA_INVALID_CAPABILITY;
        ks.syscall_error.invalid_cap_number = 1;
        return EXCEPTION_SYSCALL_ERROR;
    }
    *auth = cap_obj(a);
    return EXCEPTION_NONE;
}

/* seL4: invokeTCB_ReadRegisters */
static void invoke_read_registers(paddr_t src, bool suspend_source, word_t n,
                                  const reg_layout_t *lay, bool call, word_t *buffer)
{
    paddr_t cur = NODE.cur_thread;
    if (suspend_source)
        suspend(src);
    if (!call)
        return;
    word_t i;
    for (i = 0; i < n; i++)
        set_mr(cur, buffer, i, read_user_reg(src, lay->reg[i]));
    set_register(cur, REG_BADGE, 0);
    set_register(cur, REG_INFO, mica_msginfo_new(0, 0, 0, i > 4 && !buffer ? 4 : i).words[0]);
    set_thread_state(cur, MICA_THREAD_RUNNING);
}

/* seL4: the transferFrame/transferInteger loops of invokeTCB_CopyRegisters */
static void copy_regs(paddr_t dest, paddr_t src, const reg_layout_t *lay, unsigned from,
                      unsigned to)
{
    bool trap_pc = at_trap(tcb_ptr(src));
    for (unsigned i = from; i < to; i++)
        write_user_reg(dest, lay->reg[i], read_user_reg(src, lay->reg[i]));
    /* A trap address copied as the pc is still no entry function (syscall.c, TCB_FLAG_TRAP_PC). */
    if (from == 0 && trap_pc && (tcb_ptr(dest)->flags & TCB_FLAG_START) &&
        tcb_ptr(dest)->regs[REG_PC] == tcb_ptr(src)->regs[REG_PC])
        tcb_ptr(dest)->flags |= TCB_FLAG_TRAP_PC;
}

/* seL4: decodeTCBInvocation */
exception_t decode_tcb_invocation(word_t label, word_t length, cap_t cap, cte_t *slot,
                                  bool call, word_t *buffer)
{
    paddr_t t = cap_obj(cap);
    paddr_t cur = NODE.cur_thread;
    const char *op = mica_invocation_name(label);
    thread_control_t tc;
    exception_t e;

    memset(&tc, 0, sizeof tc);
    switch (label) {
    case MICA_TCB_READ_REGISTERS: {
        if (length < 2)
            return truncated(op, length);
        word_t flags = get_syscall_arg(0, buffer), n = get_syscall_arg(1, buffer);
        const reg_layout_t *lay = layout_of(flags);
        if (n < 1 || n > lay->n_frame + lay->n_gp) {
            user_error("TCB_ReadRegisters: count %lu is outside 1..%u", (unsigned long)n,
                       lay->n_frame + lay->n_gp);
            ks.syscall_error.type = MICA_RANGE_ERROR;
            ks.syscall_error.range_min = 1;
            ks.syscall_error.range_max = lay->n_frame + lay->n_gp;
            return EXCEPTION_SYSCALL_ERROR;
        }
        if (t == cur)
            return err(MICA_ILLEGAL_OPERATION, "TCB_ReadRegisters: a thread cannot read itself");
        set_thread_state(cur, MICA_THREAD_RESTART);
        remote_tcb_stall(t);    /* SMP: its registers are whole only when it is parked */
        invoke_read_registers(t, flags & 1, n, lay, call, buffer);
        return EXCEPTION_NONE;
    }
    case MICA_TCB_WRITE_REGISTERS: {
        if (length < 2)
            return truncated(op, length);
        word_t flags = get_syscall_arg(0, buffer), n = get_syscall_arg(1, buffer);
        const reg_layout_t *lay = layout_of(flags);
        if (length - 2 < n)
            return truncated(op, length);
        if (t == cur)
            return err(MICA_ILLEGAL_OPERATION, "TCB_WriteRegisters: a thread cannot write itself");
        if ((flags & 1) && (e = reserve_context(t, "TCB_WriteRegisters")) != EXCEPTION_NONE)
            return e;
        set_thread_state(cur, MICA_THREAD_RESTART);
        remote_tcb_stall(t);
        /* seL4: invokeTCB_WriteRegisters */
        if (n > lay->n_frame + lay->n_gp)
            n = lay->n_frame + lay->n_gp;
        for (word_t i = 0; i < n; i++) {
            unsigned r = lay->reg[i];
            word_t v = get_syscall_arg(i + 2, buffer);
            write_user_reg(t, r, lay->sel4_x86_64 ? sanitise_x86_64(r, v) : v);
        }
        if (flags & 1)
            restart(t);
        return EXCEPTION_NONE;
    }
    case MICA_TCB_COPY_REGISTERS: {
        if (length < 1 || ks.extra_caps[0] == NULL)
            return truncated(op, length);
        word_t flags = get_syscall_arg(0, buffer);
        const reg_layout_t *lay = layout_of(flags);
        cap_t src = ks.extra_caps[0]->cap;
        if (cap_type(src) != MICA_CAP_TYPE_TCB) {
            user_error("TCB_CopyRegisters: the source is not a TCB cap");
            ks.syscall_error.type = MICA_INVALID_CAPABILITY;
            ks.syscall_error.invalid_cap_number = 1;
            return EXCEPTION_SYSCALL_ERROR;
        }
        if ((flags & 2) && (e = reserve_context(t, "TCB_CopyRegisters")) != EXCEPTION_NONE)
            return e;
        set_thread_state(cur, MICA_THREAD_RESTART);
        paddr_t s = cap_obj(src);
        remote_tcb_stall(s);
        remote_tcb_stall(t);
        if (flags & 1)
            suspend(s);
        if (flags & 2)
            restart(t);
        if (flags & 4)
            copy_regs(t, s, lay, 0, lay->n_frame);
        if (flags & 8)
            copy_regs(t, s, lay, lay->n_frame, lay->n_frame + lay->n_gp);
        if (t == cur)
            reschedule_required();
        return EXCEPTION_NONE;
    }
    case MICA_TCB_CONFIGURE:
        if (length < 4 || !ks.extra_caps[0] || !ks.extra_caps[1] || !ks.extra_caps[2])
            return truncated(op, length);
        tc.fault_ep = get_syscall_arg(0, buffer);
        if ((e = decode_buffer(&tc, get_syscall_arg(3, buffer), ks.extra_caps[2])) != EXCEPTION_NONE)
            return e;
        if ((e = decode_space(t, &tc, get_syscall_arg(1, buffer), ks.extra_caps[0],
                              get_syscall_arg(2, buffer), ks.extra_caps[1])) != EXCEPTION_NONE)
            return e;
        tc.update = UPDATE_SPACE | UPDATE_IPCBUF;
        set_thread_state(cur, MICA_THREAD_RESTART);
        return invoke_thread_control(t, slot, &tc);
    case MICA_TCB_SET_SPACE:
        if (length < 3 || !ks.extra_caps[0] || !ks.extra_caps[1])
            return truncated(op, length);
        tc.fault_ep = get_syscall_arg(0, buffer);
        if ((e = decode_space(t, &tc, get_syscall_arg(1, buffer), ks.extra_caps[0],
                              get_syscall_arg(2, buffer), ks.extra_caps[1])) != EXCEPTION_NONE)
            return e;
        tc.update = UPDATE_SPACE;
        set_thread_state(cur, MICA_THREAD_RESTART);
        return invoke_thread_control(t, slot, &tc);
    case MICA_TCB_SET_IPC_BUFFER:
        if (length < 1 || !ks.extra_caps[0])
            return truncated(op, length);
        if ((e = decode_buffer(&tc, get_syscall_arg(0, buffer), ks.extra_caps[0])) != EXCEPTION_NONE)
            return e;
        tc.update = UPDATE_IPCBUF;
        set_thread_state(cur, MICA_THREAD_RESTART);
        return invoke_thread_control(t, slot, &tc);
    case MICA_TCB_SET_PRIORITY:
    case MICA_TCB_SET_MC_PRIORITY: {
        if (length < 1 || !ks.extra_caps[0])
            return truncated(op, length);
        word_t v = get_syscall_arg(0, buffer);
        paddr_t auth;
        if ((e = auth_tcb(&auth)) != EXCEPTION_NONE)
            return e;
        if ((e = check_prio(v, auth)) != EXCEPTION_NONE)
            return e;
        set_thread_state(cur, MICA_THREAD_RESTART);
        if (label == MICA_TCB_SET_PRIORITY)
            set_priority(t, v);
        else
            set_mcp(t, v);
        return EXCEPTION_NONE;
    }
    case MICA_TCB_SET_SCHED_PARAMS: {
        if (length < 2 || !ks.extra_caps[0])
            return truncated(op, length);
        word_t mcp = get_syscall_arg(0, buffer), prio = get_syscall_arg(1, buffer);
        paddr_t auth;
        if ((e = auth_tcb(&auth)) != EXCEPTION_NONE)
            return e;
        if ((e = check_prio(mcp, auth)) != EXCEPTION_NONE)
            return e;
        if ((e = check_prio(prio, auth)) != EXCEPTION_NONE)
            return e;
        set_thread_state(cur, MICA_THREAD_RESTART);
        set_mcp(t, mcp);
        set_priority(t, prio);
        return EXCEPTION_NONE;
    }
    case MICA_TCB_SUSPEND:
        set_thread_state(cur, MICA_THREAD_RESTART);
        suspend(t);
        return EXCEPTION_NONE;
    case MICA_TCB_RESUME:
        if ((e = reserve_context(t, "TCB_Resume")) != EXCEPTION_NONE)
            return e;
        set_thread_state(cur, MICA_THREAD_RESTART);
        restart(t);
        return EXCEPTION_NONE;
    case MICA_TCB_BIND_NOTIFICATION: {
        if (ks.extra_caps[0] == NULL)
            return truncated(op, length);
        if (tcb_ptr(t)->bound_notification)
            return err(MICA_ILLEGAL_OPERATION, "TCB_BindNotification: the TCB is already bound");
        cap_t nc = ks.extra_caps[0]->cap;
        if (cap_type(nc) != MICA_CAP_TYPE_NOTIFICATION)
            return err(MICA_ILLEGAL_OPERATION, "TCB_BindNotification: the cap is not a notification");
        if (!(cap_rights(nc) & RIGHT_READ))
            return err(MICA_ILLEGAL_OPERATION, "TCB_BindNotification: the notification cap lacks Read");
        notification_t *n = (notification_t *)paddr_to_ptr(cap_obj(nc));
        if ((n->head_state & ~3ull) != 0 || n->bound_tcb != 0)
            return err(MICA_ILLEGAL_OPERATION,
                       "TCB_BindNotification: the notification has waiters or is bound");
        set_thread_state(cur, MICA_THREAD_RESTART);
        bind_notification(t, cap_obj(nc));
        return EXCEPTION_NONE;
    }
    case MICA_TCB_UNBIND_NOTIFICATION:
        if (!tcb_ptr(t)->bound_notification)
            return err(MICA_ILLEGAL_OPERATION, "TCB_UnbindNotification: the TCB is not bound");
        set_thread_state(cur, MICA_THREAD_RESTART);
        unbind_notification(t);
        return EXCEPTION_NONE;
    case MICA_TCB_SET_AFFINITY: {
        if (length < 1)
            return truncated(op, length);
        word_t cpu = get_syscall_arg(0, buffer);
        if (cpu >= ks.num_cpus)
            return err(MICA_ILLEGAL_OPERATION, "TCB_SetAffinity: no such CPU");
        set_thread_state(cur, MICA_THREAD_RESTART);
        set_affinity(t, cpu);
        return EXCEPTION_NONE;
    }
    case MICA_TCB_SET_TLS_BASE:
        if (length < 1)
            return truncated(op, length);
        set_thread_state(cur, MICA_THREAD_RESTART);
        set_register(t, REG_TLS, get_syscall_arg(0, buffer));
        return EXCEPTION_NONE;
    default:
        user_error("TCB: label %lu (%s) is not a TCB operation", (unsigned long)label, op);
        ks.syscall_error.type = MICA_ILLEGAL_OPERATION;
        return EXCEPTION_SYSCALL_ERROR;
    }
}
