/*
 * trace.c - trace sinks: a readable text log and Chrome Trace Event JSON.
 *
 * Text, one line per event (in the spirit of the Hurd's rpctrace):
 *
 *   [t=41] client1: Call on ep slot 167 badge=1 label=19 len=3
 *   [t=41] server: received from client1 via ep slot 166 badge=1 label=19 len=3
 *   [t=43] switch client1 -> server
 *   [t=44] server: ReplyRecv on ep slot 166 label=0 len=1
 *
 * A label of an interface that generated code registered (NAME_trace_register,
 * docs/idl.md) is named after the number, and so is the status of its reply:
 *
 *   [t=60] client1: Call on ep slot 167 badge=1 label=17153 (fs.open) len=3
 *   [t=61] server: ReplyRecv on ep slot 166 label=1 (fs.open: NOT_FOUND) len=0
 *   [t=57] root: CNode_Copy on slot 2 failed: DeleteFirst (destination slot 159 is not empty)
 *
 * Slots and cptrs are decimal; object addresses and virtual addresses hex.
 *
 * Chrome JSON (chrome://tracing, ui.perfetto.dev): one process per CPU, one
 * track per thread showing when it runs, IPC as flow arrows from sender to
 * receiver, faults, errors and object events as instants with arguments.
 * Timestamps are event sequence numbers in microseconds (virtual clock), so
 * the picture is ordered and deterministic. The file is a JSON array that is
 * closed whenever the run ends, also when it stops early.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <mica/idl.h>
#include "sim.h"
#include "dev/device.h"

unsigned hw_trace_mask;

static sim_out_t *text;        /* the log's sink (sim.log), or NULL */
static sim_out_t json_out;      /* the JSON file */
static FILE *json;              /* json_out.f while the JSON is written */
static unsigned long seq;
static unsigned long flow_id;
static int json_first;
static hw_word_t running[8];    /* per CPU: the thread whose "running" slice is open */

/* Names for --log-filter. */
static const struct { const char *name; unsigned bit; } cats[] = {
    { "ipc", HW_TRACE_CAT_IPC }, { "sched", HW_TRACE_CAT_SCHED }, { "fault", HW_TRACE_CAT_FAULT },
    { "cap", HW_TRACE_CAT_CAP }, { "mem", HW_TRACE_CAT_MEM }, { "irq", HW_TRACE_CAT_IRQ },
    { "syscall", HW_TRACE_CAT_SYSCALL },
};

int trace_parse_filter(const char *spec, unsigned *mask)
{
    unsigned m = 0;
    char buf[256];
    if (!spec) {
        *mask = ~0u;
        return 0;
    }
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++)
            if (strcmp(tok, cats[i].name) == 0)
                bit = cats[i].bit;
        if (!bit) {
            fprintf(stderr, "mica: unknown log category '%s' (known: ipc,sched,fault,cap,mem,irq,syscall)\n", tok);
            return -1;
        }
        m |= bit;
    }
    *mask = m;
    return 0;
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_begin(void)
{
    fputs(json_first ? "\n" : ",\n", json);
    json_first = 0;
}

static unsigned long tid_of(hw_word_t tcb)
{
    return (unsigned long)(tcb >> 11);
}

/*
 * With several CPUs each CPU is a process of the trace, and a thread's
 * track lives under the CPU it was last switched in on: every event about
 * the thread (its IPC flows, faults, errors) goes there, whichever CPU's
 * kernel recorded it. A thread's name is written once per process that
 * holds its track, and again only if the thread is renamed.
 */
#define TRACKS 4096             /* threads remembered; beyond, events fall back to the recording CPU */
static struct track {
    unsigned long key;          /* tid + 1; 0 = free */
    unsigned cpu;               /* the process holding the thread's track */
    unsigned named;             /* bit per process that has the thread's current name */
    uint32_t name_hash;
} tracks[TRACKS];
static unsigned cpus_seen;      /* bit per CPU that had an event: each gets its process name */

