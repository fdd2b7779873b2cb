/*
 * microkit/microkit_run.h - running a parsed system description with a
 * choice of runner: mica_run (mica_microkit_run) or the `mica` command's
 * runner with its reports (main.c). Tests run hand-built descriptions
 * through it too.
 */
#ifndef MICA_MICROKIT_RUN_H
#define MICA_MICROKIT_RUN_H

#include <mica/sim.h>
#include "sdf.h"

/* Run root(arg) on a machine configured by cfg; *status (if used) gets an exit status. */
typedef int (*mk_runner_fn)(const mica_config_t *cfg, mica_root_task_fn root, void *arg,
                            void *runner_arg, mica_run_result_t *result, int *status);

/*
 * Load sys's images, run it with runner, unload. Returns runner's value, or
 * -EINVAL (printed unless cfg->quiet, and in result->message) when an image
 * is bad or the system cannot be built.
 */
int mk_system_run(const mica_config_t *cfg, const mk_system_t *sys, mk_runner_fn runner,
                  void *runner_arg, mica_run_result_t *result, int *status);

#endif
