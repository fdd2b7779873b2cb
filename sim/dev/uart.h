/*
 * sim/dev/uart.h - the "uart0" device: a 16550-compatible UART
 * (docs/api.md "Time, interrupts and devices"; the model's rules are in uart.c).
 */
#ifndef MICA_SIM_DEV_UART_H
#define MICA_SIM_DEV_UART_H

#include <mica/device.h>
#include <mica/sim.h>

/* Register offsets: byte registers, stride 1, as the 16550's A2..A0. */
#define DEV_UART_RBR    0       /* R, DLAB=0: receive buffer (pops the RX FIFO) */
#define DEV_UART_THR    0       /* W, DLAB=0: transmit holding (pushes the TX FIFO) */
#define DEV_UART_DLL    0       /* DLAB=1: divisor latch, low byte */
#define DEV_UART_IER    1       /* DLAB=0: interrupt enable */
#define DEV_UART_DLM    1       /* DLAB=1: divisor latch, high byte */
#define DEV_UART_IIR    2       /* R: interrupt identification */
#define DEV_UART_FCR    2       /* W: FIFO control */
#define DEV_UART_LCR    3       /* line control (bit 7 DLAB) */
#define DEV_UART_MCR    4       /* modem control */
#define DEV_UART_LSR    5       /* line status */
#define DEV_UART_MSR    6       /* modem status */
#define DEV_UART_SCR    7       /* scratch */
#define DEV_UART_INSTAT 0x10    /* mica's own, R: the console input's state */

#define DEV_UART_IER_RDI    0x01    /* received data available (and character timeout) */
#define DEV_UART_IER_THRI   0x02    /* transmit holding register empty */
#define DEV_UART_IER_RLSI   0x04    /* receiver line status */
#define DEV_UART_IER_MSI    0x08    /* modem status */

#define DEV_UART_IIR_NONE   0x01    /* no interrupt pending */
#define DEV_UART_IIR_MSI    0x00
#define DEV_UART_IIR_THRI   0x02
#define DEV_UART_IIR_RDI    0x04
#define DEV_UART_IIR_RLSI   0x06
#define DEV_UART_IIR_TIMEOUT 0x0C
#define DEV_UART_IIR_ID_MASK 0x0F
#define DEV_UART_IIR_FIFOS  0xC0    /* FIFOs enabled */

#define DEV_UART_FCR_ENABLE 0x01
#define DEV_UART_FCR_CLR_RX 0x02
#define DEV_UART_FCR_CLR_TX 0x04
#define DEV_UART_FCR_TRIG_1  0x00
#define DEV_UART_FCR_TRIG_4  0x40
#define DEV_UART_FCR_TRIG_8  0x80
#define DEV_UART_FCR_TRIG_14 0xC0

#define DEV_UART_LCR_DLAB   0x80
#define DEV_UART_LCR_8N1    0x03

#define DEV_UART_MCR_DTR    0x01
#define DEV_UART_MCR_RTS    0x02
#define DEV_UART_MCR_OUT1   0x04
#define DEV_UART_MCR_OUT2   0x08
#define DEV_UART_MCR_LOOP   0x10

#define DEV_UART_LSR_DR     0x01    /* data ready */
#define DEV_UART_LSR_OE     0x02    /* overrun error (cleared by reading LSR) */
#define DEV_UART_LSR_THRE   0x20    /* THR / TX FIFO empty */
#define DEV_UART_LSR_TEMT   0x40    /* THR / TX FIFO and shift register empty */

#define DEV_UART_MSR_CTS    0x10
#define DEV_UART_MSR_DSR    0x20
#define DEV_UART_MSR_RI     0x40
#define DEV_UART_MSR_DCD    0x80

#define DEV_UART_INSTAT_EOF   0x01  /* no input byte will ever arrive again */
#define DEV_UART_INSTAT_INPUT 0x02  /* the run has console input (--input) */

#define DEV_UART_FIFO_SIZE  16
#define DEV_UART_CLOCK_HZ   1843200u        /* 115200 * 16 */
#define DEV_UART_BITS_PER_CHAR 10u          /* start, 8 data, stop */

/* ns of one character at `divisor` (0 counts as 65536), rounded to the nearest ns. */
uint64_t dev_uart_char_ns(unsigned divisor);

/* The first line of a record of uart0's input (mica_config_t.console_record). */
#define DEV_UART_RECORD_HEADER "# mica uart0 input record"

/* A record's arrivals in order: byte[i] arrives at at[i] ns; byte[i] = -1: the input ends. */
typedef struct dev_uart_record {
    uint64_t *at;
    int16_t *byte;
    size_t n;
} dev_uart_record_t;

/*
 * Read `path` as a record of uart0's input: 1 if it is one (its first line
 * is DEV_UART_RECORD_HEADER) and well formed, filled into *rec unless rec is
 * NULL; 0 if it is not a record (or cannot be opened: the caller says so);
 * -1 if it is a malformed record or reading it failed, with one line
 * saying where and why in err.
 */
int dev_uart_record_load(const char *path, dev_uart_record_t *rec, char *err, size_t errlen);
void dev_uart_record_free(dev_uart_record_t *rec);

/*
 * The UART's model (name "uart0", irq 3): output to cfg->console_output
 * (NULL = stdout), input from cfg->console_input ("-" = stdin, NULL =
 * none; a record file is replayed), its arrivals recorded to
 * cfg->console_record (NULL = none), opened by start() (-errno if they cannot be). State freed by stop().
 */
mica_device_model_t dev_uart_model(const mica_config_t *cfg);

#endif /* MICA_SIM_DEV_UART_H */
