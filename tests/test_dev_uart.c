/*
 * Unit: the 16550 model (sim/dev/uart.c) at register level on the fake
 * machine (tests/dev_fake.c), suite sim: reset values, character timing
 * from the divisor, THR-empty interrupt timing, loopback, FIFO trigger
 * levels, character timeout, overrun, IIR priorities, console input and
 * its EOF, bad accesses.
 */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dev_fake.h"
#include "../sim/dev/uart.h"

static char out_path[64], in_path[64];

/* A UART writing to a temporary file, reading `input` (NULL = no input). */
static mica_device_t *uart_with(const char *input, size_t n)
{
    strcpy(out_path, "/tmp/mica-uart-out-XXXXXX");
    int fd = mkstemp(out_path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    mica_config_t cfg = { .console_output = out_path };
    if (input) {
        strcpy(in_path, "/tmp/mica-uart-in-XXXXXX");
        fd = mkstemp(in_path);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, input, n), (ssize_t)n);
        close(fd);
        cfg.console_input = in_path;
    }
    mica_device_model_t m = dev_uart_model(&cfg);
    ck_assert_str_eq(m.name, "uart0");
    ck_assert_uint_eq(m.irq, 3);
    return fake_dev_new(m, 0);
}

static mica_device_t *uart(void) { return uart_with(NULL, 0); }

/* Stop the model and return what it wrote to the console (static buffer). */
static const char *uart_done(mica_device_t *d)
{
    static char buf[4096];
    fake_dev_free(d);
    FILE *f = fopen(out_path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    unlink(out_path);
    if (in_path[0])
        unlink(in_path);
    in_path[0] = 0;
    return buf;
}

static uint8_t rd(mica_device_t *d, unsigned off) { return (uint8_t)fake_dev_read(d, off, 1); }
static void wr(mica_device_t *d, unsigned off, uint8_t v) { fake_dev_write(d, off, 1, v); }
static uint8_t iir_id(mica_device_t *d) { return rd(d, DEV_UART_IIR) & DEV_UART_IIR_ID_MASK; }

#define C1 UINT64_C(86806)      /* one character at divisor 1 */

START_TEST(reset_values)
{
    mica_device_t *d = uart();
    ck_assert_uint_eq(rd(d, DEV_UART_IIR), 0x01);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR), DEV_UART_LSR_THRE | DEV_UART_LSR_TEMT);
    /* CTS and DSR; no DCD: there is no input, so no far end (carrier) */
    ck_assert_uint_eq(rd(d, DEV_UART_MSR), 0x30);
    ck_assert_uint_eq(rd(d, DEV_UART_LCR), 0);
    ck_assert_uint_eq(rd(d, DEV_UART_MCR), 0);
    ck_assert_uint_eq(rd(d, DEV_UART_IER), 0);
    wr(d, DEV_UART_SCR, 0x5a);
    ck_assert_uint_eq(rd(d, DEV_UART_SCR), 0x5a);
    wr(d, DEV_UART_LCR, DEV_UART_LCR_DLAB);
    ck_assert_uint_eq(rd(d, DEV_UART_DLL), 1);
    ck_assert_uint_eq(rd(d, DEV_UART_DLM), 0);
    wr(d, DEV_UART_LCR, DEV_UART_LCR_8N1);
    ck_assert_uint_eq(rd(d, DEV_UART_LCR), 3);
    ck_assert(!fake_dev_irq(d));
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    /* no input configured: EOF at once */
    ck_assert_uint_eq(rd(d, DEV_UART_INSTAT), DEV_UART_INSTAT_EOF);
    ck_assert_str_eq(uart_done(d), "");
}
END_TEST

START_TEST(character_time_from_divisor)
{
    ck_assert_uint_eq(dev_uart_char_ns(1), 86806);     /* 115200 baud: 86.8 us */
    ck_assert_uint_eq(dev_uart_char_ns(2), 173611);
    ck_assert_uint_eq(dev_uart_char_ns(12), 1041667);  /* 9600 baud */
    ck_assert_uint_eq(dev_uart_char_ns(0), 5688888889u);    /* as 65536 */
}
END_TEST

START_TEST(bytes_leave_one_character_time_apart)
{
    mica_device_t *d = uart();
    wr(d, DEV_UART_FCR, DEV_UART_FCR_ENABLE);
    wr(d, DEV_UART_THR, 'h');
    wr(d, DEV_UART_THR, 'i');
    wr(d, DEV_UART_THR, '\n');
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & (DEV_UART_LSR_THRE | DEV_UART_LSR_TEMT), 0);
    ck_assert_uint_eq(fake_dev_next_event(d), C1);
    fake_dev_advance_to(d, C1);
    ck_assert_uint_eq(fake_dev_next_event(d), 2 * C1);
    fake_dev_advance_to(d, 2 * C1);
    /* the last byte is in the shift register: THRE, not TEMT */
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & 0x60, DEV_UART_LSR_THRE);
    fake_dev_advance_to(d, 3 * C1 - 1);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & 0x60, DEV_UART_LSR_THRE);
    fake_dev_advance_to(d, 3 * C1);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & 0x60, 0x60);
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    ck_assert_str_eq(uart_done(d), "hi\n");
}
END_TEST

