/*
 * env.h - inside the user library: how a call that fails records why
 * (mica_env_t.error and the text of mica_env_error_text), thread.c.
 */
#ifndef MICA_USER_ENV_H
#define MICA_USER_ENV_H

#include <mica/user.h>

/* The resources whose exhaustion is printed (mica_env_t.reported). */
#define MICA_ENV_RES_SLOTS   1u
#define MICA_ENV_RES_MEMORY  2u
#define MICA_ENV_RES_VADDRS  4u

/*
 * A call failed with err: the reason in words, printf-style. For a resource
 * that ran out (res one of MICA_ENV_RES_*, else 0) it is also printed on
 * stderr, the first time per env - a program that goes on with the 0 it got
 * would fail later, elsewhere, with nothing naming the limit.
 */
void mica_env_fail(mica_env_t *env, mica_error_t err, unsigned res, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Mark the calling thread's next system call for the simulator's log and
 * stats (sim/syscall.c): MICA_USER_MARK_EXPECT(err) for a probe that may
 * fail with err and is no failure when it does (it is not counted in the
 * failed invocations nor logged as a failure); MICA_USER_MARK_INVOCATION for
 * a typed invocation stub's message (so one sent to an endpoint can be
 * called out). 0 clears the mark; the caller clears it after the call.
 * Kept outside the ABI: the message and the IPC buffer are as libsel4's.
 */
#define MICA_USER_MARK_EXPECT(err) (1u | (unsigned)(err) << 8)
#define MICA_USER_MARK_INVOCATION  2u
void mica_user_mark_call(unsigned flags);
unsigned mica_user_marks(void);
int mica_user_tracing(void);

#endif
