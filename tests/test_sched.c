/*
 * test_sched.c - seL4's non-MCS scheduler: 256 fixed priorities, FIFO ready
 * queues, round-robin timeslices among equal priorities, Yield, and the
 * direct switches that Resume, SetPriority and IPC make. Tests mirror
 * sel4test's SCHED00xx where the name says so.
 *
 * Threads record what they observe in an event log; most checks run after
 * mt_run() returns. With the virtual clock, time advances one tick per kernel
 * entry and a timeslice is cfg.timeslice_ticks ticks, so only threads that
 * enter the kernel can be preempted by the clock - or, built with basic-block
 * hooks as this file is, threads that run a period of blocks without an entry.
 */
#define _POSIX_C_SOURCE 200809L  /* mkstemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"

/* --- helpers ------------------------------------------------------------------ */

/* A test whose body runs as the root task and whose run must end idle. */
#define ROOT_TEST(name) \
    static void name##_task(const mica_bootinfo_t *bi __attribute__((unused))); \
    START_TEST(name) { mt_run(name##_task); } END_TEST \
    static void name##_task(const mica_bootinfo_t *bi __attribute__((unused)))

#define LOG_MAX 8192
static int ev[LOG_MAX];
static int nev;

static void log_event(int v)
{
    ck_assert_int_lt(nev, LOG_MAX);
    ev[nev++] = v;
}

static void reset_log(void)
{
    nev = 0;
}

/* Assert the event log is exactly the n given events. */
static void expect_log(const int *want, int n)
{
    char got[256] = "";
    for (int i = 0; i < nev && strlen(got) < sizeof got - 16; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%d ", ev[i]);
    ck_assert_msg(nev == n, "log has %d events, expected %d: %s", nev, n, got);
    for (int i = 0; i < n; i++)
        ck_assert_msg(ev[i] == want[i], "event %d is %d, expected %d; log: %s", i, ev[i],
                      want[i], got);
}

#define EXPECT_LOG(...) do { \
        const int want_[] = { __VA_ARGS__ }; \
        expect_log(want_, (int)(sizeof want_ / sizeof want_[0])); \
    } while (0)

static void set_my_prio(mica_word_t prio)
{
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, prio), MICA_NO_ERROR);
}

/* Let every ready thread above priority 0 run until it blocks or exits. */
static void run_others(void)
{
    set_my_prio(0);
    set_my_prio(MICA_MAX_PRIO);
}


/* Log arg and exit. */
static void log_arg(mica_word_t arg)
{
    log_event((int)arg);
}

/* Per-thread parameters for entries that need more than one argument. */
static mica_cptr_t obj[8];

/* Receive once on obj[arg & 7] and log arg >> 4. */
static void recv_then_log(mica_word_t arg)
{
    mica_recv(obj[arg & 7], NULL);
    log_event((int)(arg >> 4));
}

/* Wait on notification obj[arg & 7], log arg >> 4, forever. */
static void wait_and_log_forever(mica_word_t arg)
{
    for (;;) {
        mica_wait(obj[arg & 7], NULL);
        log_event((int)(arg >> 4));
    }
}

/* --- Suspend and Resume ---------------------------------------------------------- */

static volatile mica_word_t counter;
static volatile int stop;

static void count_and_yield(mica_word_t arg)
{
    (void)arg;
    while (!stop) {
        counter++;
        mica_yield();
    }
}

static void yield_n(int n)
{
    for (int i = 0; i < n; i++)
        mica_yield();
}

/* sel4test SCHED0000: a suspended thread makes no progress until resumed. */
ROOT_TEST(a_suspended_thread_stops_and_a_resumed_one_continues_SCHED0000)
{
    counter = 0;
    stop = 0;
    mica_cptr_t t = mt_spawn(count_and_yield, 0, 100);
    set_my_prio(100);
    yield_n(3);
    ck_assert_uint_gt(counter, 0);
    mica_word_t old = counter;
    yield_n(3);
    ck_assert_uint_gt(counter, old);

    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
    old = counter;
    yield_n(5);
    ck_assert_uint_eq(counter, old);
    yield_n(5);
    ck_assert_uint_eq(counter, old);

    mt_assert_err(mica_tcb_resume(t), MICA_NO_ERROR);
    yield_n(3);
    ck_assert_uint_gt(counter, old);
    stop = 1;
}

