/*
 * test_device.c - the machine's devices and IRQ delivery, through a custom
 * device model (mica_config_t.extra_devices).
 *
 * The model "script" drives its line through a list of steps {at ns,
 * level} from its event callback, so each test lays out exactly when the
 * line rises and falls in virtual time, and a root task checks what the
 * kernel made of it: seL4's handleInterrupt (a raised line signals the
 * handler's notification with the cap's badge and stays masked until Ack),
 * raises remembered while masked or while no notification is set, level
 * lines that fire again after Ack, idle jumps to the next event, and the
 * end of the run only when no device event is pending.
 *
 * Its registers (8 bytes each): 0x00 ID (RO), 0x08 SCRATCH (RW), 0x10
 * EVENTS (RO, events run so far), 0x18 LINE (W: drive the line at once).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"
#include "../sim/dev/device.h"

void sim_task_kernel_call(void (*fn)(hw_word_t k[8]), hw_word_t k[8]);

#define LINE   9
#define BADGE  0x40
#define MODEL_ID 0x5343524950540001ull

typedef struct step { uint64_t at; int level; } step_t;

typedef struct script {
    const step_t *steps;
    unsigned n, next;
    uint64_t scratch;
    unsigned events;
    int starts, stops;
    int fail_start;             /* start returns this */
    mica_device_t *dev;
} script_t;

static script_t sc;

static int sc_start(mica_device_t *dev, void *ctx)
{
    script_t *s = ctx;
    s->dev = dev;
    s->starts++;
    s->next = 0;
    s->events = 0;
    if (s->fail_start)
        return s->fail_start;
    if (s->n)
        mica_device_schedule(dev, s->steps[0].at);
    return 0;
}

static void sc_event(mica_device_t *dev, void *ctx)
{
    script_t *s = ctx;
    s->events++;
    const step_t *st = &s->steps[s->next++];
    mica_device_trace(dev, "step %u: line %s", s->next - 1, st->level ? "up" : "down");
    mica_device_set_irq(dev, st->level);
    if (s->next < s->n)
        mica_device_schedule(dev, s->steps[s->next].at);
}

static void sc_stop(mica_device_t *dev, void *ctx)
{
    (void)dev;
    ((script_t *)ctx)->stops++;
}

static uint64_t sc_read(mica_device_t *dev, void *ctx, mica_word_t off, unsigned size)
{
    (void)dev; (void)size;
    script_t *s = ctx;
    switch (off) {
    case 0x00: return MODEL_ID;
    case 0x08: return s->scratch;
    case 0x10: return s->events;
    default:   return 0;
    }
}

static void sc_write(mica_device_t *dev, void *ctx, mica_word_t off, unsigned size, uint64_t v)
{
    (void)size;
    script_t *s = ctx;
    if (off == 0x08)
        s->scratch = v;
    else if (off == 0x18)
        mica_device_set_irq(dev, v != 0);
}

static mica_device_model_t model(void)
{
    return (mica_device_model_t){ .name = "script", .irq = LINE, .ctx = &sc, .read = sc_read,
                                  .write = sc_write, .event = sc_event, .start = sc_start,
                                  .stop = sc_stop };
}

static mica_device_model_t extra[1];

static void config(mica_config_t *cfg, const step_t *steps, unsigned n)
{
    mt_config(cfg);
    memset(&sc, 0, sizeof sc);
    sc.steps = steps;
    sc.n = n;
    extra[0] = model();
    cfg->extra_devices = extra;
    cfg->num_extra_devices = 1;
}

static int done;

static void root_returns(const mica_bootinfo_t *bi)
{
    (void)bi;
    done = 1;
}

static void root_returns_arg(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    root_returns(bi);
}


/* --- kernel-context helpers (sim_task_kernel_call) ---------------------------- */

static void k_now(hw_word_t k[8]) { k[0] = sim_now_ns(); }

static uint64_t now_ns(void)
{
    hw_word_t k[8] = { 0 };
    sim_task_kernel_call(k_now, k);
    return k[0];
}

