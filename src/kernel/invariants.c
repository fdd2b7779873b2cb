/*
 * invariants.c - run-time checks of the l4v invariants (proof/invariant-abstract
 * Invariants_AI.thy, DetSchedInvs_AI.thy), one named predicate each.
 *
 * kernel_check_invariants() runs them all; the first that fails stops the
 * system with MICA_STOP_INVARIANT and a message naming the invariant and the
 * object. The walk starts from the CDT list (every non-null cap is on it),
 * which reaches every CNode and TCB, and from the scheduler and IPC queues.
 */
#include "cdt.h"
#include "ipc.h"
#include "objecttype.h"
#include "thread.h"
#include "invariants.h"
#include "object/object.h"

#define FAIL(inv, ...) do { kernel_stop(MICA_STOP_INVARIANT, "invariant " inv " broken: " __VA_ARGS__); return false; } while (0)
/* The same with the invariant's name in a variable. */
#define FAIL_NAMED(inv, fmt, ...) do { \
        kernel_stop(MICA_STOP_INVARIANT, "invariant %s broken: " fmt, inv, __VA_ARGS__); \
        return false; \
    } while (0)

static word_t max_slots(void)
{
    return hw_phys_size / sizeof(cte_t) + 8;
}

static bool in_phys(paddr_t p, word_t bits)
{
    return p != 0 && bits < 64 && p + BIT(bits) <= hw_phys_size && p + BIT(bits) > p;
}

static bool slot_in_phys(paddr_t p)
{
    return p != 0 && IS_ALIGNED(p, MICA_SLOT_BITS) && p + sizeof(cte_t) <= hw_phys_size;
}

/* Is slot p one of the nodes from the sentinel up to and including `last` (already walked)? */
static bool walked_before(paddr_t p, paddr_t last)
{
    for (paddr_t q = ks.mdb_head;; q = mdb_next(cte_at(q))) {
        if (q == p)
            return true;
        if (q == last)
            return false;
    }
}

/* valid_dlist, no_mloop, mdb_cte_at: the CDT list is a well-linked chain of non-null caps. */
bool inv_valid_mdb_list(void)
{
    cte_t *head = cte_at(ks.mdb_head);
    if (mdb_prev(head) != 0)
        FAIL("valid_dlist", "the CDT sentinel has a predecessor 0x%lx", (unsigned long)mdb_prev(head));
    word_t n = 0, limit = max_slots();
    paddr_t prev = ks.mdb_head;
    for (paddr_t p = mdb_next(head); p; p = mdb_next(cte_at(p))) {
        if (!slot_in_phys(p))
            FAIL("valid_dlist", "slot 0x%lx links to 0x%lx, outside physical memory",
                 (unsigned long)prev, (unsigned long)p);
        cte_t *s = cte_at(p);
        /*
         * A next link back to a node already walked makes a loop. Its prev
         * link cannot agree as well (that node's prev was checked on the way
         * in), so test for the loop first: otherwise no_mloop could never be
         * reported.
         */
        if (mdb_prev(s) != prev && walked_before(p, prev))
            FAIL("no_mloop", "slot 0x%lx links back to slot 0x%lx: the CDT list loops",
                 (unsigned long)prev, (unsigned long)p);
        if (mdb_prev(s) != prev)
            FAIL("valid_dlist", "slot 0x%lx: prev is 0x%lx but 0x%lx links to it",
                 (unsigned long)p, (unsigned long)mdb_prev(s), (unsigned long)prev);
        if (cap_is_null(s->cap))
            FAIL("mdb_cte_at", "slot 0x%lx is on the CDT list but holds a null cap", (unsigned long)p);
        if (++n > limit)
            FAIL("no_mloop", "the CDT list has a loop (more than %lu nodes)", (unsigned long)limit);
        prev = p;
    }
    return true;
}

/* valid_cap: each cap is well formed and its object is aligned and in memory. */
static bool check_cap(const cte_t *s)
{
    cap_t c = s->cap;
    paddr_t p = cte_paddr(s);
    word_t bits = cap_region_bits(c);
    if (cap_type(c) >= MICA_CAP_TYPE_COUNT)
        FAIL("valid_cap", "slot 0x%lx holds cap type %u", (unsigned long)p, c.type);
    /* Only memory caps reach above RAM; the fast path reads the others with cap_ram_obj. */
    if (c.obj_hi && cap_type(c) != MICA_CAP_TYPE_UNTYPED && cap_type(c) != MICA_CAP_TYPE_FRAME)
        FAIL("valid_cap", "slot 0x%lx: %s cap with address bits above 2^36", (unsigned long)p,
             mica_cap_type_name(cap_type(c)));
    if (bits) {
        if (!in_phys(cap_region_base(c), bits))
            FAIL("valid_cap", "slot 0x%lx: %s cap object 0x%lx/2^%lu is outside physical memory",
                 (unsigned long)p, mica_cap_type_name(cap_type(c)),
                 (unsigned long)cap_region_base(c), (unsigned long)bits);
        if (!IS_ALIGNED(cap_region_base(c), bits))
            FAIL("cap_aligned", "slot 0x%lx: %s cap object 0x%lx not aligned to 2^%lu",
                 (unsigned long)p, mica_cap_type_name(cap_type(c)),
                 (unsigned long)cap_region_base(c), (unsigned long)bits);
    }
    switch (cap_type(c)) {
    case MICA_CAP_TYPE_UNTYPED:
        if (cap_untyped_size_bits(c) < MICA_MIN_UNTYPED_BITS ||
            cap_untyped_size_bits(c) > MICA_MAX_UNTYPED_BITS ||
            cap_untyped_free_index(c) > BIT(cap_untyped_size_bits(c)))
            FAIL("valid_cap", "slot 0x%lx: untyped 2^%u with free index %lu", (unsigned long)p,
                 cap_untyped_size_bits(c), (unsigned long)cap_untyped_free_index(c));
        break;
    case MICA_CAP_TYPE_NOTIFICATION:
        if (cap_rights(c) & (RIGHT_GRANT | RIGHT_GRANT_REPLY))
            FAIL("valid_cap", "slot 0x%lx: notification cap with Grant rights", (unsigned long)p);
        break;
    case MICA_CAP_TYPE_ENDPOINT:
        if (cap_rights(c) & ~RIGHTS_ALL)
            FAIL("valid_cap", "slot 0x%lx: endpoint rights 0x%x", (unsigned long)p, cap_rights(c));
        break;
    case MICA_CAP_TYPE_CNODE:
        if (cap_cnode_radix(c) == 0 || cap_cnode_radix(c) + cap_cnode_guard_size(c) > MICA_WORD_BITS ||
            (cap_cnode_guard(c) & ~MASK(cap_cnode_guard_size(c))))
            FAIL("valid_cap", "slot 0x%lx: CNode radix %u guard %lu/%u", (unsigned long)p,
                 cap_cnode_radix(c), (unsigned long)cap_cnode_guard(c), cap_cnode_guard_size(c));
        break;
    case MICA_CAP_TYPE_ZOMBIE:
        if (cap_zombie_number(c) > cap_zombie_size(c))
            FAIL("valid_cap", "slot 0x%lx: zombie count %lu", (unsigned long)p,
                 (unsigned long)cap_zombie_number(c));
        break;
    case MICA_CAP_TYPE_FRAME:
        /* 4 KiB, 2 MiB and 1 GiB: x86_64's three frame sizes. */
        if ((cap_frame_size_bits(c) != MICA_PAGE_BITS && cap_frame_size_bits(c) != MICA_LARGE_PAGE_BITS &&
             cap_frame_size_bits(c) != MICA_HUGE_PAGE_BITS) ||
            (cap_rights(c) & ~(RIGHT_READ | RIGHT_WRITE)))
            FAIL("valid_cap", "slot 0x%lx: frame 2^%u rights 0x%x", (unsigned long)p,
                 cap_frame_size_bits(c), cap_rights(c));
        break;
    case MICA_CAP_TYPE_REPLY:
        if (!in_phys(cap_obj(c), MICA_TCB_BITS) || !IS_ALIGNED(cap_obj(c), MICA_TCB_BITS))
            FAIL("valid_cap", "slot 0x%lx: reply cap to 0x%lx is not a TCB address",
                 (unsigned long)p, (unsigned long)cap_obj(c));
        break;
    case MICA_CAP_TYPE_IRQ_HANDLER:
        if (cap_irq(c) > MICA_MAX_IRQ)
            FAIL("valid_cap", "slot 0x%lx: IRQ %lu", (unsigned long)p, (unsigned long)cap_irq(c));
        break;
    default:
        break;
    }
    return true;
}

