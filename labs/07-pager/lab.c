/*
 * Lab 7: a demand pager - a user-level pager that gives a workload process
 * zero-filled pages on first touch, from a fixed budget of frames, and
 * evicts with the clock algorithm to a swap store when the budget runs out
 * (README.md says what to do; `scripts/lab 7` checks it).
 *
 *   workload  a process (its own CSpace and VSpace) that uses NPAGES pages
 *             at REGION it never mapped. Its VM faults go to the pager.
 *   pager     a thread of the root task: it receives the faults, decides
 *             which frame backs the page, maps it in the workload's VSpace
 *             and replies, which restarts the faulting access.
 *
 * The pager owns NFRAMES frames, retyped from one untyped of exactly that
 * size (the budget): it can never have more. It sees each frame's bytes
 * through a second cap to the frame mapped in its own VSpace (the frame
 * table's window), which is how it zero-fills, swaps out and swaps in.
 *
 * A frame whose reference bit is set has been used since the clock hand
 * last passed it. The machine keeps no accessed bits, so the pager makes
 * its own: clearing the bit also unmaps the page (it stays in its frame);
 * the next access to it faults, and the pager just maps it again and sets
 * the bit (a "soft" fault). Your code goes where it says TASK n.
 */
#include <stdio.h>
#include <string.h>
#include <mica/mica.h>
#include "lab.h"

#define PAGE        (1ul << MICA_PAGE_BITS)
#define NFRAMES     32                          /* the frame budget */
#define BUDGET_BITS (MICA_PAGE_BITS + 5)        /* 2^5 = 32 frames' worth of untyped */
#define REGION      0x20000000ul                /* the workload's pages */
#define NPAGES      272
#define WORDS       (PAGE / sizeof(mica_word_t))
#define STOP        1                           /* the root's request to the pager (badge 0) */
#define WORKLOAD    1                           /* the badge of the workload's fault endpoint */

/* The frame table: one entry per frame of the budget. */
typedef struct frame {
    mica_cptr_t cap;            /* the cap the pager maps into the workload */
    mica_cptr_t window_cap;     /* a copy, mapped in the pager's own VSpace at data */
    unsigned char *data;        /* the frame's bytes, as the pager sees them */
    long page;                  /* the workload page it holds, -1 if free */
    int referenced;             /* used since the clock hand last passed */
} frame_t;

/* What the pager knows of each workload page. */
enum { PAGE_NEW, PAGE_RESIDENT, PAGE_SWAPPED };
typedef struct page_info {
    int state;                  /* never touched, in a frame, or in the swap store */
    int frame;                  /* PAGE_RESIDENT: its frame */
} page_info_t;

static mica_env_t env;
static mica_process_t workload;
static mica_cptr_t fault_ep, done_ntfn, go_ntfn;
static frame_t frames[NFRAMES];
static page_info_t pages[NPAGES];
static __attribute__((unused)) unsigned clock_hand;
static __attribute__((unused)) unsigned char swap_store[NPAGES][PAGE];  /* swap slot p holds page p */
static struct { long faults, zero_fills, swap_ins, swap_outs, soft, unmaps; } stats;

/* Map frame f at page p of the workload (read-write). */
static void map_page(long p, frame_t *f)
{
    mica_error_t e = mica_user_map(&env, workload.vspace, REGION + (mica_word_t)p * PAGE, f->cap,
                                   MICA_READ_WRITE);
    if (e != MICA_NO_ERROR) {
        /* The workload would fault on this page for ever: stop here and say why. */
        printf("pager: cannot map page %ld: %s\n", p, mica_env_error_text(&env));
        lab_fact("map_failed_page", p);
        lab_fact("map_failed_error", e);
        mica_debug_halt();
    }
}

/* Remove frame f's mapping from the workload (harmless if it has none). */
static __attribute__((unused)) void unmap_frame(frame_t *f)
{
    mica_page_unmap(f->cap);
    stats.unmaps++;
}

/*
 * TASK 1: the frame table. Retype the budget untyped into NFRAMES frames
 * (mica_untyped_retype into NFRAMES consecutive empty slots: mica_env_slots),
 * and for each frame i fill frames[i]: cap; window_cap, a copy of it
 * (mica_cnode_copy) mapped read-write in the pager's own VSpace
 * (MICA_CAP_INIT_VSPACE, at addresses from mica_env_vaddr, with
 * mica_user_map); data, that address as a pointer (mica_vaddr_to_ptr);
 * page = -1 (free); referenced = 0.
 */
