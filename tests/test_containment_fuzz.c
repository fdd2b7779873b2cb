/*
 * test_containment_fuzz.c - random system calls from tasks running in
 * parallel on several CPUs: mica-fuzz --cpus N boots each chunk on N
 * simulated CPUs with its tasks spread over them, checks the kernel
 * invariants after every kernel entry, and ends with "N syscalls,
 * 0 violations" and exit status 0.
 */
#include <stdlib.h>
#include <string.h>
#include "containment.h"

/* Run mica-fuzz (MICA_FUZZ) with args; its exit status. */
static int fuzz(const char *args)
{
    const char *bin = getenv("MICA_FUZZ");
    ck_assert_msg(bin != NULL, "MICA_FUZZ is not set (run the test through meson)");
    return cm_run_prog(bin, args, 300);
}

/* The stats line of chunk 0 names each CPU and its kernel entries: each CPU ran some. */
static void assert_every_cpu_entered(unsigned cpus)
{
    const char *p = strstr(cm_err, "per CPU:");
    ck_assert_msg(p != NULL, "no per-CPU line in:\n%s", cm_err);
    for (unsigned c = 0; c < cpus; c++) {
        char name[16];
        snprintf(name, sizeof name, "cpu%u ", c);
        const char *q = strstr(p, name);
        ck_assert_msg(q != NULL, "no %s in:\n%s", name, p);
        ck_assert_msg(strtoul(q + strlen(name), NULL, 10) > 0, "%s made no kernel entry:\n%s",
                      name, p);
    }
}

START_TEST(a_campaign_on_two_cpus_ends_with_no_violation)
{
    int st = fuzz("--seed 4 --tasks 8 --syscalls 4000 --cpus 2 --check each --stats --quiet");
    cm_assert_status(st, 0);
    cm_assert_has(cm_out, "4000 syscalls, 0 violations");
    assert_every_cpu_entered(2);
}
END_TEST

START_TEST(a_campaign_on_four_cpus_with_vspace_stacks_ends_with_no_violation)
{
    int st = fuzz("--seed 5 --tasks 8 --syscalls 3000 --cpus 4 --vspace-stacks --check each "
                  "--stats --quiet");
    cm_assert_status(st, 0);
    cm_assert_has(cm_out, "3000 syscalls, 0 violations");
    assert_every_cpu_entered(4);
}
END_TEST

/* A libFuzzer input replays one-CPU decisions: asking for more CPUs is a usage error. */
START_TEST(an_input_replay_on_several_cpus_is_refused)
{
    int st = fuzz("--input /dev/null --cpus 2");
    cm_assert_status(st, 2);
    cm_assert_has(cm_err, "one CPU");
}
END_TEST

static Suite *containment_fuzz_suite(void)
{
    Suite *s = suite_create("containment_fuzz");
    TCase *tc = tcase_create("fuzz");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, a_campaign_on_two_cpus_ends_with_no_violation);
    tcase_add_test(tc, a_campaign_on_four_cpus_with_vspace_stacks_ends_with_no_violation);
    tcase_add_test(tc, an_input_replay_on_several_cpus_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(containment_fuzz_suite)
