/*
 * harness.c - the booted-kernel fixture behind mt_run().
 */
#include "harness.h"

static mt_root_fn current_fn;
static const mica_bootinfo_t *current_bi;
static mica_cptr_t next_slot;

void mt_config(mica_config_t *cfg)
{
    mica_config_init(cfg);
    cfg->phys_mem_bytes = 16ul << 20;
    cfg->check = MICA_CHECK_EACH_ENTRY;
    cfg->quiet = 1;
    cfg->max_threads = 256;
    if (getenv("MICA_TEST_LOG"))
        cfg->log_path = "-";
}

/* mt_spawn_named's next IPC buffer vaddr: from the same place each run (the log shows it). */
static mica_word_t next_vaddr;

static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    current_bi = bi;
    next_slot = bi->empty.start;
    next_vaddr = MICA_ROOT_FREE_VADDR;
    current_fn(bi);
}

mica_run_result_t mt_run_cfg(const mica_config_t *cfg, mt_root_fn fn)
{
    mica_run_result_t res;
    current_fn = fn;
    int rc = mica_run(cfg, root, NULL, &res);
    ck_assert_int_eq(rc, 0);
    return res;
}

mica_run_result_t mt_run(mt_root_fn fn)
{
    mica_config_t cfg;
    mt_config(&cfg);
    mica_run_result_t res = mt_run_cfg(&cfg, fn);
    ck_assert_msg(res.reason == MICA_STOP_IDLE, "run stopped with %s: %s",
                  mica_stop_reason_name(res.reason), res.message);
    return res;
}

const mica_bootinfo_t *mt_bi(void)
{
    return current_bi;
}

mica_cptr_t mt_slot(void)
{
    ck_assert_uint_lt(next_slot, current_bi->empty.end);
    return next_slot++;
}

mica_cptr_t mt_untyped(void)
{
    const mica_bootinfo_t *bi = current_bi;
    mica_cptr_t best = 0;
    unsigned best_bits = 0;
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const mica_untyped_desc_t *u = &bi->untyped_list[i];
        if (!u->is_device && u->size_bits > best_bits) {
            best_bits = u->size_bits;
            best = bi->untyped.start + i;
        }
    }
    ck_assert_uint_ne(best, 0);
    return best;
}

mica_cptr_t mt_untyped_at_least(unsigned bits)
{
    const mica_bootinfo_t *bi = current_bi;
    mica_cptr_t best = 0;
    unsigned best_bits = 99;
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const mica_untyped_desc_t *u = &bi->untyped_list[i];
        if (!u->is_device && u->size_bits >= bits && u->size_bits < best_bits) {
            best_bits = u->size_bits;
            best = bi->untyped.start + i;
        }
    }
    ck_assert_uint_ne(best, 0);
    return best;
}

mica_cptr_t mt_make(mica_word_t type, mica_word_t size_bits)
{
    mica_cptr_t slot = mt_slot();
    mt_assert_err(mica_untyped_retype(mt_untyped(), type, size_bits, CNODE, 0, 0, slot, 1),
                  MICA_NO_ERROR);
    return slot;
}

/*
 * The digest inspects kernel memory from the root task; it is the test's
 * eye, not task code under test. Without block hooks, hashing 16 MiB costs
 * no hook calls and no clock ticks (each an invariant check) between the
 * two digests around an invocation.
 */
static MT_NO_BLOCK_HOOKS uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

