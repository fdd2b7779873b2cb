/*
 * test_cnode.c - every CNode invocation: Copy, Mint, Move, Mutate, Rotate,
 * Delete, Revoke, SaveCaller and CancelBadgedSends.
 *
 * For each operation: its success paths, then every error it can return
 * with the exact code and, where seL4 defines them, the details in the
 * message registers. Every failing call is also checked to leave the kernel
 * state untouched (mt_kernel_digest before and after). Cases taken from
 * sel4test's CNODEOP0001-0009 are marked with the test's name.
 */
#include "harness.h"

/* --- fixture ----------------------------------------------------------- */

static mt_root_fn test_body;
static volatile int body_finished;

static void body_wrapper(const mica_bootinfo_t *bi)
{
    test_body(bi);
    body_finished = 1;
}

/*
 * Run fn as the root task. A root task that faults is simply stopped, which
 * would skip the rest of its assertions, so also check it reached its end.
 */
static void run(mt_root_fn fn)
{
    test_body = fn;
    body_finished = 0;
    mt_run(body_wrapper);
    ck_assert_msg(body_finished, "the root task did not reach the end of the test");
}

#define OK(expr) mt_assert_err(expr, MICA_NO_ERROR)

/* An invocation that must fail with `want` and leave every kernel object as it was. */

#define ASSERT_MR(i, v) do { \
        mica_word_t mr_got_ = mica_get_mr(i), mr_want_ = (mica_word_t)(v); \
        ck_assert_msg(mr_got_ == mr_want_, "MR%d is %lu, expected %lu", (i), \
                      (unsigned long)mr_got_, (unsigned long)mr_want_); \
    } while (0)

/* RangeError: MR0 = min, MR1 = max. */
#define ASSERT_RANGE(min, max) do { ASSERT_MR(0, min); ASSERT_MR(1, max); } while (0)

/* FailedLookup: MR0 = 1 for a source (or pivot) lookup, MR1 = failure type, MR2.. details. */
#define ASSERT_INVALID_ROOT(src) do { \
        ASSERT_MR(0, src); ASSERT_MR(1, MICA_INVALID_ROOT); \
    } while (0)
#define ASSERT_MISSING_CAP(src, left) do { \
        ASSERT_MR(0, src); ASSERT_MR(1, MICA_MISSING_CAPABILITY); ASSERT_MR(2, left); \
    } while (0)
#define ASSERT_DEPTH_MISMATCH(src, left, found) do { \
        ASSERT_MR(0, src); ASSERT_MR(1, MICA_DEPTH_MISMATCH); ASSERT_MR(2, left); \
        ASSERT_MR(3, found); \
    } while (0)
#define ASSERT_GUARD_MISMATCH(src, left, guard, found) do { \
        ASSERT_MR(0, src); ASSERT_MR(1, MICA_GUARD_MISMATCH); ASSERT_MR(2, left); \
        ASSERT_MR(3, guard); ASSERT_MR(4, found); \
    } while (0)

#define TYPE_IS(cptr, t) do { \
        mica_cap_type_t type_got_ = mica_debug_cap_identify(cptr); \
        ck_assert_msg(type_got_ == (t), "slot %lu holds a %s cap, expected %s", \
                      (unsigned long)(cptr), mica_cap_type_name(type_got_), \
                      mica_cap_type_name(t)); \
    } while (0)

#define SOURCE 1
#define DEST 0

/* The root CNode: radix 12 under a 52-bit zero guard. */
#define ROOT_GUARD_BITS (MICA_WORD_BITS - 12)

/* --- helpers ------------------------------------------------------------ */

static mica_cptr_t copy_of(mica_cptr_t src, mica_cap_rights_t rights)
{
    mica_cptr_t s = mt_slot();
    OK(mica_cnode_copy(CNODE, s, DEPTH, CNODE, src, DEPTH, rights));
    return s;
}

static mica_cptr_t mint_of(mica_cptr_t src, mica_cap_rights_t rights, mica_word_t badge)
{
    mica_cptr_t s = mt_slot();
    OK(mica_cnode_mint(CNODE, s, DEPTH, CNODE, src, DEPTH, rights, badge));
    return s;
}

/* Retype one object of type from untyped ut into a fresh slot. */
static mica_cptr_t make_from(mica_cptr_t ut, mica_word_t type, mica_word_t size_bits)
{
    mica_cptr_t s = mt_slot();
    OK(mica_untyped_retype(ut, type, size_bits, CNODE, 0, 0, s, 1));
    return s;
}

/* Signal through sig; return the badge the notification cap ntfn (with Read) then holds. */
static mica_word_t signal_and_poll(mica_cptr_t sig, mica_cptr_t ntfn)
{
    mica_word_t badge = 0;
    mica_signal(sig);
    mica_poll(ntfn, &badge);
    return badge;
}

/* Call cap with an empty message; return the reply's label. */
static mica_error_t call_cap(mica_cptr_t cap)
{
    return (mica_error_t)mica_msginfo_get_label(mica_call(cap, mica_msginfo_new(0, 0, 0, 0)));
}

/*
 * Call cap with a hand-built message: label, extra caps (already placed with
 * mica_set_cap), length, and its first n words. Returns the reply's label.
 */
static mica_error_t raw_call(mica_cptr_t cap, mica_word_t label, mica_word_t extra_caps,
                             mica_word_t length, const mica_word_t *mr, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        mica_set_mr((int)i, mr[i]);
    mica_msginfo_t out = mica_call(cap, mica_msginfo_new(label, 0, extra_caps, length));
    return (mica_error_t)mica_msginfo_get_label(out);
}

/* Let every runnable lower-priority thread run until it blocks or exits. */
static void let_others_run(void)
{
    OK(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 0));
    OK(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, MICA_MAX_PRIO));
}

/* Sender threads: sender i sends label 0x42, MR0 = 100 + i on send_cap[i]. */
#define SENDERS 4
static mica_cptr_t send_cap[SENDERS];
static volatile int send_returned[SENDERS];

static void sender(mica_word_t i)
{
    mica_set_mr(0, 100 + i);
    mica_send(send_cap[i], mica_msginfo_new(0x42, 0, 0, 1));
    send_returned[i] = 1;
}

/* Start sender i on cap and let it block there; returns its TCB cap. */
static mica_cptr_t start_sender(unsigned i, mica_cptr_t cap)
{
    send_cap[i] = cap;
    mica_cptr_t tcb = mt_spawn(sender, i, 100);
    let_others_run();
    ck_assert_msg(!send_returned[i], "sender %u did not block", i);
    return tcb;
}

/* Receive one message on ep; check it came from sender i with badge. */
static void receive_from_sender(mica_cptr_t ep, unsigned i, mica_word_t badge)
{
    mica_word_t got = ~0ul;
    mica_msginfo_t m = mica_recv(ep, &got);
    ck_assert_uint_eq(mica_msginfo_get_label(m), 0x42);
    ck_assert_uint_eq(mica_get_mr(0), 100 + i);
    ck_assert_uint_eq(got, badge);
    let_others_run();
    ck_assert(send_returned[i]);
}

/* A caller thread: Calls ep with label 0x11, MR0 = 7 and records the reply. */
static volatile int call_returned;
static volatile mica_word_t call_reply_label, call_reply_mr0;

static void caller(mica_word_t ep)
{
    mica_set_mr(0, 7);
    mica_msginfo_t r = mica_call(ep, mica_msginfo_new(0x11, 0, 0, 1));
    call_reply_label = mica_msginfo_get_label(r);
    call_reply_mr0 = mica_get_mr(0);
    call_returned = 1;
}

/* Receive a Call on ep: the root thread's caller slot then holds the reply cap. */
static void receive_a_call(mica_cptr_t ep)
{
    mt_spawn(caller, ep, 100);
    mica_word_t badge = ~0ul;
    mica_msginfo_t m = mica_recv(ep, &badge);
    ck_assert_uint_eq(mica_msginfo_get_label(m), 0x11);
    ck_assert_uint_eq(mica_get_mr(0), 7);
    ck_assert_uint_eq(badge, 0);
    ck_assert(!call_returned);
}

/* Reply (label 0x22, MR0 = 99) through the reply cap in slot; check the caller got it. */
static void reply_through(mica_cptr_t slot)
{
    mica_set_mr(0, 99);
    mica_send(slot, mica_msginfo_new(0x22, 0, 0, 1));
    let_others_run();
    ck_assert(call_returned);
    ck_assert_uint_eq(call_reply_label, 0x22);
    ck_assert_uint_eq(call_reply_mr0, 99);
    /* A reply cap is used up by the reply. */
    TYPE_IS(slot, MICA_CAP_TYPE_NULL);
}

/* A CNode path: root cap, index, depth. */
typedef struct path {
    mica_cptr_t root;
    mica_word_t index;
    uint8_t depth;
} path_t;

#define AT(r, i, d) ((path_t){ (r), (i), (d) })
#define ROOT_SLOT(i) AT(CNODE, (i), DEPTH)

/*
 * Invoke CNode operation `label` on dest.root with destination dest; the
 * two-slot operations take their source from src (rights all, data 0), and
 * Rotate its pivot from pivot.
 */
static mica_error_t cnode_op(mica_word_t label, path_t dest, path_t src, path_t pivot)
{
    switch (label) {
    case MICA_CNODE_REVOKE:
        return mica_cnode_revoke(dest.root, dest.index, dest.depth);
    case MICA_CNODE_DELETE:
        return mica_cnode_delete(dest.root, dest.index, dest.depth);
    case MICA_CNODE_CANCEL_BADGED_SENDS:
        return mica_cnode_cancel_badged_sends(dest.root, dest.index, dest.depth);
    case MICA_CNODE_COPY:
        return mica_cnode_copy(dest.root, dest.index, dest.depth, src.root, src.index, src.depth,
                               MICA_ALL_RIGHTS);
    case MICA_CNODE_MINT:
        return mica_cnode_mint(dest.root, dest.index, dest.depth, src.root, src.index, src.depth,
                               MICA_ALL_RIGHTS, 0);
    case MICA_CNODE_MOVE:
        return mica_cnode_move(dest.root, dest.index, dest.depth, src.root, src.index, src.depth);
    case MICA_CNODE_MUTATE:
        return mica_cnode_mutate(dest.root, dest.index, dest.depth, src.root, src.index,
                                 src.depth, 0);
    case MICA_CNODE_ROTATE:
        return mica_cnode_rotate(dest.root, dest.index, dest.depth, 0, pivot.root, pivot.index,
                                 pivot.depth, 0, src.root, src.index, src.depth);
    case MICA_CNODE_SAVE_CALLER:
        return mica_cnode_save_caller(dest.root, dest.index, dest.depth);
    default:
        ck_abort_msg("label %lu is not a CNode operation", (unsigned long)label);
    }
    return MICA_NUM_ERRORS;
}

/* The operations that look up a source slot. */
static const mica_word_t two_slot_ops[] = {
    MICA_CNODE_COPY, MICA_CNODE_MINT, MICA_CNODE_MOVE, MICA_CNODE_MUTATE, MICA_CNODE_ROTATE,
};
#define N_TWO_SLOT_OPS (sizeof two_slot_ops / sizeof two_slot_ops[0])

/* ======================================================================= */
/* Addressing: what every CNode operation shares.                          */
/* ======================================================================= */

static void dest_depth_outside_1_64(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t src = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t pivot = mt_make(MICA_FRAME_OBJECT, 0);
    mica_cptr_t dest = mt_slot();
    for (mica_word_t l = MICA_CNODE_REVOKE; l <= MICA_CNODE_SAVE_CALLER; l++) {
        mt_assert_fails(cnode_op(l, AT(CNODE, dest, 0), ROOT_SLOT(src), ROOT_SLOT(pivot)),
              MICA_RANGE_ERROR);
        ASSERT_RANGE(1, 64);
        mt_assert_fails(cnode_op(l, AT(CNODE, dest, 65), ROOT_SLOT(src), ROOT_SLOT(pivot)),
              MICA_RANGE_ERROR);
        ASSERT_RANGE(1, 64);
        mt_assert_fails(cnode_op(l, AT(CNODE, dest, 255), ROOT_SLOT(src), ROOT_SLOT(pivot)),
              MICA_RANGE_ERROR);
        ASSERT_RANGE(1, 64);
    }
    /* The kernel takes the whole depth word: 0x100 + 64 is no valid depth. */
    mica_set_cap(0, CNODE);
    mica_word_t w[5] = { dest, 0x100 + DEPTH, src, DEPTH, MICA_ALL_RIGHTS.words[0] };
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_COPY, 1, 5, w, 5), MICA_RANGE_ERROR);
    ASSERT_RANGE(1, 64);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
}

START_TEST(every_operation_rejects_destination_depth_0_and_65)
{
    run(dest_depth_outside_1_64);
}
END_TEST

static void dest_lookup_failures(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t src = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t pivot = mt_make(MICA_FRAME_OBJECT, 0);
    mica_cptr_t dest = mt_slot();
    /* A 4-bit CNode with an endpoint in slot 2. */
    mica_cptr_t c = mt_make(MICA_CNODE_OBJECT, 4);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    OK(mica_cnode_copy(c, 2, 4, CNODE, ep, DEPTH, MICA_ALL_RIGHTS));

    for (mica_word_t l = MICA_CNODE_REVOKE; l <= MICA_CNODE_SAVE_CALLER; l++) {
        /* Depth 32 in the root CNode: its 52-bit guard does not fit. */
        mt_assert_fails(cnode_op(l, AT(CNODE, dest, 32), ROOT_SLOT(src), ROOT_SLOT(pivot)),
              MICA_FAILED_LOOKUP);
        ASSERT_GUARD_MISMATCH(DEST, 32, 0, ROOT_GUARD_BITS);
        /* Bits set above the slot number break the root's zero guard. */
        mt_assert_fails(cnode_op(l, ROOT_SLOT(dest | (1ul << 40)), ROOT_SLOT(src), ROOT_SLOT(pivot)),
              MICA_FAILED_LOOKUP);
        ASSERT_GUARD_MISMATCH(DEST, 64, 0, ROOT_GUARD_BITS);
        /* Two bits left over after the endpoint in slot 2 of the 4-bit CNode. */
        mt_assert_fails(cnode_op(l, AT(c, 2 << 2, 6), ROOT_SLOT(src), ROOT_SLOT(pivot)),
              MICA_FAILED_LOOKUP);
        ASSERT_DEPTH_MISMATCH(DEST, 2, 0);
        /* ... or after an empty slot. */
        mt_assert_fails(cnode_op(l, AT(c, 3 << 2, 6), ROOT_SLOT(src), ROOT_SLOT(pivot)),
              MICA_FAILED_LOOKUP);
        ASSERT_DEPTH_MISMATCH(DEST, 2, 0);
        /* Depth 2 cannot cover the CNode's 4 bits. */
        mt_assert_fails(cnode_op(l, AT(c, 2, 2), ROOT_SLOT(src), ROOT_SLOT(pivot)), MICA_FAILED_LOOKUP);
        ASSERT_DEPTH_MISMATCH(DEST, 2, 4);
    }
}

