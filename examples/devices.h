/*
 * examples/devices.h - what the device examples (timer, interrupts,
 * console) share: find a device in the boot info's device table, map its
 * register page, and get its interrupt as a notification - the steps any
 * seL4 driver takes, done with ordinary capability invocations:
 *
 *   1. the boot info lists the device: name, register page paddr, IRQ;
 *   2. a device untyped covers that page: retype it into a frame
 *      (frames come out of an untyped in address order, so retype until
 *      the frame's paddr is the device's) and map the frame;
 *   3. IRQControl_Get makes an IRQHandler cap for the line, and
 *      IRQHandler_SetNotification names the notification it signals.
 *
 * The registers are then ordinary volatile memory to the driver: each
 * access is performed on the device model (mica traps it).
 */
#ifndef MICA_EXAMPLES_DEVICES_H
#define MICA_EXAMPLES_DEVICES_H

#include <stdio.h>
#include <mica/mica.h>

/* The device called name in the boot info, or NULL. */
static inline const mica_device_desc_t *ex_device(const mica_bootinfo_t *bi, const char *name)
{
    return mica_device_find(bi, name);
}

/*
 * Map the register page of d read-write into the caller's VSpace (steps 1
 * and 2, mica_device_map); its address, or NULL (and why, on stdout).
 */
static inline volatile void *ex_map_device(mica_env_t *env, const mica_device_desc_t *d)
{
    volatile void *regs = mica_device_map(env, d);
    if (!regs)
        printf("%s\n", mica_env_error_text(env));
    return regs;
}

/*
 * An IRQHandler cap for line irq that signals ntfn (whose badge the waiter
 * will see; step 3, mica_irq_handler_make); 0 on error (and why, on stdout).
 */
static inline mica_cptr_t ex_irq_handler(mica_env_t *env, mica_word_t irq, mica_cptr_t ntfn)
{
    mica_cptr_t h = mica_irq_handler_make(env, irq, ntfn);
    if (!h)
        printf("%s\n", mica_env_error_text(env));
    return h;
}

#endif /* MICA_EXAMPLES_DEVICES_H */
