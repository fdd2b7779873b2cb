/*
 * test_smp.c - several simulated CPUs: host threads under one big kernel
 * lock, per-CPU ready queues, affinity, IPIs, cross-CPU IPC, and taking a
 * running thread from another CPU (suspend, delete, migrate). Names follow
 * sel4test's MULTICORE00xx where a test mirrors one.
 *
 * Task code on different CPUs really runs in parallel here, so threads
 * share plain variables only through __atomic operations, and checks that
 * depend on another CPU having reacted wait for it (bounded).
 * Every run checks the kernel invariants after every kernel entry.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <string.h>
#include <time.h>
#include "harness.h"

#define LOAD(x)      __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v)  __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)
#define ADD(x, v)    __atomic_add_fetch(&(x), (v), __ATOMIC_SEQ_CST)

static unsigned ncpus_run;

static void smp_config(mica_config_t *cfg, unsigned cpus)
{
    mt_config(cfg);
    cfg->cpus = cpus;
    cfg->max_threads = 512;
}

static mica_run_result_t run_on(unsigned cpus, mt_root_fn fn)
{
    mica_config_t cfg;
    smp_config(&cfg, cpus);
    ncpus_run = cpus;
    mica_run_result_t r = mt_run_cfg(&cfg, fn);
    ck_assert_msg(r.reason == MICA_STOP_IDLE, "run stopped with %s: %s",
                  mica_stop_reason_name(r.reason), r.message);
    ck_assert_uint_eq(r.cpus, cpus);
    return r;
}

/* A thread at prio on CPU cpu (it starts queued on CPU 0 and is moved before it runs). */
static mica_cptr_t spawn_on(unsigned cpu, const char *name, mt_entry_fn fn, mica_word_t arg,
                            mica_word_t prio)
{
    mica_cptr_t t = mt_spawn_named(name, fn, arg, prio);
    if (cpu)
        mt_assert_err(mica_tcb_set_affinity(t, cpu), MICA_NO_ERROR);
    return t;
}

/* Wait on the host clock (task code may sleep; the CPU stays ours). */
static void sleep_ms(unsigned ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Spin until *p != 0 or about 10 s pass; the value. */
static unsigned long wait_nonzero(unsigned long *p)
{
    for (int i = 0; i < 10000; i++) {
        unsigned long v = LOAD(*p);
        if (v)
            return v;
        sleep_ms(1);
    }
    return 0;
}

/* --- every CPU runs threads ------------------------------------------------------- */

static unsigned long seen_cpu[MICA_MAX_CPUS];
static mica_cptr_t done_ntfn;

static void record_cpu(mica_word_t i)
{
    STORE(seen_cpu[i], (unsigned long)mica_sim_cpu() + 1);
    mica_signal(done_ntfn);
}

static void every_cpu_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    done_ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    memset(seen_cpu, 0, sizeof seen_cpu);
    ck_assert_uint_eq(mica_sim_cpu(), 0);           /* the root task starts on CPU 0 */
    for (unsigned c = 0; c < ncpus_run; c++)
        spawn_on(c, "worker", record_cpu, c, 100);
    for (unsigned n = 0; n < ncpus_run; ) {
        mica_word_t badge;
        mica_wait(done_ntfn, &badge);
        n = 0;
        for (unsigned c = 0; c < ncpus_run; c++)
            n += LOAD(seen_cpu[c]) != 0;
    }
    for (unsigned c = 0; c < ncpus_run; c++)
        ck_assert_msg(LOAD(seen_cpu[c]) == c + 1, "the thread for CPU %u ran on CPU %lu", c,
                      LOAD(seen_cpu[c]) - 1);
}

START_TEST(a_thread_runs_on_each_cpu_it_is_given_MULTICORE0001)
{
    mica_run_result_t r = run_on(2, every_cpu_task);
    ck_assert_uint_gt(r.cpu[1].kernel_entries, 0);
    r = run_on(4, every_cpu_task);
    for (unsigned c = 0; c < 4; c++)
        ck_assert_uint_gt(r.cpu[c].kernel_entries, 0);
}
END_TEST

