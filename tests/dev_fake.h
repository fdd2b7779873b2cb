/*
 * tests/dev_fake.h - a fake machine for unit-testing device models at
 * register level, without the kernel or the simulator.
 *
 * tests/dev_fake.c implements the mica_device_* services of
 * <mica/device.h> over one fake device: a clock the test sets and
 * advances, the one pending event a model asked for, a recorded IRQ line
 * (level, rising and falling edges) and a fake RAM buffer for DMA. A test
 * links the model's .c with dev_fake.c, makes a fake device from the
 * model's constructor and then reads and writes registers as a driver
 * would, advancing virtual time between accesses:
 *
 *     mica_device_t *d = fake_dev_new(dev_timer_model(&cfg), 0);
 *     fake_dev_write(d, 0x10, 8, 1000);       // COMPARE
 *     fake_dev_write(d, 0x20, 8, 5);          // CTRL: enable, IRQ enable
 *     fake_dev_advance_to(d, 1000);           // fires the compare event
 *     ck_assert(fake_dev_irq(d));
 *     fake_dev_free(d);
 */
#ifndef MICA_TESTS_DEV_FAKE_H
#define MICA_TESTS_DEV_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mica/device.h>

/* What the fake recorded; the test may read (and reset) these fields. */
typedef struct fake_dev_stats {
    uint64_t events;            /* event callbacks called */
    uint64_t schedules;         /* mica_device_schedule calls */
    uint64_t irq_rises;         /* line went low -> high */
    uint64_t irq_falls;         /* line went high -> low */
    uint64_t dma_reads, dma_writes;     /* successful DMA copies */
    uint64_t dma_errors;        /* DMA calls refused (outside the fake RAM) */
    uint64_t traces;            /* mica_device_trace calls */
} fake_dev_stats_t;

/*
 * A fake device running `model` (its start() is called; a start that
 * refuses fails the test), with ram_bytes of zeroed fake RAM at physical
 * address 0 (0 = no RAM: every DMA is refused). Clock at 0, no event, line
 * low. Set MICA_FAKE_DEV_TRACE=1 in the environment to see the model's
 * trace lines on stderr.
 */
mica_device_t *fake_dev_new(mica_device_model_t model, size_t ram_bytes);
/* Like fake_dev_new, but returns start()'s result instead of failing (*out NULL unless 0). */
int fake_dev_try_new(mica_device_model_t model, size_t ram_bytes, mica_device_t **out);
/* Call the model's stop() and free the fake. */
void fake_dev_free(mica_device_t *d);

/* A register access as the machine makes it (size 1, 2, 4 or 8; offset 0..4095). */
uint64_t fake_dev_read(mica_device_t *d, mica_word_t offset, unsigned size);
void fake_dev_write(mica_device_t *d, mica_word_t offset, unsigned size, uint64_t value);

/* The fake clock. */
uint64_t fake_dev_now(mica_device_t *d);
/*
 * Advance the clock to t (never backwards: an earlier t only fires what is
 * due now), firing every due event in time order: the clock stands at the
 * event's time while its callback runs, and an event is consumed when it
 * fires (as on the machine: the model schedules the next one itself). At
 * most 1,000,000 events per call; more fails the test (a model that keeps
 * scheduling at the same instant would spin the machine forever).
 * Returns the events fired.
 */
uint64_t fake_dev_advance_to(mica_device_t *d, uint64_t t);
uint64_t fake_dev_advance(mica_device_t *d, uint64_t ns);
/* Fire events until none is pending or `limit` ns pass; returns the events fired. */
uint64_t fake_dev_run_idle(mica_device_t *d, uint64_t limit_ns);

/* The pending event's time, MICA_DEVICE_NEVER when none. */
uint64_t fake_dev_next_event(mica_device_t *d);
/* The line's level now. */
bool fake_dev_irq(mica_device_t *d);
/* Counters; reset with fake_dev_reset_stats. */
fake_dev_stats_t *fake_dev_stats(mica_device_t *d);
void fake_dev_reset_stats(mica_device_t *d);
/* The last line the model traced ("" if none). */
const char *fake_dev_last_trace(mica_device_t *d);

/* The fake RAM (NULL when there is none) and its size. */
uint8_t *fake_dev_ram(mica_device_t *d);
size_t fake_dev_ram_bytes(mica_device_t *d);

#endif /* MICA_TESTS_DEV_FAKE_H */