bool inv_valid_caps(void)
{
    for (paddr_t p = mdb_next(cte_at(ks.mdb_head)); p; p = mdb_next(cte_at(p)))
        if (!check_cap(cte_at(p)))
            return false;
    return true;
}

/*
 * Visit each object once: through the first cap of its run on the list (caps
 * to one object are adjacent, l4v mdb_chunked; if they were not, an object
 * is merely visited twice). Visiting only original caps would skip an object
 * whose original cap was deleted while copies of it live on.
 */
static bool first_cap_of_object(const cte_t *s)
{
    paddr_t prev = mdb_prev(s);
    return prev == 0 || prev == ks.mdb_head || !same_object_as(cte_at(prev)->cap, s->cap);
}

/* valid_nullcaps: every slot of every CNode and TCB with a null cap has a null MDB node. */
bool inv_valid_nullcaps(void)
{
    for (paddr_t p = mdb_next(cte_at(ks.mdb_head)); p; p = mdb_next(cte_at(p))) {
        cte_t *s = cte_at(p);
        if (!first_cap_of_object(s))
            continue;
        word_t n;
        cte_t *slots = cap_slots(s->cap, &n);
        for (word_t i = 0; slots && i < n; i++)
            if (cap_is_null(slots[i].cap) && (slots[i].mdb.prev || slots[i].mdb.next))
                FAIL("valid_nullcaps", "empty slot %lu of the %s at 0x%lx has CDT links",
                     (unsigned long)i, mica_cap_type_name(cap_type(s->cap)),
                     (unsigned long)cap_obj(s->cap));
    }
    return true;
}

/* ut_revocable, reply_master_revocable, irq_control, valid_reply_masters, valid_badges. */
bool inv_mdb_marks(void)
{
    word_t irq_controls = 0;
    for (paddr_t p = mdb_next(cte_at(ks.mdb_head)); p; p = mdb_next(cte_at(p))) {
        cte_t *s = cte_at(p);
        cap_t c = s->cap;
        if (cap_type(c) == MICA_CAP_TYPE_UNTYPED && !mdb_revocable(s))
            FAIL("ut_revocable", "untyped cap in slot 0x%lx is not original", (unsigned long)p);
        if (cap_type(c) == MICA_CAP_TYPE_IRQ_CONTROL) {
            irq_controls++;
            if (!mdb_revocable(s))
                FAIL("irq_revocable", "the IRQControl cap in slot 0x%lx is not original", (unsigned long)p);
        }
        if (cap_type(c) == MICA_CAP_TYPE_REPLY && cap_reply_is_master(c)) {
            if (!mdb_revocable(s))
                FAIL("reply_master_revocable", "master reply cap in slot 0x%lx", (unsigned long)p);
            if (s != tcb_slot(cap_obj(c), TCB_REPLY))
                FAIL("valid_reply_masters", "master reply cap of TCB 0x%lx sits in slot 0x%lx",
                     (unsigned long)cap_obj(c), (unsigned long)p);
        }
        if (cap_type(c) == MICA_CAP_TYPE_REPLY && !cap_reply_is_master(c)) {
            paddr_t parent = mdb_prev(s);
            cte_t *ps = cte_at(parent);
            if (!parent || cap_type(ps->cap) != MICA_CAP_TYPE_REPLY || !cap_reply_is_master(ps->cap) ||
                cap_obj(ps->cap) != cap_obj(c))
                FAIL("reply_mdb", "reply cap in slot 0x%lx does not follow its master reply cap",
                     (unsigned long)p);
            if (thread_state(cap_obj(c)) != MICA_THREAD_BLOCKED_ON_REPLY)
                FAIL("valid_reply_caps", "reply cap to TCB 0x%lx but that thread is %s",
                     (unsigned long)cap_obj(c),
                     mica_thread_state_name((mica_thread_state_t)thread_state(cap_obj(c))));
        }
        paddr_t np = mdb_next(s);
        if (np) {
            cte_t *n = cte_at(np);
            if ((cap_type(c) == MICA_CAP_TYPE_ENDPOINT || cap_type(c) == MICA_CAP_TYPE_NOTIFICATION) &&
                cap_type(n->cap) == cap_type(c) && cap_obj(n->cap) == cap_obj(c) &&
                cap_badge(n->cap) != 0 && cap_badge(n->cap) != cap_badge(c) && !mdb_first_badged(n))
                FAIL("valid_badges", "slot 0x%lx (badge %lu) follows slot 0x%lx (badge %lu) "
                     "without the first-badged mark", (unsigned long)np,
                     (unsigned long)cap_badge(n->cap), (unsigned long)p, (unsigned long)cap_badge(c));
        }
    }
    if (irq_controls > 1)
        FAIL("irq_control", "%lu IRQControl caps exist", (unsigned long)irq_controls);
    return true;
}

/* --- the sorted sweep: untyped_inc, untyped_mdb, valid_untyped, pspace_distinct, mdb_chunked */

