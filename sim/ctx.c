/*
 * ctx.c - execution contexts: a host stack plus saved registers per thread.
 *
 * Context 0 is the CPU's idle loop: the host thread inside mica_run. A
 * context whose thread is destroyed while it runs is released after the
 * switch away from it.
 *
 * Two backends. The fast one (x86_64 and AArch64) saves only the
 * callee-saved registers and FP control words (ctx_switch_<arch>.S) and
 * builds a new context's first frame by hand, so starting a thread costs no
 * system call either. The portable one uses makecontext/swapcontext, which
 * make two sigprocmask calls per switch; it is used on other architectures
 * and under AddressSanitizer, whose stack bookkeeping understands
 * swapcontext but not a foreign switch. A context saved by the signal path
 * (a trap or real-clock preemption) is always resumed with the portable
 * backend (kind CTX_UC), whatever the build.
 *
 * Stacks: a thread whose sp lies in a VSpace with a host window runs its
 * task code on that memory (window + sp is its stack top); otherwise on a
 * host stack of HOST_STACK_BYTES with a guard gap of GUARD_BYTES below it:
 * address space reserved PROT_NONE, larger than the stack, so that a big
 * frame (a large local array) faults there instead of jumping into the
 * mapping below, another thread's stack with its parked kernel frames
 * (found by mica-buggy stack-big-array: with a 4 KiB guard page, a 300 KiB
 * array crashed the simulator when that thread resumed). Task code built
 * with -fstack-clash-protection probes a frame page by page, so it faults
 * in the gap whatever the frame's size. A fault there is the thread's user
 * exception, reported as a stack overflow (ctx_in_guard, trap.c).
 * Every context has such a host stack, and for a thread on a VSpace stack it
 * is the thread's kernel stack: trampoline starts there and calls the entry
 * on the VSpace stack (mica_call_on_stack), and each system call switches
 * back to it (syscall.c trap(), ctx_kernel_entry). Kernel frames, those of a thread
 * parked in the kernel included, never live in memory a task can unmap or
 * write: with the kernel on the VSpace stack, another task unmapping those
 * pages while the thread was blocked in Recv crashed the simulator (found by
 * mica-fuzz --vspace-stacks; test_regressions.c
 * a_thread_parked_in_the_kernel_survives_its_stack_being_unmapped).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <mica/syscalls.h>
#include "sim.h"

#define HOST_STACK_BYTES (256ul << 10)
/*
 * Reserved, never backed: it costs address space only. One mapping per
 * stack, the gap's part made PROT_NONE, so each stack is two VMAs as with
 * a guard page, and 16384 contexts reserve 20 GiB of the 128 TiB.
 */
#define GUARD_BYTES      (1ul << 20)
#define HOST_MAP_BYTES   (GUARD_BYTES + HOST_STACK_BYTES)
#define VSPACE_STACK_HINT (64ul << 10)
/*
 * Whether sp names a stack in the thread's VSpace or a host address (a
 * thread given a host thread's registers, or a seL4 program's stack array in
 * the program's own memory). Host addresses lie below 2^47 too, so: an sp in
 * the first GiB is always a VSpace vaddr (an unmapped one is refused), and
 * one above it only when the page below it is mapped writable there.
 */
#define VSPACE_STACK_LOW (1ul << 30)
#define VSPACE_STACK_TOP (1ul << MICA_VADDR_BITS)
static int is_vspace_stack(hw_word_t vspace, hw_word_t sp)
{
    if (!vspace || sp <= VSPACE_STACK_HINT || sp > VSPACE_STACK_TOP)
        return 0;
    if (sp <= VSPACE_STACK_LOW)
        return 1;
    hw_window_entry_t e;
    return hw_window_probe(vspace, sp - 1, &e) == 0 && e.size_bits != 0 && (e.rights & 1);
}

#if defined(__SANITIZE_ADDRESS__)
#define MICA_CTX_UCONTEXT 1
#define MICA_CTX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MICA_CTX_UCONTEXT 1
#define MICA_CTX_ASAN 1
#endif
#endif
#ifdef MICA_CTX_ASAN
#include <sanitizer/asan_interface.h>
#endif
#if !defined(__x86_64__) && !defined(__aarch64__)
#define MICA_CTX_UCONTEXT 1
/*
 * No stack-switch helper for this architecture: the kernel and task code
 * share the VSpace stack, as before there were kernel stacks (the stack may
 * then not be unmapped under a thread parked in the kernel).
 */
