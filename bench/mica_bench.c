/*
 * mica-bench - kernel and IPC costs, with the baselines measured in the same
 * run: mica's own context switch, glibc swapcontext, Linux pipes and futexes.
 *
 *   mica-bench [--quick] [--filter PATTERN] [--json FILE]
 *
 * PATTERN is a POSIX extended regular expression matched anywhere in a
 * case's name: `--filter 'ipc_call_replyrecv_rt$|ctx_switch_rt'`.
 *
 * Each case runs a warm-up, then `reps` repetitions of `iters` operations;
 * the table gives the median, minimum and maximum time per operation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <mica/mica.h>

#define MAX_REPS 31

struct result {
    const char *name;
    double median_ns, min_ns, max_ns;
    unsigned long iterations;
    const char *note;
};

static struct result results[64];
static int nresults;
static int quick;
static const char *filter;
static regex_t filter_re;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * Nanoseconds this thread has waited runnable for a CPU (Linux schedstat
 * run_delay), or 0 where the kernel does not report it. Read outside a timed
 * region, so it adds nothing to what it corrects.
 */
static double run_delay_ns(void)
{
    unsigned long long on_cpu, waited;
    FILE *f = fopen("/proc/thread-self/schedstat", "r");
    if (!f)
        return 0;
    int got = fscanf(f, "%llu %llu", &on_cpu, &waited);
    fclose(f);
    return got == 2 ? (double)waited : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int selected(const char *name)
{
    return !filter || regexec(&filter_re, name, 0, NULL, 0) == 0;
}

/* Record a case from per-operation samples. */
static void record(const char *name, double *samples, int reps, unsigned long iters, const char *note)
{
    qsort(samples, (size_t)reps, sizeof *samples, cmp_double);
    struct result *r = &results[nresults++];
    r->name = name;
    r->median_ns = samples[reps / 2];
    r->min_ns = samples[0];
    r->max_ns = samples[reps - 1];
    r->iterations = iters * (unsigned long)reps;
    r->note = note;
    fprintf(stderr, "  %-36s %10.1f ns\n", name, r->median_ns);
}

/* Time fn(iters) `reps` times after one warm-up; fn returns elapsed ns. */
static void measure(const char *name, double (*fn)(unsigned long), unsigned long iters, int reps,
                    const char *note)
{
    double s[MAX_REPS];
    if (!selected(name))
        return;
    if (quick) {
        iters = iters / 20 + 1;
        reps = 5;
    }
    fn(iters / 10 + 1);
    for (int i = 0; i < reps; i++)
        s[i] = fn(iters) / (double)iters;
    record(name, s, reps, iters, note);
}

/* --- baselines ------------------------------------------------------------ */

void mica_ctx_switch_asm(void **save_sp, void *load_sp);

static void *bare_sp[2];
static volatile unsigned long bare_left;

#if defined(__x86_64__) || defined(__aarch64__)
static void bare_partner(void)
{
    for (;;)
        mica_ctx_switch_asm(&bare_sp[1], bare_sp[0]);
}

/* A hand-built first frame, as sim/ctx.c builds one. */
static void *bare_frame(unsigned char *top)
{
    uintptr_t t = (uintptr_t)top & ~(uintptr_t)15;
#if defined(__x86_64__)
    uint64_t *ret = (uint64_t *)(t - 16);
    ret[1] = 0;
    ret[0] = (uint64_t)(uintptr_t)bare_partner;
    uint64_t *f = ret - 7;
    memset(f, 0, 7 * 8);
    ((uint32_t *)f)[0] = 0x1f80;
    ((uint32_t *)f)[1] = 0x037f;
    return f;
#else
    uint64_t *f = (uint64_t *)(t - 176);
    memset(f, 0, 176);
    f[11] = (uint64_t)(uintptr_t)bare_partner;
    return f;
#endif
}

static double bench_ctx_switch(unsigned long n)
{
    static unsigned char *stack;
    if (!stack) {
        stack = malloc(64 << 10);
        bare_sp[1] = bare_frame(stack + (64 << 10));
    }
    double t0 = now_ns();
    for (unsigned long i = 0; i < n; i++)
        mica_ctx_switch_asm(&bare_sp[0], bare_sp[1]);
    return now_ns() - t0;
}
#endif

static ucontext_t uc_main, uc_other;

static void uc_partner(void)
{
    for (;;)
        swapcontext(&uc_other, &uc_main);
}

static double bench_swapcontext(unsigned long n)
{
    static unsigned char *stack;
    if (!stack) {
        stack = malloc(64 << 10);
        getcontext(&uc_other);
        uc_other.uc_stack.ss_sp = stack;
        uc_other.uc_stack.ss_size = 64 << 10;
        makecontext(&uc_other, uc_partner, 0);
    }
    double t0 = now_ns();
    for (unsigned long i = 0; i < n; i++)
        swapcontext(&uc_main, &uc_other);
    return now_ns() - t0;
}

static double bench_pipe(unsigned long n)
{
    int a[2], b[2];
    char c = 0;
    if (pipe(a) || pipe(b))
        return 0;
    pid_t pid = fork();
    if (pid == 0) {
        for (unsigned long i = 0; i < n; i++) {
            if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1)
                _exit(1);
        }
        _exit(0);
    }
    double t0 = now_ns();
    for (unsigned long i = 0; i < n; i++) {
        if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1)
            break;
    }
    double t = now_ns() - t0;
    waitpid(pid, NULL, 0);
    close(a[0]); close(a[1]); close(b[0]); close(b[1]);
    return t;
}

static atomic_int futex_word;
static unsigned long futex_n;

