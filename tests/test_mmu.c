/*
 * test_mmu.c - the machine's VSpace windows (sim/mmu.c): one window per
 * 1 GiB region in use, placed at random with at least 1 GiB of unmapped
 * host memory on each side; mappings across the whole 47-bit range
 * (hw_map, hw_unmap and hw_window_probe called directly, below any kernel);
 * a pointer run a whole window past a buffer is a user exception, never
 * another VSpace's memory; a host that refuses an unmap stops the run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "harness.h"
#include "../sim/sim.h"

#define GIB (1ul << 30)
#define PAGE 4096ul
#define LARGE (1ul << 21)
#define TOP47 (1ul << 47)
#define PHYS (GIB + 64 * LARGE)     /* room for one 1 GiB frame and some more */

/* --- the machine alone: mmu.c with physical memory and a mapping budget ------- */

static mica_config_t mcfg;

static void machine_up(void)
{
    mica_config_init(&mcfg);
    ck_assert_int_eq(physmem_create(PHYS), 0);
    ck_assert_int_eq(mmu_init(PHYS, PHYS), 0);
    limits_init(&mcfg);
}

static void machine_down(void)
{
    mmu_destroy();
    physmem_destroy();
}

static void probe(hw_word_t vs, hw_word_t vaddr, unsigned bits, hw_word_t paddr, unsigned rights)
{
    hw_window_entry_t e;
    ck_assert_int_eq(hw_window_probe(vs, vaddr, &e), 0);
    ck_assert_uint_eq(e.size_bits, bits);
    if (bits) {
        ck_assert_uint_eq(e.paddr, paddr);
        ck_assert_uint_eq(e.rights, rights);
    }
}

static size_t nwindows(void)
{
    return mmu_windows(NULL, 0);
}

START_TEST(maps_unmaps_and_probes_across_47_bits)
{
    machine_up();
    hw_word_t a = 0x1000, b = 0x2000;
    ck_assert_uint_ne(hw_vspace_create(a), 0);
    ck_assert_uint_ne(hw_vspace_create(b), 0);
    ck_assert_uint_eq(nwindows(), 0);     /* no window before the first mapping */

    const hw_word_t high = 0xA000000000ul, top = TOP47 - PAGE, top2 = TOP47 - LARGE;
    ck_assert_int_eq(hw_map(a, high, 0x10000, 12, 3), 0);
    ck_assert_int_eq(hw_map(a, top, 0x11000, 12, 2), 0);
    ck_assert_int_eq(hw_map(a, top2 - LARGE, 2 * LARGE, 21, 3), 0);
    ck_assert_int_eq(hw_map(b, 0, 0, 30, 3), 0);        /* a 1 GiB frame */
    ck_assert_int_eq(hw_map(b, high + PAGE, 0x10000, 12, 3), 0);
    ck_assert_uint_eq(nwindows(), 4);     /* a: 0xA0 GiB and the top GiB; b: 0 and 0xA0 GiB */
    probe(a, high, 12, 0x10000, 3);
    probe(a, high + PAGE, 0, 0, 0);
    probe(a, top, 12, 0x11000, 2);
    probe(a, top2 - LARGE + 5 * PAGE, 21, 2 * LARGE, 3);
    probe(b, 12345 * PAGE, 30, 0, 3);
    probe(b, high + PAGE, 12, 0x10000, 3);
    hw_window_entry_t e;
    ck_assert_int_eq(hw_window_probe(a, 0, &e), 0);
    ck_assert_uint_eq(e.mappings, 3);
    ck_assert_int_eq(hw_window_probe(b, 0, &e), 0);
    ck_assert_uint_eq(e.mappings, 2);

    /* The same frame through both VSpaces; the 1 GiB frame sees it too, at its paddr. */
    volatile unsigned char *pa = mmu_ptr(a, high), *pb = mmu_ptr(b, high + PAGE);
    volatile unsigned char *huge = mmu_ptr(b, 0x10000);
    pa[7] = 0x5a;
    ck_assert_uint_eq(pb[7], 0x5a);
    ck_assert_uint_eq(huge[7], 0x5a);
    volatile unsigned char *pt = mmu_ptr(a, top);
    ck_assert_uint_eq(pt[0], 0);          /* read-only, readable */

    /* Host addresses back to (VSpace, vaddr). */
    hw_word_t vs, va;
    ck_assert_int_eq(mmu_lookup_host((uintptr_t)pa + 3, &vs, &va), 1);
    ck_assert_uint_eq(vs, a);
    ck_assert_uint_eq(va, high + 3);
    ck_assert_int_eq(mmu_lookup_host((uintptr_t)pt + PAGE - 1, &vs, &va), 1);
    ck_assert_uint_eq(va, TOP47 - 1);
    ck_assert_int_eq(mmu_lookup_host((uintptr_t)pa + GIB, &vs, &va), 0);
    ck_assert_int_eq(mmu_lookup_host((uintptr_t)pa - GIB, &vs, &va), 0);

    /* Beyond the geometry: refused, nothing changed. */
    ck_assert_int_eq(hw_map(a, TOP47, 0x12000, 12, 3), -1);
    ck_assert_int_eq(hw_map(a, high + 0x800, 0x12000, 12, 3), -1);
    ck_assert_int_eq(hw_window_probe(a, 0, &e), 0);
    ck_assert_uint_eq(e.mappings, 3);

    /* Unmaps: pinned windows (pointers were handed out) stay, with nothing mapped. */
    hw_unmap(a, high, 12);
    probe(a, high, 0, 0, 0);
    hw_unmap(b, 0, 30);
    probe(b, 0, 0, 0, 0);
    ck_assert_int_eq(hw_window_probe(b, 0, &e), 0);
    ck_assert_uint_eq(e.mappings, 1);
    ck_assert_uint_eq(nwindows(), 4);
    hw_vspace_destroy(b);
    ck_assert_uint_eq(nwindows(), 2);
    ck_assert_int_eq(hw_window_probe(b, 0, &e), -1);
    machine_down();
}
END_TEST

