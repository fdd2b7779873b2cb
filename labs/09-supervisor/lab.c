/*
 * Lab 9: a supervisor - restart a crashing server through its fault
 * endpoint, answer the client it left stranded, and free everything the
 * dead server held (README.md says what to do; `scripts/lab 9` checks it).
 *
 *   server      a process (its own CSpace and VSpace) that squares numbers.
 *               It is flaky: every 7th request it serves, it writes through
 *               a NULL pointer and crashes (SIGSEGV).
 *   supervisor  the server's fault handler: a thread that receives the
 *               server's faults on fault_ep and restarts it.
 *   client1..3  threads that each need 8 squares; a request lost in a
 *               crash is answered RESTARTED, and the client asks again.
 *
 * All of the server's objects are made from one untyped, server_ut, which
 * only the server uses: the arena below hands out its memory and a block
 * of root CNode slots. Revoking server_ut takes every object made from it
 * away at once and frees its memory for the next server. Your code goes
 * where it says TASK n; everything else is the lab's, which checks what you
 * did.
 */
#include <stdio.h>
#include <string.h>
#include <mica/mica.h>
#include "lab.h"
#include "watch.h"

#define CLIENTS      3
#define REQUESTS     8          /* squares each client needs */
#define CRASH_EVERY  7          /* the server crashes on every 7th request it serves */
#define SERVER_BADGE 0x5eul     /* the badge of the server's fault endpoint cap */
#define REPLY_SLOT   5ul        /* a free slot of the server's CNode (1-4 are its own caps) */
#define SERVER_UT_BITS 18       /* 256 KiB: everything the server is made of */
#define ARENA_SLOTS  32

/* The protocol: request label SQUARE, MR0 = x; reply OK with MR0 = x * x, or RESTARTED. */
enum { OK = 0, SQUARE = 1, RESTARTED = 2 };

static mica_env_t env;                  /* the root task's allocator */
static mica_cptr_t service_ep;          /* the server's endpoint, in the root's CSpace */
static mica_cptr_t client_ep[CLIENTS + 1];
static mica_cptr_t fault_ep;            /* the supervisor receives the server's faults here */
static mica_cptr_t rescue_slot;         /* an empty slot of the root CNode, for the supervisor */
static mica_cptr_t done, done_bit[CLIENTS + 1], go;
static mica_process_t server;

static volatile int finished[CLIENTS + 1], restarts, crashes, restarted_answers, wrong_answers;
static volatile int served, saved_bad;

/* --- the arena: server_ut's memory and a block of slots -------------------------------- */

static mica_cptr_t server_ut, arena_first_slot;
static mica_bootinfo_t arena_bi;        /* a boot info whose empty slots are the block, no untypeds */
static mica_env_t arena;                /* an allocator that makes objects from server_ut only */

/* Start handing out server_ut and the arena's slots from the beginning (they must be empty). */
static void arena_reset(void)
{
    arena_bi = *env.bi;
    arena_bi.empty.start = arena_first_slot;
    arena_bi.empty.end = arena_first_slot + ARENA_SLOTS;
    arena_bi.untyped.start = arena_bi.untyped.end = 0;
    mica_env_init(&arena, &arena_bi);
    arena.untyped = server_ut;
}

/* --- the server ----------------------------------------------------------------------- */

static mica_word_t cache[64];

/* The bug: every 7th request finds no cache entry, and square() never checks. */
__attribute__((noinline)) static mica_word_t *cache_entry(mica_word_t x)
{
    return ++served % CRASH_EVERY == 0 ? NULL : &cache[x % 64];
}

__attribute__((noinline, no_sanitize("address", "undefined")))
static mica_word_t square(mica_word_t x)
{
    mica_word_t *volatile entry = cache_entry(x);   /* volatile: the store really happens */
    *entry = x * x;
    return *entry;
}

