/*
 * summary.c - what the host asks of a stopped kernel: the run result, the
 * current thread's IPC buffer and VSpace, the boot info.
 *
 * A stop with nothing runnable is IDLE when only receivers wait and DEADLOCK
 * when some thread waits in Send, Call or for a reply (docs/api.md "Stop reasons"); the deadlock
 * message spells out who waits for whom (say_deadlock).
 */
#include <mica/sim.h>
#include "cdt.h"
#include "objecttype.h"
#include "thread.h"
#include "invariants.h"
#include "cspace.h"
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

/* A reply cap (not the master) for thread t: the next in the CDT after t's master, if any. */
static bool is_reply_to(cap_t c, paddr_t t)
{
    return cap_type(c) == MICA_CAP_TYPE_REPLY && !cap_reply_is_master(c) && cap_obj(c) == t;
}

/* The thread that must answer t's Call (it holds t's reply cap in its caller slot), or 0. */
static paddr_t reply_holder(paddr_t t)
{
    paddr_t r = mdb_next(tcb_slot(t, TCB_REPLY));
    if (!r || !is_reply_to(cte_at(r)->cap, t))
        return 0;
    /*
     * Only a reply cap still in a TCB's caller slot names its holder.
     * After SaveCaller it sits in a CNode slot, and the memory around
     * that slot is no TCB (test_endpoint.c
     * deadlock_report_does_not_invent_the_holder_of_a_saved_reply_cap).
     */
    paddr_t w = tcb_of_slot_paddr(r);
    cap_t master = tcb_slot(w, TCB_REPLY)->cap;
    if (r == ptr_to_paddr(tcb_slot(w, TCB_CALLER)) && cap_type(master) == MICA_CAP_TYPE_REPLY &&
        cap_reply_is_master(master) && cap_obj(master) == w)
        return w;
    return 0;
}

/* Is t's reply cap saved in a CNode slot (SaveCaller), where it names no thread? */
static bool reply_saved(paddr_t t)
{
    paddr_t r = mdb_next(tcb_slot(t, TCB_REPLY));
    return r && is_reply_to(cte_at(r)->cap, t) && !reply_holder(t);
}

/*
 * The deadlock report: the threads that wait, one line each, and the
 * wait-for graph they form, cycles and chains. A thread blocked in Send or
 * Call waits for the thread that receives on that endpoint: one blocked in
 * Recv on it, else the one whose last Recv was on it (tcb_t.recv_ep, the
 * endpoint's server); one waiting for a reply waits for the thread whose
 * caller slot holds its reply cap. Threads blocked in Recv or on a
 * notification wait for nobody: nothing runs, so nothing will wake them.
 * Everything is formatted here into the result's fixed buffer (the kernel
 * has no heap); only where each thread's task code blocked comes from the
 * machine (hw_ctx_where), which alone can read a parked host stack.
 */
#define DL_MAX 64u      /* threads described; the rest are counted */
static struct {
    paddr_t t[DL_MAX];
    int next[DL_MAX];   /* index of the thread it waits for, -1 = nobody */
    int n_recv[DL_MAX]; /* Send: threads that serve its endpoint */
    uint8_t shown[DL_MAX], on_cycle[DL_MAX], waited_on[DL_MAX];
    unsigned n, more;
} dl;

static bool waits_blocked(word_t st)
{
    return st == MICA_THREAD_BLOCKED_ON_SEND || st == MICA_THREAD_BLOCKED_ON_REPLY ||
           st == MICA_THREAD_BLOCKED_ON_RECEIVE || st == MICA_THREAD_BLOCKED_ON_NOTIFICATION;
}

static int dl_index(paddr_t t)
{
    for (unsigned i = 0; i < dl.n; i++)
        if (dl.t[i] == t)
            return (int)i;
    return -1;
}

/* The cap thread t named by cptr in its own CSpace, or a null cap (nothing is changed). */
static cap_t cap_of(paddr_t t, word_t cptr)
{
    lookup_fault_t saved = ks.lookup_fault;
    lookup_slot_ret_t l = lookup_slot(t, cptr);
    ks.lookup_fault = saved;
    return l.status == EXCEPTION_NONE && l.slot ? l.slot->cap : cap_null();
}

