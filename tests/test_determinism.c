#define _POSIX_C_SOURCE 200809L
/*
 * test_determinism.c - the clocks: a virtual-clock run is a function of the
 * program and the seed (byte-identical traces), the seed moves preemption
 * points, the real clock preempts a task that never enters the kernel (and
 * the virtual clock one built with basic-block hooks, deterministically), and
 * a deadlock is reported with the waiting threads named.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"

#define WORKERS 4
#define ROUNDS 40

static mica_cptr_t ep;
static char order[WORKERS * ROUNDS + 1];
static int norder;

/* Equal-priority workers that enter the kernel often: the timeslice decides the interleaving. */
static void worker(mica_word_t id)
{
    for (int i = 0; i < ROUNDS; i++) {
        order[norder++] = (char)('a' + id);
        mica_debug_cap_identify(ep);
    }
}

static void spawn_workers(const mica_bootinfo_t *bi)
{
    (void)bi;
    ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    for (mica_word_t i = 0; i < WORKERS; i++) {
        char name[16];
        snprintf(name, sizeof name, "worker%lu", (unsigned long)i);
        mt_spawn_named(name, worker, i, 100);
    }
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    static char bufs[2][1 << 20];
    static int which;
    char *b = bufs[which++ & 1];
    *len = fread(b, 1, sizeof bufs[0] - 1, f);
    b[*len] = 0;
    fclose(f);
    return b;
}

static void run_logged(uint64_t seed, const char *log, char *order_out)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.seed = seed;
    cfg.log_path = log;
    cfg.timeslice_ticks = 3;
    norder = 0;
    mica_run_result_t r = mt_run_cfg(&cfg, spawn_workers);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    order[norder] = 0;
    strcpy(order_out, order);
}

START_TEST(same_seed_gives_byte_identical_traces)
{
    static char o1[sizeof order], o2[sizeof order];
    char p1[] = "/tmp/mica-det1-XXXXXX", p2[] = "/tmp/mica-det2-XXXXXX";
    close(mkstemp(p1));
    close(mkstemp(p2));
    run_logged(7, p1, o1);
    run_logged(7, p2, o2);
    size_t l1, l2;
    char *a = slurp(p1, &l1), *b = slurp(p2, &l2);
    ck_assert_uint_gt(l1, 1000);
    ck_assert_uint_eq(l1, l2);
    ck_assert(memcmp(a, b, l1) == 0);
    ck_assert_str_eq(o1, o2);
    unlink(p1);
    unlink(p2);
}
END_TEST

START_TEST(different_seeds_change_the_interleaving)
{
    static char o0[sizeof order], o1[sizeof order], o2[sizeof order];
    run_logged(0, NULL, o0);
    run_logged(1, NULL, o1);
    run_logged(2, NULL, o2);
    /* Every worker finished in every run... */
    for (int w = 0; w < WORKERS; w++) {
        int n0 = 0, n1 = 0;
        for (int i = 0; o0[i]; i++) n0 += o0[i] == 'a' + w;
        for (int i = 0; o1[i]; i++) n1 += o1[i] == 'a' + w;
        ck_assert_int_eq(n0, ROUNDS);
        ck_assert_int_eq(n1, ROUNDS);
    }
    /* ...but the seeds placed the preemptions differently. */
    ck_assert(strcmp(o0, o1) != 0 || strcmp(o1, o2) != 0);
    ck_assert(strcmp(o1, o2) != 0);
}
END_TEST

START_TEST(no_seed_round_robins_by_exact_timeslices)
{
    static char o[sizeof order];
    run_logged(0, NULL, o);
    /* Timeslice 3 ticks, one tick per entry: runs of at most 3 before a switch. */
    int run = 1;
    for (int i = 1; o[i]; i++) {
        run = o[i] == o[i - 1] ? run + 1 : 1;
        ck_assert_int_le(run, 3);
    }
}
END_TEST

static volatile int flag;
static volatile unsigned long spins;

static void spinner(mica_word_t arg)
{
    (void)arg;
    while (!flag)
        spins++;
}

static void setter(mica_word_t arg)
{
    (void)arg;
    flag = 1;
}

