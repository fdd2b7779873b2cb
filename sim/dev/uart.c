/*
 * sim/dev/uart.c - the "uart0" device: a 16550-compatible UART.
 *
 * Behaviour follows the 16550A data sheet as far as a driver can observe it,
 * with the machine's virtual time for the line:
 *
 * Registers: byte registers at offsets 0..7 (RBR/THR/DLL, IER/DLM, IIR/FCR,
 * LCR, MCR, LSR, MSR, SCR) and mica's own read-only INSTAT at 0x10. Only
 * 1-byte accesses are registers; any other size or offset reads 0 and
 * ignores writes.
 *
 * Timing: a character is 10 bits (start, 8 data, stop) at 1843200 /
 * (16 * divisor) baud: 86806 ns at divisor 1 (115200 baud), rounded to the
 * ns; a divisor of 0 counts as 65536. The divisor resets to 1. The word
 * length, parity and stop bits of LCR are stored and read back but change
 * neither the timing nor the data. A divisor change applies from the next
 * character on, not to the one on the line.
 *
 * Transmit: THR goes into the TX FIFO (16 bytes; 1 byte, the holding
 * register, with FIFOs off); a byte written when it is full is lost. The
 * shift register takes the next byte as soon as it is free and the byte
 * leaves it one character time later: then it is written to the console
 * output (or, in loopback, received). THRE (LSR bit 5) = TX FIFO empty,
 * TEMT (bit 6) = that and the shift register empty. The THR-empty
 * interrupt is set when the FIFO becomes empty (and when IER.THRI is set
 * while it is empty) and cleared by writing THR or by reading IIR while it
 * is the interrupt reported.
 *
 * Receive: the RX FIFO holds 16 bytes (1 with FIFOs off). A byte arriving
 * when it is full sets LSR.OE and is lost (with FIFOs off it replaces the
 * unread byte, as the 16450's RBR); reading LSR clears OE. Received-data
 * interrupt: at least the trigger level (FCR bits 6-7: 1, 4, 8, 14; 1 with
 * FIFOs off) in the FIFO. Character timeout (FIFOs on): bytes in the FIFO
 * and none received or read for 4 character times; cleared by reading RBR
 * or a new byte. No parity, framing or break errors ever happen.
 *
 * IIR: the highest-priority pending interrupt among those enabled in IER:
 * line status (0x06) > received data (0x04) / timeout (0x0C) > THR empty
 * (0x02) > modem status (0x00); 0x01 when none; bits 6-7 set with FIFOs on.
 * The interrupt line is the 16550's INTR output: asserted while IIR reports
 * one (there is no PC-style OUT2 gate).
 *
 * FCR: bit 0 enables the FIFOs (changing it empties both); bits 1 and 2
 * empty the RX and TX FIFOs (not the shift register); bits 6-7 the RX
 * trigger; with bit 0 clear the other bits are not taken, as on the 16550.
 *
 * MCR bit 4 (loopback): the transmitter's output is received, the console
 * gets nothing, no console input is received, and MSR's CTS, DSR, RI, DCD
 * follow MCR's RTS, DTR, OUT1, OUT2. Outside loopback MSR reads CTS and DSR
 * set, and DCD (carrier) while console input remains: the far end hangs up
 * at the end of the input (and there is none without input). MSR's delta
 * bits (0-3) record changes and clear on read.
 *
 * Console input (mica_config_t.console_input: a file, "-" = stdin): the far
 * end honours hardware flow control. While MCR.RTS is set (and not in
 * loopback) it sends the input's bytes one per character time: the first
 * one character time after RTS was raised, each next one a character time
 * after the previous. Clearing RTS pauses it (the byte not yet sent waits;
 * none is lost). A driver that keeps RTS set but reads too slowly overruns,
 * as on real hardware.
 *   From a regular file, arrival times depend only on the file's bytes and
 * on what the driver does, so a run under the virtual clock is reproducible
 * from the same file: the input is its own record.
 *   From a pipe or a terminal, a byte is sent when one has been typed by
 * the time it is due; when none has, the UART looks again a character time
 * later, and once it has been quiet (nothing to send, nothing received)
 * for 16 character times the machine waits for the host's next byte. So a
 * driver answers a typed line before the next is read, and arrival times
 * depend on when the host delivered the bytes (not reproducible).
 *
 * Recording and replay (mica_config_t.console_record): every byte of the
 * input that enters the receiver is appended to the record file as a line
 * "@<ns> <two hex digits>", with the virtual time at which it arrived, and
 * the end of the input as "@<ns> eof", each line flushed as it is written
 * (a crashed run leaves its record up to the crash). The file starts with
 * DEV_UART_RECORD_HEADER. Given as the input, such a file is replayed: each
 * byte arrives at the first arrival time (a character time, while RTS is
 * set) at or after its recorded time and the input ends at the first look
 * at or after the eof line's time; with the same program, seed and options
 * that is exactly when they arrived, so the run repeats bit for bit. A
 * record without an eof line (a crashed run) never ends: after its last
 * byte the far end stays silent (the UART stops looking for input).
 *
 * End of input: when the input is used up (the byte read ahead finds its
 * end), DCD drops - a modem status interrupt where IER enables it - and
 * mica's read-only INSTAT (0x10) reports it: bit 0 EOF - no byte will ever
 * arrive again (the input ended, or there is none); bit 1 INPUT - the run
 * has console input. From a file EOF is set when the last byte arrives, so
 * a driver that has drained the RX FIFO (LSR.DR clear) and sees EOF knows
 * the input has ended.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "uart.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct dev_uart {
    /* host side */
    char *in_path;              /* NULL = none, "-" = stdin */
    char *out_path;             /* NULL = stdout */
    FILE *out;
    int in_fd;                  /* -1 = none (or closed at EOF) */
    bool in_regular;            /* a regular file: reading never waits */
    uint8_t inbuf[4096];
    size_t in_pos, in_len;
    unsigned idle_polls;        /* polls of a pipe or terminal that found nothing */
    char *rec_path;             /* record arrivals here, NULL = none */
    FILE *rec;
    dev_uart_record_t replay;   /* the input is a record: replay it (n = 0: not one) */
    bool replaying;
    size_t replay_pos;
    /* registers */
    uint8_t ier, lcr, mcr, scr;
    uint8_t msr_lines;          /* MSR bits 4-7 */
    uint8_t msr_delta;          /* MSR bits 0-3 */
    uint16_t divisor;
    bool fifo_en;
    unsigned trigger;           /* RX trigger level with FIFOs on */
    bool oe;
    /* receiver */
    uint8_t rx[DEV_UART_FIFO_SIZE];
    unsigned rx_head, rx_count;
    uint64_t rx_activity;       /* last byte received or read (timeout base) */
    bool timeout_pending;
    /* transmitter */
    uint8_t tx[DEV_UART_FIFO_SIZE];
    unsigned tx_head, tx_count;
    bool tsr_busy;
    uint8_t tsr;
    uint64_t tx_done_at;
    bool thre_pending;
    /* the far end's input */
    bool has_input, eof, have_next;
    uint8_t next;
    uint64_t rx_next_at;        /* MICA_DEVICE_NEVER = nothing on its way */
    /* what the machine was told */
    uint64_t scheduled_at;
    bool line;
} dev_uart_t;

