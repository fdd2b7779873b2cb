/* Prints its <setvar region_paddr> variables in hex, as set before init runs. */
#include <stdint.h>
#include <microkit.h>

uint64_t small_paddr, big_paddr, device_paddr;

static void put_hex(uint64_t x)
{
    microkit_dbg_puts("0x");
    for (int shift = 60; shift >= 0; shift -= 4)
        microkit_dbg_putc("0123456789abcdef"[(x >> shift) & 0xf]);
}

void init(void)
{
    microkit_dbg_puts(microkit_name);
    microkit_dbg_puts(": small ");
    put_hex(small_paddr);
    microkit_dbg_puts(" big ");
    put_hex(big_paddr);
    microkit_dbg_puts(" device ");
    put_hex(device_paddr);
    microkit_dbg_puts("\n");
}

void notified(microkit_channel ch)
{
    (void)ch;
}
