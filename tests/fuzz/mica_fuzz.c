/*
 * mica-fuzz - random system-call campaigns against the kernel, with the
 * invariant checker, isolation checks and crash detection.
 *
 *   mica-fuzz --seed S --tasks T --syscalls N [--check each|end|off] [--mem SIZE]
 *             [--cpus N] [--chunk C] [--only-chunk K] [--log FILE] [--no-fork]
 *             [--no-isolation] [--stats] [--quiet]
 *
 * A campaign of N operations runs as a sequence of chunks: chunk k boots a
 * fresh system built by fuzzlib from the seed mix(S, k) and issues up to C
 * operations in it. Each chunk runs in a forked child, so a kernel panic or
 * a crash of the simulator is detected and reported instead of ending the
 * campaign; the child's text trace goes to a ring in shared memory, and
 * its progress (operations, kernel entries) to a shared counter, so the
 * report of a crash still has the last events.
 *
 * With --cpus N the system runs on N simulated CPUs (host threads under
 * the big kernel lock), its tasks spread over them: task code runs in
 * parallel and the invariants are still checked after every kernel entry,
 * but the host decides how the CPUs interleave, so a seed does not replay
 * a chunk exactly (the replay command runs the same system, not the same
 * run).
 *
 * A violation is: the run stopping with MICA_STOP_INVARIANT, a chunk dying
 * (kernel panic, host signal), system B changing (isolation), or a chunk
 * that stops making progress (time limit) or stops otherwise than by the
 * fuzzer's own halt. For each, the report gives the seed, the chunk, the
 * kernel-entry number and the last 30 lines of the trace, and a command
 * that replays the chunk.
 *
 * The last line on stdout is "N syscalls, K violations"; the exit status
 * is 0 when K is 0, 1 otherwise, 2 for a bad command line or a setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <mica/mica.h>
#include "fuzzlib.h"

#define RING_BYTES (64u << 10)
#define TAIL_LINES 30

/* What a chunk's child leaves for the parent (shared memory). */
struct shared {
    fz_progress_t progress;
    int rc;                     /* mica_run's return value */
    int ran;                    /* mica_run returned */
    mica_run_result_t run;
    fz_result_t fz;
    uint64_t ops[128];
    uint64_t ops_ok[128];
    mica_trace_ring_t ring;     /* followed by RING_BYTES of data */
};

static struct opts {
    uint64_t seed;
    unsigned tasks;
    uint64_t syscalls;
    mica_check_t check;
    size_t mem;
    uint64_t chunk;
    long only_chunk;
    const char *log;
    int fork;
    int isolation;
    int stats;
    int quiet;
    int vspace_stacks;
    const char *input;
    mica_clock_t clock;
    unsigned cpus;
} o = {
    .seed = 1, .tasks = 4, .syscalls = 10000, .check = MICA_CHECK_EACH_ENTRY,
    .mem = 32ul << 20, .chunk = 50000, .only_chunk = -1, .fork = 1, .isolation = 1, .cpus = 1,
};

static struct shared *sh;
static uint64_t op_totals[128], op_ok_totals[128];
/* --stats: the campaign's interrupts per line, and fzdev's figures */
static uint64_t irq_raised[MICA_MAX_IRQ + 1], irq_delivered[MICA_MAX_IRQ + 1], irq_acked[MICA_MAX_IRQ + 1];
static uint64_t dev_events, dev_raises, dev_reads, dev_writes, dev_made, dev_mapped, mmio_dev;

