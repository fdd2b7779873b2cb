/*
 * types.h - kernel object layouts. Every object lives in simulated physical
 * memory and refers to others by physical address (paddr_t), never by host
 * pointer, so the whole kernel state is position independent.
 *
 *   slot (cte_t), 32 bytes:       TCB object, 2^11 bytes:
 *   +----------------------+      +------------------------+ 0
 *   | cap_t   (16 bytes)   |      | cte_t slots[5]         |  internal CNode
 *   | mdb_node_t (16 bytes)|      +------------------------+ TCB_OFFSET (1024)
 *   +----------------------+      | tcb_t                  |
 *                                 +------------------------+ 2048
 */
#ifndef MICA_KERNEL_TYPES_H
#define MICA_KERNEL_TYPES_H

#include "kernel.h"

/* --- capabilities --------------------------------------------------------
 * 16 bytes: a type tag, two small fields, the object's paddr in two parts
 * and one word. Field use per type is in cap.h; the accessors there are the
 * only code that reads the raw fields. Physical addresses have 44 bits:
 * RAM (at most 64 GiB, so below 2^36: obj alone) and the device region
 * above it (with obj alone, the device untyped above 64 GiB of RAM wrapped
 * to paddr 0, onto the root CNode).
 */
typedef struct cap {
    uint8_t  type;      /* mica_cap_type_t */
    uint8_t  f1;
    uint8_t  f2;
    uint8_t  obj_hi;    /* object paddr >> 36: non-zero only above 64 GiB (device memory) */
    uint32_t obj;       /* object paddr >> 4 (objects are >= 16-byte aligned), low 32 bits */
    uint64_t word;
} cap_t;

#define CAP_PADDR_BITS 44   /* what obj_hi and obj hold */

/*
 * The capability derivation tree, seL4's representation: one doubly linked
 * list in pre-order, each node marked revocable ("original") and
 * first_badged. mica keeps every non-null cap on a single list that starts
 * at a sentinel slot made at boot (ks_mdb_head), so the invariant checker can
 * walk all caps; unrelated neighbours never count as parent and child, so
 * this gives the same answers as seL4's forest.
 */
typedef struct mdb_node {
    uint64_t prev;      /* paddr of previous slot | bit0 revocable | bit1 first_badged */
    uint64_t next;      /* paddr of next slot, 0 = end */
} mdb_node_t;

typedef struct cte {
    cap_t cap;
    mdb_node_t mdb;
} cte_t;

_Static_assert(sizeof(cap_t) == 16, "cap_t is two words");
_Static_assert(sizeof(cte_t) == (1u << MICA_SLOT_BITS), "slot size must match MICA_SLOT_BITS");

#define MDB_REVOCABLE    1ull
#define MDB_FIRST_BADGED 2ull
#define MDB_FLAGS        3ull

/* --- lookup faults and syscall errors (seL4: lookup_fault_t, syscall_error_t) */
typedef struct lookup_fault {
    word_t type;        /* mica_lookup_failure_type_t */
    word_t bits_left;
    word_t guard_found;
    word_t bits_found;
} lookup_fault_t;

typedef struct syscall_error {
    word_t type;                    /* mica_error_t */
    word_t invalid_argument_number;
    word_t invalid_cap_number;
    word_t range_min, range_max;
    word_t memory_left;
    word_t failed_lookup_was_source;
} syscall_error_t;

/* --- threads ------------------------------------------------------------- */
typedef struct thread_state {
    word_t type;                /* mica_thread_state_t */
    paddr_t blocking_object;    /* endpoint/notification waited on */
    word_t badge;               /* BlockedOnSend: the badge of the sender's cap */
    uint8_t can_grant;          /* BlockedOnSend/Receive */
    uint8_t can_grant_reply;    /* BlockedOnSend */
    uint8_t is_call;            /* BlockedOnSend */
    uint8_t pad[5];
} thread_state_t;

/* A pending fault (seL4: seL4_Fault_t). */
typedef struct fault {
    word_t type;                /* MICA_FAULT_* */
    word_t w[4];
} fault_t;

/* Register indices into tcb_t.regs, in mica_user_context_t order. */
enum {
    REG_PC = 0, REG_SP, REG_R0, REG_R1, REG_R2, REG_R3, REG_R4, REG_R5, REG_R6, REG_R7, REG_TLS,
    N_REGS
};
/*
 * The other words of seL4's x86_64 register file (MICA_ARCH_FLAGS_SEL4_X86_64),
 * in tcb_t.xregs: nothing in mica reads them, a task's WriteRegisters sets
 * them and ReadRegisters returns them. Their register numbers in tcb.c are
 * N_REGS + XREG_*.
 */
enum {
    XREG_RFLAGS = 0, XREG_RAX, XREG_RBX, XREG_RBP, XREG_R12, XREG_R13, XREG_R14, XREG_R15,
    XREG_GS_BASE, N_XREGS
};
#define X86_RFLAGS_INIT 0x202u  /* interrupts on, bit 1 (=seL4 Arch_initContext FLAGS_USER_DEFAULT) */

