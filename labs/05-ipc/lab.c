/*
 * Lab 5: IPC - Call and ReplyRecv, badges, capability transfer and
 * deferred replies (README.md says what to do; `scripts/lab 5` checks it).
 *
 * One endpoint, service_ep, and a server thread that receives on it. The
 * root task hands the clients badged copies of it, so the server knows who
 * is calling; a client Calls (send, then wait for the answer) and the
 * server answers and waits again in one system call, ReplyRecv. A message
 * can carry a cap across, and a server can keep a caller's reply cap to
 * answer it later, after answering others. Your code goes where it says
 * TASK n; everything else is the lab's, which checks what you did.
 *
 * The threads share the root task's CSpace, so a CPtr means the same slot
 * for all of them.
 */
#include <stdio.h>
#include <string.h>
#include <mica/mica.h>
#include "lab.h"
#include "watch.h"

#define ECHOS 4                 /* Calls each client makes in TASK 2 */

/* Request labels (a client's message) and reply labels (the server's). */
enum { ECHO = 1, GIVE = 2, SLOW = 3, FAST = 4, PROBE = 9 };
enum { OK = 0, NO_CAP = 100, TOO_EARLY = 101 };

static mica_env_t env;
static mica_cptr_t service_ep;      /* the endpoint, all rights: the server receives on it */
static mica_cptr_t client_ep[3];    /* TASK 1: client n's badged copy (n = 1, 2) */
static mica_cptr_t recv_slot;       /* where the server receives a cap (TASK 3) */
static mica_cptr_t saved_slot;      /* where the server keeps a reply cap (TASK 4) */
static mica_cptr_t done, done_bit[8];   /* threads tell the root they finished: bit k */
static int current_task;
static volatile int finished[8], answer_order[8], answered;

/* --- the lab's checks of TASK 1: a Call through each client cap ------------------ */

static void prober(mica_word_t cap)
{
    mica_msginfo_t r = mica_call(cap, mica_msginfo_new(PROBE, 0, 0, 0));
    /* A Call the kernel refused (no Write: an error label) never reached the root: say so. */
    if (mica_msginfo_get_label(r) != OK)
        mica_send(service_ep, mica_msginfo_new(PROBE + 1, 0, 0, 0));
}

/* Call through client_ep[n] from a probe thread, receive it here, and see what came. */
static void probe(int n)
{
    char key[32];
    mica_cptr_t c = client_ep[n];
    int type = c ? (int)mica_debug_cap_identify(c) : 0;
    snprintf(key, sizeof key, "type_%d", n);
    lab_fact(key, type);
    if (type != MICA_CAP_TYPE_ENDPOINT)
        return;
    /* CancelBadgedSends works only through a cap with all four rights. */
    snprintf(key, sizeof key, "allrights_%d", n);
    lab_fact(key, mica_cnode_cancel_badged_sends(MICA_CAP_INIT_CNODE, c, MICA_WORD_BITS) ==
                  MICA_NO_ERROR);
    mica_thread_spawn(&env, "probe", prober, c, 200);
    mica_word_t badge = 0;
    mica_msginfo_t m = mica_recv(service_ep, &badge);
    mica_cptr_t slot = mica_env_slot(&env);
    mica_cnode_save_caller(MICA_CAP_INIT_CNODE, slot, MICA_WORD_BITS);
    int reply = mica_debug_cap_identify(slot) == MICA_CAP_TYPE_REPLY;
    if (reply)
        mica_send(slot, mica_msginfo_new(OK, 0, 0, 0));
    mica_env_slot_free(&env, slot);
    snprintf(key, sizeof key, "probe_got_%d", n);
    lab_fact(key, mica_msginfo_get_label(m) == PROBE);
    snprintf(key, sizeof key, "badge_%d", n);
    lab_fact(key, (long long)badge);
    snprintf(key, sizeof key, "reply_%d", n);
    lab_fact(key, reply);
    printf("client_ep[%d]: badge %lu, %s\n", n, (unsigned long)badge,
           reply ? "a Call gets a reply" : "a Call gets NO reply");
}

/* --- the server ------------------------------------------------------------------------- */

/*
 * Serve one request: the reply to send, if the caller is still to be
 * answered (its reply cap is in the server's caller slot).
 */
