/*
 * retype.c - seL4_Untyped_Retype of every object type mica has, through
 * libsel4's names, and its errors with the details seL4 leaves in the
 * message registers (seL4: decodeUntypedInvocation, setMRs_syscall_error).
 * An seL4 root task written only against <sel4/sel4.h>.
 */
#include "sel4test.h"

/* The boot info's entry for untyped cap ut. */
static const seL4_UntypedDesc *desc_of(seL4_CPtr ut)
{
    return &st_bi->untypedList[ut - st_bi->untyped.start];
}

/* Retype one object of type from ut into a new slot of the root CNode; the slot, or 0. */
static seL4_CPtr retype_one(seL4_CPtr ut, seL4_Word type, seL4_Word size_bits, const char *what)
{
    seL4_CPtr slot = st_slot();
    CHECK_ERR(seL4_Untyped_Retype(ut, type, size_bits, seL4_CapInitThreadCNode, 0, 0, slot, 1),
              seL4_NoError, what);
    return slot;
}

static void every_object_type(seL4_CPtr ut)
{
    seL4_CPtr s;

    s = retype_one(ut, seL4_TCBObject, 0, "retype a TCB");
    CHECK_EQ(seL4_DebugCapIdentify(s), ST_CAP_THREAD, "  it is a thread cap");
    s = retype_one(ut, seL4_EndpointObject, 0, "retype an endpoint");
    CHECK_EQ(seL4_DebugCapIdentify(s), ST_CAP_ENDPOINT, "  it is an endpoint cap");
    s = retype_one(ut, seL4_NotificationObject, 0, "retype a notification");
    CHECK_EQ(seL4_DebugCapIdentify(s), ST_CAP_NOTIFICATION, "  it is a notification cap");

    static const seL4_Word cnode_bits[] = { 1, 4, 10 };
    for (unsigned i = 0; i < sizeof cnode_bits / sizeof cnode_bits[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "retype a CNode of 2^%lu slots", (unsigned long)cnode_bits[i]);
        s = retype_one(ut, seL4_CapTableObject, cnode_bits[i], what);
        CHECK_EQ(seL4_DebugCapIdentify(s), ST_CAP_CNODE, "  it is a CNode cap");
    }

    s = retype_one(ut, seL4_X86_4K, 0, "retype a 4 KiB frame (seL4_X86_4K)");
    CHECK_EQ(seL4_DebugCapIdentify(s), ST_CAP_FRAME, "  it is a frame cap");
    seL4_X86_Page_GetAddress_t addr = seL4_X86_Page_GetAddress(s);
    CHECK_ERR(addr.error, seL4_NoError, "  seL4_X86_Page_GetAddress of it");
    CHECK_EQ(addr.paddr & (ST_PAGE - 1), 0, "  its physical address is page aligned");
    s = retype_one(ut, seL4_X86_PageTableObject, 0, "retype a page table");
    CHECK_EQ(seL4_DebugCapIdentify(s), ST_CAP_PAGE_TABLE, "  it is a page table cap");
    s = retype_one(ut, seL4_X64_PML4Object, 0, "retype a PML4 (a VSpace root)");
    CHECK_EQ(seL4_DebugCapIdentify(s), ST_CAP_PML4, "  it is a PML4 cap");
}

