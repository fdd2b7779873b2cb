/*
 * test_endpoint.c - synchronous IPC through endpoints: Send, NBSend, Call,
 * Recv, NBRecv, Reply and ReplyRecv with seL4's queue semantics, message
 * lengths and badges, the register forms, capability transfer and
 * unwrapping, one-shot reply caps, CancelBadgedSends, deleting a busy
 * endpoint and the IPC rights rules.
 *
 * sel4test: IPC0001-0004, IPC0010, IPC1001/1002 (another CSpace and
 * VSpace), IPCRIGHTS0001-0005, CANCEL_BADGED_SENDS_0001/0002,
 * SYSCALL0001-0003, 0005, 0010-0012, 0014-0017, CNODEOP0006 and 0009
 * (CancelBadgedSends, SaveCaller), SCHED0006 (IPC and priorities).
 *
 * The root task runs at priority 255 and its workers below it, so a worker
 * runs only while the root is blocked; let_workers_run() drops the root
 * below them until every worker has blocked or exited. Workers share the
 * root's CSpace, so a root slot number is also a worker's CPtr.
 */
#include <string.h>
#include "harness.h"
#include "cap.h"
#include "thread.h"

#define PRIO 100            /* workers: below the root */
#define SENTINEL 0x5e5e5e5eul
#define N_WORKERS 8
#define MAX_LOG 32

static const mica_word_t lengths[] = { 0, 1, 4, 5, 32, 120 };
#define N_LENGTHS (sizeof lengths / sizeof lengths[0])

/* What the workers saw: per worker, and a log in the order of arrival. */
static struct {
    mica_msginfo_t w_info[N_WORKERS];
    mica_word_t w_badge[N_WORKERS];
    mica_word_t w_mr0[N_WORKERS];
    int w_returned[N_WORKERS];
    int n;
    int log_who[MAX_LOG];
    mica_msginfo_t log_info[MAX_LOG];
    mica_word_t log_badge[MAX_LOG];
    mica_word_t log_mr0[MAX_LOG];
    int done;               /* the root task reached its end */
} rec;

/* The cap worker `who` uses (a root slot, hence a CPtr in its CSpace). */
static mica_cptr_t g_cptr[N_WORKERS];
/* Where worker `who` asks to receive a cap. */
static mica_cptr_t g_recv_slot[N_WORKERS];
/* Caps a cap-sending worker attaches. */
static mica_cptr_t g_caps[MICA_MSG_MAX_EXTRA_CAPS];
static mica_word_t g_ncaps;

static void reset(void)
{
    memset(&rec, 0, sizeof rec);
    memset(g_cptr, 0, sizeof g_cptr);
    memset(g_recv_slot, 0, sizeof g_recv_slot);
    memset(g_caps, 0, sizeof g_caps);
    g_ncaps = 0;
}

#define RUN(fn) do { \
        reset(); \
        mt_run(fn); \
        ck_assert_msg(rec.done, "the root task did not reach its end"); \
    } while (0)

static mica_word_t pattern(mica_word_t salt, mica_word_t i)
{
    return ((salt + 1) * 0x9e3779b97f4a7c15ull) ^ (i * 0x10001ull);
}

/* Drop the root below every worker until they have all blocked, then restore it. */
static void let_workers_run(void)
{
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 1), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, MICA_MAX_PRIO),
                  MICA_NO_ERROR);
}

/* A new cap to the object in src, with rights and badge, in a fresh slot. */
static mica_cptr_t mint(mica_cptr_t src, mica_cap_rights_t rights, mica_word_t badge)
{
    mica_cptr_t s = mt_slot();
    mt_assert_err(mica_cnode_mint(CNODE, s, DEPTH, CNODE, src, DEPTH, rights, badge),
                  MICA_NO_ERROR);
    return s;
}

static mica_cptr_t copy(mica_cptr_t src)
{
    mica_cptr_t s = mt_slot();
    mt_assert_err(mica_cnode_copy(CNODE, s, DEPTH, CNODE, src, DEPTH, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    return s;
}

static void log_msg(int who, mica_msginfo_t info, mica_word_t badge)
{
    ck_assert_int_lt(rec.n, MAX_LOG);
    rec.log_who[rec.n] = who;
    rec.log_info[rec.n] = info;
    rec.log_badge[rec.n] = badge;
    rec.log_mr0[rec.n] = mica_get_mr(0);
    rec.n++;
}

#define LABEL(i) mica_msginfo_get_label(i)
#define LENGTH(i) mica_msginfo_get_length(i)
#define EXTRA(i) mica_msginfo_get_extra_caps(i)
#define UNWRAPPED(i) mica_msginfo_get_caps_unwrapped(i)

/* --- workers ---------------------------------------------------------------- */

/* Call g_cptr[who] once with label who+1 and MR0 100+who; record the reply. */
static void call_slot(mica_word_t who)
{
    mica_set_mr(0, 100 + who);
    rec.w_info[who] = mica_call(g_cptr[who], mica_msginfo_new(who + 1, 0, 0, 1));
    rec.w_mr0[who] = mica_get_mr(0);
    rec.w_returned[who]++;
}

/* Send once on g_cptr[who] with label who+1 and MR0 100+who. */
static void send_slot(mica_word_t who)
{
    mica_set_mr(0, 100 + who);
    mica_send(g_cptr[who], mica_msginfo_new(who + 1, 0, 0, 1));
    rec.w_returned[who]++;
}

/* Receive once on g_cptr[who]; record what arrived. */
static void recv_slot(mica_word_t who)
{
    mica_word_t badge = 0;
    rec.w_info[who] = mica_recv(g_cptr[who], &badge);
    rec.w_badge[who] = badge;
    rec.w_mr0[who] = mica_get_mr(0);
    rec.w_returned[who]++;
}

/* Receive on g_cptr[who] forever, logging every message. */
static void recv_loop(mica_word_t who)
{
    for (;;) {
        mica_word_t badge = 0;
        mica_msginfo_t info = mica_recv(g_cptr[who], &badge);
        log_msg((int)who, info, badge);
    }
}

/* --- Send / Recv (IPC0001, SYSCALL0001, SYSCALL0010) ------------------------- */

static void send_all_lengths(mica_word_t cap)
{
    for (int pass = 0; pass < 2; pass++)
        for (mica_word_t k = 0; k < N_LENGTHS; k++) {
            for (mica_word_t i = 0; i < lengths[k]; i++)
                mica_set_mr((int)i, pattern(k, i));
            mica_send(cap, mica_msginfo_new(0x100 + k, 0, 0, lengths[k]));
        }
}

static void root_send_recv_lengths(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t badged = mint(ep, MICA_ALL_RIGHTS, 0x42);
    mt_spawn(send_all_lengths, badged, PRIO);
    /* Pass 0: the receiver waits first. Pass 1: the sender waits first. */
    for (int pass = 0; pass < 2; pass++)
        for (mica_word_t k = 0; k < N_LENGTHS; k++) {
            if (pass == 1)
                let_workers_run();
            for (int i = 4; i < MICA_MSG_MAX_LENGTH; i++)
                b->msg[i] = SENTINEL;
            mica_word_t badge = 0;
            mica_msginfo_t info = mica_recv(ep, &badge);
            ck_assert_uint_eq(badge, 0x42);
            ck_assert_uint_eq(LABEL(info), 0x100 + k);
            ck_assert_uint_eq(LENGTH(info), lengths[k]);
            ck_assert_uint_eq(EXTRA(info), 0);
            ck_assert_uint_eq(UNWRAPPED(info), 0);
            for (mica_word_t i = 0; i < lengths[k]; i++)
                ck_assert_uint_eq(mica_get_mr((int)i), pattern(k, i));
            /* Nothing beyond the length is copied. */
            for (mica_word_t i = lengths[k] > 4 ? lengths[k] : 4; i < MICA_MSG_MAX_LENGTH; i++)
                ck_assert_uint_eq(b->msg[i], SENTINEL);
        }
    rec.done = 1;
}

/* IPC0001: Send + Recv, lengths 0, 1, 4, 5, 32, 120, in both arrival orders. */
START_TEST(send_recv_delivers_every_length_label_and_badge)
{
    RUN(root_send_recv_lengths);
}
END_TEST

static void send_overlong(mica_word_t cap)
{
    for (int i = 0; i < MICA_MSG_MAX_LENGTH; i++)
        mica_set_mr(i, pattern(9, (mica_word_t)i));
    /* Length 127 (the field's maximum), a 52-bit label and stray unwrapped bits. */
    mica_send(cap, mica_msginfo_new(0xfffffffffffffull, 7, 0, 127));
}

static void root_length_cap(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_spawn(send_overlong, ep, PRIO);
    mica_word_t badge = 0xdead;
    mica_msginfo_t info = mica_recv(ep, &badge);
    ck_assert_uint_eq(badge, 0);        /* an unbadged cap delivers badge 0 */
    ck_assert_uint_eq(LABEL(info), 0xfffffffffffffull);
    ck_assert_uint_eq(LENGTH(info), MICA_MSG_MAX_LENGTH);
    ck_assert_uint_eq(UNWRAPPED(info), 0);
    for (int i = 0; i < MICA_MSG_MAX_LENGTH; i++)
        ck_assert_uint_eq(mica_get_mr(i), pattern(9, (mica_word_t)i));
    rec.done = 1;
}

START_TEST(overlong_message_is_cut_to_120_words_and_label_travels_whole)
{
    RUN(root_length_cap);
}
END_TEST

static void root_send_blocks(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[0] = ep;
    mica_cptr_t t = mt_spawn(recv_slot, 0, PRIO);
    /* No receiver yet: the root blocks in Send until the worker arrives. */
    mica_set_mr(0, 0xabc);
    mica_send(ep, mica_msginfo_new(0x31, 0, 0, 1));
    ck_assert_int_eq(rec.w_returned[0], 0);         /* it has not run since */
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_RUNNING);
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[0]), 0x31);
    ck_assert_uint_eq(rec.w_mr0[0], 0xabc);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);   /* it exited */
    rec.done = 1;
}

START_TEST(send_blocks_until_a_receiver_takes_the_message)
{
    RUN(root_send_blocks);
}
END_TEST

/* --- queue order --------------------------------------------------------------- */

static void send_badged_twice(mica_word_t cap)
{
    for (mica_word_t i = 0; i < 2; i++)
        mica_send(cap, mica_msginfo_new(i, 0, 0, 0));
}

static void root_sender_fifo(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    for (mica_word_t i = 1; i <= 3; i++)
        mt_spawn(send_badged_twice, mint(ep, MICA_ALL_RIGHTS, i), PRIO + 1 - i);
    let_workers_run();      /* all three queue, badge 1 first */
    static const mica_word_t want[6] = { 1, 2, 3, 1, 2, 3 };
    for (int i = 0; i < 6; i++) {
        mica_word_t badge = 0;
        mica_msginfo_t info = mica_recv(ep, &badge);
        ck_assert_uint_eq(badge, want[i]);
        ck_assert_uint_eq(LABEL(info), i < 3 ? 0 : 1);
    }
    rec.done = 1;
}