static void usage(FILE *f)
{
    fprintf(f,
        "usage: mica-fuzz --seed S --tasks T --syscalls N [options]\n"
        "  --seed S          campaign seed (default 1)\n"
        "  --tasks T         fuzzing threads per system, 1..%d (default 4)\n"
        "  --syscalls N      operations in the whole campaign (default 10000)\n"
        "  --check each|end|off  invariant checker after every kernel entry (default),\n"
        "                    once at the end of each chunk, or never\n"
        "  --mem SIZE        simulated memory per system, e.g. 32M (default); 2G or more\n"
        "                    gives a 1 GiB untyped, so 1 GiB frames retype and map\n"
        "  --clock real      preempt tasks anywhere with a 1 ms host timer (not replayable)\n"
        "  --cpus N          simulated CPUs, 1..%d (default 1); with more than one, task\n"
        "                    code runs in parallel and a seed is not replayable exactly\n"
        "  --chunk C         operations per booted system (default 50000)\n"
        "  --only-chunk K    run only chunk K of the campaign (to replay a report)\n"
        "  --log FILE        write the full text trace of every chunk to FILE\n"
        "  --no-fork         run chunks in this process (for gdb; a crash ends the campaign)\n"
        "  --no-isolation    do not build and check the isolated system B\n"
        "  --vspace-stacks   also start threads on stacks in their VSpace (see docs/testing.md)\n"
        "  --input FILE      run one libFuzzer input (tests/fuzz/libfuzzer.c's system) and report\n"
        "  --stats           print how often each operation ran\n"
        "  --quiet           no progress lines\n", FZ_MAX_TASKS, MICA_MAX_CPUS);
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s)
        return -1;
    switch (*end) {
    case 'k': case 'K': v <<= 10; end++; break;
    case 'm': case 'M': v <<= 20; end++; break;
    case 'g': case 'G': v <<= 30; end++; break;
    default: break;
    }
    if (*end)
        return -1;
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
#define NEEDS_VALUE() do { if (!v) { fprintf(stderr, "mica-fuzz: %s needs a value\n", a); return -1; } i++; } while (0)
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--seed")) {
            NEEDS_VALUE();
            if (parse_u64(v, &o.seed)) goto bad;
        } else if (!strcmp(a, "--tasks")) {
            NEEDS_VALUE();
            if (parse_u64(v, &n) || n < 1 || n > FZ_MAX_TASKS) goto bad;
            o.tasks = (unsigned)n;
        } else if (!strcmp(a, "--syscalls")) {
            NEEDS_VALUE();
            if (parse_u64(v, &o.syscalls)) goto bad;
        } else if (!strcmp(a, "--check")) {
            NEEDS_VALUE();
            if (!strcmp(v, "each")) o.check = MICA_CHECK_EACH_ENTRY;
            else if (!strcmp(v, "end")) o.check = MICA_CHECK_END;
            else if (!strcmp(v, "off")) o.check = MICA_CHECK_OFF;
            else goto bad;
        } else if (!strcmp(a, "--mem")) {
            NEEDS_VALUE();
            if (parse_u64(v, &n)) goto bad;
            o.mem = (size_t)n;
        } else if (!strcmp(a, "--chunk")) {
            NEEDS_VALUE();
            if (parse_u64(v, &o.chunk) || o.chunk == 0) goto bad;
        } else if (!strcmp(a, "--only-chunk")) {
            NEEDS_VALUE();
            if (parse_u64(v, &n)) goto bad;
            o.only_chunk = (long)n;
        } else if (!strcmp(a, "--log")) {
            NEEDS_VALUE();
            o.log = v;
        } else if (!strcmp(a, "--no-fork")) {
            o.fork = 0;
        } else if (!strcmp(a, "--no-isolation")) {
            o.isolation = 0;
        } else if (!strcmp(a, "--clock")) {
            NEEDS_VALUE();
            if (!strcmp(v, "virtual")) o.clock = MICA_CLOCK_VIRTUAL;
            else if (!strcmp(v, "real")) o.clock = MICA_CLOCK_REAL;
            else goto bad;
        } else if (!strcmp(a, "--cpus")) {
            NEEDS_VALUE();
            if (parse_u64(v, &n) || n < 1 || n > MICA_MAX_CPUS) goto bad;
            o.cpus = (unsigned)n;
        } else if (!strcmp(a, "--input")) {
            NEEDS_VALUE();
            o.input = v;
        } else if (!strcmp(a, "--vspace-stacks")) {
            o.vspace_stacks = 1;
        } else if (!strcmp(a, "--stats")) {
            o.stats = 1;
        } else if (!strcmp(a, "--quiet")) {
            o.quiet = 1;
        } else {
            fprintf(stderr, "mica-fuzz: unknown option %s\n", a);
            usage(stderr);
            return -1;
        }
        continue;
