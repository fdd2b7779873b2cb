/*
 * objecttype.c - every switch over cap types lives here (seL4: objecttype.c).
 * -Wswitch-enum keeps each switch exhaustive.
 */
#include "objecttype.h"
#include "cdt.h"
#include "state.h"
#include "thread.h"
#include "trace.h"
#include "object/object.h"

/* seL4: getObjectSize */
word_t object_size_bits(word_t type, word_t user_bits)
{
    switch ((mica_object_type_t)type) {
    case MICA_UNTYPED_OBJECT:      return user_bits;
    case MICA_TCB_OBJECT:          return MICA_TCB_BITS;
    case MICA_ENDPOINT_OBJECT:     return MICA_ENDPOINT_BITS;
    case MICA_NOTIFICATION_OBJECT: return MICA_NOTIFICATION_BITS;
    case MICA_CNODE_OBJECT:        return MICA_SLOT_BITS + user_bits;
    case MICA_FRAME_OBJECT:        return MICA_PAGE_BITS;
    case MICA_LARGE_FRAME_OBJECT:  return MICA_LARGE_PAGE_BITS;
    case MICA_PAGE_TABLE_OBJECT:   return MICA_PAGE_TABLE_BITS;
    case MICA_VSPACE_OBJECT:       return MICA_VSPACE_BITS;
    case MICA_PDPT_OBJECT:         return MICA_PDPT_BITS;
    case MICA_PAGE_DIRECTORY_OBJECT: return MICA_PAGE_DIRECTORY_BITS;
    case MICA_HUGE_FRAME_OBJECT:   return MICA_HUGE_PAGE_BITS;
    case MICA_OBJECT_TYPE_COUNT:   break;
    }
    kfail("invalid object type");
}

/* seL4: createObject - memory above an untyped's watermark is already zero. */
cap_t create_object(word_t type, paddr_t p, word_t user_bits, bool device)
{
    ks.count.objects[type]++;
    trace_object(true, mica_object_type_name((mica_object_type_t)type), p,
                 object_size_bits(type, user_bits));
    switch ((mica_object_type_t)type) {
    case MICA_UNTYPED_OBJECT:
        return cap_untyped_new(p, (unsigned)user_bits, device, 0);
    case MICA_TCB_OBJECT:
        tcb_init_object(p);
        return cap_tcb_new(p);
    case MICA_ENDPOINT_OBJECT:
        return cap_endpoint_new(p, RIGHTS_ALL, 0);
    case MICA_NOTIFICATION_OBJECT:
        return cap_notification_new(p, RIGHT_READ | RIGHT_WRITE, 0);
    case MICA_CNODE_OBJECT:
        return cap_cnode_new(p, (unsigned)user_bits, 0, 0);
    case MICA_FRAME_OBJECT:
        return cap_frame_new(p, MICA_PAGE_BITS, RIGHT_READ | RIGHT_WRITE, device);
    case MICA_LARGE_FRAME_OBJECT:
        return cap_frame_new(p, MICA_LARGE_PAGE_BITS, RIGHT_READ | RIGHT_WRITE, device);
    case MICA_PAGE_TABLE_OBJECT:
        return cap_page_table_new(p);
    case MICA_VSPACE_OBJECT:
        vspace_init_object(p);
        return cap_vspace_new(p);
    case MICA_PDPT_OBJECT:
        return cap_pdpt_new(p);
    case MICA_PAGE_DIRECTORY_OBJECT:
        return cap_page_directory_new(p);
    case MICA_HUGE_FRAME_OBJECT:
        return cap_frame_new(p, MICA_HUGE_PAGE_BITS, RIGHT_READ | RIGHT_WRITE, device);
    case MICA_OBJECT_TYPE_COUNT:
        break;
    }
    kfail("invalid object type");
}

/* The physical range a cap names: base and log2 size (0 = no memory). */
paddr_t cap_region_base(cap_t c)
{
    switch (cap_type(c)) {
    case MICA_CAP_TYPE_UNTYPED:
    case MICA_CAP_TYPE_ENDPOINT:
    case MICA_CAP_TYPE_NOTIFICATION:
    case MICA_CAP_TYPE_CNODE:
    case MICA_CAP_TYPE_TCB:
    case MICA_CAP_TYPE_ZOMBIE:
    case MICA_CAP_TYPE_FRAME:
    case MICA_CAP_TYPE_PAGE_TABLE:
    case MICA_CAP_TYPE_VSPACE:
    case MICA_CAP_TYPE_PDPT:
    case MICA_CAP_TYPE_PAGE_DIRECTORY:
        return cap_obj(c);
    case MICA_CAP_TYPE_NULL:
    case MICA_CAP_TYPE_REPLY:
    case MICA_CAP_TYPE_IRQ_CONTROL:
    case MICA_CAP_TYPE_IRQ_HANDLER:
    case MICA_CAP_TYPE_COUNT:
        break;
    }
    return 0;
}

