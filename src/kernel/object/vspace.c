/*
 * object/vspace.c - VSpaces, paging structures and frames (seL4:
 * arch/x86/kernel/vspace.c and arch/x86/64/kernel/vspace.c in spirit; the
 * x86_64 geometry of docs/api.md "VSpaces, page tables and frames").
 *
 *   vaddr: 46 .... 39 | 38 .... 30 | 29 .... 21 | 20 .... 12 | 11 .. 0
 *          PML4 index   PDPT index   PD index     PT index     offset
 *
 * Levels are numbered by the table an entry lives in: 3 the VSpace root
 * (PML4), 2 a PDPT, 1 a page directory, 0 a page table. A PML4 entry holds
 * a PDPT; a PDPT entry a page directory or a 1 GiB frame; a page-directory
 * entry a page table or a 2 MiB frame; a page-table entry a 4 KiB frame.
 * Every frame mapping is mirrored into the VSpace's host window through
 * hw_map/hw_unmap, so task code really sees it.
 */
#include "object.h"
#include "../cdt.h"
#include "../state.h"
#include "../thread.h"
#include "../cspace.h"
#include "../objecttype.h"
#include "../trace.h"

#define VSPACE_TOP BIT(MICA_VADDR_BITS)
#define TABLE_BYTES BIT(MICA_PAGE_TABLE_BITS)

static pte_t *table(paddr_t p) { return (pte_t *)paddr_to_ptr(p); }

/* The vaddr bits below an entry of level l: 12, 21, 30, 39. */
static unsigned level_shift(unsigned l) { return MICA_PAGE_BITS + 9 * l; }
static word_t index_at(word_t vaddr, unsigned l) { return (vaddr >> level_shift(l)) & MASK(9); }

/* The level of the entry a paging structure of cap type t occupies. */
static unsigned table_level(mica_cap_type_t t)
{
    return t == MICA_CAP_TYPE_PAGE_TABLE ? 1 : t == MICA_CAP_TYPE_PAGE_DIRECTORY ? 2 : 3;
}

/* The level of the entry a frame of 2^bits bytes occupies. */
static unsigned frame_level(unsigned bits)
{
    return bits == MICA_PAGE_BITS ? 0 : bits == MICA_LARGE_PAGE_BITS ? 1 : 2;
}

static unsigned pte_rights(unsigned cap_rights)
{
    return (cap_rights & RIGHT_WRITE ? PTE_W : 0) | (cap_rights & RIGHT_READ ? PTE_R : 0);
}

/*
 * seL4: lookupPDPTSlot / lookupPDSlot / lookupPTSlot - the entry of level
 * `level` for vaddr, walking down from the VSpace root; NULL when a level
 * above holds no table, with *bits_left the vaddr bits not yet resolved
 * there (39 without a PDPT, 30 without a page directory, 21 without a page
 * table: seL4's FailedLookup detail).
 */
static pte_t *vs_lookup_slot(paddr_t root, word_t vaddr, unsigned level, word_t *bits_left)
{
    pte_t *e = &table(root)[index_at(vaddr, 3)];
    for (unsigned l = 3; l > level; l--) {
        if (!(*e & PTE_TABLE)) {
            *bits_left = level_shift(l);
            return NULL;
        }
        e = &table(PTE_PADDR(*e))[index_at(vaddr, l - 1)];
    }
    return e;
}

void vspace_init_object(paddr_t vspace)
{
    if (hw_vspace_create(vspace) == 0)
        hw_log("VSpace at 0x%lx: %s; mapping into it fails with NotEnoughMemory",
               (unsigned long)vspace, hw_refusal());
}

/* The final VSpace cap is going: its window goes, its paging structures stay as memory. */
void vspace_delete(paddr_t vspace)
{
    hw_vspace_destroy(vspace);
}

/* Is the VSpace named by a mapping record still the one it was made in? */
static bool mapping_live(cap_t cap)
{
    word_t gen = hw_vspace_generation(cap_mapped_vspace(cap));
    return gen != 0 && (gen & MASK(MAPPING_GEN_BITS)) == cap_mapped_gen(cap);
}

/* Unmap a frame cap's mapping if its entry still holds this frame (seL4: unmapPage). */
void unmap_frame_cap(cap_t cap)
{
    if (!cap_is_mapped(cap) || !mapping_live(cap))
        return;
    paddr_t vs = cap_mapped_vspace(cap);
    word_t vaddr = cap_mapped_vaddr(cap), left;
    unsigned bits = cap_frame_size_bits(cap);
    pte_t *e = vs_lookup_slot(vs, vaddr, frame_level(bits), &left);
    if (e && (*e & PTE_FRAME) && PTE_PADDR(*e) == cap_obj(cap)) {
        *e = 0;
        hw_unmap(vs, vaddr, bits);
        trace_map(false, vs, vaddr, cap_obj(cap), bits);
    }
}

