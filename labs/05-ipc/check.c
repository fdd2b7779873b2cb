/* The checker of lab 5 (IPC): what each task must leave behind. */
#include <stdio.h>
#include <string.h>
#include <mica/types.h>
#include "check.h"

enum { OK = 0, NO_CAP = 100, TOO_EARLY = 101 };
#define ECHOS 4

/* The run stopped with everyone blocked while TASK n ran: who waits. */
static const char *stuck(const lab_run_t *r, int n, const char *what)
{
    if (lab_fact(r, "stuck_task", 0) != n)
        return NULL;
    int w1 = lab_fact(r, "waiting_1", 0) == 1, w2 = lab_fact(r, "waiting_2", 0) == 1;
    return lab_why("every thread blocked: %s%s%s never got an answer - %s",
                   w1 ? "client 1" : "", w1 && w2 ? " and " : "", w2 ? "client 2" : "", what);
}

static const char *not_reached(const lab_run_t *r, int n)
{
    char key[16];
    snprintf(key, sizeof key, "done_%d", n - 1);
    if (n > 1 && lab_fact(r, key, 0) != 1)
        return lab_why("not reached: TASK %d did not finish", n - 1);
    return NULL;
}

static const char *task1(const lab_run_t *r)
{
    for (int n = 1; n <= 2; n++) {
        char k[32];
        snprintf(k, sizeof k, "type_%d", n);
        if (lab_fact(r, k, 0) != MICA_CAP_TYPE_ENDPOINT)
            return lab_why("client_ep[%d] holds no endpoint cap after TASK 1: mint it from "
                           "service_ep (mica_env_mint)", n);
        snprintf(k, sizeof k, "probe_got_%d", n);
        if (lab_fact(r, k, 0) != 1)
            return lab_why("a Call through client_ep[%d] did not reach the server: a client's "
                           "cap needs Write", n);
        snprintf(k, sizeof k, "badge_%d", n);
        long long b = lab_fact(r, k, -1);
        if (b != n)
            return lab_why("a Call through client_ep[%d] arrives with badge %lld: mint it with "
                           "badge %d, so the server can tell its clients apart", n, b, n);
        snprintf(k, sizeof k, "reply_%d", n);
        if (lab_fact(r, k, 0) != 1)
            return lab_why("a Call through client_ep[%d] gave the server no reply cap, so the "
                           "client could never be answered: a client's cap needs GrantReply as "
                           "well as Write (MICA_RIGHTS_CLIENT)", n);
        snprintf(k, sizeof k, "allrights_%d", n);
        if (lab_fact(r, k, 0) != 0)
            return lab_why("client_ep[%d] has all rights: with Read a client could receive "
                           "other clients' requests, with Grant pass caps; give a client Write "
                           "and GrantReply only (MICA_RIGHTS_CLIENT)", n);
    }
    return NULL;
}

static const char *task2(const lab_run_t *r)
{
    const char *why = stuck(r, 2, "the server must answer each request (mica_reply_recv) "
                                  "before it waits for the next: a new Recv throws the unused "
                                  "reply cap away");
    if (why || (why = not_reached(r, 2)))
        return why;
    for (int n = 1; n <= 2; n++) {
        char k[32];
        snprintf(k, sizeof k, "echo_ok_%d", n);
        if (lab_fact(r, k, 0) != 1)
            return lab_why("client %d's echoes came back wrong: answer each request with the "
                           "message info handle() returns", n);
    }
    long long rr = lab_stat(r, "ReplyRecv");
    if (rr < 2 * ECHOS - 1)
        return lab_why("the server used ReplyRecv %lld times for %d requests: answer and wait "
                       "in one system call (mica_reply_recv)", rr < 0 ? 0 : rr, 2 * ECHOS);
    if (lab_stat(r, "fast-path hits") <= 0)
        return "no IPC took the fast path: a Call to a server waiting in ReplyRecv should";
    return NULL;
}

static const char *task3(const lab_run_t *r)
{
    const char *why = stuck(r, 3, "the root's Call GIVE was not answered");
    if (why || (why = not_reached(r, 3)))
        return why;
    if (lab_fact(r, "give_caps", -1) < 0)
        return "the server never received the GIVE request: Call service_ep with label GIVE";
    if (lab_fact(r, "give_caps", 0) != 1 ||
        lab_fact(r, "give_slot_type", 0) != MICA_CAP_TYPE_NOTIFICATION)
        return "the server received no cap with GIVE: caps travel only through an endpoint cap "
               "with Grant (mica_cap_rights_rwgp(0, 1, 1, 1)), set with mica_set_cap(0, gift) "
               "and counted in the message info's extra caps";
    if (lab_fact(r, "give_word", 0) != 0x42)
        return "the notification you sent was not signalled: the server must mica_signal the "
               "cap in recv_slot";
    if (lab_fact(r, "give_label", -1) != OK)
        return "the server did not answer GIVE with OK";
    return NULL;
}

static const char *task4(const lab_run_t *r)
{
    const char *why = stuck(r, 4, "keep the slow client's reply cap (mica_cnode_save_caller) "
                                  "and answer it through that slot with mica_send");
    if (why || (why = not_reached(r, 4)))
        return why;
    if (lab_fact(r, "label_slow", -1) == TOO_EARLY)
        return "the slow client got handle()'s placeholder at once: its reply cap was still in "
               "the server's caller slot, so ReplyRecv answered it - move it out with "
               "mica_cnode_save_caller and answer later through saved_slot";
    if (lab_fact(r, "saved_type", 0) != MICA_CAP_TYPE_REPLY)
        return "saved_slot held no reply cap after the slow request: mica_cnode_save_caller "
               "into saved_slot";
    if (lab_fact(r, "order_fast", 0) != 1 || lab_fact(r, "order_slow", 0) != 2)
        return "the slow client was answered first: answer the fast one (mica_reply), then the "
               "slow one through its saved reply cap";
    if (lab_fact(r, "label_slow", -1) != OK || lab_fact(r, "label_fast", -1) != OK)
        return "both answers should be OK";
    /* The kernel's trace agrees: the server took slow's request first and answered it last. */
    if (!lab_log_before(r, "server: received from slow", "server: received from fast") ||
        !lab_log_before(r, "fast: received reply from server", "slow: received reply from server"))
        return "the trace does not show slow's request taken first and answered after fast's";
    return NULL;
}

static const lab_spec_t spec = {
    .number = 5,
    .title = "IPC",
    .ntasks = 4,
    .task = { "badged client caps with a client's rights", "the server loop: Recv, ReplyRecv",
              "pass a cap in a message", "deferred replies, answered out of order" },
    .check = { task1, task2, task3, task4 },
    .log = "ipc",
};

int main(int argc, char **argv)
{
    return lab_check_main(argc, argv, &spec);
}