static struct track *track_of(hw_word_t t, unsigned cpu)
{
    unsigned long key = tid_of(t) + 1;
    for (unsigned i = 0, h = (unsigned)(key * 2654435761u) % TRACKS; i < TRACKS; i++, h = (h + 1) % TRACKS) {
        if (tracks[h].key == key)
            return &tracks[h];
        if (!tracks[h].key) {
            tracks[h] = (struct track){ .key = key, .cpu = cpu & 7 };
            return &tracks[h];
        }
    }
    return NULL;
}

/* The process (CPU) whose track holds thread t; cpu if t has none yet. */
static unsigned pid_of(hw_word_t t, unsigned cpu)
{
    struct track *tr = track_of(t, cpu);
    unsigned pid = tr ? tr->cpu : cpu & 7;
    cpus_seen |= 1u << pid;
    return pid;
}

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The thread_name metadata of t's track under process pid, unless it is there already. */
static void json_name_thread(hw_word_t t, const char *name, unsigned pid)
{
    if (!t)
        name = "kernel";
    if (!name || !name[0])
        return;                 /* not named yet: the name comes when it is */
    struct track *tr = track_of(t, pid);
    uint32_t h = name_hash(name);
    if (tr) {
        if (tr->name_hash != h)
            tr->named = 0;
        tr->name_hash = h;
        if (tr->named & (1u << pid))
            return;
        tr->named |= 1u << pid;
    }
    json_begin();
    fprintf(json, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%u,\"tid\":%lu,\"args\":{\"name\":", pid, tid_of(t));
    json_str(json, name);
    fputs("}}", json);
}

/* A fault's pc as function+offset, remembered: the same few pcs fault again and again. */
static struct { hw_word_t pc; char sym[112]; } syms[32];
static unsigned syms_next;

static const char *pc_symbol(hw_word_t pc)
{
    for (unsigned i = 0; i < sizeof syms / sizeof syms[0]; i++)
        if (syms[i].pc == pc && syms[i].sym[0])
            return syms[i].sym;
    unsigned i = syms_next++ % (sizeof syms / sizeof syms[0]);
    syms[i].pc = pc;
    sim_symbolize_function((uintptr_t)pc, syms[i].sym, sizeof syms[i].sym);
    return syms[i].sym;
}

/*
 * Devices and interrupt lines have a process of their own in the JSON
 * trace, one track per line, named after the device that drives it.
 */
#define DEVICES_PID 8
static uint64_t lines_named[2];     /* bit per line whose track has its name */

static void json_line_track(unsigned irq)
{
    irq &= 127;
    if (lines_named[irq / 64] & (1ull << (irq % 64)))
        return;
    lines_named[irq / 64] |= 1ull << (irq % 64);
    const char *dev = devices_name_of_irq(irq);
    char name[48];
    if (dev)
        snprintf(name, sizeof name, "%s (irq %u)", dev, irq);
    else
        snprintf(name, sizeof name, "irq %u", irq);
    json_begin();
    fprintf(json, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%u,\"tid\":%u,\"args\":{\"name\":",
            DEVICES_PID, irq + 1);
    json_str(json, name);
    fputs("}}", json);
}

static void json_irq(const hw_trace_event_t *ev)
{
    unsigned irq = (unsigned)ev->object;
    json_line_track(irq);
    json_begin();
    fprintf(json, "{\"ph\":\"i\",\"s\":\"t\",\"name\":");
    json_str(json, ev->op);
    fprintf(json, ",\"cat\":\"irq\",\"pid\":%u,\"tid\":%u,\"ts\":%lu,\"args\":{\"irq\":%u,"
            "\"time\":%lu", DEVICES_PID, irq + 1, seq, irq, (unsigned long)ev->time);
    if (ev->label)
        fprintf(json, ",\"notification\":\"0x%lx\",\"badge\":%lu", (unsigned long)ev->label,
                (unsigned long)ev->badge);
    if (ev->thread) {
        fputs(",\"thread\":", json);
        json_str(json, ev->thread_name);
    }
    fputs("}}", json);
}