void mica_call_on_stack(void (*fn)(void *), void *arg, void *stack_top, void **save_sp)
{
    (void)stack_top;
    if (save_sp)
        *save_sp = NULL;
    fn(arg);
}
#endif

/*
 * ThreadSanitizer follows each context as a fiber: it must be told before
 * every switch which stack the host thread is about to run on.
 */
#if defined(__SANITIZE_THREAD__)
#define MICA_CTX_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MICA_CTX_TSAN 1
#endif
#endif
#ifdef MICA_CTX_TSAN
#include <sanitizer/tsan_interface.h>
#endif

void mica_ctx_switch_asm(void **save_sp, void *load_sp);
void mica_ctx_jump_asm(void *load_sp) __attribute__((noreturn));
/* Both backends: fn(arg) on the stack whose top is stack_top (ctx_switch_<arch>.S). */
void mica_call_on_stack(void (*fn)(void *), void *arg, void *stack_top, void **save_sp);

enum ctx_kind { CTX_ASM, CTX_UC };

struct ctx {
    enum ctx_kind kind;     /* how it resumes: asm frame at sp, or uc */
    void *sp;               /* CTX_ASM: saved stack pointer */
    int fresh;              /* started by hw_ctx_start and not yet run */
    ucontext_t uc;
    unsigned char *stack;   /* host stack mapping (guard + stack), kept for reuse */
    hw_word_t pc;
    hw_word_t args[4];
    int in_use;
    int saved_by_signal;    /* uc holds an interrupted context: do not save over it */
    int resume_in_task;     /* it resumes in task code (saved from a signal), not in the kernel */
    unsigned char *fpbuf;   /* FP/vector state saved from a signal frame (FPBUF_BYTES) */
    size_t fpsize;
    unsigned char *stack_lo;    /* the stack of its last start (host or in a VSpace window) */
    size_t stack_size;
    void *fiber;            /* ThreadSanitizer's fiber for it (MICA_CTX_TSAN) */
    int own_fiber;          /* created here (not a CPU thread's own) */
    unsigned char *task_top;    /* window + sp of a VSpace stack; NULL: task code on the host stack */
    unsigned char *task_window; /* with task_top: the VSpace's window (escape.c bounds its stack with it) */
    void *ksp;                  /* with task_top: host stack in use above this while in task code */
    hw_word_t kregs[8];         /* with task_top: the registers of a system call in progress */
    int gap_used;               /* trapped with its sp in the guard gap (ASan: shadow to clear) */
    uintptr_t resume_where;     /* ctx_set_resume_call's pc, for a report */
};

#define FPBUF_BYTES 4096ul
static unsigned char *fpbufs;   /* nctx * FPBUF_BYTES, reserved, touched on first trap */

static struct ctx *ctxs;
static unsigned nctx;
static int *free_ids;
static unsigned nfree;
/*
 * Which context each CPU runs, and the one it must release once it has
 * switched away, are per CPU (struct sim_cpu cur, pending_free). Code that
 * has switched contexts may continue on another CPU's host thread, so it
 * asks sim_self() again after every switch.
 */
#define CUR (sim_cpu_here()->cur)
/*
 * Make id the context CPU cpu runs, with what trap() needs of it on every
 * system call (whether it is on a VSpace stack, its kernel-entry registers
 * and kernel stack) so that trap() makes no call into this file.
 */
static inline void set_cur(struct sim_cpu *cpu, int id)
{
    struct ctx *c = &ctxs[id];
    cpu->cur = id;
    cpu->cur_vspace_stack = c->task_top != NULL;
    cpu->cur_kregs = c->kregs;
    cpu->cur_ksp = &c->ksp;
}

