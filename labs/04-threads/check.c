/* The checker of lab 4 (threads): what each task must leave behind. */
#include <stddef.h>
#include <string.h>
#include <mica/constants.h>
#include <mica/types.h>
#include "check.h"

static bool started(const lab_run_t *r)
{
    return lab_fact(r, "worker_inactive", -1) == 0;
}

static const char *task1(const lab_run_t *r)
{
    if (lab_fact(r, "tcb_type", -1) != MICA_CAP_TYPE_TCB)
        return "tcb names no TCB cap after TASK 1: make a MICA_TCB_OBJECT and keep its slot";
    if (lab_usage(r, "tcb", "tcb") != lab_usage(r, "start", "tcb") + 1)
        return "TASK 1 should make exactly one TCB";
    return NULL;
}

static const char *task2(const lab_run_t *r)
{
    if (lab_fact(r, "configure_error", -1) != MICA_NO_ERROR)
        return lab_why("mica_tcb_configure failed (error %lld): check the order of its "
                       "arguments (tcb, fault_ep, cspace, cspace data, vspace, vspace data, "
                       "buffer vaddr, buffer frame)", lab_fact(r, "configure_error", -1));
    if (strstr(r->failure, "faulted at"))
        return lab_why("the worker's fault reached no handler (%s): give it ep as its fault "
                       "endpoint, the second argument of mica_tcb_configure", r->failure);
    if (started(r) && lab_fact(r, "worker_has_ipc_buffer", 1) != 1)
        return "the worker has no IPC buffer: configure it with ipc_vaddr and ipc_frame";
    return NULL;
}

static const char *task3(const lab_run_t *r)
{
    long long e = lab_fact(r, "priority_error", -1);
    if (e == MICA_RANGE_ERROR)
        return "setting the priority said RangeError: the authority's maximum controlled "
               "priority (MCP) must be at least the priority it grants - a new TCB's MCP is 0, "
               "the root's TCB (MICA_CAP_INIT_TCB) has 255";
    if (e == MICA_INVALID_CAPABILITY)
        return "setting the priority said InvalidCapability: the authority must be a TCB cap, "
               "one whose maximum controlled priority (MCP) is at least PRIO";
    if (e != MICA_NO_ERROR)
        return lab_why("setting the priority failed (error %lld)", e);
    if (started(r) && (lab_fact(r, "ran_before_150", 1) || !lab_fact(r, "ran_after_150", 0)))
        return "the worker did not run as soon as the root dropped from 255 to 150: its "
               "priority is not PRIO (200)";
    return NULL;
}

static const char *task4(const lab_run_t *r)
{
    if (lab_fact(r, "registers_error", -1) != MICA_NO_ERROR)
        return lab_why("mica_tcb_write_registers failed (error %lld)",
                       lab_fact(r, "registers_error", -1));
    if (!started(r))
        return "the worker never started: resume it (resume_target true in "
               "mica_tcb_write_registers, or mica_tcb_resume)";
    long long args = lab_fact(r, "worker_args", -1);
    if (args == 0)
        return "the worker got the arguments 0 0 0 0: count 2 writes only pc and sp - write 6 "
               "words to reach r0..r3";
    if (args != 1020304)
        return lab_why("the worker got the wrong arguments (r0..r3 should be 1 2 3 4; got "
                       "%lld, as a*10^6+b*10^4+c*100+d)", args);
    if (lab_fact(r, "worker_on_its_stack", 0) != 1)
        return "the worker did not run on its stack: set sp to stack_top";
    if (!lab_said(r, "worker: arguments 1 2 3 4\n"))
        return "the worker did not print its arguments";
    return NULL;
}

static const char *task5(const lab_run_t *r)
{
    if (lab_fact(r, "fault_kind", -1) != MICA_FAULT_VM)
        return "no VM fault decoded in TASK 5: receive on ep, then mica_fault_decode";
    if (lab_fact(r, "fault_addr", -1) != 0 || lab_fact(r, "fault_fsr", -1) != 0x4)
        return lab_why("the fault decoded is not the worker's read at NULL (addr %#llx, fsr "
                       "%#llx)", lab_fact(r, "fault_addr", -1), lab_fact(r, "fault_fsr", -1));
    long long off = lab_fact(r, "fault_ip_offset", -1);
    if (off <= 0 || off >= 4096)
        return lab_why("the fault's pc is not inside worker (offset %#llx): print f.ip, the "
                       "faulting instruction's address", off);
    if (!lab_said(r, lab_why("worker faulted: VM fault at 0, pc in worker+%#llx\n", off)) &&
        !lab_said(r, lab_why("worker faulted: VM fault at 0x0, pc in worker+%#llx\n", off)))
        return lab_why("expected the line \"worker faulted: VM fault at 0, pc in worker+%#llx\"",
                       off);
    if (lab_usage(r, "end", "threads_BlockedOnReply") != 0)
        return "the worker still waits for the reply to its fault at the end: it cannot go "
               "on, so suspend it (mica_tcb_suspend)";
    if (lab_said(r, "worker: read"))
        return "the worker went on past its NULL read";
    return NULL;
}

static const lab_spec_t spec = {
    .number = 4,
    .title = "threads",
    .ntasks = 5,
    .task = { "make a TCB", "configure it", "its priority, with the right authority",
              "registers: entry, stack, arguments; resume", "catch its fault" },
    .check = { task1, task2, task3, task4, task5 },
};

int main(int argc, char **argv)
{
    return lab_check_main(argc, argv, &spec);
}