START_TEST(queued_senders_are_received_in_fifo_order)
{
    RUN(root_sender_fifo);
}
END_TEST

static void root_receiver_fifo(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    for (mica_word_t w = 0; w < 3; w++) {
        g_cptr[w] = ep;
        mt_spawn(recv_slot, w, PRIO - w);
    }
    let_workers_run();      /* all three wait, worker 0 first */
    for (mica_word_t i = 0; i < 3; i++)
        mica_send(ep, mica_msginfo_new(10 + i, 0, 0, 0));
    let_workers_run();
    for (int w = 0; w < 3; w++) {
        ck_assert_int_eq(rec.w_returned[w], 1);
        ck_assert_uint_eq(LABEL(rec.w_info[w]), 10 + (mica_word_t)w);
    }
    rec.done = 1;
}

START_TEST(queued_receivers_are_served_in_fifo_order)
{
    RUN(root_receiver_fifo);
}
END_TEST

/* --- NBSend (IPC0004, SYSCALL0002) --------------------------------------------- */

static void root_nbsend_no_receiver(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_set_mr(0, 1);
    mica_nbsend(ep, mica_msginfo_new(5, 0, 0, 1));      /* nobody waits: dropped */
    mica_word_t badge = 0xdead;
    mica_msginfo_t info = mica_nbrecv(ep, &badge);
    ck_assert_uint_eq(badge, 0);
    ck_assert_uint_eq(info.words[0], 0);
    rec.done = 1;
}

START_TEST(nbsend_without_a_waiting_receiver_drops_the_message)
{
    RUN(root_nbsend_no_receiver);
}
END_TEST

static void nbsend_once(mica_word_t cap)
{
    mica_set_mr(0, 0x4444);
    mica_nbsend(cap, mica_msginfo_new(4, 0, 0, 1));
    rec.w_returned[1]++;
}

static void root_nbsend_recv(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[0] = ep;
    mt_spawn(recv_loop, 0, PRIO);
    let_workers_run();                                  /* the worker waits */
    mica_set_mr(0, 0xa1);
    mica_nbsend(ep, mica_msginfo_new(1, 0, 0, 1));      /* delivered */
    mica_nbsend(ep, mica_msginfo_new(2, 0, 0, 1));      /* it has not waited again: dropped */
    let_workers_run();
    mica_set_mr(0, 0xa3);
    mica_nbsend(ep, mica_msginfo_new(3, 0, 0, 1));      /* delivered */
    let_workers_run();
    ck_assert_int_eq(rec.n, 2);
    ck_assert_uint_eq(LABEL(rec.log_info[0]), 1);
    ck_assert_uint_eq(rec.log_mr0[0], 0xa1);
    ck_assert_uint_eq(LABEL(rec.log_info[1]), 3);
    ck_assert_uint_eq(rec.log_mr0[1], 0xa3);

    /* And towards a waiting root. */
    mica_cptr_t ep2 = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_spawn(nbsend_once, ep2, PRIO);
    mica_word_t badge = 0xdead;
    mica_msginfo_t info = mica_recv(ep2, &badge);
    ck_assert_uint_eq(LABEL(info), 4);
    ck_assert_uint_eq(mica_get_mr(0), 0x4444);
    ck_assert_uint_eq(badge, 0);
    rec.done = 1;
}

/* IPC0004: NBSend + Recv. */
START_TEST(nbsend_reaches_a_waiting_receiver)
{
    RUN(root_nbsend_recv);
}
END_TEST

/* --- NBRecv (SYSCALL0012) ------------------------------------------------------- */

static void root_nbrecv_nothing(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_word_t badge = 0xdead;
    mica_msginfo_t info = mica_nbrecv(ep, &badge);
    ck_assert_uint_eq(badge, 0);
    ck_assert_uint_eq(info.words[0], 0);
    /* Also with receivers queued on the endpoint. */
    g_cptr[0] = ep;
    mt_spawn(recv_slot, 0, PRIO);
    let_workers_run();
    badge = 0xdead;
    info = mica_nbrecv(ep, &badge);
    ck_assert_uint_eq(badge, 0);
    ck_assert_uint_eq(info.words[0], 0);
    /* The queued receiver is still first in line. */
    mica_send(ep, mica_msginfo_new(8, 0, 0, 0));
    let_workers_run();
    ck_assert_uint_eq(LABEL(rec.w_info[0]), 8);
    rec.done = 1;
}

START_TEST(nbrecv_with_nothing_pending_returns_badge_0_and_msginfo_0)
{
    RUN(root_nbrecv_nothing);
}
END_TEST

static void root_nbrecv_sender(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[0] = mint(ep, MICA_ALL_RIGHTS, 0x99);
    mt_spawn(send_slot, 0, PRIO);
    let_workers_run();                      /* the sender is queued */
    ck_assert_int_eq(rec.w_returned[0], 0);
    mica_word_t badge = 0;
    mica_msginfo_t info = mica_nbrecv(ep, &badge);
    ck_assert_uint_eq(badge, 0x99);
    ck_assert_uint_eq(LABEL(info), 1);
    ck_assert_uint_eq(LENGTH(info), 1);
    ck_assert_uint_eq(mica_get_mr(0), 100);
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    rec.done = 1;
}

START_TEST(nbrecv_takes_a_queued_sender)
{
    RUN(root_nbrecv_sender);
}
END_TEST

/* --- Call / ReplyRecv (IPC0002, SYSCALL0005, SYSCALL0011) ---------------------- */

/* Reply with label + badge and every MR complemented. */
static void echo_server(mica_word_t cap)
{
    mica_word_t badge = 0;
    mica_msginfo_t info = mica_recv(cap, &badge);
    for (;;) {
        mica_word_t len = LENGTH(info);
        for (mica_word_t i = 0; i < len; i++)
            mica_set_mr((int)i, ~mica_get_mr((int)i));
        info = mica_reply_recv(cap, mica_msginfo_new(LABEL(info) + badge, 0, 0, len), &badge);
    }
}

static void root_call_reply_recv(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t badged = mint(ep, MICA_ALL_RIGHTS, 0x1000);
    mica_cptr_t server = mt_spawn(echo_server, ep, PRIO);
    /* The first Call finds no server waiting and queues; the others find it in ReplyRecv. */
    for (mica_word_t k = 0; k < N_LENGTHS; k++) {
        for (mica_word_t i = 0; i < lengths[k]; i++)
            mica_set_mr((int)i, pattern(k, i));
        mica_msginfo_t info = mica_call(badged, mica_msginfo_new(0x200 + k, 0, 0, lengths[k]));
        ck_assert_uint_eq(LABEL(info), 0x1200 + k);
        ck_assert_uint_eq(LENGTH(info), lengths[k]);
        for (mica_word_t i = 0; i < lengths[k]; i++)
            ck_assert_uint_eq(mica_get_mr((int)i), ~pattern(k, i));
    }
    let_workers_run();
    ck_assert_uint_eq(mt_thread_state(server), MICA_THREAD_BLOCKED_ON_RECEIVE);
    rec.done = 1;
}

/* IPC0002: Call + ReplyRecv over every length. */
START_TEST(call_and_reply_recv_round_trip_every_length)
{
    RUN(root_call_reply_recv);
}
END_TEST

/*
 * mica_sim_counters mid-run: each Call + ReplyRecv is two IPCs; the kernel copies the words past the message
 * registers, both ways; reading the counters enters no kernel.
 */
static void root_counters(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_run_result_t a, b, c;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_spawn(echo_server, ep, PRIO);
    mica_call(ep, mica_msginfo_new(1, 0, 0, 1));    /* the server is waiting from here on */
    mica_sim_counters(&a);
    mica_sim_counters(&b);
    ck_assert_uint_eq(b.kernel_entries, a.kernel_entries);
    ck_assert_uint_eq(b.ipc_bytes_copied, a.ipc_bytes_copied);
    for (int i = 0; i < 10; i++)
        mica_call(ep, mica_msginfo_new(1, 0, 0, 10));
    mica_sim_counters(&c);
    /* Timeslice ends may add entries (and switches) of their own. */
    ck_assert_uint_ge(c.kernel_entries - b.kernel_entries, 20);
    ck_assert_uint_eq(c.ipcs - b.ipcs, 20);
    ck_assert_uint_ge(c.context_switches - b.context_switches, 20);
    ck_assert_uint_eq(c.syscalls[-MICA_SYS_CALL] - b.syscalls[-MICA_SYS_CALL], 10);
    /* 10 words, 4 in registers: 6 words copied each way. */
    ck_assert_uint_eq(c.ipc_bytes_copied - b.ipc_bytes_copied, 10 * 2 * 6 * sizeof(mica_word_t));
    ck_assert_uint_ge(c.task_blocks, b.task_blocks);
    ck_assert_uint_gt(c.time_ns, 0);
    ck_assert_uint_eq(c.untyped_bytes_used, 0);     /* not counted mid-run */
    rec.done = 1;
}

START_TEST(sim_counters_read_mid_run_count_calls_and_copied_words)
{
    RUN(root_counters);
    mica_run_result_t r;
    mica_sim_counters(&r);      /* outside a run: zero */
    ck_assert_uint_eq(r.kernel_entries, 0);
}
END_TEST

/* --- Reply then Recv (IPC0003, SYSCALL0003) -------------------------------------- */

static void reply_then_recv_server(mica_word_t cap)
{
    for (;;) {
        mica_word_t badge = 0;
        mica_msginfo_t info = mica_recv(cap, &badge);
        log_msg(0, info, badge);
        mica_word_t len = LENGTH(info);
        for (mica_word_t i = 0; i < len; i++)
            mica_set_mr((int)i, ~mica_get_mr((int)i));
        /* After a plain Send there is no caller: this Reply does nothing. */
        mica_reply(mica_msginfo_new(LABEL(info) + 1, 0, 0, len));
    }
}

static void root_send_reply_recv(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_spawn(reply_then_recv_server, ep, PRIO);
    let_workers_run();
    for (mica_word_t k = 0; k < N_LENGTHS; k++) {
        for (mica_word_t i = 0; i < lengths[k]; i++)
            mica_set_mr((int)i, pattern(k, i));
        mica_msginfo_t tag = mica_msginfo_new(0x300 + k, 0, 0, lengths[k]);
        if (k % 2 == 0) {
            mica_send(ep, tag);
            continue;
        }
        mica_msginfo_t info = mica_call(ep, tag);
        ck_assert_uint_eq(LABEL(info), 0x301 + k);
        ck_assert_uint_eq(LENGTH(info), lengths[k]);
        for (mica_word_t i = 0; i < lengths[k]; i++)
            ck_assert_uint_eq(mica_get_mr((int)i), ~pattern(k, i));
    }
    let_workers_run();
    ck_assert_int_eq(rec.n, (int)N_LENGTHS);
    for (int k = 0; k < (int)N_LENGTHS; k++) {
        ck_assert_uint_eq(LABEL(rec.log_info[k]), 0x300 + (mica_word_t)k);
        ck_assert_uint_eq(LENGTH(rec.log_info[k]), lengths[k]);
    }
    rec.done = 1;
}

