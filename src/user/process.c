/*
 * process.c - a thread with its own CSpace and VSpace (include/mica/user.h),
 * as sel4utils_configure_process does on seL4, much reduced.
 *
 *   its CNode (2^bits slots, guard 64 - bits: slot n is CPtr n at depth 64)
 *     1 TCB   2 CNode   3 VSpace   4 fault endpoint   8.. mica_process_give
 *   its VSpace
 *     0x1000 IPC buffer, [STACK_TOP - stack, STACK_TOP) stack, one page
 *     table for [0, 2 MiB); MICA_ROOT_FREE_VADDR and up free
 *
 * Code and globals are the host program's, shared with every task; what is
 * the process's own is its capabilities, its stack and whatever it maps.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <mica/mica.h>
#include <mica/user.h>
#include "env.h"

#define PAGE (1ul << MICA_PAGE_BITS)
#define MAX_STACK_PAGES 250ul       /* between the IPC buffer and STACK_TOP, with a guard */

static mica_error_t fail(mica_env_t *env, mica_error_t err, const char *what)
{
    mica_env_fail(env, err, 0, "mica_process_create: %s: %s", what, mica_error_name(err));
    return err;
}

mica_error_t mica_process_create(mica_env_t *env, const mica_process_config_t *cfg,
                                 mica_process_t *p)
{
    mica_error_t err;
    memset(p, 0, sizeof *p);
    p->cnode_bits = cfg->cnode_bits ? cfg->cnode_bits : MICA_PROCESS_DEFAULT_CNODE_BITS;
    p->stack_pages = cfg->stack_pages ? cfg->stack_pages : MICA_PROCESS_DEFAULT_STACK_PAGES;
    if (p->stack_pages > MAX_STACK_PAGES || p->cnode_bits < 4 || p->cnode_bits > 24)
        return fail(env, MICA_INVALID_ARGUMENT, "stack_pages above 250 or cnode_bits outside 4..24");
    uint8_t bits = (uint8_t)p->cnode_bits;
    mica_word_t guard = mica_cnode_capdata_new(0, MICA_WORD_BITS - bits);

    if (!(p->cnode = mica_env_make(env, MICA_CNODE_OBJECT, bits)) ||
        !(p->vspace = mica_env_make(env, MICA_VSPACE_OBJECT, 0)) ||
        !(p->pdpt = mica_env_make(env, MICA_PDPT_OBJECT, 0)) ||
        !(p->page_directory = mica_env_make(env, MICA_PAGE_DIRECTORY_OBJECT, 0)) ||
        !(p->page_table = mica_env_make(env, MICA_PAGE_TABLE_OBJECT, 0)) ||
        !(p->tcb = mica_env_make(env, MICA_TCB_OBJECT, 0)) ||
        !(p->ipc_frame = mica_env_make(env, MICA_FRAME_OBJECT, 0)) ||
        !(p->stack_frames = mica_env_make_n(env, MICA_FRAME_OBJECT, 0, p->stack_pages)))
        return env->error;

    /* The address space: PDPT, page directory and page table at 0, IPC buffer, stack. */
    err = mica_pdpt_map(p->pdpt, p->vspace, 0, MICA_DEFAULT_VM_ATTRIBUTES);
    if (err == MICA_NO_ERROR)
        err = mica_page_directory_map(p->page_directory, p->vspace, 0, MICA_DEFAULT_VM_ATTRIBUTES);
    if (err == MICA_NO_ERROR)
        err = mica_page_table_map(p->page_table, p->vspace, 0, MICA_DEFAULT_VM_ATTRIBUTES);
    if (err == MICA_NO_ERROR)
        err = mica_page_map(p->ipc_frame, p->vspace, MICA_PROCESS_IPC_BUFFER_VADDR, MICA_READ_WRITE,
                            MICA_DEFAULT_VM_ATTRIBUTES);
    mica_word_t stack_base = MICA_PROCESS_STACK_TOP - p->stack_pages * PAGE;
    for (mica_word_t i = 0; err == MICA_NO_ERROR && i < p->stack_pages; i++)
        err = mica_page_map(p->stack_frames + i, p->vspace, stack_base + i * PAGE, MICA_READ_WRITE,
                            MICA_DEFAULT_VM_ATTRIBUTES);
    if (err != MICA_NO_ERROR)
        return fail(env, err, "mapping its page table, IPC buffer and stack");

    /* Its own caps, addressed from the caller through the unguarded cap at depth bits. */
    err = mica_cnode_copy(p->cnode, MICA_PROCESS_CAP_TCB, bits, MICA_CAP_INIT_CNODE, p->tcb,
                          MICA_WORD_BITS, MICA_ALL_RIGHTS);
    if (err == MICA_NO_ERROR)
        err = mica_cnode_mint(p->cnode, MICA_PROCESS_CAP_CNODE, bits, MICA_CAP_INIT_CNODE, p->cnode,
                              MICA_WORD_BITS, MICA_ALL_RIGHTS, guard);
    if (err == MICA_NO_ERROR)
        err = mica_cnode_copy(p->cnode, MICA_PROCESS_CAP_VSPACE, bits, MICA_CAP_INIT_CNODE,
                              p->vspace, MICA_WORD_BITS, MICA_ALL_RIGHTS);
    mica_cptr_t fault_cptr = 0;
    if (err == MICA_NO_ERROR && cfg->fault_ep) {
        fault_cptr = MICA_PROCESS_CAP_FAULT_EP;
        if (cfg->fault_badge)
            err = mica_cnode_mint(p->cnode, fault_cptr, bits, MICA_CAP_INIT_CNODE, cfg->fault_ep,
                                  MICA_WORD_BITS, MICA_ALL_RIGHTS, cfg->fault_badge);
        else
            err = mica_cnode_copy(p->cnode, fault_cptr, bits, MICA_CAP_INIT_CNODE, cfg->fault_ep,
                                  MICA_WORD_BITS, MICA_ALL_RIGHTS);
    }
    if (err == MICA_NO_ERROR)
        err = mica_tcb_configure(p->tcb, fault_cptr, p->cnode, guard, p->vspace, 0,
                                 MICA_PROCESS_IPC_BUFFER_VADDR, p->ipc_frame);
    if (err == MICA_NO_ERROR)
        err = mica_tcb_set_priority(p->tcb, MICA_CAP_INIT_TCB, cfg->prio);
    if (err != MICA_NO_ERROR)
        return fail(env, err, "its caps, TCB configuration or priority");
    if (cfg->name)
        mica_debug_name_thread(p->tcb, cfg->name);
    p->next_slot = MICA_PROCESS_FIRST_FREE;
    return MICA_NO_ERROR;
}

