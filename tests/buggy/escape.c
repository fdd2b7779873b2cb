/*
 * escape.c - task code that tries to leave the simulated machine: exit()
 * and its kin, pthread_exit(), a longjmp out of its thread, and a host
 * thread of its own (pthread_create) that calls mica or exits. The thread
 * is stopped with a report naming it, what it called and where, the rest
 * of the system runs on, and a run that then goes idle exits 5 (buggy.h).
 * Also what stays legal: a longjmp within a thread, and the root task
 * returning while other threads run on.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <mica/user.h>
#include "buggy.h"

/* The simulator's count of stopped threads (sim/report.c), to wait for a host thread's report. */
unsigned report_faulted_threads(void);

static void exit_3(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    printf("before exit\n");
    exit(3);
}

static void underscore_exit(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    printf("before _exit\n");
    _exit(7);
}

static void underscore_Exit(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    printf("before _Exit\n");
    _Exit(2);
}

static void calls_quick_exit(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    quick_exit(6);
}

static void calls_pthread_exit(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    printf("before pthread_exit\n");
    pthread_exit(NULL);
}

/* exit() reached without the link-time wrap, as from a shared library: the atexit handler stops it. */
static void exit_unwrapped(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    void (*libc_exit)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "exit");
    printf("before the C library's own exit\n");
    libc_exit(9);
}

/* A worker exits with status 0 (which would pass for success); the root goes on. */
static void exiting_worker(mica_word_t arg)
{
    (void)arg;
    printf("worker exits\n");
    exit(0);
}

static void worker_exits(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    mica_thread_spawn(&env, "worker", exiting_worker, 0, MICA_MAX_PRIO);
    mica_yield();       /* the worker runs (at the root's priority) and exits */
    printf("the root task carries on\n");
}

/* The same from a worker whose stack is in the VSpace (it enters the kernel on its kernel stack). */
static void vspace_exiting_worker(mica_word_t r0, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r0; (void)r1; (void)r2; (void)r3;
    char big[8192];
    snprintf(big, sizeof big, "vspace worker exits");
    puts(big);
    exit(1);
}

static void vspace_worker_exits(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    mica_thread_config_t cfg = { .name = "vworker", .prio = MICA_MAX_PRIO, .stack_pages = 4 };
    mica_thread_t t;
    if (mica_thread_create(&env, &cfg, &t) != MICA_NO_ERROR ||
        mica_thread_start(&t, vspace_exiting_worker, 0, 0, 0, 0) != MICA_NO_ERROR) {
        printf("cannot make the worker\n");
        return;
    }
    mica_yield();
    printf("the root task carries on\n");
}

/* With two CPUs: a worker on CPU 1 exits while the root runs on CPU 0. */
static void worker_exits_on_cpu1(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    mica_cptr_t w = mica_thread_spawn(&env, "worker1", exiting_worker, 0, 100);
    mica_tcb_set_affinity(w, 1);
    for (int i = 0; i < 2000 && report_faulted_threads() == 0; i++) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
        mica_yield();
    }
    printf("the root task carries on on CPU %u\n", mica_sim_cpu());
}

/* Resumed after its exit, a worker stops again; restarted at its entry, it runs afresh. */
static int worker_runs;

static void once_exiting_worker(mica_word_t r0, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r0; (void)r1; (void)r2; (void)r3;
    if (++worker_runs == 1) {
        exit(1);
        printf("BUG: task code went on after exit\n");
    }
    printf("worker restarted afresh (run %d)\n", worker_runs);
}

static void resume_after_exit(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    mica_thread_config_t cfg = { .name = "worker", .prio = MICA_MAX_PRIO };
    mica_thread_t t;
    if (mica_thread_create(&env, &cfg, &t) != MICA_NO_ERROR ||
        mica_thread_start(&t, once_exiting_worker, 0, 0, 0, 0) != MICA_NO_ERROR) {
        printf("cannot make the worker\n");
        return;
    }
    mica_yield();                                           /* it runs and exits */
    mica_tcb_resume(t.tcb);
    mica_yield();                                           /* it stops again at once */
    mica_thread_start(&t, once_exiting_worker, 0, 0, 0, 0); /* a new start: runs afresh */
    mica_yield();
    printf("the root task carries on\n");
}

/* longjmp to a jmp_buf set in main before mica_run. */
static jmp_buf main_jb;

static void longjmp_to_main(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    printf("before longjmp\n");
    longjmp(main_jb, 1);
}

static int setjmp_main(int argc, char **argv, mica_root_task_fn root)
{
    if (setjmp(main_jb)) {
        printf("BUG: back in main, the run abandoned\n");
        return 99;
    }
    return mica_main(argc, argv, root, NULL);
}

/* longjmp into another thread's jmp_buf. */
static jmp_buf root_jb;

static void jumping_worker(mica_word_t arg)
{
    (void)arg;
    longjmp(root_jb, 1);
}

static void longjmp_to_another_thread(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    if (setjmp(root_jb)) {
        printf("BUG: the root resumed by a worker's longjmp\n");
        return;
    }
    mica_env_init(&env, bi);
    mica_thread_spawn(&env, "jumper", jumping_worker, 0, MICA_MAX_PRIO);
    mica_yield();       /* the worker runs while the root's jmp_buf is live */
    printf("the root task carries on\n");
}

