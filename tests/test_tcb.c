/*
 * test_tcb.c - every TCB invocation: success paths, each seL4 error with its
 * code and message-register details, and that a failed invocation changes
 * no kernel state. Also how threads start and stop (docs/api.md "Registers
 * and starting threads"). sel4test names are cited where a test mirrors one.
 */
#include <string.h>
#include "harness.h"

typedef void (*entry4_fn)(mica_word_t, mica_word_t, mica_word_t, mica_word_t);

/* --- helpers ----------------------------------------------------------------- */

/*
 * A test whose body runs as the root task (priority 255, MCP 255) and whose
 * run must end with the system idle.
 */
#define ROOT_TEST(name) \
    static void name##_task(const mica_bootinfo_t *bi __attribute__((unused))); \
    START_TEST(name) { mt_run(name##_task); } END_TEST \
    static void name##_task(const mica_bootinfo_t *bi __attribute__((unused)))

/* The invocation must fail with `want` and leave every bit of kernel state alone. */

/* RangeError with its bounds in MR0/MR1. */
#define ASSERT_RANGE_ERROR(expr, lo, hi) do { \
        mt_assert_fails(expr, MICA_RANGE_ERROR); \
        ck_assert_uint_eq(mica_get_mr(0), (lo)); \
        ck_assert_uint_eq(mica_get_mr(1), (hi)); \
    } while (0)

/* InvalidCapability naming cap number n in MR0. */
#define ASSERT_INVALID_CAP(expr, n) do { \
        mt_assert_fails(expr, MICA_INVALID_CAPABILITY); \
        ck_assert_uint_eq(mica_get_mr(0), (n)); \
    } while (0)

/*
 * Call cap with a hand-made message: `len` words from mr[] and `ncaps`
 * extra caps (set beforehand with mica_set_cap). For messages the typed
 * stubs never send, such as truncated ones. Returns the reply's message
 * info; its MRs are in the IPC buffer.
 */
static mica_msginfo_t raw_call(mica_cptr_t cap, mica_word_t label, unsigned ncaps, unsigned len,
                               const mica_word_t *mr)
{
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    mica_word_t r[4] = { 0 };
    for (unsigned i = 0; i < len; i++) {
        if (i < 4)
            r[i] = mr[i];
        else
            b->msg[i] = mr[i];
    }
    mica_msginfo_t out = mica_call_with_mrs(cap, mica_msginfo_new(label, 0, ncaps, len),
                                            &r[0], &r[1], &r[2], &r[3]);
    for (unsigned i = 0; i < 4; i++)
        b->msg[i] = r[i];
    return out;
}

/* raw_call, returning the error code (the reply's label). */
static mica_error_t raw_invoke(mica_cptr_t cap, mica_word_t label, unsigned ncaps, unsigned len,
                               const mica_word_t *mr)
{
    return (mica_error_t)mica_msginfo_get_label(raw_call(cap, label, ncaps, len, mr));
}

/* Kernel internals: the root CNode slot a CPtr names, and the object behind it. */
static cte_t *root_slot(mica_cptr_t cptr)
{
    cte_t *root_tcb_slots = (cte_t *)paddr_to_ptr(ks.root_tcb);
    cte_t *cnode = (cte_t *)paddr_to_ptr((paddr_t)root_tcb_slots[TCB_CTABLE].cap.obj << 4);
    return &cnode[cptr];
}

static paddr_t obj_of(mica_cptr_t cptr)
{
    return (paddr_t)root_slot(cptr)->cap.obj << 4;
}

static tcb_t *tcb_of(mica_cptr_t cptr)
{
    return tcb_ptr(obj_of(cptr));
}

static cte_t *tcb_cnode_slot(mica_cptr_t tcb, unsigned i)
{
    return tcb_slot(obj_of(tcb), i);
}


/* IPC buffer addresses for new threads: unmapped, the kernel only uses the offset. */
static mica_word_t next_buffer_vaddr(void)
{
    static mica_word_t next = 0x30000000;
    next += 1ul << MICA_PAGE_BITS;
    return next;
}

/* A thread in the root's CSpace and VSpace with its own IPC buffer, not started. */
static mica_cptr_t new_thread(mica_word_t prio)
{
    mica_cptr_t tcb = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t frame = mt_make(MICA_FRAME_OBJECT, 0);
    mt_assert_err(mica_tcb_configure(tcb, 0, CNODE, 0, MICA_CAP_INIT_VSPACE, 0,
                                     next_buffer_vaddr(), frame), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(tcb, MICA_CAP_INIT_TCB, prio), MICA_NO_ERROR);
    return tcb;
}

static mica_user_context_t regs_for(entry4_fn fn, mica_word_t a0, mica_word_t a1, mica_word_t a2,
                                    mica_word_t a3)
{
    mica_user_context_t r = { 0 };
    r.pc = (mica_word_t)fn;
    r.r0 = a0;
    r.r1 = a1;
    r.r2 = a2;
    r.r3 = a3;
    return r;
}

/* WriteRegisters(pc = fn, r0..r3) with resume_target: the thread starts. */
static void start(mica_cptr_t tcb, entry4_fn fn, mica_word_t a0, mica_word_t a1, mica_word_t a2,
                  mica_word_t a3)
{
    mica_user_context_t r = regs_for(fn, a0, a1, a2, a3);
    mt_assert_err(mica_tcb_write_registers(tcb, true, 0, MICA_USER_CONTEXT_WORDS, &r),
                  MICA_NO_ERROR);
}

static void set_my_prio(mica_word_t prio)
{
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, prio), MICA_NO_ERROR);
}

/*
 * Let every ready thread (all above priority 0) run until it blocks or
 * exits, then carry on at priority 255.
 */
static void run_others(void)
{
    set_my_prio(0);
    set_my_prio(MICA_MAX_PRIO);
}

static mica_cptr_t make_device_frame(void)
{
    const mica_bootinfo_t *bi = mt_bi();
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const mica_untyped_desc_t *u = &bi->untyped_list[i];
        if (u->is_device && u->size_bits >= MICA_PAGE_BITS) {
            mica_cptr_t slot = mt_slot();
            mt_assert_err(mica_untyped_retype(bi->untyped.start + i, MICA_FRAME_OBJECT, 0, CNODE,
                                              0, 0, slot, 1), MICA_NO_ERROR);
            return slot;
        }
    }
    ck_abort_msg("no device untyped to make a device frame from");
    return 0;
}

static mica_cptr_t copy_of(mica_cptr_t src, mica_cap_rights_t rights)
{
    mica_cptr_t slot = mt_slot();
    mt_assert_err(mica_cnode_copy(CNODE, slot, DEPTH, CNODE, src, DEPTH, rights), MICA_NO_ERROR);
    return slot;
}

/* What threads observe, checked after they ran. */
static volatile mica_word_t seen[16];
static volatile int seen_count;

static void note(mica_word_t v)
{
    ck_assert_int_lt(seen_count, 16);
    seen[seen_count++] = v;
}

static void reset_seen(void)
{
    for (int i = 0; i < 16; i++)
        seen[i] = 0;
    seen_count = 0;
}

/* Record the four arguments. */
static void record_args(mica_word_t a0, mica_word_t a1, mica_word_t a2, mica_word_t a3)
{
    note(a0);
    note(a1);
    note(a2);
    note(a3);
}

/* Record a0 and return. */
static void record_a0(mica_word_t a0, mica_word_t a1, mica_word_t a2, mica_word_t a3)
{
    (void)a1; (void)a2; (void)a3;
    note(a0);
}

/* --- starting threads (docs/api.md "Registers and starting threads") -------- */

static void start_and_exit_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    reset_seen();
    mica_cptr_t t = new_thread(100);
    start(t, record_args, 11, 22, 33, 44);
    /* Lower priority than the root: it has not run yet. */
    ck_assert_int_eq(seen_count, 0);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_RESTART);
    run_others();
    ck_assert_int_eq(seen_count, 4);
    ck_assert_uint_eq(seen[0], 11);
    ck_assert_uint_eq(seen[1], 22);
    ck_assert_uint_eq(seen[2], 33);
    ck_assert_uint_eq(seen[3], 44);
    /* Its entry returned: it is Inactive, as if suspended. */
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
    ck_assert_uint_eq(tcb_of(t)->exits, 1);
}

START_TEST(write_registers_and_resume_start_entry_with_r0_to_r3)
{
    mica_run_result_t r = mt_run(start_and_exit_task);
    /* The root and the helper both ended Inactive. */
    ck_assert_uint_eq(r.threads[MICA_THREAD_INACTIVE], 2);
}
END_TEST

static void restart_after_exit_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    reset_seen();
    mica_cptr_t t = new_thread(100);
    start(t, record_a0, 1, 0, 0, 0);
    run_others();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);

    /* ReadRegisters still works on a thread that exited. */
    mica_user_context_t r;
    mt_assert_err(mica_tcb_read_registers(t, false, 0, MICA_USER_CONTEXT_WORDS, &r),
                  MICA_NO_ERROR);
    ck_assert_uint_eq(r.pc, (mica_word_t)record_a0);

    /* A plain Resume does not run the entry again. */
    mt_assert_err(mica_tcb_resume(t), MICA_NO_ERROR);
    run_others();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
    uint32_t exits = tcb_of(t)->exits;

    /* A new pc and Resume start it again, at the new entry with the new arguments. */
    start(t, record_args, 5, 6, 7, 8);
    run_others();
    ck_assert_int_eq(seen_count, 5);
    ck_assert_uint_eq(seen[1], 5);
    ck_assert_uint_eq(seen[4], 8);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
    ck_assert_uint_gt(tcb_of(t)->exits, exits);
}

START_TEST(an_exited_thread_is_inactive_and_restarts_at_a_new_pc)
{
    mt_run(restart_after_exit_task);
}
END_TEST

ROOT_TEST(an_exited_thread_restarts_when_the_same_pc_is_written_again)
{
    reset_seen();
    mica_cptr_t t = new_thread(100);
    start(t, record_a0, 1, 0, 0, 0);
    run_others();
    ck_assert_int_eq(seen_count, 1);
    start(t, record_a0, 2, 0, 0, 0);
    run_others();
    ck_assert_int_eq(seen_count, 2);
    ck_assert_uint_eq(seen[1], 2);
}

ROOT_TEST(a_thread_resumed_without_registers_never_runs)
{
    /* A new TCB has pc 0: on seL4 it would fault at once; here it stays stopped. */
    mica_cptr_t t = new_thread(100);
    mt_assert_err(mica_tcb_resume(t), MICA_NO_ERROR);
    run_others();
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
}

/* --- Configure ---------------------------------------------------------------- */

static void check_own_spaces(mica_word_t cnode_slot, mica_word_t a1, mica_word_t a2,
                             mica_word_t a3)
{
    (void)a1; (void)a2; (void)a3;
    note(mica_get_ipc_buffer() != NULL);
    note(mica_debug_cap_identify(cnode_slot));
    note((mica_word_t)mica_get_ipc_buffer() & ((1u << MICA_PAGE_BITS) - 1));
}

ROOT_TEST(configure_gives_a_thread_its_cspace_vspace_and_ipc_buffer)
{
    reset_seen();
    mica_cptr_t t = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t frame = mt_make(MICA_FRAME_OBJECT, 0);
    mt_assert_err(mica_tcb_configure(t, 0, CNODE, 0, MICA_CAP_INIT_VSPACE, 0,
                                     0x30000c00, frame), MICA_NO_ERROR);
    ck_assert_int_eq(tcb_cnode_slot(t, TCB_CTABLE)->cap.type, MICA_CAP_TYPE_CNODE);
    ck_assert_int_eq(tcb_cnode_slot(t, TCB_VTABLE)->cap.type, MICA_CAP_TYPE_VSPACE);
    ck_assert_int_eq(tcb_cnode_slot(t, TCB_BUFFER)->cap.type, MICA_CAP_TYPE_FRAME);
    ck_assert_uint_eq(tcb_of(t)->ipc_buffer, 0x30000c00);
    /* Configure leaves the priority alone: a new TCB has priority 0 and MCP 0. */
    ck_assert_uint_eq(tcb_of(t)->priority, 0);
    ck_assert_uint_eq(tcb_of(t)->mcp, 0);
    mt_assert_err(mica_tcb_set_priority(t, MICA_CAP_INIT_TCB, 10), MICA_NO_ERROR);
    start(t, check_own_spaces, CNODE, 0, 0, 0);
    run_others();
    ck_assert_int_eq(seen_count, 3);
    ck_assert_uint_eq(seen[0], 1);
    ck_assert_uint_eq(seen[1], MICA_CAP_TYPE_CNODE);
    ck_assert_uint_eq(seen[2], 0xc00);
}

ROOT_TEST(configure_with_buffer_address_0_gives_no_ipc_buffer)
{
    reset_seen();
    mica_cptr_t t = mt_make(MICA_TCB_OBJECT, 0);
    /* With address 0 the buffer cap is not looked at: a null cap is fine. */
    mt_assert_err(mica_tcb_configure(t, 0, CNODE, 0, MICA_CAP_INIT_VSPACE, 0, 0, MICA_CAP_NULL),
                  MICA_NO_ERROR);
    ck_assert_int_eq(tcb_cnode_slot(t, TCB_BUFFER)->cap.type, MICA_CAP_TYPE_NULL);
    mt_assert_err(mica_tcb_set_priority(t, MICA_CAP_INIT_TCB, 10), MICA_NO_ERROR);
    start(t, check_own_spaces, CNODE, 0, 0, 0);
    run_others();
    ck_assert_int_eq(seen_count, 3);
    ck_assert_uint_eq(seen[0], 0);
    ck_assert_uint_eq(seen[1], MICA_CAP_TYPE_CNODE);
}

/* sel4test THREADS0004: Configure with a null CSpace must fail. */
ROOT_TEST(configure_with_a_null_cspace_fails_THREADS0004)
{
    mica_cptr_t t = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t frame = mt_make(MICA_FRAME_OBJECT, 0);
    mt_assert_fails(mica_tcb_configure(t, 0, MICA_CAP_NULL, 0, MICA_CAP_INIT_VSPACE, 0,
                                    0x30000000, frame), MICA_ILLEGAL_OPERATION);
    ck_assert_int_eq(tcb_cnode_slot(t, TCB_CTABLE)->cap.type, MICA_CAP_TYPE_NULL);
    ck_assert_int_eq(tcb_cnode_slot(t, TCB_BUFFER)->cap.type, MICA_CAP_TYPE_NULL);
}