__attribute__((unused)) static mica_msginfo_t handle(mica_word_t badge, mica_msginfo_t info)
{
    switch (mica_msginfo_get_label(info)) {
    case ECHO:
        /* The words are still in the message registers: send them back, labelled with the badge. */
        return mica_msginfo_new(badge, 0, 0, mica_msginfo_get_length(info));
    case GIVE:
        lab_fact("give_caps", (long long)mica_msginfo_get_extra_caps(info));
        lab_fact("give_slot_type", mica_debug_cap_identify(recv_slot));
        /*
         * TASK 3 (server side): the client sent a notification cap; it is
         * in recv_slot if it came. Signal it, empty recv_slot for the next
         * cap, and answer OK - or NO_CAP if no cap came.
         */
        //@ solution 3
        if (mica_msginfo_get_extra_caps(info) != 1 ||
            mica_debug_cap_identify(recv_slot) != MICA_CAP_TYPE_NOTIFICATION)
            return mica_msginfo_new(NO_CAP, 0, 0, 0);
        printf("server: got a notification cap from badge %lu; signalling it\n",
               (unsigned long)badge);
        mica_signal(recv_slot);
        mica_cnode_delete(MICA_CAP_INIT_CNODE, recv_slot, MICA_WORD_BITS);
        return mica_msginfo_new(OK, 0, 0, 0);
        //@ starter 3
        lab_todo(3, "in handle(): signal the cap that arrived in recv_slot, delete it, answer OK");
        //@ end
    case SLOW:
        /*
         * TASK 4 (a): this request takes long: answer it later. Keep its
         * reply cap in saved_slot, so that the next receive does not
         * throw it away.
         */
        //@ solution 4
        mica_cnode_save_caller(MICA_CAP_INIT_CNODE, saved_slot, MICA_WORD_BITS);
        //@ starter 4
        lab_todo(4, "keep the slow client's reply cap: mica_cnode_save_caller into saved_slot");
        //@ wrong no-save 4
        /* Nothing to do now: the answer goes out when the fast request has been served. */
        //@ end
        lab_fact("saved_type", mica_debug_cap_identify(saved_slot));
        /* Whatever is still in the caller slot gets this answer at once. */
        return mica_msginfo_new(TOO_EARLY, 0, 0, 0);
    case FAST:
        /*
         * TASK 4 (b): answer this fast request first, then the slow one
         * through the reply cap you kept (a Send on a reply cap is a
         * Reply). Both answers are OK.
         */
        //@ solution 4
        mica_reply(mica_msginfo_new(OK, 0, 0, 0));
        if (mica_debug_cap_identify(saved_slot) == MICA_CAP_TYPE_REPLY)
            mica_send(saved_slot, mica_msginfo_new(OK, 0, 0, 0));
        //@ starter 4
        lab_todo(4, "answer the fast client (mica_reply), then the slow one through saved_slot");
        //@ end
        return mica_msginfo_new(OK, 0, 0, 0);   /* no one is left to get it */
    default:
        return mica_msginfo_new(NO_CAP, 0, 0, 0);
    }
}

static void server(mica_word_t arg)
{
    (void)arg;
    mica_set_cap_receive_path(MICA_CAP_INIT_CNODE, recv_slot, MICA_WORD_BITS);
    mica_word_t badge = 0;
    mica_msginfo_t info, reply;
    /*
     * TASK 2: the server's loop. Receive a request on service_ep, get its
     * answer from handle(badge, info), and answer it while waiting for the
     * next request - one system call - for ever.
     */
    //@ solution 2
    info = mica_recv(service_ep, &badge);
    for (;;) {
        reply = handle(badge, info);
        info = mica_reply_recv(service_ep, reply, &badge);
    }
    //@ starter 2
    (void)badge;
    (void)info;
    (void)reply;
    lab_todo(2, "in server(): mica_recv once, then handle() and mica_reply_recv in a loop");
    //@ wrong no-reply 2
    for (;;) {
        info = mica_recv(service_ep, &badge);
        reply = handle(badge, info);
        (void)reply;
    }
    //@ end
}

/* --- the clients (the lab's) ------------------------------------------------------------- */

static void echo_client(mica_word_t n)
{
    int ok = 1;
    for (mica_word_t i = 0; i < ECHOS; i++) {
        mica_word_t in[3] = { n * 100 + i, ~(n * 100 + i), 0x5eed }, out[3] = { 0 };
        mica_msginfo_t r = mica_call_words(client_ep[n], ECHO, in, 3, out, 3);
        if (mica_msginfo_get_label(r) != n || memcmp(in, out, sizeof in) != 0)
            ok = 0;
    }
    printf("client%lu: %d echoes %s\n", (unsigned long)n, ECHOS, ok ? "came back right" : "came back WRONG");
    char key[32];
    snprintf(key, sizeof key, "echo_ok_%lu", (unsigned long)n);
    lab_fact(key, ok);
    finished[n] = 1;
    mica_signal(done_bit[n]);
}

static void timed_client(mica_word_t n)
{
    mica_msginfo_t r = mica_call(client_ep[n], mica_msginfo_new(n == 1 ? SLOW : FAST, 0, 0, 0));
    answer_order[n] = ++answered;
    char key[32];
    snprintf(key, sizeof key, "label_%s", n == 1 ? "slow" : "fast");
    lab_fact(key, (long long)mica_msginfo_get_label(r));
    printf("%s client: answered %s\n", n == 1 ? "slow" : "fast", answered == 1 ? "first" : "second");
    finished[n] = 1;
    mica_signal(done_bit[n]);
}

