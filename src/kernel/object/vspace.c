/*
 * object/vspace.c - VSpaces, page tables and frames (seL4: arch/x86/kernel/vspace.c
 * in spirit; the two-level geometry of docs/api.md "VSpaces, page tables
 * and frames").
 *
 *   vaddr:  29 ........ 21 | 20 ........ 12 | 11 ..... 0
 *           root index       page-table index  offset
 *
 * A root entry holds a page table or a 2 MiB frame; a page-table entry a
 * 4 KiB frame. Every change is mirrored into the VSpace's host window through
 * hw_map/hw_unmap, so task code really sees the mapping.
 */
#include "object.h"
#include "../cdt.h"
#include "../state.h"
#include "../thread.h"
#include "../cspace.h"
#include "../objecttype.h"
#include "../trace.h"

#define VSPACE_TOP BIT(MICA_VADDR_BITS)

static pte_t *table(paddr_t p) { return (pte_t *)paddr_to_ptr(p); }
static word_t root_index(word_t vaddr) { return (vaddr >> 21) & MASK(9); }
static word_t pt_index(word_t vaddr) { return (vaddr >> 12) & MASK(9); }

static unsigned pte_rights(unsigned cap_rights)
{
    return (cap_rights & RIGHT_WRITE ? PTE_W : 0) | (cap_rights & RIGHT_READ ? PTE_R : 0);
}

void vspace_init_object(paddr_t vspace)
{
    if (hw_vspace_create(vspace) == 0)
        hw_log("VSpace at 0x%lx: %s; mapping into it fails with NotEnoughMemory",
               (unsigned long)vspace, hw_refusal());
}

/* The final VSpace cap is going: its window goes, its page tables stay as memory. */
void vspace_delete(paddr_t vspace)
{
    hw_vspace_destroy(vspace);
}

/* Is the VSpace named by a mapping record still the one it was made in? */
static bool mapping_live(cap_t cap)
{
    word_t gen = hw_vspace_generation(cap_mapped_vspace(cap));
    return gen != 0 && (gen & MASK(21)) == cap_mapped_gen(cap);
}

/* Unmap a frame cap's mapping if its entry still holds this frame. */
void unmap_frame_cap(cap_t cap)
{
    if (!cap_is_mapped(cap) || !mapping_live(cap))
        return;
    paddr_t vs = cap_mapped_vspace(cap);
    word_t vaddr = cap_mapped_vaddr(cap);
    unsigned bits = cap_frame_size_bits(cap);
    pte_t *e = &table(vs)[root_index(vaddr)];
    if (bits == MICA_PAGE_BITS) {
        if (!(*e & PTE_TABLE))
            return;
        e = &table(PTE_PADDR(*e))[pt_index(vaddr)];
    }
    if ((*e & PTE_FRAME) && PTE_PADDR(*e) == cap_obj(cap)) {
        *e = 0;
        hw_unmap(vs, vaddr, bits);
        trace_map(false, vs, vaddr, cap_obj(cap), bits);
    }
}

/* Unmap a page table from its VSpace; its entries are cleared as on x86 seL4. */
void unmap_page_table_cap(cap_t cap)
{
    if (!cap_is_mapped(cap) || !mapping_live(cap))
        return;
    paddr_t vs = cap_mapped_vspace(cap);
    word_t vaddr = cap_mapped_vaddr(cap);
    pte_t *e = &table(vs)[root_index(vaddr)];
    if ((*e & PTE_TABLE) && PTE_PADDR(*e) == cap_obj(cap)) {
        *e = 0;
        hw_unmap(vs, vaddr, MICA_LARGE_PAGE_BITS);
        memset(table(cap_obj(cap)), 0, BIT(MICA_PAGE_TABLE_BITS));
    }
}

void vspace_boot_map(paddr_t vspace, word_t vaddr, paddr_t frame, unsigned size_bits,
                     unsigned rights)
{
    pte_t *e = &table(vspace)[root_index(vaddr)];
    if (size_bits == MICA_PAGE_BITS) {
        kassert(*e & PTE_TABLE);
        e = &table(PTE_PADDR(*e))[pt_index(vaddr)];
    }
    *e = frame | PTE_FRAME | (size_bits == MICA_LARGE_PAGE_BITS ? PTE_LARGE : 0) | pte_rights(rights);
    hw_map(vspace, vaddr, frame, size_bits, rights);
}

/*
 * seL4: lookupIPCBuffer - the kernel reaches the buffer through the frame
 * cap. The cap's rights are seL4's VM rights (maskVMRights): Read+Write is
 * VMReadWrite, Read alone VMReadOnly, and without Read the frame is
 * VMKernelOnly. A receiver needs ReadWrite, a sender ReadOnly at least; any
 * other buffer is no buffer, and only the register MRs move.
 */
