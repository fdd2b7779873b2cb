/*
 * l4man - the bookkeeping of the L4 personality, as one mica server thread.
 *
 * It makes L4 tasks (each a mica process), gives each thread its own
 * endpoint, and fills a task's thread table (a region of its CNode: slot
 * L4_SLOT_TABLE + task * 8 + lthread) on the first IPC to an id: with the
 * destination's endpoint inside the clan, or the chief's on the way out of
 * or into a clan, badged with the sender task and the intended destination.
 * After that, IPC between L4 threads is plain mica IPC on those caps.
 *
 * It also runs receive timeouts on the timer device (a TIMEOUT message to
 * the thread's endpoint at the virtual deadline), and, as l4mm, the mapping
 * database: every page an L4 task has mapped through l4mm is a frame cap
 * in l4man's CSpace, derived (CNode_Copy) from the cap it was mapped from,
 * so mica's derivation tree is L4's mapping tree and flush is a revoke.
 * sigma0 is played here too: a task paged by sigma0 gets a fresh zeroed
 * page on its first touch of an address in [L4_ANON_BASE, L4_ANON_END).
 *
 * Every request is checked; a bad one gets L4_IPC_ENOT_EXISTENT as the
 * reply label and l4man goes on serving.
 */
#include <stdio.h>
#include <string.h>
#include <mica/idl.h>
#include "l4man_proto.h"

#define PAGE 4096ul
#define NREC 1024
#define NONE (-1)

enum { TMR_NOW = 1, TMR_COMPARE = 2, TMR_CTRL = 4, TMR_STATUS = 5 };

typedef struct {
    bool used;
    mica_cptr_t tcb, ipc, stack; /* lthreads 1..7 (lthread 0's are the process's) */
    mica_cptr_t ep;             /* its endpoint (l4man's original cap) */
    mica_cptr_t tmo;            /* the same, badged L4B_TIMEOUT, for l4man's NBSends */
    bool armed;
    uint64_t deadline, seq;
} lthread_t;

typedef struct {
    bool used, live;
    unsigned chief;
    l4_threadid_t pager;
    mica_process_t proc;
    lthread_t th[L4_MAX_LTHREADS];
} ltask_t;

/* l4mm: one mapped page. task NONE = sigma0's own frame (the root of a tree). */
typedef struct {
    bool used;
    int task;
    mica_word_t vaddr;
    mica_cptr_t slot;
    bool write;
    int parent;
} mrec_t;

static mica_env_t *env;
static mica_cptr_t man_ep, irq_handler;
static volatile uint64_t *tmr;
static ltask_t tasks[L4_MAX_TASKS];
static mrec_t recs[NREC];
static l4man_stats_t stats;

extern uint64_t l4_lib_bytes_copied;    /* l4.c */

void l4man_get_stats(l4man_stats_t *out)
{
    *out = stats;
    out->library_bytes_copied = l4_lib_bytes_copied;
}

/* --- clans ----------------------------------------------------------------------------- */

static bool task_ok(unsigned t)
{
    return t < L4_MAX_TASKS && tasks[t].used;
}

static bool thread_ok(l4_threadid_t id)
{
    return task_ok(id.id.task) && tasks[id.id.task].live && id.id.lthread < L4_MAX_LTHREADS &&
           tasks[id.id.task].th[id.id.lthread].used && id.id.version_low == L4_THREAD_VERSION &&
           id.id.version_high == 0;
}

/* a is d's chief, or its chief's chief, ... */
static bool is_ancestor(unsigned a, unsigned d)
{
    for (int n = 0; n < (int)L4_MAX_TASKS && tasks[d].chief != d; n++) {
        d = tasks[d].chief;
        if (d == a)
            return true;
    }
    return false;
}

/*
 * The first hop of an IPC from task s to task d: d itself inside s's clan
 * (same chief), to s's own chief, or from a chief into its own clan;
 * entering another clan, that clan's chief (the member of s's clan, or of
 * the clan s is chief of, that d lies under); leaving s's clan, s's chief.
 */