START_TEST(every_operation_reports_destination_lookup_failures)
{
    run(dest_lookup_failures);
}
END_TEST

static void source_lookup_failures(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t pivot = mt_make(MICA_FRAME_OBJECT, 0);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t empty = mt_slot();
    mica_cptr_t dest = mt_slot();
    mica_cptr_t c = mt_make(MICA_CNODE_OBJECT, 4);
    OK(mica_cnode_copy(c, 2, 4, CNODE, ep, DEPTH, MICA_ALL_RIGHTS));

    for (unsigned i = 0; i < N_TWO_SLOT_OPS; i++) {
        mica_word_t l = two_slot_ops[i];
        path_t d = ROOT_SLOT(dest), p = ROOT_SLOT(pivot);
        mt_assert_fails(cnode_op(l, d, AT(CNODE, ep, 0), p), MICA_RANGE_ERROR);
        ASSERT_RANGE(1, 64);
        mt_assert_fails(cnode_op(l, d, AT(CNODE, ep, 65), p), MICA_RANGE_ERROR);
        ASSERT_RANGE(1, 64);
        /* A source root that is not a CNode: an endpoint, an empty slot. */
        mt_assert_fails(cnode_op(l, d, AT(ep, ep, DEPTH), p), MICA_FAILED_LOOKUP);
        ASSERT_INVALID_ROOT(SOURCE);
        mt_assert_fails(cnode_op(l, d, AT(empty, ep, DEPTH), p), MICA_FAILED_LOOKUP);
        ASSERT_INVALID_ROOT(SOURCE);
        /* The root's type is checked before the depth. */
        mt_assert_fails(cnode_op(l, d, AT(ep, ep, 0), p), MICA_FAILED_LOOKUP);
        ASSERT_INVALID_ROOT(SOURCE);
        mt_assert_fails(cnode_op(l, d, AT(CNODE, ep, 32), p), MICA_FAILED_LOOKUP);
        ASSERT_GUARD_MISMATCH(SOURCE, 32, 0, ROOT_GUARD_BITS);
        mt_assert_fails(cnode_op(l, d, AT(c, 2 << 2, 6), p), MICA_FAILED_LOOKUP);
        ASSERT_DEPTH_MISMATCH(SOURCE, 2, 0);
        mt_assert_fails(cnode_op(l, d, AT(c, 1, 2), p), MICA_FAILED_LOOKUP);
        ASSERT_DEPTH_MISMATCH(SOURCE, 2, 4);
        TYPE_IS(dest, MICA_CAP_TYPE_NULL);
    }
}

START_TEST(every_source_lookup_reports_failures_as_source)
{
    run(source_lookup_failures);
}
END_TEST

static void empty_invoked_cap(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t empty = mt_slot();
    mica_cptr_t src = mt_make(MICA_TCB_OBJECT, 0);
    for (mica_word_t l = MICA_CNODE_REVOKE; l <= MICA_CNODE_SAVE_CALLER; l++) {
        mt_assert_fails(cnode_op(l, AT(empty, 1, DEPTH), ROOT_SLOT(src), ROOT_SLOT(src)),
              MICA_INVALID_CAPABILITY);
        ASSERT_MR(0, 0);
    }
}

START_TEST(operation_on_an_empty_cap_fails)
{
    run(empty_invoked_cap);
}
END_TEST

static void unknown_labels(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t src = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t dest = mt_slot();
    const mica_word_t labels[] = {
        MICA_INVALID_INVOCATION, MICA_UNTYPED_RETYPE, MICA_TCB_SUSPEND, MICA_TCB_SET_TLS_BASE,
        MICA_IRQ_ISSUE_IRQ_HANDLER, MICA_PAGE_MAP, MICA_PAGE_GET_ADDRESS,
        MICA_NUM_INVOCATION_LABELS, 1000, 1ul << 40,
    };
    mica_word_t w[8] = { dest, DEPTH, src, DEPTH, MICA_ALL_RIGHTS.words[0], 0, src, DEPTH };
    mica_set_cap(0, CNODE);
    mica_set_cap(1, CNODE);
    for (unsigned i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        mt_assert_fails(raw_call(CNODE, labels[i], 2, 8, w, 8), MICA_ILLEGAL_OPERATION);
        /* The label is checked before the length. */
        mt_assert_fails(raw_call(CNODE, labels[i], 0, 0, w, 0), MICA_ILLEGAL_OPERATION);
    }
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
}

START_TEST(unknown_label_on_a_cnode_cap_fails)
{
    run(unknown_labels);
}
END_TEST

/* Every operation: fewer than 2 words is a truncated message, checked before the lookup. */
static void short_messages(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t dest = mt_slot();
    mica_word_t w[2] = { dest, 0 /* a bad depth, never reached */ };
    mica_set_cap(0, CNODE);
    mica_set_cap(1, CNODE);
    for (mica_word_t l = MICA_CNODE_REVOKE; l <= MICA_CNODE_SAVE_CALLER; l++) {
        mt_assert_fails(raw_call(CNODE, l, 0, 0, w, 2), MICA_TRUNCATED_MESSAGE);
        mt_assert_fails(raw_call(CNODE, l, 2, 1, w, 2), MICA_TRUNCATED_MESSAGE);
    }
}

START_TEST(every_operation_needs_two_words)
{
    run(short_messages);
}
END_TEST

/* Call CNode_Copy with a full message; return the reply (label = error, length = detail words). */
static mica_msginfo_t copy_reply(mica_word_t dest, mica_word_t dest_depth, mica_cptr_t src_root,
                                 mica_word_t src, mica_word_t src_depth)
{
    mica_set_cap(0, src_root);
    mica_set_mr(0, dest);
    mica_set_mr(1, dest_depth);
    mica_set_mr(2, src);
    mica_set_mr(3, src_depth);
    mica_set_mr(4, MICA_ALL_RIGHTS.words[0]);
    return mica_call(CNODE, mica_msginfo_new(MICA_CNODE_COPY, 0, 1, 5));
}

static void error_reply_lengths(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t c = mt_make(MICA_CNODE_OBJECT, 4);
    mica_cptr_t dest = mt_slot();
    const struct {
        mica_word_t dest, dest_depth;
        mica_cptr_t src_root;
        mica_word_t src, src_depth;
        mica_error_t err;
        mica_word_t length;
    } cases[] = {
        { dest, 0, CNODE, ep, DEPTH, MICA_RANGE_ERROR, 2 },
        { dest, DEPTH, ep, ep, DEPTH, MICA_FAILED_LOOKUP, 2 },         /* InvalidRoot */
        { dest, DEPTH, CNODE, mt_slot(), DEPTH, MICA_FAILED_LOOKUP, 3 }, /* MissingCapability */
        { dest, DEPTH, c, 1, 6, MICA_FAILED_LOOKUP, 4 },               /* DepthMismatch */
        { dest, 32, CNODE, ep, DEPTH, MICA_FAILED_LOOKUP, 5 },         /* GuardMismatch */
        { ep, DEPTH, CNODE, ep, DEPTH, MICA_DELETE_FIRST, 0 },
        { dest, DEPTH, CNODE, MICA_CAP_IRQ_CONTROL, DEPTH, MICA_ILLEGAL_OPERATION, 0 },
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t d = mt_kernel_digest();
        mica_msginfo_t r = copy_reply(cases[i].dest, cases[i].dest_depth, cases[i].src_root,
                                      cases[i].src, cases[i].src_depth);
        ck_assert_msg(mt_kernel_digest() == d, "case %u changed kernel state", i);
        ck_assert_msg(mica_msginfo_get_label(r) == cases[i].err, "case %u: error %s", i,
                      mica_error_name((mica_error_t)mica_msginfo_get_label(r)));
        ck_assert_msg(mica_msginfo_get_length(r) == cases[i].length, "case %u: length %lu", i,
                      (unsigned long)mica_msginfo_get_length(r));
        ck_assert_uint_eq(mica_msginfo_get_extra_caps(r), 0);
        ck_assert_uint_eq(mica_msginfo_get_caps_unwrapped(r), 0);
    }
    /* Success: label 0, no words. */
    mica_msginfo_t r = copy_reply(dest, DEPTH, CNODE, ep, DEPTH);
    ck_assert_uint_eq(r.words[0], 0);
}

START_TEST(error_replies_carry_exactly_their_details)
{
    run(error_reply_lengths);
}
END_TEST

/* ======================================================================= */
/* Copy                                                                    */
/* ======================================================================= */

/* sel4test CNODEOP0001: the copy names the same object. */
static void copy_same_object(const mica_bootinfo_t *bi)
{
    (void)bi;
    /* A TCB: registers written through the copy read back through the original. */
    mica_cptr_t tcb = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t tcb2 = copy_of(tcb, MICA_ALL_RIGHTS);
    TYPE_IS(tcb2, MICA_CAP_TYPE_TCB);
    mica_user_context_t in = { 0 }, out = { 0 };
    in.r0 = 0x1234;
    in.r7 = 0x5678;
    OK(mica_tcb_write_registers(tcb2, false, 0, MICA_USER_CONTEXT_WORDS, &in));
    OK(mica_tcb_read_registers(tcb, false, 0, MICA_USER_CONTEXT_WORDS, &out));
    ck_assert_uint_eq(out.r0, 0x1234);
    ck_assert_uint_eq(out.r7, 0x5678);

    /* A badged notification: the copy keeps the badge and signals the same object. */
    mica_cptr_t ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t badged = mint_of(ntfn, MICA_ALL_RIGHTS, 0x10);
    mica_cptr_t copy = copy_of(badged, MICA_ALL_RIGHTS);
    TYPE_IS(copy, MICA_CAP_TYPE_NOTIFICATION);
    ck_assert_uint_eq(signal_and_poll(copy, ntfn), 0x10);

    /* The root CNode: a copy addresses the same slots. */
    mica_cptr_t root2 = copy_of(CNODE, MICA_ALL_RIGHTS);
    mica_cptr_t dest = mt_slot();
    OK(mica_cnode_copy(root2, dest, DEPTH, root2, badged, DEPTH, MICA_ALL_RIGHTS));
    TYPE_IS(dest, MICA_CAP_TYPE_NOTIFICATION);
    ck_assert_uint_eq(signal_and_poll(dest, ntfn), 0x10);
    /* The source slot is untouched. */
    TYPE_IS(badged, MICA_CAP_TYPE_NOTIFICATION);
}

START_TEST(copy_names_the_same_object)
{
    run(copy_same_object);
}
END_TEST

static void copy_every_type(const mica_bootinfo_t *bi)
{
    mica_cptr_t handler = mt_slot();
    OK(mica_irq_control_get(MICA_CAP_IRQ_CONTROL, 5, CNODE, handler, DEPTH));
    struct {
        mica_cptr_t cap;
        mica_cap_type_t type;
    } caps[] = {
        { mt_make(MICA_UNTYPED_OBJECT, 12), MICA_CAP_TYPE_UNTYPED },
        { mt_make(MICA_ENDPOINT_OBJECT, 0), MICA_CAP_TYPE_ENDPOINT },
        { mt_make(MICA_NOTIFICATION_OBJECT, 0), MICA_CAP_TYPE_NOTIFICATION },
        { mt_make(MICA_CNODE_OBJECT, 3), MICA_CAP_TYPE_CNODE },
        { mt_make(MICA_TCB_OBJECT, 0), MICA_CAP_TYPE_TCB },
        { mt_make(MICA_FRAME_OBJECT, 0), MICA_CAP_TYPE_FRAME },
        { MICA_CAP_INIT_IPC_BUFFER, MICA_CAP_TYPE_FRAME },      /* mapped */
        { bi->user_image_paging.start + 2, MICA_CAP_TYPE_PAGE_TABLE }, /* mapped */
        { MICA_CAP_INIT_VSPACE, MICA_CAP_TYPE_VSPACE },
        { handler, MICA_CAP_TYPE_IRQ_HANDLER },
    };
    for (unsigned i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        TYPE_IS(caps[i].cap, caps[i].type);
        mica_cptr_t c = copy_of(caps[i].cap, MICA_ALL_RIGHTS);
        TYPE_IS(c, caps[i].type);
        TYPE_IS(caps[i].cap, caps[i].type);
    }
}

START_TEST(copy_works_for_every_derivable_cap_type)
{
    run(copy_every_type);
}
END_TEST

static void copy_frame(const mica_bootinfo_t *bi)
{
    (void)bi;
    /* The copy of a mapped frame cap is an unmapped cap to the same frame. */
    mica_word_t vaddr = 0x20000000;
    mica_cptr_t pt = mt_make(MICA_PAGE_TABLE_OBJECT, 0);
    OK(mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, vaddr, MICA_DEFAULT_VM_ATTRIBUTES));
    mica_cptr_t copy = copy_of(MICA_CAP_INIT_IPC_BUFFER, MICA_ALL_RIGHTS);
    OK(mica_page_map(copy, MICA_CAP_INIT_VSPACE, vaddr, MICA_READ_WRITE,
                     MICA_DEFAULT_VM_ATTRIBUTES));
    mica_ipc_buffer_t *alias = mica_vaddr_to_ptr(vaddr);
    ck_assert_ptr_nonnull(alias);
    mica_get_ipc_buffer()->msg[100] = 0xfeed;
    ck_assert_uint_eq(alias->msg[100], 0xfeed);
    OK(mica_page_unmap(copy));
    /* A mapped page table can be copied (an unmapped one cannot: see below). */
    TYPE_IS(copy_of(pt, MICA_ALL_RIGHTS), MICA_CAP_TYPE_PAGE_TABLE);
}

