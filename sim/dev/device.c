/*
 * sim/dev/device.c - the run's devices, their event queue in virtual time,
 * their register pages, and the services models call (<mica/device.h>).
 *
 * Time. Under the virtual clock, device time is ks.time * tick_ns plus
 * the time skipped by idle jumps (jump_ns): each kernel entry is tick_ns
 * of virtual time, and when every CPU is idle the machine jumps so that
 * the next tick lands on the earliest event (hw_idle_wait). Under the real
 * clock it is host monotonic time since the run started.
 *
 * Events. Each device has at most one pending event (its next time, or
 * MICA_DEVICE_NEVER). The kernel compares hw_event_due - the tick from
 * which the earliest is due - with the time at every entry, one compare, and
 * calls hw_device_events when it is reached; there are few devices, so a
 * linear scan finds the due ones. Events due at the same time run in
 * device order, so a run stays deterministic.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "device.h"
#include "../sim.h"

struct mica_device {
    mica_device_model_t m;
    unsigned index;             /* in the run's list = in the boot info's device table */
    hw_word_t paddr;            /* its register page */
    uint64_t next;              /* its pending event, MICA_DEVICE_NEVER = none */
    bool level;                 /* its line is asserted */
    bool started;
    char name[16];              /* kept for the run's report after stop */
};

typedef mica_device_model_t (*dev_ctor_t)(const mica_config_t *cfg);

/*
 * The built-in devices, in boot-info order. Each line is one device: its
 * constructor, in sim/dev/<file>.c; meson.build compiles the file and
 * defines MICA_DEV_<NAME> when it exists.
 */
static const dev_ctor_t builtins[] = {
#ifdef MICA_DEV_TIMER
    dev_timer_model,
#endif
#ifdef MICA_DEV_UART
    dev_uart_model,
#endif
#ifdef MICA_DEV_BLK
    dev_blk_model,
#endif
    NULL,
};

static struct mica_device devs[MICA_MAX_DEVICES];
static unsigned ndevs;
static int running;             /* between devices_start and devices_stop */
static uint64_t tick_ns = 1000;
static uint64_t jump_ns;        /* virtual: time skipped by idle jumps */
static struct timespec real_base;   /* real: host time at boot */

hw_word_t hw_event_due = HW_NEVER;

static uint64_t host_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)(t.tv_sec - real_base.tv_sec) * 1000000000ull + (uint64_t)t.tv_nsec -
           (uint64_t)real_base.tv_nsec;
}

uint64_t sim_now_ns(void)
{
    if (hw_clock_real)
        return host_ns();
    return kernel_ticks() * tick_ns + jump_ns;
}

/* The earliest pending event, MICA_DEVICE_NEVER if none. */
static uint64_t earliest(void)
{
    uint64_t m = MICA_DEVICE_NEVER;
    for (unsigned i = 0; i < ndevs; i++)
        if (devs[i].next < m)
            m = devs[i].next;
    return m;
}

/* Recompute hw_event_due after the queue or the time base changed. */
static void update_due(void)
{
    uint64_t e = earliest();
    if (e == MICA_DEVICE_NEVER)
        hw_event_due = HW_NEVER;
    else if (hw_clock_real || e <= jump_ns)
        hw_event_due = 0;               /* real: host time decides, in hw_device_events */
    else
        hw_event_due = (e - jump_ns + tick_ns - 1) / tick_ns;
}

void hw_device_events(void)
{
    if (!running) {
        update_due();
        return;
    }
    uint64_t now = sim_now_ns();
    /*
     * Each due event once, earliest first (ties in device order). One that
     * a model asks for again at a time already passed runs at the next
     * entry, so a model cannot hold the kernel here.
     */
    unsigned fired = 0;
    for (;;) {
        struct mica_device *d = NULL;
        for (unsigned i = 0; i < ndevs; i++)
            if (!(fired & (1u << i)) && devs[i].next <= now && (!d || devs[i].next < d->next))
                d = &devs[i];
        if (!d)
            break;
        fired |= 1u << d->index;
        d->next = MICA_DEVICE_NEVER;
        if (d->m.event)
            d->m.event(d, d->m.ctx);
    }
    update_due();
}

