/*
 * trace.c - build trace events: who, what, on which object, with which
 * result, in words a reader understands without a manual.
 */
#include "trace.h"
#include "thread.h"
#include "cspace.h"
#include "ipc.h"
#include "object/object.h"
#include <stdarg.h>

static const char *name_of(paddr_t t)
{
    if (!t)
        return "";
    return tcb_ptr(t)->name;
}

static void emit(hw_trace_event_t *ev)
{
    ev->time = ks.time;
    ev->cpu = ks.cur_cpu;
    if (ev->thread)
        ev->thread_name = name_of(ev->thread);
    if (ev->peer)
        ev->peer_name = name_of(ev->peer);
    hw_trace(ev);
}

static const char *syscall_name(long n)
{
    static const char *const names[] = {
        "?", "Call", "ReplyRecv", "Send", "NBSend", "Recv", "Reply", "Yield", "NBRecv",
        "DebugPutChar", "DebugDumpScheduler", "DebugHalt", "DebugCapIdentify", "DebugSnapshot",
        "DebugNameThread", "DebugUsage",
    };
    if (n < 0 && -n < (long)ARRAY_SIZE(names))
        return names[-n];
    if (n == MICA_SYS_THREAD_EXIT)
        return "ThreadExit";
    return "unknown syscall";
}

/*
 * The arguments of each invocation, in message order: the words, then the
 * extra caps. A name may end in a format: ":o" an object type, ":r" rights,
 * ":x" hexadecimal; without one, decimal (slots and cptrs always are).
 */
static const struct { const char *words, *caps; } invocation_args[MICA_NUM_INVOCATION_LABELS] = {
    [MICA_UNTYPED_RETYPE] = { "type:o size_bits index depth offset num", "root" },
    [MICA_TCB_READ_REGISTERS] = { "flags:x count", "" },
    [MICA_TCB_WRITE_REGISTERS] = { "flags:x count", "" },
    [MICA_TCB_COPY_REGISTERS] = { "flags:x", "source" },
    [MICA_TCB_CONFIGURE] = { "fault_ep cspace_data:x vspace_data:x buffer:x",
                             "cspace vspace buffer_frame" },
    [MICA_TCB_SET_PRIORITY] = { "prio", "authority" },
    [MICA_TCB_SET_MC_PRIORITY] = { "mcp", "authority" },
    [MICA_TCB_SET_SCHED_PARAMS] = { "mcp prio", "authority" },
    [MICA_TCB_SET_IPC_BUFFER] = { "buffer:x", "buffer_frame" },
    [MICA_TCB_SET_SPACE] = { "fault_ep cspace_data:x vspace_data:x", "cspace vspace" },
    [MICA_TCB_BIND_NOTIFICATION] = { "", "ntfn" },
    [MICA_TCB_SET_AFFINITY] = { "cpu", "" },
    [MICA_TCB_SET_TLS_BASE] = { "tls_base:x", "" },
    [MICA_CNODE_REVOKE] = { "index depth", "" },
    [MICA_CNODE_DELETE] = { "index depth", "" },
    [MICA_CNODE_CANCEL_BADGED_SENDS] = { "index depth", "" },
    [MICA_CNODE_COPY] = { "dest dest_depth src src_depth rights:r", "src_root" },
    [MICA_CNODE_MINT] = { "dest dest_depth src src_depth rights:r badge", "src_root" },
    [MICA_CNODE_MOVE] = { "dest dest_depth src src_depth", "src_root" },
    [MICA_CNODE_MUTATE] = { "dest dest_depth src src_depth badge", "src_root" },
    [MICA_CNODE_ROTATE] = { "dest dest_depth dest_badge pivot pivot_depth pivot_badge src "
                            "src_depth", "pivot_root src_root" },
    [MICA_CNODE_SAVE_CALLER] = { "index depth", "" },
    [MICA_IRQ_ISSUE_IRQ_HANDLER] = { "irq index depth", "root" },
    [MICA_IRQ_SET_IRQ_HANDLER] = { "", "ntfn" },
    [MICA_PAGE_TABLE_MAP] = { "vaddr:x attr:x", "vspace" },
    [MICA_PAGE_MAP] = { "vaddr:x rights:r attr:x", "vspace" },
};

static size_t put(char *buf, size_t n, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = at < n ? hw_vformat(buf + at, n - at, fmt, ap) : 0;
    va_end(ap);
    at += k > 0 ? (size_t)k : 0;
    return at < n ? at : n - 1;
}

