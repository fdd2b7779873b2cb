/*
 * sched.c - seL4's non-MCS scheduler: 256 priorities, a two-level bitmap,
 * round-robin timeslices, and the scheduler action that lets IPC switch
 * directly to the woken thread (seL4: kernel/thread.c).
 *
 *   ks_cpu.sched_action:  RESUME_CURRENT | CHOOSE_NEW | <tcb to switch to>
 *
 * SMP as seL4 does it: each CPU has its own ready queues and a thread sits
 * in those of its affinity CPU. Queueing a thread on another CPU sends that
 * CPU a reschedule IPI at this kernel exit when the thread should preempt
 * what it runs (seL4: remoteQueueUpdate); a thread another CPU is running
 * is taken from it first (seL4: remoteTCBStall, here asynchronous - see
 * remote_tcb_stall).
 */
#include "thread.h"
#include "object/object.h"

/* The scheduler words and the ready queues of t's CPU. */
static inline ks_cpu_t *cpu_of(paddr_t t)
{
    return cpu_state((unsigned)tcb_ptr(t)->affinity);
}

static inline ks_rq_t *rq_of(paddr_t t)
{
    return &ks.rq[tcb_ptr(t)->affinity];
}

/* seL4: remoteQueueUpdate - t was queued on another CPU: interrupt it if t should run now. */
static void remote_queue_update(paddr_t t)
{
    word_t c = tcb_ptr(t)->affinity;
    if (c == ks.cur_cpu)
        return;
    ks_cpu_t *k = cpu_state((unsigned)c);
    if (k->cur_thread == k->idle_thread || tcb_ptr(t)->priority > tcb_ptr(k->cur_thread)->priority)
        ks.ipi_pending |= BIT(c);
}

static void bitmap_set(ks_cpu_t *c, word_t prio)
{
    c->bitmap_l2[prio >> 6] |= BIT(prio & 63);
    c->bitmap_l1 |= BIT(prio >> 6);
}

static void bitmap_clear(ks_cpu_t *c, word_t prio)
{
    c->bitmap_l2[prio >> 6] &= ~BIT(prio & 63);
    if (c->bitmap_l2[prio >> 6] == 0)
        c->bitmap_l1 &= ~BIT(prio >> 6);
}

/* The highest priority with a ready thread; only valid when bitmap_l1 != 0. */
word_t highest_ready_prio(void)
{
    ks_cpu_t *nd = &NODE;     /* this CPU (one per kernel entry) */
    word_t l1 = 63 - (word_t)__builtin_clzll(nd->bitmap_l1);
    word_t l2 = 63 - (word_t)__builtin_clzll(nd->bitmap_l2[l1]);
    return (l1 << 6) | l2;
}

/* seL4: isHighestPrio */
bool is_highest_prio(word_t prio)
{
    ks_cpu_t *nd = &NODE;     /* this CPU (one per kernel entry) */
    return nd->bitmap_l1 == 0 || prio >= highest_ready_prio();
}

/* seL4: tcbSchedEnqueue - to the head of its priority queue. */
void tcb_sched_enqueue(paddr_t t)
{
    tcb_t *tp = tcb_ptr(t);
    if (tp->flags & (TCB_FLAG_QUEUED | TCB_FLAG_STALLED))
        return;     /* a stalled thread is queued when its CPU parks it */
    ks_cpu_t *c = cpu_of(t);
    ks_rq_t *q = rq_of(t);
    word_t p = tp->priority;
    paddr_t head = q->ready_head[p];
    tp->sched_prev = 0;
    tp->sched_next = head;
    if (head)
        tcb_ptr(head)->sched_prev = t;
    else
        q->ready_tail[p] = t;
    q->ready_head[p] = t;
    bitmap_set(c, p);
    tp->flags |= TCB_FLAG_QUEUED;
    if (unlikely(ks.num_cpus > 1))
        remote_queue_update(t);
}

/* seL4: tcbSchedAppend - to the tail. */
void tcb_sched_append(paddr_t t)
{
    tcb_t *tp = tcb_ptr(t);
    if (tp->flags & (TCB_FLAG_QUEUED | TCB_FLAG_STALLED))
        return;
    ks_cpu_t *c = cpu_of(t);
    ks_rq_t *q = rq_of(t);
    word_t p = tp->priority;
    paddr_t tail = q->ready_tail[p];
    tp->sched_next = 0;
    tp->sched_prev = tail;
    if (tail)
        tcb_ptr(tail)->sched_next = t;
    else
        q->ready_head[p] = t;
    q->ready_tail[p] = t;
    bitmap_set(c, p);
    tp->flags |= TCB_FLAG_QUEUED;
    if (unlikely(ks.num_cpus > 1))
        remote_queue_update(t);
}