/* A new VSpace is usable: page table, frame and 2 MiB large page map into it. */
static void a_new_vspace_maps(void)
{
    seL4_CPtr pml4 = st_make(seL4_X64_PML4Object, 0);
    seL4_CPtr pt = st_make(seL4_X86_PageTableObject, 0);
    seL4_CPtr frame = st_make(seL4_X86_4K, 0);
    seL4_CPtr large = st_make(seL4_X86_LargePageObject, 0);
    CHECK(pml4 && pt && frame && large, "retype a PML4, page table, frame and large page");
    CHECK_EQ(seL4_DebugCapIdentify(large), ST_CAP_FRAME, "  the large page is a frame cap");
    /* mica has no ASIDs: Assign checks its argument, as seL4, and does nothing else. */
    CHECK_ERR(seL4_X86_ASIDPool_Assign(seL4_CapInitThreadASIDPool, pml4), seL4_NoError,
              "give the new VSpace an ASID from the initial pool");
    CHECK_ERR(seL4_X86_ASIDPool_Assign(seL4_CapInitThreadASIDPool, frame), seL4_InvalidCapability,
              "  a frame cap is no VSpace to assign");
    CHECK_EQ(seL4_GetMR(0), 1, "  invalid capability number 1");
    seL4_X86_Page_GetAddress_t addr = seL4_X86_Page_GetAddress(large);
    CHECK_EQ(addr.paddr & ((1ul << seL4_LargePageBits) - 1), 0,
             "  the large page is 2 MiB aligned in physical memory");

    seL4_Word v = 0x400000;
    seL4_CPtr pdpt = st_make(seL4_X86_PDPTObject, 0), pd = st_make(seL4_X86_PageDirectoryObject, 0);
    CHECK(pdpt && pd, "retype a PDPT and a page directory");
    CHECK_ERR(seL4_X86_Page_Map(frame, pml4, v, seL4_ReadWrite, seL4_X86_Default_VMAttributes),
              seL4_FailedLookup, "map a frame where the new VSpace has no PDPT");
    CHECK_EQ(seL4_MappingFailedLookupLevel(), SEL4_MAPPING_LOOKUP_NO_PDPT,
             "  seL4_MappingFailedLookupLevel() says the PDPT is missing");
    CHECK_ERR(seL4_X86_PDPT_Map(pdpt, pml4, v, seL4_X86_Default_VMAttributes), seL4_NoError,
              "map the PDPT into the new VSpace");
    CHECK_ERR(seL4_X86_Page_Map(frame, pml4, v, seL4_ReadWrite, seL4_X86_Default_VMAttributes),
              seL4_FailedLookup, "map the frame: no page directory yet");
    CHECK_EQ(seL4_MappingFailedLookupLevel(), SEL4_MAPPING_LOOKUP_NO_PD,
             "  seL4_MappingFailedLookupLevel() says the page directory is missing");
    CHECK_ERR(seL4_X86_PageDirectory_Map(pd, pml4, v, seL4_X86_Default_VMAttributes),
              seL4_NoError, "map the page directory");
    CHECK_ERR(seL4_X86_Page_Map(frame, pml4, v, seL4_ReadWrite, seL4_X86_Default_VMAttributes),
              seL4_FailedLookup, "map the frame: no page table yet");
    CHECK_EQ(seL4_MappingFailedLookupLevel(), SEL4_MAPPING_LOOKUP_NO_PT,
             "  seL4_MappingFailedLookupLevel() says the page table is missing");
    CHECK_ERR(seL4_X86_PageTable_Map(pt, pml4, v, seL4_X86_Default_VMAttributes), seL4_NoError,
              "map the page table into the new VSpace");
    CHECK_ERR(seL4_X86_Page_Map(frame, pml4, v, seL4_ReadWrite, seL4_X86_Default_VMAttributes),
              seL4_NoError, "map the frame there");
    CHECK_ERR(seL4_X86_Page_Map(large, pml4, 0x800000, seL4_ReadWrite,
                                seL4_X86_Default_VMAttributes),
              seL4_NoError, "map the large page at a 2 MiB boundary");
    CHECK_ERR(seL4_X86_Page_Unmap(frame), seL4_NoError, "unmap the frame");
    CHECK_ERR(seL4_X86_PageTable_Unmap(pt), seL4_NoError, "unmap the page table");
    CHECK_ERR(seL4_X86_PageDirectory_Unmap(pd), seL4_NoError, "unmap the page directory");
    CHECK_ERR(seL4_X86_PDPT_Unmap(pdpt), seL4_NoError, "unmap the PDPT");
}

/* num_objects > 1: consecutive slots. */
static void several_at_once(seL4_CPtr ut)
{
    seL4_CPtr first = st_slot();
    for (int i = 1; i < 4; i++)
        st_slot();
    CHECK_ERR(seL4_Untyped_Retype(ut, seL4_EndpointObject, 0, seL4_CapInitThreadCNode, 0, 0,
                                  first, 4),
              seL4_NoError, "retype 4 endpoints in one call");
    int all = 1;
    for (int i = 0; i < 4; i++)
        all &= seL4_DebugCapIdentify(first + i) == ST_CAP_ENDPOINT;
    CHECK(all, "  they fill 4 consecutive slots");
    CHECK_EQ(seL4_DebugCapIdentify(first + 4), ST_CAP_NULL, "  and no more");
}