bad:
        fprintf(stderr, "mica-fuzz: bad value '%s' for %s\n", v, a);
        return -1;
#undef NEEDS_VALUE
    }
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char log_tmp[4096];
static uint8_t *input;          /* --input: the libFuzzer input */
static size_t input_n;

/* The body of a chunk (in the child, or in this process with --no-fork). */
static void run_chunk(uint64_t cseed, uint64_t budget)
{
    mica_config_t mc;
    fz_config_t fc;
    if (input) {
        fz_input_config(&mc, &fc, input, input_n);
        mc.trace_ring = &sh->ring;
        if (o.log)
            mc.log_path = log_tmp;
        fc.progress = &sh->progress;
        sh->rc = mica_run(&mc, fz_root, &fc, &sh->run);
        sh->fz = *fz_last_result();
        sh->ran = 1;
        return;
    }
    mica_config_init(&mc);
    mc.phys_mem_bytes = o.mem;
    mc.check = o.check;
    mc.seed = cseed;
    mc.clock = o.clock;
    mc.cpus = o.cpus;
    mc.quiet = 1;
    mc.max_threads = 512;
    mc.trace_ring = &sh->ring;
    /* Tasks block and get revived; allow far more ticks than operations before calling it a stall. */
    mc.time_limit_ticks = budget * 200 + 2000000;
    if (o.log)
        mc.log_path = log_tmp;
    fz_config_init(&fc);
    fc.seed = cseed;
    fz_machine(&mc, &fc);
    fc.tasks = o.tasks;
    fc.budget = budget;
    fc.crashes = 1;
    fc.isolation = o.isolation;
    /*
     * The atomicity check reads kernel state from task code between two
     * operations; the real clock can preempt it there (and tear its record),
     * so it is a virtual-clock check.
     */
    fc.atomicity = o.clock == MICA_CLOCK_VIRTUAL;
    fc.allow_halt_op = 1;
    fc.console = o.fork;        /* the child's stdout is /dev/null */
    fc.vspace_stacks = o.vspace_stacks;
    fc.progress = &sh->progress;
    sh->rc = mica_run(&mc, fz_root, &fc, &sh->run);
    sh->fz = *fz_last_result();
    for (unsigned i = 0; i < fz_op_count() && i < 128; i++)
        sh->ops[i] = fz_op_runs(i), sh->ops_ok[i] = fz_op_ok(i);
    sh->ran = 1;
}

static void print_tail(void)
{
    static char tail[RING_BYTES + 1];
    size_t n = mica_trace_ring_tail(&sh->ring, TAIL_LINES, tail, sizeof tail);
    /* Thread names are task data: show any byte the terminal would swallow. */
    for (size_t i = 0; i < n; i++)
        if (tail[i] == 0 || ((unsigned char)tail[i] < 0x20 && tail[i] != '\n'))
            tail[i] = '?';
    fprintf(stderr, "--- last %d trace events (of %" PRIu64 " bytes of trace) ---\n%s", TAIL_LINES,
            (uint64_t)sh->ring.written, tail);
    if (!tail[0] || tail[strlen(tail) - 1] != '\n')
        fputc('\n', stderr);
    fprintf(stderr, "---\n");
}

