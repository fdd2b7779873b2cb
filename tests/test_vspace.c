#define _GNU_SOURCE
/*
 * test_vspace.c - address spaces, VM faults and crash containment.
 *
 *   demo        an unmapped access faults to a pager; the access is retried
 *   map_errors  PageTable_Map / Page_Map failures with seL4's exact codes and
 *               details, each leaving the kernel unchanged (mt_kernel_digest)
 *   sharing     two processes mapping one frame see each other's writes
 *   paging      read-only write faults, demand paging of 1 MiB by a user-level
 *               pager, unmap / delete of frames, page tables and VSpaces
 *   crashes     NULL, SIGFPE, SIGILL, SIGBUS, abort() and stack overflow each
 *               stop only their thread; a supervisor restarts a crashed server
 *   scale       1,000 VSpaces alive at once
 *   invariants  each VSpace invariant fires on a deliberately corrupted state
 *
 * sel4test: PAGEFAULT0001-0002/1001-1002 (read and write VM faults, restart
 * on reply), PAGEFAULT0005 (undefined instruction), VSPACE0000 (threads in
 * another CSpace and VSpace), VSPACE0001 (unmap a page after deleting its
 * VSpace), FRAMEDIPC0003 (deleting a frame cap unmaps it). The mapping
 * errors follow sel4-semantics.md section 9.
 *
 * The root task (priority 255) is the fault handler unless a test says
 * otherwise; the threads it starts run below it. All objects come from the
 * user library's allocator (mica/user.h), never from mt_make, so the two
 * never hand out one slot twice.
 */
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "harness.h"
#include "kernel_peek.h"

#define PAGE       (1ul << MICA_PAGE_BITS)
#define LARGE      (1ul << MICA_LARGE_PAGE_BITS)
#define TOP        (1ul << MICA_VADDR_BITS)
#define PRIO       100
#define VM_BASE    0x20000000ul     /* far above what the allocator hands out */

/* x86 page-fault error codes a task gets in MR3 (FSR): P=1 W=2 U=4. */
#define FSR_READ_UNMAPPED  0x4ul
#define FSR_WRITE_UNMAPPED 0x6ul
#define FSR_WRITE_READONLY 0x7ul

/* The write bit of a VM fault's FSR: x86 reports it; on AArch64 mica's FSR is 0. */
#if defined(__x86_64__)
#define assert_write(f, w) ck_assert_uint_eq((f).write, (w))
#else
#define assert_write(f, w) ((void)(f))
#endif

/* Crash on purpose: no sanitizer may get there first. */
#define CRASHER __attribute__((noinline, no_sanitize("address", "undefined")))

static mica_env_t env;

static struct {
    volatile int step[16];          /* how far each thread got */
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

/* A fresh VSpace's upper levels over vaddr: a PDPT and a page directory, mapped. */
static void upper_levels(mica_cptr_t vs, mica_word_t vaddr)
{
    mt_assert_err(mica_pdpt_map(make(MICA_PDPT_OBJECT), vs, vaddr, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_directory_map(make(MICA_PAGE_DIRECTORY_OBJECT), vs, vaddr, 0),
                  MICA_NO_ERROR);
}

static mica_cptr_t mint(mica_cptr_t src, mica_word_t badge)
{
    mica_cptr_t c = mica_env_mint(&env, src, MICA_ALL_RIGHTS, badge);
    ck_assert_uint_ne(c, 0);
    return c;
}

/* A thread in the root's CSpace and VSpace at entry(arg, arg1, 0, 0), faults to fault_ep. */
static mica_thread_t spawn_thread(const char *name, mica_entry_fn entry, mica_word_t arg,
                                  mica_word_t arg1, mica_word_t prio, mica_cptr_t fault_ep,
                                  mica_word_t stack_pages)
{
    mica_thread_config_t cfg = { .name = name, .prio = prio, .fault_ep = fault_ep,
                                 .stack_pages = stack_pages };
    mica_thread_t t;
    mt_assert_err(mica_thread_create(&env, &cfg, &t), MICA_NO_ERROR);
    mt_assert_err(mica_thread_start(&t, entry, arg, arg1, 0, 0), MICA_NO_ERROR);
    return t;
}

/* Let every lower-priority thread run until it blocks or ends. */
static void let_others_run(void)
{
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 1), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, MICA_MAX_PRIO),
                  MICA_NO_ERROR);
}

/* Receive one fault on ep and decode it. */
static mica_fault_t wait_fault(mica_cptr_t ep)
{
    mica_word_t badge = 0;
    mica_msginfo_t info = mica_recv(ep, &badge);
    return mica_fault_decode(info, badge);
}

static void reply_empty(void)
{
    mica_reply(mica_msginfo_new(0, 0, 0, 0));
}

static volatile int *word_at(mica_word_t vaddr)
{
    return (volatile int *)mica_vaddr_to_ptr(vaddr);
}

/* --- demo: demand paging by the root task ------------------------------------------ */

static void touch_and_record(mica_word_t slot, mica_word_t vaddr, mica_word_t value, mica_word_t r3)
{
    (void)r3;
    rec.step[slot] = 1;
    *word_at(vaddr) = (int)value;      /* faults: nothing is mapped there yet */
    rec.step[slot] = 2;
    rec.value[slot] = (mica_word_t)*word_at(vaddr);
}

static void start_toucher(mica_cptr_t fault_ep, mica_word_t slot, mica_word_t vaddr,
                          mica_word_t value)
{
    mica_thread_config_t cfg = { .name = "toucher", .prio = PRIO, .fault_ep = fault_ep };
    mica_thread_t t;
    mt_assert_err(mica_thread_create(&env, &cfg, &t), MICA_NO_ERROR);
    mt_assert_err(mica_thread_start(&t, touch_and_record, slot, vaddr, value, 0), MICA_NO_ERROR);
}

static void root_demand_page(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t fault_ep = make(MICA_ENDPOINT_OBJECT);
    start_toucher(mint(fault_ep, 0x77), 0, VM_BASE + 0x10, 42);

    mica_fault_t f = wait_fault(fault_ep);
    ck_assert_uint_eq(f.kind, MICA_FAULT_VM);
    ck_assert_uint_eq(f.badge, 0x77);
    ck_assert_uint_eq(f.addr, VM_BASE + 0x10);      /* MR1: the vaddr, not a host address */
    ck_assert_uint_ne(f.ip, 0);
    ck_assert_uint_eq(f.prefetch, 0);
    assert_write(f, 1);                  /* FSR bit 1: a write */
#if defined(__x86_64__)
    ck_assert_uint_eq(f.fsr, FSR_WRITE_UNMAPPED);
#endif
    ck_assert_int_eq(rec.step[0], 1);
    /* The pager: a page table and a frame, then the reply restarts the access. */
    mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT), frame = make(MICA_FRAME_OBJECT);
    mt_assert_err(mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, VM_BASE, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(frame, MICA_CAP_INIT_VSPACE, VM_BASE, MICA_READ_WRITE, 0),
                  MICA_NO_ERROR);
    reply_empty();
    let_others_run();
    ck_assert_int_eq(rec.step[0], 2);
    ck_assert_uint_eq(rec.value[0], 42);
    ck_assert_int_eq(*word_at(VM_BASE + 0x10), 42);  /* one VSpace: the root sees it too */
    rec.done = 1;
}

START_TEST(an_unmapped_access_faults_to_the_pager_and_is_retried)
{
    RUN(root_demand_page);
}
END_TEST

/* --- mapping errors, each leaving the kernel unchanged ------------------------------- */

static void root_missing_page_table(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t frame = make(MICA_FRAME_OBJECT);
    mt_assert_fails(mica_page_map(frame, MICA_CAP_INIT_VSPACE, VM_BASE, MICA_READ_WRITE, 0),
                    MICA_FAILED_LOOKUP);
    /* seL4: MR0 = failed lookup was the source (no), MR1 = the lookup failure,
     * MR2 = the VA bits left unresolved (seL4_MappingFailedLookupLevel). */
    mt_assert_mr(0, 0);
    mt_assert_mr(1, MICA_MISSING_CAPABILITY);
    mt_assert_mr(2, MICA_PAGE_BITS + MICA_PAGE_TABLE_INDEX_BITS);
    /* A page table in another 2 MiB region does not help. */
    mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT);
    mt_assert_err(mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, VM_BASE + LARGE, 0), MICA_NO_ERROR);
    mt_assert_fails(mica_page_map(frame, MICA_CAP_INIT_VSPACE, VM_BASE + LARGE - PAGE,
                                  MICA_READ_WRITE, 0), MICA_FAILED_LOOKUP);
    mt_assert_mr(2, 21);
    /* A large frame needs no page table. */
    mica_cptr_t big = make(MICA_LARGE_FRAME_OBJECT);
    mt_assert_err(mica_page_map(big, MICA_CAP_INIT_VSPACE, VM_BASE, MICA_READ_WRITE, 0),
                  MICA_NO_ERROR);
    mt_assert_err(mica_page_map(frame, MICA_CAP_INIT_VSPACE, VM_BASE + LARGE, MICA_READ_WRITE, 0),
                  MICA_NO_ERROR);
    rec.done = 1;
}

START_TEST(page_map_without_a_page_table_is_failed_lookup_naming_the_missing_level)
{
    RUN(root_missing_page_table);
}
END_TEST