/* Record in *why (if any) that step failed with err; the details are the MRs it left. */
static void why_set(mica_process_error_t *why, mica_error_t err, const char *step,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void why_set(mica_process_error_t *why, mica_error_t err, const char *step,
                    const char *fmt, ...)
{
    if (!why)
        return;
    memset(why, 0, sizeof *why);
    why->error = err;
    why->step = step;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why->text, sizeof why->text, fmt, ap);
    va_end(ap);
}

/* A few words on what seL4's error means for a copy into p's CSpace. */
static const char *give_hint(mica_error_t err, mica_word_t mr0, mica_cptr_t cap, char *buf,
                             size_t n)
{
    switch (err) {
    case MICA_FAILED_LOOKUP:
        if (mr0)
            snprintf(buf, n, " (the caller's slot %" MICA_PRIuWORD " is empty)", cap);
        else
            snprintf(buf, n, " (its CSpace cannot be reached: was the process destroyed?)");
        return buf;
    case MICA_INVALID_CAPABILITY:
        return " (its CNode cap is not a CNode: was the process created?)";
    case MICA_DELETE_FIRST:
        return " (that slot of its CSpace is not empty)";
    case MICA_ILLEGAL_OPERATION:
    case MICA_INVALID_ARGUMENT:
        return " (the cap cannot be copied or badged like this)";
    default:
        return "";
    }
}