/* The thread waiting on dl.t[i] would wait for (index), and how many serve its endpoint. */
static int dl_next(unsigned i, int *n_recv)
{
    paddr_t t = dl.t[i];
    tcb_t *tp = tcb_ptr(t);
    *n_recv = 0;
    if (tp->state.type == MICA_THREAD_BLOCKED_ON_REPLY)
        return dl_index(reply_holder(t));
    if (tp->state.type != MICA_THREAD_BLOCKED_ON_SEND)
        return -1;
    paddr_t ep = tp->state.blocking_object;
    int found = -1;
    /* A thread blocked receiving on it first (none can be, with a sender queued), then its servers. */
    for (unsigned k = 0; k < dl.n && found < 0; k++)
        if (thread_state(dl.t[k]) == MICA_THREAD_BLOCKED_ON_RECEIVE &&
            tcb_ptr(dl.t[k])->state.blocking_object == ep)
            found = (int)k, *n_recv = 1;
    if (found >= 0)
        return found;
    for (unsigned k = 0; k < dl.n; k++)
        if (tcb_ptr(dl.t[k])->recv_ep == ep) {
            if (found < 0)
                found = (int)k;
            (*n_recv)++;
        }
    return *n_recv == 1 ? found : -1;
}

/* "slot 12 (endpoint, badge 3)": the cap thread t named with cptr. */
static void say_cap(char *b, size_t n, size_t *len, paddr_t t, word_t cptr, cap_t c)
{
    say(b, n, len, "slot %lu", (unsigned long)cptr);
    if (cap_type(c) == MICA_CAP_TYPE_ENDPOINT || cap_type(c) == MICA_CAP_TYPE_NOTIFICATION)
        say(b, n, len, " (%s, badge %lu)", mica_cap_type_name(cap_type(c)), (unsigned long)cap_badge(c));
    else if (cap_is_null(c))
        say(b, n, len, " (now empty)");
    else
        say(b, n, len, " (now a %s cap)", mica_cap_type_name(cap_type(c)));
    /* The host's name for it: a Microkit PD's channel, say. */
    char note[160];
    if (!cap_is_null(c) && hw_cap_note(thread_name(t), cptr, note, sizeof note))
        say(b, n, len, ", %s", note);
}

/*
 * Does message m look like an invocation (its label one of the kernel's,
 * with at least the words and caps that invocation's decoder takes)? On an
 * endpoint it is an ordinary message: a cap of the wrong type was used.
 * Small labels of a task's own protocol with shorter messages do not count.
 */
static bool looks_like_invocation(mica_msginfo_t m)
{
    static const struct { uint8_t words, caps; } need[] = {
        { 0, 0 },
#define X(name, obj, words, caps) { words, caps },
#include <mica/invocations.def>
#undef X
    };
    word_t label = mica_msginfo_get_label(m);
    return label > 0 && label < ARRAY_SIZE(need) &&
           mica_msginfo_get_length(m) >= need[label].words &&
           mica_msginfo_get_extra_caps(m) >= need[label].caps;
}