/*
 * idl: idl_annotate's " (fs.open)" or " (fs.open: NOT_FOUND)" for ev, or "":
 * an IPC of a registered interface is named on the timeline by its method
 * (and its reply by method and status), with the kernel's op in args.
 */
static void json_event(const hw_trace_event_t *ev, const char *idl)
{
    unsigned long ts = seq;
    unsigned cpu = ev->cpu & 7, pid, peer_pid;
    if (ev->kind == HW_TRACE_IRQ) {
        json_irq(ev);
        return;
    }
    switch (ev->kind) {
    case HW_TRACE_SWITCH: {
        if (running[cpu]) {
            json_begin();
            fprintf(json, "{\"ph\":\"E\",\"pid\":%u,\"tid\":%lu,\"ts\":%lu}", cpu, tid_of(running[cpu]), ts);
        }
        struct track *tr = track_of(ev->peer, cpu);
        if (tr)
            tr->cpu = cpu;      /* the thread's track moves with it */
        cpus_seen |= 1u << cpu;
        json_name_thread(ev->peer, ev->peer_name, cpu);
        json_begin();
        fprintf(json, "{\"ph\":\"B\",\"name\":\"running\",\"cat\":\"sched\",\"pid\":%u,\"tid\":%lu,\"ts\":%lu}",
                cpu, tid_of(ev->peer), ts);
        running[cpu] = ev->peer;
        return;
    }
    case HW_TRACE_IPC:
        pid = pid_of(ev->thread, cpu);
        peer_pid = pid_of(ev->peer, cpu);
        json_name_thread(ev->thread, ev->thread_name, pid);
        json_name_thread(ev->peer, ev->peer_name, peer_pid);
        flow_id++;
        json_begin();
        fprintf(json, "{\"ph\":\"s\",\"name\":\"ipc\",\"cat\":\"ipc\",\"id\":%lu,\"pid\":%u,\"tid\":%lu,\"ts\":%lu}",
                flow_id, pid, tid_of(ev->thread), ts);
        json_begin();
        fprintf(json, "{\"ph\":\"i\",\"s\":\"t\",\"name\":");
        char rpc[128] = "";
        if (idl[0] == ' ' && idl[1] == '(') {
            snprintf(rpc, sizeof rpc, "%s", idl + 2);
            rpc[strcspn(rpc, ")")] = 0;
        }
        json_str(json, rpc[0] ? rpc : ev->op);
        fprintf(json, ",\"cat\":\"ipc\",\"pid\":%u,\"tid\":%lu,\"ts\":%lu,\"args\":{", pid,
                tid_of(ev->thread), ts);
        if (rpc[0]) {
            fputs("\"op\":", json);
            json_str(json, ev->op);
            fputs(",", json);
        }
        fprintf(json, "\"cpu\":%u,\"to\":", cpu);
        json_str(json, ev->peer_name);
        fprintf(json, ",\"endpoint\":\"0x%lx\",\"badge\":%lu,\"label\":%lu,\"length\":%lu}}",
                (unsigned long)ev->object, (unsigned long)ev->badge, (unsigned long)ev->label,
                (unsigned long)ev->length);
        json_begin();
        fprintf(json, "{\"ph\":\"f\",\"name\":\"ipc\",\"cat\":\"ipc\",\"id\":%lu,\"pid\":%u,\"tid\":%lu,\"ts\":%lu}",
                flow_id, peer_pid, tid_of(ev->peer), ts + 1);
        return;
    default:
        break;
    }
    pid = pid_of(ev->thread, cpu);
    json_name_thread(ev->thread, ev->thread_name, pid);
    json_begin();
    fprintf(json, "{\"ph\":\"i\",\"s\":\"t\",\"name\":");
    json_str(json, ev->op);
    fprintf(json, ",\"cat\":\"%s\",\"pid\":%u,\"tid\":%lu,\"ts\":%lu,\"args\":{\"cpu\":%u",
            ev->kind == HW_TRACE_FAULT ? "fault" : ev->kind == HW_TRACE_ERROR ? "error" : "kernel",
            pid, tid_of(ev->thread), ts, cpu);
    if (ev->kind == HW_TRACE_FAULT) {
        /* Where the fault message goes: the handler's endpoint and badge (0: no handler). */
        fprintf(json, ",\"endpoint\":\"0x%lx\",\"badge\":%lu", (unsigned long)ev->object,
                (unsigned long)ev->badge);
        if (ev->pc) {
            fputs(",\"pc\":", json);
            json_str(json, pc_symbol(ev->pc));
        }
    } else {
        fprintf(json, ",\"object\":\"0x%lx\"", (unsigned long)ev->object);
    }
    if (ev->kind == HW_TRACE_ERROR)
        fprintf(json, ",\"error\":\"%s\"", mica_error_name((mica_error_t)ev->result));
    if (ev->detail) {
        fputs(",\"detail\":", json);
        json_str(json, ev->detail);
    }
    fputs("}}", json);
}

