/*
 * The L4 library of a task. IPC is direct mica IPC on the caps of the
 * task's thread table (filled by l4man on the first IPC to an id); two
 * words travel in registers (the _with_mrs calls), indirect strings in
 * the message registers of the IPC buffer. A receive that must wait for
 * one sender keeps the others' messages in the thread's pending list; a
 * reply cap that cannot be used at once is saved in one of the thread's
 * reply slots, under the id it answers.
 */
#include <string.h>
#include "l4man_proto.h"

static bool is_l4(void)
{
    return (mica_get_user_data() & L4_UD_TAG) != 0;
}

static unsigned my_task(void)
{
    return (unsigned)((mica_get_user_data() >> 7) & 0x7ff);
}

static unsigned my_lthread(void)
{
    return (unsigned)(mica_get_user_data() & 0x7f);
}

static l4_utcb_t *utcb(void)
{
    return mica_vaddr_to_ptr(L4_UTCB_VADDR);
}

static l4_thread_state_t *me(void)
{
    return &utcb()->th[my_lthread()];
}

void l4_thread_trampoline(mica_word_t entry, mica_word_t arg, mica_word_t id, mica_word_t unused)
{
    (void)unused;
    l4_threadid_t t = { .raw = id };
    mica_set_user_data(L4_UD_TAG | ((mica_word_t)t.id.task << 7) | t.id.lthread);
    ((l4_task_entry_t)entry)((l4_umword_t)arg);
    mica_set_mr(0, t.id.lthread);
    mica_send(L4_SLOT_MAN, mica_msginfo_new(L4M_EXIT, 0, 0, 1));
}

l4_threadid_t l4_myself(void)
{
    return is_l4() ? l4_id(my_task(), my_lthread()) : L4_NIL_ID;
}

l4_timeout_t l4_timeout_rcv_us(uint64_t us)
{
    l4_timeout_t t = L4_IPC_NEVER;
    if (us == 0)
        return L4_IPC_RECV_TIMEOUT_0;
    /* the largest exponent (finest unit) whose mantissa fits 8 bits */
    for (unsigned e = 15; e >= 1; e--) {
        uint64_t unit = 1ull << (2 * (15 - e));
        if (us / unit <= 255 && us % unit == 0) {
            t.to.rcv_man = (uint32_t)(us / unit);
            t.to.rcv_exp = e;
            return t;
        }
    }
    for (unsigned e = 15; e >= 1; e--) {
        uint64_t unit = 1ull << (2 * (15 - e));
        if (us / unit <= 255) {
            t.to.rcv_man = (uint32_t)(us / unit);
            t.to.rcv_exp = e;
            return t;
        }
    }
    t.to.rcv_man = 255;
    t.to.rcv_exp = 1;
    return t;
}

uint64_t l4_timeout_rcv_to_us(l4_timeout_t t)
{
    if (t.to.rcv_exp == 0)
        return UINT64_MAX;
    return (uint64_t)t.to.rcv_man << (2 * (15 - t.to.rcv_exp));
}

/* --- reply caps ---------------------------------------------------------------------- */

static mica_word_t reply_slot(unsigned i)
{
    return L4_SLOT_REPLY + my_lthread() * L4_SAVED + i;
}

/* The TCB's reply cap is about to be overwritten or lost: keep it under its id. */
static void save_reply(void)
{
    l4_thread_state_t *s = me();
    if (!s->reply_valid)
        return;
    s->reply_valid = false;
    int pick = -1;
    for (int i = 0; i < L4_SAVED; i++)
        if (s->saved_used[i] && l4_thread_equal(s->saved_id[i], s->reply_to))
            pick = i;
    for (int i = 0; pick < 0 && i < L4_SAVED; i++)
        if (!s->saved_used[i])
            pick = i;
    if (pick < 0) {                     /* all in use: the oldest is given up */
        pick = 0;
        for (int i = 1; i < L4_SAVED; i++)
            if (s->saved_order[i] < s->saved_order[pick])
                pick = i;
    }
    mica_cnode_delete(MICA_PROCESS_CAP_CNODE, reply_slot((unsigned)pick), MICA_WORD_BITS);
    mica_cnode_save_caller(MICA_PROCESS_CAP_CNODE, reply_slot((unsigned)pick), MICA_WORD_BITS);
    s->saved_used[pick] = true;
    s->saved_id[pick] = s->reply_to;
    s->saved_order[pick] = ++s->order;
}

