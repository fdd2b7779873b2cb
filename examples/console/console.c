/*
 * console - a 16550 UART driver and a line-buffered console server; a
 * client reads lines from the console and writes each back.
 *
 *   mica run console --input lines.txt      (or: printf 'a\nb\n' | mica run console --input -)
 *
 * The console server owns "uart0": its register page is mapped in its
 * VSpace and the UART's IRQHandler signals a notification bound to the
 * server's TCB, so one Recv returns a client's request or the interrupt.
 *
 * The driver, as a 16550 driver on any machine: divisor 1 (115200 baud),
 * 8N1, FIFOs on with the receive trigger at 8 bytes, interrupts for
 * received data and line status, DTR|RTS|OUT2 in MCR. On an interrupt it
 * reads IIR until no interrupt is pending: line status (read LSR: an
 * overrun is counted), received data or character timeout (read RBR while
 * LSR.DR: bytes go into the line being built; '\n' completes it), THR empty
 * (refill the 16-byte TX FIFO from the server's output buffer; THR-empty
 * interrupts are enabled only while output is waiting). Then it acks the
 * IRQ.
 *
 * Flow control: the UART's input (--input) arrives one byte per character
 * time while the driver holds RTS. When the server's queue of complete
 * lines is full it drops RTS, and raises it again when a line is taken, so
 * no byte is lost however slow the client is.
 *
 * End of input: the far end hangs up - DCD drops in MSR, a modem status
 * interrupt - and mica's read-only INSTAT register (offset 0x10) says in
 * bit 0 that no byte will arrive again. Once it is set and the FIFO is
 * drained, the server hands out what is left as a last line and then
 * answers readline with "end of input"; the client writes a last line and
 * ends, the server has nothing left to do, the output drains and the
 * system stops (idle: exit 0).
 *
 * Requests (Call): WRITE (label 1; MR0 = length, then the bytes) is
 * answered when the bytes are in the output buffer; READLINE (label 2) is
 * answered with a line (label 0, MR0 = length, then the bytes with their
 * '\n') or end of input (label 1), and waits while neither is there.
 */
#include <stdio.h>
#include <string.h>
#include <mica/mica.h>
#include "../examples.h"
#include "../devices.h"
#include "../uart16550.h"

#define IRQ_BADGE (1ul << 32)
enum { OP_WRITE = 1, OP_READLINE = 2 };
enum { R_LINE = 0, R_EOF = 1 };

#define MSG_BYTES ((MICA_MSG_MAX_LENGTH - 1) * sizeof(mica_word_t))
#define LINE_MAX 128
#define LINES 4
#define TXBUF 4096

static volatile uint8_t *uart;
static mica_cptr_t server_ep, irq_handler, client_ep;

/* --- message helpers: a byte string in MR1.., its length in MR0 --------------- */

static mica_msginfo_t put_bytes(mica_word_t label, const char *p, size_t n)
{
    mica_word_t w[MICA_MSG_MAX_LENGTH - 1] = { 0 };
    if (n > MSG_BYTES)
        n = MSG_BYTES;
    memcpy(w, p, n);
    size_t words = (n + sizeof(mica_word_t) - 1) / sizeof(mica_word_t);
    mica_set_mr(0, n);
    for (size_t i = 0; i < words; i++)
        mica_set_mr((int)i + 1, w[i]);
    return mica_msginfo_new(label, 0, 0, 1 + words);
}

static size_t get_bytes(mica_msginfo_t info, char *p, size_t size)
{
    mica_word_t w[MICA_MSG_MAX_LENGTH - 1];
    size_t words = mica_msginfo_get_length(info);
    size_t n = words ? mica_get_mr(0) : 0;
    words = words ? words - 1 : 0;
    if (n > words * sizeof(mica_word_t))
        n = words * sizeof(mica_word_t);
    if (n > size)
        n = size;
    for (size_t i = 0; i < words && i < MICA_MSG_MAX_LENGTH - 1; i++)
        w[i] = mica_get_mr((int)i + 1);
    memcpy(p, w, n);
    return n;
}

/* --- the console server and its 16550 driver ------------------------------------ */

