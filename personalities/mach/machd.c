/*
 * machd - the Mach kernel's IPC subsystem as a mica server task.
 *
 * One thread, at MACHD_PRIO, serves every Mach task's Calls in turn (so all
 * Mach IPC is serialised through it, as it was under Mach 3's kernel lock).
 * Its memory is "kernel memory": the ports, the kmsg pool and every task's
 * port name space are plain C arrays here. A task that must wait (a send to
 * a full queue, a receive on an empty one) is not answered: machd keeps its
 * reply cap (CNode_SaveCaller) and answers later, when a message or a free
 * queue slot comes, or when the timer device says its timeout has passed.
 *
 * A message is copied twice, as in Mach: copy-in from the sender's message
 * window into a kmsg buffer here, copy-out from the kmsg into the
 * receiver's window; rights are translated from the sender's names into
 * in-flight port references on the way in and into the receiver's names on
 * the way out.
 */
#include <stdio.h>
#include <string.h>
#include <mach/mach.h>
#include <mica/idl.h>
#include "machd_proto.h"

#define NAMES 1024                      /* entries per name space; index 0 never used */
#define MAX_PORTS 512
#define NKMSG 64
#define NO_PORT (-1)
#define RCV_DEAD (-1)                   /* port.receiver: the receive right was destroyed */
#define RCV_IN_FLIGHT (-2)              /* ... is in a message */
#define PAGE 4096u
#define VM_PAGES (MACH_VM_REGION_BYTES / PAGE)

/* The timer's registers (docs/api.md, "Time, interrupts and devices"). */
enum { TMR_NOW = 1, TMR_COMPARE = 2, TMR_CTRL = 4, TMR_STATUS = 5 };

typedef struct port {
    bool used, is_set;
    int receiver;                       /* task number, RCV_DEAD or RCV_IN_FLIGHT */
    uint32_t qlimit, qcount;
    int qhead, qtail;                   /* kmsg indices, FIFO */
    uint32_t srights, sorights;         /* send rights (a space's entry counts once) and send-once */
    uint32_t mscount, seqno;
    int pset;                           /* the port set it is in, or NO_PORT */
    int nsreq;                          /* no-senders request: a send-once right to this port */
    uint32_t nssync;
} port_t;

typedef struct entry {
    int port;
    uint32_t type;                      /* MACH_PORT_TYPE_* bits */
    uint32_t urefs;                     /* of the send right or the dead name */
    uint8_t gen;
    int dnreq;                          /* dead-name request: a send-once right, or NO_PORT */
} entry_t;

typedef struct kmsg {
    bool used;
    int next;
    uint64_t stamp;                     /* arrival order, across the ports of a set */
    int dest, reply;                    /* in-flight rights: port indices */
    uint32_t dest_type, reply_type;     /* MACH_MSG_TYPE_PORT_SEND/_SEND_ONCE; reply 0 = none */
    uint32_t size;
    union { mach_msg_header_t h; uint8_t bytes[MACH_MSG_SIZE_MAX]; } buf;
} kmsg_t;

enum wait { W_NONE, W_SEND, W_RCV };

typedef struct task {
    bool used;
    char name[32];
    entry_t space[NAMES];
    enum wait wait;
    int wait_port;                      /* W_SEND: destination; W_RCV: port or set */
    uint64_t wait_seq;                  /* senders wake in arrival order */
    bool has_deadline;
    uint64_t deadline;
    uint32_t option, send_size, rcv_size, timeout;
    mach_port_t rcv_name;
    uint8_t vm_used[VM_PAGES];          /* 1 = first page of an allocation, 2 = more of it */
    uintptr_t hostbase;                 /* the host address of vaddr 0 of its VSpace; 0 = not told */
} mtask_t;

#define WIN_PAGES (MACH_MSG_WINDOW_BYTES / PAGE)

/*
 * What task number ti holds. Made at its first use and kept: its endpoint
 * cap (badged ti + 1), the slot for a waiting task's reply cap, an untyped
 * of TASK_UT_BITS, a block of TASK_SLOTS root CNode slots and the vaddrs of
 * machd's view of its window and region (with the paging structures under
 * them). Made anew for each task with that number, all from that untyped
 * into that block of slots (through sub, an allocator over just those):
 * the window and region frames, mapped in machd's VSpace, their copies,
 * mapped in the task's, and the task's process. When the task ends its
 * process is destroyed and the untyped revoked: every object of the task is
 * gone, the untyped's memory and the block are whole again, and the next
 * task with the number starts from zeroed memory. Ending any number of
 * tasks costs machd nothing.
 */
#define TASK_UT_BITS 19                 /* 512 KiB: window, region, stack, IPC buffer, paging, TCB, CNode */
#define TASK_SLOTS (2 * (WIN_PAGES + VM_PAGES) + 8 + MACH_TASK_STACK_PAGES)
typedef struct tmem {
    uint8_t *win, *vm;                  /* machd's view */
    mica_cptr_t win_frames, vm_frames;  /* caps mapped in machd's VSpace */
    mica_cptr_t win_copies, vm_copies;  /* caps mapped in the task's VSpace */
    mica_cptr_t ep;                     /* machd's endpoint badged ti + 1: the task's one cap to machd */
    mica_cptr_t ut, slots;              /* its untyped and first slot of its block */
    mica_word_t win_vaddr, vm_vaddr;    /* where win and vm are in machd's VSpace */
    bool tables;                        /* machd's paging structures for them are made */
    mica_env_t sub;                     /* allocates from ut into the block */
    mica_bootinfo_t sub_bi;             /* the root's boot info with the block as its empty slots */
    mica_process_t proc;
    bool live;                          /* memory made for a task (and proc created when proc.tcb) */
} tmem_t;

static tmem_t tmem[MACHD_MAX_TASKS];
static mtask_t tasks[MACHD_MAX_TASKS];
static port_t ports[MAX_PORTS];
static kmsg_t kmsgs[NKMSG];
static machd_stats_t stats;
static mica_cptr_t reply_slots[MACHD_MAX_TASKS];   /* a waiting task's saved reply cap */

/* Out-of-line data in flight: machd's own copy, in pages of this pool. */
#define OOL_POOL_BYTES (1024u * 1024u)
#define OOL_PAGES (OOL_POOL_BYTES / PAGE)
static uint8_t ool_pool[OOL_POOL_BYTES] __attribute__((aligned(4096)));
static uint8_t ool_used[OOL_PAGES];
static uint64_t stamp_next, seq_next;

static mica_env_t *env;
static mica_cptr_t machd_ep;
static mica_cptr_t irq_handler;
static volatile uint64_t *tmr;

void machd_get_stats(machd_stats_t *out)
{
    *out = stats;
    out->tasks_live = out->ports_live = 0;
    for (int ti = 0; ti < MACHD_MAX_TASKS; ti++)
        out->tasks_live += tasks[ti].used;
    for (int p = 0; p < MAX_PORTS; p++)
        out->ports_live += ports[p].used;
}

mica_word_t machd_window_vaddr(unsigned task)
{
    return task < MACHD_MAX_TASKS ? tmem[task].win_vaddr : 0;
}

/* --- ports and in-flight rights ---------------------------------------------------- */

static void kmsg_destroy(int k);
static void task_process_end(int ti);
static void notify_send(int so_port, mach_msg_id_t id, uint32_t value);
static void deliver(int k);
static kern_return_t vm_alloc(int ti, uint64_t size, mica_word_t *addr);
static uint8_t *machd_ptr(int ti, uint64_t addr);

static int port_new(bool is_set, int receiver)
{
    for (int p = 0; p < MAX_PORTS; p++)
        if (!ports[p].used) {
            ports[p] = (port_t){ .used = true, .is_set = is_set, .receiver = receiver,
                                 .qlimit = MACH_PORT_QLIMIT_DEFAULT, .qhead = -1, .qtail = -1,
                                 .pset = NO_PORT, .nsreq = NO_PORT };
            return p;
        }
    return NO_PORT;
}

/* A dead port lives on while in-flight rights name it. */
static void port_maybe_free(int p)
{
    if (ports[p].receiver == RCV_DEAD && ports[p].srights == 0 && ports[p].sorights == 0)
        ports[p].used = false;
}

/* One send right goes away: the last one (anywhere) fires a no-senders request. */
static void release_send(int p)
{
    port_t *pt = &ports[p];
    pt->srights--;
    if (pt->receiver != RCV_DEAD && pt->srights == 0 && pt->nsreq != NO_PORT &&
        pt->mscount >= pt->nssync) {
        int so = pt->nsreq;
        pt->nsreq = NO_PORT;
        notify_send(so, MACH_NOTIFY_NO_SENDERS, pt->mscount);
    }
    port_maybe_free(p);
}

static void release_send_once_quietly(int p)
{
    ports[p].sorights--;
    port_maybe_free(p);
}

/* An unused send-once right is destroyed: its port gets a send-once notification. */
static void destroy_send_once(int p)
{
    if (ports[p].receiver == RCV_DEAD)
        release_send_once_quietly(p);
    else
        notify_send(p, MACH_NOTIFY_SEND_ONCE, 0);
}

static void release_right(int p, uint32_t type)
{
    if (p == NO_PORT)
        return;
    if (type == MACH_MSG_TYPE_PORT_SEND)
        release_send(p);
    else if (type == MACH_MSG_TYPE_PORT_SEND_ONCE)
        destroy_send_once(p);
}

/* --- name spaces ---------------------------------------------------------------------- */

static mach_port_t entry_name(int i, const entry_t *e)
{
    return ((mach_port_t)i << 8) | e->gen;
}

