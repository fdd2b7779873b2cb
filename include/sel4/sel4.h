/*
 * sel4/sel4.h - libsel4's x86_64 non-MCS API under its own names, on mica.
 *
 * Code written for libsel4 builds against mica with nothing changed but the
 * build line:
 *
 *     cc prog.c $(pkg-config --cflags --libs mica)
 *
 * Types, constants, syscalls, bit-field helpers and every object invocation
 * that mica's kernel has keep libsel4's names, signatures and behaviour (the
 * invocation stubs, in sel4/sel4_client.h, are generated from one table:
 * src/sel4/invocations.tab). Where mica differs from a seL4 x86_64 kernel,
 * the comment next to the name says so.
 *
 * Starting a program: a seL4 root task is `int main(void)` (or with argc,
 * argv). This header renames it (#define main mica_sel4_main) and libmica
 * supplies the process's real main, which parses the runner's options
 * (--help lists them; words after `--` go to the program), boots a mica
 * machine and runs the renamed main as the root task. The program's exit
 * status is main's return value when that is non-zero, otherwise the
 * runner's (0 when the system ran down cleanly, see MICA_EXIT_*). Define
 * MICA_SEL4_NO_MAIN before including this header to keep your own main
 * (and call mica_main yourself). In C++ write it as int main(int argc,
 * char **argv): the header declares it so, with C linkage.
 *
 * Threads: a thread's rip is a host function, called with rdi, rsi, rdx,
 * rcx as its first four arguments (the SysV order). An rsp inside the
 * VSpace's address range (below 2^30) runs the thread on that VSpace
 * memory; any other rsp - a host array, as seL4 code often uses - runs it on
 * a host stack of its own, and the value is kept for ReadRegisters.
 *
 * Nothing here keeps global state: the IPC buffer and the boot info are the
 * current thread's and the current run's, asked of mica each time.
 */
#ifndef MICA_SEL4_SEL4_H
#define MICA_SEL4_SEL4_H

#include <stddef.h>
#include <stdint.h>
#include <mica/types.h>
#include <mica/syscalls.h>
#include <mica/objects.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- configuration (libsel4's autoconf values for this kernel) ---------- */

#define CONFIG_ARCH_X86                         1
#define CONFIG_ARCH_X86_64                      1
#define CONFIG_X86_64                           1
#define CONFIG_SEL4_ARCH_X86_64                 1
#define CONFIG_WORD_SIZE                        64
#define CONFIG_SYSCALL                          1
#define CONFIG_DEBUG_BUILD                      1
#define CONFIG_PRINTING                         1
#define CONFIG_ENABLE_SMP_SUPPORT               1
#define CONFIG_MAX_NUM_NODES                    8   /* MICA_MAX_CPUS; a run has --cpus of them */
#define CONFIG_NUM_PRIORITIES                   MICA_NUM_PRIORITIES
#define CONFIG_NUM_DOMAINS                      1
#define CONFIG_TIME_SLICE                       5   /* ticks, mica's default --timeslice */
#define CONFIG_RETYPE_FAN_OUT_LIMIT             MICA_RETYPE_FAN_OUT_LIMIT
#define CONFIG_ROOT_CNODE_SIZE_BITS             12  /* mica's default root CNode */
#define CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS    MICA_MAX_BOOTINFO_UNTYPED_CAPS
#define CONFIG_MAX_NUM_WORK_UNITS_PER_PREEMPTION 100

/* Bit 0x80 of arch_flags: registers in seL4_UserContext's x86_64 order. */
#ifndef MICA_ARCH_FLAGS_SEL4_X86_64
#define MICA_ARCH_FLAGS_SEL4_X86_64             0x80
#endif

/* ---- macros ------------------------------------------------------------- */