/* Wait until threads with the bits in want have finished. */
static void wait_for(mica_word_t want)
{
    mica_word_t seen = 0, badge;
    while ((seen & want) != want) {
        mica_wait(done, &badge);
        seen |= badge;
    }
}

/* The watch's report: who is still waiting, in which task. */
static void report(void)
{
    lab_fact("stuck_task", current_task);
    for (int n = 1; n <= 2; n++)
        if (!finished[n]) {
            char key[32];
            snprintf(key, sizeof key, "waiting_%d", n);
            lab_fact(key, 1);
        }
}

static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_init(&env, bi);
    service_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    done = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    for (int k = 0; k < 8; k++)
        done_bit[k] = mica_env_mint(&env, done, MICA_CAN_WRITE, 1ul << k);
    recv_slot = mica_env_slot(&env);
    saved_slot = mica_env_slot(&env);
    lab_watch_start(&env, report);

    /*
     * TASK 1: mint each client its own copy of service_ep into
     * client_ep[1] and client_ep[2]: badge 1 and badge 2, and only the
     * rights a client needs to Call the server and get the answer.
     */
    lab_task(current_task = 1);
    //@ solution 1
    client_ep[1] = mica_env_mint(&env, service_ep, MICA_RIGHTS_CLIENT, 1);
    client_ep[2] = mica_env_mint(&env, service_ep, MICA_RIGHTS_CLIENT, 2);
    //@ starter 1
    lab_todo(1, "mint client_ep[1] and client_ep[2] from service_ep with badges 1 and 2");
    //@ wrong no-grant-reply 1
    client_ep[1] = mica_env_mint(&env, service_ep, MICA_CAN_WRITE, 1);
    client_ep[2] = mica_env_mint(&env, service_ep, MICA_CAN_WRITE, 2);
    //@ wrong all-rights 1
    client_ep[1] = mica_env_mint(&env, service_ep, MICA_ALL_RIGHTS, 1);
    client_ep[2] = mica_env_mint(&env, service_ep, MICA_ALL_RIGHTS, 2);
    //@ end
    probe(1);
    probe(2);
    lab_fact("done_1", 1);

    /* TASK 2 is the server's loop (server()); two clients echo through it. */
    lab_task(current_task = 2);
    mica_thread_spawn(&env, "server", server, 0, 100);
    mica_thread_spawn(&env, "client1", echo_client, 1, 50);
    mica_thread_spawn(&env, "client2", echo_client, 2, 50);
    wait_for(0x6);
    lab_fact("done_2", 1);

    /*
     * TASK 3 (client side): send the server the notification cap `gift`
     * in a Call with label GIVE (a cap travels only through an endpoint
     * cap with the right to pass caps: mint one for yourself, badge 3).
     * handle() (TASK 3, server side) signals it; poll shows it did.
     */
    lab_task(current_task = 3);
    mica_cptr_t ntfn = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t gift = mica_env_mint(&env, ntfn, MICA_CAN_WRITE, 0x42);
    mica_msginfo_t r;
    //@ solution 3
    mica_cptr_t grant_ep = mica_env_mint(&env, service_ep, mica_cap_rights_rwgp(0, 1, 1, 1), 3);
    mica_set_cap(0, gift);
    r = mica_call(grant_ep, mica_msginfo_new(GIVE, 0, 1, 0));
    //@ starter 3
    lab_todo(3, "mint a cap to service_ep that may pass caps; Call GIVE with gift as extra cap 0");
    //@ wrong no-grant 3
    mica_cptr_t grant_ep = mica_env_mint(&env, service_ep, MICA_RIGHTS_CLIENT, 3);
    mica_set_cap(0, gift);
    r = mica_call(grant_ep, mica_msginfo_new(GIVE, 0, 1, 0));
    //@ end
    (void)gift;
    mica_word_t word = 0;
    mica_poll(ntfn, &word);
    printf("root: GIVE answered %s; the notification's word is 0x%lx\n",
           mica_msginfo_get_label(r) == OK ? "OK" : "NO_CAP", (unsigned long)word);
    lab_fact("give_label", (long long)mica_msginfo_get_label(r));
    lab_fact("give_word", (long long)word);
    lab_fact("done_3", 1);

    /*
     * TASK 4 is in handle(): a slow client Calls first, a fast one just
     * after (both run above the server, so both wait before it runs); the
     * server answers the fast one first.
     */
    lab_task(current_task = 4);
    finished[1] = finished[2] = 0;
    mica_thread_spawn(&env, "slow", timed_client, 1, 150);
    mica_thread_spawn(&env, "fast", timed_client, 2, 140);   /* runs after slow's Call */
    wait_for(0x6);
    lab_fact("order_slow", answer_order[1]);
    lab_fact("order_fast", answer_order[2]);
    lab_fact("done_4", 1);
    printf("lab 5: done\n");
    lab_watch_done = 1;
}

LAB_MAIN(root)
