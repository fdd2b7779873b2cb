/*
 * vspace.c - mapping memory (include/mica/user.h): frames mapped with the
 * page table created on demand, and ranges of fresh frames. seL4's rule
 * that the user builds every paging level stands; these helpers just do
 * the building (as sel4utils' vspace does).
 */
#include <mica/mica.h>
#include <mica/user.h>
#include "env.h"

#define PAGE (1ul << MICA_PAGE_BITS)
#define LARGE_PAGE (1ul << MICA_LARGE_PAGE_BITS)

mica_error_t mica_user_map(mica_env_t *env, mica_cptr_t vspace, mica_word_t vaddr,
                           mica_cptr_t frame, mica_cap_rights_t rights)
{
    /* A probe: FailedLookup means no page table covers vaddr yet. */
    mica_user_mark_call(MICA_USER_MARK_EXPECT(MICA_FAILED_LOOKUP));
    mica_error_t err = mica_page_map(frame, vspace, vaddr, rights, MICA_DEFAULT_VM_ATTRIBUTES);
    mica_user_mark_call(0);
    if (err != MICA_FAILED_LOOKUP)
        goto out;
    /* No page table covers vaddr (MR2 says 21 bits were left): make one and retry. */
    mica_cptr_t pt = mica_env_make(env, MICA_PAGE_TABLE_OBJECT, 0);
    if (!pt)
        return env->error;      /* env says why */
    err = mica_page_table_map(pt, vspace, vaddr & ~(LARGE_PAGE - 1), MICA_DEFAULT_VM_ATTRIBUTES);
    if (err != MICA_NO_ERROR) {
        mica_env_slot_free(env, pt);
        mica_env_fail(env, err, 0, "PageTable_Map at 0x%lx: %s", (unsigned long)vaddr,
                      mica_error_name(err));
        return err;
    }
    env->page_tables++;
    err = mica_page_map(frame, vspace, vaddr, rights, MICA_DEFAULT_VM_ATTRIBUTES);
out:
    if (err != MICA_NO_ERROR)
        mica_env_fail(env, err, 0, "Page_Map at 0x%lx: %s", (unsigned long)vaddr,
                      mica_error_name(err));
    return err;
}

mica_error_t mica_user_map_pages(mica_env_t *env, mica_cptr_t vspace, mica_word_t vaddr,
                                 mica_word_t npages, mica_cap_rights_t rights, mica_cptr_t *frames)
{
    mica_cptr_t first = mica_env_make_n(env, MICA_FRAME_OBJECT, 0, npages);
    if (!first)
        return env->error;
    for (mica_word_t i = 0; i < npages; i++) {
        mica_error_t err = mica_user_map(env, vspace, vaddr + i * PAGE, first + i, rights);
        if (err != MICA_NO_ERROR) {
            /* Undo: the frames go (deleting a frame cap unmaps it). */
            for (mica_word_t j = npages; j-- > 0;)
                mica_env_slot_free(env, first + j);
            return err;         /* env says why */
        }
    }
    if (frames)
        *frames = first;
    return MICA_NO_ERROR;
}

mica_error_t mica_user_unmap_pages(mica_cptr_t first, mica_word_t npages)
{
    for (mica_word_t i = 0; i < npages; i++) {
        mica_error_t err = mica_page_unmap(first + i);
        if (err != MICA_NO_ERROR)
            return err;
    }
    return MICA_NO_ERROR;
}
