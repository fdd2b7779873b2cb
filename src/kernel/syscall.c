/*
 * syscall.c - kernel entry and exit (seL4: api/syscall.c, kernel/thread.c
 * activateThread).
 *
 * A task traps by calling kernel_syscall() on its own host stack (a thread
 * whose stack is in its VSpace first switches to its host kernel stack,
 * sim/ctx.c). The kernel runs there; when the scheduler picks another
 * thread it switches host contexts, and this thread's call returns only
 * when it is scheduled again.
 * A thread left in Restart re-executes its system call, exactly as seL4
 * rewinds the PC - unless it was suspended after completing the call
 * (TCB_FLAG_NEXT_PC, seL4's updateRestartPC): then it goes on after it.
 */
#include "cdt.h"
#include "cspace.h"
#include "ipc.h"
#include "objecttype.h"
#include "thread.h"
#include "trace.h"
#include "invariants.h"
#include "object/object.h"


/* --- message registers ---------------------------------------------------- */

word_t get_syscall_arg(word_t i, const word_t *buffer)
{
    if (i < MICA_FAST_MESSAGE_REGISTERS)
        return get_register(NODE.cur_thread, REG_MR0 + (unsigned)i);
    kassert(buffer != NULL);
    return buffer[IPCBUF_MSG + i];
}

/* seL4: setMR - returns the message length so far. */
word_t set_mr(paddr_t t, word_t *buffer, word_t offset, word_t v)
{
    if (offset < MICA_FAST_MESSAGE_REGISTERS) {
        set_register(t, REG_MR0 + (unsigned)offset, v);
        return offset + 1;
    }
    if (!buffer)
        return MICA_FAST_MESSAGE_REGISTERS;
    buffer[IPCBUF_MSG + offset] = v;
    return offset + 1;
}

word_t get_mr(paddr_t t, const word_t *buffer, word_t i)
{
    if (i < MICA_FAST_MESSAGE_REGISTERS)
        return get_register(t, REG_MR0 + (unsigned)i);
    return buffer ? buffer[IPCBUF_MSG + i] : 0;
}

/* seL4: lookupExtraCaps */
exception_t lookup_extra_caps(paddr_t thread, word_t *buffer, word_t info)
{
    mica_msginfo_t tag = { { info } };
    word_t n = mica_msginfo_get_extra_caps(tag), i;
    if (!buffer) {
        ks.extra_caps[0] = NULL;
        return EXCEPTION_NONE;
    }
    for (i = 0; i < n; i++) {
        cptr_t cptr = buffer[IPCBUF_CAPS + i];
        lookup_slot_ret_t lu = lookup_slot(thread, cptr);
        if (lu.status != EXCEPTION_NONE) {
            fault_cap(cptr, false);
            return lu.status;
        }
        ks.extra_caps[i] = lu.slot;
    }
    if (i < MICA_MSG_MAX_EXTRA_CAPS)
        ks.extra_caps[i] = NULL;
    return EXCEPTION_NONE;
}

/* seL4: setMRs_syscall_error + replyFromKernel_error */
static void reply_from_kernel_error(paddr_t t)
{
    word_t *buf = lookup_ipc_buffer(true, t);
    syscall_error_t *e = &ks.syscall_error;
    word_t len = 0;

    switch (e->type) {
    case MICA_INVALID_ARGUMENT:
        len = set_mr(t, buf, 0, e->invalid_argument_number);
        break;
    case MICA_INVALID_CAPABILITY:
        len = set_mr(t, buf, 0, e->invalid_cap_number);
        break;
    case MICA_RANGE_ERROR:
        set_mr(t, buf, 0, e->range_min);
        len = set_mr(t, buf, 1, e->range_max);
        break;
    case MICA_FAILED_LOOKUP:
        set_mr(t, buf, 0, e->failed_lookup_was_source ? 1 : 0);
        len = set_mrs_lookup_failure(t, buf, &ks.lookup_fault, 1);
        break;
    case MICA_NOT_ENOUGH_MEMORY:
        len = set_mr(t, buf, 0, e->memory_left);
        break;
    default:
        break;
    }
    set_register(t, REG_BADGE, 0);
    set_register(t, REG_INFO, mica_msginfo_new(e->type, 0, 0, len).words[0]);
}

/* --- system calls ----------------------------------------------------------- */