START_TEST(thr_empty_interrupt_timing)
{
    mica_device_t *d = uart();
    wr(d, DEV_UART_FCR, DEV_UART_FCR_ENABLE);
    /* enabling THRI while THR is empty interrupts at once */
    wr(d, DEV_UART_IER, DEV_UART_IER_THRI);
    ck_assert(fake_dev_irq(d));
    ck_assert_uint_eq(rd(d, DEV_UART_IIR), 0xC2);
    /* reading IIR acknowledged it */
    ck_assert_uint_eq(rd(d, DEV_UART_IIR), 0xC1);
    ck_assert(!fake_dev_irq(d));
    /* 16 bytes: the first goes to the shift register at once, the FIFO
     * empties when the 16th is loaded, 15 character times later */
    for (int i = 0; i < 16; i++)
        wr(d, DEV_UART_THR, (uint8_t)('a' + i));
    ck_assert(!fake_dev_irq(d));
    fake_dev_advance_to(d, 15 * C1 - 1);
    ck_assert(!fake_dev_irq(d));
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & DEV_UART_LSR_THRE, 0);
    fake_dev_advance_to(d, 15 * C1);
    ck_assert(fake_dev_irq(d));
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_THRI);
    ck_assert(!fake_dev_irq(d));
    /* a THR write also clears it: the 17th byte refills the FIFO */
    wr(d, DEV_UART_IER, 0);
    wr(d, DEV_UART_IER, DEV_UART_IER_THRI);
    ck_assert(fake_dev_irq(d));
    wr(d, DEV_UART_THR, 'q');
    ck_assert(!fake_dev_irq(d));
    fake_dev_advance_to(d, 16 * C1);            /* 'q' enters the shift register */
    ck_assert(fake_dev_irq(d));
    fake_dev_run_idle(d, 100 * C1);
    ck_assert_uint_eq(fake_dev_now(d), 17 * C1);
    ck_assert_str_eq(uart_done(d), "abcdefghijklmnopq");
}
END_TEST

START_TEST(thr_empty_without_fifo)
{
    mica_device_t *d = uart();
    wr(d, DEV_UART_IER, DEV_UART_IER_THRI);
    ck_assert_uint_eq(rd(d, DEV_UART_IIR), 0x02);   /* no FIFO bits */
    wr(d, DEV_UART_THR, 'x');   /* straight into the shift register: empty again */
    ck_assert(fake_dev_irq(d));
    wr(d, DEV_UART_THR, 'y');   /* held */
    ck_assert(!fake_dev_irq(d));
    wr(d, DEV_UART_THR, 'z');   /* holding register full: lost */
    fake_dev_advance_to(d, C1);
    ck_assert(fake_dev_irq(d));
    fake_dev_run_idle(d, 10 * C1);
    ck_assert_str_eq(uart_done(d), "xy");
}
END_TEST

START_TEST(loopback_receives_what_is_sent)
{
    mica_device_t *d = uart();
    wr(d, DEV_UART_FCR, DEV_UART_FCR_ENABLE);
    wr(d, DEV_UART_MCR, DEV_UART_MCR_LOOP | DEV_UART_MCR_RTS | DEV_UART_MCR_OUT2);
    /* MSR follows MCR: CTS = RTS, DCD = OUT2; from 0x30 (no carrier: no input)
     * CTS stays, DSR drops, DCD rises: deltas DDSR and DDCD */
    ck_assert_uint_eq(rd(d, DEV_UART_MSR), DEV_UART_MSR_CTS | DEV_UART_MSR_DCD | 0x0A);
    ck_assert_uint_eq(rd(d, DEV_UART_MSR), DEV_UART_MSR_CTS | DEV_UART_MSR_DCD);
    wr(d, DEV_UART_THR, 'L');
    wr(d, DEV_UART_THR, 'B');
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & DEV_UART_LSR_DR, 0);
    fake_dev_advance_to(d, C1);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & DEV_UART_LSR_DR, DEV_UART_LSR_DR);
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 'L');
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & DEV_UART_LSR_DR, 0);
    fake_dev_advance_to(d, 2 * C1);
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 'B');
    /* leaving loopback: the console got nothing */
    wr(d, DEV_UART_MCR, 0);
    ck_assert_uint_eq(rd(d, DEV_UART_MSR) & 0xF0, 0x30);
    ck_assert_str_eq(uart_done(d), "");
}
END_TEST

