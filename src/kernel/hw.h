/*
 * hw.h - THE hardware interface: every place the kernel reaches the machine.
 *
 * src/kernel/ calls only these hw_* functions to touch anything outside its
 * own state; sim/ implements them on Linux, tests/ may fake them. In the
 * other direction the machine enters the kernel only through the kernel_*
 * entry points declared at the end. `grep hw_` lists every crossing.
 */
#ifndef MICA_KERNEL_HW_H
#define MICA_KERNEL_HW_H

#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>

typedef uint64_t hw_word_t;

/* --- physical memory ---------------------------------------------------- */
/* Host address of simulated physical address 0 (the memfd mapping). */
extern unsigned char *hw_phys_base;
/* Size of simulated physical memory in bytes. */
extern hw_word_t hw_phys_size;
/*
 * Make [paddr, paddr + bytes) of physical memory read as zero. Large ranges
 * cost no host time per byte: their whole pages go back to the host (which
 * frees that host memory) and read as zero when next touched; the rest of
 * the range, and everything where the host cannot do that, is cleared byte
 * by byte.
 */
void hw_phys_zero(hw_word_t paddr, hw_word_t bytes);
/*
 * Which RAM a device may reach by DMA: only memory that holds frames, never
 * kernel objects (no IOMMU is needed for a driver's bad address to leave
 * the kernel whole). Untyped_Retype says so for the memory it carves
 * (frames: allowed; any other object: not), and an untyped's reset takes it
 * back. Page-granular; boot's own objects are never allowed.
 */
void hw_phys_dma_allow(hw_word_t paddr, hw_word_t bytes, int allow);

/* --- execution contexts --------------------------------------------------
 * A context is a host stack plus saved registers, named by a small integer.
 * Context 0 of each CPU is the CPU's own idle loop (the host thread that
 * called mica_run).
 */
/*
 * Allocate a context id for a new thread, with its host stack; -1 when the
 * host has none to give (hw_refusal says which limit).
 */
int  hw_ctx_alloc(void);
/* Release a context id (its thread's TCB was destroyed). */
void hw_ctx_free(int ctx);
/*
 * Arrange for ctx to start at entry(r0..r3) when next switched to, on the
 * stack whose top is vaddr sp of VSpace vspace (0 = a host stack).
 */
void hw_ctx_start(int ctx, hw_word_t pc, hw_word_t vspace, hw_word_t sp, const hw_word_t args[4]);
/*
 * Could hw_ctx_start use the stack whose top is vaddr sp of VSpace vspace?
 * 0 when that stack lies in the VSpace and its top is not mapped writable
 * (the machine builds the first frame there before the thread runs).
 */
int  hw_ctx_stack_usable(hw_word_t vspace, hw_word_t sp);
/* Save the running context into from and resume to; returns when from is resumed. */
void hw_ctx_switch(int from, int to);

/*
 * Why the host last refused hw_ctx_alloc, hw_map or hw_vspace_create: one
 * line naming the host limit and the setting that raises it, for the
 * kernel's report (valid until the next refusal).
 */
const char *hw_refusal(void);

/* --- CPUs -----------------------------------------------------------------
 * Each simulated CPU is a host thread. The simulator holds the big kernel
 * lock around every kernel_* entry, so the kernel runs on one CPU at a time.
 */
/* The CPU the caller runs on (0 .. cpus-1). */
unsigned hw_cpu_id(void);
/*
 * Interrupt CPU cpu (a reschedule IPI): wake it if it waits in hw_cpu_wait,
 * or make it enter the kernel soon if it runs task code. Asynchronous.
 */
void hw_ipi(unsigned cpu);
/*
 * The calling CPU has nothing to run: release the kernel lock, wait for an
 * IPI (one sent before the call is not lost), take the lock again.
 */
void hw_cpu_wait(void);

/* --- address spaces -------------------------------------------------------*/
/*
 * A VSpace object was created at paddr: reserve its host window.
 * @return its generation (>= 1, distinct from earlier VSpaces at paddr), 0 on failure.
 */
