/*
 * run.c - mica_microkit_run (include/mica/microkit_host.h): the
 * description parsed and checked (sdf.c), its images loaded and the
 * system built and run (loader.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <mica/microkit_host.h>
#include "loader.h"
#include "microkit_run.h"
#include "../sim.h"

static int refuse(const mica_config_t *cfg, mica_run_result_t *result, const char *msg)
{
    if (!cfg || !cfg->quiet)
        fprintf(stderr, "%s\n", msg);
    if (result) {
        memset(result, 0, sizeof *result);
        snprintf(result->message, sizeof result->message, "%s", msg);
    }
    return -EINVAL;
}

/*
 * The root CNode radix the building root task needs: a slot per frame of
 * every memory region and per page of every mapping (each mapping maps a
 * copy of the frame cap), the PDs' objects, stacks and paging structures,
 * and room for boot's caps - at least `bits`, at most 24.
 */
static unsigned root_cnode_bits_for(const mk_system_t *sys, unsigned bits)
{
    uint64_t slots = 1024;                      /* boot's caps and slack */
    for (size_t m = 0; m < sys->nmrs; m++)
        slots += 2 * (sys->mrs[m].size / sys->mrs[m].page_size);   /* frames, device skip */
    for (size_t i = 0; i < sys->npds; i++) {
        const mk_pd_t *pd = &sys->pds[i];
        slots += 64 + pd->stack_size / 0x1000 + 2 * pd->nirqs;
        for (size_t k = 0; k < pd->nmaps; k++) {
            const mk_mr_t *mr = &sys->mrs[pd->maps[k].mr];
            uint64_t pages = mr->size / mr->page_size;
            slots += pages + pages / 512 + 3;   /* copies, and the tables they need */
        }
    }
    while (bits < 24 && (1ull << bits) < slots)
        bits++;
    return bits;
}

int mk_system_run(const mica_config_t *cfg, const mk_system_t *sys, mk_runner_fn runner,
                  void *runner_arg, mica_run_result_t *result, int *status)
{
    char err[1024];
    mk_loaded_t *l;
    if (mk_load(sys, &l, err, sizeof err))
        return refuse(cfg, result, err);
    mica_config_t grown = *cfg;
    grown.root_cnode_bits = root_cnode_bits_for(sys, cfg->root_cnode_bits ? cfg->root_cnode_bits
                                                                          : 12);
    sim_set_cap_namer(mk_cap_note, l);
    int rc = runner(&grown, mk_root_task, l, runner_arg, result, status);
    sim_set_cap_namer(NULL, NULL);
    if (mk_failed(l)) {
        snprintf(err, sizeof err, "%s", mk_error(l));
        mk_unload(l);
        return refuse(cfg, result, err);
    }
    mk_unload(l);
    return rc;
}

static int plain_run(const mica_config_t *cfg, mica_root_task_fn root, void *arg, void *runner_arg,
                     mica_run_result_t *result, int *status)
{
    (void)runner_arg;
    (void)status;
    return mica_run(cfg, root, arg, result);
}

int mica_microkit_run(const mica_config_t *cfg, const char *system_xml, mica_run_result_t *result)
{
    char err[1024];
    mk_system_t *sys;
    if (mk_sdf_load(system_xml, &sys, err, sizeof err))
        return refuse(cfg, result, err);
    int rc = mk_system_run(cfg, sys, plain_run, NULL, result, NULL);
    mk_sdf_free(sys);
    return rc;
}
