/*
 * test_untyped.c - Untyped_Retype: every object type with its seL4 size and
 * alignment, the watermark, the fan-out limit, reuse after revoke, derived
 * untyped caps, and every error in seL4's check order with its details in
 * the message registers. Ports sel4test RETYPE0000, RETYPE0001, RETYPE0002.
 *
 * Physical addresses of non-frame objects and memory contents are read
 * through the kernel window (hw_phys_base + paddr); everything else goes
 * through the API. Every failing call is checked to change no kernel state.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include "harness.h"
#include "cap.h"

/* --- helpers ------------------------------------------------------------ */

/* A failing invocation returns `want` and leaves all kernel state unchanged. */


#define assert_range_error(expr, lo, hi) do { \
        mt_assert_fails(expr, MICA_RANGE_ERROR); \
        mt_assert_mr(0, lo); \
        mt_assert_mr(1, hi); \
    } while (0)

#define assert_invalid_argument(expr, n) do { \
        mt_assert_fails(expr, MICA_INVALID_ARGUMENT); \
        mt_assert_mr(0, n); \
    } while (0)

#define assert_not_enough_memory(expr, left) do { \
        mt_assert_fails(expr, MICA_NOT_ENOUGH_MEMORY); \
        mt_assert_mr(0, left); \
    } while (0)

#define retype(ut, type, bits, slot, n) \
    mica_untyped_retype((ut), (type), (bits), CNODE, 0, 0, (slot), (n))

#define ROOT_SLOTS 4096ul   /* the harness's default root CNode */

/* n consecutive fresh slots of the root CNode; returns the first. */
static mica_cptr_t slots(unsigned n)
{
    mica_cptr_t first = mt_slot();
    for (unsigned i = 1; i < n; i++)
        ck_assert_uint_eq(mt_slot(), first + i);
    return first;
}

/* Kernel window: the slot behind a root-CNode CPtr (depth 64). */
static cte_t *root_cte(mica_cptr_t slot)
{
    cap_t root = tcb_slot(ks.root_tcb, TCB_CTABLE)->cap;
    ck_assert_uint_lt(slot, BIT(cap_cnode_radix(root)));
    return cap_cnode_slots(root) + slot;
}

/* Physical address of the object a root-CNode slot names. */
static mica_word_t paddr_of(mica_cptr_t slot)
{
    ck_assert_int_ne(mica_debug_cap_identify(slot), MICA_CAP_TYPE_NULL);
    return cap_obj(root_cte(slot)->cap);
}

static unsigned char *phys(mica_word_t paddr)
{
    return hw_phys_base + paddr;
}

static mica_word_t frame_paddr(mica_cptr_t frame)
{
    mica_page_get_address_t a = mica_page_get_address(frame);
    ck_assert_int_eq(a.error, MICA_NO_ERROR);
    return a.paddr;
}

/*
 * Bytes an untyped can still hand out, measured as seL4 reports it: a
 * retype that cannot fit fails with NotEnoughMemory and MR0 = bytes free.
 */
static mica_word_t free_bytes(mica_cptr_t ut)
{
    mica_cptr_t s = mt_slot();
    mt_assert_fails(retype(ut, MICA_UNTYPED_OBJECT, MICA_MAX_UNTYPED_BITS, s, 1),
                 MICA_NOT_ENOUGH_MEMORY);
    return mica_get_mr(0);
}

/* A fresh child untyped of 2^bits carved from the largest boot untyped. */
static mica_cptr_t make_untyped(unsigned bits)
{
    return mt_make(MICA_UNTYPED_OBJECT, bits);
}

static mica_cptr_t make_cnode(unsigned radix)
{
    return mt_make(MICA_CNODE_OBJECT, radix);
}

/*
 * The largest device untyped of the boot info (each device's register page
 * has a 4 KiB one of its own; the rest of the device region is the largest):
 * return its slot.
 */
static mica_cptr_t device_untyped(void)
{
    const mica_bootinfo_t *bi = mt_bi();
    mica_cptr_t dev = 0;
    unsigned best = 0;
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        if (bi->untyped_list[i].is_device) {
            ck_assert_uint_eq(bi->untyped_list[i].is_device, 1);
            if (bi->untyped_list[i].size_bits > best) {
                best = bi->untyped_list[i].size_bits;
                dev = bi->untyped.start + i;
            }
        }
    }
    ck_assert_uint_gt(best, MICA_PAGE_BITS);
    return dev;
}

static const mica_untyped_desc_t *boot_desc(mica_cptr_t ut)
{
    const mica_bootinfo_t *bi = mt_bi();
    ck_assert_uint_ge(ut, bi->untyped.start);
    ck_assert_uint_lt(ut, bi->untyped.end);
    return &bi->untyped_list[ut - bi->untyped.start];
}

/* Untyped_Retype built by hand: label, length and extra caps chosen freely. */
static mica_msginfo_t raw_retype_reply(mica_cptr_t ut, mica_word_t label, mica_word_t length,
                                       mica_word_t extra_caps, const mica_word_t mr[6])
{
    for (int i = 0; i < 6; i++)
        mica_set_mr(i, mr[i]);
    mica_set_cap(0, CNODE);
    return mica_call(ut, mica_msginfo_new(label, 0, extra_caps, length));
}

static mica_error_t raw_retype(mica_cptr_t ut, mica_word_t label, mica_word_t length,
                               mica_word_t extra_caps, const mica_word_t mr[6])
{
    mica_msginfo_t reply = raw_retype_reply(ut, label, length, extra_caps, mr);
    return (mica_error_t)mica_msginfo_get_label(reply);
}

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

/* Every object type (docs/api.md "Object types"): retype arguments, resulting cap, log2 size. */
static const struct kind {
    mica_word_t type;
    mica_word_t size_bits;
    mica_cap_type_t cap;
    unsigned obj_bits;
} kinds[] = {
    { MICA_UNTYPED_OBJECT,      12, MICA_CAP_TYPE_UNTYPED,      12 },
    { MICA_TCB_OBJECT,          0,  MICA_CAP_TYPE_TCB,          MICA_TCB_BITS },
    { MICA_ENDPOINT_OBJECT,     0,  MICA_CAP_TYPE_ENDPOINT,     MICA_ENDPOINT_BITS },
    { MICA_NOTIFICATION_OBJECT, 0,  MICA_CAP_TYPE_NOTIFICATION, MICA_NOTIFICATION_BITS },
    { MICA_CNODE_OBJECT,        4,  MICA_CAP_TYPE_CNODE,        4 + MICA_SLOT_BITS },
    { MICA_FRAME_OBJECT,        0,  MICA_CAP_TYPE_FRAME,        MICA_PAGE_BITS },
    { MICA_LARGE_FRAME_OBJECT,  0,  MICA_CAP_TYPE_FRAME,        MICA_LARGE_PAGE_BITS },
    { MICA_PAGE_TABLE_OBJECT,   0,  MICA_CAP_TYPE_PAGE_TABLE,   MICA_PAGE_TABLE_BITS },
    { MICA_VSPACE_OBJECT,       0,  MICA_CAP_TYPE_VSPACE,       MICA_VSPACE_BITS },
    { MICA_PDPT_OBJECT,         0,  MICA_CAP_TYPE_PDPT,         MICA_PDPT_BITS },
    { MICA_PAGE_DIRECTORY_OBJECT, 0, MICA_CAP_TYPE_PAGE_DIRECTORY, MICA_PAGE_DIRECTORY_BITS },
};
#define NUM_KINDS (sizeof kinds / sizeof kinds[0])

/* --- successful retypes ------------------------------------------------- */

static void every_type(const mica_bootinfo_t *bi)
{
    (void)bi;
    for (unsigned k = 0; k < NUM_KINDS; k++) {
        mica_cptr_t s = mt_make(kinds[k].type, kinds[k].size_bits);
        ck_assert_msg(mica_debug_cap_identify(s) == kinds[k].cap, "%s gave a %s cap",
                      mica_object_type_name((mica_object_type_t)kinds[k].type),
                      mica_cap_type_name(mica_debug_cap_identify(s)));
    }
}

START_TEST(retype_creates_every_object_type)
{
    mica_run_result_t r = mt_run(every_type);
    /* One object of each type was created (boot objects are not counted); a 1 GiB
     * frame needs more memory than the test system has. */
    for (unsigned t = 0; t < MICA_OBJECT_TYPE_COUNT; t++)
        ck_assert_uint_eq(r.objects[t], t == MICA_HUGE_FRAME_OBJECT ? 0 : 1);
}
END_TEST

