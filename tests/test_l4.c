/*
 * Unit: the L4 personality (personalities/l4): IPC by thread id with
 * registers and indirect strings, receive timeouts on the virtual clock,
 * closed receive, clans and chiefs (redirection and deceit), map / grant /
 * flush through l4mm, and hostile requests to l4man.
 *
 * Each test runs a small system: the root task starts l4man and the init
 * task (task 4), which makes the others. Tasks record what they saw in
 * globals; the test asserts them after the run stopped (IDLE).
 */
#include <string.h>
#include <l4/l4.h>
#include "l4man_proto.h"         /* l4man's labels, for the hand-built hostile requests */
#include "harness.h"

static l4_task_entry_t init_fn;
static void root(const mica_bootinfo_t *bi)
{
    static mica_env_t env;
    mica_env_init(&env, bi);
    ck_assert_int_eq(l4man_start(&env, init_fn, 0, 50), 0);
}

static void run(l4_task_entry_t fn)
{
    init_fn = fn;
    mt_run(root);
}

#define NEVER L4_IPC_NEVER

/* --- (1) a call with two words and a string; receive timeouts ----------------------------- */

static struct {
    int r[8];
    l4_umword_t w[8];
    l4_threadid_t src, me, server;
    l4_msgdope_t dope[4];
    char got[32], reply[32];
    l4man_stats_t st;
} g1;

static void echo_server(l4_umword_t arg)
{
    (void)arg;
    char buf[32] = { 0 };
    l4_msg_t m = { 0 };
    m.size_dope.md.strings = 1;
    m.str[0].rcv_str = buf;
    m.str[0].rcv_size = sizeof buf;
    l4_threadid_t src;
    l4_umword_t a, b;
    g1.r[1] = l4_ipc_wait(&src, &m, &a, &b, NEVER, &g1.dope[0]);
    g1.src = src;
    g1.w[0] = a;
    g1.w[1] = b;
    memcpy(g1.got, buf, sizeof buf);
    l4_msg_t out = { 0 };
    out.snd_dope.md.strings = 1;
    out.str[0].snd_str = "HELLO";
    out.str[0].snd_size = 6;
    /* Answer and wait again: nobody comes within 2 ms. */
    g1.r[2] = l4_ipc_reply_and_wait(src, &out, a + b, a * b, &src, NULL, &a, &b,
                                    l4_timeout_rcv_us(2000), &g1.dope[1]);
}

static void call_and_timeouts(l4_umword_t arg)
{
    (void)arg;
    g1.me = l4_myself();
    g1.server = l4_task_new(l4_id(5, 0), 100, echo_server, 0, L4_NIL_ID);
    char buf[32] = { 0 };
    l4_msg_t m = { 0 };
    m.snd_dope.md.strings = 1;
    m.str[0].snd_str = "hello, server";
    m.str[0].snd_size = 14;
    m.size_dope.md.strings = 1;
    m.str[0].rcv_str = buf;
    m.str[0].rcv_size = sizeof buf;
    l4_umword_t a = 0, b = 0;
    g1.r[0] = l4_ipc_call(g1.server, &m, 6, 7, &m, &a, &b, NEVER, &g1.dope[2]);
    g1.w[2] = a;
    g1.w[3] = b;
    memcpy(g1.reply, buf, sizeof buf);
    /* A poll finds nothing; a 1 ms receive times out at its virtual deadline. */
    l4_threadid_t src;
    g1.r[3] = l4_ipc_wait(&src, NULL, &a, &b, L4_IPC_RECV_TIMEOUT_0, NULL);
    g1.r[4] = l4_ipc_receive(g1.server, NULL, &a, &b, l4_timeout_rcv_us(1000), &g1.dope[3]);
    l4man_get_stats(&g1.st);
    /* An id that does not exist. */
    g1.r[5] = l4_ipc_send(l4_id(12, 0), NULL, 1, 2, NEVER, NULL);
    g1.r[6] = l4_ipc_send(l4_id(99, 3), NULL, 1, 2, NEVER, NULL);
}

START_TEST(a_call_carries_two_words_and_a_string_and_a_receive_times_out_at_its_deadline)
{
    run(call_and_timeouts);
    ck_assert_uint_eq(g1.me.raw, l4_id(4, 0).raw);
    ck_assert_uint_eq(g1.server.raw, l4_id(5, 0).raw);
    ck_assert_int_eq(g1.r[1], 0);
    ck_assert_uint_eq(g1.src.raw, l4_id(4, 0).raw);
    ck_assert_uint_eq(g1.w[0], 6);
    ck_assert_uint_eq(g1.w[1], 7);
    ck_assert_str_eq(g1.got, "hello, server");
    ck_assert_uint_eq(g1.dope[0].md.strings, 1);
    ck_assert_uint_eq(g1.dope[0].md.msg_redirected, 0);
    ck_assert_int_eq(g1.r[0], 0);
    ck_assert_uint_eq(g1.w[2], 13);
    ck_assert_uint_eq(g1.w[3], 42);
    ck_assert_str_eq(g1.reply, "HELLO");
    ck_assert_int_eq(g1.r[2], L4_IPC_RETIMEOUT);
    ck_assert_uint_eq(g1.dope[1].md.error_code, L4_IPC_RETIMEOUT >> 4);
    ck_assert_int_eq(g1.r[3], L4_IPC_RETIMEOUT);
    ck_assert_int_eq(g1.r[4], L4_IPC_RETIMEOUT);
    /* The client's timeout: armed for 1 ms of virtual time, fired at that deadline. */
    ck_assert_uint_eq(g1.st.last_timeout_deadline - g1.st.last_timeout_armed_at, 1000000);
    ck_assert_uint_ge(g1.st.last_timeout_fired_at, g1.st.last_timeout_deadline);
    ck_assert_uint_lt(g1.st.last_timeout_fired_at - g1.st.last_timeout_deadline, 20000);
    ck_assert_uint_eq(g1.st.timeouts_armed, 2);
    ck_assert_uint_eq(g1.st.timeouts_fired, 1);     /* the server's is still to come */
    ck_assert_int_eq(g1.r[5], L4_IPC_ENOT_EXISTENT);
    ck_assert_int_eq(g1.r[6], L4_IPC_ENOT_EXISTENT);
}
END_TEST

static Suite *l4_suite(void)
{
    Suite *s = suite_create("l4");
    TCase *tc = mt_tcase(s, "ipc");
    tcase_add_test(tc, a_call_carries_two_words_and_a_string_and_a_receive_times_out_at_its_deadline);
    return s;
}

MICA_TEST_MAIN(l4_suite)
