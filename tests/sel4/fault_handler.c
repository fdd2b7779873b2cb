/*
 * fault_handler.c - the root task as the fault handler of other threads,
 * reading each fault with libsel4's message register names:
 *   - VM faults: a thread whose stack is not mapped yet; the handler maps
 *     each page it faults on and replies, so the thread goes on (a pager;
 *     seL4: handleVMFault, the VM fault message, a reply restarts);
 *   - cap faults: Recv on an empty slot and Call on a CPtr that does not
 *     resolve (seL4: handleRecv / handleInvocation raise seL4_Fault_CapFault,
 *     InRecvPhase 1 or 0); the handler fills the slot and replies, and the
 *     Recv goes through. A Call on an empty slot is an error, not a fault;
 *   - user exceptions: ud2 (seL4: handleUserLevelFault); a reply with label 0
 *     restarts the thread, which traps again at the same instruction, a
 *     reply with another label leaves it stopped (seL4: handleFaultReply),
 *     and WriteRegisters starts it elsewhere. (seL4 also takes rip from a
 *     label-0 reply; mica retries the instruction: docs/differences-from-sel4.md.)
 * An seL4 root task written only against <sel4/sel4.h>.
 */
#include <signal.h>
#include "sel4test.h"

#define ROOT seL4_CapInitThreadCNode
#define DEPTH seL4_WordBits
#define FAULT_BADGE 0xf0
#define DONE_BADGE 0x1000

/* Each fault message is tagged with the badge of the thread's fault endpoint cap. */
static seL4_CPtr fault_ep, fault_cap, done_ntfn, done_cap;

static void make_endpoints(void)
{
    fault_ep = st_make(seL4_EndpointObject, 0);
    fault_cap = st_slot();
    seL4_CNode_Mint(ROOT, fault_cap, DEPTH, ROOT, fault_ep, DEPTH, seL4_AllRights, FAULT_BADGE);
    done_ntfn = st_make(seL4_NotificationObject, 0);
    done_cap = st_slot();
    seL4_CNode_Mint(ROOT, done_cap, DEPTH, ROOT, done_ntfn, DEPTH, seL4_AllRights, DONE_BADGE);
}

/* --- VM faults: demand paging of a thread's stack ----------------------------------- */

static volatile seL4_Word deep_sum;

/* Uses 3 pages of stack below its first: each first touch of a page faults. */
static void deep(seL4_Word done)
{
    volatile unsigned char buf[3 * 4096];
    for (unsigned i = 0; i < sizeof buf; i += 256)
        buf[i] = (unsigned char)(i / 256);
    seL4_Word sum = 0;
    for (unsigned i = 0; i < sizeof buf; i += 256)
        sum += buf[i];
    deep_sum = sum;
    seL4_Signal(done);
}

static void vm_faults(void)
{
    st_thread_t t;
    CHECK(st_thread_new(&t, fault_cap, 100) == 0, "a thread with a fault endpoint");
    /* Its stack: 16 pages of vaddrs with nothing mapped. */
    seL4_Word lo = st_vaddr(ST_STACK_PAGES), top = lo + ST_STACK_PAGES * ST_PAGE;
    CHECK_ERR(seL4_TCB_BindNotification(seL4_CapInitThreadTCB, done_ntfn), seL4_NoError,
              "bind the done notification to the root, which waits on the fault endpoint");
    seL4_UserContext regs = st_entry_regs(top, (seL4_Word)deep, done_cap, 0, 0);
    CHECK_ERR(seL4_TCB_WriteRegisters(t.tcb, 1, 0, sizeof regs / sizeof(seL4_Word), &regs),
              seL4_NoError, "start it on a stack that is not mapped");

    int faults = 0, first_ok = 0, in_stack = 1, finished = 0;
    while (faults < 64) {
        seL4_Word badge;
        seL4_MessageInfo_t m = seL4_Recv(fault_ep, &badge);
        if (badge == DONE_BADGE) {
            finished = 1;
            break;
        }
        if (badge != FAULT_BADGE || seL4_MessageInfo_get_label(m) != seL4_Fault_VMFault ||
            seL4_MessageInfo_get_length(m) != seL4_VMFault_Length) {
            printf("# unexpected message: badge %#lx label %lu\n", (unsigned long)badge,
                   (unsigned long)seL4_MessageInfo_get_label(m));
            break;
        }
        seL4_Word addr = seL4_GetMR(seL4_VMFault_Addr);
        if (faults == 0) {
            /* The first push of the thread, before it ran an instruction. */
            first_ok = seL4_GetMR(seL4_VMFault_IP) == (seL4_Word)deep && addr == top - sizeof(seL4_Word) &&
                       seL4_GetMR(seL4_VMFault_PrefetchFault) == 0 && (seL4_GetMR(seL4_VMFault_FSR) & 2);
        }
        if (addr < lo || addr >= top) {
            in_stack = 0;
            printf("# fault at %#lx, outside the stack\n", (unsigned long)addr);
            break;
        }
        seL4_CPtr frame = st_make(seL4_X86_4K, 0);
        if (st_map(frame, addr & ~(ST_PAGE - 1), seL4_ReadWrite) != seL4_NoError)
            break;
        faults++;
        seL4_Reply(seL4_MessageInfo_new(0, 0, 0, 0));
    }
    CHECK(first_ok, "the first fault: seL4_VMFault_IP = the entry, Addr = rsp - 8, a write, "
                    "not a prefetch");
    CHECK(in_stack, "every fault address lies in the thread's stack");
    CHECK(faults >= 4, "the thread faulted on its first page and on each page of its array");
    printf("# %d VM faults served\n", faults);
    CHECK(finished, "after each reply the thread went on, and it finished");
    CHECK_EQ(deep_sum, 47 * 48 / 2, "  what it computed on its paged-in stack is right");
    CHECK_ERR(seL4_TCB_UnbindNotification(seL4_CapInitThreadTCB), seL4_NoError,
              "unbind the root's notification");
}

