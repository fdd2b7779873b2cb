/*
 * cap.h - capability constructors and accessors: the only code that knows
 * how cap_t's fields are used by each cap type.
 *
 *   type          obj           f1           f2                    word
 *   untyped       region        size_bits    is_device             free_index (bytes)
 *   endpoint      ep            rights       -                     badge
 *   notification  ntfn          rights       -                     badge
 *   reply         tcb           is_master    can_grant             -
 *   cnode         slots         radix        guard_size            -
 *   tcb           tcb           -            -                     -
 *   irq_control   -             -            -                     -
 *   irq_handler   -             -            -                     irq
 *   zombie        object        zombie type  -                     slots left
 *   frame         frame         rights       size_bits | dev << 7  mapping (see below)
 *   page_table    table         -            -                     mapping
 *   page_directory, pdpt: as page_table
 *   vspace        root table    -            -                     -
 *
 * A mapping word is 0 when unmapped (layout below).
 */
#ifndef MICA_KERNEL_CAP_H
#define MICA_KERNEL_CAP_H

#include "types.h"

#define RIGHT_WRITE       1u
#define RIGHT_READ        2u
#define RIGHT_GRANT       4u
#define RIGHT_GRANT_REPLY 8u
#define RIGHTS_ALL        15u

#define ZOMBIE_TCB 64u      /* zombie type for a TCB; a CNode zombie stores its radix */

static inline cap_t cap_null(void)
{
    cap_t c;
    memset(&c, 0, sizeof c);
    return c;
}

static inline mica_cap_type_t cap_type(cap_t c) { return (mica_cap_type_t)c.type; }
static inline bool cap_is_null(cap_t c) { return c.type == MICA_CAP_TYPE_NULL; }
static inline paddr_t cap_obj(cap_t c) { return (paddr_t)c.obj_hi << 36 | (paddr_t)c.obj << 4; }
/*
 * cap_obj of a cap to a kernel object (endpoint, notification, reply, TCB,
 * CNode, paging structure): those are never made from device untyped, so
 * they lie in RAM, below 2^36, and obj alone holds the address. For the IPC
 * fast path, which must not pay for the device region's high bits.
 */
static inline paddr_t cap_ram_obj(cap_t c) { return (paddr_t)c.obj << 4; }

/* A cap to a kernel object, which lies in RAM (cap_ram_obj): obj_hi is 0. */
static inline cap_t cap_make(mica_cap_type_t t, paddr_t obj, unsigned f1, unsigned f2, word_t word)
{
    cap_t c;
    c.type = (uint8_t)t;
    c.f1 = (uint8_t)f1;
    c.f2 = (uint8_t)f2;
    c.obj_hi = 0;
    c.obj = (uint32_t)(obj >> 4);
    c.word = word;
    return c;
}

/* A cap to memory that may lie above RAM: an untyped region or a frame. */
static inline cap_t cap_make_memory(mica_cap_type_t t, paddr_t obj, unsigned f1, unsigned f2,
                                    word_t word)
{
    cap_t c = cap_make(t, obj, f1, f2, word);
    c.obj_hi = (uint8_t)(obj >> 36);
    return c;
}

/* untyped */
static inline cap_t cap_untyped_new(paddr_t p, unsigned size_bits, bool dev, word_t free_index)
{ return cap_make_memory(MICA_CAP_TYPE_UNTYPED, p, size_bits, dev, free_index); }
static inline unsigned cap_untyped_size_bits(cap_t c) { return c.f1; }
static inline bool cap_untyped_is_device(cap_t c) { return c.f2 != 0; }
static inline word_t cap_untyped_free_index(cap_t c) { return c.word; }
static inline void cap_untyped_set_free_index(cap_t *c, word_t v) { c->word = v; }

/* endpoint and notification */
static inline cap_t cap_endpoint_new(paddr_t p, unsigned rights, word_t badge)
{ return cap_make(MICA_CAP_TYPE_ENDPOINT, p, rights, 0, badge); }
static inline cap_t cap_notification_new(paddr_t p, unsigned rights, word_t badge)
{ return cap_make(MICA_CAP_TYPE_NOTIFICATION, p, rights & (RIGHT_READ | RIGHT_WRITE), 0, badge); }
static inline unsigned cap_rights(cap_t c) { return c.f1; }
static inline word_t cap_badge(cap_t c) { return c.word; }

/* reply */
static inline cap_t cap_reply_new(paddr_t tcb, bool master, bool can_grant)
{ return cap_make(MICA_CAP_TYPE_REPLY, tcb, master, can_grant, 0); }
static inline bool cap_reply_is_master(cap_t c) { return c.f1 != 0; }
static inline bool cap_reply_can_grant(cap_t c) { return c.f2 != 0; }

/* cnode */
static inline cap_t cap_cnode_new(paddr_t p, unsigned radix, unsigned guard_size, word_t guard)
{ return cap_make(MICA_CAP_TYPE_CNODE, p, radix, guard_size, guard); }
static inline unsigned cap_cnode_radix(cap_t c) { return c.f1; }
static inline unsigned cap_cnode_guard_size(cap_t c) { return c.f2; }
static inline word_t cap_cnode_guard(cap_t c) { return c.word; }
static inline cte_t *cap_cnode_slots(cap_t c) { return (cte_t *)paddr_to_ptr(cap_ram_obj(c)); }