static entry_t *lookup(mtask_t *t, mach_port_t name, int *index)
{
    uint32_t i = name >> 8;
    if (!MACH_PORT_VALID(name) || i < 2 || i >= NAMES)
        return NULL;
    entry_t *e = &t->space[i];
    if (e->type == 0 || e->gen != (uint8_t)name)
        return NULL;
    if (index)
        *index = (int)i;
    return e;
}

static int entry_alloc(mtask_t *t)
{
    for (int i = 2; i < NAMES; i++)
        if (t->space[i].type == 0) {
            t->space[i].port = NO_PORT;
            t->space[i].urefs = 0;
            t->space[i].dnreq = NO_PORT;
            return i;
        }
    return -1;
}

/* The entry that holds this port's send or receive right (they share one name). */
static int entry_of_port(mtask_t *t, int p)
{
    for (int i = 2; i < NAMES; i++)
        if (t->space[i].port == p &&
            (t->space[i].type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE)))
            return i;
    return -1;
}

/* An entry left with no right is freed; a pending dead-name request gets port-deleted. */
static void entry_tidy(mtask_t *t, int i)
{
    entry_t *e = &t->space[i];
    if (e->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND_ONCE |
                   MACH_PORT_TYPE_PORT_SET | MACH_PORT_TYPE_DEAD_NAME))
        return;
    if (e->dnreq != NO_PORT) {
        int so = e->dnreq;
        e->dnreq = NO_PORT;
        notify_send(so, MACH_NOTIFY_PORT_DELETED, entry_name(i, e));
    }
    e->type = 0;
    e->port = NO_PORT;
    e->urefs = 0;
    e->gen++;
}

/* --- the destruction of a receive right --------------------------------------------- */

static void answer(mtask_t *t, mach_msg_return_t r, mica_word_t mr0);

static void port_destroy(int p)
{
    port_t *pt = &ports[p];
    pt->receiver = RCV_DEAD;
    pt->pset = NO_PORT;
    while (pt->qhead >= 0) {
        int k = pt->qhead;
        pt->qhead = kmsgs[k].next;
        pt->qcount--;
        kmsg_destroy(k);
    }
    pt->qtail = -1;
    if (pt->nsreq != NO_PORT) {
        int so = pt->nsreq;
        pt->nsreq = NO_PORT;
        destroy_send_once(so);
    }
    /* Senders waiting for room learn that the port is gone. */
    for (int ti = 0; ti < MACHD_MAX_TASKS; ti++)
        if (tasks[ti].used && tasks[ti].wait == W_SEND && tasks[ti].wait_port == p)
            answer(&tasks[ti], MACH_SEND_INVALID_DEST, 0);
    /* Every send and send-once right in every space becomes a dead name. */
    for (int ti = 0; ti < MACHD_MAX_TASKS; ti++) {
        mtask_t *t = &tasks[ti];
        if (!t->used)
            continue;
        for (int i = 2; i < NAMES; i++) {
            entry_t *e = &t->space[i];
            if (e->port != p || !(e->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)))
                continue;
            if (e->type & MACH_PORT_TYPE_SEND)
                pt->srights--;
            else {
                pt->sorights--;
                e->urefs = 1;
            }
            e->type = MACH_PORT_TYPE_DEAD_NAME;
            e->port = NO_PORT;
            if (e->dnreq != NO_PORT) {
                int so = e->dnreq;
                e->dnreq = NO_PORT;
                e->urefs++;             /* the notification carries a reference to the name */
                notify_send(so, MACH_NOTIFY_DEAD_NAME, entry_name(i, e));
            }
        }
    }
    port_maybe_free(p);
}

static void set_destroy(int s)
{
    for (int p = 0; p < MAX_PORTS; p++)
        if (ports[p].used && ports[p].pset == s)
            ports[p].pset = NO_PORT;
    ports[s].used = false;
}

/* --- copy-in of rights ---------------------------------------------------------------- */

/*
 * Take the right `disp` names out of t's space (or make it) into an
 * in-flight right: *port, *type. A dead name yields port NO_PORT with
 * *dead set. Returns KERN_SUCCESS or KERN_INVALID_NAME/RIGHT/CAPABILITY.
 */
static kern_return_t copyin_right(mtask_t *t, mach_port_t name, uint32_t disp, int *port,
                                  uint32_t *type, bool *dead)
{
    int i;
    entry_t *e = lookup(t, name, &i);
    *dead = false;
    if (!e)
        return KERN_INVALID_NAME;
    if ((e->type & MACH_PORT_TYPE_DEAD_NAME) &&
        (disp == MACH_MSG_TYPE_COPY_SEND || disp == MACH_MSG_TYPE_MOVE_SEND ||
         disp == MACH_MSG_TYPE_MOVE_SEND_ONCE)) {
        *dead = true;
        *port = NO_PORT;
        *type = disp == MACH_MSG_TYPE_MOVE_SEND_ONCE ? MACH_MSG_TYPE_PORT_SEND_ONCE
                                                    : MACH_MSG_TYPE_PORT_SEND;
        if (disp != MACH_MSG_TYPE_COPY_SEND && --e->urefs == 0) {
            e->type = 0;
            entry_tidy(t, i);
        }
        return KERN_SUCCESS;
    }
    port_t *pt = e->port >= 0 ? &ports[e->port] : NULL;
    switch (disp) {
    case MACH_MSG_TYPE_MAKE_SEND:
        if (!(e->type & MACH_PORT_TYPE_RECEIVE))
            return KERN_INVALID_RIGHT;
        pt->srights++;
        pt->mscount++;
        *type = MACH_MSG_TYPE_PORT_SEND;
        break;
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
        if (!(e->type & MACH_PORT_TYPE_RECEIVE))
            return KERN_INVALID_RIGHT;
        pt->sorights++;
        *type = MACH_MSG_TYPE_PORT_SEND_ONCE;
        break;
    case MACH_MSG_TYPE_COPY_SEND:
        if (!(e->type & MACH_PORT_TYPE_SEND))
            return KERN_INVALID_RIGHT;
        pt->srights++;
        *type = MACH_MSG_TYPE_PORT_SEND;
        break;
    case MACH_MSG_TYPE_MOVE_SEND:
        if (!(e->type & MACH_PORT_TYPE_SEND))
            return KERN_INVALID_RIGHT;
        if (e->urefs > 1) {
            e->urefs--;
            pt->srights++;              /* the entry keeps its right; a new one travels */
        } else {
            e->urefs = 0;
            e->type &= ~MACH_PORT_TYPE_SEND;
            *port = e->port;
            if (!(e->type & MACH_PORT_TYPE_RECEIVE))
                entry_tidy(t, i);
            *type = MACH_MSG_TYPE_PORT_SEND;
            return KERN_SUCCESS;
        }
        *type = MACH_MSG_TYPE_PORT_SEND;
        break;
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
        if (!(e->type & MACH_PORT_TYPE_SEND_ONCE))
            return KERN_INVALID_RIGHT;
        *port = e->port;
        e->type = 0;
        entry_tidy(t, i);
        *type = MACH_MSG_TYPE_PORT_SEND_ONCE;
        return KERN_SUCCESS;
    case MACH_MSG_TYPE_MOVE_RECEIVE:
        if (!(e->type & MACH_PORT_TYPE_RECEIVE))
            return KERN_INVALID_RIGHT;
        pt->receiver = RCV_IN_FLIGHT;
        pt->pset = NO_PORT;
        *port = e->port;
        e->type &= ~MACH_PORT_TYPE_RECEIVE;
        if (!(e->type & MACH_PORT_TYPE_SEND))
            entry_tidy(t, i);
        *type = MACH_MSG_TYPE_PORT_RECEIVE;
        return KERN_SUCCESS;
    default:
        return KERN_INVALID_CAPABILITY;
    }
    *port = e->port;
    return KERN_SUCCESS;
}

/* Would copyin_right succeed? (So that a failed send changes nothing.) */
static kern_return_t check_right(mtask_t *t, mach_port_t name, uint32_t disp)
{
    entry_t *e = lookup(t, name, NULL);
    if (!e)
        return KERN_INVALID_NAME;
    uint32_t need;
    switch (disp) {
    case MACH_MSG_TYPE_MAKE_SEND: case MACH_MSG_TYPE_MAKE_SEND_ONCE:
    case MACH_MSG_TYPE_MOVE_RECEIVE:
        need = MACH_PORT_TYPE_RECEIVE; break;
    case MACH_MSG_TYPE_COPY_SEND: case MACH_MSG_TYPE_MOVE_SEND:
        need = MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DEAD_NAME; break;
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
        need = MACH_PORT_TYPE_SEND_ONCE | MACH_PORT_TYPE_DEAD_NAME; break;
    default:
        return KERN_INVALID_CAPABILITY;
    }
    return (e->type & need) ? KERN_SUCCESS : KERN_INVALID_RIGHT;
}

/* --- copy-out of rights ---------------------------------------------------------------- */