uint64_t dev_uart_char_ns(unsigned divisor)
{
    uint64_t d = divisor ? divisor : 65536;
    uint64_t num = d * DEV_UART_BITS_PER_CHAR * 16u * UINT64_C(1000000000);
    return (num + DEV_UART_CLOCK_HZ / 2) / DEV_UART_CLOCK_HZ;
}

static uint64_t char_ns(const dev_uart_t *u) { return dev_uart_char_ns(u->divisor); }
static unsigned fifo_cap(const dev_uart_t *u) { return u->fifo_en ? DEV_UART_FIFO_SIZE : 1; }
static bool rx_flowing(const dev_uart_t *u)
{
    return (u->mcr & DEV_UART_MCR_RTS) && !(u->mcr & DEV_UART_MCR_LOOP);
}

/* The interrupt IIR reports now (DEV_UART_IIR_NONE if none). */
static uint8_t uart_iir_id(const dev_uart_t *u)
{
    if ((u->ier & DEV_UART_IER_RLSI) && u->oe)
        return DEV_UART_IIR_RLSI;
    if (u->ier & DEV_UART_IER_RDI) {
        if (u->rx_count && u->rx_count >= (u->fifo_en ? u->trigger : 1))
            return DEV_UART_IIR_RDI;
        if (u->timeout_pending)
            return DEV_UART_IIR_TIMEOUT;
    }
    if ((u->ier & DEV_UART_IER_THRI) && u->thre_pending)
        return DEV_UART_IIR_THRI;
    if ((u->ier & DEV_UART_IER_MSI) && u->msr_delta)
        return DEV_UART_IIR_MSI;
    return DEV_UART_IIR_NONE;
}

