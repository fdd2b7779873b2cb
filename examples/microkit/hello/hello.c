/*
 * hello - the smallest Microkit system: one protection domain that prints
 * a line from init() and then waits for notifications that never come.
 * With nothing left to run, the system ends idle (exit 0).
 */
#include <microkit.h>

void init(void)
{
    microkit_dbg_puts("hello, world\n");
}

void notified(microkit_channel ch)
{
    (void)ch;
}
