/*
 * test_notification.c - notifications: Signal ORs badges into the word,
 * Wait blocks and returns it, Poll never blocks, waiters are woken one per
 * signal in FIFO order, binding to a TCB (delivery to a thread blocked in
 * Recv on an endpoint, ordering against messages, the binding rules), and
 * deleting a notification that has waiters or a bound thread.
 *
 * sel4test: SYSCALL0004 (Signal), SYSCALL0013 (Wait), BIND0001-0004,
 * NBWAIT0001 (Poll).
 *
 * The root runs at priority 255 and its workers below; let_workers_run()
 * drops the root below them until they have all blocked or exited.
 */
#include <string.h>
#include "harness.h"
#include "cap.h"
#include "thread.h"

#define PRIO 100
#define N_WORKERS 8
#define MAX_LOG 16

static struct {
    mica_word_t w_badge[N_WORKERS];
    mica_msginfo_t w_info[N_WORKERS];
    int w_returned[N_WORKERS];
    int n;
    int log_who[MAX_LOG];
    mica_msginfo_t log_info[MAX_LOG];
    mica_word_t log_badge[MAX_LOG];
    int done;
} rec;

static mica_cptr_t g_cptr[N_WORKERS];      /* the cap worker `who` uses */
static mica_cptr_t g_cptr2[N_WORKERS];     /* a second cap for two-step workers */

#define RUN(fn) do { \
        memset(&rec, 0, sizeof rec); \
        memset(g_cptr, 0, sizeof g_cptr); \
        memset(g_cptr2, 0, sizeof g_cptr2); \
        mt_run(fn); \
        ck_assert_msg(rec.done, "the root task did not reach its end"); \
    } while (0)

#define LABEL(i) mica_msginfo_get_label(i)

static void let_workers_run(void)
{
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 1), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, MICA_MAX_PRIO),
                  MICA_NO_ERROR);
}

static mica_cptr_t mint(mica_cptr_t src, mica_cap_rights_t rights, mica_word_t badge)
{
    mica_cptr_t s = mt_slot();
    mt_assert_err(mica_cnode_mint(CNODE, s, DEPTH, CNODE, src, DEPTH, rights, badge),
                  MICA_NO_ERROR);
    return s;
}


/* Make fault_cptr (a CPtr in the thread's CSpace, the root CNode) its fault endpoint. */
static void set_fault_ep(mica_cptr_t tcb, mica_cptr_t fault_cptr)
{
    mt_assert_err(mica_tcb_set_space(tcb, fault_cptr, CNODE, 0, MICA_CAP_INIT_VSPACE, 0),
                  MICA_NO_ERROR);
}

static void log_msg(int who, mica_msginfo_t info, mica_word_t badge)
{
    ck_assert_int_lt(rec.n, MAX_LOG);
    rec.log_who[rec.n] = who;
    rec.log_info[rec.n] = info;
    rec.log_badge[rec.n] = badge;
    rec.n++;
}

/* --- workers ---------------------------------------------------------------------- */

static void wait_slot(mica_word_t who)
{
    mica_word_t badge = 0;
    mica_wait(g_cptr[who], &badge);
    rec.w_badge[who] = badge;
    rec.w_returned[who]++;
}

static void poll_slot(mica_word_t who)
{
    mica_word_t badge = 0;
    rec.w_info[who] = mica_poll(g_cptr[who], &badge);
    rec.w_badge[who] = badge;
    rec.w_returned[who]++;
}

/* Recv on the endpoint g_cptr[who] forever, logging messages and signals. */
static void recv_loop(mica_word_t who)
{
    for (;;) {
        mica_word_t badge = 0;
        mica_msginfo_t info = mica_recv(g_cptr[who], &badge);
        log_msg((int)who, info, badge);
    }
}

static void send_slot(mica_word_t who)
{
    mica_send(g_cptr[who], mica_msginfo_new(who + 1, 0, 0, 0));
    rec.w_returned[who]++;
}

/* --- Signal (SYSCALL0004) ------------------------------------------------------------ */

