/*
 * ipc-generations - one-way IPC latency of three microkernel generations on
 * one core, after Liedtke's comparison of L3 with Mach (SOSP 1993).
 *
 *   ipc-generations [--quick] [--model] [--sizes 8,64,...] [--csv FILE] [--svg FILE]
 *
 * Paths, each a client and a server in two processes (own CSpace and VSpace):
 *   sel4-fast  Call / ReplyRecv with the message in registers (<= 32 bytes)
 *   sel4-buf   the message in the IPC buffer (<= 960 bytes: seL4's 120 words);
 *              larger ones written into a shared frame, (offset, length) in
 *              registers - one copy, as L3 copied once
 *   l4         the L4 personality's l4_ipc_call: two words in registers, the
 *              rest an indirect string copied once into the receiver
 *   mach       mach_msg(SEND|RCV) through machd: copy-in to a kernel buffer,
 *              queue, copy-out, reply on a send-once right; past 8 KiB the
 *              data goes out of line
 * Every request and every reply carries the message size, so one-way is half
 * a round trip (Liedtke's convention).
 *
 * Default mode: host time (CLOCK_MONOTONIC) per round trip, median of the
 * repetitions, and mica's counters per round trip: kernel entries, context
 * switches, IPCs, bytes copied (the kernel's buffer-to-buffer copies plus
 * the personalities' own), basic blocks of user-level code.
 * --model: the cost model instead of time. The same programs under the
 * virtual clock, counters only, priced in 486 cycles (see cost_model): the
 * same table on every machine and every run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <math.h>
#include <time.h>
#include <mica/mica.h>
#include "ipc_generations.h"

#define MAX_SIZES 16
#define MAX_REPS 15

/* What one (path, size) point measured. */
typedef struct point {
    int supported;
    double ns_rt;               /* median host ns per round trip */
    double entries, switches, ipcs, bytes, blocks;      /* per round trip */
    double model_cycles;        /* 486 cycles per one-way message (cost model) */
} point_t;

static const unsigned default_sizes[] = { 8, 64, 512, 960, 4096, 16384 };
static unsigned sizes[MAX_SIZES];
static int nsizes;
static int quick, model;
static unsigned long iters;     /* timed round trips per repetition */
static int reps;

/* --- measurement, run inside the client task ------------------------------------ */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * The client's loop: a warm-up, then reps timed repetitions of iters round
 * trips; the counters are read around the last repetition (mica_sim_counters
 * enters no kernel, so reading adds nothing to them). extra_bytes reports the
 * bytes a personality copied itself, read the same way.
 */
void gen_measure(gen_rt_fn one_rt, void *ctx, gen_bytes_fn extra_bytes, void *out)
{
    point_t *pt = out;
    double samples[MAX_REPS];
    mica_run_result_t a, b;
    for (unsigned long i = 0; i < iters / 10 + 1; i++)
        one_rt(ctx);
    for (int r = 0; r < reps; r++) {
        uint64_t xa = 0, xb = 0;
        if (r == reps - 1) {
            mica_sim_counters(&a);
            xa = extra_bytes ? extra_bytes() : 0;
        }
        double t0 = now_ns();
        for (unsigned long i = 0; i < iters; i++)
            one_rt(ctx);
        samples[r] = (now_ns() - t0) / (double)iters;
        if (r == reps - 1) {
            mica_sim_counters(&b);
            xb = extra_bytes ? extra_bytes() : 0;
            double n = (double)iters;
            pt->entries = (double)(b.kernel_entries - a.kernel_entries) / n;
            pt->switches = (double)(b.context_switches - a.context_switches) / n;
            pt->ipcs = (double)(b.ipcs - a.ipcs) / n;
            pt->bytes = (double)(b.ipc_bytes_copied - a.ipc_bytes_copied + (xb - xa)) / n;
            pt->blocks = (double)(b.task_blocks - a.task_blocks) / n;
        }
    }
    qsort(samples, (size_t)reps, sizeof samples[0], cmp_double);
    pt->ns_rt = samples[reps / 2];
    pt->supported = 1;
}

/* --- the paths --------------------------------------------------------------- */

