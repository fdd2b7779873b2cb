/*
 * disk - a virtio-blk driver task, and the ramfs file server keeping its
 * files on the machine's disk (blk0), so that the next run with the same
 * `--disk FILE` finds them again.
 *
 *   virtio-blk  a process that owns the device: its register page (a
 *            device untyped retyped into a frame and mapped, so register
 *            accesses are loads and stores through volatile pointers), its
 *            interrupt (an IRQHandler cap bound to a notification) and one
 *            ordinary frame for the virtqueue. It follows the virtio 1.x
 *            specification: reset, ACKNOWLEDGE, DRIVER, feature negotiation
 *            (VERSION_1, FLUSH), FEATURES_OK checked, queue 0 set up by
 *            physical addresses (Page_GetAddress), DRIVER_OK. It serves
 *            read/write/flush requests of whole sectors through a data
 *            frame it shares with its one client: a three-descriptor chain
 *            (header, data, status byte), QueueNotify, then a wait on the
 *            IRQ notification until the used ring moves; InterruptACK
 *            before the IRQ handler's Ack, so the level line is low again.
 *   ramfs    the ramfs example's server (examples/ramfs/ramfs_server.h)
 *            with a save hook: after each request that changes a file it
 *            writes that file's sectors through the driver before it
 *            replies. At start it reads the file table back from the disk
 *            (or formats a disk that has none).
 *   client   lists the files, prints the log of earlier runs, appends a
 *            line for this run, and writes (first run) or checks (later
 *            runs) hello.txt.
 *
 * Disk layout, in 512-byte sectors: sector 0 a superblock ("micafs01",
 * the number of file slots, the sectors per file); file f from sector
 * 1 + f * FILE_SECTORS: its name, size and data as struct file.
 *
 *     mica run disk --disk /tmp/disk.img     # the first run formats it
 *     mica run disk --disk /tmp/disk.img     # the second sees the first's files
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <mica/mica.h>
#include "../examples.h"
#include "../ramfs/ramfs.h"
#include "../ramfs/ramfs_server.h"

#define FS_VADDR      0x10000000ul      /* the server's file system (struct fs) */
#define STORE_VADDR   0x10080000ul      /* the server's disk state (struct store) */
#define SERVER_DISKBUF 0x10200000ul     /* the data frame shared with the driver, in the server */
#define CLIENT_BUFFER 0x10000000ul      /* the client's frame shared with the server */
#define DEV_VADDR     0x20000000ul      /* blk0's registers, in the driver */
#define RING_VADDR    0x20001000ul      /* the virtqueue, in the driver */
#define DRIVER_DATA   0x20002000ul      /* the data frame, in the driver */

/* --- virtio-mmio and virtio-blk, from the virtio 1.x specification --------------------- */

enum {
    REG_MAGIC = 0x000, REG_VERSION = 0x004, REG_DEVICE_ID = 0x008,
    REG_DEVICE_FEATURES = 0x010, REG_DEVICE_FEATURES_SEL = 0x014,
    REG_DRIVER_FEATURES = 0x020, REG_DRIVER_FEATURES_SEL = 0x024,
    REG_QUEUE_SEL = 0x030, REG_QUEUE_NUM_MAX = 0x034, REG_QUEUE_NUM = 0x038,
    REG_QUEUE_READY = 0x044, REG_QUEUE_NOTIFY = 0x050,
    REG_INTERRUPT_STATUS = 0x060, REG_INTERRUPT_ACK = 0x064, REG_STATUS = 0x070,
    REG_QUEUE_DESC_LOW = 0x080, REG_QUEUE_DESC_HIGH = 0x084,
    REG_QUEUE_DRIVER_LOW = 0x090, REG_QUEUE_DRIVER_HIGH = 0x094,
    REG_QUEUE_DEVICE_LOW = 0x0a0, REG_QUEUE_DEVICE_HIGH = 0x0a4,
    REG_CONFIG = 0x100,                 /* virtio_blk_config: u64 capacity first */
};
enum { ST_ACKNOWLEDGE = 1, ST_DRIVER = 2, ST_DRIVER_OK = 4, ST_FEATURES_OK = 8,
       ST_NEEDS_RESET = 0x40, ST_FAILED = 0x80 };