static void frame_table_init(mica_cptr_t budget)
{
    //@ solution 1
    mica_cptr_t caps = mica_env_slots(&env, NFRAMES);
    mica_word_t window = mica_env_vaddr(&env, NFRAMES);
    mica_untyped_retype(budget, MICA_FRAME_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0, caps, NFRAMES);
    for (unsigned i = 0; i < NFRAMES; i++) {
        frames[i].cap = caps + i;
        frames[i].window_cap = mica_env_slot(&env);
        mica_cnode_copy(MICA_CAP_INIT_CNODE, frames[i].window_cap, MICA_WORD_BITS,
                        MICA_CAP_INIT_CNODE, frames[i].cap, MICA_WORD_BITS, MICA_ALL_RIGHTS);
        mica_user_map(&env, MICA_CAP_INIT_VSPACE, window + i * PAGE, frames[i].window_cap,
                      MICA_READ_WRITE);
        frames[i].data = mica_vaddr_to_ptr(window + i * PAGE);
        frames[i].page = -1;
        frames[i].referenced = 0;
    }
    //@ starter 1
    (void)budget;
    lab_todo(1, "retype the budget untyped into NFRAMES frames and map a copy of each in the "
                "pager's VSpace (frame_table_init)");
    //@ end
}

/*
 * TASK 2: the first touch of page p. f is a free frame (page -1) but not
 * necessarily a clean one: it may hold an evicted page's bytes. Zero-fill
 * it, record that f holds p (f->page, f->referenced = 1) and that p is
 * resident in f (pages[p]), and map it in the workload (map_page).
 */
static void first_touch(long p, frame_t *f)
{
    //@ solution 2
    memset(f->data, 0, PAGE);
    f->page = p;
    f->referenced = 1;
    pages[p].state = PAGE_RESIDENT;
    pages[p].frame = (int)(f - frames);
    map_page(p, f);
    //@ starter 2
    (void)p; (void)f;
    lab_todo(2, "zero-fill the frame, record it in the frame table and map it (first_touch)");
    //@ wrong no-zero-fill 2
    f->page = p;
    f->referenced = 1;
    pages[p].state = PAGE_RESIDENT;
    pages[p].frame = (int)(f - frames);
    map_page(p, f);
    //@ end
    stats.zero_fills++;
}

/*
 * TASK 3a: no frame is free: choose a victim with the clock algorithm.
 * Look at frames[clock_hand] and advance the hand (modulo NFRAMES). A frame
 * with its reference bit set gets a second chance: clear the bit and unmap
 * the page (unmap_frame: it stays in the frame, and its next access is a
 * soft fault that sets the bit again). The first frame found with the bit
 * clear is the victim: unmap it, copy its bytes to the swap store
 * (swap_store[page]), mark its page PAGE_SWAPPED, set f->page = -1 and
 * return it.
 */
static frame_t *evict(void)
{
    //@ solution 3
    for (;;) {
        frame_t *f = &frames[clock_hand];
        clock_hand = (clock_hand + 1) % NFRAMES;
        unmap_frame(f);
        if (f->referenced) {
            f->referenced = 0;
            continue;
        }
        memcpy(swap_store[f->page], f->data, PAGE);
        pages[f->page].state = PAGE_SWAPPED;
        f->page = -1;
        stats.swap_outs++;
        return f;
    }
    //@ starter 3
    lab_todo(3, "the frames are all in use: evict one with the clock algorithm (evict)");
    //@ wrong fifo 3
    frame_t *f = &frames[clock_hand];
    clock_hand = (clock_hand + 1) % NFRAMES;
    unmap_frame(f);
    memcpy(swap_store[f->page], f->data, PAGE);
    pages[f->page].state = PAGE_SWAPPED;
    f->page = -1;
    stats.swap_outs++;
    return f;
    //@ wrong no-swap-out 3
    for (;;) {
        frame_t *f = &frames[clock_hand];
        clock_hand = (clock_hand + 1) % NFRAMES;
        unmap_frame(f);
        if (f->referenced) {
            f->referenced = 0;
            continue;
        }
        pages[f->page].state = PAGE_SWAPPED;
        f->page = -1;
        stats.swap_outs++;
        return f;
    }
    //@ wrong over-budget 3
    static frame_t extra[NPAGES];           /* no eviction: a fresh frame for every page */
    static unsigned nextra;
    frame_t *f = &extra[nextra++];
    f->cap = mica_env_make(&env, MICA_FRAME_OBJECT, 0);
    f->window_cap = mica_env_slot(&env);
    mica_cnode_copy(MICA_CAP_INIT_CNODE, f->window_cap, MICA_WORD_BITS, MICA_CAP_INIT_CNODE,
                    f->cap, MICA_WORD_BITS, MICA_ALL_RIGHTS);
    mica_word_t va = mica_env_vaddr(&env, 1);
    mica_user_map(&env, MICA_CAP_INIT_VSPACE, va, f->window_cap, MICA_READ_WRITE);
    f->data = mica_vaddr_to_ptr(va);
    f->page = -1;
    return f;
    //@ wrong no-unmap 3
    for (;;) {
        frame_t *f = &frames[clock_hand];
        clock_hand = (clock_hand + 1) % NFRAMES;
        if (f->referenced) {
            f->referenced = 0;
            continue;
        }
        memcpy(swap_store[f->page], f->data, PAGE);
        pages[f->page].state = PAGE_SWAPPED;
        f->page = -1;
        stats.swap_outs++;
        return f;
    }
    //@ end
}

