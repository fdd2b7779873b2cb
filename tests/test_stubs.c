/*
 * test_stubs.c - the system-call and invocation stubs as libsel4 defines
 * them: which of MR0..MR3 each form loads into the registers before the
 * trap and stores after it (libsel4 sel4_arch_include/x86_64/sel4/
 * sel4_arch/syscalls.h, arch_include/x86/sel4/arch/syscalls.h), and what
 * the generated invocation stubs leave in the IPC buffer
 * (libsel4/tools/syscall_stub_gen.py).
 *
 * MR0..MR3 travel in r2..r5. The kernel writes only the message registers
 * it delivers, so a register it did not write comes back as the stub
 * loaded it; mica's stubs enter the kernel with every register they do
 * not load set to 0 (on seL4 such a register holds whatever the compiler
 * left there).
 *
 * The root task runs at priority 255 and its workers below it, so a worker
 * runs only while the root is blocked or has lowered itself.
 */
#include <string.h>
#include "harness.h"

#define PRIO 100
#define S(i) (0x5e5e0000ul + (mica_word_t)(i))     /* sentinels set before a call */

static struct {
    mica_word_t seen[8][4];     /* MR0..MR3 a worker saw, per round */
    mica_msginfo_t info[8];
    int rounds;
    int done;
} rec;

static mica_cptr_t g_ep;

#define RUN(fn) do { \
        memset(&rec, 0, sizeof rec); \
        mt_run(fn); \
        ck_assert_msg(rec.done, "the root task did not reach its end"); \
    } while (0)

#define LABEL(i) mica_msginfo_get_label(i)
#define LENGTH(i) mica_msginfo_get_length(i)

/* Drop the root below every worker until they have all blocked, then restore it. */
static void let_workers_run(void)
{
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 1), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, MICA_MAX_PRIO),
                  MICA_NO_ERROR);
}

static void set_sentinels(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        mica_set_mr((int)i, S(i));
}

/* --- invocation stubs (syscall_stub_gen.py) --------------------------------------- */

static void root_success_keeps_mrs(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t frame = mt_make(MICA_FRAME_OBJECT, 0);
    mica_cptr_t ut = mt_untyped();
    mica_cptr_t dest = mt_slot();

    set_sentinels(8);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, MICA_MAX_PRIO),
                  MICA_NO_ERROR);
    for (int i = 0; i < 8; i++)
        mt_assert_mr(i, S(i));

    /* A result travels in the returned struct, not through the buffer. */
    mica_page_get_address_t a = mica_page_get_address(frame);
    mt_assert_err(a.error, MICA_NO_ERROR);
    ck_assert_uint_ne(a.paddr, 0);
    for (int i = 0; i < 4; i++)
        mt_assert_mr(i, S(i));

    /* Six arguments: MR4 and MR5 are written into the buffer, MR0..MR3 go in registers. */
    mt_assert_err(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, 0, 0, dest, 1),
                  MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(dest), MICA_CAP_TYPE_ENDPOINT);
    for (int i = 0; i < 4; i++)
        mt_assert_mr(i, S(i));
    mt_assert_mr(4, dest);
    mt_assert_mr(5, 1);
    rec.done = 1;
}

/*
 * syscall_stub_gen.py: a generated stub copies its register MRs back into
 * the IPC buffer only "on error"; what a task set with mica_set_mr survives
 * a successful invocation.
 */
START_TEST(a_successful_invocation_leaves_mr0_to_mr3_as_the_task_set_them)
{
    RUN(root_success_keeps_mrs);
}
END_TEST

static void root_error_details(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = mt_untyped();
    mica_cptr_t dest = mt_slot();

    /* seL4 decodeUntypedInvocation: an unknown type is InvalidArgument 0. */
    set_sentinels(4);
    mt_assert_err(mica_untyped_retype(ut, 0x7777, 3, CNODE, 5, 6, dest, 1),
                  MICA_INVALID_ARGUMENT);
    mt_assert_mr(0, 0);
    /* The kernel wrote MR0 only; MR1..MR3 are the registers as the stub sent them. */
    mt_assert_mr(1, 3);
    mt_assert_mr(2, 5);
    mt_assert_mr(3, 6);

    /* seL4 decodeCNodeInvocation: an empty source slot is a FailedLookup of the source. */
    set_sentinels(4);
    mt_assert_err(mica_cnode_copy(CNODE, dest, DEPTH, CNODE, mt_slot(), DEPTH, MICA_ALL_RIGHTS),
                  MICA_FAILED_LOOKUP);
    mt_assert_mr(0, 1);
    mt_assert_mr(1, MICA_MISSING_CAPABILITY);
    mt_assert_mr(3, DEPTH);     /* beyond the details: the source depth as the stub sent it */
    rec.done = 1;
}

