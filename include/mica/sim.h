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
} mica_config_t;

#define MICA_STATS_SYSCALLS 16

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
    char message[512];              /* why it stopped, for INVARIANT and DEADLOCK */
} mica_run_result_t;

/* Fill *cfg with the defaults. */
void mica_config_init(mica_config_t *cfg);

typedef void (*mica_root_task_fn)(const mica_bootinfo_t *bi, void *arg);

/*
 * Boot the kernel on a fresh simulated machine, run root_task as the
 * initial thread, and return when the system can make no more progress.
 * May be called again after it returns.
 * @return 0 with *result filled; -EINVAL for a bad configuration (the
 *         reason is printed on stderr); -ENOMEM if the host refused memory.
 */
int mica_run(const mica_config_t *cfg, mica_root_task_fn root_task, void *arg,
             mica_run_result_t *result);

#endif /* MICA_SIM_H */
