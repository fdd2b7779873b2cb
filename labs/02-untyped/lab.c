/*
 * Lab 2: untyped memory - where every kernel object comes from, how big
 * each one is, and how revoking an untyped gives all of it back
 * (README.md says what to do; `scripts/lab 2` checks it).
 *
 * The root task holds every byte of free RAM as untyped caps
 * (bi->untyped: slots; bi->untyped_list: each one's paddr, size_bits and
 * whether it is device memory). mica_untyped_retype turns untyped memory
 * into objects; their caps are children of the untyped cap in the
 * derivation tree. Your code goes where it says TASK n.
 */
#include <stdio.h>
#include <mica/mica.h>
#include "lab.h"

/* The empty slots this lab uses, from the first empty slot of the root CNode. */
#define CHILD_SLOT(bi)   ((bi)->empty.start)        /* the child untyped */
#define TCB_SLOT(bi)     ((bi)->empty.start + 1)
#define EP_SLOT(bi)      ((bi)->empty.start + 2)
#define NTFN_SLOT(bi)    ((bi)->empty.start + 3)
#define FILL_SLOT(bi)    ((bi)->empty.start + 16)    /* 300 empty slots from here */

/* Given: the untyped list of the boot info. */
static void print_untypeds(const mica_bootinfo_t *bi)
{
    mica_word_t n = bi->untyped.end - bi->untyped.start;
    printf("%lu untypeds:\n", (unsigned long)n);
    for (mica_word_t i = 0; i < n; i++) {
        const mica_untyped_desc_t *u = &bi->untyped_list[i];
        printf("  slot %4lu: paddr %#10lx, 2^%-2u bytes%s\n", (unsigned long)(bi->untyped.start + i),
               (unsigned long)u->paddr, (unsigned)u->size_bits, u->is_device ? " (device)" : "");
    }
}

