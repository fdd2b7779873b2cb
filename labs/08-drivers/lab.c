/*
 * Lab 8: drivers - a timer service over the timer device's interrupts and
 * a console over the 16550 UART's (README.md says what to do; `scripts/lab
 * 8` checks it, feeding the console its input).
 *
 *   timer    a server thread that owns the "timer" device. Clients Call it
 *            with SLEEP (MR0 = ns); it keeps each caller's reply cap
 *            (CNode_SaveCaller) in a wake-up list sorted by deadline and
 *            programs the timer's COMPARE with the earliest one. On the
 *            timer's interrupt it answers every sleeper that is due.
 *   console  a server thread that owns "uart0": WRITE puts bytes in its
 *            output buffer, which the UART's THR-empty interrupt drains 16
 *            bytes (one FIFO) at a time; received bytes are collected into
 *            lines, and READLINE is answered with the oldest complete line.
 *   shell    a client: reads lines from the console and writes them back
 *            numbered and in capitals; it sleeps 2 ms (the timer service)
 *            after each line, so input piles up while it is busy.
 *
 * Each server has a notification bound to its TCB; the device's IRQHandler
 * signals it with badge IRQ_BADGE, so one Recv returns a client's request
 * or the interrupt. Your code goes where it says TASK n.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <mica/mica.h>
#include "lab.h"

#define IRQ_BADGE (1ul << 32)
#define MS 1000000ull

/* The timer's 64-bit registers, as word indexes (docs/api.md "Time, interrupts and devices"). */
enum { TMR_ID = 0, TMR_NOW = 1, TMR_COMPARE = 2, TMR_PERIOD = 3, TMR_CTRL = 4, TMR_STATUS = 5 };
#define TMR_CTRL_ENABLE  1u
#define TMR_CTRL_IRQ_EN  4u
#define TMR_STATUS_FIRED 1u

/* The 16550's registers and bits (shared with the console examples); INSTAT is mica's own. */
#include "uart16550.h"
#define UART_FIFO 16

static mica_env_t env;
static volatile uint64_t *tmr;              /* the timer's registers */
static volatile uint8_t *uart;              /* the UART's registers */
static mica_cptr_t timer_irq, uart_irq;     /* IRQHandler caps */
static mica_cptr_t timer_ep, console_ep;    /* the servers' endpoints */

/* ======================= the timer service ======================================= */

enum { OP_SLEEP = 1 };
#define MAX_SLEEPERS 8

typedef struct sleeper {
    uint64_t deadline;          /* absolute, in the timer's ns */
    mica_cptr_t reply;          /* the slot holding the sleeper's saved reply cap */
} sleeper_t;

static sleeper_t sleepers[MAX_SLEEPERS];    /* sorted by deadline, earliest first */
static unsigned nsleepers;
static mica_cptr_t free_reply[MAX_SLEEPERS];    /* empty slots for reply caps */
static unsigned nfree_reply;
static long timer_irqs, timer_spurious;

/* COMPARE = the earliest deadline (a past one fires at once), or the timer off. */
static __attribute__((unused)) void program_timer(void)
{
    if (nsleepers) {
        tmr[TMR_COMPARE] = sleepers[0].deadline;
        tmr[TMR_CTRL] = TMR_CTRL_ENABLE | TMR_CTRL_IRQ_EN;
    } else {
        tmr[TMR_CTRL] = 0;
    }
}

/*
 * TASK 2a: a SLEEP request for ns > 0 nanoseconds has just been received.
 * Keep the caller's reply cap in a free slot (free_reply[--nfree_reply],
 * mica_cnode_save_caller), insert the sleeper into sleepers[] so that the
 * list stays sorted by deadline (now + ns; equal deadlines: in the order
 * they came), and program the timer.
 */