/* Give t the in-flight right; its name there (MACH_PORT_DEAD for a dead port). */
static mach_port_t copyout_right(mtask_t *t, int p, uint32_t type)
{
    if (p == NO_PORT)
        return MACH_PORT_DEAD;
    port_t *pt = &ports[p];
    if (type == MACH_MSG_TYPE_PORT_RECEIVE) {
        int i = entry_of_port(t, p);
        if (i < 0 && (i = entry_alloc(t)) < 0) {
            port_destroy(p);
            return MACH_PORT_NULL;
        }
        t->space[i].port = p;
        t->space[i].type |= MACH_PORT_TYPE_RECEIVE;
        pt->receiver = (int)(t - tasks);
        return entry_name(i, &t->space[i]);
    }
    if (pt->receiver == RCV_DEAD) {
        if (type == MACH_MSG_TYPE_PORT_SEND)
            pt->srights--;
        else
            pt->sorights--;
        port_maybe_free(p);
        return MACH_PORT_DEAD;
    }
    if (type == MACH_MSG_TYPE_PORT_SEND) {
        int i = entry_of_port(t, p);
        if (i >= 0 && (t->space[i].type & MACH_PORT_TYPE_SEND)) {
            pt->srights--;              /* two send rights merge into one entry */
            if (t->space[i].urefs < MACH_PORT_UREFS_MAX)
                t->space[i].urefs++;
            return entry_name(i, &t->space[i]);
        }
        if (i < 0 && (i = entry_alloc(t)) < 0) {
            release_send(p);
            return MACH_PORT_NULL;
        }
        t->space[i].port = p;
        t->space[i].type |= MACH_PORT_TYPE_SEND;
        t->space[i].urefs = 1;
        return entry_name(i, &t->space[i]);
    }
    int i = entry_alloc(t);             /* every send-once right has a name of its own */
    if (i < 0) {
        destroy_send_once(p);
        return MACH_PORT_NULL;
    }
    t->space[i].port = p;
    t->space[i].type = MACH_PORT_TYPE_SEND_ONCE;
    t->space[i].urefs = 1;
    return entry_name(i, &t->space[i]);
}

/* --- kmsgs ------------------------------------------------------------------------------- */

static int kmsg_alloc(void)
{
    for (int k = 0; k < NKMSG; k++)
        if (!kmsgs[k].used) {
            kmsgs[k].used = true;
            kmsgs[k].next = -1;
            kmsgs[k].reply = NO_PORT;
            kmsgs[k].reply_type = 0;
            stats.kmsgs_in_use++;
            return k;
        }
    return -1;
}

static void kmsg_free(int k)
{
    kmsgs[k].used = false;
    stats.kmsgs_in_use--;
}

static mach_msg_descriptor_t *kmsg_descs(kmsg_t *km, uint32_t *n)
{
    *n = 0;
    if (!(km->buf.h.msgh_bits & MACH_MSGH_BITS_COMPLEX))
        return NULL;
    mach_msg_body_t *body = (mach_msg_body_t *)(km->buf.bytes + sizeof(mach_msg_header_t));
    *n = body->msgh_descriptor_count;
    return (mach_msg_descriptor_t *)(body + 1);
}

static void ool_free(mach_msg_ool_descriptor_t *o)
{
    if (o->size == 0)
        return;
    size_t first = (size_t)((uint8_t *)(uintptr_t)o->address - ool_pool) / PAGE;
    memset(ool_used + first, 0, (o->size + PAGE - 1) / PAGE);
}

/* A message nobody will receive: its rights and memory are released. */
static void kmsg_destroy(int k)
{
    kmsg_t *km = &kmsgs[k];
    if (km->dest_type == MACH_MSG_TYPE_PORT_SEND_ONCE)
        release_send_once_quietly(km->dest);
    else if (km->dest != NO_PORT)
        release_send(km->dest);
    release_right(km->reply, km->reply_type);
    uint32_t n;
    mach_msg_descriptor_t *d = kmsg_descs(km, &n);
    for (uint32_t j = 0; j < n; j++) {
        if (d[j].port.type == MACH_MSG_PORT_DESCRIPTOR) {
            int p = (int)d[j].port.name;
            if (d[j].port.disposition == MACH_MSG_TYPE_PORT_RECEIVE)
                port_destroy(p);
            else
                release_right(p, d[j].port.disposition);
        } else {
            ool_free(&d[j].out_of_line);
        }
    }
    kmsg_free(k);
}

/* --- waiting tasks ------------------------------------------------------------------------ */

/* What the timer was last told: armed for that deadline, or not. */
static bool timer_armed;
static uint64_t timer_armed_for;

static void program_timer(void)
{
    bool any = false;
    uint64_t first = UINT64_MAX;
    for (int ti = 0; ti < MACHD_MAX_TASKS; ti++)
        if (tasks[ti].used && tasks[ti].wait != W_NONE && tasks[ti].has_deadline &&
            tasks[ti].deadline < first) {
            first = tasks[ti].deadline;
            any = true;
        }
    if (!tmr)
        return;
    /*
     * A device register write traps to the simulated machine (a host signal,
     * microseconds): write only when what the timer should do changes, not
     * on every request.
     */
    if (any && (!timer_armed || timer_armed_for != first)) {
        tmr[TMR_COMPARE] = first;
        tmr[TMR_CTRL] = 1 | 4;
    } else if (!any && timer_armed) {
        tmr[TMR_CTRL] = 0;
    }
    timer_armed = any;
    timer_armed_for = first;
}

/* Answer a waiting task (Send on its saved reply cap). */
static void answer(mtask_t *t, mach_msg_return_t r, mica_word_t mr0)
{
    t->wait = W_NONE;
    t->has_deadline = false;
    mica_set_mr(0, mr0);
    mica_send(reply_slots[t - tasks], mica_msginfo_new(r, 0, 0, 1));
}

static void park(mtask_t *t, enum wait w, int port)
{
    t->wait = w;
    t->wait_port = port;
    t->wait_seq = seq_next++;
    t->has_deadline = false;
    uint32_t flag = w == W_SEND ? MACH_SEND_TIMEOUT : MACH_RCV_TIMEOUT;
    if (t->option & flag) {
        t->has_deadline = true;
        t->deadline = tmr[TMR_NOW] + (uint64_t)t->timeout * 1000000u;
    }
}

/* --- receive -------------------------------------------------------------------------------- */

/* The oldest message for port or set p, unlinked from its queue; -1 if none. */
static int dequeue(int p)
{
    int best = -1, bp = -1;
    if (!ports[p].is_set) {
        bp = p;
        best = ports[p].qhead;
    } else {
        for (int q = 0; q < MAX_PORTS; q++)
            if (ports[q].used && ports[q].pset == p && ports[q].qhead >= 0 &&
                (best < 0 || kmsgs[ports[q].qhead].stamp < kmsgs[best].stamp)) {
                best = ports[q].qhead;
                bp = q;
            }
    }
    if (best < 0)
        return -1;
    ports[bp].qhead = kmsgs[best].next;
    if (ports[bp].qhead < 0)
        ports[bp].qtail = -1;
    ports[bp].qcount--;
    return best;
}

/* Copy-out of kmsg k to t's window (copy #2). Returns the mach_msg result. */
static mach_msg_return_t copyout(mtask_t *t, int k, uint32_t *size)
{
    kmsg_t *km = &kmsgs[k];
    if (km->size > t->rcv_size) {
        kmsg_destroy(k);            /* no MACH_RCV_LARGE: the message is lost, as in Mach 3 */
        return MACH_RCV_TOO_LARGE;
    }
    int p = km->dest;
    port_t *pt = &ports[p];
    mach_msg_header_t *h = &km->buf.h;
    int ri = entry_of_port(t, p);
    mach_port_t local = ri >= 0 ? entry_name(ri, &t->space[ri]) : MACH_PORT_NULL;
    mach_port_t remote = MACH_PORT_NULL;
    if (km->reply_type)
        remote = copyout_right(t, km->reply, km->reply_type);
    uint32_t dest_type = km->dest_type;
    h->msgh_bits = (h->msgh_bits & MACH_MSGH_BITS_COMPLEX) | MACH_MSGH_BITS(km->reply_type, dest_type);
    h->msgh_remote_port = remote;
    h->msgh_local_port = local;
    h->msgh_seqno = pt->seqno++;
    h->msgh_size = km->size;
    uint32_t n;
    mach_msg_descriptor_t *d = kmsg_descs(km, &n);
    for (uint32_t j = 0; j < n; j++) {
        if (d[j].port.type == MACH_MSG_PORT_DESCRIPTOR) {
            d[j].port.name = copyout_right(t, (int)d[j].port.name, d[j].port.disposition);
            continue;
        }
        /* Out-of-line data: fresh pages of the receiver, chosen here, get machd's copy. */
        mach_msg_ool_descriptor_t *o = &d[j].out_of_line;
        mica_word_t addr = 0;
        if (o->size && vm_alloc((int)(t - tasks), o->size, &addr) == KERN_SUCCESS) {
            memcpy(machd_ptr((int)(t - tasks), addr), (void *)(uintptr_t)o->address, o->size);
            stats.ool_bytes_copied += o->size;
        }
        ool_free(o);
        o->address = addr;
        if (!addr)
            o->size = 0;                /* no room in the receiver: the data is lost */
        o->deallocate = 0;
    }
    memcpy(tmem[t - tasks].win, km->buf.bytes, km->size);
    stats.copies_out++;
    stats.bytes_out += km->size;
    stats.msgs_received++;
    *size = km->size;
    /* The destination right the message travelled on is used up now. */
    if (dest_type == MACH_MSG_TYPE_PORT_SEND_ONCE)
        release_send_once_quietly(p);
    else
        release_send(p);
    kmsg_free(k);
    return MACH_MSG_SUCCESS;
}

