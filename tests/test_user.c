/*
 * test_user.c - the user-level support library (mica/user.h): the slot,
 * untyped and address allocators, mapping with page tables made on
 * demand, threads on stacks in their VSpace, processes with their own
 * CSpace and VSpace, the IPC helpers, and the mutex.
 *
 * Every test is a root task that uses the library as a program would, with
 * the invariant checker on at every kernel entry; kernel internals are read
 * only to confirm what the library claims (priorities, names, windows).
 */
#include <stddef.h>
#include <string.h>
#include "harness.h"
#include "kernel_peek.h"

#define PAGE  (1ul << MICA_PAGE_BITS)
#define LARGE (1ul << MICA_LARGE_PAGE_BITS)
#define PRIO  100
#define VM_BASE 0x30000000ul

/* The write bit of a VM fault's FSR: x86 reports it; on AArch64 mica's FSR is 0. */
#if defined(__x86_64__)
#define assert_write(f, w) ck_assert_uint_eq((f).write, (w))
#else
#define assert_write(f, w) ((void)(f))
#endif

static mica_env_t env;

static struct {
    volatile mica_word_t value[32];
    volatile int step[8];
    int done;
} rec;

#define RUN(fn) do { \
        memset(&rec, 0, sizeof rec); \
        mt_run(fn); \
        ck_assert_msg(rec.done, "the root task did not reach its end"); \
    } while (0)

static tcb_t *tcb_of(mica_cptr_t slot)
{
    cap_t c = cap_at(slot);
    ck_assert_int_eq(cap_type(c), MICA_CAP_TYPE_TCB);
    return tcb_ptr(cap_obj(c));
}

static paddr_t vspace_of(mica_cptr_t slot)
{
    return cap_obj(cap_at(slot));
}

static mica_cptr_t make(mica_word_t type)
{
    mica_cptr_t c = mica_env_make(&env, type, 0);
    ck_assert_msg(c != 0, "mica_env_make: %s", mica_error_name(env.error));
    return c;
}

/* Wait until every bit of want has been signalled on ntfn. */
static void wait_all(mica_cptr_t ntfn, mica_word_t want)
{
    mica_word_t seen = 0, badge;
    while ((seen & want) != want) {
        mica_wait(ntfn, &badge);
        seen |= badge;
    }
}

static mica_word_t page_tables_in(mica_cptr_t from, mica_cptr_t to)
{
    mica_word_t n = 0;
    for (mica_cptr_t s = from; s < to; s++)
        n += mica_debug_cap_identify(s) == MICA_CAP_TYPE_PAGE_TABLE;
    return n;
}

/* --- allocation --------------------------------------------------------------------- */

static void root_slots(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    ck_assert_uint_eq(env.next_slot, bi->empty.start);
    mica_cptr_t a = mica_env_slot(&env), b = mica_env_slot(&env);
    ck_assert_uint_eq(a, bi->empty.start);
    ck_assert_uint_eq(b, a + 1);
    mica_cptr_t run = mica_env_slots(&env, 5);
    ck_assert_uint_eq(run, b + 1);
    ck_assert_uint_eq(env.next_slot, run + 5);
    /* A freed slot is handed out again first; its cap is deleted. */
    mt_assert_err(mica_cnode_copy(CNODE, a, DEPTH, CNODE, MICA_CAP_INIT_TCB, DEPTH, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    mica_env_slot_free(&env, a);
    ck_assert_int_eq(mica_debug_cap_identify(a), MICA_CAP_TYPE_NULL);
    ck_assert_uint_eq(mica_env_slot(&env), a);
    /* The last slots handed out go back to the bump pointer. */
    mica_env_slot_free(&env, run + 4);
    ck_assert_uint_eq(env.next_slot, run + 4);
    ck_assert_uint_eq(mica_env_slot(&env), run + 4);
    /* Objects land in the slots the allocator gives. */
    mica_cptr_t ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    ck_assert_uint_eq(ep, run + 5);
    ck_assert_int_eq(mica_debug_cap_identify(ep), MICA_CAP_TYPE_ENDPOINT);
    rec.done = 1;
}

/*
 * The device helpers: find the timer, map its registers (its ID register
 * reads "MTMR"), take its IRQ; a second map of the same page and a second
 * handler for the same line fail with the reason in env.
 */
static void root_devices(const mica_bootinfo_t *bi)
{
    mica_env_t e;
    mica_env_init(&e, bi);
    ck_assert(mica_device_find(bi, "no-such-device") == NULL);
    const mica_device_desc_t *d = mica_device_find(bi, "timer");
    ck_assert(d != NULL);
    volatile uint64_t *regs = mica_device_map(&e, d);
    ck_assert(regs != NULL);
    ck_assert_uint_eq(regs[0] & 0xffffffffu, 0x4D544D52u);     /* "MTMR" */
    /* Its frame is taken: the next retype from that untyped gets past it, or nothing. */
    ck_assert(mica_device_map(&e, d) == NULL);
    ck_assert_int_ne(e.error, MICA_NO_ERROR);
    ck_assert_msg(strncmp(mica_env_error_text(&e), "timer: ", 7) == 0, "%s", mica_env_error_text(&e));
    mica_cptr_t ntfn = mica_env_make(&e, MICA_NOTIFICATION_OBJECT, 0);
    ck_assert_uint_ne(mica_irq_handler_make(&e, d->irq, ntfn), 0);
    ck_assert_uint_eq(mica_irq_handler_make(&e, d->irq, ntfn), 0);
    ck_assert_int_eq(e.error, MICA_REVOKE_FIRST);       /* seL4: the line has a handler */
    ck_assert_str_eq(mica_env_error_text(&e), "IRQ 2: RevokeFirst");
    rec.done = 1;
}

START_TEST(device_helpers_map_a_device_and_take_its_irq_once)
{
    RUN(root_devices);
}
END_TEST

START_TEST(slots_come_in_order_and_freed_ones_come_back)
{
    RUN(root_slots);
}
END_TEST

static void root_slots_run_out(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_word_t left = bi->empty.end - bi->empty.start;
    ck_assert_uint_eq(mica_env_slots(&env, left + 1), 0);
    ck_assert_int_eq(env.error, MICA_RANGE_ERROR);
    char want[128];
    snprintf(want, sizeof want, "no %lu consecutive free slots in the root CNode (512 slots, "
             "%lu free at its end)", (unsigned long)left + 1, (unsigned long)left);
    ck_assert_str_eq(mica_env_error_text(&env), want);
    ck_assert_uint_eq(env.next_slot, bi->empty.start);
    ck_assert_uint_eq(mica_env_slots(&env, 0), 0);
    ck_assert_int_eq(env.error, MICA_INVALID_ARGUMENT);
    mica_cptr_t all = mica_env_slots(&env, left - 1);
    ck_assert_uint_eq(all, bi->empty.start);
    mica_cptr_t last = mica_env_slot(&env);
    ck_assert_uint_eq(last, bi->empty.end - 1);
    env.error = MICA_NO_ERROR;
    ck_assert_uint_eq(mica_env_slot(&env), 0);
    /* Not NotEnoughMemory, which would blame untyped memory: the CNode is full. */
    ck_assert_int_eq(env.error, MICA_RANGE_ERROR);
    ck_assert(strncmp(mica_env_error_text(&env), "no free slot in the root CNode (512 slots)",
                      42) == 0);
    /* Making an object without a slot changes nothing in the kernel. */
    uint64_t before = mt_kernel_digest();
    ck_assert_uint_eq(mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0), 0);
    ck_assert_int_eq(env.error, MICA_RANGE_ERROR);
    ck_assert_uint_eq(mica_env_mint(&env, MICA_CAP_INIT_TCB, MICA_ALL_RIGHTS, 0), 0);
    ck_assert_int_eq(env.error, MICA_RANGE_ERROR);
    ck_assert_uint_eq(mica_thread_spawn(&env, "none", NULL, 0, 1), 0);
    ck_assert_int_eq(env.error, MICA_RANGE_ERROR);
    ck_assert_uint_eq(mt_kernel_digest(), before);
    /* A freed slot is usable again. */
    mica_env_slot_free(&env, all + 7);
    ck_assert_uint_eq(mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0), all + 7);
    rec.done = 1;
}