/* In loopback with FIFOs and trigger `fcr_trig`, send n bytes and return
 * the device n character times later. */
static mica_device_t *looped(uint8_t fcr_trig, unsigned n)
{
    mica_device_t *d = uart();
    wr(d, DEV_UART_FCR, DEV_UART_FCR_ENABLE | fcr_trig);
    wr(d, DEV_UART_MCR, DEV_UART_MCR_LOOP);
    wr(d, DEV_UART_IER, DEV_UART_IER_RDI | DEV_UART_IER_RLSI);
    for (unsigned i = 0; i < n; i++) {
        if (i >= 17)
            fake_dev_advance_to(d, (i - 16) * C1);  /* room in the TX FIFO */
        wr(d, DEV_UART_THR, (uint8_t)i);
    }
    fake_dev_advance_to(d, n * C1);
    return d;
}

START_TEST(rx_trigger_levels)
{
    static const struct { uint8_t fcr; unsigned level; } t[] = {
        { DEV_UART_FCR_TRIG_1, 1 }, { DEV_UART_FCR_TRIG_4, 4 },
        { DEV_UART_FCR_TRIG_8, 8 }, { DEV_UART_FCR_TRIG_14, 14 },
    };
    for (unsigned i = 0; i < 4; i++) {
        mica_device_t *d = looped(t[i].fcr, t[i].level - 1);
        /* one byte short: no interrupt (the timeout has not passed) */
        if (t[i].level > 1)
            ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_NONE);
        uart_done(d);
        d = looped(t[i].fcr, t[i].level);
        ck_assert_msg(fake_dev_irq(d), "level %u", t[i].level);
        ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_RDI);
        /* reading one byte goes below the level */
        rd(d, DEV_UART_RBR);
        if (t[i].level > 1) {
            ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_NONE);
            ck_assert(!fake_dev_irq(d));
        }
        uart_done(d);
    }
}
END_TEST

START_TEST(character_timeout)
{
    mica_device_t *d = looped(DEV_UART_FCR_TRIG_8, 3);
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_NONE);
    /* 4 character times after the last byte arrived */
    fake_dev_advance_to(d, 7 * C1 - 1);
    ck_assert(!fake_dev_irq(d));
    fake_dev_advance_to(d, 7 * C1);
    ck_assert(fake_dev_irq(d));
    ck_assert_uint_eq(rd(d, DEV_UART_IIR), 0xC0 | DEV_UART_IIR_TIMEOUT);
    /* reading a byte clears it and restarts the 4 character times */
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 0);
    ck_assert(!fake_dev_irq(d));
    fake_dev_advance(d, 4 * C1 - 1);
    ck_assert(!fake_dev_irq(d));
    fake_dev_advance(d, 1);
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_TIMEOUT);
    rd(d, DEV_UART_RBR);
    rd(d, DEV_UART_RBR);
    /* empty: no timeout again */
    fake_dev_advance(d, 100 * C1);
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_NONE);
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    uart_done(d);
}
END_TEST

START_TEST(overrun_sets_oe_and_loses_the_byte)
{
    mica_device_t *d = looped(DEV_UART_FCR_TRIG_14, 18);
    ck_assert(fake_dev_irq(d));
    /* line status outranks received data */
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_RLSI);
    uint8_t lsr = rd(d, DEV_UART_LSR);
    ck_assert_uint_eq(lsr & (DEV_UART_LSR_OE | DEV_UART_LSR_DR), DEV_UART_LSR_OE | DEV_UART_LSR_DR);
    /* reading LSR cleared OE: data is next */
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & DEV_UART_LSR_OE, 0);
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_RDI);
    /* the first 16 were kept, bytes 16 and 17 lost */
    for (unsigned i = 0; i < 16; i++)
        ck_assert_uint_eq(rd(d, DEV_UART_RBR), i);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & DEV_UART_LSR_DR, 0);
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_NONE);
    uart_done(d);
}
END_TEST

START_TEST(overrun_without_fifo_replaces_the_unread_byte)
{
    mica_device_t *d = uart();
    wr(d, DEV_UART_MCR, DEV_UART_MCR_LOOP);
    wr(d, DEV_UART_THR, 'a');
    wr(d, DEV_UART_THR, 'b');
    fake_dev_advance_to(d, 2 * C1);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & 0x03, 0x03);
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 'b');
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & 0x03, 0);
    uart_done(d);
}
END_TEST

