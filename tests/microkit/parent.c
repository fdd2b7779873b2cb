/*
 * A parent PD: prints each fault of its child as the fault message gives
 * it (label, and the VM fault's address or the user exception's number),
 * restarts the child after the first and stops it after the second.
 */
#include <microkit.h>

static int faults;

static void put_hex(seL4_Word x)
{
    microkit_dbg_puts("0x");
    int shift = 60;
    while (shift > 0 && !((x >> shift) & 0xf))
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        microkit_dbg_putc("0123456789abcdef"[(x >> shift) & 0xf]);
}

void init(void)
{
    microkit_dbg_puts("parent: init\n");
}

void notified(microkit_channel ch)
{
    (void)ch;
}

seL4_Bool fault(microkit_child child, microkit_msginfo msginfo, microkit_msginfo *reply_msginfo)
{
    (void)reply_msginfo;
    seL4_Word label = microkit_msginfo_get_label(msginfo);
    microkit_dbg_puts("parent: child ");
    microkit_dbg_put32(child);
    microkit_dbg_puts(" faulted, label ");
    microkit_dbg_put32((seL4_Uint32)label);
    if (label == seL4_Fault_VMFault) {
        microkit_dbg_puts(" (VM fault) address ");
        put_hex(microkit_mr_get(seL4_VMFault_Addr));
    } else if (label == seL4_Fault_UserException) {
        microkit_dbg_puts(" (user exception) number ");
        microkit_dbg_put32((seL4_Uint32)microkit_mr_get(seL4_UserException_Number));
    }
    microkit_dbg_puts("\n");
    if (++faults == 1) {
        microkit_dbg_puts("parent: restarting it\n");
        microkit_pd_restart(child, 0);
    } else {
        microkit_dbg_puts("parent: stopping it\n");
        microkit_pd_stop(child);
    }
    return seL4_False;
}
