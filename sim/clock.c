/*
 * clock.c - the two clocks.
 *
 * Virtual: one tick per kernel entry, so preemption happens only at kernel
 * entries and a single-CPU run is deterministic.
 *
 * Real: a host interval timer (SIGALRM, every CLOCK_TICK_US) interrupts
 * task code anywhere. The handler runs on an alternate stack shared by the
 * CPU, so it never parks a thread there: it copies the interrupted context
 * into the thread's saved state (ctx.c), rewrites its own return to enter
 * preempt_entry on a preemption stack, and returns. preempt_entry enters the
 * kernel, which may switch to another thread; the preempted one resumes
 * later with setcontext at the interrupted instruction.
 *
 * A tick that arrives in the kernel, on the idle loop, or in code outside
 * the main program's text (the C library may hold a lock another task
 * needs) is only counted; the next kernel entry takes it.
 *
 * Several CPUs: each CPU's host thread has its own timer (timer_create,
 * delivered to that thread) and its own count of ticks. An IPI
 * (SIM_IPI_SIGNAL, cpu.c) preempts task code the same way, with either
 * clock, so that a CPU running task code enters the kernel soon.
 */
#define _GNU_SOURCE
#include <link.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>
#include "sim.h"

#define CLOCK_TICK_US    1000

__thread volatile sig_atomic_t sim_in_kernel __attribute__((tls_model("initial-exec")));
int hw_clock_real;
#define real_clock hw_clock_real
static uintptr_t text_lo, text_hi;      /* the main program's executable segment(s) */
static struct sigaction old_alrm, old_ipi;
static int ipi_installed;
static timer_t timers[SIM_MAX_CPUS];      /* each CPU's real-clock timer */
static int has_timer[SIM_MAX_CPUS];

hw_word_t hw_clock_take_ticks(void)
{
    if (!real_clock)
        return 1;
    return __atomic_exchange_n(&sim_self()->ticks, 0, __ATOMIC_RELAXED);
}

static int find_text(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size; (void)data;
    /* The first object is the main program. */
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
            if (!text_lo || lo < text_lo)
                text_lo = lo;
            if (hi > text_hi)
                text_hi = hi;
        }
    }
    return 1;
}

void sim_main_text(uintptr_t *lo, uintptr_t *hi)
{
    if (!text_hi)
        dl_iterate_phdr(find_text, NULL);
    *lo = text_lo;
    *hi = text_hi;
}

static void preempt_entry(void)
{
    sim_kernel_enter();
    int ctx = ctx_current();
    kernel_preempt(ctx);
    /* The kernel kept this thread: resume it where it was interrupted. */
    ctx_resume_saved(ctx);
}

/*
 * Preempt the task code this signal interrupted, if that is safe here.
 * Never under ThreadSanitizer: it delays asynchronous signals to a point
 * of its choosing and hands the handler a copy of the context, so the
 * redirect would resume a stale one. There, ticks and IPIs take effect at
 * the next kernel entry.
 */
#if defined(__SANITIZE_THREAD__)
#define MICA_CLOCK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MICA_CLOCK_TSAN 1
#endif
#endif
static void preempt(ucontext_t *uc)
{
#ifdef MICA_CLOCK_TSAN
    (void)uc;
    return;
#endif
    uintptr_t pc = trap_pc(uc);
    int ctx = ctx_current();
    if (sim_in_kernel || ctx < (int)sim_ncpus || pc < text_lo || pc >= text_hi)
        return;     /* not safe here: the next kernel entry takes the tick */
    ctx_save_from_signal(ctx, uc);
    /* From here until the thread resumes the CPU is in the kernel: a tick
     * that lands before preempt_entry runs must not save this code as a task. */
    sim_in_kernel = 1;
    trap_redirect(uc, preempt_entry);
}

static void on_alarm(int sig, siginfo_t *si, void *ucv)
{
    (void)sig; (void)si;
    __atomic_fetch_add(&sim_self()->ticks, 1, __ATOMIC_RELAXED);
    preempt(ucv);
}

static void on_ipi(int sig, siginfo_t *si, void *ucv)
{
    (void)sig; (void)si;
    preempt(ucv);
}

/* This CPU's timer, delivering SIGALRM to this host thread (run on it). */
int clock_cpu_start(struct sim_cpu *c)
{
    c->ticks = 0;
    if (!real_clock)
        return 0;
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SIGALRM;
    ev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
    if (timer_create(CLOCK_MONOTONIC, &ev, &timers[c->id]) != 0)
        return -1;
    has_timer[c->id] = 1;
    struct itimerspec it = { { 0, CLOCK_TICK_US * 1000 }, { 0, CLOCK_TICK_US * 1000 } };
    timer_settime(timers[c->id], 0, &it, NULL);
    return 0;
}

void clock_cpu_stop(struct sim_cpu *c)
{
    if (has_timer[c->id]) {
        timer_delete(timers[c->id]);
        has_timer[c->id] = 0;
    }
}

int clock_start(mica_clock_t clock)
{
    real_clock = clock == MICA_CLOCK_REAL;
    sim_in_kernel = 0;
    if (!real_clock && !sim_smp)
        return 0;
#if !defined(__x86_64__) && !defined(__aarch64__)
    fprintf(stderr, "mica: the real clock and several CPUs are not supported on this architecture\n");
    return -1;
#endif
    text_lo = text_hi = 0;
    dl_iterate_phdr(find_text, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGALRM);
    sigaddset(&sa.sa_mask, SIM_IPI_SIGNAL);
    if (sim_smp) {
        sa.sa_sigaction = on_ipi;
        sigaction(SIM_IPI_SIGNAL, &sa, &old_ipi);
        ipi_installed = 1;
    }
    if (real_clock) {
        sa.sa_sigaction = on_alarm;
        sigaction(SIGALRM, &sa, &old_alrm);
        if (clock_cpu_start(&sim_cpus[0]) != 0) {
            fprintf(stderr, "mica: the host refused a timer for the real clock\n");
            return -1;
        }
    }
    return 0;
}

void clock_stop(void)
{
    if (real_clock) {
        clock_cpu_stop(&sim_cpus[0]);
        sigaction(SIGALRM, &old_alrm, NULL);
    }
    if (ipi_installed) {
        sigaction(SIM_IPI_SIGNAL, &old_ipi, NULL);
        ipi_installed = 0;
    }
    real_clock = 0;
}