static void append_log(void)
{
    FILE *in = fopen(log_tmp, "r"), *out = fopen(o.log, "a");
    char buf[65536];
    size_t n;
    if (in && out)
        while ((n = fread(buf, 1, sizeof buf, in)) > 0)
            fwrite(buf, 1, n, out);
    if (in)
        fclose(in);
    if (out)
        fclose(out);
    unlink(log_tmp);
}

static const char *check_name(void)
{
    return o.check == MICA_CHECK_EACH_ENTRY ? "each" : o.check == MICA_CHECK_END ? "end" : "off";
}

/*
 * Run chunk k; report and return 1 if it violated something. *done gets
 * the operations it issued; *setup_error is set when the system could not
 * be built.
 */
static int chunk(uint64_t k, uint64_t budget, uint64_t *done, int *setup_error)
{
    uint64_t cseed = fz_mix(o.seed, k);
    memset(sh, 0, offsetof(struct shared, ring));
    sh->ring.written = 0;
    sh->ring.size = RING_BYTES;
    char what[1024] = "";
    int status = 0;

    fflush(stdout);
    fflush(stderr);
    if (o.fork) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("mica-fuzz: fork");
            exit(2);
        }
        if (pid == 0) {
            /* DebugPutChar output is noise here. */
            if (!freopen("/dev/null", "w", stdout))
                _exit(3);
            run_chunk(cseed, budget);
            fflush(NULL);
            _exit(0);
        }
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    } else {
        run_chunk(cseed, budget);
    }
    if (o.log)
        append_log();
    *done = sh->ran ? sh->fz.done : sh->progress.done;
    *setup_error = 0;
    for (unsigned i = 0; i < 128; i++)
        op_totals[i] += sh->ops[i], op_ok_totals[i] += sh->ops_ok[i];
    if (sh->ran) {
        for (unsigned i = 0; i <= MICA_MAX_IRQ; i++) {
            irq_raised[i] += sh->run.irq[i].raised;
            irq_delivered[i] += sh->run.irq[i].delivered;
            irq_acked[i] += sh->run.irq[i].acked;
        }
        dev_events += sh->fz.dev_events;
        dev_raises += sh->fz.dev_raises;
        dev_reads += sh->fz.dev_reads;
        dev_writes += sh->fz.dev_writes;
        dev_made += sh->fz.dev_frames_made;
        dev_mapped += sh->fz.dev_frames_mapped;
        mmio_dev += sh->fz.mmio_on_device;
    }

    if (o.stats && sh->ran) {
        static const char *const ends[] = { "stopped by the kernel", "budget spent", "stuck",
                                            "halt operation", "input used up", "setup failed" };
        fprintf(stderr, "mica-fuzz: chunk %" PRIu64 ": %" PRIu64 " operations, %s (%s), %" PRIu64
                " kernel entries, %" PRIu64 " faults served, %" PRIu64 " restarts, %" PRIu64
                " watchdog rounds, %" PRIu64 " isolation checks, %" PRIu64 " invocation errors of %"
                PRIu64 " (%" PRIu64 " checked unchanged)\n", k, sh->fz.done,
                sh->fz.end < 6 ? ends[sh->fz.end] : "?", mica_stop_reason_name(sh->run.reason),
                sh->run.kernel_entries, sh->fz.faults, sh->fz.restarts, sh->fz.watchdog_rounds,
                sh->fz.isolation_checks, sh->run.invocation_errors, sh->run.invocations,
                sh->fz.atomicity_checks);
        if (sh->run.cpus > 1) {
            fprintf(stderr, "mica-fuzz: chunk %" PRIu64 ": per CPU: kernel entries, context switches, "
                    "IPIs, idle waits:", k);
            for (unsigned c = 0; c < sh->run.cpus && c < MICA_MAX_CPUS; c++)
                fprintf(stderr, "%s cpu%u %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64,
                        c ? ";" : "", c, sh->run.cpu[c].kernel_entries,
                        sh->run.cpu[c].context_switches, sh->run.cpu[c].ipis,
                        sh->run.cpu[c].idle_waits);
            fputc('\n', stderr);
        }
    }
    uint64_t entry = sh->progress.kernel_entries;
    if (o.fork && WIFSIGNALED(status)) {
        snprintf(what, sizeof what, "the chunk died with host signal %d (%s): kernel panic or "
                 "simulator crash", WTERMSIG(status), strsignal(WTERMSIG(status)));
    } else if (o.fork && WEXITSTATUS(status) != 0) {
        snprintf(what, sizeof what, "the chunk exited with status %d", WEXITSTATUS(status));
    } else if (!sh->ran || sh->rc != 0) {
        snprintf(what, sizeof what, "mica_run failed (%d)", sh->rc);
    } else if (sh->fz.end == FZ_END_SETUP) {
        fprintf(stderr, "mica-fuzz: chunk %" PRIu64 ": %s\n", k, sh->fz.setup_message);
        *setup_error = 1;
        return 0;
    } else {
        entry = sh->run.kernel_entries;
        if (sh->run.reason == MICA_STOP_INVARIANT)
            snprintf(what, sizeof what, "%.1000s", sh->run.message);
        else if (sh->fz.isolation_broken)
            snprintf(what, sizeof what, "isolation broken: %s", sh->fz.isolation_message);
        else if (sh->fz.atomicity_broken)
            snprintf(what, sizeof what, "%s", sh->fz.atomicity_message);
        else if (sh->run.reason == MICA_STOP_TIME_LIMIT)
            snprintf(what, sizeof what, "no progress: the time limit passed after %" PRIu64
                     " operations", *done);
        else if (sh->run.reason != MICA_STOP_HALT && !input)
            snprintf(what, sizeof what, "the system stopped (%s) although the watchdog can always "
                     "run: %.900s", mica_stop_reason_name(sh->run.reason), sh->run.message);
    }
    if (!what[0])
        return 0;
    fprintf(stderr, "\nmica-fuzz: VIOLATION in seed %" PRIu64 " chunk %" PRIu64
            " (chunk seed 0x%" PRIx64 ") at kernel entry %" PRIu64 ", after %" PRIu64
            " operations of the chunk:\n  %s\n", o.seed, k, cseed, entry, *done, what);
    print_tail();
    char cpus_opt[32] = "";
    if (o.cpus > 1)
        snprintf(cpus_opt, sizeof cpus_opt, " --cpus %u", o.cpus);
    fprintf(stderr, "replay: mica-fuzz --seed %" PRIu64 " --tasks %u --syscalls %" PRIu64
            " --chunk %" PRIu64 " --only-chunk %" PRIu64 " --check %s --mem %zu%s%s%s%s%s\n\n",
            o.seed, o.tasks, budget, o.chunk, k, check_name(), o.mem, cpus_opt,
            o.isolation ? "" : " --no-isolation", o.vspace_stacks ? " --vspace-stacks" : "",
            o.clock == MICA_CLOCK_REAL ? " --clock real" : "",
            o.clock == MICA_CLOCK_REAL || o.cpus > 1 ? " (timing-dependent)" : "");
    return 1;
}

