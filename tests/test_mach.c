/*
 * Unit: the Mach personality (personalities/mach): machd's port name
 * spaces, rights and user references, mach_msg between tasks with its two
 * copies, queue limits and timeouts, notifications and port sets.
 *
 * Each test runs a small system: the root task starts machd and an `init`
 * Mach task, which starts the others. Tasks record what they saw in
 * globals; the test asserts them after the run stopped (IDLE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mach/mach.h>
#include "machd_proto.h"         /* machd's labels, for the hand-built hostile calls */
#include "harness.h"

#define SELF mach_task_self()

typedef struct {
    mach_msg_header_t h;
    char text[24];
} text_msg_t;

typedef struct {
    mach_msg_header_t h;
    mach_msg_body_t body;
    mach_msg_port_descriptor_t port;
} port_msg_t;

static mach_task_entry_t init_fn;
static void root(const mica_bootinfo_t *bi)
{
    static mica_env_t env;
    mica_env_init(&env, bi);
    ck_assert_int_eq(machd_start(&env, "init", init_fn, 0, 90), KERN_SUCCESS);
}

static void run(mach_task_entry_t fn)
{
    init_fn = fn;
    mt_run(root);
}

static void set_text(text_msg_t *m, mach_port_t dest, uint32_t ddisp, mach_port_t reply,
                     uint32_t rdisp, int id, const char *text)
{
    memset(m, 0, sizeof *m);
    m->h.msgh_bits = MACH_MSGH_BITS(ddisp, rdisp);
    m->h.msgh_size = sizeof *m;
    m->h.msgh_remote_port = dest;
    m->h.msgh_local_port = reply;
    m->h.msgh_id = id;
    strncpy(m->text, text, sizeof m->text - 1);
}

/* --- (1) rights and inline messages ------------------------------------------------- */

static struct {
    kern_return_t r[16];
    mach_port_urefs_t refs[8];
    mach_port_type_t type[4];
    text_msg_t got, reply;
    mach_port_t port, reply_name;
    machd_stats_t st;
} g1;

static void echo_client(mach_port_t server, uintptr_t arg)
{
    (void)arg;
    mach_port_t reply;
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &reply);
    text_msg_t *m = mach_msg_window();   /* built where machd reads: no staging copy */
    set_text(m, server, MACH_MSG_TYPE_COPY_SEND, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE, 42, "hello");
    g1.r[8] = mach_msg(&m->h, MACH_SEND_MSG | MACH_RCV_MSG, sizeof *m, sizeof *m, reply, 0,
                       MACH_PORT_NULL);
    g1.reply = *m;
    g1.reply_name = reply;
}

static void rights_and_echo(mach_port_t boot, uintptr_t arg)
{
    (void)boot; (void)arg;
    mach_port_t p, bad = 0x4242;
    g1.r[0] = mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &p);
    g1.r[1] = mach_port_insert_right(SELF, p, p, MACH_MSG_TYPE_MAKE_SEND);
    mach_port_get_refs(SELF, p, MACH_PORT_RIGHT_SEND, &g1.refs[0]);           /* 1 */
    g1.r[2] = mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, 2);
    mach_port_get_refs(SELF, p, MACH_PORT_RIGHT_SEND, &g1.refs[1]);           /* 3 */
    g1.r[3] = mach_port_deallocate(SELF, p);
    mach_port_get_refs(SELF, p, MACH_PORT_RIGHT_SEND, &g1.refs[2]);           /* 2 */
    g1.r[4] = mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_SEND, -5);          /* too many */
    g1.r[5] = mach_port_deallocate(SELF, bad);
    mach_port_type(SELF, p, &g1.type[0]);
    g1.r[6] = mach_port_allocate(SELF + 1, MACH_PORT_RIGHT_RECEIVE, &bad);    /* not our task */
    /* A receive right for the echo: the client gets a send right made from it. */
    mach_port_t srv;
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &srv);
    g1.port = srv;
    g1.r[7] = mach_task_spawn("client", echo_client, 0, srv, MACH_MSG_TYPE_MAKE_SEND, 100);
    text_msg_t m;
    g1.r[9] = mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m, srv, 0, MACH_PORT_NULL);
    g1.got = m;
    /* Answer on the send-once right that came with the request. */
    text_msg_t a;
    set_text(&a, m.h.msgh_remote_port, MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_PORT_NULL, 0, 142, "HELLO");
    g1.r[10] = mach_msg(&a.h, MACH_SEND_MSG, sizeof a, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    /* The send-once right is used up; a second answer has no destination. */
    g1.r[11] = mach_msg(&a.h, MACH_SEND_MSG, sizeof a, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    g1.r[12] = mach_msg(&a.h, MACH_RCV_MSG, 0, sizeof a, 0x4242, 0, MACH_PORT_NULL);
    /* Destroying the receive right turns our own send right into a dead name. */
    g1.r[13] = mach_port_mod_refs(SELF, p, MACH_PORT_RIGHT_RECEIVE, -1);
    mach_port_type(SELF, p, &g1.type[1]);
    mach_port_get_refs(SELF, p, MACH_PORT_RIGHT_DEAD_NAME, &g1.refs[3]);      /* 2 */
    set_text(&a, p, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 1, "x");
    g1.r[14] = mach_msg(&a.h, MACH_SEND_MSG, sizeof a, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    machd_get_stats(&g1.st);
}

START_TEST(rights_urefs_and_an_inline_request_reply)
{
    run(rights_and_echo);
    ck_assert_int_eq(g1.r[0], KERN_SUCCESS);
    ck_assert_int_eq(g1.r[1], KERN_SUCCESS);
    ck_assert_uint_eq(g1.refs[0], 1);
    ck_assert_int_eq(g1.r[2], KERN_SUCCESS);
    ck_assert_uint_eq(g1.refs[1], 3);
    ck_assert_int_eq(g1.r[3], KERN_SUCCESS);
    ck_assert_uint_eq(g1.refs[2], 2);
    ck_assert_int_eq(g1.r[4], KERN_INVALID_VALUE);
    ck_assert_int_eq(g1.r[5], KERN_INVALID_NAME);
    ck_assert_uint_eq(g1.type[0], MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE);
    ck_assert_int_eq(g1.r[6], KERN_INVALID_TASK);
    ck_assert_int_eq(g1.r[7], KERN_SUCCESS);
    /* The server's view: the request, its reply right, its own port's name. */
    ck_assert_int_eq(g1.r[9], MACH_MSG_SUCCESS);
    ck_assert_int_eq(g1.got.h.msgh_id, 42);
    ck_assert_str_eq(g1.got.text, "hello");
    ck_assert_uint_eq(g1.got.h.msgh_size, sizeof(text_msg_t));
    ck_assert_uint_eq(g1.got.h.msgh_local_port, g1.port);
    ck_assert_uint_eq(g1.got.h.msgh_bits, MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE,
                                                         MACH_MSG_TYPE_PORT_SEND));
    ck_assert(MACH_PORT_VALID(g1.got.h.msgh_remote_port));
    ck_assert_uint_eq(g1.got.h.msgh_seqno, 0);
    /* The client's view of the answer. */
    ck_assert_int_eq(g1.r[8], MACH_MSG_SUCCESS);
    ck_assert_int_eq(g1.reply.h.msgh_id, 142);
    ck_assert_str_eq(g1.reply.text, "HELLO");
    ck_assert_uint_eq(g1.reply.h.msgh_local_port, g1.reply_name);
    ck_assert_uint_eq(g1.reply.h.msgh_remote_port, MACH_PORT_NULL);
    ck_assert_uint_eq(g1.reply.h.msgh_bits, MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE));
    ck_assert_int_eq(g1.r[10], MACH_MSG_SUCCESS);
    ck_assert_int_eq(g1.r[11], MACH_SEND_INVALID_DEST);
    ck_assert_int_eq(g1.r[12], MACH_RCV_INVALID_NAME);
    ck_assert_int_eq(g1.r[13], KERN_SUCCESS);
    ck_assert_uint_eq(g1.type[1], MACH_PORT_TYPE_DEAD_NAME);
    ck_assert_uint_eq(g1.refs[3], 2);
    ck_assert_int_eq(g1.r[14], MACH_SEND_INVALID_DEST);
    /* Two messages, each copied in once and out once. */
    ck_assert_uint_eq(g1.st.msgs_sent, 2);
    ck_assert_uint_eq(g1.st.msgs_received, 2);
    ck_assert_uint_eq(g1.st.copies_in, 2);
    ck_assert_uint_eq(g1.st.copies_out, 2);
    ck_assert_uint_eq(g1.st.bytes_in, 2 * sizeof(text_msg_t));
}
END_TEST