static void futex_wait(int val)
{
    while (atomic_load(&futex_word) == val)
        syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_set(int val)
{
    atomic_store(&futex_word, val);
    syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *futex_partner(void *arg)
{
    (void)arg;
    for (unsigned long i = 0; i < futex_n; i++) {
        futex_wait(0);
        futex_set(0);
    }
    return NULL;
}

static double bench_futex(unsigned long n)
{
    pthread_t th;
    futex_n = n;
    atomic_store(&futex_word, 0);
    pthread_create(&th, NULL, futex_partner, NULL);
    double t0 = now_ns();
    for (unsigned long i = 0; i < n; i++) {
        futex_set(1);
        futex_wait(1);
    }
    double t = now_ns() - t0;
    pthread_join(th, NULL);
    return t;
}

/* --- cases inside a mica system ------------------------------------------ */

/* Each in-system case is a root task that fills samples[]. */
static double samples[MAX_REPS];
static int sample_reps;
static unsigned long sample_iters;

static mica_cptr_t next_free;
static const mica_bootinfo_t *boot;

static mica_cptr_t slot(void)
{
    return next_free++;
}

static mica_cptr_t largest_untyped(void)
{
    mica_cptr_t best = 0;
    unsigned bits = 0;
    for (mica_word_t i = 0; i < boot->untyped.end - boot->untyped.start; i++)
        if (!boot->untyped_list[i].is_device && boot->untyped_list[i].size_bits > bits) {
            bits = boot->untyped_list[i].size_bits;
            best = boot->untyped.start + i;
        }
    return best;
}

static mica_cptr_t make(mica_word_t type, mica_word_t bits)
{
    mica_cptr_t s = slot();
    if (mica_untyped_retype(largest_untyped(), type, bits, MICA_CAP_INIT_CNODE, 0, 0, s, 1)) {
        fprintf(stderr, "mica-bench: retype of %s failed\n", mica_object_type_name(type));
        exit(1);
    }
    return s;
}

static void thread_entry(mica_word_t fn, mica_word_t arg, mica_word_t r2, mica_word_t r3)
{
    (void)r2; (void)r3;
    ((void (*)(mica_word_t))fn)(arg);
}

static mica_cptr_t spawn(void (*fn)(mica_word_t), mica_word_t arg, mica_word_t prio)
{
    static mica_word_t vaddr = MICA_ROOT_FREE_VADDR;
    mica_cptr_t tcb = make(MICA_TCB_OBJECT, 0), buf = make(MICA_FRAME_OBJECT, 0);
    mica_tcb_configure(tcb, 0, MICA_CAP_INIT_CNODE, 0, MICA_CAP_INIT_VSPACE, 0, vaddr, buf);
    vaddr += 4096;
    mica_tcb_set_priority(tcb, MICA_CAP_INIT_TCB, prio);
    mica_user_context_t r = { .pc = (mica_word_t)thread_entry, .r0 = (mica_word_t)fn, .r1 = arg };
    mica_tcb_write_registers(tcb, true, 0, 4, &r);
    return tcb;
}

static mica_cptr_t bench_ep;
static mica_word_t msg_len;
static size_t sim_mem;      /* physical memory for the next in-system case, 0 = default */
static unsigned root_bits;  /* root CNode radix for the next case, 0 = default */

static void echo_server(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge, m0 = 0, m1 = 0, m2 = 0, m3 = 0;
    mica_recv_with_mrs(bench_ep, &badge, &m0, &m1, &m2, &m3);
    for (;;)
        mica_reply_recv_with_mrs(bench_ep, mica_msginfo_new(0, 0, 0, msg_len < 4 ? msg_len : 4),
                                 &badge, &m0, &m1, &m2, &m3);
}

static void buffer_server(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_recv(bench_ep, &badge);
    for (;;)
        mica_reply_recv(bench_ep, mica_msginfo_new(0, 0, 0, msg_len), &badge);
}

static void call_loop(int use_buffer)
{
    mica_msginfo_t tag = mica_msginfo_new(1, 0, 0, msg_len);
    for (int r = -1; r < sample_reps; r++) {
        unsigned long n = r < 0 ? sample_iters / 10 + 1 : sample_iters;
        double t0 = now_ns();
        if (use_buffer) {
            for (unsigned long i = 0; i < n; i++)
                mica_call(bench_ep, tag);
        } else {
            mica_word_t m0 = 1, m1 = 2, m2 = 3, m3 = 4;
            for (unsigned long i = 0; i < n; i++)
                mica_call_with_mrs(bench_ep, tag, &m0, &m1, &m2, &m3);
        }
        if (r >= 0)
            samples[r] = (now_ns() - t0) / (double)n;
    }
}

/* The client is the root task, whose stack is in its VSpace: it enters the kernel on a kernel stack. */
static void ipc_root(const mica_bootinfo_t *bi, void *arg)
{
    int use_buffer = (int)(long)arg;
    boot = bi;
    next_free = bi->empty.start;
    bench_ep = make(MICA_ENDPOINT_OBJECT, 0);
    spawn(use_buffer ? buffer_server : echo_server, 0, 254);
    call_loop(use_buffer);
}

static mica_cptr_t bench_done;

static void host_stack_client(mica_word_t arg)
{
    (void)arg;
    call_loop(0);
    mica_signal(bench_done);
}

/* The same with both threads on host stacks, which call the kernel directly. */
static void ipc_host_stacks_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    boot = bi;
    next_free = bi->empty.start;
    bench_ep = make(MICA_ENDPOINT_OBJECT, 0);
    bench_done = make(MICA_NOTIFICATION_OBJECT, 0);
    spawn(echo_server, 0, 254);
    spawn(host_stack_client, 0, 253);
    mica_wait(bench_done, NULL);
}

/* ipc_root with its server on CPU 1 and the client (the root) on CPU 0. */
static void cross_cpu_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    boot = bi;
    next_free = bi->empty.start;
    bench_ep = make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t server = spawn(echo_server, 0, 254);
    mica_tcb_set_affinity(server, 1);
    call_loop(0);
    mica_tcb_suspend(server);
}

/*
 * Two independent client/server pairs; per round trip of both together.
 * arg = CPUs: with 2 the second pair runs on CPU 1, so the pairs can run
 * at the same time on two host cores.
 */
static mica_cptr_t par_ep[2], par_start[2], par_done;
static unsigned long par_n, par_finished;

/* Some work per request (about half a microsecond here), as a real server does. */
static int par_work = 256;      /* rounds of work per request */

static mica_word_t serve(mica_word_t x)
{
    for (int k = 0; k < par_work; k++)
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    return x;
}

static void par_server(mica_word_t i)
{
    mica_word_t badge, m0 = 0;
    mica_recv_with_mrs(par_ep[i], &badge, &m0, NULL, NULL, NULL);
    for (;;) {
        m0 = serve(m0);
        mica_reply_recv_with_mrs(par_ep[i], mica_msginfo_new(0, 0, 0, 1), &badge, &m0, NULL, NULL, NULL);
    }
}

static void par_client(mica_word_t i)
{
    mica_msginfo_t tag = mica_msginfo_new(1, 0, 0, 1);
    for (;;) {
        mica_wait(par_start[i], NULL);
        unsigned long n = __atomic_load_n(&par_n, __ATOMIC_SEQ_CST);
        mica_word_t m0 = 1;
        for (unsigned long k = 0; k < n; k++)
            mica_call_with_mrs(par_ep[i], tag, &m0, NULL, NULL, NULL);
        __atomic_add_fetch(&par_finished, 1, __ATOMIC_SEQ_CST);
        mica_signal(par_done);
    }
}

