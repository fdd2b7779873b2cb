/*
 * <l4/l4.h> - an L4 personality on mica, after Liedtke's L4 version 2 API:
 * thread ids (task, lthread, version), short register IPC and indirect
 * strings, open and closed receive, receive timeouts, clans and chiefs, and
 * map / grant / flush of pages with a sigma0-like root pager.
 *
 * The "kernel" part is l4man, a mica server thread that creates L4 tasks
 * (each a mica process), fills their thread tables, runs the timeouts and,
 * as l4mm, keeps the mapping database on mica's derivation tree. IPC
 * between L4 threads is direct mica IPC: l4man is not on that path.
 * docs/l4.md says what is faithful to L4 and what is not.
 */
#ifndef L4_L4_H
#define L4_L4_H

#include <stdbool.h>
#include <stdint.h>
#include <mica/mica.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t l4_umword_t;

/* --- thread ids --------------------------------------------------------------- */

/* A thread id, laid out as in the v2 C bindings (task 11 bits, lthread 7 bits). */
typedef union {
    uint64_t raw;
    struct {
        uint64_t version_low : 10, lthread : 7, task : 11, version_high : 4, site : 17,
                 chief : 11, nest : 4;
    } id;
} l4_threadid_t;

static inline l4_threadid_t l4_threadid_from_raw(uint64_t raw)
{
    l4_threadid_t t;
    t.raw = raw;
    return t;
}

#ifdef __cplusplus      /* no compound literals in C++ */
#define L4_NIL_ID          l4_threadid_from_raw(0)
#define L4_INVALID_ID      l4_threadid_from_raw(~(uint64_t)0)
#else                   /* constant expressions, for static initialisers */
#define L4_NIL_ID          ((l4_threadid_t){ .raw = 0 })
#define L4_INVALID_ID      ((l4_threadid_t){ .raw = ~(uint64_t)0 })
#endif
#define L4_MAX_TASKS       16u      /* task numbers 0..15 (v2: 2048) */
#define L4_MAX_LTHREADS    8u       /* lthreads 0..7 per task (v2: 128) */
#define L4_SIGMA0_TASK     2u       /* the sigma0 pager's id (task 2, as on L4) */
#define L4_INIT_TASK       4u       /* the first task l4man starts */
#define L4_THREAD_VERSION  1u       /* every thread's version_low */

static inline l4_threadid_t l4_id(unsigned task, unsigned lthread)
{
    l4_threadid_t t = l4_threadid_from_raw(0);
    t.id.task = task & 0x7ff;
    t.id.lthread = lthread & 0x7f;
    t.id.version_low = L4_THREAD_VERSION;
    return t;
}

/* The same thread (task, lthread and version; chief and site fields are not compared). */
static inline bool l4_thread_equal(l4_threadid_t a, l4_threadid_t b)
{
    return a.id.task == b.id.task && a.id.lthread == b.id.lthread &&
           a.id.version_low == b.id.version_low && a.id.version_high == b.id.version_high;
}

static inline bool l4_task_equal(l4_threadid_t a, l4_threadid_t b)
{
    return a.id.task == b.id.task;
}

static inline bool l4_is_nil_id(l4_threadid_t t)
{
    return t.raw == 0;
}

static inline bool l4_is_invalid_id(l4_threadid_t t)
{
    return t.raw == ~(uint64_t)0;
}

/* --- message dope, timeouts, fpages --------------------------------------------- */

typedef union {
    uint32_t raw;
    struct {
        uint32_t msg_deceited : 1, fpage_received : 1, msg_redirected : 1, src_inside : 1,
                 error_code : 4, strings : 5, dwords : 19;
    } md;
} l4_msgdope_t;

/* IPC results: the return value of every l4_ipc_* call and error_code << 4 in the dope. */
#define L4_IPC_ENOT_EXISTENT 0x10   /* the destination or source does not exist */
#define L4_IPC_RETIMEOUT     0x20   /* the receive timed out */
#define L4_IPC_SETIMEOUT     0x30   /* the send timed out */
#define L4_IPC_RECANCELED    0x40   /* the receive was cancelled (not raised on mica) */
#define L4_IPC_REMSGCUT      0xE0   /* a string did not fit the receive buffer: cut */
#define L4_IPC_ERROR(dope)   ((int)((dope).md.error_code << 4))

/*
 * Timeouts, as in v2: mantissa * 4^(15 - exponent) microseconds; exponent 0
 * is "never" (infinite), mantissa 0 with exponent != 0 is zero.
 */
