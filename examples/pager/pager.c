/*
 * pager - demand paging by a user-level pager.
 *
 * On seL4 the kernel never decides what memory a task gets: an access to
 * an unmapped page stops the thread and turns into a VM fault message to
 * its fault endpoint, and whoever receives there decides. This example
 * shows that loop:
 *
 *   client  a process (its own CSpace and VSpace, mica_process_*) that
 *           walks 64 pages it has never mapped: it reads the first 8,
 *           then writes a pattern over all 64, then checks every byte;
 *           last it writes one word far away, at 640 GiB (FAR);
 *   pager   a thread of the root task that receives the client's faults.
 *           It holds a cap to the client's VSpace, so for each fault it
 *           retypes a fresh frame, maps it at the faulting page and
 *           replies. mica_user_map makes whatever paging levels are
 *           missing above the page first: a page table when no page table
 *           covers its 2 MiB; for FAR, where the client's VSpace has
 *           nothing yet, a PDPT (for its 512 GiB), a page directory (for
 *           its GiB) and a page table. The empty reply restarts the
 *           faulting instruction, which now succeeds; the client never
 *           notices.
 *
 * The fault message says where and how: MR1 the address, and the fault
 * status tells a read from a write (mica_fault_decode). The region
 * straddles a 2 MiB line, so the pager needs two page tables there. The
 * client's fault endpoint cap carries badge 1, so the pager can tell its
 * faults from the root's final "stop" request (badge 0).
 *
 *   mica run pager --trace pager.json     each fault and reply is in the trace
 */
#include <stdio.h>
#include <mica/mica.h>
#include "../examples.h"

#define PAGE         (1ul << MICA_PAGE_BITS)
#define REGION       0x101e0000ul   /* 64 pages across the 2 MiB line at 0x10200000 */
#define PAGES        64ul
#define READ_FIRST   8ul            /* pages the client reads before it writes anything */
#define FAR          0xa000000000ul /* 640 GiB: no PDPT, page directory or page table there yet */
#define CLIENT_BADGE 1ul            /* on the client's fault endpoint cap */
#define PAGER_STOP   1ul            /* the root's request: print a summary and stop */

static mica_env_t env;              /* the root's allocator; the pager uses it while the root waits */
static mica_cptr_t fault_ep;        /* the pager receives here */
static mica_process_t client;       /* client.vspace: the cap the pager maps with */

static struct {
    mica_word_t faults, reads, writes, frames;
    mica_word_t levels[3];          /* page tables, page directories, PDPTs made for faults */
} served;

/* --- the client: a process that uses memory nobody has mapped ------------------- */

/* What the client writes at word i of the region. */
static mica_word_t pattern(mica_word_t i)
{
    return (i * 2654435761ul) ^ 0x5eed;
}

static void client_main(mica_word_t done, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r1; (void)r2; (void)r3;
    volatile mica_word_t *mem = mica_vaddr_to_ptr(REGION);
    const mica_word_t words = PAGES * PAGE / sizeof *mem, per_page = PAGE / sizeof *mem;
    mica_word_t zeros = 0, bad = 0;

    printf("client: reading %lu pages, then writing all %lu, at 0x%lx..0x%lx\n",
           READ_FIRST, PAGES, REGION, REGION + PAGES * PAGE);
    /* 1. Reads: a fresh frame comes zero-filled. */
    for (mica_word_t p = 0; p < READ_FIRST; p++)
        for (mica_word_t i = 0; i < per_page; i++)
            zeros += mem[p * per_page + i] == 0;
    /* 2. Writes: the first store to each of the other pages faults. */
    for (mica_word_t i = 0; i < words; i++)
        mem[i] = pattern(i);
    /* 3. Check: every page is mapped by now, so this faults no more. */
    for (mica_word_t i = 0; i < words; i++)
        bad += mem[i] != pattern(i);

    printf("client: %lu pages faulted in, none mapped by me (%lu first read, %lu first written)\n",
           PAGES, READ_FIRST, PAGES - READ_FIRST);
    printf("client: %lu bytes read back as zero, %lu bytes written and checked: %s\n",
           zeros * sizeof *mem, words * sizeof *mem, bad ? "MISMATCH" : "all correct");

    /* 4. Far away: a GiB (and a 512 GiB) where nothing of the VSpace exists yet. */
    volatile mica_word_t *far = mica_vaddr_to_ptr(FAR);
    printf("client: writing at 0x%lx, where my VSpace has no PDPT, page directory or page table\n",
           FAR);
    *far = pattern(FAR);
    printf("client: 0x%lx reads back what I wrote: %s\n", FAR,
           *far == pattern(FAR) ? "correct" : "MISMATCH");
    mica_signal(done);
}