static void root_signal_or(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t b1 = mint(n, MICA_ALL_RIGHTS, 1);
    mica_cptr_t b2 = mint(n, MICA_ALL_RIGHTS, 2);
    mica_cptr_t b4 = mint(n, MICA_ALL_RIGHTS, 4);
    mica_signal(b1);
    mica_signal(b2);
    mica_signal(b4);
    mica_word_t badge = 0;
    mica_wait(n, &badge);               /* pending: returns at once */
    ck_assert_uint_eq(badge, 7);
    /* The word was consumed. */
    badge = 0xdead;
    ck_assert_uint_eq(mica_poll(n, &badge).words[0], 0);
    ck_assert_uint_eq(badge, 0);
    /* OR, not add. */
    mica_signal(b2);
    mica_signal(b2);
    mica_poll(n, &badge);
    ck_assert_uint_eq(badge, 2);
    rec.done = 1;
}

START_TEST(signals_or_their_badges_into_the_word)
{
    RUN(root_signal_or);
}
END_TEST

static void root_unbadged_signal(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_signal(n);                     /* badge 0, yet the notification becomes active */
    mica_word_t badge = 0xdead;
    mica_wait(n, &badge);               /* so this does not block */
    ck_assert_uint_eq(badge, 0);
    rec.done = 1;
}

START_TEST(unbadged_signal_still_releases_the_next_wait)
{
    RUN(root_unbadged_signal);
}
END_TEST

static void root_signal_no_write(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t read_only = mint(n, MICA_CAN_READ, 5);
    mica_signal(read_only);             /* silently nothing */
    mica_word_t badge = 0xdead;
    ck_assert_uint_eq(mica_poll(n, &badge).words[0], 0);
    ck_assert_uint_eq(badge, 0);
    /* As a Call the missing right is reported. */
    mica_msginfo_t info = mica_call(read_only, mica_msginfo_new(0, 0, 0, 0));
    ck_assert_uint_eq(LABEL(info), MICA_INVALID_CAPABILITY);
    rec.done = 1;
}

START_TEST(signal_without_write_does_nothing)
{
    RUN(root_signal_no_write);
}
END_TEST

static void root_call_notification(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t nb = mint(n, MICA_ALL_RIGHTS, 0x3);
    /* A Call signals too, and returns an empty message at once. */
    mica_set_mr(0, 0x77);
    mica_msginfo_t info = mica_call(nb, mica_msginfo_new(9, 0, 0, 1));
    ck_assert_uint_eq(info.words[0], 0);
    mica_nbsend(mint(n, MICA_ALL_RIGHTS, 0x4), mica_msginfo_new(9, 0, 0, 0));
    mica_word_t badge = 0;
    info = mica_recv(n, &badge);        /* Recv on a notification is a Wait */
    ck_assert_uint_eq(badge, 0x7);
    ck_assert_uint_eq(info.words[0], 0);
    rec.done = 1;
}

START_TEST(call_and_nbsend_on_a_notification_signal_it)
{
    RUN(root_call_notification);
}
END_TEST

/* --- Wait (SYSCALL0013) ------------------------------------------------------------------ */

static void root_wait_blocks(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    g_cptr[0] = n;
    mica_cptr_t t = mt_spawn(wait_slot, 0, PRIO);
    let_workers_run();
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_NOTIFICATION);
    ck_assert_int_eq(rec.w_returned[0], 0);
    mica_signal(mint(n, MICA_ALL_RIGHTS, 0x30));
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_uint_eq(rec.w_badge[0], 0x30);
    rec.done = 1;
}

START_TEST(wait_blocks_until_a_signal_and_returns_its_badge)
{
    RUN(root_wait_blocks);
}
END_TEST

static void root_waiters_fifo(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t t[3];
    for (mica_word_t w = 0; w < 3; w++) {
        g_cptr[w] = n;
        t[w] = mt_spawn(wait_slot, w, PRIO - w);
    }
    let_workers_run();                  /* all three wait, worker 0 first */
    /* Each signal wakes the head waiter with exactly its own badge. */
    for (int w = 0; w < 3; w++) {
        mica_signal(mint(n, MICA_ALL_RIGHTS, 1ul << w));
        ck_assert_uint_eq(mt_thread_state(t[w]), MICA_THREAD_RUNNING);
        for (int v = w + 1; v < 3; v++)
            ck_assert_uint_eq(mt_thread_state(t[v]), MICA_THREAD_BLOCKED_ON_NOTIFICATION);
    }
    /* Nobody waits any more: the next signal stays pending. */
    mica_signal(mint(n, MICA_ALL_RIGHTS, 8));
    let_workers_run();
    for (int w = 0; w < 3; w++) {
        ck_assert_int_eq(rec.w_returned[w], 1);
        ck_assert_uint_eq(rec.w_badge[w], 1ul << w);
    }
    mica_word_t badge = 0;
    mica_poll(n, &badge);
    ck_assert_uint_eq(badge, 8);
    rec.done = 1;
}

