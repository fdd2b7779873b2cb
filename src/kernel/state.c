/*
 * state.c - the kernel's global state and the stop request.
 */
#include "state.h"
#include "trace.h"

kernel_state_t ks;

/*
 * The machine asks, asynchronously (from a host signal's handler, perhaps
 * on a CPU in the middle of a kernel entry), that the system stop at the
 * next kernel exit on any CPU. It rides on the time-limit check that
 * every exit makes anyway, so kernel entries pay nothing for it. The stop
 * then reads as the time limit; the machine ends the process right after
 * the run (sim/signals.c), so no one is told otherwise. No seL4 counterpart.
 */
void kernel_request_stop(void)
{
    __atomic_store_n(&ks.time_limit, 1, __ATOMIC_RELAXED);     /* ks.time >= 1 after the first tick */
}

void kernel_stop(int reason, const char *fmt, ...)
{
    va_list ap;
    if (ks.stopped)
        return;             /* the first reason wins */
    ks.stopped = 1;
    ks.stop_reason = reason;
    if (ks.num_cpus > 1)
        ks.ipi_pending |= BIT(ks.num_cpus) - 1;     /* every CPU leaves for its idle loop */
    va_start(ap, fmt);
    hw_vformat(ks.stop_message, sizeof ks.stop_message, fmt, ap);
    va_end(ap);
}

exception_t host_limit_error(const char *op, unsigned limit)
{
    const char *why = hw_refusal();
    if (!(ks.host_limits_reported & limit)) {
        ks.host_limits_reported |= limit;
        hw_log("thread '%s': %s failed with NotEnoughMemory: %s", tcb_ptr(NODE.cur_thread)->name,
               op, why);
    }
    user_error("%s: %s", op, why);
    ks.syscall_error.type = MICA_NOT_ENOUGH_MEMORY;
    ks.syscall_error.memory_left = 0;
    return EXCEPTION_SYSCALL_ERROR;
}

/* Keep the reason for the trace's error event, and log it if the log is on. */
void user_error(const char *fmt, ...)
{
    va_list ap;
    if (hw_trace_mask) {
        va_start(ap, fmt);
        hw_vformat(ks.last_error, sizeof ks.last_error, fmt, ap);
        va_end(ap);
    }
    /* With the log's cap and fault categories on, the error or fault line says it: once. */
    if ((hw_trace_mask & (HW_TRACE_CAT_CAP | HW_TRACE_CAT_FAULT)) ==
        (HW_TRACE_CAT_CAP | HW_TRACE_CAT_FAULT))
        return;
    va_start(ap, fmt);
    hw_vlog(HW_LOG_DIAG, fmt, ap);
    va_end(ap);
}

int kformat(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = hw_vformat(buf, n, fmt, ap);
    va_end(ap);
    return r;
}