/* Let virtual time pass to at least t by entering the kernel (each entry is tick_ns). */
static void sleep_until(uint64_t t)
{
    while (now_ns() < t)
        mica_yield();
}

static void k_mmio(hw_word_t k[8])
{
    uint64_t v = k[3];
    k[0] = (hw_word_t)sim_mmio_access(k[1], (unsigned)k[2], k[4] != 0, &v);
    k[3] = v;
}

static int mmio(hw_word_t paddr, unsigned size, int write, uint64_t *v)
{
    hw_word_t k[8] = { 0, paddr, size, *v, (hw_word_t)write };
    sim_task_kernel_call(k_mmio, k);
    *v = k[3];
    return (int)k[0];
}

static void k_dma(hw_word_t k[8])
{
    unsigned char buf[16];
    memset(buf, 0xa5, sizeof buf);
    if (k[2])
        k[0] = (hw_word_t)mica_device_dma_write(sc.dev, k[1], buf, k[3]);
    else
        k[0] = (hw_word_t)mica_device_dma_read(sc.dev, k[1], buf, k[3]);
}

static int dma(hw_word_t paddr, int write, size_t n)
{
    hw_word_t k[8] = { 0, paddr, (hw_word_t)write, n };
    sim_task_kernel_call(k_dma, k);
    return (int)k[0];
}

/* --- root-task helpers ----------------------------------------------------------- */

static const mica_device_desc_t *find_device(const mica_bootinfo_t *bi, const char *name)
{
    for (mica_word_t i = 0; i < bi->num_devices; i++)
        if (strcmp(bi->devices[i].name, name) == 0)
            return &bi->devices[i];
    return NULL;
}

static mica_cptr_t handler(void)
{
    mica_cptr_t h = mt_slot();
    mt_assert_err(mica_irq_control_get(MICA_CAP_IRQ_CONTROL, LINE, CNODE, h, DEPTH), MICA_NO_ERROR);
    return h;
}

/* A notification and a copy of its cap with BADGE. */
static mica_cptr_t badged_ntfn(mica_cptr_t *badged)
{
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    *badged = mt_slot();
    mt_assert_err(mica_cnode_mint(CNODE, *badged, DEPTH, CNODE, n, DEPTH, mica_cap_rights_new(1, 1, 1, 1),
                                  BADGE), MICA_NO_ERROR);
    return n;
}

static mica_word_t poll_badge(mica_cptr_t n)
{
    mica_word_t b = 0;
    mica_poll(n, &b);
    return b;
}

/* --- the device table, the register page, DMA ------------------------------------ */

