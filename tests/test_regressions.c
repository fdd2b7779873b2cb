/*
 * test_regressions.c - one test per kernel bug that mica-fuzz found, named
 * after what must hold, each reproducing the bug's situation directly (the
 * fix carries a comment naming its test). docs/testing.md lists them.
 */
#include <string.h>
#include "harness.h"
#include "cap.h"

/* Host pointer to the object of the cap in root-CNode slot s. */
static void *object_of(mica_cptr_t s)
{
    cte_t *tslots = (cte_t *)(hw_phys_base + ks.root_tcb);
    cte_t *root = (cte_t *)(hw_phys_base + cap_obj(tslots[TCB_CTABLE].cap));
    return hw_phys_base + cap_obj(root[s].cap);
}

/* --- MICA_CHECK_END ignored runs that ended with a halt ------------------- */

static void corrupt_then_halt(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    endpoint_t *e = object_of(ep);
    e->head_state = 3;          /* no such endpoint state: valid_ep is broken */
    mica_debug_halt();
}

/*
 * mica-fuzz's runs end with mica_debug_halt; with --check end the checker
 * never ran, because the halt had already stopped the system and the
 * checker's stop was ignored.
 */
START_TEST(check_end_also_checks_a_halted_run)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.check = MICA_CHECK_END;
    mica_run_result_t r = mt_run_cfg(&cfg, corrupt_then_halt);
    ck_assert_msg(r.reason == MICA_STOP_INVARIANT, "stopped with %s: %s",
                  mica_stop_reason_name(r.reason), r.message);
    ck_assert_ptr_nonnull(strstr(r.message, "valid_ep"));
}
END_TEST

static void halt_cleanly(const mica_bootinfo_t *bi)
{
    (void)bi;
    mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_debug_halt();
}

/* ...and a healthy halted run still reports the halt. */
START_TEST(check_end_keeps_the_halt_of_a_healthy_run)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.check = MICA_CHECK_END;
    mica_run_result_t r = mt_run_cfg(&cfg, halt_cleanly);
    ck_assert_int_eq(r.reason, MICA_STOP_HALT);
}
END_TEST

/* --- a thread started on an unmapped VSpace stack crashed the simulator --- */

#define STACK_REGION 0x400000ul                 /* a page table covers 0x400000..0x5fffff */
#define STACK_TOP (STACK_REGION + 0x20000ul)    /* 128 KiB into it: above the 64 KiB minimum */
#define STACK_PAGES 16

static mica_cptr_t g_ep, g_ntfn;
static volatile int g_ran_on;       /* 1 when the thread ran, with a stack in its window */

static void on_vspace_stack(mica_word_t a, mica_word_t b, mica_word_t c, mica_word_t d)
{
    (void)a; (void)b; (void)c; (void)d;
    volatile char here = 0;
    unsigned char *w = mica_vaddr_to_ptr(0);
    g_ran_on = w && (unsigned char *)&here >= w + STACK_TOP - STACK_PAGES * 4096ul &&
               (unsigned char *)&here < w + STACK_TOP;
    mica_signal(g_ntfn);
}