/* IPC0003: Send/Call answered by a separate Reply, then Recv. */
START_TEST(reply_then_recv_answers_calls_and_ignores_sends)
{
    RUN(root_send_reply_recv);
}
END_TEST

/* --- reply caps (CNODEOP0009) ------------------------------------------------------ */

static void root_reply_once(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[0] = ep;
    mt_spawn(call_slot, 0, PRIO);
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(ep, &badge);
    ck_assert_uint_eq(LABEL(info), 1);
    ck_assert_uint_eq(mica_get_mr(0), 100);
    mica_set_mr(0, 0xaaa);
    mica_reply(mica_msginfo_new(0x51, 0, 0, 1));
    mica_set_mr(0, 0xbbb);
    mica_reply(mica_msginfo_new(0x52, 0, 0, 1));        /* the reply cap is used up */
    mica_cptr_t s = mt_slot();
    mt_assert_err(mica_cnode_save_caller(CNODE, s, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_NULL);
    /* ReplyRecv with no caller is just a Recv. */
    g_cptr[1] = ep;
    mt_spawn(send_slot, 1, PRIO);
    info = mica_reply_recv(ep, mica_msginfo_new(0x53, 0, 0, 0), &badge);
    ck_assert_uint_eq(LABEL(info), 2);
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[1], 1);
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[0]), 0x51);
    ck_assert_uint_eq(rec.w_mr0[0], 0xaaa);
    rec.done = 1;
}

START_TEST(reply_cap_is_one_shot_and_a_second_reply_does_nothing)
{
    RUN(root_reply_once);
}
END_TEST

static void root_save_caller(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[0] = g_cptr[1] = ep;
    mt_spawn(call_slot, 0, PRIO);
    mt_spawn(call_slot, 1, PRIO - 1);
    let_workers_run();                                  /* both Calls queue */
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(ep, &badge);
    ck_assert_uint_eq(LABEL(info), 1);
    mica_cptr_t saved = mt_slot();
    mt_assert_err(mica_cnode_save_caller(CNODE, saved, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(saved), MICA_CAP_TYPE_REPLY);
    /* A saved reply cap survives the next Recv. */
    info = mica_recv(ep, &badge);
    ck_assert_uint_eq(LABEL(info), 2);
    ck_assert_int_eq(mica_debug_cap_identify(saved), MICA_CAP_TYPE_REPLY);
    mica_set_mr(0, 0x1111);
    mica_reply(mica_msginfo_new(0x61, 0, 0, 1));        /* to worker 1 */
    mica_set_mr(0, 0x2222);
    mica_send(saved, mica_msginfo_new(0x62, 0, 0, 1));  /* to worker 0, through the saved cap */
    ck_assert_int_eq(mica_debug_cap_identify(saved), MICA_CAP_TYPE_NULL);
    /* Used up: a Send on the empty slot is silently dropped, a Call gets the error. */
    mica_send(saved, mica_msginfo_new(0x63, 0, 0, 0));
    info = mica_call(saved, mica_msginfo_new(0x64, 0, 0, 0));
    ck_assert_uint_eq(LABEL(info), MICA_INVALID_CAPABILITY);
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[0]), 0x62);
    ck_assert_uint_eq(rec.w_mr0[0], 0x2222);
    ck_assert_int_eq(rec.w_returned[1], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[1]), 0x61);
    ck_assert_uint_eq(rec.w_mr0[1], 0x1111);
    rec.done = 1;
}

START_TEST(save_caller_then_send_on_the_saved_reply_cap)
{
    RUN(root_save_caller);
}
END_TEST

static void root_recv_drops_caller(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[0] = g_cptr[1] = ep;
    mt_spawn(call_slot, 0, PRIO);
    mt_spawn(send_slot, 1, PRIO - 1);
    let_workers_run();
    mica_word_t badge;
    ck_assert_uint_eq(LABEL(mica_recv(ep, &badge)), 1);    /* the Call */
    ck_assert_uint_eq(LABEL(mica_recv(ep, &badge)), 2);    /* drops the unsaved reply cap */
    mica_reply(mica_msginfo_new(0x70, 0, 0, 0));            /* nobody to reply to */
    mica_cptr_t s = mt_slot();
    mt_assert_err(mica_cnode_save_caller(CNODE, s, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_NULL);
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 0);
    ck_assert_int_eq(rec.w_returned[1], 1);
    rec.done = 1;
}

START_TEST(a_new_recv_discards_an_unsaved_reply_cap)
{
    mica_config_t cfg;
    mt_config(&cfg);
    reset();
    mica_run_result_t r = mt_run_cfg(&cfg, root_recv_drops_caller);
    ck_assert_int_eq(rec.done, 1);
    /* The caller waits for a reply that can never come. */
    ck_assert_int_eq(r.reason, MICA_STOP_DEADLOCK);
    ck_assert_uint_eq(r.threads[MICA_THREAD_BLOCKED_ON_REPLY], 1);
}
END_TEST

/* Take one Call on g_cptr[who], optionally save the reply cap, then wait on a notification. */
static void hold_reply_server(mica_word_t who)
{
    mica_word_t badge;
    mica_recv(g_cptr[who], &badge);
    if (g_recv_slot[who])
        mica_cnode_save_caller(CNODE, g_recv_slot[who], DEPTH);
    mica_wait(g_caps[who], &badge);     /* a Wait keeps the caller slot */
}

static void root_hold_replies(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    for (mica_word_t w = 0; w < 2; w++) {
        mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
        g_cptr[w] = ep;
        g_caps[w] = n;
        g_recv_slot[w] = w ? mt_slot() : 0;
        g_cptr[w + 2] = ep;
        mt_spawn_named(w ? "saver" : "server", hold_reply_server, w, PRIO);
        mt_spawn_named(w ? "client2" : "client", call_slot, w + 2, PRIO - 1);
    }
    let_workers_run();
    ck_assert_int_eq(mica_debug_cap_identify(g_recv_slot[1]), MICA_CAP_TYPE_REPLY);
    rec.done = 1;
}

START_TEST(deadlock_report_does_not_invent_the_holder_of_a_saved_reply_cap)
{
    mica_config_t cfg;
    mt_config(&cfg);
    reset();
    mica_run_result_t r = mt_run_cfg(&cfg, root_hold_replies);
    ck_assert_int_eq(rec.done, 1);
    ck_assert_int_eq(r.reason, MICA_STOP_DEADLOCK);
    /* A reply cap in a caller slot names the thread that must answer... */
    ck_assert_msg(strstr(r.message, "\n  client: BlockedOnReply, Call on slot ") != NULL &&
                  strstr(r.message, "waits for the reply from server") != NULL,
                  "message: %s", r.message);
    /* ... a saved one sits in a CNode slot, which is no thread. */
    ck_assert_msg(strstr(r.message, "waits for a reply whose cap was saved in a CNode slot") != NULL,
                  "message: %s", r.message);
    ck_assert_msg(strstr(r.message, "from saver") == NULL, "message: %s", r.message);
}
END_TEST

/* --- register forms (SYSCALL0014-0017) -------------------------------------------- */

static void send_with_mrs_worker(mica_word_t cap)
{
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    for (int i = 0; i < 4; i++)
        b->msg[i] = 0xbad0 + (mica_word_t)i;        /* must not travel */
    mica_word_t m0 = 10, m1 = 11, m2 = 12, m3 = 13;
    mica_send_with_mrs(cap, mica_msginfo_new(1, 0, 0, 4), &m0, &m1, &m2, &m3);
    m0 = 20;
    m2 = 22;
    mica_send_with_mrs(cap, mica_msginfo_new(2, 0, 0, 4), &m0, NULL, &m2, NULL);
    /* Longer than four words: MR4 on come from the IPC buffer. */
    b->msg[4] = 0x44;
    b->msg[5] = 0x55;
    m0 = 30, m1 = 31, m2 = 32, m3 = 33;
    mica_send_with_mrs(cap, mica_msginfo_new(3, 0, 0, 6), &m0, &m1, &m2, &m3);
    m0 = 40;
    mica_nbsend_with_mrs(cap, mica_msginfo_new(4, 0, 0, 1), &m0, NULL, NULL, NULL);
}

static void root_send_recv_with_mrs(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_spawn(send_with_mrs_worker, mint(ep, MICA_ALL_RIGHTS, 3), PRIO);
    for (int i = 0; i < 4; i++)
        b->msg[i] = SENTINEL;
    mica_word_t badge = 0, r0 = 1, r1 = 1, r2 = 1, r3 = 1;

    mica_msginfo_t info = mica_recv_with_mrs(ep, &badge, &r0, &r1, &r2, &r3);
    ck_assert_uint_eq(LABEL(info), 1);
    ck_assert_uint_eq(LENGTH(info), 4);
    ck_assert_uint_eq(badge, 3);
    ck_assert_uint_eq(r0, 10);
    ck_assert_uint_eq(r1, 11);
    ck_assert_uint_eq(r2, 12);
    ck_assert_uint_eq(r3, 13);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(b->msg[i], SENTINEL);     /* the buffer is left alone */

    info = mica_recv_with_mrs(ep, &badge, &r0, &r1, &r2, &r3);
    ck_assert_uint_eq(LABEL(info), 2);
    ck_assert_uint_eq(r0, 20);
    ck_assert_uint_eq(r1, 0);                       /* NULL on the sending side sends 0 */
    ck_assert_uint_eq(r2, 22);
    ck_assert_uint_eq(r3, 0);

    info = mica_recv(ep, &badge);
    ck_assert_uint_eq(LABEL(info), 3);
    ck_assert_uint_eq(LENGTH(info), 6);
    static const mica_word_t want[6] = { 30, 31, 32, 33, 0x44, 0x55 };
    for (int i = 0; i < 6; i++)
        ck_assert_uint_eq(mica_get_mr(i), want[i]);

    r1 = 0x77;
    info = mica_recv_with_mrs(ep, NULL, &r0, NULL, NULL, NULL);
    ck_assert_uint_eq(LABEL(info), 4);
    ck_assert_uint_eq(r0, 40);
    ck_assert_uint_eq(r1, 0x77);                    /* NULL on the receiving side: untouched */
    rec.done = 1;
}

START_TEST(send_and_recv_with_mrs_use_registers_only)
{
    RUN(root_send_recv_with_mrs);
}
END_TEST