static void parallel_root(const mica_bootinfo_t *bi, void *arg)
{
    unsigned cpus = (unsigned)(long)arg;
    boot = bi;
    next_free = bi->empty.start;
    par_done = make(MICA_NOTIFICATION_OBJECT, 0);
    for (int i = 0; i < 2; i++) {
        /* A frame between the pairs' objects keeps them off each other's cache lines. */
        make(MICA_FRAME_OBJECT, 0);
        par_ep[i] = make(MICA_ENDPOINT_OBJECT, 0);
        par_start[i] = make(MICA_NOTIFICATION_OBJECT, 0);
        mica_cptr_t s = spawn(par_server, (mica_word_t)i, 200);
        mica_cptr_t c = spawn(par_client, (mica_word_t)i, 100);
        if (cpus > 1 && i == 1) {
            mica_tcb_set_affinity(s, 1);
            mica_tcb_set_affinity(c, 1);
        }
    }
    for (int r = -1; r < sample_reps; r++) {
        unsigned long n = r < 0 ? sample_iters / 10 + 1 : sample_iters;
        __atomic_store_n(&par_n, n, __ATOMIC_SEQ_CST);
        __atomic_store_n(&par_finished, 0, __ATOMIC_SEQ_CST);
        double t0 = now_ns();
        mica_signal(par_start[0]);
        mica_signal(par_start[1]);
        while (__atomic_load_n(&par_finished, __ATOMIC_SEQ_CST) < 2)
            mica_wait(par_done, NULL);
        if (r >= 0)
            samples[r] = (now_ns() - t0) / (double)(2 * n);
    }
}

static mica_cptr_t bench_ntfn;

static void signaller(mica_word_t arg)
{
    (void)arg;
    for (;;) {
        mica_signal(bench_ntfn);
        mica_wait(bench_ep, NULL);
    }
}

static void signal_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    boot = bi;
    next_free = bi->empty.start;
    bench_ntfn = make(MICA_NOTIFICATION_OBJECT, 0);
    bench_ep = make(MICA_NOTIFICATION_OBJECT, 0);
    spawn(signaller, 0, 254);
    for (int r = -1; r < sample_reps; r++) {
        unsigned long n = r < 0 ? sample_iters / 10 + 1 : sample_iters;
        double t0 = now_ns();
        for (unsigned long i = 0; i < n; i++) {
            mica_wait(bench_ntfn, NULL);
            mica_signal(bench_ep);
        }
        if (r >= 0)
            samples[r] = (now_ns() - t0) / (double)n;
    }
}

/*
 * irq_latency: a device model pulses its line 1 ms of virtual time after
 * the last pulse; the driver (the root task) waits on the IRQ's
 * notification and acks. Each round trip: Wait blocks, the system idles,
 * time jumps to the event, the line rises, the kernel signals the
 * notification and switches to the driver, whose Wait returns; then Ack.
 */
#define BENCH_IRQ 20
static const mica_device_model_t *sys_devices;     /* extra devices for the next case */

static int irq_model_start(mica_device_t *d, void *ctx)
{
    (void)ctx;
    mica_device_schedule(d, mica_device_now(d) + 1000000);
    return 0;
}

static void irq_model_event(mica_device_t *d, void *ctx)
{
    (void)ctx;
    mica_device_set_irq(d, true);
    mica_device_set_irq(d, false);
    mica_device_schedule(d, mica_device_now(d) + 1000000);
}

static const mica_device_model_t irq_model = {
    .name = "bench-irq", .irq = BENCH_IRQ, .event = irq_model_event, .start = irq_model_start,
};

static void irq_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    boot = bi;
    next_free = bi->empty.start;
    mica_cptr_t h = slot();
    if (mica_irq_control_get(MICA_CAP_IRQ_CONTROL, BENCH_IRQ, MICA_CAP_INIT_CNODE, h, MICA_WORD_BITS))
        abort();
    mica_cptr_t n = make(MICA_NOTIFICATION_OBJECT, 0);
    if (mica_irq_handler_set_notification(h, n))
        abort();
    for (int r = -1; r < sample_reps; r++) {
        unsigned long k = r < 0 ? sample_iters / 10 + 1 : sample_iters;
        double t0 = now_ns();
        for (unsigned long i = 0; i < k; i++) {
            mica_wait(n, NULL);
            mica_irq_handler_ack(h);
        }
        if (r >= 0)
            samples[r] = (now_ns() - t0) / (double)k;
    }
    mica_debug_halt();      /* the device would go on forever */
}

static void yielder(mica_word_t arg)
{
    (void)arg;
    for (;;)
        mica_yield();
}

static void yield_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    boot = bi;
    next_free = bi->empty.start;
    spawn(yielder, 0, 255);
    for (int r = -1; r < sample_reps; r++) {
        unsigned long n = r < 0 ? sample_iters / 10 + 1 : sample_iters;
        double t0 = now_ns();
        for (unsigned long i = 0; i < n; i++)
            mica_yield();
        if (r >= 0)
            samples[r] = (now_ns() - t0) / (double)n;
    }
    mica_debug_halt();
}

#ifdef MICA_BENCH_BLOCK_HOOKS
/* bb_loop.c: n one-block iterations, with and without the preempt flags. */
unsigned long bench_bb_loop_hooked(unsigned long n);
unsigned long bench_bb_loop_plain(unsigned long n);
static double plain_samples[MAX_REPS];

/*
 * preempt_hook_ns: what a basic block of task code built with the preempt
 * flags costs over the same block built without them - the hook's count and
 * its share of the kernel entries at period ends (the root task runs on its
 * VSpace stack, so those switch to its kernel stack). Both loops run in the
 * same repetition, one after the other.
 */
static void block_hook_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    volatile unsigned long sink;
    for (int r = -1; r < sample_reps; r++) {
        unsigned long n = r < 0 ? sample_iters / 10 + 1 : sample_iters;
        double t0 = now_ns();
        sink = bench_bb_loop_plain(n);
        double t1 = now_ns();
        sink = bench_bb_loop_hooked(n);
        double t2 = now_ns();
        if (r >= 0) {
            plain_samples[r] = (t1 - t0) / (double)n;
            samples[r] = ((t2 - t1) - (t1 - t0)) / (double)n;
        }
    }
    (void)sink;
}
#endif

static void retype_root(const mica_bootinfo_t *bi, void *arg)
{
    mica_word_t type = (mica_word_t)arg;
    boot = bi;
    mica_cptr_t ut = largest_untyped();
    mica_cptr_t base = bi->empty.start;
    unsigned long n = sample_iters;
    for (int r = 0; r < sample_reps; r++) {
        double t0 = now_ns();
        for (unsigned long i = 0; i < n; i++)
            mica_untyped_retype(ut, type, 0, MICA_CAP_INIT_CNODE, 0, 0, base + i, 1);
        samples[r] = (now_ns() - t0) / (double)n;
        mica_cnode_revoke(MICA_CAP_INIT_CNODE, ut, MICA_WORD_BITS);
    }
}

