/*
 * Unit: the timer model (sim/dev/timer.c) at register level on the fake
 * machine (tests/dev_fake.c), suite sim: ID, one-shot and periodic fires at
 * exact virtual times, STATUS write-1-to-clear, the line following
 * STATUS.FIRED & CTRL.IRQ_EN, PERIOD 0, bad offsets and sizes.
 */
#include <check.h>
#include <stdlib.h>
#include "dev_fake.h"
#include "../sim/dev/timer.h"

#define EN DEV_TIMER_CTRL_ENABLE
#define PER DEV_TIMER_CTRL_PERIODIC
#define IRQ DEV_TIMER_CTRL_IRQ_EN

static mica_device_t *timer(void)
{
    mica_config_t cfg = { 0 };
    mica_device_model_t m = dev_timer_model(&cfg);
    ck_assert_str_eq(m.name, "timer");
    ck_assert_uint_eq(m.irq, 2);
    return fake_dev_new(m, 0);
}

static uint64_t rd(mica_device_t *d, unsigned off) { return fake_dev_read(d, off, 8); }
static void wr(mica_device_t *d, unsigned off, uint64_t v) { fake_dev_write(d, off, 8, v); }
static bool fired(mica_device_t *d) { return rd(d, DEV_TIMER_STATUS) & 1; }

START_TEST(id_and_now)
{
    mica_device_t *d = timer();
    ck_assert_uint_eq(rd(d, DEV_TIMER_ID), 0x4D544D52u | (UINT64_C(1) << 32));
    ck_assert_uint_eq((rd(d, DEV_TIMER_ID) >> 32) & 0xff, 1);
    ck_assert_uint_eq(rd(d, DEV_TIMER_NOW), 0);
    fake_dev_advance(d, 12345);
    ck_assert_uint_eq(rd(d, DEV_TIMER_NOW), 12345);
    wr(d, DEV_TIMER_NOW, 7);        /* read-only */
    wr(d, DEV_TIMER_ID, 7);
    ck_assert_uint_eq(rd(d, DEV_TIMER_NOW), 12345);
    ck_assert_uint_eq(rd(d, DEV_TIMER_ID), DEV_TIMER_ID_VALUE);
    /* nothing enabled: no event, line low */
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    ck_assert(!fake_dev_irq(d));
    fake_dev_free(d);
}
END_TEST

START_TEST(one_shot_fires_at_the_exact_time)
{
    mica_device_t *d = timer();
    wr(d, DEV_TIMER_COMPARE, 5000);
    wr(d, DEV_TIMER_CTRL, EN | IRQ);
    ck_assert_uint_eq(rd(d, DEV_TIMER_CTRL), EN | IRQ);
    ck_assert_uint_eq(fake_dev_next_event(d), 5000);
    fake_dev_advance_to(d, 4999);
    ck_assert(!fired(d));
    ck_assert(!fake_dev_irq(d));
    fake_dev_advance_to(d, 5000);
    ck_assert(fired(d));
    ck_assert(fake_dev_irq(d));
    /* one-shot: no further event, even after acking */
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    wr(d, DEV_TIMER_STATUS, 1);
    ck_assert(!fired(d));
    ck_assert(!fake_dev_irq(d));
    fake_dev_advance(d, 1000000);
    ck_assert(!fired(d));
    ck_assert_uint_eq(fake_dev_stats(d)->irq_rises, 1);
    ck_assert_uint_eq(fake_dev_stats(d)->irq_falls, 1);
    /* a new COMPARE re-arms */
    wr(d, DEV_TIMER_COMPARE, rd(d, DEV_TIMER_NOW) + 10);
    fake_dev_advance(d, 10);
    ck_assert(fired(d));
    fake_dev_free(d);
}
END_TEST

START_TEST(compare_in_the_past_fires_at_once)
{
    mica_device_t *d = timer();
    fake_dev_advance(d, 1000);
    wr(d, DEV_TIMER_CTRL, EN | IRQ);
    wr(d, DEV_TIMER_COMPARE, 10);
    /* inside the write, without the clock moving */
    ck_assert(fired(d));
    ck_assert(fake_dev_irq(d));
    ck_assert_uint_eq(fake_dev_now(d), 1000);
    fake_dev_free(d);
}
END_TEST

