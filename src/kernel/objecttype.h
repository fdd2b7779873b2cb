/*
 * objecttype.h - every cross-type switch over cap types (seL4: objecttype.c).
 */
#ifndef MICA_KERNEL_OBJECTTYPE_H
#define MICA_KERNEL_OBJECTTYPE_H

#include "cap.h"

typedef struct derive_cap_ret {
    exception_t status;
    cap_t cap;
} derive_cap_ret_t;

typedef struct finalise_cap_ret {
    cap_t remainder;
    word_t cleanup_irq;     /* an IRQ to release after the slot is emptied, or ~0 */
} finalise_cap_ret_t;

bool same_region_as(cap_t a, cap_t b);
bool same_object_as(cap_t a, cap_t b);
bool is_cap_revocable(cap_t derived, cap_t src);
derive_cap_ret_t derive_cap(cte_t *slot, cap_t cap);
finalise_cap_ret_t finalise_cap(cap_t cap, bool final);
cap_t update_cap_data(bool preserve, word_t data, cap_t cap);
cap_t mask_cap_rights(unsigned rights, cap_t cap);
/* log2 size of an object of type t with user size_bits (seL4: getObjectSize). */
word_t object_size_bits(word_t type, word_t user_bits);
/* Make the object and return the original cap to it (seL4: createObject). */
cap_t create_object(word_t type, paddr_t p, word_t user_bits, bool device);
/* The physical range a cap covers, for sameRegionAs and the invariants. */
paddr_t cap_region_base(cap_t c);
word_t cap_region_bits(cap_t c);    /* 0 = no memory (irq caps, null) */
/* Slots inside the object a cap names (CNode or TCB), or NULL. */
cte_t *cap_slots(cap_t c, word_t *n);

exception_t decode_invocation(word_t label, word_t length, cptr_t cptr, cte_t *slot, cap_t cap,
                              bool block, bool call, word_t *buffer);

#endif
