/*
 * alloc_count.c - the --wrap allocator functions of alloc_count.h.
 */
#include <signal.h>
#include <stddef.h>
#include "alloc_count.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

extern unsigned long sim_allocs_after_boot;
int sim_booted(void);
extern __thread volatile sig_atomic_t sim_in_kernel __attribute__((tls_model("initial-exec")));

unsigned long alloc_calls_in_kernel;

static void count(void)
{
    if (sim_booted() && sim_in_kernel) {
        alloc_calls_in_kernel++;
        sim_allocs_after_boot++;
    }
}

void *__wrap_malloc(size_t n) { count(); return __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { count(); return __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { count(); return __real_realloc(p, n); }
void __wrap_free(void *p) { count(); __real_free(p); }