START_TEST(copy_of_mapped_frame_is_unmapped)
{
    run(copy_frame);
}
END_TEST

/* sel4test CNODEOP0001: copying into a full slot gives DeleteFirst. */
static void copy_occupied(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t dest = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t empty = mt_slot();
    mt_assert_fails(mica_cnode_copy(CNODE, dest, DEPTH, CNODE, ep, DEPTH, MICA_ALL_RIGHTS),
          MICA_DELETE_FIRST);
    TYPE_IS(dest, MICA_CAP_TYPE_NOTIFICATION);
    TYPE_IS(ep, MICA_CAP_TYPE_ENDPOINT);
    /* The destination is checked before anything about the source. */
    mt_assert_fails(mica_cnode_copy(CNODE, dest, DEPTH, CNODE, empty, DEPTH, MICA_ALL_RIGHTS),
          MICA_DELETE_FIRST);
    mt_assert_fails(mica_cnode_copy(CNODE, dest, DEPTH, ep, ep, DEPTH, MICA_ALL_RIGHTS),
          MICA_DELETE_FIRST);
    mt_assert_fails(mica_cnode_copy(CNODE, dest, DEPTH, CNODE, ep, 0, MICA_ALL_RIGHTS),
          MICA_DELETE_FIRST);
    mt_assert_fails(mica_cnode_copy(CNODE, dest, DEPTH, CNODE, MICA_CAP_IRQ_CONTROL, DEPTH,
                          MICA_ALL_RIGHTS), MICA_DELETE_FIRST);
    /* A slot copied onto itself is full. */
    mt_assert_fails(mica_cnode_copy(CNODE, ep, DEPTH, CNODE, ep, DEPTH, MICA_ALL_RIGHTS),
          MICA_DELETE_FIRST);
}

START_TEST(copy_to_occupied_slot_fails)
{
    run(copy_occupied);
}
END_TEST

/* sel4test CNODEOP0001: copying from an empty slot gives FailedLookup. */
static void copy_empty(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t empty = mt_slot();
    mica_cptr_t dest = mt_slot();
    mt_assert_fails(mica_cnode_copy(CNODE, dest, DEPTH, CNODE, empty, DEPTH, MICA_ALL_RIGHTS),
          MICA_FAILED_LOOKUP);
    ASSERT_MISSING_CAP(SOURCE, 64);
    mt_assert_fails(mica_cnode_copy(CNODE, dest, DEPTH, CNODE, MICA_CAP_NULL, DEPTH, MICA_ALL_RIGHTS),
          MICA_FAILED_LOOKUP);
    ASSERT_MISSING_CAP(SOURCE, 64);
    /* bitsLeft is the source depth. */
    mica_cptr_t c = mt_make(MICA_CNODE_OBJECT, 4);
    mt_assert_fails(mica_cnode_copy(CNODE, dest, DEPTH, c, 9, 4, MICA_ALL_RIGHTS), MICA_FAILED_LOOKUP);
    ASSERT_MISSING_CAP(SOURCE, 4);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
    /* An empty slot copied onto itself: the destination is empty, the source missing. */
    mt_assert_fails(mica_cnode_copy(CNODE, empty, DEPTH, CNODE, empty, DEPTH, MICA_ALL_RIGHTS),
          MICA_FAILED_LOOKUP);
    ASSERT_MISSING_CAP(SOURCE, 64);
}

START_TEST(copy_from_empty_slot_fails)
{
    run(copy_empty);
}
END_TEST

static void copy_rights(const mica_bootinfo_t *bi)
{
    (void)bi;
    /* Endpoint: without Write a Call is refused as an invalid cap (MR0 = 0, the invoked cap). */
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t no_write = copy_of(ep, MICA_NO_WRITE);
    TYPE_IS(no_write, MICA_CAP_TYPE_ENDPOINT);
    mt_assert_fails(call_cap(no_write), MICA_INVALID_CAPABILITY);
    ASSERT_MR(0, 0);
    /* Asking for all rights back is silently downgraded. */
    mica_cptr_t regrown = copy_of(no_write, MICA_ALL_RIGHTS);
    mt_assert_fails(call_cap(regrown), MICA_INVALID_CAPABILITY);
    ASSERT_MR(0, 0);
    mica_cptr_t none = copy_of(ep, MICA_NO_RIGHTS);
    TYPE_IS(none, MICA_CAP_TYPE_ENDPOINT);
    mt_assert_fails(call_cap(none), MICA_INVALID_CAPABILITY);
    ASSERT_MR(0, 0);

    /* CancelBadgedSends needs all four rights: each missing one is seen and stays missing. */
    const mica_cap_rights_t missing_one[] = {
        MICA_NO_WRITE, MICA_NO_READ, mica_cap_rights_new(1, 0, 1, 1),
        mica_cap_rights_new(0, 1, 1, 1),
    };
    for (unsigned i = 0; i < 4; i++) {
        mica_cptr_t c = copy_of(ep, missing_one[i]);
        mt_assert_fails(mica_cnode_cancel_badged_sends(CNODE, c, DEPTH), MICA_ILLEGAL_OPERATION);
        mica_cptr_t c2 = copy_of(c, MICA_ALL_RIGHTS);
        mt_assert_fails(mica_cnode_cancel_badged_sends(CNODE, c2, DEPTH), MICA_ILLEGAL_OPERATION);
    }
    OK(mica_cnode_cancel_badged_sends(CNODE, copy_of(ep, MICA_ALL_RIGHTS), DEPTH));

    /* Notification: a copy without Write cannot signal, and never regains Write. */
    mica_cptr_t ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t badged = mint_of(ntfn, MICA_ALL_RIGHTS, 0x10);
    mica_cptr_t read_only = copy_of(badged, MICA_CAN_READ);
    ck_assert_uint_eq(signal_and_poll(read_only, ntfn), 0);
    ck_assert_uint_eq(signal_and_poll(copy_of(read_only, MICA_ALL_RIGHTS), ntfn), 0);
    ck_assert_uint_eq(signal_and_poll(copy_of(badged, MICA_CAN_WRITE), ntfn), 0x10);
    ck_assert_uint_eq(signal_and_poll(badged, ntfn), 0x10);

    /* Caps without rights bits are copied whole with any rights mask. */
    mica_cptr_t cn = copy_of(CNODE, MICA_NO_RIGHTS);
    OK(mica_cnode_copy(cn, mt_slot(), DEPTH, cn, ntfn, DEPTH, MICA_ALL_RIGHTS));
    mica_cptr_t tcb = copy_of(MICA_CAP_INIT_TCB, MICA_NO_RIGHTS);
    OK(mica_tcb_set_priority(tcb, MICA_CAP_INIT_TCB, MICA_MAX_PRIO));
}

START_TEST(copy_masks_rights_and_never_adds_them)
{
    run(copy_rights);
}
END_TEST

static void copy_untyped_children(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = mt_make(MICA_UNTYPED_OBJECT, 12);
    mica_cptr_t ep = make_from(ut, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t dest = mt_slot();
    mt_assert_fails(mica_cnode_copy(CNODE, dest, DEPTH, CNODE, ut, DEPTH, MICA_ALL_RIGHTS),
          MICA_REVOKE_FIRST);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
    TYPE_IS(ep, MICA_CAP_TYPE_ENDPOINT);
    /* Once the children are gone it can be copied. */
    OK(mica_cnode_revoke(CNODE, ut, DEPTH));
    OK(mica_cnode_copy(CNODE, dest, DEPTH, CNODE, ut, DEPTH, MICA_ALL_RIGHTS));
    TYPE_IS(dest, MICA_CAP_TYPE_UNTYPED);
}

START_TEST(copy_of_untyped_with_children_fails)
{
    run(copy_untyped_children);
}
END_TEST

static void copy_untyped_full(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = mt_make(MICA_UNTYPED_OBJECT, 12);
    mica_cptr_t copy = copy_of(ut, MICA_ALL_RIGHTS);
    /* The copy takes the original's free space: the two cannot both allocate. */
    mt_assert_fails(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, 0, 0, mt_slot(), 1),
          MICA_NOT_ENOUGH_MEMORY);
    ASSERT_MR(0, 0);
    make_from(copy, MICA_ENDPOINT_OBJECT, 0);
    /* The copy is the original's child. */
    mt_assert_fails(mica_cnode_copy(CNODE, mt_slot(), DEPTH, CNODE, ut, DEPTH, MICA_ALL_RIGHTS),
          MICA_REVOKE_FIRST);
    OK(mica_cnode_revoke(CNODE, ut, DEPTH));
    TYPE_IS(copy, MICA_CAP_TYPE_NULL);
    make_from(ut, MICA_ENDPOINT_OBJECT, 0);
}

START_TEST(copy_of_untyped_takes_its_free_space)
{
    run(copy_untyped_full);
}
END_TEST

static void copy_underivable(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t dest = mt_slot();
    mt_assert_fails(mica_cnode_copy(CNODE, dest, DEPTH, CNODE, MICA_CAP_IRQ_CONTROL, DEPTH,
                          MICA_ALL_RIGHTS), MICA_ILLEGAL_OPERATION);
    /* A page table that is not mapped cannot be derived. */
    mica_cptr_t pt = mt_make(MICA_PAGE_TABLE_OBJECT, 0);
    mt_assert_fails(mica_cnode_copy(CNODE, dest, DEPTH, CNODE, pt, DEPTH, MICA_ALL_RIGHTS),
          MICA_ILLEGAL_OPERATION);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
    TYPE_IS(MICA_CAP_IRQ_CONTROL, MICA_CAP_TYPE_IRQ_CONTROL);
    /* Reply caps: see save_caller_reply_cap_cannot_be_copied_or_minted. */
}

START_TEST(copy_of_irq_control_or_unmapped_page_table_fails)
{
    run(copy_underivable);
}
END_TEST

static void copy_short(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t full = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t empty = mt_slot();
    mica_cptr_t dest = mt_slot();
    mica_word_t w[5] = { dest, DEPTH, ep, DEPTH, MICA_ALL_RIGHTS.words[0] };
    mica_set_cap(0, CNODE);
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_COPY, 1, 3, w, 5), MICA_TRUNCATED_MESSAGE);
    /* The source root travels as an extra cap. */
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_COPY, 0, 4, w, 5), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_COPY, 0, 5, w, 5), MICA_TRUNCATED_MESSAGE);
    /* Without the rights word. */
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_COPY, 1, 4, w, 5), MICA_TRUNCATED_MESSAGE);
    /* ... which is looked for only after the destination and source checks. */
    mica_word_t to_full[4] = { full, DEPTH, ep, DEPTH };
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_COPY, 1, 4, to_full, 4), MICA_DELETE_FIRST);
    mica_word_t from_empty[4] = { dest, DEPTH, empty, DEPTH };
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_COPY, 1, 4, from_empty, 4), MICA_FAILED_LOOKUP);
    ASSERT_MISSING_CAP(SOURCE, 64);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
    /* The complete message works. */
    OK(raw_call(CNODE, MICA_CNODE_COPY, 1, 5, w, 5));
    TYPE_IS(dest, MICA_CAP_TYPE_ENDPOINT);
}

START_TEST(copy_with_short_message_fails)
{
    run(copy_short);
}
END_TEST

/* ======================================================================= */
/* Mint                                                                    */
/* ======================================================================= */

/* sel4test CNODEOP0003 */
static void mint_badge(const mica_bootinfo_t *bi)
{
    (void)bi;
    /* An endpoint: the receiver sees the minted badge. */
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t b = mint_of(ep, MICA_ALL_RIGHTS, 0x77);
    TYPE_IS(b, MICA_CAP_TYPE_ENDPOINT);
    send_cap[0] = b;
    mt_spawn(sender, 0, 100);
    receive_from_sender(ep, 0, 0x77);

    /* A notification, with a full 64-bit badge. */
    mica_cptr_t ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_word_t big = (1ul << 63) | 0x5;
    ck_assert_uint_eq(signal_and_poll(mint_of(ntfn, MICA_ALL_RIGHTS, big), ntfn), big);

    /* Badge 0 leaves a cap unbadged, so it can still be badged later. */
    mica_cptr_t zero = mint_of(ntfn, MICA_ALL_RIGHTS, 0);
    mica_cptr_t nine = mint_of(zero, MICA_ALL_RIGHTS, 9);
    ck_assert_uint_eq(signal_and_poll(nine, ntfn), 9);
}

START_TEST(mint_badges_an_unbadged_cap)
{
    run(mint_badge);
}
END_TEST

static void mint_rebadge(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t b_ep = mint_of(ep, MICA_ALL_RIGHTS, 0x77);
    mica_cptr_t b_ntfn = mint_of(ntfn, MICA_ALL_RIGHTS, 0x66);
    mica_cptr_t copy = copy_of(b_ntfn, MICA_ALL_RIGHTS);
    mica_cptr_t dest = mt_slot();
    const mica_word_t badges[] = { 0x77, 0x66, 0x78, 0 };
    for (unsigned i = 0; i < 4; i++) {
        mt_assert_fails(mica_cnode_mint(CNODE, dest, DEPTH, CNODE, b_ep, DEPTH, MICA_ALL_RIGHTS,
                              badges[i]), MICA_ILLEGAL_OPERATION);
        mt_assert_fails(mica_cnode_mint(CNODE, dest, DEPTH, CNODE, b_ntfn, DEPTH, MICA_ALL_RIGHTS,
                              badges[i]), MICA_ILLEGAL_OPERATION);
        /* A copy of a badged cap is badged too. */
        mt_assert_fails(mica_cnode_mint(CNODE, dest, DEPTH, CNODE, copy, DEPTH, MICA_ALL_RIGHTS,
                              badges[i]), MICA_ILLEGAL_OPERATION);
    }
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
    ck_assert_uint_eq(signal_and_poll(copy, ntfn), 0x66);
}

START_TEST(mint_onto_badged_cap_fails)
{
    run(mint_rebadge);
}
END_TEST

