/*
 * sim/dev/timer.h - the "timer" device: mica's own one-shot/periodic
 * compare timer (docs/api.md "Time, interrupts and devices").
 */
#ifndef MICA_SIM_DEV_TIMER_H
#define MICA_SIM_DEV_TIMER_H

#include <mica/device.h>
#include <mica/sim.h>

/* Register offsets (64-bit registers). */
#define DEV_TIMER_ID        0x00    /* R: DEV_TIMER_ID_VALUE */
#define DEV_TIMER_NOW       0x08    /* R: ns since boot */
#define DEV_TIMER_COMPARE   0x10    /* RW: absolute ns */
#define DEV_TIMER_PERIOD    0x18    /* RW: ns, periodic mode */
#define DEV_TIMER_CTRL      0x20    /* RW: DEV_TIMER_CTRL_* */
#define DEV_TIMER_STATUS    0x28    /* R/W1C: DEV_TIMER_STATUS_FIRED */

#define DEV_TIMER_MAGIC     UINT64_C(0x4D544D52)   /* "MTMR" */
#define DEV_TIMER_VERSION   UINT64_C(1)
#define DEV_TIMER_ID_VALUE  (DEV_TIMER_MAGIC | DEV_TIMER_VERSION << 32)

#define DEV_TIMER_CTRL_ENABLE   (1u << 0)
#define DEV_TIMER_CTRL_PERIODIC (1u << 1)
#define DEV_TIMER_CTRL_IRQ_EN   (1u << 2)
#define DEV_TIMER_STATUS_FIRED  (1u << 0)

/*
 * The timer's model (name "timer", irq 2). Its state is malloc'd here and
 * freed by its stop().
 */
mica_device_model_t dev_timer_model(const mica_config_t *cfg);

#endif /* MICA_SIM_DEV_TIMER_H */
