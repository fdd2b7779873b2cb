/*
 * test_fault.c - faults become messages to the thread's fault endpoint:
 * cap faults (send phase and receive phase) with seL4's message layout and
 * restart on reply, unknown system calls with their registers and the
 * reply that rewrites them, and threads without a (valid) handler, which
 * stop while the rest of the system carries on.
 *
 * sel4test: PAGEFAULT0004/1004 (unknown syscall: message layout, restart,
 * registers from the reply), IPCRIGHTS0002 with a handler; the cap-fault
 * layout is seL4's seL4_CapFault_* (sel4-semantics.md section 6).
 *
 * The fault endpoint is a CPtr in the faulting thread's own CSpace - here
 * the root CNode, which mt_spawn's threads share - looked up when the fault
 * happens. The root (priority 255) is the fault handler; workers run below.
 */
#include <string.h>
#include "harness.h"
#include "cap.h"
#include "ipc.h"
#include "thread.h"

#define PRIO 100
#define N_WORKERS 8
#define BAD_CPTR ((1ul << 40) | 5)  /* fails the root CNode's guard: does not resolve */
#define UNKNOWN_SYSCALL ((hw_word_t)-100)

/* The simulated trap instruction with raw registers (sim/syscall.c). */
void sim_trap(hw_word_t regs[8]);

static struct {
    mica_msginfo_t w_info[N_WORKERS];
    mica_word_t w_badge[N_WORKERS];
    int w_returned[N_WORKERS];
    int w_step[N_WORKERS];          /* how far a worker got */
    hw_word_t regs_after[8];        /* registers after a raw trap returned */
    int done;
} rec;

static mica_cptr_t g_cptr[N_WORKERS];

#define RUN(fn) do { \
        memset(&rec, 0, sizeof rec); \
        memset(g_cptr, 0, sizeof g_cptr); \
        mt_run(fn); \
        ck_assert_msg(rec.done, "the root task did not reach its end"); \
    } while (0)

#define LABEL(i) mica_msginfo_get_label(i)
#define LENGTH(i) mica_msginfo_get_length(i)

static void let_workers_run(void)
{
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, 1), MICA_NO_ERROR);
    mt_assert_err(mica_tcb_set_priority(MICA_CAP_INIT_TCB, MICA_CAP_INIT_TCB, MICA_MAX_PRIO),
                  MICA_NO_ERROR);
}

static mica_cptr_t mint(mica_cptr_t src, mica_cap_rights_t rights, mica_word_t badge)
{
    mica_cptr_t s = mt_slot();
    mt_assert_err(mica_cnode_mint(CNODE, s, DEPTH, CNODE, src, DEPTH, rights, badge),
                  MICA_NO_ERROR);
    return s;
}


/* Start entry(arg) below the root with its faults going to fault_cptr. */
static mica_cptr_t spawn_with_handler(mt_entry_fn entry, mica_word_t arg, mica_word_t prio,
                                      mica_cptr_t fault_cptr)
{
    mica_cptr_t t = mt_spawn(entry, arg, prio);
    mt_assert_err(mica_tcb_set_space(t, fault_cptr, CNODE, 0, MICA_CAP_INIT_VSPACE, 0),
                  MICA_NO_ERROR);
    return t;
}

/* The first n MRs of the message just received (before any invocation overwrites them). */
static void take_mrs(mica_word_t *mr, int n)
{
    for (int i = 0; i < n; i++)
        mr[i] = mica_get_mr(i);
}

static mica_word_t pc_of(mica_cptr_t tcb)
{
    mica_user_context_t ctx;
    mt_assert_err(mica_tcb_read_registers(tcb, false, 0, 2, &ctx), MICA_NO_ERROR);
    return ctx.pc;
}

/* --- workers ------------------------------------------------------------------------ */

static void call_slot(mica_word_t who)
{
    rec.w_step[who] = 1;
    rec.w_info[who] = mica_call(g_cptr[who], mica_msginfo_new(who + 1, 0, 0, 0));
    rec.w_returned[who]++;
}

static void recv_slot(mica_word_t who)
{
    mica_word_t badge = 0;
    rec.w_info[who] = mica_recv(g_cptr[who], &badge);
    rec.w_badge[who] = badge;
    rec.w_returned[who]++;
}

static void nbrecv_slot(mica_word_t who)
{
    mica_word_t badge = 0;
    rec.w_info[who] = mica_nbrecv(g_cptr[who], &badge);
    rec.w_returned[who]++;
}

