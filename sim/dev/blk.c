/*
 * blk.c - blk0: a virtio-blk disk on a virtio-mmio version 2 register page,
 * written from the OASIS virtio 1.x specification ("Virtio Over MMIO",
 * "Split Virtqueues", "Block Device").
 *
 * One request queue (queue 0, at most BLK_QUEUE_NUM_MAX descriptors) in
 * the task's RAM, found by physical address. A write to QueueNotify takes
 * the new heads off the available ring and gives each a completion time
 * (the disk does one request at a time: 50 us + 2 us per 512 bytes after
 * the previous one ends). When that virtual time comes, the event callback
 * walks the descriptor chain, does the transfer (pread/pwrite on the
 * backing file, or memcpy on the in-memory disk), writes the status byte,
 * puts the head in the used ring and raises InterruptStatus bit 0, whose
 * line stays asserted until InterruptACK clears the bit.
 *
 * Whatever the driver writes - registers, rings, descriptors - never
 * crashes the machine: a malformed request completes with IOERR (or
 * UNSUPP for an unknown type); a ring the device cannot read or write, or
 * more new heads than the queue holds, sets DEVICE_NEEDS_RESET (with a
 * configuration change interrupt once DRIVER_OK is set) and the device
 * stops until the driver writes 0 to Status. All RAM access goes through
 * mica_device_dma_read/write, which refuse anything outside RAM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "blk.h"

/* The features blk0 offers; a driver that accepts any other bit does not get FEATURES_OK. */
#define BLK_FEATURES ((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_BLK_F_BLK_SIZE) | \
                      (1ull << VIRTIO_BLK_F_FLUSH))
#define BLK_CONFIG_BYTES 64     /* virtio_blk_config up to the fields blk0 fills, and zeros */
#define BLK_BOUNCE 4096         /* bytes moved between RAM and the disk at a time */
static const char blk_id[VIRTIO_BLK_ID_BYTES] = "mica-blk0";

struct pending {
    uint16_t head;              /* the chain's first descriptor */
    uint64_t at;                /* when it completes, virtual ns */
};

typedef struct blk {
    /* The disk. */
    char *path;                 /* backing file, NULL = in memory */
    int fd;
    unsigned char *mem;         /* the in-memory disk */
    uint64_t bytes;             /* disk_bytes asked for */
    uint64_t sectors;           /* capacity, 512-byte sectors */
    uint64_t fail_at, requests; /* fault injection: request number fail_at completes with IOERR */
    /* The virtio-mmio transport. */
    uint32_t status, isr;
    uint32_t dev_features_sel, drv_features_sel, queue_sel;
    uint64_t driver_features;
    struct {
        uint32_t num, ready;
        uint64_t desc, avail, used;
        uint16_t last_avail;    /* the next available-ring entry to take */
        uint16_t used_idx;      /* the used ring's idx as the device last wrote it */
    } q;
    /* Requests taken from the ring and not completed yet, in completion order. */
    struct pending pending[BLK_QUEUE_NUM_MAX];
    unsigned npending;
    uint64_t busy_until;
    unsigned char config[BLK_CONFIG_BYTES];
    unsigned char bounce[BLK_BOUNCE];
} blk_t;

static void put_le(unsigned char *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Back to the state after power-on (Status 0); the disk's contents stay. */
static void blk_reset(mica_device_t *dev, blk_t *b)
{
    b->status = b->isr = 0;
    b->dev_features_sel = b->drv_features_sel = b->queue_sel = 0;
    b->driver_features = 0;
    memset(&b->q, 0, sizeof b->q);
    b->npending = 0;
    b->busy_until = 0;
    mica_device_schedule(dev, MICA_DEVICE_NEVER);
    mica_device_set_irq(dev, false);
}

/* An error the device cannot recover from without a reset (virtio 1.x: DEVICE_NEEDS_RESET). */
static void needs_reset(mica_device_t *dev, blk_t *b, const char *why)
{
    if (b->status & VIRTIO_STATUS_NEEDS_RESET)
        return;
    mica_device_trace(dev, "needs reset: %s", why);
    b->status |= VIRTIO_STATUS_NEEDS_RESET;
    b->npending = 0;
    mica_device_schedule(dev, MICA_DEVICE_NEVER);
    if (b->status & VIRTIO_STATUS_DRIVER_OK) {
        b->isr |= VIRTIO_INT_CONFIG_CHANGE;
        mica_device_set_irq(dev, true);
    }
}

/* Whether the device processes its queue: set up, running, not broken. */
static int blk_running(const blk_t *b)
{
    return (b->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET |
                         VIRTIO_STATUS_FAILED)) == VIRTIO_STATUS_DRIVER_OK && b->q.ready;
}