static void timer_sleep(uint64_t ns)
{
    uint64_t now = tmr[TMR_NOW];
    //@ solution 2
    mica_cptr_t reply = free_reply[--nfree_reply];
    mica_cnode_save_caller(MICA_CAP_INIT_CNODE, reply, MICA_WORD_BITS);
    unsigned i = nsleepers;
    while (i > 0 && sleepers[i - 1].deadline > now + ns) {
        sleepers[i] = sleepers[i - 1];
        i--;
    }
    sleepers[i] = (sleeper_t){ now + ns, reply };
    nsleepers++;
    program_timer();
    //@ starter 2
    (void)now; (void)ns;
    lab_todo(2, "keep the sleeper's reply cap and insert it into the sorted wake-up list "
                "(timer_sleep)");
    //@ wrong unsorted 2
    mica_cptr_t reply = free_reply[--nfree_reply];
    mica_cnode_save_caller(MICA_CAP_INIT_CNODE, reply, MICA_WORD_BITS);
    sleepers[nsleepers++] = (sleeper_t){ now + ns, reply };
    program_timer();
    //@ end
}

/*
 * TASK 2b: the timer interrupted. Clear the device's STATUS (write
 * TMR_STATUS_FIRED to it: the line drops) and then ack the IRQ
 * (mica_irq_handler_ack: the line is unmasked). Then answer every sleeper
 * whose deadline has passed (NOW >= deadline), in order: MR0 = NOW, a
 * Send of one word on its saved reply cap, its slot back into free_reply;
 * remove them from the list, and program the timer for the rest.
 */
static void timer_interrupt(void)
{
    //@ solution 2
    tmr[TMR_STATUS] = TMR_STATUS_FIRED;
    mica_irq_handler_ack(timer_irq);
    uint64_t now = tmr[TMR_NOW];
    unsigned n = 0;
    while (n < nsleepers && sleepers[n].deadline <= now) {
        mica_set_mr(0, now);
        mica_send(sleepers[n].reply, mica_msginfo_new(0, 0, 0, 1));
        free_reply[nfree_reply++] = sleepers[n].reply;
        n++;
    }
    for (unsigned i = n; i < nsleepers; i++)
        sleepers[i - n] = sleepers[i];
    nsleepers -= n;
    program_timer();
    //@ starter 2
    lab_todo(2, "clear STATUS, ack the IRQ, answer the due sleepers (timer_interrupt)");
    //@ wrong no-ack 2
    tmr[TMR_STATUS] = TMR_STATUS_FIRED;
    uint64_t now = tmr[TMR_NOW];
    unsigned n = 0;
    while (n < nsleepers && sleepers[n].deadline <= now) {
        mica_set_mr(0, now);
        mica_send(sleepers[n].reply, mica_msginfo_new(0, 0, 0, 1));
        free_reply[nfree_reply++] = sleepers[n].reply;
        n++;
    }
    for (unsigned i = n; i < nsleepers; i++)
        sleepers[i - n] = sleepers[i];
    nsleepers -= n;
    program_timer();
    //@ wrong ack-before-clear 2
    mica_irq_handler_ack(timer_irq);
    tmr[TMR_STATUS] = TMR_STATUS_FIRED;
    uint64_t now = tmr[TMR_NOW];
    unsigned n = 0;
    while (n < nsleepers && sleepers[n].deadline <= now) {
        mica_set_mr(0, now);
        mica_send(sleepers[n].reply, mica_msginfo_new(0, 0, 0, 1));
        free_reply[nfree_reply++] = sleepers[n].reply;
        n++;
    }
    for (unsigned i = n; i < nsleepers; i++)
        sleepers[i - n] = sleepers[i];
    nsleepers -= n;
    program_timer();
    //@ end
}

