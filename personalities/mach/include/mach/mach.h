/*
 * <mach/mach.h> - Mach-style ports on mica: a subset of the Mach 3 IPC
 * interface, served by `machd`, a mica task that plays the Mach kernel.
 *
 * A Mach task here is a mica process that machd started (its own CSpace,
 * VSpace and TCB); it reaches machd by its one cap, a mica endpoint badged
 * with its task number (so machd knows who asks),
 * and every call below is one mica Call to machd (the "trap"). machd keeps
 * the ports, each task's port name space and the message queues in its own
 * memory, as the Mach kernel keeps them in kernel memory.
 *
 * Names, constants and return codes are Mach's; message bodies use the
 * descriptor form (MACH_MSGH_BITS_COMPLEX, mach_msg_body_t, descriptors)
 * of OSF/Darwin Mach, with Mach 3's msgh_seqno in the header.
 */
#ifndef MACH_MACH_H
#define MACH_MACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mica/mica.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t  kern_return_t;
typedef uint32_t mach_port_t;          /* a name in the caller's port name space */
typedef mach_port_t mach_port_name_t;
typedef mach_port_t task_t;
typedef uint32_t mach_port_right_t;
typedef uint32_t mach_port_type_t;
typedef uint32_t mach_msg_type_name_t;
typedef uint32_t mach_msg_bits_t;
typedef uint32_t mach_msg_size_t;
typedef int32_t  mach_msg_id_t;
typedef uint32_t mach_msg_option_t;
typedef uint32_t mach_msg_timeout_t;   /* milliseconds of virtual time */
typedef int32_t  mach_port_delta_t;
typedef uint32_t mach_port_urefs_t;
typedef uint32_t mach_port_seqno_t;
typedef uint32_t mach_port_mscount_t;
typedef uint32_t mach_msg_return_t;
typedef uintptr_t vm_address_t;
typedef uintptr_t vm_size_t;

#define MACH_PORT_NULL ((mach_port_t)0)
#define MACH_PORT_DEAD ((mach_port_t)~0u)
#define MACH_PORT_VALID(n) ((n) != MACH_PORT_NULL && (n) != MACH_PORT_DEAD)

/* kern_return_t (mach/kern_return.h) */
#define KERN_SUCCESS             0
#define KERN_INVALID_ADDRESS     1
#define KERN_NO_SPACE            3
#define KERN_INVALID_ARGUMENT    4
#define KERN_INVALID_NAME        15
#define KERN_INVALID_TASK        16
#define KERN_INVALID_RIGHT       17
#define KERN_INVALID_VALUE       18
#define KERN_UREFS_OVERFLOW      19
#define KERN_INVALID_CAPABILITY  20
#define KERN_RIGHT_EXISTS        21
#define KERN_NAME_EXISTS         13
#define KERN_RESOURCE_SHORTAGE   6
#define KERN_NOT_IN_SET          12

/* mach_msg returns (mach/message.h) */
#define MACH_MSG_SUCCESS             0x00000000
#define MACH_SEND_NO_BUFFER          0x1000000d
#define MACH_SEND_INVALID_DATA       0x10000002
#define MACH_SEND_INVALID_DEST       0x10000003
#define MACH_SEND_TIMED_OUT          0x10000004
#define MACH_SEND_MSG_TOO_SMALL      0x10000008
#define MACH_SEND_INVALID_REPLY      0x10000009
#define MACH_SEND_INVALID_RIGHT      0x1000000a
#define MACH_SEND_INVALID_HEADER     0x10000010
#define MACH_SEND_INVALID_MEMORY     0x1000000c
#define MACH_SEND_TOO_LARGE          0x1000000e
#define MACH_SEND_INVALID_TYPE       0x1000000f
#define MACH_RCV_INVALID_NAME        0x10004002
#define MACH_RCV_TIMED_OUT           0x10004003
#define MACH_RCV_TOO_LARGE           0x10004004
#define MACH_RCV_PORT_DIED           0x10004009
#define MACH_RCV_IN_SET              0x1000400a

/* mach_msg options */
#define MACH_MSG_OPTION_NONE 0x00000000u
#define MACH_SEND_MSG        0x00000001u
#define MACH_RCV_MSG         0x00000002u
#define MACH_SEND_TIMEOUT    0x00000010u
#define MACH_RCV_TIMEOUT     0x00000100u
#define MACH_MSG_TIMEOUT_NONE 0u

/* Rights (mach_port_allocate, mach_port_mod_refs) */
#define MACH_PORT_RIGHT_SEND      0u
#define MACH_PORT_RIGHT_RECEIVE   1u
#define MACH_PORT_RIGHT_SEND_ONCE 2u
#define MACH_PORT_RIGHT_PORT_SET  3u
#define MACH_PORT_RIGHT_DEAD_NAME 4u
#define MACH_PORT_RIGHT_NUMBER    5u