ROOT_TEST(configure_with_a_cspace_that_is_not_a_cnode_fails)
{
    mica_cptr_t t = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_assert_fails(mica_tcb_configure(t, 0, ep, 0, MICA_CAP_INIT_VSPACE, 0, 0, 0),
                 MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_configure(t, 0, MICA_CAP_INIT_VSPACE, 0, MICA_CAP_INIT_VSPACE, 0, 0, 0),
                 MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_configure(t, 0, MICA_CAP_INIT_TCB, 0, MICA_CAP_INIT_VSPACE, 0, 0, 0),
                 MICA_ILLEGAL_OPERATION);
}

ROOT_TEST(configure_with_a_vspace_root_that_is_not_a_vspace_fails)
{
    mica_cptr_t t = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t pt = mt_make(MICA_PAGE_TABLE_OBJECT, 0);
    mt_assert_fails(mica_tcb_configure(t, 0, CNODE, 0, MICA_CAP_NULL, 0, 0, 0),
                 MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_configure(t, 0, CNODE, 0, CNODE, 0, 0, 0), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_configure(t, 0, CNODE, 0, pt, 0, 0, 0), MICA_ILLEGAL_OPERATION);
}

ROOT_TEST(configure_with_a_bad_ipc_buffer_fails)
{
    mica_cptr_t t = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t frame = mt_make(MICA_FRAME_OBJECT, 0);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t dev = make_device_frame();
    mt_assert_fails(mica_tcb_configure(t, 0, CNODE, 0, MICA_CAP_INIT_VSPACE, 0, 0x30000000, ep),
                 MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_configure(t, 0, CNODE, 0, MICA_CAP_INIT_VSPACE, 0, 0x30000000,
                                    MICA_CAP_NULL), MICA_ILLEGAL_OPERATION);
    /* sel4test FRAMEDIPC0001/0002: a device frame cannot be an IPC buffer. */
    mt_assert_fails(mica_tcb_configure(t, 0, CNODE, 0, MICA_CAP_INIT_VSPACE, 0, 0x30000000, dev),
                 MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_configure(t, 0, CNODE, 0, MICA_CAP_INIT_VSPACE, 0, 0x30000008, frame),
                 MICA_ALIGNMENT_ERROR);
}

ROOT_TEST(configure_checks_the_ipc_buffer_before_the_spaces)
{
    mica_cptr_t t = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t frame = mt_make(MICA_FRAME_OBJECT, 0);
    /* Both the buffer and the CSpace are bad: seL4 decodes the buffer first. */
    mt_assert_fails(mica_tcb_configure(t, 0, MICA_CAP_NULL, 0, MICA_CAP_INIT_VSPACE, 0,
                                    0x30000200, frame), MICA_ALIGNMENT_ERROR);
}

static void identify_slots(mica_word_t a0, mica_word_t a1, mica_word_t a2, mica_word_t a3)
{
    note(mica_debug_cap_identify(a0));
    note(mica_debug_cap_identify(a1));
    note(mica_debug_cap_identify(a2));
    note(mica_debug_cap_identify(a3));
}

/* A radix-6 CNode holding an endpoint in slot 5 and a notification in slot 6. */
static mica_cptr_t small_cspace(void)
{
    mica_cptr_t cn = mt_make(MICA_CNODE_OBJECT, 6);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t nt = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mt_assert_err(mica_cnode_copy(cn, 5, 6, CNODE, ep, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(cn, 6, 6, CNODE, nt, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    return cn;
}

ROOT_TEST(configure_applies_cspace_root_data_as_the_cnode_guard)
{
    reset_seen();
    mica_cptr_t cn = small_cspace();
    mica_cptr_t t = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t frame = mt_make(MICA_FRAME_OBJECT, 0);
    /* Guard of 58 zero bits: a plain slot number at depth 64 names a slot. */
    mt_assert_err(mica_tcb_configure(t, 0, cn, mica_cnode_capdata_new(0, 58),
                                     MICA_CAP_INIT_VSPACE, 0, 0x30000000, frame), MICA_NO_ERROR);
    ck_assert_uint_eq(tcb_cnode_slot(t, TCB_CTABLE)->cap.f2, 58);
    mt_assert_err(mica_tcb_set_priority(t, MICA_CAP_INIT_TCB, 10), MICA_NO_ERROR);
    start(t, identify_slots, 5, 6, 7, MICA_CAP_INIT_TCB);
    run_others();
    ck_assert_int_eq(seen_count, 4);
    ck_assert_uint_eq(seen[0], MICA_CAP_TYPE_ENDPOINT);
    ck_assert_uint_eq(seen[1], MICA_CAP_TYPE_NOTIFICATION);
    ck_assert_uint_eq(seen[2], MICA_CAP_TYPE_NULL);
    ck_assert_uint_eq(seen[3], MICA_CAP_TYPE_NULL);   /* the root's caps are not there */
}

ROOT_TEST(configure_with_cspace_root_data_too_wide_for_the_cnode_fails)
{
    mica_cptr_t cn = small_cspace();
    mica_cptr_t t = mt_make(MICA_TCB_OBJECT, 0);
    /* 59 guard bits + radix 6 > 64: the derived cap would be null. */
    mt_assert_fails(mica_tcb_configure(t, 0, cn, mica_cnode_capdata_new(0, 59),
                                    MICA_CAP_INIT_VSPACE, 0, 0, 0), MICA_ILLEGAL_OPERATION);
}

ROOT_TEST(configure_replaces_the_previous_spaces)
{
    mica_cptr_t cn = small_cspace();
    mica_cptr_t t = new_thread(10);
    ck_assert_uint_eq(tcb_cnode_slot(t, TCB_CTABLE)->cap.obj, root_slot(CNODE)->cap.obj);
    mt_assert_err(mica_tcb_configure(t, 0, cn, mica_cnode_capdata_new(0, 58),
                                     MICA_CAP_INIT_VSPACE, 0, 0, 0), MICA_NO_ERROR);
    ck_assert_uint_eq(tcb_cnode_slot(t, TCB_CTABLE)->cap.obj, root_slot(cn)->cap.obj);
    ck_assert_int_eq(tcb_cnode_slot(t, TCB_BUFFER)->cap.type, MICA_CAP_TYPE_NULL);
    ck_assert_uint_eq(tcb_of(t)->ipc_buffer, 0);
}

/*
 * seL4: decodeSetSpace / decodeTCBConfigure refuse with IllegalOperation
 * when slotCapLongRunningDelete holds for the TCB's current CSpace or
 * VSpace root: its cap is the last one to a CNode (or a TCB, or a zombie).
 * A VSpace's last cap is no long-running delete.
 */
ROOT_TEST(replacing_the_last_cap_to_a_cspace_root_is_illegal_operation)
{
    mica_cptr_t cn = small_cspace();
    mica_cptr_t vs = mt_make(MICA_VSPACE_OBJECT, 0);
    mica_cptr_t t = mt_make(MICA_TCB_OBJECT, 0);
    mt_assert_err(mica_tcb_set_space(t, 0, cn, mica_cnode_capdata_new(0, 58), vs, 0),
                  MICA_NO_ERROR);
    /* With the root's caps still there, the TCB's are not final: replacing them is fine. */
    mt_assert_err(mica_tcb_set_space(t, 0, cn, mica_cnode_capdata_new(0, 58), vs, 0),
                  MICA_NO_ERROR);
    /* The VSpace's last cap in the TCB is replaced (and the VSpace dies). */
    mt_assert_err(mica_cnode_delete(CNODE, vs, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_space(t, 0, cn, mica_cnode_capdata_new(0, 58),
                                     MICA_CAP_INIT_VSPACE, 0), MICA_NO_ERROR);
    /* The CNode's last cap in the TCB is not. */
    mt_assert_err(mica_cnode_delete(CNODE, cn, DEPTH), MICA_NO_ERROR);
    mt_assert_fails(mica_tcb_set_space(t, 0, CNODE, 0, MICA_CAP_INIT_VSPACE, 0),
                    MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_configure(t, 0, CNODE, 0, MICA_CAP_INIT_VSPACE, 0, 0, 0),
                    MICA_ILLEGAL_OPERATION);
    /* Checked before the new roots: a bad new CSpace gets the same answer. */
    mt_assert_fails(mica_tcb_set_space(t, 0, MICA_CAP_NULL, 0, MICA_CAP_INIT_VSPACE, 0),
                    MICA_ILLEGAL_OPERATION);
    ck_assert_int_eq(tcb_cnode_slot(t, TCB_CTABLE)->cap.type, MICA_CAP_TYPE_CNODE);
    /* The IPC buffer alone can still change; deleting the TCB takes the CNode with it. */
    mt_assert_err(mica_tcb_set_ipc_buffer(t, 0, MICA_CAP_NULL), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(CNODE, t, DEPTH), MICA_NO_ERROR);
}

ROOT_TEST(configure_of_the_calling_thread_with_its_own_spaces_succeeds)
{
    mica_ipc_buffer_t *before = mica_get_ipc_buffer();
    mt_assert_err(mica_tcb_configure(MICA_CAP_INIT_TCB, 0, CNODE, 0, MICA_CAP_INIT_VSPACE, 0,
                                     bi->ipc_buffer, MICA_CAP_INIT_IPC_BUFFER), MICA_NO_ERROR);
    /* Still the same CSpace and IPC buffer. */
    ck_assert_int_eq(mica_debug_cap_identify(MICA_CAP_INIT_VSPACE), MICA_CAP_TYPE_VSPACE);
    ck_assert_ptr_eq(mica_get_ipc_buffer(), before);
    mica_get_ipc_buffer()->msg[50] = 0x5a5a;
    ck_assert_uint_eq(((mica_ipc_buffer_t *)mica_vaddr_to_ptr(bi->ipc_buffer))->msg[50], 0x5a5a);
    mt_make(MICA_ENDPOINT_OBJECT, 0);
}

ROOT_TEST(configure_with_a_short_message_is_truncated)
{
    mica_cptr_t t = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t frame = mt_make(MICA_FRAME_OBJECT, 0);
    mica_word_t mr[4] = { 0, 0, 0, 0x30000000 };
    mica_set_cap(0, CNODE);
    mica_set_cap(1, MICA_CAP_INIT_VSPACE);
    mica_set_cap(2, frame);
    mt_assert_fails(raw_invoke(t, MICA_TCB_CONFIGURE, 3, 3, mr), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_invoke(t, MICA_TCB_CONFIGURE, 2, 4, mr), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_invoke(t, MICA_TCB_CONFIGURE, 0, 0, mr), MICA_TRUNCATED_MESSAGE);
    mt_assert_err(raw_invoke(t, MICA_TCB_CONFIGURE, 3, 4, mr), MICA_NO_ERROR);
}

/* --- SetSpace ----------------------------------------------------------------- */

static void recv_on_empty_slot(mica_word_t slot, mica_word_t a1, mica_word_t a2, mica_word_t a3)
{
    (void)a1; (void)a2; (void)a3;
    note(1);
    mica_recv(slot, NULL);      /* a cap fault, sent to the fault endpoint */
    note(2);                    /* never: the handler suspends us */
}

ROOT_TEST(set_space_changes_the_cspace_and_the_fault_endpoint)
{
    reset_seen();
    mica_cptr_t cn = small_cspace();
    mica_cptr_t t = new_thread(100);
    mica_word_t buffer = tcb_of(t)->ipc_buffer;
    /* Fault endpoint: CPtr 5 in the new CSpace (the endpoint copied there). */
    mt_assert_err(mica_tcb_set_space(t, 5, cn, mica_cnode_capdata_new(0, 58),
                                     MICA_CAP_INIT_VSPACE, 0), MICA_NO_ERROR);
    ck_assert_uint_eq(tcb_of(t)->fault_handler, 5);
    ck_assert_uint_eq(tcb_cnode_slot(t, TCB_CTABLE)->cap.obj, root_slot(cn)->cap.obj);
    /* SetSpace leaves the IPC buffer alone. */
    ck_assert_uint_eq(tcb_of(t)->ipc_buffer, buffer);
    ck_assert_int_eq(tcb_cnode_slot(t, TCB_BUFFER)->cap.type, MICA_CAP_TYPE_FRAME);

    /* Receive the fault on the same endpoint through a root CSpace copy. */
    mica_cptr_t ep = mt_slot();
    mt_assert_err(mica_cnode_copy(CNODE, ep, DEPTH, cn, 5, 6, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    start(t, recv_on_empty_slot, 40, 0, 0, 0);
    set_my_prio(50);
    mica_msginfo_t info = mica_recv(ep, NULL);
    ck_assert_uint_eq(mica_msginfo_get_label(info), MICA_FAULT_CAP);
    ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_ADDR), 40);
    ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_IN_RECV_PHASE), 1);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_REPLY);
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
    ck_assert_int_eq(seen_count, 1);
}

/* sel4test THREADS0005: SetSpace with a null CSpace must fail. */
ROOT_TEST(set_space_with_a_null_cspace_fails_THREADS0005)
{
    mica_cptr_t t = new_thread(10);
    mt_assert_fails(mica_tcb_set_space(t, 0, MICA_CAP_NULL, 0, MICA_CAP_INIT_VSPACE, 0),
                 MICA_ILLEGAL_OPERATION);
    ck_assert_uint_eq(tcb_cnode_slot(t, TCB_CTABLE)->cap.obj, root_slot(CNODE)->cap.obj);
}

ROOT_TEST(set_space_with_a_cspace_that_is_not_a_cnode_fails)
{
    mica_cptr_t t = new_thread(10);
    mica_cptr_t nt = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mt_assert_fails(mica_tcb_set_space(t, 0, nt, 0, MICA_CAP_INIT_VSPACE, 0),
                 MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_set_space(t, 0, MICA_CAP_INIT_IPC_BUFFER, 0, MICA_CAP_INIT_VSPACE, 0),
                 MICA_ILLEGAL_OPERATION);
    /* Cap data that leaves no valid CNode cap. */
    mt_assert_fails(mica_tcb_set_space(t, 0, CNODE, mica_cnode_capdata_new(0, 53),
                                    MICA_CAP_INIT_VSPACE, 0), MICA_ILLEGAL_OPERATION);
}

ROOT_TEST(set_space_with_a_vspace_root_that_is_not_a_vspace_fails)
{
    mica_cptr_t t = new_thread(10);
    mt_assert_fails(mica_tcb_set_space(t, 0, CNODE, 0, MICA_CAP_NULL, 0), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_set_space(t, 0, CNODE, 0, MICA_CAP_INIT_TCB, 0),
                 MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_set_space(t, 0, CNODE, 0, MICA_CAP_INIT_IPC_BUFFER, 0),
                 MICA_ILLEGAL_OPERATION);
}

ROOT_TEST(set_space_with_a_short_message_is_truncated)
{
    mica_cptr_t t = new_thread(10);
    mica_word_t mr[3] = { 0, 0, 0 };
    mica_set_cap(0, CNODE);
    mica_set_cap(1, MICA_CAP_INIT_VSPACE);
    mt_assert_fails(raw_invoke(t, MICA_TCB_SET_SPACE, 2, 2, mr), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_invoke(t, MICA_TCB_SET_SPACE, 1, 3, mr), MICA_TRUNCATED_MESSAGE);
    mt_assert_err(raw_invoke(t, MICA_TCB_SET_SPACE, 2, 3, mr), MICA_NO_ERROR);
}

/* --- SetIPCBuffer --------------------------------------------------------------- */

static void write_to_own_buffer(mica_word_t v, mica_word_t a1, mica_word_t a2, mica_word_t a3)
{
    (void)a1; (void)a2; (void)a3;
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    note(b != NULL);
    if (b)
        b->msg[100] = v;
}

ROOT_TEST(set_ipc_buffer_moves_the_buffer_to_the_frame_at_the_vaddr_offset)
{
    reset_seen();
    const mica_word_t w = 0x20000000;
    mica_cptr_t pt = mt_make(MICA_PAGE_TABLE_OBJECT, 0);
    mica_cptr_t frame = mt_make(MICA_FRAME_OBJECT, 0);
    mt_assert_err(mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, w, MICA_DEFAULT_VM_ATTRIBUTES),
                  MICA_NO_ERROR);
    mt_assert_err(mica_page_map(frame, MICA_CAP_INIT_VSPACE, w, MICA_READ_WRITE,
                                MICA_DEFAULT_VM_ATTRIBUTES), MICA_NO_ERROR);
    mica_cptr_t t = new_thread(10);
    /* 1 KiB aligned, not page aligned: the buffer is the frame's second KiB. */
    mt_assert_err(mica_tcb_set_ipc_buffer(t, w + 0x400, frame), MICA_NO_ERROR);
    ck_assert_uint_eq(tcb_of(t)->ipc_buffer, w + 0x400);
    ck_assert_uint_eq(tcb_cnode_slot(t, TCB_BUFFER)->cap.obj, root_slot(frame)->cap.obj);
    start(t, write_to_own_buffer, 0xfeed, 0, 0, 0);
    run_others();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_uint_eq(seen[0], 1);
    mica_ipc_buffer_t *view = mica_vaddr_to_ptr(w + 0x400);
    ck_assert_uint_eq(view->msg[100], 0xfeed);
}

