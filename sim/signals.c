/*
 * signals.c - host signals that are not the CPU's own traps: those task code
 * sends itself, those that come from outside the process, and abort() that
 * a fault handler tries to resume.
 *
 *   Sent by task code to itself - raise(), kill(getpid(), ...),
 *   pthread_kill(), a write to a pipe nobody reads, an int3 - with any
 *   signal whose default action would end the process (SIGTERM, SIGINT,
 *   SIGUSR1, SIGTRAP, SIGHUP, SIGQUIT, SIGPIPE, SIGXCPU, the real-time
 *   signals mica does not use, ...): a user exception of the calling
 *   thread, exactly as a crash is (trap.c) - its fault handler gets it, and
 *   without one it is reported ("SIGUSR1: ..., sent by the thread to itself,
 *   at raise+0x.. called from worker+0x1c (worker.c:12)") and counted. If
 *   the handler replies, the call that sent the signal returns.
 *
 *   Sent from outside - Ctrl-C at the terminal, `kill` from a shell, a
 *   hang-up: the run stops. A report names the signal, who sent it and what
 *   each CPU was running; stdout is flushed and the trace, log and DOT files
 *   are completed; then the process ends by that same signal, as it would
 *   have without mica, so a shell shows 128 + N (130 for Ctrl-C) and a
 *   script that runs mica in a loop stops too. A second such signal ends
 *   the process at once.
 *
 *   abort() whose fault handler replies ("retry"): abort() cannot return -
 *   glibc's abort, when the SIGABRT it raised comes back, sets SIGABRT to
 *   its default action and raises it again, killing the process - so the
 *   thread resumes in abort_resumed instead, which stops it with a report
 *   ("thread 'x' was resumed after abort(): ...") and counts it as faulted.
 *
 * Signals whose default action does nothing (SIGCHLD, SIGWINCH, SIGURG,
 * SIGCONT) and the stop signals are left alone, and so is any signal the
 * program handles or ignores itself when the run starts (a shell's
 * background job ignores SIGINT; nohup ignores SIGHUP). Task code may
 * install handlers for these signals during a run; mica's own (trap.c,
 * clock.c, the watchdog) it may not (sigwrap.c).
 *
 * Stopping on a signal from outside: the handler cannot stop the run where
 * it lands (the kernel may be running there). It asks the kernel to stop
 * at its next exit (kernel_request_stop: the run then ends as any run
 * does, and run.c reports the signal and ends the process by it); and a
 * CPU in task code - in the program's own code, where it holds no C
 * library lock (stdout's) - is made to enter the kernel as a trap would
 * (interrupt_entry), where, with the kernel lock held, nothing else writes
 * the trace or the log while they are completed. A host thread (started with the run) sends the CPUs the
 * signal again every millisecond until one takes it; after 0.2 s any task
 * code will do (a thread blocked in the host; its sleep may have returned
 * early meanwhile, as a signal makes it), after 3 s the process ends
 * without them. A run that ends meanwhile ends normally, then the process
 * ends by the signal (run.c).
 *
 * None of this costs the system-call path anything.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <execinfo.h>
#include <link.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include "sim.h"

#if defined(__SANITIZE_ADDRESS__)
#define MICA_SIGS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MICA_SIGS_ASAN 1
#endif
#endif

/* Signals whose default action ends the process and that mica takes when nobody else has. */
static const int escape_list[] = {
    SIGHUP, SIGINT, SIGQUIT, SIGTRAP, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM,
    SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGIO, SIGSYS,
#ifdef SIGSTKFLT
    SIGSTKFLT,
#endif
#ifdef SIGPWR
    SIGPWR,
#endif
};

static struct sigaction old_actions[NSIG];
static unsigned char taken[NSIG];

/* The interrupt: a signal from outside that stops the run. */
static struct {
    int sig;                    /* atomic: the signal; 0 = none */
    pid_t pid;                  /* who sent it (SI_USER, SI_QUEUE, SI_TKILL) */
    int code;                   /* its si_code */
    int force;                  /* atomic: any task code may take it, not only the program's own */
    int finishing;              /* atomic: someone is completing the files */
    int stop;                   /* atomic: the run is over; the host thread returns */
    char cpus[256];             /* what each CPU ran when it came ("CPU 0 ran 'worker'") */
    sem_t sem;
    pthread_t thread;
    int running;
} intr;