static void mrs_server(mica_word_t cap)
{
    mica_word_t badge = 0, m0 = 0, m1 = 0, m2 = 0, m3 = 0;
    mica_msginfo_t info = mica_recv_with_mrs(cap, &badge, &m0, &m1, &m2, &m3);
    m0 += 1, m1 += 2, m2 += 3, m3 += 4;
    mica_reply_with_mrs(mica_msginfo_new(LABEL(info) + 1, 0, 0, 4), &m0, &m1, &m2, &m3);
    info = mica_recv_with_mrs(cap, &badge, &m0, &m1, &m2, &m3);
    for (;;) {
        m0 *= 2, m1 *= 2, m2 *= 2, m3 *= 2;
        info = mica_reply_recv_with_mrs(cap, mica_msginfo_new(LABEL(info) + badge, 0, 0, 4),
                                        &badge, &m0, &m1, &m2, &m3);
    }
}

static void root_call_with_mrs(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t badged = mint(ep, MICA_ALL_RIGHTS, 0x100);
    mt_spawn(mrs_server, ep, PRIO);
    let_workers_run();
    for (int i = 0; i < 4; i++)
        b->msg[i] = SENTINEL;

    /* Answered by mica_reply_with_mrs. */
    mica_word_t m0 = 1, m1 = 2, m2 = 3, m3 = 4;
    mica_msginfo_t info = mica_call_with_mrs(badged, mica_msginfo_new(7, 0, 0, 4),
                                             &m0, &m1, &m2, &m3);
    ck_assert_uint_eq(LABEL(info), 8);
    ck_assert_uint_eq(m0, 2);
    ck_assert_uint_eq(m1, 4);
    ck_assert_uint_eq(m2, 6);
    ck_assert_uint_eq(m3, 8);

    /* Answered by mica_reply_recv_with_mrs, twice. */
    for (int round = 0; round < 2; round++) {
        m0 = 5, m1 = 6, m2 = 7, m3 = 8;
        info = mica_call_with_mrs(badged, mica_msginfo_new(9, 0, 0, 4), &m0, &m1, &m2, &m3);
        ck_assert_uint_eq(LABEL(info), 9 + 0x100);
        ck_assert_uint_eq(m0, 10);
        ck_assert_uint_eq(m1, 12);
        ck_assert_uint_eq(m2, 14);
        ck_assert_uint_eq(m3, 16);
    }
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(b->msg[i], SENTINEL);
    rec.done = 1;
}

START_TEST(call_with_mrs_is_answered_by_reply_and_reply_recv_with_mrs)
{
    RUN(root_call_with_mrs);
}
END_TEST

static void recv_without_buffer(mica_word_t who)
{
    mica_word_t badge = 0, m[4] = { 0 };
    ck_assert_ptr_null(mica_get_ipc_buffer());
    rec.w_info[who] = mica_recv_with_mrs(g_cptr[who], &badge, &m[0], &m[1], &m[2], &m[3]);
    rec.w_mr0[who] = m[0] + m[1] + m[2] + m[3];
    rec.w_returned[who]++;
}

/* Receive on g_cptr[who] into registers only; record the tag and MR0..MR3's sum. */
static void recv_without_buffer_rights(mica_word_t who)
{
    mica_word_t badge = 0, m[4] = { 0 };
    rec.w_info[who] = mica_recv_with_mrs(g_cptr[who], &badge, &m[0], &m[1], &m[2], &m[3]);
    rec.w_mr0[who] = m[0] + m[1] + m[2] + m[3];
    rec.w_returned[who]++;
}

static void root_no_buffer(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    g_cptr[0] = ep;
    mica_cptr_t t = mt_spawn(recv_without_buffer, 0, PRIO);
    mt_assert_err(mica_tcb_set_ipc_buffer(t, 0, MICA_CAP_INIT_IPC_BUFFER), MICA_NO_ERROR);
    let_workers_run();
    for (int i = 0; i < 10; i++)
        mica_set_mr(i, (mica_word_t)i + 1);
    mica_set_cap(0, n);
    mica_send(ep, mica_msginfo_new(0x21, 0, 1, 10));
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[0]), 0x21);
    ck_assert_uint_eq(LENGTH(rec.w_info[0]), 4);    /* only the register MRs */
    ck_assert_uint_eq(EXTRA(rec.w_info[0]), 0);     /* and no caps */
    ck_assert_uint_eq(rec.w_mr0[0], 1 + 2 + 3 + 4);
    rec.done = 1;
}

START_TEST(receiver_without_ipc_buffer_gets_only_register_mrs)
{
    RUN(root_no_buffer);
}
END_TEST

static void send_ten_with_mrs(mica_word_t who)
{
    /* Registers only: without Read the buffer is the kernel's, and a task touching it faults. */
    mica_word_t m[4] = { 1, 2, 3, 4 };
    mica_send_with_mrs(g_cptr[who], mica_msginfo_new(0x22, 0, 0, 10), &m[0], &m[1], &m[2], &m[3]);
    rec.w_returned[who]++;
}

/* A thread whose IPC buffer is a frame cap with the given rights, buffer at a fresh vaddr. */
static mica_cptr_t spawn_with_buffer_rights(mt_entry_fn fn, mica_word_t who,
                                            mica_cap_rights_t rights)
{
    mica_cptr_t t = mt_spawn(fn, who, PRIO);
    mica_cptr_t frame = mint(mt_make(MICA_FRAME_OBJECT, 0), rights, 0);
    mt_assert_err(mica_tcb_set_ipc_buffer(t, MICA_ROOT_FREE_VADDR + 0x400, frame), MICA_NO_ERROR);
    return t;
}

/*
 * seL4: lookupIPCBuffer with maskVMRights. A receiver's buffer must be
 * Read+Write, a sender's at least Read; without Read a frame is kernel-only
 * (write-only does not exist) and is no buffer at all. checkValidIPCBuffer
 * looks at no rights, so TCB_SetIPCBuffer takes all of them.
 */
static void root_buffer_rights(const mica_bootinfo_t *bi)
{
    (void)bi;
    const mica_cap_rights_t rights[] = { MICA_READ_WRITE, MICA_CAN_READ, MICA_CAN_WRITE,
                                         MICA_NO_RIGHTS };
    /* Receivers: only the Read+Write buffer takes the words beyond MR3. */
    for (mica_word_t who = 0; who < 4; who++) {
        g_cptr[who] = mt_make(MICA_ENDPOINT_OBJECT, 0);
        spawn_with_buffer_rights(recv_without_buffer_rights, who, rights[who]);
    }
    let_workers_run();
    for (mica_word_t who = 0; who < 4; who++) {
        for (int i = 0; i < 10; i++)
            mica_set_mr(i, (mica_word_t)i + 1);
        mica_send(g_cptr[who], mica_msginfo_new(0x21, 0, 0, 10));
    }
    let_workers_run();
    for (mica_word_t who = 0; who < 4; who++) {
        ck_assert_int_eq(rec.w_returned[who], 1);
        ck_assert_uint_eq(LENGTH(rec.w_info[who]), who == 0 ? 10 : 4);
        ck_assert_uint_eq(rec.w_mr0[who], 1 + 2 + 3 + 4);
    }
    /* Senders: Read+Write and read-only buffers send all ten words, the others four. */
    for (mica_word_t who = 4; who < 8; who++) {
        g_cptr[who] = mt_make(MICA_ENDPOINT_OBJECT, 0);
        spawn_with_buffer_rights(send_ten_with_mrs, who, rights[who - 4]);
    }
    let_workers_run();
    for (mica_word_t who = 4; who < 8; who++) {
        mica_word_t badge = 0;
        mica_msginfo_t info = mica_recv(g_cptr[who], &badge);
        ck_assert_uint_eq(LABEL(info), 0x22);
        ck_assert_uint_eq(LENGTH(info), who < 6 ? 10 : 4);
        ck_assert_uint_eq(mica_get_mr(3), 4);
    }
    rec.done = 1;
}

START_TEST(an_ipc_buffer_needs_read_write_to_receive_and_read_to_send)
{
    RUN(root_buffer_rights);
}
END_TEST

/* --- capability transfer (IPCRIGHTS0003) -------------------------------------------- */

static void send_caps_worker(mica_word_t cap)
{
    for (mica_word_t i = 0; i < g_ncaps; i++)
        mica_set_cap((int)i, g_caps[i]);
    mica_set_mr(0, 0xda7a);
    mica_send(cap, mica_msginfo_new(0x77, 0, g_ncaps, 1));
    rec.w_returned[0]++;
}

/*
 * A worker sends caps[0..n) through send_cap; the root receives on recv_cap
 * with its receive slot at dest. The data always arrives.
 */
static mica_msginfo_t transfer(mica_cptr_t send_cap, mica_cptr_t recv_cap, mica_cptr_t dest,
                               mica_word_t n, const mica_cptr_t *caps)
{
    g_ncaps = n;
    for (mica_word_t i = 0; i < n; i++)
        g_caps[i] = caps[i];
    mt_spawn(send_caps_worker, send_cap, PRIO);
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    for (int i = 0; i < MICA_MSG_MAX_EXTRA_CAPS; i++)
        b->caps_or_badges[i] = SENTINEL;
    mica_set_cap_receive_path(CNODE, dest, DEPTH);
    mica_word_t badge = 0;
    mica_msginfo_t info = mica_recv(recv_cap, &badge);
    ck_assert_uint_eq(LABEL(info), 0x77);
    ck_assert_uint_eq(LENGTH(info), 1);
    ck_assert_uint_eq(mica_get_mr(0), 0xda7a);
    return info;
}

