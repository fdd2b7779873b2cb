/*
 * invocations.c - typed invocation stubs (libsel4's generated object API).
 *
 * Each stub puts its arguments in MR0.. and its extra caps in the IPC
 * buffer, Calls the invoked cap, and returns the reply's label, which the
 * kernel sets to the error code. MR0..MR3 travel in registers; only longer
 * messages and caps touch the IPC buffer. As libsel4's generated stubs
 * (syscall_stub_gen.py) do, MR0..MR3 of the reply are copied into the IPC
 * buffer only when the invocation failed, where they are the error's
 * details (mica_get_mr(0..3)); after a success the buffer's first four
 * words are as the task left them.
 */
#include <mica/mica.h>
#include "env.h"

/* Call cap with label and n message words (and the caps already set); MR0..MR3 back in mr[]. */
static mica_error_t invoke(mica_cptr_t cap, mica_word_t label, unsigned ncaps, unsigned n,
                           mica_word_t *mr)
{
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    if (!b && n > 4)
        n = 4;      /* no buffer: the kernel sees only the register MRs */
    for (unsigned i = 4; i < n; i++)
        b->msg[i] = mr[i];
    mica_msginfo_t tag = mica_msginfo_new(label, 0, ncaps, n);
    /* For the log: a stub's label sent to an endpoint is then called out as a likely mistake. */
    int marked = mica_user_tracing();
    if (marked)
        mica_user_mark_call(MICA_USER_MARK_INVOCATION | mica_user_marks());
    mica_msginfo_t out = mica_call_with_mrs(cap, tag, &mr[0], &mr[1], &mr[2], &mr[3]);
    if (marked)
        mica_user_mark_call(0);
    mica_error_t e = (mica_error_t)mica_msginfo_get_label(out);
    /* The error's details are MRs: make them visible to mica_get_mr (results stay in mr[]). */
    if (e != MICA_NO_ERROR && b)
        for (unsigned i = 0; i < 4; i++)
            b->msg[i] = mr[i];
    return e;
}

mica_error_t mica_untyped_retype(mica_cptr_t ut, mica_word_t type, mica_word_t size_bits,
                                 mica_cptr_t root, mica_word_t node_index, mica_word_t node_depth,
                                 mica_word_t node_offset, mica_word_t num_objects)
{
    mica_word_t mr[6] = { type, size_bits, node_index, node_depth, node_offset, num_objects };
    mica_set_cap(0, root);
    return invoke(ut, MICA_UNTYPED_RETYPE, 1, 6, mr);
}

mica_error_t mica_cnode_copy(mica_cptr_t root, mica_word_t dest_index, uint8_t dest_depth,
                             mica_cptr_t src_root, mica_word_t src_index, uint8_t src_depth,
                             mica_cap_rights_t rights)
{
    mica_word_t mr[5] = { dest_index, dest_depth, src_index, src_depth, rights.words[0] };
    mica_set_cap(0, src_root);
    return invoke(root, MICA_CNODE_COPY, 1, 5, mr);
}

mica_error_t mica_cnode_mint(mica_cptr_t root, mica_word_t dest_index, uint8_t dest_depth,
                             mica_cptr_t src_root, mica_word_t src_index, uint8_t src_depth,
                             mica_cap_rights_t rights, mica_word_t badge)
{
    mica_word_t mr[6] = { dest_index, dest_depth, src_index, src_depth, rights.words[0], badge };
    mica_set_cap(0, src_root);
    return invoke(root, MICA_CNODE_MINT, 1, 6, mr);
}

mica_error_t mica_cnode_move(mica_cptr_t root, mica_word_t dest_index, uint8_t dest_depth,
                             mica_cptr_t src_root, mica_word_t src_index, uint8_t src_depth)
{
    mica_word_t mr[4] = { dest_index, dest_depth, src_index, src_depth };
    mica_set_cap(0, src_root);
    return invoke(root, MICA_CNODE_MOVE, 1, 4, mr);
}