/* Into a CNode other than the root: node_index/node_depth name it. */
static void into_another_cnode(seL4_CPtr ut)
{
    seL4_CPtr cnode = st_make(seL4_CapTableObject, 4);
    CHECK_ERR(seL4_Untyped_Retype(ut, seL4_NotificationObject, 0, seL4_CapInitThreadCNode, cnode,
                                  seL4_WordBits, 3, 1),
              seL4_NoError, "retype a notification into slot 3 of a 16-slot CNode");
    seL4_CPtr back = st_slot();
    CHECK_ERR(seL4_CNode_Move(seL4_CapInitThreadCNode, back, seL4_WordBits, cnode, 3, 4),
              seL4_NoError, "  move it from that CNode (depth 4) to the root CNode");
    CHECK_EQ(seL4_DebugCapIdentify(back), ST_CAP_NOTIFICATION, "  it is the notification");
}

static void errors(seL4_CPtr ut)
{
    seL4_Word root_slots = 1ul << st_bi->initThreadCNodeSizeBits;
    seL4_CPtr s = st_slot();

    CHECK_ERR(seL4_Untyped_Retype(ut, seL4_EndpointObject, 0, seL4_CapInitThreadCNode, 0, 0, s, 0),
              seL4_RangeError, "retype 0 objects: seL4_RangeError");
    CHECK_EQ(seL4_GetMR(0), 1, "  MR0: at least 1");
    CHECK_EQ(seL4_GetMR(1), CONFIG_RETYPE_FAN_OUT_LIMIT, "  MR1: at most the fan-out limit");

    CHECK_ERR(seL4_Untyped_Retype(ut, seL4_EndpointObject, 0, seL4_CapInitThreadCNode, 0, 0,
                                  root_slots, 1),
              seL4_RangeError, "node_offset past the CNode: seL4_RangeError");
    CHECK_EQ(seL4_GetMR(0), 0, "  MR0: 0");
    CHECK_EQ(seL4_GetMR(1), root_slots - 1, "  MR1: the last slot");

    CHECK_ERR(seL4_Untyped_Retype(ut, seL4_EndpointObject, 0, seL4_CapInitThreadCNode, 0, 0,
                                  root_slots - 2, 4),
              seL4_RangeError, "more objects than slots left: seL4_RangeError");
    CHECK_EQ(seL4_GetMR(0), 1, "  MR0: 1");
    CHECK_EQ(seL4_GetMR(1), 2, "  MR1: the 2 slots left");

    CHECK_ERR(seL4_Untyped_Retype(ut, seL4_UntypedObject, 50, seL4_CapInitThreadCNode, 0, 0, s, 1),
              seL4_RangeError, "an untyped of 2^50 bytes: seL4_RangeError");
    CHECK_EQ(seL4_GetMR(0), 0, "  MR0: 0");
    CHECK_EQ(seL4_GetMR(1), seL4_MaxUntypedBits, "  MR1: seL4_MaxUntypedBits");

    CHECK_ERR(seL4_Untyped_Retype(ut, seL4_UntypedObject, seL4_MinUntypedBits - 1,
                                  seL4_CapInitThreadCNode, 0, 0, s, 1),
              seL4_InvalidArgument, "an untyped below seL4_MinUntypedBits: seL4_InvalidArgument");
    CHECK_EQ(seL4_GetMR(0), 1, "  MR0: argument 1 (size_bits)");

    CHECK_ERR(seL4_Untyped_Retype(ut, seL4_CapTableObject, 0, seL4_CapInitThreadCNode, 0, 0, s, 1),
              seL4_InvalidArgument, "a CNode of 2^0 slots: seL4_InvalidArgument");
    CHECK_EQ(seL4_GetMR(0), 1, "  MR0: argument 1 (size_bits)");

    CHECK_ERR(seL4_Untyped_Retype(ut, 1000, 0, seL4_CapInitThreadCNode, 0, 0, s, 1),
              seL4_InvalidArgument, "object type 1000: seL4_InvalidArgument");
    CHECK_EQ(seL4_GetMR(0), 0, "  MR0: argument 0 (type)");

    CHECK_ERR(seL4_Untyped_Retype(ut, seL4_EndpointObject, 0, seL4_CapInitThreadCNode, 0, 0,
                                  seL4_CapInitThreadTCB, 1),
              seL4_DeleteFirst, "into an occupied slot: seL4_DeleteFirst");

    CHECK_ERR(seL4_Untyped_Retype(ut, seL4_EndpointObject, 0, seL4_CapInitThreadCNode, 0,
                                  seL4_WordBits, 0, 1),
              seL4_FailedLookup, "node_index names an empty slot: seL4_FailedLookup");
    CHECK_EQ(seL4_GetMR(0), 0, "  MR0: not the source");
    CHECK_EQ(seL4_GetMR(1), seL4_MissingCapability, "  MR1: seL4_MissingCapability");
    CHECK_EQ(seL4_GetMR(2), seL4_WordBits, "  MR2: bits left");

    /* (An endpoint cap would take the Call as a message.) */
    seL4_CPtr cnode = st_make(seL4_CapTableObject, 2);
    CHECK_ERR(seL4_Untyped_Retype(cnode, seL4_EndpointObject, 0, seL4_CapInitThreadCNode, 0, 0, s, 1),
              seL4_IllegalOperation, "retype through a CNode cap: seL4_IllegalOperation");
    CHECK_EQ(seL4_DebugCapIdentify(s), ST_CAP_NULL, "  no failed retype filled the slot");

    /* An empty 4 KiB untyped: a TCB leaves 2 KiB, too little for a frame. */
    seL4_CPtr small = retype_one(ut, seL4_UntypedObject, seL4_PageBits, "retype a 4 KiB untyped");
    seL4_CPtr tcb = retype_one(small, seL4_TCBObject, 0, "  a TCB from it");
    seL4_CPtr f = st_slot();
    CHECK_ERR(seL4_Untyped_Retype(small, seL4_X86_4K, 0, seL4_CapInitThreadCNode, 0, 0, f, 1),
              seL4_NotEnoughMemory, "  then a frame: seL4_NotEnoughMemory");
    CHECK_EQ(seL4_GetMR(0), 1ul << (seL4_PageBits - 1), "  MR0: the 2 KiB left");
    CHECK_ERR(seL4_CNode_Revoke(seL4_CapInitThreadCNode, small, seL4_WordBits), seL4_NoError,
              "  revoke the untyped");
    CHECK_EQ(seL4_DebugCapIdentify(tcb), ST_CAP_NULL, "  the TCB cap is gone");
    CHECK_ERR(seL4_Untyped_Retype(small, seL4_X86_4K, 0, seL4_CapInitThreadCNode, 0, 0, f, 1),
              seL4_NoError, "  now a frame fits");

    /* A device untyped gives frames and untypeds only. */
    for (seL4_CPtr u = st_bi->untyped.start; u < st_bi->untyped.end; u++) {
        if (!desc_of(u)->isDevice)
            continue;
        seL4_CPtr d = st_slot();
        CHECK_ERR(seL4_Untyped_Retype(u, seL4_TCBObject, 0, seL4_CapInitThreadCNode, 0, 0, d, 1),
                  seL4_InvalidArgument, "a TCB from device memory: seL4_InvalidArgument");
        CHECK_EQ(seL4_GetMR(0), 1, "  MR0: argument 1");
        CHECK_ERR(seL4_Untyped_Retype(u, seL4_X86_4K, 0, seL4_CapInitThreadCNode, 0, 0, d, 1),
                  seL4_NoError, "a frame from device memory");
        CHECK_EQ(seL4_DebugCapIdentify(d), ST_CAP_FRAME, "  it is a frame cap");
        break;
    }
}

