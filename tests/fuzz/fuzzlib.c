/*
 * fuzzlib.c - the random system behind mica-fuzz, the libFuzzer harness and
 * the isolation tests (see fuzzlib.h for the picture).
 *
 * Threads of a run, by priority:
 *
 *   255  root task while it builds the system
 *   254  "fz-fault": the fault handler (one endpoint, badge = task + 1);
 *        B's three threads (isolation), blocked for the whole run
 *   1..150  the tasks "fz0".."fzN" (MCP up to 200, so no task can rise
 *        above the handler); tasks may move each other anywhere below
 *     0  the root task again, now the watchdog
 *
 * Every task runs task_entry(): check the budget, count one operation,
 * draw one operation and issue it. An operation is one system call or
 * invocation (through the public stubs, or raw registers), or a deliberate
 * trap: a memory access in the task's VSpace, a NULL write, a division by
 * zero. Blocking calls are allowed; when every task is blocked the
 * watchdog runs and starts blocked tasks afresh (Configure, priorities,
 * WriteRegisters + Resume), so the run always reaches its budget.
 *
 * What tasks get: pool objects (endpoints, notifications, frames, page
 * tables) carved from pool untypeds that are then moved into tasks' CNodes,
 * so a task can revoke objects others wait on or map; an untyped copy of
 * their own; copies of each other's TCBs and CNodes. Their TCBs, IPC
 * buffers and VSpaces come from untypeds no task holds, so the fault
 * handler and the watchdog can always put a task back in order.
 *
 * The generator keeps a host-side guess (`hint`) of what each slot of the
 * tasks' CNodes holds, from the setup and from the tasks' own successful
 * CNode operations, and picks "a cap of type X" from it most of the time;
 * the guess may be stale, which is part of the game.
 *
 * Oracles besides the kernel's invariant checker: system B must stay
 * byte-identical (isolation_check), and a failed invocation must leave the
 * kernel state as it was (atomicity_step). Both read kernel state as
 * kernel code does, under the kernel lock (sim_task_kernel_call).
 *
 * Several CPUs (mica_config_t.cpus): the tasks are spread over the CPUs
 * and run in parallel. What one thread running task code changes alone -
 * its PRNG, its atomicity snapshot - lives on its stack (actor_t); what
 * threads share - the budget, counters, the cap-type guesses - is updated
 * with atomics; the watchdog tells "CPU 0 is idle" from "every task is
 * blocked" by host time (progress_elsewhere). Such a run is not
 * deterministic.
 *
 * Task code never keeps a pointer to its IPC buffer across a system call
 * (another thread may change or delete the buffer meanwhile).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <mica/device.h>
#include "fuzzlib.h"
#include "state.h"
#include "cap.h"
#include "cspace.h"

/* The simulated trap instruction (sim/syscall.c), which the stubs use too. */
void sim_trap(hw_word_t regs[8]);
/* Run fn(k) as kernel code: no preemption, the kernel lock, a safe stack (sim/syscall.c). */
void sim_task_kernel_call(void (*fn)(hw_word_t k[8]), hw_word_t k[8]);

/*
 * Bookkeeping that threads share - counters, the cap-type guesses, the
 * budget - is updated with relaxed atomics: with several CPUs, task code
 * runs truly in parallel (and an IPI can preempt it anywhere).
 */
#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define ADD(x, v) __atomic_fetch_add(&(x), (v), __ATOMIC_RELAXED)

#define RADIX 6                 /* every task CNode: 64 slots */
#define SLOTS (1u << RADIX)
#define TOP_RADIX 2             /* the top CNode of a two-level CSpace */
#define MAX_CNODES (FZ_MAX_TASKS * 2 + 16)
#define HINT_UNKNOWN 0xfe       /* a cap arrived by IPC: type not known */
/* Frames by size: MICA_CAP_TYPE_FRAME is a 4 KiB one; these are 2 MiB and 1 GiB frames. */
#define HINT_LARGE_FRAME 0xe0
#define HINT_HUGE_FRAME 0xe1
/* Device caps (an untyped or frame of device d of the boot info's table), kept apart from the rest. */
#define HINT_DEV_UT(d) (0xf0 + (d))
#define HINT_DEV_FRAME(d) (0xf8 + (d))
#define IS_HINT_DEV_UT(h) ((h) >= 0xf0 && (h) < 0xf0 + MICA_MAX_DEVICES)
#define IS_HINT_DEV_FRAME(h) ((h) >= 0xf8 && (h) < 0xf8 + MICA_MAX_DEVICES)
#define DEV_PAGES_FROM 32       /* device frames go to pages 32..63 of regions 1..3 */
#define DMAP 16                 /* device mappings remembered (fz.dmap) */

enum dev_kind { DEV_OTHER, DEV_TIMER, DEV_UART, DEV_BLK, DEV_FZ };
#define REGION(k) ((mica_word_t)(k) << MICA_LARGE_PAGE_BITS)   /* k-th 2 MiB region */
#define NREGIONS 3              /* regions 1..3 hold page tables */
#define SPARE_FRAMES 8
#define PLACES 32               /* vaddrs where a paging object or frame was mapped (fz.place) */
/*
 * Where build() gives every VSpace a PDPT, a page directory and a page
 * table besides the first GiB's: a GiB in PML4 slot 1 and the last GiB
 * below 2^47, so that maps across the 47 bits find upper levels there.
 */
#define HIGH_GIB_A 0xa000000000ull
#define HIGH_GIB_B (BIT(MICA_VADDR_BITS) - BIT(MICA_HUGE_PAGE_BITS))
#define SPARE_PTS 3

/* --- decisions: a PRNG, or the bytes of a libFuzzer input ------------------- */

typedef struct rng {
    uint64_t s;
    int from_input;             /* byte mode: this stream reads the input (the tasks' streams) */
} rng_t;

uint64_t fz_mix(uint64_t seed, uint64_t n)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ull * (n + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The bytes, shared by every thread of a byte-mode run. */
static const uint8_t *in_bytes;
static size_t in_n, in_pos;
static int in_exhausted;

static uint64_t take_bytes(unsigned k)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < k; i++) {
        if (in_pos >= in_n) {
            in_exhausted = 1;
            return v;
        }
        v = (v << 8) | in_bytes[in_pos++];
    }
    return v;
}

static uint64_t rnd(rng_t *r)
{
    /* Byte mode: two input bytes make a word, so an input goes a long way. */
    if (r->from_input)
        return fz_mix(take_bytes(2), 0xb17e5);
    /* xorshift64* */
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545f4914f6cdd1dull;
}

static uint64_t below(rng_t *r, uint64_t n)
{
    if (n <= 1)
        return 0;
    if (r->from_input)
        return take_bytes(n <= 256 ? 1 : n <= 65536 ? 2 : 8) % n;
    return rnd(r) % n;
}

static int chance(rng_t *r, unsigned percent)
{
    return below(r, 100) < percent;
}

static void seed_rng(rng_t *r, uint64_t seed)
{
    r->s = fz_mix(seed, 0x5eed) | 1;
    r->from_input = 0;
}

/* Words a decoder should see: boundaries, powers of two, all ones. */
static mica_word_t interesting(rng_t *r)
{
    static const mica_word_t v[] = {
        0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 16, 21, 30, 31, 32, 47, 48, 56, 58, 63, 64, 65,
        119, 120, 121, 127, 128, 255, 256, 257, 1023, 1024, 4095, 4096, 4097,
        0x200000, 0x1fffff, 0x3ff000, 0x40000000, 0x3ffff000, 0x3fffffff,
        0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, ~0ull - 1, 0xfffffffffffffull,
    };
    switch (below(r, 4)) {
    case 0:
        return below(r, 16);
    case 1:
        return rnd(r);
    default:
        return v[below(r, sizeof v / sizeof v[0])];
    }
}

/* --- the system ---------------------------------------------------------------- */

enum kind { FLAT, TWO_LEVEL };

typedef struct cnode {
    mica_cptr_t slot;           /* root-CNode slot of its original cap */
    unsigned radix;
    uint8_t hint[SLOTS];        /* mica_cap_type_t believed to be in each slot */
} cnode_t;

typedef struct task {
    unsigned idx;
    enum kind kind;
    int main_cn, second_cn;     /* cnode_t indices; second only for two-level */
    mica_cptr_t top;            /* two-level: root slot of the radix-2 top CNode */
    mica_cptr_t tcb;            /* root slot of its TCB (original) */
    mica_cptr_t vspace;         /* root slot of its VSpace */
    mica_cptr_t vspace_cptr;    /* a cap to it in its own CSpace (0: none) */
    mica_cptr_t untyped;        /* root slot of the untyped it gets a copy of */
    mica_cptr_t buffer;         /* root slot of its IPC buffer frame */
    mica_word_t buffer_vaddr;
    mica_cptr_t fault_cptr;     /* its fault endpoint cap, in its own CSpace */
    mica_cptr_t croot;          /* root slot of its CSpace root cap (for Configure) */
    mica_word_t croot_data;
    uint8_t prio, mcp;
    uint64_t calls;             /* operations its threads issued (atomic) */
    uint64_t calls_at_fault;    /* the fault handler's */
    uint64_t calls_at_round;    /* the watchdog's */
    unsigned incarnation;       /* atomic: the handler and the watchdog restart tasks */
} task_t;

/* What a thread knew before its last operation (actor_t.before, atomicity_step): SNAP_*. */
/*
 * SNAP_VALID holds the valid flag in bit 0 and the IRQ deliveries so far
 * above it: sim_task_kernel_call passes 8 words, no more.
 */
enum { SNAP_VALID, SNAP_ENTRIES, SNAP_ERRORS, SNAP_CPU_ENTRIES, SNAP_DIGEST, SNAP_SELF, SNAP_CPU, SNAP_OP,
       SNAP_WORDS };
_Static_assert(SNAP_WORDS <= 8, "a snapshot travels in sim_task_kernel_call's 8 words");

/*
 * A thread running task code (task_entry), on its own stack: what only it
 * changes. Several threads may run with one task index - a task can start
 * any TCB at task_entry with any index - and with several CPUs they run at
 * the same time, so none of this lives in the shared task_t.
 */
typedef struct actor {
    task_t *t;                  /* whose CSpace and guesses it uses */
    rng_t rng;
    int crashy;
    int recv_cn, recv_slot;     /* where its receive path points, when known (-1: not) */
    hw_word_t before[SNAP_WORDS];   /* the kernel state before its last operation (SNAP_*) */
} actor_t;

/* Operations; the weights are parts per 1000. */
#define FZ_OPS(X) \
    X(SEND, 14) X(NBSEND, 30) X(CALL, 14) X(RECV, 8) X(NBRECV, 30) X(REPLY, 14) \
    X(REPLY_RECV, 6) X(YIELD, 10) X(SIGNAL, 20) X(WAIT, 5) X(POLL, 22) \
    X(SEND_MRS, 6) X(NBSEND_MRS, 12) X(CALL_MRS, 6) X(RECV_MRS, 3) X(REPLY_MRS, 6) \
    X(REPLY_RECV_MRS, 3) \
    X(CNODE_COPY, 30) X(CNODE_MINT, 30) X(CNODE_MOVE, 22) X(CNODE_MUTATE, 14) \
    X(CNODE_ROTATE, 12) X(CNODE_DELETE, 30) X(CNODE_REVOKE, 22) X(CNODE_SAVE_CALLER, 10) \
    X(CNODE_CANCEL_BADGED_SENDS, 10) X(CNODE_NEST, 6) \
    X(UNTYPED_RETYPE, 60) \
    X(TCB_CONFIGURE, 10) X(TCB_SET_PRIORITY, 14) X(TCB_SET_MC_PRIORITY, 8) \
    X(TCB_SET_SCHED_PARAMS, 8) X(TCB_SET_SPACE, 8) X(TCB_SET_IPC_BUFFER, 8) \
    X(TCB_RESUME, 14) X(TCB_SUSPEND, 10) X(TCB_READ_REGISTERS, 10) \
    X(TCB_WRITE_REGISTERS, 12) X(TCB_COPY_REGISTERS, 8) X(TCB_BIND_NOTIFICATION, 10) \
    X(TCB_UNBIND_NOTIFICATION, 6) X(TCB_SET_AFFINITY, 3) X(TCB_SET_TLS_BASE, 3) \
    X(PAGE_TABLE_MAP, 16) X(PAGE_TABLE_UNMAP, 10) X(PAGE_MAP, 28) X(PAGE_UNMAP, 14) \
    X(PAGE_GET_ADDRESS, 6) \
    X(PDPT_MAP, 10) X(PDPT_UNMAP, 5) X(PAGE_DIRECTORY_MAP, 12) X(PAGE_DIRECTORY_UNMAP, 6) \
    X(LARGE_PAGE_MAP, 8) X(HUGE_PAGE_MAP, 6) \
    X(RETYPE_PDPT, 5) X(RETYPE_PAGE_DIRECTORY, 6) X(RETYPE_PAGE_TABLE, 5) X(RETYPE_FRAME, 4) \
    X(RETYPE_LARGE_FRAME, 4) X(RETYPE_HUGE_FRAME, 4) \
    X(IRQ_CONTROL_GET, 6) X(IRQ_HANDLER_ACK, 8) X(IRQ_HANDLER_SET_NOTIFICATION, 6) \
    X(IRQ_HANDLER_CLEAR, 3) X(IRQ_DELETE, 3) \
    X(DEV_RETYPE, 8) X(DEV_MAP, 10) X(MMIO_READ, 18) X(MMIO_WRITE, 18) X(MMIO_NON_MOV, 2) \
    X(DEBUG_PUT_CHAR, 2) X(DEBUG_NAME_THREAD, 3) X(DEBUG_CAP_IDENTIFY, 20) \
    X(DEBUG_DUMP_SCHEDULER, 1) X(DEBUG_HALT, 1) \
    X(RAW_SYSCALL, 30) X(RAW_INVOKE, 60) \
    X(MEM_READ, 14) X(MEM_WRITE, 20) X(CRASH_NULL, 2) X(CRASH_DIV0, 2)

enum op {
#define X(name, w) OP_##name,
    FZ_OPS(X)
#undef X
    OP_COUNT
};

static const unsigned op_weight[OP_COUNT] = {
#define X(name, w) w,
    FZ_OPS(X)
#undef X
};

static const char *const op_names[OP_COUNT] = {
#define X(name, w) #name,
    FZ_OPS(X)
#undef X
};

/* Everything about the current run (one system per process at a time). */
static struct {
    fz_config_t cfg;
    const mica_bootinfo_t *bi;
    mica_cptr_t next_slot;
    unsigned ntasks;
    unsigned ncpus;             /* simulated CPUs of the run */
    task_t task[FZ_MAX_TASKS];
    cnode_t cn[MAX_CNODES];
    unsigned ncn;
    /* objects the root hands out (root-CNode slots of the originals) */
    mica_cptr_t eps[24], ntfns[16], frames[40], pts[16], vspaces[24], pools[20];
    unsigned neps, nntfns, nframes, npts, nvspaces, npools;
    /* the machine's devices (boot info), each with its device untyped (root slot) */
    struct fz_dev {
        int kind;               /* enum dev_kind */
        mica_word_t paddr;
        unsigned irq;
        mica_cptr_t ut;
    } dev[MICA_MAX_DEVICES];
    unsigned ndev;
    /* device frames tasks mapped: (vaddr, device) - a guess, like the hints */
    struct { mica_word_t vaddr; int dev; } dmap[DMAP];
    unsigned ndmap;
    /* blk0's queue registers as the fuzzer's writes left them (blk_shadow) */
    struct { uint32_t sel, ready, addr_ok; } blk;
    /* infrastructure */
    mica_cptr_t fault_ep, handler_tcb;
    mica_cptr_t spare_frame[SPARE_FRAMES], spare_pt[SPARE_PTS];
    /* 1 GiB objects, when boot gave an untyped that big: a frame handed out, a pool (give_huge_pool) */
    mica_cptr_t huge_frame, huge_pool;
    int huge_pool_cn, huge_pool_slot;
    mica_cptr_t large_frame;    /* a 2 MiB frame handed out */
    /* vaddrs where maps succeeded (a guess, like the hints): later maps aim near them */
    mica_word_t place[PLACES];
    unsigned nplace;
    unsigned next_spare, next_spare_pt;
    rng_t handler_rng, root_rng;
    uint64_t op_total_weight;
    uint64_t ops[OP_COUNT];
    uint64_t ops_ok[OP_COUNT];  /* ... that returned NoError (the paging operations) */
    fz_result_t res;
} fz;

void fz_config_init(fz_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = 1;
    cfg->tasks = 4;
    cfg->budget = 10000;
    cfg->crashes = 1;
}

void fz_input_config(mica_config_t *mc, fz_config_t *fc, const uint8_t *data, size_t size)
{
    mica_config_init(mc);
    mc->phys_mem_bytes = 16ul << 20;
    mc->check = MICA_CHECK_EACH_ENTRY;
    mc->quiet = 1;
    mc->max_threads = 64;
    mc->time_limit_ticks = 400000;
    fz_config_init(fc);
    fc->bytes = data;
    fc->nbytes = size;
    fc->tasks = 2;
    fc->budget = 4096;
    fc->isolation = 1;
    fc->atomicity = 1;
    fz_machine(mc, fc);
}

const fz_result_t *fz_last_result(void)
{
    return &fz.res;
}

unsigned fz_op_count(void)
{
    return OP_COUNT;
}

const char *fz_op_name(unsigned op)
{
    return op < OP_COUNT ? op_names[op] : "?";
}

uint64_t fz_op_runs(unsigned op)
{
    return op < OP_COUNT ? LOAD(fz.ops[op]) : 0;
}

uint64_t fz_op_ok(unsigned op)
{
    return op < OP_COUNT ? LOAD(fz.ops_ok[op]) : 0;
}

int fz_op_counts_ok(unsigned op)
{
    switch (op) {
    case OP_PAGE_TABLE_MAP: case OP_PAGE_TABLE_UNMAP: case OP_PAGE_MAP: case OP_PAGE_UNMAP:
    case OP_PAGE_GET_ADDRESS: case OP_PDPT_MAP: case OP_PDPT_UNMAP: case OP_PAGE_DIRECTORY_MAP:
    case OP_PAGE_DIRECTORY_UNMAP: case OP_LARGE_PAGE_MAP: case OP_HUGE_PAGE_MAP:
    case OP_RETYPE_PDPT: case OP_RETYPE_PAGE_DIRECTORY: case OP_RETYPE_PAGE_TABLE:
    case OP_RETYPE_FRAME: case OP_RETYPE_LARGE_FRAME: case OP_RETYPE_HUGE_FRAME:
        return 1;
    default:
        return 0;
    }
}