static void root_occupied(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT), pt2 = make(MICA_PAGE_TABLE_OBJECT);
    mica_cptr_t f1 = make(MICA_FRAME_OBJECT), f2 = make(MICA_FRAME_OBJECT);
    mica_cptr_t big = make(MICA_LARGE_FRAME_OBJECT), big2 = make(MICA_LARGE_FRAME_OBJECT);
    mica_cptr_t vs = MICA_CAP_INIT_VSPACE;
    mt_assert_err(mica_page_table_map(pt, vs, VM_BASE, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(f1, vs, VM_BASE + PAGE, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(big, vs, VM_BASE + LARGE, MICA_READ_WRITE, 0), MICA_NO_ERROR);

    /* A page table where one is; anywhere in its 2 MiB region. */
    mt_assert_fails(mica_page_table_map(pt2, vs, VM_BASE, 0), MICA_DELETE_FIRST);
    mt_assert_fails(mica_page_table_map(pt2, vs, VM_BASE + 0x12345, 0), MICA_DELETE_FIRST);
    /* A page table over a large frame, a large frame over a page table. */
    mt_assert_fails(mica_page_table_map(pt2, vs, VM_BASE + LARGE, 0), MICA_DELETE_FIRST);
    mt_assert_fails(mica_page_map(big2, vs, VM_BASE, MICA_READ_WRITE, 0), MICA_DELETE_FIRST);
    /*
     * A frame over a frame of its size replaces it (seL4
     * createSafeMappingEntries_PTE / _PDE check only for a page table):
     * test_vspace.c mapping_over_a_frame_replaces_it.
     */
    mt_assert_err(mica_page_map(big2, vs, VM_BASE + LARGE, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(f2, vs, VM_BASE + PAGE, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    rec.done = 1;
}

/* seL4: decodeX86PageTableInvocation, createSafeMappingEntries_PDE (DeleteFirst) */
START_TEST(mapping_over_a_page_table_is_delete_first)
{
    RUN(root_occupied);
}
END_TEST

static void root_alignment(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT), f = make(MICA_FRAME_OBJECT);
    mica_cptr_t big = make(MICA_LARGE_FRAME_OBJECT);
    mt_assert_err(mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, VM_BASE, 0), MICA_NO_ERROR);
    mt_assert_fails(mica_page_map(f, MICA_CAP_INIT_VSPACE, VM_BASE + 0x800, MICA_READ_WRITE, 0),
                    MICA_ALIGNMENT_ERROR);
    mt_assert_fails(mica_page_map(f, MICA_CAP_INIT_VSPACE, VM_BASE + 1, MICA_READ_WRITE, 0),
                    MICA_ALIGNMENT_ERROR);
    mt_assert_fails(mica_page_map(big, MICA_CAP_INIT_VSPACE, VM_BASE + LARGE + PAGE,
                                  MICA_READ_WRITE, 0), MICA_ALIGNMENT_ERROR);
    /* A page table's vaddr is rounded down to its 2 MiB region, as on seL4. */
    mica_cptr_t pt2 = make(MICA_PAGE_TABLE_OBJECT);
    mt_assert_err(mica_page_table_map(pt2, MICA_CAP_INIT_VSPACE, 2 * LARGE + VM_BASE + 0x1234, 0),
                  MICA_NO_ERROR);
    mt_assert_err(mica_page_map(f, MICA_CAP_INIT_VSPACE, 2 * LARGE + VM_BASE, MICA_READ_WRITE, 0),
                  MICA_NO_ERROR);
    rec.done = 1;
}

START_TEST(unaligned_vaddrs_are_alignment_errors)
{
    RUN(root_alignment);
}
END_TEST

static void root_outside(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT), f = make(MICA_FRAME_OBJECT);
    mica_cptr_t big = make(MICA_LARGE_FRAME_OBJECT);
    const mica_word_t bad[] = { TOP, TOP + LARGE, ~0ul & ~(LARGE - 1) };
    for (unsigned i = 0; i < 3; i++) {
        mt_assert_fails(mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, bad[i], 0),
                        MICA_INVALID_ARGUMENT);
        mt_assert_mr(0, 0);
        mt_assert_fails(mica_page_map(f, MICA_CAP_INIT_VSPACE, bad[i], MICA_READ_WRITE, 0),
                        MICA_INVALID_ARGUMENT);
        mt_assert_mr(0, 0);
        mt_assert_fails(mica_page_map(big, MICA_CAP_INIT_VSPACE, bad[i], MICA_READ_WRITE, 0),
                        MICA_INVALID_ARGUMENT);
        mt_assert_mr(0, 0);
    }
    /* The last page and the last large page below 2^47 are fine. */
    upper_levels(MICA_CAP_INIT_VSPACE, TOP - LARGE);
    mt_assert_err(mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, TOP - LARGE, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(f, MICA_CAP_INIT_VSPACE, TOP - PAGE, MICA_READ_WRITE, 0),
                  MICA_NO_ERROR);
    mt_assert_err(mica_page_map(big, MICA_CAP_INIT_VSPACE, TOP - 2 * LARGE, MICA_READ_WRITE, 0),
                  MICA_NO_ERROR);
    *word_at(TOP - 4) = 7;
    ck_assert_int_eq(*word_at(TOP - 4), 7);
    rec.done = 1;
}

START_TEST(vaddrs_outside_the_2_47_bytes_are_invalid_argument)
{
    RUN(root_outside);
}
END_TEST

static void root_not_a_vspace(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT), pt2 = make(MICA_PAGE_TABLE_OBJECT);
    mica_cptr_t f = make(MICA_FRAME_OBJECT), ep = make(MICA_ENDPOINT_OBJECT);
    mt_assert_err(mica_page_table_map(pt2, MICA_CAP_INIT_VSPACE, VM_BASE, 0), MICA_NO_ERROR);
    const mica_cptr_t not_vspaces[] = { ep, MICA_CAP_INIT_CNODE, MICA_CAP_INIT_TCB, pt2, f,
                                        bi->untyped.start };
    for (unsigned i = 0; i < 6; i++) {
        mt_assert_fails(mica_page_table_map(pt, not_vspaces[i], VM_BASE + LARGE, 0),
                        MICA_INVALID_CAPABILITY);
        mt_assert_mr(0, 1);      /* the second cap (the VSpace) is bad */
        if (not_vspaces[i] == f)
            continue;
        mt_assert_fails(mica_page_map(f, not_vspaces[i], VM_BASE, MICA_READ_WRITE, 0),
                        MICA_INVALID_CAPABILITY);
        mt_assert_mr(0, 1);
    }
    /* A VSpace cap itself has no invocations. */
    mt_assert_fails(mica_page_map(MICA_CAP_INIT_VSPACE, MICA_CAP_INIT_VSPACE, VM_BASE,
                                  MICA_READ_WRITE, 0), MICA_ILLEGAL_OPERATION);
    /* Nor do frame invocations work on a page table or the other way round. */
    mt_assert_fails(mica_page_map(pt, MICA_CAP_INIT_VSPACE, VM_BASE, MICA_READ_WRITE, 0),
                    MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_page_table_map(f, MICA_CAP_INIT_VSPACE, VM_BASE, 0), MICA_ILLEGAL_OPERATION);
    rec.done = 1;
}

START_TEST(a_cap_that_is_not_a_vspace_is_invalid_capability)
{
    RUN(root_not_a_vspace);
}
END_TEST

static void root_map_twice(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t f = make(MICA_FRAME_OBJECT);
    mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT);
    mica_process_config_t pc = { .name = "other", .prio = PRIO };
    mica_process_t other;
    mt_assert_err(mica_process_create(&env, &pc, &other), MICA_NO_ERROR);
    mt_assert_err(mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, VM_BASE, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(f, MICA_CAP_INIT_VSPACE, VM_BASE, MICA_READ_WRITE, 0), MICA_NO_ERROR);

    /* One cap, one mapping: at another vaddr InvalidArgument, in another VSpace InvalidCapability. */
    mt_assert_fails(mica_page_map(f, MICA_CAP_INIT_VSPACE, VM_BASE + PAGE, MICA_READ_WRITE, 0),
                    MICA_INVALID_ARGUMENT);
    mt_assert_mr(0, 0);
    mt_assert_fails(mica_page_map(f, other.vspace, 0x2000, MICA_READ_WRITE, 0),
                    MICA_INVALID_CAPABILITY);
    mt_assert_mr(0, 1);
    /* The same vaddr again is a remap (how rights change); a copy maps elsewhere. */
    mt_assert_err(mica_page_map(f, MICA_CAP_INIT_VSPACE, VM_BASE, MICA_CAN_READ, 0), MICA_NO_ERROR);
    mica_cptr_t copy = mint(f, 0);
    mt_assert_err(mica_page_map(copy, MICA_CAP_INIT_VSPACE, VM_BASE + PAGE, MICA_READ_WRITE, 0),
                  MICA_NO_ERROR);
    *word_at(VM_BASE + PAGE) = 99;
    ck_assert_int_eq(*word_at(VM_BASE), 99);        /* one frame, two vaddrs */
    /* After Unmap the cap maps anywhere again. */
    mt_assert_err(mica_page_unmap(f), MICA_NO_ERROR);
    mt_assert_err(mica_page_unmap(f), MICA_NO_ERROR);  /* unmapping an unmapped cap: a no-op */
    mt_assert_err(mica_page_map(f, other.vspace, 0x2000, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    rec.done = 1;
}

START_TEST(a_mapped_frame_cap_maps_again_only_at_the_same_place)
{
    RUN(root_map_twice);
}
END_TEST

static void root_pt_twice(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT), f = make(MICA_FRAME_OBJECT);
    mt_assert_err(mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, VM_BASE, 0), MICA_NO_ERROR);
    /* InvalidCapability naming the invoked cap (MR0 = 0), wherever it is asked to go. */
    mt_assert_fails(mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, VM_BASE + LARGE, 0),
                    MICA_INVALID_CAPABILITY);
    mt_assert_mr(0, 0);
    mt_assert_fails(mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, VM_BASE, 0),
                    MICA_INVALID_CAPABILITY);
    mt_assert_mr(0, 0);
    /* The boot page table too. */
    mt_assert_fails(mica_page_table_map(bi->user_image_paging.start + 2, MICA_CAP_INIT_VSPACE,
                                        VM_BASE + LARGE, 0), MICA_INVALID_CAPABILITY);
    mt_assert_mr(0, 0);
    /* A copy of a mapped page table is mapped as well; Unmap needs the final cap. */
    mica_cptr_t copy = mint(pt, 0);
    mt_assert_fails(mica_page_table_map(copy, MICA_CAP_INIT_VSPACE, VM_BASE + LARGE, 0),
                    MICA_INVALID_CAPABILITY);
    mt_assert_mr(0, 0);
    mt_assert_fails(mica_page_table_unmap(pt), MICA_REVOKE_FIRST);
    mt_assert_err(mica_page_map(f, MICA_CAP_INIT_VSPACE, VM_BASE, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(MICA_CAP_INIT_CNODE, copy, MICA_WORD_BITS), MICA_NO_ERROR);
    mt_assert_err(mica_page_table_unmap(pt), MICA_NO_ERROR);
    /* Unmapped, it maps again - somewhere else, and empty. */
    mt_assert_err(mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, VM_BASE + LARGE, 0), MICA_NO_ERROR);
    mica_cptr_t f2 = make(MICA_FRAME_OBJECT);
    mt_assert_err(mica_page_map(f2, MICA_CAP_INIT_VSPACE, VM_BASE + LARGE, MICA_READ_WRITE, 0),
                  MICA_NO_ERROR);
    rec.done = 1;
}

/* seL4: decodeX86PageTableInvocation (capPTIsMapped: InvalidCapability, invalidCapNumber 0) */
START_TEST(mapping_a_mapped_page_table_is_invalid_capability_0)
{
    RUN(root_pt_twice);
}
END_TEST

/* What the host window of vs maps at vaddr: the frame's paddr, 0 for nothing. */
static mica_word_t host_frame_at(mica_cptr_t vs, mica_word_t vaddr)
{
    hw_window_entry_t e;
    ck_assert_int_eq(hw_window_probe(cap_obj(cap_at(vs)), vaddr, &e), 0);
    return e.size_bits ? e.paddr : 0;
}

static void assert_maps(mica_cptr_t vs, mica_word_t vaddr, mica_cptr_t frame, unsigned bits)
{
    paddr_t p = cap_obj(cap_at(frame));
    ck_assert_uint_eq(PTE_PADDR(entry_at(vs, vaddr, bits)), p);
    ck_assert_uint_eq(host_frame_at(vs, vaddr), p);
}

/*
 * seL4: createSafeMappingEntries_PTE (no check of the old entry),
 * createSafeMappingEntries_PDE (DeleteFirst only for a page table) and
 * unmapPage (clears the entry only if it still holds this frame). The
 * replaced frame's cap still believes it is mapped there.
 */