typedef struct path {
    const char *name;
    int (*supports)(unsigned bytes);
    mica_root_task_fn root;     /* builds the client and server, runs gen_measure */
} path_t;

static const path_t paths[] = {
    { "sel4-fast", gen_sel4_fast_supports, gen_sel4_fast_root },
    { "sel4-buf", gen_sel4_buf_supports, gen_sel4_buf_root },
    { "l4", gen_l4_supports, gen_l4_root },
    { "mach", gen_mach_supports, gen_mach_root },
};
#define NPATHS (sizeof paths / sizeof paths[0])

static point_t results[MAX_SIZES][NPATHS];

/*
 * The cost model: what each counted event would cost on the i486-50 of
 * Liedtke's measurements, in cycles.
 *   ENTRY  a kernel entry and exit: 107 cycles, Liedtke's measurement.
 *   SWITCH an address-space switch (TLB flush and refill), and
 *   IPC    the kernel's own work per message (lookups, queues, state):
 *          together with ENTRY, 260 cycles - L3's 5.2 us one-way 8-byte IPC.
 *   BLOCK  a basic block of user-level code (about 5 instructions at about
 *          2 cycles each).
 *   BYTE   a byte copied: 1.2 cycles (486 memory bandwidth, about 40 MB/s).
 * The first three make the register path cost exactly what L3's did; the
 * rest follows from what each path does, counted by mica.
 */
#define COST_ENTRY 107.0
#define COST_SWITCH 73.0
#define COST_IPC 80.0
#define COST_BLOCK 10.0
#define COST_BYTE 1.2

static double cost_model(const point_t *p)
{
    double rt = p->entries * COST_ENTRY + p->switches * COST_SWITCH + p->ipcs * COST_IPC +
                p->blocks * COST_BLOCK + p->bytes * COST_BYTE;
    return rt / 2;
}

unsigned gen_size;              /* message bytes of the point being measured */

static void run_point(size_t s, size_t k)
{
    mica_config_t cfg;
    mica_run_result_t res;
    point_t *pt = &results[s][k];
    gen_size = sizes[s];
    if (!paths[k].supports(gen_size))
        return;
    mica_config_init(&cfg);
    cfg.phys_mem_bytes = 256ul << 20;
    cfg.timeslice_ticks = 1u << 30;     /* no round-robin noise */
    cfg.quiet = 1;      /* a Mach server left waiting in machd reads as a deadlock at the end */
    if (mica_run(&cfg, paths[k].root, pt, &res) != 0) {
        fprintf(stderr, "ipc-generations: %s at %u bytes: mica_run failed\n", paths[k].name,
                gen_size);
        exit(1);
    }
    if (!pt->supported) {
        fprintf(stderr, "ipc-generations: %s at %u bytes did not finish (stopped: %s)%s%s\n",
                paths[k].name, gen_size, mica_stop_reason_name(res.reason),
                res.message[0] ? ": " : "", res.message);
        exit(1);
    }
    pt->model_cycles = cost_model(pt);
}

/* The best seL4-style figure at this size: registers if they fit, else the buffer. */
static const point_t *sel4_best(size_t s)
{
    return results[s][0].supported ? &results[s][0] : &results[s][1];
}

static double value(const point_t *p)
{
    return model ? p->model_cycles : p->ns_rt / 2;
}

static const char *liedtke(unsigned bytes)
{
    return bytes == 8 ? "22x" : bytes == 4096 ? "3x" : "-";
}