static unsigned nearest(unsigned s, unsigned d)
{
    if (s == d || tasks[s].chief == tasks[d].chief || tasks[d].chief == s || tasks[s].chief == d)
        return d;
    for (unsigned x = d, n = 0; n < L4_MAX_TASKS && tasks[x].chief != x; n++, x = tasks[x].chief)
        if (tasks[x].chief == s || tasks[x].chief == tasks[s].chief)
            return x;
    return tasks[s].chief;
}

static l4_threadid_t nearest_id(unsigned s, l4_threadid_t d)
{
    unsigned n = nearest(s, d.id.task);
    return n == d.id.task ? l4_id(d.id.task, d.id.lthread) : l4_id(n, 0);
}

/* Mint the endpoint of the first hop from task s to d into slot of s's CNode. */
static bool mint_hop(unsigned s, mica_word_t slot, l4_threadid_t d, unsigned src_task, mica_word_t extra)
{
    l4_threadid_t n = nearest_id(s, d);
    mica_word_t badge = L4B_IPC | extra | L4B_MAKE(src_task, 0, d.id.task, d.id.lthread);
    if (n.id.task != d.id.task)
        badge |= L4B_REDIRECTED;
    mica_cptr_t cn = tasks[s].proc.cnode;
    mica_cnode_delete(cn, slot, L4_CNODE_BITS);        /* its CNode, unguarded from here */
    return mica_cnode_mint(cn, slot, L4_CNODE_BITS, MICA_CAP_INIT_CNODE,
                           tasks[n.id.task].th[n.id.lthread].ep, MICA_WORD_BITS,
                           mica_cap_rights_new(1, 0, 0, 1), badge) == MICA_NO_ERROR;
}

/* --- the timer --------------------------------------------------------------------------- */

/* What the timer was last told: armed for that deadline, or not (UINT64_MAX). */
static uint64_t timer_armed_for = UINT64_MAX;

static void program_timer(void)
{
    uint64_t first = UINT64_MAX;
    for (unsigned t = 0; t < L4_MAX_TASKS; t++)
        for (unsigned l = 0; tasks[t].used && l < L4_MAX_LTHREADS; l++)
            if (tasks[t].th[l].armed && tasks[t].th[l].deadline < first)
                first = tasks[t].th[l].deadline;
    /* A register write traps to the simulated machine (microseconds): only on a change. */
    if (first == timer_armed_for)
        return;
    if (first == UINT64_MAX) {
        tmr[TMR_CTRL] = 0;
    } else {
        tmr[TMR_COMPARE] = first;
        tmr[TMR_CTRL] = 1 | 4;
    }
    timer_armed_for = first;
}

static void timer_fired(void)
{
    tmr[TMR_STATUS] = 1;
    timer_armed_for = UINT64_MAX;   /* one-shot: it has fired, program_timer rearms it */
    mica_irq_handler_ack(irq_handler);
    uint64_t now = tmr[TMR_NOW];
    for (unsigned t = 0; t < L4_MAX_TASKS; t++)
        for (unsigned l = 0; tasks[t].used && l < L4_MAX_LTHREADS; l++) {
            lthread_t *th = &tasks[t].th[l];
            if (!th->armed || th->deadline > now)
                continue;
            th->armed = false;
            stats.timeouts_fired++;
            stats.last_timeout_deadline = th->deadline;
            stats.last_timeout_fired_at = now;
            mica_word_t seq = th->seq;
            mica_nbsend_with_mrs(th->tmo, mica_msginfo_new(0, 0, 0, 1), &seq, NULL, NULL, NULL);
        }
}

/* --- l4mm: the mapping database ------------------------------------------------------------ */

static int rec_find(int task, mica_word_t vaddr)
{
    for (int i = 0; i < NREC; i++)
        if (recs[i].used && recs[i].task == task && recs[i].vaddr == vaddr)
            return i;
    return NONE;
}