/*
 * Reusing a revoked 1 GiB untyped: the retype after the revoke resets it
 * (zeroes what was used; sim/physmem.c hw_phys_zero gives whole pages back
 * to the host instead of writing them). arg NULL: the memory was handed out
 * but never touched; else every page of it was written first, so the host
 * has 1 GiB to free. Only the retype that resets is timed, per reset.
 */
static void reset_root(const mica_bootinfo_t *bi, void *arg)
{
    int dirty = arg != NULL;
    boot = bi;
    mica_cptr_t ut = largest_untyped();
    const mica_untyped_desc_t *d = &bi->untyped_list[ut - bi->untyped.start];
    mica_cptr_t kid = bi->empty.start, frame = kid + 1;
    if (d->size_bits < 30) {
        fprintf(stderr, "mica-bench: no 1 GiB untyped\n");
        exit(1);
    }
    for (int r = dirty ? 0 : -1; r < sample_reps; r++) {    /* writing 1 GiB is warm-up enough */
        /* Use it all: one 1 GiB untyped child, then (dirty) every page written. */
        if (mica_untyped_retype(ut, MICA_UNTYPED_OBJECT, 30, MICA_CAP_INIT_CNODE, 0, 0, kid, 1)) {
            fprintf(stderr, "mica-bench: retype of 1 GiB failed\n");
            exit(1);
        }
        if (dirty) {
            /* 512 frames of 2 MiB, each mapped in turn (the VSpace spans 1 GiB) and written. */
            for (mica_word_t i = 0; i < 512; i += 256)
                if (mica_untyped_retype(kid, MICA_LARGE_FRAME_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0,
                                        frame + i, 256)) {
                    fprintf(stderr, "mica-bench: cannot make 2 MiB frames\n");
                    exit(1);
                }
            for (mica_word_t f = 0; f < 512; f++) {
                if (mica_page_map(frame + f, MICA_CAP_INIT_VSPACE, MICA_ROOT_FREE_VADDR,
                                  MICA_READ_WRITE, MICA_DEFAULT_VM_ATTRIBUTES)) {
                    fprintf(stderr, "mica-bench: cannot map a 2 MiB frame\n");
                    exit(1);
                }
                unsigned char *p = mica_vaddr_to_ptr(MICA_ROOT_FREE_VADDR);
                for (mica_word_t i = 0; i < (1ul << 21); i += 4096)
                    p[i] = 1;
                mica_page_unmap(frame + f);
            }
        }
        mica_cnode_revoke(MICA_CAP_INIT_CNODE, ut, MICA_WORD_BITS);
        double t0 = now_ns();
        mica_untyped_retype(ut, MICA_UNTYPED_OBJECT, 30, MICA_CAP_INIT_CNODE, 0, 0, kid, 1);
        double t = now_ns() - t0;
        if (r >= 0)
            samples[r] = t;
        mica_cnode_revoke(MICA_CAP_INIT_CNODE, ut, MICA_WORD_BITS);
    }
}

/* --- mapping and translation ------------------------------------------------------- */

/* Page_Map + Page_Unmap of one 4 KiB frame at a fixed vaddr (per pair). */
/*
 * Where map_unmap_4k maps: a 512 GiB slot of the PML4 that boot left empty,
 * so the setup builds the PDPT, page directory and page table itself and
 * every Page_Map walks all four levels. A second frame stays mapped in the
 * same GiB, as in any address space in use, so that the loop measures the
 * map and unmap and not the host window of an empty GiB coming and going.
 */
#define MAP_UNMAP_VADDR 0xa000000000ul

static void map_unmap_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    boot = bi;
    next_free = bi->empty.start;
    mica_cptr_t pdpt = make(MICA_PDPT_OBJECT, 0), pd = make(MICA_PAGE_DIRECTORY_OBJECT, 0);
    mica_cptr_t pt = make(MICA_PAGE_TABLE_OBJECT, 0), f = make(MICA_FRAME_OBJECT, 0);
    mica_cptr_t resident = make(MICA_FRAME_OBJECT, 0);
    if (mica_pdpt_map(pdpt, MICA_CAP_INIT_VSPACE, MAP_UNMAP_VADDR, MICA_DEFAULT_VM_ATTRIBUTES) ||
        mica_page_directory_map(pd, MICA_CAP_INIT_VSPACE, MAP_UNMAP_VADDR, MICA_DEFAULT_VM_ATTRIBUTES) ||
        mica_page_table_map(pt, MICA_CAP_INIT_VSPACE, MAP_UNMAP_VADDR, MICA_DEFAULT_VM_ATTRIBUTES) ||
        mica_page_map(resident, MICA_CAP_INIT_VSPACE, MAP_UNMAP_VADDR + 0x100000, MICA_READ_WRITE,
                      MICA_DEFAULT_VM_ATTRIBUTES)) {
        fprintf(stderr, "mica-bench: cannot build the paging levels at 0x%lx\n", MAP_UNMAP_VADDR);
        exit(1);
    }
    for (int r = -1; r < sample_reps; r++) {
        unsigned long n = r < 0 ? sample_iters / 10 + 1 : sample_iters;
        double t0 = now_ns();
        for (unsigned long i = 0; i < n; i++) {
            if (mica_page_map(f, MICA_CAP_INIT_VSPACE, MAP_UNMAP_VADDR, MICA_READ_WRITE,
                              MICA_DEFAULT_VM_ATTRIBUTES)) {
                fprintf(stderr, "mica-bench: cannot map a frame\n");
                exit(1);
            }
            mica_page_unmap(f);
        }
        if (r >= 0)
            samples[r] = (now_ns() - t0) / (double)n;
    }
}

/* mica_vaddr_to_ptr of vaddrs in a few pages of the root's own VSpace (per call). */
static void vaddr_to_ptr_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    uintptr_t sum = 0;
    for (int r = -1; r < sample_reps; r++) {
        unsigned long n = r < 0 ? sample_iters / 10 + 1 : sample_iters;
        double t0 = now_ns();
        for (unsigned long i = 0; i < n; i++)
            sum += (uintptr_t)mica_vaddr_to_ptr(bi->ipc_buffer + (i & 7) * 8);
        if (r >= 0)
            samples[r] = (now_ns() - t0) / (double)n;
    }
    if (!sum)
        fprintf(stderr, "mica-bench: mica_vaddr_to_ptr gave NULL\n");
}

/* --- cross-VSpace IPC and cap transfer ----------------------------------------- */

