/*
 * trap.c - traps from task code: crashes and memory faults become seL4
 * faults of the thread that caused them, never a crash of the simulator.
 *
 *   SIGSEGV/SIGBUS at an address inside a window of the current thread's
 *       VSpace (mmu.c) -> VM fault (address = the vaddr, FSR bit 1 = write, prefetch flag),
 *       unless it is a load or store on a device frame: MMIO (mmio.c)
 *   any other SIGSEGV (NULL, a stack guard page, another VSpace's window,
 *       the gap between two windows), SIGBUS, SIGFPE, SIGILL,
 *   SIGABRT (abort()) -> user exception with the host signal as its number;
 *       a SIGSEGV in the guard gap below the thread's host stack is marked
 *       as a stack overflow for the report (ctx_in_guard)
 *
 * The handler runs on an alternate stack shared by everything on this CPU,
 * so it never keeps the thread there: it copies the interrupted context into
 * the thread's saved state (ctx.c), rewrites its own return so that it
 * continues in trap_entry on the kernel-entry stack, and returns. trap_entry
 * enters the kernel, which delivers the fault and runs someone else. If the
 * fault handler replies, the thread resumes at the faulting instruction with
 * setcontext - the access is retried.
 *
 * A trap inside the kernel or the simulator itself is a bug: the default
 * action (a core dump) is restored and the signal raised again.
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include "sim.h"

#if defined(__SANITIZE_ADDRESS__)
#define MICA_TRAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MICA_TRAP_ASAN 1
#endif
#endif
#ifdef MICA_TRAP_ASAN
#include <sanitizer/asan_interface.h>
#endif

#define ALT_STACK_BYTES   (64u << 10)
#define ENTRY_STACK_BYTES (256u << 10)

static const int trap_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
#define NSIG_TRAPS (int)(sizeof trap_signals / sizeof trap_signals[0])

/* Each CPU has its own signal stack, entry stack and pending fault (struct sim_cpu). */
static struct sigaction old_actions[NSIG_TRAPS];
static stack_t old_alt[SIM_MAX_CPUS];
static int installed, traps_installed;

uintptr_t trap_pc(const ucontext_t *uc)
{
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#else
    (void)uc;
    return 0;
#endif
}

uintptr_t trap_sp(const ucontext_t *uc)
{
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.sp;
#else
    (void)uc;
    return 0;
#endif
}

void *trap_entry_stack_top(void)
{
    unsigned char *entry_stack = sim_self()->entry_stack;
#ifdef MICA_TRAP_ASAN
    /*
     * The last trap_entry or preempt_entry on this stack never returned (the
     * kernel ran someone else): its frames' ASan redzones are still poisoned
     * and would give false stack-buffer-overflow reports under the new ones.
     */
    __asan_unpoison_memory_region(entry_stack, ENTRY_STACK_BYTES);
#endif
    return (void *)((uintptr_t)(entry_stack + ENTRY_STACK_BYTES) & ~(uintptr_t)15);
}

void trap_redirect(ucontext_t *uc, void (*fn)(void))
{
    uintptr_t top = (uintptr_t)trap_entry_stack_top();
#if defined(__x86_64__)
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)fn;
    uc->uc_mcontext.gregs[REG_RSP] = (greg_t)(top - 8);     /* as if called */
#elif defined(__aarch64__)
    uc->uc_mcontext.pc = (uintptr_t)fn;
    uc->uc_mcontext.sp = top;
    uc->uc_mcontext.regs[30] = 0;
#else
    (void)uc; (void)fn; (void)top;
#endif
}

/* Would the thread, resumed where it trapped, trap again? Not after a signal it sent itself. */
static int traps_again(const hw_fault_t *f)
{
    return (f->signo == SIGSEGV || f->signo == SIGBUS || f->signo == SIGFPE || f->signo == SIGILL) &&
           (int)f->code > 0;
}

static void trap_entry(void)
{
    sim_kernel_enter();
    int ctx = ctx_current();
    hw_fault_t f = sim_self()->pending;
    kernel_fault(ctx, &f);
    /*
     * kernel_fault returns only when the thread was parked (SMP) and runs
     * again. A fault of the instruction comes back when it resumes; a
     * signal the thread sent itself would not: deliver it now.
     */
    while (!traps_again(&f))
        kernel_fault(ctx_current(), &f);
    ctx_resume_saved(ctx_current());
}

