/*
 * trace.h - the kernel's trace points. Each costs one test of hw_trace_mask
 * when tracing is off.
 */
#ifndef MICA_KERNEL_TRACE_H
#define MICA_KERNEL_TRACE_H

#include "state.h"

#define TRACING(cat) unlikely(hw_trace_mask & (cat))

void trace_syscall(paddr_t t, word_t sysno);
void trace_ipc(paddr_t sender, paddr_t receiver, paddr_t ep, word_t badge, word_t info,
               const char *how);
void trace_switch(paddr_t from, paddr_t to);
void trace_fault(paddr_t t, const fault_t *f);
void trace_error(paddr_t t, cptr_t cptr, word_t label, word_t err);
void trace_object(bool created, const char *type, paddr_t p, word_t bits);
void trace_signal(paddr_t t, paddr_t ntfn, word_t badge);
void trace_exit(paddr_t t);
void trace_preempt(paddr_t t);
void trace_map(bool map, paddr_t vspace, word_t vaddr, paddr_t frame, unsigned bits);
/* A readable one-line description of a fault, for traces and reports. */
void describe_fault(char *buf, size_t n, const fault_t *f, const lookup_fault_t *lf);

#endif