static void root_grant_transfer(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t nb = mint(n, MICA_ALL_RIGHTS, 0x8);
    mica_cptr_t dest = mt_slot();
    mica_msginfo_t info = transfer(mint(ep, MICA_ALL_RIGHTS, 0x11), ep, dest, 1, &nb);
    ck_assert_uint_eq(EXTRA(info), 1);
    ck_assert_uint_eq(UNWRAPPED(info), 0);
    ck_assert_int_eq(mica_debug_cap_identify(dest), MICA_CAP_TYPE_NOTIFICATION);
    ck_assert_int_eq(mica_debug_cap_identify(nb), MICA_CAP_TYPE_NOTIFICATION);  /* kept */
    /* The received cap names the same notification with the same badge. */
    mica_signal(dest);
    mica_word_t badge = 0;
    mica_poll(n, &badge);
    ck_assert_uint_eq(badge, 0x8);
    /* It is a CDT child of the sender's cap. */
    mt_assert_err(mica_cnode_revoke(CNODE, nb, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(dest), MICA_CAP_TYPE_NULL);

    /* The receive path may name a slot of another CNode, at that CNode's depth. */
    mica_cptr_t cn = mt_make(MICA_CNODE_OBJECT, 4);
    mica_cptr_t back = mt_slot();
    g_ncaps = 1;
    g_caps[0] = nb;
    mt_spawn(send_caps_worker, ep, PRIO);
    mica_set_cap_receive_path(cn, 3, 4);
    info = mica_recv(ep, &badge);
    ck_assert_uint_eq(EXTRA(info), 1);
    mt_assert_err(mica_cnode_move(CNODE, back, DEPTH, cn, 3, 4), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(back), MICA_CAP_TYPE_NOTIFICATION);
    rec.done = 1;
}

START_TEST(grant_transfers_a_cap_into_the_receive_slot)
{
    RUN(root_grant_transfer);
}
END_TEST

static void root_one_cap(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ep2 = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t n2 = mt_make(MICA_NOTIFICATION_OBJECT, 0);

    /* Two caps that need slots: only the first arrives. */
    mica_cptr_t dest = mt_slot();
    mica_cptr_t two[2] = { n, ep2 };
    mica_msginfo_t info = transfer(ep, ep, dest, 2, two);
    ck_assert_uint_eq(EXTRA(info), 1);
    ck_assert_int_eq(mica_debug_cap_identify(dest), MICA_CAP_TYPE_NOTIFICATION);

    /* The transfer stops at the second cap needing a slot, before an unwrappable one. */
    dest = mt_slot();
    mica_cptr_t three[3] = { n, n2, mint(ep, MICA_ALL_RIGHTS, 0x66) };
    info = transfer(ep, ep, dest, 3, three);
    ck_assert_uint_eq(EXTRA(info), 1);
    ck_assert_uint_eq(UNWRAPPED(info), 0);

    /* A cap to another endpoint is transferred, not unwrapped. */
    dest = mt_slot();
    mica_cptr_t other = mint(ep2, MICA_ALL_RIGHTS, 5);
    info = transfer(ep, ep, dest, 1, &other);
    ck_assert_uint_eq(EXTRA(info), 1);
    ck_assert_uint_eq(UNWRAPPED(info), 0);
    ck_assert_int_eq(mica_debug_cap_identify(dest), MICA_CAP_TYPE_ENDPOINT);
    rec.done = 1;
}

START_TEST(only_one_cap_is_received_per_message)
{
    RUN(root_one_cap);
}
END_TEST

static void root_no_slot(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);

    /* An occupied receive slot: nothing is placed, the occupant stays. */
    mica_cptr_t full = copy(ep);
    mica_msginfo_t info = transfer(ep, ep, full, 1, &n);
    ck_assert_uint_eq(EXTRA(info), 0);
    ck_assert_int_eq(mica_debug_cap_identify(full), MICA_CAP_TYPE_ENDPOINT);

    /* A receive path that does not name a CNode. */
    g_ncaps = 1;
    g_caps[0] = n;
    mt_spawn(send_caps_worker, ep, PRIO);
    mica_set_cap_receive_path(0, 0, 0);
    mica_word_t badge;
    info = mica_recv(ep, &badge);
    ck_assert_uint_eq(EXTRA(info), 0);
    ck_assert_uint_eq(mica_get_mr(0), 0xda7a);
    rec.done = 1;
}

START_TEST(no_usable_receive_slot_means_no_cap_but_the_data_arrives)
{
    RUN(root_no_slot);
}
END_TEST

static void root_no_grant(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t no_grant = mint(ep, mica_cap_rights_new(1, 0, 1, 1), 0);
    mica_cptr_t dest = mt_slot();
    mica_msginfo_t info = transfer(no_grant, ep, dest, 1, &n);
    ck_assert_uint_eq(EXTRA(info), 0);
    ck_assert_int_eq(mica_debug_cap_identify(dest), MICA_CAP_TYPE_NULL);
    /* Unwrapping needs Grant too. */
    mica_cptr_t self = mint(ep, MICA_ALL_RIGHTS, 0x66);
    info = transfer(no_grant, ep, dest, 1, &self);
    ck_assert_uint_eq(EXTRA(info), 0);
    ck_assert_uint_eq(UNWRAPPED(info), 0);
    rec.done = 1;
}

/* IPCRIGHTS0003: caps travel only through a cap with Grant. */
START_TEST(sending_caps_needs_grant)
{
    RUN(root_no_grant);
}
END_TEST

static void root_unwrap(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);

    /* A badged cap to the endpoint the message travels through becomes its badge. */
    mica_cptr_t dest = mt_slot();
    mica_cptr_t self = mint(ep, MICA_ALL_RIGHTS, 0x66);
    mica_msginfo_t info = transfer(mint(ep, MICA_ALL_RIGHTS, 0x11), ep, dest, 1, &self);
    ck_assert_uint_eq(EXTRA(info), 1);
    ck_assert_uint_eq(UNWRAPPED(info), 1);
    ck_assert_uint_eq(mica_get_badge(0), 0x66);
    ck_assert_int_eq(mica_debug_cap_identify(dest), MICA_CAP_TYPE_NULL);   /* no slot used */

    /* Unwrapped caps and one placed cap in one message. */
    mica_cptr_t mixed[3] = { self, n, mint(ep, MICA_ALL_RIGHTS, 0x99) };
    info = transfer(ep, ep, dest, 3, mixed);
    ck_assert_uint_eq(EXTRA(info), 3);
    ck_assert_uint_eq(UNWRAPPED(info), 5);
    ck_assert_uint_eq(mica_get_badge(0), 0x66);
    ck_assert_uint_eq(b->caps_or_badges[1], SENTINEL);
    ck_assert_uint_eq(mica_get_badge(2), 0x99);
    ck_assert_int_eq(mica_debug_cap_identify(dest), MICA_CAP_TYPE_NOTIFICATION);

    /* The unbadged original unwraps to badge 0. */
    dest = mt_slot();
    info = transfer(ep, ep, dest, 1, &ep);
    ck_assert_uint_eq(UNWRAPPED(info), 1);
    ck_assert_uint_eq(mica_get_badge(0), 0);
    rec.done = 1;
}

START_TEST(cap_to_the_receiving_endpoint_is_unwrapped_into_a_badge)
{
    RUN(root_unwrap);
}
END_TEST

static void root_late_lookup(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t doomed = copy(n);
    g_ncaps = 1;
    g_caps[0] = doomed;
    mt_spawn(send_caps_worker, ep, PRIO);
    let_workers_run();                                  /* the sender is queued */
    mt_assert_err(mica_cnode_delete(CNODE, doomed, DEPTH), MICA_NO_ERROR);
    mica_cptr_t dest = mt_slot();
    mica_set_cap_receive_path(CNODE, dest, DEPTH);
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(ep, &badge);
    ck_assert_uint_eq(EXTRA(info), 0);
    ck_assert_uint_eq(mica_get_mr(0), 0xda7a);
    ck_assert_int_eq(mica_debug_cap_identify(dest), MICA_CAP_TYPE_NULL);
    rec.done = 1;
}

START_TEST(extra_caps_are_looked_up_when_the_message_is_transferred)
{
    RUN(root_late_lookup);
}
END_TEST

/* --- CancelBadgedSends (CANCEL_BADGED_SENDS_0001/0002, CNODEOP0006) ---------------- */

static void root_cancel_badged_basic(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t b1 = mint(ep, MICA_ALL_RIGHTS, 1);
    mica_cptr_t b2 = mint(ep, MICA_ALL_RIGHTS, 2);
    mt_assert_err(mica_cnode_cancel_badged_sends(CNODE, mt_slot(), DEPTH),
                  MICA_ILLEGAL_OPERATION);
    mt_assert_err(mica_cnode_cancel_badged_sends(CNODE, mint(ep, MICA_READ_WRITE, 3), DEPTH),
                  MICA_ILLEGAL_OPERATION);
    mt_assert_err(mica_cnode_cancel_badged_sends(CNODE, b1, DEPTH), MICA_NO_ERROR);

    g_cptr[0] = b1;
    g_cptr[1] = b2;
    g_cptr[2] = b1;
    for (mica_word_t w = 0; w < 3; w++)
        mt_spawn(send_slot, w, PRIO - w);
    let_workers_run();                      /* queue: badge 1, badge 2, badge 1 */
    mt_assert_err(mica_cnode_cancel_badged_sends(CNODE, b1, DEPTH), MICA_NO_ERROR);
    /* Unbadged: nothing to cancel. */
    mt_assert_err(mica_cnode_cancel_badged_sends(CNODE, ep, DEPTH), MICA_NO_ERROR);
    /* The badge-2 sender stayed queued; the others restart and send again. */
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(ep, &badge);
    ck_assert_uint_eq(badge, 2);
    ck_assert_uint_eq(LABEL(info), 2);
    info = mica_recv(ep, &badge);
    ck_assert_uint_eq(badge, 1);
    ck_assert_uint_eq(LABEL(info), 1);
    info = mica_recv(ep, &badge);
    ck_assert_uint_eq(badge, 1);
    ck_assert_uint_eq(LABEL(info), 3);
    let_workers_run();
    for (int w = 0; w < 3; w++)
        ck_assert_int_eq(rec.w_returned[w], 1);
    rec.done = 1;
}

START_TEST(cancel_badged_sends_restarts_only_that_badge)
{
    RUN(root_cancel_badged_basic);
}
END_TEST

static void root_cancel_badged_revoke(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t bx = mint(ep, MICA_ALL_RIGHTS, 1);
    mica_cptr_t by = mint(ep, MICA_ALL_RIGHTS, 2);
    g_cptr[0] = copy(bx);
    g_cptr[1] = copy(bx);
    g_cptr[2] = copy(by);
    for (mica_word_t w = 0; w < 3; w++)
        mt_spawn(call_slot, w, PRIO - w);
    let_workers_run();                      /* three Calls queued */
    mt_assert_err(mica_cnode_revoke(CNODE, bx, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(g_cptr[0]), MICA_CAP_TYPE_NULL);
    mt_assert_err(mica_cnode_cancel_badged_sends(CNODE, bx, DEPTH), MICA_NO_ERROR);
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(ep, &badge);
    ck_assert_uint_eq(badge, 2);
    ck_assert_uint_eq(LABEL(info), 3);
    mica_reply(mica_msginfo_new(0x99, 0, 0, 0));
    let_workers_run();
    /* Exactly the badge-1 clients fail: their Calls restart on empty slots. */
    for (int w = 0; w < 2; w++) {
        ck_assert_int_eq(rec.w_returned[w], 1);
        ck_assert_uint_eq(LABEL(rec.w_info[w]), MICA_INVALID_CAPABILITY);
    }
    ck_assert_int_eq(rec.w_returned[2], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[2]), 0x99);
    rec.done = 1;
}

START_TEST(revoke_and_cancel_badged_sends_fail_exactly_that_badges_clients)
{
    RUN(root_cancel_badged_revoke);
}
END_TEST

/* --- deleting a busy endpoint ---------------------------------------------------- */

