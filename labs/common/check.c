/*
 * check.c - the lab checkers' harness (check.h): run the lab's program
 * under several seeds, rule on faults, hangs and unfinished tasks, then
 * on each task, and print the verdicts and the score.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return strdup("");
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    size_t k;
    while (b && (k = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 == cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb)
                break;
            b = nb;
        }
    }
    fclose(f);
    if (!b)
        return strdup("");
    b[n] = 0;
    return b;
}

/* Run prog with args (a NULL-terminated list) and capture its output; the host time limit kills it. */
static void run_prog(char *const argv[], unsigned timeout_s, lab_run_t *r, const char *log)
{
    char out[] = "/tmp/mica-lab-out-XXXXXX", err[] = "/tmp/mica-lab-err-XXXXXX";
    int fo = mkstemp(out), fe = mkstemp(err);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        dup2(fo, 1);
        dup2(fe, 2);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, 0);
        execv(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int st = 0;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool killed = false;
    for (;;) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec >= (time_t)timeout_s) {
            kill(-pid, SIGKILL);
            waitpid(pid, &st, 0);
            killed = true;
            break;
        }
        struct timespec d = { 0, 2 * 1000 * 1000 };
        nanosleep(&d, NULL);
    }
    close(fo);
    close(fe);
    r->out = slurp(out);
    r->err = slurp(err);
    r->log = log ? slurp(log) : strdup("");
    unlink(out);
    unlink(err);
    if (log)
        unlink(log);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (killed)
        snprintf(r->failure, sizeof r->failure,
                 "hang: still running after %u s of host time (killed)", timeout_s);
}

/* The line of text that starts at p, without its newline, into buf. */
static void line_at(const char *p, char *buf, size_t n)
{
    size_t k = strcspn(p, "\n");
    if (k >= n)
        k = n - 1;
    memcpy(buf, p, k);
    buf[k] = 0;
}

