/*
 * test_boot.c - the initial system: root caps, boot info, untyped coverage,
 * repeated runs in one process, configuration errors.
 */
#include <errno.h>
#include "harness.h"

static void check_root_caps(const mica_bootinfo_t *bi)
{
    ck_assert_int_eq(mica_debug_cap_identify(MICA_CAP_NULL), MICA_CAP_TYPE_NULL);
    ck_assert_int_eq(mica_debug_cap_identify(MICA_CAP_INIT_TCB), MICA_CAP_TYPE_TCB);
    ck_assert_int_eq(mica_debug_cap_identify(MICA_CAP_INIT_CNODE), MICA_CAP_TYPE_CNODE);
    ck_assert_int_eq(mica_debug_cap_identify(MICA_CAP_INIT_VSPACE), MICA_CAP_TYPE_VSPACE);
    ck_assert_int_eq(mica_debug_cap_identify(MICA_CAP_IRQ_CONTROL), MICA_CAP_TYPE_IRQ_CONTROL);
    ck_assert_int_eq(mica_debug_cap_identify(MICA_CAP_BOOTINFO_FRAME), MICA_CAP_TYPE_FRAME);
    ck_assert_int_eq(mica_debug_cap_identify(MICA_CAP_INIT_IPC_BUFFER), MICA_CAP_TYPE_FRAME);
    ck_assert_int_eq(bi->init_cnode_size_bits, 12);
    ck_assert_uint_eq(bi->empty.end, 1u << 12);
    ck_assert_uint_lt(bi->empty.start, bi->empty.end);
    for (mica_word_t s = bi->untyped.start; s < bi->untyped.end; s++)
        ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_UNTYPED);
    for (mica_word_t s = bi->empty.start; s < bi->empty.end; s++)
        ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_NULL);
    for (mica_word_t s = bi->user_image_frames.start; s < bi->user_image_frames.end; s++)
        ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_FRAME);
    /* The root VSpace's PDPT, page directory and page table, in seL4's order. */
    ck_assert_uint_eq(bi->user_image_paging.end - bi->user_image_paging.start, 3);
    ck_assert_int_eq(mica_debug_cap_identify(bi->user_image_paging.start), MICA_CAP_TYPE_PDPT);
    ck_assert_int_eq(mica_debug_cap_identify(bi->user_image_paging.start + 1),
                     MICA_CAP_TYPE_PAGE_DIRECTORY);
    ck_assert_int_eq(mica_debug_cap_identify(bi->user_image_paging.start + 2),
                     MICA_CAP_TYPE_PAGE_TABLE);
    /* A plain slot number at depth 64 is a valid CPtr; trailing garbage is not. */
    ck_assert_int_eq(mica_debug_cap_identify(MICA_CAP_INIT_CNODE | (1ul << 40)), MICA_CAP_TYPE_NULL);
    ck_assert_ptr_eq(mica_bootinfo(), bi);
}

START_TEST(root_task_gets_seL4_initial_caps)
{
    mt_run(check_root_caps);
}
END_TEST

static void check_untyped(const mica_bootinfo_t *bi)
{
    mica_word_t ram = 0, dev = 0;
    mica_word_t prev_end = 0;
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const mica_untyped_desc_t *u = &bi->untyped_list[i];
        ck_assert_uint_ge(u->size_bits, MICA_MIN_UNTYPED_BITS);
        ck_assert_uint_le(u->size_bits, MICA_MAX_UNTYPED_BITS);
        ck_assert_uint_eq(u->paddr & ((1ul << u->size_bits) - 1), 0);  /* naturally aligned */
        ck_assert_uint_ge(u->paddr, prev_end);                           /* disjoint */
        prev_end = u->paddr + (1ul << u->size_bits);
        if (u->is_device)
            dev += 1ul << u->size_bits;
        else
            ram += 1ul << u->size_bits;
    }
    /* Everything after the boot objects is handed out: 16 MiB less under 1 MiB of boot data. */
    ck_assert_uint_gt(ram, (16ul << 20) - (1ul << 20));
    ck_assert_uint_lt(ram, 16ul << 20);
    ck_assert_uint_eq(dev, 1ul << 20);
}

