/*
 * cspace.c - capability addressing.
 *
 * A CPtr is resolved from the most significant end of its n_bits: each
 * CNode consumes guard_size bits that must equal its guard, then radix bits
 * that index a slot. Resolution stops at a non-CNode cap (invocation lookup
 * ignores the bits left) or when the bits run out.
 */
#include "cspace.h"
#include "state.h"

void lookup_fault_invalid_root(void)
{
    ks.lookup_fault = (lookup_fault_t){ MICA_INVALID_ROOT, 0, 0, 0 };
}

void lookup_fault_missing_capability(word_t bits_left)
{
    ks.lookup_fault = (lookup_fault_t){ MICA_MISSING_CAPABILITY, bits_left, 0, 0 };
}

void lookup_fault_depth_mismatch(word_t bits_left, word_t bits_found)
{
    ks.lookup_fault = (lookup_fault_t){ MICA_DEPTH_MISMATCH, bits_left, 0, bits_found };
}

void lookup_fault_guard_mismatch(word_t bits_left, word_t guard_found, word_t bits_found)
{
    ks.lookup_fault = (lookup_fault_t){ MICA_GUARD_MISMATCH, bits_left, guard_found, bits_found };
}

/* seL4: resolveAddressBits */
resolve_ret_t resolve_address_bits(cap_t node, cptr_t cptr, word_t n_bits)
{
    resolve_ret_t ret = { EXCEPTION_NONE, NULL, n_bits };

    if (cap_type(node) != MICA_CAP_TYPE_CNODE) {
        lookup_fault_invalid_root();
        ret.status = EXCEPTION_LOOKUP_FAULT;
        return ret;
    }
    for (;;) {
        word_t radix = cap_cnode_radix(node);
        word_t guard_size = cap_cnode_guard_size(node);
        word_t level_bits = radix + guard_size;
        word_t cap_guard = cap_cnode_guard(node);
        /* The guard is the top guard_size bits of what is left. */
        word_t guard = (cptr >> ((n_bits - guard_size) & 63)) & MASK(guard_size);

        kassert(level_bits != 0);
        if (guard_size > n_bits || guard != cap_guard) {
            lookup_fault_guard_mismatch(n_bits, cap_guard, guard_size);
            ret.status = EXCEPTION_LOOKUP_FAULT;
            return ret;
        }
        if (level_bits > n_bits) {
            lookup_fault_depth_mismatch(n_bits, level_bits);
            ret.status = EXCEPTION_LOOKUP_FAULT;
            return ret;
        }
        word_t offset = (cptr >> (n_bits - level_bits)) & MASK(radix);
        cte_t *slot = cap_cnode_slots(node) + offset;
        if (n_bits == level_bits) {
            ret.slot = slot;
            ret.bits_remaining = 0;
            return ret;
        }
        n_bits -= level_bits;
        if (cap_type(slot->cap) != MICA_CAP_TYPE_CNODE) {
            ret.slot = slot;
            ret.bits_remaining = n_bits;
            return ret;
        }
        node = slot->cap;
    }
}

/* seL4: lookupSlot - resolve all 64 bits in the thread's CSpace. */
lookup_slot_ret_t lookup_slot(paddr_t thread, cptr_t cptr)
{
    cap_t root = tcb_slot(thread, TCB_CTABLE)->cap;
    resolve_ret_t r = resolve_address_bits(root, cptr, MICA_WORD_BITS);
    return (lookup_slot_ret_t){ r.status, r.slot };
}

/* seL4: lookupSlotForCNodeOp */
lookup_slot_ret_t lookup_slot_for_cnode_op(bool is_source, cap_t root, cptr_t cptr, word_t depth)
{
    lookup_slot_ret_t ret = { EXCEPTION_NONE, NULL };

    if (cap_type(root) != MICA_CAP_TYPE_CNODE) {
        user_error("%s CNode root is a %s cap, not a CNode", is_source ? "source" : "destination",
                   mica_cap_type_name(cap_type(root)));
        ks.syscall_error.type = MICA_FAILED_LOOKUP;
        ks.syscall_error.failed_lookup_was_source = is_source;
        lookup_fault_invalid_root();
        ret.status = EXCEPTION_SYSCALL_ERROR;
        return ret;
    }
    if (depth < 1 || depth > MICA_WORD_BITS) {
        user_error("depth %lu is outside 1..%d", (unsigned long)depth, MICA_WORD_BITS);
        ks.syscall_error.type = MICA_RANGE_ERROR;
        ks.syscall_error.range_min = 1;
        ks.syscall_error.range_max = MICA_WORD_BITS;
        ret.status = EXCEPTION_SYSCALL_ERROR;
        return ret;
    }
    resolve_ret_t r = resolve_address_bits(root, cptr, depth);
    if (r.status != EXCEPTION_NONE) {
        user_error("%s slot %lu at depth %lu does not resolve (lookup failure %lu)",
                   is_source ? "source" : "destination", (unsigned long)cptr,
                   (unsigned long)depth, (unsigned long)ks.lookup_fault.type);
        ks.syscall_error.type = MICA_FAILED_LOOKUP;
        ks.syscall_error.failed_lookup_was_source = is_source;
        ret.status = EXCEPTION_SYSCALL_ERROR;
        return ret;
    }
    if (r.bits_remaining != 0) {
        user_error("%s slot %lu at depth %lu: %lu bits left after a non-CNode cap",
                   is_source ? "source" : "destination", (unsigned long)cptr,
                   (unsigned long)depth, (unsigned long)r.bits_remaining);
        ks.syscall_error.type = MICA_FAILED_LOOKUP;
        ks.syscall_error.failed_lookup_was_source = is_source;
        lookup_fault_depth_mismatch(r.bits_remaining, 0);
        ret.status = EXCEPTION_SYSCALL_ERROR;
        return ret;
    }
    ret.slot = r.slot;
    return ret;
}