static void initial_state(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ntfn = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t cn = mt_make(MICA_CNODE_OBJECT, 5);
    mica_cptr_t tcb = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t frame = mt_make(MICA_FRAME_OBJECT, 0);
    mica_cptr_t ut = mt_make(MICA_UNTYPED_OBJECT, 12);

    /* Endpoint: all rights, no badge. Notification: read and write, no badge. */
    cap_t c = root_cte(ep)->cap;
    ck_assert_uint_eq(cap_rights(c), RIGHTS_ALL);
    ck_assert_uint_eq(cap_badge(c), 0);
    c = root_cte(ntfn)->cap;
    ck_assert_uint_eq(cap_rights(c), RIGHT_READ | RIGHT_WRITE);
    ck_assert_uint_eq(cap_badge(c), 0);
    /* CNode: the radix asked for, no guard, every slot empty. */
    c = root_cte(cn)->cap;
    ck_assert_uint_eq(cap_cnode_radix(c), 5);
    ck_assert_uint_eq(cap_cnode_guard_size(c), 0);
    ck_assert_uint_eq(cap_cnode_guard(c), 0);
    for (unsigned i = 0; i < 32; i++)
        ck_assert(cap_is_null(cap_cnode_slots(c)[i].cap));
    /* TCB: inactive, priority and MCP 0, no CSpace, VSpace or IPC buffer. */
    paddr_t t = paddr_of(tcb);
    ck_assert_uint_eq(tcb_ptr(t)->state.type, MICA_THREAD_INACTIVE);
    ck_assert_uint_eq(tcb_ptr(t)->priority, 0);
    ck_assert_uint_eq(tcb_ptr(t)->mcp, 0);
    for (unsigned i = 0; i < MICA_TCB_CNODE_ENTRIES; i++)
        ck_assert(cap_is_null(tcb_slot(t, i)->cap));
    /* Frame: read-write, unmapped, RAM. Untyped child: all free, not device. */
    c = root_cte(frame)->cap;
    ck_assert_uint_eq(cap_rights(c), RIGHT_READ | RIGHT_WRITE);
    ck_assert(!cap_is_mapped(c));
    ck_assert(!cap_frame_is_device(c));
    ck_assert(!cap_untyped_is_device(root_cte(ut)->cap));
    ck_assert_uint_eq(free_bytes(ut), 4096);
}

START_TEST(retype_gives_objects_seL4_initial_state)
{
    mt_run(initial_state);
}
END_TEST

/*
 * mica_debug_usage mid-run: objects made appear by type and once each
 * (a copy of a cap is not another object), untyped bytes grow by what is
 * carved from a boot untyped (not by what a child untyped holds: its bytes
 * are already counted), and revoking gives the objects back - what a leak
 * check compares.
 */