/* The executable segments of the system's libraries (the C library, the sanitizers' runtimes). */
#define SYS_RANGES 32
static struct { uintptr_t lo, hi; } sys_text[SYS_RANGES];
static unsigned nsys;
static uintptr_t main_lo, main_hi;

static int collect_sys(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size; (void)data;
    const char *n = info->dlpi_name;
    if (!n || (strncmp(n, "/lib", 4) != 0 && strncmp(n, "/usr/lib", 8) != 0))
        return 0;
    for (int i = 0; i < info->dlpi_phnum && nsys < SYS_RANGES; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            sys_text[nsys].lo = info->dlpi_addr + ph->p_vaddr;
            sys_text[nsys].hi = sys_text[nsys].lo + ph->p_memsz;
            nsys++;
        }
    }
    return 0;
}

static int in_system_library(uintptr_t pc)
{
    for (unsigned i = 0; i < nsys; i++)
        if (pc >= sys_text[i].lo && pc < sys_text[i].hi)
            return 1;
    return 0;
}

__thread uintptr_t sigs_call_site __attribute__((tls_model("initial-exec")));

uintptr_t sigs_task_caller(void *const *frames, int n, uintptr_t pc)
{
    uintptr_t site = sigs_call_site;
    sigs_call_site = 0;     /* consumed: this host thread may run other tasks before the wrapper returns */
    if (site)
        return site;        /* sent through sigwrap.c on the task's behalf */
    int i = 0;
    while (i < n && (uintptr_t)frames[i] != pc)
        i++;
    if (i == n || !in_system_library(pc))
        return 0;       /* the signal frame is not there, or the pc is the task's own */
    for (i++; i < n; i++)
        if (!in_system_library((uintptr_t)frames[i]))
            return (uintptr_t)frames[i];
    return 0;
}

int sigs_sent_by_us(const siginfo_t *si)
{
    return (si->si_code == SI_USER || si->si_code == SI_QUEUE || si->si_code == SI_TKILL) &&
           si->si_pid == getpid();
}

int sigs_sent_from_outside(const siginfo_t *si)
{
    return (si->si_code == SI_USER || si->si_code == SI_QUEUE || si->si_code == SI_TKILL) &&
           si->si_pid != getpid();
}

/* The CPU whose host thread this is; NULL on any other thread. */
static struct sim_cpu *this_cpu(void)
{
    for (unsigned k = 0; k < sim_ncpus; k++)
        if (__atomic_load_n(&sim_cpus[k].in_kernel_flag, __ATOMIC_ACQUIRE) == &sim_in_kernel)
            return &sim_cpus[k];
    return NULL;
}

int sigs_in_task_code(void)
{
    return this_cpu() && !sim_in_kernel && ctx_current() >= (int)sim_ncpus;
}

/* End the process by sig, as its default action would have. */
static void die_by(int sig) __attribute__((noreturn));
static void die_by(int sig)
{
    sim_in_kernel = 1;      /* no preemption; and sigwrap.c lets even a mica signal's action change */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    raise(sig);
    _exit(128 + sig);   /* a signal whose default action is to ignore it: not one of ours */
}

/* "SIGINT from the terminal", "SIGTERM sent by process 1234", ... */
static void describe_origin(char *buf, size_t n)
{
    char name[32];
    sim_signal_name(intr.sig, name, sizeof name);
    if (intr.code == SI_USER || intr.code == SI_QUEUE || intr.code == SI_TKILL) {
        if (intr.pid == getpid())
            snprintf(buf, n, "%s, sent by this process but not by a running thread's own code", name);
        else
            snprintf(buf, n, "%s sent by process %d", name, (int)intr.pid);
    } else if (intr.code == SI_KERNEL && (intr.sig == SIGINT || intr.sig == SIGQUIT)) {
        snprintf(buf, n, "%s from the terminal (%s)", name, intr.sig == SIGINT ? "Ctrl-C" : "Ctrl-\\");
    } else if (intr.code == SI_KERNEL && intr.sig == SIGHUP) {
        snprintf(buf, n, "SIGHUP: the terminal hung up");
    } else if ((intr.code == SI_KERNEL || intr.code == SI_TIMER) &&
               (intr.sig == SIGALRM || intr.sig == SIGVTALRM || intr.sig == SIGPROF)) {
        snprintf(buf, n, "%s from a host timer the program set (alarm, setitimer, timer_create)", name);
    } else {
        snprintf(buf, n, "%s from the host (%s)", name, strsignal(intr.sig));
    }
}

