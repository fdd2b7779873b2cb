/*
 * consumer - on each notification from the producer, takes every item in
 * the ring, checks their order and adds them to its checksum; if the
 * producer is waiting for room, notifies it back. After the last item it
 * prints what it received.
 */
#include <microkit.h>
#include "ring.h"

#define PRODUCER 2

uintptr_t ring_base;        /* set by the loader: this PD's mapping of "ring" */

static uint32_t received, drains, out_of_order;
static uint64_t checksum;

static void print_hex(uint64_t x)
{
    microkit_dbg_puts("0x");
    for (int i = 60; i >= 0; i -= 4)
        microkit_dbg_putc("0123456789abcdef"[(x >> i) & 0xf]);
}

void init(void)
{
}

void notified(microkit_channel ch)
{
    ring_t *r = (ring_t *)ring_base;
    if (ch != PRODUCER)
        return;
    drains++;
    while (!ring_empty(r)) {
        ring_slot_t s = ring_dequeue(r);
        out_of_order += s.seq != received;
        checksum = checksum_add(checksum, s.value);
        received++;
    }
    if (received == ITEMS) {
        microkit_dbg_puts("consumer: ");
        microkit_dbg_put32(received);
        microkit_dbg_puts(" items in ");
        microkit_dbg_put32(drains);
        microkit_dbg_puts(" drains, ");
        microkit_dbg_put32(out_of_order);
        microkit_dbg_puts(" out of order, checksum ");
        print_hex(checksum);
        microkit_dbg_puts("\n");
    }
    /* Flow control: room again for a producer that found the ring full. */
    if (__atomic_exchange_n(&r->producer_waiting, 0, __ATOMIC_ACQ_REL))
        microkit_notify(PRODUCER);
}