static int saved_for(l4_threadid_t id)
{
    l4_thread_state_t *s = me();
    for (int i = 0; i < L4_SAVED; i++)
        if (s->saved_used[i] && l4_thread_equal(s->saved_id[i], id))
            return i;
    return -1;
}

/* A request to l4man: the reply label; MR0 of the answer in *out. */
static mica_word_t man(mica_word_t op, int n, const mica_word_t *a, mica_word_t *out)
{
    save_reply();
    for (int i = 0; i < n; i++)
        mica_set_mr(i, a[i]);
    mica_msginfo_t info = mica_call(L4_SLOT_MAN, mica_msginfo_new(op, 0, 0, (mica_word_t)n));
    if (out)
        *out = mica_get_mr(0);
    return mica_msginfo_get_label(info);
}

l4_threadid_t l4_id_nearest(l4_threadid_t dest)
{
    mica_word_t out = 0;
    if (!is_l4() || man(L4M_NEAREST, 1, &dest.raw, &out))
        return L4_NIL_ID;
    return (l4_threadid_t){ .raw = out };
}

l4_threadid_t l4_task_new(l4_threadid_t dest, l4_umword_t prio, l4_task_entry_t entry,
                          l4_umword_t arg, l4_threadid_t pager)
{
    mica_word_t a[5] = { dest.raw, prio, (mica_word_t)(uintptr_t)entry, arg, pager.raw }, out = 0;
    if (!is_l4() || man(L4M_TASK_NEW, 5, a, &out))
        return L4_NIL_ID;
    return (l4_threadid_t){ .raw = out };
}

l4_threadid_t l4_thread_new(unsigned lthread, l4_umword_t prio, l4_task_entry_t entry,
                            l4_umword_t arg)
{
    mica_word_t a[4] = { lthread, prio, (mica_word_t)(uintptr_t)entry, arg }, out = 0;
    if (!is_l4() || man(L4M_THREAD_NEW, 4, a, &out))
        return L4_NIL_ID;
    return (l4_threadid_t){ .raw = out };
}

void l4_fpage_unmap(l4_fpage_t fp, l4_umword_t mask)
{
    mica_word_t a[2] = { fp.raw, mask };
    if (is_l4())
        man(L4M_FLUSH, 2, a, NULL);
}

l4_threadid_t l4_ipc_last_dest(void)
{
    return is_l4() ? me()->last_dest : L4_NIL_ID;
}

/* --- sending ----------------------------------------------------------------------------- */

static void dope_set(l4_msgdope_t *d, int err, uint32_t flags)
{
    if (d) {
        d->raw = flags;
        d->md.error_code = (uint32_t)err >> 4;
    }
}

/* Bytes of strings the library has copied (into and out of IPC buffers), for l4man_get_stats. */
uint64_t l4_lib_bytes_copied;

/*
 * Put the strings of msg in MR2..: each one's size, then its bytes, copied
 * once, straight into the IPC buffer. The message length, or -1 if they do
 * not fit.
 */
static int put_strings(const l4_msg_t *msg, unsigned *nstr)
{
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    int len = 2;
    unsigned n = msg ? msg->snd_dope.md.strings : 0, total = 0;
    if (n > L4_MAX_STRINGS)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        l4_umword_t size = msg->str[i].snd_size;
        total += (unsigned)size;
        if (size > L4_MAX_STRING_BYTES || total > L4_MAX_STRING_BYTES)
            return -1;
        b->msg[len++] = size;
        unsigned nw = (unsigned)((size + 7) / 8);
        if (nw)
            b->msg[len + nw - 1] = 0;       /* the last word's tail */
        memcpy(&b->msg[len], msg->str[i].snd_str, size);
        len += (int)nw;
        l4_lib_bytes_copied += size;
    }
    *nstr = n;
    return len;
}