typedef struct ent {
    paddr_t base;
    word_t bits;
    uint32_t idx;       /* position on the CDT list */
    uint32_t run_end;   /* untyped: last list position of its descendants */
    uint32_t type;
    uint32_t obj_type;  /* what kind of object the memory is, for pspace_distinct */
} ent_t;

_Static_assert(sizeof(ent_t) <= 32, "scratch entries are 32 bytes");

static bool ent_less(const ent_t *a, const ent_t *b)
{
    if (a->base != b->base)
        return a->base < b->base;
    if (a->bits != b->bits)
        return a->bits > b->bits;   /* enclosing first */
    return a->idx < b->idx;
}

static void sift(ent_t *e, word_t root, word_t n)
{
    for (;;) {
        word_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && ent_less(&e[child], &e[child + 1]))
            child++;
        if (!ent_less(&e[root], &e[child]))
            return;
        ent_t t = e[root]; e[root] = e[child]; e[child] = t;
        root = child;
    }
}

static void heap_sort(ent_t *e, word_t n)
{
    for (word_t i = n / 2; i-- > 0;)
        sift(e, i, n);
    for (word_t i = n; i-- > 1;) {
        ent_t t = e[0]; e[0] = e[i]; e[i] = t;
        sift(e, 0, i);
    }
}

static uint32_t obj_kind(cap_t c)
{
    if (cap_type(c) == MICA_CAP_TYPE_ZOMBIE)
        return cap_zombie_type(c) == ZOMBIE_TCB ? MICA_CAP_TYPE_TCB : MICA_CAP_TYPE_CNODE;
    return cap_type(c);
}

bool inv_untyped_and_pspace(void)
{
    ent_t *e = (ent_t *)ks.scratch;
    word_t n = 0;
    if (!e)
        return true;
    /* Collect memory caps; compute each untyped's descendant run with a stack. */
    uint32_t stack[128];
    word_t depth = 0, idx = 0;
    for (paddr_t p = mdb_next(cte_at(ks.mdb_head)); p; p = mdb_next(cte_at(p)), idx++) {
        cap_t c = cte_at(p)->cap;
        word_t bits = cap_region_bits(c);
        while (depth) {
            ent_t *u = &e[stack[depth - 1]];
            if (bits && cap_region_base(c) >= u->base &&
                cap_region_base(c) + BIT(bits) <= u->base + BIT(u->bits))
                break;
            u->run_end = (uint32_t)idx - 1;
            depth--;
        }
        if (!bits)
            continue;
        if (n >= ks.scratch_entries)
            return true;
        e[n] = (ent_t){ cap_region_base(c), bits, (uint32_t)idx, (uint32_t)idx, cap_type(c), obj_kind(c) };
        if (cap_type(c) == MICA_CAP_TYPE_UNTYPED) {
            if (depth == ARRAY_SIZE(stack))
                return true;    /* absurdly deep nesting: skip this check */
            stack[depth++] = (uint32_t)n;
        }
        n++;
    }
    while (depth)
        e[stack[--depth]].run_end = (uint32_t)idx - 1;

    heap_sort(e, n);

    /* Sweep in address order with a stack of enclosing untypeds. */
    word_t ut[128];
    word_t ud = 0;
    for (word_t i = 0; i < n; i++) {
        ent_t *x = &e[i];
        paddr_t xend = x->base + BIT(x->bits);
        while (ud && x->base >= e[ut[ud - 1]].base + BIT(e[ut[ud - 1]].bits))
            ud--;
        if (ud) {
            ent_t *u = &e[ut[ud - 1]];
            paddr_t uend = u->base + BIT(u->bits);
            if (xend > uend)
                FAIL("untyped_inc", "%s object 0x%lx/2^%lu straddles the end of untyped 0x%lx/2^%lu",
                     mica_cap_type_name(x->type), (unsigned long)x->base, (unsigned long)x->bits,
                     (unsigned long)u->base, (unsigned long)u->bits);
            /* l4v untyped_inc: a nested untyped is a descendant of the one around it. */
            if ((x->idx <= u->idx || x->idx > u->run_end) && x->type == MICA_CAP_TYPE_UNTYPED)
                FAIL("untyped_inc", "untyped 0x%lx/2^%lu lies in untyped 0x%lx/2^%lu but is not its "
                     "CDT descendant", (unsigned long)x->base, (unsigned long)x->bits,
                     (unsigned long)u->base, (unsigned long)u->bits);
            /* l4v untyped_mdb: so is every object cap inside an untyped. */
            if (x->idx <= u->idx || x->idx > u->run_end)
                FAIL("untyped_mdb", "%s cap to 0x%lx lies in untyped 0x%lx/2^%lu but is not its "
                     "CDT descendant", mica_cap_type_name(x->type), (unsigned long)x->base,
                     (unsigned long)u->base, (unsigned long)u->bits);
        }
        if (x->type == MICA_CAP_TYPE_UNTYPED) {
            if (ud == ARRAY_SIZE(ut))
                return true;
            ut[ud++] = i;
            continue;
        }
        /* pspace_distinct: the next object must start after this one, or be the same object. */
        for (word_t j = i + 1; j < n && e[j].base < xend; j++) {
            if (e[j].type == MICA_CAP_TYPE_UNTYPED)
                FAIL("pspace_distinct", "untyped 0x%lx overlaps the %s object at 0x%lx",
                     (unsigned long)e[j].base, mica_cap_type_name(x->type), (unsigned long)x->base);
            bool same = e[j].base == x->base && e[j].obj_type == x->obj_type &&
                        (e[j].bits == x->bits || x->obj_type == MICA_CAP_TYPE_FRAME);
            if (!same)
                FAIL("pspace_distinct", "%s object 0x%lx/2^%lu overlaps %s object 0x%lx/2^%lu",
                     mica_cap_type_name(x->type), (unsigned long)x->base, (unsigned long)x->bits,
                     mica_cap_type_name(e[j].type), (unsigned long)e[j].base, (unsigned long)e[j].bits);
            if (e[j].bits == x->bits)
                break;
        }
    }
    return true;
}

/* valid_untyped: every object inside an untyped lies below its watermark. */
bool inv_valid_untyped(void)
{
    for (paddr_t p = mdb_next(cte_at(ks.mdb_head)); p; p = mdb_next(cte_at(p))) {
        cte_t *u = cte_at(p);
        if (cap_type(u->cap) != MICA_CAP_TYPE_UNTYPED)
            continue;
        paddr_t base = cap_obj(u->cap), mark = base + cap_untyped_free_index(u->cap);
        for (paddr_t q = mdb_next(u); q && is_mdb_parent_of(u, cte_at(q)); q = mdb_next(cte_at(q))) {
            cap_t c = cte_at(q)->cap;
            if (cap_region_base(c) + BIT(cap_region_bits(c)) > mark)
                FAIL("valid_untyped", "%s object at 0x%lx lies above the watermark 0x%lx of its "
                     "untyped 0x%lx", mica_cap_type_name(cap_type(c)), (unsigned long)cap_region_base(c),
                     (unsigned long)mark, (unsigned long)base);
        }
    }
    return true;
}

