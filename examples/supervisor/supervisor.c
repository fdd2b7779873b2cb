/*
 * supervisor - a server that crashes, restarted by its fault handler,
 * while its clients retry and all finish.
 *
 * On seL4 a crash is not the end of the system: the crashing thread stops
 * and its fault handler gets a message saying what happened. Here the
 * handler is a supervisor that restarts the server on the spot.
 *
 *   server      a process (its own CSpace and VSpace) that squares
 *               numbers. It has a bug: asked for the magic value 13, it
 *               writes through a NULL pointer and crashes (SIGSEGV).
 *   supervisor  the server's fault handler (the server's fault endpoint
 *               cap carries badge 0x5e). It prints the decoded fault and
 *               restarts the server at its entry point: WriteRegisters
 *               with a fresh pc and sp, and Resume (mica_process_start).
 *   client1..3  threads that each ask for three squares; client2 asks for
 *               13. A client whose request was lost in a crash gets the
 *               answer RESTARTED and tries again, at most twice.
 *
 * The interesting part is the lost request. A Call waits for a one-shot
 * reply cap that the kernel puts in the server's TCB; if the server dies
 * and is restarted, that cap is gone and the client would wait forever.
 * So this server first moves the reply cap into its own CSpace (SaveCaller)
 * and replies by invoking it (Send on a reply cap is Reply). When it
 * crashes, the supervisor - which holds the server's CNode cap - takes the
 * saved cap out and uses it to tell the stranded client "restarted".
 * The server runs below its clients (priority 50 against 100), so while it
 * works on one request the others' Calls queue on the endpoint. Those
 * survive the crash: the restarted server receives them in order.
 *
 *   mica run supervisor --log - --log-filter fault,ipc
 */
#include <signal.h>
#include <stdio.h>
#include <mica/mica.h>
#include "../examples.h"

#define CLIENTS      3
#define REQUESTS     3
#define MAX_TRIES    2
#define POISON       13ul       /* the value that crashes the server */
#define SERVER_BADGE 0x5eul     /* on the server's fault endpoint cap */
#define REPLY_SLOT   5ul        /* a free slot of the server's CNode (1-4 are its own caps) */

/* The protocol: request label SQUARE, MR0 = x; reply label OK with MR0 = x * x, or RESTARTED. */
enum { OK = 0, SQUARE = 1, RESTARTED = 2 };

static const mica_word_t inputs[CLIENTS + 1][REQUESTS] = {
    { 0 }, { 3, 4, 5 }, { 6, POISON, 7 }, { 8, 9, 10 },
};

static mica_env_t env;
static mica_process_t server;
static mica_cptr_t server_ep;           /* the service endpoint, in the root's CSpace */
static mica_cptr_t server_ep_in_server; /* the same, in the server's CSpace */
static mica_cptr_t fault_ep;
static mica_cptr_t client_ep[CLIENTS + 1];  /* badged copies, badge = client id */
static mica_cptr_t client_done[CLIENTS + 1];/* one notification, badge 1 << id */

/* --- the server -------------------------------------------------------------------- */

static mica_word_t cache[64];

/* The bug: the cache has no entry for the magic value, and square() never checks. */
__attribute__((noinline)) static mica_word_t *cache_entry(mica_word_t x)
{
    return x == POISON ? NULL : &cache[x % 64];
}

/* Crashes on purpose, so no sanitizer may stop it before the CPU traps. */
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
    printf("server: ready\n");
    for (;;) {
        mica_word_t badge;
        mica_recv(ep, &badge);
        mica_word_t x = mica_get_mr(0);     /* first: an invocation reuses the MRs */
        /* Keep the reply cap in our CSpace, where the supervisor can find it if we die. */
        mica_cnode_save_caller(MICA_PROCESS_CAP_CNODE, REPLY_SLOT, MICA_WORD_BITS);
        printf("server: client%lu asks for %lu squared\n", badge, x);
        mica_set_mr(0, square(x));
        mica_send(REPLY_SLOT, mica_msginfo_new(OK, 0, 0, 1));  /* Reply, through the saved cap */
    }
}

/* --- the supervisor ----------------------------------------------------------------- */

static const char *signal_name(mica_word_t sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGFPE:  return "SIGFPE";
    case SIGILL:  return "SIGILL";
    case SIGABRT: return "SIGABRT";
    default:      return "a signal";
    }
}