/* syscall_stub_gen.py: on an error the reply's MR0..MR3 are in the buffer for seL4_GetMR. */
START_TEST(a_failed_invocation_leaves_its_error_details_in_mr0_to_mr3)
{
    RUN(root_error_details);
}
END_TEST

/* --- plain forms: all four words, whatever the length ----------------------------- */

/* Answer each call with MR0..MR3 = 0xa0.. and the length the caller put in the label. */
static void reply_server(mica_word_t arg)
{
    (void)arg;
    for (;;) {
        mica_word_t badge;
        mica_msginfo_t info = mica_recv(g_ep, &badge);
        for (int i = 0; i < 4; i++)
            mica_set_mr(i, 0xa0 + (mica_word_t)i);
        mica_reply(mica_msginfo_new(0, 0, 0, LABEL(info)));
    }
}

static void root_call_all_four(const mica_bootinfo_t *bi)
{
    (void)bi;
    g_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_spawn(reply_server, 0, PRIO);
    let_workers_run();

    /* A reply of one word replaces MR0; MR1..MR3 keep what the caller had. */
    set_sentinels(4);
    mica_msginfo_t info = mica_call(g_ep, mica_msginfo_new(1, 0, 0, 1));
    ck_assert_uint_eq(LENGTH(info), 1);
    mt_assert_mr(0, 0xa0);
    for (int i = 1; i < 4; i++)
        mt_assert_mr(i, S(i));

    /* An empty reply leaves all four, the sent MR0 included. */
    set_sentinels(4);
    info = mica_call(g_ep, mica_msginfo_new(0, 0, 0, 1));
    ck_assert_uint_eq(LENGTH(info), 0);
    for (int i = 0; i < 4; i++)
        mt_assert_mr(i, S(i));

    /* A message of length 0 still loads all four: an empty request, a 3-word reply. */
    set_sentinels(4);
    info = mica_call(g_ep, mica_msginfo_new(3, 0, 0, 0));
    ck_assert_uint_eq(LENGTH(info), 3);
    for (int i = 0; i < 3; i++)
        mt_assert_mr(i, 0xa0 + (mica_word_t)i);
    mt_assert_mr(3, S(3));
    rec.done = 1;
}

/*
 * libsel4 x86_64 seL4_Call: seL4_GetMR(0..3) into the registers, seL4_SetMR(0..3)
 * from them afterwards; words beyond the reply's length are not zeroed.
 */
START_TEST(call_loads_and_stores_all_four_mrs_and_zeroes_none)
{
    RUN(root_call_all_four);
}
END_TEST

/* Set MR1..MR3 once, then answer every request with one word, recording what it sees. */
static void reply_recv_server(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(g_ep, &badge);
    for (int i = 1; i < 4; i++)
        mica_set_mr(i, 0xb0 + (mica_word_t)i);
    for (;;) {
        mica_set_mr(0, mica_get_mr(0) + 1);
        info = mica_reply_recv(g_ep, mica_msginfo_new(0, 0, 0, 1), &badge);
        for (int i = 0; i < 4; i++)
            rec.seen[rec.rounds][i] = mica_get_mr(i);
        rec.info[rec.rounds] = info;
        rec.rounds++;
    }
}

static void root_reply_recv_all_four(const mica_bootinfo_t *bi)
{
    (void)bi;
    g_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_spawn(reply_recv_server, 0, PRIO);
    let_workers_run();
    for (mica_word_t round = 0; round < 3; round++) {
        set_sentinels(4);
        mica_set_mr(0, 10 * round);
        mica_msginfo_t info = mica_call(g_ep, mica_msginfo_new(0, 0, 0, 1));
        ck_assert_uint_eq(LENGTH(info), 1);
        mt_assert_mr(0, 10 * round + 1);
        for (int i = 1; i < 4; i++)
            mt_assert_mr(i, S(i));
    }
    /* The server received one word each time; its MR1..MR3 stayed as it set them. */
    ck_assert_int_eq(rec.rounds, 2);
    for (int r = 0; r < 2; r++) {
        ck_assert_uint_eq(LENGTH(rec.info[r]), 1);
        ck_assert_uint_eq(rec.seen[r][0], 10 * (mica_word_t)(r + 1));
        for (int i = 1; i < 4; i++)
            ck_assert_uint_eq(rec.seen[r][i], 0xb0 + (mica_word_t)i);
    }
    rec.done = 1;
}

