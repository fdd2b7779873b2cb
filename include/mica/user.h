/*
 * mica/user.h - the user-level support library (in the spirit of seL4's
 * vka, simple and sel4utils, much smaller). Everything here is ordinary
 * task code built from the system calls of docs/api.md; read src/user/ to see
 * the invocations it makes.
 *
 *   allocation   mica_env_t hands out the root CNode's empty slots, carves
 *                objects out of the boot untypeds and reserves virtual
 *                address ranges of the caller's VSpace (src/user/thread.c)
 *   memory       map a frame, creating the page table on demand; map N
 *                fresh frames at a range (src/user/vspace.c)
 *   threads      a thread in the caller's CSpace and VSpace, on a host
 *                stack or on a stack of frames mapped in that VSpace
 *   processes    a thread with its own CSpace (a guarded CNode) and VSpace
 *                (stack, IPC buffer), its fault endpoint copied in
 *                (src/user/process.c)
 *   IPC          a call with N words, a server loop, fault decoding
 *                (src/user/ipc.c)
 *   locks        a mutex for threads that share memory, which waits in
 *                mica's kernel, never in the host (src/user/mutex.c)
 *
 *     mica_env_t env;
 *     mica_env_init(&env, bi);
 *     mica_cptr_t ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
 *     mica_thread_spawn(&env, "server", server, ep, 100);
 *
 *     mica_cptr_t frames;
 *     mica_user_map_pages(&env, MICA_CAP_INIT_VSPACE, 0x20000000, 16, MICA_READ_WRITE, &frames);
 *     memset(mica_vaddr_to_ptr(0x20000000), 0, 16 * 4096);
 *
 * A call that returns a cptr returns 0 on failure and leaves the reason in
 * env->error; a call that returns mica_error_t returns the reason. Either
 * way mica_env_error_text(env) says it in words. Running out of a resource
 * - free slots of the root CNode (MICA_RANGE_ERROR), untyped memory
 * (MICA_NOT_ENOUGH_MEMORY), free virtual addresses (MICA_NOT_ENOUGH_MEMORY)
 * - is also printed on stderr, once per env and resource, naming the limit:
 *
 *     mica: no free slot in the root CNode (4096 slots): ...
 */
#ifndef MICA_USER_H
#define MICA_USER_H

#include <mica/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- allocation ------------------------------------------------------------ */

#define MICA_ENV_FREE_SLOTS 64      /* slots given back and not yet reused */

typedef struct mica_env {
    const mica_bootinfo_t *bi;
    mica_cptr_t next_slot;      /* next never-used empty slot of the root CNode */
    mica_cptr_t untyped;        /* the untyped objects are carved from first */
    mica_word_t next_vaddr;     /* next free vaddr of the caller's VSpace (from MICA_ROOT_FREE_VADDR) */
    mica_error_t error;         /* why the last call that returned 0 failed */
    mica_word_t page_tables;    /* paging structures mica_user_map has made (and kept) so far */
    unsigned nfree;             /* slots given back with mica_env_slot_free */
    mica_cptr_t free_slots[MICA_ENV_FREE_SLOTS];
    unsigned reported;          /* resources whose exhaustion was printed (one bit each) */
    char why[192];              /* mica_env_error_text */
} mica_env_t;

/* Start handing out the empty slots and untyped memory listed in bi. */
void mica_env_init(mica_env_t *env, const mica_bootinfo_t *bi);

/*
 * Why the last call that failed failed, in words: "no free slot in the root
 * CNode (4096 slots)", "Untyped_Retype: InvalidArgument"; "" if none has.
 */
const char *mica_env_error_text(const mica_env_t *env);

/*
 * An empty slot of the root CNode (a freed one first); 0 when none is left,
 * with env->error MICA_RANGE_ERROR - what Untyped_Retype answers for a slot
 * past the CNode's end - not NotEnoughMemory, which means untyped memory.
 */
mica_cptr_t mica_env_slot(mica_env_t *env);

