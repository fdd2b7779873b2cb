/*
 * mica/constants.h - sizes, limits and fixed numbers of the mica ABI.
 *
 * Values marked (=seL4) match seL4's 64-bit non-MCS configuration and must
 * never change: programs written against docs/api.md depend on them.
 */
#ifndef MICA_CONSTANTS_H
#define MICA_CONSTANTS_H

#define MICA_WORD_BITS          64
#define MICA_SLOT_BITS          5   /* (=seL4) 32-byte capability slots */
#define MICA_ENDPOINT_BITS      4   /* (=seL4) */
#define MICA_NOTIFICATION_BITS  5   /* (=seL4) */
#define MICA_TCB_BITS           11  /* (=seL4) */
#define MICA_PAGE_BITS          12  /* (=seL4) 4 KiB frames */
#define MICA_LARGE_PAGE_BITS    21  /* (=seL4) 2 MiB frames */
#define MICA_HUGE_PAGE_BITS     30  /* (=seL4 x86_64) 1 GiB frames */
#define MICA_PAGE_TABLE_BITS    12
#define MICA_PAGE_DIRECTORY_BITS 12 /* (=seL4 x86_64) */
#define MICA_PDPT_BITS          12  /* (=seL4 x86_64) */
#define MICA_VSPACE_BITS        12
#define MICA_MIN_UNTYPED_BITS   4   /* (=seL4) */
#define MICA_MAX_UNTYPED_BITS   47  /* (=seL4) */
#define MICA_IPC_BUFFER_SIZE_BITS 10 /* (=seL4) 1 KiB, 128 words */

#define MICA_MSG_MAX_LENGTH     120 /* (=seL4) */
#define MICA_MSG_MAX_EXTRA_CAPS 3   /* (=seL4) */
#define MICA_FAST_MESSAGE_REGISTERS 4 /* MR0..MR3 travel in registers */

#define MICA_MAX_PRIO           255 /* (=seL4) */
#define MICA_MIN_PRIO           0
#define MICA_NUM_PRIORITIES     256

#define MICA_RETYPE_FAN_OUT_LIMIT 256 /* (=seL4 CONFIG_RETYPE_FAN_OUT_LIMIT) */
#define MICA_MAX_BOOTINFO_UNTYPED_CAPS 230 /* (=seL4) */
#define MICA_TCB_CNODE_ENTRIES  5   /* (=seL4 tcbCNodeEntries) */

/*
 * Address-space geometry (=seL4 x86_64): VSpace root, the PML4 (vaddr bits
 * 39-46) -> PDPT (30-38; or a 1 GiB frame) -> page directory (21-29; or a
 * 2 MiB frame) -> page table (12-20) -> 4 KiB frame.
 */
#define MICA_VADDR_BITS         47
#define MICA_VSPACE_INDEX_BITS  9
#define MICA_PDPT_INDEX_BITS    9
#define MICA_PAGE_DIRECTORY_INDEX_BITS 9
#define MICA_PAGE_TABLE_INDEX_BITS 9
#define MICA_ROOT_FREE_VADDR    0x10000000ul

/* Well-known slots of the root task's CNode (=seL4 numbering). */
#define MICA_CAP_NULL               0
#define MICA_CAP_INIT_TCB           1
#define MICA_CAP_INIT_CNODE         2
#define MICA_CAP_INIT_VSPACE        3
#define MICA_CAP_IRQ_CONTROL        4
#define MICA_CAP_ASID_CONTROL       5   /* null in mica: no ASIDs */
#define MICA_CAP_INIT_ASID_POOL     6   /* null in mica */
#define MICA_CAP_IO_PORT_CONTROL    7   /* null in mica */
#define MICA_CAP_IO_SPACE           8   /* null in mica */
#define MICA_CAP_BOOTINFO_FRAME     9
#define MICA_CAP_INIT_IPC_BUFFER    10
#define MICA_CAP_DOMAIN             11  /* null in mica */
#define MICA_NUM_INITIAL_CAPS       16

/*
 * Registers (TCB_ReadRegisters/WriteRegisters/CopyRegisters).
 *
 * MICA_RESUME_PC is the pc a task reads for a thread parked in the kernel
 * with a live host context: blocked in a system call, ready to continue
 * after one, or preempted. On seL4 such a thread's pc is an instruction
 * inside its code; here the thread is a host function suspended mid-way,
 * which no address can name, so this value stands for "continue where it
 * is". Writing it back keeps the parked context; writing any other pc (its
 * entry function included) starts the thread afresh there when it next
 * runs. A thread that never started, or whose entry function returned, has
 * nothing to continue: its pc reads back as written, and given
 * MICA_RESUME_PC it cannot start (it stays Inactive and the log says why).
 * A thread stopped by a trap reads back the trap address instead, and
 * writing that address back also lets it retry the faulting instruction.
 * The value lies inside page 0, which Linux never maps, and is odd, so it
 * is never the address of a host function; it is canonical, so seL4's
 * register sanitising leaves it alone; it is not a small number a task
 * might write as an arbitrary bad pc; and it is the same in every run, so
 * traces stay deterministic.
 */
#define MICA_RESUME_PC              0xfe5ul

/*
 * arch_flags bit (Read/Write/CopyRegisters; it travels in bits 8..15 of
 * their first message word): registers in seL4_UserContext's x86_64 order,
 * 20 words: rip, rsp, rflags, rax, rbx, rcx, rdx, rsi, rdi, rbp, r8..r15,
 * fs_base, gs_base, with CopyRegisters' frame part the first 18 and its
 * integer part fs_base, gs_base (=seL4 x86_64 frameRegisters/gpRegisters).
 * rip = pc, rsp = sp, rdi = r0, rsi = r1, rdx = r2, rcx = r3, r8..r11 =
 * r4..r7, fs_base = tls; the other nine are kept per thread. Written
 * values are sanitised as seL4 does (rflags forced to user mode, a
 * non-canonical rip, fs_base or gs_base becomes 0). Without this bit the
 * layout is mica_user_context_t (11 words) and the extra nine are left as
 * they are.
 */
#define MICA_ARCH_FLAGS_SEL4_X86_64 0x80

/* Simulated interrupt lines (IRQControl_Get accepts 0 .. MICA_MAX_IRQ). */
#define MICA_MAX_IRQ                63

/* Devices in the boot info's table: the built-in timer, uart0 and blk0 and two of a
 * program's own (the table fills the rest of the boot-info frame). */
#define MICA_MAX_DEVICES            5

#endif /* MICA_CONSTANTS_H */
