/*
 * state.h - all mutable kernel state, in one place (seL4: model/statedata).
 *
 * The invariant checker, the DOT dumper and test fixtures walk or reset this
 * one thing. Per-CPU fields live in ks_cpu_t so simulated SMP needs no
 * redesign. Everything is reset by kernel_boot().
 */
#ifndef MICA_KERNEL_STATE_H
#define MICA_KERNEL_STATE_H

#include <mica/sim.h>
#include "types.h"

#define MAX_CPUS MICA_MAX_CPUS
#define NUM_PRIO MICA_NUM_PRIORITIES
#define L2_BITMAP_WORDS (NUM_PRIO / 64)

/* seL4: ksSchedulerAction; any other value is the TCB to switch to. */
#define SCHED_RESUME_CURRENT 0ull
#define SCHED_CHOOSE_NEW     1ull

/* A CPU's ready queues (seL4: ksReadyQueues), in ks.rq[cpu]. */
typedef struct ks_rq {
    paddr_t ready_head[NUM_PRIO];
    paddr_t ready_tail[NUM_PRIO];
} ks_rq_t;

/*
 * A CPU's scheduler words. The CPU in the kernel finds its own in ks.cpu[0]
 * (see NODE below); cpu_state(c) finds any CPU's.
 */
typedef struct ks_cpu {
    paddr_t cur_thread;                 /* seL4: ksCurThread */
    paddr_t idle_thread;                /* seL4: ksIdleThread */
    paddr_t sched_action;               /* seL4: ksSchedulerAction */
    word_t bitmap_l1;                   /* bit i: some queue in l2[i] is non-empty */
    word_t bitmap_l2[L2_BITMAP_WORDS];
    int idle_ctx;                       /* host context of the idle loop */
    /*
     * SMP (seL4: remoteTCBStall). Another CPU took this CPU's running thread
     * away (suspend, delete, migration, priority change): cur_thread became
     * the idle thread at once, but the host is still executing that thread's
     * task code until its next kernel entry, which parks it (stalled_ctx).
     * orphan is the thread, or 0 once it has been deleted.
     */
    int stalled;
    int stalled_ctx;
    paddr_t orphan;
    int resched;                        /* a reschedule IPI arrived (seL4: ipiReschedulePending) */
    /* Per-CPU counters (the run result reports them). */
    word_t entries;
    word_t switches;
    word_t ipis;
    word_t idle_waits;
} ks_cpu_t;

typedef struct ks_counters {
    word_t kernel_entries;
    word_t block_ticks;                 /* of which ticks of instrumented task code (kernel_tick) */
    word_t syscalls[16];
    word_t invocations;
    word_t invocation_errors;
    word_t expected_errors;             /* failures the user library expected (probes) */
    word_t untimed_entries;             /* entries that took no tick: a system call run when
                                           its thread resumes, a stall */
    word_t ipcs;
    word_t ipc_buffer_words;    /* message words copied buffer to buffer (copy_mrs) */
    word_t fastpath_hits;
    word_t context_switches;
    word_t faults;
    word_t objects[MICA_OBJECT_TYPE_COUNT];
    word_t irq_raised[MICA_MAX_IRQ + 1];       /* per line: rising edges */
    word_t irq_delivered[MICA_MAX_IRQ + 1];    /* signals sent to the handler's notification */
    word_t irq_acked[MICA_MAX_IRQ + 1];        /* IRQHandler_Ack */
    /* Ghost (for valid_irq_masks): masked lines unmasked - by Ack, or as the last handler went. */
    word_t irq_unmasks[MICA_MAX_IRQ + 1];
} ks_counters_t;

