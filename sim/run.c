/*
 * run.c - mica_config_init and mica_run: build a machine, boot the kernel,
 * run the root task until nothing can run, tear the machine down.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "sim.h"
#include "dev/device.h"

void mica_config_init(mica_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->phys_mem_bytes = 64ul << 20;
    cfg->cpus = 1;
    cfg->clock = MICA_CLOCK_VIRTUAL;
    cfg->timeslice_ticks = 5;
    cfg->seed = 0;
    cfg->check = MICA_CHECK_OFF;
    cfg->trace_path = NULL;
    cfg->log_path = NULL;
    cfg->root_cnode_bits = 12;
    cfg->time_limit_ticks = 0;
    cfg->max_threads = 16384;
    cfg->watchdog_ms = 2000;
    cfg->tick_ns = 1000;
    cfg->disk_bytes = 16ull << 20;
}

/* The root thread's entry: r0 = boot info vaddr, r1 = the run. */
static void root_entry(mica_word_t bi_vaddr, mica_word_t run, mica_word_t r2, mica_word_t r3)
{
    (void)bi_vaddr; (void)r2; (void)r3;
    struct sim_run *s = (struct sim_run *)run;
    s->root((const mica_bootinfo_t *)kernel_bootinfo(), s->root_arg);
}

/* One line on stderr saying what in the configuration is wrong; -EINVAL. */
int bad_config(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "mica: bad configuration: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -EINVAL;
}

static int check_config(const mica_config_t *cfg)
{
    if (cfg->phys_mem_bytes < (4ul << 20))
        return bad_config("phys_mem_bytes %zu is below the 4 MiB minimum", cfg->phys_mem_bytes);
    if (cfg->phys_mem_bytes > (64ul << 30))
        return bad_config("phys_mem_bytes %zu is above the 64 GiB maximum", cfg->phys_mem_bytes);
    if (cfg->phys_mem_bytes % 4096)
        return bad_config("phys_mem_bytes %zu is not a multiple of 4096", cfg->phys_mem_bytes);
    if (cfg->cpus < 1 || cfg->cpus > SIM_MAX_CPUS)
        return bad_config("cpus = %u is outside 1..%d", cfg->cpus, SIM_MAX_CPUS);
    if (cfg->clock != MICA_CLOCK_VIRTUAL && cfg->clock != MICA_CLOCK_REAL)
        return bad_config("clock %d is neither MICA_CLOCK_VIRTUAL nor MICA_CLOCK_REAL", (int)cfg->clock);
    if (cfg->check > MICA_CHECK_EACH_ENTRY)
        return bad_config("check %d is not a mica_check_t", (int)cfg->check);
    if (cfg->root_cnode_bits < 9 || cfg->root_cnode_bits > 24)
        return bad_config("root_cnode_bits %u is outside 9..24", cfg->root_cnode_bits);
    if (cfg->timeslice_ticks == 0)
        return bad_config("timeslice_ticks must be at least 1");
    if (cfg->max_threads == 0 || cfg->max_threads > (1u << 22))
        return bad_config("max_threads %u is outside 1..4194304", cfg->max_threads);
    unsigned mask;
    if (trace_parse_filter(cfg->log_filter, &mask) != 0)    /* it says which word is wrong */
        return -EINVAL;
    return devices_check_config(cfg);   /* it says what is wrong */
}

/*
 * Close the trace, the log and the DOT file, and report a failed write:
 * on stderr (unless quiet) and in result->output_error, the first one.
 */
static void close_outputs(const mica_config_t *cfg, mica_run_result_t *result)
{
    int err[SIM_OUT_COUNT];
    const char *path[SIM_OUT_COUNT];
    err[SIM_OUT_TRACE] = trace_close();
    path[SIM_OUT_TRACE] = cfg->trace_path;
    err[SIM_OUT_DOT] = dot_close();
    path[SIM_OUT_DOT] = cfg->cspace_dot_path;
    err[SIM_OUT_LOG] = sim_out_close(&sim.log);
    path[SIM_OUT_LOG] = cfg->log_path;
    for (unsigned k = 0; k < SIM_OUT_COUNT; k++) {
        if (!err[k])
            continue;
        if (!result->output_error) {
            result->output_error = err[k];
            result->output_path = path[k];
        }
        if (!cfg->quiet)
            fprintf(stderr, "mica: writing %s to %s failed: %s\n", sim_out_what(k), path[k],
                    strerror(err[k]));
    }
}

/*
 * The process is about to end in the middle of a run (the watchdog gave
 * up, task code called exit): what was printed and traced so far reaches
 * its files, each complete in its format.
 */
void sim_outputs_emergency(void)
{
    fflush(stdout);
    trace_close();
    dot_close();
    sim_out_close(&sim.log);
    fflush(stderr);
}

static void teardown(void)
{
    trace_close();
    dot_close();
    sim_out_close(&sim.log);
    ctx_system_destroy();
    sim_cpus_fini();
    mmu_destroy();
    physmem_destroy();
    if (sim.scratch)
        munmap(sim.scratch, sim.scratch_bytes);
    memset(&sim, 0, sizeof sim);
}

/*
 * The counters so far, for task code measuring itself (bench/ipc_generations)
 * or a checker mid-run: read without a kernel entry, so reading them adds no
 * entry or switch to what they count. Outside a run, all zero.
 */
