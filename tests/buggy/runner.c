/*
 * runner.c - well-behaved root tasks that drive the runner's own output
 * options (--trace, --log, --cspace-dot) and its number parsing: the
 * misbehaviour under test is the user's command line or a full disk, not
 * the task (buggy.h).
 */
#include <stdio.h>
#include "buggy.h"

/* Prints one line and returns: a run that goes idle at once. */
static void hello(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    printf("hello from the root task\n");
}

/*
 * Enters the kernel 2000 times, so that the trace and the log outgrow
 * their stdio buffers and a failed write is met in the middle of the run,
 * then says that it got to the end.
 */
static void chatty(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    unsigned n;
    for (n = 0; n < 2000; n++)
        mica_yield();
    printf("the root task yielded %u times and returned\n", n);
}

const buggy_t buggy_runner[] = {
    { "runner-hello", hello, "prints a line and returns (drives the runner's options)" },
    { "runner-chatty", chatty, "yields 2000 times, a long trace, then returns" },
    { 0 },
};