/* seL4: handleInvocation */
static void handle_invocation(bool is_call, bool is_blocking)
{
    paddr_t t = NODE.cur_thread;
    word_t info = get_register(t, REG_INFO);
    cptr_t cptr = get_register(t, REG_CAP);
    mica_msginfo_t tag = { { info } };

    ks.count.invocations++;
    lookup_slot_ret_t lu = lookup_slot(t, cptr);
    if (lu.status != EXCEPTION_NONE) {
        user_error("invocation of cptr %lu: it does not resolve in the caller's CSpace",
                   (unsigned long)cptr);
        fault_cap(cptr, false);
        if (is_blocking)
            handle_fault(t);
        return;
    }
    word_t *buffer = lookup_ipc_buffer(false, t);
    if (lookup_extra_caps(t, buffer, info) != EXCEPTION_NONE) {
        user_error("invocation of cptr %lu: an extra cap does not resolve", (unsigned long)cptr);
        if (is_blocking)
            handle_fault(t);
        return;
    }
    word_t length = mica_msginfo_get_length(tag);
    if (length > MICA_FAST_MESSAGE_REGISTERS && !buffer)
        length = MICA_FAST_MESSAGE_REGISTERS;
    if (length > MICA_MSG_MAX_LENGTH)
        length = MICA_MSG_MAX_LENGTH;

    word_t label = mica_msginfo_get_label(tag);
    memset(&ks.syscall_error, 0, sizeof ks.syscall_error);
    exception_t status = decode_invocation(label, length, cptr, lu.slot, lu.slot->cap,
                                           is_blocking, is_call, buffer);
    if (status == EXCEPTION_SYSCALL_ERROR) {
        /* A probe of the user library that failed as it expected is no failure. */
        unsigned marks = hw_task_marks(tcb_ptr(t)->ctx);
        bool expected = (marks & HW_MARK_EXPECT_ERROR) && marks >> 8 == ks.syscall_error.type;
        if (!expected)
            ks.count.invocation_errors++;
        else
            ks.count.expected_errors++;
        trace_error(t, cptr, label, ks.syscall_error.type, expected);
        if (is_call)
            reply_from_kernel_error(t);
        return;
    }
    if (thread_state(t) == MICA_THREAD_RESTART) {
        if (is_call) {
            set_register(t, REG_BADGE, 0);
            set_register(t, REG_INFO, 0);
        }
        set_thread_state(t, MICA_THREAD_RUNNING);
    }
}

/* seL4: handleRecv (non-MCS) */
static void handle_recv(bool is_blocking)
{
    paddr_t t = NODE.cur_thread;
    cptr_t cptr = get_register(t, REG_CAP);

    lookup_slot_ret_t lu = lookup_slot(t, cptr);
    if (lu.status != EXCEPTION_NONE) {
        fault_cap(cptr, true);
        handle_fault(t);
        return;
    }
    cap_t cap = lu.slot->cap;
    switch (cap_type(cap)) {
    case MICA_CAP_TYPE_ENDPOINT:
        if (!(cap_rights(cap) & RIGHT_READ)) {
            user_error("receive on endpoint cptr %lu without Read right", (unsigned long)cptr);
            break;
        }
        delete_caller_cap(t);
        receive_ipc(t, cap, is_blocking);
        return;
    case MICA_CAP_TYPE_NOTIFICATION: {
        paddr_t bound = ((notification_t *)paddr_to_ptr(cap_obj(cap)))->bound_tcb;
        if (!(cap_rights(cap) & RIGHT_READ) || (bound && bound != t)) {
            user_error("wait on notification cptr %lu: %s", (unsigned long)cptr,
                       !(cap_rights(cap) & RIGHT_READ) ? "no Read right"
                                                       : "bound to another thread");
            break;
        }
        receive_signal(t, cap, is_blocking);
        return;
    }
    default:
        user_error("receive on cptr %lu, a %s cap", (unsigned long)cptr,
                   mica_cap_type_name(cap_type(cap)));
        break;
    }
    lookup_fault_missing_capability(0);
    fault_cap(cptr, true);
    handle_fault(t);
}

/* seL4: handleReply (non-MCS) */
static void handle_reply(void)
{
    paddr_t t = NODE.cur_thread;
    cte_t *slot = tcb_slot(t, TCB_CALLER);
    cap_t cap = slot->cap;
    switch (cap_type(cap)) {
    case MICA_CAP_TYPE_REPLY: {
        if (cap_reply_is_master(cap))
            break;
        paddr_t caller = cap_obj(cap);
        kassert(caller != t);
        do_reply_transfer(t, caller, slot, cap_reply_can_grant(cap));
        break;
    }
    case MICA_CAP_TYPE_NULL:
        break;
    default:
        kfail("handleReply: invalid caller cap");
    }
}

