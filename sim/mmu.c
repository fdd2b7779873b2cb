/*
 * mmu.c - per-VSpace host windows.
 *
 * Each VSpace owns a 1 GiB window of host address space reserved with
 * PROT_NONE; mapping a frame maps that frame's bytes of the physical-memory
 * memfd at window + vaddr with the mapping's protection, so two VSpaces that
 * map one frame share its bytes and an unmapped access traps. Windows are
 * found by VSpace paddr through a table indexed by paddr >> 12.
 *
 * A shadow remembers what hw_map/hw_unmap did to each window, so that the
 * invariant checker can compare the host with the kernel's page tables
 * (hw_window_probe) without asking Linux. It has the kernel's geometry:
 *
 *   shadow_roots[window]  512 records, one per 2 MiB (reserved, untouched
 *                         until the window maps something)
 *     record: 0 | paddr|rights<<2|REC_LARGE (a 2 MiB frame) | leaf<<12|REC_LEAF
 *   leaves[leaf]          512 records of 4 KiB frames: paddr|rights<<2|REC_PAGE
 *
 * Leaves come from a pool with one leaf per 4 KiB of physical memory - as
 * many as there could be page tables - so the shadow never allocates after
 * boot and costs what the kernel's own paging structures cost.
 *
 * Every table here is sized by physical memory but touched only as far as
 * it is used (fresh leaves are handed out in order, the live windows are
 * listed), so a 64 GiB machine costs no more to set up and tear down than a
 * small one (its teardown once walked all 16 million window records).
 *
 * Device frames (paddr at or above the device base, past RAM) are never
 * host memory: hw_map leaves their pages of the window inaccessible and
 * only the shadow records them, so every access of task code traps and the
 * trap path (mmio.c) finds the device frame here and performs the access
 * on the device model.
 *
 * Host mappings (limits.c): a window is one Linux mapping (VMA) per run of
 * pages Linux keeps together - unmapped pages side by side, or mapped pages
 * whose physical addresses follow each other with the same protection -
 * so it uses 1 + (the boundaries between neighbouring pages that differ).
 * A map or unmap changes only the boundaries inside its range and at its
 * two ends, which the shadow tells; the window's count is booked with
 * limits.c before the host is asked, so that the process never reaches
 * vm.max_map_count, where even an unmap can fail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "sim.h"

#define WINDOW_BYTES (1ul << MMU_WINDOW_BITS)
#define SHADOW_ENTRIES 512ul
#define SHADOW_BYTES (SHADOW_ENTRIES * sizeof(hw_word_t))

#define REC_PAGE  1ul
#define REC_LARGE 2ul
#define REC_LEAF  3ul
#define REC_KIND(r) ((r) & 3ul)
#define REC_RIGHTS(r) (((r) >> 2) & 3u)
#define REC_ADDR(r) ((r) & ~0xffful)

struct window {
    unsigned char *base;    /* NULL = no live VSpace here */
    hw_word_t generation;
    hw_word_t mappings;     /* shadow records of frames (4 KiB and 2 MiB) */
    hw_word_t nleaves;      /* shadow leaves it holds */
    uint32_t live_pos;      /* with base: its index in live[] */
    hw_word_t vmas;         /* host mappings it uses, as booked with limits.c */
};

static struct window *windows;     /* indexed by vspace paddr >> 12 */
static size_t nwindows;
static hw_word_t next_generation;
static hw_word_t *shadow_roots;    /* nwindows * SHADOW_ENTRIES */
static hw_word_t *leaves;          /* nwindows * SHADOW_ENTRIES; leaf 0 is never used */
static uint32_t *free_leaves;      /* stack of leaf numbers given back */
static size_t nfree_leaves;
static size_t next_fresh_leaf;     /* leaves from here to nwindows - 1 were never used */
static uint32_t *live;             /* indices of the windows with a base */
static size_t nlive;
static hw_word_t device_base;      /* device memory from here up: never mapped from the memfd */