ROOT_TEST(set_ipc_buffer_to_address_0_removes_the_buffer)
{
    reset_seen();
    mica_cptr_t t = new_thread(10);
    mt_assert_err(mica_tcb_set_ipc_buffer(t, 0, MICA_CAP_NULL), MICA_NO_ERROR);
    ck_assert_int_eq(tcb_cnode_slot(t, TCB_BUFFER)->cap.type, MICA_CAP_TYPE_NULL);
    start(t, write_to_own_buffer, 1, 0, 0, 0);
    run_others();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_uint_eq(seen[0], 0);
}

ROOT_TEST(set_ipc_buffer_with_a_cap_that_is_not_a_frame_fails)
{
    mica_cptr_t t = new_thread(10);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_assert_fails(mica_tcb_set_ipc_buffer(t, 0x30000000, ep), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_set_ipc_buffer(t, 0x30000000, MICA_CAP_NULL), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_set_ipc_buffer(t, 0x30000000, MICA_CAP_INIT_VSPACE),
                 MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_set_ipc_buffer(t, 0x30000000, t), MICA_ILLEGAL_OPERATION);
}

/* sel4test FRAMEDIPC0001/0002: a device frame cannot be an IPC buffer. */
ROOT_TEST(set_ipc_buffer_with_a_device_frame_fails_FRAMEDIPC0001)
{
    mica_cptr_t t = new_thread(10);
    mica_cptr_t dev = make_device_frame();
    mt_assert_fails(mica_tcb_set_ipc_buffer(t, 0x30000000, dev), MICA_ILLEGAL_OPERATION);
}

ROOT_TEST(set_ipc_buffer_at_an_unaligned_address_is_an_alignment_error)
{
    mica_cptr_t t = new_thread(10);
    mica_cptr_t frame = mt_make(MICA_FRAME_OBJECT, 0);
    static const mica_word_t bad[] = { 1, 8, 0x200, 0x3f8, 0x30000001, 0x30000600 };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        mt_assert_fails(mica_tcb_set_ipc_buffer(t, bad[i], frame), MICA_ALIGNMENT_ERROR);
    mt_assert_err(mica_tcb_set_ipc_buffer(t, 0x30000800, frame), MICA_NO_ERROR);
}

ROOT_TEST(set_ipc_buffer_with_a_short_message_is_truncated)
{
    mica_cptr_t t = new_thread(10);
    mica_cptr_t frame = mt_make(MICA_FRAME_OBJECT, 0);
    mica_word_t mr[1] = { 0x30000000 };
    mica_set_cap(0, frame);
    mt_assert_fails(raw_invoke(t, MICA_TCB_SET_IPC_BUFFER, 1, 0, mr), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_invoke(t, MICA_TCB_SET_IPC_BUFFER, 0, 1, mr), MICA_TRUNCATED_MESSAGE);
    mt_assert_err(raw_invoke(t, MICA_TCB_SET_IPC_BUFFER, 1, 1, mr), MICA_NO_ERROR);
}

/* --- SetPriority / SetMCPriority / SetSchedParams --------------------------------- */

ROOT_TEST(set_priority_changes_the_priority)
{
    mica_cptr_t t = new_thread(10);
    ck_assert_uint_eq(tcb_of(t)->priority, 10);
    /* The digest sees a successful change (so ASSERT_FAILS means something). */
    uint64_t d = mt_kernel_digest();
    mt_assert_err(mica_tcb_set_priority(t, MICA_CAP_INIT_TCB, 200), MICA_NO_ERROR);
    ck_assert_uint_ne(mt_kernel_digest(), d);
    ck_assert_uint_eq(tcb_of(t)->priority, 200);
    mt_assert_err(mica_tcb_set_priority(t, MICA_CAP_INIT_TCB, 0), MICA_NO_ERROR);
    ck_assert_uint_eq(tcb_of(t)->priority, 0);
    mt_assert_err(mica_tcb_set_priority(t, MICA_CAP_INIT_TCB, MICA_MAX_PRIO), MICA_NO_ERROR);
    ck_assert_uint_eq(tcb_of(t)->priority, MICA_MAX_PRIO);
}

ROOT_TEST(set_priority_above_the_authority_mcp_is_a_range_error)
{
    mica_cptr_t t = new_thread(10);
    mica_cptr_t auth = new_thread(10);
    mt_assert_err(mica_tcb_set_mc_priority(auth, MICA_CAP_INIT_TCB, 50), MICA_NO_ERROR);
    ASSERT_RANGE_ERROR(mica_tcb_set_priority(t, auth, 51), 0, 50);
    ASSERT_RANGE_ERROR(mica_tcb_set_priority(t, auth, 255), 0, 50);
    ck_assert_uint_eq(tcb_of(t)->priority, 10);
    mt_assert_err(mica_tcb_set_priority(t, auth, 50), MICA_NO_ERROR);
    ck_assert_uint_eq(tcb_of(t)->priority, 50);
    /* The root's MCP is 255: 256 is out of range. */
    ASSERT_RANGE_ERROR(mica_tcb_set_priority(t, MICA_CAP_INIT_TCB, 256), 0, 255);
    ASSERT_RANGE_ERROR(mica_tcb_set_priority(t, MICA_CAP_INIT_TCB, ~0ul), 0, 255);
}

ROOT_TEST(set_priority_with_an_authority_that_is_not_a_tcb_is_an_invalid_capability)
{
    mica_cptr_t t = new_thread(10);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    ASSERT_INVALID_CAP(mica_tcb_set_priority(t, ep, 5), 1);
    ASSERT_INVALID_CAP(mica_tcb_set_priority(t, MICA_CAP_NULL, 5), 1);
    ASSERT_INVALID_CAP(mica_tcb_set_priority(t, CNODE, 5), 1);
    /* The authority is checked before the priority. */
    ASSERT_INVALID_CAP(mica_tcb_set_priority(t, ep, 1000), 1);
}

ROOT_TEST(set_priority_invoked_on_a_cap_that_is_not_a_tcb_fails)
{
    mt_assert_fails(mica_tcb_set_priority(CNODE, MICA_CAP_INIT_TCB, 5), MICA_ILLEGAL_OPERATION);
    ASSERT_INVALID_CAP(mica_tcb_set_priority(MICA_CAP_NULL, MICA_CAP_INIT_TCB, 5), 0);
}

static mica_word_t auth_errors[8];

static void set_prio_with_authorities(mica_word_t self, mica_word_t other, mica_word_t a2,
                                      mica_word_t a3)
{
    (void)a2; (void)a3;
    /* Any TCB cap is an authority, not only the caller's or the target's. */
    auth_errors[0] = mica_tcb_set_priority(other, MICA_CAP_INIT_TCB, 77);
    /* Our own MCP is 0 (a new TCB's): only priority 0 is allowed with it. */
    auth_errors[1] = mica_tcb_set_priority(other, self, 1);
    auth_errors[2] = mica_get_mr(0);
    auth_errors[3] = mica_get_mr(1);
    auth_errors[4] = mica_tcb_set_priority(self, self, 0);
}

ROOT_TEST(set_priority_accepts_any_tcb_as_authority)
{
    mica_cptr_t t = new_thread(100);
    mica_cptr_t other = new_thread(10);
    start(t, set_prio_with_authorities, t, other, 0, 0);
    run_others();
    ck_assert_uint_eq(auth_errors[0], MICA_NO_ERROR);
    ck_assert_uint_eq(tcb_of(other)->priority, 77);
    ck_assert_uint_eq(auth_errors[1], MICA_RANGE_ERROR);
    ck_assert_uint_eq(auth_errors[2], 0);
    ck_assert_uint_eq(auth_errors[3], 0);
    ck_assert_uint_eq(auth_errors[4], MICA_NO_ERROR);
    ck_assert_uint_eq(tcb_of(t)->priority, 0);
}

ROOT_TEST(set_priority_with_a_short_message_is_truncated)
{
    mica_cptr_t t = new_thread(10);
    mica_word_t mr[1] = { 5 };
    mica_set_cap(0, MICA_CAP_INIT_TCB);
    mt_assert_fails(raw_invoke(t, MICA_TCB_SET_PRIORITY, 1, 0, mr), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_invoke(t, MICA_TCB_SET_PRIORITY, 0, 1, mr), MICA_TRUNCATED_MESSAGE);
    mt_assert_err(raw_invoke(t, MICA_TCB_SET_PRIORITY, 1, 1, mr), MICA_NO_ERROR);
    ck_assert_uint_eq(tcb_of(t)->priority, 5);
}

ROOT_TEST(set_mc_priority_bounds_what_the_tcb_can_grant)
{
    mica_cptr_t t = new_thread(10);
    mica_cptr_t auth = mt_make(MICA_TCB_OBJECT, 0);
    /* A new TCB has MCP 0. */
    ASSERT_RANGE_ERROR(mica_tcb_set_priority(t, auth, 1), 0, 0);
    mt_assert_err(mica_tcb_set_priority(t, auth, 0), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_mc_priority(auth, MICA_CAP_INIT_TCB, 100), MICA_NO_ERROR);
    ck_assert_uint_eq(tcb_of(auth)->mcp, 100);
    mt_assert_err(mica_tcb_set_priority(t, auth, 100), MICA_NO_ERROR);
    ASSERT_RANGE_ERROR(mica_tcb_set_priority(t, auth, 101), 0, 100);
    /* The MCP limits SetMCPriority with that authority too. */
    ASSERT_RANGE_ERROR(mica_tcb_set_mc_priority(t, auth, 101), 0, 100);
    mt_assert_err(mica_tcb_set_mc_priority(t, auth, 100), MICA_NO_ERROR);
    ck_assert_uint_eq(tcb_of(t)->mcp, 100);
}

ROOT_TEST(set_mc_priority_errors)
{
    mica_cptr_t t = new_thread(10);
    mica_cptr_t nt = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    ASSERT_RANGE_ERROR(mica_tcb_set_mc_priority(t, MICA_CAP_INIT_TCB, 256), 0, 255);
    ASSERT_INVALID_CAP(mica_tcb_set_mc_priority(t, nt, 5), 1);
    ASSERT_INVALID_CAP(mica_tcb_set_mc_priority(t, MICA_CAP_NULL, 5), 1);
    mica_word_t mr[1] = { 5 };
    mica_set_cap(0, MICA_CAP_INIT_TCB);
    mt_assert_fails(raw_invoke(t, MICA_TCB_SET_MC_PRIORITY, 1, 0, mr), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_invoke(t, MICA_TCB_SET_MC_PRIORITY, 0, 1, mr), MICA_TRUNCATED_MESSAGE);
    ck_assert_uint_eq(tcb_of(t)->mcp, 0);
}

ROOT_TEST(set_sched_params_sets_mcp_and_priority)
{
    mica_cptr_t t = new_thread(10);
    mt_assert_err(mica_tcb_set_sched_params(t, MICA_CAP_INIT_TCB, 80, 60), MICA_NO_ERROR);
    ck_assert_uint_eq(tcb_of(t)->mcp, 80);
    ck_assert_uint_eq(tcb_of(t)->priority, 60);
    mica_cptr_t u = new_thread(10);
    mt_assert_err(mica_tcb_set_priority(u, t, 80), MICA_NO_ERROR);
    ASSERT_RANGE_ERROR(mica_tcb_set_priority(u, t, 81), 0, 80);
}

