/*
 * mica/objects.h - typed invocation stubs, one per entry of invocations.def.
 *
 * Each builds the invocation message exactly as libsel4 does and returns the
 * error code from the kernel's reply. After an error the details are in the
 * message registers (mica_get_mr), as on seL4; after a success the first
 * four words of the IPC buffer are as the task left them (libsel4's stubs
 * copy the register MRs back only on error).
 */
#ifndef MICA_OBJECTS_H
#define MICA_OBJECTS_H

#include <mica/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Invocation labels: 0 is invalid, then invocations.def in order. */
enum mica_invocation_label {
    MICA_INVALID_INVOCATION = 0,
#define X(name, obj, words, caps) MICA_##name,
#include <mica/invocations.def>
#undef X
    MICA_NUM_INVOCATION_LABELS
};

const char *mica_invocation_name(mica_word_t label);

mica_error_t mica_untyped_retype(mica_cptr_t ut, mica_word_t type, mica_word_t size_bits,
                                 mica_cptr_t root, mica_word_t node_index, mica_word_t node_depth,
                                 mica_word_t node_offset, mica_word_t num_objects);

mica_error_t mica_cnode_copy(mica_cptr_t root, mica_word_t dest_index, uint8_t dest_depth,
                             mica_cptr_t src_root, mica_word_t src_index, uint8_t src_depth,
                             mica_cap_rights_t rights);
mica_error_t mica_cnode_mint(mica_cptr_t root, mica_word_t dest_index, uint8_t dest_depth,
                             mica_cptr_t src_root, mica_word_t src_index, uint8_t src_depth,
                             mica_cap_rights_t rights, mica_word_t badge);
mica_error_t mica_cnode_move(mica_cptr_t root, mica_word_t dest_index, uint8_t dest_depth,
                             mica_cptr_t src_root, mica_word_t src_index, uint8_t src_depth);
mica_error_t mica_cnode_mutate(mica_cptr_t root, mica_word_t dest_index, uint8_t dest_depth,
                               mica_cptr_t src_root, mica_word_t src_index, uint8_t src_depth,
                               mica_word_t badge);
mica_error_t mica_cnode_rotate(mica_cptr_t root, mica_word_t dest_index, uint8_t dest_depth,
                               mica_word_t dest_badge, mica_cptr_t pivot_root,
                               mica_word_t pivot_index, uint8_t pivot_depth,
                               mica_word_t pivot_badge, mica_cptr_t src_root,
                               mica_word_t src_index, uint8_t src_depth);
mica_error_t mica_cnode_delete(mica_cptr_t root, mica_word_t index, uint8_t depth);
mica_error_t mica_cnode_revoke(mica_cptr_t root, mica_word_t index, uint8_t depth);
mica_error_t mica_cnode_save_caller(mica_cptr_t root, mica_word_t index, uint8_t depth);
mica_error_t mica_cnode_cancel_badged_sends(mica_cptr_t root, mica_word_t index, uint8_t depth);

mica_error_t mica_tcb_configure(mica_cptr_t tcb, mica_cptr_t fault_ep, mica_cptr_t cspace_root,
                                mica_word_t cspace_root_data, mica_cptr_t vspace_root,
                                mica_word_t vspace_root_data, mica_word_t buffer_vaddr,
                                mica_cptr_t buffer_frame);
mica_error_t mica_tcb_set_priority(mica_cptr_t tcb, mica_cptr_t authority, mica_word_t prio);
mica_error_t mica_tcb_set_mc_priority(mica_cptr_t tcb, mica_cptr_t authority, mica_word_t mcp);
mica_error_t mica_tcb_set_sched_params(mica_cptr_t tcb, mica_cptr_t authority, mica_word_t mcp,
                                       mica_word_t prio);
mica_error_t mica_tcb_set_space(mica_cptr_t tcb, mica_cptr_t fault_ep, mica_cptr_t cspace_root,
                                mica_word_t cspace_root_data, mica_cptr_t vspace_root,
                                mica_word_t vspace_root_data);
mica_error_t mica_tcb_set_ipc_buffer(mica_cptr_t tcb, mica_word_t buffer_vaddr,
                                     mica_cptr_t buffer_frame);
mica_error_t mica_tcb_resume(mica_cptr_t tcb);
mica_error_t mica_tcb_suspend(mica_cptr_t tcb);
mica_error_t mica_tcb_read_registers(mica_cptr_t tcb, bool suspend_source, uint8_t arch_flags,
                                     mica_word_t count, mica_user_context_t *regs);
mica_error_t mica_tcb_write_registers(mica_cptr_t tcb, bool resume_target, uint8_t arch_flags,
                                      mica_word_t count, const mica_user_context_t *regs);
mica_error_t mica_tcb_copy_registers(mica_cptr_t tcb, mica_cptr_t source, bool suspend_source,
                                     bool resume_target, bool transfer_frame,
                                     bool transfer_integer, uint8_t arch_flags);
mica_error_t mica_tcb_bind_notification(mica_cptr_t tcb, mica_cptr_t ntfn);
mica_error_t mica_tcb_unbind_notification(mica_cptr_t tcb);
mica_error_t mica_tcb_set_affinity(mica_cptr_t tcb, mica_word_t cpu);
mica_error_t mica_tcb_set_tls_base(mica_cptr_t tcb, mica_word_t tls_base);

mica_error_t mica_page_table_map(mica_cptr_t pt, mica_cptr_t vspace, mica_word_t vaddr,
                                 mica_word_t attr);
mica_error_t mica_page_table_unmap(mica_cptr_t pt);
mica_error_t mica_page_directory_map(mica_cptr_t pd, mica_cptr_t vspace, mica_word_t vaddr,
                                     mica_word_t attr);
mica_error_t mica_page_directory_unmap(mica_cptr_t pd);
mica_error_t mica_pdpt_map(mica_cptr_t pdpt, mica_cptr_t vspace, mica_word_t vaddr,
                           mica_word_t attr);
mica_error_t mica_pdpt_unmap(mica_cptr_t pdpt);
mica_error_t mica_page_map(mica_cptr_t frame, mica_cptr_t vspace, mica_word_t vaddr,
                           mica_cap_rights_t rights, mica_word_t attr);
mica_error_t mica_page_unmap(mica_cptr_t frame);

typedef struct mica_page_get_address {
    mica_error_t error;
    mica_word_t paddr;
} mica_page_get_address_t;
mica_page_get_address_t mica_page_get_address(mica_cptr_t frame);

mica_error_t mica_irq_control_get(mica_cptr_t irq_control, mica_word_t irq, mica_cptr_t root,
                                  mica_word_t index, uint8_t depth);
mica_error_t mica_irq_handler_ack(mica_cptr_t handler);
mica_error_t mica_irq_handler_set_notification(mica_cptr_t handler, mica_cptr_t ntfn);
mica_error_t mica_irq_handler_clear(mica_cptr_t handler);

#ifdef __cplusplus
}
#endif

#endif /* MICA_OBJECTS_H */