#define MACH_PORT_TYPE(right) ((mach_port_type_t)(1u << ((right) + 16)))
#define MACH_PORT_TYPE_NONE      0u
#define MACH_PORT_TYPE_SEND      MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND)
#define MACH_PORT_TYPE_RECEIVE   MACH_PORT_TYPE(MACH_PORT_RIGHT_RECEIVE)
#define MACH_PORT_TYPE_SEND_ONCE MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND_ONCE)
#define MACH_PORT_TYPE_PORT_SET  MACH_PORT_TYPE(MACH_PORT_RIGHT_PORT_SET)
#define MACH_PORT_TYPE_DEAD_NAME MACH_PORT_TYPE(MACH_PORT_RIGHT_DEAD_NAME)

/* Dispositions (what a message does with a right) and received types */
#define MACH_MSG_TYPE_MOVE_RECEIVE   16u
#define MACH_MSG_TYPE_MOVE_SEND      17u
#define MACH_MSG_TYPE_MOVE_SEND_ONCE 18u
#define MACH_MSG_TYPE_COPY_SEND      19u
#define MACH_MSG_TYPE_MAKE_SEND      20u
#define MACH_MSG_TYPE_MAKE_SEND_ONCE 21u
#define MACH_MSG_TYPE_PORT_NAME      15u
#define MACH_MSG_TYPE_PORT_RECEIVE   MACH_MSG_TYPE_MOVE_RECEIVE
#define MACH_MSG_TYPE_PORT_SEND      MACH_MSG_TYPE_MOVE_SEND
#define MACH_MSG_TYPE_PORT_SEND_ONCE MACH_MSG_TYPE_MOVE_SEND_ONCE

#define MACH_MSGH_BITS(remote, local) ((remote) | ((local) << 8))
#define MACH_MSGH_BITS_REMOTE(bits)   ((bits) & 0xffu)
#define MACH_MSGH_BITS_LOCAL(bits)    (((bits) >> 8) & 0xffu)
#define MACH_MSGH_BITS_COMPLEX        0x80000000u

#define MACH_PORT_QLIMIT_DEFAULT 5u
#define MACH_PORT_QLIMIT_MAX     16u
#define MACH_PORT_UREFS_MAX      0xfffeu

/* Message layouts are packed to 4 bytes, as Mach's are: descriptors follow the
 * 28 bytes of header and body with no padding. */
#pragma pack(push, 4)

typedef struct mach_msg_header {
    mach_msg_bits_t   msgh_bits;
    mach_msg_size_t   msgh_size;          /* bytes, header included */
    mach_port_t       msgh_remote_port;   /* send: destination; received: reply port */
    mach_port_t       msgh_local_port;    /* send: reply port; received: the receive right */
    mach_port_seqno_t msgh_seqno;         /* set on receive: the port's sequence number */
    mach_msg_id_t     msgh_id;
} mach_msg_header_t;

/* After a complex header: the number of descriptors that follow. */
typedef struct mach_msg_body { uint32_t msgh_descriptor_count; } mach_msg_body_t;

#define MACH_MSG_PORT_DESCRIPTOR 0u
#define MACH_MSG_OOL_DESCRIPTOR  1u

/* Every descriptor is 16 bytes; `type` says which one it is. */
typedef struct mach_msg_port_descriptor {
    mach_port_t name;
    uint32_t pad1;
    uint32_t pad2;
    uint16_t disposition;                 /* send: a MACH_MSG_TYPE_MOVE/COPY/MAKE_*; received: PORT_* */
    uint16_t type;
} mach_msg_port_descriptor_t;

typedef struct mach_msg_ool_descriptor {
    uint64_t address;                     /* a vm_address_t of the task */
    uint32_t size;
    uint8_t  deallocate;                  /* send: vm_deallocate the range after copy-in */
    uint8_t  copy;                        /* MACH_MSG_VIRTUAL_COPY or MACH_MSG_PHYSICAL_COPY */
    uint16_t type;
} mach_msg_ool_descriptor_t;
#define MACH_MSG_PHYSICAL_COPY 0
#define MACH_MSG_VIRTUAL_COPY  1

typedef union mach_msg_descriptor {
    mach_msg_port_descriptor_t port;
    mach_msg_ool_descriptor_t out_of_line;
} mach_msg_descriptor_t;

#pragma pack(pop)

/* The largest message machd buffers inline (a kmsg); bigger data goes out of line. */
#define MACH_MSG_SIZE_MAX 8192u

/* --- notifications (mach/notify.h) ------------------------------------------- */

#define MACH_NOTIFY_FIRST         0100
#define MACH_NOTIFY_PORT_DELETED  0101
#define MACH_NOTIFY_PORT_DESTROYED 0105
#define MACH_NOTIFY_NO_SENDERS    0106
#define MACH_NOTIFY_SEND_ONCE     0107
#define MACH_NOTIFY_DEAD_NAME     0110

