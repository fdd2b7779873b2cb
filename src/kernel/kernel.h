/*
 * kernel.h - basic definitions every kernel file uses.
 *
 * Three assertion tiers (STYLE.md item 10): kassert/kfail for kernel
 * invariants, user_error for a task's mistakes (never an assertion), and
 * return_if_fail in sim/ for host API arguments.
 */
#ifndef MICA_KERNEL_KERNEL_H
#define MICA_KERNEL_KERNEL_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <mica/types.h>
#include <mica/objects.h>
#include <mica/syscalls.h>
#include "hw.h"

typedef uint64_t word_t;
typedef word_t paddr_t;     /* offset into simulated physical memory; 0 = none */
typedef word_t cptr_t;

#define BIT(n)      (1ull << (n))
#define MASK(n)     ((n) >= 64 ? ~0ull : BIT(n) - 1ull)
#define ROUND_UP(x, n) (((x) + MASK(n)) & ~MASK(n))
#define IS_ALIGNED(x, n) (((x) & MASK(n)) == 0)
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define UNUSED      __attribute__((unused))
#define ALWAYS_INLINE inline __attribute__((always_inline))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define kassert(e) \
    do { if (unlikely(!(e))) hw_panic("assertion failed: " #e, __FILE__, __LINE__, __func__); } while (0)
#define kfail(msg) hw_panic(msg, __FILE__, __LINE__, __func__)

/* The root task's stack in its VSpace (boot.c; bootinfo stack_vaddr, stack_bytes). */
#define ROOT_STACK_VADDR    0x100000ul
#define ROOT_STACK_PAGES    128ul

/* Turn a physical address into a host pointer (the kernel window). */
static inline void *paddr_to_ptr(paddr_t p)
{
    return hw_phys_base + p;
}
static inline paddr_t ptr_to_paddr(const void *p)
{
    return (paddr_t)((const unsigned char *)p - hw_phys_base);
}

/* seL4: exception_t */
typedef enum exception {
    EXCEPTION_NONE = 0,
    EXCEPTION_FAULT,
    EXCEPTION_LOOKUP_FAULT,
    EXCEPTION_SYSCALL_ERROR,
    EXCEPTION_PREEMPTED,
} exception_t;

/*
 * Log why an invocation was rejected, naming the rule (the "better
 * diagnostics" of the runner's log). Costs nothing unless logging is on.
 */
void user_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* snprintf for the kernel (through hw_vformat). */
int kformat(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* MICA_KERNEL_KERNEL_H */