START_TEST(waiters_are_woken_in_fifo_order_one_per_signal)
{
    RUN(root_waiters_fifo);
}
END_TEST

static void root_wait_needs_read(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    g_cptr[0] = mint(n, MICA_CAN_WRITE, 0);
    mica_cptr_t t = mt_spawn(wait_slot, 0, PRIO);
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 0);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);  /* cap fault, no handler */
    rec.done = 1;
}

START_TEST(wait_without_read_is_a_cap_fault)
{
    RUN(root_wait_needs_read);
}
END_TEST

/* --- Poll (NBWAIT0001) ---------------------------------------------------------------- */

static void root_poll(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_word_t badge = 0xdead;
    mica_msginfo_t info = mica_poll(n, &badge);
    ck_assert_uint_eq(badge, 0);
    ck_assert_uint_eq(info.words[0], 0);

    /* With a waiter queued: still nothing, and the waiter keeps its place. */
    g_cptr[0] = n;
    mt_spawn(wait_slot, 0, PRIO);
    let_workers_run();
    badge = 0xdead;
    info = mica_poll(n, &badge);
    ck_assert_uint_eq(badge, 0);
    ck_assert_uint_eq(info.words[0], 0);
    mica_signal(mint(n, MICA_ALL_RIGHTS, 0x11));
    let_workers_run();
    ck_assert_uint_eq(rec.w_badge[0], 0x11);

    /* A pending word is taken once. */
    mica_signal(mint(n, MICA_ALL_RIGHTS, 0x40));
    mica_poll(n, &badge);
    ck_assert_uint_eq(badge, 0x40);
    mica_poll(n, &badge);
    ck_assert_uint_eq(badge, 0);

    /* A worker polling an idle notification returns at once. */
    g_cptr[1] = n;
    mt_spawn(poll_slot, 1, PRIO);
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[1], 1);
    ck_assert_uint_eq(rec.w_badge[1], 0);
    ck_assert_uint_eq(rec.w_info[1].words[0], 0);
    rec.done = 1;
}

START_TEST(poll_returns_0_when_nothing_is_pending_and_never_blocks)
{
    RUN(root_poll);
}
END_TEST

/* --- binding (BIND0001-0004) ------------------------------------------------------------- */

static void root_bind_recv(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t nb = mint(n, MICA_ALL_RIGHTS, 0x100);
    mica_cptr_t eb = mint(ep, MICA_ALL_RIGHTS, 0x1);
    g_cptr[0] = ep;
    mica_cptr_t t = mt_spawn(recv_loop, 0, PRIO);
    mt_assert_err(mica_tcb_bind_notification(t, n), MICA_NO_ERROR);
    let_workers_run();
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_RECEIVE);
    mica_signal(nb);                    /* wakes it out of its endpoint Recv */
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_RUNNING);
    let_workers_run();
    mica_send(eb, mica_msginfo_new(5, 0, 0, 0));
    let_workers_run();
    mica_signal(nb);
    let_workers_run();
    ck_assert_int_eq(rec.n, 3);
    ck_assert_uint_eq(rec.log_badge[0], 0x100);
    ck_assert_uint_eq(rec.log_info[0].words[0], 0);
    ck_assert_uint_eq(rec.log_badge[1], 0x1);
    ck_assert_uint_eq(LABEL(rec.log_info[1]), 5);
    ck_assert_uint_eq(rec.log_badge[2], 0x100);
    rec.done = 1;
}

/* BIND0001 */
START_TEST(bound_thread_in_endpoint_recv_gets_both_signals_and_messages)
{
    RUN(root_bind_recv);
}
END_TEST

