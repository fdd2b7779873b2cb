/*
 * cdt.c - the capability derivation tree.
 *
 * seL4's representation: a doubly linked list in pre-order, so a cap's
 * descendants follow it contiguously. A slot is "revocable" (original) when
 * it may have children; "first_badged" marks the first cap of a badge.
 * Descendants of a are the maximal run of successors that a is a parent of
 * (is_mdb_parent_of). mica keeps all caps on one list behind a sentinel slot
 * (ks.mdb_head), which gives the same answers as seL4's forest.
 *
 * Delete, revoke and zombie reduction run atomically here: seL4 makes them
 * preemptible, which changes no result.
 */
#include "cdt.h"
#include "objecttype.h"
#include "state.h"

static void link_after(cte_t *prev, cte_t *slot)
{
    paddr_t next = mdb_next(prev);
    mdb_set_prev(slot, cte_paddr(prev));
    mdb_set_next(slot, next);
    if (next)
        mdb_set_prev(cte_at(next), cte_paddr(slot));
    mdb_set_next(prev, cte_paddr(slot));
}

/* seL4: setUntypedCapAsFull - a copy of an untyped takes its free space away. */
static void set_untyped_cap_as_full(cap_t src_cap, cap_t new_cap, cte_t *src_slot)
{
    if (cap_type(src_cap) == MICA_CAP_TYPE_UNTYPED && cap_type(new_cap) == MICA_CAP_TYPE_UNTYPED &&
        cap_obj(src_cap) == cap_obj(new_cap) &&
        cap_untyped_size_bits(src_cap) == cap_untyped_size_bits(new_cap)) {
        cap_untyped_set_free_index(&src_slot->cap, BIT(cap_untyped_size_bits(src_cap)));
    }
}

/* seL4: cteInsert - dest becomes a child (or plain copy) of src. */
void cte_insert(cap_t new_cap, cte_t *src, cte_t *dest)
{
    bool revocable = is_cap_revocable(new_cap, src->cap);

    /* Haskell error: "cteInsert to non-empty destination" */
    kassert(cap_is_null(dest->cap));
    kassert(dest->mdb.prev == 0 && dest->mdb.next == 0);
    set_untyped_cap_as_full(src->cap, new_cap, src);
    dest->cap = new_cap;
    link_after(src, dest);
    mdb_set_revocable(dest, revocable);
    mdb_set_first_badged(dest, revocable);
}

/* seL4: insertNewCap - a fresh object's original cap, right after its untyped. */
void insert_new_cap(cte_t *parent, cte_t *slot, cap_t cap)
{
    kassert(cap_is_null(slot->cap));
    slot->cap = cap;
    link_after(parent, slot);
    mdb_set_revocable(slot, true);
    mdb_set_first_badged(slot, true);
}

void cdt_insert_root(cte_t *slot, cap_t cap)
{
    insert_new_cap(cte_at(ks.mdb_head), slot, cap);
}

/* seL4: cteMove - dest takes src's cap and place in the tree. */
void cte_move(cap_t new_cap, cte_t *src, cte_t *dest)
{
    /* Haskell error: "cteMove to non-empty destination" */
    kassert(cap_is_null(dest->cap));
    kassert(dest->mdb.prev == 0 && dest->mdb.next == 0);
    mdb_node_t m = src->mdb;
    dest->cap = new_cap;
    dest->mdb = m;
    src->cap = cap_null();
    src->mdb = (mdb_node_t){ 0, 0 };
    paddr_t prev = m.prev & ~MDB_FLAGS;
    if (prev)
        mdb_set_next(cte_at(prev), cte_paddr(dest));
    if (m.next)
        mdb_set_prev(cte_at(m.next), cte_paddr(dest));
}

/* seL4: cteSwap - exchange two caps and their places in the tree. */
void cte_swap(cap_t cap1, cte_t *slot1, cap_t cap2, cte_t *slot2)
{
    paddr_t p1 = cte_paddr(slot1), p2 = cte_paddr(slot2);
    mdb_node_t m1 = slot1->mdb, m2 = slot2->mdb;

    slot1->cap = cap2;
    slot2->cap = cap1;
    /* Rewrite the neighbours' links; adjacent slots point at each other. */
    paddr_t prev1 = m1.prev & ~MDB_FLAGS, next1 = m1.next;
    paddr_t prev2 = m2.prev & ~MDB_FLAGS, next2 = m2.next;
    if (prev1 == p2) prev1 = p1;
    if (next1 == p2) next1 = p1;
    if (prev2 == p1) prev2 = p2;
    if (next2 == p1) next2 = p2;
    slot1->mdb.prev = prev2 | (m2.prev & MDB_FLAGS);
    slot1->mdb.next = next2;
    slot2->mdb.prev = prev1 | (m1.prev & MDB_FLAGS);
    slot2->mdb.next = next1;
    if (prev2) mdb_set_next(cte_at(prev2), p1);
    if (next2) mdb_set_prev(cte_at(next2), p1);
    if (prev1) mdb_set_next(cte_at(prev1), p2);
    if (next1) mdb_set_prev(cte_at(next1), p2);
}

