/*
 * hello.c - the first steps of the seL4 tutorials, on mica: print, read the
 * boot info, make a TCB and an endpoint, start a thread on a stack that is
 * a static array of the program (as seL4 code usually does), and talk to it.
 * An seL4 root task written only against <sel4/sel4.h>.
 */
#include "sel4test.h"

#define STACK_WORDS 4096
static seL4_Word thread_stack[STACK_WORDS] __attribute__((aligned(16)));

/* The new thread: greets, then answers the root's Call with its argument doubled. */
static void greeter(seL4_Word ep, seL4_Word arg)
{
    printf("# hello from the new thread, argument %lu\n", (unsigned long)arg);
    seL4_Word badge;
    seL4_MessageInfo_t m = seL4_Recv(ep, &badge);
    seL4_SetMR(0, seL4_GetMR(0) * 2 + arg);
    seL4_Reply(seL4_MessageInfo_new(seL4_MessageInfo_get_label(m), 0, 0, 1));
}

int main(void)
{
    printf("Hello, World!\n");
    st_init();
    seL4_BootInfo *bi = seL4_GetBootInfo();
    CHECK(bi != NULL, "seL4_GetBootInfo()");
    CHECK(bi->empty.start < bi->empty.end, "  it lists free slots");
    CHECK(bi->untyped.start < bi->untyped.end, "  and untyped caps");
    CHECK_EQ(seL4_DebugCapIdentify(seL4_CapInitThreadTCB), ST_CAP_THREAD,
             "seL4_CapInitThreadTCB holds a thread cap");
    CHECK_EQ(seL4_DebugCapIdentify(seL4_CapInitThreadCNode), ST_CAP_CNODE,
             "seL4_CapInitThreadCNode holds a CNode cap");
    CHECK_EQ(seL4_DebugCapIdentify(seL4_CapInitThreadVSpace), ST_CAP_PML4,
             "seL4_CapInitThreadVSpace holds a PML4 cap");

    seL4_CPtr tcb = st_make(seL4_TCBObject, 0);
    seL4_CPtr ep = st_make(seL4_EndpointObject, 0);
    CHECK(tcb && ep, "retype a TCB and an endpoint");
    /* Every thread needs an IPC buffer of its own. */
    seL4_CPtr buf = st_make(seL4_X86_4K, 0);
    seL4_Word buf_vaddr = st_vaddr(1);
    CHECK_ERR(st_map(buf, buf_vaddr, seL4_ReadWrite), seL4_NoError, "map an IPC buffer for it");
    CHECK_ERR(seL4_TCB_Configure(tcb, seL4_CapNull, seL4_CapInitThreadCNode, 0,
                                 seL4_CapInitThreadVSpace, 0, buf_vaddr, buf),
              seL4_NoError, "seL4_TCB_Configure");
    CHECK_ERR(seL4_TCB_SetPriority(tcb, seL4_CapInitThreadTCB, 254), seL4_NoError,
              "seL4_TCB_SetPriority 254");
    seL4_DebugNameThread(tcb, "greeter");

    seL4_UserContext regs = { 0 };
    CHECK_ERR(seL4_TCB_ReadRegisters(tcb, 0, 0, sizeof regs / sizeof(seL4_Word), &regs), seL4_NoError,
              "seL4_TCB_ReadRegisters");
    regs.rip = (seL4_Word)greeter;
    regs.rsp = (seL4_Word)&thread_stack[STACK_WORDS];
    regs.rdi = ep;
    regs.rsi = 21;
    CHECK_ERR(seL4_TCB_WriteRegisters(tcb, 0, 0, sizeof regs / sizeof(seL4_Word), &regs), seL4_NoError,
              "seL4_TCB_WriteRegisters: rip, a static array as its stack, two arguments");
    CHECK_ERR(seL4_TCB_Resume(tcb), seL4_NoError, "seL4_TCB_Resume");

    seL4_SetMR(0, 100);
    seL4_MessageInfo_t m = seL4_Call(ep, seL4_MessageInfo_new(5, 0, 0, 1));
    CHECK(seL4_MessageInfo_get_label(m) == 5 && seL4_MessageInfo_get_length(m) == 1,
          "seL4_Call: the thread answered");
    CHECK_EQ(seL4_GetMR(0), 221, "  100 * 2 + 21");
    return st_done();
}
