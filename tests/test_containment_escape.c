/*
 * test_containment_escape.c - task code that tries to leave the simulated
 * machine (tests/buggy/escape.c): exit() and its kin, pthread_exit, a
 * longjmp out of its thread, a host thread of its own that exits or calls
 * mica. The thread is stopped and reported (name, what it called, where),
 * counted with the faulted threads, the rest runs on, and a run that then
 * goes idle exits 5 with stdout, the trace and the log complete. A longjmp
 * within a thread and the root task returning early stay legal.
 */
#include <stdio.h>
#include <string.h>
#include "containment.h"

/* The whole of file `name` in cm_tmpdir() (at most n - 1 bytes) into buf. */
static size_t slurp(const char *name, char *buf, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", cm_tmpdir(), name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s is missing", path);
    size_t k = fread(buf, 1, n - 1, f);
    buf[k] = 0;
    fclose(f);
    return k;
}

static void assert_ends_with(const char *text, size_t n, const char *end, const char *what)
{
    size_t e = strlen(end);
    ck_assert_msg(n >= e && strcmp(text + n - e, end) == 0, "%s does not end with \"%s\":\n%s",
                  what, end, n > 400 ? text + n - 400 : text);
}

/* The report common to every thread of task code stopped for calling exit. */
#define EXIT_ADVICE "task code cannot end the process; the thread is stopped (return from its " \
                    "entry function to end a thread, or call mica_debug_halt to stop the system)"

START_TEST(exit_stops_the_thread_and_the_run_exits_5)
{
    char args[1024];
    const char *d = cm_tmpdir();
    snprintf(args, sizeof args, "--trace %s/exit.json --log %s/exit.log", d, d);
    int st = cm_run("exit", args, 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);      /* not 3, the status it asked for */
    cm_assert_has(cm_out, "before exit\n");        /* stdout is not lost */
    cm_assert_has(cm_err, "mica: thread 'root' called exit(3) at exit_3+0x");
    cm_assert_has(cm_err, "(escape.c:");
    cm_assert_has(cm_err, "): " EXIT_ADVICE "\n");
    cm_assert_has(cm_err, "mica: 1 thread was stopped for escaping the simulated machine");
    cm_assert_has(cm_err, "  escaped: 'root': called exit(3) at exit_3+0x");
    cm_assert_lacks(cm_err, "bug in mica");
    /* The trace and the log are complete, and say what happened. */
    static char text[1 << 16];
    size_t n = slurp("exit.json", text, sizeof text);
    assert_ends_with(text, n, "\n]\n", "the trace");
    cm_assert_has(text, "\"escape\"");
    cm_assert_has(text, "called exit(3) at exit_3+0x");
    n = slurp("exit.log", text, sizeof text);
    cm_assert_has(text, "root: escape: called exit(3)");
    cm_assert_has(text, "kernel: thread 'root' called exit(3) at exit_3+0x");
    assert_ends_with(text, n, "switch root -> idle\n", "the log");
}
END_TEST

