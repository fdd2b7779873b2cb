/*
 * object/cnode.c - CNode invocations (seL4: object/cnode.c).
 *
 * Decode checks in seL4's order: label, length, destination lookup, then
 * per operation: extra caps, destination empty (before the source lookup),
 * source lookup, source non-empty, rights/cap data, derivation. Perform
 * functions cannot fail.
 */
#include "object.h"
#include "../cdt.h"
#include "../cspace.h"
#include "../objecttype.h"
#include "../state.h"
#include "../thread.h"

static exception_t truncated(const char *op, word_t length, word_t need)
{
    user_error("%s: needs %lu message words and its extra caps, got %lu words", op,
               (unsigned long)need, (unsigned long)length);
    ks.syscall_error.type = MICA_TRUNCATED_MESSAGE;
    return EXCEPTION_SYSCALL_ERROR;
}

static exception_t illegal(const char *why)
{
    user_error("%s", why);
    ks.syscall_error.type = MICA_ILLEGAL_OPERATION;
    return EXCEPTION_SYSCALL_ERROR;
}

static exception_t missing_source(bool is_source, word_t depth, const char *what)
{
    user_error("%s slot is empty", what);
    ks.syscall_error.type = MICA_FAILED_LOOKUP;
    ks.syscall_error.failed_lookup_was_source = is_source;
    lookup_fault_missing_capability(depth);
    return EXCEPTION_SYSCALL_ERROR;
}

/* seL4: hasCancelSendRights */
static bool has_cancel_send_rights(cap_t cap)
{
    return cap_type(cap) == MICA_CAP_TYPE_ENDPOINT && cap_rights(cap) == RIGHTS_ALL;
}

/* seL4: invokeCNodeSaveCaller */
static void invoke_cnode_save_caller(cte_t *dest)
{
    cte_t *src = tcb_slot(NODE.cur_thread, TCB_CALLER);
    cap_t cap = src->cap;
    switch (cap_type(cap)) {
    case MICA_CAP_TYPE_NULL:
        user_error("CNode_SaveCaller: there is no caller to save");
        break;
    case MICA_CAP_TYPE_REPLY:
        if (!cap_reply_is_master(cap))
            cte_move(cap, src, dest);
        break;
    default:
        kfail("caller capability must be null or reply");
    }
}

/* seL4: invokeCNodeRotate */
static void invoke_cnode_rotate(cap_t cap1, cap_t cap2, cte_t *slot1, cte_t *slot2, cte_t *slot3)
{
    if (slot1 == slot3) {
        cte_swap(cap1, slot1, cap2, slot2);
    } else {
        cte_move(cap2, slot2, slot3);
        cte_move(cap1, slot1, slot2);
    }
}