static void mint_rights(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    ck_assert_uint_eq(signal_and_poll(mint_of(ntfn, MICA_CAN_READ, 0x10), ntfn), 0);
    ck_assert_uint_eq(signal_and_poll(mint_of(ntfn, MICA_CAN_WRITE, 0x20), ntfn), 0x20);
    /* An unbadged read-only cap minted with all rights and a badge stays read-only. */
    mica_cptr_t ro = mint_of(ntfn, MICA_CAN_READ, 0);
    ck_assert_uint_eq(signal_and_poll(mint_of(ro, MICA_ALL_RIGHTS, 0x30), ntfn), 0);
    /* An endpoint without Write refuses Calls. */
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t e = mint_of(ep, MICA_CAN_READ, 5);
    mt_assert_fails(call_cap(e), MICA_INVALID_CAPABILITY);
    ASSERT_MR(0, 0);
    /* A badged endpoint cap with all rights passes CancelBadgedSends' rights check. */
    OK(mica_cnode_cancel_badged_sends(CNODE, mint_of(ep, MICA_ALL_RIGHTS, 6), DEPTH));
    mica_cptr_t rw = mint_of(ep, MICA_READ_WRITE, 7);
    mt_assert_fails(mica_cnode_cancel_badged_sends(CNODE, rw, DEPTH), MICA_ILLEGAL_OPERATION);
}

START_TEST(mint_masks_rights)
{
    run(mint_rights);
}
END_TEST

static void mint_guard(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t c = mt_make(MICA_CNODE_OBJECT, 4);
    /* g: the 4-bit CNode behind an 8-bit guard 0x5, 12 bits a level. */
    mica_cptr_t g = mint_of(c, MICA_ALL_RIGHTS, mica_cnode_capdata_new(0x5, 8));
    TYPE_IS(g, MICA_CAP_TYPE_CNODE);
    OK(mica_cnode_copy(g, (0x5 << 4) | 3, 12, CNODE, ep, DEPTH, MICA_ALL_RIGHTS));
    /* It went to slot 3 of the CNode, as seen through the unguarded cap. */
    mt_assert_fails(mica_cnode_copy(c, 3, 4, CNODE, ep, DEPTH, MICA_ALL_RIGHTS), MICA_DELETE_FIRST);
    mica_cptr_t back = mt_slot();
    OK(mica_cnode_copy(CNODE, back, DEPTH, c, 3, 4, MICA_ALL_RIGHTS));
    TYPE_IS(back, MICA_CAP_TYPE_ENDPOINT);
    /* The wrong guard, as destination and as source. */
    mt_assert_fails(mica_cnode_copy(g, (0x6 << 4) | 4, 12, CNODE, ep, DEPTH, MICA_ALL_RIGHTS),
          MICA_FAILED_LOOKUP);
    ASSERT_GUARD_MISMATCH(DEST, 12, 0x5, 8);
    mt_assert_fails(mica_cnode_copy(CNODE, mt_slot(), DEPTH, g, (0x6 << 4) | 3, 12, MICA_ALL_RIGHTS),
          MICA_FAILED_LOOKUP);
    ASSERT_GUARD_MISMATCH(SOURCE, 12, 0x5, 8);
    /* The guard fits in 8 bits but the level needs 12. */
    mt_assert_fails(mica_cnode_copy(g, 0x5, 8, CNODE, ep, DEPTH, MICA_ALL_RIGHTS), MICA_FAILED_LOOKUP);
    ASSERT_DEPTH_MISMATCH(DEST, 8, 12);
    /* The unguarded cap reads the same 12 bits as slot 0 and 8 bits to spare. */
    mt_assert_fails(mica_cnode_copy(c, (0x5 << 4) | 4, 12, CNODE, ep, DEPTH, MICA_ALL_RIGHTS),
          MICA_FAILED_LOOKUP);
    ASSERT_DEPTH_MISMATCH(DEST, 8, 0);

    /* Two levels: slot 1 of a 4-bit CNode r holds g's twin, so 16 bits reach slot 3. */
    mica_cptr_t r = mt_make(MICA_CNODE_OBJECT, 4);
    OK(mica_cnode_mint(r, 1, 4, CNODE, c, DEPTH, MICA_ALL_RIGHTS,
                       mica_cnode_capdata_new(0x5, 8)));
    mica_cptr_t via_r = mt_slot();
    OK(mica_cnode_copy(CNODE, via_r, DEPTH, r, (1 << 12) | (0x5 << 4) | 3, 16, MICA_ALL_RIGHTS));
    TYPE_IS(via_r, MICA_CAP_TYPE_ENDPOINT);
    mt_assert_fails(mica_cnode_copy(CNODE, mt_slot(), DEPTH, r, (1 << 12) | (0x7 << 4) | 3, 16,
                          MICA_ALL_RIGHTS), MICA_FAILED_LOOKUP);
    ASSERT_GUARD_MISMATCH(SOURCE, 12, 0x5, 8);

    /* The guard is cut to its size: 0x1ff in 4 bits is 0xf. */
    mica_cptr_t m = mint_of(c, MICA_ALL_RIGHTS, mica_cnode_capdata_new(0x1ff, 4));
    mt_assert_fails(mica_cnode_copy(m, (0xf << 4) | 3, 8, CNODE, ep, DEPTH, MICA_ALL_RIGHTS),
          MICA_DELETE_FIRST);
    /* Guard size 60 + radix 4 = 64 is the largest that fits. */
    mica_cptr_t wide = mint_of(c, MICA_ALL_RIGHTS, mica_cnode_capdata_new(0, 60));
    mt_assert_fails(mica_cnode_copy(wide, 3, DEPTH, CNODE, ep, DEPTH, MICA_ALL_RIGHTS), MICA_DELETE_FIRST);
    OK(mica_cnode_copy(wide, 4, DEPTH, CNODE, ep, DEPTH, MICA_ALL_RIGHTS));
}

START_TEST(mint_sets_the_guard_of_a_cnode_cap)
{
    run(mint_guard);
}
END_TEST

static void mint_big_guard(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t c = mt_make(MICA_CNODE_OBJECT, 4);
    mica_cptr_t dest = mt_slot();
    mt_assert_fails(mica_cnode_mint(CNODE, dest, DEPTH, CNODE, c, DEPTH, MICA_ALL_RIGHTS,
                          mica_cnode_capdata_new(0, 61)), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_cnode_mint(CNODE, dest, DEPTH, CNODE, c, DEPTH, MICA_ALL_RIGHTS,
                          mica_cnode_capdata_new(0, 63)), MICA_ILLEGAL_OPERATION);
    /* The root CNode is 12 bits wide: 53 bits of guard are too many. */
    mt_assert_fails(mica_cnode_mint(CNODE, dest, DEPTH, CNODE, CNODE, DEPTH, MICA_ALL_RIGHTS,
                          mica_cnode_capdata_new(0, 53)), MICA_ILLEGAL_OPERATION);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
    OK(mica_cnode_mint(CNODE, dest, DEPTH, CNODE, CNODE, DEPTH, MICA_ALL_RIGHTS,
                       mica_cnode_capdata_new(0, 52)));
    TYPE_IS(dest, MICA_CAP_TYPE_CNODE);
}

START_TEST(mint_with_too_large_guard_fails)
{
    run(mint_big_guard);
}
END_TEST

static void mint_other_types(const mica_bootinfo_t *bi)
{
    (void)bi;
    /* Cap data means nothing to these types: Mint is a Copy. */
    mica_cptr_t tcb = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t t2 = mint_of(tcb, MICA_ALL_RIGHTS, 0x123);
    TYPE_IS(t2, MICA_CAP_TYPE_TCB);
    OK(mica_tcb_set_priority(t2, MICA_CAP_INIT_TCB, 10));
    TYPE_IS(mint_of(mt_make(MICA_FRAME_OBJECT, 0), MICA_ALL_RIGHTS, 0x123), MICA_CAP_TYPE_FRAME);
    mica_cptr_t ut = mt_make(MICA_UNTYPED_OBJECT, 12);
    mica_cptr_t u2 = mint_of(ut, MICA_ALL_RIGHTS, 0x123);
    TYPE_IS(u2, MICA_CAP_TYPE_UNTYPED);
    make_from(u2, MICA_ENDPOINT_OBJECT, 0);
}

START_TEST(mint_of_other_caps_ignores_the_data)
{
    run(mint_other_types);
}
END_TEST

static void mint_occupied(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t full = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mt_assert_fails(mica_cnode_mint(CNODE, full, DEPTH, CNODE, ep, DEPTH, MICA_ALL_RIGHTS, 5),
          MICA_DELETE_FIRST);
    mt_assert_fails(mica_cnode_mint(CNODE, full, DEPTH, CNODE, mt_slot(), DEPTH, MICA_ALL_RIGHTS, 5),
          MICA_DELETE_FIRST);
    mt_assert_fails(mica_cnode_mint(CNODE, ep, DEPTH, CNODE, ep, DEPTH, MICA_ALL_RIGHTS, 5),
          MICA_DELETE_FIRST);
    TYPE_IS(full, MICA_CAP_TYPE_NOTIFICATION);
}

START_TEST(mint_to_occupied_slot_fails)
{
    run(mint_occupied);
}
END_TEST

static void mint_empty(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t dest = mt_slot();
    mt_assert_fails(mica_cnode_mint(CNODE, dest, DEPTH, CNODE, mt_slot(), DEPTH, MICA_ALL_RIGHTS, 5),
          MICA_FAILED_LOOKUP);
    ASSERT_MISSING_CAP(SOURCE, 64);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
}

START_TEST(mint_from_empty_slot_fails)
{
    run(mint_empty);
}
END_TEST

static void mint_underivable(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t dest = mt_slot();
    mica_cptr_t ut = mt_make(MICA_UNTYPED_OBJECT, 12);
    make_from(ut, MICA_NOTIFICATION_OBJECT, 0);
    mt_assert_fails(mica_cnode_mint(CNODE, dest, DEPTH, CNODE, ut, DEPTH, MICA_ALL_RIGHTS, 0),
          MICA_REVOKE_FIRST);
    mt_assert_fails(mica_cnode_mint(CNODE, dest, DEPTH, CNODE, MICA_CAP_IRQ_CONTROL, DEPTH,
                          MICA_ALL_RIGHTS, 0), MICA_ILLEGAL_OPERATION);
    mica_cptr_t pt = mt_make(MICA_PAGE_TABLE_OBJECT, 0);
    mt_assert_fails(mica_cnode_mint(CNODE, dest, DEPTH, CNODE, pt, DEPTH, MICA_ALL_RIGHTS, 0),
          MICA_ILLEGAL_OPERATION);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
}

START_TEST(mint_of_underivable_cap_fails)
{
    run(mint_underivable);
}
END_TEST

static void mint_short(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t full = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t dest = mt_slot();
    mica_word_t w[6] = { dest, DEPTH, ep, DEPTH, MICA_ALL_RIGHTS.words[0], 0x44 };
    mica_set_cap(0, CNODE);
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_MINT, 1, 3, w, 6), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_MINT, 0, 6, w, 6), MICA_TRUNCATED_MESSAGE);
    /* Without the badge word, and without rights and badge. */
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_MINT, 1, 5, w, 6), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_MINT, 1, 4, w, 6), MICA_TRUNCATED_MESSAGE);
    /* The destination is checked first. */
    mica_word_t to_full[6] = { full, DEPTH, ep, DEPTH, MICA_ALL_RIGHTS.words[0], 0x44 };
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_MINT, 1, 5, to_full, 6), MICA_DELETE_FIRST);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
    OK(raw_call(CNODE, MICA_CNODE_MINT, 1, 6, w, 6));
    send_cap[0] = dest;
    mt_spawn(sender, 0, 100);
    receive_from_sender(ep, 0, 0x44);
}

START_TEST(mint_with_short_message_fails)
{
    run(mint_short);
}
END_TEST

/* ======================================================================= */
/* Move                                                                    */
/* ======================================================================= */

