/*
 * test_fuzz_paging.c - the fuzzer's paging operations reach every level.
 *
 * fuzzlib's tasks retype PDPTs, page directories, page tables and 4 KiB,
 * 2 MiB and 1 GiB frames, and map and unmap them at vaddrs across the 47
 * bits (and past them). It counts, per paging operation, how often the
 * kernel said NoError (fz_op_ok). A campaign must get every one of them
 * through at least once - otherwise the fuzzer only tests the error paths
 * of that level - with the invariants checked after every kernel entry and
 * every failed invocation that ran alone checked to have changed nothing.
 *
 * 1 GiB frames need a 1 GiB untyped, which boot makes from 2 GiB of
 * memory or more; with less, every 1 GiB retype and map fails.
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include "harness.h"
#include "fuzzlib.h"

static mica_run_result_t campaign(uint64_t seed, size_t mem)
{
    mica_config_t cfg;
    fz_config_t fc;
    mt_config(&cfg);
    fz_config_init(&fc);
    fc.seed = seed;
    fc.tasks = 4;
    fc.budget = 15000;
    fc.isolation = 1;
    fc.atomicity = 1;
    cfg.phys_mem_bytes = mem;
    cfg.check = MICA_CHECK_EACH_ENTRY;
    cfg.seed = seed;
    cfg.max_threads = 512;
    cfg.time_limit_ticks = fc.budget * 200 + 2000000;
    fz_machine(&cfg, &fc);
    mica_run_result_t r;
    ck_assert_int_eq(mica_run(&cfg, fz_root, &fc, &r), 0);
    const fz_result_t *res = fz_last_result();
    ck_assert_msg(r.reason == MICA_STOP_HALT, "stopped with %s: %s", mica_stop_reason_name(r.reason),
                  r.message);
    ck_assert_msg(res->end == FZ_END_BUDGET, "ended %d: %s", res->end, res->setup_message);
    ck_assert_msg(res->isolation_broken == 0, "%s", res->isolation_message);
    ck_assert_msg(res->atomicity_broken == 0, "%s", res->atomicity_message);
    ck_assert_uint_gt(res->atomicity_checks, 1000);
    return r;
}

static int op_index(const char *name)
{
    for (unsigned i = 0; i < fz_op_count(); i++)
        if (!strcmp(fz_op_name(i), name))
            return (int)i;
    ck_abort_msg("no fuzzer operation %s", name);
    return -1;
}

/* The paging operations whose successes fuzzlib counts, by name. */
static const char *const paging_ops[] = {
    "PDPT_MAP", "PDPT_UNMAP", "PAGE_DIRECTORY_MAP", "PAGE_DIRECTORY_UNMAP", "PAGE_TABLE_MAP",
    "PAGE_TABLE_UNMAP", "PAGE_MAP", "LARGE_PAGE_MAP", "HUGE_PAGE_MAP", "PAGE_UNMAP",
    "PAGE_GET_ADDRESS", "RETYPE_PDPT", "RETYPE_PAGE_DIRECTORY", "RETYPE_PAGE_TABLE", "RETYPE_FRAME",
    "RETYPE_LARGE_FRAME", "RETYPE_HUGE_FRAME",
};
#define NPAGING (sizeof paging_ops / sizeof paging_ops[0])

/* Every counted operation is one of the list above, and each of them is counted. */
START_TEST(the_fuzzer_counts_the_successes_of_exactly_the_paging_operations)
{
    unsigned counted = 0;
    for (unsigned i = 0; i < fz_op_count(); i++)
        counted += (unsigned)fz_op_counts_ok(i);
    ck_assert_uint_eq(counted, NPAGING);
    for (unsigned k = 0; k < NPAGING; k++)
        ck_assert_msg(fz_op_counts_ok((unsigned)op_index(paging_ops[k])), "%s not counted", paging_ops[k]);
    ck_assert_int_eq(fz_op_counts_ok((unsigned)op_index("SEND")), 0);
}
END_TEST

/* With 3 GiB of memory: every paging operation, 1 GiB frames included, succeeds in each campaign. */
START_TEST(with_a_1_gib_untyped_every_paging_operation_succeeds_at_least_once)
{
    static const uint64_t seeds[] = { 1, 2 };
    for (unsigned s = 0; s < 2; s++) {
        campaign(seeds[s], 3ul << 30);
        for (unsigned k = 0; k < NPAGING; k++) {
            unsigned op = (unsigned)op_index(paging_ops[k]);
            ck_assert_msg(fz_op_ok(op) > 0, "seed %lu: %s ran %lu times, never with NoError",
                          (unsigned long)seeds[s], paging_ops[k], (unsigned long)fz_op_runs(op));
            ck_assert_uint_le(fz_op_ok(op), fz_op_runs(op));
        }
    }
}
END_TEST

/*
 * With 32 MiB: 1 GiB retypes and maps run and all fail; PDPTs, page
 * directories, page tables and 4 KiB frames still succeed. (2 MiB ones are
 * rarer here: one 4 MiB pool untyped has room for them.)
 */
START_TEST(without_a_1_gib_untyped_every_1_gib_retype_and_map_fails)
{
    campaign(3, 32ul << 20);
    unsigned retype = (unsigned)op_index("RETYPE_HUGE_FRAME"), map = (unsigned)op_index("HUGE_PAGE_MAP");
    ck_assert_uint_gt(fz_op_runs(retype), 10);
    ck_assert_uint_gt(fz_op_runs(map), 10);
    ck_assert_uint_eq(fz_op_ok(retype), 0);
    ck_assert_uint_eq(fz_op_ok(map), 0);
    for (unsigned k = 0; k < NPAGING; k++) {
        unsigned op = (unsigned)op_index(paging_ops[k]);
        if (op != retype && op != map && strstr(paging_ops[k], "LARGE") == NULL)
            ck_assert_msg(fz_op_ok(op) > 0, "%s never succeeded", paging_ops[k]);
    }
}
END_TEST

static Suite *fuzz_paging_suite(void)
{
    Suite *s = suite_create("fuzz_paging");
    TCase *tc = tcase_create("paging");
    tcase_set_timeout(tc, 900);
    tcase_add_test(tc, the_fuzzer_counts_the_successes_of_exactly_the_paging_operations);
    tcase_add_test(tc, with_a_1_gib_untyped_every_paging_operation_succeeds_at_least_once);
    tcase_add_test(tc, without_a_1_gib_untyped_every_1_gib_retype_and_map_fails);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(fuzz_paging_suite)