START_TEST(running_out_of_slots_is_a_range_error_naming_the_root_cnode)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.root_cnode_bits = 9;
    memset(&rec, 0, sizeof rec);
    mica_run_result_t r = mt_run_cfg(&cfg, root_slots_run_out);
    ck_assert_msg(r.reason == MICA_STOP_IDLE, "%s", r.message);
    ck_assert(rec.done);
}
END_TEST

static void root_untyped(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t first = env.untyped;
    const mica_untyped_desc_t *d = &bi->untyped_list[first - bi->untyped.start];
    ck_assert(!d->is_device);
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++)
        ck_assert(bi->untyped_list[i].is_device || bi->untyped_list[i].size_bits <= d->size_bits);
    /* n objects in n consecutive slots, past the fan-out limit of one retype. */
    mica_cptr_t eps = mica_env_make_n(&env, MICA_ENDPOINT_OBJECT, 0, 300);
    ck_assert_uint_ne(eps, 0);
    for (mica_word_t i = 0; i < 300; i++)
        ck_assert_int_eq(mica_debug_cap_identify(eps + i), MICA_CAP_TYPE_ENDPOINT);
    /* Fill memory with ever smaller untypeds: the allocator moves on to untypeds with room. */
    mica_word_t made = 0;
    for (mica_word_t bits = d->size_bits; bits >= MICA_PAGE_BITS; bits--)
        while (mica_env_make(&env, MICA_UNTYPED_OBJECT, bits))
            made++;
    ck_assert_uint_gt(made, 0);
    ck_assert_uint_ne(env.untyped, first);
    ck_assert_int_eq(env.error, MICA_NOT_ENOUGH_MEMORY);
    /* Not even a TCB fits in the last scraps; nothing changes, no slot is used up. */
    mica_cptr_t next = env.next_slot;
    uint64_t before = mt_kernel_digest();
    env.error = MICA_NO_ERROR;
    ck_assert_uint_eq(mica_env_make(&env, MICA_TCB_OBJECT, 0), 0);
    ck_assert_int_eq(env.error, MICA_NOT_ENOUGH_MEMORY);
    ck_assert_uint_eq(env.next_slot, next);
    ck_assert_uint_eq(mt_kernel_digest(), before);
    /* make_n that cannot finish gives its slots back. */
    ck_assert_uint_eq(mica_env_make_n(&env, MICA_FRAME_OBJECT, 0, 10), 0);
    ck_assert_int_eq(env.error, MICA_NOT_ENOUGH_MEMORY);
    ck_assert_uint_eq(env.next_slot, next);
    rec.done = 1;
}

START_TEST(objects_come_from_an_untyped_with_room_until_memory_runs_out)
{
    RUN(root_untyped);
}
END_TEST

static void root_vaddrs(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_word_t a = mica_env_vaddr(&env, 2), b = mica_env_vaddr(&env, 1);
    ck_assert_uint_eq(a, MICA_ROOT_FREE_VADDR);
    ck_assert_uint_eq(b, a + 3 * PAGE);             /* two pages and a guard page */
    ck_assert_uint_eq(mica_env_vaddr(&env, 0), 0);
    ck_assert_uint_eq(mica_env_vaddr(&env, (1ul << MICA_VADDR_BITS) / PAGE), 0);
    ck_assert_int_eq(env.error, MICA_NOT_ENOUGH_MEMORY);
    rec.done = 1;
}

START_TEST(address_ranges_come_with_a_guard_page_and_end_at_2_30)
{
    RUN(root_vaddrs);
}
END_TEST

/* --- memory ------------------------------------------------------------------------ */

static void root_map(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t f = mica_env_make_n(&env, MICA_FRAME_OBJECT, 0, 3);
    mica_cptr_t big = make(MICA_LARGE_FRAME_OBJECT);
    mica_cptr_t from = env.next_slot;
    mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_VSPACE, VM_BASE, f, MICA_READ_WRITE),
                  MICA_NO_ERROR);
    ck_assert_uint_eq(page_tables_in(from, env.next_slot), 1);
    mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_VSPACE, VM_BASE + 5 * PAGE, f + 1,
                                MICA_READ_WRITE), MICA_NO_ERROR);
    ck_assert_uint_eq(page_tables_in(from, env.next_slot), 1);      /* the same region */
    mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_VSPACE, VM_BASE + LARGE, f + 2, MICA_CAN_READ),
                  MICA_NO_ERROR);
    ck_assert_uint_eq(page_tables_in(from, env.next_slot), 2);
    mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_VSPACE, VM_BASE + 2 * LARGE, big,
                                MICA_READ_WRITE), MICA_NO_ERROR);
    ck_assert_uint_eq(page_tables_in(from, env.next_slot), 2);      /* none for a large frame */
    ck_assert_uint_eq(env.page_tables, 2);                          /* and it counted them */
    *(volatile int *)mica_vaddr_to_ptr(VM_BASE + 5 * PAGE + 12) = 5;
    *(volatile int *)mica_vaddr_to_ptr(VM_BASE + 2 * LARGE + LARGE - 4) = 6;
    ck_assert_int_eq(*(volatile int *)mica_vaddr_to_ptr(VM_BASE + 5 * PAGE + 12), 5);
    hw_window_entry_t e;
    hw_window_probe(vspace_of(MICA_CAP_INIT_VSPACE), VM_BASE + LARGE, &e);
    ck_assert_uint_eq(e.rights, 2);
    /* Errors other than a missing page table come back as they are, with no page table made. */
    mica_cptr_t g = make(MICA_FRAME_OBJECT), big2 = make(MICA_LARGE_FRAME_OBJECT);
    from = env.next_slot;
    mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_VSPACE, VM_BASE + 0x800, g, MICA_READ_WRITE),
                  MICA_ALIGNMENT_ERROR);
    /* A 2 MiB frame where a page table is (a 4 KiB frame would replace the one there, as on seL4). */
    mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_VSPACE, VM_BASE, big2, MICA_READ_WRITE),
                  MICA_DELETE_FIRST);
    mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_TCB, VM_BASE + 3 * LARGE, g, MICA_READ_WRITE),
                  MICA_INVALID_CAPABILITY);
    ck_assert_uint_eq(env.next_slot, from);
    /* A page table that cannot be mapped is given back (outside the 2^30 bytes). */
    mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_VSPACE, 1ul << MICA_VADDR_BITS, g,
                                MICA_READ_WRITE), MICA_INVALID_ARGUMENT);
    ck_assert_uint_eq(env.next_slot, from);
    ck_assert_uint_eq(env.page_tables, 2);                          /* not counted either */
    rec.done = 1;
}

