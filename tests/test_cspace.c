/*
 * test_cspace.c - CPtr resolution through guarded CNodes: CNode-operation
 * lookups at explicit depths, 64-bit invocation lookups (a helper thread
 * given a guarded two-level CSpace with TCB_SetSpace), the exact lookup
 * failure details of seL4 in the message registers and in cap faults, and
 * sel4test CSPACE0001 (64 chained radix-1 CNodes).
 */
#include "harness.h"

/* --- helpers ------------------------------------------------------------ */

/* A failing invocation returns `want` and leaves all kernel state unchanged. */


/* FailedLookup: MR0 = 1 for a source-side lookup, MR1 = the failure type. */
#define assert_failed_lookup(expr, source, type) do { \
        mt_assert_fails(expr, MICA_FAILED_LOOKUP); \
        mt_assert_mr(0, source); \
        mt_assert_mr(1, type); \
    } while (0)

/* GuardMismatch words: bits left, the CNode's guard, its guard size. */
#define assert_guard_mismatch(expr, source, left, guard, size) do { \
        assert_failed_lookup(expr, source, MICA_GUARD_MISMATCH); \
        mt_assert_mr(2, left); \
        mt_assert_mr(3, guard); \
        mt_assert_mr(4, size); \
    } while (0)

/* DepthMismatch words: bits left, bits the level needed (0 after a non-CNode cap). */
#define assert_depth_mismatch(expr, source, left, found) do { \
        assert_failed_lookup(expr, source, MICA_DEPTH_MISMATCH); \
        mt_assert_mr(2, left); \
        mt_assert_mr(3, found); \
    } while (0)

#define MAGIC 0x5eed1234ul

static mica_word_t frame_paddr(mica_cptr_t frame)
{
    mica_page_get_address_t a = mica_page_get_address(frame);
    ck_assert_int_eq(a.error, MICA_NO_ERROR);
    return a.paddr;
}

/*
 * A guarded two-level CSpace. L1 (radix 4) is used through a cap minted
 * with the 52-bit guard G1, so it resolves the top 56 bits and leaves 8:
 *   L1 slot 1: L2 (radix 3) minted with the 5-bit guard G2: 5 + 3 = 8 bits
 *   L1 slot 2: an endpoint            L1 slot 3: L3 (radix 3) with a 6-bit
 *   L1 slot 6: a frame                           guard: 9 bits > the 8 left
 *   L2 slot 4: the same frame
 */
#define G1 5ul
#define G2 0x1aul
#define L1_PATH(s) ((G1 << 12) | ((mica_word_t)(s) << 8))
#define L2_PATH(s) (L1_PATH(1) | (G2 << 3) | (mica_word_t)(s))

static struct guarded {
    mica_cptr_t l1;         /* root slot: L1 without guard */
    mica_cptr_t l1g;        /* root slot: L1 with guard G1 of 52 bits */
    mica_cptr_t l2;         /* root slot: L2 without guard */
    mica_cptr_t ep;         /* root slot: the endpoint */
    mica_cptr_t frame;      /* root slot: the frame */
    mica_word_t frame_paddr;
} g;