/* --- (2) queue limits and timeouts ----------------------------------------------------- */

static struct {
    int sent_before_block, sent;
    kern_return_t r[12];
    int ids[8];
    uint64_t blocked;
    machd_stats_t st;
} g2;

static void flood(mach_port_t dest, uintptr_t timeout)
{
    for (int i = 0; i < 6; i++) {
        text_msg_t m;
        set_text(&m, dest, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 100 + i, "m");
        mach_msg_return_t r = mach_msg(&m.h, MACH_SEND_MSG | (timeout ? MACH_SEND_TIMEOUT : 0),
                                       sizeof m, 0, MACH_PORT_NULL, (uint32_t)timeout, MACH_PORT_NULL);
        g2.r[i] = r;
        if (r == MACH_MSG_SUCCESS)
            g2.sent++;
    }
}

static void qlimit_init(mach_port_t boot, uintptr_t arg)
{
    (void)boot; (void)arg;
    mach_port_t p;
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &p);
    mach_task_spawn("flood", flood, 0, p, MACH_MSG_TYPE_MAKE_SEND, 100);
    /* The flooder runs above us: it is now blocked in its 6th send. */
    g2.sent_before_block = g2.sent;
    machd_stats_t st;
    machd_get_stats(&st);
    g2.blocked = st.senders_blocked;
    for (int i = 0; i < 6; i++) {
        text_msg_t m;
        g2.r[6] = mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m, p, 0, MACH_PORT_NULL);
        g2.ids[i] = m.h.msgh_id;
    }
    /* An empty queue: a receive with a timeout gives up; timeout 0 at once. */
    text_msg_t m;
    g2.r[7] = mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, p, 5, MACH_PORT_NULL);
    g2.r[8] = mach_msg(&m.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, p, 0, MACH_PORT_NULL);
    g2.r[9] = mach_port_set_qlimit(SELF, p, 0);
    g2.r[10] = mach_port_set_qlimit(SELF, p, 17);
    machd_get_stats(&g2.st);
}

START_TEST(the_sixth_send_to_a_full_queue_blocks_until_a_receive)
{
    run(qlimit_init);
    ck_assert_int_eq(g2.sent_before_block, 5);
    ck_assert_uint_eq(g2.blocked, 1);
    ck_assert_int_eq(g2.sent, 6);
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(g2.r[i], MACH_MSG_SUCCESS);
        ck_assert_int_eq(g2.ids[i], 100 + i);       /* in order, the blocked one last */
    }
    ck_assert_int_eq(g2.r[7], MACH_RCV_TIMED_OUT);
    ck_assert_int_eq(g2.r[8], MACH_RCV_TIMED_OUT);
    ck_assert_int_eq(g2.r[9], KERN_INVALID_VALUE);
    ck_assert_int_eq(g2.r[10], KERN_INVALID_VALUE);
    ck_assert_uint_eq(g2.st.rcv_timeouts, 2);
}
END_TEST

static void timeout_init(mach_port_t boot, uintptr_t arg)
{
    (void)boot; (void)arg;
    mach_port_t p;
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &p);
    mach_port_set_qlimit(SELF, p, 2);
    mach_task_spawn("flood", flood, 3 /* ms */, p, MACH_MSG_TYPE_MAKE_SEND, 100);
    /* Sleep 20 ms (a receive that times out) while the flooder's sends time out. */
    mach_port_t idle;
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &idle);
    text_msg_t z;
    g2.r[6] = mach_msg(&z.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof z, idle, 20, MACH_PORT_NULL);
    machd_get_stats(&g2.st);           /* the flooder is done: nobody received */
    for (int i = 0; i < 2; i++) {
        text_msg_t m;
        mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m, p, 0, MACH_PORT_NULL);
        g2.ids[i] = m.h.msgh_id;
    }
}

START_TEST(a_send_to_a_full_queue_times_out)
{
    run(timeout_init);
    ck_assert_int_eq(g2.sent, 2);
    ck_assert_int_eq(g2.r[0], MACH_MSG_SUCCESS);
    ck_assert_int_eq(g2.r[1], MACH_MSG_SUCCESS);
    for (int i = 2; i < 6; i++)
        ck_assert_int_eq(g2.r[i], MACH_SEND_TIMED_OUT);
    ck_assert_int_eq(g2.r[6], MACH_RCV_TIMED_OUT);
    ck_assert_uint_eq(g2.st.send_timeouts, 4);
    ck_assert_uint_eq(g2.st.senders_blocked, 4);
    ck_assert_int_eq(g2.ids[0], 100);
    ck_assert_int_eq(g2.ids[1], 101);
}
END_TEST

/* --- (3) notifications ---------------------------------------------------------------- */

static struct {
    kern_return_t r[8];
    mach_notify_msg_t n[3];
    mach_port_t q_name;
    mach_port_urefs_t refs;
    mach_port_type_t type;
} g3;

static void holder(mach_port_t p, uintptr_t arg)
{
    (void)arg;
    /* Give the parent a send right to a port of ours, then wait a while and end. */
    mach_port_t q;
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &q);
    port_msg_t m = { 0 };
    m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
    m.h.msgh_size = sizeof m;
    m.h.msgh_remote_port = p;
    m.body.msgh_descriptor_count = 1;
    m.port.name = q;
    m.port.disposition = MACH_MSG_TYPE_MAKE_SEND;
    m.port.type = MACH_MSG_PORT_DESCRIPTOR;
    mach_msg(&m.h, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    text_msg_t t;
    g3.r[7] = mach_msg(&t.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof t, q, 10, MACH_PORT_NULL);
}

static void notify_init(mach_port_t boot, uintptr_t arg)
{
    (void)boot; (void)arg;
    mach_port_t p, n, prev = 1;
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &p);
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &n);
    /* sync 1: with sync 0 and no senders yet, Mach would notify at once. */
    g3.r[0] = mach_port_request_notification(SELF, p, MACH_NOTIFY_NO_SENDERS, 1, n,
                                             MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev);
    g3.r[1] = prev == MACH_PORT_NULL ? KERN_SUCCESS : KERN_INVALID_VALUE;
    mach_task_spawn("holder", holder, 0, p, MACH_MSG_TYPE_MAKE_SEND, 100);
    /* The holder's message brings a send right to its port q. */
    port_msg_t m;
    g3.r[2] = mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m, p, 0, MACH_PORT_NULL);
    g3.q_name = m.port.name;
    g3.r[3] = mach_port_request_notification(SELF, m.port.name, MACH_NOTIFY_DEAD_NAME, 0, n,
                                             MACH_MSG_TYPE_MAKE_SEND_ONCE, &prev);
    /* The holder ends: its send right to p goes (no-senders), its port q dies (dead-name). */
    for (int i = 0; i < 2; i++)
        g3.r[4 + i] = mach_msg(&g3.n[i].not_header, MACH_RCV_MSG, 0, sizeof g3.n[i], n, 0,
                               MACH_PORT_NULL);
    mach_port_get_refs(SELF, m.port.name, MACH_PORT_RIGHT_DEAD_NAME, &g3.refs);
    mach_port_type(SELF, m.port.name, &g3.type);
}