START_TEST(map_makes_a_page_table_only_where_none_covers_the_vaddr)
{
    RUN(root_map);
}
END_TEST

static void root_map_pages(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    const mica_word_t n = 300, base = VM_BASE + LARGE - 100 * PAGE;    /* across a boundary */
    mica_cptr_t frames = 0;
    mt_assert_err(mica_user_map_pages(&env, MICA_CAP_INIT_VSPACE, base, n, MICA_READ_WRITE, &frames),
                  MICA_NO_ERROR);
    ck_assert_uint_ne(frames, 0);
    mica_word_t p0 = mica_page_get_address(frames).paddr;
    for (mica_word_t i = 0; i < n; i++) {
        ck_assert_int_eq(mica_debug_cap_identify(frames + i), MICA_CAP_TYPE_FRAME);
        ck_assert_uint_eq(mica_page_get_address(frames + i).paddr, p0 + i * PAGE);  /* contiguous */
        *(volatile mica_word_t *)mica_vaddr_to_ptr(base + i * PAGE) = i;
    }
    for (mica_word_t i = 0; i < n; i++)
        ck_assert_uint_eq(*(volatile mica_word_t *)mica_vaddr_to_ptr(base + i * PAGE), i);
    mt_assert_err(mica_user_unmap_pages(frames, n), MICA_NO_ERROR);
    hw_window_entry_t e;
    for (mica_word_t i = 0; i < n; i += 37) {
        hw_window_probe(vspace_of(MICA_CAP_INIT_VSPACE), base + i * PAGE, &e);
        ck_assert_uint_eq(e.size_bits, 0);
    }
    /*
     * A range that runs into a 2 MiB frame fails as a whole and leaves
     * nothing behind. (Into a mapped 4 KiB page it would not fail: as on
     * seL4, Page_Map replaces a frame mapped at its vaddr.)
     */
    mica_cptr_t blocker = make(MICA_LARGE_FRAME_OBJECT);
    mt_assert_err(mica_page_map(blocker, MICA_CAP_INIT_VSPACE, VM_BASE + 2 * LARGE,
                                MICA_READ_WRITE, 0), MICA_NO_ERROR);
    mica_cptr_t next = env.next_slot;
    mica_word_t mapped_before;
    hw_window_probe(vspace_of(MICA_CAP_INIT_VSPACE), 0, &e);
    mapped_before = e.mappings;
    frames = 0;
    mt_assert_err(mica_user_map_pages(&env, MICA_CAP_INIT_VSPACE, VM_BASE + 2 * LARGE - 8 * PAGE,
                                      20, MICA_READ_WRITE, &frames), MICA_DELETE_FIRST);
    ck_assert_uint_eq(frames, 0);
    ck_assert_uint_eq(env.next_slot, next);
    hw_window_probe(vspace_of(MICA_CAP_INIT_VSPACE), 0, &e);
    ck_assert_uint_eq(e.mappings, mapped_before);
    rec.done = 1;
}

START_TEST(map_pages_maps_a_range_of_fresh_contiguous_frames)
{
    RUN(root_map_pages);
}
END_TEST

/* --- threads ----------------------------------------------------------------------- */

static void stack_thread(mica_word_t r0, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    volatile int local = 1;
    unsigned char *window = mica_vaddr_to_ptr(0);
    rec.value[0] = (mica_word_t)((unsigned char *)&local - window);    /* a vaddr */
    rec.value[1] = r0;
    rec.value[2] = r1;
    rec.value[3] = r2;
    rec.value[4] = r3;
    /* Its IPC buffer is mapped: the kernel's view and the VSpace's are one frame. */
    mica_set_mr(9, 0xfeed);
    const mica_ipc_buffer_t *mapped = mica_vaddr_to_ptr(rec.value[10]);
    rec.value[5] = mapped->msg[9];
    rec.step[0] = 1;
}

static void root_thread_stack(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_thread_config_t cfg = { .name = "stacked", .prio = 77, .stack_pages = 8 };
    mica_thread_t t;
    mt_assert_err(mica_thread_create(&env, &cfg, &t), MICA_NO_ERROR);
    ck_assert_uint_eq(t.stack_pages, 8);
    ck_assert_uint_eq(t.stack_top, t.ipc_vaddr + 10 * PAGE);
    ck_assert_uint_ge(t.ipc_vaddr, MICA_ROOT_FREE_VADDR);
    ck_assert_uint_eq(mica_thread_start(&t, stack_thread, 1, 2, 3, 4), MICA_NO_ERROR);
    rec.value[10] = t.ipc_vaddr;
    ck_assert_str_eq(tcb_of(t.tcb)->name, "stacked");
    ck_assert_uint_eq(tcb_of(t.tcb)->priority, 77);
    mica_user_context_t regs;
    mt_assert_err(mica_tcb_read_registers(t.tcb, false, 0, 2, &regs), MICA_NO_ERROR);
    ck_assert_uint_eq(regs.sp, t.stack_top);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 1), MICA_NO_ERROR);
    ck_assert_int_eq(rec.step[0], 1);
    ck_assert_uint_lt(rec.value[0], t.stack_top);
    ck_assert_uint_ge(rec.value[0], t.stack_top - 8 * PAGE);
    ck_assert_uint_eq(rec.value[1], 1);
    ck_assert_uint_eq(rec.value[4], 4);
    ck_assert_uint_eq(rec.value[5], 0xfeed);
    ck_assert_uint_eq(mt_thread_state(t.tcb), MICA_THREAD_INACTIVE);     /* it returned */
    /* Restarting it afresh works too. */
    mt_assert_err(mica_thread_start(&t, stack_thread, 5, 6, 7, 8), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(rec.value[1], 5);
    rec.done = 1;
}

