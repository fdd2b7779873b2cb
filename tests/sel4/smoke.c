/*
 * smoke.c - a small seL4 root task written only against <sel4/sel4.h>:
 * boot info, retype, badged minting, a thread on a host-array stack with
 * its own IPC buffer, a Call answered with Reply, a notification, the
 * libsel4 stub rule that MRs survive a successful invocation, and seL4's
 * error codes. `smoke -- exit N` returns N from main instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sel4/sel4.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); return 1; } } while (0)

static seL4_CPtr ep, ntfn;
static volatile seL4_Word thread_saw;
static seL4_Word thread_stack[2048] __attribute__((aligned(16)));

static void thread_fn(void)
{
    for (int i = 0; i < 6; i++)
        seL4_SetMR(i, 100 + (seL4_Word)i);
    seL4_MessageInfo_t reply = seL4_Call(ep, seL4_MessageInfo_new(7, 0, 0, 6));
    thread_saw = seL4_MessageInfo_get_label(reply) == 8 && seL4_MessageInfo_get_length(reply) == 1
                 ? seL4_GetMR(0) : 0;
    seL4_Signal(ntfn);
    seL4_TCB_Suspend(seL4_CapNull);     /* an invalid cap: returns an error, the thread goes on */
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "exit") == 0)
        return atoi(argv[2]);

    seL4_BootInfo *bi = seL4_GetBootInfo();
    CHECK(bi != NULL);
    CHECK(bi->initThreadCNodeSizeBits == CONFIG_ROOT_CNODE_SIZE_BITS);
    CHECK(bi->untyped.end > bi->untyped.start);
    CHECK(bi->empty.end > bi->empty.start);

    /* The largest non-device untyped. */
    seL4_CPtr ut = 0;
    seL4_Word best = 0;
    for (seL4_Word i = 0; i < bi->untyped.end - bi->untyped.start; i++)
        if (!bi->untypedList[i].isDevice && bi->untypedList[i].sizeBits > best) {
            best = bi->untypedList[i].sizeBits;
            ut = bi->untyped.start + i;
        }
    CHECK(ut != 0 && best >= 20);

    seL4_CPtr slot = bi->empty.start;
    ep = slot++;
    ntfn = slot++;
    seL4_CPtr badged = slot++, tcb = slot++, frame = slot++, pt = slot++;
    CHECK(seL4_Untyped_Retype(ut, seL4_EndpointObject, 0, seL4_CapInitThreadCNode, 0, 0, ep, 1) == seL4_NoError);
    CHECK(seL4_DebugCapIdentify(ep) == 4);  /* cap_endpoint_cap */

    /* A successful invocation leaves MR0..MR3 of the IPC buffer alone (libsel4's stubs). */
    seL4_SetMR(0, 0xdead);
    seL4_SetMR(3, 0xbeef);
    CHECK(seL4_Untyped_Retype(ut, seL4_NotificationObject, 0, seL4_CapInitThreadCNode, 0, 0, ntfn, 1) == seL4_NoError);
    CHECK(seL4_GetMR(0) == 0xdead && seL4_GetMR(3) == 0xbeef);

    /* An error: the slot is taken (seL4's DeleteFirst), the details in the MRs. */
    CHECK(seL4_Untyped_Retype(ut, seL4_EndpointObject, 0, seL4_CapInitThreadCNode, 0, 0, ep, 1) == seL4_DeleteFirst);
    CHECK(seL4_Untyped_Retype(ut, 99, 0, seL4_CapInitThreadCNode, 0, 0, slot, 1) == seL4_InvalidArgument);
    CHECK(seL4_GetMR(0) == 0);      /* invalid argument number 0: the type */

    CHECK(seL4_CNode_Mint(seL4_CapInitThreadCNode, badged, seL4_WordBits, seL4_CapInitThreadCNode, ep,
                          seL4_WordBits, seL4_AllRights, 42) == seL4_NoError);
    CHECK(seL4_Untyped_Retype(ut, seL4_TCBObject, 0, seL4_CapInitThreadCNode, 0, 0, tcb, 1) == seL4_NoError);
    CHECK(seL4_Untyped_Retype(ut, seL4_X86_4K, 0, seL4_CapInitThreadCNode, 0, 0, frame, 1) == seL4_NoError);
    CHECK(seL4_Untyped_Retype(ut, seL4_X86_PageTableObject, 0, seL4_CapInitThreadCNode, 0, 0, pt, 1) == seL4_NoError);

    /* Map the thread's IPC buffer: no page table yet is a failed lookup at level 21. */
    seL4_Word vaddr = 0x20000000;
    CHECK(seL4_X86_Page_Map(frame, seL4_CapInitThreadVSpace, vaddr, seL4_AllRights,
                            seL4_X86_Default_VMAttributes) == seL4_FailedLookup);
    CHECK(seL4_MappingFailedLookupLevel() == SEL4_MAPPING_LOOKUP_NO_PT);
    CHECK(seL4_X86_PageTable_Map(pt, seL4_CapInitThreadVSpace, vaddr, seL4_X86_Default_VMAttributes) == seL4_NoError);
    CHECK(seL4_X86_Page_Map(frame, seL4_CapInitThreadVSpace, vaddr, seL4_AllRights,
                            seL4_X86_Default_VMAttributes) == seL4_NoError);
    seL4_X86_Page_GetAddress_t addr = seL4_X86_Page_GetAddress(frame);
    CHECK(addr.error == seL4_NoError && addr.paddr != 0 && (addr.paddr & 0xfff) == 0);

    /* The thread: badged endpoint cap in its CSpace (ours), rip a host function, rsp a host array. */
    CHECK(seL4_TCB_Configure(tcb, seL4_CapNull, seL4_CapInitThreadCNode, 0, seL4_CapInitThreadVSpace, 0,
                             vaddr, frame) == seL4_NoError);
    CHECK(seL4_TCB_SetPriority(tcb, seL4_CapInitThreadTCB, 254) == seL4_NoError);
    seL4_DebugNameThread(tcb, "smoke-thread");
    seL4_UserContext regs;
    memset(&regs, 0, sizeof regs);
    regs.rip = (seL4_Word)(uintptr_t)thread_fn;
    regs.rsp = (seL4_Word)(uintptr_t)&thread_stack[2048];
    ep = badged;    /* the thread calls through the badged copy */
    CHECK(seL4_TCB_WriteRegisters(tcb, 1, 0, 2, &regs) == seL4_NoError);

    seL4_Word badge = 0;
    seL4_MessageInfo_t info = seL4_Recv(bi->empty.start, &badge);
    CHECK(badge == 42);
    CHECK(seL4_MessageInfo_get_label(info) == 7 && seL4_MessageInfo_get_length(info) == 6);
    for (int i = 0; i < 6; i++)
        CHECK(seL4_GetMR(i) == 100 + (seL4_Word)i);
    seL4_SetMR(0, 555);
    seL4_Reply(seL4_MessageInfo_new(8, 0, 0, 1));

    seL4_Wait(ntfn, &badge);
    CHECK(thread_saw == 555);

    printf("sel4 smoke: ok\n");
    return 0;
}