START_TEST(no_senders_and_dead_name_notifications)
{
    run(notify_init);
    ck_assert_int_eq(g3.r[0], KERN_SUCCESS);
    ck_assert_int_eq(g3.r[1], KERN_SUCCESS);
    ck_assert_int_eq(g3.r[2], MACH_MSG_SUCCESS);
    ck_assert(MACH_PORT_VALID(g3.q_name));
    ck_assert_int_eq(g3.r[3], KERN_SUCCESS);
    ck_assert_int_eq(g3.r[7], MACH_RCV_TIMED_OUT);
    ck_assert_int_eq(g3.r[4], MACH_MSG_SUCCESS);
    ck_assert_int_eq(g3.r[5], MACH_MSG_SUCCESS);
    /* The task's space is destroyed entry by entry: its send right to p first. */
    int ns = g3.n[0].not_header.msgh_id == MACH_NOTIFY_NO_SENDERS ? 0 : 1;
    ck_assert_int_eq(g3.n[ns].not_header.msgh_id, MACH_NOTIFY_NO_SENDERS);
    ck_assert_uint_eq(g3.n[ns].not_value, 1);                   /* mscount: one make-send */
    ck_assert_int_eq(g3.n[1 - ns].not_header.msgh_id, MACH_NOTIFY_DEAD_NAME);
    ck_assert_uint_eq(g3.n[1 - ns].not_value, g3.q_name);
    ck_assert_uint_eq(g3.n[ns].not_header.msgh_bits, MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE));
    ck_assert_uint_eq(g3.type, MACH_PORT_TYPE_DEAD_NAME);
    ck_assert_uint_eq(g3.refs, 2);              /* one for the right, one for the notification */
}
END_TEST

/* --- (4) port sets ----------------------------------------------------------------------- */

static struct {
    kern_return_t r[8];
    mach_port_t a, b, local[2];
    int ids[2];
} g4;

static void two_sends(mach_port_t boot, uintptr_t arg)
{
    (void)arg;
    /* boot is a send right to b; our arg-less sibling right to a came inserted by name. */
    text_msg_t m;
    set_text(&m, boot, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 2, "to b");
    mach_msg(&m.h, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

static void one_send(mach_port_t boot, uintptr_t arg)
{
    (void)arg;
    text_msg_t m;
    set_text(&m, boot, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 1, "to a");
    mach_msg(&m.h, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

static void pset_init(mach_port_t boot, uintptr_t arg)
{
    (void)boot; (void)arg;
    mach_port_t s;
    g4.r[0] = mach_port_allocate(SELF, MACH_PORT_RIGHT_PORT_SET, &s);
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &g4.a);
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &g4.b);
    g4.r[1] = mach_port_move_member(SELF, g4.a, s);
    g4.r[2] = mach_port_move_member(SELF, g4.b, s);
    g4.r[3] = mach_port_move_member(SELF, s, s);
    mach_task_spawn("b", two_sends, 0, g4.b, MACH_MSG_TYPE_MAKE_SEND, 100);
    mach_task_spawn("a", one_send, 0, g4.a, MACH_MSG_TYPE_MAKE_SEND, 100);
    text_msg_t m;
    g4.r[4] = mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m, g4.a, 0, MACH_PORT_NULL);
    for (int i = 0; i < 2; i++) {
        g4.r[5 + i] = mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m, s, 0, MACH_PORT_NULL);
        g4.local[i] = m.h.msgh_local_port;
        g4.ids[i] = m.h.msgh_id;
    }
}

START_TEST(a_port_set_receives_from_its_members_in_arrival_order)
{
    run(pset_init);
    ck_assert_int_eq(g4.r[0], KERN_SUCCESS);
    ck_assert_int_eq(g4.r[1], KERN_SUCCESS);
    ck_assert_int_eq(g4.r[2], KERN_SUCCESS);
    ck_assert_int_eq(g4.r[3], KERN_INVALID_RIGHT);
    ck_assert_int_eq(g4.r[4], MACH_RCV_IN_SET);
    ck_assert_int_eq(g4.r[5], MACH_MSG_SUCCESS);
    ck_assert_int_eq(g4.r[6], MACH_MSG_SUCCESS);
    ck_assert_int_eq(g4.ids[0], 2);
    ck_assert_uint_eq(g4.local[0], g4.b);
    ck_assert_int_eq(g4.ids[1], 1);
    ck_assert_uint_eq(g4.local[1], g4.a);
}
END_TEST

/* --- (5) out-of-line memory --------------------------------------------------------------- */

typedef struct {
    mach_msg_header_t h;
    mach_msg_body_t body;
    mach_msg_ool_descriptor_t ool[2];
} ool_msg_t;

static struct {
    kern_return_t r[8];
    vm_address_t sent_addr, kept_addr, again_addr, got[2];
    uint32_t got_size[2];
    uint8_t got_first[2], got_last[2];
    int in_region;
    machd_stats_t st;
} g5;

