/*
 * crash.c - task code that crashes: the thread stops with a report that
 * names it, the signal in words and where it was (function+offset,
 * file:line), the rest of the system runs on, and a run that then goes
 * idle exits 5 (buggy.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <mica/user.h>
#include "buggy.h"

/* volatile: the compiler must not see that these are undefined and drop them. */
static int *volatile null_ptr;
static volatile int zero;

static void null_write(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    printf("before the crash\n");
    *null_ptr = 1;
}

static void null_read(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    printf("read %d\n", *null_ptr);
}

static void divide_by_zero(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    printf("%d\n", 10 / zero);
}

static void trap_instruction(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    __builtin_trap();
}

static void calls_abort(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    abort();
}

/* A worker crashes; the root task goes on, prints, and returns. */
static void worker(mica_word_t arg)
{
    (void)arg;
    *null_ptr = 2;
}

static void worker_crashes(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    mica_thread_spawn(&env, "worker", worker, 0, 200);     /* above the root: runs at once */
    printf("the root task carries on\n");
}

const buggy_t buggy_crash[] = {
    { "null-write", null_write, "the root task writes through a NULL pointer" },
    { "null-read", null_read, "the root task reads through a NULL pointer" },
    { "divide-by-zero", divide_by_zero, "the root task divides an integer by zero" },
    { "trap-instruction", trap_instruction, "the root task executes __builtin_trap()" },
    { "abort", calls_abort, "the root task calls abort()" },
    { "worker-crashes", worker_crashes, "a thread without a fault handler crashes; the root goes on" },
    { 0 },
};