static void send_slot(mica_word_t who)
{
    mica_send(g_cptr[who], mica_msginfo_new(who + 1, 0, 0, 0));
    rec.w_returned[who]++;
}

/* NBSend on a bad CPtr (silently nothing), then Send on it (a fault). */
static void nbsend_then_send(mica_word_t who)
{
    mica_nbsend(g_cptr[who], mica_msginfo_new(1, 0, 0, 0));
    rec.w_step[who] = 1;
    mica_send(g_cptr[who], mica_msginfo_new(2, 0, 0, 0));
    rec.w_returned[who]++;
}

/* Send on a good endpoint with an extra cap that does not resolve. */
static void send_bad_extra_cap(mica_word_t who)
{
    mica_set_cap(0, BAD_CPTR);
    mica_send(g_cptr[who], mica_msginfo_new(1, 0, 1, 0));
    rec.w_returned[who]++;
}

/* A system call with a number the kernel does not know, made as a raw trap. */
static void raw_unknown_syscall(mica_word_t who)
{
    hw_word_t regs[8] = { 11, 22, 33, 44, 55, 66, 77, UNKNOWN_SYSCALL };
    sim_trap(regs);
    memcpy(rec.regs_after, regs, sizeof regs);
    rec.w_returned[who]++;
}

/* --- cap faults ------------------------------------------------------------------------ */

static void root_call_cap_fault(const mica_bootinfo_t *bi)
{
    mica_cptr_t fault_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[0] = BAD_CPTR;
    mica_cptr_t t = spawn_with_handler(call_slot, 0, PRIO, mint(fault_ep, MICA_ALL_RIGHTS, 0xfa));
    mica_word_t guard_bits = MICA_WORD_BITS - bi->init_cnode_size_bits;

    for (int round = 0; round < 2; round++) {
        mica_word_t badge = 0, mr[7];
        mica_msginfo_t info = mica_recv(fault_ep, &badge);
        take_mrs(mr, 7);
        ck_assert_uint_eq(badge, 0xfa);             /* the handler cap's badge */
        ck_assert_uint_eq(LABEL(info), MICA_FAULT_CAP);
        ck_assert_uint_eq(LENGTH(info), 7);
        ck_assert_uint_eq(mr[MICA_CAP_FAULT_IP], pc_of(t));
        ck_assert_uint_eq(mr[MICA_CAP_FAULT_IP], MICA_RESUME_PC);  /* parked in its call */
        ck_assert_uint_eq(mr[MICA_CAP_FAULT_ADDR], BAD_CPTR);
        ck_assert_uint_eq(mr[MICA_CAP_FAULT_IN_RECV_PHASE], 0);
        ck_assert_uint_eq(mr[MICA_CAP_FAULT_LOOKUP_FAILURE_TYPE], MICA_GUARD_MISMATCH);
        ck_assert_uint_eq(mr[MICA_CAP_FAULT_BITS_LEFT], MICA_WORD_BITS);
        ck_assert_uint_eq(mr[MICA_CAP_FAULT_GUARD_MISMATCH_GUARD_FOUND], 0);
        ck_assert_uint_eq(mr[MICA_CAP_FAULT_GUARD_MISMATCH_BITS_FOUND], guard_bits);
        ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_REPLY);
        /* Replying restarts it: nothing changed, so it faults again. */
        mica_reply(mica_msginfo_new(0, 0, 0, 0));
    }
    mica_word_t badge;
    mica_recv(fault_ep, &badge);                    /* the third time */
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
    ck_assert_int_eq(rec.w_returned[0], 0);
    rec.done = 1;
}

START_TEST(call_on_an_unresolvable_cptr_sends_a_cap_fault_and_reply_restarts_it)
{
    RUN(root_call_cap_fault);
}
END_TEST