mica_error_t mica_cnode_mutate(mica_cptr_t root, mica_word_t dest_index, uint8_t dest_depth,
                               mica_cptr_t src_root, mica_word_t src_index, uint8_t src_depth,
                               mica_word_t badge)
{
    mica_word_t mr[5] = { dest_index, dest_depth, src_index, src_depth, badge };
    mica_set_cap(0, src_root);
    return invoke(root, MICA_CNODE_MUTATE, 1, 5, mr);
}

mica_error_t mica_cnode_rotate(mica_cptr_t root, mica_word_t dest_index, uint8_t dest_depth,
                               mica_word_t dest_badge, mica_cptr_t pivot_root,
                               mica_word_t pivot_index, uint8_t pivot_depth,
                               mica_word_t pivot_badge, mica_cptr_t src_root,
                               mica_word_t src_index, uint8_t src_depth)
{
    mica_word_t mr[8] = { dest_index, dest_depth, dest_badge, pivot_index,
                          pivot_depth, pivot_badge, src_index, src_depth };
    mica_set_cap(0, pivot_root);
    mica_set_cap(1, src_root);
    return invoke(root, MICA_CNODE_ROTATE, 2, 8, mr);
}

static mica_error_t cnode_slot_op(mica_cptr_t root, mica_word_t label, mica_word_t index,
                                  uint8_t depth)
{
    mica_word_t mr[4] = { index, depth };
    return invoke(root, label, 0, 2, mr);
}

mica_error_t mica_cnode_delete(mica_cptr_t root, mica_word_t index, uint8_t depth)
{
    return cnode_slot_op(root, MICA_CNODE_DELETE, index, depth);
}

mica_error_t mica_cnode_revoke(mica_cptr_t root, mica_word_t index, uint8_t depth)
{
    return cnode_slot_op(root, MICA_CNODE_REVOKE, index, depth);
}

mica_error_t mica_cnode_save_caller(mica_cptr_t root, mica_word_t index, uint8_t depth)
{
    return cnode_slot_op(root, MICA_CNODE_SAVE_CALLER, index, depth);
}

mica_error_t mica_cnode_cancel_badged_sends(mica_cptr_t root, mica_word_t index, uint8_t depth)
{
    return cnode_slot_op(root, MICA_CNODE_CANCEL_BADGED_SENDS, index, depth);
}

mica_error_t mica_tcb_configure(mica_cptr_t tcb, mica_cptr_t fault_ep, mica_cptr_t cspace_root,
                                mica_word_t cspace_root_data, mica_cptr_t vspace_root,
                                mica_word_t vspace_root_data, mica_word_t buffer_vaddr,
                                mica_cptr_t buffer_frame)
{
    mica_word_t mr[4] = { fault_ep, cspace_root_data, vspace_root_data, buffer_vaddr };
    mica_set_cap(0, cspace_root);
    mica_set_cap(1, vspace_root);
    mica_set_cap(2, buffer_frame);
    return invoke(tcb, MICA_TCB_CONFIGURE, 3, 4, mr);
}

mica_error_t mica_tcb_set_priority(mica_cptr_t tcb, mica_cptr_t authority, mica_word_t prio)
{
    mica_word_t mr[4] = { prio };
    mica_set_cap(0, authority);
    return invoke(tcb, MICA_TCB_SET_PRIORITY, 1, 1, mr);
}

mica_error_t mica_tcb_set_mc_priority(mica_cptr_t tcb, mica_cptr_t authority, mica_word_t mcp)
{
    mica_word_t mr[4] = { mcp };
    mica_set_cap(0, authority);
    return invoke(tcb, MICA_TCB_SET_MC_PRIORITY, 1, 1, mr);
}

mica_error_t mica_tcb_set_sched_params(mica_cptr_t tcb, mica_cptr_t authority, mica_word_t mcp,
                                       mica_word_t prio)
{
    mica_word_t mr[4] = { mcp, prio };
    mica_set_cap(0, authority);
    return invoke(tcb, MICA_TCB_SET_SCHED_PARAMS, 1, 2, mr);
}

