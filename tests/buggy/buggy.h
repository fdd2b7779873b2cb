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

/* The areas' tables; an area not built is a NULL weak symbol. */
extern const buggy_t buggy_spin[] __attribute__((weak));
extern const buggy_t buggy_crash[] __attribute__((weak));
extern const buggy_t buggy_escape[] __attribute__((weak));
extern const buggy_t buggy_stack[] __attribute__((weak));
extern const buggy_t buggy_limits[] __attribute__((weak));
extern const buggy_t buggy_runner[] __attribute__((weak));
extern const buggy_t buggy_stall[] __attribute__((weak));
extern const buggy_t buggy_signals[] __attribute__((weak));

#endif
