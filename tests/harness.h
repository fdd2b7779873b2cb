/*
 * harness.h - Check glue for mica's test suites.
 *
 * Each test file defines `Suite *<unit>_suite(void)` and ends with
 * MICA_TEST_MAIN(<unit>_suite). Tests run in Check's fork mode, so a crash
 * fails one test, not the run; CK_FORK=no runs them in-process for gdb.
 *
 * Kernel tests run a root task with mt_run(): the task itself makes the
 * system calls and ck_assert()s their results; mt_run() then checks that
 * the system stopped the expected way with the invariant checker on at
 * every kernel entry.
 */
#ifndef MICA_TEST_HARNESS_H
#define MICA_TEST_HARNESS_H

#ifdef NDEBUG
#error "mica's tests must be built without NDEBUG"
#endif

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <mica/mica.h>

#define CNODE MICA_CAP_INIT_CNODE
#define DEPTH MICA_WORD_BITS

typedef void (*mt_root_fn)(const mica_bootinfo_t *bi);

/*
 * Test task code is built with basic-block hooks (preempt_c_args in
 * tests/meson.build): the virtual clock ticks when it runs a period of blocks
 * without a kernel entry. MT_NO_BLOCK_HOOKS keeps one function uninstrumented,
 * for tests of what such code does; MT_HAVE_NO_BLOCK_HOOKS says whether the
 * compiler can (GCC 12, clang).
 */
#if defined(__clang__)
#define MT_NO_BLOCK_HOOKS __attribute__((no_sanitize("coverage")))
#define MT_HAVE_NO_BLOCK_HOOKS 1
#elif defined(__GNUC__) && __GNUC__ >= 12
#define MT_NO_BLOCK_HOOKS __attribute__((no_sanitize_coverage))
#define MT_HAVE_NO_BLOCK_HOOKS 1
#else
#define MT_NO_BLOCK_HOOKS
#define MT_HAVE_NO_BLOCK_HOOKS 0
#endif

/* A default test configuration: 16 MiB, invariants at every entry, quiet. */
void mt_config(mica_config_t *cfg);
/* Run fn as the root task; assert the run stops IDLE; return the result. */
mica_run_result_t mt_run(mt_root_fn fn);
/* Run with a given config; no assertion on the outcome. */
mica_run_result_t mt_run_cfg(const mica_config_t *cfg, mt_root_fn fn);

/* Inside a root task: the boot info, a fresh empty slot, the largest untyped. */
const mica_bootinfo_t *mt_bi(void);
mica_cptr_t mt_slot(void);
mica_cptr_t mt_untyped(void);
/* Retype one object of type/size_bits from the largest untyped into a fresh slot. */
mica_cptr_t mt_make(mica_word_t type, mica_word_t size_bits);
/* Index of the smallest non-device boot untyped of at least 2^bits bytes. */
mica_cptr_t mt_untyped_at_least(unsigned bits);

/* An invocation that must fail with `want` and leave all kernel state as it was. */
#define mt_assert_fails(expr, want) do { \
        uint64_t mt_d_ = mt_kernel_digest(); \
        mt_assert_err(expr, want); \
        ck_assert_msg(mt_kernel_digest() == mt_d_, "failed %s changed kernel state", #expr); \
    } while (0)

/* Message register i of the current thread (error details after a failed call). */
#define mt_assert_mr(i, v) ck_assert_uint_eq(mica_get_mr(i), (v))

/* Assert an invocation's error, naming both sides on failure. */
#define mt_assert_err(expr, want) do { \
        mica_error_t mt_e_ = (expr); \
        ck_assert_msg(mt_e_ == (want), "%s returned %s, expected %s", #expr, \
                      mica_error_name(mt_e_), mica_error_name(want)); \
    } while (0)

#define MICA_TEST_MAIN(suite_fn) \
    int main(void) \
    { \
        SRunner *sr = srunner_create(suite_fn()); \
        srunner_run_all(sr, CK_NORMAL); \
        int failed = srunner_ntests_failed(sr); \
        srunner_free(sr); \
        return failed ? EXIT_FAILURE : EXIT_SUCCESS; \
    }

#endif

/*
 * A digest of all kernel state except the calling thread's own registers,
 * IPC buffer and stack: every CNode slot, every object carved from untyped,
 * the scheduler, the IRQ node. Equal before and after a failed invocation means the
 * invocation changed nothing.
 */
uint64_t mt_kernel_digest(void);

/*
 * Start a thread in the root task's CSpace and VSpace at entry(arg), with its
 * own IPC buffer frame, on a host stack, at priority prio (the root thread
 * has 255). Returns the TCB cap. The thread's exit leaves it Inactive.
 */
typedef void (*mt_entry_fn)(mica_word_t arg);
mica_cptr_t mt_spawn(mt_entry_fn entry, mica_word_t arg, mica_word_t prio);
/* Same, but also give it a name for traces and deadlock reports. */
mica_cptr_t mt_spawn_named(const char *name, mt_entry_fn entry, mica_word_t arg, mica_word_t prio);

/* A TCase added to s, with a generous timeout for the sanitizer build. */
TCase *mt_tcase(Suite *s, const char *name);

/* The thread state of the TCB whose cap is in root CNode slot tcb (kernel internals). */
mica_word_t mt_thread_state(mica_cptr_t tcb);

/* Kernel internals, for tests that inspect or corrupt kernel state. */
#include "state.h"