static void ool_sender(mach_port_t dest, uintptr_t arg)
{
    (void)arg;
    vm_address_t a, b;
    g5.r[0] = vm_allocate(SELF, &a, 3 * 4096, true);
    g5.r[1] = vm_allocate(SELF, &b, 4096, true);
    memset((void *)a, 0xA5, 3 * 4096);
    memset((void *)b, 0x5A, 100);
    ool_msg_t m = { 0 };
    m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
    m.h.msgh_remote_port = dest;
    m.h.msgh_id = 7;
    m.body.msgh_descriptor_count = 2;
    m.ool[0] = (mach_msg_ool_descriptor_t){ .address = a, .size = 3 * 4096, .deallocate = 0,
                                            .copy = MACH_MSG_VIRTUAL_COPY, .type = MACH_MSG_OOL_DESCRIPTOR };
    m.ool[1] = (mach_msg_ool_descriptor_t){ .address = b, .size = 100, .deallocate = 1,
                                            .copy = MACH_MSG_VIRTUAL_COPY, .type = MACH_MSG_OOL_DESCRIPTOR };
    g5.r[2] = mach_msg(&m.h, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    /* After the send: the sender's writes are its own. */
    memset((void *)a, 0xEE, 3 * 4096);
    g5.sent_addr = a;
    /* b was deallocated by the send: the same page comes back. */
    g5.r[3] = vm_allocate(SELF, &g5.again_addr, 4096, true);
    g5.kept_addr = b;
    /* Memory outside the task's window and vm region is refused. */
    static uint8_t elsewhere[64];
    m.body.msgh_descriptor_count = 1;
    m.ool[0].address = (uint64_t)(uintptr_t)elsewhere;
    m.ool[0].size = sizeof elsewhere;
    g5.r[4] = mach_msg(&m.h, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

static void ool_init(mach_port_t boot, uintptr_t arg)
{
    (void)boot; (void)arg;
    mach_port_t p;
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &p);
    mach_task_spawn("sender", ool_sender, 0, p, MACH_MSG_TYPE_MAKE_SEND, 100);
    ool_msg_t m;
    g5.r[5] = mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m, p, 0, MACH_PORT_NULL);
    for (int i = 0; i < 2; i++) {
        g5.got[i] = (vm_address_t)m.ool[i].address;
        g5.got_size[i] = m.ool[i].size;
        const uint8_t *d = (const uint8_t *)g5.got[i];
        g5.got_first[i] = d[0];
        g5.got_last[i] = d[m.ool[i].size - 1];
    }
    /* The receiver owns the pages: vm_deallocate takes them back. */
    g5.r[6] = vm_deallocate(SELF, g5.got[0], 3 * 4096);
    g5.r[7] = vm_deallocate(SELF, 0x1000, 4096);
    machd_get_stats(&g5.st);
}

START_TEST(out_of_line_memory_is_copied_and_isolated_from_the_sender)
{
    run(ool_init);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(g5.r[i], KERN_SUCCESS);
    ck_assert_int_eq(g5.r[3], KERN_SUCCESS);
    ck_assert_uint_eq(g5.again_addr, g5.kept_addr);
    ck_assert_int_eq(g5.r[4], MACH_SEND_INVALID_MEMORY);
    ck_assert_int_eq(g5.r[5], MACH_MSG_SUCCESS);
    ck_assert_uint_eq(g5.got_size[0], 3 * 4096);
    ck_assert_uint_eq(g5.got_size[1], 100);
    ck_assert_uint_ne(g5.got[0], g5.sent_addr);
    ck_assert_uint_eq(g5.got_first[0], 0xA5);       /* not the 0xEE written after the send */
    ck_assert_uint_eq(g5.got_last[0], 0xA5);
    ck_assert_uint_eq(g5.got_first[1], 0x5A);
    ck_assert_uint_eq(g5.got_last[1], 0x5A);
    ck_assert_int_eq(g5.r[6], KERN_SUCCESS);
    ck_assert_int_eq(g5.r[7], KERN_INVALID_ADDRESS);
    /* Each byte copied twice: into machd, out to the receiver. */
    ck_assert_uint_eq(g5.st.ool_bytes_copied, 2 * (3 * 4096 + 100));
    ck_assert_uint_eq(g5.st.copies_in, 1);
    ck_assert_uint_eq(g5.st.copies_out, 1);
}
END_TEST

/* --- moving rights, bad messages ---------------------------------------------------------- */

static struct {
    kern_return_t r[16];
    mach_port_type_t type[4];
    mach_port_urefs_t refs[4];
    text_msg_t got;
    uint64_t kmsgs_left;
} g6;

static void receiver_of_a_receive_right(mach_port_t boot, uintptr_t arg)
{
    (void)arg;
    /* A message to us carries the receive right of a port with one queued message. */
    port_msg_t m;
    g6.r[8] = mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m, boot, 0, MACH_PORT_NULL);
    mach_port_type(SELF, m.port.name, &g6.type[2]);
    g6.r[9] = mach_msg(&g6.got.h, MACH_RCV_MSG, 0, sizeof g6.got, m.port.name, 0, MACH_PORT_NULL);
}