/*
 * sel4test SCHED0003 (test_suspend): two high-priority helpers and a low one
 * pass control by suspending and resuming each other; step counts the
 * hand-offs. Helpers spin with Yield where sel4test waits for timer ticks.
 */
static volatile int step;
static mica_cptr_t tcb_1, tcb_2a, tcb_2b;

static void expect_step(int s)
{
    ck_assert_int_eq(step, s);
    log_event(s);
}

static void suspend_helper_2a(mica_word_t arg)
{
    (void)arg;
    while (step == 0 || step == 1) {
        if (step == 0) {
            step = 1;
            log_event(10);
        }
        mica_yield();       /* let 2b see step 1 */
    }
    /* 2b moved to step 2 and now spins: stop it. */
    mt_assert_err(mica_tcb_suspend(tcb_2b), MICA_NO_ERROR);
    expect_step(2);
    step = 3;
    /* Suspend ourselves: control passes to the low-priority helper. */
    mica_tcb_suspend(tcb_2a);
    ck_abort_msg("2a ran after suspending itself");
}

static void suspend_helper_2b(mica_word_t arg)
{
    (void)arg;
    while (step == 0)
        mica_yield();
    expect_step(1);
    step = 2;
    while (step == 2)
        mica_yield();       /* suspended here by 2a, resumed by 1 */
    expect_step(4);
    step = 5;
}

static void suspend_helper_1(mica_word_t arg)
{
    (void)arg;
    expect_step(3);
    step = 4;
    /* 2b has the higher priority: Resume runs it before returning. */
    mt_assert_err(mica_tcb_resume(tcb_2b), MICA_NO_ERROR);
    expect_step(5);
    step = 6;
}

static void suspend_resume_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    reset_log();
    step = 0;
    tcb_1 = mt_spawn_named("helper1", suspend_helper_1, 0, 50);
    tcb_2a = mt_spawn_named("helper2a", suspend_helper_2a, 0, 200);
    tcb_2b = mt_spawn_named("helper2b", suspend_helper_2b, 0, 200);
}

START_TEST(helpers_suspend_and_resume_each_other_SCHED0003)
{
    mt_run(suspend_resume_task);
    ck_assert_int_eq(step, 6);
    EXPECT_LOG(10, 1, 2, 3, 4, 5);
}
END_TEST

/* sel4test SCHED0002: resuming oneself is harmless and changes nothing. */
ROOT_TEST(resuming_oneself_is_a_no_op_SCHED0002)
{
    uint64_t d = mt_kernel_digest();
    mt_assert_err(mica_tcb_resume(MICA_CAP_INIT_TCB), MICA_NO_ERROR);
    ck_assert_uint_eq(mt_kernel_digest(), d);
}

static void resume_self(mica_word_t arg)
{
    (void)arg;
    log_event((int)mica_tcb_resume(obj[0]));
    log_event(1);
}

static void self_resumer_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    reset_log();
    obj[0] = mt_spawn(resume_self, 0, 100);
}

START_TEST(a_thread_resuming_itself_carries_on_SCHED0002)
{
    mt_run(self_resumer_task);
    EXPECT_LOG(MICA_NO_ERROR, 1);
}
END_TEST

ROOT_TEST(resuming_a_ready_thread_changes_nothing)
{
    reset_log();
    mt_spawn(log_arg, 1, 100);
    mica_cptr_t b = mt_spawn(log_arg, 2, 100);
    uint64_t d = mt_kernel_digest();
    mt_assert_err(mica_tcb_resume(b), MICA_NO_ERROR);
    ck_assert_uint_eq(mt_kernel_digest(), d);
}

/* --- every priority ------------------------------------------------------------------ */

static void every_priority_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    reset_log();
    /* Start them in a scrambled order (97 is odd, so i*97 mod 256 is a permutation). */
    for (unsigned i = 0; i < MICA_NUM_PRIORITIES; i++)
        mt_spawn(log_arg, (i * 97) % 256, (i * 97) % 256);
    /*
     * Only the helper at the root's own priority may have run yet: the root's
     * timeslice can end while it starts them.
     */
    ck_assert_int_le(nev, 1);
}