/* libsel4 x86_64 seL4_ReplyRecv: like seL4_Call, all four words in and all four out. */
START_TEST(reply_recv_loads_and_stores_all_four_mrs_and_zeroes_none)
{
    RUN(root_reply_recv_all_four);
}
END_TEST

/* --- register forms: only the words below the length go out ----------------------- */

/* Receive with every pointer; record; reply with the length in the label, words 0xc0... */
static void mrs_server(mica_word_t arg)
{
    (void)arg;
    for (;;) {
        mica_word_t badge, m[4] = { 0 };
        mica_msginfo_t info = mica_recv_with_mrs(g_ep, &badge, &m[0], &m[1], &m[2], &m[3]);
        memcpy(rec.seen[rec.rounds], m, sizeof m);
        rec.info[rec.rounds++] = info;
        mica_word_t r[4] = { 0xc0, 0xc1, 0xc2, 0xc3 };
        mica_reply_with_mrs(mica_msginfo_new(0, 0, 0, LABEL(info)), &r[0], &r[1], &r[2], &r[3]);
    }
}

static void root_call_with_mrs_length(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    g_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_spawn(mrs_server, 0, PRIO);
    let_workers_run();
    set_sentinels(4);

    /* One word out, one back: the three unsent words come back 0. */
    mica_word_t m0 = 11, m1 = 12, m2 = 13, m3 = 14;
    mica_msginfo_t info = mica_call_with_mrs(g_ep, mica_msginfo_new(1, 0, 0, 1),
                                             &m0, &m1, &m2, &m3);
    ck_assert_uint_eq(LENGTH(info), 1);
    ck_assert_uint_eq(m0, 0xc0);
    ck_assert_uint_eq(m1, 0);
    ck_assert_uint_eq(m2, 0);
    ck_assert_uint_eq(m3, 0);
    ck_assert_uint_eq(rec.seen[0][0], 11);
    ck_assert_uint_eq(rec.seen[0][1], 0);       /* never sent */

    /* Three out, one back: words 1 and 2 are the registers as sent; word 3 was not sent. */
    m0 = 21, m1 = 22, m2 = 23, m3 = 24;
    info = mica_call_with_mrs(g_ep, mica_msginfo_new(1, 0, 0, 3), &m0, &m1, &m2, &m3);
    ck_assert_uint_eq(m0, 0xc0);
    ck_assert_uint_eq(m1, 22);
    ck_assert_uint_eq(m2, 23);
    ck_assert_uint_eq(m3, 0);
    ck_assert_uint_eq(rec.seen[1][2], 23);
    ck_assert_uint_eq(rec.seen[1][3], 0);

    /* A NULL pointer below the length sends 0 and receives nothing. */
    m0 = 31, m2 = 33;
    info = mica_call_with_mrs(g_ep, mica_msginfo_new(4, 0, 0, 3), &m0, NULL, &m2, NULL);
    ck_assert_uint_eq(LENGTH(info), 4);
    ck_assert_uint_eq(rec.seen[2][0], 31);
    ck_assert_uint_eq(rec.seen[2][1], 0);
    ck_assert_uint_eq(rec.seen[2][2], 33);
    ck_assert_uint_eq(m0, 0xc0);
    ck_assert_uint_eq(m2, 0xc2);

    /* The register forms never touch the buffer. */
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(b->msg[i], S(i));
    rec.done = 1;
}

/*
 * libsel4 x86_64 seL4_CallWithMRs: a word is sent only if its pointer is
 * non-NULL and it is below the message length (else 0); every non-NULL
 * pointer gets its register back.
 */
START_TEST(call_with_mrs_sends_only_the_words_below_the_length)
{
    RUN(root_call_with_mrs_length);
}
END_TEST

/* Reply to every request with one word from m0, with m1..m3 set: record what comes in. */
static void reply_recv_mrs_server(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge, m[4] = { 0 };
    mica_recv_with_mrs(g_ep, &badge, &m[0], &m[1], &m[2], &m[3]);
    for (;;) {
        m[0] += 1;
        m[1] = 0xd1, m[2] = 0xd2, m[3] = 0xd3;
        mica_msginfo_t info = mica_reply_recv_with_mrs(g_ep, mica_msginfo_new(0, 0, 0, 1), &badge,
                                                       &m[0], &m[1], &m[2], &m[3]);
        memcpy(rec.seen[rec.rounds], m, sizeof m);
        rec.info[rec.rounds++] = info;
    }
}