static void root_replace(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t vs = MICA_CAP_INIT_VSPACE;
    mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT);
    mica_cptr_t f1 = make(MICA_FRAME_OBJECT), f2 = make(MICA_FRAME_OBJECT);
    mica_cptr_t big1 = make(MICA_LARGE_FRAME_OBJECT), big2 = make(MICA_LARGE_FRAME_OBJECT);
    mt_assert_err(mica_page_table_map(pt, vs, VM_BASE, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(f1, vs, VM_BASE, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    *word_at(VM_BASE) = 11;

    /* 4 KiB: f2 replaces f1; the task sees f2's memory at once. */
    mt_assert_err(mica_page_map(f2, vs, VM_BASE, MICA_CAN_READ, 0), MICA_NO_ERROR);
    assert_maps(vs, VM_BASE, f2, MICA_PAGE_BITS);
    ck_assert_int_eq(*word_at(VM_BASE), 0);
    ck_assert(cap_is_mapped(cap_at(f1)));       /* the old cap is not told */
    /* f1's Unmap finds f2 in the entry and leaves it; f1's cap is unmapped. */
    mt_assert_err(mica_page_unmap(f1), MICA_NO_ERROR);
    ck_assert(!cap_is_mapped(cap_at(f1)));
    assert_maps(vs, VM_BASE, f2, MICA_PAGE_BITS);
    /* Mapped back over f2, f1 still holds 11; now f2's Unmap is the no-op. */
    mt_assert_err(mica_page_map(f1, vs, VM_BASE, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    ck_assert_int_eq(*word_at(VM_BASE), 11);
    mt_assert_err(mica_page_unmap(f2), MICA_NO_ERROR);
    assert_maps(vs, VM_BASE, f1, MICA_PAGE_BITS);
    /* A frame cap still "mapped" at a replaced entry maps again only there (seL4 decode). */
    mt_assert_err(mica_page_map(f2, vs, VM_BASE, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    mt_assert_fails(mica_page_map(f1, vs, VM_BASE + PAGE, MICA_READ_WRITE, 0),
                    MICA_INVALID_ARGUMENT);
    mt_assert_err(mica_page_unmap(f2), MICA_NO_ERROR);
    mt_assert_err(mica_page_unmap(f1), MICA_NO_ERROR);  /* f2 cleared the entry: a no-op */
    ck_assert_uint_eq(entry_at(vs, VM_BASE, MICA_PAGE_BITS), 0);
    ck_assert_uint_eq(host_frame_at(vs, VM_BASE), 0);

    /* 2 MiB: the same at the root level. */
    mica_word_t va = VM_BASE + 2 * LARGE;
    mt_assert_err(mica_page_map(big1, vs, va, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    *word_at(va + PAGE) = 33;
    mt_assert_err(mica_page_map(big2, vs, va, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    assert_maps(vs, va, big2, MICA_LARGE_PAGE_BITS);
    ck_assert_int_eq(*word_at(va + PAGE), 0);
    mt_assert_err(mica_page_unmap(big1), MICA_NO_ERROR);
    assert_maps(vs, va, big2, MICA_LARGE_PAGE_BITS);
    /* Deleting the replaced frame's last cap leaves the mapping of the new one too. */
    mt_assert_err(mica_page_map(big1, vs, va, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    ck_assert_int_eq(*word_at(va + PAGE), 33);
    mt_assert_err(mica_page_map(big2, vs, va, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(MICA_CAP_INIT_CNODE, big1, MICA_WORD_BITS), MICA_NO_ERROR);
    assert_maps(vs, va, big2, MICA_LARGE_PAGE_BITS);
    mt_assert_err(mica_cnode_delete(MICA_CAP_INIT_CNODE, big2, MICA_WORD_BITS), MICA_NO_ERROR);
    ck_assert_uint_eq(entry_at(vs, va, MICA_LARGE_PAGE_BITS), 0);
    ck_assert_uint_eq(host_frame_at(vs, va), 0);
    rec.done = 1;
}

START_TEST(mapping_over_a_frame_replaces_it)
{
    RUN(root_replace);
}
END_TEST

/*
 * seL4: performX86PageTableInvocationUnmap - clearMemory whenever the cap
 * was mapped, even if unmapPageTable found no VSpace any more.
 */
static void root_pt_after_vspace(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t vs = make(MICA_VSPACE_OBJECT), pt = make(MICA_PAGE_TABLE_OBJECT);
    mica_cptr_t f = make(MICA_FRAME_OBJECT), f2 = make(MICA_FRAME_OBJECT);
    upper_levels(vs, 0);
    mt_assert_err(mica_page_table_map(pt, vs, 0, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(f, vs, 3 * PAGE, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    const pte_t *t = (const pte_t *)paddr_to_ptr(cap_obj(cap_at(pt)));
    ck_assert_uint_ne(t[3], 0);
    mt_assert_err(mica_cnode_delete(MICA_CAP_INIT_CNODE, vs, MICA_WORD_BITS), MICA_NO_ERROR);
    ck_assert(cap_is_mapped(cap_at(pt)));       /* a stale record of a dead VSpace */
    ck_assert_uint_ne(t[3], 0);
    mt_assert_err(mica_page_table_unmap(pt), MICA_NO_ERROR);
    ck_assert(!cap_is_mapped(cap_at(pt)));
    for (unsigned i = 0; i < 512; i++)
        ck_assert_uint_eq(t[i], 0);
    /* It maps anywhere, empty: nothing of the dead VSpace shows through. */
    mt_assert_err(mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, VM_BASE, 0), MICA_NO_ERROR);
    ck_assert_uint_eq(host_frame_at(MICA_CAP_INIT_VSPACE, VM_BASE + 3 * PAGE), 0);
    mt_assert_err(mica_page_unmap(f), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(f2, MICA_CAP_INIT_VSPACE, VM_BASE + 3 * PAGE, MICA_READ_WRITE, 0),
                  MICA_NO_ERROR);
    ck_assert_int_eq(*word_at(VM_BASE + 3 * PAGE), 0);
    rec.done = 1;
}

START_TEST(a_page_table_unmapped_after_its_vspace_died_maps_again_empty)
{
    RUN(root_pt_after_vspace);
}
END_TEST

/*
 * A 1 GiB frame (2 GiB of memory give boot a 1 GiB untyped): retyped, mapped
 * in a PDPT at a GiB boundary with no page directory, written and read
 * through its last page, unmapped (a page directory then maps in its place) - with the invariants checked after every
 * kernel entry, the 1 GiB frame cap among them.
 */
#define HUGE_VADDR 0x8040000000ul

static void root_huge_frame(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t frame = mica_env_make(&env, MICA_HUGE_FRAME_OBJECT, 0);
    ck_assert_msg(frame != 0, "no 1 GiB frame: %s", mica_error_name(env.error));
    mt_assert_err(mica_pdpt_map(make(MICA_PDPT_OBJECT), MICA_CAP_INIT_VSPACE, HUGE_VADDR, 0),
                  MICA_NO_ERROR);
    mt_assert_err(mica_page_map(frame, MICA_CAP_INIT_VSPACE, HUGE_VADDR, MICA_READ_WRITE, 0),
                  MICA_NO_ERROR);
    mica_word_t last = HUGE_VADDR + (1ul << MICA_HUGE_PAGE_BITS) - PAGE;
    *word_at(last) = 77;
    ck_assert_int_eq(*word_at(last), 77);
    mica_page_get_address_t a = mica_page_get_address(frame);
    mt_assert_err(a.error, MICA_NO_ERROR);
    ck_assert_uint_eq(a.paddr & ((1ul << MICA_HUGE_PAGE_BITS) - 1), 0);
    mt_assert_err(mica_page_unmap(frame), MICA_NO_ERROR);
    /* The PDPT entry is free again: a page directory maps there. */
    mt_assert_err(mica_page_directory_map(make(MICA_PAGE_DIRECTORY_OBJECT), MICA_CAP_INIT_VSPACE,
                                          HUGE_VADDR, 0), MICA_NO_ERROR);
    rec.done = 1;
}

START_TEST(a_1_gib_frame_maps_in_a_pdpt_and_every_entry_passes_the_invariant_checks)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.phys_mem_bytes = 2ul << 30;
    memset(&rec, 0, sizeof rec);
    mica_run_result_t r = mt_run_cfg(&cfg, root_huge_frame);
    ck_assert_msg(r.reason == MICA_STOP_IDLE, "%s: %s", mica_stop_reason_name(r.reason), r.message);
    ck_assert(rec.done);
}
END_TEST

/* When Linux refuses a mapping (here: a VSpace whose window is gone), Page_Map fails cleanly. */
static void root_host_refuses(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t vs = make(MICA_VSPACE_OBJECT), pt = make(MICA_PAGE_TABLE_OBJECT);
    mica_cptr_t f = make(MICA_FRAME_OBJECT);
    upper_levels(vs, 0);
    mt_assert_err(mica_page_table_map(pt, vs, 0, 0), MICA_NO_ERROR);
    hw_vspace_destroy(cap_obj(cap_at(vs)));     /* as if the host had no window for it */
    mt_assert_fails(mica_page_map(f, vs, PAGE, MICA_READ_WRITE, 0), MICA_NOT_ENOUGH_MEMORY);
    mt_assert_mr(0, 0);
    ck_assert(!cap_is_mapped(cap_at(f)));
    /* The frame maps elsewhere as if nothing had happened. */
    mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_VSPACE, VM_BASE, f, MICA_READ_WRITE),
                  MICA_NO_ERROR);
    rec.done = 1;
}

START_TEST(a_mapping_the_host_refuses_is_not_enough_memory_and_changes_nothing)
{
    RUN(root_host_refuses);
}
END_TEST

/*
 * The simulator's budget of host mappings (mica_config_t.max_mappings; by
 * default what vm.max_map_count leaves): frames mapped in order at
 * consecutive addresses share one host mapping and cost nothing more;
 * frames mapped out of order cost one each, until Page_Map is refused with
 * NotEnoughMemory and nothing changes. Unmapping gives the budget back.
 */
#define MAP_BUDGET 48

/* Host mappings (lines of /proc/self/maps) inside the root VSpace's window of its first GiB. */
static unsigned window_vmas(void)
{
    uintptr_t lo = (uintptr_t)mica_vaddr_to_ptr(0), hi = lo + (1ul << 30);
    FILE *f = fopen("/proc/self/maps", "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    unsigned n = 0;
    while (fgets(line, sizeof line, f)) {
        uintptr_t start = (uintptr_t)strtoull(line, NULL, 16);
        n += start >= lo && start < hi;
    }
    fclose(f);
    return n;
}

static void root_map_budget(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t in_order, reversed;
    unsigned before = window_vmas();
    /* 256 contiguous frames, in order: one more host mapping and the gaps either side. */
    mt_assert_err(mica_user_map_pages(&env, MICA_CAP_INIT_VSPACE, VM_BASE, 256, MICA_READ_WRITE,
                                      &in_order), MICA_NO_ERROR);
    ck_assert_uint_le(window_vmas(), before + 2);
    /* Frames mapped in reverse: each its own host mapping, until the budget is spent. */
    reversed = mica_env_make_n(&env, MICA_FRAME_OBJECT, 0, 64);
    ck_assert_uint_ne(reversed, 0);
    mica_word_t base = VM_BASE + LARGE, i;
    mica_error_t err = MICA_NO_ERROR;
    for (i = 0; i < 64 && err == MICA_NO_ERROR; i++)
        err = mica_user_map(&env, MICA_CAP_INIT_VSPACE, base + i * PAGE, reversed + 63 - i,
                            MICA_READ_WRITE);
    i--;
    mt_assert_err(err, MICA_NOT_ENOUGH_MEMORY);
    ck_assert_uint_gt(i, 16);
    ck_assert_uint_le(window_vmas(), MAP_BUDGET);
    mt_assert_fails(mica_page_map(reversed + 63 - i, MICA_CAP_INIT_VSPACE, base + i * PAGE,
                                  MICA_READ_WRITE, 0), MICA_NOT_ENOUGH_MEMORY);
    mt_assert_mr(0, 0);
    /* A frame that continues the in-order run still maps: it costs nothing. */
    mica_cptr_t next = mica_env_make(&env, MICA_FRAME_OBJECT, 0);
    if (mica_page_get_address(next).paddr == mica_page_get_address(in_order + 255).paddr + PAGE)
        mt_assert_err(mica_page_map(next, MICA_CAP_INIT_VSPACE, VM_BASE + 256 * PAGE,
                                    MICA_READ_WRITE, 0), MICA_NO_ERROR);
    /* Unmapping gives host mappings back. */
    mt_assert_err(mica_user_unmap_pages(reversed + 63 - i + 1, i), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(reversed + 63 - i, MICA_CAP_INIT_VSPACE, base + i * PAGE,
                                MICA_READ_WRITE, 0), MICA_NO_ERROR);
    volatile unsigned char *p = mica_vaddr_to_ptr(base + i * PAGE);
    p[0] = 1;
    ck_assert_uint_eq(p[0], 1);
    rec.done = 1;
}

START_TEST(host_mappings_run_out_with_not_enough_memory_and_come_back_on_unmap)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.max_mappings = MAP_BUDGET;
    memset(&rec, 0, sizeof rec);
    mica_run_result_t r = mt_run_cfg(&cfg, root_map_budget);
    ck_assert_msg(r.reason == MICA_STOP_IDLE, "%s", r.message);
    ck_assert(rec.done);
}
END_TEST

/* --- sharing ------------------------------------------------------------------------ */

#define SHARED_A 0x10000000ul       /* where process A maps the frame */
#define SHARED_B 0x20000000ul       /* where process B maps it */

/* Process A: write, call B, read B's answer from the same memory. */
static void proc_a(mica_word_t ep, mica_word_t done, mica_word_t r2, mica_word_t r3)
{
    (void)r2; (void)r3;
    volatile mica_word_t *m = mica_vaddr_to_ptr(SHARED_A);
    m[0] = 0xa11ce;
    mica_call(ep, mica_msginfo_new(1, 0, 0, 0));
    rec.value[0] = m[1];
    rec.step[0] = 1;
    mica_signal(done);
}

/* Process B: wait for A, read A's write, answer in the shared memory. */
static void proc_b(mica_word_t ep, mica_word_t done, mica_word_t r2, mica_word_t r3)
{
    (void)r2; (void)r3;
    volatile mica_word_t *m = mica_vaddr_to_ptr(SHARED_B);
    mica_word_t badge;
    mica_recv(ep, &badge);
    rec.value[1] = m[0];
    m[1] = 0xb0b;
    mica_reply(mica_msginfo_new(0, 0, 0, 0));
    rec.step[1] = 1;
    mica_signal(done);
}

static void root_shared(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t ep = make(MICA_ENDPOINT_OBJECT), done = make(MICA_NOTIFICATION_OBJECT);
    mica_cptr_t frame = make(MICA_FRAME_OBJECT);
    mica_process_t a, b;
    mica_process_config_t ca = { .name = "A", .prio = PRIO }, cb = { .name = "B", .prio = PRIO };
    mt_assert_err(mica_process_create(&env, &ca, &a), MICA_NO_ERROR);
    mt_assert_err(mica_process_create(&env, &cb, &b), MICA_NO_ERROR);
    /* One frame, two caps (one cap, one mapping), two VSpaces, two vaddrs. */
    mica_cptr_t fa = mint(frame, 0), fb = mint(frame, 0);
    mt_assert_err(mica_user_map(&env, a.vspace, SHARED_A, fa, MICA_READ_WRITE), MICA_NO_ERROR);
    mt_assert_err(mica_user_map(&env, b.vspace, SHARED_B, fb, MICA_READ_WRITE), MICA_NO_ERROR);
    ck_assert_uint_eq(mica_page_get_address(fa).paddr, mica_page_get_address(fb).paddr);
    mica_cptr_t a_ep = mica_process_give(&a, ep, MICA_ALL_RIGHTS, 0);
    mica_cptr_t a_done = mica_process_give(&a, done, MICA_CAN_WRITE, 1);
    mica_cptr_t b_ep = mica_process_give(&b, ep, MICA_ALL_RIGHTS, 0);
    mica_cptr_t b_done = mica_process_give(&b, done, MICA_CAN_WRITE, 2);
    ck_assert_uint_eq(a_ep, MICA_PROCESS_FIRST_FREE);
    mt_assert_err(mica_process_start(&b, proc_b, b_ep, b_done, 0, 0), MICA_NO_ERROR);
    mt_assert_err(mica_process_start(&a, proc_a, a_ep, a_done, 0, 0), MICA_NO_ERROR);
    mica_word_t seen = 0, badge;
    while (seen != 3) {
        mica_wait(done, &badge);
        seen |= badge;
    }
    ck_assert_uint_eq(rec.value[1], 0xa11ce);       /* B saw A's write */
    ck_assert_uint_eq(rec.value[0], 0xb0b);         /* A saw B's */
    /* The root maps neither: the same vaddrs are empty in its VSpace. */
    hw_window_entry_t e;
    ck_assert_int_eq(hw_window_probe(cap_obj(cap_at(MICA_CAP_INIT_VSPACE)), SHARED_B, &e), 0);
    ck_assert_uint_eq(e.size_bits, 0);
    rec.done = 1;
}

START_TEST(two_processes_mapping_one_frame_see_each_others_writes)
{
    RUN(root_shared);
}
END_TEST

/* --- paging ----------------------------------------------------------------------- */

/* Read vaddr (step 1), wait for go, read it again (step 2), then write value (step 3). */
static void read_wait_read_write(mica_word_t slot, mica_word_t vaddr, mica_word_t go,
                                 mica_word_t value)
{
    mica_word_t badge;
    rec.value[slot] = (mica_word_t)*word_at(vaddr);
    rec.step[slot] = 1;
    mica_wait(go, &badge);
    rec.value[slot + 1] = (mica_word_t)*word_at(vaddr);
    rec.step[slot] = 2;
    *word_at(vaddr) = (int)value;
    rec.step[slot] = 3;
}

static mica_thread_t start_reader(mica_cptr_t fault_ep, mica_word_t slot, mica_word_t vaddr,
                                  mica_cptr_t go, mica_word_t value)
{
    mica_thread_config_t cfg = { .name = "reader", .prio = PRIO, .fault_ep = fault_ep };
    mica_thread_t t;
    mt_assert_err(mica_thread_create(&env, &cfg, &t), MICA_NO_ERROR);
    mt_assert_err(mica_thread_start(&t, read_wait_read_write, slot, vaddr, go, value),
                  MICA_NO_ERROR);
    return t;
}

static void root_read_only(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t fault_ep = make(MICA_ENDPOINT_OBJECT), go = make(MICA_NOTIFICATION_OBJECT);
    mica_cptr_t frame = make(MICA_FRAME_OBJECT);
    mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_VSPACE, VM_BASE, frame, MICA_READ_WRITE),
                  MICA_NO_ERROR);
    *word_at(VM_BASE) = 5;
    /* Remap read-only: the same cap at the same vaddr. */
    mt_assert_err(mica_page_map(frame, MICA_CAP_INIT_VSPACE, VM_BASE, MICA_CAN_READ, 0),
                  MICA_NO_ERROR);
    mica_thread_t t = start_reader(mint(fault_ep, 1), 0, VM_BASE, go, 6);
    let_others_run();
    ck_assert_int_eq(rec.step[0], 1);
    ck_assert_uint_eq(rec.value[0], 5);                 /* reading is fine */
    mica_signal(go);
    mica_fault_t f = wait_fault(fault_ep);
    ck_assert_uint_eq(f.kind, MICA_FAULT_VM);
    ck_assert_uint_eq(f.addr, VM_BASE);
    assert_write(f, 1);
    ck_assert_uint_eq(f.prefetch, 0);
#if defined(__x86_64__)
    ck_assert_uint_eq(f.fsr, FSR_WRITE_READONLY);       /* present | write | user, as on seL4 */
#endif
    ck_assert_int_eq(rec.step[0], 2);
    ck_assert_uint_eq(mt_thread_state(t.tcb), MICA_THREAD_BLOCKED_ON_REPLY);
    ck_assert_int_eq(*word_at(VM_BASE), 5);             /* the write did not happen */
    /* The pager remaps read-write and replies: the write is retried and succeeds. */
    mt_assert_err(mica_page_map(frame, MICA_CAP_INIT_VSPACE, VM_BASE, MICA_READ_WRITE, 0),
                  MICA_NO_ERROR);
    reply_empty();
    let_others_run();
    ck_assert_int_eq(rec.step[0], 3);
    ck_assert_int_eq(*word_at(VM_BASE), 6);
    /* Write-only rights are no rights (seL4's maskVMRights): even a read faults. */
    mt_assert_err(mica_page_map(frame, MICA_CAP_INIT_VSPACE, VM_BASE, MICA_CAN_WRITE, 0),
                  MICA_NO_ERROR);
    memset(&rec, 0, sizeof rec);
    mica_thread_t t2 = start_reader(mint(fault_ep, 2), 4, VM_BASE, go, 7);
    f = wait_fault(fault_ep);
    ck_assert_uint_eq(f.badge, 2);
    ck_assert_uint_eq(f.addr, VM_BASE);
    assert_write(f, 0);
    ck_assert_int_eq(rec.step[4], 0);
    mt_assert_err(mica_tcb_suspend(t2.tcb), MICA_NO_ERROR);
    /* A read-only frame cap gives a read-only mapping, whatever the rights asked for. */
    mica_cptr_t ro = mica_env_mint(&env, frame, MICA_CAN_READ, 0);
    mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_VSPACE, VM_BASE + PAGE, ro, MICA_READ_WRITE),
                  MICA_NO_ERROR);
    hw_window_entry_t e;
    hw_window_probe(cap_obj(cap_at(MICA_CAP_INIT_VSPACE)), VM_BASE + PAGE, &e);
    ck_assert_uint_eq(e.rights, 2);                     /* read only */
    rec.done = 1;
}

START_TEST(a_write_to_a_read_only_page_faults_and_succeeds_once_the_pager_remaps_it)
{
    RUN(root_read_only);
}
END_TEST

/* The pager: one fresh frame per faulting page; a request with label PAGER_STOP ends it. */
#define PAGER_STOP 0x5709
#define DP_BASE    0x301c0000ul     /* 1 MiB across the 2 MiB boundary at 0x30200000 */
#define DP_PAGES   256ul

static struct {
    mica_word_t faults, maps, others;
    mica_word_t first_ip;
    unsigned char seen[DP_PAGES];
} pager;

static mica_server_action_t pager_handle(void *ctx, mica_word_t badge, mica_msginfo_t req,
                                         mica_msginfo_t *reply)
{
    (void)ctx;
    if (mica_msginfo_get_label(req) == PAGER_STOP)
        return MICA_SERVER_STOP;
    mica_fault_t f = mica_fault_decode(req, badge);
    if (f.kind != MICA_FAULT_VM || f.addr < DP_BASE || f.addr >= DP_BASE + DP_PAGES * PAGE) {
        pager.others++;
        return MICA_SERVER_NO_REPLY;    /* not ours: leave the thread stopped */
    }
    pager.faults++;
    pager.seen[(f.addr - DP_BASE) / PAGE]++;
    mica_cptr_t frame = mica_env_make(&env, MICA_FRAME_OBJECT, 0);
    if (frame && mica_user_map(&env, MICA_CAP_INIT_VSPACE, f.addr & ~(PAGE - 1), frame,
                               MICA_READ_WRITE) == MICA_NO_ERROR)
        pager.maps++;
    *reply = mica_msginfo_new(0, 0, 0, 0);
    return MICA_SERVER_REPLY;
}

static void pager_main(mica_word_t fault_ep, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r1; (void)r2; (void)r3;
    mica_server_loop(fault_ep, pager_handle, NULL);
    rec.step[15] = 1;
}

/* Write every page of the region, then read it all back. */
static void paging_worker(mica_word_t done, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r1; (void)r2; (void)r3;
    volatile mica_word_t *m = mica_vaddr_to_ptr(DP_BASE);
    const mica_word_t words = DP_PAGES * PAGE / sizeof *m;
    for (mica_word_t i = 0; i < words; i += 128)
        m[i] = i * 7 + 1;
    mica_word_t sum = 0;
    for (mica_word_t i = 0; i < words; i += 128)
        sum += m[i];
    rec.value[0] = sum;
    mica_signal(done);
}

static void root_demand_paging(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    memset(&pager, 0, sizeof pager);
    mica_cptr_t fault_ep = make(MICA_ENDPOINT_OBJECT), done = make(MICA_NOTIFICATION_OBJECT);
    mica_word_t slots_before = env.next_slot;
    mica_thread_t p = spawn_thread("pager", pager_main, fault_ep, 0, 150, 0, 0);
    spawn_thread("worker", paging_worker, done, 0, PRIO, mint(fault_ep, 1), 0);
    mica_word_t badge;
    mica_wait(done, &badge);
    mica_word_t want = 0;
    for (mica_word_t i = 0; i < DP_PAGES * PAGE / sizeof(mica_word_t); i += 128)
        want += i * 7 + 1;
    ck_assert_uint_eq(rec.value[0], want);
    ck_assert_uint_eq(pager.faults, DP_PAGES);      /* one fault per page, no more */
    ck_assert_uint_eq(pager.maps, DP_PAGES);
    ck_assert_uint_eq(pager.others, 0);
    for (mica_word_t i = 0; i < DP_PAGES; i++)
        ck_assert_uint_eq(pager.seen[i], 1);
    /* The root sees the same memory; the region needed two page tables. */
    ck_assert_uint_eq(((volatile mica_word_t *)mica_vaddr_to_ptr(DP_BASE))[128], 128 * 7 + 1);
    mica_word_t pts = 0;
    for (mica_word_t s = slots_before; s < env.next_slot; s++)
        pts += mica_debug_cap_identify(s) == MICA_CAP_TYPE_PAGE_TABLE;
    ck_assert_uint_eq(pts, 2);
    /* Stop the pager with an ordinary request. */
    mica_msginfo_t r = mica_call_words(fault_ep, PAGER_STOP, NULL, 0, NULL, 0);
    ck_assert_uint_eq(mica_msginfo_get_label(r), 0);
    let_others_run();
    ck_assert_int_eq(rec.step[15], 1);
    ck_assert_uint_eq(mt_thread_state(p.tcb), MICA_THREAD_INACTIVE);
    rec.done = 1;
}

START_TEST(a_user_level_pager_pages_in_a_1_mib_region_on_demand)
{
    RUN(root_demand_paging);
}
END_TEST

static void root_unmap_then_access(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t fault_ep = make(MICA_ENDPOINT_OBJECT), go = make(MICA_NOTIFICATION_OBJECT);
    mica_cptr_t frame;
    mt_assert_err(mica_user_map_pages(&env, MICA_CAP_INIT_VSPACE, VM_BASE, 1, MICA_READ_WRITE,
                                      &frame), MICA_NO_ERROR);
    *word_at(VM_BASE + 8) = 31;
    start_reader(fault_ep, 0, VM_BASE + 8, go, 32);
    let_others_run();
    ck_assert_int_eq(rec.step[0], 1);
    ck_assert_uint_eq(rec.value[0], 31);
    mt_assert_err(mica_user_unmap_pages(frame, 1), MICA_NO_ERROR);
    mica_signal(go);
    mica_fault_t f = wait_fault(fault_ep);
    ck_assert_uint_eq(f.kind, MICA_FAULT_VM);
    ck_assert_uint_eq(f.addr, VM_BASE + 8);
    assert_write(f, 0);
#if defined(__x86_64__)
    ck_assert_uint_eq(f.fsr, FSR_READ_UNMAPPED);
#endif
    /* The frame kept its contents: map it back and the retried read sees them. */
    mt_assert_err(mica_page_map(frame, MICA_CAP_INIT_VSPACE, VM_BASE, MICA_READ_WRITE, 0),
                  MICA_NO_ERROR);
    reply_empty();
    let_others_run();
    ck_assert_int_eq(rec.step[0], 3);
    ck_assert_uint_eq(rec.value[1], 31);
    ck_assert_int_eq(*word_at(VM_BASE + 8), 32);
    rec.done = 1;
}

START_TEST(an_access_after_unmap_faults)
{
    RUN(root_unmap_then_access);
}
END_TEST

/* sel4test FRAMEDIPC0003 */
static void root_delete_frame(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t fault_ep = make(MICA_ENDPOINT_OBJECT), go = make(MICA_NOTIFICATION_OBJECT);
    mica_cptr_t frame = make(MICA_FRAME_OBJECT), copy = mint(frame, 0);
    mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_VSPACE, VM_BASE, copy, MICA_READ_WRITE),
                  MICA_NO_ERROR);
    *word_at(VM_BASE) = 11;
    start_reader(fault_ep, 0, VM_BASE, go, 12);
    let_others_run();
    ck_assert_uint_eq(rec.value[0], 11);
    /* Deleting the mapped cap (not the last cap to the frame) unmaps it. */
    mt_assert_err(mica_cnode_delete(MICA_CAP_INIT_CNODE, copy, MICA_WORD_BITS), MICA_NO_ERROR);
    hw_window_entry_t e;
    hw_window_probe(cap_obj(cap_at(MICA_CAP_INIT_VSPACE)), VM_BASE, &e);
    ck_assert_uint_eq(e.size_bits, 0);
    mica_signal(go);
    mica_fault_t f = wait_fault(fault_ep);
    ck_assert_uint_eq(f.addr, VM_BASE);
    mt_assert_err(mica_page_map(frame, MICA_CAP_INIT_VSPACE, VM_BASE, MICA_READ_WRITE, 0),
                  MICA_NO_ERROR);
    reply_empty();
    let_others_run();
    ck_assert_uint_eq(rec.value[1], 11);
    ck_assert_int_eq(rec.step[0], 3);
    /* The last cap too: the frame goes, and so does its mapping. */
    mt_assert_err(mica_cnode_delete(MICA_CAP_INIT_CNODE, frame, MICA_WORD_BITS), MICA_NO_ERROR);
    hw_window_probe(cap_obj(cap_at(MICA_CAP_INIT_VSPACE)), VM_BASE, &e);
    ck_assert_uint_eq(e.size_bits, 0);
    rec.done = 1;
}

START_TEST(deleting_a_frame_cap_unmaps_it)
{
    RUN(root_delete_frame);
}
END_TEST

static void root_delete_page_table(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t fault_ep = make(MICA_ENDPOINT_OBJECT), go = make(MICA_NOTIFICATION_OBJECT);
    mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT), frames = mica_env_make_n(&env, MICA_FRAME_OBJECT, 0, 3);
    ck_assert_uint_ne(frames, 0);
    mt_assert_err(mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, VM_BASE, 0), MICA_NO_ERROR);
    for (mica_word_t i = 0; i < 3; i++) {
        mt_assert_err(mica_page_map(frames + i, MICA_CAP_INIT_VSPACE, VM_BASE + i * PAGE,
                                    MICA_READ_WRITE, 0), MICA_NO_ERROR);
        *word_at(VM_BASE + i * PAGE) = (int)(20 + i);
    }
    start_reader(fault_ep, 0, VM_BASE + PAGE, go, 40);
    let_others_run();
    ck_assert_uint_eq(rec.value[0], 21);
    /* The page table goes: all three pages with it. */
    mt_assert_err(mica_cnode_delete(MICA_CAP_INIT_CNODE, pt, MICA_WORD_BITS), MICA_NO_ERROR);
    paddr_t root_vs = cap_obj(cap_at(MICA_CAP_INIT_VSPACE));
    for (mica_word_t i = 0; i < 3; i++) {
        hw_window_entry_t e;
        hw_window_probe(root_vs, VM_BASE + i * PAGE, &e);
        ck_assert_uint_eq(e.size_bits, 0);
    }
    mica_signal(go);
    mica_fault_t f = wait_fault(fault_ep);
    ck_assert_uint_eq(f.kind, MICA_FAULT_VM);
    ck_assert_uint_eq(f.addr, VM_BASE + PAGE);
    /* Page_Unmap of the frames is a harmless no-op; then they map under a new page table. */
    for (mica_word_t i = 0; i < 3; i++)
        mt_assert_err(mica_page_unmap(frames + i), MICA_NO_ERROR);
    for (mica_word_t i = 0; i < 3; i++)
        mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_VSPACE, VM_BASE + i * PAGE, frames + i,
                                    MICA_READ_WRITE), MICA_NO_ERROR);
    reply_empty();
    let_others_run();
    ck_assert_int_eq(rec.step[0], 3);
    ck_assert_uint_eq(rec.value[1], 21);
    ck_assert_int_eq(*word_at(VM_BASE + PAGE), 40);
    ck_assert_int_eq(*word_at(VM_BASE + 2 * PAGE), 22);
    rec.done = 1;
}

START_TEST(deleting_a_page_table_unmaps_everything_under_it)
{
    RUN(root_delete_page_table);
}
END_TEST

/* A process writes into its own mapping and waits there. */
static void write_then_wait(mica_word_t vaddr, mica_word_t value, mica_word_t done, mica_word_t wait)
{
    mica_word_t badge;
    *(volatile mica_word_t *)mica_vaddr_to_ptr(vaddr) = value;
    mica_signal(done);
    mica_wait(wait, &badge);
}

/* sel4test VSPACE0001 */
static void root_delete_vspace(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t done = make(MICA_NOTIFICATION_OBJECT), never = make(MICA_NOTIFICATION_OBJECT);
    mica_cptr_t frame;
    mt_assert_err(mica_user_map_pages(&env, MICA_CAP_INIT_VSPACE, VM_BASE, 1, MICA_READ_WRITE,
                                      &frame), MICA_NO_ERROR);
    mica_process_config_t pc = { .name = "doomed", .prio = PRIO };
    mica_process_t p;
    mt_assert_err(mica_process_create(&env, &pc, &p), MICA_NO_ERROR);
    mica_cptr_t copy = mint(frame, 0);
    mica_cptr_t big = make(MICA_LARGE_FRAME_OBJECT);
    mt_assert_err(mica_user_map(&env, p.vspace, SHARED_A, copy, MICA_READ_WRITE), MICA_NO_ERROR);
    mt_assert_err(mica_user_map(&env, p.vspace, 0x20000000, big, MICA_READ_WRITE), MICA_NO_ERROR);
    mt_assert_err(mica_process_start(&p, write_then_wait, SHARED_A, 0x5eed,
                                     mica_process_give(&p, done, MICA_CAN_WRITE, 0),
                                     mica_process_give(&p, never, MICA_CAN_READ, 0)), MICA_NO_ERROR);
    mica_word_t badge;
    mica_wait(done, &badge);
    ck_assert_uint_eq(*(volatile mica_word_t *)mica_vaddr_to_ptr(VM_BASE), 0x5eed);

    paddr_t vs = cap_obj(cap_at(p.vspace));
    hw_window_entry_t e;
    ck_assert_int_eq(hw_window_probe(vs, SHARED_A, &e), 0);
    ck_assert_uint_eq(e.size_bits, MICA_PAGE_BITS);
    ck_assert_uint_eq(e.mappings, 1 + 1 + 1 + MICA_PROCESS_DEFAULT_STACK_PAGES);
    mica_process_destroy(&env, &p);
    /* The window and everything in it are gone. */
    ck_assert_uint_eq(hw_vspace_generation(vs), 0);
    ck_assert_int_eq(hw_window_probe(vs, SHARED_A, &e), -1);
    /* The frame caps keep a stale mapping: Unmap is safe, then they map again. */
    mt_assert_err(mica_page_map(copy, MICA_CAP_INIT_VSPACE, VM_BASE + PAGE, MICA_READ_WRITE, 0),
                  MICA_INVALID_CAPABILITY);
    mt_assert_err(mica_page_unmap(copy), MICA_NO_ERROR);
    mt_assert_err(mica_page_unmap(big), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(copy, MICA_CAP_INIT_VSPACE, VM_BASE + PAGE, MICA_READ_WRITE, 0),
                  MICA_NO_ERROR);
    ck_assert_uint_eq(*(volatile mica_word_t *)mica_vaddr_to_ptr(VM_BASE + PAGE), 0x5eed);
    mt_assert_err(mica_page_map(big, MICA_CAP_INIT_VSPACE, 2 * LARGE + VM_BASE, MICA_READ_WRITE, 0),
                  MICA_NO_ERROR);
    rec.done = 1;
}

START_TEST(deleting_a_vspace_unmaps_everything_in_it)
{
    RUN(root_delete_vspace);
}
END_TEST

/* --- crashes ------------------------------------------------------------------------ */

enum { CRASH_NULL, CRASH_DIV, CRASH_ILL, CRASH_BUS, CRASH_ABORT, CRASH_HOST_STACK, N_CRASH };
static const int crash_signal[N_CRASH] = { SIGSEGV, SIGFPE, SIGILL, SIGBUS, SIGABRT, SIGSEGV };
static const char *const crash_name[N_CRASH] = { "null", "div0", "ill", "bus", "abort", "stack" };

static int *volatile null_ptr;          /* NULL, but the compiler cannot know it */
static volatile int divisor;            /* 0 */
static volatile int recursion_limit;    /* 0: unbounded */
static volatile char *bus_page;         /* a page past the end of a 1-page file mapping */
static volatile int sink;

CRASHER static void do_null(void)
{
    *null_ptr = 1;
}

CRASHER static void do_div(void)
{
#if defined(__x86_64__)
    sink = 100 / divisor;               /* #DE: SIGFPE */
#else
    /* AArch64 integer division by zero gives 0 and does not trap. */
    raise(SIGFPE);
#endif
}

CRASHER static void do_ill(void)
{
#if defined(__aarch64__)
    __asm__ volatile("udf #0");         /* __builtin_trap() is brk (SIGTRAP) there */
#else
    __builtin_trap();                   /* ud2: SIGILL */
#endif
}

CRASHER static void do_bus(void)
{
    sink = *bus_page;                   /* beyond the end of the file: SIGBUS */
}

/* Frames well under a page, each touched, so the recursion walks into the guard page. */
CRASHER static int recurse(int depth)
{
    volatile char frame[512];
    frame[0] = (char)depth;
    frame[sizeof frame - 1] = (char)depth;
    if (recursion_limit && depth >= recursion_limit)
        return depth;
    return recurse(depth + 1) + frame[0] + frame[sizeof frame - 1];
}

static void crasher(mica_word_t kind, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r1; (void)r2; (void)r3;
    rec.step[kind] = 1;
    switch (kind) {
    case CRASH_NULL:       do_null(); break;
    case CRASH_DIV:        do_div(); break;
    case CRASH_ILL:        do_ill(); break;
    case CRASH_BUS:        do_bus(); break;
    case CRASH_ABORT:      abort();
    case CRASH_HOST_STACK: sink = recurse(0); break;
    default: break;
    }
    rec.step[kind] = 2;                 /* never */
}

/* Real work beside the crashes: rounds of arithmetic and system calls. */
#define WORKER_ROUNDS 200
static void worker(mica_word_t id, mica_word_t done, mica_word_t r2, mica_word_t r3)
{
    (void)r2; (void)r3;
    mica_word_t acc = 0;
    for (mica_word_t i = 1; i <= WORKER_ROUNDS; i++) {
        acc += i * (id + 1);
        mica_yield();
    }
    rec.value[8 + id] = acc;
    mica_signal(done);
}

static void prepare_bus_page(void)
{
    int fd = memfd_create("mica-test-sigbus", MFD_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)PAGE), 0);
    char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert(m != MAP_FAILED);
    close(fd);
    bus_page = m + PAGE;
}

