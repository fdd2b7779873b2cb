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

/*
 * Make and map the paging structure a FailedLookup with bits_left names
 * as missing: a PDPT (39 bits left), a page directory (30) or a page table (21).
 */
static mica_error_t make_level(mica_env_t *env, mica_cptr_t vspace, mica_word_t vaddr,
                               mica_word_t bits_left)
{
    mica_word_t type = bits_left == 39 ? MICA_PDPT_OBJECT
                     : bits_left == 30 ? MICA_PAGE_DIRECTORY_OBJECT : MICA_PAGE_TABLE_OBJECT;
    if (bits_left != 39 && bits_left != 30 && bits_left != 21)
        return MICA_FAILED_LOOKUP;
    mica_cptr_t t = mica_env_make(env, type, 0);
    if (!t)
        return env->error;      /* env says why */
    mica_word_t base = vaddr & ~((1ul << bits_left) - 1);
    mica_error_t err = type == MICA_PDPT_OBJECT ? mica_pdpt_map(t, vspace, base, 0)
                     : type == MICA_PAGE_DIRECTORY_OBJECT ? mica_page_directory_map(t, vspace, base, 0)
                     : mica_page_table_map(t, vspace, base, 0);
    if (err != MICA_NO_ERROR) {
        mica_env_slot_free(env, t);
        mica_env_fail(env, err, 0, "%s at 0x%lx: %s", mica_object_type_name((mica_object_type_t)type),
                      (unsigned long)vaddr, mica_error_name(err));
        return err;
    }
    env->page_tables++;
    return MICA_NO_ERROR;
}

mica_error_t mica_user_map(mica_env_t *env, mica_cptr_t vspace, mica_word_t vaddr,
                           mica_cptr_t frame, mica_cap_rights_t rights)
{
    mica_error_t err;
    /* At most three missing levels: PDPT, page directory, page table. */
    for (int tries = 0;; tries++) {
        /* A probe: FailedLookup means a paging level above vaddr is missing. */
        mica_user_mark_call(MICA_USER_MARK_EXPECT(MICA_FAILED_LOOKUP));
        err = mica_page_map(frame, vspace, vaddr, rights, MICA_DEFAULT_VM_ATTRIBUTES);
        mica_user_mark_call(0);
        if (err != MICA_FAILED_LOOKUP || tries == 3)
            break;
        /* MR2 says how many vaddr bits were left where the walk stopped. */
        mica_error_t e = make_level(env, vspace, vaddr, mica_get_mr(2));
        if (e != MICA_NO_ERROR)
            return e;
    }
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