/* The timer server's loop (given). */
static void timer_server(mica_word_t arg)
{
    (void)arg;
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(timer_ep, &badge);
    for (;;) {
        if (badge & IRQ_BADGE) {
            timer_irqs++;
            if (!(tmr[TMR_STATUS] & TMR_STATUS_FIRED))
                timer_spurious++;                   /* an interrupt with nothing fired */
            timer_interrupt();
            info = mica_recv(timer_ep, &badge);
            continue;
        }
        if (mica_msginfo_get_label(info) == OP_SLEEP && mica_msginfo_get_length(info) == 1 &&
            mica_get_mr(0) > 0 && nfree_reply > 0) {
            timer_sleep(mica_get_mr(0));
            info = mica_recv(timer_ep, &badge);     /* the caller waits for its reply */
            continue;
        }
        mica_set_mr(0, tmr[TMR_NOW]);               /* sleep(0), or no room: at once */
        info = mica_reply_recv(timer_ep, mica_msginfo_new(0, 0, 0, 1), &badge);
    }
}

/* The timer's clients (given): each measures how late it woke. */
#define TIMER_CLIENTS 3
static mica_cptr_t timer_client_ep[TIMER_CLIENTS + 1];
static mica_cptr_t timer_done;              /* a notification: client i signals bit i */
static long sleeps_done, late_max, late_min = 1 << 30;

static void timer_client(mica_word_t id)
{
    static const struct { unsigned n; uint64_t ns[3]; } plan[TIMER_CLIENTS + 1] = {
        { 0, { 0 } }, { 1, { 3 * MS } }, { 3, { MS, MS, MS } }, { 2, { 2 * MS, 0 } },
    };
    for (unsigned i = 0; i < plan[id].n; i++) {
        uint64_t ns = plan[id].ns[i], asked = tmr[TMR_NOW];
        mica_set_mr(0, ns);
        mica_call(timer_client_ep[id], mica_msginfo_new(OP_SLEEP, 0, 0, 1));
        uint64_t woke = tmr[TMR_NOW];
        long late = (long)(woke - (asked + ns));
        if (late > late_max)
            late_max = late;
        if (late < late_min)
            late_min = late;
        sleeps_done++;
    }
    mica_signal(timer_done);
}

/* ======================= the console ============================================ */

enum { OP_WRITE = 1, OP_READLINE = 2 };
enum { R_LINE = 0, R_EOF = 1 };
#define MSG_BYTES ((MICA_MSG_MAX_LENGTH - 1) * sizeof(mica_word_t))
#define LINE_MAX 128
#define LINES 4
#define TXBUF 4096

static char tx[TXBUF];                      /* output waiting for the UART, a ring */
static size_t tx_head, tx_len;
static char lines[LINES][LINE_MAX];         /* complete lines, oldest first */
static size_t line_len[LINES];
static unsigned line_first, nlines;
static char cur[LINE_MAX];                  /* the line being received */
static size_t cur_len;
static int input_ended;                     /* 1: no more input; 2: reported */
static int reader_waiting;
static mica_cptr_t reader_reply;
static long rx_bytes, overruns, thr_bytes, lines_dropped;

/* A byte string in MR1.., its length in MR0. */
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

static void tx_put(const char *p, size_t n)
{
    for (size_t i = 0; i < n && tx_len < TXBUF; i++, tx_len++)
        tx[(tx_head + tx_len) % TXBUF] = p[i];
}

/*
 * TASK 3: move output to the UART. If its transmitter is empty (LSR_THRE
 * in LSR), write up to UART_FIFO bytes from the ring (tx[tx_head],
 * tx_len bytes) into THR: the FIFO holds 16; a byte written to a full
 * FIFO is lost. Then keep THR-empty interrupts (IER_THRI in IER) on while
 * output is still waiting, and off when the ring is empty (else the empty
 * transmitter interrupts for ever). Count each byte written in thr_bytes.
 */