START_TEST(iir_priorities)
{
    mica_device_t *d = looped(DEV_UART_FCR_TRIG_1, 17);     /* overrun + data */
    wr(d, DEV_UART_IER, 0x0F);  /* all four; THR is empty: THRE pending */
    wr(d, DEV_UART_MCR, DEV_UART_MCR_LOOP | DEV_UART_MCR_DTR);  /* a modem status change */
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_RLSI);
    rd(d, DEV_UART_LSR);
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_RDI);
    while (rd(d, DEV_UART_LSR) & DEV_UART_LSR_DR)
        rd(d, DEV_UART_RBR);
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_THRI);    /* and this read acknowledges it */
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_MSI);
    ck_assert(fake_dev_irq(d));
    /* entering loopback dropped CTS and DSR; DTR raised DSR again */
    ck_assert_uint_eq(rd(d, DEV_UART_MSR) & 0x0F, 0x03);
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_NONE);
    ck_assert(!fake_dev_irq(d));
    /* interrupts not enabled in IER are not reported */
    wr(d, DEV_UART_MCR, DEV_UART_MCR_LOOP);
    wr(d, DEV_UART_IER, 0);
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_NONE);
    wr(d, DEV_UART_IER, DEV_UART_IER_MSI);
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_MSI);
    uart_done(d);
}
END_TEST

START_TEST(fcr_clears_and_needs_bit0)
{
    mica_device_t *d = looped(DEV_UART_FCR_TRIG_14, 5);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & DEV_UART_LSR_DR, DEV_UART_LSR_DR);
    wr(d, DEV_UART_FCR, DEV_UART_FCR_ENABLE | DEV_UART_FCR_CLR_RX | DEV_UART_FCR_TRIG_14);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & DEV_UART_LSR_DR, 0);
    /* TX clear empties the FIFO, not the shift register */
    wr(d, DEV_UART_THR, 1);
    wr(d, DEV_UART_THR, 2);
    wr(d, DEV_UART_THR, 3);
    wr(d, DEV_UART_FCR, DEV_UART_FCR_ENABLE | DEV_UART_FCR_CLR_TX | DEV_UART_FCR_TRIG_14);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & 0x60, DEV_UART_LSR_THRE);
    fake_dev_advance(d, C1);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & 0x60, 0x60);
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 1);
    /* FIFOs off: IIR bits 6-7 clear, trigger bits are not taken */
    wr(d, DEV_UART_FCR, DEV_UART_FCR_TRIG_14);
    ck_assert_uint_eq(rd(d, DEV_UART_IIR) & 0xC0, 0);
    wr(d, DEV_UART_THR, 9);
    fake_dev_advance(d, C1);
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_RDI);     /* one byte is enough */
    uart_done(d);
}
END_TEST

START_TEST(divisor_changes_timing)
{
    mica_device_t *d = uart();
    wr(d, DEV_UART_LCR, DEV_UART_LCR_DLAB);
    wr(d, DEV_UART_DLL, 12);
    wr(d, DEV_UART_DLM, 0);
    wr(d, DEV_UART_LCR, DEV_UART_LCR_8N1);
    /* DLAB clear: offsets 0 and 1 are THR and IER again */
    ck_assert_uint_eq(rd(d, DEV_UART_IER), 0);
    wr(d, DEV_UART_FCR, DEV_UART_FCR_ENABLE);
    wr(d, DEV_UART_THR, 'a');
    wr(d, DEV_UART_THR, 'b');
    ck_assert_uint_eq(fake_dev_next_event(d), 1041667);
    /* a change during 'a' applies to 'b' */
    wr(d, DEV_UART_LCR, DEV_UART_LCR_DLAB);
    wr(d, DEV_UART_DLL, 2);
    wr(d, DEV_UART_LCR, DEV_UART_LCR_8N1);
    ck_assert_uint_eq(fake_dev_next_event(d), 1041667);
    fake_dev_advance_to(d, 1041667);
    ck_assert_uint_eq(fake_dev_next_event(d), 1041667 + 173611);
    /* DLM: divisor 0x100 */
    wr(d, DEV_UART_LCR, DEV_UART_LCR_DLAB);
    wr(d, DEV_UART_DLL, 0);
    wr(d, DEV_UART_DLM, 1);
    ck_assert_uint_eq(rd(d, DEV_UART_DLM), 1);
    wr(d, DEV_UART_LCR, 0);
    fake_dev_run_idle(d, 10000000);
    wr(d, DEV_UART_THR, 'c');
    ck_assert_uint_eq(fake_dev_next_event(d) - fake_dev_now(d), dev_uart_char_ns(256));
    fake_dev_run_idle(d, 100000000);
    ck_assert_str_eq(uart_done(d), "abc");
}
END_TEST

