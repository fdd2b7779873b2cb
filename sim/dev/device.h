/*
 * sim/dev/device.h - the machine's devices, as the rest of the simulator
 * sees them.
 */
#ifndef MICA_SIM_DEV_DEVICE_H
#define MICA_SIM_DEV_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include "../../src/kernel/hw.h"

/*
 * Perform a task's access of size bytes (1, 2, 4, 8) at physical address
 * paddr on the device whose register page holds it: a read fills *value,
 * a write takes its low size bytes. Called by the MMIO trap path in kernel
 * context (kernel lock held). 0, or -1 if no device page holds paddr.
 */
int sim_mmio_access(hw_word_t paddr, unsigned size, bool write, uint64_t *value);

#endif
