/*
 * signals.c - task code and host signals: signals a thread sends itself
 * (a fault of that thread), signals from outside the process (the run
 * stops, the files are completed, the process ends by the signal), abort()
 * resumed by its fault handler, a task taking over or blocking mica's own
 * signals, and the mica-native lock that replaces a host mutex (buggy.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <mica/user.h>
#include "buggy.h"

extern char **environ;

static int *volatile null_ptr;
static volatile int flag;

/* --- a thread signals itself: a fault of that thread ------------------------------- */

static void raise_sigterm(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    printf("before the signal\n");
    raise(SIGTERM);
    printf("raise returned\n");     /* never: no fault handler resumes it */
}

/* Each prints after the call, so that the call is not a tail call (the report names the caller). */
static void raise_sigint(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    raise(SIGINT);
    printf("raise returned\n");
}

static void raise_sigtrap(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    raise(SIGTRAP);
    printf("raise returned\n");
}

/* A breakpoint instruction: the CPU's SIGTRAP, not a sent one. */
static void breakpoint(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
#if defined(__x86_64__)
    __asm__ volatile("int3");
#elif defined(__aarch64__)
    __asm__ volatile("brk #0");
#else
    raise(SIGTRAP);
#endif
}

static void kill_self(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    kill(getpid(), SIGUSR2);
    printf("kill returned\n");
}

/* A worker raises SIGUSR1; the root task carries on. */
static void usr1_worker(mica_word_t arg)
{
    (void)arg;
    raise(SIGUSR1);
    printf("raise returned\n");
}

static void worker_raises_sigusr1(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    mica_thread_spawn(&env, "worker", usr1_worker, 0, 200);     /* above the root: runs at once */
    printf("the root task carries on\n");
}

/* A write to a pipe nobody reads. */
static void sigpipe(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    int p[2];
    if (pipe(p) != 0)
        return;
    close(p[0]);
    ssize_t k = write(p[1], "x", 1);
    printf("write returned %zd\n", k);
}

/* --- a fault handler takes the signal: the thread goes on, or cannot ------------------- */

static void sends_itself_usr1(mica_word_t r0, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r0; (void)r1; (void)r2; (void)r3;
    int r = raise(SIGUSR1);
    printf("raise returned %d\n", r);
}

static void calls_abort(mica_word_t r0, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r0; (void)r1; (void)r2; (void)r3;
    printf("calling abort\n");
    fflush(stdout);
    abort();
}

/* Start entry on a thread whose faults go to a fresh endpoint; answer its faults with "retry". */
static void supervise(const mica_bootinfo_t *bi, mica_entry_fn entry, int faults)
{
    mica_env_t env;
    mica_env_init(&env, bi);
    mica_cptr_t ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    mica_thread_config_t cfg = { .name = "worker", .prio = 100, .fault_ep = ep };
    mica_thread_t t;
    if (!ep || mica_thread_create(&env, &cfg, &t) != MICA_NO_ERROR ||
        mica_thread_start(&t, entry, 0, 0, 0, 0) != MICA_NO_ERROR) {
        printf("setup failed\n");
        return;
    }
    for (int i = 0; i < faults; i++) {
        mica_word_t badge;
        mica_msginfo_t info = mica_recv(ep, &badge);
        mica_fault_t f = mica_fault_decode(info, badge);
        printf("supervisor: fault %lu, signal %lu; replying\n", (unsigned long)f.kind,
               (unsigned long)f.number);
        mica_reply(mica_msginfo_new(0, 0, 0, 0));    /* label 0: resume it where it stopped */
    }
    printf("supervisor done\n");
}

static void raise_handled(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    supervise(bi, sends_itself_usr1, 1);
}

static void abort_retry(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    supervise(bi, calls_abort, 1);
}

/* --- a signal from outside: the run stops ------------------------------------------------- */

/* Another process sends this one sig after delay (as a user with `kill` would). */
static void send_me_later(const char *sig, const char *delay)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "sleep %s; kill -%s %d", delay, sig, (int)getpid());
    char *argv[] = { "sh", "-c", cmd, NULL };
    pid_t pid;
    if (posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ) != 0)
        printf("cannot start the sender\n");
}

