/*
 * state.c - the kernel's global state and the stop request.
 */
#include "state.h"

kernel_state_t ks;

void kernel_stop(int reason, const char *fmt, ...)
{
    va_list ap;
    if (ks.stopped)
        return;             /* the first reason wins */
    ks.stopped = 1;
    ks.stop_reason = reason;
    va_start(ap, fmt);
    hw_vformat(ks.stop_message, sizeof ks.stop_message, fmt, ap);
    va_end(ap);
}

void user_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hw_vlog(HW_LOG_DIAG, fmt, ap);
    va_end(ap);
}