static void root_bind_own_wait(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    g_cptr[0] = n;
    mica_cptr_t t = mt_spawn(wait_slot, 0, PRIO);
    mt_assert_err(mica_tcb_bind_notification(t, n), MICA_NO_ERROR);
    let_workers_run();
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_NOTIFICATION);
    mica_signal(mint(n, MICA_ALL_RIGHTS, 0x21));
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_uint_eq(rec.w_badge[0], 0x21);

    /* The root, bound to its own notification, finds a pending signal at once. */
    mica_cptr_t own = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mt_assert_err(mica_tcb_bind_notification(MICA_CAP_INIT_TCB, own), MICA_NO_ERROR);
    mica_signal(mint(own, MICA_ALL_RIGHTS, 0x22));
    mica_word_t badge = 0;
    mica_wait(own, &badge);
    ck_assert_uint_eq(badge, 0x22);
    mt_assert_err(mica_tcb_unbind_notification(MICA_CAP_INIT_TCB), MICA_NO_ERROR);
    rec.done = 1;
}

/* BIND0002 */
START_TEST(bound_thread_can_wait_on_its_own_notification)
{
    RUN(root_bind_own_wait);
}
END_TEST

static void root_signal_beats_message(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mt_assert_err(mica_tcb_bind_notification(MICA_CAP_INIT_TCB, n), MICA_NO_ERROR);
    g_cptr[0] = mint(ep, MICA_ALL_RIGHTS, 0x1);
    mt_spawn(send_slot, 0, PRIO);
    let_workers_run();                  /* a message is queued on ep */
    mica_signal(mint(n, MICA_ALL_RIGHTS, 0x100));   /* and a signal is pending */
    mica_word_t badge = 0;
    mica_msginfo_t info = mica_recv(ep, &badge);
    ck_assert_uint_eq(badge, 0x100);    /* the signal first */
    ck_assert_uint_eq(info.words[0], 0);
    info = mica_recv(ep, &badge);
    ck_assert_uint_eq(badge, 0x1);      /* then the message */
    ck_assert_uint_eq(LABEL(info), 1);
    /* NBRecv on the endpoint also collects pending signals, ORed. */
    mica_signal(mint(n, MICA_ALL_RIGHTS, 0x200));
    mica_signal(mint(n, MICA_ALL_RIGHTS, 0x400));
    info = mica_nbrecv(ep, &badge);
    ck_assert_uint_eq(badge, 0x600);
    ck_assert_uint_eq(info.words[0], 0);
    mt_assert_err(mica_tcb_unbind_notification(MICA_CAP_INIT_TCB), MICA_NO_ERROR);
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    rec.done = 1;
}

/* BIND0003 */
START_TEST(pending_signal_is_received_before_a_queued_message)
{
    RUN(root_signal_beats_message);
}
END_TEST

static void root_message_signal_order(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t nb = mint(n, MICA_ALL_RIGHTS, 0x100);
    g_cptr[0] = ep;
    mica_cptr_t t = mt_spawn(recv_loop, 0, PRIO);
    mt_assert_err(mica_tcb_bind_notification(t, n), MICA_NO_ERROR);
    let_workers_run();
    /* A message wakes it; a signal right after stays pending for its next Recv. */
    mica_send(ep, mica_msginfo_new(7, 0, 0, 0));
    mica_signal(nb);
    let_workers_run();
    /* A signal wakes it; a message right after waits (the root blocks in Send). */
    mica_signal(nb);
    mica_send(ep, mica_msginfo_new(8, 0, 0, 0));
    let_workers_run();
    ck_assert_int_eq(rec.n, 4);
    ck_assert_uint_eq(LABEL(rec.log_info[0]), 7);
    ck_assert_uint_eq(rec.log_badge[0], 0);
    ck_assert_uint_eq(rec.log_badge[1], 0x100);
    ck_assert_uint_eq(rec.log_info[1].words[0], 0);
    ck_assert_uint_eq(rec.log_badge[2], 0x100);
    ck_assert_uint_eq(LABEL(rec.log_info[3]), 8);
    rec.done = 1;
}

/* BIND0004 */
START_TEST(messages_and_signals_reach_a_bound_thread_in_arrival_order)
{
    RUN(root_message_signal_order);
}
END_TEST

