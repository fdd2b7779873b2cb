/*
 * test_containment_crash.c - crashes in task code: a thread stopped by a
 * fault no handler took is reported with the signal, its meaning and where
 * (function+offset, file:line), counted, and listed at the end; a run that
 * then goes idle exits 5 (MICA_EXIT_FAULTED); the rest of the system runs on.
 */
#include <string.h>
#include "containment.h"

START_TEST(a_null_write_is_reported_and_the_run_exits_5)
{
    int st = cm_run("null-write", "", 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    cm_assert_has(cm_out, "before the crash");      /* stdout is not lost */
    cm_assert_has(cm_err, "thread 'root' stopped: SIGSEGV: write to address 0x0 (a NULL pointer), "
                          "at null_write+0x");
    cm_assert_has(cm_err, "(crash.c:");
    cm_assert_has(cm_err, "no fault handler took it (no fault endpoint is set");
    cm_assert_has(cm_err, "1 thread was stopped by a fault that no handler took");
    cm_assert_lacks(cm_err, "bug in mica");
}
END_TEST

START_TEST(a_null_read_is_reported_as_a_read)
{
    int st = cm_run("null-read", "", 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    cm_assert_has(cm_err, "SIGSEGV: read from or jump to address 0x0 (a NULL pointer), at null_read+0x");
}
END_TEST

START_TEST(a_division_by_zero_is_named)
{
    int st = cm_run("divide-by-zero", "", 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    cm_assert_has(cm_err, "SIGFPE: integer division by zero, at divide_by_zero+0x");
}
END_TEST

START_TEST(a_trap_instruction_is_named)
{
    int st = cm_run("trap-instruction", "", 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    cm_assert_has(cm_err, "SIGILL: illegal instruction");
    cm_assert_has(cm_err, "at trap_instruction+0x");
}
END_TEST

START_TEST(abort_is_named)
{
    int st = cm_run("abort", "", 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    cm_assert_has(cm_err, "thread 'root' stopped: SIGABRT: abort() was called");
}
END_TEST

START_TEST(a_crashed_worker_is_counted_and_the_rest_runs_on)
{
    int st = cm_run("worker-crashes", "--stats", 60);
    cm_assert_status(st, MICA_EXIT_FAULTED);
    cm_assert_has(cm_out, "the root task carries on");
    cm_assert_has(cm_err, "thread 'worker' stopped: SIGSEGV: write to address 0x0");
    cm_assert_has(cm_err, "at worker+0x");
    cm_assert_has(cm_err, "(1 threads stopped for want of a handler)");     /* --stats */
    cm_assert_has(cm_err, "  faulted: 'worker': SIGSEGV");                 /* the end report */
}
END_TEST

static Suite *containment_crash_suite(void)
{
    Suite *s = suite_create("containment_crash");
    TCase *tc = tcase_create("crash");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_null_write_is_reported_and_the_run_exits_5);
    tcase_add_test(tc, a_null_read_is_reported_as_a_read);
    tcase_add_test(tc, a_division_by_zero_is_named);
    tcase_add_test(tc, a_trap_instruction_is_named);
    tcase_add_test(tc, abort_is_named);
    tcase_add_test(tc, a_crashed_worker_is_counted_and_the_rest_runs_on);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(containment_crash_suite)
