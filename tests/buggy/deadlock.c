/*
 * deadlock.c - threads that wait for each other: a cycle of servers that
 * call one another, a client whose server waits on a notification nobody
 * signals, and an invocation sent to an endpoint. The run stops with a deadlock
 * (exit 1) and a report of who waits for whom, and where (buggy.h). Each
 * program prints the slots of its endpoints, which the report names.
 */
#include <stdio.h>
#include <mica/user.h>
#include "buggy.h"

static mica_cptr_t ep_db, ep_logger, ep_cache, ep_server, ntfn_lonely;

/* Each server takes a request, then asks the next one before it answers. */
static void db(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_recv(ep_db, &badge);
    mica_call(ep_logger, mica_msginfo_new(0, 0, 0, 0));
}

static void logger(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_recv(ep_logger, &badge);
    mica_call(ep_cache, mica_msginfo_new(0, 0, 0, 0));
}

static void cache(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_recv(ep_cache, &badge);
    mica_call(ep_db, mica_msginfo_new(0, 0, 0, 0));     /* db waits for logger: a cycle */
}

static void cycle(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    ep_db = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    ep_logger = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    ep_cache = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    printf("db=%lu logger=%lu cache=%lu\n", (unsigned long)ep_db, (unsigned long)ep_logger,
           (unsigned long)ep_cache);
    mica_thread_spawn(&env, "db", db, 0, 100);
    mica_thread_spawn(&env, "logger", logger, 0, 100);
    mica_thread_spawn(&env, "cache", cache, 0, 100);
    mica_send(ep_db, mica_msginfo_new(0, 0, 0, 0));    /* the first request */
}

/* Takes the client's call, then waits on a notification nobody signals (keeping the reply). */
static void server(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_recv(ep_server, &badge);
    mica_wait(ntfn_lonely, &badge);
}

static void client(mica_word_t arg)
{
    (void)arg;
    mica_call(ep_server, mica_msginfo_new(0, 0, 0, 0));
    printf("answered\n");     /* never printed; keeps the call from being a tail call */
}

static void chain(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    ep_server = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    ntfn_lonely = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    printf("server=%lu lonely=%lu\n", (unsigned long)ep_server, (unsigned long)ntfn_lonely);
    mica_thread_spawn(&env, "server", server, 0, 100);
    mica_thread_spawn(&env, "client", client, 0, 90);
}

/* Maps "a page" with an endpoint cap where the frame cap belongs: a Call nobody takes. */
static void mapper(mica_word_t arg)
{
    (void)arg;
    mica_error_t err = mica_page_map(ep_server, MICA_CAP_INIT_VSPACE, 0x40000000,
                                     mica_cap_rights_new(0, 0, 1, 1), 0);
    printf("mapped: %d\n", (int)err);      /* never printed */
}

static void wrong_cap(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    ep_server = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    printf("ep=%lu\n", (unsigned long)ep_server);
    mica_thread_spawn(&env, "mapper", mapper, 0, 100);
}

const buggy_t buggy_deadlock[] = {
    { "deadlock-cycle", cycle, "three servers each call the next before answering: a cycle" },
    { "deadlock-chain", chain, "a client calls a server that waits on a notification nobody signals" },
    { "deadlock-wrong-cap", wrong_cap, "maps a page with an endpoint cap: the Call waits forever" },
    { NULL, NULL, NULL },
};