/*
 * TASK 3b: page p was evicted earlier; bring it back into the free frame
 * f: copy its bytes from the swap store, record f and p as in first_touch
 * (referenced = 1), and map it.
 */
static void swap_in(long p, frame_t *f)
{
    //@ solution 3
    memcpy(f->data, swap_store[p], PAGE);
    f->page = p;
    f->referenced = 1;
    pages[p].state = PAGE_RESIDENT;
    pages[p].frame = (int)(f - frames);
    map_page(p, f);
    //@ starter 3
    (void)p; (void)f;
    lab_todo(3, "bring an evicted page back from the swap store (swap_in)");
    //@ end
    stats.swap_ins++;
}

/* --- the pager's loop (given) ------------------------------------------------------ */

static frame_t *frame_free(void)
{
    for (unsigned i = 0; i < NFRAMES; i++)
        if (frames[i].page < 0)
            return &frames[i];
    return NULL;
}

static void handle_fault(long p)
{
    stats.faults++;
    if (pages[p].state == PAGE_RESIDENT) {      /* unmapped by the clock hand: a soft fault */
        frame_t *f = &frames[pages[p].frame];
        f->referenced = 1;
        map_page(p, f);
        stats.soft++;
        return;
    }
    frame_t *f = frame_free();
    if (!f)
        f = evict();
    if (pages[p].state == PAGE_SWAPPED)
        swap_in(p, f);
    else
        first_touch(p, f);
}

static void pager(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(fault_ep, &badge);
    for (;;) {
        if (badge == 0 && mica_msginfo_get_label(info) == STOP) {
            mica_reply(mica_msginfo_new(0, 0, 0, 0));
            return;
        }
        mica_fault_t f = mica_fault_decode(info, badge);
        if (f.kind != MICA_FAULT_VM || f.badge != WORKLOAD || f.addr < REGION ||
            f.addr >= REGION + NPAGES * PAGE) {
            printf("pager: fault %lu at 0x%lx is not mine to fix\n", (unsigned long)f.kind,
                   (unsigned long)f.addr);
            info = mica_recv(fault_ep, &badge);     /* no reply: that thread stays stopped */
            continue;
        }
        handle_fault((long)((f.addr - REGION) / PAGE));
        info = mica_reply_recv(fault_ep, mica_msginfo_new(0, 0, 0, 0), &badge);
    }
}

/* --- the workload (given): its accesses, page by page ------------------------------ */

static mica_word_t pattern(mica_word_t p, mica_word_t i)
{
    return (p * WORDS + i) * 2654435761ul ^ 0x5eedul;
}

static struct { mica_word_t nonzero_a, sum_a, nonzero_b, sum_b, fresh_nonzero; } seen;

/* Page p: count its non-zero words, then fill it with its pattern. */
static mica_word_t fill(volatile mica_word_t *mem, mica_word_t p)
{
    mica_word_t nonzero = 0;
    for (mica_word_t i = 0; i < WORDS; i++)
        nonzero += mem[p * WORDS + i] != 0;
    for (mica_word_t i = 0; i < WORDS; i++)
        mem[p * WORDS + i] = pattern(p, i);
    return nonzero;
}

static mica_word_t sum(volatile mica_word_t *mem, mica_word_t p)
{
    mica_word_t s = 0;
    for (mica_word_t i = 0; i < WORDS; i++)
        s += mem[p * WORDS + i] * (i + 1);
    return s;
}

static void workload_main(mica_word_t done, mica_word_t go, mica_word_t r2, mica_word_t r3)
{
    (void)r2; (void)r3;
    volatile mica_word_t *mem = mica_vaddr_to_ptr(REGION);
    mica_word_t badge;
    /* Phase A: 16 pages, fewer than the budget. */
    for (mica_word_t p = 0; p < 16; p++)
        seen.nonzero_a += fill(mem, p);
    for (mica_word_t p = 0; p < 16; p++)
        seen.sum_a += sum(mem, p);
    mica_signal(done);
    mica_wait(go, &badge);
    /* Phase B: 256 pages, 8 times the budget. */
    for (mica_word_t p = 16; p < 256; p++)
        seen.nonzero_b += fill(mem, p);
    for (mica_word_t round = 0; round < 16; round++) {      /* a hot set and a cold stream */
        for (mica_word_t h = 0; h < 4; h++)
            seen.sum_b += mem[h * WORDS];
        for (mica_word_t c = 0; c < 8; c++)
            seen.sum_b += mem[(100 + round * 8 + c) * WORDS];
    }
    for (mica_word_t p = 0; p < 256; p++)
        seen.sum_b += sum(mem, p);
    for (mica_word_t p = 256; p < NPAGES; p++)              /* first touches, frames reused */
        for (mica_word_t i = 0; i < WORDS; i++)
            seen.fresh_nonzero += mem[p * WORDS + i] != 0;
    mica_signal(done);
}

