/*
 * test_noalloc_fuzz.c - no host allocation after boot, under fire: a long
 * random campaign of mica-fuzz's generator (every system call and
 * invocation, faults, crashes, restarts, revokes, remaps, with the
 * invariant checker and the text trace on) makes the kernel and the
 * simulated machine allocate nothing.
 *
 * Linked with alloc_count.c and --wrap for malloc, calloc, realloc and free, as
 * test_noalloc.c is: a call counts when it happens after boot while the
 * CPU is in the kernel (sim_in_kernel).
 */
#include "harness.h"
#include "fuzzlib.h"
#include "alloc_count.h"

static void campaign(uint64_t seed, unsigned tasks, uint64_t budget, int trace)
{
    static mica_trace_ring_t *ring;
    static char ring_space[sizeof(mica_trace_ring_t) + 16384];
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.phys_mem_bytes = 32ul << 20;
    cfg.seed = seed;
    cfg.max_threads = 512;
    cfg.time_limit_ticks = budget * 200 + 2000000;
    if (trace) {
        ring = (mica_trace_ring_t *)ring_space;
        ring->written = 0;
        ring->size = 16384;
        cfg.trace_ring = ring;
    }
    fz_config_t fc;
    fz_config_init(&fc);
    fc.seed = seed;
    fc.tasks = tasks;
    fc.budget = budget;
    fc.isolation = 1;
    fz_machine(&cfg, &fc);
    alloc_calls_in_kernel = 0;
    mica_run_result_t r;
    ck_assert_int_eq(mica_run(&cfg, fz_root, &fc, &r), 0);
    ck_assert_msg(r.reason == MICA_STOP_HALT, "stopped with %s: %s", mica_stop_reason_name(r.reason),
                  r.message);
    ck_assert_uint_eq(fz_last_result()->done, budget);
    ck_assert_uint_gt(r.kernel_entries, budget);
    ck_assert_uint_eq(alloc_calls_in_kernel, 0);
    ck_assert_uint_eq(r.host_allocs_after_boot, 0);
    if (trace)
        ck_assert_uint_gt(ring->written, 100000);
}

START_TEST(a_random_campaign_allocates_nothing_after_boot)
{
    campaign(0xa110c, 8, 60000, 0);
}
END_TEST

/* The same with the in-memory trace ring on: formatting events allocates nothing either. */
START_TEST(a_traced_random_campaign_allocates_nothing_after_boot)
{
    campaign(0xa110d, 3, 20000, 1);
}
END_TEST

static Suite *noalloc_fuzz_suite(void)
{
    Suite *s = suite_create("noalloc_fuzz");
    TCase *tc = tcase_create("noalloc_fuzz");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, a_random_campaign_allocates_nothing_after_boot);
    tcase_add_test(tc, a_traced_random_campaign_allocates_nothing_after_boot);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(noalloc_fuzz_suite)
