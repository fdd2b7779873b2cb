/*
 * cspace.h - CPtr resolution through guarded CNodes (seL4: cspace.c).
 */
#ifndef MICA_KERNEL_CSPACE_H
#define MICA_KERNEL_CSPACE_H

#include "cap.h"

typedef struct resolve_ret {
    exception_t status;
    cte_t *slot;
    word_t bits_remaining;
} resolve_ret_t;

typedef struct lookup_slot_ret {
    exception_t status;
    cte_t *slot;
} lookup_slot_ret_t;

resolve_ret_t resolve_address_bits(cap_t node, cptr_t cptr, word_t n_bits);
lookup_slot_ret_t lookup_slot(paddr_t thread, cptr_t cptr);
lookup_slot_ret_t lookup_slot_for_cnode_op(bool is_source, cap_t root, cptr_t cptr, word_t depth);
#define lookup_source_slot(root, cptr, depth) lookup_slot_for_cnode_op(true, root, cptr, depth)
#define lookup_target_slot(root, cptr, depth) lookup_slot_for_cnode_op(false, root, cptr, depth)
#define lookup_pivot_slot(root, cptr, depth)  lookup_slot_for_cnode_op(true, root, cptr, depth)

/* Set ks.lookup_fault to one of seL4's lookup failures. */
void lookup_fault_invalid_root(void);
void lookup_fault_missing_capability(word_t bits_left);
void lookup_fault_depth_mismatch(word_t bits_left, word_t bits_found);
void lookup_fault_guard_mismatch(word_t bits_left, word_t guard_found, word_t bits_found);

#endif
