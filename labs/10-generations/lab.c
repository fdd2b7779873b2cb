/*
 * Lab 10: three generations - a Mach-style port queue, and what it costs
 * next to seL4's Call / ReplyRecv (README.md says what to do; `scripts/lab
 * 10` checks it).
 *
 * portd, below, is a small port server in the manner of Mach 3's kernel IPC
 * (and of the Mach personality's machd): ports with a receiver and a queue
 * of at most QLIMIT messages, mach_msg-like SEND, RECV and SEND_RECV
 * requests, each a mica Call to portd. Everything around the queue is
 * written; the queue itself is yours: TASK 1 puts a message on it (or makes
 * the sender wait), TASK 2 takes one off (and lets a waiting sender in),
 * TASK 3 destroys it when the receiver dies, TASK 4 measures a round trip
 * through it against a plain seL4-style Call / ReplyRecv.
 */
#include <stdbool.h>
#include <stdio.h>
#include <mica/mica.h>
#include "lab.h"

#define QLIMIT 5            /* messages a port's queue holds (Mach's default qlimit) */
#define MAX_PORTS 8
#define MAX_CLIENTS 12      /* client numbers 1..11: the badge of each thread's portd cap */

/* A message: two words (Mach's header and body, much reduced). */
typedef struct msg {
    mica_word_t tag;
    mica_word_t body;
} msg_t;

typedef struct port {
    bool used, dead;
    int receiver;                   /* the client holding the receive right */
    msg_t q[QLIMIT];                /* the queue: a ring of QLIMIT messages */
    unsigned head, count;           /* the oldest message is q[head]; count in the ring */
    int waiters[MAX_CLIENTS];       /* senders waiting for room, oldest first */
    unsigned nwait;
    int rcv_waiting;                /* a client parked in RECV on this port, or -1 */
} port_t;

typedef struct client {
    int wait;                       /* W_NONE, W_SEND (for room) or W_RCV (for a message) */
    msg_t pending;                  /* W_SEND: the message it is trying to send */
    int then_recv;                  /* SEND_RECV: the port to receive on after the send, or -1 */
    mica_cptr_t reply;              /* its saved reply cap while it waits */
} client_t;

enum { W_NONE, W_SEND, W_RCV };
enum { Q_QUEUED, Q_BLOCKED };                       /* what port_enqueue did */
enum { OP_ALLOC = 16, OP_SEND, OP_RECV, OP_SEND_RECV, OP_STATUS };
enum { R_OK, R_DEAD, R_EMPTY, R_INVALID };          /* the answers */

static port_t ports[MAX_PORTS];
static client_t clients[MAX_CLIENTS];
static unsigned long dropped;       /* messages destroyed with a dead port (TASK 3) */
static unsigned long send_waits;    /* sends that found the queue full (portd counts them) */

/* ==== the port queue: your code ========================================================= */

/*
 * TASK 1: sender sends m to port p (alive). If the queue has room, put m at
 * its tail and return Q_QUEUED. If it holds QLIMIT messages already, the
 * sender must wait: keep m as its pending message (clients[sender]), add
 * the sender at the end of p's waiters, and return Q_BLOCKED (portd then
 * leaves the sender's Call unanswered until TASK 2's code lets it in).
 */
static int port_enqueue(port_t *p, int sender, msg_t m)
{
    //@ solution 1
    if (p->count == QLIMIT) {
        clients[sender].pending = m;
        p->waiters[p->nwait++] = sender;
        return Q_BLOCKED;
    }
    p->q[(p->head + p->count) % QLIMIT] = m;
    p->count++;
    return Q_QUEUED;
    //@ starter 1
    (void)p; (void)sender; (void)m;
    lab_todo(1, "port_enqueue: put m at the queue's tail, or (queue full) make the sender wait");
    //@ wrong full-at-six 1
    if (p->count > QLIMIT) {
        clients[sender].pending = m;
        p->waiters[p->nwait++] = sender;
        return Q_BLOCKED;
    }
    p->q[(p->head + p->count) % QLIMIT] = m;
    p->count++;
    return Q_QUEUED;
    //@ end
}

/*
 * TASK 2: a receive on port p. If the queue is empty, return false. Else
 * take the OLDEST message into *m and return true; and if a sender waits
 * for room, the longest-waiting one's pending message now goes on the
 * queue (at its tail) and *woken is that sender (portd answers its Call);
 * else *woken = -1.
 */
