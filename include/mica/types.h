/*
 * mica/types.h - the layout-stable types of the mica ABI.
 *
 * Everything here is shared by task code and the kernel. Names follow
 * seL4's libsel4 with seL4_FooBar renamed mica_foo_bar / MICA_FOO_BAR.
 */
#ifndef MICA_TYPES_H
#define MICA_TYPES_H

#include <inttypes.h>
#include <stdint.h>
#include <stdbool.h>
#include <mica/constants.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uintptr_t mica_word_t;
typedef mica_word_t mica_cptr_t;

/*
 * printf conversions for a mica_word_t (and a mica_cptr_t), as <inttypes.h>
 * gives them for its types:
 *
 *     printf("slot %" MICA_PRIuWORD " holds 0x%" MICA_PRIxWORD "\n", slot, word);
 */
#define MICA_PRIuWORD PRIuPTR
#define MICA_PRIxWORD PRIxPTR
#define MICA_PRIXWORD PRIXPTR
#define MICA_PRIdWORD PRIdPTR   /* the word read as signed (intptr_t) */

/* A compile-time check, spelled for C11 and for C++. */
#ifdef __cplusplus
#define MICA_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define MICA_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

MICA_STATIC_ASSERT(sizeof(mica_word_t) * 8 == MICA_WORD_BITS, "mica needs a 64-bit host");

/* Errors returned by invocations (=seL4 seL4_Error). */
typedef enum mica_error {
    MICA_NO_ERROR = 0,
    MICA_INVALID_ARGUMENT = 1,
    MICA_INVALID_CAPABILITY = 2,
    MICA_ILLEGAL_OPERATION = 3,
    MICA_RANGE_ERROR = 4,
    MICA_ALIGNMENT_ERROR = 5,
    MICA_FAILED_LOOKUP = 6,
    MICA_TRUNCATED_MESSAGE = 7,
    MICA_DELETE_FIRST = 8,
    MICA_REVOKE_FIRST = 9,
    MICA_NOT_ENOUGH_MEMORY = 10,
    MICA_NUM_ERRORS
} mica_error_t;

/* @return the seL4 name of an error ("seL4_DeleteFirst" style, mica spelling). */
const char *mica_error_name(mica_error_t err);

/* Lookup failure types in FailedLookup details and cap faults (=seL4). */
typedef enum mica_lookup_failure_type {
    MICA_NO_FAILURE = 0,
    MICA_INVALID_ROOT = 1,
    MICA_MISSING_CAPABILITY = 2,
    MICA_DEPTH_MISMATCH = 3,
    MICA_GUARD_MISMATCH = 4,
} mica_lookup_failure_type_t;

/* Object types for Untyped_Retype (values 0-4 =seL4). */
typedef enum mica_object_type {
    MICA_UNTYPED_OBJECT = 0,
    MICA_TCB_OBJECT = 1,
    MICA_ENDPOINT_OBJECT = 2,
    MICA_NOTIFICATION_OBJECT = 3,
    MICA_CNODE_OBJECT = 4,
    MICA_FRAME_OBJECT = 5,          /* 4 KiB */
    MICA_LARGE_FRAME_OBJECT = 6,    /* 2 MiB */
    MICA_PAGE_TABLE_OBJECT = 7,
    MICA_VSPACE_OBJECT = 8,         /* the PML4 */
    MICA_PDPT_OBJECT = 9,
    MICA_PAGE_DIRECTORY_OBJECT = 10,
    MICA_HUGE_FRAME_OBJECT = 11,    /* 1 GiB */
    MICA_OBJECT_TYPE_COUNT
} mica_object_type_t;

/* What a capability slot holds (mica_debug_cap_identify). */
typedef enum mica_cap_type {
    MICA_CAP_TYPE_NULL = 0,
    MICA_CAP_TYPE_UNTYPED,
    MICA_CAP_TYPE_ENDPOINT,
    MICA_CAP_TYPE_NOTIFICATION,
    MICA_CAP_TYPE_REPLY,
    MICA_CAP_TYPE_CNODE,
    MICA_CAP_TYPE_TCB,
    MICA_CAP_TYPE_IRQ_CONTROL,
    MICA_CAP_TYPE_IRQ_HANDLER,
    MICA_CAP_TYPE_ZOMBIE,
    MICA_CAP_TYPE_FRAME,
    MICA_CAP_TYPE_PAGE_TABLE,
    MICA_CAP_TYPE_VSPACE,
    MICA_CAP_TYPE_PDPT,
    MICA_CAP_TYPE_PAGE_DIRECTORY,
    MICA_CAP_TYPE_COUNT
} mica_cap_type_t;