static void root_delete_senders(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[0] = g_cptr[1] = ep;
    mt_spawn(call_slot, 0, PRIO);
    mt_spawn(send_slot, 1, PRIO - 1);
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0] + rec.w_returned[1], 0);
    mt_assert_err(mica_cnode_delete(CNODE, ep, DEPTH), MICA_NO_ERROR);
    let_workers_run();
    /* Restarted on an empty slot: the Call gets InvalidCapability, the Send is dropped. */
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[0]), MICA_INVALID_CAPABILITY);
    ck_assert_uint_eq(LENGTH(rec.w_info[0]), 1);
    ck_assert_uint_eq(rec.w_mr0[0], 0);         /* the invoked cap was the faulty one */
    ck_assert_int_eq(rec.w_returned[1], 1);
    rec.done = 1;
}

START_TEST(deleting_an_endpoint_restarts_its_queued_senders)
{
    RUN(root_delete_senders);
}
END_TEST

static void root_delete_receivers(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[0] = ep;
    mica_cptr_t t = mt_spawn(recv_slot, 0, PRIO);
    let_workers_run();
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_RECEIVE);
    mt_assert_err(mica_cnode_delete(CNODE, ep, DEPTH), MICA_NO_ERROR);
    let_workers_run();
    /* Its restarted Recv meets an empty slot: a cap fault, and it has no handler. */
    ck_assert_int_eq(rec.w_returned[0], 0);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
    rec.done = 1;
}

static void root_delete_queued_sender(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[0] = g_cptr[1] = g_cptr[2] = ep;
    mt_spawn(send_slot, 0, PRIO);
    mica_cptr_t t1 = mt_spawn(send_slot, 1, PRIO - 1);
    mt_spawn(send_slot, 2, PRIO - 2);
    let_workers_run();
    mt_assert_err(mica_cnode_delete(CNODE, t1, DEPTH), MICA_NO_ERROR);
    mica_word_t badge;
    ck_assert_uint_eq(LABEL(mica_recv(ep, &badge)), 1);
    ck_assert_uint_eq(LABEL(mica_recv(ep, &badge)), 3);    /* the middle one is gone */
    ck_assert_uint_eq(mica_nbrecv(ep, &badge).words[0], 0);
    rec.done = 1;
}

START_TEST(deleting_a_queued_senders_tcb_takes_its_message_off_the_queue)
{
    RUN(root_delete_queued_sender);
}
END_TEST

START_TEST(deleting_an_endpoint_restarts_its_queued_receivers)
{
    RUN(root_delete_receivers);
}
END_TEST

/* --- IPC rights (IPCRIGHTS0001-0005) ----------------------------------------------- */

static void root_send_needs_write(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t no_write = mint(ep, MICA_NO_WRITE, 0);
    g_cptr[0] = g_cptr[1] = no_write;
    mt_spawn(send_slot, 0, PRIO);
    mt_spawn(call_slot, 1, PRIO - 1);
    mica_nbsend(no_write, mica_msginfo_new(3, 0, 0, 0));
    let_workers_run();
    /* Neither blocked: the Send vanished, the Call got an error. */
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_int_eq(rec.w_returned[1], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[1]), MICA_INVALID_CAPABILITY);
    mica_word_t badge = 0xdead;
    mica_msginfo_t info = mica_nbrecv(ep, &badge);
    ck_assert_uint_eq(info.words[0], 0);
    ck_assert_uint_eq(badge, 0);
    rec.done = 1;
}

/* IPCRIGHTS0001 */
START_TEST(send_without_write_is_silently_dropped)
{
    RUN(root_send_needs_write);
}
END_TEST

static void root_recv_needs_read(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[0] = mint(ep, MICA_NO_READ, 0);
    mica_cptr_t t = mt_spawn(recv_slot, 0, PRIO);
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 0);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);  /* faulted, no handler */
    /* It never reached the endpoint's queue. */
    mica_nbsend(ep, mica_msginfo_new(1, 0, 0, 0));
    mica_word_t badge = 0xdead;
    ck_assert_uint_eq(mica_nbrecv(ep, &badge).words[0], 0);
    rec.done = 1;
}

/* IPCRIGHTS0002 */
START_TEST(recv_without_read_faults_the_receiver)
{
    RUN(root_recv_needs_read);
}
END_TEST

static void root_call_needs_grant(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t rw = mint(ep, MICA_READ_WRITE, 0);
    mica_cptr_t s = mt_slot();
    mica_word_t badge;

    /* The receiver waits first. */
    g_cptr[0] = rw;
    mica_cptr_t t0 = mt_spawn(call_slot, 0, PRIO);
    mica_msginfo_t info = mica_recv(ep, &badge);
    ck_assert_uint_eq(LABEL(info), 1);
    ck_assert_uint_eq(mica_get_mr(0), 100);             /* the message still arrives */
    ck_assert_uint_eq(mt_thread_state(t0), MICA_THREAD_INACTIVE);
    mt_assert_err(mica_cnode_save_caller(CNODE, s, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_NULL);   /* no reply cap */

    /* The caller waits first. */
    g_cptr[1] = rw;
    mica_cptr_t t1 = mt_spawn(call_slot, 1, PRIO);
    let_workers_run();
    ck_assert_uint_eq(mt_thread_state(t1), MICA_THREAD_BLOCKED_ON_SEND);
    info = mica_recv(ep, &badge);
    ck_assert_uint_eq(LABEL(info), 2);
    ck_assert_uint_eq(mt_thread_state(t1), MICA_THREAD_INACTIVE);
    mica_reply(mica_msginfo_new(0x50, 0, 0, 0));        /* nobody to answer */

    /* GrantReply alone, or Grant alone, is enough. */
    g_cptr[2] = mint(ep, mica_cap_rights_new(1, 0, 0, 1), 0);
    g_cptr[3] = mint(ep, mica_cap_rights_new(0, 1, 0, 1), 0);
    for (mica_word_t w = 2; w < 4; w++) {
        mt_spawn(call_slot, w, PRIO);
        info = mica_recv(ep, &badge);
        ck_assert_uint_eq(LABEL(info), w + 1);
        mica_reply(mica_msginfo_new(0x50 + w, 0, 0, 0));
    }
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0] + rec.w_returned[1], 0);
    for (int w = 2; w < 4; w++) {
        ck_assert_int_eq(rec.w_returned[w], 1);
        ck_assert_uint_eq(LABEL(rec.w_info[w]), 0x50 + (mica_word_t)w);
    }
    rec.done = 1;
}

/* IPCRIGHTS0004 */
START_TEST(call_without_grant_or_grant_reply_leaves_the_caller_inactive)
{
    RUN(root_call_needs_grant);
}
END_TEST

static void call_for_cap(mica_word_t who)
{
    mica_set_cap_receive_path(CNODE, g_recv_slot[who], DEPTH);
    rec.w_info[who] = mica_call(g_cptr[who], mica_msginfo_new(who + 1, 0, 0, 0));
    rec.w_returned[who]++;
}

static void root_reply_grant(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    /* The server's Recv cap: with Grant, then without. */
    mica_cptr_t server_cap[2] = { ep, mint(ep, mica_cap_rights_new(1, 0, 1, 1), 0) };
    for (mica_word_t w = 0; w < 2; w++) {
        g_cptr[w] = ep;
        g_recv_slot[w] = mt_slot();
        mt_spawn(call_for_cap, w, PRIO);
        mica_word_t badge;
        mica_msginfo_t info = mica_recv(server_cap[w], &badge);
        ck_assert_uint_eq(LABEL(info), w + 1);
        mica_set_cap(0, n);
        mica_reply(mica_msginfo_new(0x40, 0, 1, 0));
        let_workers_run();
        ck_assert_int_eq(rec.w_returned[w], 1);
        ck_assert_uint_eq(LABEL(rec.w_info[w]), 0x40);
    }
    ck_assert_uint_eq(EXTRA(rec.w_info[0]), 1);
    ck_assert_int_eq(mica_debug_cap_identify(g_recv_slot[0]), MICA_CAP_TYPE_NOTIFICATION);
    ck_assert_uint_eq(EXTRA(rec.w_info[1]), 0);
    ck_assert_int_eq(mica_debug_cap_identify(g_recv_slot[1]), MICA_CAP_TYPE_NULL);
    rec.done = 1;
}

/* IPCRIGHTS0005 */
START_TEST(reply_carries_caps_only_if_the_servers_recv_cap_had_grant)
{
    RUN(root_reply_grant);
}
END_TEST

/* --- suspending a caller (IPC0010) ------------------------------------------------- */

static void root_suspend_in_call(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_word_t badge;
    mica_msginfo_t info;

    /* Suspended while queued in the send phase: it leaves the queue. */
    g_cptr[0] = ep;
    mica_cptr_t t0 = mt_spawn(call_slot, 0, PRIO);
    let_workers_run();
    ck_assert_uint_eq(mt_thread_state(t0), MICA_THREAD_BLOCKED_ON_SEND);
    mt_assert_err(mica_tcb_suspend(t0), MICA_NO_ERROR);
    ck_assert_uint_eq(mt_thread_state(t0), MICA_THREAD_INACTIVE);
    ck_assert_uint_eq(mica_nbrecv(ep, &badge).words[0], 0);
    /* Resumed, it makes its Call again. */
    mt_assert_err(mica_tcb_resume(t0), MICA_NO_ERROR);
    info = mica_recv(ep, &badge);
    ck_assert_uint_eq(LABEL(info), 1);
    mica_reply(mica_msginfo_new(0x71, 0, 0, 0));
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[0]), 0x71);

    /* Suspended while waiting for the reply: the server's reply cap goes. */
    g_cptr[1] = ep;
    mica_cptr_t t1 = mt_spawn(call_slot, 1, PRIO);
    info = mica_recv(ep, &badge);
    ck_assert_uint_eq(LABEL(info), 2);
    ck_assert_uint_eq(mt_thread_state(t1), MICA_THREAD_BLOCKED_ON_REPLY);
    mt_assert_err(mica_tcb_suspend(t1), MICA_NO_ERROR);
    ck_assert_uint_eq(mt_thread_state(t1), MICA_THREAD_INACTIVE);
    mica_cptr_t s = mt_slot();
    mt_assert_err(mica_cnode_save_caller(CNODE, s, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_NULL);
    mica_reply(mica_msginfo_new(0x72, 0, 0, 0));        /* nothing to reply to */
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[1], 0);
    /* Resumed, it calls again and this time gets its answer. */
    mt_assert_err(mica_tcb_resume(t1), MICA_NO_ERROR);
    info = mica_recv(ep, &badge);
    ck_assert_uint_eq(LABEL(info), 2);
    mica_reply(mica_msginfo_new(0x73, 0, 0, 0));
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[1], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[1]), 0x73);
    rec.done = 1;
}

/* IPC0010 */
START_TEST(suspending_a_thread_mid_call_cancels_the_call)
{
    RUN(root_suspend_in_call);
}
END_TEST

/* --- Call through the fast path ------------------------------------------------------- */