static void server_main(mica_word_t ep, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r1; (void)r2; (void)r3;
    for (;;) {
        mica_word_t badge;
        mica_recv(ep, &badge);
        mica_word_t x = mica_get_mr(0);     /* first: an invocation reuses the MRs */
        /*
         * TASK 2: keep this request's reply cap in slot REPLY_SLOT of the
         * server's own CNode (MICA_PROCESS_CAP_CNODE in its CSpace), where
         * the supervisor can find it if the server dies ...
         */
        //@ solution 2
        mica_cnode_save_caller(MICA_PROCESS_CAP_CNODE, REPLY_SLOT, MICA_WORD_BITS);
        //@ starter 2
        lab_todo(2, "in server_main(): mica_cnode_save_caller into REPLY_SLOT of your own CNode");
        //@ wrong no-save 2
        /* The reply cap stays in the caller slot, for mica_reply below. */
        //@ end
        if (mica_debug_cap_identify(REPLY_SLOT) != MICA_CAP_TYPE_REPLY)
            saved_bad++;
        mica_set_mr(0, square(x));
        /* ... and answer OK (MR0 = the square, one word) through it. */
        //@ solution 2
        mica_send(REPLY_SLOT, mica_msginfo_new(OK, 0, 0, 1));
        //@ wrong no-save 2
        mica_reply(mica_msginfo_new(OK, 0, 0, 1));
        //@ end
    }
}

/* Make the server process from env e, give it service_ep: not started yet. */
static mica_error_t server_build(mica_env_t *e)
{
    mica_process_config_t cfg = { .name = "server", .prio = 50 };
    /*
     * TASK 1: the server's faults must go to the supervisor: set its
     * fault endpoint (fault_ep) with badge SERVER_BADGE, so the supervisor
     * knows whose fault a message is.
     */
    //@ solution 1
    cfg.fault_ep = fault_ep;
    cfg.fault_badge = SERVER_BADGE;
    //@ starter 1
    lab_todo(1, "in server_build(): give the server fault_ep as its fault endpoint, badge SERVER_BADGE");
    //@ wrong no-badge 1
    cfg.fault_ep = fault_ep;
    //@ end
    mica_error_t err = mica_process_create(e, &cfg, &server);
    if (err == MICA_NO_ERROR && !mica_process_give(&server, service_ep, MICA_CAN_READ, 0))
        err = MICA_RANGE_ERROR;
    if (err != MICA_NO_ERROR) {
        printf("supervisor: building the server failed: %s\n", mica_env_error_text(e));
        lab_fact("build_error", err);
    }
    return err;
}

/* Start the server built last (its service_ep is slot MICA_PROCESS_FIRST_FREE of its CSpace). */
static mica_error_t server_start(void)
{
    return mica_process_start(&server, server_main, MICA_PROCESS_FIRST_FREE, 0, 0, 0);
}

/* --- the supervisor --------------------------------------------------------------------- */

static void supervisor(mica_word_t arg)
{
    (void)arg;
    for (;;) {
        mica_word_t badge;
        mica_msginfo_t msg = mica_recv(fault_ep, &badge);
        mica_fault_t f = mica_fault_decode(msg, badge);
        lab_fact("fault_kind", (long long)f.kind);
        lab_fact("fault_badge", (long long)f.badge);
        if (f.kind != MICA_FAULT_USER_EXCEPTION || f.badge != SERVER_BADGE) {
            printf("supervisor: a fault of kind %lu with badge 0x%lx: not the server's; left alone\n",
                   (unsigned long)f.kind, (unsigned long)f.badge);
            continue;
        }
        crashes++;
        printf("supervisor: the server crashed (signal %lu); restarting it\n", (unsigned long)f.number);
        mica_error_t err = MICA_NO_ERROR;
        /*
         * TASK 3: the client whose request the server died on waits for a
         * reply that will never come. Its reply cap is in REPLY_SLOT of the
         * dead server's CNode (server.cnode, server.cnode_bits deep): move
         * it into rescue_slot and answer RESTARTED through it, so the
         * client asks again.
         */
        lab_task(3);
        //@ solution 3
        if (mica_cnode_move(MICA_CAP_INIT_CNODE, rescue_slot, MICA_WORD_BITS, server.cnode,
                            REPLY_SLOT, (uint8_t)server.cnode_bits) == MICA_NO_ERROR)
            mica_send(rescue_slot, mica_msginfo_new(RESTARTED, 0, 0, 0));
        //@ starter 3
        lab_todo(3, "in supervisor(): move REPLY_SLOT of server.cnode into rescue_slot, Send RESTARTED");
        //@ wrong no-rescue 3
        /* The restarted server will serve the client's request again. */
        //@ end
        /*
         * TASK 4: a new server in place of the dead one, leaving nothing
         * of the old one behind: revoke server_ut (every object of the old
         * server goes, and its memory is free again), then arena_reset(),
         * server_build(&arena) and server_start().
         */
        lab_task(4);
        //@ solution 4
        mica_cnode_revoke(MICA_CAP_INIT_CNODE, server_ut, MICA_WORD_BITS);
        arena_reset();
        err = server_build(&arena);
        if (err == MICA_NO_ERROR)
            err = server_start();
        //@ starter 4
        lab_todo(4, "in supervisor(): revoke server_ut, arena_reset(), server_build(&arena), server_start()");
        //@ wrong leak 4
        mica_process_destroy(&env, &server);
        err = server_build(&env);
        if (err == MICA_NO_ERROR)
            err = server_start();
        //@ wrong no-revoke 4
        arena_reset();
        err = server_build(&arena);
        if (err == MICA_NO_ERROR)
            err = server_start();
        //@ end
        if (err == MICA_NO_ERROR)
            restarts++;
        printf("supervisor: restart #%d: %s\n", crashes, mica_error_name(err));
        lab_fact("restarts", restarts);
    }
}