typedef union {
    uint32_t raw;
    struct {
        uint32_t rcv_man : 8, snd_man : 8, rcv_exp : 4, snd_exp : 4, rcv_pfault : 4,
                 snd_pfault : 4;
    } to;
} l4_timeout_t;

static inline l4_timeout_t l4_timeout_make(unsigned snd_man, unsigned snd_exp, unsigned rcv_man,
                                           unsigned rcv_exp, unsigned snd_pf, unsigned rcv_pf)
{
    l4_timeout_t t;
    t.raw = 0;
    t.to.rcv_man = rcv_man & 0xff;
    t.to.snd_man = snd_man & 0xff;
    t.to.rcv_exp = rcv_exp & 0xf;
    t.to.snd_exp = snd_exp & 0xf;
    t.to.rcv_pfault = rcv_pf & 0xf;
    t.to.snd_pfault = snd_pf & 0xf;
    return t;
}

#ifdef __cplusplus
#define L4_IPC_NEVER l4_timeout_make(0, 0, 0, 0, 0, 0)
#define L4_IPC_TIMEOUT(snd_man, snd_exp, rcv_man, rcv_exp, snd_pf, rcv_pf) \
    l4_timeout_make((snd_man), (snd_exp), (rcv_man), (rcv_exp), (snd_pf), (rcv_pf))
#else
#define L4_IPC_NEVER ((l4_timeout_t){ .raw = 0 })
#define L4_IPC_TIMEOUT(snd_man, snd_exp, rcv_man, rcv_exp, snd_pf, rcv_pf) \
    ((l4_timeout_t){ .to = { (rcv_man), (snd_man), (rcv_exp), (snd_exp), (rcv_pf), (snd_pf) } })
#endif
#define L4_IPC_RECV_TIMEOUT_0 L4_IPC_TIMEOUT(0, 0, 0, 1, 0, 0)   /* poll */
#define L4_IPC_SEND_TIMEOUT_0 L4_IPC_TIMEOUT(0, 1, 0, 0, 0, 0)   /* send only if ready */
#define L4_IPC_BOTH_TIMEOUT_0 L4_IPC_TIMEOUT(0, 1, 0, 1, 0, 0)

/* A receive timeout of us microseconds (rounded down to what the encoding holds). */
l4_timeout_t l4_timeout_rcv_us(uint64_t us);
/* The receive part in microseconds; UINT64_MAX for never. */
uint64_t l4_timeout_rcv_to_us(l4_timeout_t t);

/* A flexpage: 2^size bytes at page (size >= 12), write and grant bits. */
typedef union {
    uint64_t raw;
    struct {
        uint64_t grant : 1, write : 1, size : 6, zero : 4, page : 52;
    } fp;
} l4_fpage_t;

static inline l4_fpage_t l4_fpage(l4_umword_t address, unsigned size, bool write, bool grant)
{
    l4_fpage_t f;
    f.raw = 0;
    f.fp.grant = grant;
    f.fp.write = write;
    f.fp.size = size;
    f.fp.page = address >> 12;
    return f;
}

#define L4_LOG2_PAGESIZE 12
#define L4_FP_REMAP_PAGE   0x00   /* l4_fpage_unmap masks */
#define L4_FP_FLUSH_PAGE   0x02   /* ... the caller's own mapping too */
#define L4_FP_OTHER_SPACES 0x00   /* ... only the mappings derived from it */
#define L4_FP_ALL_SPACES   0x80000000u

/* --- messages -------------------------------------------------------------------- */

#define L4_MAX_STRINGS 4
#define L4_MAX_STRING_BYTES 896   /* all strings of one message together */

/* An indirect string: what to send, and where to receive. */
typedef struct {
    l4_umword_t snd_size;
    const void *snd_str;
    l4_umword_t rcv_size;
    void *rcv_str;
} l4_strdope_t;

/*
 * A long message: size_dope.md.strings receive buffers in str[], and
 * snd_dope.md.strings strings to send. The two words of a message always
 * travel in registers (w0, w1 of the calls); dwords are not used.
 */
typedef struct {
    l4_fpage_t rcv_fpage;       /* the receive window (the whole space is always used) */
    l4_msgdope_t size_dope;
    l4_msgdope_t snd_dope;
    l4_strdope_t str[L4_MAX_STRINGS];
} l4_msg_t;

/* snd_msg / rcv_msg values for short messages. */
#define L4_IPC_SHORT_MSG   ((void *)0)
#define L4_IPC_SHORT_FPAGE ((void *)2)   /* send: w0 = where in the receiver, w1 = the fpage */

/* --- IPC --------------------------------------------------------------------------- */

