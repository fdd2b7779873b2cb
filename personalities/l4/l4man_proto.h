/*
 * l4man_proto.h - the private layout shared by the L4 library and l4man:
 * the slots of an L4 task's CNode, the addresses of its VSpace, the
 * badges of the endpoint caps l4man hands out, the labels of L4 messages
 * and of the requests to l4man.
 */
#ifndef L4MAN_PROTO_H
#define L4MAN_PROTO_H

#include <l4/l4.h>

/* --- an L4 task's CNode (2^8 slots) ---------------------------------------------- */
#define L4_CNODE_BITS      8
#define L4_SLOT_MAN        5        /* l4man's endpoint, badged L4B_MAN | task */
#define L4_SLOT_MYEP       8        /* + lthread: the thread's own endpoint (receive) */
#define L4_SLOT_FAULT      16       /* + lthread (1..7): its fault endpoint (lthread 0: slot 4) */
#define L4_SLOT_DECEIT     24       /* + lthread: the chief's deceiving cap, minted per send */
#define L4_SLOT_REPLY      32       /* + lthread * L4_SAVED: saved reply caps */
#define L4_SAVED           4
#define L4_SLOT_TABLE      64       /* + task * L4_MAX_LTHREADS + lthread: the thread table */

static inline mica_word_t l4_table_slot(unsigned task, unsigned lthread)
{
    return L4_SLOT_TABLE + task * L4_MAX_LTHREADS + lthread;
}

/* --- its VSpace ----------------------------------------------------------------------- */
#define L4_UTCB_VADDR      0x110000ul      /* one page: the library's per-task state */
#define L4_STACKS_VADDR    0x120000ul      /* lthreads 1..7: IPC buffer, guard, L4_STACK_PAGES of stack */
#define L4_STACK_PAGES     16
#define L4_THREAD_AREA     ((L4_STACK_PAGES + 2) * 4096ul)
#define L4_ANON_BASE       0x400000ul      /* sigma0 gives fresh pages on faults in [BASE, END) */
#define L4_ANON_END        0x40000000ul

/* --- badges ------------------------------------------------------------------------------- */
/* An L4 IPC cap: sender task, intended destination, redirected / deceived. */
#define L4B_SRC_TASK(b)    ((unsigned)((b) & 0x7ff))
#define L4B_SRC_LTHREAD(b) ((unsigned)(((b) >> 11) & 0x7f))    /* faults only */
#define L4B_DST_TASK(b)    ((unsigned)(((b) >> 18) & 0x7ff))
#define L4B_DST_LTHREAD(b) ((unsigned)(((b) >> 29) & 0x7f))
#define L4B_MAKE(st, sl, dt, dl) ((mica_word_t)(st) | ((mica_word_t)(sl) << 11) | \
                                  ((mica_word_t)(dt) << 18) | ((mica_word_t)(dl) << 29))
#define L4B_REDIRECTED     (1ul << 40)
#define L4B_DECEITED       (1ul << 41)
#define L4B_FAULT          (1ul << 42)     /* a fault of thread (SRC_TASK, SRC_LTHREAD) */
#define L4B_TIMEOUT        (1ul << 43)     /* l4man: a receive timeout, MR0 = its sequence number */
#define L4B_MAN            (1ul << 44)     /* a task's cap to l4man: SRC_TASK is the caller */
#define L4B_IRQ            (1ul << 45)     /* l4man's timer notification */
#define L4B_IPC            (1ul << 46)     /* every thread-table cap */

/* --- labels of L4 messages ------------------------------------------------------------------ */
#define L4L_MAGIC          0x4c0000ul      /* set on every message the library sends */
#define L4L_MAGIC_MASK     0xff0000ul
#define L4L_LTHREAD(l)     ((unsigned)((l) & 0x7f))   /* the sender's lthread */
#define L4L_CALL           0x80ul          /* the sender waits for a reply on its reply cap */
#define L4L_FPAGE          0x100ul         /* w1 is an fpage l4mm has mapped at w0 */
#define L4L_STRINGS(l)     ((unsigned)(((l) >> 9) & 7))
#define L4L_STRINGS_SET(n) ((mica_word_t)(n) << 9)
#define L4L_CUT            0x1000ul        /* a string was cut on the way (a parked message) */

/* --- requests to l4man (label; arguments MR0..) ------------------------------------------- */
enum l4man_op {
    L4M_RESOLVE = 0x4d00,   /* dest -> nearest; fills the table slot of dest */
    L4M_NEAREST,            /* dest -> nearest (nothing filled) */
    L4M_CHIEF_PREP,         /* lthread, dest, fake_src -> mints the lthread's deceit slot */
    L4M_ARM,                /* lthread, timeout_us, seq -> deadline (label 1: already passed) */
    L4M_TASK_NEW,           /* dest, prio, entry, arg, pager -> id */
    L4M_THREAD_NEW,         /* lthread, prio, entry, arg -> id */
    L4M_MAP,                /* dest task, fpage, dest vaddr, caller lthread */
    L4M_FLUSH,              /* fpage, mask */
    L4M_EXIT,               /* lthread (no reply) */
    L4M_REARM,              /* lthread, deadline, seq (label 1: already passed) */
    L4M_OP_END
};
/* Replies: label 0 = done, else an L4 error code (L4_IPC_ENOT_EXISTENT for a bad request). */

/* --- the library's state in a task (at L4_UTCB_VADDR) ------------------------------------- */
#define L4_PENDING 4

typedef struct {
    bool used;
    l4_threadid_t src, dest;
    uint32_t flags;             /* l4_msgdope_t bits */
    l4_umword_t w0, w1;
    bool call;                  /* its reply cap is saved under src */
    uint64_t order;
} l4_pending_t;

typedef struct {
    uint64_t seq;               /* of the current receive timeout */
    l4_threadid_t last_dest;
    bool reply_valid;           /* the TCB's reply cap answers reply_to */
    l4_threadid_t reply_to;
    bool saved_used[L4_SAVED];
    l4_threadid_t saved_id[L4_SAVED];
    uint64_t saved_order[L4_SAVED];
    l4_pending_t pend[L4_PENDING];
    uint64_t order;
} l4_thread_state_t;

typedef struct {
    uint8_t resolved[L4_MAX_TASKS * L4_MAX_LTHREADS];
    l4_thread_state_t th[L4_MAX_LTHREADS];
} l4_utcb_t;

/* A thread's user data: L4_UD_TAG | task << 7 | lthread. */
#define L4_UD_TAG (1ul << 62)

/* The first code of an L4 thread: r0 = entry, r1 = arg, r2 = its id's raw value. */
void l4_thread_trampoline(mica_word_t entry, mica_word_t arg, mica_word_t id, mica_word_t unused);

#endif
