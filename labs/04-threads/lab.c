/*
 * Lab 4: threads - a TCB made, configured, given a priority and registers,
 * started, and its crash caught on its fault endpoint (README.md says what
 * to do; `scripts/lab 4` checks it).
 *
 * The worker runs in the root task's CSpace and VSpace, on a stack of
 * frames the lab maps for it, with an IPC buffer frame the lab makes; its
 * code is worker() below. Your code goes where it says TASK n.
 */
#include <stdio.h>
#include <mica/mica.h>
#include "lab.h"

#define PRIO        200             /* the worker's priority */
#define STACK_PAGES 16

static volatile int worker_ran;
static mica_word_t stack_lo, stack_hi;     /* the worker's stack, vaddrs */

/* Given: the worker prints its arguments, then follows a NULL pointer of its VSpace. */
static void worker(mica_word_t a, mica_word_t b, mica_word_t c, mica_word_t d)
{
    int here;
    worker_ran = 1;
    char *lo = mica_vaddr_to_ptr(stack_lo), *hi = mica_vaddr_to_ptr(stack_hi);
    lab_fact("worker_args", (long long)(a * 1000000 + b * 10000 + c * 100 + d));
    lab_fact("worker_on_its_stack", (char *)&here >= lo && (char *)&here < hi);
    lab_fact("worker_has_ipc_buffer", mica_get_ipc_buffer() != NULL);
    printf("worker: arguments %lu %lu %lu %lu\n", (unsigned long)a, (unsigned long)b,
           (unsigned long)c, (unsigned long)d);
    volatile mica_word_t *null = mica_vaddr_to_ptr(0);     /* vaddr 0: never mapped */
    printf("worker: read %lu at NULL\n", (unsigned long)*null);
}

