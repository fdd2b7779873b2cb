/*
 * device.c - a driver's first steps, done with ordinary invocations
 * (include/mica/user.h, "devices"): find a device in the boot info, map its
 * register page, get its interrupt line as a notification.
 */
#include <string.h>
#include <mica/mica.h>
#include <mica/user.h>
#include "env.h"

const mica_device_desc_t *mica_device_find(const mica_bootinfo_t *bi, const char *name)
{
    for (mica_word_t i = 0; i < bi->num_devices && i < MICA_MAX_DEVICES; i++)
        if (strncmp(bi->devices[i].name, name, sizeof bi->devices[i].name) == 0)
            return &bi->devices[i];
    return NULL;
}

volatile void *mica_device_map(mica_env_t *env, const mica_device_desc_t *d)
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
        mica_env_fail(env, MICA_INVALID_ARGUMENT, 0, "%.*s: no device untyped covers 0x%lx",
                      (int)sizeof d->name, d->name, (unsigned long)d->paddr);
        return NULL;
    }
    /* A device untyped hands out frames in address order: retype until the device's page. */
    for (unsigned tries = 0; tries < 64; tries++) {
        mica_cptr_t frame = mica_env_slot(env);
        if (!frame)
            return NULL;            /* env says why */
        mica_error_t err = mica_untyped_retype(ut, MICA_FRAME_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0,
                                               frame, 1);
        if (err != MICA_NO_ERROR) {
            mica_env_fail(env, err, 0, "%.*s: Untyped_Retype of its frame: %s",
                          (int)sizeof d->name, d->name, mica_error_name(err));
            return NULL;
        }
        mica_page_get_address_t a = mica_page_get_address(frame);
        if (a.error != MICA_NO_ERROR || a.paddr > d->paddr)
            break;
        if (a.paddr < d->paddr)
            continue;               /* another device's page: left unused */
        mica_word_t vaddr = mica_env_vaddr(env, 1);
        if (!vaddr || mica_user_map(env, MICA_CAP_INIT_VSPACE, vaddr, frame, MICA_READ_WRITE))
            return NULL;            /* env says why */
        return mica_vaddr_to_ptr(vaddr);
    }
    mica_env_fail(env, MICA_INVALID_ARGUMENT, 0, "%.*s: its page 0x%lx was already retyped",
                  (int)sizeof d->name, d->name, (unsigned long)d->paddr);
    return NULL;
}

mica_cptr_t mica_irq_handler_make(mica_env_t *env, mica_word_t irq, mica_cptr_t ntfn)
{
    mica_cptr_t h = mica_env_slot(env);
    if (!h)
        return 0;
    mica_error_t err = mica_irq_control_get(MICA_CAP_IRQ_CONTROL, irq, MICA_CAP_INIT_CNODE, h,
                                            MICA_WORD_BITS);
    if (err == MICA_NO_ERROR)
        err = mica_irq_handler_set_notification(h, ntfn);
    if (err != MICA_NO_ERROR) {
        mica_env_fail(env, err, 0, "IRQ %lu: %s", (unsigned long)irq, mica_error_name(err));
        return 0;
    }
    return h;
}