static int rec_new(int task, mica_word_t vaddr, mica_cptr_t slot, bool write, int parent)
{
    for (int i = 0; i < NREC; i++)
        if (!recs[i].used) {
            recs[i] = (mrec_t){ true, task, vaddr, slot, write, parent };
            return i;
        }
    return NONE;
}

static bool rec_under(int q, int r)
{
    for (int n = 0; q != NONE && n < NREC; n++) {
        q = recs[q].parent;
        if (q == r)
            return true;
    }
    return false;
}

/*
 * Flush record r: revoke its cap (every cap derived from it, in every
 * space, is deleted, and deleting a mapped frame cap unmaps it), then
 * forget the records below it; with self, r's own mapping goes too.
 */
static void rec_flush(int r, bool self)
{
    mica_cnode_revoke(MICA_CAP_INIT_CNODE, recs[r].slot, MICA_WORD_BITS);
    bool gone[NREC] = { false };
    for (int q = 0; q < NREC; q++)
        if (recs[q].used && rec_under(q, r))
            gone[q] = true;
    for (int q = 0; q < NREC; q++)
        if (gone[q]) {
            recs[q].used = false;
            mica_env_slot_free(env, recs[q].slot);
            stats.flushed_mappings++;
        }
    if (self) {
        mica_cnode_delete(MICA_CAP_INIT_CNODE, recs[r].slot, MICA_WORD_BITS);
        mica_env_slot_free(env, recs[r].slot);
        recs[r].used = false;
    }
}

/* Map the frame of record from at vaddr of task t (a derived copy); the new record, or NONE. */
static int map_copy(int from, unsigned t, mica_word_t vaddr, bool write)
{
    int old = rec_find((int)t, vaddr);
    if (old != NONE)
        rec_flush(old, true);           /* a new mapping replaces the old one, as on L4 */
    mica_cptr_t slot = mica_env_slot(env);
    mica_cap_rights_t rights = write ? MICA_READ_WRITE : MICA_CAN_READ;
    if (!slot)
        return NONE;
    if (mica_cnode_copy(MICA_CAP_INIT_CNODE, slot, MICA_WORD_BITS, MICA_CAP_INIT_CNODE,
                        recs[from].slot, MICA_WORD_BITS, rights) ||
        mica_user_map(env, tasks[t].proc.vspace, vaddr, slot, rights)) {
        mica_cnode_delete(MICA_CAP_INIT_CNODE, slot, MICA_WORD_BITS);
        mica_env_slot_free(env, slot);
        return NONE;
    }
    int r = rec_new((int)t, vaddr, slot, write, from);
    if (r == NONE) {
        mica_cnode_delete(MICA_CAP_INIT_CNODE, slot, MICA_WORD_BITS);
        mica_env_slot_free(env, slot);
    }
    return r;
}

bool l4mm_is_mapped(unsigned task, l4_umword_t vaddr, bool *writable)
{
    int r = rec_find((int)task, vaddr & ~(PAGE - 1));
    if (r != NONE && writable)
        *writable = recs[r].write;
    return r != NONE;
}

static bool anon(mica_word_t va)
{
    return va >= L4_ANON_BASE && va < L4_ANON_END;
}

/* sigma0: a fresh page at the faulting address. False if sigma0 will not serve it. */
static bool sigma0_fault(unsigned t, const mica_fault_t *f)
{
    mica_word_t va = f->addr & ~(PAGE - 1);
    if (f->kind != MICA_FAULT_VM || !anon(va) || rec_find((int)t, va) != NONE)
        return false;
    mica_cptr_t frame = mica_env_make(env, MICA_FRAME_OBJECT, 0);
    if (!frame)
        return false;
    int root = rec_new(NONE, 0, frame, true, NONE);
    if (root == NONE || map_copy(root, t, va, true) == NONE)
        return false;
    stats.sigma0_faults++;
    stats.last_fault_task = t;
    stats.last_fault_addr = f->addr;
    return true;
}