/* Put kmsg k on its port's queue, or hand it to a task waiting on the port or its set. */
static void deliver(int k)
{
    kmsg_t *km = &kmsgs[k];
    port_t *pt = &ports[km->dest];
    km->stamp = stamp_next++;
    km->next = -1;
    if (pt->qtail >= 0)
        kmsgs[pt->qtail].next = k;
    else
        pt->qhead = k;
    pt->qtail = k;
    pt->qcount++;
    stats.msgs_sent++;
    if (pt->receiver < 0)
        return;
    mtask_t *r = &tasks[pt->receiver];
    if (r->wait == W_RCV && (r->wait_port == km->dest || r->wait_port == pt->pset)) {
        int m = dequeue(r->wait_port);
        uint32_t size = 0;
        mach_msg_return_t res = copyout(r, m, &size);
        answer(r, res, size);
    }
}

/* A kernel-made notification on the send-once right so_port (its queue limit does not apply). */
static void notify_send(int so_port, mach_msg_id_t id, uint32_t value)
{
    int k = kmsg_alloc();
    if (k < 0) {
        release_send_once_quietly(so_port);
        return;
    }
    kmsg_t *km = &kmsgs[k];
    mach_notify_msg_t *n = (mach_notify_msg_t *)km->buf.bytes;
    memset(n, 0, sizeof *n);
    n->not_header.msgh_bits = MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE);
    n->not_header.msgh_size = sizeof *n;
    n->not_header.msgh_id = id;
    n->not_value = value;
    km->size = sizeof *n;
    km->dest = so_port;
    km->dest_type = MACH_MSG_TYPE_PORT_SEND_ONCE;
    stats.notifications++;
    if (ports[so_port].receiver == RCV_DEAD) {
        kmsg_destroy(k);
        return;
    }
    deliver(k);
}

/* --- send ------------------------------------------------------------------------------------- */

/* First fit of n free pages in used[0..npages); the first page's index or -1. */
static int pages_alloc(uint8_t *used, uint32_t npages, uint32_t n)
{
    for (uint32_t s = 0; s + n <= npages; s++) {
        uint32_t j = 0;
        while (j < n && !used[s + j])
            j++;
        if (j == n) {
            memset(used + s, 1, n);
            return (int)s;
        }
        s += j;
    }
    return -1;
}

static uint32_t pages_free_count(const uint8_t *used, uint32_t npages)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < npages; i++)
        n += !used[i];
    return n;
}

/* Where task ti sees its window and region: host addresses of its VSpace. */
static uintptr_t window_addr(int ti)
{
    return tasks[ti].hostbase + MACH_TASK_WINDOW_VADDR;
}

static uintptr_t region_addr(int ti)
{
    return tasks[ti].hostbase + MACH_TASK_REGION_VADDR;
}

/* machd's view of task memory at task address addr (checked with in_task_memory,
 * or made by vm_alloc). */
static uint8_t *machd_ptr(int ti, uint64_t addr)
{
    uintptr_t w = window_addr(ti);
    if (addr >= w && addr - w < MACH_MSG_WINDOW_BYTES)
        return tmem[ti].win + (addr - w);
    return tmem[ti].vm + (addr - region_addr(ti));
}

static kern_return_t vm_alloc(int ti, uint64_t size, mica_word_t *addr)
{
    if (size == 0 || size > MACH_VM_REGION_BYTES)
        return KERN_NO_SPACE;
    if (!tasks[ti].hostbase)
        return KERN_NO_SPACE;
    int s = pages_alloc(tasks[ti].vm_used, VM_PAGES, (uint32_t)((size + PAGE - 1) / PAGE));
    if (s < 0)
        return KERN_NO_SPACE;
    memset(tmem[ti].vm + (size_t)s * PAGE, 0, (size_t)((size + PAGE - 1) / PAGE) * PAGE);
    *addr = (mica_word_t)(region_addr(ti) + (size_t)s * PAGE);
    return KERN_SUCCESS;
}

static kern_return_t vm_dealloc(int ti, uint64_t addr, uint64_t size)
{
    uintptr_t base = region_addr(ti);
    if (size == 0)
        return KERN_SUCCESS;
    if (addr < base || addr % PAGE || size > MACH_VM_REGION_BYTES || addr - base > MACH_VM_REGION_BYTES - size)
        return KERN_INVALID_ADDRESS;
    for (uint64_t p = (addr - base) / PAGE; p < (addr - base + size + PAGE - 1) / PAGE; p++)
        tasks[ti].vm_used[p] = 0;
    return KERN_SUCCESS;
}

#define PARKED 0xffffffffu

static bool in_task_memory(int ti, uint64_t addr, uint64_t size)
{
    uintptr_t w = window_addr(ti), v = region_addr(ti);
    return tasks[ti].hostbase != 0 && ((addr >= w && size <= MACH_MSG_WINDOW_BYTES && addr - w <= MACH_MSG_WINDOW_BYTES - size) ||
           (addr >= v && size <= MACH_VM_REGION_BYTES && addr - v <= MACH_VM_REGION_BYTES - size));
}

static mach_msg_return_t try_send(mtask_t *t)
{
    int ti = (int)(t - tasks);
    uint8_t *win = tmem[ti].win;
    uint32_t size = t->send_size;
    if (size < sizeof(mach_msg_header_t) || size % 4)
        return MACH_SEND_MSG_TOO_SMALL;
    if (size > MACH_MSG_SIZE_MAX)
        return MACH_SEND_TOO_LARGE;
    mach_msg_header_t h;
    memcpy(&h, win, sizeof h);
    uint32_t rdisp = MACH_MSGH_BITS_REMOTE(h.msgh_bits), ldisp = MACH_MSGH_BITS_LOCAL(h.msgh_bits);
    if (h.msgh_bits & ~(MACH_MSGH_BITS_COMPLEX | 0xffffu))
        return MACH_SEND_INVALID_HEADER;
    /* The destination. */
    if (rdisp == MACH_MSG_TYPE_MOVE_RECEIVE || check_right(t, h.msgh_remote_port, rdisp) != KERN_SUCCESS)
        return MACH_SEND_INVALID_DEST;
    entry_t *de = lookup(t, h.msgh_remote_port, NULL);
    if (de->type & MACH_PORT_TYPE_DEAD_NAME)
        return MACH_SEND_INVALID_DEST;
    int dp = de->port;
    /* The reply right. */
    if (h.msgh_local_port != MACH_PORT_NULL &&
        (ldisp == MACH_MSG_TYPE_MOVE_RECEIVE || check_right(t, h.msgh_local_port, ldisp) != KERN_SUCCESS))
        return MACH_SEND_INVALID_REPLY;
    /* The descriptors. */
    uint32_t ndesc = 0, ool_pages = 0;
    if (h.msgh_bits & MACH_MSGH_BITS_COMPLEX) {
        if (size < sizeof h + sizeof(mach_msg_body_t))
            return MACH_SEND_MSG_TOO_SMALL;
        memcpy(&ndesc, win + sizeof h, sizeof ndesc);
        if (ndesc > (size - sizeof h - sizeof(mach_msg_body_t)) / sizeof(mach_msg_descriptor_t))
            return MACH_SEND_MSG_TOO_SMALL;
        for (uint32_t j = 0; j < ndesc; j++) {
            mach_msg_descriptor_t d;
            memcpy(&d, win + sizeof h + sizeof(mach_msg_body_t) + j * sizeof d, sizeof d);
            if (d.port.type == MACH_MSG_PORT_DESCRIPTOR) {
                if (d.port.name != MACH_PORT_NULL && d.port.name != MACH_PORT_DEAD &&
                    check_right(t, d.port.name, d.port.disposition) != KERN_SUCCESS)
                    return MACH_SEND_INVALID_RIGHT;
                if (d.port.disposition == MACH_MSG_TYPE_MOVE_RECEIVE && d.port.name == h.msgh_remote_port)
                    return MACH_SEND_INVALID_RIGHT;   /* a port cannot carry its own receive right */
            } else if (d.out_of_line.type == MACH_MSG_OOL_DESCRIPTOR) {
                if (d.out_of_line.size && !in_task_memory(ti, d.out_of_line.address, d.out_of_line.size))
                    return MACH_SEND_INVALID_MEMORY;
                ool_pages += (d.out_of_line.size + PAGE - 1) / PAGE;
            } else {
                return MACH_SEND_INVALID_TYPE;
            }
        }
        if (ool_pages > pages_free_count(ool_used, OOL_PAGES))
            return MACH_SEND_NO_BUFFER;
    }
    /* A full queue: wait (a send-once right's message always fits, as in Mach). */
    bool so = rdisp == MACH_MSG_TYPE_MOVE_SEND_ONCE || rdisp == MACH_MSG_TYPE_MAKE_SEND_ONCE;
    if (!so && ports[dp].qcount >= ports[dp].qlimit) {
        if ((t->option & MACH_SEND_TIMEOUT) && t->timeout == 0) {
            stats.send_timeouts++;
            return MACH_SEND_TIMED_OUT;
        }
        return PARKED;
    }
    int k = kmsg_alloc();
    if (k < 0)
        return MACH_SEND_NO_BUFFER;
    kmsg_t *km = &kmsgs[k];
    memcpy(km->buf.bytes, win, size);               /* copy #1 */
    stats.copies_in++;
    stats.bytes_in += size;
    km->size = size;
    km->buf.h.msgh_size = size;
    bool dead;
    copyin_right(t, h.msgh_remote_port, rdisp, &km->dest, &km->dest_type, &dead);
    if (h.msgh_local_port != MACH_PORT_NULL) {
        if (copyin_right(t, h.msgh_local_port, ldisp, &km->reply, &km->reply_type, &dead) != KERN_SUCCESS) {
            km->reply = NO_PORT;                    /* the same name moved twice: it went once */
            km->reply_type = 0;
        }
    }
    uint32_t n;
    mach_msg_descriptor_t *d = kmsg_descs(km, &n);
    for (uint32_t j = 0; j < n; j++) {
        if (d[j].out_of_line.type == MACH_MSG_OOL_DESCRIPTOR) {
            /* Copied now: what the sender writes there later is not seen by the receiver. */
            mach_msg_ool_descriptor_t *o = &d[j].out_of_line;
            uint64_t from = o->address;
            if (o->size) {
                int first = pages_alloc(ool_used, OOL_PAGES, (o->size + PAGE - 1) / PAGE);
                o->address = (uint64_t)(uintptr_t)(ool_pool + (size_t)first * PAGE);
                memcpy(ool_pool + (size_t)first * PAGE, machd_ptr(ti, from), o->size);
                stats.ool_bytes_copied += o->size;
                if (o->deallocate) {
                    uint64_t base = from & ~(uint64_t)(PAGE - 1);
                    vm_dealloc(ti, base, ((from + o->size + PAGE - 1) & ~(uint64_t)(PAGE - 1)) - base);
                }
            } else {
                o->address = 0;
            }
            continue;
        }
        int p = NO_PORT;
        uint32_t type = 0;
        if (MACH_PORT_VALID(d[j].port.name) &&
            copyin_right(t, d[j].port.name, d[j].port.disposition, &p, &type, &dead) != KERN_SUCCESS)
            p = NO_PORT;
        d[j].port.name = (mach_port_t)p;            /* in flight: a port index */
        d[j].port.disposition = (uint16_t)(p == NO_PORT ? MACH_MSG_TYPE_PORT_SEND : type);
        if (p == NO_PORT && type == MACH_MSG_TYPE_PORT_SEND_ONCE)
            d[j].port.disposition = MACH_MSG_TYPE_PORT_SEND_ONCE;
    }
    deliver(k);
    return MACH_MSG_SUCCESS;
}