/* When the character timeout would expire, MICA_DEVICE_NEVER if it cannot. */
static uint64_t timeout_at(const dev_uart_t *u)
{
    if (!u->fifo_en || !u->rx_count || u->timeout_pending)
        return MICA_DEVICE_NEVER;
    return u->rx_activity + 4 * char_ns(u);
}

/* After any change: drive the line, ask for the next event. */
static void uart_sync(mica_device_t *dev, dev_uart_t *u)
{
    bool level = uart_iir_id(u) != DEV_UART_IIR_NONE;
    if (level != u->line) {
        u->line = level;
        mica_device_set_irq(dev, level);
    }
    uint64_t next = MICA_DEVICE_NEVER;
    if (u->tsr_busy)
        next = u->tx_done_at;
    if (u->rx_next_at < next)
        next = u->rx_next_at;
    uint64_t to = timeout_at(u);
    if (to < next)
        next = to;
    if (next != u->scheduled_at) {
        u->scheduled_at = next;
        mica_device_schedule(dev, next);
    }
}

static void msr_update(dev_uart_t *u);

/* The far end hangs up: no byte will come again; DCD drops (a modem status change). */
static void input_ended(mica_device_t *dev, dev_uart_t *u, uint64_t at)
{
    u->eof = true;
    if (u->in_fd >= 0 || u->replaying) {
        mica_device_trace(dev, "input EOF");
        if (u->rec) {
            fprintf(u->rec, "@%" PRIu64 " eof\n", at);
            fflush(u->rec);
        }
        if (u->in_fd != STDIN_FILENO)
            close(u->in_fd);
    }
    u->in_fd = -1;
    msr_update(u);
}

/*
 * Read the input's next byte ahead, if there is one. A regular file is
 * simply read. A pipe or a terminal is read only when a byte is there
 * already (poll), unless `may_wait`: then the machine waits for one.
 */
static void input_fill(mica_device_t *dev, dev_uart_t *u, bool may_wait, uint64_t at)
{
    if (u->have_next || u->eof)
        return;
    if (u->replaying) {     /* bytes are taken by rx_arrival at their time; here only the end */
        const dev_uart_record_t *r = &u->replay;
        if (u->replay_pos < r->n && r->byte[u->replay_pos] < 0 && r->at[u->replay_pos] <= at) {
            u->replay_pos++;
            input_ended(dev, u, at);
        }
        return;
    }
    if (u->in_pos == u->in_len) {
        if (u->in_fd < 0) {
            input_ended(dev, u, at);
            return;
        }
        if (!u->in_regular && !may_wait) {
            struct pollfd pfd = { .fd = u->in_fd, .events = POLLIN };
            int r;
            do
                r = poll(&pfd, 1, 0);
            while (r < 0 && errno == EINTR);
            if (r == 0)
                return;                     /* nothing typed yet */
        }
        ssize_t n;
        do
            n = read(u->in_fd, u->inbuf, sizeof u->inbuf);
        while (n < 0 && errno == EINTR);
        if (n <= 0) {
            if (n < 0)
                mica_device_trace(dev, "input read error: %s", strerror(errno));
            input_ended(dev, u, at);
            return;
        }
        u->in_pos = 0;
        u->in_len = (size_t)n;
    }
    u->next = u->inbuf[u->in_pos++];
    u->have_next = true;
}

/* Whether a byte or the end may still arrive (a replayed record without an end goes silent). */
static bool may_arrive(const dev_uart_t *u)
{
    return !u->eof && !(u->replaying && u->replay_pos >= u->replay.n);
}

static void rx_receive(mica_device_t *dev, dev_uart_t *u, uint8_t byte, uint64_t at)
{
    if (u->rx_count < fifo_cap(u)) {
        u->rx[(u->rx_head + u->rx_count) % DEV_UART_FIFO_SIZE] = byte;
        u->rx_count++;
    } else {
        u->oe = true;
        if (!u->fifo_en)
            u->rx[u->rx_head] = byte;   /* the 16450's RBR: the unread byte is lost */
        mica_device_trace(dev, "RX overrun (0x%02x %s)", byte,
                          u->fifo_en ? "lost" : "replaced the unread byte");
    }
    u->rx_activity = at;
    u->timeout_pending = false;
}