/* Map (or grant) the pages of fpage fp of task s at dva of task d. */
static int do_map(unsigned s, l4_fpage_t fp, unsigned d, mica_word_t dva)
{
    unsigned size = fp.fp.size;
    if (size < 12 || size > 22 || fp.fp.zero)
        return L4_IPC_ENOT_EXISTENT;
    mica_word_t bytes = (mica_word_t)1 << size, src = (mica_word_t)fp.fp.page << 12;
    src &= ~(bytes - 1);
    dva &= ~(bytes - 1);
    if (!anon(dva) || !anon(dva + bytes - 1) || !anon(src) || !anon(src + bytes - 1) || s == d)
        return L4_IPC_ENOT_EXISTENT;
    for (mica_word_t off = 0; off < bytes; off += PAGE) {
        int r = rec_find((int)s, src + off);
        if (r == NONE)
            continue;                   /* only what is mapped is mapped on */
        int n = map_copy(r, d, dva + off, fp.fp.write && recs[r].write);
        if (n == NONE)
            return L4_IPC_ENOT_EXISTENT;
        stats.maps++;
        if (fp.fp.grant) {
            /* Grant: the granter's cap goes (and with it its mapping); what
             * was derived from it, the new mapping included, stays, under
             * the granter's parent. */
            for (int q = 0; q < NREC; q++)
                if (recs[q].used && recs[q].parent == r)
                    recs[q].parent = recs[r].parent;
            mica_cnode_delete(MICA_CAP_INIT_CNODE, recs[r].slot, MICA_WORD_BITS);
            mica_env_slot_free(env, recs[r].slot);
            recs[r].used = false;
            stats.grants++;
        }
    }
    return 0;
}

static int do_flush(unsigned s, l4_fpage_t fp, mica_word_t mask)
{
    unsigned size = fp.fp.size;
    if (size < 12 || size > 22 || fp.fp.zero)
        return L4_IPC_ENOT_EXISTENT;
    mica_word_t bytes = (mica_word_t)1 << size, base = ((mica_word_t)fp.fp.page << 12) & ~(bytes - 1);
    for (mica_word_t off = 0; off < bytes; off += PAGE) {
        int r = rec_find((int)s, base + off);
        if (r != NONE) {
            rec_flush(r, (mask & L4_FP_FLUSH_PAGE) != 0);
            stats.flushes++;
        }
    }
    return 0;
}

/* --- tasks ------------------------------------------------------------------------------------ */

static void task_end(unsigned t)
{
    ltask_t *k = &tasks[t];
    for (int r = 0; r < NREC; r++)
        if (recs[r].used && recs[r].task == (int)t)
            rec_flush(r, true);
    for (unsigned l = 0; l < L4_MAX_LTHREADS; l++) {
        lthread_t *th = &k->th[l];
        th->armed = false;
        th->used = false;
        if (th->tcb) {
            mica_env_slot_free(env, th->tcb);
            mica_env_slot_free(env, th->ipc);
            for (unsigned i = 0; i < L4_STACK_PAGES; i++)
                mica_env_slot_free(env, th->stack + i);
            th->tcb = th->ipc = th->stack = 0;
        }
    }
    if (k->live)
        mica_process_destroy(env, &k->proc);
    k->live = false;
    /* The thread endpoints stay (other tasks' tables hold caps to them);
     * the task number is not reused. */
}

static mica_error_t give(unsigned t, mica_word_t slot, mica_cptr_t cap, mica_cap_rights_t r, mica_word_t badge)
{
    return mica_cnode_mint(tasks[t].proc.cnode, slot, L4_CNODE_BITS, MICA_CAP_INIT_CNODE, cap,
                           MICA_WORD_BITS, r, badge);
}