static void move_init(mach_port_t boot, uintptr_t arg)
{
    (void)boot; (void)arg;
    mach_port_t p, q;
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &p);
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &q);
    mach_port_insert_right(SELF, q, q, MACH_MSG_TYPE_MAKE_SEND);
    text_msg_t t;
    set_text(&t, q, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 9, "queued");
    g6.r[0] = mach_msg(&t.h, MACH_SEND_MSG, sizeof t, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    /* Bad messages are refused, and change nothing. */
    g6.r[1] = mach_msg(&t.h, MACH_SEND_MSG, 8, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    memcpy(mach_msg_window(), &t, sizeof t);
    g6.r[2] = mach_msg(mach_msg_window(), MACH_SEND_MSG, MACH_MSG_SIZE_MAX + 4, 0, MACH_PORT_NULL, 0,
                       MACH_PORT_NULL);
    set_text(&t, q, 99, MACH_PORT_NULL, 0, 9, "bad disposition");
    g6.r[3] = mach_msg(&t.h, MACH_SEND_MSG, sizeof t, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    set_text(&t, q, MACH_MSG_TYPE_COPY_SEND, p, MACH_MSG_TYPE_COPY_SEND, 9, "no send right to p");
    g6.r[4] = mach_msg(&t.h, MACH_SEND_MSG, sizeof t, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    port_msg_t m = { 0 };
    m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
    m.h.msgh_remote_port = p;
    m.body.msgh_descriptor_count = 1000;
    g6.r[5] = mach_msg(&m.h, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    m.body.msgh_descriptor_count = 1;
    m.port = (mach_msg_port_descriptor_t){ .name = q, .disposition = MACH_MSG_TYPE_MOVE_RECEIVE,
                                           .type = 9 };
    g6.r[6] = mach_msg(&m.h, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    mach_port_get_refs(SELF, q, MACH_PORT_RIGHT_SEND, &g6.refs[0]);          /* still 1 */
    /* Hand q's receive right, queued message and all, to another task. */
    mach_port_t r;
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &r);
    mach_port_insert_right(SELF, r, r, MACH_MSG_TYPE_MAKE_SEND);
    /* The heir gets r's receive right as its bootstrap; we keep a send right. */
    g6.r[13] = mach_task_spawn("heir", receiver_of_a_receive_right, 0, r, MACH_MSG_TYPE_MOVE_RECEIVE, 80);
    mach_port_type(SELF, r, &g6.type[3]);
    m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
    m.h.msgh_remote_port = r;
    m.port.type = MACH_MSG_PORT_DESCRIPTOR;
    g6.r[7] = mach_msg(&m.h, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    mach_port_type(SELF, q, &g6.type[0]);                                      /* send only */
    /* Our send right still reaches q, now received elsewhere. */
    set_text(&t, q, MACH_MSG_TYPE_MOVE_SEND, MACH_PORT_NULL, 0, 10, "moved");
    g6.r[10] = mach_msg(&t.h, MACH_SEND_MSG, sizeof t, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    g6.r[11] = mach_port_type(SELF, q, &g6.type[1]);                           /* gone */
    /* The heir runs below us: let it run by waiting a little. */
    text_msg_t z;
    g6.r[12] = mach_msg(&z.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof z, p, 5, MACH_PORT_NULL);
}

START_TEST(a_receive_right_moves_with_its_queue_and_bad_messages_change_nothing)
{
    run(move_init);
    ck_assert_int_eq(g6.r[0], MACH_MSG_SUCCESS);
    ck_assert_int_eq(g6.r[1], MACH_SEND_MSG_TOO_SMALL);
    ck_assert_int_eq(g6.r[2], MACH_SEND_TOO_LARGE);
    ck_assert_int_eq(g6.r[3], MACH_SEND_INVALID_DEST);
    ck_assert_int_eq(g6.r[4], MACH_SEND_INVALID_REPLY);
    ck_assert_int_eq(g6.r[5], MACH_SEND_MSG_TOO_SMALL);
    ck_assert_int_eq(g6.r[6], MACH_SEND_INVALID_TYPE);
    ck_assert_uint_eq(g6.refs[0], 1);
    ck_assert_int_eq(g6.r[13], KERN_SUCCESS);
    ck_assert_uint_eq(g6.type[3], MACH_PORT_TYPE_SEND);
    ck_assert_int_eq(g6.r[7], MACH_MSG_SUCCESS);
    ck_assert_uint_eq(g6.type[0], MACH_PORT_TYPE_SEND);
    ck_assert_int_eq(g6.r[10], MACH_MSG_SUCCESS);
    ck_assert_int_eq(g6.r[11], KERN_INVALID_NAME);
    ck_assert_int_eq(g6.r[12], MACH_RCV_TIMED_OUT);
    ck_assert_int_eq(g6.r[8], MACH_MSG_SUCCESS);
    ck_assert_uint_eq(g6.type[2], MACH_PORT_TYPE_RECEIVE);
    ck_assert_int_eq(g6.r[9], MACH_MSG_SUCCESS);
    ck_assert_int_eq(g6.got.h.msgh_id, 9);          /* the message queued before the move */
    ck_assert_str_eq(g6.got.text, "queued");
}
END_TEST

/* --- send-once and port-deleted notifications ------------------------------------------------ */

static struct {
    kern_return_t r[8];
    mach_notify_msg_t n[2];
    mach_port_t so_name, s_name, prev;
} g7;

static void so_holder(mach_port_t p, uintptr_t arg)
{
    (void)arg;
    /* p arrives as a send-once right: dropping it unused notifies its port. */
    g7.so_name = p;
    g7.r[0] = mach_port_deallocate(SELF, p);
}

static void other_notes_init(mach_port_t boot, uintptr_t arg)
{
    (void)boot; (void)arg;
    mach_port_t p, n, x;
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &p);
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &n);
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &x);
    g7.r[1] = mach_task_spawn("so", so_holder, 0, p, MACH_MSG_TYPE_MAKE_SEND_ONCE, 100);
    g7.r[2] = mach_msg(&g7.n[0].not_header, MACH_RCV_MSG, 0, sizeof g7.n[0], p, 0, MACH_PORT_NULL);
    /* A dead-name request on a send right that is then dropped: port-deleted. */
    mach_port_insert_right(SELF, x, x, MACH_MSG_TYPE_MAKE_SEND);
    mach_port_t s = x;
    g7.s_name = s;
    g7.r[3] = mach_port_request_notification(SELF, s, MACH_NOTIFY_DEAD_NAME, 0, n,
                                             MACH_MSG_TYPE_MAKE_SEND_ONCE, &g7.prev);
    g7.r[4] = mach_port_request_notification(SELF, s, MACH_NOTIFY_NO_SENDERS, 0, n, 99, &g7.prev);
    g7.r[5] = mach_port_destroy(SELF, s);
    g7.r[6] = mach_msg(&g7.n[1].not_header, MACH_RCV_MSG, 0, sizeof g7.n[1], n, 0, MACH_PORT_NULL);
}

START_TEST(send_once_and_port_deleted_notifications)
{
    run(other_notes_init);
    ck_assert_int_eq(g7.r[1], KERN_SUCCESS);
    ck_assert_int_eq(g7.r[0], KERN_SUCCESS);
    ck_assert_int_eq(g7.r[2], MACH_MSG_SUCCESS);
    ck_assert_int_eq(g7.n[0].not_header.msgh_id, MACH_NOTIFY_SEND_ONCE);
    ck_assert_int_eq(g7.r[3], KERN_SUCCESS);
    ck_assert_int_eq(g7.r[4], KERN_INVALID_VALUE);
    ck_assert_int_eq(g7.r[5], KERN_SUCCESS);
    ck_assert_int_eq(g7.r[6], MACH_MSG_SUCCESS);
    ck_assert_int_eq(g7.n[1].not_header.msgh_id, MACH_NOTIFY_PORT_DELETED);
    ck_assert_uint_eq(g7.n[1].not_value, g7.s_name);
}
END_TEST

/* --- (8) isolation: a task is a mica process ------------------------------------------ */

static struct {
    kern_return_t r[8];
    int own_window_clean, secret_kept;
    mica_word_t target;
    machd_stats_t st;
    text_msg_t echo;
} g8;

/* Reads, through its own VSpace, where machd maps init's window: no mapping there. */
static void peek_machd(mach_port_t boot, uintptr_t arg)
{
    (void)boot; (void)arg;
    const uint8_t *own = mach_msg_window();
    g8.own_window_clean = own[1000] == 0 && own[1001] == 0;   /* not init's secret */
    volatile uint8_t *p = mica_vaddr_to_ptr(g8.target);
    g8.r[5] = p[1000];                  /* faults: machd ends this task */
    __asm__ volatile("" ::: "memory");  /* (the store below must not move above the load) */
    g8.r[6] = 77;                       /* never reached */
}

/* Writes one byte past the end of its own window (the guard gap below its region). */
static void poke_past_window(mach_port_t boot, uintptr_t arg)
{
    (void)boot; (void)arg;
    volatile uint8_t *p = mica_vaddr_to_ptr(MACH_TASK_WINDOW_VADDR + MACH_MSG_WINDOW_BYTES);
    *p = 1;
    __asm__ volatile("" ::: "memory");
    g8.r[7] = 77;
}

static void isolation_init(mach_port_t boot, uintptr_t arg)
{
    (void)boot; (void)arg;
    uint8_t *w = mach_msg_window();
    memcpy(w + 1000, "SECRET", 6);
    g8.target = machd_window_vaddr(0);  /* init is task 0 */
    g8.r[0] = mach_task_spawn("peek", peek_machd, 0, MACH_PORT_NULL, 0, 100);
    g8.r[1] = mach_task_spawn("poke", poke_past_window, 0, MACH_PORT_NULL, 0, 100);
    /* Both ran (priority 100 > 90) and faulted; machd still serves: an echo to ourselves. */
    mach_port_t p;
    g8.r[2] = mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &p);
    text_msg_t m;
    set_text(&m, p, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL, 0, 8, "still here");
    g8.r[3] = mach_msg(&m.h, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    g8.r[4] = mach_msg(&g8.echo.h, MACH_RCV_MSG, 0, sizeof g8.echo, p, 0, MACH_PORT_NULL);
    g8.secret_kept = memcmp(w + 1000, "SECRET", 6) == 0;
    machd_get_stats(&g8.st);
}

START_TEST(a_task_cannot_reach_machd_or_past_its_window_an_access_faults_and_ends_it)
{
    run(isolation_init);
    ck_assert_uint_ne(g8.target, 0);
    ck_assert_int_eq(g8.r[0], KERN_SUCCESS);
    ck_assert_int_eq(g8.r[1], KERN_SUCCESS);
    ck_assert_int_eq(g8.own_window_clean, 1);
    ck_assert_int_eq(g8.r[6], 0);
    ck_assert_int_eq(g8.r[7], 0);
    ck_assert_uint_eq(g8.st.tasks_faulted, 2);
    ck_assert_uint_eq(g8.st.last_fault_kind, MICA_FAULT_VM);
    ck_assert_uint_eq(g8.st.last_fault_addr, MACH_TASK_WINDOW_VADDR + MACH_MSG_WINDOW_BYTES);
    ck_assert_int_eq(g8.r[2], KERN_SUCCESS);
    ck_assert_int_eq(g8.r[3], MACH_MSG_SUCCESS);
    ck_assert_int_eq(g8.r[4], MACH_MSG_SUCCESS);
    ck_assert_str_eq(g8.echo.text, "still here");
    ck_assert_int_eq(g8.secret_kept, 1);
}
END_TEST

/* --- (9) hostile calls straight to machd's endpoint ------------------------------------ */

#define NHOSTILE 24
static struct {
    mica_word_t got[NHOSTILE];
    int n;
    text_msg_t echo;
    kern_return_t after[3];
} g9;

/* One raw mica Call on the task's endpoint cap, as a task that skips the library would. */
static void raw(mica_word_t label, int n, mica_word_t a0, mica_word_t a1, mica_word_t a2,
                mica_word_t a3, mica_word_t a4)
{
    mica_word_t a[5] = { a0, a1, a2, a3, a4 };
    for (int i = 0; i < n; i++)
        mica_set_mr(i, a[i]);
    g9.got[g9.n++] = mica_msginfo_get_label(mica_call(MACH_TASK_EP, mica_msginfo_new(label, 0, 0, (mica_word_t)n)));
}

static void hostile_init(mach_port_t boot, uintptr_t arg)
{
    (void)boot; (void)arg;
    uint8_t *w = mach_msg_window();
    mach_port_t p;
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &p);
    mach_port_insert_right(SELF, p, p, MACH_MSG_TYPE_MAKE_SEND);
    uintptr_t win = (uintptr_t)w;
    raw(0x999, 0, 0, 0, 0, 0, 0);                                   /* 0 unknown label */
    raw(MACHD_OP_END, 1, MACH_TASK_SELF_NAME, 0, 0, 0, 0);          /* 1 just past the last */
    raw(MACHD_PORT_ALLOCATE, 2, 0x4242, MACH_PORT_RIGHT_RECEIVE, 0, 0, 0);  /* 2 not our task */
    raw(MACHD_PORT_ALLOCATE, 2, MACH_TASK_SELF_NAME, 99, 0, 0, 0);  /* 3 no such right */
    raw(MACHD_PORT_MOD_REFS, 4, MACH_TASK_SELF_NAME, 0xdead00, 0, 1, 0);    /* 4 bad name */
    raw(MACHD_MSG, 5, MACH_SEND_MSG, 0x7fffffff, 0, 0, 0);          /* 5 bigger than the window */
    raw(MACHD_MSG, 5, MACH_SEND_MSG, MACH_MSG_WINDOW_BYTES, 0, 0, 0);   /* 6 bigger than a kmsg */
    raw(MACHD_MSG, 5, MACH_SEND_MSG, 3, 0, 0, 0);                   /* 7 shorter than a header */
    /* A header naming a destination we do not have. */
    mach_msg_header_t *h = (mach_msg_header_t *)w;
    memset(w, 0, 256);
    h->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    h->msgh_remote_port = 0xdead00;
    raw(MACHD_MSG, 5, MACH_SEND_MSG, sizeof *h, 0, 0, 0);           /* 8 */
    /* Complex messages: a descriptor count far past the size, then bad descriptors. */
    h->msgh_remote_port = p;
    h->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
    mach_msg_body_t *body = (mach_msg_body_t *)(w + sizeof *h);
    mach_msg_descriptor_t *d = (mach_msg_descriptor_t *)(w + sizeof *h + sizeof *body);
    uint32_t one = sizeof *h + sizeof *body + sizeof *d;
    body->msgh_descriptor_count = 0xffffffffu;
    raw(MACHD_MSG, 5, MACH_SEND_MSG, one, 0, 0, 0);                 /* 9 */
    body->msgh_descriptor_count = 1;
    d->out_of_line = (mach_msg_ool_descriptor_t){ .address = machd_window_vaddr(0), .size = 16,
                                                  .type = MACH_MSG_OOL_DESCRIPTOR };
    raw(MACHD_MSG, 5, MACH_SEND_MSG, one, 0, 0, 0);                 /* 10 machd's vaddr */
    d->out_of_line.address = win + MACH_MSG_WINDOW_BYTES - 8;
    raw(MACHD_MSG, 5, MACH_SEND_MSG, one, 0, 0, 0);                 /* 11 runs past the window */
    d->out_of_line.address = win;
    d->out_of_line.size = 0xffffffffu;
    raw(MACHD_MSG, 5, MACH_SEND_MSG, one, 0, 0, 0);                 /* 12 a huge size */
    d->out_of_line.address = win - 4096;
    d->out_of_line.size = 16;
    raw(MACHD_MSG, 5, MACH_SEND_MSG, one, 0, 0, 0);                 /* 13 the page below it */
    d->port = (mach_msg_port_descriptor_t){ .name = p, .disposition = 99, .type = MACH_MSG_PORT_DESCRIPTOR };
    raw(MACHD_MSG, 5, MACH_SEND_MSG, one, 0, 0, 0);                 /* 14 no such disposition */
    d->port.type = 7;
    raw(MACHD_MSG, 5, MACH_SEND_MSG, one, 0, 0, 0);                 /* 15 no such descriptor */
    raw(MACHD_MSG, 5, MACH_RCV_MSG, 0, 64, 0xdead00, 0);            /* 16 receive on a bad name */
    raw(MACHD_VM_DEALLOCATE, 3, MACH_TASK_SELF_NAME, machd_window_vaddr(0), 4096, 0, 0);  /* 17 */
    raw(MACHD_VM_DEALLOCATE, 3, MACH_TASK_SELF_NAME, win, ~(mica_word_t)0, 0, 0);        /* 18 */
    raw(MACHD_VM_ALLOCATE, 2, MACH_TASK_SELF_NAME, (mica_word_t)1 << 63, 0, 0, 0);       /* 19 */
    raw(MACHD_TASK_HELLO, 1, 0x10000000, 0, 0, 0, 0);               /* 20 a second hello */
    memset(w, 'x', 64);                                             /* an unterminated name */
    raw(MACHD_TASK_SPAWN, 5, 0, 0, 0xdead00, MACH_MSG_TYPE_COPY_SEND, 100);  /* 21 bad bootstrap */
    raw(MACHD_PORT_GET_REFS, 3, MACH_TASK_SELF_NAME, p, 1000, 0, 0);          /* 22 bad right */
    /* machd still serves this task: a message to itself, and its port is untouched. */
    text_msg_t m;
    set_text(&m, p, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 9, "served");
    g9.after[0] = mach_msg(&m.h, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    g9.after[1] = mach_msg(&g9.echo.h, MACH_RCV_MSG, 0, sizeof g9.echo, p, 0, MACH_PORT_NULL);
    mach_port_urefs_t refs = 0;
    mach_port_get_refs(SELF, p, MACH_PORT_RIGHT_SEND, &refs);
    g9.after[2] = (kern_return_t)refs;
}

START_TEST(hostile_calls_to_machds_endpoint_get_errors_and_machd_serves_on)
{
    run(hostile_init);
    const mica_word_t want[] = {
        KERN_INVALID_ARGUMENT, KERN_INVALID_ARGUMENT, KERN_INVALID_TASK, KERN_INVALID_VALUE,
        KERN_INVALID_NAME, MACH_SEND_INVALID_DATA, MACH_SEND_TOO_LARGE, MACH_SEND_MSG_TOO_SMALL,
        MACH_SEND_INVALID_DEST, MACH_SEND_MSG_TOO_SMALL, MACH_SEND_INVALID_MEMORY,
        MACH_SEND_INVALID_MEMORY, MACH_SEND_INVALID_MEMORY, MACH_SEND_INVALID_MEMORY,
        MACH_SEND_INVALID_RIGHT, MACH_SEND_INVALID_TYPE, MACH_RCV_INVALID_NAME,
        KERN_INVALID_ADDRESS, KERN_INVALID_ADDRESS, KERN_NO_SPACE, KERN_INVALID_ARGUMENT,
        KERN_INVALID_CAPABILITY, KERN_INVALID_VALUE,
    };
    ck_assert_int_eq(g9.n, (int)(sizeof want / sizeof want[0]));
    for (int i = 0; i < g9.n; i++)
        ck_assert_msg(g9.got[i] == want[i], "call %d: got %#lx, want %#lx", i,
                      (unsigned long)g9.got[i], (unsigned long)want[i]);
    ck_assert_int_eq(g9.after[0], MACH_MSG_SUCCESS);
    ck_assert_int_eq(g9.after[1], MACH_MSG_SUCCESS);
    ck_assert_str_eq(g9.echo.text, "served");
    ck_assert_int_eq(g9.after[2], 1);
}
END_TEST

/* --- (10) resource hygiene: task churn, exhaustion, garbage entries ------------------- */

static mica_env_t *root_env;           /* the root's allocator, which machd owns */

typedef struct {
    mica_cptr_t next_slot;
    unsigned nfree;
    uint64_t tasks_live, ports_live, kmsgs;
} usage_t;

static usage_t usage_now(void)
{
    machd_stats_t st;
    machd_get_stats(&st);
    return (usage_t){ root_env->next_slot, root_env->nfree, st.tasks_live, st.ports_live,
                      st.kmsgs_in_use };
}

static void usage_eq(usage_t a, usage_t b)
{
    ck_assert_uint_eq(a.next_slot, b.next_slot);
    ck_assert_uint_eq(a.nfree, b.nfree);
    ck_assert_uint_eq(a.tasks_live, b.tasks_live);
    ck_assert_uint_eq(a.ports_live, b.ports_live);
    ck_assert_uint_eq(a.kmsgs, b.kmsgs);
}

#define WAVE (MACHD_MAX_TASKS - 1)
static struct {
    int waves, spawned, answered, bad;
    usage_t first, last;
    uint64_t untyped;
} g10;

/* One request and its reply on a send-once right, then the task ends. */
static void churn_client(mach_port_t server, uintptr_t arg)
{
    mach_port_t reply;
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &reply);
    text_msg_t m;
    set_text(&m, server, MACH_MSG_TYPE_COPY_SEND, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE, (int)arg, "ping");
    mach_msg_return_t r = mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m, sizeof m, reply, 0,
                                   MACH_PORT_NULL);
    if (r == MACH_MSG_SUCCESS && m.h.msgh_id == (int)arg + 100 && strcmp(m.text, "pong") == 0)
        g10.answered++;
    else
        g10.bad++;
}

static void churn_init(mach_port_t boot, uintptr_t arg)
{
    (void)boot; (void)arg;
    mach_port_t srv;
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &srv);
    for (int w = 0; w < g10.waves; w++) {
        for (int i = 0; i < WAVE; i++)
            if (mach_task_spawn("churn", churn_client, (uintptr_t)(w * WAVE + i), srv,
                                MACH_MSG_TYPE_MAKE_SEND, 100) == KERN_SUCCESS)
                g10.spawned++;
        for (int i = 0; i < WAVE; i++) {
            text_msg_t m, a;
            if (mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m, srv, 0, MACH_PORT_NULL) != MACH_MSG_SUCCESS)
                continue;
            set_text(&a, m.h.msgh_remote_port, MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_PORT_NULL, 0,
                     m.h.msgh_id + 100, "pong");
            mach_msg(&a.h, MACH_SEND_MSG, sizeof a, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
        }
        /* The clients run above our priority: each has ended before its reply returned here. */
        if (w == 0)
            g10.first = usage_now();
    }
    g10.last = usage_now();
}

