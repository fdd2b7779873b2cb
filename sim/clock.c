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
 */
#define _GNU_SOURCE
#include <link.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
#include "sim.h"

#define CLOCK_TICK_US    1000

volatile sig_atomic_t sim_in_kernel;
int hw_clock_real;
#define real_clock hw_clock_real
static atomic_ulong pending_ticks;
static uintptr_t text_lo, text_hi;      /* the main program's executable segment(s) */
static struct sigaction old_alrm;

hw_word_t hw_clock_take_ticks(void)
{
    if (!real_clock)
        return 1;
    return atomic_exchange(&pending_ticks, 0);
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

static void preempt_entry(void)
{
    sim_in_kernel = 1;
    int ctx = ctx_current();
    kernel_preempt(ctx);
    /* The kernel kept this thread: resume it where it was interrupted. */
    ctx_resume_saved(ctx);
}

static void on_alarm(int sig, siginfo_t *si, void *ucv)
{
    (void)sig; (void)si;
    ucontext_t *uc = ucv;
    atomic_fetch_add(&pending_ticks, 1);
    uintptr_t pc = trap_pc(uc);
    int ctx = ctx_current();
    if (sim_in_kernel || ctx == 0 || pc < text_lo || pc >= text_hi)
        return;     /* not safe here: the next kernel entry takes the tick */
    ctx_save_from_signal(ctx, uc);
    /* From here until the thread resumes the CPU is in the kernel: a tick
     * that lands before preempt_entry runs must not save this code as a task. */
    sim_in_kernel = 1;
    trap_redirect(uc, preempt_entry);
}

int clock_start(mica_clock_t clock)
{
    real_clock = clock == MICA_CLOCK_REAL;
    atomic_store(&pending_ticks, 0);
    sim_in_kernel = 0;
    if (!real_clock)
        return 0;
#if !defined(__x86_64__) && !defined(__aarch64__)
    fprintf(stderr, "mica: the real clock is not supported on this architecture\n");
    return -1;
#endif
    text_lo = text_hi = 0;
    dl_iterate_phdr(find_text, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_alarm;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old_alrm);
    struct itimerval it = { { 0, CLOCK_TICK_US }, { 0, CLOCK_TICK_US } };
    setitimer(ITIMER_REAL, &it, NULL);
    return 0;
}

void clock_stop(void)
{
    if (!real_clock)
        return;
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &old_alrm, NULL);
    real_clock = 0;
}