static void root_table(const mica_bootinfo_t *bi)
{
    const mica_device_desc_t *d = find_device(bi, "script");
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(d->irq, LINE);
    ck_assert_uint_eq(d->size_bits, 12);
    /* It is the last device, its page the (num_devices)th of the device region above RAM. */
    ck_assert_ptr_eq(d, &bi->devices[bi->num_devices - 1]);
    ck_assert_uint_eq(d->paddr, (16ul << 20) + (bi->num_devices - 1) * 4096);
    /* A device untyped of its own covers the page. */
    int found = 0;
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const mica_untyped_desc_t *u = &bi->untyped_list[i];
        if (u->paddr == d->paddr) {
            ck_assert_uint_eq(u->is_device, 1);
            ck_assert_uint_eq(u->size_bits, 12);
            found = 1;
        }
    }
    ck_assert(found);
    ck_assert_int_eq(sc.starts, 1);

    /* Register accesses reach the model at once, in kernel context. */
    uint64_t v = 0;
    ck_assert_int_eq(mmio(d->paddr, 8, 0, &v), 0);
    ck_assert_uint_eq(v, MODEL_ID);
    v = 0x1122334455667788ull;
    ck_assert_int_eq(mmio(d->paddr + 8, 8, 1, &v), 0);
    v = 0;
    ck_assert_int_eq(mmio(d->paddr + 8, 4, 0, &v), 0);
    ck_assert_uint_eq(v, 0x55667788u);          /* only the low size bytes */
    v = 0xabcd;
    ck_assert_int_eq(mmio(d->paddr + 8, 1, 1, &v), 0);
    ck_assert_uint_eq(sc.scratch, 0xcd);
    /* No device there, or a size no instruction has. */
    ck_assert_int_eq(mmio(d->paddr + 4096 * 8, 8, 0, &v), -1);
    ck_assert_int_eq(mmio(0x1000, 8, 0, &v), -1);
    ck_assert_int_eq(mmio(d->paddr, 3, 0, &v), -1);

    /*
     * DMA: frames in RAM only, bounds checked, nothing copied on a refusal.
     * A frame and a TCB from the same fresh untyped: the frame is reachable,
     * the TCB (a kernel object) and memory not yet retyped are not.
     */
    mica_cptr_t ut = 0, slot = bi->empty.start;
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start && !ut; i++)
        if (!bi->untyped_list[i].is_device && bi->untyped_list[i].size_bits >= 16)
            ut = bi->untyped.start + i;
    ck_assert_uint_ne(ut, 0);
    hw_word_t base = bi->untyped_list[ut - bi->untyped.start].paddr;
    ck_assert_int_eq(mica_untyped_retype(ut, MICA_TCB_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0, slot, 1),
                     MICA_NO_ERROR);
    ck_assert_int_eq(mica_untyped_retype(ut, MICA_FRAME_OBJECT, 0, MICA_CAP_INIT_CNODE, 0, 0,
                                         slot + 1, 1), MICA_NO_ERROR);
    mica_page_get_address_t fa = mica_page_get_address(slot + 1);
    ck_assert_uint_eq(fa.paddr, base + 4096);
    ck_assert_int_eq(dma(fa.paddr, 1, 16), 0);
    ck_assert_int_eq(dma(fa.paddr + 4096 - 16, 0, 16), 0);
    ck_assert_int_eq(dma(fa.paddr + 4096 - 8, 0, 16), -1);  /* runs past the frame */
    ck_assert_int_eq(dma(base, 1, 16), -1);                 /* the TCB */
    ck_assert_int_eq(dma(base + 8192, 1, 16), -1);          /* not retyped yet */
    ck_assert_int_eq(dma(0x1000, 0, 16), -1);               /* boot's own objects */
    ck_assert_int_eq(dma((16ul << 20) - 8, 1, 16), -1);     /* runs past the end of RAM */
    ck_assert_int_eq(dma(d->paddr, 0, 8), -1);              /* device memory */
    ck_assert_int_eq(dma(~0ul - 4, 0, 16), -1);             /* wraps */
    done = 1;
}

START_TEST(the_device_table_lists_a_custom_device_with_its_page_and_untyped)
{
    mica_config_t cfg;
    config(&cfg, NULL, 0);
    done = 0;
    mica_run_result_t r = mt_run_cfg(&cfg, root_table);
    ck_assert(done);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    ck_assert_int_eq(sc.stops, 1);
}
END_TEST

/* --- IRQ delivery --------------------------------------------------------------- */

/* Up at 1 ms, down, up again (while masked), down: 10 us apart (a kernel entry is 1 us). */
static const step_t twice[] = {
    { 1000000, 1 }, { 1010000, 0 }, { 1020000, 1 }, { 1030000, 0 },
};

