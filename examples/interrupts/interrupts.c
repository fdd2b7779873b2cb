/*
 * interrupts - the shape of the seL4 interrupts tutorial: a driver programs
 * the timer, waits for its interrupt on a notification, acknowledges it,
 * and counts ticks.
 *
 * The root task is the driver. It finds the "timer" device in the boot
 * info's device table, maps its register page (a frame retyped from the
 * device untyped that covers it), gets an IRQHandler cap for the timer's
 * line from IRQControl and points it at a notification. Then:
 *
 *   program COMPARE = NOW + 1 ms, PERIOD = 1 ms, CTRL = enable | periodic |
 *   IRQ enable; then TICKS times: Wait on the notification (the kernel
 *   signals it when the line rises and masks the line), clear the timer's
 *   STATUS (write 1: the line drops), IRQHandler_Ack (unmask).
 *
 * Acking the handler before clearing STATUS would deliver the same
 * interrupt again at once: the line is level-triggered and still high.
 * Under the virtual clock the waits cost no host time and the tick times
 * are exact: tick n arrives at the first COMPARE + (n - 1) ms.
 *
 *   mica run interrupts --log - --log-filter irq
 */
#include <stdio.h>
#include <mica/mica.h>
#include "../examples.h"
#include "../devices.h"

#define TICKS 10
#define PERIOD_NS 1000000ull        /* 1 ms */

/* The timer's registers (64-bit; docs/api.md "Time, interrupts and devices"). */
enum { TMR_ID = 0, TMR_NOW = 1, TMR_COMPARE = 2, TMR_PERIOD = 3, TMR_CTRL = 4, TMR_STATUS = 5 };
#define TMR_CTRL_ENABLE   1u
#define TMR_CTRL_PERIODIC 2u
#define TMR_CTRL_IRQ_EN   4u
#define TMR_STATUS_FIRED  1u

void example_interrupts_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);

    const mica_device_desc_t *d = ex_device(bi, "timer");
    if (!d) {
        printf("interrupts: no timer in the device table\n");
        return;
    }
    volatile uint64_t *tmr = ex_map_device(&env, d);
    mica_cptr_t ntfn = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t irq = tmr && ntfn ? ex_irq_handler(&env, d->irq, ntfn) : 0;
    if (!irq) {
        printf("interrupts: cannot set up the timer\n");
        return;
    }
    printf("interrupts: timer at paddr 0x%lx, IRQ %lu, ID 0x%llx (version %llu)\n",
           (unsigned long)d->paddr, (unsigned long)d->irq,
           (unsigned long long)(tmr[TMR_ID] & 0xffffffffu),
           (unsigned long long)((tmr[TMR_ID] >> 32) & 0xff));

    uint64_t first = tmr[TMR_NOW] + PERIOD_NS;
    tmr[TMR_COMPARE] = first;
    tmr[TMR_PERIOD] = PERIOD_NS;
    tmr[TMR_CTRL] = TMR_CTRL_ENABLE | TMR_CTRL_PERIODIC | TMR_CTRL_IRQ_EN;
    printf("interrupts: a tick every %llu ns from %llu ns\n", PERIOD_NS,
           (unsigned long long)first);

    for (int n = 1; n <= TICKS; n++) {
        mica_word_t badge;
        mica_wait(ntfn, &badge);
        uint64_t now = tmr[TMR_NOW];
        tmr[TMR_STATUS] = TMR_STATUS_FIRED;     /* the line drops */
        mica_error_t err = mica_irq_handler_ack(irq);
        printf("tick %2d: at %llu ns (+%llu after its compare), ack: %s\n", n,
               (unsigned long long)now,
               (unsigned long long)(now - (first + (uint64_t)(n - 1) * PERIOD_NS)),
               mica_error_name(err));
    }
    tmr[TMR_CTRL] = 0;
    printf("interrupts: %d ticks; timer stopped\n", TICKS);
}

#ifndef MICA_BUILTIN_EXAMPLES
int main(int argc, char **argv)
{
    return mica_main(argc, argv, example_interrupts_root, NULL);
}
#endif
