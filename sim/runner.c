/*
 * runner.c - the runner's command line: options into a mica_config_t,
 * mica_run, and a report of how the system stopped. mica_main gives a
 * user's own program the same command line as `mica run SYSTEM`.
 *
 * Exit statuses (mica/sim.h): 0 idle or halt, 1 deadlock, 2 invariant
 * broken, 3 time limit, 4 stalled (the watchdog), 5 idle or halt with
 * threads stopped by unhandled faults or escapes (exit, pthread_exit,
 * longjmp out of a thread: escape.c), 64 usage error, 70 a bug in mica,
 * 71 the host refused memory, 73 an output file (--trace, --log,
 * --cspace-dot) cannot be created - found before the system boots - and 74
 * a write to one failed (the run completes; 74 wins over 0..5 because the
 * file is incomplete). Everything the runner says goes to stderr, so that
 * stdout carries only what the tasks print.
 *
 * Numbers on the command line are decimal, or hex after 0x; a leading 0
 * is still decimal. Two output options naming one file are refused.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "runner.h"
#include "dev/uart.h"
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
          "  --tick-ns N           virtual nanoseconds each kernel entry takes, 1 to\n"
          "                        1000000000 (default 1000); devices see this time\n"
          "  --watchdog SECONDS    stop the run when task code stays out of the kernel this\n"
          "                        long: spinning, or blocked in the host while other\n"
          "                        threads wait (default 2, 0 = off; e.g. 0.5)\n"
          "  --max-threads N       threads that may have started at once, 1 to 4194304\n"
          "                        (host stacks; default 16384)\n"
          "  --max-mappings N      host mappings for VSpace windows and thread stacks\n"
          "                        (default: what vm.max_map_count leaves, less a reserve)\n"
          "  --root-cnode-bits N   the root CNode has 2^N slots, 9 to 24 (default 12;\n"
          "                        seL4's tutorials use 16); its slots take 2^(N+5) bytes\n"
          "                        of --mem\n"
          "  --check off|end|each  run the kernel invariant checker never (default), when\n"
          "                        the system stops, or after every kernel entry\n"
          "  --trace FILE          write a Chrome Trace Event JSON file (open it in\n"
          "                        https://ui.perfetto.dev or chrome://tracing)\n"
          "  --log FILE|-          write a readable text trace (- = stderr)\n"
          "  --log-filter LIST     what --log shows: any of ipc,sched,fault,cap,mem,irq,syscall\n"
          "  --cspace-dot FILE     write Graphviz DOT of the root CSpace and the capability\n"
          "                        derivation tree as they are at the end (dot -Tsvg FILE)\n"
          "  --input FILE|-        uart0's input: the bytes of FILE (- = stdin) arrive one per\n"
          "                        character time while the driver raises RTS, or at the\n"
          "                        times recorded if FILE was written by --input-record\n"
          "                        (a replay) (default: none)\n"
          "  --input-record FILE   append each input byte's virtual arrival time to FILE\n"
          "                        (one line a byte, flushed), for a replay with --input FILE\n"
          "  --output FILE         uart0's output (default: stdout)\n"
          "  --stats               print the kernel's counters when the system stops\n"
          "  --disk FILE           back blk0 (the virtio-blk disk) with FILE: created sparse\n"
          "                        at --disk-size if missing or empty, else used at its own\n"
          "                        size; kept between runs (default: a disk in memory)\n"
          "  --disk-size SIZE      blk0's size in memory or when FILE is created: bytes, or\n"
          "                        with K, M or G (a multiple of 512, at most 1024G;\n"
          "                        default 16M)\n"
          "  --disk-fail-at N      blk0 completes its Nth request (from 1) with an I/O error\n"
          "                        (fault injection; default: never)\n"
          "  -h, --help            print this help\n"
          "  -V, --version         print mica's version\n"
          "Numbers are decimal (a leading 0 does not make them octal) or hexadecimal with 0x.\n"
          "--trace, --log, --cspace-dot, --output and --input-record each need a file of\n"
          "their own.\n"
          "Exit status:\n"
          "   0  the system went idle or halted\n"
          "   1  deadlock: threads wait for each other and nothing can run\n"
          "   2  the kernel invariant checker found a broken invariant\n"
          "   3  the --time-limit passed\n"
          "   4  stalled: task code ran too long in host time without entering the kernel\n"
          "   5  idle or halted, but threads were stopped by faults no handler took, or for\n"
          "      calling exit, pthread_exit or longjmp out of their thread\n"
          "  64  bad command line, or an --input file that cannot be read (or a\n"
          "      malformed input record)\n"
          "  70  a bug in mica itself\n"
          "  71  the host refused memory\n"
          "  73  an output file (--trace, --log, --cspace-dot, --output, --input-record)\n"
          "      cannot be created\n"
          "  74  writing an output file failed (e.g. the disk is full); this status wins\n"
          "      over 0 to 5, as the file is incomplete\n", f);
}

/*
 * The digits at the start of s as a number: decimal, or hexadecimal after
 * 0x. A leading 0 is decimal ("010" is ten): octal would surprise, and a
 * seed or a size is never meant in octal. No sign and no space.
 * @return 0 with *v and *end set; -1 if s does not start with a number.
 */