START_TEST(a_thread_runs_on_a_stack_of_frames_in_the_callers_vspace)
{
    RUN(root_thread_stack);
}
END_TEST

static void spawned(mica_word_t arg)
{
    rec.value[0] = arg;
}

static void root_thread_spawn(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t t = mica_thread_spawn(&env, "plain", spawned, 0xabc, 50);
    ck_assert_uint_ne(t, 0);
    ck_assert_uint_eq(tcb_of(t)->priority, 50);
    mica_user_context_t regs;
    mt_assert_err(mica_tcb_read_registers(t, false, 0, 2, &regs), MICA_NO_ERROR);
    ck_assert_uint_eq(regs.sp, 0);                          /* a host stack */
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(rec.value[0], 0xabc);
    /* Above the caller's MCP it fails cleanly. */
    ck_assert_uint_eq(mica_thread_spawn(&env, "too-high", spawned, 0, 256), 0);
    ck_assert_int_eq(env.error, MICA_RANGE_ERROR);
    rec.done = 1;
}

START_TEST(thread_spawn_starts_a_function_on_a_host_stack)
{
    RUN(root_thread_spawn);
}
END_TEST

/* --- processes --------------------------------------------------------------------- */

static void child(mica_word_t r0, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    volatile int local = 1;
    unsigned char *window = mica_vaddr_to_ptr(0);
    rec.value[0] = (mica_word_t)((unsigned char *)&local - window);
    rec.value[1] = r0 + r1 + r2 + r3;
    /* Plain slot numbers are CPtrs at depth 64 in its own CNode. */
    rec.value[2] = mica_debug_cap_identify(MICA_PROCESS_CAP_TCB);
    rec.value[3] = mica_debug_cap_identify(MICA_PROCESS_CAP_CNODE);
    rec.value[4] = mica_debug_cap_identify(MICA_PROCESS_CAP_VSPACE);
    rec.value[5] = mica_debug_cap_identify(MICA_PROCESS_CAP_FAULT_EP);
    rec.value[6] = mica_debug_cap_identify(MICA_PROCESS_FIRST_FREE);
    rec.value[7] = mica_debug_cap_identify(MICA_PROCESS_FIRST_FREE + 1);
    rec.value[8] = mica_debug_cap_identify(rec.value[20]);     /* a root slot: empty here */
    rec.value[9] = mica_cnode_copy(MICA_PROCESS_CAP_CNODE, 100, MICA_WORD_BITS,
                                   MICA_PROCESS_CAP_CNODE, MICA_PROCESS_FIRST_FREE, MICA_WORD_BITS,
                                   MICA_ALL_RIGHTS);
    rec.value[10] = mica_debug_cap_identify(100);
    /* Its IPC buffer is the frame mapped at MICA_PROCESS_IPC_BUFFER_VADDR. */
    mica_set_mr(7, 0x1234);
    rec.value[11] = ((mica_ipc_buffer_t *)mica_vaddr_to_ptr(MICA_PROCESS_IPC_BUFFER_VADDR))->msg[7];
    mica_signal(MICA_PROCESS_FIRST_FREE + 1);
}

static void root_process(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t fault_ep = make(MICA_ENDPOINT_OBJECT), ep = make(MICA_ENDPOINT_OBJECT);
    mica_cptr_t done = make(MICA_NOTIFICATION_OBJECT);
    mica_process_config_t cfg = { .name = "child", .prio = 90, .stack_pages = 4,
                                  .cnode_bits = 8, .fault_ep = fault_ep };
    mica_process_t p;
    mt_assert_err(mica_process_create(&env, &cfg, &p), MICA_NO_ERROR);
    ck_assert_uint_eq(mica_process_give(&p, ep, MICA_ALL_RIGHTS, 0), MICA_PROCESS_FIRST_FREE);
    ck_assert_uint_eq(mica_process_give(&p, done, MICA_CAN_WRITE, 1), MICA_PROCESS_FIRST_FREE + 1);
    ck_assert_str_eq(tcb_of(p.tcb)->name, "child");
    ck_assert_uint_eq(tcb_of(p.tcb)->priority, 90);
    ck_assert_uint_eq(tcb_of(p.tcb)->fault_handler, MICA_PROCESS_CAP_FAULT_EP);
    rec.value[20] = bi->untyped.start;
    mt_assert_err(mica_process_start(&p, child, 1, 20, 300, 4000), MICA_NO_ERROR);
    wait_all(done, 1);
    ck_assert_uint_lt(rec.value[0], MICA_PROCESS_STACK_TOP);
    ck_assert_uint_ge(rec.value[0], MICA_PROCESS_STACK_TOP - 4 * PAGE);
    ck_assert_uint_eq(rec.value[1], 4321);
    ck_assert_uint_eq(rec.value[2], MICA_CAP_TYPE_TCB);
    ck_assert_uint_eq(rec.value[3], MICA_CAP_TYPE_CNODE);
    ck_assert_uint_eq(rec.value[4], MICA_CAP_TYPE_VSPACE);
    ck_assert_uint_eq(rec.value[5], MICA_CAP_TYPE_ENDPOINT);
    ck_assert_uint_eq(rec.value[6], MICA_CAP_TYPE_ENDPOINT);
    ck_assert_uint_eq(rec.value[7], MICA_CAP_TYPE_NOTIFICATION);
    ck_assert_uint_eq(rec.value[8], MICA_CAP_TYPE_NULL);
    ck_assert_uint_eq(rec.value[9], MICA_NO_ERROR);
    ck_assert_uint_eq(rec.value[10], MICA_CAP_TYPE_ENDPOINT);
    ck_assert_uint_eq(rec.value[11], 0x1234);
    /* Its VSpace is its own: the root's window has nothing at its stack. */
    hw_window_entry_t e;
    hw_window_probe(vspace_of(p.vspace), MICA_PROCESS_STACK_TOP - PAGE, &e);
    ck_assert_uint_eq(e.size_bits, MICA_PAGE_BITS);
    ck_assert_uint_eq(e.mappings, 1 + 4);                   /* IPC buffer and stack */
    hw_window_probe(vspace_of(MICA_CAP_INIT_VSPACE), MICA_PROCESS_STACK_TOP - PAGE, &e);
    ck_assert_uint_eq(e.size_bits, 0);
    rec.done = 1;
}

