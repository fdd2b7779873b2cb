/*
 * uart16550.h - the 16550 UART's registers (byte offsets from its page)
 * and the bits the examples use, for the console example's driver and the
 * Microkit uart example's driver PD. INSTAT at 0x10 is mica's own register
 * (docs/api.md "Devices"): whether the run has input, and whether it ended.
 */
#ifndef MICA_EXAMPLES_UART16550_H
#define MICA_EXAMPLES_UART16550_H

enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5,
       MSR = 6, SCR = 7, INSTAT = 0x10 };
#define IER_RDI 0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI 0x08
#define IIR_NONE 0x01
#define IIR_ID 0x0F
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_TIMEOUT 0x0C
#define FCR_ENABLE 0x01
#define FCR_CLEAR 0x06
#define FCR_TRIG_8 0x80
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT2 0x08
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define INSTAT_EOF 0x01
#define INSTAT_INPUT 0x02

#endif