/* Cap types as the syscall line names them ("on ep slot 166"). */
static const char *cap_word(unsigned long type)
{
    switch (type) {
    case MICA_CAP_TYPE_ENDPOINT: return "ep ";
    case MICA_CAP_TYPE_NOTIFICATION: return "ntfn ";
    case MICA_CAP_TYPE_REPLY: return "reply ";
    default: return "";
    }
}

/*
 * A system call: "client3: Call on ep slot 169 label=19 len=3", a Signal or
 * Wait on a notification, or an invocation with its arguments by name
 * ("root: TCB_SetPriority on slot 170 prio=200 authority=2").
 */
static void text_syscall(FILE *f, const hw_trace_event_t *ev, const char *idl)
{
    const char *op = ev->op;
    unsigned long slot = (unsigned long)ev->object;
    if (ev->detail) {
        const char *sp = strchr(ev->detail, ' ');
        int len = sp ? (int)(sp - ev->detail) : (int)strlen(ev->detail);
        fprintf(f, "%s: %s%s%.*s on slot %lu%s\n", ev->thread_name,
                strcmp(op, "Call") == 0 ? "" : op, strcmp(op, "Call") == 0 ? "" : " ", len,
                ev->detail, slot, sp ? sp : "");
        return;
    }
    if (strcmp(op, "Yield") == 0 || strcmp(op, "ThreadExit") == 0 || strncmp(op, "Debug", 5) == 0) {
        if (strcmp(op, "DebugNameThread") == 0 || strcmp(op, "DebugCapIdentify") == 0)
            fprintf(f, "%s: %s on slot %lu\n", ev->thread_name, op, slot);
        else
            fprintf(f, "%s: %s\n", ev->thread_name, op);
        return;
    }
    fprintf(f, "%s: %s on %sslot %lu", ev->thread_name, op, cap_word((unsigned long)ev->result), slot);
    if (strcmp(op, "Wait") == 0 || strcmp(op, "Poll") == 0 || strcmp(op, "Recv") == 0 ||
        strcmp(op, "NBRecv") == 0) {
        fputc('\n', f);
        return;
    }
    if (ev->badge)
        fprintf(f, " badge=%lu", (unsigned long)ev->badge);
    if (strcmp(op, "Signal") != 0)
        fprintf(f, " label=%lu%s len=%lu", (unsigned long)ev->label, idl, (unsigned long)ev->length);
    fputc('\n', f);
}