static void finish(int why) __attribute__((noreturn));
static void give_device(unsigned d, rng_t *r);
static void give_huge_pool(int c, rng_t *r);
static void isolation_check(void);
static void isolation_tamper(void);

/* --- root-task helpers ------------------------------------------------------ */

static mica_cptr_t root_slot(void)
{
    if (fz.next_slot >= fz.bi->empty.end) {
        snprintf(fz.res.setup_message, sizeof fz.res.setup_message, "the root CNode is full");
        finish(FZ_END_SETUP);
    }
    return fz.next_slot++;
}

/* Retype one object into a fresh root slot from the first boot untyped that has room. */
static mica_cptr_t make(mica_word_t type, mica_word_t bits)
{
    mica_cptr_t s = root_slot();
    const mica_bootinfo_t *bi = fz.bi;
    mica_error_t e = MICA_NOT_ENOUGH_MEMORY;
    for (unsigned pass = 0; pass < 2 && e != MICA_NO_ERROR; pass++)
        for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start && e != MICA_NO_ERROR; i++) {
            const mica_untyped_desc_t *u = &bi->untyped_list[i];
            /* First pass: the big untypeds, so small ones stay for small objects. */
            if (u->is_device || (pass == 0 && u->size_bits < 20))
                continue;
            e = mica_untyped_retype(bi->untyped.start + i, type, bits, MICA_CAP_INIT_CNODE, 0, 0, s, 1);
        }
    if (e != MICA_NO_ERROR) {
        snprintf(fz.res.setup_message, sizeof fz.res.setup_message,
                 "setup: retype of a %s (%lu bits) failed: %s", mica_object_type_name(type),
                 (unsigned long)bits, mica_error_name(e));
        finish(FZ_END_SETUP);
    }
    return s;
}

/* Retype one object from the untyped at root slot ut into a fresh root slot. */
static mica_cptr_t make_from(mica_cptr_t ut, mica_word_t type, mica_word_t bits)
{
    mica_cptr_t s = root_slot();
    mica_error_t e = mica_untyped_retype(ut, type, bits, MICA_CAP_INIT_CNODE, 0, 0, s, 1);
    if (e != MICA_NO_ERROR) {
        snprintf(fz.res.setup_message, sizeof fz.res.setup_message,
                 "setup: retype of a %s from a pool failed: %s", mica_object_type_name(type),
                 mica_error_name(e));
        finish(FZ_END_SETUP);
    }
    return s;
}

static void check(mica_error_t e, const char *what)
{
    if (e != MICA_NO_ERROR) {
        snprintf(fz.res.setup_message, sizeof fz.res.setup_message, "setup: %s failed: %s", what,
                 mica_error_name(e));
        finish(FZ_END_SETUP);
    }
}

static int new_cnode(unsigned radix)
{
    int c = (int)fz.ncn++;
    fz.cn[c].slot = make(MICA_CNODE_OBJECT, radix);
    fz.cn[c].radix = radix;
    memset(fz.cn[c].hint, 0, sizeof fz.cn[c].hint);
    return c;
}

/* A random empty slot (by the hints) of CNode c, 0 if none; slots 0..2 are kept. */
static int empty_slot(rng_t *r, int c)
{
    unsigned n = 1u << fz.cn[c].radix;
    unsigned start = (unsigned)below(r, n);
    for (unsigned k = 0; k < n; k++) {
        unsigned j = (start + k) % n;
        if (j > 2 && LOAD(fz.cn[c].hint[j]) == MICA_CAP_TYPE_NULL)
            return (int)j;
    }
    return 0;
}

/* Mint the root's cap at src into slot j of CNode c, and note it in the hints. */
static mica_error_t give(int c, unsigned j, mica_cptr_t src, mica_cap_rights_t rights,
                         mica_word_t badge, mica_cap_type_t type)
{
    mica_error_t e = mica_cnode_mint(fz.cn[c].slot, j, (uint8_t)fz.cn[c].radix, MICA_CAP_INIT_CNODE,
                                     src, MICA_WORD_BITS, rights, badge);
    if (e == MICA_NO_ERROR)
        STORE(fz.cn[c].hint[j], (uint8_t)type);
    return e;
}

static mica_cap_rights_t random_rights(rng_t *r)
{
    if (chance(r, 55))
        return MICA_ALL_RIGHTS;
    mica_cap_rights_t x = { { below(r, 16) } };
    return x;
}

/* --- the task side: picking caps, slots and arguments ------------------------ */

static task_t *task_of(mica_word_t idx)
{
    return &fz.task[idx % fz.ntasks];
}

/* The windows of a task's CSpace: (cptr prefix, CNode). */
static unsigned windows(const task_t *t, mica_word_t prefix[2], int cn[2])
{
    prefix[0] = 0;
    cn[0] = t->main_cn;
    if (t->kind == FLAT)
        return 1;
    prefix[1] = (mica_word_t)1 << RADIX;
    cn[1] = t->second_cn;
    return 2;
}

/*
 * A CPtr in the CSpace of a's task: of the wanted cap type (by the hints)
 * most of the time, any slot of its windows often, a nonsense word
 * sometimes. *cn_out and *slot_out say which hint slot it is (-1 if none).
 */
static mica_cptr_t pick_cap_at(actor_t *a, int want, int *cn_out, int *slot_out)
{
    rng_t *r = &a->rng;
    mica_word_t prefix[2];
    int cn[2];
    unsigned nw = windows(a->t, prefix, cn);
    if (cn_out)
        *cn_out = -1;
    unsigned roll = (unsigned)below(r, 100);
    if (roll < 4) {
        switch (below(r, 4)) {
        case 0: return interesting(r);
        case 1: return ((mica_word_t)1 << (56 + below(r, 8))) | below(r, SLOTS); /* guard bits set */
        case 2: return (mica_word_t)below(r, 4) << RADIX | below(r, SLOTS);       /* two-level shape */
        default: return below(r, SLOTS * 2);
        }
    }
    unsigned w = (unsigned)below(r, nw);
    unsigned j = (unsigned)below(r, SLOTS);
    if (want >= 0 && roll < 80) {
        /* Scan from a random point for a slot whose hint is the wanted type. */
        for (unsigned k = 0; k < SLOTS * nw; k++) {
            unsigned ww = (w + (j + k) / SLOTS) % nw, jj = (j + k) % SLOTS;
            if (LOAD(fz.cn[cn[ww]].hint[jj]) == want) {
                w = ww;
                j = jj;
                break;
            }
        }
    }
    if (cn_out)
        *cn_out = cn[w];
    if (slot_out)
        *slot_out = (int)j;
    return prefix[w] | j;
}

static mica_cptr_t pick_cap(actor_t *a, int want)
{
    return pick_cap_at(a, want, NULL, NULL);
}

/* A depth near `natural`: 0, 1, the radix, 63, 64, 65 or anything. */
static uint8_t pick_depth(rng_t *r, unsigned natural)
{
    if (chance(r, 85))
        return (uint8_t)natural;
    static const uint8_t d[] = { 0, 1, RADIX, RADIX - 1, RADIX + 1, 63, 64, 65, 58, 8, 2, 255 };
    if (chance(r, 80))
        return d[below(r, sizeof d / sizeof d[0])];
    return (uint8_t)below(r, 256);
}

/*
 * A slot for a CNode operation: (root cap, index, depth) naming a slot of
 * one of the CNodes of a's task - through its guarded CSpace-root cap
 * (slot 1, depth 64) or its unguarded main CNode cap (slot 2, depth RADIX) -
 * with perturbations. want_empty steers toward empty (1) or full (0) slots,
 * -1 for either. cn and slot say which hint slot it names when known.
 */
static void pick_path(actor_t *a, int want_empty, int want_type, mica_cptr_t *root,
                      mica_word_t *index, uint8_t *depth, int *cn, int *slot)
{
    rng_t *r = &a->rng;
    mica_word_t prefix[2];
    int cns[2];
    unsigned nw = windows(a->t, prefix, cns);
    unsigned w = (unsigned)below(r, nw), j = (unsigned)below(r, SLOTS);
    int cw = cns[w];
    if (want_empty >= 0 || want_type >= 0) {
        for (unsigned k = 0; k < SLOTS; k++) {
            unsigned jj = (j + k) % SLOTS;
            int h = LOAD(fz.cn[cw].hint[jj]);
            if ((want_type >= 0 && h == want_type) ||
                (want_type < 0 && want_empty == 1 && h == MICA_CAP_TYPE_NULL && jj != 0) ||
                (want_type < 0 && want_empty == 0 && h != MICA_CAP_TYPE_NULL)) {
                j = jj;
                break;
            }
        }
    }
    /* Taking slot 1 or 2 away (Move, Rotate, Delete) cripples the task: rarely. */
    if (want_empty == 0 && j >= 1 && j <= 2 && chance(r, 85))
        j += 3 + (unsigned)below(r, SLOTS - 3);
    j %= SLOTS;
    *cn = cw;
    *slot = (int)j;
    if (w == 0 && chance(r, 40)) {
        *root = 2;
        *index = j;
        *depth = pick_depth(r, RADIX);
    } else {
        *root = 1;
        *index = prefix[w] | j;
        *depth = pick_depth(r, MICA_WORD_BITS);
    }
    if (*depth != (*root == 2 ? RADIX : MICA_WORD_BITS))
        *cn = -1;
    if (chance(r, 12)) {
        /* Through any CNode cap (one a task made, one of another task): depth = a guessed radix. */
        unsigned radix = (unsigned)below(r, 9);
        *root = pick_cap(a, MICA_CAP_TYPE_CNODE);
        *index = below(r, (mica_word_t)1 << radix);
        *depth = pick_depth(r, radix);
        *cn = -1;
    }
    if (chance(r, 3)) {
        *index = interesting(r);
        *cn = -1;
    }
}

static uint8_t hint_of(int cn, int slot)
{
    return cn >= 0 ? LOAD(fz.cn[cn].hint[slot]) : HINT_UNKNOWN;
}

static void set_hint(int cn, int slot, int type)
{
    if (cn >= 0 && slot >= 0)
        STORE(fz.cn[cn].hint[slot], (uint8_t)type);
}

/*
 * fz.place: slots 0..PLACES_FIXED-1 hold where build() gave every VSpace a
 * page table (so every level above it too); the rest is a ring of vaddrs
 * where tasks' maps succeeded.
 */
#define PLACES_FIXED (NREGIONS + 2)

static void remember_place(mica_word_t vaddr)
{
    unsigned i = ADD(fz.nplace, 1);
    STORE(fz.place[PLACES_FIXED + i % (PLACES - PLACES_FIXED)], vaddr);
}

static mica_word_t some_place(rng_t *r)
{
    unsigned n = PLACES_FIXED + LOAD(fz.nplace);
    return LOAD(fz.place[below(r, n < PLACES ? n : PLACES)]);
}

/* A vaddr: mostly pages of the regions that hold page tables, sometimes edges or places. */
static mica_word_t pick_vaddr(rng_t *r)
{
    unsigned roll = (unsigned)below(r, 100);
    if (roll < 62)
        return REGION(1 + below(r, NREGIONS)) + (below(r, 32) << MICA_PAGE_BITS);
    if (roll < 70)
        return some_place(r) + (below(r, 4) << MICA_PAGE_BITS);
    if (roll < 82)
        return REGION(below(r, 8));
    static const mica_word_t v[] = { 0, 4096, 0x3ffff000, 0x40000000, 0x3fe00000, 0x3fffffff,
                                     0x201000 + 8, ~0ull & ~0xfffull, 0x10000000 };
    if (roll < 96)
        return v[below(r, sizeof v / sizeof v[0])];
    return rnd(r);
}

/*
 * A vaddr at which to map an object that covers 2^bits bytes (a PDPT: 39;
 * a page directory or 1 GiB frame: 30; a page table or 2 MiB frame: 21; a
 * page: 12). Drawn across all of [0, 2^47), but mostly in the span one
 * level up of a place where a map succeeded - where the levels above are
 * likely to exist, so the map gets past FailedLookup - and sometimes at or
 * past 2^47, unaligned, or any word, for the errors.
 */
static mica_word_t pick_level_vaddr(rng_t *r, unsigned bits)
{
    mica_word_t size = BIT(bits), top = BIT(MICA_VADDR_BITS);
    unsigned roll = (unsigned)below(r, 100);
    if (roll < 55) {
        /* In the same 2 MiB, GiB or 512 GiB as a place (mostly the level just above). */
        unsigned span = chance(r, 75) || bits + 9 >= 39 ? bits + 9 : bits + 18;
        if (span > MICA_VADDR_BITS)
            span = MICA_VADDR_BITS;
        mica_word_t base = some_place(r) & ~(BIT(span) - 1);
        return base + (below(r, BIT(span - bits)) << bits);
    }
    if (roll < 80)
        return below(r, top >> bits) << bits;          /* anywhere below 2^47, aligned */
    if (roll < 88)
        return some_place(r) + (chance(r, 50) ? 8 : (below(r, size) | 1));     /* unaligned */
    switch (below(r, 5)) {
    case 0: return top;
    case 1: return top - size;                          /* the last slot: fine */
    case 2: return top + (below(r, 64) << bits);
    case 3: return ~(size - 1);
    default: return rnd(r);
    }
}

/* Entry points a task may write into another thread's pc. */
static void task_entry(mica_word_t idx, mica_word_t seed, mica_word_t r2, mica_word_t r3);
static void exit_entry(mica_word_t a, mica_word_t b, mica_word_t c, mica_word_t d)
{
    (void)a; (void)b; (void)c; (void)d;
}

static mica_word_t pick_pc(rng_t *r)
{
    unsigned roll = (unsigned)below(r, 100);
    if (roll < 70)
        return (mica_word_t)task_entry;
    if (roll < 85)
        return (mica_word_t)exit_entry;
    if (roll < 95)
        return 0;
    return below(r, 2) ? 1 : 0x40000000;     /* not code: the thread traps on its first instruction */
}

/*
 * A stack for a thread started afresh: a host stack (0, or a vaddr too low
 * for a VSpace stack), or - with vspace_stacks - one inside the VSpace
 * window, mapped or not, that the tasks may unmap and remap under it (its
 * kernel entries run on a host kernel stack: docs/testing.md).
 */
static mica_word_t pick_sp(rng_t *r)
{
    if (chance(r, 90))
        return 0;
    if (fz.cfg.vspace_stacks && chance(r, 50))
        return REGION(1 + below(r, NREGIONS)) + (below(r, 32) << MICA_PAGE_BITS);
    return below(r, 0x10000);
}

/* Put random words in MR4.. of the current IPC buffer (if any) and caps in its cap array. */
static void fill_buffer(actor_t *a, unsigned len, unsigned ncaps)
{
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    if (!b)
        return;
    /* The message words come from a PRNG seeded by one draw (cheap in byte mode). */
    rng_t words;
    seed_rng(&words, rnd(&a->rng));
    for (unsigned i = 0; i < len && i < MICA_MSG_MAX_LENGTH; i++)
        b->msg[i] = interesting(&words);
    for (unsigned i = 0; i < ncaps && i < MICA_MSG_MAX_EXTRA_CAPS; i++)
        b->caps_or_badges[i] = pick_cap(a, chance(&a->rng, 50) ? -1 : (int)below(&a->rng, MICA_CAP_TYPE_COUNT));
}

/* A message info with a random label, length up to 127 and up to 3 extra caps. */
static mica_msginfo_t pick_info(actor_t *a)
{
    rng_t *r = &a->rng;
    mica_word_t label = chance(r, 30) ? 0 : chance(r, 70) ? below(r, MICA_NUM_INVOCATION_LABELS + 4)
                                                          : interesting(r);
    mica_word_t len = chance(r, 55) ? below(r, 5) : chance(r, 70) ? below(r, 128)
                                                  : (mica_word_t)(below(r, 2) ? 120 : 121 + below(r, 7));
    mica_word_t caps = chance(r, 60) ? 0 : 1 + below(r, 3);
    mica_word_t unwrapped = chance(r, 90) ? 0 : below(r, 8);
    fill_buffer(a, (unsigned)len, (unsigned)caps);
    return mica_msginfo_new(label, unwrapped, caps, len);
}

/* Sometimes choose where received caps go (and remember it, see received()). */
static void maybe_receive_path(actor_t *a)
{
    rng_t *r = &a->rng;
    if (!chance(r, 30) || !mica_get_ipc_buffer())
        return;
    mica_cptr_t root;
    mica_word_t index;
    uint8_t depth;
    pick_path(a, 1, -1, &root, &index, &depth, &a->recv_cn, &a->recv_slot);
    mica_set_cap_receive_path(root, index, chance(r, 90) ? depth : interesting(r));
}

/* A message arrived: if it carried caps, the receive slot now holds one (of some type). */
static void received(actor_t *a, mica_msginfo_t info)
{
    if (mica_msginfo_get_extra_caps(info) > mica_msginfo_get_caps_unwrapped(info) &&
        a->recv_cn >= 0 && hint_of(a->recv_cn, a->recv_slot) == MICA_CAP_TYPE_NULL)
        set_hint(a->recv_cn, a->recv_slot, HINT_UNKNOWN);
}

static mica_word_t mr(rng_t *r)
{
    return interesting(r);
}

/* The raw trap: any registers, any system call number. */
static void raw_trap(hw_word_t regs[8])
{
    sim_trap(regs);
}

/*
 * Deliberate crashes, in inline assembly so that neither the compiler nor
 * UBSan turns them into something else: a store to address 0 (SIGSEGV
 * outside any VSpace window) and an integer division by zero (SIGFPE; on
 * AArch64, which does not trap on it, an undefined instruction instead).
 */
static void crash_null(void)
{
#if defined(__x86_64__)
    __asm__ volatile("movl $1, (%0)" : : "r"((void *)0) : "memory");
#elif defined(__aarch64__)
    __asm__ volatile("str wzr, [%0]" : : "r"((void *)0) : "memory");
#else
    *(volatile int *)(uintptr_t)0 = 1;
#endif
}

static void crash_div0(void)
{
#if defined(__x86_64__)
    int a = 1, zero = 0;
    __asm__ volatile("cltd\n\tidivl %1" : "+a"(a) : "r"(zero) : "edx", "cc");
#else
    __builtin_trap();
#endif
}

/* --- one operation ----------------------------------------------------------- */