ROOT_TEST(set_sched_params_errors)
{
    mica_cptr_t t = new_thread(10);
    mica_cptr_t auth = new_thread(10);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_assert_err(mica_tcb_set_mc_priority(auth, MICA_CAP_INIT_TCB, 30), MICA_NO_ERROR);
    /* Either value above the authority's MCP. */
    ASSERT_RANGE_ERROR(mica_tcb_set_sched_params(t, auth, 31, 5), 0, 30);
    ASSERT_RANGE_ERROR(mica_tcb_set_sched_params(t, auth, 5, 31), 0, 30);
    ASSERT_INVALID_CAP(mica_tcb_set_sched_params(t, ep, 5, 5), 1);
    mica_word_t mr[2] = { 5, 5 };
    mica_set_cap(0, auth);
    mt_assert_fails(raw_invoke(t, MICA_TCB_SET_SCHED_PARAMS, 1, 1, mr), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_invoke(t, MICA_TCB_SET_SCHED_PARAMS, 0, 2, mr), MICA_TRUNCATED_MESSAGE);
    mt_assert_err(raw_invoke(t, MICA_TCB_SET_SCHED_PARAMS, 1, 2, mr), MICA_NO_ERROR);
    ck_assert_uint_eq(tcb_of(t)->mcp, 5);
    ck_assert_uint_eq(tcb_of(t)->priority, 5);
}

/* --- ReadRegisters / WriteRegisters / CopyRegisters ----------------------------------- */

static mica_user_context_t sample_regs(mica_word_t base)
{
    mica_user_context_t r;
    mica_word_t *w = (mica_word_t *)&r;
    for (unsigned i = 0; i < MICA_USER_CONTEXT_WORDS; i++)
        w[i] = base + i;
    return r;
}

ROOT_TEST(read_registers_returns_what_write_registers_wrote)
{
    mica_cptr_t t = new_thread(10);
    mica_user_context_t in = sample_regs(0x1000), out;
    mt_assert_err(mica_tcb_write_registers(t, false, 0, MICA_USER_CONTEXT_WORDS, &in),
                  MICA_NO_ERROR);
    memset(&out, 0, sizeof out);
    mt_assert_err(mica_tcb_read_registers(t, false, 0, MICA_USER_CONTEXT_WORDS, &out),
                  MICA_NO_ERROR);
    ck_assert_mem_eq(&in, &out, sizeof in);
    /* Without resume_target the thread is not started. */
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
}

ROOT_TEST(read_registers_returns_only_count_words)
{
    mica_cptr_t t = new_thread(10);
    mica_user_context_t in = sample_regs(0x2000), out;
    mt_assert_err(mica_tcb_write_registers(t, false, 0, MICA_USER_CONTEXT_WORDS, &in),
                  MICA_NO_ERROR);
    for (mica_word_t n = 1; n <= MICA_USER_CONTEXT_WORDS; n++) {
        memset(&out, 0xab, sizeof out);
        mt_assert_err(mica_tcb_read_registers(t, false, 0, n, &out), MICA_NO_ERROR);
        const mica_word_t *o = (const mica_word_t *)&out, *i = (const mica_word_t *)&in;
        for (mica_word_t k = 0; k < MICA_USER_CONTEXT_WORDS; k++)
            ck_assert_uint_eq(o[k], k < n ? i[k] : 0xababababababababul);
    }
}

ROOT_TEST(read_registers_of_oneself_is_illegal)
{
    mica_user_context_t r;
    mt_assert_fails(mica_tcb_read_registers(MICA_CAP_INIT_TCB, false, 0, 1, &r),
                 MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_read_registers(MICA_CAP_INIT_TCB, true, 0, MICA_USER_CONTEXT_WORDS, &r),
                 MICA_ILLEGAL_OPERATION);
}

ROOT_TEST(read_registers_count_must_be_1_to_11)
{
    mica_cptr_t t = new_thread(10);
    mica_user_context_t r;
    ASSERT_RANGE_ERROR(mica_tcb_read_registers(t, false, 0, 0, &r), 1, 11);
    ASSERT_RANGE_ERROR(mica_tcb_read_registers(t, false, 0, 12, &r), 1, 11);
    ASSERT_RANGE_ERROR(mica_tcb_read_registers(t, true, 0, 1000, &r), 1, 11);
    /* The count is checked before the target: reading oneself with count 0. */
    ASSERT_RANGE_ERROR(mica_tcb_read_registers(MICA_CAP_INIT_TCB, false, 0, 0, &r), 1, 11);
}

ROOT_TEST(read_registers_with_a_short_message_is_truncated)
{
    mica_cptr_t t = new_thread(10);
    mica_word_t mr[2] = { 0, 1 };
    mt_assert_fails(raw_invoke(t, MICA_TCB_READ_REGISTERS, 0, 1, mr), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_invoke(t, MICA_TCB_READ_REGISTERS, 0, 0, mr), MICA_TRUNCATED_MESSAGE);
}

ROOT_TEST(read_registers_with_suspend_source_suspends_the_target)
{
    reset_seen();
    mica_cptr_t t = new_thread(10);
    start(t, record_a0, 1, 0, 0, 0);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_RESTART);
    mica_user_context_t r;
    mt_assert_err(mica_tcb_read_registers(t, true, 0, 3, &r), MICA_NO_ERROR);
    ck_assert_uint_eq(r.pc, (mica_word_t)record_a0);
    ck_assert_uint_eq(r.r0, 1);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
    run_others();
    ck_assert_int_eq(seen_count, 0);
}

ROOT_TEST(write_registers_without_resume_does_not_start_the_thread)
{
    reset_seen();
    mica_cptr_t t = new_thread(10);
    mica_user_context_t r = regs_for(record_a0, 1, 0, 0, 0);
    mt_assert_err(mica_tcb_write_registers(t, false, 0, MICA_USER_CONTEXT_WORDS, &r),
                  MICA_NO_ERROR);
    run_others();
    ck_assert_int_eq(seen_count, 0);
    mt_assert_err(mica_tcb_resume(t), MICA_NO_ERROR);
    run_others();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_uint_eq(seen[0], 1);
}

ROOT_TEST(write_registers_of_oneself_is_illegal)
{
    mica_user_context_t r = sample_regs(0);
    mt_assert_fails(mica_tcb_write_registers(MICA_CAP_INIT_TCB, false, 0, 1, &r),
                 MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_write_registers(MICA_CAP_INIT_TCB, true, 0, MICA_USER_CONTEXT_WORDS, &r),
                 MICA_ILLEGAL_OPERATION);
}

ROOT_TEST(write_registers_with_fewer_words_than_count_is_truncated)
{
    mica_cptr_t t = new_thread(10);
    mica_word_t mr[16] = { 0, 5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };
    mt_assert_fails(raw_invoke(t, MICA_TCB_WRITE_REGISTERS, 0, 1, mr), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_invoke(t, MICA_TCB_WRITE_REGISTERS, 0, 6, mr), MICA_TRUNCATED_MESSAGE);
    mt_assert_err(raw_invoke(t, MICA_TCB_WRITE_REGISTERS, 0, 7, mr), MICA_NO_ERROR);
    mica_user_context_t r;
    mt_assert_err(mica_tcb_read_registers(t, false, 0, 6, &r), MICA_NO_ERROR);
    ck_assert_uint_eq(r.pc, 1);
    ck_assert_uint_eq(r.r2, 5);
    ck_assert_uint_eq(r.r3, 0);     /* beyond count: untouched */
}

ROOT_TEST(write_registers_count_beyond_the_register_file_is_clipped)
{
    mica_cptr_t t = new_thread(10);
    mica_word_t mr[2 + 20];
    mr[0] = 0;
    mr[1] = 20;
    for (unsigned i = 0; i < 20; i++)
        mr[2 + i] = 0x100 + i;
    mt_assert_err(raw_invoke(t, MICA_TCB_WRITE_REGISTERS, 0, 22, mr), MICA_NO_ERROR);
    mica_user_context_t r;
    mt_assert_err(mica_tcb_read_registers(t, false, 0, MICA_USER_CONTEXT_WORDS, &r),
                  MICA_NO_ERROR);
    const mica_word_t *w = (const mica_word_t *)&r;
    for (unsigned i = 0; i < MICA_USER_CONTEXT_WORDS; i++)
        ck_assert_uint_eq(w[i], 0x100 + i);
}

ROOT_TEST(copy_registers_copies_the_frame_registers_and_resumes_the_target)
{
    reset_seen();
    mica_cptr_t src = new_thread(10), dst = new_thread(10);
    mica_user_context_t in = regs_for(record_args, 9, 8, 7, 6), out;
    in.sp = 0;
    in.r7 = 0x77;
    in.tls = 0x1234;
    mt_assert_err(mica_tcb_write_registers(src, false, 0, MICA_USER_CONTEXT_WORDS, &in),
                  MICA_NO_ERROR);
    mt_assert_err(mica_tcb_copy_registers(dst, src, false, true, true, false, 0), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_read_registers(dst, false, 0, MICA_USER_CONTEXT_WORDS, &out),
                  MICA_NO_ERROR);
    ck_assert_uint_eq(out.pc, in.pc);
    ck_assert_uint_eq(out.r0, 9);
    ck_assert_uint_eq(out.r3, 6);
    ck_assert_uint_eq(out.r7, 0x77);
    ck_assert_uint_eq(out.tls, 0);      /* tls is not a frame register */
    ck_assert_uint_eq(mt_thread_state(dst), MICA_THREAD_RESTART);
    ck_assert_uint_eq(mt_thread_state(src), MICA_THREAD_INACTIVE);
    run_others();
    /* The copy started at the source's entry with its arguments; the source never ran. */
    ck_assert_int_eq(seen_count, 4);
    ck_assert_uint_eq(seen[0], 9);
    ck_assert_uint_eq(seen[3], 6);
}

ROOT_TEST(copy_registers_transfer_integer_copies_only_tls)
{
    mica_cptr_t src = new_thread(10), dst = new_thread(10);
    mica_user_context_t a = sample_regs(0x100), b = sample_regs(0x900), out;
    mt_assert_err(mica_tcb_write_registers(src, false, 0, MICA_USER_CONTEXT_WORDS, &a),
                  MICA_NO_ERROR);
    mt_assert_err(mica_tcb_write_registers(dst, false, 0, MICA_USER_CONTEXT_WORDS, &b),
                  MICA_NO_ERROR);
    mt_assert_err(mica_tcb_copy_registers(dst, src, false, false, false, true, 0), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_read_registers(dst, false, 0, MICA_USER_CONTEXT_WORDS, &out),
                  MICA_NO_ERROR);
    ck_assert_uint_eq(out.pc, b.pc);
    ck_assert_uint_eq(out.r7, b.r7);
    ck_assert_uint_eq(out.tls, a.tls);
    /* Neither flag for suspend nor resume: states unchanged. */
    ck_assert_uint_eq(mt_thread_state(dst), MICA_THREAD_INACTIVE);
    /* Nothing transferred: no change to the registers. */
    mt_assert_err(mica_tcb_copy_registers(src, dst, false, false, false, false, 0), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_read_registers(src, false, 0, MICA_USER_CONTEXT_WORDS, &out),
                  MICA_NO_ERROR);
    ck_assert_mem_eq(&out, &a, sizeof a);
}

ROOT_TEST(copy_registers_with_suspend_source_suspends_the_source)
{
    reset_seen();
    mica_cptr_t src = new_thread(10), dst = new_thread(10);
    start(src, record_a0, 3, 0, 0, 0);
    ck_assert_uint_eq(mt_thread_state(src), MICA_THREAD_RESTART);
    mt_assert_err(mica_tcb_copy_registers(dst, src, true, false, true, true, 0), MICA_NO_ERROR);
    ck_assert_uint_eq(mt_thread_state(src), MICA_THREAD_INACTIVE);
    ck_assert_uint_eq(mt_thread_state(dst), MICA_THREAD_INACTIVE);
    run_others();
    ck_assert_int_eq(seen_count, 0);
    mt_assert_err(mica_tcb_resume(dst), MICA_NO_ERROR);
    run_others();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_uint_eq(seen[0], 3);
}

ROOT_TEST(copy_registers_from_a_cap_that_is_not_a_tcb_is_an_invalid_capability)
{
    mica_cptr_t dst = new_thread(10);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    ASSERT_INVALID_CAP(mica_tcb_copy_registers(dst, ep, true, true, true, true, 0), 1);
    ASSERT_INVALID_CAP(mica_tcb_copy_registers(dst, MICA_CAP_NULL, false, true, true, false, 0), 1);
}

ROOT_TEST(copy_registers_with_a_short_message_is_truncated)
{
    mica_cptr_t src = new_thread(10), dst = new_thread(10);
    mica_word_t mr[1] = { 4 };
    mica_set_cap(0, src);
    mt_assert_fails(raw_invoke(dst, MICA_TCB_COPY_REGISTERS, 1, 0, mr), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_invoke(dst, MICA_TCB_COPY_REGISTERS, 0, 1, mr), MICA_TRUNCATED_MESSAGE);
    mt_assert_err(raw_invoke(dst, MICA_TCB_COPY_REGISTERS, 1, 1, mr), MICA_NO_ERROR);
}

/* --- Resume / Suspend -------------------------------------------------------------- */

ROOT_TEST(resume_of_a_ready_thread_or_oneself_changes_nothing)
{
    mica_cptr_t t = new_thread(10);
    start(t, record_a0, 0, 0, 0, 0);
    uint64_t d = mt_kernel_digest();
    mt_assert_err(mica_tcb_resume(t), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_resume(MICA_CAP_INIT_TCB), MICA_NO_ERROR);
    ck_assert_uint_eq(mt_kernel_digest(), d);
}

static mica_word_t recv_count, recv_mr0;

static void receive_forever(mica_word_t ep, mica_word_t a1, mica_word_t a2, mica_word_t a3)
{
    (void)a1; (void)a2; (void)a3;
    for (;;) {
        mica_word_t mr0 = 0;
        mica_recv_with_mrs(ep, NULL, &mr0, NULL, NULL, NULL);
        recv_mr0 = mr0;
        recv_count++;
    }
}

ROOT_TEST(resume_of_a_thread_blocked_in_recv_restarts_the_recv)
{
    recv_count = 0;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t t = new_thread(100);
    start(t, receive_forever, ep, 0, 0, 0);
    set_my_prio(50);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_RECEIVE);
    /* Resume cancels the IPC and restarts the system call: it waits again. */
    mt_assert_err(mica_tcb_resume(t), MICA_NO_ERROR);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_RECEIVE);
    ck_assert_uint_eq(recv_count, 0);
    mica_word_t v = 42;
    mica_send_with_mrs(ep, mica_msginfo_new(0, 0, 0, 1), &v, NULL, NULL, NULL);
    ck_assert_uint_eq(recv_count, 1);
    ck_assert_uint_eq(recv_mr0, 42);
}

