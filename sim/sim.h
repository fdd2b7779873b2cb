/*
 * sim.h - the simulated machine's internal interfaces (not the kernel's).
 */
#ifndef MICA_SIM_INTERNAL_H
#define MICA_SIM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <mica/sim.h>
#include "../src/kernel/hw.h"

/* Device memory placed after RAM, reported as device untyped. */
#define SIM_DEVICE_BYTES (1ul << 20)

/* physmem.c */
int  physmem_create(size_t bytes);
void physmem_destroy(void);
int  physmem_fd(void);

/* ctx.c */
int  ctx_system_init(unsigned max_contexts);
void ctx_system_destroy(void);
int  ctx_current(void);

/* Save the interrupted context of ctx (from a signal handler's ucontext). */
struct ucontext_t;
void ctx_save_from_signal(int ctx, struct ucontext_t *uc);
/* Resume a context saved from a signal (never returns). */
void ctx_resume_saved(int ctx) __attribute__((noreturn));
/* Does the current thread run task code on a VSpace stack? Then it enters
 * the kernel with ctx_syscall_on_kernel_stack, on its host kernel stack. */
int  ctx_on_vspace_stack(void);
void ctx_syscall_on_kernel_stack(hw_word_t regs[8]);

/* syscall.c: the simulated trap instruction (tests declare it themselves) */
void sim_trap(hw_word_t regs[8]);

/* trap.c: the alternate signal stack, the kernel-entry stack, fault traps */
int  trap_init(void);
void trap_fini(void);
uintptr_t trap_pc(const struct ucontext_t *uc);
void trap_redirect(struct ucontext_t *uc, void (*fn)(void));

/* clock.c */
#include <signal.h>
extern volatile sig_atomic_t sim_in_kernel;
int  clock_start(mica_clock_t clock);
void clock_stop(void);

/* trace.c */
int  trace_parse_filter(const char *spec, unsigned *mask);
int  trace_open(const char *json_path, FILE *text_sink, const char *filter);
void trace_close(void);
int  trace_open_ring(mica_trace_ring_t *ring);

/* dot.c: --cspace-dot; open at the start of a run, write at its end */
int  dot_open(const char *path);
void dot_write(void);
void dot_close(void);

/* mmu.c */
int   mmu_init(size_t phys_bytes);
void  mmu_destroy(void);
void *mmu_window(hw_word_t vspace_paddr);

/* hw.c: the state of one run */
struct sim_run {
    const mica_config_t *cfg;
    mica_root_task_fn root;
    void *root_arg;
    FILE *log;                  /* text log, or NULL */
    int booted;                 /* kernel_boot returned: allocations now count */
    void *scratch;
    size_t scratch_bytes;
};
extern struct sim_run sim;

/* Counted by tests that wrap malloc: allocations the kernel made after boot. */
extern unsigned long sim_allocs_after_boot;
int sim_booted(void);

#endif
