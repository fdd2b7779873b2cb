/*
 * trace.h - the kernel's trace points. Each costs one test of hw_trace_mask
 * when tracing is off.
 */
#ifndef MICA_KERNEL_TRACE_H
#define MICA_KERNEL_TRACE_H

#include "state.h"

#define TRACING(cat) unlikely(hw_trace_mask & (cat))

void trace_syscall_(paddr_t t, word_t sysno);
static inline void trace_syscall(paddr_t t, word_t sysno)
{
    if (TRACING(HW_TRACE_CAT_SYSCALL))
        trace_syscall_(t, sysno);
}
void trace_ipc_(paddr_t sender, paddr_t receiver, paddr_t ep, word_t badge, word_t info,
               const char *how);
static inline void trace_ipc(paddr_t sender, paddr_t receiver, paddr_t ep, word_t badge, word_t info,
               const char *how)
{
    if (TRACING(HW_TRACE_CAT_IPC))
        trace_ipc_(sender, receiver, ep, badge, info, how);
}
/* A notification's badge reaches t (call before t's r0 is overwritten): how is
 * "Wait", "Poll" or "bound"; signaller 0 when the badge was already pending. */
void trace_wake_(paddr_t t, paddr_t signaller, paddr_t ntfn, word_t badge, const char *how);
static inline void trace_wake(paddr_t t, paddr_t signaller, paddr_t ntfn, word_t badge, const char *how)
{
    if (TRACING(HW_TRACE_CAT_IPC))
        trace_wake_(t, signaller, ntfn, badge, how);
}
void trace_switch_(paddr_t from, paddr_t to);
static inline void trace_switch(paddr_t from, paddr_t to)
{
    if (TRACING(HW_TRACE_CAT_SCHED))
        trace_switch_(from, to);
}
/* lf: the fault's lookup failure; ep, badge: the fault handler endpoint it goes to (0: none). */
void trace_fault_(paddr_t t, const fault_t *f, const lookup_fault_t *lf, paddr_t ep, word_t badge);
static inline void trace_fault(paddr_t t, const fault_t *f, const lookup_fault_t *lf, paddr_t ep,
                               word_t badge)
{
    if (TRACING(HW_TRACE_CAT_FAULT))
        trace_fault_(t, f, lf, ep, badge);
}
/* expected: a probe of the user library that failed as it meant to (not shown as a failure) */
void trace_error_(paddr_t t, cptr_t cptr, word_t label, word_t err, bool expected);
static inline void trace_error(paddr_t t, cptr_t cptr, word_t label, word_t err, bool expected)
{
    if (TRACING(HW_TRACE_CAT_CAP))
        trace_error_(t, cptr, label, err, expected);
}
void trace_object_(bool created, const char *type, paddr_t p, word_t bits);
static inline void trace_object(bool created, const char *type, paddr_t p, word_t bits)
{
    if (TRACING(HW_TRACE_CAT_MEM))
        trace_object_(created, type, p, bits);
}
void trace_signal_(paddr_t t, paddr_t ntfn, word_t badge);
static inline void trace_signal(paddr_t t, paddr_t ntfn, word_t badge)
{
    if (TRACING(HW_TRACE_CAT_IPC))
        trace_signal_(t, ntfn, badge);
}
/* An interrupt line event (category irq): "raised", "held", "delivered" (to ntfn with badge), "acked". */
void trace_irq_(const char *what, word_t irq, paddr_t ntfn, word_t badge);
static inline void trace_irq(const char *what, word_t irq, paddr_t ntfn, word_t badge)
{
    if (TRACING(HW_TRACE_CAT_IRQ))
        trace_irq_(what, irq, ntfn, badge);
}
/* detail: NULL, or what the end of the thread means (the root task's return) */
void trace_exit_(paddr_t t, const char *detail);
static inline void trace_exit(paddr_t t, const char *detail)
{
    if (TRACING(HW_TRACE_CAT_SCHED))
        trace_exit_(t, detail);
}
void trace_escape_(paddr_t t, const char *what);
static inline void trace_escape(paddr_t t, const char *what)
{
    if (TRACING(HW_TRACE_CAT_FAULT))
        trace_escape_(t, what);
}
void trace_preempt_(paddr_t t);
static inline void trace_preempt(paddr_t t)
{
    if (TRACING(HW_TRACE_CAT_SCHED))
        trace_preempt_(t);
}
void trace_map_(bool map, paddr_t vspace, word_t vaddr, paddr_t frame, unsigned bits);
static inline void trace_map(bool map, paddr_t vspace, word_t vaddr, paddr_t frame, unsigned bits)
{
    if (TRACING(HW_TRACE_CAT_MEM))
        trace_map_(map, vspace, vaddr, frame, bits);
}
/* A readable one-line description of a fault, for traces and reports. */
void describe_fault(char *buf, size_t n, const fault_t *f, const lookup_fault_t *lf);

#endif