static void print_table(void)
{
    struct utsname u;
    uname(&u);
    printf("ipc-generations: hosted simulator - compare shapes, not absolute numbers\n");
    printf("machine %s %s, compiler %s, %s\n", u.machine, u.release, __VERSION__,
           model ? "cost model: virtual clock, counters priced in i486-50 cycles"
                 : "host time, virtual clock, one simulated CPU");
    if (!model)
        printf("%lu round trips x %d repetitions per point, median\n", iters, reps);
    printf("\none-way %s\n", model ? "486 cycles (us at 50 MHz)" : "ns");
    printf("%7s %12s %12s %12s %12s %10s %8s\n", "bytes", "sel4-fast", "sel4-buf", "l4", "mach",
           "mach/sel4", "Liedtke");
    for (int s = 0; s < nsizes; s++) {
        printf("%7u", sizes[s]);
        for (size_t k = 0; k < NPATHS; k++) {
            const point_t *p = &results[s][k];
            if (!p->supported)
                printf(" %12s", "-");
            else if (model)
                printf(" %6.0f (%3.0f)", p->model_cycles, p->model_cycles / 50);
            else
                printf(" %12.1f", p->ns_rt / 2);
        }
        const point_t *m = &results[s][3], *b = sel4_best(s);
        if (m->supported && b->supported)
            printf(" %9.1fx %8s\n", value(m) / value(b), liedtke(sizes[s]));
        else
            printf(" %10s %8s\n", "-", liedtke(sizes[s]));
    }
    printf("\nper round trip: kernel entries / context switches / IPCs / bytes copied / "
           "user basic blocks\n");
    for (int s = 0; s < nsizes; s++) {
        printf("%7u", sizes[s]);
        for (size_t k = 0; k < NPATHS; k++) {
            const point_t *p = &results[s][k];
            if (!p->supported)
                printf("  %-9s -", paths[k].name);
            else
                printf("  %-9s %.0f/%.0f/%.0f/%.0f/%.0f", paths[k].name, p->entries, p->switches,
                       p->ipcs, p->bytes, p->blocks);
        }
        printf("\n");
    }
}

static int write_csv(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "ipc-generations: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "size,path,ns_oneway,model_cycles_oneway,ipc_per_rt,bytes_copied_per_rt,"
               "kernel_entries_per_rt,context_switches_per_rt,user_blocks_per_rt\n");
    for (int s = 0; s < nsizes; s++)
        for (size_t k = 0; k < NPATHS; k++) {
            const point_t *p = &results[s][k];
            if (!p->supported)
                continue;
            fprintf(f, "%u,%s,%.1f,%.0f,%.2f,%.0f,%.2f,%.2f,%.1f\n", sizes[s], paths[k].name,
                    model ? 0.0 : p->ns_rt / 2, p->model_cycles, p->ipcs, p->bytes, p->entries,
                    p->switches, p->blocks);
        }
    if (fclose(f) != 0) {
        fprintf(stderr, "ipc-generations: writing %s failed: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/*
 * A log-log plot of one-way cost against message size, one line per path,
 * written as SVG by hand: no plotting package is needed to draw it.
 */
static int write_svg(const char *path)
{
    static const char *colour[NPATHS] = { "#1b9e77", "#66a61e", "#7570b3", "#d95f02" };
    const double W = 640, H = 420, L = 70, R = 150, T = 40, B = 50;
    double xmin = 1e300, xmax = 0, ymin = 1e300, ymax = 0;
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "ipc-generations: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (int s = 0; s < nsizes; s++)
        for (size_t k = 0; k < NPATHS; k++)
            if (results[s][k].supported) {
                double v = value(&results[s][k]);
                xmin = sizes[s] < xmin ? sizes[s] : xmin;
                xmax = sizes[s] > xmax ? sizes[s] : xmax;
                ymin = v < ymin ? v : ymin;
                ymax = v > ymax ? v : ymax;
            }
    if (xmax <= xmin)
        xmax = xmin * 2;
    /* Whole decades on y. */
    double y0 = pow(10, floor(log10(ymin > 0 ? ymin : 1))), y1 = pow(10, ceil(log10(ymax > 0 ? ymax : 10)));
    if (y1 <= y0)
        y1 = y0 * 10;
#define PX(x) (L + (log2(x) - log2(xmin)) / (log2(xmax) - log2(xmin)) * (W - L - R))
#define PY(y) (H - B - (log10(y) - log10(y0)) / (log10(y1) - log10(y0)) * (H - T - B))
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"%.0f\" y=\"22\" font-size=\"14\">One-way IPC %s, by message size "
               "(log-log)</text>\n", L, model ? "cost (486 cycles, cost model)" : "latency (ns)");
    for (double y = y0; y <= y1 * 1.0001; y *= 10) {
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                L, PY(y), W - R, PY(y));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", L - 6,
                PY(y) + 4, y);
    }
    for (int s = 0; s < nsizes; s++) {
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                PX(sizes[s]), (double)T, PX(sizes[s]), H - B);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%u</text>\n",
                PX(sizes[s]), H - B + 16, sizes[s]);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">message bytes</text>\n",
            (L + W - R) / 2, H - 12);
    for (size_t k = 0; k < NPATHS; k++) {
        int first = 1, any = 0;
        for (int s = 0; s < nsizes; s++)
            if (results[s][k].supported) {
                if (first)
                    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
                            colour[k]);
                fprintf(f, "%s%.1f,%.1f", first ? "" : " ", PX(sizes[s]),
                        PY(value(&results[s][k])));
                first = 0;
                any = 1;
            }
        if (any)
            fprintf(f, "\"/>\n");
        for (int s = 0; s < nsizes; s++)
            if (results[s][k].supported)
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
                        PX(sizes[s]), PY(value(&results[s][k])), colour[k]);
        fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"14\" height=\"4\" fill=\"%s\"/>"
                   "<text x=\"%.0f\" y=\"%.0f\">%s</text>\n", W - R + 12, T + 10 + 20.0 * k,
                colour[k], W - R + 32, T + 15 + 20.0 * k, paths[k].name);
    }
    /* Liedtke's two points, as ratios beside ours. */
    double ty = T + 20.0 * NPATHS + 20;
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\">mach / sel4:</text>\n", W - R + 12, ty);
    for (int s = 0; s < nsizes; s++) {
        const point_t *m = &results[s][3], *b = sel4_best(s);
        if ((sizes[s] == 8 || sizes[s] == 4096) && m->supported && b->supported) {
            ty += 16;
            fprintf(f, "<text x=\"%.0f\" y=\"%.0f\">%u B: %.1fx (1993: %s)</text>\n", W - R + 12,
                    ty, sizes[s], value(m) / value(b), liedtke(sizes[s]));
        }
    }
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" fill=\"#777\">hosted simulator: compare shapes, "
               "not absolute numbers</text>\n", L, (double)T - 4);
    fprintf(f, "</svg>\n");