/* seL4: isMDBParentOf */
bool is_mdb_parent_of(const cte_t *a, const cte_t *b)
{
    if (!mdb_revocable(a))
        return false;
    if (!same_region_as(a->cap, b->cap))
        return false;
    switch (cap_type(a->cap)) {
    case MICA_CAP_TYPE_ENDPOINT:
    case MICA_CAP_TYPE_NOTIFICATION: {
        word_t badge = cap_badge(a->cap);
        if (badge == 0)
            return true;
        return badge == cap_badge(b->cap) && !mdb_first_badged(b);
    }
    default:
        return true;
    }
}

bool slot_has_children(const cte_t *slot)
{
    paddr_t next = mdb_next(slot);
    return next && is_mdb_parent_of(slot, cte_at(next));
}

/* seL4: ensureNoChildren */
exception_t ensure_no_children(const cte_t *slot)
{
    if (slot_has_children(slot)) {
        ks.syscall_error.type = MICA_REVOKE_FIRST;
        return EXCEPTION_SYSCALL_ERROR;
    }
    return EXCEPTION_NONE;
}

/* seL4: ensureEmptySlot */
exception_t ensure_empty_slot(const cte_t *slot)
{
    if (!cap_is_null(slot->cap)) {
        ks.syscall_error.type = MICA_DELETE_FIRST;
        return EXCEPTION_SYSCALL_ERROR;
    }
    return EXCEPTION_NONE;
}

/* seL4: isFinalCapability - no list neighbour names the same object. */
bool is_final_cap(const cte_t *slot)
{
    paddr_t prev = mdb_prev(slot), next = mdb_next(slot);
    if (prev && same_object_as(cte_at(prev)->cap, slot->cap))
        return false;
    if (next && same_object_as(slot->cap, cte_at(next)->cap))
        return false;
    return true;
}

/* seL4: emptySlot - unlink, handing the first_badged mark to the successor. */
void empty_slot(cte_t *slot)
{
    if (cap_is_null(slot->cap))
        return;
    paddr_t prev = mdb_prev(slot), next = mdb_next(slot);
    bool first_badged = mdb_first_badged(slot);
    if (prev)
        mdb_set_next(cte_at(prev), next);
    if (next) {
        cte_t *n = cte_at(next);
        mdb_set_prev(n, prev);
        mdb_set_first_badged(n, mdb_first_badged(n) || first_badged);
    }
    slot->cap = cap_null();
    slot->mdb = (mdb_node_t){ 0, 0 };
}

/* seL4: capRemovable - a zombie that has cleaned out its own slots. */
static bool cap_removable(cap_t cap, const cte_t *slot)
{
    switch (cap_type(cap)) {
    case MICA_CAP_TYPE_NULL:
        return true;
    case MICA_CAP_TYPE_ZOMBIE: {
        word_t n = cap_zombie_number(cap);
        cte_t *z = (cte_t *)paddr_to_ptr(cap_obj(cap));
        return n == 0 || (n == 1 && slot == z);
    }
    default:
        kfail("finalise_cap should only return Zombie or NullCap");
    }
}

/* seL4: capCyclicZombie */
static bool cap_cyclic_zombie(cap_t cap, const cte_t *slot)
{
    return cap_type(cap) == MICA_CAP_TYPE_ZOMBIE &&
           (cte_t *)paddr_to_ptr(cap_obj(cap)) == slot;
}

static exception_t reduce_zombie(cte_t *slot, bool immediate);

typedef struct finalise_slot_ret {
    exception_t status;
    bool success;
} finalise_slot_ret_t;