word_t *lookup_ipc_buffer(bool is_receiver, paddr_t thread)
{
    cap_t c = tcb_slot(thread, TCB_BUFFER)->cap;
    if (cap_type(c) != MICA_CAP_TYPE_FRAME || cap_frame_is_device(c))
        return NULL;
    unsigned r = cap_rights(c);
    if (!(r & RIGHT_READ) || (is_receiver && !(r & RIGHT_WRITE)))
        return NULL;
    word_t off = tcb_ptr(thread)->ipc_buffer & MASK(cap_frame_size_bits(c));
    return (word_t *)paddr_to_ptr(cap_obj(c) + off);
}

static exception_t verr(word_t type, const char *why)
{
    user_error("%s", why);
    ks.syscall_error.type = type;
    return EXCEPTION_SYSCALL_ERROR;
}

static exception_t bad_cap1(const char *why)
{
    user_error("%s", why);
    ks.syscall_error.type = MICA_INVALID_CAPABILITY;
    ks.syscall_error.invalid_cap_number = 1;
    return EXCEPTION_SYSCALL_ERROR;
}

static exception_t bad_arg0(const char *why)
{
    user_error("%s", why);
    ks.syscall_error.type = MICA_INVALID_ARGUMENT;
    ks.syscall_error.invalid_argument_number = 0;
    return EXCEPTION_SYSCALL_ERROR;
}

static exception_t decode_page_table(word_t label, word_t length, cte_t *slot, cap_t cap,
                                     word_t *buffer)
{
    if (label == MICA_PAGE_TABLE_UNMAP) {
        /* seL4: decodeX86PageTableInvocation - only the final cap unmaps, mapped or not. */
        if (!is_final_cap(slot))
            return verr(MICA_REVOKE_FIRST, "PageTable_Unmap: other caps to this page table exist");
        set_thread_state(NODE.cur_thread, MICA_THREAD_RESTART);
        /*
         * seL4: performX86PageTableInvocationUnmap - unlink the table if its
         * VSpace still holds it, and clear it whenever the cap was mapped,
         * also when that VSpace is gone: the table then maps anywhere empty.
         */
        if (cap_is_mapped(cap)) {
            unmap_page_table_cap(cap);
            memset(table(cap_obj(cap)), 0, BIT(MICA_PAGE_TABLE_BITS));
        }
        slot->cap.word = 0;
        return EXCEPTION_NONE;
    }
    if (label != MICA_PAGE_TABLE_MAP)
        return verr(MICA_ILLEGAL_OPERATION, "PageTable: not a page-table operation");
    if (length < 2 || ks.extra_caps[0] == NULL)
        return verr(MICA_TRUNCATED_MESSAGE, "PageTable_Map: needs 2 words and a VSpace cap");
    if (cap_is_mapped(cap)) {
        /* seL4: decodeX86PageTableInvocation - the invoked cap (number 0) is the bad one. */
        user_error("PageTable_Map: the page table is already mapped");
        ks.syscall_error.type = MICA_INVALID_CAPABILITY;
        ks.syscall_error.invalid_cap_number = 0;
        return EXCEPTION_SYSCALL_ERROR;
    }
    word_t vaddr = get_syscall_arg(0, buffer);
    cap_t vs = ks.extra_caps[0]->cap;
    if (cap_type(vs) != MICA_CAP_TYPE_VSPACE)
        return bad_cap1("PageTable_Map: the VSpace argument is not a VSpace cap");
    if (vaddr >= VSPACE_TOP)
        return bad_arg0("PageTable_Map: vaddr is outside the VSpace (2^30)");
    paddr_t root = cap_obj(vs);
    pte_t *e = &table(root)[root_index(vaddr)];
    if (*e != 0)
        return verr(MICA_DELETE_FIRST, "PageTable_Map: that 2 MiB region already has a page table or large frame");
    set_thread_state(NODE.cur_thread, MICA_THREAD_RESTART);
    *e = cap_obj(cap) | PTE_TABLE;
    vaddr &= ~MASK(MICA_LARGE_PAGE_BITS);
    slot->cap.word = mapping_word(root, vaddr, hw_vspace_generation(root));
    return EXCEPTION_NONE;
}