static void yield_forever(mica_word_t arg)
{
    (void)arg;
    printf("working\n");
    for (;;)
        mica_yield();
}

static void sigint_from_outside(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    send_me_later("INT", "0.3");
    mica_thread_spawn(&env, "busy", yield_forever, 0, 100);
    mica_thread_spawn(&env, "busy2", yield_forever, 0, 100);
}

/* The root task sleeps in the host for ever (the only thread: no stall), SIGTERM comes. */
static void sigterm_while_sleeping(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    send_me_later("TERM", "0.3");
    printf("sleeping\n");
    for (;;)
        sleep(1);
}

/*
 * The first SIGTERM cannot stop the run at once (the root sleeps in the C
 * library: 0.2 s pass first); a second, 50 ms later, ends the process. One
 * perl process sends both: no program to start between them. (Not fork():
 * the root task's stack is memory the child would share.)
 */
static void two_sigterms(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    char code[160];
    snprintf(code, sizeof code, "select(undef, undef, undef, 0.3); kill 'TERM', %d; "
             "select(undef, undef, undef, 0.05); kill 'TERM', %d", (int)getpid(), (int)getpid());
    char *argv[] = { "perl", "-e", code, NULL };
    pid_t pid;
    if (posix_spawnp(&pid, "perl", NULL, NULL, argv, environ) != 0)
        printf("cannot start the sender\n");
    for (;;)
        sleep(1);
}

/* Spinning in the program's own code under the real clock. */
static void spin_forever(mica_word_t arg)
{
    (void)arg;
    printf("spinning\n");
    while (!flag)
        ;
}

static void sighup_while_spinning(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    send_me_later("HUP", "0.3");
    mica_thread_spawn(&env, "spinner", spin_forever, 0, 100);
}

/* --- mica's own signals stay mica's ----------------------------------------------------- */

static void on_segv(int sig)
{
    (void)sig;
    static const char msg[] = "the task's own SIGSEGV handler ran\n";
    ssize_t k = write(1, msg, sizeof msg - 1);
    (void)k;
    _exit(0);
}

static void sigsegv_handler(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    int r = sigaction(SIGSEGV, &sa, NULL);
    printf("sigaction returned %d (%s)\n", r, r ? strerror(errno) : "ok");
    fflush(stdout);
    *null_ptr = 1;      /* still a fault of this thread, reported by mica */
}

/* The C library's own entry, which mica's link flags do not wrap. */
extern int __sigaction(int, const struct sigaction *, struct sigaction *);

static void bypass_wrap(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    printf("__sigaction returned %d\n", __sigaction(SIGBUS, &sa, NULL));
}

static void signal_sigalrm(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    void (*r)(int) = signal(SIGALRM, SIG_IGN);
    printf("signal %s (%s)\n", r == SIG_ERR ? "refused" : "accepted", strerror(errno));
    /* Handlers for other signals are the task's to install. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    printf("SIGUSR1 ignored: %d\n", sigaction(SIGUSR1, &sa, NULL));
}

static void block_sigsegv(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    sigset_t s, cur;
    sigemptyset(&s);
    sigaddset(&s, SIGSEGV);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, NULL);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("SIGSEGV blocked: %d, SIGUSR1 blocked: %d\n", sigismember(&cur, SIGSEGV),
           sigismember(&cur, SIGUSR1));
    fflush(stdout);
    *null_ptr = 1;
}

/* Under the real clock: a thread that blocks every signal and spins is still preempted. */
static void blocks_all_and_spins(mica_word_t arg)
{
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, NULL);
    while (!flag)
        ;
    printf("the flag came\n");
}

static void sets_flag(mica_word_t arg)
{
    (void)arg;
    flag = 1;
}

static void block_all_signals(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    mica_thread_spawn(&env, "blocker", blocks_all_and_spins, 0, 100);
    mica_thread_spawn(&env, "setter", sets_flag, 0, 100);
}

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
    (void)sig;
    usr1_seen = 1;
}