/* sel4test SCHED0004: threads at every priority 0..255 run highest first. */
START_TEST(threads_at_every_priority_run_in_priority_order_SCHED0004)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.max_threads = 300;
    mica_run_result_t r = mt_run_cfg(&cfg, every_priority_task);
    ck_assert_msg(r.reason == MICA_STOP_IDLE, "%s", r.message);
    ck_assert_int_eq(nev, MICA_NUM_PRIORITIES);
    for (int i = 0; i < MICA_NUM_PRIORITIES; i++)
        ck_assert_int_eq(ev[i], MICA_MAX_PRIO - i);
}
END_TEST

/* --- SetPriority ------------------------------------------------------------------------ */

/* sel4test SCHED0005: set priority changes the order in which ready threads run. */
ROOT_TEST(set_priority_reorders_ready_threads_SCHED0005)
{
    reset_log();
    mica_cptr_t a = mt_spawn(log_arg, 1, 10);
    mica_cptr_t b = mt_spawn(log_arg, 2, 20);
    mt_spawn(log_arg, 3, 15);
    mt_assert_err(mica_tcb_set_priority(a, MICA_CAP_INIT_TCB, 30), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(b, MICA_CAP_INIT_TCB, 5), MICA_NO_ERROR);
    run_others();
    EXPECT_LOG(1, 3, 2);
}

ROOT_TEST(lowering_ones_own_priority_below_a_ready_thread_switches_at_once)
{
    reset_log();
    mt_spawn(log_arg, 2, 100);
    log_event(1);
    set_my_prio(101);
    log_event(3);
    /* Equal: the caller goes back to the head of its queue and keeps running. */
    set_my_prio(100);
    log_event(4);
    set_my_prio(99);        /* the helper runs and exits inside this call */
    log_event(5);
    EXPECT_LOG(1, 3, 4, 2, 5);
}

ROOT_TEST(the_priority_of_a_blocked_thread_applies_when_it_wakes)
{
    reset_log();
    obj[0] = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t t = mt_spawn(wait_and_log_forever, 0 | (7 << 4), 100);
    set_my_prio(150);
    set_my_prio(50);        /* t runs and waits */
    set_my_prio(150);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_NOTIFICATION);

    /* Raised above us while blocked: the signal switches to it at once. */
    mt_assert_err(mica_tcb_set_priority(t, MICA_CAP_INIT_TCB, 200), MICA_NO_ERROR);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_NOTIFICATION);
    mica_signal(obj[0]);
    log_event(1);

    /* Lowered below us while blocked: the signal leaves us running. */
    mt_assert_err(mica_tcb_set_priority(t, MICA_CAP_INIT_TCB, 100), MICA_NO_ERROR);
    mica_signal(obj[0]);
    log_event(2);
    set_my_prio(50);
    log_event(3);
    EXPECT_LOG(7, 1, 2, 7, 3);
}

/* sel4test SCHED0020: raising a thread above the caller runs it immediately. */
ROOT_TEST(raising_a_thread_above_the_caller_runs_it_at_once_SCHED0020)
{
    reset_log();
    set_my_prio(100);
    mica_cptr_t t = mt_spawn(log_arg, 2, 50);
    mica_cptr_t u = mt_spawn(log_arg, 4, 50);
    log_event(1);
    mt_assert_err(mica_tcb_set_priority(t, MICA_CAP_INIT_TCB, 150), MICA_NO_ERROR);
    log_event(3);
    mt_assert_err(mica_tcb_set_sched_params(u, MICA_CAP_INIT_TCB, 0, 101), MICA_NO_ERROR);
    log_event(5);
    EXPECT_LOG(1, 2, 3, 4, 5);
}

ROOT_TEST(raising_a_thread_to_the_callers_priority_does_not_preempt)
{
    reset_log();
    set_my_prio(100);
    mica_cptr_t t = mt_spawn(log_arg, 2, 50);
    mt_assert_err(mica_tcb_set_priority(t, MICA_CAP_INIT_TCB, 100), MICA_NO_ERROR);
    log_event(1);
    mica_yield();           /* now it is its turn */
    log_event(3);
    EXPECT_LOG(1, 2, 3);
}

ROOT_TEST(resuming_a_higher_priority_thread_runs_it_at_once)
{
    reset_log();
    mica_cptr_t t = mt_spawn(log_arg, 2, 150);
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
    set_my_prio(100);
    log_event(1);
    mt_assert_err(mica_tcb_resume(t), MICA_NO_ERROR);
    log_event(3);
    EXPECT_LOG(1, 2, 3);
}