static void start_on_unmapped_stack(const mica_bootinfo_t *bi)
{
    (void)bi;
    g_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t vs = mt_make(MICA_VSPACE_OBJECT, 0), pt = mt_make(MICA_PAGE_TABLE_OBJECT, 0);
    mica_cptr_t tcb = mt_make(MICA_TCB_OBJECT, 0), buf = mt_make(MICA_FRAME_OBJECT, 0);
    mt_assert_err(mica_pdpt_map(mt_make(MICA_PDPT_OBJECT, 0), vs, 0, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_directory_map(mt_make(MICA_PAGE_DIRECTORY_OBJECT, 0), vs, 0, 0),
                  MICA_NO_ERROR);
    mt_assert_err(mica_page_table_map(pt, vs, STACK_REGION, 0), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_configure(tcb, g_ep, CNODE, 0, vs, 0, MICA_ROOT_FREE_VADDR, buf),
                  MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(tcb, MICA_CAP_INIT_TCB, 100), MICA_NO_ERROR);
    mica_user_context_t regs = { .pc = (mica_word_t)on_vspace_stack, .sp = STACK_TOP };
    mt_assert_err(mica_tcb_write_registers(tcb, true, 0, 2, &regs), MICA_NO_ERROR);

    /* Nothing is mapped at the stack: the thread's first push faults, as on seL4. */
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(g_ep, &badge);
    ck_assert_uint_eq(mica_msginfo_get_label(info), MICA_FAULT_VM);
    ck_assert_uint_eq(mica_get_mr(MICA_VM_FAULT_ADDR), STACK_TOP - sizeof(mica_word_t));
    ck_assert_uint_eq(mica_get_mr(MICA_VM_FAULT_IP), (mica_word_t)on_vspace_stack);
    ck_assert(mica_get_mr(MICA_VM_FAULT_FSR) & 2);    /* a write */

    /* The pager maps the stack and replies: now the thread starts, on that stack. */
    for (unsigned i = 1; i <= STACK_PAGES; i++) {
        mica_cptr_t f = mt_make(MICA_FRAME_OBJECT, 0);
        mt_assert_err(mica_page_map(f, vs, STACK_TOP - i * 4096ul, MICA_READ_WRITE, 0), MICA_NO_ERROR);
    }
    mica_reply(mica_msginfo_new(0, 0, 0, 0));
    mica_wait(g_ntfn, NULL);
    ck_assert_msg(g_ran_on, "the thread did not run on its VSpace stack");
}

START_TEST(a_thread_started_on_an_unmapped_stack_gets_a_vm_fault)
{
    g_ran_on = 0;
    mt_run(start_on_unmapped_stack);
}
END_TEST

/* --- the kernel ran on a VSpace stack that was unmapped under it ----------- */

static mica_cptr_t g_fault_ep, g_stack_frames[STACK_PAGES];
static volatile mica_word_t g_got_label, g_got_mr0;

/* Blocks in Recv on g_ep, parked in the kernel; reports the message it gets. */
static void parked_receiver(mica_word_t a, mica_word_t b, mica_word_t c, mica_word_t d)
{
    (void)a; (void)b; (void)c; (void)d;
    mica_word_t m0 = 0;
    mica_msginfo_t info = mica_recv_with_mrs(g_ep, NULL, &m0, NULL, NULL, NULL);
    g_got_label = mica_msginfo_get_label(info);
    g_got_mr0 = m0;
    mica_signal(g_ntfn);
}

/*
 * A thread in VSpace vs on STACK_PAGES frames below STACK_TOP, fault
 * endpoint g_fault_ep, priority 100, left blocked in Recv on g_ep.
 */
static mica_cptr_t park_thread_on_vspace_stack(mica_cptr_t *vs_out)
{
    g_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    g_fault_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t vs = mt_make(MICA_VSPACE_OBJECT, 0), pt = mt_make(MICA_PAGE_TABLE_OBJECT, 0);
    mica_cptr_t tcb = mt_make(MICA_TCB_OBJECT, 0), buf = mt_make(MICA_FRAME_OBJECT, 0);
    mt_assert_err(mica_pdpt_map(mt_make(MICA_PDPT_OBJECT, 0), vs, 0, 0), MICA_NO_ERROR);
    mt_assert_err(mica_page_directory_map(mt_make(MICA_PAGE_DIRECTORY_OBJECT, 0), vs, 0, 0),
                  MICA_NO_ERROR);
    mt_assert_err(mica_page_table_map(pt, vs, STACK_REGION, 0), MICA_NO_ERROR);
    for (unsigned i = 0; i < STACK_PAGES; i++) {
        g_stack_frames[i] = mt_make(MICA_FRAME_OBJECT, 0);
        mt_assert_err(mica_page_map(g_stack_frames[i], vs, STACK_TOP - (i + 1) * 4096ul,
                                    MICA_READ_WRITE, 0), MICA_NO_ERROR);
    }
    mt_assert_err(mica_tcb_configure(tcb, g_fault_ep, CNODE, 0, vs, 0, MICA_ROOT_FREE_VADDR, buf),
                  MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(tcb, MICA_CAP_INIT_TCB, 100), MICA_NO_ERROR);
    mica_user_context_t regs = { .pc = (mica_word_t)parked_receiver, .sp = STACK_TOP };
    mt_assert_err(mica_tcb_write_registers(tcb, true, 0, 2, &regs), MICA_NO_ERROR);
    /* Below the thread for a moment: it runs and blocks. */
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 50), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 255), MICA_NO_ERROR);
    ck_assert_uint_eq(mt_thread_state(tcb), MICA_THREAD_BLOCKED_ON_RECEIVE);
    *vs_out = vs;
    return tcb;
}