/* Append s to buf (length *len, capacity n); no stdio: it runs in a signal handler. */
static void append(char *buf, size_t n, size_t *len, const char *s)
{
    while (*s && *len + 1 < n)
        buf[(*len)++] = *s++;
    buf[*len] = 0;
}

/* "CPU 0 ran 'worker'" for each CPU, into intr.cpus. */
static void describe_cpus(void)
{
    size_t len = 0;
    intr.cpus[0] = 0;
    for (unsigned k = 0; k < sim_ncpus; k++) {
        char num[4] = { (char)('0' + k % 10), 0 };
        append(intr.cpus, sizeof intr.cpus, &len, k ? ", CPU " : "CPU ");
        append(intr.cpus, sizeof intr.cpus, &len, num);
        append(intr.cpus, sizeof intr.cpus, &len, " ran '");
        append(intr.cpus, sizeof intr.cpus, &len, kernel_cpu_thread_name(k));
        append(intr.cpus, sizeof intr.cpus, &len, "'");
    }
}

/* Flush stdout unless another host thread holds it for longer than a moment (a blocked task). */
static void flush_stdout(void)
{
    for (int i = 0; i < 500; i++) {
        if (ftrylockfile(stdout) == 0) {
            fflush(stdout);
            funlockfile(stdout);
            return;
        }
        struct timespec d = { 0, 1000 * 1000 };
        nanosleep(&d, NULL);
    }
}

/*
 * Report the interrupt, complete stdout and the output files, end the
 * process. locked: on a CPU, with the kernel lock held, so nothing else
 * writes the files. Not locked (no CPU came back in time: one is stuck in
 * the kernel), the files are left as they are: closing them under a CPU
 * that writes them could crash.
 */
static void finish(int locked) __attribute__((noreturn));
static void finish(int locked)
{
    int sig = __atomic_load_n(&intr.sig, __ATOMIC_ACQUIRE);
    if (__atomic_exchange_n(&intr.finishing, 1, __ATOMIC_ACQ_REL)) {
        for (;;)
            pause();        /* someone else is ending the process */
    }
    char origin[160], name[32];
    describe_origin(origin, sizeof origin);
    sim_signal_name(sig, name, sizeof name);
    if (locked)
        hw_log("interrupted by %s: the run stops here (%s); what the tasks printed, the trace and "
               "the log are complete, and the process ends by %s", origin, intr.cpus, name);
    else if (!sim.cfg || !sim.cfg->quiet)
        fprintf(stderr, "mica: interrupted by %s: the run stops here (%s), but no simulated CPU came "
                "back to the kernel to stop it, so the trace and the log may be incomplete; the "
                "process ends by %s\n", origin, intr.cpus, name);
    flush_stdout();
    if (locked) {
        dot_write();        /* the CSpace as it is now: the kernel is between entries */
        trace_close();
        dot_close();
        sim_out_close(&sim.log);
    }
    fflush(stderr);
    die_by(sig);
}

/* Where the interrupted CPU goes (trap_redirect): into the kernel, to end the run there. */
static void interrupt_entry(void)
{
    sim_kernel_enter();
    finish(1);
}

static void redirect(ucontext_t *uc)
{
    int ctx = ctx_current();
    ctx_save_from_signal(ctx, uc);
    sim_in_kernel = 1;      /* as in trap.c: in the kernel from here */
    trap_redirect(uc, interrupt_entry);
}

/* The interrupted code may take the interrupt: task code, in the program's own code unless forced. */
static int can_take(ucontext_t *uc)
{
    if (!sigs_in_task_code())
        return 0;
    uintptr_t pc = trap_pc(uc);
    return __atomic_load_n(&intr.force, __ATOMIC_RELAXED) || (pc >= main_lo && pc < main_hi);
}

