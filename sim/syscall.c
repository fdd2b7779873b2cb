/*
 * syscall.c - the task side of the system-call interface: the simulated
 * "syscall instruction" and the libsel4-style wrappers around it.
 *
 * Registers at the trap: r0 cap/badge, r1 msginfo, r2..r5 MR0..MR3,
 * r7 syscall number. What moves between the IPC buffer, the caller's
 * variables and the registers is libsel4's x86_64 rule (sel4_arch/syscalls.h):
 *  - the plain forms that send load all four of MR0..MR3 from the buffer,
 *    whatever the message length; those that receive store all four back
 *    (the kernel writes only the words it delivers, so the others come
 *    back as they went);
 *  - the _with_mrs forms never touch the buffer. A NULL pointer is a word
 *    not used (sent as 0). Call and ReplyRecv send only the words below
 *    the message length (the others as 0), Send/NBSend/Reply every word
 *    given; the forms that receive store every word given.
 */
#include <string.h>
#include <mica/syscalls.h>
#include "sim.h"

enum { R_CAP = 0, R_INFO = 1, R_MR0 = 2, R_SYS = 7 };

/*
 * A host thread that is no simulated CPU (task code made it with
 * pthread_create; or any thread outside a run) called fn. The kernel only
 * knows the threads it runs: such a call would run the kernel on a stack
 * and for a thread it knows nothing of, beside the CPU that runs the
 * current one. It fails instead, touching nothing: MICA_ILLEGAL_OPERATION
 * in the reply's label, no message, no badge (report.c says so once).
 */
static __attribute__((cold, noinline)) void refuse(hw_word_t r[8], const char *fn)
{
    report_not_a_mica_thread(fn);
    for (unsigned i = 0; i < 8; i++)
        r[i] = 0;
    r[R_INFO] = mica_msginfo_new(MICA_ILLEGAL_OPERATION, 0, 0, 0).words[0];
}

/*
 * The trap. The kernel lock is taken and dropped by the same host thread,
 * though kernel_syscall may return on another CPU's: that CPU's host
 * thread took the lock when it entered the kernel and switched to us.
 * fn names the caller for refuse(); the hot path pays one thread-local
 * load and a branch for that check.
 */
static inline void trap(hw_word_t r[8], const char *fn)
{
    if (__builtin_expect(!sim_self_tls, 0)) {
        refuse(r, fn);
        return;
    }
    struct sim_cpu *me = sim_cpu_here();
    if (me->cur_vspace_stack) {
        /*
         * The kernel must not run on task memory: r0..r7 go to the host side
         * and the kernel runs on the thread's kernel stack. Done here, not in
         * a function of ctx.c: every frame between a context switch and task
         * code costs a mispredicted return. Both copies run in task mode: if
         * the task stack was unmapped while the thread was parked in the
         * kernel, the first touch after the switch back is a VM fault to its
         * handler, retried when it replies.
         */
        hw_word_t *k = me->cur_kregs;
        for (unsigned i = 0; i < 8; i++)
            k[i] = r[i];
        mica_call_on_stack(ctx_kernel_entry, k,
                           (void *)(((uintptr_t)*me->cur_ksp - 64) & ~(uintptr_t)15), NULL);
        for (unsigned i = 0; i < 8; i++)    /* the same context's, perhaps on another CPU now */
            r[i] = k[i];
        return;
    }
    sim_kernel_enter();
    kernel_syscall(r);
    sim_kernel_leave();
}

/* The trap with raw registers, for tests that make malformed system calls. */
void sim_trap(hw_word_t r[8])
{
    trap(r, __func__);
}

/*
 * Task code that reads kernel state (the two questions below, test
 * oracles) runs that as the kernel runs: no preemption (sim_in_kernel) and,
 * with several CPUs, the kernel lock. A fault while sim_in_kernel is set is
 * taken for a bug in mica (trap.c), so a thread on a VSpace stack does it on
 * its kernel stack, as trap() does: another CPU may unmap the task stack at
 * any moment, even while this thread spins for the lock, and the first touch
 * of it afterwards, in the kernel, crashed the simulator (found while making
 * mica-fuzz run several CPUs; test_smp.c task_code_on_a_vspace_stack_reads_
 * kernel_state_while_another_cpu_unmaps_it). k is copied there and back in task mode, where a
 * fault on the task stack is an ordinary VM fault of the thread.
 */
