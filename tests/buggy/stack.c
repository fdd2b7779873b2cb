/*
 * stack.c - task code that overflows its stack: the thread stops with a
 * report that says so, and every other thread, one parked in the kernel
 * included, carries on unharmed (buggy.h).
 *
 * Each program runs the same small system. A thread "overflow" starts and
 * waits for a go-ahead; a thread "waiter" then parks in the kernel (Recv
 * on an endpoint); a low-priority thread "kicker" gives the go-ahead, and
 * "overflow" overflows its stack and stops. "kicker", running again, sends
 * the waiter a word; the waiter prints it and tells the root task, which
 * prints that everyone else survived.
 *
 * A host stack is mapped when its thread first runs, and Linux maps each
 * new one below the previous: the waiter's stack is the memory just below
 * the overflowing one, what a big frame jumped into over a 4 KiB guard page.
 */
#include <stdio.h>
#include <mica/user.h>
#include "buggy.h"

static mica_cptr_t ep;          /* waiter <- kicker */
static mica_cptr_t go;          /* overflow <- kicker (a notification) */
static mica_cptr_t done;        /* root <- waiter */

/* How "overflow" overflows, and on which stack. */
typedef struct how {
    enum { BIG_ARRAY, HUGE_ARRAY, RECURSION } what;
    mica_word_t stack_pages;    /* 0: a host stack; else frames mapped in the root's VSpace */
    unsigned retries;           /* with a fault handler (the root) that replies this often */
} how_t;

/* Fill a local array from its lowest byte up, as code filling a buffer does. */
#define FILL(bytes)                                                             \
    do {                                                                        \
        volatile unsigned char buf[bytes];                                      \
        for (size_t i = 0; i < sizeof buf; i++)                                 \
            buf[i] = 0xa5;                                                      \
        printf("overflow: the array fitted (it should not have)\n");            \
    } while (0)

/*
 * 300 KiB: larger than the whole 256 KiB host stack, but small enough that
 * with a 4 KiB guard page its lowest bytes were in the stack mapped below.
 */
static __attribute__((noinline)) void big_array(void)
{
    FILL(300ul << 10);
}

/* 8 MiB: past any guard gap; only probing the frame page by page catches it. */
static __attribute__((noinline)) void huge_array(void)
{
    FILL(8ul << 20);
}

/* Calls itself until the stack runs out; the work after the call keeps it a real call. */
static volatile unsigned long depth_limit = ~0ul;
static __attribute__((noinline)) unsigned long recurse(unsigned long depth)
{
    volatile unsigned char frame[256];
    frame[0] = (unsigned char)depth;
    if (depth >= depth_limit)
        return frame[0];
    return recurse(depth + 1) + frame[0];
}

static void overflow(mica_word_t arg, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r1; (void)r2; (void)r3;
    const how_t *how = (const how_t *)arg;
    mica_word_t badge;
    mica_wait(go, &badge);
    printf("overflow: about to overflow my stack\n");
    fflush(stdout);
    switch (how->what) {
    case BIG_ARRAY:
        big_array();
        break;
    case HUGE_ARRAY:
        huge_array();
        break;
    case RECURSION:
        printf("overflow: recursion returned %lu (it should not have)\n", recurse(0));
        break;
    }
}

static void waiter(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_msginfo_t m = mica_recv(ep, &badge);
    printf("waiter: got %lu in a message of %lu words: unharmed\n",
           (unsigned long)mica_get_mr(0), (unsigned long)mica_msginfo_get_length(m));
    mica_set_mr(0, 1);
    mica_send(done, mica_msginfo_new(0, 0, 0, 1));
}

static void kicker(mica_word_t arg)
{
    (void)arg;
    mica_signal(go);
    mica_set_mr(0, 42);
    mica_send(ep, mica_msginfo_new(0, 0, 0, 1));
}

/*
 * The root as "overflow"'s fault handler: it replies to the first
 * how->retries faults, so the thread retries the access that overflowed
 * and faults again, then suspends it.
 */
