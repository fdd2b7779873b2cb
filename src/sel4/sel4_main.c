/*
 * sel4_main.c - the process's main for a program written against
 * <sel4/sel4.h>, whose own `int main` that header renames mica_sel4_main.
 *
 * This file is a member of libmica.a of its own and defines nothing but
 * main, so the linker takes it only for a program that has no main:
 * native mica programs (with their own main calling mica_main) never see
 * it.
 *
 *     prog [runner options] [-- program arguments]
 *
 * The runner's options are mica_main's (--help lists them). The program's
 * main runs as the root task with argv[0] and the words after `--` (and any
 * word that is not an option). Exit status: main's return value when it
 * returned non-zero, otherwise the runner's (MICA_EXIT_*), so a program
 * that reports failure by returning 1 fails, and one that returns 0 fails
 * still if the system deadlocked or a thread faulted with no handler.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mica/mica.h>
#include "runner.h"

/* The program's main, renamed by <sel4/sel4.h>; int main(void) is called the same way. */
int mica_sel4_main(int argc, char **argv);

struct sel4_root {
    int argc;
    char **argv;
    int returned;       /* main returned (rather than blocking or faulting) */
    int status;         /* what it returned */
};

static void sel4_root_task(const mica_bootinfo_t *bi, void *arg)
{
    struct sel4_root *r = arg;
    (void)bi;           /* the program asks seL4_GetBootInfo() */
    r->status = mica_sel4_main(r->argc, r->argv);
    r->returned = 1;
}

int main(int argc, char **argv)
{
    const char *prog;
    char **opts;
    int nopts, split = runner_split_argv(argc, argv, "sel4-program", &prog, &opts, &nopts);

    runner_opts_t o;
    int err = runner_parse(split, opts, &o);
    if (err)
        return err;
    if (o.version) {
        runner_print_version();
        return MICA_EXIT_OK;
    }
    if (o.help) {
        printf("Usage: %s [options] [-- arguments]\n"
               "Run this seL4 program's main as the root task of a simulated mica machine.\n",
               prog);
        runner_print_options(stdout);
        return MICA_EXIT_OK;
    }

    /* The program's argv: its name, the words that were not options, the words after `--`. */
    int after = split < nopts ? nopts - split - 1 : 0;
    char **pargv = calloc((size_t)(1 + o.nargs + after + 1), sizeof *pargv);
    if (!pargv) {
        fprintf(stderr, "mica: out of memory\n");
        return MICA_EXIT_HOST;
    }
    int pargc = 0;
    pargv[pargc++] = (char *)prog;
    for (int i = 0; i < o.nargs; i++)
        pargv[pargc++] = (char *)o.args[i];
    for (int i = 0; i < after; i++)
        pargv[pargc++] = opts[split + 1 + i];
    pargv[pargc] = NULL;

    struct sel4_root r = { pargc, pargv, 0, 0 };
    runner_set_main_args(pargc, pargv);     /* mica_main_args answers the same */
    int status = runner_run(&o, sel4_root_task, &r);
    runner_set_main_args(0, NULL);
    free(pargv);
    if (r.returned && r.status != 0)
        return r.status;
    return status;
}
