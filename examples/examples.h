/*
 * examples.h - the example systems built into `mica run NAME`.
 *
 * Each example lives in examples/<name>/<name>.c: its root task is
 * example_<name>_root, and a tiny main (compiled only for the standalone
 * build/examples/<name>) hands it to mica_main. The runner's copy is built
 * with MICA_BUILTIN_EXAMPLES defined, which leaves that main out.
 */
#ifndef MICA_EXAMPLES_H
#define MICA_EXAMPLES_H

#include <mica/mica.h>

typedef struct mica_example {
    const char *name;
    const char *summary;        /* one line for `mica list` */
    mica_root_task_fn root;
} mica_example_t;

/* The table, ended by an entry with a NULL name. */
extern const mica_example_t mica_examples[];

void example_hello_root(const mica_bootinfo_t *bi, void *arg);
void example_echo_root(const mica_bootinfo_t *bi, void *arg);
void example_notify_root(const mica_bootinfo_t *bi, void *arg);
void example_prio_root(const mica_bootinfo_t *bi, void *arg);
void example_pager_root(const mica_bootinfo_t *bi, void *arg);
void example_ramfs_root(const mica_bootinfo_t *bi, void *arg);
void example_supervisor_root(const mica_bootinfo_t *bi, void *arg);
void example_interrupts_root(const mica_bootinfo_t *bi, void *arg);
void example_timer_root(const mica_bootinfo_t *bi, void *arg);
void example_console_root(const mica_bootinfo_t *bi, void *arg);
void example_disk_root(const mica_bootinfo_t *bi, void *arg);

#endif