/* Thread dl.t[i]'s line: its state, what it waits on and for whom, where it blocked. */
static void say_thread(char *b, size_t n, size_t *len, unsigned i)
{
    paddr_t t = dl.t[i];
    tcb_t *tp = tcb_ptr(t);
    word_t st = tp->state.type;
    word_t cptr = tp->regs[REG_CAP];
    bool fault = tp->fault.type != MICA_FAULT_NULL;
    say(b, n, len, "\n  %s: %s", thread_name(t), mica_thread_state_name((mica_thread_state_t)st));
    if (fault && (st == MICA_THREAD_BLOCKED_ON_SEND || st == MICA_THREAD_BLOCKED_ON_REPLY)) {
        /* A fault message goes to the fault handler the TCB names. */
        cptr = tp->fault_handler;
        word_t ft = tp->fault.type;
        say(b, n, len, ", its %s message to the fault handler in ",
            ft == MICA_FAULT_CAP ? "cap fault" : ft == MICA_FAULT_VM ? "VM fault"
            : ft == MICA_FAULT_USER_EXCEPTION ? "user exception"
            : ft == MICA_FAULT_UNKNOWN_SYSCALL ? "unknown syscall" : "fault");
    } else if (st == MICA_THREAD_BLOCKED_ON_SEND)
        say(b, n, len, ", %s on ", tp->state.is_call ? "Call" : "Send");
    else if (st == MICA_THREAD_BLOCKED_ON_REPLY)
        say(b, n, len, ", Call on ");
    else if (st == MICA_THREAD_BLOCKED_ON_RECEIVE)
        say(b, n, len, ", Recv on ");
    else
        say(b, n, len, ", Wait on ");
    cap_t c = cap_of(t, cptr);
    say_cap(b, n, len, t, cptr, c);

    int nx = dl.next[i];
    switch (st) {
    case MICA_THREAD_BLOCKED_ON_SEND:
        if (nx >= 0)
            say(b, n, len, ": %s receives on it", thread_name(dl.t[nx]));
        else if (dl.n_recv[i] > 1)
            say(b, n, len, ": %d threads receive on it, none now", dl.n_recv[i]);
        else
            say(b, n, len, ": nobody receives on it");
        if (!fault && cap_type(c) == MICA_CAP_TYPE_ENDPOINT) {
            mica_msginfo_t m = { { tp->regs[REG_INFO] } };
            word_t label = mica_msginfo_get_label(m);
            if (looks_like_invocation(m))
                say(b, n, len, "; label %lu = %s sent to an endpoint: on an endpoint an "
                    "invocation is an ordinary message", (unsigned long)label,
                    mica_invocation_name(label));
        }
        break;
    case MICA_THREAD_BLOCKED_ON_REPLY:
        if (nx >= 0)
            say(b, n, len, ": waits for the reply from %s", thread_name(dl.t[nx]));
        else if (reply_holder(t))
            say(b, n, len, ": waits for the reply from %s", thread_name(reply_holder(t)));
        else if (reply_saved(t))
            say(b, n, len, ": waits for a reply whose cap was saved in a CNode slot");
        else
            say(b, n, len, ": waits for a reply nobody can send (its reply cap is gone)");
        break;
    case MICA_THREAD_BLOCKED_ON_RECEIVE:
        say(b, n, len, ": nobody sends on it");
        break;
    default:
        say(b, n, len, ": nobody signals it");
        break;
    }
    char where[256];
    hw_ctx_where(tp->ctx, (tp->flags & TCB_FLAG_TRAPPED) ? tp->regs[REG_PC] : 0, where,
                 sizeof where);
    if (where[0])
        say(b, n, len, "; at %s", where);
}

/* "cycle: a -> b -> a" and "chain: c -> a", then a line per thread in them. */
static void say_deadlock(char *b, size_t n, size_t *len)
{
    /* In the order the TCBs were made (their addresses in untyped memory), not the CDT's. */
    for (unsigned i = 1; i < dl.n; i++)
        for (unsigned k = i; k > 0 && dl.t[k - 1] > dl.t[k]; k--) {
            paddr_t x = dl.t[k];
            dl.t[k] = dl.t[k - 1];
            dl.t[k - 1] = x;
        }
    say(b, n, len, "nothing can run and these threads wait for each other:");
    for (unsigned i = 0; i < dl.n; i++) {
        dl.next[i] = dl_next(i, &dl.n_recv[i]);
        dl.shown[i] = dl.on_cycle[i] = dl.waited_on[i] = 0;
    }
    for (unsigned i = 0; i < dl.n; i++)
        if (dl.next[i] >= 0)
            dl.waited_on[dl.next[i]] = 1;
    /* Cycles: follow each thread's waits (at most dl.n steps) and mark a loop found once. */
    for (unsigned i = 0; i < dl.n; i++) {
        int x = (int)i;
        for (unsigned k = 0; k < dl.n && x >= 0; k++)
            x = dl.next[x];
        if (x < 0 || dl.on_cycle[x])
            continue;       /* no loop ahead, or one already told */
        for (int y = dl.next[x], first = x; y != first; y = dl.next[y])
            if (y < x)
                x = y;      /* told from its first thread in CDT order */
        say(b, n, len, "\n  cycle: %s", thread_name(dl.t[x]));
        int y = x;
        do {
            dl.on_cycle[y] = 1;
            y = dl.next[y];
            say(b, n, len, " -> %s", thread_name(dl.t[y]));
        } while (y != x);
    }
    /* Chains: from each waiting thread nobody waits for, to a loop or a thread nothing wakes. */
    for (unsigned i = 0; i < dl.n; i++) {
        word_t st = thread_state(dl.t[i]);
        if (dl.waited_on[i] || dl.on_cycle[i] ||
            (st != MICA_THREAD_BLOCKED_ON_SEND && st != MICA_THREAD_BLOCKED_ON_REPLY))
            continue;
        say(b, n, len, "\n  chain: %s", thread_name(dl.t[i]));
        int y = (int)i;
        dl.shown[y] = 1;
        for (unsigned k = 0; k < dl.n && dl.next[y] >= 0 && !dl.on_cycle[y]; k++) {
            y = dl.next[y];
            dl.shown[y] = 1;
            say(b, n, len, " -> %s", thread_name(dl.t[y]));
        }
        if (dl.on_cycle[y])
            say(b, n, len, " (in the cycle)");
    }
    /* A line per thread in a cycle or chain, or waiting to send or for a reply. */
    for (unsigned i = 0; i < dl.n; i++) {
        word_t st = thread_state(dl.t[i]);
        if (dl.shown[i] || dl.on_cycle[i] || st == MICA_THREAD_BLOCKED_ON_SEND ||
            st == MICA_THREAD_BLOCKED_ON_REPLY)
            say_thread(b, n, len, i);
    }
    if (dl.more)
        say(b, n, len, "\n  ... and %u more blocked threads", dl.more);
}

