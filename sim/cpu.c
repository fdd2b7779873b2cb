/*
 * cpu.c - simulated CPUs: host threads, the big kernel lock, IPIs.
 *
 * seL4's SMP kernel serialises every kernel entry on one big lock; so does
 * mica. The simulator takes sim_kernel_lock wherever a CPU sets
 * sim_in_kernel and enters the kernel (a system call, a trap, a preemption,
 * the idle loop) and drops it where the CPU leaves for task code, so task
 * code runs truly in parallel and kernel code never does. A lock taken by a
 * host thread is always dropped by the same host thread: contexts move
 * between CPUs only inside the kernel, under the lock.
 *
 * With one CPU there is no lock and no thread: the run is exactly the
 * single-CPU machine (and deterministic).
 *
 * An IPI (hw_ipi) wakes a CPU waiting in its idle loop, and sends its host
 * thread SIM_IPI_SIGNAL so that task code running there is preempted into
 * the kernel (clock.c on_ipi) - the kernel itself records what the IPI is
 * for, under the lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sim.h"

struct sim_cpu sim_cpus[SIM_MAX_CPUS];
unsigned sim_ncpus = 1;
int sim_smp;
__thread struct sim_cpu *sim_self_tls __attribute__((tls_model("initial-exec")));
__thread int sim_own_thread __attribute__((tls_model("initial-exec")));

/*
 * Not inlined, and opaque to the optimiser: a caller that switched contexts
 * (and so may now run on another CPU's host thread) gets the new CPU, never
 * a copy of the old thread pointer kept in a register.
 */
__attribute__((noinline)) struct sim_cpu *sim_self(void)
{
    struct sim_cpu *c = sim_self_tls;
    __asm__ volatile("" : "+r"(c));
    return c ? c : &sim_cpus[0];
}

struct sim_cpu *sim_self_or_null(void)
{
    return sim_self_tls;
}

unsigned hw_cpu_id(void)
{
    return sim_self()->id;
}

unsigned mica_sim_cpu(void)
{
    return sim_smp ? sim_self()->id : 0;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__)
    __asm__ volatile("pause");
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

/*
 * The big kernel lock is a ticket lock, as seL4's is fair among cores (its
 * CLH lock): CPUs enter the kernel in the order they asked. Kernel entries
 * are short (a Call is ~100 ns), so a waiter spins; after a while it also
 * yields the host CPU, for when there are more simulated CPUs than host
 * cores and the holder's host thread is not running. (A pthread mutex was
 * tried first: with two CPUs doing IPC most entries paid a futex sleep and
 * wake-up.) Built from atomics, it also suits ThreadSanitizer, which would
 * call a mutex locked by one context and unlocked by the next on the same
 * host thread "unlocked by a wrong thread".
 */
#include <sched.h>
static unsigned bkl_next, bkl_owner;   /* tickets handed out; the ticket now served */

void sim_kernel_lock_smp(void)
{
    unsigned me = __atomic_fetch_add(&bkl_next, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&sim_self()->entries, 1, __ATOMIC_RELAXED);     /* progress, for the watchdog */
    unsigned spins = 0;
    while (__atomic_load_n(&bkl_owner, __ATOMIC_ACQUIRE) != me) {
        cpu_relax();
        if (++spins == 4000) {
            spins = 0;
            sched_yield();
        }
    }
}

void sim_kernel_unlock_smp(void)
{
    __atomic_store_n(&bkl_owner, bkl_owner + 1, __ATOMIC_RELEASE);
}

/*
 * An idle CPU spins this many rounds for an IPI before it sleeps: waking a
 * sleeping host thread costs tens of microseconds, which a cross-CPU Call
 * would pay twice per round trip (bench: ipc_call_replyrecv_rt_cross_cpu).
 */
#define IDLE_SPIN_ROUNDS 20000