static void root_fix_and_restart(const mica_bootinfo_t *bi)
{
    mica_cptr_t fault_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    /* A CPtr that only resolves once the thread's CSpace root has the guard it carries. */
    mica_word_t radix = bi->init_cnode_size_bits;
    mica_cptr_t far = (1ul << 40) | ep;
    g_cptr[0] = far;
    mica_cptr_t t = spawn_with_handler(call_slot, 0, PRIO, fault_ep);
    let_workers_run();                              /* the fault waits in the queue */
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_SEND);
    mica_word_t badge = 0;
    mica_msginfo_t info = mica_recv(fault_ep, &badge);
    ck_assert_uint_eq(LABEL(info), MICA_FAULT_CAP);
    ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_ADDR), far);
    ck_assert_uint_eq(badge, 0);
    mica_word_t data = mica_cnode_capdata_new(far >> radix, MICA_WORD_BITS - radix);
    mt_assert_err(mica_tcb_set_space(t, fault_ep, CNODE, data, MICA_CAP_INIT_VSPACE, 0),
                  MICA_NO_ERROR);
    mica_reply(mica_msginfo_new(0, 0, 0, 0));
    /* The restarted Call now reaches ep. */
    info = mica_recv(ep, &badge);
    ck_assert_uint_eq(LABEL(info), 1);
    mica_reply(mica_msginfo_new(0x42, 0, 0, 0));
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[0]), 0x42);
    rec.done = 1;
}

START_TEST(restarted_call_succeeds_once_the_handler_fixes_the_cspace)
{
    RUN(root_fix_and_restart);
}
END_TEST

static void root_send_faults(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t fault_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[0] = BAD_CPTR;
    mica_cptr_t t = spawn_with_handler(nbsend_then_send, 0, PRIO, fault_ep);
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(fault_ep, &badge);
    /* NBSend returned quietly; the Send faulted. */
    ck_assert_int_eq(rec.w_step[0], 1);
    ck_assert_uint_eq(LABEL(info), MICA_FAULT_CAP);
    ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_ADDR), BAD_CPTR);
    ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_IN_RECV_PHASE), 0);
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);

    /* An extra cap that does not resolve is a fault too. */
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[1] = ep;
    mica_cptr_t t1 = spawn_with_handler(send_bad_extra_cap, 1, PRIO, fault_ep);
    info = mica_recv(fault_ep, &badge);
    ck_assert_uint_eq(LABEL(info), MICA_FAULT_CAP);
    ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_ADDR), BAD_CPTR);
    ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_IN_RECV_PHASE), 0);
    ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_LOOKUP_FAILURE_TYPE), MICA_GUARD_MISMATCH);
    mt_assert_err(mica_tcb_suspend(t1), MICA_NO_ERROR);
    ck_assert_uint_eq(mica_nbrecv(ep, &badge).words[0], 0);    /* nothing was sent */
    ck_assert_int_eq(rec.w_returned[0] + rec.w_returned[1], 0);
    rec.done = 1;
}

START_TEST(send_and_its_extra_caps_fault_but_nbsend_does_not)
{
    RUN(root_send_faults);
}
END_TEST

static void root_recv_phase_fault(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t fault_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t empty = mt_slot();
    g_cptr[0] = empty;
    mica_cptr_t t = spawn_with_handler(recv_slot, 0, PRIO, fault_ep);
    mica_word_t badge, mr[5];
    mica_msginfo_t info = mica_recv(fault_ep, &badge);
    take_mrs(mr, 5);
    ck_assert_uint_eq(LABEL(info), MICA_FAULT_CAP);
    ck_assert_uint_eq(LENGTH(info), 5);
    ck_assert_uint_eq(mr[MICA_CAP_FAULT_IP], pc_of(t));
    ck_assert_uint_eq(mr[MICA_CAP_FAULT_ADDR], empty);
    ck_assert_uint_eq(mr[MICA_CAP_FAULT_IN_RECV_PHASE], 1);
    ck_assert_uint_eq(mr[MICA_CAP_FAULT_LOOKUP_FAILURE_TYPE], MICA_MISSING_CAPABILITY);
    ck_assert_uint_eq(mr[MICA_CAP_FAULT_BITS_LEFT], 0);
    /* Put an endpoint there and reply: the Recv runs again and now waits on it. */
    mt_assert_err(mica_cnode_copy(CNODE, empty, DEPTH, CNODE, ep, DEPTH, MICA_ALL_RIGHTS),
                  MICA_NO_ERROR);
    mica_reply(mica_msginfo_new(0, 0, 0, 0));
    let_workers_run();
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_RECEIVE);
    mica_send(mint(ep, MICA_ALL_RIGHTS, 0x5), mica_msginfo_new(0x44, 0, 0, 0));
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[0]), 0x44);
    ck_assert_uint_eq(rec.w_badge[0], 0x5);
    rec.done = 1;
}

START_TEST(recv_on_an_empty_slot_faults_in_the_receive_phase_and_restarts)
{
    RUN(root_recv_phase_fault);
}
END_TEST