static void debug_name_thread(paddr_t t)
{
    lookup_slot_ret_t lu = lookup_slot(t, get_register(t, REG_CAP));
    word_t *buf = lookup_ipc_buffer(false, t);
    if (lu.status != EXCEPTION_NONE || cap_type(lu.slot->cap) != MICA_CAP_TYPE_TCB || !buf) {
        user_error("mica_debug_name_thread: the cptr is not a TCB cap (or no IPC buffer)");
        return;
    }
    tcb_t *target = tcb_ptr(cap_obj(lu.slot->cap));
    const char *name = (const char *)&buf[IPCBUF_MSG];
    size_t i;
    for (i = 0; i + 1 < sizeof target->name && name[i]; i++)
        target->name[i] = name[i];
    target->name[i] = 0;
}

static void dump_scheduler(void)
{
    hw_log("scheduler: current '%s', ready priorities:",
           NODE.cur_thread == NODE.idle_thread ? "idle" : tcb_ptr(NODE.cur_thread)->name);
    for (int p = NUM_PRIO - 1; p >= 0; p--)
        for (paddr_t t = NODE_RQ.ready_head[p]; t; t = tcb_ptr(t)->sched_next)
            hw_log("  prio %3d: '%s' (%s)", p, tcb_ptr(t)->name,
                   mica_thread_state_name((mica_thread_state_t)thread_state(t)));
}

/* Threads other than t that are ready or running on any CPU (for the root task's return). */
static unsigned others_ready_or_running(paddr_t t)
{
    unsigned n = 0;
    for (unsigned c = 0; c < ks.num_cpus; c++) {
        ks_cpu_t *k = cpu_state(c);
        if (c != ks.cur_cpu && k->cur_thread != k->idle_thread && k->cur_thread != t)
            n++;
        for (unsigned p = 0; p < NUM_PRIO; p++)
            for (paddr_t q = ks.rq[c].ready_head[p]; q; q = tcb_ptr(q)->sched_next)
                n += q != t;
    }
    return n;
}

/*
 * A thread's entry function returned: it becomes Inactive. For the root
 * task that is legal while other threads run on, as on seL4 (its frames
 * stay where they are: the kernel frames on its host kernel stack, its
 * VSpace stack mapped until someone unmaps it); the trace, the log and
 * --stats say so.
 */
static void thread_exit(paddr_t t)
{
    tcb_ptr(t)->exits++;
    tcb_ptr(t)->flags |= TCB_FLAG_EXITED;
    suspend(t);
    if (t != ks.root_tcb) {
        trace_exit(t, NULL);
        return;
    }
    unsigned others = others_ready_or_running(t);
    char detail[128];
    kformat(detail, sizeof detail, "the root task returned; %u other thread%s ready or running run%s on",
            others, others == 1 ? "" : "s", others == 1 ? "s" : "");
    trace_exit(t, detail);
    hw_root_returned(ks.time, others);
}

/* seL4: handleUnknownSyscall, including the debug calls. */
static void handle_unknown_syscall(word_t sysno)
{
    paddr_t t = NODE.cur_thread;
    switch ((long)sysno) {
    case MICA_SYS_DEBUG_PUT_CHAR:
        hw_putchar((int)(get_register(t, REG_R0) & 0xff));
        return;
    case MICA_SYS_DEBUG_HALT:
        kernel_stop(MICA_STOP_HALT, "thread '%s' called mica_debug_halt", tcb_ptr(t)->name);
        return;
    case MICA_SYS_DEBUG_CAP_IDENTIFY: {
        lookup_slot_ret_t lu = lookup_slot(t, get_register(t, REG_R0));
        set_register(t, REG_R0, lu.status == EXCEPTION_NONE ? cap_type(lu.slot->cap) : 0);
        return;
    }
    case MICA_SYS_DEBUG_NAME_THREAD:
        debug_name_thread(t);
        return;
    case MICA_SYS_DEBUG_DUMP_SCHEDULER:
        dump_scheduler();
        return;
    case MICA_SYS_DEBUG_SNAPSHOT:
        return;
    case MICA_SYS_DEBUG_USAGE: {
        /* Into the caller's message registers, from MR0: mica_usage_t's words. */
        word_t *buf = lookup_ipc_buffer(true, t);
        if (!buf) {
            user_error("mica_debug_usage: the thread has no IPC buffer");
            set_register(t, REG_R0, 1);
            return;
        }
        kernel_usage(&buf[IPCBUF_MSG]);
        set_register(t, REG_R0, 0);
        return;
    }
    case MICA_SYS_THREAD_EXIT:
        thread_exit(t);
        return;
    default:
        fault_unknown_syscall(sysno);
        handle_fault(t);
        return;
    }
}