START_TEST(a_window_goes_with_its_last_mapping)
{
    machine_up();
    hw_word_t a = 0x1000;
    ck_assert_uint_ne(hw_vspace_create(a), 0);
    for (hw_word_t r = 1; r <= 8; r++)
        ck_assert_int_eq(hw_map(a, r * 0x1000000000ul + r * PAGE, r * PAGE, 12, 3), 0);
    ck_assert_uint_eq(nwindows(), 8);
    for (hw_word_t r = 1; r <= 8; r++) {
        hw_unmap(a, r * 0x1000000000ul + r * PAGE, 12);
        ck_assert_uint_eq(nwindows(), 8 - r);
    }
    hw_vspace_destroy(a);
    machine_down();
}
END_TEST

/* No host mapping of the process within 1 GiB of a window, other than the window's own. */
static void assert_windows_isolated(void)
{
    static uintptr_t bases[4096];
    size_t n = mmu_windows(bases, 4096);
    ck_assert_uint_le(n, 4096);
    for (size_t i = 1; i < n; i++)
        ck_assert_uint_ge(bases[i] - bases[i - 1], 2 * GIB);    /* a window and a gap */
    FILE *f = fopen("/proc/self/maps", "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *end;
        uintptr_t s = (uintptr_t)strtoull(line, &end, 16);
        uintptr_t e = (uintptr_t)strtoull(end + 1, NULL, 16);
        for (size_t i = 0; i < n; i++) {
            uintptr_t b = bases[i];
            int inside = s >= b && e <= b + GIB;
            int near = s < b + 2 * GIB && e > b - GIB;
            ck_assert_msg(inside || !near, "host mapping %lx-%lx within 1 GiB of window %lx",
                          (unsigned long)s, (unsigned long)e, (unsigned long)b);
        }
    }
    fclose(f);
}

