/*
 * Lab 6: notifications - Signal, Wait and Poll, badge bits, and a bounded
 * buffer in shared memory between two producers and a consumer (README.md
 * says what to do; `scripts/lab 6` checks it).
 *
 * Three processes, each with its own VSpace: producer 0, producer 1 and
 * the consumer. One frame, mapped in all three at BUF_VADDR, holds a ring
 * of RING items per producer. A producer that finds its ring full waits for
 * "space"; the consumer waits for "data". Nobody spins: a thread with
 * nothing to do blocks in the kernel on a notification.
 *
 *   data      one notification; producer p signals it through a cap with
 *             badge bit 1 << p, so the consumer's Wait says which rings
 *             have new items (the bits of all signals since its last Wait)
 *   space[p]  one notification per producer; the consumer signals it after
 *             taking items from ring p
 *
 * Your code goes where it says TASK n; everything else is the lab's, which
 * checks what you did.
 */
#include <stdio.h>
#include <string.h>
#include <mica/mica.h>
#include "lab.h"
#include "watch.h"

#define PRODUCERS 2
#define ITEMS     20            /* items each producer sends */
#define RING      4             /* slots of each producer's ring */
#define BUF_VADDR 0x180000ul    /* where the shared frame is, in each process */

/* The shared frame: one ring per producer. head: items put; tail: items taken. */
typedef struct ring {
    mica_word_t head, tail;     /* read and written with __atomic */
    mica_word_t item[RING];
} ring_t;

static mica_env_t env;
static mica_process_t proc[PRODUCERS + 1];  /* producers 0, 1; the consumer is proc[2] */
static mica_cptr_t frame;                   /* the shared frame */
static mica_cptr_t data;                    /* the data notification (all rights) */
static mica_cptr_t data_cap[PRODUCERS];     /* TASK 2: producer p's cap to data */
static mica_cptr_t space[PRODUCERS];        /* the space notifications (all rights) */
static mica_cptr_t fault_ep, done;
static int current_task;

/* The consumer's record of what arrived (the lab's check of TASKs 2 and 3). */
static volatile mica_word_t next_seq[PRODUCERS], delivered, order_errors, badges_seen, wakeups;
static volatile int producer_waiting[PRODUCERS], producer_done[PRODUCERS], consumer_done;

static ring_t *rings(void)
{
    return (ring_t *)mica_vaddr_to_ptr(BUF_VADDR);
}

__attribute__((unused)) static void record(mica_word_t item)
{
    mica_word_t p = item >> 32, seq = item & 0xffffffffu;
    if (p >= PRODUCERS || seq != next_seq[p])
        order_errors++;
    else
        next_seq[p]++;
    delivered++;
}

/* --- the producers and the consumer ---------------------------------------------------- */

/* Producer p: its caps to data (Write) and to space[p] (Read) are the CPtrs dcap and scap. */
static void producer_main(mica_word_t p, mica_word_t dcap, mica_word_t scap, mica_word_t r3)
{
    (void)r3;
    ring_t *r = &rings()[p];
    for (mica_word_t i = 0; i < ITEMS; i++) {
        mica_word_t item = p << 32 | i;
        /*
         * TASK 2 (producer): put item into ring r. While the ring is full
         * (head - tail == RING), wait on space (scap); then store the item
         * at item[head % RING], advance head, and signal data (dcap).
         */
        //@ solution 2
        mica_word_t badge;
        while (r->head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) == RING) {
            producer_waiting[p] = 1;
            mica_wait(scap, &badge);
            producer_waiting[p] = 0;
        }
        r->item[r->head % RING] = item;
        __atomic_store_n(&r->head, r->head + 1, __ATOMIC_RELEASE);
        mica_signal(dcap);
        //@ starter 2
        (void)r; (void)item; (void)dcap; (void)scap;
        lab_todo(2, "in producer_main(): wait for space while the ring is full, store, signal data");
        //@ end
    }
    producer_done[p] = 1;
}

