/*
 * spin.c - task code that spins without entering the kernel: one thread
 * busy-waits on a flag that another thread of the same priority sets once
 * it runs. Built with basic-block hooks (buggy_c_args, as users are told
 * to build task code), the spinner is preempted at a tick boundary, the
 * setter runs, and the run ends idle (buggy.h).
 */
#include <stdio.h>
#include "buggy.h"

#define PRIO 100

static volatile int flag;
static volatile unsigned long spins;

static void spinner(mica_word_t arg)
{
    (void)arg;
    printf("spinner: waiting for the flag\n");
    while (!flag)
        spins++;
    printf("spinner: saw the flag\n");
}

static void setter(mica_word_t arg)
{
    (void)arg;
    flag = 1;
    printf("setter: flag set\n");
}

static void spinner_entry(mica_word_t r0, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r1; (void)r2; (void)r3;
    spinner(r0);
}

/* The spinner starts last, so it heads the ready queue and spins first. */
static void spin_on_flag(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    if (!mica_thread_spawn(&env, "setter", setter, 0, PRIO) ||
        !mica_thread_spawn(&env, "spinner", spinner, 0, PRIO))
        printf("spin-on-flag: cannot start the threads: %s\n", mica_error_name(env.error));
}

/* The same with the spinner's stack in its VSpace: its ticks enter on its kernel stack. */
static void spin_on_flag_vspace_stack(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    mica_thread_config_t cfg = { .name = "spinner", .prio = PRIO, .stack_pages = 4 };
    mica_thread_t t;
    if (!mica_thread_spawn(&env, "setter", setter, 0, PRIO) ||
        mica_thread_create(&env, &cfg, &t) != MICA_NO_ERROR ||
        mica_thread_start(&t, spinner_entry, 0, 0, 0, 0) != MICA_NO_ERROR)
        printf("spin-on-flag-vspace-stack: cannot start the threads: %s\n",
               mica_error_name(env.error));
}

const buggy_t buggy_spin[] = {
    { "spin-on-flag", spin_on_flag,
      "a thread busy-waits on a flag another thread of its priority sets" },
    { "spin-on-flag-vspace-stack", spin_on_flag_vspace_stack,
      "the same, the spinner on a stack in its VSpace" },
    { 0 },
};
