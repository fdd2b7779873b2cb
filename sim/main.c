/*
 * main.c - the `mica` command: list the built-in example systems and run
 * one of them on a simulated machine.
 *
 *   mica list
 *   mica run SYSTEM [options]      (options: mica run --help)
 *   mica microkit SYSTEM.xml [options]
 *
 * The options and the exit statuses are mica_main's (runner.c); the
 * systems are the example root tasks of examples/ (examples.c), or a
 * Microkit system description and its program images (microkit/).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "runner.h"
#include "microkit/microkit_run.h"
#include "../examples/examples.h"

static void usage(FILE *f)
{
    fputs("Usage: mica list\n"
          "       mica run SYSTEM [options]\n"
          "       mica microkit SYSTEM.xml [options]\n"
          "       mica --version\n"
          "Run an example system, or a Microkit system description, on mica, an seL4-style\n"
          "microkernel simulated in this process. `mica list` names the example systems.\n", f);
}

static int list(void)
{
    int width = 0;
    for (const mica_example_t *e = mica_examples; e->name; e++)
        if ((int)strlen(e->name) > width)
            width = (int)strlen(e->name);
    for (const mica_example_t *e = mica_examples; e->name; e++)
        printf("%-*s  %s\n", width, e->name, e->summary);
    return MICA_EXIT_OK;
}

static const mica_example_t *find(const char *name)
{
    for (const mica_example_t *e = mica_examples; e->name; e++)
        if (strcmp(e->name, name) == 0)
            return e;
    return NULL;
}

/*
 * The runner's options for `run` and `microkit`: -1 when the command goes
 * on, else the exit status (a bad option, --version or --help handled).
 */
static int parse(int argc, char **argv, runner_opts_t *o)
{
    int err = runner_parse(argc, argv, o);
    if (err)
        return err;
    if (o->version) {
        runner_print_version();
        return MICA_EXIT_OK;
    }
    if (o->help) {
        usage(stdout);
        runner_print_options(stdout);
        return MICA_EXIT_OK;
    }
    return -1;
}

static int run(int argc, char **argv)
{
    runner_opts_t o;
    int status = parse(argc, argv, &o);
    if (status >= 0)
        return status;
    if (o.nargs == 0)
        return runner_usage_error("run: which system? (`mica list` names them)");
    if (o.nargs > 1)
        return runner_usage_error("run: one system at a time ('%s' and '%s')", o.args[0],
                                  o.args[1]);
    const mica_example_t *e = find(o.args[0]);
    if (!e)
        return runner_usage_error("run: unknown system '%s' (`mica list` names them)", o.args[0]);
    return runner_run(&o, e->root, NULL);
}

/* mk_runner_fn for `mica microkit`: the runner's reports and exit status. */
static int runner_for_microkit(const mica_config_t *cfg, mica_root_task_fn root, void *arg,
                               void *runner_arg, mica_run_result_t *result, int *status)
{
    (void)result;
    runner_opts_t *o = runner_arg;
    o->cfg.root_cnode_bits = cfg->root_cnode_bits;  /* as large as the system needs */
    *status = runner_run(o, root, arg);
    return 0;
}

static int microkit(int argc, char **argv)
{
    runner_opts_t o;
    int status = parse(argc, argv, &o);
    if (status >= 0)
        return status;
    if (o.nargs != 1)
        return runner_usage_error("microkit: give one system description (SYSTEM.xml)");
    char msg[1024];
    mk_system_t *sys;
    if (mk_sdf_load(o.args[0], &sys, msg, sizeof msg)) {
        fprintf(stderr, "%s\n", msg);
        return MICA_EXIT_USAGE;
    }
    status = MICA_EXIT_USAGE;
    static mica_run_result_t result;
    int rc = mk_system_run(&o.cfg, sys, runner_for_microkit, &o, &result, &status);
    mk_sdf_free(sys);
    return rc == -EINVAL ? MICA_EXIT_USAGE : status;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return MICA_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "list") == 0) {
        if (argc > 2)
            return runner_usage_error("list takes no arguments");
        return list();
    }
    if (strcmp(cmd, "run") == 0)
        return run(argc - 2, argv + 2);
    if (strcmp(cmd, "microkit") == 0)
        return microkit(argc - 2, argv + 2);
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        runner_print_version();
        return MICA_EXIT_OK;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        runner_print_options(stdout);
        return MICA_EXIT_OK;
    }
    return runner_usage_error("unknown command '%s' (use list, run or microkit; see --help)", cmd);
}