static void do_cnode_op(actor_t *a, unsigned op)
{
    rng_t *r = &a->rng;
    mica_cptr_t droot, sroot, proot;
    mica_word_t dindex, sindex, pindex;
    uint8_t ddepth, sdepth, pdepth;
    int dcn, dslot, scn, sslot, pcn, pslot;
    mica_error_t e;

    switch (op) {
    case OP_CNODE_COPY:
    case OP_CNODE_MINT:
    case OP_CNODE_MOVE:
    case OP_CNODE_MUTATE: {
        pick_path(a, 1, -1, &droot, &dindex, &ddepth, &dcn, &dslot);
        pick_path(a, 0, -1, &sroot, &sindex, &sdepth, &scn, &sslot);
        mica_cap_rights_t rights = random_rights(r);
        mica_word_t badge = chance(r, 40) ? 1 + below(r, 8)
                          : chance(r, 50) ? mica_cnode_capdata_new(below(r, 4), below(r, 60))
                                          : interesting(r);
        uint8_t h = hint_of(scn, sslot);
        if (op == OP_CNODE_COPY)
            e = mica_cnode_copy(droot, dindex, ddepth, sroot, sindex, sdepth, rights);
        else if (op == OP_CNODE_MINT)
            e = mica_cnode_mint(droot, dindex, ddepth, sroot, sindex, sdepth, rights, badge);
        else if (op == OP_CNODE_MOVE)
            e = mica_cnode_move(droot, dindex, ddepth, sroot, sindex, sdepth);
        else
            e = mica_cnode_mutate(droot, dindex, ddepth, sroot, sindex, sdepth, badge);
        if (e == MICA_NO_ERROR) {
            set_hint(dcn, dslot, h);
            if (op == OP_CNODE_MOVE || op == OP_CNODE_MUTATE)
                set_hint(scn, sslot, MICA_CAP_TYPE_NULL);
        }
        break;
    }
    case OP_CNODE_ROTATE: {
        pick_path(a, below(r, 3) == 0 ? 0 : 1, -1, &droot, &dindex, &ddepth, &dcn, &dslot);
        pick_path(a, 0, -1, &proot, &pindex, &pdepth, &pcn, &pslot);
        pick_path(a, 0, -1, &sroot, &sindex, &sdepth, &scn, &sslot);
        if (chance(r, 20)) {        /* a swap: source == destination */
            sroot = droot; sindex = dindex; sdepth = ddepth; scn = dcn; sslot = dslot;
        }
        uint8_t hp = hint_of(pcn, pslot), hs = hint_of(scn, sslot);
        e = mica_cnode_rotate(droot, dindex, ddepth, chance(r, 50) ? 0 : interesting(r), proot,
                              pindex, pdepth, chance(r, 50) ? 0 : interesting(r), sroot, sindex,
                              sdepth);
        if (e == MICA_NO_ERROR) {
            if (dcn == scn && dslot == sslot) {
                set_hint(dcn, dslot, hp);
                set_hint(pcn, pslot, hs);
            } else {
                set_hint(dcn, dslot, hp);
                set_hint(pcn, pslot, hs);
                set_hint(scn, sslot, MICA_CAP_TYPE_NULL);
            }
        }
        break;
    }
    case OP_CNODE_DELETE:
        pick_path(a, 0, -1, &droot, &dindex, &ddepth, &dcn, &dslot);
        if (mica_cnode_delete(droot, dindex, ddepth) == MICA_NO_ERROR)
            set_hint(dcn, dslot, MICA_CAP_TYPE_NULL);
        break;
    case OP_CNODE_REVOKE:
        pick_path(a, 0, chance(r, 40) ? MICA_CAP_TYPE_UNTYPED : -1, &droot, &dindex, &ddepth,
                  &dcn, &dslot);
        mica_cnode_revoke(droot, dindex, ddepth);
        break;
    case OP_CNODE_SAVE_CALLER:
        pick_path(a, 1, -1, &droot, &dindex, &ddepth, &dcn, &dslot);
        if (mica_cnode_save_caller(droot, dindex, ddepth) == MICA_NO_ERROR &&
            hint_of(dcn, dslot) == MICA_CAP_TYPE_NULL)
            set_hint(dcn, dslot, MICA_CAP_TYPE_REPLY);  /* if there was a caller */
        break;
    case OP_CNODE_CANCEL_BADGED_SENDS:
        pick_path(a, 0, MICA_CAP_TYPE_ENDPOINT, &droot, &dindex, &ddepth, &dcn, &dslot);
        mica_cnode_cancel_badged_sends(droot, dindex, ddepth);
        break;
    default:
        break;
    }
}

static void tick(actor_t *a);

/*
 * A compound operation (each step counts as one operation): two fresh
 * CNodes X and Y, Y's only cap moved into X, sometimes a cap to X inside X
 * (a cycle) and other caps, then X's cap deleted or the untyped revoked -
 * the deletions that make zombies and need seL4's recursion breaker.
 */
static void do_cnode_nest(actor_t *a)
{
    rng_t *r = &a->rng;
    int ucn, uslot;
    mica_cptr_t ut = pick_cap_at(a, MICA_CAP_TYPE_UNTYPED, &ucn, &uslot);
    int sx = empty_slot(r, a->t->main_cn), sy;
    if (!sx)
        return;
    set_hint(a->t->main_cn, sx, MICA_CAP_TYPE_CNODE);     /* reserve it while picking sy */
    sy = empty_slot(r, a->t->main_cn);
    set_hint(a->t->main_cn, sx, MICA_CAP_TYPE_NULL);
    if (!sy)
        return;
    unsigned rx = 1 + (unsigned)below(r, 4), ry = 1 + (unsigned)below(r, 4);
    if (mica_untyped_retype(ut, MICA_CNODE_OBJECT, rx, 2, 0, 0, (mica_word_t)sx, 1) != MICA_NO_ERROR)
        return;
    set_hint(a->t->main_cn, sx, MICA_CAP_TYPE_CNODE);
    tick(a);
    if (mica_untyped_retype(ut, MICA_CNODE_OBJECT, ry, 2, 0, 0, (mica_word_t)sy, 1) != MICA_NO_ERROR)
        return;
    set_hint(a->t->main_cn, sy, MICA_CAP_TYPE_CNODE);
    /* X's cap, as a CPtr of the task's CSpace (main CNode = window 0). */
    mica_cptr_t x = (mica_cptr_t)sx;
    mica_word_t kmax = (mica_word_t)1 << rx;
    tick(a);
    if (mica_cnode_move(x, below(r, kmax), (uint8_t)rx, 2, (mica_word_t)sy, RADIX) == MICA_NO_ERROR)
        set_hint(a->t->main_cn, sy, MICA_CAP_TYPE_NULL);
    if (chance(r, 50)) {
        tick(a);
        mica_cnode_copy(x, below(r, kmax), (uint8_t)rx, 2, (mica_word_t)sx, RADIX, MICA_ALL_RIGHTS);
    }
    if (chance(r, 50)) {
        tick(a);
        mica_cnode_copy(x, below(r, kmax), (uint8_t)rx, 1, pick_cap(a, chance(r, 50) ?
                        MICA_CAP_TYPE_TCB : MICA_CAP_TYPE_ENDPOINT), MICA_WORD_BITS, MICA_ALL_RIGHTS);
    }
    tick(a);
    if (chance(r, 60)) {
        if (mica_cnode_delete(2, (mica_word_t)sx, RADIX) == MICA_NO_ERROR)
            set_hint(a->t->main_cn, sx, MICA_CAP_TYPE_NULL);
    } else if (ucn == a->t->main_cn) {
        if (mica_cnode_revoke(2, (mica_word_t)uslot, RADIX) == MICA_NO_ERROR) {
            set_hint(a->t->main_cn, sx, MICA_CAP_TYPE_NULL);
            set_hint(a->t->main_cn, sy, MICA_CAP_TYPE_NULL);
        }
    }
}

static mica_word_t pick_size_bits(rng_t *r, mica_word_t type)
{
    static const mica_word_t ut[] = { 4, 5, 8, 10, 12, 14, 16, 20, 21, 47, 48, 63, 64, 0, 3 };
    static const mica_word_t cn[] = { 0, 1, 2, 3, 4, 6, 8, 10, 12, 26, 42, 47, 63, 64 };
    if (chance(r, 6))
        return interesting(r);
    switch (type) {
    case MICA_UNTYPED_OBJECT:
        return chance(r, 70) ? 4 + below(r, 12) : ut[below(r, sizeof ut / sizeof ut[0])];
    case MICA_CNODE_OBJECT:
        return chance(r, 70) ? 1 + below(r, 8) : cn[below(r, sizeof cn / sizeof cn[0])];
    default:
        return chance(r, 80) ? 0 : below(r, 64);
    }
}

static void do_retype(actor_t *a)
{
    rng_t *r = &a->rng;
    int ucn, uslot;
    mica_cptr_t ut = pick_cap_at(a, MICA_CAP_TYPE_UNTYPED, &ucn, &uslot);
    mica_word_t type = chance(r, 95) ? below(r, MICA_OBJECT_TYPE_COUNT) : interesting(r);
    mica_word_t bits = pick_size_bits(r, type);
    mica_cptr_t root;
    mica_word_t index = 0, depth = 0, offset;
    int cn = a->t->main_cn;
    unsigned roll = (unsigned)below(r, 100);
    if (roll < 45) {
        root = 2;                   /* the main CNode itself */
    } else if (roll < 85) {
        root = 1;                   /* through the CSpace root: the slot holding the main CNode cap */
        index = 2;
        depth = MICA_WORD_BITS;
    } else {
        root = pick_cap(a, MICA_CAP_TYPE_CNODE);
        index = chance(r, 50) ? 0 : pick_cap(a, MICA_CAP_TYPE_CNODE);
        depth = pick_depth(r, chance(r, 50) ? 0 : MICA_WORD_BITS);
        cn = -1;
    }
    mica_word_t n = chance(r, 70) ? 1 : chance(r, 70) ? 1 + below(r, 8)
                  : (mica_word_t[]){ 0, 256, 257, 63, 64, 65, ~0ull }[below(r, 7)];
    int slot = empty_slot(r, a->t->main_cn);
    offset = chance(r, 90) && slot ? (mica_word_t)slot : interesting(r);
    mica_error_t e = mica_untyped_retype(ut, type, bits, root, index, depth, offset, n);
    if (e == MICA_INVALID_CAPABILITY && hint_of(ucn, uslot) == MICA_CAP_TYPE_UNTYPED)
        set_hint(ucn, uslot, HINT_UNKNOWN);     /* not (or no longer) an untyped: look again */
    if (e == MICA_NO_ERROR && cn >= 0) {
        static const uint8_t cap_of[MICA_OBJECT_TYPE_COUNT] = {
            MICA_CAP_TYPE_UNTYPED, MICA_CAP_TYPE_TCB, MICA_CAP_TYPE_ENDPOINT,
            MICA_CAP_TYPE_NOTIFICATION, MICA_CAP_TYPE_CNODE, MICA_CAP_TYPE_FRAME,
            HINT_LARGE_FRAME, MICA_CAP_TYPE_PAGE_TABLE, MICA_CAP_TYPE_VSPACE,
            MICA_CAP_TYPE_PDPT, MICA_CAP_TYPE_PAGE_DIRECTORY, HINT_HUGE_FRAME,
        };
        for (mica_word_t i = 0; i < n && offset + i < SLOTS; i++)
            set_hint(cn, (int)(offset + i), type < MICA_OBJECT_TYPE_COUNT ? cap_of[type] : HINT_UNKNOWN);
    }
}

static void do_tcb_op(actor_t *a, unsigned op)
{
    rng_t *r = &a->rng;
    mica_cptr_t tcb = pick_cap(a, MICA_CAP_TYPE_TCB);
    mica_cptr_t auth = chance(r, 70) ? pick_cap(a, MICA_CAP_TYPE_TCB) : pick_cap(a, -1);
    mica_word_t prio = chance(r, 80) ? below(r, 160) : interesting(r);
    switch (op) {
    case OP_TCB_CONFIGURE:
    case OP_TCB_SET_SPACE: {
        mica_cptr_t fep = chance(r, 60) ? a->t->fault_cptr : pick_cap(a, MICA_CAP_TYPE_ENDPOINT);
        mica_cptr_t croot = pick_cap(a, MICA_CAP_TYPE_CNODE);
        mica_word_t cdata = chance(r, 40) ? 0 : chance(r, 70) ? mica_cnode_capdata_new(0, 64 - RADIX)
                                                              : interesting(r);
        mica_cptr_t vroot = pick_cap(a, MICA_CAP_TYPE_VSPACE);
        mica_word_t vdata = chance(r, 90) ? 0 : interesting(r);
        if (op == OP_TCB_SET_SPACE) {
            mica_tcb_set_space(tcb, fep, croot, cdata, vroot, vdata);
        } else {
            mica_word_t bva = chance(r, 80) ? REGION(below(r, 4)) + (below(r, 64) << 10) : interesting(r);
            mica_tcb_configure(tcb, fep, croot, cdata, vroot, vdata, bva, pick_cap(a, MICA_CAP_TYPE_FRAME));
        }
        break;
    }
    case OP_TCB_SET_PRIORITY:
        mica_tcb_set_priority(tcb, auth, prio);
        break;
    case OP_TCB_SET_MC_PRIORITY:
        mica_tcb_set_mc_priority(tcb, auth, prio);
        break;
    case OP_TCB_SET_SCHED_PARAMS:
        mica_tcb_set_sched_params(tcb, auth, chance(r, 80) ? below(r, 200) : interesting(r), prio);
        break;
    case OP_TCB_SET_IPC_BUFFER: {
        mica_word_t bva = chance(r, 80) ? REGION(below(r, 4)) + (below(r, 64) << 10) : interesting(r);
        mica_tcb_set_ipc_buffer(tcb, bva, pick_cap(a, MICA_CAP_TYPE_FRAME));
        break;
    }
    case OP_TCB_RESUME:
        mica_tcb_resume(tcb);
        break;
    case OP_TCB_SUSPEND:
        mica_tcb_suspend(tcb);
        break;
    case OP_TCB_READ_REGISTERS: {
        mica_user_context_t regs;
        mica_word_t count = chance(r, 80) ? 1 + below(r, MICA_USER_CONTEXT_WORDS) : interesting(r);
        /* The stub reads MR4.. from the IPC buffer: ask for more than 4 only with one. */
        if (count > 4 && !mica_get_ipc_buffer())
            count = 4;
        if (count > MICA_USER_CONTEXT_WORDS)
            count = MICA_USER_CONTEXT_WORDS + (count & 1);  /* stays a RangeError */
        mica_tcb_read_registers(tcb, chance(r, 20), (uint8_t)below(r, 4), count, &regs);
        break;
    }
    case OP_TCB_WRITE_REGISTERS: {
        mica_user_context_t regs = { 0 };
        regs.pc = pick_pc(r);
        regs.sp = pick_sp(r);
        regs.r0 = chance(r, 70) ? below(r, fz.ntasks) : mr(r);
        regs.r1 = rnd(r);
        regs.r2 = mr(r); regs.r3 = mr(r); regs.r4 = mr(r); regs.r5 = mr(r);
        regs.r6 = mr(r); regs.r7 = mr(r); regs.tls = mr(r);
        mica_word_t count = chance(r, 70) ? below(r, MICA_USER_CONTEXT_WORDS + 1) : interesting(r);
        mica_tcb_write_registers(tcb, chance(r, 70), (uint8_t)below(r, 4), count, &regs);
        break;
    }
    case OP_TCB_COPY_REGISTERS:
        mica_tcb_copy_registers(tcb, pick_cap(a, MICA_CAP_TYPE_TCB), chance(r, 30), chance(r, 50),
                                chance(r, 50), chance(r, 50), (uint8_t)below(r, 4));
        break;
    case OP_TCB_BIND_NOTIFICATION:
        mica_tcb_bind_notification(tcb, pick_cap(a, MICA_CAP_TYPE_NOTIFICATION));
        break;
    case OP_TCB_UNBIND_NOTIFICATION:
        mica_tcb_unbind_notification(tcb);
        break;
    case OP_TCB_SET_AFFINITY:
        mica_tcb_set_affinity(tcb, chance(r, 70) ? below(r, fz.ncpus) : interesting(r));
        break;
    case OP_TCB_SET_TLS_BASE:
        mica_tcb_set_tls_base(tcb, mr(r));
        break;
    default:
        break;
    }
}

/* Under the kernel lock: k[1] = the size_bits of the frame cap at CPtr k[0] of the caller (0: none). */
static void frame_bits_step(hw_word_t k[8])
{
    const ks_cpu_t *me = cpu_state(ks.num_cpus > 1 ? mica_sim_cpu() : 0);
    lookup_slot_ret_t l = lookup_slot(me->stalled ? me->orphan : me->cur_thread, k[0]);
    k[1] = l.status == EXCEPTION_NONE && cap_type(l.slot->cap) == MICA_CAP_TYPE_FRAME
           ? cap_frame_size_bits(l.slot->cap) : 0;
}

/* A frame cap: a 4 KiB one mostly, a 2 MiB or 1 GiB one sometimes. */
static mica_cptr_t pick_any_frame(actor_t *a)
{
    unsigned roll = (unsigned)below(&a->rng, 100);
    return pick_cap(a, roll < 80 ? MICA_CAP_TYPE_FRAME : roll < 90 ? HINT_LARGE_FRAME : HINT_HUGE_FRAME);
}

/*
 * The paging invocations, at every level: PDPT, page directory and page
 * table Map/Unmap, and Page_Map of 4 KiB, 2 MiB and 1 GiB frames, at
 * vaddrs across the 47 bits (pick_level_vaddr). A map that worked leaves
 * its vaddr in fz.place, so later ones find the levels it built.
 */
