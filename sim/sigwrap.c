/*
 * sigwrap.c - task code cannot take mica's own signals away.
 *
 * mica runs on host signals: SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT
 * turn crashes into faults of the thread (trap.c), SIGALRM is the real
 * clock's tick (clock.c), SIM_IPI_SIGNAL an IPI and SIM_STALL_SIGNAL the
 * watchdog's. A task that installed its own handler for one, or blocked
 * it, would silently take over every later fault on its CPU, or stop its
 * preemption. Programs linked with mica's flags (`pkg-config --libs mica`:
 * -Wl,--wrap=sigaction and the rest, see meson.build) call these instead:
 *
 *   sigaction(), signal(), sigset() with a new action for one of those
 *   signals, from task code during a run: refused - -1 and EINVAL (SIG_ERR
 *   for signal) - with a one-line report naming the thread, the signal and
 *   the call;
 *   sigprocmask(), pthread_sigmask() blocking one: the mask applies without
 *   mica's signals, reported once per call site and run;
 *   kill(getpid(), sig) from task code: raise(sig), so that the signal
 *   reaches the calling thread (with several CPUs the host may deliver a
 *   process-directed signal to another CPU's thread) and becomes its fault
 *   (signals.c).
 *
 * Everything else - outside a run, the simulator's own calls (in the
 * kernel, on a CPU's idle loop), other host threads - goes straight to the
 * C library. The checks are a few loads on calls that are system calls
 * anyway; mica's system-call path never comes here. The C library's own
 * internal calls (abort, system, posix_spawn) are not wrapped.
 *
 * __real_* are weak: a program linked without the flags still links (it
 * never calls the __wrap_* functions).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "sim.h"

extern int __real_sigaction(int, const struct sigaction *, struct sigaction *) __attribute__((weak));
extern sighandler_t __real_signal(int, sighandler_t) __attribute__((weak));
extern sighandler_t __real___sysv_signal(int, sighandler_t) __attribute__((weak));
extern sighandler_t __real_bsd_signal(int, sighandler_t) __attribute__((weak));
extern sighandler_t __real_sigset(int, sighandler_t) __attribute__((weak));
extern int __real_sigprocmask(int, const sigset_t *, sigset_t *) __attribute__((weak));
extern int __real_pthread_sigmask(int, const sigset_t *, sigset_t *) __attribute__((weak));
extern int __real_kill(pid_t, int) __attribute__((weak));

int __wrap_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
sighandler_t __wrap_signal(int sig, sighandler_t h);
sighandler_t __wrap___sysv_signal(int sig, sighandler_t h);
sighandler_t __wrap_bsd_signal(int sig, sighandler_t h);
sighandler_t __wrap_sigset(int sig, sighandler_t h);
int __wrap_sigprocmask(int how, const sigset_t *set, sigset_t *old);
int __wrap_pthread_sigmask(int how, const sigset_t *set, sigset_t *old);
int __wrap_kill(pid_t pid, int sig);

static int is_mica_signal(int sig)
{
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGABRT ||
           sig == SIGALRM || sig == SIM_IPI_SIGNAL || sig == SIM_STALL_SIGNAL;
}

static const int mica_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM };


/* What mica uses sig for. */
static const char *use_of(int sig)
{
    if (sig == SIGALRM)
        return "mica's real clock ticks with it";
    if (sig == SIM_IPI_SIGNAL)
        return "mica's CPUs interrupt each other with it";
    if (sig == SIM_STALL_SIGNAL)
        return "mica's watchdog stops stalled task code with it";
    return "mica turns it into a fault of the thread: give the thread a fault endpoint to handle it";
}

/* Report from task code: under the kernel lock, so that it neither interleaves nor is preempted. */
static void report(const char *fmt, const char *a, const char *b, const char *c, const char *d)
{
    sim_kernel_enter();
    hw_log(fmt, kernel_cpu_thread_name(hw_cpu_id()), a, b, c, d);
    sim_kernel_leave();
}

/* The call site in words (symbolising runs a program: only when someone will read it). */
static void where(void *ra, char *buf, size_t n)
{
    buf[0] = 0;
    if (!sim.cfg || !sim.cfg->quiet || sim.log.f)
        sim_symbolize((uintptr_t)ra - 1, buf, n);
}