/*
 * The event counters so far, into r (nothing else of r is touched). Cheap and
 * entry-free, so task code may read them mid-run (mica_sim_counters) without
 * perturbing what it measures.
 */
void kernel_counters(struct mica_run_result *r)
{
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
    r->ipc_bytes_copied = ks.count.ipc_buffer_words * sizeof(word_t);
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
}

/*
 * What the system holds now, from one walk of the CDT, into words:
 * untyped bytes used, then live objects by cap type (an object's caps are
 * adjacent in the CDT list, so each counts once), then threads by state
 * (mica_usage_t's layout, MICA_USAGE_WORDS words).
 */
void kernel_usage(word_t *out)
{
    word_t *objects = out + 1, *threads = out + 1 + MICA_CAP_TYPE_COUNT;
    for (word_t i = 0; i < MICA_USAGE_WORDS; i++)
        out[i] = 0;
    paddr_t open_base = 0, open_end = 0;
    word_t budget = hw_phys_size / sizeof(cte_t);   /* ends on a broken list, as kernel_summary */
    for (paddr_t p = mdb_next(cte_at(ks.mdb_head));
         p && p + sizeof(cte_t) <= hw_phys_size && budget; p = mdb_next(cte_at(p)), budget--) {
        cte_t *s = cte_at(p);
        cap_t c = s->cap;
        word_t type = cap_type(c);
        if (type == MICA_CAP_TYPE_UNTYPED) {
            paddr_t b = cap_obj(c), e = b + BIT(cap_untyped_size_bits(c));
            if (!(b >= open_base && e <= open_end)) {
                open_base = b;
                open_end = e;
                if (!cap_untyped_is_device(c))
                    out[0] += cap_untyped_free_index(c);
            }
        }
        paddr_t prev = mdb_prev(s);
        if (prev && prev != ks.mdb_head && prev + sizeof(cte_t) <= hw_phys_size &&
            same_object_as(cte_at(prev)->cap, c))
            continue;
        if (type < MICA_CAP_TYPE_COUNT)
            objects[type]++;
        if (type == MICA_CAP_TYPE_TCB && cap_obj(c) + BIT(MICA_TCB_BITS) <= hw_phys_size) {
            word_t st = thread_state(cap_obj(c));
            if (st < MICA_THREAD_STATE_COUNT)
                threads[st]++;
        }
    }
}

void kernel_summary(struct mica_run_result *r)
{
    size_t len = 0;
    bool deadlock = false;
    dl.n = dl.more = 0;

    kernel_counters(r);

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
        if (st == MICA_THREAD_BLOCKED_ON_SEND || st == MICA_THREAD_BLOCKED_ON_REPLY)
            deadlock = true;
        if (waits_blocked(st)) {
            if (dl.n < DL_MAX)
                dl.t[dl.n++] = t;
            else
                dl.more++;
        }
    }
    if (ks.stopped) {
        r->reason = (mica_stop_reason_t)ks.stop_reason;
        len = 0;
        say(r->message, sizeof r->message, &len, "%s", ks.stop_message);
    } else {
        r->reason = deadlock ? MICA_STOP_DEADLOCK : MICA_STOP_IDLE;
        r->message[0] = 0;
        if (deadlock)
            say_deadlock(r->message, sizeof r->message, &len);
    }
}