static void usage(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_usage_t before, during, after;
    mica_cptr_t ut = make_untyped(16);
    ck_assert_int_eq(mica_debug_usage(&before), 0);
    mica_cptr_t ep = mt_slot(), nt = mt_slot(), copy = mt_slot(), tcb = mt_slot();
    mt_assert_err(retype(ut, MICA_ENDPOINT_OBJECT, 0, ep, 1), MICA_NO_ERROR);
    mt_assert_err(retype(ut, MICA_NOTIFICATION_OBJECT, 0, nt, 1), MICA_NO_ERROR);
    mt_assert_err(retype(ut, MICA_TCB_OBJECT, 0, tcb, 1), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(CNODE, copy, DEPTH, CNODE, ep, DEPTH, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_usage(&during), 0);
    ck_assert_uint_eq(during.objects[MICA_CAP_TYPE_ENDPOINT] - before.objects[MICA_CAP_TYPE_ENDPOINT], 1);
    ck_assert_uint_eq(during.objects[MICA_CAP_TYPE_NOTIFICATION] -
                      before.objects[MICA_CAP_TYPE_NOTIFICATION], 1);
    ck_assert_uint_eq(during.objects[MICA_CAP_TYPE_TCB] - before.objects[MICA_CAP_TYPE_TCB], 1);
    ck_assert_uint_eq(during.threads[MICA_THREAD_INACTIVE] - before.threads[MICA_THREAD_INACTIVE], 1);
    /* Carved from a child untyped: the boot untyped's watermark already covers them. */
    ck_assert_uint_eq(during.untyped_bytes_used, before.untyped_bytes_used);
    mica_cptr_t more = mt_slot();
    mt_assert_err(retype(mt_untyped(), MICA_ENDPOINT_OBJECT, 0, more, 1), MICA_NO_ERROR);
    mica_usage_t top;
    ck_assert_int_eq(mica_debug_usage(&top), 0);
    ck_assert_uint_ge(top.untyped_bytes_used - before.untyped_bytes_used, 1u << MICA_ENDPOINT_BITS);
    ck_assert_uint_eq(top.objects[MICA_CAP_TYPE_ENDPOINT] - before.objects[MICA_CAP_TYPE_ENDPOINT], 2);
    mt_assert_err(mica_cnode_delete(CNODE, more, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_revoke(CNODE, ut, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_usage(&after), 0);
    ck_assert_mem_eq(after.objects, before.objects, sizeof after.objects);
    ck_assert_mem_eq(after.threads, before.threads, sizeof after.threads);
}

START_TEST(debug_usage_counts_live_objects_once_and_untyped_bytes)
{
    mica_run_result_t r = mt_run(usage);
    ck_assert_uint_eq(r.syscalls[-MICA_SYS_DEBUG_USAGE], 4);
}
END_TEST

static void sizes(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(22);
    mica_word_t base = paddr_of(ut);
    mica_cptr_t s = slots(2);
    for (unsigned k = 0; k < NUM_KINDS; k++) {
        const struct kind *kd = &kinds[k];
        mica_word_t size = 1ul << kd->obj_bits;
        /* Two objects back to back, each naturally aligned. */
        mt_assert_err(retype(ut, kd->type, kd->size_bits, s, 2), MICA_NO_ERROR);
        for (unsigned i = 0; i < 2; i++) {
            ck_assert_int_eq(mica_debug_cap_identify(s + i), kd->cap);
            ck_assert_uint_eq(paddr_of(s + i), base + i * size);
            ck_assert_uint_eq(paddr_of(s + i) & (size - 1), 0);
            if (kd->cap == MICA_CAP_TYPE_FRAME)
                ck_assert_uint_eq(frame_paddr(s + i), base + i * size);
        }
        ck_assert_uint_eq(free_bytes(ut), (1ul << 22) - 2 * size);
        mt_assert_err(mica_cnode_revoke(CNODE, ut, DEPTH), MICA_NO_ERROR);
        ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_NULL);
        ck_assert_int_eq(mica_debug_cap_identify(s + 1), MICA_CAP_TYPE_NULL);
    }
}

START_TEST(retype_objects_have_seL4_sizes_and_alignment)
{
    mt_run(sizes);
}
END_TEST

static void consecutive(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_word_t base = paddr_of(ut), total = 1ul << 16;

    mica_cptr_t ep = slots(3);
    mt_assert_err(retype(ut, MICA_ENDPOINT_OBJECT, 0, ep, 3), MICA_NO_ERROR);
    for (unsigned i = 0; i < 3; i++)
        ck_assert_uint_eq(paddr_of(ep + i), base + 16 * i);
    ck_assert_uint_eq(free_bytes(ut), total - 48);

    /* 48 bytes used: a 32-byte notification is aligned up to 64. */
    mica_cptr_t ntfn = mt_slot();
    mt_assert_err(retype(ut, MICA_NOTIFICATION_OBJECT, 0, ntfn, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(paddr_of(ntfn), base + 64);
    ck_assert_uint_eq(free_bytes(ut), total - 96);

    /* Small objects, then a 4K frame: aligned up to the next page. */
    mica_cptr_t f = mt_slot();
    mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 0, f, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(f), base + 4096);
    ck_assert_uint_eq(free_bytes(ut), total - 8192);

    mica_cptr_t tcb = mt_slot();
    mt_assert_err(retype(ut, MICA_TCB_OBJECT, 0, tcb, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(paddr_of(tcb), base + 8192);
    ck_assert_uint_eq(free_bytes(ut), total - 10240);

    mica_cptr_t cn = mt_slot();
    mt_assert_err(retype(ut, MICA_CNODE_OBJECT, 6, cn, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(paddr_of(cn), base + 10240);
    ck_assert_uint_eq(free_bytes(ut), total - 12288);

    mica_cptr_t ep2 = mt_slot();
    mt_assert_err(retype(ut, MICA_ENDPOINT_OBJECT, 0, ep2, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(paddr_of(ep2), base + 12288);

    mica_cptr_t pt = slots(2);
    mt_assert_err(retype(ut, MICA_PAGE_TABLE_OBJECT, 0, pt, 1), MICA_NO_ERROR);
    mt_assert_err(retype(ut, MICA_VSPACE_OBJECT, 0, pt + 1, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(paddr_of(pt), base + 16384);
    ck_assert_uint_eq(paddr_of(pt + 1), base + 20480);
    ck_assert_uint_eq(free_bytes(ut), total - 24576);

    /* An untyped child of 2^15 must start on a 32 KiB boundary. */
    mica_cptr_t u = mt_slot();
    mt_assert_err(retype(ut, MICA_UNTYPED_OBJECT, 15, u, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(paddr_of(u), base + 32768);
    ck_assert_uint_eq(free_bytes(ut), 0);
}

START_TEST(retype_packs_objects_at_consecutive_aligned_addresses)
{
    mt_run(consecutive);
}
END_TEST

static void fixed_sizes(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_word_t base = paddr_of(ut);
    mica_cptr_t s = slots(3);
    /* size_bits only matters for untyped and CNodes; below 64 it is ignored. */
    mt_assert_err(retype(ut, MICA_TCB_OBJECT, 63, s, 1), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_TCB);
    ck_assert_uint_eq(paddr_of(s), base);
    mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 40, s + 1, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(s + 1), base + 4096);
    mt_assert_err(retype(ut, MICA_ENDPOINT_OBJECT, 30, s + 2, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(paddr_of(s + 2), base + 8192);
    ck_assert_uint_eq(free_bytes(ut), (1ul << 16) - 8192 - 16);
}

START_TEST(retype_ignores_size_bits_of_fixed_size_types)
{
    mt_run(fixed_sizes);
}
END_TEST

static void fan_out(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t cn = make_cnode(9);
    mica_cptr_t ut = make_untyped(16);
    mica_word_t base = paddr_of(ut);

    mt_assert_err(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, cn, DEPTH, 0, 256),
                  MICA_NO_ERROR);
    /* 257 is refused by the fan-out limit before the occupied slots are seen. */
    assert_range_error(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, cn, DEPTH, 0, 257),
                       1, 256);
    assert_range_error(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, cn, DEPTH, 256, 257),
                       1, 256);
    mt_assert_err(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, cn, DEPTH, 256, 256),
                  MICA_NO_ERROR);
    cte_t *node = cap_cnode_slots(root_cte(cn)->cap);
    for (unsigned i = 0; i < 512; i++) {
        ck_assert_int_eq(cap_type(node[i].cap), MICA_CAP_TYPE_ENDPOINT);
        ck_assert_uint_eq(cap_obj(node[i].cap), base + 16 * i);
    }
    ck_assert_uint_eq(free_bytes(ut), (1ul << 16) - 512 * 16);

    /* The same limit holds in the root CNode. */
    mica_cptr_t s = slots(256);
    mt_assert_err(retype(ut, MICA_NOTIFICATION_OBJECT, 0, s, 256), MICA_NO_ERROR);
    for (unsigned i = 0; i < 256; i++)
        ck_assert_int_eq(mica_debug_cap_identify(s + i), MICA_CAP_TYPE_NOTIFICATION);
}

START_TEST(retype_fan_out_limit_is_256)
{
    mt_run(fan_out);
}
END_TEST

static void second_level(const mica_bootinfo_t *bi)
{
    (void)bi;
    /*
     * L1: radix 4, no guard. L2: radix 3, minted into L1 slot 9 with the
     * 2-bit guard 0b11. L3: radix 2, copied into L2 slot 2. Paths from L1:
     * L1 slot 9 = index 9 at depth 4; L2 slot i = ((9 << 2 | 3) << 3 | i)
     * at depth 9; L3 slot j = (L2 slot 2 path) << 2 | j at depth 11.
     */
    mica_cptr_t l1 = make_cnode(4);
    mica_cptr_t l2 = make_cnode(3);
    mica_cptr_t l3 = make_cnode(2);
    const mica_word_t to_l2 = (9 << 2) | 3;
    mt_assert_err(mica_cnode_mint(l1, 9, 4, CNODE, l2, DEPTH, MICA_ALL_RIGHTS,
                                  mica_cnode_capdata_new(3, 2)), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(l1, (to_l2 << 3) | 2, 9, CNODE, l3, DEPTH, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    mica_cptr_t ut = make_untyped(16);
    mica_word_t base = paddr_of(ut);
    mica_cptr_t out = slots(3);

    /* Into L3 through two levels: node_index names L2 slot 2 at depth 9. */
    mt_assert_err(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, l1, (to_l2 << 3) | 2, 9, 1, 2),
                  MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(CNODE, out, DEPTH, l1, (((to_l2 << 3) | 2) << 2) | 2, 11,
                                  MICA_ALL_RIGHTS), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(out), MICA_CAP_TYPE_ENDPOINT);
    ck_assert_uint_eq(paddr_of(out), base + 16);

    /* Depth 4 stops at L1 slot 9, whose cap is the (guarded) L2. */
    mt_assert_err(mica_untyped_retype(ut, MICA_NOTIFICATION_OBJECT, 0, l1, 9, 4, 0, 1),
                  MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(CNODE, out + 1, DEPTH, l1, to_l2 << 3, 9, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(out + 1), MICA_CAP_TYPE_NOTIFICATION);

    /* Through the root CNode at depth 64: L1 itself is the destination. */
    mt_assert_err(mica_untyped_retype(ut, MICA_TCB_OBJECT, 0, CNODE, l1, DEPTH, 3, 1),
                  MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(CNODE, out + 2, DEPTH, l1, 3, 4, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(out + 2), MICA_CAP_TYPE_TCB);

    /* L3 reached through its original cap in the root CNode: slot 1 is taken. */
    mt_assert_fails(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, l3, DEPTH, 1, 1),
                 MICA_DELETE_FIRST);

    /* Wrong guard: 5 bits left at L2, its guard 3 of 2 bits not matched. */
    mt_assert_fails(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, l1, (((9 << 2) | 2) << 3) | 2,
                                     9, 0, 1), MICA_FAILED_LOOKUP);
    mt_assert_mr(0, 0);
    mt_assert_mr(1, MICA_GUARD_MISMATCH);
    mt_assert_mr(2, 5);
    mt_assert_mr(3, 3);
    mt_assert_mr(4, 2);
    /* Only 1 bit left for a 2-bit guard. */
    mt_assert_fails(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, l1, (9 << 1) | 1, 5, 0, 1),
                 MICA_FAILED_LOOKUP);
    mt_assert_mr(1, MICA_GUARD_MISMATCH);
    mt_assert_mr(2, 1);
    mt_assert_mr(3, 3);
    mt_assert_mr(4, 2);
    /* A guard cannot be a stopping point: 2 bits cannot cover guard + radix = 5. */
    mt_assert_fails(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, l1, to_l2, 6, 0, 1),
                 MICA_FAILED_LOOKUP);
    mt_assert_mr(0, 0);
    mt_assert_mr(1, MICA_DEPTH_MISMATCH);
    mt_assert_mr(2, 2);
    mt_assert_mr(3, 5);
    /* Depth 8 ends on L1 slot 3 (the TCB) with 4 bits left over. */
    mt_assert_fails(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, l1, 3 << 4, 8, 0, 1),
                 MICA_FAILED_LOOKUP);
    mt_assert_mr(0, 0);
    mt_assert_mr(1, MICA_DEPTH_MISMATCH);
    mt_assert_mr(2, 4);
    mt_assert_mr(3, 0);
    /* A full-depth path to an empty L2 slot resolves, but the slot is no CNode. */
    mt_assert_fails(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, l1, (to_l2 << 3) | 1, 9, 0, 1),
                 MICA_FAILED_LOOKUP);
    mt_assert_mr(0, 0);
    mt_assert_mr(1, MICA_MISSING_CAPABILITY);
    mt_assert_mr(2, 9);
}

START_TEST(retype_into_second_level_cnode_through_index_and_depth)
{
    mt_run(second_level);
}
END_TEST

static void device_ok(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t dev = device_untyped();
    const mica_untyped_desc_t *d = boot_desc(dev);
    ck_assert_uint_eq(d->size_bits, 19);     /* the upper half of the 1 MiB device region */
    ck_assert_uint_eq(paddr_of(dev), d->paddr);

    mica_cptr_t f = mt_slot();
    mt_assert_err(retype(dev, MICA_FRAME_OBJECT, 0, f, 1), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(f), MICA_CAP_TYPE_FRAME);
    ck_assert_uint_eq(frame_paddr(f), d->paddr);
    ck_assert(cap_frame_is_device(root_cte(f)->cap));

    /* A child untyped of device memory is device memory too. */
    mica_cptr_t u = mt_slot();
    mt_assert_err(retype(dev, MICA_UNTYPED_OBJECT, 16, u, 1), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(u), MICA_CAP_TYPE_UNTYPED);
    ck_assert_uint_eq(paddr_of(u), d->paddr + 65536);
    ck_assert(cap_untyped_is_device(root_cte(u)->cap));
    mica_cptr_t s = slots(2);
    assert_invalid_argument(retype(u, MICA_TCB_OBJECT, 0, s, 1), 1);
    mt_assert_err(retype(u, MICA_FRAME_OBJECT, 0, s, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(s), d->paddr + 65536);

    /* 512 KiB of device memory cannot hold a 2 MiB frame. */
    assert_not_enough_memory(retype(dev, MICA_LARGE_FRAME_OBJECT, 0, s + 1, 1),
                             (1ul << 19) - 2 * 65536);
}

START_TEST(retype_from_device_untyped_gives_frames_and_untyped)
{
    mt_run(device_ok);
}
END_TEST

/* --- errors, in seL4's check order -------------------------------------- */

static void wrong_label(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_cptr_t s = mt_slot();
    const mica_word_t mr[6] = { MICA_ENDPOINT_OBJECT, 0, 0, 0, s, 1 };
    const mica_word_t labels[] = { MICA_INVALID_INVOCATION, MICA_CNODE_COPY, MICA_TCB_SUSPEND,
                                   MICA_PAGE_GET_ADDRESS, MICA_NUM_INVOCATION_LABELS, 12345 };
    for (unsigned i = 0; i < sizeof labels / sizeof labels[0]; i++)
        mt_assert_fails(raw_retype(ut, labels[i], 6, 1, mr), MICA_ILLEGAL_OPERATION);
    /* The label is checked before the length. */
    mt_assert_fails(raw_retype(ut, MICA_CNODE_REVOKE, 0, 0, mr), MICA_ILLEGAL_OPERATION);
    ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_NULL);
    mt_assert_err(raw_retype(ut, MICA_UNTYPED_RETYPE, 6, 1, mr), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_ENDPOINT);
}

START_TEST(retype_with_wrong_label_is_illegal_operation)
{
    mt_run(wrong_label);
}
END_TEST

static void not_untyped(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t s = mt_slot(), empty = mt_slot();
    mica_cptr_t frame = mt_make(MICA_FRAME_OBJECT, 0);
    /* Other cap types do not know Untyped_Retype. */
    const mica_cptr_t caps[] = { CNODE, MICA_CAP_INIT_TCB, MICA_CAP_INIT_VSPACE,
                                 MICA_CAP_IRQ_CONTROL, frame };
    for (unsigned i = 0; i < sizeof caps / sizeof caps[0]; i++)
        mt_assert_fails(retype(caps[i], MICA_ENDPOINT_OBJECT, 0, s, 1), MICA_ILLEGAL_OPERATION);
    /* An empty slot is an invalid capability, number 0 (the invoked cap). */
    mt_assert_fails(retype(empty, MICA_ENDPOINT_OBJECT, 0, s, 1), MICA_INVALID_CAPABILITY);
    mt_assert_mr(0, 0);
}

START_TEST(retype_on_a_cap_that_is_not_untyped_fails)
{
    mt_run(not_untyped);
}
END_TEST

static void truncated(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_cptr_t s = mt_slot();
    const mica_word_t mr[6] = { MICA_ENDPOINT_OBJECT, 0, 0, 0, s, 1 };
    for (mica_word_t len = 0; len < 6; len++)
        mt_assert_fails(raw_retype(ut, MICA_UNTYPED_RETYPE, len, 1, mr), MICA_TRUNCATED_MESSAGE);
    /* Six words but no root CNode cap. */
    mt_assert_fails(raw_retype(ut, MICA_UNTYPED_RETYPE, 6, 0, mr), MICA_TRUNCATED_MESSAGE);
    /* Length comes before the arguments: a bad type in a short message. */
    const mica_word_t bad[6] = { 99, 64, 0, 0, ROOT_SLOTS, 0 };
    mt_assert_fails(raw_retype(ut, MICA_UNTYPED_RETYPE, 5, 1, bad), MICA_TRUNCATED_MESSAGE);
    ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_NULL);
    /* Extra words beyond six are ignored. */
    mt_assert_err(raw_retype(ut, MICA_UNTYPED_RETYPE, 9, 1, mr), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_ENDPOINT);
}

START_TEST(retype_short_message_is_truncated_message)
{
    mt_run(truncated);
}
END_TEST

static void unknown_type(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_cptr_t s = mt_slot();
    const mica_word_t types[] = { MICA_OBJECT_TYPE_COUNT, 100, ~0ul };
    for (unsigned i = 0; i < 3; i++)
        assert_invalid_argument(retype(ut, types[i], 0, s, 1), 0);
    /* The type is checked first: everything else may be wrong too. */
    assert_invalid_argument(mica_untyped_retype(ut, MICA_OBJECT_TYPE_COUNT, 64, MICA_CAP_INIT_TCB, 5, 200,
                                                ROOT_SLOTS, 0), 0);
}

START_TEST(retype_unknown_type_is_invalid_argument_0)
{
    mt_run(unknown_type);
}
END_TEST

static void oversized(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_cptr_t s = mt_slot();
    static const struct { mica_word_t type, bits; } bad[] = {
        { MICA_UNTYPED_OBJECT, 48 }, { MICA_UNTYPED_OBJECT, 63 }, { MICA_UNTYPED_OBJECT, 64 },
        { MICA_UNTYPED_OBJECT, ~0ul }, { MICA_CNODE_OBJECT, 43 }, { MICA_CNODE_OBJECT, 59 },
        { MICA_CNODE_OBJECT, 64 }, { MICA_TCB_OBJECT, 64 }, { MICA_FRAME_OBJECT, 64 },
        { MICA_ENDPOINT_OBJECT, 200 }, { MICA_LARGE_FRAME_OBJECT, 1ul << 40 },
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_range_error(retype(ut, bad[i].type, bad[i].bits, s, 1), 0, 47);
    /* The largest sizes pass this check and fail later for want of memory. */
    assert_not_enough_memory(retype(ut, MICA_UNTYPED_OBJECT, 47, s, 1), 1ul << 16);
    assert_not_enough_memory(retype(ut, MICA_CNODE_OBJECT, 42, s, 1), 1ul << 16);
    /* Size before destination, offset and count. */
    assert_range_error(mica_untyped_retype(ut, MICA_UNTYPED_OBJECT, 48, MICA_CAP_INIT_TCB, 5,
                                           200, ROOT_SLOTS, 0), 0, 47);
}

START_TEST(retype_oversized_object_is_range_error_0_47)
{
    mt_run(oversized);
}
END_TEST

static void cnode_radix_0(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_cptr_t s = mt_slot();
    assert_invalid_argument(retype(ut, MICA_CNODE_OBJECT, 0, s, 1), 1);
    /* Before the destination is looked at. */
    assert_invalid_argument(mica_untyped_retype(ut, MICA_CNODE_OBJECT, 0, MICA_CAP_INIT_TCB, 0, 0,
                                                ROOT_SLOTS, 0), 1);
    mt_assert_err(retype(ut, MICA_CNODE_OBJECT, 1, s, 1), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_CNODE);
    ck_assert_uint_eq(free_bytes(ut), (1ul << 16) - 64);
}

START_TEST(retype_cnode_of_radix_0_is_invalid_argument_1)
{
    mt_run(cnode_radix_0);
}
END_TEST

static void tiny_untyped(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_cptr_t s = mt_slot();
    for (mica_word_t bits = 0; bits < MICA_MIN_UNTYPED_BITS; bits++)
        assert_invalid_argument(retype(ut, MICA_UNTYPED_OBJECT, bits, s, 1), 1);
    assert_invalid_argument(mica_untyped_retype(ut, MICA_UNTYPED_OBJECT, 3, MICA_CAP_INIT_TCB, 0,
                                                0, ROOT_SLOTS, 0), 1);
    mt_assert_err(retype(ut, MICA_UNTYPED_OBJECT, MICA_MIN_UNTYPED_BITS, s, 1), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_UNTYPED);
    ck_assert_uint_eq(free_bytes(ut), (1ul << 16) - 16);
    ck_assert_uint_eq(free_bytes(s), 16);
}

START_TEST(retype_untyped_below_4_bits_is_invalid_argument_1)
{
    mt_run(tiny_untyped);
}
END_TEST

static void not_a_cnode(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t empty = mt_slot();

    /* Depth 0: the root cap itself is the destination, and it is no CNode. */
    mt_assert_fails(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, ep, 0, 0, 0, 1),
                 MICA_FAILED_LOOKUP);
    mt_assert_mr(0, 0);
    mt_assert_mr(1, MICA_MISSING_CAPABILITY);
    mt_assert_mr(2, 0);
    /* A slot holding an endpoint, and an empty slot, at depth 64. */
    mt_assert_fails(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, ep, DEPTH, 0, 1),
                 MICA_FAILED_LOOKUP);
    mt_assert_mr(0, 0);
    mt_assert_mr(1, MICA_MISSING_CAPABILITY);
    mt_assert_mr(2, 64);
    mt_assert_fails(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, empty, DEPTH, 0, 1),
                 MICA_FAILED_LOOKUP);
    mt_assert_mr(0, 0);
    mt_assert_mr(1, MICA_MISSING_CAPABILITY);
    mt_assert_mr(2, 64);
    /* The destination comes before the offset and count. */
    mt_assert_fails(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, ep, DEPTH,
                                     ROOT_SLOTS, 0), MICA_FAILED_LOOKUP);
    mt_assert_mr(1, MICA_MISSING_CAPABILITY);
}

START_TEST(retype_destination_not_a_cnode_is_failed_lookup)
{
    mt_run(not_a_cnode);
}
END_TEST

static void unresolvable_destination(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);

    /* Depth > 0 with a root that is not a CNode: InvalidRoot. */
    mt_assert_fails(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, ep, 0, DEPTH, 0, 1),
                 MICA_FAILED_LOOKUP);
    mt_assert_mr(0, 0);
    mt_assert_mr(1, MICA_INVALID_ROOT);
    /* The root CNode's 52-bit guard does not fit in 32 bits. */
    mt_assert_fails(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, CNODE, 32, 0, 1),
                 MICA_FAILED_LOOKUP);
    mt_assert_mr(0, 0);
    mt_assert_mr(1, MICA_GUARD_MISMATCH);
    mt_assert_mr(2, 32);
    mt_assert_mr(3, 0);
    mt_assert_mr(4, 52);
    /* Set bits in the guard part of a 64-bit CPtr. */
    mt_assert_fails(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, (1ul << 40) | CNODE,
                                     DEPTH, 0, 1), MICA_FAILED_LOOKUP);
    mt_assert_mr(1, MICA_GUARD_MISMATCH);
    mt_assert_mr(2, 64);
    mt_assert_mr(3, 0);
    mt_assert_mr(4, 52);
    /* Depth outside 1..64. */
    assert_range_error(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, CNODE, 65, 0, 1),
                       1, 64);
    assert_range_error(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, CNODE, ~0ul, 0, 1),
                       1, 64);
}