/* Rule on the run as a whole, from stderr read in order. */
static void analyse(lab_run_t *r)
{
    char line[400];
    char hang_hint[300] = "";  /* the last "@lab hint": what a hang from there likely means */
    int task = 0;
    for (const char *p = r->err; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] ? 1 : 0)) {
        line_at(p, line, sizeof line);
        int n;
        if (sscanf(line, "@lab task %d", &n) == 1) {
            task = n;
            if (n > r->reached)
                r->reached = n;
            continue;
        }
        if (strncmp(line, "@lab hint ", 10) == 0) {
            snprintf(hang_hint, sizeof hang_hint, "%.299s", line + 10);
            continue;
        }
        if (sscanf(line, "@lab todo %d", &n) == 1) {
            r->todo = n;
            const char *t = strstr(r->out, "not done yet: ");
            char hint[300] = "";
            if (t)
                line_at(t + strlen("not done yet: "), hint, sizeof hint);
            snprintf(r->failure, sizeof r->failure, "not done yet%s%s", hint[0] ? ": " : "", hint);
            r->failed_task = n;
            return;
        }
        if (r->failure[0])
            continue;
        const char *who = strstr(line, "mica: thread '");
        const char *stopped = who ? strstr(line, "' stopped: ") : NULL;
        if (who && stopped) {
            char name[64] = "?", where[128] = "an unknown place", what[200] = "";
            snprintf(name, sizeof name, "%.*s", (int)(stopped - who - 14), who + 14);
            /* "..., at func+0x1c (file.c:20); no fault handler took it (...)" */
            const char *at = strstr(line, ", at ");
            const char *w = at ? strchr(at, '(') : NULL, *semi = at ? strchr(at, ';') : NULL;
            if (w && (!semi || w < semi)) {
                const char *e = strchr(w, ')');
                snprintf(where, sizeof where, "%.*s", e ? (int)(e - w - 1) : 40, w + 1);
            } else if (at) {
                snprintf(where, sizeof where, "%.*s", semi ? (int)(semi - at - 5) : 60, at + 5);
            }
            const char *d = stopped + strlen("' stopped: ");
            snprintf(what, sizeof what, "%.*s", at ? (int)(at - d) : (int)strcspn(d, ";"), d);
            for (size_t k = strlen(what); k > 0 && what[k - 1] == ' '; k--)
                what[k - 1] = 0;
            snprintf(r->failure, sizeof r->failure, "thread %s faulted at %s (%s)", name, where,
                     what);
            r->failed_task = task ? task : 1;
            continue;
        }
        /* Without --stats the runner says "time limit of N ticks reached"; with it (as the
           harness runs), "time_limit after N kernel entries", and the ticks are a counter. */
        bool limit_stats = strncmp(line, "mica: stopped: time_limit after ", 32) == 0;
        if (limit_stats || strncmp(line, "mica: stopped: time limit of ", 29) == 0) {
            unsigned long ticks = limit_stats ? (unsigned long)lab_stat(r, "ticks")
                                              : strtoul(line + 29, NULL, 10);
            snprintf(r->failure, sizeof r->failure,
                     "hang: no progress after %lu ticks of virtual time - a busy-wait, or a "
                     "wait for something that never comes", ticks);
            r->failed_task = task ? task : 1;
        } else if (strncmp(line, "mica: stopped (deadlock): ", 26) == 0 ||
                   strncmp(line, "mica: stopped (stalled): ", 25) == 0) {
            /* The report's first lines name the stuck threads. */
            size_t k = strlen(line);
            const char *q = p + k + (p[k] ? 1 : 0);
            char more[300] = "";
            for (int i = 0; i < 3 && *q == ' '; i++) {
                char l2[200];
                line_at(q, l2, sizeof l2);
                size_t used = strlen(more);
                snprintf(more + used, sizeof more - used, "%s%s", used ? "; " : "", l2 + 2);
                q += strlen(l2) + (q[strlen(l2)] ? 1 : 0);
            }
            /* "mica: stopped (deadlock): text" -> "hang: a deadlock: text - the threads" */
            const char *kind = line + 15, *text = strstr(line, "): ");
            snprintf(r->failure, sizeof r->failure, "hang: a %.*s: %s%s%s",
                     text ? (int)(text - kind) : 8, kind, text ? text + 3 : "",
                     more[0] ? " - " : "", more);
            r->failed_task = task ? task : 1;
        } else if (strncmp(line, "mica: stopped (invariant): ", 27) == 0) {
            snprintf(r->failure, sizeof r->failure, "the kernel's invariant checker stopped the "
                     "run: %s", line + 27);
            r->failed_task = task ? task : 1;
        }
    }
    if (r->failure[0] && hang_hint[0] && strncmp(r->failure, "hang: ", 6) == 0) {
        /* The hint goes before the stuck threads' details, which may be cut short. */
        char was[sizeof r->failure];
        snprintf(was, sizeof was, "%s", r->failure);
        char *details = strstr(was, " - ");
        if (details)
            *details = 0;
        snprintf(r->failure, sizeof r->failure, "%.160s (hint: %.250s)%s%.80s", was, hang_hint,
                 details ? " - " : "", details ? details + 3 : "");
    }
    if (!r->failure[0] && r->status != 0) {
        snprintf(r->failure, sizeof r->failure, "the program ended with exit status %d", r->status);
        r->failed_task = task ? task : 1;
    }
}

static void usage(const char *me)
{
    fprintf(stderr, "usage: %s PROGRAM [--seed S] [--seeds N] [--trace FILE] [--verbose]\n", me);
}

