/*
 * ipc-generations, the Mach path: a client task and a server task of the
 * Mach personality (personalities/mach). Each round trip is the client's
 * mach_msg(SEND|RCV) with a reply port made send-once, and the server's
 * mach_msg(SEND|RCV) answering it and waiting for the next - four mica IPCs
 * through machd, which copies each message in and out. Messages that do not
 * fit machd's 8 KiB inline buffer carry their data out of line.
 */
#include <string.h>
#include <mach/mach.h>
#include "ipc_generations.h"

#define HEADER sizeof(mach_msg_header_t)
#define MAX_INLINE (MACH_MSG_SIZE_MAX - HEADER)

typedef struct ool_msg {
    mach_msg_header_t head;
    mach_msg_body_t body;
    mach_msg_ool_descriptor_t data;
} ool_msg_t;

static void *point_out;         /* the point to fill */
static vm_address_t client_data, server_data;   /* out-of-line sources */

int gen_mach_supports(unsigned bytes)
{
    return bytes <= GEN_MAX_BYTES;
}

static int use_ool(void)
{
    return gen_size > MAX_INLINE;
}

/* Build a message of gen_size bytes at msg: inline after the header, or one OOL descriptor. */
static mach_msg_size_t build(mach_msg_header_t *msg, mach_msg_bits_t bits, vm_address_t src)
{
    if (!use_ool()) {
        msg->msgh_bits = bits;
        msg->msgh_size = (mach_msg_size_t)(HEADER + ((gen_size + 3) & ~3u));
        return msg->msgh_size;
    }
    ool_msg_t *m = (ool_msg_t *)msg;
    m->head.msgh_bits = bits | MACH_MSGH_BITS_COMPLEX;
    m->head.msgh_size = sizeof *m;
    m->body.msgh_descriptor_count = 1;
    m->data.address = src;
    m->data.size = gen_size;
    m->data.deallocate = 0;
    m->data.copy = MACH_MSG_PHYSICAL_COPY;
    m->data.type = MACH_MSG_OOL_DESCRIPTOR;
    return sizeof *m;
}

/* What arrived out of line lands in fresh pages of the receiver's region: give them back. */
static void release(mach_msg_header_t *msg)
{
    if (msg->msgh_bits & MACH_MSGH_BITS_COMPLEX) {
        ool_msg_t *m = (ool_msg_t *)msg;
        vm_deallocate(mach_task_self(), (vm_address_t)m->data.address, m->data.size);
    }
}

static void server(mach_port_t port, uintptr_t arg)
{
    (void)arg;
    mach_msg_header_t *msg = mach_msg_window();
    if (use_ool())
        vm_allocate(mach_task_self(), &server_data, gen_size, true);
    if (mach_msg(msg, MACH_RCV_MSG, 0, MACH_MSG_SIZE_MAX, port, 0, MACH_PORT_NULL) != 0)
        return;
    for (;;) {
        release(msg);
        /* The reply goes on the send-once right the request carried. */
        msg->msgh_local_port = MACH_PORT_NULL;
        msg->msgh_id += 100;
        mach_msg_size_t size = build(msg, MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0),
                                     server_data);
        if (mach_msg(msg, MACH_SEND_MSG | MACH_RCV_MSG, size, MACH_MSG_SIZE_MAX, port, 0,
                     MACH_PORT_NULL) != 0)
            return;
    }
}

typedef struct client_ctx {
    mach_port_t dest, reply;
    mach_msg_header_t *msg;
} client_ctx_t;

static void client_rt(void *p)
{
    client_ctx_t *c = p;
    mach_msg_header_t *msg = c->msg;
    mach_msg_size_t size = build(msg, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
                                                     MACH_MSG_TYPE_MAKE_SEND_ONCE), client_data);
    msg->msgh_remote_port = c->dest;
    msg->msgh_local_port = c->reply;
    msg->msgh_id = 400;
    mach_msg(msg, MACH_SEND_MSG | MACH_RCV_MSG, size, MACH_MSG_SIZE_MAX, c->reply, 0,
             MACH_PORT_NULL);
    release(msg);
}

static uint64_t machd_copied(void)
{
    machd_stats_t st;
    machd_get_stats(&st);
    return st.bytes_in + st.bytes_out + st.ool_bytes_copied;
}

/* The first task: it makes the port, hands its receive right to the server, and is the client. */
static void client(mach_port_t bootstrap, uintptr_t arg)
{
    (void)bootstrap; (void)arg;
    client_ctx_t c = { .msg = mach_msg_window() };
    mach_port_t port;
    if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) != KERN_SUCCESS ||
        mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND) !=
            KERN_SUCCESS ||
        mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &c.reply) != KERN_SUCCESS)
        return;
    if (mach_task_spawn("server", server, 0, port, MACH_MSG_TYPE_MOVE_RECEIVE, 200) !=
        KERN_SUCCESS)
        return;
    c.dest = port;
    if (use_ool())
        vm_allocate(mach_task_self(), &client_data, gen_size, true);
    gen_measure(client_rt, &c, machd_copied, point_out);
}

void gen_mach_root(const mica_bootinfo_t *bi, void *out)
{
    static mica_env_t env;
    mica_env_init(&env, bi);
    point_out = out;
    machd_start(&env, "client", client, 0, 100);
}
