/*
 * runner.h - the option parsing and reporting shared by mica_main
 * (runner.c) and the `mica` command (main.c).
 */
#ifndef MICA_SIM_RUNNER_H
#define MICA_SIM_RUNNER_H

#include <stdio.h>
#include <mica/sim.h>

#define RUNNER_MAX_ARGS 8

typedef struct runner_opts {
    mica_config_t cfg;
    int stats;                          /* --stats */
    int help;                           /* --help or -h */
    int version;                        /* --version or -V */
    const char *args[RUNNER_MAX_ARGS];  /* the words that are not options, in order */
    int nargs;
} runner_opts_t;

/*
 * Parse argv[0..argc) (no program name) into *o, starting from the
 * defaults. Every bad option or value is reported on stderr in one line.
 * @return 0, or MICA_EXIT_USAGE.
 */
int runner_parse(int argc, char **argv, runner_opts_t *o);

/* Print the options' help to f. */
void runner_print_options(FILE *f);

/*
 * Run root with o's configuration, print the outcome as the options ask,
 * and return the exit status (MICA_EXIT_*).
 */
int runner_run(const runner_opts_t *o, mica_root_task_fn root, void *arg);

/*
 * What mica_main_args answers during the run: the program's name and
 * arguments (argv[argc] is NULL); (0, NULL) for none.
 */
void runner_set_main_args(int argc, char **argv);

/*
 * A program's command line, prog [runner options] [-- program arguments]:
 * sets *prog (fallback when argv has none), *opts and *nopts to the words
 * after the name, and returns the index in opts of the `--` (nopts when
 * there is none).
 */
int runner_split_argv(int argc, char **argv, const char *fallback, const char **prog,
                      char ***opts, int *nopts);

/* "mica VERSION" on stdout, for --version. */
void runner_print_version(void);

/* A one-line usage error: "mica: <message>" on stderr; returns MICA_EXIT_USAGE. */
int runner_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
