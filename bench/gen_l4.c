/*
 * ipc-generations, the L4 path: a client task and a server task of the L4
 * personality (personalities/l4), addressed by thread id. The client's
 * l4_ipc_call and the server's l4_ipc_reply_and_wait carry the first 16
 * bytes as the message's two words in registers and the rest as one
 * indirect string (at most L4_MAX_STRING_BYTES: larger messages are not
 * measured on this path).
 */
#include <string.h>
#include <l4/l4.h>
#include "ipc_generations.h"

#define SERVER_TASK 5
#define CLIENT_TASK 6
#define WORD_BYTES (2 * sizeof(l4_umword_t))

static void *point_out;
static uint8_t client_buf[L4_MAX_STRING_BYTES], server_buf[L4_MAX_STRING_BYTES];
static uint8_t payload[L4_MAX_STRING_BYTES];

int gen_l4_supports(unsigned bytes)
{
    return bytes <= WORD_BYTES + L4_MAX_STRING_BYTES;
}

static l4_umword_t string_bytes(void)
{
    return gen_size > WORD_BYTES ? gen_size - WORD_BYTES : 0;
}

/* A message that sends one string of the payload, and one that receives into buf. */
static void make_msgs(l4_msg_t *snd, l4_msg_t *rcv, void *buf)
{
    memset(snd, 0, sizeof *snd);
    memset(rcv, 0, sizeof *rcv);
    snd->snd_dope.md.strings = 1;
    snd->str[0].snd_size = string_bytes();
    snd->str[0].snd_str = payload;
    rcv->size_dope.md.strings = 1;
    rcv->str[0].rcv_size = L4_MAX_STRING_BYTES;
    rcv->str[0].rcv_str = buf;
}

static void server(l4_umword_t arg)
{
    (void)arg;
    l4_msg_t snd, rcv;
    l4_threadid_t src;
    l4_umword_t w0 = 0, w1 = 0;
    l4_msgdope_t dope;
    int strings = string_bytes() > 0;
    make_msgs(&snd, &rcv, server_buf);
    if (l4_ipc_wait(&src, strings ? &rcv : L4_IPC_SHORT_MSG, &w0, &w1, L4_IPC_NEVER, &dope) != 0)
        return;
    for (;;) {
        rcv.str[0].rcv_size = L4_MAX_STRING_BYTES;
        if (l4_ipc_reply_and_wait(src, strings ? &snd : L4_IPC_SHORT_MSG, w0, w1, &src,
                                  strings ? &rcv : L4_IPC_SHORT_MSG, &w0, &w1, L4_IPC_NEVER,
                                  &dope) != 0)
            return;
    }
}

typedef struct client_ctx {
    l4_threadid_t server;
    l4_msg_t snd, rcv;
} client_ctx_t;

static void client_rt(void *p)
{
    client_ctx_t *c = p;
    l4_umword_t r0, r1;
    l4_msgdope_t dope;
    int strings = string_bytes() > 0;
    c->rcv.str[0].rcv_size = L4_MAX_STRING_BYTES;
    l4_ipc_call(c->server, strings ? &c->snd : L4_IPC_SHORT_MSG, 1, 2,
                strings ? &c->rcv : L4_IPC_SHORT_MSG, &r0, &r1, L4_IPC_NEVER, &dope);
}

static uint64_t l4_copied(void)
{
    l4man_stats_t st;
    l4man_get_stats(&st);
    return st.library_bytes_copied;
}

static void client(l4_umword_t server_id)
{
    static client_ctx_t c;
    c.server.raw = server_id;
    make_msgs(&c.snd, &c.rcv, client_buf);
    gen_measure(client_rt, &c, l4_copied, point_out);
}

/* The first task starts the server and the client: both in its clan, so IPC between them is direct. */
static void init(l4_umword_t arg)
{
    (void)arg;
    l4_threadid_t srv = l4_task_new(l4_id(SERVER_TASK, 0), 200, server, 0, L4_NIL_ID);
    if (!l4_is_nil_id(srv))
        l4_task_new(l4_id(CLIENT_TASK, 0), 100, client, srv.raw, L4_NIL_ID);
}

void gen_l4_root(const mica_bootinfo_t *bi, void *out)
{
    static mica_env_t env;
    mica_env_init(&env, bi);
    point_out = out;
    l4man_start(&env, init, 0, 150);
}