static void root_masked(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t h = handler(), b, n = badged_ntfn(&b);
    mt_assert_err(mica_irq_handler_set_notification(h, b), MICA_NO_ERROR);
    mica_word_t badge = 0;
    mica_wait(n, &badge);                       /* the system idles: time jumps to 1 ms */
    ck_assert_uint_eq(badge, BADGE);
    uint64_t t = now_ns();
    ck_assert_uint_ge(t, 1000000);
    ck_assert_uint_lt(t, 1010000);
    sleep_until(1040000);                       /* the second raise came and went, masked */
    ck_assert_uint_eq(ks.count.irq_raised[LINE], 2);
    ck_assert_uint_eq(ks.count.irq_delivered[LINE], 1);
    ck_assert_uint_eq(ks.irq_pending[LINE], 1);
    ck_assert_uint_eq(poll_badge(n), 0);        /* not delivered while masked */
    mt_assert_err(mica_irq_handler_ack(h), MICA_NO_ERROR);
    ck_assert_uint_eq(poll_badge(n), BADGE);    /* delivered once, at the Ack */
    mt_assert_err(mica_irq_handler_ack(h), MICA_NO_ERROR);
    ck_assert_uint_eq(poll_badge(n), 0);        /* and only once */
    ck_assert_uint_eq(ks.count.irq_delivered[LINE], 2);
    done = 1;
}

START_TEST(an_irq_stays_masked_until_ack_and_a_second_raise_is_delivered_once_after_it)
{
    mica_config_t cfg;
    config(&cfg, twice, 4);
    done = 0;
    mica_run_result_t r = mt_run_cfg(&cfg, root_masked);
    ck_assert(done);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    ck_assert_uint_eq(r.irq[LINE].raised, 2);
    ck_assert_uint_eq(r.irq[LINE].delivered, 2);
    ck_assert_uint_eq(r.irq[LINE].acked, 2);
    ck_assert_uint_eq(sc.events, 4);
}
END_TEST

static const step_t pulse[] = { { 1000000, 1 }, { 1010000, 0 } };

static void root_held(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t h = handler(), b, n = badged_ntfn(&b);
    sleep_until(1020000);                       /* raised and lowered with no notification set */
    ck_assert_uint_eq(ks.count.irq_raised[LINE], 1);
    ck_assert_uint_eq(ks.count.irq_delivered[LINE], 0);
    ck_assert_uint_eq(ks.irq_pending[LINE], 1);
    mt_assert_err(mica_irq_handler_set_notification(h, b), MICA_NO_ERROR);
    ck_assert_uint_eq(poll_badge(n), BADGE);    /* delivered by SetNotification */
    ck_assert_uint_eq(ks.irq_masked[LINE], 1);
    mt_assert_err(mica_irq_handler_ack(h), MICA_NO_ERROR);
    ck_assert_uint_eq(poll_badge(n), 0);
    done = 1;
}

START_TEST(an_irq_raised_without_a_notification_is_held_until_one_is_set)
{
    mica_config_t cfg;
    config(&cfg, pulse, 2);
    done = 0;
    mt_run_cfg(&cfg, root_held);
    ck_assert(done);
}
END_TEST

static void root_no_handler(const mica_bootinfo_t *bi)
{
    (void)bi;
    sleep_until(1020000);                       /* raised before any handler cap exists */
    ck_assert_uint_eq(ks.irq_pending[LINE], 1);
    mica_cptr_t h = handler(), b, n = badged_ntfn(&b);
    ck_assert_uint_eq(poll_badge(n), 0);
    mt_assert_err(mica_irq_handler_set_notification(h, b), MICA_NO_ERROR);
    ck_assert_uint_eq(poll_badge(n), BADGE);
    done = 1;
}

START_TEST(an_irq_raised_before_its_handler_exists_is_delivered_once_a_notification_is_set)
{
    mica_config_t cfg;
    config(&cfg, pulse, 2);
    done = 0;
    mt_run_cfg(&cfg, root_no_handler);
    ck_assert(done);
}
END_TEST

/* Up at 1 ms and held there until 2 ms. */
static const step_t level[] = { { 1000000, 1 }, { 2000000, 0 } };