/* seL4: handleSyscall */
static void handle_syscall(word_t sysno)
{
    long n = (long)sysno;
    if (n <= -1 && n >= -15)
        ks.count.syscalls[-n]++;
    switch (n) {
    case MICA_SYS_SEND:
        handle_invocation(false, true);
        break;
    case MICA_SYS_NBSEND:
        handle_invocation(false, false);
        break;
    case MICA_SYS_CALL:
        handle_invocation(true, true);
        break;
    case MICA_SYS_RECV:
        handle_recv(true);
        break;
    case MICA_SYS_NBRECV:
        handle_recv(false);
        break;
    case MICA_SYS_REPLY:
        handle_reply();
        break;
    case MICA_SYS_REPLY_RECV:
        handle_reply();
        handle_recv(true);
        break;
    case MICA_SYS_YIELD:
        handle_yield();
        break;
    default:
        handle_unknown_syscall(sysno);
        break;
    }
}

/* A reschedule IPI from another CPU (seL4: handleIPI -> rescheduleRequired). */
static inline void take_ipi(void)
{
    if (unlikely(ks.num_cpus > 1) && unlikely(NODE.resched)) {
        NODE.resched = 0;
        reschedule_required();
    }
}

/*
 * Advance time at a kernel entry: one tick (virtual clock) or the timer's
 * ticks; then run the device events that are due (seL4: the interrupts an
 * entry takes). With none due this costs one compare.
 */
static inline void clock_tick(void)
{
    take_ipi();
    if (likely(!hw_clock_real)) {
        ks.time++;
        timer_tick();
    } else {
        for (hw_word_t n = hw_clock_take_ticks(); n; n--) {
            ks.time++;
            timer_tick();
        }
    }
    if (unlikely(ks.time >= hw_event_due))
        hw_device_events();
}

/*
 * Every CPU is idle: if a device event is pending, let time pass up to it
 * (hw_idle_wait) and take it as an interrupt - a kernel entry of the idle
 * thread, one tick - so that what it wakes runs. false when no event is
 * pending: the system can make no more progress.
 */
static bool idle_take_event(void)
{
    if (ks.stopped || !hw_idle_wait())
        return false;
    ks.count.kernel_entries++;
    if (unlikely(ks.num_cpus > 1))
        NODE.entries++;
    clock_tick();
    if (NODE.sched_action == SCHED_RESUME_CURRENT)
        NODE.sched_action = SCHED_CHOOSE_NEW;   /* the idle thread looks for work */
    return true;
}

/* --- leaving the kernel ------------------------------------------------------- */

static int ctx_of(paddr_t t)
{
    return t == NODE.idle_thread ? NODE.idle_ctx : tcb_ptr(t)->ctx;
}

/*
 * Make NODE.cur_thread run: start it afresh if its registers say so, then
 * switch host contexts from `from`. Returns when `from` runs again.
 */