START_TEST(underscore_exit_and_Exit_and_quick_exit_are_stopped_too)
{
    int st = cm_run("_exit", "", 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    cm_assert_has(cm_out, "before _exit\n");
    cm_assert_has(cm_err, "mica: thread 'root' called _exit(7) at underscore_exit+0x");
    cm_assert_has(cm_err, EXIT_ADVICE);

    st = cm_run("_Exit", "", 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    cm_assert_has(cm_out, "before _Exit\n");
    cm_assert_has(cm_err, "mica: thread 'root' called _Exit(2) at underscore_Exit+0x");

    st = cm_run("quick-exit", "", 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    cm_assert_has(cm_err, "mica: thread 'root' called quick_exit(6) at calls_quick_exit+0x");
}
END_TEST

START_TEST(an_exit_the_wrap_misses_is_caught_at_exit)
{
    char args[1024];
    snprintf(args, sizeof args, "--trace %s/unwrapped.json", cm_tmpdir());
    int st = cm_run("exit-unwrapped", args, 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    cm_assert_has(cm_out, "before the C library's own exit\n");
    cm_assert_has(cm_err, "mica: thread 'root' called exit() in code outside mica's link-time wrap");
    cm_assert_has(cm_err, EXIT_ADVICE);
    static char text[1 << 16];
    size_t n = slurp("unwrapped.json", text, sizeof text);
    assert_ends_with(text, n, "\n]\n", "the trace");
}
END_TEST

START_TEST(a_worker_that_exits_0_is_stopped_and_the_root_runs_on)
{
    int st = cm_run("worker-exits", "--stats", 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);      /* exit(0) does not pass for success */
    cm_assert_has(cm_out, "worker exits\n");
    cm_assert_has(cm_out, "the root task carries on\n");
    cm_assert_has(cm_err, "mica: thread 'worker' called exit(0) at exiting_worker+0x");
    cm_assert_has(cm_err, "(0 threads stopped for want of a handler, 1 for escaping the machine)");
    cm_assert_has(cm_err, "  escaped: 'worker': called exit(0)");
}
END_TEST

START_TEST(a_worker_on_a_vspace_stack_is_stopped_on_its_kernel_stack)
{
    int st = cm_run("vspace-worker-exits", "", 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    cm_assert_has(cm_out, "vspace worker exits\n");
    cm_assert_has(cm_out, "the root task carries on\n");
    cm_assert_has(cm_err, "mica: thread 'vworker' called exit(1) at vspace_exiting_worker+0x");
}
END_TEST

START_TEST(a_worker_exits_on_another_cpu)
{
    char args[1024];
    snprintf(args, sizeof args, "--cpus 2 --trace %s/cpus.json", cm_tmpdir());
    int st = cm_run("worker-exits-cpu1", args, 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    cm_assert_has(cm_out, "worker exits\n");
    cm_assert_has(cm_out, "the root task carries on on CPU 0\n");
    cm_assert_has(cm_err, "mica: thread 'worker1' called exit(0) at exiting_worker+0x");
    static char text[1 << 16];
    size_t n = slurp("cpus.json", text, sizeof text);
    assert_ends_with(text, n, "\n]\n", "the trace");
}
END_TEST

START_TEST(a_stopped_thread_never_goes_on_past_its_exit)
{
    int st = cm_run("resume-after-exit", "", 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    /* Resumed without a new pc, it stops again; started at its entry, it runs afresh. */
    cm_assert_lacks(cm_out, "BUG");
    cm_assert_has(cm_out, "worker restarted afresh (run 2)\n");
    cm_assert_has(cm_out, "the root task carries on\n");
    const char *first = strstr(cm_err, "mica: thread 'worker' called exit(1)");
    ck_assert_msg(first && strstr(first + 1, "mica: thread 'worker' called exit(1)"),
                  "expected two reports:\n%s", cm_err);
}
END_TEST

START_TEST(pthread_exit_stops_the_thread)
{
    int st = cm_run("pthread-exit", "", 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    cm_assert_has(cm_out, "before pthread_exit\n");
    cm_assert_has(cm_err, "mica: thread 'root' called pthread_exit at calls_pthread_exit+0x");
    cm_assert_has(cm_err, "a mica thread is not a host thread that pthread_exit could end; the thread "
                          "is stopped (return from its entry function to end a thread)");
}
END_TEST

START_TEST(a_longjmp_to_main_stops_the_thread)
{
    char args[1024];
    const char *d = cm_tmpdir();
    snprintf(args, sizeof args, "--trace %s/jmp.json --log %s/jmp.log", d, d);
    int st = cm_run("longjmp-to-main", args, 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    cm_assert_has(cm_out, "before longjmp\n");
    cm_assert_lacks(cm_out, "BUG");
    cm_assert_has(cm_err, "mica: thread 'root' called longjmp at longjmp_to_main+0x");
    cm_assert_has(cm_err, "to a jmp_buf outside its own stack (its stack pointer 0x");
    cm_assert_has(cm_err, "the jump would leave the simulated machine; the thread is stopped");
    static char text[1 << 16];
    size_t n = slurp("jmp.json", text, sizeof text);
    assert_ends_with(text, n, "\n]\n", "the trace");
    n = slurp("jmp.log", text, sizeof text);
    assert_ends_with(text, n, "switch root -> idle\n", "the log");
}
END_TEST

START_TEST(a_longjmp_into_another_thread_stops_the_jumper)
{
    int st = cm_run("longjmp-to-thread", "", 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    cm_assert_lacks(cm_out, "BUG");
    cm_assert_has(cm_out, "the root task carries on\n");
    cm_assert_has(cm_err, "mica: thread 'jumper' called longjmp at jumping_worker+0x");
}
END_TEST

START_TEST(a_longjmp_within_a_thread_is_legal)
{
    int st = cm_run("longjmp-within", "", 60);
    cm_assert_status(st, MICA_EXIT_OK);
    cm_assert_has(cm_out, "root recovered after 1 jump\n");
    cm_assert_has(cm_out, "worker recovered with 42\n");
    cm_assert_lacks(cm_err, "mica:");     /* (ASan may warn about the jump's stack) */
}
END_TEST

START_TEST(the_root_task_may_return_while_threads_run_on)
{
    char args[1024];
    const char *d = cm_tmpdir();
    snprintf(args, sizeof args, "--stats --trace %s/early.json --log %s/early.log", d, d);
    int st = cm_run("root-returns-early", args, 60);
    cm_assert_status(st, MICA_EXIT_OK);            /* legal, as on seL4 */
    cm_assert_has(cm_out, "the root task returns\n");
    cm_assert_has(cm_out, "worker 0 runs after the root returned\n");
    cm_assert_has(cm_out, "worker 1 unmapped the root's stack: NoError\n");
    cm_assert_has(cm_err, "  root task          returned at tick ");
    cm_assert_has(cm_err, "; 2 other threads were ready or running ran on\n");
    cm_assert_lacks(cm_err, "escaped");
    cm_assert_lacks(cm_err, "mica: thread");
    static char text[1 << 16];
    size_t n = slurp("early.json", text, sizeof text);
    assert_ends_with(text, n, "\n]\n", "the trace");
    cm_assert_has(text, "the root task returned; 2 other threads ready or running run on");
    slurp("early.log", text, sizeof text);
    cm_assert_has(text, "kernel: the root task returned from its entry function at tick ");
    cm_assert_has(text, "while 2 other threads were ready or running; they run on");
}
END_TEST

START_TEST(the_root_task_may_return_with_two_cpus)
{
    int st = cm_run("root-returns-early", "--cpus 2", 60);
    cm_assert_status(st, MICA_EXIT_OK);
    cm_assert_has(cm_out, "worker 0 runs after the root returned\n");
    cm_assert_has(cm_out, "worker 1 unmapped the root's stack: NoError\n");
}
END_TEST

START_TEST(a_host_thread_calling_mica_gets_an_error)
{
    int st = cm_run("host-thread-calls", "", 60);
    cm_assert_status(st, MICA_EXIT_OK);
    cm_assert_has(cm_err, "mica: mica_call from host thread ");
    cm_assert_has(cm_err, ", which is not a mica thread (task code created it with pthread_create?): "
                          "only threads the kernel runs may make system calls; use mica_thread_spawn");
    /* Once, though it made more calls. */
    const char *first = strstr(cm_err, "from host thread");
    ck_assert_msg(first && !strstr(first + 1, "from host thread"), "reported more than once:\n%s", cm_err);
    cm_assert_has(cm_out, "host thread: mica_call returned label 3 (IllegalOperation)\n");
    cm_assert_has(cm_out, "host thread: IPC buffer NULL, vaddr 0x1000 NULL\n");
    cm_assert_has(cm_out, "the root task carries on: its endpoint is intact\n");
}
END_TEST

START_TEST(a_host_thread_calling_exit_is_parked)
{
    int st = cm_run("host-thread-exits", "", 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    cm_assert_has(cm_out, "host thread exits\n");
    cm_assert_has(cm_out, "the root task carries on\n");
    cm_assert_has(cm_err, ", which is not a mica thread (task code created it with pthread_create?), "
                          "called exit(4) at host_exiter+0x");
    cm_assert_has(cm_err, "task code cannot end the process; the host thread is stopped");
    cm_assert_has(cm_err, "  escaped: host thread ");
}
END_TEST

static Suite *containment_escape_suite(void)
{
    Suite *s = suite_create("containment_escape");
    TCase *tc = tcase_create("escape");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, exit_stops_the_thread_and_the_run_exits_5);
    tcase_add_test(tc, underscore_exit_and_Exit_and_quick_exit_are_stopped_too);
    tcase_add_test(tc, an_exit_the_wrap_misses_is_caught_at_exit);
    tcase_add_test(tc, a_worker_that_exits_0_is_stopped_and_the_root_runs_on);
    tcase_add_test(tc, a_worker_on_a_vspace_stack_is_stopped_on_its_kernel_stack);
    tcase_add_test(tc, a_worker_exits_on_another_cpu);
    tcase_add_test(tc, a_stopped_thread_never_goes_on_past_its_exit);
    tcase_add_test(tc, pthread_exit_stops_the_thread);
    tcase_add_test(tc, a_longjmp_to_main_stops_the_thread);
    tcase_add_test(tc, a_longjmp_into_another_thread_stops_the_jumper);
    tcase_add_test(tc, a_longjmp_within_a_thread_is_legal);
    tcase_add_test(tc, the_root_task_may_return_while_threads_run_on);
    tcase_add_test(tc, the_root_task_may_return_with_two_cpus);
    tcase_add_test(tc, a_host_thread_calling_mica_gets_an_error);
    tcase_add_test(tc, a_host_thread_calling_exit_is_parked);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(containment_escape_suite)
