/*
 * mmu.c - VSpaces as sparse sets of host windows.
 *
 * A VSpace's user addresses [0, 2^47) are cut into 1 GiB regions (region =
 * vaddr >> 30). Its host memory is one window per region it uses: 1 GiB of
 * host address space reserved with PROT_NONE when the first mapping lands
 * in the region, and given back with the last. Mapping a frame maps that
 * frame's bytes of the physical-memory memfd at window + (vaddr & 1 GiB-1)
 * with the mapping's protection, so two VSpaces that map one frame share
 * its bytes and an unmapped access traps.
 *
 * Placement. Windows lie in slots of an arena of host addresses that
 * nothing else in the process uses (ARENA_LO .. ARENA_HI, above where
 * Linux puts the program and its heap, below the shared libraries and the
 * sanitizers' allocator). Slot k holds its window at ARENA_LO + k * 2 GiB +
 * 1 GiB, so two windows always have at least 1 GiB of unmapped host memory
 * between them: a pointer run past the end of a buffer, by as much as a
 * whole window, lands in no window and faults, rather than in another
 * VSpace's memory. The slot is chosen at random (mmap with MAP_FIXED_NOREPLACE;
 * another at random if something of the process is there). The placement
 * generator is seeded from a constant and the process id, not from the
 * simulation's seed: where a window lies is host detail that no API call,
 * trace or log shows (mica_vaddr_to_ptr gives pointers, never addresses in
 * the trace), so runs stay reproducible while layouts differ between
 * processes; every run in one process continues the same stream.
 *
 * A window handed out as a pointer (mica_vaddr_to_ptr, a thread's stack
 * in its VSpace) is pinned: it stays, mappings or not, until its VSpace is
 * destroyed, so that the pointer keeps meaning that vaddr - an access to an
 * unmapped page through it is a VM fault, retried when the handler has
 * mapped it.
 *
 * Look-ups go both ways, each through a sorted array of the live windows
 * (binary search; a one-entry cache in front for the common case of one
 * window used over and over):
 *   by_key   (VSpace, region) -> window   hw_map, mica_vaddr_to_ptr
 *   by_host  host address -> window       the SIGSEGV path (trap.c)
 *
 * A shadow remembers what hw_map/hw_unmap did to each window, so that the
 * invariant checker can compare the host with the kernel's page tables
 * (hw_window_probe) without asking Linux:
 *
 *   win.huge              a 1 GiB frame filling the window: paddr|rights<<2|REC_HUGE
 *   shadow_roots[window]  512 records, one per 2 MiB (reserved, untouched
 *                         until the window maps something)
 *     record: 0 | paddr|rights<<2|REC_LARGE (a 2 MiB frame) | leaf<<12|REC_LEAF
 *   leaves[leaf]          512 records of 4 KiB frames: paddr|rights<<2|REC_PAGE
 *
 * The window pool has one window per 4 KiB of physical memory - a region
 * with a mapping needs a page directory (or a 1 GiB frame) in the kernel,
 * so there can be no more - and leaves one per 4 KiB as well, so the
 * machine never allocates after boot. Every table is touched only as far
 * as it is used.
 *
 * Device frames (paddr at or above the device base, past RAM) are never
 * host memory: hw_map leaves their pages of the window inaccessible and
 * only the shadow records them, so every access of task code traps and the
 * trap path (mmio.c) finds the device frame here and performs the access
 * on the device model.
 *
 * Host mappings (limits.c): a window is one Linux mapping (VMA) per run of
 * pages Linux keeps together - unmapped pages side by side, or mapped pages
 * whose physical addresses follow each other with the same protection (a
 * 32 MiB mapping of contiguous frames is one VMA) - so it uses 1 + (the
 * boundaries between neighbouring pages that differ). A map or unmap
 * changes only the boundaries inside its range and at its two ends, which
 * the shadow tells; the count is booked with limits.c before the host is
 * asked, so that the process never reaches vm.max_map_count, where even an
 * unmap can fail.
 *
 * Host refusals: hw_map changes nothing and returns -1 (the kernel answers
 * NotEnoughMemory). An unmap cannot fail for the kernel, so a host that
 * refuses one (and refuses to make the pages inaccessible instead) stops
 * the run: the stop is requested at once, and mica_run reports why and
 * returns -ENOMEM (the runner exits 71).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "sim.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define REGION_BITS 30
#define WINDOW_BYTES (1ul << REGION_BITS)
#define REGION_MASK (WINDOW_BYTES - 1)
#define SHADOW_ENTRIES 512ul
#define SHADOW_BYTES (SHADOW_ENTRIES * sizeof(hw_word_t))

#if defined(__SANITIZE_THREAD__)
#define MMU_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MMU_TSAN 1
#endif
#endif
#if defined(MMU_TSAN) && defined(__x86_64__)
/*
 * ThreadSanitizer takes 32-80 TiB for its shadow and dies at an application
 * mapping outside its own application ranges: there the windows use the
 * first 512 GiB of its high range, below the libraries and stacks.
 */
