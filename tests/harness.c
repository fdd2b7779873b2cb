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

static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    current_bi = bi;
    next_slot = bi->empty.start;
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