/*
 * n consecutive empty slots; the first, or 0 (MICA_RANGE_ERROR) when the
 * empty region has no n left.
 */
mica_cptr_t mica_env_slots(mica_env_t *env, mica_word_t n);

/*
 * Delete the cap in slot (if any) and give the slot back for reuse. Slots
 * beyond the MICA_ENV_FREE_SLOTS kept are emptied but not reused.
 */
void mica_env_slot_free(mica_env_t *env, mica_cptr_t slot);

/*
 * Retype one object of type (size_bits for untyped and CNode objects, 0
 * otherwise) into a fresh slot; the largest boot untyped is used first,
 * then any other with room. Returns the slot, or 0 with env->error set
 * (MICA_NOT_ENOUGH_MEMORY when no untyped has room, MICA_RANGE_ERROR when
 * no slot is free).
 */
mica_cptr_t mica_env_make(mica_env_t *env, mica_word_t type, mica_word_t size_bits);

/* n objects in n consecutive slots (from one untyped when one has room); the first slot, or 0. */
mica_cptr_t mica_env_make_n(mica_env_t *env, mica_word_t type, mica_word_t size_bits,
                            mica_word_t n);

/* Mint a copy of the cap at src with rights and badge into a fresh slot; 0 on error. */
mica_cptr_t mica_env_mint(mica_env_t *env, mica_cptr_t src, mica_cap_rights_t rights,
                          mica_word_t badge);

/*
 * Reserve pages pages of the caller's own VSpace above MICA_ROOT_FREE_VADDR,
 * followed by an unmapped guard page; returns the first vaddr (nothing is
 * mapped), or 0 (MICA_NOT_ENOUGH_MEMORY) when the 2^47 bytes are used up.
 */
mica_word_t mica_env_vaddr(mica_env_t *env, mica_word_t pages);

/* --- memory ------------------------------------------------------------------ */

/*
 * Map frame at vaddr of vspace with rights, creating (and keeping) each
 * missing paging level above it - PDPT, page directory, page table - as the
 * FailedLookup of the first try names it (env->page_tables counts them all). seL4's
 * error codes otherwise: the mapping rules are Page_Map's (docs/api.md
 * "VSpaces, page tables and frames").
 */
mica_error_t mica_user_map(mica_env_t *env, mica_cptr_t vspace, mica_word_t vaddr,
                           mica_cptr_t frame, mica_cap_rights_t rights);

/*
 * Retype npages fresh 4 KiB frames into consecutive slots and map them at
 * [vaddr, vaddr + npages * 4096) of vspace; *frames (if not NULL) gets the
 * first frame's slot. Frames retyped together are physically contiguous,
 * so the host maps the whole range as one mapping.
 */
mica_error_t mica_user_map_pages(mica_env_t *env, mica_cptr_t vspace, mica_word_t vaddr,
                                 mica_word_t npages, mica_cap_rights_t rights, mica_cptr_t *frames);

/* Page_Unmap the npages frame caps at slots first, first + 1, ... */
mica_error_t mica_user_unmap_pages(mica_cptr_t first, mica_word_t npages);

/* --- devices ------------------------------------------------------------------- */

/* The device called name in the boot info's device table ("timer", "uart0"...), or NULL. */
const mica_device_desc_t *mica_device_find(const mica_bootinfo_t *bi, const char *name);

/*
 * Map d's register page read-write into the caller's VSpace: its frame is
 * retyped from the device untyped that covers it (frames come out in
 * address order, so pages before it are retyped and left unused). The
 * registers' address, or NULL (env says why).
 */
volatile void *mica_device_map(mica_env_t *env, const mica_device_desc_t *d);

/* An IRQHandler cap for line irq that signals ntfn; 0 on error (env says why). */
mica_cptr_t mica_irq_handler_make(mica_env_t *env, mica_word_t irq, mica_cptr_t ntfn);

/* --- threads -------------------------------------------------------------------- */