START_TEST(retype_unresolvable_destination_is_failed_lookup)
{
    mt_run(unresolvable_destination);
}
END_TEST

static void offset_past_end(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_cptr_t cn = make_cnode(3);
    assert_range_error(retype(ut, MICA_ENDPOINT_OBJECT, 0, ROOT_SLOTS, 1), 0, ROOT_SLOTS - 1);
    assert_range_error(retype(ut, MICA_ENDPOINT_OBJECT, 0, ~0ul, 1), 0, ROOT_SLOTS - 1);
    assert_range_error(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, cn, DEPTH, 8, 1),
                       0, 7);
    /* Offset before count. */
    assert_range_error(retype(ut, MICA_ENDPOINT_OBJECT, 0, ROOT_SLOTS, 0), 0, ROOT_SLOTS - 1);
    /* The last slot is fine. */
    mt_assert_err(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, cn, DEPTH, 7, 1),
                  MICA_NO_ERROR);
}

START_TEST(retype_node_offset_past_cnode_is_range_error)
{
    mt_run(offset_past_end);
}
END_TEST

static void zero_objects(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_cptr_t s = mt_slot();
    const mica_word_t counts[] = { 0, 257, 1ul << 31, 1ul << 32, ~0ul };
    for (unsigned i = 0; i < sizeof counts / sizeof counts[0]; i++)
        assert_range_error(retype(ut, MICA_ENDPOINT_OBJECT, 0, s, counts[i]), 1, 256);
    /* Count before overrun and before the occupied-slot check. */
    assert_range_error(retype(ut, MICA_ENDPOINT_OBJECT, 0, ROOT_SLOTS - 1, 0), 1, 256);
    assert_range_error(retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, 0), 1, 256);
}