static mica_cptr_t spawn_in(void (*fn)(mica_word_t), mica_word_t arg, mica_word_t prio,
                            mica_cptr_t vspace)
{
    static mica_word_t vaddr = MICA_ROOT_FREE_VADDR + (1ul << 24);
    mica_cptr_t tcb = make(MICA_TCB_OBJECT, 0), buf = make(MICA_FRAME_OBJECT, 0);
    mica_tcb_configure(tcb, 0, MICA_CAP_INIT_CNODE, 0, vspace, 0, vaddr, buf);
    vaddr += 4096;
    mica_tcb_set_priority(tcb, MICA_CAP_INIT_TCB, prio);
    mica_user_context_t r = { .pc = (mica_word_t)thread_entry, .r0 = (mica_word_t)fn, .r1 = arg };
    mica_tcb_write_registers(tcb, true, 0, 4, &r);
    return tcb;
}

static void cross_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    boot = bi;
    next_free = bi->empty.start;
    bench_ep = make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t vs = make(MICA_VSPACE_OBJECT, 0);
    msg_len = 1;
    spawn_in(echo_server, 0, 254, vs);
    call_loop(0);
}

static mica_cptr_t recv_slot;

static void cap_server(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_set_cap_receive_path(MICA_CAP_INIT_CNODE, recv_slot, MICA_WORD_BITS);
    mica_recv(bench_ep, &badge);
    for (;;) {
        mica_cnode_delete(MICA_CAP_INIT_CNODE, recv_slot, MICA_WORD_BITS);
        mica_set_cap_receive_path(MICA_CAP_INIT_CNODE, recv_slot, MICA_WORD_BITS);
        mica_reply_recv(bench_ep, mica_msginfo_new(0, 0, 0, 0), &badge);
    }
}

static void cap_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    boot = bi;
    next_free = bi->empty.start;
    bench_ep = make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t gift = make(MICA_NOTIFICATION_OBJECT, 0);
    recv_slot = slot();
    spawn(cap_server, 0, 254);
    for (int r = -1; r < sample_reps; r++) {
        unsigned long n = r < 0 ? sample_iters / 10 + 1 : sample_iters;
        double t0 = now_ns();
        for (unsigned long i = 0; i < n; i++) {
            mica_set_cap(0, gift);
            mica_call(bench_ep, mica_msginfo_new(1, 0, 1, 0));
        }
        if (r >= 0)
            samples[r] = (now_ns() - t0) / (double)n;
    }
}

/* --- revoke of a large derivation tree --------------------------------------- */

static void revoke_root(const mica_bootinfo_t *bi, void *arg)
{
    unsigned long n = (unsigned long)arg;
    unsigned radix = 1;
    while ((1ul << radix) < n + 1)
        radix++;
    boot = bi;
    next_free = bi->empty.start;
    mica_cptr_t big = slot();
    if (mica_untyped_retype(largest_untyped(), MICA_CNODE_OBJECT, radix, MICA_CAP_INIT_CNODE, 0, 0,
                            big, 1)) {
        fprintf(stderr, "mica-bench: cannot make a CNode of 2^%u slots\n", radix);
        exit(1);
    }
    mica_cptr_t ep = make(MICA_ENDPOINT_OBJECT, 0);
    /* Put the original in slot 0 of the big CNode, then n copies (its descendants). */
    mica_cnode_move(big, 0, radix, MICA_CAP_INIT_CNODE, ep, MICA_WORD_BITS);
    /*
     * The whole revoke is one timed region: ~10 us for 1k caps but ~10 ms for
     * 1M, long enough that on a busy host it nearly always spans a few host
     * time slices given to other processes (2-4 involuntary switches per 1M
     * sample under a parallel build, none for 1k), which once made the 1M
     * case 3-5 times the 1k one. Subtract the time the thread waited for a
     * CPU, so both sizes measure the revoke and not the host's scheduler.
     */
    for (int r = 0; r < sample_reps; r++) {
        for (unsigned long i = 1; i <= n; i++)
            if (mica_cnode_copy(big, i, radix, big, 0, radix, MICA_ALL_RIGHTS)) {
                fprintf(stderr, "mica-bench: copy %lu failed\n", i);
                exit(1);
            }
        double w0 = run_delay_ns();
        double t0 = now_ns();
        mica_cnode_revoke(big, 0, radix);
        double t = now_ns() - t0;
        double waited = run_delay_ns() - w0;
        samples[r] = (waited < t ? t - waited : t) / (double)n;
    }
}

/* --- threads ----------------------------------------------------------------- */

static mica_cptr_t park_ntfn;
static unsigned long threads_ran;

static void run_once(mica_word_t arg)
{
    (void)arg;
    threads_ran++;
}

static void park(mica_word_t arg)
{
    (void)arg;
    threads_ran++;
    mica_wait(park_ntfn, NULL);
}

static mica_cptr_t bare_thread(void (*fn)(mica_word_t), mica_word_t prio)
{
    mica_cptr_t tcb = make(MICA_TCB_OBJECT, 0);
    mica_tcb_configure(tcb, 0, MICA_CAP_INIT_CNODE, 0, MICA_CAP_INIT_VSPACE, 0, 0, 0);
    mica_tcb_set_priority(tcb, MICA_CAP_INIT_TCB, prio);
    mica_user_context_t r = { .pc = (mica_word_t)thread_entry, .r0 = (mica_word_t)fn };
    mica_tcb_write_registers(tcb, true, 0, 4, &r);
    return tcb;
}

static void spawn_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    boot = bi;
    next_free = bi->empty.start;
    mica_cptr_t ut = largest_untyped();
    mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 100);
    for (int r = 0; r < sample_reps; r++) {
        mica_cptr_t first = next_free;
        double t0 = now_ns();
        for (unsigned long i = 0; i < sample_iters; i++)
            bare_thread(run_once, 200);     /* above the root: runs to its exit at once */
        samples[r] = (now_ns() - t0) / (double)sample_iters;
        mica_cnode_revoke(MICA_CAP_INIT_CNODE, ut, MICA_WORD_BITS);
        next_free = first;
    }
}

static double threads_10k_rss_mb, threads_10k_sim_mb;

/* 10,000 threads alive at once (the root CNode has 2^16 slots for this case). */
static void threads_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    boot = bi;
    next_free = bi->empty.start;
    park_ntfn = make(MICA_NOTIFICATION_OBJECT, 0);
    threads_ran = 0;        /* spawn_thread's runs counted here too */
    double t0 = now_ns();
    for (unsigned long i = 0; i < sample_iters; i++)
        bare_thread(park, 100);     /* below the root: they wait their turn */
    /* Step below them: every thread runs once and parks on the notification. */
    mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 50);
    samples[0] = (now_ns() - t0) / (double)sample_iters;
    if (threads_ran != sample_iters)
        fprintf(stderr, "mica-bench: only %lu of %lu threads ran\n", threads_ran, sample_iters);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    threads_10k_rss_mb = ru.ru_maxrss / 1024.0;
    threads_10k_sim_mb = sample_iters * (double)(1u << MICA_TCB_BITS) / (1 << 20);
    mica_debug_halt();
}