/* Polls of a pipe or terminal that find nothing before, the UART being quiet, the machine waits for input. */
#define QUIET_POLLS 16

/*
 * The far end's next byte is due at `at` (or, from a pipe or terminal with
 * nothing typed yet, it is time to look again).
 */
static void rx_arrival(mica_device_t *dev, dev_uart_t *u, uint64_t at)
{
    u->rx_next_at = MICA_DEVICE_NEVER;
    if (u->replaying && u->replay_pos < u->replay.n && u->replay.byte[u->replay_pos] >= 0 &&
        u->replay.at[u->replay_pos] <= at) {
        u->next = (uint8_t)u->replay.byte[u->replay_pos++];
        u->have_next = true;
    }
    if (!u->have_next) {
        /* Wait for the host only once the UART has long had nothing else to do,
         * so a driver sees and answers what came before first. */
        bool quiet = !u->tsr_busy && !u->tx_count && !u->rx_count;
        input_fill(dev, u, quiet && u->idle_polls >= QUIET_POLLS, at);
    }
    if (u->have_next) {
        u->have_next = false;
        u->idle_polls = 0;
        if (u->rec) {
            fprintf(u->rec, "@%" PRIu64 " %02x\n", at, u->next);
            fflush(u->rec);
        }
        rx_receive(dev, u, u->next, at);
        input_fill(dev, u, false, at);
    } else if (!u->eof) {
        u->idle_polls++;
    }
    if (may_arrive(u) && rx_flowing(u))
        u->rx_next_at = at + char_ns(u);
}

/* The shift register is free at `at`: take the next byte from the TX FIFO. */
static void tx_load(dev_uart_t *u, uint64_t at)
{
    if (u->tsr_busy || !u->tx_count)
        return;
    u->tsr = u->tx[u->tx_head];
    u->tx_head = (u->tx_head + 1) % DEV_UART_FIFO_SIZE;
    u->tx_count--;
    u->tsr_busy = true;
    u->tx_done_at = at + char_ns(u);
    if (!u->tx_count)
        u->thre_pending = true;         /* THR / TX FIFO just became empty */
}

static void tx_done(mica_device_t *dev, dev_uart_t *u, uint64_t at)
{
    u->tsr_busy = false;
    if (u->mcr & DEV_UART_MCR_LOOP) {
        rx_receive(dev, u, u->tsr, at);
    } else if (u->out) {
        putc(u->tsr, u->out);
        if (u->tsr == '\n')
            fflush(u->out);
    }
    tx_load(u, at);
}

static void tx_clear(dev_uart_t *u)
{
    if (u->tx_count)
        u->thre_pending = true;
    u->tx_count = 0;
    u->tx_head = 0;
}

static void rx_clear(dev_uart_t *u)
{
    u->rx_count = 0;
    u->rx_head = 0;
    u->timeout_pending = false;
}

static uint8_t msr_lines_now(const dev_uart_t *u)
{
    if (!(u->mcr & DEV_UART_MCR_LOOP))       /* carrier while input remains */
        return DEV_UART_MSR_CTS | DEV_UART_MSR_DSR | (u->eof ? 0 : DEV_UART_MSR_DCD);
    uint8_t m = 0;
    if (u->mcr & DEV_UART_MCR_RTS) m |= DEV_UART_MSR_CTS;
    if (u->mcr & DEV_UART_MCR_DTR) m |= DEV_UART_MSR_DSR;
    if (u->mcr & DEV_UART_MCR_OUT1) m |= DEV_UART_MSR_RI;
    if (u->mcr & DEV_UART_MCR_OUT2) m |= DEV_UART_MSR_DCD;
    return m;
}

/* MSR's lines after a change of MCR or of the far end; the delta bits record it. */
static void msr_update(dev_uart_t *u)
{
    uint8_t old = u->msr_lines, now_lines = msr_lines_now(u);
    uint8_t changed = old ^ now_lines;
    if (changed & DEV_UART_MSR_CTS) u->msr_delta |= 0x01;
    if (changed & DEV_UART_MSR_DSR) u->msr_delta |= 0x02;
    if ((old & DEV_UART_MSR_RI) && !(now_lines & DEV_UART_MSR_RI)) u->msr_delta |= 0x04;
    if (changed & DEV_UART_MSR_DCD) u->msr_delta |= 0x08;
    u->msr_lines = now_lines;
}