/* --- IPC and priorities (sel4test SCHED0006, non-MCS) ---------------------------------- */

ROOT_TEST(send_to_a_higher_priority_receiver_switches_to_it_SCHED0006)
{
    reset_log();
    obj[0] = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_spawn(recv_then_log, 0 | (2 << 4), 150);
    set_my_prio(100);       /* the receiver runs and blocks */
    log_event(1);
    mica_send(obj[0], mica_msginfo_new(0, 0, 0, 0));
    log_event(3);
    EXPECT_LOG(1, 2, 3);
}

ROOT_TEST(send_to_an_equal_or_lower_priority_receiver_keeps_the_sender_running_SCHED0006)
{
    reset_log();
    obj[0] = mt_make(MICA_ENDPOINT_OBJECT, 0);
    obj[1] = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_spawn(recv_then_log, 0 | (10 << 4), 100);
    mt_spawn(recv_then_log, 1 | (20 << 4), 50);
    set_my_prio(10);        /* both run and block */
    set_my_prio(100);
    mica_send(obj[0], mica_msginfo_new(0, 0, 0, 0));
    log_event(1);
    mica_send(obj[1], mica_msginfo_new(0, 0, 0, 0));
    log_event(2);
    /* The equal-priority receiver was queued behind us: Yield lets it run. */
    mica_yield();
    log_event(3);
    set_my_prio(10);
    log_event(4);
    EXPECT_LOG(1, 2, 10, 3, 20, 4);
}

static void send_then_log(mica_word_t arg)
{
    mica_word_t v = arg >> 4;
    mica_send_with_mrs(obj[arg & 7], mica_msginfo_new(0, 0, 0, 1), &v, NULL, NULL, NULL);
    log_event((int)(arg >> 4));
}

ROOT_TEST(receiving_from_a_waiting_sender_switches_only_to_a_higher_one_SCHED0006)
{
    reset_log();
    obj[0] = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_spawn(send_then_log, 0 | (20 << 4), 50);
    mt_spawn(send_then_log, 0 | (30 << 4), 150);
    set_my_prio(10);        /* both block sending: 150 first, then 50 */
    set_my_prio(100);
    mica_word_t v = 0;
    mica_recv_with_mrs(obj[0], NULL, &v, NULL, NULL, NULL);
    /* The higher-priority sender ran as soon as its send completed. */
    log_event((int)v);
    mica_recv_with_mrs(obj[0], NULL, &v, NULL, NULL, NULL);
    /* The lower-priority one waits for us. */
    log_event((int)v);
    set_my_prio(10);
    EXPECT_LOG(30, 30, 20, 20);
}

/* Non-MCS endpoint queues are FIFO: priority does not reorder waiting senders. */
ROOT_TEST(senders_are_received_in_arrival_order_regardless_of_priority_SCHED0006)
{
    reset_log();
    obj[0] = mt_make(MICA_ENDPOINT_OBJECT, 0);
    static const int prios[] = { 20, 60, 40, 200, 1 };
    for (int i = 0; i < 5; i++) {
        mt_spawn(send_then_log, 0 | ((mica_word_t)prios[i] << 4), (mica_word_t)prios[i]);
        run_others();       /* it blocks in Send before the next arrives */
    }
    for (int i = 0; i < 5; i++) {
        mica_word_t v = 0;
        mica_recv_with_mrs(obj[0], NULL, &v, NULL, NULL, NULL);
        ck_assert_uint_eq(v, (mica_word_t)prios[i]);
    }
}

static void serve(mica_word_t arg)
{
    mica_recv(obj[arg & 7], NULL);
    for (;;) {
        log_event((int)(arg >> 4));
        mica_reply_recv(obj[arg & 7], mica_msginfo_new(0, 0, 0, 0), NULL);
    }
}

ROOT_TEST(call_switches_to_a_waiting_server_and_reply_switches_back)
{
    reset_log();
    obj[0] = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_spawn(serve, 0 | (2 << 4), 150);
    set_my_prio(100);
    log_event(1);
    mica_call(obj[0], mica_msginfo_new(0, 0, 0, 0));
    log_event(3);
    mica_call(obj[0], mica_msginfo_new(0, 0, 0, 0));
    log_event(4);
    EXPECT_LOG(1, 2, 3, 2, 4);
}

