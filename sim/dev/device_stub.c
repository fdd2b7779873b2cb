/*
 * device_stub.c - a stand-in for sim/dev/device.c until the machine's
 * device table exists: sim_mmio_access over the run's extra device models
 * only, extra device i at the register page 3 + i of the device region
 * (after the three built-in devices' pages). Built only when
 * sim/dev/device.c is absent (sim/meson.build).
 */
#include "device.h"
#include "../sim.h"

int sim_mmio_access(hw_word_t paddr, unsigned size, bool write, uint64_t *value)
{
    const mica_config_t *cfg = sim.cfg;
    hw_word_t base = mmu_device_base();
    if (!cfg || paddr < base)
        return -1;
    hw_word_t page = (paddr - base) >> 12, off = paddr & 0xfff;
    if (page < 3 || page - 3 >= cfg->num_extra_devices)
        return -1;
    const mica_device_model_t *m = &cfg->extra_devices[page - 3];
    if (write) {
        if (m->write)
            m->write(NULL, m->ctx, off, size, *value);
    } else {
        *value = m->read ? m->read(NULL, m->ctx, off, size) : 0;
    }
    return 0;
}
