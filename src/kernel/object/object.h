/*
 * object/object.h - what each object file offers the rest of the kernel.
 */
#ifndef MICA_KERNEL_OBJECT_H
#define MICA_KERNEL_OBJECT_H

#include "../cap.h"

/* untyped.c */
exception_t decode_untyped_invocation(word_t label, word_t length, cte_t *slot, cap_t cap,
                                      word_t *buffer);

/* cnode.c */
exception_t decode_cnode_invocation(word_t label, word_t length, cap_t cap, word_t *buffer);

/* tcb.c */
exception_t decode_tcb_invocation(word_t label, word_t length, cap_t cap, cte_t *slot,
                                  bool call, word_t *buffer);
void tcb_init_object(paddr_t tcb);
void tcb_destroy(paddr_t tcb);
void suspend(paddr_t tcb);
void restart(paddr_t tcb);
void setup_reply_master(paddr_t tcb);
word_t user_pc(paddr_t tcb);

/* endpoint.c */
void send_ipc(bool blocking, bool do_call, word_t badge, bool can_grant, bool can_grant_reply,
              paddr_t thread, paddr_t ep);
void receive_ipc(paddr_t thread, cap_t cap, bool blocking);
void cancel_ipc(paddr_t tcb);
void cancel_all_ipc(paddr_t ep);
void cancel_badged_sends(paddr_t ep, word_t badge);
void do_reply_transfer(paddr_t sender, paddr_t receiver, cte_t *slot, bool grant);

/* notification.c */
void send_signal(paddr_t ntfn, word_t badge);
void receive_signal(paddr_t thread, cap_t cap, bool blocking);
void cancel_all_signals(paddr_t ntfn);
void cancel_signal(paddr_t tcb, paddr_t ntfn);
void unbind_notification(paddr_t tcb);
void unbind_maybe_notification(paddr_t ntfn);
void bind_notification(paddr_t tcb, paddr_t ntfn);
bool complete_bound_signal(paddr_t thread);

/* vspace.c */
exception_t decode_vspace_invocation(word_t label, word_t length, cte_t *slot, cap_t cap,
                                     word_t *buffer);
void vspace_init_object(paddr_t vspace);
void vspace_delete(paddr_t vspace);
void unmap_frame_cap(cap_t cap);
void unmap_table_cap(cap_t cap);
/* Link a paging structure (entries' level 3 PML4 .. 1 page directory) at boot. */
void vspace_boot_table(paddr_t vspace, word_t vaddr, paddr_t table, unsigned level);
/* Map a frame at boot, under paging structures linked with vspace_boot_table. */
void vspace_boot_map(paddr_t vspace, word_t vaddr, paddr_t frame, unsigned size_bits,
                     unsigned rights);
/* Host pointer to the IPC buffer of thread, or NULL (seL4: lookupIPCBuffer). */
word_t *lookup_ipc_buffer(bool is_receiver, paddr_t thread);

/* irq.c */
exception_t decode_irq_control_invocation(word_t label, word_t length, cte_t *slot,
                                          word_t *buffer);
exception_t decode_irq_handler_invocation(word_t label, word_t irq);
void deleting_irq_handler(word_t irq);
/* The line has a handler with a notification and is not masked (a raise is delivered at once). */
bool irq_deliverable(word_t irq);

#endif
