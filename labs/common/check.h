/*
 * check.h - the lab checkers' harness (labs/NN-name/check.c).
 *
 * A checker runs the lab's program as a student would, under several
 * seeds, each run with the invariant checker after every kernel entry, a
 * time limit and the runner's statistics; then it decides each TASK from
 * what the runs printed: the program's output, the runner's reports, the
 * "@lab" marks and facts (lab.h) and the --stats counters. It prints
 *
 *     TASK 1 ok
 *     TASK 2 FAIL: why, in words a student can act on
 *     score: 1/2
 *
 * and exits 0 only when every task passed. Before a task's own check runs,
 * the harness rules on what no task may do: stop at a lab_todo ("not done
 * yet"), fault ("thread X faulted at file:line"), hang (a deadlock, the time
 * limit, a stall: the stuck threads are named), or end with a broken kernel
 * invariant. Such a failure is charged to the task that was running (its
 * "@lab task N" mark) and every later task fails with it.
 */
#ifndef MICA_LAB_CHECK_H
#define MICA_LAB_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#define LAB_MAX_TASKS 12
#define LAB_MAX_SEEDS 16

/* One run of the lab's program. */
typedef struct lab_run {
    unsigned seed;
    int status;                 /* exit status; 128 + signal if killed */
    char *out;                  /* its stdout (the student's prints) */
    char *err;                  /* its stderr: runner reports, --stats, @lab lines */
    char *log;                  /* its --log text trace (spec.log), else "" */
    int reached;                /* the last "@lab task N" seen, 0 = none */
    int todo;                   /* N of "@lab todo N", 0 = none */
    char failure[512];          /* why the run failed as a whole ("" = it did not) */
    int failed_task;            /* the task that failure is charged to */
} lab_run_t;

/* A task's own check: NULL if it passed, else why (a static or lab_why string). */
typedef const char *(*lab_task_fn)(const lab_run_t *run);

typedef struct lab_spec {
    int number;                         /* 1..10 */
    const char *title;
    int ntasks;
    const char *task[LAB_MAX_TASKS];    /* what task i+1 is, one line */
    lab_task_fn check[LAB_MAX_TASKS];   /* check[i] decides task i+1 on one run */
    const char *args;                   /* extra runner options, e.g. "--mem 16M" */
    unsigned long time_limit;           /* ticks of virtual time per run (0: 2,000,000) */
    unsigned host_timeout_s;            /* seconds of host time per run (0: 30) */
    const char *log;                    /* non-NULL: record the text trace of these
                                           categories ("ipc", "ipc,fault": --log-filter) */
} lab_spec_t;

/*
 * main for a checker: checkNN PROGRAM [--seed S] [--seeds N] [--trace FILE] [--verbose]
 * Runs PROGRAM under seeds 1..N (default 5) or just S; a task passes when
 * it passes on every run.
 */
int lab_check_main(int argc, char **argv, const lab_spec_t *spec);

/* --- for the task checks ------------------------------------------------------- */

/* The value of "@lab fact KEY V" (the last one), or dflt if there is none. */
long long lab_fact(const lab_run_t *r, const char *key, long long dflt);
/* Whether the program printed `text` on stdout. */
bool lab_said(const lab_run_t *r, const char *text);
/* How many lines of stdout contain text. */
int lab_count(const lab_run_t *r, const char *text);
/* "@lab usage PHASE KEY V": V, or 0 if that line is absent; -1 if PHASE was never recorded. */
long long lab_usage(const lab_run_t *r, const char *phase, const char *key);
/* Whether two usage phases recorded the same numbers; if not, *diff says what differs. */
bool lab_usage_same(const lab_run_t *r, const char *a, const char *b, char *diff, int n);
/* A counter of the runner's --stats: "IPCs", "faults", "context switches", a syscall name
   ("Call", "ReplyRecv") or an object type ("endpoint"); -1 if absent. */
long long lab_stat(const lab_run_t *r, const char *name);
/* Lines of the run's text trace (spec.log) that contain every one of the words in
   `all` (separated by '|'): lab_log_count(r, "received reply from|server") */
int lab_log_count(const lab_run_t *r, const char *all);
/* The first line of the trace containing a, and the first containing b: whether a's comes
   first (false if either is missing). */
bool lab_log_before(const lab_run_t *r, const char *a, const char *b);
/* printf into a buffer that lives until the next call: for task checks' reasons. */
const char *lab_why(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
