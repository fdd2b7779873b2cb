/*
 * thread.c - a root task's slot, object and address allocation, and
 * threads in its own CSpace and VSpace (include/mica/user.h). Only system
 * calls and invocations: nothing here knows about the kernel's or the
 * simulator's internals.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <mica/mica.h>
#include <mica/user.h>
#include "env.h"

#define PAGE (1ul << MICA_PAGE_BITS)

void mica_env_fail(mica_env_t *env, mica_error_t err, unsigned res, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(env->why, sizeof env->why, fmt, ap);
    va_end(ap);
    env->error = err;
    if (res && !(env->reported & res)) {
        env->reported |= res;
        fprintf(stderr, "mica: %s\n", env->why);
    }
}

const char *mica_env_error_text(const mica_env_t *env)
{
    return env->why;
}

/* The root CNode's size, for messages. */
static unsigned long root_slots(const mica_env_t *env)
{
    return 1ul << env->bi->init_cnode_size_bits;
}

void mica_env_init(mica_env_t *env, const mica_bootinfo_t *bi)
{
    memset(env, 0, sizeof *env);
    env->bi = bi;
    env->next_slot = bi->empty.start;
    env->next_vaddr = MICA_ROOT_FREE_VADDR;
    env->error = MICA_NO_ERROR;
    env->untyped = 0;
    unsigned best = 0;
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const mica_untyped_desc_t *u = &bi->untyped_list[i];
        if (!u->is_device && u->size_bits > best) {
            best = u->size_bits;
            env->untyped = bi->untyped.start + i;
        }
    }
}

/* --- slots ------------------------------------------------------------------ */

mica_cptr_t mica_env_slot(mica_env_t *env)
{
    if (env->nfree)
        return env->free_slots[--env->nfree];
    return mica_env_slots(env, 1);
}

mica_cptr_t mica_env_slots(mica_env_t *env, mica_word_t n)
{
    if (n == 0) {
        mica_env_fail(env, MICA_INVALID_ARGUMENT, 0, "mica_env_slots: 0 slots asked for");
        return 0;
    }
    if (n > env->bi->empty.end - env->next_slot) {
        if (n == 1)
            mica_env_fail(env, MICA_RANGE_ERROR, MICA_ENV_RES_SLOTS,
                     "no free slot in the root CNode (%lu slots): free some with "
                     "mica_env_slot_free, or give the root CNode more (mica_config_t."
                     "root_cnode_bits)", root_slots(env));
        else
            mica_env_fail(env, MICA_RANGE_ERROR, MICA_ENV_RES_SLOTS,
                     "no %lu consecutive free slots in the root CNode (%lu slots, %lu free at "
                     "its end)", (unsigned long)n, root_slots(env),
                     (unsigned long)(env->bi->empty.end - env->next_slot));
        return 0;
    }
    mica_cptr_t first = env->next_slot;
    env->next_slot += n;
    return first;
}

/* Give back n empty slots from first: to the bump pointer if they are its last, else to the list. */
static void release_slots(mica_env_t *env, mica_cptr_t first, mica_word_t n)
{
    if (first + n == env->next_slot) {
        env->next_slot = first;
        return;
    }
    for (mica_word_t i = 0; i < n && env->nfree < MICA_ENV_FREE_SLOTS; i++)
        env->free_slots[env->nfree++] = first + i;
}

void mica_env_slot_free(mica_env_t *env, mica_cptr_t slot)
{
    if (slot == 0)
        return;
    mica_cnode_delete(MICA_CAP_INIT_CNODE, slot, MICA_WORD_BITS);    /* empty: a no-op */
    release_slots(env, slot, 1);
}

/* --- untyped ---------------------------------------------------------------- */

/*
 * Untyped_Retype of n objects from ut into slots first.. of the root CNode,
 * as a probe: NotEnoughMemory is an answer the caller expects, not a failure.
 */
static mica_error_t retype_probe(mica_cptr_t ut, mica_word_t type, mica_word_t size_bits,
                                 mica_cptr_t first, mica_word_t n)
{
    mica_user_mark_call(MICA_USER_MARK_EXPECT(MICA_NOT_ENOUGH_MEMORY));
    mica_error_t err = mica_untyped_retype(ut, type, size_bits, MICA_CAP_INIT_CNODE, 0, 0, first, n);
    mica_user_mark_call(0);
    return err;
}

/*
 * Retype n objects into slots first.. of the root CNode from one untyped:
 * the preferred one, else the first other RAM untyped with room (which
 * becomes the preferred one).
 */