/* --- task code runs in parallel ---------------------------------------------------- */

static unsigned long go, started_flag, spins;

static void wait_for_go(mica_word_t arg)
{
    (void)arg;
    STORE(started_flag, 1);
    while (!LOAD(go))       /* on one CPU this would never end: the root never blocks */
        ADD(spins, 1);
}

static void parallel_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    STORE(go, 0);
    STORE(started_flag, 0);
    spawn_on(1, "spinner", wait_for_go, 0, 100);
    /* The root (priority 255, CPU 0) never blocks while the spinner starts on CPU 1. */
    ck_assert_msg(wait_nonzero(&started_flag), "the thread on CPU 1 never ran");
    STORE(go, 1);
}

START_TEST(task_code_on_two_cpus_runs_at_the_same_time)
{
    run_on(2, parallel_task);
}
END_TEST

/* --- taking a running thread from another CPU ---------------------------------- */

static unsigned long counter;

static void count_forever(mica_word_t arg)
{
    (void)arg;
    for (;;)
        ADD(counter, 1);
}

/* The counter stops moving (within a bounded wait): its thread is not running. */
static int counter_stopped(void)
{
    for (int tries = 0; tries < 200; tries++) {
        unsigned long a = LOAD(counter);
        sleep_ms(5);
        if (LOAD(counter) == a)
            return 1;
    }
    return 0;
}

static void suspend_remote_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    STORE(counter, 0);
    mica_cptr_t t = spawn_on(1, "counter", count_forever, 0, 100);
    ck_assert(wait_nonzero(&counter));
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
    ck_assert_msg(counter_stopped(), "the suspended thread kept running on CPU 1");
    unsigned long before = LOAD(counter);
    sleep_ms(20);
    ck_assert_uint_eq(LOAD(counter), before);
    /* Resumed, it goes on counting where it stopped. */
    mt_assert_err(mica_tcb_resume(t), MICA_NO_ERROR);
    for (int i = 0; i < 2000 && LOAD(counter) == before; i++)
        sleep_ms(1);
    ck_assert_uint_gt(LOAD(counter), before);
    /* Suspended for good: the run can end. */
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
    ck_assert(counter_stopped());
}

START_TEST(suspend_and_resume_of_a_thread_running_on_another_cpu_MULTICORE0002)
{
    mica_run_result_t r = run_on(2, suspend_remote_task);
    ck_assert_uint_gt(r.cpu[1].ipis, 0);
}
END_TEST

static unsigned long after_delete;

static void note_and_exit(mica_word_t arg)
{
    (void)arg;
    STORE(after_delete, (unsigned long)mica_sim_cpu() + 1);
    mica_signal(done_ntfn);
}

static void delete_remote_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    STORE(counter, 0);
    STORE(after_delete, 0);
    done_ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t t = spawn_on(1, "victim", count_forever, 0, 100);
    ck_assert(wait_nonzero(&counter));
    mt_assert_err(mica_cnode_delete(CNODE, t, DEPTH), MICA_NO_ERROR);
    ck_assert_msg(counter_stopped(), "the deleted thread kept running on CPU 1");
    /* CPU 1 goes on with other threads, and its memory can be used again. */
    spawn_on(1, "next", note_and_exit, 0, 100);
    mica_word_t badge;
    mica_wait(done_ntfn, &badge);
    ck_assert_uint_eq(LOAD(after_delete), 2);
}

START_TEST(delete_of_a_thread_running_on_another_cpu_MULTICORE0003)
{
    run_on(2, delete_remote_task);
}
END_TEST

/* --- migrating a running thread ---------------------------------------------------- */

static unsigned long where;