/* An entry point: pc of a new thread, called with its r0..r3. */
typedef void (*mica_entry_fn)(mica_word_t r0, mica_word_t r1, mica_word_t r2, mica_word_t r3);
typedef void (*mica_thread_fn)(mica_word_t arg);

typedef struct mica_thread_config {
    const char *name;           /* for traces and deadlock reports; may be NULL */
    mica_word_t prio;           /* the caller's TCB is the authority */
    mica_cptr_t fault_ep;       /* a CPtr in the caller's CSpace; 0 = no fault handler */
    mica_word_t stack_pages;    /* 0 = a host stack; else frames mapped in the caller's VSpace */
} mica_thread_config_t;

typedef struct mica_thread {
    mica_cptr_t tcb;
    mica_cptr_t ipc_frame;
    mica_word_t ipc_vaddr;      /* mapped there when the thread has a VSpace stack */
    mica_cptr_t stack_frames;   /* first of stack_pages consecutive frame caps; 0 = host stack */
    mica_word_t stack_pages;
    mica_word_t stack_top;      /* the vaddr its sp starts at; 0 = host stack */
} mica_thread_t;

/*
 * Make a thread in the caller's CSpace and VSpace: TCB, IPC buffer frame,
 * and with stack_pages a stack of that many frames mapped read-write in
 * the caller's VSpace between unmapped guard pages (so overflowing it is a
 * VM fault at the page below the stack). It does not run until
 * mica_thread_start.
 */
mica_error_t mica_thread_create(mica_env_t *env, const mica_thread_config_t *cfg,
                                mica_thread_t *t);

/* Start (or restart afresh) t at entry(r0, r1, r2, r3) on its stack. */
mica_error_t mica_thread_start(const mica_thread_t *t, mica_entry_fn entry, mica_word_t r0,
                               mica_word_t r1, mica_word_t r2, mica_word_t r3);

/*
 * Start a thread running fn(arg) at priority prio, named name (may be
 * NULL), in the caller's CSpace and VSpace, on a host stack, with its own
 * IPC buffer frame and no fault handler. It becomes inactive when fn
 * returns. Returns its TCB cap, or 0 with env->error set.
 */
mica_cptr_t mica_thread_spawn(mica_env_t *env, const char *name, mica_thread_fn fn,
                              mica_word_t arg, mica_word_t prio);

/* --- processes ---------------------------------------------------------------- */

/* A process's own CSpace: these slots are filled by mica_process_create. */
#define MICA_PROCESS_CAP_TCB        1   /* its TCB */
#define MICA_PROCESS_CAP_CNODE      2   /* its CNode, guarded like its CSpace root */
#define MICA_PROCESS_CAP_VSPACE     3   /* its VSpace */
#define MICA_PROCESS_CAP_FAULT_EP   4   /* its fault endpoint (a copy of cfg->fault_ep) */
#define MICA_PROCESS_FIRST_FREE     8   /* mica_process_give fills slots from here */

/* Its VSpace: a PDPT, page directory and page table for [0, 2 MiB), everything from
 * MICA_ROOT_FREE_VADDR up free. */
#define MICA_PROCESS_IPC_BUFFER_VADDR 0x1000ul
#define MICA_PROCESS_STACK_TOP        0x100000ul

#define MICA_PROCESS_DEFAULT_CNODE_BITS 10
#define MICA_PROCESS_DEFAULT_STACK_PAGES 16

typedef struct mica_process_config {
    const char *name;
    mica_word_t prio;
    unsigned cnode_bits;        /* 0 = MICA_PROCESS_DEFAULT_CNODE_BITS */
    mica_word_t stack_pages;    /* 0 = MICA_PROCESS_DEFAULT_STACK_PAGES (at most 250) */
    mica_cptr_t fault_ep;       /* in the caller's CSpace; 0 = none */
    mica_word_t fault_badge;    /* the badge of the copy (0 = copy it unchanged) */
} mica_process_config_t;