static void mcr_write(mica_device_t *dev, dev_uart_t *u, uint8_t v)
{
    bool was_flowing = rx_flowing(u);
    u->mcr = v & 0x1F;
    msr_update(u);
    bool flowing = rx_flowing(u);
    if (flowing && !was_flowing) {
        input_fill(dev, u, false, mica_device_now(dev));
        if (may_arrive(u))
            u->rx_next_at = mica_device_now(dev) + char_ns(u);
    } else if (!flowing) {
        u->rx_next_at = MICA_DEVICE_NEVER;  /* paused: the byte not sent waits */
    }
}

static void fcr_write(dev_uart_t *u, uint8_t v)
{
    bool en = v & DEV_UART_FCR_ENABLE;
    if (en != u->fifo_en) {
        rx_clear(u);
        tx_clear(u);
        u->fifo_en = en;
    }
    if (!en)
        return;                         /* the other bits need bit 0 set */
    if (v & DEV_UART_FCR_CLR_RX)
        rx_clear(u);
    if (v & DEV_UART_FCR_CLR_TX)
        tx_clear(u);
    static const unsigned levels[4] = { 1, 4, 8, 14 };
    u->trigger = levels[v >> 6];
}

static uint64_t uart_read(mica_device_t *dev, void *ctx, mica_word_t offset, unsigned size)
{
    dev_uart_t *u = ctx;
    if (size != 1)
        return 0;
    bool dlab = u->lcr & DEV_UART_LCR_DLAB;
    uint8_t v = 0;
    switch (offset) {
    case DEV_UART_RBR:
        if (dlab) {
            v = u->divisor & 0xff;
        } else if (u->rx_count) {
            v = u->rx[u->rx_head];
            u->rx_head = (u->rx_head + 1) % DEV_UART_FIFO_SIZE;
            u->rx_count--;
            u->rx_activity = mica_device_now(dev);
            u->timeout_pending = false;
        }
        break;
    case DEV_UART_IER:
        v = dlab ? u->divisor >> 8 : u->ier;
        break;
    case DEV_UART_IIR:
        v = uart_iir_id(u);
        if (v == DEV_UART_IIR_THRI)
            u->thre_pending = false;    /* reading IIR acknowledges THR empty */
        if (u->fifo_en)
            v |= DEV_UART_IIR_FIFOS;
        break;
    case DEV_UART_LCR: v = u->lcr; break;
    case DEV_UART_MCR: v = u->mcr; break;
    case DEV_UART_LSR:
        if (u->rx_count) v |= DEV_UART_LSR_DR;
        if (u->oe) v |= DEV_UART_LSR_OE;
        if (!u->tx_count) v |= DEV_UART_LSR_THRE;
        if (!u->tx_count && !u->tsr_busy) v |= DEV_UART_LSR_TEMT;
        u->oe = false;
        break;
    case DEV_UART_MSR:
        v = u->msr_lines | u->msr_delta;
        u->msr_delta = 0;
        break;
    case DEV_UART_SCR: v = u->scr; break;
    case DEV_UART_INSTAT:
        input_fill(dev, u, false, mica_device_now(dev));
        v = (u->eof && !u->have_next ? DEV_UART_INSTAT_EOF : 0) |
            (u->has_input ? DEV_UART_INSTAT_INPUT : 0);
        break;
    default:
        return 0;
    }
    uart_sync(dev, u);
    return v;
}

