/*
 * escape.c - task code that tries to leave the simulated machine.
 *
 * Task code is host code in the simulator's own process, so a few C
 * library calls would take the whole machine with them: exit() and its
 * kin end the process (with whatever status the task chose, which the
 * runner's statuses would then misname, and with the trace cut short);
 * pthread_exit() ends the host thread that simulates a CPU; a longjmp to
 * a jmp_buf outside the thread's own stack (set in main before mica_run,
 * or by another thread) abandons the kernel and the CPU mid-run.
 *
 * Programs link with `-Wl,--wrap=` for each of them (mica's pkg-config
 * Libs, and every in-tree link), so task code's calls come here first:
 *
 *   on a simulated CPU running task code during a run
 *       the calling thread is stopped as if it had faulted with no
 *       handler: it enters the kernel on its kernel stack (kernel_escape),
 *       becomes Inactive, is reported ("thread 'root' called exit(3) at
 *       root+0x29 (escape.c:17): task code cannot end the process; ...")
 *       and counted in mica_run_result_t.faulted_threads, and the rest of
 *       the system runs on; a run that then goes idle exits 5. Its task
 *       code is never resumed past the call: a Resume without a new pc
 *       stops it again, and writing a pc starts it afresh;
 *   on a host thread that is no simulated CPU, during a run (task code
 *       made it with pthread_create)
 *       exit() and its kin are reported, counted the same way, and that
 *       host thread is parked for good; pthread_exit and longjmp are its
 *       own business and go through;
 *   anywhere else (outside a run, in the kernel, in the idle loop, on the
 *       watchdog's thread), and when the Check framework ends a failed
 *       ck_assert (from_check), the call goes through to the C library
 *       (__real_exit ...).
 *
 * longjmp is stopped only when its target is outside the thread's own
 * stack (ctx_task_stack): a longjmp within a thread is ordinary C. The
 * target's stack pointer is in the jmp_buf, mangled by glibc with the
 * thread's pointer guard; it is read on x86_64 glibc only, and elsewhere
 * every longjmp goes through unchecked.
 *
 * A second line of defence, an atexit handler, catches exit() calls the
 * link-time wrap cannot reach (from a shared library, or a program linked
 * without mica's flags): the handler runs on the exiting thread before the
 * C library flushes and closes anything, and stops it the same way. _exit
 * has no such hook: unwrapped, it still ends the process.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sim.h"

/* The C library's own functions (the linker's --wrap names them __real_*). */
void __real_exit(int status) __attribute__((noreturn));
void __real__exit(int status) __attribute__((noreturn));
void __real__Exit(int status) __attribute__((noreturn));
void __real_quick_exit(int status) __attribute__((noreturn));
void __real_pthread_exit(void *retval) __attribute__((noreturn));
void __real_longjmp(struct __jmp_buf_tag env[1], int val) __attribute__((noreturn));
void __real__longjmp(struct __jmp_buf_tag env[1], int val) __attribute__((noreturn));
void __real_siglongjmp(struct __jmp_buf_tag env[1], int val) __attribute__((noreturn));
void __real___longjmp_chk(struct __jmp_buf_tag env[1], int val) __attribute__((noreturn));

/*
 * The Check unit-test framework ends a failed ck_assert with _exit(1) in
 * its forked child, whose exit status is the verdict, or without fork with
 * a longjmp out of the test. From task code under mica that is still the
 * framework's verdict, not task code escaping: stopping the thread instead
 * would turn every failed assertion in a root task into a passed test.
 * So calls made by Check's _ck_assert_failed go through. The reference is
 * weak: a program without Check sees a null address.
 */
extern void _ck_assert_failed(void) __attribute__((weak));
#define CHECK_FAILED_BYTES 1024     /* more than _ck_assert_failed's body (0xfb bytes in Check 0.15) */

static int from_check(uintptr_t ra)
{
    uintptr_t f = (uintptr_t)&_ck_assert_failed;
    return f && ra - f < CHECK_FAILED_BYTES;
}

/* Who is calling. */
enum caller { CALLER_SIM, CALLER_TASK, CALLER_HOST_THREAD };

static enum caller who_calls(void)
{
    if (!__atomic_load_n(&sim.booted, __ATOMIC_ACQUIRE))
        return CALLER_SIM;
    if (!sim_self_tls)
        return sim_own_thread ? CALLER_SIM : CALLER_HOST_THREAD;
    if (sim_in_kernel || ctx_current() < (int)sim_ncpus)
        return CALLER_SIM;
    return CALLER_TASK;
}