#define ARENA_LO   0x7e8000000000ul
#define ARENA_HI   0x7f0000000000ul
#else
#define ARENA_LO   0x200000000000ul     /* 32 TiB: above ASan's shadow, the program and heap */
#define ARENA_HI   0x500000000000ul     /* 80 TiB: below PIE programs, ASan's allocator, libraries */
#endif
#define SLOT_BYTES (2 * WINDOW_BYTES)
#define NSLOTS     ((ARENA_HI - ARENA_LO) / SLOT_BYTES)
#define RANDOM_TRIES 64

#define REC_PAGE  1ul
#define REC_LARGE 2ul
#define REC_LEAF  3ul
#define REC_HUGE  2ul       /* only in win.huge */
#define REC_KIND(r) ((r) & 3ul)
#define REC_RIGHTS(r) (((r) >> 2) & 3u)
#define REC_ADDR(r) ((r) & ~0xffful)

#define NONE UINT32_MAX

struct space {              /* a VSpace, indexed by its paddr >> 12 */
    hw_word_t generation;   /* 0: no live VSpace here */
    hw_word_t mappings;     /* shadow records of frames over all its windows */
    uint32_t first;         /* its windows, listed through win.next */
};

struct win {
    unsigned char *base;    /* NULL: free */
    uint32_t space, region;
    uint32_t next, prev;    /* the owner's list */
    uint32_t slot;          /* in the arena */
    int pinned;             /* a pointer into it was handed out: stays until the VSpace goes */
    hw_word_t huge;         /* a 1 GiB frame record, or 0 */
    hw_word_t mappings;     /* shadow records of frames (4 KiB, 2 MiB, 1 GiB) */
    hw_word_t nleaves;      /* shadow leaves it holds */
    hw_word_t vmas;         /* host mappings it uses, as booked with limits.c */
};

static struct space *spaces;       /* nspaces */
static size_t nspaces;
static struct win *wins;           /* nwins */
static size_t nwins;
static uint32_t *free_wins;        /* stack of free window numbers */
static size_t nfree_wins;
static uint32_t *by_key, *by_host; /* live windows, sorted; nlive */
static size_t nlive;
static uint32_t cache_key = NONE, cache_host = NONE;   /* last window found each way */
static hw_word_t next_generation;
static hw_word_t *shadow_roots;    /* nwins * SHADOW_ENTRIES */
static hw_word_t *leaves;          /* nwins * SHADOW_ENTRIES; leaf 0 is never used */
static uint32_t *free_leaves;      /* stack of leaf numbers given back */
static size_t nfree_leaves;
static size_t next_fresh_leaf;     /* leaves from here to nwins - 1 were never used */
static hw_word_t device_base;      /* device memory from here up: never mapped from the memfd */
static unsigned char slot_used[NSLOTS / 8];
static uint64_t placement_state;   /* the placement generator (splitmix64) */
static int placement_seeded;
static char host_failure[320];     /* why an unmap stopped the run, "" = none */
int mmu_refuse_unmaps;             /* tests: the host refuses every unmap (and mprotect) */