typedef struct kernel_state {
    ks_cpu_t cpu[MAX_CPUS];             /* slot 0: the CPU in the kernel (cpu_state) */
    ks_rq_t rq[MAX_CPUS];               /* by CPU number */
    unsigned num_cpus;
    unsigned cur_cpu;                   /* the CPU in the kernel (it holds the big kernel lock) */
    word_t ipi_pending;                 /* CPUs to interrupt at this kernel exit (bit per CPU) */
    word_t idle_mask;                   /* CPUs with nothing to run, waiting for an IPI */
    int all_idle;                       /* every CPU went idle at once: the run is over */
    paddr_t mdb_head;                   /* sentinel slot heading the CDT list */
    syscall_error_t syscall_error;      /* seL4: current_syscall_error */
    lookup_fault_t lookup_fault;        /* seL4: current_lookup_fault */
    fault_t fault;                      /* seL4: current_fault */
    cte_t *extra_caps[MICA_MSG_MAX_EXTRA_CAPS]; /* seL4: current_extra_caps */
    word_t time;                        /* virtual ticks */
    word_t time_limit;
    unsigned timeslice;
    int check;                          /* mica_check_t */
    int stopped;                        /* a stop reason is set: leave for idle */
    int stop_reason;                    /* mica_stop_reason_t */
    char stop_message[512];
    bool signal_by_irq;                 /* send_signal runs for an interrupt line (the log) */
    char last_error[256];               /* why the last invocation failed (user_error) */
    word_t tcbs_made;                   /* names unnamed threads "tcbN", deterministically */
    paddr_t boot_region_end;            /* [0, boot_region_end) held boot objects */
    paddr_t root_tcb;
    paddr_t bootinfo;                   /* the boot info frame */
    word_t seed;
    word_t rng;                         /* xorshift state for timeslice jitter */
    word_t tick_mark[MAX_CPUS];         /* kernel_tick: a CPU's entry count at its last period end */
    uint8_t irq_issued[MICA_MAX_IRQ + 1];   /* seL4: intStateIRQTable != Inactive */
    paddr_t irq_node;                   /* seL4: intStateIRQNode, IRQ_NODE_SLOTS slots made at boot */
    /*
     * The interrupt controller, per line (seL4 keeps this in the hardware):
     * asserted - the device drives the line high (level);
     * masked   - delivered, waiting for IRQHandler_Ack;
     * pending  - raised when it could not be delivered (masked, or no
     *            notification set): delivered once it can be.
     */
    uint8_t irq_asserted[MICA_MAX_IRQ + 1];
    uint8_t irq_masked[MICA_MAX_IRQ + 1];
    uint8_t irq_pending[MICA_MAX_IRQ + 1];
    ks_counters_t count;
    void *scratch;                      /* invariant checker's work area (host memory) */
    word_t scratch_entries;
    unsigned host_limits_reported;      /* HOST_LIMIT_* already reported on stderr this run */
} kernel_state_t;

extern kernel_state_t ks;

/*
 * The CPU now in the kernel. Only one CPU is ever in the kernel (the big
 * kernel lock, held by the simulator around every kernel entry), and every
 * entry calls set_cur_cpu first, so kernel code needs no thread-local state.
 *
 * That CPU's scheduler words are always in ks.cpu[0]: NODE is a fixed
 * address, as on a single-CPU kernel, which the IPC fast path measurably
 * prefers to a pointer or an index (docs/performance.md). When another
 * CPU enters, set_cur_cpu swaps the two CPUs' words (about 130 bytes); the
 * ready queues stay put in ks.rq[cpu].
 */
#define NODE (ks.cpu[0])

/*
 * The IRQ node (seL4: intStateIRQNode): one slot per IRQ line, in simulated
 * physical memory carved at boot, holding the notification cap of the IRQ's
 * handler (a copy made by IRQHandler_SetNotification). Its slots are
 * ordinary slots: on the CDT list, derived from the cap they were copied from.
 */
#define IRQ_NODE_SLOTS (MICA_MAX_IRQ + 1)
#define IRQ_NODE_BITS  (MICA_SLOT_BITS + 6)
_Static_assert(IRQ_NODE_SLOTS <= 64, "the IRQ node is 64 slots");

static inline cte_t *irq_node_slot(word_t irq)
{
    return (cte_t *)paddr_to_ptr(ks.irq_node) + irq;
}
#define NODE_RQ (ks.rq[ks.cur_cpu])

/* The slot of CPU c's scheduler words: slot 0 and slot cur_cpu trade places. */
static inline ks_cpu_t *cpu_state(unsigned c)
{
    return &ks.cpu[c == ks.cur_cpu ? 0 : c == 0 ? ks.cur_cpu : c];
}

static inline void swap_cpu_slots(unsigned a)
{
    ks_cpu_t t = ks.cpu[0];
    ks.cpu[0] = ks.cpu[a];
    ks.cpu[a] = t;
}

/* A CPU has taken the kernel lock and entered the kernel. */
static inline void set_cur_cpu(unsigned c)
{
    if (ks.cur_cpu != c) {
        if (ks.cur_cpu != 0)
            swap_cpu_slots(ks.cur_cpu);     /* back to CPU i in slot i */
        if (c != 0)
            swap_cpu_slots(c);
        ks.cur_cpu = c;
    }
}

/* Stop the whole system with reason r; the message says why. */
void kernel_stop(int reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The host refused what an invocation needs (hw_refusal says which limit):
 * NotEnoughMemory, the reason in the log every time and on stderr once per
 * run and limit - it is no mistake of the task, and the user must learn
 * which host limit or setting to raise.
 */
#define HOST_LIMIT_CONTEXTS 1u
#define HOST_LIMIT_MAPPINGS 2u
exception_t host_limit_error(const char *op, unsigned limit);

#endif /* MICA_KERNEL_STATE_H */
