/*
 * sel4test.h - what the seL4 test programs in this directory share: TAP
 * style checks, a slot and vaddr allocator over the boot info, and
 * threads with a stack mapped in the root VSpace. Written only against
 * <sel4/sel4.h> and the C library, as a seL4 root task would be, so each
 * program builds with `cc prog.c $(pkg-config --cflags --libs mica)` when
 * this file sits next to it.
 *
 * Each program is an seL4 root task, `int main(void)`, that prints one
 * "ok N - ..." or "not ok N - ..." line per check and returns 0 only when
 * every check passed.
 */
#ifndef SEL4TEST_H
#define SEL4TEST_H

#include <stdio.h>
#include <sel4/sel4.h>

/* --- checks ----------------------------------------------------------------- */

static int st_checks, st_failed;

static const char *st_error_name(seL4_Word e)
{
    static const char *const names[] = {
        "seL4_NoError", "seL4_InvalidArgument", "seL4_InvalidCapability",
        "seL4_IllegalOperation", "seL4_RangeError", "seL4_AlignmentError",
        "seL4_FailedLookup", "seL4_TruncatedMessage", "seL4_DeleteFirst",
        "seL4_RevokeFirst", "seL4_NotEnoughMemory",
    };
    return e < sizeof names / sizeof names[0] ? names[e] : "(not an seL4_Error)";
}

static inline int st_report(int ok, const char *what, int line)
{
    st_checks++;
    if (!ok)
        st_failed++;
    printf("%s %d - %s%s", ok ? "ok" : "not ok", st_checks, what, ok ? "\n" : "");
    if (!ok)
        printf(" (line %d)\n", line);
    fflush(stdout);
    return ok;
}

/* CHECK(condition, "what it means") */
#define CHECK(cond, what) st_report(!!(cond), (what), __LINE__)

/* CHECK_EQ(a, b, "what"): two words, both printed when they differ. */
#define CHECK_EQ(a, b, what) do { \
        seL4_Word st_a_ = (seL4_Word)(a), st_b_ = (seL4_Word)(b); \
        if (!st_report(st_a_ == st_b_, (what), __LINE__)) \
            printf("#   got %#lx, want %#lx\n", (unsigned long)st_a_, (unsigned long)st_b_); \
    } while (0)

/* CHECK_ERR(invocation, seL4_Error wanted, "what") */
#define CHECK_ERR(expr, want, what) do { \
        seL4_Word st_e_ = (seL4_Word)(expr); \
        if (!st_report(st_e_ == (seL4_Word)(want), (what), __LINE__)) \
            printf("#   got %s, want %s\n", st_error_name(st_e_), st_error_name(want)); \
    } while (0)

/* The end of main: the TAP plan, and 0 only when every check passed. */
static inline int st_done(void)
{
    printf("1..%d\n", st_checks);
    if (st_failed)
        printf("# %d of %d checks failed\n", st_failed, st_checks);
    fflush(stdout);
    return st_failed ? 1 : 0;
}

/*
 * What seL4_DebugCapIdentify returns: the capType tags of seL4's x86_64
 * kernel (structures.bf), which libsel4 does not name.
 */
enum {
    ST_CAP_NULL = 0, ST_CAP_UNTYPED = 2, ST_CAP_ENDPOINT = 4, ST_CAP_NOTIFICATION = 6,
    ST_CAP_REPLY = 8, ST_CAP_CNODE = 10, ST_CAP_THREAD = 12, ST_CAP_IRQ_CONTROL = 14,
    ST_CAP_IRQ_HANDLER = 16, ST_CAP_FRAME = 1, ST_CAP_PAGE_TABLE = 3, ST_CAP_PML4 = 9,
};

/* --- slots and objects -------------------------------------------------------- */

static seL4_BootInfo *st_bi;
static seL4_CPtr st_next_slot;
static seL4_Word st_next_vaddr;

/* First free vaddr of the root VSpace used by these programs (mica leaves it empty). */
#define ST_FREE_VADDR 0x10000000ul
#define ST_PAGE (1ul << seL4_PageBits)

static inline void st_init(void)
{
    st_bi = seL4_GetBootInfo();
    st_next_slot = st_bi->empty.start;
    st_next_vaddr = ST_FREE_VADDR;
}

static inline seL4_CPtr st_slot(void)
{
    return st_next_slot++;
}

/* The largest RAM untyped of the boot info. */
static inline seL4_CPtr st_untyped(void)
{
    seL4_CPtr best = 0;
    seL4_Word best_bits = 0;
    for (seL4_CPtr u = st_bi->untyped.start; u < st_bi->untyped.end; u++) {
        const seL4_UntypedDesc *d = &st_bi->untypedList[u - st_bi->untyped.start];
        if (!d->isDevice && d->sizeBits > best_bits) {
            best_bits = d->sizeBits;
            best = u;
        }
    }
    return best;
}

/* One object of type into a fresh slot of the root CNode; 0 if that failed. */
static inline seL4_CPtr st_make(seL4_Word type, seL4_Word size_bits)
{
    seL4_CPtr slot = st_slot();
    seL4_Error e = seL4_Untyped_Retype(st_untyped(), type, size_bits, seL4_CapInitThreadCNode,
                                      0, 0, slot, 1);
    if (e != seL4_NoError) {
        printf("# retype of object type %lu failed: %s\n", (unsigned long)type, st_error_name(e));
        return 0;
    }
    return slot;
}