MT_NO_BLOCK_HOOKS uint64_t mt_kernel_digest(void)
{
    uint64_t h = 0xcbf29ce484222325ull;
    /* Root CNode: find its object through the root TCB's CSpace slot. */
    cte_t *root_tcb_slots = (cte_t *)(hw_phys_base + ks.root_tcb);
    cap_t croot = root_tcb_slots[0].cap;
    paddr_t cnode = (paddr_t)croot.obj << 4;
    h = fnv(h, hw_phys_base + cnode, (size_t)32 << croot.f1);
    /* The root TCB's internal CNode (caps, not registers). */
    h = fnv(h, root_tcb_slots, 5 * sizeof(cte_t));
    /* Everything carved from untyped. */
    h = fnv(h, hw_phys_base + ks.boot_region_end, hw_phys_size - ks.boot_region_end);
    /* Scheduler, CDT sentinel. */
    h = fnv(h, &ks.cpu[0], sizeof ks.cpu[0]);
    h = fnv(h, &ks.rq[0], sizeof ks.rq[0]);
    h = fnv(h, hw_phys_base + ks.mdb_head, sizeof(cte_t));
    /* The IRQ node and which IRQs have handlers. */
    h = fnv(h, hw_phys_base + ks.irq_node, IRQ_NODE_SLOTS * sizeof(cte_t));
    h = fnv(h, ks.irq_issued, sizeof ks.irq_issued);
    return h;
}

static void spawn_entry(mica_word_t fn, mica_word_t arg, mica_word_t r2, mica_word_t r3)
{
    (void)r2; (void)r3;
    ((mt_entry_fn)fn)(arg);
}

mica_cptr_t mt_spawn_named(const char *name, mt_entry_fn entry, mica_word_t arg, mica_word_t prio)
{
    mica_cptr_t tcb = mt_make(MICA_TCB_OBJECT, 0);
    mica_cptr_t buf = mt_make(MICA_FRAME_OBJECT, 0);
    /* The IPC buffer vaddr only fixes the offset in the frame; use a free region. */
    mica_word_t vaddr = next_vaddr;
    next_vaddr += 4096;
    mt_assert_err(mica_tcb_configure(tcb, 0, CNODE, 0, MICA_CAP_INIT_VSPACE, 0, vaddr, buf),
                  MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(tcb, MICA_CAP_INIT_TCB, prio), MICA_NO_ERROR);
    if (name)
        mica_debug_name_thread(tcb, name);
    mica_user_context_t regs = { 0 };
    regs.pc = (mica_word_t)spawn_entry;
    regs.sp = 0;
    regs.r0 = (mica_word_t)entry;
    regs.r1 = arg;
    mt_assert_err(mica_tcb_write_registers(tcb, true, 0, 4, &regs), MICA_NO_ERROR);
    return tcb;
}

mica_cptr_t mt_spawn(mt_entry_fn entry, mica_word_t arg, mica_word_t prio)
{
    return mt_spawn_named(NULL, entry, arg, prio);
}

TCase *mt_tcase(Suite *s, const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return tc;
}

static mica_word_t mt_thread_state_unlocked(mica_cptr_t tcb);

/* The simulator's big kernel lock (sim/cpu.c): task code reading kernel state takes it. */
void sim_kernel_lock_smp(void);
void sim_kernel_unlock_smp(void);
extern int sim_smp;
#include <signal.h>
extern __thread volatile sig_atomic_t sim_in_kernel __attribute__((tls_model("initial-exec")));

mica_word_t mt_thread_state(mica_cptr_t tcb)
{
    sim_in_kernel = 1;      /* no preemption while this thread holds the lock */
    if (sim_smp)
        sim_kernel_lock_smp();
    mica_word_t st = mt_thread_state_unlocked(tcb);
    if (sim_smp)
        sim_kernel_unlock_smp();
    sim_in_kernel = 0;
    return st;
}

static mica_word_t mt_thread_state_unlocked(mica_cptr_t tcb)
{
    cte_t *root_tcb_slots = (cte_t *)(hw_phys_base + ks.root_tcb);
    cap_t croot = root_tcb_slots[0].cap;
    cte_t *slots = (cte_t *)(hw_phys_base + ((paddr_t)croot.obj << 4));
    cap_t c = slots[tcb].cap;
    ck_assert_int_eq(c.type, MICA_CAP_TYPE_TCB);
    tcb_t *t = (tcb_t *)(hw_phys_base + ((paddr_t)c.obj << 4) + TCB_OFFSET);
    return t->state.type;
}