hw_word_t hw_vspace_create(hw_word_t vspace_paddr);
/* The generation of the live VSpace at paddr, 0 if there is none. */
hw_word_t hw_vspace_generation(hw_word_t vspace_paddr);
/* The VSpace at paddr was destroyed: release its window. */
void hw_vspace_destroy(hw_word_t vspace_paddr);
/*
 * Map 2^size_bits bytes of physical memory at paddr to vaddr. rights: bit0 W,
 * bit1 R. 0, or -1 when the host refused (hw_refusal says why) and nothing
 * changed.
 */
int  hw_map(hw_word_t vspace_paddr, hw_word_t vaddr, hw_word_t paddr, unsigned size_bits,
            unsigned rights);
void hw_unmap(hw_word_t vspace_paddr, hw_word_t vaddr, unsigned size_bits);
/*
 * What the host has mapped at vaddr of a VSpace's window, as hw_map and
 * hw_unmap left it (the sim keeps a shadow; no system call). For the
 * invariant checker.
 */
typedef struct hw_window_entry {
    hw_word_t paddr;        /* the physical address of the mapping at vaddr */
    unsigned size_bits;     /* 12 or 21; 0 = nothing is mapped at vaddr */
    unsigned rights;        /* as hw_map got them: bit0 W, bit1 R */
    hw_word_t mappings;     /* how many frames the whole window maps */
} hw_window_entry_t;
/* Fill *e; 0, or -1 when the VSpace has no window. */
int  hw_window_probe(hw_word_t vspace_paddr, hw_word_t vaddr, hw_window_entry_t *e);

/* --- clock, console, trace ---------------------------------------------- */
/*
 * Ticks that passed since the last call. The virtual clock answers 1 per
 * kernel entry; the real clock answers how many timer interrupts arrived
 * (0 or more) since the kernel last asked.
 */
hw_word_t hw_clock_take_ticks(void);
/* Non-zero with the real clock; the kernel then asks hw_clock_take_ticks. */
extern int hw_clock_real;

/* --- devices ---------------------------------------------------------------
 * The machine's devices (sim/dev/) keep a queue of events at virtual times.
 * hw_event_due is the tick (ks.time) from which the earliest one is due:
 * HW_NEVER when none is pending, 0 under the real clock while one is pending
 * (the machine then compares host time). Each kernel entry compares it with
 * the time it just ticked to and calls hw_device_events when it is reached.
 */
#define HW_NEVER (~(hw_word_t)0)
extern hw_word_t hw_event_due;
/* Run the device events that are due now (kernel lock held). */
void hw_device_events(void);
/*
 * Every CPU is idle (kernel lock held). 0 when no device event is pending:
 * the system can make no more progress. Otherwise the machine lets time
 * pass up to the earliest event - under the virtual clock it jumps so that
 * the next tick lands on it, under the real clock it waits in the host -
 * and returns 1; the kernel then enters as for an interrupt (one tick),
 * which runs the event.
 */
int hw_idle_wait(void);
void hw_putchar(int c);
/*
 * Kernel messages, printf-style, no newline needed. Level HW_LOG_REPORT
 * (hw_log) is something the user must see (a thread stopped for want of a
 * fault handler); HW_LOG_DIAG is the reason an invocation failed, shown only
 * when the run's log is on.
 */
#define HW_LOG_REPORT 0
#define HW_LOG_DIAG   1
void hw_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hw_vlog(int level, const char *fmt, va_list ap);
/* Format into buf like vsnprintf (the kernel has no stdio of its own). */
int  hw_vformat(char *buf, size_t n, const char *fmt, va_list ap);
/*
 * Trace events. The kernel fills in names so that a sink needs no access to
 * kernel memory; strings are valid only during the call. hw_trace_mask
 * holds the HW_TRACE_CAT_* categories a sink wants (0 = tracing off), so
 * the kernel builds no event nobody reads.
 */
