/*
 * physmem.c - simulated physical memory: one memfd, mapped once for the
 * kernel (hw_phys_base) and again, frame by frame, into VSpace windows.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include "sim.h"

unsigned char *hw_phys_base;
hw_word_t hw_phys_size;
static int phys_fd = -1;

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
    hw_phys_base = NULL;
    hw_phys_size = 0;
    phys_fd = -1;
}

int physmem_fd(void)
{
    return phys_fd;
}