int main(int argc, char **argv)
{
    if (parse_args(argc, argv) != 0)
        return 2;
    if (o.input && o.cpus > 1) {
        fprintf(stderr, "mica-fuzz: --input replays a libFuzzer input on one CPU; drop --cpus\n");
        return 2;
    }
    sh = mmap(NULL, sizeof *sh + RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
              -1, 0);
    if (sh == MAP_FAILED) {
        perror("mica-fuzz: mmap");
        return 2;
    }
    if (o.log) {
        snprintf(log_tmp, sizeof log_tmp, "%s.chunk", o.log);
        FILE *f = fopen(o.log, "w");
        if (!f) {
            fprintf(stderr, "mica-fuzz: cannot write %s: %s\n", o.log, strerror(errno));
            return 2;
        }
        fclose(f);
    }

    if (o.input) {
        FILE *f = fopen(o.input, "rb");
        if (!f) {
            fprintf(stderr, "mica-fuzz: cannot read %s: %s\n", o.input, strerror(errno));
            return 2;
        }
        static uint8_t buf[1 << 20];
        input_n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        input = buf;
        o.syscalls = 1;     /* one run */
        o.only_chunk = 0;
    }
    uint64_t total = 0, violations = 0, k = o.only_chunk >= 0 ? (uint64_t)o.only_chunk : 0;
    uint64_t chunks = 0;
    double t0 = now(), last_report = t0;
    if (!o.quiet)
        fprintf(stderr, "mica-fuzz: seed %" PRIu64 ", %u tasks, %u CPU%s, %" PRIu64 " operations, "
                "check %s, %zu MiB, chunks of %" PRIu64 "\n", o.seed, o.tasks, o.cpus,
                o.cpus > 1 ? "s" : "", o.syscalls, check_name(), o.mem >> 20, o.chunk);
    while (total < o.syscalls) {
        uint64_t budget = o.syscalls - total < o.chunk ? o.syscalls - total : o.chunk;
        uint64_t done = 0;
        int setup_error = 0;
        violations += (uint64_t)chunk(k, budget, &done, &setup_error);
        if (setup_error) {
            fprintf(stderr, "mica-fuzz: the system could not be built; try --mem or fewer --tasks\n");
            printf("%" PRIu64 " syscalls, %" PRIu64 " violations\n", total, violations);
            return 2;
        }
        total += done ? done : 1;   /* a chunk that issued nothing still counts, so we end */
        chunks++;
        k++;
        double t = now();
        if (!o.quiet && (t - last_report > 2.0 || total >= o.syscalls)) {
            fprintf(stderr, "mica-fuzz: %" PRIu64 "/%" PRIu64 " operations, %" PRIu64 " chunks, "
                    "%" PRIu64 " violations, %.1f s (%.0f ops/s)\n", total, o.syscalls, chunks,
                    violations, t - t0, total / (t - t0 > 0 ? t - t0 : 1));
            last_report = t;
        }
        if (o.only_chunk >= 0)
            break;
    }
    if (o.stats) {
        fprintf(stderr, "operations run (and, for the paging ones, how many returned NoError):\n");
        for (unsigned i = 0; i < fz_op_count(); i++) {
            fprintf(stderr, "  %-32s %10" PRIu64, fz_op_name(i), op_totals[i]);
            if (fz_op_counts_ok(i))
                fprintf(stderr, " %10" PRIu64 " ok", op_ok_totals[i]);
            fputc('\n', stderr);
        }
        uint64_t r = 0, d = 0, a = 0;
        fprintf(stderr, "interrupts (line: raised, delivered, acked):\n");
        for (unsigned i = 0; i <= MICA_MAX_IRQ; i++) {
            r += irq_raised[i];
            d += irq_delivered[i];
            a += irq_acked[i];
            if (irq_raised[i] || irq_delivered[i] || irq_acked[i])
                fprintf(stderr, "  line %-2u %12" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n", i,
                        irq_raised[i], irq_delivered[i], irq_acked[i]);
        }
        fprintf(stderr, "  all     %12" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n", r, d, a);
        fprintf(stderr, "fzdev: %" PRIu64 " events, %" PRIu64 " raises of its line, %" PRIu64
                " register reads and %" PRIu64 " writes reached it\n", dev_events, dev_raises,
                dev_reads, dev_writes);
        fprintf(stderr, "device frames: %" PRIu64 " made from device untypeds, %" PRIu64 " mappings; "
                "%" PRIu64 " MMIO operations found a device page\n", dev_made, dev_mapped, mmio_dev);
    }
    printf("%" PRIu64 " syscalls, %" PRIu64 " violations\n", total, violations);
    return violations ? 1 : 0;
}