static void report_where(mica_word_t arg)
{
    (void)arg;
    /* Spin on CPU 1 until the thread finds itself on CPU 0. */
    for (;;) {
        unsigned c = mica_sim_cpu();
        STORE(where, (unsigned long)c + 1);
        if (c == 0)
            break;
    }
    mica_signal(done_ntfn);
}

static void migrate_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    STORE(where, 0);
    done_ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t t = spawn_on(1, "mover", report_where, 0, 100);
    while (wait_nonzero(&where) != 2)
        ;
    mt_assert_err(mica_tcb_set_affinity(t, 0), MICA_NO_ERROR);
    mica_word_t badge;
    mica_wait(done_ntfn, &badge);       /* lets it run here, on CPU 0 */
    ck_assert_uint_eq(LOAD(where), 1);
}

START_TEST(set_affinity_moves_a_running_thread_to_another_cpu)
{
    run_on(2, migrate_task);
}
END_TEST

static void affinity_errors_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t t = mt_spawn(record_cpu, 0, 0);
    mt_assert_err(mica_tcb_set_affinity(t, 2), MICA_ILLEGAL_OPERATION);
    mt_assert_err(mica_tcb_set_affinity(t, ~0ul), MICA_ILLEGAL_OPERATION);
    mt_assert_err(mica_tcb_set_affinity(t, 1), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
}

START_TEST(set_affinity_to_a_cpu_beyond_the_configured_ones_is_illegal)
{
    run_on(2, affinity_errors_task);
}
END_TEST

/* --- SetAffinity queues at the tail; a new TCB starts on its maker's CPU ------------- */

static unsigned long order_log[8], order_n;
static mica_cptr_t order_tcb[8];

static void log_order(unsigned long what)
{
    unsigned long i = ADD(order_n, 1) - 1;
    if (i < 8)
        STORE(order_log[i], what);
}

static void log_and_exit(mica_word_t i)
{
    log_order(i);
}

/* Log 10 + i, re-pin itself to its own CPU, log 20 + i. */
static void log_repin_log(mica_word_t i)
{
    log_order(10 + i);
    mt_assert_err(mica_tcb_set_affinity(order_tcb[i], mica_sim_cpu()), MICA_NO_ERROR);
    log_order(20 + i);
}

/* Let every thread below the root on CPU 0 run until it blocks or ends. */
static void root_steps_aside(void)
{
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 1), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, MICA_MAX_PRIO),
                  MICA_NO_ERROR);
}

/*
 * seL4: invokeTCB_SetAffinity - SCHED_APPEND: the thread joins the tail of
 * its CPU's queue, so threads re-pinned one after another run in that order;
 * and a thread re-pinning itself lets an equal-priority thread run first,
 * like a Yield (rescheduleRequired with itself at the tail).
 */
static void affinity_appends_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    STORE(order_n, 0);
    for (unsigned i = 0; i < 3; i++)
        order_tcb[i] = mt_spawn(log_and_exit, i, 100);
    const unsigned pin[3] = { 1, 2, 0 };
    for (unsigned i = 0; i < 3; i++)
        mt_assert_err(mica_tcb_set_affinity(order_tcb[pin[i]], 0), MICA_NO_ERROR);
    root_steps_aside();
    ck_assert_uint_eq(LOAD(order_n), 3);
    for (unsigned i = 0; i < 3; i++)
        ck_assert_uint_eq(LOAD(order_log[i]), pin[i]);

    STORE(order_n, 0);
    order_tcb[0] = mt_spawn(log_repin_log, 0, 100);
    order_tcb[1] = mt_spawn(log_and_exit, 1, 100);
    mt_assert_err(mica_tcb_set_affinity(order_tcb[0], 0), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_affinity(order_tcb[1], 0), MICA_NO_ERROR);
    root_steps_aside();
    ck_assert_uint_eq(LOAD(order_n), 3);
    ck_assert_uint_eq(LOAD(order_log[0]), 10);
    ck_assert_uint_eq(LOAD(order_log[1]), 1);       /* the other thread ran in between */
    ck_assert_uint_eq(LOAD(order_log[2]), 20);
}