START_TEST(retype_zero_objects_is_range_error)
{
    mt_run(zero_objects);
}
END_TEST

static void overrun(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_cptr_t cn = make_cnode(3);
    assert_range_error(retype(ut, MICA_ENDPOINT_OBJECT, 0, ROOT_SLOTS - 6, 10), 1, 6);
    assert_range_error(retype(ut, MICA_ENDPOINT_OBJECT, 0, ROOT_SLOTS - 1, 2), 1, 1);
    assert_range_error(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, cn, DEPTH, 5, 4),
                       1, 3);
    /* Overrun is checked before the slots: an occupied slot inside the window. */
    mt_assert_err(retype(ut, MICA_ENDPOINT_OBJECT, 0, ROOT_SLOTS - 2, 1), MICA_NO_ERROR);
    assert_range_error(retype(ut, MICA_ENDPOINT_OBJECT, 0, ROOT_SLOTS - 3, 4), 1, 3);
    /* An exact fit to the end works. */
    mt_assert_err(mica_untyped_retype(ut, MICA_ENDPOINT_OBJECT, 0, CNODE, cn, DEPTH, 5, 3),
                  MICA_NO_ERROR);
    mt_assert_err(retype(ut, MICA_ENDPOINT_OBJECT, 0, ROOT_SLOTS - 1, 1), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(ROOT_SLOTS - 1), MICA_CAP_TYPE_ENDPOINT);
}

START_TEST(retype_overrunning_cnode_is_range_error)
{
    mt_run(overrun);
}
END_TEST

static void occupied(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_cptr_t s = slots(4);
    mt_assert_err(retype(ut, MICA_NOTIFICATION_OBJECT, 0, s + 2, 1), MICA_NO_ERROR);
    mt_assert_fails(retype(ut, MICA_ENDPOINT_OBJECT, 0, s, 4), MICA_DELETE_FIRST);
    mt_assert_fails(retype(ut, MICA_ENDPOINT_OBJECT, 0, s + 2, 1), MICA_DELETE_FIRST);
    /* Well-known slots are occupied too. */
    mt_assert_fails(retype(ut, MICA_ENDPOINT_OBJECT, 0, MICA_CAP_INIT_TCB, 1), MICA_DELETE_FIRST);
    ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_NULL);
    ck_assert_int_eq(mica_debug_cap_identify(s + 1), MICA_CAP_TYPE_NULL);
    /* DeleteFirst comes before NotEnoughMemory. */
    mt_assert_fails(retype(ut, MICA_CNODE_OBJECT, 20, s, 4), MICA_DELETE_FIRST);
    mt_assert_err(retype(ut, MICA_ENDPOINT_OBJECT, 0, s, 2), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(s + 1), MICA_CAP_TYPE_ENDPOINT);
}

START_TEST(retype_into_occupied_slot_is_delete_first)
{
    mt_run(occupied);
}
END_TEST

static void no_memory(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_word_t base = paddr_of(ut);
    mica_cptr_t s = slots(17);
    assert_not_enough_memory(retype(ut, MICA_FRAME_OBJECT, 0, s, 17), 1ul << 16);
    assert_not_enough_memory(retype(ut, MICA_LARGE_FRAME_OBJECT, 0, s, 1), 1ul << 16);
    mt_assert_err(retype(ut, MICA_ENDPOINT_OBJECT, 0, s, 1), MICA_NO_ERROR);
    /* 65520 bytes are free: 15 frames fit, 16 do not (MR0 is unaligned bytes free). */
    assert_not_enough_memory(retype(ut, MICA_FRAME_OBJECT, 0, s + 1, 16), (1ul << 16) - 16);
    mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 0, s + 1, 15), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(s + 1), base + 4096);
    ck_assert_uint_eq(frame_paddr(s + 15), base + 15 * 4096);
    mica_cptr_t t = mt_slot();
    assert_not_enough_memory(retype(ut, MICA_ENDPOINT_OBJECT, 0, t, 1), 0);
    assert_not_enough_memory(retype(ut, MICA_UNTYPED_OBJECT, 4, t, 1), 0);
}

START_TEST(retype_beyond_free_memory_is_not_enough_memory)
{
    mt_run(no_memory);
}
END_TEST

static void device_kernel_objects(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t dev = device_untyped();
    mica_cptr_t s = mt_slot();
    static const struct { mica_word_t type, bits; } kernel_objects[] = {
        { MICA_TCB_OBJECT, 0 }, { MICA_ENDPOINT_OBJECT, 0 }, { MICA_NOTIFICATION_OBJECT, 0 },
        { MICA_CNODE_OBJECT, 1 }, { MICA_PAGE_TABLE_OBJECT, 0 }, { MICA_VSPACE_OBJECT, 0 },
    };
    for (unsigned i = 0; i < sizeof kernel_objects / sizeof kernel_objects[0]; i++)
        assert_invalid_argument(retype(dev, kernel_objects[i].type, kernel_objects[i].bits, s, 1),
                                1);
    /* seL4 checks memory first: a CNode too big for 512 KiB is NotEnoughMemory. */
    assert_not_enough_memory(retype(dev, MICA_CNODE_OBJECT, 16, s, 1), 1ul << 19);
    /* ... and the destination slots before either. */
    mt_assert_fails(retype(dev, MICA_TCB_OBJECT, 0, MICA_CAP_INIT_TCB, 1), MICA_DELETE_FIRST);
    mt_assert_err(retype(dev, MICA_FRAME_OBJECT, 0, s, 1), MICA_NO_ERROR);
}

START_TEST(retype_kernel_object_from_device_untyped_is_invalid_argument_1)
{
    mt_run(device_kernel_objects);
}
END_TEST

/* Start with every argument wrong; fix one at a time and watch the next error appear. */
static void check_order(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_cptr_t dev = device_untyped();
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t s = slots(3);
    mt_assert_err(retype(ut, MICA_NOTIFICATION_OBJECT, 0, s + 1, 1), MICA_NO_ERROR);

    const mica_word_t mr[6] = { 99, 64, 0, 0, ROOT_SLOTS, 0 };
    mt_assert_fails(raw_retype(ut, MICA_CNODE_COPY, 5, 0, mr), MICA_ILLEGAL_OPERATION);
    mt_assert_fails(raw_retype(ut, MICA_UNTYPED_RETYPE, 5, 0, mr), MICA_TRUNCATED_MESSAGE);
    assert_invalid_argument(mica_untyped_retype(ut, 99, 64, ep, 0, 0, ROOT_SLOTS, 0), 0);
    assert_range_error(mica_untyped_retype(ut, MICA_CNODE_OBJECT, 64, ep, 0, 0, ROOT_SLOTS, 0),
                       0, 47);
    assert_invalid_argument(mica_untyped_retype(ut, MICA_CNODE_OBJECT, 0, ep, 0, 0, ROOT_SLOTS, 0),
                            1);
    mt_assert_fails(mica_untyped_retype(ut, MICA_CNODE_OBJECT, 12, ep, 0, 0, ROOT_SLOTS, 0),
                 MICA_FAILED_LOOKUP);
    assert_range_error(mica_untyped_retype(ut, MICA_CNODE_OBJECT, 12, CNODE, 0, 0, ROOT_SLOTS, 0),
                       0, ROOT_SLOTS - 1);
    assert_range_error(retype(ut, MICA_CNODE_OBJECT, 12, ROOT_SLOTS - 1, 0), 1, 256);
    assert_range_error(retype(ut, MICA_CNODE_OBJECT, 12, ROOT_SLOTS - 1, 2), 1, 1);
    mt_assert_fails(retype(ut, MICA_CNODE_OBJECT, 12, s, 2), MICA_DELETE_FIRST);
    assert_not_enough_memory(retype(ut, MICA_CNODE_OBJECT, 12, s, 1), (1ul << 16) - 32);
    assert_invalid_argument(retype(dev, MICA_CNODE_OBJECT, 12, s, 1), 1);
    mt_assert_err(retype(ut, MICA_CNODE_OBJECT, 1, s, 1), MICA_NO_ERROR);
    mt_assert_err(retype(dev, MICA_FRAME_OBJECT, 0, s + 2, 1), MICA_NO_ERROR);
}

START_TEST(retype_errors_come_in_seL4_order)
{
    mt_run(check_order);
}
END_TEST