/* --- cap faults -------------------------------------------------------------------- */

static seL4_Word call_label, recv_badge, recv_mr0;

static void cap_faulter(seL4_Word empty, seL4_Word unresolvable)
{
    /* An empty slot resolves: invoking it is an error, not a fault (seL4: decodeInvocation). */
    seL4_MessageInfo_t r = seL4_Call(empty, seL4_MessageInfo_new(1, 0, 0, 0));
    call_label = seL4_MessageInfo_get_label(r);
    /* Receiving from it is a cap fault; the handler puts an endpoint cap there. */
    seL4_Recv(empty, &recv_badge);
    recv_mr0 = seL4_GetMR(0);
    /* A CPtr that does not resolve: a cap fault in the send phase. */
    seL4_Call(unresolvable, seL4_MessageInfo_new(1, 0, 0, 0));
}

static void cap_faults(void)
{
    seL4_CPtr service = st_make(seL4_EndpointObject, 0), to_service = st_slot();
    seL4_CNode_Mint(ROOT, to_service, DEPTH, ROOT, service, DEPTH, seL4_AllRights, 0x55);
    seL4_CPtr empty = st_slot();
    seL4_Word unresolvable = 1ul << 40;     /* outside the root CNode's guard */
    st_thread_t t;
    CHECK(st_thread_new(&t, fault_cap, 100) == 0, "a thread with a fault endpoint");
    st_thread_start(&t, (seL4_Word)cap_faulter, empty, unresolvable, 0);

    seL4_Word badge;
    seL4_MessageInfo_t m = seL4_Recv(fault_ep, &badge);
    CHECK_EQ(call_label, seL4_InvalidCapability,
             "Call on an empty slot: seL4_InvalidCapability, and no fault");
    CHECK_EQ(badge, FAULT_BADGE, "Recv on an empty slot: a fault message, with the fault cap's badge");
    CHECK_EQ(seL4_MessageInfo_get_label(m), seL4_Fault_CapFault, "  label seL4_Fault_CapFault");
    CHECK_EQ(seL4_GetMR(seL4_CapFault_Addr), empty, "  seL4_CapFault_Addr: the slot");
    CHECK_EQ(seL4_GetMR(seL4_CapFault_InRecvPhase), 1, "  seL4_CapFault_InRecvPhase: 1");
    CHECK_EQ(seL4_GetMR(seL4_CapFault_LookupFailureType), seL4_MissingCapability,
             "  seL4_CapFault_LookupFailureType: seL4_MissingCapability");

    /* Fix it: an endpoint cap goes in the slot, and the Recv is retried. */
    seL4_CNode_Copy(ROOT, empty, DEPTH, ROOT, service, DEPTH, seL4_AllRights);
    seL4_Reply(seL4_MessageInfo_new(0, 0, 0, 0));
    seL4_SetMR(0, 5);
    seL4_Send(to_service, seL4_MessageInfo_new(0, 0, 0, 1));

    m = seL4_Recv(fault_ep, &badge);
    CHECK(recv_badge == 0x55 && recv_mr0 == 5,
          "after the reply the thread's Recv went through the new cap and got a message");
    CHECK_EQ(seL4_MessageInfo_get_label(m), seL4_Fault_CapFault,
             "Call on a CPtr that does not resolve: a cap fault");
    CHECK_EQ(seL4_GetMR(seL4_CapFault_Addr), unresolvable, "  seL4_CapFault_Addr: the CPtr");
    CHECK_EQ(seL4_GetMR(seL4_CapFault_InRecvPhase), 0, "  seL4_CapFault_InRecvPhase: 0");
    CHECK_EQ(seL4_GetMR(seL4_CapFault_LookupFailureType), seL4_GuardMismatch,
             "  seL4_CapFault_LookupFailureType: seL4_GuardMismatch");
    CHECK_ERR(seL4_TCB_Suspend(t.tcb), seL4_NoError, "suspend the thread instead of replying");
}