static char tx[TXBUF];                      /* output waiting for the UART */
static size_t tx_head, tx_len;
static char lines[LINES][LINE_MAX];         /* complete lines, oldest first */
static size_t line_len[LINES];
static unsigned line_first, nlines;
static char cur[LINE_MAX];                  /* the line being received */
static size_t cur_len;
static int input_ended;                     /* 1: EOF seen, FIFO drained; 2: reported */
static int had_input;                       /* the run has console input at all */
static int reader_waiting;                  /* the client waits in READLINE */
static mica_cptr_t reader_reply;            /* its saved reply cap */
static unsigned long rx_bytes, rx_lines, overruns;

static void tx_put(const char *p, size_t n)
{
    for (size_t i = 0; i < n && tx_len < TXBUF; i++, tx_len++)
        tx[(tx_head + tx_len) % TXBUF] = p[i];
}

/* Refill the UART's TX FIFO if it is empty; THR-empty interrupts only while output waits. */
static void tx_kick(void)
{
    if (uart[LSR] & LSR_THRE)
        for (int i = 0; i < 16 && tx_len; i++, tx_len--) {
            uart[THR] = (uint8_t)tx[tx_head];
            tx_head = (tx_head + 1) % TXBUF;
        }
    uint8_t ier = uart[IER];
    uint8_t want = tx_len ? (ier | IER_THRI) : (ier & ~IER_THRI);
    if (want != ier)
        uart[IER] = want;
}

static void line_done(void)
{
    if (nlines == LINES)
        return;                             /* cannot happen: RTS is down when full */
    unsigned i = (line_first + nlines) % LINES;
    memcpy(lines[i], cur, cur_len);
    line_len[i] = cur_len;
    nlines++;
    rx_lines++;
    cur_len = 0;
    if (nlines == LINES) {
        /* Full: ask the far end to pause (RTS down) and stop the RX interrupts, which
         * would otherwise fire again and again while bytes wait in the FIFO. */
        uart[MCR] = MCR_DTR | MCR_OUT2;
        uart[IER] = uart[IER] & ~IER_RDI;
    }
}

static void rx_byte(char c)
{
    rx_bytes++;
    cur[cur_len++] = c;
    if (c == '\n' || cur_len == LINE_MAX)
        line_done();
}

/* Once, when the input has ended: a last line from the server itself. */
static void note_end(void)
{
    if (input_ended != 1)
        return;
    input_ended = 2;
    char note[128];
    int n = snprintf(note, sizeof note, "[console] %s: %lu lines, %lu bytes, %lu overruns\n",
                     had_input ? "end of input" : "no input", rx_lines, rx_bytes, overruns);
    tx_put(note, (size_t)n);
    tx_kick();
}

/* Give the waiting reader a line, or end of input, when there is one. */
static void serve_reader(void)
{
    if (!reader_waiting)
        return;
    if (nlines) {
        mica_msginfo_t m = put_bytes(R_LINE, lines[line_first], line_len[line_first]);
        line_first = (line_first + 1) % LINES;
        nlines--;
        if (nlines == LINES - 1 && !input_ended) {   /* room again: resume input */
            uart[IER] = uart[IER] | IER_RDI;
            uart[MCR] = MCR_DTR | MCR_RTS | MCR_OUT2;
        }
        mica_send(reader_reply, m);
    } else if (input_ended) {
        note_end();
        mica_send(reader_reply, mica_msginfo_new(R_EOF, 0, 0, 0));
    } else {
        return;
    }
    reader_waiting = 0;
}

static void check_eof(void)
{
    if (input_ended || (uart[LSR] & LSR_DR) || !(uart[INSTAT] & INSTAT_EOF))
        return;
    if (cur_len && nlines < LINES)
        line_done();                        /* a last line without its '\n' */
    if (!cur_len)
        input_ended = 1;
}

static void uart_interrupt(void)
{
    for (;;) {
        uint8_t id = uart[IIR] & IIR_ID;    /* reading it acknowledges THR empty */
        if (id == IIR_NONE)
            break;
        if (id == IIR_RLSI) {
            if (uart[LSR] & LSR_OE)
                overruns++;
        } else if (id == IIR_RDI || id == IIR_TIMEOUT) {
            while ((uart[LSR] & LSR_DR) && nlines < LINES)
                rx_byte((char)uart[RBR]);   /* a full queue turns RX interrupts off */
        } else if (id == IIR_THRI) {
            tx_kick();
        } else {
            (void)uart[MSR];                /* modem status: DCD dropped at end of input */
        }
    }
    check_eof();
    tx_kick();
}