static void uart_write(mica_device_t *dev, void *ctx, mica_word_t offset, unsigned size,
                       uint64_t value)
{
    dev_uart_t *u = ctx;
    if (size != 1 || offset > DEV_UART_SCR)
        return;
    uint8_t v = (uint8_t)value;
    bool dlab = u->lcr & DEV_UART_LCR_DLAB;
    switch (offset) {
    case DEV_UART_THR:
        if (dlab) {
            u->divisor = (u->divisor & 0xff00) | v;
            mica_device_trace(dev, "divisor %u", u->divisor);
            break;
        }
        if (u->tx_count < fifo_cap(u)) {
            u->tx[(u->tx_head + u->tx_count) % DEV_UART_FIFO_SIZE] = v;
            u->tx_count++;
        } else {
            mica_device_trace(dev, "TX FIFO full: 0x%02x lost", v);
        }
        u->thre_pending = false;
        tx_load(u, mica_device_now(dev));
        break;
    case DEV_UART_IER:
        if (dlab) {
            u->divisor = (uint16_t)((u->divisor & 0xff) | v << 8);
            mica_device_trace(dev, "divisor %u", u->divisor);
            break;
        }
        if ((v & DEV_UART_IER_THRI) && !(u->ier & DEV_UART_IER_THRI) && !u->tx_count)
            u->thre_pending = true;     /* enabling it while THR is empty interrupts */
        u->ier = v & 0x0F;
        break;
    case DEV_UART_FCR: fcr_write(u, v); break;
    case DEV_UART_LCR: u->lcr = v; break;
    case DEV_UART_MCR: mcr_write(dev, u, v); break;
    case DEV_UART_SCR: u->scr = v; break;
    default: break;                     /* LSR, MSR: read-only here */
    }
    uart_sync(dev, u);
}

static void uart_event(mica_device_t *dev, void *ctx)
{
    dev_uart_t *u = ctx;
    uint64_t now = mica_device_now(dev);
    u->scheduled_at = MICA_DEVICE_NEVER;    /* consumed */
    for (;;) {
        /* the earliest due happening first; each schedules only later ones */
        uint64_t t_tx = u->tsr_busy ? u->tx_done_at : MICA_DEVICE_NEVER;
        uint64_t t_rx = u->rx_next_at, t_to = timeout_at(u);
        uint64_t t = t_tx < t_rx ? t_tx : t_rx;
        if (t_to < t)
            t = t_to;
        if (t > now)
            break;
        if (t == t_tx)
            tx_done(dev, u, t);
        else if (t == t_rx)
            rx_arrival(dev, u, t);
        else
            u->timeout_pending = true;
    }
    uart_sync(dev, u);
}

void dev_uart_record_free(dev_uart_record_t *rec)
{
    free(rec->at);
    free(rec->byte);
    memset(rec, 0, sizeof *rec);
}

/* One record line after the header: "@<decimal ns> <hh>" or "@<decimal ns> eof". */
static const char *record_line(const char *s, uint64_t *at, int *byte)
{
    if (*s++ != '@')
        return "does not start with @";
    if (*s < '0' || *s > '9')
        return "no time after @";
    uint64_t t = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (t > (UINT64_MAX - 9) / 10)
            return "the time is too large";
        t = t * 10 + (uint64_t)(*s - '0');
    }
    if (*s++ != ' ')
        return "no space after the time";
    static const char hex[] = "0123456789abcdef";
    if (strcmp(s, "eof") == 0) {
        *byte = -1;
    } else if (s[0] && s[1] && !s[2] && strchr(hex, s[0]) && strchr(hex, s[1])) {
        *byte = (int)((strchr(hex, s[0]) - hex) << 4 | (strchr(hex, s[1]) - hex));
    } else {
        return "expected two lower-case hex digits or eof after the time";
    }
    *at = t;
    return NULL;
}

int dev_uart_record_load(const char *path, dev_uart_record_t *rec, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    dev_uart_record_t r = { 0 };
    size_t cap = 0, lineno = 0, len = 0;
    char *line = NULL;
    ssize_t got;
    int ret = 0;                        /* 1 once the header is read */
    const char *why = NULL;
    bool ended = false;
    while ((got = getline(&line, &len, f)) >= 0) {
        lineno++;
        if (got > 0 && line[got - 1] == '\n')
            line[--got] = 0;
        if (lineno == 1) {
            if (strcmp(line, DEV_UART_RECORD_HEADER) != 0) {
                break;                  /* an ordinary input file */
            }
            ret = 1;
            continue;
        }
        uint64_t at;
        int byte;
        if ((why = record_line(line, &at, &byte)) == NULL) {
            if (ended)
                why = "a line after eof";
            else if (r.n && at < r.at[r.n - 1])
                why = "the time goes back";
        }
        if (why)
            break;
        if (r.n == cap) {
            cap = cap ? 2 * cap : 256;
            uint64_t *na = realloc(r.at, cap * sizeof *na);
            if (na)
                r.at = na;
            int16_t *nb = na ? realloc(r.byte, cap * sizeof *nb) : NULL;
            if (!nb) {
                snprintf(err, errlen, "%s: out of memory reading the record", path);
                ret = -1;
                break;
            }
            r.byte = nb;
        }
        r.at[r.n] = at;
        r.byte[r.n++] = (int16_t)byte;
        ended = byte < 0;
    }
    if (why) {
        snprintf(err, errlen, "%s: line %zu of the uart0 input record: %s", path, lineno, why);
        ret = -1;
    } else if (ret == 1 && ferror(f)) {
        snprintf(err, errlen, "%s: reading the uart0 input record failed", path);
        ret = -1;
    }
    free(line);
    fclose(f);
    if (ret == 1 && rec)
        *rec = r;
    else
        dev_uart_record_free(&r);
    return ret;
}