static void bound_caller(mica_word_t who)
{
    rec.w_info[who] = mica_call(g_cptr[who], mica_msginfo_new(1, 0, 0, 0));
    rec.w_returned[who]++;
    mica_word_t badge = 0;
    mica_msginfo_t info = mica_recv(g_cptr2[who], &badge);
    log_msg((int)who, info, badge);
}

static void root_bound_in_call(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ep2 = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    g_cptr[0] = ep;
    g_cptr2[0] = ep2;
    mica_cptr_t t = mt_spawn(bound_caller, 0, PRIO);
    mt_assert_err(mica_tcb_bind_notification(t, n), MICA_NO_ERROR);
    mica_word_t badge;
    mica_recv(ep, &badge);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_REPLY);
    mica_signal(mint(n, MICA_ALL_RIGHTS, 0x100));
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_REPLY);  /* not woken */
    mica_reply(mica_msginfo_new(0x33, 0, 0, 0));
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[0]), 0x33);  /* the real reply */
    ck_assert_int_eq(rec.n, 1);                     /* the signal waited for its Recv */
    ck_assert_uint_eq(rec.log_badge[0], 0x100);
    rec.done = 1;
}

START_TEST(signal_does_not_wake_a_bound_thread_waiting_for_a_reply)
{
    RUN(root_bound_in_call);
}
END_TEST

/* Serve Calls with ReplyRecv, signalling its own bound notification while busy. */
static void bound_server(mica_word_t who)
{
    mica_word_t badge = 0;
    mica_msginfo_t info = mica_recv(g_cptr[who], &badge);
    for (;;) {
        log_msg((int)who, info, badge);
        if (LABEL(info) == 1)
            mica_signal(g_cptr2[who]);
        info = mica_reply_recv(g_cptr[who], mica_msginfo_new(LABEL(info) + 0x10, 0, 0, 0),
                               &badge);
    }
}

static void root_bound_server(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    g_cptr[0] = ep;
    g_cptr2[0] = mint(n, MICA_ALL_RIGHTS, 0x100);
    mica_cptr_t t = mt_spawn(bound_server, 0, PRIO);
    mt_assert_err(mica_tcb_bind_notification(t, n), MICA_NO_ERROR);
    let_workers_run();
    ck_assert_uint_eq(LABEL(mica_call(ep, mica_msginfo_new(1, 0, 0, 0))), 0x11);
    ck_assert_uint_eq(LABEL(mica_call(ep, mica_msginfo_new(2, 0, 0, 0))), 0x12);
    /* The pending signal came before the second call. */
    ck_assert_int_eq(rec.n, 3);
    ck_assert_uint_eq(LABEL(rec.log_info[0]), 1);
    ck_assert_uint_eq(rec.log_badge[1], 0x100);
    ck_assert_uint_eq(rec.log_info[1].words[0], 0);
    ck_assert_uint_eq(LABEL(rec.log_info[2]), 2);
    rec.done = 1;
}

START_TEST(reply_recv_of_a_bound_server_takes_a_pending_signal_first)
{
    RUN(root_bound_server);
}
END_TEST

static void root_unbind(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    g_cptr[0] = ep;
    mica_cptr_t t = mt_spawn(recv_loop, 0, PRIO);
    mt_assert_err(mica_tcb_bind_notification(t, n), MICA_NO_ERROR);
    let_workers_run();
    mt_assert_err(mica_tcb_unbind_notification(t), MICA_NO_ERROR);
    mica_signal(mint(n, MICA_ALL_RIGHTS, 0x5));
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_RECEIVE);
    let_workers_run();
    ck_assert_int_eq(rec.n, 0);
    mica_word_t badge = 0;
    mica_poll(n, &badge);               /* anyone may wait on it again */
    ck_assert_uint_eq(badge, 0x5);
    rec.done = 1;
}

START_TEST(unbound_thread_is_no_longer_woken_by_signals)
{
    RUN(root_unbind);
}
END_TEST