ROOT_TEST(resume_of_a_suspended_thread_that_never_ran_starts_it)
{
    reset_seen();
    mica_cptr_t t = new_thread(10);
    start(t, record_a0, 5, 0, 0, 0);
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
    run_others();
    ck_assert_int_eq(seen_count, 0);
    mt_assert_err(mica_tcb_resume(t), MICA_NO_ERROR);
    run_others();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_uint_eq(seen[0], 5);
}

/*
 * The host's limit on threads (mica_config_t.max_threads): the invocation
 * that would start one more thread than it allows fails with
 * NotEnoughMemory and changes nothing; a destroyed TCB gives its context back.
 */
static void context_limit_task(const mica_bootinfo_t *bi)
{
    (void)bi;
    reset_seen();
    mica_cptr_t t[4];
    for (int i = 0; i < 4; i++)
        t[i] = new_thread(10);
    /* The root has one of the 3 contexts; two threads take the others (and exit). */
    start(t[0], record_a0, 1, 0, 0, 0);
    start(t[1], record_a0, 2, 0, 0, 0);
    run_others();
    ck_assert_int_eq(seen_count, 2);
    mica_user_context_t r = regs_for(record_a0, 3, 0, 0, 0);
    mt_assert_fails(mica_tcb_write_registers(t[2], true, 0, MICA_USER_CONTEXT_WORDS, &r),
                    MICA_NOT_ENOUGH_MEMORY);
    mt_assert_fails(mica_tcb_resume(t[2]), MICA_NOT_ENOUGH_MEMORY);
    mt_assert_fails(mica_tcb_copy_registers(t[2], t[0], false, true, true, false, 0),
                    MICA_NOT_ENOUGH_MEMORY);
    /* Without resume nothing needs a context. */
    mt_assert_err(mica_tcb_write_registers(t[2], false, 0, MICA_USER_CONTEXT_WORDS, &r),
                  MICA_NO_ERROR);
    ck_assert_uint_eq(mt_thread_state(t[2]), MICA_THREAD_INACTIVE);
    /* An exited thread keeps its context until its TCB goes. */
    mt_assert_err(mica_cnode_delete(CNODE, t[0], DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_resume(t[2]), MICA_NO_ERROR);
    mt_assert_fails(mica_tcb_resume(t[3]), MICA_NOT_ENOUGH_MEMORY);
    run_others();
    ck_assert_int_eq(seen_count, 3);
    ck_assert_uint_eq(seen[2], 3);
}

START_TEST(starting_more_threads_than_max_threads_is_not_enough_memory)
{
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.max_threads = 3;
    mica_run_result_t r = mt_run_cfg(&cfg, context_limit_task);
    ck_assert_msg(r.reason == MICA_STOP_IDLE, "%s", r.message);
}
END_TEST

/* Endpoint internals: queue head (TCB paddr) and state. */
static paddr_t ep_head(mica_cptr_t ep)
{
    return ((endpoint_t *)paddr_to_ptr(obj_of(ep)))->head_state & ~3ull;
}

static word_t ep_state_of(mica_cptr_t ep)
{
    return ((endpoint_t *)paddr_to_ptr(obj_of(ep)))->head_state & 3ull;
}

static mica_word_t got[4];

static void receive_once(mica_word_t ep, mica_word_t idx, mica_word_t a2, mica_word_t a3)
{
    (void)a2; (void)a3;
    mica_word_t mr0 = 0;
    mica_recv_with_mrs(ep, NULL, &mr0, NULL, NULL, NULL);
    got[idx] = mr0;
}

ROOT_TEST(suspend_removes_a_receiver_from_the_endpoint_queue)
{
    got[0] = got[1] = 0;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t r0 = new_thread(100), r1 = new_thread(100);
    start(r0, receive_once, ep, 0, 0, 0);
    run_others();
    start(r1, receive_once, ep, 1, 0, 0);
    run_others();
    ck_assert_uint_eq(ep_state_of(ep), EP_RECV);
    ck_assert_uint_eq(ep_head(ep), obj_of(r0));
    mt_assert_err(mica_tcb_suspend(r0), MICA_NO_ERROR);
    ck_assert_uint_eq(mt_thread_state(r0), MICA_THREAD_INACTIVE);
    ck_assert_uint_eq(ep_head(ep), obj_of(r1));
    /* The message goes to the remaining receiver. */
    mica_word_t v = 7;
    mica_send_with_mrs(ep, mica_msginfo_new(0, 0, 0, 1), &v, NULL, NULL, NULL);
    run_others();
    ck_assert_uint_eq(got[0], 0);
    ck_assert_uint_eq(got[1], 7);
    ck_assert_uint_eq(ep_state_of(ep), EP_IDLE);
}

ROOT_TEST(suspend_of_the_only_receiver_leaves_the_endpoint_idle)
{
    got[0] = 0;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t r = new_thread(100);
    start(r, receive_once, ep, 0, 0, 0);
    run_others();
    mt_assert_err(mica_tcb_suspend(r), MICA_NO_ERROR);
    ck_assert_uint_eq(ep_state_of(ep), EP_IDLE);
    ck_assert_uint_eq(ep_head(ep), 0);
    /* NBSend finds no receiver: the message is dropped. */
    mica_word_t v = 9;
    mica_nbsend_with_mrs(ep, mica_msginfo_new(0, 0, 0, 1), &v, NULL, NULL, NULL);
    run_others();
    ck_assert_uint_eq(got[0], 0);
}

static void send_once(mica_word_t ep, mica_word_t v, mica_word_t a2, mica_word_t a3)
{
    (void)a2; (void)a3;
    mica_send_with_mrs(ep, mica_msginfo_new(0, 0, 0, 1), &v, NULL, NULL, NULL);
    note(v);
}

ROOT_TEST(suspend_removes_a_sender_from_the_endpoint_queue)
{
    reset_seen();
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t s = new_thread(100);
    start(s, send_once, ep, 5, 0, 0);
    run_others();
    ck_assert_uint_eq(mt_thread_state(s), MICA_THREAD_BLOCKED_ON_SEND);
    ck_assert_uint_eq(ep_state_of(ep), EP_SEND);
    mt_assert_err(mica_tcb_suspend(s), MICA_NO_ERROR);
    ck_assert_uint_eq(ep_state_of(ep), EP_IDLE);
    mica_word_t badge = 1;
    mica_msginfo_t info = mica_nbrecv(ep, &badge);
    ck_assert_uint_eq(info.words[0], 0);
    ck_assert_uint_eq(badge, 0);
    ck_assert_int_eq(seen_count, 0);
}

static void wait_once(mica_word_t ntfn, mica_word_t a1, mica_word_t a2, mica_word_t a3)
{
    (void)a1; (void)a2; (void)a3;
    mica_word_t badge = 0;
    mica_wait(ntfn, &badge);
    note(badge);
}

ROOT_TEST(suspend_removes_a_waiter_from_the_notification)
{
    reset_seen();
    mica_cptr_t nt = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t w = new_thread(100);
    start(w, wait_once, nt, 0, 0, 0);
    run_others();
    ck_assert_uint_eq(mt_thread_state(w), MICA_THREAD_BLOCKED_ON_NOTIFICATION);
    mt_assert_err(mica_tcb_suspend(w), MICA_NO_ERROR);
    ck_assert_uint_eq(((notification_t *)paddr_to_ptr(obj_of(nt)))->head_state & ~3ull, 0);
    mica_cptr_t badged = mt_slot();
    mt_assert_err(mica_cnode_mint(CNODE, badged, DEPTH, CNODE, nt, DEPTH, MICA_ALL_RIGHTS, 0x30),
                  MICA_NO_ERROR);
    mica_signal(badged);
    run_others();
    ck_assert_int_eq(seen_count, 0);
    /* The signal stayed pending in the notification. */
    mica_word_t badge = 0;
    mica_poll(nt, &badge);
    ck_assert_uint_eq(badge, 0x30);
}

static void call_once(mica_word_t ep, mica_word_t a1, mica_word_t a2, mica_word_t a3)
{
    (void)a1; (void)a2; (void)a3;
    note(1);
    mica_call(ep, mica_msginfo_new(0, 0, 0, 0));
    note(2);
}

/* sel4test IPC0010: suspend a thread in the middle of a Call. */
ROOT_TEST(suspend_of_a_caller_waiting_for_its_reply_cancels_the_reply_IPC0010)
{
    reset_seen();
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t c = new_thread(100);
    start(c, call_once, ep, 0, 0, 0);
    set_my_prio(50);
    mica_recv(ep, NULL);
    ck_assert_uint_eq(mt_thread_state(c), MICA_THREAD_BLOCKED_ON_REPLY);
    ck_assert_int_eq(((cte_t *)paddr_to_ptr(ks.root_tcb))[TCB_CALLER].cap.type,
                     MICA_CAP_TYPE_REPLY);
    mt_assert_err(mica_tcb_suspend(c), MICA_NO_ERROR);
    ck_assert_uint_eq(mt_thread_state(c), MICA_THREAD_INACTIVE);
    /* The reply cap is gone: the reply goes nowhere. */
    ck_assert_int_eq(((cte_t *)paddr_to_ptr(ks.root_tcb))[TCB_CALLER].cap.type,
                     MICA_CAP_TYPE_NULL);
    mica_reply(mica_msginfo_new(0, 0, 0, 0));
    ck_assert_uint_eq(mt_thread_state(c), MICA_THREAD_INACTIVE);
    ck_assert_int_eq(seen_count, 1);
}

static void suspend_self(mica_word_t self, mica_word_t a1, mica_word_t a2, mica_word_t a3)
{
    (void)a1; (void)a2; (void)a3;
    note(1);
    mica_tcb_suspend(self);
    note(2);
}

ROOT_TEST(a_thread_can_suspend_itself)
{
    reset_seen();
    mica_cptr_t t = new_thread(100);
    start(t, suspend_self, t, 0, 0, 0);
    run_others();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
}

ROOT_TEST(suspend_of_a_ready_thread_keeps_it_from_running)
{
    reset_seen();
    mica_cptr_t t = new_thread(100);
    start(t, record_a0, 1, 0, 0, 0);
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
    ck_assert(!(tcb_of(t)->flags & TCB_FLAG_QUEUED));
    run_others();
    ck_assert_int_eq(seen_count, 0);
    /* Suspending an inactive thread again is harmless. */
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
}

/* --- BindNotification / UnbindNotification ---------------------------------------- */

static void recv_badge(mica_word_t ep, mica_word_t a1, mica_word_t a2, mica_word_t a3)
{
    (void)a1; (void)a2; (void)a3;
    mica_word_t badge = 0;
    mica_recv(ep, &badge);
    note(badge);
}

/* sel4test BIND0001 in brief: a bound thread waiting on an endpoint gets the signal. */
ROOT_TEST(bind_notification_delivers_signals_to_a_thread_waiting_on_an_endpoint)
{
    reset_seen();
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t nt = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t t = new_thread(100);
    mt_assert_err(mica_tcb_bind_notification(t, nt), MICA_NO_ERROR);
    ck_assert_uint_eq(tcb_of(t)->bound_notification, obj_of(nt));
    ck_assert_uint_eq(((notification_t *)paddr_to_ptr(obj_of(nt)))->bound_tcb, obj_of(t));
    start(t, recv_badge, ep, 0, 0, 0);
    run_others();
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_RECEIVE);
    mica_cptr_t badged = mt_slot();
    mt_assert_err(mica_cnode_mint(CNODE, badged, DEPTH, CNODE, nt, DEPTH, MICA_ALL_RIGHTS, 0x5),
                  MICA_NO_ERROR);
    mica_signal(badged);
    run_others();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_uint_eq(seen[0], 0x5);
}

ROOT_TEST(bind_notification_to_a_bound_tcb_is_illegal)
{
    mica_cptr_t t = new_thread(10);
    mica_cptr_t n1 = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t n2 = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mt_assert_err(mica_tcb_bind_notification(t, n1), MICA_NO_ERROR);
    mt_assert_fails(mica_tcb_bind_notification(t, n2), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_bind_notification(t, n1), MICA_ILLEGAL_OPERATION);
}

ROOT_TEST(bind_notification_already_bound_to_another_tcb_is_illegal)
{
    mica_cptr_t t = new_thread(10), u = new_thread(10);
    mica_cptr_t nt = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mt_assert_err(mica_tcb_bind_notification(t, nt), MICA_NO_ERROR);
    mt_assert_fails(mica_tcb_bind_notification(u, nt), MICA_ILLEGAL_OPERATION);
}

ROOT_TEST(bind_notification_with_waiters_is_illegal)
{
    reset_seen();
    mica_cptr_t nt = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t w = new_thread(100), t = new_thread(10);
    start(w, wait_once, nt, 0, 0, 0);
    run_others();
    mt_assert_fails(mica_tcb_bind_notification(t, nt), MICA_ILLEGAL_OPERATION);
    mica_signal(nt);
}

ROOT_TEST(bind_notification_needs_a_notification_cap_with_read)
{
    mica_cptr_t t = new_thread(10);
    mica_cptr_t nt = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t write_only = copy_of(nt, MICA_CAN_WRITE);
    mt_assert_fails(mica_tcb_bind_notification(t, ep), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_bind_notification(t, MICA_CAP_NULL), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_bind_notification(t, write_only), MICA_ILLEGAL_OPERATION);
    mica_cptr_t read_only = copy_of(nt, MICA_CAN_READ);
    mt_assert_err(mica_tcb_bind_notification(t, read_only), MICA_NO_ERROR);
}

ROOT_TEST(bind_notification_without_the_cap_is_truncated)
{
    mica_cptr_t t = new_thread(10);
    mica_word_t mr[1] = { 0 };
    mt_assert_fails(raw_invoke(t, MICA_TCB_BIND_NOTIFICATION, 0, 0, mr), MICA_TRUNCATED_MESSAGE);
}

ROOT_TEST(unbind_notification_frees_the_notification_for_another_tcb)
{
    mica_cptr_t t = new_thread(10), u = new_thread(10);
    mica_cptr_t nt = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mt_assert_err(mica_tcb_bind_notification(t, nt), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_unbind_notification(t), MICA_NO_ERROR);
    ck_assert_uint_eq(tcb_of(t)->bound_notification, 0);
    ck_assert_uint_eq(((notification_t *)paddr_to_ptr(obj_of(nt)))->bound_tcb, 0);
    mt_assert_err(mica_tcb_bind_notification(u, nt), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_bind_notification(t, mt_make(MICA_NOTIFICATION_OBJECT, 0)),
                  MICA_NO_ERROR);
}