static mica_error_t retype_into(mica_env_t *env, mica_word_t type, mica_word_t size_bits,
                                mica_cptr_t first, mica_word_t n)
{
    const mica_bootinfo_t *bi = env->bi;
    mica_error_t err = MICA_NOT_ENOUGH_MEMORY;
    /* Probes: NotEnoughMemory sends the search on to the next untyped (or a smaller n). */
    if (env->untyped)
        err = retype_probe(env->untyped, type, size_bits, first, n);
    for (mica_word_t i = 0; err == MICA_NOT_ENOUGH_MEMORY && i < bi->untyped.end - bi->untyped.start;
         i++) {
        mica_cptr_t ut = bi->untyped.start + i;
        if (ut == env->untyped || bi->untyped_list[i].is_device)
            continue;
        err = retype_probe(ut, type, size_bits, first, n);
        if (err == MICA_NO_ERROR)
            env->untyped = ut;
    }
    return err;
}

/* Why n objects of type could not be made. */
static void retype_failed(mica_env_t *env, mica_error_t err, mica_word_t type,
                          mica_word_t size_bits, mica_word_t n)
{
    if (err == MICA_NOT_ENOUGH_MEMORY)
        mica_env_fail(env, err, MICA_ENV_RES_MEMORY, "no untyped memory left for %lu %s object%s (size bits "
                 "%lu): every boot untyped is used up", (unsigned long)n,
                 mica_object_type_name((mica_object_type_t)type), n == 1 ? "" : "s",
                 (unsigned long)size_bits);
    else
        mica_env_fail(env, err, 0, "Untyped_Retype of %s: %s",
                 mica_object_type_name((mica_object_type_t)type), mica_error_name(err));
}

mica_cptr_t mica_env_make(mica_env_t *env, mica_word_t type, mica_word_t size_bits)
{
    mica_cptr_t slot = mica_env_slot(env);
    if (!slot)
        return 0;
    mica_error_t err = retype_into(env, type, size_bits, slot, 1);
    if (err != MICA_NO_ERROR) {
        retype_failed(env, err, type, size_bits, 1);
        release_slots(env, slot, 1);    /* the slot is still empty */
        return 0;
    }
    return slot;
}

mica_cptr_t mica_env_make_n(mica_env_t *env, mica_word_t type, mica_word_t size_bits,
                            mica_word_t n)
{
    mica_cptr_t first = mica_env_slots(env, n);
    if (!first)
        return 0;
    mica_word_t done = 0;
    while (done < n) {
        /* At most the fan-out limit per call; halve while no untyped has room for all. */
        mica_word_t k = n - done < MICA_RETYPE_FAN_OUT_LIMIT ? n - done : MICA_RETYPE_FAN_OUT_LIMIT;
        mica_error_t err = retype_into(env, type, size_bits, first + done, k);
        while (err == MICA_NOT_ENOUGH_MEMORY && k > 1) {
            k = (k + 1) / 2;
            err = retype_into(env, type, size_bits, first + done, k);
        }
        if (err != MICA_NO_ERROR) {
            for (mica_word_t i = 0; i < done; i++)
                mica_cnode_delete(MICA_CAP_INIT_CNODE, first + i, MICA_WORD_BITS);
            release_slots(env, first, n);
            retype_failed(env, err, type, size_bits, n);
            return 0;
        }
        done += k;
    }
    return first;
}

mica_cptr_t mica_env_mint(mica_env_t *env, mica_cptr_t src, mica_cap_rights_t rights,
                          mica_word_t badge)
{
    mica_cptr_t slot = mica_env_slot(env);
    if (!slot)
        return 0;
    mica_error_t err = mica_cnode_mint(MICA_CAP_INIT_CNODE, slot, MICA_WORD_BITS, MICA_CAP_INIT_CNODE,
                                       src, MICA_WORD_BITS, rights, badge);
    if (err != MICA_NO_ERROR) {
        mica_env_fail(env, err, 0, "CNode_Mint of slot %lu: %s", (unsigned long)src,
                 mica_error_name(err));
        release_slots(env, slot, 1);
        return 0;
    }
    return slot;
}

/* --- virtual addresses ---------------------------------------------------------- */

