/* The checker of lab 2 (untyped memory): what each task must leave behind. */
#include <stddef.h>
#include <mica/constants.h>
#include <mica/types.h>
#include "check.h"

#define CHILD_BITS (MICA_TCB_BITS + 1)
#define CHILD_BYTES (1ll << CHILD_BITS)

static const char *task1(const lab_run_t *r)
{
    long long ut = lab_fact(r, "ut", 0);
    if (ut == 0)
        return "ut is still 0: set it to the slot of the untyped you picked";
    if (lab_fact(r, "ut_type", -1) != MICA_CAP_TYPE_UNTYPED)
        return lab_why("slot %lld holds no untyped cap: the untypeds are the slots "
                       "bi->untyped.start + i, for bi->untyped_list[i]", ut);
    if (lab_fact(r, "ut_device", 0) != 0)
        return "that untyped is device memory (is_device): it makes only frames, never "
               "kernel objects - pick a RAM untyped";
    long long bits = lab_fact(r, "ut_bits", 0);
    if (bits < CHILD_BITS)
        return lab_why("that untyped has 2^%lld bytes, too small for a child of 2^%d", bits,
                       CHILD_BITS);
    if (!lab_said(r, lab_why("using untyped %lld: 2^%lld bytes\n", ut, bits)))
        return lab_why("expected the line \"using untyped %lld: 2^%lld bytes\"", ut, bits);
    return NULL;
}

static const char *task2(const lab_run_t *r)
{
    if (lab_fact(r, "child_error", -1) != MICA_NO_ERROR || lab_fact(r, "child_type", -1) !=
        MICA_CAP_TYPE_UNTYPED)
        return "slot child holds no untyped cap after TASK 2: check mica_untyped_retype's "
               "arguments (type MICA_UNTYPED_OBJECT, size_bits MICA_TCB_BITS + 1, root "
               "MICA_CAP_INIT_CNODE, depth 0, offset child, 1 object)";
    long long before = lab_usage(r, "boot", "untyped_bytes");
    long long after = lab_usage(r, "child", "untyped_bytes");
    if (after - before != CHILD_BYTES)
        return lab_why("the untyped memory in use grew by %lld bytes in TASK 2, not by the "
                       "child's 2^%d = %lld: make exactly one child of that size",
                       after - before, CHILD_BITS, CHILD_BYTES);
    return NULL;
}

static const char *task3(const lab_run_t *r)
{
    static const struct { const char *fact, *what, *usage; int type; } want[] = {
        { "tcb_type", "TCB", "tcb", MICA_CAP_TYPE_TCB },
        { "ep_type", "endpoint", "endpoint", MICA_CAP_TYPE_ENDPOINT },
        { "ntfn_type", "notification", "notification", MICA_CAP_TYPE_NOTIFICATION },
    };
    for (int i = 0; i < 3; i++) {
        if (lab_fact(r, want[i].fact, -1) != want[i].type)
            return lab_why("there is no %s in its slot after TASK 3: every object is aligned "
                           "to its own size inside the untyped (a TCB to 2 KiB), so after a "
                           "small object the TCB skips to the next 2 KiB and what follows no "
                           "longer fits in the 4 KiB child - make the biggest object first",
                           want[i].what);
        if (lab_usage(r, "objects", want[i].usage) != lab_usage(r, "child", want[i].usage) + 1)
            return lab_why("TASK 3 should make exactly one %s", want[i].what);
    }
    if (lab_usage(r, "objects", "untyped_bytes") != lab_usage(r, "child", "untyped_bytes"))
        return "the untyped memory in use changed in TASK 3: the objects must come out of the "
               "child untyped, whose bytes are already counted";
    if (lab_fact(r, "bind_error", -1) != MICA_NO_ERROR)
        return lab_why("binding the notification to the TCB failed (error %lld): "
                       "mica_tcb_bind_notification(tcb, ntfn)", lab_fact(r, "bind_error", -1));
    return NULL;
}