static void refuse(int sig, const char *call, void *ra)
{
    char name[32], at[256];
    sim_signal_name(sig, name, sizeof name);
    where(ra, at, sizeof at);
    report("thread '%s' tried to install its own handler for %s (%s, at %s): refused with EINVAL; %s",
           name, call, at[0] ? at : "?", use_of(sig));
}

/* Call sites whose blocking of mica's signals has been reported in this run. */
#define SITES_KEPT 16
static struct {
    void *site[SITES_KEPT];
    unsigned n;
} told;

void sigwrap_reset(void)
{
    memset(&told, 0, sizeof told);
}

/*
 * *set without mica's signals into *out; 1 if any were in it (and a report
 * is due), 0 if the set can be used as it is.
 */
static int filter(int how, const sigset_t *set, sigset_t *out, const char *call, void *ra)
{
    if (!set || how == SIG_UNBLOCK || !sigs_in_task_code())
        return 0;
    char names[160] = "";
    size_t len = 0;
    int any = 0;
    *out = *set;
    int all[8];
    unsigned nall = 0;
    for (unsigned i = 0; i < sizeof mica_signals / sizeof mica_signals[0]; i++)
        all[nall++] = mica_signals[i];
    all[nall++] = SIM_IPI_SIGNAL;
    all[nall++] = SIM_STALL_SIGNAL;
    for (unsigned i = 0; i < nall; i++) {
        if (sigismember(set, all[i]) != 1)
            continue;
        sigdelset(out, all[i]);
        any = 1;
        char name[32];
        sim_signal_name(all[i], name, sizeof name);
        int k = snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", name);
        if (k > 0 && (size_t)k < sizeof names - len)
            len += (size_t)k;
    }
    if (!any)
        return 0;
    /* Under the kernel lock: tasks on other CPUs may filter at the same time. */
    sim_kernel_enter();
    int first = 1, last = 0;
    for (unsigned i = 0; i < told.n && first; i++)
        first = told.site[i] != ra;
    if (first && told.n < SITES_KEPT) {
        told.site[told.n++] = ra;
        last = told.n == SITES_KEPT;
    } else {
        first = 0;      /* reported already, or enough sites reported */
    }
    sim_kernel_leave();
    if (!first)
        return 1;
    char at[256];
    where(ra, at, sizeof at);
    report("thread '%s' blocked %s (%s, at %s): mica needs them to turn faults, ticks and IPIs into "
           "kernel entries, so they stay unblocked; the rest of the mask applies%s",
           names, call, at[0] ? at : "?", last ? " (no more such reports in this run)" : "");
    return 1;
}

int __wrap_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (act && is_mica_signal(sig) && sigs_in_task_code()) {
        refuse(sig, "sigaction", __builtin_return_address(0));
        errno = EINVAL;
        return -1;
    }
    return __real_sigaction(sig, act, old);
}

/* The signal() family: h is a handler, SIG_IGN, SIG_DFL (or SIG_HOLD for sigset). */
#define WRAP_SIGNAL(fn, call) \
    sighandler_t __wrap_##fn(int sig, sighandler_t h) \
    { \
        if (is_mica_signal(sig) && sigs_in_task_code()) { \
            refuse(sig, call, __builtin_return_address(0)); \
            errno = EINVAL; \
            return SIG_ERR; \
        } \
        return __real_##fn(sig, h); \
    }
WRAP_SIGNAL(signal, "signal")
WRAP_SIGNAL(__sysv_signal, "signal")
WRAP_SIGNAL(bsd_signal, "bsd_signal")
WRAP_SIGNAL(sigset, "sigset")

int __wrap_sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
    sigset_t f;
    if (filter(how, set, &f, "sigprocmask", __builtin_return_address(0)))
        set = &f;
    return __real_sigprocmask(how, set, old);
}

int __wrap_pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
    sigset_t f;
    if (filter(how, set, &f, "pthread_sigmask", __builtin_return_address(0)))
        set = &f;
    return __real_pthread_sigmask(how, set, old);
}

int __wrap_kill(pid_t pid, int sig)
{
    if (sig > 0 && pid == getpid() && sigs_in_task_code()) {
        sigs_call_site = (uintptr_t)__builtin_return_address(0);   /* the report names the kill */
        int r = raise(sig);
        sigs_call_site = 0;
        return r;       /* raise, like kill: 0, or -1 with errno */
    }
    return __real_kill(pid, sig);
}
