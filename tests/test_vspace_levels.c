/*
 * test_vspace_levels.c - x86_64's upper paging levels: PDPTs, page
 * directories and 1 GiB frames.
 *
 *   map_errors  PDPT_Map / PageDirectory_Map / Page_Map of 2 MiB and 1 GiB
 *               frames: success, then each of seL4's errors in x86_64 decode
 *               order (decodeX86_64PDPTInvocation,
 *               decodeX86PageDirectoryInvocation, decodeX86FrameInvocation),
 *               each leaving the kernel and the host window unchanged;
 *               Page_GetAddress of every frame size
 *   paging      deleting or revoking a PDPT or a page directory unmaps
 *               everything under it; threads of the root task and of a second
 *               process use mappings at 0xA000000000 and in the last page
 *               below 2^47
 *   invariants  valid_vspace_objs, unique_table_refs, valid_vs_lookup and
 *               valid_host_window fire on corrupted PML4, PDPT and page
 *               directory entries
 *
 * The 4 KiB and 2 MiB cases at the page-table level are in test_vspace.c.
 * Runs with a 1 GiB frame use 2 GiB of simulated memory; mt_kernel_digest
 * would hash all of it per call, so there the state a failure could change
 * (the caps, the entries, the host window) is compared directly.
 */
#include <string.h>
#include "harness.h"
#include "kernel_peek.h"

#define PAGE   (1ul << MICA_PAGE_BITS)
#define LARGE  (1ul << MICA_LARGE_PAGE_BITS)
#define HUGE   (1ul << MICA_HUGE_PAGE_BITS)
#define TOP    (1ul << MICA_VADDR_BITS)
#define PRIO   100
#define VM_BASE 0x20000000ul        /* in the boot page directory's GiB, no page table there */
#define HIGH   0xA000000000ul       /* PML4 entry 20: no PDPT in the root VSpace */
#define MID    (5 * HUGE)           /* under the boot PDPT, no page directory there */

/* x86 page-fault error code of a user read of an unmapped page. */
#define FSR_READ_UNMAPPED 0x4ul

static mica_env_t env;

static struct {
    volatile int step[16];
    volatile mica_word_t value[16];
    int done;
} rec;

#define RUN(fn) do { \
        memset(&rec, 0, sizeof rec); \
        mt_run(fn); \
        ck_assert_msg(rec.done, "the root task did not reach its end"); \
    } while (0)

/* --- helpers ----------------------------------------------------------------------- */

static mica_cptr_t make(mica_word_t type)
{
    mica_cptr_t c = mica_env_make(&env, type, 0);
    ck_assert_msg(c != 0, "mica_env_make(%lu): %s", (unsigned long)type, mica_error_name(env.error));
    return c;
}

static mica_cptr_t mint(mica_cptr_t src)
{
    mica_cptr_t c = mica_env_mint(&env, src, MICA_ALL_RIGHTS, 0);
    ck_assert_uint_ne(c, 0);
    return c;
}

static void let_others_run(void)
{
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 1), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, MICA_MAX_PRIO),
                  MICA_NO_ERROR);
}

static mica_fault_t wait_fault(mica_cptr_t ep)
{
    mica_word_t badge = 0;
    mica_msginfo_t info = mica_recv(ep, &badge);
    return mica_fault_decode(info, badge);
}

static volatile mica_word_t *word_at(mica_word_t vaddr)
{
    return (volatile mica_word_t *)mica_vaddr_to_ptr(vaddr);
}

/* The address of that entry (the path to it must exist). */
static pte_t *entry_ptr(mica_cptr_t vs, mica_word_t vaddr, unsigned bits)
{
    pte_t *t = (pte_t *)paddr_to_ptr(cap_obj(cap_at(vs)));
    for (unsigned shift = 39;; shift -= 9) {
        pte_t *e = &t[(vaddr >> shift) & 511];
        if (shift == bits)
            return e;
        ck_assert(*e & PTE_TABLE);
        t = (pte_t *)paddr_to_ptr(PTE_PADDR(*e));
    }
}

/* What the host window of vs maps at vaddr: the frame's paddr, 0 for nothing. */
static mica_word_t host_frame_at(mica_cptr_t vs, mica_word_t vaddr)
{
    hw_window_entry_t e;
    if (hw_window_probe(cap_obj(cap_at(vs)), vaddr, &e) != 0)
        return 0;
    return e.size_bits ? e.paddr : 0;
}

/* vs's entry of level `bits` at vaddr holds table cap `table`. */
static void assert_holds_table(mica_cptr_t vs, mica_word_t vaddr, unsigned bits, mica_cptr_t table)
{
    pte_t e = entry_at(vs, vaddr, bits);
    ck_assert(e & PTE_TABLE);
    ck_assert_uint_eq(PTE_PADDR(e), cap_obj(cap_at(table)));
}

/* vs maps frame cap `frame` at vaddr in its entry of level `bits`, kernel and host alike. */
static void assert_maps(mica_cptr_t vs, mica_word_t vaddr, mica_cptr_t frame, unsigned bits)
{
    paddr_t p = cap_obj(cap_at(frame));
    pte_t e = entry_at(vs, vaddr, bits);
    ck_assert(e & PTE_FRAME);
    ck_assert_uint_eq(PTE_PADDR(e), p);
    ck_assert_uint_eq(host_frame_at(vs, vaddr), p);
    ck_assert_uint_eq(mica_page_get_address(frame).paddr, p);
}

/*
 * For runs too large for mt_kernel_digest: a failed invocation on cap
 * `c` leaves c, vs's entry of level `bits` at vaddr, the host window there
 * and mica_vaddr_to_ptr(vaddr) as they were.
 */
#define assert_fails_unchanged(expr, want, c, vs, vaddr, bits) do { \
        cap_t c_ = cap_at(c); \
        pte_t e_ = entry_at((vs), (vaddr), (bits)); \
        mica_word_t h_ = host_frame_at((vs), (vaddr)); \
        void *p_ = (vs) == MICA_CAP_INIT_VSPACE ? mica_vaddr_to_ptr(vaddr) : NULL; \
        mt_assert_err(expr, want); \
        cap_t c2_ = cap_at(c); \
        ck_assert_msg(memcmp(&c_, &c2_, sizeof c_) == 0, "%s changed the cap", #expr); \
        ck_assert_uint_eq(entry_at((vs), (vaddr), (bits)), e_); \
        ck_assert_uint_eq(host_frame_at((vs), (vaddr)), h_); \
        if ((vs) == MICA_CAP_INIT_VSPACE) \
            ck_assert_ptr_eq(mica_vaddr_to_ptr(vaddr), p_); \
    } while (0)

/* A call of cap with `length` message words and `extra` caps (cap 0 = vspace). */
static mica_error_t raw_call(mica_cptr_t cap, mica_word_t label, mica_cptr_t vspace,
                             mica_word_t extra, mica_word_t length, mica_word_t vaddr)
{
    mica_set_mr(0, vaddr);
    mica_set_mr(1, MICA_READ_WRITE.words[0]);
    mica_set_mr(2, 0);
    mica_set_cap(0, vspace);
    mica_msginfo_t out = mica_call(cap, mica_msginfo_new(label, 0, extra, length));
    return (mica_error_t)mica_msginfo_get_label(out);
}

/* A run with room for 1 GiB frames: a 1 GiB untyped at paddr 1 GiB. */
static mica_run_result_t run_big(mt_root_fn fn)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.phys_mem_bytes = 2 * HUGE + (32ul << 20);
    memset(&rec, 0, sizeof rec);
    mica_run_result_t r = mt_run_cfg(&cfg, fn);
    return r;
}

#define RUN_BIG(fn) do { \
        mica_run_result_t r_ = run_big(fn); \
        ck_assert_msg(r_.reason == MICA_STOP_IDLE, "%s: %s", mica_stop_reason_name(r_.reason), \
                      r_.message); \
        ck_assert_msg(rec.done, "the root task did not reach its end"); \
    } while (0)

/* --- PDPT_Map ------------------------------------------------------------------------ */

/*
 * seL4 decodeX86_64PDPTInvocation: Unmap (RevokeFirst) | not Map:
 * IllegalOperation | < 2 words or no cap: TruncatedMessage | already
 * mapped: InvalidCapability(0) | not a VSpace: InvalidCapability(1) | vaddr
 * above the user top: InvalidArgument(0) | PML4 entry present: DeleteFirst.
 */