void sigs_interrupt(int sig, siginfo_t *si, ucontext_t *uc, int from_outside)
{
    int none = 0;
    if (__atomic_compare_exchange_n(&intr.sig, &none, sig, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        intr.pid = si->si_pid;
        intr.code = si->si_code;
        describe_cpus();
        /* A CPU in the kernel stops the system at its exit; the run then ends as any run does. */
        kernel_request_stop();
        sem_post(&intr.sem);
    } else if (from_outside) {
        /* A second one from outside (not the host thread passing the first on): end now. */
        static const char msg[] = "mica: interrupted again: the process ends now\n";
        ssize_t k = write(2, msg, sizeof msg - 1);
        (void)k;
        die_by(sig);
    }
    if (can_take(uc))
        redirect(uc);
}

/* The escape signals' handler. */
static void on_escape(int sig, siginfo_t *si, void *ucv)
{
    int saved = errno;
    ucontext_t *uc = ucv;
    int self = sigs_sent_by_us(si) || (sig == SIGTRAP && si->si_code > 0) ||
               (sig == SIGSYS && si->si_code > 0);
    if (__atomic_load_n(&intr.sig, __ATOMIC_ACQUIRE) || !self) {
        sigs_interrupt(sig, si, uc, !self);     /* from outside, or the run is stopping */
    } else if (sigs_in_task_code()) {
        trap_signal(sig, si, uc);               /* a user exception of the thread */
    } else if (sig != SIGPIPE) {
        /*
         * Sent by this process, but not where task code runs: a kill(getpid())
         * the host delivered to a CPU in the kernel, or a host thread that is
         * not a simulated CPU. Nobody to blame: stop the run.
         */
        sigs_interrupt(sig, si, uc, 0);
    }
    /* SIGPIPE from the simulator's own write (a trace to a closed pipe): the write fails with EPIPE. */
    errno = saved;
}

/* The host thread that passes an interrupt on to a CPU in task code. */
static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/*
 * Until the run ends, send each CPU the signal every millisecond: one that
 * runs task code takes it (sigs_interrupt). After FORCE_S any task code
 * will do (a thread blocked in the host, in the C library); after
 * GIVE_UP_S the process ends without the CPUs.
 */
#define FORCE_S   0.2
#define GIVE_UP_S 3.0

static void *interrupt_thread(void *arg)
{
    (void)arg;
    while (sem_wait(&intr.sem) != 0 && errno == EINTR)
        ;
    double t0 = now_s();
    while (!__atomic_load_n(&intr.stop, __ATOMIC_ACQUIRE)) {
        double t = now_s() - t0;
        if (t > FORCE_S)
            __atomic_store_n(&intr.force, 1, __ATOMIC_RELEASE);
        if (t > GIVE_UP_S)
            finish(0);
        int sig = __atomic_load_n(&intr.sig, __ATOMIC_ACQUIRE);
        for (unsigned k = 0; k < sim_ncpus; k++)
            if (__atomic_load_n(&sim_cpus[k].in_kernel_flag, __ATOMIC_ACQUIRE) && sim_cpus[k].tid)
                syscall(SYS_tgkill, getpid(), sim_cpus[k].tid, sig);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 1000 * 1000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        while (sem_timedwait(&intr.sem, &until) != 0 && errno == EINTR)
            ;
    }
    return NULL;
}

int sigs_start(void)
{
    memset(taken, 0, sizeof taken);
    __atomic_store_n(&intr.sig, 0, __ATOMIC_RELEASE);
    intr.force = intr.finishing = intr.stop = 0;
    intr.pid = 0;
    intr.code = 0;
    /* backtrace() loads the unwinder on first use: not in a signal handler (trap.c). */
    void *warm[2];
    backtrace(warm, 2);
    nsys = 0;
    dl_iterate_phdr(collect_sys, NULL);
    sigwrap_reset();
    sim_main_text(&main_lo, &main_hi);
    if (sem_init(&intr.sem, 0, 0) != 0) {
        fprintf(stderr, "mica: the host refused a semaphore: %s\n", strerror(errno));
        return -1;
    }
    /* Its thread takes no signal meant for the CPUs. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int err = pthread_create(&intr.thread, NULL, interrupt_thread, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) {
        fprintf(stderr, "mica: the host refused a thread: %s\n", strerror(err));
        sem_destroy(&intr.sem);
        return -1;
    }
    intr.running = 1;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_escape;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGALRM);       /* as trap.c's handler: nothing preempts it */
    sigaddset(&sa.sa_mask, SIM_IPI_SIGNAL);
    sigaddset(&sa.sa_mask, SIM_STALL_SIGNAL);
    for (int sig = 1; sig < NSIG; sig++) {
        int wanted = sig >= SIGRTMIN && sig <= SIGRTMAX;
        for (unsigned i = 0; i < sizeof escape_list / sizeof escape_list[0]; i++)
            wanted |= escape_list[i] == sig;
        if (!wanted)
            continue;
        struct sigaction cur;
        if (sigaction(sig, NULL, &cur) != 0 || (cur.sa_flags & SA_SIGINFO) || cur.sa_handler != SIG_DFL)
            continue;       /* the program has its own way with it */
        if (sigaction(sig, &sa, &old_actions[sig]) == 0)
            taken[sig] = 1;
    }
    return 0;
}

void sigs_stop(void)
{
    /* The host thread first: a signal it passed on is handled here still, not by SIG_DFL. */
    if (intr.running) {
        __atomic_store_n(&intr.stop, 1, __ATOMIC_RELEASE);
        sem_post(&intr.sem);
        pthread_join(intr.thread, NULL);
    }
    for (int sig = 1; sig < NSIG; sig++)
        if (taken[sig]) {
            sigaction(sig, &old_actions[sig], NULL);
            taken[sig] = 0;
        }
    if (intr.running) {
        sem_destroy(&intr.sem);     /* no handler of ours posts it any more */
        intr.running = 0;
    }
}

void sigs_report_interrupt(void)
{
    int sig = __atomic_load_n(&intr.sig, __ATOMIC_ACQUIRE);
    if (!sig)
        return;
    char origin[160], name[32];
    describe_origin(origin, sizeof origin);
    sim_signal_name(sig, name, sizeof name);
    hw_log("interrupted by %s: the run stopped at the next kernel exit (%s); what the tasks printed, "
           "the trace and the log are complete, and the process ends by %s", origin, intr.cpus, name);
}

void sigs_end_if_interrupted(void)
{
    int sig = __atomic_load_n(&intr.sig, __ATOMIC_ACQUIRE);
    if (!sig)
        return;
    fflush(stdout);
    fflush(stderr);
    die_by(sig);
}

/* --- abort() resumed ------------------------------------------------------- */

/*
 * A thread whose abort() its fault handler resumed starts here (trap.c
 * pointed its saved pc here), on its own stack, in task mode.
 */
static void abort_stop(void *arg);

__attribute__((no_sanitize("address")))
void sigs_abort_resumed(void)
{
    sim_in_kernel = 1;      /* no tick or IPI may take this for task code now */
    int ctx = ctx_current();
    ctx_keep_saved(ctx);    /* resumed again, it comes back here */
    mica_call_on_stack(abort_stop, (void *)(intptr_t)ctx, trap_entry_stack_top(), NULL);
    abort();                /* abort_stop never comes back */
}

static void abort_stop(void *arg)
{
    int ctx = (int)(intptr_t)arg;
    sim_kernel_lock();
    char where[256] = "";
    uintptr_t at = ctx_resume_where(ctx);
    if (at && (!sim.cfg || !sim.cfg->quiet || sim.log.f))
        sim_symbolize(at - 1, where, sizeof where);
    report_thread_stopped(kernel_cpu_thread_name(hw_cpu_id()),
                          "was resumed after abort() (its fault handler replied to the SIGABRT)",
                          where, "abort() cannot return, so the thread is stopped");
    for (;;) {
        kernel_stop_thread(ctx);
        /* Parked on another CPU and run again: stop it there. */
        ctx = ctx_current();
    }
}
