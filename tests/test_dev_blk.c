/*
 * Unit: blk0, the virtio-blk model (sim/dev/blk.c), at register level on
 * the fake machine (tests/dev_fake.c), suite sim. The test plays the
 * driver: the virtio-mmio handshake and feature negotiation, a split
 * virtqueue in the fake RAM, requests as descriptor chains (OUT then IN
 * and read back, FLUSH, GET_ID), completion times in virtual time, the
 * level interrupt until InterruptACK, and every kind of bad input: buffers
 * outside RAM, loops, a chain with the wrong directions, a sector past the
 * end, an unknown type, rings outside RAM; fault injection (fail_at) and a
 * disk file that keeps its contents from one model instance to the next.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "dev_fake.h"
#include "../sim/dev/blk.h"

#define RAM     (1u << 20)
#define DESC    0x1000u         /* descriptor table, 64 * 16 bytes */
#define AVAIL   0x2000u         /* available ring */
#define USED    0x3000u         /* used ring */
#define HDR     0x4000u         /* request headers, 16 bytes each */
#define STATUS  0x5000u         /* status bytes */
#define DATA    0x10000u        /* data buffers */
#define QN      64
#define FEATURES ((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_BLK_F_FLUSH) | \
                  (1ull << VIRTIO_BLK_F_BLK_SIZE))

static uint32_t rd(mica_device_t *d, unsigned off) { return (uint32_t)fake_dev_read(d, off, 4); }
static void wr(mica_device_t *d, unsigned off, uint32_t v) { fake_dev_write(d, off, 4, v); }

static void put(mica_device_t *d, uint64_t paddr, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        fake_dev_ram(d)[paddr + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(mica_device_t *d, uint64_t paddr, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)fake_dev_ram(d)[paddr + i] << (8 * i);
    return v;
}

static mica_device_t *blk_with(const char *path, uint64_t bytes, uint64_t fail_at)
{
    mica_config_t cfg = { 0 };
    cfg.disk_path = path;
    cfg.disk_bytes = bytes;
    cfg.disk_fail_at = fail_at;
    mica_device_model_t m = dev_blk_model(&cfg);
    ck_assert_str_eq(m.name, "blk0");
    ck_assert_uint_eq(m.irq, 4);
    return fake_dev_new(m, RAM);
}

/* Write features (two words) during a fresh handshake; the status the device then shows. */
static uint32_t negotiate(mica_device_t *d, uint64_t features)
{
    wr(d, VIRTIO_MMIO_STATUS, 0);
    wr(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    wr(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    for (unsigned sel = 0; sel < 2; sel++) {
        wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, sel);
        wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> (32 * sel)));
    }
    wr(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                              VIRTIO_STATUS_FEATURES_OK);
    return rd(d, VIRTIO_MMIO_STATUS);
}

/* The whole driver setup: features, queue 0 of QN descriptors, DRIVER_OK. */
static void setup(mica_device_t *d)
{
    ck_assert_uint_eq(negotiate(d, FEATURES), 0xb);
    wr(d, VIRTIO_MMIO_QUEUE_SEL, 0);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_QUEUE_READY), 0);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX), QN);
    wr(d, VIRTIO_MMIO_QUEUE_NUM, QN);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, DESC);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
    wr(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, AVAIL);
    wr(d, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
    wr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, USED);
    wr(d, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_QUEUE_READY), 1);
    wr(d, VIRTIO_MMIO_STATUS, 0xf);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_STATUS), 0xf);
}

static void desc(mica_device_t *d, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                 uint16_t next)
{
    put(d, DESC + 16 * i, addr, 8);
    put(d, DESC + 16 * i + 8, len, 4);
    put(d, DESC + 16 * i + 12, flags, 2);
    put(d, DESC + 16 * i + 14, next, 2);
}