mica_cptr_t mica_process_give_ex(mica_process_t *p, mica_cptr_t cap, mica_cap_rights_t rights,
                                 mica_word_t badge, mica_process_error_t *why)
{
    mica_word_t slot = p->next_slot;
    uint8_t bits = (uint8_t)p->cnode_bits;
    if (bits == 0 || bits >= MICA_WORD_BITS || slot >= (1ul << bits)) {
        if (bits == 0 || bits >= MICA_WORD_BITS)
            why_set(why, MICA_INVALID_ARGUMENT, "no CSpace",
                    "mica_process_give: the process has no CSpace (was it created?)");
        else
            why_set(why, MICA_RANGE_ERROR, "its CSpace is full",
                    "mica_process_give: its CSpace is full (%lu slots)", 1ul << bits);
        return 0;
    }
    const char *step = badge ? "CNode_Mint" : "CNode_Copy";
    mica_error_t err = badge
        ? mica_cnode_mint(p->cnode, slot, bits, MICA_CAP_INIT_CNODE, cap, MICA_WORD_BITS, rights,
                          badge)
        : mica_cnode_copy(p->cnode, slot, bits, MICA_CAP_INIT_CNODE, cap, MICA_WORD_BITS, rights);
    if (err != MICA_NO_ERROR) {
        mica_word_t mr0 = mica_get_mr(0), mr1 = mica_get_mr(1);
        char hint[96];
        why_set(why, err, step,
                "mica_process_give: %s of the caller's slot %" MICA_PRIuWORD
                " into its slot %" MICA_PRIuWORD ": %s%s",
                step, cap, slot, mica_error_name(err), give_hint(err, mr0, cap, hint, sizeof hint));
        if (why) {
            why->detail[0] = mr0;
            why->detail[1] = mr1;
        }
        return 0;
    }
    if (why)
        memset(why, 0, sizeof *why);
    p->next_slot++;
    return slot;
}

mica_cptr_t mica_process_give(mica_process_t *p, mica_cptr_t cap, mica_cap_rights_t rights,
                              mica_word_t badge)
{
    return mica_process_give_ex(p, cap, rights, badge, NULL);
}

mica_error_t mica_process_start_ex(const mica_process_t *p, mica_entry_fn entry, mica_word_t r0,
                                   mica_word_t r1, mica_word_t r2, mica_word_t r3,
                                   mica_process_error_t *why)
{
    mica_user_context_t regs = { 0 };
    regs.pc = (mica_word_t)entry;
    regs.sp = MICA_PROCESS_STACK_TOP;
    regs.r0 = r0;
    regs.r1 = r1;
    regs.r2 = r2;
    regs.r3 = r3;
    mica_error_t err = mica_tcb_write_registers(p->tcb, 1, 0, 6, &regs);
    if (err != MICA_NO_ERROR) {
        why_set(why, err, "TCB_WriteRegisters",
                "mica_process_start: TCB_WriteRegisters on its TCB (the caller's slot %"
                MICA_PRIuWORD "): %s%s", p->tcb, mica_error_name(err),
                err == MICA_INVALID_CAPABILITY
                    ? " (that slot holds no TCB: was the process created, and not destroyed?)"
                    : "");
        if (why) {
            why->detail[0] = mica_get_mr(0);
            why->detail[1] = mica_get_mr(1);
        }
        return err;
    }
    if (why)
        memset(why, 0, sizeof *why);
    return err;
}

mica_error_t mica_process_start(const mica_process_t *p, mica_entry_fn entry, mica_word_t r0,
                                mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    return mica_process_start_ex(p, entry, r0, r1, r2, r3, NULL);
}

void mica_process_destroy(mica_env_t *env, mica_process_t *p)
{
    uint8_t bits = (uint8_t)p->cnode_bits;
    /* Its caps to itself first (the CNode's cap to itself would keep it alive). */
    for (mica_word_t slot = MICA_PROCESS_CAP_TCB; slot <= MICA_PROCESS_CAP_VSPACE; slot++)
        mica_cnode_delete(p->cnode, slot, bits);
    /* The TCB holds copies of the CNode and VSpace caps: it goes before them. */
    mica_env_slot_free(env, p->tcb);
    mica_env_slot_free(env, p->cnode);
    mica_env_slot_free(env, p->vspace);
    mica_env_slot_free(env, p->page_table);
    mica_env_slot_free(env, p->page_directory);
    mica_env_slot_free(env, p->pdpt);
    mica_env_slot_free(env, p->ipc_frame);
    for (mica_word_t i = p->stack_pages; i-- > 0;)
        mica_env_slot_free(env, p->stack_frames + i);
    memset(p, 0, sizeof *p);
}