static void do_vspace_op(actor_t *a, unsigned op)
{
    rng_t *r = &a->rng;
    mica_error_t e = MICA_INVALID_ARGUMENT;
    mica_word_t va = 0;
    mica_word_t attr = chance(r, 90) ? 0 : mr(r);
    /* The task's own VSpace often (where its threads run), any VSpace cap otherwise. */
    task_t *t = a->t;
    mica_cptr_t vs = t->vspace_cptr && hint_of(t->main_cn, (int)t->vspace_cptr) == MICA_CAP_TYPE_VSPACE &&
                     chance(r, 50) ? t->vspace_cptr : pick_cap(a, MICA_CAP_TYPE_VSPACE);
    /* A map of an object that is mapped already fails: move it, sometimes (unmap, then map). */
    int move = chance(r, 35);
    mica_cptr_t obj = 0;
    switch (op) {
    case OP_PDPT_MAP:
        va = pick_level_vaddr(r, MICA_HUGE_PAGE_BITS + MICA_PDPT_INDEX_BITS);
        obj = pick_cap(a, MICA_CAP_TYPE_PDPT);
        if (move)
            mica_pdpt_unmap(obj);
        e = mica_pdpt_map(obj, vs, va, attr);
        break;
    case OP_PDPT_UNMAP:
        e = mica_pdpt_unmap(pick_cap(a, MICA_CAP_TYPE_PDPT));
        break;
    case OP_PAGE_DIRECTORY_MAP:
        va = pick_level_vaddr(r, MICA_HUGE_PAGE_BITS);
        obj = pick_cap(a, MICA_CAP_TYPE_PAGE_DIRECTORY);
        if (move)
            mica_page_directory_unmap(obj);
        e = mica_page_directory_map(obj, vs, va, attr);
        break;
    case OP_PAGE_DIRECTORY_UNMAP:
        e = mica_page_directory_unmap(pick_cap(a, MICA_CAP_TYPE_PAGE_DIRECTORY));
        break;
    case OP_PAGE_TABLE_MAP:
        va = chance(r, 50) ? pick_vaddr(r) : pick_level_vaddr(r, MICA_LARGE_PAGE_BITS);
        obj = pick_cap(a, MICA_CAP_TYPE_PAGE_TABLE);
        if (move)
            mica_page_table_unmap(obj);
        e = mica_page_table_map(obj, vs, va, attr);
        break;
    case OP_PAGE_TABLE_UNMAP:
        e = mica_page_table_unmap(pick_cap(a, MICA_CAP_TYPE_PAGE_TABLE));
        break;
    case OP_PAGE_MAP:
    case OP_LARGE_PAGE_MAP:
    case OP_HUGE_PAGE_MAP:
        if (op == OP_PAGE_MAP)
            va = chance(r, 50) ? pick_vaddr(r) : pick_level_vaddr(r, MICA_PAGE_BITS);
        else
            va = pick_level_vaddr(r, op == OP_LARGE_PAGE_MAP ? MICA_LARGE_PAGE_BITS : MICA_HUGE_PAGE_BITS);
        obj = pick_cap(a, op == OP_PAGE_MAP ? MICA_CAP_TYPE_FRAME : op == OP_LARGE_PAGE_MAP ?
                       HINT_LARGE_FRAME : HINT_HUGE_FRAME);
        if (move && op != OP_PAGE_MAP)
            mica_page_unmap(obj);
        e = mica_page_map(obj, vs, va, random_rights(r), attr);
        break;
    case OP_PAGE_UNMAP:
        e = mica_page_unmap(pick_any_frame(a));
        break;
    case OP_PAGE_GET_ADDRESS:
        e = mica_page_get_address(pick_any_frame(a)).error;
        break;
    default:
        return;
    }
    if (e != MICA_NO_ERROR)
        return;
    if (op == OP_PAGE_MAP || op == OP_LARGE_PAGE_MAP || op == OP_HUGE_PAGE_MAP) {
        /* A success counts when the frame was of the operation's size (hints are guesses). */
        hw_word_t k[8] = { obj };
        sim_task_kernel_call(frame_bits_step, k);
        if (k[1] != (op == OP_PAGE_MAP ? MICA_PAGE_BITS : op == OP_LARGE_PAGE_MAP ? MICA_LARGE_PAGE_BITS
                                                                                : MICA_HUGE_PAGE_BITS)) {
            remember_place(va);
            return;
        }
    }
    ADD(fz.ops_ok[op], 1);
    if (op == OP_PDPT_MAP || op == OP_PAGE_DIRECTORY_MAP || op == OP_PAGE_TABLE_MAP || op == OP_PAGE_MAP ||
        op == OP_LARGE_PAGE_MAP || op == OP_HUGE_PAGE_MAP)
        remember_place(va);
}

/*
 * Retype one paging object - PDPT, page directory, page table, or a 4 KiB,
 * 2 MiB or 1 GiB frame - from an untyped of the task into an empty slot of
 * its main CNode. A 1 GiB frame needs the copy of the 1 GiB pool (when boot
 * had the memory): aimed at it often, and revoked first sometimes, as
 * smaller objects fill it.
 */
static void do_paging_retype(actor_t *a, unsigned op)
{
    static const struct { mica_word_t type; uint8_t hint; } kind[] = {
        [OP_RETYPE_PDPT - OP_RETYPE_PDPT] = { MICA_PDPT_OBJECT, MICA_CAP_TYPE_PDPT },
        [OP_RETYPE_PAGE_DIRECTORY - OP_RETYPE_PDPT] = { MICA_PAGE_DIRECTORY_OBJECT,
                                                        MICA_CAP_TYPE_PAGE_DIRECTORY },
        [OP_RETYPE_PAGE_TABLE - OP_RETYPE_PDPT] = { MICA_PAGE_TABLE_OBJECT, MICA_CAP_TYPE_PAGE_TABLE },
        [OP_RETYPE_FRAME - OP_RETYPE_PDPT] = { MICA_FRAME_OBJECT, MICA_CAP_TYPE_FRAME },
        [OP_RETYPE_LARGE_FRAME - OP_RETYPE_PDPT] = { MICA_LARGE_FRAME_OBJECT, HINT_LARGE_FRAME },
        [OP_RETYPE_HUGE_FRAME - OP_RETYPE_PDPT] = { MICA_HUGE_FRAME_OBJECT, HINT_HUGE_FRAME },
    };
    rng_t *r = &a->rng;
    unsigned k = op - OP_RETYPE_PDPT;
    int ucn = -1, uslot = -1;
    mica_cptr_t ut = 0;
    mica_word_t prefix[2];
    int cns[2];
    unsigned nw = windows(a->t, prefix, cns);
    if (op == OP_RETYPE_HUGE_FRAME && fz.huge_pool && chance(r, 80)) {
        for (unsigned w = 0; w < nw; w++)
            if (cns[w] == fz.huge_pool_cn && hint_of(fz.huge_pool_cn, fz.huge_pool_slot) ==
                MICA_CAP_TYPE_UNTYPED) {
                ut = prefix[w] | (mica_word_t)fz.huge_pool_slot;
                ucn = fz.huge_pool_cn;
                uslot = fz.huge_pool_slot;
            }
        /* Smaller objects fill the pool: revoke it first, sometimes, so that 1 GiB fits again. */
        if (ucn >= 0 && chance(r, 50))
            mica_cnode_revoke(1, ut, MICA_WORD_BITS);
    }
    if (ucn < 0)
        ut = pick_cap_at(a, MICA_CAP_TYPE_UNTYPED, &ucn, &uslot);
    int slot = empty_slot(r, a->t->main_cn);
    if (!slot)
        return;
    mica_error_t e = mica_untyped_retype(ut, kind[k].type, chance(r, 95) ? 0 : interesting(r), 2, 0, 0,
                                         (mica_word_t)slot, 1);
    if (e == MICA_INVALID_CAPABILITY && hint_of(ucn, uslot) == MICA_CAP_TYPE_UNTYPED)
        set_hint(ucn, uslot, HINT_UNKNOWN);
    if (e == MICA_NO_ERROR) {
        set_hint(a->t->main_cn, slot, kind[k].hint);
        ADD(fz.ops_ok[op], 1);
    }
}

static void do_ipc_op(actor_t *a, unsigned op)
{
    rng_t *r = &a->rng;
    int want = chance(r, 60) ? MICA_CAP_TYPE_ENDPOINT : chance(r, 60) ? MICA_CAP_TYPE_NOTIFICATION
             : chance(r, 30) ? MICA_CAP_TYPE_REPLY : -1;
    if (op == OP_SIGNAL || op == OP_WAIT || op == OP_POLL)
        want = chance(r, 80) ? MICA_CAP_TYPE_NOTIFICATION : want;
    mica_cptr_t cap = pick_cap(a, want);
    mica_word_t badge, m0 = mr(r), m1 = mr(r), m2 = mr(r), m3 = mr(r);
    mica_msginfo_t info;
    switch (op) {
    case OP_SEND:
        info = pick_info(a);
        mica_send(cap, info);
        break;
    case OP_NBSEND:
        info = pick_info(a);
        mica_nbsend(cap, info);
        break;
    case OP_CALL:
        info = pick_info(a);
        maybe_receive_path(a);
        received(a, mica_call(cap, info));
        break;
    case OP_RECV:
        maybe_receive_path(a);
        received(a, mica_recv(cap, &badge));
        break;
    case OP_NBRECV:
        maybe_receive_path(a);
        received(a, mica_nbrecv(cap, &badge));
        break;
    case OP_REPLY:
        info = pick_info(a);
        mica_reply(info);
        break;
    case OP_REPLY_RECV:
        info = pick_info(a);
        maybe_receive_path(a);
        received(a, mica_reply_recv(cap, info, &badge));
        break;
    case OP_YIELD:
        mica_yield();
        break;
    case OP_SIGNAL:
        mica_signal(cap);
        break;
    case OP_WAIT:
        mica_wait(cap, &badge);
        break;
    case OP_POLL:
        mica_poll(cap, &badge);
        break;
    case OP_SEND_MRS:
        info = pick_info(a);
        mica_send_with_mrs(cap, info, &m0, chance(r, 50) ? &m1 : NULL, &m2, NULL);
        break;
    case OP_NBSEND_MRS:
        info = pick_info(a);
        mica_nbsend_with_mrs(cap, info, &m0, &m1, &m2, &m3);
        break;
    case OP_CALL_MRS:
        info = pick_info(a);
        received(a, mica_call_with_mrs(cap, info, &m0, &m1, chance(r, 50) ? &m2 : NULL, &m3));
        break;
    case OP_RECV_MRS:
        received(a, mica_recv_with_mrs(cap, &badge, &m0, &m1, &m2, &m3));
        break;
    case OP_REPLY_MRS:
        info = pick_info(a);
        mica_reply_with_mrs(info, &m0, &m1, &m2, &m3);
        break;
    case OP_REPLY_RECV_MRS:
        info = pick_info(a);
        received(a, mica_reply_recv_with_mrs(cap, info, &badge, &m0, NULL, &m2, &m3));
        break;
    default:
        break;
    }
}

/* An invocation with any label on any cap: every decoder sees every label. */
static void do_raw_invoke(actor_t *a)
{
    rng_t *r = &a->rng;
    mica_cptr_t cap = pick_cap(a, chance(r, 80) ? (int)below(r, MICA_CAP_TYPE_COUNT) : -1);
    mica_word_t label = chance(r, 90) ? below(r, MICA_NUM_INVOCATION_LABELS + 2) : interesting(r);
    mica_word_t len = chance(r, 60) ? below(r, 12) : below(r, 128);
    mica_word_t ncaps = below(r, 4);
    mica_word_t m[4] = { mr(r), mr(r), mr(r), mr(r) };
    fill_buffer(a, (unsigned)len, (unsigned)ncaps);
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    if (label == MICA_TCB_WRITE_REGISTERS) {
        /* MR2 is the new pc: a host function or nothing, never random code. */
        m[2] = pick_pc(r);
        m[3] = pick_sp(r);
    }
    if (b)
        for (unsigned i = 0; i < 4; i++)
            b->msg[i] = m[i];
    mica_msginfo_t info = mica_msginfo_new(label, 0, ncaps, len);
    maybe_receive_path(a);
    switch (below(r, 4)) {
    case 0:
        mica_send_with_mrs(cap, info, &m[0], &m[1], &m[2], &m[3]);
        break;
    case 1:
        mica_nbsend_with_mrs(cap, info, &m[0], &m[1], &m[2], &m[3]);
        break;
    default:
        received(a, mica_call_with_mrs(cap, info, &m[0], &m[1], &m[2], &m[3]));
        break;
    }
}

/* Any registers and any system call number (never halt: that is its own operation). */
static void do_raw_syscall(actor_t *a)
{
    rng_t *r = &a->rng;
    hw_word_t regs[8];
    for (unsigned i = 0; i < 8; i++)
        regs[i] = mr(r);
    regs[0] = chance(r, 80) ? pick_cap(a, -1) : mr(r);
    regs[1] = chance(r, 60) ? pick_info(a).words[0] : mr(r);
    long sysno = chance(r, 85) ? -1 - (long)below(r, 14) : chance(r, 50) ? MICA_SYS_THREAD_EXIT
                                                                         : (long)mr(r);
    if (sysno == MICA_SYS_DEBUG_HALT || (sysno == MICA_SYS_DEBUG_PUT_CHAR && !fz.cfg.console))
        sysno = MICA_SYS_YIELD;
    if (sysno == MICA_SYS_DEBUG_NAME_THREAD && !mica_get_ipc_buffer())
        sysno = MICA_SYS_DEBUG_CAP_IDENTIFY;
    regs[7] = (hw_word_t)sysno;
    mica_msginfo_t info = { { regs[1] } };
    if (mica_msginfo_get_label(info) == MICA_TCB_WRITE_REGISTERS) {
        regs[4] = pick_pc(r);       /* MR2 = pc */
        regs[5] = pick_sp(r);
    }
    raw_trap(regs);
}

static void do_debug_op(actor_t *a, unsigned op)
{
    rng_t *r = &a->rng;
    int cn, slot;
    switch (op) {
    case OP_DEBUG_PUT_CHAR:
        if (fz.cfg.console)
            mica_debug_put_char((char)below(r, 256));
        else
            mica_yield();       /* keep stdout clean (test logs) */
        break;
    case OP_DEBUG_NAME_THREAD: {
        char name[40];
        snprintf(name, sizeof name, "fzt%lu-%lu", (unsigned long)a->t->idx,
                 (unsigned long)below(r, 1000));
        if (chance(r, 10))
            memset(name, 'x', sizeof name - 1), name[sizeof name - 1] = 0;
        mica_debug_name_thread(pick_cap(a, MICA_CAP_TYPE_TCB), name);
        break;
    }
    case OP_DEBUG_CAP_IDENTIFY: {
        int want = chance(r, 50) ? HINT_UNKNOWN : chance(r, 50) ? (int)below(r, MICA_CAP_TYPE_COUNT) : -1;
        mica_cptr_t c = pick_cap_at(a, want, &cn, &slot);
        mica_cap_type_t ty = mica_debug_cap_identify(c);
        if (cn >= 0)
            set_hint(cn, slot, ty);
        break;
    }
    case OP_DEBUG_DUMP_SCHEDULER:
        mica_debug_dump_scheduler();
        break;
    case OP_DEBUG_HALT:
        if (fz.cfg.allow_halt_op && below(r, 1024) == 0)
            finish(FZ_END_HALT_OP);
        mica_debug_cap_identify(pick_cap(a, -1));
        break;
    default:
        break;
    }
}

/* Any interrupt line: mostly the devices' lines, sometimes any line, sometimes out of range. */
static mica_word_t pick_irq(rng_t *r)
{
    unsigned roll = (unsigned)below(r, 100);
    if (roll < 45 && fz.ndev)
        return fz.dev[below(r, fz.ndev)].irq;
    if (roll < 80)
        return below(r, MICA_MAX_IRQ + 1);
    return chance(r, 50) ? MICA_MAX_IRQ + 1 + below(r, 4) : interesting(r);
}

static void do_irq_op(actor_t *a, unsigned op)
{
    rng_t *r = &a->rng;
    mica_cptr_t root;
    mica_word_t index;
    uint8_t depth;
    int cn, slot;
    switch (op) {
    case OP_IRQ_CONTROL_GET: {
        pick_path(a, 1, -1, &root, &index, &depth, &cn, &slot);
        if (mica_irq_control_get(pick_cap(a, MICA_CAP_TYPE_IRQ_CONTROL), pick_irq(r), root, index,
                                 depth) == MICA_NO_ERROR)
            set_hint(cn, slot, MICA_CAP_TYPE_IRQ_HANDLER);
        break;
    }
    case OP_IRQ_HANDLER_ACK:
        mica_irq_handler_ack(pick_cap(a, MICA_CAP_TYPE_IRQ_HANDLER));
        break;
    case OP_IRQ_HANDLER_SET_NOTIFICATION:
        mica_irq_handler_set_notification(pick_cap(a, MICA_CAP_TYPE_IRQ_HANDLER),
                                          pick_cap(a, chance(r, 85) ? MICA_CAP_TYPE_NOTIFICATION : -1));
        break;
    case OP_IRQ_HANDLER_CLEAR:
        mica_irq_handler_clear(pick_cap(a, MICA_CAP_TYPE_IRQ_HANDLER));
        break;
    case OP_IRQ_DELETE: {
        /*
         * Take an IRQ's caps away: delete or revoke a handler cap (the last
         * one frees the line), revoke IRQControl (every handler goes), or
         * delete a notification cap (maybe the one a handler's set to).
         */
        unsigned roll = (unsigned)below(r, 100);
        int want = roll < 55 ? MICA_CAP_TYPE_IRQ_HANDLER : roll < 70 ? MICA_CAP_TYPE_IRQ_CONTROL
                 : MICA_CAP_TYPE_NOTIFICATION;
        pick_path(a, 0, want, &root, &index, &depth, &cn, &slot);
        if (want == MICA_CAP_TYPE_IRQ_CONTROL || (want == MICA_CAP_TYPE_IRQ_HANDLER && chance(r, 30))) {
            mica_cnode_revoke(root, index, depth);
        } else if (mica_cnode_delete(root, index, depth) == MICA_NO_ERROR) {
            set_hint(cn, slot, MICA_CAP_TYPE_NULL);
        }
        break;
    }
    default:
        break;
    }
}

/* --- devices: the fuzzer's own model, device frames and MMIO ----------------------- */

/*
 * fzdev, the fuzzer's device (fz_machine adds it): its line goes up and
 * down at virtual times drawn from a PRNG seeded by the campaign's seed,
 * so raises land between any two operations - while the line is masked,
 * before SetNotification, after the handler cap went - the same way in
 * every replay. Registers (8 bytes apart; any size reads or writes the
 * low bytes):
 *   0x00 R  FZ_DEVICE_ID            0x08 RW the line's level (bit 0)
 *   0x10 R  raises so far; W: next event in value ns (at most 1 ms)
 *   0x18 R  now (ns); W: a pulse (down and up: a raise if it was down)
 *   0x20 R  events so far
 *   0x400..0x7ff  plain storage; anything else reads as a pattern
 * Deterministic on one CPU: callbacks run in kernel entries, and only
 * they use its PRNG.
 */
#define FZ_DEVICE_ID 0x5645445a46ull        /* "FZDEV" */
#define FZ_STORE 0x400
static struct {
    uint64_t seed;
    rng_t rng;
    int level;
    uint64_t raises, events, reads, writes;
    uint8_t store[0x400];
} fzd;

static void fzd_set(mica_device_t *dev, int level)
{
    if (level && !fzd.level)
        fzd.raises++;
    fzd.level = level;
    mica_device_set_irq(dev, level != 0);
}