static bool port_dequeue(port_t *p, msg_t *m, int *woken)
{
    //@ solution 2
    *woken = -1;
    if (p->count == 0)
        return false;
    *m = p->q[p->head];
    p->head = (p->head + 1) % QLIMIT;
    p->count--;
    if (p->nwait > 0) {
        int s = p->waiters[0];
        for (unsigned i = 1; i < p->nwait; i++)
            p->waiters[i - 1] = p->waiters[i];
        p->nwait--;
        p->q[(p->head + p->count) % QLIMIT] = clients[s].pending;
        p->count++;
        *woken = s;
    }
    return true;
    //@ starter 2
    (void)p; (void)m; (void)woken;
    lab_todo(2, "port_dequeue: take the oldest message; let the longest-waiting sender in");
    //@ wrong no-wake 2
    *woken = -1;
    if (p->count == 0)
        return false;
    *m = p->q[p->head];
    p->head = (p->head + 1) % QLIMIT;
    p->count--;
    return true;
    //@ wrong lifo 2
    *woken = -1;
    if (p->count == 0)
        return false;
    p->count--;
    *m = p->q[(p->head + p->count) % QLIMIT];
    if (p->nwait > 0) {
        int s = p->waiters[0];
        for (unsigned i = 1; i < p->nwait; i++)
            p->waiters[i - 1] = p->waiters[i];
        p->nwait--;
        p->q[(p->head + p->count) % QLIMIT] = clients[s].pending;
        p->count++;
        *woken = s;
    }
    return true;
    //@ wrong wake-loses-message 2
    *woken = -1;
    if (p->count == 0)
        return false;
    *m = p->q[p->head];
    p->head = (p->head + 1) % QLIMIT;
    p->count--;
    if (p->nwait > 0) {
        int s = p->waiters[0];
        for (unsigned i = 1; i < p->nwait; i++)
            p->waiters[i - 1] = p->waiters[i];
        p->nwait--;
        *woken = s;
    }
    return true;
    //@ end
}

/*
 * TASK 3: p's receiver died. Destroy p's queued messages (add how many to
 * `dropped`), mark p dead (portd answers every later send R_DEAD), and
 * put every sender waiting for room into woken[] (return how many; portd
 * answers each R_DEAD: their messages were not sent).
 */
static unsigned port_destroy(port_t *p, int *woken)
{
    //@ solution 3
    dropped += p->count;
    p->count = 0;
    p->dead = true;
    unsigned n = p->nwait;
    for (unsigned i = 0; i < n; i++)
        woken[i] = p->waiters[i];
    p->nwait = 0;
    return n;
    //@ starter 3
    (void)p; (void)woken;
    lab_todo(3, "port_destroy: drop the queue, mark the port dead, hand back its waiting senders");
    //@ wrong forget-waiters 3
    (void)woken;
    dropped += p->count;
    p->count = 0;
    p->dead = true;
    return 0;
    //@ wrong not-dead 3
    dropped += p->count;
    p->count = 0;
    unsigned n = p->nwait;
    for (unsigned i = 0; i < n; i++)
        woken[i] = p->waiters[i];
    p->nwait = 0;
    return n;
    //@ end
}

/* ==== portd: the port server (the lab's code) ============================================ */

static mica_env_t env;
static mica_cptr_t portd_ep;                /* portd receives here */
static mica_cptr_t ep_of[MAX_CLIENTS];      /* client c's cap to it, badge c */

/* The answer to the request being handled, given with ReplyRecv. */
static int cur;
static bool cur_answered;
static mica_word_t cur_label, cur_mr[2];

/* Answer client c: the current caller at the end of the request, another through its reply cap. */
static void answer(int c, mica_word_t r, msg_t m)
{
    clients[c].wait = W_NONE;
    if (c == cur) {
        cur_answered = true;
        cur_label = r;
        cur_mr[0] = m.tag;
        cur_mr[1] = m.body;
        return;
    }
    mica_set_mr(0, m.tag);
    mica_set_mr(1, m.body);
    mica_send(clients[c].reply, mica_msginfo_new(r, 0, 0, 2));
}

/* Client c waits: keep its reply cap (only the current caller can be parked). */
static void park(int c, int why)
{
    clients[c].wait = why;
    mica_cnode_save_caller(MICA_CAP_INIT_CNODE, clients[c].reply, MICA_WORD_BITS);
}

static const msg_t none;