static void root_recv_wrong_cap(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t fault_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    /* A non-endpoint cap (Recv), a CNode cap (NBRecv), an endpoint without Read (Recv). */
    g_cptr[0] = MICA_CAP_INIT_TCB;
    g_cptr[1] = CNODE;
    g_cptr[2] = mint(ep, MICA_NO_READ, 0);
    mica_cptr_t t[3];
    t[0] = spawn_with_handler(recv_slot, 0, PRIO, mint(fault_ep, MICA_ALL_RIGHTS, 1));
    t[1] = spawn_with_handler(nbrecv_slot, 1, PRIO - 1, mint(fault_ep, MICA_ALL_RIGHTS, 2));
    t[2] = spawn_with_handler(recv_slot, 2, PRIO - 2, mint(fault_ep, MICA_ALL_RIGHTS, 3));
    let_workers_run();
    for (mica_word_t w = 0; w < 3; w++) {
        mica_word_t badge = 0;
        mica_msginfo_t info = mica_recv(fault_ep, &badge);
        ck_assert_uint_eq(badge, w + 1);
        ck_assert_uint_eq(LABEL(info), MICA_FAULT_CAP);
        ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_ADDR), g_cptr[w]);
        ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_IN_RECV_PHASE), 1);
        ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_LOOKUP_FAILURE_TYPE),
                          MICA_MISSING_CAPABILITY);
        ck_assert_uint_eq(mt_thread_state(t[w]), MICA_THREAD_BLOCKED_ON_REPLY);
        mt_assert_err(mica_tcb_suspend(t[w]), MICA_NO_ERROR);
    }
    ck_assert_int_eq(rec.w_returned[0] + rec.w_returned[1] + rec.w_returned[2], 0);
    rec.done = 1;
}

/* IPCRIGHTS0002 with a handler. */
START_TEST(recv_on_a_non_endpoint_or_without_read_is_a_receive_phase_fault)
{
    RUN(root_recv_wrong_cap);
}
END_TEST

static void root_handler_looked_up_late(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t fault_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t handler = mt_slot();               /* empty when configured */
    g_cptr[0] = BAD_CPTR;
    mica_cptr_t t = spawn_with_handler(call_slot, 0, PRIO, handler);
    mt_assert_err(mica_cnode_mint(CNODE, handler, DEPTH, CNODE, fault_ep, DEPTH,
                                  MICA_ALL_RIGHTS, 0x61), MICA_NO_ERROR);
    mica_word_t badge = 0;
    mica_recv(fault_ep, &badge);
    ck_assert_uint_eq(badge, 0x61);
    /* Swap the cap in the handler slot: the next fault follows it. */
    mt_assert_err(mica_cnode_delete(CNODE, handler, DEPTH), MICA_NO_ERROR);
    mt_assert_err(mica_cnode_mint(CNODE, handler, DEPTH, CNODE, fault_ep, DEPTH,
                                  MICA_ALL_RIGHTS, 0x62), MICA_NO_ERROR);
    mica_reply(mica_msginfo_new(0, 0, 0, 0));
    mica_recv(fault_ep, &badge);
    ck_assert_uint_eq(badge, 0x62);
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
    rec.done = 1;
}

START_TEST(fault_endpoint_cptr_is_resolved_when_the_fault_happens)
{
    RUN(root_handler_looked_up_late);
}
END_TEST

static void root_handler_in_own_cspace(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t fault_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    /*
     * The thread's CSpace: a 16-slot CNode (60-bit guard) with the fault
     * endpoint in slot 2. In the root's CSpace slot 2 is the root CNode, so
     * resolving the handler there would make the fault a double fault.
     */
    mica_cptr_t cn = mt_make(MICA_CNODE_OBJECT, 4);
    mt_assert_err(mica_cnode_mint(cn, 2, 4, CNODE, fault_ep, DEPTH, MICA_ALL_RIGHTS, 0xc0),
                  MICA_NO_ERROR);
    g_cptr[0] = 9;                                  /* an empty slot of its CNode */
    mica_cptr_t t = mt_spawn(recv_slot, 0, PRIO);
    mt_assert_err(mica_tcb_set_space(t, 2, cn, mica_cnode_capdata_new(0, 60),
                                     MICA_CAP_INIT_VSPACE, 0), MICA_NO_ERROR);
    mica_word_t badge = 0;
    mica_msginfo_t info = mica_recv(fault_ep, &badge);
    ck_assert_uint_eq(badge, 0xc0);
    ck_assert_uint_eq(LABEL(info), MICA_FAULT_CAP);
    ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_ADDR), 9);
    ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_IN_RECV_PHASE), 1);
    /* Fill its slot 9 with an endpoint and let it retry. */
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mt_assert_err(mica_cnode_copy(cn, 9, 4, CNODE, ep, DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
    mica_reply(mica_msginfo_new(0, 0, 0, 0));
    mica_send(ep, mica_msginfo_new(0x19, 0, 0, 0));
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[0]), 0x19);
    rec.done = 1;
}

