/*
 * sim/dev/timer.c - the "timer" device: mica's own compare timer.
 *
 * Registers (64-bit, docs/api.md "Time, interrupts and devices"):
 *   0x00 ID       R    "MTMR" (0x4D544D52), version in bits 32-39 (1)
 *   0x08 NOW      R    ns since boot (virtual time, or host time under the
 *                      real clock); writes ignored
 *   0x10 COMPARE  RW   absolute ns at which the timer fires
 *   0x18 PERIOD   RW   ns added to COMPARE after each fire in periodic mode
 *   0x20 CTRL     RW   bit 0 ENABLE, bit 1 PERIODIC, bit 2 IRQ_EN (other bits
 *                      read as 0)
 *   0x28 STATUS   R/W1C bit 0 FIRED; writing 1 clears it
 * The interrupt line is asserted while STATUS.FIRED and CTRL.IRQ_EN are
 * both set (level-triggered), so a driver acks by writing 1 to STATUS and
 * then acking the IRQ handler.
 *
 * The comparator: writing COMPARE (or setting ENABLE when it was clear)
 * arms it; while armed and enabled it fires once NOW >= COMPARE - at once,
 * inside the write, when COMPARE is already past. Firing sets FIRED. In
 * one-shot mode the comparator is then disarmed (it fires again only after
 * a new COMPARE or a 0->1 ENABLE). In periodic mode COMPARE += PERIOD and
 * it stays armed; periods that have already passed entirely (the clock
 * jumped over them) are skipped, so it fires once per event rather than
 * catching up in a burst. PERIOD 0 in periodic mode behaves as one-shot (no
 * endless firing at one instant); a COMPARE that would pass 2^64-1
 * disarms. Clearing ENABLE disarms and cancels the pending event; FIRED
 * stays until written 1.
 *
 * Accesses: 8-byte accesses at a register's offset, and 4-byte accesses to
 * either half of a register (a write changes that half only; for STATUS
 * the written half's 1 bits clear). Any other offset or size reads 0 and
 * ignores writes: a driver's bad access never harms the machine.
 */
#include "timer.h"

#include <errno.h>
#include <stdlib.h>

typedef struct dev_timer {
    uint64_t compare;
    uint64_t period;
    uint64_t ctrl;
    uint64_t status;
    bool armed;         /* the comparator will fire at COMPARE */
    bool line;          /* last level given to mica_device_set_irq */
    uint64_t fires;
} dev_timer_t;

#define CTRL_MASK (DEV_TIMER_CTRL_ENABLE | DEV_TIMER_CTRL_PERIODIC | DEV_TIMER_CTRL_IRQ_EN)

static void timer_update_line(mica_device_t *dev, dev_timer_t *t)
{
    bool level = (t->status & DEV_TIMER_STATUS_FIRED) && (t->ctrl & DEV_TIMER_CTRL_IRQ_EN);
    if (level != t->line) {
        t->line = level;
        mica_device_set_irq(dev, level);
    }
}

/* Fire if due (at most once per call), update the line, and ask for the
 * next event. */
static void timer_evaluate(mica_device_t *dev, dev_timer_t *t)
{
    bool enabled = t->ctrl & DEV_TIMER_CTRL_ENABLE;
    uint64_t now = mica_device_now(dev);
    if (enabled && t->armed && now >= t->compare) {
        t->status |= DEV_TIMER_STATUS_FIRED;
        t->fires++;
        mica_device_trace(dev, "fired at %llu ns (compare %llu)",
                          (unsigned long long)now, (unsigned long long)t->compare);
        if ((t->ctrl & DEV_TIMER_CTRL_PERIODIC) && t->period) {
            /* The next compare after now: skip the periods that passed whole. */
            uint64_t behind = now - t->compare;         /* >= 0 */
            uint64_t steps = behind / t->period + 1;
            if (steps > (UINT64_MAX - t->compare) / t->period)
                t->armed = false;                       /* beyond the end of time */
            else
                t->compare += steps * t->period;
        } else {
            t->armed = false;
        }
    }
    timer_update_line(dev, t);
    mica_device_schedule(dev, enabled && t->armed ? t->compare : MICA_DEVICE_NEVER);
}

