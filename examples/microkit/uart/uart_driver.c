/*
 * uart_driver - drives the 16550 UART mapped at uart_base (its register
 * page, device memory) for the client on channel 1; the UART's interrupt
 * arrives on channel 0 (the <irq> of the system description).
 *
 * Setup: 115200 baud (divisor 1), 8N1, FIFOs on with the receive trigger
 * at one byte, interrupts for received data and line status, and for modem
 * status when the run has input: the far end drops DCD when its input
 * ends. Output: bytes from UART_WRITE wait in a buffer; the driver fills
 * the 16-byte TX FIFO whenever it is empty, with the THR-empty interrupt
 * on while bytes wait. Input: each interrupt drains the RX FIFO into a
 * buffer and notifies the client, which fetches the bytes with UART_READ.
 */
#include <stdint.h>
#include <microkit.h>
#include "uart.h"
#include "../../uart16550.h"

#define IRQ 0
#define CLIENT 1

uintptr_t uart_base;        /* set by the loader: this PD's mapping of "uart_regs" */
#define REG(r) (((volatile uint8_t *)uart_base)[r])

#define BUF 4096
static char tx[BUF], rx[BUF];
static unsigned tx_head, tx_len, rx_head, rx_len;
static int input_ended, eof_told;

static void tx_kick(void)
{
    if (REG(LSR) & LSR_THRE)
        for (int i = 0; i < 16 && tx_len; i++, tx_len--) {
            REG(THR) = (uint8_t)tx[tx_head];
            tx_head = (tx_head + 1) % BUF;
        }
    uint8_t ier = REG(IER);
    uint8_t want = tx_len ? (ier | IER_THRI) : (ier & ~IER_THRI);
    if (want != ier)
        REG(IER) = want;
}

static void check_eof(void)
{
    if (!input_ended && !(REG(LSR) & LSR_DR) && (REG(INSTAT) & INSTAT_EOF))
        input_ended = 1;
}

void init(void)
{
    REG(IER) = 0;
    REG(LCR) = LCR_DLAB;
    REG(DLL) = 1;
    REG(DLM) = 0;
    REG(LCR) = LCR_8N1;
    REG(FCR) = FCR_ENABLE | FCR_CLEAR;     /* receive trigger: 1 byte */
    uint8_t ier = IER_RDI | IER_RLSI;
    if (REG(INSTAT) & INSTAT_INPUT)
        ier |= IER_MSI;
    REG(IER) = ier;
    REG(MCR) = MCR_DTR | MCR_RTS | MCR_OUT2;
}

void notified(microkit_channel ch)
{
    if (ch != IRQ)
        return;
    unsigned got = 0;
    for (;;) {
        uint8_t id = REG(IIR) & IIR_ID;    /* reading it clears a THR-empty interrupt */
        if (id == IIR_NONE)
            break;
        if (id == IIR_RLSI) {
            (void)REG(LSR);
        } else if (id == IIR_RDI || id == IIR_TIMEOUT) {
            while (REG(LSR) & LSR_DR) {
                uint8_t c = REG(RBR);
                if (rx_len < BUF) {
                    rx[(rx_head + rx_len) % BUF] = (char)c;
                    rx_len++;
                    got++;
                }
            }
        } else if (id == IIR_THRI) {
            tx_kick();
        } else {
            (void)REG(MSR);                 /* modem status: DCD dropped at the end of input */
        }
    }
    check_eof();
    tx_kick();
    microkit_irq_ack(IRQ);
    if (got || (input_ended && !eof_told)) {
        eof_told = input_ended;
        microkit_notify(CLIENT);
    }
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    char buf[UART_MSG_BYTES];
    if (ch != CLIENT)
        return microkit_msginfo_new(UART_BAD, 0);
    switch (microkit_msginfo_get_label(msginfo)) {
    case UART_WRITE: {
        seL4_Word n = uart_get_bytes(msginfo, buf, sizeof buf);
        for (seL4_Word i = 0; i < n && tx_len < BUF; i++, tx_len++)
            tx[(tx_head + tx_len) % BUF] = buf[i];
        tx_kick();
        return microkit_msginfo_new(UART_OK, 0);
    }
    case UART_READ: {
        if (!rx_len && input_ended)
            return microkit_msginfo_new(UART_EOF, 0);
        seL4_Word n = 0;
        for (; n < sizeof buf && rx_len; n++, rx_len--) {
            buf[n] = rx[rx_head];
            rx_head = (rx_head + 1) % BUF;
        }
        return uart_put_bytes(UART_OK, buf, n);
    }
    default:
        return microkit_msginfo_new(UART_BAD, 0);
    }
}
