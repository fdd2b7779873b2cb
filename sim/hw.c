/*
 * hw.c - the rest of hw.h: console, log, trace, clock, panic, scratch.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "sim.h"

struct sim_run sim;
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

int hw_vformat(char *buf, size_t n, const char *fmt, va_list ap)
{
    return vsnprintf(buf, n, fmt, ap);
}

void hw_vlog(int level, const char *fmt, va_list ap)
{
    if (level == HW_LOG_DIAG) {
        if (!sim.log)
            return;
        fprintf(sim.log, "kernel: ");
        vfprintf(sim.log, fmt, ap);
        fputc('\n', sim.log);
        return;
    }
    if (sim.log) {
        va_list ap2;
        va_copy(ap2, ap);
        fprintf(sim.log, "kernel: ");
        vfprintf(sim.log, fmt, ap2);
        fputc('\n', sim.log);
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
    fprintf(stderr, "mica: kernel panic: %s at %s:%d in %s()\n", msg, file, line, func);
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