static int uart_start(mica_device_t *dev, void *ctx)
{
    dev_uart_t *u = ctx;
    if (!u)
        return -ENOMEM;
    u->out = stdout;
    if (u->out_path && !(u->out = fopen(u->out_path, "w")))
        return errno ? -errno : -EIO;
    u->in_fd = -1;
    if (u->in_path) {
        u->has_input = true;
        char why[256];
        int r = strcmp(u->in_path, "-") == 0
                    ? 0 : dev_uart_record_load(u->in_path, &u->replay, why, sizeof why);
        if (r < 0) {
            mica_device_trace(dev, "input: %s", why);
            if (u->out != stdout)
                fclose(u->out);
            u->out = NULL;
            return -EINVAL;
        }
        u->replaying = r == 1;     /* then the record's arrivals are the input */
        if (!u->replaying && strcmp(u->in_path, "-") == 0)
            u->in_fd = STDIN_FILENO;
        else if (!u->replaying && (u->in_fd = open(u->in_path, O_RDONLY | O_CLOEXEC)) < 0) {
            int err = errno ? -errno : -EIO;
            if (u->out != stdout)
                fclose(u->out);     /* stop() is not called for a model that refused */
            u->out = NULL;
            return err;
        }
        struct stat st;
        u->in_regular = u->in_fd >= 0 && fstat(u->in_fd, &st) == 0 && S_ISREG(st.st_mode);
        if (u->rec_path) {
            if (!(u->rec = fopen(u->rec_path, "w"))) {
                int err = errno ? -errno : -EIO;
                if (u->out != stdout)
                    fclose(u->out);
                u->out = NULL;
                if (u->in_fd > STDIN_FILENO)
                    close(u->in_fd);
                dev_uart_record_free(&u->replay);
                return err;
            }
            fprintf(u->rec, "%s\n", DEV_UART_RECORD_HEADER);
            fflush(u->rec);
        }
    } else {
        u->eof = true;              /* no far end at all: no carrier */
    }
    u->divisor = 1;
    u->trigger = 1;
    u->msr_lines = msr_lines_now(u);
    u->rx_next_at = MICA_DEVICE_NEVER;
    u->scheduled_at = MICA_DEVICE_NEVER;
    mica_device_set_irq(dev, false);
    return 0;
}

static void uart_stop(mica_device_t *dev, void *ctx)
{
    dev_uart_t *u = ctx;
    if (!u)
        return;
    if (u->out && u->out != stdout)
        fclose(u->out);
    else if (u->out)
        fflush(u->out);
    if (u->in_fd > STDIN_FILENO)
        close(u->in_fd);
    if (u->rec)
        fclose(u->rec);
    dev_uart_record_free(&u->replay);
    free(u->in_path);
    free(u->out_path);
    free(u->rec_path);
    free(u);
}

mica_device_model_t dev_uart_model(const mica_config_t *cfg)
{
    dev_uart_t *u = calloc(1, sizeof *u);
    if (u && cfg) {
        if (cfg->console_input)
            u->in_path = strdup(cfg->console_input);
        if (cfg->console_output)
            u->out_path = strdup(cfg->console_output);
        if (cfg->console_record)
            u->rec_path = strdup(cfg->console_record);
        if ((cfg->console_input && !u->in_path) || (cfg->console_output && !u->out_path) ||
            (cfg->console_record && !u->rec_path)) {
            free(u->in_path);
            free(u->out_path);
            free(u->rec_path);
            free(u);
            u = NULL;
        }
    }
    return (mica_device_model_t){
        .name = "uart0", .irq = 3, .ctx = u,
        .read = uart_read, .write = uart_write, .event = uart_event,
        .start = uart_start, .stop = uart_stop,
    };
}