START_TEST(input_arrives_one_byte_per_character_time_while_rts)
{
    mica_device_t *d = uart_with("abc", 3);
    wr(d, DEV_UART_FCR, DEV_UART_FCR_ENABLE);
    ck_assert_uint_eq(rd(d, DEV_UART_INSTAT), DEV_UART_INSTAT_INPUT);
    /* nothing arrives until RTS */
    fake_dev_advance(d, 1000 * C1);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & DEV_UART_LSR_DR, 0);
    uint64_t t0 = fake_dev_now(d);
    wr(d, DEV_UART_MCR, DEV_UART_MCR_RTS | DEV_UART_MCR_DTR);
    ck_assert_uint_eq(fake_dev_next_event(d), t0 + C1);
    fake_dev_advance_to(d, t0 + C1);
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 'a');
    /* clearing RTS pauses the far end; nothing is lost */
    wr(d, DEV_UART_MCR, DEV_UART_MCR_DTR);
    fake_dev_advance(d, 50 * C1);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & DEV_UART_LSR_DR, 0);
    uint64_t t1 = fake_dev_now(d);
    wr(d, DEV_UART_MCR, DEV_UART_MCR_RTS);
    fake_dev_advance_to(d, t1 + C1);
    ck_assert_uint_eq(rd(d, DEV_UART_INSTAT), DEV_UART_INSTAT_INPUT);
    fake_dev_advance_to(d, t1 + 2 * C1);
    /* the last byte arrived: EOF is visible while it waits in the FIFO */
    ck_assert_uint_eq(rd(d, DEV_UART_INSTAT), DEV_UART_INSTAT_INPUT | DEV_UART_INSTAT_EOF);
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 'b');
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 'c');
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & DEV_UART_LSR_DR, 0);
    /* nothing more is scheduled once the timeout cannot happen */
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    uart_done(d);
}
END_TEST

START_TEST(slow_driver_overruns_console_input)
{
    char input[40];
    for (int i = 0; i < 40; i++)
        input[i] = (char)('A' + i);
    mica_device_t *d = uart_with(input, sizeof input);
    wr(d, DEV_UART_FCR, DEV_UART_FCR_ENABLE | DEV_UART_FCR_TRIG_8);
    wr(d, DEV_UART_IER, DEV_UART_IER_RDI | DEV_UART_IER_RLSI);
    wr(d, DEV_UART_MCR, DEV_UART_MCR_RTS);
    fake_dev_advance_to(d, 8 * C1);
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_RDI);
    fake_dev_run_idle(d, 1000 * C1);
    /* the last byte at 40 character times, the timeout 4 later */
    ck_assert_uint_eq(fake_dev_now(d), 44 * C1);
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_RLSI);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & 0x03, 0x03);
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(rd(d, DEV_UART_RBR), 'A' + i);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & DEV_UART_LSR_DR, 0);
    ck_assert_uint_eq(rd(d, DEV_UART_INSTAT) & DEV_UART_INSTAT_EOF, DEV_UART_INSTAT_EOF);
    uart_done(d);
}
END_TEST

START_TEST(loopback_holds_console_input)
{
    mica_device_t *d = uart_with("xy", 2);
    wr(d, DEV_UART_FCR, DEV_UART_FCR_ENABLE);
    wr(d, DEV_UART_MCR, DEV_UART_MCR_RTS | DEV_UART_MCR_LOOP);
    fake_dev_advance(d, 10 * C1);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & DEV_UART_LSR_DR, 0);
    wr(d, DEV_UART_MCR, DEV_UART_MCR_RTS);
    fake_dev_advance(d, 2 * C1);
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 'x');
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 'y');
    uart_done(d);
}
END_TEST

START_TEST(eof_drops_carrier_with_a_modem_status_interrupt)
{
    mica_device_t *d = uart_with("xy", 2);
    ck_assert_uint_eq(rd(d, DEV_UART_MSR), 0xB0);       /* carrier while input remains */
    wr(d, DEV_UART_FCR, DEV_UART_FCR_ENABLE);
    wr(d, DEV_UART_IER, DEV_UART_IER_MSI);
    wr(d, DEV_UART_MCR, DEV_UART_MCR_RTS);
    fake_dev_advance(d, C1);
    ck_assert(!fake_dev_irq(d));
    fake_dev_advance(d, C1);            /* 'y', the last byte: the far end hangs up */
    ck_assert(fake_dev_irq(d));
    ck_assert_uint_eq(iir_id(d), DEV_UART_IIR_MSI);
    ck_assert_uint_eq(rd(d, DEV_UART_MSR), 0x30 | 0x08);   /* DCD gone, DDCD */
    ck_assert(!fake_dev_irq(d));
    ck_assert_uint_eq(rd(d, DEV_UART_INSTAT), DEV_UART_INSTAT_INPUT | DEV_UART_INSTAT_EOF);
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 'x');
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 'y');
    uart_done(d);
}
END_TEST

