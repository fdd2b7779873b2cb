/*
 * microkit.h - the libmicrokit API on mica, for the code of a protection
 * domain (PD) of a Microkit system run by `mica microkit SYSTEM.xml`.
 *
 * A PD's program image is a shared object built from its C files and
 * libmicrokit (docs/microkit.md "Building a program image"). The PD
 * provides init() and notified() (and protected() if it serves PPCs,
 * fault() if it has children); libmicrokit's event loop calls them.
 * Everything of <sel4/sel4.h> is usable too: the caps below are CPtrs in
 * the PD's own CSpace.
 *
 * The PD's CSpace (mica's numbering, not Microkit's):
 *
 *   1 its TCB   2 its CNode   3 its VSpace   4 its fault endpoint, if any
 *   MICROKIT_INPUT_CAP            the endpoint it receives on (when it
 *                                 serves PPCs or has children), else its
 *                                 notification
 *   MICROKIT_BASE_NOTIFY_CAP + ch the notification of channel ch's other end
 *   MICROKIT_BASE_PPC_CAP + ch    the endpoint of channel ch's other end
 *   MICROKIT_BASE_IRQ_CAP + id    the IRQ handler of its irq with that id
 *   MICROKIT_BASE_TCB_CAP + id    the TCB of its child with that id
 */
#ifndef MICA_MICROKIT_H
#define MICA_MICROKIT_H

#include <sel4/sel4.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned int microkit_channel;
typedef unsigned int microkit_child;
typedef seL4_MessageInfo_t microkit_msginfo;

#define MICROKIT_INPUT_CAP        8
#define MICROKIT_BASE_NOTIFY_CAP  16
#define MICROKIT_BASE_PPC_CAP     80
#define MICROKIT_BASE_IRQ_CAP     144
#define MICROKIT_BASE_TCB_CAP     208

#define MICROKIT_MAX_CHANNELS     62    /* channel and IRQ ids are 0..61, child ids 0..62 */
#define MICROKIT_PD_NAME_LENGTH   64

/* The badge of a message received on the input cap (libmicrokit's split). */
#define MICROKIT_BADGE_PPC        (1ull << 63)  /* a PPC: the low bits are the channel */
#define MICROKIT_BADGE_FAULT      (1ull << 62)  /* a child's fault: the low bits are its id */

/* Provided by the PD. protected() and fault() have defaults that end the PD with a message. */
void init(void);
void notified(microkit_channel ch);
microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo);
seL4_Bool fault(microkit_child child, microkit_msginfo msginfo, microkit_msginfo *reply_msginfo);

/* The PD's name from the system description (set before init runs). */
extern char microkit_name[MICROKIT_PD_NAME_LENGTH];

/* A deferred signal, sent by the event loop before it next waits. */
extern seL4_Bool microkit_have_signal;
extern seL4_CPtr microkit_signal_cap;
extern seL4_MessageInfo_t microkit_signal_msg;

void microkit_dbg_putc(int c);
void microkit_dbg_puts(const char *s);
void microkit_dbg_put8(seL4_Uint8 x);
void microkit_dbg_put32(seL4_Uint32 x);

/*
 * Signal channel ch. A channel the PD lacks has an empty slot: as on
 * seL4, the Signal fails with InvalidCapability, which a Send has no reply
 * to carry, so nothing is signalled and the PD runs on (mica's log names
 * the failed invocation). It is no fault.
 */
static inline void microkit_notify(microkit_channel ch)
{
    seL4_Signal(MICROKIT_BASE_NOTIFY_CAP + ch);
}

/* Acknowledge the interrupt of the irq with id ch, so it can be delivered again. */
static inline void microkit_irq_ack(microkit_channel ch)
{
    (void)seL4_IRQHandler_Ack(MICROKIT_BASE_IRQ_CAP + ch);
}

/* A protected procedure call on channel ch: the other end's protected() answers. */
static inline microkit_msginfo microkit_ppcall(microkit_channel ch, microkit_msginfo msginfo)
{
    return seL4_Call(MICROKIT_BASE_PPC_CAP + ch, msginfo);
}

static inline microkit_msginfo microkit_msginfo_new(seL4_Word label, seL4_Uint16 count)
{
    return seL4_MessageInfo_new(label, 0, 0, count);
}

static inline seL4_Word microkit_msginfo_get_label(microkit_msginfo msginfo)
{
    return seL4_MessageInfo_get_label(msginfo);
}

static inline seL4_Word microkit_msginfo_get_count(microkit_msginfo msginfo)
{
    return seL4_MessageInfo_get_length(msginfo);
}

static inline void microkit_mr_set(seL4_Uint8 mr, seL4_Word value)
{
    seL4_SetMR(mr, value);
}

static inline seL4_Word microkit_mr_get(seL4_Uint8 mr)
{
    return seL4_GetMR(mr);
}

/* Notify ch, or ack irq ch, when the event loop next waits (one pending at a time). */
static inline void microkit_deferred_notify(microkit_channel ch)
{
    microkit_have_signal = seL4_True;
    microkit_signal_msg = seL4_MessageInfo_new(0, 0, 0, 0);
    microkit_signal_cap = MICROKIT_BASE_NOTIFY_CAP + ch;
}

static inline void microkit_deferred_irq_ack(microkit_channel ch)
{
    microkit_have_signal = seL4_True;
    microkit_signal_msg = seL4_MessageInfo_new(MICA_IRQ_ACK_IRQ, 0, 0, 0);
    microkit_signal_cap = MICROKIT_BASE_IRQ_CAP + ch;
}

/*
 * A parent's control of its child with id pd: restart it at entry_point
 * (its program's entry: the loop that runs init() again), or stop it.
 */
void microkit_pd_restart(microkit_child pd, seL4_Word entry_point);
void microkit_pd_stop(microkit_child pd);

/*
 * The entry of a PD's program image (the loader starts it there): fills
 * the setvar_vaddr variables, runs init() and then the event loop.
 */
void __mica_microkit_main(seL4_Word config, seL4_Word r1, seL4_Word r2, seL4_Word r3);

#ifdef __cplusplus
}
#endif

#endif /* MICA_MICROKIT_H */