/* Offer head in the available ring (without notifying). */
static void offer(mica_device_t *d, uint16_t head)
{
    uint16_t idx = (uint16_t)get(d, AVAIL + 2, 2);
    put(d, AVAIL + 4 + 2 * (idx % QN), head, 2);
    put(d, AVAIL + 2, (uint16_t)(idx + 1), 2);
}

/* A standard three-part request using descriptors 3*slot .. 3*slot+2. */
static uint16_t request(mica_device_t *d, unsigned slot, uint32_t type, uint64_t sector,
                        uint64_t data, uint32_t len, int device_writes)
{
    unsigned i = 3 * slot;
    put(d, HDR + 16 * slot, type, 4);
    put(d, HDR + 16 * slot + 4, 0, 4);
    put(d, HDR + 16 * slot + 8, sector, 8);
    put(d, STATUS + slot, 0xff, 1);
    desc(d, i, HDR + 16 * slot, 16, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
    if (len) {
        desc(d, i + 1, data, len, VIRTQ_DESC_F_NEXT | (device_writes ? VIRTQ_DESC_F_WRITE : 0),
             (uint16_t)(i + 2));
        desc(d, i + 2, STATUS + slot, 1, VIRTQ_DESC_F_WRITE, 0);
    } else {
        desc(d, i, HDR + 16 * slot, 16, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 2));
        desc(d, i + 2, STATUS + slot, 1, VIRTQ_DESC_F_WRITE, 0);
    }
    return (uint16_t)i;
}

static void notify(mica_device_t *d) { wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 0); }

/* Run until the device is idle; the used ring's idx. */
static uint16_t finish(mica_device_t *d)
{
    fake_dev_run_idle(d, 1000000000ull);
    return (uint16_t)get(d, USED + 2, 2);
}

static uint32_t used_id(mica_device_t *d, unsigned k) { return (uint32_t)get(d, USED + 4 + 8 * k, 4); }
static uint32_t used_len(mica_device_t *d, unsigned k) { return (uint32_t)get(d, USED + 8 + 8 * k, 4); }

static void ack(mica_device_t *d)
{
    wr(d, VIRTIO_MMIO_INTERRUPT_ACK, rd(d, VIRTIO_MMIO_INTERRUPT_STATUS));
    ck_assert(!fake_dev_irq(d));
}

START_TEST(registers)
{
    mica_device_t *d = blk_with(NULL, 1 << 20, 0);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_VERSION), 2);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_DEVICE_ID), 2);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_VENDOR_ID), VIRTIO_VENDOR_MICA);
    wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_DEVICE_FEATURES), (1u << 6) | (1u << 9));
    wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_DEVICE_FEATURES), 1);     /* VERSION_1 = bit 32 */
    wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 7);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_DEVICE_FEATURES), 0);
    /* config: capacity in sectors (u64, also in two 32-bit halves and bytes), blk_size */
    ck_assert_uint_eq(fake_dev_read(d, VIRTIO_MMIO_CONFIG, 8), 2048);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_CONFIG), 2048);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_CONFIG + 4), 0);
    ck_assert_uint_eq(fake_dev_read(d, VIRTIO_MMIO_CONFIG + 1, 1), 8);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_BLK_SIZE), 512);
    ck_assert_uint_eq(rd(d, 0xffc), 0);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_CONFIG_GENERATION), 0);
    /* queue 0 only */
    wr(d, VIRTIO_MMIO_QUEUE_SEL, 1);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
    wr(d, VIRTIO_MMIO_QUEUE_SEL, 0);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX), 64);
    /* read-only registers ignore writes; control registers are 32-bit only */
    wr(d, VIRTIO_MMIO_MAGIC_VALUE, 1);
    wr(d, VIRTIO_MMIO_CONFIG, 1);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_CONFIG), 2048);
    ck_assert_uint_eq(fake_dev_read(d, VIRTIO_MMIO_MAGIC_VALUE, 1), 0);
    ck_assert_uint_eq(fake_dev_read(d, VIRTIO_MMIO_MAGIC_VALUE + 2, 4), 0);
    fake_dev_write(d, VIRTIO_MMIO_STATUS, 1, 1);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_STATUS), 0);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
    ck_assert(!fake_dev_irq(d));
    fake_dev_free(d);
}
END_TEST