/*
 * Map frame at vaddr of the root VSpace, making the paging levels it lacks:
 * the usual seL4 pattern of asking seL4_MappingFailedLookupLevel() which
 * level is missing.
 */
static inline seL4_Error st_map(seL4_CPtr frame, seL4_Word vaddr, seL4_CapRights_t rights)
{
    for (;;) {
        seL4_Error e = seL4_X86_Page_Map(frame, seL4_CapInitThreadVSpace, vaddr, rights,
                                         seL4_X86_Default_VMAttributes);
        if (e != seL4_FailedLookup)
            return e;
        seL4_Word level = seL4_MappingFailedLookupLevel();
        seL4_CPtr t = st_make(level == SEL4_MAPPING_LOOKUP_NO_PDPT ? seL4_X86_PDPTObject
                              : level == SEL4_MAPPING_LOOKUP_NO_PD ? seL4_X86_PageDirectoryObject
                              : seL4_X86_PageTableObject, 0);
        if (!t)
            return seL4_NotEnoughMemory;
        if (level == SEL4_MAPPING_LOOKUP_NO_PDPT)
            e = seL4_X86_PDPT_Map(t, seL4_CapInitThreadVSpace, vaddr, seL4_X86_Default_VMAttributes);
        else if (level == SEL4_MAPPING_LOOKUP_NO_PD)
            e = seL4_X86_PageDirectory_Map(t, seL4_CapInitThreadVSpace, vaddr,
                                           seL4_X86_Default_VMAttributes);
        else
            e = seL4_X86_PageTable_Map(t, seL4_CapInitThreadVSpace, vaddr,
                                       seL4_X86_Default_VMAttributes);
        if (e != seL4_NoError)
            return e;
    }
}

/* n pages of free vaddrs, with an unmapped guard page below them. */
static inline seL4_Word st_vaddr(seL4_Word pages)
{
    seL4_Word v = st_next_vaddr + ST_PAGE;
    st_next_vaddr = v + pages * ST_PAGE;
    return v;
}

/* --- threads ------------------------------------------------------------------ */

#define ST_STACK_PAGES 16

typedef struct {
    seL4_CPtr tcb;
    seL4_CPtr ipc_frame;
    seL4_Word ipc_vaddr;
    seL4_Word stack_top;        /* a vaddr of the root VSpace */
} st_thread_t;

/*
 * A thread in the root task's CSpace and VSpace: a TCB, an IPC buffer frame
 * and ST_STACK_PAGES of stack mapped in the root VSpace, priority prio, faults
 * to fault_ep (a CPtr in the root CSpace, or seL4_CapNull). 0 on success.
 */
static inline int st_thread_new(st_thread_t *t, seL4_CPtr fault_ep, seL4_Word prio)
{
    t->tcb = st_make(seL4_TCBObject, 0);
    t->ipc_frame = st_make(seL4_X86_4K, 0);
    if (!t->tcb || !t->ipc_frame)
        return -1;
    t->ipc_vaddr = st_vaddr(1);
    if (st_map(t->ipc_frame, t->ipc_vaddr, seL4_ReadWrite) != seL4_NoError)
        return -1;
    seL4_Word stack = st_vaddr(ST_STACK_PAGES);
    for (int i = 0; i < ST_STACK_PAGES; i++) {
        seL4_CPtr f = st_make(seL4_X86_4K, 0);
        if (!f || st_map(f, stack + i * ST_PAGE, seL4_ReadWrite) != seL4_NoError)
            return -1;
    }
    t->stack_top = stack + ST_STACK_PAGES * ST_PAGE;
    if (seL4_TCB_Configure(t->tcb, fault_ep, seL4_CapInitThreadCNode, 0, seL4_CapInitThreadVSpace,
                           0, t->ipc_vaddr, t->ipc_frame) != seL4_NoError)
        return -1;
    if (seL4_TCB_SetPriority(t->tcb, seL4_CapInitThreadTCB, prio) != seL4_NoError)
        return -1;
    return 0;
}

/* The registers that start a thread at fn(a0, a1, a2) on stack_top (System V: rdi, rsi, rdx). */
static inline seL4_UserContext st_entry_regs(seL4_Word stack_top, seL4_Word fn, seL4_Word a0, seL4_Word a1,
                                      seL4_Word a2)
{
    seL4_UserContext regs = { 0 };
    regs.rip = fn;
    regs.rsp = stack_top;
    regs.rdi = a0;
    regs.rsi = a1;
    regs.rdx = a2;
    return regs;
}

/* Start t at fn(a0, a1, a2), fn given as (seL4_Word)function. */
static inline seL4_Error st_thread_start(const st_thread_t *t, seL4_Word fn, seL4_Word a0, seL4_Word a1,
                                  seL4_Word a2)
{
    seL4_UserContext regs = st_entry_regs(t->stack_top, fn, a0, a1, a2);
    return seL4_TCB_WriteRegisters(t->tcb, 1, 0, sizeof regs / sizeof(seL4_Word), &regs);
}

#endif /* SEL4TEST_H */