static void serve_once(mica_word_t who)
{
    mica_word_t badge = 0;
    mica_msginfo_t info = mica_recv(g_cptr[who], &badge);
    log_msg((int)who, info, badge);
    mica_set_mr(0, 0x900 + who);
    mica_reply(mica_msginfo_new(0x90 + who, 0, 0, 1));
}

static void root_call_fifo_servers(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    for (mica_word_t w = 0; w < 3; w++) {
        g_cptr[w] = ep;
        mt_spawn(serve_once, w, PRIO - w);
    }
    let_workers_run();                      /* three servers wait, 0 first */
    for (mica_word_t i = 0; i < 3; i++) {
        mica_set_mr(0, 0x50 + i);
        mica_msginfo_t info = mica_call(ep, mica_msginfo_new(0x80 + i, 0, 0, 1));
        ck_assert_uint_eq(LABEL(info), 0x90 + i);
        ck_assert_uint_eq(mica_get_mr(0), 0x900 + i);
    }
    ck_assert_int_eq(rec.n, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(rec.log_who[i], i);
        ck_assert_uint_eq(LABEL(rec.log_info[i]), 0x80 + (mica_word_t)i);
        ck_assert_uint_eq(rec.log_mr0[i], 0x50 + (mica_word_t)i);
    }
    rec.done = 1;
}

START_TEST(calls_reach_queued_servers_in_fifo_order)
{
    RUN(root_call_fifo_servers);
}
END_TEST

/* Answer without caps by ReplyRecv, then answer the next call with a cap. */
static void reply_recv_then_cap_server(mica_word_t who)
{
    mica_word_t badge;
    mica_recv(g_cptr[who], &badge);
    mica_reply_recv(g_cptr[who], mica_msginfo_new(0x11, 0, 0, 0), &badge);
    mica_set_cap(0, g_caps[0]);
    mica_reply(mica_msginfo_new(0x12, 0, 1, 0));
    mica_recv(g_cptr[who], &badge);
}

static void root_reply_grant_fast_rounds(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    g_caps[0] = n;
    for (int with_grant = 1; with_grant >= 0; with_grant--) {
        mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
        mica_cptr_t server_cap = with_grant ? ep : mint(ep, mica_cap_rights_new(1, 0, 1, 1), 0);
        g_cptr[with_grant] = server_cap;
        mt_spawn(reply_recv_then_cap_server, (mica_word_t)with_grant, PRIO);
        let_workers_run();
        mica_cptr_t dest = mt_slot();
        mica_set_cap_receive_path(CNODE, dest, DEPTH);
        mica_msginfo_t info = mica_call(ep, mica_msginfo_new(1, 0, 0, 0));
        ck_assert_uint_eq(LABEL(info), 0x11);
        info = mica_call(ep, mica_msginfo_new(2, 0, 0, 0));
        ck_assert_uint_eq(LABEL(info), 0x12);
        /* The server's second wait was a ReplyRecv: its cap's Grant still decides. */
        ck_assert_uint_eq(EXTRA(info), (mica_word_t)with_grant);
        ck_assert_int_eq(mica_debug_cap_identify(dest),
                         with_grant ? MICA_CAP_TYPE_NOTIFICATION : MICA_CAP_TYPE_NULL);
    }
    rec.done = 1;
}

/* IPCRIGHTS0005 through ReplyRecv. */
START_TEST(reply_grant_comes_from_the_cap_used_in_reply_recv)
{
    RUN(root_reply_grant_fast_rounds);
}
END_TEST

/* --- reply caps and the lifetime of callers ------------------------------------------ */

static void root_saved_reply_follows_caller(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_word_t badge;

    /* A saved reply cap is deleted when its caller is suspended. */
    g_cptr[0] = ep;
    mica_cptr_t t0 = mt_spawn(call_slot, 0, PRIO);
    mica_recv(ep, &badge);
    mica_cptr_t saved = mt_slot();
    mt_assert_err(mica_cnode_save_caller(CNODE, saved, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_suspend(t0), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(saved), MICA_CAP_TYPE_NULL);

    /* ... and when its caller's TCB is destroyed. */
    g_cptr[1] = ep;
    mica_cptr_t t1 = mt_spawn(call_slot, 1, PRIO);
    mica_recv(ep, &badge);
    mt_assert_err(mica_cnode_save_caller(CNODE, saved, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(saved), MICA_CAP_TYPE_REPLY);
    mt_assert_err(mica_cnode_delete(CNODE, t1, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(saved), MICA_CAP_TYPE_NULL);

    /* An unsaved one (in the caller slot) goes the same way. */
    g_cptr[2] = ep;
    mica_cptr_t t2 = mt_spawn(call_slot, 2, PRIO);
    mica_recv(ep, &badge);
    mt_assert_err(mica_cnode_delete(CNODE, t2, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_save_caller(CNODE, saved, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(saved), MICA_CAP_TYPE_NULL);
    mica_reply(mica_msginfo_new(1, 0, 0, 0));               /* nothing to reply to */

    /* A Call on a reply cap answers the caller and returns an empty message. */
    g_cptr[3] = ep;
    mt_spawn(call_slot, 3, PRIO);
    mica_recv(ep, &badge);
    mt_assert_err(mica_cnode_save_caller(CNODE, saved, DEPTH), MICA_NO_ERROR);
    mica_set_mr(0, 0x3333);
    mica_msginfo_t info = mica_call(saved, mica_msginfo_new(0x74, 0, 0, 1));
    ck_assert_uint_eq(info.words[0], 0);
    ck_assert_int_eq(mica_debug_cap_identify(saved), MICA_CAP_TYPE_NULL);
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0] + rec.w_returned[1] + rec.w_returned[2], 0);
    ck_assert_int_eq(rec.w_returned[3], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[3]), 0x74);
    ck_assert_uint_eq(rec.w_mr0[3], 0x3333);
    rec.done = 1;
}

START_TEST(reply_caps_die_with_their_caller)
{
    RUN(root_saved_reply_follows_caller);
}
END_TEST

static void root_reply_outlives_endpoint(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[0] = copy(ep);
    mt_spawn(call_slot, 0, PRIO);
    mica_word_t badge;
    mica_recv(ep, &badge);
    mt_assert_err(mica_cnode_revoke(CNODE, ep, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(CNODE, ep, DEPTH), MICA_NO_ERROR);
    mica_reply(mica_msginfo_new(0x75, 0, 0, 0));
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[0]), 0x75);
    rec.done = 1;
}

START_TEST(reply_works_after_the_endpoint_is_deleted)
{
    RUN(root_reply_outlives_endpoint);
}
END_TEST

static void root_nbrecv_and_wait_vs_caller(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t s = mt_slot();
    mica_word_t badge;

    /* Waiting on a notification keeps the reply cap. */
    g_cptr[0] = ep;
    mt_spawn(call_slot, 0, PRIO);
    mica_recv(ep, &badge);
    mica_signal(n);
    mica_wait(n, &badge);
    mica_poll(n, &badge);
    mica_reply(mica_msginfo_new(0x76, 0, 0, 0));
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[0]), 0x76);

    /* An NBRecv on an endpoint, even one that finds nothing, discards it. */
    g_cptr[1] = ep;
    mica_cptr_t t1 = mt_spawn(call_slot, 1, PRIO);
    mica_recv(ep, &badge);
    ck_assert_uint_eq(mica_nbrecv(ep, &badge).words[0], 0);
    mt_assert_err(mica_cnode_save_caller(CNODE, s, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_NULL);
    ck_assert_uint_eq(mt_thread_state(t1), MICA_THREAD_BLOCKED_ON_REPLY);
    mt_assert_err(mica_tcb_suspend(t1), MICA_NO_ERROR);    /* it would wait forever */
    rec.done = 1;
}

START_TEST(nbrecv_discards_an_unsaved_reply_cap_but_wait_does_not)
{
    RUN(root_nbrecv_and_wait_vs_caller);
}
END_TEST

/* --- other address spaces (IPC1001-1002) --------------------------------------------- */

static void foreign_sender(mica_word_t cap)
{
    /* cap is a CPtr in this thread's own CSpace, meaningless in the root's. */
    for (mica_word_t k = 0; k < N_LENGTHS; k++) {
        for (mica_word_t i = 0; i < lengths[k]; i++)
            mica_set_mr((int)i, pattern(k, i));
        mica_send(cap, mica_msginfo_new(0x400 + k, 0, 0, lengths[k]));
    }
    for (mica_word_t k = 0; k < N_LENGTHS; k++) {
        for (mica_word_t i = 0; i < lengths[k]; i++)
            mica_set_mr((int)i, pattern(k, i));
        mica_msginfo_t info = mica_call(cap, mica_msginfo_new(0x500 + k, 0, 0, lengths[k]));
        rec.w_mr0[0] += LABEL(info) == 0x600 + k;
        for (mica_word_t i = 0; i < lengths[k]; i++)
            rec.w_badge[0] += mica_get_mr((int)i) != ~pattern(k, i);   /* mismatches */
    }
    rec.w_returned[0]++;
}

static void root_foreign_spaces(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    /* A 16-slot CNode whose 60-bit guard makes slot numbers CPtrs at depth 64. */
    mica_cptr_t cn = mt_make(MICA_CNODE_OBJECT, 4);
    mt_assert_err(mica_cnode_mint(cn, 7, 4, CNODE, ep, DEPTH, MICA_ALL_RIGHTS, 0xf0),
                  MICA_NO_ERROR);
    mica_cptr_t vs = mt_make(MICA_VSPACE_OBJECT, 0);
    mica_cptr_t t = mt_spawn(foreign_sender, 7, PRIO);
    mt_assert_err(mica_tcb_set_space(t, 0, cn, mica_cnode_capdata_new(0, 60), vs, 0),
                  MICA_NO_ERROR);
    for (mica_word_t k = 0; k < N_LENGTHS; k++) {
        mica_word_t badge = 0;
        mica_msginfo_t info = mica_recv(ep, &badge);
        ck_assert_uint_eq(badge, 0xf0);
        ck_assert_uint_eq(LABEL(info), 0x400 + k);
        ck_assert_uint_eq(LENGTH(info), lengths[k]);
        for (mica_word_t i = 0; i < lengths[k]; i++)
            ck_assert_uint_eq(mica_get_mr((int)i), pattern(k, i));
    }
    for (mica_word_t k = 0; k < N_LENGTHS; k++) {
        mica_word_t badge = 0;
        mica_msginfo_t info = mica_recv(ep, &badge);
        ck_assert_uint_eq(LABEL(info), 0x500 + k);
        for (mica_word_t i = 0; i < lengths[k]; i++)
            mica_set_mr((int)i, ~mica_get_mr((int)i));
        mica_reply(mica_msginfo_new(0x600 + k, 0, 0, lengths[k]));
    }
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_uint_eq(rec.w_mr0[0], N_LENGTHS);     /* every reply label right */
    ck_assert_uint_eq(rec.w_badge[0], 0);           /* no MR mismatch */
    rec.done = 1;
}