/* seL4: tcbSchedDequeue */
void tcb_sched_dequeue(paddr_t t)
{
    tcb_t *tp = tcb_ptr(t);
    if (!(tp->flags & TCB_FLAG_QUEUED))
        return;
    ks_cpu_t *c = cpu_of(t);
    ks_rq_t *q = rq_of(t);
    word_t p = tp->priority;
    if (tp->sched_prev)
        tcb_ptr(tp->sched_prev)->sched_next = tp->sched_next;
    else
        q->ready_head[p] = tp->sched_next;
    if (tp->sched_next)
        tcb_ptr(tp->sched_next)->sched_prev = tp->sched_prev;
    else
        q->ready_tail[p] = tp->sched_prev;
    if (q->ready_head[p] == 0)
        bitmap_clear(c, p);
    tp->sched_next = tp->sched_prev = 0;
    tp->flags &= ~TCB_FLAG_QUEUED;
}

/* seL4: rescheduleRequired */
void reschedule_required(void)
{
    ks_cpu_t *nd = &NODE;     /* this CPU (one per kernel entry) */
    if (nd->sched_action != SCHED_RESUME_CURRENT && nd->sched_action != SCHED_CHOOSE_NEW)
        tcb_sched_enqueue(nd->sched_action);
    nd->sched_action = SCHED_CHOOSE_NEW;
}

/* seL4: scheduleTCB */
void schedule_tcb(paddr_t t)
{
    ks_cpu_t *nd = &NODE;     /* this CPU (one per kernel entry) */
    if (t == nd->cur_thread && nd->sched_action == SCHED_RESUME_CURRENT && !is_runnable(t))
        reschedule_required();
}

/* seL4: setThreadState */
void set_thread_state(paddr_t t, word_t state)
{
    tcb_ptr(t)->state.type = state;
    schedule_tcb(t);
}

/* seL4: possibleSwitchTo */
void possible_switch_to(paddr_t t)
{
    if (unlikely(ks.num_cpus > 1)) {
        if (tcb_ptr(t)->flags & TCB_FLAG_STALLED)
            return;                 /* queued when its CPU parks it */
        if (tcb_ptr(t)->affinity != ks.cur_cpu) {
            tcb_sched_enqueue(t);   /* SMP: another core's thread is only queued there */
            return;
        }
    }
    if (NODE.sched_action != SCHED_RESUME_CURRENT) {
        reschedule_required();
        tcb_sched_enqueue(t);
    } else {
        NODE.sched_action = t;
    }
}

/* seL4: switchToThread */
void switch_to_thread(paddr_t t)
{
    ks_cpu_t *nd = &NODE;     /* this CPU (one per kernel entry) */
    tcb_sched_dequeue(t);
    nd->cur_thread = t;
}

/* seL4: switchToIdleThread */
void switch_to_idle_thread(void)
{
    ks_cpu_t *nd = &NODE;     /* this CPU (one per kernel entry) */
    nd->cur_thread = nd->idle_thread;
}

/* seL4: chooseThread */
void choose_thread(void)
{
    ks_cpu_t *nd = &NODE;     /* this CPU (one per kernel entry) */
    if (nd->bitmap_l1 == 0) {
        switch_to_idle_thread();
        return;
    }
    word_t prio = highest_ready_prio();
    paddr_t t = NODE_RQ.ready_head[prio];
    kassert(t != 0);
    kassert(is_runnable(t));
    switch_to_thread(t);
}

/* seL4: schedule (non-MCS) */
void schedule(void)
{
    ks_cpu_t *nd = &NODE;     /* this CPU (one per kernel entry) */
    if (nd->sched_action != SCHED_RESUME_CURRENT) {
        paddr_t cur = nd->cur_thread;
        bool was_runnable = cur != nd->idle_thread && is_runnable(cur);
        if (was_runnable)
            tcb_sched_enqueue(cur);
        if (nd->sched_action == SCHED_CHOOSE_NEW) {
            choose_thread();
        } else {
            paddr_t cand = nd->sched_action;
            bool fastfail = cur == nd->idle_thread ||
                            tcb_ptr(cand)->priority < tcb_ptr(cur)->priority;
            if (fastfail && !is_highest_prio(tcb_ptr(cand)->priority)) {
                tcb_sched_enqueue(cand);
                nd->sched_action = SCHED_CHOOSE_NEW;
                choose_thread();
            } else if (was_runnable && tcb_ptr(cand)->priority == tcb_ptr(cur)->priority) {
                tcb_sched_append(cand);
                nd->sched_action = SCHED_CHOOSE_NEW;
                choose_thread();
            } else {
                switch_to_thread(cand);
            }
        }
    }
    nd->sched_action = SCHED_RESUME_CURRENT;
}