START_TEST(untyped_caps_cover_free_memory_in_aligned_blocks)
{
    mt_run(check_untyped);
}
END_TEST

static void use_ipc_buffer_and_stack(const mica_bootinfo_t *bi)
{
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    ck_assert_ptr_nonnull(b);
    /* The IPC buffer is the frame mapped at bi->ipc_buffer in the root VSpace. */
    mica_ipc_buffer_t *w = mica_vaddr_to_ptr(bi->ipc_buffer);
    ck_assert_ptr_nonnull(w);
    b->msg[7] = 0x1234;
    ck_assert_uint_eq(w->msg[7], 0x1234);
    /* The root task runs on the stack mapped in its VSpace. */
    volatile char local;
    unsigned char *lo = mica_vaddr_to_ptr(bi->stack_vaddr);
    ck_assert((unsigned char *)&local >= lo);
    ck_assert((unsigned char *)&local < lo + bi->stack_bytes);
}

START_TEST(ipc_buffer_and_stack_live_in_the_root_vspace)
{
    mt_run(use_ipc_buffer_and_stack);
}
END_TEST

static int runs;
static void count_run(const mica_bootinfo_t *bi)
{
    (void)bi;
    runs++;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    ck_assert_int_eq(mica_debug_cap_identify(ep), MICA_CAP_TYPE_ENDPOINT);
}

START_TEST(mica_run_runs_again_in_the_same_process)
{
    for (int i = 0; i < 5; i++)
        mt_run(count_run);
    ck_assert_int_eq(runs, 5);
}
END_TEST

static void halt_now(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_debug_halt();
    ck_abort_msg("mica_debug_halt returned");
}

START_TEST(debug_halt_stops_the_run)
{
    mica_config_t cfg;
    mt_config(&cfg);
    mica_run_result_t r = mt_run_cfg(&cfg, halt_now);
    ck_assert_int_eq(r.reason, MICA_STOP_HALT);
}
END_TEST

static void nothing(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi;
    (void)arg;
}

START_TEST(bad_configurations_are_refused_with_einval)
{
    mica_config_t cfg;
    mica_run_result_t r;
    mt_config(&cfg);
    cfg.phys_mem_bytes = 1 << 20;
    ck_assert_int_eq(mica_run(&cfg, nothing, NULL, &r), -EINVAL);
    mt_config(&cfg);
    cfg.phys_mem_bytes = (16ul << 20) + 100;
    ck_assert_int_eq(mica_run(&cfg, nothing, NULL, &r), -EINVAL);
    mt_config(&cfg);
    cfg.root_cnode_bits = 4;
    ck_assert_int_eq(mica_run(&cfg, nothing, NULL, &r), -EINVAL);
    mt_config(&cfg);
    cfg.check = 7;
    ck_assert_int_eq(mica_run(&cfg, nothing, NULL, &r), -EINVAL);
    mt_config(&cfg);
    ck_assert_int_eq(mica_run(&cfg, NULL, NULL, &r), -EINVAL);
    /*
     * 2^21 slots take 64 MiB, aligned to 64 MiB: with 66 MiB the CNode would
     * end at 128 MiB. Boot once counted its size but not its alignment and
     * wrote past the simulated memory.
     */
    mt_config(&cfg);
    cfg.root_cnode_bits = 21;
    cfg.phys_mem_bytes = 66ul << 20;
    ck_assert_int_eq(mica_run(&cfg, nothing, NULL, &r), -EINVAL);
    cfg.phys_mem_bytes = 129ul << 20;
    ck_assert_int_eq(mica_run(&cfg, nothing, NULL, &r), -EINVAL);
}
END_TEST

/*
 * The largest memories: the device region lies above RAM, beyond 2^36 for
 * 64 GiB. Capabilities once held 36-bit physical addresses, so the device
 * untyped of a 64 GiB machine wrapped to paddr 0, onto the root CNode.
 */
static mica_word_t big_ram;

