/*
 * buggy.c - mica-buggy's main: find the named misbehaving root task and run
 * it with the runner's options (buggy.h).
 */
#include <stdio.h>
#include <time.h>
#include <string.h>
#include "buggy.h"

void buggy_busy_ms(unsigned ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        for (volatile unsigned i = 0; i < 1000000; i++)
            ;
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < (long)ms);
}

static const buggy_t *const *tables(void)
{
    static const buggy_t *t[10];
    unsigned n = 0;
    const buggy_t *all[] = { buggy_spin, buggy_crash, buggy_escape, buggy_stack, buggy_limits,
                             buggy_runner, buggy_stall, buggy_signals, buggy_deadlock };
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i])
            t[n++] = all[i];
    t[n] = NULL;
    return t;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mica-buggy NAME [runner options] | mica-buggy list\n");
        return MICA_EXIT_USAGE;
    }
    const buggy_t *const *t = tables();
    if (strcmp(argv[1], "list") == 0) {
        for (unsigned i = 0; t[i]; i++)
            for (const buggy_t *b = t[i]; b->name; b++)
                printf("%-28s %s\n", b->name, b->what);
        return 0;
    }
    for (unsigned i = 0; t[i]; i++)
        for (const buggy_t *b = t[i]; b->name; b++)
            if (strcmp(b->name, argv[1]) == 0) {
                for (const buggy_main_t *m = buggy_mains; m && m->name; m++)
                    if (strcmp(m->name, b->name) == 0)
                        return m->main(argc - 1, argv + 1, b->root);
                return mica_main(argc - 1, argv + 1, b->root, NULL);
            }
    fprintf(stderr, "mica-buggy: no program '%s' (mica-buggy list)\n", argv[1]);
    return MICA_EXIT_USAGE;
}