static int parse_digits(const char *s, uint64_t *v, char **end)
{
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!isxdigit((unsigned char)*s))
            return -1;
    } else if (!isdigit((unsigned char)*s)) {
        return -1;
    }
    errno = 0;
    *v = strtoull(s, end, base);
    return errno ? -1 : 0;
}

/* "8M", "1G", "65536", "512k", "2MiB", "0x100000" -> bytes; -1 if it is not a size. */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    uint64_t v;
    if (parse_digits(s, &v, &end) != 0)
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
    uint64_t v;
    if (parse_digits(s, &v, &end) != 0 || *end)
        return -1;
    *out = v;
    return 0;
}

/* The options, and whether each takes a value. */
enum opt_id {
    OPT_MEM, OPT_CLOCK, OPT_CPUS, OPT_SEED, OPT_TIMESLICE, OPT_TIME_LIMIT, OPT_CHECK, OPT_TRACE, OPT_LOG,
    OPT_LOG_FILTER, OPT_CSPACE_DOT, OPT_STATS, OPT_HELP, OPT_WATCHDOG, OPT_MAX_THREADS,
    OPT_MAX_MAPPINGS, OPT_ROOT_CNODE_BITS, OPT_TICK_NS, OPT_INPUT, OPT_OUTPUT, OPT_DISK,
    OPT_INPUT_RECORD,
    OPT_DISK_SIZE, OPT_DISK_FAIL_AT, OPT_VERSION,
};
static const struct { const char *name; enum opt_id id; int has_value; } options[] = {
    { "--mem", OPT_MEM, 1 },
    { "--clock", OPT_CLOCK, 1 },
    { "--cpus", OPT_CPUS, 1 },
    { "--seed", OPT_SEED, 1 },
    { "--timeslice", OPT_TIMESLICE, 1 },
    { "--time-limit", OPT_TIME_LIMIT, 1 },
    { "--tick-ns", OPT_TICK_NS, 1 },
    { "--max-threads", OPT_MAX_THREADS, 1 },
    { "--max-mappings", OPT_MAX_MAPPINGS, 1 },
    { "--root-cnode-bits", OPT_ROOT_CNODE_BITS, 1 },
    { "--check", OPT_CHECK, 1 },
    { "--trace", OPT_TRACE, 1 },
    { "--log", OPT_LOG, 1 },
    { "--log-filter", OPT_LOG_FILTER, 1 },
    { "--cspace-dot", OPT_CSPACE_DOT, 1 },
    { "--stats", OPT_STATS, 0 },
    { "--input", OPT_INPUT, 1 },
    { "--output", OPT_OUTPUT, 1 },
    { "--input-record", OPT_INPUT_RECORD, 1 },
    { "--watchdog", OPT_WATCHDOG, 1 },
    { "--disk", OPT_DISK, 1 },
    { "--disk-size", OPT_DISK_SIZE, 1 },
    { "--disk-fail-at", OPT_DISK_FAIL_AT, 1 },
    { "--help", OPT_HELP, 0 },
    { "-h", OPT_HELP, 0 },
    { "--version", OPT_VERSION, 0 },
    { "-V", OPT_VERSION, 0 },
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
    case OPT_TICK_NS:
        if (parse_number(v, &n) != 0 || n == 0 || n > 1000000000ull)
            return runner_usage_error("%s: '%s' is not a number of nanoseconds from 1 to 1000000000",
                                      name, v);
        cfg->tick_ns = n;
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
    case OPT_ROOT_CNODE_BITS:
        /* The range mica_run accepts (sim/run.c check_config). */
        if (parse_number(v, &n) != 0 || n < 9 || n > 24)
            return runner_usage_error("%s: '%s' is not a number of bits from 9 to 24 "
                                      "(the root CNode has 2^N slots)", name, v);
        cfg->root_cnode_bits = (unsigned)n;
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
    case OPT_INPUT:
    case OPT_OUTPUT:
    case OPT_INPUT_RECORD:
        if (!*v)
            return runner_usage_error("%s: the file name is empty", name);
        if (id == OPT_INPUT)
            cfg->console_input = v;
        else if (id == OPT_OUTPUT)
            cfg->console_output = v;
        else
            cfg->console_record = v;
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
    case OPT_WATCHDOG: {
        /* Seconds, with up to three decimals: "2", "0.5", "10.25". */
        const char *p = v;
        uint64_t ms = 0;
        unsigned frac = 0;
        int digits = 0, dot = 0;
        for (; *p; p++) {
            if (*p == '.' && !dot) {
                dot = 1;
                continue;
            }
            if (*p < '0' || *p > '9' || (dot && frac == 3) || ms > 100000000ull)
                break;
            ms = ms * 10 + (uint64_t)(*p - '0');
            frac += dot;
            digits++;
        }
        if (*p || !digits)
            return runner_usage_error("%s: '%s' is not a number of seconds (e.g. 2 or 0.5; 0 = off)",
                                      name, v);
        while (frac++ < 3)
            ms *= 10;
        if (ms > UINT32_MAX)
            return runner_usage_error("%s: '%s' is too long", name, v);
        cfg->watchdog_ms = (unsigned)ms;
        return 0;
    }
    case OPT_DISK:
        if (!*v)
            return runner_usage_error("%s: the file name is empty", name);
        cfg->disk_path = v;
        return 0;
    case OPT_DISK_SIZE:
        if (parse_size(v, &n) != 0)
            return runner_usage_error("%s: '%s' is not a size (use e.g. 16M or 1G)", name, v);
        if (n < 512 || n % 512)
            return runner_usage_error("%s: %s is not a whole number of 512-byte sectors", name, v);
        if (n > (1ull << 40))
            return runner_usage_error("%s: %s is too large (at most 1024G)", name, v);
        cfg->disk_bytes = n;
        return 0;
    case OPT_DISK_FAIL_AT:
        if (parse_number(v, &n) != 0 || n == 0)
            return runner_usage_error("%s: '%s' is not a request number (1 or more)", name, v);
        cfg->disk_fail_at = n;
        return 0;
    case OPT_HELP:
        o->help = 1;
        return 0;
    case OPT_VERSION:
        o->version = 1;
        return 0;
    }
    return runner_usage_error("%s: not handled", name);
}

