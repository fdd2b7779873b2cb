/*
 * restart_loop.c - a thread restarted at its entry again and again with
 * seL4_TCB_WriteRegisters(resume): whether it is blocked in Recv, blocked
 * in Send, ready to run after a system call, or suspended, it must start
 * afresh at the rip written, its entry function included (on seL4 a parked
 * thread's rip is the instruction after its syscall, never its entry;
 * seL4: invokeTCB_WriteRegisters, which also cancels its IPC through
 * restart/suspend). ReadRegisters of a parked thread does not return its
 * entry. An seL4 root task written only against <sel4/sel4.h>.
 */
#include "sel4test.h"

#define ROOT seL4_CapInitThreadCNode
#define DEPTH seL4_WordBits
#define ROUNDS 20

enum { BLOCK_IN_RECV, BLOCK_IN_SEND, BLOCK_IN_CALL };

static volatile seL4_Word starts, last_arg, replies, last_reply;

/* Counts its starts, tells the root, then blocks for ever in Recv, Send or Call on ep. */
static void looper(seL4_Word ep, seL4_Word ready, seL4_Word arg, seL4_Word mode)
{
    starts++;
    last_arg = arg;
    seL4_Signal(ready);
    seL4_Word badge;
    for (;;) {
        if (mode == BLOCK_IN_RECV) {
            seL4_Recv(ep, &badge);
            continue;
        }
        seL4_SetMR(0, arg);
        if (mode == BLOCK_IN_SEND) {
            seL4_Send(ep, seL4_MessageInfo_new(0, 0, 0, 1));
        } else {
            seL4_Call(ep, seL4_MessageInfo_new(0, 0, 0, 1));
            replies++;
            last_reply = seL4_GetMR(0);
        }
    }
}

static st_thread_t t;
static seL4_CPtr ep, ready;

static seL4_Error restart(seL4_Word arg, seL4_Word mode, seL4_Bool resume)
{
    seL4_UserContext regs = st_entry_regs(t.stack_top, (seL4_Word)looper, ep, ready, arg);
    regs.rcx = mode;    /* the fourth argument */
    return seL4_TCB_WriteRegisters(t.tcb, resume, 0, sizeof regs / sizeof(seL4_Word), &regs);
}

/* ROUNDS restarts; `settle` runs after each start to put the thread in the state wanted. */
static void rounds(const char *what, seL4_Word mode, void (*settle)(void))
{
    int fresh = 1, parked_pc = 1, ok = 1;
    seL4_Word badge;
    starts = 0;
    for (seL4_Word i = 0; i < ROUNDS; i++) {
        ok &= restart(i, mode, 1) == seL4_NoError;
        seL4_Wait(ready, &badge);
        if (settle)
            settle();
        fresh &= starts == i + 1 && last_arg == i;
        seL4_UserContext regs;
        ok &= seL4_TCB_ReadRegisters(t.tcb, 0, 0, sizeof regs / sizeof(seL4_Word), &regs) == seL4_NoError;
        parked_pc &= regs.rip != (seL4_Word)looper;
    }
    char line[160];
    snprintf(line, sizeof line, "%s: %d restarts at the entry, each one started afresh", what, ROUNDS);
    CHECK(ok && fresh, line);
    if (!fresh)
        printf("#   starts %lu, last argument %lu\n", (unsigned long)starts, (unsigned long)last_arg);
    CHECK(parked_pc, "  ReadRegisters of the parked thread never gave its entry as rip");
}

/* The root and the thread share priority 255: a Yield lets it run on into its Recv or Send. */
static void let_it_block(void)
{
    seL4_Yield();
}

/* Take its Call and keep the reply: it waits for a reply now. */
static void take_call(void)
{
    seL4_Word badge;
    seL4_Yield();
    seL4_Recv(ep, &badge);
}

int main(void)
{
    st_init();
    printf("# restart_loop: WriteRegisters(rip = entry, resume) of a thread in every state\n");
    ep = st_make(seL4_EndpointObject, 0);
    ready = st_make(seL4_NotificationObject, 0);
    CHECK(st_thread_new(&t, seL4_CapNull, seL4_MaxPrio) == 0, "a thread at the root's priority");

    rounds("blocked in Recv", BLOCK_IN_RECV, let_it_block);

    rounds("blocked in Send", BLOCK_IN_SEND, let_it_block);
    seL4_Word badge;
    seL4_MessageInfo_t m = seL4_NBRecv(ep, &badge);
    CHECK(seL4_MessageInfo_get_length(m) == 1 && seL4_GetMR(0) == ROUNDS - 1,
          "  the endpoint holds the last start's Send");
    m = seL4_NBRecv(ep, &badge);
    CHECK_EQ(seL4_MessageInfo_get_length(m), 0,
             "  and nothing else: each restart took the Send before off the queue");

    rounds("waiting for a reply", BLOCK_IN_CALL, take_call);
    CHECK_EQ(replies, 0, "  it never got a reply");
    /* The root holds the reply to its last Call: a restart makes it stale (seL4: cancelIPC). */
    CHECK_ERR(restart(ROUNDS, BLOCK_IN_CALL, 1), seL4_NoError, "restart it once more");
    seL4_Wait(ready, &badge);
    seL4_SetMR(0, 999);
    seL4_Reply(seL4_MessageInfo_new(0, 0, 0, 1));
    seL4_Yield();
    CHECK_EQ(replies, 0, "  the reply to the Call before the restart reaches nobody");
    m = seL4_Recv(ep, &badge);
    CHECK_EQ(seL4_GetMR(0), ROUNDS, "  its new Call arrives");
    seL4_SetMR(0, 1234);
    seL4_Reply(seL4_MessageInfo_new(0, 0, 0, 1));
    seL4_Yield();
    CHECK(replies == 1 && last_reply == 1234, "  and the reply to it is the one it gets");

    /* Lower than the root: the root's Wait returns as soon as it signals, in its system call. */
    CHECK_ERR(seL4_TCB_SetPriority(t.tcb, seL4_CapInitThreadTCB, 100), seL4_NoError,
              "lower the thread's priority");
    rounds("ready, preempted in its Signal", BLOCK_IN_RECV, NULL);

    CHECK_ERR(seL4_TCB_Suspend(t.tcb), seL4_NoError, "suspend it");
    starts = 0;
    CHECK_ERR(restart(77, BLOCK_IN_RECV, 0), seL4_NoError, "WriteRegisters without resume");
    seL4_Poll(ready, &badge);
    CHECK(badge == 0 && starts == 0, "  it does not run");
    CHECK_ERR(seL4_TCB_Resume(t.tcb), seL4_NoError, "Resume");
    seL4_Wait(ready, &badge);
    CHECK(starts == 1 && last_arg == 77, "  it starts at the entry written");
    CHECK_ERR(seL4_TCB_Suspend(t.tcb), seL4_NoError, "suspend it for good");
    return st_done();
}