int hw_idle_wait(void)
{
    uint64_t e = earliest();
    if (!running || e == MICA_DEVICE_NEVER)
        return 0;
    if (hw_clock_real) {
        /* Wait in the host until the event's time (a signal cuts it short: the kernel asks again). */
        uint64_t now = host_ns();
        if (e > now) {
            uint64_t until = (uint64_t)real_base.tv_nsec + e;
            struct timespec t = { real_base.tv_sec + (time_t)(until / 1000000000ull),
                                  (long)(until % 1000000000ull) };
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
        }
        return 1;
    }
    /* Jump so that the kernel's next tick lands on the event. */
    uint64_t next_tick = sim_now_ns() + tick_ns;
    if (e > next_tick)
        jump_ns += e - next_tick;
    update_due();
    return 1;
}

/* --- the services of <mica/device.h> -------------------------------------- */

uint64_t mica_device_now(mica_device_t *dev)
{
    (void)dev;
    return sim_now_ns();
}

void mica_device_schedule(mica_device_t *dev, uint64_t at_ns)
{
    if (!dev)
        return;
    dev->next = at_ns;
    update_due();
}

void mica_device_set_irq(mica_device_t *dev, bool asserted)
{
    if (!dev || dev->level == asserted)
        return;
    dev->level = asserted;
    if (running)
        kernel_irq_set(dev->m.irq, asserted);
}

/*
 * [paddr, paddr + n) lies in RAM (not the device region, not beyond) and
 * holds frames only: a DMA address a driver got wrong may land on any
 * other memory, and kernel objects must stay whole (physmem.c, hw.h).
 */
static bool in_ram(mica_word_t paddr, size_t n)
{
    hw_word_t ram = sim.cfg ? sim.cfg->phys_mem_bytes : 0;
    return paddr <= ram && n <= ram - paddr && hw_phys_base &&
           (n == 0 || physmem_dma_allowed(paddr, n));
}

int mica_device_dma_read(mica_device_t *dev, mica_word_t paddr, void *buf, size_t n)
{
    (void)dev;
    if (!in_ram(paddr, n))
        return -1;
    if (n)
        memcpy(buf, hw_phys_base + paddr, n);
    return 0;
}

int mica_device_dma_write(mica_device_t *dev, mica_word_t paddr, const void *buf, size_t n)
{
    (void)dev;
    if (!in_ram(paddr, n))
        return -1;
    if (n)
        memcpy(hw_phys_base + paddr, buf, n);
    return 0;
}

void mica_device_trace(mica_device_t *dev, const char *fmt, ...)
{
    if (!dev || !(hw_trace_mask & HW_TRACE_CAT_IRQ))
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    trace_device(dev->index, dev->m.irq, dev->m.name, msg);
}

/* --- register pages ------------------------------------------------------- */

int sim_mmio_access(hw_word_t paddr, unsigned size, bool write, uint64_t *value)
{
    if (!running || (size != 1 && size != 2 && size != 4 && size != 8))
        return -1;
    for (unsigned i = 0; i < ndevs; i++) {
        struct mica_device *d = &devs[i];
        if (paddr < d->paddr || paddr - d->paddr >= (1u << 12))
            continue;
        mica_word_t off = paddr - d->paddr;
        uint64_t mask = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
        if (write) {
            if (d->m.write)
                d->m.write(d, d->m.ctx, off, size, *value & mask);
        } else {
            *value = d->m.read ? d->m.read(d, d->m.ctx, off, size) & mask : 0;
        }
        return 0;
    }
    return -1;
}

const char *devices_name_of_irq(unsigned irq)
{
    for (unsigned i = 0; i < ndevs; i++)
        if (devs[i].m.irq == irq)
            return devs[i].name;
    return NULL;
}

/* --- the run's device list -------------------------------------------------- */