START_TEST(a_process_has_its_own_cspace_vspace_stack_and_ipc_buffer)
{
    RUN(root_process);
}
END_TEST

static void touch_unmapped(mica_word_t vaddr, mica_word_t value, mica_word_t done, mica_word_t r3)
{
    (void)r3;
    *(volatile mica_word_t *)mica_vaddr_to_ptr(vaddr) = value;
    mica_signal(done);
}

static void root_process_fault(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t fault_ep = make(MICA_ENDPOINT_OBJECT), done = make(MICA_NOTIFICATION_OBJECT);
    mica_process_config_t cfg = { .name = "toucher", .prio = PRIO, .fault_ep = fault_ep,
                                  .fault_badge = 0xbad };
    mica_process_t p;
    mt_assert_err(mica_process_create(&env, &cfg, &p), MICA_NO_ERROR);
    mt_assert_err(mica_process_start(&p, touch_unmapped, 0x20000008, 1234,
                                     mica_process_give(&p, done, MICA_CAN_WRITE, 0), 0),
                  MICA_NO_ERROR);
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(fault_ep, &badge);
    mica_fault_t f = mica_fault_decode(info, badge);
    ck_assert_uint_eq(f.kind, MICA_FAULT_VM);
    ck_assert_uint_eq(f.badge, 0xbad);
    ck_assert_uint_eq(f.addr, 0x20000008);
    assert_write(f, 1);
    /* The supervisor pages in a frame it shares with the process, then replies. */
    mica_cptr_t frame;
    mt_assert_err(mica_user_map_pages(&env, MICA_CAP_INIT_VSPACE, VM_BASE, 1, MICA_READ_WRITE,
                                      &frame), MICA_NO_ERROR);
    mica_cptr_t copy = mica_env_mint(&env, frame, MICA_READ_WRITE, 0);
    mt_assert_err(mica_user_map(&env, p.vspace, 0x20000000, copy, MICA_READ_WRITE), MICA_NO_ERROR);
    mica_reply(mica_msginfo_new(0, 0, 0, 0));
    mica_wait(done, &badge);
    ck_assert_uint_eq(*(volatile mica_word_t *)mica_vaddr_to_ptr(VM_BASE + 8), 1234);
    rec.done = 1;
}

START_TEST(a_process_faults_to_its_supervisor_with_its_badge)
{
    RUN(root_process_fault);
}
END_TEST

static void block_forever(mica_word_t ntfn, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r1; (void)r2; (void)r3;
    mica_word_t badge;
    mica_wait(ntfn, &badge);
}

static void root_process_destroy(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t never = make(MICA_NOTIFICATION_OBJECT);
    mica_process_config_t bad = { .name = "bad", .prio = PRIO, .stack_pages = 251 };
    mica_process_t p;
    uint64_t before = mt_kernel_digest();
    mt_assert_err(mica_process_create(&env, &bad, &p), MICA_INVALID_ARGUMENT);
    bad.stack_pages = 1;
    bad.cnode_bits = 30;
    mt_assert_err(mica_process_create(&env, &bad, &p), MICA_INVALID_ARGUMENT);
    ck_assert_uint_eq(mt_kernel_digest(), before);

    mica_process_config_t cfg = { .name = "short-lived", .prio = PRIO };
    mt_assert_err(mica_process_create(&env, &cfg, &p), MICA_NO_ERROR);
    mt_assert_err(mica_process_start(&p, block_forever,
                                     mica_process_give(&p, never, MICA_CAN_READ, 0), 0, 0, 0),
                  MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 1), MICA_NO_ERROR);
    mica_cptr_t tcb = p.tcb, cnode = p.cnode, vs = p.vspace, stack = p.stack_frames;
    ck_assert_uint_eq(env.next_slot, stack + p.stack_pages);
    ck_assert_uint_eq(mt_thread_state(tcb), MICA_THREAD_BLOCKED_ON_NOTIFICATION);
    paddr_t vs_paddr = vspace_of(vs);
    mica_process_destroy(&env, &p);
    ck_assert_int_eq(mica_debug_cap_identify(tcb), MICA_CAP_TYPE_NULL);
    ck_assert_int_eq(mica_debug_cap_identify(cnode), MICA_CAP_TYPE_NULL);
    ck_assert_int_eq(mica_debug_cap_identify(vs), MICA_CAP_TYPE_NULL);
    ck_assert_uint_eq(hw_vspace_generation(vs_paddr), 0);
    /* The notification has no waiter left: signalling and polling it finds it idle. */
    mica_signal(never);
    mica_word_t badge = 0;
    mica_poll(never, &badge);
    ck_assert_uint_eq(badge, 0);
    /* Its slots are given back: the stack's to the bump pointer, the others to the list. */
    ck_assert_uint_eq(env.next_slot, stack);
    ck_assert_uint_eq(env.nfree, 7);
    ck_assert_uint_eq(mica_env_slot(&env) != 0, 1);
    ck_assert_uint_eq(env.nfree, 6);
    rec.done = 1;
}

START_TEST(process_create_rejects_bad_configurations_and_destroy_removes_everything)
{
    RUN(root_process_destroy);
}
END_TEST

static void returns_at_once(mica_word_t r0, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r0; (void)r1; (void)r2; (void)r3;
}