static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);

    /* Given: the fault endpoint, the IPC buffer frame and the stack. */
    mica_cptr_t ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ipc_frame = mica_env_make(&env, MICA_FRAME_OBJECT, 0);
    mica_word_t ipc_vaddr = mica_env_vaddr(&env, STACK_PAGES + 2);   /* [IPC][guard][stack] */
    mica_cptr_t stack_frames = 0;
    mica_user_map(&env, MICA_CAP_INIT_VSPACE, ipc_vaddr, ipc_frame, MICA_READ_WRITE);
    mica_user_map_pages(&env, MICA_CAP_INIT_VSPACE, ipc_vaddr + 2 * 4096, STACK_PAGES,
                        MICA_READ_WRITE, &stack_frames);
    mica_word_t stack_top = ipc_vaddr + (STACK_PAGES + 2) * 4096;
    stack_lo = ipc_vaddr + 2 * 4096;
    stack_hi = stack_top;
    mica_cptr_t tcb = 0;
    mica_error_t e = MICA_NO_ERROR;
    (void)ep, (void)stack_top;
    lab_usage("start");

    /*
     * TASK 1: make a TCB object (mica_env_make, or mica_untyped_retype as
     * in lab 2); set tcb to its slot.
     */
    lab_task(1);
    //@ solution 1
    tcb = mica_env_make(&env, MICA_TCB_OBJECT, 0);
    //@ starter 1
    lab_todo(1, "make a TCB and set tcb to its cap");
    //@ end
    lab_fact("tcb_type", tcb ? (long long)mica_debug_cap_identify(tcb) : -1);
    lab_usage("tcb");
    mica_debug_name_thread(tcb, "worker");

    /*
     * TASK 2: configure it (mica_tcb_configure): faults to `ep`, the root
     * CNode as its CSpace and the root VSpace as its VSpace (cap data 0
     * for both), its IPC buffer the frame ipc_frame at ipc_vaddr. Set e to
     * the result.
     */
    lab_task(2);
    //@ solution 2
    e = mica_tcb_configure(tcb, ep, MICA_CAP_INIT_CNODE, 0, MICA_CAP_INIT_VSPACE, 0, ipc_vaddr,
                           ipc_frame);
    //@ starter 2
    lab_todo(2, "mica_tcb_configure(tcb, fault ep, CSpace, 0, VSpace, 0, IPC buffer vaddr, frame)");
    //@ wrong no-fault-ep 2
    e = mica_tcb_configure(tcb, 0, MICA_CAP_INIT_CNODE, 0, MICA_CAP_INIT_VSPACE, 0, ipc_vaddr,
                           ipc_frame);
    //@ end
    lab_fact("configure_error", e);

    /*
     * TASK 3: give it priority PRIO (mica_tcb_set_priority). The
     * authority is a TCB whose maximum controlled priority (MCP) is at
     * least PRIO. Set e to the result.
     */
    lab_task(3);
    //@ solution 3
    e = mica_tcb_set_priority(tcb, MICA_CAP_INIT_TCB, PRIO);
    //@ starter 3
    lab_todo(3, "set the worker's priority to PRIO, with an authority that may grant it");
    //@ wrong own-authority 3
    e = mica_tcb_set_priority(tcb, tcb, PRIO);
    //@ end
    lab_fact("priority_error", e);

    /*
     * TASK 4: start it: write its registers - pc the entry function
     * worker, sp stack_top, and its four arguments r0..r3 = 1, 2, 3, 4 -
     * and resume it, in one mica_tcb_write_registers (count: how many
     * words of mica_user_context_t, from pc, you write).
     */
    lab_task(4);
    //@ solution 4
    mica_user_context_t regs = { 0 };
    regs.pc = (mica_word_t)worker;
    regs.sp = stack_top;
    regs.r0 = 1;
    regs.r1 = 2;
    regs.r2 = 3;
    regs.r3 = 4;
    e = mica_tcb_write_registers(tcb, true, 0, 6, &regs);
    //@ starter 4
    lab_todo(4, "write pc, sp and r0..r3 of the worker and resume it");
    //@ wrong two-registers 4
    mica_user_context_t regs = { 0 };
    regs.pc = (mica_word_t)worker;
    regs.sp = stack_top;
    regs.r0 = 1;
    regs.r1 = 2;
    regs.r2 = 3;
    regs.r3 = 4;
    e = mica_tcb_write_registers(tcb, true, 0, 2, &regs);
    //@ end
    lab_fact("registers_error", e);
    /*
     * The lab's own evidence of the priority: the root (255) drops to 150.
     * A worker of priority PRIO runs at once, before the root goes on.
     */
    lab_fact("ran_before_150", worker_ran);
    mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 150);
    lab_fact("ran_after_150", worker_ran);
    mica_usage_t u;
    mica_debug_usage(&u);
    lab_fact("worker_inactive", (long long)u.threads[MICA_THREAD_INACTIVE]);

    /*
     * TASK 5: the worker follows a NULL pointer: a VM fault, sent to ep.
     * Receive it and decode it into f (mica_fault_decode), print
     *     worker faulted: VM fault at ADDR, pc in worker+OFFSET
     * (OFFSET: f.ip - (mica_word_t)worker, in hex), and stop the worker
     * for good: it cannot go on.
     */
    lab_task(5);
    mica_fault_t f = { 0 };
    if (u.threads[MICA_THREAD_INACTIVE] == 0) {     /* the worker runs or waits: it was started */
        //@ solution 5
        mica_word_t badge;
        mica_msginfo_t m = mica_recv(ep, &badge);
        f = mica_fault_decode(m, badge);
        printf("worker faulted: VM fault at %#lx, pc in worker+%#lx\n", (unsigned long)f.addr,
               (unsigned long)(f.ip - (mica_word_t)worker));
        mica_tcb_suspend(tcb);
        //@ starter 5
        lab_todo(5, "receive the worker's fault on ep, print it, and suspend the worker");
        //@ wrong no-suspend 5
        mica_word_t badge;
        mica_msginfo_t m = mica_recv(ep, &badge);
        f = mica_fault_decode(m, badge);
        printf("worker faulted: VM fault at %#lx, pc in worker+%#lx\n", (unsigned long)f.addr,
               (unsigned long)(f.ip - (mica_word_t)worker));
        //@ end
    }
    lab_fact("fault_kind", (long long)f.kind);
    lab_fact("fault_addr", (long long)f.addr);
    lab_fact("fault_fsr", (long long)f.fsr);
    lab_fact("fault_ip_offset", (long long)(f.ip - (mica_word_t)worker));
    lab_usage("end");
    mica_debug_usage(&u);
    if (u.threads[MICA_THREAD_BLOCKED_ON_REPLY])
        mica_tcb_suspend(tcb);      /* the lab stops a worker left waiting, so the run ends */
}

LAB_MAIN(root)
