/*
 * test_containment_limits.c - resource limits say which limit: a full root
 * CNode, the host's threads and mappings, the largest memory and the reuse
 * of a huge untyped each end in a clean error naming the limit and the
 * setting that raises it - never NotEnoughMemory for the wrong reason,
 * never an abort of the simulator (tests/buggy/limits.c).
 */
#include <string.h>
#include "containment.h"

START_TEST(a_full_root_cnode_is_named_not_blamed_on_memory)
{
    int st = cm_run("cnode-full", "", 60);
    cm_assert_status(st, 0);
    cm_assert_has(cm_err, "mica: no free slot in the root CNode (4096 slots)");
    cm_assert_has(cm_out, "notifications, then RangeError: no free slot in the root CNode (4096 slots)");
    cm_assert_lacks(cm_out, "NotEnoughMemory");
}
END_TEST

START_TEST(the_host_thread_limit_fails_the_start_with_not_enough_memory)
{
    int st = cm_run("threads-exhausted", "--max-threads 8", 60);
    cm_assert_status(st, 0);
    cm_assert_has(cm_err, "mica: thread 'root': TCB_WriteRegisters failed with NotEnoughMemory: "
                          "no host execution context is left for a new thread: all 8 that "
                          "mica_config_t.max_threads allows are in use (runner --max-threads)");
    cm_assert_has(cm_out, "started 7 threads, then NotEnoughMemory");
    cm_assert_lacks(cm_err, "cannot start");
    cm_assert_lacks(cm_err, "bug in mica");
    cm_assert_status(cm_run("threads-exhausted", "--max-threads 0", 60), MICA_EXIT_USAGE);
    cm_assert_has(cm_err, "--max-threads: '0' is not a number of threads from 1 to 4194304");
}
END_TEST

START_TEST(the_host_mapping_limit_fails_page_map_with_not_enough_memory)
{
    int st = cm_run("mappings-exhausted", "--max-mappings 64", 60);
    cm_assert_status(st, 0);
    cm_assert_has(cm_err, "failed with NotEnoughMemory: no host mapping is left for a frame "
                          "mapping: all 64 that mica_config_t.max_mappings allows are in use "
                          "(runner --max-mappings)");
    cm_assert_has(cm_out, "frames, then NotEnoughMemory");
    cm_assert_has(cm_out, "after unmapping them: NoError");
    cm_assert_lacks(cm_err, "bug in mica");
}
END_TEST

START_TEST(the_device_untyped_of_the_largest_memories_lies_beyond_ram)
{
    cm_assert_status(cm_run("largest-memory", "--mem 64G", 60), 0);
    cm_assert_has(cm_out, "RAM ends at 0x1000000000; device untyped at 0x1000000000 (2^12 bytes), "
                          "beyond RAM; its frame: NoError at 0x1000000000; root CNode still a cnode");
    cm_assert_status(cm_run("largest-memory", "--mem 68719472640", 60), 0);     /* 64G - 4K */
    cm_assert_has(cm_out, "RAM ends at 0xffffff000; device untyped at 0xffffff000 (2^12 bytes), "
                          "beyond RAM; its frame: NoError at 0xffffff000; root CNode still a cnode");
    cm_assert_status(cm_run("largest-memory", "--mem 65535M", 60), 0);         /* 64G - 1M */
    cm_assert_has(cm_out, "device untyped at 0xffff00000 (2^12 bytes), beyond RAM");
    cm_assert_lacks(cm_out, "OVERLAPPING");
}
END_TEST

START_TEST(reusing_a_revoked_2_gib_untyped_neither_writes_nor_holds_2_gib)
{
    int st = cm_run("huge-reset", "--mem 4G", 60);
    cm_assert_status(st, 0);
    cm_assert_has(cm_out, "retype after revoke of 2 GiB: NoError; the reused memory reads zero; "
                          "host memory held for it: under 64 MiB");
}
END_TEST

static Suite *containment_limits_suite(void)
{
    Suite *s = suite_create("containment_limits");
    TCase *tc = tcase_create("limits");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, a_full_root_cnode_is_named_not_blamed_on_memory);
    tcase_add_test(tc, the_host_thread_limit_fails_the_start_with_not_enough_memory);
    tcase_add_test(tc, the_host_mapping_limit_fails_page_map_with_not_enough_memory);
    tcase_add_test(tc, the_device_untyped_of_the_largest_memories_lies_beyond_ram);
    tcase_add_test(tc, reusing_a_revoked_2_gib_untyped_neither_writes_nor_holds_2_gib);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(containment_limits_suite)