/* tcb */
static inline cap_t cap_tcb_new(paddr_t tcb) { return cap_make(MICA_CAP_TYPE_TCB, tcb, 0, 0, 0); }

/* irq */
static inline cap_t cap_irq_control_new(void) { return cap_make(MICA_CAP_TYPE_IRQ_CONTROL, 0, 0, 0, 0); }
static inline cap_t cap_irq_handler_new(word_t irq) { return cap_make(MICA_CAP_TYPE_IRQ_HANDLER, 0, 0, 0, irq); }
static inline word_t cap_irq(cap_t c) { return c.word; }

/* zombie */
static inline cap_t cap_zombie_new(paddr_t p, unsigned ztype, word_t n)
{ return cap_make(MICA_CAP_TYPE_ZOMBIE, p, ztype, 0, n); }
static inline unsigned cap_zombie_type(cap_t c) { return c.f1; }
static inline word_t cap_zombie_number(cap_t c) { return c.word; }
static inline word_t cap_zombie_size(cap_t c)
{ return c.f1 == ZOMBIE_TCB ? MICA_TCB_CNODE_ENTRIES : BIT(c.f1); }

/* frame, page table, vspace */
static inline cap_t cap_frame_new(paddr_t p, unsigned size_bits, unsigned rights, bool dev)
{ return cap_make_memory(MICA_CAP_TYPE_FRAME, p, rights & (RIGHT_READ | RIGHT_WRITE), size_bits | (dev ? 0x80u : 0), 0); }
static inline unsigned cap_frame_size_bits(cap_t c) { return c.f2 & 0x7fu; }
static inline bool cap_frame_is_device(cap_t c) { return (c.f2 & 0x80u) != 0; }
static inline cap_t cap_page_table_new(paddr_t p) { return cap_make(MICA_CAP_TYPE_PAGE_TABLE, p, 0, 0, 0); }
static inline cap_t cap_vspace_new(paddr_t p) { return cap_make(MICA_CAP_TYPE_VSPACE, p, 0, 0, 0); }
static inline cap_t cap_page_directory_new(paddr_t p)
{ return cap_make(MICA_CAP_TYPE_PAGE_DIRECTORY, p, 0, 0, 0); }
static inline cap_t cap_pdpt_new(paddr_t p) { return cap_make(MICA_CAP_TYPE_PDPT, p, 0, 0, 0); }

/*
 * Mapping word: bit 0 mapped, bits 1-35 vaddr >> 12 (47-bit vaddrs), bits
 * 36-59 VSpace paddr >> 12 (VSpaces lie in RAM, below 2^36), bits 60-63 the
 * low bits of the VSpace's generation (hw_vspace_generation). The generation
 * tells most stale records of a deleted VSpace from records of a new VSpace
 * at the same paddr; where it cannot (as seL4 with a reused ASID), every use
 * still checks that the entry the record names holds the object.
 */
#define MAPPING_GEN_BITS 4
static inline word_t mapping_word(paddr_t vspace, word_t vaddr, word_t gen)
{ return (gen & MASK(MAPPING_GEN_BITS)) << 60 | (vspace >> 12) << 36 | (vaddr >> 12) << 1 | 1; }
static inline bool cap_is_mapped(cap_t c) { return (c.word & 1) != 0; }
static inline paddr_t cap_mapped_vspace(cap_t c) { return ((c.word >> 36) & MASK(24)) << 12; }
static inline word_t cap_mapped_vaddr(cap_t c) { return ((c.word >> 1) & MASK(35)) << 12; }
static inline word_t cap_mapped_gen(cap_t c) { return c.word >> 60; }

/* mdb accessors */
static inline paddr_t mdb_prev(const cte_t *s) { return s->mdb.prev & ~MDB_FLAGS; }
static inline paddr_t mdb_next(const cte_t *s) { return s->mdb.next; }
static inline bool mdb_revocable(const cte_t *s) { return (s->mdb.prev & MDB_REVOCABLE) != 0; }
static inline bool mdb_first_badged(const cte_t *s) { return (s->mdb.prev & MDB_FIRST_BADGED) != 0; }
static inline void mdb_set_prev(cte_t *s, paddr_t p) { s->mdb.prev = p | (s->mdb.prev & MDB_FLAGS); }
static inline void mdb_set_next(cte_t *s, paddr_t p) { s->mdb.next = p; }
static inline void mdb_set_revocable(cte_t *s, bool v)
{ s->mdb.prev = (s->mdb.prev & ~MDB_REVOCABLE) | (v ? MDB_REVOCABLE : 0); }
static inline void mdb_set_first_badged(cte_t *s, bool v)
{ s->mdb.prev = (s->mdb.prev & ~MDB_FIRST_BADGED) | (v ? MDB_FIRST_BADGED : 0); }

static inline cte_t *cte_at(paddr_t p) { return p ? (cte_t *)paddr_to_ptr(p) : NULL; }
static inline paddr_t cte_paddr(const cte_t *s) { return ptr_to_paddr(s); }

#endif /* MICA_KERNEL_CAP_H */