enum hw_trace_kind {
    HW_TRACE_SYSCALL,   /* a thread entered the kernel: op = syscall, object = cptr */
    HW_TRACE_IPC,       /* a message moved: thread -> peer through object; result = the
                           slot the receiver received on (0 for replies) */
    HW_TRACE_SWITCH,    /* the CPU switched from thread to peer */
    HW_TRACE_FAULT,     /* thread faulted: op = fault kind, label = fault type, detail =
                           decoded, object = the fault handler endpoint the fault goes to
                           (0: none) and badge its cap's badge, pc = where it faulted */
    HW_TRACE_ERROR,     /* an invocation failed: op = invocation, result = error, detail = why */
    HW_TRACE_CREATE,    /* op = object type, object = paddr */
    HW_TRACE_DELETE,
    HW_TRACE_SIGNAL,    /* thread signalled notification object with badge */
    HW_TRACE_EXIT,      /* thread's entry function returned */
    HW_TRACE_PREEMPT,   /* the clock interrupted thread (real-clock timer, or a block tick) */
    HW_TRACE_MAP,       /* object = frame, badge = vaddr, label = VSpace, length = size bits */
    HW_TRACE_UNMAP,
    HW_TRACE_IRQ,       /* category irq: op = "raised", "held", "delivered", "acked";
                           object = line, label = notification (delivered), badge */
    HW_TRACE_WAKE,      /* a notification's badge reached thread: op = "Wait", "Poll" or
                           "bound" (in a Recv), peer = the signaller (0: none or already
                           pending), object = notification, label = the slot received on */
    HW_TRACE_HINT,      /* a plain message carries invocation label `label` (op = its name)
                           to a cap of type detail: likely meant for another cap type */
    HW_TRACE_KIND_COUNT
};
#define HW_TRACE_CAT_IPC     1u
#define HW_TRACE_CAT_SCHED   2u
#define HW_TRACE_CAT_FAULT   4u
#define HW_TRACE_CAT_CAP     8u
#define HW_TRACE_CAT_MEM     16u
#define HW_TRACE_CAT_IRQ     32u
#define HW_TRACE_CAT_SYSCALL 64u

typedef struct hw_trace_event {
    int kind;                   /* enum hw_trace_kind */
    unsigned cpu;
    hw_word_t time;             /* virtual ticks */
    hw_word_t thread;           /* TCB paddr of the acting thread (0 = none) */
    const char *thread_name;
    hw_word_t peer;             /* other thread, 0 = none */
    const char *peer_name;
    hw_word_t object, badge, label, length, result;
    const char *op;             /* short name: "Call", "CNode_Copy", "cap fault", "endpoint" */
    const char *detail;         /* readable explanation, or NULL */
    hw_word_t pc;               /* a fault's host pc (the sink symbolises it), or 0 */
} hw_trace_event_t;

extern unsigned hw_trace_mask;
/*
 * What the user library said of the system call that thread context ctx is
 * making (sim/syscall.c): it expects an error (a probe: a Page_Map that finds
 * no page table, an Untyped_Retype into an untyped that may be full), or it
 * is one of the library's invocation stubs. 0 for anything else. Read only
 * on an error and when tracing.
 */
#define HW_MARK_EXPECT_ERROR 1u
#define HW_MARK_INVOCATION   2u
unsigned hw_task_marks(int ctx);
void hw_trace(const hw_trace_event_t *ev);
/*
 * Thread `thread` stopped for want of a fault handler (seL4: the fault is
 * dropped and the thread left Inactive): the machine reports it - the
 * fault in words, the pc of a trap symbolised - and counts it in the run
 * result's faulted_threads. type and w are the fault's (MICA_FAULT_*, the
 * words of the fault message); why says what was wrong with the handler.
 */
void hw_thread_faulted(const char *thread, unsigned long type, const hw_word_t w[4],
                       hw_word_t handler, const char *why);
/*
 * Thread `thread` was stopped for an escape from its task code (exit(),
 * pthread_exit(), a longjmp out of the thread: sim/escape.c): the machine
 * reports it - "thread 'root' <what>: <advice>" - and counts it with the
 * threads stopped by faults (mica_run_result_t.faulted_threads).
 */
void hw_thread_escaped(const char *thread, const char *what, const char *advice);
/*
 * The root thread's entry function returned at virtual time `time`, while
 * `others` other threads were ready or running (legal, as on seL4: the root
 * thread is now inactive and the others run on). For the log and --stats.
 */
void hw_root_returned(hw_word_t time, unsigned others);
/*
 * Where the task code of a thread parked in the kernel (context ctx) made
 * the system call it waits in, "function+offset (file:line)", into buf (n
 * bytes); pc, when not 0, is where it trapped instead. Empty when unknown,
 * or in a quiet run without a log (symbolising runs a program). For the
 * deadlock report (summary.c).
 */
void hw_ctx_where(int ctx, hw_word_t pc, char *buf, size_t n);