static void die(int sig, uintptr_t pc)
{
    for (int i = 0; i < NSIG_TRAPS; i++)
        signal(trap_signals[i], SIG_DFL);
    char at[256];
    sim_symbolize(pc, at, sizeof at);
    const char *name = sigabbrev_np(sig);
    fflush(stdout);
    fprintf(stderr, "mica: host signal SIG%s inside the %s, at %s: this is a bug in mica\n",
            name ? name : "?", sim_in_kernel ? "kernel" : "simulator's idle loop", at);
    sim_internal_error();
    raise(sig);
    abort();
}

void trap_signal(int sig, siginfo_t *si, ucontext_t *uc)
{
    int ctx = ctx_current();
    if (sim_in_kernel || ctx < (int)sim_ncpus)
        die(sig, trap_pc(uc));

    hw_fault_t pending;
    memset(&pending, 0, sizeof pending);
    pending.ip = trap_pc(uc);
    pending.signo = (unsigned)sig;
    pending.code = (unsigned)si->si_code;
    uintptr_t addr = (uintptr_t)si->si_addr;
    pending.host_addr = addr;
#if defined(__x86_64__)
    if (sig == SIGSEGV)
        pending.write = (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#endif
    /*
     * Where the host addresses lie: a window of the thread's own VSpace is
     * a VM fault at that vaddr; anything else - another VSpace's window, a
     * gap between windows, NULL - is a stray pointer, a user exception.
     */
    sim_kernel_lock();      /* kernel state: another CPU may be changing it */
    hw_word_t vs = kernel_current_vspace(), avs = 0, avaddr = 0, svs = 0, svaddr = 0;
    int in_own = vs && mmu_lookup_host(addr, &avs, &avaddr) && avs == vs;
    uintptr_t sp = trap_sp(uc);
    pending.sp = sp;
    if (vs && mmu_lookup_host(sp, &svs, &svaddr) && svs == vs)
        pending.sp = svaddr;     /* report a VSpace stack as a vaddr */
    sim_kernel_unlock();
    if ((sig == SIGSEGV || sig == SIGBUS) && in_own) {
        pending.vm = 1;
        pending.addr = avaddr;
#if defined(__x86_64__)
        unsigned long err = (unsigned long)uc->uc_mcontext.gregs[REG_ERR];
        pending.fsr = err;                   /* x86 page-fault error code: bit 1 = write */
        pending.prefetch = (err >> 4) & 1;   /* bit 4 = instruction fetch */
#elif defined(__aarch64__)
        pending.fsr = 0;                     /* ESR is not exposed to user space portably */
#endif
        /* A load or store on a device frame: performed on the device, and the thread goes on. */
        sim_self()->mmio_why = NULL;
        if (sig == SIGSEGV && si->si_code > 0 && mmio_trap(ctx, uc, addr, pending.addr, &pending))
            return;
    } else if (sig == SIGSEGV) {
        pending.stack_overflow = ctx_in_guard(ctx, addr);   /* in the gap below its host stack */
    }
    /*
     * A signal the thread sent itself (raise, abort, kill) stops it inside
     * the C library: the report names the task's own call too. The stack
     * is sound here (the task called a function), so it can be unwound.
     */
    int sent = sigs_sent_by_us(si);
    uintptr_t caller = 0;
    if (sent) {
        void *frames[24];
        int n = backtrace(frames, (int)(sizeof frames / sizeof frames[0]));
        caller = sigs_task_caller(frames, n, pending.ip);
    }
    sim_self()->pending = pending;
    sim_self()->pending_caller = caller;
    ctx_save_from_signal(ctx, uc);
    /*
     * abort() cannot return: resumed by its fault handler, glibc's abort
     * sets SIGABRT to its default action and raises it again, ending the
     * process. Such a thread resumes in sigs_abort_resumed, which stops it.
     */
    if (sig == SIGABRT && sent)
        ctx_set_resume_call(ctx, sigs_abort_resumed, caller ? caller : pending.ip + 1);
    sim_in_kernel = 1;      /* as in clock.c: the CPU is in the kernel until the thread resumes */
    trap_redirect(uc, trap_entry);
}

static void on_trap(int sig, siginfo_t *si, void *ucv)
{
    if (sigs_sent_from_outside(si)) {
        sigs_interrupt(sig, si, ucv, 1);    /* `kill -SEGV` from a shell: not the task's doing */
        return;
    }
    trap_signal(sig, si, ucv);
}

/* This CPU's signal and entry stacks (run on the CPU's host thread). */
int trap_cpu_init(struct sim_cpu *c)
{
    c->alt_stack = mmap(NULL, ALT_STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    c->entry_stack = mmap(NULL, ENTRY_STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (c->alt_stack == MAP_FAILED || c->entry_stack == MAP_FAILED) {
        if (c->alt_stack != MAP_FAILED)
            munmap(c->alt_stack, ALT_STACK_BYTES);
        if (c->entry_stack != MAP_FAILED)
            munmap(c->entry_stack, ENTRY_STACK_BYTES);
        c->alt_stack = c->entry_stack = NULL;
        return -1;
    }
#ifdef MICA_TRAP_ASAN
    /*
     * Fresh pages, but ASan's shadow for these addresses may still hold the
     * redzones of stack frames that lived there in an earlier run of this
     * process (munmap leaves the shadow as it was): ctx_save_from_signal's
     * copy of the signal frame then read as a stack-buffer-underflow (found
     * by the fuzz tests, which run several systems per process).
     */
    __asan_unpoison_memory_region(c->alt_stack, ALT_STACK_BYTES);
    __asan_unpoison_memory_region(c->entry_stack, ENTRY_STACK_BYTES);
#endif
    c->alt_size = ALT_STACK_BYTES;
    c->tid = gettid();
    /* This host thread's flag; published last: the watchdog and signals.c read tid after it. */
    __atomic_store_n(&c->in_kernel_flag, &sim_in_kernel, __ATOMIC_RELEASE);
    stack_t ss = { .ss_sp = c->alt_stack, .ss_size = ALT_STACK_BYTES, .ss_flags = 0 };
    sigaltstack(&ss, &old_alt[c->id]);
    return 0;
}

void trap_cpu_fini(struct sim_cpu *c)
{
    if (!c->alt_stack)
        return;
    __atomic_store_n(&c->in_kernel_flag, NULL, __ATOMIC_RELEASE);  /* the thread's TLS goes away */
    sigaltstack(&old_alt[c->id], NULL);
#ifdef MICA_TRAP_ASAN
    __asan_unpoison_memory_region(c->alt_stack, ALT_STACK_BYTES);     /* as in trap_cpu_init */
    __asan_unpoison_memory_region(c->entry_stack, ENTRY_STACK_BYTES);
#endif
    munmap(c->alt_stack, ALT_STACK_BYTES);
    munmap(c->entry_stack, ENTRY_STACK_BYTES);
    c->alt_stack = c->entry_stack = NULL;
}

/* The handlers (process-wide) and CPU 0's stacks; call on CPU 0's host thread. */
int trap_init(void)
{
    if (trap_cpu_init(&sim_cpus[0]) != 0)
        return -1;
    installed = 1;
    if (sigs_start() != 0)      /* before the handlers: on_trap may pass a signal on to it */
        return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_trap;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    /*
     * No clock tick or IPI inside on_trap: one after ctx_save_from_signal
     * would save on_trap itself as the thread, and the thread, resumed there
     * after its fault was handled, would deliver the same fault a second time.
     */
    sigaddset(&sa.sa_mask, SIGALRM);
    sigaddset(&sa.sa_mask, SIM_IPI_SIGNAL);
    sigaddset(&sa.sa_mask, SIM_STALL_SIGNAL);   /* the watchdog's: never inside another handler */
    for (int i = 0; i < NSIG_TRAPS; i++)
        sigaction(trap_signals[i], &sa, &old_actions[i]);
    traps_installed = 1;
    return 0;
}

void trap_fini(void)
{
    if (!installed)
        return;
    if (traps_installed) {
        for (int i = 0; i < NSIG_TRAPS; i++) {
            /*
             * Task code linked with mica's flags cannot replace these
             * handlers (sigwrap.c); code that bypassed them (a library
             * built without them, a raw system call) is reported here.
             */
            struct sigaction cur;
            if (sigaction(trap_signals[i], NULL, &cur) == 0 &&
                (!(cur.sa_flags & SA_SIGINFO) || cur.sa_sigaction != on_trap)) {
                char name[32];
                sim_signal_name(trap_signals[i], name, sizeof name);
                hw_log("mica's %s handler was replaced during the run, by code not linked with "
                       "`pkg-config --libs mica` (or by a raw system call): from then on, that "
                       "signal in task code was not a fault of its thread", name);
            }
            sigaction(trap_signals[i], &old_actions[i], NULL);
        }
    }
    traps_installed = 0;
    sigs_stop();
    trap_cpu_fini(&sim_cpus[0]);
    installed = 0;
}
