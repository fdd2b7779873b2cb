/*
 * object/untyped.c - Untyped_Retype (seL4: object/untyped.c).
 *
 * An untyped cap hands out its region from a watermark (free_index, in
 * bytes). When the cap has no children the watermark resets to 0 and the
 * used prefix is zeroed, so memory above every watermark is always zero and
 * new objects need no clearing.
 */
#include "object.h"
#include "../cdt.h"
#include "../cspace.h"
#include "../objecttype.h"
#include "../state.h"
#include "../thread.h"

static bool is_frame_type(word_t t)
{
    return t == MICA_FRAME_OBJECT || t == MICA_LARGE_FRAME_OBJECT;
}

/*
 * seL4: resetUntypedCap - zero the used prefix and move the watermark to 0.
 * seL4 clears it in preemptible chunks; here the machine clears it
 * (hw_phys_zero), so that reusing a revoked 2 GiB untyped costs
 * microseconds, not a pass over 2 GiB of host memory.
 */
static void reset_untyped_cap(cte_t *slot)
{
    cap_t c = slot->cap;
    word_t used = cap_untyped_free_index(c);
    if (used != 0 && !cap_untyped_is_device(c)) {
        hw_phys_zero(cap_obj(c), used);
        hw_phys_dma_allow(cap_obj(c), used, 0);
    }
    cap_untyped_set_free_index(&slot->cap, 0);
}

/* seL4: invokeUntyped_Retype */
static exception_t invoke_untyped_retype(cte_t *src, bool reset, paddr_t retype_base,
                                         word_t type, word_t user_bits, cte_t *dest,
                                         word_t count, bool device)
{
    word_t obj_bits = object_size_bits(type, user_bits);
    paddr_t region = cap_obj(src->cap);

    if (reset)
        reset_untyped_cap(src);
    cap_untyped_set_free_index(&src->cap, retype_base + (count << obj_bits) - region);
    /* Only frames are memory a device may reach by DMA (hw.h). */
    if (!device)
        hw_phys_dma_allow(retype_base, count << obj_bits,
                          type == MICA_FRAME_OBJECT || type == MICA_LARGE_FRAME_OBJECT);
    /* seL4: createNewObjects */
    for (word_t i = 0; i < count; i++) {
        cap_t c = create_object(type, retype_base + (i << obj_bits), user_bits, device);
        insert_new_cap(src, &dest[i], c);
    }
    return EXCEPTION_NONE;
}