START_TEST(fault_endpoint_cptr_is_looked_up_in_the_faulting_threads_cspace)
{
    RUN(root_handler_in_own_cspace);
}
END_TEST

static void root_suspend_queued_fault(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t fault_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[0] = g_cptr[1] = BAD_CPTR;
    mica_cptr_t t0 = spawn_with_handler(call_slot, 0, PRIO, mint(fault_ep, MICA_ALL_RIGHTS, 1));
    spawn_with_handler(call_slot, 1, PRIO - 1, mint(fault_ep, MICA_ALL_RIGHTS, 2));
    let_workers_run();                  /* both faults queue on the fault endpoint */
    ck_assert_uint_eq(mt_thread_state(t0), MICA_THREAD_BLOCKED_ON_SEND);
    mt_assert_err(mica_tcb_suspend(t0), MICA_NO_ERROR);
    /* The suspended thread's fault left the queue with it. */
    mica_word_t badge = 0;
    mica_msginfo_t info = mica_recv(fault_ep, &badge);
    ck_assert_uint_eq(badge, 2);
    ck_assert_uint_eq(LABEL(info), MICA_FAULT_CAP);
    ck_assert_uint_eq(mica_nbrecv(fault_ep, &badge).words[0], 0);
    /* Resumed, it faults afresh. */
    mt_assert_err(mica_tcb_resume(t0), MICA_NO_ERROR);
    info = mica_recv(fault_ep, &badge);
    ck_assert_uint_eq(badge, 1);
    ck_assert_uint_eq(LABEL(info), MICA_FAULT_CAP);
    ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_ADDR), BAD_CPTR);
    mt_assert_err(mica_tcb_suspend(t0), MICA_NO_ERROR);
    rec.done = 1;
}

START_TEST(suspending_a_thread_withdraws_its_queued_fault)
{
    mica_config_t cfg;
    mt_config(&cfg);
    memset(&rec, 0, sizeof rec);
    memset(g_cptr, 0, sizeof g_cptr);
    mica_run_result_t r = mt_run_cfg(&cfg, root_suspend_queued_fault);
    ck_assert_int_eq(rec.done, 1);
    /* The second thread still waits for the reply the root never sent. */
    ck_assert_int_eq(r.reason, MICA_STOP_DEADLOCK);
    ck_assert_uint_eq(r.threads[MICA_THREAD_BLOCKED_ON_REPLY], 1);
}
END_TEST

/* Take one Call on g_cptr[who], then answer it with ReplyRecv on a bad CPtr. */
static void reply_recv_on_bad_cptr(mica_word_t who)
{
    mica_word_t badge;
    mica_recv(g_cptr[who], &badge);
    rec.w_step[who] = 1;
    rec.w_info[who] = mica_reply_recv(BAD_CPTR, mica_msginfo_new(0x21, 0, 0, 0), &badge);
    rec.w_returned[who]++;
}

static void root_reply_recv_fault(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t fault_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[0] = ep;
    mica_cptr_t t = spawn_with_handler(reply_recv_on_bad_cptr, 0, PRIO, fault_ep);
    let_workers_run();
    /* The Reply half still answers the Call; the Recv half faults. */
    mica_msginfo_t info = mica_call(ep, mica_msginfo_new(1, 0, 0, 0));
    ck_assert_uint_eq(LABEL(info), 0x21);
    mica_word_t badge;
    info = mica_recv(fault_ep, &badge);
    ck_assert_uint_eq(LABEL(info), MICA_FAULT_CAP);
    ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_ADDR), BAD_CPTR);
    ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_IN_RECV_PHASE), 1);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_REPLY);
    /* Restarted, the whole ReplyRecv runs again: nothing to reply to, and it faults again. */
    mica_reply(mica_msginfo_new(0, 0, 0, 0));
    info = mica_recv(fault_ep, &badge);
    ck_assert_uint_eq(LABEL(info), MICA_FAULT_CAP);
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
    ck_assert_int_eq(rec.w_returned[0], 0);
    rec.done = 1;
}

