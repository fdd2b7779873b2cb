/*
 * test_noalloc.c - the kernel has no heap: after boot, nothing in mica
 * (kernel, simulated machine, user library) calls the host allocator.
 *
 * This program is linked with --wrap for malloc, calloc, realloc and free,
 * which redirects every call made from the statically linked object files
 * (mica, and Check's own) through the counter of alloc_count.c; a call
 * counts when it happens after boot while the CPU is in the kernel
 * (sim_in_kernel), which covers the kernel and the machine code it calls.
 * The root task's own calls (Check's assertions allocate) are task code and
 * do not count.
 */
#include <signal.h>
#include "harness.h"
#include "alloc_count.h"

extern __thread volatile sig_atomic_t sim_in_kernel __attribute__((tls_model("initial-exec")));

static mica_cptr_t ep, ntfn;

static void server(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge, m0 = 0;
    mica_recv_with_mrs(ep, &badge, &m0, NULL, NULL, NULL);
    for (;;) {
        m0++;
        mica_reply_recv_with_mrs(ep, mica_msginfo_new(0, 0, 0, 1), &badge, &m0, NULL, NULL, NULL);
    }
}

static void client(mica_word_t arg)
{
    for (int i = 0; i < 200; i++) {
        mica_word_t m0 = arg;
        mica_call_with_mrs(ep, mica_msginfo_new(1, 0, 0, 1), &m0, NULL, NULL, NULL);
        mica_set_mr(4, i);
        mica_call(ep, mica_msginfo_new(1, 0, 0, 6));
    }
    mica_signal(ntfn);
}

/* A busy system: retype every object type, copy, mint, revoke, delete, threads, IPC. */
static void workload(const mica_bootinfo_t *bi)
{
    (void)bi;
    ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t ut = mt_make(MICA_UNTYPED_OBJECT, 20);
    for (int round = 0; round < 20; round++) {
        mica_cptr_t base = mt_slot();
        for (int i = 0; i < 8; i++)
            mt_slot();
        for (mica_word_t t = 0; t < MICA_OBJECT_TYPE_COUNT; t++) {
            mica_word_t bits = t == MICA_UNTYPED_OBJECT ? 8 : t == MICA_CNODE_OBJECT ? 2 : 0;
            if (t == MICA_LARGE_FRAME_OBJECT || t == MICA_HUGE_FRAME_OBJECT)
                continue;
            mt_assert_err(mica_untyped_retype(ut, t, bits, CNODE, 0, 0, base + t, 1), MICA_NO_ERROR);
        }
        mt_assert_err(mica_cnode_mint(CNODE, base + 5, DEPTH, CNODE, ep, DEPTH, MICA_ALL_RIGHTS, 9),
                      MICA_DELETE_FIRST);
        mt_assert_err(mica_cnode_revoke(CNODE, ut, DEPTH), MICA_NO_ERROR);
    }
    mt_spawn(server, 0, 100);
    mt_spawn(client, 1, 50);
    mt_spawn(client, 2, 50);
    mica_wait(ntfn, NULL);
    mica_wait(ntfn, NULL);
}

START_TEST(kernel_allocates_nothing_after_boot)
{
    mica_config_t cfg;
    mt_config(&cfg);
    alloc_calls_in_kernel = 0;
    mica_run_result_t r = mt_run_cfg(&cfg, workload);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    ck_assert_uint_gt(r.kernel_entries, 1000);
    ck_assert_uint_eq(alloc_calls_in_kernel, 0);
    ck_assert_uint_eq(r.host_allocs_after_boot, 0);
}
END_TEST

/* The counter really counts: an allocation while "in the kernel" shows up. */
static void allocate_once(const mica_bootinfo_t *bi)
{
    (void)bi;
    sim_in_kernel = 1;
    void *volatile p = malloc(16);   /* this file is linked with --wrap too */
    free(p);
    sim_in_kernel = 0;
}

START_TEST(the_counter_sees_allocations)
{
    mica_config_t cfg;
    mt_config(&cfg);
    alloc_calls_in_kernel = 0;
    mica_run_result_t r = mt_run_cfg(&cfg, allocate_once);
    ck_assert_uint_eq(alloc_calls_in_kernel, 2);
    ck_assert_uint_eq(r.host_allocs_after_boot, 2);
}
END_TEST

static Suite *noalloc_suite(void)
{
    Suite *s = suite_create("noalloc");
    TCase *tc = tcase_create("noalloc");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, kernel_allocates_nothing_after_boot);
    tcase_add_test(tc, the_counter_sees_allocations);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(noalloc_suite)
