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
#include <string.h>
#include <mica/mica.h>

/* The device called name in the boot info, or NULL. */
static inline const mica_device_desc_t *ex_device(const mica_bootinfo_t *bi, const char *name)
{
    for (mica_word_t i = 0; i < bi->num_devices && i < MICA_MAX_DEVICES; i++)
        if (strncmp(bi->devices[i].name, name, sizeof bi->devices[i].name) == 0)
            return &bi->devices[i];
    return NULL;
}

/*
 * Map the register page of d read-write into the caller's VSpace; its
 * address, or NULL (and why, on stdout).
 */
static inline volatile void *ex_map_device(mica_env_t *env, const mica_device_desc_t *d)
{
    const mica_bootinfo_t *bi = env->bi;
    mica_cptr_t ut = 0;
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const mica_untyped_desc_t *u = &bi->untyped_list[i];
        if (u->is_device && d->paddr >= u->paddr &&
            d->paddr - u->paddr < ((mica_word_t)1 << u->size_bits))
            ut = bi->untyped.start + i;
    }
    if (!ut) {
        printf("%s: no device untyped covers 0x%lx\n", d->name, (unsigned long)d->paddr);
        return NULL;
    }
    /* Frames come out of the untyped in address order: retype until we reach the page. */
    for (unsigned tries = 0; tries < 64; tries++) {
        mica_cptr_t frame = mica_env_slot(env);
        mica_error_t err = frame ? mica_untyped_retype(ut, MICA_FRAME_OBJECT, 0, MICA_CAP_INIT_CNODE,
                                                       0, 0, frame, 1)
                                 : env->error;
        if (err != MICA_NO_ERROR) {
            printf("%s: Untyped_Retype of its frame: %s\n", d->name, mica_error_name(err));
            return NULL;
        }
        mica_page_get_address_t a = mica_page_get_address(frame);
        if (a.error != MICA_NO_ERROR || a.paddr > d->paddr)
            break;
        if (a.paddr < d->paddr)
            continue;               /* another device's page: keep it unused */
        mica_word_t vaddr = mica_env_vaddr(env, 1);
        err = vaddr ? mica_user_map(env, MICA_CAP_INIT_VSPACE, vaddr, frame, MICA_READ_WRITE)
                    : env->error;
        if (err != MICA_NO_ERROR) {
            printf("%s: mapping its registers: %s\n", d->name, mica_env_error_text(env));
            return NULL;
        }
        return mica_vaddr_to_ptr(vaddr);
    }
    printf("%s: its page 0x%lx is not in its untyped any more\n", d->name, (unsigned long)d->paddr);
    return NULL;
}

/*
 * An IRQHandler cap for line irq that signals ntfn (whose badge the waiter
 * will see); 0 on error (and why, on stdout).
 */
static inline mica_cptr_t ex_irq_handler(mica_env_t *env, mica_word_t irq, mica_cptr_t ntfn)
{
    mica_cptr_t h = mica_env_slot(env);
    mica_error_t err = h ? mica_irq_control_get(MICA_CAP_IRQ_CONTROL, irq, MICA_CAP_INIT_CNODE, h,
                                                MICA_WORD_BITS)
                         : env->error;
    if (err == MICA_NO_ERROR)
        err = mica_irq_handler_set_notification(h, ntfn);
    if (err != MICA_NO_ERROR) {
        printf("IRQ %lu: %s\n", (unsigned long)irq, mica_error_name(err));
        return 0;
    }
    return h;
}

#endif /* MICA_EXAMPLES_DEVICES_H */
