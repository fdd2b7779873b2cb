/*
 * test_isolation.c - what the fuzzer's random campaigns must preserve.
 *
 * Isolation: fuzzlib builds, next to the fuzzing tasks (system A), a
 * system B - a CNode, three threads blocked on B's endpoint and
 * notification, a VSpace with a page table and a frame holding a pattern,
 * IPC buffers - from an untyped no task ever holds, and no task is given a
 * capability to any of it. After a long random campaign of A (every
 * system call and invocation, crashes, revokes, remaps) B's objects are
 * byte-identical: its CNode slots (caps and CDT marks; the list links
 * follow the global list), its TCBs (state, registers, queue links) and
 * their internal slots, the endpoint and notification (queues), the frames,
 * the page table and the VSpace root - read through the kernel window at
 * hw_phys_base + paddr, every 4096 operations and at the end. A self-test
 * proves the comparison notices a change.
 *
 * Atomicity: a failed invocation changes no kernel state (STYLE.md, decode
 * before perform) - checked for every one that ran alone.
 *
 * Determinism: the same seed gives byte-identical text traces.
 *
 * Several CPUs: the same campaign with its tasks spread over two CPUs,
 * running in parallel, keeps both properties, and both checks still
 * notice a change.
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "fuzzlib.h"

static mica_run_result_t run_campaign_on(unsigned cpus, const fz_config_t *fc, mica_check_t check,
                                         const char *log)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.cpus = cpus;
    cfg.phys_mem_bytes = 32ul << 20;
    cfg.check = check;
    cfg.seed = fc->seed;
    cfg.log_path = log;
    cfg.max_threads = 512;
    cfg.time_limit_ticks = fc->budget * 200 + 2000000;
    fz_machine(&cfg, fc);
    mica_run_result_t r;
    ck_assert_int_eq(mica_run(&cfg, fz_root, (void *)fc, &r), 0);
    return r;
}

static mica_run_result_t run_campaign(const fz_config_t *fc, mica_check_t check, const char *log)
{
    return run_campaign_on(1, fc, check, log);
}

/* B stays untouched while A's tasks run 60,000 random operations. */
START_TEST(no_task_without_caps_can_change_another_system)
{
    fz_config_t fc;
    fz_config_init(&fc);
    fc.seed = 0x15014710;
    fc.tasks = 6;
    fc.budget = 60000;
    fc.isolation = 1;
    fc.atomicity = 1;
    mica_run_result_t r = run_campaign(&fc, MICA_CHECK_EACH_ENTRY, NULL);
    const fz_result_t *res = fz_last_result();
    ck_assert_msg(r.reason == MICA_STOP_HALT, "stopped with %s: %s", mica_stop_reason_name(r.reason),
                  r.message);
    ck_assert_int_eq(res->end, FZ_END_BUDGET);
    ck_assert_uint_eq(res->done, fc.budget);
    ck_assert_uint_ge(res->isolation_checks, fc.budget / 4096);
    ck_assert_msg(res->isolation_broken == 0, "%s", res->isolation_message);
    /* And every failed invocation that ran alone left the kernel state as it was. */
    ck_assert_uint_gt(res->atomicity_checks, 1000);
    ck_assert_msg(res->atomicity_broken == 0, "%s", res->atomicity_message);
    /* The campaign was not idle: it faulted, restarted and invoked a lot. */
    ck_assert_uint_gt(res->faults, 100);
    ck_assert_uint_gt(r.invocations, fc.budget / 2);
}
END_TEST

/* The comparison is not vacuous: one changed byte of B is reported, naming the object. */
START_TEST(a_change_to_the_other_system_is_reported)
{
    fz_config_t fc;
    fz_config_init(&fc);
    fc.seed = 77;
    fc.tasks = 2;
    fc.budget = 9000;
    fc.isolation = 1;
    fc.tamper_at = 5000;
    run_campaign(&fc, MICA_CHECK_OFF, NULL);
    const fz_result_t *res = fz_last_result();
    ck_assert_uint_eq(res->isolation_broken, 1);
    ck_assert_msg(strstr(res->isolation_message, "data frame") != NULL, "%s", res->isolation_message);
}
END_TEST

/* The atomicity check is not vacuous either: a state change during a failed call is reported. */
START_TEST(a_failed_invocation_that_changes_state_is_reported)
{
    fz_config_t fc;
    fz_config_init(&fc);
    fc.seed = 78;
    fc.tasks = 2;
    fc.budget = 5000;
    fc.atomicity = 1;
    fc.tamper_state_at = 100;
    run_campaign(&fc, MICA_CHECK_OFF, NULL);
    const fz_result_t *res = fz_last_result();
    ck_assert_uint_ge(res->atomicity_checks, 100);
    ck_assert_uint_eq(res->atomicity_broken, 1);
    ck_assert_msg(strstr(res->atomicity_message, "changed kernel state") != NULL, "%s",
                  res->atomicity_message);
}
END_TEST