/* --- the clients (the lab's) ------------------------------------------------------------- */

static void client(mica_word_t id)
{
    mica_word_t badge;
    mica_wait(go, &badge);
    for (mica_word_t i = 0; i < REQUESTS; i++) {
        mica_word_t x = id * 10 + i, y = 0;
        for (;;) {
            mica_msginfo_t r = mica_call_words(client_ep[id], SQUARE, &x, 1, &y, 1);
            if (mica_msginfo_get_label(r) == OK) {
                if (y != x * x)
                    wrong_answers++;
                break;
            }
            restarted_answers++;
            printf("client%lu: the server died while squaring %lu; asking again\n",
                   (unsigned long)id, (unsigned long)x);
        }
    }
    printf("client%lu: got all %d squares\n", (unsigned long)id, REQUESTS);
    finished[id] = 1;
    mica_signal(done_bit[id]);
    mica_wait(go, &badge);              /* blocked as before it started: the usage compares */
}

/* The watch's report: who is still waiting. */
static void report(void)
{
    lab_fact("crashes", crashes);
    lab_fact("saved_bad", saved_bad);
    lab_fact("restarted_answers", restarted_answers);
    for (int id = 1; id <= CLIENTS; id++)
        if (!finished[id]) {
            char key[32];
            snprintf(key, sizeof key, "waiting_%d", id);
            lab_fact(key, 1);
        }
}

static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_init(&env, bi);
    service_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    fault_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    done = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    go = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    server_ut = mica_env_make(&env, MICA_UNTYPED_OBJECT, SERVER_UT_BITS);
    arena_first_slot = mica_env_slots(&env, ARENA_SLOTS);
    rescue_slot = mica_env_slot(&env);
    for (mica_word_t id = 1; id <= CLIENTS; id++) {
        client_ep[id] = mica_env_mint(&env, service_ep, MICA_RIGHTS_CLIENT, id);
        done_bit[id] = mica_env_mint(&env, done, MICA_CAN_WRITE, 1ul << id);
    }
    lab_watch_start(&env, report);

    lab_task(1);
    arena_reset();
    if (server_build(&arena) != MICA_NO_ERROR || server_start() != MICA_NO_ERROR)
        return;
    mica_thread_spawn(&env, "supervisor", supervisor, 0, 200);
    for (mica_word_t id = 1; id <= CLIENTS; id++) {
        char name[16];
        snprintf(name, sizeof name, "client%lu", (unsigned long)id);
        mica_thread_spawn(&env, name, client, id, 100);
    }
    /* Below them all for a moment, so that each runs to where it waits: the server for
       requests, the clients for go, the supervisor for faults. */
    mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 2);
    mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 255);
    lab_usage("baseline");

    for (int id = 1; id <= CLIENTS; id++)
        mica_signal(go);
    mica_word_t seen = 0, badge;
    while (seen != (2ul << CLIENTS) - 2) {
        mica_wait(done, &badge);
        seen |= badge;
    }
    mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 2);   /* all back to waiting */
    mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 255);
    lab_usage("end");
    lab_fact("crashes", crashes);
    lab_fact("restarts", restarts);
    lab_fact("restarted_answers", restarted_answers);
    lab_fact("wrong_answers", wrong_answers);
    lab_fact("saved_bad", saved_bad);
    lab_fact("finished", 1);
    printf("root: all %d clients got their squares; the server crashed %d times\n", CLIENTS, crashes);
    lab_watch_done = 1;
}

LAB_MAIN(root)
