/*
 * summary.c - what the host asks of a stopped kernel: the run result, the
 * current thread's IPC buffer and VSpace, the boot info.
 *
 * A stop with nothing runnable is IDLE when only receivers wait and DEADLOCK
 * when some thread waits in Send, Call or for a reply (API.md); the deadlock
 * message names each such thread and what it waits on.
 */
#include <mica/sim.h>
#include "cdt.h"
#include "objecttype.h"
#include "thread.h"
#include "invariants.h"
#include "object/object.h"


/*
 * The thread whose task code runs on the calling CPU: its current thread,
 * or the stalled one its host still runs (sched.c remote_tcb_stall).
 * Called from task code (with the kernel lock held when there are several
 * CPUs), so it asks the machine which CPU that is.
 */
static paddr_t running_thread(void)
{
    ks_cpu_t *c = cpu_state(ks.num_cpus > 1 ? hw_cpu_id() : 0);
    if (c->stalled)
        return c->orphan;
    return c->cur_thread == c->idle_thread ? 0 : c->cur_thread;
}

hw_word_t kernel_ticks(void)
{
    return ks.time;
}

void *kernel_current_ipc_buffer(void)
{
    paddr_t t = running_thread();
    return t ? lookup_ipc_buffer(false, t) : NULL;
}

hw_word_t kernel_current_vspace(void)
{
    paddr_t t = running_thread();
    if (!t)
        return 0;
    cap_t vs = tcb_slot(t, TCB_VTABLE)->cap;
    return cap_type(vs) == MICA_CAP_TYPE_VSPACE ? cap_obj(vs) : 0;
}

static const char *thread_name(paddr_t t);

hw_word_t kernel_entry_count(void)
{
    /* Not the basic-block ticks (kernel_tick): a thread that only takes those is spinning. */
    return __atomic_load_n(&ks.count.kernel_entries, __ATOMIC_RELAXED) -
           __atomic_load_n(&ks.count.block_ticks, __ATOMIC_RELAXED);
}

const char *kernel_cpu_thread_name(unsigned cpu)
{
    if (cpu >= ks.num_cpus)
        return "?";
    paddr_t t = cpu_state(cpu)->cur_thread;
    if (!t || t == cpu_state(cpu)->idle_thread)
        return "(idle)";
    return thread_name(t);
}

void *kernel_bootinfo(void)
{
    return paddr_to_ptr(ks.bootinfo);
}

static const char *thread_name(paddr_t t)
{
    return tcb_ptr(t)->name[0] ? tcb_ptr(t)->name : "(unnamed)";
}

/* Append to the stop message. */
static void say(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
    va_list ap;
    if (*len >= n)
        return;
    va_start(ap, fmt);
    int k = hw_vformat(buf + *len, n - *len, fmt, ap);
    va_end(ap);
    if (k > 0)
        *len += (size_t)k;
}

/* Who a blocked thread waits for, for the deadlock chain. */
static paddr_t waits_for(paddr_t t)
{
    tcb_t *tp = tcb_ptr(t);
    if (tp->state.type == MICA_THREAD_BLOCKED_ON_REPLY) {
        /* The thread holding our reply cap must answer. */
        paddr_t r = mdb_next(tcb_slot(t, TCB_REPLY));
        if (r && cap_type(cte_at(r)->cap) == MICA_CAP_TYPE_REPLY) {
            /*
             * Only a reply cap still in a TCB's caller slot names its holder.
             * After SaveCaller it sits in a CNode slot, and the memory around
             * that slot is no TCB (test_endpoint.c
             * deadlock_report_does_not_invent_the_holder_of_a_saved_reply_cap).
             */
            paddr_t w = tcb_of_slot_paddr(r);
            cap_t master = tcb_slot(w, TCB_REPLY)->cap;
            if (r == ptr_to_paddr(tcb_slot(w, TCB_CALLER)) &&
                cap_type(master) == MICA_CAP_TYPE_REPLY && cap_reply_is_master(master) &&
                cap_obj(master) == w)
                return w;
        }
    }
    return 0;
}

