/*
 * cdt.h - the capability derivation tree (seL4: the MDB in cspace/cnode.c).
 */
#ifndef MICA_KERNEL_CDT_H
#define MICA_KERNEL_CDT_H

#include "cap.h"

void cte_insert(cap_t new_cap, cte_t *src, cte_t *dest);
void cte_move(cap_t new_cap, cte_t *src, cte_t *dest);
void cte_swap(cap_t cap1, cte_t *slot1, cap_t cap2, cte_t *slot2);
void insert_new_cap(cte_t *parent, cte_t *slot, cap_t cap);
/* Link a parentless cap made at boot or by the kernel into the CDT list. */
void cdt_insert_root(cte_t *slot, cap_t cap);
exception_t cte_delete(cte_t *slot, bool exposed);
void cte_delete_one(cte_t *slot);
exception_t cte_revoke(cte_t *slot);
void empty_slot(cte_t *slot);
bool is_final_cap(const cte_t *slot);
bool is_mdb_parent_of(const cte_t *a, const cte_t *b);
exception_t ensure_no_children(const cte_t *slot);
exception_t ensure_empty_slot(const cte_t *slot);
bool slot_has_children(const cte_t *slot);

#endif
