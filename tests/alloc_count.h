/*
 * alloc_count.h - counting the host allocator calls mica makes after boot.
 *
 * A test built with alloc_count.c and linked with --wrap for malloc,
 * calloc, realloc and free (tests/meson.build: alloc_wrap) sends every call
 * from the statically linked object files through alloc_count.c; a call
 * counts when it happens after boot while the CPU is in the kernel
 * (sim_in_kernel), which covers the kernel and the machine code it calls.
 * Task code's own calls (Check's assertions allocate) do not count.
 */
#ifndef MICA_TEST_ALLOC_COUNT_H
#define MICA_TEST_ALLOC_COUNT_H

/* Allocator calls made in the kernel after boot; tests reset it. */
extern unsigned long alloc_calls_in_kernel;

#endif