/* The error reply: label = error, length = the detail words seL4 sends. */
static void reply_lengths(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_cptr_t s = slots(2);
    mt_assert_err(retype(ut, MICA_ENDPOINT_OBJECT, 0, s + 1, 1), MICA_NO_ERROR);
    const struct {
        mica_word_t label, length;
        mica_word_t mr[6];
        mica_error_t err;
        mica_word_t reply_length;
    } cases[] = {
        { MICA_CNODE_COPY, 6, { MICA_ENDPOINT_OBJECT, 0, 0, 0, 0, 1 }, MICA_ILLEGAL_OPERATION, 0 },
        { MICA_UNTYPED_RETYPE, 4, { MICA_ENDPOINT_OBJECT, 0, 0, 0, 0, 1 },
          MICA_TRUNCATED_MESSAGE, 0 },
        { MICA_UNTYPED_RETYPE, 6, { 77, 0, 0, 0, 0, 1 }, MICA_INVALID_ARGUMENT, 1 },
        { MICA_UNTYPED_RETYPE, 6, { MICA_UNTYPED_OBJECT, 50, 0, 0, 0, 1 }, MICA_RANGE_ERROR, 2 },
        /* FailedLookup: MR0 (source?) + GuardMismatch type, bits left, guard, size. */
        { MICA_UNTYPED_RETYPE, 6, { MICA_ENDPOINT_OBJECT, 0, 1ul << 40, 64, 0, 1 },
          MICA_FAILED_LOOKUP, 5 },
        /* FailedLookup: MR0 + MissingCapability type, bits left. */
        { MICA_UNTYPED_RETYPE, 6, { MICA_ENDPOINT_OBJECT, 0, 0, 64, 0, 1 },
          MICA_FAILED_LOOKUP, 3 },
        { MICA_UNTYPED_RETYPE, 6, { MICA_ENDPOINT_OBJECT, 0, 0, 0, s, 2 }, MICA_DELETE_FIRST, 0 },
        { MICA_UNTYPED_RETYPE, 6, { MICA_CNODE_OBJECT, 20, 0, 0, s, 1 },
          MICA_NOT_ENOUGH_MEMORY, 1 },
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t d = mt_kernel_digest();
        mica_msginfo_t r = raw_retype_reply(ut, cases[i].label, cases[i].length, 1, cases[i].mr);
        ck_assert_msg(mt_kernel_digest() == d, "case %u changed kernel state", i);
        ck_assert_msg(mica_msginfo_get_label(r) == cases[i].err, "case %u: %s, expected %s", i,
                      mica_error_name((mica_error_t)mica_msginfo_get_label(r)),
                      mica_error_name(cases[i].err));
        ck_assert_msg(mica_msginfo_get_length(r) == cases[i].reply_length,
                      "case %u: reply length %lu, expected %lu", i,
                      (unsigned long)mica_msginfo_get_length(r),
                      (unsigned long)cases[i].reply_length);
        ck_assert_uint_eq(mica_msginfo_get_extra_caps(r), 0);
    }
    /* A successful retype replies with label 0 and no words. */
    mica_msginfo_t r = raw_retype_reply(ut, MICA_UNTYPED_RETYPE, 6, 1,
                                        (const mica_word_t[6]){ MICA_ENDPOINT_OBJECT, 0, 0, 0,
                                                                s, 1 });
    ck_assert_uint_eq(r.words[0], 0);
    ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_ENDPOINT);
}

START_TEST(retype_error_replies_carry_seL4_message_lengths)
{
    mt_run(reply_lengths);
}
END_TEST

/* --- reuse -------------------------------------------------------------- */

static void revoke_reuse(const mica_bootinfo_t *bi)
{
    (void)bi;
    /* A boot untyped: its boot-info entry gives base and size. */
    mica_cptr_t ut = mt_untyped_at_least(16);
    const mica_untyped_desc_t *d = boot_desc(ut);
    mica_word_t size = 1ul << d->size_bits;
    ck_assert_uint_eq(free_bytes(ut), size);

    mica_cptr_t s = slots(8);
    mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 0, s, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(s), d->paddr);
    mt_assert_err(retype(ut, MICA_ENDPOINT_OBJECT, 0, s + 1, 4), MICA_NO_ERROR);
    mt_assert_err(retype(ut, MICA_TCB_OBJECT, 0, s + 5, 1), MICA_NO_ERROR);
    mt_assert_err(retype(ut, MICA_CNODE_OBJECT, 3, s + 6, 1), MICA_NO_ERROR);
    mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 0, s + 7, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(s + 7), d->paddr + 3 * 4096);
    ck_assert_uint_eq(free_bytes(ut), size - 4 * 4096);

    mt_assert_err(mica_cnode_revoke(CNODE, ut, DEPTH), MICA_NO_ERROR);
    for (unsigned i = 0; i < 8; i++)
        ck_assert_int_eq(mica_debug_cap_identify(s + i), MICA_CAP_TYPE_NULL);
    ck_assert_int_eq(mica_debug_cap_identify(ut), MICA_CAP_TYPE_UNTYPED);
    /* No children: the whole untyped is free again and allocation restarts at its base. */
    ck_assert_uint_eq(free_bytes(ut), size);
    mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 0, s + 3, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(s + 3), d->paddr);
    /* Revoking again with nothing left to revoke also works. */
    mt_assert_err(mica_cnode_revoke(CNODE, ut, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_revoke(CNODE, ut, DEPTH), MICA_NO_ERROR);
}

START_TEST(revoke_deletes_children_and_retype_restarts_at_base)
{
    mt_run(revoke_reuse);
}
END_TEST

static void zeroed(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_word_t base = paddr_of(ut);
    mica_cptr_t f = slots(16);
    mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 0, f, 16), MICA_NO_ERROR);
    for (unsigned i = 0; i < 16; i++) {
        ck_assert_uint_eq(frame_paddr(f + i), base + i * 4096ul);
        ck_assert(all_zero(phys(base + i * 4096ul), 4096));
        memset(phys(base + i * 4096ul), 0xa5, 4096);
    }
    mt_assert_err(mica_cnode_revoke(CNODE, ut, DEPTH), MICA_NO_ERROR);
    /* As on seL4 the memory is cleared by the next successful retype, not by
     * revoke and not by a retype that fails. */
    ck_assert_uint_eq(free_bytes(ut), 1ul << 16);
    ck_assert_uint_eq(phys(base)[0], 0xa5);

    /* Frames over the dirtied memory read as zero. */
    mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 0, f, 8), MICA_NO_ERROR);
    for (unsigned i = 0; i < 8; i++) {
        ck_assert_uint_eq(frame_paddr(f + i), base + i * 4096ul);
        ck_assert(all_zero(phys(base + i * 4096ul), 4096));
    }
    /* So does the rest, above the new watermark. */
    ck_assert(all_zero(phys(base + 8 * 4096ul), 8 * 4096));

    /* Dirty again, revoke, and make a CNode over it: every slot is empty. */
    memset(phys(base), 0x5a, 8 * 4096);
    mt_assert_err(mica_cnode_revoke(CNODE, ut, DEPTH), MICA_NO_ERROR);
    mica_cptr_t cn = mt_slot();
    mt_assert_err(retype(ut, MICA_CNODE_OBJECT, 11, cn, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(paddr_of(cn), base);
    ck_assert(all_zero(phys(base), 1ul << 16));
    mica_cptr_t out = mt_slot();
    for (mica_word_t i = 0; i < 2048; i += 97) {
        mt_assert_fails(mica_cnode_copy(CNODE, out, DEPTH, cn, i, 11, MICA_ALL_RIGHTS),
                     MICA_FAILED_LOOKUP);
        mt_assert_mr(0, 1);
        mt_assert_mr(1, MICA_MISSING_CAPABILITY);
        mt_assert_mr(2, 11);
    }
}

START_TEST(reused_memory_is_zeroed)
{
    mt_run(zeroed);
}
END_TEST

/*
 * A large reset gives whole pages back to the host instead of clearing
 * them (sim/physmem.c hw_phys_zero): the memory reads as zero, the host
 * holds none of it until it is touched again, and the bytes either side
 * of the untyped - other objects - are untouched.
 */
static bool host_holds_any(mica_word_t paddr, size_t bytes)
{
    unsigned char vec[64];
    ck_assert_uint_le(bytes / 4096, sizeof vec);
    ck_assert_int_eq(mincore(phys(paddr), bytes, vec), 0);
    for (size_t i = 0; i < bytes / 4096; i++)
        if (vec[i] & 1)
            return true;
    return false;
}

static void large_reset(const mica_bootinfo_t *bi)
{
    (void)bi;
    /* Three neighbours of 512 KiB: before, the untyped, after; a frame in each neighbour. */
    mica_cptr_t parent = make_untyped(21);
    mica_cptr_t kids = slots(3);
    mt_assert_err(retype(parent, MICA_UNTYPED_OBJECT, 19, kids, 3), MICA_NO_ERROR);
    mica_cptr_t ut = kids + 1;
    mica_word_t base = paddr_of(ut), size = 1ul << 19;
    mica_cptr_t before = mt_slot(), after = mt_slot();
    mt_assert_err(retype(kids, MICA_FRAME_OBJECT, 0, before, 1), MICA_NO_ERROR);
    mt_assert_err(retype(kids + 2, MICA_FRAME_OBJECT, 0, after, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(before) + size, base);
    ck_assert_uint_eq(frame_paddr(after), base + size);
    memset(phys(base - size), 0x11, 4096);
    memset(phys(base + size), 0x22, 4096);
    /* 63 frames, then 3 endpoints: the used prefix ends 48 bytes into a page. */
    mica_cptr_t s = slots(66);
    mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 0, s, 63), MICA_NO_ERROR);
    mt_assert_err(retype(ut, MICA_ENDPOINT_OBJECT, 0, s + 63, 3), MICA_NO_ERROR);
    mica_word_t used = size - free_bytes(ut);
    ck_assert_uint_eq(used, 63 * 4096ul + 3 * 16);
    mt_assert_err(mica_cnode_revoke(CNODE, ut, DEPTH), MICA_NO_ERROR);
    /* What the objects left behind, and a neighbouring byte just past the used prefix. */
    memset(phys(base), 0xa5, used);
    phys(base + used)[0] = 0x5a;
    ck_assert(host_holds_any(base, 63 * 4096));
    /* The next retype resets it: zero, and the whole pages are no longer held. */
    mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 0, s, 1), MICA_NO_ERROR);
    ck_assert(!host_holds_any(base + 4096, 62 * 4096));
    ck_assert(all_zero(phys(base), used));
    ck_assert_uint_eq(phys(base + used)[0], 0x5a);      /* the partial page: only up to used */
    phys(base + used)[0] = 0;                           /* (memory above a watermark is zero) */
    ck_assert_uint_eq(phys(base - size)[0], 0x11);
    ck_assert_uint_eq(phys(base + size)[0], 0x22);
    /* A task mapping the memory after the reset sees zero too. */
    mica_word_t v = MICA_ROOT_FREE_VADDR;
    mica_cptr_t pt = mt_make(MICA_PAGE_TABLE_OBJECT, 0);
    mt_assert_err(mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, v, MICA_DEFAULT_VM_ATTRIBUTES),
                  MICA_NO_ERROR);
    mt_assert_err(mica_page_map(s, MICA_CAP_INIT_VSPACE, v, MICA_READ_WRITE,
                                MICA_DEFAULT_VM_ATTRIBUTES), MICA_NO_ERROR);
    ck_assert(all_zero(mica_vaddr_to_ptr(v), 4096));
}

