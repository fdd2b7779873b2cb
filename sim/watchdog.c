/*
 * watchdog.c - task code that never comes back to the kernel.
 *
 * Under the virtual clock time advances only at kernel entries, so a task
 * spinning on `while (!flag);` would hang the run forever, silently; under
 * either clock a task blocked in the host (a pthread mutex held by a task
 * preempted on the same CPU, sleep(), a read) stops its whole simulated CPU.
 * A host thread watches each CPU:
 *
 *   progress   the CPU is in the kernel, or entered it since the last look
 *              (kernel_entry_count with one CPU; the CPU's lock count with
 *              several) - nothing to do;
 *   spinning   its host thread has used watchdog_ms of CPU time in task code
 *              without a kernel entry (CPU time, not wall time, so a
 *              breakpoint in gdb is not a stall);
 *   blocked    it has sat watchdog_ms of wall time in task code using almost
 *              no CPU (skipped while a debugger is attached).
 *
 * Then it sends the CPU SIM_STALL_SIGNAL. The handler, on that CPU's host
 * thread, notes where the task was (pc and a backtrace, to find the task's
 * own frame under a C library call), saves the context as a trap does, and
 * leaves for stall_entry, which names the place and enters the kernel
 * (kernel_stall). A spinning thread, or a blocked one while other threads are
 * ready on its CPU, stops the system with MICA_STOP_STALLED; a blocked one
 * with nothing else to run is no stall and resumes (its host call restarts).
 *
 * If the run has still not ended some seconds later (the task blocked the
 * signal, or another CPU is stuck where nothing can interrupt it), the
 * watchdog reports it, completes the trace files and ends the process with
 * exit status 4: never a hang.
 *
 * The watchdog costs the kernel-entry path nothing: it reads counters the
 * kernel keeps anyway. It is off under ThreadSanitizer, which delays
 * asynchronous signals (clock.c) and would flag its lock-free reads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include "sim.h"

#if defined(__SANITIZE_THREAD__)
#define MICA_WATCHDOG_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MICA_WATCHDOG_TSAN 1
#endif
#endif

static struct {
    pthread_t thread;
    int running;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stop;
    unsigned ms;
    mica_clock_t clock;
    struct sigaction old;
    int installed;
} wd = { .lock = PTHREAD_MUTEX_INITIALIZER };

static double now_s(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Read a small /proc file into buf (no stdio: nothing here may allocate during a run). */
static ssize_t read_proc(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t k = read(fd, buf, n - 1);
    close(fd);
    buf[k > 0 ? k : 0] = 0;
    return k;
}

/* Is a debugger (ptrace) attached to this process? Its stops look like blocking. */
static int traced(void)
{
    char buf[2048];
    if (read_proc("/proc/self/status", buf, sizeof buf) <= 0)
        return 0;
    const char *t = strstr(buf, "TracerPid:");
    return t && atoi(t + 10) != 0;
}

/* Is host thread tid asleep in the host kernel (state S or D), not running or runnable? */
static int asleep(pid_t tid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
    if (read_proc(path, buf, sizeof buf) <= 0)
        return 0;
    const char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && (p[2] == 'S' || p[2] == 'D');
}