/* Wake the parked thread with label 42, MR0 0x5eed; it runs once we block. */
static void wake_parked_thread(void)
{
    mica_word_t m0 = 0x5eed;
    mica_send_with_mrs(g_ep, mica_msginfo_new(42, 0, 0, 1), &m0, NULL, NULL, NULL);
}

static void ck_assert_stack_vm_fault(mica_msginfo_t info)
{
    ck_assert_uint_eq(mica_msginfo_get_label(info), MICA_FAULT_VM);
    mica_word_t addr = mica_get_mr(MICA_VM_FAULT_ADDR);
    ck_assert_msg(addr >= STACK_TOP - STACK_PAGES * 4096ul && addr < STACK_TOP,
                  "VM fault at 0x%lx, not on the stack", (unsigned long)addr);
}

static void unmap_parked_stack(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t vs;
    mica_cptr_t tcb = park_thread_on_vspace_stack(&vs);
    for (unsigned i = 0; i < STACK_PAGES; i++)
        mt_assert_err(mica_page_unmap(g_stack_frames[i]), MICA_NO_ERROR);
    wake_parked_thread();

    /* Back from the kernel, its first touch of its stack faults, in task mode. */
    mica_msginfo_t info = mica_recv(g_fault_ep, NULL);
    ck_assert_stack_vm_fault(info);
    mica_word_t addr = mica_get_mr(MICA_VM_FAULT_ADDR);

    /* Restarted with the stack still unmapped, it faults again at the same place. */
    info = mica_reply_recv(g_fault_ep, mica_msginfo_new(0, 0, 0, 0), NULL);
    ck_assert_stack_vm_fault(info);
    ck_assert_uint_eq(mica_get_mr(MICA_VM_FAULT_ADDR), addr);

    /* The same frames back: it runs on, with the message it received. */
    for (unsigned i = 0; i < STACK_PAGES; i++)
        mt_assert_err(mica_page_map(g_stack_frames[i], vs, STACK_TOP - (i + 1) * 4096ul,
                                    MICA_READ_WRITE, 0), MICA_NO_ERROR);
    mica_reply(mica_msginfo_new(0, 0, 0, 0));
    mica_wait(g_ntfn, NULL);
    ck_assert_uint_eq(g_got_label, 42);
    ck_assert_uint_eq(g_got_mr0, 0x5eed);

    /* Its entry returns: the exit, from the VSpace stack, leaves it Inactive. */
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 50), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 255), MICA_NO_ERROR);
    ck_assert_uint_eq(mt_thread_state(tcb), MICA_THREAD_INACTIVE);
}

/*
 * The kernel ran on the calling thread's stack, so a thread blocked in Recv
 * on a VSpace stack had its kernel frames there: unmapping those pages
 * crashed the simulator when the thread was woken (found by mica-fuzz
 * --vspace-stacks). Now such threads enter the kernel on a host kernel
 * stack (sim/ctx.c) and the unmapped stack is an ordinary VM fault.
 */
START_TEST(a_thread_parked_in_the_kernel_survives_its_stack_being_unmapped)
{
    g_got_label = g_got_mr0 = 0;
    mt_run(unmap_parked_stack);
}
END_TEST