struct kcall {
    void (*fn)(hw_word_t k[8]);
    hw_word_t *k;
};

static void kcall_on_kernel_stack(void *arg)
{
    struct kcall c = *(const struct kcall *)arg;
    hw_word_t k[8];
    for (unsigned i = 0; i < 8; i++)
        k[i] = c.k[i];
    sim_kernel_enter();
    c.fn(k);
    sim_kernel_leave();
    for (unsigned i = 0; i < 8; i++)
        c.k[i] = k[i];
}

void sim_task_kernel_call(void (*fn)(hw_word_t k[8]), hw_word_t k[8])
{
    struct sim_cpu *me;
    int vspace_stack;
    void **ksp;
    do {
        me = sim_cpu_here();
        vspace_stack = me->cur_vspace_stack;
        ksp = me->cur_ksp;
        /* A preemption in between may have moved this thread to another CPU: read again. */
    } while (sim_cpu_here() != me || me->cur_ksp != ksp);
    if (vspace_stack) {
        struct kcall c = { fn, k };
        mica_call_on_stack(kcall_on_kernel_stack, &c,
                           (void *)(((uintptr_t)*ksp - 64) & ~(uintptr_t)15), NULL);
        return;
    }
    sim_kernel_enter();
    fn(k);
    sim_kernel_leave();
}

/*
 * The user library marks its next system call (src/user/env.h): a probe that
 * expects an error, or an invocation stub's. Kept per CPU with the context
 * that made the mark, so another thread that runs on the CPU in between (a
 * preemption) is not taken for the marked one; flags 0 clears the mark.
 * Invisible to task code and to the ABI: only the library calls it.
 */
void mica_user_mark_call(unsigned flags)
{
    if (!sim_self_tls)
        return;
    struct sim_cpu *me = sim_cpu_here();
    me->mark_flags = flags;
    me->mark_ctx = flags ? ctx_current() : -1;
}

/* The calling thread's current mark (0: none). */
unsigned mica_user_marks(void)
{
    if (!sim_self_tls)
        return 0;
    struct sim_cpu *me = sim_cpu_here();
    return me->mark_ctx == ctx_current() ? me->mark_flags : 0;
}

/* Whether anything is traced: only then are invocation stubs' marks worth making. */
int mica_user_tracing(void)
{
    return hw_trace_mask != 0;
}

unsigned hw_task_marks(int ctx)
{
    if (!sim_self_tls)
        return 0;
    struct sim_cpu *me = sim_cpu_here();
    return me->mark_ctx == ctx ? me->mark_flags : 0;
}

static void current_ipc_buffer(hw_word_t k[8])
{
    k[0] = (hw_word_t)(uintptr_t)kernel_current_ipc_buffer();
}

/*
 * With several CPUs, questions about the running thread read kernel state:
 * under the lock. A host thread that is no mica thread has no IPC buffer.
 */
static inline mica_ipc_buffer_t *ipc_buffer(const char *fn)
{
    if (__builtin_expect(!sim_self_tls, 0)) {
        report_not_a_mica_thread(fn);
        return NULL;
    }
    if (!sim_smp)
        return (mica_ipc_buffer_t *)kernel_current_ipc_buffer();
    hw_word_t k[8];
    sim_task_kernel_call(current_ipc_buffer, k);
    return (mica_ipc_buffer_t *)(uintptr_t)k[0];
}

mica_ipc_buffer_t *mica_get_ipc_buffer(void)
{
    return ipc_buffer(__func__);
}

