/*
 * limits.c - task code that runs into a limit: the root CNode's slots, the
 * host's threads and mappings, the largest memory, a huge untyped reused.
 * Each failure names the limit that was hit and the setting that raises
 * it; none is an abort of the simulator (buggy.h).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <mica/user.h>
#include "buggy.h"

/* Make notifications until the allocator says no. */
static void cnode_full(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    unsigned long n = 0;
    while (mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0))
        n++;
    printf("made %lu notifications, then %s: %s\n", n, mica_error_name(env.error),
           mica_env_error_text(&env));
}

static mica_cptr_t parked;

static void park(mica_word_t arg)
{
    (void)arg;
    mica_wait(parked, NULL);
}

/* Start threads that wait forever until no more will start (run with --max-threads). */
static void threads_exhausted(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    parked = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    unsigned long n = 0;
    while (n < 100000 && mica_thread_spawn(&env, "parked", park, 0, 100))
        n++;
    printf("started %lu threads, then %s: %s\n", n, mica_error_name(env.error),
           mica_env_error_text(&env));
}

/* Map frames in reverse order, each its own host mapping, until refused (run with --max-mappings). */
static void mappings_exhausted(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    enum { N = 1024 };
    mica_cptr_t frames = mica_env_make_n(&env, MICA_FRAME_OBJECT, 0, N);
    mica_word_t base = mica_env_vaddr(&env, N);
    if (!frames || !base) {
        printf("setup failed: %s\n", mica_env_error_text(&env));
        return;
    }
    mica_error_t err = MICA_NO_ERROR;
    unsigned long n = 0;
    while (n < N && (err = mica_user_map(&env, MICA_CAP_INIT_VSPACE, base + n * 4096,
                                         frames + N - 1 - n, MICA_READ_WRITE)) == MICA_NO_ERROR)
        n++;
    printf("mapped %lu frames, then %s\n", n, mica_error_name(err));
    /* What was mapped still works, and unmapping makes room again. */
    volatile unsigned char *p = mica_vaddr_to_ptr(base);
    p[0] = 42;
    mica_user_unmap_pages(frames + N - n, n);
    err = mica_user_map(&env, MICA_CAP_INIT_VSPACE, base + n * 4096, frames + N - 1 - n,
                        MICA_READ_WRITE);
    printf("after unmapping them: %s\n", mica_error_name(err));
}

/* Run with --mem 64G (or just below): where is the device untyped, and is it really there? */
static void largest_memory(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_word_t ram_end = 0, prev_end = 0;
    int overlap = 0;
    mica_cptr_t dev = 0;
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const mica_untyped_desc_t *u = &bi->untyped_list[i];
        overlap |= u->paddr < prev_end;
        prev_end = u->paddr + (1ul << u->size_bits);
        if (u->is_device && !dev)
            dev = bi->untyped.start + i;
        if (!u->is_device)
            ram_end = prev_end;
    }
    const mica_untyped_desc_t *d = &bi->untyped_list[dev - bi->untyped.start];
    mica_cptr_t f = bi->empty.start;
    mica_error_t err = mica_untyped_retype(dev, MICA_FRAME_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0, f, 1);
    mica_page_get_address_t a = mica_page_get_address(f);
    printf("RAM ends at 0x%lx; device untyped at 0x%lx (2^%u bytes)%s%s; its frame: %s at 0x%lx; "
           "root CNode still a %s\n", (unsigned long)ram_end, (unsigned long)d->paddr,
           (unsigned)d->size_bits, d->paddr >= ram_end ? ", beyond RAM" : ", INSIDE RAM",
           overlap ? ", OVERLAPPING" : "", mica_error_name(err), (unsigned long)a.paddr,
           mica_cap_type_name(mica_debug_cap_identify(MICA_CAP_INIT_CNODE)));
}

/* Host memory this process holds in the physical-memory file (shared memory it maps). */
static unsigned long shmem_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "RssShmem: %lu", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

/* Run with --mem 4G: use a 2 GiB untyped, revoke it, use it again (its reset zeroes it). */
static void huge_reset(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_cptr_t big = 0;
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++)
        if (!bi->untyped_list[i].is_device && bi->untyped_list[i].size_bits == 31)
            big = bi->untyped.start + i;
    if (!big) {
        printf("no 2 GiB untyped (run with --mem 4G)\n");
        return;
    }
    mica_cptr_t kid = bi->empty.start, frame = kid + 1;
    mica_untyped_retype(big, MICA_UNTYPED_OBJECT, 31, MICA_CAP_INIT_CNODE, 0, 0, kid, 1);
    /* A little of it written, through a 2 MiB frame from the top of the child. */
    mica_untyped_retype(kid, MICA_LARGE_FRAME_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0, frame, 1);
    mica_page_map(frame, MICA_CAP_INIT_VSPACE, MICA_ROOT_FREE_VADDR, MICA_READ_WRITE, 0);
    memset(mica_vaddr_to_ptr(MICA_ROOT_FREE_VADDR), 0xa5, 1ul << 21);
    mica_cnode_revoke(MICA_CAP_INIT_CNODE, big, MICA_WORD_BITS);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    mica_error_t err = mica_untyped_retype(big, MICA_UNTYPED_OBJECT, 31, MICA_CAP_INIT_CNODE, 0, 0,
                                           kid, 1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    mica_untyped_retype(kid, MICA_LARGE_FRAME_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0, frame, 1);
    mica_page_map(frame, MICA_CAP_INIT_VSPACE, MICA_ROOT_FREE_VADDR, MICA_READ_WRITE, 0);
    const unsigned char *p = mica_vaddr_to_ptr(MICA_ROOT_FREE_VADDR);
    int zero = 1;
    for (mica_word_t i = 0; i < (1ul << 21); i += 512)
        zero &= p[i] == 0;
    double us = (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3;
    fprintf(stderr, "reset of 2 GiB: %.0f us\n", us);
    printf("retype after revoke of 2 GiB: %s; the reused memory reads %s; host memory held "
           "for it: %s\n", mica_error_name(err), zero ? "zero" : "NOT ZERO",
           shmem_kib() < (64ul << 10) ? "under 64 MiB" : "MORE THAN 64 MiB");
}

const buggy_t buggy_limits[] = {
    { "cnode-full", cnode_full, "makes objects until the root CNode has no free slot" },
    { "threads-exhausted", threads_exhausted,
      "starts threads until the host has no context left (run with --max-threads)" },
    { "mappings-exhausted", mappings_exhausted,
      "maps scattered frames until the host mappings run out (run with --max-mappings)" },
    { "largest-memory", largest_memory, "looks for the device untyped of a 64 GiB machine" },
    { "huge-reset", huge_reset, "reuses a revoked 2 GiB untyped (run with --mem 4G)" },
    { 0 },
};