/* The caps below are in the caller's CSpace. */
typedef struct mica_process {
    mica_cptr_t tcb, cnode, vspace, pdpt, page_directory, page_table, ipc_frame;
    mica_cptr_t stack_frames;   /* first of stack_pages consecutive frame caps */
    mica_word_t stack_pages;
    unsigned cnode_bits;
    mica_word_t next_slot;      /* next slot of its CNode mica_process_give fills */
} mica_process_t;

/*
 * Make a process: a CNode of 2^cnode_bits slots with a guard of
 * 64 - cnode_bits bits, so plain slot numbers are CPtrs in it at depth 64;
 * a VSpace with a page table, the IPC buffer mapped at
 * MICA_PROCESS_IPC_BUFFER_VADDR and a stack below MICA_PROCESS_STACK_TOP;
 * a TCB configured with them, its fault endpoint, priority and name. The
 * MICA_PROCESS_CAP_* slots hold its own caps. It does not run until
 * mica_process_start.
 */
mica_error_t mica_process_create(mica_env_t *env, const mica_process_config_t *cfg,
                                 mica_process_t *p);

/*
 * Copy (mint, with rights and badge) the cap at cap of the caller's CSpace
 * into the next free slot of p's CSpace. Returns that slot - the CPtr the
 * process uses - or 0 on error (mica_process_give_ex says why).
 */
mica_cptr_t mica_process_give(mica_process_t *p, mica_cptr_t cap, mica_cap_rights_t rights,
                              mica_word_t badge);

/* Start (or restart afresh) p at entry(r0, r1, r2, r3) on its own stack. */
mica_error_t mica_process_start(const mica_process_t *p, mica_entry_fn entry, mica_word_t r0,
                                mica_word_t r1, mica_word_t r2, mica_word_t r3);

/*
 * Why mica_process_give_ex or mica_process_start_ex failed: seL4's error,
 * the step that gave it and that step's error details, and all of it in
 * words, e.g.
 *
 *     mica_process_give: CNode_Copy of the caller's slot 300 into its slot 8:
 *     FailedLookup (the caller's slot 300 is empty)
 */
typedef struct mica_process_error {
    mica_error_t error;         /* MICA_NO_ERROR when the call succeeded */
    const char *step;           /* "CNode_Copy", "CNode_Mint", "TCB_WriteRegisters",
                                   "its CSpace is full" or "no CSpace"; NULL when the call succeeded */
    mica_word_t detail[2];      /* MR0 and MR1 after the failed invocation (seL4's error
                                   details: FailedLookup's source flag and failure type,
                                   RangeError's bounds); 0 when no invocation failed */
    char text[192];             /* the reason in words; "" when the call succeeded */
} mica_process_error_t;

/*
 * mica_process_give that also says why it failed: *why (if not NULL) is
 * filled, on success too. A full CSpace is MICA_RANGE_ERROR.
 */
mica_cptr_t mica_process_give_ex(mica_process_t *p, mica_cptr_t cap, mica_cap_rights_t rights,
                                 mica_word_t badge, mica_process_error_t *why);

/* mica_process_start that also says why it failed: *why (if not NULL) is filled. */
mica_error_t mica_process_start_ex(const mica_process_t *p, mica_entry_fn entry, mica_word_t r0,
                                   mica_word_t r1, mica_word_t r2, mica_word_t r3,
                                   mica_process_error_t *why);

/*
 * Delete the process: its thread stops, its CNode (and every cap in it),
 * VSpace (every mapping in it), page table and frames go, and the
 * caller's slots are given back to env. Frame caps of the caller that were
 * mapped in its VSpace keep a stale mapping; Page_Unmap clears it.
 */
void mica_process_destroy(mica_env_t *env, mica_process_t *p);

/* --- IPC -------------------------------------------------------------------------- */

/*
 * Call ep with label and the n words of in (n <= MICA_MSG_MAX_LENGTH) as
 * MR0..; copy at most nout words of the reply into out (may be NULL).
 * Returns the reply's message info.
 */
mica_msginfo_t mica_call_words(mica_cptr_t ep, mica_word_t label, const mica_word_t *in,
                               mica_word_t n, mica_word_t *out, mica_word_t nout);