static void root_level(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t h = handler(), b, n = badged_ntfn(&b);
    mt_assert_err(mica_irq_handler_set_notification(h, b), MICA_NO_ERROR);
    mica_word_t badge = 0;
    mica_wait(n, &badge);
    ck_assert_uint_eq(badge, BADGE);
    mt_assert_err(mica_irq_handler_ack(h), MICA_NO_ERROR);     /* still asserted: fires again */
    ck_assert_uint_eq(poll_badge(n), BADGE);
    ck_assert_uint_eq(ks.count.irq_raised[LINE], 1);
    ck_assert_uint_eq(ks.count.irq_delivered[LINE], 2);
    sleep_until(2000100);                       /* the device lowered it */
    mt_assert_err(mica_irq_handler_ack(h), MICA_NO_ERROR);
    ck_assert_uint_eq(poll_badge(n), 0);
    ck_assert_uint_eq(ks.count.irq_delivered[LINE], 2);
    done = 1;
}

START_TEST(a_level_irq_still_asserted_after_ack_fires_again)
{
    mica_config_t cfg;
    config(&cfg, level, 2);
    done = 0;
    mt_run_cfg(&cfg, root_level);
    ck_assert(done);
}
END_TEST

/* A level still asserted when its handler goes reaches the next handler. */
static void root_new_handler(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t h = handler(), b, n = badged_ntfn(&b);
    mt_assert_err(mica_irq_handler_set_notification(h, b), MICA_NO_ERROR);
    mica_word_t badge = 0;
    mica_wait(n, &badge);
    ck_assert_uint_eq(badge, BADGE);
    mt_assert_err(mica_cnode_delete(CNODE, h, DEPTH), MICA_NO_ERROR);  /* masked, unacked */
    ck_assert_uint_eq(ks.irq_masked[LINE], 0);
    ck_assert_uint_eq(ks.irq_asserted[LINE], 1);
    mica_cptr_t h2 = handler();
    ck_assert_uint_eq(poll_badge(n), 0);
    mt_assert_err(mica_irq_handler_set_notification(h2, b), MICA_NO_ERROR);
    ck_assert_uint_eq(poll_badge(n), BADGE);
    ck_assert_uint_eq(ks.count.irq_raised[LINE], 1);
    ck_assert_uint_eq(ks.count.irq_delivered[LINE], 2);
    done = 1;
}

START_TEST(a_level_irq_still_asserted_reaches_the_next_handler)
{
    mica_config_t cfg;
    config(&cfg, level, 2);
    done = 0;
    mt_run_cfg(&cfg, root_new_handler);
    ck_assert(done);
}
END_TEST

/* A driver thread waits; a register write raises the line at once. */
static mica_cptr_t drv_ntfn, drv_handler;
static volatile int drv_got;

static void driver(mica_word_t arg)
{
    (void)arg;
    for (int i = 0; i < 2; i++) {
        mica_word_t badge = 0;
        mica_wait(drv_ntfn, &badge);
        ck_assert_uint_eq(badge, BADGE);
        drv_got++;
        mt_assert_err(mica_irq_handler_ack(drv_handler), MICA_NO_ERROR);
    }
}

static void root_driver(const mica_bootinfo_t *bi)
{
    const mica_device_desc_t *d = find_device(bi, "script");
    mica_cptr_t b;
    drv_handler = handler();
    drv_ntfn = badged_ntfn(&b);
    mt_assert_err(mica_irq_handler_set_notification(drv_handler, b), MICA_NO_ERROR);
    drv_got = 0;
    mt_spawn_named("driver", driver, 0, MICA_MAX_PRIO);   /* runs at once and waits */
    for (int i = 1; i <= 2; i++) {
        uint64_t v = 1;
        ck_assert_int_eq(mmio(d->paddr + 0x18, 8, 1, &v), 0);  /* raise */
        v = 0;
        ck_assert_int_eq(mmio(d->paddr + 0x18, 8, 1, &v), 0);  /* and lower (else Ack re-fires) */
        mica_yield();           /* the next entry runs the woken driver */
        ck_assert_int_eq(drv_got, i);
    }
    done = 1;
}