static void switch_to_current(paddr_t from_thread, int from)
{
    ks_cpu_t *nd = &NODE;     /* this CPU, until the switch at the end */
    for (;;) {
        paddr_t n = nd->cur_thread;
        if (ks.stopped && n != nd->idle_thread) {
            nd->cur_thread = nd->idle_thread;
            continue;
        }
        bool started = false;
        if (n != nd->idle_thread) {
            tcb_t *tp = tcb_ptr(n);
            if (tp->flags & TCB_FLAG_START) {
                if (tp->ctx < 0)
                    tp->ctx = hw_ctx_alloc();
                /*
                 * A pc that is where some thread trapped (copied by
                 * CopyRegisters) is the middle of a host function: started
                 * there on a fresh stack with none of that thread's host
                 * registers, the thread wrote through garbage pointers into
                 * the simulator (found by mica-fuzz; test_regressions.c
                 * copied_trap_registers_do_not_start_a_thread_mid_function).
                 * Only the trapped thread itself can go on from there.
                 */
                /*
                 * MICA_RESUME_PC names a parked context, and this thread has
                 * none to continue (it never ran, or its entry returned).
                 */
                if (tp->ctx < 0 || tp->regs[REG_PC] == 0 || tp->regs[REG_PC] == MICA_RESUME_PC ||
                    (tp->flags & TCB_FLAG_TRAP_PC)) {
                    hw_log("thread '%s' cannot start: %s", tp->name,
                           tp->ctx < 0 ? hw_refusal()
                           : tp->regs[REG_PC] == 0 ? "its pc is 0"
                           : tp->regs[REG_PC] == MICA_RESUME_PC
                               ? "its pc is MICA_RESUME_PC, but it has no parked context to "
                                 "resume (it never ran, or its entry function returned)"
                           : "its pc is where a thread trapped, not an entry function");
                    set_thread_state(n, MICA_THREAD_INACTIVE);
                    nd->sched_action = SCHED_CHOOSE_NEW;
                    schedule();
                    continue;
                }
                cap_t stack_vs = tcb_slot(n, TCB_VTABLE)->cap;
                if (!hw_ctx_stack_usable(cap_type(stack_vs) == MICA_CAP_TYPE_VSPACE ? cap_obj(stack_vs) : 0,
                                         tp->regs[REG_SP])) {
                    /*
                     * Its stack top is not mapped writable. On seL4 its first
                     * push would fault; here the machine writes the first
                     * frame itself, in the kernel, which crashed the
                     * simulator (found by mica-fuzz; test_regressions.c
                     * a_thread_started_on_an_unmapped_stack_gets_a_vm_fault).
                     * So the kernel raises that VM fault now (a user-mode
                     * write, x86 error code 6) and the thread stays unstarted
                     * until its handler replies.
                     */
                    ks.fault = (fault_t){ MICA_FAULT_VM, { tp->regs[REG_SP] - sizeof(word_t), 0, 6,
                                                           tp->regs[REG_PC] } };
                    memset(&ks.lookup_fault, 0, sizeof ks.lookup_fault);
                    tcb_sched_dequeue(n);
                    handle_fault(n);
                    reschedule_required();  /* keeps a switch target the fault IPC chose */
                    schedule();
                    continue;
                }
                tp->flags &= ~(TCB_FLAG_START | TCB_FLAG_TRAPPED | TCB_FLAG_NEXT_PC);
                if (tp->state.type == MICA_THREAD_RESTART)
                    tp->state.type = MICA_THREAD_RUNNING;
                hw_word_t args[4] = { tp->regs[REG_R0], tp->regs[REG_R1], tp->regs[REG_R2],
                                      tp->regs[REG_R3] };
                cap_t vs = tcb_slot(n, TCB_VTABLE)->cap;
                hw_ctx_start(tp->ctx, tp->regs[REG_PC],
                             cap_type(vs) == MICA_CAP_TYPE_VSPACE ? cap_obj(vs) : 0,
                             tp->regs[REG_SP], args);
                started = true;
            } else if (tp->flags & (TCB_FLAG_TRAPPED | TCB_FLAG_NEXT_PC)) {
                /*
                 * seL4's activateThread, for a thread whose restart pc is
                 * not its system call: stopped by a trap, it retries the
                 * instruction; suspended after a completed call (suspend,
                 * updateRestartPC), it goes on after it. Running, its
                 * kernel entry returns to task code instead of making the
                 * call again (kernel_syscall).
                 */
                if (tp->state.type == MICA_THREAD_RESTART)
                    tp->state.type = MICA_THREAD_RUNNING;
                tp->flags &= ~(TCB_FLAG_TRAPPED | TCB_FLAG_NEXT_PC);
            }
        }
        int to = ctx_of(n);
        if (to != from || started) {
            ks.count.context_switches++;
            if (unlikely(ks.num_cpus > 1))
                nd->switches++;    /* one CPU: ks.count has it */
            trace_switch(from_thread, n);
            hw_ctx_switch(from, to);
        }
        return;
    }
}

/* Interrupt the CPUs this kernel entry asked to reschedule (seL4: doMaskReschedule). */
static void send_ipis(void)
{
    word_t m = ks.ipi_pending;
    ks.ipi_pending = 0;
    for (unsigned c = 0; c < ks.num_cpus; c++) {
        if (!(m & BIT(c)) || c == ks.cur_cpu)
            continue;
        cpu_state(c)->resched = 1;
        cpu_state(c)->ipis++;
        ks.idle_mask &= ~BIT(c);    /* it has work now, even before it wakes */
        hw_ipi(c);
    }
}

/* Finish a kernel entry: schedule, check invariants, leave for whoever runs. */
static void kernel_exit(paddr_t from_thread, int from)
{
    schedule();
    if (ks.check == MICA_CHECK_EACH_ENTRY && !ks.stopped)
        kernel_check_invariants();
    if (ks.time_limit && ks.time >= ks.time_limit)
        kernel_stop(MICA_STOP_TIME_LIMIT, "the time limit of %lu ticks passed",
                    (unsigned long)ks.time_limit);
    if (unlikely(ks.ipi_pending))
        send_ipis();
    switch_to_current(from_thread, from);
}

/*
 * SMP: the context entering the kernel on this CPU belongs to a thread
 * another CPU took away (sched.c remote_tcb_stall). Park it here, as if it
 * had been preempted just before this entry: queue its thread again if it
 * is still runnable, and run whatever this CPU should run. Returns when
 * the thread is scheduled again (with the kernel on that CPU), or never if
 * it was deleted. regs: the system call it was making, NULL for a trap.
 */
static void park_stalled(const hw_word_t *regs)
{
    paddr_t t = NODE.orphan;
    int ctx = NODE.stalled_ctx;
    NODE.stalled = 0;
    NODE.orphan = 0;
    NODE.stalled_ctx = -1;
    if (t) {
        tcb_t *tp = tcb_ptr(t);
        tp->flags &= ~TCB_FLAG_STALLED;
        if (regs)
            for (unsigned i = 0; i < 8; i++)
                tp->regs[REG_R0 + i] = regs[i];
        if (is_runnable(t))
            possible_switch_to(t);
    }
    kernel_exit(NODE.idle_thread, ctx);
}

