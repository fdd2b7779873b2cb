/*
 * kernel_peek.h - test-only reads of kernel state through the root task's
 * CSpace and a VSpace's tables, for tests that include the kernel's cap.h
 * and thread.h. Reads only: what a test asserts, never what it changes.
 */
#ifndef MICA_TESTS_KERNEL_PEEK_H
#define MICA_TESTS_KERNEL_PEEK_H

#include "cap.h"
#include "thread.h"

/* The cap in slot of the root task's CNode. */
static inline cap_t cap_at(mica_cptr_t slot)
{
    cap_t root = tcb_slot(ks.root_tcb, TCB_CTABLE)->cap;
    return cap_cnode_slots(root)[slot].cap;
}

/*
 * The entry for vaddr in VSpace vs at the level that maps 2^bits bytes
 * (39 = PML4, 30 PDPT, 21 page directory, 12 page table); 0 if a level
 * above holds no table.
 */
static inline pte_t entry_at(mica_cptr_t vs, mica_word_t vaddr, unsigned bits)
{
    const pte_t *t = (const pte_t *)paddr_to_ptr(cap_obj(cap_at(vs)));
    for (unsigned shift = 39;; shift -= 9) {
        pte_t e = t[(vaddr >> shift) & 511];
        if (shift == bits)
            return e;
        if (!(e & PTE_TABLE))
            return 0;
        t = (const pte_t *)paddr_to_ptr(PTE_PADDR(e));
    }
}

#endif