static void tx_kick(void)
{
    //@ solution 3
    if (uart[LSR] & LSR_THRE)
        for (int i = 0; i < UART_FIFO && tx_len; i++, tx_len--) {
            uart[THR] = (uint8_t)tx[tx_head];
            tx_head = (tx_head + 1) % TXBUF;
            thr_bytes++;
        }
    uint8_t ier = uart[IER];
    uint8_t want = tx_len ? (ier | IER_THRI) : (ier & ~IER_THRI);
    if (want != ier)
        uart[IER] = want;
    //@ starter 3
    lab_todo(3, "write the waiting output into the UART's THR, 16 bytes per THR-empty "
                "interrupt (tx_kick)");
    //@ wrong tx-overrun 3
    for (; tx_len; tx_len--) {
        uart[THR] = (uint8_t)tx[tx_head];
        tx_head = (tx_head + 1) % TXBUF;
        thr_bytes++;
    }
    uart[IER] = uart[IER] & ~IER_THRI;
    //@ end
}

static void line_done(void)
{
    if (nlines == LINES) {                  /* no room: the line is lost */
        lines_dropped++;
        cur_len = 0;
        return;
    }
    unsigned i = (line_first + nlines) % LINES;
    memcpy(lines[i], cur, cur_len);
    line_len[i] = cur_len;
    nlines++;
    cur_len = 0;
    if (nlines == LINES) {
        /* Full: ask the far end to pause (RTS down); no RX interrupts until there is room. */
        uart[MCR] = MCR_DTR | MCR_OUT2;
        uart[IER] = uart[IER] & ~IER_RDI;
    }
}

/* One received byte into the line being built; '\n' (or a full line) completes it. */
static __attribute__((unused)) void rx_byte(char c)
{
    rx_bytes++;
    cur[cur_len++] = c;
    if (c == '\n' || cur_len == LINE_MAX)
        line_done();
}

/*
 * TASK 4: the UART has received data (a "received data" or "character
 * timeout" interrupt). Take every byte waiting in its receive FIFO: while
 * LSR says data ready (LSR_DR) and a line has room (nlines < LINES), read
 * RBR and pass the byte to rx_byte. Bytes left behind when the FIFO fills
 * up are lost (an overrun). A line completed while all LINES lines are
 * taken is lost too: leave the bytes in the FIFO then (line_done has
 * lowered RTS, so the far end pauses; serve_reader raises it again).
 */
static void rx_drain(void)
{
    //@ solution 4
    while ((uart[LSR] & LSR_DR) && nlines < LINES)
        rx_byte((char)uart[RBR]);
    //@ starter 4
    lab_todo(4, "read the received bytes from RBR while LSR says data ready (rx_drain)");
    //@ wrong no-room-check 4
    while (uart[LSR] & LSR_DR)
        rx_byte((char)uart[RBR]);
    //@ end
}

/* The UART interrupted: handle every cause IIR reports, until none is left (given). */
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
            rx_drain();
        } else if (id == IIR_THRI) {
            tx_kick();
        } else {
            (void)uart[MSR];                /* modem status: the far end hung up */
        }
    }
    /* The end of input: no byte will come (INSTAT), none waits; a last line without '\n'. */
    if (!input_ended && !(uart[LSR] & LSR_DR) && (uart[INSTAT] & INSTAT_EOF)) {
        if (cur_len && nlines < LINES)
            line_done();
        if (!cur_len)
            input_ended = 1;
    }
    tx_kick();
}

/* Give the waiting reader a line, or the end of input, when there is one. */
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
        mica_send(reader_reply, mica_msginfo_new(R_EOF, 0, 0, 0));
    } else {
        return;
    }
    reader_waiting = 0;
}

static void uart_init(void)
{
    uart[IER] = 0;
    uart[LCR] = LCR_DLAB;
    uart[DLL] = 1;                          /* 115200 baud */
    uart[DLM] = 0;
    uart[LCR] = LCR_8N1;
    uart[FCR] = FCR_ENABLE | FCR_CLEAR | FCR_TRIG_8;
    uart[IER] = IER_RDI | IER_RLSI | IER_MSI;
    uart[MCR] = MCR_DTR | MCR_RTS | MCR_OUT2;
}

