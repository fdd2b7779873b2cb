/*
 * Lab 1: capabilities - the root task's CSpace, slots, copying, revoking,
 * and invoking a cap (README.md says what to do; `scripts/lab 1` checks it).
 *
 * The root task starts with caps to everything in the system in its root
 * CNode: its TCB, CNode and VSpace at fixed slots (MICA_CAP_INIT_*), the
 * untyped memory in bi->untyped, and a range of empty slots bi->empty =
 * [start, end). Your code goes where it says TASK n.
 */
#include <stdio.h>
#include <mica/mica.h>
#include "lab.h"

static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_cptr_t first = 0, last = 0;

    /*
     * TASK 1: how many slots has the root CNode? The boot info says its
     * size in bits (bi->init_cnode_size_bits). Print
     *     root CNode: N slots
     */
    lab_task(1);
    //@ solution 1
    printf("root CNode: %lu slots\n", 1ul << bi->init_cnode_size_bits);
    //@ starter 1
    lab_todo(1, "print the number of slots of the root CNode (bi->init_cnode_size_bits)");
    //@ wrong bits-not-slots 1
    printf("root CNode: %lu slots\n", (unsigned long)bi->init_cnode_size_bits);
    //@ end
    lab_fact("cnode_bits", (long long)bi->init_cnode_size_bits);

    /*
     * TASK 2: copy the root task's TCB cap (MICA_CAP_INIT_TCB) into the
     * first empty slot and into the last empty slot, with all rights
     * (mica_cnode_copy; the root CNode is MICA_CAP_INIT_CNODE, and a slot
     * number is a CPtr at depth MICA_WORD_BITS). Set first and last to
     * the slots you used.
     */
    lab_task(2);
    //@ solution 2
    first = bi->empty.start;
    last = bi->empty.end - 1;
    mica_cnode_copy(MICA_CAP_INIT_CNODE, first, MICA_WORD_BITS, MICA_CAP_INIT_CNODE,
                    MICA_CAP_INIT_TCB, MICA_WORD_BITS, MICA_ALL_RIGHTS);
    mica_cnode_copy(MICA_CAP_INIT_CNODE, last, MICA_WORD_BITS, MICA_CAP_INIT_CNODE,
                    MICA_CAP_INIT_TCB, MICA_WORD_BITS, MICA_ALL_RIGHTS);
    //@ starter 2
    lab_todo(2, "copy MICA_CAP_INIT_TCB into the first and the last empty slot");
    //@ wrong one-past-the-end 2
    first = bi->empty.start;
    last = bi->empty.end;
    mica_cnode_copy(MICA_CAP_INIT_CNODE, first, MICA_WORD_BITS, MICA_CAP_INIT_CNODE,
                    MICA_CAP_INIT_TCB, MICA_WORD_BITS, MICA_ALL_RIGHTS);
    mica_cnode_copy(MICA_CAP_INIT_CNODE, last, MICA_WORD_BITS, MICA_CAP_INIT_CNODE,
                    MICA_CAP_INIT_TCB, MICA_WORD_BITS, MICA_ALL_RIGHTS);
    //@ end
    lab_fact("first", (long long)first);
    lab_fact("last", (long long)last);
    lab_fact("empty_start", (long long)bi->empty.start);
    lab_fact("empty_end", (long long)bi->empty.end);
    lab_fact("first_type", first ? (long long)mica_debug_cap_identify(first) : -1);
    lab_fact("last_type", last ? (long long)mica_debug_cap_identify(last) : -1);

    /*
     * TASK 3: remove both copies with one invocation on the original cap
     * (every cap copied from a cap is its child in the derivation tree).
     * Then show the first slot is empty: moving a cap out of it fails.
     * Print the error's name (mica_error_name):
     *     move from an empty slot: ERROR
     */
    lab_task(3);
    //@ solution 3
    mica_cnode_revoke(MICA_CAP_INIT_CNODE, MICA_CAP_INIT_TCB, MICA_WORD_BITS);
    mica_error_t e = mica_cnode_move(MICA_CAP_INIT_CNODE, first, MICA_WORD_BITS,
                                     MICA_CAP_INIT_CNODE, first, MICA_WORD_BITS);
    printf("move from an empty slot: %s\n", mica_error_name(e));
    //@ starter 3
    lab_todo(3, "revoke MICA_CAP_INIT_TCB, then try to move the cap in the first slot");
    //@ wrong delete-not-revoke 3
    mica_cnode_delete(MICA_CAP_INIT_CNODE, first, MICA_WORD_BITS);
    mica_error_t e = mica_cnode_move(MICA_CAP_INIT_CNODE, first, MICA_WORD_BITS,
                                     MICA_CAP_INIT_CNODE, first, MICA_WORD_BITS);
    printf("move from an empty slot: %s\n", mica_error_name(e));
    //@ end
    lab_fact("first_type_after", first ? (long long)mica_debug_cap_identify(first) : -1);
    lab_fact("last_type_after", last ? (long long)mica_debug_cap_identify(last) : -1);

    /*
     * TASK 4: invoke a cap: suspend the root task's own thread
     * (mica_tcb_suspend). Nothing after it runs; the system then stops,
     * idle.
     */
    lab_task(4);
    //@ solution 4
    mica_tcb_suspend(MICA_CAP_INIT_TCB);
    //@ starter 4
    lab_todo(4, "suspend the root task's own thread through its TCB cap");
    //@ wrong suspend-a-copy 4
    mica_tcb_suspend(first);
    //@ end
    printf("root: still running after TASK 4\n");
}

LAB_MAIN(root)