/* A notification: the header, then one value (the name for port-deleted
 * and dead-name, the make-send count for no-senders, 0 for send-once). */
typedef struct mach_notify_msg {
    mach_msg_header_t not_header;
    uint32_t not_value;
    uint32_t not_pad;
} mach_notify_msg_t;

/* --- calls ----------------------------------------------------------------------- */

/* This task's own name for itself (the only task_t the calls accept). */
task_t mach_task_self(void);
#define mach_task_self_ mach_task_self()

mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option,
                           mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                           mach_port_t rcv_name, mach_msg_timeout_t timeout, mach_port_t notify);

kern_return_t mach_port_allocate(task_t task, mach_port_right_t right, mach_port_t *name);
kern_return_t mach_port_deallocate(task_t task, mach_port_t name);
kern_return_t mach_port_destroy(task_t task, mach_port_t name);
kern_return_t mach_port_mod_refs(task_t task, mach_port_t name, mach_port_right_t right,
                                 mach_port_delta_t delta);
kern_return_t mach_port_get_refs(task_t task, mach_port_t name, mach_port_right_t right,
                                 mach_port_urefs_t *refs);
kern_return_t mach_port_type(task_t task, mach_port_t name, mach_port_type_t *type);
kern_return_t mach_port_insert_right(task_t task, mach_port_t name, mach_port_t poly,
                                     mach_msg_type_name_t disposition);
kern_return_t mach_port_set_qlimit(task_t task, mach_port_t name, uint32_t qlimit);
kern_return_t mach_port_move_member(task_t task, mach_port_t member, mach_port_t set);
kern_return_t mach_port_request_notification(task_t task, mach_port_t name, int32_t variant,
                                             mach_port_mscount_t sync, mach_port_t notify,
                                             mach_msg_type_name_t disposition,
                                             mach_port_t *previous);

kern_return_t vm_allocate(task_t task, vm_address_t *addr, vm_size_t size, bool anywhere);
kern_return_t vm_deallocate(task_t task, vm_address_t addr, vm_size_t size);

/* --- starting Mach tasks ----------------------------------------------------------- */

/* A Mach task's code: bootstrap is the right its creator gave it (or MACH_PORT_NULL). */
typedef void (*mach_task_entry_t)(mach_port_t bootstrap, uintptr_t arg);

/*
 * Start a new Mach task running entry(bootstrap, arg) at mica priority prio
 * (below machd's). The creator's right `bootstrap` goes to the child with
 * the given disposition (MACH_MSG_TYPE_MAKE_SEND, COPY_SEND, MOVE_SEND...);
 * in the child it arrives as a name of its own. A task ends when entry
 * returns: machd destroys its name space as Mach does for a dead task.
 */
kern_return_t mach_task_spawn(const char *name, mach_task_entry_t entry, uintptr_t arg,
                              mach_port_t bootstrap, mach_msg_type_name_t disposition, int prio);

/* --- machd ----------------------------------------------------------------------- */

#define MACHD_PRIO 250
#define MACHD_MAX_TASKS 16
#define MACH_MSG_WINDOW_BYTES (64u * 1024u)   /* a task's message window */
#define MACH_VM_REGION_BYTES  (256u * 1024u)  /* a task's vm_allocate region */

/*
 * From a root task: start machd (a thread at MACHD_PRIO that owns the timer
 * device) and the first Mach task, `init`, with no bootstrap right. machd
 * takes over env: the root task must not allocate from it afterwards.
 * Returns KERN_SUCCESS or KERN_RESOURCE_SHORTAGE (and why, on stdout).
 */
kern_return_t machd_start(mica_env_t *env, const char *init_name, mach_task_entry_t init,
                          uintptr_t arg, int prio);

/* What machd counted: one copy-in and one copy-out per delivered message. */
typedef struct machd_stats {
    uint64_t msgs_sent, msgs_received;
    uint64_t copies_in, copies_out;       /* window -> kmsg, kmsg -> window */
    uint64_t bytes_in, bytes_out;
    uint64_t ool_bytes_copied;
    uint64_t senders_blocked, send_timeouts, rcv_timeouts;
    uint64_t notifications;
    uint64_t kmsgs_in_use;
    uint64_t tasks_faulted;               /* tasks ended by a fault (machd is their fault endpoint) */
    uint64_t last_fault_kind, last_fault_addr;   /* MICA_FAULT_* and its address (VM: the vaddr) */
    uint64_t tasks_live;                  /* entries of machd's task table in use */
    uint64_t ports_live;                  /* ports and port sets machd holds */
} machd_stats_t;
void machd_get_stats(machd_stats_t *out);

/* For tests and debuggers: the vaddr, in machd's VSpace, of its mapping of
 * task number `task`'s message window (0 if none was made). */
mica_word_t machd_window_vaddr(unsigned task);

/* This task's message window: a message built here is not staged by mach_msg. */
void *mach_msg_window(void);

#ifdef __cplusplus
}
#endif
#endif
