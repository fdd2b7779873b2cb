/*
 * test_containment_stack.c - stack overflows in task code (tests/buggy/stack.c):
 * the overflowing thread stops with a user exception (a host stack) or a VM
 * fault (a stack in its VSpace), reported as a stack overflow, and every
 * other thread, one parked in the kernel included, carries on unharmed.
 */
#include <string.h>
#include "containment.h"

#define OVERFLOW_REPORT "stack overflow: thread 'overflow' ran past the bottom of its 256 KiB stack"

/* A run that ends idle with a thread stopped by a fault no handler took exits MICA_EXIT_FAULTED. */
static void assert_faulted_status(int st)
{
    cm_assert_status(st, MICA_EXIT_FAULTED);
}

/* The simulator held: no crash of its own, and the threads around the overflow finished. */
static void assert_others_survived(int st)
{
    ck_assert_msg(st < 128, "mica-buggy died of signal %d; stderr:\n%s", st - 128, cm_err);
    cm_assert_lacks(cm_err, "bug in mica");
    cm_assert_has(cm_out, "overflow: about to overflow my stack");
    cm_assert_has(cm_out, "waiter: got 42 in a message of 1 words: unharmed");
    cm_assert_has(cm_out, "root: the waiter finished its IPC; everyone but 'overflow' survived");
    cm_assert_lacks(cm_out, "(it should not have)");
}

/* With a 4 KiB guard page this array's low end was the parked waiter's stack: a crash of mica. */
START_TEST(a_300_KiB_array_on_a_host_stack_is_a_stack_overflow_of_that_thread_alone)
{
    int st = cm_run("stack-big-array", "", 60);
    assert_others_survived(st);
    cm_assert_has(cm_err, "thread 'overflow'");
    cm_assert_has(cm_err, OVERFLOW_REPORT);
    assert_faulted_status(st);
}
END_TEST

/* Past the whole guard gap: caught because mica-buggy is built with -fstack-clash-protection. */
START_TEST(an_8_MiB_array_on_a_host_stack_is_a_stack_overflow_too)
{
    int st = cm_run("stack-huge-array", "", 60);
    assert_others_survived(st);
    cm_assert_has(cm_err, OVERFLOW_REPORT);
    assert_faulted_status(st);
}
END_TEST

START_TEST(infinite_recursion_on_a_host_stack_is_a_stack_overflow)
{
    int st = cm_run("stack-recursion", "", 60);
    assert_others_survived(st);
    cm_assert_has(cm_err, OVERFLOW_REPORT);
    assert_faulted_status(st);
}
END_TEST

/* The same on several CPUs and under the real clock (the waiter may be parked on another CPU). */
START_TEST(an_overflow_is_contained_on_several_cpus_and_under_the_real_clock)
{
    static const char *const runs[][2] = {
        { "stack-big-array", "--cpus 2" },
        { "stack-recursion", "--cpus 4" },
        { "stack-big-array", "--clock real" },
        { "stack-recursion", "--clock real --cpus 2" },
    };
    for (unsigned i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        int st = cm_run(runs[i][0], runs[i][1], 60);
        assert_others_survived(st);
        cm_assert_has(cm_err, OVERFLOW_REPORT);
        assert_faulted_status(st);
    }
}
END_TEST

/*
 * A fault handler that replies makes the thread retry the access in the
 * guard gap: it faults again each time (resuming it there once crashed the
 * simulator), and a handler took every fault, so the run exits 0.
 */
START_TEST(a_handler_that_retries_an_overflow_gets_the_fault_again)
{
    int st = cm_run("stack-overflow-retried", "", 60);
    assert_others_survived(st);
    cm_assert_has(cm_out, "root: fault 1 from 'overflow': type 3, signal 11");
    cm_assert_has(cm_out, "root: fault 2 from 'overflow': type 3, signal 11");
    cm_assert_has(cm_out, "root: fault 3 from 'overflow': type 3, signal 11");
    cm_assert_has(cm_out, "root: suspended 'overflow'");
    cm_assert_lacks(cm_err, "stack overflow");     /* handled: nothing to report */
    cm_assert_status(st, MICA_EXIT_OK);
}
END_TEST

/* A stack in the VSpace: the page below it is unmapped, so overflowing it is a VM fault there. */
START_TEST(overflowing_a_vspace_stack_is_a_vm_fault_and_harms_no_one_else)
{
    static const char *const names[] = { "stack-big-array-vspace", "stack-recursion-vspace" };
    for (unsigned i = 0; i < 2; i++) {
        int st = cm_run(names[i], "", 60);
        assert_others_survived(st);
        cm_assert_has(cm_err, "thread 'overflow'");
        cm_assert_has(cm_err, "VM fault");
        assert_faulted_status(st);
    }
}
END_TEST

/* The root task's stack is in its VSpace too; the report knows its bounds. */
START_TEST(the_root_task_overflowing_its_stack_is_reported_as_a_stack_overflow)
{
    static const char *const names[] = { "stack-root-huge-array", "stack-root-recursion" };
    for (unsigned i = 0; i < 2; i++) {
        int st = cm_run(names[i], "", 60);
        ck_assert_msg(st < 128, "mica-buggy died of signal %d; stderr:\n%s", st - 128, cm_err);
        cm_assert_lacks(cm_err, "bug in mica");
        cm_assert_has(cm_out, "root: about to overflow my stack");
        cm_assert_lacks(cm_out, "(it should not have)");
        cm_assert_has(cm_err, "stack overflow: thread 'root' ran past the bottom of its 512 KiB stack");
        assert_faulted_status(st);
    }
}
END_TEST

static Suite *containment_stack_suite(void)
{
    Suite *s = suite_create("containment_stack");
    TCase *tc = tcase_create("stack");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, a_300_KiB_array_on_a_host_stack_is_a_stack_overflow_of_that_thread_alone);
    tcase_add_test(tc, an_8_MiB_array_on_a_host_stack_is_a_stack_overflow_too);
    tcase_add_test(tc, infinite_recursion_on_a_host_stack_is_a_stack_overflow);
    tcase_add_test(tc, an_overflow_is_contained_on_several_cpus_and_under_the_real_clock);
    tcase_add_test(tc, a_handler_that_retries_an_overflow_gets_the_fault_again);
    tcase_add_test(tc, overflowing_a_vspace_stack_is_a_vm_fault_and_harms_no_one_else);
    tcase_add_test(tc, the_root_task_overflowing_its_stack_is_reported_as_a_stack_overflow);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(containment_stack_suite)