static void spin_then_set(const mica_bootinfo_t *bi)
{
    (void)bi;
    mt_spawn_named("setter", setter, 0, 10);
    mt_spawn_named("spinner", spinner, 0, 10);  /* resumed last: runs first */
}

START_TEST(real_clock_preempts_a_busy_loop)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.clock = MICA_CLOCK_REAL;
    flag = 0;
    spins = 0;
    mica_run_result_t r = mt_run_cfg(&cfg, spin_then_set);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    ck_assert_int_eq(flag, 1);
    ck_assert_uint_gt(spins, 0);      /* the spinner really ran first */
    ck_assert_uint_gt(r.ticks, 0);    /* and the timer moved time */
}
END_TEST

/*
 * The virtual clock and a busy loop: this file is built with basic-block
 * hooks, so the spinner gets a tick per period of blocks without a kernel
 * entry, its timeslice ends at a tick boundary and the setter runs. Where it
 * ends is counted in blocks, not host time: the same seed gives the same
 * trace and the same number of spins.
 */
static void run_spin_logged(uint64_t seed, const char *log)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.seed = seed;
    cfg.log_path = log;
    flag = 0;
    spins = 0;
    mica_run_result_t r = mt_run_cfg(&cfg, spin_then_set);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    ck_assert_int_eq(flag, 1);
    ck_assert_uint_gt(spins, 0);
}

START_TEST(virtual_clock_preempts_an_instrumented_busy_loop_deterministically)
{
    char p1[] = "/tmp/mica-spin1-XXXXXX", p2[] = "/tmp/mica-spin2-XXXXXX";
    close(mkstemp(p1));
    close(mkstemp(p2));
    run_spin_logged(7, p1);
    unsigned long s1 = spins;
    run_spin_logged(7, p2);
    ck_assert_uint_eq(spins, s1);
    size_t l1, l2;
    char *a = slurp(p1, &l1), *b = slurp(p2, &l2);
    ck_assert_ptr_nonnull(strstr(a, "spinner: preempted by the clock"));
    ck_assert_uint_eq(l1, l2);
    ck_assert(memcmp(a, b, l1) == 0);
    unlink(p1);
    unlink(p2);
}
END_TEST

START_TEST(the_seed_moves_where_a_busy_loop_is_preempted)
{
    unsigned long s[3];
    for (int i = 0; i < 3; i++) {
        run_spin_logged((uint64_t)i + 1, NULL);
        s[i] = spins;
    }
    ck_assert(s[0] != s[1] || s[1] != s[2]);
}
END_TEST

/*
 * Blocks count only as task code on a simulated CPU: a host thread's loop
 * (run while the root task waits for it) and a loop outside any run leave
 * the spinner's preemption point where it was.
 */
static volatile unsigned long host_sink;
static unsigned long host_blocks;

static void *host_loop(void *arg)
{
    (void)arg;
    for (unsigned long i = 0; i < host_blocks; i++)
        host_sink += i;
    return NULL;
}

static void host_thread_then_spin(const mica_bootinfo_t *bi)
{
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, host_loop, NULL), 0);
    pthread_join(t, NULL);
    spin_then_set(bi);
}

static unsigned long spins_with_host_thread(unsigned long blocks)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.seed = 7;
    flag = 0;
    spins = 0;
    host_blocks = blocks;
    mica_run_result_t r = mt_run_cfg(&cfg, host_thread_then_spin);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    ck_assert_int_eq(flag, 1);
    return spins;
}

START_TEST(block_hooks_count_only_task_code_on_simulated_cpus)
{
    unsigned long a = spins_with_host_thread(10);
    unsigned long b = spins_with_host_thread(1000000);     /* 100 periods on the host thread */
    ck_assert_uint_eq(a, b);
    for (unsigned long i = 0; i < 777777; i++)              /* outside a run */
        host_sink += i;
    ck_assert_uint_eq(spins_with_host_thread(10), a);
}
END_TEST

static mica_cptr_t dl_ep;

static void caller(mica_word_t arg)
{
    (void)arg;
    mica_call(dl_ep, mica_msginfo_new(0, 0, 0, 0));     /* nobody ever receives */
}

