/*
 * prio - seL4's scheduler at work: the highest-priority runnable thread
 * always runs, threads of equal priority take turns in timeslices, and a
 * thread that becomes runnable above the current one takes the CPU at once.
 *
 *   high  (90)  waits on a notification, so it is not runnable at first;
 *   mid-a (50)  and mid-b (50) share the CPU round robin; halfway through,
 *               mid-a signals high, which preempts it on the spot;
 *   low   (10)  runs only when nobody above it is runnable: at the end.
 *
 * Each step of "work" makes one system call: on the virtual clock every
 * kernel entry is a tick, so a timeslice (--timeslice, default 5 ticks)
 * lasts a few steps. A line "-- now X" marks every change of thread.
 * Try --timeslice 2, or --seed 3 to move the preemption points.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <mica/mica.h>
#include "../examples.h"

#define STEPS 8

static mica_cptr_t wake;            /* high waits here */
static mica_cptr_t wake_from_a;     /* mid-a's badged copy (badge 1) */
static const char *last;            /* who printed last */

/* Print a line, marking a change of thread first. */
static void say(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const char *who, const char *fmt, ...)
{
    va_list ap;
    if (!last || strcmp(last, who) != 0)
        printf("-- now %s\n", who);
    last = who;
    printf("%-6s ", who);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

/* Stand-in for real work: one system call, i.e. one kernel entry and one tick. */
static void work(void)
{
    mica_debug_cap_identify(MICA_CAP_INIT_TCB);
}

static void high(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_wait(wake, &badge);
    say("high", "woke up (badge %lu: mid-a signalled) and took the CPU from mid-a",
        (unsigned long)badge);
    for (unsigned long i = 1; i <= 2; i++) {
        work();
        say("high", "step %lu", i);
    }
    say("high", "done after 2 steps");
}

static void mid(mica_word_t is_a)
{
    const char *me = is_a ? "mid-a" : "mid-b";
    for (unsigned long i = 1; i <= STEPS; i++) {
        work();
        say(me, "step %lu", i);
        if (is_a && i == STEPS / 2) {
            /*
             * Yield first, so that the Signal starts a fresh timeslice: a
             * timeslice that runs out at the very kernel entry of the
             * Signal would hand the CPU to mid-b before high is woken.
             */
            mica_yield();
            say(me, "signal high");
            mica_signal(wake_from_a);
            say(me, "back after high");
        }
    }
    say(me, "done after %d steps", STEPS);
}

static void low(mica_word_t arg)
{
    (void)arg;
    say("low", "runs at last: nobody above priority 10 is runnable");
}

void example_prio_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);

    wake = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    wake_from_a = wake ? mica_env_mint(&env, wake, MICA_CAN_WRITE, 1) : 0;
    if (!wake_from_a) {
        printf("prio: cannot make the notification: %s\n", mica_error_name(env.error));
        return;
    }
    printf("root: starting low (10), high (90), mid-a (50), mid-b (50)\n");
    mica_thread_spawn(&env, "low", low, 0, 10);
    mica_thread_spawn(&env, "high", high, 0, 90);
    mica_thread_spawn(&env, "mid-a", mid, 1, 50);
    mica_thread_spawn(&env, "mid-b", mid, 0, 50);
}

#ifndef MICA_BUILTIN_EXAMPLES
int main(int argc, char **argv)
{
    return mica_main(argc, argv, example_prio_root, NULL);
}
#endif