#undef PX
#undef PY
    if (fclose(f) != 0) {
        fprintf(stderr, "ipc-generations: writing %s failed: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int parse_sizes(const char *arg)
{
    nsizes = 0;
    const char *p = arg;
    while (*p) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p || errno || v == 0 || v > GEN_MAX_BYTES || nsizes == MAX_SIZES ||
            (*end && *end != ',')) {
            fprintf(stderr, "ipc-generations: --sizes %s: want up to %d sizes of 1..%u bytes, "
                            "comma-separated\n", arg, MAX_SIZES, GEN_MAX_BYTES);
            return -1;
        }
        sizes[nsizes++] = (unsigned)v;
        p = *end ? end + 1 : end;
    }
    return nsizes ? 0 : -1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: ipc-generations [--quick] [--model] [--sizes N,N,...] [--csv FILE] [--svg FILE]\n");
}

int main(int argc, char **argv)
{
    const char *csv = NULL, *svg = NULL;
    for (size_t i = 0; i < sizeof default_sizes / sizeof default_sizes[0]; i++)
        sizes[nsizes++] = default_sizes[i];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--model") == 0)
            model = 1;
        else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc)
            csv = argv[++i];
        else if (strcmp(argv[i], "--svg") == 0 && i + 1 < argc)
            svg = argv[++i];
        else if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc) {
            if (parse_sizes(argv[++i]) != 0)
                return 64;
        } else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "ipc-generations: unknown option %s\n", argv[i]);
            usage(stderr);
            return 64;
        }
    }
    /* The model needs no repetitions: its counters are the same every run. */
    iters = model ? 1000 : quick ? 5000 : 100000;
    reps = model ? 1 : quick ? 3 : 5;
    for (int s = 0; s < nsizes; s++)
        for (size_t k = 0; k < NPATHS; k++)
            run_point((size_t)s, k);
    print_table();
    if (csv && write_csv(csv) != 0)
        return 1;
    if (svg && write_svg(svg) != 0)
        return 1;
    return 0;
}