/* The entry the stall signal leaves for, on the CPU's kernel-entry stack. */
static void stall_entry(void)
{
    struct sim_cpu *c = sim_self();
    char at[256], caller[256] = "", what[768];
    sim_symbolize(c->stall_pc, at, sizeof at);
    /*
     * A pc outside the program's own code (in the C library: a futex wait,
     * a sleep) says little: name the task's frame that called it too.
     */
    uintptr_t lo, hi;
    sim_main_text(&lo, &hi);
    /* In the basic-block hook (instrumented code): the block that called it is the place. */
    int in_hook = strncmp(at, "__sanitizer_cov_trace_pc", 24) == 0 || strncmp(at, "blocks_", 7) == 0;
    if (in_hook || c->stall_pc < lo || c->stall_pc >= hi) {
        int i = 0;
        while (i < c->stall_nframes && (uintptr_t)c->stall_frames[i] != c->stall_pc)
            i++;
        for (i++; i < c->stall_nframes; i++) {
            uintptr_t f = (uintptr_t)c->stall_frames[i];
            if (f >= lo && f < hi) {
                sim_symbolize(f - 1, caller, sizeof caller);
                if (in_hook && (strncmp(caller, "__sanitizer_cov_trace_pc", 24) == 0 ||
                                strncmp(caller, "blocks_", 7) == 0))
                    continue;
                break;
            }
        }
        if (in_hook && caller[0]) {
            memcpy(at, caller, sizeof at);
            caller[0] = 0;
        }
    }
    /* Instrumented code took clock ticks meanwhile, but made no system call. */
    const char *without = c->stall_ticked ? "without a system call (only clock ticks)"
                                          : "without entering the kernel";
    if (c->stall_blocked)
        snprintf(what, sizeof what,
                 "has been blocked in the host for %.3g s without entering the kernel, in %s%s%s, "
                 "while other threads are ready on its CPU: a host lock (pthread mutex, semaphore) "
                 "held by a preempted thread, or a blocking host call, stops the whole simulated "
                 "CPU; use mica_mutex_t from <mica/user.h> or wait on a notification",
                 c->stall_secs, at, caller[0] ? " called from " : "", caller);
    else if (wd.clock == MICA_CLOCK_VIRTUAL)
        snprintf(what, sizeof what,
                 "ran %.3g s of host time %s, at %s%s%s: %s",
                 c->stall_secs, without, at, caller[0] ? " called from " : "", caller,
                 c->stall_ticked ? "it waits for something that never happens, or computes too long "
                                   "(raise --watchdog, or 0 = off)"
                 : "under the virtual clock only kernel entries preempt; wait on a notification, "
                   "build task code with `pkg-config --variable=preempt_cflags mica`, or run with "
                   "--clock real");
    else
        snprintf(what, sizeof what,
                 "ran %.3g s of host time %s, at %s%s%s, outside the program's own code, where "
                 "the real clock cannot preempt it",
                 c->stall_secs, without, at, caller[0] ? " called from " : "", caller);
    sim_kernel_enter();
    int ctx = ctx_current();
    if (!kernel_stall(ctx, what, c->stall_blocked))
        ctx_resume_saved(ctx);      /* no stall after all: resume it (its host call restarts) */
    /* kernel_stall switched away for good. */
    abort();
}

static void on_stall(int sig, siginfo_t *si, void *ucv)
{
    (void)sig; (void)si;
    ucontext_t *uc = ucv;
    struct sim_cpu *c = sim_self();
    int ctx = ctx_current();
    if (sim_in_kernel || ctx < (int)sim_ncpus)
        return;     /* it entered the kernel meanwhile: no stall */
    if (trap_sp(uc) - (uintptr_t)c->alt_stack < c->alt_size)
        return;     /* inside a signal handler on the CPU's signal stack: look again later */
    c->stall_pc = trap_pc(uc);
    c->stall_nframes = backtrace(c->stall_frames, (int)(sizeof c->stall_frames / sizeof c->stall_frames[0]));
    ctx_save_from_signal(ctx, uc);
    sim_in_kernel = 1;      /* as in trap.c: in the kernel until the thread resumes */
    trap_redirect(uc, stall_entry);
}

/* The run did not end after a stall was declared: say so and end the process. */
static void give_up(unsigned cpu, const char *why)
{
    fflush(stdout);
    fprintf(stderr, "mica: stopped (stalled): thread '%s' on CPU %u %s; the simulator cannot "
            "take the CPU back (task code blocked the watchdog's signal, or sits where nothing "
            "can interrupt it), so the process ends here\n",
            kernel_cpu_thread_name(cpu), cpu, why);
    sim_outputs_emergency();
    _exit(MICA_EXIT_STALLED);
}

/*
 * A CPU's kernel entries that are progress: system calls and faults, not
 * the ticks instrumented task code takes at the end of each period of basic
 * blocks (clock.c) - a thread that only takes those is still spinning.
 */
static unsigned long progress(unsigned cpu)
{
    if (!sim_smp)
        return (unsigned long)kernel_entry_count();
    return __atomic_load_n(&sim_cpus[cpu].entries, __ATOMIC_RELAXED) -
           __atomic_load_n(&sim_cpus[cpu].hook_entries, __ATOMIC_RELAXED);
}

