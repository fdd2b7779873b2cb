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

/*
 * sameRegionAs and sameObjectAs are here, inline, rather than in objecttype.c:
 * the CDT asks them two or three times for every cap it deletes or revokes
 * (is_mdb_parent_of, is_final_cap), and a call each time was a fifth of the
 * revoke loop's instructions (at -O2 gcc will not inline sameRegionAs unasked).
 */
/* seL4: sameRegionAs */
static ALWAYS_INLINE bool same_region_as(cap_t a, cap_t b)
{
    switch (cap_type(a)) {
    case MICA_CAP_TYPE_UNTYPED: {
        word_t bbits = cap_region_bits(b);
        if (bbits == 0)
            return false;
        paddr_t a_base = cap_obj(a), b_base = cap_region_base(b);
        paddr_t a_top = a_base + MASK(cap_untyped_size_bits(a));
        paddr_t b_top = b_base + MASK(bbits);
        return a_base <= b_base && b_top <= a_top && b_base <= b_top;
    }
    case MICA_CAP_TYPE_ENDPOINT:
    case MICA_CAP_TYPE_NOTIFICATION:
    case MICA_CAP_TYPE_TCB:
    case MICA_CAP_TYPE_REPLY:
    case MICA_CAP_TYPE_PAGE_TABLE:
    case MICA_CAP_TYPE_PAGE_DIRECTORY:
    case MICA_CAP_TYPE_PDPT:
    case MICA_CAP_TYPE_VSPACE:
        return cap_type(b) == cap_type(a) && cap_obj(a) == cap_obj(b);
    case MICA_CAP_TYPE_CNODE:
        return cap_type(b) == MICA_CAP_TYPE_CNODE && cap_obj(a) == cap_obj(b) &&
               cap_cnode_radix(a) == cap_cnode_radix(b);
    case MICA_CAP_TYPE_IRQ_CONTROL:
        return cap_type(b) == MICA_CAP_TYPE_IRQ_CONTROL || cap_type(b) == MICA_CAP_TYPE_IRQ_HANDLER;
    case MICA_CAP_TYPE_IRQ_HANDLER:
        return cap_type(b) == MICA_CAP_TYPE_IRQ_HANDLER && cap_irq(a) == cap_irq(b);
    case MICA_CAP_TYPE_FRAME: {
        if (cap_type(b) != MICA_CAP_TYPE_FRAME)
            return false;
        paddr_t a_base = cap_obj(a), b_base = cap_obj(b);
        paddr_t a_top = a_base + MASK(cap_frame_size_bits(a));
        paddr_t b_top = b_base + MASK(cap_frame_size_bits(b));
        return a_base <= b_base && b_top <= a_top && b_base <= b_top;
    }
    case MICA_CAP_TYPE_NULL:
    case MICA_CAP_TYPE_ZOMBIE:
    case MICA_CAP_TYPE_COUNT:
        break;
    }
    return false;
}

/* seL4: sameObjectAs */
static inline bool same_object_as(cap_t a, cap_t b)
{
    if (cap_type(a) == MICA_CAP_TYPE_UNTYPED)
        return false;
    if (cap_type(a) == MICA_CAP_TYPE_IRQ_CONTROL && cap_type(b) == MICA_CAP_TYPE_IRQ_HANDLER)
        return false;
    if (cap_type(a) == MICA_CAP_TYPE_FRAME && cap_type(b) == MICA_CAP_TYPE_FRAME)
        return cap_obj(a) == cap_obj(b) && cap_frame_size_bits(a) == cap_frame_size_bits(b) &&
               cap_frame_is_device(a) == cap_frame_is_device(b);
    return same_region_as(a, b);
}

exception_t decode_invocation(word_t label, word_t length, cptr_t cptr, cte_t *slot, cap_t cap,
                              bool block, bool call, word_t *buffer);

#endif