/* The consumer: its cap to data (Read) is dcap; to space[p] (Write), scap0 + p. */
static void consumer_main(mica_word_t dcap, mica_word_t scap0, mica_word_t done_cap, mica_word_t r3)
{
    (void)r3;
    ring_t *r = rings();
    while (delivered < PRODUCERS * ITEMS) {
        mica_word_t bits = 0;
        /*
         * TASK 3 (consumer): wait for data (dcap). For each producer p
         * whose bit (1 << p) is in the word you got, take every item in
         * its ring (while tail != head: record(item[tail % RING]), advance
         * tail), then signal space to it (scap0 + p).
         */
        //@ solution 3
        mica_wait(dcap, &bits);
        for (mica_word_t p = 0; p < PRODUCERS; p++) {
            if (!(bits & (1ul << p)))
                continue;
            while (r[p].tail != __atomic_load_n(&r[p].head, __ATOMIC_ACQUIRE)) {
                record(r[p].item[r[p].tail % RING]);
                __atomic_store_n(&r[p].tail, r[p].tail + 1, __ATOMIC_RELEASE);
            }
            mica_signal(scap0 + p);
        }
        //@ starter 3
        (void)r; (void)dcap; (void)scap0;
        lab_todo(3, "in consumer_main(): wait on data, empty the rings its bits name, signal space");
        //@ wrong busy-wait 3
        mica_poll(dcap, &bits);         /* no waiting: look again at once */
        for (mica_word_t p = 0; p < PRODUCERS; p++) {
            if (!(bits & (1ul << p)))
                continue;
            while (r[p].tail != __atomic_load_n(&r[p].head, __ATOMIC_ACQUIRE)) {
                record(r[p].item[r[p].tail % RING]);
                __atomic_store_n(&r[p].tail, r[p].tail + 1, __ATOMIC_RELEASE);
            }
            mica_signal(scap0 + p);
        }
        //@ wrong no-space-signal 3
        mica_wait(dcap, &bits);
        for (mica_word_t p = 0; p < PRODUCERS; p++) {
            if (!(bits & (1ul << p)))
                continue;
            while (r[p].tail != __atomic_load_n(&r[p].head, __ATOMIC_ACQUIRE)) {
                record(r[p].item[r[p].tail % RING]);
                __atomic_store_n(&r[p].tail, r[p].tail + 1, __ATOMIC_RELEASE);
            }
        }
        //@ end
        wakeups++;
        badges_seen |= bits;
    }
    consumer_done = 1;
    mica_signal(done_cap);
}

/* --- the lab's fault handler: a VM fault at the buffer means it is not mapped ---------- */

static void fault_handler(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_msginfo_t m = mica_recv(fault_ep, &badge);
    mica_fault_t f = mica_fault_decode(m, badge);
    const char *who = badge == PRODUCERS ? "the consumer" : badge == 0 ? "producer 0" : "producer 1";
    printf("lab: %s took a fault (kind %lu) at address 0x%lx\n", who, (unsigned long)f.kind,
           (unsigned long)f.addr);
    lab_fact("fault_who", (long long)badge);
    lab_fact("fault_kind", (long long)f.kind);
    lab_fact("fault_addr", (long long)f.addr);
    lab_fact("fault_task", current_task);
    mica_debug_halt();
}

/* The watch's report: who is still waiting. */
static void report(void)
{
    lab_fact("stuck_task", current_task);
    for (int p = 0; p < PRODUCERS; p++) {
        char key[32];
        snprintf(key, sizeof key, "waiting_space_%d", p);
        lab_fact(key, producer_waiting[p]);
    }
    lab_fact("consumer_done", consumer_done);
    lab_fact("delivered", (long long)delivered);
    lab_fact("badges_seen", (long long)badges_seen);
}