static void *watch(void *arg)
{
    (void)arg;
    sim_own_thread = 1;     /* its _exit (give_up) is the simulator's, not task code's */
    double limit = wd.ms / 1000.0;
    double period = limit / 8;
    if (period < 0.005)
        period = 0.005;
    if (period > 0.25)
        period = 0.25;
    struct {
        unsigned long entries;
        unsigned long hooks;    /* basic-block ticks at the last progress */
        double cpu0;            /* its host thread's CPU time at the last progress */
        double idle;            /* wall time in task code since then */
        double slept;           /* of which its host thread was seen asleep */
        clockid_t clk;
        int have_clk;
    } w[SIM_MAX_CPUS];
    memset(w, 0, sizeof w);
    int is_traced = traced();
    double last = now_s(CLOCK_MONOTONIC), declared = 0;
    unsigned declared_cpu = 0;

    pthread_mutex_lock(&wd.lock);
    while (!wd.stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        long ns = until.tv_nsec + (long)(period * 1e9);
        until.tv_sec += ns / 1000000000;
        until.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&wd.cond, &wd.lock, &until);
        if (wd.stop)
            break;
        double now = now_s(CLOCK_MONOTONIC), dt = now - last;
        last = now;
        if (declared) {
            if (now - declared > 3.0 + limit)
                give_up(declared_cpu, "does not come back to the kernel");
            continue;
        }
        int paused = dt > 4 * period;   /* the whole process was stopped (gdb, host overload) */
        for (unsigned k = 0; k < sim_ncpus; k++) {
            struct sim_cpu *c = &sim_cpus[k];
            volatile sig_atomic_t *flag = __atomic_load_n(&c->in_kernel_flag, __ATOMIC_ACQUIRE);
            if (!flag || (k > 0 && !__atomic_load_n(&c->started, __ATOMIC_ACQUIRE)))
                continue;
            if (!w[k].have_clk) {
                if (pthread_getcpuclockid(c->thread, &w[k].clk) != 0)
                    continue;
                w[k].have_clk = 1;
                w[k].cpu0 = now_s(w[k].clk);
            }
            unsigned long e = progress(k);
            if (*flag || e != w[k].entries || paused) {
                w[k].entries = e;
                w[k].hooks = __atomic_load_n(&c->hook_entries, __ATOMIC_RELAXED);
                w[k].cpu0 = now_s(w[k].clk);
                w[k].idle = w[k].slept = 0;
                continue;
            }
            w[k].idle += dt;
            if (asleep(c->tid))
                w[k].slept += dt;
            else
                w[k].slept = 0;     /* asleep without a break, or it is not blocked */
            double spun = now_s(w[k].clk) - w[k].cpu0;
            int blocked = 0;
            if (spun >= limit)
                c->stall_secs = spun;
            else if (!is_traced && w[k].slept >= limit) {
                blocked = 1;
                c->stall_secs = w[k].slept;
            } else
                continue;
            c->stall_blocked = blocked;
            c->stall_ticked = __atomic_load_n(&c->hook_entries, __ATOMIC_RELAXED) != w[k].hooks;
            if (!blocked) {
                declared = now;
                declared_cpu = k;
            } else {
                w[k].idle = w[k].slept = 0;     /* if it is no stall, look again a whole limit later */
            }
            pthread_kill(c->thread, SIM_STALL_SIGNAL);
        }
    }
    pthread_mutex_unlock(&wd.lock);
    return NULL;
}

int watchdog_start(unsigned ms, mica_clock_t clock)
{
#ifdef MICA_WATCHDOG_TSAN
    (void)ms; (void)clock;
    return 0;
#endif
    if (!ms)
        return 0;
    wd.ms = ms;
    wd.clock = clock;
    wd.stop = 0;
    pthread_condattr_t ca;      /* its waits are timed on the monotonic clock */
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&wd.cond, &ca);
    pthread_condattr_destroy(&ca);
    /* backtrace() loads the unwinder on first use: not in a signal handler. */
    void *warm[2];
    backtrace(warm, 2);
    uintptr_t lo, hi;
    sim_main_text(&lo, &hi);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_stall;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGALRM);        /* as trap.c's handler: nothing preempts it */
    sigaddset(&sa.sa_mask, SIM_IPI_SIGNAL);
    sigaction(SIM_STALL_SIGNAL, &sa, &wd.old);
    wd.installed = 1;
    /* The watchdog's own thread takes no signal meant for the CPUs. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int err = pthread_create(&wd.thread, NULL, watch, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) {
        fprintf(stderr, "mica: the host refused a thread for the watchdog: %s\n", strerror(err));
        pthread_cond_destroy(&wd.cond);
        sigaction(SIM_STALL_SIGNAL, &wd.old, NULL);
        wd.installed = 0;
        return -1;
    }
    wd.running = 1;
    return 0;
}

void watchdog_stop(void)
{
    if (wd.running) {
        pthread_mutex_lock(&wd.lock);
        wd.stop = 1;
        pthread_cond_signal(&wd.cond);
        pthread_mutex_unlock(&wd.lock);
        pthread_join(wd.thread, NULL);
        pthread_cond_destroy(&wd.cond);
        wd.running = 0;
    }
    if (wd.installed) {
        sigaction(SIM_STALL_SIGNAL, &wd.old, NULL);
        wd.installed = 0;
    }
}