/* sel4test CNODEOP0004 */
static void move_cap(const mica_bootinfo_t *bi)
{
    (void)bi;
    /* The cap moves whole: badge and rights. */
    mica_cptr_t ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t b = mint_of(ntfn, MICA_CAN_WRITE, 0x31);
    mica_cptr_t dest = mt_slot();
    OK(mica_cnode_move(CNODE, dest, DEPTH, CNODE, b, DEPTH));
    TYPE_IS(b, MICA_CAP_TYPE_NULL);
    TYPE_IS(dest, MICA_CAP_TYPE_NOTIFICATION);
    ck_assert_uint_eq(signal_and_poll(dest, ntfn), 0x31);
    mt_assert_fails(mica_cnode_mint(CNODE, mt_slot(), DEPTH, CNODE, dest, DEPTH, MICA_ALL_RIGHTS, 1),
          MICA_ILLEGAL_OPERATION);

    /* Into another CNode and back. */
    mica_cptr_t c = mt_make(MICA_CNODE_OBJECT, 4);
    OK(mica_cnode_move(c, 5, 4, CNODE, dest, DEPTH));
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
    OK(mica_cnode_move(CNODE, b, DEPTH, c, 5, 4));
    ck_assert_uint_eq(signal_and_poll(b, ntfn), 0x31);

    /* The cap keeps its place in the derivation tree: revoking the parent deletes it. */
    mica_cptr_t ut = mt_make(MICA_UNTYPED_OBJECT, 12);
    mica_cptr_t ep = make_from(ut, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t moved = mt_slot();
    OK(mica_cnode_move(CNODE, moved, DEPTH, CNODE, ep, DEPTH));
    OK(mica_cnode_revoke(CNODE, ut, DEPTH));
    TYPE_IS(moved, MICA_CAP_TYPE_NULL);

    /* Move does not derive: an untyped with children and IRQControl move. */
    make_from(ut, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ut2 = mt_slot();
    OK(mica_cnode_move(CNODE, ut2, DEPTH, CNODE, ut, DEPTH));
    mt_assert_fails(mica_cnode_copy(CNODE, mt_slot(), DEPTH, CNODE, ut2, DEPTH, MICA_ALL_RIGHTS),
          MICA_REVOKE_FIRST);
    mica_cptr_t irq = mt_slot();
    OK(mica_cnode_move(CNODE, irq, DEPTH, CNODE, MICA_CAP_IRQ_CONTROL, DEPTH));
    TYPE_IS(irq, MICA_CAP_TYPE_IRQ_CONTROL);
    OK(mica_irq_control_get(irq, 3, CNODE, mt_slot(), DEPTH));
    OK(mica_cnode_move(CNODE, MICA_CAP_IRQ_CONTROL, DEPTH, CNODE, irq, DEPTH));
}

START_TEST(move_transfers_the_cap)
{
    run(move_cap);
}
END_TEST

/* sel4test CNODEOP0004: both slots are left as they were. */
static void move_occupied(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t a = mint_of(ntfn, MICA_ALL_RIGHTS, 0xa);
    mica_cptr_t b = mint_of(ntfn, MICA_ALL_RIGHTS, 0xb);
    mt_assert_fails(mica_cnode_move(CNODE, b, DEPTH, CNODE, a, DEPTH), MICA_DELETE_FIRST);
    ck_assert_uint_eq(signal_and_poll(a, ntfn), 0xa);
    ck_assert_uint_eq(signal_and_poll(b, ntfn), 0xb);
    /* Before the source: an empty source still gives DeleteFirst. */
    mt_assert_fails(mica_cnode_move(CNODE, b, DEPTH, CNODE, mt_slot(), DEPTH), MICA_DELETE_FIRST);
    mt_assert_fails(mica_cnode_move(CNODE, b, DEPTH, a, a, DEPTH), MICA_DELETE_FIRST);
}

START_TEST(move_to_occupied_slot_fails)
{
    run(move_occupied);
}
END_TEST

/* sel4test CNODEOP0004 */
static void move_empty(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t dest = mt_slot();
    mt_assert_fails(mica_cnode_move(CNODE, dest, DEPTH, CNODE, mt_slot(), DEPTH), MICA_FAILED_LOOKUP);
    ASSERT_MISSING_CAP(SOURCE, 64);
    mica_cptr_t c = mt_make(MICA_CNODE_OBJECT, 3);
    mt_assert_fails(mica_cnode_move(CNODE, dest, DEPTH, c, 7, 3), MICA_FAILED_LOOKUP);
    ASSERT_MISSING_CAP(SOURCE, 3);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
}

START_TEST(move_from_empty_slot_fails)
{
    run(move_empty);
}
END_TEST

/* The capabilities tutorial's emptiness test: Move a slot onto itself. */
static void move_self(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t full = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t empty = mt_slot();
    mt_assert_fails(mica_cnode_move(CNODE, full, DEPTH, CNODE, full, DEPTH), MICA_DELETE_FIRST);
    TYPE_IS(full, MICA_CAP_TYPE_ENDPOINT);
    mt_assert_fails(mica_cnode_move(CNODE, empty, DEPTH, CNODE, empty, DEPTH), MICA_FAILED_LOOKUP);
    ASSERT_MISSING_CAP(SOURCE, 64);
}

START_TEST(move_of_a_slot_onto_itself_tells_full_from_empty)
{
    run(move_self);
}
END_TEST

static void move_short(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t dest = mt_slot();
    mica_word_t w[4] = { dest, DEPTH, ep, DEPTH };
    mica_set_cap(0, CNODE);
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_MOVE, 1, 3, w, 4), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_MOVE, 0, 4, w, 4), MICA_TRUNCATED_MESSAGE);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
    /* Four words and the source root are all Move needs. */
    OK(raw_call(CNODE, MICA_CNODE_MOVE, 1, 4, w, 4));
    TYPE_IS(dest, MICA_CAP_TYPE_ENDPOINT);
    TYPE_IS(ep, MICA_CAP_TYPE_NULL);
}

START_TEST(move_with_short_message_fails)
{
    run(move_short);
}
END_TEST

/* ======================================================================= */
/* Mutate                                                                  */
/* ======================================================================= */

/* sel4test CNODEOP0005 */
static void mutate_guard(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t c = mt_make(MICA_CNODE_OBJECT, 4);
    mica_cptr_t m = mt_slot();
    OK(mica_cnode_mutate(CNODE, m, DEPTH, CNODE, c, DEPTH, mica_cnode_capdata_new(0x3, 4)));
    TYPE_IS(c, MICA_CAP_TYPE_NULL);
    TYPE_IS(m, MICA_CAP_TYPE_CNODE);
    OK(mica_cnode_copy(m, (0x3 << 4) | 2, 8, CNODE, ep, DEPTH, MICA_ALL_RIGHTS));
    mt_assert_fails(mica_cnode_copy(m, (0x2 << 4) | 2, 8, CNODE, ep, DEPTH, MICA_ALL_RIGHTS),
          MICA_FAILED_LOOKUP);
    ASSERT_GUARD_MISMATCH(DEST, 8, 0x3, 4);
    /* Data 0 takes the guard away again; slot 2 is the one filled above. */
    mica_cptr_t m2 = mt_slot();
    OK(mica_cnode_mutate(CNODE, m2, DEPTH, CNODE, m, DEPTH, 0));
    TYPE_IS(m, MICA_CAP_TYPE_NULL);
    mt_assert_fails(mica_cnode_copy(m2, 2, 4, CNODE, ep, DEPTH, MICA_ALL_RIGHTS), MICA_DELETE_FIRST);
    OK(mica_cnode_copy(m2, 7, 4, CNODE, ep, DEPTH, MICA_ALL_RIGHTS));
}

START_TEST(mutate_sets_the_guard_and_moves)
{
    run(mutate_guard);
}
END_TEST

static void mutate_ep(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t caps[4] = {
        ep, ntfn, mint_of(ep, MICA_ALL_RIGHTS, 5), mint_of(ntfn, MICA_ALL_RIGHTS, 6),
    };
    mica_cptr_t dest = mt_slot();
    const mica_word_t data[] = { 0, 5, 7 };
    for (unsigned i = 0; i < 4; i++)
        for (unsigned j = 0; j < 3; j++)
            mt_assert_fails(mica_cnode_mutate(CNODE, dest, DEPTH, CNODE, caps[i], DEPTH, data[j]),
                  MICA_ILLEGAL_OPERATION);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
    TYPE_IS(ep, MICA_CAP_TYPE_ENDPOINT);
    ck_assert_uint_eq(signal_and_poll(caps[3], ntfn), 6);
}

START_TEST(mutate_of_endpoint_or_notification_fails)
{
    run(mutate_ep);
}
END_TEST

static void mutate_big_guard(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t c = mt_make(MICA_CNODE_OBJECT, 4);
    mica_cptr_t dest = mt_slot();
    mt_assert_fails(mica_cnode_mutate(CNODE, dest, DEPTH, CNODE, c, DEPTH, mica_cnode_capdata_new(0, 61)),
          MICA_ILLEGAL_OPERATION);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
    TYPE_IS(c, MICA_CAP_TYPE_CNODE);
    OK(mica_cnode_mutate(CNODE, dest, DEPTH, CNODE, c, DEPTH, mica_cnode_capdata_new(0, 60)));
    TYPE_IS(c, MICA_CAP_TYPE_NULL);
}

START_TEST(mutate_with_too_large_guard_fails)
{
    run(mutate_big_guard);
}
END_TEST

static void mutate_other(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t tcb = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t frame = mt_make(MICA_FRAME_OBJECT, 0);
    mica_cptr_t t2 = mt_slot(), f2 = mt_slot();
    OK(mica_cnode_mutate(CNODE, t2, DEPTH, CNODE, tcb, DEPTH, 0x55));
    OK(mica_cnode_mutate(CNODE, f2, DEPTH, CNODE, frame, DEPTH, 0x55));
    TYPE_IS(tcb, MICA_CAP_TYPE_NULL);
    TYPE_IS(frame, MICA_CAP_TYPE_NULL);
    TYPE_IS(t2, MICA_CAP_TYPE_TCB);
    TYPE_IS(f2, MICA_CAP_TYPE_FRAME);
    OK(mica_tcb_set_priority(t2, MICA_CAP_INIT_TCB, 10));
}

START_TEST(mutate_of_other_caps_moves_them_unchanged)
{
    run(mutate_other);
}
END_TEST

static void mutate_occupied(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t c = mt_make(MICA_CNODE_OBJECT, 4);
    mica_cptr_t full = mt_make(MICA_TCB_OBJECT, 0);
    mt_assert_fails(mica_cnode_mutate(CNODE, full, DEPTH, CNODE, c, DEPTH, 0), MICA_DELETE_FIRST);
    mt_assert_fails(mica_cnode_mutate(CNODE, full, DEPTH, CNODE, mt_slot(), DEPTH, 0), MICA_DELETE_FIRST);
    mt_assert_fails(mica_cnode_mutate(CNODE, c, DEPTH, CNODE, c, DEPTH, 0), MICA_DELETE_FIRST);
    TYPE_IS(c, MICA_CAP_TYPE_CNODE);
    TYPE_IS(full, MICA_CAP_TYPE_TCB);
}

START_TEST(mutate_to_occupied_slot_fails)
{
    run(mutate_occupied);
}
END_TEST

static void mutate_empty(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t dest = mt_slot();
    mt_assert_fails(mica_cnode_mutate(CNODE, dest, DEPTH, CNODE, mt_slot(), DEPTH, 0), MICA_FAILED_LOOKUP);
    ASSERT_MISSING_CAP(SOURCE, 64);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
}

START_TEST(mutate_from_empty_slot_fails)
{
    run(mutate_empty);
}
END_TEST

static void mutate_short(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t tcb = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t full = mt_make(MICA_FRAME_OBJECT, 0);
    mica_cptr_t dest = mt_slot();
    mica_word_t w[5] = { dest, DEPTH, tcb, DEPTH, 0 };
    mica_set_cap(0, CNODE);
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_MUTATE, 1, 3, w, 5), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_MUTATE, 0, 5, w, 5), MICA_TRUNCATED_MESSAGE);
    /* Without the data word: found only after the lookups. */
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_MUTATE, 1, 4, w, 5), MICA_TRUNCATED_MESSAGE);
    mica_word_t to_full[4] = { full, DEPTH, tcb, DEPTH };
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_MUTATE, 1, 4, to_full, 4), MICA_DELETE_FIRST);
    mica_word_t from_empty[4] = { dest, DEPTH, mt_slot(), DEPTH };
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_MUTATE, 1, 4, from_empty, 4), MICA_FAILED_LOOKUP);
    ASSERT_MISSING_CAP(SOURCE, 64);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
    OK(raw_call(CNODE, MICA_CNODE_MUTATE, 1, 5, w, 5));
    TYPE_IS(dest, MICA_CAP_TYPE_TCB);
}

START_TEST(mutate_with_short_message_fails)
{
    run(mutate_short);
}
END_TEST

/* ======================================================================= */
/* Rotate                                                                  */
/* ======================================================================= */

/* sel4test CNODEOP0008: pivot -> dest and src -> pivot. */
static void rotate_three(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t src = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t pivot = mt_make(MICA_CNODE_OBJECT, 2);
    mica_cptr_t dest = mt_slot();
    OK(mica_cnode_rotate(CNODE, dest, DEPTH, 0, CNODE, pivot, DEPTH, 0, CNODE, src, DEPTH));
    TYPE_IS(dest, MICA_CAP_TYPE_CNODE);
    TYPE_IS(pivot, MICA_CAP_TYPE_TCB);
    TYPE_IS(src, MICA_CAP_TYPE_NULL);
    OK(mica_cnode_copy(dest, 1, 2, CNODE, ep, DEPTH, MICA_ALL_RIGHTS));
    OK(mica_tcb_set_priority(pivot, MICA_CAP_INIT_TCB, 10));

    /*
     * The data words: dest_badge goes with the cap that lands in dest (the
     * old pivot), pivot_badge with the one that lands in the pivot slot.
     */
    mica_cptr_t d2 = mt_slot();
    OK(mica_cnode_rotate(CNODE, d2, DEPTH, mica_cnode_capdata_new(0x3, 2), CNODE, pivot, DEPTH,
                         0, CNODE, dest, DEPTH));
    /* d2 = the TCB (the data means nothing to it), pivot = the CNode with data 0 applied. */
    TYPE_IS(d2, MICA_CAP_TYPE_TCB);
    TYPE_IS(pivot, MICA_CAP_TYPE_CNODE);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
    mt_assert_fails(mica_cnode_copy(pivot, 1, 2, CNODE, ep, DEPTH, MICA_ALL_RIGHTS), MICA_DELETE_FIRST);
    mica_cptr_t d3 = mt_slot();
    OK(mica_cnode_rotate(CNODE, d3, DEPTH, mica_cnode_capdata_new(0x3, 2), CNODE, pivot, DEPTH,
                         0, CNODE, d2, DEPTH));
    /* d3 = CNode behind guard 3 (2 bits), pivot = TCB, d2 empty. */
    TYPE_IS(d3, MICA_CAP_TYPE_CNODE);
    TYPE_IS(pivot, MICA_CAP_TYPE_TCB);
    TYPE_IS(d2, MICA_CAP_TYPE_NULL);
    mt_assert_fails(mica_cnode_copy(d3, (0x3 << 2) | 1, 4, CNODE, ep, DEPTH, MICA_ALL_RIGHTS),
          MICA_DELETE_FIRST);
    mt_assert_fails(mica_cnode_copy(d3, 1, 2, CNODE, ep, DEPTH, MICA_ALL_RIGHTS), MICA_FAILED_LOOKUP);
    ASSERT_GUARD_MISMATCH(DEST, 2, 0x3, 2);
}

START_TEST(rotate_moves_pivot_to_dest_and_source_to_pivot)
{
    run(rotate_three);
}
END_TEST