mica_word_t mica_env_vaddr(mica_env_t *env, mica_word_t pages)
{
    mica_word_t top = 1ul << MICA_VADDR_BITS;
    if (pages == 0) {
        mica_env_fail(env, MICA_INVALID_ARGUMENT, 0, "mica_env_vaddr: 0 pages asked for");
        return 0;
    }
    if (env->next_vaddr >= top || pages + 1 > (top - env->next_vaddr) / PAGE) {
        mica_env_fail(env, MICA_NOT_ENOUGH_MEMORY, MICA_ENV_RES_VADDRS,
                 "no room for %lu pages and a guard page in the root VSpace between its next "
                 "free address, 0x%lx, and its end at 2^%d", (unsigned long)pages,
                 (unsigned long)env->next_vaddr, MICA_VADDR_BITS);
        return 0;
    }
    mica_word_t v = env->next_vaddr;
    env->next_vaddr += (pages + 1) * PAGE;      /* and a guard page */
    return v;
}

/* --- threads -------------------------------------------------------------------- */

mica_error_t mica_thread_create(mica_env_t *env, const mica_thread_config_t *cfg,
                                mica_thread_t *t)
{
    mica_error_t err;
    memset(t, 0, sizeof *t);
    t->tcb = mica_env_make(env, MICA_TCB_OBJECT, 0);
    if (!t->tcb)
        return env->error;
    t->ipc_frame = mica_env_make(env, MICA_FRAME_OBJECT, 0);
    if (!t->ipc_frame)
        return env->error;
    if (cfg->stack_pages == 0) {
        /*
         * A host stack. The IPC buffer's vaddr only has to be a page of the
         * free region: the kernel reaches the buffer through the frame cap.
         */
        t->ipc_vaddr = env->next_vaddr;
        env->next_vaddr += PAGE;
    } else {
        /* [IPC buffer][guard][stack ...][guard]: overflow runs into the lower guard. */
        mica_word_t v = mica_env_vaddr(env, cfg->stack_pages + 2);
        if (!v)
            return env->error;
        t->ipc_vaddr = v;
        t->stack_pages = cfg->stack_pages;
        t->stack_top = v + (cfg->stack_pages + 2) * PAGE;
        err = mica_user_map(env, MICA_CAP_INIT_VSPACE, v, t->ipc_frame, MICA_READ_WRITE);
        if (err == MICA_NO_ERROR)
            err = mica_user_map_pages(env, MICA_CAP_INIT_VSPACE, v + 2 * PAGE, cfg->stack_pages,
                                      MICA_READ_WRITE, &t->stack_frames);
        if (err != MICA_NO_ERROR)
            return err;         /* env says why */
    }
    err = mica_tcb_configure(t->tcb, cfg->fault_ep, MICA_CAP_INIT_CNODE, 0, MICA_CAP_INIT_VSPACE, 0,
                             t->ipc_vaddr, t->ipc_frame);
    if (err != MICA_NO_ERROR) {
        mica_env_fail(env, err, 0, "TCB_Configure: %s", mica_error_name(err));
        return err;
    }
    err = mica_tcb_set_priority(t->tcb, MICA_CAP_INIT_TCB, cfg->prio);
    if (err != MICA_NO_ERROR) {
        mica_env_fail(env, err, 0, "TCB_SetPriority %lu: %s", (unsigned long)cfg->prio,
                      mica_error_name(err));
        return err;
    }
    if (cfg->name)
        mica_debug_name_thread(t->tcb, cfg->name);
    return MICA_NO_ERROR;
}

mica_error_t mica_thread_start(const mica_thread_t *t, mica_entry_fn entry, mica_word_t r0,
                               mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    mica_user_context_t regs = { 0 };
    regs.pc = (mica_word_t)entry;
    regs.sp = t->stack_top;                 /* 0: a host stack */
    regs.r0 = r0;
    regs.r1 = r1;
    regs.r2 = r2;
    regs.r3 = r3;
    return mica_tcb_write_registers(t->tcb, 1, 0, 6, &regs);
}

/* Every spawned thread starts here: r0 is its function, r1 its argument. */
static void thread_entry(mica_word_t fn, mica_word_t arg, mica_word_t r2, mica_word_t r3)
{
    (void)r2;
    (void)r3;
    ((mica_thread_fn)fn)(arg);
}

mica_cptr_t mica_thread_spawn(mica_env_t *env, const char *name, mica_thread_fn fn,
                              mica_word_t arg, mica_word_t prio)
{
    mica_thread_config_t cfg = { .name = name, .prio = prio };
    mica_thread_t t;
    if (mica_thread_create(env, &cfg, &t) != MICA_NO_ERROR)
        return 0;
    mica_error_t err = mica_thread_start(&t, thread_entry, (mica_word_t)fn, arg, 0, 0);
    if (err != MICA_NO_ERROR) {
        mica_env_fail(env, err, 0, "starting thread '%s' (TCB_WriteRegisters): %s",
                      name ? name : "", mica_error_name(err));
        return 0;
    }
    return t.tcb;
}
