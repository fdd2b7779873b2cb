#define _GNU_SOURCE
/*
 * containment.c - cm_run: a misbehaving program in a child process, its
 * output captured, its exit status returned, a hang detected (containment.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "containment.h"

char cm_out[1 << 16], cm_err[1 << 16];

void cm_slurp(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    size_t k = fread(buf, 1, n - 1, f);
    buf[k] = 0;
    fclose(f);
}

/* Drop the sanitizers' own lines ("==123==WARNING: ...") from captured stderr. */
void cm_drop_sanitizer_lines(char *buf)
{
    char *w = buf;
    for (char *r = buf; *r;) {
        char *nl = strchr(r, '\n');
        size_t len = nl ? (size_t)(nl - r) + 1 : strlen(r);
        if (!(r[0] == '=' && r[1] == '=')) {
            memmove(w, r, len);
            w += len;
        }
        r += len;
    }
    *w = 0;
}

const char *cm_tmpdir(void)
{
    static char dir[64];
    if (!dir[0]) {
        strcpy(dir, "/tmp/mica-cm-XXXXXX");
        ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
    }
    return dir;
}

int cm_run_prog(const char *prog, const char *args, unsigned timeout_s)
{
    char o[256], e[256], cmd[2048];
    snprintf(o, sizeof o, "%s/out", cm_tmpdir());
    snprintf(e, sizeof e, "%s/err", cm_tmpdir());
    snprintf(cmd, sizeof cmd, "exec '%s' %s >'%s' 2>'%s' </dev/null", prog, args, o, e);
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        setpgid(0, 0);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec >= (time_t)timeout_s) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            cm_slurp(e, cm_err, sizeof cm_err);
            ck_abort_msg("'%s' hung: no exit after %u s; stderr:\n%s", cmd, timeout_s, cm_err);
        }
        struct timespec d = { 0, 5 * 1000 * 1000 };
        nanosleep(&d, NULL);
    }
    cm_slurp(o, cm_out, sizeof cm_out);
    cm_slurp(e, cm_err, sizeof cm_err);
    cm_drop_sanitizer_lines(cm_err);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WEXITSTATUS(st);
}

int cm_run(const char *name, const char *args, unsigned timeout_s)
{
    const char *bin = getenv("MICA_BUGGY");
    ck_assert_msg(bin && *bin, "MICA_BUGGY is not set (meson sets it to build/tests/buggy/mica-buggy)");
    char a[1536];
    snprintf(a, sizeof a, "'%s' %s", name, args ? args : "");
    return cm_run_prog(bin, a, timeout_s);
}