/*
 * Take every frame mapping under table t (entries of level l, covering
 * vaddrs from base) out of the host window. A page table's 2 MiB go in one
 * call; empty tables cost the host nothing.
 */
static void hw_unmap_under(paddr_t vs, word_t base, paddr_t t, unsigned l)
{
    const pte_t *e = table(t);
    bool any = false;
    for (word_t i = 0; i < BIT(9); i++) {
        if (!e[i])
            continue;
        any = true;
        if (l == 0)
            break;
        word_t va = base + (i << level_shift(l));
        if (e[i] & PTE_FRAME)
            hw_unmap(vs, va, level_shift(l));
        else if (e[i] & PTE_TABLE)
            hw_unmap_under(vs, va, PTE_PADDR(e[i]), l - 1);
    }
    if (l == 0 && any)
        hw_unmap(vs, base, level_shift(1));
}

/*
 * Unmap a paging structure from its VSpace (seL4: unmapPageTable,
 * unmapPageDirectory, unmapPDPT) if the entry its cap records still holds
 * it. Everything mapped under it leaves the host window, and the structure
 * is cleared: the structures below it stay objects, their caps' mapping
 * records now name an entry that no longer reaches them (as on seL4).
 */
void unmap_table_cap(cap_t cap)
{
    if (!cap_is_mapped(cap) || !mapping_live(cap))
        return;
    paddr_t vs = cap_mapped_vspace(cap), obj = cap_obj(cap);
    word_t vaddr = cap_mapped_vaddr(cap), left;
    unsigned l = table_level(cap_type(cap));
    pte_t *e = vs_lookup_slot(vs, vaddr, l, &left);
    if (e && (*e & PTE_TABLE) && PTE_PADDR(*e) == obj) {
        *e = 0;
        hw_unmap_under(vs, vaddr, obj, l - 1);
        memset(table(obj), 0, TABLE_BYTES);
    }
}

/* Link a paging structure into vspace at boot (the boot code made it). */
void vspace_boot_table(paddr_t vspace, word_t vaddr, paddr_t t, unsigned level)
{
    word_t left;
    pte_t *e = vs_lookup_slot(vspace, vaddr, level, &left);
    kassert(e && *e == 0);
    *e = t | PTE_TABLE;
}

