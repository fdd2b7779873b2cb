/*
 * buggy.h - mica-buggy: small root tasks that misbehave the way careless
 * task code does (spin, crash, exit, raise signals, overflow stacks, exhaust
 * a limit), each run through mica_main so that the containment tests see
 * exactly what a user of mica_main sees: the exit status and the report.
 *
 *   mica-buggy NAME [runner options]
 *
 * Each area file (spin.c, crash.c, escape.c, ...) defines one table,
 * buggy_<area>[], ended by an entry with a NULL name; buggy.c looks NAME up
 * in every table that is linked in.
 */
#ifndef MICA_TESTS_BUGGY_H
#define MICA_TESTS_BUGGY_H

#include <mica/mica.h>

typedef struct buggy {
    const char *name;
    mica_root_task_fn root;
    const char *what;           /* what the program does wrong, for `mica-buggy list` */
} buggy_t;

/*
 * A program that needs its own main around mica_main (to setjmp before the
 * run, say): buggy_mains[] pairs its name with that main, which gets the
 * arguments mica_main would get and the program's root task.
 */
typedef struct buggy_main {
    const char *name;
    int (*main)(int argc, char **argv, mica_root_task_fn root);
} buggy_main_t;
extern const buggy_main_t buggy_mains[] __attribute__((weak));

/* The areas' tables; an area not built is a NULL weak symbol. */
extern const buggy_t buggy_spin[] __attribute__((weak));
extern const buggy_t buggy_crash[] __attribute__((weak));
extern const buggy_t buggy_escape[] __attribute__((weak));
extern const buggy_t buggy_stack[] __attribute__((weak));
extern const buggy_t buggy_limits[] __attribute__((weak));
extern const buggy_t buggy_runner[] __attribute__((weak));
extern const buggy_t buggy_stall[] __attribute__((weak));
extern const buggy_t buggy_signals[] __attribute__((weak));
extern const buggy_t buggy_deadlock[] __attribute__((weak));

/* Busy for ms of wall time in the program's own code (where the real clock can preempt), rarely asking the time. */
void buggy_busy_ms(unsigned ms);

#endif
