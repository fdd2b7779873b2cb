/*
 * sim/dev/device.h - the machine's devices: the run's device list, the
 * event queue in virtual time, the register pages and the services of
 * <mica/device.h>. Machine-internal (not the kernel's, not the user's).
 *
 * A run's devices are the built-in ones (the table in device.c: each a
 * constructor in its own file sim/dev/<name>.c that returns a filled
 * model) followed by mica_config_t.extra_devices. Device n's register page
 * is the n-th 4 KiB page of the device region above RAM, covered by a
 * device untyped of its own and listed in the boot info's device table.
 */
#ifndef MICA_SIM_DEV_DEVICE_H
#define MICA_SIM_DEV_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <mica/device.h>
#include <mica/sim.h>
#include "../../src/kernel/hw.h"

/* Built-in models (sim/dev/timer.c, uart.c, blk.c), in this order, lines 2, 3, 4. */
mica_device_model_t dev_timer_model(const mica_config_t *cfg);
mica_device_model_t dev_uart_model(const mica_config_t *cfg);
mica_device_model_t dev_blk_model(const mica_config_t *cfg);

/*
 * A task accessed `size` bytes (1, 2, 4, 8) at physical address paddr, in
 * kernel context (the kernel lock held). 0 after performing it on the
 * device whose register page holds paddr (a read fills *value, zero
 * extended); -1 if no device page holds paddr (or the size is not one of
 * those).
 */
int sim_mmio_access(hw_word_t paddr, unsigned size, bool write, uint64_t *value);

/* The time devices see: virtual ns since boot, or host ns since boot under the real clock. */
uint64_t sim_now_ns(void);

/* The device driving line irq, NULL if none (for traces and --stats). */
const char *devices_name_of_irq(unsigned irq);

/* run.c: the lifecycle of a run's devices. */
/* Check the config's device settings (tick_ns, extra_devices); -EINVAL with a message on stderr. */
int  devices_check_config(const mica_config_t *cfg);
/* Build the run's device list and fill p's device table; the pages start at dev_base. */
int  devices_create(const mica_config_t *cfg, hw_word_t dev_base, hw_boot_params_t *p);
/* After boot: the models' start callbacks. 0, or -EINVAL when one refused (reported on stderr). */
int  devices_start(void);
/* At the end of the run: the models' stop callbacks; then forget the devices. */
void devices_stop(void);

#endif
