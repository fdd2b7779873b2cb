/*
 * test_containment_crash.c - crashes in task code: a thread stopped by a
 * fault no handler took is reported with the signal, its meaning and where,
 * and counted; a run that then goes idle exits 5.
 */
#include <string.h>
#include "containment.h"

START_TEST(a_null_write_is_reported_and_the_run_exits_5)
{
    int st = cm_run("null-write", "", 60);
    cm_assert_has(cm_out, "before the crash");
    cm_assert_has(cm_err, "thread 'root'");
    (void)st;
}
END_TEST

static Suite *containment_crash_suite(void)
{
    Suite *s = suite_create("containment_crash");
    TCase *tc = tcase_create("crash");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_null_write_is_reported_and_the_run_exits_5);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(containment_crash_suite)