static void churn_root(const mica_bootinfo_t *bi)
{
    static mica_env_t env;
    mica_env_init(&env, bi);
    root_env = &env;
    ck_assert_int_eq(machd_start(&env, "init", churn_init, 0, 90), KERN_SUCCESS);
}

static uint64_t churn(int waves, mica_check_t check)
{
    memset(&g10, 0, sizeof g10);
    g10.waves = waves;
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.check = check;
    mica_run_result_t r = mt_run_cfg(&cfg, churn_root);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    return r.untyped_bytes_used;
}

START_TEST(sixty_tasks_come_and_go_and_machd_and_the_root_are_back_where_they_were)
{
    /* One wave with the invariants checked at every entry; five with them checked at the end
       (every entry over 75 tasks is minutes under the sanitizers). */
    uint64_t one = churn(1, MICA_CHECK_EACH_ENTRY);
    usage_t first = g10.first;
    ck_assert_int_eq(g10.spawned, WAVE);
    ck_assert_int_eq(g10.answered, WAVE);
    uint64_t five = churn(5, MICA_CHECK_END);
    ck_assert_int_eq(g10.spawned, 5 * WAVE);
    ck_assert_int_eq(g10.answered, 5 * WAVE);
    ck_assert_int_eq(g10.bad, 0);
    /* After 75 tasks as after 15: the same root slots, untyped memory, tasks and ports. */
    usage_eq(g10.first, first);
    usage_eq(g10.last, first);
    ck_assert_uint_eq(five, one);
    ck_assert_uint_eq(g10.last.tasks_live, 1);
    ck_assert_uint_eq(g10.last.ports_live, 1);
    ck_assert_uint_eq(g10.last.kmsgs, 0);
}
END_TEST