static void *reserve(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int mmu_init(size_t phys_bytes, size_t ram_bytes)
{
    device_base = ram_bytes;
    nwindows = phys_bytes >> 12;
    windows = calloc(nwindows, sizeof *windows);
    free_leaves = calloc(nwindows, sizeof *free_leaves);
    live = calloc(nwindows, sizeof *live);
    shadow_roots = reserve(nwindows * SHADOW_BYTES);
    leaves = reserve(nwindows * SHADOW_BYTES);
    next_generation = 1;
    if (!windows || !free_leaves || !live || !shadow_roots || !leaves) {
        mmu_destroy();
        return -ENOMEM;
    }
    nfree_leaves = 0;
    next_fresh_leaf = 1;
    nlive = 0;
    return 0;
}

void mmu_destroy(void)
{
    for (size_t i = 0; windows && i < nlive; i++)
        munmap(windows[live[i]].base, WINDOW_BYTES);
    if (shadow_roots)
        munmap(shadow_roots, nwindows * SHADOW_BYTES);
    if (leaves)
        munmap(leaves, nwindows * SHADOW_BYTES);
    free(windows);
    free(free_leaves);
    free(live);
    windows = NULL;
    free_leaves = NULL;
    live = NULL;
    shadow_roots = leaves = NULL;
    nwindows = nfree_leaves = next_fresh_leaf = nlive = 0;
}

static struct window *window_of(hw_word_t vspace)
{
    size_t i = vspace >> 12;
    return windows && i < nwindows ? &windows[i] : NULL;
}

static hw_word_t *shadow_root(struct window *w)
{
    return shadow_roots + (size_t)(w - windows) * SHADOW_ENTRIES;
}

static hw_word_t *leaf(hw_word_t rec)
{
    return leaves + (REC_ADDR(rec) >> 12) * SHADOW_ENTRIES;
}

/* Forget everything the window had mapped; the memory goes back to the host. */
static void shadow_clear(struct window *w)
{
    if (w->mappings == 0 && w->nleaves == 0)
        return;     /* nothing was ever recorded: the root page is still untouched */
    hw_word_t *root = shadow_root(w);
    for (size_t i = 0; i < SHADOW_ENTRIES; i++) {
        if (REC_KIND(root[i]) == REC_LEAF) {
            madvise(leaf(root[i]), SHADOW_BYTES, MADV_DONTNEED);
            free_leaves[nfree_leaves++] = (uint32_t)(REC_ADDR(root[i]) >> 12);
        }
    }
    madvise(root, SHADOW_BYTES, MADV_DONTNEED);     /* reads as zero again */
    w->mappings = 0;
    w->nleaves = 0;
}

/* Enter w in, or take it out of, the list of windows with a base. */
static void live_add(struct window *w)
{
    w->live_pos = (uint32_t)nlive;
    live[nlive++] = (uint32_t)(w - windows);
}

static void live_remove(struct window *w)
{
    uint32_t last = live[--nlive];
    live[w->live_pos] = last;
    windows[last].live_pos = w->live_pos;
}

hw_word_t mmu_device_base(void)
{
    return device_base;
}

void *mmu_window(hw_word_t vspace)
{
    struct window *w = window_of(vspace);
    return w ? w->base : NULL;
}

/* The window goes back to the host, with the mappings it used. */
static void window_release(struct window *w)
{
    munmap(w->base, WINDOW_BYTES);
    w->base = NULL;
    live_remove(w);
    limits_adjust_maps(-(long)w->vmas);
    w->vmas = 0;
    shadow_clear(w);
}

hw_word_t hw_vspace_create(hw_word_t vspace)
{
    struct window *w = window_of(vspace);
    if (!w) {
        sim_refuse("a VSpace at 0x%lx is outside physical memory", (unsigned long)vspace);
        return 0;
    }
    if (w->base)
        window_release(w);
    shadow_clear(w);
    if (limits_take_maps(1, "a VSpace's address-space window") != 0)
        return 0;
    void *p = mmap(NULL, WINDOW_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        sim_refuse("the host refused a %lu MiB address-space window for a VSpace (mmap: %s)",
                   WINDOW_BYTES >> 20, strerror(errno));
        limits_adjust_maps(-1);
        return 0;
    }
    w->base = p;
    w->vmas = 1;
    live_add(w);
    w->generation = next_generation++;
    return w->generation;
}

hw_word_t hw_vspace_generation(hw_word_t vspace)
{
    struct window *w = window_of(vspace);
    return w && w->base ? w->generation : 0;
}

void hw_vspace_destroy(hw_word_t vspace)
{
    struct window *w = window_of(vspace);
    if (w && w->base)
        window_release(w);
}

/* Record (or with rec 0, forget) what is mapped at vaddr; false if the shadow has no room. */
static int shadow_set(struct window *w, hw_word_t vaddr, unsigned size_bits, hw_word_t rec)
{
    hw_word_t *r = &shadow_root(w)[(vaddr >> 21) & (SHADOW_ENTRIES - 1)];
    if (size_bits != 12) {
        if (REC_KIND(*r) == REC_LEAF) {
            /* The 2 MiB region goes: the frames under it go with it. */
            hw_word_t *l = leaf(*r);
            for (size_t i = 0; i < SHADOW_ENTRIES; i++)
                w->mappings -= l[i] != 0;
            madvise(l, SHADOW_BYTES, MADV_DONTNEED);
            free_leaves[nfree_leaves++] = (uint32_t)(REC_ADDR(*r) >> 12);
            w->nleaves--;
            *r = 0;
        }
        w->mappings += (rec != 0) - (*r != 0);
        *r = rec;
        return 1;
    }
    if (REC_KIND(*r) != REC_LEAF) {
        if (!rec)
            return 1;
        if (*r != 0 || (nfree_leaves == 0 && next_fresh_leaf >= nwindows))
            return 0;
        size_t l = nfree_leaves ? free_leaves[--nfree_leaves] : next_fresh_leaf++;
        *r = ((hw_word_t)l << 12) | REC_LEAF;
        w->nleaves++;
    }
    hw_word_t *e = &leaf(*r)[(vaddr >> 12) & (SHADOW_ENTRIES - 1)];
    w->mappings += (rec != 0) - (*e != 0);
    *e = rec;
    return 1;
}

/* Would shadow_set find room for rec at vaddr (a leaf for a 4 KiB page)? */
static int shadow_room(struct window *w, hw_word_t vaddr, unsigned size_bits, hw_word_t rec)
{
    hw_word_t r = shadow_root(w)[(vaddr >> 21) & (SHADOW_ENTRIES - 1)];
    if (size_bits != 12 || !rec || REC_KIND(r) == REC_LEAF)
        return 1;
    return r == 0 && (nfree_leaves > 0 || next_fresh_leaf < nwindows);
}

/* One 4 KiB page of a window as the host has it: unmapped, or a protection and a paddr. */
typedef struct page {
    int prot;               /* -1: unmapped; else the host protection (0 none, 1 R, 2 RW) */
    hw_word_t paddr;
} page_t;

static page_t rec_page(hw_word_t rec, hw_word_t offset)
{
    unsigned rights = REC_RIGHTS(rec);
    page_t p = { -1, 0 };
    if (rec && REC_ADDR(rec) < device_base) {     /* a device frame is no host memory: as unmapped */
        p.prot = rights & 1 ? 2 : rights & 2 ? 1 : 0;  /* hw_map's prot: W implies R */
        p.paddr = REC_ADDR(rec) + offset;
    }
    return p;
}

static page_t page_at(struct window *w, hw_word_t vaddr)
{
    if (w->mappings == 0 && w->nleaves == 0)
        return rec_page(0, 0);
    hw_word_t r = shadow_root(w)[(vaddr >> 21) & (SHADOW_ENTRIES - 1)];
    if (REC_KIND(r) == REC_LARGE)
        return rec_page(r, vaddr & ((1ul << 21) - 1));
    if (REC_KIND(r) == REC_LEAF)
        return rec_page(leaf(r)[(vaddr >> 12) & (SHADOW_ENTRIES - 1)], 0);
    return rec_page(0, 0);
}

/* Do pages a and b (b right above a) fall in different host mappings? */
static int differ(page_t a, page_t b)
{
    if (a.prot != b.prot)
        return 1;
    return a.prot >= 0 && b.paddr != a.paddr + 4096;
}

/* How the window's host mappings change when rec (0: nothing) replaces its range. */
static long runs_delta(struct window *w, hw_word_t vaddr, unsigned size_bits, hw_word_t rec)
{
    hw_word_t bytes = 1ul << size_bits, end = vaddr + bytes;
    page_t first = page_at(w, vaddr), prev = first;
    long before = 0, after = 0;
    for (hw_word_t a = vaddr + 4096; a < end; a += 4096) {
        page_t p = page_at(w, a);
        before += differ(prev, p);
        prev = p;
    }
    if (vaddr > 0) {
        page_t left = page_at(w, vaddr - 4096);
        before += differ(left, first);
        after += differ(left, rec_page(rec, 0));
    }
    if (end < WINDOW_BYTES) {
        page_t right = page_at(w, end);
        before += differ(prev, right);
        after += differ(rec_page(rec, bytes - 4096), right);
    }
    return after - before;
}

int hw_map(hw_word_t vspace, hw_word_t vaddr, hw_word_t paddr, unsigned size_bits, unsigned rights)
{
    struct window *w = window_of(vspace);
    if (!w || !w->base) {
        sim_refuse("the VSpace has no host address-space window (the host refused it when the "
                   "VSpace was made)");
        return -1;
    }
    if (vaddr + (1ul << size_bits) > WINDOW_BYTES || size_bits > 21) {
        sim_refuse("vaddr 0x%lx/2^%u lies outside the VSpace's host window (2^%u bytes)",
                   (unsigned long)vaddr, size_bits, MMU_WINDOW_BITS);
        return -1;
    }
    hw_word_t rec = paddr | (hw_word_t)(rights & 3u) << 2 | (size_bits == 12 ? REC_PAGE : REC_LARGE);
    if (!shadow_room(w, vaddr, size_bits, rec)) {
        sim_refuse("the simulator's record of host mappings has no room at 0x%lx",
                   (unsigned long)vaddr);
        return -1;
    }
    long delta = runs_delta(w, vaddr, size_bits, rec);
    if (delta > 0 && limits_take_maps((hw_word_t)delta, "a frame mapping") != 0)
        return -1;
    int prot = (rights & 2 ? PROT_READ : 0) | (rights & 1 ? PROT_WRITE | PROT_READ : 0);
    void *p;
    if (paddr >= device_base)   /* device frame: inaccessible, so that every access traps */
        p = mmap(w->base + vaddr, 1ul << size_bits, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
    else
        p = mmap(w->base + vaddr, 1ul << size_bits, prot, MAP_SHARED | MAP_FIXED, physmem_fd(),
                 (off_t)paddr);
    if (p == MAP_FAILED) {
        int e = errno;
        if (delta > 0)
            limits_adjust_maps(-delta);
        if (e == ENOMEM)
            sim_refuse("the host refused to map a frame (mmap: %s): the process has reached "
                       "vm.max_map_count or its address-space limit", strerror(e));
        else
            sim_refuse("the host refused to map a frame (mmap: %s)", strerror(e));
        return -1;
    }
    shadow_set(w, vaddr, size_bits, rec);
    if (delta < 0)
        limits_adjust_maps(delta);
    w->vmas += (hw_word_t)delta;
    return 0;
}

/*
 * The range becomes unmapped whatever the budget says (an unmap may split a
 * run of pages in two, and the reserve of limits.c is there for it). If the
 * host refuses even that, the pages are made inaccessible in place.
 */
void hw_unmap(hw_word_t vspace, hw_word_t vaddr, unsigned size_bits)
{
    struct window *w = window_of(vspace);
    if (!w || !w->base || vaddr >= WINDOW_BYTES)
        return;
    long delta = runs_delta(w, vaddr, size_bits, 0);
    void *p = mmap(w->base + vaddr, 1ul << size_bits, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED && mprotect(w->base + vaddr, 1ul << size_bits, PROT_NONE) != 0)
        fprintf(stderr, "mica: the host refused to unmap 0x%lx of a VSpace (%s): a task may "
                "still reach that memory\n", (unsigned long)vaddr, strerror(errno));
    shadow_set(w, vaddr, size_bits, 0);
    limits_adjust_maps(delta);
    w->vmas += (hw_word_t)delta;
}

int hw_window_probe(hw_word_t vspace, hw_word_t vaddr, hw_window_entry_t *e)
{
    struct window *w = window_of(vspace);
    memset(e, 0, sizeof *e);
    if (!w || !w->base)
        return -1;
    e->mappings = w->mappings;
    if (vaddr >= WINDOW_BYTES || (w->mappings == 0 && w->nleaves == 0))
        return 0;
    hw_word_t r = shadow_root(w)[(vaddr >> 21) & (SHADOW_ENTRIES - 1)];
    if (REC_KIND(r) == REC_LEAF)
        r = leaf(r)[(vaddr >> 12) & (SHADOW_ENTRIES - 1)];
    if (r == 0)
        return 0;
    e->size_bits = REC_KIND(r) == REC_LARGE ? 21 : 12;
    e->paddr = REC_ADDR(r);
    e->rights = REC_RIGHTS(r);
    return 0;
}
