/*
 * limits.c - the host's limits that tasks can run the simulator into, and
 * why the host last refused something (hw_refusal).
 *
 * Host mappings. Linux gives a process at most vm.max_map_count mappings
 * (VMAs, 65530 by default). Every VSpace window and every run of pages
 * mapped differently in it is one; so is each thread's host stack (and its
 * guard). At that limit even an unmap can fail - it may have to split a
 * mapping in two - which would leave a frame reachable after Page_Unmap. So
 * the simulator keeps its own count of the mappings it makes (mmu.c counts
 * a window's runs exactly from its shadow, ctx.c two per stack) and refuses
 * a new one once the budget is spent, leaving a reserve for the host
 * process itself (its libraries, malloc, threads, sanitizers). The budget
 * is mica_config_t.max_mappings, or by default what vm.max_map_count leaves
 * after the mappings the process already had when the run began, less the
 * reserve.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "sim.h"

#define MAP_RESERVE_MIN 1024ul      /* mappings kept for the host process itself */

static hw_word_t maps_used, maps_budget, max_map_count;
static int budget_from_config;
static char refusal[320];

/*
 * A /proc file read with plain system calls (no stdio, no heap): its first
 * n - 1 bytes into buf, NUL-terminated, and how many lines it has.
 */
static int read_proc(const char *path, char *buf, size_t n, unsigned long *lines)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t kept = 0;
    *lines = 0;
    for (;;) {
        char chunk[4096];
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r; i++) {
            *lines += chunk[i] == '\n';
            if (kept + 1 < n)
                buf[kept++] = chunk[i];
        }
    }
    buf[kept] = 0;
    close(fd);
    return 0;
}

void limits_init(const mica_config_t *cfg)
{
    char buf[32];
    unsigned long lines;
    maps_used = 0;
    refusal[0] = 0;
    max_map_count = 65530;      /* Linux's default when /proc does not say */
    if (read_proc("/proc/sys/vm/max_map_count", buf, sizeof buf, &lines) == 0) {
        unsigned long v = strtoul(buf, NULL, 10);
        if (v > 0)
            max_map_count = v;
    }
    budget_from_config = cfg->max_mappings != 0;
    if (budget_from_config) {
        maps_budget = cfg->max_mappings;
        return;
    }
    unsigned long had = 0;
    if (read_proc("/proc/self/maps", buf, sizeof buf, &had) != 0)
        had = 0;
    hw_word_t reserve = max_map_count / 16 > MAP_RESERVE_MIN ? max_map_count / 16 : MAP_RESERVE_MIN;
    maps_budget = max_map_count > had + reserve ? max_map_count - had - reserve : 0;
}

void sim_refuse(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(refusal, sizeof refusal, fmt, ap);
    va_end(ap);
}

const char *hw_refusal(void)
{
    return refusal[0] ? refusal : "the host refused";
}

int limits_take_maps(hw_word_t n, const char *what)
{
    if (maps_used <= maps_budget && n <= maps_budget - maps_used) {
        maps_used += n;
        return 0;
    }
    if (budget_from_config)
        sim_refuse("no host mapping is left for %s: all %lu that mica_config_t.max_mappings "
                   "allows are in use (runner --max-mappings)", what, (unsigned long)maps_budget);
    else
        sim_refuse("no host mapping is left for %s: all %lu the simulator may use are in use "
                   "(vm.max_map_count = %lu, less what the process had and a reserve; raise it "
                   "with sysctl vm.max_map_count, or map frames at consecutive addresses in "
                   "order, so that they share host mappings)", what, (unsigned long)maps_budget,
                   (unsigned long)max_map_count);
    return -1;
}

void limits_adjust_maps(long delta)
{
    if (delta < 0 && (hw_word_t)-delta > maps_used)
        maps_used = 0;
    else
        maps_used += (hw_word_t)delta;
}