static void text_event(FILE *f, const hw_trace_event_t *ev, const char *idl)
{
    /* A Signal's own line (category syscall) or the irq line says it already. */
    if (ev->kind == HW_TRACE_SIGNAL && (hw_trace_mask & (HW_TRACE_CAT_SYSCALL | HW_TRACE_CAT_IRQ)))
        return;
    if (sim_smp)
        fprintf(f, "[t=%lu cpu%u] ", (unsigned long)ev->time, ev->cpu);
    else
        fprintf(f, "[t=%lu] ", (unsigned long)ev->time);
    switch (ev->kind) {
    case HW_TRACE_SYSCALL:
        text_syscall(f, ev, idl);
        break;
    case HW_TRACE_IPC:
        /* The receive side: what reached whom, with the badge it got. */
        if (ev->object)
            fprintf(f, "%s: received %sfrom %s via ep slot %lu badge=%lu label=%lu%s len=%lu\n",
                    ev->peer_name, strcmp(ev->op, "message") == 0 ? "" : "a fault message ",
                    ev->thread_name, (unsigned long)ev->result, (unsigned long)ev->badge,
                    (unsigned long)ev->label, idl, (unsigned long)ev->length);
        else if (strcmp(ev->op, "fault message") == 0)
            fprintf(f, "%s: received a fault message from %s badge=%lu label=%lu len=%lu\n",
                    ev->peer_name, ev->thread_name, (unsigned long)ev->badge,
                    (unsigned long)ev->label, (unsigned long)ev->length);
        else
            fprintf(f, "%s: received %s from %s label=%lu%s len=%lu\n", ev->peer_name, ev->op,
                    ev->thread_name, (unsigned long)ev->label, idl, (unsigned long)ev->length);
        break;
    case HW_TRACE_WAKE:
        if (strcmp(ev->op, "bound") == 0)
            fprintf(f, "%s: received a signal from its bound notification badge=%lu "
                    "(in Recv on slot %lu)", ev->thread_name, (unsigned long)ev->badge,
                    (unsigned long)ev->label);
        else
            fprintf(f, "%s: %s on ntfn slot %lu returned badge=%lu", ev->thread_name, ev->op,
                    (unsigned long)ev->label, (unsigned long)ev->badge);
        if (ev->peer)
            fprintf(f, " (signalled by %s)\n", ev->peer_name);
        else
            fputs(ev->badge ? " (pending)\n" : " (nothing pending)\n", f);
        break;
    case HW_TRACE_HINT:
        fprintf(f, "%s: label %lu = %s sent to an %s: on an endpoint an invocation is an "
                "ordinary message\n", ev->thread_name, (unsigned long)ev->label, ev->op,
                ev->detail);
        break;
    case HW_TRACE_SWITCH:
        fprintf(f, "switch %s -> %s\n", ev->thread_name, ev->peer_name);
        break;
    case HW_TRACE_FAULT:
        fprintf(f, "%s: %s: %s\n", ev->thread_name, ev->op, ev->detail ? ev->detail : "");
        break;
    case HW_TRACE_ERROR:
        if (ev->length)     /* a probe of the user library: its answer, no failure */
            fprintf(f, "%s: %s on slot %lu returned %s, as the user library expected (%s)\n",
                    ev->thread_name, ev->op, (unsigned long)ev->object,
                    mica_error_name((mica_error_t)ev->result),
                    ev->detail && ev->detail[0] ? ev->detail : "a probe");
        else
            fprintf(f, "%s: %s on slot %lu failed: %s (%s)\n", ev->thread_name, ev->op,
                    (unsigned long)ev->object, mica_error_name((mica_error_t)ev->result),
                    ev->detail && ev->detail[0] ? ev->detail : "no detail");
        break;
    case HW_TRACE_CREATE:
    case HW_TRACE_DELETE:
        fprintf(f, "%s: %s %s at 0x%lx (2^%lu bytes)\n", ev->thread ? ev->thread_name : "kernel",
                ev->kind == HW_TRACE_CREATE ? "created" : "deleted", ev->op,
                (unsigned long)ev->object, (unsigned long)ev->length);
        break;
    case HW_TRACE_SIGNAL:
        fprintf(f, "%s: signal badge=%lu to notification 0x%lx\n", ev->thread_name,
                (unsigned long)ev->badge, (unsigned long)ev->object);
        break;
    case HW_TRACE_EXIT:
        fprintf(f, "%s: entry function returned; thread is now inactive\n", ev->thread_name);
        break;
    case HW_TRACE_PREEMPT:
        fprintf(f, "%s: preempted by the clock\n", ev->thread_name);
        break;
    case HW_TRACE_IRQ: {
        const char *dev = devices_name_of_irq((unsigned)ev->object);
        fprintf(f, "irq %lu", (unsigned long)ev->object);
        if (dev)
            fprintf(f, " (%s)", dev);
        fprintf(f, ": %s", ev->op);
        if (ev->label)
            fprintf(f, ", signalled notification 0x%lx badge=%lu", (unsigned long)ev->label,
                    (unsigned long)ev->badge);
        if (ev->thread)
            fprintf(f, " by %s", ev->thread_name);
        fputc('\n', f);
        break;
    }
    case HW_TRACE_MAP:
    case HW_TRACE_UNMAP:
        fprintf(f, "%s: %s frame 0x%lx at vaddr 0x%lx in VSpace 0x%lx (2^%lu bytes)\n",
                ev->thread ? ev->thread_name : "kernel", ev->op, (unsigned long)ev->object,
                (unsigned long)ev->badge, (unsigned long)ev->label, (unsigned long)ev->length);
        break;
    default:
        fprintf(f, "event %d\n", ev->kind);
        break;
    }
}