START_TEST(periodic_fires_every_period)
{
    mica_device_t *d = timer();
    wr(d, DEV_TIMER_COMPARE, 1000);
    wr(d, DEV_TIMER_PERIOD, 250);
    wr(d, DEV_TIMER_CTRL, EN | PER | IRQ);
    uint64_t expect = 1000;
    for (int i = 0; i < 10; i++) {
        ck_assert_uint_eq(fake_dev_next_event(d), expect);
        fake_dev_advance_to(d, expect - 1);
        ck_assert(!fired(d));
        fake_dev_advance_to(d, expect);
        ck_assert(fired(d));
        ck_assert(fake_dev_irq(d));
        ck_assert_uint_eq(rd(d, DEV_TIMER_COMPARE), expect + 250);
        wr(d, DEV_TIMER_STATUS, DEV_TIMER_STATUS_FIRED);
        ck_assert(!fake_dev_irq(d));
        expect += 250;
    }
    ck_assert_uint_eq(fake_dev_stats(d)->irq_rises, 10);
    /* not acked: FIRED stays set, the line stays high across fires */
    fake_dev_reset_stats(d);
    fake_dev_advance(d, 2000);
    ck_assert(fired(d));
    ck_assert_uint_eq(fake_dev_stats(d)->irq_rises, 1);
    ck_assert_uint_eq(fake_dev_stats(d)->events, 8);
    /* disabling cancels the event; FIRED stays */
    wr(d, DEV_TIMER_CTRL, PER | IRQ);
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    ck_assert(fired(d));
    fake_dev_free(d);
}
END_TEST

START_TEST(periodic_skips_periods_that_passed)
{
    mica_device_t *d = timer();
    fake_dev_advance(d, 10000);
    wr(d, DEV_TIMER_PERIOD, 300);
    wr(d, DEV_TIMER_COMPARE, 100);      /* far behind: fires once now */
    wr(d, DEV_TIMER_CTRL, EN | PER);
    ck_assert(fired(d));
    ck_assert(!fake_dev_irq(d));        /* IRQ not enabled */
    ck_assert_uint_eq(fake_dev_stats(d)->events, 0);
    /* the next compare after 10000 on the 100 + 300k grid */
    ck_assert_uint_eq(rd(d, DEV_TIMER_COMPARE), 10300);
    ck_assert_uint_eq(fake_dev_next_event(d), 10300);
    /* enabling the IRQ with FIRED set raises the line */
    wr(d, DEV_TIMER_CTRL, EN | PER | IRQ);
    ck_assert(fake_dev_irq(d));
    wr(d, DEV_TIMER_CTRL, EN | PER);
    ck_assert(!fake_dev_irq(d));
    fake_dev_free(d);
}
END_TEST

START_TEST(periodic_with_zero_period_fires_once)
{
    mica_device_t *d = timer();
    wr(d, DEV_TIMER_COMPARE, 50);
    wr(d, DEV_TIMER_CTRL, EN | PER | IRQ);
    ck_assert_uint_eq(fake_dev_advance(d, 1000), 1);
    ck_assert(fired(d));
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    /* and a periodic compare that would pass the end of time disarms */
    wr(d, DEV_TIMER_STATUS, 1);
    wr(d, DEV_TIMER_PERIOD, UINT64_MAX - 10);
    wr(d, DEV_TIMER_COMPARE, 2000);
    fake_dev_advance(d, 1000);
    ck_assert(fired(d));
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    fake_dev_free(d);
}
END_TEST

START_TEST(enable_edge_rearms_one_shot)
{
    mica_device_t *d = timer();
    wr(d, DEV_TIMER_COMPARE, 100);
    wr(d, DEV_TIMER_CTRL, EN);
    fake_dev_advance(d, 200);
    ck_assert(fired(d));
    wr(d, DEV_TIMER_STATUS, 1);
    /* rewriting CTRL with ENABLE still set does not fire again */
    wr(d, DEV_TIMER_CTRL, EN | IRQ);
    ck_assert(!fired(d));
    /* ENABLE 0 -> 1 re-arms; COMPARE has passed: fires at once */
    wr(d, DEV_TIMER_CTRL, 0);
    wr(d, DEV_TIMER_CTRL, EN | IRQ);
    ck_assert(fired(d));
    ck_assert(fake_dev_irq(d));
    fake_dev_free(d);
}
END_TEST