/* A signal that is not mica's: the task's own handler runs. */
static void own_sigusr1_handler(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    int r = sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("sigaction %d, handler ran: %d\n", r, (int)usr1_seen);
}

/* --- the mica-native lock: host-mutex (stall.c) done right ---------------------------------- */

static mica_mutex_t lock;
static unsigned long shared_count;
static mica_cptr_t done;        /* each thread signals it with its own badge bit at the end */

static void holder(mica_word_t bit)
{
    mica_mutex_lock(&lock);
    buggy_busy_ms(200);           /* the real clock preempts it in here, the lock held */
    shared_count++;
    mica_mutex_unlock(&lock);
    mica_signal(bit);
}

static void locker(mica_word_t bit)
{
    buggy_busy_ms(30);                    /* the holder takes the lock meanwhile */
    mica_mutex_lock(&lock);         /* waits in the kernel: the holder runs and releases it */
    shared_count++;
    mica_mutex_unlock(&lock);
    mica_signal(bit);
}

static void mica_mutex(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    mica_cptr_t ntfn = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t one = mica_env_mint(&env, ntfn, MICA_ALL_RIGHTS, 1);
    mica_cptr_t two = mica_env_mint(&env, ntfn, MICA_ALL_RIGHTS, 2);
    if (!ntfn || !one || !two || mica_mutex_init(&env, &lock) != MICA_NO_ERROR) {
        printf("setup failed\n");
        return;
    }
    done = ntfn;
    mica_thread_spawn(&env, "holder", holder, one, 100);
    mica_thread_spawn(&env, "locker", locker, two, 100);
    mica_word_t seen = 0, badge;
    while (seen != 3) {
        mica_wait(done, &badge);
        seen |= badge;
    }
    printf("both threads had the lock; count %lu\n", shared_count);
}

const buggy_t buggy_signals[] = {
    { "raise-sigterm", raise_sigterm, "the root task raises SIGTERM at itself" },
    { "raise-sigint", raise_sigint, "the root task raises SIGINT at itself" },
    { "raise-sigtrap", raise_sigtrap, "the root task raises SIGTRAP at itself" },
    { "breakpoint", breakpoint, "the root task executes a breakpoint instruction" },
    { "kill-self", kill_self, "the root task sends its process SIGUSR2 with kill(getpid())" },
    { "worker-raises-sigusr1", worker_raises_sigusr1, "a thread raises SIGUSR1; the root goes on" },
    { "sigpipe", sigpipe, "the root task writes to a pipe nobody reads" },
    { "raise-handled", raise_handled, "a thread raises SIGUSR1; its fault handler resumes it" },
    { "abort-retry", abort_retry, "a thread calls abort(); its fault handler replies 'retry'" },
    { "sigint-from-outside", sigint_from_outside, "another process sends SIGINT while threads work" },
    { "sigterm-while-sleeping", sigterm_while_sleeping,
      "another process sends SIGTERM while the root task sleeps in the host" },
    { "two-sigterms", two_sigterms, "another process sends SIGTERM twice while the root task sleeps" },
    { "sighup-while-spinning", sighup_while_spinning,
      "another process sends SIGHUP while a thread spins" },
    { "sigsegv-handler", sigsegv_handler, "the root task installs its own SIGSEGV handler, then crashes" },
    { "bypass-wrap", bypass_wrap, "the root task installs a SIGBUS handler past mica's link flags" },
    { "signal-sigalrm", signal_sigalrm, "the root task ignores SIGALRM with signal()" },
    { "block-sigsegv", block_sigsegv, "the root task blocks SIGSEGV, then crashes" },
    { "block-all-signals", block_all_signals,
      "a thread blocks every signal and spins until another thread sets a flag" },
    { "own-sigusr1-handler", own_sigusr1_handler, "the root task handles SIGUSR1 itself" },
    { "mica-mutex", mica_mutex, "host-mutex with mica_mutex_t: the waiter blocks in the kernel" },
    { 0 },
};