/* --- the in-memory ring (mica_config_t.trace_ring) ------------------------ */

static mica_trace_ring_t *ring;
static FILE *ring_file;     /* unbuffered stream whose writes land in the ring */

static ssize_t ring_write(void *cookie, const char *buf, size_t n)
{
    (void)cookie;
    if (ring && ring->size) {
        uint64_t w = ring->written;
        for (size_t i = 0; i < n; i++)
            ring->data[(w + i) % ring->size] = buf[i];
        ring->written = w + n;
    }
    return (ssize_t)n;
}

/*
 * Send the text trace to r as well (NULL: stop). The stream is made once
 * per process, before boot, and is unbuffered, so formatting an event
 * allocates nothing and every byte is in the ring at once.
 */
int trace_open_ring(mica_trace_ring_t *r)
{
    ring = r;
    if (!r)
        return 0;
    if (!ring_file) {
        cookie_io_functions_t io = { .write = ring_write };
        ring_file = fopencookie(NULL, "w", io);
        if (!ring_file)
            return -1;
        setvbuf(ring_file, NULL, _IONBF, 0);
    }
    if (!hw_trace_mask)
        trace_parse_filter(sim.cfg ? sim.cfg->log_filter : NULL, &hw_trace_mask);
    return 0;
}

size_t mica_trace_ring_tail(const mica_trace_ring_t *r, unsigned lines, char *out, size_t n)
{
    if (!out || n == 0)
        return 0;
    out[0] = 0;
    if (!r || !r->size)
        return 0;
    uint64_t end = r->written, start = end > r->size ? end - r->size : 0;
    /* Walk back over `lines` newlines (the last byte is normally one). */
    uint64_t p = end;
    unsigned seen = 0;
    while (p > start) {
        if (r->data[(p - 1) % r->size] == '\n' && p != end && ++seen == lines)
            break;
        p--;
    }
    /* A partial first line (overwritten head) is dropped. */
    if (p == start && start > 0) {
        while (p < end && r->data[p % r->size] != '\n')
            p++;
        if (p < end)
            p++;
    }
    size_t len = 0;
    for (; p < end && len + 1 < n; p++)
        out[len++] = r->data[p % r->size];
    out[len] = 0;
    return len;
}

/*
 * A fault's detail names its pc ("... at pc 0x55d0c3a1e505"): where the host
 * loaded the program, which differs from run to run. Both sinks get it as
 * function+offset instead, so the same run gives the same trace and log.
 */
static const char *symbolised_detail(const hw_trace_event_t *ev, char *buf, size_t n)
{
    char hex[40];
    snprintf(hex, sizeof hex, "pc 0x%lx", (unsigned long)ev->pc);
    const char *at = strstr(ev->detail, hex);
    if (!at)
        return ev->detail;
    snprintf(buf, n, "%.*s%s%s", (int)(at - ev->detail), ev->detail, pc_symbol(ev->pc),
             at + strlen(hex));
    return buf;
}