/* --- descriptor chains -------------------------------------------------------------- */

struct seg {
    uint64_t addr;
    uint32_t len;
    int write;                  /* device-writable */
};

struct chain {
    struct seg seg[BLK_QUEUE_NUM_MAX];
    unsigned n;
    uint64_t in_bytes;          /* device-readable bytes (header, OUT data) */
    uint64_t out_bytes;         /* device-writable bytes (IN data, status) */
};

/*
 * Follow the chain from head. -1 when it is malformed: a descriptor
 * outside the table or RAM, a loop (more links than the queue has
 * descriptors), or a device-readable buffer after a device-writable one.
 */
static int walk_chain(mica_device_t *dev, blk_t *b, uint16_t head, struct chain *c)
{
    uint32_t i = head;
    c->n = 0;
    c->in_bytes = c->out_bytes = 0;
    for (;;) {
        unsigned char d[16];
        if (i >= b->q.num || c->n == b->q.num || c->n == BLK_QUEUE_NUM_MAX)
            return -1;
        if (mica_device_dma_read(dev, b->q.desc + 16ull * i, d, sizeof d) != 0)
            return -1;
        struct seg *s = &c->seg[c->n++];
        uint16_t flags = (uint16_t)get_le(d + 12, 2);
        s->addr = get_le(d, 8);
        s->len = (uint32_t)get_le(d + 8, 4);
        s->write = (flags & VIRTQ_DESC_F_WRITE) != 0;
        if (s->write)
            c->out_bytes += s->len;
        else if (c->out_bytes)
            return -1;
        else
            c->in_bytes += s->len;
        if (!(flags & VIRTQ_DESC_F_NEXT))
            return 0;
        i = (uint16_t)get_le(d + 14, 2);
    }
}

/* Whether every byte of [addr, addr + len) is RAM (RAM is one range from 0: its ends tell). */
static int in_ram(mica_device_t *dev, uint64_t addr, uint64_t len)
{
    unsigned char byte;
    if (len == 0)
        return 1;
    if (addr + len < addr)
        return 0;
    return mica_device_dma_read(dev, addr, &byte, 1) == 0 &&
           mica_device_dma_read(dev, addr + len - 1, &byte, 1) == 0;
}

/*
 * The bytes [off, off + len) of the chain's readable part (from_ram) or
 * writable part into or out of buf. -1 when a buffer is outside RAM.
 */
static int chain_copy(mica_device_t *dev, const struct chain *c, int writable, uint64_t off,
                      unsigned char *buf, uint64_t len)
{
    for (unsigned k = 0; k < c->n && len; k++) {
        const struct seg *s = &c->seg[k];
        if (s->write != writable)
            continue;
        if (off >= s->len) {
            off -= s->len;
            continue;
        }
        uint64_t n = s->len - off < len ? s->len - off : len;
        int rc = writable ? mica_device_dma_write(dev, s->addr + off, buf, n)
                          : mica_device_dma_read(dev, s->addr + off, buf, n);
        if (rc != 0)
            return -1;
        buf += n;
        len -= n;
        off = 0;
    }
    return len ? -1 : 0;
}

/* Every buffer of the chain in RAM. */
static int chain_in_ram(mica_device_t *dev, const struct chain *c)
{
    for (unsigned k = 0; k < c->n; k++)
        if (!in_ram(dev, c->seg[k].addr, c->seg[k].len))
            return 0;
    return 1;
}

/* --- the disk --------------------------------------------------------------------------- */

static int disk_io(blk_t *b, int write, uint64_t pos, unsigned char *buf, size_t n)
{
    if (!b->path) {
        if (write)
            memcpy(b->mem + pos, buf, n);
        else
            memcpy(buf, b->mem + pos, n);
        return 0;
    }
    while (n) {
        ssize_t k = write ? pwrite(b->fd, buf, n, (off_t)pos) : pread(b->fd, buf, n, (off_t)pos);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0) {           /* read past a file that shrank under us: zeros */
            if (write)
                return -1;
            memset(buf, 0, n);
            return 0;
        }
        buf += k;
        n -= (size_t)k;
        pos += (uint64_t)k;
    }
    return 0;
}