/* "name=value" for each space-separated name of names, values from next(). */
static size_t put_args(char *buf, size_t n, size_t at, const char *names, const word_t *v,
                       word_t count)
{
    word_t i = 0;
    for (const char *p = names; *p && i < count; i++) {
        const char *e = p, *colon = NULL;
        while (*e && *e != ' ') {
            if (*e == ':')
                colon = e;
            e++;
        }
        int len = (int)((colon ? colon : e) - p);
        char f = colon ? colon[1] : 'd';
        if (f == 'o')
            at = put(buf, n, at, " %.*s=%s", len, p, mica_object_type_name((mica_object_type_t)v[i]));
        else if (f == 'r')
            at = put(buf, n, at, " %.*s=%s%s%s%s", len, p, v[i] & RIGHT_READ ? "R" : "",
                     v[i] & RIGHT_WRITE ? "W" : "", v[i] & RIGHT_GRANT ? "G" : "",
                     v[i] & RIGHT_GRANT_REPLY ? "P" : (v[i] & 15) ? "" : "-");
        else if (f == 'x')
            at = put(buf, n, at, " %.*s=0x%lx", len, p, (unsigned long)v[i]);
        else
            at = put(buf, n, at, " %.*s=%lu", len, p, (unsigned long)v[i]);
        p = *e ? e + 1 : e;
    }
    return at;
}

/*
 * The arguments of invocation `label` made by t: its message words and
 * extra caps, by name (TCB_SetPriority prio=200 authority=2).
 */
static void describe_invocation(char *buf, size_t n, paddr_t t, word_t label, mica_msginfo_t m)
{
    size_t at = put(buf, n, 0, "%s", mica_invocation_name(label));
    if (label >= MICA_NUM_INVOCATION_LABELS || !invocation_args[label].words)
        return;
    word_t *ipcbuf = lookup_ipc_buffer(false, t);
    word_t w[8], c[MICA_MSG_MAX_EXTRA_CAPS];
    word_t nw = mica_msginfo_get_length(m), nc = mica_msginfo_get_extra_caps(m);
    if (nw > 8)
        nw = 8;
    if (nc > MICA_MSG_MAX_EXTRA_CAPS)
        nc = MICA_MSG_MAX_EXTRA_CAPS;
    if (!ipcbuf)
        nc = 0;
    for (word_t i = 0; i < nw; i++)
        w[i] = get_mr(t, ipcbuf, i);
    for (word_t i = 0; i < nc; i++)
        c[i] = ipcbuf[IPCBUF_CAPS + i];
    at = put_args(buf, n, at, invocation_args[label].words, w, nw);
    put_args(buf, n, at, invocation_args[label].caps, c, nc);
}

/*
 * A plain message whose label is an invocation's, sent to an endpoint:
 * most likely an invocation meant for another cap type (seL4 delivers it
 * as an ordinary message). The library's stubs mark their calls, so a
 * protocol whose labels happen to be invocation numbers is not called out.
 */
static void wrong_cap_hint(paddr_t t, word_t label, mica_cap_type_t ct)
{
    hw_trace_event_t ev = { .kind = HW_TRACE_HINT, .thread = t, .label = label,
                            .op = mica_invocation_name(label), .detail = mica_cap_type_name(ct) };
    emit(&ev);
}