/*
 * Interface names for IPC lines. What a reply answers is not in the reply,
 * so the log remembers per thread the registered request it last sent with
 * Call (named on the reply it receives) and last received (named on its
 * Reply or ReplyRecv). A small direct-mapped table: a thread that loses its
 * entry to another gets no name on that reply, never a wrong one.
 */
#define IDL_PENDING 256
static struct idl_pending { hw_word_t thread, label; } idl_calling[IDL_PENDING],
    idl_serving[IDL_PENDING];

static struct idl_pending *idl_slot(struct idl_pending *t, hw_word_t thread)
{
    return &t[(thread >> 6) % IDL_PENDING];
}

static void idl_remember(struct idl_pending *t, hw_word_t thread, hw_word_t label)
{
    struct idl_pending *e = idl_slot(t, thread);
    e->thread = thread;
    e->label = label;
}

/* The request label thread was remembered with (0: none), forgotten now: one reply each. */
static hw_word_t idl_take(struct idl_pending *t, hw_word_t thread)
{
    struct idl_pending *e = idl_slot(t, thread);
    if (e->thread != thread)
        return 0;
    e->thread = 0;
    return e->label;
}

/* " (fs.open)" or " (fs.open: NOT_FOUND)" into buf for ev's line, else "". */
static const char *idl_annotate(const hw_trace_event_t *ev, char *buf, size_t n)
{
    const char *method = NULL, *status = NULL;
    hw_word_t req = 0;
    buf[0] = 0;
    if (ev->kind == HW_TRACE_SYSCALL && !ev->detail) {
        /* A Send on a reply cap (a deferred answer) carries a status, not a request. */
        if ((strcmp(ev->op, "Call") == 0 || strcmp(ev->op, "Send") == 0 ||
             strcmp(ev->op, "NBSend") == 0) && ev->result != MICA_CAP_TYPE_REPLY) {
            method = mica_idl_label_name(ev->label);
            if (strcmp(ev->op, "Call") == 0) {
                if (method)
                    idl_remember(idl_calling, ev->thread, ev->label);
                else
                    (void)idl_take(idl_calling, ev->thread);
            }
        } else if (strcmp(ev->op, "Reply") == 0 || strcmp(ev->op, "ReplyRecv") == 0) {
            req = idl_take(idl_serving, ev->thread);
        } else if (strcmp(ev->op, "Recv") == 0 || strcmp(ev->op, "NBRecv") == 0) {
            (void)idl_take(idl_serving, ev->thread);     /* what it got needs no reply */
        }
    } else if (ev->kind == HW_TRACE_IPC && strcmp(ev->op, "message") == 0) {
        /* Both ends, so the reply lines are named also when syscall lines are filtered out. */
        method = mica_idl_label_name(ev->label);
        if (method) {
            idl_remember(idl_serving, ev->peer, ev->label);
            idl_remember(idl_calling, ev->thread, ev->label);
        } else {
            (void)idl_take(idl_serving, ev->peer);
            (void)idl_take(idl_calling, ev->thread);
        }
    } else if (ev->kind == HW_TRACE_IPC && strcmp(ev->op, "reply") == 0) {
        req = idl_take(idl_calling, ev->peer);
    }
    if (req) {
        method = mica_idl_label_name(req);
        status = mica_idl_status_name(req, ev->label);
        if (status)
            snprintf(buf, n, " (%s: %s)", method, status);
        else if (method)    /* a status of no name: still say what it answers */
            snprintf(buf, n, " (%s)", method);
    } else if (method) {
        snprintf(buf, n, " (%s)", method);
    }
    return buf;
}

void hw_trace(const hw_trace_event_t *ev)
{
    char idl_buf[128];
    int saved = errno;          /* the task's; a failed write would change it */
    hw_trace_event_t copy;
    char detail[320];
    if (ev->kind == HW_TRACE_FAULT && ev->pc && ev->detail) {
        copy = *ev;
        copy.detail = symbolised_detail(ev, detail, sizeof detail);
        ev = &copy;
    }
    seq += 2;
    const char *idl = (text && text->f) || ring || json ? idl_annotate(ev, idl_buf, sizeof idl_buf) : "";
    if (text && text->f) {
        text_event(text->f, ev, idl);
        sim_out_check(text);
    }
    if (ring)
        text_event(ring_file, ev, idl);
    if (json) {
        json_event(ev, idl);
        sim_out_check(&json_out);
        json = json_out.f;      /* NULL once a write failed */
    }
    errno = saved;
}