#define F_BLK_FLUSH   (1u << 9)         /* feature bit 9 */
#define F_VERSION_1   (1u << 0)         /* feature bit 32: bit 0 of the second word */
enum { T_IN = 0, T_OUT = 1, T_FLUSH = 4 };
enum { S_OK = 0, S_IOERR = 1, S_UNSUPP = 2 };
#define SECTOR 512
#define QN     8                        /* our queue's size (the device allows up to 64) */

struct virtq_desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct virtq_avail { uint16_t flags, idx, ring[QN]; };
struct virtq_used { uint16_t flags, idx; struct { uint32_t id, len; } ring[QN]; };
struct blk_req_hdr { uint32_t type, reserved; uint64_t sector; };
#define DESC_NEXT  1
#define DESC_WRITE 2

/* The queue frame: descriptors, available ring, used ring, a request header and a status byte. */
#define RING_DESC   0x000
#define RING_AVAIL  0x400
#define RING_USED   0x800
#define RING_HDR    0xc00
#define RING_STATUS 0xc10

/* --- the driver's protocol: Call with a label, MR0 sector, MR1 sectors; data in the frame --- */

enum { BLK_READ = 1, BLK_WRITE, BLK_FLUSH, BLK_CAPACITY, BLK_STOP };
#define BLK_MAX_SECTORS (PAGE / SECTOR)    /* one data frame */
#define BLK_E_DRIVER 0xff                  /* a bad request or a device that needs a reset */

/* --- the driver ------------------------------------------------------------------------------ */

struct drv {
    volatile uint32_t *regs;
    unsigned char *ring;
    mica_word_t ring_pa, data_pa;
    mica_cptr_t ntfn, irq;
    uint16_t avail_idx;
    uint64_t capacity;
    mica_word_t requests, errors, interrupts;
};

static uint32_t reg_read(struct drv *d, unsigned off) { return d->regs[off / 4]; }
static void reg_write(struct drv *d, unsigned off, uint32_t v) { d->regs[off / 4] = v; }

