/*
 * mmu.c - per-VSpace host windows.
 *
 * Each VSpace owns a 1 GiB window of host address space reserved with
 * PROT_NONE; mapping a frame maps that frame's bytes of the physical-memory
 * memfd at window + vaddr with the mapping's protection, so two VSpaces that
 * map one frame share its bytes and an unmapped access traps. Windows are
 * found by VSpace paddr through a table indexed by paddr >> 12.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "sim.h"

#define WINDOW_BYTES (1ul << MICA_VADDR_BITS)

struct window {
    unsigned char *base;    /* NULL = no live VSpace here */
    hw_word_t generation;
};

static struct window *windows;     /* indexed by vspace paddr >> 12 */
static size_t nwindows;
static hw_word_t next_generation;

int mmu_init(size_t phys_bytes)
{
    nwindows = phys_bytes >> 12;
    windows = calloc(nwindows, sizeof *windows);
    next_generation = 1;
    return windows ? 0 : -ENOMEM;
}

void mmu_destroy(void)
{
    for (size_t i = 0; windows && i < nwindows; i++)
        if (windows[i].base)
            munmap(windows[i].base, WINDOW_BYTES);
    free(windows);
    windows = NULL;
    nwindows = 0;
}

static struct window *window_of(hw_word_t vspace)
{
    size_t i = vspace >> 12;
    return windows && i < nwindows ? &windows[i] : NULL;
}

void *mmu_window(hw_word_t vspace)
{
    struct window *w = window_of(vspace);
    return w ? w->base : NULL;
}

hw_word_t hw_vspace_create(hw_word_t vspace)
{
    struct window *w = window_of(vspace);
    if (!w)
        return 0;
    if (w->base)
        munmap(w->base, WINDOW_BYTES);
    void *p = mmap(NULL, WINDOW_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        w->base = NULL;
        return 0;
    }
    w->base = p;
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
    if (w && w->base) {
        munmap(w->base, WINDOW_BYTES);
        w->base = NULL;
    }
}

int hw_map(hw_word_t vspace, hw_word_t vaddr, hw_word_t paddr, unsigned size_bits, unsigned rights)
{
    struct window *w = window_of(vspace);
    if (!w || !w->base)
        return -1;
    int prot = (rights & 2 ? PROT_READ : 0) | (rights & 1 ? PROT_WRITE | PROT_READ : 0);
    void *p = mmap(w->base + vaddr, 1ul << size_bits, prot, MAP_SHARED | MAP_FIXED, physmem_fd(),
                   (off_t)paddr);
    return p == MAP_FAILED ? -1 : 0;
}

void hw_unmap(hw_word_t vspace, hw_word_t vaddr, unsigned size_bits)
{
    struct window *w = window_of(vspace);
    if (!w || !w->base)
        return;
    mmap(w->base + vaddr, 1ul << size_bits, PROT_NONE,
         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
}