static void deadlock_root(const mica_bootinfo_t *bi)
{
    (void)bi;
    dl_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_spawn_named("lonely-client", caller, 0, 10);
}

START_TEST(deadlock_report_names_the_waiting_thread)
{
    mica_config_t cfg;
    mt_config(&cfg);
    mica_run_result_t r = mt_run_cfg(&cfg, deadlock_root);
    ck_assert_int_eq(r.reason, MICA_STOP_DEADLOCK);
    ck_assert_uint_eq(r.threads[MICA_THREAD_BLOCKED_ON_SEND], 1);
    ck_assert_msg(strstr(r.message, "\n  lonely-client: BlockedOnSend, Call on slot ") != NULL,
                  "%s", r.message);
    ck_assert_msg(strstr(r.message, "(endpoint, badge 0): nobody receives on it") != NULL, "%s",
                  r.message);
}
END_TEST

static mica_cptr_t srv_ep, stuck_ntfn;

static void stuck_server(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_recv(srv_ep, &badge);
    mica_wait(stuck_ntfn, &badge);  /* never replies */
}

static void blocked_caller(mica_word_t arg)
{
    (void)arg;
    mica_call(srv_ep, mica_msginfo_new(0, 0, 0, 0));
}

static void chain_root(const mica_bootinfo_t *bi)
{
    (void)bi;
    srv_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    stuck_ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mt_spawn_named("server", stuck_server, 0, 20);
    mt_spawn_named("client", blocked_caller, 0, 10);
}

START_TEST(deadlock_report_follows_the_reply_chain)
{
    mica_config_t cfg;
    mt_config(&cfg);
    mica_run_result_t r = mt_run_cfg(&cfg, chain_root);
    ck_assert_int_eq(r.reason, MICA_STOP_DEADLOCK);
    ck_assert_msg(strstr(r.message, "\n  chain: client -> server\n") != NULL, "%s", r.message);
    ck_assert_msg(strstr(r.message, "waits for the reply from server") != NULL, "%s", r.message);
}
END_TEST

static void idle_server_root(const mica_bootinfo_t *bi)
{
    (void)bi;
    srv_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_spawn_named("idle-server", (mt_entry_fn)(void (*)(mica_word_t))stuck_server, 0, 20);
}

START_TEST(only_receivers_waiting_is_idle_not_deadlock)
{
    mica_run_result_t r = mt_run(idle_server_root);
    ck_assert_uint_eq(r.threads[MICA_THREAD_BLOCKED_ON_RECEIVE], 1);
}
END_TEST

static void forever(const mica_bootinfo_t *bi)
{
    (void)bi;
    for (;;)
        mica_yield();
}

START_TEST(time_limit_stops_the_run)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.time_limit_ticks = 1000;
    mica_run_result_t r = mt_run_cfg(&cfg, forever);
    ck_assert_int_eq(r.reason, MICA_STOP_TIME_LIMIT);
    ck_assert_uint_ge(r.ticks, 1000);
}
END_TEST

static Suite *determinism_suite(void)
{
    Suite *s = suite_create("determinism");
    TCase *tc = tcase_create("virtual_clock");
    tcase_add_test(tc, same_seed_gives_byte_identical_traces);
    tcase_add_test(tc, different_seeds_change_the_interleaving);
    tcase_add_test(tc, no_seed_round_robins_by_exact_timeslices);
    tcase_add_test(tc, time_limit_stops_the_run);
    tcase_add_test(tc, virtual_clock_preempts_an_instrumented_busy_loop_deterministically);
    tcase_add_test(tc, the_seed_moves_where_a_busy_loop_is_preempted);
    tcase_add_test(tc, block_hooks_count_only_task_code_on_simulated_cpus);
    suite_add_tcase(s, tc);
    tc = tcase_create("real_clock");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, real_clock_preempts_a_busy_loop);
    suite_add_tcase(s, tc);
    tc = tcase_create("outcome");
    tcase_add_test(tc, deadlock_report_names_the_waiting_thread);
    tcase_add_test(tc, deadlock_report_follows_the_reply_chain);
    tcase_add_test(tc, only_receivers_waiting_is_idle_not_deadlock);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(determinism_suite)