/* Tasks that wait on their own port until init sends to it. */
static struct {
    int ok;
    kern_return_t fail[2];
    usage_t at_fail[2], after;
    int woken;
    mach_msg_return_t again;
    int answered;
} g11;

static void sleeper(mach_port_t port, uintptr_t arg)
{
    (void)arg;
    text_msg_t m;
    if (mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m, port, 0, MACH_PORT_NULL) == MACH_MSG_SUCCESS)
        g11.woken++;
}

static void exhaust_init(mach_port_t boot, uintptr_t arg)
{
    (void)boot; (void)arg;
    mach_port_t ports[MACHD_MAX_TASKS];
    int n = 0;
    kern_return_t r = KERN_SUCCESS;
    while (n < MACHD_MAX_TASKS - 1) {
        mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &ports[n]);
        mach_port_insert_right(SELF, ports[n], ports[n], MACH_MSG_TYPE_MAKE_SEND);
        r = mach_task_spawn("sleeper", sleeper, 0, ports[n], MACH_MSG_TYPE_MOVE_RECEIVE, 100);
        if (r != KERN_SUCCESS)
            break;
        n++;
    }
    g11.ok = n;
    g11.fail[0] = r;
    g11.at_fail[0] = usage_now();
    /* A second try fails the same way and leaves everything as it was. */
    g11.fail[1] = mach_task_spawn("sleeper", sleeper, 0, ports[n], MACH_MSG_TYPE_MOVE_RECEIVE, 100);
    g11.at_fail[1] = usage_now();
    mach_port_destroy(SELF, ports[n]);
    for (int i = 0; i < n; i++) {
        text_msg_t m;
        set_text(&m, ports[i], MACH_MSG_TYPE_MOVE_SEND, MACH_PORT_NULL, 0, 1, "wake");
        mach_msg(&m.h, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    }
    g11.after = usage_now();
    /* With the sleepers gone, a task can be made again. */
    mach_port_t srv;
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &srv);
    g10.answered = 0;
    g11.again = mach_task_spawn("churn", churn_client, 7, srv, MACH_MSG_TYPE_MAKE_SEND, 100);
    text_msg_t m, a;
    mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m, srv, 0, MACH_PORT_NULL);
    set_text(&a, m.h.msgh_remote_port, MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_PORT_NULL, 0, 107, "pong");
    mach_msg(&a.h, MACH_SEND_MSG, sizeof a, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    g11.answered = g10.answered;
}

static void exhaust_root(const mica_bootinfo_t *bi)
{
    static mica_env_t env;
    mica_env_init(&env, bi);
    root_env = &env;
    ck_assert_int_eq(machd_start(&env, "init", exhaust_init, 0, 90), KERN_SUCCESS);
}