static void root_process_errors(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t ep = make(MICA_ENDPOINT_OBJECT);
    mica_cptr_t empty = mica_env_slot(&env);
    mica_process_config_t cfg = { .name = "small", .prio = PRIO, .cnode_bits = 4 };
    mica_process_t p;
    mica_process_error_t why;
    mt_assert_err(mica_process_create(&env, &cfg, &p), MICA_NO_ERROR);

    /* An empty slot of the caller's: CNode_Copy's FailedLookup, on the source side. */
    ck_assert_uint_eq(mica_process_give_ex(&p, empty, MICA_ALL_RIGHTS, 0, &why), 0);
    mt_assert_err(why.error, MICA_FAILED_LOOKUP);
    ck_assert_str_eq(why.step, "CNode_Copy");
    ck_assert_uint_eq(why.detail[0], 1);                        /* the source */
    ck_assert_uint_eq(why.detail[1], MICA_MISSING_CAPABILITY);
    char want[192];
    snprintf(want, sizeof want, "mica_process_give: CNode_Copy of the caller's slot %" MICA_PRIuWORD
             " into its slot 8: FailedLookup (the caller's slot %" MICA_PRIuWORD " is empty)",
             empty, empty);
    ck_assert_str_eq(why.text, want);
    ck_assert_uint_eq(p.next_slot, MICA_PROCESS_FIRST_FREE);   /* the slot is still free */

    /* Success clears *why; a badge makes it a mint. */
    ck_assert_uint_eq(mica_process_give_ex(&p, ep, MICA_RIGHTS_CLIENT, 7, &why), 8);
    mt_assert_err(why.error, MICA_NO_ERROR);
    ck_assert_ptr_null(why.step);
    ck_assert_str_eq(why.text, "");
    ck_assert_uint_eq(mica_process_give(&p, ep, MICA_RIGHTS_CLIENT, 0), 9);
    /* 16 slots, the first 8 its own: 6 more fit, then it is full. */
    for (mica_word_t i = 10; i < 16; i++)
        ck_assert_uint_eq(mica_process_give_ex(&p, ep, MICA_CAN_WRITE, 0, &why), i);
    ck_assert_uint_eq(mica_process_give_ex(&p, ep, MICA_CAN_WRITE, 0, &why), 0);
    mt_assert_err(why.error, MICA_RANGE_ERROR);
    ck_assert_str_eq(why.step, "its CSpace is full");
    ck_assert_str_eq(why.text, "mica_process_give: its CSpace is full (16 slots)");

    mt_assert_err(mica_process_start_ex(&p, returns_at_once, 0, 0, 0, 0, &why), MICA_NO_ERROR);
    ck_assert_ptr_null(why.step);
    mica_process_destroy(&env, &p);
    /* A destroyed process: nothing to start, no CSpace to give to. */
    mt_assert_err(mica_process_start_ex(&p, block_forever, 0, 0, 0, 0, &why),
                  MICA_INVALID_CAPABILITY);
    ck_assert_str_eq(why.step, "TCB_WriteRegisters");
    ck_assert_str_eq(why.text, "mica_process_start: TCB_WriteRegisters on its TCB (the caller's "
                               "slot 0): InvalidCapability (that slot holds no TCB: was the "
                               "process created, and not destroyed?)");
    mt_assert_err(mica_process_start(&p, block_forever, 0, 0, 0, 0), MICA_INVALID_CAPABILITY);
    ck_assert_uint_eq(mica_process_give_ex(&p, ep, MICA_CAN_WRITE, 0, &why), 0);
    mt_assert_err(why.error, MICA_INVALID_ARGUMENT);
    ck_assert_str_eq(why.text, "mica_process_give: the process has no CSpace (was it created?)");
    ck_assert_uint_eq(mica_process_give(&p, ep, MICA_CAN_WRITE, 0), 0);
    rec.done = 1;
}

START_TEST(process_give_and_start_say_why_they_failed)
{
    RUN(root_process_errors);
}
END_TEST

/* --- IPC ----------------------------------------------------------------------------- */

enum { REQ_REVERSE = 1, REQ_STOP = 2, REQ_IGNORE = 3 };

static mica_server_action_t reverse_server(void *ctx, mica_word_t badge, mica_msginfo_t req,
                                           mica_msginfo_t *reply)
{
    mica_word_t *served = ctx;
    (*served)++;
    rec.value[30] = badge;
    mica_word_t n = mica_msginfo_get_length(req), w[MICA_MSG_MAX_LENGTH], sum = 0;
    for (mica_word_t i = 0; i < n; i++) {
        w[i] = mica_get_mr((int)i);
        sum += w[i];
    }
    switch (mica_msginfo_get_label(req)) {
    case REQ_IGNORE:
        return MICA_SERVER_NO_REPLY;
    case REQ_STOP:
        *reply = mica_msginfo_new(0x5709, 0, 0, 0);
        return MICA_SERVER_STOP;
    default:
        for (mica_word_t i = 0; i < n; i++)
            mica_set_mr((int)i, w[n - 1 - i]);
        *reply = mica_msginfo_new(sum, 0, 0, n);
        return MICA_SERVER_REPLY;
    }
}

static mica_word_t served;

static void server_thread(mica_word_t ep, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r1; (void)r2; (void)r3;
    mica_server_loop(ep, reverse_server, &served);
    rec.step[1] = 1;
}

static void ignored_client(mica_word_t ep, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r1; (void)r2; (void)r3;
    mica_call_words(ep, REQ_IGNORE, NULL, 0, NULL, 0);
    rec.step[2] = 1;                    /* never: nobody answers */
}

static void root_ipc(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    served = 0;
    mica_cptr_t ep = make(MICA_ENDPOINT_OBJECT);
    mica_cptr_t badged = mica_env_mint(&env, ep, MICA_ALL_RIGHTS, 0x42);
    mica_thread_config_t cfg = { .name = "server", .prio = PRIO };
    mica_thread_t srv, cli;
    mt_assert_err(mica_thread_create(&env, &cfg, &srv), MICA_NO_ERROR);
    mt_assert_err(mica_thread_start(&srv, server_thread, ep, 0, 0, 0), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 1), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 255), MICA_NO_ERROR);

    /* Ten words out (more than the four register MRs), ten back, reversed; label = their sum. */
    mica_word_t in[10], out[10] = { 0 };
    for (mica_word_t i = 0; i < 10; i++)
        in[i] = 100 + i;
    mica_msginfo_t r = mica_call_words(badged, REQ_REVERSE, in, 10, out, 10);
    ck_assert_uint_eq(mica_msginfo_get_label(r), 1045);
    ck_assert_uint_eq(mica_msginfo_get_length(r), 10);
    for (mica_word_t i = 0; i < 10; i++)
        ck_assert_uint_eq(out[i], in[9 - i]);
    ck_assert_uint_eq(rec.value[30], 0x42);
    /* Fewer out words than the reply has: only those are copied. */
    memset(out, 0, sizeof out);
    r = mica_call_words(ep, REQ_REVERSE, in, 3, out, 2);
    ck_assert_uint_eq(out[0], 102);
    ck_assert_uint_eq(out[1], 101);
    ck_assert_uint_eq(out[2], 0);
    ck_assert_uint_eq(mica_msginfo_get_length(mica_call_words(ep, REQ_REVERSE, NULL, 0, NULL, 0)), 0);

    /* NO_REPLY leaves that caller waiting; the server serves the next. */
    cfg.name = "ignored";
    mt_assert_err(mica_thread_create(&env, &cfg, &cli), MICA_NO_ERROR);
    mt_assert_err(mica_thread_start(&cli, ignored_client, ep, 0, 0, 0), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 1), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 255), MICA_NO_ERROR);
    ck_assert_uint_eq(mt_thread_state(cli.tcb), MICA_THREAD_BLOCKED_ON_REPLY);
    r = mica_call_words(ep, REQ_REVERSE, in, 1, out, 1);
    ck_assert_uint_eq(mica_msginfo_get_label(r), 100);

    /* STOP replies and returns from the loop. */
    r = mica_call_words(ep, REQ_STOP, NULL, 0, NULL, 0);
    ck_assert_uint_eq(mica_msginfo_get_label(r), 0x5709);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 1), MICA_NO_ERROR);
    ck_assert_int_eq(rec.step[1], 1);
    ck_assert_uint_eq(served, 6);
    ck_assert_uint_eq(mt_thread_state(srv.tcb), MICA_THREAD_INACTIVE);
    ck_assert_int_eq(rec.step[2], 0);
    mt_assert_err(mica_tcb_suspend(cli.tcb), MICA_NO_ERROR);
    rec.done = 1;
}

