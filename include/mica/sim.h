/*
 * mica/sim.h - the host side: configure the simulated machine and run a system.
 *
 * Host-side functions return 0 or -errno; out-parameters are never written
 * on failure.
 */
#ifndef MICA_SIM_H
#define MICA_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <mica/types.h>
#include <mica/device.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mica_clock {
    MICA_CLOCK_VIRTUAL = 0,     /* time advances per kernel entry: deterministic */
    MICA_CLOCK_REAL = 1,        /* a host interval timer preempts tasks anywhere */
} mica_clock_t;

typedef enum mica_check {
    MICA_CHECK_OFF = 0,         /* never run the invariant checker */
    MICA_CHECK_END = 1,         /* run it once when the system stops */
    MICA_CHECK_EACH_ENTRY = 2,  /* run it after every kernel entry */
} mica_check_t;

typedef enum mica_stop_reason {
    MICA_STOP_IDLE = 0,         /* nothing can run; only receivers wait */
    MICA_STOP_DEADLOCK = 1,     /* nothing can run; some thread waits in Send/Call/for a reply */
    MICA_STOP_HALT = 2,         /* mica_debug_halt */
    MICA_STOP_INVARIANT = 3,    /* the invariant checker found a broken invariant */
    MICA_STOP_TIME_LIMIT = 4,   /* the configured time limit passed */
    MICA_STOP_STALLED = 5,      /* virtual clock: task code ran watchdog_ms of host time
                                   without entering the kernel */
    MICA_STOP_REASON_COUNT
} mica_stop_reason_t;

const char *mica_stop_reason_name(mica_stop_reason_t r);

typedef struct mica_config {
    size_t phys_mem_bytes;      /* simulated physical memory (default 64 MiB) */
    unsigned cpus;              /* simulated CPUs (default 1) */
    mica_clock_t clock;         /* MICA_CLOCK_VIRTUAL by default */
    unsigned timeslice_ticks;   /* round-robin timeslice (default 5) */
    uint64_t seed;              /* perturbs preemption points (virtual clock) */
    mica_check_t check;         /* invariant checking (default MICA_CHECK_OFF) */
    const char *trace_path;     /* Chrome Trace Event JSON, NULL = none */
    const char *log_path;       /* text trace, "-" = stderr, NULL = none */
    const char *log_filter;     /* "ipc,sched,fault,cap,mem,irq,syscall" subset; NULL = all */
    unsigned root_cnode_bits;   /* root CNode radix (default 12) */
    uint64_t time_limit_ticks;  /* 0 = none */
    unsigned max_threads;       /* host execution contexts (default 16384) */
    int quiet;                  /* non-zero: no reports on stderr */
    const char *cspace_dot_path; /* Graphviz DOT of the root CSpace and the CDT at the end, NULL = none */
    struct mica_trace_ring *trace_ring; /* also keep the text trace's tail here, NULL = none */
    unsigned watchdog_ms;       /* virtual clock: stop a thread that runs this long in host
                                   time without a kernel entry (default 2000, 0 = off) */
    unsigned long max_mappings; /* host mappings (VMAs) for VSpace windows and thread stacks;
                                   0 = what vm.max_map_count leaves, less a reserve (default) */
    /* --- the machine's time and devices --- */
    uint64_t tick_ns;           /* virtual clock: ns of virtual time per kernel entry (default 1000) */
    const char *console_input;  /* uart0's input: a file, "-" = stdin, NULL = none */
    const char *console_output; /* uart0's output: a file, NULL = stdout */
    const char *disk_path;      /* blk0's backing file (created sparse at disk_bytes), NULL = in memory */
    uint64_t disk_bytes;        /* blk0's size when created or in memory (default 16 MiB) */
    uint64_t disk_fail_at;      /* blk0 completes its Nth request (from 1) with IOERR; 0 = never */
    const mica_device_model_t *extra_devices; /* the program's own device models, NULL = none */
    unsigned num_extra_devices;
    const char *console_record; /* append uart0's input arrivals (virtual ns, byte) to this
                                   file, NULL = none; replay: give it as console_input */
} mica_config_t;