/*
 * Copy the received strings into msg's buffers, once each, from the IPC
 * buffer (MR2 and MR3 came in registers: regs). True if one was cut.
 */
static bool get_strings(mica_msginfo_t info, const mica_word_t *regs, unsigned n, l4_msg_t *msg,
                        uint32_t *count)
{
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    bool cut = false;
    int len = (int)mica_msginfo_get_length(info), at = 2;
    unsigned bufs = msg ? msg->size_dope.md.strings : 0;
    b->msg[2] = regs[2];
    b->msg[3] = regs[3];
    *count = 0;
    for (unsigned i = 0; i < n && at < len; i++) {
        mica_word_t size = b->msg[at++];
        unsigned nw = (unsigned)((size + 7) / 8);
        if (size > L4_MAX_STRING_BYTES || at + (int)nw > len)
            return true;
        if (i >= bufs || i >= L4_MAX_STRINGS || !msg->str[i].rcv_str) {
            cut = true;
            at += (int)nw;
            continue;
        }
        mica_word_t take = size <= msg->str[i].rcv_size ? size : msg->str[i].rcv_size;
        cut |= take < size;
        memcpy(msg->str[i].rcv_str, &b->msg[at], take);
        at += (int)nw;
        l4_lib_bytes_copied += take;
        msg->str[i].snd_size = take;     /* v2: the received length */
        (*count)++;
    }
    return cut;
}

static bool poll_timeout(l4_timeout_t t)
{
    return t.to.snd_exp != 0 && t.to.snd_man == 0;
}

enum { VIA_REPLY, VIA_SAVED, VIA_TABLE };

/*
 * Send to dest: the TCB's reply cap when dest is the caller being
 * answered, a saved reply cap for dest, or dest's thread-table cap
 * (filled by l4man on first use). Call: wait for the reply into *reply.
 */