/*
 * What the host that built the system calls the cap a thread (named
 * thread) holds at cptr in its own CSpace, e.g. "a PPC on channel 3 to
 * server" for a Microkit PD, into buf (n bytes); 0 and buf empty when it has
 * no name for it. For the deadlock report (summary.c).
 */
size_t hw_cap_note(const char *thread, hw_word_t cptr, char *buf, size_t n);
/* A kernel assertion failed: report and abort the host process. */
void hw_panic(const char *msg, const char *file, int line, const char *func)
    __attribute__((noreturn));

/*
 * Scratch memory for the invariant checker (not kernel state): at least
 * `bytes`, reserved once at boot, valid until the run ends; NULL if refused.
 */
void *hw_scratch(hw_word_t bytes);

/*
 * Graphviz DOT text for `--cspace-dot` (kernel_write_dot), appended piece
 * by piece to the open DOT file; a no-op when none is open.
 */
void hw_dot(const char *text);

/* --- entry points the machine calls into the kernel --------------------- */
typedef struct hw_boot_params {
    hw_word_t phys_size;
    unsigned root_cnode_bits;
    unsigned timeslice_ticks;
    int check;                  /* mica_check_t */
    hw_word_t root_pc;          /* entry of the root thread */
    hw_word_t root_arg;         /* its r1 */
    hw_word_t seed;
    hw_word_t time_limit;
    unsigned cpus;              /* simulated CPUs, 1 .. 8 */
    /*
     * The machine's devices, for the boot info's device table: each one's
     * 4 KiB register page lies in the device region [phys_size, hw_phys_size)
     * and gets a device untyped of its own.
     */
    unsigned num_devices;       /* 0 .. 5 (MICA_MAX_DEVICES) */
    struct hw_device_desc {
        char name[16];
        hw_word_t paddr;
        hw_word_t irq;
    } devices[5];
} hw_boot_params_t;

/* Boot the kernel; 0 or -1 (and a message through hw_log). */
int kernel_boot(const hw_boot_params_t *p);
/*
 * The physical memory kernel_boot needs with a root CNode of 2^root_cnode_bits
 * slots and cpus CPUs: the boot objects as it places them (aligned) plus the
 * 1 MiB it leaves at least for untyped. All ones for values it refuses.
 */
hw_word_t kernel_boot_min_phys(unsigned root_cnode_bits, unsigned cpus);
/*
 * A system call from the current thread. regs[0..7] are r0..r7 at the trap
 * (r7 = syscall number); on return they hold what the thread sees.
 */
void kernel_syscall(hw_word_t regs[8]);
/*
 * The real clock interrupted the thread on context `ctx` in task code; its
 * registers are saved (hw_ctx_switch away from ctx need not save it, and if
 * the kernel keeps it running, hw_ctx_switch(ctx, ctx) resumes it).
 */
void kernel_preempt(int ctx);
/*
 * Task code on context ctx, built with basic-block hooks (sim/clock.c), has
 * run another period of basic blocks and calls in for a clock tick: a
 * function call from the thread's own context, so hw_ctx_switch away from
 * ctx saves it as for a system call, and this returns when the thread runs
 * again. If this CPU entered the kernel during the period, the code running
 * now has not gone a whole period without an entry: no tick, nothing changes.
 */
void kernel_tick(int ctx);
/* A trap in task code (trap.c fills this in). */
typedef struct hw_fault {
    int vm;                 /* 1: VM fault at addr; 0: user exception */
    hw_word_t addr;         /* VM: the faulting vaddr */
    hw_word_t fsr;          /* VM: fault status (bit 1 = write) */
    hw_word_t prefetch;     /* VM: 1 for an instruction fetch */
    hw_word_t ip, sp;       /* where the task was */
    unsigned signo, code;   /* the host signal and its si_code */
    hw_word_t host_addr;    /* the host's fault address (for the report only) */
    int write;              /* the access was a write, where the host says (report only) */
    hw_word_t stack_overflow;   /* user exception: the size of the host stack the task
                                   code ran past the bottom of (into its guard gap), or 0 */
} hw_fault_t;
/*
 * Task code on context ctx trapped; its registers are saved as for
 * kernel_preempt. The kernel delivers the fault to the thread's handler.
 */