START_TEST(reply_recv_replies_before_its_receive_phase_faults)
{
    RUN(root_reply_recv_fault);
}
END_TEST

/* A fault handler thread: answers every fault with ReplyRecv, counting them. */
static void handler_loop(mica_word_t who)
{
    mica_word_t badge = 0;
    mica_msginfo_t info = mica_recv(g_cptr[who], &badge);
    for (;;) {
        rec.w_step[who]++;
        rec.w_badge[who] |= badge;
        ck_assert_uint_eq(LABEL(info), MICA_FAULT_CAP);
        /* Let the faulting thread through: give it an endpoint where it looked. */
        if (rec.w_step[who] == 3)
            mt_assert_err(mica_cnode_copy(CNODE, g_cptr[who + 1], DEPTH, CNODE, g_cptr[who + 2],
                                          DEPTH, MICA_ALL_RIGHTS), MICA_NO_ERROR);
        info = mica_reply_recv(g_cptr[who], mica_msginfo_new(0, 0, 0, 0), &badge);
    }
}

static void root_handler_thread(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t fault_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t empty = mt_slot();
    g_cptr[0] = fault_ep;       /* the handler's */
    g_cptr[1] = empty;          /* where the faulting thread receives */
    g_cptr[2] = ep;
    mt_spawn(handler_loop, 0, PRIO + 10);
    spawn_with_handler(recv_slot, 1, PRIO, mint(fault_ep, MICA_ALL_RIGHTS, 0x4));
    let_workers_run();
    /* Two restarts faulted again; the third found the endpoint and waits there. */
    ck_assert_int_eq(rec.w_step[0], 3);
    ck_assert_uint_eq(rec.w_badge[0], 0x4);
    mica_send(ep, mica_msginfo_new(0x66, 0, 0, 0));
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[1], 1);
    ck_assert_uint_eq(LABEL(rec.w_info[1]), 0x66);
    rec.done = 1;
}

START_TEST(a_handler_thread_serves_faults_with_reply_recv)
{
    RUN(root_handler_thread);
}
END_TEST

/* --- unknown system calls (PAGEFAULT0004) ------------------------------------------------ */

static void root_unknown_syscall(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t fault_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t t = spawn_with_handler(raw_unknown_syscall, 0, PRIO,
                                       mint(fault_ep, MICA_ALL_RIGHTS, 0x7));
    mica_word_t badge = 0, mr[MICA_UNKNOWN_SYSCALL_LENGTH];
    mica_msginfo_t info = mica_recv(fault_ep, &badge);
    take_mrs(mr, MICA_UNKNOWN_SYSCALL_LENGTH);
    ck_assert_uint_eq(badge, 0x7);
    ck_assert_uint_eq(LABEL(info), MICA_FAULT_UNKNOWN_SYSCALL);
    ck_assert_uint_eq(LENGTH(info), MICA_UNKNOWN_SYSCALL_LENGTH);
    for (int i = 0; i < 7; i++)
        ck_assert_uint_eq(mr[i], 11ul * (mica_word_t)(i + 1));
    ck_assert_uint_eq(mr[7], UNKNOWN_SYSCALL);
    mica_user_context_t ctx;
    mt_assert_err(mica_tcb_read_registers(t, false, 0, 2, &ctx), MICA_NO_ERROR);
    ck_assert_uint_eq(mr[MICA_UNKNOWN_SYSCALL_FAULT_IP], ctx.pc);
    ck_assert_uint_eq(ctx.pc, MICA_RESUME_PC);     /* parked in its system call */
    ck_assert_uint_eq(mr[MICA_UNKNOWN_SYSCALL_SP], ctx.sp);
    ck_assert_uint_eq(mr[MICA_UNKNOWN_SYSCALL_SYSCALL], UNKNOWN_SYSCALL);
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_BLOCKED_ON_REPLY);
    /*
     * Label 0 restarts it with the reply's registers: r0..r6 rewritten and
     * r7, the system call number, turned into a Yield that succeeds.
     */
    for (int i = 0; i < 7; i++)
        mica_set_mr(i, 1000 + (mica_word_t)i);
    mica_set_mr(7, (mica_word_t)MICA_SYS_YIELD);
    mica_reply(mica_msginfo_new(0, 0, 0, 8));
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[0], 1);
    for (int i = 0; i < 7; i++)
        ck_assert_uint_eq(rec.regs_after[i], 1000 + (mica_word_t)i);
    ck_assert_uint_eq(rec.regs_after[7], (hw_word_t)MICA_SYS_YIELD);
    rec.done = 1;
}