static void do_recv(int c, int pi, bool nowait);

/* c's send is done (now, or when TASK 2's code let it in): answer it, or go on to its receive. */
static void send_done(int c)
{
    int r = clients[c].then_recv;
    clients[c].then_recv = -1;
    if (r >= 0)
        do_recv(c, r, false);
    else
        answer(c, R_OK, none);
}

static void do_recv(int c, int pi, bool nowait)
{
    port_t *p = &ports[pi];
    msg_t m;
    int woken;
    if (p->dead) {
        answer(c, R_DEAD, none);
        return;
    }
    if (port_dequeue(p, &m, &woken)) {
        answer(c, R_OK, m);
        if (woken >= 0)
            send_done(woken);
    } else if (nowait) {
        answer(c, R_EMPTY, none);
    } else {
        p->rcv_waiting = c;
        park(c, W_RCV);
    }
}

static void do_send(int c, int pi, msg_t m, int then_recv)
{
    port_t *p = &ports[pi];
    clients[c].then_recv = then_recv;
    if (p->dead) {
        clients[c].then_recv = -1;
        answer(c, R_DEAD, none);
        return;
    }
    if (port_enqueue(p, c, m) == Q_BLOCKED) {
        send_waits++;
        park(c, W_SEND);
        return;
    }
    /* A receiver parked on the port takes the message now. */
    if (p->rcv_waiting >= 0) {
        int r = p->rcv_waiting;
        p->rcv_waiting = -1;
        do_recv(r, pi, false);
    }
    send_done(c);
}

/* Client c died (a fault nobody repairs): every port it receives on dies with it. */
static void client_died(int c)
{
    int woken[MAX_CLIENTS];
    for (int pi = 0; pi < MAX_PORTS; pi++) {
        if (!ports[pi].used || ports[pi].dead || ports[pi].receiver != c)
            continue;
        unsigned n = port_destroy(&ports[pi], woken);
        for (unsigned i = 0; i < n; i++) {
            clients[woken[i]].then_recv = -1;
            answer(woken[i], R_DEAD, none);
        }
    }
}

static bool port_ok(mica_word_t pi)
{
    return pi < MAX_PORTS && ports[pi].used;
}

/* One request: MR0 port, MR1 second port (SEND_RECV) or flags, MR2-3 the message. */
static void handle(int c, mica_msginfo_t info)
{
    mica_word_t op = mica_msginfo_get_label(info);
    mica_word_t a = mica_get_mr(0), b = mica_get_mr(1);
    msg_t m = { mica_get_mr(2), mica_get_mr(3) };
    if (op >= 1 && op <= 7) {           /* a fault message: c is dead */
        cur_answered = false;
        client_died(c);
        return;
    }
    switch (op) {
    case OP_ALLOC:
        for (int pi = 0; pi < MAX_PORTS; pi++)
            if (!ports[pi].used) {
                ports[pi] = (port_t){ .used = true, .receiver = c, .rcv_waiting = -1 };
                answer(c, R_OK, (msg_t){ (mica_word_t)pi, 0 });
                return;
            }
        answer(c, R_INVALID, none);
        return;
    case OP_SEND:
        if (!port_ok(a))
            break;
        do_send(c, (int)a, m, -1);
        return;
    case OP_RECV:
        if (!port_ok(a) || ports[a].receiver != c)
            break;
        do_recv(c, (int)a, b != 0);
        return;
    case OP_SEND_RECV:
        if (!port_ok(a) || !port_ok(b) || ports[b].receiver != c)
            break;
        do_send(c, (int)a, m, (int)b);
        return;
    case OP_STATUS:
        if (!port_ok(a))
            break;
        answer(c, R_OK, (msg_t){ ports[a].count, ports[a].nwait });
        return;
    }
    answer(c, R_INVALID, none);
}

static void portd(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(portd_ep, &badge);
    for (;;) {
        cur = (int)badge;
        cur_answered = false;
        if (cur > 0 && cur < MAX_CLIENTS)
            handle(cur, info);
        if (cur_answered) {
            mica_set_mr(0, cur_mr[0]);
            mica_set_mr(1, cur_mr[1]);
            info = mica_reply_recv(portd_ep, mica_msginfo_new(cur_label, 0, 0, 2), &badge);
        } else {
            info = mica_recv(portd_ep, &badge);
        }
    }
}

/* ==== the clients' side: mach_msg, much reduced ========================================== */