/* --- two output options naming one file ----------------------------------- */

/*
 * The absolute form of a path that does not exist (yet): symbolic links
 * at its end followed, its directory resolved by realpath when it exists,
 * else "." and ".." folded by spelling alone.
 */
static void normalize_missing(const char *path, char *out, size_t n)
{
    char cur[PATH_MAX], link[PATH_MAX], next[2 * PATH_MAX + 2], dir[PATH_MAX], rdir[PATH_MAX];
    snprintf(cur, sizeof cur, "%s", path);
    for (int hops = 0; hops < 16; hops++) {        /* a dangling link: where it points */
        ssize_t k = readlink(cur, link, sizeof link - 1);
        if (k < 0)
            break;
        link[k] = 0;
        const char *slash = strrchr(cur, '/');
        if (link[0] == '/' || !slash)
            snprintf(next, sizeof next, "%s", link);
        else
            snprintf(next, sizeof next, "%.*s/%s", (int)(slash - cur), cur, link);
        if (strlen(next) >= sizeof cur)
            break;
        memcpy(cur, next, strlen(next) + 1);
    }
    const char *slash = strrchr(cur, '/');
    const char *base = slash ? slash + 1 : cur;
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == cur)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - cur), cur);
    if (realpath(dir, rdir)) {
        snprintf(out, n, "%s/%s", strcmp(rdir, "/") == 0 ? "" : rdir, base);
        return;
    }
    /* The directory is missing too (creating the file will fail): fold the spelling. */
    char abs[2 * PATH_MAX + 2];
    char cwd[PATH_MAX] = "";
    if (cur[0] != '/' && !getcwd(cwd, sizeof cwd))
        cwd[0] = 0;
    snprintf(abs, sizeof abs, "%s/%s", cwd, cur);
    size_t len = 0;
    out[0] = 0;
    for (char *save = NULL, *c = strtok_r(abs, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0) {
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--;
            out[len] = 0;
            continue;
        }
        len += (size_t)snprintf(out + len, len < n ? n - len : 0, "/%s", c);
        if (len >= n)
            len = n - 1;
    }
}