void mica_sim_counters(mica_run_result_t *r)
{
    memset(r, 0, sizeof *r);
    if (!__atomic_load_n(&sim.booted, __ATOMIC_ACQUIRE))
        return;
    kernel_counters(r);
    r->time_ns = sim_now_ns();
    r->task_blocks = clock_task_blocks();
}

int mica_run(const mica_config_t *cfg, mica_root_task_fn root_task, void *arg,
             mica_run_result_t *result)
{
    mica_config_t defaults;
    int err;

    if (!cfg) {
        mica_config_init(&defaults);
        cfg = &defaults;
    }
    if (!root_task || !result)
        return bad_config("mica_run needs a root task and a result");
    if ((err = check_config(cfg)) != 0)
        return err;

    memset(&sim, 0, sizeof sim);
    report_reset();
    escape_init();
    sim.cfg = cfg;
    sim.root = root_task;
    sim.root_arg = arg;
    /* The output files first: one that cannot be created stops the run before it starts. */
    if ((err = sim_out_open(&sim.log, SIM_OUT_LOG, cfg->log_path, 1)) != 0 ||
        (err = trace_open(cfg->trace_path, &sim.log, cfg->log_filter)) != 0 ||
        (err = dot_open(cfg->cspace_dot_path)) != 0) {
        teardown();
        return err;
    }
    if (trace_open_ring(cfg->trace_ring) != 0) {
        fprintf(stderr, "mica: cannot make the stream for the trace ring: %s\n", strerror(errno));
        teardown();
        return -ENOMEM;
    }
    size_t total = cfg->phys_mem_bytes + SIM_DEVICE_BYTES;
    sim_cpus_init(cfg->cpus);
    if ((err = physmem_create(total)) != 0 || (err = mmu_init(total, cfg->phys_mem_bytes)) != 0 ||
        (err = ctx_system_init(cfg->max_threads)) != 0) {
        fprintf(stderr, "mica: the host refused %zu bytes of simulated memory: %s\n", total,
                strerror(-err));
        teardown();
        return err;
    }
    limits_init(cfg);       /* counts the host mappings the process has now */

    hw_boot_params_t p = {
        .phys_size = cfg->phys_mem_bytes,
        .root_cnode_bits = cfg->root_cnode_bits,
        .timeslice_ticks = cfg->timeslice_ticks,
        .check = cfg->check,
        .root_pc = (hw_word_t)root_entry,
        .root_arg = (hw_word_t)&sim,
        .seed = cfg->seed,
        .time_limit = cfg->time_limit_ticks,
        .cpus = cfg->cpus,
    };
    /* The devices' register pages are the first pages of the device region above RAM. */
    if ((err = devices_create(cfg, cfg->phys_mem_bytes, &p)) != 0) {
        teardown();
        return err;
    }
    if (kernel_boot(&p) != 0) {
        teardown();
        return -EINVAL;
    }
    if (trap_init() != 0 || clock_start(cfg->clock) != 0) {
        trap_fini();
        teardown();
        return -ENOMEM;
    }
    /* The devices start once the clock runs (their time is its time); one may refuse the run. */
    if ((err = devices_start()) != 0) {
        clock_stop();
        trap_fini();
        teardown();
        return err;
    }
    /* Before the allocation count starts: creating its thread allocates. */
    if (watchdog_start(cfg->watchdog_ms, cfg->clock) != 0) {
        devices_stop();
        clock_stop();
        trap_fini();
        teardown();
        return -ENOMEM;
    }
    sim_allocs_after_boot = 0;
    sim.booted = 1;
    if (sim_cpus_start() != 0) {
        sim_cpus_join();
        watchdog_stop();
        devices_stop();
        clock_stop();
        trap_fini();
        teardown();
        return -ENOMEM;
    }
    /* CPU 0 is this host thread; its idle loop returns when the run is over. */
    sim_kernel_enter();
    kernel_idle_enter();
    sim_kernel_leave();
    sim_cpus_join();
    watchdog_stop();
    report_end_run();
    uint64_t time_ns = sim_now_ns();
    devices_stop();
    clock_stop();
    trap_fini();

    memset(result, 0, sizeof *result);
    kernel_summary(result);
    result->time_ns = time_ns;
    result->task_blocks = clock_task_blocks();
    dot_write();
    result->host_allocs_after_boot = sim_allocs_after_boot;
    result->faulted_threads = report_faulted_threads();
    fflush(stdout);
    if (!cfg->quiet && (result->reason == MICA_STOP_DEADLOCK || result->reason == MICA_STOP_INVARIANT ||
                        result->reason == MICA_STOP_STALLED))
        fprintf(stderr, "mica: stopped (%s): %s\n", mica_stop_reason_name(result->reason),
                result->message);
    sigs_report_interrupt();
    /* The host refused an unmap: the run was stopped there, and ends as a host failure. */
    int host_failed = mmu_host_failure() != NULL;
    if (host_failed)
        fprintf(stderr, "mica: stopped: %s\n", mmu_host_failure());
    close_outputs(cfg, result);
    teardown();
    /* Ctrl-C or a kill stopped the run: the process ends by that signal, as it would have. */
    sigs_end_if_interrupted();
    return host_failed ? -ENOMEM : 0;
}
