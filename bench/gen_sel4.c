/*
 * ipc-generations, the seL4-style paths: a client process Calls a server
 * process on an endpoint, the server answers with ReplyRecv.
 *   sel4-fast  up to 4 words in message registers (mica's fastpath)
 *   sel4-buf   up to 120 words in the IPC buffer, copied by the kernel;
 *              larger messages written by the sender into a frame mapped in
 *              both processes, with (offset, length) in registers
 */
#include <string.h>
#include <mica/mica.h>
#include "ipc_generations.h"

#define SHARED_VADDR 0x200000ul     /* the shared frames, in both processes */
#define SHARED_PAGES (GEN_MAX_BYTES / 4096)

enum { REGS, BUFFER, FRAME };

typedef struct sel4_pair {
    int how;
    mica_word_t words;          /* message length in words (REGS, BUFFER) */
    mica_cptr_t ep;             /* in the caller's CSpace */
    void *shared;               /* the shared frames as the caller sees them (FRAME) */
    void *out;                  /* the point to fill */
    mica_cptr_t done;           /* notification: the client has finished */
} sel4_pair_t;

static sel4_pair_t pair;       /* set up by the root before either task starts */
static uint8_t payload[GEN_MAX_BYTES];      /* what the sender copies into the frame */
static uint64_t frame_bytes;                /* bytes copied into the frame so far */

static uint64_t frame_copied(void)
{
    return frame_bytes;
}

static mica_word_t words_for(unsigned bytes)
{
    return (bytes + sizeof(mica_word_t) - 1) / sizeof(mica_word_t);
}

int gen_sel4_fast_supports(unsigned bytes)
{
    return words_for(bytes) <= MICA_FAST_MESSAGE_REGISTERS;
}

int gen_sel4_buf_supports(unsigned bytes)
{
    return bytes <= GEN_MAX_BYTES;
}

static void server(mica_word_t ep, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r1; (void)r2; (void)r3;
    mica_word_t badge, m0 = 0, m1 = 0, m2 = 0, m3 = 0;
    if (pair.how == BUFFER) {
        mica_recv(ep, &badge);
        for (;;)
            mica_reply_recv(ep, mica_msginfo_new(0, 0, 0, pair.words), &badge);
    }
    void *shared = pair.how == FRAME ? mica_vaddr_to_ptr(SHARED_VADDR) : NULL;
    mica_recv_with_mrs(ep, &badge, &m0, &m1, &m2, &m3);
    for (;;) {
        if (pair.how == FRAME) {
            /* The request is in the frame at (m0, m1); the reply goes back the same way. */
            memcpy(shared, payload, m1);
            frame_bytes += m1;
            m0 = 0;
        }
        mica_reply_recv_with_mrs(ep, mica_msginfo_new(0, 0, 0, pair.how == FRAME ? 2 : pair.words),
                                 &badge, &m0, &m1, &m2, &m3);
    }
}

static void client_rt(void *ctx)
{
    mica_cptr_t ep = (mica_cptr_t)(uintptr_t)ctx;
    if (pair.how == BUFFER) {
        mica_call(ep, mica_msginfo_new(1, 0, 0, pair.words));
        return;
    }
    mica_word_t m0 = 1, m1 = 2, m2 = 3, m3 = 4;
    if (pair.how == FRAME) {
        memcpy(pair.shared, payload, gen_size);
        frame_bytes += gen_size;
        m0 = 0;
        m1 = gen_size;
    }
    mica_call_with_mrs(ep, mica_msginfo_new(1, 0, 0, pair.how == FRAME ? 2 : pair.words),
                       &m0, &m1, &m2, &m3);
}

static void client(mica_word_t ep, mica_word_t done, mica_word_t r2, mica_word_t r3)
{
    (void)r2; (void)r3;
    if (pair.how == FRAME)
        pair.shared = mica_vaddr_to_ptr(SHARED_VADDR);
    gen_measure(client_rt, (void *)(uintptr_t)ep, pair.how == FRAME ? frame_copied : NULL, pair.out);
    mica_signal(done);
}

/* Two processes, an endpoint between them, and for FRAME the shared frames. */
static void sel4_root(const mica_bootinfo_t *bi, int how, void *out)
{
    static mica_env_t env;
    mica_process_t srv, cli;
    mica_env_init(&env, bi);
    pair.how = how;
    pair.words = how == FRAME ? 2 : words_for(gen_size);
    pair.out = out;
    mica_cptr_t ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t done = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    mica_process_config_t sc = { .name = "server", .prio = 200 };
    mica_process_config_t cc = { .name = "client", .prio = 100 };
    if (mica_process_create(&env, &sc, &srv) != MICA_NO_ERROR ||
        mica_process_create(&env, &cc, &cli) != MICA_NO_ERROR)
        return;
    mica_cptr_t srv_ep = mica_process_give(&srv, ep, MICA_ALL_RIGHTS, 0);
    mica_cptr_t cli_ep = mica_process_give(&cli, ep, MICA_ALL_RIGHTS, 1);
    mica_cptr_t cli_done = mica_process_give(&cli, done, MICA_ALL_RIGHTS, 0);
    if (how == FRAME) {
        mica_cptr_t frames;
        if (mica_user_map_pages(&env, srv.vspace, SHARED_VADDR, SHARED_PAGES, MICA_READ_WRITE,
                                &frames) != MICA_NO_ERROR)
            return;
        for (mica_word_t i = 0; i < SHARED_PAGES; i++) {
            mica_cptr_t copy = mica_env_mint(&env, frames + i, MICA_ALL_RIGHTS, 0);
            if (mica_user_map(&env, cli.vspace, SHARED_VADDR + i * 4096, copy, MICA_READ_WRITE) !=
                MICA_NO_ERROR)
                return;
        }
    }
    mica_process_start(&srv, server, srv_ep, 0, 0, 0);
    mica_process_start(&cli, client, cli_ep, cli_done, 0, 0);
    mica_wait(done, NULL);
}

void gen_sel4_fast_root(const mica_bootinfo_t *bi, void *out)
{
    sel4_root(bi, REGS, out);
}

void gen_sel4_buf_root(const mica_bootinfo_t *bi, void *out)
{
    sel4_root(bi, gen_size <= MICA_MSG_MAX_LENGTH * sizeof(mica_word_t) ? BUFFER : FRAME, out);
}