/* A receive: a message now, or the task waits. */
static mach_msg_return_t try_receive(mtask_t *t, uint32_t *size)
{
    entry_t *e = lookup(t, t->rcv_name, NULL);
    if (!e || !(e->type & (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_PORT_SET)))
        return MACH_RCV_INVALID_NAME;
    int p = e->port;
    if (!ports[p].is_set && ports[p].pset != NO_PORT)
        return MACH_RCV_IN_SET;
    int k = dequeue(p);
    if (k >= 0)
        return copyout(t, k, size);
    if ((t->option & MACH_RCV_TIMEOUT) && t->timeout == 0) {
        stats.rcv_timeouts++;
        return MACH_RCV_TIMED_OUT;
    }
    park(t, W_RCV, p);
    return PARKED;
}

/* Run (or resume) t's mach_msg; PARKED if it now waits. */
static mach_msg_return_t run_msg(mtask_t *t, bool sent, uint32_t *size)
{
    *size = 0;
    if ((t->option & MACH_SEND_MSG) && !sent) {
        mach_msg_return_t r = try_send(t);
        if (r == PARKED) {
            park(t, W_SEND, lookup(t, ((mach_msg_header_t *)tmem[t - tasks].win)->msgh_remote_port, NULL)->port);
            stats.senders_blocked++;
            return PARKED;
        }
        if (r != MACH_MSG_SUCCESS || !(t->option & MACH_RCV_MSG))
            return r;
    }
    if (t->option & MACH_RCV_MSG)
        return try_receive(t, size);
    return MACH_MSG_SUCCESS;
}

/* Room on a queue: the longest-waiting sender to it tries again. */
static void wake_senders(void)
{
    for (;;) {
        mtask_t *best = NULL;
        for (int ti = 0; ti < MACHD_MAX_TASKS; ti++) {
            mtask_t *t = &tasks[ti];
            if (t->used && t->wait == W_SEND && ports[t->wait_port].qcount < ports[t->wait_port].qlimit &&
                (!best || t->wait_seq < best->wait_seq))
                best = t;
        }
        if (!best)
            return;
        best->wait = W_NONE;
        uint32_t size;
        mach_msg_return_t r = run_msg(best, false, &size);
        if (r != PARKED)
            answer(best, r, size);
    }
}

/* --- tasks ----------------------------------------------------------------------------------- */

static void task_destroy(mtask_t *t)
{
    for (int i = 2; i < NAMES; i++) {
        entry_t *e = &t->space[i];
        if (!e->type)
            continue;
        if (e->dnreq != NO_PORT) {
            int so = e->dnreq;
            e->dnreq = NO_PORT;
            destroy_send_once(so);
        }
        if (e->type & MACH_PORT_TYPE_PORT_SET)
            set_destroy(e->port);
        else if (e->type & MACH_PORT_TYPE_RECEIVE) {
            if (e->type & MACH_PORT_TYPE_SEND)
                ports[e->port].srights--;
            e->type = 0;
            port_destroy(e->port);
        } else if (e->type & MACH_PORT_TYPE_SEND) {
            e->type = 0;
            release_send(e->port);
        } else if (e->type & MACH_PORT_TYPE_SEND_ONCE) {
            e->type = 0;
            destroy_send_once(e->port);
        }
        e->type = 0;
        e->port = NO_PORT;
    }
    t->used = false;
    task_process_end((int)(t - tasks));
}

/* Give back, from machd's CSpace, what a task's memory and process were made of. */
static void tmem_release(int ti)
{
    tmem_t *m = &tmem[ti];
    if (m->proc.tcb)
        mica_process_destroy(&m->sub, &m->proc);    /* its caps in its own CNode first */
    /* Everything else of the task was retyped from ut: one revoke deletes it
     * (a deleted frame cap unmaps itself), and ut's next retype starts at 0. */
    mica_cnode_revoke(MICA_CAP_INIT_CNODE, m->ut, MICA_WORD_BITS);
    memset(&m->proc, 0, sizeof m->proc);
    m->win = m->vm = NULL;
    m->live = false;
}

/*
 * Task number ti's lasting part (endpoint cap, reply slot, untyped, slot
 * block, vaddrs): what exists is kept, what is missing is made; false when
 * machd's allocator ran out (what was made waits for the next try).
 */
static bool tmem_base(int ti)
{
    tmem_t *m = &tmem[ti];
    mica_cap_rights_t rights = mica_cap_rights_new(1, 0, 0, 1);   /* Write + GrantReply: Call only */
    if (!m->ep)
        m->ep = mica_env_mint(env, machd_ep, rights, (mica_word_t)ti + 1);
    if (m->ep && !reply_slots[ti])
        reply_slots[ti] = mica_env_slot(env);
    if (reply_slots[ti] && !m->ut)
        m->ut = mica_env_make(env, MICA_UNTYPED_OBJECT, TASK_UT_BITS);
    if (m->ut && !m->slots)
        m->slots = mica_env_slots(env, TASK_SLOTS);
    if (m->slots && !m->win_vaddr)
        m->win_vaddr = mica_env_vaddr(env, WIN_PAGES);
    if (m->win_vaddr && !m->vm_vaddr)
        m->vm_vaddr = mica_env_vaddr(env, VM_PAGES);
    if (!m->vm_vaddr)
        return false;
    /* The sub-allocator: the block is its root CNode, ut its only untyped. */
    m->sub_bi = *env->bi;
    m->sub_bi.empty.start = m->slots;
    m->sub_bi.empty.end = m->slots + TASK_SLOTS;
    m->sub_bi.untyped.start = m->sub_bi.untyped.end = 0;
    mica_env_init(&m->sub, &m->sub_bi);
    m->sub.untyped = m->ut;
    return true;
}

/* n frames from ut mapped at vaddr of machd's VSpace (paging structures from
 * machd's own allocator: they outlive the task), then their copies; 0 on failure. */
static mica_cptr_t tmem_frames(tmem_t *m, mica_word_t vaddr, mica_word_t n, mica_cptr_t *copies)
{
    mica_cptr_t f = mica_env_make_n(&m->sub, MICA_FRAME_OBJECT, 0, n);
    mica_cptr_t c = f ? mica_env_slots(&m->sub, n) : 0;
    if (!c)
        return 0;
    for (mica_word_t i = 0; i < n; i++)
        if (mica_user_map(env, MICA_CAP_INIT_VSPACE, vaddr + i * PAGE, f + i, MICA_READ_WRITE) ||
            mica_cnode_copy(MICA_CAP_INIT_CNODE, c + i, MICA_WORD_BITS, MICA_CAP_INIT_CNODE, f + i,
                            MICA_WORD_BITS, MICA_READ_WRITE))
            return 0;
    *copies = c;
    return f;
}

/* Task number ti's memory, made for a new task: fresh, zeroed frames. On a
 * failure everything made for it so far is given back. */
static bool tmem_make(int ti)
{
    tmem_t *m = &tmem[ti];
    if (!tmem_base(ti)) {
        printf("machd: no memory for task %d: %s\n", ti, mica_env_error_text(env));
        return false;
    }
    mica_env_init(&m->sub, &m->sub_bi);
    m->sub.untyped = m->ut;
    m->live = true;
    if (!(m->win_frames = tmem_frames(m, m->win_vaddr, WIN_PAGES, &m->win_copies)) ||
        !(m->vm_frames = tmem_frames(m, m->vm_vaddr, VM_PAGES, &m->vm_copies))) {
        printf("machd: no memory for task %d: %s\n", ti, mica_env_error_text(&m->sub));
        tmem_release(ti);
        return false;
    }
    m->win = mica_vaddr_to_ptr(m->win_vaddr);
    m->vm = mica_vaddr_to_ptr(m->vm_vaddr);
    return true;
}