static l4_threadid_t task_new(unsigned chief, l4_threadid_t dest, mica_word_t prio,
                              mica_word_t entry, mica_word_t arg, l4_threadid_t pager)
{
    unsigned t = dest.id.task;
    if (t == 0 || t >= L4_MAX_TASKS || t == L4_SIGMA0_TASK || tasks[t].used || dest.id.lthread)
        return L4_NIL_ID;
    bool sigma0 = l4_is_nil_id(pager) || (pager.id.task == L4_SIGMA0_TASK && pager.id.lthread == 0);
    if (!sigma0 && !thread_ok(pager))
        return L4_NIL_ID;
    if (prio >= L4MAN_PRIO)
        prio = L4MAN_PRIO - 1;
    ltask_t *k = &tasks[t];
    memset(k, 0, sizeof *k);
    k->chief = chief == L4_MAX_TASKS ? t : chief;
    k->pager = sigma0 ? l4_id(L4_SIGMA0_TASK, 0) : pager;
    lthread_t *th = &k->th[0];
    th->ep = mica_env_make(env, MICA_ENDPOINT_OBJECT, 0);
    th->tmo = th->ep ? mica_env_mint(env, th->ep, MICA_CAN_WRITE, L4B_TIMEOUT) : 0;
    if (!th->tmo) {
        printf("l4man: no endpoint for task %u: %s\n", t, mica_env_error_text(env));
        return L4_NIL_ID;
    }
    mica_word_t fbadge = L4B_FAULT | L4B_MAKE(t, 0, 0, 0);
    mica_cptr_t fep = sigma0 ? man_ep : tasks[pager.id.task].th[pager.id.lthread].ep;
    mica_process_config_t cfg = { .name = "l4task", .prio = prio, .cnode_bits = L4_CNODE_BITS,
                                  .fault_ep = fep, .fault_badge = fbadge };
    char name[16];
    snprintf(name, sizeof name, "l4task%u", t);
    cfg.name = name;
    if (mica_process_create(env, &cfg, &k->proc) != MICA_NO_ERROR) {
        printf("l4man: cannot make task %u: %s\n", t, mica_env_error_text(env));
        return L4_NIL_ID;
    }
    k->used = k->live = true;
    th->used = true;
    mica_cptr_t utcb = mica_env_make(env, MICA_FRAME_OBJECT, 0);
    l4_threadid_t id = l4_id(t, 0);
    if (!utcb || mica_user_map(env, k->proc.vspace, L4_UTCB_VADDR, utcb, MICA_READ_WRITE) ||
        give(t, L4_SLOT_MAN, man_ep, mica_cap_rights_new(1, 0, 0, 1), L4B_MAN | t) ||
        give(t, L4_SLOT_MYEP, th->ep, MICA_ALL_RIGHTS, 0) ||
        mica_process_start(&k->proc, l4_thread_trampoline, entry, arg, id.raw, 0)) {
        printf("l4man: cannot make task %u: %s\n", t, mica_env_error_text(env));
        task_end(t);
        return L4_NIL_ID;
    }
    return id;
}