int lab_check_main(int argc, char **argv, const lab_spec_t *spec)
{
    const char *prog = NULL, *trace = NULL;
    unsigned seeds[LAB_MAX_SEEDS], nseeds = 5, one = 0;
    bool have_one = false, verbose = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            one = (unsigned)strtoul(argv[++i], NULL, 10);
            have_one = true;
        } else if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) {
            nseeds = (unsigned)strtoul(argv[++i], NULL, 10);
            if (nseeds < 1 || nseeds > LAB_MAX_SEEDS) {
                fprintf(stderr, "%s: --seeds: 1 to %d\n", argv[0], LAB_MAX_SEEDS);
                return 64;
            }
        } else if (strcmp(argv[i], "--trace") == 0 && i + 1 < argc) {
            trace = argv[++i];
        } else if (strcmp(argv[i], "--verbose") == 0) {
            verbose = true;
        } else if (argv[i][0] != '-' && !prog) {
            prog = argv[i];
        } else {
            usage(argv[0]);
            return 64;
        }
    }
    if (!prog) {
        usage(argv[0]);
        return 64;
    }
    if (access(prog, X_OK) != 0) {
        fprintf(stderr, "%s: %s: %s\n", argv[0], prog, strerror(errno));
        return 66;
    }
    if (have_one) {
        seeds[0] = one;
        nseeds = 1;
    } else {
        for (unsigned i = 0; i < nseeds; i++)
            seeds[i] = i + 1;
    }
    printf("Lab %d: %s (%u run%s, invariants checked after every kernel entry)\n", spec->number,
           spec->title, nseeds, nseeds == 1 ? "" : "s");
    static lab_run_t runs[LAB_MAX_SEEDS];
    for (unsigned s = 0; s < nseeds; s++) {
        lab_run_t *r = &runs[s];
        memset(r, 0, sizeof *r);
        r->seed = seeds[s];
        char seed[24], limit[24];
        snprintf(seed, sizeof seed, "%u", seeds[s]);
        snprintf(limit, sizeof limit, "%lu", spec->time_limit ? spec->time_limit : 2000000ul);
        char *av[64];
        int ac = 0;
        av[ac++] = (char *)prog;
        av[ac++] = "--check";
        av[ac++] = "each";
        av[ac++] = "--seed";
        av[ac++] = seed;
        av[ac++] = "--time-limit";
        av[ac++] = limit;
        av[ac++] = "--stats";
        if (trace && s == 0) {
            av[ac++] = "--trace";
            av[ac++] = (char *)trace;
        }
        char logpath[64], filter[64];
        snprintf(logpath, sizeof logpath, "/tmp/mica-lab-log-%d-%u", (int)getpid(), s);
        if (spec->log) {
            snprintf(filter, sizeof filter, "%s", spec->log);
            av[ac++] = "--log";
            av[ac++] = logpath;
            av[ac++] = "--log-filter";
            av[ac++] = filter;
        }
        char extra[512];
        snprintf(extra, sizeof extra, "%s", spec->args ? spec->args : "");
        for (char *t = strtok(extra, " "); t && ac < 62; t = strtok(NULL, " "))
            av[ac++] = t;
        av[ac] = NULL;
        run_prog(av, spec->host_timeout_s ? spec->host_timeout_s : 30, r,
                 spec->log ? logpath : NULL);
        if (!r->failure[0])
            analyse(r);
        if (verbose)
            printf("--- seed %u: exit %d\n%s--- stderr\n%s", r->seed, r->status, r->out, r->err);
    }
    int passed = 0;
    for (int t = 1; t <= spec->ntasks; t++) {
        const char *why = NULL;
        unsigned seed = 0;
        for (unsigned s = 0; s < nseeds && !why; s++) {
            lab_run_t *r = &runs[s];
            if (r->failure[0] && r->failed_task == t)
                why = r->failure;
            else if (r->failure[0] && r->failed_task < t)
                why = lab_why("not reached: TASK %d failed first", r->failed_task);
            else
                why = spec->check[t - 1] ? spec->check[t - 1](r) : NULL;
            seed = r->seed;
        }
        if (why) {
            if (nseeds > 1)
                printf("TASK %d FAIL: %s (seed %u)\n", t, why, seed);
            else
                printf("TASK %d FAIL: %s\n", t, why);
        } else {
            printf("TASK %d ok\n", t);
            passed++;
        }
    }
    printf("score: %d/%d\n", passed, spec->ntasks);
    /* The same in Check's summary format, which the project's test script counts. */
    printf("%d%%: Checks: %d, Failures: %d, Errors: 0\n", passed * 100 / spec->ntasks, spec->ntasks,
           spec->ntasks - passed);
    return passed == spec->ntasks ? 0 : 1;
}

/* --- for the task checks -------------------------------------------------------- */

long long lab_fact(const lab_run_t *r, const char *key, long long dflt)
{
    char pat[160];
    long long v = dflt;
    snprintf(pat, sizeof pat, "@lab fact %s ", key);
    for (const char *p = r->err; (p = strstr(p, pat)) != NULL; p += strlen(pat))
        if (p == r->err || p[-1] == '\n')
            v = strtoll(p + strlen(pat), NULL, 10);
    return v;
}