/* sel4test CNODEOP0008: src == dest swaps the two caps. */
static void rotate_swap(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t a = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t b = mt_make(MICA_FRAME_OBJECT, 0);
    OK(mica_cnode_rotate(CNODE, a, DEPTH, 0, CNODE, b, DEPTH, 0, CNODE, a, DEPTH));
    TYPE_IS(a, MICA_CAP_TYPE_FRAME);
    TYPE_IS(b, MICA_CAP_TYPE_TCB);
    OK(mica_cnode_rotate(CNODE, a, DEPTH, 0, CNODE, b, DEPTH, 0, CNODE, a, DEPTH));
    TYPE_IS(a, MICA_CAP_TYPE_TCB);
    TYPE_IS(b, MICA_CAP_TYPE_FRAME);
    /* A swap keeps each cap's place in the derivation tree. */
    mica_cptr_t ut = mt_make(MICA_UNTYPED_OBJECT, 12);
    mica_cptr_t child = make_from(ut, MICA_TCB_OBJECT, 0);
    OK(mica_cnode_rotate(CNODE, child, DEPTH, 0, CNODE, a, DEPTH, 0, CNODE, child, DEPTH));
    TYPE_IS(child, MICA_CAP_TYPE_TCB);
    TYPE_IS(a, MICA_CAP_TYPE_TCB);
    OK(mica_cnode_revoke(CNODE, ut, DEPTH));
    TYPE_IS(a, MICA_CAP_TYPE_NULL);
    TYPE_IS(child, MICA_CAP_TYPE_TCB);

    /* Swapping a cap with its own child, its neighbour in the derivation tree. */
    mica_cptr_t parent = mt_make(MICA_UNTYPED_OBJECT, 12);
    mica_cptr_t kid = copy_of(parent, MICA_ALL_RIGHTS);
    OK(mica_cnode_rotate(CNODE, parent, DEPTH, 0, CNODE, kid, DEPTH, 0, CNODE, parent, DEPTH));
    /* Now kid holds the parent: revoking it deletes the cap in the other slot. */
    mt_assert_fails(mica_cnode_copy(CNODE, mt_slot(), DEPTH, CNODE, kid, DEPTH, MICA_ALL_RIGHTS),
          MICA_REVOKE_FIRST);
    OK(mica_cnode_revoke(CNODE, kid, DEPTH));
    TYPE_IS(parent, MICA_CAP_TYPE_NULL);
    TYPE_IS(kid, MICA_CAP_TYPE_UNTYPED);
    /* And the other way round: the child as source, the parent as pivot. */
    parent = mt_make(MICA_UNTYPED_OBJECT, 12);
    kid = copy_of(parent, MICA_ALL_RIGHTS);
    OK(mica_cnode_rotate(CNODE, kid, DEPTH, 0, CNODE, parent, DEPTH, 0, CNODE, kid, DEPTH));
    OK(mica_cnode_revoke(CNODE, kid, DEPTH));
    TYPE_IS(parent, MICA_CAP_TYPE_NULL);
}

START_TEST(rotate_with_source_equal_to_dest_swaps)
{
    run(rotate_swap);
}
END_TEST

/* sel4test CNODEOP0008 */
static void rotate_occupied(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t src = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t pivot = mt_make(MICA_FRAME_OBJECT, 0);
    mica_cptr_t dest = mt_make(MICA_CNODE_OBJECT, 2);
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, CNODE, pivot, DEPTH, 0, CNODE, src, DEPTH),
          MICA_DELETE_FIRST);
    /* Checked before the source and pivot are found empty. */
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, CNODE, pivot, DEPTH, 0, CNODE, mt_slot(),
                            DEPTH), MICA_DELETE_FIRST);
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, CNODE, mt_slot(), DEPTH, 0, CNODE, src,
                            DEPTH), MICA_DELETE_FIRST);
    TYPE_IS(src, MICA_CAP_TYPE_TCB);
    TYPE_IS(pivot, MICA_CAP_TYPE_FRAME);
    TYPE_IS(dest, MICA_CAP_TYPE_CNODE);
}

START_TEST(rotate_to_occupied_dest_fails)
{
    run(rotate_occupied);
}
END_TEST

/* sel4test CNODEOP0008 */
static void rotate_pivot_same(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t src = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t full = mt_make(MICA_FRAME_OBJECT, 0);
    mica_cptr_t dest = mt_slot();
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, CNODE, src, DEPTH, 0, CNODE, src, DEPTH),
          MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, CNODE, dest, DEPTH, 0, CNODE, src, DEPTH),
          MICA_ILLEGAL_OPERATION);
    /* All three the same. */
    mt_assert_fails(mica_cnode_rotate(CNODE, src, DEPTH, 0, CNODE, src, DEPTH, 0, CNODE, src, DEPTH),
          MICA_ILLEGAL_OPERATION);
    /* Checked before the destination and the emptiness of the slots. */
    mt_assert_fails(mica_cnode_rotate(CNODE, full, DEPTH, 0, CNODE, src, DEPTH, 0, CNODE, src, DEPTH),
          MICA_ILLEGAL_OPERATION);
    mica_cptr_t empty = mt_slot();
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, CNODE, empty, DEPTH, 0, CNODE, empty, DEPTH),
          MICA_ILLEGAL_OPERATION);
    TYPE_IS(src, MICA_CAP_TYPE_TCB);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
}

START_TEST(rotate_with_pivot_equal_to_source_or_dest_fails)
{
    run(rotate_pivot_same);
}
END_TEST

static void rotate_empty(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t full = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t e1 = mt_slot(), e2 = mt_slot();
    mica_cptr_t dest = mt_slot();
    mica_cptr_t c = mt_make(MICA_CNODE_OBJECT, 3);
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, CNODE, full, DEPTH, 0, CNODE, e1, DEPTH),
          MICA_FAILED_LOOKUP);
    ASSERT_MISSING_CAP(SOURCE, 64);
    /* An empty pivot is reported as "not the source". */
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, c, 5, 3, 0, CNODE, full, DEPTH),
          MICA_FAILED_LOOKUP);
    ASSERT_MISSING_CAP(DEST, 3);
    /* Both empty: the source is checked first. */
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, CNODE, e2, DEPTH, 0, CNODE, e1, DEPTH),
          MICA_FAILED_LOOKUP);
    ASSERT_MISSING_CAP(SOURCE, 64);
    /* src == dest, both empty. */
    mt_assert_fails(mica_cnode_rotate(CNODE, e1, DEPTH, 0, CNODE, full, DEPTH, 0, CNODE, e1, DEPTH),
          MICA_FAILED_LOOKUP);
    ASSERT_MISSING_CAP(SOURCE, 64);
    TYPE_IS(full, MICA_CAP_TYPE_TCB);
}

START_TEST(rotate_from_empty_source_or_pivot_fails)
{
    run(rotate_empty);
}
END_TEST

static void rotate_pivot_lookup(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t src = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t pivot = mt_make(MICA_FRAME_OBJECT, 0);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t dest = mt_slot();
    /* The pivot lookup reports as a source lookup (seL4's lookupPivotSlot). */
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, CNODE, pivot, 0, 0, CNODE, src, DEPTH),
          MICA_RANGE_ERROR);
    ASSERT_RANGE(1, 64);
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, CNODE, pivot, 65, 0, CNODE, src, DEPTH),
          MICA_RANGE_ERROR);
    ASSERT_RANGE(1, 64);
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, ep, pivot, DEPTH, 0, CNODE, src, DEPTH),
          MICA_FAILED_LOOKUP);
    ASSERT_INVALID_ROOT(SOURCE);
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, CNODE, pivot, 32, 0, CNODE, src, DEPTH),
          MICA_FAILED_LOOKUP);
    ASSERT_GUARD_MISMATCH(SOURCE, 32, 0, ROOT_GUARD_BITS);
    /* The source is looked up before the pivot. */
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, CNODE, pivot, 0, 0, ep, src, DEPTH),
          MICA_FAILED_LOOKUP);
    ASSERT_INVALID_ROOT(SOURCE);
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, ep, pivot, DEPTH, 0, CNODE, src, 0),
          MICA_RANGE_ERROR);
    ASSERT_RANGE(1, 64);
    /* ... and both after the destination. */
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, 0, 0, ep, pivot, DEPTH, 0, ep, src, DEPTH),
          MICA_RANGE_ERROR);
    ASSERT_RANGE(1, 64);
}

START_TEST(rotate_pivot_lookup_failures_fail)
{
    run(rotate_pivot_lookup);
}
END_TEST

static void rotate_badge(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t tcb = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t frame = mt_make(MICA_FRAME_OBJECT, 0);
    mica_cptr_t dest = mt_slot();
    /* Rotate rewrites cap data like Mutate: endpoints and notifications become null. */
    const mica_cptr_t bad[] = { ep, ntfn, mint_of(ep, MICA_ALL_RIGHTS, 3) };
    for (unsigned i = 0; i < 3; i++) {
        mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, CNODE, tcb, DEPTH, 0, CNODE, bad[i],
                                DEPTH), MICA_ILLEGAL_OPERATION);
        mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, CNODE, bad[i], DEPTH, 0, CNODE, tcb,
                                DEPTH), MICA_ILLEGAL_OPERATION);
        /* A swap too. */
        mt_assert_fails(mica_cnode_rotate(CNODE, tcb, DEPTH, 0, CNODE, bad[i], DEPTH, 0, CNODE, tcb,
                                DEPTH), MICA_ILLEGAL_OPERATION);
    }
    /* A guard too large for the CNode cap, on either side. */
    mica_cptr_t c = mt_make(MICA_CNODE_OBJECT, 4);
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, 0, CNODE, frame, DEPTH,
                            mica_cnode_capdata_new(0, 61), CNODE, c, DEPTH),
          MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_cnode_rotate(CNODE, dest, DEPTH, mica_cnode_capdata_new(0, 61), CNODE, c, DEPTH,
                            0, CNODE, frame, DEPTH), MICA_ILLEGAL_OPERATION);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
    TYPE_IS(c, MICA_CAP_TYPE_CNODE);
    TYPE_IS(ep, MICA_CAP_TYPE_ENDPOINT);
}

START_TEST(rotate_of_endpoint_or_bad_cnode_data_fails)
{
    run(rotate_badge);
}
END_TEST

static void rotate_short(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t src = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t pivot = mt_make(MICA_FRAME_OBJECT, 0);
    mica_cptr_t dest = mt_slot();
    mica_word_t w[8] = { dest, DEPTH, 0, pivot, DEPTH, 0, src, DEPTH };
    mica_set_cap(0, CNODE);
    mica_set_cap(1, CNODE);
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_ROTATE, 2, 7, w, 8), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_ROTATE, 2, 4, w, 8), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_ROTATE, 1, 8, w, 8), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_ROTATE, 0, 8, w, 8), MICA_TRUNCATED_MESSAGE);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
    OK(raw_call(CNODE, MICA_CNODE_ROTATE, 2, 8, w, 8));
    TYPE_IS(dest, MICA_CAP_TYPE_FRAME);
    TYPE_IS(pivot, MICA_CAP_TYPE_TCB);
    TYPE_IS(src, MICA_CAP_TYPE_NULL);
}

START_TEST(rotate_with_short_message_fails)
{
    run(rotate_short);
}
END_TEST

/* ======================================================================= */
/* Delete                                                                  */
/* ======================================================================= */

/* sel4test CNODEOP0002 */
static void delete_slot(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t b = mint_of(ntfn, MICA_ALL_RIGHTS, 0x8);
    mica_cptr_t copy = copy_of(b, MICA_ALL_RIGHTS);
    OK(mica_cnode_delete(CNODE, copy, DEPTH));
    TYPE_IS(copy, MICA_CAP_TYPE_NULL);
    /* The other caps to the object still work. */
    ck_assert_uint_eq(signal_and_poll(b, ntfn), 0x8);
    /* The slot can be reused. */
    OK(mica_cnode_copy(CNODE, copy, DEPTH, CNODE, b, DEPTH, MICA_ALL_RIGHTS));
    /* Deleting an empty slot succeeds and changes nothing. */
    mica_cptr_t empty = mt_slot();
    uint64_t d = mt_kernel_digest();
    OK(mica_cnode_delete(CNODE, empty, DEPTH));
    OK(mica_cnode_delete(CNODE, MICA_CAP_NULL, DEPTH));
    ck_assert(mt_kernel_digest() == d);
    /* Through another CNode. */
    mica_cptr_t c = mt_make(MICA_CNODE_OBJECT, 3);
    OK(mica_cnode_copy(c, 6, 3, CNODE, b, DEPTH, MICA_ALL_RIGHTS));
    mt_assert_fails(mica_cnode_copy(c, 6, 3, CNODE, b, DEPTH, MICA_ALL_RIGHTS), MICA_DELETE_FIRST);
    OK(mica_cnode_delete(c, 6, 3));
    OK(mica_cnode_copy(c, 6, 3, CNODE, b, DEPTH, MICA_ALL_RIGHTS));
}

START_TEST(delete_empties_the_slot)
{
    run(delete_slot);
}
END_TEST

static void delete_last_ep(const mica_bootinfo_t *bi)
{
    (void)bi;
    /* The last cap to an endpoint: its blocked sender is released. */
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    start_sender(0, ep);
    OK(mica_cnode_delete(CNODE, ep, DEPTH));
    TYPE_IS(ep, MICA_CAP_TYPE_NULL);
    let_others_run();
    ck_assert_msg(send_returned[0], "the sender still waits on a deleted endpoint");

    /* A copy: the endpoint lives on and its sender still waits. */
    mica_cptr_t ep2 = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t copy = copy_of(ep2, MICA_ALL_RIGHTS);
    start_sender(1, copy);
    OK(mica_cnode_delete(CNODE, copy, DEPTH));
    let_others_run();
    ck_assert(!send_returned[1]);
    receive_from_sender(ep2, 1, 0);
}

START_TEST(delete_of_last_endpoint_cap_releases_its_senders)
{
    run(delete_last_ep);
}
END_TEST

static void delete_last_ntfn(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t tcb = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t other = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    OK(mica_tcb_bind_notification(tcb, ntfn));
    mt_assert_fails(mica_tcb_bind_notification(tcb, other), MICA_ILLEGAL_OPERATION);
    /* Deleting a copy leaves the binding. */
    OK(mica_cnode_delete(CNODE, copy_of(ntfn, MICA_ALL_RIGHTS), DEPTH));
    mt_assert_fails(mica_tcb_bind_notification(tcb, other), MICA_ILLEGAL_OPERATION);
    /* Deleting the last cap destroys the notification, which unbinds the TCB. */
    OK(mica_cnode_delete(CNODE, ntfn, DEPTH));
    OK(mica_tcb_bind_notification(tcb, other));

    /* The last cap to a CNode deletes what it holds: here the last cap of a bound notification. */
    mica_cptr_t tcb2 = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t n2 = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t c = mt_make(MICA_CNODE_OBJECT, 4);
    OK(mica_tcb_bind_notification(tcb2, n2));
    OK(mica_cnode_move(c, 9, 4, CNODE, n2, DEPTH));
    mica_cptr_t n3 = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mt_assert_fails(mica_tcb_bind_notification(tcb2, n3), MICA_ILLEGAL_OPERATION);
    OK(mica_cnode_delete(CNODE, c, DEPTH));
    TYPE_IS(c, MICA_CAP_TYPE_NULL);
    OK(mica_tcb_bind_notification(tcb2, n3));
}

