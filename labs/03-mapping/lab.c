/*
 * Lab 3: mapping - page tables, rights and VM faults (README.md says what
 * to do; `scripts/lab 3` checks it).
 *
 * A VSpace on mica is x86_64's four levels, each a 4 KiB table of 512
 * entries that the task makes from untyped memory and maps itself:
 *
 *   vaddr bits:  47..39        38..30          29..21           20..12      11..0
 *              +---------+  +-----------+  +--------------+  +------------+ +------+
 *   VSpace --> | PML4    |->| PDPT      |->| page         |->| page table |->| 4 KiB|
 *   (the root) | (VSpace)|  | 512 GiB   |  | directory    |  | 2 MiB      | | frame|
 *              +---------+  +-----------+  | 1 GiB        |  +------------+ +------+
 *                                          +--------------+
 *
 * The root VSpace has, from boot, one PDPT (for [0, 512 GiB)), one page
 * directory (for [0, 1 GiB)) and one page table (for [0, 2 MiB)), where
 * the IPC buffer, boot info and stack live. This lab maps a frame at
 * VADDR, far above all of them. Your code goes where it says TASK n.
 */
#include <stdio.h>
#include <mica/mica.h>
#include "lab.h"

#define VADDR       0x8040201000ul  /* PML4 entry 1, PDPT entry 1, directory entry 1, table entry 1 */
#define DONE        99              /* the worker's "finished" message */

static volatile mica_word_t worker_read = ~0ul;

/* Given: the worker reads the word at VADDR, then writes 42 there, then says it is done. */
static void worker(mica_word_t ep, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r1, (void)r2, (void)r3;
    volatile mica_word_t *p = mica_vaddr_to_ptr(VADDR);
    worker_read = p[0];
    printf("worker: read %lu at %#lx\n", (unsigned long)worker_read, VADDR);
    p[0] = 42;
    printf("worker: wrote 42 at %#lx\n", VADDR);
    mica_send(ep, mica_msginfo_new(DONE, 0, 0, 0));
}

/* Given: the fault printer. */
static void print_fault(const mica_fault_t *f)
{
    if (f->kind == MICA_FAULT_VM)
        printf("fault: VM %s at %#lx, ip %s, fsr %#lx\n", f->write ? "write" : "read",
               (unsigned long)f->addr, f->ip ? "set" : "0", (unsigned long)f->fsr);
    else
        printf("fault: not a VM fault: label %lu\n", (unsigned long)f->kind);
}