const char *mica_cap_type_name(mica_cap_type_t t);
const char *mica_object_type_name(mica_object_type_t t);

/* Thread states (=seL4 ThreadState numbering, for debugging). */
typedef enum mica_thread_state {
    MICA_THREAD_INACTIVE = 0,
    MICA_THREAD_RUNNING = 1,
    MICA_THREAD_RESTART = 2,
    MICA_THREAD_BLOCKED_ON_RECEIVE = 3,
    MICA_THREAD_BLOCKED_ON_SEND = 4,
    MICA_THREAD_BLOCKED_ON_REPLY = 5,
    MICA_THREAD_BLOCKED_ON_NOTIFICATION = 6,
    MICA_THREAD_IDLE = 7,
    MICA_THREAD_STATE_COUNT
} mica_thread_state_t;

const char *mica_thread_state_name(mica_thread_state_t s);

/* Fault labels (=seL4 non-MCS). */
#define MICA_FAULT_NULL             0
#define MICA_FAULT_CAP              1
#define MICA_FAULT_UNKNOWN_SYSCALL  2
#define MICA_FAULT_USER_EXCEPTION   3
#define MICA_FAULT_VM               5

#define MICA_VM_FAULT_IP        0
#define MICA_VM_FAULT_ADDR      1
#define MICA_VM_FAULT_PREFETCH  2
#define MICA_VM_FAULT_FSR       3
#define MICA_VM_FAULT_LENGTH    4

#define MICA_CAP_FAULT_IP                   0
#define MICA_CAP_FAULT_ADDR                 1
#define MICA_CAP_FAULT_IN_RECV_PHASE        2
#define MICA_CAP_FAULT_LOOKUP_FAILURE_TYPE  3
#define MICA_CAP_FAULT_BITS_LEFT            4
#define MICA_CAP_FAULT_DEPTH_MISMATCH_BITS_FOUND 5
#define MICA_CAP_FAULT_GUARD_MISMATCH_GUARD_FOUND 5
#define MICA_CAP_FAULT_GUARD_MISMATCH_BITS_FOUND 6

/* Unknown-syscall fault: MR0..7 = r0..r7, then these (seL4 aarch64's shape). */
#define MICA_UNKNOWN_SYSCALL_R0       0
#define MICA_UNKNOWN_SYSCALL_FAULT_IP 8
#define MICA_UNKNOWN_SYSCALL_SP       9
#define MICA_UNKNOWN_SYSCALL_FLAGS    10
#define MICA_UNKNOWN_SYSCALL_SYSCALL  11
#define MICA_UNKNOWN_SYSCALL_LENGTH   12

#define MICA_USER_EXCEPTION_IP      0
#define MICA_USER_EXCEPTION_SP      1
#define MICA_USER_EXCEPTION_FLAGS   2
#define MICA_USER_EXCEPTION_NUMBER  3
#define MICA_USER_EXCEPTION_CODE    4
#define MICA_USER_EXCEPTION_LENGTH  5

#define MICA_DEFAULT_VM_ATTRIBUTES 0

/*
 * Message info (=seL4 layout): bits 0-6 length, 7-8 extra caps,
 * 9-11 caps unwrapped, 12-63 label.
 */
typedef struct mica_msginfo {
    mica_word_t words[1];
} mica_msginfo_t;

static inline mica_msginfo_t
mica_msginfo_new(mica_word_t label, mica_word_t caps_unwrapped,
                 mica_word_t extra_caps, mica_word_t length)
{
    mica_msginfo_t m;
    m.words[0] = ((label & 0xfffffffffffffull) << 12) | ((caps_unwrapped & 7u) << 9) |
                 ((extra_caps & 3u) << 7) | (length & 0x7fu);
    return m;
}
static inline mica_word_t mica_msginfo_get_label(mica_msginfo_t m) { return m.words[0] >> 12; }
static inline mica_word_t mica_msginfo_get_caps_unwrapped(mica_msginfo_t m) { return (m.words[0] >> 9) & 7u; }
static inline mica_word_t mica_msginfo_get_extra_caps(mica_msginfo_t m) { return (m.words[0] >> 7) & 3u; }
static inline mica_word_t mica_msginfo_get_length(mica_msginfo_t m) { return m.words[0] & 0x7fu; }
static inline mica_msginfo_t mica_msginfo_set_label(mica_msginfo_t m, mica_word_t v)
{ m.words[0] = (m.words[0] & 0xfffull) | ((v & 0xfffffffffffffull) << 12); return m; }
static inline mica_msginfo_t mica_msginfo_set_caps_unwrapped(mica_msginfo_t m, mica_word_t v)
{ m.words[0] = (m.words[0] & ~(7ull << 9)) | ((v & 7u) << 9); return m; }
static inline mica_msginfo_t mica_msginfo_set_extra_caps(mica_msginfo_t m, mica_word_t v)
{ m.words[0] = (m.words[0] & ~(3ull << 7)) | ((v & 3u) << 7); return m; }
static inline mica_msginfo_t mica_msginfo_set_length(mica_msginfo_t m, mica_word_t v)
{ m.words[0] = (m.words[0] & ~0x7full) | (v & 0x7fu); return m; }

