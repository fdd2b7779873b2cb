/*
 * mica/syscalls.h - the system calls and message-register access.
 *
 * The current thread is implicit, as on seL4. MR0..MR3 travel in the
 * simulated registers; the plain forms load them from and store them back
 * to the IPC buffer, so the user-visible rule is "all MRs live in
 * mica_get_ipc_buffer()->msg", exactly as with libsel4: a form that sends
 * loads all four whatever the message length, a form that receives stores
 * all four (the kernel writes only the words it delivers; the others come
 * back as they went, or 0 for the receive-only forms, which send none).
 */
#ifndef MICA_SYSCALLS_H
#define MICA_SYSCALLS_H

#include <mica/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* System call numbers (=seL4 non-MCS numbering, then mica's debug calls). */
enum mica_syscall {
    MICA_SYS_CALL = -1,
    MICA_SYS_REPLY_RECV = -2,
    MICA_SYS_SEND = -3,
    MICA_SYS_NBSEND = -4,
    MICA_SYS_RECV = -5,
    MICA_SYS_REPLY = -6,
    MICA_SYS_YIELD = -7,
    MICA_SYS_NBRECV = -8,
    MICA_SYS_DEBUG_PUT_CHAR = -9,
    MICA_SYS_DEBUG_DUMP_SCHEDULER = -10,
    MICA_SYS_DEBUG_HALT = -11,
    MICA_SYS_DEBUG_CAP_IDENTIFY = -12,
    MICA_SYS_DEBUG_SNAPSHOT = -13,
    MICA_SYS_DEBUG_NAME_THREAD = -14,
    MICA_SYS_DEBUG_USAGE = -15,
    MICA_SYS_THREAD_EXIT = -32,     /* mica: an entry function returned */
};

void           mica_send(mica_cptr_t dest, mica_msginfo_t info);
void           mica_nbsend(mica_cptr_t dest, mica_msginfo_t info);
mica_msginfo_t mica_call(mica_cptr_t dest, mica_msginfo_t info);
mica_msginfo_t mica_recv(mica_cptr_t src, mica_word_t *sender_badge);
mica_msginfo_t mica_nbrecv(mica_cptr_t src, mica_word_t *sender_badge);
void           mica_reply(mica_msginfo_t info);
mica_msginfo_t mica_reply_recv(mica_cptr_t src, mica_msginfo_t info, mica_word_t *sender_badge);
void           mica_yield(void);
void           mica_signal(mica_cptr_t dest);
void           mica_wait(mica_cptr_t src, mica_word_t *sender_badge);
mica_msginfo_t mica_poll(mica_cptr_t src, mica_word_t *sender_badge);

/*
 * Register forms (libsel4's seL4_*WithMRs), which never touch the IPC
 * buffer. A NULL pointer means "that MR is not used" (sent as 0, not
 * stored). Call and ReplyRecv send only the words below the message
 * length, the others as 0; Send, NBSend and Reply send every word given.
 * The forms that receive store every word given: the words the kernel did
 * not deliver come back as they were sent (0 if not sent).
 */
void mica_send_with_mrs(mica_cptr_t dest, mica_msginfo_t info, mica_word_t *mr0,
                        mica_word_t *mr1, mica_word_t *mr2, mica_word_t *mr3);
void mica_nbsend_with_mrs(mica_cptr_t dest, mica_msginfo_t info, mica_word_t *mr0,
                          mica_word_t *mr1, mica_word_t *mr2, mica_word_t *mr3);
mica_msginfo_t mica_call_with_mrs(mica_cptr_t dest, mica_msginfo_t info, mica_word_t *mr0,
                                  mica_word_t *mr1, mica_word_t *mr2, mica_word_t *mr3);
mica_msginfo_t mica_recv_with_mrs(mica_cptr_t src, mica_word_t *sender_badge, mica_word_t *mr0,
                                  mica_word_t *mr1, mica_word_t *mr2, mica_word_t *mr3);
void mica_reply_with_mrs(mica_msginfo_t info, mica_word_t *mr0, mica_word_t *mr1,
                         mica_word_t *mr2, mica_word_t *mr3);
mica_msginfo_t mica_reply_recv_with_mrs(mica_cptr_t src, mica_msginfo_t info,
                                        mica_word_t *sender_badge, mica_word_t *mr0,
                                        mica_word_t *mr1, mica_word_t *mr2, mica_word_t *mr3);

/* Message registers and the IPC buffer of the current thread. */
mica_ipc_buffer_t *mica_get_ipc_buffer(void);
mica_word_t mica_get_mr(int i);
void        mica_set_mr(int i, mica_word_t v);
mica_word_t mica_get_badge(int i);
mica_cptr_t mica_get_cap(int i);
void        mica_set_cap(int i, mica_cptr_t cptr);
void        mica_set_cap_receive_path(mica_cptr_t root, mica_cptr_t index, mica_word_t depth);
mica_word_t mica_get_user_data(void);
void        mica_set_user_data(mica_word_t v);

/* Pointer to a virtual address of the current thread's VSpace. */
void *mica_vaddr_to_ptr(mica_word_t vaddr);

/* The boot info (root thread and anyone it shares its VSpace with). */
const mica_bootinfo_t *mica_bootinfo(void);

/* Debug calls. */
void            mica_debug_put_char(char c);
void            mica_debug_name_thread(mica_cptr_t tcb, const char *name);
mica_cap_type_t mica_debug_cap_identify(mica_cptr_t cap);
void            mica_debug_dump_scheduler(void);
void            mica_debug_halt(void);
/* What the system holds now (leak checks): 0, or -1 without an IPC buffer. */
int             mica_debug_usage(mica_usage_t *usage);

#ifdef __cplusplus
}
#endif

#endif /* MICA_SYSCALLS_H */