static void check_device_above_ram(const mica_bootinfo_t *bi)
{
    mica_word_t prev_end = 0, dev = 0, ram_end = 0;
    mica_cptr_t first_dev = 0;
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const mica_untyped_desc_t *u = &bi->untyped_list[i];
        ck_assert_uint_ge(u->paddr, prev_end);                          /* disjoint, in order */
        ck_assert_uint_eq(u->paddr & ((1ul << u->size_bits) - 1), 0);
        prev_end = u->paddr + (1ul << u->size_bits);
        if (u->is_device) {
            ck_assert_uint_ge(u->paddr, big_ram);                       /* beyond RAM */
            dev += 1ul << u->size_bits;
            if (!first_dev)
                first_dev = bi->untyped.start + i;
        } else {
            ck_assert_uint_le(prev_end, big_ram);
            ram_end = prev_end;
        }
    }
    ck_assert_uint_eq(ram_end, big_ram);
    ck_assert_uint_eq(dev, 1ul << 20);
    ck_assert_uint_ne(first_dev, 0);
    /* A frame of the device region has the address boot info gave, not 0. */
    const mica_untyped_desc_t *d = &bi->untyped_list[first_dev - bi->untyped.start];
    mica_cptr_t f = mt_slot();
    mt_assert_err(mica_untyped_retype(first_dev, MICA_FRAME_OBJECT, 0, CNODE, 0, 0, f, 1),
                  MICA_NO_ERROR);
    mica_page_get_address_t a = mica_page_get_address(f);
    mt_assert_err(a.error, MICA_NO_ERROR);
    ck_assert_uint_eq(a.paddr, d->paddr);
    ck_assert_uint_ge(a.paddr, big_ram);
    ck_assert_int_eq(mica_debug_cap_identify(MICA_CAP_INIT_CNODE), MICA_CAP_TYPE_CNODE);
    mt_assert_err(mica_cnode_revoke(CNODE, first_dev, DEPTH), MICA_NO_ERROR);
    /* RAM still works: an object from the last RAM untyped, below the device region. */
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    ck_assert_int_eq(mica_debug_cap_identify(ep), MICA_CAP_TYPE_ENDPOINT);
}

START_TEST(the_device_untyped_lies_above_the_largest_ram)
{
    static const mica_word_t sizes[] = { 64ul << 30, (64ul << 30) - 4096, (64ul << 30) - (1ul << 20) };
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        mica_config_t cfg;
        mt_config(&cfg);
        cfg.phys_mem_bytes = sizes[i];
        big_ram = sizes[i];
        mica_run_result_t r = mt_run_cfg(&cfg, check_device_above_ram);
        ck_assert_msg(r.reason == MICA_STOP_IDLE, "RAM of %lu bytes: %s", (unsigned long)sizes[i],
                      r.message);
    }
}
END_TEST

static void small_root_cnode(const mica_bootinfo_t *bi)
{
    ck_assert_int_eq(bi->init_cnode_size_bits, 10);
    ck_assert_uint_eq(bi->empty.end, 1024);
    /* Still a plain slot number at depth 64. */
    ck_assert_int_eq(mica_debug_cap_identify(MICA_CAP_INIT_CNODE), MICA_CAP_TYPE_CNODE);
    mt_make(MICA_NOTIFICATION_OBJECT, 0);
}

START_TEST(root_cnode_size_follows_the_configuration)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.root_cnode_bits = 10;
    mica_run_result_t r = mt_run_cfg(&cfg, small_root_cnode);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
}
END_TEST

static Suite *boot_suite(void)
{
    Suite *s = suite_create("boot");
    TCase *tc = tcase_create("boot");
    tcase_add_test(tc, root_task_gets_seL4_initial_caps);
    tcase_add_test(tc, untyped_caps_cover_free_memory_in_aligned_blocks);
    tcase_add_test(tc, ipc_buffer_and_stack_live_in_the_root_vspace);
    tcase_add_test(tc, mica_run_runs_again_in_the_same_process);
    tcase_add_test(tc, debug_halt_stops_the_run);
    tcase_add_test(tc, bad_configurations_are_refused_with_einval);
    tcase_add_test(tc, root_cnode_size_follows_the_configuration);
    suite_add_tcase(s, tc);
    tc = tcase_create("largest memory");
    tcase_set_timeout(tc, 300);     /* three 64 GiB machines: a minute with MALLOC_PERTURB_ on a busy host */
    tcase_add_test(tc, the_device_untyped_lies_above_the_largest_ram);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(boot_suite)