/*
 * Do the request whose chain is c; returns its status byte and sets
 * *written to the bytes it put in writable buffers before the status.
 */
static uint8_t do_request(mica_device_t *dev, blk_t *b, const struct chain *c, uint64_t *written)
{
    unsigned char hdr[16];
    *written = 0;
    if (c->in_bytes < sizeof hdr || chain_copy(dev, c, 0, 0, hdr, sizeof hdr) != 0)
        return VIRTIO_BLK_S_IOERR;
    uint32_t type = (uint32_t)get_le(hdr, 4);
    uint64_t sector = get_le(hdr + 8, 8);
    uint64_t in_data = c->in_bytes - sizeof hdr, out_data = c->out_bytes - 1;
    int fail = b->fail_at && b->requests == b->fail_at;

    switch (type) {
    case VIRTIO_BLK_T_IN:
    case VIRTIO_BLK_T_OUT: {
        int write = type == VIRTIO_BLK_T_OUT;
        uint64_t len = write ? in_data : out_data;
        /* Data in the direction the type says, whole sectors, inside the disk, in RAM. */
        if ((write ? out_data : in_data) != 0 || len % VIRTIO_BLK_SECTOR ||
            sector > b->sectors || len / VIRTIO_BLK_SECTOR > b->sectors - sector ||
            !chain_in_ram(dev, c) || fail)
            return VIRTIO_BLK_S_IOERR;
        for (uint64_t done = 0; done < len;) {
            size_t n = len - done < BLK_BOUNCE ? (size_t)(len - done) : BLK_BOUNCE;
            uint64_t pos = sector * VIRTIO_BLK_SECTOR + done;
            if (write ? chain_copy(dev, c, 0, sizeof hdr + done, b->bounce, n) != 0 ||
                            disk_io(b, 1, pos, b->bounce, n) != 0
                      : disk_io(b, 0, pos, b->bounce, n) != 0 ||
                            chain_copy(dev, c, 1, done, b->bounce, n) != 0)
                return VIRTIO_BLK_S_IOERR;
            done += n;
        }
        *written = write ? 0 : len;
        return VIRTIO_BLK_S_OK;
    }
    case VIRTIO_BLK_T_FLUSH:
        if (fail || (b->path && fdatasync(b->fd) != 0 && errno != EINVAL))
            return VIRTIO_BLK_S_IOERR;
        return VIRTIO_BLK_S_OK;
    case VIRTIO_BLK_T_GET_ID: {
        /* The ID string, NUL-padded, into the writable data (20 bytes, or fewer if shorter). */
        uint64_t n = out_data < VIRTIO_BLK_ID_BYTES ? out_data : VIRTIO_BLK_ID_BYTES;
        if (n == 0 || in_data != 0 || fail ||
            chain_copy(dev, c, 1, 0, (unsigned char *)blk_id, n) != 0)
            return VIRTIO_BLK_S_IOERR;
        *written = n;
        return VIRTIO_BLK_S_OK;
    }
    default:
        return fail ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_UNSUPP;
    }
}

/* Complete the request at head: transfer, status byte, used ring. -1 if the used ring is not RAM. */
static int complete(mica_device_t *dev, blk_t *b, uint16_t head)
{
    struct chain c;
    uint64_t written = 0;
    uint32_t used_len = 0;
    uint8_t st;
    b->requests++;
    if (walk_chain(dev, b, head, &c) != 0) {
        st = VIRTIO_BLK_S_IOERR;                    /* and no status byte to put it in */
        mica_device_trace(dev, "request %llu (head %u): malformed descriptor chain",
                          (unsigned long long)b->requests, head);
    } else if (c.out_bytes == 0) {
        st = VIRTIO_BLK_S_IOERR;
        mica_device_trace(dev, "request %llu (head %u): no status byte",
                          (unsigned long long)b->requests, head);
    } else {
        st = do_request(dev, b, &c, &written);
        /* The status byte: the last byte of the last writable buffer. */
        const struct seg *last = &c.seg[c.n - 1];
        if (last->len && mica_device_dma_write(dev, last->addr + last->len - 1, &st, 1) == 0)
            used_len = written < UINT32_MAX ? (uint32_t)(written + 1) : UINT32_MAX;
        else
            used_len = 0;
        unsigned char hdr[16] = { 0 };
        chain_copy(dev, &c, 0, 0, hdr, c.in_bytes < 16 ? 0 : 16);
        mica_device_trace(dev, "request %llu (head %u): type %u sector %llu, %llu bytes: %s",
                          (unsigned long long)b->requests, head, (unsigned)get_le(hdr, 4),
                          (unsigned long long)get_le(hdr + 8, 8),
                          (unsigned long long)(c.in_bytes > 16 ? c.in_bytes - 16 : c.out_bytes - 1),
                          st == VIRTIO_BLK_S_OK ? "ok" : st == VIRTIO_BLK_S_UNSUPP ? "unsupported"
                                                                                   : "I/O error");
    }
    /* used ring: u16 flags, u16 idx, then { u32 id; u32 len } [num]. */
    unsigned char elem[8], idx[2];
    put_le(elem, head, 4);
    put_le(elem + 4, used_len, 4);
    put_le(idx, (uint16_t)(b->q.used_idx + 1), 2);
    if (mica_device_dma_write(dev, b->q.used + 4 + 8ull * (b->q.used_idx % b->q.num), elem,
                              sizeof elem) != 0 ||
        mica_device_dma_write(dev, b->q.used + 2, idx, sizeof idx) != 0)
        return -1;
    b->q.used_idx++;
    return 0;
}