/* --- user exceptions ------------------------------------------------------------- */

static volatile int resumed, recovered;
static seL4_Word trap_ip;

#if defined(__x86_64__)
static void trapper(void)
{
    __asm__ volatile("ud2");
    resumed = 1;
}
#endif

static void recover(seL4_Word done)
{
    recovered = 1;
    seL4_Signal(done);
}

static void user_exceptions(void)
{
#if defined(__x86_64__)
    st_thread_t t;
    CHECK(st_thread_new(&t, fault_cap, 100) == 0, "a thread with a fault endpoint");
    st_thread_start(&t, (seL4_Word)trapper, 0, 0, 0);

    seL4_Word badge;
    seL4_MessageInfo_t m = seL4_Recv(fault_ep, &badge);
    CHECK_EQ(seL4_MessageInfo_get_label(m), seL4_Fault_UserException,
             "ud2: label seL4_Fault_UserException");
    CHECK_EQ(seL4_MessageInfo_get_length(m), seL4_UserException_Length, "  length seL4_UserException_Length");
    trap_ip = seL4_GetMR(seL4_UserException_FaultIP);
    CHECK(trap_ip >= (seL4_Word)trapper && trap_ip < (seL4_Word)trapper + 64,
          "  seL4_UserException_FaultIP lies in the trapping function");
    CHECK(seL4_GetMR(seL4_UserException_SP) < t.stack_top &&
          seL4_GetMR(seL4_UserException_SP) >= t.stack_top - ST_STACK_PAGES * ST_PAGE,
          "  seL4_UserException_SP lies in its stack");
    CHECK_EQ(seL4_GetMR(seL4_UserException_Number), SIGILL,
             "  seL4_UserException_Number: the host signal, SIGILL");

    /* Label 0: restart it. */
    seL4_Reply(seL4_MessageInfo_new(0, 0, 0, 3));
    m = seL4_Recv(fault_ep, &badge);
    CHECK_EQ(seL4_MessageInfo_get_label(m), seL4_Fault_UserException,
             "a reply with label 0 restarts it: it traps again");
    CHECK_EQ(seL4_GetMR(seL4_UserException_FaultIP), trap_ip, "  at the same instruction");
    CHECK_EQ(resumed, 0, "  and got no further");

    /* Another label: the thread stays stopped, even when it could run. */
    seL4_Reply(seL4_MessageInfo_new(1, 0, 0, 0));
    seL4_TCB_SetPriority(seL4_CapInitThreadTCB, seL4_CapInitThreadTCB, 99);
    m = seL4_NBRecv(fault_ep, &badge);
    seL4_TCB_SetPriority(seL4_CapInitThreadTCB, seL4_CapInitThreadTCB, seL4_MaxPrio);
    CHECK(badge == 0 && resumed == 0, "a reply with label 1 leaves it stopped: no fault, no progress");

    /* A stopped thread is started again by WriteRegisters. */
    seL4_UserContext regs = st_entry_regs(t.stack_top, (seL4_Word)recover, done_cap, 0, 0);
    CHECK_ERR(seL4_TCB_WriteRegisters(t.tcb, 1, 0, sizeof regs / sizeof(seL4_Word), &regs),
              seL4_NoError, "WriteRegisters restarts it elsewhere");
    seL4_Wait(done_ntfn, &badge);
    CHECK_EQ(recovered, 1, "  it ran there");
#else
    printf("# user exceptions: ud2 is x86_64's; skipped\n");
#endif
}

int main(void)
{
    st_init();
    printf("# fault_handler: VM faults (a pager), cap faults, user exceptions\n");
    make_endpoints();
    vm_faults();
    cap_faults();
    user_exceptions();
    return st_done();
}