/* What task code did, described on the kernel stack (escape_enter). */
struct escape {
    const char *fn;             /* "exit", "longjmp", ... */
    int status;                 /* exit's status, -1 = none */
    uintptr_t ra;               /* the return address of the call, 0 = unknown */
    uintptr_t target;           /* longjmp: the jmp_buf's stack pointer, 0 = none */
    const char *advice;
};

/*
 * No AddressSanitizer in the functions that call ones that never return:
 * ASan would first unpoison the calling stack, and on a stack it does not
 * know (a VSpace stack) that prints a warning (see ctx.c trampoline).
 */
#define NO_ASAN __attribute__((no_sanitize("address")))

static const char advice_exit[] =
    "task code cannot end the process; the thread is stopped (return from its entry function to "
    "end a thread, or call mica_debug_halt to stop the system)";
static const char advice_pthread_exit[] =
    "a mica thread is not a host thread that pthread_exit could end; the thread is stopped "
    "(return from its entry function to end a thread)";
static const char advice_longjmp[] =
    "the jump would leave the simulated machine; the thread is stopped (longjmp only to a setjmp "
    "made earlier by the same thread, or return from its entry function)";
static const char advice_host_exit[] =
    "task code cannot end the process; the host thread is stopped (return from the thread's "
    "function instead; mica threads, made with mica_thread_spawn, end by returning)";

/* "called exit(3) at root+0x29 (escape.c:17)", into buf. */
static void describe(const struct escape *e, char *buf, size_t n)
{
    char at[320] = "";
    /* Symbolising runs a program: only when someone will read the result. */
    if (e->ra && !(sim.cfg && sim.cfg->quiet && !sim.log.f)) {
        memcpy(at, " at ", 5);
        sim_symbolize(e->ra - 1, at + 4, sizeof at - 4);   /* the call, not what follows it */
    }
    if (e->target)
        snprintf(buf, n, "called %s%s to a jmp_buf outside its own stack (its stack pointer "
                 "0x%lx: a setjmp made before mica_run, by another thread, or in a function that "
                 "has returned)", e->fn, at, (unsigned long)e->target);
    else if (e->status >= 0)
        snprintf(buf, n, "called %s(%d)%s", e->fn, e->status, at);
    else
        snprintf(buf, n, "called %s%s", e->fn, at);
}

/*
 * Signals this thread may have blocked in a handler of its own that called
 * exit: the simulator's must reach the CPU's host thread again, which goes
 * on running other threads' task code.
 */
static void unblock_sim_signals(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGSEGV);
    sigaddset(&s, SIGBUS);
    sigaddset(&s, SIGFPE);
    sigaddset(&s, SIGILL);
    sigaddset(&s, SIGABRT);
    sigaddset(&s, SIGALRM);
    sigaddset(&s, SIM_IPI_SIGNAL);
    sigaddset(&s, SIM_STALL_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
}

/* On the thread's kernel stack (or its host stack): describe the escape, enter the kernel for good. */
static void escape_enter(void *arg)
{
    const struct escape *e = arg;
    char what[512];
    describe(e, what, sizeof what);
    const char *advice = e->advice;     /* e is on the task's stack, which may be unmapped later */
    unblock_sim_signals();
    for (;;) {
        sim_kernel_enter();
        kernel_escape(ctx_current(), what, advice);
        sim_kernel_leave();
        /* Resumed without a new pc: its task code cannot go on past the escape. */
    }
}

/* Stop the calling thread of task code (CALLER_TASK); never returns. */
static void stop_task(struct escape *e) __attribute__((noreturn)) NO_ASAN;
static void stop_task(struct escape *e)
{
    struct sim_cpu *me = sim_cpu_here();
    /*
     * Task code on a VSpace stack enters the kernel on its kernel stack, as
     * a system call does (syscall.c trap()): the kernel's frames must not
     * live in task memory, and a small task stack may not hold them.
     */
    if (me->cur_vspace_stack)
        mica_call_on_stack(escape_enter, e, (void *)(((uintptr_t)*me->cur_ksp - 64) & ~(uintptr_t)15),
                           NULL);
    else
        escape_enter(e);
    abort();    /* escape_enter never returns */
}

/* A host thread that is no mica thread tried to end the process: park it (or return if the run is over). */
static void stop_host_thread(const struct escape *e)
{
    char what[512];
    describe(e, what, sizeof what);
    if (report_host_thread_escaped((long)gettid(), what, advice_host_exit) != 0)
        return;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);     /* the process's signals go to other threads */
    for (;;)
        pause();
}

