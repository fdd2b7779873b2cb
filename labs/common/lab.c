/* lab.c - the lab programs' marks and facts (lab.h). */
#include <stdarg.h>
#include <stdio.h>
#include "lab.h"

void lab_task(int n)
{
    fprintf(stderr, "@lab task %d\n", n);
}

_Noreturn void lab_todo(int n, const char *hint)
{
    printf("TASK %d: not done yet: %s\n", n, hint);
    fflush(stdout);
    fprintf(stderr, "@lab todo %d\n", n);
    mica_debug_halt();
    for (;;)
        mica_yield();           /* not reached: the halt stops the system */
}

void lab_hint(const char *text)
{
    fprintf(stderr, "@lab hint %s\n", text);
}

void lab_fact(const char *key, long long value)
{
    fprintf(stderr, "@lab fact %s %lld\n", key, value);
}

void lab_usage(const char *phase)
{
    mica_usage_t u;
    if (mica_debug_usage(&u) != 0) {
        fprintf(stderr, "@lab usage %s unavailable 1\n", phase);
        return;
    }
    fprintf(stderr, "@lab usage %s untyped_bytes %lu\n", phase, (unsigned long)u.untyped_bytes_used);
    for (int t = 0; t < MICA_CAP_TYPE_COUNT; t++)
        if (u.objects[t])
            fprintf(stderr, "@lab usage %s %s %lu\n", phase, mica_cap_type_name((mica_cap_type_t)t),
                    (unsigned long)u.objects[t]);
    for (int s = 0; s < MICA_THREAD_STATE_COUNT; s++)
        if (u.threads[s])
            fprintf(stderr, "@lab usage %s threads_%s %lu\n", phase,
                    mica_thread_state_name((mica_thread_state_t)s), (unsigned long)u.threads[s]);
}
