/*
 * tests/dev_fake.c - the mica_device_* services over a fake machine (one
 * device, a settable clock, a recorded IRQ line, a fake RAM); see
 * dev_fake.h.
 */
#include "dev_fake.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_MAX_EVENTS_PER_ADVANCE 1000000u

struct mica_device {
    mica_device_model_t model;
    uint64_t now;
    uint64_t next_event;        /* MICA_DEVICE_NEVER = none */
    bool irq;
    bool verbose;
    fake_dev_stats_t stats;
    uint8_t *ram;
    size_t ram_bytes;
    char last_trace[256];
};

int fake_dev_try_new(mica_device_model_t model, size_t ram_bytes, mica_device_t **out)
{
    *out = NULL;
    mica_device_t *d = calloc(1, sizeof *d);
    ck_assert_ptr_nonnull(d);
    d->model = model;
    d->next_event = MICA_DEVICE_NEVER;
    const char *v = getenv("MICA_FAKE_DEV_TRACE");
    d->verbose = v && *v && strcmp(v, "0") != 0;
    if (ram_bytes) {
        d->ram = calloc(1, ram_bytes);
        ck_assert_ptr_nonnull(d->ram);
        d->ram_bytes = ram_bytes;
    }
    if (model.start) {
        int r = model.start(d, model.ctx);
        if (r != 0) {
            free(d->ram);
            free(d);
            return r;
        }
    }
    *out = d;
    return 0;
}

mica_device_t *fake_dev_new(mica_device_model_t model, size_t ram_bytes)
{
    mica_device_t *d;
    int r = fake_dev_try_new(model, ram_bytes, &d);
    ck_assert_msg(r == 0, "model %s refused to start: %d", model.name ? model.name : "?", r);
    return d;
}

void fake_dev_free(mica_device_t *d)
{
    if (!d)
        return;
    if (d->model.stop)
        d->model.stop(d, d->model.ctx);
    free(d->ram);
    free(d);
}

uint64_t fake_dev_read(mica_device_t *d, mica_word_t offset, unsigned size)
{
    ck_assert(size == 1 || size == 2 || size == 4 || size == 8);
    ck_assert_uint_lt(offset, 4096);
    uint64_t v = d->model.read ? d->model.read(d, d->model.ctx, offset, size) : 0;
    if (size < 8)
        v &= (UINT64_C(1) << (size * 8)) - 1;
    return v;
}

void fake_dev_write(mica_device_t *d, mica_word_t offset, unsigned size, uint64_t value)
{
    ck_assert(size == 1 || size == 2 || size == 4 || size == 8);
    ck_assert_uint_lt(offset, 4096);
    if (size < 8)
        value &= (UINT64_C(1) << (size * 8)) - 1;
    if (d->model.write)
        d->model.write(d, d->model.ctx, offset, size, value);
}

uint64_t fake_dev_now(mica_device_t *d) { return d->now; }
uint64_t fake_dev_next_event(mica_device_t *d) { return d->next_event; }
bool fake_dev_irq(mica_device_t *d) { return d->irq; }
fake_dev_stats_t *fake_dev_stats(mica_device_t *d) { return &d->stats; }
void fake_dev_reset_stats(mica_device_t *d) { memset(&d->stats, 0, sizeof d->stats); }
const char *fake_dev_last_trace(mica_device_t *d) { return d->last_trace; }
uint8_t *fake_dev_ram(mica_device_t *d) { return d->ram; }
size_t fake_dev_ram_bytes(mica_device_t *d) { return d->ram_bytes; }

uint64_t fake_dev_advance_to(mica_device_t *d, uint64_t t)
{
    if (t < d->now)
        t = d->now;
    uint64_t fired = 0;
    while (d->next_event != MICA_DEVICE_NEVER && d->next_event <= t) {
        if (d->next_event > d->now)
            d->now = d->next_event;
        d->next_event = MICA_DEVICE_NEVER;    /* consumed; the model may schedule again */
        fired++;
        ck_assert_msg(fired <= FAKE_MAX_EVENTS_PER_ADVANCE,
                      "model %s keeps scheduling events at %llu ns", d->model.name,
                      (unsigned long long)d->now);
        d->stats.events++;
        if (d->model.event)
            d->model.event(d, d->model.ctx);
    }
    d->now = t;
    return fired;
}

uint64_t fake_dev_advance(mica_device_t *d, uint64_t ns)
{
    return fake_dev_advance_to(d, d->now + ns);
}

uint64_t fake_dev_run_idle(mica_device_t *d, uint64_t limit_ns)
{
    uint64_t end = d->now + limit_ns, fired = 0;
    while (d->next_event != MICA_DEVICE_NEVER && d->next_event <= end)
        fired += fake_dev_advance_to(d, d->next_event);
    return fired;
}

/* --- the services of <mica/device.h> --- */

uint64_t mica_device_now(mica_device_t *dev) { return dev->now; }

void mica_device_schedule(mica_device_t *dev, uint64_t at_ns)
{
    dev->stats.schedules++;
    dev->next_event = at_ns;
}

void mica_device_set_irq(mica_device_t *dev, bool asserted)
{
    if (asserted && !dev->irq)
        dev->stats.irq_rises++;
    if (!asserted && dev->irq)
        dev->stats.irq_falls++;
    dev->irq = asserted;
}

static bool fake_dma_ok(mica_device_t *dev, mica_word_t paddr, size_t n)
{
    return dev->ram && paddr <= dev->ram_bytes && n <= dev->ram_bytes - paddr;
}

int mica_device_dma_read(mica_device_t *dev, mica_word_t paddr, void *buf, size_t n)
{
    if (!fake_dma_ok(dev, paddr, n)) {
        dev->stats.dma_errors++;
        return -1;
    }
    memcpy(buf, dev->ram + paddr, n);
    dev->stats.dma_reads++;
    return 0;
}

int mica_device_dma_write(mica_device_t *dev, mica_word_t paddr, const void *buf, size_t n)
{
    if (!fake_dma_ok(dev, paddr, n)) {
        dev->stats.dma_errors++;
        return -1;
    }
    memcpy(dev->ram + paddr, buf, n);
    dev->stats.dma_writes++;
    return 0;
}

void mica_device_trace(mica_device_t *dev, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dev->last_trace, sizeof dev->last_trace, fmt, ap);
    va_end(ap);
    dev->stats.traces++;
    if (dev->verbose)
        fprintf(stderr, "[%llu ns] %s: %s\n", (unsigned long long)dev->now,
                dev->model.name ? dev->model.name : "?", dev->last_trace);
}