/* Thread lthread l of task t (its pager is the task's), running entry(arg). */
static l4_threadid_t thread_new(unsigned t, mica_word_t l, mica_word_t prio, mica_word_t entry,
                                mica_word_t arg)
{
    ltask_t *k = &tasks[t];
    if (l == 0 || l >= L4_MAX_LTHREADS || k->th[l].used || k->th[l].tcb)
        return L4_NIL_ID;               /* an lthread number is used once per task */
    if (prio >= L4MAN_PRIO)
        prio = L4MAN_PRIO - 1;
    lthread_t *th = &k->th[l];
    l4_threadid_t id = l4_id(t, (unsigned)l);
    mica_word_t base = L4_STACKS_VADDR + (l - 1) * L4_THREAD_AREA;
    bool sigma0 = k->pager.id.task == L4_SIGMA0_TASK;
    mica_cptr_t fep = sigma0 ? man_ep : tasks[k->pager.id.task].th[k->pager.id.lthread].ep;
    if (!th->ep) {
        th->ep = mica_env_make(env, MICA_ENDPOINT_OBJECT, 0);
        th->tmo = th->ep ? mica_env_mint(env, th->ep, MICA_CAN_WRITE, L4B_TIMEOUT) : 0;
        if (!th->tmo)
            return L4_NIL_ID;
    }
    th->tcb = mica_env_make(env, MICA_TCB_OBJECT, 0);
    th->ipc = mica_env_make(env, MICA_FRAME_OBJECT, 0);
    mica_user_context_t regs = { 0 };
    regs.pc = (mica_word_t)(uintptr_t)l4_thread_trampoline;
    regs.sp = base + L4_THREAD_AREA;
    regs.r0 = entry;
    regs.r1 = arg;
    regs.r2 = id.raw;
    char name[20];
    snprintf(name, sizeof name, "l4task%u.%u", t, (unsigned)l);
    if (!th->tcb || !th->ipc ||
        mica_user_map(env, k->proc.vspace, base, th->ipc, MICA_READ_WRITE) ||
        mica_user_map_pages(env, k->proc.vspace, base + 2 * PAGE, L4_STACK_PAGES, MICA_READ_WRITE,
                            &th->stack) ||
        give(t, L4_SLOT_FAULT + l, fep, MICA_ALL_RIGHTS, L4B_FAULT | L4B_MAKE(t, l, 0, 0)) ||
        give(t, L4_SLOT_MYEP + l, th->ep, MICA_ALL_RIGHTS, 0) ||
        mica_tcb_configure(th->tcb, L4_SLOT_FAULT + l, k->proc.cnode,
                           mica_cnode_capdata_new(0, MICA_WORD_BITS - L4_CNODE_BITS),
                           k->proc.vspace, 0, base, th->ipc) ||
        mica_tcb_set_priority(th->tcb, MICA_CAP_INIT_TCB, prio)) {
        printf("l4man: cannot make thread %u.%u: %s\n", t, (unsigned)l, mica_env_error_text(env));
        return L4_NIL_ID;               /* (what was made stays with the task until it ends) */
    }
    mica_debug_name_thread(th->tcb, name);
    th->used = true;
    if (mica_tcb_write_registers(th->tcb, 1, 0, 6, &regs)) {
        th->used = false;
        return L4_NIL_ID;
    }
    return id;
}

/* --- requests ---------------------------------------------------------------------------------- */

static bool task_fault(unsigned t, mica_msginfo_t info, mica_word_t badge)
{
    mica_fault_t f = mica_fault_decode(info, badge);
    if (tasks[t].pager.id.task == L4_SIGMA0_TASK && sigma0_fault(t, &f))
        return true;
    stats.tasks_faulted++;
    printf("l4man: task %u ended by a fault (kind %lu at %#lx)\n", t, (unsigned long)f.kind,
           (unsigned long)f.addr);
    task_end(t);
    return false;
}