static void root_pdpt_map(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t vs = MICA_CAP_INIT_VSPACE;
    mica_cptr_t pdpt = make(MICA_PDPT_OBJECT), pdpt2 = make(MICA_PDPT_OBJECT);
    mica_cptr_t pd = make(MICA_PAGE_DIRECTORY_OBJECT), pt = make(MICA_PAGE_TABLE_OBJECT);
    mica_cptr_t ep = make(MICA_ENDPOINT_OBJECT), f = make(MICA_FRAME_OBJECT);

    /* Nothing of PML4 entry 20 yet: a frame there is FailedLookup at 39 bits. */
    mt_assert_fails(mica_page_map(f, vs, HIGH, MICA_READ_WRITE, 0), MICA_FAILED_LOOKUP);
    mt_assert_mr(2, 39);

    /* Labels: a PDPT takes only PDPT_Map/Unmap. */
    mt_assert_fails(mica_page_table_map(pdpt, vs, HIGH, 0), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_page_directory_map(pdpt, vs, HIGH, 0), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_page_map(pdpt, vs, HIGH, MICA_READ_WRITE, 0), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_pdpt_map(f, vs, HIGH, 0), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_pdpt_map(pd, vs, HIGH, 0), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_pdpt_map(vs, vs, HIGH, 0), MICA_ILLEGAL_OPERATION);
    /* Truncated before anything about the cap or the arguments. */
    mt_assert_fails(raw_call(pdpt, MICA_PDPT_MAP, vs, 1, 1, HIGH), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_call(pdpt, MICA_PDPT_MAP, vs, 0, 2, HIGH), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_call(pdpt, MICA_PDPT_MAP, ep, 1, 1, TOP), MICA_TRUNCATED_MESSAGE);
    /* The VSpace argument, checked before the vaddr. */
    const mica_cptr_t not_vspaces[] = { ep, MICA_CAP_INIT_CNODE, MICA_CAP_INIT_TCB, pdpt2, pd, f,
                                        bi->user_image_paging.start, bi->untyped.start };
    for (unsigned i = 0; i < sizeof not_vspaces / sizeof not_vspaces[0]; i++) {
        mt_assert_fails(mica_pdpt_map(pdpt, not_vspaces[i], HIGH, 0), MICA_INVALID_CAPABILITY);
        mt_assert_mr(0, 1);
        mt_assert_fails(mica_pdpt_map(pdpt, not_vspaces[i], TOP, 0), MICA_INVALID_CAPABILITY);
        mt_assert_mr(0, 1);
    }
    /* vaddrs at or above 2^47. */
    const mica_word_t bad[] = { TOP, TOP + HIGH, ~0ul };
    for (unsigned i = 0; i < 3; i++) {
        mt_assert_fails(mica_pdpt_map(pdpt, vs, bad[i], 0), MICA_INVALID_ARGUMENT);
        mt_assert_mr(0, 0);
    }
    /* PML4 entry 0 holds the boot PDPT: DeleteFirst, anywhere in its 512 GiB. */
    mt_assert_fails(mica_pdpt_map(pdpt, vs, 0, 0), MICA_DELETE_FIRST);
    mt_assert_fails(mica_pdpt_map(pdpt, vs, MID + 0x1234, 0), MICA_DELETE_FIRST);
    ck_assert(!cap_is_mapped(cap_at(pdpt)));
    ck_assert_uint_eq(entry_at(vs, HIGH, 39), 0);

    /* Success: the vaddr rounds down to its 512 GiB; the cap records the base. */
    mt_assert_err(mica_pdpt_map(pdpt, vs, HIGH + 0x12345678, 0), MICA_NO_ERROR);
    assert_holds_table(vs, HIGH, 39, pdpt);
    ck_assert(cap_is_mapped(cap_at(pdpt)));
    ck_assert_uint_eq(cap_mapped_vaddr(cap_at(pdpt)), HIGH & ~((1ul << 39) - 1));
    ck_assert_uint_eq(cap_mapped_vspace(cap_at(pdpt)), cap_obj(cap_at(vs)));
    /* One level further: the missing page directory is 30 bits. */
    mt_assert_fails(mica_page_map(f, vs, HIGH, MICA_READ_WRITE, 0), MICA_FAILED_LOOKUP);
    mt_assert_mr(2, 30);

    /* Mapped: InvalidCapability(0), before the VSpace argument and the vaddr. */
    mt_assert_fails(mica_pdpt_map(pdpt, vs, HIGH + (1ul << 39), 0), MICA_INVALID_CAPABILITY);
    mt_assert_mr(0, 0);
    mt_assert_fails(mica_pdpt_map(pdpt, ep, TOP, 0), MICA_INVALID_CAPABILITY);
    mt_assert_mr(0, 0);
    mica_cptr_t copy = mint(pdpt);      /* a copy of a mapped PDPT is mapped too */
    mt_assert_fails(mica_pdpt_map(copy, vs, HIGH + (1ul << 39), 0), MICA_INVALID_CAPABILITY);
    mt_assert_mr(0, 0);
    /* Another PDPT over it: DeleteFirst. */
    mt_assert_fails(mica_pdpt_map(pdpt2, vs, HIGH, 0), MICA_DELETE_FIRST);
    assert_holds_table(vs, HIGH, 39, pdpt);

    /* The rest of the path, and memory through it. */
    mt_assert_err(mica_page_directory_map(pd, vs, HIGH, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_table_map(pt, vs, HIGH, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(f, vs, HIGH, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    assert_maps(vs, HIGH, f, MICA_PAGE_BITS);
    *word_at(HIGH + 8) = 0xabc;
    ck_assert_uint_eq(*(volatile mica_word_t *)paddr_to_ptr(cap_obj(cap_at(f)) + 8), 0xabc);
    /* A second PDPT in the last PML4 entry. */
    mt_assert_err(mica_pdpt_map(pdpt2, vs, TOP - 1, 0), MICA_NO_ERROR);
    assert_holds_table(vs, TOP - 1, 39, pdpt2);
    ck_assert_uint_eq(cap_mapped_vaddr(cap_at(pdpt2)), TOP - (1ul << 39));
    rec.done = 1;
}

START_TEST(pdpt_map_checks_in_sel4_order_and_fails_without_changing_anything)
{
    RUN(root_pdpt_map);
}
END_TEST

/* --- PageDirectory_Map ------------------------------------------------------------- */

static void root_pd_map(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t vs = MICA_CAP_INIT_VSPACE;
    mica_cptr_t pdpt = make(MICA_PDPT_OBJECT), pd = make(MICA_PAGE_DIRECTORY_OBJECT);
    mica_cptr_t pd2 = make(MICA_PAGE_DIRECTORY_OBJECT), pt = make(MICA_PAGE_TABLE_OBJECT);
    mica_cptr_t ep = make(MICA_ENDPOINT_OBJECT), f = make(MICA_FRAME_OBJECT);
    mica_cptr_t big = make(MICA_LARGE_FRAME_OBJECT);

    /* Labels. */
    mt_assert_fails(mica_pdpt_map(pd, vs, HIGH, 0), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_page_table_map(pd, vs, HIGH, 0), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_pdpt_unmap(pd), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_page_unmap(pd), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_page_directory_map(pt, vs, HIGH, 0), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_page_directory_map(big, vs, HIGH, 0), MICA_ILLEGAL_OPERATION);
    /* Truncated. */
    mt_assert_fails(raw_call(pd, MICA_PAGE_DIRECTORY_MAP, vs, 1, 1, MID), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_call(pd, MICA_PAGE_DIRECTORY_MAP, vs, 0, 2, MID), MICA_TRUNCATED_MESSAGE);
    /* Not a VSpace; then the vaddr. */
    const mica_cptr_t not_vspaces[] = { ep, MICA_CAP_INIT_CNODE, pdpt, pd2, big,
                                        bi->user_image_paging.start };
    for (unsigned i = 0; i < sizeof not_vspaces / sizeof not_vspaces[0]; i++) {
        mt_assert_fails(mica_page_directory_map(pd, not_vspaces[i], TOP, 0),
                        MICA_INVALID_CAPABILITY);
        mt_assert_mr(0, 1);
        if (not_vspaces[i] == big)
            continue;
        /* A 2 MiB frame's VSpace argument, checked before its vaddr too. */
        mt_assert_fails(mica_page_map(big, not_vspaces[i], TOP, MICA_READ_WRITE, 0),
                        MICA_INVALID_CAPABILITY);
        mt_assert_mr(0, 1);
    }
    mt_assert_fails(raw_call(big, MICA_PAGE_MAP, vs, 1, 2, MID), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_call(big, MICA_PAGE_MAP, vs, 0, 3, MID), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(mica_page_map(big, vs, TOP - LARGE + PAGE, MICA_READ_WRITE, 0),
                    MICA_INVALID_ARGUMENT);     /* the range before the alignment */
    mt_assert_mr(0, 0);
    mt_assert_fails(mica_page_directory_map(pd, vs, TOP, 0), MICA_INVALID_ARGUMENT);
    mt_assert_mr(0, 0);
    mt_assert_fails(mica_page_directory_map(pd, vs, TOP + MID, 0), MICA_INVALID_ARGUMENT);
    mt_assert_mr(0, 0);
    /* No PDPT over HIGH: FailedLookup, 39 bits left, not the source. */
    mt_assert_fails(mica_page_directory_map(pd, vs, HIGH, 0), MICA_FAILED_LOOKUP);
    mt_assert_mr(0, 0);
    mt_assert_mr(1, MICA_MISSING_CAPABILITY);
    mt_assert_mr(2, 39);
    /* The boot page directory holds the first GiB: DeleteFirst anywhere in it. */
    mt_assert_fails(mica_page_directory_map(pd, vs, 0, 0), MICA_DELETE_FIRST);
    mt_assert_fails(mica_page_directory_map(pd, vs, VM_BASE + 0x4321, 0), MICA_DELETE_FIRST);
    ck_assert(!cap_is_mapped(cap_at(pd)));

    /* Success under the boot PDPT at 5 GiB: the vaddr rounds down to its GiB. */
    mt_assert_fails(mica_page_map(big, vs, MID, MICA_READ_WRITE, 0), MICA_FAILED_LOOKUP);
    mt_assert_mr(2, 30);
    mt_assert_err(mica_page_directory_map(pd, vs, MID + 3 * LARGE + 5, 0), MICA_NO_ERROR);
    assert_holds_table(vs, MID, 30, pd);
    ck_assert_uint_eq(cap_mapped_vaddr(cap_at(pd)), MID);
    /* Now a 2 MiB frame maps in it, and the 4 KiB level is missing 21 bits. */
    mt_assert_fails(mica_page_map(f, vs, MID, MICA_READ_WRITE, 0), MICA_FAILED_LOOKUP);
    mt_assert_mr(2, 21);
    mt_assert_err(mica_page_map(big, vs, MID + LARGE, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    assert_maps(vs, MID + LARGE, big, MICA_LARGE_PAGE_BITS);
    *word_at(MID + LARGE + PAGE + 16) = 0x2d;
    ck_assert_uint_eq(*(volatile mica_word_t *)paddr_to_ptr(cap_obj(cap_at(big)) + PAGE + 16), 0x2d);
    ck_assert_uint_eq(mica_page_get_address(big).paddr, cap_obj(cap_at(big)));
    /* A page table over the 2 MiB frame, a 2 MiB frame over a page table: DeleteFirst. */
    mt_assert_err(mica_page_table_map(pt, vs, MID, 0), MICA_NO_ERROR);
    mica_cptr_t pt2 = make(MICA_PAGE_TABLE_OBJECT), big2 = make(MICA_LARGE_FRAME_OBJECT);
    mt_assert_fails(mica_page_table_map(pt2, vs, MID + LARGE, 0), MICA_DELETE_FIRST);
    assert_maps(vs, MID + LARGE, big, MICA_LARGE_PAGE_BITS);
    mt_assert_fails(mica_page_map(big2, vs, MID, MICA_READ_WRITE, 0), MICA_DELETE_FIRST);
    assert_holds_table(vs, MID, 21, pt);
    ck_assert(!cap_is_mapped(cap_at(big2)));

    /* Mapped: InvalidCapability(0) before the VSpace and the vaddr; copies too. */
    mt_assert_fails(mica_page_directory_map(pd, vs, MID + HUGE, 0), MICA_INVALID_CAPABILITY);
    mt_assert_mr(0, 0);
    mt_assert_fails(mica_page_directory_map(pd, ep, TOP, 0), MICA_INVALID_CAPABILITY);
    mt_assert_mr(0, 0);
    mica_cptr_t pd_copy = mint(pd);
    mt_assert_fails(mica_page_directory_map(pd_copy, vs, MID + HUGE, 0), MICA_INVALID_CAPABILITY);
    mt_assert_mr(0, 0);
    /* Another page directory over it: DeleteFirst; the old one stays. */
    mt_assert_fails(mica_page_directory_map(pd2, vs, MID, 0), MICA_DELETE_FIRST);
    assert_holds_table(vs, MID, 30, pd);
    /* Under a PDPT of its own, at 0xA000000000 and just below 2^47. */
    mt_assert_err(mica_pdpt_map(pdpt, vs, TOP - 1, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_directory_map(pd2, vs, TOP - 1, 0), MICA_NO_ERROR);
    assert_holds_table(vs, TOP - 1, 30, pd2);
    ck_assert_uint_eq(cap_mapped_vaddr(cap_at(pd2)), TOP - HUGE);
    mt_assert_err(mica_page_map(big2, vs, TOP - LARGE, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    *word_at(TOP - 8) = 0x47;
    ck_assert_uint_eq(*(volatile mica_word_t *)paddr_to_ptr(cap_obj(cap_at(big2)) + LARGE - 8), 0x47);
    rec.done = 1;
}

/* seL4: decodeX86PageDirectoryInvocation, lookupPDPTSlot, createSafeMappingEntries_PDE */
START_TEST(page_directory_map_checks_in_sel4_order_and_fails_without_changing_anything)
{
    RUN(root_pd_map);
}
END_TEST

/* --- the missing level, for every kind of mapping ----------------------------------- */

static void root_missing_levels(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t vs = MICA_CAP_INIT_VSPACE;
    mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT), f = make(MICA_FRAME_OBJECT);
    mica_cptr_t big = make(MICA_LARGE_FRAME_OBJECT);
    /* { vaddr, bits left for a page table or 2 MiB frame, for a 4 KiB frame } */
    const struct { mica_word_t va; mica_word_t pd_level, pt_level; } cases[] = {
        { HIGH, 39, 39 }, { TOP - LARGE, 39, 39 }, { MID, 30, 30 }, { VM_BASE, 0, 21 },
    };
    for (unsigned i = 0; i < 4; i++) {
        if (cases[i].pd_level) {
            mt_assert_fails(mica_page_table_map(pt, vs, cases[i].va, 0), MICA_FAILED_LOOKUP);
            mt_assert_mr(0, 0);
            mt_assert_mr(1, MICA_MISSING_CAPABILITY);
            mt_assert_mr(2, cases[i].pd_level);
            mt_assert_fails(mica_page_map(big, vs, cases[i].va, MICA_READ_WRITE, 0),
                            MICA_FAILED_LOOKUP);
            mt_assert_mr(0, 0);
            mt_assert_mr(1, MICA_MISSING_CAPABILITY);
            mt_assert_mr(2, cases[i].pd_level);
        }
        mt_assert_fails(mica_page_map(f, vs, cases[i].va, MICA_READ_WRITE, 0), MICA_FAILED_LOOKUP);
        mt_assert_mr(0, 0);
        mt_assert_mr(1, MICA_MISSING_CAPABILITY);
        mt_assert_mr(2, cases[i].pt_level);
    }
    ck_assert(!cap_is_mapped(cap_at(pt)) && !cap_is_mapped(cap_at(f)) && !cap_is_mapped(cap_at(big)));
    rec.done = 1;
}

/* seL4: lookupPDPTSlot / lookupPDSlot / lookupPTSlot (seL4_MappingFailedLookupLevel) */
START_TEST(every_map_names_the_missing_level_with_39_30_or_21_bits_left)
{
    RUN(root_missing_levels);
}
END_TEST

/* --- Unmap --------------------------------------------------------------------------- */

static void root_unmap(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t vs = MICA_CAP_INIT_VSPACE;
    mica_cptr_t pdpt = make(MICA_PDPT_OBJECT), pd = make(MICA_PAGE_DIRECTORY_OBJECT);
    mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT), f = make(MICA_FRAME_OBJECT);
    mica_cptr_t big = make(MICA_LARGE_FRAME_OBJECT);
    /* Unmapping an unmapped final cap: success, nothing changes (but the cap stays). */
    mt_assert_err(mica_pdpt_unmap(pdpt), MICA_NO_ERROR);
    mt_assert_err(mica_page_directory_unmap(pd), MICA_NO_ERROR);
    ck_assert_uint_eq(cap_type(cap_at(pdpt)), MICA_CAP_TYPE_PDPT);

    mt_assert_err(mica_pdpt_map(pdpt, vs, HIGH, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_directory_map(pd, vs, HIGH, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_table_map(pt, vs, HIGH, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(f, vs, HIGH, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(big, vs, HIGH + LARGE, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    *word_at(HIGH) = 1;
    *word_at(HIGH + LARGE) = 2;

    /* With a copy alive: RevokeFirst, nothing changes. */
    mica_cptr_t c1 = mint(pdpt), c2 = mint(pd);
    mt_assert_fails(mica_pdpt_unmap(pdpt), MICA_REVOKE_FIRST);
    mt_assert_fails(mica_pdpt_unmap(c1), MICA_REVOKE_FIRST);
    mt_assert_fails(mica_page_directory_unmap(pd), MICA_REVOKE_FIRST);
    mt_assert_fails(mica_page_directory_unmap(c2), MICA_REVOKE_FIRST);
    assert_maps(vs, HIGH, f, MICA_PAGE_BITS);
    mt_assert_err(mica_cnode_delete(MICA_CAP_INIT_CNODE, c1, MICA_WORD_BITS), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(MICA_CAP_INIT_CNODE, c2, MICA_WORD_BITS), MICA_NO_ERROR);
    assert_maps(vs, HIGH, f, MICA_PAGE_BITS);   /* deleting a copy unmaps nothing */

    /* PageDirectory_Unmap: both frames leave the kernel and the host; the PD is empty. */
    mt_assert_err(mica_page_directory_unmap(pd), MICA_NO_ERROR);
    ck_assert(!cap_is_mapped(cap_at(pd)));
    ck_assert_uint_eq(entry_at(vs, HIGH, 30), 0);
    ck_assert_uint_eq(host_frame_at(vs, HIGH), 0);
    ck_assert_uint_eq(host_frame_at(vs, HIGH + LARGE), 0);
    const pte_t *t = (const pte_t *)paddr_to_ptr(cap_obj(cap_at(pd)));
    for (unsigned i = 0; i < 512; i++)
        ck_assert_uint_eq(t[i], 0);
    mt_assert_fails(mica_page_map(f, vs, HIGH + PAGE, MICA_READ_WRITE, 0), MICA_INVALID_ARGUMENT);
    /* The page directory maps again elsewhere, empty; its old frames remap under it. */
    mt_assert_err(mica_page_directory_map(pd, vs, HIGH + HUGE, 0), MICA_NO_ERROR);
    mt_assert_fails(mica_page_map(big, vs, HIGH + HUGE, MICA_READ_WRITE, 0), MICA_INVALID_ARGUMENT);
    mt_assert_err(mica_page_unmap(big), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(big, vs, HIGH + HUGE, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    ck_assert_uint_eq(*word_at(HIGH + HUGE), 2);

    /* PDPT_Unmap: the whole 512 GiB goes; the PDPT is empty and maps again. */
    mt_assert_err(mica_pdpt_unmap(pdpt), MICA_NO_ERROR);
    ck_assert(!cap_is_mapped(cap_at(pdpt)));
    ck_assert_uint_eq(entry_at(vs, HIGH, 39), 0);
    ck_assert_uint_eq(host_frame_at(vs, HIGH + HUGE), 0);
    t = (const pte_t *)paddr_to_ptr(cap_obj(cap_at(pdpt)));
    for (unsigned i = 0; i < 512; i++)
        ck_assert_uint_eq(t[i], 0);
    mt_assert_fails(mica_page_map(f, vs, HIGH, MICA_READ_WRITE, 0), MICA_FAILED_LOOKUP);
    mt_assert_mr(2, 39);
    mt_assert_err(mica_pdpt_map(pdpt, vs, TOP - 1, 0), MICA_NO_ERROR);
    assert_holds_table(vs, TOP - 1, 39, pdpt);
    mica_cptr_t f2 = make(MICA_FRAME_OBJECT);
    mt_assert_fails(mica_page_map(f2, vs, TOP - PAGE, MICA_READ_WRITE, 0), MICA_FAILED_LOOKUP);
    mt_assert_mr(2, 30);
    rec.done = 1;
}

/* seL4: performX86PDPTInvocationUnmap / performX86PageDirectoryInvocationUnmap */
START_TEST(pdpt_and_page_directory_unmap_need_the_final_cap_and_take_everything_under_them)
{
    RUN(root_unmap);
}
END_TEST

/* --- 1 GiB frames -------------------------------------------------------------------- */

static void root_huge(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t vs = MICA_CAP_INIT_VSPACE;
    mica_cptr_t huge = make(MICA_HUGE_FRAME_OBJECT);
    mica_cptr_t pdpt = make(MICA_PDPT_OBJECT), pd = make(MICA_PAGE_DIRECTORY_OBJECT);
    mica_cptr_t ep = make(MICA_ENDPOINT_OBJECT), big = make(MICA_LARGE_FRAME_OBJECT);
    mica_cptr_t f = make(MICA_FRAME_OBJECT);
    ck_assert_uint_eq(cap_frame_size_bits(cap_at(huge)), MICA_HUGE_PAGE_BITS);
    ck_assert_uint_eq(mica_page_get_address(huge).paddr, cap_obj(cap_at(huge)));
    ck_assert_uint_eq(mica_page_get_address(huge).paddr % HUGE, 0);

    /* Truncated; the VSpace argument; then the vaddr range (before alignment). */
    assert_fails_unchanged(raw_call(huge, MICA_PAGE_MAP, vs, 1, 2, HIGH), MICA_TRUNCATED_MESSAGE,
                           huge, vs, HIGH, 39);
    assert_fails_unchanged(raw_call(huge, MICA_PAGE_MAP, vs, 0, 3, HIGH), MICA_TRUNCATED_MESSAGE,
                           huge, vs, HIGH, 39);
    const mica_cptr_t not_vspaces[] = { ep, MICA_CAP_INIT_CNODE, pdpt, pd, big,
                                        bi->user_image_paging.start };
    for (unsigned i = 0; i < sizeof not_vspaces / sizeof not_vspaces[0]; i++) {
        assert_fails_unchanged(mica_page_map(huge, not_vspaces[i], TOP, MICA_READ_WRITE, 0),
                               MICA_INVALID_CAPABILITY, huge, vs, HIGH, 39);
        mt_assert_mr(0, 1);
    }
    const mica_word_t outside[] = { TOP, TOP - HUGE + LARGE, TOP - PAGE, ~0ul & ~(HUGE - 1) };
    for (unsigned i = 0; i < 4; i++) {
        assert_fails_unchanged(mica_page_map(huge, vs, outside[i], MICA_READ_WRITE, 0),
                               MICA_INVALID_ARGUMENT, huge, vs, HIGH, 39);
        mt_assert_mr(0, 0);
    }
    /* No PDPT: FailedLookup, 39 bits. */
    assert_fails_unchanged(mica_page_map(huge, vs, HIGH, MICA_READ_WRITE, 0), MICA_FAILED_LOOKUP,
                           huge, vs, HIGH, 39);
    mt_assert_mr(0, 0);
    mt_assert_mr(1, MICA_MISSING_CAPABILITY);
    mt_assert_mr(2, 39);
    /* Unaligned: AlignmentError (checked before the lookup). */
    assert_fails_unchanged(mica_page_map(huge, vs, HIGH + LARGE, MICA_READ_WRITE, 0),
                           MICA_ALIGNMENT_ERROR, huge, vs, HIGH, 39);
    /* The boot page directory holds the first GiB: DeleteFirst. */
    assert_fails_unchanged(mica_page_map(huge, vs, 0, MICA_READ_WRITE, 0), MICA_DELETE_FIRST,
                           huge, vs, 0, 30);
    ck_assert(entry_at(vs, 0, 30) & PTE_TABLE);

    /* Success at 0xA000000000: the root writes through it, the frame holds it. */
    mt_assert_err(mica_pdpt_map(pdpt, vs, HIGH, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(huge, vs, HIGH, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    assert_maps(vs, HIGH, huge, MICA_HUGE_PAGE_BITS);
    ck_assert_uint_eq(entry_at(vs, HIGH, 30) & (PTE_LARGE | PTE_W | PTE_R),
                      PTE_LARGE | PTE_W | PTE_R);
    ck_assert_uint_eq(cap_mapped_vaddr(cap_at(huge)), HIGH);
    const mica_word_t offs[] = { 0, PAGE + 8, HUGE / 2 + 24, HUGE - 8 };
    for (unsigned i = 0; i < 4; i++) {
        *word_at(HIGH + offs[i]) = 0x900d + i;
        ck_assert_uint_eq(*(volatile mica_word_t *)paddr_to_ptr(cap_obj(cap_at(huge)) + offs[i]),
                          0x900d + i);
    }
    ck_assert_ptr_eq((char *)mica_vaddr_to_ptr(HIGH + HUGE - 8), (char *)mica_vaddr_to_ptr(HIGH) + HUGE - 8);
    /* Below the frame nothing maps: a page directory there is DeleteFirst, a page table and a
     * 4 KiB frame find no page directory (30 bits). */
    assert_fails_unchanged(mica_page_directory_map(pd, vs, HIGH + LARGE, 0), MICA_DELETE_FIRST,
                           pd, vs, HIGH, 30);
    ck_assert(!cap_is_mapped(cap_at(pd)));
    assert_fails_unchanged(mica_page_map(f, vs, HIGH + PAGE, MICA_READ_WRITE, 0),
                           MICA_FAILED_LOOKUP, f, vs, HIGH, 30);
    mt_assert_mr(2, 30);
    assert_fails_unchanged(mica_page_map(big, vs, HIGH + LARGE, MICA_READ_WRITE, 0),
                           MICA_FAILED_LOOKUP, big, vs, HIGH, 30);
    mt_assert_mr(2, 30);
    /* Mapped: elsewhere InvalidArgument(0), in another VSpace InvalidCapability(1); the same
     * place is a remap (here read-only). */
    assert_fails_unchanged(mica_page_map(huge, vs, HIGH + HUGE, MICA_READ_WRITE, 0),
                           MICA_INVALID_ARGUMENT, huge, vs, HIGH, 30);
    mt_assert_mr(0, 0);
    mica_cptr_t vs2 = make(MICA_VSPACE_OBJECT);
    assert_fails_unchanged(mica_page_map(huge, vs2, HIGH, MICA_READ_WRITE, 0),
                           MICA_INVALID_CAPABILITY, huge, vs, HIGH, 30);
    mt_assert_mr(0, 1);
    mt_assert_err(mica_page_map(huge, vs, HIGH, MICA_CAN_READ, 0), MICA_NO_ERROR);
    ck_assert_uint_eq(entry_at(vs, HIGH, 30) & (PTE_W | PTE_R), PTE_R);
    ck_assert_uint_eq(*word_at(HIGH + HUGE / 2 + 24), 0x900d + 2);

    /* A page directory after Page_Unmap; then the frame over it is DeleteFirst. */
    mt_assert_err(mica_page_unmap(huge), MICA_NO_ERROR);
    ck_assert_uint_eq(entry_at(vs, HIGH, 30), 0);
    ck_assert_uint_eq(host_frame_at(vs, HIGH), 0);
    mt_assert_err(mica_page_directory_map(pd, vs, HIGH, 0), MICA_NO_ERROR);
    assert_fails_unchanged(mica_page_map(huge, vs, HIGH, MICA_READ_WRITE, 0), MICA_DELETE_FIRST,
                           huge, vs, HIGH, 30);
    assert_holds_table(vs, HIGH, 30, pd);
    ck_assert(!cap_is_mapped(cap_at(huge)));
    /* The last GiB below 2^47, contents kept. */
    mica_cptr_t pdpt2 = make(MICA_PDPT_OBJECT);
    mt_assert_err(mica_pdpt_map(pdpt2, vs, TOP - HUGE, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(huge, vs, TOP - HUGE, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    assert_maps(vs, TOP - HUGE, huge, MICA_HUGE_PAGE_BITS);
    ck_assert_uint_eq(*word_at(TOP - 8), 0x900d + 3);
    *word_at(TOP - 16) = 0x7e;
    /* Deleting its only cap unmaps it. */
    mt_assert_err(mica_cnode_delete(MICA_CAP_INIT_CNODE, huge, MICA_WORD_BITS), MICA_NO_ERROR);
    ck_assert_uint_eq(entry_at(vs, TOP - HUGE, 30), 0);
    ck_assert_uint_eq(host_frame_at(vs, TOP - HUGE), 0);
    rec.done = 1;
}

/* seL4: decodeX86FrameInvocation (X86_HugePage), createSafeMappingEntries_PDPTE */
START_TEST(a_1_gib_frame_maps_in_a_pdpt_and_fails_in_sel4_order_without_changing_anything)
{
    RUN_BIG(root_huge);
}
END_TEST

static void root_get_address(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    /* The 1 GiB frame first: it needs the whole 1 GiB untyped. */
    const mica_word_t types[] = { MICA_HUGE_FRAME_OBJECT, MICA_LARGE_FRAME_OBJECT, MICA_FRAME_OBJECT };
    const unsigned bits[] = { MICA_HUGE_PAGE_BITS, MICA_LARGE_PAGE_BITS, MICA_PAGE_BITS };
    for (unsigned i = 0; i < 3; i++) {
        mica_cptr_t f = make(types[i]);
        mica_page_get_address_t a = mica_page_get_address(f);
        mt_assert_err(a.error, MICA_NO_ERROR);
        ck_assert_uint_eq(a.paddr, cap_obj(cap_at(f)));
        ck_assert_uint_eq(a.paddr & ((1ul << bits[i]) - 1), 0);
        ck_assert_uint_lt(a.paddr + (1ul << bits[i]) - 1, 2 * HUGE + (32ul << 20));
        /* The same for a copy, and mapped or not. */
        ck_assert_uint_eq(mica_page_get_address(mint(f)).paddr, a.paddr);
        mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_VSPACE, HIGH + i * HUGE, f, MICA_READ_WRITE),
                      MICA_NO_ERROR);
        ck_assert_uint_eq(mica_page_get_address(f).paddr, a.paddr);
        *word_at(HIGH + i * HUGE + 8) = 0x60 + i;
        ck_assert_uint_eq(*(volatile mica_word_t *)paddr_to_ptr(a.paddr + 8), 0x60 + i);
    }
    /* Not a frame: IllegalOperation. */
    mica_page_get_address_t a = mica_page_get_address(make(MICA_PAGE_DIRECTORY_OBJECT));
    mt_assert_err(a.error, MICA_ILLEGAL_OPERATION);
    rec.done = 1;
}

START_TEST(page_get_address_gives_the_physical_address_of_4_kib_2_mib_and_1_gib_frames)
{
    RUN_BIG(root_get_address);
}
END_TEST

/* --- deleting and revoking upper levels ---------------------------------------------- */

/* Read vaddr (step 1), wait for go, read it again (step 2), then write value (step 3). */
static void read_wait_read_write(mica_word_t slot, mica_word_t vaddr, mica_word_t go,
                                 mica_word_t value)
{
    mica_word_t badge;
    rec.value[slot] = *word_at(vaddr);
    rec.step[slot] = 1;
    mica_wait(go, &badge);
    rec.value[slot + 1] = *word_at(vaddr);
    rec.step[slot] = 2;
    *word_at(vaddr) = value;
    rec.step[slot] = 3;
}

static void start_reader(mica_cptr_t fault_ep, mica_word_t slot, mica_word_t vaddr,
                         mica_cptr_t go, mica_word_t value)
{
    mica_thread_config_t cfg = { .name = "reader", .prio = PRIO, .fault_ep = fault_ep };
    mica_thread_t t;
    mt_assert_err(mica_thread_create(&env, &cfg, &t), MICA_NO_ERROR);
    mt_assert_err(mica_thread_start(&t, read_wait_read_write, slot, vaddr, go, value),
                  MICA_NO_ERROR);
}

/* Which level goes, and how. */
enum { GO_PDPT_DELETE, GO_PD_DELETE, GO_PD_REVOKE, GO_PDPT_REVOKE };

static int gone_how;

/* With revoke, a 4 KiB untyped of its own for the structure that goes. */
static mica_cptr_t make_untyped_or_0(bool revoke)
{
    if (!revoke)
        return 0;
    mica_cptr_t ut = mica_env_make(&env, MICA_UNTYPED_OBJECT, MICA_PAGE_BITS);
    ck_assert_uint_ne(ut, 0);
    return ut;
}

/*
 * HIGH: a PDPT, a page directory, a page table with a 4 KiB frame at HIGH
 * and a 2 MiB frame at HIGH + LARGE; a reader thread uses the 4 KiB frame.
 * Then the PDPT or the page directory goes (its last cap deleted, or the
 * untyped it came from revoked), and the reader's next access faults. The
 * lower caps keep stale records: Map of a stale table is InvalidCapability(0)
 * as on seL4, Unmap is safe, and afterwards everything maps again.
 */
static void root_level_goes(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t vs = MICA_CAP_INIT_VSPACE;
    mica_cptr_t fault_ep = make(MICA_ENDPOINT_OBJECT), go = make(MICA_NOTIFICATION_OBJECT);
    bool pdpt_goes = gone_how == GO_PDPT_DELETE || gone_how == GO_PDPT_REVOKE;
    bool revoke = gone_how == GO_PD_REVOKE || gone_how == GO_PDPT_REVOKE;
    mica_cptr_t ut = make_untyped_or_0(revoke);
    mica_cptr_t pdpt, pd;
    mica_cptr_t *victim = pdpt_goes ? &pdpt : &pd;
    pdpt = pdpt_goes && revoke ? 0 : make(MICA_PDPT_OBJECT);
    pd = !pdpt_goes && revoke ? 0 : make(MICA_PAGE_DIRECTORY_OBJECT);
    if (revoke) {
        *victim = mica_env_slot(&env);
        mt_assert_err(mica_untyped_retype(ut, pdpt_goes ? MICA_PDPT_OBJECT
                                                        : MICA_PAGE_DIRECTORY_OBJECT,
                                          0, MICA_CAP_INIT_CNODE, 0, 0, *victim, 1), MICA_NO_ERROR);
    }
    mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT), f = make(MICA_FRAME_OBJECT);
    mica_cptr_t big = make(MICA_LARGE_FRAME_OBJECT);
    mt_assert_err(mica_pdpt_map(pdpt, vs, HIGH, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_directory_map(pd, vs, HIGH, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_table_map(pt, vs, HIGH, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(f, vs, HIGH, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(big, vs, HIGH + LARGE, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    *word_at(HIGH + 8) = 11;
    *word_at(HIGH + LARGE + 8) = 22;
    start_reader(fault_ep, 0, HIGH + 8, go, 33);
    let_others_run();
    ck_assert_int_eq(rec.step[0], 1);
    ck_assert_uint_eq(rec.value[0], 11);

    if (revoke)
        mt_assert_err(mica_cnode_revoke(MICA_CAP_INIT_CNODE, ut, MICA_WORD_BITS), MICA_NO_ERROR);
    else
        mt_assert_err(mica_cnode_delete(MICA_CAP_INIT_CNODE, *victim, MICA_WORD_BITS),
                      MICA_NO_ERROR);
    ck_assert_uint_eq(cap_type(cap_at(*victim)), MICA_CAP_TYPE_NULL);
    /* Nothing under it is reachable, in the kernel or the host. */
    ck_assert_uint_eq(entry_at(vs, HIGH, pdpt_goes ? 39 : 30), 0);
    ck_assert_uint_eq(host_frame_at(vs, HIGH), 0);
    ck_assert_uint_eq(host_frame_at(vs, HIGH + LARGE), 0);
    if (!pdpt_goes)
        assert_holds_table(vs, HIGH, 39, pdpt);     /* the level above stays */

    /* The reader's next access is a VM fault at its vaddr. */
    mica_signal(go);
    mica_fault_t fault = wait_fault(fault_ep);
    ck_assert_uint_eq(fault.kind, MICA_FAULT_VM);
    ck_assert_uint_eq(fault.addr, HIGH + 8);
#if defined(__x86_64__)
    ck_assert_uint_eq(fault.fsr, FSR_READ_UNMAPPED);
#endif
    ck_assert_int_eq(rec.step[0], 1);

    /* The lower caps: stale records; Map of a stale table is refused, Unmap is safe. */
    mica_cptr_t survivor = pdpt_goes ? pd : pt;
    ck_assert(cap_is_mapped(cap_at(survivor)));
    if (pdpt_goes) {
        mt_assert_fails(mica_page_directory_map(pd, vs, HIGH, 0), MICA_INVALID_CAPABILITY);
        mt_assert_mr(0, 0);
        mt_assert_err(mica_page_directory_unmap(pd), MICA_NO_ERROR);
    }
    mt_assert_fails(mica_page_table_map(pt, vs, HIGH, 0), MICA_INVALID_CAPABILITY);
    mt_assert_mr(0, 0);
    mt_assert_err(mica_page_table_unmap(pt), MICA_NO_ERROR);
    mt_assert_err(mica_page_unmap(f), MICA_NO_ERROR);
    mt_assert_err(mica_page_unmap(big), MICA_NO_ERROR);
    ck_assert(!cap_is_mapped(cap_at(pt)) && !cap_is_mapped(cap_at(f)) && !cap_is_mapped(cap_at(big)));

    /* A new structure where the old one was: no DeleteFirst, and everything maps cleanly. */
    mica_cptr_t fresh = make(pdpt_goes ? MICA_PDPT_OBJECT : MICA_PAGE_DIRECTORY_OBJECT);
    if (pdpt_goes) {
        mt_assert_fails(mica_page_map(f, vs, HIGH, MICA_READ_WRITE, 0), MICA_FAILED_LOOKUP);
        mt_assert_mr(2, 39);
        mt_assert_err(mica_pdpt_map(fresh, vs, HIGH, 0), MICA_NO_ERROR);
        mt_assert_err(mica_page_directory_map(pd, vs, HIGH, 0), MICA_NO_ERROR);
    } else {
        mt_assert_fails(mica_page_map(f, vs, HIGH, MICA_READ_WRITE, 0), MICA_FAILED_LOOKUP);
        mt_assert_mr(2, 30);
        mt_assert_err(mica_page_directory_map(fresh, vs, HIGH, 0), MICA_NO_ERROR);
    }
    mt_assert_err(mica_page_table_map(pt, vs, HIGH, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(f, vs, HIGH, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(big, vs, HIGH + LARGE, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    ck_assert_uint_eq(*word_at(HIGH + LARGE + 8), 22);     /* frames keep their contents */
    mica_reply(mica_msginfo_new(0, 0, 0, 0));
    let_others_run();
    ck_assert_int_eq(rec.step[0], 3);
    ck_assert_uint_eq(rec.value[1], 11);
    ck_assert_uint_eq(*word_at(HIGH + 8), 33);
    rec.done = 1;
}

START_TEST(deleting_a_pdpt_unmaps_everything_under_it)
{
    gone_how = GO_PDPT_DELETE;
    RUN(root_level_goes);
}
END_TEST

START_TEST(deleting_a_page_directory_unmaps_everything_under_it)
{
    gone_how = GO_PD_DELETE;
    RUN(root_level_goes);
}
END_TEST

START_TEST(revoking_the_untyped_of_a_pdpt_or_a_page_directory_unmaps_everything_under_it)
{
    gone_how = GO_PDPT_REVOKE;
    RUN(root_level_goes);
    gone_how = GO_PD_REVOKE;
    RUN(root_level_goes);
}
END_TEST

/* --- far addresses, in the root VSpace and in a second process ----------------------- */

#define LAST (TOP - PAGE)

/* Read both words, write new ones, report. */
static void use_far(mica_word_t slot, mica_word_t done, mica_word_t r2, mica_word_t r3)
{
    (void)r2; (void)r3;
    rec.value[slot] = *word_at(HIGH + 8);
    rec.value[slot + 1] = *word_at(LAST + PAGE - 8);
    *word_at(HIGH + 8) = 0xa1;
    *word_at(LAST + PAGE - 8) = 0xb1;
    rec.step[slot] = 1;
    mica_signal(done);
}

static int in_process;

static void root_far(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t done = make(MICA_NOTIFICATION_OBJECT);
    mica_cptr_t fa = make(MICA_FRAME_OBJECT), fb = make(MICA_FRAME_OBJECT);
    mica_process_t p;
    mica_cptr_t vs = MICA_CAP_INIT_VSPACE;
    if (in_process) {
        mica_process_config_t pc = { .name = "far", .prio = PRIO };
        mt_assert_err(mica_process_create(&env, &pc, &p), MICA_NO_ERROR);
        vs = p.vspace;
        /* The root sees the frames through copies at VM_BASE. */
        mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_VSPACE, VM_BASE, mint(fa), MICA_READ_WRITE),
                      MICA_NO_ERROR);
        mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_VSPACE, VM_BASE + PAGE, mint(fb),
                                    MICA_READ_WRITE), MICA_NO_ERROR);
    }
    mica_word_t va = in_process ? VM_BASE : HIGH, vb = in_process ? VM_BASE + PAGE : LAST;
    /* mica_user_map builds the PDPT, page directory and page table over each. */
    mica_word_t made = env.page_tables;
    mt_assert_err(mica_user_map(&env, vs, HIGH, fa, MICA_READ_WRITE), MICA_NO_ERROR);
    mt_assert_err(mica_user_map(&env, vs, LAST, fb, MICA_READ_WRITE), MICA_NO_ERROR);
    ck_assert_uint_eq(env.page_tables, made + 6);
    assert_maps(vs, HIGH, fa, MICA_PAGE_BITS);
    assert_maps(vs, LAST, fb, MICA_PAGE_BITS);
    ck_assert(entry_at(vs, HIGH, 39) & PTE_TABLE);
    ck_assert(entry_at(vs, LAST, 39) & PTE_TABLE);
    ck_assert_uint_ne(PTE_PADDR(entry_at(vs, HIGH, 39)), PTE_PADDR(entry_at(vs, LAST, 39)));
    *word_at(va + 8) = 0xa0;
    *word_at(vb + PAGE - 8) = 0xb0;

    if (in_process) {
        /* The root VSpace has nothing there: the mappings are the process's alone. */
        ck_assert_uint_eq(entry_at(MICA_CAP_INIT_VSPACE, HIGH, 39), 0);
        ck_assert_uint_eq(host_frame_at(MICA_CAP_INIT_VSPACE, HIGH), 0);
        ck_assert_uint_eq(host_frame_at(MICA_CAP_INIT_VSPACE, LAST), 0);
        mt_assert_err(mica_process_start(&p, use_far, 0, mica_process_give(&p, done, MICA_CAN_WRITE, 0),
                                         0, 0), MICA_NO_ERROR);
    } else {
        mica_thread_config_t cfg = { .name = "far", .prio = PRIO };
        mica_thread_t t;
        mt_assert_err(mica_thread_create(&env, &cfg, &t), MICA_NO_ERROR);
        mt_assert_err(mica_thread_start(&t, use_far, 0, done, 0, 0), MICA_NO_ERROR);
    }
    mica_word_t badge;
    mica_wait(done, &badge);
    ck_assert_int_eq(rec.step[0], 1);
    ck_assert_uint_eq(rec.value[0], 0xa0);
    ck_assert_uint_eq(rec.value[1], 0xb0);
    ck_assert_uint_eq(*word_at(va + 8), 0xa1);
    ck_assert_uint_eq(*word_at(vb + PAGE - 8), 0xb1);
    /* Through the frames themselves too. */
    ck_assert_uint_eq(*(volatile mica_word_t *)paddr_to_ptr(cap_obj(cap_at(fa)) + 8), 0xa1);
    ck_assert_uint_eq(*(volatile mica_word_t *)paddr_to_ptr(cap_obj(cap_at(fb)) + PAGE - 8), 0xb1);
    rec.done = 1;
}

START_TEST(a_thread_uses_mappings_at_0xa000000000_and_below_2_47_in_the_root_vspace)
{
    in_process = 0;
    RUN(root_far);
}
END_TEST

START_TEST(a_second_process_uses_mappings_at_0xa000000000_and_below_2_47)
{
    in_process = 1;
    RUN(root_far);
}
END_TEST

/* --- the invariants fire on corrupted upper levels ------------------------------------ */

/* As in test_vspace.c: corrupt, make one more system call, the checker stops exactly there. */
static uint64_t armed_at;
static int ran_past_trigger;

static void arm(void)
{
    tcb_ptr(NODE.cur_thread)->time_slice = 1u << 30;
    armed_at = ks.count.kernel_entries;
}

static void trigger(void)
{
    (void)mica_debug_cap_identify(MICA_CAP_INIT_TCB);
    ran_past_trigger = 1;
}

static void expect_invariant_cfg(mt_root_fn fn, const char *inv, bool big)
{
    mica_config_t cfg;
    mt_config(&cfg);
    if (big)
        cfg.phys_mem_bytes = 2 * HUGE + (32ul << 20);
    armed_at = UINT64_MAX;
    ran_past_trigger = 0;
    mica_run_result_t r = mt_run_cfg(&cfg, fn);
    ck_assert_msg(r.reason == MICA_STOP_INVARIANT, "expected %s; the run stopped with %s: %s", inv,
                  mica_stop_reason_name(r.reason), r.message);
    char want[64];
    snprintf(want, sizeof want, "invariant %s broken", inv);
    ck_assert_msg(strstr(r.message, want) != NULL, "expected %s, got: %s", inv, r.message);
    ck_assert_msg(armed_at != UINT64_MAX, "the root task never armed the corruption");
    ck_assert_uint_eq(r.kernel_entries, armed_at + 1);
    ck_assert_int_eq(ran_past_trigger, 0);
}

static void expect_invariant(mt_root_fn fn, const char *inv)
{
    expect_invariant_cfg(fn, inv, false);
}

/* A PDPT and a page directory at HIGH, and a page table with one frame; caps in order. */
static mica_cptr_t pdpt_c, pd_c, pt_c, frame_c;

/* bi NULL: env is already set up. */
static void build_high(const mica_bootinfo_t *bi)
{
    if (bi)
        mica_env_init(&env, bi);
    pdpt_c = make(MICA_PDPT_OBJECT);
    pd_c = make(MICA_PAGE_DIRECTORY_OBJECT);
    pt_c = make(MICA_PAGE_TABLE_OBJECT);
    frame_c = make(MICA_FRAME_OBJECT);
    mt_assert_err(mica_pdpt_map(pdpt_c, MICA_CAP_INIT_VSPACE, HIGH, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_directory_map(pd_c, MICA_CAP_INIT_VSPACE, HIGH, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_table_map(pt_c, MICA_CAP_INIT_VSPACE, HIGH, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(frame_c, MICA_CAP_INIT_VSPACE, HIGH, MICA_READ_WRITE, 0),
                  MICA_NO_ERROR);
}

static pte_t *high_entry(mica_word_t vaddr, unsigned bits)
{
    return entry_ptr(MICA_CAP_INIT_VSPACE, vaddr, bits);
}

/* valid_vspace_objs */

static void corrupt_pdpt_entry_table_and_huge_frame(const mica_bootinfo_t *bi)
{
    build_high(bi);
    arm();
    *high_entry(HIGH, 30) |= PTE_FRAME | PTE_LARGE;     /* a 1 GiB frame over the page directory */
    trigger();
}

static void corrupt_pml4_entry_holds_a_frame(const mica_bootinfo_t *bi)
{
    build_high(bi);
    arm();
    *high_entry(HIGH + (1ul << 39), 39) = PTE_FRAME | PTE_LARGE | PTE_R | PTE_W;
    trigger();
}

static void corrupt_pdpt_entry_misaligned_huge_frame(const mica_bootinfo_t *bi)
{
    build_high(bi);
    mica_cptr_t big = make(MICA_LARGE_FRAME_OBJECT);
    arm();
    /* A 2 MiB frame's memory as a 1 GiB mapping: it overlaps whatever lies after it. */
    *high_entry(HIGH + HUGE, 30) = cap_obj(cap_at(big)) | PTE_FRAME | PTE_LARGE | PTE_R | PTE_W;
    trigger();
}

static void corrupt_pd_entry_table_and_large_frame(const mica_bootinfo_t *bi)
{
    build_high(bi);
    arm();
    *high_entry(HIGH, 21) |= PTE_FRAME | PTE_LARGE;     /* a 2 MiB frame over the page table */
    trigger();
}

START_TEST(valid_vspace_objs_catches_overlapping_mappings_at_the_pml4_pdpt_and_page_directory)
{
    expect_invariant(corrupt_pdpt_entry_table_and_huge_frame, "valid_vspace_objs");
    expect_invariant(corrupt_pml4_entry_holds_a_frame, "valid_vspace_objs");
    expect_invariant(corrupt_pdpt_entry_misaligned_huge_frame, "valid_vspace_objs");
    expect_invariant(corrupt_pd_entry_table_and_large_frame, "valid_vspace_objs");
}
END_TEST

/* unique_table_refs */

static void corrupt_page_directory_twice(const mica_bootinfo_t *bi)
{
    build_high(bi);
    arm();
    *high_entry(HIGH + 3 * HUGE, 30) = *high_entry(HIGH, 30);
    trigger();
}

static void corrupt_pdpt_twice(const mica_bootinfo_t *bi)
{
    build_high(bi);
    arm();
    *high_entry(HIGH + (1ul << 39), 39) = *high_entry(HIGH, 39);
    trigger();
}

static void corrupt_pd_caps_disagree(const mica_bootinfo_t *bi)
{
    build_high(bi);
    mica_cptr_t copy = mint(pd_c);
    arm();
    cap_t root = tcb_slot(ks.root_tcb, TCB_CTABLE)->cap;
    cap_cnode_slots(root)[copy].cap.word += (HUGE >> MICA_PAGE_BITS) << 1;  /* a GiB further up */
    trigger();
}

static void corrupt_pdpt_caps_disagree(const mica_bootinfo_t *bi)
{
    build_high(bi);
    mica_cptr_t copy = mint(pdpt_c);
    arm();
    cap_t root = tcb_slot(ks.root_tcb, TCB_CTABLE)->cap;
    cap_cnode_slots(root)[copy].cap.word += ((1ul << 39) >> MICA_PAGE_BITS) << 1;
    trigger();
}

START_TEST(unique_table_refs_catches_a_pdpt_or_page_directory_with_two_parents)
{
    expect_invariant(corrupt_page_directory_twice, "unique_table_refs");
    expect_invariant(corrupt_pdpt_twice, "unique_table_refs");
    expect_invariant(corrupt_pd_caps_disagree, "unique_table_refs");
    expect_invariant(corrupt_pdpt_caps_disagree, "unique_table_refs");
}
END_TEST

/* valid_vs_lookup */

static void corrupt_pd_without_cap(const mica_bootinfo_t *bi)
{
    build_high(bi);
    mica_cptr_t pd = make(MICA_PAGE_DIRECTORY_OBJECT);  /* not mapped */
    arm();
    *high_entry(HIGH + HUGE, 30) = cap_obj(cap_at(pd)) | PTE_TABLE;
    trigger();
}

static void corrupt_pdpt_without_cap(const mica_bootinfo_t *bi)
{
    build_high(bi);
    mica_cptr_t pdpt = make(MICA_PDPT_OBJECT);
    arm();
    *high_entry(HIGH + (1ul << 39), 39) = cap_obj(cap_at(pdpt)) | PTE_TABLE;
    trigger();
}

static void corrupt_pt_without_cap(const mica_bootinfo_t *bi)
{
    build_high(bi);
    mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT);
    arm();
    *high_entry(HIGH + LARGE, 21) = cap_obj(cap_at(pt)) | PTE_TABLE;
    trigger();
}

/* A PDPT entry holding a mapped page table: no page-directory cap records it there. */
static void corrupt_pdpt_entry_holds_a_page_table(const mica_bootinfo_t *bi)
{
    build_high(bi);
    arm();
    *high_entry(HIGH + HUGE, 30) = cap_obj(cap_at(pt_c)) | PTE_TABLE;
    trigger();
}

static void corrupt_pml4_entry_holds_a_page_directory(const mica_bootinfo_t *bi)
{
    build_high(bi);
    arm();
    *high_entry(HIGH + (1ul << 39), 39) = cap_obj(cap_at(pd_c)) | PTE_TABLE;
    trigger();
}

START_TEST(valid_vs_lookup_catches_a_pdpt_page_directory_or_page_table_no_cap_records)
{
    expect_invariant(corrupt_pd_without_cap, "valid_vs_lookup");
    expect_invariant(corrupt_pdpt_without_cap, "valid_vs_lookup");
    expect_invariant(corrupt_pt_without_cap, "valid_vs_lookup");
    expect_invariant(corrupt_pdpt_entry_holds_a_page_table, "valid_vs_lookup");
    expect_invariant(corrupt_pml4_entry_holds_a_page_directory, "valid_vs_lookup");
}
END_TEST

/* 1 GiB frames: one no cap records, one the host window lost. */

static mica_cptr_t map_huge(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t huge = make(MICA_HUGE_FRAME_OBJECT);    /* first: it needs the 1 GiB untyped */
    build_high(NULL);
    mt_assert_err(mica_page_map(huge, MICA_CAP_INIT_VSPACE, HIGH + HUGE, MICA_READ_WRITE, 0),
                  MICA_NO_ERROR);
    return huge;
}

static void corrupt_huge_frame_without_cap(const mica_bootinfo_t *bi)
{
    mica_cptr_t huge = map_huge(bi);
    arm();
    *high_entry(HIGH + 2 * HUGE, 30) = *high_entry(HIGH + HUGE, 30);
    (void)huge;
    trigger();
}

static void corrupt_host_lost_huge_frame(const mica_bootinfo_t *bi)
{
    map_huge(bi);
    arm();
    hw_unmap(cap_obj(cap_at(MICA_CAP_INIT_VSPACE)), HIGH + HUGE, MICA_HUGE_PAGE_BITS);
    trigger();
}

static void corrupt_huge_frame_rights(const mica_bootinfo_t *bi)
{
    map_huge(bi);
    arm();
    *high_entry(HIGH + HUGE, 30) &= ~PTE_W;
    trigger();
}

START_TEST(the_vspace_invariants_catch_a_corrupted_1_gib_mapping)
{
    expect_invariant_cfg(corrupt_huge_frame_without_cap, "valid_vs_lookup", true);
    expect_invariant_cfg(corrupt_host_lost_huge_frame, "valid_host_window", true);
    expect_invariant_cfg(corrupt_huge_frame_rights, "valid_host_window", true);
}
END_TEST

/* ------------------------------------------------------------------------------------- */

static Suite *vspace_levels_suite(void)
{
    Suite *s = suite_create("vspace_levels");
    TCase *tc;

    tc = mt_tcase(s, "map_errors");
    tcase_add_test(tc, pdpt_map_checks_in_sel4_order_and_fails_without_changing_anything);
    tcase_add_test(tc, page_directory_map_checks_in_sel4_order_and_fails_without_changing_anything);
    tcase_add_test(tc, every_map_names_the_missing_level_with_39_30_or_21_bits_left);
    tcase_add_test(tc, pdpt_and_page_directory_unmap_need_the_final_cap_and_take_everything_under_them);
    tcase_add_test(tc, a_1_gib_frame_maps_in_a_pdpt_and_fails_in_sel4_order_without_changing_anything);
    tcase_add_test(tc, page_get_address_gives_the_physical_address_of_4_kib_2_mib_and_1_gib_frames);

    tc = mt_tcase(s, "paging");
    tcase_add_test(tc, deleting_a_pdpt_unmaps_everything_under_it);
    tcase_add_test(tc, deleting_a_page_directory_unmaps_everything_under_it);
    tcase_add_test(tc, revoking_the_untyped_of_a_pdpt_or_a_page_directory_unmaps_everything_under_it);
    tcase_add_test(tc, a_thread_uses_mappings_at_0xa000000000_and_below_2_47_in_the_root_vspace);
    tcase_add_test(tc, a_second_process_uses_mappings_at_0xa000000000_and_below_2_47);

    tc = mt_tcase(s, "invariants");
    tcase_add_test(tc, valid_vspace_objs_catches_overlapping_mappings_at_the_pml4_pdpt_and_page_directory);
    tcase_add_test(tc, unique_table_refs_catches_a_pdpt_or_page_directory_with_two_parents);
    tcase_add_test(tc, valid_vs_lookup_catches_a_pdpt_page_directory_or_page_table_no_cap_records);
    tcase_add_test(tc, the_vspace_invariants_catch_a_corrupted_1_gib_mapping);
    return s;
}

MICA_TEST_MAIN(vspace_levels_suite)