void vspace_boot_map(paddr_t vspace, word_t vaddr, paddr_t frame, unsigned size_bits,
                     unsigned rights)
{
    word_t left;
    pte_t *e = vs_lookup_slot(vspace, vaddr, frame_level(size_bits), &left);
    kassert(e != NULL);
    *e = frame | PTE_FRAME | (size_bits != MICA_PAGE_BITS ? PTE_LARGE : 0) | pte_rights(rights);
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

static exception_t failed_lookup(word_t bits_left, const char *op, word_t vaddr)
{
    user_error("%s: no paging structure covers vaddr 0x%lx (%lu bits left)", op,
               (unsigned long)vaddr, (unsigned long)bits_left);
    ks.syscall_error.type = MICA_FAILED_LOOKUP;
    ks.syscall_error.failed_lookup_was_source = 0;
    lookup_fault_missing_capability(bits_left);
    return EXCEPTION_SYSCALL_ERROR;
}

/*
 * seL4: decodeX86PageTableInvocation, decodeX86PageDirectoryInvocation,
 * decodeX86_64PDPTInvocation - one decoder for the three, which differ only
 * in the level they occupy.
 */
static exception_t decode_table(word_t label, word_t length, cte_t *slot, cap_t cap,
                                word_t *buffer)
{
    mica_cap_type_t t = cap_type(cap);
    unsigned l = table_level(t);
    word_t map_label = t == MICA_CAP_TYPE_PAGE_TABLE ? MICA_PAGE_TABLE_MAP
                     : t == MICA_CAP_TYPE_PAGE_DIRECTORY ? MICA_PAGE_DIRECTORY_MAP : MICA_PDPT_MAP;
    word_t unmap_label = t == MICA_CAP_TYPE_PAGE_TABLE ? MICA_PAGE_TABLE_UNMAP
                       : t == MICA_CAP_TYPE_PAGE_DIRECTORY ? MICA_PAGE_DIRECTORY_UNMAP
                                                            : MICA_PDPT_UNMAP;
    const char *map_name = mica_invocation_name(map_label);
    const char *unmap_name = mica_invocation_name(unmap_label);

    if (label == unmap_label) {
        /* Only the final cap unmaps, mapped or not. */
        if (!is_final_cap(slot)) {
            user_error("%s: other caps to this %s exist", unmap_name, mica_cap_type_name(t));
            ks.syscall_error.type = MICA_REVOKE_FIRST;
            return EXCEPTION_SYSCALL_ERROR;
        }
        set_thread_state(NODE.cur_thread, MICA_THREAD_RESTART);
        /*
         * seL4: performX86PageTableInvocationUnmap (and the PD/PDPT ones) -
         * unlink the structure if its VSpace still holds it, and clear it
         * whenever the cap was mapped, also when that VSpace or a level
         * above is gone: the structure then maps anywhere empty.
         */
        if (cap_is_mapped(cap)) {
            unmap_table_cap(cap);
            memset(table(cap_obj(cap)), 0, TABLE_BYTES);
        }
        slot->cap.word = 0;
        return EXCEPTION_NONE;
    }
    if (label != map_label) {
        user_error("%s: not a %s operation", mica_cap_type_name(t), mica_cap_type_name(t));
        ks.syscall_error.type = MICA_ILLEGAL_OPERATION;
        return EXCEPTION_SYSCALL_ERROR;
    }
    if (length < 2 || ks.extra_caps[0] == NULL) {
        user_error("%s: needs 2 words and a VSpace cap", map_name);
        ks.syscall_error.type = MICA_TRUNCATED_MESSAGE;
        return EXCEPTION_SYSCALL_ERROR;
    }
    if (cap_is_mapped(cap)) {
        /* The invoked cap (number 0) is the bad one. */
        user_error("%s: the %s is already mapped", map_name, mica_cap_type_name(t));
        ks.syscall_error.type = MICA_INVALID_CAPABILITY;
        ks.syscall_error.invalid_cap_number = 0;
        return EXCEPTION_SYSCALL_ERROR;
    }
    word_t vaddr = get_syscall_arg(0, buffer), left;
    cap_t vs = ks.extra_caps[0]->cap;
    if (cap_type(vs) != MICA_CAP_TYPE_VSPACE) {
        user_error("%s: the VSpace argument is not a VSpace cap", map_name);
        ks.syscall_error.type = MICA_INVALID_CAPABILITY;
        ks.syscall_error.invalid_cap_number = 1;
        return EXCEPTION_SYSCALL_ERROR;
    }
    if (vaddr >= VSPACE_TOP) {
        user_error("%s: vaddr 0x%lx is outside the VSpace (2^%u)", map_name, (unsigned long)vaddr,
                   MICA_VADDR_BITS);
        ks.syscall_error.type = MICA_INVALID_ARGUMENT;
        ks.syscall_error.invalid_argument_number = 0;
        return EXCEPTION_SYSCALL_ERROR;
    }
    paddr_t root = cap_obj(vs);
    pte_t *e = vs_lookup_slot(root, vaddr, l, &left);
    if (!e)
        return failed_lookup(left, map_name, vaddr);
    if (*e != 0) {
        user_error("%s: that 2^%u-byte region already holds a paging structure or a frame",
                   map_name, level_shift(l));
        ks.syscall_error.type = MICA_DELETE_FIRST;
        return EXCEPTION_SYSCALL_ERROR;
    }
    set_thread_state(NODE.cur_thread, MICA_THREAD_RESTART);
    *e = cap_obj(cap) | PTE_TABLE;
    vaddr &= ~MASK(level_shift(l));
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
        return bad_arg0("Page_Map: the frame would end above the VSpace (2^47)");
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
    /*
     * seL4: createSafeMappingEntries_PTE / _PDE / _PDPTE - the entry of the
     * frame's level; a level above without a table is FailedLookup. A frame
     * entry that holds a paging structure is DeleteFirst; a frame already
     * mapped there is replaced: its cap keeps its mapping record, and its
     * Unmap later finds another frame in the entry and leaves it
     * (unmap_frame_cap, seL4 unmapPage).
     */
    word_t left;
    pte_t *e = vs_lookup_slot(root, vaddr, frame_level(bits), &left);
    if (!e)
        return failed_lookup(left, "Page_Map", vaddr);
    if (*e & PTE_TABLE)
        return verr(MICA_DELETE_FIRST, "Page_Map: a paging structure occupies that region");
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
    *e = cap_obj(cap) | PTE_FRAME | (bits != MICA_PAGE_BITS ? PTE_LARGE : 0) | pte_rights(rights);
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
    case MICA_CAP_TYPE_PAGE_DIRECTORY:
    case MICA_CAP_TYPE_PDPT:
        return decode_table(label, length, slot, cap, buffer);
    default:
        return verr(MICA_ILLEGAL_OPERATION, "VSpace: a VSpace cap has no invocations");
    }
}
