/*
 * sim.h - the simulated machine's internal interfaces (not the kernel's).
 */
#ifndef MICA_SIM_INTERNAL_H
#define MICA_SIM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <mica/sim.h>
#include "../src/kernel/hw.h"
#include "mmio_decode.h"

/* Device memory placed after RAM, reported as device untyped. */
#define SIM_DEVICE_BYTES (1ul << 20)

/* physmem.c */
int  physmem_create(size_t bytes);
void physmem_destroy(void);
int  physmem_fd(void);
/* [paddr, paddr + bytes) is RAM that holds frames only: a device may reach it by DMA. */
bool physmem_dma_allowed(hw_word_t paddr, hw_word_t bytes);
/* "mica: bad configuration: ..." on stderr; returns -EINVAL (run.c). */
int bad_config(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * cpu.c: simulated CPUs. CPU 0 is the host thread inside mica_run; CPUs
 * 1..n-1 are POSIX threads it starts. Each runs its own idle loop (host
 * context i) and, in turn, the threads the kernel gives it. Everything a
 * CPU needs of its own lives here, found through a thread-local pointer.
 */
#define SIM_MAX_CPUS MICA_MAX_CPUS
struct sim_cpu {
    unsigned id;
    pthread_t thread;
    int started;
    int cur;                        /* ctx.c: the context this CPU runs */
    int cur_vspace_stack;           /* ctx.c: it runs task code on a VSpace stack */
    hw_word_t *cur_kregs;           /* ctx.c: then its kernel-entry registers, on the host side */
    void **cur_ksp;                 /* ctx.c: and where its kernel stack begins */
    int pending_free;               /* ctx.c: a context to release once switched away from */
    unsigned char *alt_stack;       /* trap.c: signal stack */
    size_t alt_size;
    unsigned char *entry_stack;     /* trap.c: where trap and preemption handlers enter the kernel */
    hw_fault_t pending;             /* trap.c: the fault trap_entry delivers */
    mmio_insn_t mmio;               /* mmio.c: the load or store kernel_mmio performs */
    hw_word_t mmio_vaddr;           /* mmio.c: and its vaddr in the current VSpace */
    const char *mmio_why;           /* mmio.c: why the pending VM fault on a device frame is one */
    uintptr_t pending_caller;       /* trap.c: for a signal task code sent itself, its call site */
    unsigned long ticks;            /* clock.c: real-clock ticks not yet taken (atomic) */
    int mark_ctx;                   /* syscall.c: the context whose next call is marked (-1: none) */
    unsigned mark_flags;            /* syscall.c: its HW_MARK_* */
    pthread_mutex_t wait_lock;      /* hw_cpu_wait / hw_ipi */
    pthread_cond_t wait_cond;
    int ipi;                        /* an IPI arrived (hw_ipi sets, hw_cpu_wait takes) */
    int waiting;                    /* in hw_cpu_wait: an IPI needs no signal */
    pid_t tid;                      /* its host thread's id (for the watchdog) */
    volatile sig_atomic_t *in_kernel_flag;  /* its host thread's sim_in_kernel (for the watchdog) */
    unsigned long entries;          /* kernel lock acquisitions with several CPUs (atomic; watchdog) */
    unsigned long hook_entries;     /* of which basic-block ticks (clock.c; atomic; watchdog) */
    /* watchdog.c: what the stall signal found */
    uintptr_t stall_pc;
    void *stall_frames[24];
    int stall_nframes;
    int stall_blocked;              /* blocked in the host, not spinning */
    int stall_ticked;               /* took basic-block ticks meanwhile (instrumented code) */
    double stall_secs;
};
extern struct sim_cpu sim_cpus[SIM_MAX_CPUS];
extern unsigned sim_ncpus;
extern int sim_smp;                 /* more than one CPU: the kernel lock is real */
/*
 * The CPU the calling host thread simulates during a run; NULL on every
 * other host thread (one task code made with pthread_create, the
 * watchdog's) and outside a run. One load through %fs: the system-call
 * path checks it (syscall.c trap()).
 */
extern __thread struct sim_cpu *sim_self_tls __attribute__((tls_model("initial-exec")));
/* Non-zero on the simulator's own helper threads (the watchdog). */
extern __thread int sim_own_thread __attribute__((tls_model("initial-exec")));
/* The calling host thread's CPU (re-read after every context switch: contexts move between CPUs). */
struct sim_cpu *sim_self(void);
/* The same, but NULL on a host thread that is not a simulated CPU of the run. */
struct sim_cpu *sim_self_or_null(void);
/* sim_self() without the call when there is only one CPU (the common, benchmarked case). */
static inline struct sim_cpu *sim_cpu_here(void)
{
    return sim_smp ? sim_self() : &sim_cpus[0];
}
/* The big kernel lock, around every kernel entry (no-ops with one CPU). */
void sim_kernel_lock_smp(void);
/* The user library's marks on its next system call (syscall.c; src/user/env.h). */
void mica_user_mark_call(unsigned flags);
unsigned mica_user_marks(void);
int mica_user_tracing(void);
void sim_kernel_unlock_smp(void);
static inline void sim_kernel_lock(void)
{
    if (sim_smp)
        sim_kernel_lock_smp();
}
static inline void sim_kernel_unlock(void)
{
    if (sim_smp)
        sim_kernel_unlock_smp();
}
/* Start CPUs 1..n-1 (after boot) and wait for them to leave their idle loops. */
int  sim_cpus_init(unsigned n);
int  sim_cpus_start(void);
void sim_cpus_join(void);
void sim_cpus_fini(void);
/* The signal an IPI sends to a CPU running task code. */
#define SIM_IPI_SIGNAL (SIGRTMIN + 2)

/* ctx.c */
int  ctx_system_init(unsigned max_contexts);
void ctx_system_destroy(void);
int  ctx_current(void);
/*
 * Where context id's task code keeps its frames: [lo, top) of its host
 * stack, or, for task code on a VSpace stack, from the VSpace's window up
 * to its stack top.
 */
void ctx_task_stack(int id, uintptr_t *lo, uintptr_t *top);
void ctx_cpu_attach(unsigned cpu);
/* A parked context's saved sp and its host stack's top; -1 if its task frames are elsewhere. */
int  ctx_parked_stack(int id, uintptr_t *sp, uintptr_t *top);

/* Save the interrupted context of ctx (from a signal handler's ucontext). */
struct ucontext_t;
void ctx_save_from_signal(int ctx, struct ucontext_t *uc);
/*
 * The size of ctx's host stack if addr is in the guard gap below it and
 * its task code runs there (a stack overflow); else 0.
 */
size_t ctx_in_guard(int ctx, uintptr_t addr);
/* A context saved from a signal resumes in fn() on its own stack (not where it stopped). */
void ctx_set_resume_call(int ctx, void (*fn)(void), uintptr_t where);
uintptr_t ctx_resume_where(int ctx);
/* A context resumed from its saved state is saved again as it was (it resumes there again). */
void ctx_keep_saved(int ctx);
/* The registers saved from ctx's signal (the MMIO path edits them before it resumes). */
struct ucontext_t *ctx_saved_uc(int ctx);
/* Resume a context saved from a signal (never returns). */
void ctx_resume_saved(int ctx) __attribute__((noreturn));
/*
 * ctx.c: the kernel entry on a thread's kernel stack (kregs = r0..r7), for
 * task code on a VSpace stack; sim_trap switches there with the helper of
 * ctx_switch_<arch>.S.
 */
void ctx_kernel_entry(void *kregs);
void mica_call_on_stack(void (*fn)(void *), void *arg, void *stack_top, void **save_sp);

/* syscall.c: the simulated trap instruction, for every system call (tests declare it themselves) */
void sim_trap(hw_word_t regs[8]);
/*
 * syscall.c: from task code, run fn(k) as kernel code - no preemption, the
 * kernel lock, on the thread's kernel stack if its task code runs on a
 * VSpace stack - to read kernel state; fn must not touch task memory (k is
 * a copy, written back afterwards). Tests and the fuzzer declare it themselves.
 */
void sim_task_kernel_call(void (*fn)(hw_word_t k[8]), hw_word_t k[8]);

/* trap.c: the alternate signal stack, the kernel-entry stack, fault traps */
int  trap_init(void);
void trap_fini(void);
int  trap_cpu_init(struct sim_cpu *c);     /* on each CPU's host thread */
void trap_cpu_fini(struct sim_cpu *c);
uintptr_t trap_pc(const struct ucontext_t *uc);
uintptr_t trap_sp(const struct ucontext_t *uc);
void trap_redirect(struct ucontext_t *uc, void (*fn)(void));
/* The top of this CPU's kernel-entry stack, ready for a handler's entry to use. */
void *trap_entry_stack_top(void);
/* A signal that task code trapped on or sent itself becomes a fault of its thread. */
void trap_signal(int sig, siginfo_t *si, struct ucontext_t *uc);

/*
 * signals.c: host signals that are not traps - sent by task code to itself
 * (a user exception of the thread, through trap_signal), or from outside
 * the process (the run stops and the process ends by the signal) - and a
 * thread resumed after abort(). Installed by trap_init, removed by trap_fini.
 */
int  sigs_start(void);
void sigs_stop(void);
int  sigs_sent_by_us(const siginfo_t *si);
int  sigs_sent_from_outside(const siginfo_t *si);
/* The caller is a simulated CPU's host thread running task code. */
int  sigs_in_task_code(void);
/* A signal that stops the run (from_outside: a second one ends the process at once). */
void sigs_interrupt(int sig, siginfo_t *si, struct ucontext_t *uc, int from_outside);
/*
 * The call site of task code in a backtrace taken in a signal handler, 0 if
 * none; or sigs_call_site, set while a wrapper (sigwrap.c) sends a signal
 * on task code's behalf.
 */
extern __thread uintptr_t sigs_call_site __attribute__((tls_model("initial-exec")));
uintptr_t sigs_task_caller(void *const *frames, int n, uintptr_t pc);
/* Where a thread whose abort() was resumed goes (ctx_set_resume_call). */
void sigs_abort_resumed(void);
/*
 * After a run that a signal from outside stopped (or that ended meanwhile):
 * report it (before the output files are closed), then end the process by it.
 */
void sigs_report_interrupt(void);
void sigs_end_if_interrupted(void);
/* sigwrap.c: a new run (its reports start afresh). */
void sigwrap_reset(void);

/*
 * clock.c. sim_in_kernel is per CPU (thread-local): the CPU is in the kernel
 * or on its way in or out, and a tick or IPI must not preempt it.
 * Initial-exec TLS is addressed through %fs afresh at every access, so code
 * that resumes on another CPU's host thread sees that CPU's flag.
 */
extern __thread volatile sig_atomic_t sim_in_kernel __attribute__((tls_model("initial-exec")));
int  clock_start(mica_clock_t clock);
void clock_stop(void);
uint64_t clock_task_blocks(void);    /* instrumented task blocks run on this CPU so far */

/*
 * A CPU enters the kernel: no preemption first (sim_in_kernel), then the
 * kernel lock; leaving, the reverse. A tick or IPI in between is only
 * counted, so a CPU never preempts itself while it holds the lock.
 */
static inline void sim_kernel_enter(void)
{
    sim_in_kernel = 1;
    sim_kernel_lock();
}

static inline void sim_kernel_leave(void)
{
    sim_kernel_unlock();
    sim_in_kernel = 0;
}
int  clock_cpu_start(struct sim_cpu *c);   /* on each CPU's host thread */
void clock_cpu_stop(struct sim_cpu *c);

/*
 * watchdog.c: a host thread that watches every CPU for task code that stays
 * out of the kernel too long (spinning, or blocked in the host while other
 * threads are ready) and stops the run with MICA_STOP_STALLED.
 */
#define SIM_STALL_SIGNAL (SIGRTMIN + 3)
int  watchdog_start(unsigned ms, mica_clock_t clock);
void watchdog_stop(void);
/* The main program's executable segment(s) (clock.c). */
void sim_main_text(uintptr_t *lo, uintptr_t *hi);

/*
 * hw.c: the run's output files (the trace, the log, the DOT file). Each is
 * opened before boot, so a path that cannot be created fails the run
 * before it starts, and remembers the errno of its first failed write
 * (a full disk): it is written no more after that, and mica_run reports
 * the failure in mica_run_result_t.output_error when it closes the file.
 */
enum sim_out_kind { SIM_OUT_TRACE, SIM_OUT_LOG, SIM_OUT_DOT, SIM_OUT_COUNT };
typedef struct sim_out {
    FILE *f;                    /* where to write; NULL: nothing to write, or a write failed */
    FILE *opened;               /* the stream to close and check (NULL for stderr) */
    const char *path;
    enum sim_out_kind kind;
    int err;                    /* errno of the first failed write or close, 0 = none */
} sim_out_t;
/*
 * How reports name each output's setting: mica_config_t's field by default
 * ("trace_path"); the runner puts its options there ("--trace").
 */
extern const char *sim_out_setting[SIM_OUT_COUNT];
/* Open path for writing ("-" = stderr if allow_stderr); -EACCES, reported on stderr, if it cannot be. */
int  sim_out_open(sim_out_t *o, enum sim_out_kind kind, const char *path, int allow_stderr);
void sim_out_failed(sim_out_t *o);
/* After writing to o->f: note a failed write (the caller keeps errno intact around it). */
static inline void sim_out_check(sim_out_t *o)
{
    if (o->opened && ferror(o->opened))
        sim_out_failed(o);
}
/*
 * Flush and close, and forget o. @return errno of its first failed write
 * or of the close, 0 = all written (and 0 for an o already closed).
 */
int  sim_out_close(sim_out_t *o);
/* "the trace", "the log", "the DOT file" */
const char *sim_out_what(enum sim_out_kind kind);

/* trace.c */
int  trace_parse_filter(const char *spec, unsigned *mask);
int  trace_open(const char *json_path, sim_out_t *text_sink, const char *filter);
/* Close the JSON trace; @return errno of its first failed write, 0 = none. */
int  trace_close(void);
int  trace_open_ring(mica_trace_ring_t *ring);
/* A device's own event (mica_device_trace): a line in the log, an instant on its track. */
void trace_device(unsigned index, unsigned irq, const char *name, const char *msg);

/* dot.c: --cspace-dot; open at the start of a run, write at its end */
int  dot_open(const char *path);
void dot_write(void);
/* @return errno of the first failed write, 0 = none. */
int  dot_close(void);

/*
 * limits.c: the simulator's budget of host mappings (VMAs), from
 * mica_config_t.max_mappings or vm.max_map_count, and the reason for the
 * host's last refusal (hw_refusal). limits_take_maps(n, what) books n
 * mappings for what ("a thread's host stack"), or says why not and
 * returns -1.
 */
void limits_init(const mica_config_t *cfg);
int  limits_take_maps(hw_word_t n, const char *what);
void limits_adjust_maps(long delta);     /* mappings made (> 0) or given back, unchecked */
void sim_refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * mmio.c: a SIGSEGV of task code in the VSpace window at vaddr (host
 * address addr), on a page where the window maps a device frame: if the
 * instruction is a supported load or store that the mapping's rights allow,
 * the thread's context is saved and uc redirected to enter the kernel
 * (kernel_mmio), and mmio_trap returns 1. 0: it is a VM fault after all.
 * pending: the VM fault, for the kernel should the access fail.
 */
int mmio_trap(int ctx, struct ucontext_t *uc, uintptr_t addr, hw_word_t vaddr, const hw_fault_t *pending);

/* mmu.c */
int   mmu_init(size_t phys_bytes, size_t ram_bytes);
void  mmu_destroy(void);
/* The top of a VSpace's user addresses as the machine supports them (x86_64's 47 bits). */
#define MMU_VADDR_TOP (1ul << 47)
/*
 * The host pointer for vaddr of a VSpace: its region's window is reserved
 * if it has none yet, and stays (pinned) until the VSpace is destroyed, so
 * the pointer keeps meaning vaddr. NULL if the VSpace is not live, vaddr is
 * past MMU_VADDR_TOP or the host refused a window (hw_refusal says why).
 */
void *mmu_ptr(hw_word_t vspace_paddr, hw_word_t vaddr);
/* Host address addr lies in a window: 1 with its VSpace and vaddr; else 0. */
int   mmu_lookup_host(uintptr_t addr, hw_word_t *vspace_paddr, hw_word_t *vaddr);
/* The bases of the live windows, ascending, the first n into bases; returns how many there are. */
size_t mmu_windows(uintptr_t *bases, size_t n);
/* Seed the window placement generator (by default a constant and the process id). */
void  mmu_placement_seed(uint64_t seed);
/* Tests: non-zero makes the host refuse every unmap (the run must stop). */
extern int mmu_refuse_unmaps;
/* Why the host's refusal of an unmap stopped the run, or NULL. */
const char *mmu_host_failure(void);
/* Where device memory begins (the end of RAM): frames from here up are device frames. */
hw_word_t mmu_device_base(void);

/*
 * report.c: reports of misbehaving task code. sim_symbolize writes a pc as
 * "function+0x1c (file.c:12)"; sim_describe_signal a host signal as
 * "SIGSEGV: write to address 0x0 (a NULL pointer)". Neither allocates.
 */
size_t sim_symbolize(uintptr_t pc, char *buf, size_t n);
/*
 * "function+0x1c" alone: no file:line (so no addr2line run) and no host
 * address ("?" when the pc is in no loaded object), for the trace and log,
 * which must not depend on where the host loaded the program.
 */
size_t sim_symbolize_function(uintptr_t pc, char *buf, size_t n);

/*
 * The host's names for caps in a thread's CSpace (hw_cap_note), for the
 * deadlock report: fn(arg, thread name, cptr, buf, n) writes one and
 * returns its length, or 0. The Microkit loader sets one for the run of a
 * system (channels by PD); NULL clears it.
 */
typedef size_t (*sim_cap_namer_fn)(void *arg, const char *thread, uint64_t cptr, char *buf,
                                   size_t n);
void sim_set_cap_namer(sim_cap_namer_fn fn, void *arg);
/* "SIGSEGV", "SIGRTMIN+5" */
void sim_signal_name(int sig, char *buf, size_t n);
size_t sim_describe_signal(unsigned signo, unsigned code, uintptr_t addr, int write, char *buf,
                           size_t n);
void report_reset(void);
/* Threads stopped by faults no handler took or by escapes (mica_run_result_t.faulted_threads). */
unsigned report_faulted_threads(void);
/* Of which stopped by escapes (escape.c). */
unsigned report_escaped_threads(void);
/* A thread the machine stopped (not a fault): reported like one and counted with them. */
void report_thread_stopped(const char *thread, const char *what, const char *where,
                           const char *why);
void report_print_faulted(FILE *f);
/* --stats: when the root task returned (hw_root_returned), if it did. */
void report_print_root(FILE *f);
/*
 * A host thread that is no simulated CPU tried to end the process during a
 * run (escape.c): report and count it. -1, nothing reported, if the run is
 * over (report_end_run): the exit is the program's own.
 */
int  report_host_thread_escaped(long tid, const char *what, const char *advice);
/*
 * syscall.c: a host thread that is no simulated CPU called fn (a system
 * call, mica_get_ipc_buffer, mica_vaddr_to_ptr), which fails: say so, once
 * per run.
 */
void report_not_a_mica_thread(const char *fn);
/* The run is over (sim.booted = 0), ordered against report_host_thread_escaped. */
void report_end_run(void);

/*
 * escape.c: task code's exit(), pthread_exit() and longjmp out of its
 * thread stop the thread (kernel_escape) instead of leaving the machine;
 * escape_init registers the atexit handler that catches an exit() the
 * link-time wrap did not see. mica_wrapped in meson.build lists the
 * wrapped functions.
 */
void escape_init(void);

/* run.c: flush stdout and complete the trace, log and DOT files before an early process exit. */
void sim_outputs_emergency(void);

/* hw.c: a bug in mica: under the runner (flag set), exit 70 with the outputs complete. */
extern int sim_exit_on_internal_error;
void sim_internal_error(void);

/* hw.c: the state of one run */
struct sim_run {
    const mica_config_t *cfg;
    mica_root_task_fn root;
    void *root_arg;
    sim_out_t log;              /* text log (log.f NULL: none) */
    int booted;                 /* kernel_boot returned: allocations now count */
    void *scratch;
    size_t scratch_bytes;
};
extern struct sim_run sim;

/* Counted by tests that wrap malloc: allocations the kernel made after boot. */
extern unsigned long sim_allocs_after_boot;
int sim_booted(void);

#endif
