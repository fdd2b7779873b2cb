/*
 * watch.h - a lab program's watch for "everything is blocked" (optional,
 * for labs whose tasks run in several threads).
 *
 * lab_watch_start spawns a thread at priority 1, below every thread of the
 * lab. It runs only when every other thread is blocked. In a lab with no
 * devices nothing can then wake anyone: unless the lab said it is done
 * (lab_watch_done), the watch records "@lab fact stuck 1", calls the lab's
 * report (which records which of its threads wait for what, as facts the
 * checker turns into a message the student can act on) and halts.
 *
 * Without it such a run ends as a deadlock (or idle, when the waiters wait
 * in Recv), which the harness reports in the kernel's words.
 */
#ifndef MICA_LAB_WATCH_H
#define MICA_LAB_WATCH_H

#include <stdio.h>
#include <mica/mica.h>
#include "lab.h"

static volatile int lab_watch_done;
static void (*lab_watch_report)(void);

static void lab_watch_thread(mica_word_t arg)
{
    (void)arg;
    if (lab_watch_done)
        return;
    lab_fact("stuck", 1);
    if (lab_watch_report)
        lab_watch_report();
    printf("lab: every thread is blocked and nothing can wake them; stopping\n");
    fflush(stdout);
    mica_debug_halt();
}

static inline void lab_watch_start(mica_env_t *env, void (*report)(void))
{
    lab_watch_report = report;
    mica_thread_spawn(env, "watch", lab_watch_thread, 0, 1);
}

#endif
