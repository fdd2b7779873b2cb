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
/* Ticks from instrumented task code: the block at the end of this file. */
static void blocks_start(mica_clock_t clock);
static void blocks_cpu_start(unsigned cpu);
static void blocks_stop(void);

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
    (void)sig;
    /* Expirations while the signal was pending merge into one signal: count them too. */
    unsigned long n = 1;
    if (si && si->si_code == SI_TIMER && si->si_overrun > 0)
        n += (unsigned long)si->si_overrun;
    __atomic_fetch_add(&sim_self()->ticks, n, __ATOMIC_RELAXED);
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
    blocks_cpu_start(c->id);
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
    blocks_start(clock);
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
    sigaddset(&sa.sa_mask, SIM_STALL_SIGNAL);   /* the watchdog's: never inside another handler */
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
    blocks_stop();
}

/*
 * --- Ticks from instrumented task code -------------------------------------
 *
 * Under the virtual clock only kernel entries tick, so task code that never
 * enters the kernel (`while (!flag);`) is never preempted. Task code built
 * with `pkg-config --variable=preempt_cflags mica` (-fsanitize-coverage=
 * trace-pc) calls __sanitizer_cov_trace_pc at every basic block; each CPU
 * counts those calls, and at the end of every period of
 * CLOCK_BLOCKS_PER_TICK blocks the running thread calls into the kernel
 * (kernel_tick) from its own context, as a system call does. The kernel
 * ticks only if the CPU made no kernel entry during the period, so a thread
 * runs between one and two periods without an entry before each tick, and
 * code that makes system calls sees no tick it would not have had. The
 * count is of blocks, not host time: a run stays a function of the program
 * and the seed. With a seed, each period's length is drawn from
 * [CLOCK_BLOCKS_PER_TICK / 2, 3 * CLOCK_BLOCKS_PER_TICK / 2), so the seed
 * moves preemption points between blocks, as it moves them between entries
 * (the kernel's timeslice jitter).
 *
 * The hook does nothing but count outside a run, with the real clock (its
 * timer preempts anyway), in the kernel or an idle loop, on a host thread
 * that is not a simulated CPU, and on the CPU's signal stack (a handler the
 * task installed itself). It is never instrumented itself (sim/
 * is not built with the flag), and the kernel entry sets sim_in_kernel
 * first, so the hook cannot recurse.
 */
#define CLOCK_BLOCKS_PER_TICK 10000

static int blocks_armed;        /* a run with the virtual clock is on */
static uint64_t blocks_seed;
/* This host thread's blocks left in the period, and its period generator. */
static __thread long blocks_left __attribute__((tls_model("initial-exec")));
static __thread uint64_t blocks_rng __attribute__((tls_model("initial-exec")));
/* Blocks this host thread ran in the periods before the current one, and the current one's length. */
static __thread uint64_t blocks_done __attribute__((tls_model("initial-exec")));
static __thread long blocks_len __attribute__((tls_model("initial-exec")));

static long blocks_period(void)
{
    if (!blocks_seed)
        return CLOCK_BLOCKS_PER_TICK;
    uint64_t x = blocks_rng;    /* xorshift64, never 0 */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    blocks_rng = x;
    return CLOCK_BLOCKS_PER_TICK / 2 + (long)(x % CLOCK_BLOCKS_PER_TICK);
}

/* A CPU starts counting afresh (on its host thread, at the start of a run). */
static void blocks_cpu_start(unsigned cpu)
{
    blocks_rng = (blocks_seed + cpu) * 0x9e3779b97f4a7c15ull | 1;
    blocks_done = 0;
    blocks_len = blocks_left = blocks_period();
}

/*
 * Basic blocks of instrumented task code this host thread (one simulated
 * CPU) has run since the run started: a deterministic measure of user-level
 * work under the virtual clock (mica_sim_counters' task_blocks).
 */
uint64_t clock_task_blocks(void)
{
    return blocks_done + (uint64_t)(blocks_len - blocks_left);
}

static void blocks_start(mica_clock_t clock)
{
    blocks_seed = sim.cfg ? sim.cfg->seed : 0;
    blocks_armed = clock == MICA_CLOCK_VIRTUAL;
    blocks_cpu_start(0);
}

static void blocks_stop(void)
{
    blocks_armed = 0;
}

/* The kernel half, on the thread's kernel stack. */
static void blocks_tick_entry(void *arg)
{
    (void)arg;
    sim_kernel_enter();
    kernel_tick(ctx_current());
    /* Back in task mode, perhaps on another CPU: sim_in_kernel is that CPU's. */
    sim_kernel_leave();
}

static __attribute__((noinline, cold)) void blocks_period_end(void)
{
    blocks_done += (uint64_t)blocks_len;
    blocks_len = blocks_left = blocks_period();
    if (!blocks_armed || !sim.booted || sim_in_kernel)
        return;         /* no run, the real clock, or the kernel */
    struct sim_cpu *c = sim_self_or_null();
    if (!c || c->cur < (int)sim_ncpus)
        return;         /* not a simulated CPU, or its idle loop */
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    if (sp - (uintptr_t)c->alt_stack < c->alt_size)
        return;         /* a signal handler of the task's own: never park a thread on that stack */
    /* Not progress for the watchdog: a thread that only takes these ticks is still spinning. */
    __atomic_fetch_add(&c->hook_entries, 1, __ATOMIC_RELAXED);
    if (c->cur_vspace_stack) {
        /* The kernel must not run on task memory: to the kernel stack, as sim_trap does. */
        mica_call_on_stack(blocks_tick_entry, NULL,
                           (void *)(((uintptr_t)*c->cur_ksp - 64) & ~(uintptr_t)15), NULL);
        return;
    }
    blocks_tick_entry(NULL);
}

/* Called by instrumented code at every basic block. */
void __sanitizer_cov_trace_pc(void);
void __sanitizer_cov_trace_pc(void)
{
    if (__builtin_expect(--blocks_left > 0, 1))
        return;
    blocks_period_end();
}