int ctx_system_init(unsigned max_contexts)
{
    nctx = max_contexts + sim_ncpus;
    ctxs = calloc(nctx, sizeof *ctxs);
    free_ids = calloc(nctx, sizeof *free_ids);
    if (!ctxs || !free_ids) {
        free(ctxs);
        free(free_ids);
        ctxs = NULL;
        free_ids = NULL;
        return -ENOMEM;
    }
    nfree = 0;
    for (unsigned i = nctx - 1; i >= sim_ncpus; i--)
        free_ids[nfree++] = (int)i;
    fpbufs = mmap(NULL, nctx * FPBUF_BYTES, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (fpbufs == MAP_FAILED) {
        fpbufs = NULL;
        free(ctxs);
        free(free_ids);
        ctxs = NULL;
        free_ids = NULL;
        return -ENOMEM;
    }
    for (unsigned i = 0; i < nctx; i++)
        ctxs[i].fpbuf = fpbufs + i * FPBUF_BYTES;
    ctx_cpu_attach(0);              /* called on CPU 0's host thread */
    for (unsigned i = 0; i < sim_ncpus; i++) {
        ctxs[i].in_use = 1;         /* CPU i's idle loop */
        set_cur(&sim_cpus[i], (int)i);   /* CPU i idles on context i */
        sim_cpus[i].pending_free = -1;
    }
    return 0;
}

void ctx_system_destroy(void)
{
#ifdef MICA_CTX_ASAN
    /*
     * Threads abandoned in a stopped system leave their frames' redzones in
     * ASan's shadow, and munmap does not clear it: a later mapping at these
     * addresses (the next run's signal stack, physical memory, a VSpace
     * window) would inherit them and give false reports (found by the fuzz
     * tests, which run several systems per process).
     */
    for (unsigned i = 0; ctxs && i < nctx; i++) {
        if (ctxs[i].stack_lo)
            __asan_unpoison_memory_region(ctxs[i].stack_lo, ctxs[i].stack_size);
        if (ctxs[i].stack)
            __asan_unpoison_memory_region(ctxs[i].stack + (ctxs[i].gap_used ? 0 : GUARD_BYTES),
                                          HOST_MAP_BYTES - (ctxs[i].gap_used ? 0 : GUARD_BYTES));
    }
#endif
    for (unsigned i = 0; ctxs && i < nctx; i++)
        if (ctxs[i].stack)
            munmap(ctxs[i].stack, HOST_MAP_BYTES);
#ifdef MICA_CTX_TSAN
    for (unsigned i = 0; ctxs && i < nctx; i++)
        if (ctxs[i].own_fiber)
            __tsan_destroy_fiber(ctxs[i].fiber);
#endif
    if (fpbufs)
        munmap(fpbufs, nctx * FPBUF_BYTES);
    fpbufs = NULL;
    free(ctxs);
    free(free_ids);
    ctxs = NULL;
    free_ids = NULL;
    nctx = nfree = 0;
}

/* Tell ThreadSanitizer the calling host thread now runs context `to`. */
static inline void fiber_to(int to)
{
#ifdef MICA_CTX_TSAN
    struct ctx *t = &ctxs[to];
    if (!t->fiber) {
        t->fiber = __tsan_create_fiber(0);
        t->own_fiber = 1;
    }
    __tsan_switch_to_fiber(t->fiber, 0);
#else
    (void)to;
#endif
}

/* CPU i's host thread runs its idle loop on context i (call on that thread). */
void ctx_cpu_attach(unsigned i)
{
#ifdef MICA_CTX_TSAN
    ctxs[i].fiber = __tsan_get_current_fiber();
    ctxs[i].own_fiber = 0;
#else
    (void)i;
#endif
}

int ctx_current(void)
{
    return CUR;
}

void ctx_task_stack(int id, uintptr_t *lo, uintptr_t *top)
{
    struct ctx *c = &ctxs[id];
    if (c->task_top) {
        *lo = (uintptr_t)c->task_window;
        *top = (uintptr_t)c->task_top;
    } else {
        *lo = (uintptr_t)c->stack + GUARD_BYTES;
        *top = *lo + HOST_STACK_BYTES;
    }
}

/*
 * The parked context id's saved stack pointer and the top of the host
 * stack it is on, for a report of where its thread waits (report.c
 * hw_ctx_where). -1 when its task code runs on a VSpace stack (its task
 * frames are not on the host stack) or it is not parked.
 */
int ctx_parked_stack(int id, uintptr_t *sp, uintptr_t *top)
{
    if (id < (int)sim_ncpus || (unsigned)id >= nctx || !ctxs[id].in_use || !ctxs[id].stack ||
        ctxs[id].task_top || ctxs[id].fresh)
        return -1;
    const struct ctx *c = &ctxs[id];
    uintptr_t s = 0;
    if (c->kind == CTX_ASM)
        s = (uintptr_t)c->sp;
#if defined(__x86_64__)
    else
        s = (uintptr_t)c->uc.uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
    else
        s = (uintptr_t)c->uc.uc_mcontext.sp;
#endif
    uintptr_t lo = (uintptr_t)c->stack + GUARD_BYTES, hi = lo + HOST_STACK_BYTES;
    if (s < lo || s >= hi)
        return -1;
    *sp = s;
    *top = hi;
    return 0;
}

static void release(int id)
{
    ctxs[id].in_use = 0;
    free_ids[nfree++] = id;
}

static void drain_pending(void)
{
    struct sim_cpu *c = sim_cpu_here();
    if (c->pending_free >= 0 && c->pending_free != c->cur) {
        release(c->pending_free);
        c->pending_free = -1;
    }
}

/*
 * A context's host stack, made when the context is first handed out (so
 * that a host that refuses it fails the invocation that starts a thread,
 * not the simulator) and kept for the contexts reusing the id. Two host
 * mappings: the stack and its guard gap. The gap and the stack are reserved
 * PROT_NONE, then the stack opened: a host that does not overcommit charges
 * only the stack, never the gap.
 */
static int map_stack(struct ctx *c)
{
    if (c->stack)
        return 0;
    if (limits_take_maps(2, "a new thread's host stack") != 0)
        return -1;
    void *p = mmap(NULL, HOST_MAP_BYTES, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p != MAP_FAILED &&
        mprotect((unsigned char *)p + GUARD_BYTES, HOST_STACK_BYTES, PROT_READ | PROT_WRITE) != 0) {
        int e = errno;
        munmap(p, HOST_MAP_BYTES);
        p = MAP_FAILED;
        errno = e;
    }
    if (p == MAP_FAILED) {
        sim_refuse("the host refused a %lu KiB stack for a new thread (%s)",
                   HOST_STACK_BYTES >> 10, strerror(errno));
        limits_adjust_maps(-2);
        return -1;
    }
    c->stack = p;
    return 0;
}

int hw_ctx_alloc(void)
{
    if (nfree == 0) {
        sim_refuse("no host execution context is left for a new thread: all %u that "
                   "mica_config_t.max_threads allows are in use (runner --max-threads)",
                   nctx - sim_ncpus);
        return -1;
    }
    int id = free_ids[nfree - 1];
    if (map_stack(&ctxs[id]) != 0)
        return -1;
    nfree--;
    ctxs[id].in_use = 1;
    return id;
}

void hw_ctx_free(int id)
{
    if (id < (int)sim_ncpus || (unsigned)id >= nctx || !ctxs[id].in_use)
        return;
    /* A context some CPU is running (this one, or another running a stalled thread) goes later. */
    for (unsigned k = 0; k < sim_ncpus; k++) {
        struct sim_cpu *c = &sim_cpus[k];
        if (c->cur != id)
            continue;
        if (c->pending_free >= 0 && c->pending_free != id)
            release(c->pending_free);
        c->pending_free = id;
        return;
    }
    release(id);
}


/*
 * The kernel half of a system call from task code on a VSpace stack, on the
 * thread's kernel stack below trampoline's frames (sim/syscall.c trap()).
 */
void ctx_kernel_entry(void *arg)
{
    hw_word_t *kregs = arg;
    sim_kernel_enter();
    kernel_syscall(kregs);
    /* Task mode again before the switch back: a fault on the task stack is the thread's. */
    sim_kernel_leave();
}

/* Task code: the thread's entry function, then its exit. */
static void run_task(void *arg)
{
    struct ctx *c = arg;
    void (*entry)(mica_word_t, mica_word_t, mica_word_t, mica_word_t) =
        (void (*)(mica_word_t, mica_word_t, mica_word_t, mica_word_t))c->pc;
    entry(c->args[0], c->args[1], c->args[2], c->args[3]);
    for (;;) {
        hw_word_t regs[8] = { 0 };
        regs[7] = (hw_word_t)(long)MICA_SYS_THREAD_EXIT;
        sim_trap(regs);     /* the same trap as every system call, on a kernel stack if need be */
    }
}

/*
 * Every context starts here, on its host stack. Not instrumented by ASan:
 * run_task never returns, so ASan would call __asan_handle_no_return first,
 * which, on a stack it does not know, prints a warning into every run.
 */
static void trampoline(void) __attribute__((used, no_sanitize("address")));
static void trampoline(void)
{
    drain_pending();
    struct ctx *c = &ctxs[CUR];
    set_cur(sim_cpu_here(), (int)(c - ctxs));     /* this start's stack */
    sim_kernel_leave();
    if (c->task_top)
        mica_call_on_stack(run_task, c, c->task_top, &c->ksp);     /* never comes back */
    else
        run_task(c);
}

/*
 * Keep a trapped context: the general registers from the signal frame, and
 * the FP/vector state, which the frame holds in its xsave area (whose size
 * the x86 frame announces in the software-reserved bytes of the legacy area).
 */
void ctx_save_from_signal(int id, ucontext_t *uc)
{
    struct ctx *c = &ctxs[id];
    memcpy(&c->uc, uc, sizeof *uc);
#if defined(__x86_64__)
    uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
    uintptr_t sp = (uintptr_t)uc->uc_mcontext.sp;
#else
    uintptr_t sp = UINTPTR_MAX;
#endif
    /* Task code on the host stack below its bottom: ASan may have poisoned the gap's shadow. */
    if (c->stack && !c->task_top && sp < (uintptr_t)c->stack + GUARD_BYTES)
        c->gap_used = 1;
#if defined(__x86_64__)
    c->fpsize = 0;
    if (uc->uc_mcontext.fpregs) {
        const unsigned char *fp = (const unsigned char *)uc->uc_mcontext.fpregs;
        uint32_t magic1, extended;
        memcpy(&magic1, fp + 464, 4);           /* struct _fpx_sw_bytes at offset 464 */
        memcpy(&extended, fp + 464 + 4, 4);
        size_t n = 512;
        if (magic1 == 0x46505853u /* FP_XSTATE_MAGIC1 */ && extended <= FPBUF_BYTES)
            n = extended;
        memcpy(c->fpbuf, fp, n);
        if (n == 512)
            memset(c->fpbuf + 464, 0, 48);      /* no xstate beyond the legacy area */
        c->fpsize = n;
        c->uc.uc_mcontext.fpregs = (void *)c->fpbuf;
    }
#endif
    c->kind = CTX_UC;
    c->saved_by_signal = 1;
    c->resume_in_task = 1;
}

/*
 * Resume a trapped context exactly, as returning from its signal would:
 * build a signal frame on its own stack below the red zone and rt_sigreturn.
 * (setcontext restores only what a function call preserves.)
 * Not instrumented by ASan: its frame on the switching thread's stack is
 * abandoned, never returned from, so redzones poisoned for its locals would
 * stay and give false stack-buffer-underflow reports when that thread later
 * calls deeper at the same depth (seen in test_vspace.c's pager, which
 * resumes the threads it pages in).
 */
static void ctx_sigreturn(struct ctx *c) __attribute__((noreturn, no_sanitize("address")));
static void ctx_sigreturn(struct ctx *c)
{
    /*
     * Leave the kernel with every signal blocked: a tick between clearing
     * sim_in_kernel and the sigreturn would otherwise save this switching
     * code as the task. rt_sigreturn restores the task's own mask atomically.
     */
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    sim_kernel_leave();
#if defined(__x86_64__)
    uintptr_t sp = (uintptr_t)c->uc.uc_mcontext.gregs[REG_RSP];
    int on_host_stack = sp > (uintptr_t)c->stack + GUARD_BYTES &&
                        sp <= (uintptr_t)c->stack + HOST_MAP_BYTES;
    /*
     * Task code on a VSpace stack: build the frame on the kernel stack,
     * below trampoline's frames. The VSpace stack may be unmapped (the
     * thread faulted on it and its handler replied without mapping it).
     */
    if (c->task_top && c->ksp && !on_host_stack)
        sp = (uintptr_t)c->ksp;
    /*
     * Task code on its host stack whose sp is not in it: it overflowed into
     * the guard gap and its handler replied, so it retries there. Build the
     * frame below this function's own, on the stack the switch runs on
     * (nothing returns here, and every signal is blocked until the
     * sigreturn); the retried access faults again.
     */
    if (!c->task_top && !on_host_stack) {
        sp = (uintptr_t)__builtin_frame_address(0) - 4096;
#ifdef MICA_CTX_ASAN
        __asan_unpoison_memory_region((void *)(sp - 16384), 16384);    /* stale redzones */
#endif
    }
    sp -= 128;                                                          /* skip the red zone */
    size_t fpn = c->fpsize ? c->fpsize : 512;
    uintptr_t fp = (sp - fpn) & ~(uintptr_t)63;
    memcpy((void *)fp, c->fpbuf, fpn);
    uintptr_t ucp = (fp - sizeof(ucontext_t) - 64) & ~(uintptr_t)15;
    memcpy((void *)ucp, &c->uc, sizeof(ucontext_t));
    ((ucontext_t *)ucp)->uc_mcontext.fpregs = (void *)fp;
    /*
     * rt_sigreturn also installs the frame's alternate signal stack. The
     * context may have trapped on another CPU: keep this CPU's own (two
     * CPUs on one signal stack, or one on a stack its CPU has unmapped,
     * crashed the process on the next signal).
     */
    struct sim_cpu *self = sim_self();
    ((ucontext_t *)ucp)->uc_stack.ss_sp = self->alt_stack;
    ((ucontext_t *)ucp)->uc_stack.ss_size = self->alt_size;
    ((ucontext_t *)ucp)->uc_stack.ss_flags = 0;
    /* rt_sigreturn reads the frame at rsp - 8 (pretcode) and the ucontext at rsp. */
    __asm__ volatile("mov %0, %%rsp\n\t"
                     "mov $15, %%eax\n\t"
                     "syscall\n\t"
                     "ud2"
                     : : "r"(ucp) : "memory");
    __builtin_unreachable();
#else
    /* Elsewhere setcontext: exact for the callee-saved state only. */
    setcontext(&c->uc);
    abort();
#endif
}

/*
 * The size of the host stack of context id when addr lies in the guard gap
 * below it and the context's task code runs on that stack (it overflowed
 * it); 0 otherwise.
 */
size_t ctx_in_guard(int id, uintptr_t addr)
{
    if (id < (int)sim_ncpus || (unsigned)id >= nctx)
        return 0;
    const struct ctx *c = &ctxs[id];
    if (!c->stack || c->task_top)
        return 0;
    if (addr < (uintptr_t)c->stack || addr >= (uintptr_t)c->stack + GUARD_BYTES)
        return 0;
    return HOST_STACK_BYTES;
}

/*
 * The context saved from a signal resumes in fn() instead of where it was
 * interrupted: on its own stack, below the red zone, as if fn had been
 * called there (signals.c: a thread resumed after abort()). where: a pc
 * for fn's report (ctx_resume_where).
 */
void ctx_set_resume_call(int id, void (*fn)(void), uintptr_t where)
{
    struct ctx *c = &ctxs[id];
    c->resume_where = where;
#if defined(__x86_64__)
    uintptr_t sp = ((uintptr_t)c->uc.uc_mcontext.gregs[REG_RSP] - 128) & ~(uintptr_t)15;
    c->uc.uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)fn;
    c->uc.uc_mcontext.gregs[REG_RSP] = (greg_t)(sp - 8);
#elif defined(__aarch64__)
    c->uc.uc_mcontext.pc = (uintptr_t)fn;
    c->uc.uc_mcontext.sp = (c->uc.uc_mcontext.sp - 128) & ~(uintptr_t)15;
    c->uc.uc_mcontext.regs[30] = 0;
#else
    (void)c; (void)fn;      /* traps are not redirected on other architectures either */
#endif
}