mica_error_t mica_tcb_set_space(mica_cptr_t tcb, mica_cptr_t fault_ep, mica_cptr_t cspace_root,
                                mica_word_t cspace_root_data, mica_cptr_t vspace_root,
                                mica_word_t vspace_root_data)
{
    mica_word_t mr[4] = { fault_ep, cspace_root_data, vspace_root_data };
    mica_set_cap(0, cspace_root);
    mica_set_cap(1, vspace_root);
    return invoke(tcb, MICA_TCB_SET_SPACE, 2, 3, mr);
}

mica_error_t mica_tcb_set_ipc_buffer(mica_cptr_t tcb, mica_word_t buffer_vaddr,
                                     mica_cptr_t buffer_frame)
{
    mica_word_t mr[4] = { buffer_vaddr };
    mica_set_cap(0, buffer_frame);
    return invoke(tcb, MICA_TCB_SET_IPC_BUFFER, 1, 1, mr);
}

mica_error_t mica_tcb_resume(mica_cptr_t tcb)
{
    return invoke(tcb, MICA_TCB_RESUME, 0, 0, (mica_word_t[4]){ 0 });
}

mica_error_t mica_tcb_suspend(mica_cptr_t tcb)
{
    return invoke(tcb, MICA_TCB_SUSPEND, 0, 0, (mica_word_t[4]){ 0 });
}

mica_error_t mica_tcb_read_registers(mica_cptr_t tcb, bool suspend_source, uint8_t arch_flags,
                                     mica_word_t count, mica_user_context_t *regs)
{
    mica_word_t mr[MICA_USER_CONTEXT_WORDS + 4] = { (mica_word_t)arch_flags << 8 | suspend_source,
                                                    count };
    mica_error_t e = invoke(tcb, MICA_TCB_READ_REGISTERS, 0, 2, mr);
    if (e != MICA_NO_ERROR)
        return e;
    mica_word_t *out = (mica_word_t *)regs;
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    for (mica_word_t i = 0; i < count && i < MICA_USER_CONTEXT_WORDS; i++)
        out[i] = i < 4 ? mr[i] : b->msg[i];
    return e;
}

mica_error_t mica_tcb_write_registers(mica_cptr_t tcb, bool resume_target, uint8_t arch_flags,
                                      mica_word_t count, const mica_user_context_t *regs)
{
    mica_word_t mr[MICA_USER_CONTEXT_WORDS + 2];
    const mica_word_t *in = (const mica_word_t *)regs;
    if (count > MICA_USER_CONTEXT_WORDS)
        count = MICA_USER_CONTEXT_WORDS;
    mr[0] = (mica_word_t)arch_flags << 8 | resume_target;
    mr[1] = count;
    for (mica_word_t i = 0; i < count; i++)
        mr[2 + i] = in[i];
    return invoke(tcb, MICA_TCB_WRITE_REGISTERS, 0, (unsigned)(2 + count), mr);
}

mica_error_t mica_tcb_copy_registers(mica_cptr_t tcb, mica_cptr_t source, bool suspend_source,
                                     bool resume_target, bool transfer_frame,
                                     bool transfer_integer, uint8_t arch_flags)
{
    mica_word_t mr[4] = { (mica_word_t)arch_flags << 8 | (mica_word_t)transfer_integer << 3 |
                          (mica_word_t)transfer_frame << 2 | (mica_word_t)resume_target << 1 |
                          suspend_source };
    mica_set_cap(0, source);
    return invoke(tcb, MICA_TCB_COPY_REGISTERS, 1, 1, mr);
}

mica_error_t mica_tcb_bind_notification(mica_cptr_t tcb, mica_cptr_t ntfn)
{
    mica_set_cap(0, ntfn);
    return invoke(tcb, MICA_TCB_BIND_NOTIFICATION, 1, 0, (mica_word_t[4]){ 0 });
}

mica_error_t mica_tcb_unbind_notification(mica_cptr_t tcb)
{
    return invoke(tcb, MICA_TCB_UNBIND_NOTIFICATION, 0, 0, (mica_word_t[4]){ 0 });
}

mica_error_t mica_tcb_set_affinity(mica_cptr_t tcb, mica_word_t cpu)
{
    mica_word_t mr[4] = { cpu };
    return invoke(tcb, MICA_TCB_SET_AFFINITY, 0, 1, mr);
}