START_TEST(call_words_and_the_server_loop_carry_n_words_each_way)
{
    RUN(root_ipc);
}
END_TEST

static void spawned_server(mica_word_t ep)
{
    server_thread(ep, 0, 0, 0);
}

/* A client holding MICA_RIGHTS_CLIENT ("-W-P") calls and gets its reply. */
static void root_client_rights(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    served = 0;
    mica_cptr_t ep = make(MICA_ENDPOINT_OBJECT);
    mica_cptr_t client = mica_env_mint(&env, ep, MICA_RIGHTS_CLIENT, 5);
    mica_cptr_t server = mica_env_mint(&env, ep, MICA_RIGHTS_SERVER, 0);
    ck_assert_uint_ne(mica_thread_spawn(&env, "server", spawned_server, server, PRIO), 0);
    mica_word_t in[2] = { 1, 2 }, out[2] = { 0, 0 };
    mica_msginfo_t r = mica_call_words(client, REQ_REVERSE, in, 2, out, 2);
    ck_assert_uint_eq(mica_msginfo_get_label(r), 3);
    ck_assert_uint_eq(out[0], 2);
    ck_assert_uint_eq(rec.value[30], 5);
    r = mica_call_words(client, REQ_STOP, NULL, 0, NULL, 0);
    ck_assert_uint_eq(mica_msginfo_get_label(r), 0x5709);
    rec.done = 1;
}

START_TEST(client_rights_are_write_and_grant_reply_in_rwgp_order)
{
    ck_assert_uint_eq(MICA_RIGHTS_CLIENT.words[0], 0x9);       /* bit 0 Write, bit 3 GrantReply */
    ck_assert_uint_eq(MICA_RIGHTS_SERVER.words[0], 0x2);       /* bit 1 Read */
    ck_assert_uint_eq(mica_cap_rights_rwgp(1, 0, 0, 0).words[0], MICA_CAN_READ.words[0]);
    ck_assert_uint_eq(mica_cap_rights_rwgp(0, 1, 0, 0).words[0], MICA_CAN_WRITE.words[0]);
    ck_assert_uint_eq(mica_cap_rights_rwgp(0, 0, 1, 0).words[0], MICA_CAN_GRANT.words[0]);
    ck_assert_uint_eq(mica_cap_rights_rwgp(0, 0, 0, 1).words[0], MICA_CAN_GRANT_REPLY.words[0]);
    ck_assert_uint_eq(mica_cap_rights_rwgp(1, 1, 0, 0).words[0], MICA_READ_WRITE.words[0]);
    char buf[64];
    mica_word_t w = 0xfeedface12345678ul;
    snprintf(buf, sizeof buf, "%" MICA_PRIuWORD " %" MICA_PRIxWORD " %" MICA_PRIXWORD " %"
             MICA_PRIdWORD, (mica_word_t)42, w, w, (mica_word_t)-1);
    ck_assert_str_eq(buf, "42 feedface12345678 FEEDFACE12345678 -1");
    RUN(root_client_rights);
}
END_TEST

static void bad_cptr_call(mica_word_t r0, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r0; (void)r1; (void)r2; (void)r3;
    mica_call(0x7777, mica_msginfo_new(0, 0, 0, 0));
}

static void root_fault_decode(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_cptr_t fault_ep = make(MICA_ENDPOINT_OBJECT);
    mica_thread_config_t cfg = { .name = "capfault", .prio = PRIO,
                                 .fault_ep = mica_env_mint(&env, fault_ep, MICA_ALL_RIGHTS, 3) };
    mica_thread_t t;
    mt_assert_err(mica_thread_create(&env, &cfg, &t), MICA_NO_ERROR);
    mt_assert_err(mica_thread_start(&t, bad_cptr_call, 0, 0, 0, 0), MICA_NO_ERROR);
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(fault_ep, &badge);
    mica_fault_t f = mica_fault_decode(info, badge);
    ck_assert_uint_eq(f.kind, MICA_FAULT_CAP);
    ck_assert_uint_eq(f.badge, 3);
    ck_assert_uint_eq(f.addr, 0x7777);
    ck_assert_uint_ne(f.ip, 0);
    ck_assert_uint_eq(f.number, 0);
    mt_assert_err(mica_tcb_suspend(t.tcb), MICA_NO_ERROR);
    rec.done = 1;
}

START_TEST(fault_decode_reads_a_cap_fault)
{
    RUN(root_fault_decode);
}
END_TEST

/* --- locks ---------------------------------------------------------------------------------- */

#define LOCK_THREADS 4
#define LOCK_ROUNDS  10000

static mica_mutex_t mtx;
static volatile unsigned long shared_counter;   /* read, worked on, written: only the lock keeps it exact */
static unsigned lock_cpus;

static void lock_worker(mica_word_t done)
{
    for (unsigned i = 0; i < LOCK_ROUNDS; i++) {
        mica_mutex_lock(&mtx);
        unsigned long v = shared_counter;
        for (volatile unsigned k = 0; k < 300; k++)     /* a window for the clock or the other CPU */
            ;
        shared_counter = v + 1;
        mica_mutex_unlock(&mtx);
    }
    mica_signal(done);
}

static void root_mutex_counter(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    shared_counter = 0;
    mt_assert_err(mica_mutex_init(&env, &mtx), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(mtx.ntfn), MICA_CAP_TYPE_NOTIFICATION);
    /* trylock takes a free mutex only; unlock frees it. */
    ck_assert_int_eq(mica_mutex_trylock(&mtx), 1);
    ck_assert_int_eq(mica_mutex_trylock(&mtx), 0);
    mica_mutex_unlock(&mtx);
    mica_mutex_lock(&mtx);
    mica_mutex_unlock(&mtx);
    ck_assert_int_eq(mica_mutex_trylock(&mtx), 1);
    mica_mutex_unlock(&mtx);

    mica_cptr_t done = make(MICA_NOTIFICATION_OBJECT);
    for (unsigned i = 0; i < LOCK_THREADS; i++) {
        mica_cptr_t bit = mica_env_mint(&env, done, MICA_ALL_RIGHTS, 1ul << i);
        ck_assert_uint_ne(bit, 0);
        mica_cptr_t tcb = mica_thread_spawn(&env, "counter", lock_worker, bit, PRIO);
        ck_assert_uint_ne(tcb, 0);
        mt_assert_err(mica_tcb_set_affinity(tcb, i % lock_cpus), MICA_NO_ERROR);
    }
    wait_all(done, (1ul << LOCK_THREADS) - 1);
    ck_assert_uint_eq(shared_counter, LOCK_THREADS * LOCK_ROUNDS);
    ck_assert_int_eq(__atomic_load_n(&mtx.state, __ATOMIC_RELAXED), 0);
    rec.done = 1;
}