static int send_msg(l4_threadid_t dest, const void *snd_msg, l4_umword_t w0, l4_umword_t w1,
                    l4_timeout_t timeout, bool call, mica_word_t deceit_lthread,
                    mica_msginfo_t *reply, mica_word_t *regs)
{
    l4_thread_state_t *s = me();
    mica_word_t label = L4L_MAGIC | my_lthread();
    if (snd_msg == L4_IPC_SHORT_FPAGE) {
        mica_word_t a[4] = { dest.id.task, w1, w0, my_lthread() };
        if (dest.id.task >= L4_MAX_TASKS || man(L4M_MAP, 4, a, NULL))
            return L4_IPC_ENOT_EXISTENT;
        label |= L4L_FPAGE;
    }
    unsigned nstr = 0;
    int len = 2;
    if (snd_msg && snd_msg != L4_IPC_SHORT_FPAGE) {
        len = put_strings(snd_msg, &nstr);
        if (len < 0)
            return L4_IPC_ENOT_EXISTENT;
        label |= L4L_STRINGS_SET(nstr);
    }
    int via = VIA_TABLE, saved = -1;
    mica_cptr_t cap;
    if (deceit_lthread != (mica_word_t)-1) {
        cap = L4_SLOT_DECEIT + my_lthread();
        label = (label & ~0x7ful) | deceit_lthread;
    } else if (!call && s->reply_valid && l4_thread_equal(s->reply_to, dest)) {
        via = VIA_REPLY;
        cap = 0;
    } else if (!call && (saved = saved_for(dest)) >= 0) {
        via = VIA_SAVED;
        cap = reply_slot((unsigned)saved);
    } else {
        if (dest.id.task >= L4_MAX_TASKS || dest.id.lthread >= L4_MAX_LTHREADS)
            return L4_IPC_ENOT_EXISTENT;
        unsigned idx = dest.id.task * L4_MAX_LTHREADS + dest.id.lthread;
        if (!utcb()->resolved[idx]) {
            if (man(L4M_RESOLVE, 1, &dest.raw, NULL))
                return L4_IPC_ENOT_EXISTENT;
            utcb()->resolved[idx] = 1;
        }
        cap = l4_table_slot(dest.id.task, dest.id.lthread);
    }
    if (call)
        label |= L4L_CALL;
    mica_msginfo_t info = mica_msginfo_new(label, 0, 0, (mica_word_t)len);
    mica_word_t m0 = w0, m1 = w1, m2 = len > 2 ? mica_get_mr(2) : 0, m3 = len > 3 ? mica_get_mr(3) : 0;
    mica_word_t *p2 = len > 2 ? &m2 : NULL, *p3 = len > 3 ? &m3 : NULL;
    if (call) {
        save_reply();
        *reply = mica_call_with_mrs(cap, info, &m0, &m1, &m2, &m3);
        regs[0] = m0; regs[1] = m1; regs[2] = m2; regs[3] = m3;
        return 0;
    }
    switch (via) {
    case VIA_REPLY:
        s->reply_valid = false;
        mica_reply_with_mrs(info, &m0, &m1, p2, p3);
        break;
    case VIA_SAVED:
        mica_send_with_mrs(cap, info, &m0, &m1, p2, p3);
        s->saved_used[saved] = false;    /* a reply cap answers once */
        break;
    default:
        if (poll_timeout(timeout))
            mica_nbsend_with_mrs(cap, info, &m0, &m1, p2, p3);
        else
            mica_send_with_mrs(cap, info, &m0, &m1, p2, p3);
    }
    return 0;
}

/* --- receiving ------------------------------------------------------------------------------ */

static int deliver_pending(l4_thread_state_t *s, bool closed, l4_threadid_t want,
                           l4_threadid_t *src, l4_umword_t *r0, l4_umword_t *r1, l4_msgdope_t *res)
{
    int pick = -1;
    for (int i = 0; i < L4_PENDING; i++)
        if (s->pend[i].used && (!closed || l4_thread_equal(s->pend[i].src, want)) &&
            (pick < 0 || s->pend[i].order < s->pend[pick].order))
            pick = i;
    if (pick < 0)
        return -1;
    l4_pending_t *p = &s->pend[pick];
    p->used = false;
    if (src)
        *src = p->src;
    if (r0)
        *r0 = p->w0;
    if (r1)
        *r1 = p->w1;
    s->last_dest = p->dest;
    int err = (p->flags & L4L_CUT) ? L4_IPC_REMSGCUT : 0;
    dope_set(res, err, p->flags & 0xf);
    return err;
}

/*
 * Receive: from want only (closed) or from anyone. Messages of others that
 * arrive during a closed receive are parked in the pending list.
 */