mica_error_t mica_tcb_set_tls_base(mica_cptr_t tcb, mica_word_t tls_base)
{
    mica_word_t mr[4] = { tls_base };
    return invoke(tcb, MICA_TCB_SET_TLS_BASE, 0, 1, mr);
}

/* The three paging structures' Map: (vaddr, attr) and the VSpace as extra cap 0. */
static mica_error_t table_map(mica_cptr_t table, mica_word_t label, mica_cptr_t vspace,
                              mica_word_t vaddr, mica_word_t attr)
{
    mica_word_t mr[4] = { vaddr, attr };
    mica_set_cap(0, vspace);
    return invoke(table, label, 1, 2, mr);
}

mica_error_t mica_page_table_map(mica_cptr_t pt, mica_cptr_t vspace, mica_word_t vaddr,
                                 mica_word_t attr)
{
    return table_map(pt, MICA_PAGE_TABLE_MAP, vspace, vaddr, attr);
}

mica_error_t mica_page_table_unmap(mica_cptr_t pt)
{
    return invoke(pt, MICA_PAGE_TABLE_UNMAP, 0, 0, (mica_word_t[4]){ 0 });
}

mica_error_t mica_page_directory_map(mica_cptr_t pd, mica_cptr_t vspace, mica_word_t vaddr,
                                     mica_word_t attr)
{
    return table_map(pd, MICA_PAGE_DIRECTORY_MAP, vspace, vaddr, attr);
}

mica_error_t mica_page_directory_unmap(mica_cptr_t pd)
{
    return invoke(pd, MICA_PAGE_DIRECTORY_UNMAP, 0, 0, (mica_word_t[4]){ 0 });
}

mica_error_t mica_pdpt_map(mica_cptr_t pdpt, mica_cptr_t vspace, mica_word_t vaddr,
                           mica_word_t attr)
{
    return table_map(pdpt, MICA_PDPT_MAP, vspace, vaddr, attr);
}

mica_error_t mica_pdpt_unmap(mica_cptr_t pdpt)
{
    return invoke(pdpt, MICA_PDPT_UNMAP, 0, 0, (mica_word_t[4]){ 0 });
}

mica_error_t mica_page_map(mica_cptr_t frame, mica_cptr_t vspace, mica_word_t vaddr,
                           mica_cap_rights_t rights, mica_word_t attr)
{
    mica_word_t mr[4] = { vaddr, rights.words[0], attr };
    mica_set_cap(0, vspace);
    return invoke(frame, MICA_PAGE_MAP, 1, 3, mr);
}

mica_error_t mica_page_unmap(mica_cptr_t frame)
{
    return invoke(frame, MICA_PAGE_UNMAP, 0, 0, (mica_word_t[4]){ 0 });
}

mica_page_get_address_t mica_page_get_address(mica_cptr_t frame)
{
    mica_word_t mr[4] = { 0 };
    mica_page_get_address_t r;
    r.error = invoke(frame, MICA_PAGE_GET_ADDRESS, 0, 0, mr);
    r.paddr = mr[0];
    return r;
}

mica_error_t mica_irq_control_get(mica_cptr_t irq_control, mica_word_t irq, mica_cptr_t root,
                                  mica_word_t index, uint8_t depth)
{
    mica_word_t mr[4] = { irq, index, depth };
    mica_set_cap(0, root);
    return invoke(irq_control, MICA_IRQ_ISSUE_IRQ_HANDLER, 1, 3, mr);
}

mica_error_t mica_irq_handler_ack(mica_cptr_t handler)
{
    return invoke(handler, MICA_IRQ_ACK_IRQ, 0, 0, (mica_word_t[4]){ 0 });
}

mica_error_t mica_irq_handler_set_notification(mica_cptr_t handler, mica_cptr_t ntfn)
{
    mica_set_cap(0, ntfn);
    return invoke(handler, MICA_IRQ_SET_IRQ_HANDLER, 1, 0, (mica_word_t[4]){ 0 });
}

mica_error_t mica_irq_handler_clear(mica_cptr_t handler)
{
    return invoke(handler, MICA_IRQ_CLEAR_IRQ_HANDLER, 0, 0, (mica_word_t[4]){ 0 });
}