START_TEST(pipe_input_is_read_as_it_comes)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
    close(p[0]);
    ck_assert_int_eq(write(p[1], "ab", 2), 2);
    strcpy(out_path, "/tmp/mica-uart-out-XXXXXX");
    close(mkstemp(out_path));
    mica_config_t cfg = { .console_input = "-", .console_output = out_path };
    mica_device_t *d = fake_dev_new(dev_uart_model(&cfg), 0);
    wr(d, DEV_UART_FCR, DEV_UART_FCR_ENABLE);
    wr(d, DEV_UART_MCR, DEV_UART_MCR_RTS);
    fake_dev_advance(d, 2 * C1);
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 'a');
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 'b');
    /* nothing in the pipe: the UART looks again every character time, and the
     * machine is not held up while the UART is busy (here: TX) */
    for (int i = 0; i < 20; i++)
        wr(d, DEV_UART_THR, 'o');
    fake_dev_advance(d, 10 * C1);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & DEV_UART_LSR_DR, 0);
    ck_assert_uint_eq(rd(d, DEV_UART_INSTAT), DEV_UART_INSTAT_INPUT);
    ck_assert_uint_eq(rd(d, DEV_UART_MSR) & DEV_UART_MSR_DCD, DEV_UART_MSR_DCD);
    /* more typed, then the writer closes: the bytes, then EOF */
    ck_assert_int_eq(write(p[1], "c", 1), 1);
    close(p[1]);
    fake_dev_advance(d, C1);
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 'c');
    fake_dev_run_idle(d, 100 * C1);
    ck_assert_uint_eq(rd(d, DEV_UART_INSTAT), DEV_UART_INSTAT_INPUT | DEV_UART_INSTAT_EOF);
    ck_assert_uint_eq(rd(d, DEV_UART_MSR) & DEV_UART_MSR_DCD, 0);
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    ck_assert_str_eq(uart_done(d), "ooooooooooooooooo");    /* 17 of 20: shift register + FIFO */
}
END_TEST

/*
 * A driver that polls: at fixed steps it reads LSR, RBR, INSTAT and MSR and
 * logs what it saw and when. With `pipe_w` >= 0 it also types into the pipe
 * between steps (the recording run); with -1 the input is a replayed record.
 */
static void polling_driver(mica_device_t *d, int pipe_w, char *log, size_t n)
{
    size_t len = 0;
    log[0] = 0;
    wr(d, DEV_UART_FCR, DEV_UART_FCR_ENABLE);
    wr(d, DEV_UART_MCR, DEV_UART_MCR_RTS);
    for (int step = 0; step < 60; step++) {
        if (pipe_w >= 0 && step == 3)
            ck_assert_int_eq(write(pipe_w, "hi", 2), 2);
        if (pipe_w >= 0 && step == 20)
            ck_assert_int_eq(write(pipe_w, "x", 1), 1);
        if (pipe_w >= 0 && step == 40)
            close(pipe_w);
        fake_dev_advance(d, C1 / 3);
        uint8_t lsr = rd(d, DEV_UART_LSR);
        if (lsr & DEV_UART_LSR_DR)
            len += (size_t)snprintf(log + len, n - len, "%llu:%02x ",
                                    (unsigned long long)fake_dev_now(d), rd(d, DEV_UART_RBR));
        uint8_t st = rd(d, DEV_UART_INSTAT), msr = rd(d, DEV_UART_MSR);
        len += (size_t)snprintf(log + len, n - len, "%x%02x ", st, msr);
        ck_assert_uint_lt(len, n);
    }
}