/* seL4: decodeUntypedInvocation - checks in seL4's order. */
exception_t decode_untyped_invocation(word_t label, word_t length, cte_t *slot, cap_t cap,
                                      word_t *buffer)
{
    if (label != MICA_UNTYPED_RETYPE) {
        user_error("Untyped: label %lu (%s) is not Untyped_Retype", (unsigned long)label,
                   mica_invocation_name(label));
        ks.syscall_error.type = MICA_ILLEGAL_OPERATION;
        return EXCEPTION_SYSCALL_ERROR;
    }
    if (length < 6 || ks.extra_caps[0] == NULL) {
        user_error("Untyped_Retype: needs 6 message words and 1 extra cap, got %lu words",
                   (unsigned long)length);
        ks.syscall_error.type = MICA_TRUNCATED_MESSAGE;
        return EXCEPTION_SYSCALL_ERROR;
    }
    word_t type = get_syscall_arg(0, buffer);
    word_t user_bits = get_syscall_arg(1, buffer);
    word_t node_index = get_syscall_arg(2, buffer);
    word_t node_depth = get_syscall_arg(3, buffer);
    word_t node_offset = get_syscall_arg(4, buffer);
    word_t node_window = get_syscall_arg(5, buffer);
    cap_t root = ks.extra_caps[0]->cap;

    if (type >= MICA_OBJECT_TYPE_COUNT) {
        user_error("Untyped_Retype: object type %lu does not exist", (unsigned long)type);
        ks.syscall_error.type = MICA_INVALID_ARGUMENT;
        ks.syscall_error.invalid_argument_number = 0;
        return EXCEPTION_SYSCALL_ERROR;
    }
    word_t obj_bits = user_bits >= MICA_WORD_BITS ? MICA_WORD_BITS : object_size_bits(type, user_bits);
    if (user_bits >= MICA_WORD_BITS || obj_bits > MICA_MAX_UNTYPED_BITS) {
        user_error("Untyped_Retype: object size 2^%lu is above 2^%d", (unsigned long)obj_bits,
                   MICA_MAX_UNTYPED_BITS);
        ks.syscall_error.type = MICA_RANGE_ERROR;
        ks.syscall_error.range_min = 0;
        ks.syscall_error.range_max = MICA_MAX_UNTYPED_BITS;
        return EXCEPTION_SYSCALL_ERROR;
    }
    if (type == MICA_CNODE_OBJECT && user_bits == 0) {
        user_error("Untyped_Retype: a CNode needs at least 1 radix bit");
        ks.syscall_error.type = MICA_INVALID_ARGUMENT;
        ks.syscall_error.invalid_argument_number = 1;
        return EXCEPTION_SYSCALL_ERROR;
    }
    if (type == MICA_UNTYPED_OBJECT && user_bits < MICA_MIN_UNTYPED_BITS) {
        user_error("Untyped_Retype: an untyped needs at least %d size bits, got %lu",
                   MICA_MIN_UNTYPED_BITS, (unsigned long)user_bits);
        ks.syscall_error.type = MICA_INVALID_ARGUMENT;
        ks.syscall_error.invalid_argument_number = 1;
        return EXCEPTION_SYSCALL_ERROR;
    }

    cap_t dest_cnode;
    if (node_depth == 0) {
        dest_cnode = root;
    } else {
        lookup_slot_ret_t lu = lookup_target_slot(root, node_index, node_depth);
        if (lu.status != EXCEPTION_NONE) {
            user_error("Untyped_Retype: destination CNode 0x%lx/%lu does not resolve",
                       (unsigned long)node_index, (unsigned long)node_depth);
            return lu.status;
        }
        dest_cnode = lu.slot->cap;
    }
    if (cap_type(dest_cnode) != MICA_CAP_TYPE_CNODE) {
        user_error("Untyped_Retype: destination is a %s cap, not a CNode",
                   mica_cap_type_name(cap_type(dest_cnode)));
        ks.syscall_error.type = MICA_FAILED_LOOKUP;
        ks.syscall_error.failed_lookup_was_source = 0;
        lookup_fault_missing_capability(node_depth);
        return EXCEPTION_SYSCALL_ERROR;
    }
    word_t node_size = BIT(cap_cnode_radix(dest_cnode));
    if (node_offset > node_size - 1) {
        user_error("Untyped_Retype: offset %lu is past the CNode's last slot %lu",
                   (unsigned long)node_offset, (unsigned long)(node_size - 1));
        ks.syscall_error.type = MICA_RANGE_ERROR;
        ks.syscall_error.range_min = 0;
        ks.syscall_error.range_max = node_size - 1;
        return EXCEPTION_SYSCALL_ERROR;
    }
    if (node_window < 1 || node_window > MICA_RETYPE_FAN_OUT_LIMIT) {
        user_error("Untyped_Retype: %lu objects is outside 1..%d", (unsigned long)node_window,
                   MICA_RETYPE_FAN_OUT_LIMIT);
        ks.syscall_error.type = MICA_RANGE_ERROR;
        ks.syscall_error.range_min = 1;
        ks.syscall_error.range_max = MICA_RETYPE_FAN_OUT_LIMIT;
        return EXCEPTION_SYSCALL_ERROR;
    }
    if (node_window > node_size - node_offset) {
        user_error("Untyped_Retype: %lu objects from slot %lu overrun the CNode's %lu slots",
                   (unsigned long)node_window, (unsigned long)node_offset, (unsigned long)node_size);
        ks.syscall_error.type = MICA_RANGE_ERROR;
        ks.syscall_error.range_min = 1;
        ks.syscall_error.range_max = node_size - node_offset;
        return EXCEPTION_SYSCALL_ERROR;
    }
    cte_t *dest = cap_cnode_slots(dest_cnode) + node_offset;
    for (word_t i = 0; i < node_window; i++) {
        if (ensure_empty_slot(&dest[i]) != EXCEPTION_NONE) {
            user_error("Untyped_Retype: destination slot %lu is not empty",
                       (unsigned long)(node_offset + i));
            return EXCEPTION_SYSCALL_ERROR;
        }
    }

    bool reset = !slot_has_children(slot);
    word_t free_index = reset ? 0 : cap_untyped_free_index(cap);
    word_t free_bytes = BIT(cap_untyped_size_bits(cap)) - free_index;
    if ((free_bytes >> obj_bits) < node_window) {
        user_error("Untyped_Retype: %lu objects of 2^%lu bytes need %lu bytes, %lu left in "
                   "this 2^%u untyped", (unsigned long)node_window, (unsigned long)obj_bits,
                   (unsigned long)(node_window << obj_bits), (unsigned long)free_bytes,
                   cap_untyped_size_bits(cap));
        ks.syscall_error.type = MICA_NOT_ENOUGH_MEMORY;
        ks.syscall_error.memory_left = free_bytes;
        return EXCEPTION_SYSCALL_ERROR;
    }
    bool device = cap_untyped_is_device(cap);
    if (device && !is_frame_type(type) && type != MICA_UNTYPED_OBJECT) {
        user_error("Untyped_Retype: device untyped can only become frames or untyped, not %s",
                   mica_object_type_name((mica_object_type_t)type));
        ks.syscall_error.type = MICA_INVALID_ARGUMENT;
        ks.syscall_error.invalid_argument_number = 1;
        return EXCEPTION_SYSCALL_ERROR;
    }
    paddr_t aligned = ROUND_UP(cap_obj(cap) + free_index, obj_bits);

    set_thread_state(NODE.cur_thread, MICA_THREAD_RESTART);
    return invoke_untyped_retype(slot, reset, aligned, type, user_bits, dest, node_window, device);
}
