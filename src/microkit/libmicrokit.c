/*
 * libmicrokit.c - the part of libmicrokit that is not inline in
 * <microkit.h>: the PD's entry and event loop, debug output, the defaults
 * of protected() and fault(), and a parent's control of its children.
 *
 * Linked into every PD's program image, so each PD has its own copy of
 * this file's globals (microkit_name, the deferred signal), as on Microkit.
 */
#include <microkit.h>
#include "pd_config.h"

char microkit_name[MICROKIT_PD_NAME_LENGTH];
seL4_Bool microkit_have_signal;
seL4_CPtr microkit_signal_cap;
seL4_MessageInfo_t microkit_signal_msg;

static const mk_pd_config_t *config;

void microkit_dbg_putc(int c)
{
    seL4_DebugPutChar((char)c);
}

void microkit_dbg_puts(const char *s)
{
    while (*s)
        seL4_DebugPutChar(*s++);
}

static void put_decimal(seL4_Uint32 x)
{
    char buf[11];
    int n = 0;
    do {
        buf[n++] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    while (n)
        seL4_DebugPutChar(buf[--n]);
}

void microkit_dbg_put8(seL4_Uint8 x)
{
    put_decimal(x);
}

void microkit_dbg_put32(seL4_Uint32 x)
{
    put_decimal(x);
}

/* A PD that receives a PPC or a child's fault without handling it: say so and stop it. */
static void unhandled(const char *what, seL4_Word id)
{
    microkit_dbg_puts(microkit_name);
    microkit_dbg_puts(what);
    put_decimal((seL4_Uint32)id);
    microkit_dbg_puts("\n");
    seL4_TCB_Suspend(seL4_CapInitThreadTCB);
}

__attribute__((weak)) microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    (void)msginfo;
    unhandled(": a PPC arrived but the PD has no protected(); channel ", ch);
    return microkit_msginfo_new(0, 0);
}

__attribute__((weak)) seL4_Bool fault(microkit_child child, microkit_msginfo msginfo,
                                      microkit_msginfo *reply_msginfo)
{
    (void)msginfo;
    (void)reply_msginfo;
    unhandled(": a child faulted but the PD has no fault(); child ", child);
    return seL4_False;
}

void microkit_pd_restart(microkit_child pd, seL4_Word entry_point)
{
    /* The child's image lies wherever the host loaded it: its own entry, not entry_point. */
    (void)entry_point;
    const mk_pd_child_t *c = pd < 64 ? &config->child[pd] : NULL;
    mica_user_context_t regs = { 0 };     /* mica's layout: pc, sp, r0.. */
    if (c) {
        regs.pc = c->entry;
        regs.sp = c->stack_top;
        regs.r0 = c->config;
    }
    if (mica_tcb_write_registers(MICROKIT_BASE_TCB_CAP + pd, true, 0, 6, &regs) != MICA_NO_ERROR) {
        microkit_dbg_puts(microkit_name);
        microkit_dbg_puts(": microkit_pd_restart: TCB_WriteRegisters failed on child ");
        put_decimal(pd);
        microkit_dbg_puts("\n");
    }
}

void microkit_pd_stop(microkit_child pd)
{
    if (seL4_TCB_Suspend(MICROKIT_BASE_TCB_CAP + pd) != seL4_NoError) {
        microkit_dbg_puts(microkit_name);
        microkit_dbg_puts(": microkit_pd_stop: TCB_Suspend failed on child ");
        put_decimal(pd);
        microkit_dbg_puts("\n");
    }
}

/* The deferred signal, if any: a notification's Signal or an IRQ handler's Ack. */
static void flush_deferred(void)
{
    if (!microkit_have_signal)
        return;
    microkit_have_signal = seL4_False;
    if (seL4_MessageInfo_get_label(microkit_signal_msg) == MICA_IRQ_ACK_IRQ)
        (void)seL4_IRQHandler_Ack(microkit_signal_cap);
    else
        seL4_Signal(microkit_signal_cap);
}

/* One notified() per set bit of a notification badge, lowest channel first. */
static void deliver_notifications(seL4_Word badge)
{
    for (unsigned ch = 0; badge && ch < 64; ch++, badge >>= 1)
        if (badge & 1)
            notified(ch);
}

/* libmicrokit's handler loop: wait on the input cap, dispatch, reply when there is a reply. */
static void event_loop(void)
{
    seL4_Bool have_reply = seL4_False;
    seL4_MessageInfo_t reply = seL4_MessageInfo_new(0, 0, 0, 0);
    for (;;) {
        flush_deferred();
        seL4_Word badge = 0;
        seL4_MessageInfo_t tag = have_reply
            ? seL4_ReplyRecv(MICROKIT_INPUT_CAP, reply, &badge)
            : seL4_Recv(MICROKIT_INPUT_CAP, &badge);
        have_reply = seL4_False;
        if (config->has_endpoint && (badge & MICROKIT_BADGE_PPC)) {
            reply = protected((microkit_channel)(badge & 0x3f), tag);
            have_reply = seL4_True;
        } else if (config->has_endpoint && config->children && (badge & MICROKIT_BADGE_FAULT)) {
            have_reply = fault((microkit_child)(badge & 0x3f), tag, &reply);
        } else {
            deliver_notifications(badge);
        }
    }
}

void __mica_microkit_main(seL4_Word cfg, seL4_Word r1, seL4_Word r2, seL4_Word r3)
{
    (void)r1;
    (void)r2;
    (void)r3;
    config = (const mk_pd_config_t *)cfg;
    /* setvar_vaddr: a pointer the PD's code can dereference, for the mapping's vaddr. */
    for (uint64_t i = 0; i < config->nsetvars; i++)
        *config->setvars[i].var = (uint64_t)(uintptr_t)mica_vaddr_to_ptr(config->setvars[i].vaddr);
    microkit_have_signal = seL4_False;
    init();
    event_loop();
}
