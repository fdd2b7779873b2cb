/*
 * timer - a time server: one thread drives the timer device and offers
 * now() and sleep(ns) to several clients over IPC.
 *
 * The time server owns the "timer" device: its register page is mapped in
 * its VSpace and the timer's IRQHandler signals a notification bound to
 * the server's TCB, so one Recv on its endpoint returns either a client's
 * request (badge = the client's number) or the interrupt (badge IRQ_BADGE).
 *
 *   now()      Call, label NOW: the reply's MR0 is the timer's NOW (ns).
 *   sleep(ns)  Call, label SLEEP, MR0 = ns. The server keeps the caller's
 *              reply cap (CNode_SaveCaller) in a sorted wake-up list and
 *              answers nobody yet; the timer's COMPARE always holds the
 *              earliest deadline. When the interrupt comes it clears STATUS,
 *              acks the IRQ, answers (Send on the saved reply cap) every
 *              sleeper whose deadline has passed, with the time it woke, and
 *              programs the next deadline. sleep(0) is answered at once.
 *
 * The clients sleep for different times; they wake in deadline order, not
 * in the order they asked. Under the virtual clock the sleeps take no host
 * time and the times printed are the same every run.
 */
#include <stdio.h>
#include <mica/mica.h>
#include "../examples.h"
#include "../devices.h"

#define CLIENTS 3
#define MAX_SLEEPERS 16
#define IRQ_BADGE (1ul << 32)
#define MS 1000000ull

enum { OP_NOW = 1, OP_SLEEP = 2 };

/* The timer's registers (64-bit; docs/api.md "Time, interrupts and devices"). */
enum { TMR_ID = 0, TMR_NOW = 1, TMR_COMPARE = 2, TMR_PERIOD = 3, TMR_CTRL = 4, TMR_STATUS = 5 };
#define TMR_CTRL_ENABLE  1u
#define TMR_CTRL_IRQ_EN  4u
#define TMR_STATUS_FIRED 1u

static volatile uint64_t *tmr;
static mica_cptr_t server_ep, irq_handler;
static mica_cptr_t client_ep[CLIENTS + 1];

/* --- the time server --------------------------------------------------------- */

typedef struct sleeper {
    uint64_t deadline;
    mica_cptr_t reply;          /* the slot holding its saved reply cap */
} sleeper_t;

static sleeper_t sleepers[MAX_SLEEPERS];   /* sorted by deadline, earliest first */
static unsigned nsleepers;
static mica_cptr_t free_reply[MAX_SLEEPERS];
static unsigned nfree_reply;

/* Insert after every sleeper with the same deadline: equal deadlines wake in arrival order. */
static void sleeper_insert(uint64_t deadline, mica_cptr_t reply)
{
    unsigned i = nsleepers;
    while (i > 0 && sleepers[i - 1].deadline > deadline) {
        sleepers[i] = sleepers[i - 1];
        i--;
    }
    sleepers[i] = (sleeper_t){ deadline, reply };
    nsleepers++;
}

/* COMPARE = the earliest deadline (one-shot; a past one fires at once), or the timer off. */
static void program_timer(void)
{
    if (nsleepers) {
        tmr[TMR_COMPARE] = sleepers[0].deadline;
        tmr[TMR_CTRL] = TMR_CTRL_ENABLE | TMR_CTRL_IRQ_EN;
    } else {
        tmr[TMR_CTRL] = 0;
    }
}

/* Answer every sleeper whose deadline has passed. */
static void wake_due(void)
{
    uint64_t now = tmr[TMR_NOW];
    unsigned n = 0;
    while (n < nsleepers && sleepers[n].deadline <= now) {
        mica_set_mr(0, now);
        mica_send(sleepers[n].reply, mica_msginfo_new(0, 0, 0, 1));   /* uses up the reply cap */
        free_reply[nfree_reply++] = sleepers[n].reply;
        n++;
    }
    for (unsigned i = n; i < nsleepers; i++)
        sleepers[i - n] = sleepers[i];
    nsleepers -= n;
}

