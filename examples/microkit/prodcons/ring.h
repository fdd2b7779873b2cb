/*
 * ring.h - a single-producer single-consumer queue in shared memory, laid
 * out like the queues of seL4's Device Driver Framework: free-running
 * indices (tail written only by the producer, head only by the consumer),
 * a power-of-two array of slots, and a flag by which the producer asks to
 * be notified when there is room again.
 */
#ifndef RING_H
#define RING_H

#include <stdbool.h>
#include <stdint.h>

#define RING_SLOTS 16           /* a power of two */
#define ITEMS 100               /* what the producer sends */

typedef struct {
    uint64_t value;
    uint32_t seq;               /* the item's number, checked by the consumer */
    uint32_t pad;
} ring_slot_t;

typedef struct {
    uint32_t tail;              /* next slot to fill: the producer's */
    uint32_t head;              /* next slot to take: the consumer's */
    uint32_t producer_waiting;  /* set by a producer that found the ring full */
    uint32_t pad;
    ring_slot_t slots[RING_SLOTS];
} ring_t;

_Static_assert(sizeof(ring_t) <= 0x1000, "the ring fits its memory region");

static inline bool ring_empty(ring_t *r)
{
    return __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) == r->head;
}

static inline bool ring_full(ring_t *r)
{
    return r->tail - __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) == RING_SLOTS;
}

/* Producer side: the slot is written before the new tail is published. */
static inline void ring_enqueue(ring_t *r, ring_slot_t s)
{
    r->slots[r->tail % RING_SLOTS] = s;
    __atomic_store_n(&r->tail, r->tail + 1, __ATOMIC_RELEASE);
}

/* Consumer side: the slot is read before the new head gives it back. */
static inline ring_slot_t ring_dequeue(ring_t *r)
{
    ring_slot_t s = r->slots[r->head % RING_SLOTS];
    __atomic_store_n(&r->head, r->head + 1, __ATOMIC_RELEASE);
    return s;
}

/* The items, and the checksum both sides compute. */
static inline uint64_t item_value(uint32_t seq)
{
    return (uint64_t)seq * seq * 2654435761u + 17;
}

static inline uint64_t checksum_add(uint64_t sum, uint64_t value)
{
    return (sum ^ value) * 1099511628211ull;     /* FNV-1a's step over whole words */
}

#endif
