/*
 * trace.c - build trace events: who, what, on which object, with which
 * result, in words a reader understands without a manual.
 */
#include "trace.h"
#include "thread.h"
#include "cspace.h"
#include "object/object.h"

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
        "DebugNameThread",
    };
    if (n < 0 && -n < (long)ARRAY_SIZE(names))
        return names[-n];
    if (n == MICA_SYS_THREAD_EXIT)
        return "ThreadExit";
    return "unknown syscall";
}

void trace_syscall_(paddr_t t, word_t sysno)
{
    if (!TRACING(HW_TRACE_CAT_SYSCALL))
        return;
    tcb_t *tp = tcb_ptr(t);
    mica_msginfo_t m = { { tp->regs[REG_INFO] } };
    hw_trace_event_t ev = { .kind = HW_TRACE_SYSCALL, .thread = t, .object = tp->regs[REG_CAP],
                            .label = mica_msginfo_get_label(m), .length = mica_msginfo_get_length(m),
                            .op = syscall_name((long)sysno) };
    /* A Call or Send to a kernel object is an invocation: name it. */
    char what[64];
    long n = (long)sysno;
    if (n == MICA_SYS_CALL || n == MICA_SYS_SEND || n == MICA_SYS_NBSEND) {
        lookup_slot_ret_t lu = lookup_slot(t, tp->regs[REG_CAP]);
        mica_cap_type_t ct = lu.status == EXCEPTION_NONE ? cap_type(lu.slot->cap) : MICA_CAP_TYPE_NULL;
        if (ct != MICA_CAP_TYPE_ENDPOINT && ct != MICA_CAP_TYPE_NOTIFICATION &&
            ct != MICA_CAP_TYPE_REPLY && ct != MICA_CAP_TYPE_NULL) {
            kformat(what, sizeof what, "%s %s", ev.op, mica_invocation_name(ev.label));
            ev.op = what;
        }
    }
    emit(&ev);
}

void trace_ipc_(paddr_t sender, paddr_t receiver, paddr_t ep, word_t badge, word_t info,
               const char *how)
{
    if (!TRACING(HW_TRACE_CAT_IPC))
        return;
    mica_msginfo_t m = { { info } };
    hw_trace_event_t ev = { .kind = HW_TRACE_IPC, .thread = sender, .peer = receiver, .object = ep,
                            .badge = badge, .label = mica_msginfo_get_label(m),
                            .length = mica_msginfo_get_length(m), .op = how };
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
        kformat(tmp, sizeof tmp, "cptr 0x%lx does not name a usable cap (%s, %lu bits left)%s",
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
    char detail[200];
    describe_fault(detail, sizeof detail, f, lf);
    word_t pc = f->type == MICA_FAULT_VM ? f->w[3]
              : f->type == MICA_FAULT_USER_EXCEPTION ? f->w[2] : user_pc(t);
    hw_trace_event_t ev = { .kind = HW_TRACE_FAULT, .thread = t, .label = f->type,
                            .object = ep, .badge = badge, .pc = pc,
                            .op = f->type < ARRAY_SIZE(kinds) ? kinds[f->type] : "fault",
                            .detail = detail };
    emit(&ev);
}

void trace_error_(paddr_t t, cptr_t cptr, word_t label, word_t err)
{
    if (!TRACING(HW_TRACE_CAT_CAP))
        return;
    hw_trace_event_t ev = { .kind = HW_TRACE_ERROR, .thread = t, .object = cptr, .label = label,
                            .result = err, .op = mica_invocation_name(label),
                            .detail = ks.last_error };
    emit(&ev);
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