/*
 * Whether two output paths name the same regular file, or the same file
 * still to be made ("-" is stderr). Two streams opened on one file would
 * overwrite each other's bytes; a terminal or /dev/null can be shared.
 */
static int same_output_file(const char *a, const char *b)
{
    struct stat sa, sb;
    int ea = strcmp(a, "-") == 0 ? fstat(STDERR_FILENO, &sa) : stat(a, &sa);
    int eb = strcmp(b, "-") == 0 ? fstat(STDERR_FILENO, &sb) : stat(b, &sb);
    if (ea == 0 && eb == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino && S_ISREG(sa.st_mode);
    if (ea == 0 || eb == 0 || strcmp(a, "-") == 0 || strcmp(b, "-") == 0)
        return 0;           /* one exists and the other does not: two files */
    char na[2 * PATH_MAX + 2], nb[2 * PATH_MAX + 2];
    normalize_missing(a, na, sizeof na);
    normalize_missing(b, nb, sizeof nb);
    return strcmp(na, nb) == 0;
}

/* --trace, --log, --cspace-dot and --output each need a file of their own. */
static int check_output_files(const mica_config_t *cfg)
{
    const struct { const char *option, *path; } out[] = {
        { "--trace", cfg->trace_path }, { "--log", cfg->log_path },
        { "--cspace-dot", cfg->cspace_dot_path }, { "--output", cfg->console_output },
        { "--input-record", cfg->console_record },
    };
    const unsigned n = sizeof out / sizeof out[0];
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = i + 1; j < n; j++)
            if (out[i].path && out[j].path && same_output_file(out[i].path, out[j].path))
                return runner_usage_error("%s %s and %s %s are the same file; give each its own",
                                          out[i].option, out[i].path, out[j].option,
                                          strcmp(out[j].path, "-") == 0 ? "- (stderr)"
                                                                        : out[j].path);
    return 0;
}

/*
 * uart0's console files, checked before anything runs: --input must be a
 * readable file (or - for stdin) and, if it is a record of uart0's input, a
 * well-formed one; --output and --input-record files that can be created.
 */