static void release_bus_page(void)
{
    munmap((char *)bus_page - PAGE, 2 * PAGE);
    bus_page = NULL;
}

static mica_word_t crash_mask;          /* which kinds a run starts */

/* Start the crashers in crash_mask and two workers; collect every fault; the workers finish. */
static void root_crashes(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    prepare_bus_page();
    mica_cptr_t fault_ep = make(MICA_ENDPOINT_OBJECT), done = make(MICA_NOTIFICATION_OBJECT);
    mica_cptr_t tcb[N_CRASH] = { 0 };
    mica_word_t n = 0;
    spawn_thread("worker0", worker, 0, mint(done, 1), PRIO, 0, 0);
    for (mica_word_t k = 0; k < N_CRASH; k++) {
        if (!(crash_mask >> k & 1))
            continue;
        tcb[k] = spawn_thread(crash_name[k], crasher, k, 0, PRIO, mint(fault_ep, 0x100 + k), 0).tcb;
        n++;
    }
    spawn_thread("worker1", worker, 1, mint(done, 2), PRIO, 0, 0);
    mica_word_t got = 0;
    for (mica_word_t i = 0; i < n; i++) {
        mica_fault_t f = wait_fault(fault_ep);
        mica_word_t k = f.badge - 0x100;
        ck_assert_uint_lt(k, N_CRASH);
        ck_assert_msg(f.kind == MICA_FAULT_USER_EXCEPTION, "%s: fault %lu", crash_name[k],
                      (unsigned long)f.kind);
        ck_assert_msg(f.number == (mica_word_t)crash_signal[k], "%s: signal %lu, expected %d",
                      crash_name[k], (unsigned long)f.number, crash_signal[k]);
        ck_assert_uint_ne(f.ip, 0);
        ck_assert_uint_eq(mt_thread_state(tcb[k]), MICA_THREAD_BLOCKED_ON_REPLY);
        ck_assert_int_eq(rec.step[k], 1);
        /* A reply with a non-zero label leaves it stopped for good. */
        mica_reply(mica_msginfo_new(1, 0, 0, 0));
        ck_assert_uint_eq(mt_thread_state(tcb[k]), MICA_THREAD_INACTIVE);
        got |= 1ul << k;
    }
    ck_assert_uint_eq(got, crash_mask);
    /* Everyone else got on with it. */
    mica_word_t seen = 0, badge;
    while (seen != 3) {
        mica_wait(done, &badge);
        seen |= badge;
    }
    let_others_run();
    mica_word_t want = WORKER_ROUNDS * (WORKER_ROUNDS + 1) / 2;
    ck_assert_uint_eq(rec.value[8], want);
    ck_assert_uint_eq(rec.value[9], 2 * want);
    for (mica_word_t k = 0; k < N_CRASH; k++)
        ck_assert_int_ne(rec.step[k], 2);
    release_bus_page();
    rec.done = 1;
}