static void uart_init(void)
{
    uart[IER] = 0;
    uart[LCR] = LCR_DLAB;
    uart[DLL] = 1;                          /* 115200 baud */
    uart[DLM] = 0;
    uart[LCR] = LCR_8N1;
    uart[FCR] = FCR_ENABLE | FCR_CLEAR | FCR_TRIG_8;
    uart[IER] = IER_RDI | IER_RLSI | IER_MSI;  /* MSI: the far end hanging up (DCD) */
    uart[MCR] = MCR_DTR | MCR_RTS | MCR_OUT2;
}

static void console_server(mica_word_t arg)
{
    (void)arg;
    uart_init();
    had_input = uart[INSTAT] & INSTAT_INPUT;
    check_eof();
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(server_ep, &badge);
    for (;;) {
        if (badge & IRQ_BADGE) {
            uart_interrupt();
            mica_irq_handler_ack(irq_handler);
            serve_reader();
            info = mica_recv(server_ep, &badge);
            continue;
        }
        mica_word_t op = mica_msginfo_get_label(info);
        if (op == OP_WRITE) {
            char buf[MSG_BYTES];
            size_t n = get_bytes(info, buf, sizeof buf);
            tx_put(buf, n);
            tx_kick();
            info = mica_reply_recv(server_ep, mica_msginfo_new(0, 0, 0, 0), &badge);
        } else if (op == OP_READLINE && !reader_waiting) {
            mica_cnode_save_caller(MICA_CAP_INIT_CNODE, reader_reply, MICA_WORD_BITS);
            reader_waiting = 1;
            serve_reader();
            info = mica_recv(server_ep, &badge);
        } else {
            info = mica_reply_recv(server_ep, mica_msginfo_new(99, 0, 0, 0), &badge);
        }
    }
}

/* --- the client ------------------------------------------------------------------- */

static void con_write(const char *s, size_t n)
{
    mica_call(client_ep, put_bytes(OP_WRITE, s, n));
}

/* A line (with its '\n', NUL-terminated) into buf; -1 at end of input. */
static long con_readline(char *buf, size_t size)
{
    mica_msginfo_t info = mica_call(client_ep, mica_msginfo_new(OP_READLINE, 0, 0, 0));
    if (mica_msginfo_get_label(info) != R_LINE)
        return -1;
    size_t n = get_bytes(info, buf, size - 1);
    buf[n] = 0;
    return (long)n;
}

static void echo_client(mica_word_t arg)
{
    (void)arg;
    char line[LINE_MAX + 1], out[LINE_MAX + 16];
    unsigned n = 0;
    long len;
    while ((len = con_readline(line, sizeof line)) >= 0) {
        n++;
        int k = snprintf(out, sizeof out, "echo %u: %s%s", n, line,
                         len && line[len - 1] == '\n' ? "" : "\n");
        con_write(out, (size_t)k);
    }
    int k = snprintf(out, sizeof out, "client: %u lines echoed, done\n", n);
    con_write(out, (size_t)k);
}

void example_console_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);

    const mica_device_desc_t *d = ex_device(bi, "uart0");
    if (!d) {
        printf("console: no uart0 in the device table\n");
        return;
    }
    uart = ex_map_device(&env, d);
    server_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ntfn = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t irq_ntfn = ntfn ? mica_env_mint(&env, ntfn, MICA_CAN_WRITE, IRQ_BADGE) : 0;
    irq_handler = uart && irq_ntfn ? ex_irq_handler(&env, d->irq, irq_ntfn) : 0;
    reader_reply = mica_env_slot(&env);
    client_ep = server_ep ? mica_env_mint(&env, server_ep, mica_cap_rights_new(1, 0, 0, 1), 1) : 0;
    if (!irq_handler || !reader_reply || !client_ep) {
        printf("console: cannot set up the console server: %s\n", mica_env_error_text(&env));
        return;
    }
    mica_cptr_t server = mica_thread_spawn(&env, "console", console_server, 0, 200);
    if (!server || mica_tcb_bind_notification(server, ntfn) != MICA_NO_ERROR ||
        !mica_thread_spawn(&env, "echo", echo_client, 0, 100))
        printf("console: cannot start its threads: %s\n", mica_env_error_text(&env));
}

#ifndef MICA_BUILTIN_EXAMPLES
int main(int argc, char **argv)
{
    return mica_main(argc, argv, example_console_root, NULL);
}
#endif