word_t cap_region_bits(cap_t c)
{
    switch (cap_type(c)) {
    case MICA_CAP_TYPE_UNTYPED:      return cap_untyped_size_bits(c);
    case MICA_CAP_TYPE_ENDPOINT:     return MICA_ENDPOINT_BITS;
    case MICA_CAP_TYPE_NOTIFICATION: return MICA_NOTIFICATION_BITS;
    case MICA_CAP_TYPE_CNODE:        return MICA_SLOT_BITS + cap_cnode_radix(c);
    case MICA_CAP_TYPE_TCB:          return MICA_TCB_BITS;
    case MICA_CAP_TYPE_ZOMBIE:
        return cap_zombie_type(c) == ZOMBIE_TCB ? MICA_TCB_BITS : MICA_SLOT_BITS + cap_zombie_type(c);
    case MICA_CAP_TYPE_FRAME:        return cap_frame_size_bits(c);
    case MICA_CAP_TYPE_PAGE_TABLE:   return MICA_PAGE_TABLE_BITS;
    case MICA_CAP_TYPE_VSPACE:       return MICA_VSPACE_BITS;
    case MICA_CAP_TYPE_PDPT:         return MICA_PDPT_BITS;
    case MICA_CAP_TYPE_PAGE_DIRECTORY: return MICA_PAGE_DIRECTORY_BITS;
    case MICA_CAP_TYPE_NULL:
    case MICA_CAP_TYPE_REPLY:
    case MICA_CAP_TYPE_IRQ_CONTROL:
    case MICA_CAP_TYPE_IRQ_HANDLER:
    case MICA_CAP_TYPE_COUNT:
        break;
    }
    return 0;
}

cte_t *cap_slots(cap_t c, word_t *n)
{
    switch (cap_type(c)) {
    case MICA_CAP_TYPE_CNODE:
        *n = BIT(cap_cnode_radix(c));
        return cap_cnode_slots(c);
    case MICA_CAP_TYPE_TCB:
        *n = MICA_TCB_CNODE_ENTRIES;
        return tcb_slot(cap_obj(c), 0);
    case MICA_CAP_TYPE_ZOMBIE:
        *n = cap_zombie_size(c);
        return (cte_t *)paddr_to_ptr(cap_obj(c));
    default:
        *n = 0;
        return NULL;
    }
}

/* seL4: isCapRevocable */
bool is_cap_revocable(cap_t derived, cap_t src)
{
    switch (cap_type(derived)) {
    case MICA_CAP_TYPE_ENDPOINT:
    case MICA_CAP_TYPE_NOTIFICATION:
        return cap_badge(derived) != cap_badge(src);
    case MICA_CAP_TYPE_IRQ_HANDLER:
        return cap_type(src) == MICA_CAP_TYPE_IRQ_CONTROL;
    case MICA_CAP_TYPE_UNTYPED:
        return true;
    default:
        return false;
    }
}

/* seL4: deriveCap (with Arch_deriveCap for the paging caps) */
derive_cap_ret_t derive_cap(cte_t *slot, cap_t cap)
{
    derive_cap_ret_t ret = { EXCEPTION_NONE, cap };

    switch (cap_type(cap)) {
    case MICA_CAP_TYPE_ZOMBIE:
    case MICA_CAP_TYPE_IRQ_CONTROL:
    case MICA_CAP_TYPE_REPLY:
        ret.cap = cap_null();
        break;
    case MICA_CAP_TYPE_UNTYPED:
        ret.status = ensure_no_children(slot);
        if (ret.status != EXCEPTION_NONE) {
            user_error("an untyped with children cannot be copied: revoke it first");
            ret.cap = cap_null();
        }
        break;
    case MICA_CAP_TYPE_FRAME:
        ret.cap.word = 0;   /* a copy is an unmapped cap to the same frame */
        break;
    case MICA_CAP_TYPE_PAGE_TABLE:
    case MICA_CAP_TYPE_PAGE_DIRECTORY:
    case MICA_CAP_TYPE_PDPT:
        /* seL4 x86_64 Arch_deriveCap: only a mapped paging structure's cap is copied. */
        if (!cap_is_mapped(cap)) {
            user_error("deriving an unmapped %s cap", mica_cap_type_name(cap_type(cap)));
            ks.syscall_error.type = MICA_ILLEGAL_OPERATION;
            ret.status = EXCEPTION_SYSCALL_ERROR;
            ret.cap = cap_null();
        }
        break;
    case MICA_CAP_TYPE_NULL:
    case MICA_CAP_TYPE_ENDPOINT:
    case MICA_CAP_TYPE_NOTIFICATION:
    case MICA_CAP_TYPE_CNODE:
    case MICA_CAP_TYPE_TCB:
    case MICA_CAP_TYPE_IRQ_HANDLER:
    case MICA_CAP_TYPE_VSPACE:
    case MICA_CAP_TYPE_COUNT:
        break;
    }
    return ret;
}