/* --- threads and queues ------------------------------------------------------- */

static bool is_tcb_address(paddr_t t)
{
    return in_phys(t, MICA_TCB_BITS) && IS_ALIGNED(t, MICA_TCB_BITS);
}

static bool is_idle_thread(paddr_t t)
{
    for (unsigned c = 0; c < ks.num_cpus; c++)
        if (cpu_state(c)->idle_thread == t)
            return true;
    return false;
}

/* valid_queues, valid_bitmaps, ready_qs_runnable, sym_heap_sched_pointers, ct_not_in_q (one CPU's queues) */
static bool cpu_valid_queues(unsigned cpu)
{
    ks_cpu_t *k = cpu_state(cpu);
    ks_rq_t *q = &ks.rq[cpu];
    word_t limit = max_slots();
    for (word_t p = 0; p < NUM_PRIO; p++) {
        paddr_t prev = 0;
        word_t n = 0;
        for (paddr_t t = q->ready_head[p]; t; t = tcb_ptr(t)->sched_next) {
            if (!is_tcb_address(t))
                FAIL("valid_queues", "ready queue %lu holds 0x%lx, not a TCB", (unsigned long)p, (unsigned long)t);
            tcb_t *tp = tcb_ptr(t);
            if (tp->affinity != cpu)
                FAIL("valid_queues", "thread '%s' has affinity %lu but is in CPU %u's ready queue %lu",
                     tp->name, (unsigned long)tp->affinity, cpu, (unsigned long)p);
            if (tp->flags & TCB_FLAG_STALLED)
                FAIL("valid_queues", "thread '%s' is stalled but in a ready queue", tp->name);
            if (tp->priority != p)
                FAIL("valid_queues", "thread '%s' has priority %u but is in ready queue %lu",
                     tp->name, tp->priority, (unsigned long)p);
            if (!is_runnable(t))
                FAIL("ready_qs_runnable", "thread '%s' is %s but in ready queue %lu", tp->name,
                     mica_thread_state_name((mica_thread_state_t)tp->state.type), (unsigned long)p);
            if (!(tp->flags & TCB_FLAG_QUEUED))
                FAIL("valid_queues", "thread '%s' is in a ready queue without its queued mark", tp->name);
            if (tp->sched_prev != prev)
                FAIL("sym_heap_sched_pointers", "thread '%s' has prev 0x%lx, expected 0x%lx",
                     tp->name, (unsigned long)tp->sched_prev, (unsigned long)prev);
            for (unsigned c = 0; c < ks.num_cpus; c++)
                if (cpu_state(c)->sched_action == SCHED_RESUME_CURRENT && t == cpu_state(c)->cur_thread)
                    FAIL("ct_not_in_q", "the current thread '%s' of CPU %u is in ready queue %lu",
                         tp->name, c, (unsigned long)p);
            if (++n > limit)
                FAIL("valid_queues", "ready queue %lu loops", (unsigned long)p);
            prev = t;
        }
        if (q->ready_tail[p] != prev)
            FAIL("valid_queues", "ready queue %lu tail is 0x%lx, last element 0x%lx", (unsigned long)p,
                 (unsigned long)q->ready_tail[p], (unsigned long)prev);
        bool bit = (k->bitmap_l2[p >> 6] >> (p & 63)) & 1;
        if (bit != (q->ready_head[p] != 0))
            FAIL("valid_bitmaps", "bitmap bit for priority %lu is %d but the queue is %s",
                 (unsigned long)p, bit, q->ready_head[p] ? "non-empty" : "empty");
    }
    for (word_t i = 0; i < L2_BITMAP_WORDS; i++)
        if (((k->bitmap_l1 >> i) & 1) != (k->bitmap_l2[i] != 0))
            FAIL("bitmapQ_no_L1_orphans", "level-1 bit %lu disagrees with level 2", (unsigned long)i);
    return true;
}

/* The same for every CPU. */
bool inv_valid_queues(void)
{
    for (unsigned c = 0; c < ks.num_cpus; c++)
        if (!cpu_valid_queues(c))
            return false;
    return true;
}

/* One IPC queue: its members are TCBs blocked on exactly this object. */
static bool check_ipc_queue(const char *inv, paddr_t obj, paddr_t head, paddr_t tail,
                            word_t want_state, const char *what)
{
    paddr_t prev = 0;
    word_t n = 0, limit = max_slots();
    for (paddr_t t = head; t; t = tcb_ptr(t)->ep_next) {
        if (!is_tcb_address(t))
            FAIL_NAMED(inv, "%s 0x%lx queue holds 0x%lx, not a TCB", what, (unsigned long)obj, (unsigned long)t);
        tcb_t *tp = tcb_ptr(t);
        if (tp->state.type != want_state || tp->state.blocking_object != obj)
            FAIL("sym_refs", "thread '%s' is queued on %s 0x%lx but is %s on 0x%lx", tp->name, what,
                 (unsigned long)obj, mica_thread_state_name((mica_thread_state_t)tp->state.type),
                 (unsigned long)tp->state.blocking_object);
        if (tp->ep_prev != prev)
            FAIL_NAMED(inv, "%s 0x%lx queue links are not symmetric at '%s'", what, (unsigned long)obj, tp->name);
        if (++n > limit)
            FAIL_NAMED(inv, "%s 0x%lx queue loops", what, (unsigned long)obj);
        prev = t;
    }
    if (tail != prev)
        FAIL_NAMED(inv, "%s 0x%lx queue tail 0x%lx is not its last element 0x%lx", what,
             (unsigned long)obj, (unsigned long)tail, (unsigned long)prev);
    return true;
}