/* seL4_GetMR(0..3) before the trap: all four, whatever the length. */
static void load_mrs(hw_word_t r[8], const char *fn)
{
    mica_ipc_buffer_t *b = ipc_buffer(fn);
    if (!b)
        return;     /* setup() left them 0 */
    for (unsigned i = 0; i < 4; i++)
        r[R_MR0 + i] = b->msg[i];
}

/* seL4_SetMR(0..3) after the trap. */
static void store_mrs(const hw_word_t r[8], const char *fn)
{
    mica_ipc_buffer_t *b = ipc_buffer(fn);
    if (!b)
        return;
    for (unsigned i = 0; i < 4; i++)
        b->msg[i] = r[R_MR0 + i];
}

/* seL4_SendWithMRs, _NBSendWithMRs, _ReplyWithMRs: every word given, whatever the length. */
static void load_regs(hw_word_t r[8], mica_word_t *m0, mica_word_t *m1, mica_word_t *m2,
                      mica_word_t *m3)
{
    r[R_MR0 + 0] = m0 ? *m0 : 0;
    r[R_MR0 + 1] = m1 ? *m1 : 0;
    r[R_MR0 + 2] = m2 ? *m2 : 0;
    r[R_MR0 + 3] = m3 ? *m3 : 0;
}

/* seL4_CallWithMRs, _ReplyRecvWithMRs: only the words below the message length. */
static void load_regs_sent(hw_word_t r[8], mica_msginfo_t info, mica_word_t *m0,
                           mica_word_t *m1, mica_word_t *m2, mica_word_t *m3)
{
    mica_word_t n = mica_msginfo_get_length(info);
    r[R_MR0 + 0] = m0 && n > 0 ? *m0 : 0;
    r[R_MR0 + 1] = m1 && n > 1 ? *m1 : 0;
    r[R_MR0 + 2] = m2 && n > 2 ? *m2 : 0;
    r[R_MR0 + 3] = m3 && n > 3 ? *m3 : 0;
}

static void store_regs(const hw_word_t r[8], mica_word_t *m0, mica_word_t *m1, mica_word_t *m2,
                       mica_word_t *m3)
{
    if (m0) *m0 = r[R_MR0 + 0];
    if (m1) *m1 = r[R_MR0 + 1];
    if (m2) *m2 = r[R_MR0 + 2];
    if (m3) *m3 = r[R_MR0 + 3];
}

static void setup(hw_word_t r[8], long sys, mica_word_t cap, mica_msginfo_t info)
{
    memset(r, 0, 8 * sizeof *r);
    r[R_SYS] = (hw_word_t)sys;
    r[R_CAP] = cap;
    r[R_INFO] = info.words[0];
}

static mica_msginfo_t info_of(const hw_word_t r[8])
{
    mica_msginfo_t m = { { r[R_INFO] } };
    return m;
}

void mica_send(mica_cptr_t dest, mica_msginfo_t info)
{
    hw_word_t r[8];
    setup(r, MICA_SYS_SEND, dest, info);
    load_mrs(r, __func__);
    trap(r, __func__);
}

void mica_nbsend(mica_cptr_t dest, mica_msginfo_t info)
{
    hw_word_t r[8];
    setup(r, MICA_SYS_NBSEND, dest, info);
    load_mrs(r, __func__);
    trap(r, __func__);
}

mica_msginfo_t mica_call(mica_cptr_t dest, mica_msginfo_t info)
{
    hw_word_t r[8];
    setup(r, MICA_SYS_CALL, dest, info);
    load_mrs(r, __func__);
    trap(r, __func__);
    store_mrs(r, __func__);
    return info_of(r);
}

/* seL4_Recv / seL4_NBRecv: MR0..MR3 stored back, the badge if asked for. */
static inline mica_msginfo_t receive(long sys, mica_cptr_t src, mica_word_t *sender_badge,
                                     const char *fn)
{
    hw_word_t r[8];
    mica_msginfo_t none = { { 0 } };
    setup(r, sys, src, none);
    trap(r, fn);
    store_mrs(r, fn);
    if (sender_badge)
        *sender_badge = r[R_CAP];
    return info_of(r);
}