static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    mica_cptr_t frame = mica_env_make(&env, MICA_FRAME_OBJECT, 0);
    mica_cptr_t ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    mica_error_t e = MICA_NO_ERROR;
    (void)frame;
    lab_usage("start");

    /*
     * TASK 1: try to map `frame` read-only (MICA_CAN_READ) at VADDR of the
     * root VSpace (MICA_CAP_INIT_VSPACE) with mica_page_map. It fails:
     * levels above the frame are missing. Set `first` to the error and
     * `left` to the bits left of its lookup failure (MR2 after a
     * FailedLookup: 39 means no PDPT covers VADDR, 30 no page directory,
     * 21 no page table), and print
     *     map at 0x8040201000: ERROR, N bits left
     */
    lab_task(1);
    mica_error_t first = MICA_NO_ERROR;
    mica_word_t left = 0;
    //@ solution 1
    first = mica_page_map(frame, MICA_CAP_INIT_VSPACE, VADDR, MICA_CAN_READ, 0);
    left = mica_get_mr(2);
    printf("map at %#lx: %s, %lu bits left\n", VADDR, mica_error_name(first), (unsigned long)left);
    //@ starter 1
    lab_todo(1, "map frame read-only at VADDR and print why it fails (mica_error_name, MR2)");
    //@ end
    lab_fact("first_error", first);
    lab_fact("first_left", (long long)left);

    /*
     * TASK 2: make and map each missing level (mica_env_make with
     * MICA_PDPT_OBJECT, MICA_PAGE_DIRECTORY_OBJECT, MICA_PAGE_TABLE_OBJECT;
     * mica_pdpt_map, mica_page_directory_map, mica_page_table_map), from
     * the top, then map the frame read-only at VADDR. Set e to the last
     * mica_page_map's error.
     */
    lab_task(2);
    //@ solution 2
    while ((e = mica_page_map(frame, MICA_CAP_INIT_VSPACE, VADDR, MICA_CAN_READ, 0)) ==
           MICA_FAILED_LOOKUP) {
        mica_word_t bits = mica_get_mr(2);
        if (bits == 39)
            mica_pdpt_map(mica_env_make(&env, MICA_PDPT_OBJECT, 0), MICA_CAP_INIT_VSPACE, VADDR, 0);
        else if (bits == 30)
            mica_page_directory_map(mica_env_make(&env, MICA_PAGE_DIRECTORY_OBJECT, 0),
                                    MICA_CAP_INIT_VSPACE, VADDR, 0);
        else
            mica_page_table_map(mica_env_make(&env, MICA_PAGE_TABLE_OBJECT, 0),
                                MICA_CAP_INIT_VSPACE, VADDR, 0);
    }
    //@ starter 2
    lab_todo(2, "make and map the missing PDPT, page directory and page table, then the frame");
    //@ wrong map-rw 2
    mica_pdpt_map(mica_env_make(&env, MICA_PDPT_OBJECT, 0), MICA_CAP_INIT_VSPACE, VADDR, 0);
    mica_page_directory_map(mica_env_make(&env, MICA_PAGE_DIRECTORY_OBJECT, 0),
                            MICA_CAP_INIT_VSPACE, VADDR, 0);
    mica_page_table_map(mica_env_make(&env, MICA_PAGE_TABLE_OBJECT, 0), MICA_CAP_INIT_VSPACE,
                        VADDR, 0);
    e = mica_page_map(frame, MICA_CAP_INIT_VSPACE, VADDR, MICA_READ_WRITE, 0);
    //@ wrong bottom-up 2
    mica_page_table_map(mica_env_make(&env, MICA_PAGE_TABLE_OBJECT, 0), MICA_CAP_INIT_VSPACE,
                        VADDR, 0);
    mica_page_directory_map(mica_env_make(&env, MICA_PAGE_DIRECTORY_OBJECT, 0),
                            MICA_CAP_INIT_VSPACE, VADDR, 0);
    mica_pdpt_map(mica_env_make(&env, MICA_PDPT_OBJECT, 0), MICA_CAP_INIT_VSPACE, VADDR, 0);
    e = mica_page_map(frame, MICA_CAP_INIT_VSPACE, VADDR, MICA_CAN_READ, 0);
    //@ end
    lab_fact("map_error", e);
    lab_usage("mapped");

    /* Given: a worker thread in this VSpace, whose faults come to ep, reads and writes VADDR. */
    mica_thread_t w;
    mica_thread_config_t cfg = { .name = "worker", .prio = 100, .fault_ep = ep };
    if (mica_thread_create(&env, &cfg, &w) != MICA_NO_ERROR ||
        mica_thread_start(&w, worker, ep, 0, 0, 0) != MICA_NO_ERROR) {
        printf("cannot start the worker: %s\n", mica_env_error_text(&env));
        return;
    }

    /*
     * TASK 3: the worker's write to the read-only page is a VM fault: the
     * kernel sends it to the worker's fault endpoint, ep, as a message.
     * Receive it (mica_recv on ep) into m and badge, and decode it into f
     * (mica_fault_decode); the given printer shows it.
     */
    lab_task(3);
    mica_msginfo_t m = mica_msginfo_new(0, 0, 0, 0);
    mica_word_t badge = 0;
    mica_fault_t f = { 0 };
    //@ solution 3
    m = mica_recv(ep, &badge);
    f = mica_fault_decode(m, badge);
    //@ starter 3
    lab_todo(3, "receive the worker's fault message on ep and decode it");
    //@ end
    print_fault(&f);
    lab_fact("fault_kind", (long long)mica_msginfo_get_label(m));
    lab_fact("fault_addr", (long long)f.addr);
    lab_fact("fault_fsr", (long long)f.fsr);
    lab_fact("fault_write", (long long)f.write);
    lab_fact("read_before", (long long)worker_read);

    /*
     * TASK 4: make the page writable - map the same frame cap again at
     * VADDR with MICA_READ_WRITE (a mapped frame cap mapped again at its
     * own vaddr changes its rights) - and reply to the fault (mica_reply,
     * label 0): the worker then retries its write.
     */
    lab_task(4);
    if (mica_msginfo_get_label(m) == MICA_FAULT_VM) {
        //@ solution 4
        mica_page_map(frame, MICA_CAP_INIT_VSPACE, VADDR, MICA_READ_WRITE, 0);
        mica_reply(mica_msginfo_new(0, 0, 0, 0));
        //@ starter 4
        lab_todo(4, "map the frame read-write at VADDR, then reply to the fault");
        //@ wrong unmap 4
        mica_page_unmap(frame);
        mica_reply(mica_msginfo_new(0, 0, 0, 0));
        //@ wrong no-reply 4
        mica_page_map(frame, MICA_CAP_INIT_VSPACE, VADDR, MICA_READ_WRITE, 0);
        //@ end
    }
    /* The lab's own evidence: did the worker get its reply, and did its write go through? */
    mica_usage_t u;
    mica_debug_usage(&u);
    lab_fact("waiting_for_reply", (long long)u.threads[MICA_THREAD_BLOCKED_ON_REPLY]);
    mica_word_t after = mica_msginfo_get_label(m);
    if (after == MICA_FAULT_VM && !u.threads[MICA_THREAD_BLOCKED_ON_REPLY]) {
        mica_msginfo_t m2 = mica_recv(ep, &badge);
        mica_fault_t f2 = mica_fault_decode(m2, badge);
        after = f2.kind;
        lab_fact("after_kind", (long long)f2.kind);
        lab_fact("after_fsr", (long long)f2.fsr);
    }
    if (after == DONE)      /* the page is mapped: the root reads what the worker wrote */
        lab_fact("final_value", (long long)*(volatile mica_word_t *)mica_vaddr_to_ptr(VADDR));
    mica_tcb_suspend(w.tcb);    /* a worker still stopped in a fault goes no further */
    printf("root: done\n");
}

LAB_MAIN(root)