static void run_crashes(mica_word_t mask)
{
    crash_mask = mask;
    memset(&rec, 0, sizeof rec);
    mica_run_result_t r = mt_run(root_crashes);
    ck_assert(rec.done);
    ck_assert_uint_ge(r.faults, __builtin_popcountl(mask));
}

START_TEST(a_null_dereference_stops_only_its_thread)
{
    run_crashes(1ul << CRASH_NULL);
}
END_TEST

START_TEST(an_integer_division_by_zero_stops_only_its_thread)
{
    run_crashes(1ul << CRASH_DIV);
}
END_TEST

START_TEST(an_undefined_instruction_stops_only_its_thread)
{
    run_crashes(1ul << CRASH_ILL);
}
END_TEST

START_TEST(a_bus_error_stops_only_its_thread)
{
    run_crashes(1ul << CRASH_BUS);
}
END_TEST

START_TEST(abort_stops_only_its_thread)
{
    run_crashes(1ul << CRASH_ABORT);
}
END_TEST

START_TEST(overflowing_a_host_stack_stops_only_its_thread)
{
    run_crashes(1ul << CRASH_HOST_STACK);
}
END_TEST

START_TEST(every_kind_of_crash_at_once_leaves_the_workers_running)
{
    run_crashes((1ul << N_CRASH) - 1);
}
END_TEST