static uint64_t fzd_read(mica_device_t *dev, void *ctx, mica_word_t off, unsigned size)
{
    (void)ctx;
    uint64_t v = 0;
    fzd.reads++;
    switch (off) {
    case 0x00: return FZ_DEVICE_ID;
    case 0x08: return (uint64_t)fzd.level;
    case 0x10: return fzd.raises;
    case 0x18: return mica_device_now(dev);
    case 0x20: return fzd.events;
    default:
        break;
    }
    if (off >= FZ_STORE && off - FZ_STORE < sizeof fzd.store) {
        for (unsigned i = 0; i < size && off - FZ_STORE + i < sizeof fzd.store; i++)
            v |= (uint64_t)fzd.store[off - FZ_STORE + i] << (8 * i);
        return v;
    }
    return 0xa5a5a5a5a5a5a5a5ull ^ off;
}

static void fzd_write(mica_device_t *dev, void *ctx, mica_word_t off, unsigned size, uint64_t v)
{
    (void)ctx;
    fzd.writes++;
    switch (off) {
    case 0x08:
        fzd_set(dev, (int)(v & 1));
        return;
    case 0x10:
        mica_device_schedule(dev, mica_device_now(dev) + (v > 1000000 ? 1000000 : v));
        return;
    case 0x18:
        fzd_set(dev, 0);
        fzd_set(dev, 1);
        return;
    default:
        break;
    }
    if (off >= FZ_STORE && off - FZ_STORE < sizeof fzd.store)
        for (unsigned i = 0; i < size && off - FZ_STORE + i < sizeof fzd.store; i++)
            fzd.store[off - FZ_STORE + i] = (uint8_t)(v >> (8 * i));
}

/* The next event: 1 to 120 us from now, most often soon. */
static void fzd_next(mica_device_t *dev)
{
    uint64_t us = chance(&fzd.rng, 70) ? 1 + below(&fzd.rng, 20) : 1 + below(&fzd.rng, 120);
    mica_device_schedule(dev, mica_device_now(dev) + us * 1000);
}

static void fzd_event(mica_device_t *dev, void *ctx)
{
    (void)ctx;
    fzd.events++;
    unsigned roll = (unsigned)below(&fzd.rng, 100);
    if (roll < 40) {
        fzd_set(dev, 1);
    } else if (roll < 75) {
        fzd_set(dev, 0);
    } else if (roll < 90) {
        fzd_set(dev, 0);            /* a pulse: a raise even if it was up */
        fzd_set(dev, 1);
    }                               /* else: nothing this time */
    fzd_next(dev);
}

static int fzd_start(mica_device_t *dev, void *ctx)
{
    (void)ctx;
    seed_rng(&fzd.rng, fzd.seed);
    fzd.level = 0;
    fzd.raises = fzd.events = fzd.reads = fzd.writes = 0;
    memset(fzd.store, 0, sizeof fzd.store);
    fzd_next(dev);
    return 0;
}

/* The run stops: its figures for the report. */
static void fzd_stop(mica_device_t *dev, void *ctx)
{
    (void)dev; (void)ctx;
    fz.res.dev_events = fzd.events;
    fz.res.dev_raises = fzd.raises;
    fz.res.dev_reads = fzd.reads;
    fz.res.dev_writes = fzd.writes;
}

static const mica_device_model_t fzd_model = {
    .name = FZ_DEVICE_NAME, .irq = FZ_DEVICE_IRQ, .read = fzd_read, .write = fzd_write,
    .event = fzd_event, .start = fzd_start, .stop = fzd_stop,
};

void fz_machine(mica_config_t *mc, const fz_config_t *fc)
{
    fzd.seed = fz_mix(fc->seed, 0xfd);
    mc->extra_devices = &fzd_model;
    mc->num_extra_devices = 1;
    mc->console_output = "/dev/null";   /* what tasks write to uart0 */
    mc->console_input = NULL;
    mc->disk_path = NULL;               /* blk0 in memory: its writes never reach a file */
    mc->disk_bytes = 1ul << 20;
}

/* A cap of a device (by the hints, usually): *dev = which device, -1 if not known. */
static mica_cptr_t pick_dev_cap(actor_t *a, int frames, int *cn_out, int *slot_out, int *dev)
{
    rng_t *r = &a->rng;
    mica_word_t prefix[2];
    int cn[2];
    unsigned nw = windows(a->t, prefix, cn);
    *dev = -1;
    if (chance(r, 85)) {
        unsigned w = (unsigned)below(r, nw), j = (unsigned)below(r, SLOTS);
        for (unsigned k = 0; k < SLOTS * nw; k++) {
            unsigned ww = (w + (j + k) / SLOTS) % nw, jj = (j + k) % SLOTS;
            uint8_t h = LOAD(fz.cn[cn[ww]].hint[jj]);
            if (frames ? IS_HINT_DEV_FRAME(h) : IS_HINT_DEV_UT(h)) {
                *dev = frames ? h - HINT_DEV_FRAME(0) : h - HINT_DEV_UT(0);
                *cn_out = cn[ww];
                *slot_out = (int)jj;
                return prefix[ww] | jj;
            }
        }
    }
    return pick_cap_at(a, frames ? MICA_CAP_TYPE_FRAME : MICA_CAP_TYPE_UNTYPED, cn_out, slot_out);
}

/* Retype a device untyped: a frame of the device's register page, mostly. */
static void do_dev_retype(actor_t *a)
{
    rng_t *r = &a->rng;
    int ucn = -1, uslot = -1, d;
    mica_cptr_t ut = pick_dev_cap(a, 0, &ucn, &uslot, &d);
    unsigned roll = (unsigned)below(r, 100);
    mica_word_t type = roll < 85 ? MICA_FRAME_OBJECT : roll < 90 ? MICA_LARGE_FRAME_OBJECT
                     : below(r, MICA_OBJECT_TYPE_COUNT);
    mica_word_t bits = chance(r, 90) ? 0 : pick_size_bits(r, type);
    int slot = empty_slot(r, a->t->main_cn);
    if (!slot)
        return;
    mica_cptr_t root = chance(r, 50) ? 2 : 1;
    mica_word_t index = root == 2 ? 0 : 2, depth = root == 2 ? 0 : MICA_WORD_BITS;
    mica_word_t n = chance(r, 90) ? 1 : below(r, 3);
    mica_error_t e = mica_untyped_retype(ut, type, bits, root, index, depth, (mica_word_t)slot, n);
    if (e == MICA_NO_ERROR && n >= 1 && type == MICA_FRAME_OBJECT && d >= 0)
        ADD(fz.res.dev_frames_made, 1);
    if (e == MICA_NO_ERROR && n >= 1)
        set_hint(a->t->main_cn, slot, type == MICA_FRAME_OBJECT && d >= 0 ? HINT_DEV_FRAME(d)
                                      : type == MICA_FRAME_OBJECT || type == MICA_LARGE_FRAME_OBJECT
                                      ? MICA_CAP_TYPE_FRAME : HINT_UNKNOWN);
}

/* Map (or unmap) a device frame: in the task's own VSpace mostly, any rights. */
static void do_dev_map(actor_t *a)
{
    rng_t *r = &a->rng;
    int cn = -1, slot = -1, d;
    mica_cptr_t f = pick_dev_cap(a, 1, &cn, &slot, &d);
    unsigned how = (unsigned)below(r, 100);
    if (how < 60) {
        /* Unmap: to leave it so, or to map it elsewhere (a frame cap maps once at a time). */
        mica_page_unmap(f);
        if (how < 15)
            return;
    }
    task_t *t = a->t;
    mica_cptr_t vs = t->vspace_cptr && hint_of(t->main_cn, (int)t->vspace_cptr) == MICA_CAP_TYPE_VSPACE &&
                     chance(r, 75) ? t->vspace_cptr : pick_cap(a, MICA_CAP_TYPE_VSPACE);
    mica_word_t va = chance(r, 80) ? REGION(1 + below(r, NREGIONS)) +
                                     ((DEV_PAGES_FROM + below(r, 32)) << MICA_PAGE_BITS)
                                   : pick_vaddr(r);
    unsigned roll = (unsigned)below(r, 100);
    mica_cap_rights_t rights = roll < 60 ? MICA_READ_WRITE : roll < 80 ? MICA_CAN_READ
                             : random_rights(r);
    if (mica_page_map(f, vs, va, rights, chance(r, 95) ? 0 : mr(r)) == MICA_NO_ERROR) {
        ADD(fz.res.dev_frames_mapped, 1);
        /* Several CPUs: a torn entry is only a worse guess. */
        unsigned k = (unsigned)ADD(fz.ndmap, 1) % DMAP;
        STORE(fz.dmap[k].vaddr, va);
        STORE(fz.dmap[k].dev, d);
    }
}

/* Under the kernel lock: what the current VSpace maps at k[0] - k[1] = paddr (~0: nothing). */
static void probe_step(hw_word_t k[8])
{
    hw_window_entry_t e;
    hw_word_t vs = kernel_current_vspace();
    k[1] = ~(hw_word_t)0;
    if (vs && hw_window_probe(vs, k[0], &e) == 0 && e.size_bits)
        k[1] = e.paddr + (k[0] & ((BIT(e.size_bits) - 1) & ~(hw_word_t)(BIT(MICA_PAGE_BITS) - 1)));
}

/*
 * The device whose page vaddr's page is in the current VSpace, -1 if none.
 * Exact when nothing else runs between this and the access - one CPU, the
 * virtual clock (no entry in between) - else a guess (*exact = 0).
 */
static int device_at(mica_word_t vaddr, int *exact)
{
    *exact = fz.ncpus == 1 && !hw_clock_real;
    hw_word_t k[8] = { vaddr & ~(mica_word_t)(BIT(MICA_PAGE_BITS) - 1) };
    sim_task_kernel_call(probe_step, k);
    for (unsigned d = 0; d < fz.ndev; d++)
        if (k[1] == fz.dev[d].paddr)
            return (int)d;
    return -1;
}

/*
 * blk0's DMA stays outside RAM: every address a task writes has bit 31 set
 * in its low word (RAM is smaller than 2 GiB), and the queue turns ready
 * only when the fuzzer knows each of its three addresses was written so
 * since blk0's last reset (the reset clears them to 0, which is RAM). The
 * shadow follows blk0's rules for the writes it sees (virtio-mmio: 32-bit
 * registers; layout writes only to queue 0 while it is not ready); with
 * several CPUs or the real clock it cannot be sure what an access hits,
 * so no write ever makes the queue ready. A rule of page offsets, so that
 * a stale guess of which device a page is cannot break it.
 */
static uint64_t blk_sanitize(mica_word_t off, unsigned size, uint64_t v, int is_blk, int exact)
{
    if (size != 4 || (off & 3))
        return v;                       /* blk0 ignores these */
    if (off >= 0x080 && off < 0x0a8)
        v |= 0x80000000u;
    if (off == 0x044 && (v & 1) && !(is_blk && exact && fz.blk.addr_ok == 7))
        v &= ~(uint64_t)1;
    if (is_blk && exact) {
        uint32_t w = (uint32_t)v;
        int setup = fz.blk.sel == 0 && !fz.blk.ready;
        switch (off) {
        case 0x070: if (w == 0) memset(&fz.blk, 0, sizeof fz.blk); break;
        case 0x030: fz.blk.sel = w; break;
        case 0x044: if (fz.blk.sel == 0) fz.blk.ready = w & 1; break;
        case 0x080: if (setup) fz.blk.addr_ok |= 1; break;
        case 0x090: if (setup) fz.blk.addr_ok |= 2; break;
        case 0x0a0: if (setup) fz.blk.addr_ok |= 4; break;
        default: break;
        }
    }
    return v;
}

/* A register offset for device kind k: its registers mostly, anything sometimes. */
static mica_word_t pick_reg(rng_t *r, int kind, unsigned *size)
{
    static const uint16_t timer[] = { 0x00, 0x08, 0x10, 0x18, 0x20, 0x28 };
    static const uint16_t uart[] = { 0, 1, 2, 3, 4, 5, 6, 7, 0x10 };
    static const uint16_t blk[] = { 0x000, 0x004, 0x008, 0x00c, 0x010, 0x014, 0x020, 0x024, 0x030,
                                    0x034, 0x038, 0x044, 0x050, 0x060, 0x064, 0x070, 0x080, 0x084,
                                    0x090, 0x094, 0x0a0, 0x0a4, 0x0fc, 0x100, 0x108, 0x114 };
    static const uint16_t fzr[] = { 0x00, 0x08, 0x08, 0x08, 0x10, 0x18, 0x20, 0x400, 0x7f8 };
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    *size = sizes[below(r, 4)];
    unsigned roll = (unsigned)below(r, 100);
    if (roll < 75) {
        switch (kind) {
        case DEV_TIMER: *size = chance(r, 80) ? 8 : *size; return timer[below(r, 6)];
        case DEV_UART: *size = chance(r, 80) ? 1 : *size; return uart[below(r, 9)];
        case DEV_BLK: *size = chance(r, 85) ? 4 : *size; return blk[below(r, sizeof blk / 2)];
        case DEV_FZ: return fzr[below(r, sizeof fzr / 2)];
        default: break;
        }
    }
    if (roll < 97)
        return below(r, 4096) & ~(mica_word_t)(*size - 1);     /* aligned */
    return 4096 - 1 - below(r, 8);      /* unaligned, may run past the page */
}

/* A value to write to register off of device kind k. */
static uint64_t pick_value(rng_t *r, int kind, mica_word_t off)
{
    if (chance(r, 40))
        return interesting(r);
    switch (kind) {
    case DEV_TIMER:
        if (off == 0x10 || off == 0x18)             /* compare, period: near now or short */
            return chance(r, 50) ? below(r, 200000) : 1 + below(r, 50000);
        return below(r, 8);
    case DEV_UART:
        return below(r, 256);
    case DEV_BLK:
        return off == 0x070 ? (chance(r, 30) ? 0 : below(r, 16)) : below(r, 4) ? below(r, 70) : rnd(r);
    case DEV_FZ:
        return off == 0x10 ? below(r, 100000) : below(r, 4);
    default:
        return rnd(r);
    }
}

/* The vaddr of an access: a device mapping remembered, or any page. */
static mica_word_t pick_mmio_vaddr(rng_t *r, int *dev)
{
    unsigned n = LOAD(fz.ndmap);
    if (n && chance(r, 85)) {
        unsigned k = (unsigned)below(r, n < DMAP ? n : DMAP);
        *dev = LOAD(fz.dmap[k].dev);
        return LOAD(fz.dmap[k].vaddr);
    }
    *dev = -1;
    return chance(r, 50) ? REGION(1 + below(r, NREGIONS)) +
                           ((DEV_PAGES_FROM + below(r, 32)) << MICA_PAGE_BITS) : pick_vaddr(r);
}

/*
 * A load or store of 1, 2, 4 or 8 bytes at a register of a mapped device
 * page (or of whatever is there: RAM, nothing - a VM fault), through
 * volatile pointers, so the compiler emits one mov of that size; reads
 * sign-extend sometimes (movsx). OP_MMIO_NON_MOV: an add to memory, which
 * on a device page is a VM fault.
 */
/* Register widths at any offset: unaligned accesses are part of the game (one mov each). */
typedef uint16_t uint16_t_u __attribute__((aligned(1)));
typedef uint32_t uint32_t_u __attribute__((aligned(1)));
typedef uint64_t uint64_t_u __attribute__((aligned(1)));
typedef int8_t int8_t_u;
typedef int16_t int16_t_u __attribute__((aligned(1)));
typedef int32_t int32_t_u __attribute__((aligned(1)));

/*
 * Not instrumented by AddressSanitizer: the access may land, on purpose, on
 * any mapped page of the task's VSpace - with VSpace stacks, a thread's
 * stack, whose redzones ASan would report as an overflow of this frame.
 */
__attribute__((no_sanitize("address")))
static void do_mmio(actor_t *a, unsigned op)
{
    rng_t *r = &a->rng;
    int guess, exact, d = -1;
    mica_word_t va = 0;
    volatile uint8_t *page = NULL;
    /* A few tries for a page that holds a device frame here (the guesses go stale). */
    for (unsigned k = 0; k < 4 && d < 0; k++) {
        va = pick_mmio_vaddr(r, &guess);
        page = mica_vaddr_to_ptr(va & ~(mica_word_t)(BIT(MICA_PAGE_BITS) - 1));
        if (!page)
            return;
        d = device_at(va, &exact);
    }
    if (d >= 0)
        ADD(fz.res.mmio_on_device, 1);
    int kind = d >= 0 ? fz.dev[d].kind : guess >= 0 && (unsigned)guess < fz.ndev ? fz.dev[guess].kind
             : DEV_OTHER;
    unsigned size;
    mica_word_t off = pick_reg(r, kind, &size);
    volatile uint8_t *p = page + off;
    if (op == OP_MMIO_NON_MOV) {
        if (!fz.cfg.crashes)
            return;
#if defined(__x86_64__)
        __asm__ volatile("addl $1, (%0)" : : "r"(page + (off & 0xffc)) : "memory");
#else
        __atomic_fetch_add((volatile uint32_t_u *)(page + (off & 0xffc)), 1, __ATOMIC_SEQ_CST);
#endif
        return;
    }
    if (op == OP_MMIO_WRITE) {
        uint64_t v = blk_sanitize(off, size, pick_value(r, kind, off),
                                  d >= 0 && fz.dev[d].kind == DEV_BLK, exact);
        switch (size) {
        case 1: *p = (uint8_t)v; break;
        case 2: *(volatile uint16_t_u *)p = (uint16_t)v; break;
        case 4: *(volatile uint32_t_u *)p = (uint32_t)v; break;
        default: *(volatile uint64_t_u *)p = v; break;
        }
        return;
    }
    int sx = chance(r, 25);
    uint64_t v;
    switch (size) {
    case 1: v = sx ? (uint64_t)(int64_t)*(volatile int8_t_u *)p : *p; break;
    case 2: v = sx ? (uint64_t)(int64_t)*(volatile int16_t_u *)p : *(volatile uint16_t_u *)p; break;
    case 4: v = sx ? (uint64_t)(int64_t)*(volatile int32_t_u *)p : *(volatile uint32_t_u *)p; break;
    default: v = *(volatile uint64_t_u *)p; break;
    }
    (void)v;
}

static void do_mem_op(actor_t *a, unsigned op)
{
    rng_t *r = &a->rng;
    switch (op) {
    case OP_MEM_READ:
    case OP_MEM_WRITE: {
        volatile mica_word_t *p = mica_vaddr_to_ptr(pick_vaddr(r) & ~(mica_word_t)7);
        if (!p)
            break;          /* no VSpace, or outside it: nothing to touch */
        if (op == OP_MEM_WRITE)
            *p = mr(r);
        else
            (void)*p;
        break;
    }
    case OP_CRASH_NULL:
        if (a->crashy && fz.cfg.crashes)
            crash_null();
        break;
    case OP_CRASH_DIV0:
        if (a->crashy && fz.cfg.crashes)
            crash_div0();
        break;
    default:
        break;
    }
}