/* exit(), _exit(), _Exit(), quick_exit() and an exit the atexit handler caught. */
static void exit_called(const char *fn, int status, uintptr_t ra) NO_ASAN;
static void exit_called(const char *fn, int status, uintptr_t ra)
{
    enum caller who = who_calls();
    if (who == CALLER_SIM || from_check(ra))
        return;
    struct escape e = { .fn = fn, .status = status, .ra = ra, .advice = advice_exit };
    if (who == CALLER_HOST_THREAD)
        stop_host_thread(&e);
    else
        stop_task(&e);
}

#define WRAP_EXIT(name)                                                         \
    void __wrap_##name(int status) __attribute__((noreturn)) NO_ASAN;          \
    void __wrap_##name(int status)                                             \
    {                                                                           \
        exit_called(#name, status, (uintptr_t)__builtin_return_address(0));    \
        __real_##name(status);                                                 \
    }
WRAP_EXIT(exit)
WRAP_EXIT(_exit)
WRAP_EXIT(_Exit)
WRAP_EXIT(quick_exit)

void __wrap_pthread_exit(void *retval) __attribute__((noreturn)) NO_ASAN;
void __wrap_pthread_exit(void *retval)
{
    /* A host thread of task code's own may end itself: only a CPU's host thread must not. */
    if (who_calls() == CALLER_TASK) {
        struct escape e = { .fn = "pthread_exit", .status = -1,
                            .ra = (uintptr_t)__builtin_return_address(0),
                            .advice = advice_pthread_exit };
        stop_task(&e);
    }
    __real_pthread_exit(retval);
}

/*
 * The stack pointer a jmp_buf holds, or 0 where it cannot be read. glibc
 * x86_64 stores it (word 6) mangled with the thread's pointer guard
 * (%fs:0x30): rotated left by 17 bits after an xor with the guard.
 */
static uintptr_t jmpbuf_sp(const struct __jmp_buf_tag *env)
{
#if defined(__x86_64__) && defined(__GLIBC__)
    uintptr_t v = (uintptr_t)env->__jmpbuf[6], guard;
    __asm__("mov %%fs:0x30, %0" : "=r"(guard));
    v = (v >> 17) | (v << (64 - 17));
    return v ^ guard;
#else
    (void)env;
    return 0;
#endif
}

/*
 * A longjmp from task code to a jmp_buf whose stack is not the thread's
 * own: stop the thread (never returns); otherwise return and let it go.
 * A target on the thread's stack must lie between the caller's frame and
 * the stack top (a frame still live), unless the caller is on another
 * stack (a signal handler's alternate stack), where only the bounds count.
 */
static void longjmp_called(const char *fn, const struct __jmp_buf_tag *env, uintptr_t ra) NO_ASAN;
static void longjmp_called(const char *fn, const struct __jmp_buf_tag *env, uintptr_t ra)
{
    enum caller who = who_calls();
    if (from_check(ra) && who == CALLER_TASK) {
        /* Check without fork leaves the run for good: what follows is the program's own. */
        report_end_run();
        return;
    }
    if (who != CALLER_TASK)
        return;
    uintptr_t target = jmpbuf_sp(env);
    if (!target)
        return;
    uintptr_t lo, top, here = (uintptr_t)__builtin_frame_address(0);
    ctx_task_stack(ctx_current(), &lo, &top);
    if (here >= lo && here <= top)
        lo = here;
    if (target >= lo && target <= top)
        return;
    struct escape e = { .fn = fn, .status = -1, .ra = ra, .target = target,
                        .advice = advice_longjmp };
    stop_task(&e);
}

#define WRAP_LONGJMP(name, shown)                                                       \
    void __wrap_##name(struct __jmp_buf_tag env[1], int val) __attribute__((noreturn)) NO_ASAN; \
    void __wrap_##name(struct __jmp_buf_tag env[1], int val)                           \
    {                                                                                   \
        longjmp_called(shown, env, (uintptr_t)__builtin_return_address(0));            \
        __real_##name(env, val);                                                       \
    }
WRAP_LONGJMP(longjmp, "longjmp")
WRAP_LONGJMP(_longjmp, "_longjmp")
WRAP_LONGJMP(siglongjmp, "siglongjmp")
/* What longjmp and siglongjmp become under _FORTIFY_SOURCE. */
WRAP_LONGJMP(__longjmp_chk, "longjmp")

/*
 * An exit() the wrap did not see. The C library has taken this handler off
 * its list: put it back first, for the next one.
 */
static void at_exit(void) NO_ASAN;
static void at_exit(void)
{
    if (who_calls() == CALLER_SIM)
        return;
    atexit(at_exit);
    exit_called("exit() in code outside mica's link-time wrap (a shared library, or a program "
                "linked without `pkg-config --libs mica`)", -1, 0);
}

void escape_init(void)
{
    static int registered;
    if (!registered && atexit(at_exit) == 0)
        registered = 1;
}