START_TEST(delete_of_last_cap_destroys_the_object)
{
    run(delete_last_ntfn);
}
END_TEST

static void delete_nested(const mica_bootinfo_t *bi)
{
    (void)bi;
    /*
     * c1 holds the only cap to c2; c2 holds the only caps to n0 (in slot 0)
     * and n5 (in slot 5), each bound to a TCB.
     */
    mica_cptr_t ut = mt_make(MICA_UNTYPED_OBJECT, 14);
    mica_cptr_t t0 = mt_make(MICA_TCB_OBJECT, 0), t5 = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t n0 = make_from(ut, MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t n5 = make_from(ut, MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t spare0 = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t spare5 = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    OK(mica_tcb_bind_notification(t0, n0));
    OK(mica_tcb_bind_notification(t5, n5));
    mica_cptr_t c1 = mt_make(MICA_CNODE_OBJECT, 2);
    mica_cptr_t c2 = make_from(ut, MICA_CNODE_OBJECT, 3);
    OK(mica_cnode_move(c2, 0, 3, CNODE, n0, DEPTH));
    OK(mica_cnode_move(c2, 5, 3, CNODE, n5, DEPTH));
    OK(mica_cnode_move(c1, 1, 2, CNODE, c2, DEPTH));
    OK(mica_cnode_delete(CNODE, c1, DEPTH));
    TYPE_IS(c1, MICA_CAP_TYPE_NULL);
    /*
     * seL4's recursion breaker: finalising c1 meets the last cap to c2 and,
     * instead of recursing, swaps c2's zombie into c2's own slot 0. What sat
     * there (n0) is deleted; c2's other slots are left, unreachable, until
     * the memory is revoked.
     */
    OK(mica_tcb_bind_notification(t0, spare0));
    mt_assert_fails(mica_tcb_bind_notification(t5, spare5), MICA_ILLEGAL_OPERATION);
    /* Revoking the untyped they came from reaches them. */
    OK(mica_cnode_revoke(CNODE, ut, DEPTH));
    OK(mica_tcb_bind_notification(t5, spare5));
    make_from(ut, MICA_UNTYPED_OBJECT, 14);
}

START_TEST(delete_of_nested_cnodes_does_not_recurse)
{
    run(delete_nested);
}
END_TEST

static void delete_irq_handler(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t handler = mt_slot();
    OK(mica_irq_control_get(MICA_CAP_IRQ_CONTROL, 7, CNODE, handler, DEPTH));
    mica_cptr_t copy = copy_of(handler, MICA_ALL_RIGHTS);
    mica_cptr_t again = mt_slot();
    mt_assert_fails(mica_irq_control_get(MICA_CAP_IRQ_CONTROL, 7, CNODE, again, DEPTH), MICA_REVOKE_FIRST);
    /* A copy is not the last cap: the IRQ stays issued. */
    OK(mica_cnode_delete(CNODE, copy, DEPTH));
    mt_assert_fails(mica_irq_control_get(MICA_CAP_IRQ_CONTROL, 7, CNODE, again, DEPTH), MICA_REVOKE_FIRST);
    /* The last handler cap frees the IRQ. */
    OK(mica_cnode_delete(CNODE, handler, DEPTH));
    OK(mica_irq_control_get(MICA_CAP_IRQ_CONTROL, 7, CNODE, again, DEPTH));
}

START_TEST(delete_of_last_irq_handler_cap_frees_the_irq)
{
    run(delete_irq_handler);
}
END_TEST

static void delete_last_tcb(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t tcb = start_sender(0, ep);
    /* The thread's only TCB cap: deleting it takes the thread off the endpoint. */
    OK(mica_cnode_delete(CNODE, tcb, DEPTH));
    let_others_run();
    ck_assert(!send_returned[0]);
    mica_word_t badge = 1;
    mica_msginfo_t m = mica_nbrecv(ep, &badge);
    ck_assert_uint_eq(m.words[0], 0);
    ck_assert_uint_eq(badge, 0);
}

START_TEST(delete_of_last_tcb_cap_stops_the_thread)
{
    run(delete_last_tcb);
}
END_TEST

static void delete_short(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_word_t w[2] = { ep, DEPTH };
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_DELETE, 0, 1, w, 2), MICA_TRUNCATED_MESSAGE);
    TYPE_IS(ep, MICA_CAP_TYPE_ENDPOINT);
    OK(raw_call(CNODE, MICA_CNODE_DELETE, 0, 2, w, 2));
    TYPE_IS(ep, MICA_CAP_TYPE_NULL);
}

START_TEST(delete_with_short_message_fails)
{
    run(delete_short);
}
END_TEST

/* ======================================================================= */
/* Revoke                                                                  */
/* ======================================================================= */

/* sel4test CNODEOP0007 */
static void revoke_tree(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = mt_make(MICA_UNTYPED_OBJECT, 16);
    mica_cptr_t ep = make_from(ut, MICA_ENDPOINT_OBJECT, 0);     /* child */
    mica_cptr_t sub = make_from(ut, MICA_UNTYPED_OBJECT, 12);    /* child */
    mica_cptr_t ntfn = make_from(sub, MICA_NOTIFICATION_OBJECT, 0); /* grandchild */
    mica_cptr_t ep_copy = copy_of(ep, MICA_ALL_RIGHTS);          /* grandchild */
    mica_cptr_t ep_badged = mint_of(ep, MICA_ALL_RIGHTS, 7);     /* grandchild */
    mica_cptr_t ep_badged_copy = copy_of(ep_badged, MICA_ALL_RIGHTS); /* great-grandchild */
    mica_cptr_t ntfn_copy = copy_of(ntfn, MICA_ALL_RIGHTS);
    mica_cptr_t tcb = make_from(ut, MICA_TCB_OBJECT, 0);
    mica_cptr_t c = make_from(ut, MICA_CNODE_OBJECT, 2);
    OK(mica_cnode_copy(c, 1, 2, CNODE, ntfn, DEPTH, MICA_ALL_RIGHTS)); /* inside a child */
    /* An unrelated cap. */
    mica_cptr_t other = mt_make(MICA_ENDPOINT_OBJECT, 0);

    /* Revoking the endpoint takes its copies and badged children, not itself. */
    OK(mica_cnode_revoke(CNODE, ep, DEPTH));
    TYPE_IS(ep, MICA_CAP_TYPE_ENDPOINT);
    TYPE_IS(ep_copy, MICA_CAP_TYPE_NULL);
    TYPE_IS(ep_badged, MICA_CAP_TYPE_NULL);
    TYPE_IS(ep_badged_copy, MICA_CAP_TYPE_NULL);
    TYPE_IS(ntfn, MICA_CAP_TYPE_NOTIFICATION);

    ep_copy = copy_of(ep, MICA_ALL_RIGHTS);
    OK(mica_cnode_revoke(CNODE, ut, DEPTH));
    TYPE_IS(ut, MICA_CAP_TYPE_UNTYPED);
    const mica_cptr_t gone[] = { ep, sub, ntfn, ep_copy, ntfn_copy, tcb, c };
    for (unsigned i = 0; i < sizeof gone / sizeof gone[0]; i++)
        TYPE_IS(gone[i], MICA_CAP_TYPE_NULL);
    TYPE_IS(other, MICA_CAP_TYPE_ENDPOINT);
    /* The untyped is whole again. */
    make_from(ut, MICA_UNTYPED_OBJECT, 16);
}

START_TEST(revoke_deletes_all_descendants_but_not_the_cap)
{
    run(revoke_tree);
}
END_TEST

/* sel4test CNODEOP0007: a badged cap's descendants are its copies only. */
static void revoke_badged(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ep_copy = copy_of(ep, MICA_ALL_RIGHTS);
    mica_cptr_t b1 = mint_of(ep, MICA_ALL_RIGHTS, 1);
    mica_cptr_t b1_copy = copy_of(b1, MICA_ALL_RIGHTS);
    mica_cptr_t b1_copy_copy = copy_of(b1_copy, MICA_CAN_WRITE);
    mica_cptr_t b2 = mint_of(ep, MICA_ALL_RIGHTS, 2);
    mica_cptr_t b2_copy = copy_of(b2, MICA_ALL_RIGHTS);
    /* A second cap minted with badge 1 from the original is not b1's copy. */
    mica_cptr_t b1_again = mint_of(ep, MICA_ALL_RIGHTS, 1);

    OK(mica_cnode_revoke(CNODE, b1, DEPTH));
    TYPE_IS(b1, MICA_CAP_TYPE_ENDPOINT);
    TYPE_IS(b1_copy, MICA_CAP_TYPE_NULL);
    TYPE_IS(b1_copy_copy, MICA_CAP_TYPE_NULL);
    TYPE_IS(ep, MICA_CAP_TYPE_ENDPOINT);
    TYPE_IS(ep_copy, MICA_CAP_TYPE_ENDPOINT);
    TYPE_IS(b2, MICA_CAP_TYPE_ENDPOINT);
    TYPE_IS(b2_copy, MICA_CAP_TYPE_ENDPOINT);
    TYPE_IS(b1_again, MICA_CAP_TYPE_ENDPOINT);
    /* The remaining badged caps still carry their badges. */
    send_cap[0] = b1_again;
    mt_spawn(sender, 0, 100);
    receive_from_sender(ep, 0, 1);
    send_cap[1] = b2_copy;
    mt_spawn(sender, 1, 100);
    receive_from_sender(ep, 1, 2);
}

START_TEST(revoke_of_badged_endpoint_removes_only_its_copies)
{
    run(revoke_badged);
}
END_TEST

static void revoke_leaf(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t copy = copy_of(ep, MICA_ALL_RIGHTS);
    mica_cptr_t empty = mt_slot();
    /* A plain copy has no children; revoking it or an empty slot changes nothing. */
    uint64_t d = mt_kernel_digest();
    OK(mica_cnode_revoke(CNODE, copy, DEPTH));
    OK(mica_cnode_revoke(CNODE, empty, DEPTH));
    OK(mica_cnode_revoke(CNODE, MICA_CAP_INIT_TCB, DEPTH));
    ck_assert(mt_kernel_digest() == d);
    TYPE_IS(copy, MICA_CAP_TYPE_ENDPOINT);
    TYPE_IS(ep, MICA_CAP_TYPE_ENDPOINT);
}

START_TEST(revoke_of_cap_without_children_does_nothing)
{
    run(revoke_leaf);
}
END_TEST

static void revoke_irq_control(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t h3 = mt_slot(), h4 = mt_slot();
    OK(mica_irq_control_get(MICA_CAP_IRQ_CONTROL, 3, CNODE, h3, DEPTH));
    OK(mica_irq_control_get(MICA_CAP_IRQ_CONTROL, 4, CNODE, h4, DEPTH));
    mica_cptr_t h3_copy = copy_of(h3, MICA_ALL_RIGHTS);
    /* The handlers descend from IRQControl: revoking it deletes them all. */
    OK(mica_cnode_revoke(CNODE, MICA_CAP_IRQ_CONTROL, DEPTH));
    TYPE_IS(MICA_CAP_IRQ_CONTROL, MICA_CAP_TYPE_IRQ_CONTROL);
    TYPE_IS(h3, MICA_CAP_TYPE_NULL);
    TYPE_IS(h4, MICA_CAP_TYPE_NULL);
    TYPE_IS(h3_copy, MICA_CAP_TYPE_NULL);
    OK(mica_irq_control_get(MICA_CAP_IRQ_CONTROL, 3, CNODE, h3, DEPTH));
    OK(mica_irq_control_get(MICA_CAP_IRQ_CONTROL, 4, CNODE, h4, DEPTH));
}

START_TEST(revoke_of_irq_control_deletes_every_handler)
{
    run(revoke_irq_control);
}
END_TEST

static void revoke_short(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t copy = copy_of(ep, MICA_ALL_RIGHTS);
    mica_word_t w[2] = { ep, DEPTH };
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_REVOKE, 0, 1, w, 2), MICA_TRUNCATED_MESSAGE);
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_REVOKE, 0, 0, w, 2), MICA_TRUNCATED_MESSAGE);
    TYPE_IS(copy, MICA_CAP_TYPE_ENDPOINT);
    OK(raw_call(CNODE, MICA_CNODE_REVOKE, 0, 2, w, 2));
    TYPE_IS(copy, MICA_CAP_TYPE_NULL);
}

START_TEST(revoke_with_short_message_fails)
{
    run(revoke_short);
}
END_TEST

/* ======================================================================= */
/* SaveCaller                                                              */
/* ======================================================================= */

/* sel4test CNODEOP0009 */
static void save_no_caller(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t dest = mt_slot();
    uint64_t d = mt_kernel_digest();
    OK(mica_cnode_save_caller(CNODE, dest, DEPTH));
    ck_assert(mt_kernel_digest() == d);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
}

START_TEST(save_caller_without_caller_leaves_slot_empty)
{
    run(save_no_caller);
}
END_TEST

/* sel4test CNODEOP0009 */
static void save_reply(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    receive_a_call(ep);
    mica_cptr_t saved = mt_slot();
    OK(mica_cnode_save_caller(CNODE, saved, DEPTH));
    TYPE_IS(saved, MICA_CAP_TYPE_REPLY);
    /* The caller slot is now empty: a second save finds nothing. */
    mica_cptr_t again = mt_slot();
    OK(mica_cnode_save_caller(CNODE, again, DEPTH));
    TYPE_IS(again, MICA_CAP_TYPE_NULL);
    /* The saved cap outlives another Recv, which would have dropped the caller slot. */
    mica_word_t badge = 1;
    mica_msginfo_t m = mica_nbrecv(ep, &badge);
    ck_assert_uint_eq(m.words[0], 0);
    ck_assert_uint_eq(badge, 0);
    reply_through(saved);
}