/* valid_ep, valid_ntfn, sym_refs (queues and bound notifications), valid_tcb. */
bool inv_valid_objs(void)
{
    for (paddr_t p = mdb_next(cte_at(ks.mdb_head)); p; p = mdb_next(cte_at(p))) {
        cte_t *s = cte_at(p);
        cap_t c = s->cap;
        if (!first_cap_of_object(s))
            continue;
        switch (cap_type(c)) {
        case MICA_CAP_TYPE_ENDPOINT: {
            endpoint_t *e = (endpoint_t *)paddr_to_ptr(cap_obj(c));
            word_t st = e->head_state & 3;
            paddr_t head = e->head_state & ~3ull;
            if (st == 3 || (st == EP_IDLE) != (head == 0))
                FAIL("valid_ep", "endpoint 0x%lx is in state %lu with queue head 0x%lx",
                     (unsigned long)cap_obj(c), (unsigned long)st, (unsigned long)head);
            if (head && !check_ipc_queue("valid_ep", cap_obj(c), head, e->tail,
                                         st == EP_SEND ? MICA_THREAD_BLOCKED_ON_SEND
                                                       : MICA_THREAD_BLOCKED_ON_RECEIVE, "endpoint"))
                return false;
            break;
        }
        case MICA_CAP_TYPE_NOTIFICATION: {
            notification_t *nt = (notification_t *)paddr_to_ptr(cap_obj(c));
            word_t st = nt->head_state & 3;
            paddr_t head = nt->head_state & ~3ull;
            if (st == 3 || (st == NTFN_WAITING) != (head == 0 ? false : true))
                FAIL("valid_ntfn", "notification 0x%lx is in state %lu with queue head 0x%lx",
                     (unsigned long)cap_obj(c), (unsigned long)st, (unsigned long)head);
            if (head && !check_ipc_queue("valid_ntfn", cap_obj(c), head, nt->tail,
                                         MICA_THREAD_BLOCKED_ON_NOTIFICATION, "notification"))
                return false;
            /* l4v valid_ntfn: a bound notification's only possible waiter is its TCB. */
            if (nt->bound_tcb && head && (head != nt->bound_tcb || nt->tail != head))
                FAIL("valid_ntfn", "notification 0x%lx is bound to 0x%lx but other threads wait on it",
                     (unsigned long)cap_obj(c), (unsigned long)nt->bound_tcb);
            if (nt->bound_tcb && (!is_tcb_address(nt->bound_tcb) ||
                                  tcb_ptr(nt->bound_tcb)->bound_notification != cap_obj(c)))
                FAIL("sym_refs", "notification 0x%lx is bound to 0x%lx, which is not bound back",
                     (unsigned long)cap_obj(c), (unsigned long)nt->bound_tcb);
            break;
        }
        case MICA_CAP_TYPE_TCB: {
            paddr_t t = cap_obj(c);
            tcb_t *tp = tcb_ptr(t);
            if (tp->state.type >= MICA_THREAD_STATE_COUNT)
                FAIL("valid_tcb", "TCB 0x%lx has thread state %lu", (unsigned long)t,
                     (unsigned long)tp->state.type);
            /* l4v: IdleThreadState is a valid state; that only the idle thread has it is only_idle. */
            if (tp->state.type == MICA_THREAD_IDLE && !is_idle_thread(t))
                FAIL("only_idle", "thread '%s' (0x%lx) is in the idle state", tp->name, (unsigned long)t);
            if (tp->bound_notification) {
                notification_t *nt = (notification_t *)paddr_to_ptr(tp->bound_notification);
                if (!in_phys(tp->bound_notification, MICA_NOTIFICATION_BITS) || nt->bound_tcb != t)
                    FAIL("sym_refs", "TCB '%s' is bound to notification 0x%lx, which is not bound back",
                         tp->name, (unsigned long)tp->bound_notification);
            }
            cap_t ct = tcb_slot(t, TCB_CTABLE)->cap, vt = tcb_slot(t, TCB_VTABLE)->cap;
            cap_t bt = tcb_slot(t, TCB_BUFFER)->cap, ca = tcb_slot(t, TCB_CALLER)->cap;
            if (!cap_is_null(vt) && cap_type(vt) != MICA_CAP_TYPE_VSPACE)
                FAIL("valid_tcb", "TCB '%s' VTable slot holds a %s cap", tp->name, mica_cap_type_name(cap_type(vt)));
            if (!cap_is_null(bt) && (cap_type(bt) != MICA_CAP_TYPE_FRAME || cap_frame_is_device(bt)))
                FAIL("valid_tcb", "TCB '%s' IPC-buffer slot holds a %s cap", tp->name, mica_cap_type_name(cap_type(bt)));
            cap_t rp = tcb_slot(t, TCB_REPLY)->cap;
            if (!cap_is_null(rp) && (cap_type(rp) != MICA_CAP_TYPE_REPLY || !cap_reply_is_master(rp)))
                FAIL("valid_tcb", "TCB '%s' reply slot holds a %s cap, not its master reply cap",
                     tp->name, mica_cap_type_name(cap_type(rp)));
            if (!cap_is_null(ca) && cap_type(ca) != MICA_CAP_TYPE_REPLY)
                FAIL("valid_tcb", "TCB '%s' caller slot holds a %s cap", tp->name, mica_cap_type_name(cap_type(ca)));
            if (tp->state.type == MICA_THREAD_BLOCKED_ON_RECEIVE && !cap_is_null(ca))
                FAIL("valid_tcb", "TCB '%s' waits to receive but still holds a caller cap", tp->name);
            (void)ct;
            if ((tp->flags & TCB_FLAG_QUEUED) && !is_runnable(t))
                FAIL("ready_qs_runnable", "TCB '%s' is marked queued but is %s", tp->name,
                     mica_thread_state_name((mica_thread_state_t)tp->state.type));
            word_t st = tp->state.type;
            if (st == MICA_THREAD_BLOCKED_ON_SEND || st == MICA_THREAD_BLOCKED_ON_RECEIVE ||
                st == MICA_THREAD_BLOCKED_ON_NOTIFICATION) {
                paddr_t o = tp->state.blocking_object;
                paddr_t h = o && in_phys(o, 4) ? *(paddr_t *)paddr_to_ptr(o) & ~3ull : 0;
                bool found = false;
                word_t n = 0, limit = max_slots();
                /* The queue may be corrupt too: stop at a non-TCB or after too many steps. */
                for (paddr_t q = h; q && !found && is_tcb_address(q) && n++ < limit;
                     q = tcb_ptr(q)->ep_next)
                    found = q == t;
                if (!found)
                    FAIL("sym_refs", "TCB '%s' is %s on 0x%lx but not in its queue", tp->name,
                         mica_thread_state_name((mica_thread_state_t)st), (unsigned long)o);
            }
            break;
        }
        default:
            break;
        }
    }
    return true;
}

