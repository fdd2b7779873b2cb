/*
 * lab.h - what a lab's program (labs/NN-name/lab.c) calls besides mica's
 * own API: marks that tell the checker which TASK is running, the
 * starter's "not done yet" stop, and facts the checker reads.
 *
 * Everything here writes lines starting "@lab " on stderr, where the
 * runner's own reports go too, so the checker sees them in order: which
 * task was running when a thread faulted or the system hung.
 */
#ifndef MICA_LAB_H
#define MICA_LAB_H

#include <stdio.h>
#include <mica/mica.h>

/* TASK n starts: "@lab task N". */
void lab_task(int n);

/*
 * The starter's placeholder for TASK n: prints "TASK n: not done yet: hint"
 * for the student, "@lab todo N" for the checker, and stops the system.
 */
_Noreturn void lab_todo(int n, const char *hint);

/*
 * What a hang from here on most likely means, for the student: "@lab hint
 * TEXT". When the run then hangs (deadlock, stall, time limit), the
 * checker adds "(hint: TEXT)" to the hang report. A later hint replaces it;
 * lab_hint("") clears it.
 */
void lab_hint(const char *text);

/* A fact for the checker: "@lab fact KEY VALUE". */
void lab_fact(const char *key, long long value);

/*
 * mica_debug_usage as facts, "@lab usage PHASE KEY VALUE": untyped bytes,
 * live objects of each cap type, threads of each state (mica_usage_t).
 * A checker compares phases: the same numbers before and after a phase
 * that should leave nothing behind.
 */
void lab_usage(const char *phase);

/* The lab's program: main runs mica_main with the lab's root task. */
#define LAB_MAIN(root) \
    int main(int argc, char **argv) { return mica_main(argc, argv, (root), NULL); }

#endif