/* Capability rights (=seL4 layout): bit0 Write, bit1 Read, bit2 Grant, bit3 GrantReply. */
typedef struct mica_cap_rights {
    mica_word_t words[1];
} mica_cap_rights_t;

static inline mica_cap_rights_t
mica_cap_rights_new(mica_word_t grant_reply, mica_word_t grant, mica_word_t read, mica_word_t write)
{
    mica_cap_rights_t r;
    r.words[0] = ((grant_reply & 1u) << 3) | ((grant & 1u) << 2) | ((read & 1u) << 1) | (write & 1u);
    return r;
}
static inline mica_word_t mica_cap_rights_get_cap_allow_write(mica_cap_rights_t r) { return r.words[0] & 1u; }
static inline mica_word_t mica_cap_rights_get_cap_allow_read(mica_cap_rights_t r) { return (r.words[0] >> 1) & 1u; }
static inline mica_word_t mica_cap_rights_get_cap_allow_grant(mica_cap_rights_t r) { return (r.words[0] >> 2) & 1u; }
static inline mica_word_t mica_cap_rights_get_cap_allow_grant_reply(mica_cap_rights_t r) { return (r.words[0] >> 3) & 1u; }

#define MICA_ALL_RIGHTS       mica_cap_rights_new(1, 1, 1, 1)
#define MICA_READ_WRITE       mica_cap_rights_new(0, 0, 1, 1)
#define MICA_CAN_READ         mica_cap_rights_new(0, 0, 1, 0)
#define MICA_CAN_WRITE        mica_cap_rights_new(0, 0, 0, 1)
#define MICA_CAN_GRANT        mica_cap_rights_new(0, 1, 0, 0)
#define MICA_CAN_GRANT_REPLY  mica_cap_rights_new(1, 0, 0, 0)
#define MICA_NO_WRITE         mica_cap_rights_new(1, 1, 1, 0)
#define MICA_NO_READ          mica_cap_rights_new(1, 1, 0, 1)
#define MICA_NO_RIGHTS        mica_cap_rights_new(0, 0, 0, 0)

/*
 * The same rights given in R W G P order - read, write, grant, grant-reply -
 * the order --log and --cspace-dot print them in ("RW--", "-W-P").
 * mica_cap_rights_new takes them in seL4's order, the other way round.
 */
static inline mica_cap_rights_t
mica_cap_rights_rwgp(mica_word_t read, mica_word_t write, mica_word_t grant,
                     mica_word_t grant_reply)
{
    return mica_cap_rights_new(grant_reply, grant, read, write);
}

/*
 * A client's cap to a server's endpoint, "-W-P": Send and Call (Write),
 * and a Call gets its reply (GrantReply makes the kernel give the server a
 * reply cap) - but the client cannot receive the server's other clients'
 * requests (no Read) nor pass caps of its own to the server (no Grant).
 */
#define MICA_RIGHTS_CLIENT    mica_cap_rights_rwgp(0, 1, 0, 1)
/* A server's cap to its own endpoint when it only receives and replies, "R---". */
#define MICA_RIGHTS_SERVER    mica_cap_rights_rwgp(1, 0, 0, 0)

/* CNode cap data (=seL4 seL4_CNode_CapData): guard size in bits 0-5, guard above. */
static inline mica_word_t mica_cnode_capdata_new(mica_word_t guard, mica_word_t guard_size)
{
    return ((guard & 0x3ffffffffffffffull) << 6) | (guard_size & 0x3fu);
}