/* Every entry: which CPU holds the lock; a stalled thread's context parks first. */
static inline bool smp_entry(const hw_word_t *regs)
{
    set_cur_cpu(hw_cpu_id());
    NODE.entries++;
    if (likely(!NODE.stalled))
        return false;
    ks.count.kernel_entries++;
    ks.count.untimed_entries++;
    park_stalled(regs);
    return true;
}

void kernel_syscall(hw_word_t regs[8])
{
    if (unlikely(ks.num_cpus > 1) && smp_entry(regs)) {
        /* Parked and now scheduled again: make the system call it was making. */
        NODE.entries++;         /* the loop below counts an entry: this CPU's too */
        tcb_t *tp = tcb_ptr(NODE.cur_thread);
        if (tp->state.type == MICA_THREAD_RESTART)
            tp->state.type = MICA_THREAD_RUNNING;
    }
    ks_cpu_t *nd = &NODE;     /* the CPU we entered on; again after each exit */
    paddr_t me = nd->cur_thread;
    tcb_t *tp = tcb_ptr(me);

    /*
     * Word by word, not memcpy: the trap stub has just stored r0..r7 one
     * word at a time, and 16-byte loads of them stall on store forwarding
     * (measured: a memcpy here cost ~5 ns per IPC round trip).
     */
    for (unsigned i = 0; i < 8; i++)
        tp->regs[REG_R0 + i] = regs[i];
    bool preempted = false;
    for (;;) {
        ks.count.kernel_entries++;
        /*
         * A thread preempted at its last entry comes back only to run the
         * system call it never started: the same trap, so no new tick. (With
         * a tick here a 1-tick timeslice preempted every entry and no system
         * call ever ran; test_sched.c the_timeslice_length_follows_the_configuration.)
         */
        if (!preempted)
            clock_tick();
        preempted = false;
        long sysno = (long)tp->regs[REG_SYSNO];
        if (nd->sched_action != SCHED_RESUME_CURRENT) {
            /* The tick ended the timeslice: run the call when the thread runs again. */
            set_thread_state(me, MICA_THREAD_RESTART);
            preempted = true;
        } else {
            trace_syscall(me, (word_t)sysno);
            if (sysno == MICA_SYS_CALL && fastpath_call(me))
                ks.count.syscalls[1]++;
            else if (sysno == MICA_SYS_REPLY_RECV && fastpath_reply_recv(me))
                ks.count.syscalls[2]++;
            else
                handle_syscall(tp->regs[REG_SYSNO]);
        }
        kernel_exit(me, tp->ctx);
        nd = &NODE;
        /* We run again: seL4's activateThread. */
        if (tp->state.type == MICA_THREAD_RESTART) {
            tp->state.type = MICA_THREAD_RUNNING;
            /* An entry without a tick: --stats says so, and counts it for its CPU. */
            ks.count.untimed_entries++;
            if (unlikely(ks.num_cpus > 1))
                nd->entries++;
            continue;
        }
        break;
    }
    for (unsigned i = 0; i < 8; i++)
        regs[i] = tp->regs[REG_R0 + i];
}

void kernel_preempt(int ctx)
{
    if (unlikely(ks.num_cpus > 1) && smp_entry(NULL))
        return;         /* parked; it resumes where it was interrupted */
    ks.count.kernel_entries++;
    clock_tick();
    paddr_t t = NODE.cur_thread;
    trace_preempt(t);
    kernel_exit(t, ctx);
}

/*
 * The watchdog found the current thread of this CPU in task code for too
 * long (sim/watchdog.c). Spinning, or blocked in the host while other
 * threads are ready here, stops the system; blocked with nothing else to
 * run, it is no stall: return false and it goes on.
 */
bool kernel_stall(int ctx, const char *what, int blocked)
{
    if (unlikely(ks.num_cpus > 1) && smp_entry(NULL))
        return false;   /* parked: it was not running here after all */
    ks.count.kernel_entries++;
    ks.count.untimed_entries++;
    paddr_t t = NODE.cur_thread;
    if (t == NODE.idle_thread || (blocked && NODE.bitmap_l1 == 0))
        return false;
    kernel_stop(MICA_STOP_STALLED, "thread '%s' %s", tcb_ptr(t)->name[0] ? tcb_ptr(t)->name : "?",
                what);
    kernel_exit(t, ctx);    /* to the idle loop: the system has stopped */
    return true;
}