/*
 * The context, resumed from its saved state a moment ago and not switched
 * away from since, is saved again as it was: resuming it later starts
 * there again (signals.c: the call ctx_set_resume_call arranged).
 */
uintptr_t ctx_resume_where(int id)
{
    return ctxs[id].resume_where;
}

ucontext_t *ctx_saved_uc(int id)
{
    return &ctxs[id].uc;
}

void ctx_keep_saved(int id)
{
    struct ctx *c = &ctxs[id];
    c->kind = CTX_UC;
    c->saved_by_signal = 1;
    c->resume_in_task = 1;
}

void ctx_resume_saved(int id)
{
    struct ctx *c = &ctxs[id];
    c->saved_by_signal = 0;
    c->resume_in_task = 0;
    set_cur(sim_cpu_here(), id);
    fiber_to(id);
    ctx_sigreturn(c);
}

/* Save `from` as a function return point, then resume trapped context t exactly. */
static void switch_to_trapped(int from, struct ctx *t)
{
    volatile int back = 0;
    ctxs[from].kind = CTX_UC;
    getcontext(&ctxs[from].uc);
    if (back)
        return;         /* someone switched back to `from` */
    back = 1;
    fiber_to((int)(t - ctxs));
    ctx_sigreturn(t);
}

#ifndef MICA_CTX_UCONTEXT
/* Build a first frame that "returns" into trampoline (see the .S layout tables). */
static void *asm_initial_frame(unsigned char *top)
{
    uintptr_t t = (uintptr_t)top & ~(uintptr_t)15;
#if defined(__x86_64__)
    uint64_t *ret = (uint64_t *)(t - 16);   /* ret slot 16-aligned: entry sees rsp % 16 == 8 */
    ret[1] = 0;                             /* fake return address ends backtraces */
    ret[0] = (uint64_t)(uintptr_t)trampoline;
    uint64_t *f = ret - 7;
    for (int i = 1; i < 7; i++)
        f[i] = 0;                           /* r15 r14 r13 r12 rbx rbp */
    uint32_t *cw = (uint32_t *)f;
    cw[0] = 0x1f80;                         /* default MXCSR */
    cw[1] = 0x037f;                         /* default x87 control word */
    return f;
#elif defined(__aarch64__)
    uint64_t *f = (uint64_t *)(t - 176);
    for (int i = 0; i < 22; i++)
        f[i] = 0;
    f[11] = (uint64_t)(uintptr_t)trampoline; /* x30 */
    return f;
#else
    (void)t;
    return NULL;
#endif
}
#endif

