/*
 * A child PD that counts its starts in its own globals (a restart keeps
 * them) and then faults: the first time on an unmapped page of its own
 * VSpace (a VM fault), the second time through NULL (a host address outside
 * every VSpace window: a user exception on mica).
 */
#include <microkit.h>

#define UNMAPPED 0x200000ul      /* above the stack, below any map */

static int starts;

/* The sanitizers would stop the NULL write before it faults (the tests' ASan build). */
__attribute__((noinline, no_sanitize("address", "undefined")))
static void write_to(volatile int *p)
{
    *p = 1;
}

void init(void)
{
    starts++;
    microkit_dbg_puts(microkit_name);
    microkit_dbg_puts(": start ");
    microkit_dbg_put32((seL4_Uint32)starts);
    microkit_dbg_puts("\n");
    write_to(starts == 1 ? mica_vaddr_to_ptr(UNMAPPED) : NULL);
    microkit_dbg_puts("child: not reached\n");
}

void notified(microkit_channel ch)
{
    (void)ch;
}