int main(void)
{
    st_init();
    printf("# retype: every object type through seL4_Untyped_Retype\n");
    seL4_CPtr big = st_untyped();
    CHECK(big != 0, "the boot info lists a RAM untyped");
    const seL4_UntypedDesc *d = desc_of(big);
    printf("# largest untyped: slot %lu, 2^%u bytes at %#lx\n", (unsigned long)big,
           (unsigned)d->sizeBits, (unsigned long)d->paddr);
    CHECK_EQ(seL4_DebugCapIdentify(big), ST_CAP_UNTYPED, "its slot holds an untyped cap");

    seL4_CPtr ut = retype_one(big, seL4_UntypedObject, 17, "split off a 128 KiB untyped");
    CHECK_EQ(seL4_DebugCapIdentify(ut), ST_CAP_UNTYPED, "  it is an untyped cap");
    every_object_type(ut);
    a_new_vspace_maps();
    several_at_once(big);
    into_another_cnode(big);
    errors(big);

    CHECK_ERR(seL4_CNode_Revoke(seL4_CapInitThreadCNode, ut, seL4_WordBits), seL4_NoError,
              "revoke the 128 KiB untyped: every object made from it goes");
    CHECK_ERR(seL4_Untyped_Retype(ut, seL4_UntypedObject, 17, seL4_CapInitThreadCNode, 0, 0,
                                  st_slot(), 1),
              seL4_NoError, "  and all of it can be retyped again");
    return st_done();
}
