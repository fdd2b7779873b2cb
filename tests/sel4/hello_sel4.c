/* hello_sel4.c - a seL4 root task: a thread, an endpoint, one Call. */
#include <stdio.h>
#include <sel4/sel4.h>

static seL4_CPtr ep;
static seL4_Word stack[1024] __attribute__((aligned(16)));

static void server(void)
{
    /* No IPC buffer: the message travels in registers only. */
    seL4_Word badge, x;
    seL4_RecvWithMRs(ep, &badge, &x, NULL, NULL, NULL);
    printf("server: got %lu from badge %lu\n", (unsigned long)x, (unsigned long)badge);
    x *= 2;
    seL4_ReplyWithMRs(seL4_MessageInfo_new(0, 0, 0, 1), &x, NULL, NULL, NULL);
}

int main(void)
{
    seL4_BootInfo *bi = seL4_GetBootInfo();
    seL4_CPtr ut = bi->untyped.start, slot = bi->empty.start;
    while (bi->untypedList[ut - bi->untyped.start].isDevice)
        ut++;
    ep = slot++;
    seL4_CPtr tcb = slot++, badged = slot++;
    seL4_Untyped_Retype(ut, seL4_EndpointObject, 0, seL4_CapInitThreadCNode, 0, 0, ep, 1);
    seL4_Untyped_Retype(ut, seL4_TCBObject, 0, seL4_CapInitThreadCNode, 0, 0, tcb, 1);
    seL4_CNode_Mint(seL4_CapInitThreadCNode, badged, seL4_WordBits,
                    seL4_CapInitThreadCNode, ep, seL4_WordBits, seL4_AllRights, 7);

    seL4_TCB_Configure(tcb, seL4_CapNull, seL4_CapInitThreadCNode, 0,
                       seL4_CapInitThreadVSpace, 0, 0, seL4_CapNull);
    seL4_TCB_SetPriority(tcb, seL4_CapInitThreadTCB, 254);
    seL4_UserContext regs = {0};
    regs.rip = (seL4_Word)server;
    regs.rsp = (seL4_Word)(stack + 1024);        /* a host array: a host stack */
    seL4_TCB_WriteRegisters(tcb, 1, 0, 2, &regs);

    seL4_SetMR(0, 21);
    seL4_Call(badged, seL4_MessageInfo_new(0, 0, 0, 1));
    printf("root: the answer is %lu\n", (unsigned long)seL4_GetMR(0));
    return 0;
}