START_TEST(feature_handshake)
{
    mica_device_t *d = blk_with(NULL, 1 << 20, 0);
    /* without VERSION_1: FEATURES_OK stays clear */
    ck_assert_uint_eq(negotiate(d, 1ull << VIRTIO_BLK_F_FLUSH), 3);
    /* a feature blk0 did not offer (bit 5, RO; bit 40; a word past 1): refused */
    ck_assert_uint_eq(negotiate(d, FEATURES | (1ull << 5)), 3);
    ck_assert_uint_eq(negotiate(d, FEATURES | (1ull << 40)), 3);
    negotiate(d, 0);
    wr(d, VIRTIO_MMIO_STATUS, 0);
    wr(d, VIRTIO_MMIO_STATUS, 3);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, 1);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 2);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, 1);
    wr(d, VIRTIO_MMIO_STATUS, 0xb);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_STATUS), 3);
    /* VERSION_1 alone, and all offered features: accepted */
    ck_assert_uint_eq(negotiate(d, 1ull << VIRTIO_F_VERSION_1), 0xb);
    ck_assert_uint_eq(negotiate(d, FEATURES), 0xb);
    /* features cannot change after FEATURES_OK */
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, 0xffffffffu);
    wr(d, VIRTIO_MMIO_STATUS, 0xf);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_STATUS), 0xf);
    /* DRIVER_OK before FEATURES_OK does not take */
    wr(d, VIRTIO_MMIO_STATUS, 0);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_STATUS), 0);
    wr(d, VIRTIO_MMIO_STATUS, 7);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_STATUS), 3);
    /* FAILED is the driver's to set */
    wr(d, VIRTIO_MMIO_STATUS, 0x83);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_STATUS), 0x83);
    /* writing 0 resets: queue not ready, status 0 */
    setup(d);
    wr(d, VIRTIO_MMIO_STATUS, 0);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_STATUS), 0);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_QUEUE_READY), 0);
    fake_dev_free(d);
}
END_TEST