START_TEST(set_affinity_appends_to_the_queue_and_re_pinning_oneself_yields)
{
    run_on(2, affinity_appends_task);
    run_on(1, affinity_appends_task);
}
END_TEST

static unsigned long child_cpu;

static void record_child_cpu(mica_word_t arg)
{
    (void)arg;
    STORE(child_cpu, (unsigned long)mica_sim_cpu() + 1);
    mica_signal(done_ntfn);
}

/* On CPU 1: make a TCB and start it with no SetAffinity, then wait for it. */
static void spawn_child_here(mica_word_t arg)
{
    (void)arg;
    mt_spawn_named("child", record_child_cpu, 0, 100);
}

/* seL4: createObject (TCB) - tcbAffinity = getCurrentCPUIndex(). */
static void new_tcb_affinity_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    STORE(child_cpu, 0);
    done_ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    spawn_on(1, "maker", spawn_child_here, 0, 100);
    mica_word_t badge;
    mica_wait(done_ntfn, &badge);
    ck_assert_uint_eq(LOAD(child_cpu), 2);          /* CPU 1, where it was made */
    /* And one the root makes starts on CPU 0. */
    STORE(child_cpu, 0);
    mt_spawn_named("child0", record_child_cpu, 0, 100);
    mica_wait(done_ntfn, &badge);
    ck_assert_uint_eq(LOAD(child_cpu), 1);
}

START_TEST(a_new_thread_starts_on_the_cpu_that_made_its_tcb)
{
    run_on(2, new_tcb_affinity_task);
}
END_TEST

/* --- IPC across CPUs --------------------------------------------------------------- */

static mica_cptr_t ep;

/* Answer x with x + 1 for ever. */
static void increment_server(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge, m0 = 0;
    mica_msginfo_t info = mica_recv_with_mrs(ep, &badge, &m0, NULL, NULL, NULL);
    for (;;) {
        m0 += 1 + badge * 1000000;
        info = mica_reply_recv_with_mrs(ep, mica_msginfo_new(0, 0, 0, 1), &badge, &m0, NULL,
                                        NULL, NULL);
        (void)info;
    }
}

static unsigned long calls_done[16];
static mica_cptr_t client_ep[16];

static void client(mica_word_t i)
{
    for (mica_word_t k = 0; k < 300; k++) {
        mica_word_t m0 = k;
        mica_call_with_mrs(client_ep[i], mica_msginfo_new(0, 0, 0, 1), &m0, NULL, NULL, NULL);
        ck_assert_uint_eq(m0, k + 1 + i * 1000000);
        ADD(calls_done[i], 1);
    }
    mica_signal(done_ntfn);
}

static void cross_cpu_call_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t server = spawn_on(1, "server", increment_server, 0, 200);
    for (mica_word_t k = 0; k < 1000; k++) {
        mica_word_t m0 = k;
        mica_call_with_mrs(ep, mica_msginfo_new(0, 0, 0, 1), &m0, NULL, NULL, NULL);
        ck_assert_uint_eq(m0, k + 1);
    }
    mt_assert_err(mica_tcb_suspend(server), MICA_NO_ERROR);
}

START_TEST(call_and_reply_recv_between_two_cpus)
{
    mica_run_result_t r = run_on(2, cross_cpu_call_task);
    ck_assert_uint_ge(r.ipcs, 2000);
    ck_assert_uint_gt(r.cpu[1].context_switches, 0);
}
END_TEST