START_TEST(pipe_input_recorded_and_replayed)
{
    char rec_path[64] = "/tmp/mica-uart-rec-XXXXXX";
    close(mkstemp(rec_path));
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
    close(p[0]);
    strcpy(out_path, "/tmp/mica-uart-out-XXXXXX");
    close(mkstemp(out_path));
    mica_config_t cfg = { .console_input = "-", .console_output = out_path,
                          .console_record = rec_path };
    mica_device_t *d = fake_dev_new(dev_uart_model(&cfg), 0);
    static char log1[8192], log2[8192];
    polling_driver(d, p[1], log1, sizeof log1);
    uart_done(d);
    /* the record: header, each byte at its arrival time, the end */
    FILE *f = fopen(rec_path, "r");
    ck_assert_ptr_nonnull(f);
    char rec[1024];
    size_t rn = fread(rec, 1, sizeof rec - 1, f);
    rec[rn] = 0;
    fclose(f);
    ck_assert_msg(strncmp(rec, DEV_UART_RECORD_HEADER "\n@", sizeof DEV_UART_RECORD_HEADER + 1) == 0,
                  "record: %s", rec);
    ck_assert_ptr_nonnull(strstr(rec, " 68\n@"));
    ck_assert_ptr_nonnull(strstr(rec, " 69\n@"));
    ck_assert_ptr_nonnull(strstr(rec, " 78\n@"));
    ck_assert_ptr_nonnull(strstr(rec, " eof\n"));
    /* every byte arrives on the character-time grid from RTS (raised at 0) */
    for (const char *l = strchr(rec, '@'); l; l = strchr(l + 1, '@'))
        if (!strstr(l, " eof") || strstr(l, " eof") != strchr(l, ' '))
            ck_assert_uint_eq(strtoull(l + 1, NULL, 10) % C1, 0);
    /* replayed: the driver sees the same bytes, EOF and carrier at the same times */
    cfg = (mica_config_t){ .console_input = rec_path, .console_output = out_path };
    d = fake_dev_new(dev_uart_model(&cfg), 0);
    polling_driver(d, -1, log2, sizeof log2);
    uart_done(d);
    ck_assert_str_eq(log1, log2);
    ck_assert_ptr_nonnull(strstr(log1, ":68 "));
    ck_assert_ptr_nonnull(strstr(log1, ":78 "));
    ck_assert_ptr_nonnull(strstr(log1, "330 "));     /* EOF | INPUT; CTS, DSR, no DCD */
    unlink(rec_path);
}
END_TEST

START_TEST(replay_delivers_at_recorded_times_and_a_record_without_end_goes_silent)
{
    char rec_path[64] = "/tmp/mica-uart-rec-XXXXXX";
    int fd = mkstemp(rec_path);
    char text[256];
    int n = snprintf(text, sizeof text, DEV_UART_RECORD_HEADER "\n@%llu 41\n@%llu 42\n",
                     (unsigned long long)C1, (unsigned long long)(5 * C1));
    ck_assert_int_eq(write(fd, text, (size_t)n), n);
    close(fd);
    strcpy(out_path, "/tmp/mica-uart-out-XXXXXX");
    close(mkstemp(out_path));
    mica_config_t cfg = { .console_input = rec_path, .console_output = out_path };
    mica_device_t *d = fake_dev_new(dev_uart_model(&cfg), 0);
    wr(d, DEV_UART_FCR, DEV_UART_FCR_ENABLE);
    wr(d, DEV_UART_MCR, DEV_UART_MCR_RTS);
    fake_dev_advance_to(d, C1);
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 'A');
    fake_dev_advance_to(d, 5 * C1 - 1);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR) & DEV_UART_LSR_DR, 0);
    fake_dev_advance_to(d, 5 * C1);
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 'B');
    /* no end recorded: carrier stays, no EOF, and the UART stops looking */
    fake_dev_run_idle(d, 100 * C1);
    ck_assert_uint_eq(rd(d, DEV_UART_INSTAT), DEV_UART_INSTAT_INPUT);
    ck_assert_uint_eq(rd(d, DEV_UART_MSR) & DEV_UART_MSR_DCD, DEV_UART_MSR_DCD);
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    uart_done(d);
    unlink(rec_path);
}
END_TEST

START_TEST(malformed_records_are_refused)
{
    static const char *const bad[] = {
        DEV_UART_RECORD_HEADER "\n@10 6\n",
        DEV_UART_RECORD_HEADER "\n@10 61\n@5 62\n",
        DEV_UART_RECORD_HEADER "\n@10 eof\n@11 61\n",
        DEV_UART_RECORD_HEADER "\n10 61\n",
        DEV_UART_RECORD_HEADER "\n@99999999999999999999999 61\n",
        DEV_UART_RECORD_HEADER "\n\n",
    };
    char path[64], why[256];
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strcpy(path, "/tmp/mica-uart-rec-XXXXXX");
        int fd = mkstemp(path);
        ck_assert_int_eq(write(fd, bad[i], strlen(bad[i])), (ssize_t)strlen(bad[i]));
        close(fd);
        why[0] = 0;
        ck_assert_int_eq(dev_uart_record_load(path, NULL, why, sizeof why), -1);
        ck_assert_ptr_null(strchr(why, '\n'));
        ck_assert_ptr_nonnull(strstr(why, "line "));
        mica_config_t cfg = { .console_input = path };
        mica_device_t *d;
        ck_assert_int_lt(fake_dev_try_new(dev_uart_model(&cfg), 0, &d), 0);
        unlink(path);
    }
    /* an ordinary file is not a record; a good one loads */
    strcpy(path, "/tmp/mica-uart-rec-XXXXXX");
    int fd = mkstemp(path);
    const char *good = DEV_UART_RECORD_HEADER "\n@5 61\n@5 0a\n@9 eof\n";
    ck_assert_int_eq(write(fd, good, strlen(good)), (ssize_t)strlen(good));
    close(fd);
    dev_uart_record_t r;
    ck_assert_int_eq(dev_uart_record_load(path, &r, why, sizeof why), 1);
    ck_assert_uint_eq(r.n, 3);
    ck_assert_int_eq(r.byte[1], 0x0a);
    ck_assert_int_eq(r.byte[2], -1);
    ck_assert_uint_eq(r.at[2], 9);
    dev_uart_record_free(&r);
    fd = open(path, O_WRONLY | O_TRUNC);
    ck_assert_int_eq(write(fd, "hello\n", 6), 6);
    close(fd);
    ck_assert_int_eq(dev_uart_record_load(path, NULL, why, sizeof why), 0);
    unlink(path);
}
END_TEST