START_TEST(save_caller_saves_the_reply_cap)
{
    run(save_reply);
}
END_TEST

/* sel4test CNODEOP0009 */
static void save_occupied(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t full = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    /* Full slot, no caller: DeleteFirst all the same. */
    mt_assert_fails(mica_cnode_save_caller(CNODE, full, DEPTH), MICA_DELETE_FIRST);
    receive_a_call(ep);
    mt_assert_fails(mica_cnode_save_caller(CNODE, full, DEPTH), MICA_DELETE_FIRST);
    TYPE_IS(full, MICA_CAP_TYPE_NOTIFICATION);
    /* The reply cap stayed in the caller slot; saving it twice into one slot fails. */
    mica_cptr_t saved = mt_slot();
    OK(mica_cnode_save_caller(CNODE, saved, DEPTH));
    TYPE_IS(saved, MICA_CAP_TYPE_REPLY);
    mt_assert_fails(mica_cnode_save_caller(CNODE, saved, DEPTH), MICA_DELETE_FIRST);
    TYPE_IS(saved, MICA_CAP_TYPE_REPLY);
    reply_through(saved);
}

START_TEST(save_caller_into_full_slot_fails)
{
    run(save_occupied);
}
END_TEST

static void save_reply_derive(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    receive_a_call(ep);
    mica_cptr_t saved = mt_slot();
    OK(mica_cnode_save_caller(CNODE, saved, DEPTH));
    mica_cptr_t dest = mt_slot();
    mt_assert_fails(mica_cnode_copy(CNODE, dest, DEPTH, CNODE, saved, DEPTH, MICA_ALL_RIGHTS),
          MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_cnode_mint(CNODE, dest, DEPTH, CNODE, saved, DEPTH, MICA_ALL_RIGHTS, 0),
          MICA_ILLEGAL_OPERATION);
    TYPE_IS(dest, MICA_CAP_TYPE_NULL);
    /* Move and Mutate do not derive. */
    OK(mica_cnode_move(CNODE, dest, DEPTH, CNODE, saved, DEPTH));
    TYPE_IS(dest, MICA_CAP_TYPE_REPLY);
    TYPE_IS(saved, MICA_CAP_TYPE_NULL);
    OK(mica_cnode_mutate(CNODE, saved, DEPTH, CNODE, dest, DEPTH, 0x5));
    TYPE_IS(saved, MICA_CAP_TYPE_REPLY);
    reply_through(saved);
}

START_TEST(save_caller_reply_cap_cannot_be_copied_or_minted)
{
    run(save_reply_derive);
}
END_TEST

static void save_short(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t dest = mt_slot();
    mica_word_t w[2] = { dest, DEPTH };
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_SAVE_CALLER, 0, 1, w, 2), MICA_TRUNCATED_MESSAGE);
    OK(raw_call(CNODE, MICA_CNODE_SAVE_CALLER, 0, 2, w, 2));
}

START_TEST(save_caller_with_short_message_fails)
{
    run(save_short);
}
END_TEST

/* ======================================================================= */
/* CancelBadgedSends                                                       */
/* ======================================================================= */

/* sel4test CNODEOP0006 */
static void cancel_empty(const mica_bootinfo_t *bi)
{
    (void)bi;
    mt_assert_fails(mica_cnode_cancel_badged_sends(CNODE, mt_slot(), DEPTH), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_cnode_cancel_badged_sends(CNODE, MICA_CAP_NULL, DEPTH), MICA_ILLEGAL_OPERATION);
}

START_TEST(cancel_badged_sends_on_empty_slot_fails)
{
    run(cancel_empty);
}
END_TEST

static void cancel_rights(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    const mica_cap_rights_t partial[] = {
        MICA_NO_WRITE, MICA_NO_READ, mica_cap_rights_new(1, 0, 1, 1),
        mica_cap_rights_new(0, 1, 1, 1), MICA_READ_WRITE, MICA_NO_RIGHTS,
    };
    for (unsigned i = 0; i < sizeof partial / sizeof partial[0]; i++) {
        mica_cptr_t copy = copy_of(ep, partial[i]);
        mica_cptr_t badged = mint_of(ep, partial[i], 9);
        mt_assert_fails(mica_cnode_cancel_badged_sends(CNODE, copy, DEPTH), MICA_ILLEGAL_OPERATION);
        mt_assert_fails(mica_cnode_cancel_badged_sends(CNODE, badged, DEPTH), MICA_ILLEGAL_OPERATION);
    }
    /* Only endpoint caps qualify: a notification with all its rights does not. */
    mica_cptr_t ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t ntfn_badged = mint_of(ntfn, MICA_ALL_RIGHTS, 3);
    mt_assert_fails(mica_cnode_cancel_badged_sends(CNODE, ntfn, DEPTH), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_cnode_cancel_badged_sends(CNODE, ntfn_badged, DEPTH), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_cnode_cancel_badged_sends(CNODE, MICA_CAP_INIT_TCB, DEPTH),
          MICA_ILLEGAL_OPERATION);
    mt_assert_fails(mica_cnode_cancel_badged_sends(CNODE, CNODE, DEPTH), MICA_ILLEGAL_OPERATION);
    /* All rights: an unbadged cap is a no-op. */
    uint64_t d = mt_kernel_digest();
    OK(mica_cnode_cancel_badged_sends(CNODE, ep, DEPTH));
    ck_assert(mt_kernel_digest() == d);
}

START_TEST(cancel_badged_sends_without_all_rights_fails)
{
    run(cancel_rights);
}
END_TEST

static void cancel_unbadged(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t b = mint_of(ep, MICA_ALL_RIGHTS, 4);
    start_sender(0, b);
    start_sender(1, ep);
    /* Badge 0 cancels nothing. */
    OK(mica_cnode_cancel_badged_sends(CNODE, ep, DEPTH));
    /* Nor does a badge no sender uses. */
    OK(mica_cnode_cancel_badged_sends(CNODE, mint_of(ep, MICA_ALL_RIGHTS, 5), DEPTH));
    let_others_run();
    ck_assert(!send_returned[0]);
    ck_assert(!send_returned[1]);
    receive_from_sender(ep, 0, 4);
    receive_from_sender(ep, 1, 0);
}

START_TEST(cancel_badged_sends_with_other_badges_does_nothing)
{
    run(cancel_unbadged);
}
END_TEST

/* sel4test CNODEOP0006 and CANCEL_BADGED_SENDS_0002 */
static void cancel_badged(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t b1 = mint_of(ep, MICA_ALL_RIGHTS, 1);
    mica_cptr_t b2 = mint_of(ep, MICA_ALL_RIGHTS, 2);
    start_sender(0, copy_of(b1, MICA_ALL_RIGHTS));
    start_sender(1, copy_of(b2, MICA_ALL_RIGHTS));
    start_sender(2, copy_of(b1, MICA_CAN_WRITE));
    /* Revoke the clients' caps, then cancel what they already sent. */
    OK(mica_cnode_revoke(CNODE, b1, DEPTH));
    TYPE_IS(send_cap[0], MICA_CAP_TYPE_NULL);
    TYPE_IS(send_cap[2], MICA_CAP_TYPE_NULL);
    let_others_run();
    ck_assert(!send_returned[0]);
    OK(mica_cnode_cancel_badged_sends(CNODE, b1, DEPTH));
    /* The badge-1 senders restart their Send on a now empty slot, which fails. */
    let_others_run();
    ck_assert(send_returned[0]);
    ck_assert(send_returned[2]);
    ck_assert(!send_returned[1]);
    /* The badge-2 sender is still queued, and alone. */
    receive_from_sender(ep, 1, 2);
    mica_word_t badge = 1;
    mica_msginfo_t m = mica_nbrecv(ep, &badge);
    ck_assert_uint_eq(m.words[0], 0);
    ck_assert_uint_eq(badge, 0);
}

START_TEST(cancel_badged_sends_removes_senders_with_that_badge)
{
    run(cancel_badged);
}
END_TEST

static void cancel_short(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_word_t w[2] = { ep, DEPTH };
    mt_assert_fails(raw_call(CNODE, MICA_CNODE_CANCEL_BADGED_SENDS, 0, 1, w, 2), MICA_TRUNCATED_MESSAGE);
    OK(raw_call(CNODE, MICA_CNODE_CANCEL_BADGED_SENDS, 0, 2, w, 2));
}

START_TEST(cancel_badged_sends_with_short_message_fails)
{
    run(cancel_short);
}
END_TEST

/* ======================================================================= */


static Suite *cnode_suite(void)
{
    Suite *s = suite_create("cnode");
    TCase *tc;

    tc = mt_tcase(s, "addressing");
    tcase_add_test(tc, every_operation_rejects_destination_depth_0_and_65);
    tcase_add_test(tc, every_operation_reports_destination_lookup_failures);
    tcase_add_test(tc, every_source_lookup_reports_failures_as_source);
    tcase_add_test(tc, operation_on_an_empty_cap_fails);
    tcase_add_test(tc, unknown_label_on_a_cnode_cap_fails);
    tcase_add_test(tc, every_operation_needs_two_words);
    tcase_add_test(tc, error_replies_carry_exactly_their_details);

    tc = mt_tcase(s, "copy");
    tcase_add_test(tc, copy_names_the_same_object);
    tcase_add_test(tc, copy_works_for_every_derivable_cap_type);
    tcase_add_test(tc, copy_of_mapped_frame_is_unmapped);
    tcase_add_test(tc, copy_to_occupied_slot_fails);
    tcase_add_test(tc, copy_from_empty_slot_fails);
    tcase_add_test(tc, copy_masks_rights_and_never_adds_them);
    tcase_add_test(tc, copy_of_untyped_with_children_fails);
    tcase_add_test(tc, copy_of_untyped_takes_its_free_space);
    tcase_add_test(tc, copy_of_irq_control_or_unmapped_page_table_fails);
    tcase_add_test(tc, copy_with_short_message_fails);

    tc = mt_tcase(s, "mint");
    tcase_add_test(tc, mint_badges_an_unbadged_cap);
    tcase_add_test(tc, mint_onto_badged_cap_fails);
    tcase_add_test(tc, mint_masks_rights);
    tcase_add_test(tc, mint_sets_the_guard_of_a_cnode_cap);
    tcase_add_test(tc, mint_with_too_large_guard_fails);
    tcase_add_test(tc, mint_of_other_caps_ignores_the_data);
    tcase_add_test(tc, mint_to_occupied_slot_fails);
    tcase_add_test(tc, mint_from_empty_slot_fails);
    tcase_add_test(tc, mint_of_underivable_cap_fails);
    tcase_add_test(tc, mint_with_short_message_fails);

    tc = mt_tcase(s, "move");
    tcase_add_test(tc, move_transfers_the_cap);
    tcase_add_test(tc, move_to_occupied_slot_fails);
    tcase_add_test(tc, move_from_empty_slot_fails);
    tcase_add_test(tc, move_of_a_slot_onto_itself_tells_full_from_empty);
    tcase_add_test(tc, move_with_short_message_fails);

    tc = mt_tcase(s, "mutate");
    tcase_add_test(tc, mutate_sets_the_guard_and_moves);
    tcase_add_test(tc, mutate_of_endpoint_or_notification_fails);
    tcase_add_test(tc, mutate_with_too_large_guard_fails);
    tcase_add_test(tc, mutate_of_other_caps_moves_them_unchanged);
    tcase_add_test(tc, mutate_to_occupied_slot_fails);
    tcase_add_test(tc, mutate_from_empty_slot_fails);
    tcase_add_test(tc, mutate_with_short_message_fails);

    tc = mt_tcase(s, "rotate");
    tcase_add_test(tc, rotate_moves_pivot_to_dest_and_source_to_pivot);
    tcase_add_test(tc, rotate_with_source_equal_to_dest_swaps);
    tcase_add_test(tc, rotate_to_occupied_dest_fails);
    tcase_add_test(tc, rotate_with_pivot_equal_to_source_or_dest_fails);
    tcase_add_test(tc, rotate_from_empty_source_or_pivot_fails);
    tcase_add_test(tc, rotate_pivot_lookup_failures_fail);
    tcase_add_test(tc, rotate_of_endpoint_or_bad_cnode_data_fails);
    tcase_add_test(tc, rotate_with_short_message_fails);

    tc = mt_tcase(s, "delete");
    tcase_add_test(tc, delete_empties_the_slot);
    tcase_add_test(tc, delete_of_last_endpoint_cap_releases_its_senders);
    tcase_add_test(tc, delete_of_last_cap_destroys_the_object);
    tcase_add_test(tc, delete_of_nested_cnodes_does_not_recurse);
    tcase_add_test(tc, delete_of_last_irq_handler_cap_frees_the_irq);
    tcase_add_test(tc, delete_of_last_tcb_cap_stops_the_thread);
    tcase_add_test(tc, delete_with_short_message_fails);

    tc = mt_tcase(s, "revoke");
    tcase_add_test(tc, revoke_deletes_all_descendants_but_not_the_cap);
    tcase_add_test(tc, revoke_of_badged_endpoint_removes_only_its_copies);
    tcase_add_test(tc, revoke_of_cap_without_children_does_nothing);
    tcase_add_test(tc, revoke_of_irq_control_deletes_every_handler);
    tcase_add_test(tc, revoke_with_short_message_fails);

    tc = mt_tcase(s, "save_caller");
    tcase_add_test(tc, save_caller_without_caller_leaves_slot_empty);
    tcase_add_test(tc, save_caller_saves_the_reply_cap);
    tcase_add_test(tc, save_caller_into_full_slot_fails);
    tcase_add_test(tc, save_caller_reply_cap_cannot_be_copied_or_minted);
    tcase_add_test(tc, save_caller_with_short_message_fails);

    tc = mt_tcase(s, "cancel_badged_sends");
    tcase_add_test(tc, cancel_badged_sends_on_empty_slot_fails);
    tcase_add_test(tc, cancel_badged_sends_without_all_rights_fails);
    tcase_add_test(tc, cancel_badged_sends_with_other_badges_does_nothing);
    tcase_add_test(tc, cancel_badged_sends_removes_senders_with_that_badge);
    tcase_add_test(tc, cancel_badged_sends_with_short_message_fails);

    return s;
}

MICA_TEST_MAIN(cnode_suite)