/* One request of task t: the reply label (0 or an L4 error), outputs in out[0]. */
static mica_word_t handle(unsigned t, mica_msginfo_t info, bool *reply, mica_word_t *out)
{
    mica_word_t op = mica_msginfo_get_label(info), n = mica_msginfo_get_length(info), a[5];
    static const uint8_t nargs[] = { 1, 1, 3, 3, 5, 4, 4, 2, 1, 3 };
    for (int i = 0; i < 5; i++)
        a[i] = mica_get_mr(i);
    *out = 0;
    if (op < L4M_RESOLVE || op >= L4M_OP_END || n < nargs[op - L4M_RESOLVE])
        return L4_IPC_ENOT_EXISTENT;
    l4_threadid_t d = { .raw = a[0] };
    switch (op) {
    case L4M_RESOLVE:
    case L4M_NEAREST:
        if (!thread_ok(d))
            return L4_IPC_ENOT_EXISTENT;
        if (op == L4M_RESOLVE &&
            !mint_hop(t, l4_table_slot(d.id.task, d.id.lthread), d, t, 0))
            return L4_IPC_ENOT_EXISTENT;
        *out = nearest_id(t, d).raw;
        return 0;
    case L4M_CHIEF_PREP: {
        l4_threadid_t dest = { .raw = a[1] }, fake = { .raw = a[2] };
        if (a[0] >= L4_MAX_LTHREADS || !thread_ok(dest) || fake.id.task >= L4_MAX_TASKS ||
            !tasks[fake.id.task].used ||
            !(is_ancestor(t, fake.id.task) || is_ancestor(t, dest.id.task)))
            return L4_IPC_ENOT_EXISTENT;
        if (!mint_hop(t, L4_SLOT_DECEIT + a[0], dest, fake.id.task, L4B_DECEITED))
            return L4_IPC_ENOT_EXISTENT;
        return 0;
    }
    case L4M_ARM: {
        if (a[0] >= L4_MAX_LTHREADS || !tasks[t].th[a[0]].used)
            return L4_IPC_ENOT_EXISTENT;
        lthread_t *th = &tasks[t].th[a[0]];
        uint64_t now = tmr[TMR_NOW];
        if (a[1] == 0 || a[1] > UINT64_MAX / 2000)
            return a[1] == 0 ? 1 : L4_IPC_ENOT_EXISTENT;
        th->armed = true;
        th->deadline = now + a[1] * 1000;
        th->seq = a[2];
        stats.timeouts_armed++;
        stats.last_timeout_armed_at = now;
        *out = th->deadline;
        return 0;
    }
    case L4M_TASK_NEW: {
        l4_threadid_t pager = { .raw = a[4] };
        *out = task_new(t, d, a[1], a[2], a[3], pager).raw;
        return *out ? 0 : L4_IPC_ENOT_EXISTENT;
    }
    case L4M_REARM: {
        /* The same deadline again, after the thread was off its endpoint. */
        if (a[0] >= L4_MAX_LTHREADS || !tasks[t].th[a[0]].used)
            return L4_IPC_ENOT_EXISTENT;
        lthread_t *th = &tasks[t].th[a[0]];
        if (a[1] <= tmr[TMR_NOW])
            return 1;
        th->armed = true;
        th->deadline = a[1];
        th->seq = a[2];
        return 0;
    }
    case L4M_THREAD_NEW:
        *out = thread_new(t, a[0], a[1], a[2], a[3]).raw;
        return *out ? 0 : L4_IPC_ENOT_EXISTENT;
    case L4M_MAP: {
        l4_fpage_t fp = { .raw = a[1] };
        if (a[0] >= L4_MAX_TASKS || !task_ok((unsigned)a[0]) || !tasks[a[0]].live ||
            a[3] >= L4_MAX_LTHREADS)
            return L4_IPC_ENOT_EXISTENT;
        return (mica_word_t)do_map(t, fp, nearest(t, (unsigned)a[0]), a[2]);
    }
    case L4M_FLUSH: {
        l4_fpage_t fp = { .raw = a[0] };
        return (mica_word_t)do_flush(t, fp, a[1]);
    }
    case L4M_EXIT: {
        /* (a Send: no reply) The task ends with its last thread. */
        *reply = false;
        if (a[0] < L4_MAX_LTHREADS) {
            tasks[t].th[a[0]].used = false;
            tasks[t].th[a[0]].armed = false;
        }
        bool any = false;
        for (unsigned l = 0; l < L4_MAX_LTHREADS; l++)
            any |= tasks[t].th[l].used;
        if (!any)
            task_end(t);
        return 0;
    }
    }
    return L4_IPC_ENOT_EXISTENT;
}