bool lab_said(const lab_run_t *r, const char *text)
{
    return strstr(r->out, text) != NULL;
}

int lab_count(const lab_run_t *r, const char *text)
{
    int n = 0;
    char line[1024];
    for (const char *p = r->out; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] ? 1 : 0)) {
        line_at(p, line, sizeof line);
        n += strstr(line, text) != NULL;
    }
    return n;
}

long long lab_usage(const lab_run_t *r, const char *phase, const char *key)
{
    char pat[160];
    snprintf(pat, sizeof pat, "@lab usage %s ", phase);
    if (!strstr(r->err, pat))
        return -1;
    snprintf(pat, sizeof pat, "@lab usage %s %s ", phase, key);
    const char *p = strstr(r->err, pat);
    return p ? strtoll(p + strlen(pat), NULL, 10) : 0;
}

bool lab_usage_same(const lab_run_t *r, const char *a, const char *b, char *diff, int n)
{
    char pat[160];
    diff[0] = 0;
    snprintf(pat, sizeof pat, "@lab usage %s ", a);
    size_t pl = strlen(pat);
    if (lab_usage(r, a, "untyped_bytes") < 0 || lab_usage(r, b, "untyped_bytes") < 0) {
        snprintf(diff, (size_t)n, "phase %s or %s was not recorded", a, b);
        return false;
    }
    /* Every key either phase has. */
    for (int pass = 0; pass < 2; pass++) {
        const char *ph = pass ? b : a;
        snprintf(pat, sizeof pat, "@lab usage %s ", ph);
        pl = strlen(pat);
        for (const char *p = r->err; (p = strstr(p, pat)) != NULL; p += pl) {
            char key[64];
            if (sscanf(p + pl, "%63s", key) != 1)
                continue;
            long long va = lab_usage(r, a, key), vb = lab_usage(r, b, key);
            if (va != vb) {
                snprintf(diff, (size_t)n, "%s: %lld before, %lld after", key, va, vb);
                return false;
            }
        }
    }
    return true;
}

long long lab_stat(const lab_run_t *r, const char *name)
{
    char pat[96], line[512];
    /* A counter line: "  NAME    value ...". */
    snprintf(pat, sizeof pat, "  %s ", name);
    for (const char *p = r->err; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] ? 1 : 0)) {
        line_at(p, line, sizeof line);
        if (strncmp(line, pat, strlen(pat)) == 0)
            return strtoll(line + strlen(pat), NULL, 10);
    }
    /* Inside a breakdown: "(Call 10, Send 1" or "(tcb 1, endpoint 1". */
    const char *seps[] = { "(", ", " };
    for (int i = 0; i < 2; i++) {
        snprintf(pat, sizeof pat, "%s%s ", seps[i], name);
        const char *p = strstr(r->err, pat);
        if (p)
            return strtoll(p + strlen(pat), NULL, 10);
    }
    return -1;
}

/* Whether line holds every '|'-separated word of all. */
static bool has_all(const char *line, const char *all)
{
    char words[256];
    snprintf(words, sizeof words, "%s", all);
    for (char *save = NULL, *w = strtok_r(words, "|", &save); w; w = strtok_r(NULL, "|", &save))
        if (!strstr(line, w))
            return false;
    return true;
}

int lab_log_count(const lab_run_t *r, const char *all)
{
    int n = 0;
    char line[1024];
    for (const char *p = r->log; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] ? 1 : 0)) {
        line_at(p, line, sizeof line);
        n += has_all(line, all);
    }
    return n;
}

bool lab_log_before(const lab_run_t *r, const char *a, const char *b)
{
    int ia = -1, ib = -1, i = 0;
    char line[1024];
    for (const char *p = r->log; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] ? 1 : 0), i++) {
        line_at(p, line, sizeof line);
        if (ia < 0 && has_all(line, a))
            ia = i;
        if (ib < 0 && has_all(line, b))
            ib = i;
    }
    return ia >= 0 && ib >= 0 && ia < ib;
}

const char *lab_why(const char *fmt, ...)
{
    static char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}