static mica_word_t port_call(int me, mica_word_t op, mica_word_t a, mica_word_t b, msg_t *m)
{
    mica_set_mr(0, a);
    mica_set_mr(1, b);
    mica_set_mr(2, m ? m->tag : 0);
    mica_set_mr(3, m ? m->body : 0);
    mica_msginfo_t r = mica_call(ep_of[me], mica_msginfo_new(op, 0, 0, 4));
    if (m) {
        m->tag = mica_get_mr(0);
        m->body = mica_get_mr(1);
    }
    return mica_msginfo_get_label(r);
}

static int port_alloc(int me)
{
    msg_t m = { 0, 0 };
    return port_call(me, OP_ALLOC, 0, 0, &m) == R_OK ? (int)m.tag : -1;
}

static mica_word_t port_send(int me, int port, mica_word_t tag, mica_word_t body)
{
    msg_t m = { tag, body };
    return port_call(me, OP_SEND, (mica_word_t)port, 0, &m);
}

/* A receive that does not wait: R_EMPTY when the queue is empty. */
static mica_word_t port_poll(int me, int port, msg_t *m)
{
    return port_call(me, OP_RECV, (mica_word_t)port, 1, m);
}

static void port_status(int me, int port, mica_word_t *count, mica_word_t *nwait)
{
    msg_t m = { 0, 0 };
    port_call(me, OP_STATUS, (mica_word_t)port, 0, &m);
    *count = m.tag;
    *nwait = m.body;
}

/* ==== the lab's threads ================================================================== */

enum { ROOT = 1, SENDER = 2, STRESS0 = 3, NSTRESS = 3, OWNER = 6, SENDER2 = 7, SERVER = 8 };

#define STRESS_MSGS 20
static volatile int sent_ok, sent_results[8];       /* SENDER's sends answered, and how */
static int stress_done;
static int port_a, port_s, port_d, port_srv, port_reply;

/* TASK 1-2: six sends in a row to port_a; the sixth finds the queue full. */
static void sender(mica_word_t arg)
{
    (void)arg;
    for (int i = 1; i <= 6; i++) {
        sent_results[i] = (int)port_send(SENDER, port_a, (mica_word_t)i, 100 + (mica_word_t)i);
        sent_ok = i;
    }
}

/* TASK 2: several senders at the receiver's priority, interleaved by the seed's timeslices. */
static void stress(mica_word_t me)
{
    for (mica_word_t i = 0; i < STRESS_MSGS; i++) {
        port_send((int)me, port_s, me << 16 | i, i * 7 + me);
        for (volatile int spin = 0; spin < (int)(me * 13 + i) % 40; spin++)
            ;
    }
    __atomic_fetch_add(&stress_done, 1, __ATOMIC_SEQ_CST);
}

/* TASK 3: the receive right's holder, which dies of a cap fault (a Send on a CPtr that does not
   resolve, reported to its fault endpoint: portd) once told to (a signal on die). */
static volatile int owner_ready;
static mica_cptr_t die;
static void owner(mica_word_t r0, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r0; (void)r1; (void)r2; (void)r3;
    port_d = port_alloc(OWNER);
    owner_ready = 1;
    mica_wait(die, NULL);
    mica_send(~(mica_cptr_t)0, mica_msginfo_new(0, 0, 0, 0));
}

static volatile int sender2_result = -1;
static void sender2(mica_word_t arg)
{
    (void)arg;
    sender2_result = (int)port_send(SENDER2, port_d, 99, 99);
}

/* TASK 4: a Mach-style server: SEND_RECV, answering on the client's reply port. */
static void mach_server(mica_word_t arg)
{
    (void)arg;
    msg_t m = { 0, 0 };
    port_srv = port_alloc(SERVER);      /* its own port: it holds the receive right */
    port_call(SERVER, OP_RECV, (mica_word_t)port_srv, 0, &m);
    for (;;) {
        m.body += 1;
        port_call(SERVER, OP_SEND_RECV, (mica_word_t)port_reply, (mica_word_t)port_srv, &m);
    }
}

/* TASK 4: the same service seL4's way: the client Calls, the server answers with ReplyRecv. */
static mica_cptr_t echo_ep;
static void sel4_server(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_recv(echo_ep, &badge);
    for (;;) {
        mica_set_mr(1, mica_get_mr(1) + 1);
        mica_reply_recv(echo_ep, mica_msginfo_new(0, 0, 0, 2), &badge);
    }
}