/* The console server's loop (given). */
static void console_server(mica_word_t arg)
{
    (void)arg;
    uart_init();
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(console_ep, &badge);
    for (;;) {
        if (badge & IRQ_BADGE) {
            uart_interrupt();
            mica_irq_handler_ack(uart_irq);
            serve_reader();
            info = mica_recv(console_ep, &badge);
            continue;
        }
        mica_word_t op = mica_msginfo_get_label(info);
        if (op == OP_WRITE) {
            char buf[MSG_BYTES];
            tx_put(buf, get_bytes(info, buf, sizeof buf));
            tx_kick();
            info = mica_reply_recv(console_ep, mica_msginfo_new(0, 0, 0, 0), &badge);
        } else if (op == OP_READLINE && !reader_waiting) {
            mica_cnode_save_caller(MICA_CAP_INIT_CNODE, reader_reply, MICA_WORD_BITS);
            reader_waiting = 1;
            serve_reader();
            info = mica_recv(console_ep, &badge);
        } else {
            info = mica_reply_recv(console_ep, mica_msginfo_new(99, 0, 0, 0), &badge);
        }
    }
}

/* The shell (given): the console's client. */
static mica_cptr_t shell_ep, shell_timer_ep, shell_done, shell_go;
static long shell_lines;

static void con_write(const char *s, size_t n)
{
    mica_call(shell_ep, put_bytes(OP_WRITE, s, n));
}

static void shell(mica_word_t arg)
{
    (void)arg;
    char line[LINE_MAX + 1], out[LINE_MAX + 32];
    const char *banner = "mica console: type lines, they come back in capitals\n";
    con_write(banner, strlen(banner));
    mica_word_t badge;
    mica_signal(shell_done);
    mica_wait(shell_go, &badge);
    long total = 0;
    for (;;) {
        mica_msginfo_t info = mica_call(shell_ep, mica_msginfo_new(OP_READLINE, 0, 0, 0));
        if (mica_msginfo_get_label(info) != R_LINE)
            break;
        size_t n = get_bytes(info, line, LINE_MAX);
        line[n] = 0;
        total += (long)n;
        for (size_t i = 0; i < n; i++)
            line[i] = (char)toupper((unsigned char)line[i]);
        int k = snprintf(out, sizeof out, "%ld: %s%s", ++shell_lines, line,
                         n && line[n - 1] == '\n' ? "" : "\n");
        con_write(out, (size_t)k);
        /* A slow reader: input piles up meanwhile, so the console must hold it back. */
        mica_set_mr(0, 2 * MS);
        mica_call(shell_timer_ep, mica_msginfo_new(OP_SLEEP, 0, 0, 1));
    }
    int k = snprintf(out, sizeof out, "mica console: %ld lines, %ld bytes; bye\n", shell_lines,
                     total);
    con_write(out, (size_t)k);
    mica_signal(shell_done);
}

/* ======================= the root task ========================================== */