/* --- IPC wake-ups preempt ------------------------------------------------------------- */

ROOT_TEST(a_higher_priority_thread_woken_by_a_signal_preempts)
{
    reset_log();
    obj[0] = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    obj[1] = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mt_spawn(wait_and_log_forever, 0 | (10 << 4), 200);
    mt_spawn(wait_and_log_forever, 1 | (20 << 4), 50);
    set_my_prio(10);
    set_my_prio(100);
    log_event(1);
    mica_signal(obj[0]);    /* 200 > 100: runs now */
    log_event(2);
    mica_signal(obj[1]);    /* 50 < 100: waits for us */
    log_event(3);
    set_my_prio(10);
    log_event(4);
    EXPECT_LOG(1, 10, 2, 3, 20, 4);
}

/* --- Yield ---------------------------------------------------------------------------- */

static void log_and_yield(mica_word_t arg)
{
    for (int i = 0; i < 4; i++) {
        log_event((int)arg);
        mica_yield();
    }
}

static void yield_rotation_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    reset_log();
    mt_spawn(log_and_yield, 1, 100);
    mt_spawn(log_and_yield, 2, 100);
    mt_spawn(log_and_yield, 3, 100);
}

/* Yield puts the caller at the tail of its priority: equal threads alternate. */
START_TEST(yield_moves_the_caller_to_the_tail_of_its_priority)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.timeslice_ticks = 1000;     /* only Yield switches */
    mica_run_result_t r = mt_run_cfg(&cfg, yield_rotation_task);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    ck_assert_int_eq(nev, 12);
    ck_assert(ev[0] != ev[1] && ev[1] != ev[2] && ev[0] != ev[2]);
    for (int i = 3; i < 12; i++)
        ck_assert_int_eq(ev[i], ev[i % 3]);
}
END_TEST

ROOT_TEST(yield_with_no_other_thread_at_the_priority_returns_at_once)
{
    reset_log();
    mt_spawn(log_arg, 2, 254);
    mica_yield();
    log_event(1);
    mica_yield();
    log_event(3);
    set_my_prio(253);
    EXPECT_LOG(1, 3, 2);
}

/* --- timeslices and round robin (sel4test SCHED0021) -------------------------------- */

#define RR_THREADS 4
#define RR_ITERS 40

static void loop_with_syscalls(mica_word_t arg)
{
    for (int i = 0; i < RR_ITERS; i++) {
        log_event((int)arg);
        mica_debug_cap_identify(MICA_CAP_INIT_TCB);
    }
}

static void round_robin_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    reset_log();
    for (int i = 0; i < RR_THREADS; i++)
        mt_spawn(loop_with_syscalls, (mica_word_t)i, 100);
}

/* The lengths of the runs of equal events in the log, and the thread of each. */
static int runs(int *len, int *who)
{
    int n = 0;
    for (int i = 0; i < nev; i++) {
        if (i == 0 || ev[i] != ev[i - 1]) {
            who[n] = ev[i];
            len[n++] = 0;
        }
        len[n - 1]++;
    }
    return n;
}

static void check_round_robin(unsigned slice)
{
    static int len[LOG_MAX], who[LOG_MAX];
    ck_assert_int_eq(nev, RR_THREADS * RR_ITERS);
    int n = runs(len, who);
    int last = RR_ITERS % (int)slice ? RR_ITERS % (int)slice : (int)slice;
    ck_assert_int_eq(n, RR_THREADS * ((RR_ITERS + (int)slice - 1) / (int)slice));
    for (int i = 0; i < n; i++) {
        /* Each ran exactly one timeslice of system calls, the last runs what was left... */
        ck_assert_msg(len[i] == (i < n - RR_THREADS ? (int)slice : last),
                      "slice %u: run %d of thread %d has %d events", slice, i, who[i], len[i]);
        /* ...and they took turns in a fixed rotation. */
        ck_assert_msg(who[i] == who[i % RR_THREADS], "slice %u: run %d is thread %d, not %d",
                      slice, i, who[i], who[i % RR_THREADS]);
    }
    for (int i = 1; i < RR_THREADS; i++)
        for (int j = 0; j < i; j++)
            ck_assert_int_ne(who[i], who[j]);
}

/*
 * sel4test SCHED0021: equal-priority threads that keep entering the kernel
 * are preempted at the end of each timeslice and take turns round robin.
 */
