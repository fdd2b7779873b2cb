/*
 * containment.h - running mica-buggy programs (tests/buggy/) as a user
 * would, for the `containment` suite: each test runs one misbehaving
 * program in a child process and checks its exit status and its report.
 */
#ifndef MICA_TESTS_CONTAINMENT_H
#define MICA_TESTS_CONTAINMENT_H

#include "harness.h"

/* What the last cm_run saw (sanitizer lines dropped from err). */
extern char cm_out[1 << 16], cm_err[1 << 16];

/*
 * Run `mica-buggy NAME ARGS...` (args: a shell-quoted string, may be "")
 * with stdout and stderr captured. A run that has not ended after
 * timeout_s seconds is killed and fails the test as a hang.
 * @return the exit status (128 + signal if it died of a signal).
 */
int cm_run(const char *name, const char *args, unsigned timeout_s);

/* As cm_run, for any program (e.g. the `mica` runner: MICA_BIN). */
int cm_run_prog(const char *prog, const char *args, unsigned timeout_s);

/* A file's text into buf (at most n - 1 bytes and a NUL); fails the test if it cannot be read. */
void cm_slurp(const char *path, char *buf, size_t n);

/* Drop the sanitizers' own lines ("==123==WARNING: ...") from captured text. */
void cm_drop_sanitizer_lines(char *buf);

/* A scratch directory for output files, made once per process. */
const char *cm_tmpdir(void);

#define cm_assert_has(buf, s) \
    ck_assert_msg(strstr((buf), (s)) != NULL, "expected \"%s\" in:\n%s", (s), (buf))
#define cm_assert_lacks(buf, s) \
    ck_assert_msg(strstr((buf), (s)) == NULL, "did not expect \"%s\" in:\n%s", (s), (buf))
#define cm_assert_status(got, want) \
    ck_assert_msg((got) == (want), "exit status %d, expected %d; stderr:\n%s", (got), (want), cm_err)

#endif