static void invariants_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    boot = bi;
    next_free = bi->empty.start;
    /* A populated system: endpoints, notifications, CNodes, TCBs and copies. */
    for (unsigned long i = 0; i < sample_iters; i++)
        make(i % 3 == 0 ? MICA_ENDPOINT_OBJECT : i % 3 == 1 ? MICA_NOTIFICATION_OBJECT : MICA_TCB_OBJECT, 0);
    extern _Bool kernel_check_invariants(void);
    for (int r = 0; r < sample_reps; r++) {
        double t0 = now_ns();
        kernel_check_invariants();
        samples[r] = (now_ns() - t0) / (double)sample_iters;
    }
}

/*
 * mmio_access: a device register read from task code (trap, decode, one
 * kernel entry, the model's read, resume after the instruction), against
 * the same run's baselines: a read of a RAM frame through the same kind of
 * pointer, and a system call (mica_yield with nothing else to run: one
 * kernel entry and back).
 */
static uint64_t bench_reg_read(mica_device_t *dev, void *ctx, mica_word_t off, unsigned size)
{
    (void)dev; (void)size;
    return ++*(uint64_t *)ctx + off;
}

static uint64_t bench_reg;
static const mica_device_model_t bench_device = {
    .name = "benchdev", .irq = 9, .ctx = &bench_reg, .read = bench_reg_read,
};
static double mmio_ram_samples[MAX_REPS], mmio_syscall_samples[MAX_REPS];

/* The frame cap for the page at paddr, retyped from the device untyped holding it; 0 if none. */
static mica_cptr_t bench_device_frame(mica_env_t *env, const mica_bootinfo_t *bi, mica_word_t paddr)
{
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const mica_untyped_desc_t *u = &bi->untyped_list[i];
        if (!u->is_device || paddr < u->paddr || paddr >= u->paddr + (1ul << u->size_bits))
            continue;
        mica_word_t n = (paddr - u->paddr) / 4096 + 1;
        mica_cptr_t first = mica_env_slots(env, n);
        if (!first || mica_untyped_retype(bi->untyped.start + i, MICA_FRAME_OBJECT, 0,
                                          MICA_CAP_INIT_CNODE, 0, 0, first, n) != MICA_NO_ERROR)
            return 0;
        return first + n - 1;
    }
    return 0;
}

static void mmio_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    /* The device's page: the boot info's table, else the first extra device's (page 3). */
    mica_word_t paddr = 0, base = ~(mica_word_t)0;
    for (mica_word_t i = 0; i < bi->num_devices; i++)
        if (strcmp(bi->devices[i].name, bench_device.name) == 0)
            paddr = bi->devices[i].paddr;
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++)
        if (bi->untyped_list[i].is_device && bi->untyped_list[i].paddr < base)
            base = bi->untyped_list[i].paddr;
    if (!paddr)
        paddr = base + 3 * 4096;
    mica_cptr_t dev = bench_device_frame(&env, bi, paddr), ram = mica_env_make(&env, MICA_FRAME_OBJECT, 0);
    mica_word_t dva = mica_env_vaddr(&env, 1), rva = mica_env_vaddr(&env, 1);
    if (!dev || !ram || mica_user_map(&env, MICA_CAP_INIT_VSPACE, dva, dev, MICA_READ_WRITE) ||
        mica_user_map(&env, MICA_CAP_INIT_VSPACE, rva, ram, MICA_READ_WRITE)) {
        fprintf(stderr, "mica-bench: mmio_access: cannot map the device page\n");
        exit(1);
    }
    volatile uint32_t *reg = (volatile uint32_t *)mica_vaddr_to_ptr(dva + 8);
    volatile uint32_t *word = (volatile uint32_t *)mica_vaddr_to_ptr(rva + 8);
    uint32_t sink = 0;
    for (int r = -1; r < sample_reps; r++) {
        unsigned long n = r < 0 ? sample_iters / 10 + 1 : sample_iters;
        double t0 = now_ns();
        for (unsigned long i = 0; i < n; i++)
            sink += *reg;
        double t1 = now_ns();
        for (unsigned long i = 0; i < n; i++)
            sink += *word;
        double t2 = now_ns();
        for (unsigned long i = 0; i < n; i++)
            mica_yield();
        double t3 = now_ns();
        if (r >= 0) {
            samples[r] = (t1 - t0) / (double)n;
            mmio_ram_samples[r] = (t2 - t1) / (double)n;
            mmio_syscall_samples[r] = (t3 - t2) / (double)n;
        }
    }
    if (sink == 0xdeadbeef)
        fprintf(stderr, " ");
}

/*
 * timer_sleep_wake_rt: a client's sleep(1 ns) through a time server and the
 * timer's interrupt. The client (the root task) Calls the server; the
 * server (above it, the timer's IRQ notification bound to its TCB) saves
 * the reply cap, writes COMPARE = NOW + 1 and CTRL (two MMIO writes: the
 * compare has passed, so the timer fires inside the write and raises its
 * line); its Recv returns the notification; it clears STATUS (MMIO), acks
 * the IRQ and Sends to the saved reply cap, then waits again.
 */
#define TS_IRQ_BADGE (1ul << 32)
static volatile uint64_t *ts_timer;
static mica_cptr_t ts_irq, ts_reply;

static void ts_server(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(bench_ep, &badge);
    for (;;) {
        if (badge & TS_IRQ_BADGE) {
            ts_timer[5] = 1;                        /* STATUS: clear FIRED, the line drops */
            mica_irq_handler_ack(ts_irq);
            mica_send(ts_reply, mica_msginfo_new(0, 0, 0, 0));
        } else {
            (void)info;
            mica_cnode_save_caller(MICA_CAP_INIT_CNODE, ts_reply, MICA_WORD_BITS);
            ts_timer[2] = ts_timer[1] + mica_get_mr(0);     /* COMPARE = NOW + ns */
            ts_timer[4] = 1 | 4;                            /* CTRL: enable, IRQ enable */
        }
        info = mica_recv(bench_ep, &badge);
    }
}

