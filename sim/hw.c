/*
 * hw.c - the rest of hw.h: console, log, trace, clock, panic, scratch.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "sim.h"

struct sim_run sim;
int sim_exit_on_internal_error;

/*
 * A bug in mica itself: the runner (mica_main) ends the process with exit
 * status 70 (EX_SOFTWARE), the outputs complete; a program calling
 * mica_run directly gets the crash (abort), for its debugger or fuzzer.
 */
void sim_internal_error(void)
{
    if (!sim_exit_on_internal_error)
        return;
    sim_outputs_emergency();
    _exit(MICA_EXIT_INTERNAL);
}
unsigned long sim_allocs_after_boot;

/* True between kernel boot and the end of the run (tests count allocations then). */
int sim_booted(void)
{
    return sim.booted;
}

void hw_putchar(int c)
{
    putchar(c);
}

/* --- output files ------------------------------------------------------- */

const char *sim_out_setting[SIM_OUT_COUNT] = { "trace_path", "log_path", "cspace_dot_path" };

const char *sim_out_what(enum sim_out_kind kind)
{
    static const char *const what[SIM_OUT_COUNT] = { "the trace", "the log", "the DOT file" };
    return kind < SIM_OUT_COUNT ? what[kind] : "an output file";
}

int sim_out_open(sim_out_t *o, enum sim_out_kind kind, const char *path, int allow_stderr)
{
    static const char *const file[SIM_OUT_COUNT] = { "trace file", "log file", "DOT file" };
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->path = path;
    if (!path)
        return 0;
    if (allow_stderr && strcmp(path, "-") == 0) {
        o->f = stderr;      /* shared with the reports: not checked, never closed */
        return 0;
    }
    o->opened = fopen(path, "w");
    if (!o->opened) {
        int err = errno;
        fprintf(stderr, "mica: cannot create the %s %s (%s): %s\n", file[kind], path,
                sim_out_setting[kind], strerror(err));
        return -EACCES;
    }
    o->f = o->opened;
    return 0;
}

void sim_out_failed(sim_out_t *o)
{
    if (!o->err)
        o->err = errno ? errno : EIO;
    o->f = NULL;            /* the file is incomplete now; writing more only costs time */
}

int sim_out_close(sim_out_t *o)
{
    if (o->opened) {
        int saved = errno;
        errno = 0;
        if (fflush(o->opened) != 0 || ferror(o->opened))
            sim_out_failed(o);
        errno = 0;
        if (fclose(o->opened) != 0)
            sim_out_failed(o);
        errno = saved;
    }
    int err = o->err;
    memset(o, 0, sizeof *o);
    return err;
}

int hw_vformat(char *buf, size_t n, const char *fmt, va_list ap)
{
    return vsnprintf(buf, n, fmt, ap);
}

/* One "kernel: ..." line in the log; errno is the task's, so it is kept. */
static void log_line(const char *fmt, va_list ap)
{
    int saved = errno;
    fprintf(sim.log.f, "kernel: ");
    vfprintf(sim.log.f, fmt, ap);
    fputc('\n', sim.log.f);
    sim_out_check(&sim.log);
    errno = saved;
}

void hw_vlog(int level, const char *fmt, va_list ap)
{
    if (level == HW_LOG_DIAG) {
        if (sim.log.f)
            log_line(fmt, ap);
        return;
    }
    if (sim.log.f) {
        va_list ap2;
        va_copy(ap2, ap);
        log_line(fmt, ap2);
        va_end(ap2);
    }
    if (!sim.cfg || !sim.cfg->quiet) {
        fprintf(stderr, "mica: ");
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
    }
}

void hw_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hw_vlog(HW_LOG_REPORT, fmt, ap);
    va_end(ap);
}

void hw_panic(const char *msg, const char *file, int line, const char *func)
{
    fflush(stdout);
    trace_close();
    fprintf(stderr, "mica: kernel panic: %s at %s:%d in %s(): this is a bug in mica\n", msg, file,
            line, func);
    sim_internal_error();
    abort();
}

void *hw_scratch(hw_word_t bytes)
{
    if (sim.scratch && sim.scratch_bytes >= bytes)
        return sim.scratch;
    if (sim.scratch)
        munmap(sim.scratch, sim.scratch_bytes);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    sim.scratch = p == MAP_FAILED ? NULL : p;
    sim.scratch_bytes = p == MAP_FAILED ? 0 : bytes;
    return sim.scratch;
}