START_TEST(a_large_reset_gives_its_pages_back_to_the_host)
{
    mt_run(large_reset);
}
END_TEST

static void delete_each(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_word_t base = paddr_of(ut);
    mica_cptr_t s = slots(4);
    mt_assert_err(retype(ut, MICA_ENDPOINT_OBJECT, 0, s, 3), MICA_NO_ERROR);
    mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 0, s + 3, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(s + 3), base + 4096);
    for (unsigned i = 0; i < 4; i++)
        mt_assert_err(mica_cnode_delete(CNODE, s + i, DEPTH), MICA_NO_ERROR);
    ck_assert_uint_eq(free_bytes(ut), 1ul << 16);
    mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 0, s, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(s), base);
    ck_assert_uint_eq(free_bytes(ut), (1ul << 16) - 4096);
}

START_TEST(deleting_every_child_resets_the_watermark)
{
    mt_run(delete_each);
}
END_TEST

static void watermark_stays(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_word_t base = paddr_of(ut);
    mica_cptr_t f = slots(4);
    mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 0, f, 2), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(CNODE, f, DEPTH), MICA_NO_ERROR);
    /* One child lives: no reset, the freed first page is not handed out again. */
    ck_assert_uint_eq(free_bytes(ut), (1ul << 16) - 8192);
    mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 0, f + 2, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(f + 2), base + 8192);
    mt_assert_err(mica_cnode_delete(CNODE, f + 1, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(CNODE, f + 2, DEPTH), MICA_NO_ERROR);
    mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 0, f + 3, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(f + 3), base);
}

START_TEST(watermark_stays_while_any_child_lives)
{
    mt_run(watermark_stays);
}
END_TEST

