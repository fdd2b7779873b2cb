/* On a notification, prints what its view of the shared region (setvar_vaddr) holds. */
#include <stdint.h>
#include <microkit.h>

uintptr_t region;

void init(void)
{
}

void notified(microkit_channel ch)
{
    microkit_dbg_puts("reader: notified on ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts(": ");
    microkit_dbg_puts((const char *)region);
}
