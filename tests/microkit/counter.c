/*
 * Run as two PDs: each counts in its own globals. Shared globals would
 * make the second PD print 2 and 9.
 */
#include <microkit.h>

static int count;
int value = 7;

void init(void)
{
    count++;
    value++;
    microkit_dbg_puts(microkit_name);
    microkit_dbg_puts(": count ");
    microkit_dbg_put32((seL4_Uint32)count);
    microkit_dbg_puts(" value ");
    microkit_dbg_put32((seL4_Uint32)value);
    microkit_dbg_puts("\n");
}

void notified(microkit_channel ch)
{
    (void)ch;
}