static void root_bind_errors(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t n2 = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t busy = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    g_cptr[0] = g_cptr[1] = ep;
    mica_cptr_t t = mt_spawn(recv_loop, 0, PRIO);
    mica_cptr_t t2 = mt_spawn(recv_loop, 1, PRIO);
    g_cptr[2] = busy;
    mt_spawn(wait_slot, 2, PRIO);
    let_workers_run();

    mt_assert_err(mica_tcb_bind_notification(t, n), MICA_NO_ERROR);
    /* The TCB is already bound. */
    mt_assert_err(mica_tcb_bind_notification(t, n2), MICA_ILLEGAL_OPERATION);
    /* The notification is already bound to another TCB. */
    mt_assert_err(mica_tcb_bind_notification(t2, n), MICA_ILLEGAL_OPERATION);
    /* The notification has a waiter. */
    mt_assert_err(mica_tcb_bind_notification(t2, busy), MICA_ILLEGAL_OPERATION);
    /* The notification cap lacks Read. */
    mt_assert_err(mica_tcb_bind_notification(t2, mint(n2, MICA_CAN_WRITE, 0)),
                  MICA_ILLEGAL_OPERATION);
    /* Not a notification cap. */
    mt_assert_err(mica_tcb_bind_notification(t2, ep), MICA_ILLEGAL_OPERATION);
    /* Unbinding an unbound TCB. */
    mt_assert_err(mica_tcb_unbind_notification(t2), MICA_ILLEGAL_OPERATION);
    /* An active (signalled) notification can be bound. */
    mica_signal(n2);
    mt_assert_err(mica_tcb_bind_notification(t2, n2), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_unbind_notification(t2), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_unbind_notification(t2), MICA_ILLEGAL_OPERATION);
    rec.done = 1;
}

START_TEST(binding_rules_are_enforced_with_illegal_operation)
{
    RUN(root_bind_errors);
}
END_TEST

static void root_wait_bound_elsewhere(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t fault_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mt_assert_err(mica_tcb_bind_notification(MICA_CAP_INIT_TCB, n), MICA_NO_ERROR);
    g_cptr[0] = g_cptr[1] = n;
    mica_cptr_t tw = mt_spawn(wait_slot, 0, PRIO);
    mica_cptr_t tp = mt_spawn(poll_slot, 1, PRIO - 1);
    set_fault_ep(tw, mint(fault_ep, MICA_ALL_RIGHTS, 1));
    set_fault_ep(tp, mint(fault_ep, MICA_ALL_RIGHTS, 2));

    /* Both Wait and Poll on a notification bound to another thread are cap faults. */
    for (mica_word_t who = 1; who <= 2; who++) {
        mica_word_t badge = 0;
        mica_msginfo_t info = mica_recv(fault_ep, &badge);
        ck_assert_uint_eq(badge, who);
        ck_assert_uint_eq(LABEL(info), MICA_FAULT_CAP);
        ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_ADDR), n);
        ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_IN_RECV_PHASE), 1);
        ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_LOOKUP_FAILURE_TYPE), MICA_MISSING_CAPABILITY);
        if (who == 1) {
            mica_cptr_t s = mt_slot();
            mt_assert_err(mica_cnode_save_caller(CNODE, s, DEPTH), MICA_NO_ERROR);
            g_cptr2[0] = s;
        }
    }
    ck_assert_uint_eq(mt_thread_state(tw), MICA_THREAD_BLOCKED_ON_REPLY);
    ck_assert_uint_eq(mt_thread_state(tp), MICA_THREAD_BLOCKED_ON_REPLY);
    /* Once the root lets go of the notification, the restarted calls succeed. */
    mt_assert_err(mica_tcb_unbind_notification(MICA_CAP_INIT_TCB), MICA_NO_ERROR);
    mica_send(g_cptr2[0], mica_msginfo_new(0, 0, 0, 0));
    mica_reply(mica_msginfo_new(0, 0, 0, 0));
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[1], 1);         /* Poll: nothing pending */
    ck_assert_uint_eq(rec.w_badge[1], 0);
    ck_assert_uint_eq(mt_thread_state(tw), MICA_THREAD_BLOCKED_ON_NOTIFICATION);
    mica_signal(mint(n, MICA_ALL_RIGHTS, 0x77));
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_uint_eq(rec.w_badge[0], 0x77);
    rec.done = 1;
}

START_TEST(wait_on_a_notification_bound_to_another_thread_is_a_cap_fault)
{
    RUN(root_wait_bound_elsewhere);
}
END_TEST