/* seL4: updateCapData - apply Mint/Mutate cap data; a null result is refused. */
cap_t update_cap_data(bool preserve, word_t data, cap_t cap)
{
    switch (cap_type(cap)) {
    case MICA_CAP_TYPE_ENDPOINT:
    case MICA_CAP_TYPE_NOTIFICATION:
        if (!preserve && cap_badge(cap) == 0) {
            cap.word = data;
            return cap;
        }
        return cap_null();
    case MICA_CAP_TYPE_CNODE: {
        word_t guard_size = data & 0x3f;
        if (guard_size + cap_cnode_radix(cap) > MICA_WORD_BITS)
            return cap_null();
        word_t guard = (data >> 6) & MASK(guard_size);
        return cap_cnode_new(cap_obj(cap), cap_cnode_radix(cap), (unsigned)guard_size, guard);
    }
    default:
        return cap;
    }
}

/* seL4: maskCapRights - rights only ever shrink. */
cap_t mask_cap_rights(unsigned rights, cap_t cap)
{
    switch (cap_type(cap)) {
    case MICA_CAP_TYPE_ENDPOINT:
        cap.f1 &= (uint8_t)rights;
        return cap;
    case MICA_CAP_TYPE_NOTIFICATION:
    case MICA_CAP_TYPE_FRAME:
        cap.f1 &= (uint8_t)(rights & (RIGHT_READ | RIGHT_WRITE));
        return cap;
    case MICA_CAP_TYPE_REPLY:
        cap.f2 = cap.f2 && (rights & RIGHT_GRANT);
        return cap;
    default:
        return cap;
    }
}

/* seL4: finaliseCap (and Arch_finaliseCap) */
finalise_cap_ret_t finalise_cap(cap_t cap, bool final)
{
    finalise_cap_ret_t ret = { cap_null(), ~0ull };

    switch (cap_type(cap)) {
    case MICA_CAP_TYPE_ENDPOINT:
        if (final)
            cancel_all_ipc(cap_obj(cap));
        break;
    case MICA_CAP_TYPE_NOTIFICATION:
        if (final) {
            unbind_maybe_notification(cap_obj(cap));
            cancel_all_signals(cap_obj(cap));
        }
        break;
    case MICA_CAP_TYPE_CNODE:
        if (final)
            ret.remainder = cap_zombie_new(cap_obj(cap), cap_cnode_radix(cap),
                                           BIT(cap_cnode_radix(cap)));
        break;
    case MICA_CAP_TYPE_TCB:
        if (final) {
            paddr_t t = cap_obj(cap);
            unbind_notification(t);
            suspend(t);
            tcb_destroy(t);
            ret.remainder = cap_zombie_new(t, ZOMBIE_TCB, MICA_TCB_CNODE_ENTRIES);
        }
        break;
    case MICA_CAP_TYPE_ZOMBIE:
        ret.remainder = cap;
        break;
    case MICA_CAP_TYPE_IRQ_HANDLER:
        if (final)
            deleting_irq_handler(cap_irq(cap));
        break;
    case MICA_CAP_TYPE_FRAME:
        if (cap_is_mapped(cap))
            unmap_frame_cap(cap);
        break;
    case MICA_CAP_TYPE_PAGE_TABLE:
    case MICA_CAP_TYPE_PAGE_DIRECTORY:
    case MICA_CAP_TYPE_PDPT:
        /* seL4: Arch_finaliseCap - unmapPageTable / unmapPageDirectory / unmapPDPT */
        if (final && cap_is_mapped(cap))
            unmap_table_cap(cap);
        break;
    case MICA_CAP_TYPE_VSPACE:
        if (final)
            vspace_delete(cap_obj(cap));
        break;
    case MICA_CAP_TYPE_NULL:
    case MICA_CAP_TYPE_REPLY:
    case MICA_CAP_TYPE_UNTYPED:
    case MICA_CAP_TYPE_IRQ_CONTROL:
    case MICA_CAP_TYPE_COUNT:
        break;
    }
    if (final && cap_type(cap) != MICA_CAP_TYPE_ZOMBIE && cap_region_bits(cap) != 0 &&
        cap_type(cap) != MICA_CAP_TYPE_UNTYPED)
        trace_object(false, mica_cap_type_name(cap_type(cap)), cap_region_base(cap),
                     cap_region_bits(cap));
    return ret;
}