void trace_syscall_(paddr_t t, word_t sysno)
{
    if (!TRACING(HW_TRACE_CAT_SYSCALL))
        return;
    tcb_t *tp = tcb_ptr(t);
    mica_msginfo_t m = { { tp->regs[REG_INFO] } };
    long n = (long)sysno;
    hw_trace_event_t ev = { .kind = HW_TRACE_SYSCALL, .thread = t, .object = tp->regs[REG_CAP],
                            .label = mica_msginfo_get_label(m), .length = mica_msginfo_get_length(m),
                            .op = syscall_name(n), .result = MICA_CAP_TYPE_NULL };
    char what[256];
    bool hint = false;
    bool sends = n == MICA_SYS_CALL || n == MICA_SYS_SEND || n == MICA_SYS_NBSEND ||
                 n == MICA_SYS_REPLY_RECV;
    bool recvs = n == MICA_SYS_RECV || n == MICA_SYS_NBRECV || n == MICA_SYS_REPLY_RECV;
    if (sends || recvs || n == MICA_SYS_DEBUG_NAME_THREAD || n == MICA_SYS_DEBUG_CAP_IDENTIFY) {
        lookup_slot_ret_t lu = lookup_slot(t, tp->regs[REG_CAP]);
        mica_cap_type_t ct = lu.status == EXCEPTION_NONE ? cap_type(lu.slot->cap) : MICA_CAP_TYPE_NULL;
        ev.result = ct;         /* the text says "on ep slot 166" */
        if (ct == MICA_CAP_TYPE_NOTIFICATION) {
            /* The kernel knows the cap: a Send is a Signal, a Recv a Wait, an NBRecv a Poll. */
            ev.op = n == MICA_SYS_SEND || n == MICA_SYS_NBSEND ? "Signal"
                  : n == MICA_SYS_RECV ? "Wait" : n == MICA_SYS_NBRECV ? "Poll" : ev.op;
            ev.badge = cap_badge(lu.slot->cap);
        } else if (ct == MICA_CAP_TYPE_ENDPOINT) {
            ev.badge = cap_badge(lu.slot->cap);
            /* A library invocation stub's message: the cap was meant to be another type. */
            hint = sends && ev.label && ev.label < MICA_NUM_INVOCATION_LABELS &&
                   (hw_task_marks(tp->ctx) & HW_MARK_INVOCATION);
        } else if (sends && ct != MICA_CAP_TYPE_REPLY && ct != MICA_CAP_TYPE_NULL) {
            /* A Call or Send to a kernel object is an invocation: name it and its arguments. */
            describe_invocation(what, sizeof what, t, ev.label, m);
            ev.detail = what;
        }
    }
    emit(&ev);
    if (hint)
        wrong_cap_hint(t, ev.label, MICA_CAP_TYPE_ENDPOINT);
}

void trace_ipc_(paddr_t sender, paddr_t receiver, paddr_t ep, word_t badge, word_t info,
               const char *how)
{
    if (!TRACING(HW_TRACE_CAT_IPC))
        return;
    mica_msginfo_t m = { { info } };
    /* Called before the badge is delivered: the receiver's r0 is still the cptr it received on. */
    hw_trace_event_t ev = { .kind = HW_TRACE_IPC, .thread = sender, .peer = receiver, .object = ep,
                            .badge = badge, .label = mica_msginfo_get_label(m),
                            .length = mica_msginfo_get_length(m), .op = how,
                            .result = ep ? get_register(receiver, REG_CAP) : 0 };
    emit(&ev);
}

void trace_wake_(paddr_t t, paddr_t signaller, paddr_t ntfn, word_t badge, const char *how)
{
    if (!TRACING(HW_TRACE_CAT_IPC))
        return;
    hw_trace_event_t ev = { .kind = HW_TRACE_WAKE, .thread = t, .peer = signaller, .object = ntfn,
                            .badge = badge, .label = get_register(t, REG_CAP), .op = how };
    emit(&ev);
}

void trace_switch_(paddr_t from, paddr_t to)
{
    if (!TRACING(HW_TRACE_CAT_SCHED))
        return;
    hw_trace_event_t ev = { .kind = HW_TRACE_SWITCH, .thread = from, .peer = to, .op = "switch" };
    emit(&ev);
}

void describe_fault(char *buf, size_t n, const fault_t *f, const lookup_fault_t *lf)
{
    static const char *const lookup[] = { "no failure", "invalid root", "missing capability",
                                          "depth mismatch", "guard mismatch" };
    char tmp[160];
    const char *why = lf && lf->type < ARRAY_SIZE(lookup) ? lookup[lf->type] : "?";
    switch (f->type) {
    case MICA_FAULT_CAP:
        kformat(tmp, sizeof tmp, "cptr %lu does not name a usable cap (%s, %lu bits left)%s",
                  (unsigned long)f->w[0], why, lf ? (unsigned long)lf->bits_left : 0ul,
                  f->w[1] ? " while receiving" : "");
        break;
    case MICA_FAULT_UNKNOWN_SYSCALL:
        kformat(tmp, sizeof tmp, "system call number %ld does not exist", (long)f->w[0]);
        break;
    case MICA_FAULT_USER_EXCEPTION:
        kformat(tmp, sizeof tmp, "the task crashed: host signal %lu (code %lu) at pc 0x%lx",
                  (unsigned long)f->w[0], (unsigned long)f->w[1], (unsigned long)f->w[2]);
        break;
    case MICA_FAULT_VM:
        kformat(tmp, sizeof tmp, "%s of vaddr 0x%lx at pc 0x%lx",
                  (f->w[2] & 2) ? "write" : (f->w[1] ? "instruction fetch" : "read"),
                  (unsigned long)f->w[0], (unsigned long)f->w[3]);
        break;
    default:
        kformat(tmp, sizeof tmp, "fault type %lu", (unsigned long)f->type);
        break;
    }
    kformat(buf, n, "%s", tmp);
}