void kernel_summary(struct mica_run_result *r)
{
    size_t len = 0;
    bool deadlock = false;

    r->kernel_entries = ks.count.kernel_entries;
    r->cpus = ks.num_cpus;
    for (unsigned c = 0; c < ks.num_cpus && c < MICA_MAX_CPUS; c++) {
        r->cpu[c].kernel_entries = ks.num_cpus > 1 ? cpu_state(c)->entries : ks.count.kernel_entries;
        r->cpu[c].context_switches = ks.num_cpus > 1 ? cpu_state(c)->switches : ks.count.context_switches;
        r->cpu[c].ipis = cpu_state(c)->ipis;
        r->cpu[c].idle_waits = cpu_state(c)->idle_waits;
    }
    r->ticks = ks.time;
    for (unsigned i = 0; i < MICA_STATS_SYSCALLS && i < ARRAY_SIZE(ks.count.syscalls); i++)
        r->syscalls[i] = ks.count.syscalls[i];
    r->invocations = ks.count.invocations;
    r->invocation_errors = ks.count.invocation_errors;
    r->expected_errors = ks.count.expected_errors;
    r->untimed_entries = ks.count.untimed_entries;
    r->ipcs = ks.count.ipcs;
    r->fastpath_hits = ks.count.fastpath_hits;
    r->context_switches = ks.count.context_switches;
    r->faults = ks.count.faults;
    for (unsigned i = 0; i < MICA_OBJECT_TYPE_COUNT; i++)
        r->objects[i] = ks.count.objects[i];
    for (unsigned i = 0; i <= MICA_MAX_IRQ; i++) {
        r->irq[i].raised = ks.count.irq_raised[i];
        r->irq[i].delivered = ks.count.irq_delivered[i];
        r->irq[i].acked = ks.count.irq_acked[i];
    }

    /*
     * MICA_CHECK_END: check once when the system stops, whyever it stopped.
     * A run ended by mica_debug_halt or the time limit is already
     * `stopped`, so the checker's kernel_stop was ignored and such runs were
     * never checked (found by mica-fuzz, whose runs end with a halt;
     * test_regressions.c check_end_also_checks_a_halted_run). A broken
     * invariant replaces the halt or time limit as the reason.
     */
    if (ks.check != MICA_CHECK_OFF && !(ks.stopped && ks.stop_reason == MICA_STOP_INVARIANT)) {
        int stopped = ks.stopped;
        ks.stopped = 0;
        if (kernel_check_invariants())
            ks.stopped = stopped;
    }

    /* Threads by state, and untyped use, from one walk of the CDT. */
    paddr_t open_base = 0, open_end = 0;   /* the top-level untyped whose descendants we are in */
    /*
     * The walk must end, and stay in memory, even on a CDT list the checker
     * has just found broken (a loop, a wild link): without these bounds a run
     * stopped for no_mloop never returned its result.
     */
    word_t budget = hw_phys_size / sizeof(cte_t);
    for (paddr_t p = mdb_next(cte_at(ks.mdb_head));
         p && p + sizeof(cte_t) <= hw_phys_size && budget; p = mdb_next(cte_at(p)), budget--) {
        cte_t *s = cte_at(p);
        cap_t c = s->cap;
        if (cap_type(c) == MICA_CAP_TYPE_UNTYPED) {
            paddr_t b = cap_obj(c), e = b + BIT(cap_untyped_size_bits(c));
            if (!(b >= open_base && e <= open_end)) {
                open_base = b;
                open_end = e;
                if (!cap_untyped_is_device(c))
                    r->untyped_bytes_used += cap_untyped_free_index(c);
            }
        }
        if (cap_type(c) != MICA_CAP_TYPE_TCB)
            continue;
        paddr_t prev = mdb_prev(s);
        if (prev && prev != ks.mdb_head && prev + sizeof(cte_t) <= hw_phys_size &&
            same_object_as(cte_at(prev)->cap, c))
            continue;   /* count each TCB once: its caps are adjacent */
        paddr_t t = cap_obj(c);
        if (t + BIT(MICA_TCB_BITS) > hw_phys_size)
            continue;   /* a wild TCB cap (the checker has stopped the run for it) */
        word_t st = thread_state(t);
        if (st < MICA_THREAD_STATE_COUNT)
            r->threads[st]++;
        if (st == MICA_THREAD_BLOCKED_ON_SEND || st == MICA_THREAD_BLOCKED_ON_REPLY) {
            if (!deadlock)
                say(r->message, sizeof r->message, &len, "deadlock: nothing can run;");
            deadlock = true;
            paddr_t w = waits_for(t);
            if (st == MICA_THREAD_BLOCKED_ON_SEND)
                say(r->message, sizeof r->message, &len, " '%s' waits to send on endpoint 0x%lx;",
                    thread_name(t), (unsigned long)tcb_ptr(t)->state.blocking_object);
            else if (w)
                say(r->message, sizeof r->message, &len, " '%s' waits for a reply from '%s' (%s);",
                    thread_name(t), thread_name(w),
                    mica_thread_state_name((mica_thread_state_t)thread_state(w)));
            else
                say(r->message, sizeof r->message, &len, " '%s' waits for a reply;", thread_name(t));
        }
    }
    if (ks.stopped) {
        r->reason = (mica_stop_reason_t)ks.stop_reason;
        len = 0;
        say(r->message, sizeof r->message, &len, "%s", ks.stop_message);
    } else {
        r->reason = deadlock ? MICA_STOP_DEADLOCK : MICA_STOP_IDLE;
        if (!deadlock)
            r->message[0] = 0;
    }
}