/* --- the pager: a server whose requests are faults -------------------------------- */

static mica_server_action_t serve_fault(void *ctx, mica_word_t badge, mica_msginfo_t msg,
                                        mica_msginfo_t *reply)
{
    (void)ctx;
    if (badge == 0 && mica_msginfo_get_label(msg) == PAGER_STOP) {
        printf("pager: served %lu faults (%lu reads, %lu writes) with %lu frames, %lu page "
               "tables, %lu page directory and %lu PDPT; stopping\n", served.faults, served.reads,
               served.writes, served.frames, served.levels[0], served.levels[1], served.levels[2]);
        return MICA_SERVER_STOP;
    }
    mica_fault_t f = mica_fault_decode(msg, badge);
    int mine = (f.addr >= REGION && f.addr < REGION + PAGES * PAGE) || f.addr / PAGE == FAR / PAGE;
    if (f.kind != MICA_FAULT_VM || f.badge != CLIENT_BADGE || !mine) {
        /* Not a page we hand out: no reply, so the thread stays stopped. */
        printf("pager: fault %lu at 0x%lx (badge %lu) is not mine to fix\n", f.kind, f.addr,
               f.badge);
        return MICA_SERVER_NO_REPLY;
    }

    mica_word_t tables = env.page_tables;
    mica_cptr_t frame = mica_env_make(&env, MICA_FRAME_OBJECT, 0);
    mica_error_t err = frame ? mica_user_map(&env, client.vspace, f.addr & ~(PAGE - 1), frame,
                                             MICA_READ_WRITE)
                             : env.error;
    served.faults++;
    if (f.write)
        served.writes++;
    else
        served.reads++;
    if (err != MICA_NO_ERROR) {
        printf("pager: cannot map 0x%lx: %s\n", f.addr, mica_error_name(err));
        mica_env_slot_free(&env, frame);
        return MICA_SERVER_NO_REPLY;
    }
    served.frames++;
    /* mica_user_map made the missing levels, the lowest ones: page table, page directory, PDPT. */
    mica_word_t made = env.page_tables - tables;
    for (mica_word_t l = 0; l < made && l < 3; l++)
        served.levels[l]++;
    printf("pager: #%-2lu %-5s 0x%lx -> frame%s%s%s\n", served.faults, f.write ? "write" : "read",
           f.addr, made >= 3 ? " + PDPT" : "", made >= 2 ? " + page directory" : "",
           made >= 1 ? " + page table" : "");
    /* An empty reply (label 0) restarts the faulting instruction. */
    *reply = mica_msginfo_new(0, 0, 0, 0);
    return MICA_SERVER_REPLY;
}

static void pager(mica_word_t arg)
{
    (void)arg;
    mica_server_loop(fault_ep, serve_fault, NULL);
}

/* --- the root task: sets it up, waits, stops the pager ---------------------------- */

void example_pager_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_init(&env, bi);
    mica_cptr_t done = 0;
    fault_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    if (fault_ep)
        done = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);

    /* The client's faults go to fault_ep, through a copy with badge CLIENT_BADGE. */
    mica_process_config_t cfg = { .name = "client", .prio = 100, .fault_ep = fault_ep,
                                  .fault_badge = CLIENT_BADGE };
    if (!done || mica_process_create(&env, &cfg, &client) != MICA_NO_ERROR) {
        printf("pager: cannot set up: %s\n", mica_error_name(env.error));
        return;
    }
    mica_cptr_t done_in_client = mica_process_give(&client, done, MICA_CAN_WRITE, 0);

    /* The pager runs above the client: it is back in Recv before the next fault. */
    mica_thread_spawn(&env, "pager", pager, 0, 200);
    mica_process_start(&client, client_main, done_in_client, 0, 0, 0);

    mica_word_t badge;
    mica_wait(done, &badge);
    printf("root: the client is done; asking the pager to stop\n");
    mica_call_words(fault_ep, PAGER_STOP, NULL, 0, NULL, 0);
}

#ifndef MICA_BUILTIN_EXAMPLES
int main(int argc, char **argv)
{
    return mica_main(argc, argv, example_pager_root, NULL);
}
#endif