static void root_reply_recv_with_mrs_length(const mica_bootinfo_t *bi)
{
    (void)bi;
    g_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_spawn(reply_recv_mrs_server, 0, PRIO);
    let_workers_run();
    for (mica_word_t round = 0; round < 3; round++) {
        mica_word_t m0 = 100 * round, m1 = 1, m2 = 2, m3 = 3;
        mica_msginfo_t info = mica_call_with_mrs(g_ep, mica_msginfo_new(0, 0, 0, 1),
                                                 &m0, &m1, &m2, &m3);
        ck_assert_uint_eq(LENGTH(info), 1);
        ck_assert_uint_eq(m0, 100 * round + 1);
        /* Not sent by the caller, not written by the server's one-word reply. */
        ck_assert_uint_eq(m1, 0);
        ck_assert_uint_eq(m2, 0);
        ck_assert_uint_eq(m3, 0);
    }
    /* The server's 0xd1..0xd3 were beyond its reply's length: never loaded, back as 0. */
    ck_assert_int_eq(rec.rounds, 2);
    for (int r = 0; r < 2; r++) {
        ck_assert_uint_eq(rec.seen[r][0], 100 * (mica_word_t)(r + 1));
        for (int i = 1; i < 4; i++)
            ck_assert_uint_eq(rec.seen[r][i], 0);
    }
    rec.done = 1;
}

/* libsel4 x86_64 seL4_ReplyRecvWithMRs: as seL4_CallWithMRs, only the words below the length. */
START_TEST(reply_recv_with_mrs_sends_only_the_words_below_the_length)
{
    RUN(root_reply_recv_with_mrs_length);
}
END_TEST

/* --- what a blocked sender's registers hold --------------------------------------- */

enum { VIA_SEND, VIA_CALL, VIA_SEND_WITH_MRS, VIA_CALL_WITH_MRS, N_VIA };

/* Block on g_ep (nobody receives) in the way `how` names, with a one-word message. */
static void blocked_sender(mica_word_t how)
{
    mica_word_t a = 0x71, b = 0x72, d = 0x74;
    for (int i = 0; i < 4; i++)
        mica_set_mr(i, 0x60 + (mica_word_t)i);
    mica_msginfo_t one = mica_msginfo_new(0, 0, 0, 1);
    switch (how) {
    case VIA_SEND:
        mica_send(g_ep, one);
        break;
    case VIA_CALL:
        mica_call(g_ep, one);
        break;
    case VIA_SEND_WITH_MRS:
        mica_send_with_mrs(g_ep, one, &a, &b, NULL, &d);
        break;
    default:
        mica_call_with_mrs(g_ep, mica_msginfo_new(0, 0, 0, 2), &a, &b, NULL, &d);
        break;
    }
}

static void root_blocked_registers(const mica_bootinfo_t *bi)
{
    (void)bi;
    /* MR0..MR3 are r2..r5 in the register file. */
    static const mica_word_t want[N_VIA][4] = {
        [VIA_SEND] = { 0x60, 0x61, 0x62, 0x63 },            /* seL4_Send: seL4_GetMR(0..3) */
        [VIA_CALL] = { 0x60, 0x61, 0x62, 0x63 },            /* seL4_Call: the same */
        [VIA_SEND_WITH_MRS] = { 0x71, 0x72, 0, 0x74 },      /* every non-NULL word */
        [VIA_CALL_WITH_MRS] = { 0x71, 0x72, 0, 0 },         /* only below the length 2 */
    };
    for (mica_word_t how = 0; how < N_VIA; how++) {
        g_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
        mica_cptr_t t = mt_spawn(blocked_sender, how, PRIO);
        let_workers_run();
        mica_user_context_t regs;
        mt_assert_err(mica_tcb_read_registers(t, true, 0, MICA_USER_CONTEXT_WORDS, &regs),
                      MICA_NO_ERROR);
        ck_assert_uint_eq(regs.r2, want[how][0]);
        ck_assert_uint_eq(regs.r3, want[how][1]);
        ck_assert_uint_eq(regs.r4, want[how][2]);
        ck_assert_uint_eq(regs.r5, want[how][3]);
    }
    rec.done = 1;
}

/*
 * libsel4 x86_64 seL4_Send/seL4_Call load all four MRs from the buffer whatever
 * the length; seL4_SendWithMRs loads every word given; seL4_CallWithMRs only
 * those below the length. Seen in the registers of a sender blocked on an
 * endpoint nobody receives on (TCB_ReadRegisters).
 */
START_TEST(a_blocked_senders_registers_hold_what_its_stub_loaded)
{
    RUN(root_blocked_registers);
}
END_TEST