ROOT_TEST(unbind_notification_of_an_unbound_tcb_is_illegal)
{
    mica_cptr_t t = new_thread(10);
    mt_assert_fails(mica_tcb_unbind_notification(t), MICA_ILLEGAL_OPERATION);
    mica_cptr_t nt = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mt_assert_err(mica_tcb_bind_notification(t, nt), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_unbind_notification(t), MICA_NO_ERROR);
    mt_assert_fails(mica_tcb_unbind_notification(t), MICA_ILLEGAL_OPERATION);
}

/* --- SetAffinity / SetTLSBase / labels ------------------------------------------------ */

ROOT_TEST(set_affinity_to_cpu_0_succeeds)
{
    mica_cptr_t t = new_thread(10);
    mt_assert_err(mica_tcb_set_affinity(t, 0), MICA_NO_ERROR);
    ck_assert_uint_eq(tcb_of(t)->affinity, 0);
    mt_assert_err(mica_tcb_set_affinity(MICA_CAP_INIT_TCB, 0), MICA_NO_ERROR);
}

ROOT_TEST(set_affinity_to_a_cpu_that_does_not_exist_is_illegal)
{
    mica_cptr_t t = new_thread(10);
    ck_assert_uint_eq(bi->num_nodes, 1);
    mt_assert_fails(mica_tcb_set_affinity(t, 1), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_set_affinity(t, 64), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_tcb_set_affinity(t, ~0ul), MICA_ILLEGAL_OPERATION);
}

ROOT_TEST(set_affinity_with_a_short_message_is_truncated)
{
    mica_cptr_t t = new_thread(10);
    mica_word_t mr[1] = { 0 };
    mt_assert_fails(raw_invoke(t, MICA_TCB_SET_AFFINITY, 0, 0, mr), MICA_TRUNCATED_MESSAGE);
}

ROOT_TEST(set_tls_base_sets_the_tls_register)
{
    mica_cptr_t t = new_thread(10);
    mt_assert_err(mica_tcb_set_tls_base(t, 0xabcdef), MICA_NO_ERROR);
    mica_user_context_t r;
    mt_assert_err(mica_tcb_read_registers(t, false, 0, MICA_USER_CONTEXT_WORDS, &r),
                  MICA_NO_ERROR);
    ck_assert_uint_eq(r.tls, 0xabcdef);
    ck_assert_uint_eq(r.pc, 0);
}

static void set_own_tls(mica_word_t self, mica_word_t v, mica_word_t a2, mica_word_t a3)
{
    (void)a2; (void)a3;
    note(mica_tcb_set_tls_base(self, v));
}

ROOT_TEST(a_thread_may_set_its_own_tls_base)
{
    reset_seen();
    mica_cptr_t t = new_thread(10);
    start(t, set_own_tls, t, 0x5150, 0, 0);
    run_others();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_uint_eq(seen[0], MICA_NO_ERROR);
    mica_user_context_t r;
    mt_assert_err(mica_tcb_read_registers(t, false, 0, MICA_USER_CONTEXT_WORDS, &r),
                  MICA_NO_ERROR);
    ck_assert_uint_eq(r.tls, 0x5150);
}

ROOT_TEST(set_tls_base_with_a_short_message_is_truncated)
{
    mica_cptr_t t = new_thread(10);
    mica_word_t mr[1] = { 0 };
    mt_assert_fails(raw_invoke(t, MICA_TCB_SET_TLS_BASE, 0, 0, mr), MICA_TRUNCATED_MESSAGE);
}

ROOT_TEST(a_label_that_is_not_a_tcb_operation_is_illegal)
{
    mica_cptr_t t = new_thread(10);
    mica_word_t mr[6] = { 0 };
    mt_assert_fails(raw_invoke(t, MICA_INVALID_INVOCATION, 0, 0, mr), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(raw_invoke(t, MICA_CNODE_COPY, 0, 5, mr), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(raw_invoke(t, MICA_UNTYPED_RETYPE, 0, 6, mr), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(raw_invoke(t, MICA_NUM_INVOCATION_LABELS + 7, 0, 0, mr), MICA_ILLEGAL_OPERATION);
}

/* What a reply carries, per seL4: label = error, length = the error's MR count. */
ROOT_TEST(replies_carry_the_seL4_error_message_lengths)
{
    mica_cptr_t t = new_thread(10);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_msginfo_t info;
    mica_word_t mr[4] = { 300, 0, 0, 0 };

    /* RangeError: MR0 = min, MR1 = max, length 2. */
    mica_set_cap(0, MICA_CAP_INIT_TCB);
    info = raw_call(t, MICA_TCB_SET_PRIORITY, 1, 1, mr);
    ck_assert_uint_eq(mica_msginfo_get_label(info), MICA_RANGE_ERROR);
    ck_assert_uint_eq(mica_msginfo_get_length(info), 2);
    ck_assert_uint_eq(mica_get_mr(0), 0);
    ck_assert_uint_eq(mica_get_mr(1), 255);

    /* InvalidCapability: MR0 = cap number, length 1. */
    mica_set_cap(0, ep);
    info = raw_call(t, MICA_TCB_SET_PRIORITY, 1, 1, mr);
    ck_assert_uint_eq(mica_msginfo_get_label(info), MICA_INVALID_CAPABILITY);
    ck_assert_uint_eq(mica_msginfo_get_length(info), 1);
    ck_assert_uint_eq(mica_get_mr(0), 1);

    /* IllegalOperation and TruncatedMessage: no MRs. */
    info = raw_call(t, MICA_TCB_UNBIND_NOTIFICATION, 0, 0, mr);
    ck_assert_uint_eq(mica_msginfo_get_label(info), MICA_ILLEGAL_OPERATION);
    ck_assert_uint_eq(mica_msginfo_get_length(info), 0);
    info = raw_call(t, MICA_TCB_SET_PRIORITY, 0, 1, mr);
    ck_assert_uint_eq(mica_msginfo_get_label(info), MICA_TRUNCATED_MESSAGE);
    ck_assert_uint_eq(mica_msginfo_get_length(info), 0);

    /* Success: label 0, length 0 ... */
    mr[0] = 20;
    mica_set_cap(0, MICA_CAP_INIT_TCB);
    info = raw_call(t, MICA_TCB_SET_PRIORITY, 1, 1, mr);
    ck_assert_uint_eq(info.words[0], 0);
    /* ... except ReadRegisters, whose reply is count registers long. */
    mica_word_t rr[2] = { 0, 7 };
    info = raw_call(t, MICA_TCB_READ_REGISTERS, 0, 2, rr);
    ck_assert_uint_eq(mica_msginfo_get_label(info), 0);
    ck_assert_uint_eq(mica_msginfo_get_length(info), 7);
}

static void send_set_priority(mica_cptr_t tcb, mica_word_t prio)
{
    mica_word_t mr0 = prio;
    mica_set_cap(0, MICA_CAP_INIT_TCB);
    mica_send_with_mrs(tcb, mica_msginfo_new(MICA_TCB_SET_PRIORITY, 0, 1, 1), &mr0, NULL, NULL,
                       NULL);
}

/* An invocation by Send is performed but gets no reply; its errors are lost. */
ROOT_TEST(a_tcb_invocation_by_send_gets_no_reply)
{
    mica_cptr_t t = new_thread(10);
    send_set_priority(t, 33);
    ck_assert_uint_eq(tcb_of(t)->priority, 33);
    mica_get_ipc_buffer()->msg[0] = 0x1111;
    mica_get_ipc_buffer()->msg[1] = 0x2222;
    uint64_t d = mt_kernel_digest();
    send_set_priority(t, 999);
    ck_assert_uint_eq(mt_kernel_digest(), d);
    ck_assert_uint_eq(tcb_of(t)->priority, 33);
    ck_assert_uint_eq(mica_get_ipc_buffer()->msg[0], 0x1111);
    ck_assert_uint_eq(mica_get_ipc_buffer()->msg[1], 0x2222);
}

/* --- the pc of a parked thread (MICA_RESUME_PC) ---------------------------------------
 * seL4: invokeTCB_WriteRegisters writes the frame registers and then sets
 * the next pc to the restart pc, so the target runs from whatever pc was
 * written; a parked thread's own pc (getRestartPC) is an address in its
 * code, never its entry. Here a parked thread reads back MICA_RESUME_PC,
 * writing that back keeps it going, and any other pc starts it afresh.
 */

static mica_word_t recv_returns;

/* Note tag, then receive on ep forever, noting 100 + MR0 of each message. */
static void note_then_receive(mica_word_t ep, mica_word_t tag, mica_word_t a2, mica_word_t a3)
{
    (void)a2; (void)a3;
    note(tag);
    for (;;) {
        mica_word_t mr0 = 0;
        mica_recv_with_mrs(ep, NULL, &mr0, NULL, NULL, NULL);
        recv_returns++;
        note(100 + mr0);
    }
}

static void send_word(mica_cptr_t ep, mica_word_t v)
{
    mica_send_with_mrs(ep, mica_msginfo_new(0, 0, 0, 1), &v, NULL, NULL, NULL);
}

/* A thread at priority 100 blocked in Recv on a new endpoint, having noted 1. */
static mica_cptr_t blocked_receiver(mica_cptr_t *ep)
{
    reset_seen();
    recv_returns = 0;
    *ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t t = new_thread(100);
    start(t, note_then_receive, *ep, 1, 0, 0);
    run_others();
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_RECEIVE);
    ck_assert_int_eq(seen_count, 1);
    return t;
}

ROOT_TEST(writing_the_entry_pc_of_a_thread_blocked_in_recv_starts_it_afresh)
{
    mica_cptr_t ep;
    mica_cptr_t t = blocked_receiver(&ep);
    /* The same entry, new arguments: it starts again at the entry, not back in its Recv. */
    start(t, note_then_receive, ep, 2, 0, 0);
    run_others();
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_RECEIVE);
    ck_assert_int_eq(seen_count, 2);
    ck_assert_uint_eq(seen[1], 2);
    ck_assert_uint_eq(recv_returns, 0);
    /* One message, one return from Recv: the old Recv is gone. */
    send_word(ep, 7);
    run_others();
    ck_assert_int_eq(seen_count, 3);
    ck_assert_uint_eq(seen[2], 107);
    ck_assert_uint_eq(recv_returns, 1);
}

/* Note tag, Yield, note tag + 10. */
static void note_yield_note(mica_word_t tag, mica_word_t a1, mica_word_t a2, mica_word_t a3)
{
    (void)a1; (void)a2; (void)a3;
    note(tag);
    mica_yield();
    note(tag + 10);
}

/* A thread at the root's priority (lowered to 100) that noted 1 and is ready after its Yield. */
static mica_cptr_t ready_after_yield(void)
{
    reset_seen();
    mica_cptr_t t = new_thread(100);
    start(t, note_yield_note, 1, 0, 0, 0);
    set_my_prio(100);
    mica_yield();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_RUNNING);
    return t;
}

ROOT_TEST(writing_the_entry_pc_of_a_thread_ready_after_a_yield_starts_it_afresh)
{
    mica_cptr_t t = ready_after_yield();
    start(t, note_yield_note, 2, 0, 0, 0);
    run_others();
    /* Afresh: 2 and 12; never the 11 its first run would have noted after its Yield. */
    ck_assert_int_eq(seen_count, 3);
    ck_assert_uint_eq(seen[1], 2);
    ck_assert_uint_eq(seen[2], 12);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
}

ROOT_TEST(read_registers_of_a_parked_thread_returns_the_resume_pc)
{
    mica_cptr_t ep;
    mica_cptr_t t = blocked_receiver(&ep);
    mica_user_context_t r;
    mt_assert_err(mica_tcb_read_registers(t, false, 0, MICA_USER_CONTEXT_WORDS, &r),
                  MICA_NO_ERROR);
    ck_assert_uint_eq(r.pc, MICA_RESUME_PC);
    ck_assert_uint_eq(r.r0, ep);                /* the registers of its Recv */
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_read_registers(t, false, 0, 1, &r), MICA_NO_ERROR);
    ck_assert_uint_eq(r.pc, MICA_RESUME_PC);    /* suspended, it still has a place to go on */

    mica_cptr_t y = ready_after_yield();
    mt_assert_err(mica_tcb_read_registers(y, false, 0, 1, &r), MICA_NO_ERROR);
    ck_assert_uint_eq(r.pc, MICA_RESUME_PC);
    set_my_prio(MICA_MAX_PRIO);
    run_others();
    /* Its entry returned: no context, the pc reads back as written. */
    mt_assert_err(mica_tcb_read_registers(y, false, 0, 1, &r), MICA_NO_ERROR);
    ck_assert_uint_eq(r.pc, (mica_word_t)note_yield_note);
}

ROOT_TEST(read_registers_of_a_thread_that_never_ran_returns_the_pc_written)
{
    mica_cptr_t t = new_thread(10);
    start(t, record_a0, 1, 0, 0, 0);
    mica_user_context_t r;
    mt_assert_err(mica_tcb_read_registers(t, false, 0, 1, &r), MICA_NO_ERROR);
    ck_assert_uint_eq(r.pc, (mica_word_t)record_a0);
}

ROOT_TEST(writing_back_the_registers_read_keeps_a_parked_thread_where_it_was)
{
    mica_cptr_t ep;
    mica_cptr_t t = blocked_receiver(&ep);
    mica_user_context_t r;
    mt_assert_err(mica_tcb_read_registers(t, true, 0, MICA_USER_CONTEXT_WORDS, &r),
                  MICA_NO_ERROR);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
    mt_assert_err(mica_tcb_write_registers(t, true, 0, MICA_USER_CONTEXT_WORDS, &r),
                  MICA_NO_ERROR);
    run_others();
    /* It makes its Recv again (seL4: restart of a blocked thread), not a fresh start. */
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_RECEIVE);
    ck_assert_int_eq(seen_count, 1);
    send_word(ep, 5);
    run_others();
    ck_assert_int_eq(seen_count, 2);
    ck_assert_uint_eq(seen[1], 105);
    ck_assert_uint_eq(recv_returns, 1);

    /* The same for a thread ready after its Yield: it goes on after the Yield. */
    mica_cptr_t y = ready_after_yield();
    mt_assert_err(mica_tcb_read_registers(y, false, 0, MICA_USER_CONTEXT_WORDS, &r),
                  MICA_NO_ERROR);
    mt_assert_err(mica_tcb_write_registers(y, true, 0, MICA_USER_CONTEXT_WORDS, &r),
                  MICA_NO_ERROR);
    set_my_prio(MICA_MAX_PRIO);
    run_others();
    ck_assert_int_eq(seen_count, 2);
    ck_assert_uint_eq(seen[1], 11);
}