static unsigned pick_op(rng_t *r)
{
    uint64_t x = below(r, fz.op_total_weight);
    for (unsigned op = 0; op < OP_COUNT; op++) {
        if (x < op_weight[op])
            return op;
        x -= op_weight[op];
    }
    return OP_YIELD;
}

static void one_op(actor_t *a)
{
    unsigned op = pick_op(&a->rng);
    ADD(fz.ops[op], 1);
    a->before[SNAP_OP] = op;
    switch (op) {
    case OP_SEND: case OP_NBSEND: case OP_CALL: case OP_RECV: case OP_NBRECV: case OP_REPLY:
    case OP_REPLY_RECV: case OP_YIELD: case OP_SIGNAL: case OP_WAIT: case OP_POLL:
    case OP_SEND_MRS: case OP_NBSEND_MRS: case OP_CALL_MRS: case OP_RECV_MRS: case OP_REPLY_MRS:
    case OP_REPLY_RECV_MRS:
        do_ipc_op(a, op);
        break;
    case OP_CNODE_COPY: case OP_CNODE_MINT: case OP_CNODE_MOVE: case OP_CNODE_MUTATE:
    case OP_CNODE_ROTATE: case OP_CNODE_DELETE: case OP_CNODE_REVOKE: case OP_CNODE_SAVE_CALLER:
    case OP_CNODE_CANCEL_BADGED_SENDS:
        do_cnode_op(a, op);
        break;
    case OP_CNODE_NEST:
        do_cnode_nest(a);
        break;
    case OP_UNTYPED_RETYPE:
        do_retype(a);
        break;
    case OP_TCB_CONFIGURE: case OP_TCB_SET_PRIORITY: case OP_TCB_SET_MC_PRIORITY:
    case OP_TCB_SET_SCHED_PARAMS: case OP_TCB_SET_SPACE: case OP_TCB_SET_IPC_BUFFER:
    case OP_TCB_RESUME: case OP_TCB_SUSPEND: case OP_TCB_READ_REGISTERS:
    case OP_TCB_WRITE_REGISTERS: case OP_TCB_COPY_REGISTERS: case OP_TCB_BIND_NOTIFICATION:
    case OP_TCB_UNBIND_NOTIFICATION: case OP_TCB_SET_AFFINITY: case OP_TCB_SET_TLS_BASE:
        do_tcb_op(a, op);
        break;
    case OP_PAGE_TABLE_MAP: case OP_PAGE_TABLE_UNMAP: case OP_PAGE_MAP: case OP_PAGE_UNMAP:
    case OP_PAGE_GET_ADDRESS: case OP_PDPT_MAP: case OP_PDPT_UNMAP: case OP_PAGE_DIRECTORY_MAP:
    case OP_PAGE_DIRECTORY_UNMAP: case OP_LARGE_PAGE_MAP: case OP_HUGE_PAGE_MAP:
        do_vspace_op(a, op);
        break;
    case OP_RETYPE_PDPT: case OP_RETYPE_PAGE_DIRECTORY: case OP_RETYPE_PAGE_TABLE: case OP_RETYPE_FRAME:
    case OP_RETYPE_LARGE_FRAME: case OP_RETYPE_HUGE_FRAME:
        do_paging_retype(a, op);
        break;
    case OP_IRQ_CONTROL_GET: case OP_IRQ_HANDLER_ACK: case OP_IRQ_HANDLER_SET_NOTIFICATION:
    case OP_IRQ_HANDLER_CLEAR: case OP_IRQ_DELETE:
        do_irq_op(a, op);
        break;
    case OP_DEV_RETYPE:
        do_dev_retype(a);
        break;
    case OP_DEV_MAP:
        do_dev_map(a);
        break;
    case OP_MMIO_READ: case OP_MMIO_WRITE: case OP_MMIO_NON_MOV:
        do_mmio(a, op);
        break;
    case OP_DEBUG_PUT_CHAR: case OP_DEBUG_NAME_THREAD: case OP_DEBUG_CAP_IDENTIFY:
    case OP_DEBUG_DUMP_SCHEDULER: case OP_DEBUG_HALT:
        do_debug_op(a, op);
        break;
    case OP_RAW_SYSCALL:
        do_raw_syscall(a);
        break;
    case OP_RAW_INVOKE:
        do_raw_invoke(a);
        break;
    case OP_MEM_READ: case OP_MEM_WRITE: case OP_CRASH_NULL: case OP_CRASH_DIV0:
        do_mem_op(a, op);
        break;
    default:
        break;
    }
}

/* --- a failed invocation changes nothing --------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/*
 * A digest of the kernel state a failed invocation must leave alone: every
 * capability slot on the CDT list (cap and links), the endpoints,
 * notifications and TCBs they name - except the calling thread's (self),
 * whose registers receive the error - and every CPU's ready queues.
 * Read under the kernel lock (atomicity_step).
 */
static uint64_t state_digest(paddr_t self)
{
    uint64_t h = 0xcbf29ce484222325ull;
    word_t limit = hw_phys_size / sizeof(cte_t);
    for (paddr_t p = mdb_next(cte_at(ks.mdb_head)); p && limit; p = mdb_next(cte_at(p)), limit--) {
        const cte_t *sl = cte_at(p);
        h = fnv(h, sl, sizeof *sl);
        cap_t c = sl->cap;
        switch (cap_type(c)) {
        case MICA_CAP_TYPE_ENDPOINT:
            h = fnv(h, paddr_to_ptr(cap_obj(c)), sizeof(endpoint_t));
            break;
        case MICA_CAP_TYPE_NOTIFICATION:
            h = fnv(h, paddr_to_ptr(cap_obj(c)), sizeof(notification_t));
            break;
        case MICA_CAP_TYPE_TCB:
            if (cap_obj(c) != self)
                h = fnv(h, tcb_ptr(cap_obj(c)), sizeof(tcb_t));
            break;
        default:
            break;
        }
    }
    for (unsigned cpu = 0; cpu < ks.num_cpus; cpu++) {
        const ks_cpu_t *n = cpu_state(cpu);
        h = fnv(h, &ks.rq[cpu], sizeof ks.rq[cpu]);
        h = fnv(h, &n->bitmap_l1, sizeof n->bitmap_l1);
        h = fnv(h, n->bitmap_l2, sizeof n->bitmap_l2);
    }
    return h;
}

/*
 * Several CPUs: can another CPU than `cpu` change kernel state without a
 * kernel entry being counted? Only from its idle loop (syscall.c
 * kernel_idle_enter), which schedules without counting an entry. A CPU that
 * runs a thread changes state only through counted entries (system calls,
 * traps, preemptions), and so does one waiting idle with nothing queued and
 * no IPI pending; any other (on its way in or out of idle, stalled) may.
 */
static int others_quiet(unsigned cpu)
{
    for (unsigned c = 0; c < ks.num_cpus; c++) {
        const ks_cpu_t *n = cpu_state(c);
        if (c == cpu || (n->cur_thread != n->idle_thread && !n->stalled))
            continue;
        if (n->stalled || !(ks.idle_mask & BIT(c)) || n->resched || n->bitmap_l1)
            return 0;
    }
    return 1;
}

/*
 * Under the kernel lock (sim_task_kernel_call), before each operation of a
 * thread. If the thread's previous operation made the only kernel entry in
 * the whole system since its last snapshot, on this CPU, and that entry was
 * a failed invocation, the state must be what it was before it (STYLE.md:
 * decode does every check, a failed call changes no state). With several
 * CPUs that needs the others to have made no entry meanwhile and to have
 * been unable to change state without one (others_quiet), so fewer
 * invocations are checked than with one CPU, but each check is as strict.
 * Then take the new snapshot.
 */
/* IRQ deliveries so far: one during an entry signals a notification, a change of its own. */
static word_t irq_deliveries(void)
{
    word_t n = 0;
    for (unsigned irq = 0; irq <= MICA_MAX_IRQ; irq++)
        n += ks.count.irq_delivered[irq];
    return n;
}

static void atomicity_step(hw_word_t k[SNAP_WORDS])
{
    unsigned cpu = ks.num_cpus > 1 ? mica_sim_cpu() : 0;
    const ks_cpu_t *me = cpu_state(cpu);
    paddr_t self = me->stalled ? me->orphan : me->cur_thread;
    word_t entries = ks.count.kernel_entries, errors = ks.count.invocation_errors;
    word_t irqs = irq_deliveries();
    if ((k[SNAP_VALID] & 1) && entries == k[SNAP_ENTRIES] + 1 && errors == k[SNAP_ERRORS] + 1 &&
        irqs == k[SNAP_VALID] >> 1 &&
        (ks.num_cpus == 1 || (cpu == k[SNAP_CPU] && self == k[SNAP_SELF] &&
                              me->entries == k[SNAP_CPU_ENTRIES] + 1))) {
        uint64_t n = ADD(fz.res.atomicity_checks, 1) + 1;
        /* The self-test: look as if the call had changed the root's MCP. */
        int tamper = fz.cfg.tamper_state_at && n == fz.cfg.tamper_state_at;
        tcb_ptr(ks.root_tcb)->mcp ^= (uint8_t)tamper;
        uint64_t now = state_digest(self);
        tcb_ptr(ks.root_tcb)->mcp ^= (uint8_t)tamper;
        if (now != k[SNAP_DIGEST] && ADD(fz.res.atomicity_broken, 1) == 0)
            snprintf(fz.res.atomicity_message, sizeof fz.res.atomicity_message,
                     "a failed %s invocation changed kernel state (%s; operation %lu, kernel "
                     "entry %lu)", op_names[k[SNAP_OP] % OP_COUNT],
                     ks.last_error[0] ? ks.last_error : "no reason",
                     (unsigned long)LOAD(fz.res.done), (unsigned long)entries);
    }
    int valid = !me->stalled && (ks.num_cpus == 1 || others_quiet(cpu));
    k[SNAP_VALID] = (hw_word_t)valid | (hw_word_t)irqs << 1;
    k[SNAP_ENTRIES] = entries;
    k[SNAP_ERRORS] = errors;
    k[SNAP_CPU_ENTRIES] = me->entries;
    k[SNAP_SELF] = self;
    k[SNAP_CPU] = cpu;
    k[SNAP_DIGEST] = valid ? state_digest(self) : 0;
}

static void kernel_entries_step(hw_word_t k[8])
{
    k[0] = ks.count.kernel_entries;
}