/* longjmp within a thread is ordinary C: it goes through. */
static jmp_buf local_jb;

static __attribute__((noinline)) void fail_deeper(void)
{
    longjmp(local_jb, 42);
}

static __attribute__((noinline)) void fail_deep(void)
{
    char buf[256];
    snprintf(buf, sizeof buf, "failing");
    fail_deeper();
}

static void longjmp_within(mica_word_t arg)
{
    (void)arg;
    int v = setjmp(local_jb);
    if (v) {
        printf("worker recovered with %d\n", v);
        return;
    }
    fail_deep();
}

static void longjmp_within_a_thread(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    static jmp_buf jb;
    volatile int n = 0;
    if (setjmp(jb))
        n++;
    if (n == 0)
        longjmp(jb, 1);
    printf("root recovered after %d jump\n", n);
    mica_env_t env;
    mica_env_init(&env, bi);
    mica_thread_spawn(&env, "worker", longjmp_within, 0, 200);     /* runs when the root returns */
}

/* The root task returns while two workers run on; one of them reclaims the root's stack. */
static const mica_bootinfo_t *boot;

static void late_worker(mica_word_t arg)
{
    mica_yield();
    if (arg) {
        mica_word_t n = boot->user_image_frames.end - boot->user_image_frames.start;
        mica_error_t e = mica_user_unmap_pages(boot->user_image_frames.start, n);
        printf("worker %lu unmapped the root's stack: %s\n", (unsigned long)arg, mica_error_name(e));
    } else {
        printf("worker %lu runs after the root returned\n", (unsigned long)arg);
    }
}

static void root_returns_early(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    boot = bi;
    mica_env_init(&env, bi);
    mica_thread_spawn(&env, "late0", late_worker, 0, 100);    /* below the root: wait for it */
    mica_thread_spawn(&env, "late1", late_worker, 1, 100);
    printf("the root task returns\n");
}

/* A host thread of the task's own calls mica: each call fails, the system is untouched. */
static mica_cptr_t host_ep;

static void *host_caller(void *arg)
{
    (void)arg;
    mica_msginfo_t r = mica_call(host_ep, mica_msginfo_new(7, 0, 0, 1));
    printf("host thread: mica_call returned label %lu (%s)\n",
           (unsigned long)mica_msginfo_get_label(r), mica_error_name((mica_error_t)mica_msginfo_get_label(r)));
    printf("host thread: IPC buffer %s, vaddr 0x1000 %s\n", mica_get_ipc_buffer() ? "!= NULL" : "NULL",
           mica_vaddr_to_ptr(0x1000) ? "!= NULL" : "NULL");
    mica_signal(host_ep);
    return NULL;
}

static void host_thread_calls_mica(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    host_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    pthread_t h;
    if (pthread_create(&h, NULL, host_caller, NULL) != 0) {
        printf("no host thread\n");
        return;
    }
    pthread_join(h, NULL);
    printf("the root task carries on: %s\n", mica_debug_cap_identify(host_ep) == MICA_CAP_TYPE_ENDPOINT
                                                ? "its endpoint is intact" : "BUG: its endpoint is gone");
}

/* A host thread of the task's own calls exit(): it is parked, the run goes on. */
static void *host_exiter(void *arg)
{
    (void)arg;
    printf("host thread exits\n");
    exit(4);
}

static void host_thread_exits(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    pthread_t h;
    if (pthread_create(&h, NULL, host_exiter, NULL) != 0) {
        printf("no host thread\n");
        return;
    }
    for (int i = 0; i < 10000 && report_faulted_threads() == 0; i++) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    printf("the root task carries on\n");
}

const buggy_t buggy_escape[] = {
    { "exit", exit_3, "the root task calls exit(3)" },
    { "_exit", underscore_exit, "the root task calls _exit(7)" },
    { "_Exit", underscore_Exit, "the root task calls _Exit(2)" },
    { "quick-exit", calls_quick_exit, "the root task calls quick_exit(6)" },
    { "exit-unwrapped", exit_unwrapped, "the root task calls the C library's exit through dlsym" },
    { "pthread-exit", calls_pthread_exit, "the root task calls pthread_exit" },
    { "worker-exits", worker_exits, "a worker calls exit(0); the root goes on" },
    { "vspace-worker-exits", vspace_worker_exits, "a worker on a VSpace stack calls exit(1)" },
    { "worker-exits-cpu1", worker_exits_on_cpu1, "with --cpus 2, a worker on CPU 1 calls exit(0)" },
    { "resume-after-exit", resume_after_exit, "a worker exits, is resumed, then started afresh" },
    { "longjmp-to-main", longjmp_to_main, "the root task longjmps to a jmp_buf set in main" },
    { "longjmp-to-thread", longjmp_to_another_thread, "a worker longjmps into the root's jmp_buf" },
    { "longjmp-within", longjmp_within_a_thread, "setjmp/longjmp within a thread (legal)" },
    { "root-returns-early", root_returns_early, "the root returns while workers run on (legal)" },
    { "host-thread-calls", host_thread_calls_mica, "a pthread of the root task calls mica_call" },
    { "host-thread-exits", host_thread_exits, "a pthread of the root task calls exit(4)" },
    { 0 },
};

const buggy_main_t buggy_mains[] = {
    { "longjmp-to-main", setjmp_main },
    { 0 },
};