/* --- deletion ------------------------------------------------------------------------------ */

static void root_delete_with_waiters(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t fault_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t t[2];
    for (mica_word_t w = 0; w < 2; w++) {
        g_cptr[w] = n;
        t[w] = mt_spawn(wait_slot, w, PRIO - w);
        set_fault_ep(t[w], mint(fault_ep, MICA_ALL_RIGHTS, w + 1));
    }
    let_workers_run();
    mt_assert_err(mica_cnode_delete(CNODE, n, DEPTH), MICA_NO_ERROR);
    /* Both restart their Wait on the now empty slot: cap faults. */
    mica_cptr_t saved[2];
    for (mica_word_t w = 0; w < 2; w++) {
        mica_word_t badge = 0;
        mica_msginfo_t info = mica_recv(fault_ep, &badge);
        ck_assert_uint_eq(badge, w + 1);
        ck_assert_uint_eq(LABEL(info), MICA_FAULT_CAP);
        ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_ADDR), n);
        ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_IN_RECV_PHASE), 1);
        saved[w] = mt_slot();
        mt_assert_err(mica_cnode_save_caller(CNODE, saved[w], DEPTH), MICA_NO_ERROR);
    }
    ck_assert_int_eq(rec.w_returned[0] + rec.w_returned[1], 0);
    /* A new notification in the same slot; the replies restart their Waits on it. */
    mt_assert_err(mica_untyped_retype(mt_untyped(), MICA_NOTIFICATION_OBJECT, 0, CNODE, 0, 0, n, 1),
                  MICA_NO_ERROR);
    for (int w = 0; w < 2; w++)
        mica_send(saved[w], mica_msginfo_new(0, 0, 0, 0));
    let_workers_run();
    for (int w = 0; w < 2; w++)
        ck_assert_uint_eq(mt_thread_state(t[w]), MICA_THREAD_BLOCKED_ON_NOTIFICATION);
    mica_signal(mint(n, MICA_ALL_RIGHTS, 0x10));
    mica_signal(mint(n, MICA_ALL_RIGHTS, 0x20));
    let_workers_run();
    ck_assert_uint_eq(rec.w_badge[0], 0x10);
    ck_assert_uint_eq(rec.w_badge[1], 0x20);
    rec.done = 1;
}

START_TEST(deleting_a_notification_restarts_its_waiters)
{
    RUN(root_delete_with_waiters);
}
END_TEST

static void root_delete_bound(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t n2 = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    g_cptr[0] = ep;
    mica_cptr_t t = mt_spawn(recv_loop, 0, PRIO);
    mt_assert_err(mica_tcb_bind_notification(t, n), MICA_NO_ERROR);
    let_workers_run();
    mt_assert_err(mica_cnode_delete(CNODE, n, DEPTH), MICA_NO_ERROR);
    /* The thread keeps waiting on its endpoint, and is free to be bound again. */
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_RECEIVE);
    mt_assert_err(mica_tcb_unbind_notification(t), MICA_ILLEGAL_OPERATION);
    mt_assert_err(mica_tcb_bind_notification(t, n2), MICA_NO_ERROR);
    mica_signal(mint(n2, MICA_ALL_RIGHTS, 0x3));
    let_workers_run();
    ck_assert_int_eq(rec.n, 1);
    ck_assert_uint_eq(rec.log_badge[0], 0x3);
    rec.done = 1;
}

START_TEST(deleting_a_bound_notification_unbinds_its_thread)
{
    RUN(root_delete_bound);
}
END_TEST

static void root_suspend_waiter(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    g_cptr[0] = g_cptr[1] = n;
    mica_cptr_t t0 = mt_spawn(wait_slot, 0, PRIO);
    mica_cptr_t t1 = mt_spawn(wait_slot, 1, PRIO - 1);
    let_workers_run();
    mt_assert_err(mica_tcb_suspend(t0), MICA_NO_ERROR);
    ck_assert_uint_eq(mt_thread_state(t0), MICA_THREAD_INACTIVE);
    /* The next signal goes to the remaining waiter, the one after is kept. */
    mica_signal(mint(n, MICA_ALL_RIGHTS, 0x1));
    ck_assert_uint_eq(mt_thread_state(t1), MICA_THREAD_RUNNING);
    mica_signal(mint(n, MICA_ALL_RIGHTS, 0x2));
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 0);
    ck_assert_uint_eq(rec.w_badge[1], 0x1);
    /* Resumed, the suspended waiter waits again and finds the pending word. */
    mt_assert_err(mica_tcb_resume(t0), MICA_NO_ERROR);
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_uint_eq(rec.w_badge[0], 0x2);
    rec.done = 1;
}

