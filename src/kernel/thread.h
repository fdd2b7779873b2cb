/*
 * thread.h - thread states, the scheduler and message registers
 * (seL4: kernel/thread.c, model/statedata, machine/registerset).
 */
#ifndef MICA_KERNEL_THREAD_H
#define MICA_KERNEL_THREAD_H

#include "state.h"

static inline word_t thread_state(paddr_t t) { return tcb_ptr(t)->state.type; }
static inline bool is_runnable(paddr_t t)
{
    word_t s = thread_state(t);
    return s == MICA_THREAD_RUNNING || s == MICA_THREAD_RESTART;
}
static inline bool is_blocked(paddr_t t)
{
    word_t s = thread_state(t);
    return s == MICA_THREAD_BLOCKED_ON_RECEIVE || s == MICA_THREAD_BLOCKED_ON_SEND ||
           s == MICA_THREAD_BLOCKED_ON_NOTIFICATION || s == MICA_THREAD_BLOCKED_ON_REPLY;
}
static inline word_t get_register(paddr_t t, unsigned r) { return tcb_ptr(t)->regs[r]; }
static inline void set_register(paddr_t t, unsigned r, word_t v) { tcb_ptr(t)->regs[r] = v; }

void set_thread_state(paddr_t t, word_t state);
void schedule_tcb(paddr_t t);
void tcb_sched_enqueue(paddr_t t);
void tcb_sched_append(paddr_t t);
void tcb_sched_dequeue(paddr_t t);
void reschedule_required(void);
void possible_switch_to(paddr_t t);
void schedule(void);
void choose_thread(void);
void switch_to_thread(paddr_t t);
void switch_to_idle_thread(void);
bool is_highest_prio(word_t prio);
void set_priority(paddr_t t, word_t prio);
void set_affinity(paddr_t t, word_t cpu);
void remote_tcb_stall(paddr_t t);
void set_mcp(paddr_t t, word_t mcp);
void timer_tick(void);
word_t next_timeslice(void);
void handle_yield(void);
word_t highest_ready_prio(void);

/* Message registers: MR0..3 in r2..r5, the rest in the IPC buffer. */
word_t get_syscall_arg(word_t i, const word_t *buffer);
word_t set_mr(paddr_t t, word_t *buffer, word_t offset, word_t v);
word_t get_mr(paddr_t t, const word_t *buffer, word_t i);

#endif
