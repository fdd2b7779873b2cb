/*
 * stall.c - task code that stays out of the kernel: spinning under the
 * virtual clock, or blocked on a host lock another thread of its CPU holds.
 * The watchdog stops the run (exit 4) naming the thread and where it was
 * (buggy.h).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <mica/user.h>
#include "buggy.h"

static volatile int flag;

/* Waits for a flag nobody sets before the watchdog fires: no kernel entry ever. */
static void spin(mica_word_t arg)
{
    (void)arg;
    printf("spinning now\n");       /* must not be lost when the run stops */
    while (!flag)
        ;
}

/* The same, built without the basic-block hook (as task code is unless told otherwise). */
__attribute__((no_sanitize_coverage)) static void spin_plain(mica_word_t arg)
{
    (void)arg;
    printf("spinning now\n");
    while (!flag)
        ;
}

static void spinner_plain(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    mica_thread_spawn(&env, "spinner", spin_plain, 0, 100);
}

static void spinner(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    mica_thread_spawn(&env, "spinner", spin, 0, 100);     /* runs when the root returns */
}

/* Two threads of one priority and one host mutex, under the real clock. */
static pthread_mutex_t host_lock = PTHREAD_MUTEX_INITIALIZER;

static volatile int held;

/* Takes the host lock and loses the CPU holding it (as a preemption would make it). */
static void holder(mica_word_t arg)
{
    (void)arg;
    pthread_mutex_lock(&host_lock);
    held = 1;
    mica_yield();           /* the locker runs now */
    buggy_busy_ms(10);
    pthread_mutex_unlock(&host_lock);
}

static void locker(mica_word_t arg)
{
    (void)arg;
    while (!held)
        mica_yield();
    pthread_mutex_lock(&host_lock);     /* blocks the whole CPU: the holder can never run */
    pthread_mutex_unlock(&host_lock);
}

static void host_mutex(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);
    mica_thread_spawn(&env, "holder", holder, 0, 100);
    mica_thread_spawn(&env, "locker", locker, 0, 100);
}

/* A blocking host call with nothing else to run is slow, not stalled. */
static void sleeper(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    usleep(700 * 1000);
    printf("slept\n");
}

const buggy_t buggy_stall[] = {
    { "spinner", spinner, "a thread spins on a flag under the virtual clock" },
    { "spinner-plain", spinner_plain, "the same, in code built without the basic-block hook" },
    { "host-mutex", host_mutex, "a thread waits for a pthread mutex a preempted thread holds" },
    { "sleeper", sleeper, "the only thread sleeps in the host for 0.7 s" },
    { 0 },
};