START_TEST(out_then_in_reads_back)
{
    mica_device_t *d = blk_with(NULL, 1 << 20, 0);
    setup(d);
    uint8_t *ram = fake_dev_ram(d);
    for (unsigned i = 0; i < 1024; i++)
        ram[DATA + i] = (uint8_t)(i * 7 + 1);
    fake_dev_advance_to(d, 1000);
    offer(d, request(d, 0, VIRTIO_BLK_T_OUT, 10, DATA, 1024, 0));
    notify(d);
    /* 50 us + 2 us per 512 bytes after the notify, not a nanosecond earlier */
    ck_assert_uint_eq(fake_dev_next_event(d), 1000 + 50000 + 2 * 2000);
    fake_dev_advance_to(d, 1000 + 54000 - 1);
    ck_assert_uint_eq(get(d, USED + 2, 2), 0);
    ck_assert(!fake_dev_irq(d));
    fake_dev_advance_to(d, 1000 + 54000);
    ck_assert_uint_eq(get(d, USED + 2, 2), 1);
    ck_assert_uint_eq(used_id(d, 0), 0);
    ck_assert_uint_eq(used_len(d, 0), 1);
    ck_assert_uint_eq(ram[STATUS], VIRTIO_BLK_S_OK);
    ck_assert(fake_dev_irq(d));
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_USED_BUFFER);
    /* level: asserted until acknowledged */
    fake_dev_advance(d, 1000000);
    ck_assert(fake_dev_irq(d));
    ack(d);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);

    /* read it back into two buffers, the data split 100 + 924 across descriptors */
    memset(ram + DATA + 0x1000, 0, 1024);
    put(d, HDR + 16, VIRTIO_BLK_T_IN, 4);
    put(d, HDR + 24, 10, 8);
    desc(d, 5, HDR + 16, 16, VIRTQ_DESC_F_NEXT, 9);
    desc(d, 9, DATA + 0x1000, 100, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
    desc(d, 2, DATA + 0x1000 + 100, 924, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 7);
    desc(d, 7, STATUS + 1, 1, VIRTQ_DESC_F_WRITE, 0);
    ram[STATUS + 1] = 0xff;
    offer(d, 5);
    notify(d);
    ck_assert_uint_eq(finish(d), 2);
    ck_assert_uint_eq(used_id(d, 1), 5);
    ck_assert_uint_eq(used_len(d, 1), 1025);
    ck_assert_uint_eq(ram[STATUS + 1], VIRTIO_BLK_S_OK);
    ck_assert_mem_eq(ram + DATA + 0x1000, ram + DATA, 1024);
    ck_assert(fake_dev_irq(d));
    ack(d);
    /* a sector never written reads as zeros */
    memset(ram + DATA + 0x2000, 0x55, 512);
    offer(d, request(d, 2, VIRTIO_BLK_T_IN, 2047, DATA + 0x2000, 512, 1));
    notify(d);
    ck_assert_uint_eq(finish(d), 3);
    ck_assert_uint_eq(ram[STATUS + 2], VIRTIO_BLK_S_OK);
    for (unsigned i = 0; i < 512; i++)
        ck_assert_uint_eq(ram[DATA + 0x2000 + i], 0);
    fake_dev_free(d);
}
END_TEST

START_TEST(requests_complete_one_after_another)
{
    mica_device_t *d = blk_with(NULL, 1 << 20, 0);
    setup(d);
    offer(d, request(d, 0, VIRTIO_BLK_T_OUT, 0, DATA, 512, 0));
    offer(d, request(d, 1, VIRTIO_BLK_T_OUT, 1, DATA, 4096, 0));
    offer(d, request(d, 2, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0));
    notify(d);
    fake_dev_advance_to(d, 52000);
    ck_assert_uint_eq(get(d, USED + 2, 2), 1);
    fake_dev_advance_to(d, 52000 + 66000 - 1);
    ck_assert_uint_eq(get(d, USED + 2, 2), 1);
    fake_dev_advance_to(d, 52000 + 66000);
    ck_assert_uint_eq(get(d, USED + 2, 2), 2);
    ck_assert_uint_eq(finish(d), 3);
    ck_assert_uint_eq(fake_dev_now(d), 52000 + 66000 + 50000);
    ck_assert_uint_eq(used_id(d, 2), 6);
    ck_assert_uint_eq(used_len(d, 2), 1);
    for (unsigned k = 0; k < 3; k++)
        ck_assert_uint_eq(fake_dev_ram(d)[STATUS + k], VIRTIO_BLK_S_OK);
    fake_dev_free(d);
}
END_TEST

