/*
 * ipc.h - message transfer and faults shared by endpoint.c, notification.c,
 * tcb.c, fault.c and syscall.c.
 */
#ifndef MICA_KERNEL_IPC_H
#define MICA_KERNEL_IPC_H

#include "state.h"

/* IPC buffer word offsets (=seL4 seL4_IPCBuffer). */
#define IPCBUF_TAG          0
#define IPCBUF_MSG          1
#define IPCBUF_USER_DATA    121
#define IPCBUF_CAPS         122
#define IPCBUF_RECV_CNODE   125
#define IPCBUF_RECV_INDEX   126
#define IPCBUF_RECV_DEPTH   127

/* A FIFO of TCBs threaded through tcb_t.ep_next/ep_prev. */
typedef struct tcb_queue {
    paddr_t head, tail;
} tcb_queue_t;

void queue_append(tcb_queue_t *q, paddr_t t);
void queue_remove(tcb_queue_t *q, paddr_t t);
void restart_queue(paddr_t head);

void do_ipc_transfer(paddr_t sender, paddr_t ep, word_t badge, bool grant, paddr_t receiver);
void setup_caller_cap(paddr_t sender, paddr_t receiver, bool can_grant);
void delete_caller_cap(paddr_t receiver);
exception_t lookup_extra_caps(paddr_t thread, word_t *buffer, word_t info);

/* fastpath.c: true when the call was handled completely */
bool fastpath_call(paddr_t cur);
bool fastpath_reply_recv(paddr_t cur);

/* fault.c */
void handle_fault(paddr_t t);
word_t set_mrs_fault(paddr_t sender, paddr_t receiver, word_t *receive_buffer);
bool handle_fault_reply(paddr_t receiver, paddr_t sender);
word_t set_mrs_lookup_failure(paddr_t receiver, word_t *buffer, const lookup_fault_t *lf,
                              word_t offset);
void fault_cap(cptr_t addr, bool in_recv_phase);
void fault_unknown_syscall(word_t number);

#endif
