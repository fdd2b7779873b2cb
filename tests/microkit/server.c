/* Answers a PPC with label + 1 and the sum and product of its two words. */
#include <microkit.h>

void init(void)
{
}

void notified(microkit_channel ch)
{
    (void)ch;
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    seL4_Word a = microkit_mr_get(0), b = microkit_mr_get(1);
    microkit_dbg_puts("server: ppc on channel ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts(" with ");
    microkit_dbg_put32((seL4_Uint32)microkit_msginfo_get_count(msginfo));
    microkit_dbg_puts(" words\n");
    microkit_mr_set(0, a + b);
    microkit_mr_set(1, a * b);
    return microkit_msginfo_new(microkit_msginfo_get_label(msginfo) + 1, 2);
}