START_TEST(a_driver_thread_waiting_on_the_irq_notification_runs_when_the_line_rises)
{
    mica_config_t cfg;
    config(&cfg, NULL, 0);
    done = 0;
    mt_run_cfg(&cfg, root_driver);
    ck_assert(done);
    ck_assert_int_eq(drv_got, 2);
}
END_TEST

/* --- time ---------------------------------------------------------------------- */

static const step_t ten_s[] = { { 10000000000ull, 1 } };

static void root_ten_s(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t h = handler(), b, n = badged_ntfn(&b);
    mt_assert_err(mica_irq_handler_set_notification(h, b), MICA_NO_ERROR);
    mica_word_t badge = 0;
    mica_wait(n, &badge);
    ck_assert_uint_eq(badge, BADGE);
    ck_assert_uint_eq(now_ns(), 10000000000ull);    /* the jump lands on the event */
    done = 1;
}

START_TEST(a_ten_second_wait_takes_no_host_time_and_virtual_time_is_ten_seconds)
{
    mica_config_t cfg;
    config(&cfg, ten_s, 1);
    done = 0;
    struct timespec a, z;
    clock_gettime(CLOCK_MONOTONIC, &a);
    mica_run_result_t r = mt_run_cfg(&cfg, root_ten_s);
    clock_gettime(CLOCK_MONOTONIC, &z);
    ck_assert(done);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    ck_assert_uint_ge(r.time_ns, 10000000000ull);
    ck_assert_uint_lt(r.time_ns, 10001000000ull);
    double secs = (double)(z.tv_sec - a.tv_sec) + (z.tv_nsec - a.tv_nsec) / 1e9;
    ck_assert_msg(secs < 5.0, "the run took %.2f s of host time", secs);
}
END_TEST

START_TEST(the_time_jump_works_with_several_cpus)
{
    mica_config_t cfg;
    config(&cfg, ten_s, 1);
    cfg.cpus = 2;
    done = 0;
    mica_run_result_t r = mt_run_cfg(&cfg, root_ten_s);
    ck_assert(done);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    ck_assert_uint_ge(r.time_ns, 10000000000ull);
}
END_TEST

/* Under the real clock the idle system waits in the host for the event. */
static const step_t fifty_ms[] = { { 50000000, 1 } };

static void root_real(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t h = handler(), b, n = badged_ntfn(&b);
    mt_assert_err(mica_irq_handler_set_notification(h, b), MICA_NO_ERROR);
    mica_word_t badge = 0;
    mica_wait(n, &badge);
    ck_assert_uint_eq(badge, BADGE);
    ck_assert_uint_ge(now_ns(), 50000000);
    done = 1;
}

START_TEST(under_the_real_clock_an_idle_system_waits_in_the_host_for_the_event)
{
    mica_config_t cfg;
    config(&cfg, fifty_ms, 1);
    cfg.clock = MICA_CLOCK_REAL;
    done = 0;
    struct timespec a, z;
    clock_gettime(CLOCK_MONOTONIC, &a);
    mica_run_result_t r = mt_run_cfg(&cfg, root_real);
    clock_gettime(CLOCK_MONOTONIC, &z);
    ck_assert(done);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    double secs = (double)(z.tv_sec - a.tv_sec) + (z.tv_nsec - a.tv_nsec) / 1e9;
    ck_assert_msg(secs >= 0.05, "the run took only %.3f s of host time", secs);
    ck_assert_uint_ge(r.time_ns, 50000000);
}
END_TEST

/* A device that wants an event every millisecond forever: the time limit still ends the run. */
static int tick_start(mica_device_t *d, void *ctx)
{
    (void)ctx;
    mica_device_schedule(d, 1000000);
    return 0;
}

static void tick_event(mica_device_t *d, void *ctx)
{
    (void)ctx;
    mica_device_schedule(d, mica_device_now(d) + 1000000);
}