static void *reserve(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void mmu_placement_seed(uint64_t seed)
{
    placement_state = seed;
    placement_seeded = 1;
}

static uint64_t placement_next(void)
{
    uint64_t z = (placement_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int mmu_init(size_t phys_bytes, size_t ram_bytes)
{
    device_base = ram_bytes;
    nspaces = nwins = phys_bytes >> 12;
    spaces = calloc(nspaces, sizeof *spaces);
    wins = calloc(nwins, sizeof *wins);
    free_wins = calloc(nwins, sizeof *free_wins);
    free_leaves = calloc(nwins, sizeof *free_leaves);
    by_key = calloc(nwins, sizeof *by_key);
    by_host = calloc(nwins, sizeof *by_host);
    shadow_roots = reserve(nwins * SHADOW_BYTES);
    leaves = reserve(nwins * SHADOW_BYTES);
    next_generation = 1;
    if (!spaces || !wins || !free_wins || !free_leaves || !by_key || !by_host || !shadow_roots ||
        !leaves) {
        mmu_destroy();
        return -ENOMEM;
    }
    for (size_t i = 0; i < nwins; i++)
        free_wins[i] = (uint32_t)(nwins - 1 - i);      /* window 0 first */
    nfree_wins = nwins;
    nfree_leaves = 0;
    next_fresh_leaf = 1;
    nlive = 0;
    cache_key = cache_host = NONE;
    memset(slot_used, 0, sizeof slot_used);
    host_failure[0] = 0;
    if (!placement_seeded)
        mmu_placement_seed(0x6d6963612d6d6d75ull ^ ((uint64_t)getpid() << 32));
    return 0;
}

void mmu_destroy(void)
{
    for (size_t i = 0; by_host && i < nlive; i++)
        munmap(wins[by_host[i]].base, WINDOW_BYTES);
    if (shadow_roots)
        munmap(shadow_roots, nwins * SHADOW_BYTES);
    if (leaves)
        munmap(leaves, nwins * SHADOW_BYTES);
    free(spaces);
    free(wins);
    free(free_wins);
    free(free_leaves);
    free(by_key);
    free(by_host);
    spaces = NULL;
    wins = NULL;
    free_wins = free_leaves = by_key = by_host = NULL;
    shadow_roots = leaves = NULL;
    nspaces = nwins = nfree_wins = nfree_leaves = next_fresh_leaf = nlive = 0;
    cache_key = cache_host = NONE;
    mmu_refuse_unmaps = 0;
}

hw_word_t mmu_device_base(void)
{
    return device_base;
}

const char *mmu_host_failure(void)
{
    return host_failure[0] ? host_failure : NULL;
}

/* An unmap the host refused: the run stops (never a mapping that silently stays). */
static void host_stop(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void host_stop(const char *fmt, ...)
{
    if (!host_failure[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(host_failure, sizeof host_failure, fmt, ap);
        va_end(ap);
    }
    kernel_request_stop();
}

static struct space *space_of(hw_word_t vspace)
{
    size_t i = vspace >> 12;
    return spaces && i < nspaces ? &spaces[i] : NULL;
}

/* --- the two sorted arrays -------------------------------------------------- */

static uint64_t key_of(uint32_t space, uint32_t region)
{
    return (uint64_t)space << 32 | region;
}

static uint64_t win_key(uint32_t w)
{
    return key_of(wins[w].space, wins[w].region);
}

/* The first position in by_key whose key is >= k. */
static size_t key_pos(uint64_t k)
{
    size_t lo = 0, hi = nlive;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (win_key(by_key[mid]) < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The first position in by_host whose base is > addr. */
static size_t host_pos(uintptr_t addr)
{
    size_t lo = 0, hi = nlive;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uintptr_t)wins[by_host[mid]].base <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void live_insert(uint32_t w)
{
    size_t k = key_pos(win_key(w)), h = host_pos((uintptr_t)wins[w].base);
    memmove(by_key + k + 1, by_key + k, (nlive - k) * sizeof *by_key);
    by_key[k] = w;
    memmove(by_host + h + 1, by_host + h, (nlive - h) * sizeof *by_host);
    by_host[h] = w;
    nlive++;
}

static void live_remove(uint32_t w)
{
    size_t k = key_pos(win_key(w)), h = host_pos((uintptr_t)wins[w].base) - 1;
    memmove(by_key + k, by_key + k + 1, (nlive - k - 1) * sizeof *by_key);
    memmove(by_host + h, by_host + h + 1, (nlive - h - 1) * sizeof *by_host);
    nlive--;
    if (cache_key == w)
        cache_key = NONE;
    if (cache_host == w)
        cache_host = NONE;
}

/* The window of VSpace s for region, or NULL. */
static struct win *find(const struct space *s, uint32_t region)
{
    uint32_t si = (uint32_t)(s - spaces);
    uint32_t c = cache_key;
    if (c != NONE && wins[c].space == si && wins[c].region == region)
        return &wins[c];
    uint64_t k = key_of(si, region);
    size_t pos = key_pos(k);
    if (pos == nlive || win_key(by_key[pos]) != k)
        return NULL;
    cache_key = by_key[pos];
    return &wins[by_key[pos]];
}

/* The live window holding host address addr, or NULL. */
static struct win *find_host(uintptr_t addr)
{
    uint32_t c = cache_host;
    if (c != NONE && addr - (uintptr_t)wins[c].base < WINDOW_BYTES)
        return &wins[c];
    size_t pos = host_pos(addr);
    if (pos == 0)
        return NULL;
    uint32_t w = by_host[pos - 1];
    if (addr - (uintptr_t)wins[w].base >= WINDOW_BYTES)
        return NULL;
    cache_host = w;
    return &wins[w];
}

/* --- windows ------------------------------------------------------------------ */

static hw_word_t *shadow_root(const struct win *w)
{
    return shadow_roots + (size_t)(w - wins) * SHADOW_ENTRIES;
}

static hw_word_t *leaf(hw_word_t rec)
{
    return leaves + (REC_ADDR(rec) >> 12) * SHADOW_ENTRIES;
}

/* Forget everything the window had mapped; the memory goes back to the host. */
static void shadow_clear(struct win *w)
{
    w->huge = 0;
    if (w->nleaves == 0 && w->mappings == 0)
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

static int slot_is_used(size_t s)
{
    return slot_used[s / 8] >> (s % 8) & 1;
}

static void slot_set(size_t s, int used)
{
    if (used)
        slot_used[s / 8] |= (unsigned char)(1u << (s % 8));
    else
        slot_used[s / 8] &= (unsigned char)~(1u << (s % 8));
}

static unsigned char *slot_base(size_t s)
{
    return (unsigned char *)(ARENA_LO + s * SLOT_BYTES + WINDOW_BYTES);
}

/* Reserve the window of slot s; 0, or -1 with errno (EEXIST: something is there). */
static int slot_reserve(size_t s)
{
    void *want = slot_base(s);
    void *p = mmap(want, WINDOW_BYTES, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == want)
        return 0;
    if (p != MAP_FAILED) {      /* a kernel without MAP_FIXED_NOREPLACE took it as a hint */
        munmap(p, WINDOW_BYTES);
        errno = EEXIST;
    }
    return -1;
}

/*
 * Try to reserve slot t for a new window: 1 when the search is over - *slot
 * is t, or the host refused for a reason other than EEXIST (in *err) - and 0
 * to go on (t is used, or something else lies there).
 */
static int slot_try(size_t t, size_t *slot, int *err)
{
    if (slot_is_used(t))
        return 0;
    if (slot_reserve(t) == 0) {
        *slot = t;
        return 1;
    }
    *err = errno;
    return *err != EEXIST;
}

/* A fresh window for region of VSpace s: reserved, listed; NULL (sim_refuse says why). */
static struct win *win_new(struct space *s, uint32_t region)
{
    if (nfree_wins == 0) {
        sim_refuse("the simulator's table of VSpace windows is full (%zu windows)", nwins);
        return NULL;
    }
    if (limits_take_maps(1, "a VSpace's address-space window") != 0)
        return NULL;
    size_t slot = NSLOTS;
    int err = 0;
    for (int i = 0; i < RANDOM_TRIES && !slot_try(placement_next() % NSLOTS, &slot, &err); i++)
        ;
    if (slot == NSLOTS && (err == 0 || err == EEXIST)) {
        /* Crowded: every free slot, from a random one on. */
        size_t start = (size_t)(placement_next() % NSLOTS);
        for (size_t i = 0; i < NSLOTS && !slot_try((start + i) % NSLOTS, &slot, &err); i++)
            ;
    }
    if (slot == NSLOTS) {
        limits_adjust_maps(-1);
        sim_refuse("the host refused a 1 GiB address-space window for a VSpace (mmap: %s)",
                   err && err != EEXIST ? strerror(err) : "no free place left");
        return NULL;
    }
    slot_set(slot, 1);
    uint32_t wi = free_wins[--nfree_wins];
    struct win *w = &wins[wi];
    memset(w, 0, sizeof *w);
    w->base = slot_base(slot);
    w->slot = (uint32_t)slot;
    w->space = (uint32_t)(s - spaces);
    w->region = region;
    w->vmas = 1;
    w->prev = NONE;
    w->next = s->first;
    if (s->first != NONE)
        wins[s->first].prev = wi;
    s->first = wi;
    live_insert(wi);
    return w;
}

/* The window goes back to the host, with the mappings it used. */
static void win_release(struct win *w)
{
    uint32_t wi = (uint32_t)(w - wins);
    struct space *s = &spaces[w->space];
    if (mmu_refuse_unmaps || munmap(w->base, WINDOW_BYTES) != 0) {
        int e = mmu_refuse_unmaps ? ENOMEM : errno;
        errno = ENOMEM;
        if (mmu_refuse_unmaps || mprotect(w->base, WINDOW_BYTES, PROT_NONE) != 0)
            host_stop("the host refused to give back a VSpace window (munmap: %s, mprotect: %s): "
                      "its frames may still be reachable", strerror(e), strerror(errno));
        else
            host_stop("the host refused to give back a VSpace window (munmap: %s)", strerror(e));
    } else {
        slot_set(w->slot, 0);   /* a window the host kept is never handed out again */
    }
    live_remove(wi);
    if (w->prev != NONE)
        wins[w->prev].next = w->next;
    else
        s->first = w->next;
    if (w->next != NONE)
        wins[w->next].prev = w->prev;
    s->mappings -= w->mappings;
    limits_adjust_maps(-(long)w->vmas);
    shadow_clear(w);
    w->base = NULL;
    free_wins[nfree_wins++] = wi;
}

static void space_release(struct space *s)
{
    while (s->first != NONE)
        win_release(&wins[s->first]);
    s->generation = 0;
    s->mappings = 0;
}

hw_word_t hw_vspace_create(hw_word_t vspace)
{
    struct space *s = space_of(vspace);
    if (!s) {
        sim_refuse("a VSpace at 0x%lx is outside physical memory", (unsigned long)vspace);
        return 0;
    }
    if (s->generation)
        space_release(s);
    s->first = NONE;
    s->mappings = 0;
    s->generation = next_generation++;
    return s->generation;
}

hw_word_t hw_vspace_generation(hw_word_t vspace)
{
    struct space *s = space_of(vspace);
    return s ? s->generation : 0;
}

void hw_vspace_destroy(hw_word_t vspace)
{
    struct space *s = space_of(vspace);
    if (s && s->generation)
        space_release(s);
}

static struct space *live_space(hw_word_t vspace)
{
    struct space *s = space_of(vspace);
    return s && s->generation ? s : NULL;
}

void *mmu_ptr(hw_word_t vspace, hw_word_t vaddr)
{
    struct space *s = live_space(vspace);
    if (!s || vaddr >= MMU_VADDR_TOP)
        return NULL;
    uint32_t region = (uint32_t)(vaddr >> REGION_BITS);
    struct win *w = find(s, region);
    if (!w && !(w = win_new(s, region)))
        return NULL;
    w->pinned = 1;
    return w->base + (vaddr & REGION_MASK);
}

int mmu_lookup_host(uintptr_t addr, hw_word_t *vspace, hw_word_t *vaddr)
{
    struct win *w = find_host(addr);
    if (!w)
        return 0;
    *vspace = (hw_word_t)w->space << 12;
    *vaddr = ((hw_word_t)w->region << REGION_BITS) | (addr - (uintptr_t)w->base);
    return 1;
}

size_t mmu_windows(uintptr_t *bases, size_t n)
{
    for (size_t i = 0; i < n && i < nlive; i++)
        bases[i] = (uintptr_t)wins[by_host[i]].base;
    return nlive;
}

/* --- the shadow ------------------------------------------------------------- */

/* Record (or with rec 0, forget) what is mapped at offset off of the window. */
static void shadow_set(struct win *w, hw_word_t off, unsigned size_bits, hw_word_t rec)
{
    hw_word_t before = w->mappings;
    if (w->huge && size_bits != REGION_BITS) {
        /* A smaller frame replaces part of a 1 GiB one: the 1 GiB frame goes (the kernel unmaps it first). */
        w->huge = 0;
        w->mappings--;
    }
    if (size_bits == REGION_BITS) {
        if (w->nleaves || w->mappings != (w->huge != 0))
            shadow_clear(w);        /* everything smaller in the window goes */
        else
            w->mappings -= w->huge != 0;
        w->huge = rec;
        w->mappings += rec != 0;
    } else {
        hw_word_t *r = &shadow_root(w)[(off >> 21) & (SHADOW_ENTRIES - 1)];
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
        } else if (REC_KIND(*r) == REC_LEAF || rec) {
            if (REC_KIND(*r) != REC_LEAF) {     /* shadow_room made sure of a leaf */
                size_t l = nfree_leaves ? free_leaves[--nfree_leaves] : next_fresh_leaf++;
                w->mappings -= *r != 0;
                *r = ((hw_word_t)l << 12) | REC_LEAF;
                w->nleaves++;
            }
            hw_word_t *e = &leaf(*r)[(off >> 12) & (SHADOW_ENTRIES - 1)];
            w->mappings += (rec != 0) - (*e != 0);
            *e = rec;
        }
    }
    spaces[w->space].mappings += w->mappings - before;
}

/* Would shadow_set find room for rec at off (a leaf for a 4 KiB page)? */
static int shadow_room(struct win *w, hw_word_t off, unsigned size_bits, hw_word_t rec)
{
    hw_word_t r = shadow_root(w)[(off >> 21) & (SHADOW_ENTRIES - 1)];
    if (size_bits != 12 || !rec || REC_KIND(r) == REC_LEAF)
        return 1;
    return nfree_leaves > 0 || next_fresh_leaf < nwins;
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

static page_t page_at(struct win *w, hw_word_t off)
{
    if (w->huge)
        return rec_page(w->huge, off & ~0xffful);
    if (w->mappings == 0 && w->nleaves == 0)
        return rec_page(0, 0);
    hw_word_t r = shadow_root(w)[(off >> 21) & (SHADOW_ENTRIES - 1)];
    if (REC_KIND(r) == REC_LARGE)
        return rec_page(r, off & ((1ul << 21) - 1) & ~0xffful);
    if (REC_KIND(r) == REC_LEAF)
        return rec_page(leaf(r)[(off >> 12) & (SHADOW_ENTRIES - 1)], 0);
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
static long runs_delta(struct win *w, hw_word_t off, unsigned size_bits, hw_word_t rec)
{
    hw_word_t bytes = 1ul << size_bits, end = off + bytes;
    page_t first = page_at(w, off), prev = page_at(w, end - 4096);
    long before = 0, after = 0;
    if (!w->huge) {     /* a 1 GiB frame is one run: no boundary inside */
        page_t p = first;
        for (hw_word_t a = off + 4096; a < end;) {
            hw_word_t r = shadow_root(w)[(a >> 21) & (SHADOW_ENTRIES - 1)];
            if ((a & ((1ul << 21) - 1)) == 0 && a + (1ul << 21) <= end &&
                (w->nleaves == 0 || REC_KIND(r) != REC_LEAF)) {
                /* A 2 MiB frame or nothing: one run inside, only its lower edge can differ. */
                page_t q = page_at(w, a);
                before += differ(p, q);
                p = page_at(w, a + (1ul << 21) - 4096);
                a += 1ul << 21;
                continue;
            }
            page_t q = page_at(w, a);
            before += differ(p, q);
            p = q;
            a += 4096;
        }
    }
    if (off > 0) {
        page_t left = page_at(w, off - 4096);
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

/* --- the machine's interface (hw.h) ----------------------------------------- */

int hw_map(hw_word_t vspace, hw_word_t vaddr, hw_word_t paddr, unsigned size_bits, unsigned rights)
{
    struct space *s = live_space(vspace);
    if (!s) {
        sim_refuse("the VSpace at 0x%lx is not live in the machine", (unsigned long)vspace);
        return -1;
    }
    if (vaddr >= MMU_VADDR_TOP || (size_bits != 12 && size_bits != 21 && size_bits != REGION_BITS) ||
        (vaddr & ((1ul << size_bits) - 1)) || (paddr & ((1ul << size_bits) - 1))) {
        sim_refuse("a mapping of 2^%u bytes at 0x%lx is outside the machine's geometry", size_bits,
                   (unsigned long)vaddr);
        return -1;
    }
    uint32_t region = (uint32_t)(vaddr >> REGION_BITS);
    hw_word_t off = vaddr & REGION_MASK;
    struct win *w = find(s, region);
    int fresh = !w;
    if (fresh && !(w = win_new(s, region)))
        return -1;
    hw_word_t rec = paddr | (hw_word_t)(rights & 3u) << 2 | (size_bits == 12 ? REC_PAGE : REC_LARGE);
    if (!shadow_room(w, off, size_bits, rec)) {
        sim_refuse("the simulator's record of host mappings has no room at 0x%lx",
                   (unsigned long)vaddr);
        goto undo;
    }
    long delta = runs_delta(w, off, size_bits, rec);
    if (delta > 0 && limits_take_maps((hw_word_t)delta, "a frame mapping") != 0)
        goto undo;
    int prot = (rights & 2 ? PROT_READ : 0) | (rights & 1 ? PROT_WRITE | PROT_READ : 0);
    void *p;
    if (paddr >= device_base)   /* device frame: inaccessible, so that every access traps */
        p = mmap(w->base + off, 1ul << size_bits, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
    else
        p = mmap(w->base + off, 1ul << size_bits, prot, MAP_SHARED | MAP_FIXED, physmem_fd(),
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
        goto undo;
    }
    shadow_set(w, off, size_bits, rec);
    if (delta < 0)
        limits_adjust_maps(delta);
    w->vmas += (hw_word_t)delta;
    return 0;
undo:
    if (fresh)
        win_release(w);
    return -1;
}

/*
 * The range becomes unmapped whatever the budget says (an unmap may split a
 * run of pages in two, and the reserve of limits.c is there for it). The
 * window goes with its last mapping unless a pointer into it was handed out.
 * If the host refuses, the pages are made inaccessible in place and the run
 * stops.
 */
void hw_unmap(hw_word_t vspace, hw_word_t vaddr, unsigned size_bits)
{
    struct space *s = live_space(vspace);
    if (!s || vaddr >= MMU_VADDR_TOP)
        return;
    struct win *w = find(s, (uint32_t)(vaddr >> REGION_BITS));
    if (!w)
        return;     /* nothing is mapped in that region */
    hw_word_t off = vaddr & REGION_MASK;
    long delta = runs_delta(w, off, size_bits, 0);
    shadow_set(w, off, size_bits, 0);
    if (w->mappings == 0 && !w->pinned) {
        win_release(w);
        return;
    }
    void *p = mmu_refuse_unmaps ? MAP_FAILED
                                : mmap(w->base + off, 1ul << size_bits, PROT_NONE,
                                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        int e = mmu_refuse_unmaps ? ENOMEM : errno;
        errno = ENOMEM;
        if (mmu_refuse_unmaps || mprotect(w->base + off, 1ul << size_bits, PROT_NONE) != 0)
            host_stop("the host refused to unmap 0x%lx of a VSpace (mmap: %s, mprotect: %s): a "
                      "task could still reach that memory", (unsigned long)vaddr, strerror(e),
                      strerror(errno));
        else
            host_stop("the host refused to unmap 0x%lx of a VSpace (mmap: %s)",
                      (unsigned long)vaddr, strerror(e));
    }
    limits_adjust_maps(delta);
    w->vmas += (hw_word_t)delta;
}

int hw_window_probe(hw_word_t vspace, hw_word_t vaddr, hw_window_entry_t *e)
{
    struct space *s = live_space(vspace);
    memset(e, 0, sizeof *e);
    if (!s)
        return -1;
    e->mappings = s->mappings;
    struct win *w = vaddr < MMU_VADDR_TOP ? find(s, (uint32_t)(vaddr >> REGION_BITS)) : NULL;
    if (!w || w->mappings == 0)
        return 0;
    hw_word_t off = vaddr & REGION_MASK, r = w->huge;
    unsigned bits = REGION_BITS;
    if (!r) {
        r = shadow_root(w)[(off >> 21) & (SHADOW_ENTRIES - 1)];
        bits = 21;
        if (REC_KIND(r) == REC_LEAF) {
            r = leaf(r)[(off >> 12) & (SHADOW_ENTRIES - 1)];
            bits = 12;
        }
    }
    if (r == 0)
        return 0;
    e->size_bits = bits;
    e->paddr = REC_ADDR(r);
    e->rights = REC_RIGHTS(r);
    return 0;
}