/* cur_tcb, valid_idle, only_idle, valid_sched_action (one CPU) */
static bool cpu_cur_and_idle(unsigned cpu)
{
    ks_cpu_t *k = cpu_state(cpu);
    paddr_t cur = k->cur_thread, idle = k->idle_thread;
    if (!is_tcb_address(cur))
        FAIL("cur_tcb", "the current thread 0x%lx is not a TCB", (unsigned long)cur);
    if (thread_state(idle) != MICA_THREAD_IDLE || tcb_ptr(idle)->bound_notification)
        FAIL("valid_idle", "the idle thread is %s",
             mica_thread_state_name((mica_thread_state_t)thread_state(idle)));
    if (cur != idle && thread_state(cur) == MICA_THREAD_IDLE)
        FAIL("only_idle", "thread '%s' is in the idle state", tcb_ptr(cur)->name);
    /*
     * Every kernel exit has scheduled, so the action is ResumeCurrentThread and
     * l4v's valid_sched_action reduces to is_activatable: the current thread
     * is Running or Restart, or is the idle thread.
     */
    if (k->sched_action == SCHED_RESUME_CURRENT && cur != idle && !is_runnable(cur))
        FAIL("valid_sched_action", "the current thread '%s' is %s", tcb_ptr(cur)->name,
             mica_thread_state_name((mica_thread_state_t)thread_state(cur)));
    if (k->sched_action > SCHED_CHOOSE_NEW && !is_runnable(k->sched_action))
        FAIL("valid_sched_action", "the switch target '%s' is not runnable",
             tcb_ptr(k->sched_action)->name);
    if (cur != idle && tcb_ptr(cur)->affinity != cpu)
        FAIL("cur_tcb", "CPU %u runs thread '%s', whose affinity is CPU %lu", cpu,
             tcb_ptr(cur)->name, (unsigned long)tcb_ptr(cur)->affinity);
    if (cur != idle && (tcb_ptr(cur)->flags & TCB_FLAG_STALLED))
        FAIL("cur_tcb", "CPU %u runs thread '%s', which is stalled", cpu, tcb_ptr(cur)->name);
    for (unsigned c = 0; c < cpu; c++)
        if (cur != idle && cpu_state(c)->cur_thread == cur)
            FAIL("cur_tcb", "thread '%s' is current on CPUs %u and %u", tcb_ptr(cur)->name, c, cpu);
    if (k->stalled && k->orphan && !(tcb_ptr(k->orphan)->flags & TCB_FLAG_STALLED))
        FAIL("cur_tcb", "CPU %u parks thread '%s', which is not marked stalled", cpu,
             tcb_ptr(k->orphan)->name);
    return true;
}

/* cur_tcb, valid_idle, only_idle, valid_sched_action on every CPU */
bool inv_cur_and_idle(void)
{
    for (unsigned c = 0; c < ks.num_cpus; c++)
        if (!cpu_cur_and_idle(c))
            return false;
    return true;
}

/* --- interrupts ------------------------------------------------------------------ */

/*
 * valid_irq_node: each slot of the IRQ node is empty or holds a notification
 * cap, and only an issued IRQ's slot holds one (deleting the last handler cap
 * empties it); its empty slots have no CDT links. valid_irq_handlers: every
 * IRQHandler cap names an issued IRQ.
 */
bool inv_valid_irqs(void)
{
    for (word_t irq = 0; irq < IRQ_NODE_SLOTS; irq++) {
        const cte_t *s = irq_node_slot(irq);
        if (cap_is_null(s->cap)) {
            if (s->mdb.prev || s->mdb.next)
                FAIL("valid_irq_node", "the empty IRQ node slot of IRQ %lu has CDT links",
                     (unsigned long)irq);
            continue;
        }
        if (cap_type(s->cap) != MICA_CAP_TYPE_NOTIFICATION)
            FAIL("valid_irq_node", "the IRQ node slot of IRQ %lu holds a %s cap", (unsigned long)irq,
                 mica_cap_type_name(cap_type(s->cap)));
        if (irq > MICA_MAX_IRQ || !ks.irq_issued[irq])
            FAIL("valid_irq_node", "IRQ %lu has no handler but its IRQ node slot holds a "
                 "notification cap", (unsigned long)irq);
        if (!(cap_rights(s->cap) & RIGHT_WRITE))
            FAIL("valid_irq_node", "the IRQ node slot of IRQ %lu holds a notification cap "
                 "without Write, which SetNotification refuses", (unsigned long)irq);
    }
    /* Which lines some handler cap names (seL4: an issued IRQ has one; the last one's deletion frees it). */
    uint64_t named = 0;
    for (paddr_t p = mdb_next(cte_at(ks.mdb_head)); p; p = mdb_next(cte_at(p))) {
        cap_t c = cte_at(p)->cap;
        if (cap_type(c) != MICA_CAP_TYPE_IRQ_HANDLER || cap_irq(c) > MICA_MAX_IRQ)
            continue;
        named |= (uint64_t)1 << cap_irq(c);
        if (!ks.irq_issued[cap_irq(c)])
            FAIL("valid_irq_handlers", "slot 0x%lx holds a handler cap of IRQ %lu, which is not "
                 "issued", (unsigned long)p, (unsigned long)cap_irq(c));
    }
    for (word_t irq = 0; irq <= MICA_MAX_IRQ; irq++)
        if (ks.irq_issued[irq] && !(named & ((uint64_t)1 << irq)))
            FAIL("valid_irq_handlers", "IRQ %lu is issued but no handler cap names it (it could "
                 "never be issued again)", (unsigned long)irq);
    /*
     * valid_irq_lines: the controller's state per line is 0/1; a masked line
     * has a handler (deleting the last one unmasks); and no deliverable
     * line holds a raise or an asserted level undelivered (it would have
     * been signalled at once, or at Ack / SetNotification).
     */
    for (word_t irq = 0; irq <= MICA_MAX_IRQ; irq++) {
        if (ks.irq_asserted[irq] > 1 || ks.irq_masked[irq] > 1 || ks.irq_pending[irq] > 1)
            FAIL("valid_irq_lines", "IRQ %lu has a line state that is not 0 or 1", (unsigned long)irq);
        if (ks.irq_masked[irq] && !ks.irq_issued[irq])
            FAIL("valid_irq_lines", "IRQ %lu is masked but has no handler", (unsigned long)irq);
        if ((ks.irq_pending[irq] || ks.irq_asserted[irq]) && irq_deliverable(irq))
            FAIL("valid_irq_lines", "IRQ %lu is %s and deliverable but was not delivered",
                 (unsigned long)irq, ks.irq_pending[irq] ? "pending" : "asserted");
        /*
         * valid_irq_masks: each delivery masks the line and only an unmask
         * (Ack, or the last handler going) clears that, so deliveries =
         * unmasks + (masked now). More deliveries: one came while masked.
         */
        if (ks.count.irq_delivered[irq] != ks.count.irq_unmasks[irq] + ks.irq_masked[irq])
            FAIL("valid_irq_masks", "IRQ %lu: %lu deliveries, but %lu unmasks and %s: %s",
                 (unsigned long)irq, (unsigned long)ks.count.irq_delivered[irq],
                 (unsigned long)ks.count.irq_unmasks[irq], ks.irq_masked[irq] ? "masked" : "not masked",
                 ks.count.irq_delivered[irq] > ks.count.irq_unmasks[irq] + ks.irq_masked[irq]
                     ? "a delivery while masked" : "masked without a delivery");
    }
    return true;
}

/* --- address spaces: valid_vspace_objs, unique_table_refs, valid_vs_lookup, valid_host_window */