START_TEST(a_device_with_events_forever_still_stops_at_the_time_limit)
{
    mica_config_t cfg;
    config(&cfg, NULL, 0);
    extra[0].start = tick_start;
    extra[0].event = tick_event;
    cfg.time_limit_ticks = 1000;
    mica_run_result_t r = mt_run_cfg(&cfg, root_returns);
    ck_assert_int_eq(r.reason, MICA_STOP_TIME_LIMIT);
    ck_assert_uint_ge(r.time_ns, 900000000ull);     /* most ticks were idle jumps of 1 ms */
}
END_TEST

static const step_t late[] = { { 5000000000ull, 0 } };

START_TEST(the_system_is_idle_only_when_no_device_event_is_pending)
{
    mica_config_t cfg;
    config(&cfg, late, 1);
    done = 0;
    mica_run_result_t r = mt_run_cfg(&cfg, root_returns);
    ck_assert(done);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    ck_assert_uint_eq(sc.events, 1);            /* the pending event ran before the end */
    ck_assert_uint_ge(r.time_ns, 5000000000ull);
    /* Without it the run ends at once. */
    config(&cfg, NULL, 0);
    r = mt_run_cfg(&cfg, root_returns);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
    ck_assert_uint_lt(r.time_ns, 1000000);
}
END_TEST

START_TEST(tick_ns_sets_the_virtual_time_of_a_kernel_entry)
{
    mica_config_t cfg;
    config(&cfg, NULL, 0);
    cfg.tick_ns = 7;
    mica_run_result_t r = mt_run_cfg(&cfg, root_returns);
    ck_assert_uint_eq(r.time_ns, r.ticks * 7);
    cfg.tick_ns = 0;
    ck_assert_int_eq(mica_run(&cfg, root_returns_arg, NULL, &r), -EINVAL);
}
END_TEST

/* --- determinism ------------------------------------------------------------------ */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

START_TEST(the_same_seed_gives_byte_identical_traces_with_device_events)
{
    char log[2][64], json[2][64];
    for (int i = 0; i < 2; i++) {
        snprintf(log[i], sizeof log[i], "/tmp/mica-test-device-%d-%d.log", (int)getpid(), i);
        snprintf(json[i], sizeof json[i], "/tmp/mica-test-device-%d-%d.json", (int)getpid(), i);
        mica_config_t cfg;
        config(&cfg, twice, 4);
        cfg.seed = 42;
        cfg.log_path = log[i];
        cfg.trace_path = json[i];
        done = 0;
        mt_run_cfg(&cfg, root_masked);
        ck_assert(done);
    }
    size_t la, lb, ja, jb;
    char *a = read_file(log[0], &la), *b = read_file(log[1], &lb);
    char *c = read_file(json[0], &ja), *d = read_file(json[1], &jb);
    ck_assert_uint_gt(la, 0);
    ck_assert_uint_eq(la, lb);
    ck_assert(memcmp(a, b, la) == 0);
    ck_assert_uint_eq(ja, jb);
    ck_assert(memcmp(c, d, ja) == 0);
    /* The device's own events and the line's are in both. */
    a[la - 1] = 0;
    c[ja - 1] = 0;
    ck_assert_ptr_nonnull(strstr(a, "script: step 2: line up"));
    ck_assert_ptr_nonnull(strstr(a, "irq 9 (script): raised"));
    ck_assert_ptr_nonnull(strstr(a, "irq 9 (script): held"));
    ck_assert_ptr_nonnull(strstr(a, "irq 9 (script): delivered, signalled notification"));
    ck_assert_ptr_nonnull(strstr(a, "irq 9 (script): acked by root"));
    ck_assert_ptr_nonnull(strstr(c, "\"name\":\"script (irq 9)\""));
    ck_assert_ptr_nonnull(strstr(c, "\"cat\":\"irq\""));
    free(a); free(b); free(c); free(d);
    for (int i = 0; i < 2; i++) {
        unlink(log[i]);
        unlink(json[i]);
    }
}
END_TEST

/* --- configuration --------------------------------------------------------------- */

