/*
 * machd_proto.h - the mica messages between the Mach library and machd
 * (private). A task Calls machd's endpoint with label = operation and the
 * arguments in MR0..; the reply's label is the kern_return_t or
 * mach_msg_return_t, outputs in MR0... The badge of the task's endpoint
 * cap is its task number + 1; machd's bound timer notification carries
 * MACHD_IRQ_BADGE.
 *
 * A Mach task is a mica process. Its CSpace holds one cap to machd, the
 * badged endpoint cap in MACH_TASK_EP, which is also its fault endpoint:
 * a message with a fault label (below MACHD_MSG) is a fault, and machd
 * ends the task. Its message window and vm_allocate region are frames
 * mapped at fixed addresses of its VSpace and, for machd, in machd's.
 */
#ifndef MACHD_PROTO_H
#define MACHD_PROTO_H

#include <mach/mach.h>

enum machd_op {
    MACHD_MSG = 0x100,          /* labels below are fault kinds (MICA_FAULT_*) */              /* option, send_size, rcv_size, rcv_name, timeout -> size */
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
    MACHD_TASK_EXIT,            /* - (no reply: the process ends) */
    MACHD_TASK_HELLO,           /* host address of vaddr 0 of the task's VSpace (first call) */
    MACHD_OP_END
};

#define MACHD_IRQ_BADGE (1ul << 62)
#define MACH_TASK_SELF_NAME ((mach_port_t)0x100)   /* index 1, generation 0: never allocated */

#define MACH_TASK_EP MICA_PROCESS_CAP_FAULT_EP    /* the task's CPtr of machd's endpoint */
#define MACH_TASK_WINDOW_VADDR 0x120000ul            /* MACH_MSG_WINDOW_BYTES, then a guard gap */
#define MACH_TASK_REGION_VADDR 0x140000ul            /* MACH_VM_REGION_BYTES */
#define MACH_TASK_STACK_PAGES 32

/* A task's first code: r0 = entry, r1 = arg, r2 = its bootstrap name. */
void mach_task_trampoline(mica_word_t entry, mica_word_t arg, mica_word_t bootstrap, mica_word_t unused);

#endif