static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_init(&env, bi);
    timer_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    console_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t timer_ntfn = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t console_ntfn = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    /* What the IRQHandlers signal: the servers' notifications, with the badge IRQ_BADGE. */
    mica_cptr_t timer_irq_ntfn = mica_env_mint(&env, timer_ntfn, MICA_CAN_WRITE, IRQ_BADGE);
    mica_cptr_t uart_irq_ntfn = mica_env_mint(&env, console_ntfn, MICA_CAN_WRITE, IRQ_BADGE);
    timer_done = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    shell_done = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    shell_go = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t replies = mica_env_slots(&env, MAX_SLEEPERS);
    reader_reply = mica_env_slot(&env);
    if (!uart_irq_ntfn || !shell_go || !replies || !reader_reply) {
        printf("lab: cannot set up: %s\n", mica_env_error_text(&env));
        return;
    }
    for (unsigned i = 0; i < MAX_SLEEPERS; i++)
        free_reply[nfree_reply++] = replies + i;

    /*
     * TASK 1: the devices. Find "timer" and "uart0" in the boot info's
     * device table (mica_device_find), map their register pages
     * (mica_device_map: set tmr and uart), and make an IRQHandler for each
     * device's IRQ line that signals timer_irq_ntfn and uart_irq_ntfn
     * (mica_irq_handler_make: set timer_irq and uart_irq).
     */
    lab_task(1);
    //@ solution 1
    const mica_device_desc_t *td = mica_device_find(bi, "timer");
    const mica_device_desc_t *ud = mica_device_find(bi, "uart0");
    tmr = td ? mica_device_map(&env, td) : NULL;
    uart = ud ? mica_device_map(&env, ud) : NULL;
    timer_irq = tmr ? mica_irq_handler_make(&env, td->irq, timer_irq_ntfn) : 0;
    uart_irq = uart ? mica_irq_handler_make(&env, ud->irq, uart_irq_ntfn) : 0;
    //@ starter 1
    (void)timer_irq_ntfn;
    lab_todo(1, "map the timer's and the UART's registers and make their IRQHandlers");
    //@ end
    lab_fact("timer_id", tmr ? (long long)(tmr[TMR_ID] & 0xffffffffu) : -1);
    if (uart) {
        uart[SCR] = 0x5a;
        lab_fact("uart_scratch", uart[SCR]);
    }
    lab_fact("timer_irq_type", timer_irq ? (long long)mica_debug_cap_identify(timer_irq) : -1);
    lab_fact("uart_irq_type", uart_irq ? (long long)mica_debug_cap_identify(uart_irq) : -1);
    if (!tmr || !uart || !timer_irq || !uart_irq)
        return;

    lab_task(2);
    lab_hint("the sleepers were not all woken: does timer_interrupt clear STATUS, ack the IRQ "
             "(mica_irq_handler_ack) - without it no interrupt comes again - answer every due "
             "sleeper and program the next deadline?");
    mica_cptr_t ts = mica_thread_spawn(&env, "timer", timer_server, 0, 200);
    mica_tcb_bind_notification(ts, timer_ntfn);
    mica_cap_rights_t client = mica_cap_rights_new(1, 0, 0, 1);    /* Write, GrantReply */
    for (mica_word_t i = 1; i <= TIMER_CLIENTS; i++) {
        char name[16];
        snprintf(name, sizeof name, "sleeper%lu", (unsigned long)i);
        timer_client_ep[i] = mica_env_mint(&env, timer_ep, client, i);
        mica_thread_spawn(&env, name, timer_client, i, 100);
    }
    mica_word_t badge;
    for (int done = 0; done < TIMER_CLIENTS; done++)
        mica_wait(timer_done, &badge);
    lab_hint("");
    lab_fact("sleeps_done", sleeps_done);
    lab_fact("late_max", late_max);
    lab_fact("late_min", late_min);
    lab_fact("timer_irqs", timer_irqs);
    lab_fact("timer_spurious", timer_spurious);

    lab_task(3);
    lab_hint("the console's output never drained: does tx_kick turn THR-empty interrupts on "
             "while output waits?");
    mica_cptr_t cs = mica_thread_spawn(&env, "console", console_server, 0, 200);
    mica_tcb_bind_notification(cs, console_ntfn);
    shell_ep = mica_env_mint(&env, console_ep, client, 1);
    shell_timer_ep = mica_env_mint(&env, timer_ep, client, TIMER_CLIENTS + 1);
    mica_thread_spawn(&env, "shell", shell, 0, 100);
    mica_wait(shell_done, &badge);

    lab_task(4);
    lab_hint("the shell never got the end of its input: does rx_drain read every byte?");
    mica_signal(shell_go);
    mica_wait(shell_done, &badge);
    lab_hint("");
    lab_fact("rx_bytes", rx_bytes);
    lab_fact("rx_lines", shell_lines);
    lab_fact("overruns", overruns);
    lab_fact("lines_dropped", lines_dropped);
    lab_fact("thr_bytes_at_end", thr_bytes);
    lab_fact("timer_irqs_end", timer_irqs);
    lab_fact("timer_spurious_end", timer_spurious);
}

LAB_MAIN(root)