/* Account for one operation; end the run when the budget (or the input) is spent. */
static void tick(actor_t *a)
{
    /* Tasks on several CPUs count at once: claim an operation of the budget. */
    uint64_t n = LOAD(fz.res.done);
    do {
        if (n >= fz.cfg.budget)
            finish(FZ_END_BUDGET);
        if (in_bytes && in_exhausted)
            finish(FZ_END_BYTES);
    } while (!__atomic_compare_exchange_n(&fz.res.done, &n, n + 1, 1, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    n++;
    ADD(a->t->calls, 1);
    if (fz.cfg.progress) {
        /* For a parent's crash report: the furthest count any task reached. */
        fz_progress_t *p = fz.cfg.progress;
        uint64_t seen = LOAD(p->done);
        while (seen < n && !__atomic_compare_exchange_n(&p->done, &seen, n, 1, __ATOMIC_RELAXED,
                                                         __ATOMIC_RELAXED))
            ;
        hw_word_t k[8];
        sim_task_kernel_call(kernel_entries_step, k);
        STORE(p->kernel_entries, k[0]);
    }
    if (fz.cfg.isolation && fz.cfg.tamper_at && n == fz.cfg.tamper_at)
        isolation_tamper();
    if (fz.cfg.isolation && (n & 4095) == 0)
        isolation_check();
    if (fz.cfg.atomicity)
        sim_task_kernel_call(atomicity_step, a->before);
}

/* A task: r0 = its index, r1 = the seed of this incarnation. */
static void task_entry(mica_word_t idx, mica_word_t seed, mica_word_t r2, mica_word_t r3)
{
    (void)r2; (void)r3;
    actor_t self = { .t = task_of(idx), .recv_cn = -1 };
    actor_t *a = &self;
    seed_rng(&a->rng, seed ^ fz_mix(fz.cfg.seed, a->t->idx));
    /* Byte mode: the system is fixed (PRNG); what the tasks do is the input. */
    a->rng.from_input = in_bytes != NULL;
    a->crashy = chance(&a->rng, 40);
    for (;;) {
        tick(a);
        one_op(a);
    }
}

/* --- the fault handler and the watchdog (infrastructure, not fuzzed) --------- */

/* Start task t afresh at task_entry: writing a pc (even the one it has) restarts it. */
static void restart_task(task_t *t, rng_t *r)
{
    mica_user_context_t regs = { 0 };
    regs.pc = (mica_word_t)task_entry;
    regs.r0 = t->idx;
    regs.r1 = rnd(r) ^ (ADD(t->incarnation, 1) + 1);
    mica_tcb_write_registers(t->tcb, true, 0, 4, &regs);
    ADD(fz.res.restarts, 1);
}

/* Map a spare frame at vaddr in t's VSpace (a pager's job), reusing the spares in turn. */
static void map_spare(task_t *t, mica_word_t vaddr)
{
    vaddr &= ~(mica_word_t)(BIT(MICA_PAGE_BITS) - 1);
    if (vaddr >= BIT(MICA_VADDR_BITS))
        return;
    mica_cptr_t pt = fz.spare_pt[fz.next_spare_pt];
    mica_error_t e = mica_page_table_map(pt, t->vspace, vaddr, 0);
    if (e == MICA_INVALID_CAPABILITY) {     /* mapped elsewhere (seL4: cap 0 is bad): move it here */
        mica_page_table_unmap(pt);
        mica_page_table_map(pt, t->vspace, vaddr, 0);
    }
    fz.next_spare_pt = (fz.next_spare_pt + 1) % SPARE_PTS;
    mica_cptr_t f = fz.spare_frame[fz.next_spare];
    fz.next_spare = (fz.next_spare + 1) % SPARE_FRAMES;
    mica_page_unmap(f);
    mica_page_map(f, t->vspace, vaddr, MICA_READ_WRITE, 0);
}

/*
 * The fault handler: every task's fault endpoint is a badged copy of one
 * endpoint. For each fault it restarts the task afresh, lets it retry (a
 * VM fault after mapping a frame there), stops it (a reply with a non-zero
 * label), or leaves it blocked; a thread that faults again without having
 * done anything in between is restarted, so no fault loops for ever.
 */
static void handler_entry(mica_word_t a, mica_word_t b, mica_word_t c, mica_word_t d)
{
    (void)a; (void)b; (void)c; (void)d;
    rng_t *r = &fz.handler_rng;
    mica_word_t badge = 0, m0 = 0, m1 = 0, m2 = 0, m3 = 0;
    mica_msginfo_t info = mica_recv_with_mrs(fz.fault_ep, &badge, &m0, &m1, &m2, &m3);
    for (;;) {
        fz.res.faults++;
        task_t *t = task_of(badge ? badge - 1 : below(r, fz.ntasks));
        mica_word_t label = mica_msginfo_get_label(info);
        uint64_t calls = LOAD(t->calls);
        int progressed = calls != t->calls_at_fault;
        t->calls_at_fault = calls;
        unsigned roll = (unsigned)below(r, 100);
        mica_msginfo_t reply = mica_msginfo_new(0, 0, 0, 0);
        int answer = 0;
        if (label == MICA_FAULT_VM && roll < 40 && progressed) {
            map_spare(t, m1);
            answer = 1;
        } else if (!progressed || roll < 50) {
            restart_task(t, r);
        } else if (roll < 75) {
            answer = 1;                             /* retry / resume where it was */
        } else if (roll < 85) {
            reply = mica_msginfo_new(1, 0, 0, 0);   /* a crash: leave it stopped */
            answer = 1;
        }                                           /* else: leave it blocked on its reply */
        if (answer)
            info = mica_reply_recv_with_mrs(fz.fault_ep, reply, &badge, &m0, &m1, &m2, &m3);
        else
            info = mica_recv_with_mrs(fz.fault_ep, &badge, &m0, &m1, &m2, &m3);
    }
}

/* Put task t back in order and start it afresh (the watchdog's repair). */
static void revive(task_t *t, rng_t *r)
{
    if (chance(r, 30)) {
        /* Its CSpace root and main CNode caps, which tasks move and delete. */
        cnode_t *mc = &fz.cn[t->main_cn];
        mica_cnode_delete(mc->slot, 1, RADIX);
        mica_cnode_delete(mc->slot, 2, RADIX);
        give(t->main_cn, 1, t->croot, MICA_ALL_RIGHTS, t->croot_data, MICA_CAP_TYPE_CNODE);
        give(t->main_cn, 2, mc->slot, MICA_ALL_RIGHTS, 0, MICA_CAP_TYPE_CNODE);
    }
    if (chance(r, 15)) {
        /* A fresh untyped: revoking the old one's copy destroys what the task made from it. */
        int j = empty_slot(r, t->main_cn);
        mica_cnode_revoke(MICA_CAP_INIT_CNODE, t->untyped, MICA_WORD_BITS);
        if (j)
            give(t->main_cn, (unsigned)j, t->untyped, MICA_ALL_RIGHTS, 0, MICA_CAP_TYPE_UNTYPED);
    }
    if (fz.huge_pool && chance(r, 20))
        give_huge_pool(t->main_cn, r);
    if (hint_of(t->main_cn, (int)t->vspace_cptr) != MICA_CAP_TYPE_VSPACE && chance(r, 50)) {
        /* A cap to its own VSpace, which device mappings use. */
        int j = empty_slot(r, t->main_cn);
        if (j && give(t->main_cn, (unsigned)j, t->vspace, MICA_ALL_RIGHTS, 0, MICA_CAP_TYPE_VSPACE) ==
            MICA_NO_ERROR)
            t->vspace_cptr = (mica_cptr_t)j;
    }
    if (fz.ndev && chance(r, 2)) {
        /* A device back: its untyped's copy and every frame of it go (unmapped where mapped). */
        unsigned d = (unsigned)below(r, fz.ndev);
        if (fz.dev[d].ut && mica_cnode_revoke(MICA_CAP_INIT_CNODE, fz.dev[d].ut, MICA_WORD_BITS) ==
            MICA_NO_ERROR) {
            for (unsigned c = 0; c < fz.ncn; c++)
                for (unsigned j = 0; j < SLOTS; j++)
                    if (LOAD(fz.cn[c].hint[j]) == HINT_DEV_UT(d) ||
                        LOAD(fz.cn[c].hint[j]) == HINT_DEV_FRAME(d))
                        STORE(fz.cn[c].hint[j], MICA_CAP_TYPE_NULL);
            give_device(d, r);
        }
    }
    if (chance(r, 30))
        mica_tcb_configure(t->tcb, t->fault_cptr, t->croot, t->croot_data, t->vspace, 0,
                           t->buffer_vaddr, t->buffer);
    mica_tcb_set_sched_params(t->tcb, MICA_CAP_INIT_TCB, t->mcp, t->prio);
    /* Several CPUs: tasks drift to CPU 0 (new threads start there); spread them again. */
    if (fz.ncpus > 1 && chance(r, 50))
        mica_tcb_set_affinity(t->tcb, below(r, fz.ncpus));
    restart_task(t, r);
}

/*
 * Several CPUs: this CPU having nothing else to run does not mean that the
 * tasks are blocked - other CPUs may be running them. Wait up to 2 ms of
 * host time for an operation anywhere: 1 if one came, or if an IPI
 * interrupted the sleep (work for this CPU, taken at the next kernel entry).
 */
static int progress_elsewhere(uint64_t done)
{
    for (unsigned i = 0; i < 20; i++) {
        struct timespec ts = { 0, 100000 };
        if (nanosleep(&ts, NULL) != 0 || LOAD(fz.res.done) != done)
            return 1;
    }
    return 0;
}

/*
 * The watchdog: the root task at priority 0 runs only when every task
 * above it is blocked or stopped - with several CPUs, every task on CPU 0,
 * so there it also waits for the others to go quiet. It revives the tasks
 * that made no progress since its last round, and ends the run when the
 * budget is spent or when nothing moves for many rounds.
 */
static void watchdog(void)
{
    rng_t *r = &fz.root_rng;
    uint64_t last = LOAD(fz.res.done);
    unsigned idle_rounds = 0;
    for (;;) {
        uint64_t done = LOAD(fz.res.done);
        if (done >= fz.cfg.budget)
            finish(FZ_END_BUDGET);
        if (in_bytes && in_exhausted)
            finish(FZ_END_BYTES);
        if (fz.ncpus > 1 && progress_elsewhere(done)) {
            mica_yield();
            continue;
        }
        if (done == last) {
            if (++idle_rounds > 32)
                finish(FZ_END_STUCK);
        } else {
            idle_rounds = 0;
            last = done;
        }
        fz.res.watchdog_rounds++;
        for (unsigned i = 0; i < fz.ntasks; i++) {
            task_t *t = &fz.task[i];
            uint64_t calls = LOAD(t->calls);
            if (calls == t->calls_at_round || idle_rounds > 1)
                revive(t, r);
            t->calls_at_round = calls;
        }
        mica_yield();
    }
}

/* --- system B: isolation ------------------------------------------------------- */

#define B_OBJECTS 16
static struct {
    unsigned n;
    struct {
        paddr_t paddr;
        size_t bytes;
        int slots;              /* compare as capability slots: caps and MDB flags, not links */
        const char *what;
    } obj[B_OBJECTS];
    unsigned char *copy;        /* the snapshot */
    size_t copy_bytes;
} iso;

static unsigned char iso_copy[B_OBJECTS * 4096 + 4096];

static paddr_t root_cap_paddr(mica_cptr_t s)
{
    cte_t *tslots = (cte_t *)(hw_phys_base + ks.root_tcb);
    cte_t *root = (cte_t *)(hw_phys_base + cap_obj(tslots[TCB_CTABLE].cap));
    return cap_obj(root[s].cap);
}

static void iso_add(mica_cptr_t s, size_t bytes, int slots, const char *what)
{
    iso.obj[iso.n].paddr = root_cap_paddr(s);
    iso.obj[iso.n].bytes = bytes;
    iso.obj[iso.n].slots = slots;
    iso.obj[iso.n].what = what;
    iso.n++;
}

/* Copy B's objects; slot arrays without their MDB links (those follow the global list). */
static size_t iso_take(unsigned char *out)
{
    size_t n = 0;
    for (unsigned i = 0; i < iso.n; i++) {
        const unsigned char *p = hw_phys_base + iso.obj[i].paddr;
        if (iso.obj[i].slots) {
            for (size_t s = 0; s < iso.obj[i].bytes / sizeof(cte_t); s++) {
                const cte_t *c = (const cte_t *)p + s;
                memcpy(out + n, &c->cap, sizeof c->cap);
                n += sizeof c->cap;
                out[n++] = (unsigned char)(c->mdb.prev & MDB_FLAGS);
            }
        } else {
            memcpy(out + n, p, iso.obj[i].bytes);
            n += iso.obj[i].bytes;
        }
    }
    return n;
}

/* Compare B with the snapshot (under the kernel lock: isolation_step). */
static void iso_compare(void)
{
    static unsigned char now[sizeof iso_copy];
    if (!iso.n || !iso.copy)
        return;
    fz.res.isolation_checks++;
    size_t n = iso_take(now);
    if (n == iso.copy_bytes && memcmp(now, iso.copy, n) == 0)
        return;
    fz.res.isolation_broken++;
    /* Name the first object that changed. */
    size_t off = 0;
    for (unsigned i = 0; i < iso.n; i++) {
        size_t len = iso.obj[i].slots ? iso.obj[i].bytes / sizeof(cte_t) * (sizeof(cap_t) + 1)
                                      : iso.obj[i].bytes;
        if (memcmp(now + off, iso.copy + off, len) != 0) {
            size_t k = 0;
            while (now[off + k] == iso.copy[off + k])
                k++;
            snprintf(fz.res.isolation_message, sizeof fz.res.isolation_message,
                     "system B's %s at paddr 0x%lx changed (byte %zu of the snapshot) after %lu "
                     "operations", iso.obj[i].what, (unsigned long)iso.obj[i].paddr, k,
                     (unsigned long)LOAD(fz.res.done));
            break;
        }
        off += len;
    }
    memcpy(iso.copy, now, n);   /* report each change once */
}

/*
 * B is read (and, for the self-test, written) as kernel code: under the
 * kernel lock, so that no other CPU's kernel changes it meanwhile and
 * checks from tasks on several CPUs take turns with the buffers above.
 */
enum { ISO_SNAPSHOT, ISO_CHECK, ISO_TAMPER };

static void isolation_step(hw_word_t k[8])
{
    switch (k[0]) {
    case ISO_SNAPSHOT:
        iso.copy = iso_copy;
        iso.copy_bytes = iso_take(iso.copy);
        break;
    case ISO_TAMPER:
        /* The self-test (fz_config_t.tamper_at): change one byte of B's data frame. */
        if (iso.n > 3)
            hw_phys_base[iso.obj[3].paddr + 100] ^= 0x5a;
        break;
    default:
        iso_compare();
        break;
    }
}

static void isolation(unsigned what)
{
    hw_word_t k[8] = { what };
    sim_task_kernel_call(isolation_step, k);
}

static void isolation_check(void)
{
    isolation(ISO_CHECK);
}

static void isolation_tamper(void)
{
    isolation(ISO_TAMPER);
}

#define B_EP 1
#define B_NTFN 2
#define B_FRAME 3

static void b_entry(mica_word_t which, mica_word_t b, mica_word_t c, mica_word_t d)
{
    (void)b; (void)c; (void)d;
    for (;;) {
        if (which == 2)
            mica_wait(B_NTFN, NULL);
        else
            mica_recv(B_EP, NULL);
    }
}

/* Build B from its own untyped: nothing of it is ever given to a task. */
static void build_isolated(void)
{
    mica_cptr_t ut = make(MICA_UNTYPED_OBJECT, 18);
    mica_cptr_t base = fz.next_slot;
    for (unsigned i = 0; i < 16; i++)
        root_slot();
    enum { CN, EP, NT, FR, VS, PT, T0, T1, T2, B0, B1, B2, PDPT, PD };
    static const mica_word_t type[] = { MICA_CNODE_OBJECT, MICA_ENDPOINT_OBJECT,
        MICA_NOTIFICATION_OBJECT, MICA_FRAME_OBJECT, MICA_VSPACE_OBJECT, MICA_PAGE_TABLE_OBJECT,
        MICA_TCB_OBJECT, MICA_TCB_OBJECT, MICA_TCB_OBJECT, MICA_FRAME_OBJECT, MICA_FRAME_OBJECT,
        MICA_FRAME_OBJECT, MICA_PDPT_OBJECT, MICA_PAGE_DIRECTORY_OBJECT };
    for (unsigned i = 0; i < sizeof type / sizeof type[0]; i++)
        check(mica_untyped_retype(ut, type[i], type[i] == MICA_CNODE_OBJECT ? 4 : 0,
                                  MICA_CAP_INIT_CNODE, 0, 0, base + i, 1), "isolation retype");
    mica_cptr_t cn = base + CN;
    check(mica_cnode_copy(cn, B_EP, 4, MICA_CAP_INIT_CNODE, base + EP, 64, MICA_ALL_RIGHTS), "B ep");
    check(mica_cnode_copy(cn, B_NTFN, 4, MICA_CAP_INIT_CNODE, base + NT, 64, MICA_ALL_RIGHTS), "B ntfn");
    check(mica_cnode_copy(cn, B_FRAME, 4, MICA_CAP_INIT_CNODE, base + FR, 64, MICA_ALL_RIGHTS), "B frame");
    check(mica_cnode_copy(cn, 4, 4, MICA_CAP_INIT_CNODE, base + T0, 64, MICA_ALL_RIGHTS), "B tcb");
    check(mica_pdpt_map(base + PDPT, base + VS, 0, 0), "B PDPT");
    check(mica_page_directory_map(base + PD, base + VS, 0, 0), "B page directory");
    check(mica_page_table_map(base + PT, base + VS, REGION(1), 0), "B page table");
    check(mica_page_map(base + FR, base + VS, REGION(1), MICA_READ_WRITE, 0), "B page");
    /* A known pattern in the data frame, through the kernel window. */
    mica_page_get_address_t a = mica_page_get_address(base + FR);
    check(a.error, "B frame address");
    for (unsigned i = 0; i < 4096; i++)
        hw_phys_base[a.paddr + i] = (unsigned char)(i * 7 + 3);
    for (unsigned i = 0; i < 3; i++) {
        mica_cptr_t tcb = base + T0 + i;
        check(mica_tcb_configure(tcb, 0, cn, mica_cnode_capdata_new(0, 60), base + VS, 0,
                                 MICA_ROOT_FREE_VADDR, base + B0 + i), "B configure");
        check(mica_tcb_set_priority(tcb, MICA_CAP_INIT_TCB, 254), "B priority");
        mica_debug_name_thread(tcb, i == 0 ? "B0" : i == 1 ? "B1" : "B2");
        mica_user_context_t regs = { .pc = (mica_word_t)b_entry, .r0 = i };
        check(mica_tcb_write_registers(tcb, true, 0, 4, &regs), "B start");
    }
    memset(&iso, 0, sizeof iso);
    iso_add(cn, 16 * sizeof(cte_t), 1, "CNode");
    iso_add(base + EP, 16, 0, "endpoint");
    iso_add(base + NT, 32, 0, "notification");
    iso_add(base + FR, 4096, 0, "data frame");
    iso_add(base + VS, 4096, 0, "VSpace");
    iso_add(base + PT, 4096, 0, "page table");
    iso_add(base + PDPT, 4096, 0, "PDPT");
    iso_add(base + PD, 4096, 0, "page directory");
    for (unsigned i = 0; i < 3; i++) {
        static const char *const tn[] = { "TCB B0", "TCB B1", "TCB B2" };
        iso_add(base + T0 + i, MICA_TCB_CNODE_ENTRIES * sizeof(cte_t), 1, tn[i]);
        iso_add(base + B0 + i, 4096, 0, "IPC buffer frame");
    }
    /* The TCBs themselves (state, registers, queue links), after their slots. */
    for (unsigned i = 0; i < 3 && iso.n < B_OBJECTS; i++) {
        static const char *const tn[] = { "tcb_t of B0", "tcb_t of B1", "tcb_t of B2" };
        iso.obj[iso.n].paddr = root_cap_paddr(base + T0 + i) + TCB_OFFSET;
        iso.obj[iso.n].bytes = sizeof(tcb_t);
        iso.obj[iso.n].slots = 0;
        iso.obj[iso.n].what = tn[i];
        iso.n++;
    }
}

/* Once B's threads have blocked: take the snapshot. */
static void isolation_snapshot(void)
{
    isolation(ISO_SNAPSHOT);
}

/* --- building the system --------------------------------------------------------- */

static void end_of_setup(void);

static void finish(int why)
{
    int none = FZ_END_NONE;     /* the first reason wins (tasks on several CPUs may end at once) */
    __atomic_compare_exchange_n(&fz.res.end, &none, why, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    if (fz.cfg.isolation && why != FZ_END_SETUP)
        isolation_check();
    for (;;)
        mica_debug_halt();
}

/* Give task t K random caps from the pools, in random empty slots of its main CNode. */
static void hand_out(task_t *t, rng_t *r)
{
    unsigned k = 6 + (unsigned)below(r, 11);
    for (unsigned n = 0; n < k; n++) {
        int c = t->kind == TWO_LEVEL && chance(r, 30) ? t->second_cn : t->main_cn;
        if (chance(r, 10))
            c = (int)below(r, 1 + fz.ntasks / 3);    /* a shared CNode: whoever uses it sees it */
        int j = empty_slot(r, c);
        if (!j)
            return;
        mica_cap_rights_t rights = random_rights(r);
        mica_word_t badge = 0;
        unsigned roll = (unsigned)below(r, 100);
        if (roll < 22) {
            if (chance(r, 50))
                badge = 1 + below(r, 6);
            give(c, (unsigned)j, fz.eps[below(r, fz.neps)], rights, badge, MICA_CAP_TYPE_ENDPOINT);
        } else if (roll < 34) {
            if (chance(r, 40))
                badge = (mica_word_t)1 << below(r, 8);
            give(c, (unsigned)j, fz.ntfns[below(r, fz.nntfns)], rights, badge,
                 MICA_CAP_TYPE_NOTIFICATION);
        } else if (roll < 46) {
            unsigned size = (unsigned)below(r, 100);
            if (size < 8)
                give(c, (unsigned)j, fz.large_frame, rights, 0, HINT_LARGE_FRAME);
            else if (size < 14 && fz.huge_frame)
                give(c, (unsigned)j, fz.huge_frame, rights, 0, HINT_HUGE_FRAME);
            else
                give(c, (unsigned)j, fz.frames[below(r, fz.nframes)], rights, 0, MICA_CAP_TYPE_FRAME);
        } else if (roll < 52) {
            give(c, (unsigned)j, fz.pts[below(r, fz.npts)], rights, 0, MICA_CAP_TYPE_PAGE_TABLE);
        } else if (roll < 57) {
            give(c, (unsigned)j, fz.vspaces[below(r, fz.nvspaces)], rights, 0, MICA_CAP_TYPE_VSPACE);
        } else if (roll < 65) {
            /* A copy of another task's untyped: fails (RevokeFirst) once it has a copy. */
            give(c, (unsigned)j, fz.task[below(r, fz.ntasks)].untyped, rights, 0,
                 MICA_CAP_TYPE_UNTYPED);
        } else if (roll < 79) {
            give(c, (unsigned)j, fz.task[below(r, fz.ntasks)].tcb, rights, 0, MICA_CAP_TYPE_TCB);
        } else if (roll < 87) {
            /* A CNode of someone else (shared, or another task's main), maybe guarded. */
            int other = (int)below(r, fz.ncn);
            mica_word_t data = chance(r, 50) ? 0 : mica_cnode_capdata_new(0, below(r, 64 - RADIX));
            give(c, (unsigned)j, fz.cn[other].slot, rights, data, MICA_CAP_TYPE_CNODE);
        } else if (roll < 90 && fz.ndev) {
            /* A device untyped: one copy of each can exist (the next fails with RevokeFirst). */
            unsigned d = (unsigned)below(r, fz.ndev);
            if (fz.dev[d].ut)
                give(c, (unsigned)j, fz.dev[d].ut, rights, 0, HINT_DEV_UT(d));
        } else if (roll < 95) {
            give(c, (unsigned)j, fz.fault_ep, MICA_ALL_RIGHTS, 1 + below(r, fz.ntasks),
                 MICA_CAP_TYPE_ENDPOINT);
        } else {
            give(c, (unsigned)j, t->tcb, rights, 0, MICA_CAP_TYPE_TCB);
        }
    }
}

/* The machine's devices, from the boot info, and the device untyped of each. */
static void find_devices(void)
{
    const mica_bootinfo_t *bi = fz.bi;
    fz.ndev = 0;
    fz.ndmap = 0;
    memset(&fz.blk, 0, sizeof fz.blk);
    for (mica_word_t i = 0; i < bi->num_devices && i < MICA_MAX_DEVICES; i++) {
        struct fz_dev *d = &fz.dev[fz.ndev++];
        const mica_device_desc_t *dd = &bi->devices[i];
        d->kind = !strcmp(dd->name, "timer") ? DEV_TIMER : !strcmp(dd->name, "uart0") ? DEV_UART
                : !strcmp(dd->name, "blk0") ? DEV_BLK : !strcmp(dd->name, FZ_DEVICE_NAME) ? DEV_FZ
                : DEV_OTHER;
        d->paddr = dd->paddr;
        d->irq = (unsigned)dd->irq;
        d->ut = 0;
        for (mica_word_t u = 0; u < bi->untyped.end - bi->untyped.start; u++) {
            const mica_untyped_desc_t *ud = &bi->untyped_list[u];
            if (ud->is_device && dd->paddr >= ud->paddr &&
                dd->paddr - ud->paddr < ((mica_word_t)1 << ud->size_bits))
                d->ut = bi->untyped.start + u;
        }
    }
}

/* Device d's untyped: a copy into a random empty slot of a shared CNode. */
static void give_device(unsigned d, rng_t *r)
{
    unsigned nshared = 1 + fz.ntasks / 3;
    int c = (int)below(r, nshared);
    int j = empty_slot(r, c);
    if (j && fz.dev[d].ut)
        give(c, (unsigned)j, fz.dev[d].ut, MICA_ALL_RIGHTS, 0, HINT_DEV_UT(d));
}

/*
 * The 1 GiB pool: the root keeps the original and gives one copy to CNode
 * c (the watchdog takes it back and gives it anew: revive). Revoking the
 * original first destroys the last copy and whatever was made from it.
 */
static void give_huge_pool(int c, rng_t *r)
{
    int j = empty_slot(r, c);
    mica_cnode_revoke(MICA_CAP_INIT_CNODE, fz.huge_pool, MICA_WORD_BITS);
    fz.huge_pool_cn = fz.huge_pool_slot = -1;
    if (j && give(c, (unsigned)j, fz.huge_pool, MICA_ALL_RIGHTS, 0, MICA_CAP_TYPE_UNTYPED) ==
        MICA_NO_ERROR) {
        fz.huge_pool_cn = c;
        fz.huge_pool_slot = j;
    }
}

static void build(void)
{
    rng_t *r = &fz.root_rng;
    unsigned T = fz.ntasks;

    /*
     * Pools: endpoints, notifications, frames and page tables carved from
     * pool untypeds, which are later moved into tasks' CNodes - so a task
     * can revoke one and destroy objects others block on or map. The
     * tasks' VSpaces, TCBs and IPC buffers and the handler's objects come
     * from the boot untypeds, which no task ever holds.
     */
    fz.neps = 2 + T / 2 > 24 ? 24 : 2 + T / 2;
    fz.nntfns = 2 + T / 4 > 16 ? 16 : 2 + T / 4;
    fz.nframes = 4 + T / 2 > 40 ? 40 : 4 + T / 2;
    fz.npts = 2 + T / 4 > 16 ? 16 : 2 + T / 4;
    fz.nvspaces = 1 + T / 3 > 24 ? 24 : 1 + T / 3;
    fz.npools = 1 + T / 4 > 20 ? 20 : 1 + T / 4;
    /*
     * 1 GiB objects need a boot untyped of 2^30 bytes or more (physical
     * memory of 2 GiB or more): a 1 GiB frame handed out, then a 1 GiB
     * pool that goes to a task. Without one, 1 GiB retypes and maps fail.
     */
    fz.huge_frame = fz.huge_pool = 0;
    fz.huge_pool_cn = fz.huge_pool_slot = -1;
    for (mica_word_t i = 0; i < fz.bi->untyped.end - fz.bi->untyped.start; i++) {
        const mica_untyped_desc_t *u = &fz.bi->untyped_list[i];
        for (int k = 0; k < 2 && !u->is_device && u->size_bits >= MICA_HUGE_PAGE_BITS; k++) {
            mica_cptr_t *dst = !fz.huge_frame ? &fz.huge_frame : !fz.huge_pool ? &fz.huge_pool : NULL;
            if (!dst)
                break;
            mica_cptr_t sl = root_slot();
            if (mica_untyped_retype(fz.bi->untyped.start + i, dst == &fz.huge_frame ?
                                    MICA_HUGE_FRAME_OBJECT : MICA_UNTYPED_OBJECT, MICA_HUGE_PAGE_BITS,
                                    MICA_CAP_INIT_CNODE, 0, 0, sl, 1) != MICA_NO_ERROR)
                break;
            *dst = sl;
        }
    }
    /* Pool 0 has room for 2 MiB frames too. */
    for (unsigned i = 0; i < fz.npools; i++)
        fz.pools[i] = make(MICA_UNTYPED_OBJECT, i == 0 ? 22 : 17);
    for (unsigned i = 0; i < fz.neps; i++)
        fz.eps[i] = make_from(fz.pools[i % fz.npools], MICA_ENDPOINT_OBJECT, 0);
    for (unsigned i = 0; i < fz.nntfns; i++)
        fz.ntfns[i] = make_from(fz.pools[i % fz.npools], MICA_NOTIFICATION_OBJECT, 0);
    for (unsigned i = 0; i < fz.nframes; i++)
        fz.frames[i] = make_from(fz.pools[i % fz.npools], MICA_FRAME_OBJECT, 0);
    for (unsigned i = 0; i < fz.npts; i++)
        fz.pts[i] = make_from(fz.pools[i % fz.npools], MICA_PAGE_TABLE_OBJECT, 0);
    for (unsigned i = 0; i < fz.nvspaces; i++)
        fz.vspaces[i] = make(MICA_VSPACE_OBJECT, 0);
    fz.large_frame = make(MICA_LARGE_FRAME_OBJECT, 0);
    find_devices();

    /* Page tables in regions 1..3 of every VSpace, and a few frames mapped there. */
    for (unsigned v = 0; v < fz.nvspaces; v++) {
        /* The PDPT and page directory above them (vaddrs below 1 GiB). */
        check(mica_pdpt_map(make(MICA_PDPT_OBJECT, 0), fz.vspaces[v], 0, 0), "PDPT map");
        check(mica_page_directory_map(make(MICA_PAGE_DIRECTORY_OBJECT, 0), fz.vspaces[v], 0, 0),
              "page directory map");
        for (unsigned k = 1; k <= NREGIONS; k++) {
            mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT, 0);
            check(mica_page_table_map(pt, fz.vspaces[v], REGION(k), 0), "page table map");
            for (unsigned p = 0; p < 4; p++) {
                /* Two picks of one page: the second fails with DeleteFirst, which is fine. */
                mica_cptr_t f = make(MICA_FRAME_OBJECT, 0);
                mica_page_map(f, fz.vspaces[v], REGION(k) + (below(r, 32) << MICA_PAGE_BITS),
                              MICA_READ_WRITE, 0);
            }
        }
        /* All four levels at the start of two high GiBs (see HIGH_GIB_A). */
        for (unsigned h = 0; h < 2; h++) {
            mica_word_t va = h ? HIGH_GIB_B : HIGH_GIB_A;
            check(mica_pdpt_map(make(MICA_PDPT_OBJECT, 0), fz.vspaces[v], va, 0), "high PDPT map");
            check(mica_page_directory_map(make(MICA_PAGE_DIRECTORY_OBJECT, 0), fz.vspaces[v], va, 0),
                  "high page directory map");
            check(mica_page_table_map(make(MICA_PAGE_TABLE_OBJECT, 0), fz.vspaces[v], va, 0),
                  "high page table map");
        }
    }
    for (unsigned k = 1; k <= NREGIONS; k++)
        fz.place[k - 1] = REGION(k);
    fz.place[NREGIONS] = HIGH_GIB_A;
    fz.place[NREGIONS + 1] = HIGH_GIB_B;
    fz.nplace = 0;

    /* Infrastructure: the fault endpoint and the handler's spare frames and page tables. */
    fz.fault_ep = make(MICA_ENDPOINT_OBJECT, 0);
    for (unsigned i = 0; i < SPARE_FRAMES; i++)
        fz.spare_frame[i] = make(MICA_FRAME_OBJECT, 0);
    for (unsigned i = 0; i < SPARE_PTS; i++)
        fz.spare_pt[i] = make(MICA_PAGE_TABLE_OBJECT, 0);

    /* CNodes: shared ones first, then each task's. */
    unsigned nshared = 1 + T / 3;
    for (unsigned i = 0; i < nshared; i++)
        new_cnode(RADIX);
    for (unsigned i = 0; i < T; i++) {
        task_t *t = &fz.task[i];
        memset(t, 0, sizeof *t);
        t->idx = i;
        t->kind = chance(r, 25) ? TWO_LEVEL : FLAT;
        if (t->kind == FLAT && chance(r, 35)) {
            t->main_cn = (int)(i % nshared);
        } else {
            t->main_cn = new_cnode(RADIX);
        }
        t->second_cn = (int)((i + 1) % nshared);
        t->tcb = make(MICA_TCB_OBJECT, 0);
        t->buffer = make(MICA_FRAME_OBJECT, 0);
        t->buffer_vaddr = REGION(4) + ((mica_word_t)i << 10);
        t->vspace = fz.vspaces[below(r, fz.nvspaces)];
        t->prio = (uint8_t)(1 + below(r, 150));
        t->mcp = (uint8_t)(t->prio + below(r, 201 - t->prio));
        (void)chance(r, 30);    /* the draw of a former field: each seed keeps its system */
        cnode_t *mc = &fz.cn[t->main_cn];
        if (t->kind == FLAT) {
            t->croot = mc->slot;
            t->croot_data = mica_cnode_capdata_new(0, 64 - RADIX);
        } else {
            t->top = make(MICA_CNODE_OBJECT, TOP_RADIX);
            t->croot = t->top;
            t->croot_data = mica_cnode_capdata_new(0, 64 - TOP_RADIX - RADIX);
            check(mica_cnode_copy(t->top, 0, TOP_RADIX, MICA_CAP_INIT_CNODE, mc->slot, 64,
                                  MICA_ALL_RIGHTS), "top slot 0");
            check(mica_cnode_copy(t->top, 1, TOP_RADIX, MICA_CAP_INIT_CNODE,
                                  fz.cn[t->second_cn].slot, 64, MICA_ALL_RIGHTS), "top slot 1");
            check(mica_cnode_copy(t->top, 2, TOP_RADIX, MICA_CAP_INIT_CNODE, t->top, 64,
                                  MICA_ALL_RIGHTS), "top slot 2");
        }
        /* Slot 1: the CSpace root, guarded to 64 bits; slot 2: the main CNode, unguarded. */
        if (hint_of(t->main_cn, 1) == MICA_CAP_TYPE_NULL) {
            check(give(t->main_cn, 1, t->croot, MICA_ALL_RIGHTS, t->croot_data, MICA_CAP_TYPE_CNODE),
                  "slot 1");
            check(give(t->main_cn, 2, mc->slot, MICA_ALL_RIGHTS, 0, MICA_CAP_TYPE_CNODE), "slot 2");
        }
        /* Its own TCB, VSpace, buffer and (badged) fault endpoint somewhere in it. */
        int j = empty_slot(r, t->main_cn);
        if (j)
            give(t->main_cn, (unsigned)j, t->tcb, MICA_ALL_RIGHTS, 0, MICA_CAP_TYPE_TCB);
        if ((j = empty_slot(r, t->main_cn)) != 0 &&
            give(t->main_cn, (unsigned)j, t->vspace, MICA_ALL_RIGHTS, 0, MICA_CAP_TYPE_VSPACE) ==
            MICA_NO_ERROR)
            t->vspace_cptr = (mica_cptr_t)j;
        if ((j = empty_slot(r, t->main_cn)) != 0)
            give(t->main_cn, (unsigned)j, t->buffer, MICA_ALL_RIGHTS, 0, MICA_CAP_TYPE_FRAME);
        if ((j = empty_slot(r, t->main_cn)) != 0 &&
            give(t->main_cn, (unsigned)j, fz.fault_ep, MICA_ALL_RIGHTS, i + 1,
                 MICA_CAP_TYPE_ENDPOINT) == MICA_NO_ERROR)
            t->fault_cptr = (mica_word_t)j;
        /* An untyped of its own to retype from (a copy: the original's watermark goes to full). */
        t->untyped = make(MICA_UNTYPED_OBJECT, 13 + below(r, 5));
        if ((j = empty_slot(r, t->main_cn)) != 0)
            give(t->main_cn, (unsigned)j, t->untyped, MICA_ALL_RIGHTS, 0, MICA_CAP_TYPE_UNTYPED);
    }
    /*
     * A handler for each device's line, set to a pool notification: its
     * original moved to one task, a copy given to another, so tasks Ack,
     * re-set and delete handlers that interrupts arrive on.
     */
    for (unsigned d = 0; d < fz.ndev; d++) {
        mica_cptr_t h = root_slot();
        if (mica_irq_control_get(MICA_CAP_IRQ_CONTROL, fz.dev[d].irq, MICA_CAP_INIT_CNODE, h,
                                 MICA_WORD_BITS) != MICA_NO_ERROR)
            continue;
        mica_irq_handler_set_notification(h, fz.ntfns[below(r, fz.nntfns)]);
        int c = fz.task[below(r, T)].main_cn, jj = empty_slot(r, c);
        if (jj)
            give(c, (unsigned)jj, h, MICA_ALL_RIGHTS, 0, MICA_CAP_TYPE_IRQ_HANDLER);
        c = fz.task[below(r, T)].main_cn;
        jj = empty_slot(r, c);
        if (jj && mica_cnode_move(fz.cn[c].slot, (mica_word_t)jj, RADIX, MICA_CAP_INIT_CNODE, h,
                                  64) == MICA_NO_ERROR)
            set_hint(c, jj, MICA_CAP_TYPE_IRQ_HANDLER);
    }
    /* The IRQ control cap cannot be copied: move it to task 0. */
    int j = empty_slot(r, fz.task[0].main_cn);
    if (j && mica_cnode_move(fz.cn[fz.task[0].main_cn].slot, (mica_word_t)j, RADIX,
                             MICA_CAP_INIT_CNODE, MICA_CAP_IRQ_CONTROL, 64) == MICA_NO_ERROR)
        set_hint(fz.task[0].main_cn, j, MICA_CAP_TYPE_IRQ_CONTROL);
    for (unsigned i = 0; i < T; i++)
        hand_out(&fz.task[i], r);
    /* One task surely holds the 2 MiB frame, and one the 1 GiB frame (if any). */
    for (int h = 0; h < 2; h++) {
        int c = fz.task[below(r, T)].main_cn, jj = empty_slot(r, c);
        mica_cptr_t f = h ? fz.huge_frame : fz.large_frame;
        if (jj && f)
            give(c, (unsigned)jj, f, MICA_ALL_RIGHTS, 0, h ? HINT_HUGE_FRAME : HINT_LARGE_FRAME);
    }
    /* Each device untyped's one copy goes to a shared CNode, where several tasks find it. */
    for (unsigned d = 0; d < fz.ndev; d++)
        give_device(d, r);
    /*
     * The pool untypeds go to tasks, original and all: Revoke on one
     * destroys endpoints, notifications, frames and page tables that
     * others hold, wait on and map. Some endpoint and notification
     * originals go too, so that a task may delete the last cap.
     */
    for (unsigned i = 0; i < fz.npools; i++) {
        int c = fz.task[below(r, T)].main_cn;
        int jj = empty_slot(r, c);
        if (jj && mica_cnode_move(fz.cn[c].slot, (mica_word_t)jj, RADIX, MICA_CAP_INIT_CNODE,
                                  fz.pools[i], 64) == MICA_NO_ERROR)
            set_hint(c, jj, MICA_CAP_TYPE_UNTYPED);
    }
    if (fz.huge_pool)
        give_huge_pool((int)below(r, 1 + T / 3), r);    /* a shared CNode: several tasks find it */
    for (unsigned i = 0; i < fz.neps + fz.nntfns; i++) {
        if (!chance(r, 30))
            continue;
        int c = fz.task[below(r, T)].main_cn;
        int jj = empty_slot(r, c);
        mica_cptr_t src = i < fz.neps ? fz.eps[i] : fz.ntfns[i - fz.neps];
        if (jj && mica_cnode_move(fz.cn[c].slot, (mica_word_t)jj, RADIX, MICA_CAP_INIT_CNODE,
                                  src, 64) == MICA_NO_ERROR)
            set_hint(c, jj, i < fz.neps ? MICA_CAP_TYPE_ENDPOINT : MICA_CAP_TYPE_NOTIFICATION);
    }

    /* Threads: configure every task, then the handler; start them all. */
    for (unsigned i = 0; i < T; i++) {
        task_t *t = &fz.task[i];
        char name[16];
        check(mica_tcb_configure(t->tcb, t->fault_cptr, t->croot, t->croot_data, t->vspace, 0,
                                 t->buffer_vaddr, t->buffer), "task configure");
        check(mica_tcb_set_sched_params(t->tcb, MICA_CAP_INIT_TCB, t->mcp, t->prio), "task priority");
        snprintf(name, sizeof name, "fz%u", i);
        mica_debug_name_thread(t->tcb, name);
        /* Several CPUs: spread the tasks over them (threads start on CPU 0). */
        if (fz.ncpus > 1)
            check(mica_tcb_set_affinity(t->tcb, i % fz.ncpus), "task affinity");
    }
    mica_cptr_t hbuf = make(MICA_FRAME_OBJECT, 0);
    fz.handler_tcb = make(MICA_TCB_OBJECT, 0);
    check(mica_tcb_configure(fz.handler_tcb, 0, MICA_CAP_INIT_CNODE, 0, MICA_CAP_INIT_VSPACE, 0,
                             MICA_ROOT_FREE_VADDR, hbuf), "handler configure");
    check(mica_tcb_set_priority(fz.handler_tcb, MICA_CAP_INIT_TCB, 254), "handler priority");
    mica_debug_name_thread(fz.handler_tcb, "fz-fault");
    mica_user_context_t regs = { .pc = (mica_word_t)handler_entry };
    check(mica_tcb_write_registers(fz.handler_tcb, true, 0, 1, &regs), "handler start");
    if (fz.cfg.isolation)
        build_isolated();
    for (unsigned i = 0; i < T; i++) {
        task_t *t = &fz.task[i];
        mica_user_context_t tr = { .pc = (mica_word_t)task_entry, .r0 = i, .r1 = rnd(r) };
        check(mica_tcb_write_registers(t->tcb, true, 0, 4, &tr), "task start");
    }
    end_of_setup();
}

static void end_of_setup(void)
{
    /* Let the handler and B's threads (priority 254) block first, then snapshot B. */
    check(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 253), "root priority");
    if (fz.cfg.isolation)
        isolation_snapshot();
    /* Step down below every task: the root is now the watchdog. */
    check(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 0), "root priority");
    watchdog();
}