void trace_device(unsigned index, unsigned irq, const char *name, const char *msg)
{
    (void)index;
    int saved = errno;
    seq += 2;
    hw_word_t t = sim.booted ? kernel_ticks() : 0;
    uint64_t ns = sim_now_ns();
    FILE *outs[2] = { text && text->f ? text->f : NULL, ring ? ring_file : NULL };
    for (unsigned k = 0; k < 2; k++) {
        if (!outs[k])
            continue;
        if (sim_smp)
            fprintf(outs[k], "[t=%lu cpu%u] ", (unsigned long)t, hw_cpu_id());
        else
            fprintf(outs[k], "[t=%lu] ", (unsigned long)t);
        fprintf(outs[k], "%s: %s (at %llu ns)\n", name, msg, (unsigned long long)ns);
    }
    if (text && text->f)
        sim_out_check(text);
    if (json) {
        json_line_track(irq);
        json_begin();
        fprintf(json, "{\"ph\":\"i\",\"s\":\"t\",\"name\":");
        json_str(json, msg);
        fprintf(json, ",\"cat\":\"device\",\"pid\":%u,\"tid\":%u,\"ts\":%lu,\"args\":{\"device\":",
                DEVICES_PID, (irq & 127) + 1, seq);
        json_str(json, name);
        fprintf(json, ",\"ns\":%llu}}", (unsigned long long)ns);
        sim_out_check(&json_out);
        json = json_out.f;
    }
    errno = saved;
}

/*
 * @return 0; -EINVAL for a bad filter, -EACCES if json_path cannot be
 * created (both reported on stderr).
 */
int trace_open(const char *json_path, sim_out_t *text_sink, const char *filter)
{
    unsigned mask;
    if (trace_parse_filter(filter, &mask) != 0)
        return -EINVAL;
    seq = 0;
    flow_id = 0;
    lines_named[0] = lines_named[1] = 0;
    memset(running, 0, sizeof running);
    memset(tracks, 0, sizeof tracks);
    memset(idl_calling, 0, sizeof idl_calling);
    memset(idl_serving, 0, sizeof idl_serving);
    cpus_seen = 0;
    text = text_sink && text_sink->f ? text_sink : NULL;
    json = NULL;
    int err = sim_out_open(&json_out, SIM_OUT_TRACE, json_path, 0);
    if (err)
        return err;
    json = json_out.f;
    if (json) {
        fputs("[", json);
        json_first = 1;
    }
    hw_trace_mask = (text || json) ? mask : 0;
    if (json)
        hw_trace_mask |= HW_TRACE_CAT_SCHED | HW_TRACE_CAT_IPC;   /* the tracks need them */
    return 0;
}

/* Close the JSON array so the file is valid however the run ended. */
int trace_close(void)
{
    if (json) {
        for (unsigned c = 0; c < 8; c++)
            if (running[c]) {
                json_begin();
                fprintf(json, "{\"ph\":\"E\",\"pid\":%u,\"tid\":%lu,\"ts\":%lu}", c, tid_of(running[c]), seq + 2);
            }
        for (unsigned c = 0; c < 8; c++)
            if (c == 0 || (cpus_seen & (1u << c))) {
                json_begin();
                fprintf(json, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%u,\"args\":{\"name\":\"cpu%u\"}}",
                        c, c);
            }
        if (lines_named[0] | lines_named[1]) {
            json_begin();
            fprintf(json, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%u,\"args\":{\"name\":\"devices\"}}",
                    DEVICES_PID);
        }
        fputs("\n]\n", json);
    }
    cpus_seen = 0;
    json = NULL;
    text = NULL;
    ring = NULL;
    hw_trace_mask = 0;
    return sim_out_close(&json_out);
}