static void overwrite_parked_stack(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t vs;
    mica_cptr_t tcb = park_thread_on_vspace_stack(&vs);
    /* Other frames, all zeros, where its stack was. */
    for (unsigned i = 0; i < STACK_PAGES; i++) {
        mt_assert_err(mica_page_unmap(g_stack_frames[i]), MICA_NO_ERROR);
        mica_cptr_t f = mt_make(MICA_FRAME_OBJECT, 0);
        mt_assert_err(mica_page_map(f, vs, STACK_TOP - (i + 1) * 4096ul, MICA_READ_WRITE, 0),
                      MICA_NO_ERROR);
    }
    wake_parked_thread();

    /* Its task frames are gone: it crashes in task code, a fault of its own. */
    mica_msginfo_t info = mica_recv(g_fault_ep, NULL);
    mica_word_t label = mica_msginfo_get_label(info);
    ck_assert_msg(label == MICA_FAULT_USER_EXCEPTION || label == MICA_FAULT_VM,
                  "fault label %lu", (unsigned long)label);
    ck_assert_uint_eq(mt_thread_state(tcb), MICA_THREAD_BLOCKED_ON_REPLY);
    ck_assert_uint_eq(g_got_label, 0);
    mt_assert_err(mica_tcb_suspend(tcb), MICA_NO_ERROR);     /* no reply: it is beyond repair */
}

/* ...and a stack overwritten meanwhile crashes the thread, not the simulator. */
START_TEST(a_thread_parked_in_the_kernel_survives_its_stack_being_overwritten)
{
    g_got_label = g_got_mr0 = 0;
    mt_run(overwrite_parked_stack);
}
END_TEST

/* --- CopyRegisters from a crashed thread started another one mid-function ----- */

static void crash_now(mica_word_t a, mica_word_t b, mica_word_t c, mica_word_t d)
{
    (void)a; (void)b; (void)c; (void)d;
#if defined(__x86_64__)
    __asm__ volatile("movl $1, (%0)" : : "r"((void *)0) : "memory");
#elif defined(__aarch64__)
    __asm__ volatile("str wzr, [%0]" : : "r"((void *)0) : "memory");
#else
    __builtin_trap();
#endif
}

/* A thread in the root's CSpace and VSpace with fault endpoint fep, at pc (0: none yet). */
static mica_cptr_t thread_with_handler(mica_cptr_t fep, mica_word_t pc)
{
    static mica_word_t vaddr = MICA_ROOT_FREE_VADDR + 0x100000;
    mica_cptr_t tcb = mt_make(MICA_TCB_OBJECT, 0), buf = mt_make(MICA_FRAME_OBJECT, 0);
    mt_assert_err(mica_tcb_configure(tcb, fep, CNODE, 0, MICA_CAP_INIT_VSPACE, 0, vaddr, buf),
                  MICA_NO_ERROR);
    vaddr += 4096;
    mt_assert_err(mica_tcb_set_priority(tcb, MICA_CAP_INIT_TCB, 100), MICA_NO_ERROR);
    if (pc) {
        mica_user_context_t regs = { .pc = pc };
        mt_assert_err(mica_tcb_write_registers(tcb, true, 0, 1, &regs), MICA_NO_ERROR);
    }
    return tcb;
}

static void copy_from_crashed(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t fep_a = mt_slot(), fep_b = mt_slot();
    mt_assert_err(mica_cnode_mint(CNODE, fep_a, DEPTH, CNODE, ep, DEPTH, MICA_ALL_RIGHTS, 1), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_mint(CNODE, fep_b, DEPTH, CNODE, ep, DEPTH, MICA_ALL_RIGHTS, 2), MICA_NO_ERROR);
    mica_cptr_t a = thread_with_handler(fep_a, (mica_word_t)crash_now);
    mica_word_t badge = 0;
    mica_msginfo_t info = mica_recv(ep, &badge);
    ck_assert_uint_eq(badge, 1);
    ck_assert_uint_eq(mica_msginfo_get_label(info), MICA_FAULT_USER_EXCEPTION);
    mica_word_t trap_ip = mica_get_mr(MICA_USER_EXCEPTION_IP);

    /* A's pc is now where it trapped, as on seL4... */
    mica_user_context_t regs;
    mt_assert_err(mica_tcb_read_registers(a, false, 0, 1, &regs), MICA_NO_ERROR);
    ck_assert_uint_eq(regs.pc, trap_ip);
    mica_reply(mica_msginfo_new(1, 0, 0, 0));  /* a non-zero label: A stays stopped */

    /* ...but that is no entry function: B, given A's registers and resumed, must not start there. */
    mica_cptr_t b = thread_with_handler(fep_b, 0);
    mt_assert_err(mica_tcb_copy_registers(b, a, false, true, true, false, 0), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 50), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 255), MICA_NO_ERROR);
    badge = 0;
    info = mica_nbrecv(ep, &badge);
    ck_assert_msg(badge == 0, "B ran A's code and faulted (badge %lu, label %lu)",
                  (unsigned long)badge, (unsigned long)mica_msginfo_get_label(info));
    cte_t *tslots = (cte_t *)(hw_phys_base + ks.root_tcb);
    cte_t *root = (cte_t *)(hw_phys_base + cap_obj(tslots[TCB_CTABLE].cap));
    tcb_t *bt = tcb_ptr(cap_obj(root[b].cap));
    ck_assert_uint_eq(bt->state.type, MICA_THREAD_INACTIVE);
    ck_assert(!(bt->flags & TCB_FLAG_EXITED));

    /* A fresh pc makes B startable again. */
    regs.pc = (mica_word_t)on_vspace_stack;     /* any entry function: it signals g_ntfn */
    g_ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mt_assert_err(mica_tcb_write_registers(b, true, 0, 1, &regs), MICA_NO_ERROR);
    mica_wait(g_ntfn, NULL);
}