START_TEST(equal_priority_threads_share_the_cpu_round_robin_SCHED0021)
{
    mica_config_t cfg;
    mt_config(&cfg);
    ck_assert_uint_eq(cfg.timeslice_ticks, 5);
    mica_run_result_t r = mt_run_cfg(&cfg, round_robin_task);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    check_round_robin(5);
}
END_TEST

START_TEST(the_timeslice_length_follows_the_configuration)
{
    static const unsigned slices[] = { 1, 2, 3, 8 };
    for (unsigned k = 0; k < sizeof slices / sizeof slices[0]; k++) {
        mica_config_t cfg;
        mt_config(&cfg);
        cfg.timeslice_ticks = slices[k];
        mica_run_result_t r = mt_run_cfg(&cfg, round_robin_task);
        ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
        check_round_robin(slices[k]);
    }
}
END_TEST

static volatile mica_word_t sink;

/* Built without basic-block hooks: the clock never sees this loop. */
static MT_NO_BLOCK_HOOKS void compute_without_syscalls(mica_word_t arg)
{
    log_event((int)arg);
    for (mica_word_t i = 0; i < 2000000; i++)
        sink += i;
    log_event((int)arg);
}

/* The same loop with hooks: 2,000,000 blocks, a tick every 10,000 or so. */
static void compute_with_block_hooks(mica_word_t arg)
{
    log_event((int)arg);
    for (mica_word_t i = 0; i < 2000000; i++)
        sink += i;
    log_event((int)arg);
}

static void no_syscalls_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    reset_log();
    for (int i = 0; i < 3; i++)
        mt_spawn(compute_without_syscalls, (mica_word_t)i, 100);
}

static void hooked_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    reset_log();
    for (int i = 0; i < 3; i++)
        mt_spawn(compute_with_block_hooks, (mica_word_t)i, 100);
}

/*
 * Resume (restart) puts a thread at the head of its ready queue, as seL4's
 * tcbSchedEnqueue does, so equal-priority threads started by a higher one
 * begin with the one started last.
 */
START_TEST(threads_resumed_by_a_higher_priority_thread_queue_at_the_head)
{
    mica_run_result_t r = mt_run(round_robin_task);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    ck_assert_int_eq(ev[0], RR_THREADS - 1);
}
END_TEST

/*
 * The virtual clock only ticks at kernel entries: pure computation built
 * without basic-block hooks is never preempted.
 */
START_TEST(threads_that_never_enter_the_kernel_are_not_preempted)
{
    if (!MT_HAVE_NO_BLOCK_HOOKS)
        return;     /* the compiler cannot leave one function uninstrumented */
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.timeslice_ticks = 1;
    mica_run_result_t r = mt_run_cfg(&cfg, no_syscalls_task);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    ck_assert_int_eq(nev, 6);
    for (int i = 0; i < 6; i += 2)
        ck_assert_int_eq(ev[i], ev[i + 1]);
}
END_TEST

/*
 * With basic-block hooks the same computation is preempted at tick
 * boundaries: with a 1-tick timeslice every thread has started before any
 * finishes, and the ticks moved virtual time although nobody made a call.
 */
START_TEST(computation_with_block_hooks_is_preempted_round_robin)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.timeslice_ticks = 1;
    mica_run_result_t r = mt_run_cfg(&cfg, hooked_task);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    ck_assert_int_eq(nev, 6);
    ck_assert(ev[0] != ev[1] && ev[1] != ev[2] && ev[0] != ev[2]);
    ck_assert_uint_gt(r.ticks, 3 * 2000000 / 20000);  /* at least a tick per 2 periods */
}
END_TEST

static void high_and_low_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    reset_log();
    mt_spawn(log_arg, 99, 100);
    mt_spawn(loop_with_syscalls, 7, 150);
}

/* Timeslices rotate equal priorities only: a lower thread waits for the higher one. */
START_TEST(a_timeslice_never_lets_a_lower_priority_thread_run)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.timeslice_ticks = 1;
    mica_run_result_t r = mt_run_cfg(&cfg, high_and_low_task);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    ck_assert_int_eq(nev, RR_ITERS + 1);
    for (int i = 0; i < RR_ITERS; i++)
        ck_assert_int_eq(ev[i], 7);
    ck_assert_int_eq(ev[RR_ITERS], 99);
}
END_TEST

