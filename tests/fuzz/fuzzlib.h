/*
 * fuzzlib.h - a random system for adversarial testing of the kernel.
 *
 * fz_root() is a root task. It builds a system of T tasks - threads with
 * private, shared or two-level CSpaces holding copied, minted, badged and
 * rights-reduced caps to endpoints, notifications, untypeds, frames, page
 * tables, VSpaces, CNodes and each other's TCBs - and lets them issue random
 * system calls and invocations with arguments biased toward the
 * interesting (valid caps, near-valid depths, boundary sizes, long
 * messages, extra caps). Paging reaches all four levels: tasks retype
 * PDPTs, page directories, page tables and 4 KiB, 2 MiB and 1 GiB frames
 * and map them at vaddrs across the 47 bits, mostly near where earlier maps
 * worked (so the levels above exist), sometimes unaligned or past 2^47. Some tasks crash on purpose; a fault handler
 * thread serves every task's fault endpoint and restarts, resumes or
 * abandons the faulting thread; the root task becomes a watchdog at the
 * lowest priority that revives tasks when all of them are blocked, so a
 * run always ends, after `budget` operations, with mica_debug_halt().
 *
 * Decisions come from a PRNG seeded with fz_config_t.seed, or from a byte
 * string (the libFuzzer harness), so a run is a function of its input and
 * mica's virtual clock - on one CPU. With mica_config_t.cpus > 1 the tasks
 * are spread over the CPUs and run in parallel, and the host's scheduling
 * makes every run different (byte mode runs one CPU only).
 *
 * Optionally (isolation = 1) the root also builds a separate system B -
 * a CNode, three threads blocked on B's endpoint and notification, frames
 * with a known pattern - to which no task holds a capability, and checks
 * that B's objects stay byte-identical during the whole campaign.
 *
 * Used by mica-fuzz (tests/fuzz/mica_fuzz.c), the libFuzzer harness and
 * the isolation, determinism and no-allocation tests.
 */
#ifndef MICA_FUZZLIB_H
#define MICA_FUZZLIB_H

#include <stddef.h>
#include <stdint.h>
#include <mica/mica.h>
#include <mica/sim.h>

#define FZ_MAX_TASKS 64

/* How a run ended (fz_result_t.end). */
enum fz_end {
    FZ_END_NONE = 0,        /* still running, or stopped by the kernel (invariant, time limit) */
    FZ_END_BUDGET,          /* every operation of the budget was issued */
    FZ_END_STUCK,           /* the watchdog saw no progress for many rounds */
    FZ_END_HALT_OP,         /* a task chose the mica_debug_halt operation */
    FZ_END_BYTES,           /* byte mode: the input ran out */
    FZ_END_SETUP,           /* the system could not be built (a bug, or too little memory) */
};

/* Progress, readable by a parent process when placed in shared memory. */
typedef struct fz_progress {
    volatile uint64_t done;             /* operations issued so far */
    volatile uint64_t kernel_entries;   /* mica's kernel-entry counter before the last operation */
} fz_progress_t;

typedef struct fz_config {
    uint64_t seed;              /* PRNG seed (ignored in byte mode) */
    unsigned tasks;             /* 1 .. FZ_MAX_TASKS */
    uint64_t budget;            /* operations to issue */
    const uint8_t *bytes;       /* non-NULL: take every decision from these bytes (libFuzzer) */
    size_t nbytes;
    int crashes;                /* non-zero: some tasks crash on purpose */
    int isolation;              /* non-zero: build system B and check it stays untouched */
    int allow_halt_op;          /* non-zero: mica_debug_halt is one of the (rare) operations */
    int console;                /* non-zero: DebugPutChar writes random bytes to stdout */
    int vspace_stacks;          /* non-zero: threads may be started on stacks in their VSpace */
    uint64_t tamper_at;         /* self-test: change a byte of B's data frame after this many operations */
    int atomicity;              /* non-zero: check that every failed invocation changed nothing */
    uint64_t tamper_state_at;   /* self-test: change the root TCB during the N-th such check */
    fz_progress_t *progress;    /* optional: updated before every operation */
} fz_config_t;

/* What happened in the last run (valid after mica_run returns). */
typedef struct fz_result {
    int end;                    /* enum fz_end */
    uint64_t done;              /* operations issued */
    uint64_t faults;            /* fault messages the handler served */
    uint64_t restarts;          /* threads started afresh by the handler or the watchdog */
    uint64_t watchdog_rounds;
    uint64_t isolation_checks;
    uint64_t isolation_broken;  /* checks that found system B changed */
    char isolation_message[256];
    uint64_t atomicity_checks;  /* failed invocations compared before and after */
    uint64_t atomicity_broken;  /* ... that changed kernel state */
    char atomicity_message[512];
    char setup_message[256];
    /* fzdev, the fuzzer's device (when fz_machine added it) */
    uint64_t dev_events;        /* its timed events */
    uint64_t dev_raises;        /* times it drove its line up */
    uint64_t dev_reads, dev_writes;     /* MMIO accesses that reached it */
    /* device frames and MMIO (every device) */
    uint64_t dev_frames_made;   /* device untyped retyped into a frame */
    uint64_t dev_frames_mapped;
    uint64_t mmio_on_device;    /* accesses (any instruction) on a page that maps a device frame */
} fz_result_t;

/*
 * The fuzzer's device, "fzdev" on line FZ_DEVICE_IRQ: its line goes up and
 * down at virtual times drawn from the campaign's seed (and when tasks
 * write its registers), so the tasks' IRQ handlers, notifications and Acks
 * meet raises at random points. fz_machine adds it to the machine's
 * config and sets the built-in devices up for fuzzing: uart0's output to
 * /dev/null, blk0 on a small disk in memory. Call it on the mica_config_t
 * of a fuzz run after mica_config_init (mica-fuzz, the tests); without it
 * the campaign fuzzes the built-in devices only.
 */
#define FZ_DEVICE_NAME "fzdev"
#define FZ_DEVICE_IRQ 12
void fz_machine(mica_config_t *mc, const fz_config_t *fc);

/* Defaults: 4 tasks, 10,000 operations, crashes on, isolation off. */
void fz_config_init(fz_config_t *cfg);

/*
 * The small fixed system of the libFuzzer harness, driven by data: two
 * tasks, 4096 operations at most, the checker after every entry, system B.
 * mica-fuzz --input FILE replays a libFuzzer input with the same settings.
 */
void fz_input_config(mica_config_t *mc, fz_config_t *fc, const uint8_t *data, size_t size);

/* The root task: mica_run(&mcfg, fz_root, &fzcfg, &res). */
void fz_root(const mica_bootinfo_t *bi, void *arg);

/* The outcome of the last run in this process. */
const fz_result_t *fz_last_result(void);

/* A splitmix64 step: derive a seed from a seed and a number (chunk seeds). */
uint64_t fz_mix(uint64_t seed, uint64_t n);

/* Names of the operations and how often each ran in the last run (for reports). */
unsigned fz_op_count(void);
const char *fz_op_name(unsigned op);
uint64_t fz_op_runs(unsigned op);
/*
 * How often op returned NoError in the last run, for the operations whose
 * successes are counted (fz_op_counts_ok: the paging ones - retypes of
 * paging objects and frames, Map/Unmap at every level; a Page_Map of 4 KiB,
 * 2 MiB or 1 GiB counts when the frame mapped was of that size); 0 for the
 * others.
 */
uint64_t fz_op_ok(unsigned op);
int fz_op_counts_ok(unsigned op);

#endif /* MICA_FUZZLIB_H */
