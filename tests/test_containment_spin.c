/*
 * test_containment_spin.c - task code that spins without entering the
 * kernel. Built with basic-block hooks (pkg-config's preempt_cflags), it is
 * preempted at a tick boundary of the virtual clock, so a thread that
 * busy-waits for another of its priority lets it run: the run ends, exit 0,
 * and the same seed gives the same trace.
 */
#include <stdio.h>
#include <string.h>
#include "containment.h"

START_TEST(a_spinner_is_preempted_and_the_run_exits_0)
{
    int st = cm_run("spin-on-flag", "--log - --log-filter sched", 60);
    cm_assert_status(st, MICA_EXIT_OK);
    cm_assert_has(cm_out, "spinner: waiting for the flag");
    cm_assert_has(cm_out, "setter: flag set");
    cm_assert_has(cm_out, "spinner: saw the flag");
    cm_assert_has(cm_err, "spinner: preempted by the clock");
}
END_TEST

START_TEST(a_spinner_on_a_vspace_stack_is_preempted_too)
{
    int st = cm_run("spin-on-flag-vspace-stack", "--log - --log-filter sched", 60);
    cm_assert_status(st, MICA_EXIT_OK);
    cm_assert_has(cm_out, "setter: flag set");
    cm_assert_has(cm_out, "spinner: saw the flag");
    cm_assert_has(cm_err, "spinner: preempted by the clock");
}
END_TEST

/* Each CPU counts its own blocks; both threads start on CPU 0. */
START_TEST(a_spinner_is_preempted_with_two_cpus)
{
    int st = cm_run("spin-on-flag", "--cpus 2", 60);
    cm_assert_status(st, MICA_EXIT_OK);
    cm_assert_has(cm_out, "spinner: saw the flag");
}
END_TEST


START_TEST(the_same_seed_gives_the_same_trace)
{
    static char a[1 << 16], b[1 << 16];
    char args[512];
    for (int i = 0; i < 2; i++) {
        snprintf(args, sizeof args, "--seed 3 --log '%s/spin%d.log'", cm_tmpdir(), i);
        cm_assert_status(cm_run("spin-on-flag", args, 60), MICA_EXIT_OK);
    }
    char p[256];
    snprintf(p, sizeof p, "%s/spin0.log", cm_tmpdir());
    cm_slurp(p, a, sizeof a);
    snprintf(p, sizeof p, "%s/spin1.log", cm_tmpdir());
    cm_slurp(p, b, sizeof b);
    cm_assert_has(a, "spinner: preempted by the clock");
    ck_assert_str_eq(a, b);
}
END_TEST

static Suite *containment_spin_suite(void)
{
    Suite *s = suite_create("containment_spin");
    TCase *tc = tcase_create("spin");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, a_spinner_is_preempted_and_the_run_exits_0);
    tcase_add_test(tc, a_spinner_on_a_vspace_stack_is_preempted_too);
    tcase_add_test(tc, a_spinner_is_preempted_with_two_cpus);
    tcase_add_test(tc, the_same_seed_gives_the_same_trace);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(containment_spin_suite)
