/*
 * producer - queues ITEMS items into the shared ring, as many at a time
 * as fit, and notifies the consumer after each batch. A full ring sets
 * producer_waiting; the consumer's notification resumes the producer.
 */
#include <microkit.h>
#include "ring.h"

#define CONSUMER 1

uintptr_t ring_base;        /* set by the loader: this PD's mapping of "ring" */

static uint32_t next;       /* the next item's number */
static uint32_t batches;
static uint64_t checksum;

static void print_hex(uint64_t x)
{
    microkit_dbg_puts("0x");
    for (int i = 60; i >= 0; i -= 4)
        microkit_dbg_putc("0123456789abcdef"[(x >> i) & 0xf]);
}

static void produce(void)
{
    ring_t *r = (ring_t *)ring_base;
    while (next < ITEMS && !ring_full(r)) {
        uint64_t v = item_value(next);
        checksum = checksum_add(checksum, v);
        ring_enqueue(r, (ring_slot_t){ .value = v, .seq = next });
        next++;
    }
    /* Ask for a notification before the consumer is told: it clears the flag when it drains. */
    if (next < ITEMS)
        __atomic_store_n(&r->producer_waiting, 1, __ATOMIC_RELEASE);
    batches++;
    if (next == ITEMS) {
        microkit_dbg_puts("producer: ");
        microkit_dbg_put32(ITEMS);
        microkit_dbg_puts(" items queued in ");
        microkit_dbg_put32(batches);
        microkit_dbg_puts(" batches, checksum ");
        print_hex(checksum);
        microkit_dbg_puts("\n");
    }
    microkit_notify(CONSUMER);
}

void init(void)
{
    microkit_dbg_puts("producer: ");
    microkit_dbg_put32(ITEMS);
    microkit_dbg_puts(" items through a ring of ");
    microkit_dbg_put32(RING_SLOTS);
    microkit_dbg_puts(" slots\n");
    produce();
}

void notified(microkit_channel ch)
{
    if (ch == CONSUMER && next < ITEMS)
        produce();
}
