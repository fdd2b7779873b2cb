/*
 * test_containment_stall.c - task code that stays out of the kernel: the
 * watchdog stops the run with MICA_STOP_STALLED (exit 4), naming the thread
 * and where it was; what it printed is not lost; a thread blocked in the
 * host with nothing else to run is left alone.
 */
#include <string.h>
#include "containment.h"

START_TEST(a_spinning_thread_is_stopped_by_the_watchdog)
{
    int st = cm_run("spinner", "--watchdog 0.5", 60);
    cm_assert_status(st, MICA_EXIT_STALLED);
    cm_assert_has(cm_out, "spinning now");
    cm_assert_has(cm_err, "thread 'spinner' ran 0.5");
    /* mica-buggy is built with preempt_cflags: the spinner takes ticks, but makes no system call. */
    cm_assert_has(cm_err, "s of host time without a system call (only clock ticks), at spin+0x");
    cm_assert_has(cm_err, "(stall.c:");
}
END_TEST

START_TEST(an_uninstrumented_spinner_is_stopped_with_advice)
{
    int st = cm_run("spinner-plain", "--watchdog 0.5", 60);
    cm_assert_status(st, MICA_EXIT_STALLED);
    cm_assert_has(cm_out, "spinning now");
    cm_assert_has(cm_err, "thread 'spinner' ran 0.5");
    cm_assert_has(cm_err, "s of host time without entering the kernel, at spin_plain+0x");
    cm_assert_has(cm_err, "under the virtual clock only kernel entries preempt; wait on a notification");
}
END_TEST

START_TEST(the_default_watchdog_is_two_seconds)
{
    int st = cm_run("spinner", "", 60);
    cm_assert_status(st, MICA_EXIT_STALLED);
    cm_assert_has(cm_err, "thread 'spinner' ran 2");
}
END_TEST

START_TEST(a_spinning_thread_on_a_second_cpu_is_stopped)
{
    int st = cm_run("spinner", "--cpus 2 --watchdog 0.5", 60);
    cm_assert_status(st, MICA_EXIT_STALLED);
    cm_assert_has(cm_err, "thread 'spinner' ran");
}
END_TEST

START_TEST(a_host_mutex_held_by_a_preempted_thread_is_reported)
{
    int st = cm_run("host-mutex", "--clock real --watchdog 0.5", 60);
    cm_assert_status(st, MICA_EXIT_STALLED);
    cm_assert_has(cm_err, "thread 'locker' has been blocked in the host for");
    cm_assert_has(cm_err, "called from locker+0x");
    cm_assert_has(cm_err, "while other threads are ready on its CPU");
    cm_assert_has(cm_err, "mica_mutex_t");
}
END_TEST

START_TEST(a_lone_thread_blocked_in_the_host_is_not_a_stall)
{
    int st = cm_run("sleeper", "--watchdog 0.2", 60);
    cm_assert_status(st, MICA_EXIT_OK);
    cm_assert_has(cm_out, "slept");
}
END_TEST

START_TEST(the_watchdog_option_is_checked)
{
    cm_assert_status(cm_run("sleeper", "--watchdog soon", 60), MICA_EXIT_USAGE);
    cm_assert_has(cm_err, "--watchdog: 'soon' is not a number of seconds");
    cm_assert_status(cm_run("sleeper", "--watchdog 0", 60), MICA_EXIT_OK);
}
END_TEST

static Suite *containment_stall_suite(void)
{
    Suite *s = suite_create("containment_stall");
    TCase *tc = tcase_create("stall");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_spinning_thread_is_stopped_by_the_watchdog);
    tcase_add_test(tc, an_uninstrumented_spinner_is_stopped_with_advice);
    tcase_add_test(tc, the_default_watchdog_is_two_seconds);
    tcase_add_test(tc, a_spinning_thread_on_a_second_cpu_is_stopped);
    tcase_add_test(tc, a_host_mutex_held_by_a_preempted_thread_is_reported);
    tcase_add_test(tc, a_lone_thread_blocked_in_the_host_is_not_a_stall);
    tcase_add_test(tc, the_watchdog_option_is_checked);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(containment_stall_suite)