/* The register file of a simulated thread (Read/WriteRegisters). */
typedef struct mica_user_context {
    mica_word_t pc;     /* host address of void entry(r0, r1, r2, r3) */
    mica_word_t sp;     /* a virtual address in the thread's VSpace */
    mica_word_t r0, r1, r2, r3, r4, r5, r6, r7;
    mica_word_t tls;
} mica_user_context_t;

#define MICA_USER_CONTEXT_WORDS (sizeof(mica_user_context_t) / sizeof(mica_word_t))

/*
 * What the system holds at a moment (mica_debug_usage): the bytes handed
 * out of RAM untypeds, the live objects by the type of their caps (an
 * object with several caps counts once), and the threads by state.
 */
typedef struct mica_usage {
    mica_word_t untyped_bytes_used;
    mica_word_t objects[MICA_CAP_TYPE_COUNT];
    mica_word_t threads[MICA_THREAD_STATE_COUNT];
} mica_usage_t;
#define MICA_USAGE_WORDS (1 + MICA_CAP_TYPE_COUNT + MICA_THREAD_STATE_COUNT)
MICA_STATIC_ASSERT(sizeof(mica_usage_t) == MICA_USAGE_WORDS * sizeof(mica_word_t) &&
                   MICA_USAGE_WORDS <= MICA_MSG_MAX_LENGTH, "mica_usage_t fits the message registers");

/* The IPC buffer (=seL4 seL4_IPCBuffer layout, 128 words). */
typedef struct mica_ipc_buffer {
    mica_msginfo_t tag;
    mica_word_t msg[MICA_MSG_MAX_LENGTH];
    mica_word_t user_data;
    mica_word_t caps_or_badges[MICA_MSG_MAX_EXTRA_CAPS];
    mica_cptr_t receive_cnode;
    mica_cptr_t receive_index;
    mica_word_t receive_depth;
} mica_ipc_buffer_t;

MICA_STATIC_ASSERT(sizeof(mica_ipc_buffer_t) == (1u << MICA_IPC_BUFFER_SIZE_BITS),
               "IPC buffer must be 1 KiB as on seL4");

typedef struct mica_slot_region {
    mica_word_t start;  /* first slot */
    mica_word_t end;    /* first slot after the region (exclusive) */
} mica_slot_region_t;

typedef struct mica_untyped_desc {
    mica_word_t paddr;
    uint8_t size_bits;
    uint8_t is_device;
    uint8_t padding[sizeof(mica_word_t) - 2];
} mica_untyped_desc_t;

/* One device of the machine: its register page and interrupt line. */
typedef struct mica_device_desc {
    char name[16];              /* "timer", "uart0", "blk0", or a custom model's name */
    mica_word_t paddr;          /* its register page, in device memory above RAM */
    mica_word_t size_bits;      /* 12: one 4 KiB page */
    mica_word_t irq;            /* its interrupt line */
} mica_device_desc_t;

typedef struct mica_bootinfo {
    mica_word_t extra_len;
    mica_word_t node_id;
    mica_word_t num_nodes;
    mica_word_t num_io_pt_levels;
    mica_word_t ipc_buffer;             /* vaddr of the root thread's IPC buffer */
    mica_slot_region_t empty;           /* free slots of the root CNode */
    mica_slot_region_t shared_frames;
    mica_slot_region_t user_image_frames;   /* the root stack's frames */
    mica_slot_region_t user_image_paging;   /* the root VSpace's page tables */
    mica_slot_region_t io_space_caps;
    mica_slot_region_t extra_bi_pages;
    mica_word_t init_cnode_size_bits;
    mica_word_t init_domain;
    mica_slot_region_t untyped;         /* untyped caps, one per untyped_list entry */
    mica_untyped_desc_t untyped_list[MICA_MAX_BOOTINFO_UNTYPED_CAPS];
    /* mica extensions */
    mica_word_t stack_vaddr;            /* lowest vaddr of the root stack */
    mica_word_t stack_bytes;
    mica_word_t bootinfo_vaddr;         /* where this frame is mapped in the root VSpace */
    mica_word_t num_devices;            /* entries of devices[] in use */
    mica_device_desc_t devices[MICA_MAX_DEVICES];   /* mica's stand-in for a device tree */
} mica_bootinfo_t;

MICA_STATIC_ASSERT(sizeof(mica_bootinfo_t) <= (1u << MICA_PAGE_BITS), "boot info must fit one frame");

#ifdef __cplusplus
}
#endif

#endif /* MICA_TYPES_H */