/* Bring the device up as the specification's "Device Initialization" says; 0 or -1. */
static int drv_init(struct drv *d)
{
    if (reg_read(d, REG_MAGIC) != 0x74726976 || reg_read(d, REG_VERSION) != 2 ||
        reg_read(d, REG_DEVICE_ID) != 2) {
        printf("virtio-blk: not a virtio-mmio v2 block device\n");
        return -1;
    }
    reg_write(d, REG_STATUS, 0);                                        /* reset */
    reg_write(d, REG_STATUS, ST_ACKNOWLEDGE);
    reg_write(d, REG_STATUS, ST_ACKNOWLEDGE | ST_DRIVER);
    reg_write(d, REG_DEVICE_FEATURES_SEL, 0);
    uint32_t lo = reg_read(d, REG_DEVICE_FEATURES);
    reg_write(d, REG_DEVICE_FEATURES_SEL, 1);
    uint32_t hi = reg_read(d, REG_DEVICE_FEATURES);
    if (!(hi & F_VERSION_1)) {
        reg_write(d, REG_STATUS, ST_FAILED);
        printf("virtio-blk: the device does not offer VIRTIO_F_VERSION_1\n");
        return -1;
    }
    reg_write(d, REG_DRIVER_FEATURES_SEL, 0);
    reg_write(d, REG_DRIVER_FEATURES, lo & F_BLK_FLUSH);
    reg_write(d, REG_DRIVER_FEATURES_SEL, 1);
    reg_write(d, REG_DRIVER_FEATURES, F_VERSION_1);
    reg_write(d, REG_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);
    if (!(reg_read(d, REG_STATUS) & ST_FEATURES_OK)) {
        reg_write(d, REG_STATUS, ST_FAILED);
        printf("virtio-blk: the device refused our features\n");
        return -1;
    }
    /* Queue 0 in our zeroed queue frame, by physical address. */
    reg_write(d, REG_QUEUE_SEL, 0);
    if (reg_read(d, REG_QUEUE_READY) != 0 || reg_read(d, REG_QUEUE_NUM_MAX) < QN) {
        reg_write(d, REG_STATUS, ST_FAILED);
        printf("virtio-blk: queue 0 is not available\n");
        return -1;
    }
    reg_write(d, REG_QUEUE_NUM, QN);
    reg_write(d, REG_QUEUE_DESC_LOW, (uint32_t)(d->ring_pa + RING_DESC));
    reg_write(d, REG_QUEUE_DESC_HIGH, (uint32_t)((uint64_t)(d->ring_pa + RING_DESC) >> 32));
    reg_write(d, REG_QUEUE_DRIVER_LOW, (uint32_t)(d->ring_pa + RING_AVAIL));
    reg_write(d, REG_QUEUE_DRIVER_HIGH, (uint32_t)((uint64_t)(d->ring_pa + RING_AVAIL) >> 32));
    reg_write(d, REG_QUEUE_DEVICE_LOW, (uint32_t)(d->ring_pa + RING_USED));
    reg_write(d, REG_QUEUE_DEVICE_HIGH, (uint32_t)((uint64_t)(d->ring_pa + RING_USED) >> 32));
    reg_write(d, REG_QUEUE_READY, 1);
    reg_write(d, REG_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
    d->capacity = reg_read(d, REG_CONFIG) | (uint64_t)reg_read(d, REG_CONFIG + 4) << 32;
    return 0;
}

/* One request: header, data (bytes of the data frame; none for FLUSH), status. Its status byte. */
static unsigned drv_request(struct drv *d, uint32_t type, uint64_t sector, uint32_t bytes)
{
    struct virtq_desc *desc = (struct virtq_desc *)(d->ring + RING_DESC);
    struct virtq_avail *avail = (struct virtq_avail *)(d->ring + RING_AVAIL);
    volatile struct virtq_used *used = (volatile struct virtq_used *)(d->ring + RING_USED);
    struct blk_req_hdr *hdr = (struct blk_req_hdr *)(d->ring + RING_HDR);
    volatile unsigned char *status = d->ring + RING_STATUS;
    unsigned n = 0;

    hdr->type = type;
    hdr->reserved = 0;
    hdr->sector = sector;
    *status = 0xff;
    desc[n++] = (struct virtq_desc){ d->ring_pa + RING_HDR, sizeof *hdr, DESC_NEXT, 1 };
    if (bytes)
        desc[n++] = (struct virtq_desc){ d->data_pa, bytes,
                                         (uint16_t)(DESC_NEXT | (type == T_IN ? DESC_WRITE : 0)), 2 };
    desc[n - 1].next = (uint16_t)n;
    desc[n] = (struct virtq_desc){ d->ring_pa + RING_STATUS, 1, DESC_WRITE, 0 };
    /* Publish the head, then the index, then tell the device (queue 0). */
    avail->ring[d->avail_idx % QN] = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    avail->idx = ++d->avail_idx;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    reg_write(d, REG_QUEUE_NOTIFY, 0);
    d->requests++;
    /* Wait for the used ring to catch up: one interrupt per completion. */
    while (used->idx != d->avail_idx) {
        mica_word_t badge;
        mica_wait(d->ntfn, &badge);
        d->interrupts++;
        uint32_t isr = reg_read(d, REG_INTERRUPT_STATUS);
        reg_write(d, REG_INTERRUPT_ACK, isr);           /* the line goes low ... */
        mica_irq_handler_ack(d->irq);                   /* ... before the kernel unmasks it */
        if (reg_read(d, REG_STATUS) & ST_NEEDS_RESET) {
            printf("virtio-blk: the device needs a reset\n");
            d->errors++;
            return BLK_E_DRIVER;
        }
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (*status != S_OK)
        d->errors++;
    return *status;
}

static mica_server_action_t drv_serve(void *ctx, mica_word_t badge, mica_msginfo_t req,
                                      mica_msginfo_t *reply)
{
    struct drv *d = ctx;
    mica_word_t sector = mica_get_mr(0), count = mica_get_mr(1);
    unsigned st = BLK_E_DRIVER;
    (void)badge;
    switch (mica_msginfo_get_label(req)) {
    case BLK_READ:
    case BLK_WRITE:
        if (count >= 1 && count <= BLK_MAX_SECTORS)
            st = drv_request(d, mica_msginfo_get_label(req) == BLK_READ ? T_IN : T_OUT, sector,
                             (uint32_t)(count * SECTOR));
        break;
    case BLK_FLUSH:
        st = drv_request(d, T_FLUSH, 0, 0);
        break;
    case BLK_CAPACITY:
        mica_set_mr(0, d->capacity);
        *reply = mica_msginfo_new(S_OK, 0, 0, 1);
        return MICA_SERVER_REPLY;
    case BLK_STOP:
        st = drv_request(d, T_FLUSH, 0, 0);
        printf("virtio-blk: %lu requests (%lu failed), %lu interrupts; flushed: %s; stopping\n",
               d->requests, d->errors, d->interrupts, st == S_OK ? "ok" : "error");
        *reply = mica_msginfo_new(st, 0, 0, 0);
        return MICA_SERVER_STOP;
    default:
        break;
    }
    *reply = mica_msginfo_new(st, 0, 0, 0);
    return MICA_SERVER_REPLY;
}

/* r0 its endpoint, r1 the IRQ notification, r2 the IRQ handler, r3 the first of its frame caps. */
static void driver_main(mica_word_t ep, mica_word_t ntfn, mica_word_t irq, mica_word_t frames)
{
    struct drv d = { .regs = mica_vaddr_to_ptr(DEV_VADDR), .ring = mica_vaddr_to_ptr(RING_VADDR),
                     .ntfn = ntfn, .irq = irq };
    mica_page_get_address_t ring = mica_page_get_address(frames + 1);
    mica_page_get_address_t data = mica_page_get_address(frames + 2);
    d.ring_pa = ring.paddr;
    d.data_pa = data.paddr;
    if (ring.error || data.error || drv_init(&d) != 0) {
        printf("virtio-blk: cannot start\n");
        return;
    }
    printf("virtio-blk: blk0 ready, %lu sectors (%lu KiB)\n", (unsigned long)d.capacity,
           (unsigned long)(d.capacity / 2));
    mica_server_loop(ep, drv_serve, &d);
}

/* --- the ramfs server on the disk ------------------------------------------------------- */

#define FS_MAGIC     "micafs01"
#define FILE_SECTORS ((sizeof(struct file) + SECTOR - 1) / SECTOR)
#define FS_SECTORS   (1 + RAMFS_MAX_FILES * FILE_SECTORS)

struct superblock { char magic[8]; uint64_t files, file_sectors; };

/* The server's disk state, in its own memory at STORE_VADDR. */
struct store {
    mica_cptr_t drv;                    /* the driver's endpoint */
    unsigned char *buf;                 /* the data frame shared with the driver */
    int ok;                             /* the disk holds the file system */
    mica_word_t saves, sectors_written, sectors_read;
};

static unsigned disk_io(struct store *s, mica_word_t label, mica_word_t sector, mica_word_t n)
{
    mica_word_t in[2] = { sector, n };
    return (unsigned)mica_msginfo_get_label(mica_call_words(s->drv, label, in, 2, NULL, 0));
}

/* Write bytes [0, len) of p to the disk from sector on, a frame at a time. */
static int disk_write(struct store *s, mica_word_t sector, const void *p, size_t len)
{
    for (size_t done = 0; done < len;) {
        size_t n = len - done < PAGE ? len - done : PAGE;
        mica_word_t sectors = (n + SECTOR - 1) / SECTOR;
        memset(s->buf, 0, sectors * SECTOR);
        memcpy(s->buf, (const char *)p + done, n);
        if (disk_io(s, BLK_WRITE, sector, sectors) != S_OK)
            return -1;
        s->sectors_written += sectors;
        sector += sectors;
        done += n;
    }
    return 0;
}

static int disk_read(struct store *s, mica_word_t sector, void *p, size_t len)
{
    for (size_t done = 0; done < len;) {
        size_t n = len - done < PAGE ? len - done : PAGE;
        mica_word_t sectors = (n + SECTOR - 1) / SECTOR;
        if (disk_io(s, BLK_READ, sector, sectors) != S_OK)
            return -1;
        memcpy((char *)p + done, s->buf, n);
        s->sectors_read += sectors;
        sector += sectors;
        done += n;
    }
    return 0;
}

/* ramfs's save hook: file f's name, size and the data it holds. */
static int disk_save(struct fs *fs, unsigned f)
{
    struct store *s = fs->store;
    if (!s->ok)
        return -1;
    s->saves++;
    return disk_write(s, 1 + f * FILE_SECTORS, &fs->files[f],
                      offsetof(struct file, data) + fs->files[f].size);
}

/* Read the file table back, or format a disk that has none. */
static void disk_load(struct fs *fs, struct store *s)
{
    struct superblock sb;
    mica_word_t capacity = 0;
    mica_msginfo_t r = mica_call_words(s->drv, BLK_CAPACITY, NULL, 0, &capacity, 1);
    if (mica_msginfo_get_label(r) != S_OK || capacity < FS_SECTORS) {
        printf("ramfs: the disk is too small (%lu sectors, need %lu); files stay in memory\n",
               capacity, (mica_word_t)FS_SECTORS);
        return;
    }
    if (disk_read(s, 0, &sb, sizeof sb) != 0) {
        printf("ramfs: cannot read the disk; files stay in memory\n");
        return;
    }
    if (memcmp(sb.magic, FS_MAGIC, 8) != 0 || sb.files != RAMFS_MAX_FILES ||
        sb.file_sectors != FILE_SECTORS) {
        /* A new disk: every file slot empty, then the superblock that says so. */
        static const struct file empty;     /* read-only: copied out only */
        memcpy(sb.magic, FS_MAGIC, 8);
        sb.files = RAMFS_MAX_FILES;
        sb.file_sectors = FILE_SECTORS;
        s->ok = 1;
        for (unsigned f = 0; f < RAMFS_MAX_FILES && s->ok; f++)
            s->ok = disk_write(s, 1 + f * FILE_SECTORS, &empty, offsetof(struct file, data)) == 0;
        s->ok = s->ok && disk_write(s, 0, &sb, sizeof sb) == 0;
        printf("ramfs: formatted the disk (%lu sectors)%s\n", capacity,
               s->ok ? "" : ": write failed, files stay in memory");
        return;
    }
    unsigned files = 0;
    mica_word_t bytes = 0;
    for (unsigned f = 0; f < RAMFS_MAX_FILES; f++) {
        struct file *file = &fs->files[f];
        if (disk_read(s, 1 + f * FILE_SECTORS, file, offsetof(struct file, data)) != 0)
            goto bad;
        file->name[RAMFS_NAME_MAX] = 0;
        if (!file->name[0]) {
            file->size = 0;
            continue;
        }
        if (file->size > RAMFS_FILE_MAX ||
            disk_read(s, 1 + f * FILE_SECTORS, file, offsetof(struct file, data) + file->size) != 0)
            goto bad;
        files++;
        bytes += file->size;
    }
    s->ok = 1;
    printf("ramfs: found %u files, %lu bytes on the disk\n", files, bytes);
    return;
bad:
    memset(fs->files, 0, sizeof fs->files);
    printf("ramfs: the file table on the disk is damaged; files stay in memory\n");
}

static void server_main(mica_word_t ep, mica_word_t drv, mica_word_t r2, mica_word_t r3)
{
    (void)r2; (void)r3;
    struct fs *fs = mica_vaddr_to_ptr(FS_VADDR);        /* fresh frames: all zero */
    struct store *s = mica_vaddr_to_ptr(STORE_VADDR);
    s->drv = drv;
    s->buf = mica_vaddr_to_ptr(SERVER_DISKBUF);
    disk_load(fs, s);
    fs->store = s;
    fs->save = disk_save;
    mica_server_loop(ep, ramfs_serve, fs);
    printf("ramfs: %lu saves: %lu sectors written, %lu read\n", s->saves, s->sectors_written,
           s->sectors_read);
}

/* --- the client -------------------------------------------------------------------------- */

/* All of name (up to size - 1 bytes) into out, NUL-terminated; its length, or -1 if there is none. */
static long slurp(files_client_t *c, const char *name, char *out, size_t size)
{
    uint32_t fd, n = 0;
    size_t len = 0;
    if (files_open(c, 0, name, &fd) != FILES_OK)
        return -1;
    for (; len < size - 1; len += n) {
        uint32_t want = size - 1 - len < RAMFS_BUFFER_SIZE ? (uint32_t)(size - 1 - len)
                                                           : RAMFS_BUFFER_SIZE;
        if (files_read(c, fd, len, c->win, want, &n) != FILES_OK || n == 0)
            break;
        memcpy(out + len, c->win, n);
    }
    out[len] = 0;
    files_close(c, fd);
    return (long)len;
}

/* hello.txt: a few KiB (more than one frame of the driver), the same text every run. */
static size_t hello_text(char *out, size_t size)
{
    size_t len = 0;
    for (int line = 1; line <= 200 && len < size; line++)
        len += (size_t)snprintf(out + len, size - len, "hello from the disk, line %d\n", line);
    return len < size ? len : size - 1;
}

static void client_main(mica_word_t ep, mica_word_t to_root, mica_word_t r2, mica_word_t r3)
{
    (void)r2; (void)r3;
    char *buf = mica_vaddr_to_ptr(CLIENT_BUFFER);
    files_client_t c = { .ep = ep, .win = buf, .win_bytes = RAMFS_BUFFER_SIZE };
    char text[RAMFS_FILE_MAX + 1], want[RAMFS_FILE_MAX];
    uint32_t fd, n, bytes = 0, nfiles = 0;
    int st;

    files_list(&c, buf, RAMFS_BUFFER_SIZE, &bytes, &nfiles);
    printf("client: ls: %u files\n%.*s", nfiles, (int)bytes, buf);

    /* The log of runs: print it, then add this run's line. */
    long len = slurp(&c, "runs.log", text, sizeof text);
    unsigned runs = 0;
    for (long i = 0; i < len; i++)
        runs += text[i] == '\n';
    if (len > 0)
        printf("client: runs.log says:\n%s", text);
    uint32_t line = (uint32_t)snprintf(buf, RAMFS_BUFFER_SIZE, "run %u\n", runs + 1);
    st = files_open(&c, RAMFS_CREATE | RAMFS_APPEND, "runs.log", &fd);
    if (st == FILES_OK)
        st = files_write(&c, fd, 0, buf, line, &n);
    files_close(&c, fd);
    printf("client: this is run %u; appended to runs.log: %s\n", runs + 1, ramfs_status_name(st));

    /* hello.txt: written by the first run, checked byte for byte by the later ones. */
    size_t hlen = hello_text(want, sizeof want);
    len = slurp(&c, "hello.txt", text, sizeof text);
    if (len < 0) {
        st = files_open(&c, RAMFS_CREATE | RAMFS_TRUNC, "hello.txt", &fd);
        for (size_t done = 0; st == FILES_OK && done < hlen; done += RAMFS_BUFFER_SIZE) {
            size_t k = hlen - done < RAMFS_BUFFER_SIZE ? hlen - done : RAMFS_BUFFER_SIZE;
            memcpy(buf, want + done, k);
            st = files_write(&c, fd, done, buf, (uint32_t)k, &n);
        }
        files_close(&c, fd);
        printf("client: wrote hello.txt, %zu bytes: %s\n", hlen, ramfs_status_name(st));
    } else {
        printf("client: read hello.txt, %ld bytes: %s\n", len,
               (size_t)len == hlen && memcmp(text, want, hlen) == 0 ? "as the first run wrote it"
                                                                     : "WRONG");
    }
    mica_signal(to_root);
}

/* --- the root task ----------------------------------------------------------------------- */

/* The frame of device memory at paddr, retyped from the device untyped that covers it; 0 if none. */
static mica_cptr_t device_frame(mica_env_t *env, const mica_bootinfo_t *bi, mica_word_t paddr)
{
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const mica_untyped_desc_t *u = &bi->untyped_list[i];
        if (!u->is_device || paddr < u->paddr || paddr - u->paddr >= (1ul << u->size_bits))
            continue;
        /* Retype frames in order until one lands on paddr (the device's page of the untyped). */
        for (mica_word_t k = 0; k <= (paddr - u->paddr) >> MICA_PAGE_BITS; k++) {
            mica_cptr_t slot = mica_env_slot(env);
            if (!slot || mica_untyped_retype(bi->untyped.start + i, MICA_FRAME_OBJECT, 0,
                                             MICA_CAP_INIT_CNODE, 0, 0, slot, 1) != MICA_NO_ERROR)
                return 0;
            mica_page_get_address_t a = mica_page_get_address(slot);
            if (a.error == MICA_NO_ERROR && a.paddr == paddr)
                return slot;
        }
    }
    return 0;
}

void example_disk_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_process_t drv, server, client;
    mica_error_t err = MICA_NO_ERROR;
    const mica_device_desc_t *blk = NULL;
    mica_env_init(&env, bi);
    files_trace_register();      /* --log names the file requests: files.open, ... */
    for (mica_word_t i = 0; i < bi->num_devices && i < MICA_MAX_DEVICES; i++)
        if (strcmp(bi->devices[i].name, "blk0") == 0)
            blk = &bi->devices[i];
    if (!blk) {
        printf("disk: this machine has no blk0 device\n");
        return;
    }

    /* The device: its register frame, its interrupt bound to a notification. */
    mica_cptr_t regs = device_frame(&env, bi, blk->paddr);
    mica_cptr_t irq = mica_env_slot(&env);
    mica_cptr_t ntfn = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    if (!regs || !irq || !ntfn ||
        mica_irq_control_get(MICA_CAP_IRQ_CONTROL, blk->irq, MICA_CAP_INIT_CNODE, irq,
                             MICA_WORD_BITS) != MICA_NO_ERROR ||
        mica_irq_handler_set_notification(irq, ntfn) != MICA_NO_ERROR) {
        printf("disk: cannot get blk0's registers or interrupt line %lu\n", blk->irq);
        return;
    }
    mica_cptr_t drv_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t fs_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t to_root = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    /* Ordinary frames: the virtqueue, the data frame (driver + server), the client's buffer. */
    mica_cptr_t ring = mica_env_make(&env, MICA_FRAME_OBJECT, 0);
    mica_cptr_t data = mica_env_make(&env, MICA_FRAME_OBJECT, 0);
    mica_cptr_t data2 = data ? mica_env_mint(&env, data, MICA_ALL_RIGHTS, 0) : 0;
    mica_cptr_t cbuf = mica_env_make(&env, MICA_FRAME_OBJECT, 0);
    mica_cptr_t cbuf2 = cbuf ? mica_env_mint(&env, cbuf, MICA_ALL_RIGHTS, 0) : 0;
    if (!drv_ep || !fs_ep || !to_root || !ring || !data2 || !cbuf2)
        err = env.error;

    /* The driver: registers, queue and data mapped; the caps it needs for Page_GetAddress. */
    mica_process_config_t dcfg = { .name = "virtio-blk", .prio = 200 };
    if (err == MICA_NO_ERROR)
        err = mica_process_create(&env, &dcfg, &drv);
    if (err == MICA_NO_ERROR)
        err = mica_user_map(&env, drv.vspace, DEV_VADDR, regs, MICA_READ_WRITE);
    if (err == MICA_NO_ERROR)
        err = mica_user_map(&env, drv.vspace, RING_VADDR, ring, MICA_READ_WRITE);
    if (err == MICA_NO_ERROR)
        err = mica_user_map(&env, drv.vspace, DRIVER_DATA, data, MICA_READ_WRITE);
    /* The server: its file system and disk state, the data frame, the client's buffer. */
    mica_process_config_t scfg = { .name = "ramfs", .prio = 150 };
    if (err == MICA_NO_ERROR)
        err = mica_process_create(&env, &scfg, &server);
    if (err == MICA_NO_ERROR)
        err = mica_user_map_pages(&env, server.vspace, FS_VADDR, FS_PAGES, MICA_READ_WRITE, NULL);
    if (err == MICA_NO_ERROR)
        err = mica_user_map_pages(&env, server.vspace, STORE_VADDR, 1, MICA_READ_WRITE, NULL);
    if (err == MICA_NO_ERROR)
        err = mica_user_map(&env, server.vspace, SERVER_DISKBUF, data2, MICA_READ_WRITE);
    if (err == MICA_NO_ERROR)
        err = mica_user_map(&env, server.vspace, SERVER_BUFFER + 1 * PAGE, cbuf2, MICA_READ_WRITE);
    mica_process_config_t ccfg = { .name = "client", .prio = 100 };
    if (err == MICA_NO_ERROR)
        err = mica_process_create(&env, &ccfg, &client);
    if (err == MICA_NO_ERROR)
        err = mica_user_map(&env, client.vspace, CLIENT_BUFFER, cbuf, MICA_READ_WRITE);
    if (err != MICA_NO_ERROR) {
        printf("disk: cannot set up: %s (%s)\n", mica_error_name(err), mica_env_error_text(&env));
        return;
    }

    /* Caps in the driver's CSpace: endpoint, notification, IRQ handler, then three frames. */
    mica_cptr_t d_ep = mica_process_give(&drv, drv_ep, MICA_CAN_READ, 0);
    mica_cptr_t d_ntfn = mica_process_give(&drv, ntfn, MICA_CAN_READ, 0);
    mica_cptr_t d_irq = mica_process_give(&drv, irq, MICA_ALL_RIGHTS, 0);
    mica_cptr_t d_frames = mica_process_give(&drv, regs, MICA_ALL_RIGHTS, 0);
    mica_cptr_t d_ring = mica_process_give(&drv, ring, MICA_ALL_RIGHTS, 0);
    mica_cptr_t d_data = mica_process_give(&drv, data, MICA_ALL_RIGHTS, 0);
    mica_cptr_t s_ep = mica_process_give(&server, fs_ep, MICA_CAN_READ, 0);
    mica_cptr_t s_drv = mica_process_give(&server, drv_ep, mica_cap_rights_new(1, 0, 0, 1), 0);
    mica_cptr_t c_ep = mica_process_give(&client, fs_ep, mica_cap_rights_new(1, 0, 0, 1), 1);
    mica_cptr_t c_root = mica_process_give(&client, to_root, MICA_CAN_WRITE, 1);
    if (!d_ep || !d_ntfn || !d_irq || !d_frames || d_ring != d_frames + 1 ||
        d_data != d_frames + 2 || !s_ep || !s_drv || !c_ep || !c_root) {
        printf("disk: cannot hand out caps\n");
        return;
    }
    mica_process_start(&drv, driver_main, d_ep, d_ntfn, d_irq, d_frames);
    mica_process_start(&server, server_main, s_ep, s_drv, 0, 0);
    mica_process_start(&client, client_main, c_ep, c_root, 0, 0);

    mica_word_t badge;
    mica_wait(to_root, &badge);
    files_client_t to_fs = { .ep = fs_ep };
    files_stop(&to_fs);
    mica_call_words(drv_ep, BLK_STOP, NULL, 0, NULL, 0);
    printf("root: all done\n");
}

#ifndef MICA_BUILTIN_EXAMPLES
int main(int argc, char **argv)
{
    return mica_main(argc, argv, example_disk_root, NULL);
}
#endif