/* Bytes below the top of a new context's stack that the first frame may use (both backends). */
#define FIRST_FRAME_BYTES 512ul

/*
 * A thread whose sp lies in its VSpace window runs its task code on that
 * memory. Its first frame is on its host stack, but the kernel asks first
 * anyway, so that a stack top that is not mapped writable gives the VM
 * fault of the thread's first push before it starts (with the first frame
 * written there by the kernel, such a stack crashed the simulator: found by
 * mica-fuzz).
 */
int hw_ctx_stack_usable(hw_word_t vspace, hw_word_t sp)
{
    if (!is_vspace_stack(vspace, sp))
        return 1;       /* a host stack */
    hw_window_entry_t e;
    for (hw_word_t a = (sp - FIRST_FRAME_BYTES) & ~0xffful; a < sp; a += 4096)
        if (hw_window_probe(vspace, a, &e) != 0 || e.size_bits == 0 || !(e.rights & 1))
            return 0;
    return 1;
}

/*
 * A VSpace stack lies in the window of the 1 GiB region of its top (the
 * window is pinned: it stays while the VSpace does); it may grow down to
 * that region's start at most, past which lies no window.
 */
void hw_ctx_start(int id, hw_word_t pc, hw_word_t vspace, hw_word_t sp, const hw_word_t args[4])
{
    struct ctx *c = &ctxs[id];
    unsigned char *top = NULL, *window = NULL;
    unsigned char *stack_lo;
    size_t stack_size;

    if (is_vspace_stack(vspace, sp)) {
        unsigned char *last = mmu_ptr(vspace, sp - 1);
        if (last) {
            top = last + 1;
            window = last - ((sp - 1) & ((1ul << 30) - 1));
        }
    }
    c->pc = pc;
    for (int i = 0; i < 4; i++)
        c->args[i] = args[i];
    c->fresh = 1;
    c->resume_in_task = 0;
    c->saved_by_signal = 0;
    c->ksp = NULL;      /* its host stack exists: hw_ctx_alloc made it */
    if (top) {
        stack_size = (size_t)(top - window) < VSPACE_STACK_HINT ? (size_t)(top - window)
                                                                 : VSPACE_STACK_HINT;
        stack_lo = top - stack_size;
        c->task_top = top;
        c->task_window = window;
    } else {
        stack_lo = c->stack + GUARD_BYTES;
        stack_size = HOST_STACK_BYTES;
        c->task_top = NULL;
        c->task_window = NULL;
    }
    c->stack_lo = stack_lo;
    c->stack_size = stack_size;
#ifdef MICA_CTX_ASAN
    /*
     * Starting afresh abandons the frames of the context's previous run (a
     * thread restarted while blocked in the kernel never returns from it):
     * their ASan redzones would stay poisoned under the new frames and
     * give false stack-buffer-overflow reports (found by mica-fuzz).
     */
    __asan_unpoison_memory_region(stack_lo, stack_size);
    if (c->task_top)    /* and the kernel stack's, from a thread restarted while parked */
        __asan_unpoison_memory_region(c->stack + GUARD_BYTES, HOST_STACK_BYTES);
    if (c->gap_used)    /* and the gap's, from an overflow: the next one must fault, not be reported */
        __asan_unpoison_memory_region(c->stack, GUARD_BYTES);
    c->gap_used = 0;
#endif
    /* The first frame: on the host stack, whichever stack the task code uses. */
#ifndef MICA_CTX_UCONTEXT
    c->kind = CTX_ASM;
    c->sp = asm_initial_frame(c->stack + GUARD_BYTES + HOST_STACK_BYTES);
#else
    c->kind = CTX_UC;
    getcontext(&c->uc);
    c->uc.uc_link = NULL;
    c->uc.uc_stack.ss_sp = c->stack + GUARD_BYTES;
    c->uc.uc_stack.ss_size = HOST_STACK_BYTES;
    makecontext(&c->uc, trampoline, 0);
#endif
}