static const char *task4(const lab_run_t *r)
{
    char diff[160];
    if (lab_fact(r, "child_type_after", -1) != MICA_CAP_TYPE_UNTYPED)
        return "the child untyped itself is gone after TASK 4: revoke removes what was made "
               "from a cap, delete removes the cap";
    if (!lab_usage_same(r, "child", "revoked", diff, sizeof diff))
        return lab_why("objects made in TASK 3 are still alive after TASK 4 (%s): deleting "
                       "caps one by one misses some - revoke the child untyped, which "
                       "deletes every cap made from it", diff);
    return NULL;
}

static const char *task5(const lab_run_t *r)
{
    long long want = CHILD_BYTES >> MICA_ENDPOINT_BITS;
    long long made = lab_fact(r, "made", 0);
    if (lab_fact(r, "fill_error", -1) != MICA_NO_ERROR)
        return lab_why("the retype of %lld endpoints failed (error %lld)", made,
                       lab_fact(r, "fill_error", -1));
    if (lab_fact(r, "extra_error", -1) != MICA_NOT_ENOUGH_MEMORY || made != want)
        return lab_why("the child untyped is not full after %lld endpoints (one more retype "
                       "said %s): 2^%d bytes hold 2^(%d - %d) = %lld endpoints of 2^%d bytes",
                       made, lab_fact(r, "extra_error", -1) == MICA_NO_ERROR ? "NoError"
                       : "an error other than NotEnoughMemory", CHILD_BITS, CHILD_BITS,
                       MICA_ENDPOINT_BITS, want, MICA_ENDPOINT_BITS);
    long long eps = lab_usage(r, "full", "endpoint") - lab_usage(r, "revoked", "endpoint");
    if (eps != made)
        return lab_why("made says %lld, but %lld endpoints exist after TASK 5", made, eps);
    if (lab_usage(r, "full", "untyped_bytes") != lab_usage(r, "revoked", "untyped_bytes"))
        return "the untyped memory in use changed in TASK 5: the endpoints must come from the "
               "child untyped";
    if (!lab_said(r, "one more endpoint: NotEnoughMemory (0 bytes free)\n"))
        return "expected the line \"one more endpoint: NotEnoughMemory (0 bytes free)\"";
    return NULL;
}

static const char *task6(const lab_run_t *r)
{
    /* Objects by type: the untyped bytes are a watermark, reset at the untyped's next retype. */
    static const char *keys[] = { "untyped", "endpoint", "notification", "tcb", "cnode",
                                  "frame", "page_table" };
    for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        long long b = lab_usage(r, "boot", keys[i]), e = lab_usage(r, "end", keys[i]);
        if (b == e)
            continue;
        if (i == 0)
            return lab_why("the child untyped is still there at the end (untyped: %lld at boot, "
                           "%lld at the end): revoke the untyped you picked in TASK 1, the "
                           "child's parent, and everything made from it goes", b, e);
        return lab_why("the system does not hold the objects it held at boot (%s: %lld, then "
                       "%lld): one revoke of the untyped from TASK 1 deletes everything made "
                       "from it", keys[i], b, e);
    }
    if (lab_fact(r, "reuse_error", -1) != MICA_NO_ERROR)
        return "the untyped from TASK 1 is not free after TASK 6: a fresh child as big as it "
               "does not fit, so something made from it is still alive";
    return NULL;
}

static const lab_spec_t spec = {
    .number = 2,
    .title = "untyped memory",
    .ntasks = 6,
    .task = { "pick an untyped", "retype a child untyped", "a TCB, an endpoint and a notification",
              "revoke the child", "fill the child with endpoints", "give everything back" },
    .check = { task1, task2, task3, task4, task5, task6 },
};

int main(int argc, char **argv)
{
    return lab_check_main(argc, argv, &spec);
}
