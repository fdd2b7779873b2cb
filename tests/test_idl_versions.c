/*
 * test_idl_versions.c - a client built against one version of an interface
 * and a server built from another (tests/idl/counter_v1.mi, counter_v2.mi:
 * the same base; v2 retires add, changes reset's arguments and adds sub).
 * NAME_check tells the client it is talking to another version; what both
 * versions share still works; what changed is refused with an error reply,
 * never misread; the server keeps serving. Invariants at every kernel entry
 * (mt_run).
 */
#include "harness.h"
#include "counter_v1.h"
#include "counter_v2.h"

static uint64_t count;

static int v1_get(void *ctx, mica_word_t badge, uint64_t *n)
{
    (void)ctx; (void)badge;
    *n = count;
    return 0;
}

static int v1_add(void *ctx, mica_word_t badge, uint32_t d)
{
    (void)ctx; (void)badge;
    count += d;
    return 0;
}

static int v1_reset(void *ctx, mica_word_t badge)
{
    (void)ctx; (void)badge;
    count = 0;
    return 0;
}

static int v2_reset(void *ctx, mica_word_t badge, uint32_t to)
{
    (void)ctx; (void)badge;
    count = to;
    return 0;
}

static int v2_sub(void *ctx, mica_word_t badge, uint32_t d)
{
    (void)ctx; (void)badge;
    count -= d;
    return 0;
}

static const counter_v1_ops_t v1_ops = { .get = v1_get, .add = v1_add, .reset = v1_reset };
static const counter_v2_ops_t v2_ops = { .get = v1_get, .reset = v2_reset, .sub = v2_sub };

static void v1_server(mica_word_t ep)
{
    counter_v1_serve(ep, &v1_ops, NULL, NULL);
}

static void v2_server(mica_word_t ep)
{
    counter_v2_serve(ep, &v2_ops, NULL, NULL);
}

/* A v1 client of a v2 server. */
static void root_old_client(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_spawn_named("v2", v2_server, ep, 200);
    counter_v1_client_t old = { .ep = ep };
    counter_v2_client_t now = { .ep = ep };
    uint32_t version, hash, max;
    uint64_t n = 99;
    count = 7;

    ck_assert_int_eq(counter_v1_check(&old), MICA_IDL_VERSION);
    ck_assert_int_eq(counter_v2_check(&now), 0);
    ck_assert_int_eq(counter_v1_describe(&old, &version, &hash, &max), 0);
    ck_assert_uint_eq(version, COUNTER_V2_VERSION);
    ck_assert_uint_eq(version, 2);
    ck_assert_uint_eq(hash, COUNTER_V2_IFACE_HASH);
    ck_assert_uint_ne(hash, COUNTER_V1_IFACE_HASH);
    ck_assert_uint_eq(max, 4);
    /* Unchanged: works. */
    ck_assert_int_eq(counter_v1_get(&old, &n), 0);
    ck_assert_uint_eq(n, 7);
    /* Retired: its number is skipped in v2, so the server refuses it. */
    ck_assert_int_eq(counter_v1_add(&old, 5), MICA_IDL_BAD_METHOD);
    /* Changed arguments: v1 sends none, v2 wants one word - refused, not read as 0. */
    ck_assert_int_eq(counter_v1_reset(&old), MICA_IDL_BAD_ARGS);
    ck_assert_int_eq(counter_v1_get(&old, &n), 0);
    ck_assert_uint_eq(n, 7);
    /* The v2 client on the same server. */
    ck_assert_int_eq(counter_v2_reset(&now, 40), 0);
    ck_assert_int_eq(counter_v2_sub(&now, 2), 0);
    ck_assert_int_eq(counter_v2_get(&now, &n), 0);
    ck_assert_uint_eq(n, 38);
}

START_TEST(a_v1_client_learns_it_talks_to_v2_and_changed_methods_are_refused)
{
    mt_run(root_old_client);
}
END_TEST

/* A v2 client of a v1 server. */
static void root_new_client(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_spawn_named("v1", v1_server, ep, 200);
    counter_v2_client_t now = { .ep = ep };
    uint64_t n = 0;
    count = 3;
    ck_assert_int_eq(counter_v2_check(&now), MICA_IDL_VERSION);
    ck_assert_int_eq(counter_v2_sub(&now, 1), MICA_IDL_BAD_METHOD);    /* past v1's last method */
    ck_assert_int_eq(counter_v2_reset(&now, 9), MICA_IDL_BAD_ARGS);    /* one word too many */
    ck_assert_int_eq(counter_v2_get(&now, &n), 0);
    ck_assert_uint_eq(n, 3);
}

START_TEST(a_v2_client_of_a_v1_server_gets_errors_for_what_v1_lacks)
{
    mt_run(root_new_client);
}
END_TEST

static Suite *idl_versions_suite(void)
{
    Suite *s = suite_create("idl_versions");
    TCase *tc = tcase_create("versions");
    tcase_add_test(tc, a_v1_client_learns_it_talks_to_v2_and_changed_methods_are_refused);
    tcase_add_test(tc, a_v2_client_of_a_v1_server_gets_errors_for_what_v1_lacks);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(idl_versions_suite)