static int receive(bool closed, l4_threadid_t want, l4_threadid_t *src, void *rcv_msg,
                   l4_umword_t *r0, l4_umword_t *r1, l4_timeout_t timeout, l4_msgdope_t *res)
{
    if (!is_l4())
        return L4_IPC_ENOT_EXISTENT;
    l4_thread_state_t *s = me();
    int err = deliver_pending(s, closed, want, src, r0, r1, res);
    if (err >= 0)
        return err;
    uint64_t us = l4_timeout_rcv_to_us(timeout);
    bool poll = us == 0, timed = us != UINT64_MAX && us != 0;
    mica_word_t deadline = 0;
    if (timed) {
        mica_word_t a[3] = { my_lthread(), us, ++s->seq };
        if (man(L4M_ARM, 3, a, &deadline) == 1) {
            dope_set(res, L4_IPC_RETIMEOUT, 0);
            return L4_IPC_RETIMEOUT;
        }
    }
    mica_cptr_t ep = L4_SLOT_MYEP + my_lthread();
    for (;;) {
        save_reply();
        mica_word_t badge = 0, regs[4] = { 0, 0, 0, 0 };
        mica_msginfo_t info = poll ? mica_nbrecv(ep, &badge)
                                   : mica_recv_with_mrs(ep, &badge, &regs[0], &regs[1], &regs[2], &regs[3]);
        if (poll) {
            for (int i = 0; i < 4; i++)
                regs[i] = mica_get_mr(i);
            if (badge == 0) {
                dope_set(res, L4_IPC_RETIMEOUT, 0);
                return L4_IPC_RETIMEOUT;
            }
        }
        mica_word_t label = mica_msginfo_get_label(info);
        l4_threadid_t from, to = l4_myself();
        uint32_t flags = 0;
        l4_umword_t w0, w1;
        bool call, cut = false;
        uint32_t nstr = 0;
        if (badge & L4B_TIMEOUT) {
            if (timed && regs[0] == s->seq) {
                dope_set(res, L4_IPC_RETIMEOUT, 0);
                return L4_IPC_RETIMEOUT;
            }
            continue;                   /* a stale timeout */
        } else if (badge & L4B_FAULT) {
            /* A page fault of a thread this one pages: L4's (addr | w, eip). */
            from = l4_id(L4B_SRC_TASK(badge), L4B_SRC_LTHREAD(badge));
            if (label != MICA_FAULT_VM)
                continue;               /* other faults are not paged: the thread stays stopped */
            w0 = (regs[1] & ~(mica_word_t)3) | ((regs[3] & 2) ? 2 : 0);
            w1 = regs[0];
            call = true;
        } else if ((badge & L4B_IPC) && (label & L4L_MAGIC_MASK) == L4L_MAGIC) {
            from = l4_id(L4B_SRC_TASK(badge), L4L_LTHREAD(label));
            to = l4_id(L4B_DST_TASK(badge), L4B_DST_LTHREAD(badge));
            flags |= (badge & L4B_REDIRECTED) ? 4u : 0;
            flags |= (badge & L4B_DECEITED) ? 1u : 0;
            flags |= (label & L4L_FPAGE) ? 2u : 0;
            w0 = regs[0];
            w1 = regs[1];
            call = (label & L4L_CALL) != 0;
            if (L4L_STRINGS(label)) {
                if (closed && !l4_thread_equal(from, want))
                    cut = true;
                else
                    cut = get_strings(info, regs, L4L_STRINGS(label), rcv_msg, &nstr);
            }
        } else {
            continue;                   /* not an L4 message: dropped */
        }
        if (call) {
            s->reply_valid = true;
            s->reply_to = from;
        }
        if (closed && !l4_thread_equal(from, want)) {
            /* Park it; a caller's reply cap is saved under its id. */
            save_reply();
            int slot = -1;
            for (int i = 0; i < L4_PENDING; i++)
                if (!s->pend[i].used)
                    slot = i;
            if (slot >= 0)
                s->pend[slot] = (l4_pending_t){ true, from, to, flags | (cut ? L4L_CUT : 0), w0, w1,
                                                call, ++s->order };
            /* The timeout may have fired while this thread was off its endpoint
             * (l4man's NBSend then found nobody): arm the same deadline again. */
            if (timed) {
                mica_word_t a[3] = { my_lthread(), deadline, s->seq };
                if (man(L4M_REARM, 3, a, NULL) == 1) {
                    dope_set(res, L4_IPC_RETIMEOUT, 0);
                    return L4_IPC_RETIMEOUT;
                }
            }
            continue;
        }
        if (src)
            *src = from;
        if (r0)
            *r0 = w0;
        if (r1)
            *r1 = w1;
        s->last_dest = to;
        int e = cut ? L4_IPC_REMSGCUT : 0;
        dope_set(res, e, flags);
        if (res)
            res->md.strings = nstr;
        return e;
    }
}

