/*
 * uart_client - the uart driver's client (channel 0): writes a greeting
 * through the UART, and when the driver notifies it, reads what arrived
 * and writes back each complete line, numbered. At the end of the input
 * it writes how many lines it saw.
 */
#include <microkit.h>
#include "uart.h"

#define DRIVER 0

static char line[UART_MSG_BYTES];
static seL4_Word line_len, lines;
static int done;

static void put(const char *s, seL4_Word n)
{
    while (n) {
        seL4_Word k = n < UART_MSG_BYTES ? n : UART_MSG_BYTES;
        microkit_ppcall(DRIVER, uart_put_bytes(UART_WRITE, s, k));
        s += k;
        n -= k;
    }
}

static void puts_(const char *s)
{
    seL4_Word n = 0;
    while (s[n])
        n++;
    put(s, n);
}

static void put_decimal(seL4_Word x)
{
    char b[24];
    int n = 0;
    do {
        b[n++] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    char r[24];
    for (int i = 0; i < n; i++)
        r[i] = b[n - 1 - i];
    put(r, (seL4_Word)n);
}

static void line_done(void)
{
    lines++;
    puts_("uart_client: line ");
    put_decimal(lines);
    puts_(": ");
    put(line, line_len);
    if (!line_len || line[line_len - 1] != '\n')
        puts_("\n");
    line_len = 0;
}

void init(void)
{
    puts_("uart_client: hello, world through uart0\n");
}

void notified(microkit_channel ch)
{
    char buf[UART_MSG_BYTES];
    if (ch != DRIVER || done)
        return;
    for (;;) {
        microkit_msginfo r = microkit_ppcall(DRIVER, microkit_msginfo_new(UART_READ, 0));
        if (microkit_msginfo_get_label(r) == UART_EOF) {
            if (line_len)
                line_done();
            puts_("uart_client: end of input after ");
            put_decimal(lines);
            puts_(" lines\n");
            done = 1;
            return;
        }
        seL4_Word n = uart_get_bytes(r, buf, sizeof buf);
        if (!n)
            return;
        for (seL4_Word i = 0; i < n; i++) {
            line[line_len++] = buf[i];
            if (buf[i] == '\n' || line_len == sizeof line)
                line_done();
        }
    }
}