/* One round trip each way; the lab counts calls and what each cost the kernel. */
typedef void (*rt_fn)(void);
static unsigned long rt_calls[2];
static uint64_t rt_entries[2], rt_ipcs[2], rt_switches[2];
static mica_word_t rt_value;

static void rt_account(int which, const mica_run_result_t *a, const mica_run_result_t *b)
{
    rt_calls[which]++;
    rt_entries[which] += b->kernel_entries - a->kernel_entries;
    rt_ipcs[which] += b->ipcs - a->ipcs;
    rt_switches[which] += b->context_switches - a->context_switches;
}

static void mach_rt(void)
{
    mica_run_result_t a, b;
    mica_sim_counters(&a);
    msg_t m = { 1, rt_value };
    port_call(ROOT, OP_SEND_RECV, (mica_word_t)port_srv, (mica_word_t)port_reply, &m);
    rt_value = m.body;
    mica_sim_counters(&b);
    rt_account(0, &a, &b);
}

static void sel4_rt(void)
{
    mica_run_result_t a, b;
    mica_sim_counters(&a);
    mica_set_mr(0, 1);
    mica_set_mr(1, rt_value);
    mica_call(echo_ep, mica_msginfo_new(0, 0, 0, 2));
    rt_value = mica_get_mr(1);
    mica_sim_counters(&b);
    rt_account(1, &a, &b);
}

/* Per round trip, as TASK 4 measures it. */
typedef struct per_rt {
    double entries, ipcs, switches;
} per_rt_t;

/*
 * TASK 4 (part): run n round trips of rt and set *out to the kernel
 * entries, IPCs and context switches ONE round trip cost, from the kernel's
 * counters (mica_sim_counters: it does not enter the kernel, so reading it
 * adds nothing to what it counts).
 */
static void measure(rt_fn rt, unsigned n, per_rt_t *out)
{
    //@ solution 4
    mica_run_result_t a, b;
    mica_sim_counters(&a);
    for (unsigned i = 0; i < n; i++)
        rt();
    mica_sim_counters(&b);
    out->entries = (double)(b.kernel_entries - a.kernel_entries) / n;
    out->ipcs = (double)(b.ipcs - a.ipcs) / n;
    out->switches = (double)(b.context_switches - a.context_switches) / n;
    //@ starter 4
    (void)rt; (void)n; (void)out;
    lab_todo(4, "measure: read mica_sim_counters around n round trips; per round trip into *out");
    //@ wrong no-subtract 4
    mica_run_result_t b;
    for (unsigned i = 0; i < n; i++)
        rt();
    mica_sim_counters(&b);
    out->entries = (double)b.kernel_entries / n;
    out->ipcs = (double)b.ipcs / n;
    out->switches = (double)b.context_switches / n;
    //@ end
}

static long long x100(double v)
{
    return (long long)(v * 100 + 0.5);
}

/* ==== the root task ====================================================================== */

