/*
 * physmem.c - simulated physical memory: one memfd, mapped once for the
 * kernel (hw_phys_base) and again, frame by frame, into VSpace windows.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "sim.h"

#define PAGE 4096ul
/*
 * Below this, memset: punching a hole costs a system call now and a page
 * fault per page touched later, more than clearing a few pages that are
 * likely still in the cache.
 */
#define PUNCH_MIN_BYTES (64ul << 10)

unsigned char *hw_phys_base;
hw_word_t hw_phys_size;
static int phys_fd = -1;
/* One bit per 4 KiB page of RAM: the page holds a frame, so DMA may reach it (hw.h). */
static uint64_t *dma_ok;

int physmem_create(size_t bytes)
{
    phys_fd = memfd_create("mica-physmem", MFD_CLOEXEC);
    if (phys_fd < 0)
        return -errno;
    if (ftruncate(phys_fd, (off_t)bytes) != 0) {
        int e = -errno;
        close(phys_fd);
        phys_fd = -1;
        return e;
    }
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, phys_fd, 0);
    if (p == MAP_FAILED) {
        int e = -errno;
        close(phys_fd);
        phys_fd = -1;
        return e;
    }
    size_t words = (bytes / PAGE + 63) / 64;
    dma_ok = calloc(words ? words : 1, sizeof *dma_ok);
    if (!dma_ok) {
        munmap(p, bytes);
        close(phys_fd);
        phys_fd = -1;
        return -ENOMEM;
    }
    hw_phys_base = p;
    hw_phys_size = bytes;
    return 0;
}

void physmem_destroy(void)
{
    if (hw_phys_base)
        munmap(hw_phys_base, hw_phys_size);
    if (phys_fd >= 0)
        close(phys_fd);
    free(dma_ok);
    dma_ok = NULL;
    hw_phys_base = NULL;
    hw_phys_size = 0;
    phys_fd = -1;
}

int physmem_fd(void)
{
    return phys_fd;
}

/*
 * Whole pages: a hole punched in the memfd. Its pages are freed and unmapped
 * from every mapping (the kernel's and any VSpace window), and read as zero
 * when next touched. The partial pages at either end are cleared by hand;
 * so is everything when the range is small or the host refuses.
 */
void hw_phys_zero(hw_word_t paddr, hw_word_t bytes)
{
    unsigned char *p = hw_phys_base + paddr;
    hw_word_t lo = (paddr + PAGE - 1) & ~(PAGE - 1);
    hw_word_t hi = (paddr + bytes) & ~(PAGE - 1);
    if (bytes < PUNCH_MIN_BYTES || hi <= lo ||
        fallocate(phys_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)lo, (off_t)(hi - lo)) != 0) {
        memset(p, 0, bytes);
        return;
    }
    memset(p, 0, lo - paddr);
    memset(hw_phys_base + hi, 0, paddr + bytes - hi);
}

void hw_phys_dma_allow(hw_word_t paddr, hw_word_t bytes, int allow)
{
    if (!dma_ok || paddr >= hw_phys_size)
        return;
    if (bytes > hw_phys_size - paddr)
        bytes = hw_phys_size - paddr;
    for (hw_word_t pg = paddr / PAGE; pg < (paddr + bytes + PAGE - 1) / PAGE; pg++) {
        if (allow)
            dma_ok[pg / 64] |= 1ull << (pg % 64);
        else
            dma_ok[pg / 64] &= ~(1ull << (pg % 64));
    }
}

bool physmem_dma_allowed(hw_word_t paddr, hw_word_t bytes)
{
    if (!dma_ok || paddr > hw_phys_size || bytes > hw_phys_size - paddr)
        return false;
    for (hw_word_t pg = paddr / PAGE; pg < (paddr + bytes + PAGE - 1) / PAGE; pg++)
        if (!(dma_ok[pg / 64] & (1ull << (pg % 64))))
            return false;
    return true;
}