/* A thread on a stack of 4 frames in the root VSpace overflows it into the guard page. */
static void root_vspace_stack_overflow(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t fault_ep = make(MICA_ENDPOINT_OBJECT), done = make(MICA_NOTIFICATION_OBJECT);
    spawn_thread("worker0", worker, 0, mint(done, 1), PRIO, 0, 0);
    mica_thread_t t = spawn_thread("deep", crasher, CRASH_HOST_STACK, 0, PRIO, mint(fault_ep, 9), 4);
    ck_assert_uint_eq(t.stack_top, t.ipc_vaddr + 6 * PAGE);
    mica_fault_t f = wait_fault(fault_ep);
    ck_assert_uint_eq(f.badge, 9);
    ck_assert_uint_eq(f.kind, MICA_FAULT_VM);           /* inside the window: a VM fault */
    ck_assert_msg(f.addr >= t.ipc_vaddr + PAGE && f.addr < t.ipc_vaddr + 2 * PAGE,
                  "fault at 0x%lx, the guard page is 0x%lx", (unsigned long)f.addr,
                  (unsigned long)(t.ipc_vaddr + PAGE));
    assert_write(f, 1);
    ck_assert_uint_eq(mt_thread_state(t.tcb), MICA_THREAD_BLOCKED_ON_REPLY);
    mica_word_t badge;
    mica_wait(done, &badge);
    ck_assert_uint_eq(rec.value[8], WORKER_ROUNDS * (WORKER_ROUNDS + 1) / 2);
    /* Its IPC buffer, right below the guard page, is intact. */
    mt_assert_err(mica_tcb_suspend(t.tcb), MICA_NO_ERROR);
    rec.done = 1;
}