#define SEL4_PACKED             __attribute__((packed))
#define SEL4_DEPRECATED(x)      __attribute__((deprecated(x)))
#define LIBSEL4_UNUSED          __attribute__((unused))
#define LIBSEL4_WEAK            __attribute__((weak))
#define LIBSEL4_NOINLINE        __attribute__((noinline))
#define LIBSEL4_INLINE          static inline
#define LIBSEL4_INLINE_FUNC     static inline
#define LIBSEL4_BIT(n)          (1ul << (n))
#define SEL4_COMPILE_ASSERT(name, expr) MICA_STATIC_ASSERT(expr, #name);
#define SEL4_SIZE_SANITY(index, entry, size) \
    SEL4_COMPILE_ASSERT(index##_##entry##_##size, (index) + (entry) == size)
#define SEL4_FORCE_LONG_ENUM(type) \
    _enum_pad_##type = ((1ULL << ((sizeof(long) * 8) - 1)) - 1)

/* ---- simple types ------------------------------------------------------- */

typedef signed char         seL4_Int8;
typedef unsigned char       seL4_Uint8;
typedef signed short        seL4_Int16;
typedef unsigned short      seL4_Uint16;
typedef signed int          seL4_Int32;
typedef unsigned int        seL4_Uint32;
typedef signed long         seL4_Int64;
typedef unsigned long       seL4_Uint64;
typedef seL4_Int8           seL4_Bool;
typedef seL4_Uint64         seL4_Word;
typedef seL4_Word           seL4_CPtr;

#define seL4_True   1
#define seL4_False  0
#ifdef __cplusplus
#define seL4_Null   nullptr
#else
#define seL4_Null   ((void *)0)
#endif

#define SEL4_PRId64     "ld"
#define SEL4_PRIi64     "li"
#define SEL4_PRIu64     "lu"
#define SEL4_PRIx64     "lx"
#define SEL4_PRId_word  "ld"
#define SEL4_PRIi_word  "li"
#define SEL4_PRIu_word  "lu"
#define SEL4_PRIx_word  "lx"
#define SEL4_PRI_word   SEL4_PRIu_word

MICA_STATIC_ASSERT(sizeof(seL4_Word) == sizeof(mica_word_t), "seL4_Word is mica's word");

typedef seL4_Word seL4_NodeId;
typedef seL4_Word seL4_PAddr;
typedef seL4_Word seL4_Domain;
typedef seL4_CPtr seL4_CNode;
typedef seL4_CPtr seL4_IRQHandler;
typedef seL4_CPtr seL4_IRQControl;
typedef seL4_CPtr seL4_TCB;
typedef seL4_CPtr seL4_Untyped;
typedef seL4_CPtr seL4_DomainSet;
typedef seL4_Uint64 seL4_Time;
typedef seL4_CPtr seL4_X86_ASIDControl;
typedef seL4_CPtr seL4_X86_ASIDPool;
typedef seL4_CPtr seL4_X86_IOSpace;
typedef seL4_CPtr seL4_X86_IOPort;
typedef seL4_CPtr seL4_X86_IOPortControl;
typedef seL4_CPtr seL4_X86_Page;
typedef seL4_CPtr seL4_X86_PDPT;
typedef seL4_CPtr seL4_X86_PageDirectory;
typedef seL4_CPtr seL4_X86_PageTable;
typedef seL4_CPtr seL4_X64_PML4;
typedef seL4_Word object_t;
typedef seL4_Word api_object_t;

#define seL4_NilData 0

/* ---- sizes and limits (= mica's, which are seL4 x86_64's) --------------- */

#define seL4_WordBits           64
#define seL4_WordSizeBits       3
#define seL4_PageBits           MICA_PAGE_BITS
#define seL4_SlotBits           MICA_SLOT_BITS
#define seL4_TCBBits            MICA_TCB_BITS
#define seL4_EndpointBits       MICA_ENDPOINT_BITS
#define seL4_NotificationBits   MICA_NOTIFICATION_BITS
#define seL4_PageTableBits      MICA_PAGE_TABLE_BITS
#define seL4_PageTableEntryBits 3
#define seL4_PageTableIndexBits MICA_PAGE_TABLE_INDEX_BITS
#define seL4_PML4Bits           MICA_VSPACE_BITS
#define seL4_PML4EntryBits      3
#define seL4_PML4IndexBits      MICA_VSPACE_INDEX_BITS
#define seL4_VSpaceBits         seL4_PML4Bits
#define seL4_LargePageBits      MICA_LARGE_PAGE_BITS
#define seL4_MinUntypedBits     MICA_MIN_UNTYPED_BITS
#define seL4_MaxUntypedBits     MICA_MAX_UNTYPED_BITS
#define seL4_FastMessageRegisters MICA_FAST_MESSAGE_REGISTERS
#define seL4_IPCBufferSizeBits  MICA_IPC_BUFFER_SIZE_BITS
#define seL4_GuardSizeBits      6
#define seL4_GuardBits          58
#define seL4_BadgeBits          64
#define seL4_CapRightsBits      4
#define seL4_UntypedRetypeMaxObjects CONFIG_RETYPE_FAN_OUT_LIMIT
#define seL4_BootInfoFrameBits  seL4_PageBits
#define seL4_BootInfoFrameSize  LIBSEL4_BIT(seL4_BootInfoFrameBits)
/* The top of a mica VSpace: 2^30 bytes (root -> page table -> frame). */
#define seL4_UserTop            (1ul << MICA_VADDR_BITS)
#define seL4_UserVSpaceTop      (seL4_UserTop - 1)
#define seL4_DataFault          0
#define seL4_InstructionFault   1

enum priorityConstants {
    seL4_InvalidPrio = -1,
    seL4_MinPrio = MICA_MIN_PRIO,
    seL4_MaxPrio = MICA_MAX_PRIO
};

enum seL4_MsgLimits {
    seL4_MsgLengthBits = 7,
    seL4_MsgExtraCapBits = 2,
    seL4_MsgMaxLength = MICA_MSG_MAX_LENGTH
};
#define seL4_MsgMaxExtraCaps (LIBSEL4_BIT(seL4_MsgExtraCapBits) - 1)

/* ---- errors, lookup failures, object types ------------------------------ */

typedef enum {
    seL4_NoError = MICA_NO_ERROR,
    seL4_InvalidArgument = MICA_INVALID_ARGUMENT,
    seL4_InvalidCapability = MICA_INVALID_CAPABILITY,
    seL4_IllegalOperation = MICA_ILLEGAL_OPERATION,
    seL4_RangeError = MICA_RANGE_ERROR,
    seL4_AlignmentError = MICA_ALIGNMENT_ERROR,
    seL4_FailedLookup = MICA_FAILED_LOOKUP,
    seL4_TruncatedMessage = MICA_TRUNCATED_MESSAGE,
    seL4_DeleteFirst = MICA_DELETE_FIRST,
    seL4_RevokeFirst = MICA_REVOKE_FIRST,
    seL4_NotEnoughMemory = MICA_NOT_ENOUGH_MEMORY,
    seL4_NumErrors = MICA_NUM_ERRORS
} seL4_Error;

typedef enum {
    seL4_NoFailure = MICA_NO_FAILURE,
    seL4_InvalidRoot = MICA_INVALID_ROOT,
    seL4_MissingCapability = MICA_MISSING_CAPABILITY,
    seL4_DepthMismatch = MICA_DEPTH_MISMATCH,
    seL4_GuardMismatch = MICA_GUARD_MISMATCH,
} seL4_LookupFailureType;

/* Object types for Untyped_Retype: mica's numbers, seL4 x86_64's names. */
typedef enum api_object {
    seL4_UntypedObject = MICA_UNTYPED_OBJECT,
    seL4_TCBObject = MICA_TCB_OBJECT,
    seL4_EndpointObject = MICA_ENDPOINT_OBJECT,
    seL4_NotificationObject = MICA_NOTIFICATION_OBJECT,
    seL4_CapTableObject = MICA_CNODE_OBJECT,
    seL4_NonArchObjectTypeCount = MICA_FRAME_OBJECT,
} seL4_ObjectType;

typedef enum _object {
    seL4_X86_4K = MICA_FRAME_OBJECT,
    seL4_X86_LargePageObject = MICA_LARGE_FRAME_OBJECT,
    seL4_X86_PageTableObject = MICA_PAGE_TABLE_OBJECT,
    seL4_X86_PageDirectoryObject = MICA_PAGE_DIRECTORY_OBJECT,
    seL4_X86_PDPTObject = MICA_PDPT_OBJECT,
    seL4_X64_HugePageObject = MICA_HUGE_FRAME_OBJECT,
    seL4_X64_PML4Object = MICA_VSPACE_OBJECT,
    seL4_ObjectTypeCount = MICA_OBJECT_TYPE_COUNT
} seL4_ArchObjectType;

typedef enum {
    seL4_X86_Default_VMAttributes = 0,
    seL4_X86_WriteBack = 0,
    seL4_X86_WriteThrough = 1,
    seL4_X86_CacheDisabled = 2,
    seL4_X86_Uncacheable = 3,
    seL4_X86_WriteCombining = 4,
} seL4_X86_VMAttributes;

/* ---- the root CNode's fixed slots (= mica's, = seL4's) ------------------ */

enum seL4_RootCNodeCapSlots {
    seL4_CapNull                = MICA_CAP_NULL,
    seL4_CapInitThreadTCB       = MICA_CAP_INIT_TCB,
    seL4_CapInitThreadCNode     = MICA_CAP_INIT_CNODE,
    seL4_CapInitThreadVSpace    = MICA_CAP_INIT_VSPACE,
    seL4_CapIRQControl          = MICA_CAP_IRQ_CONTROL,
    seL4_CapASIDControl         = MICA_CAP_ASID_CONTROL,     /* a null cap in mica */
    seL4_CapInitThreadASIDPool  = MICA_CAP_INIT_ASID_POOL,   /* a null cap in mica */
    seL4_CapIOPortControl       = MICA_CAP_IO_PORT_CONTROL,  /* a null cap in mica */
    seL4_CapIOSpace             = MICA_CAP_IO_SPACE,         /* a null cap in mica */
    seL4_CapBootInfoFrame       = MICA_CAP_BOOTINFO_FRAME,
    seL4_CapInitThreadIPCBuffer = MICA_CAP_INIT_IPC_BUFFER,
    seL4_CapDomain              = MICA_CAP_DOMAIN,           /* a null cap in mica */
    seL4_CapSMMUSIDControl      = 12,                        /* null caps, as on x86 */
    seL4_CapSMMUCBControl       = 13,
    seL4_CapInitThreadSC        = 14,
    seL4_CapSMC                 = 15,
    seL4_NumInitialCaps         = MICA_NUM_INITIAL_CAPS
};
#define seL4_CapInitThreadPD seL4_CapInitThreadVSpace

/* ---- the IPC buffer and the boot info (layouts = mica's) ---------------- */

typedef mica_msginfo_t seL4_MessageInfo_t;
typedef mica_cap_rights_t seL4_CapRights_t;

typedef struct seL4_IPCBuffer_ {
    seL4_MessageInfo_t tag;
    seL4_Word msg[seL4_MsgMaxLength];
    seL4_Word userData;
    seL4_Word caps_or_badges[seL4_MsgMaxExtraCaps];
    seL4_CPtr receiveCNode;
    seL4_CPtr receiveIndex;
    seL4_Word receiveDepth;
} seL4_IPCBuffer __attribute__((__aligned__(sizeof(struct seL4_IPCBuffer_))));

#define MICA_SEL4_SAME_FIELD(a, fa, b, fb) \
    MICA_STATIC_ASSERT(offsetof(a, fa) == offsetof(b, fb) && sizeof(((a *)0)->fa) == sizeof(((b *)0)->fb), \
                   #a "." #fa " is " #b "." #fb);
MICA_SEL4_SAME_FIELD(seL4_IPCBuffer, tag, mica_ipc_buffer_t, tag)
MICA_SEL4_SAME_FIELD(seL4_IPCBuffer, msg, mica_ipc_buffer_t, msg)
MICA_SEL4_SAME_FIELD(seL4_IPCBuffer, userData, mica_ipc_buffer_t, user_data)
MICA_SEL4_SAME_FIELD(seL4_IPCBuffer, caps_or_badges, mica_ipc_buffer_t, caps_or_badges)
MICA_SEL4_SAME_FIELD(seL4_IPCBuffer, receiveCNode, mica_ipc_buffer_t, receive_cnode)
MICA_SEL4_SAME_FIELD(seL4_IPCBuffer, receiveIndex, mica_ipc_buffer_t, receive_index)
MICA_SEL4_SAME_FIELD(seL4_IPCBuffer, receiveDepth, mica_ipc_buffer_t, receive_depth)
MICA_STATIC_ASSERT(sizeof(seL4_IPCBuffer) == sizeof(mica_ipc_buffer_t), "seL4_IPCBuffer is 1 KiB");

typedef seL4_Word seL4_SlotPos;

typedef struct seL4_SlotRegion {
    seL4_SlotPos start;     /* first slot of the region */
    seL4_SlotPos end;       /* first slot after it */
} seL4_SlotRegion;

typedef struct seL4_UntypedDesc {
    seL4_Word  paddr;
    seL4_Uint8 sizeBits;
    seL4_Uint8 isDevice;
    seL4_Uint8 padding[sizeof(seL4_Word) - 2 * sizeof(seL4_Uint8)];
} seL4_UntypedDesc;

/*
 * ipcBuffer holds the virtual address of the root thread's IPC buffer in
 * its VSpace (mica_vaddr_to_ptr reaches it); seL4_GetIPCBuffer() gives the
 * host pointer. The frame has mica's extensions after untypedList.
 */
typedef struct seL4_BootInfo {
    seL4_Word         extraLen;
    seL4_NodeId       nodeID;
    seL4_Word         numNodes;
    seL4_Word         numIOPTLevels;
    seL4_IPCBuffer   *ipcBuffer;
    seL4_SlotRegion   empty;
    seL4_SlotRegion   sharedFrames;
    seL4_SlotRegion   userImageFrames;
    seL4_SlotRegion   userImagePaging;
    seL4_SlotRegion   ioSpaceCaps;
    seL4_SlotRegion   extraBIPages;
    seL4_Word         initThreadCNodeSizeBits;
    seL4_Domain       initThreadDomain;
    seL4_SlotRegion   untyped;
    seL4_UntypedDesc  untypedList[CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS];
} seL4_BootInfo;

MICA_SEL4_SAME_FIELD(seL4_SlotRegion, start, mica_slot_region_t, start)
MICA_SEL4_SAME_FIELD(seL4_SlotRegion, end, mica_slot_region_t, end)
MICA_SEL4_SAME_FIELD(seL4_UntypedDesc, paddr, mica_untyped_desc_t, paddr)
MICA_SEL4_SAME_FIELD(seL4_UntypedDesc, sizeBits, mica_untyped_desc_t, size_bits)
MICA_SEL4_SAME_FIELD(seL4_UntypedDesc, isDevice, mica_untyped_desc_t, is_device)
MICA_SEL4_SAME_FIELD(seL4_UntypedDesc, padding, mica_untyped_desc_t, padding)
MICA_STATIC_ASSERT(sizeof(seL4_UntypedDesc) == sizeof(mica_untyped_desc_t), "seL4_UntypedDesc");
MICA_SEL4_SAME_FIELD(seL4_BootInfo, extraLen, mica_bootinfo_t, extra_len)
MICA_SEL4_SAME_FIELD(seL4_BootInfo, nodeID, mica_bootinfo_t, node_id)
MICA_SEL4_SAME_FIELD(seL4_BootInfo, numNodes, mica_bootinfo_t, num_nodes)
MICA_SEL4_SAME_FIELD(seL4_BootInfo, numIOPTLevels, mica_bootinfo_t, num_io_pt_levels)
MICA_SEL4_SAME_FIELD(seL4_BootInfo, ipcBuffer, mica_bootinfo_t, ipc_buffer)
MICA_SEL4_SAME_FIELD(seL4_BootInfo, empty, mica_bootinfo_t, empty)
MICA_SEL4_SAME_FIELD(seL4_BootInfo, sharedFrames, mica_bootinfo_t, shared_frames)
MICA_SEL4_SAME_FIELD(seL4_BootInfo, userImageFrames, mica_bootinfo_t, user_image_frames)
MICA_SEL4_SAME_FIELD(seL4_BootInfo, userImagePaging, mica_bootinfo_t, user_image_paging)
MICA_SEL4_SAME_FIELD(seL4_BootInfo, ioSpaceCaps, mica_bootinfo_t, io_space_caps)
MICA_SEL4_SAME_FIELD(seL4_BootInfo, extraBIPages, mica_bootinfo_t, extra_bi_pages)
MICA_SEL4_SAME_FIELD(seL4_BootInfo, initThreadCNodeSizeBits, mica_bootinfo_t, init_cnode_size_bits)
MICA_SEL4_SAME_FIELD(seL4_BootInfo, initThreadDomain, mica_bootinfo_t, init_domain)
MICA_SEL4_SAME_FIELD(seL4_BootInfo, untyped, mica_bootinfo_t, untyped)
MICA_SEL4_SAME_FIELD(seL4_BootInfo, untypedList, mica_bootinfo_t, untyped_list)
MICA_STATIC_ASSERT(sizeof(seL4_BootInfo) <= sizeof(mica_bootinfo_t), "seL4_BootInfo is a prefix of mica's");

typedef enum {
    SEL4_BOOTINFO_HEADER_PADDING            = 0,
    SEL4_BOOTINFO_HEADER_X86_VBE            = 1,
    SEL4_BOOTINFO_HEADER_X86_MBMMAP         = 2,
    SEL4_BOOTINFO_HEADER_X86_ACPI_RSDP      = 3,
    SEL4_BOOTINFO_HEADER_X86_FRAMEBUFFER    = 4,
    SEL4_BOOTINFO_HEADER_X86_TSC_FREQ       = 5,
    SEL4_BOOTINFO_HEADER_FDT                = 6,
    SEL4_BOOTINFO_HEADER_NUM
} seL4_BootInfoID;

typedef struct seL4_BootInfoHeader {
    seL4_Word id;
    seL4_Word len;
} seL4_BootInfoHeader;

/* ---- registers ---------------------------------------------------------- */

/*
 * x86_64's registers, as Read/WriteRegisters take them (arch_flags bit
 * MICA_ARCH_FLAGS_SEL4_X86_64, set by the stubs): rip is the pc (a host
 * function), rsp the sp, rdi, rsi, rdx, rcx, r8, r9, r10, r11 are mica's
 * r0..r7 (a new thread's first four arguments are rdi, rsi, rdx, rcx),
 * fs_base the TLS base; the others are kept per thread.
 */
typedef struct seL4_UserContext_ {
    seL4_Word rip, rsp, rflags, rax, rbx, rcx, rdx, rsi, rdi, rbp,
              r8, r9, r10, r11, r12, r13, r14, r15;
    seL4_Word fs_base, gs_base;
} seL4_UserContext;

/* ---- fault message layouts (mica's indices; all but UnknownSyscall = x86_64's) ---- */

typedef enum {
    seL4_CapFault_IP = MICA_CAP_FAULT_IP,
    seL4_CapFault_Addr = MICA_CAP_FAULT_ADDR,
    seL4_CapFault_InRecvPhase = MICA_CAP_FAULT_IN_RECV_PHASE,
    seL4_CapFault_LookupFailureType = MICA_CAP_FAULT_LOOKUP_FAILURE_TYPE,
    seL4_CapFault_BitsLeft = MICA_CAP_FAULT_BITS_LEFT,
    seL4_CapFault_DepthMismatch_BitsFound = MICA_CAP_FAULT_DEPTH_MISMATCH_BITS_FOUND,
    seL4_CapFault_GuardMismatch_GuardFound = MICA_CAP_FAULT_GUARD_MISMATCH_GUARD_FOUND,
    seL4_CapFault_GuardMismatch_BitsFound = MICA_CAP_FAULT_GUARD_MISMATCH_BITS_FOUND,
} seL4_CapFault_Msg;

typedef enum {
    seL4_VMFault_IP = MICA_VM_FAULT_IP,
    seL4_VMFault_Addr = MICA_VM_FAULT_ADDR,
    seL4_VMFault_PrefetchFault = MICA_VM_FAULT_PREFETCH,
    seL4_VMFault_FSR = MICA_VM_FAULT_FSR,
    seL4_VMFault_Length = MICA_VM_FAULT_LENGTH,
} seL4_VMFault_Msg;

/*
 * mica's unknown-syscall message carries r0..r7 (rdi, rsi, rdx, rcx, r8..r11)
 * then the pc, sp, flags and syscall number: 12 words, not x86_64's 19.
 * rax, rbx, rbp and r12..r15 are not in it, so their names are not defined.
 */
typedef enum {
    seL4_UnknownSyscall_RDI = MICA_UNKNOWN_SYSCALL_R0,
    seL4_UnknownSyscall_RSI,
    seL4_UnknownSyscall_RDX,
    seL4_UnknownSyscall_RCX,
    seL4_UnknownSyscall_R8,
    seL4_UnknownSyscall_R9,
    seL4_UnknownSyscall_R10,
    seL4_UnknownSyscall_R11,
    seL4_UnknownSyscall_FaultIP = MICA_UNKNOWN_SYSCALL_FAULT_IP,
    seL4_UnknownSyscall_SP = MICA_UNKNOWN_SYSCALL_SP,
    seL4_UnknownSyscall_FLAGS = MICA_UNKNOWN_SYSCALL_FLAGS,
    seL4_UnknownSyscall_Syscall = MICA_UNKNOWN_SYSCALL_SYSCALL,
    seL4_UnknownSyscall_Length = MICA_UNKNOWN_SYSCALL_LENGTH
} seL4_UnknownSyscall_Msg;
MICA_STATIC_ASSERT(seL4_UnknownSyscall_R11 == MICA_UNKNOWN_SYSCALL_R0 + 7, "r0..r7");

typedef enum {
    seL4_UserException_FaultIP = MICA_USER_EXCEPTION_IP,
    seL4_UserException_SP = MICA_USER_EXCEPTION_SP,
    seL4_UserException_FLAGS = MICA_USER_EXCEPTION_FLAGS,
    seL4_UserException_Number = MICA_USER_EXCEPTION_NUMBER,
    seL4_UserException_Code = MICA_USER_EXCEPTION_CODE,
    seL4_UserException_Length = MICA_USER_EXCEPTION_LENGTH
} seL4_UserException_Msg;

/* Page_Map's failed lookup: MR2 holds the bits left, as on seL4 x86_64. */
#define SEL4_MAPPING_LOOKUP_LEVEL   2
#define SEL4_MAPPING_LOOKUP_NO_PT   21
#define SEL4_MAPPING_LOOKUP_NO_PD   30
#define SEL4_MAPPING_LOOKUP_NO_PDPT 39

/* ---- the IPC buffer of the current thread ------------------------------- */

/* The current thread's IPC buffer (the one its TCB names), as a host pointer. */
LIBSEL4_INLINE_FUNC seL4_IPCBuffer *seL4_GetIPCBuffer(void)
{
    return (seL4_IPCBuffer *)(void *)mica_get_ipc_buffer();
}

/*
 * mica's kernel knows each thread's IPC buffer (TCB_Configure /
 * SetIPCBuffer), so there is nothing to remember: this does nothing.
 */
LIBSEL4_INLINE_FUNC void seL4_SetIPCBuffer(seL4_IPCBuffer *ipc_buffer)
{
    (void)ipc_buffer;
}

LIBSEL4_INLINE_FUNC seL4_Word seL4_GetMR(int i)
{
    return seL4_GetIPCBuffer()->msg[i];
}

LIBSEL4_INLINE_FUNC void seL4_SetMR(int i, seL4_Word mr)
{
    seL4_GetIPCBuffer()->msg[i] = mr;
}

LIBSEL4_INLINE_FUNC seL4_Word seL4_GetUserData(void)
{
    return seL4_GetIPCBuffer()->userData;
}

LIBSEL4_INLINE_FUNC void seL4_SetUserData(seL4_Word data)
{
    seL4_GetIPCBuffer()->userData = data;
}

LIBSEL4_INLINE_FUNC seL4_Word seL4_GetBadge(int i)
{
    return seL4_GetIPCBuffer()->caps_or_badges[i];
}

LIBSEL4_INLINE_FUNC seL4_CPtr seL4_GetCap(int i)
{
    return (seL4_CPtr)seL4_GetIPCBuffer()->caps_or_badges[i];
}

/* Without an IPC buffer no cap can travel: then this does nothing (mica_set_cap). */
LIBSEL4_INLINE_FUNC void seL4_SetCap(int i, seL4_CPtr cptr)
{
    mica_set_cap(i, cptr);
}

LIBSEL4_INLINE_FUNC void seL4_GetCapReceivePath(seL4_CPtr *receiveCNode, seL4_CPtr *receiveIndex,
                                                seL4_Word *receiveDepth)
{
    seL4_IPCBuffer *b = seL4_GetIPCBuffer();
    if (receiveCNode)
        *receiveCNode = b->receiveCNode;
    if (receiveIndex)
        *receiveIndex = b->receiveIndex;
    if (receiveDepth)
        *receiveDepth = b->receiveDepth;
}

LIBSEL4_INLINE_FUNC void seL4_SetCapReceivePath(seL4_CPtr receiveCNode, seL4_CPtr receiveIndex,
                                                seL4_Word receiveDepth)
{
    seL4_IPCBuffer *b = seL4_GetIPCBuffer();
    b->receiveCNode = receiveCNode;
    b->receiveIndex = receiveIndex;
    b->receiveDepth = receiveDepth;
}

/* ---- system calls (libsel4 x86_64 semantics; mica_* move the MRs) -------- */

/* Send: MR0..MR3 go from the IPC buffer; the receiver sees the first `length`. */
LIBSEL4_INLINE_FUNC void seL4_Send(seL4_CPtr dest, seL4_MessageInfo_t msgInfo)
{
    mica_send(dest, msgInfo);
}

LIBSEL4_INLINE_FUNC void seL4_NBSend(seL4_CPtr dest, seL4_MessageInfo_t msgInfo)
{
    mica_nbsend(dest, msgInfo);
}

LIBSEL4_INLINE_FUNC void seL4_SendWithMRs(seL4_CPtr dest, seL4_MessageInfo_t msgInfo,
                                          seL4_Word *mr0, seL4_Word *mr1, seL4_Word *mr2,
                                          seL4_Word *mr3)
{
    mica_send_with_mrs(dest, msgInfo, mr0, mr1, mr2, mr3);
}

LIBSEL4_INLINE_FUNC void seL4_NBSendWithMRs(seL4_CPtr dest, seL4_MessageInfo_t msgInfo,
                                            seL4_Word *mr0, seL4_Word *mr1, seL4_Word *mr2,
                                            seL4_Word *mr3)
{
    mica_nbsend_with_mrs(dest, msgInfo, mr0, mr1, mr2, mr3);
}

LIBSEL4_INLINE_FUNC void seL4_Reply(seL4_MessageInfo_t msgInfo)
{
    mica_reply(msgInfo);
}

LIBSEL4_INLINE_FUNC void seL4_ReplyWithMRs(seL4_MessageInfo_t msgInfo, seL4_Word *mr0,
                                           seL4_Word *mr1, seL4_Word *mr2, seL4_Word *mr3)
{
    mica_reply_with_mrs(msgInfo, mr0, mr1, mr2, mr3);
}

/* A send of an empty one-word message, as libsel4 makes it (length 1, MR0 0). */
LIBSEL4_INLINE_FUNC void seL4_Signal(seL4_CPtr dest)
{
    mica_send_with_mrs(dest, mica_msginfo_new(0, 0, 0, 1), NULL, NULL, NULL, NULL);
}

/* Receive: MR0..MR3 are stored into the IPC buffer. */
LIBSEL4_INLINE_FUNC seL4_MessageInfo_t seL4_Recv(seL4_CPtr src, seL4_Word *sender)
{
    return mica_recv(src, sender);
}

LIBSEL4_INLINE_FUNC seL4_MessageInfo_t seL4_RecvWithMRs(seL4_CPtr src, seL4_Word *sender,
                                                        seL4_Word *mr0, seL4_Word *mr1,
                                                        seL4_Word *mr2, seL4_Word *mr3)
{
    return mica_recv_with_mrs(src, sender, mr0, mr1, mr2, mr3);
}

LIBSEL4_INLINE_FUNC seL4_MessageInfo_t seL4_NBRecv(seL4_CPtr src, seL4_Word *sender)
{
    return mica_nbrecv(src, sender);
}

/* Call: MR0..MR3 are loaded from the IPC buffer and all four stored back. */
LIBSEL4_INLINE_FUNC seL4_MessageInfo_t seL4_Call(seL4_CPtr dest, seL4_MessageInfo_t msgInfo)
{
    return mica_call(dest, msgInfo);
}

/* Only the words below the message's length are sent; every non-NULL one is stored back. */
LIBSEL4_INLINE_FUNC seL4_MessageInfo_t seL4_CallWithMRs(seL4_CPtr dest, seL4_MessageInfo_t msgInfo,
                                                        seL4_Word *mr0, seL4_Word *mr1,
                                                        seL4_Word *mr2, seL4_Word *mr3)
{
    return mica_call_with_mrs(dest, msgInfo, mr0, mr1, mr2, mr3);
}

LIBSEL4_INLINE_FUNC seL4_MessageInfo_t seL4_ReplyRecv(seL4_CPtr dest, seL4_MessageInfo_t msgInfo,
                                                      seL4_Word *sender)
{
    return mica_reply_recv(dest, msgInfo, sender);
}

LIBSEL4_INLINE_FUNC seL4_MessageInfo_t seL4_ReplyRecvWithMRs(seL4_CPtr dest,
                                                             seL4_MessageInfo_t msgInfo,
                                                             seL4_Word *sender, seL4_Word *mr0,
                                                             seL4_Word *mr1, seL4_Word *mr2,
                                                             seL4_Word *mr3)
{
    return mica_reply_recv_with_mrs(dest, msgInfo, sender, mr0, mr1, mr2, mr3);
}

/* Non-MCS x86: Wait is Recv (MRs stored) without the message info, Poll is NBRecv. */
LIBSEL4_INLINE_FUNC void seL4_Wait(seL4_CPtr src, seL4_Word *sender)
{
    (void)mica_recv(src, sender);
}

LIBSEL4_INLINE_FUNC seL4_MessageInfo_t seL4_Poll(seL4_CPtr src, seL4_Word *sender)
{
    return mica_nbrecv(src, sender);
}

LIBSEL4_INLINE_FUNC void seL4_Yield(void)
{
    mica_yield();
}

/* ---- debug calls -------------------------------------------------------- */

LIBSEL4_INLINE_FUNC void seL4_DebugPutChar(char c)
{
    mica_debug_put_char(c);
}

LIBSEL4_INLINE_FUNC void seL4_DebugPutString(char *str)
{
    for (char *s = str; *s; s++)
        mica_debug_put_char(*s);
}

LIBSEL4_INLINE_FUNC void seL4_DebugDumpScheduler(void)
{
    mica_debug_dump_scheduler();
}

LIBSEL4_INLINE_FUNC void seL4_DebugHalt(void)
{
    mica_debug_halt();
}

/* mica has no capDL dump: as its kernel's DebugSnapshot, this does nothing. */
LIBSEL4_INLINE_FUNC void seL4_DebugSnapshot(void)
{
}

LIBSEL4_INLINE_FUNC void seL4_DebugNameThread(seL4_CPtr tcb, const char *name)
{
    mica_debug_name_thread(tcb, name);
}

/* The seL4 x86_64 cap tag (cap_null_cap 0, cap_endpoint_cap 4, cap_frame_cap 1, ...). */
LIBSEL4_INLINE_FUNC seL4_Uint32 seL4_DebugCapIdentify(seL4_CPtr cap)
{
    switch (mica_debug_cap_identify(cap)) {
    case MICA_CAP_TYPE_UNTYPED:         return 2;
    case MICA_CAP_TYPE_ENDPOINT:        return 4;
    case MICA_CAP_TYPE_NOTIFICATION:    return 6;
    case MICA_CAP_TYPE_REPLY:           return 8;
    case MICA_CAP_TYPE_CNODE:           return 10;
    case MICA_CAP_TYPE_TCB:             return 12;
    case MICA_CAP_TYPE_IRQ_CONTROL:     return 14;
    case MICA_CAP_TYPE_IRQ_HANDLER:     return 16;
    case MICA_CAP_TYPE_ZOMBIE:          return 18;
    case MICA_CAP_TYPE_FRAME:           return 1;
    case MICA_CAP_TYPE_PAGE_TABLE:      return 3;
    case MICA_CAP_TYPE_VSPACE:          return 9;   /* cap_pml4_cap */
    default:                            return 0;
    }
}

/* ---- bit fields, fault union, invocation labels and stubs (generated) ---- */

#include <sel4/sel4_client.h>

/* ---- ASIDs ---------------------------------------------------------------- */

/*
 * mica has no ASIDs: a VSpace works as soon as it is retyped, and
 * seL4_CapInitThreadASIDPool holds a null cap. So that seL4 code that gives
 * each new VSpace an ASID builds and runs unchanged, Assign keeps seL4's
 * checks on its argument (seL4: decodeX86ASIDPoolInvocation - the VSpace
 * must be a PML4 cap, else InvalidCapability with invalidCapNumber 1; MR0
 * says which, as the generated stubs do on an error) and otherwise
 * succeeds without doing anything. _service is not checked (mica's only
 * pool is the null seL4_CapInitThreadASIDPool), and assigning one VSpace
 * twice succeeds, where seL4 answers the second with InvalidCapability.
 */
LIBSEL4_INLINE_FUNC seL4_Error seL4_X86_ASIDPool_Assign(seL4_X86_ASIDPool _service, seL4_CPtr vspace)
{
    (void)_service;
    if (mica_debug_cap_identify(vspace) != MICA_CAP_TYPE_VSPACE) {
        seL4_SetMR(0, 1);
        return seL4_InvalidCapability;
    }
    return seL4_NoError;
}

/* ---- faults --------------------------------------------------------------- */

LIBSEL4_INLINE_FUNC seL4_Fault_t seL4_getArchFault(seL4_MessageInfo_t tag)
{
    switch (seL4_MessageInfo_get_label(tag)) {
    case seL4_Fault_UnknownSyscall:
        return seL4_Fault_UnknownSyscall_new(0, 0, seL4_GetMR(seL4_UnknownSyscall_RCX),
                                             seL4_GetMR(seL4_UnknownSyscall_RDX),
                                             seL4_GetMR(seL4_UnknownSyscall_RSI),
                                             seL4_GetMR(seL4_UnknownSyscall_RDI), 0,
                                             seL4_GetMR(seL4_UnknownSyscall_R8),
                                             seL4_GetMR(seL4_UnknownSyscall_R9),
                                             seL4_GetMR(seL4_UnknownSyscall_R10),
                                             seL4_GetMR(seL4_UnknownSyscall_R11), 0, 0, 0, 0,
                                             seL4_GetMR(seL4_UnknownSyscall_FaultIP),
                                             seL4_GetMR(seL4_UnknownSyscall_SP),
                                             seL4_GetMR(seL4_UnknownSyscall_FLAGS),
                                             seL4_GetMR(seL4_UnknownSyscall_Syscall));
    case seL4_Fault_UserException:
        return seL4_Fault_UserException_new(seL4_GetMR(seL4_UserException_FaultIP),
                                            seL4_GetMR(seL4_UserException_SP),
                                            seL4_GetMR(seL4_UserException_FLAGS),
                                            seL4_GetMR(seL4_UserException_Number),
                                            seL4_GetMR(seL4_UserException_Code));
    case seL4_Fault_VMFault:
        return seL4_Fault_VMFault_new(seL4_GetMR(seL4_VMFault_IP), seL4_GetMR(seL4_VMFault_Addr),
                                      seL4_GetMR(seL4_VMFault_PrefetchFault),
                                      seL4_GetMR(seL4_VMFault_FSR));
    default:
        return seL4_Fault_NullFault_new();
    }
}

/* The fault message just received (tag), decoded from the MRs. */
LIBSEL4_INLINE_FUNC seL4_Fault_t seL4_getFault(seL4_MessageInfo_t tag)
{
    if (seL4_MessageInfo_get_label(tag) == seL4_Fault_CapFault)
        return seL4_Fault_CapFault_new(seL4_GetMR(seL4_CapFault_IP), seL4_GetMR(seL4_CapFault_Addr),
                                       seL4_GetMR(seL4_CapFault_InRecvPhase),
                                       seL4_GetMR(seL4_CapFault_LookupFailureType),
                                       seL4_GetMR(seL4_CapFault_BitsLeft),
                                       seL4_GetMR(seL4_CapFault_GuardMismatch_GuardFound),
                                       seL4_GetMR(seL4_CapFault_GuardMismatch_BitsFound));
    return seL4_getArchFault(tag);
}

LIBSEL4_INLINE_FUNC seL4_Bool seL4_isVMFault_tag(seL4_MessageInfo_t tag)
{
    return seL4_MessageInfo_get_label(tag) == seL4_Fault_VMFault;
}

LIBSEL4_INLINE_FUNC seL4_Bool seL4_isUnknownSyscall_tag(seL4_MessageInfo_t tag)
{
    return seL4_MessageInfo_get_label(tag) == seL4_Fault_UnknownSyscall;
}

LIBSEL4_INLINE_FUNC seL4_Bool seL4_isUserException_tag(seL4_MessageInfo_t tag)
{
    return seL4_MessageInfo_get_label(tag) == seL4_Fault_UserException;
}

LIBSEL4_INLINE_FUNC seL4_Bool seL4_isNullFault_tag(seL4_MessageInfo_t tag)
{
    return seL4_MessageInfo_get_label(tag) == seL4_Fault_NullFault;
}

LIBSEL4_INLINE_FUNC seL4_Bool seL4_isCapFault_tag(seL4_MessageInfo_t tag)
{
    return seL4_MessageInfo_get_label(tag) == seL4_Fault_CapFault;
}

/*
 * The level a map call found missing: bits left (39: no PDPT, 30: no page
 * directory, 21: no page table).
 */
LIBSEL4_INLINE_FUNC seL4_Word seL4_MappingFailedLookupLevel(void)
{
    return seL4_GetMR(SEL4_MAPPING_LOOKUP_LEVEL);
}

/* ---- boot info ---------------------------------------------------------- */

/*
 * The current run's boot info frame (the root task's; threads sharing its
 * VSpace may ask too). Read it: writing it changes what later calls see.
 */
LIBSEL4_INLINE_FUNC seL4_BootInfo *seL4_GetBootInfo(void)
{
    return (seL4_BootInfo *)(void *)(uintptr_t)mica_bootinfo();
}

/* libsel4 keeps a pointer set here; mica knows the run's boot info, so this does nothing. */
LIBSEL4_INLINE_FUNC void seL4_InitBootInfo(seL4_BootInfo *bi)
{
    (void)bi;
}

/* ---- the program's main is the root task (see the top of this file) ------ */

#ifdef __cplusplus
}
#endif

#ifndef MICA_SEL4_NO_MAIN
#define main mica_sel4_main
#ifdef __cplusplus
/*
 * In C++ the renamed main must have C linkage to be found, and C++ cannot
 * overload it: write it as int main(int argc, char **argv).
 */
extern "C" int main(int argc, char **argv);
#else
/*
 * main may be int main(void) or int main(int, char **), so no prototype of
 * the renamed function can be given: -Wmissing-prototypes would flag it.
 */
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#endif
#endif

#endif /* MICA_SEL4_SEL4_H */