/* Syscall register convention: r0 cap/badge, r1 msginfo, r2..r5 MR0..MR3, r7 syscall. */
#define REG_CAP     REG_R0
#define REG_BADGE   REG_R0
#define REG_INFO    REG_R1
#define REG_MR0     REG_R2
#define REG_SYSNO   REG_R7

/* TCB internal CNode slots (=seL4 non-MCS tcbCNodeEntries). */
enum { TCB_CTABLE = 0, TCB_VTABLE = 1, TCB_REPLY = 2, TCB_CALLER = 3, TCB_BUFFER = 4 };

#define TCB_FLAG_START      1u  /* registers were written: start afresh at pc */
#define TCB_FLAG_QUEUED     2u  /* on a ready queue (seL4: tcbQueued) */
#define TCB_FLAG_EXITED     4u  /* its entry function returned */
#define TCB_FLAG_TRAPPED    8u  /* stopped by a trap in task code: resumes at the trap */
#define TCB_FLAG_TRAP_PC    16u /* regs[REG_PC] is where it trapped: resume there, never start there */
#define TCB_FLAG_STALLED    32u /* SMP: taken from a CPU whose host still runs its task code (state.h) */
#define TCB_FLAG_NEXT_PC    64u /* suspended after a completed system call: Restart continues after it
                                   (seL4: updateRestartPC), it does not make the call again */

typedef struct tcb {
    thread_state_t state;
    paddr_t recv_ep;                /* the endpoint of its last Recv: the deadlock report
                                       names the thread that serves an endpoint by it */
    fault_t fault;                  /* pending fault, type NULL if none */
    lookup_fault_t lookup_failure;  /* for cap faults */
    word_t regs[N_REGS];
    uint8_t priority;
    uint8_t mcp;
    uint8_t domain;
    uint8_t pad0;
    uint32_t flags;                 /* TCB_FLAG_* */
    word_t time_slice;
    cptr_t fault_handler;           /* CPtr in the thread's CSpace (non-MCS) */
    word_t ipc_buffer;              /* vaddr */
    paddr_t bound_notification;
    word_t affinity;
    paddr_t sched_next, sched_prev; /* ready queue links (TCB object paddrs) */
    paddr_t ep_next, ep_prev;       /* endpoint/notification queue links */
    int32_t ctx;                    /* host execution context, -1 = none */
    uint32_t exits;                 /* times its entry function returned */
    char name[32];                  /* mica_debug_name_thread */
    word_t xregs[N_XREGS];          /* kept x86_64 registers (XREG_*) */
} tcb_t;

#define TCB_OFFSET 1024u
_Static_assert(sizeof(tcb_t) <= (1u << MICA_TCB_BITS) - TCB_OFFSET, "tcb_t must fit the TCB object");
_Static_assert(MICA_TCB_CNODE_ENTRIES * sizeof(cte_t) <= TCB_OFFSET, "TCB CNode must fit");

static inline tcb_t *tcb_ptr(paddr_t tcb) { return (tcb_t *)paddr_to_ptr(tcb + TCB_OFFSET); }
static inline cte_t *tcb_slot(paddr_t tcb, unsigned i) { return (cte_t *)paddr_to_ptr(tcb) + i; }
static inline paddr_t tcb_of_slot_paddr(paddr_t slot) { return slot & ~MASK(MICA_TCB_BITS); }

/* --- endpoints and notifications (seL4: endpoint_t, notification_t) ------ */
enum { EP_IDLE = 0, EP_SEND = 1, EP_RECV = 2 };
typedef struct endpoint {
    paddr_t head_state;     /* queue head TCB | state in bits 0-1 */
    paddr_t tail;           /* queue tail TCB */
} endpoint_t;
_Static_assert(sizeof(endpoint_t) == (1u << MICA_ENDPOINT_BITS), "endpoint size");

enum { NTFN_IDLE = 0, NTFN_WAITING = 1, NTFN_ACTIVE = 2 };
typedef struct notification {
    paddr_t head_state;     /* queue head TCB | state in bits 0-1 */
    paddr_t tail;
    word_t msg_identifier;  /* the notification word */
    paddr_t bound_tcb;
} notification_t;
_Static_assert(sizeof(notification_t) == (1u << MICA_NOTIFICATION_BITS), "notification size");

/* --- paging (docs/api.md geometry) --------------------------------------
 * A VSpace root and a page table are each 512 8-byte entries:
 *   bits 63..12 paddr | bit 3 large frame | bit 2 table | bit 1 R | bit 0 W
 * An entry is empty when it is 0.
 */
typedef uint64_t pte_t;
#define PTE_W       1ull
#define PTE_R       2ull
#define PTE_TABLE   4ull
#define PTE_LARGE   8ull
#define PTE_FRAME   16ull
#define PTE_PADDR(e) ((e) & ~MASK(12))

#endif /* MICA_KERNEL_TYPES_H */