/*
 * The mapping records of live frame and paging-structure caps, sorted by
 * where they say they are mapped. An ent_t is reused: base = VSpace paddr >>
 * 12 << 35 | vaddr >> 12 (one key per page of every VSpace), bits = the size
 * of what is mapped (a frame's size; 21, 30, 39 for a page table, page
 * directory, PDPT: the vaddr range it covers), idx = the object's paddr >>
 * 12 (frames and tables are page aligned; 32 bits reach every physical
 * address), type = cap type.
 *
 * Levels as in object/vspace.c: 3 the VSpace root (PML4), 2 a PDPT, 1 a page
 * directory, 0 a page table; an entry of level l covers 2^(12 + 9l) bytes.
 */
#define VA_PAGES_BITS (MICA_VADDR_BITS - MICA_PAGE_BITS)

static word_t map_key(paddr_t vspace, word_t vaddr)
{
    return (vspace >> 12) << VA_PAGES_BITS | (vaddr >> MICA_PAGE_BITS);
}

static unsigned lvl_shift(unsigned l) { return MICA_PAGE_BITS + 9 * l; }

/* The cap type of a table an entry of level l holds (l >= 1). */
static uint32_t table_type_at(unsigned l)
{
    return l == 1 ? MICA_CAP_TYPE_PAGE_TABLE : l == 2 ? MICA_CAP_TYPE_PAGE_DIRECTORY
                                                      : MICA_CAP_TYPE_PDPT;
}

static word_t table_cover_bits(mica_cap_type_t t)
{
    return t == MICA_CAP_TYPE_PAGE_TABLE ? 21 : t == MICA_CAP_TYPE_PAGE_DIRECTORY ? 30 : 39;
}

static bool is_table_type(mica_cap_type_t t)
{
    return t == MICA_CAP_TYPE_PAGE_TABLE || t == MICA_CAP_TYPE_PAGE_DIRECTORY ||
           t == MICA_CAP_TYPE_PDPT;
}

/* Is the VSpace a mapping record names still the one it was made in? (vspace.c mapping_live) */
static bool record_live(cap_t c)
{
    word_t gen = hw_vspace_generation(cap_mapped_vspace(c));
    return cap_is_mapped(c) && gen != 0 && (gen & MASK(MAPPING_GEN_BITS)) == cap_mapped_gen(c);
}