static void timer_sleep_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    boot = bi;
    next_free = bi->empty.start + 2048;     /* spawn()'s slots, clear of env's */
    const mica_device_desc_t *d = NULL;
    for (mica_word_t i = 0; i < bi->num_devices; i++)
        if (strcmp(bi->devices[i].name, "timer") == 0)
            d = &bi->devices[i];
    mica_cptr_t frame = d ? bench_device_frame(&env, bi, d->paddr) : 0;
    mica_word_t va = mica_env_vaddr(&env, 1);
    mica_cptr_t ntfn = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t irq_ntfn = ntfn ? mica_env_mint(&env, ntfn, MICA_CAN_WRITE, TS_IRQ_BADGE) : 0;
    ts_irq = mica_env_slot(&env);
    ts_reply = mica_env_slot(&env);
    if (!frame || !irq_ntfn || !ts_reply ||
        mica_user_map(&env, MICA_CAP_INIT_VSPACE, va, frame, MICA_READ_WRITE) ||
        mica_irq_control_get(MICA_CAP_IRQ_CONTROL, d->irq, MICA_CAP_INIT_CNODE, ts_irq,
                             MICA_WORD_BITS) ||
        mica_irq_handler_set_notification(ts_irq, irq_ntfn)) {
        fprintf(stderr, "mica-bench: timer_sleep_wake_rt: cannot set up the timer\n");
        exit(1);
    }
    ts_timer = mica_vaddr_to_ptr(va);
    bench_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t server = spawn(ts_server, 0, 254);
    mica_tcb_bind_notification(server, ntfn);
    mica_msginfo_t tag = mica_msginfo_new(2, 0, 0, 1);
    for (int r = -1; r < sample_reps; r++) {
        unsigned long n = r < 0 ? sample_iters / 10 + 1 : sample_iters;
        double t0 = now_ns();
        for (unsigned long i = 0; i < n; i++) {
            mica_set_mr(0, 1);
            mica_call(bench_ep, tag);
        }
        if (r >= 0)
            samples[r] = (now_ns() - t0) / (double)n;
    }
}

/* Run one in-system case. */
static unsigned bench_cpus;     /* CPUs for the next in-system case, 0 = 1 */

static void measure_system(const char *name, mica_root_task_fn root, void *arg, unsigned long iters,
                           int reps, const char *note)
{
    mica_config_t cfg;
    mica_run_result_t res;
    if (!selected(name))
        return;
    if (quick) {
        iters = iters / 20 + 1;
        reps = 5;
    }
    mica_config_init(&cfg);
    cfg.phys_mem_bytes = sim_mem ? sim_mem : 256ul << 20;
    cfg.timeslice_ticks = 1u << 30;   /* no round-robin noise */
    cfg.root_cnode_bits = root_bits ? root_bits : 12;
    cfg.cpus = bench_cpus ? bench_cpus : 1;
    if (sys_devices) {
        cfg.extra_devices = sys_devices;
        cfg.num_extra_devices = 1;
    }
    sample_iters = iters;
    sample_reps = reps;
    if (mica_run(&cfg, root, arg, &res) != 0) {
        fprintf(stderr, "mica-bench: %s: mica_run failed\n", name);
        exit(1);
    }
    record(name, samples, reps, iters, note);
}

static double find(const char *name)
{
    for (int i = 0; i < nresults; i++)
        if (strcmp(results[i].name, name) == 0)
            return results[i].median_ns;
    return 0;
}

static void write_json(const char *path)
{
    FILE *f = fopen(path, "w");
    struct utsname u;
    if (!f) {
        fprintf(stderr, "mica-bench: cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
    uname(&u);
    fprintf(f, "{\"machine\": {\"sysname\": \"%s\", \"release\": \"%s\", \"machine\": \"%s\", "
               "\"cpus\": %ld},\n \"results\": [\n", u.sysname, u.release, u.machine,
            sysconf(_SC_NPROCESSORS_ONLN));
    for (int i = 0; i < nresults; i++)
        fprintf(f, "  {\"name\": \"%s\", \"median_ns\": %.2f, \"min_ns\": %.2f, \"max_ns\": %.2f, "
                   "\"iterations\": %lu}%s\n", results[i].name, results[i].median_ns,
                results[i].min_ns, results[i].max_ns, results[i].iterations,
                i + 1 < nresults ? "," : "");
    fprintf(f, " ]}\n");
    fclose(f);
}

static void usage(FILE *to)
{
    fprintf(to, "usage: mica-bench [--quick] [--filter PATTERN] [--json FILE]\n"
                "  PATTERN: part of a case name; A|B either; a trailing $ ends the name\n");
}

int main(int argc, char **argv)
{
    const char *json = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) {
            filter = argv[++i];
            if (regcomp(&filter_re, filter, REG_EXTENDED | REG_NOSUB) != 0) {
                fprintf(stderr, "mica-bench: --filter '%s' is not a regular expression\n", filter);
                return 64;
            }
        }
        else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
            json = argv[++i];
        else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "mica-bench: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 64;
        }
    }
    fprintf(stderr, "mica-bench: measuring%s...\n", quick ? " (quick)" : "");
#if defined(__x86_64__) || defined(__aarch64__)
    measure("ctx_switch_rt", bench_ctx_switch, 2000000, 15, "mica's switch A->B->A");
#endif
    measure("swapcontext_rt", bench_swapcontext, 200000, 15, "glibc swapcontext A->B->A");
    measure("pipe_rt", bench_pipe, 20000, 9, "two processes, one byte each way");
    measure("futex_rt", bench_futex, 20000, 9, "two threads, futex ping-pong");
    msg_len = 1;
    measure_system("ipc_call_replyrecv_rt", ipc_root, (void *)0, 500000, 15,
                   "Call + ReplyRecv, MRs in registers");
    measure_system("ipc_call_replyrecv_rt_host_stacks", ipc_host_stacks_root, NULL, 500000, 15,
                   "the same, the client on a host stack too");
    msg_len = 0;
    measure_system("ipc_rt_len_0", ipc_root, (void *)1, 300000, 9, "Call + ReplyRecv, 0 words");
    msg_len = 4;
    measure_system("ipc_rt_len_4", ipc_root, (void *)1, 300000, 9, "4 words");
    msg_len = 32;
    measure_system("ipc_rt_len_32", ipc_root, (void *)1, 300000, 9, "32 words via IPC buffer");
    msg_len = 120;
    measure_system("ipc_rt_len_120", ipc_root, (void *)1, 200000, 9, "120 words via IPC buffer");
    measure_system("signal_wait_rt", signal_root, NULL, 300000, 9, "Signal+Wait each way");
    if (selected("mmio_access")) {
        sys_devices = &bench_device;
        measure_system("mmio_access", mmio_root, NULL, 100000, 9,
                       "device register read from task code: trap, decode, kernel entry, model");
        sys_devices = NULL;
        record("mmio_access_baseline_ram", mmio_ram_samples, sample_reps, sample_iters,
               "the same read of a RAM frame");
        record("mmio_access_baseline_syscall", mmio_syscall_samples, sample_reps, sample_iters,
               "a system call in the same run (Yield, nothing else to run)");
    }
    measure_system("timer_sleep_wake_rt", timer_sleep_root, NULL, 50000, 9,
                   "sleep(1 ns) via a time server: Call, timer MMIO, IRQ, Ack, reply");
    measure_system("yield", yield_root, NULL, 500000, 9, "Yield between two threads (per yield)");
    sys_devices = &irq_model;
    measure_system("irq_latency", irq_root, NULL, 300000, 9,
                   "line raised -> driver's Wait returns -> Ack (round trip)");
    sys_devices = NULL;