void hw_ipi(unsigned cpu)
{
    if (cpu >= sim_ncpus)
        return;
    struct sim_cpu *c = &sim_cpus[cpu];
    pthread_mutex_lock(&c->wait_lock);
    __atomic_store_n(&c->ipi, 1, __ATOMIC_RELEASE);
    int waiting = c->waiting;
    if (waiting)
        pthread_cond_signal(&c->wait_cond);
    pthread_mutex_unlock(&c->wait_lock);
    /* Not idle: it runs task code (or is on its way into the kernel) - interrupt it. */
    if (!waiting && __atomic_load_n(&c->started, __ATOMIC_ACQUIRE))
        pthread_kill(c->thread, SIM_IPI_SIGNAL);
}

void hw_cpu_wait(void)
{
    struct sim_cpu *c = sim_self();
    pthread_mutex_lock(&c->wait_lock);
    c->waiting = 1;
    pthread_mutex_unlock(&c->wait_lock);
    sim_kernel_unlock();
    for (int i = 0; i < IDLE_SPIN_ROUNDS && !__atomic_load_n(&c->ipi, __ATOMIC_ACQUIRE); i++)
        cpu_relax();
    pthread_mutex_lock(&c->wait_lock);
    while (!c->ipi)
        pthread_cond_wait(&c->wait_cond, &c->wait_lock);
    c->ipi = 0;
    c->waiting = 0;
    pthread_mutex_unlock(&c->wait_lock);
    sim_kernel_lock();
}

int sim_cpus_init(unsigned n)
{
    sim_ncpus = n;
    sim_smp = n > 1;
    for (unsigned i = 0; i < SIM_MAX_CPUS; i++) {
        struct sim_cpu *c = &sim_cpus[i];
        memset(c, 0, sizeof *c);
        c->id = i;      /* cur and pending_free: ctx_system_init */
        pthread_mutex_init(&c->wait_lock, NULL);
        pthread_cond_init(&c->wait_cond, NULL);
    }
    sim_self_tls = &sim_cpus[0];
    sim_cpus[0].thread = pthread_self();
    return 0;
}

/* A CPU's host thread: set up its signal stacks and timer, run its idle loop. */
static void *cpu_main(void *arg)
{
    struct sim_cpu *c = arg;
    sim_self_tls = c;
    ctx_cpu_attach(c->id);
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    if (trap_cpu_init(c) != 0 || clock_cpu_start(c) != 0) {
        fprintf(stderr, "mica: CPU %u: the host refused its signal stacks or timer\n", c->id);
        abort();
    }
    sim_kernel_enter();
    kernel_idle_enter();
    sim_kernel_leave();
    clock_cpu_stop(c);
    trap_cpu_fini(c);
    return NULL;
}

int sim_cpus_start(void)
{
    /* The CPU threads begin with every signal blocked; cpu_main opens them. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int err = 0;
    for (unsigned i = 1; i < sim_ncpus && !err; i++) {
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setstacksize(&a, 1u << 20);
        err = pthread_create(&sim_cpus[i].thread, &a, cpu_main, &sim_cpus[i]);
        pthread_attr_destroy(&a);
        if (!err)
            __atomic_store_n(&sim_cpus[i].started, 1, __ATOMIC_RELEASE);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (sim_smp)    /* IPIs to CPU 0 signal this thread too */
        __atomic_store_n(&sim_cpus[0].started, 1, __ATOMIC_RELEASE);
    if (err)
        fprintf(stderr, "mica: the host refused a thread for a CPU: %s\n", strerror(err));
    return err ? -1 : 0;
}

void sim_cpus_join(void)
{
    for (unsigned i = 1; i < sim_ncpus; i++)
        if (sim_cpus[i].started) {
            pthread_join(sim_cpus[i].thread, NULL);
            __atomic_store_n(&sim_cpus[i].started, 0, __ATOMIC_RELEASE);
        }
    __atomic_store_n(&sim_cpus[0].started, 0, __ATOMIC_RELEASE);
}

void sim_cpus_fini(void)
{
    for (unsigned i = 0; i < SIM_MAX_CPUS; i++) {
        pthread_mutex_destroy(&sim_cpus[i].wait_lock);
        pthread_cond_destroy(&sim_cpus[i].wait_cond);
    }
    sim_ncpus = 1;
    sim_smp = 0;
    sim_self_tls = NULL;    /* this host thread is no CPU until the next run: no system calls */
}