START_TEST(overflowing_a_vspace_stack_is_a_vm_fault_on_its_guard_page)
{
    RUN(root_vspace_stack_overflow);
}
END_TEST

/* --- a supervisor restarts a crashed server ------------------------------------------ */

enum { REQ_ADD = 1, REQ_CRASH = 2 };
#define CLIENT_CALLS 60

static mica_server_action_t server_handle(void *ctx, mica_word_t badge, mica_msginfo_t req,
                                          mica_msginfo_t *reply)
{
    (void)ctx; (void)badge;
    if (mica_msginfo_get_label(req) == REQ_CRASH)
        do_null();
    mica_set_mr(0, mica_get_mr(0) + 1);
    *reply = mica_msginfo_new(0, 0, 0, 1);
    return MICA_SERVER_REPLY;
}

/* The server process: r0 its service endpoint (a CPtr in its own CSpace). */
static void server_main(mica_word_t ep, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r1; (void)r2; (void)r3;
    rec.value[0]++;                     /* starts */
    mica_server_loop(ep, server_handle, NULL);
}

static void good_client(mica_word_t id, mica_word_t ep, mica_word_t done, mica_word_t r3)
{
    (void)r3;
    for (mica_word_t i = 0; i < CLIENT_CALLS; i++) {
        mica_word_t x = id * 1000 + i, y = 0;
        mica_msginfo_t r = mica_call_words(ep, REQ_ADD, &x, 1, &y, 1);
        if (mica_msginfo_get_label(r) == 0 && y == x + 1)
            rec.value[4 + id]++;
        mica_yield();
    }
    mica_signal(done);
}

/* Wait for go, then send the request that crashes the server. */
static void bad_client(mica_word_t id, mica_word_t ep, mica_word_t go, mica_word_t r3)
{
    (void)r3;
    mica_word_t badge, x = 0;
    mica_wait(go, &badge);
    rec.step[id] = 1;
    mica_call_words(ep, REQ_CRASH, &x, 1, NULL, 0);
    rec.step[id] = 2;                   /* never: its server died holding its reply */
}

static mica_cptr_t start_client(mica_entry_fn fn, const char *name, mica_word_t id,
                                mica_word_t ep, mica_word_t arg)
{
    mica_thread_config_t cfg = { .name = name, .prio = PRIO };
    mica_thread_t t;
    mt_assert_err(mica_thread_create(&env, &cfg, &t), MICA_NO_ERROR);
    mt_assert_err(mica_thread_start(&t, fn, id, ep, arg, 0), MICA_NO_ERROR);
    return t.tcb;
}

static void root_supervisor(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t fault_ep = make(MICA_ENDPOINT_OBJECT), ep = make(MICA_ENDPOINT_OBJECT);
    mica_cptr_t done = make(MICA_NOTIFICATION_OBJECT), go = make(MICA_NOTIFICATION_OBJECT);
    mica_process_config_t pc = { .name = "server", .prio = PRIO + 10, .fault_ep = fault_ep,
                                 .fault_badge = 0x5e };
    mica_process_t srv;
    mt_assert_err(mica_process_create(&env, &pc, &srv), MICA_NO_ERROR);
    mica_cptr_t srv_ep = mica_process_give(&srv, ep, MICA_ALL_RIGHTS, 0);
    mt_assert_err(mica_process_start(&srv, server_main, srv_ep, 0, 0, 0), MICA_NO_ERROR);

    start_client(good_client, "good0", 0, ep, mint(done, 1));
    start_client(good_client, "good1", 1, ep, mint(done, 2));
    mica_cptr_t bad1 = start_client(bad_client, "bad1", 1, ep, go);
    mica_cptr_t bad2 = start_client(bad_client, "bad2", 2, ep, go);

    /* Crash 1: restart the same TCB with WriteRegisters (the same entry pc) + Resume. */
    mica_signal(go);
    mica_fault_t f = wait_fault(fault_ep);
    ck_assert_uint_eq(f.badge, 0x5e);
    ck_assert_uint_eq(f.kind, MICA_FAULT_USER_EXCEPTION);
    ck_assert_uint_eq(f.number, SIGSEGV);
    mica_user_context_t regs;
    mt_assert_err(mica_tcb_read_registers(srv.tcb, false, 0, 2, &regs), MICA_NO_ERROR);
    ck_assert_uint_eq(regs.pc, f.ip);               /* its pc is where it crashed */
    ck_assert_uint_eq(regs.sp, f.sp);
    ck_assert(f.sp < MICA_PROCESS_STACK_TOP && f.sp >= MICA_PROCESS_STACK_TOP - 16 * PAGE);
    mt_assert_err(mica_process_start(&srv, server_main, srv_ep, 0, 0, 0), MICA_NO_ERROR);

    /* Crash 2: a fresh TCB in the same CSpace and VSpace. */
    mica_signal(go);
    f = wait_fault(fault_ep);
    ck_assert_uint_eq(f.badge, 0x5e);
    ck_assert_uint_eq(f.number, SIGSEGV);
    uint8_t bits = (uint8_t)srv.cnode_bits;
    mt_assert_err(mica_cnode_delete(srv.cnode, MICA_PROCESS_CAP_TCB, bits), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(MICA_CAP_INIT_CNODE, srv.tcb, MICA_WORD_BITS), MICA_NO_ERROR);
    srv.tcb = make(MICA_TCB_OBJECT);
    mt_assert_err(mica_tcb_configure(srv.tcb, MICA_PROCESS_CAP_FAULT_EP, srv.cnode,
                                     mica_cnode_capdata_new(0, MICA_WORD_BITS - bits), srv.vspace, 0,
                                     MICA_PROCESS_IPC_BUFFER_VADDR, srv.ipc_frame), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(srv.tcb, MICA_CAP_INIT_TCB, PRIO + 10), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(srv.cnode, MICA_PROCESS_CAP_TCB, bits, MICA_CAP_INIT_CNODE,
                                  srv.tcb, MICA_WORD_BITS, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mica_debug_name_thread(srv.tcb, "server2");
    mt_assert_err(mica_process_start(&srv, server_main, srv_ep, 0, 0, 0), MICA_NO_ERROR);

    /* The good clients get every answer. */
    mica_word_t seen = 0, badge;
    while (seen != 3) {
        mica_wait(done, &badge);
        seen |= badge;
    }
    ck_assert_uint_eq(rec.value[4], CLIENT_CALLS);
    ck_assert_uint_eq(rec.value[5], CLIENT_CALLS);
    ck_assert_uint_eq(rec.value[0], 3);             /* started three times */
    /* Each bad client still waits for the reply its server died with. */
    ck_assert_int_eq(rec.step[1], 1);
    ck_assert_int_eq(rec.step[2], 1);
    ck_assert_uint_eq(mt_thread_state(bad1), MICA_THREAD_BLOCKED_ON_REPLY);
    ck_assert_uint_eq(mt_thread_state(bad2), MICA_THREAD_BLOCKED_ON_REPLY);
    mt_assert_err(mica_tcb_suspend(bad1), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_suspend(bad2), MICA_NO_ERROR);
    /* The restarted server still serves. */
    mica_word_t x = 41, y = 0;
    mica_call_words(ep, REQ_ADD, &x, 1, &y, 1);
    ck_assert_uint_eq(y, 42);
    rec.done = 1;
}

START_TEST(a_supervisor_restarts_a_crashed_server_and_its_clients_carry_on)
{
    RUN(root_supervisor);
}
END_TEST

/* --- scale ------------------------------------------------------------------------- */

#define N_VSPACES 1000
#define CHECKED_EVERY 100

static void read_own_frame(mica_word_t slot, mica_word_t vaddr, mica_word_t done, mica_word_t r3)
{
    (void)r3;
    rec.value[slot] = *(volatile mica_word_t *)mica_vaddr_to_ptr(vaddr);
    mica_signal(done);
}

static void root_many_vspaces(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    static mica_cptr_t vs[N_VSPACES], frame[N_VSPACES];
    static mica_process_t proc[N_VSPACES / CHECKED_EVERY];
    mica_cptr_t done = make(MICA_NOTIFICATION_OBJECT);
    for (mica_word_t i = 0; i < N_VSPACES; i++) {
        frame[i] = make(MICA_FRAME_OBJECT);
        if (i % CHECKED_EVERY == 0) {
            /* Every hundredth is a process that reads its frame. */
            mica_process_t *p = &proc[i / CHECKED_EVERY];
            mica_process_config_t pc = { .name = "reader", .prio = PRIO, .stack_pages = 2 };
            mt_assert_err(mica_process_create(&env, &pc, p), MICA_NO_ERROR);
            vs[i] = p->vspace;
            mt_assert_err(mica_page_map(frame[i], vs[i], 0x2000, MICA_READ_WRITE, 0), MICA_NO_ERROR);
            continue;
        }
        vs[i] = make(MICA_VSPACE_OBJECT);
        mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT);
        upper_levels(vs[i], 0);
        mt_assert_err(mica_page_table_map(pt, vs[i], 0, 0), MICA_NO_ERROR);
        mt_assert_err(mica_page_map(frame[i], vs[i], 0x2000, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    }
    /* All alive at once, each window holding its frame. */
    for (mica_word_t i = 0; i < N_VSPACES; i++) {
        paddr_t v = cap_obj(cap_at(vs[i]));
        ck_assert_uint_ne(hw_vspace_generation(v), 0);
        hw_window_entry_t e;
        ck_assert_int_eq(hw_window_probe(v, 0x2000, &e), 0);
        ck_assert_uint_eq(e.paddr, mica_page_get_address(frame[i]).paddr);
        ck_assert_uint_eq(e.rights, 3);
    }
    /* Write each checked frame through the root's own mapping of a copy; its process reads it. */
    for (mica_word_t j = 0; j < N_VSPACES / CHECKED_EVERY; j++) {
        mica_word_t i = j * CHECKED_EVERY;
        mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_VSPACE, VM_BASE + j * PAGE,
                                    mint(frame[i], 0), MICA_READ_WRITE), MICA_NO_ERROR);
        *(volatile mica_word_t *)mica_vaddr_to_ptr(VM_BASE + j * PAGE) = 0x1000 + i;
        mt_assert_err(mica_process_start(&proc[j], read_own_frame, j, 0x2000,
                                         mica_process_give(&proc[j], done, MICA_CAN_WRITE, 1ul << j),
                                         0), MICA_NO_ERROR);
    }
    mica_word_t seen = 0, badge;
    while (seen != (1ul << (N_VSPACES / CHECKED_EVERY)) - 1) {
        mica_wait(done, &badge);
        seen |= badge;
    }
    for (mica_word_t j = 0; j < N_VSPACES / CHECKED_EVERY; j++)
        ck_assert_uint_eq(rec.value[j], 0x1000 + j * CHECKED_EVERY);
    /* Deleting them releases every window. */
    for (mica_word_t i = 0; i < N_VSPACES; i++) {
        paddr_t v = cap_obj(cap_at(vs[i]));
        if (i % CHECKED_EVERY == 0)
            mica_process_destroy(&env, &proc[i / CHECKED_EVERY]);
        else
            mt_assert_err(mica_cnode_delete(MICA_CAP_INIT_CNODE, vs[i], MICA_WORD_BITS), MICA_NO_ERROR);
        ck_assert_uint_eq(hw_vspace_generation(v), 0);
    }
    mt_assert_err(mica_page_unmap(frame[1]), MICA_NO_ERROR);    /* stale: a no-op */
    rec.done = 1;
}

START_TEST(a_thousand_vspaces_alive_at_once)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.phys_mem_bytes = 64ul << 20;
    cfg.root_cnode_bits = 14;
    cfg.check = MICA_CHECK_END;     /* a full check per entry would walk 1,000 VSpaces each time */
    memset(&rec, 0, sizeof rec);
    mica_run_result_t r = mt_run_cfg(&cfg, root_many_vspaces);
    ck_assert_msg(r.reason == MICA_STOP_IDLE, "%s: %s", mica_stop_reason_name(r.reason), r.message);
    ck_assert(rec.done);
}
END_TEST