START_TEST(flush_get_id_unsupported)
{
    mica_device_t *d = blk_with(NULL, 1 << 20, 0);
    setup(d);
    uint8_t *ram = fake_dev_ram(d);
    offer(d, request(d, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0));
    memset(ram + DATA, 0xee, 32);
    offer(d, request(d, 1, VIRTIO_BLK_T_GET_ID, 0, DATA, 20, 1));
    offer(d, request(d, 2, 99, 0, 0, 0, 0));
    offer(d, request(d, 3, VIRTIO_BLK_T_GET_ID, 0, DATA + 64, 20, 0));   /* readable: wrong */
    notify(d);
    ck_assert_uint_eq(finish(d), 4);
    ck_assert_uint_eq(ram[STATUS], VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(used_len(d, 0), 1);
    ck_assert_uint_eq(ram[STATUS + 1], VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(used_len(d, 1), 21);
    ck_assert_str_eq((char *)ram + DATA, "mica-blk0");
    for (unsigned i = 9; i < 20; i++)
        ck_assert_uint_eq(ram[DATA + i], 0);        /* NUL-padded to 20 bytes */
    ck_assert_uint_eq(ram[DATA + 20], 0xee);
    ck_assert_uint_eq(ram[STATUS + 2], VIRTIO_BLK_S_UNSUPP);
    ck_assert_uint_eq(ram[STATUS + 3], VIRTIO_BLK_S_IOERR);
    fake_dev_free(d);
}
END_TEST

START_TEST(bad_requests_get_ioerr)
{
    mica_device_t *d = blk_with(NULL, 1 << 20, 0);
    setup(d);
    uint8_t *ram = fake_dev_ram(d);
    /* 0: data outside RAM; 1: data partly outside RAM */
    offer(d, request(d, 0, VIRTIO_BLK_T_IN, 0, 0xfffffffff000ull, 512, 1));
    offer(d, request(d, 1, VIRTIO_BLK_T_OUT, 0, RAM - 256, 512, 0));
    /* 2: sector past the end; 3: runs past the end; 4: the last sector is fine */
    offer(d, request(d, 2, VIRTIO_BLK_T_IN, 2048, DATA, 512, 1));
    offer(d, request(d, 3, VIRTIO_BLK_T_OUT, 2047, DATA, 1024, 0));
    offer(d, request(d, 4, VIRTIO_BLK_T_OUT, 2047, DATA, 512, 0));
    /* 5: a huge sector (overflow); 6: not whole sectors; 7: IN with a readable buffer */
    offer(d, request(d, 5, VIRTIO_BLK_T_IN, UINT64_MAX / 256, DATA, 512, 1));
    offer(d, request(d, 6, VIRTIO_BLK_T_IN, 0, DATA, 500, 1));
    offer(d, request(d, 7, VIRTIO_BLK_T_IN, 0, DATA, 512, 0));
    /* 8: OUT with a writable buffer */
    offer(d, request(d, 8, VIRTIO_BLK_T_OUT, 0, DATA, 512, 1));
    /* 9: a header too short */
    request(d, 9, VIRTIO_BLK_T_IN, 0, DATA, 512, 1);
    desc(d, 27, HDR + 16 * 9, 8, VIRTQ_DESC_F_NEXT, 28);
    offer(d, 27);
    notify(d);
    ck_assert_uint_eq(finish(d), 10);
    ck_assert_uint_eq(ram[STATUS + 0], VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(ram[STATUS + 1], VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(ram[STATUS + 2], VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(ram[STATUS + 3], VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(ram[STATUS + 4], VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(ram[STATUS + 5], VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(ram[STATUS + 6], VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(ram[STATUS + 7], VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(ram[STATUS + 8], VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(ram[STATUS + 9], VIRTIO_BLK_S_IOERR);
    for (unsigned k = 0; k < 10; k++) {
        ck_assert_uint_eq(used_id(d, k), k == 9 ? 27 : 3 * k);
        ck_assert_uint_eq(used_len(d, k), 1);
    }
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_STATUS), 0xf);   /* the device carries on */
    fake_dev_free(d);
}
END_TEST

START_TEST(malformed_chains_never_crash)
{
    mica_device_t *d = blk_with(NULL, 1 << 20, 0);
    setup(d);
    uint8_t *ram = fake_dev_ram(d);
    /* a loop: 40 -> 41 -> 40 */
    put(d, HDR, VIRTIO_BLK_T_IN, 4);
    desc(d, 40, HDR, 16, VIRTQ_DESC_F_NEXT, 41);
    desc(d, 41, DATA, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 40);
    offer(d, 40);
    /* next outside the table; a head outside the table */
    desc(d, 42, HDR, 16, VIRTQ_DESC_F_NEXT, 64);
    offer(d, 42);
    offer(d, 1000);
    /* a self-loop on a status descriptor */
    desc(d, 43, STATUS + 5, 1, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 43);
    offer(d, 43);
    /* no writable byte for the status */
    desc(d, 44, HDR, 16, 0, 0);
    offer(d, 44);
    /* the status byte outside RAM */
    desc(d, 45, HDR, 16, VIRTQ_DESC_F_NEXT, 46);
    desc(d, 46, 0x7ffffffffffull, 1, VIRTQ_DESC_F_WRITE, 0);
    offer(d, 45);
    /* a zero-length writable last buffer */
    desc(d, 47, HDR, 16, VIRTQ_DESC_F_NEXT, 48);
    desc(d, 48, STATUS + 6, 0, VIRTQ_DESC_F_WRITE, 0);
    offer(d, 47);
    ram[STATUS + 5] = ram[STATUS + 6] = 0xff;
    notify(d);
    ck_assert_uint_eq(finish(d), 7);
    /* each one used, with nothing written (len 0) */
    uint32_t ids[7] = { 40, 42, 1000, 43, 44, 45, 47 };
    for (unsigned k = 0; k < 7; k++) {
        ck_assert_uint_eq(used_id(d, k), ids[k]);
        ck_assert_uint_eq(used_len(d, k), 0);
    }
    ck_assert_uint_eq(ram[STATUS + 5], 0xff);
    ck_assert_uint_eq(ram[STATUS + 6], 0xff);
    ck_assert(fake_dev_irq(d));
    ack(d);
    /* and the device still works */
    offer(d, request(d, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0));
    notify(d);
    ck_assert_uint_eq(finish(d), 8);
    ck_assert_uint_eq(ram[STATUS], VIRTIO_BLK_S_OK);
    fake_dev_free(d);
}
END_TEST

START_TEST(rings_outside_ram_need_reset)
{
    mica_device_t *d = blk_with(NULL, 1 << 20, 0);
    /* the used ring outside RAM: DEVICE_NEEDS_RESET and a config change interrupt */
    setup(d);
    wr(d, VIRTIO_MMIO_QUEUE_READY, 0);
    wr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, 0xfffff000u);
    wr(d, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0x7fff);
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    offer(d, request(d, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0));
    notify(d);
    finish(d);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_STATUS), 0xf | VIRTIO_STATUS_NEEDS_RESET);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_CONFIG_CHANGE);
    ck_assert(fake_dev_irq(d));
    /* the driver cannot clear NEEDS_RESET except by a reset; notifies are ignored */
    wr(d, VIRTIO_MMIO_STATUS, 0xf);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_STATUS), 0xf | VIRTIO_STATUS_NEEDS_RESET);
    notify(d);
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    wr(d, VIRTIO_MMIO_STATUS, 0);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_STATUS), 0);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
    ck_assert(!fake_dev_irq(d));

    /* the available ring outside RAM */
    memset(fake_dev_ram(d), 0, RAM);
    setup(d);
    wr(d, VIRTIO_MMIO_QUEUE_READY, 0);
    wr(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, RAM);
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    notify(d);
    ck_assert(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);

    /* more new heads than the queue holds */
    memset(fake_dev_ram(d), 0, RAM);
    setup(d);
    put(d, AVAIL + 2, QN + 1, 2);
    notify(d);
    ck_assert(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);

    /* a descriptor table outside RAM only fails its requests */
    memset(fake_dev_ram(d), 0, RAM);
    setup(d);
    wr(d, VIRTIO_MMIO_QUEUE_READY, 0);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, RAM - 64);
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    offer(d, 10);
    notify(d);
    ck_assert_uint_eq(finish(d), 1);
    ck_assert_uint_eq(used_len(d, 0), 0);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_STATUS), 0xf);
    fake_dev_free(d);
}
END_TEST

