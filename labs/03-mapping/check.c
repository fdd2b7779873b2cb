/* The checker of lab 3 (mapping): what each task must leave behind. */
#include <stddef.h>
#include <mica/constants.h>
#include <mica/types.h>
#include "check.h"

#define DONE 99

static const char *task1(const lab_run_t *r)
{
    if (lab_fact(r, "first_error", -1) != MICA_FAILED_LOOKUP)
        return "the first map at VADDR should fail with FailedLookup (no PDPT covers it yet): "
               "set first to what mica_page_map returned";
    if (lab_fact(r, "first_left", -1) != 39)
        return lab_why("left is %lld: after a FailedLookup, MR2 (mica_get_mr(2)) holds the bits "
                       "left - 39 here, as no PDPT covers VADDR", lab_fact(r, "first_left", -1));
    if (!lab_said(r, "map at 0x8040201000: FailedLookup, 39 bits left\n"))
        return "expected the line \"map at 0x8040201000: FailedLookup, 39 bits left\"";
    return NULL;
}

static const char *task2(const lab_run_t *r)
{
    static const char *levels[] = { "pdpt", "page_directory", "page_table" };
    for (int i = 0; i < 3; i++) {
        long long n = lab_usage(r, "mapped", levels[i]) - lab_usage(r, "start", levels[i]);
        if (n != 1)
            return lab_why("TASK 2 made %lld %s objects: VADDR needs exactly one new one of each "
                           "level", n, levels[i]);
    }
    long long kind = lab_fact(r, "fault_kind", -1);
    if (kind == DONE)
        return "the worker wrote to VADDR without a fault: the frame is writable after TASK 2 - "
               "map it read-only (rights MICA_CAN_READ)";
    if (lab_fact(r, "map_error", -1) != MICA_NO_ERROR || (kind == MICA_FAULT_VM &&
                                                          !lab_fact(r, "fault_write", 0)))
        return lab_why("the frame is not mapped after TASK 2 (the last map said error %lld; the "
                       "worker's read faulted): a table can only be mapped below the level above "
                       "it, so map from the top - PDPT, page directory, page table - then the "
                       "frame", lab_fact(r, "map_error", -1));
    return NULL;
}

static const char *task3(const lab_run_t *r)
{
    if (lab_fact(r, "fault_kind", -1) != MICA_FAULT_VM)
        return "TASK 3 received no VM fault: receive on ep (mica_recv), the worker's fault endpoint";
    if (lab_fact(r, "fault_addr", -1) != 0x8040201000ll || !lab_fact(r, "fault_write", 0) ||
        lab_fact(r, "fault_fsr", 0) != 0x7)
        return lab_why("the fault decoded is not the write to the read-only page at VADDR "
                       "(addr %#llx, fsr %#llx): decode the message you received with "
                       "mica_fault_decode(m, badge)", lab_fact(r, "fault_addr", -1),
                       lab_fact(r, "fault_fsr", -1));
    if (lab_fact(r, "read_before", -1) != 0)
        return "the worker's read before its write did not see the fresh frame's 0";
    if (!lab_said(r, "fault: VM write at 0x8040201000, ip set, fsr 0x7\n"))
        return "expected the printer's line \"fault: VM write at 0x8040201000, ip set, fsr 0x7\"";
    return NULL;
}

static const char *task4(const lab_run_t *r)
{
    if (lab_fact(r, "waiting_for_reply", 0) != 0)
        return "the worker is still waiting after TASK 4: a faulted thread goes on only when "
               "its handler replies - reply to the fault (mica_reply, label 0)";
    if (lab_fact(r, "after_kind", -1) == MICA_FAULT_VM)
        return lab_why("the worker faulted again after the reply (fsr %#llx): the page must be "
                       "mapped read-write before the reply - map the same frame cap at VADDR "
                       "with MICA_READ_WRITE", lab_fact(r, "after_fsr", 0));
    if (lab_fact(r, "after_kind", -1) != DONE || lab_fact(r, "final_value", -1) != 42)
        return "the worker's write did not reach the frame after TASK 4";
    if (lab_stat(r, "faults") != 1)
        return lab_why("%lld faults in the run; exactly one (the write) was expected",
                       lab_stat(r, "faults"));
    if (!lab_said(r, "worker: wrote 42 at 0x8040201000\n"))
        return "the worker did not finish its write";
    return NULL;
}

static const lab_spec_t spec = {
    .number = 3,
    .title = "mapping and VM faults",
    .ntasks = 4,
    .task = { "a map without the levels above", "build the levels; map read-only",
              "receive and decode the write fault", "remap read-write and reply" },
    .check = { task1, task2, task3, task4 },
};

int main(int argc, char **argv)
{
    return lab_check_main(argc, argv, &spec);
}
