/*
 * machd_proto.h - the mica messages between the Mach library and machd
 * (private). A task Calls machd's endpoint with label = operation and the
 * arguments in MR0..; the reply's label is the kern_return_t or
 * mach_msg_return_t, outputs in MR0... The badge of the task's endpoint
 * cap is its task number + 1; machd's bound timer notification carries
 * MACHD_IRQ_BADGE.
 */
#ifndef MACHD_PROTO_H
#define MACHD_PROTO_H

#include <mach/mach.h>

enum machd_op {
    MACHD_MSG = 1,              /* option, send_size, rcv_size, rcv_name, timeout -> size */
    MACHD_PORT_ALLOCATE,        /* right -> name */
    MACHD_PORT_DEALLOCATE,      /* name */
    MACHD_PORT_DESTROY,         /* name */
    MACHD_PORT_MOD_REFS,        /* name, right, delta */
    MACHD_PORT_GET_REFS,        /* name, right -> refs */
    MACHD_PORT_TYPE,            /* name -> type */
    MACHD_PORT_INSERT_RIGHT,    /* name, poly, disposition */
    MACHD_PORT_SET_QLIMIT,      /* name, qlimit */
    MACHD_PORT_MOVE_MEMBER,     /* member, set */
    MACHD_PORT_REQUEST_NOTIFICATION, /* name, variant, sync, notify, disposition -> previous */
    MACHD_VM_ALLOCATE,          /* size -> address */
    MACHD_VM_DEALLOCATE,        /* address, size */
    MACHD_TASK_SPAWN,           /* entry, arg, bootstrap, disposition, prio; name in the window */
    MACHD_TASK_EXIT,            /* - (no reply: the thread ends) */
};

#define MACHD_IRQ_BADGE (1ul << 62)
#define MACH_TASK_SELF_NAME ((mach_port_t)0x100)   /* index 1, generation 0: never allocated */

/* What the library of a task needs; machd fills it before the task starts. */
typedef struct mach_task_user {
    mica_cptr_t ep;             /* machd's endpoint, badged with the task number + 1 */
    uint8_t *window;            /* MACH_MSG_WINDOW_BYTES */
    mach_task_entry_t entry;
    uintptr_t arg;
    mach_port_t bootstrap;
} mach_task_user_t;

extern mach_task_user_t mach_task_users[MACHD_MAX_TASKS];
void mach_task_trampoline(mica_word_t task);

#endif