static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_init(&env, bi);
    portd_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    echo_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    for (int c = 1; c < MAX_CLIENTS; c++) {
        ep_of[c] = mica_env_mint(&env, portd_ep, MICA_ALL_RIGHTS, (mica_word_t)c);
        clients[c].reply = mica_env_slot(&env);
        clients[c].then_recv = -1;
    }
    /* portd above everyone; the senders of TASKs 1-3 above the root, which receives. */
    mica_thread_spawn(&env, "portd", portd, 0, 200);
    mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 100);
    port_a = port_alloc(ROOT);
    port_s = port_alloc(ROOT);
    mica_word_t count = 0, nwait = 0;
    msg_t m;

    /*
     * TASK 1: port_enqueue. The lab's sender (priority above the root's)
     * sends six messages to a port of the root's; the first five are
     * queued, the sixth must wait for room: its Call stays unanswered.
     */
    lab_task(1);
    mica_thread_spawn(&env, "sender", sender, 0, 150);
    port_status(ROOT, port_a, &count, &nwait);
    printf("TASK 1: sender's sends answered: %d; queue %lu/%d, %lu waiting\n", sent_ok,
           (unsigned long)count, QLIMIT, (unsigned long)nwait);
    lab_fact("t1_answered", sent_ok);
    lab_fact("t1_count", (long long)count);
    lab_fact("t1_waiting", (long long)nwait);

    /*
     * TASK 2: port_dequeue. One receive makes room: the sixth message goes
     * on the queue and the sender's sixth Call is answered; then the six
     * come out in the order they were sent. Then three senders at the
     * root's own priority send 20 messages each while the root receives:
     * every message must arrive once, each sender's in its order.
     */
    lab_task(2);
    int order_ok = 1, got = 0;
    if (port_poll(ROOT, port_a, &m) == R_OK) {
        got++;
        order_ok = m.tag == 1 && m.body == 101;
    }
    lab_fact("t2_answered_after_one", sent_ok);
    port_status(ROOT, port_a, &count, &nwait);
    lab_fact("t2_count_after_one", (long long)count);
    while (port_poll(ROOT, port_a, &m) == R_OK) {
        got++;
        if (m.tag != (mica_word_t)got || m.body != 100 + (mica_word_t)got)
            order_ok = 0;
    }
    printf("TASK 2: received %d of 6 messages, %s\n", got, order_ok ? "in order" : "OUT OF ORDER");
    lab_fact("t2_received", got);
    lab_fact("t2_in_order", order_ok);

    unsigned long waits0 = send_waits;
    int seen[NSTRESS][STRESS_MSGS] = { { 0 } };
    long long next[NSTRESS] = { 0 }, lost = 0, dup = 0, reorder = 0, alien = 0, total = 0;
    for (int i = 0; i < NSTRESS; i++) {
        char name[16];
        snprintf(name, sizeof name, "stress%d", i);
        mica_thread_spawn(&env, name, stress, STRESS0 + (mica_word_t)i, 100);
    }
    for (int idle = 0; idle < 2000;) {
        mica_word_t r = port_poll(ROOT, port_s, &m);
        if (r != R_OK) {
            if (__atomic_load_n(&stress_done, __ATOMIC_SEQ_CST) == NSTRESS && idle > 0)
                break;
            idle++;
            mica_yield();
            continue;
        }
        idle = 0;
        total++;
        long long s = (long long)(m.tag >> 16) - STRESS0, i = (long long)(m.tag & 0xffff);
        if (s < 0 || s >= NSTRESS || i >= STRESS_MSGS || m.body != (mica_word_t)(i * 7 + s + STRESS0)) {
            alien++;
            continue;
        }
        if (seen[s][i]++)
            dup++;
        if (i != next[s])
            reorder++;
        next[s] = i + 1;
    }
    for (int s = 0; s < NSTRESS; s++)
        for (int i = 0; i < STRESS_MSGS; i++)
            lost += seen[s][i] == 0;
    printf("TASK 2: %d senders x %d messages: %lld received, %lld lost, %lld duplicated, "
           "%lld out of order; a sender waited for room %lu times\n", NSTRESS, STRESS_MSGS, total,
           lost, dup, reorder + alien, send_waits - waits0);
    lab_fact("t2_stress_waits", (long long)(send_waits - waits0));
    lab_fact("t2_stress_total", total);
    lab_fact("t2_stress_lost", lost);
    lab_fact("t2_stress_dup", dup);
    lab_fact("t2_stress_reorder", reorder + alien);
    lab_fact("t2_stress_senders_done", stress_done);

    /*
     * TASK 3: port_destroy. A thread that holds a port's receive right
     * dies; the root has filled that port's queue and a second sender
     * waits for room. The queued messages go, the waiting sender's Call is
     * answered R_DEAD, and every later send to the port is R_DEAD too.
     */
    lab_task(3);
    mica_cptr_t owner_fault = mica_env_mint(&env, portd_ep, MICA_ALL_RIGHTS, OWNER);
    mica_thread_config_t ocfg = { .name = "owner", .prio = 100, .fault_ep = owner_fault };
    mica_thread_t ot;
    die = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    mica_thread_create(&env, &ocfg, &ot);
    mica_thread_start(&ot, owner, 0, 0, 0, 0);
    while (!owner_ready)
        mica_yield();
    for (int i = 0; i < QLIMIT; i++)
        port_send(ROOT, port_d, (mica_word_t)i, 0);
    mica_thread_spawn(&env, "sender2", sender2, 0, 150);   /* runs now, and waits for room */
    port_status(ROOT, port_d, &count, &nwait);
    lab_fact("t3_count_before", (long long)count);
    lab_fact("t3_waiting_before", (long long)nwait);
    mica_signal(die);
    for (int i = 0; i < 10 && sender2_result < 0; i++)
        mica_yield();                                       /* the owner runs and dies */
    mica_tcb_suspend(ot.tcb);                               /* what is left of it */
    mica_word_t later = port_send(ROOT, port_d, 7, 7);
    port_status(ROOT, port_d, &count, &nwait);
    printf("TASK 3: the waiting sender was answered %s; a later send: %s; %lu messages dropped\n",
           sender2_result == R_DEAD ? "DEAD" : sender2_result < 0 ? "never" : "OK",
           later == R_DEAD ? "DEAD" : "OK", dropped);
    lab_fact("t3_waiter_answer", sender2_result);
    lab_fact("t3_later_send", (long long)later);
    lab_fact("t3_dropped", (long long)dropped);
    lab_fact("t3_count_after", (long long)count);
    lab_fact("t3_waiting_after", (long long)nwait);

    /*
     * TASK 4: measure (above), then compare. A Mach-style round trip: the
     * client SEND_RECVs to the server's port and its own reply port, the
     * server SEND_RECVs the answer back - through your queue. An seL4
     * round trip: Call, answered with ReplyRecv. Print, for each, the
     * kernel entries, IPCs and context switches per round trip, and
     *     ratio: R
     * R = the Mach-style round trip's kernel entries / the seL4 one's.
     */
    lab_task(4);
    port_reply = port_alloc(ROOT);
    /* The servers run at once (priority 150): the Mach-style one makes its port and waits. */
    mica_cptr_t mach_server_tcb = mica_thread_spawn(&env, "mach-server", mach_server, 0, 150);
    mica_thread_spawn(&env, "sel4-server", sel4_server, 0, 150);
    for (int i = 0; i < 10; i++) {      /* warm up: both servers are waiting */
        mach_rt();
        sel4_rt();
    }
    rt_calls[0] = rt_calls[1] = 0;
    rt_entries[0] = rt_entries[1] = rt_ipcs[0] = rt_ipcs[1] = rt_switches[0] = rt_switches[1] = 0;
    per_rt_t mach = { 0, 0, 0 }, sel4 = { 0, 0, 0 };
    double ratio = 0;
    const unsigned n = 200;
    //@ solution 4
    measure(mach_rt, n, &mach);
    measure(sel4_rt, n, &sel4);
    ratio = mach.entries / sel4.entries;
    printf("per round trip     entries  IPCs  switches\n");
    printf("Mach-style port    %7.2f %5.2f %9.2f\n", mach.entries, mach.ipcs, mach.switches);
    printf("seL4 Call/ReplyRecv%7.2f %5.2f %9.2f\n", sel4.entries, sel4.ipcs, sel4.switches);
    printf("ratio: %.2f\n", ratio);
    //@ starter 4
    measure(mach_rt, n, &mach);
    measure(sel4_rt, n, &sel4);
    lab_todo(4, "print both round trips' numbers and \"ratio: R\" (Mach-style entries / seL4's)");
    //@ end
    lab_fact("t4_value", (long long)rt_value);
    for (int w = 0; w < 2; w++) {
        const char *k = w ? "sel4" : "mach";
        char key[32];
        per_rt_t *s = w ? &sel4 : &mach;
        snprintf(key, sizeof key, "t4_%s_calls", k);
        lab_fact(key, (long long)rt_calls[w]);
        unsigned long c = rt_calls[w] ? rt_calls[w] : 1;
        snprintf(key, sizeof key, "t4_%s_entries_x100", k);
        lab_fact(key, x100((double)rt_entries[w] / (double)c));
        snprintf(key, sizeof key, "t4_%s_ipcs_x100", k);
        lab_fact(key, x100((double)rt_ipcs[w] / (double)c));
        snprintf(key, sizeof key, "t4_%s_switches_x100", k);
        lab_fact(key, x100((double)rt_switches[w] / (double)c));
        snprintf(key, sizeof key, "t4_%s_said_entries_x100", k);
        lab_fact(key, x100(s->entries));
        snprintf(key, sizeof key, "t4_%s_said_ipcs_x100", k);
        lab_fact(key, x100(s->ipcs));
        snprintf(key, sizeof key, "t4_%s_said_switches_x100", k);
        lab_fact(key, x100(s->switches));
    }
    lab_fact("t4_ratio_x100", x100(ratio));
    lab_fact("t4_end", 1);
    mica_tcb_suspend(mach_server_tcb);     /* it waits in portd for a next request */
    mica_tcb_suspend(MICA_CAP_INIT_TCB);
}

LAB_MAIN(root)
