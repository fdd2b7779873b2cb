/* microkit_dbg_putc, _puts, _put8 and _put32 at their limits. */
#include <microkit.h>

void init(void)
{
    microkit_dbg_puts("");
    microkit_dbg_putc('[');
    microkit_dbg_put8(0);
    microkit_dbg_putc(' ');
    microkit_dbg_put8(7);
    microkit_dbg_putc(' ');
    microkit_dbg_put8(255);
    microkit_dbg_putc(' ');
    microkit_dbg_put8((seL4_Uint8)300);
    microkit_dbg_puts("] [");
    microkit_dbg_put32(0);
    microkit_dbg_putc(' ');
    microkit_dbg_put32(10);
    microkit_dbg_putc(' ');
    microkit_dbg_put32(1000000);
    microkit_dbg_putc(' ');
    microkit_dbg_put32(4294967295u);
    microkit_dbg_puts("]\ttab\n");
}

void notified(microkit_channel ch)
{
    (void)ch;
}