int devices_check_config(const mica_config_t *cfg)
{
    if (cfg->tick_ns == 0 || cfg->tick_ns > 1000000000ull)
        return bad_config("tick_ns %llu is outside 1..1000000000", (unsigned long long)cfg->tick_ns);
    unsigned nb = (unsigned)(sizeof builtins / sizeof builtins[0]) - 1;
    if (cfg->num_extra_devices && !cfg->extra_devices)
        return bad_config("num_extra_devices is %u but extra_devices is NULL", cfg->num_extra_devices);
    if (cfg->num_extra_devices > MICA_MAX_DEVICES - nb)
        return bad_config("%u extra devices: the machine has room for %u beside its %u built-in ones",
                   cfg->num_extra_devices, MICA_MAX_DEVICES - nb, nb);
    for (unsigned i = 0; i < cfg->num_extra_devices; i++) {
        const mica_device_model_t *m = &cfg->extra_devices[i];
        if (!m->name || !m->name[0] || strlen(m->name) > 15)
            return bad_config("extra device %u needs a name of 1 to 15 characters", i);
        if (m->irq > MICA_MAX_IRQ)
            return bad_config("extra device '%s' drives IRQ %u, above %d", m->name, m->irq, MICA_MAX_IRQ);
    }
    return 0;
}

int devices_create(const mica_config_t *cfg, hw_word_t dev_base, hw_boot_params_t *p)
{
    ndevs = 0;
    running = 0;
    jump_ns = 0;
    tick_ns = cfg->tick_ns ? cfg->tick_ns : 1000;
    hw_event_due = HW_NEVER;
    clock_gettime(CLOCK_MONOTONIC, &real_base);
    for (unsigned i = 0; builtins[i]; i++)
        devs[ndevs++].m = builtins[i](cfg);
    for (unsigned i = 0; i < cfg->num_extra_devices && ndevs < MICA_MAX_DEVICES; i++)
        devs[ndevs++].m = cfg->extra_devices[i];
    for (unsigned i = 0; i < ndevs; i++) {
        struct mica_device *d = &devs[i];
        d->index = i;
        d->paddr = dev_base + ((hw_word_t)i << 12);
        d->next = MICA_DEVICE_NEVER;
        d->level = false;
        d->started = false;
        for (unsigned j = 0; j < i; j++)
            if (devs[j].m.irq == d->m.irq) {
                fprintf(stderr, "mica: bad configuration: devices '%s' and '%s' both drive IRQ %u\n",
                        devs[j].m.name, d->m.name, d->m.irq);
                ndevs = 0;
                return -EINVAL;
            }
        snprintf(d->name, sizeof d->name, "%s", d->m.name ? d->m.name : "?");
        struct hw_device_desc *bd = &p->devices[i];
        memset(bd, 0, sizeof *bd);
        snprintf(bd->name, sizeof bd->name, "%s", d->name);
        bd->paddr = d->paddr;
        bd->irq = d->m.irq;
    }
    p->num_devices = ndevs;
    return 0;
}

int devices_start(void)
{
    running = 1;
    for (unsigned i = 0; i < ndevs; i++) {
        struct mica_device *d = &devs[i];
        int err = d->m.start ? d->m.start(d, d->m.ctx) : 0;
        if (err) {
            fprintf(stderr, "mica: device '%s' cannot start: %s\n", d->name,
                    strerror(err < 0 ? -err : err));
            devices_stop();
            return -EINVAL;     /* what the model was given cannot be used: a bad configuration */
        }
        d->started = true;
    }
    return 0;
}

void devices_stop(void)
{
    running = 0;
    for (unsigned i = 0; i < ndevs; i++) {
        struct mica_device *d = &devs[i];
        if (d->started && d->m.stop)
            d->m.stop(d, d->m.ctx);
        d->started = false;
        d->next = MICA_DEVICE_NEVER;
    }
    /* The list stays until the next run, for the names in the run's report. */
    hw_event_due = HW_NEVER;
}