static void run_counter(unsigned cpus, mica_clock_t clock)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.cpus = cpus;
    cfg.clock = clock;
    cfg.timeslice_ticks = 1;    /* the real clock preempts at every tick: inside the lock too */
    lock_cpus = cpus;
    memset(&rec, 0, sizeof rec);
    mica_run_result_t r = mt_run_cfg(&cfg, root_mutex_counter);
    ck_assert_msg(r.reason == MICA_STOP_IDLE, "run stopped with %s: %s",
                  mica_stop_reason_name(r.reason), r.message);
    ck_assert_msg(rec.done, "the root task did not reach its end");
}

/* The slow path, for certain: a thread waits in the kernel while another holds the mutex. */
static mica_cptr_t holding, go, finished;

static void holds_until_told(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_mutex_lock(&mtx);
    mica_signal(holding);
    mica_wait(go, &badge);
    shared_counter++;
    mica_mutex_unlock(&mtx);        /* the waiter is woken */
    mica_signal(finished);
}

static void waits_for_it(mica_word_t arg)
{
    (void)arg;
    rec.value[0] = (mica_word_t)mica_mutex_trylock(&mtx);
    mica_mutex_lock(&mtx);
    rec.value[1] = shared_counter;  /* the holder's increment happened first */
    shared_counter++;
    mica_mutex_unlock(&mtx);
    mica_signal(finished);
}

static void root_mutex_waiter(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    shared_counter = 0;
    mt_assert_err(mica_mutex_init(&env, &mtx), MICA_NO_ERROR);
    holding = make(MICA_NOTIFICATION_OBJECT);
    go = make(MICA_NOTIFICATION_OBJECT);
    finished = make(MICA_NOTIFICATION_OBJECT);
    mica_cptr_t holder = mica_thread_spawn(&env, "holder", holds_until_told, 0, PRIO);
    mica_word_t badge;
    mica_wait(holding, &badge);     /* it holds the mutex now */
    mica_cptr_t waiter = mica_thread_spawn(&env, "waiter", waits_for_it, 0, PRIO);
    /* Below both: the waiter runs now and blocks; then nothing else can run but the root. */
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, PRIO - 1), MICA_NO_ERROR);
    mica_yield();
    ck_assert_uint_eq(rec.value[0], 0);                     /* trylock found it taken */
    ck_assert_uint_eq(mt_thread_state(waiter), MICA_THREAD_BLOCKED_ON_NOTIFICATION);
    ck_assert_uint_eq(mt_thread_state(holder), MICA_THREAD_BLOCKED_ON_NOTIFICATION);
    ck_assert_int_eq(__atomic_load_n(&mtx.state, __ATOMIC_RELAXED), 2);   /* held, with a waiter */
    mica_signal(go);
    mica_word_t n = 0;
    while (n < 2) {
        mica_wait(finished, &badge);
        n++;
        if (n < 2 && shared_counter == 2)
            break;      /* both signals came as one: the notification keeps no count */
    }
    ck_assert_uint_eq(shared_counter, 2);
    ck_assert_uint_eq(rec.value[1], 1);
    ck_assert_int_eq(__atomic_load_n(&mtx.state, __ATOMIC_RELAXED), 0);
    rec.done = 1;
}

START_TEST(a_waiter_blocks_in_the_kernel_until_the_holder_unlocks)
{
    RUN(root_mutex_waiter);
}
END_TEST

START_TEST(a_mutex_keeps_a_shared_counter_exact_under_the_virtual_clock)
{
    run_counter(1, MICA_CLOCK_VIRTUAL);
}
END_TEST

START_TEST(a_mutex_keeps_a_shared_counter_exact_under_the_real_clock)
{
    run_counter(1, MICA_CLOCK_REAL);
}
END_TEST

START_TEST(a_mutex_keeps_a_shared_counter_exact_on_two_cpus)
{
    run_counter(2, MICA_CLOCK_VIRTUAL);
    run_counter(2, MICA_CLOCK_REAL);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */

static Suite *user_suite(void)
{
    Suite *s = suite_create("user");
    TCase *tc;

    tc = mt_tcase(s, "alloc");
    tcase_add_test(tc, slots_come_in_order_and_freed_ones_come_back);
    tcase_add_test(tc, running_out_of_slots_is_a_range_error_naming_the_root_cnode);
    tcase_add_test(tc, objects_come_from_an_untyped_with_room_until_memory_runs_out);
    tcase_add_test(tc, address_ranges_come_with_a_guard_page_and_end_at_2_30);

    tc = mt_tcase(s, "memory");
    tcase_add_test(tc, map_makes_a_page_table_only_where_none_covers_the_vaddr);
    tcase_add_test(tc, map_pages_maps_a_range_of_fresh_contiguous_frames);

    tc = mt_tcase(s, "threads");
    tcase_add_test(tc, a_thread_runs_on_a_stack_of_frames_in_the_callers_vspace);
    tcase_add_test(tc, thread_spawn_starts_a_function_on_a_host_stack);

    tc = mt_tcase(s, "processes");
    tcase_add_test(tc, a_process_has_its_own_cspace_vspace_stack_and_ipc_buffer);
    tcase_add_test(tc, a_process_faults_to_its_supervisor_with_its_badge);
    tcase_add_test(tc, process_create_rejects_bad_configurations_and_destroy_removes_everything);
    tcase_add_test(tc, process_give_and_start_say_why_they_failed);

    tc = mt_tcase(s, "ipc");
    tcase_add_test(tc, call_words_and_the_server_loop_carry_n_words_each_way);
    tcase_add_test(tc, fault_decode_reads_a_cap_fault);
    tcase_add_test(tc, client_rights_are_write_and_grant_reply_in_rwgp_order);

    tc = mt_tcase(s, "locks");
    tcase_add_test(tc, a_waiter_blocks_in_the_kernel_until_the_holder_unlocks);
    tcase_add_test(tc, a_mutex_keeps_a_shared_counter_exact_under_the_virtual_clock);
    tcase_add_test(tc, a_mutex_keeps_a_shared_counter_exact_under_the_real_clock);
    tcase_add_test(tc, a_mutex_keeps_a_shared_counter_exact_on_two_cpus);
    tcase_add_test(tc, device_helpers_map_a_device_and_take_its_irq_once);
    return s;
}

MICA_TEST_MAIN(user_suite)