/* Many clients on two CPUs, one server; root moves threads between CPUs meanwhile. */
static void stress_task_common(int move)
{
    ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    done_ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t server = spawn_on(1, "server", increment_server, 0, 150);
    const unsigned n = 8;
    mica_cptr_t clients[16];
    memset(calls_done, 0, sizeof calls_done);
    for (unsigned i = 0; i < n; i++) {
        client_ep[i] = mt_slot();
        mt_assert_err(mica_cnode_mint(CNODE, client_ep[i], DEPTH, CNODE, ep, DEPTH,
                                      MICA_ALL_RIGHTS, i), MICA_NO_ERROR);
        clients[i] = spawn_on(i % 2, "client", client, i, 100);
    }
    unsigned finished = 0, round = 0;
    /* Below the clients, the root runs on CPU 0 only when they leave it free. */
    if (move)
        mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 50), MICA_NO_ERROR);
    while (finished < n) {
        if (move) {
            /* Migrate the server and a client under load. */
            mt_assert_err(mica_tcb_set_affinity(server, round % 2), MICA_NO_ERROR);
            mt_assert_err(mica_tcb_set_affinity(clients[round % n], (round / 2) % 2), MICA_NO_ERROR);
            round++;
            sleep_ms(1);
        } else {
            mica_word_t badge;
            mica_wait(done_ntfn, &badge);
        }
        finished = 0;
        for (unsigned i = 0; i < n; i++)
            finished += LOAD(calls_done[i]) == 300;
    }
    mt_assert_err(mica_tcb_suspend(server), MICA_NO_ERROR);
    if (move)
        ck_assert_uint_gt(round, 0);
}

static void stress_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    stress_task_common(0);
}

static void move_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    stress_task_common(1);
}

START_TEST(many_clients_on_two_cpus_against_one_server_MULTICORE0004)
{
    mica_run_result_t r = run_on(2, stress_task);
    ck_assert_uint_ge(r.ipcs, 8 * 300 * 2);
}
END_TEST

START_TEST(affinity_moves_under_ipc_load_MULTICORE0005)
{
    run_on(2, move_task);
}
END_TEST

/* --- the real clock: each CPU has its own timer ----------------------------------- */

static unsigned long progress[2];

static void spin_and_count(mica_word_t i)
{
    while (!LOAD(go))
        ADD(progress[i], 1);
}

static void real_clock_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    STORE(go, 0);
    memset(progress, 0, sizeof progress);
    /* Two busy threads of one priority on CPU 1: only its timer lets both run. */
    mica_cptr_t a = spawn_on(1, "spin-a", spin_and_count, 0, 100);
    mica_cptr_t b = spawn_on(1, "spin-b", spin_and_count, 1, 100);
    ck_assert(wait_nonzero(&progress[0]));
    ck_assert(wait_nonzero(&progress[1]));
    STORE(go, 1);
    (void)a; (void)b;
}

START_TEST(the_real_clock_preempts_busy_threads_on_each_cpu)
{
    mica_config_t cfg;
    smp_config(&cfg, 2);
    cfg.clock = MICA_CLOCK_REAL;
    ncpus_run = 2;
    mica_run_result_t r = mt_run_cfg(&cfg, real_clock_task);
    ck_assert_msg(r.reason == MICA_STOP_IDLE, "%s", r.message);
}
END_TEST

/* --- task code on a VSpace stack ----------------------------------------------------- */

#define VS_REGION 0x400000ul                /* a page table covers 0x400000..0x5fffff */
#define VS_TOP (VS_REGION + 0x20000ul)      /* 128 KiB into it */
#define VS_PAGES 4

static unsigned long buffer_reads, buffers_missing, stop_reading;

/*
 * Ask the kernel for its IPC buffer (task code reading kernel state) until
 * told to stop. No ck_assert here: Check's lock, held by a thread stopped
 * by a VM fault, would block the root that serves the fault.
 */
static void read_ipc_buffer(mica_word_t arg)
{
    (void)arg;
    while (!LOAD(stop_reading)) {
        if (!mica_get_ipc_buffer())
            ADD(buffers_missing, 1);
        ADD(buffer_reads, 1);
    }
}