/* QueueNotify: take the new heads off the available ring and schedule their completions. */
static void notify(mica_device_t *dev, blk_t *b)
{
    unsigned char hdr[4];
    if (!blk_running(b))
        return;                                     /* a queue not ready is not looked at */
    if (b->q.num == 0 || b->q.num > BLK_QUEUE_NUM_MAX) {
        needs_reset(dev, b, "queue size is not 1..64");
        return;
    }
    if (mica_device_dma_read(dev, b->q.avail, hdr, sizeof hdr) != 0) {
        needs_reset(dev, b, "available ring outside RAM");
        return;
    }
    uint16_t idx = (uint16_t)get_le(hdr + 2, 2);
    uint16_t fresh = (uint16_t)(idx - b->q.last_avail);
    if (fresh + b->npending > b->q.num) {
        needs_reset(dev, b, "more requests than the queue holds");
        return;
    }
    uint64_t now = mica_device_now(dev);
    for (; b->q.last_avail != idx; b->q.last_avail++) {
        unsigned char e[2];
        if (mica_device_dma_read(dev, b->q.avail + 4 + 2ull * (b->q.last_avail % b->q.num), e,
                                 sizeof e) != 0) {
            needs_reset(dev, b, "available ring outside RAM");
            return;
        }
        uint16_t head = (uint16_t)get_le(e, 2);
        /* Latency from the data's size (a malformed chain costs the fixed part). */
        struct chain c;
        uint64_t bytes = 0;
        if (walk_chain(dev, b, head, &c) == 0)
            bytes = c.in_bytes > 16 ? c.in_bytes - 16 : c.out_bytes > 1 ? c.out_bytes - 1 : 0;
        uint64_t start = b->busy_until > now ? b->busy_until : now;
        uint64_t sectors = (bytes + VIRTIO_BLK_SECTOR - 1) / VIRTIO_BLK_SECTOR;
        if (sectors > (1ull << 32))
            sectors = 1ull << 32;
        b->busy_until = start + BLK_LATENCY_NS + sectors * BLK_LATENCY_PER_SECTOR_NS;
        b->pending[b->npending].head = head;
        b->pending[b->npending].at = b->busy_until;
        if (b->npending++ == 0)
            mica_device_schedule(dev, b->busy_until);
    }
}

static void blk_event(mica_device_t *dev, void *ctx)
{
    blk_t *b = ctx;
    uint64_t now = mica_device_now(dev);
    unsigned done = 0;
    while (done < b->npending && b->pending[done].at <= now && blk_running(b)) {
        if (complete(dev, b, b->pending[done].head) != 0) {
            needs_reset(dev, b, "used ring outside RAM");
            return;
        }
        done++;
    }
    if (!blk_running(b))
        return;
    memmove(b->pending, b->pending + done, (b->npending - done) * sizeof b->pending[0]);
    b->npending -= done;
    mica_device_schedule(dev, b->npending ? b->pending[0].at : MICA_DEVICE_NEVER);
    if (done) {
        /* Used buffer notification, unless the driver asked for none (avail flags). */
        unsigned char f[2];
        if (mica_device_dma_read(dev, b->q.avail, f, sizeof f) == 0 &&
            (get_le(f, 2) & VIRTQ_AVAIL_F_NO_INTERRUPT))
            return;
        b->isr |= VIRTIO_INT_USED_BUFFER;
        mica_device_set_irq(dev, true);
    }
}