/*
 * The size of the stack whose bottom thread t ran past, when fault f is
 * that, else 0: a SIGSEGV in the guard gap below its host stack (the
 * simulator knows), or for the root task a VM fault in the pages below its
 * stack in its VSpace, at most a page below its sp (a push, a call, or a
 * probe of a big frame).
 */
static word_t stack_overflow(paddr_t t, const hw_fault_t *f)
{
    if (!f->vm)
        return f->stack_overflow;
    if (t == ks.root_tcb && f->addr < ROOT_STACK_VADDR && f->sp <= f->addr + BIT(MICA_PAGE_BITS))
        return ROOT_STACK_PAGES * BIT(MICA_PAGE_BITS);
    return 0;
}

/* Kernel entries this CPU has made (with several CPUs, counting this one: smp_entry did). */
static inline word_t cpu_entries(void)
{
    return ks.num_cpus > 1 ? NODE.entries : ks.count.kernel_entries;
}

/*
 * seL4: the timer interrupt's timerTick, for task code that the virtual
 * clock would otherwise never see: instrumented task code calls in at the
 * end of each period of basic blocks (sim/clock.c). A period in which this
 * CPU entered the kernel anyway is no tick (its code has not run a whole
 * period without an entry), so code that makes system calls keeps exactly
 * the ticks, entries and trace it would have without the hooks.
 */
void kernel_tick(int ctx)
{
    if (unlikely(ks.num_cpus > 1) && smp_entry(NULL))
        return;         /* parked; it goes on from its hook */
    word_t *mark = &ks.tick_mark[ks.cur_cpu];
    if (cpu_entries() - (ks.num_cpus > 1) != *mark && !ks.stopped) {
        /* No entry after all: not this CPU's either (per-CPU entries sum to the total). */
        if (ks.num_cpus > 1)
            NODE.entries--;
        *mark = cpu_entries();
        return;
    }
    ks.count.kernel_entries++;
    ks.count.block_ticks++;
    clock_tick();
    *mark = cpu_entries();
    paddr_t t = NODE.cur_thread;
    if (NODE.sched_action != SCHED_RESUME_CURRENT)
        trace_preempt(t);       /* only the tick that ends the timeslice, not every period */
    kernel_exit(t, ctx);
}

/*
 * Task code tried to leave the machine (sim/escape.c). No seL4 counterpart:
 * on hardware exit() would be an unknown system call; here it is host code
 * that would end the whole process. The thread stops as one whose fault no
 * handler took (seL4: handleFault without a handler leaves it Inactive);
 * like a returned entry function, it has no place to continue from, so
 * writing any pc but MICA_RESUME_PC starts it afresh (tcb.c write_user_reg).
 */
void kernel_escape(int ctx, const char *what, const char *advice)
{
    if (unlikely(ks.num_cpus > 1) && smp_entry(NULL))
        return;         /* parked: it escapes again when it runs */
    ks.count.kernel_entries++;
    clock_tick();
    paddr_t t = NODE.cur_thread;
    if (t != NODE.idle_thread) {
        tcb_t *tp = tcb_ptr(t);
        trace_escape(t, what);
        hw_thread_escaped(tp->name[0] ? tp->name : "?", what, advice);
        tp->flags |= TCB_FLAG_EXITED;
        suspend(t);
    }
    kernel_exit(t, ctx);
}

/* The rest of kernel_fault and kernel_mmio, after the entry's tick: the thread waits for its handler. */
static void deliver_fault(paddr_t t, int ctx, const hw_fault_t *f);

void kernel_fault(int ctx, const hw_fault_t *f)
{
    /* A stalled thread is parked before its trap: it traps again when it resumes. */
    if (unlikely(ks.num_cpus > 1) && smp_entry(NULL))
        return;
    paddr_t t = NODE.cur_thread;
    ks.count.kernel_entries++;
    clock_tick();
    deliver_fault(t, ctx, f);
}

/*
 * A load or store of task code on a device frame (sim/mmio.c): one kernel
 * entry, which costs a tick (so a driver polling a status register sees
 * time pass and device events fire), performs the access on the device
 * model and returns to the thread after the instruction, unless the tick
 * ended its timeslice. A device page no model answers for is a VM fault,
 * as is an access the mapping no longer allows. No seL4 counterpart: on
 * hardware the bus does this without the kernel.
 */
void kernel_mmio(int ctx, const hw_fault_t *f)
{
    /* Parked first (SMP): the access was not made, the instruction runs again when it resumes. */
    if (unlikely(ks.num_cpus > 1) && smp_entry(NULL))
        return;
    paddr_t t = NODE.cur_thread;
    ks.count.kernel_entries++;
    clock_tick();
    if (hw_mmio_perform(ctx, kernel_current_vspace()) < 0) {
        deliver_fault(t, ctx, f);
        return;
    }
    kernel_exit(t, ctx);
}