void fz_root(const mica_bootinfo_t *bi, void *arg)
{
    const fz_config_t *cfg = arg;
    memset(&fz.res, 0, sizeof fz.res);
    memset(fz.ops, 0, sizeof fz.ops);
    memset(fz.ops_ok, 0, sizeof fz.ops_ok);
    fz.nplace = 0;
    fz.cfg = *cfg;
    if (fz.cfg.tasks < 1)
        fz.cfg.tasks = 1;
    if (fz.cfg.tasks > FZ_MAX_TASKS)
        fz.cfg.tasks = FZ_MAX_TASKS;
    fz.bi = bi;
    fz.next_slot = bi->empty.start;
    fz.ntasks = fz.cfg.tasks;
    fz.ncn = 0;
    fz.next_spare = fz.next_spare_pt = 0;
    in_bytes = cfg->bytes;
    in_n = cfg->nbytes;
    in_pos = 0;
    in_exhausted = 0;
    memset(&iso, 0, sizeof iso);
    fz.ncpus = ks.num_cpus;     /* constant after boot */
    fz.op_total_weight = 0;
    for (unsigned op = 0; op < OP_COUNT; op++)
        fz.op_total_weight += op_weight[op];
    seed_rng(&fz.root_rng, fz_mix(cfg->seed, 1));
    seed_rng(&fz.handler_rng, fz_mix(cfg->seed, 2));
    mica_debug_name_thread(MICA_CAP_INIT_TCB, "fz-root");
    if (in_bytes && fz.ncpus > 1) {
        /* Its tasks share one cursor into the input: that is a one-CPU replay. */
        snprintf(fz.res.setup_message, sizeof fz.res.setup_message,
                 "a byte-driven run (libFuzzer input) runs on one CPU, not %u", fz.ncpus);
        finish(FZ_END_SETUP);
    }
    build();
}