START_TEST(copied_trap_registers_do_not_start_a_thread_mid_function)
{
    mt_run(copy_from_crashed);
}
END_TEST

/*
 * A trapped thread reads back its trap address (not MICA_RESUME_PC), and a
 * handler that writes its registers back unchanged lets it retry the
 * faulting instruction there, as seL4 resumes at the pc written
 * (invokeTCB_WriteRegisters); it faults again at the same address.
 */
static void write_back_trapped(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t a = thread_with_handler(ep, (mica_word_t)crash_now);
    mica_msginfo_t info = mica_recv(ep, NULL);
    ck_assert_uint_eq(mica_msginfo_get_label(info), MICA_FAULT_USER_EXCEPTION);
    mica_word_t trap_ip = mica_get_mr(MICA_USER_EXCEPTION_IP);
    mica_user_context_t regs;
    mt_assert_err(mica_tcb_read_registers(a, false, 0, MICA_USER_CONTEXT_WORDS, &regs),
                  MICA_NO_ERROR);
    ck_assert_uint_eq(regs.pc, trap_ip);
    ck_assert_uint_ne(regs.pc, MICA_RESUME_PC);
    mt_assert_err(mica_tcb_write_registers(a, true, 0, MICA_USER_CONTEXT_WORDS, &regs),
                  MICA_NO_ERROR);
    info = mica_recv(ep, NULL);
    ck_assert_uint_eq(mica_msginfo_get_label(info), MICA_FAULT_USER_EXCEPTION);
    ck_assert_uint_eq(mica_get_mr(MICA_USER_EXCEPTION_IP), trap_ip);
    cte_t *tslots = (cte_t *)(hw_phys_base + ks.root_tcb);
    cte_t *root = (cte_t *)(hw_phys_base + cap_obj(tslots[TCB_CTABLE].cap));
    ck_assert_uint_eq(tcb_ptr(cap_obj(root[a].cap))->exits, 0);
    mica_reply(mica_msginfo_new(1, 0, 0, 0));  /* a non-zero label: A stays stopped */
}

START_TEST(a_trapped_thread_given_back_its_registers_retries_the_trap)
{
    mt_run(write_back_trapped);
}
END_TEST

static Suite *regressions_suite(void)
{
    Suite *s = suite_create("regressions");
    TCase *tc = tcase_create("check_end");
    tcase_add_test(tc, check_end_also_checks_a_halted_run);
    tcase_add_test(tc, check_end_keeps_the_halt_of_a_healthy_run);
    suite_add_tcase(s, tc);
    tc = tcase_create("vspace_stack");
    tcase_add_test(tc, a_thread_started_on_an_unmapped_stack_gets_a_vm_fault);
    tcase_add_test(tc, a_thread_parked_in_the_kernel_survives_its_stack_being_unmapped);
    tcase_add_test(tc, a_thread_parked_in_the_kernel_survives_its_stack_being_overwritten);
    suite_add_tcase(s, tc);
    tc = tcase_create("copy_registers");
    tcase_add_test(tc, copied_trap_registers_do_not_start_a_thread_mid_function);
    tcase_add_test(tc, a_trapped_thread_given_back_its_registers_retries_the_trap);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(regressions_suite)