/*
 * Save the running context `from` and resume `to`; returns when `from` is
 * resumed. from == to happens when a thread restarts itself at a new pc:
 * the old frames are abandoned and the fresh context entered.
 */
void hw_ctx_switch(int from, int to)
{
    struct ctx *t = &ctxs[to];
    if (ctxs[from].saved_by_signal) {
        /* from was interrupted by the clock: its state is already saved. */
        ctxs[from].saved_by_signal = 0;
        ctxs[from].kind = CTX_UC;
        if (from != to || !t->fresh) {
            t->fresh = 0;
            set_cur(sim_cpu_here(), to);
            fiber_to(to);
            if (t->resume_in_task) {
                t->resume_in_task = 0;
                t->saved_by_signal = 0;
                ctx_sigreturn(t);
            }
#ifndef MICA_CTX_UCONTEXT
            if (t->kind == CTX_ASM)
                mica_ctx_jump_asm(t->sp);
#endif
            setcontext(&t->uc);
            abort();
        }
    }
    if (from == to) {
        if (!t->fresh)
            return;
        t->fresh = 0;
        if (t->kind == CTX_ASM)
            mica_ctx_jump_asm(t->sp);
        setcontext(&t->uc);
        abort();
    }
    t->fresh = 0;
    set_cur(sim_cpu_here(), to);
    if (t->resume_in_task) {
        /* It continues in task code where a trap or the clock stopped it. */
        t->resume_in_task = 0;
        t->saved_by_signal = 0;
        switch_to_trapped(from, t);
        set_cur(sim_cpu_here(), from);
        sim_in_kernel = 1;
        drain_pending();
        return;
    }
    fiber_to(to);
#ifndef MICA_CTX_UCONTEXT
    if (t->kind == CTX_ASM) {
        ctxs[from].kind = CTX_ASM;
        mica_ctx_switch_asm(&ctxs[from].sp, t->sp);
    } else
#endif
    {
        ctxs[from].kind = CTX_UC;
        swapcontext(&ctxs[from].uc, &t->uc);
    }
    /* We run again, on whichever CPU resumed us (inside the kernel, by the kernel). */
    set_cur(sim_cpu_here(), from);
    sim_in_kernel = 1;
    drain_pending();
}