mica_msginfo_t mica_recv(mica_cptr_t src, mica_word_t *sender_badge)
{
    return receive(MICA_SYS_RECV, src, sender_badge, __func__);
}

mica_msginfo_t mica_nbrecv(mica_cptr_t src, mica_word_t *sender_badge)
{
    return receive(MICA_SYS_NBRECV, src, sender_badge, __func__);
}

void mica_reply(mica_msginfo_t info)
{
    hw_word_t r[8];
    setup(r, MICA_SYS_REPLY, 0, info);
    load_mrs(r, __func__);
    trap(r, __func__);
}

mica_msginfo_t mica_reply_recv(mica_cptr_t src, mica_msginfo_t info, mica_word_t *sender_badge)
{
    hw_word_t r[8];
    setup(r, MICA_SYS_REPLY_RECV, src, info);
    load_mrs(r, __func__);
    trap(r, __func__);
    store_mrs(r, __func__);
    if (sender_badge)
        *sender_badge = r[R_CAP];
    return info_of(r);
}

void mica_yield(void)
{
    hw_word_t r[8];
    mica_msginfo_t none = { { 0 } };
    setup(r, MICA_SYS_YIELD, 0, none);
    trap(r, __func__);
}

void mica_signal(mica_cptr_t dest)
{
    hw_word_t r[8];
    setup(r, MICA_SYS_SEND, dest, mica_msginfo_new(0, 0, 0, 0));
    trap(r, __func__);
}

/* seL4_Wait (non-MCS) is seL4_Recv: on an endpoint it receives a message, MR0..MR3 included. */
void mica_wait(mica_cptr_t src, mica_word_t *sender_badge)
{
    (void)receive(MICA_SYS_RECV, src, sender_badge, __func__);
}

/* seL4_Poll (non-MCS) is seL4_NBRecv. */
mica_msginfo_t mica_poll(mica_cptr_t src, mica_word_t *sender_badge)
{
    return receive(MICA_SYS_NBRECV, src, sender_badge, __func__);
}

void mica_send_with_mrs(mica_cptr_t dest, mica_msginfo_t info, mica_word_t *mr0,
                        mica_word_t *mr1, mica_word_t *mr2, mica_word_t *mr3)
{
    hw_word_t r[8];
    setup(r, MICA_SYS_SEND, dest, info);
    load_regs(r, mr0, mr1, mr2, mr3);
    trap(r, __func__);
}

void mica_nbsend_with_mrs(mica_cptr_t dest, mica_msginfo_t info, mica_word_t *mr0,
                          mica_word_t *mr1, mica_word_t *mr2, mica_word_t *mr3)
{
    hw_word_t r[8];
    setup(r, MICA_SYS_NBSEND, dest, info);
    load_regs(r, mr0, mr1, mr2, mr3);
    trap(r, __func__);
}

mica_msginfo_t mica_call_with_mrs(mica_cptr_t dest, mica_msginfo_t info, mica_word_t *mr0,
                                  mica_word_t *mr1, mica_word_t *mr2, mica_word_t *mr3)
{
    hw_word_t r[8];
    setup(r, MICA_SYS_CALL, dest, info);
    load_regs_sent(r, info, mr0, mr1, mr2, mr3);
    trap(r, __func__);
    store_regs(r, mr0, mr1, mr2, mr3);
    return info_of(r);
}

mica_msginfo_t mica_recv_with_mrs(mica_cptr_t src, mica_word_t *sender_badge, mica_word_t *mr0,
                                  mica_word_t *mr1, mica_word_t *mr2, mica_word_t *mr3)
{
    hw_word_t r[8];
    mica_msginfo_t none = { { 0 } };
    setup(r, MICA_SYS_RECV, src, none);
    trap(r, __func__);
    store_regs(r, mr0, mr1, mr2, mr3);
    if (sender_badge)
        *sender_badge = r[R_CAP];
    return info_of(r);
}