static void deliver_fault(paddr_t t, int ctx, const hw_fault_t *f)
{
    /*
     * A tick that ended the timeslice has put the thread back on its ready
     * queue, but the trap happened and the thread blocks for its handler
     * now: it must leave the queue again (found by ready_qs_runnable when
     * a pager ran below the faulting thread's timeslice).
     */
    tcb_sched_dequeue(t);
    tcb_ptr(t)->flags |= TCB_FLAG_TRAPPED;
    /*
     * Its pc and sp are now where it trapped (seL4: the faulting
     * instruction, as ReadRegisters and the fault message show), not the
     * entry it started at: a supervisor that writes the entry pc again
     * restarts it afresh instead of resuming the crash (test_vspace.c
     * a_supervisor_restarts_a_crashed_server_and_its_clients_carry_on).
     */
    tcb_ptr(t)->regs[REG_PC] = f->ip;
    tcb_ptr(t)->regs[REG_SP] = f->sp;
    tcb_ptr(t)->flags |= TCB_FLAG_TRAP_PC;
    if (f->vm)
        ks.fault = (fault_t){ MICA_FAULT_VM, { f->addr, f->prefetch, f->fsr, f->ip } };
    else
        ks.fault = (fault_t){ MICA_FAULT_USER_EXCEPTION, { f->signo, f->code, f->ip, f->sp } };
    memset(&ks.lookup_fault, 0, sizeof ks.lookup_fault);
    handle_fault(t);
    /* Stopped for want of a handler: say why the fault happened. */
    word_t stack_bytes = stack_overflow(t, f);
    if (stack_bytes && thread_state(t) == MICA_THREAD_INACTIVE)
        hw_log("stack overflow: thread '%s' ran past the bottom of its %lu KiB stack",
               tcb_ptr(t)->name[0] ? tcb_ptr(t)->name : "?", (unsigned long)(stack_bytes >> 10));
    kernel_exit(t, ctx);
}

/*
 * The machine cannot let the current thread of this CPU go on (sim/signals.c:
 * it was resumed after abort(), which cannot return). It becomes Inactive,
 * as a thread whose fault no handler took (handle_fault); the machine has
 * reported and counted it. No seL4 counterpart: on seL4 a resumed thread
 * simply runs. Returns only when the thread was parked (SMP) and runs again.
 */
void kernel_stop_thread(int ctx)
{
    if (unlikely(ks.num_cpus > 1) && smp_entry(NULL))
        return;
    paddr_t t = NODE.cur_thread;
    ks.count.kernel_entries++;
    clock_tick();
    tcb_sched_dequeue(t);       /* as in kernel_fault: a tick may have queued it again */
    set_thread_state(t, MICA_THREAD_INACTIVE);
    kernel_exit(t, ctx);
}

void kernel_idle_enter(void)
{
    if (ks.num_cpus == 1) {
        /* One CPU: when it is idle, only a device event can make work. */
        if (!ks.stopped)
            kernel_exit(NODE.idle_thread, NODE.idle_ctx);
        while (idle_take_event())
            kernel_exit(NODE.idle_thread, NODE.idle_ctx);
        return;
    }
    set_cur_cpu(hw_cpu_id());
    for (;;) {
        if (!ks.stopped && !ks.all_idle)
            kernel_exit(NODE.idle_thread, NODE.idle_ctx);
        if (ks.stopped || ks.all_idle)
            break;
        /* This CPU is idle. Work queued for it meanwhile runs first. */
        if (NODE.resched || NODE.bitmap_l1) {
            NODE.resched = 0;
            NODE.sched_action = SCHED_CHOOSE_NEW;
            continue;
        }
        ks.idle_mask |= BIT(ks.cur_cpu);
        bool all = ks.idle_mask == BIT(ks.num_cpus) - 1;
        for (unsigned c = 0; all && c < ks.num_cpus; c++)
            all = cpu_state(c)->bitmap_l1 == 0 && !cpu_state(c)->stalled;
        if (all && idle_take_event()) {
            /* A device event came (time jumped to it): look for work again. */
            ks.idle_mask &= ~BIT(ks.cur_cpu);
            continue;
        }
        if (all) {
            /* Every CPU is idle at once with nothing queued and no device event: the run is over. */
            ks.all_idle = 1;
            break;
        }
        NODE.idle_waits++;
        hw_cpu_wait();
        set_cur_cpu(hw_cpu_id());
        ks.idle_mask &= ~BIT(ks.cur_cpu);
    }
    /* Leaving: the other CPUs must notice the end too. */
    ks.ipi_pending = BIT(ks.num_cpus) - 1;
    send_ipis();
}