/* --- debug ------------------------------------------------------------------------------ */

static void dump_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    obj[0] = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mt_spawn_named("ready-hi", log_arg, 1, 200);
    mt_spawn_named("ready-lo", log_arg, 2, 3);
    mt_spawn_named("waiter", wait_and_log_forever, 0, 250);
    mica_debug_dump_scheduler();
    set_my_prio(100);       /* the waiter blocks, ready-hi runs */
    mica_debug_dump_scheduler();
}

START_TEST(debug_dump_scheduler_lists_the_ready_threads)
{
    char path[] = "/tmp/mica-test-sched-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.log_path = path;
    mica_run_result_t r = mt_run_cfg(&cfg, dump_task);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    unlink(path);
    ck_assert_ptr_nonnull(strstr(text, "ready-hi"));
    ck_assert_ptr_nonnull(strstr(text, "ready-lo"));
}
END_TEST

/* --- suite ------------------------------------------------------------------------------ */

static Suite *sched_suite(void)
{
    Suite *s = suite_create("sched");
    TCase *tc;

    tc = tcase_create("suspend_resume");
    tcase_add_test(tc, a_suspended_thread_stops_and_a_resumed_one_continues_SCHED0000);
    tcase_add_test(tc, helpers_suspend_and_resume_each_other_SCHED0003);
    tcase_add_test(tc, resuming_oneself_is_a_no_op_SCHED0002);
    tcase_add_test(tc, a_thread_resuming_itself_carries_on_SCHED0002);
    tcase_add_test(tc, resuming_a_ready_thread_changes_nothing);
    tcase_add_test(tc, resuming_a_higher_priority_thread_runs_it_at_once);
    suite_add_tcase(s, tc);

    tc = tcase_create("priorities");
    tcase_add_test(tc, threads_at_every_priority_run_in_priority_order_SCHED0004);
    suite_add_tcase(s, tc);

    tc = tcase_create("set_priority");
    tcase_add_test(tc, set_priority_reorders_ready_threads_SCHED0005);
    tcase_add_test(tc, lowering_ones_own_priority_below_a_ready_thread_switches_at_once);
    tcase_add_test(tc, the_priority_of_a_blocked_thread_applies_when_it_wakes);
    tcase_add_test(tc, raising_a_thread_above_the_caller_runs_it_at_once_SCHED0020);
    tcase_add_test(tc, raising_a_thread_to_the_callers_priority_does_not_preempt);
    suite_add_tcase(s, tc);

    tc = tcase_create("ipc");
    tcase_add_test(tc, send_to_a_higher_priority_receiver_switches_to_it_SCHED0006);
    tcase_add_test(tc,
                   send_to_an_equal_or_lower_priority_receiver_keeps_the_sender_running_SCHED0006);
    tcase_add_test(tc,
                   receiving_from_a_waiting_sender_switches_only_to_a_higher_one_SCHED0006);
    tcase_add_test(tc, senders_are_received_in_arrival_order_regardless_of_priority_SCHED0006);
    tcase_add_test(tc, call_switches_to_a_waiting_server_and_reply_switches_back);
    tcase_add_test(tc, a_higher_priority_thread_woken_by_a_signal_preempts);
    suite_add_tcase(s, tc);

    tc = tcase_create("yield");
    tcase_add_test(tc, yield_moves_the_caller_to_the_tail_of_its_priority);
    tcase_add_test(tc, yield_with_no_other_thread_at_the_priority_returns_at_once);
    suite_add_tcase(s, tc);

    tc = tcase_create("timeslice");
    tcase_add_test(tc, equal_priority_threads_share_the_cpu_round_robin_SCHED0021);
    tcase_add_test(tc, the_timeslice_length_follows_the_configuration);
    tcase_add_test(tc, threads_resumed_by_a_higher_priority_thread_queue_at_the_head);
    tcase_add_test(tc, threads_that_never_enter_the_kernel_are_not_preempted);
    tcase_add_test(tc, computation_with_block_hooks_is_preempted_round_robin);
    tcase_add_test(tc, a_timeslice_never_lets_a_lower_priority_thread_run);
    suite_add_tcase(s, tc);

    tc = tcase_create("debug");
    tcase_add_test(tc, debug_dump_scheduler_lists_the_ready_threads);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(sched_suite)