void mica_reply_with_mrs(mica_msginfo_t info, mica_word_t *mr0, mica_word_t *mr1,
                         mica_word_t *mr2, mica_word_t *mr3)
{
    hw_word_t r[8];
    setup(r, MICA_SYS_REPLY, 0, info);
    load_regs(r, mr0, mr1, mr2, mr3);
    trap(r, __func__);
}

mica_msginfo_t mica_reply_recv_with_mrs(mica_cptr_t src, mica_msginfo_t info,
                                        mica_word_t *sender_badge, mica_word_t *mr0,
                                        mica_word_t *mr1, mica_word_t *mr2, mica_word_t *mr3)
{
    hw_word_t r[8];
    setup(r, MICA_SYS_REPLY_RECV, src, info);
    load_regs_sent(r, info, mr0, mr1, mr2, mr3);
    trap(r, __func__);
    store_regs(r, mr0, mr1, mr2, mr3);
    if (sender_badge)
        *sender_badge = r[R_CAP];
    return info_of(r);
}

/* k[0] = vaddr in, the host pointer out (kernel context: the windows may change under it). */
static void vaddr_to_ptr(hw_word_t k[8])
{
    hw_word_t vaddr = k[0];
    k[0] = vaddr < (1ul << MICA_VADDR_BITS)     /* the kernel's geometry: no VSpace reaches past */
               ? (hw_word_t)(uintptr_t)mmu_ptr(kernel_current_vspace(), vaddr) : 0;
}

void *mica_vaddr_to_ptr(mica_word_t vaddr)
{
    if (!sim_self_tls) {
        report_not_a_mica_thread(__func__);
        return NULL;
    }
    hw_word_t k[8] = { vaddr };
    sim_task_kernel_call(vaddr_to_ptr, k);
    return (void *)(uintptr_t)k[0];
}

const mica_bootinfo_t *mica_bootinfo(void)
{
    return (const mica_bootinfo_t *)kernel_bootinfo();
}

void mica_debug_put_char(char c)
{
    hw_word_t r[8];
    setup(r, MICA_SYS_DEBUG_PUT_CHAR, (unsigned char)c, mica_msginfo_new(0, 0, 0, 0));
    trap(r, __func__);
}

void mica_debug_name_thread(mica_cptr_t tcb, const char *name)
{
    hw_word_t r[8];
    mica_ipc_buffer_t *b = ipc_buffer(__func__);
    if (!b || !name)
        return;
    strncpy((char *)b->msg, name, 31);
    ((char *)b->msg)[31] = 0;
    setup(r, MICA_SYS_DEBUG_NAME_THREAD, tcb, mica_msginfo_new(0, 0, 0, 0));
    trap(r, __func__);
}

mica_cap_type_t mica_debug_cap_identify(mica_cptr_t cap)
{
    hw_word_t r[8];
    setup(r, MICA_SYS_DEBUG_CAP_IDENTIFY, cap, mica_msginfo_new(0, 0, 0, 0));
    trap(r, __func__);
    return (mica_cap_type_t)r[R_CAP];
}

void mica_debug_dump_scheduler(void)
{
    hw_word_t r[8];
    setup(r, MICA_SYS_DEBUG_DUMP_SCHEDULER, 0, mica_msginfo_new(0, 0, 0, 0));
    trap(r, __func__);
}

int mica_debug_usage(mica_usage_t *usage)
{
    hw_word_t r[8];
    mica_ipc_buffer_t *b = ipc_buffer(__func__);
    if (!b || !usage)
        return -1;
    setup(r, MICA_SYS_DEBUG_USAGE, 0, mica_msginfo_new(0, 0, 0, 0));
    trap(r, __func__);
    if (r[R_CAP] != 0)
        return -1;
    memcpy(usage, b->msg, sizeof *usage);
    return 0;
}

void mica_debug_halt(void)
{
    hw_word_t r[8];
    setup(r, MICA_SYS_DEBUG_HALT, 0, mica_msginfo_new(0, 0, 0, 0));
    trap(r, __func__);
}