static void handle_faults(mica_cptr_t fault_ep, mica_cptr_t tcb, unsigned retries)
{
    mica_word_t badge;
    mica_msginfo_t m = mica_recv(fault_ep, &badge);
    for (unsigned n = 1;; n++) {
        printf("root: fault %u from 'overflow': type %lu, signal %lu\n", n,
               (unsigned long)mica_msginfo_get_label(m),
               (unsigned long)mica_get_mr(MICA_USER_EXCEPTION_NUMBER));
        if (n > retries)
            break;
        m = mica_reply_recv(fault_ep, mica_msginfo_new(0, 0, 0, 0), &badge);
    }
    mica_tcb_suspend(tcb);
    printf("root: suspended 'overflow'\n");
}

/*
 * The system around an overflow: "overflow" (priority 200) runs first and
 * waits, "waiter" (190) parks, "kicker" (10) lets "overflow" go and, once
 * it has stopped, sends to "waiter".
 */
static void run(const mica_bootinfo_t *bi, const how_t *how)
{
    mica_env_t env;
    mica_env_init(&env, bi);
    ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    done = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    go = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t fault_ep = how->retries ? mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0) : 0;
    if (!ep || !done || !go || (how->retries && !fault_ep)) {
        printf("root: no endpoints: %s\n", mica_error_name(env.error));
        return;
    }
    mica_thread_config_t cfg = { .name = "overflow", .prio = 200, .fault_ep = fault_ep,
                                 .stack_pages = how->stack_pages };
    mica_thread_t t;
    mica_error_t e = mica_thread_create(&env, &cfg, &t);
    if (e == MICA_NO_ERROR)
        e = mica_thread_start(&t, overflow, (mica_word_t)how, 0, 0, 0);
    if (e != MICA_NO_ERROR ||
        !mica_thread_spawn(&env, "waiter", waiter, 0, 190) ||
        !mica_thread_spawn(&env, "kicker", kicker, 0, 10)) {
        printf("root: cannot start the threads: %s\n", mica_error_name(e ? e : env.error));
        return;
    }
    if (how->retries)
        handle_faults(fault_ep, t.tcb, how->retries);
    mica_word_t badge;
    mica_recv(done, &badge);
    printf("root: the waiter finished its IPC; everyone but 'overflow' survived\n");
}

#define PROGRAM(fn, ...)                                        \
    static void fn(const mica_bootinfo_t *bi, void *arg)        \
    {                                                           \
        (void)arg;                                              \
        static const how_t how = { __VA_ARGS__ };               \
        run(bi, &how);                                          \
    }

PROGRAM(host_array, BIG_ARRAY, 0, 0)
PROGRAM(host_huge_array, HUGE_ARRAY, 0, 0)
PROGRAM(host_recursion, RECURSION, 0, 0)
PROGRAM(host_retried, BIG_ARRAY, 0, 2)
PROGRAM(vspace_array, BIG_ARRAY, 16, 0)
PROGRAM(vspace_recursion, RECURSION, 16, 0)

/* The root task itself, on its 512 KiB stack in its VSpace: nothing else runs. */
static void root_array(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    printf("root: about to overflow my stack\n");
    fflush(stdout);
    huge_array();
}

static void root_recursion(const mica_bootinfo_t *bi, void *arg)
{
    (void)bi; (void)arg;
    printf("root: about to overflow my stack\n");
    fflush(stdout);
    printf("root: recursion returned %lu (it should not have)\n", recurse(0));
}

const buggy_t buggy_stack[] = {
    { "stack-big-array", host_array,
      "a thread on a host stack declares a 300 KiB local array while another is parked in the kernel" },
    { "stack-huge-array", host_huge_array,
      "a thread on a host stack declares an 8 MiB local array while another is parked in the kernel" },
    { "stack-recursion", host_recursion,
      "a thread on a host stack recurses without end while another is parked in the kernel" },
    { "stack-overflow-retried", host_retried,
      "a thread overflows its host stack and its fault handler makes it retry, twice" },
    { "stack-root-huge-array", root_array, "the root task declares an 8 MiB local array" },
    { "stack-root-recursion", root_recursion, "the root task recurses without end" },
    { "stack-big-array-vspace", vspace_array,
      "a thread on a 16-page VSpace stack declares a 300 KiB local array" },
    { "stack-recursion-vspace", vspace_recursion,
      "a thread on a 16-page VSpace stack recurses without end" },
    { 0 },
};