static void supervisor(mica_word_t arg)
{
    (void)arg;
    mica_word_t restarts = 0;
    for (;;) {
        mica_word_t badge;
        mica_msginfo_t msg = mica_recv(fault_ep, &badge);
        mica_fault_t f = mica_fault_decode(msg, badge);
        if (f.kind != MICA_FAULT_USER_EXCEPTION || f.badge != SERVER_BADGE) {
            printf("supervisor: unexpected fault %lu (badge 0x%lx); leaving it\n", f.kind, f.badge);
            continue;
        }
        mica_word_t at = f.ip - (mica_word_t)square;
        printf("supervisor: the server crashed: user exception, %s (signal %lu, code %lu) at "
               "square+0x%lx, sp 0x%lx\n", signal_name(f.number), f.number, f.code, at, f.sp);

        /* 1. The stranded client's reply cap: out of the dead server's CSpace, into ours. */
        mica_cptr_t reply = mica_env_slot(&env);
        mica_error_t moved = mica_cnode_move(MICA_CAP_INIT_CNODE, reply, MICA_WORD_BITS,
                                             server.cnode, REPLY_SLOT, (uint8_t)server.cnode_bits);
        /* 2. Start the server afresh at its entry point (WriteRegisters + Resume). */
        mica_error_t err = mica_process_start(&server, server_main, server_ep_in_server, 0, 0, 0);
        printf("supervisor: restart #%lu of the server: %s\n", ++restarts, mica_error_name(err));
        /* 3. Tell the client its request was lost; invoking the reply cap uses it up. */
        if (moved == MICA_NO_ERROR)
            mica_send(reply, mica_msginfo_new(RESTARTED, 0, 0, 0));
        mica_env_slot_free(&env, reply);
    }
}

/* --- the clients --------------------------------------------------------------------- */

static void client(mica_word_t id)
{
    for (mica_word_t i = 0; i < REQUESTS; i++) {
        mica_word_t x = inputs[id][i], y = 0;
        for (int tries = 1;; tries++) {
            mica_msginfo_t r = mica_call_words(client_ep[id], SQUARE, &x, 1, &y, 1);
            if (mica_msginfo_get_label(r) == OK) {
                printf("client%lu: %lu squared is %lu\n", id, x, y);
                break;
            }
            if (tries == MAX_TRIES) {
                printf("client%lu: the server died %d times on %lu; giving up on it\n", id, tries, x);
                break;
            }
            printf("client%lu: the server died while serving %lu; retrying\n", id, x);
        }
    }
    printf("client%lu: finished\n", id);
    mica_signal(client_done[id]);
}

/* --- the root task ------------------------------------------------------------------ */

void example_supervisor_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_init(&env, bi);
    server_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    fault_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t done = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    mica_process_config_t cfg = { .name = "server", .prio = 50, .fault_ep = fault_ep,
                                  .fault_badge = SERVER_BADGE };
    if (!done || mica_process_create(&env, &cfg, &server) != MICA_NO_ERROR) {
        printf("supervisor: cannot set up: %s\n", mica_error_name(env.error));
        return;
    }
    server_ep_in_server = mica_process_give(&server, server_ep, MICA_CAN_READ, 0);
    /* Clients may send (Write) and be replied to (GrantReply); the badge says who they are. */
    for (mica_word_t id = 1; id <= CLIENTS; id++) {
        client_ep[id] = mica_env_mint(&env, server_ep, mica_cap_rights_new(1, 0, 0, 1), id);
        client_done[id] = mica_env_mint(&env, done, MICA_CAN_WRITE, 1ul << id);
    }

    mica_thread_spawn(&env, "supervisor", supervisor, 0, 200);
    mica_process_start(&server, server_main, server_ep_in_server, 0, 0, 0);
    for (mica_word_t id = 1; id <= CLIENTS; id++) {
        char name[16];
        snprintf(name, sizeof name, "client%lu", id);
        mica_thread_spawn(&env, name, client, id, 100);
    }

    /* Signals OR their badges together: wait until every client's bit has come. */
    mica_word_t seen = 0, badge;
    while (seen != (2ul << CLIENTS) - 2) {
        mica_wait(done, &badge);
        seen |= badge;
    }
    printf("root: all %d clients finished\n", CLIENTS);
}

#ifndef MICA_BUILTIN_EXAMPLES
int main(int argc, char **argv)
{
    return mica_main(argc, argv, example_supervisor_root, NULL);
}
#endif