START_TEST(unknown_syscall_sends_its_registers_and_the_reply_rewrites_them)
{
    RUN(root_unknown_syscall);
}
END_TEST

static void root_unknown_syscall_stop(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t fault_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t t = spawn_with_handler(raw_unknown_syscall, 0, PRIO, fault_ep);
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(fault_ep, &badge);
    ck_assert_uint_eq(LABEL(info), MICA_FAULT_UNKNOWN_SYSCALL);
    /* Label 0 with no registers: the same system call runs again and faults again. */
    mica_reply(mica_msginfo_new(0, 0, 0, 0));
    info = mica_recv(fault_ep, &badge);
    ck_assert_uint_eq(LABEL(info), MICA_FAULT_UNKNOWN_SYSCALL);
    ck_assert_uint_eq(mica_get_mr(0), 11);
    ck_assert_uint_eq(mica_get_mr(MICA_UNKNOWN_SYSCALL_SYSCALL), UNKNOWN_SYSCALL);
    /* Any other label leaves it inactive. */
    mica_reply(mica_msginfo_new(1, 0, 0, 0));
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
    let_workers_run();
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
    ck_assert_int_eq(rec.w_returned[0], 0);
    rec.done = 1;
}

START_TEST(unknown_syscall_reply_label_decides_restart_or_stop)
{
    RUN(root_unknown_syscall_stop);
}
END_TEST

/* --- no handler ---------------------------------------------------------------------------- */

static void root_no_handler(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[0] = BAD_CPTR;
    g_cptr[1] = ep;
    mica_cptr_t t0 = mt_spawn(call_slot, 0, PRIO);          /* fault endpoint CPtr 0 */
    mica_cptr_t t1 = mt_spawn(raw_unknown_syscall, 2, PRIO - 1);
    mt_spawn(send_slot, 1, PRIO - 2);
    /* Both faulting threads stop; the third still gets its message through. */
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(ep, &badge);
    ck_assert_uint_eq(LABEL(info), 2);
    ck_assert_uint_eq(mt_thread_state(t0), MICA_THREAD_INACTIVE);
    ck_assert_uint_eq(mt_thread_state(t1), MICA_THREAD_INACTIVE);
    ck_assert_int_eq(rec.w_step[0], 1);
    ck_assert_int_eq(rec.w_returned[0], 0);
    let_workers_run();
    ck_assert_int_eq(rec.w_returned[1], 1);
    ck_assert_int_eq(rec.w_returned[2], 0);
    rec.done = 1;
}

START_TEST(fault_without_a_handler_stops_only_that_thread)
{
    memset(&rec, 0, sizeof rec);
    memset(g_cptr, 0, sizeof g_cptr);
    mica_run_result_t r = mt_run(root_no_handler);
    ck_assert_int_eq(rec.done, 1);
    ck_assert_uint_ge(r.faults, 2);
}
END_TEST

static void root_invalid_handlers(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t fault_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t n = mt_make(MICA_NOTIFICATION_OBJECT, 0);
    const mica_cptr_t invalid[] = {
        mt_slot(),                                      /* an empty slot */
        n,                                              /* not an endpoint */
        mint(fault_ep, MICA_NO_WRITE, 0),               /* no Write */
        mint(fault_ep, MICA_READ_WRITE, 0),             /* neither Grant nor GrantReply */
        BAD_CPTR,                                       /* does not resolve */
    };
    mica_cptr_t t[5];
    for (mica_word_t w = 0; w < 5; w++) {
        g_cptr[w] = BAD_CPTR;
        t[w] = spawn_with_handler(call_slot, w, PRIO, invalid[w]);
    }
    /* Write + GrantReply alone is a valid handler. */
    g_cptr[5] = BAD_CPTR;
    mica_cptr_t ok = spawn_with_handler(call_slot, 5, PRIO - 1,
                                        mint(fault_ep, mica_cap_rights_new(1, 0, 0, 1), 0x55));
    let_workers_run();
    for (int w = 0; w < 5; w++) {
        ck_assert_int_eq(rec.w_step[w], 1);
        ck_assert_uint_eq(mt_thread_state(t[w]), MICA_THREAD_INACTIVE);
    }
    ck_assert_uint_eq(mt_thread_state(ok), MICA_THREAD_BLOCKED_ON_SEND);
    mica_word_t badge = 0;
    mica_msginfo_t info = mica_recv(fault_ep, &badge);
    ck_assert_uint_eq(badge, 0x55);                     /* only the valid one arrived */
    ck_assert_uint_eq(LABEL(info), MICA_FAULT_CAP);
    ck_assert_uint_eq(mica_nbrecv(fault_ep, &badge).words[0], 0);
    /* The notification was not signalled either. */
    ck_assert_uint_eq(mica_poll(n, &badge).words[0], 0);
    ck_assert_uint_eq(badge, 0);
    mt_assert_err(mica_tcb_suspend(ok), MICA_NO_ERROR);
    rec.done = 1;
}