static mica_word_t expect_sum_a(void)
{
    mica_word_t s = 0;
    for (mica_word_t p = 0; p < 16; p++)
        for (mica_word_t i = 0; i < WORDS; i++)
            s += pattern(p, i) * (i + 1);
    return s;
}

static mica_word_t expect_sum_b(void)
{
    mica_word_t s = 0;
    for (mica_word_t round = 0; round < 16; round++) {
        for (mica_word_t h = 0; h < 4; h++)
            s += pattern(h, 0);
        for (mica_word_t c = 0; c < 8; c++)
            s += pattern(100 + round * 8 + c, 0);
    }
    for (mica_word_t p = 0; p < 256; p++)
        for (mica_word_t i = 0; i < WORDS; i++)
            s += pattern(p, i) * (i + 1);
    return s;
}

static void frame_facts(const char *when)
{
    char key[64];
    long free_frames = 0, framed = 0;
    for (unsigned i = 0; i < NFRAMES; i++) {
        free_frames += frames[i].page < 0;
        framed += mica_debug_cap_identify(frames[i].cap) == MICA_CAP_TYPE_FRAME;
    }
    snprintf(key, sizeof key, "%s_free_frames", when);
    lab_fact(key, free_frames);
    snprintf(key, sizeof key, "%s_frame_caps", when);
    lab_fact(key, framed);
}

static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_init(&env, bi);
    mica_cptr_t budget = mica_env_make(&env, MICA_UNTYPED_OBJECT, BUDGET_BITS);
    fault_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    done_ntfn = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    go_ntfn = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    mica_process_config_t cfg = { .name = "workload", .prio = 100, .fault_ep = fault_ep,
                                  .fault_badge = WORKLOAD };
    if (!budget || !go_ntfn || mica_process_create(&env, &cfg, &workload) != MICA_NO_ERROR) {
        printf("lab: cannot set up: %s\n", mica_env_error_text(&env));
        return;
    }
    mica_cptr_t done_w = mica_process_give(&workload, done_ntfn, MICA_CAN_WRITE, 0);
    mica_cptr_t go_w = mica_process_give(&workload, go_ntfn, MICA_CAN_READ, 0);

    lab_task(1);
    frame_table_init(budget);
    frame_facts("init");
    /* The frame table's own check: every frame reachable through its window. Leaves the
     * frames dirty, as frames that held other pages would be. */
    long window_ok = 0;
    for (unsigned i = 0; i < NFRAMES; i++) {
        if (!frames[i].data)
            continue;
        memset(frames[i].data, 0xa0 + (int)i, PAGE);
        window_ok += frames[i].data[PAGE - 1] == (unsigned char)(0xa0 + i);
    }
    lab_fact("window_ok", window_ok);
    mica_thread_spawn(&env, "pager", pager, 0, 200);
    lab_usage("ready");

    lab_task(2);
    mica_process_start(&workload, workload_main, done_w, go_w, 0, 0);
    mica_word_t badge;
    mica_wait(done_ntfn, &badge);
    lab_fact("a_faults", stats.faults);
    lab_fact("a_nonzero", (long long)seen.nonzero_a);
    lab_fact("a_sum_ok", seen.sum_a == expect_sum_a());
    frame_facts("a");
    lab_usage("a");

    lab_task(3);
    mica_signal(go_ntfn);
    mica_wait(done_ntfn, &badge);
    lab_fact("b_faults", stats.faults);
    lab_fact("b_soft", stats.soft);
    lab_fact("b_nonzero", (long long)seen.nonzero_b);
    lab_fact("b_fresh_nonzero", (long long)seen.fresh_nonzero);
    lab_fact("b_sum_ok", seen.sum_b == expect_sum_b());
    lab_fact("swap_outs", stats.swap_outs);
    lab_fact("swap_ins", stats.swap_ins);
    frame_facts("b");
    lab_usage("b");
    printf("pager: %ld faults: %ld zero-filled, %ld swapped in, %ld soft; %ld swapped out\n",
           stats.faults, stats.zero_fills, stats.swap_ins, stats.soft, stats.swap_outs);
    mica_call(fault_ep, mica_msginfo_new(STOP, 0, 0, 0));
}

LAB_MAIN(root)
