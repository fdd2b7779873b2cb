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
static l4_umword_t run_arg;
static void root(const mica_bootinfo_t *bi)
{
    static mica_env_t env;
    mica_env_init(&env, bi);
    ck_assert_int_eq(l4man_start(&env, init_fn, run_arg, 50), 0);
}

static void run(l4_task_entry_t fn)
{
    init_fn = fn;
    mt_run(root);
    run_arg = 0;
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


/* --- (2) clans and chiefs: redirection and deceit --------------------------------------------- */

static struct {
    l4_threadid_t src[3], dest[3], nearest_ab;
    l4_msgdope_t dope[3];
    l4_umword_t w0[3], w1[3];
    int r[6];
} g2;

static void clan_b(l4_umword_t arg)
{
    (void)arg;
    g2.r[2] = l4_ipc_wait(&g2.src[2], NULL, &g2.w0[2], &g2.w1[2], NEVER, &g2.dope[2]);
    g2.dest[2] = l4_ipc_last_dest();
}

static void chief_c2(l4_umword_t arg)
{
    (void)arg;
    l4_task_new(l4_id(8, 0), 120, clan_b, 0, L4_NIL_ID);
    g2.r[1] = l4_ipc_wait(&g2.src[1], NULL, &g2.w0[1], &g2.w1[1], NEVER, &g2.dope[1]);
    g2.dest[1] = l4_ipc_last_dest();
    /* Into its own clan: on to B, still as A. */
    g2.r[4] = l4_ipc_chief_send(g2.dest[1], g2.src[1], NULL, g2.w0[1], g2.w1[1], NEVER, NULL);
}

static void clan_a(l4_umword_t arg)
{
    (void)arg;
    g2.nearest_ab = l4_id_nearest(l4_id(8, 0));
    g2.r[5] = l4_ipc_send(l4_id(8, 0), NULL, 0xA0, 0xB0, NEVER, NULL);
}

static void chief_c1(l4_umword_t arg)
{
    (void)arg;
    l4_task_new(l4_id(7, 0), 120, clan_a, 0, L4_NIL_ID);
    g2.r[0] = l4_ipc_wait(&g2.src[0], NULL, &g2.w0[0], &g2.w1[0], NEVER, &g2.dope[0]);
    g2.dest[0] = l4_ipc_last_dest();
    /* The chief lets it out, deceiving: the message goes on as A's. */
    g2.r[3] = l4_ipc_chief_send(g2.dest[0], g2.src[0], NULL, g2.w0[0], g2.w1[0], NEVER, NULL);
}

static void clans(l4_umword_t arg)
{
    (void)arg;
    l4_task_new(l4_id(6, 0), 100, chief_c2, 0, L4_NIL_ID);     /* C2 makes B (8) */
    l4_task_new(l4_id(5, 0), 100, chief_c1, 0, L4_NIL_ID);     /* C1 makes A (7) */
}

START_TEST(ipc_leaving_a_clan_reaches_the_chief_redirected_and_chief_send_deceives)
{
    run(clans);
    ck_assert_uint_eq(g2.nearest_ab.raw, l4_id(5, 0).raw);
    ck_assert_int_eq(g2.r[5], 0);
    /* C1 got A's message for B, redirected. */
    ck_assert_int_eq(g2.r[0], 0);
    ck_assert_uint_eq(g2.src[0].raw, l4_id(7, 0).raw);
    ck_assert_uint_eq(g2.dest[0].raw, l4_id(8, 0).raw);
    ck_assert_uint_eq(g2.dope[0].md.msg_redirected, 1);
    ck_assert_uint_eq(g2.dope[0].md.msg_deceited, 0);
    ck_assert_uint_eq(g2.w0[0], 0xA0);
    ck_assert_uint_eq(g2.w1[0], 0xB0);
    /* C2 got it entering its clan: redirected, and deceived (C1 sent it as A). */
    ck_assert_int_eq(g2.r[3], 0);
    ck_assert_int_eq(g2.r[1], 0);
    ck_assert_uint_eq(g2.src[1].raw, l4_id(7, 0).raw);
    ck_assert_uint_eq(g2.dest[1].raw, l4_id(8, 0).raw);
    ck_assert_uint_eq(g2.dope[1].md.msg_redirected, 1);
    ck_assert_uint_eq(g2.dope[1].md.msg_deceited, 1);
    /* B got it from "A", deceived, not redirected. */
    ck_assert_int_eq(g2.r[4], 0);
    ck_assert_int_eq(g2.r[2], 0);
    ck_assert_uint_eq(g2.src[2].raw, l4_id(7, 0).raw);
    ck_assert_uint_eq(g2.dest[2].raw, l4_id(8, 0).raw);
    ck_assert_uint_eq(g2.dope[2].md.msg_redirected, 0);
    ck_assert_uint_eq(g2.dope[2].md.msg_deceited, 1);
    ck_assert_uint_eq(g2.w0[2], 0xA0);
    ck_assert_uint_eq(g2.w1[2], 0xB0);
}
END_TEST

/* --- (3) closed receive ------------------------------------------------------------------------ */

static struct {
    int r[6];
    l4_umword_t w[6];
    l4_threadid_t src;
} g3;

static void closed_receiver(l4_umword_t arg)
{
    (void)arg;
    l4_umword_t a, b;
    g3.r[0] = l4_ipc_receive(l4_id(7, 0), NULL, &a, &b, NEVER, NULL);   /* S2 only */
    g3.w[0] = a;
    g3.r[1] = l4_ipc_receive(l4_id(6, 0), NULL, &a, &b, NEVER, NULL);   /* S1's, kept */
    g3.w[1] = a;
    g3.r[2] = l4_ipc_send(l4_id(6, 0), NULL, a + 10, 0, NEVER, NULL);   /* answers S1's call */
    g3.r[3] = l4_ipc_wait(&g3.src, NULL, &a, &b, L4_IPC_RECV_TIMEOUT_0, NULL);
}

static void sender1(l4_umword_t arg)
{
    (void)arg;
    l4_umword_t a = 0, b = 0;
    g3.r[4] = l4_ipc_call(l4_id(5, 0), NULL, 1, 0, NULL, &a, &b, NEVER, NULL);
    g3.w[4] = a;
}

static void sender2(l4_umword_t arg)
{
    (void)arg;
    g3.r[5] = l4_ipc_send(l4_id(5, 0), NULL, 2, 0, NEVER, NULL);
}

static void closed(l4_umword_t arg)
{
    (void)arg;
    l4_task_new(l4_id(5, 0), 60, closed_receiver, 0, L4_NIL_ID);
    l4_task_new(l4_id(6, 0), 100, sender1, 0, L4_NIL_ID);
    l4_task_new(l4_id(7, 0), 100, sender2, 0, L4_NIL_ID);
}

START_TEST(a_closed_receive_leaves_other_senders_messages_for_later)
{
    run(closed);
    ck_assert_int_eq(g3.r[0], 0);
    ck_assert_uint_eq(g3.w[0], 2);
    ck_assert_int_eq(g3.r[1], 0);
    ck_assert_uint_eq(g3.w[1], 1);
    ck_assert_int_eq(g3.r[2], 0);
    ck_assert_int_eq(g3.r[4], 0);
    ck_assert_uint_eq(g3.w[4], 11);
    ck_assert_int_eq(g3.r[3], L4_IPC_RETIMEOUT);
    ck_assert_int_eq(g3.r[5], 0);
}
END_TEST

static struct {
    int r[3];
    l4_umword_t w;
    l4_threadid_t src;
    l4man_stats_t st;
} g9;

static void timed_receiver(l4_umword_t arg)
{
    (void)arg;
    l4_umword_t a, b;
    /* From task 7 only, for 2 ms: task 6's message comes first and is kept. */
    g9.r[0] = l4_ipc_receive(l4_id(7, 0), NULL, &a, &b, l4_timeout_rcv_us(2000), NULL);
    l4man_get_stats(&g9.st);
    g9.r[1] = l4_ipc_wait(&g9.src, NULL, &g9.w, &b, L4_IPC_RECV_TIMEOUT_0, NULL);
}

static void early_sender(l4_umword_t arg)
{
    (void)arg;
    g9.r[2] = l4_ipc_send(l4_id(5, 0), NULL, 1, 0, NEVER, NULL);
}

static void closed_timed(l4_umword_t arg)
{
    (void)arg;
    l4_task_new(l4_id(5, 0), 60, timed_receiver, 0, L4_NIL_ID);
    l4_task_new(l4_id(6, 0), 100, early_sender, 0, L4_NIL_ID);
}

START_TEST(a_closed_receive_times_out_at_its_deadline_with_another_message_kept)
{
    run(closed_timed);
    ck_assert_int_eq(g9.r[2], 0);
    ck_assert_int_eq(g9.r[0], L4_IPC_RETIMEOUT);
    ck_assert_uint_eq(g9.st.last_timeout_deadline - g9.st.last_timeout_armed_at, 2000000);
    ck_assert_uint_ge(g9.st.last_timeout_fired_at, g9.st.last_timeout_deadline);
    ck_assert_uint_lt(g9.st.last_timeout_fired_at - g9.st.last_timeout_deadline, 20000);
    ck_assert_int_eq(g9.r[1], 0);
    ck_assert_uint_eq(g9.src.raw, l4_id(6, 0).raw);
    ck_assert_uint_eq(g9.w, 1);
}
END_TEST

/* --- (4) map, grant, flush ---------------------------------------------------------------------- */

#define VA_A 0x400000ul
#define VA_B 0x500000ul
#define VA_C 0x600000ul

static struct {
    int r[8];
    uint64_t seen[8];
    bool mapped[12];
    l4_msgdope_t dope[2];
    l4man_stats_t st;
} g4;

static void pass_on(l4_umword_t grant)
{
    l4_threadid_t src;
    l4_umword_t a, b;
    g4.r[0] = l4_ipc_wait(&src, NULL, &a, &b, NEVER, &g4.dope[0]);
    g4.seen[0] = *(volatile uint64_t *)mica_vaddr_to_ptr(VA_B);
    g4.r[1] = l4_ipc_send(l4_id(6, 0), L4_IPC_SHORT_FPAGE, VA_C,
                          l4_fpage(VA_B, 12, true, grant != 0).raw, NEVER, NULL);
    l4_ipc_receive(l4_id(4, 0), NULL, &a, &b, NEVER, NULL);          /* after the flush */
    g4.seen[2] = *(volatile uint64_t *)mica_vaddr_to_ptr(VA_B);     /* faults: sigma0's fresh page */
    g4.seen[4] = *(volatile uint64_t *)mica_vaddr_to_ptr(VA_B + 0x1000);   /* granted by A */
}

static void last(l4_umword_t arg)
{
    (void)arg;
    l4_threadid_t src;
    l4_umword_t a, b;
    g4.r[2] = l4_ipc_wait(&src, NULL, &a, &b, NEVER, &g4.dope[1]);
    g4.seen[1] = *(volatile uint64_t *)mica_vaddr_to_ptr(VA_C);
    l4_ipc_receive(l4_id(4, 0), NULL, &a, &b, NEVER, NULL);
    g4.seen[3] = *(volatile uint64_t *)mica_vaddr_to_ptr(VA_C);
}

static void chain(l4_umword_t grant)
{
    *(volatile uint64_t *)mica_vaddr_to_ptr(VA_A) = 0x1234;         /* sigma0 maps a page */
    l4_task_new(l4_id(5, 0), 100, pass_on, grant, L4_NIL_ID);
    l4_task_new(l4_id(6, 0), 100, last, 0, L4_NIL_ID);
    g4.r[3] = l4_ipc_send(l4_id(5, 0), L4_IPC_SHORT_FPAGE, VA_B, l4_fpage(VA_A, 12, true, false).raw,
                          NEVER, NULL);
    g4.mapped[0] = l4mm_is_mapped(4, VA_A, NULL);
    g4.mapped[1] = l4mm_is_mapped(5, VA_B, NULL);
    g4.mapped[2] = l4mm_is_mapped(6, VA_C, NULL);
    l4_fpage_unmap(l4_fpage(VA_A, 12, false, false), L4_FP_OTHER_SPACES);
    g4.mapped[3] = l4mm_is_mapped(4, VA_A, NULL);
    g4.mapped[4] = l4mm_is_mapped(5, VA_B, NULL);
    g4.mapped[5] = l4mm_is_mapped(6, VA_C, NULL);
    l4man_get_stats(&g4.st);
    /* A grant of A's own page (B's go message): A loses it, B has it. */
    *(volatile uint64_t *)mica_vaddr_to_ptr(VA_A + 0x1000) = 0x99;
    g4.r[4] = l4_ipc_send(l4_id(5, 0), L4_IPC_SHORT_FPAGE, VA_B + 0x1000,
                          l4_fpage(VA_A + 0x1000, 12, true, true).raw, NEVER, NULL);
    g4.mapped[6] = l4mm_is_mapped(4, VA_A + 0x1000, NULL);
    g4.mapped[7] = g4.seen[4] == 0x99;
    l4_ipc_send(l4_id(6, 0), NULL, 0, 0, NEVER, NULL);
}

START_TEST(flush_of_an_a_b_c_mapping_chain_unmaps_b_and_c)
{
    run(chain);
    ck_assert_int_eq(g4.r[3], 0);
    ck_assert_int_eq(g4.r[0], 0);
    ck_assert_uint_eq(g4.dope[0].md.fpage_received, 1);
    ck_assert_uint_eq(g4.seen[0], 0x1234);
    ck_assert_int_eq(g4.r[1], 0);
    ck_assert_int_eq(g4.r[2], 0);
    ck_assert_uint_eq(g4.seen[1], 0x1234);
    ck_assert(g4.mapped[0] && g4.mapped[1] && g4.mapped[2]);
    /* The flush: A keeps its page, B's and C's are gone ... */
    ck_assert(g4.mapped[3]);
    ck_assert(!g4.mapped[4]);
    ck_assert(!g4.mapped[5]);
    ck_assert_uint_eq(g4.st.flushes, 1);
    ck_assert_uint_eq(g4.st.flushed_mappings, 2);
    /* ... so their next access faults and sigma0 gives them fresh zero pages. */
    ck_assert_uint_eq(g4.seen[2], 0);
    ck_assert_uint_eq(g4.seen[3], 0);
    ck_assert_int_eq(g4.r[4], 0);
    ck_assert(!g4.mapped[6]);
    ck_assert_uint_eq(g4.seen[4], 0x99);
}
END_TEST

START_TEST(a_grant_leaves_the_granter_unmapped_and_the_grantee_reachable_by_the_flush)
{
    run_arg = 1;
    run(chain);
    ck_assert_int_eq(g4.r[1], 0);
    ck_assert_uint_eq(g4.seen[1], 0x1234);
    /* B granted its page to C: B lost it, C has it, under A's page. */
    ck_assert(g4.mapped[0] && !g4.mapped[1] && g4.mapped[2]);
    ck_assert(g4.mapped[3] && !g4.mapped[4] && !g4.mapped[5]);
    ck_assert_uint_eq(g4.st.grants, 1);
    ck_assert_uint_eq(g4.st.flushed_mappings, 1);
    ck_assert_uint_eq(g4.seen[3], 0);
}
END_TEST

/* --- (5) hostile requests --------------------------------------------------------------------------- */

static struct {
    mica_word_t label[10];
    int r[4];
    l4_threadid_t near;
    l4man_stats_t st;
} g5;

static mica_word_t raw(mica_word_t op, mica_word_t n, mica_word_t a0, mica_word_t a1, mica_word_t a2)
{
    mica_set_mr(0, a0);
    mica_set_mr(1, a1);
    mica_set_mr(2, a2);
    mica_set_mr(3, 0);
    mica_set_mr(4, 0);
    return mica_msginfo_get_label(mica_call(L4_SLOT_MAN, mica_msginfo_new(op, 0, 0, n)));
}

static void hostile(l4_umword_t arg)
{
    (void)arg;
    g5.label[0] = raw(0x1234, 0, 0, 0, 0);
    g5.label[1] = raw(L4M_RESOLVE, 1, l4_id(99, 0).raw, 0, 0);
    g5.label[2] = raw(L4M_RESOLVE, 0, l4_id(4, 0).raw, 0, 0);
    g5.label[3] = raw(L4M_ARM, 3, 9, 1000, 1);
    g5.label[4] = raw(L4M_MAP, 4, 5, l4_fpage(VA_A, 40, true, false).raw, VA_B);
    g5.label[5] = raw(L4M_TASK_NEW, 5, l4_id(4, 0).raw, 10, 0);
    g5.label[6] = raw(L4M_CHIEF_PREP, 3, 0, l4_id(4, 0).raw, l4_id(4, 0).raw);
    g5.label[7] = raw(L4M_FLUSH, 2, 1, 0, 0);
    g5.label[8] = raw(L4M_MAP, 4, 4, l4_fpage(0x1000, 12, true, false).raw, VA_B);
    g5.label[9] = raw(L4M_OP_END, 5, 0, 0, 0);
    /* l4man serves on. */
    g5.near = l4_id_nearest(l4_myself());
    g5.r[0] = l4_ipc_send(l4_id(4, 9), NULL, 0, 0, NEVER, NULL);
    g5.r[1] = l4_ipc_chief_send(l4_id(4, 0), l4_id(3, 0), NULL, 0, 0, NEVER, NULL);
    g5.r[2] = l4_ipc_send(l4_id(9, 0), L4_IPC_SHORT_FPAGE, VA_B, l4_fpage(VA_A, 40, true, false).raw,
                          NEVER, NULL);
    l4man_get_stats(&g5.st);
}

START_TEST(hostile_requests_to_l4man_get_errors_and_l4man_serves_on)
{
    run(hostile);
    for (int i = 0; i < 10; i++)
        ck_assert_msg(g5.label[i] == L4_IPC_ENOT_EXISTENT, "request %d: %lu", i, (unsigned long)g5.label[i]);
    ck_assert_uint_eq(g5.near.raw, l4_id(4, 0).raw);
    ck_assert_int_eq(g5.r[0], L4_IPC_ENOT_EXISTENT);
    ck_assert_int_eq(g5.r[1], L4_IPC_ENOT_EXISTENT);
    ck_assert_int_eq(g5.r[2], L4_IPC_ENOT_EXISTENT);
    ck_assert_uint_eq(g5.st.bad_requests, 12);   /* lthread 9 is refused by the library */
}
END_TEST

/* --- (6) a pager thread: page faults as L4 IPC, answered with fpages -------------------------- */

static struct {
    int r[4];
    l4_threadid_t src[2];
    l4_umword_t w0[2], w1[2];
    uint64_t client_saw[2], pager_saw;
    bool mapped, writable;
} g6;

static void paged_client(l4_umword_t arg)
{
    (void)arg;
    volatile uint64_t *p = mica_vaddr_to_ptr(VA_C);
    *p = 5;                                         /* a write fault: the pager maps its page */
    g6.client_saw[0] = *p;
    g6.client_saw[1] = *(volatile uint64_t *)mica_vaddr_to_ptr(VA_C + 0x1000);   /* a read fault */
    g6.mapped = l4mm_is_mapped(5, VA_C + 0x1000, &g6.writable);
}

static void pager(l4_umword_t arg)
{
    (void)arg;
    *(volatile uint64_t *)mica_vaddr_to_ptr(VA_A) = 0x5150;
    *(volatile uint64_t *)mica_vaddr_to_ptr(VA_A + 0x1000) = 0x5151;
    l4_task_new(l4_id(5, 0), 100, paged_client, 0, l4_myself());
    for (int i = 0; i < 2; i++) {
        g6.r[i] = l4_ipc_wait(&g6.src[i], NULL, &g6.w0[i], &g6.w1[i], NEVER, NULL);
        g6.r[2 + i] = l4_ipc_send(g6.src[i], L4_IPC_SHORT_FPAGE, g6.w0[i] & ~0xffful,
                                  l4_fpage(VA_A + (l4_umword_t)i * 0x1000, 12, i == 0, false).raw,
                                  NEVER, NULL);
    }
    g6.pager_saw = *(volatile uint64_t *)mica_vaddr_to_ptr(VA_A);
}

START_TEST(a_page_fault_reaches_the_pager_as_ipc_and_its_fpage_answer_maps_the_page)
{
    run(pager);
    ck_assert_int_eq(g6.r[0], 0);
    ck_assert_uint_eq(g6.src[0].raw, l4_id(5, 0).raw);
    ck_assert_uint_eq(g6.w0[0], VA_C | 2);          /* address | write */
    ck_assert_uint_ne(g6.w1[0], 0);                 /* the faulting instruction */
    ck_assert_int_eq(g6.r[1], 0);
    ck_assert_uint_eq(g6.w0[1], VA_C + 0x1000);     /* a read */
    ck_assert_int_eq(g6.r[2], 0);
    ck_assert_int_eq(g6.r[3], 0);
    /* The client writes the pager's page, and reads the second one. */
    ck_assert_uint_eq(g6.client_saw[0], 5);
    ck_assert_uint_eq(g6.pager_saw, 5);
    ck_assert_uint_eq(g6.client_saw[1], 0x5151);
    ck_assert(g6.mapped);
    ck_assert(!g6.writable);                        /* mapped read-only */
}
END_TEST

/* --- (7) threads of a task ------------------------------------------------------------------- */

static struct {
    int r[5];
    l4_threadid_t id1, again, src[2];
    l4_umword_t w[3];
} g7;

static void worker(l4_umword_t arg)
{
    l4_threadid_t src;
    l4_umword_t a, b;
    g7.r[0] = l4_ipc_wait(&src, NULL, &a, &b, NEVER, NULL);
    g7.src[0] = src;
    g7.r[1] = l4_ipc_reply_and_wait(src, NULL, a * 2, arg, &src, NULL, &a, &b, NEVER, NULL);
    g7.src[1] = src;
    g7.w[1] = a;
}

static void two_threads(l4_umword_t arg)
{
    (void)arg;
    g7.id1 = l4_thread_new(1, 110, worker, 77);
    l4_umword_t a = 0, b = 0;
    g7.r[2] = l4_ipc_call(g7.id1, NULL, 21, 0, NULL, &a, &b, NEVER, NULL);
    g7.w[0] = a;
    g7.w[2] = b;
    g7.again = l4_thread_new(1, 110, worker, 0);        /* lthread 1 is taken */
}

static void threads(l4_umword_t arg)
{
    (void)arg;
    l4_task_new(l4_id(5, 0), 100, two_threads, 0, L4_NIL_ID);
    /* lthread 0 of task 5 has returned; its task lives on with lthread 1. */
    g7.r[4] = l4_ipc_send(l4_id(5, 1), NULL, 99, 0, NEVER, NULL);
}

START_TEST(a_task_runs_several_threads_each_addressed_by_its_own_id)
{
    run(threads);
    ck_assert_uint_eq(g7.id1.raw, l4_id(5, 1).raw);
    ck_assert_int_eq(g7.r[0], 0);
    ck_assert_uint_eq(g7.src[0].raw, l4_id(5, 0).raw);
    ck_assert_int_eq(g7.r[2], 0);
    ck_assert_uint_eq(g7.w[0], 42);
    ck_assert_uint_eq(g7.w[2], 77);
    ck_assert(l4_is_nil_id(g7.again));
    ck_assert_int_eq(g7.r[4], 0);
    ck_assert_int_eq(g7.r[1], 0);
    ck_assert_uint_eq(g7.src[1].raw, l4_id(4, 0).raw);
    ck_assert_uint_eq(g7.w[1], 99);
}
END_TEST

/* --- (8) a seeded storm of random requests; raw messages to a thread ------------------------- */

static struct {
    int odd_labels, served;
    l4_threadid_t near, src;
    l4_umword_t w0;
    int r[3];
    l4man_stats_t st;
} g8;

static void target(l4_umword_t arg)
{
    (void)arg;
    l4_umword_t a, b;
    g8.r[0] = l4_ipc_wait(&g8.src, NULL, &a, &b, NEVER, NULL);
    g8.w0 = a;
}

static void storm(l4_umword_t arg)
{
    (void)arg;
    l4_task_new(l4_id(5, 0), 100, target, 0, L4_NIL_ID);
    for (int i = 0; i < 4; i++)                         /* pages the storm's maps and flushes can find */
        *(volatile uint64_t *)mica_vaddr_to_ptr(0x400000 + (l4_umword_t)i * 0x1000) = (uint64_t)i;
    uint64_t x = 0x9e3779b97f4a7c15ull;                 /* a fixed seed: the same storm every run */
    static const mica_word_t ops[] = { L4M_RESOLVE, L4M_NEAREST, L4M_CHIEF_PREP, L4M_ARM, L4M_MAP,
                                       L4M_FLUSH, L4M_OP_END, 0x4cff, 0, 7, 0x100000 };
    for (int i = 0; i < 400; i++) {
        mica_word_t w[6];
        for (int k = 0; k < 6; k++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            w[k] = x;
        }
        /* Each argument is anything, a small number, an id that may exist or an fpage. */
        for (int k = 1; k < 6; k++)
            switch ((w[0] >> (8 + 2 * k)) & 3) {
            case 1: w[k] %= 16; break;
            case 2: w[k] = l4_id(4 + (unsigned)(w[k] % 3), (unsigned)((w[k] >> 8) % 4 == 0)).raw; break;
            case 3: w[k] = l4_fpage(0x400000 + (w[k] % 4) * 0x1000, 12 + (unsigned)((w[k] >> 8) % 3),
                                    (w[k] >> 16) & 1, (w[k] >> 17) & 1).raw; break;
            }
        if (ops[w[0] % 11] == L4M_ARM)
            w[2] %= 1000000;                            /* no timeout past the run */
        if (ops[w[0] % 11] == L4M_MAP)
            w[3] = 0x500000 + (w[3] % 4) * 0x1000;
        for (int k = 0; k < 5; k++)
            mica_set_mr(k, w[k + 1]);
        mica_msginfo_t info = mica_call(L4_SLOT_MAN, mica_msginfo_new(ops[w[0] % 11], 0, 0, 2 + (w[0] >> 4) % 4));
        mica_word_t l = mica_msginfo_get_label(info);
        g8.odd_labels += l != 0 && l != 1 && l != L4_IPC_ENOT_EXISTENT;
        g8.served++;
    }
    g8.near = l4_id_nearest(l4_id(5, 0));
    /* A raw mica message (no L4 label) on the target's endpoint is dropped by its library. */
    l4_id_nearest(l4_myself());
    mica_set_mr(0, l4_id(5, 0).raw);
    mica_call(L4_SLOT_MAN, mica_msginfo_new(L4M_RESOLVE, 0, 0, 1));
    mica_set_mr(0, 0xbad);
    mica_send(l4_table_slot(5, 0), mica_msginfo_new(3, 0, 0, 1));
    g8.r[1] = l4_ipc_send(l4_id(5, 0), NULL, 5, 6, NEVER, NULL);
    l4man_get_stats(&g8.st);
}

START_TEST(a_storm_of_random_requests_gets_answers_and_raw_messages_are_dropped)
{
    run(storm);
    ck_assert_int_eq(g8.served, 400);
    ck_assert_int_eq(g8.odd_labels, 0);
    ck_assert_uint_eq(g8.st.bad_requests, 380);        /* the same storm every run: 20 were good */
    ck_assert_uint_eq(g8.near.raw, l4_id(5, 0).raw);
    ck_assert_int_eq(g8.r[1], 0);
    ck_assert_int_eq(g8.r[0], 0);
    ck_assert_uint_eq(g8.src.raw, l4_id(4, 0).raw);
    ck_assert_uint_eq(g8.w0, 5);
}
END_TEST

static Suite *l4_suite(void)
{
    Suite *s = suite_create("l4");
    TCase *tc = mt_tcase(s, "ipc");
    tcase_add_test(tc, a_call_carries_two_words_and_a_string_and_a_receive_times_out_at_its_deadline);
    tcase_add_test(tc, a_closed_receive_leaves_other_senders_messages_for_later);
    tcase_add_test(tc, a_closed_receive_times_out_at_its_deadline_with_another_message_kept);
    tcase_add_test(tc, a_task_runs_several_threads_each_addressed_by_its_own_id);
    tc = mt_tcase(s, "clans");
    tcase_add_test(tc, ipc_leaving_a_clan_reaches_the_chief_redirected_and_chief_send_deceives);
    tc = mt_tcase(s, "mapping");
    tcase_add_test(tc, flush_of_an_a_b_c_mapping_chain_unmaps_b_and_c);
    tcase_add_test(tc, a_grant_leaves_the_granter_unmapped_and_the_grantee_reachable_by_the_flush);
    tcase_add_test(tc, a_page_fault_reaches_the_pager_as_ipc_and_its_fpage_answer_maps_the_page);
    tc = mt_tcase(s, "hostile");
    tcase_add_test(tc, hostile_requests_to_l4man_get_errors_and_l4man_serves_on);
    tcase_add_test(tc, a_storm_of_random_requests_gets_answers_and_raw_messages_are_dropped);
    return s;
}

MICA_TEST_MAIN(l4_suite)