START_TEST(status_is_write_one_to_clear)
{
    mica_device_t *d = timer();
    wr(d, DEV_TIMER_CTRL, EN | IRQ);
    wr(d, DEV_TIMER_COMPARE, 0);
    ck_assert(fired(d));
    wr(d, DEV_TIMER_STATUS, 0);         /* 0 changes nothing */
    ck_assert(fired(d));
    wr(d, DEV_TIMER_STATUS, 0xfffffffffffffffeu);
    ck_assert(fired(d));
    ck_assert(fake_dev_irq(d));
    wr(d, DEV_TIMER_STATUS, 1);
    ck_assert(!fired(d));
    ck_assert(!fake_dev_irq(d));
    /* unknown CTRL bits read back as 0 */
    wr(d, DEV_TIMER_CTRL, UINT64_MAX);
    ck_assert_uint_eq(rd(d, DEV_TIMER_CTRL), EN | PER | IRQ);
    fake_dev_free(d);
}
END_TEST

START_TEST(half_register_accesses)
{
    mica_device_t *d = timer();
    ck_assert_uint_eq(fake_dev_read(d, DEV_TIMER_ID, 4), 0x4D544D52u);
    ck_assert_uint_eq(fake_dev_read(d, DEV_TIMER_ID + 4, 4), 1);
    fake_dev_write(d, DEV_TIMER_COMPARE + 4, 4, 1);
    fake_dev_write(d, DEV_TIMER_COMPARE, 4, 5);
    ck_assert_uint_eq(rd(d, DEV_TIMER_COMPARE), (UINT64_C(1) << 32) | 5);
    wr(d, DEV_TIMER_CTRL, EN | IRQ);
    wr(d, DEV_TIMER_COMPARE, 0);
    ck_assert(fired(d));
    fake_dev_write(d, DEV_TIMER_STATUS + 4, 4, 1);  /* the high half: no bit 0 */
    ck_assert(fired(d));
    fake_dev_write(d, DEV_TIMER_STATUS, 4, 1);
    ck_assert(!fired(d));
    fake_dev_free(d);
}
END_TEST

START_TEST(bad_offsets_and_sizes_are_harmless)
{
    mica_device_t *d = timer();
    wr(d, DEV_TIMER_COMPARE, 777);
    wr(d, DEV_TIMER_CTRL, EN | IRQ);
    fake_dev_reset_stats(d);
    /* reads 0 */
    ck_assert_uint_eq(fake_dev_read(d, 0x30, 8), 0);
    ck_assert_uint_eq(fake_dev_read(d, 0xff8, 8), 0);
    ck_assert_uint_eq(fake_dev_read(d, DEV_TIMER_ID, 1), 0);
    ck_assert_uint_eq(fake_dev_read(d, DEV_TIMER_ID, 2), 0);
    ck_assert_uint_eq(fake_dev_read(d, DEV_TIMER_COMPARE + 2, 4), 0);
    ck_assert_uint_eq(fake_dev_read(d, DEV_TIMER_COMPARE + 1, 8), 0);
    /* writes ignored */
    for (unsigned off = 0; off < 4096; off++) {
        for (unsigned size = 1; size <= 8; size *= 2) {
            bool valid = off <= 0x2f && ((size == 8 && off % 8 == 0) || (size == 4 && off % 4 == 0));
            if (!valid)
                fake_dev_write(d, off, size, UINT64_MAX);
        }
    }
    ck_assert_uint_eq(rd(d, DEV_TIMER_COMPARE), 777);
    ck_assert_uint_eq(rd(d, DEV_TIMER_CTRL), EN | IRQ);
    ck_assert_uint_eq(rd(d, DEV_TIMER_PERIOD), 0);
    ck_assert_uint_eq(fake_dev_stats(d)->schedules, 0);
    fake_dev_advance_to(d, 777);
    ck_assert(fired(d));
    fake_dev_free(d);
}
END_TEST

static Suite *timer_suite(void)
{
    Suite *s = suite_create("dev_timer");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, id_and_now);
    tcase_add_test(tc, one_shot_fires_at_the_exact_time);
    tcase_add_test(tc, compare_in_the_past_fires_at_once);
    tcase_add_test(tc, periodic_fires_every_period);
    tcase_add_test(tc, periodic_skips_periods_that_passed);
    tcase_add_test(tc, periodic_with_zero_period_fires_once);
    tcase_add_test(tc, enable_edge_rearms_one_shot);
    tcase_add_test(tc, status_is_write_one_to_clear);
    tcase_add_test(tc, half_register_accesses);
    tcase_add_test(tc, bad_offsets_and_sizes_are_harmless);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(timer_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