static void device_not_zeroed(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t dev = device_untyped();
    mica_word_t base = boot_desc(dev)->paddr;
    mica_cptr_t f = slots(2);
    mt_assert_err(retype(dev, MICA_FRAME_OBJECT, 0, f, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(f), base);
    memset(phys(base), 0x3c, 64);
    mt_assert_err(mica_cnode_revoke(CNODE, dev, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(f), MICA_CAP_TYPE_NULL);
    mt_assert_err(retype(dev, MICA_FRAME_OBJECT, 0, f + 1, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(f + 1), base);
    /* seL4 never clears device memory: the device's bytes are still there. */
    ck_assert_uint_eq(phys(base)[0], 0x3c);
    ck_assert_uint_eq(phys(base)[63], 0x3c);
    memset(phys(base), 0, 64);
}

START_TEST(device_memory_is_not_zeroed_on_reuse)
{
    mt_run(device_not_zeroed);
}
END_TEST

static void delete_untyped(const mica_bootinfo_t *bi)
{
    (void)bi;
    /* A child untyped and a boot untyped, each with children. */
    mica_cptr_t child = make_untyped(16);
    mica_cptr_t boot = mt_untyped_at_least(16);
    mica_cptr_t s = slots(4);
    mt_assert_err(retype(child, MICA_ENDPOINT_OBJECT, 0, s, 1), MICA_NO_ERROR);
    mt_assert_err(retype(child, MICA_CNODE_OBJECT, 2, s + 1, 1), MICA_NO_ERROR);
    mt_assert_err(retype(boot, MICA_NOTIFICATION_OBJECT, 0, s + 2, 1), MICA_NO_ERROR);
    mt_assert_err(retype(boot, MICA_TCB_OBJECT, 0, s + 3, 1), MICA_NO_ERROR);
    /* Delete needs no revoke first: the objects outlive the untyped caps. */
    mt_assert_err(mica_cnode_delete(CNODE, child, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_delete(CNODE, boot, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(child), MICA_CAP_TYPE_NULL);
    ck_assert_int_eq(mica_debug_cap_identify(boot), MICA_CAP_TYPE_NULL);
    ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_ENDPOINT);
    ck_assert_int_eq(mica_debug_cap_identify(s + 1), MICA_CAP_TYPE_CNODE);
    ck_assert_int_eq(mica_debug_cap_identify(s + 2), MICA_CAP_TYPE_NOTIFICATION);
    ck_assert_int_eq(mica_debug_cap_identify(s + 3), MICA_CAP_TYPE_TCB);
    /* They still work, and can be deleted in turn. */
    mica_signal(s + 2);
    mica_word_t badge = 1;
    mica_poll(s + 2, &badge);
    ck_assert_uint_eq(badge, 0);
    mt_assert_err(mica_cnode_copy(s + 1, 3, 2, CNODE, s, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    for (unsigned i = 0; i < 4; i++)
        mt_assert_err(mica_cnode_delete(CNODE, s + i, DEPTH), MICA_NO_ERROR);
    /* The child untyped's memory stays with the parent, which has children no more. */
    mica_cptr_t f = mt_slot();
    mt_assert_err(retype(mt_untyped(), MICA_FRAME_OBJECT, 0, f, 1), MICA_NO_ERROR);
}

START_TEST(deleting_untyped_with_children_leaves_the_children)
{
    mt_run(delete_untyped);
}
END_TEST

/* --- derived untyped caps ----------------------------------------------- */

static void copy_with_children(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_cptr_t ep = mt_slot();
    mt_assert_err(retype(ut, MICA_ENDPOINT_OBJECT, 0, ep, 1), MICA_NO_ERROR);
    mica_cptr_t c = mt_slot();
    mt_assert_fails(mica_cnode_copy(CNODE, c, DEPTH, CNODE, ut, DEPTH, MICA_ALL_RIGHTS),
                 MICA_REVOKE_FIRST);
    mt_assert_fails(mica_cnode_mint(CNODE, c, DEPTH, CNODE, ut, DEPTH, MICA_ALL_RIGHTS, 0),
                 MICA_REVOKE_FIRST);
    ck_assert_int_eq(mica_debug_cap_identify(c), MICA_CAP_TYPE_NULL);
    mt_assert_err(mica_cnode_revoke(CNODE, ut, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(CNODE, c, DEPTH, CNODE, ut, DEPTH, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(c), MICA_CAP_TYPE_UNTYPED);
}

START_TEST(copying_untyped_with_children_is_revoke_first)
{
    mt_run(copy_with_children);
}
END_TEST

static void copy_marks_full(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_word_t base = paddr_of(ut);
    mica_cptr_t c = mt_slot(), f = slots(3);
    mt_assert_err(mica_cnode_copy(CNODE, c, DEPTH, CNODE, ut, DEPTH, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(c), MICA_CAP_TYPE_UNTYPED);
    ck_assert_uint_eq(paddr_of(c), base);
    /* The parent gave its free space to the copy (and the copy is its child). */
    assert_not_enough_memory(retype(ut, MICA_ENDPOINT_OBJECT, 0, f, 1), 0);
    ck_assert_uint_eq(free_bytes(c), 1ul << 16);
    mt_assert_err(retype(c, MICA_FRAME_OBJECT, 0, f, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(f), base);
    ck_assert_uint_eq(free_bytes(c), (1ul << 16) - 4096);
    mt_assert_fails(mica_cnode_copy(CNODE, f + 1, DEPTH, CNODE, c, DEPTH, MICA_ALL_RIGHTS),
                 MICA_REVOKE_FIRST);
    assert_not_enough_memory(retype(ut, MICA_ENDPOINT_OBJECT, 0, f + 1, 1), 0);

    /* Revoking the parent removes the copy and everything made from it. */
    mt_assert_err(mica_cnode_revoke(CNODE, ut, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(c), MICA_CAP_TYPE_NULL);
    ck_assert_int_eq(mica_debug_cap_identify(f), MICA_CAP_TYPE_NULL);
    mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 0, f + 1, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(f + 1), base);

    /* A childless copy, deleted again, leaves the parent with no children: reset. */
    mt_assert_err(mica_cnode_revoke(CNODE, ut, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_copy(CNODE, c, DEPTH, CNODE, ut, DEPTH, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    ck_assert_uint_eq(free_bytes(ut), 0);
    mt_assert_err(mica_cnode_delete(CNODE, c, DEPTH), MICA_NO_ERROR);
    ck_assert_uint_eq(free_bytes(ut), 1ul << 16);
    mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 0, f + 2, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(f + 2), base);
}

START_TEST(copying_untyped_marks_the_parent_full)
{
    mt_run(copy_marks_full);
}
END_TEST

static void move_untyped(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ut = make_untyped(16);
    mica_word_t base = paddr_of(ut);
    mica_cptr_t ep = mt_slot(), m = mt_slot(), f = mt_slot();
    mt_assert_err(retype(ut, MICA_ENDPOINT_OBJECT, 0, ep, 1), MICA_NO_ERROR);
    /* Move does not derive: an untyped with children may move. */
    mt_assert_err(mica_cnode_move(CNODE, m, DEPTH, CNODE, ut, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(ut), MICA_CAP_TYPE_NULL);
    ck_assert_int_eq(mica_debug_cap_identify(m), MICA_CAP_TYPE_UNTYPED);
    ck_assert_uint_eq(free_bytes(m), (1ul << 16) - 16);
    mt_assert_err(retype(m, MICA_FRAME_OBJECT, 0, f, 1), MICA_NO_ERROR);
    ck_assert_uint_eq(frame_paddr(f), base + 4096);
    mt_assert_err(mica_cnode_revoke(CNODE, m, DEPTH), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(ep), MICA_CAP_TYPE_NULL);
    ck_assert_int_eq(mica_debug_cap_identify(f), MICA_CAP_TYPE_NULL);
}

START_TEST(moving_untyped_keeps_its_children_and_watermark)
{
    mt_run(move_untyped);
}
END_TEST

/* --- sel4test ports ----------------------------------------------------- */

/*
 * sel4test RETYPE0000 "Retype test": TCBs into a 4-slot CNode. Overrunning
 * the end, a full slot, 2^31 objects and 5 objects all fail; 3 of 4 in one
 * call works. Here with the exact error details.
 */
static void sel4test_retype0000(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t cn = make_cnode(2);
    mica_cptr_t ut = make_untyped(MICA_TCB_BITS + 3);
#define RT(off, n) mica_untyped_retype(ut, MICA_TCB_OBJECT, 0, CNODE, cn, DEPTH, (off), (n))
    assert_range_error(RT(3, 2), 1, 1);
    for (mica_word_t i = 0; i < 4; i++)
        mt_assert_err(RT(i, 1), MICA_NO_ERROR);
    assert_range_error(RT(4, 2), 0, 3);
    for (mica_word_t i = 0; i < 4; i++)
        mt_assert_fails(RT(i, 1), MICA_DELETE_FIRST);
    for (mica_word_t i = 0; i < 4; i++)
        mt_assert_err(mica_cnode_delete(cn, i, 2), MICA_NO_ERROR);
    assert_range_error(RT(0, 1ul << 31), 1, 256);
    assert_range_error(RT(0, 5), 1, 4);
    mt_assert_err(RT(0, 3), MICA_NO_ERROR);
    for (mica_word_t i = 0; i < 4; i++) {
        if (i == 3)
            mt_assert_err(RT(i, 1), MICA_NO_ERROR);
        else
            mt_assert_fails(RT(i, 1), MICA_DELETE_FIRST);
    }
    /* All 4 slots hold TCBs: half of the 2^14 untyped is used. */
    ck_assert_uint_eq(free_bytes(ut), 4ul << MICA_TCB_BITS);
#undef RT
}

START_TEST(sel4test_RETYPE0000_retype_into_small_cnode)
{
    mt_run(sel4test_retype0000);
}
END_TEST

/*
 * sel4test RETYPE0001 "Incremental retype test": every CNode bigger than a
 * 2^13 untyped fails (RangeError past 2^47, NotEnoughMemory below), one
 * that fills it exactly works.
 */
static void sel4test_retype0001(const mica_bootinfo_t *bi)
{
    (void)bi;
    const unsigned bits = 13;
    mica_cptr_t ut = make_untyped(bits);
    mica_cptr_t s = mt_slot();
    for (unsigned extra = 40; extra > 0; extra--) {
        mica_word_t radix = bits - MICA_SLOT_BITS + extra;
        if (radix + MICA_SLOT_BITS > MICA_MAX_UNTYPED_BITS)
            assert_range_error(retype(ut, MICA_CNODE_OBJECT, radix, s, 1), 0, 47);
        else
            assert_not_enough_memory(retype(ut, MICA_CNODE_OBJECT, radix, s, 1), 1ul << bits);
    }
    mt_assert_err(retype(ut, MICA_CNODE_OBJECT, bits - MICA_SLOT_BITS, s, 1), MICA_NO_ERROR);
    ck_assert_int_eq(mica_debug_cap_identify(s), MICA_CAP_TYPE_CNODE);
    ck_assert_uint_eq(free_bytes(ut), 0);
}

START_TEST(sel4test_RETYPE0001_cnode_larger_than_untyped)
{
    mt_run(sel4test_retype0001);
}
END_TEST

/*
 * sel4test RETYPE0002 "Incremental retype test #2": 16 4K frames, one call
 * each, fill a 2^16 untyped; then 2^20 objects is a RangeError, a retype
 * onto a used slot is DeleteFirst, and one more frame is NotEnoughMemory.
 */
static void sel4test_retype0002(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t s = slots(17);
    mica_cptr_t ut = make_untyped(16);
    mica_word_t base = paddr_of(ut);
    for (unsigned i = 0; i < 16; i++) {
        mt_assert_err(retype(ut, MICA_FRAME_OBJECT, 0, s + i, 1), MICA_NO_ERROR);
        ck_assert_uint_eq(frame_paddr(s + i), base + i * 4096ul);
    }
    assert_range_error(retype(ut, MICA_FRAME_OBJECT, 0, s + 16, 1024 * 1024), 1, 256);
    mt_assert_fails(retype(ut, MICA_FRAME_OBJECT, 0, s, 8), MICA_DELETE_FIRST);
    assert_not_enough_memory(retype(ut, MICA_FRAME_OBJECT, 0, s + 16, 1), 0);
}

START_TEST(sel4test_RETYPE0002_frames_fill_untyped)
{
    mt_run(sel4test_retype0002);
}
END_TEST

static Suite *untyped_suite(void)
{
    Suite *s = suite_create("untyped");

    TCase *tc = tcase_create("retype");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, retype_creates_every_object_type);
    tcase_add_test(tc, retype_gives_objects_seL4_initial_state);
    tcase_add_test(tc, debug_usage_counts_live_objects_once_and_untyped_bytes);
    tcase_add_test(tc, retype_objects_have_seL4_sizes_and_alignment);
    tcase_add_test(tc, retype_packs_objects_at_consecutive_aligned_addresses);
    tcase_add_test(tc, retype_ignores_size_bits_of_fixed_size_types);
    tcase_add_test(tc, retype_fan_out_limit_is_256);
    tcase_add_test(tc, retype_into_second_level_cnode_through_index_and_depth);
    tcase_add_test(tc, retype_from_device_untyped_gives_frames_and_untyped);
    suite_add_tcase(s, tc);

    tc = tcase_create("retype_errors");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, retype_on_a_cap_that_is_not_untyped_fails);
    tcase_add_test(tc, retype_with_wrong_label_is_illegal_operation);
    tcase_add_test(tc, retype_short_message_is_truncated_message);
    tcase_add_test(tc, retype_unknown_type_is_invalid_argument_0);
    tcase_add_test(tc, retype_oversized_object_is_range_error_0_47);
    tcase_add_test(tc, retype_cnode_of_radix_0_is_invalid_argument_1);
    tcase_add_test(tc, retype_untyped_below_4_bits_is_invalid_argument_1);
    tcase_add_test(tc, retype_destination_not_a_cnode_is_failed_lookup);
    tcase_add_test(tc, retype_unresolvable_destination_is_failed_lookup);
    tcase_add_test(tc, retype_node_offset_past_cnode_is_range_error);
    tcase_add_test(tc, retype_zero_objects_is_range_error);
    tcase_add_test(tc, retype_overrunning_cnode_is_range_error);
    tcase_add_test(tc, retype_into_occupied_slot_is_delete_first);
    tcase_add_test(tc, retype_beyond_free_memory_is_not_enough_memory);
    tcase_add_test(tc, retype_kernel_object_from_device_untyped_is_invalid_argument_1);
    tcase_add_test(tc, retype_errors_come_in_seL4_order);
    tcase_add_test(tc, retype_error_replies_carry_seL4_message_lengths);
    suite_add_tcase(s, tc);

    tc = tcase_create("retype_reuse");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, revoke_deletes_children_and_retype_restarts_at_base);
    tcase_add_test(tc, reused_memory_is_zeroed);
    tcase_add_test(tc, a_large_reset_gives_its_pages_back_to_the_host);
    tcase_add_test(tc, deleting_every_child_resets_the_watermark);
    tcase_add_test(tc, watermark_stays_while_any_child_lives);
    tcase_add_test(tc, device_memory_is_not_zeroed_on_reuse);
    tcase_add_test(tc, deleting_untyped_with_children_leaves_the_children);
    suite_add_tcase(s, tc);

    tc = tcase_create("untyped_derive");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, copying_untyped_with_children_is_revoke_first);
    tcase_add_test(tc, copying_untyped_marks_the_parent_full);
    tcase_add_test(tc, moving_untyped_keeps_its_children_and_watermark);
    suite_add_tcase(s, tc);

    tc = tcase_create("sel4test");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, sel4test_RETYPE0000_retype_into_small_cnode);
    tcase_add_test(tc, sel4test_RETYPE0001_cnode_larger_than_untyped);
    tcase_add_test(tc, sel4test_RETYPE0002_frames_fill_untyped);
    suite_add_tcase(s, tc);
    return s;
}

MICA_TEST_MAIN(untyped_suite)