static void exhaust(mica_config_t *cfg)
{
    memset(&g11, 0, sizeof g11);
    mica_run_result_t r = mt_run_cfg(cfg, exhaust_root);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    ck_assert_int_gt(g11.ok, 0);
    ck_assert_int_lt(g11.ok, MACHD_MAX_TASKS - 1);
    ck_assert_int_eq(g11.fail[0], KERN_RESOURCE_SHORTAGE);
    ck_assert_int_eq(g11.fail[1], KERN_RESOURCE_SHORTAGE);
    usage_eq(g11.at_fail[1], g11.at_fail[0]);
    ck_assert_uint_eq(g11.at_fail[0].tasks_live, (uint64_t)g11.ok + 1);
    ck_assert_int_eq(g11.woken, g11.ok);
    ck_assert_uint_eq(g11.after.tasks_live, 1);
    ck_assert_uint_eq(g11.after.kmsgs, 0);
    ck_assert_int_eq(g11.again, KERN_SUCCESS);
    ck_assert_int_eq(g11.answered, 1);
}

START_TEST(a_spawn_past_the_memory_fails_with_resource_shortage_and_leaks_nothing)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.phys_mem_bytes = 6u << 20;
    exhaust(&cfg);
}
END_TEST

START_TEST(a_spawn_past_the_root_slots_fails_with_resource_shortage_and_leaks_nothing)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.root_cnode_bits = 10;
    exhaust(&cfg);
}
END_TEST

static struct {
    kern_return_t r[3];
    int answered;
    machd_stats_t st;
} g12;

static void garbage_init(mach_port_t boot, uintptr_t arg)
{
    (void)boot; (void)arg;
    static const uint32_t data[4] = { 0xffffffffu, 0, 0, 0 };
    g12.r[0] = mach_task_spawn("null", (mach_task_entry_t)0, 0, MACH_PORT_NULL, 0, 100);
    g12.r[1] = mach_task_spawn("data", (mach_task_entry_t)(uintptr_t)data, 0, MACH_PORT_NULL, 0, 100);
    /* machd serves on: a round trip with a new task. */
    mach_port_t srv;
    mach_port_allocate(SELF, MACH_PORT_RIGHT_RECEIVE, &srv);
    g10.answered = 0;
    g12.r[2] = mach_task_spawn("churn", churn_client, 3, srv, MACH_MSG_TYPE_MAKE_SEND, 100);
    text_msg_t m, a;
    mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof m, srv, 0, MACH_PORT_NULL);
    set_text(&a, m.h.msgh_remote_port, MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_PORT_NULL, 0, 103, "pong");
    mach_msg(&a.h, MACH_SEND_MSG, sizeof a, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    g12.answered = g10.answered;
    machd_get_stats(&g12.st);
}

START_TEST(a_task_with_a_garbage_entry_faults_and_ends_and_machd_serves_on)
{
    run(garbage_init);
    ck_assert_int_eq(g12.r[0], KERN_SUCCESS);
    ck_assert_int_eq(g12.r[1], KERN_SUCCESS);
    ck_assert_int_eq(g12.r[2], KERN_SUCCESS);
    ck_assert_int_eq(g12.answered, 1);
    ck_assert_uint_eq(g12.st.tasks_faulted, 2);
    ck_assert_uint_eq(g12.st.tasks_live, 1);
}
END_TEST

/* --- (11) the file service of examples/generations in the Mach style --------------------- */

/* Run cmd; its stdout (at most n - 1 bytes) into out; its exit status. */
static int run_cmd(const char *cmd, char *out, size_t n)
{
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    size_t len = fread(out, 1, n - 1, f);
    out[len] = 0;
    return pclose(f);
}

START_TEST(files_mach_prints_the_five_requests_and_its_log_shows_the_machd_calls)
{
    const char *dir = getenv("MICA_EXAMPLES_DIR");
    char path[512], cmd[3072], log[600];
    snprintf(path, sizeof path, "%s/generations/files_mach", dir ? dir : "");
    if (!dir || access(path, X_OK) != 0)
        return;                         /* built with -Dexamples=false */
    static char out[1 << 16];
    snprintf(cmd, sizeof cmd, "'%s' --check each 2>/dev/null", path);
    ck_assert_int_eq(run_cmd(cmd, out, sizeof out), 0);
    ck_assert_str_eq(out, "client: open greeting -> handle 0\n"
                          "client: wrote 18 bytes\n"
                          "client: read \"hello, generations\"\n"
                          "client: open missing -> not found\n"
                          "client: closed, 5 requests\n");
    /* The same run's IPC log: each mach_msg is a mica Call to machd and its reply. */
    snprintf(log, sizeof log, "/tmp/files_mach_log.%d", (int)getpid());
    snprintf(cmd, sizeof cmd, "'%s' --log '%s' --log-filter ipc >/dev/null 2>&1; cat '%s'; rm -f '%s'",
             path, log, log, log);
    ck_assert_int_eq(run_cmd(cmd, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "machd: received from client via ep"));
    ck_assert_ptr_nonnull(strstr(out, "machd: received from files via ep"));
    ck_assert_ptr_nonnull(strstr(out, "client: received reply from machd label=0"));
    ck_assert_ptr_nonnull(strstr(out, "files: received reply from machd label=0"));
}
END_TEST

static Suite *mach_suite(void)
{
    Suite *s = suite_create("mach");
    TCase *tc = mt_tcase(s, "rights");
    tcase_add_test(tc, rights_urefs_and_an_inline_request_reply);
    tc = mt_tcase(s, "qlimit");
    tcase_add_test(tc, the_sixth_send_to_a_full_queue_blocks_until_a_receive);
    tcase_add_test(tc, a_send_to_a_full_queue_times_out);
    tc = mt_tcase(s, "notifications");
    tcase_add_test(tc, no_senders_and_dead_name_notifications);
    tcase_add_test(tc, send_once_and_port_deleted_notifications);
    tc = mt_tcase(s, "port_sets");
    tcase_add_test(tc, a_port_set_receives_from_its_members_in_arrival_order);
    tc = mt_tcase(s, "ool");
    tcase_add_test(tc, out_of_line_memory_is_copied_and_isolated_from_the_sender);
    tc = mt_tcase(s, "moves");
    tcase_add_test(tc, a_receive_right_moves_with_its_queue_and_bad_messages_change_nothing);
    tc = mt_tcase(s, "isolation");
    tcase_add_test(tc, a_task_cannot_reach_machd_or_past_its_window_an_access_faults_and_ends_it);
    tcase_add_test(tc, hostile_calls_to_machds_endpoint_get_errors_and_machd_serves_on);
    tc = mt_tcase(s, "resources");
    tcase_set_timeout(tc, 600);     /* hundreds of tasks: slow under the sanitizers on a busy host */
    tcase_add_test(tc, sixty_tasks_come_and_go_and_machd_and_the_root_are_back_where_they_were);
    tcase_add_test(tc, a_spawn_past_the_memory_fails_with_resource_shortage_and_leaks_nothing);
    tcase_add_test(tc, a_spawn_past_the_root_slots_fails_with_resource_shortage_and_leaks_nothing);
    tcase_add_test(tc, a_task_with_a_garbage_entry_faults_and_ends_and_machd_serves_on);
    tc = mt_tcase(s, "examples");
    tcase_add_test(tc, files_mach_prints_the_five_requests_and_its_log_shows_the_machd_calls);
    return s;
}

MICA_TEST_MAIN(mach_suite)
