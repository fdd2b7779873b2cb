/*
 * test_containment_signals.c - task code and host signals: a signal a
 * thread sends itself is a fault of that thread (reported, counted, exit
 * 5; resumed by a fault handler, the call returns); a signal from another
 * process stops the run, completes the output files and ends the process
 * by that signal (128 + N); abort() resumed by its handler stops the
 * thread, not the process; mica's own signals cannot be taken over or
 * blocked; mica_mutex_t does what a pthread mutex cannot under --clock real.
 */
#include <string.h>
#include <signal.h>
#include "containment.h"

/* --- a thread signals itself ---------------------------------------------------------------- */

START_TEST(raise_sigterm_is_a_fault_of_the_thread)
{
    int st = cm_run("raise-sigterm", "", 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    cm_assert_has(cm_out, "before the signal");
    cm_assert_lacks(cm_out, "raise returned");
    cm_assert_has(cm_err, "thread 'root' stopped: SIGTERM: Terminated, sent by the thread to itself "
                          "(raise, kill or pthread_kill), at ");
    cm_assert_has(cm_err, " called from raise_sigterm+0x");
    cm_assert_has(cm_err, "(signals.c:");
    cm_assert_has(cm_err, "no fault handler took it");
    cm_assert_has(cm_err, "1 thread was stopped by a fault");
    cm_assert_lacks(cm_err, "bug in mica");
}
END_TEST

START_TEST(raise_sigint_and_sigtrap_are_faults_too)
{
    cm_assert_status(cm_run("raise-sigint", "", 60), MICA_EXIT_FAULTED);
    cm_assert_has(cm_err, "thread 'root' stopped: SIGINT: Interrupt, sent by the thread to itself");
    cm_assert_has(cm_err, " called from raise_sigint+0x");
    cm_assert_lacks(cm_err, "interrupted by");     /* its own SIGINT is no Ctrl-C */
    cm_assert_status(cm_run("raise-sigtrap", "", 60), MICA_EXIT_FAULTED);
    cm_assert_has(cm_err, "thread 'root' stopped: SIGTRAP: breakpoint trap, sent by the thread to itself");
    cm_assert_has(cm_err, " called from raise_sigtrap+0x");
}
END_TEST

START_TEST(a_breakpoint_instruction_is_named)
{
    cm_assert_status(cm_run("breakpoint", "", 60), MICA_EXIT_FAULTED);
    cm_assert_has(cm_err, "thread 'root' stopped: SIGTRAP: breakpoint trap, at breakpoint+0x");
    cm_assert_lacks(cm_err, "sent by the thread");
}
END_TEST

START_TEST(kill_of_the_own_process_names_the_calling_thread)
{
    cm_assert_status(cm_run("kill-self", "", 60), MICA_EXIT_FAULTED);
    cm_assert_has(cm_err, "thread 'root' stopped: SIGUSR2: User defined signal 2, sent by the thread "
                          "to itself");
    cm_assert_has(cm_err, " called from kill_self+0x");
    cm_assert_lacks(cm_out, "kill returned");
}
END_TEST

START_TEST(a_worker_raising_sigusr1_stops_and_the_rest_runs_on)
{
    cm_assert_status(cm_run("worker-raises-sigusr1", "", 60), MICA_EXIT_FAULTED);
    cm_assert_has(cm_out, "the root task carries on");
    cm_assert_has(cm_err, "thread 'worker' stopped: SIGUSR1: User defined signal 1, sent by the "
                          "thread to itself");
    cm_assert_has(cm_err, " called from usr1_worker+0x");
    /* The same on a second CPU. */
    cm_assert_status(cm_run("worker-raises-sigusr1", "--cpus 2", 60), MICA_EXIT_FAULTED);
    cm_assert_has(cm_err, "thread 'worker' stopped: SIGUSR1");
}
END_TEST

START_TEST(a_write_to_a_closed_pipe_is_a_fault)
{
    cm_assert_status(cm_run("sigpipe", "", 60), MICA_EXIT_FAULTED);
    cm_assert_has(cm_err, "thread 'root' stopped: SIGPIPE: write to a pipe or socket that nobody "
                          "reads, at ");
    cm_assert_has(cm_err, " called from sigpipe+0x");
}
END_TEST

/* --- a fault handler takes it ------------------------------------------------------------- */

START_TEST(a_fault_handler_resumes_a_thread_that_raised_a_signal)
{
    cm_assert_status(cm_run("raise-handled", "", 60), MICA_EXIT_OK);
    char want[64];
    snprintf(want, sizeof want, "supervisor: fault %d, signal %d; replying", MICA_FAULT_USER_EXCEPTION,
             SIGUSR1);
    cm_assert_has(cm_out, want);
    cm_assert_has(cm_out, "raise returned 0");
    cm_assert_lacks(cm_err, "mica:");     /* no report (ASan may warn about the stack switches) */
}
END_TEST

START_TEST(abort_resumed_by_its_handler_stops_the_thread_not_the_process)
{
    int st = cm_run("abort-retry", "", 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    char want[64];
    snprintf(want, sizeof want, "supervisor: fault %d, signal %d; replying", MICA_FAULT_USER_EXCEPTION,
             SIGABRT);
    cm_assert_has(cm_out, want);
    cm_assert_has(cm_out, "supervisor done");
    cm_assert_has(cm_err, "thread 'worker' was resumed after abort() (its fault handler replied to the "
                          "SIGABRT), at calls_abort+0x");
    cm_assert_has(cm_err, "(signals.c:");
    cm_assert_has(cm_err, "abort() cannot return, so the thread is stopped");
    cm_assert_has(cm_err, "faulted: 'worker': was resumed after abort()");
    cm_assert_lacks(cm_err, "bug in mica");
}
END_TEST

/* --- a signal from outside stops the run ---------------------------------------------------- */

/* The file ends as its format ends. */
static void assert_ends_with(const char *name, const char *end)
{
    char path[512], text[1 << 16];
    snprintf(path, sizeof path, "%s/%s", cm_tmpdir(), name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s is missing", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    long from = size > (long)sizeof text - 1 ? size - (long)sizeof text + 1 : 0;
    ck_assert_int_eq(fseek(f, from, SEEK_SET), 0);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    size_t e = strlen(end);
    ck_assert_msg(n >= e && strcmp(text + n - e, end) == 0, "%s (%ld bytes) does not end with \"%s\"",
                  path, size, end);
}

START_TEST(sigint_from_another_process_stops_the_run_and_completes_the_files)
{
    char args[512];
    const char *d = cm_tmpdir();
    snprintf(args, sizeof args, "--trace %s/int.json --log %s/int.log --cspace-dot %s/int.dot", d, d, d);
    int st = cm_run("sigint-from-outside", args, 60);
    cm_assert_status(st, 128 + SIGINT);
    cm_assert_has(cm_out, "working");       /* stdout was flushed */
    cm_assert_has(cm_err, "mica: interrupted by SIGINT sent by process ");
    /* Stopped where a CPU ran task code, or at a kernel exit: either way, named. */
    cm_assert_has(cm_err, "(CPU 0 ran '");
    cm_assert_has(cm_err, "the trace and the log are complete, and the process ends by SIGINT");
    assert_ends_with("int.json", "\n]\n");
    assert_ends_with("int.dot", "}\n");
    assert_ends_with("int.log", "and the process ends by SIGINT\n");
}
END_TEST

START_TEST(sigint_from_another_process_stops_several_cpus)
{
    int st = cm_run("sigint-from-outside", "--cpus 2", 60);
    cm_assert_status(st, 128 + SIGINT);
    cm_assert_has(cm_err, "mica: interrupted by SIGINT sent by process ");
    cm_assert_has(cm_err, ", CPU 1 ran '");
    st = cm_run("sigint-from-outside", "--cpus 3 --clock real", 60);
    cm_assert_status(st, 128 + SIGINT);
    cm_assert_has(cm_err, "mica: interrupted by SIGINT sent by process ");
}
END_TEST

START_TEST(sigterm_stops_a_thread_blocked_in_the_host)
{
    char args[512];
    snprintf(args, sizeof args, "--trace %s/term.json", cm_tmpdir());
    int st = cm_run("sigterm-while-sleeping", args, 60);
    cm_assert_status(st, 128 + SIGTERM);
    cm_assert_has(cm_out, "sleeping");
    cm_assert_has(cm_err, "mica: interrupted by SIGTERM sent by process ");
    cm_assert_has(cm_err, "(CPU 0 ran 'root')");
    assert_ends_with("term.json", "\n]\n");
}
END_TEST

START_TEST(a_second_sigterm_ends_the_process_at_once)
{
    cm_assert_status(cm_run("two-sigterms", "", 60), 128 + SIGTERM);
    cm_assert_has(cm_err, "mica: interrupted again: the process ends now");
}
END_TEST

START_TEST(sighup_stops_a_spinning_thread)
{
    cm_assert_status(cm_run("sighup-while-spinning", "", 60), 128 + SIGHUP);
    cm_assert_has(cm_err, "mica: interrupted by SIGHUP sent by process ");
    cm_assert_has(cm_err, "(CPU 0 ran 'spinner')");
    cm_assert_status(cm_run("sighup-while-spinning", "--clock real", 60), 128 + SIGHUP);
    cm_assert_has(cm_err, "(CPU 0 ran 'spinner')");
}
END_TEST

/* --- mica's own signals stay mica's --------------------------------------------------------- */

START_TEST(a_task_cannot_install_its_own_sigsegv_handler)
{
    cm_assert_status(cm_run("sigsegv-handler", "", 60), MICA_EXIT_FAULTED);
    cm_assert_has(cm_out, "sigaction returned -1 (Invalid argument)");
    cm_assert_lacks(cm_out, "the task's own SIGSEGV handler ran");
    cm_assert_has(cm_err, "thread 'root' tried to install its own handler for SIGSEGV (sigaction, at "
                          "sigsegv_handler+0x");
    cm_assert_has(cm_err, "refused with EINVAL; mica turns it into a fault of the thread");
    /* The crash that follows is mica's to report. */
    cm_assert_has(cm_err, "thread 'root' stopped: SIGSEGV: write to address 0x0");
}
END_TEST

START_TEST(a_handler_installed_past_the_link_flags_is_reported_at_the_end)
{
    cm_assert_status(cm_run("bypass-wrap", "", 60), MICA_EXIT_OK);
    cm_assert_has(cm_out, "__sigaction returned 0");
    cm_assert_has(cm_err, "mica: mica's SIGBUS handler was replaced during the run, by code not linked "
                          "with `pkg-config --libs mica`");
}
END_TEST

START_TEST(signal_cannot_ignore_sigalrm_but_other_signals_are_the_tasks)
{
    cm_assert_status(cm_run("signal-sigalrm", "", 60), MICA_EXIT_OK);
    cm_assert_has(cm_out, "signal refused (Invalid argument)");
    cm_assert_has(cm_out, "SIGUSR1 ignored: 0");
    cm_assert_has(cm_err, "thread 'root' tried to install its own handler for SIGALRM (signal, at "
                          "signal_sigalrm+0x");
    cm_assert_has(cm_err, "mica's real clock ticks with it");
    cm_assert_lacks(cm_err, "SIGUSR1");
}
END_TEST

START_TEST(blocking_sigsegv_is_filtered_out_and_reported)
{
    cm_assert_status(cm_run("block-sigsegv", "", 60), MICA_EXIT_FAULTED);
    cm_assert_has(cm_out, "SIGSEGV blocked: 0, SIGUSR1 blocked: 1");
    cm_assert_has(cm_err, "thread 'root' blocked SIGSEGV (sigprocmask, at block_sigsegv+0x");
    cm_assert_has(cm_err, "the rest of the mask applies");
    cm_assert_has(cm_err, "thread 'root' stopped: SIGSEGV: write to address 0x0");
}
END_TEST

START_TEST(a_thread_that_blocks_every_signal_is_still_preempted)
{
    cm_assert_status(cm_run("block-all-signals", "--clock real --watchdog 1", 60), MICA_EXIT_OK);
    cm_assert_has(cm_out, "the flag came");
    cm_assert_has(cm_err, "thread 'blocker' blocked SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM, "
                          "SIGRTMIN+2, SIGRTMIN+3 (pthread_sigmask, at blocks_all_and_spins+0x");
}
END_TEST

START_TEST(a_task_may_handle_a_signal_that_is_not_micas)
{
    cm_assert_status(cm_run("own-sigusr1-handler", "", 60), MICA_EXIT_OK);
    cm_assert_has(cm_out, "sigaction 0, handler ran: 1");
    cm_assert_lacks(cm_err, "mica:");     /* no report (ASan may warn about the stack switches) */
}
END_TEST

/* --- the mica-native lock ------------------------------------------------------------------- */

START_TEST(mica_mutex_is_what_host_mutex_should_have_used)
{
    /* host-mutex (test_containment_stall.c) hangs the CPU: reported as a stall, exit 4. */
    int st = cm_run("mica-mutex", "--clock real --watchdog 0.5", 60);
    cm_assert_status(st, MICA_EXIT_OK);
    cm_assert_has(cm_out, "both threads had the lock; count 2");
    cm_assert_lacks(cm_err, "mica:");     /* no report (ASan may warn about the stack switches) */
    cm_assert_status(cm_run("mica-mutex", "", 60), MICA_EXIT_OK);
    cm_assert_has(cm_out, "both threads had the lock; count 2");
    cm_assert_status(cm_run("mica-mutex", "--cpus 2 --clock real", 60), MICA_EXIT_OK);
    cm_assert_has(cm_out, "both threads had the lock; count 2");
}
END_TEST

static Suite *containment_signals_suite(void)
{
    Suite *s = suite_create("containment_signals");
    TCase *tc = tcase_create("self");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, raise_sigterm_is_a_fault_of_the_thread);
    tcase_add_test(tc, raise_sigint_and_sigtrap_are_faults_too);
    tcase_add_test(tc, a_breakpoint_instruction_is_named);
    tcase_add_test(tc, kill_of_the_own_process_names_the_calling_thread);
    tcase_add_test(tc, a_worker_raising_sigusr1_stops_and_the_rest_runs_on);
    tcase_add_test(tc, a_write_to_a_closed_pipe_is_a_fault);
    tcase_add_test(tc, a_fault_handler_resumes_a_thread_that_raised_a_signal);
    tcase_add_test(tc, abort_resumed_by_its_handler_stops_the_thread_not_the_process);
    suite_add_tcase(s, tc);

    tc = tcase_create("outside");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, sigint_from_another_process_stops_the_run_and_completes_the_files);
    tcase_add_test(tc, sigint_from_another_process_stops_several_cpus);
    tcase_add_test(tc, sigterm_stops_a_thread_blocked_in_the_host);
    tcase_add_test(tc, a_second_sigterm_ends_the_process_at_once);
    tcase_add_test(tc, sighup_stops_a_spinning_thread);
    suite_add_tcase(s, tc);

    tc = tcase_create("mica's signals");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_task_cannot_install_its_own_sigsegv_handler);
    tcase_add_test(tc, a_handler_installed_past_the_link_flags_is_reported_at_the_end);
    tcase_add_test(tc, signal_cannot_ignore_sigalrm_but_other_signals_are_the_tasks);
    tcase_add_test(tc, blocking_sigsegv_is_filtered_out_and_reported);
    tcase_add_test(tc, a_thread_that_blocks_every_signal_is_still_preempted);
    tcase_add_test(tc, a_task_may_handle_a_signal_that_is_not_micas);
    suite_add_tcase(s, tc);

    tc = tcase_create("lock");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, mica_mutex_is_what_host_mutex_should_have_used);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(containment_signals_suite)