/* --- registers ---------------------------------------------------------------------------- */

static uint64_t blk_read(mica_device_t *dev, void *ctx, mica_word_t off, unsigned size)
{
    blk_t *b = ctx;
    (void)dev;
    if (off >= VIRTIO_MMIO_CONFIG) {
        /* Config space: any width, byte-aligned; past its end reads as zeros. */
        uint64_t v = 0;
        for (unsigned i = 0; i < size && i < 8; i++) {
            uint64_t k = off - VIRTIO_MMIO_CONFIG + i;
            if (k < BLK_CONFIG_BYTES)
                v |= (uint64_t)b->config[k] << (8 * i);
        }
        return v;
    }
    if (size != 4 || off % 4)
        return 0;                                   /* control registers are 32-bit */
    switch (off) {
    case VIRTIO_MMIO_MAGIC_VALUE:   return VIRTIO_MMIO_MAGIC;
    case VIRTIO_MMIO_VERSION:       return 2;
    case VIRTIO_MMIO_DEVICE_ID:     return VIRTIO_ID_BLOCK;
    case VIRTIO_MMIO_VENDOR_ID:     return VIRTIO_VENDOR_MICA;
    case VIRTIO_MMIO_DEVICE_FEATURES:
        return b->dev_features_sel < 2 ? (uint32_t)(BLK_FEATURES >> (32 * b->dev_features_sel)) : 0;
    case VIRTIO_MMIO_QUEUE_NUM_MAX: return b->queue_sel == 0 ? BLK_QUEUE_NUM_MAX : 0;
    case VIRTIO_MMIO_QUEUE_READY:   return b->queue_sel == 0 ? b->q.ready : 0;
    case VIRTIO_MMIO_INTERRUPT_STATUS: return b->isr;
    case VIRTIO_MMIO_STATUS:        return b->status;
    case VIRTIO_MMIO_CONFIG_GENERATION: return 0;  /* the config never changes */
    default:                        return 0;       /* write-only or unused */
    }
}

/* The driver's accepted features allow FEATURES_OK: VERSION_1, and nothing blk0 did not offer. */
static int features_acceptable(const blk_t *b)
{
    return (b->driver_features & ~BLK_FEATURES) == 0 &&
           (b->driver_features & (1ull << VIRTIO_F_VERSION_1));
}

static void set_addr(uint64_t *a, int high, uint32_t v)
{
    *a = high ? (*a & 0xffffffffull) | ((uint64_t)v << 32) : (*a & ~0xffffffffull) | v;
}