START_TEST(invalid_fault_handlers_stop_the_thread)
{
    RUN(root_invalid_handlers);
}
END_TEST

static void root_resume_after_double_fault(const mica_bootinfo_t *bi)
{
    (void)bi;
    mica_cptr_t fault_ep = mt_make(MICA_ENDPOINT_OBJECT, 0);
    g_cptr[0] = BAD_CPTR;
    mica_cptr_t t = mt_spawn(call_slot, 0, PRIO);
    let_workers_run();
    ck_assert_uint_eq(mt_thread_state(t), MICA_THREAD_INACTIVE);
    /* Give it a handler and resume it: the faulting Call runs again. */
    mt_assert_err(mica_tcb_set_space(t, fault_ep, CNODE, 0, MICA_CAP_INIT_VSPACE, 0),
                  MICA_NO_ERROR);
    mt_assert_err(mica_tcb_resume(t), MICA_NO_ERROR);
    mica_word_t badge;
    mica_msginfo_t info = mica_recv(fault_ep, &badge);
    ck_assert_uint_eq(LABEL(info), MICA_FAULT_CAP);
    ck_assert_uint_eq(mica_get_mr(MICA_CAP_FAULT_ADDR), BAD_CPTR);
    mt_assert_err(mica_tcb_suspend(t), MICA_NO_ERROR);
    ck_assert_int_eq(rec.w_returned[0], 0);
    rec.done = 1;
}

START_TEST(thread_stopped_by_a_fault_reruns_the_syscall_when_resumed)
{
    RUN(root_resume_after_double_fault);
}
END_TEST

/* ------------------------------------------------------------------------------------------- */


static Suite *fault_suite(void)
{
    Suite *s = suite_create("fault");
    TCase *tc;

    tc = mt_tcase(s, "cap_fault");
    tcase_add_test(tc, call_on_an_unresolvable_cptr_sends_a_cap_fault_and_reply_restarts_it);
    tcase_add_test(tc, restarted_call_succeeds_once_the_handler_fixes_the_cspace);
    tcase_add_test(tc, send_and_its_extra_caps_fault_but_nbsend_does_not);
    tcase_add_test(tc, recv_on_an_empty_slot_faults_in_the_receive_phase_and_restarts);
    tcase_add_test(tc, recv_on_a_non_endpoint_or_without_read_is_a_receive_phase_fault);
    tcase_add_test(tc, fault_endpoint_cptr_is_resolved_when_the_fault_happens);
    tcase_add_test(tc, fault_endpoint_cptr_is_looked_up_in_the_faulting_threads_cspace);
    tcase_add_test(tc, suspending_a_thread_withdraws_its_queued_fault);
    tcase_add_test(tc, reply_recv_replies_before_its_receive_phase_faults);
    tcase_add_test(tc, a_handler_thread_serves_faults_with_reply_recv);

    tc = mt_tcase(s, "unknown_syscall");
    tcase_add_test(tc, unknown_syscall_sends_its_registers_and_the_reply_rewrites_them);
    tcase_add_test(tc, unknown_syscall_reply_label_decides_restart_or_stop);

    tc = mt_tcase(s, "no_handler");
    tcase_add_test(tc, fault_without_a_handler_stops_only_that_thread);
    tcase_add_test(tc, invalid_fault_handlers_stop_the_thread);
    tcase_add_test(tc, thread_stopped_by_a_fault_reruns_the_syscall_when_resumed);
    return s;
}

MICA_TEST_MAIN(fault_suite)