/*
 * seL4: remoteTCBStall. t is the running thread of another CPU: take it
 * from that CPU before changing it. On seL4 the other core stops at once;
 * here its host thread is running t's task code, which cannot be stopped
 * from outside, so the CPU's current thread becomes its idle thread now,
 * t is marked stalled (no CPU may run it; it joins no ready queue) and an
 * IPI makes that CPU enter the kernel soon, where t's context is parked
 * (syscall.c park_stalled) and t queued again if it is still runnable.
 * Until then t may run a little more task code - never kernel code.
 */
void remote_tcb_stall(paddr_t t)
{
    if (likely(ks.num_cpus == 1))
        return;
    for (unsigned c = 0; c < ks.num_cpus; c++) {
        ks_cpu_t *k = cpu_state(c);
        if (c == ks.cur_cpu || k->cur_thread != t || t == k->idle_thread)
            continue;
        k->cur_thread = k->idle_thread;
        k->sched_action = SCHED_CHOOSE_NEW;
        k->stalled = 1;
        k->orphan = t;
        k->stalled_ctx = tcb_ptr(t)->ctx;
        tcb_ptr(t)->flags |= TCB_FLAG_STALLED;
        ks.ipi_pending |= BIT(c);
    }
}

/* seL4: migrateTCB + the SetAffinity invocation (non-MCS) */
void set_affinity(paddr_t t, word_t cpu)
{
    remote_tcb_stall(t);
    tcb_sched_dequeue(t);
    tcb_ptr(t)->affinity = cpu;
    /*
     * seL4: invokeTCB_SetAffinity appends every runnable thread, the caller
     * too, to the tail of its new CPU's queue: a thread re-pinning itself
     * lets the others of its priority run first, as a Yield does.
     */
    if (is_runnable(t))
        tcb_sched_append(t);
    if (t == NODE.cur_thread)
        reschedule_required();
}

/* seL4: tcbSchedDequeue + change + tcbSchedEnqueue (setPriority, non-MCS) */
void set_priority(paddr_t t, word_t prio)
{
    remote_tcb_stall(t);
    tcb_sched_dequeue(t);
    tcb_ptr(t)->priority = (uint8_t)prio;
    if (is_runnable(t)) {
        if (t == NODE.cur_thread)
            reschedule_required();
        else
            possible_switch_to(t);
    }
}

void set_mcp(paddr_t t, word_t mcp)
{
    tcb_ptr(t)->mcp = (uint8_t)mcp;
}

/*
 * The length of the next timeslice. With a seed the kernel varies it around
 * the configured length (1 .. 2*timeslice-1 ticks, from a xorshift sequence),
 * so the seed decides where preemption happens - deterministically.
 */
word_t next_timeslice(void)
{
    if (ks.seed == 0 || ks.timeslice < 2)
        return ks.timeslice;
    word_t x = ks.rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    ks.rng = x;
    return 1 + x % (2 * ks.timeslice - 1);
}

/* seL4: timerTick (non-MCS) - one tick of the current thread's timeslice. */
void timer_tick(void)
{
    ks_cpu_t *nd = &NODE;     /* this CPU (one per kernel entry) */
    paddr_t cur = nd->cur_thread;
    if (cur == nd->idle_thread || thread_state(cur) != MICA_THREAD_RUNNING)
        return;
    tcb_t *tp = tcb_ptr(cur);
    if (tp->time_slice > 1) {
        tp->time_slice--;
        return;
    }
    tp->time_slice = next_timeslice();
    tcb_sched_append(cur);
    reschedule_required();
}

/* seL4: handleYield (non-MCS) */
void handle_yield(void)
{
    ks_cpu_t *nd = &NODE;     /* this CPU (one per kernel entry) */
    paddr_t cur = nd->cur_thread;
    tcb_sched_dequeue(cur);
    tcb_sched_append(cur);
    reschedule_required();
}