static int check_console_files(const mica_config_t *cfg)
{
    const char *in = cfg->console_input;
    if (in && strcmp(in, "-") != 0) {
        int fd = open(in, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0)
            return runner_usage_error("--input %s: cannot read it: %s", in, strerror(errno));
        int dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
        close(fd);
        if (dir)
            return runner_usage_error("--input %s: is a directory, not a file", in);
        char why[512];
        if (dev_uart_record_load(in, NULL, why, sizeof why) < 0)
            return runner_usage_error("--input %s", why);
    }
    const char *rec = cfg->console_record;
    if (rec && !in)
        return runner_usage_error("--input-record %s: there is no --input to record", rec);
    if (rec && same_output_file(in, rec))
        return runner_usage_error("--input-record %s: is the --input file; give it a file of "
                                  "its own", rec);
    const struct { const char *option, *what, *path; } outs[] = {
        { "--output", "console output", cfg->console_output },
        { "--input-record", "record of the console input", rec },
    };
    for (unsigned i = 0; i < 2; i++) {
        if (!outs[i].path)
            continue;
        int fd = open(outs[i].path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0) {
            fprintf(stderr, "mica: cannot create the %s %s (%s): %s\n", outs[i].what,
                    outs[i].path, outs[i].option, strerror(errno));
            return MICA_EXIT_CANTCREAT;
        }
        close(fd);
    }
    return 0;
}

/*
 * --disk: a file blk0 can read and write, or one it can create (its
 * directory exists and is writable). Checked here so that a wrong path is
 * one line and exit 64 before the system boots; the file is not created
 * until the run starts.
 */
static int check_disk_file(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return runner_usage_error("--disk %s: is a directory", path);
        int fd = open(path, O_RDWR | O_CLOEXEC);    /* as blk0 will open it */
        if (fd < 0)
            return runner_usage_error("--disk %s: %s", path, strerror(errno));
        close(fd);
        return 0;
    }
    if (errno != ENOENT)
        return runner_usage_error("--disk %s: %s", path, strerror(errno));
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (stat(dir, &st) != 0)
        return runner_usage_error("--disk %s: cannot create it: directory %s: %s", path, dir,
                                  strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return runner_usage_error("--disk %s: cannot create it: %s is not a directory", path, dir);
    if (access(dir, W_OK | X_OK) != 0)
        return runner_usage_error("--disk %s: cannot create it in %s: %s", path, dir,
                                  strerror(errno));
    return 0;
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
    /* A root CNode too large for the memory: said here, in the options' terms, not at boot. */
    uint64_t need = kernel_boot_min_phys(o->cfg.root_cnode_bits, o->cfg.cpus);
    if (o->cfg.phys_mem_bytes < need)
        return runner_usage_error("--root-cnode-bits %u: the root CNode's 2^%u slots and the other "
                                  "boot objects need --mem %" PRIu64 "M or more (--mem is %zuM)",
                                  o->cfg.root_cnode_bits, o->cfg.root_cnode_bits,
                                  (need + (1u << 20) - 1) >> 20, o->cfg.phys_mem_bytes >> 20);
    if (o->cfg.disk_path && !o->help && !o->version) {
        int err = check_disk_file(o->cfg.disk_path);
        if (err)
            return err;
    }
    if (o->cfg.log_filter && !o->cfg.log_path && !o->help && !o->version)
        fprintf(stderr, "mica: --log-filter %s has no effect without --log (e.g. --log -)\n",
                o->cfg.log_filter);
    int err = check_output_files(&o->cfg);
    if (err || o->help || o->version)
        return err;
    return check_console_files(&o->cfg);
}

/* -syscall number -> name, for --stats (Signal and Wait count as Send and Recv, as on seL4). */
static const char *syscall_name(unsigned i)
{
    static const char *const names[] = {
        NULL, "Call", "ReplyRecv", "Send", "NBSend", "Recv", "Reply", "Yield", "NBRecv",
        "DebugPutChar", "DebugDumpScheduler", "DebugHalt", "DebugCapIdentify", "DebugSnapshot",
        "DebugNameThread", "DebugUsage",
    };
    return i < sizeof names / sizeof names[0] ? names[i] : NULL;
}