static int task_new(const char *name)
{
    for (int ti = 0; ti < MACHD_MAX_TASKS; ti++)
        if (!tasks[ti].used) {
            mtask_t *t = &tasks[ti];
            if (!tmem_make(ti))
                return -1;
            memset(t, 0, sizeof *t);
            for (int i = 0; i < NAMES; i++) {
                t->space[i].port = NO_PORT;
                t->space[i].dnreq = NO_PORT;
            }
            t->used = true;
            snprintf(t->name, sizeof t->name, "%s", name);
            return ti;
        }
    return -1;
}

/* Task ti is over: its process and memory go. */
static void task_process_end(int ti)
{
    if (tmem[ti].live)
        tmem_release(ti);
}

/*
 * Start task ti as a mica process: its own CSpace (only its badged endpoint
 * cap to machd, which is also its fault endpoint), VSpace (its stack, IPC
 * buffer, window and region) and TCB; bootstrap already holds its name there.
 */
static kern_return_t task_start(int ti, mach_task_entry_t entry, uintptr_t arg, mach_port_t bootstrap, int prio)
{
    tmem_t *m = &tmem[ti];
    if (prio >= MACHD_PRIO || prio < 0)
        prio = MACHD_PRIO - 1;
    mica_process_config_t cfg = { .name = tasks[ti].name, .prio = (mica_word_t)prio, .cnode_bits = 4,
                                  .stack_pages = MACH_TASK_STACK_PAGES, .fault_ep = m->ep };
    if (mica_process_create(&m->sub, &cfg, &m->proc) != MICA_NO_ERROR) {
        printf("machd: cannot make task %s: %s\n", tasks[ti].name, mica_env_error_text(&m->sub));
        task_process_end(ti);
        return KERN_RESOURCE_SHORTAGE;
    }
    for (mica_word_t i = 0; i < WIN_PAGES + VM_PAGES; i++) {
        mica_word_t va = i < WIN_PAGES ? MACH_TASK_WINDOW_VADDR + i * PAGE
                                       : MACH_TASK_REGION_VADDR + (i - WIN_PAGES) * PAGE;
        mica_cptr_t f = i < WIN_PAGES ? m->win_copies + i : m->vm_copies + (i - WIN_PAGES);
        if (mica_user_map(&m->sub, m->proc.vspace, va, f, MICA_READ_WRITE) != MICA_NO_ERROR) {
            task_process_end(ti);
            return KERN_RESOURCE_SHORTAGE;
        }
    }
    if (mica_process_start(&m->proc, mach_task_trampoline, (mica_word_t)(uintptr_t)entry, arg,
                           bootstrap, 0) != MICA_NO_ERROR) {
        task_process_end(ti);
        return KERN_RESOURCE_SHORTAGE;
    }
    return KERN_SUCCESS;
}

static kern_return_t mod_refs(mtask_t *t, mach_port_t name, mach_port_right_t right, int32_t delta)
{
    int i;
    entry_t *e = lookup(t, name, &i);
    if (right >= MACH_PORT_RIGHT_NUMBER)
        return KERN_INVALID_VALUE;
    if (!e)
        return KERN_INVALID_NAME;
    if (!(e->type & MACH_PORT_TYPE(right)))
        return KERN_INVALID_RIGHT;
    switch (right) {
    case MACH_PORT_RIGHT_SEND:
    case MACH_PORT_RIGHT_DEAD_NAME:
        if (delta < 0 && (uint32_t)-delta > e->urefs)
            return KERN_INVALID_VALUE;
        if (delta > 0 && e->urefs + (uint32_t)delta > MACH_PORT_UREFS_MAX)
            return KERN_UREFS_OVERFLOW;
        e->urefs = (uint32_t)((int64_t)e->urefs + delta);
        if (e->urefs == 0) {
            e->type &= ~MACH_PORT_TYPE(right);
            if (right == MACH_PORT_RIGHT_SEND) {
                int p = e->port;
                if (!(e->type & MACH_PORT_TYPE_RECEIVE))
                    entry_tidy(t, i);
                release_send(p);
            } else {
                entry_tidy(t, i);
            }
        }
        return KERN_SUCCESS;
    default:                        /* receive, send-once, port set: only 0 or -1 */
        if (delta == 0)
            return KERN_SUCCESS;
        if (delta != -1)
            return KERN_INVALID_VALUE;
        if (right == MACH_PORT_RIGHT_RECEIVE) {
            /* Our own send right under this name becomes a dead name with the rest; a
             * dead-name request on this very name is cancelled: port-deleted, as in Mach. */
            int p = e->port, req = e->dnreq;
            e->dnreq = NO_PORT;
            e->type &= ~MACH_PORT_TYPE_RECEIVE;
            port_destroy(p);
            if (t->space[i].type == 0)
                entry_tidy(t, i);
            if (req != NO_PORT)
                notify_send(req, MACH_NOTIFY_PORT_DELETED, name);
        } else if (right == MACH_PORT_RIGHT_SEND_ONCE) {
            int p = e->port;
            e->type = 0;
            entry_tidy(t, i);
            destroy_send_once(p);
        } else {
            set_destroy(e->port);
            e->type = 0;
            entry_tidy(t, i);
        }
        return KERN_SUCCESS;
    }
}

static kern_return_t deallocate(mtask_t *t, mach_port_t name)
{
    entry_t *e = lookup(t, name, NULL);
    if (!e)
        return KERN_INVALID_NAME;
    if (e->type & MACH_PORT_TYPE_SEND)
        return mod_refs(t, name, MACH_PORT_RIGHT_SEND, -1);
    if (e->type & MACH_PORT_TYPE_SEND_ONCE)
        return mod_refs(t, name, MACH_PORT_RIGHT_SEND_ONCE, -1);
    if (e->type & MACH_PORT_TYPE_DEAD_NAME)
        return mod_refs(t, name, MACH_PORT_RIGHT_DEAD_NAME, -1);
    return KERN_INVALID_RIGHT;
}

static kern_return_t insert_right(mtask_t *t, mach_port_t name, mach_port_t poly, uint32_t disp)
{
    if (!MACH_PORT_VALID(name) || (name >> 8) < 2 || (name >> 8) >= NAMES)
        return KERN_INVALID_VALUE;
    kern_return_t r = check_right(t, poly, disp);
    if (r != KERN_SUCCESS)
        return r;
    entry_t *pe = lookup(t, poly, NULL);
    if (pe->type & MACH_PORT_TYPE_DEAD_NAME)
        return KERN_INVALID_CAPABILITY;
    int p = pe->port;
    int i = (int)(name >> 8);
    entry_t *e = &t->space[i];
    bool makes_send = disp == MACH_MSG_TYPE_MAKE_SEND || disp == MACH_MSG_TYPE_COPY_SEND ||
                      disp == MACH_MSG_TYPE_MOVE_SEND;
    if (e->type) {
        if (e->gen != (uint8_t)name)
            return KERN_NAME_EXISTS;
        /* The only merge allowed: a send right onto the name of the same port's receive/send right. */
        if (!makes_send || e->port != p)
            return (e->port == p) ? KERN_RIGHT_EXISTS : KERN_NAME_EXISTS;
    } else {
        if (entry_of_port(t, p) >= 0 && makes_send)
            return KERN_RIGHT_EXISTS;          /* the port already has another name here */
        e->gen = (uint8_t)name;
    }
    int q;
    uint32_t type;
    bool dead;
    copyin_right(t, poly, disp, &q, &type, &dead);
    if (disp == MACH_MSG_TYPE_MOVE_RECEIVE || type != MACH_MSG_TYPE_PORT_SEND) {
        /* A send-once or receive right under a chosen name. */
        if (e->type && (e->type != MACH_PORT_TYPE_SEND || type != MACH_MSG_TYPE_PORT_RECEIVE)) {
            release_right(q, type);
            return KERN_NAME_EXISTS;
        }
        e->port = q;
        if (type == MACH_MSG_TYPE_PORT_RECEIVE) {
            e->type |= MACH_PORT_TYPE_RECEIVE;
            ports[q].receiver = (int)(t - tasks);
        } else {
            e->type = MACH_PORT_TYPE_SEND_ONCE;
            e->urefs = 1;
        }
        if (e->dnreq == 0)
            e->dnreq = NO_PORT;
        return KERN_SUCCESS;
    }
    if (e->type & MACH_PORT_TYPE_SEND) {
        ports[q].srights--;
        e->urefs++;
    } else {
        e->port = q;
        e->type |= MACH_PORT_TYPE_SEND;
        e->urefs = 1;
        e->dnreq = e->type == MACH_PORT_TYPE_SEND ? NO_PORT : e->dnreq;
    }
    return KERN_SUCCESS;
}

