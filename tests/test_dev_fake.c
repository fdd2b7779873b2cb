/*
 * Unit: the fake machine of tests/dev_fake.c that device-model tests run on
 * (suite sim): its clock fires events in order and consumes them, the line
 * records edges, DMA is bounds-checked.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "dev_fake.h"

/* A toy model: writing N to offset 0 schedules an event N ns from now;
 * each event counts, raises the line and (offset 8 != 0) re-arms. */
typedef struct toy {
    uint64_t fired;
    uint64_t rearm;
    uint64_t last_at;
} toy_t;

static uint64_t toy_read(mica_device_t *dev, void *ctx, mica_word_t off, unsigned size)
{
    toy_t *t = ctx;
    return off == 0 ? t->fired : off == 8 ? t->last_at : 0;
}

static void toy_write(mica_device_t *dev, void *ctx, mica_word_t off, unsigned size, uint64_t v)
{
    toy_t *t = ctx;
    if (off == 0)
        mica_device_schedule(dev, v == UINT64_MAX ? MICA_DEVICE_NEVER : mica_device_now(dev) + v);
    else if (off == 8)
        t->rearm = v;
    else if (off == 16)
        mica_device_set_irq(dev, v != 0);
}

static void toy_event(mica_device_t *dev, void *ctx)
{
    toy_t *t = ctx;
    t->fired++;
    t->last_at = mica_device_now(dev);
    mica_device_set_irq(dev, true);
    mica_device_trace(dev, "fired %llu", (unsigned long long)t->fired);
    if (t->rearm)
        mica_device_schedule(dev, mica_device_now(dev) + t->rearm);
}

static mica_device_model_t toy_model(toy_t *t)
{
    memset(t, 0, sizeof *t);
    return (mica_device_model_t){ .name = "toy", .irq = 9, .ctx = t, .read = toy_read,
                                  .write = toy_write, .event = toy_event };
}

START_TEST(events_fire_at_their_time_and_are_consumed)
{
    toy_t t;
    mica_device_t *d = fake_dev_new(toy_model(&t), 0);
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    fake_dev_write(d, 0, 8, 100);
    ck_assert_uint_eq(fake_dev_next_event(d), 100);
    ck_assert_uint_eq(fake_dev_advance(d, 99), 0);
    ck_assert_uint_eq(t.fired, 0);
    ck_assert_uint_eq(fake_dev_advance(d, 1), 1);
    ck_assert_uint_eq(t.last_at, 100);
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    ck_assert_uint_eq(fake_dev_advance(d, 1000), 0);
    ck_assert_uint_eq(fake_dev_now(d), 1100);
    ck_assert_str_eq(fake_dev_last_trace(d), "fired 1");
    fake_dev_free(d);
}
END_TEST

START_TEST(rearming_fires_each_period_at_the_event_time)
{
    toy_t t;
    mica_device_t *d = fake_dev_new(toy_model(&t), 0);
    fake_dev_write(d, 8, 8, 10);
    fake_dev_write(d, 0, 8, 10);
    ck_assert_uint_eq(fake_dev_advance_to(d, 55), 5);
    ck_assert_uint_eq(t.last_at, 50);
    ck_assert_uint_eq(fake_dev_next_event(d), 60);
    /* a replacement and a cancel */
    fake_dev_write(d, 0, 8, 1);
    ck_assert_uint_eq(fake_dev_next_event(d), 56);
    fake_dev_write(d, 0, 8, UINT64_MAX);
    ck_assert_uint_eq(fake_dev_advance(d, 1000), 0);
    ck_assert_uint_eq(fake_dev_run_idle(d, 1000), 0);
    fake_dev_free(d);
}
END_TEST

START_TEST(past_event_fires_at_the_next_advance)
{
    toy_t t;
    mica_device_t *d = fake_dev_new(toy_model(&t), 0);
    fake_dev_advance(d, 500);
    mica_device_schedule(d, 10);
    ck_assert_uint_eq(fake_dev_advance(d, 0), 1);
    ck_assert_uint_eq(t.last_at, 500);
    fake_dev_free(d);
}
END_TEST

START_TEST(line_edges_are_counted)
{
    toy_t t;
    mica_device_t *d = fake_dev_new(toy_model(&t), 0);
    fake_dev_write(d, 16, 1, 1);
    fake_dev_write(d, 16, 1, 1);
    ck_assert(fake_dev_irq(d));
    fake_dev_write(d, 16, 1, 0);
    fake_dev_write(d, 16, 1, 1);
    ck_assert_uint_eq(fake_dev_stats(d)->irq_rises, 2);
    ck_assert_uint_eq(fake_dev_stats(d)->irq_falls, 1);
    fake_dev_reset_stats(d);
    ck_assert_uint_eq(fake_dev_stats(d)->irq_rises, 0);
    fake_dev_free(d);
}
END_TEST

START_TEST(dma_is_bounds_checked)
{
    toy_t t;
    mica_device_t *d = fake_dev_new(toy_model(&t), 4096);
    uint8_t buf[16] = "0123456789abcde";
    ck_assert_int_eq(mica_device_dma_write(d, 4080, buf, 16), 0);
    ck_assert_mem_eq(fake_dev_ram(d) + 4080, buf, 16);
    ck_assert_int_eq(mica_device_dma_write(d, 4081, buf, 16), -1);
    ck_assert_int_eq(mica_device_dma_read(d, UINT64_MAX - 4, buf, 16), -1);
    ck_assert_int_eq(mica_device_dma_read(d, 4096, buf, 1), -1);
    ck_assert_int_eq(mica_device_dma_read(d, 4096, buf, 0), 0);
    ck_assert_uint_eq(fake_dev_stats(d)->dma_errors, 3);
    fake_dev_free(d);
    d = fake_dev_new(toy_model(&t), 0);
    ck_assert_int_eq(mica_device_dma_read(d, 0, buf, 1), -1);
    fake_dev_free(d);
}
END_TEST

static Suite *fake_suite(void)
{
    Suite *s = suite_create("dev_fake");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, events_fire_at_their_time_and_are_consumed);
    tcase_add_test(tc, rearming_fires_each_period_at_the_event_time);
    tcase_add_test(tc, past_event_fires_at_the_next_advance);
    tcase_add_test(tc, line_edges_are_counted);
    tcase_add_test(tc, dma_is_bounds_checked);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fake_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
