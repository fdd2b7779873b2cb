/* The checker of lab 1 (capabilities): what each task must leave behind. */
#include <string.h>
#include <mica/types.h>
#include "check.h"

#define CNODE_BITS 13   /* the checker runs the lab with --root-cnode-bits 13 */

static const char *task1(const lab_run_t *r)
{
    if (lab_fact(r, "cnode_bits", -1) != CNODE_BITS)
        return "the lab's own code did not run to its end of TASK 1";
    if (!lab_said(r, "root CNode: 8192 slots\n"))
        return "expected the line \"root CNode: 8192 slots\" (this run's root CNode has "
               "2^13 slots: a CNode of size_bits n has 2^n slots)";
    return NULL;
}

static const char *task2(const lab_run_t *r)
{
    long long first = lab_fact(r, "first", 0), last = lab_fact(r, "last", 0);
    long long start = lab_fact(r, "empty_start", 0), end = lab_fact(r, "empty_end", 0);
    if (first != start)
        return lab_why("first is slot %lld, but the first empty slot is bi->empty.start = %lld",
                       first, start);
    if (last != end - 1)
        return lab_why("last is slot %lld, but the last empty slot is bi->empty.end - 1 = %lld "
                       "(empty = [start, end): end itself is not empty)", last, end - 1);
    if (lab_fact(r, "first_type", -1) != MICA_CAP_TYPE_TCB)
        return "the first empty slot holds no TCB cap after TASK 2: check the copy's arguments";
    if (lab_fact(r, "last_type", -1) != MICA_CAP_TYPE_TCB)
        return "the last empty slot holds no TCB cap after TASK 2: check the copy's arguments";
    return NULL;
}

static const char *task3(const lab_run_t *r)
{
    if (lab_fact(r, "first_type_after", -1) != MICA_CAP_TYPE_NULL ||
        lab_fact(r, "last_type_after", -1) != MICA_CAP_TYPE_NULL)
        return "a copy of the TCB cap is still there after TASK 3: one revoke of the original "
               "removes every cap derived from it - deleting one copy leaves the others";
    if (!lab_said(r, "move from an empty slot: FailedLookup\n"))
        return "expected \"move from an empty slot: FailedLookup\": a move out of an empty "
               "slot fails looking up its source";
    return NULL;
}

static const char *task4(const lab_run_t *r)
{
    if (lab_said(r, "root: still running after TASK 4"))
        return "the root thread kept running: suspend it through its own TCB cap, "
               "MICA_CAP_INIT_TCB (the copies were revoked in TASK 3)";
    if (!strstr(r->err, "mica: stopped: idle"))
        return "the system did not stop idle after the root suspended itself";
    return NULL;
}

static const lab_spec_t spec = {
    .number = 1,
    .title = "capabilities",
    .ntasks = 4,
    .task = { "the root CNode's size", "copy a cap into the first and last empty slots",
              "revoke the copies; an empty slot", "invoke a cap: suspend yourself" },
    .check = { task1, task2, task3, task4 },
    .args = "--root-cnode-bits 13",
};

int main(int argc, char **argv)
{
    return lab_check_main(argc, argv, &spec);
}