static void time_server(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(server_ep, &badge);
    for (;;) {
        if (badge & IRQ_BADGE) {
            tmr[TMR_STATUS] = TMR_STATUS_FIRED;     /* the line drops ... */
            mica_irq_handler_ack(irq_handler);      /* ... before the line is unmasked */
            wake_due();
            program_timer();
            info = mica_recv(server_ep, &badge);
            continue;
        }
        mica_word_t op = mica_msginfo_get_label(info);
        uint64_t now = tmr[TMR_NOW];
        if (op == OP_SLEEP && mica_msginfo_get_length(info) == 1 && mica_get_mr(0) > 0 &&
            nfree_reply > 0) {
            uint64_t ns = mica_get_mr(0);
            uint64_t deadline = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
            mica_cptr_t reply = free_reply[--nfree_reply];
            mica_cnode_save_caller(MICA_CAP_INIT_CNODE, reply, MICA_WORD_BITS);
            sleeper_insert(deadline, reply);
            program_timer();
            info = mica_recv(server_ep, &badge);        /* the caller waits for its reply */
            continue;
        }
        /* NOW, sleep(0), and (with label 0) what the server cannot do: answered now */
        mica_word_t label = op == OP_NOW || op == OP_SLEEP ? 0 : 1;
        if (op == OP_SLEEP && mica_get_mr(0) > 0)
            label = 1;                                  /* no room in the wake-up list */
        mica_set_mr(0, now);
        info = mica_reply_recv(server_ep, mica_msginfo_new(label, 0, 0, 1), &badge);
    }
}

/* --- the client side: what a time library would offer ------------------------- */

static uint64_t ts_now(mica_cptr_t ep)
{
    mica_call(ep, mica_msginfo_new(OP_NOW, 0, 0, 0));
    return mica_get_mr(0);
}

/* Sleep at least ns; returns the time the server woke us. */
static uint64_t ts_sleep(mica_cptr_t ep, uint64_t ns)
{
    mica_set_mr(0, ns);
    mica_call(ep, mica_msginfo_new(OP_SLEEP, 0, 0, 1));
    return mica_get_mr(0);
}

static void client(mica_word_t id)
{
    /* client1 sleeps 3 ms; client2 1 ms three times; client3 2 ms, then 0 (answered at once) */
    static const struct { unsigned n; uint64_t ns[3]; } plan[CLIENTS + 1] = {
        { 0, { 0 } }, { 1, { 3 * MS } }, { 3, { MS, MS, MS } }, { 2, { 2 * MS, 0 } },
    };
    mica_cptr_t ep = client_ep[id];
    for (unsigned i = 0; i < plan[id].n; i++) {
        uint64_t ns = plan[id].ns[i];
        uint64_t asked = ts_now(ep);
        uint64_t woke = ts_sleep(ep, ns);
        printf("client%lu: sleep(%llu ms) at %llu ns: woke at %llu ns (+%llu ns)\n",
               (unsigned long)id, (unsigned long long)(ns / MS), (unsigned long long)asked,
               (unsigned long long)woke, (unsigned long long)(woke - asked - ns));
    }
    printf("client%lu: done at %llu ns\n", (unsigned long)id, (unsigned long long)ts_now(ep));
}

void example_timer_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);

    const mica_device_desc_t *d = ex_device(bi, "timer");
    if (!d) {
        printf("timer: no timer in the device table\n");
        return;
    }
    tmr = ex_map_device(&env, d);
    server_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ntfn = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t irq_ntfn = ntfn ? mica_env_mint(&env, ntfn, MICA_CAN_WRITE, IRQ_BADGE) : 0;
    irq_handler = tmr && irq_ntfn ? ex_irq_handler(&env, d->irq, irq_ntfn) : 0;
    mica_cptr_t replies = mica_env_slots(&env, MAX_SLEEPERS);
    if (!irq_handler || !server_ep || !replies) {
        printf("timer: cannot set up the time server: %s\n", mica_env_error_text(&env));
        return;
    }
    for (unsigned i = 0; i < MAX_SLEEPERS; i++)
        free_reply[nfree_reply++] = replies + MAX_SLEEPERS - 1 - i;

    mica_cptr_t server = mica_thread_spawn(&env, "timeserver", time_server, 0, 200);
    if (!server || mica_tcb_bind_notification(server, ntfn) != MICA_NO_ERROR) {
        printf("timer: cannot start the time server\n");
        return;
    }
    /* Clients may Call (Write, GrantReply); the badge says who asks. */
    mica_cap_rights_t rights = mica_cap_rights_new(1, 0, 0, 1);
    for (mica_word_t b = 1; b <= CLIENTS; b++) {
        char name[16];
        snprintf(name, sizeof name, "client%lu", (unsigned long)b);
        client_ep[b] = mica_env_mint(&env, server_ep, rights, b);
        if (!client_ep[b] || !mica_thread_spawn(&env, name, client, b, 100))
            printf("timer: cannot start %s: %s\n", name, mica_env_error_text(&env));
    }
    printf("timer: time server on IRQ %lu, %d clients; the root task is done\n",
           (unsigned long)d->irq, CLIENTS);
}

#ifndef MICA_BUILTIN_EXAMPLES
int main(int argc, char **argv)
{
    return mica_main(argc, argv, example_timer_root, NULL);
}
#endif