/* --- the calls ------------------------------------------------------------------------------- */

int l4_ipc_send(l4_threadid_t dest, const void *snd_msg, l4_umword_t w0, l4_umword_t w1,
                l4_timeout_t timeout, l4_msgdope_t *result)
{
    if (!is_l4())
        return L4_IPC_ENOT_EXISTENT;
    int e = send_msg(dest, snd_msg, w0, w1, timeout, false, (mica_word_t)-1, NULL, NULL);
    dope_set(result, e, 0);
    return e;
}

int l4_ipc_chief_send(l4_threadid_t dest, l4_threadid_t fake_src, const void *snd_msg,
                      l4_umword_t w0, l4_umword_t w1, l4_timeout_t timeout,
                      l4_msgdope_t *result)
{
    if (!is_l4())
        return L4_IPC_ENOT_EXISTENT;
    mica_word_t a[3] = { my_lthread(), dest.raw, fake_src.raw };
    int e = (int)man(L4M_CHIEF_PREP, 3, a, NULL);
    if (e == 0)
        e = send_msg(dest, snd_msg == L4_IPC_SHORT_FPAGE ? NULL : snd_msg, w0, w1, timeout, false,
                     fake_src.id.lthread & 0x7f, NULL, NULL);
    dope_set(result, e, 0);
    return e;
}

int l4_ipc_call(l4_threadid_t dest, const void *snd_msg, l4_umword_t w0, l4_umword_t w1,
                void *rcv_msg, l4_umword_t *r0, l4_umword_t *r1, l4_timeout_t timeout,
                l4_msgdope_t *result)
{
    if (!is_l4())
        return L4_IPC_ENOT_EXISTENT;
    mica_msginfo_t info;
    mica_word_t regs[4];
    int e = send_msg(dest, snd_msg, w0, w1, timeout, true, (mica_word_t)-1, &info, regs);
    if (e) {
        dope_set(result, e, 0);
        return e;
    }
    mica_word_t label = mica_msginfo_get_label(info);
    uint32_t flags = (label & L4L_FPAGE) ? 2u : 0, nstr = 0;
    bool cut = false;
    if ((label & L4L_MAGIC_MASK) == L4L_MAGIC && L4L_STRINGS(label))
        cut = get_strings(info, regs, L4L_STRINGS(label), rcv_msg, &nstr);
    if (r0)
        *r0 = regs[0];
    if (r1)
        *r1 = regs[1];
    me()->last_dest = l4_myself();
    e = cut ? L4_IPC_REMSGCUT : 0;
    dope_set(result, e, flags);
    if (result)
        result->md.strings = nstr;
    return e;
}

int l4_ipc_receive(l4_threadid_t src, void *rcv_msg, l4_umword_t *r0, l4_umword_t *r1,
                   l4_timeout_t timeout, l4_msgdope_t *result)
{
    return receive(true, src, NULL, rcv_msg, r0, r1, timeout, result);
}

int l4_ipc_wait(l4_threadid_t *src, void *rcv_msg, l4_umword_t *r0, l4_umword_t *r1,
                l4_timeout_t timeout, l4_msgdope_t *result)
{
    return receive(false, L4_NIL_ID, src, rcv_msg, r0, r1, timeout, result);
}

int l4_ipc_reply_and_wait(l4_threadid_t dest, const void *snd_msg, l4_umword_t w0,
                          l4_umword_t w1, l4_threadid_t *src, void *rcv_msg, l4_umword_t *r0,
                          l4_umword_t *r1, l4_timeout_t timeout, l4_msgdope_t *result)
{
    int e = l4_ipc_send(dest, snd_msg, w0, w1, L4_IPC_SEND_TIMEOUT_0, result);
    if (e)
        return e;
    return l4_ipc_wait(src, rcv_msg, r0, r1, timeout, result);
}