/* seL4: decodeInvocation */
exception_t decode_invocation(word_t label, word_t length, cptr_t cptr, cte_t *slot, cap_t cap,
                              bool block, bool call, word_t *buffer)
{
    paddr_t cur = NODE.cur_thread;

    switch (cap_type(cap)) {
    case MICA_CAP_TYPE_NULL:
    case MICA_CAP_TYPE_ZOMBIE:
        user_error("invoked cap 0x%lx is %s", (unsigned long)cptr,
                   cap_is_null(cap) ? "empty" : "a zombie");
        ks.syscall_error.type = MICA_INVALID_CAPABILITY;
        ks.syscall_error.invalid_cap_number = 0;
        return EXCEPTION_SYSCALL_ERROR;
    case MICA_CAP_TYPE_ENDPOINT:
        if (!(cap_rights(cap) & RIGHT_WRITE)) {
            user_error("send on endpoint cap 0x%lx without Write right", (unsigned long)cptr);
            ks.syscall_error.type = MICA_INVALID_CAPABILITY;
            ks.syscall_error.invalid_cap_number = 0;
            return EXCEPTION_SYSCALL_ERROR;
        }
        set_thread_state(cur, MICA_THREAD_RESTART);
        send_ipc(block, call, cap_badge(cap), (cap_rights(cap) & RIGHT_GRANT) != 0,
                 (cap_rights(cap) & RIGHT_GRANT_REPLY) != 0, cur, cap_obj(cap));
        return EXCEPTION_NONE;
    case MICA_CAP_TYPE_NOTIFICATION:
        if (!(cap_rights(cap) & RIGHT_WRITE)) {
            user_error("signal on notification cap 0x%lx without Write right", (unsigned long)cptr);
            ks.syscall_error.type = MICA_INVALID_CAPABILITY;
            ks.syscall_error.invalid_cap_number = 0;
            return EXCEPTION_SYSCALL_ERROR;
        }
        set_thread_state(cur, MICA_THREAD_RESTART);
        send_signal(cap_obj(cap), cap_badge(cap));
        return EXCEPTION_NONE;
    case MICA_CAP_TYPE_REPLY:
        if (cap_reply_is_master(cap)) {
            user_error("a master reply cap cannot be invoked");
            ks.syscall_error.type = MICA_INVALID_CAPABILITY;
            ks.syscall_error.invalid_cap_number = 0;
            return EXCEPTION_SYSCALL_ERROR;
        }
        set_thread_state(cur, MICA_THREAD_RESTART);
        do_reply_transfer(cur, cap_obj(cap), slot, cap_reply_can_grant(cap));
        return EXCEPTION_NONE;
    case MICA_CAP_TYPE_TCB:
        return decode_tcb_invocation(label, length, cap, slot, call, buffer);
    case MICA_CAP_TYPE_CNODE:
        return decode_cnode_invocation(label, length, cap, buffer);
    case MICA_CAP_TYPE_UNTYPED:
        return decode_untyped_invocation(label, length, slot, cap, buffer);
    case MICA_CAP_TYPE_IRQ_CONTROL:
        return decode_irq_control_invocation(label, length, slot, buffer);
    case MICA_CAP_TYPE_IRQ_HANDLER:
        return decode_irq_handler_invocation(label, cap_irq(cap));
    case MICA_CAP_TYPE_FRAME:
    case MICA_CAP_TYPE_PAGE_TABLE:
    case MICA_CAP_TYPE_PAGE_DIRECTORY:
    case MICA_CAP_TYPE_PDPT:
    case MICA_CAP_TYPE_VSPACE:
        return decode_vspace_invocation(label, length, slot, cap, buffer);
    case MICA_CAP_TYPE_COUNT:
        break;
    }
    kfail("invalid cap type");
}