void trace_fault_(paddr_t t, const fault_t *f, const lookup_fault_t *lf, paddr_t ep, word_t badge)
{
    static const char *const kinds[] = { "null fault", "cap fault", "unknown syscall",
                                         "user exception", "?", "VM fault" };
    if (!TRACING(HW_TRACE_CAT_FAULT))
        return;
    char detail[480];
    describe_fault(detail, sizeof detail, f, lf);
    if (ks.last_error[0]) {     /* why, as the kernel said it (user_error), once */
        size_t k = 0;
        while (detail[k])
            k++;
        kformat(detail + k, sizeof detail - k, ": %s", ks.last_error);
        ks.last_error[0] = 0;
    }
    word_t pc = f->type == MICA_FAULT_VM ? f->w[3]
              : f->type == MICA_FAULT_USER_EXCEPTION ? f->w[2] : user_pc(t);
    hw_trace_event_t ev = { .kind = HW_TRACE_FAULT, .thread = t, .label = f->type,
                            .object = ep, .badge = badge, .pc = pc,
                            .op = f->type < ARRAY_SIZE(kinds) ? kinds[f->type] : "fault",
                            .detail = detail };
    emit(&ev);
}

void trace_error_(paddr_t t, cptr_t cptr, word_t label, word_t err, bool expected)
{
    if (!TRACING(HW_TRACE_CAT_CAP))
        return;
    hw_trace_event_t ev = { .kind = HW_TRACE_ERROR, .thread = t, .object = cptr, .label = label,
                            .result = err, .op = mica_invocation_name(label),
                            .length = expected, .detail = ks.last_error };
    emit(&ev);
    ks.last_error[0] = 0;
}

void trace_object_(bool created, const char *type, paddr_t p, word_t bits)
{
    if (!TRACING(HW_TRACE_CAT_MEM))
        return;
    hw_trace_event_t ev = { .kind = created ? HW_TRACE_CREATE : HW_TRACE_DELETE,
                            .thread = NODE.cur_thread == NODE.idle_thread ? 0 : NODE.cur_thread,
                            .object = p, .length = bits, .op = type };
    emit(&ev);
}

void trace_signal_(paddr_t t, paddr_t ntfn, word_t badge)
{
    if (!TRACING(HW_TRACE_CAT_IPC))
        return;
    hw_trace_event_t ev = { .kind = HW_TRACE_SIGNAL, .thread = t, .object = ntfn, .badge = badge,
                            .op = "Signal" };
    emit(&ev);
}

void trace_irq_(const char *what, word_t irq, paddr_t ntfn, word_t badge)
{
    /* The acting thread: the one acknowledging; none for a device's line. */
    paddr_t t = what[0] == 'a' && NODE.cur_thread != NODE.idle_thread ? NODE.cur_thread : 0;
    hw_trace_event_t ev = { .kind = HW_TRACE_IRQ, .thread = t, .object = irq, .label = ntfn,
                            .badge = badge, .op = what };
    emit(&ev);
}

void trace_exit_(paddr_t t, const char *detail)
{
    if (!TRACING(HW_TRACE_CAT_SCHED))
        return;
    hw_trace_event_t ev = { .kind = HW_TRACE_EXIT, .thread = t, .op = "exit", .detail = detail };
    emit(&ev);
}

void trace_escape_(paddr_t t, const char *what)
{
    if (!TRACING(HW_TRACE_CAT_FAULT))
        return;
    hw_trace_event_t ev = { .kind = HW_TRACE_FAULT, .thread = t, .op = "escape", .detail = what };
    emit(&ev);
}

void trace_preempt_(paddr_t t)
{
    if (!TRACING(HW_TRACE_CAT_SCHED))
        return;
    hw_trace_event_t ev = { .kind = HW_TRACE_PREEMPT, .thread = t, .op = "preempted" };
    emit(&ev);
}

void trace_map_(bool map, paddr_t vspace, word_t vaddr, paddr_t frame, unsigned bits)
{
    if (!TRACING(HW_TRACE_CAT_MEM))
        return;
    hw_trace_event_t ev = { .kind = map ? HW_TRACE_MAP : HW_TRACE_UNMAP,
                            .thread = NODE.cur_thread == NODE.idle_thread ? 0 : NODE.cur_thread,
                            .object = frame, .badge = vaddr, .label = vspace, .length = bits,
                            .op = map ? "map" : "unmap" };
    emit(&ev);
}