static uint64_t timer_reg_read(mica_device_t *dev, dev_timer_t *t, unsigned reg)
{
    switch (reg) {
    case DEV_TIMER_ID: return DEV_TIMER_ID_VALUE;
    case DEV_TIMER_NOW: return mica_device_now(dev);
    case DEV_TIMER_COMPARE: return t->compare;
    case DEV_TIMER_PERIOD: return t->period;
    case DEV_TIMER_CTRL: return t->ctrl;
    case DEV_TIMER_STATUS: return t->status;
    default: return 0;
    }
}

/* A whole-register write (for STATUS: the bits written as 1 clear). */
static void timer_reg_write(mica_device_t *dev, dev_timer_t *t, unsigned reg, uint64_t v)
{
    switch (reg) {
    case DEV_TIMER_COMPARE:
        t->compare = v;
        t->armed = true;
        break;
    case DEV_TIMER_PERIOD:
        t->period = v;      /* takes effect at the next fire */
        return;
    case DEV_TIMER_CTRL: {
        bool was_enabled = t->ctrl & DEV_TIMER_CTRL_ENABLE;
        t->ctrl = v & CTRL_MASK;
        if (!(t->ctrl & DEV_TIMER_CTRL_ENABLE))
            t->armed = false;
        else if (!was_enabled)
            t->armed = true;
        break;
    }
    case DEV_TIMER_STATUS:
        t->status &= ~(v & DEV_TIMER_STATUS_FIRED);
        break;
    default:
        return;             /* ID, NOW: read-only */
    }
    timer_evaluate(dev, t);
}

/* The register and the byte shift within it of an access; false if the access is not valid. */
static bool timer_decode(mica_word_t offset, unsigned size, unsigned *reg, unsigned *shift)
{
    if (offset > DEV_TIMER_STATUS + 7)
        return false;
    unsigned within = offset & 7;
    if (!((size == 8 && within == 0) || (size == 4 && (within == 0 || within == 4))))
        return false;
    *reg = (unsigned)(offset & ~(mica_word_t)7);
    *shift = within * 8;
    return true;
}

static uint64_t timer_read(mica_device_t *dev, void *ctx, mica_word_t offset, unsigned size)
{
    unsigned reg, shift;
    if (!timer_decode(offset, size, &reg, &shift))
        return 0;
    uint64_t v = timer_reg_read(dev, ctx, reg) >> shift;
    return size == 8 ? v : v & 0xffffffffu;
}

static void timer_write(mica_device_t *dev, void *ctx, mica_word_t offset, unsigned size,
                        uint64_t value)
{
    dev_timer_t *t = ctx;
    unsigned reg, shift;
    if (!timer_decode(offset, size, &reg, &shift))
        return;
    if (size == 4) {
        uint64_t half = (value & 0xffffffffu) << shift;
        if (reg == DEV_TIMER_STATUS) {
            value = half;                   /* only the written half's 1s clear */
        } else {
            uint64_t mask = UINT64_C(0xffffffff) << shift;
            value = (timer_reg_read(dev, t, reg) & ~mask) | half;
        }
    }
    timer_reg_write(dev, t, reg, value);
}

static void timer_event(mica_device_t *dev, void *ctx)
{
    timer_evaluate(dev, ctx);
}

static int timer_start(mica_device_t *dev, void *ctx)
{
    dev_timer_t *t = ctx;
    if (!t)
        return -ENOMEM;     /* the constructor's calloc failed */
    *t = (dev_timer_t){ 0 };
    mica_device_set_irq(dev, false);
    return 0;
}

static void timer_stop(mica_device_t *dev, void *ctx)
{
    free(ctx);
}

mica_device_model_t dev_timer_model(const mica_config_t *cfg)
{
    (void)cfg;
    dev_timer_t *t = calloc(1, sizeof *t);
    return (mica_device_model_t){
        .name = "timer", .irq = 2, .ctx = t,
        .read = timer_read, .write = timer_write, .event = timer_event,
        .start = timer_start, .stop = timer_stop,
    };
}