ROOT_TEST(the_resume_pc_cannot_start_a_thread_with_no_context)
{
    reset_seen();
    /* Never ran. */
    mica_cptr_t t = new_thread(100);
    mica_user_context_t r = regs_for(record_a0, 1, 0, 0, 0);
    r.pc = MICA_RESUME_PC;
    mt_assert_err(mica_tcb_write_registers(t, true, 0, MICA_USER_CONTEXT_WORDS, &r),
                  MICA_NO_ERROR);
    run_others();
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
    ck_assert_int_eq(seen_count, 0);
    mica_user_context_t out;
    mt_assert_err(mica_tcb_read_registers(t, false, 0, 1, &out), MICA_NO_ERROR);
    ck_assert_uint_eq(out.pc, MICA_RESUME_PC);
    /* Its entry returned. */
    start(t, record_a0, 2, 0, 0, 0);
    run_others();
    ck_assert_int_eq(seen_count, 1);
    mt_assert_err(mica_tcb_write_registers(t, true, 0, MICA_USER_CONTEXT_WORDS, &r),
                  MICA_NO_ERROR);
    run_others();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
    /* A real pc starts it again. */
    start(t, record_a0, 3, 0, 0, 0);
    run_others();
    ck_assert_int_eq(seen_count, 2);
    ck_assert_uint_eq(seen[1], 3);
}

ROOT_TEST(copy_registers_of_an_entry_pc_onto_a_parked_thread_starts_it_afresh)
{
    mica_cptr_t ep;
    mica_cptr_t t = blocked_receiver(&ep);
    /* A source that never ran holds the same entry with tag 3. */
    mica_cptr_t src = new_thread(10);
    mica_user_context_t r = regs_for(note_then_receive, ep, 3, 0, 0);
    mt_assert_err(mica_tcb_write_registers(src, false, 0, MICA_USER_CONTEXT_WORDS, &r),
                  MICA_NO_ERROR);
    mt_assert_err(mica_tcb_copy_registers(t, src, false, true, true, false, 0), MICA_NO_ERROR);
    run_others();
    ck_assert_int_eq(seen_count, 2);
    ck_assert_uint_eq(seen[1], 3);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_RECEIVE);
    send_word(ep, 1);
    run_others();
    ck_assert_uint_eq(recv_returns, 1);
}

ROOT_TEST(copy_registers_of_a_parked_thread_copies_the_resume_pc)
{
    mica_cptr_t ep;
    mica_cptr_t t = blocked_receiver(&ep);
    /* Onto itself: it keeps its context and makes its Recv again. */
    mt_assert_err(mica_tcb_copy_registers(t, t, true, true, true, true, 0), MICA_NO_ERROR);
    run_others();
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_RECEIVE);
    ck_assert_int_eq(seen_count, 1);
    /* Onto a thread that never ran: the resume pc names no context of its own. */
    mica_cptr_t dst = new_thread(100);
    mt_assert_err(mica_tcb_copy_registers(dst, t, false, true, true, false, 0), MICA_NO_ERROR);
    mica_user_context_t out;
    mt_assert_err(mica_tcb_read_registers(dst, false, 0, 3, &out), MICA_NO_ERROR);
    ck_assert_uint_eq(out.pc, MICA_RESUME_PC);
    ck_assert_uint_eq(out.r0, ep);
    run_others();
    ck_assert_uint_eq(mt_thread_state(dst), MICA_THREAD_INACTIVE);
    ck_assert_int_eq(seen_count, 1);
    send_word(ep, 4);
    run_others();
    ck_assert_int_eq(seen_count, 2);
    ck_assert_uint_eq(seen[1], 104);
}

/* --- Suspend of a Running thread (seL4: suspend -> updateRestartPC) ---------------------
 * A thread whose system call completed and that waits in the ready queue
 * goes on after that call when it is suspended and resumed; it does not
 * make the call a second time.
 */

static void send_then_note(mica_word_t ep, mica_word_t v, mica_word_t a2, mica_word_t a3)
{
    (void)a2; (void)a3;
    send_word(ep, v);
    note(v);
}

ROOT_TEST(a_thread_suspended_after_its_send_completed_does_not_send_again)
{
    reset_seen();
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t t = new_thread(100);
    start(t, send_then_note, ep, 6, 0, 0);
    /* Its Send finds the root waiting: delivered, and the root runs at once. */
    mica_word_t mr0 = 0;
    mica_recv_with_mrs(ep, NULL, &mr0, NULL, NULL, NULL);
    ck_assert_uint_eq(mr0, 6);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_RUNNING);
    ck_assert_int_eq(seen_count, 0);
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_resume(t), MICA_NO_ERROR);
    run_others();
    /* It went on after its Send: noted, returned, and sent nothing more. */
    ck_assert_int_eq(seen_count, 1);
    ck_assert_uint_eq(seen[0], 6);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
    ck_assert_uint_eq(ep_state_of(ep), EP_IDLE);
}

static void signal_then_note(mica_word_t ntfn, mica_word_t a1, mica_word_t a2, mica_word_t a3)
{
    (void)a1; (void)a2; (void)a3;
    mica_signal(ntfn);
    note(1);
}

ROOT_TEST(a_thread_suspended_after_its_signal_does_not_signal_again)
{
    reset_seen();
    mica_cptr_t nt = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t badged = mt_slot();
    mt_assert_err(mica_cnode_mint(CNODE, badged, DEPTH, CNODE, nt, DEPTH, MICA_ALL_RIGHTS, 0x4),
                  MICA_NO_ERROR);
    mica_cptr_t t = new_thread(100);
    start(t, signal_then_note, badged, 0, 0, 0);
    mica_word_t badge = 0;
    mica_wait(nt, &badge);
    ck_assert_uint_eq(badge, 0x4);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_RUNNING);
    /* Suspended and resumed twice, by Suspend and by ReadRegisters' suspend_source. */
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_resume(t), MICA_NO_ERROR);
    mica_user_context_t r;
    mt_assert_err(mica_tcb_read_registers(t, true, 0, 1, &r), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_resume(t), MICA_NO_ERROR);
    run_others();
    ck_assert_int_eq(seen_count, 1);
    /* One Signal, counted once: nothing pending now. */
    badge = 0;
    mica_poll(nt, &badge);
    ck_assert_uint_eq(badge, 0);
}

ROOT_TEST(a_thread_suspended_after_its_yield_goes_on_after_it)
{
    mica_cptr_t t = ready_after_yield();
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_resume(t), MICA_NO_ERROR);
    set_my_prio(MICA_MAX_PRIO);
    run_others();
    ck_assert_int_eq(seen_count, 2);
    ck_assert_uint_eq(seen[1], 11);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
}

/*
 * The Restart side of the same rule: seL4's decode sets the caller to
 * Restart before TCB_Suspend runs, so a thread suspending itself is not
 * Running and keeps the restart pc of its call; resumed, it makes the call
 * again and suspends itself again.
 */
ROOT_TEST(a_thread_that_suspended_itself_suspends_again_when_resumed)
{
    reset_seen();
    mica_cptr_t t = new_thread(100);
    start(t, suspend_self, t, 0, 0, 0);
    run_others();
    ck_assert_int_eq(seen_count, 1);
    mt_assert_err(mica_tcb_resume(t), MICA_NO_ERROR);
    run_others();
    ck_assert_int_eq(seen_count, 1);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
}

/* A thread blocked in Recv, suspended and resumed, receives again (its call never completed). */
ROOT_TEST(a_thread_suspended_while_blocked_makes_its_call_again_when_resumed)
{
    mica_cptr_t ep;
    mica_cptr_t t = blocked_receiver(&ep);
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_resume(t), MICA_NO_ERROR);
    run_others();
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_RECEIVE);
    send_word(ep, 9);
    run_others();
    ck_assert_int_eq(seen_count, 2);
    ck_assert_uint_eq(seen[1], 109);
}

/* --- seL4's x86_64 register layout (MICA_ARCH_FLAGS_SEL4_X86_64) -----------------------
 * seL4_UserContext order: rip, rsp, rflags, rax, rbx, rcx, rdx, rsi, rdi, rbp,
 * r8..r15, fs_base, gs_base. seL4: decodeReadRegisters/invokeTCB_ReadRegisters,
 * invokeTCB_WriteRegisters with sanitiseRegister, invokeTCB_CopyRegisters with
 * x86_64's frameRegisters (the first 18) and gpRegisters (fs_base, gs_base).
 */
#define X86_FLAGS ((mica_word_t)MICA_ARCH_FLAGS_SEL4_X86_64 << 8)
enum { X_RIP, X_RSP, X_RFLAGS, X_RAX, X_RBX, X_RCX, X_RDX, X_RSI, X_RDI, X_RBP, X_R8, X_R9,
       X_R10, X_R11, X_R12, X_R13, X_R14, X_R15, X_FS_BASE, X_GS_BASE, X_WORDS };

/* WriteRegisters in the x86_64 layout: count words of w. */
static mica_error_t x86_write(mica_cptr_t t, bool resume, unsigned count, const mica_word_t *w)
{
    mica_word_t mr[2 + X_WORDS];
    mr[0] = X86_FLAGS | (resume ? 1 : 0);
    mr[1] = count;
    for (unsigned i = 0; i < count && i < X_WORDS; i++)
        mr[2 + i] = w[i];
    return raw_invoke(t, MICA_TCB_WRITE_REGISTERS, 0, 2 + (count < X_WORDS ? count : X_WORDS), mr);
}

/* ReadRegisters in the x86_64 layout: count words into w; returns the reply's length. */
static mica_word_t x86_read(mica_cptr_t t, unsigned count, mica_word_t *w)
{
    mica_word_t mr[2] = { X86_FLAGS, count };
    mica_msginfo_t info = raw_call(t, MICA_TCB_READ_REGISTERS, 0, 2, mr);
    ck_assert_uint_eq(mica_msginfo_get_label(info), MICA_NO_ERROR);
    for (unsigned i = 0; i < count; i++)
        w[i] = mica_get_ipc_buffer()->msg[i];
    return mica_msginfo_get_length(info);
}

static void x86_sample(mica_word_t *w, mica_word_t base)
{
    for (unsigned i = 0; i < X_WORDS; i++)
        w[i] = base + i;
    w[X_RFLAGS] = 0x246;        /* IF, ZF, PF and bit 1: already what seL4 keeps */
}

ROOT_TEST(x86_64_registers_round_trip_through_write_and_read_registers)
{
    mica_cptr_t t = new_thread(10);
    mica_word_t in[X_WORDS], out[X_WORDS];
    x86_sample(in, 0x7000);
    mt_assert_err(x86_write(t, false, X_WORDS, in), MICA_NO_ERROR);
    memset(out, 0, sizeof out);
    ck_assert_uint_eq(x86_read(t, X_WORDS, out), X_WORDS);
    for (unsigned i = 0; i < X_WORDS; i++)
        ck_assert_uint_eq(out[i], in[i]);
    /* Fewer words: only those are read, and the reply is that long. */
    ck_assert_uint_eq(x86_read(t, 3, out), 3);
    ck_assert_uint_eq(out[X_RFLAGS], 0x246);
}

ROOT_TEST(x86_64_registers_map_onto_the_mica_register_file)
{
    mica_cptr_t t = new_thread(10);
    mica_word_t in[X_WORDS];
    x86_sample(in, 0x300);
    mt_assert_err(x86_write(t, false, X_WORDS, in), MICA_NO_ERROR);
    mica_user_context_t r;
    mt_assert_err(mica_tcb_read_registers(t, false, 0, MICA_USER_CONTEXT_WORDS, &r),
                  MICA_NO_ERROR);
    ck_assert_uint_eq(r.pc, in[X_RIP]);
    ck_assert_uint_eq(r.sp, in[X_RSP]);
    ck_assert_uint_eq(r.r0, in[X_RDI]);
    ck_assert_uint_eq(r.r1, in[X_RSI]);
    ck_assert_uint_eq(r.r2, in[X_RDX]);
    ck_assert_uint_eq(r.r3, in[X_RCX]);
    ck_assert_uint_eq(r.r4, in[X_R8]);
    ck_assert_uint_eq(r.r5, in[X_R9]);
    ck_assert_uint_eq(r.r6, in[X_R10]);
    ck_assert_uint_eq(r.r7, in[X_R11]);
    ck_assert_uint_eq(r.tls, in[X_FS_BASE]);
    /* Written in mica's layout, the extra words stay as they were. */
    mica_user_context_t m = sample_regs(0x900);
    mt_assert_err(mica_tcb_write_registers(t, false, 0, MICA_USER_CONTEXT_WORDS, &m),
                  MICA_NO_ERROR);
    mica_word_t out[X_WORDS];
    x86_read(t, X_WORDS, out);
    ck_assert_uint_eq(out[X_RIP], m.pc);
    ck_assert_uint_eq(out[X_RDI], m.r0);
    ck_assert_uint_eq(out[X_R11], m.r7);
    ck_assert_uint_eq(out[X_FS_BASE], m.tls);
    const unsigned extra[] = { X_RFLAGS, X_RAX, X_RBX, X_RBP, X_R12, X_R13, X_R14, X_R15,
                               X_GS_BASE };
    for (unsigned i = 0; i < sizeof extra / sizeof extra[0]; i++)
        ck_assert_uint_eq(out[extra[i]], in[extra[i]]);
}

ROOT_TEST(x86_64_registers_of_a_new_tcb_are_zero_with_seL4s_initial_rflags)
{
    /* seL4: Arch_initContext sets FLAGS to FLAGS_USER_DEFAULT (IF | bit 1). */
    mica_cptr_t t = new_thread(10);
    mica_word_t out[X_WORDS];
    x86_read(t, X_WORDS, out);
    for (unsigned i = 0; i < X_WORDS; i++)
        ck_assert_uint_eq(out[i], i == X_RFLAGS ? 0x202 : 0);
}