/* What a server's request handler decides. */
typedef enum mica_server_action {
    MICA_SERVER_REPLY,      /* reply with *reply, then wait for the next request */
    MICA_SERVER_NO_REPLY,   /* wait for the next request without replying */
    MICA_SERVER_STOP,       /* reply with *reply and return from mica_server_loop */
} mica_server_action_t;

/*
 * A request: its badge and message info, MR0.. readable with mica_get_mr.
 * Set the reply's words with mica_set_mr and its info in *reply (it starts
 * as an empty message with label 0).
 */
typedef mica_server_action_t (*mica_server_fn)(void *ctx, mica_word_t badge,
                                               mica_msginfo_t request, mica_msginfo_t *reply);

/* Receive on ep and answer each request with fn (ReplyRecv), until fn says stop. */
void mica_server_loop(mica_cptr_t ep, mica_server_fn fn, void *ctx);

/* A fault message decoded (docs/api.md "Faults"); fields that the kind has not are 0. */
typedef struct mica_fault {
    mica_word_t kind;           /* MICA_FAULT_* (the message label) */
    mica_word_t badge;          /* of the fault endpoint cap: says who faulted */
    mica_word_t ip;             /* where */
    mica_word_t addr;           /* VM fault: the vaddr; cap fault: the CPtr */
    mica_word_t write;          /* VM fault: 1 for a write (FSR bit 1) */
    mica_word_t prefetch;       /* VM fault: 1 for an instruction fetch */
    mica_word_t fsr;            /* VM fault: the fault status */
    mica_word_t number;         /* user exception: the host signal */
    mica_word_t code;           /* user exception: its si_code */
    mica_word_t sp;             /* user exception: the stack pointer */
} mica_fault_t;

/* Decode the fault message just received (info, badge) from MR0... */
mica_fault_t mica_fault_decode(mica_msginfo_t info, mica_word_t badge);

/* --- locks ------------------------------------------------------------------------ */

/*
 * A mutex for task threads that share memory. Taking a free one is one
 * atomic instruction in task code; a thread that finds it taken waits on
 * the mutex's notification, in mica's kernel, and the unlocker signals the
 * notification only when someone may be waiting (a futex's protocol, the
 * notification standing in for the futex).
 *
 * Use it, not a pthread mutex or semaphore, between task threads: those
 * wait in the host, where the simulated CPU stops with its waiter - under
 * --clock real the holder, preempted on the same CPU, can then never run
 * to release it, and the whole simulator hangs (the watchdog reports it).
 * A mica_mutex_t waiter blocks only its own thread; the holder runs and
 * releases it. Works the same with the virtual clock and on several CPUs.
 *
 *     mica_mutex_t m;
 *     mica_mutex_init(&env, &m);      (once, before the threads use it)
 *     mica_mutex_lock(&m);  counter++;  mica_mutex_unlock(&m);
 *
 * Not recursive; unlocking a mutex the caller does not hold is undefined,
 * as for a pthread mutex. The threads need the notification cap in their
 * CSpace (threads sharing the caller's CSpace, as mica_thread_spawn makes
 * them, have it).
 */
typedef struct mica_mutex {
    int state;                  /* 0 free, 1 held, 2 held and a thread may be waiting (atomic) */
    mica_cptr_t ntfn;           /* the notification waiters block on */
} mica_mutex_t;

/* Make m's notification (with env) and leave m unlocked. */
mica_error_t mica_mutex_init(mica_env_t *env, mica_mutex_t *m);

/* Take m, waiting in the kernel while another thread holds it. */
void mica_mutex_lock(mica_mutex_t *m);

/* Release m (held by the caller); a waiting thread, if any, is woken to take it. */
void mica_mutex_unlock(mica_mutex_t *m);

/* Take m if it is free: 1 when the caller now holds it, 0 when another thread does. */
int mica_mutex_trylock(mica_mutex_t *m);

#ifdef __cplusplus
}
#endif

#endif /* MICA_USER_H */