static void l4man_main(mica_word_t unused)
{
    (void)unused;
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(man_ep, &badge);
    for (;;) {
        mica_word_t label = L4_IPC_ENOT_EXISTENT, out = 0;
        bool reply = true;
        unsigned t = L4B_SRC_TASK(badge);
        if (badge & L4B_IRQ) {
            timer_fired();
            reply = false;
        } else if ((badge & L4B_FAULT) && task_ok(t) && tasks[t].live) {
            reply = task_fault(t, info, badge);
            label = 0;
        } else if ((badge & L4B_MAN) && task_ok(t) && tasks[t].live) {
            label = handle(t, info, &reply, &out);
        }
        if (reply && label == L4_IPC_ENOT_EXISTENT)
            stats.bad_requests++;
        program_timer();
        if (reply) {
            mica_set_mr(0, out);
            info = mica_reply_recv(man_ep, mica_msginfo_new(label, 0, 0, 1), &badge);
        } else {
            info = mica_recv(man_ep, &badge);
        }
    }
}

/* The timer's register page (mica_device_map), and its line in *irq; NULL if none. */
static volatile uint64_t *map_timer(const mica_bootinfo_t *bi, mica_word_t *irq)
{
    const mica_device_desc_t *d = mica_device_find(bi, "timer");
    if (!d)
        return NULL;
    *irq = d->irq;
    return (volatile uint64_t *)mica_device_map(env, d);
}

/* Names for --log and --trace: what tasks ask l4man for. */
static const mica_idl_trace_method_t trace_ops[] = {
    { L4M_RESOLVE, "l4man.resolve" },
    { L4M_NEAREST, "l4man.nearest" },
    { L4M_CHIEF_PREP, "l4man.chief_prep" },
    { L4M_ARM, "l4man.arm_timeout" },
    { L4M_TASK_NEW, "l4man.task_new" },
    { L4M_THREAD_NEW, "l4man.thread_new" },
    { L4M_MAP, "l4man.map" },
    { L4M_FLUSH, "l4man.flush" },
    { L4M_EXIT, "l4man.exit" },
    { L4M_REARM, "l4man.rearm_timeout" },
};
static const mica_idl_trace_iface_t trace_iface = {
    "l4man", L4M_RESOLVE, trace_ops, sizeof trace_ops / sizeof trace_ops[0], NULL, 0,
};

int l4man_start(mica_env_t *e, l4_task_entry_t init, l4_umword_t arg, int prio)
{
    env = e;
    (void)mica_idl_trace_register(&trace_iface);    /* --log: label=19712 (l4man.resolve) */
    memset(tasks, 0, sizeof tasks);
    memset(recs, 0, sizeof recs);
    memset(&stats, 0, sizeof stats);
    l4_lib_bytes_copied = 0;
    timer_armed_for = UINT64_MAX;   /* a fresh machine: its timer is off */
    mica_word_t irq = 0;
    tmr = map_timer(e->bi, &irq);
    man_ep = mica_env_make(e, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ntfn = mica_env_make(e, MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t irq_ntfn = ntfn ? mica_env_mint(e, ntfn, MICA_CAN_WRITE, L4B_IRQ) : 0;
    irq_handler = tmr && irq_ntfn ? mica_irq_handler_make(e, irq, irq_ntfn) : 0;
    if (!tmr || !man_ep || !irq_ntfn || !irq_handler) {
        printf("l4man: cannot set up the timer and the endpoint: %s\n", mica_env_error_text(e));
        return -1;
    }
    mica_cptr_t tcb = mica_thread_spawn(e, "l4man", l4man_main, 0, L4MAN_PRIO);
    if (!tcb || mica_tcb_bind_notification(tcb, ntfn) != MICA_NO_ERROR) {
        printf("l4man: cannot start: %s\n", mica_env_error_text(e));
        return -1;
    }
    l4_threadid_t id = task_new(L4_MAX_TASKS, l4_id(L4_INIT_TASK, 0), prio < 0 ? 0 : (mica_word_t)prio,
                                (mica_word_t)(uintptr_t)init, arg, L4_NIL_ID);
    return l4_is_nil_id(id) ? -1 : 0;
}
