/*
 * uart.h - the driver's protected procedures: bytes travel in message
 * registers, MR0 the length, MR1.. the bytes (8 to a word).
 *
 *   UART_WRITE (label 1): queue MR0 bytes for output; answered at once.
 *   UART_READ  (label 2): answered with the bytes received so far (label
 *                         UART_OK, possibly none), or label UART_EOF once
 *                         the input has ended and every byte was read.
 *
 * The driver notifies its client's channel when bytes arrive or the input
 * ends.
 */
#ifndef UART_H
#define UART_H

#include <microkit.h>

enum { UART_WRITE = 1, UART_READ = 2 };
enum { UART_OK = 0, UART_EOF = 1, UART_BAD = 2 };

#define UART_MSG_BYTES (32 * sizeof(seL4_Word))

/* Put n (at most UART_MSG_BYTES) bytes into the message registers; the message's info. */
static inline microkit_msginfo uart_put_bytes(seL4_Word label, const char *p, seL4_Word n)
{
    seL4_Word words = (n + sizeof(seL4_Word) - 1) / sizeof(seL4_Word);
    microkit_mr_set(0, n);
    for (seL4_Word w = 0; w < words; w++) {
        seL4_Word v = 0;
        for (seL4_Word b = 0; b < sizeof v && w * sizeof v + b < n; b++)
            v |= (seL4_Word)(unsigned char)p[w * sizeof v + b] << (8 * b);
        microkit_mr_set((seL4_Uint8)(1 + w), v);
    }
    return microkit_msginfo_new(label, (seL4_Uint16)(1 + words));
}

/* Take the bytes of a message with info into p (room for size); how many. */
static inline seL4_Word uart_get_bytes(microkit_msginfo info, char *p, seL4_Word size)
{
    seL4_Word count = microkit_msginfo_get_count(info);
    seL4_Word n = count ? microkit_mr_get(0) : 0;
    if (n > (count ? count - 1 : 0) * sizeof(seL4_Word))
        n = (count ? count - 1 : 0) * sizeof(seL4_Word);
    if (n > size)
        n = size;
    for (seL4_Word i = 0; i < n; i++)
        p[i] = (char)(microkit_mr_get((seL4_Uint8)(1 + i / sizeof(seL4_Word))) >>
                      (8 * (i % sizeof(seL4_Word))));
    return n;
}

#endif