/* seL4: finaliseSlot */
static finalise_slot_ret_t finalise_slot(cte_t *slot, bool immediate)
{
    while (!cap_is_null(slot->cap)) {
        bool final = is_final_cap(slot);
        finalise_cap_ret_t fc = finalise_cap(slot->cap, final);
        if (cap_removable(fc.remainder, slot))
            return (finalise_slot_ret_t){ EXCEPTION_NONE, true };
        slot->cap = fc.remainder;
        if (!immediate && cap_cyclic_zombie(fc.remainder, slot))
            return (finalise_slot_ret_t){ EXCEPTION_NONE, false };
        exception_t status = reduce_zombie(slot, immediate);
        if (status != EXCEPTION_NONE)
            return (finalise_slot_ret_t){ status, false };
    }
    return (finalise_slot_ret_t){ EXCEPTION_NONE, true };
}

/* seL4: cteDelete */
exception_t cte_delete(cte_t *slot, bool exposed)
{
    finalise_slot_ret_t fs = finalise_slot(slot, exposed);
    if (fs.status != EXCEPTION_NONE)
        return fs.status;
    if (exposed || fs.success)
        empty_slot(slot);
    return EXCEPTION_NONE;
}

/* seL4: cteDeleteOne - delete a cap that cannot need zombie reduction. */
void cte_delete_one(cte_t *slot)
{
    if (cap_is_null(slot->cap))
        return;
    bool final = is_final_cap(slot);
    finalise_cap_ret_t fc = finalise_cap(slot->cap, final);
    /* Haskell error: "cteDeleteOne: cap should be removable" */
    kassert(cap_removable(fc.remainder, slot));
    empty_slot(slot);
}

/* seL4: capSwapForDelete */
static void cap_swap_for_delete(cte_t *slot1, cte_t *slot2)
{
    if (slot1 == slot2)
        return;
    cte_swap(slot1->cap, slot1, slot2->cap, slot2);
}

/* seL4: reduceZombie - delete one slot of the object a zombie covers. */
static exception_t reduce_zombie(cte_t *slot, bool immediate)
{
    cap_t z = slot->cap;
    cte_t *ptr = (cte_t *)paddr_to_ptr(cap_obj(z));
    word_t n = cap_zombie_number(z);
    unsigned type = cap_zombie_type(z);

    kassert(cap_type(z) == MICA_CAP_TYPE_ZOMBIE);
    if (immediate) {
        cte_t *end = &ptr[n - 1];
        exception_t status = cte_delete(end, false);
        if (status != EXCEPTION_NONE)
            return status;
        switch (cap_type(slot->cap)) {
        case MICA_CAP_TYPE_NULL:
            break;
        case MICA_CAP_TYPE_ZOMBIE: {
            cte_t *ptr2 = (cte_t *)paddr_to_ptr(cap_obj(slot->cap));
            if (ptr == ptr2 && cap_zombie_number(slot->cap) == n &&
                cap_zombie_type(slot->cap) == type) {
                kassert(cap_is_null(end->cap));
                slot->cap.word = n - 1;
            } else {
                /* Haskell error: "Expected new Zombie to be self-referential." */
                kassert(ptr2 == slot && ptr != slot);
            }
            break;
        }
        default:
            kfail("Expected recursion to result in Zombie.");
        }
    } else {
        /* Haskell error: "Cyclic zombie passed to unexposed reduceZombie" */
        kassert(ptr != slot);
        if (cap_type(ptr->cap) == MICA_CAP_TYPE_ZOMBIE) {
            /* Haskell error: "Moving self-referential Zombie aside." */
            kassert(ptr != (cte_t *)paddr_to_ptr(cap_obj(ptr->cap)));
        }
        cap_swap_for_delete(ptr, slot);
    }
    return EXCEPTION_NONE;
}

/* seL4: cteRevoke - delete every descendant of slot. */
exception_t cte_revoke(cte_t *slot)
{
    paddr_t next;
    while ((next = mdb_next(slot)) != 0 && !cap_is_null(slot->cap) &&
           is_mdb_parent_of(slot, cte_at(next))) {
        /*
         * Large trees are memory-bound: start loading the slot after this one.
         * Looking further ahead does not help: the list is followed link by
         * link, so a walk ahead waits for the same misses one at a time.
         */
        paddr_t after = mdb_next(cte_at(next));
        if (after)
            __builtin_prefetch(cte_at(after), 1);
        exception_t status = cte_delete(cte_at(next), true);
        if (status != EXCEPTION_NONE)
            return status;
    }
    return EXCEPTION_NONE;
}