START_TEST(windows_are_never_adjacent_and_have_gigabyte_gaps)
{
    machine_up();
    uint64_t rng = 42;
    for (int layout = 0; layout < 20; layout++) {
        mmu_placement_seed((uint64_t)layout * 7919);
        for (hw_word_t v = 1; v <= 16; v++) {
            ck_assert_uint_ne(hw_vspace_create(v << 12), 0);
            for (int m = 0; m < 4; m++) {
                rng = rng * 6364136223846793005ull + 1442695040888963407ull;
                hw_word_t vaddr = (rng >> 17) % (TOP47 / PAGE) * PAGE;
                ck_assert_int_eq(hw_map(v << 12, vaddr, (hw_word_t)m * PAGE, 12, 3), 0);
            }
        }
        assert_windows_isolated();
        for (hw_word_t v = 1; v <= 16; v++)
            hw_vspace_destroy(v << 12);
        ck_assert_uint_eq(nwindows(), 0);
    }
    machine_down();
}
END_TEST

/* 32 MiB of contiguous frames mapped page by page: one host mapping, not 8192. */
START_TEST(contiguous_frames_share_one_host_mapping)
{
    machine_up();
    hw_word_t a = 0x1000;
    ck_assert_uint_ne(hw_vspace_create(a), 0);
    const hw_word_t base = 0x5000000000ul;
    ck_assert_int_eq(hw_map(a, base, 0, 12, 3), 0);
    uintptr_t lo = (uintptr_t)mmu_ptr(a, base) & ~(GIB - 1);
    for (hw_word_t i = 1; i < (32ul << 20) / PAGE; i++)
        ck_assert_int_eq(hw_map(a, base + i * PAGE, i * PAGE, 12, 3), 0);
    FILE *f = fopen("/proc/self/maps", "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    unsigned vmas = 0;
    while (fgets(line, sizeof line, f)) {
        uintptr_t s = (uintptr_t)strtoull(line, NULL, 16);
        vmas += s >= lo && s < lo + GIB;
    }
    fclose(f);
    ck_assert_uint_le(vmas, 3);           /* below, the 32 MiB, above */
    hw_vspace_destroy(a);
    machine_down();
}
END_TEST

/* --- in a run: a pointer a window past a buffer ------------------------------------ */

static volatile unsigned char *g_target;
static volatile int g_wrote;

static void stray_writer(mica_word_t a, mica_word_t b, mica_word_t c, mica_word_t d)
{
    (void)a; (void)b; (void)c; (void)d;
    g_target[0] = 0xee;      /* must trap */
    g_wrote = 1;
}

#define OTHER_VSPACES 3
#define BUF_VADDR (MICA_ROOT_FREE_VADDR + 0x400000ul)

static void root_stray(const mica_bootinfo_t *bi)
{
    (void)bi;
    static mica_word_t ipc_vaddr = MICA_ROOT_FREE_VADDR + 0x100000;
    /* Other VSpaces with a frame each, holding a pattern. */
    for (int i = 0; i < OTHER_VSPACES; i++) {
        mica_cptr_t vs = mt_make(MICA_VSPACE_OBJECT, 0), pt = mt_make(MICA_PAGE_TABLE_OBJECT, 0);
        mica_cptr_t f = mt_make(MICA_FRAME_OBJECT, 0);
        mica_word_t va = BUF_VADDR + (mica_word_t)i * 0x200000ul;
        mt_assert_err(mica_pdpt_map(mt_make(MICA_PDPT_OBJECT, 0), vs, va, 0), MICA_NO_ERROR);
        mt_assert_err(mica_page_directory_map(mt_make(MICA_PAGE_DIRECTORY_OBJECT, 0), vs, va, 0),
                      MICA_NO_ERROR);
        mt_assert_err(mica_page_table_map(pt, vs, va, 0), MICA_NO_ERROR);
        mt_assert_err(mica_page_map(f, vs, va, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    }
    /* The buffer in the root's own VSpace. */
    mica_cptr_t pt = mt_make(MICA_PAGE_TABLE_OBJECT, 0), f = mt_make(MICA_FRAME_OBJECT, 0);
    mt_assert_err(mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, BUF_VADDR, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_map(f, MICA_CAP_INIT_VSPACE, BUF_VADDR, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    volatile unsigned char *buf = mica_vaddr_to_ptr(BUF_VADDR);
    buf[0] = 1;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    for (int dir = 0; dir < 2; dir++) {
        g_target = dir ? buf - GIB : buf + GIB;
        g_wrote = 0;
        mica_cptr_t tcb = mt_make(MICA_TCB_OBJECT, 0), ipc = mt_make(MICA_FRAME_OBJECT, 0);
        mt_assert_err(mica_tcb_configure(tcb, ep, CNODE, 0, MICA_CAP_INIT_VSPACE, 0, ipc_vaddr, ipc),
                      MICA_NO_ERROR);
        ipc_vaddr += PAGE;
        mt_assert_err(mica_tcb_set_priority(tcb, MICA_CAP_INIT_TCB, 100), MICA_NO_ERROR);
        mica_user_context_t regs = { .pc = (mica_word_t)stray_writer };
        mt_assert_err(mica_tcb_write_registers(tcb, true, 0, 1, &regs), MICA_NO_ERROR);
        mica_msginfo_t info = mica_recv(ep, NULL);
        ck_assert_uint_eq(mica_msginfo_get_label(info), MICA_FAULT_USER_EXCEPTION);
        ck_assert_int_eq(g_wrote, 0);
        mt_assert_err(mica_tcb_suspend(tcb), MICA_NO_ERROR);
    }
}

START_TEST(a_pointer_a_window_past_a_buffer_is_a_user_exception)
{
    /* 1,000 layouts: each run places its windows afresh. */
    for (int layout = 0; layout < 1000; layout++) {
        mica_config_t cfg;
        mt_config(&cfg);
        cfg.check = MICA_CHECK_END;
        mmu_placement_seed(0x1234567ull + (uint64_t)layout);
        mt_run_cfg(&cfg, root_stray);
    }
}
END_TEST

/* --- a host that refuses an unmap stops the run ----------------------------------- */

static volatile int g_after_unmap;

static void root_refused_unmap(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    static mica_env_t env;
    mica_env_init(&env, bi);
    mica_cptr_t f = mica_env_make(&env, MICA_FRAME_OBJECT, 0);
    if (mica_user_map(&env, MICA_CAP_INIT_VSPACE, BUF_VADDR, f, MICA_READ_WRITE) != MICA_NO_ERROR)
        return;
    *(volatile unsigned char *)mica_vaddr_to_ptr(BUF_VADDR) = 1;
    mmu_refuse_unmaps = 1;
    mica_page_unmap(f);
    g_after_unmap = 1;      /* never: the run stopped at the unmap */
}

START_TEST(a_host_that_refuses_an_unmap_stops_the_run)
{
    mica_config_t cfg;
    mt_config(&cfg);
    mica_run_result_t r;
    g_after_unmap = 0;
    ck_assert_int_eq(mica_run(&cfg, root_refused_unmap, NULL, &r), -ENOMEM);
    ck_assert_int_eq(g_after_unmap, 0);
    ck_assert_ptr_null(mmu_host_failure() ? NULL : "no failure recorded");
}
END_TEST

static Suite *mmu_suite(void)
{
    Suite *s = suite_create("mmu");
    TCase *tc = mt_tcase(s, "windows");
    tcase_add_test(tc, maps_unmaps_and_probes_across_47_bits);
    tcase_add_test(tc, a_window_goes_with_its_last_mapping);
    tcase_add_test(tc, windows_are_never_adjacent_and_have_gigabyte_gaps);
    tcase_add_test(tc, contiguous_frames_share_one_host_mapping);
    tc = mt_tcase(s, "runs");
    tcase_add_test(tc, a_pointer_a_window_past_a_buffer_is_a_user_exception);
    tcase_add_test(tc, a_host_that_refuses_an_unmap_stops_the_run);
    return s;
}

MICA_TEST_MAIN(mmu_suite)