/* IPC1001/IPC1002: Send+Recv and Call+Reply with a thread in another CSpace and VSpace. */
START_TEST(ipc_works_across_cspaces_and_vspaces)
{
    RUN(root_foreign_spaces);
}
END_TEST

/* --- caps that cannot be transferred --------------------------------------------------- */

static void root_underivable_caps(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t server_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_msginfo_t info;

    /* A reply cap (saved from a Call) cannot be derived. */
    g_cptr[1] = server_ep;
    mica_cptr_t caller = mt_spawn(call_slot, 1, PRIO);
    mica_word_t badge;
    mica_recv(server_ep, &badge);
    mica_cptr_t reply = mt_slot();
    mt_assert_err(mica_cnode_save_caller(CNODE, reply, DEPTH), MICA_NO_ERROR);
    mica_cptr_t dest = mt_slot();
    info = transfer(ep, ep, dest, 1, &reply);
    ck_assert_uint_eq(EXTRA(info), 0);
    ck_assert_int_eq(mica_debug_cap_identify(dest), MICA_CAP_TYPE_NULL);
    ck_assert_int_eq(mica_debug_cap_identify(reply), MICA_CAP_TYPE_REPLY);

    /* Neither can the IRQ control cap. */
    mica_cptr_t irq = MICA_CAP_IRQ_CONTROL;
    info = transfer(ep, ep, dest, 1, &irq);
    ck_assert_uint_eq(EXTRA(info), 0);
    ck_assert_int_eq(mica_debug_cap_identify(dest), MICA_CAP_TYPE_NULL);

    /* An untyped with children: it would need a revoke first. */
    mica_cptr_t ut = mt_untyped();
    info = transfer(ep, ep, dest, 1, &ut);
    ck_assert_uint_eq(EXTRA(info), 0);
    ck_assert_int_eq(mica_debug_cap_identify(dest), MICA_CAP_TYPE_NULL);

    /* A cap that can be derived, after one that cannot, still is not sent. */
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t two[2] = { irq, n };
    info = transfer(ep, ep, dest, 2, two);
    ck_assert_uint_eq(EXTRA(info), 0);
    ck_assert_int_eq(mica_debug_cap_identify(dest), MICA_CAP_TYPE_NULL);

    /* A TCB cap travels fine. */
    info = transfer(ep, ep, dest, 1, &caller);
    ck_assert_uint_eq(EXTRA(info), 1);
    ck_assert_int_eq(mica_debug_cap_identify(dest), MICA_CAP_TYPE_TCB);
    mica_send(reply, mica_msginfo_new(0, 0, 0, 0));
    rec.done = 1;
}

START_TEST(caps_that_cannot_be_derived_are_not_transferred)
{
    RUN(root_underivable_caps);
}
END_TEST

/* --- priorities ------------------------------------------------------------------------- */

static void logged_send(mica_word_t who)
{
    mica_send(g_cptr[who], mica_msginfo_new(who + 1, 0, 0, 0));
    log_msg((int)who, mica_msginfo_new(0, 0, 0, 0), 0);     /* "the sender went on" */
}

static void logged_recv(mica_word_t who)
{
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(g_cptr[who], &badge);
    log_msg((int)who, info, badge);
}

static void root_ipc_priority(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    /* Receiver 0 above sender 1: the Send switches to the receiver at once. */
    g_cptr[0] = g_cptr[1] = ep;
    mt_spawn(logged_recv, 0, PRIO + 10);
    mt_spawn(logged_send, 1, PRIO);
    let_workers_run();
    ck_assert_int_eq(rec.n, 2);
    ck_assert_int_eq(rec.log_who[0], 0);
    ck_assert_int_eq(rec.log_who[1], 1);
    /* Receiver 2 below sender 3: the sender carries on first. */
    g_cptr[2] = g_cptr[3] = ep;
    mt_spawn(logged_recv, 2, PRIO - 10);
    let_workers_run();
    mt_spawn(logged_send, 3, PRIO);
    let_workers_run();
    ck_assert_int_eq(rec.n, 4);
    ck_assert_int_eq(rec.log_who[2], 3);
    ck_assert_int_eq(rec.log_who[3], 2);
    rec.done = 1;
}

/* SCHED0006: a Send wakes a higher-priority receiver straight away. */
START_TEST(send_switches_to_a_higher_priority_receiver_only)
{
    RUN(root_ipc_priority);
}
END_TEST

/* --------------------------------------------------------------------------------- */


/* --- the log's wrong-cap-type hint ------------------------------------------ */

static void page_map_on_an_endpoint_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_cptr_t ep = bi->empty.start;
    ck_assert_int_eq(mica_untyped_retype(bi->untyped.start, MICA_ENDPOINT_OBJECT, 0, CNODE, 0, 0,
                                         ep, 1), MICA_NO_ERROR);
    /* Meant for a frame: on an endpoint it is a Call with label Page_Map that nobody receives. */
    mica_page_map(ep, MICA_CAP_INIT_VSPACE, 0x10000000, MICA_READ_WRITE, 0);
}

START_TEST(an_invocation_sent_to_an_endpoint_is_called_out_in_the_log)
{
    static char space[sizeof(mica_trace_ring_t) + 65536];
    mica_trace_ring_t *ring = (mica_trace_ring_t *)space;
    ring->written = 0;
    ring->size = 65536;
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.trace_ring = ring;
    cfg.quiet = 1;
    mica_run_result_t r;
    ck_assert_int_eq(mica_run(&cfg, page_map_on_an_endpoint_root, NULL, &r), 0);
    ck_assert_int_eq(r.reason, MICA_STOP_DEADLOCK);
    static char text[65536];
    mica_trace_ring_tail(ring, 1000, text, sizeof text);
    char want[160];
    snprintf(want, sizeof want, "root: label %d = Page_Map sent to an endpoint: on an endpoint "
             "an invocation is an ordinary message", MICA_PAGE_MAP);
    ck_assert_msg(strstr(text, want), "no hint in:\n%s", text);
    ck_assert_ptr_null(strstr(strstr(text, want) + 1, want));      /* once */
}
END_TEST

static Suite *endpoint_suite(void)
{
    Suite *s = suite_create("endpoint");
    TCase *tc;

    tc = mt_tcase(s, "send_recv");
    tcase_add_test(tc, send_recv_delivers_every_length_label_and_badge);
    tcase_add_test(tc, overlong_message_is_cut_to_120_words_and_label_travels_whole);
    tcase_add_test(tc, send_blocks_until_a_receiver_takes_the_message);
    tcase_add_test(tc, queued_senders_are_received_in_fifo_order);
    tcase_add_test(tc, queued_receivers_are_served_in_fifo_order);
    tcase_add_test(tc, ipc_works_across_cspaces_and_vspaces);
    tcase_add_test(tc, send_switches_to_a_higher_priority_receiver_only);

    tc = mt_tcase(s, "nbsend");
    tcase_add_test(tc, nbsend_without_a_waiting_receiver_drops_the_message);
    tcase_add_test(tc, nbsend_reaches_a_waiting_receiver);

    tc = mt_tcase(s, "nbrecv");
    tcase_add_test(tc, nbrecv_with_nothing_pending_returns_badge_0_and_msginfo_0);
    tcase_add_test(tc, nbrecv_takes_a_queued_sender);

    tc = mt_tcase(s, "call_reply_recv");
    tcase_add_test(tc, call_and_reply_recv_round_trip_every_length);
    tcase_add_test(tc, sim_counters_read_mid_run_count_calls_and_copied_words);
    tcase_add_test(tc, calls_reach_queued_servers_in_fifo_order);
    tcase_add_test(tc, reply_grant_comes_from_the_cap_used_in_reply_recv);

    tc = mt_tcase(s, "reply");
    tcase_add_test(tc, reply_then_recv_answers_calls_and_ignores_sends);
    tcase_add_test(tc, reply_cap_is_one_shot_and_a_second_reply_does_nothing);
    tcase_add_test(tc, save_caller_then_send_on_the_saved_reply_cap);
    tcase_add_test(tc, a_new_recv_discards_an_unsaved_reply_cap);
    tcase_add_test(tc, nbrecv_discards_an_unsaved_reply_cap_but_wait_does_not);
    tcase_add_test(tc, reply_caps_die_with_their_caller);
    tcase_add_test(tc, reply_works_after_the_endpoint_is_deleted);
    tcase_add_test(tc, deadlock_report_does_not_invent_the_holder_of_a_saved_reply_cap);

    tc = mt_tcase(s, "with_mrs");
    tcase_add_test(tc, send_and_recv_with_mrs_use_registers_only);
    tcase_add_test(tc, call_with_mrs_is_answered_by_reply_and_reply_recv_with_mrs);
    tcase_add_test(tc, receiver_without_ipc_buffer_gets_only_register_mrs);
    tcase_add_test(tc, an_ipc_buffer_needs_read_write_to_receive_and_read_to_send);

    tc = mt_tcase(s, "cap_transfer");
    tcase_add_test(tc, grant_transfers_a_cap_into_the_receive_slot);
    tcase_add_test(tc, only_one_cap_is_received_per_message);
    tcase_add_test(tc, no_usable_receive_slot_means_no_cap_but_the_data_arrives);
    tcase_add_test(tc, sending_caps_needs_grant);
    tcase_add_test(tc, cap_to_the_receiving_endpoint_is_unwrapped_into_a_badge);
    tcase_add_test(tc, extra_caps_are_looked_up_when_the_message_is_transferred);
    tcase_add_test(tc, caps_that_cannot_be_derived_are_not_transferred);

    tc = mt_tcase(s, "cancel_badged_sends");
    tcase_add_test(tc, cancel_badged_sends_restarts_only_that_badge);
    tcase_add_test(tc, revoke_and_cancel_badged_sends_fail_exactly_that_badges_clients);

    tc = mt_tcase(s, "delete");
    tcase_add_test(tc, deleting_an_endpoint_restarts_its_queued_senders);
    tcase_add_test(tc, deleting_an_endpoint_restarts_its_queued_receivers);
    tcase_add_test(tc, deleting_a_queued_senders_tcb_takes_its_message_off_the_queue);

    tc = mt_tcase(s, "rights");
    tcase_add_test(tc, send_without_write_is_silently_dropped);
    tcase_add_test(tc, recv_without_read_faults_the_receiver);
    tcase_add_test(tc, call_without_grant_or_grant_reply_leaves_the_caller_inactive);
    tcase_add_test(tc, reply_carries_caps_only_if_the_servers_recv_cap_had_grant);

    tc = mt_tcase(s, "suspend");
    tcase_add_test(tc, suspending_a_thread_mid_call_cancels_the_call);
    tcase_add_test(tc, an_invocation_sent_to_an_endpoint_is_called_out_in_the_log);
    return s;
}

MICA_TEST_MAIN(endpoint_suite)
