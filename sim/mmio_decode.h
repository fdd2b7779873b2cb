/*
 * mmio_decode.h - decode the load or store a task made on a device frame.
 *
 * Pure functions over instruction bytes (no machine state), so that every
 * encoding can be unit-tested on any host (tests/test_mmio_decode.c). The
 * trap path (mmio.c) takes the access size and direction from here, the
 * address from the fault, and performs the access on the device model.
 */
#ifndef MICA_SIM_MMIO_DECODE_H
#define MICA_SIM_MMIO_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* x86-64 general registers in encoding order (ModRM.reg with REX.R, ...). */
enum {
    MMIO_X86_RAX, MMIO_X86_RCX, MMIO_X86_RDX, MMIO_X86_RBX,
    MMIO_X86_RSP, MMIO_X86_RBP, MMIO_X86_RSI, MMIO_X86_RDI,
    MMIO_X86_R8, MMIO_X86_R9, MMIO_X86_R10, MMIO_X86_R11,
    MMIO_X86_R12, MMIO_X86_R13, MMIO_X86_R14, MMIO_X86_R15,
};
#define MMIO_REG_NONE (-1)

typedef struct mmio_insn {
    unsigned len;           /* bytes of the instruction (x86), 4 on AArch64 */
    unsigned size;          /* bytes accessed: 1, 2, 4 or 8 */
    bool write;             /* a store (to the device) rather than a load */
    /*
     * A load: reg is the destination, written dest_bits wide after zero- or
     * (sign) sign-extending the size bytes read. x86 rules for the rest of
     * the register: a 32-bit destination clears bits 32..63, an 8- or
     * 16-bit one keeps the bits above it; high8 means AH, CH, DH or BH
     * (bits 8..15). AArch64 loads write the whole X register (a W
     * destination, dest_bits 32, clears bits 32..63 as on x86).
     * A store: reg is the source (its low size bytes; high8 as above), or
     * MMIO_REG_NONE for an immediate (imm, already truncated to size).
     * AArch64 register 31 is XZR here: a load to it is discarded, a store
     * from it writes 0.
     */
    int reg;
    bool high8;
    unsigned dest_bits;
    bool sign;
    uint64_t imm;
    /*
     * The effective address, for checking it against the fault address:
     * base + index * scale + disp (MMIO_REG_NONE: absent; rip_relative:
     * the base is the address of the next instruction). addr32 (x86 0x67
     * prefix): truncated to 32 bits. seg_fs_gs: an FS or GS override, whose
     * base the check cannot see.
     */
    int base, index;
    unsigned scale;
    int64_t disp;
    bool rip_relative, addr32, seg_fs_gs;
    /*
     * AArch64 pre/post-index: base register writeback (base += wb_offset
     * after the access); post_index: the access is at base itself.
     * AArch64 register offset: index is Rm, extended per ext (0 = LSL
     * (UXTX), 2 = UXTW, 6 = SXTW, 3 = LSL as well, 7 = SXTX), shifted by
     * scale (a shift count on AArch64, not a multiplier).
     */
    bool writeback, post_index;
    int64_t wb_offset;
    unsigned ext;
} mmio_insn_t;

/* Outcome of a decode: the instruction is a supported load or store ... */
#define MMIO_DECODE_OK        0
/* ... is some other instruction (or an unsupported form of mov) ... */
#define MMIO_DECODE_REJECT   (-1)
/* ... or needs more bytes than were given (x86: longer than n). */
#define MMIO_DECODE_SHORT    (-2)

/* Decode the x86-64 instruction in code[0 .. n) (at most 15 bytes are read). */
int mmio_decode_x86(const uint8_t *code, size_t n, mmio_insn_t *out);

/* Decode one AArch64 instruction word (little-endian A64 encoding as a value). */
int mmio_decode_a64(uint32_t insn, mmio_insn_t *out);

#endif
