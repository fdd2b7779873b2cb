/* PPCs the server on channel 3 with two words; prints the answer's label and words. */
#include <microkit.h>

void init(void)
{
    microkit_mr_set(0, 20);
    microkit_mr_set(1, 22);
    microkit_msginfo reply = microkit_ppcall(3, microkit_msginfo_new(5, 2));
    microkit_dbg_puts("client: label ");
    microkit_dbg_put32((seL4_Uint32)microkit_msginfo_get_label(reply));
    microkit_dbg_puts(" count ");
    microkit_dbg_put32((seL4_Uint32)microkit_msginfo_get_count(reply));
    microkit_dbg_puts(" sum ");
    microkit_dbg_put32((seL4_Uint32)microkit_mr_get(0));
    microkit_dbg_puts(" product ");
    microkit_dbg_put32((seL4_Uint32)microkit_mr_get(1));
    microkit_dbg_puts("\n");
}

void notified(microkit_channel ch)
{
    (void)ch;
}