static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_init(&env, bi);
    fault_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    done = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    data = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    for (int p = 0; p < PRODUCERS; p++)
        space[p] = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    frame = mica_env_make(&env, MICA_FRAME_OBJECT, 0);
    static const char *const names[] = { "producer0", "producer1", "consumer" };
    for (int i = 0; i <= PRODUCERS; i++) {
        /* The consumer runs above the producers: it takes each item as soon as it is there. */
        mica_process_config_t cfg = { .name = names[i], .prio = i == PRODUCERS ? 150 : 100,
                                      .fault_ep = fault_ep,
                                      .fault_badge = (mica_word_t)i };
        if (mica_process_create(&env, &cfg, &proc[i]) != MICA_NO_ERROR) {
            printf("lab: cannot make %s: %s\n", names[i], mica_env_error_text(&env));
            return;
        }
    }
    mica_thread_spawn(&env, "faults", fault_handler, 0, 200);
    lab_watch_start(&env, report);

    /*
     * TASK 1: map the shared frame read-write at BUF_VADDR in each of the
     * three VSpaces (proc[i].vspace; mica_user_map makes a page table if
     * one is missing). A frame cap holds one mapping.
     */
    lab_task(current_task = 1);
    //@ solution 1
    for (int i = 0; i <= PRODUCERS; i++) {
        mica_cptr_t copy = mica_env_mint(&env, frame, MICA_ALL_RIGHTS, 0);
        mica_user_map(&env, proc[i].vspace, BUF_VADDR, copy, MICA_READ_WRITE);
    }
    //@ starter 1
    lab_todo(1, "map a copy of frame (mica_env_mint) at BUF_VADDR in each proc[i].vspace");
    //@ wrong one-cap 1
    for (int i = 0; i <= PRODUCERS; i++)
        mica_user_map(&env, proc[i].vspace, BUF_VADDR, frame, MICA_READ_WRITE);
    //@ end
    /* The lab's own look at the frame, to clear it. */
    mica_cptr_t mine = mica_env_mint(&env, frame, MICA_ALL_RIGHTS, 0);
    mica_word_t va = mica_env_vaddr(&env, 1);
    mica_user_map(&env, MICA_CAP_INIT_VSPACE, va, mine, MICA_READ_WRITE);
    memset(mica_vaddr_to_ptr(va), 0, 4096);

    /*
     * TASK 2 (root side): mint data_cap[p], producer p's cap to data:
     * Write only, badge bit 1 << p. The producer's put is in producer_main.
     */
    lab_task(current_task = 2);
    //@ solution 2
    for (int p = 0; p < PRODUCERS; p++)
        data_cap[p] = mica_env_mint(&env, data, MICA_CAN_WRITE, 1ul << p);
    //@ starter 2
    lab_todo(2, "mint data_cap[p] from data: Write, badge 1 << p");
    //@ wrong no-badge 2
    for (int p = 0; p < PRODUCERS; p++)
        data_cap[p] = mica_env_mint(&env, data, MICA_CAN_WRITE, 0);
    //@ end

    /* Their caps, and off they go. TASK 3 is in consumer_main. */
    mica_cptr_t cdata = mica_process_give(&proc[PRODUCERS], data, MICA_CAN_READ, 0);
    mica_cptr_t cspace = mica_process_give(&proc[PRODUCERS], space[0], MICA_CAN_WRITE, 0);
    mica_process_give(&proc[PRODUCERS], space[1], MICA_CAN_WRITE, 0);
    for (mica_word_t p = 0; p < PRODUCERS; p++) {
        mica_cptr_t d = mica_process_give(&proc[p], data_cap[p], MICA_CAN_WRITE, 0);
        mica_cptr_t s = mica_process_give(&proc[p], space[p], MICA_CAN_READ, 0);
        mica_process_start(&proc[p], producer_main, p, d, s, 0);
    }
    mica_cptr_t cdone = mica_process_give(&proc[PRODUCERS], done, MICA_CAN_WRITE, 0);
    /* Below the producers for a moment: they fill their rings and wait for space. */
    mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 2);
    mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 255);
    lab_fact("waited_for_space", producer_waiting[0] + producer_waiting[1]);
    lab_task(current_task = 3);
    mica_process_start(&proc[PRODUCERS], consumer_main, cdata, cspace, cdone, 0);
    mica_word_t badge;
    mica_wait(done, &badge);
    printf("consumer: %lu items, %lu out of order, in %lu wakeups (badges seen 0x%lx)\n",
           (unsigned long)delivered, (unsigned long)order_errors, (unsigned long)wakeups,
           (unsigned long)badges_seen);
    lab_fact("delivered", (long long)delivered);
    lab_fact("order_errors", (long long)order_errors);
    lab_fact("wakeups", (long long)wakeups);
    lab_fact("badges_seen", (long long)badges_seen);
    lab_fact("finished", 1);
    lab_watch_done = 1;
}

LAB_MAIN(root)