#ifdef MICA_BENCH_BLOCK_HOOKS
    if (selected("preempt_hook_ns")) {
        measure_system("preempt_hook_ns", block_hook_root, NULL, 10000000, 15,
                       "per basic block: built with preempt_cflags minus built without");
        record("block_plain_ns", plain_samples, sample_reps, sample_iters,
               "per basic block of the same loop without the hook");
    }
#endif
    measure_system("map_unmap_4k", map_unmap_root, NULL, 100000, 9,
                   "Page_Map + Page_Unmap of a 4 KiB frame");
    measure_system("vaddr_to_ptr", vaddr_to_ptr_root, NULL, 2000000, 9,
                   "mica_vaddr_to_ptr of the caller's own vaddr");
    msg_len = 1;
    measure_system("ipc_call_replyrecv_rt_cross_vspace", cross_root, NULL, 300000, 9,
                   "server in another VSpace");
    measure_system("ipc_cap_transfer_rt", cap_root, NULL, 100000, 9,
                   "Call carrying one cap + server deletes it + reply");
    bench_cpus = 2;
    measure_system("ipc_call_replyrecv_rt_cross_cpu", cross_cpu_root, NULL, 20000, 9,
                   "client on CPU 0, server on CPU 1 (IPI each way)");
    measure_system("ipc_parallel_rt_2cpus", parallel_root, (void *)2l, 200000, 9,
                   "two client/server pairs with work, one per CPU");
    bench_cpus = 0;
    measure_system("ipc_parallel_rt_1cpu", parallel_root, (void *)1l, 200000, 9,
                   "the same two pairs on one CPU");
    par_work = 4096;    /* servers that compute for a few microseconds per request */
    bench_cpus = 2;
    measure_system("ipc_parallel_work_rt_2cpus", parallel_root, (void *)2l, 20000, 9,
                   "the same, ~16x more work per request, 2 CPUs");
    bench_cpus = 0;
    measure_system("ipc_parallel_work_rt_1cpu", parallel_root, (void *)1l, 20000, 9,
                   "the same, ~16x more work per request, 1 CPU");
    par_work = 256;
    measure_system("revoke_per_cap_1k", revoke_root, (void *)1000ul, 1, 9,
                   "per descendant, host run-queue waits excluded");
    sim_mem = 1ul << 30;
    measure_system("revoke_per_cap_1m", revoke_root, (void *)1000000ul, 1, quick ? 1 : 3,
                   "per descendant, host run-queue waits excluded");
    sim_mem = 0;
    measure_system("spawn_thread", spawn_root, NULL, 2000, 9,
                   "retype + configure + start + run to exit");
    if (selected("threads_10k")) {
        int q = quick;
        quick = 0;
        root_bits = 16;
        measure_system("threads_10k", threads_root, NULL, 10000, 1, "per thread, 10,000 alive");
        root_bits = 0;
        quick = q;
    }
    measure_system("invariant_check_per_object", invariants_root, NULL, 3000, 9,
                   "full checker run / objects");
    sim_mem = 2ul << 30;
    measure_system("untyped_reset_1g", reset_root, NULL, 1, 9,
                   "retype after revoke of 1 GiB handed out, never touched");
    measure_system("untyped_reset_1g_dirty", reset_root, (void *)1, 1, 3,
                   "the same, every page written first");
    sim_mem = 0;
    measure_system("retype_endpoint", retype_root, (void *)MICA_ENDPOINT_OBJECT, 2000, 9, "per object");
    measure_system("retype_tcb", retype_root, (void *)MICA_TCB_OBJECT, 2000, 9, "per object");
    measure_system("retype_frame", retype_root, (void *)MICA_FRAME_OBJECT, 2000, 9, "per object");

    printf("%-36s %12s %12s %12s %12s\n", "case", "median ns", "min ns", "max ns", "iterations");
    for (int i = 0; i < nresults; i++)
        printf("%-36s %12.1f %12.1f %12.1f %12lu\n", results[i].name, results[i].median_ns,
               results[i].min_ns, results[i].max_ns, results[i].iterations);
    double ipc = find("ipc_call_replyrecv_rt"), sw = find("ctx_switch_rt"), pipe_ = find("pipe_rt");
    if (ipc > 0 && sw > 0)
        printf("\nipc_call_replyrecv_rt / ctx_switch_rt = %.2f (target <= 4)\n", ipc / sw);
    if (ipc > 0 && pipe_ > 0)
        printf("pipe_rt / ipc_call_replyrecv_rt = %.1f (target >= 100)\n", pipe_ / ipc);
    double p1 = find("ipc_parallel_rt_1cpu"), p2 = find("ipc_parallel_rt_2cpus");
    if (p1 > 0 && p2 > 0)
        printf("two independent IPC pairs: 2 CPUs vs 1 CPU throughput speedup = %.2f\n", p1 / p2);
    double w1 = find("ipc_parallel_work_rt_1cpu"), w2 = find("ipc_parallel_work_rt_2cpus");
    if (w1 > 0 && w2 > 0)
        printf("the same with ~16x more server work per request: speedup = %.2f\n", w1 / w2);
    double r1k = find("revoke_per_cap_1k"), r1m = find("revoke_per_cap_1m");
    if (r1k > 0 && r1m > 0)
        printf("revoke_per_cap_1m / revoke_per_cap_1k = %.2f (target <= 2); whole 1M revoke %.3f s "
               "(target < 1 s)\n", r1m / r1k, r1m * 1e6 / 1e9);
    double hook = find("preempt_hook_ns"), block = find("block_plain_ns");
    if (block > 0)
        printf("preempt_hook_ns: the block hook adds %.2f ns to a %.2f ns basic block\n", hook, block);
    if (threads_10k_rss_mb > 0)
        printf("threads_10k: 10,000 threads alive; simulated memory for their TCBs %.1f MiB, "
               "host peak RSS of the whole process %.1f MiB\n", threads_10k_sim_mb, threads_10k_rss_mb);
    if (json)
        write_json(json);
    return 0;
}