static exception_t decode_frame(word_t label, word_t length, cte_t *slot, cap_t cap,
                                word_t *buffer)
{
    paddr_t cur = NODE.cur_thread;
    unsigned bits = cap_frame_size_bits(cap);

    switch (label) {
    case MICA_PAGE_GET_ADDRESS:
        set_thread_state(cur, MICA_THREAD_RESTART);
        set_mr(cur, buffer, 0, cap_obj(cap));
        set_register(cur, REG_BADGE, 0);
        set_register(cur, REG_INFO, mica_msginfo_new(0, 0, 0, 1).words[0]);
        set_thread_state(cur, MICA_THREAD_RUNNING);
        return EXCEPTION_NONE;
    case MICA_PAGE_UNMAP:
        set_thread_state(cur, MICA_THREAD_RESTART);
        unmap_frame_cap(cap);
        slot->cap.word = 0;
        return EXCEPTION_NONE;
    case MICA_PAGE_MAP:
        break;
    default:
        return verr(MICA_ILLEGAL_OPERATION, "Frame: not a frame operation");
    }
    if (length < 3 || ks.extra_caps[0] == NULL)
        return verr(MICA_TRUNCATED_MESSAGE, "Page_Map: needs 3 words and a VSpace cap");
    word_t vaddr = get_syscall_arg(0, buffer);
    unsigned mask = (unsigned)get_syscall_arg(1, buffer);
    cap_t vs = ks.extra_caps[0]->cap;
    if (cap_type(vs) != MICA_CAP_TYPE_VSPACE)
        return bad_cap1("Page_Map: the VSpace argument is not a VSpace cap");
    paddr_t root = cap_obj(vs);
    if (cap_is_mapped(cap)) {
        if (cap_mapped_vspace(cap) != root || !mapping_live(cap))
            return bad_cap1("Page_Map: this frame cap is mapped in another VSpace");
        if (cap_mapped_vaddr(cap) != vaddr)
            return bad_arg0("Page_Map: this frame cap is mapped at another vaddr; use a copy");
    } else if (vaddr + BIT(bits) > VSPACE_TOP || vaddr >= VSPACE_TOP) {
        return bad_arg0("Page_Map: the frame would end above the VSpace (2^30)");
    }
    unsigned rights = cap_rights(cap) & mask & (RIGHT_READ | RIGHT_WRITE);
    /*
     * seL4's maskVMRights: without Read a mapping is kernel-only, i.e.
     * inaccessible to the task (write-only does not exist). mica mapped it
     * read-write before, as the host has no write-only pages either.
     */
    if (!(rights & RIGHT_READ))
        rights = 0;
    if (!IS_ALIGNED(vaddr, bits))
        return verr(MICA_ALIGNMENT_ERROR, "Page_Map: vaddr is not aligned to the frame size");
    pte_t *e = &table(root)[root_index(vaddr)];
    if (bits == MICA_PAGE_BITS) {
        if (!(*e & PTE_TABLE)) {
            user_error("Page_Map: no page table covers vaddr 0x%lx", (unsigned long)vaddr);
            ks.syscall_error.type = MICA_FAILED_LOOKUP;
            ks.syscall_error.failed_lookup_was_source = 0;
            lookup_fault_missing_capability(MICA_PAGE_BITS + MICA_PAGE_TABLE_INDEX_BITS);
            return EXCEPTION_SYSCALL_ERROR;
        }
        e = &table(PTE_PADDR(*e))[pt_index(vaddr)];
    }
    /*
     * seL4: createSafeMappingEntries_PDE refuses only an entry that holds a
     * page table; createSafeMappingEntries_PTE checks nothing. A frame
     * already mapped there is replaced: its cap keeps its mapping record,
     * and its Unmap later finds another frame in the entry and leaves it
     * (unmap_frame_cap, seL4 unmapPage).
     */
    if (*e & PTE_TABLE)
        return verr(MICA_DELETE_FIRST, "Page_Map: a page table occupies that 2 MiB region");
    pte_t old = *e;
    /*
     * The host mapping first: if the host refuses it (no window, or the
     * simulator's host mappings are used up: vm.max_map_count) the task
     * gets a clean NotEnoughMemory and nothing changes, instead of a kernel
     * entry the task cannot see - which the invariant valid_host_window
     * would stop.
     */
    if (hw_map(root, vaddr, cap_obj(cap), bits, rights) != 0) {
        char op[48];
        kformat(op, sizeof op, "Page_Map at 0x%lx", (unsigned long)vaddr);
        return host_limit_error(op, HOST_LIMIT_MAPPINGS);
    }
    set_thread_state(cur, MICA_THREAD_RESTART);
    if ((old & PTE_FRAME) && PTE_PADDR(old) != cap_obj(cap))
        trace_map(false, root, vaddr, PTE_PADDR(old), bits);
    *e = cap_obj(cap) | PTE_FRAME | (bits == MICA_LARGE_PAGE_BITS ? PTE_LARGE : 0) |
         pte_rights(rights);
    slot->cap.word = mapping_word(root, vaddr, hw_vspace_generation(root));
    trace_map(true, root, vaddr, cap_obj(cap), bits);
    return EXCEPTION_NONE;
}

exception_t decode_vspace_invocation(word_t label, word_t length, cte_t *slot, cap_t cap,
                                     word_t *buffer)
{
    switch (cap_type(cap)) {
    case MICA_CAP_TYPE_FRAME:
        return decode_frame(label, length, slot, cap, buffer);
    case MICA_CAP_TYPE_PAGE_TABLE:
        return decode_page_table(label, length, slot, cap, buffer);
    default:
        return verr(MICA_ILLEGAL_OPERATION, "VSpace: a VSpace cap has no invocations");
    }
}