/* --- the VSpace invariants fire on corrupted states ----------------------------------- */

/*
 * As in test_invariants.c: build a small system with real system calls,
 * corrupt kernel memory (or, for valid_host_window, the host window behind
 * the kernel's back), then make one more system call. The checker, on at
 * every kernel entry, must stop the run at exactly that entry naming the
 * invariant.
 */
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

static void expect_invariant(mt_root_fn fn, const char *inv)
{
    mica_config_t cfg;
    mt_config(&cfg);
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

static paddr_t root_vspace(void)
{
    return cap_obj(cap_at(MICA_CAP_INIT_VSPACE));
}

/* The page-directory entry for vaddr (the boot PDPT and page directory cover the first GiB). */
static pte_t *root_entry(mica_word_t vaddr)
{
    pte_t *pml4 = (pte_t *)paddr_to_ptr(root_vspace());
    pte_t *pdpt = (pte_t *)paddr_to_ptr(PTE_PADDR(pml4[(vaddr >> 39) & 511]));
    pte_t *pd = (pte_t *)paddr_to_ptr(PTE_PADDR(pdpt[(vaddr >> 30) & 511]));
    return pd + ((vaddr >> MICA_LARGE_PAGE_BITS) & 511);
}

static pte_t *pt_entry(mica_word_t vaddr)
{
    return (pte_t *)paddr_to_ptr(PTE_PADDR(*root_entry(vaddr))) + ((vaddr >> MICA_PAGE_BITS) & 511);
}

/* A page table at VM_BASE with one frame at VM_BASE; returns the frame cap. */
static mica_cptr_t map_one(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t frame;
    mt_assert_err(mica_user_map_pages(&env, MICA_CAP_INIT_VSPACE, VM_BASE, 1, MICA_READ_WRITE,
                                      &frame), MICA_NO_ERROR);
    return frame;
}

static void corrupt_table_and_large_frame(const mica_bootinfo_t *bi)
{
    map_one(bi);
    arm();
    *root_entry(VM_BASE) |= PTE_FRAME | PTE_LARGE;
    trigger();
}

static void corrupt_large_frame_in_page_table(const mica_bootinfo_t *bi)
{
    map_one(bi);
    arm();
    *pt_entry(VM_BASE) |= PTE_LARGE;
    trigger();
}

START_TEST(valid_vspace_objs_catches_overlapping_mappings)
{
    expect_invariant(corrupt_table_and_large_frame, "valid_vspace_objs");
    expect_invariant(corrupt_large_frame_in_page_table, "valid_vspace_objs");
}
END_TEST

static void corrupt_second_parent(const mica_bootinfo_t *bi)
{
    map_one(bi);
    arm();
    *root_entry(VM_BASE + LARGE) = *root_entry(VM_BASE);    /* one page table, two parents */
    trigger();
}

/*
 * Two caps to one page table that disagree where it is mapped. (A cap whose
 * entry no longer holds its table is no error: unmapping a level above
 * leaves the records below it stale, as on seL4.)
 */
static void corrupt_no_parent(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT), copy = mica_env_slot(&env);
    mt_assert_err(mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, VM_BASE, 0), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(MICA_CAP_INIT_CNODE, copy, MICA_WORD_BITS, MICA_CAP_INIT_CNODE,
                                  pt, MICA_WORD_BITS, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    arm();
    cap_t root = tcb_slot(ks.root_tcb, TCB_CTABLE)->cap;
    cap_cnode_slots(root)[copy].cap.word += 2ul << 9;   /* the copy says 2 MiB further up */
    trigger();
}

START_TEST(unique_table_refs_catches_a_page_table_with_two_parents_or_none)
{
    expect_invariant(corrupt_second_parent, "unique_table_refs");
    expect_invariant(corrupt_no_parent, "unique_table_refs");
}
END_TEST

static void corrupt_frame_without_cap(const mica_bootinfo_t *bi)
{
    map_one(bi);
    arm();
    *pt_entry(VM_BASE + PAGE) = *pt_entry(VM_BASE);         /* the frame again, no cap records it */
    trigger();
}

static void corrupt_table_without_cap(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT);          /* not mapped */
    arm();
    *root_entry(VM_BASE) = cap_obj(cap_at(pt)) | PTE_TABLE;
    trigger();
}

START_TEST(valid_vs_lookup_catches_a_mapping_no_cap_records)
{
    expect_invariant(corrupt_frame_without_cap, "valid_vs_lookup");
    expect_invariant(corrupt_table_without_cap, "valid_vs_lookup");
}
END_TEST

static void corrupt_kernel_rights(const mica_bootinfo_t *bi)
{
    map_one(bi);
    arm();
    *pt_entry(VM_BASE) &= ~PTE_W;       /* the kernel says read-only, the host still read-write */
    trigger();
}

static void corrupt_host_lost_mapping(const mica_bootinfo_t *bi)
{
    map_one(bi);
    arm();
    hw_unmap(root_vspace(), VM_BASE, MICA_PAGE_BITS);
    trigger();
}

static void corrupt_host_extra_mapping(const mica_bootinfo_t *bi)
{
    mica_word_t paddr = mica_page_get_address(map_one(bi)).paddr;
    arm();
    ck_assert_int_eq(hw_map(root_vspace(), VM_BASE + 2 * PAGE, paddr, MICA_PAGE_BITS, 3), 0);
    trigger();
}

START_TEST(valid_host_window_catches_a_window_that_disagrees_with_the_page_tables)
{
    expect_invariant(corrupt_kernel_rights, "valid_host_window");
    expect_invariant(corrupt_host_lost_mapping, "valid_host_window");
    expect_invariant(corrupt_host_extra_mapping, "valid_host_window");
}
END_TEST

/* ------------------------------------------------------------------------------------- */

static Suite *vspace_suite(void)
{
    Suite *s = suite_create("vspace");
    TCase *tc;

    tc = mt_tcase(s, "demo");
    tcase_add_test(tc, an_unmapped_access_faults_to_the_pager_and_is_retried);

    tc = mt_tcase(s, "map_errors");
    tcase_add_test(tc, page_map_without_a_page_table_is_failed_lookup_naming_the_missing_level);
    tcase_add_test(tc, mapping_over_a_page_table_is_delete_first);
    tcase_add_test(tc, mapping_over_a_frame_replaces_it);
    tcase_add_test(tc, a_page_table_unmapped_after_its_vspace_died_maps_again_empty);
    tcase_add_test(tc, a_1_gib_frame_maps_in_a_pdpt_and_every_entry_passes_the_invariant_checks);
    tcase_add_test(tc, unaligned_vaddrs_are_alignment_errors);
    tcase_add_test(tc, vaddrs_outside_the_2_47_bytes_are_invalid_argument);
    tcase_add_test(tc, a_cap_that_is_not_a_vspace_is_invalid_capability);
    tcase_add_test(tc, a_mapped_frame_cap_maps_again_only_at_the_same_place);
    tcase_add_test(tc, mapping_a_mapped_page_table_is_invalid_capability_0);
    tcase_add_test(tc, a_mapping_the_host_refuses_is_not_enough_memory_and_changes_nothing);
    tcase_add_test(tc, host_mappings_run_out_with_not_enough_memory_and_come_back_on_unmap);

    tc = mt_tcase(s, "sharing");
    tcase_add_test(tc, two_processes_mapping_one_frame_see_each_others_writes);

    tc = mt_tcase(s, "paging");
    tcase_add_test(tc, a_write_to_a_read_only_page_faults_and_succeeds_once_the_pager_remaps_it);
    tcase_add_test(tc, a_user_level_pager_pages_in_a_1_mib_region_on_demand);
    tcase_add_test(tc, an_access_after_unmap_faults);
    tcase_add_test(tc, deleting_a_frame_cap_unmaps_it);
    tcase_add_test(tc, deleting_a_page_table_unmaps_everything_under_it);
    tcase_add_test(tc, deleting_a_vspace_unmaps_everything_in_it);

    tc = mt_tcase(s, "crashes");
    tcase_add_test(tc, a_null_dereference_stops_only_its_thread);
    tcase_add_test(tc, an_integer_division_by_zero_stops_only_its_thread);
    tcase_add_test(tc, an_undefined_instruction_stops_only_its_thread);
    tcase_add_test(tc, a_bus_error_stops_only_its_thread);
    tcase_add_test(tc, abort_stops_only_its_thread);
    tcase_add_test(tc, overflowing_a_host_stack_stops_only_its_thread);
    tcase_add_test(tc, every_kind_of_crash_at_once_leaves_the_workers_running);
    tcase_add_test(tc, overflowing_a_vspace_stack_is_a_vm_fault_on_its_guard_page);
    tcase_add_test(tc, a_supervisor_restarts_a_crashed_server_and_its_clients_carry_on);

    tc = mt_tcase(s, "scale");
    tcase_add_test(tc, a_thousand_vspaces_alive_at_once);

    tc = mt_tcase(s, "invariants");
    tcase_add_test(tc, valid_vspace_objs_catches_overlapping_mappings);
    tcase_add_test(tc, unique_table_refs_catches_a_page_table_with_two_parents_or_none);
    tcase_add_test(tc, valid_vs_lookup_catches_a_mapping_no_cap_records);
    tcase_add_test(tc, valid_host_window_catches_a_window_that_disagrees_with_the_page_tables);
    return s;
}

MICA_TEST_MAIN(vspace_suite)