ROOT_TEST(x86_64_written_registers_are_sanitised_as_seL4_does)
{
    mica_cptr_t t = new_thread(10);
    mica_word_t in[X_WORDS], out[X_WORDS];
    x86_sample(in, 0x100);
    /* rflags: bit 1 and IF forced on, bits 3, 5 and TF off, nothing above bit 11. */
    in[X_RFLAGS] = ~0ul;
    /* A non-canonical rip, fs_base or gs_base becomes 0; canonical kernel-half values stay. */
    in[X_RIP] = 0x0000800000000000ul;
    in[X_FS_BASE] = 0xffff7fffffffffful;
    in[X_GS_BASE] = 0xffff800000000000ul;
    mt_assert_err(x86_write(t, false, X_WORDS, in), MICA_NO_ERROR);
    x86_read(t, X_WORDS, out);
    ck_assert_uint_eq(out[X_RFLAGS], 0xed7);
    ck_assert_uint_eq(out[X_RIP], 0);
    ck_assert_uint_eq(out[X_FS_BASE], 0);
    ck_assert_uint_eq(out[X_GS_BASE], 0xffff800000000000ul);
    in[X_RFLAGS] = 0;
    mt_assert_err(x86_write(t, false, 3, in), MICA_NO_ERROR);
    x86_read(t, 3, out);
    ck_assert_uint_eq(out[X_RFLAGS], 0x202);
    /* rsp and the general registers are written as they are. */
    ck_assert_uint_eq(out[X_RSP], in[X_RSP]);
}

ROOT_TEST(x86_64_read_registers_count_must_be_1_to_20)
{
    mica_cptr_t t = new_thread(10);
    mica_word_t mr[2] = { X86_FLAGS, 0 };
    mt_assert_fails(raw_invoke(t, MICA_TCB_READ_REGISTERS, 0, 2, mr), MICA_RANGE_ERROR);
    ck_assert_uint_eq(mica_get_mr(0), 1);
    ck_assert_uint_eq(mica_get_mr(1), 20);
    mr[1] = 21;
    mt_assert_fails(raw_invoke(t, MICA_TCB_READ_REGISTERS, 0, 2, mr), MICA_RANGE_ERROR);
    ck_assert_uint_eq(mica_get_mr(1), 20);
    mica_word_t out[X_WORDS];
    ck_assert_uint_eq(x86_read(t, 20, out), 20);
}

ROOT_TEST(x86_64_write_registers_starts_the_thread_at_rip_with_rdi_rsi_rdx_rcx)
{
    reset_seen();
    mica_cptr_t t = new_thread(100);
    mica_word_t in[X_WORDS] = { 0 };
    in[X_RIP] = (mica_word_t)record_args;
    in[X_RFLAGS] = 0x202;
    in[X_RDI] = 21;
    in[X_RSI] = 22;
    in[X_RDX] = 23;
    in[X_RCX] = 24;
    mt_assert_err(x86_write(t, true, X_WORDS, in), MICA_NO_ERROR);
    run_others();
    ck_assert_int_eq(seen_count, 4);
    ck_assert_uint_eq(seen[0], 21);
    ck_assert_uint_eq(seen[3], 24);
    /* A count beyond 20 is clipped, as seL4 clips to n_frameRegisters + n_gpRegisters. */
    mica_word_t mr[2 + 22] = { X86_FLAGS, 22 };
    for (unsigned i = 0; i < 22; i++)
        mr[2 + i] = 0x500 + i;
    mt_assert_err(raw_invoke(t, MICA_TCB_WRITE_REGISTERS, 0, 24, mr), MICA_NO_ERROR);
    mica_word_t out[X_WORDS];
    x86_read(t, X_WORDS, out);
    ck_assert_uint_eq(out[X_GS_BASE], 0x500 + X_GS_BASE);
}

ROOT_TEST(x86_64_copy_registers_transfers_seL4s_frame_and_integer_registers)
{
    mica_cptr_t src = new_thread(10), dst = new_thread(10), dst2 = new_thread(10);
    mica_word_t a[X_WORDS], b[X_WORDS], out[X_WORDS];
    x86_sample(a, 0x1100);
    x86_sample(b, 0x2200);
    b[X_RFLAGS] = 0x202;
    mt_assert_err(x86_write(src, false, X_WORDS, a), MICA_NO_ERROR);
    mt_assert_err(x86_write(dst, false, X_WORDS, b), MICA_NO_ERROR);
    mt_assert_err(x86_write(dst2, false, X_WORDS, b), MICA_NO_ERROR);
    /* The frame: rip .. r15, the 18 words before fs_base. */
    mt_assert_err(mica_tcb_copy_registers(dst, src, false, false, true, false,
                                          MICA_ARCH_FLAGS_SEL4_X86_64), MICA_NO_ERROR);
    x86_read(dst, X_WORDS, out);
    for (unsigned i = 0; i < X_WORDS; i++)
        ck_assert_uint_eq(out[i], i < X_FS_BASE ? a[i] : b[i]);
    /* The integer part: fs_base and gs_base only. */
    mt_assert_err(mica_tcb_copy_registers(dst2, src, false, false, false, true,
                                          MICA_ARCH_FLAGS_SEL4_X86_64), MICA_NO_ERROR);
    x86_read(dst2, X_WORDS, out);
    for (unsigned i = 0; i < X_WORDS; i++)
        ck_assert_uint_eq(out[i], i >= X_FS_BASE ? a[i] : b[i]);
    /* Without the flag, mica's split: the extra words do not move. */
    mica_cptr_t dst3 = new_thread(10);
    mt_assert_err(x86_write(dst3, false, X_WORDS, b), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_copy_registers(dst3, src, false, false, true, true, 0), MICA_NO_ERROR);
    x86_read(dst3, X_WORDS, out);
    ck_assert_uint_eq(out[X_RIP], a[X_RIP]);
    ck_assert_uint_eq(out[X_R11], a[X_R11]);
    ck_assert_uint_eq(out[X_FS_BASE], a[X_FS_BASE]);
    ck_assert_uint_eq(out[X_RAX], b[X_RAX]);
    ck_assert_uint_eq(out[X_R15], b[X_R15]);
    ck_assert_uint_eq(out[X_GS_BASE], b[X_GS_BASE]);
}

ROOT_TEST(x86_64_read_registers_of_a_parked_thread_returns_the_resume_pc)
{
    mica_cptr_t ep;
    mica_cptr_t t = blocked_receiver(&ep);
    mica_word_t out[X_WORDS];
    x86_read(t, X_WORDS, out);
    ck_assert_uint_eq(out[X_RIP], MICA_RESUME_PC);
    ck_assert_uint_eq(out[X_RDI], ep);
    /* Written back (rip sanitised and still the resume pc), it keeps waiting. */
    mt_assert_err(x86_write(t, true, X_WORDS, out), MICA_NO_ERROR);
    run_others();
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_RECEIVE);
    ck_assert_int_eq(seen_count, 1);
    send_word(ep, 3);
    run_others();
    ck_assert_uint_eq(seen[1], 103);
}

/* --- suite ------------------------------------------------------------------------- */

/* One TCase per operation. */
static void add(Suite *s, const char *name, const TTest *tests[], size_t n)
{
    TCase *tc = tcase_create(name);
    for (size_t i = 0; i < n; i++)
        tcase_add_test(tc, tests[i]);
    suite_add_tcase(s, tc);
}

#define ADD(s, name, ...) do { \
        const TTest *t_[] = { __VA_ARGS__ }; \
        add(s, name, t_, sizeof t_ / sizeof t_[0]); \
    } while (0)

static Suite *tcb_suite(void)
{
    Suite *s = suite_create("tcb");
    ADD(s, "start",
        write_registers_and_resume_start_entry_with_r0_to_r3,
        an_exited_thread_is_inactive_and_restarts_at_a_new_pc,
        an_exited_thread_restarts_when_the_same_pc_is_written_again,
        a_thread_resumed_without_registers_never_runs);
    ADD(s, "configure",
        configure_gives_a_thread_its_cspace_vspace_and_ipc_buffer,
        configure_with_buffer_address_0_gives_no_ipc_buffer,
        configure_with_a_null_cspace_fails_THREADS0004,
        configure_with_a_cspace_that_is_not_a_cnode_fails,
        configure_with_a_vspace_root_that_is_not_a_vspace_fails,
        configure_with_a_bad_ipc_buffer_fails,
        configure_checks_the_ipc_buffer_before_the_spaces,
        configure_applies_cspace_root_data_as_the_cnode_guard,
        configure_with_cspace_root_data_too_wide_for_the_cnode_fails,
        configure_replaces_the_previous_spaces,
        replacing_the_last_cap_to_a_cspace_root_is_illegal_operation,
        configure_of_the_calling_thread_with_its_own_spaces_succeeds,
        configure_with_a_short_message_is_truncated);
    ADD(s, "set_space",
        set_space_changes_the_cspace_and_the_fault_endpoint,
        set_space_with_a_null_cspace_fails_THREADS0005,
        set_space_with_a_cspace_that_is_not_a_cnode_fails,
        set_space_with_a_vspace_root_that_is_not_a_vspace_fails,
        set_space_with_a_short_message_is_truncated);
    ADD(s, "set_ipc_buffer",
        set_ipc_buffer_moves_the_buffer_to_the_frame_at_the_vaddr_offset,
        set_ipc_buffer_to_address_0_removes_the_buffer,
        set_ipc_buffer_with_a_cap_that_is_not_a_frame_fails,
        set_ipc_buffer_with_a_device_frame_fails_FRAMEDIPC0001,
        set_ipc_buffer_at_an_unaligned_address_is_an_alignment_error,
        set_ipc_buffer_with_a_short_message_is_truncated);
    ADD(s, "set_priority",
        set_priority_changes_the_priority,
        set_priority_above_the_authority_mcp_is_a_range_error,
        set_priority_with_an_authority_that_is_not_a_tcb_is_an_invalid_capability,
        set_priority_invoked_on_a_cap_that_is_not_a_tcb_fails,
        set_priority_accepts_any_tcb_as_authority,
        set_priority_with_a_short_message_is_truncated);
    ADD(s, "set_mc_priority",
        set_mc_priority_bounds_what_the_tcb_can_grant,
        set_mc_priority_errors);
    ADD(s, "set_sched_params",
        set_sched_params_sets_mcp_and_priority,
        set_sched_params_errors);
    ADD(s, "read_registers",
        read_registers_returns_what_write_registers_wrote,
        read_registers_returns_only_count_words,
        read_registers_of_oneself_is_illegal,
        read_registers_count_must_be_1_to_11,
        read_registers_with_a_short_message_is_truncated,
        read_registers_with_suspend_source_suspends_the_target);
    ADD(s, "write_registers",
        write_registers_without_resume_does_not_start_the_thread,
        write_registers_of_oneself_is_illegal,
        write_registers_with_fewer_words_than_count_is_truncated,
        write_registers_count_beyond_the_register_file_is_clipped);
    ADD(s, "copy_registers",
        copy_registers_copies_the_frame_registers_and_resumes_the_target,
        copy_registers_transfer_integer_copies_only_tls,
        copy_registers_with_suspend_source_suspends_the_source,
        copy_registers_from_a_cap_that_is_not_a_tcb_is_an_invalid_capability,
        copy_registers_with_a_short_message_is_truncated);
    ADD(s, "resume",
        resume_of_a_ready_thread_or_oneself_changes_nothing,
        resume_of_a_thread_blocked_in_recv_restarts_the_recv,
        resume_of_a_suspended_thread_that_never_ran_starts_it,
        starting_more_threads_than_max_threads_is_not_enough_memory);
    ADD(s, "suspend",
        suspend_removes_a_receiver_from_the_endpoint_queue,
        suspend_of_the_only_receiver_leaves_the_endpoint_idle,
        suspend_removes_a_sender_from_the_endpoint_queue,
        suspend_removes_a_waiter_from_the_notification,
        suspend_of_a_caller_waiting_for_its_reply_cancels_the_reply_IPC0010,
        a_thread_can_suspend_itself,
        suspend_of_a_ready_thread_keeps_it_from_running);
    ADD(s, "parked_pc",
        writing_the_entry_pc_of_a_thread_blocked_in_recv_starts_it_afresh,
        writing_the_entry_pc_of_a_thread_ready_after_a_yield_starts_it_afresh,
        read_registers_of_a_parked_thread_returns_the_resume_pc,
        read_registers_of_a_thread_that_never_ran_returns_the_pc_written,
        writing_back_the_registers_read_keeps_a_parked_thread_where_it_was,
        the_resume_pc_cannot_start_a_thread_with_no_context,
        copy_registers_of_an_entry_pc_onto_a_parked_thread_starts_it_afresh,
        copy_registers_of_a_parked_thread_copies_the_resume_pc);
    ADD(s, "suspend_restart_pc",
        a_thread_suspended_after_its_send_completed_does_not_send_again,
        a_thread_suspended_after_its_signal_does_not_signal_again,
        a_thread_suspended_after_its_yield_goes_on_after_it,
        a_thread_that_suspended_itself_suspends_again_when_resumed,
        a_thread_suspended_while_blocked_makes_its_call_again_when_resumed);
    ADD(s, "x86_64_registers",
        x86_64_registers_round_trip_through_write_and_read_registers,
        x86_64_registers_map_onto_the_mica_register_file,
        x86_64_registers_of_a_new_tcb_are_zero_with_seL4s_initial_rflags,
        x86_64_written_registers_are_sanitised_as_seL4_does,
        x86_64_read_registers_count_must_be_1_to_20,
        x86_64_write_registers_starts_the_thread_at_rip_with_rdi_rsi_rdx_rcx,
        x86_64_copy_registers_transfers_seL4s_frame_and_integer_registers,
        x86_64_read_registers_of_a_parked_thread_returns_the_resume_pc);
    ADD(s, "bind_notification",
        bind_notification_delivers_signals_to_a_thread_waiting_on_an_endpoint,
        bind_notification_to_a_bound_tcb_is_illegal,
        bind_notification_already_bound_to_another_tcb_is_illegal,
        bind_notification_with_waiters_is_illegal,
        bind_notification_needs_a_notification_cap_with_read,
        bind_notification_without_the_cap_is_truncated);
    ADD(s, "unbind_notification",
        unbind_notification_frees_the_notification_for_another_tcb,
        unbind_notification_of_an_unbound_tcb_is_illegal);
    ADD(s, "set_affinity",
        set_affinity_to_cpu_0_succeeds,
        set_affinity_to_a_cpu_that_does_not_exist_is_illegal,
        set_affinity_with_a_short_message_is_truncated);
    ADD(s, "set_tls_base",
        set_tls_base_sets_the_tls_register,
        a_thread_may_set_its_own_tls_base,
        set_tls_base_with_a_short_message_is_truncated);
    ADD(s, "labels_and_replies",
        a_label_that_is_not_a_tcb_operation_is_illegal,
        replies_carry_the_seL4_error_message_lengths,
        a_tcb_invocation_by_send_gets_no_reply);
    return s;
}

MICA_TEST_MAIN(tcb_suite)