START_TEST(a_device_that_refuses_to_start_refuses_the_run)
{
    mica_config_t cfg;
    config(&cfg, NULL, 0);
    sc.fail_start = -ENOENT;
    mica_run_result_t r;
    ck_assert_int_eq(mica_run(&cfg, root_returns_arg, NULL, &r), -EINVAL);
    ck_assert_int_eq(sc.starts, 1);
    ck_assert_int_eq(sc.stops, 0);      /* it never started */
    /* The machine is usable again. */
    config(&cfg, NULL, 0);
    r = mt_run_cfg(&cfg, root_returns);
    ck_assert_int_eq(r.reason, MICA_STOP_IDLE);
}
END_TEST

START_TEST(bad_extra_devices_are_a_bad_configuration)
{
    mica_config_t cfg;
    mica_run_result_t r;
    config(&cfg, NULL, 0);
    extra[0].irq = MICA_MAX_IRQ + 1;
    ck_assert_int_eq(mica_run(&cfg, root_returns_arg, NULL, &r), -EINVAL);
    config(&cfg, NULL, 0);
    extra[0].name = "a-name-of-16-chr";
    ck_assert_int_eq(mica_run(&cfg, root_returns_arg, NULL, &r), -EINVAL);
    config(&cfg, NULL, 0);
    extra[0].name = NULL;
    ck_assert_int_eq(mica_run(&cfg, root_returns_arg, NULL, &r), -EINVAL);
    config(&cfg, NULL, 0);
    cfg.extra_devices = NULL;
    ck_assert_int_eq(mica_run(&cfg, root_returns_arg, NULL, &r), -EINVAL);
    /* Two devices on one line. */
    static mica_device_model_t two[2];
    config(&cfg, NULL, 0);
    two[0] = two[1] = model();
    two[1].name = "other";
    cfg.extra_devices = two;
    cfg.num_extra_devices = 2;
    ck_assert_int_eq(mica_run(&cfg, root_returns_arg, NULL, &r), -EINVAL);
    ck_assert_int_eq(sc.starts, 0);
}
END_TEST

static Suite *device_suite(void)
{
    Suite *s = suite_create("device");
    TCase *tc = mt_tcase(s, "framework");
    tcase_add_test(tc, the_device_table_lists_a_custom_device_with_its_page_and_untyped);
    tcase_add_test(tc, a_device_that_refuses_to_start_refuses_the_run);
    tcase_add_test(tc, bad_extra_devices_are_a_bad_configuration);
    tc = mt_tcase(s, "irq");
    tcase_add_test(tc, an_irq_stays_masked_until_ack_and_a_second_raise_is_delivered_once_after_it);
    tcase_add_test(tc, an_irq_raised_without_a_notification_is_held_until_one_is_set);
    tcase_add_test(tc, an_irq_raised_before_its_handler_exists_is_delivered_once_a_notification_is_set);
    tcase_add_test(tc, a_level_irq_still_asserted_after_ack_fires_again);
    tcase_add_test(tc, a_level_irq_still_asserted_reaches_the_next_handler);
    tcase_add_test(tc, a_driver_thread_waiting_on_the_irq_notification_runs_when_the_line_rises);
    tc = mt_tcase(s, "time");
    tcase_add_test(tc, a_ten_second_wait_takes_no_host_time_and_virtual_time_is_ten_seconds);
    tcase_add_test(tc, the_system_is_idle_only_when_no_device_event_is_pending);
    tcase_add_test(tc, the_time_jump_works_with_several_cpus);
    tcase_add_test(tc, under_the_real_clock_an_idle_system_waits_in_the_host_for_the_event);
    tcase_add_test(tc, a_device_with_events_forever_still_stops_at_the_time_limit);
    tcase_add_test(tc, tick_ns_sets_the_virtual_time_of_a_kernel_entry);
    tcase_add_test(tc, the_same_seed_gives_byte_identical_traces_with_device_events);
    return s;
}

MICA_TEST_MAIN(device_suite)