static void unmap_reader_stack(const mica_bootinfo_t *bi)
{
    (void)bi;
    STORE(buffer_reads, 0);
    STORE(buffers_missing, 0);
    STORE(stop_reading, 0);
    mica_cptr_t fep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t vs = mt_make(MICA_VSPACE_OBJECT, 0), pt = mt_make(MICA_PAGE_TABLE_OBJECT, 0);
    mica_cptr_t tcb = mt_make(MICA_TCB_OBJECT, 0), buf = mt_make(MICA_FRAME_OBJECT, 0);
    mica_cptr_t frames[VS_PAGES];
    mt_assert_err(mica_pdpt_map(mt_make(MICA_PDPT_OBJECT, 0), vs, 0, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_directory_map(mt_make(MICA_PAGE_DIRECTORY_OBJECT, 0), vs, 0, 0),
                  MICA_NO_ERROR);
    mt_assert_err(mica_page_table_map(pt, vs, VS_REGION, 0), MICA_NO_ERROR);
    for (unsigned i = 0; i < VS_PAGES; i++) {
        frames[i] = mt_make(MICA_FRAME_OBJECT, 0);
        mt_assert_err(mica_page_map(frames[i], vs, VS_TOP - (i + 1) * 4096ul, MICA_READ_WRITE, 0),
                      MICA_NO_ERROR);
    }
    mt_assert_err(mica_tcb_configure(tcb, fep, CNODE, 0, vs, 0, MICA_ROOT_FREE_VADDR, buf),
                  MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(tcb, MICA_CAP_INIT_TCB, 100), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_affinity(tcb, 1), MICA_NO_ERROR);
    mica_user_context_t regs = { .pc = (mica_word_t)read_ipc_buffer, .sp = VS_TOP };
    mt_assert_err(mica_tcb_write_registers(tcb, true, 0, 2, &regs), MICA_NO_ERROR);
    ck_assert(wait_nonzero(&buffer_reads));
    /* Take its top stack page away and give it back, serving its VM faults meanwhile. */
    unsigned long faults = 0;
    for (unsigned n = 0; n < 2000; n++) {
        mt_assert_err(mica_page_unmap(frames[0]), MICA_NO_ERROR);
        mica_word_t badge = 0;
        mica_msginfo_t info = mica_nbrecv(fep, &badge);
        int fault = badge == 0 && mica_msginfo_get_label(info) == MICA_FAULT_VM;
        if (fault)
            ck_assert_uint_eq(mica_get_mr(MICA_VM_FAULT_ADDR) & ~4095ul, VS_TOP - 4096ul);
        mt_assert_err(mica_page_map(frames[0], vs, VS_TOP - 4096ul, MICA_READ_WRITE, 0),
                      MICA_NO_ERROR);
        if (fault) {
            faults++;
            mica_reply(mica_msginfo_new(0, 0, 0, 0));
        }
    }
    unsigned long reads = LOAD(buffer_reads);
    STORE(stop_reading, 1);
    ck_assert_uint_gt(faults, 0);
    ck_assert_uint_gt(reads, 1000);
    ck_assert_uint_eq(LOAD(buffers_missing), 0);
    mt_assert_err(mica_tcb_suspend(tcb), MICA_NO_ERROR);
}

/*
 * With several CPUs, task code that asks about the running thread
 * (mica_get_ipc_buffer, mica_vaddr_to_ptr) takes the kernel lock. On a
 * VSpace stack it did so on that stack: when another CPU unmapped the page
 * while the thread spun for the lock, its return from the spin was a fault
 * "inside the kernel", and the simulator died (found while making mica-fuzz
 * run several CPUs). Now it runs that on its kernel stack (sim/syscall.c
 * sim_task_kernel_call), and a fault on the task stack is the thread's.
 */
START_TEST(task_code_on_a_vspace_stack_reads_kernel_state_while_another_cpu_unmaps_it)
{
    run_on(2, unmap_reader_stack);
}
END_TEST

/* --- configuration ------------------------------------------------------------------ */

static void never(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    ck_abort_msg("a bad configuration ran");
}

START_TEST(cpus_outside_1_to_8_are_a_bad_configuration)
{
    mica_config_t cfg;
    mica_run_result_t r;
    smp_config(&cfg, 0);
    ck_assert_int_eq(mica_run(&cfg, never, NULL, &r), -EINVAL);
    cfg.cpus = MICA_MAX_CPUS + 1;
    ck_assert_int_eq(mica_run(&cfg, never, NULL, &r), -EINVAL);
}
END_TEST

/* A run with 1 CPU after runs with several is the plain deterministic machine again. */
START_TEST(one_cpu_after_several_is_the_single_cpu_machine)
{
    run_on(2, every_cpu_task);
    mica_run_result_t r = run_on(1, every_cpu_task);
    ck_assert_uint_eq(r.cpu[0].ipis, 0);
}
END_TEST

/*
 * Under ThreadSanitizer signals never preempt task code (sim/clock.c), so a
 * thread running on another CPU stops only at its next kernel entry: the
 * tests that take a busy thread from its CPU, or need the real clock to
 * preempt one, are left out of that build (docs/testing.md).
 */
#if defined(__SANITIZE_THREAD__)
#define MICA_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MICA_TEST_TSAN 1
#endif
#endif

static Suite *smp_suite(void)
{
    Suite *s = suite_create("smp");
    /* One TCase per test: CK_RUN_CASE=<test name> runs one. */
#define SMP_TEST(t) tcase_add_test(mt_tcase(s, #t), t)
    SMP_TEST(a_thread_runs_on_each_cpu_it_is_given_MULTICORE0001);
    SMP_TEST(task_code_on_two_cpus_runs_at_the_same_time);
#ifndef MICA_TEST_TSAN
    SMP_TEST(suspend_and_resume_of_a_thread_running_on_another_cpu_MULTICORE0002);
#else
    (void)suspend_and_resume_of_a_thread_running_on_another_cpu_MULTICORE0002;
#endif
#ifndef MICA_TEST_TSAN
    SMP_TEST(delete_of_a_thread_running_on_another_cpu_MULTICORE0003);
#else
    (void)delete_of_a_thread_running_on_another_cpu_MULTICORE0003;
#endif
#ifndef MICA_TEST_TSAN
    SMP_TEST(set_affinity_moves_a_running_thread_to_another_cpu);
#else
    (void)set_affinity_moves_a_running_thread_to_another_cpu;
#endif
    SMP_TEST(set_affinity_to_a_cpu_beyond_the_configured_ones_is_illegal);
    SMP_TEST(set_affinity_appends_to_the_queue_and_re_pinning_oneself_yields);
    SMP_TEST(a_new_thread_starts_on_the_cpu_that_made_its_tcb);
    SMP_TEST(call_and_reply_recv_between_two_cpus);
    SMP_TEST(many_clients_on_two_cpus_against_one_server_MULTICORE0004);
    SMP_TEST(affinity_moves_under_ipc_load_MULTICORE0005);
#ifndef MICA_TEST_TSAN
    SMP_TEST(the_real_clock_preempts_busy_threads_on_each_cpu);
#else
    (void)the_real_clock_preempts_busy_threads_on_each_cpu;
#endif
    /*
     * The root remaps a page the reader is writing on another CPU - the race
     * this test provokes - and TSan counts the host mmap as a write to it.
     */
#ifndef MICA_TEST_TSAN
    SMP_TEST(task_code_on_a_vspace_stack_reads_kernel_state_while_another_cpu_unmaps_it);
#else
    (void)task_code_on_a_vspace_stack_reads_kernel_state_while_another_cpu_unmaps_it;
#endif
    SMP_TEST(cpus_outside_1_to_8_are_a_bad_configuration);
    SMP_TEST(one_cpu_after_several_is_the_single_cpu_machine);
    return s;
}

MICA_TEST_MAIN(smp_suite)