void kernel_fault(int ctx, const hw_fault_t *f);
/*
 * Task code on context ctx (saved as for kernel_preempt, at the faulting
 * instruction) loaded or stored on a device frame it may access that way:
 * the kernel counts the entry and calls hw_mmio_perform, then runs the
 * thread on (or another, if the tick ended its timeslice). If the access
 * cannot be made, f (a VM fault) goes to the thread's handler instead.
 */
void kernel_mmio(int ctx, const hw_fault_t *f);
/*
 * In the kernel (lock held), for kernel_mmio: make the access context ctx
 * trapped on, on the device model, if vspace still maps a device frame
 * there with the rights it needs; write the loaded value into the saved
 * registers and step its pc past the instruction. 0: done (or, when the
 * mapping changed meanwhile, the context is left to run the instruction
 * again); -1: no device answers at that address - a VM fault.
 */
int  hw_mmio_perform(int ctx, hw_word_t vspace_paddr);
/*
 * The watchdog stopped the task code of ctx, saved as for kernel_preempt:
 * it ran too long without a kernel entry (what: the machine's description
 * of it), or sat blocked in the host (blocked = 1). Stops the system with
 * MICA_STOP_STALLED and never returns; or returns 0 when it is no stall (a
 * thread blocked in the host with nothing else ready on its CPU), and the
 * machine resumes it.
 */
_Bool kernel_stall(int ctx, const char *what, int blocked);
/*
 * Task code on context ctx tried to leave the simulated machine (called
 * exit(), pthread_exit(), or a longjmp to a jmp_buf outside its own stack;
 * sim/escape.c describes it in what, and what the user should do instead
 * in advice). Entered like a system call, on the thread's kernel stack:
 * the thread is stopped as a thread whose fault no handler took is -
 * Inactive, reported through hw_thread_escaped, counted - and the rest of
 * the system runs on. Returns only if the thread is resumed without a new
 * pc; its task code cannot go on past the escape, so the machine stops it
 * again.
 */
void kernel_escape(int ctx, const char *what, const char *advice);
/*
 * The current thread of this CPU (context ctx, saved as for kernel_preempt)
 * cannot go on: the machine reported why and counted it as faulted. The
 * kernel makes it Inactive and runs someone else; returns only when the
 * thread runs again (it was parked, or resumed), and the machine stops it
 * again.
 */
void kernel_stop_thread(int ctx);
/*
 * Stop the system at the next kernel exit on any CPU. Asynchronous: a host
 * signal handler may call it, whatever the CPU it runs on is doing.
 */
void kernel_request_stop(void);
/*
 * Kernel entries so far that were system calls, faults or preemptions, not
 * basic-block ticks (read without the lock, by the watchdog: approximate).
 */
hw_word_t kernel_entry_count(void);
/* The name of the thread CPU cpu runs (read without the lock, for a last report). */
const char *kernel_cpu_thread_name(unsigned cpu);
/*
 * Called on each CPU's idle context: run threads. Returns when the system
 * has stopped or every CPU is idle at once (the run is over).
 */
void kernel_idle_enter(void);
/*
 * A device drives interrupt line irq (0 .. MICA_MAX_IRQ) high (asserted)
 * or low. Called by the machine in kernel context - the kernel lock held,
 * from hw_device_events, an MMIO access or a device's start - never from
 * task code. A rising line raises the IRQ (seL4: handleInterrupt).
 */
void kernel_irq_set(unsigned irq, int asserted);
/* Virtual ticks so far (ks.time; read by the machine for device time). */
hw_word_t kernel_ticks(void);
/* Host pointer to the current thread's IPC buffer, NULL if it has none. */
void *kernel_current_ipc_buffer(void);
/* Physical address of the current thread's VSpace, 0 if it has none. */
hw_word_t kernel_current_vspace(void);
/* Host pointer to the boot info frame. */
void *kernel_bootinfo(void);
/* Fill a run result (mica_run_result_t) when the system has stopped. */
struct mica_run_result;
void kernel_summary(struct mica_run_result *r);
void kernel_counters(struct mica_run_result *r);   /* the event counters only, mid-run */
void kernel_usage(hw_word_t *out);                 /* mica_usage_t's words, now */
/* Describe the root CSpace and the derivation tree as DOT, through hw_dot. */
void kernel_write_dot(void);

#endif /* MICA_KERNEL_HW_H */
