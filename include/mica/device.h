/*
 * mica/device.h - device models: host code that plays a device of the
 * simulated machine.
 *
 * Each device has one 4 KiB register page of device memory above RAM (its
 * paddr is in the boot info's device table) and one interrupt line. Task
 * code maps the page (retype the device untyped into a frame, Page_Map)
 * and reads and writes registers through volatile pointers; every access
 * traps and becomes one call of the model's read or write, at once, on the
 * accessing thread's CPU, with the kernel lock held. A model that needs
 * time to pass (a timer's compare, a UART's character time, a disk's
 * latency) asks for an event at a virtual time; the machine calls its
 * event callback when that time comes - it never uses a host thread, so a
 * run under the virtual clock stays deterministic.
 *
 * The built-in devices (timer, uart0, blk0) are models of this kind; a
 * program adds its own through mica_config_t.extra_devices.
 */
#ifndef MICA_DEVICE_H
#define MICA_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mica/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The machine's handle for one device of a run (opaque). */
typedef struct mica_device mica_device_t;

typedef struct mica_device_model {
    const char *name;   /* shown in the boot info's device table (at most 15 characters) */
    unsigned irq;       /* the interrupt line it drives, 0 .. MICA_MAX_IRQ */
    void *ctx;          /* the model's own state, passed to every callback */
    /*
     * A task read `size` bytes (1, 2, 4 or 8) at `offset` (0 .. 4095) of the
     * register page; return the value (only its low `size` bytes count).
     * Side effects (clear on read, FIFO pops) happen here.
     */
    uint64_t (*read)(mica_device_t *dev, void *ctx, mica_word_t offset, unsigned size);
    /* A task wrote the low `size` bytes of value at `offset`. */
    void (*write)(mica_device_t *dev, void *ctx, mica_word_t offset, unsigned size,
                  uint64_t value);
    /* The time asked for with mica_device_schedule has come (optional). */
    void (*event)(mica_device_t *dev, void *ctx);
    /* The run boots (optional): reset, schedule first events. 0, or -errno to refuse the run. */
    int (*start)(mica_device_t *dev, void *ctx);
    /* The run has stopped (optional): flush, close. */
    void (*stop)(mica_device_t *dev, void *ctx);
} mica_device_model_t;

/* What a model may call from its callbacks. */

/* Virtual nanoseconds since boot (host monotonic under MICA_CLOCK_REAL). */
uint64_t mica_device_now(mica_device_t *dev);
/*
 * The model's next event: event() is called once the time reaches at_ns
 * (at once if it has passed). Replaces an event still pending;
 * MICA_DEVICE_NEVER cancels it.
 */
#define MICA_DEVICE_NEVER UINT64_MAX
void mica_device_schedule(mica_device_t *dev, uint64_t at_ns);
/*
 * Drive the device's line: asserted or not (level-triggered, as the timer,
 * the 16550 and virtio-mmio's lines are). A line that goes from low to high
 * raises the IRQ; one still high after the handler's Ack raises it again.
 */
void mica_device_set_irq(mica_device_t *dev, bool asserted);
/*
 * DMA: copy between the simulated physical memory (RAM only) and a host
 * buffer. 0, or -1 when any byte of [paddr, paddr + n) is outside RAM (then
 * nothing is copied): the model reports the device's own error status.
 */
int mica_device_dma_read(mica_device_t *dev, mica_word_t paddr, void *buf, size_t n);
int mica_device_dma_write(mica_device_t *dev, mica_word_t paddr, const void *buf, size_t n);
/* An instant on the device's track of the trace and a line in --log (filter "irq"). */
void mica_device_trace(mica_device_t *dev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif /* MICA_DEVICE_H */