/* On two CPUs, tasks really in parallel: B stays untouched and failed invocations atomic. */
START_TEST(on_two_cpus_no_task_changes_another_system_and_failed_calls_change_nothing)
{
    fz_config_t fc;
    fz_config_init(&fc);
    fc.seed = 0x15014711;
    fc.tasks = 6;
    fc.budget = 15000;
    fc.isolation = 1;
    fc.atomicity = 1;
    mica_run_result_t r = run_campaign_on(2, &fc, MICA_CHECK_EACH_ENTRY, NULL);
    const fz_result_t *res = fz_last_result();
    ck_assert_msg(r.reason == MICA_STOP_HALT, "stopped with %s: %s", mica_stop_reason_name(r.reason),
                  r.message);
    ck_assert_int_eq(res->end, FZ_END_BUDGET);
    ck_assert_uint_eq(res->done, fc.budget);
    /* The tasks ran on both CPUs. */
    ck_assert_uint_gt(r.cpu[0].kernel_entries, 1000);
    ck_assert_uint_gt(r.cpu[1].kernel_entries, 1000);
    ck_assert_uint_ge(res->isolation_checks, fc.budget / 4096);
    ck_assert_msg(res->isolation_broken == 0, "%s", res->isolation_message);
    /* Fewer failed invocations run alone in the whole system than on one CPU, but many do. */
    ck_assert_uint_gt(res->atomicity_checks, 1000);
    ck_assert_msg(res->atomicity_broken == 0, "%s", res->atomicity_message);
    ck_assert_uint_gt(res->faults, 100);
}
END_TEST

/* ...and on two CPUs both checks notice a change (the self-tests above, in parallel). */
START_TEST(on_two_cpus_a_changed_system_or_state_is_still_reported)
{
    fz_config_t fc;
    fz_config_init(&fc);
    fc.seed = 79;
    fc.tasks = 4;
    fc.budget = 6000;
    fc.isolation = 1;
    fc.tamper_at = 3000;
    fc.atomicity = 1;
    fc.tamper_state_at = 50;
    mica_run_result_t r = run_campaign_on(2, &fc, MICA_CHECK_OFF, NULL);
    const fz_result_t *res = fz_last_result();
    ck_assert_uint_gt(r.cpu[1].kernel_entries, 0);
    ck_assert_uint_eq(res->isolation_broken, 1);
    ck_assert_msg(strstr(res->isolation_message, "data frame") != NULL, "%s", res->isolation_message);
    ck_assert_uint_ge(res->atomicity_checks, 50);
    ck_assert_uint_eq(res->atomicity_broken, 1);
    ck_assert_msg(strstr(res->atomicity_message, "changed kernel state") != NULL, "%s",
                  res->atomicity_message);
}
END_TEST

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(b);
    *len = fread(b, 1, (size_t)n, f);
    b[*len] = 0;
    fclose(f);
    return b;
}

static char *campaign_trace(uint64_t seed, size_t *len)
{
    char path[] = "/tmp/mica-fuzz-det-XXXXXX";
    close(mkstemp(path));
    fz_config_t fc;
    fz_config_init(&fc);
    fc.seed = seed;
    fc.tasks = 4;
    fc.budget = 15000;
    fc.isolation = 1;
    fc.allow_halt_op = 1;
    run_campaign(&fc, MICA_CHECK_EACH_ENTRY, path);
    char *t = slurp(path, len);
    unlink(path);
    return t;
}

/* Same seed, same campaign: the text traces are byte-identical; another seed differs. */
START_TEST(a_seed_replays_the_same_campaign)
{
    size_t l1, l2, l3;
    char *a = campaign_trace(42, &l1), *b = campaign_trace(42, &l2), *c = campaign_trace(43, &l3);
    ck_assert_uint_gt(l1, 100000);
    ck_assert_uint_eq(l1, l2);
    ck_assert_msg(memcmp(a, b, l1) == 0, "two runs of seed 42 differ");
    ck_assert(l1 != l3 || memcmp(a, c, l1) != 0);
    free(a);
    free(b);
    free(c);
}
END_TEST

static Suite *isolation_suite(void)
{
    Suite *s = suite_create("isolation");
    TCase *tc = tcase_create("isolation");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, no_task_without_caps_can_change_another_system);
    tcase_add_test(tc, a_change_to_the_other_system_is_reported);
    tcase_add_test(tc, a_failed_invocation_that_changes_state_is_reported);
    suite_add_tcase(s, tc);
    tc = tcase_create("smp");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, on_two_cpus_no_task_changes_another_system_and_failed_calls_change_nothing);
    tcase_add_test(tc, on_two_cpus_a_changed_system_or_state_is_still_reported);
    suite_add_tcase(s, tc);
    tc = tcase_create("determinism");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, a_seed_replays_the_same_campaign);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(isolation_suite)