static kern_return_t request_notification(mtask_t *t, mach_port_t name, int32_t variant, uint32_t sync,
                                          mach_port_t notify, uint32_t disp, mach_port_t *prev)
{
    *prev = MACH_PORT_NULL;
    entry_t *e = lookup(t, name, NULL);
    if (!e)
        return KERN_INVALID_NAME;
    if (variant != MACH_NOTIFY_NO_SENDERS && variant != MACH_NOTIFY_DEAD_NAME)
        return KERN_INVALID_VALUE;
    if (variant == MACH_NOTIFY_NO_SENDERS && !(e->type & MACH_PORT_TYPE_RECEIVE))
        return KERN_INVALID_RIGHT;
    if (variant == MACH_NOTIFY_DEAD_NAME &&
        !(e->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE | MACH_PORT_TYPE_DEAD_NAME)))
        return KERN_INVALID_RIGHT;
    int so = NO_PORT;
    if (notify != MACH_PORT_NULL) {
        if (disp != MACH_MSG_TYPE_MAKE_SEND_ONCE && disp != MACH_MSG_TYPE_MOVE_SEND_ONCE)
            return KERN_INVALID_VALUE;
        if (check_right(t, notify, disp) != KERN_SUCCESS)
            return KERN_INVALID_CAPABILITY;
        entry_t *ne = lookup(t, notify, NULL);
        if (ne->type & MACH_PORT_TYPE_DEAD_NAME)
            return KERN_INVALID_CAPABILITY;
        uint32_t type;
        bool dead;
        copyin_right(t, notify, disp, &so, &type, &dead);
    }
    int *slot = variant == MACH_NOTIFY_NO_SENDERS ? &ports[e->port].nsreq : &e->dnreq;
    if (variant == MACH_NOTIFY_DEAD_NAME && (e->type & MACH_PORT_TYPE_DEAD_NAME)) {
        if (so != NO_PORT) {            /* already dead: the notification comes at once */
            int i;
            lookup(t, name, &i);
            e->urefs++;
            notify_send(so, MACH_NOTIFY_DEAD_NAME, name);
        }
        return KERN_SUCCESS;
    }
    if (*slot != NO_PORT)
        *prev = copyout_right(t, *slot, MACH_MSG_TYPE_PORT_SEND_ONCE);
    *slot = so;
    if (variant == MACH_NOTIFY_NO_SENDERS) {
        port_t *pt = &ports[e->port];
        pt->nssync = sync;
        if (so != NO_PORT && pt->srights == 0 && pt->mscount >= sync) {
            pt->nsreq = NO_PORT;
            notify_send(so, MACH_NOTIFY_NO_SENDERS, pt->mscount);
        }
    }
    return KERN_SUCCESS;
}

static kern_return_t move_member(mtask_t *t, mach_port_t member, mach_port_t set)
{
    entry_t *m = lookup(t, member, NULL);
    if (!m)
        return KERN_INVALID_NAME;
    if (!(m->type & MACH_PORT_TYPE_RECEIVE))
        return KERN_INVALID_RIGHT;
    if (set == MACH_PORT_NULL) {
        if (ports[m->port].pset == NO_PORT)
            return KERN_NOT_IN_SET;
        ports[m->port].pset = NO_PORT;
        return KERN_SUCCESS;
    }
    entry_t *s = lookup(t, set, NULL);
    if (!s)
        return KERN_INVALID_NAME;
    if (!(s->type & MACH_PORT_TYPE_PORT_SET))
        return KERN_INVALID_RIGHT;
    ports[m->port].pset = s->port;
    return KERN_SUCCESS;
}

/* One request of task ti; false when the task now waits (no reply yet). */
static bool handle(int ti, mica_msginfo_t info, mica_word_t *label, mica_word_t *out)
{
    mtask_t *t = &tasks[ti];
    mica_word_t op = mica_msginfo_get_label(info), a[6];
    for (int i = 0; i < 6; i++)
        a[i] = mica_get_mr(i);
    *out = 0;
    if (op < MACHD_MSG || op >= MACHD_OP_END) {
        *label = KERN_INVALID_ARGUMENT;
        return true;
    }
    if (op != MACHD_MSG && op != MACHD_TASK_EXIT && op != MACHD_TASK_SPAWN && op != MACHD_TASK_HELLO &&
        a[0] != MACH_TASK_SELF_NAME) {
        *label = KERN_INVALID_TASK;
        return true;
    }
    mach_port_t name;
    switch (op) {
    case MACHD_MSG: {
        t->option = (uint32_t)a[0];
        t->send_size = (uint32_t)a[1];
        t->rcv_size = (uint32_t)a[2];
        t->rcv_name = (mach_port_t)a[3];
        t->timeout = (uint32_t)a[4];
        if (t->send_size > MACH_MSG_WINDOW_BYTES || t->rcv_size > MACH_MSG_WINDOW_BYTES) {
            *label = (t->option & MACH_SEND_MSG) ? MACH_SEND_INVALID_DATA : MACH_RCV_TOO_LARGE;
            return true;
        }
        uint32_t size;
        mach_msg_return_t r = run_msg(t, false, &size);
        if (r == PARKED) {
            mica_cnode_save_caller(MICA_CAP_INIT_CNODE, reply_slots[ti], MICA_WORD_BITS);
            return false;
        }
        *label = r;
        *out = size;
        return true;
    }
    case MACHD_PORT_ALLOCATE: {
        mach_port_right_t right = (mach_port_right_t)a[1];
        if (right != MACH_PORT_RIGHT_RECEIVE && right != MACH_PORT_RIGHT_PORT_SET &&
            right != MACH_PORT_RIGHT_DEAD_NAME) {
            *label = KERN_INVALID_VALUE;
            return true;
        }
        int i = entry_alloc(t);
        int p = NO_PORT;
        if (i >= 0 && right != MACH_PORT_RIGHT_DEAD_NAME)
            p = port_new(right == MACH_PORT_RIGHT_PORT_SET, ti);
        if (i < 0 || (p == NO_PORT && right != MACH_PORT_RIGHT_DEAD_NAME)) {
            *label = KERN_NO_SPACE;
            return true;
        }
        t->space[i].port = p;
        t->space[i].type = MACH_PORT_TYPE(right);
        t->space[i].urefs = right == MACH_PORT_RIGHT_DEAD_NAME ? 1 : 0;
        *out = entry_name(i, &t->space[i]);
        *label = KERN_SUCCESS;
        return true;
    }
    case MACHD_PORT_DEALLOCATE:
        *label = deallocate(t, (mach_port_t)a[1]);
        return true;
    case MACHD_PORT_DESTROY: {
        entry_t *e = lookup(t, (mach_port_t)a[1], NULL);
        if (!e) {
            *label = KERN_INVALID_NAME;
            return true;
        }
        name = (mach_port_t)a[1];
        *label = KERN_SUCCESS;
        if (e->type & MACH_PORT_TYPE_RECEIVE) {
            bool send = e->type & MACH_PORT_TYPE_SEND;
            uint32_t keep = e->urefs;
            *label = mod_refs(t, name, MACH_PORT_RIGHT_RECEIVE, -1);
            e = lookup(t, name, NULL);      /* its own send right is now a dead name */
            if (send && e && keep)
                mod_refs(t, name, MACH_PORT_RIGHT_DEAD_NAME, -(int32_t)e->urefs);
        } else if (e->type & MACH_PORT_TYPE_PORT_SET)
            *label = mod_refs(t, name, MACH_PORT_RIGHT_PORT_SET, -1);
        else if (e->type & MACH_PORT_TYPE_SEND)
            *label = mod_refs(t, name, MACH_PORT_RIGHT_SEND, -(int32_t)e->urefs);
        else if (e->type & MACH_PORT_TYPE_SEND_ONCE)
            *label = mod_refs(t, name, MACH_PORT_RIGHT_SEND_ONCE, -1);
        else
            *label = mod_refs(t, name, MACH_PORT_RIGHT_DEAD_NAME, -(int32_t)e->urefs);
        return true;
    }
    case MACHD_PORT_MOD_REFS:
        *label = mod_refs(t, (mach_port_t)a[1], (mach_port_right_t)a[2], (int32_t)a[3]);
        return true;
    case MACHD_PORT_GET_REFS: {
        entry_t *e = lookup(t, (mach_port_t)a[1], NULL);
        mach_port_right_t right = (mach_port_right_t)a[2];
        if (right >= MACH_PORT_RIGHT_NUMBER) {
            *label = KERN_INVALID_VALUE;
            return true;
        }
        *label = e ? KERN_SUCCESS : KERN_INVALID_NAME;
        if (e && (e->type & MACH_PORT_TYPE(right)))
            *out = (right == MACH_PORT_RIGHT_SEND || right == MACH_PORT_RIGHT_DEAD_NAME) ? e->urefs : 1;
        return true;
    }
    case MACHD_PORT_TYPE: {
        entry_t *e = lookup(t, (mach_port_t)a[1], NULL);
        *label = e ? KERN_SUCCESS : KERN_INVALID_NAME;
        *out = e ? e->type : 0;
        return true;
    }
    case MACHD_PORT_INSERT_RIGHT:
        *label = insert_right(t, (mach_port_t)a[1], (mach_port_t)a[2], (uint32_t)a[3]);
        return true;
    case MACHD_PORT_SET_QLIMIT: {
        entry_t *e = lookup(t, (mach_port_t)a[1], NULL);
        if (!e)
            *label = KERN_INVALID_NAME;
        else if (!(e->type & MACH_PORT_TYPE_RECEIVE))
            *label = KERN_INVALID_RIGHT;
        else if (a[2] < 1 || a[2] > MACH_PORT_QLIMIT_MAX)
            *label = KERN_INVALID_VALUE;
        else {
            ports[e->port].qlimit = (uint32_t)a[2];
            *label = KERN_SUCCESS;
        }
        return true;
    }
    case MACHD_PORT_MOVE_MEMBER:
        *label = move_member(t, (mach_port_t)a[1], (mach_port_t)a[2]);
        return true;
    case MACHD_PORT_REQUEST_NOTIFICATION: {
        mach_port_t prev;
        *label = request_notification(t, (mach_port_t)a[1], (int32_t)a[2], (uint32_t)a[3],
                                      (mach_port_t)a[4], (uint32_t)a[5], &prev);
        *out = prev;
        return true;
    }
    case MACHD_VM_ALLOCATE:
        *label = vm_alloc(ti, a[1], out);
        return true;
    case MACHD_VM_DEALLOCATE:
        *label = vm_dealloc(ti, a[1], a[2]);
        return true;
    case MACHD_TASK_SPAWN: {
        mach_port_t boot = (mach_port_t)a[2];
        uint32_t disp = (uint32_t)a[3];
        char tname[32];
        memcpy(tname, tmem[ti].win, sizeof tname);
        tname[sizeof tname - 1] = 0;
        if (boot != MACH_PORT_NULL && check_right(t, boot, disp) != KERN_SUCCESS) {
            *label = KERN_INVALID_CAPABILITY;
            return true;
        }
        int c = task_new(tname);
        if (c < 0) {
            *label = KERN_RESOURCE_SHORTAGE;
            return true;
        }
        mach_port_t cboot = MACH_PORT_NULL;
        if (boot != MACH_PORT_NULL) {
            int p;
            uint32_t type;
            bool dead;
            copyin_right(t, boot, disp, &p, &type, &dead);
            cboot = copyout_right(&tasks[c], p, type);
        }
        *label = task_start(c, (mach_task_entry_t)a[0], (uintptr_t)a[1], cboot, (int)a[4]);
        if (*label != KERN_SUCCESS)
            task_destroy(&tasks[c]);
        return true;
    }
    case MACHD_TASK_EXIT:
        task_destroy(t);
        return false;                   /* the process ends without an answer */
    case MACHD_TASK_HELLO:
        /* Once, from the trampoline; a wrong base only misleads the task's own OOL addresses. */
        if (t->hostbase || !a[0] || a[0] % PAGE) {
            *label = KERN_INVALID_ARGUMENT;
            return true;
        }
        t->hostbase = (uintptr_t)a[0];
        *label = KERN_SUCCESS;
        return true;
    default:
        *label = KERN_INVALID_ARGUMENT;
        return true;
    }
}