START_TEST(empty_input_is_eof_at_once)
{
    mica_device_t *d = uart_with("", 0);
    ck_assert_uint_eq(rd(d, DEV_UART_INSTAT), DEV_UART_INSTAT_INPUT | DEV_UART_INSTAT_EOF);
    wr(d, DEV_UART_MCR, DEV_UART_MCR_RTS);
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    uart_done(d);
}
END_TEST

START_TEST(missing_input_file_refuses_to_start)
{
    mica_config_t cfg = { .console_input = "/nonexistent/mica-input" };
    mica_device_t *d;
    ck_assert_int_lt(fake_dev_try_new(dev_uart_model(&cfg), 0, &d), 0);
    ck_assert_ptr_null(d);
}
END_TEST

START_TEST(bad_accesses_are_harmless)
{
    mica_device_t *d = uart();
    wr(d, DEV_UART_SCR, 0x77);
    for (unsigned off = 0; off < 4096; off++) {
        for (unsigned size = 1; size <= 8; size *= 2) {
            if (size == 1 && (off <= 7 || off == DEV_UART_INSTAT))
                continue;
            ck_assert_uint_eq(fake_dev_read(d, off, size), 0);
            fake_dev_write(d, off, size, UINT64_MAX);
        }
    }
    ck_assert_uint_eq(rd(d, DEV_UART_SCR), 0x77);
    ck_assert_uint_eq(rd(d, DEV_UART_LCR), 0);
    ck_assert_uint_eq(rd(d, DEV_UART_IER), 0);
    /* LSR and MSR writes are ignored; reading an empty RBR gives 0 */
    wr(d, DEV_UART_LSR, 0xff);
    wr(d, DEV_UART_MSR, 0xff);
    ck_assert_uint_eq(rd(d, DEV_UART_LSR), 0x60);
    ck_assert_uint_eq(rd(d, DEV_UART_RBR), 0);
    ck_assert_uint_eq(fake_dev_next_event(d), MICA_DEVICE_NEVER);
    ck_assert_str_eq(uart_done(d), "");
}
END_TEST

static Suite *uart_suite(void)
{
    Suite *s = suite_create("dev_uart");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, reset_values);
    tcase_add_test(tc, character_time_from_divisor);
    tcase_add_test(tc, bytes_leave_one_character_time_apart);
    tcase_add_test(tc, thr_empty_interrupt_timing);
    tcase_add_test(tc, thr_empty_without_fifo);
    tcase_add_test(tc, loopback_receives_what_is_sent);
    tcase_add_test(tc, rx_trigger_levels);
    tcase_add_test(tc, character_timeout);
    tcase_add_test(tc, overrun_sets_oe_and_loses_the_byte);
    tcase_add_test(tc, overrun_without_fifo_replaces_the_unread_byte);
    tcase_add_test(tc, iir_priorities);
    tcase_add_test(tc, fcr_clears_and_needs_bit0);
    tcase_add_test(tc, divisor_changes_timing);
    tcase_add_test(tc, input_arrives_one_byte_per_character_time_while_rts);
    tcase_add_test(tc, slow_driver_overruns_console_input);
    tcase_add_test(tc, loopback_holds_console_input);
    tcase_add_test(tc, eof_drops_carrier_with_a_modem_status_interrupt);
    tcase_add_test(tc, pipe_input_is_read_as_it_comes);
    tcase_add_test(tc, pipe_input_recorded_and_replayed);
    tcase_add_test(tc, replay_delivers_at_recorded_times_and_a_record_without_end_goes_silent);
    tcase_add_test(tc, malformed_records_are_refused);
    tcase_add_test(tc, empty_input_is_eof_at_once);
    tcase_add_test(tc, missing_input_file_refuses_to_start);
    tcase_add_test(tc, bad_accesses_are_harmless);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(uart_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