START_TEST(suspending_a_waiter_takes_it_off_the_queue)
{
    RUN(root_suspend_waiter);
}
END_TEST

static void root_delete_bound_tcb(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    g_cptr[0] = g_cptr[1] = ep;
    mica_cptr_t t0 = mt_spawn(recv_loop, 0, PRIO);
    mica_cptr_t t1 = mt_spawn(recv_loop, 1, PRIO);
    mt_assert_err(mica_tcb_bind_notification(t0, n), MICA_NO_ERROR);
    let_workers_run();
    mt_assert_err(mica_cnode_delete(CNODE, t0, DEPTH), MICA_NO_ERROR);
    /* The notification is free again: a signal stays pending, and it can be rebound. */
    mica_signal(mint(n, MICA_ALL_RIGHTS, 0x9));
    mt_assert_err(mica_tcb_bind_notification(t1, n), MICA_NO_ERROR);
    mica_send(ep, mica_msginfo_new(4, 0, 0, 0));    /* only t1 is left on ep */
    let_workers_run();
    ck_assert_int_eq(rec.n, 2);
    ck_assert_int_eq(rec.log_who[0], 1);
    ck_assert_uint_eq(LABEL(rec.log_info[0]), 4);
    ck_assert_uint_eq(rec.log_badge[1], 0x9);       /* then the pending signal */
    rec.done = 1;
}

START_TEST(deleting_a_bound_thread_frees_its_notification)
{
    RUN(root_delete_bound_tcb);
}
END_TEST

/* ------------------------------------------------------------------------------------------- */


static Suite *notification_suite(void)
{
    Suite *s = suite_create("notification");
    TCase *tc;

    tc = mt_tcase(s, "signal");
    tcase_add_test(tc, signals_or_their_badges_into_the_word);
    tcase_add_test(tc, unbadged_signal_still_releases_the_next_wait);
    tcase_add_test(tc, signal_without_write_does_nothing);
    tcase_add_test(tc, call_and_nbsend_on_a_notification_signal_it);

    tc = mt_tcase(s, "wait");
    tcase_add_test(tc, wait_blocks_until_a_signal_and_returns_its_badge);
    tcase_add_test(tc, waiters_are_woken_in_fifo_order_one_per_signal);
    tcase_add_test(tc, wait_without_read_is_a_cap_fault);
    tcase_add_test(tc, suspending_a_waiter_takes_it_off_the_queue);

    tc = mt_tcase(s, "poll");
    tcase_add_test(tc, poll_returns_0_when_nothing_is_pending_and_never_blocks);

    tc = mt_tcase(s, "bind");
    tcase_add_test(tc, bound_thread_in_endpoint_recv_gets_both_signals_and_messages);
    tcase_add_test(tc, bound_thread_can_wait_on_its_own_notification);
    tcase_add_test(tc, pending_signal_is_received_before_a_queued_message);
    tcase_add_test(tc, messages_and_signals_reach_a_bound_thread_in_arrival_order);
    tcase_add_test(tc, signal_does_not_wake_a_bound_thread_waiting_for_a_reply);
    tcase_add_test(tc, reply_recv_of_a_bound_server_takes_a_pending_signal_first);
    tcase_add_test(tc, unbound_thread_is_no_longer_woken_by_signals);
    tcase_add_test(tc, binding_rules_are_enforced_with_illegal_operation);
    tcase_add_test(tc, wait_on_a_notification_bound_to_another_thread_is_a_cap_fault);

    tc = mt_tcase(s, "delete");
    tcase_add_test(tc, deleting_a_notification_restarts_its_waiters);
    tcase_add_test(tc, deleting_a_bound_notification_unbinds_its_thread);
    tcase_add_test(tc, deleting_a_bound_thread_frees_its_notification);
    return s;
}

MICA_TEST_MAIN(notification_suite)