/*
 * An in-memory sink for the text trace, owned by the caller: it keeps the
 * last `size` bytes of the trace (the last events), whatever the length of
 * the run. Placed in shared memory, it survives a crash of the process that
 * ran the system, so a parent can print what happened last (mica-fuzz does).
 *
 *     mica_trace_ring_t *r = mmap(... sizeof *r + size, MAP_SHARED ...);
 *     r->size = size;  cfg.trace_ring = r;
 */
typedef struct mica_trace_ring {
    volatile uint64_t written;  /* bytes written so far; data holds the last `size` of them */
    uint64_t size;              /* bytes in data[], set by the owner */
#ifdef __cplusplus
    char data[1];               /* C++ has no flexible array member: data starts at the same
                                   offset, and sizeof *r + size still covers it */
#else
    char data[];                /* byte i of the trace is data[i % size] */
#endif
} mica_trace_ring_t;

/*
 * Copy the last `lines` complete lines kept in r into out (at most n bytes
 * with the terminating NUL).
 * @return the length of the copied text.
 */
size_t mica_trace_ring_tail(const mica_trace_ring_t *r, unsigned lines, char *out, size_t n);

#define MICA_STATS_SYSCALLS 16
#define MICA_MAX_CPUS 8                 /* mica_config_t.cpus is 1 .. MICA_MAX_CPUS */

typedef struct mica_run_result {
    mica_stop_reason_t reason;
    unsigned threads[MICA_THREAD_STATE_COUNT];  /* live TCBs per thread state */
    uint64_t ticks;                 /* virtual time at stop */
    uint64_t kernel_entries;
    uint64_t syscalls[MICA_STATS_SYSCALLS];    /* by -syscall number */
    uint64_t invocations;
    uint64_t invocation_errors;
    uint64_t ipcs;
    uint64_t fastpath_hits;
    uint64_t context_switches;
    uint64_t faults;
    uint64_t objects[MICA_OBJECT_TYPE_COUNT];   /* objects created, by type */
    uint64_t untyped_bytes_used;
    uint64_t host_allocs_after_boot;    /* host allocations the kernel made after boot */
    char message[2048];             /* why it stopped, for INVARIANT, DEADLOCK and STALLED;
                                       DEADLOCK's has a line per waiting thread */
    unsigned faulted_threads;       /* threads stopped by a fault that no handler took */
    unsigned cpus;                  /* simulated CPUs in the run */
    struct mica_cpu_stats {         /* per CPU */
        uint64_t kernel_entries;    /* entries on this CPU */
        uint64_t context_switches;
        uint64_t ipis;              /* reschedule IPIs it was sent */
        uint64_t idle_waits;        /* times it waited for work */
    } cpu[MICA_MAX_CPUS];
    int output_error;               /* errno (e.g. ENOSPC) of the first failed write to the
                                       trace, log or DOT file, 0 = all written; the run itself
                                       is unaffected, but that file is incomplete */
    const char *output_path;        /* the file output_error is about (cfg's string), or NULL */
    uint64_t time_ns;               /* virtual time at stop, ns (host ns since boot, real clock) */
    struct mica_irq_stats {         /* per interrupt line */
        uint64_t raised;            /* the line rose (a device asserted it) */
        uint64_t delivered;         /* its handler's notification was signalled */
        uint64_t acked;             /* IRQHandler_Ack */
    } irq[MICA_MAX_IRQ + 1];
    uint64_t untimed_entries;       /* kernel entries that took no tick: a system call run
                                       when its preempted (or restarted) thread resumes, the
                                       watchdog's stop; virtual clock: ticks = kernel_entries
                                       - untimed_entries */
    uint64_t expected_errors;       /* invocations that failed as the user library meant them
                                       to (probes: not in invocation_errors) */
    uint64_t ipc_bytes_copied;      /* message bytes the kernel copied from one IPC buffer to
                                       another (the words past the message registers) */
    uint64_t task_blocks;           /* basic blocks of task code built with the preempt flags
                                       (mica.pc preempt_cflags) run on CPU 0 (mica_sim_counters:
                                       on the caller's CPU): user-level work, deterministic
                                       under the virtual clock */
} mica_run_result_t;

/* Fill *cfg with the defaults. */
void mica_config_init(mica_config_t *cfg);

/*
 * The simulated CPU the calling task code runs on (0 with one CPU). A
 * thread can move between CPUs at any kernel entry (mica_tcb_set_affinity),
 * so the answer is only as fresh as the caller's last system call.
 */