static void build_guarded(void)
{
    g.l1 = mt_make(MICA_CNODE_OBJECT, 4);
    g.l1g = mt_slot();
    mt_assert_err(mica_cnode_mint(CNODE, g.l1g, DEPTH, CNODE, g.l1, DEPTH, MICA_ALL_RIGHTS,
                                  mica_cnode_capdata_new(G1, 52)), MICA_NO_ERROR);
    g.l2 = mt_make(MICA_CNODE_OBJECT, 3);
    mt_assert_err(mica_cnode_mint(g.l1, 1, 4, CNODE, g.l2, DEPTH, MICA_ALL_RIGHTS,
                                  mica_cnode_capdata_new(G2, 5)), MICA_NO_ERROR);
    g.ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_assert_err(mica_cnode_copy(g.l1, 2, 4, CNODE, g.ep, DEPTH, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    mica_cptr_t l3 = mt_make(MICA_CNODE_OBJECT, 3);
    mt_assert_err(mica_cnode_mint(g.l1, 3, 4, CNODE, l3, DEPTH, MICA_ALL_RIGHTS,
                                  mica_cnode_capdata_new(0, 6)), MICA_NO_ERROR);
    g.frame = mt_make(MICA_FRAME_OBJECT, 0);
    g.frame_paddr = frame_paddr(g.frame);
    mt_assert_err(mica_cnode_copy(g.l1, 6, 4, CNODE, g.frame, DEPTH, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    /* Placed through the guarded cap at full depth. */
    mt_assert_err(mica_cnode_copy(g.l1g, L2_PATH(4), DEPTH, CNODE, g.frame, DEPTH,
                                  MICA_ALL_RIGHTS), MICA_NO_ERROR);
}

/* --- CNode-operation lookups (explicit depth) --------------------------- */

static void root_cnode(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t t = mt_slot();
    /* Guard 0 of 52 bits, radix 12: a slot number is a CPtr at depth 64. */
    mt_assert_err(mica_cnode_copy(CNODE, t, DEPTH, CNODE, MICA_CAP_INIT_TCB, DEPTH,
                                  MICA_ALL_RIGHTS), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(t), MICA_CAP_TYPE_TCB);
    /* Any set bit above bit 11 breaks the guard. */
    assert_guard_mismatch(mica_cnode_delete(CNODE, (1ul << 12) | t, DEPTH), 0, 64, 0, 52);
    assert_guard_mismatch(mica_cnode_delete(CNODE, (1ul << 63) | t, DEPTH), 0, 64, 0, 52);
    assert_guard_mismatch(mica_cnode_copy(CNODE, mt_slot(), DEPTH, CNODE, (1ul << 40) | 1, DEPTH,
                                          MICA_ALL_RIGHTS), 1, 64, 0, 52);
    /* Fewer bits than the guard alone needs. */
    assert_guard_mismatch(mica_cnode_delete(CNODE, t, 12), 0, 12, 0, 52);
    assert_guard_mismatch(mica_cnode_delete(CNODE, t, 1), 0, 1, 0, 52);
    /* The guard fits in 63 bits, guard + radix (64) does not. */
    assert_depth_mismatch(mica_cnode_delete(CNODE, t >> 1, 63), 0, 63, 64);
    ck_assert_int_eq(mica_debug_cap_identify(t), MICA_CAP_TYPE_TCB);
}

START_TEST(root_cnode_resolves_slot_numbers_at_depth_64_only)
{
    mt_run(root_cnode);
}
END_TEST

static void every_depth(const mica_bootinfo_t *bi)
{
    (void)bi;
    build_guarded();
    mica_cptr_t out = mt_slot();
#define COPY_OUT(root, index, depth) \
    mt_assert_err(mica_cnode_copy(CNODE, out, DEPTH, (root), (index), (depth), MICA_ALL_RIGHTS), \
                  MICA_NO_ERROR)
#define DROP_OUT() mt_assert_err(mica_cnode_delete(CNODE, out, DEPTH), MICA_NO_ERROR)

    /* Guarded L1, 64 bits: through both levels to L2 slot 4. */
    COPY_OUT(g.l1g, L2_PATH(4), 64);
    ck_assert_int_eq(mica_debug_cap_identify(out), MICA_CAP_TYPE_FRAME);
    ck_assert_uint_eq(frame_paddr(out), g.frame_paddr);
    DROP_OUT();
    /* 56 bits end in L1: slot 1 holds L2, slot 2 the endpoint. */
    COPY_OUT(g.l1g, L1_PATH(1) >> 8, 56);
    ck_assert_int_eq(mica_debug_cap_identify(out), MICA_CAP_TYPE_CNODE);
    /* The copy keeps L2's guard: 8 bits from it reach slot 4. */
    mica_cptr_t out2 = mt_slot();
    mt_assert_err(mica_cnode_copy(CNODE, out2, DEPTH, out, (G2 << 3) | 4, 8, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(out2), MICA_CAP_TYPE_FRAME);
    DROP_OUT();
    COPY_OUT(g.l1g, L1_PATH(2) >> 8, 56);
    ck_assert_int_eq(mica_debug_cap_identify(out), MICA_CAP_TYPE_ENDPOINT);
    DROP_OUT();
    /* The unguarded L1: 4 bits to its own slots, 12 bits into L2. */
    COPY_OUT(g.l1, 6, 4);
    ck_assert_int_eq(mica_debug_cap_identify(out), MICA_CAP_TYPE_FRAME);
    DROP_OUT();
    COPY_OUT(g.l1, (1 << 8) | (G2 << 3) | 4, 12);
    ck_assert_int_eq(mica_debug_cap_identify(out), MICA_CAP_TYPE_FRAME);
    DROP_OUT();
    /* The unguarded L2: 3 bits. */
    COPY_OUT(g.l2, 4, 3);
    ck_assert_int_eq(mica_debug_cap_identify(out), MICA_CAP_TYPE_FRAME);
    DROP_OUT();

    /* Deleting through the guarded path empties the slot the others name. */
    mt_assert_err(mica_cnode_delete(g.l1g, L2_PATH(4), DEPTH), MICA_NO_ERROR);
    assert_failed_lookup(mica_cnode_copy(CNODE, out, DEPTH, g.l2, 4, 3, MICA_ALL_RIGHTS), 1,
                         MICA_MISSING_CAPABILITY);
    mt_assert_mr(2, 3);
#undef COPY_OUT
#undef DROP_OUT
}

START_TEST(guarded_cspace_resolves_at_every_depth)
{
    mt_run(every_depth);
}
END_TEST

static void guard_mismatch(const mica_bootinfo_t *bi)
{
    (void)bi;
    build_guarded();
    mica_cptr_t out = mt_slot();
    /* L1's guard wrong: all 64 bits left; the CNode's guard and guard size reported. */
    assert_guard_mismatch(mica_cnode_delete(g.l1g, ((G1 + 1) << 12) | (2 << 8), DEPTH),
                          0, 64, G1, 52);
    assert_guard_mismatch(mica_cnode_delete(g.l1g, L1_PATH(2) | (1ul << 63), DEPTH),
                          0, 64, G1, 52);
    /* L2's guard wrong: 8 bits left after L1. */
    assert_guard_mismatch(mica_cnode_delete(g.l1g, L2_PATH(4) ^ (1 << 3), DEPTH),
                          0, 8, G2, 5);
    assert_guard_mismatch(mica_cnode_delete(g.l1g, L1_PATH(1), DEPTH), 0, 8, G2, 5);
    /* Too few bits for a guard is a guard mismatch too. */
    assert_guard_mismatch(mica_cnode_delete(g.l1g, L1_PATH(2) >> 24, 40), 0, 40, G1, 52);
    assert_guard_mismatch(mica_cnode_delete(g.l1g, L2_PATH(4) >> 4, 60), 0, 4, G2, 5);
    /* The same failures on the source side set MR0 = 1. */
    assert_guard_mismatch(mica_cnode_copy(CNODE, out, DEPTH, g.l1g, L2_PATH(4) ^ (1 << 4), DEPTH,
                                          MICA_ALL_RIGHTS), 1, 8, G2, 5);
    assert_guard_mismatch(mica_cnode_move(CNODE, out, DEPTH, g.l1g, (G1 + 2) << 12, DEPTH),
                          1, 64, G1, 52);
    /* The unguarded L1 reaches L2 with 4 bits left for its 5-bit guard. */
    assert_guard_mismatch(mica_cnode_delete(g.l1, (1 << 4) | 3, 8), 0, 4, G2, 5);
}

START_TEST(guard_mismatch_reports_bits_left_guard_and_guard_size)
{
    mt_run(guard_mismatch);
}
END_TEST

static void depth_mismatch(const mica_bootinfo_t *bi)
{
    (void)bi;
    build_guarded();
    /* The guard fits in 55 bits, guard + radix (56) does not. */
    assert_depth_mismatch(mica_cnode_delete(g.l1g, G1 << 3, 55), 0, 55, 56);
    /* L3 needs 6 + 3 = 9 bits and only 8 are left. */
    assert_depth_mismatch(mica_cnode_delete(g.l1g, L1_PATH(3), DEPTH), 0, 8, 9);
    assert_depth_mismatch(mica_cnode_copy(CNODE, mt_slot(), DEPTH, g.l1g, L1_PATH(3) | 1, DEPTH,
                                          MICA_ALL_RIGHTS), 1, 8, 9);
    /* L2 through the unguarded L1: guard matches, 7 bits left of the 8 needed. */
    assert_depth_mismatch(mica_cnode_delete(g.l1, (1 << 7) | (G2 << 2) | 1, 11), 0, 7, 8);
}

START_TEST(depth_mismatch_reports_bits_left_and_bits_needed)
{
    mt_run(depth_mismatch);
}
END_TEST

static void leftover_bits(const mica_bootinfo_t *bi)
{
    (void)bi;
    build_guarded();
    /* L1 slot 2 holds an endpoint: a CNode operation must not stop early there. */
    assert_depth_mismatch(mica_cnode_delete(g.l1g, L1_PATH(2) | 0x33, DEPTH), 0, 8, 0);
    assert_depth_mismatch(mica_cnode_delete(g.l1g, L1_PATH(2), DEPTH), 0, 8, 0);
    /* An empty slot is no CNode either. */
    assert_depth_mismatch(mica_cnode_delete(g.l1g, L1_PATH(7), DEPTH), 0, 8, 0);
    /* The unguarded L1 at depth 10: the frame in slot 6 leaves 6 bits. */
    assert_depth_mismatch(mica_cnode_delete(g.l1, (6 << 6) | 5, 10), 0, 6, 0);
    assert_depth_mismatch(mica_cnode_copy(CNODE, mt_slot(), DEPTH, g.l1, (6 << 6) | 5, 10,
                                          MICA_ALL_RIGHTS), 1, 6, 0);
    /* Exactly 56 bits name the endpoint's slot. */
    mt_assert_err(mica_cnode_delete(g.l1g, L1_PATH(2) >> 8, 56), MICA_NO_ERROR);
}

START_TEST(bits_left_after_non_cnode_cap_is_depth_mismatch)
{
    mt_run(leftover_bits);
}
END_TEST

static void invalid_root(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t frame = mt_make(MICA_FRAME_OBJECT, 0);
    mica_cptr_t empty = mt_slot(), out = mt_slot();
    const mica_cptr_t roots[] = { ep, frame, empty, MICA_CAP_INIT_TCB };
    for (unsigned i = 0; i < 4; i++) {
        assert_failed_lookup(mica_cnode_copy(CNODE, out, DEPTH, roots[i], ep, DEPTH,
                                             MICA_ALL_RIGHTS), 1, MICA_INVALID_ROOT);
        assert_failed_lookup(mica_cnode_move(CNODE, out, DEPTH, roots[i], ep, DEPTH), 1,
                             MICA_INVALID_ROOT);
    }
    /* The root is checked before the depth. */
    assert_failed_lookup(mica_cnode_copy(CNODE, out, DEPTH, ep, ep, 0, MICA_ALL_RIGHTS), 1,
                         MICA_INVALID_ROOT);
    /* Rotate looks up the source, then the pivot (a source-side lookup too). */
    assert_failed_lookup(mica_cnode_rotate(CNODE, out, DEPTH, 0, ep, 1, DEPTH, 0, CNODE, ep,
                                           DEPTH), 1, MICA_INVALID_ROOT);
    /* Destination-side roots of other invocations. */
    mica_cptr_t ut = mt_untyped();
    assert_failed_lookup(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, frame, out, DEPTH, 0, 1),
                         0, MICA_INVALID_ROOT);
    assert_failed_lookup(mica_irq_control_get(MICA_CAP_IRQ_CONTROL, 5, ep, out, DEPTH), 0,
                         MICA_INVALID_ROOT);
}

START_TEST(root_that_is_not_a_cnode_is_invalid_root)
{
    mt_run(invalid_root);
}
END_TEST

static void depth_range(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t s = mt_make(MICA_ENDPOINT_OBJECT, 0), out = mt_slot();
    const uint8_t bad[] = { 0, 65, 128, 255 };
    for (unsigned i = 0; i < sizeof bad; i++) {
        mt_assert_fails(mica_cnode_delete(CNODE, s, bad[i]), MICA_RANGE_ERROR);
        mt_assert_mr(0, 1);
        mt_assert_mr(1, 64);
        mt_assert_fails(mica_cnode_copy(CNODE, out, DEPTH, CNODE, s, bad[i], MICA_ALL_RIGHTS),
                     MICA_RANGE_ERROR);
        mt_assert_mr(0, 1);
        mt_assert_mr(1, 64);
    }
    /* The destination is looked up before the source. */
    mt_assert_fails(mica_cnode_copy(CNODE, out, 0, CNODE, 1ul << 50, 7, MICA_ALL_RIGHTS),
                 MICA_RANGE_ERROR);
    assert_failed_lookup(mica_cnode_copy(CNODE, out, DEPTH, CNODE, s, 7, MICA_ALL_RIGHTS), 1,
                         MICA_GUARD_MISMATCH);
}

START_TEST(depth_outside_1_to_64_is_range_error)
{
    mt_run(depth_range);
}
END_TEST

static void missing_source(const mica_bootinfo_t *bi)
{
    (void)bi;
    build_guarded();
    mica_cptr_t empty = mt_slot(), out = mt_slot();
    /* The slot resolves but is empty: MissingCapability with bitsLeft = the source depth. */
    assert_failed_lookup(mica_cnode_copy(CNODE, out, DEPTH, CNODE, empty, DEPTH, MICA_ALL_RIGHTS),
                         1, MICA_MISSING_CAPABILITY);
    mt_assert_mr(2, 64);
    assert_failed_lookup(mica_cnode_move(CNODE, out, DEPTH, g.l1, 7, 4), 1,
                         MICA_MISSING_CAPABILITY);
    mt_assert_mr(2, 4);
    assert_failed_lookup(mica_cnode_mint(CNODE, out, DEPTH, g.l1, (1 << 8) | (G2 << 3) | 5, 12,
                                         MICA_ALL_RIGHTS, 0), 1, MICA_MISSING_CAPABILITY);
    mt_assert_mr(2, 12);
}

START_TEST(empty_source_slot_is_missing_capability)
{
    mt_run(missing_source);
}
END_TEST

static void guard_masked(const mica_bootinfo_t *bi)
{
    (void)bi;
    build_guarded();
    mica_cptr_t m = mt_slot(), out = mt_slot();
    /* Guard data wider than the guard size keeps only guard_size bits: 0x7fa -> 0x1a. */
    mt_assert_err(mica_cnode_mint(CNODE, m, DEPTH, CNODE, g.l2, DEPTH, MICA_ALL_RIGHTS,
                                  mica_cnode_capdata_new(0x7fa, 5)), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(CNODE, out, DEPTH, m, (G2 << 3) | 4, 8, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(out), MICA_CAP_TYPE_FRAME);
    assert_guard_mismatch(mica_cnode_delete(m, (0x1b << 3) | 4, 8), 0, 8, G2, 5);
    /* Mutate moves a CNode cap and gives it a new guard. */
    mica_cptr_t n = mt_slot();
    mt_assert_err(mica_cnode_mutate(CNODE, n, DEPTH, CNODE, m, DEPTH,
                                    mica_cnode_capdata_new(3, 2)), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(m), MICA_CAP_TYPE_NULL);
    mt_assert_err(mica_cnode_delete(CNODE, out, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(CNODE, out, DEPTH, n, (3 << 3) | 4, 5, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(out), MICA_CAP_TYPE_FRAME);
}

START_TEST(cnode_guard_is_masked_to_guard_size)
{
    mt_run(guard_masked);
}
END_TEST

static void guard_too_big(const mica_bootinfo_t *bi)
{
    (void)bi;
    build_guarded();
    mica_cptr_t m = mt_slot(), out = mt_slot();
    /* Radix 3: a guard of 62 or 63 bits would make a level of more than 64 bits. */
    mt_assert_fails(mica_cnode_mint(CNODE, m, DEPTH, CNODE, g.l2, DEPTH, MICA_ALL_RIGHTS,
                                 mica_cnode_capdata_new(0, 62)), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_cnode_mint(CNODE, m, DEPTH, CNODE, g.l2, DEPTH, MICA_ALL_RIGHTS,
                                 mica_cnode_capdata_new(0, 63)), MICA_ILLEGAL_OPERATION);
    /* 61 + 3 = 64 is the largest level: the whole CPtr in one CNode. */
    mt_assert_err(mica_cnode_mint(CNODE, m, DEPTH, CNODE, g.l2, DEPTH, MICA_ALL_RIGHTS,
                                  mica_cnode_capdata_new(0, 61)), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(CNODE, out, DEPTH, m, 4, DEPTH, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(out), MICA_CAP_TYPE_FRAME);
    assert_guard_mismatch(mica_cnode_delete(m, (1ul << 63) | 4, DEPTH), 0, 64, 0, 61);
}

START_TEST(guard_and_radix_over_64_bits_is_illegal_operation)
{
    mt_run(guard_too_big);
}
END_TEST

/* --- invocation lookups (all 64 bits, in the caller's CSpace) ----------- */

static volatile int helper_done;

/*
 * Run helper in the guarded CSpace: it starts below the root task, gets L1
 * with guard G1 as its CSpace root (and the endpoint in L1 slot 2 as fault
 * handler), and reports MAGIC on the endpoint when it is done.
 */
static void run_in_guarded_cspace(mt_entry_fn helper)
{
    build_guarded();
    helper_done = 0;
    mica_cptr_t tcb = mt_spawn_named("guarded", helper, 0, 100);
    mt_assert_err(mica_tcb_set_space(tcb, L1_PATH(2), g.l1, mica_cnode_capdata_new(G1, 52),
                                     MICA_CAP_INIT_VSPACE, 0), MICA_NO_ERROR);
    mica_word_t badge = 1;
    mica_msginfo_t info = mica_recv(g.ep, &badge);
    ck_assert_uint_eq(mica_msginfo_get_label(info), 0);
    ck_assert_uint_eq(mica_msginfo_get_length(info), 1);
    ck_assert_uint_eq(badge, 0);
    mt_assert_mr(0, MAGIC);
}

static void report_done(mica_cptr_t ep)
{
    helper_done = 1;
    mica_set_mr(0, MAGIC);
    mica_send(ep, mica_msginfo_new(0, 0, 0, 1));
}

static void helper_resolves(mica_word_t arg)
{
    (void)arg;
    ck_assert_int_eq(mica_debug_cap_identify(L2_PATH(4)), MICA_CAP_TYPE_FRAME);
    ck_assert_uint_eq(frame_paddr(L2_PATH(4)), g.frame_paddr);
    for (mica_word_t s = 0; s < 8; s++)
        ck_assert_int_eq(mica_debug_cap_identify(L2_PATH(s)),
                         s == 4 ? MICA_CAP_TYPE_FRAME : MICA_CAP_TYPE_NULL);
    ck_assert_int_eq(mica_debug_cap_identify(L1_PATH(2)), MICA_CAP_TYPE_ENDPOINT);
    ck_assert_int_eq(mica_debug_cap_identify(L1_PATH(6)), MICA_CAP_TYPE_FRAME);
    /* The root task's slot numbers mean nothing here. */
    ck_assert_int_eq(mica_debug_cap_identify(CNODE), MICA_CAP_TYPE_NULL);
    ck_assert_int_eq(mica_debug_cap_identify(MICA_CAP_INIT_TCB), MICA_CAP_TYPE_NULL);
    report_done(L1_PATH(2));
}

static void root_resolves(const mica_bootinfo_t *bi)
{
    (void)bi;
    run_in_guarded_cspace(helper_resolves);
}

START_TEST(invocation_resolves_64_bits_through_guarded_cspace)
{
    mt_run(root_resolves);
    ck_assert(helper_done);
}
END_TEST

static void helper_trailing(mica_word_t arg)
{
    (void)arg;
    /* After a non-CNode cap the remaining 8 bits are ignored. */
    for (mica_word_t x = 0; x < 256; x++) {
        ck_assert_int_eq(mica_debug_cap_identify(L1_PATH(2) | x), MICA_CAP_TYPE_ENDPOINT);
        ck_assert_int_eq(mica_debug_cap_identify(L1_PATH(6) | x), MICA_CAP_TYPE_FRAME);
    }
    /* Real invocations too: a frame operation and the final Send. */
    ck_assert_uint_eq(frame_paddr(L1_PATH(6) | 0x77), g.frame_paddr);
    ck_assert_uint_eq(frame_paddr(L1_PATH(6) | 0xff), g.frame_paddr);
    report_done(L1_PATH(2) | 0xa5);
}

static void root_trailing(const mica_bootinfo_t *bi)
{
    (void)bi;
    run_in_guarded_cspace(helper_trailing);
}

START_TEST(invocation_ignores_bits_after_non_cnode_cap)
{
    mt_run(root_trailing);
    ck_assert(helper_done);
}
END_TEST

static void helper_unresolvable(mica_word_t arg)
{
    (void)arg;
    const mica_cptr_t bad[] = {
        (G1 + 1) << 12 | (2 << 8),          /* L1 guard mismatch */
        L1_PATH(2) | (1ul << 63),           /* L1 guard mismatch in the top bit */
        L2_PATH(4) ^ (1 << 3),              /* L2 guard mismatch */
        L1_PATH(1),                         /* L2 guard mismatch (guard bits 0) */
        L1_PATH(3),                         /* L3 needs 9 bits, 8 left */
        L1_PATH(3) | 0xff,
        ~0ul, 0,
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(mica_debug_cap_identify(bad[i]) == MICA_CAP_TYPE_NULL,
                      "cptr 0x%lx resolved", (unsigned long)bad[i]);
    /* Resolving to an empty slot (with or without bits left) is null as well. */
    ck_assert_int_eq(mica_debug_cap_identify(L1_PATH(7)), MICA_CAP_TYPE_NULL);
    ck_assert_int_eq(mica_debug_cap_identify(L2_PATH(5)), MICA_CAP_TYPE_NULL);
    report_done(L1_PATH(2));
}

static void root_unresolvable(const mica_bootinfo_t *bi)
{
    (void)bi;
    /* In the root CSpace: set bits in the 52-bit guard, and empty slots. */
    const mica_cptr_t bad[] = { 1ul << 12, (1ul << 63) | CNODE, CNODE | (1ul << 20), ~0ul,
                                mt_slot() };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(mica_debug_cap_identify(bad[i]) == MICA_CAP_TYPE_NULL,
                      "cptr 0x%lx resolved", (unsigned long)bad[i]);
    run_in_guarded_cspace(helper_unresolvable);
}

START_TEST(cap_identify_of_unresolvable_cptr_is_null)
{
    mt_run(root_unresolvable);
    ck_assert(helper_done);
}
END_TEST

/*
 * An invocation whose CPtr does not resolve is a cap fault: the handler
 * gets the CPtr, the phase, and the same lookup failure words.
 */
static const struct fault_case {
    mica_cptr_t cptr;
    bool recv;
    unsigned nwords;
    mica_word_t words[4];   /* lookup failure type and details */
} fault_cases[] = {
    { (G1 + 1) << 12, false, 4, { MICA_GUARD_MISMATCH, 64, G1, 52 } },
    { L2_PATH(4) ^ (1 << 3), false, 4, { MICA_GUARD_MISMATCH, 8, G2, 5 } },
    { L1_PATH(3), false, 3, { MICA_DEPTH_MISMATCH, 8, 9 } },
    { L1_PATH(3) | 3, true, 3, { MICA_DEPTH_MISMATCH, 8, 9 } },
    { L1_PATH(7), true, 2, { MICA_MISSING_CAPABILITY, 0 } },
};
#define NUM_FAULT_CASES (sizeof fault_cases / sizeof fault_cases[0])

static void helper_faults(mica_word_t i)
{
    const struct fault_case *c = &fault_cases[i];
    if (c->recv)
        mica_recv(c->cptr, NULL);
    else
        mica_call(c->cptr, mica_msginfo_new(0, 0, 0, 0));
    ck_abort_msg("cptr 0x%lx did not fault", (unsigned long)c->cptr);
}

static void root_faults(const mica_bootinfo_t *bi)
{
    (void)bi;
    build_guarded();
    for (mica_word_t i = 0; i < NUM_FAULT_CASES; i++) {
        const struct fault_case *c = &fault_cases[i];
        mica_cptr_t tcb = mt_spawn_named("faulter", helper_faults, i, 100);
        mt_assert_err(mica_tcb_set_space(tcb, L1_PATH(2), g.l1, mica_cnode_capdata_new(G1, 52),
                                         MICA_CAP_INIT_VSPACE, 0), MICA_NO_ERROR);
        mica_msginfo_t info = mica_recv(g.ep, NULL);
        ck_assert_uint_eq(mica_msginfo_get_label(info), MICA_FAULT_CAP);
        mt_assert_mr(MICA_CAP_FAULT_ADDR, c->cptr);
        mt_assert_mr(MICA_CAP_FAULT_IN_RECV_PHASE, c->recv);
        for (unsigned w = 0; w < c->nwords; w++)
            mt_assert_mr(MICA_CAP_FAULT_LOOKUP_FAILURE_TYPE + w, c->words[w]);
        ck_assert_uint_eq(mica_msginfo_get_length(info),
                          MICA_CAP_FAULT_LOOKUP_FAILURE_TYPE + c->nwords);
        mt_assert_err(mica_tcb_suspend(tcb), MICA_NO_ERROR);
    }
    helper_done = 1;
}

START_TEST(unresolvable_invocation_is_cap_fault_with_lookup_failure)
{
    helper_done = 0;
    mt_run(root_faults);
    ck_assert(helper_done);
}
END_TEST

/* --- sel4test CSPACE0001 and the 64-level chain --------------------------- */

/*
 * 64 CNodes of radix 1 (one bit each, no guards). CNode k+1's cap sits in
 * slot k % 2 of CNode k; the endpoint in slot 1 of CNode 63. Level k
 * consumes bit 63 - k, so the endpoint's CPtr has bit 63 - k = k % 2.
 */
static mica_cptr_t chain[MICA_WORD_BITS];
static mica_cptr_t chain_ep;
static mica_word_t ep_pos;

static void build_chain(void)
{
    for (unsigned k = 0; k < MICA_WORD_BITS; k++)
        chain[k] = mt_make(MICA_CNODE_OBJECT, 1);
    chain_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    ep_pos = 0;
    for (unsigned k = 0; k < MICA_WORD_BITS; k++) {
        mica_word_t bit = k % 2;
        mica_cptr_t what = k + 1 < MICA_WORD_BITS ? chain[k + 1] : chain_ep;
        mt_assert_err(mica_cnode_copy(chain[k], bit, 1, CNODE, what, DEPTH, MICA_ALL_RIGHTS),
                      MICA_NO_ERROR);
        ep_pos |= bit << (63 - k);
    }
}

static void chain_depths(const mica_bootinfo_t *bi)
{
    (void)bi;
    build_chain();
    mica_cptr_t out = mt_slot();
    /* Depth k stops in CNode k-1, on the slot that holds CNode k. */
    for (unsigned k = 1; k <= MICA_WORD_BITS; k++) {
        mica_word_t index = ep_pos >> (64 - k);
        mt_assert_err(mica_cnode_copy(CNODE, out, DEPTH, chain[0], index, (uint8_t)k,
                                      MICA_ALL_RIGHTS), MICA_NO_ERROR);
        ck_assert_int_eq(mica_debug_cap_identify(out),
                         k < MICA_WORD_BITS ? MICA_CAP_TYPE_CNODE : MICA_CAP_TYPE_ENDPOINT);
        mt_assert_err(mica_cnode_delete(CNODE, out, DEPTH), MICA_NO_ERROR);
    }
    uint64_t d = mt_kernel_digest();
    for (unsigned k = 1; k <= MICA_WORD_BITS; k++) {
        mica_word_t index = ep_pos >> (64 - k);
        /* The other slot at the last level is empty. */
        mt_assert_err(mica_cnode_copy(CNODE, out, DEPTH, chain[0], index ^ 1, (uint8_t)k,
                                      MICA_ALL_RIGHTS), MICA_FAILED_LOOKUP);
        mt_assert_mr(0, 1);
        mt_assert_mr(1, MICA_MISSING_CAPABILITY);
        mt_assert_mr(2, k);
        /* The other slot one level up is empty, with one bit still to go. */
        if (k >= 2) {
            mt_assert_err(mica_cnode_delete(chain[0], index ^ 2, (uint8_t)k),
                          MICA_FAILED_LOOKUP);
            mt_assert_mr(0, 0);
            mt_assert_mr(1, MICA_DEPTH_MISMATCH);
            mt_assert_mr(2, 1);
            mt_assert_mr(3, 0);
        }
    }
    ck_assert_msg(mt_kernel_digest() == d, "failed lookups changed kernel state");
    /* The whole chain can be taken down from the top. */
    mt_assert_err(mica_cnode_delete(chain[0], ep_pos, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(CNODE, out, DEPTH, chain[0], ep_pos, DEPTH, MICA_ALL_RIGHTS),
                  MICA_FAILED_LOOKUP);
}

START_TEST(chain_of_64_radix_1_cnodes_resolves_at_every_depth)
{
    mt_run(chain_depths);
}
END_TEST

/*
 * sel4test CSPACE0001 "Test full cspace resolution": a helper thread first
 * reports in from the root CSpace; its CSpace is then switched to the chain
 * with TCB_SetSpace. In the chain every small CPtr and every one-bit change
 * of the endpoint's CPtr names an empty slot (InvalidCapability), and the
 * endpoint's CPtr still reaches the endpoint.
 */
#define READY_MAGIC 0x12374153ul

static void cspace0001_helper(mica_word_t arg)
{
    (void)arg;
    mica_set_mr(0, READY_MAGIC);
    mica_send(chain_ep, mica_msginfo_new(0, 0, 0, 1));
    /* From here on the CSpace is the chain. */
    for (mica_word_t i = 0; i < MICA_WORD_BITS; i++) {
        mica_msginfo_t r = mica_call(i, mica_msginfo_new(0, 0, 0, 0));
        ck_assert_uint_eq(mica_msginfo_get_label(r), MICA_INVALID_CAPABILITY);
    }
    for (unsigned b = 0; b < MICA_WORD_BITS; b++) {
        mica_msginfo_t r = mica_call(ep_pos ^ (1ul << b), mica_msginfo_new(0, 0, 0, 0));
        ck_assert_uint_eq(mica_msginfo_get_label(r), MICA_INVALID_CAPABILITY);
    }
    ck_assert_int_eq(mica_debug_cap_identify(ep_pos), MICA_CAP_TYPE_ENDPOINT);
    report_done(ep_pos);
}

static void sel4test_cspace0001(const mica_bootinfo_t *bi)
{
    (void)bi;
    build_chain();
    helper_done = 0;
    mica_cptr_t tcb = mt_spawn_named("cspace0001", cspace0001_helper, 0, 100);
    mica_msginfo_t info = mica_recv(chain_ep, NULL);
    ck_assert_uint_eq(mica_msginfo_get_length(info), 1);
    mt_assert_mr(0, READY_MAGIC);
    mt_assert_err(mica_tcb_set_space(tcb, 0, chain[0], 0, MICA_CAP_INIT_VSPACE, 0),
                  MICA_NO_ERROR);
    info = mica_recv(chain_ep, NULL);
    ck_assert_uint_eq(mica_msginfo_get_label(info), 0);
    ck_assert_uint_eq(mica_msginfo_get_length(info), 1);
    mt_assert_mr(0, MAGIC);
}

START_TEST(sel4test_CSPACE0001_full_cspace_resolution)
{
    mt_run(sel4test_cspace0001);
    ck_assert(helper_done);
}
END_TEST

static Suite *cspace_suite(void)
{
    Suite *s = suite_create("cspace");

    TCase *tc = tcase_create("cnode_op_lookup");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, root_cnode_resolves_slot_numbers_at_depth_64_only);
    tcase_add_test(tc, guarded_cspace_resolves_at_every_depth);
    tcase_add_test(tc, guard_mismatch_reports_bits_left_guard_and_guard_size);
    tcase_add_test(tc, depth_mismatch_reports_bits_left_and_bits_needed);
    tcase_add_test(tc, bits_left_after_non_cnode_cap_is_depth_mismatch);
    tcase_add_test(tc, root_that_is_not_a_cnode_is_invalid_root);
    tcase_add_test(tc, depth_outside_1_to_64_is_range_error);
    tcase_add_test(tc, empty_source_slot_is_missing_capability);
    tcase_add_test(tc, cnode_guard_is_masked_to_guard_size);
    tcase_add_test(tc, guard_and_radix_over_64_bits_is_illegal_operation);
    suite_add_tcase(s, tc);

    tc = tcase_create("invocation_lookup");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, invocation_resolves_64_bits_through_guarded_cspace);
    tcase_add_test(tc, invocation_ignores_bits_after_non_cnode_cap);
    tcase_add_test(tc, cap_identify_of_unresolvable_cptr_is_null);
    tcase_add_test(tc, unresolvable_invocation_is_cap_fault_with_lookup_failure);
    suite_add_tcase(s, tc);

    tc = tcase_create("sel4test");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, chain_of_64_radix_1_cnodes_resolves_at_every_depth);
    tcase_add_test(tc, sel4test_CSPACE0001_full_cspace_resolution);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(cspace_suite)