/* Send w0, w1 (and snd_msg) to dest, then wait for dest's reply into r0, r1 (and rcv_msg). */
int l4_ipc_call(l4_threadid_t dest, const void *snd_msg, l4_umword_t w0, l4_umword_t w1,
                void *rcv_msg, l4_umword_t *r0, l4_umword_t *r1, l4_timeout_t timeout,
                l4_msgdope_t *result);
int l4_ipc_send(l4_threadid_t dest, const void *snd_msg, l4_umword_t w0, l4_umword_t w1,
                l4_timeout_t timeout, l4_msgdope_t *result);
/* Closed receive: from src only; other senders' messages are kept for later receives. */
int l4_ipc_receive(l4_threadid_t src, void *rcv_msg, l4_umword_t *r0, l4_umword_t *r1,
                   l4_timeout_t timeout, l4_msgdope_t *result);
/* Open wait: from anyone; *src says who. */
int l4_ipc_wait(l4_threadid_t *src, void *rcv_msg, l4_umword_t *r0, l4_umword_t *r1,
                l4_timeout_t timeout, l4_msgdope_t *result);
int l4_ipc_reply_and_wait(l4_threadid_t dest, const void *snd_msg, l4_umword_t w0,
                          l4_umword_t w1, l4_threadid_t *src, void *rcv_msg, l4_umword_t *r0,
                          l4_umword_t *r1, l4_timeout_t timeout, l4_msgdope_t *result);
/* A chief forwards a message to dest as if fake_src had sent it (the receiver sees msg_deceited). */
int l4_ipc_chief_send(l4_threadid_t dest, l4_threadid_t fake_src, const void *snd_msg,
                      l4_umword_t w0, l4_umword_t w1, l4_timeout_t timeout,
                      l4_msgdope_t *result);
/* The thread the last received message was addressed to (differs from l4_myself when redirected). */
l4_threadid_t l4_ipc_last_dest(void);

/* --- threads, tasks, memory ------------------------------------------------------ */

typedef void (*l4_task_entry_t)(l4_umword_t arg);

l4_threadid_t l4_myself(void);
/* Whom an IPC to dest really reaches: dest, or a chief on the way. L4_NIL_ID if dest does not exist. */
l4_threadid_t l4_id_nearest(l4_threadid_t dest);
/*
 * Make task dest.id.task (free, 0 < task < L4_MAX_TASKS) with its lthread 0
 * running entry(arg) at prio, paged by pager (L4_NIL_ID = sigma0). The caller
 * becomes its chief. Returns its id, or L4_NIL_ID.
 */
l4_threadid_t l4_task_new(l4_threadid_t dest, l4_umword_t prio, l4_task_entry_t entry,
                          l4_umword_t arg, l4_threadid_t pager);
/*
 * Start lthread (1..7, each number once per task) of the caller's task
 * running entry(arg) at prio, with the task's pager. The task ends when
 * its last thread returns. Returns its id, or L4_NIL_ID.
 */
l4_threadid_t l4_thread_new(unsigned lthread, l4_umword_t prio, l4_task_entry_t entry,
                            l4_umword_t arg);
/* Flush: every mapping derived from the caller's pages in fp goes (with L4_FP_FLUSH_PAGE, its own too). */
void l4_fpage_unmap(l4_fpage_t fp, l4_umword_t mask);

/* --- starting, and l4man's view ------------------------------------------------------- */

/* Start l4man (it owns env and the timer from then on) and task L4_INIT_TASK running init(arg). */
int l4man_start(mica_env_t *env, l4_task_entry_t init, l4_umword_t arg, int prio);

#define L4MAN_PRIO 250

typedef struct {
    uint64_t timeouts_armed, timeouts_fired;
    uint64_t last_timeout_armed_at;     /* the timer's NOW when the last one was armed */
    uint64_t last_timeout_deadline;     /* ns of virtual time */
    uint64_t last_timeout_fired_at;     /* the timer's NOW when l4man sent it */
    uint64_t sigma0_faults, last_fault_task, last_fault_addr;
    uint64_t maps, grants, flushes, flushed_mappings;
    uint64_t bad_requests;              /* answered with an error */
    uint64_t tasks_faulted;
    uint64_t library_bytes_copied;      /* string bytes the library copied into and out of IPC buffers */
} l4man_stats_t;

void l4man_get_stats(l4man_stats_t *out);
/* l4mm's mapping database: is vaddr of task mapped (through l4mm), and is it writable? */
bool l4mm_is_mapped(unsigned task, l4_umword_t vaddr, bool *writable);

#ifdef __cplusplus
}
#endif

#endif