unsigned mica_sim_cpu(void);

/*
 * The event counters of the running system so far, into *r: kernel_entries,
 * syscalls, invocations, ipcs, fastpath_hits, context_switches, faults,
 * objects created, the per-CPU and per-IRQ counts, ipc_bytes_copied,
 * task_blocks, ticks and time_ns; the
 * rest of *r is zero. Task code may call it: it does not enter the kernel,
 * so reading adds nothing to what it counts (a benchmark takes two readings
 * and subtracts). Outside a run, all zero.
 */
void mica_sim_counters(mica_run_result_t *r);

typedef void (*mica_root_task_fn)(const mica_bootinfo_t *bi, void *arg);

/*
 * Boot the kernel on a fresh simulated machine, run root_task as the
 * initial thread, and return when the system can make no more progress.
 * May be called again after it returns.
 *
 * The output files (trace_path, log_path, cspace_dot_path) are created
 * before the system boots. A write to one that fails later (a full disk)
 * does not stop the run: result->output_error says so, and it is printed
 * on stderr ("mica: writing the trace to PATH failed: REASON") unless quiet.
 * @return 0 with *result filled; -EINVAL for a bad configuration (the
 *         reason is printed on stderr), also when a device model's start
 *         refused what it was given (a disk file that cannot be opened); -EACCES if an output file cannot be
 *         created, whatever the reason (no such directory, no permission,
 *         a directory: the file, its setting and the reason are printed on
 *         stderr); -ENOMEM if the host refused memory (also when it refused an unmap
 *         mid-run, which stops the run: the reason is printed on stderr).
 */
int mica_run(const mica_config_t *cfg, mica_root_task_fn root_task, void *arg,
             mica_run_result_t *result);

/*
 * Exit statuses of mica_main and of the `mica` command: why the system
 * stopped, or that the command line was wrong.
 */
#define MICA_EXIT_OK         0  /* idle or halt */
#define MICA_EXIT_DEADLOCK   1
#define MICA_EXIT_INVARIANT  2
#define MICA_EXIT_TIME_LIMIT 3
#define MICA_EXIT_STALLED    4  /* the watchdog stopped spinning task code */
#define MICA_EXIT_FAULTED    5  /* idle or halt, but threads were stopped by unhandled faults */
#define MICA_EXIT_USAGE      64 /* bad option or value (sysexits' EX_USAGE) */
#define MICA_EXIT_INTERNAL   70 /* a bug in mica itself (sysexits' EX_SOFTWARE) */
#define MICA_EXIT_HOST       71 /* the host refused memory (sysexits' EX_OSERR) */
#define MICA_EXIT_CANTCREAT  73 /* an output file cannot be created (sysexits' EX_CANTCREAT) */
#define MICA_EXIT_IOERR      74 /* writing an output file failed (sysexits' EX_IOERR) */

/*
 * A ready-made main for a program with its own root task:
 *
 *     int main(int argc, char **argv) { return mica_main(argc, argv, my_root, NULL); }
 *
 * Parses the runner's options (--mem, --clock, --seed, --trace, --stats,
 * ...; --help lists them), runs root with them, reports on stderr how the
 * system stopped and returns one of the MICA_EXIT_* statuses. The words
 * after a `--` are the program's own: mica_main_args hands them to its
 * tasks.
 */
int mica_main(int argc, char **argv, mica_root_task_fn root, void *arg);

/*
 * The program's own arguments, for its root task (or any task code) in a
 * run that mica_main started:
 *
 *     prog [runner options] -- [program arguments]
 *
 * Everything before `--` is the runner's (a word there that is not an
 * option is a usage error); everything after it is the program's, passed
 * through untouched (`--seed 3` after `--` is the program's, not the
 * runner's). Returns the program's argv: argv[0] the program name, then
 * the words after `--`, then NULL; *argc (argc may be NULL) their count.
 *
 *     int argc;
 *     char **argv = mica_main_args(&argc);
 *     for (int i = 1; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
 *
 * Outside such a run (mica_run called directly) *argc is 0 and the list is
 * empty (argv[0] is NULL). A program written against <sel4/sel4.h> gets
 * the same words as its main's argc and argv, and here too.
 */
char **mica_main_args(int *argc);

#ifdef __cplusplus
}
#endif

#endif /* MICA_SIM_H */