START_TEST(queue_not_ready_or_not_running)
{
    mica_device_t *d = blk_with(NULL, 1 << 20, 0);
    /* before DRIVER_OK a notify is ignored */
    ck_assert_uint_eq(negotiate(d, FEATURES), 0xb);
    offer(d, request(d, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0));
    notify(d);
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    /* DRIVER_OK but queue not ready: ignored too */
    wr(d, VIRTIO_MMIO_STATUS, 0xf);
    notify(d);
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    /* a queue size of 0 or above the maximum: needs reset at the first notify */
    wr(d, VIRTIO_MMIO_QUEUE_NUM, 65);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, DESC);
    wr(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, AVAIL);
    wr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, USED);
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    notify(d);
    ck_assert(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
    ck_assert_uint_eq(get(d, USED + 2, 2), 0);
    /* set up properly, the offered request is then served, once */
    memset(fake_dev_ram(d), 0, RAM);
    setup(d);
    offer(d, request(d, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0));
    /* a queue that stops (ready 0) forgets what it had not completed */
    notify(d);
    wr(d, VIRTIO_MMIO_QUEUE_READY, 0);
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_QUEUE_READY), 0);
    ck_assert_uint_eq(finish(d), 0);
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    notify(d);
    ck_assert_uint_eq(finish(d), 1);
    ck_assert_uint_eq(fake_dev_ram(d)[STATUS], VIRTIO_BLK_S_OK);
    /* layout registers are ignored while the queue is ready */
    wr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, 0x9000);
    offer(d, request(d, 1, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0));
    notify(d);
    ck_assert_uint_eq(finish(d), 2);
    fake_dev_free(d);
}
END_TEST