static void blk_write(mica_device_t *dev, void *ctx, mica_word_t off, unsigned size, uint64_t value)
{
    blk_t *b = ctx;
    uint32_t v = (uint32_t)value;
    if (off >= VIRTIO_MMIO_CONFIG || size != 4 || off % 4)
        return;             /* blk0's config space is read-only; control registers are 32-bit */
    /* Queue layout registers: queue 0 only, and only while it is not ready. */
    int queue_setup = b->queue_sel == 0 && !b->q.ready;
    switch (off) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL: b->dev_features_sel = v; break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL: b->drv_features_sel = v; break;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        /* Features are fixed once FEATURES_OK is set; words past 1 are not features blk0 has. */
        if (b->status & VIRTIO_STATUS_FEATURES_OK)
            break;
        if (b->drv_features_sel < 2) {
            unsigned sh = 32 * b->drv_features_sel;
            b->driver_features = (b->driver_features & ~(0xffffffffull << sh)) | ((uint64_t)v << sh);
        } else if (v) {
            b->driver_features |= 1ull << 63;   /* an unknown feature: FEATURES_OK will fail */
        }
        break;
    case VIRTIO_MMIO_QUEUE_SEL:       b->queue_sel = v; break;
    case VIRTIO_MMIO_QUEUE_NUM:       if (queue_setup) b->q.num = v; break;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
        if (queue_setup) set_addr(&b->q.desc, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
        break;
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
        if (queue_setup) set_addr(&b->q.avail, off == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, v);
        break;
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
        if (queue_setup) set_addr(&b->q.used, off == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, v);
        break;
    case VIRTIO_MMIO_QUEUE_READY:
        if (b->queue_sel != 0)
            break;
        if (v & 1) {
            if (!b->q.ready) {
                /* A queue (re)starts from the rings' current indices. */
                unsigned char idx[2];
                b->q.ready = 1;
                if (mica_device_dma_read(dev, b->q.used + 2, idx, sizeof idx) == 0)
                    b->q.used_idx = (uint16_t)get_le(idx, 2);
                b->q.last_avail = b->q.used_idx;
            }
        } else {
            b->q.ready = 0;
            b->npending = 0;
            mica_device_schedule(dev, MICA_DEVICE_NEVER);
        }
        break;
    case VIRTIO_MMIO_QUEUE_NOTIFY:
        if (v == 0)
            notify(dev, b);
        break;
    case VIRTIO_MMIO_INTERRUPT_ACK:
        b->isr &= ~v;
        mica_device_set_irq(dev, b->isr != 0);
        break;
    case VIRTIO_MMIO_STATUS:
        if (v == 0) {
            blk_reset(dev, b);
            break;
        }
        v &= 0xff & ~(uint32_t)VIRTIO_STATUS_NEEDS_RESET;  /* that bit is the device's */
        if ((v & VIRTIO_STATUS_FEATURES_OK) && !(b->status & VIRTIO_STATUS_FEATURES_OK) &&
            !features_acceptable(b)) {
            mica_device_trace(dev, "features %#llx refused (FEATURES_OK stays clear)",
                              (unsigned long long)b->driver_features);
            v &= ~(uint32_t)VIRTIO_STATUS_FEATURES_OK;
        }
        /* DRIVER_OK without negotiated features is a driver bug: the device will not run. */
        if ((v & VIRTIO_STATUS_DRIVER_OK) && !(v & VIRTIO_STATUS_FEATURES_OK))
            v &= ~(uint32_t)VIRTIO_STATUS_DRIVER_OK;
        b->status = v | (b->status & VIRTIO_STATUS_NEEDS_RESET);
        break;
    default:
        break;              /* read-only or unused: ignored */
    }
}

/* --- life cycle ------------------------------------------------------------------------------ */

static int blk_start(mica_device_t *dev, void *ctx)
{
    blk_t *b = ctx;
    if (!b)
        return -ENOMEM;                 /* dev_blk_model could not allocate */
    uint64_t bytes = b->bytes;
    if (b->path) {
        if (b->fd < 0) {
            b->fd = open(b->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
            if (b->fd < 0)
                return -errno;
            struct stat st;
            /* A new (or empty) file is made sparse at disk_bytes; an existing one keeps its size. */
            if (fstat(b->fd, &st) != 0 || (st.st_size == 0 && ftruncate(b->fd, (off_t)bytes) != 0)) {
                int err = errno;
                close(b->fd);
                b->fd = -1;
                return -err;
            }
            if (st.st_size > 0)
                bytes = (uint64_t)st.st_size;
        }
    } else if (!b->mem) {
        b->mem = calloc(1, bytes ? bytes : 1);
        if (!b->mem)
            return -ENOMEM;
    }
    b->sectors = bytes / VIRTIO_BLK_SECTOR;
    memset(b->config, 0, sizeof b->config);
    put_le(b->config + VIRTIO_BLK_CFG_CAPACITY, b->sectors, 8);
    put_le(b->config + VIRTIO_BLK_CFG_BLK_SIZE, VIRTIO_BLK_SECTOR, 4);
    b->requests = 0;
    blk_reset(dev, b);
    return 0;
}

/* The run is over: the file is closed (its writes are in the host's page cache), memory freed. */
static void blk_stop(mica_device_t *dev, void *ctx)
{
    blk_t *b = ctx;
    (void)dev;
    if (!b)
        return;
    if (b->fd >= 0)
        close(b->fd);
    free(b->mem);
    free(b->path);
    free(b);
}

mica_device_model_t dev_blk_model(const mica_config_t *cfg)
{
    mica_device_model_t m = { .name = "blk0", .irq = 4, .read = blk_read, .write = blk_write,
                              .event = blk_event, .start = blk_start, .stop = blk_stop };
    blk_t *b = calloc(1, sizeof *b);
    if (!b)
        return m;                   /* ctx NULL: the machine refuses to start without memory */
    b->fd = -1;
    b->bytes = cfg->disk_bytes ? cfg->disk_bytes : 16ull << 20;
    b->fail_at = cfg->disk_fail_at;
    if (cfg->disk_path && !(b->path = strdup(cfg->disk_path))) {
        free(b);
        return m;
    }
    m.ctx = b;
    return m;
}
