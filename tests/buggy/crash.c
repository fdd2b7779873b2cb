/*
 * crash.c - task code that crashes: the thread stops with a report that
 * names it, the signal and where, and the run exits 5 (buggy.h).
 */
#include <stdio.h>
#include "buggy.h"

/* volatile: the compiler must not see that the store is undefined and drop it. */
static int *volatile null_ptr;

static void null_write(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    printf("before the crash\n");
    *null_ptr = 1;
}

const buggy_t buggy_crash[] = {
    { "null-write", null_write, "the root task writes through a NULL pointer" },
    { 0 },
};