/* seL4: decodeCNodeInvocation */
exception_t decode_cnode_invocation(word_t label, word_t length, cap_t cap, word_t *buffer)
{
    if (label < MICA_CNODE_REVOKE || label > MICA_CNODE_SAVE_CALLER) {
        user_error("CNode: label %lu (%s) is not a CNode operation", (unsigned long)label,
                   mica_invocation_name(label));
        ks.syscall_error.type = MICA_ILLEGAL_OPERATION;
        return EXCEPTION_SYSCALL_ERROR;
    }
    const char *op = mica_invocation_name(label);
    if (length < 2)
        return truncated(op, length, 2);
    word_t index = get_syscall_arg(0, buffer);
    word_t depth = get_syscall_arg(1, buffer);
    lookup_slot_ret_t lu = lookup_target_slot(cap, index, depth);
    if (lu.status != EXCEPTION_NONE)
        return lu.status;
    cte_t *dest = lu.slot;

    if (label >= MICA_CNODE_COPY && label <= MICA_CNODE_MUTATE) {
        if (length < 4 || ks.extra_caps[0] == NULL)
            return truncated(op, length, 4);
        word_t src_index = get_syscall_arg(2, buffer);
        word_t src_depth = get_syscall_arg(3, buffer);
        cap_t src_root = ks.extra_caps[0]->cap;
        if (ensure_empty_slot(dest) != EXCEPTION_NONE) {
            user_error("%s: destination slot %lu is not empty", op, (unsigned long)index);
            return EXCEPTION_SYSCALL_ERROR;
        }
        lu = lookup_source_slot(src_root, src_index, src_depth);
        if (lu.status != EXCEPTION_NONE)
            return lu.status;
        cte_t *src = lu.slot;
        if (cap_is_null(src->cap))
            return missing_source(true, src_depth, "source");

        cap_t new_cap;
        bool is_move;
        if (label == MICA_CNODE_COPY) {
            if (length < 5)
                return truncated(op, length, 5);
            unsigned rights = (unsigned)(get_syscall_arg(4, buffer) & RIGHTS_ALL);
            derive_cap_ret_t d = derive_cap(src, mask_cap_rights(rights, src->cap));
            if (d.status != EXCEPTION_NONE)
                return d.status;
            new_cap = d.cap;
            is_move = false;
        } else if (label == MICA_CNODE_MINT) {
            if (length < 6)
                return truncated(op, length, 6);
            unsigned rights = (unsigned)(get_syscall_arg(4, buffer) & RIGHTS_ALL);
            word_t data = get_syscall_arg(5, buffer);
            cap_t masked = mask_cap_rights(rights, src->cap);
            derive_cap_ret_t d = derive_cap(src, update_cap_data(false, data, masked));
            if (d.status != EXCEPTION_NONE)
                return d.status;
            new_cap = d.cap;
            is_move = false;
        } else if (label == MICA_CNODE_MOVE) {
            new_cap = src->cap;
            is_move = true;
        } else {
            if (length < 5)
                return truncated(op, length, 5);
            word_t data = get_syscall_arg(4, buffer);
            new_cap = update_cap_data(true, data, src->cap);
            is_move = true;
        }
        if (cap_is_null(new_cap))
            return illegal(label == MICA_CNODE_MINT || label == MICA_CNODE_MUTATE
                               ? "the cap data cannot apply to this cap (already badged, a "
                                 "Mutate of an endpoint/notification, or a guard too large)"
                               : "this cap type cannot be copied");
        set_thread_state(NODE.cur_thread, MICA_THREAD_RESTART);
        if (is_move)
            cte_move(new_cap, src, dest);
        else
            cte_insert(new_cap, src, dest);
        return EXCEPTION_NONE;
    }

    switch (label) {
    case MICA_CNODE_REVOKE:
        set_thread_state(NODE.cur_thread, MICA_THREAD_RESTART);
        return cte_revoke(dest);
    case MICA_CNODE_DELETE:
        set_thread_state(NODE.cur_thread, MICA_THREAD_RESTART);
        return cte_delete(dest, true);
    case MICA_CNODE_SAVE_CALLER:
        if (ensure_empty_slot(dest) != EXCEPTION_NONE) {
            user_error("CNode_SaveCaller: destination slot %lu is not empty", (unsigned long)index);
            return EXCEPTION_SYSCALL_ERROR;
        }
        set_thread_state(NODE.cur_thread, MICA_THREAD_RESTART);
        invoke_cnode_save_caller(dest);
        return EXCEPTION_NONE;
    case MICA_CNODE_CANCEL_BADGED_SENDS: {
        cap_t c = dest->cap;
        if (!has_cancel_send_rights(c))
            return illegal("CNode_CancelBadgedSends: needs an endpoint cap with all rights");
        set_thread_state(NODE.cur_thread, MICA_THREAD_RESTART);
        if (cap_badge(c) != 0)
            cancel_badged_sends(cap_obj(c), cap_badge(c));
        return EXCEPTION_NONE;
    }
    case MICA_CNODE_ROTATE: {
        if (length < 8 || ks.extra_caps[0] == NULL || ks.extra_caps[1] == NULL)
            return truncated(op, length, 8);
        word_t pivot_new_data = get_syscall_arg(2, buffer);
        word_t pivot_index = get_syscall_arg(3, buffer);
        word_t pivot_depth = get_syscall_arg(4, buffer);
        word_t src_new_data = get_syscall_arg(5, buffer);
        word_t src_index = get_syscall_arg(6, buffer);
        word_t src_depth = get_syscall_arg(7, buffer);
        cap_t pivot_root = ks.extra_caps[0]->cap;
        cap_t src_root = ks.extra_caps[1]->cap;

        lu = lookup_source_slot(src_root, src_index, src_depth);
        if (lu.status != EXCEPTION_NONE)
            return lu.status;
        cte_t *src = lu.slot;
        lu = lookup_pivot_slot(pivot_root, pivot_index, pivot_depth);
        if (lu.status != EXCEPTION_NONE)
            return lu.status;
        cte_t *pivot = lu.slot;
        if (pivot == src || pivot == dest)
            return illegal("CNode_Rotate: the pivot slot must differ from source and destination");
        if (src != dest && ensure_empty_slot(dest) != EXCEPTION_NONE) {
            user_error("CNode_Rotate: destination slot %lu is not empty", (unsigned long)index);
            return EXCEPTION_SYSCALL_ERROR;
        }
        if (cap_is_null(src->cap))
            return missing_source(true, src_depth, "CNode_Rotate: source");
        if (cap_is_null(pivot->cap))
            return missing_source(false, pivot_depth, "CNode_Rotate: pivot");
        cap_t new_src = update_cap_data(true, src_new_data, src->cap);
        cap_t new_pivot = update_cap_data(true, pivot_new_data, pivot->cap);
        if (cap_is_null(new_src))
            return illegal("CNode_Rotate: the source cap's new data cannot apply");
        if (cap_is_null(new_pivot))
            return illegal("CNode_Rotate: the pivot cap's new data cannot apply");
        set_thread_state(NODE.cur_thread, MICA_THREAD_RESTART);
        invoke_cnode_rotate(new_src, new_pivot, src, pivot, dest);
        return EXCEPTION_NONE;
    }
    default:
        kfail("unreachable CNode label");
    }
}