/* The first record at key, or n. */
static word_t find_record(const ent_t *e, word_t n, word_t key)
{
    word_t lo = 0, hi = n;
    while (lo < hi) {
        word_t mid = lo + (hi - lo) / 2;
        if (e[mid].base < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Does a record of type at (vspace, vaddr) name object obj of 2^bits bytes? */
static bool has_record(const ent_t *e, word_t n, paddr_t vspace, word_t vaddr, uint32_t type,
                       paddr_t obj, word_t bits)
{
    word_t key = map_key(vspace, vaddr);
    for (word_t i = find_record(e, n, key); i < n && e[i].base == key; i++)
        if (e[i].type == type && ((paddr_t)e[i].idx << 12) == obj && e[i].bits == bits)
            return true;
    return false;
}

/* Where a live cap of type says table t is mapped, if any does. */
static const ent_t *table_record(const ent_t *e, word_t n, paddr_t t, uint32_t type)
{
    for (word_t i = 0; i < n; i++)
        if (e[i].type == type && ((paddr_t)e[i].idx << 12) == t)
            return &e[i];
    return NULL;
}

static paddr_t key_vspace(word_t key) { return (key >> VA_PAGES_BITS) << 12; }
static word_t key_vaddr(word_t key) { return (key & MASK(VA_PAGES_BITS)) << MICA_PAGE_BITS; }

/*
 * valid_vspace_objs (every entry of level l is empty, a table of the level
 * below, or a frame of level l's size where x86_64 allows one - so no two
 * mappings overlap), unique_table_refs (every table hangs under exactly the
 * one entry its caps record; a table reached twice has a second parent) and
 * valid_vs_lookup for tables (every table the walk reaches is recorded by a
 * cap). Table t holds the entries of level l, covering vaddrs from base.
 */
static bool vspace_table(paddr_t vs, paddr_t t, unsigned l, word_t base, const ent_t *e, word_t n)
{
    const pte_t *tab = (const pte_t *)paddr_to_ptr(t);
    for (word_t i = 0; i < 512; i++) {
        pte_t r = tab[i];
        word_t va = base + (i << lvl_shift(l));
        if (r == 0)
            continue;
        if ((r & PTE_TABLE) && (r & (PTE_FRAME | PTE_LARGE)))
            FAIL("valid_vspace_objs", "VSpace 0x%lx, vaddr 0x%lx: level-%u entry 0x%lx holds a "
                 "table and a frame at once: the mappings overlap", (unsigned long)vs,
                 (unsigned long)va, l, (unsigned long)r);
        if (r & PTE_FRAME) {
            unsigned bits = lvl_shift(l);
            if (l == 3 || !(r & PTE_LARGE) != (l == 0) || !IS_ALIGNED(PTE_PADDR(r), bits) ||
                !in_phys(PTE_PADDR(r), bits))
                FAIL("valid_vspace_objs", "VSpace 0x%lx, vaddr 0x%lx: level-%u entry 0x%lx is not "
                     "a 2^%u-byte frame in memory: it overlaps its neighbours' mappings",
                     (unsigned long)vs, (unsigned long)va, l, (unsigned long)r, bits);
            continue;
        }
        paddr_t sub = PTE_PADDR(r);
        if (l == 0 || !(r & PTE_TABLE) || (r & (PTE_R | PTE_W)) || !in_phys(sub, MICA_PAGE_TABLE_BITS))
            FAIL("valid_vspace_objs", "VSpace 0x%lx, vaddr 0x%lx: level-%u entry 0x%lx is neither "
                 "a frame nor a table", (unsigned long)vs, (unsigned long)va, l, (unsigned long)r);
        uint32_t type = table_type_at(l);
        if (!has_record(e, n, vs, va, type, sub, lvl_shift(l))) {
            const ent_t *other = table_record(e, n, sub, type);
            if (other)
                FAIL("unique_table_refs", "%s 0x%lx hangs under VSpace 0x%lx vaddr 0x%lx, but its "
                     "caps map it at VSpace 0x%lx vaddr 0x%lx", mica_cap_type_name(type),
                     (unsigned long)sub, (unsigned long)vs, (unsigned long)va,
                     (unsigned long)key_vspace(other->base), (unsigned long)key_vaddr(other->base));
            FAIL("valid_vs_lookup", "%s 0x%lx hangs under VSpace 0x%lx vaddr 0x%lx, but no cap "
                 "records that mapping", mica_cap_type_name(type), (unsigned long)sub,
                 (unsigned long)vs, (unsigned long)va);
        }
        if (!vspace_table(vs, sub, l - 1, va, e, n))
            return false;
    }
    return true;
}

/* Check one frame entry against the caps (valid_vs_lookup) and the host (valid_host_window). */
static bool check_frame_entry(paddr_t vs, word_t va, pte_t f, word_t bits, const ent_t *e,
                              word_t n, bool host)
{
    paddr_t p = PTE_PADDR(f);
    if (!host) {
        if (!has_record(e, n, vs, va, MICA_CAP_TYPE_FRAME, p, bits))
            FAIL("valid_vs_lookup", "VSpace 0x%lx maps frame 0x%lx at vaddr 0x%lx, but no frame "
                 "cap records that mapping", (unsigned long)vs, (unsigned long)p, (unsigned long)va);
        return true;
    }
    hw_window_entry_t w;
    unsigned rights = (unsigned)(f & (PTE_R | PTE_W));
    if (hw_window_probe(vs, va, &w) != 0 || w.size_bits == 0)
        FAIL("valid_host_window", "VSpace 0x%lx vaddr 0x%lx: the kernel maps frame 0x%lx/2^%lu, "
             "the host window maps nothing there", (unsigned long)vs, (unsigned long)va,
             (unsigned long)p, (unsigned long)bits);
    if (w.size_bits != bits || w.paddr != p || w.rights != rights)
        FAIL("valid_host_window", "VSpace 0x%lx vaddr 0x%lx: the kernel maps frame 0x%lx/2^%lu "
             "with rights %u, the host window 0x%lx/2^%u with rights %u", (unsigned long)vs,
             (unsigned long)va, (unsigned long)p, (unsigned long)bits, rights,
             (unsigned long)w.paddr, w.size_bits, w.rights);
    return true;
}

/* Every frame entry under table t (entries of level l); counts them in *frames. */
static bool table_frames(paddr_t vs, paddr_t t, unsigned l, word_t base, const ent_t *e, word_t n,
                         bool host, word_t *frames)
{
    const pte_t *tab = (const pte_t *)paddr_to_ptr(t);
    for (word_t i = 0; i < 512; i++) {
        pte_t r = tab[i];
        word_t va = base + (i << lvl_shift(l));
        if (r & PTE_FRAME) {
            ++*frames;
            if (!check_frame_entry(vs, va, r, lvl_shift(l), e, n, host))
                return false;
        } else if ((r & PTE_TABLE) && l > 0 &&
                   !table_frames(vs, PTE_PADDR(r), l - 1, va, e, n, host, frames)) {
            return false;
        }
    }
    return true;
}

/* Every frame of VSpace vs; host: compare with the window, else with the caps. */
static bool vspace_frames(paddr_t vs, const ent_t *e, word_t n, bool host)
{
    word_t frames = 0;
    if (!table_frames(vs, vs, 3, 0, e, n, host, &frames))
        return false;
    hw_window_entry_t w;
    if (host && hw_window_probe(vs, 0, &w) == 0 && w.mappings != frames)
        FAIL("valid_host_window", "the host window of VSpace 0x%lx holds %lu mappings, its page "
             "tables %lu", (unsigned long)vs, (unsigned long)w.mappings, (unsigned long)frames);
    return true;
}

/*
 * unique_table_refs across caps: every live cap to one paging structure
 * carries the same mapping record (copies of a mapped table's cap agree;
 * seL4 lets only the final cap unmap it). A record need not reach its table
 * any more: unmapping a level above leaves the records below it stale, as
 * on seL4. The records are re-sorted by object here.
 */
static bool tables_agree(ent_t *e, word_t n)
{
    word_t m = 0;
    for (word_t i = 0; i < n; i++)
        if (is_table_type((mica_cap_type_t)e[i].type))
            e[m++] = (ent_t){ (paddr_t)e[i].idx << 12, e[i].base, 0, 0, e[i].type, 0 };
    heap_sort(e, m);
    for (word_t i = 1; i < m; i++)
        if (e[i].base == e[i - 1].base && e[i].bits != e[i - 1].bits)
            FAIL("unique_table_refs", "the caps to %s 0x%lx disagree where it is mapped: VSpace "
                 "0x%lx vaddr 0x%lx and VSpace 0x%lx vaddr 0x%lx",
                 mica_cap_type_name((mica_cap_type_t)e[i].type), (unsigned long)e[i].base,
                 (unsigned long)key_vspace(e[i].bits), (unsigned long)key_vaddr(e[i].bits),
                 (unsigned long)key_vspace(e[i - 1].bits), (unsigned long)key_vaddr(e[i - 1].bits));
    return true;
}

bool inv_valid_vspaces(void)
{
    ent_t *e = (ent_t *)ks.scratch;
    word_t n = 0;
    if (!e)
        return true;
    for (paddr_t p = mdb_next(cte_at(ks.mdb_head)); p; p = mdb_next(cte_at(p))) {
        cap_t c = cte_at(p)->cap;
        if ((cap_type(c) != MICA_CAP_TYPE_FRAME && !is_table_type(cap_type(c))) || !record_live(c))
            continue;
        if (n >= ks.scratch_entries)
            return true;
        e[n++] = (ent_t){ map_key(cap_mapped_vspace(c), cap_mapped_vaddr(c)),
                          cap_type(c) == MICA_CAP_TYPE_FRAME ? cap_frame_size_bits(c)
                                                             : table_cover_bits(cap_type(c)),
                          (uint32_t)(cap_obj(c) >> 12), 0, cap_type(c), 0 };
    }
    heap_sort(e, n);

    /* The live VSpaces, each through the first cap of its run on the CDT list. */
    for (int pass = 0; pass < 3; pass++) {
        for (paddr_t p = mdb_next(cte_at(ks.mdb_head)); p; p = mdb_next(cte_at(p))) {
            cte_t *s = cte_at(p);
            if (cap_type(s->cap) != MICA_CAP_TYPE_VSPACE || !first_cap_of_object(s))
                continue;
            paddr_t vs = cap_obj(s->cap);
            if (hw_vspace_generation(vs) == 0)
                continue;       /* no window was ever made: nothing in it is visible */
            bool ok = pass == 0 ? vspace_table(vs, vs, 3, 0, e, n)
                                : vspace_frames(vs, e, n, pass == 2);
            if (!ok)
                return false;
        }
    }
    return tables_agree(e, n);
}

static bool (*const all_invariants[])(void) = {
    inv_valid_mdb_list, inv_valid_caps, inv_valid_nullcaps, inv_mdb_marks,
    inv_untyped_and_pspace, inv_valid_untyped, inv_valid_queues, inv_valid_objs, inv_cur_and_idle,
    inv_valid_irqs, inv_valid_vspaces,
};

/* Run every invariant; false (and the system stopped) at the first broken one. */
bool kernel_check_invariants(void)
{
    for (word_t i = 0; i < ARRAY_SIZE(all_invariants); i++)
        if (!all_invariants[i]())
            return false;
    return true;
}