static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_cptr_t ut = 0;            /* TASK 1: the untyped you picked */
    mica_cptr_t child = CHILD_SLOT(bi);
    mica_error_t e = MICA_NO_ERROR;

    print_untypeds(bi);
    lab_usage("boot");

    /*
     * TASK 1: pick an untyped to work from: RAM (not device memory), and
     * big enough for a child untyped of 2^(MICA_TCB_BITS + 1) bytes.
     * Set ut to its slot (slot bi->untyped.start + i describes
     * bi->untyped_list[i]) and print
     *     using untyped SLOT: 2^BITS bytes
     */
    lab_task(1);
    //@ solution 1
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const mica_untyped_desc_t *u = &bi->untyped_list[i];
        if (!u->is_device && u->size_bits >= MICA_TCB_BITS + 1) {
            ut = bi->untyped.start + i;
            printf("using untyped %lu: 2^%u bytes\n", (unsigned long)ut, (unsigned)u->size_bits);
            break;
        }
    }
    //@ starter 1
    lab_todo(1, "find a RAM untyped of at least 2^(MICA_TCB_BITS + 1) bytes in bi->untyped_list");
    //@ end
    lab_fact("ut", (long long)ut);
    lab_fact("ut_type", ut ? (long long)mica_debug_cap_identify(ut) : -1);
    if (ut >= bi->untyped.start && ut < bi->untyped.end) {
        lab_fact("ut_bits", (long long)bi->untyped_list[ut - bi->untyped.start].size_bits);
        lab_fact("ut_device", (long long)bi->untyped_list[ut - bi->untyped.start].is_device);
    }

    /*
     * TASK 2: retype ut into one child untyped of 2^(MICA_TCB_BITS + 1)
     * bytes, in slot `child` of the root CNode (mica_untyped_retype with
     * MICA_UNTYPED_OBJECT; for the root CNode as destination, node_depth
     * 0 puts the caps straight in its slots).
     */
    lab_task(2);
    //@ solution 2
    e = mica_untyped_retype(ut, MICA_UNTYPED_OBJECT, MICA_TCB_BITS + 1, MICA_CAP_INIT_CNODE, 0, 0,
                            child, 1);
    //@ starter 2
    lab_todo(2, "retype ut into a child untyped of 2^(MICA_TCB_BITS + 1) bytes in slot child");
    //@ end
    lab_fact("child_error", e);
    lab_fact("child_type", (long long)mica_debug_cap_identify(child));
    lab_usage("child");

    /*
     * TASK 3: from the child untyped (not from ut), make a TCB in
     * TCB_SLOT(bi), an endpoint in EP_SLOT(bi) and a notification in
     * NTFN_SLOT(bi); then bind the notification to the TCB
     * (mica_tcb_bind_notification). Each object is aligned to its own
     * size inside the untyped: think about the order.
     */
    lab_task(3);
    //@ solution 3
    mica_untyped_retype(child, MICA_TCB_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0, TCB_SLOT(bi), 1);
    mica_untyped_retype(child, MICA_ENDPOINT_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0, EP_SLOT(bi), 1);
    mica_untyped_retype(child, MICA_NOTIFICATION_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0,
                        NTFN_SLOT(bi), 1);
    e = mica_tcb_bind_notification(TCB_SLOT(bi), NTFN_SLOT(bi));
    //@ starter 3
    lab_todo(3, "make a TCB, an endpoint and a notification from the child; bind the notification");
    //@ wrong small-first 3
    mica_untyped_retype(child, MICA_ENDPOINT_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0, EP_SLOT(bi), 1);
    mica_untyped_retype(child, MICA_TCB_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0, TCB_SLOT(bi), 1);
    mica_untyped_retype(child, MICA_NOTIFICATION_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0,
                        NTFN_SLOT(bi), 1);
    e = mica_tcb_bind_notification(TCB_SLOT(bi), NTFN_SLOT(bi));
    //@ end
    lab_fact("bind_error", e);
    lab_fact("tcb_type", (long long)mica_debug_cap_identify(TCB_SLOT(bi)));
    lab_fact("ep_type", (long long)mica_debug_cap_identify(EP_SLOT(bi)));
    lab_fact("ntfn_type", (long long)mica_debug_cap_identify(NTFN_SLOT(bi)));
    lab_usage("objects");

    /*
     * TASK 4: destroy all three objects with one invocation, so that the
     * child untyped is empty again and its next retype starts from its
     * beginning. The child untyped itself stays.
     */
    lab_task(4);
    //@ solution 4
    mica_cnode_revoke(MICA_CAP_INIT_CNODE, child, MICA_WORD_BITS);
    //@ starter 4
    lab_todo(4, "one invocation that deletes every cap derived from the child untyped");
    //@ wrong delete-some 4
    mica_cnode_delete(MICA_CAP_INIT_CNODE, TCB_SLOT(bi), MICA_WORD_BITS);
    mica_cnode_delete(MICA_CAP_INIT_CNODE, EP_SLOT(bi), MICA_WORD_BITS);
    //@ end
    lab_fact("child_type_after", (long long)mica_debug_cap_identify(child));
    lab_usage("revoked");

    /*
     * TASK 5: fill the child untyped with endpoints, as many as fit, in
     * ONE retype into the slots from FILL_SLOT(bi) (2^n bytes hold
     * 2^(n - MICA_ENDPOINT_BITS) endpoints). Set `made` to how many you
     * made. Then show it is full: retype one more endpoint, into slot
     * FILL_SLOT(bi) + made, set `extra` to the error, and print
     *     one more endpoint: ERROR (N bytes free)
     * (after NotEnoughMemory, MR0 says how many bytes are free).
     */
    lab_task(5);
    mica_word_t made = 0;
    mica_error_t fill = MICA_NO_ERROR, extra = MICA_NO_ERROR;
    //@ solution 5
    made = 1ul << (MICA_TCB_BITS + 1 - MICA_ENDPOINT_BITS);
    fill = mica_untyped_retype(child, MICA_ENDPOINT_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0,
                               FILL_SLOT(bi), made);
    extra = mica_untyped_retype(child, MICA_ENDPOINT_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0,
                                FILL_SLOT(bi) + made, 1);
    printf("one more endpoint: %s (%lu bytes free)\n", mica_error_name(extra),
           (unsigned long)mica_get_mr(0));
    //@ starter 5
    lab_todo(5, "fill the child with endpoints in one retype, then show one more does not fit");
    //@ wrong one-short 5
    made = (1ul << (MICA_TCB_BITS + 1 - MICA_ENDPOINT_BITS)) - 1;
    fill = mica_untyped_retype(child, MICA_ENDPOINT_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0,
                               FILL_SLOT(bi), made);
    extra = mica_untyped_retype(child, MICA_ENDPOINT_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0,
                                FILL_SLOT(bi) + made, 1);
    printf("one more endpoint: %s (%lu bytes free)\n", mica_error_name(extra),
           (unsigned long)mica_get_mr(0));
    //@ end
    lab_fact("made", (long long)made);
    lab_fact("fill_error", fill);
    lab_fact("extra_error", extra);
    lab_usage("full");

    /*
     * TASK 6: give everything back with one invocation: leave the system
     * holding exactly the objects it held at boot - no endpoint, no child
     * untyped - and all of ut free for its next retype.
     */
    lab_task(6);
    //@ solution 6
    mica_cnode_revoke(MICA_CAP_INIT_CNODE, ut, MICA_WORD_BITS);
    //@ starter 6
    lab_todo(6, "give back every object and the child untyped: the system as it was at boot");
    //@ wrong keep-child 6
    mica_cnode_revoke(MICA_CAP_INIT_CNODE, child, MICA_WORD_BITS);
    //@ end
    lab_usage("end");
    /* The memory is free again: a child as big as ut fits only if nothing made from ut lives. */
    if (ut) {
        e = mica_untyped_retype(ut, MICA_UNTYPED_OBJECT, bi->untyped_list[ut - bi->untyped.start].size_bits,
                                MICA_CAP_INIT_CNODE, 0, 0, FILL_SLOT(bi) + 299, 1);
        lab_fact("reuse_error", e);
        mica_cnode_revoke(MICA_CAP_INIT_CNODE, ut, MICA_WORD_BITS);
    }
}

LAB_MAIN(root)