static void print_stats(const mica_run_result_t *r, mica_clock_t clock)
{
    FILE *f = stderr;
    uint64_t total = 0;
    unsigned n = 0;

    /*
     * Virtual clock: each kernel entry is one tick, except those that took
     * none (a system call run when its preempted thread resumes, a stall):
     * ticks = entries - untimed. Real clock: ticks are the host timer's.
     */
    if (clock == MICA_CLOCK_REAL)
        fprintf(f, "  %-18s %" PRIu64 " (real clock: %u ms timer interrupts the kernel took)\n",
                "ticks", r->ticks, 1u);
    else
        fprintf(f, "  %-18s %" PRIu64 " (virtual clock: one per kernel entry, untimed ones "
                "excepted)\n", "ticks", r->ticks);
    fprintf(f, "  %-18s %" PRIu64 ".%09" PRIu64 " s\n", "time", r->time_ns / 1000000000u,
            r->time_ns % 1000000000u);
    if (clock == MICA_CLOCK_REAL)
        fprintf(f, "  %-18s %" PRIu64 "\n", "kernel entries", r->kernel_entries);
    else
        fprintf(f, "  %-18s %" PRIu64 " (%" PRIu64 " with a tick, %" PRIu64 " untimed: a system "
                "call run when its thread resumed)\n", "kernel entries", r->kernel_entries,
                r->kernel_entries - r->untimed_entries, r->untimed_entries);
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
    fprintf(f, "  %-18s %" PRIu64 " (%" PRIu64 " failed", "invocations", r->invocations,
            r->invocation_errors);
    if (r->expected_errors)
        fprintf(f, "; %" PRIu64 " probes of the user library answered as it expected",
                r->expected_errors);
    fputs(")\n", f);
    fprintf(f, "  %-18s %" PRIu64 "\n", "IPCs", r->ipcs);
    fprintf(f, "  %-18s %" PRIu64 "\n", "fast-path hits", r->fastpath_hits);
    fprintf(f, "  %-18s %" PRIu64 "\n", "context switches", r->context_switches);
    unsigned escaped = report_escaped_threads();
    fprintf(f, "  %-18s %" PRIu64 " (%u threads stopped for want of a handler", "faults",
            r->faults, r->faulted_threads - escaped);
    if (escaped)
        fprintf(f, ", %u for escaping the machine", escaped);
    fputs(")\n", f);
    for (unsigned c = 0; r->cpus > 1 && c < r->cpus && c < MICA_MAX_CPUS; c++)
        fprintf(f, "  cpu%-15u %" PRIu64 " kernel entries, %" PRIu64 " context switches, %"
                PRIu64 " IPIs, %" PRIu64 " idle waits\n", c, r->cpu[c].kernel_entries,
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
    for (unsigned i = 0; i <= MICA_MAX_IRQ; i++) {
        const struct mica_irq_stats *q = &r->irq[i];
        if (!q->raised && !q->delivered && !q->acked)
            continue;
        char line[24];
        snprintf(line, sizeof line, "irq %u", i);
        fprintf(f, "  %-18s raised %" PRIu64 ", delivered %" PRIu64 ", acked %" PRIu64 "\n", line,
                q->raised, q->delivered, q->acked);
    }
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
    report_print_root(f);
}

int runner_run(const runner_opts_t *o, mica_root_task_fn root, void *arg)
{
    mica_run_result_t r;
    /* A file that cannot be created is reported by the option that named it. */
    const char *settings[SIM_OUT_COUNT];
    memcpy(settings, sim_out_setting, sizeof settings);
    sim_out_setting[SIM_OUT_TRACE] = "--trace";
    sim_out_setting[SIM_OUT_LOG] = "--log";
    sim_out_setting[SIM_OUT_DOT] = "--cspace-dot";
    int rc = mica_run(&o->cfg, root, arg, &r);
    memcpy(sim_out_setting, settings, sizeof settings);
    if (rc == -EINVAL)
        return MICA_EXIT_USAGE;     /* mica_run said why */
    if (rc == -EACCES)
        return MICA_EXIT_CANTCREAT; /* it named the file, the option and the reason */
    if (rc != 0)
        return MICA_EXIT_HOST;
    fflush(stdout);

    /* mica_run has already reported a deadlock, a broken invariant or a stall. */
    if (o->stats)
        fprintf(stderr, "mica: stopped: %s after %" PRIu64 " kernel entries\n",
                mica_stop_reason_name(r.reason), r.kernel_entries);
    else if (r.reason == MICA_STOP_TIME_LIMIT)
        fprintf(stderr, "mica: stopped: time limit of %" PRIu64 " ticks reached\n",
                o->cfg.time_limit_ticks);
    if (o->stats)
        print_stats(&r, o->cfg.clock);
    /* Threads that crashed with nobody to handle it: listed, whatever else happened. */
    if (r.faulted_threads) {
        unsigned escaped = report_escaped_threads();
        fprintf(stderr, "mica: %u thread%s stopped %s:\n", r.faulted_threads,
                r.faulted_threads == 1 ? " was" : "s were",
                !escaped ? "by a fault that no handler took"
                : escaped == r.faulted_threads ? "for escaping the simulated machine (exit, "
                                                 "pthread_exit or longjmp in task code)"
                : "by a fault that no handler took or for escaping the simulated machine");
        report_print_faulted(stderr);
    }

    /* Whatever the stop, an incomplete output file must not pass (mica_run said which). */
    if (r.output_error)
        return MICA_EXIT_IOERR;
    switch (r.reason) {
    case MICA_STOP_IDLE:
    case MICA_STOP_HALT:
        return r.faulted_threads ? MICA_EXIT_FAULTED : MICA_EXIT_OK;
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
    return MICA_EXIT_INTERNAL;
}

/* The program's own arguments (mica_main_args): its name, then the words after `--`. */
static char *no_args[] = { NULL };
static char **main_argv = no_args;
static int main_argc;

void runner_set_main_args(int argc, char **argv)
{
    main_argc = argv ? argc : 0;
    main_argv = argv ? argv : no_args;
}

char **mica_main_args(int *argc)
{
    if (argc)
        *argc = main_argc;
    return main_argv;
}

void runner_print_version(void)
{
    printf("mica %s\n", MICA_VERSION);
}

int runner_split_argv(int argc, char **argv, const char *fallback, const char **prog,
                      char ***opts, int *nopts)
{
    *prog = argc > 0 && argv[0] ? argv[0] : fallback;
    *nopts = argc > 0 ? argc - 1 : 0;
    *opts = argc > 0 ? argv + 1 : argv;
    for (int i = 0; i < *nopts; i++)
        if (strcmp((*opts)[i], "--") == 0)
            return i;
    return *nopts;
}

int mica_main(int argc, char **argv, mica_root_task_fn root, void *arg)
{
    runner_opts_t o;
    const char *prog;
    char **opts;
    int nopts, split = runner_split_argv(argc, argv, "mica-program", &prog, &opts, &nopts);
    int err = runner_parse(split, opts, &o);
    if (err)
        return err;
    if (o.version) {
        runner_print_version();
        return MICA_EXIT_OK;
    }
    if (o.help) {
        printf("Usage: %s [options] [-- program arguments]\n"
               "Run this program's root task on a simulated mica machine.\n", prog);
        runner_print_options(stdout);
        return MICA_EXIT_OK;
    }
    if (o.nargs)
        return runner_usage_error("unexpected argument '%s' (the program's own arguments go "
                                  "after --; see --help)", o.args[0]);
    if (!root)
        return runner_usage_error("mica_main needs a root task");
    /* The program's argv for mica_main_args: its name, then the words after `--`. */
    int after = split < nopts ? nopts - split - 1 : 0;
    char **pargv = calloc((size_t)after + 2, sizeof *pargv);
    if (!pargv) {
        fprintf(stderr, "mica: out of memory\n");
        return MICA_EXIT_HOST;
    }
    pargv[0] = (char *)prog;
    for (int i = 0; i < after; i++)
        pargv[1 + i] = opts[split + 1 + i];
    runner_set_main_args(1 + after, pargv);
    int status = runner_run(&o, root, arg);
    runner_set_main_args(0, NULL);
    free(pargv);
    return status;
}