/* Timeouts that have passed are answered. */
static void timer_fired(void)
{
    tmr[TMR_STATUS] = 1;
    timer_armed = false;        /* one-shot: it has fired, program_timer rearms it */
    mica_irq_handler_ack(irq_handler);
    uint64_t now = tmr[TMR_NOW];
    for (int ti = 0; ti < MACHD_MAX_TASKS; ti++) {
        mtask_t *t = &tasks[ti];
        if (!t->used || t->wait == W_NONE || !t->has_deadline || t->deadline > now)
            continue;
        if (t->wait == W_SEND) {
            stats.send_timeouts++;
            answer(t, MACH_SEND_TIMED_OUT, 0);
        } else {
            stats.rcv_timeouts++;
            answer(t, MACH_RCV_TIMED_OUT, 0);
        }
    }
}

/*
 * A fault of task ti (its endpoint cap is its fault endpoint, so the kernel's
 * fault message comes here with its badge): as Mach does with an exception
 * nobody handles, the task ends. A task that sends a fault label itself only
 * ends itself.
 */
static void task_fault(int ti, mica_msginfo_t info, mica_word_t badge)
{
    mica_fault_t f = mica_fault_decode(info, badge);
    stats.tasks_faulted++;
    stats.last_fault_kind = f.kind;
    stats.last_fault_addr = f.addr;
    printf("machd: task %s ended by a fault (kind %lu at %#lx)\n", tasks[ti].name,
           (unsigned long)f.kind, (unsigned long)f.addr);
    task_destroy(&tasks[ti]);
}

static void machd_main(mica_word_t unused)
{
    (void)unused;
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(machd_ep, &badge);
    for (;;) {
        mica_word_t label = KERN_INVALID_TASK, out = 0;
        bool reply = true;
        if (badge & MACHD_IRQ_BADGE) {
            timer_fired();
            reply = false;
        } else if (badge >= 1 && badge <= MACHD_MAX_TASKS && tasks[badge - 1].used &&
                   mica_msginfo_get_label(info) < MACHD_MSG) {
            task_fault((int)badge - 1, info, badge);
            reply = false;
        } else if (badge >= 1 && badge <= MACHD_MAX_TASKS && tasks[badge - 1].used) {
            reply = handle((int)badge - 1, info, &label, &out);
        }
        wake_senders();
        program_timer();
        if (reply) {
            mica_set_mr(0, out);
            info = mica_reply_recv(machd_ep, mica_msginfo_new(label, 0, 0, 1), &badge);
        } else {
            info = mica_recv(machd_ep, &badge);
        }
    }
}

/* The timer's register page (mica_device_map), and its line in *irq; NULL if none. */
static volatile uint64_t *map_timer(const mica_bootinfo_t *bi, mica_word_t *irq)
{
    const mica_device_desc_t *d = mica_device_find(bi, "timer");
    if (!d)
        return NULL;
    *irq = d->irq;
    return (volatile uint64_t *)mica_device_map(env, d);
}

/* Names for --log and --trace: the operations tasks ask machd for, and kern_return_t errors. */
static const mica_idl_trace_method_t trace_ops[] = {
    { MACHD_MSG, "mach.msg" },
    { MACHD_PORT_ALLOCATE, "mach.port_allocate" },
    { MACHD_PORT_DEALLOCATE, "mach.port_deallocate" },
    { MACHD_PORT_DESTROY, "mach.port_destroy" },
    { MACHD_PORT_MOD_REFS, "mach.port_mod_refs" },
    { MACHD_PORT_GET_REFS, "mach.port_get_refs" },
    { MACHD_PORT_TYPE, "mach.port_type" },
    { MACHD_PORT_INSERT_RIGHT, "mach.port_insert_right" },
    { MACHD_PORT_SET_QLIMIT, "mach.port_set_qlimit" },
    { MACHD_PORT_MOVE_MEMBER, "mach.port_move_member" },
    { MACHD_PORT_REQUEST_NOTIFICATION, "mach.port_request_notification" },
    { MACHD_VM_ALLOCATE, "mach.vm_allocate" },
    { MACHD_VM_DEALLOCATE, "mach.vm_deallocate" },
    { MACHD_TASK_SPAWN, "mach.task_spawn" },
    { MACHD_TASK_EXIT, "mach.task_exit" },
    { MACHD_TASK_HELLO, "mach.task_hello" },
};
static const mica_idl_trace_status_t trace_errors[] = {
    { KERN_INVALID_ADDRESS, "KERN_INVALID_ADDRESS" },
    { KERN_NO_SPACE, "KERN_NO_SPACE" },
    { KERN_INVALID_ARGUMENT, "KERN_INVALID_ARGUMENT" },
    { KERN_RESOURCE_SHORTAGE, "KERN_RESOURCE_SHORTAGE" },
    { KERN_NOT_IN_SET, "KERN_NOT_IN_SET" },
    { KERN_NAME_EXISTS, "KERN_NAME_EXISTS" },
    { KERN_INVALID_NAME, "KERN_INVALID_NAME" },
    { KERN_INVALID_TASK, "KERN_INVALID_TASK" },
    { KERN_INVALID_RIGHT, "KERN_INVALID_RIGHT" },
    { KERN_INVALID_VALUE, "KERN_INVALID_VALUE" },
    { KERN_UREFS_OVERFLOW, "KERN_UREFS_OVERFLOW" },
    { KERN_INVALID_CAPABILITY, "KERN_INVALID_CAPABILITY" },
    { KERN_RIGHT_EXISTS, "KERN_RIGHT_EXISTS" },
};
static const mica_idl_trace_iface_t trace_iface = {
    "mach", MACHD_MSG, trace_ops, sizeof trace_ops / sizeof trace_ops[0],
    trace_errors, sizeof trace_errors / sizeof trace_errors[0],
};

kern_return_t machd_start(mica_env_t *e, const char *init_name, mach_task_entry_t init,
                          uintptr_t arg, int prio)
{
    env = e;
    (void)mica_idl_trace_register(&trace_iface);    /* --log: label=256 (mach.msg) */
    memset(tasks, 0, sizeof tasks);
    memset(ports, 0, sizeof ports);
    memset(kmsgs, 0, sizeof kmsgs);
    memset(tmem, 0, sizeof tmem);
    memset(reply_slots, 0, sizeof reply_slots);
    memset(&stats, 0, sizeof stats);
    memset(ool_used, 0, sizeof ool_used);
    timer_armed = false;        /* a fresh machine: its timer is off */
    timer_armed_for = 0;
    mica_word_t irq = 0;
    tmr = map_timer(e->bi, &irq);
    machd_ep = mica_env_make(e, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ntfn = mica_env_make(e, MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t irq_ntfn = ntfn ? mica_env_mint(e, ntfn, MICA_CAN_WRITE, MACHD_IRQ_BADGE) : 0;
    irq_handler = tmr && irq_ntfn ? mica_irq_handler_make(e, irq, irq_ntfn) : 0;
    if (!tmr || !machd_ep || !irq_ntfn || !irq_handler) {
        printf("machd: cannot set up the timer and the endpoint: %s\n", mica_env_error_text(e));
        return KERN_RESOURCE_SHORTAGE;
    }
    mica_cptr_t tcb = mica_thread_spawn(e, "machd", machd_main, 0, MACHD_PRIO);
    if (!tcb || mica_tcb_bind_notification(tcb, ntfn) != MICA_NO_ERROR) {
        printf("machd: cannot start: %s\n", mica_env_error_text(e));
        return KERN_RESOURCE_SHORTAGE;
    }
    int ti = task_new(init_name);
    if (ti < 0)
        return KERN_RESOURCE_SHORTAGE;
    return task_start(ti, init, arg, MACH_PORT_NULL, prio);
}