/* --- receiving: Recv, NBRecv, Poll, Wait store all four ---------------------------- */

static void send_two(mica_word_t arg)
{
    (void)arg;
    mica_set_mr(0, 0x91);
    mica_set_mr(1, 0x92);
    mica_send(g_ep, mica_msginfo_new(5, 0, 0, 2));
}

static void assert_two_then_zero(void)
{
    mt_assert_mr(0, 0x91);
    mt_assert_mr(1, 0x92);
    /* Not delivered: the registers as the stub entered the kernel with them. */
    mt_assert_mr(2, 0);
    mt_assert_mr(3, 0);
}

static void root_receiving_forms(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t badged;
    mica_word_t badge;
    g_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    badged = mt_slot();
    mt_assert_err(mica_cnode_mint(CNODE, badged, DEPTH, CNODE, g_ep, DEPTH, MICA_ALL_RIGHTS, 0x33),
                  MICA_NO_ERROR);
    mica_cptr_t ep = g_ep;

    /* Recv. */
    g_ep = badged;
    mt_spawn(send_two, 0, PRIO);
    set_sentinels(4);
    mica_msginfo_t info = mica_recv(ep, &badge);
    ck_assert_uint_eq(LABEL(info), 5);
    ck_assert_uint_eq(badge, 0x33);
    assert_two_then_zero();

    /* Wait on an endpoint: a Recv (seL4_Wait), the message included. */
    mt_spawn(send_two, 0, PRIO);
    set_sentinels(4);
    badge = 0;
    mica_wait(ep, &badge);
    ck_assert_uint_eq(badge, 0x33);
    assert_two_then_zero();

    /* NBRecv and Poll, a sender queued first. */
    for (int poll = 0; poll < 2; poll++) {
        mt_spawn(send_two, 0, PRIO);
        let_workers_run();
        set_sentinels(4);
        badge = 0;
        info = poll ? mica_poll(ep, &badge) : mica_nbrecv(ep, &badge);
        ck_assert_uint_eq(LABEL(info), 5);
        ck_assert_uint_eq(badge, 0x33);
        assert_two_then_zero();
    }

    /* Nothing pending: NBRecv still stores its (zero) registers. */
    set_sentinels(4);
    info = mica_nbrecv(ep, &badge);
    ck_assert_uint_eq(info.words[0], 0);
    for (int i = 0; i < 4; i++)
        mt_assert_mr(i, 0);

    /* Wait on a notification: the badge arrives; the message registers are stored too. */
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t nb = mt_slot();
    mt_assert_err(mica_cnode_mint(CNODE, nb, DEPTH, CNODE, n, DEPTH, MICA_ALL_RIGHTS, 0x4),
                  MICA_NO_ERROR);
    mica_signal(nb);
    set_sentinels(4);
    badge = 0;
    mica_wait(n, &badge);
    ck_assert_uint_eq(badge, 0x4);
    for (int i = 0; i < 4; i++)
        mt_assert_mr(i, 0);
    rec.done = 1;
}

/*
 * libsel4 x86_64 seL4_Recv and seL4_NBRecv store MR0..MR3 from the registers;
 * non-MCS seL4_Wait is seL4_Recv and seL4_Poll is seL4_NBRecv
 * (arch_include/x86/sel4/arch/syscalls.h).
 */
START_TEST(recv_nbrecv_poll_and_wait_store_all_four_mrs)
{
    RUN(root_receiving_forms);
}
END_TEST

static Suite *stubs_suite(void)
{
    Suite *s = suite_create("stubs");
    TCase *tc = mt_tcase(s, "invocations");
    tcase_add_test(tc, a_successful_invocation_leaves_mr0_to_mr3_as_the_task_set_them);
    tcase_add_test(tc, a_failed_invocation_leaves_its_error_details_in_mr0_to_mr3);
    tc = mt_tcase(s, "plain");
    tcase_add_test(tc, call_loads_and_stores_all_four_mrs_and_zeroes_none);
    tcase_add_test(tc, reply_recv_loads_and_stores_all_four_mrs_and_zeroes_none);
    tcase_add_test(tc, recv_nbrecv_poll_and_wait_store_all_four_mrs);
    tc = mt_tcase(s, "with_mrs");
    tcase_add_test(tc, call_with_mrs_sends_only_the_words_below_the_length);
    tcase_add_test(tc, reply_recv_with_mrs_sends_only_the_words_below_the_length);
    tc = mt_tcase(s, "registers");
    tcase_add_test(tc, a_blocked_senders_registers_hold_what_its_stub_loaded);
    return s;
}

MICA_TEST_MAIN(stubs_suite)