START_TEST(no_interrupt_flag)
{
    mica_device_t *d = blk_with(NULL, 1 << 20, 0);
    setup(d);
    put(d, AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT, 2);
    offer(d, request(d, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0));
    notify(d);
    ck_assert_uint_eq(finish(d), 1);
    ck_assert(!fake_dev_irq(d));
    ck_assert_uint_eq(rd(d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
    put(d, AVAIL, 0, 2);
    offer(d, request(d, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0));
    notify(d);
    ck_assert_uint_eq(finish(d), 2);
    ck_assert(fake_dev_irq(d));
    fake_dev_free(d);
}
END_TEST

START_TEST(fail_at_injects_one_ioerr)
{
    mica_device_t *d = blk_with(NULL, 1 << 20, 2);
    setup(d);
    uint8_t *ram = fake_dev_ram(d);
    memset(ram + DATA, 0xab, 512);
    offer(d, request(d, 0, VIRTIO_BLK_T_OUT, 1, DATA, 512, 0));
    offer(d, request(d, 1, VIRTIO_BLK_T_OUT, 2, DATA, 512, 0));    /* the 2nd: IOERR */
    offer(d, request(d, 2, VIRTIO_BLK_T_OUT, 3, DATA, 512, 0));
    notify(d);
    ck_assert_uint_eq(finish(d), 3);
    ck_assert_uint_eq(ram[STATUS], VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(ram[STATUS + 1], VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(ram[STATUS + 2], VIRTIO_BLK_S_OK);
    /* sector 2 was not written */
    memset(ram + DATA + 0x1000, 0x11, 3 * 512);
    offer(d, request(d, 3, VIRTIO_BLK_T_IN, 1, DATA + 0x1000, 3 * 512, 1));
    notify(d);
    ck_assert_uint_eq(finish(d), 4);
    ck_assert_uint_eq(ram[STATUS + 3], VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(ram[DATA + 0x1000], 0xab);
    ck_assert_uint_eq(ram[DATA + 0x1000 + 512], 0);
    ck_assert_uint_eq(ram[DATA + 0x1000 + 1024], 0xab);
    fake_dev_free(d);
}
END_TEST

START_TEST(file_persists_across_instances)
{
    char dir[] = "/tmp/mica-blk-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/disk.img", dir);
    struct stat st;

    mica_device_t *d = blk_with(path, 1 << 20, 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 1 << 20);                 /* created at disk_bytes */
    ck_assert_int_lt(st.st_blocks * 512, 1 << 20);          /* sparse */
    setup(d);
    uint8_t *ram = fake_dev_ram(d);
    for (unsigned i = 0; i < 1024; i++)
        ram[DATA + i] = (uint8_t)(i ^ 0x5a);
    offer(d, request(d, 0, VIRTIO_BLK_T_OUT, 100, DATA, 1024, 0));
    offer(d, request(d, 1, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0));
    notify(d);
    ck_assert_uint_eq(finish(d), 2);
    ck_assert_uint_eq(ram[STATUS], VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(ram[STATUS + 1], VIRTIO_BLK_S_OK);
    fake_dev_free(d);

    /* a second instance asking for another size: the file keeps its size and its bytes */
    d = blk_with(path, 4 << 20, 0);
    ck_assert_uint_eq(fake_dev_read(d, VIRTIO_MMIO_CONFIG, 8), 2048);
    setup(d);
    ram = fake_dev_ram(d);
    offer(d, request(d, 0, VIRTIO_BLK_T_IN, 100, DATA + 0x4000, 1024, 1));
    notify(d);
    ck_assert_uint_eq(finish(d), 1);
    ck_assert_uint_eq(ram[STATUS], VIRTIO_BLK_S_OK);
    for (unsigned i = 0; i < 1024; i++)
        ck_assert_uint_eq(ram[DATA + 0x4000 + i], (uint8_t)(i ^ 0x5a));
    fake_dev_free(d);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 1 << 20);

    /* a file that cannot be opened: start refuses the run */
    mica_config_t cfg = { 0 };
    char bad[80];
    snprintf(bad, sizeof bad, "%s/no-such-dir/disk.img", dir);
    cfg.disk_path = bad;
    mica_device_t *out = NULL;
    ck_assert_int_eq(fake_dev_try_new(dev_blk_model(&cfg), RAM, &out), -ENOENT);
    ck_assert_ptr_null(out);
    unlink(path);
    rmdir(dir);
}
END_TEST

START_TEST(reset_mid_request)
{
    mica_device_t *d = blk_with(NULL, 1 << 20, 0);
    setup(d);
    offer(d, request(d, 0, VIRTIO_BLK_T_OUT, 0, DATA, 512, 0));
    notify(d);
    fake_dev_advance(d, 1000);
    wr(d, VIRTIO_MMIO_STATUS, 0);
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    fake_dev_advance(d, 1000000);
    ck_assert_uint_eq(get(d, USED + 2, 2), 0);
    ck_assert(!fake_dev_irq(d));
    /* set up again from zeroed rings: works */
    memset(fake_dev_ram(d), 0, RAM);
    setup(d);
    offer(d, request(d, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0));
    notify(d);
    ck_assert_uint_eq(finish(d), 1);
    fake_dev_free(d);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dev_blk");
    TCase *tc = tcase_create("blk");
    tcase_add_test(tc, registers);
    tcase_add_test(tc, feature_handshake);
    tcase_add_test(tc, out_then_in_reads_back);
    tcase_add_test(tc, requests_complete_one_after_another);
    tcase_add_test(tc, flush_get_id_unsupported);
    tcase_add_test(tc, bad_requests_get_ioerr);
    tcase_add_test(tc, malformed_chains_never_crash);
    tcase_add_test(tc, rings_outside_ram_need_reset);
    tcase_add_test(tc, queue_not_ready_or_not_running);
    tcase_add_test(tc, no_interrupt_flag);
    tcase_add_test(tc, fail_at_injects_one_ioerr);
    tcase_add_test(tc, file_persists_across_instances);
    tcase_add_test(tc, reset_mid_request);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
