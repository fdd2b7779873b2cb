/*
 * A timer driver acking its IRQ with microkit_deferred_irq_ack. The timer
 * (mica's "timer" device, registers mapped at regs) fires every 10 us.
 * Tick 1 defers a notify on channel 1 and then the ack: the ack replaces
 * the notify. Tick 3 defers the ack and then the notify: the notify
 * replaces the ack, so the IRQ stays unacked and no tick 4 arrives.
 */
#include <stdint.h>
#include <microkit.h>

#define TIMER_IRQ 5
#define NOW      0x08
#define COMPARE  0x10
#define CTRL     0x20
#define STATUS   0x28
#define CTRL_ENABLE 1u
#define CTRL_IRQ_EN 4u

uintptr_t regs;
static unsigned ticks;

static volatile uint64_t *reg(unsigned off)
{
    return (volatile uint64_t *)(regs + off);
}

static void arm(void)
{
    *reg(COMPARE) = *reg(NOW) + 10000;
    *reg(CTRL) = CTRL_ENABLE | CTRL_IRQ_EN;
}

void init(void)
{
    arm();
    microkit_dbg_puts("ticker: armed\n");
}

void notified(microkit_channel ch)
{
    ticks++;
    microkit_dbg_puts("ticker: tick ");
    microkit_dbg_put32(ticks);
    microkit_dbg_puts(" on channel ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts("\n");
    *reg(STATUS) = 1;               /* the device's line drops; then the handler's ack */
    arm();
    if (ticks == 1) {
        microkit_deferred_notify(1);
        microkit_deferred_irq_ack(TIMER_IRQ);
    } else if (ticks == 3) {
        microkit_deferred_irq_ack(TIMER_IRQ);
        microkit_deferred_notify(1);
    } else {
        microkit_deferred_irq_ack(TIMER_IRQ);
    }
}
