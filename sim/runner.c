/*
 * runner.c - the runner's command line: options into a mica_config_t,
 * mica_run, and a report of how the system stopped. mica_main gives a
 * user's own program the same command line as `mica run SYSTEM`.
 *
 * Exit statuses (mica/sim.h): 0 idle or halt, 1 deadlock, 2 invariant
 * broken, 3 time limit, 64 usage error. Everything the runner says goes to
 * stderr, so that stdout carries only what the tasks print.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "runner.h"
#include "sim.h"

int runner_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mica: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return MICA_EXIT_USAGE;
}

void runner_print_options(FILE *f)
{
    fputs("Options:\n"
          "  --mem SIZE            simulated physical memory: bytes, or with K, M or G\n"
          "                        (e.g. 8M, 1G; 4M to 64G, a multiple of 4K; default 64M)\n"
          "  --clock virtual|real  virtual (default): time is kernel entries, runs are\n"
          "                        deterministic; real: a host timer preempts tasks anywhere\n"
          "  --cpus N              simulated CPUs, 1 to 8 (default 1); more than one runs\n"
          "                        task code in parallel on the host's cores (not deterministic)\n"
          "  --seed N              move the virtual clock's preemption points (default 0)\n"
          "  --timeslice TICKS     round-robin timeslice (default 5)\n"
          "  --time-limit TICKS    stop after this much virtual time (default: none)\n"
          "  --max-threads N       threads that may have started at once, 1 to 4194304\n"
          "                        (host stacks; default 16384)\n"
          "  --max-mappings N      host mappings for VSpace windows and thread stacks\n"
          "                        (default: what vm.max_map_count leaves, less a reserve)\n"
          "  --check off|end|each  run the kernel invariant checker never (default), when\n"
          "                        the system stops, or after every kernel entry\n"
          "  --trace FILE          write a Chrome Trace Event JSON file (open it in\n"
          "                        https://ui.perfetto.dev or chrome://tracing)\n"
          "  --log FILE|-          write a readable text trace (- = stderr)\n"
          "  --log-filter LIST     what --log shows: any of ipc,sched,fault,cap,mem,irq,syscall\n"
          "  --cspace-dot FILE     write Graphviz DOT of the root CSpace and the capability\n"
          "                        derivation tree as they are at the end (dot -Tsvg FILE)\n"
          "  --stats               print the kernel's counters when the system stops\n"
          "  -h, --help            print this help\n"
          "Exit status: 0 idle or halted, 1 deadlock, 2 invariant broken, 3 time limit,\n"
          "64 bad command line.\n", f);
}

/* "8M", "1G", "65536", "512k", "2MiB" -> bytes; -1 if it is not a size. */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    if (!*s || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    uint64_t v = strtoull(s, &end, 0);
    if (errno || end == s)
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (shift && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
        end += strlen(end);
    if (*end)
        return -1;
    if (shift && v > (UINT64_MAX >> shift))
        return -1;
    *out = v << shift;
    return 0;
}

/* A whole non-negative number, decimal or 0x hex; -1 if it is not one. */
static int parse_number(const char *s, uint64_t *out)
{
    char *end;
    if (!*s || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    uint64_t v = strtoull(s, &end, 0);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

/* The options, and whether each takes a value. */
enum opt_id {
    OPT_MEM, OPT_CLOCK, OPT_CPUS, OPT_SEED, OPT_TIMESLICE, OPT_TIME_LIMIT, OPT_CHECK, OPT_TRACE, OPT_LOG,
    OPT_LOG_FILTER, OPT_CSPACE_DOT, OPT_STATS, OPT_HELP, OPT_MAX_THREADS, OPT_MAX_MAPPINGS,
};
static const struct { const char *name; enum opt_id id; int has_value; } options[] = {
    { "--mem", OPT_MEM, 1 },
    { "--clock", OPT_CLOCK, 1 },
    { "--cpus", OPT_CPUS, 1 },
    { "--seed", OPT_SEED, 1 },
    { "--timeslice", OPT_TIMESLICE, 1 },
    { "--time-limit", OPT_TIME_LIMIT, 1 },
    { "--max-threads", OPT_MAX_THREADS, 1 },
    { "--max-mappings", OPT_MAX_MAPPINGS, 1 },
    { "--check", OPT_CHECK, 1 },
    { "--trace", OPT_TRACE, 1 },
    { "--log", OPT_LOG, 1 },
    { "--log-filter", OPT_LOG_FILTER, 1 },
    { "--cspace-dot", OPT_CSPACE_DOT, 1 },
    { "--stats", OPT_STATS, 0 },
    { "--help", OPT_HELP, 0 },
    { "-h", OPT_HELP, 0 },
};

static int set_option(runner_opts_t *o, const char *name, enum opt_id id, const char *v)
{
    mica_config_t *cfg = &o->cfg;
    uint64_t n;

    switch (id) {
    case OPT_MEM:
        if (parse_size(v, &n) != 0)
            return runner_usage_error("%s: '%s' is not a size (use e.g. 8M or 1G)", name, v);
        if (n < (4ull << 20))
            return runner_usage_error("%s: %s is too small (at least 4M)", name, v);
        if (n > (64ull << 30))
            return runner_usage_error("%s: %s is too large (at most 64G)", name, v);
        if (n % 4096)
            return runner_usage_error("%s: %s is not a multiple of 4K", name, v);
        cfg->phys_mem_bytes = (size_t)n;
        return 0;
    case OPT_CLOCK:
        if (strcmp(v, "virtual") == 0)
            cfg->clock = MICA_CLOCK_VIRTUAL;
        else if (strcmp(v, "real") == 0)
            cfg->clock = MICA_CLOCK_REAL;
        else
            return runner_usage_error("%s: '%s' is not a clock (use virtual or real)", name, v);
        return 0;
    case OPT_CPUS:
        if (parse_number(v, &n) != 0 || n < 1 || n > MICA_MAX_CPUS)
            return runner_usage_error("%s: '%s' is not a number of CPUs from 1 to %d", name, v,
                                      MICA_MAX_CPUS);
        cfg->cpus = (unsigned)n;
        return 0;
    case OPT_SEED:
        if (parse_number(v, &n) != 0)
            return runner_usage_error("%s: '%s' is not a number", name, v);
        cfg->seed = n;
        return 0;
    case OPT_TIMESLICE:
        if (parse_number(v, &n) != 0 || n == 0 || n > UINT32_MAX)
            return runner_usage_error("%s: '%s' is not a number of ticks from 1 to %" PRIu32,
                                      name, v, UINT32_MAX);
        cfg->timeslice_ticks = (unsigned)n;
        return 0;
    case OPT_TIME_LIMIT:
        if (parse_number(v, &n) != 0 || n == 0)
            return runner_usage_error("%s: '%s' is not a number of ticks (1 or more)", name, v);
        cfg->time_limit_ticks = n;
        return 0;
    case OPT_MAX_THREADS:
        if (parse_number(v, &n) != 0 || n == 0 || n > (1u << 22))
            return runner_usage_error("%s: '%s' is not a number of threads from 1 to %u", name, v,
                                      1u << 22);
        cfg->max_threads = (unsigned)n;
        return 0;
    case OPT_MAX_MAPPINGS:
        if (parse_number(v, &n) != 0 || n == 0 || n > (1ul << 31))
            return runner_usage_error("%s: '%s' is not a number of mappings from 1 to %lu", name, v,
                                      1ul << 31);
        cfg->max_mappings = (unsigned long)n;
        return 0;
    case OPT_CHECK:
        if (strcmp(v, "off") == 0)
            cfg->check = MICA_CHECK_OFF;
        else if (strcmp(v, "end") == 0)
            cfg->check = MICA_CHECK_END;
        else if (strcmp(v, "each") == 0)
            cfg->check = MICA_CHECK_EACH_ENTRY;
        else
            return runner_usage_error("%s: '%s' is not a check mode (use off, end or each)", name, v);
        return 0;
    case OPT_TRACE:
    case OPT_LOG:
    case OPT_CSPACE_DOT:
        if (!*v)
            return runner_usage_error("%s: the file name is empty", name);
        if (id == OPT_TRACE)
            cfg->trace_path = v;
        else if (id == OPT_LOG)
            cfg->log_path = v;
        else
            cfg->cspace_dot_path = v;
        return 0;
    case OPT_LOG_FILTER: {
        unsigned mask;
        if (!*v)
            return runner_usage_error("%s: the list is empty (use e.g. ipc,sched)", name);
        if (trace_parse_filter(v, &mask) != 0)     /* it says which word is wrong */
            return MICA_EXIT_USAGE;
        cfg->log_filter = v;
        return 0;
    }
    case OPT_STATS:
        o->stats = 1;
        return 0;
    case OPT_HELP:
        o->help = 1;
        return 0;
    }
    return runner_usage_error("%s: not handled", name);
}

int runner_parse(int argc, char **argv, runner_opts_t *o)
{
    memset(o, 0, sizeof *o);
    mica_config_init(&o->cfg);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == 0) {
            if (o->nargs == RUNNER_MAX_ARGS)
                return runner_usage_error("too many arguments ('%s')", a);
            o->args[o->nargs++] = a;
            continue;
        }
        /* "--name value" or "--name=value" */
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        size_t k;
        for (k = 0; k < sizeof options / sizeof options[0]; k++)
            if (strlen(options[k].name) == len && strncmp(options[k].name, a, len) == 0)
                break;
        if (k == sizeof options / sizeof options[0])
            return runner_usage_error("unknown option '%.*s' (see --help)", (int)len, a);
        const char *value = NULL;
        if (options[k].has_value) {
            if (eq)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else
                return runner_usage_error("%s needs a value (see --help)", options[k].name);
        } else if (eq) {
            return runner_usage_error("%s takes no value", options[k].name);
        }
        int err = set_option(o, options[k].name, options[k].id, value);
        if (err)
            return err;
    }
    return 0;
}

/* -syscall number -> name, for --stats (Signal and Wait count as Send and Recv, as on seL4). */
static const char *syscall_name(unsigned i)
{
    static const char *const names[] = {
        NULL, "Call", "ReplyRecv", "Send", "NBSend", "Recv", "Reply", "Yield", "NBRecv",
        "DebugPutChar", "DebugDumpScheduler", "DebugHalt", "DebugCapIdentify", "DebugSnapshot",
        "DebugNameThread",
    };
    return i < sizeof names / sizeof names[0] ? names[i] : NULL;
}

static void print_stats(const mica_run_result_t *r)
{
    FILE *f = stderr;
    uint64_t total = 0;
    unsigned n = 0;

    fprintf(f, "  %-18s %" PRIu64 "\n", "ticks", r->ticks);
    fprintf(f, "  %-18s %" PRIu64 "\n", "kernel entries", r->kernel_entries);
    for (unsigned i = 0; i < MICA_STATS_SYSCALLS; i++)
        total += r->syscalls[i];
    fprintf(f, "  %-18s %" PRIu64, "syscalls", total);
    for (unsigned i = 0; i < MICA_STATS_SYSCALLS; i++) {
        if (!r->syscalls[i])
            continue;
        const char *name = syscall_name(i);
        fprintf(f, "%s", n++ ? ", " : " (");
        if (name)
            fprintf(f, "%s %" PRIu64, name, r->syscalls[i]);
        else
            fprintf(f, "#-%u %" PRIu64, i, r->syscalls[i]);
    }
    fputs(n ? ")\n" : "\n", f);
    fprintf(f, "  %-18s %" PRIu64 " (%" PRIu64 " failed)\n", "invocations", r->invocations,
            r->invocation_errors);
    fprintf(f, "  %-18s %" PRIu64 "\n", "IPCs", r->ipcs);
    fprintf(f, "  %-18s %" PRIu64 "\n", "fast-path hits", r->fastpath_hits);
    fprintf(f, "  %-18s %" PRIu64 "\n", "context switches", r->context_switches);
    fprintf(f, "  %-18s %" PRIu64 "\n", "faults", r->faults);
    for (unsigned c = 0; r->cpus > 1 && c < r->cpus && c < MICA_MAX_CPUS; c++)
        fprintf(f, "  cpu%-15u %" PRIu64 " entries, %" PRIu64 " switches, %" PRIu64
                " IPIs, %" PRIu64 " idle waits\n", c, r->cpu[c].kernel_entries,
                r->cpu[c].context_switches, r->cpu[c].ipis, r->cpu[c].idle_waits);
    total = 0;
    n = 0;
    for (unsigned i = 0; i < MICA_OBJECT_TYPE_COUNT; i++)
        total += r->objects[i];
    fprintf(f, "  %-18s %" PRIu64, "objects created", total);
    for (unsigned i = 0; i < MICA_OBJECT_TYPE_COUNT; i++)
        if (r->objects[i])
            fprintf(f, "%s%s %" PRIu64, n++ ? ", " : " (",
                    mica_object_type_name((mica_object_type_t)i), r->objects[i]);
    fputs(n ? ")\n" : "\n", f);
    fprintf(f, "  %-18s %" PRIu64 " bytes\n", "untyped in use", r->untyped_bytes_used);
    total = 0;
    n = 0;
    for (unsigned i = 0; i < MICA_THREAD_STATE_COUNT; i++)
        total += r->threads[i];
    fprintf(f, "  %-18s %" PRIu64, "threads", total);
    for (unsigned i = 0; i < MICA_THREAD_STATE_COUNT; i++)
        if (r->threads[i])
            fprintf(f, "%s%s %u", n++ ? ", " : " (",
                    mica_thread_state_name((mica_thread_state_t)i), r->threads[i]);
    fputs(n ? ")\n" : "\n", f);
}

int runner_run(const runner_opts_t *o, mica_root_task_fn root, void *arg)
{
    mica_run_result_t r;
    int rc = mica_run(&o->cfg, root, arg, &r);
    if (rc == -EINVAL)
        return MICA_EXIT_USAGE;     /* mica_run said why */
    if (rc != 0)
        return MICA_EXIT_HOST;
    fflush(stdout);

    /* mica_run has already reported a deadlock or a broken invariant. */
    if (o->stats)
        fprintf(stderr, "mica: stopped: %s after %" PRIu64 " kernel entries\n",
                mica_stop_reason_name(r.reason), r.kernel_entries);
    else if (r.reason == MICA_STOP_TIME_LIMIT)
        fprintf(stderr, "mica: stopped: time limit of %" PRIu64 " ticks reached\n",
                o->cfg.time_limit_ticks);
    if (o->stats)
        print_stats(&r);

    switch (r.reason) {
    case MICA_STOP_IDLE:
    case MICA_STOP_HALT:
        return MICA_EXIT_OK;
    case MICA_STOP_DEADLOCK:
        return MICA_EXIT_DEADLOCK;
    case MICA_STOP_INVARIANT:
        return MICA_EXIT_INVARIANT;
    case MICA_STOP_TIME_LIMIT:
        return MICA_EXIT_TIME_LIMIT;
    case MICA_STOP_STALLED:
        return MICA_EXIT_STALLED;
    case MICA_STOP_REASON_COUNT:
        break;
    }
    return MICA_EXIT_INVARIANT;
}

int mica_main(int argc, char **argv, mica_root_task_fn root, void *arg)
{
    runner_opts_t o;
    const char *prog = argc > 0 && argv[0] ? argv[0] : "mica-program";
    int err = runner_parse(argc > 0 ? argc - 1 : 0, argc > 0 ? argv + 1 : argv, &o);
    if (err)
        return err;
    if (o.help) {
        printf("Usage: %s [options]\nRun this program's root task on a simulated mica machine.\n",
               prog);
        runner_print_options(stdout);
        return MICA_EXIT_OK;
    }
    if (o.nargs)
        return runner_usage_error("unexpected argument '%s' (see --help)", o.args[0]);
    if (!root)
        return runner_usage_error("mica_main needs a root task");
    return runner_run(&o, root, arg);
}
