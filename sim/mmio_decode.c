/*
 * mmio_decode.c - the loads and stores a driver makes on device registers,
 * decoded from their machine code (see mmio_decode.h).
 *
 * x86-64 (Intel SDM vol. 2, "Instruction format"): legacy prefixes, an
 * optional REX byte right before the opcode, the opcode, ModRM, SIB,
 * displacement, immediate. Supported: the mov family that moves one value
 * between a register (or an immediate) and memory -
 *   88/89 mov r/m, r      8A/8B mov r, r/m      C6/C7 /0 mov r/m, imm
 *   A0-A3 mov between AL/rAX and a 64-bit absolute address (moffs)
 *   0F B6/B7 movzx        0F BE/BF movsx        63 movsxd
 * with 66 (16-bit operand), 67 (32-bit address), segment overrides and
 * REX.W/R/X/B. LOCK and REP prefixes, a register-only ModRM and every
 * other opcode are rejected: those become VM faults.
 *
 * AArch64 (Arm ARM, "Loads and Stores"): LDR/STR (register) of the
 * general registers - unsigned scaled immediate, unscaled (LDUR/STUR and
 * the unprivileged LDTR/STTR), pre- and post-index, register offset with
 * extend/shift - in sizes B/H/W/X, and the sign-extending LDRSB/LDRSH/
 * LDRSW. Pairs, exclusives, atomics, SIMD&FP registers and literal loads
 * are rejected.
 */
#include "mmio_decode.h"

#include <string.h>

#define X86_MAX_LEN 15

static void insn_clear(mmio_insn_t *o)
{
    memset(o, 0, sizeof *o);
    o->reg = MMIO_REG_NONE;
    o->base = MMIO_REG_NONE;
    o->index = MMIO_REG_NONE;
    o->scale = 1;
}

/* Reads bytes one at a time, never past n (nor past 15, the longest x86 instruction). */
struct cursor {
    const uint8_t *code;
    size_t n, pos;
};

static int next(struct cursor *c, uint8_t *b)
{
    if (c->pos >= X86_MAX_LEN)
        return MMIO_DECODE_REJECT;
    if (c->pos >= c->n)
        return MMIO_DECODE_SHORT;
    *b = c->code[c->pos++];
    return MMIO_DECODE_OK;
}

/* n little-endian bytes, sign-extended. */
static int next_le(struct cursor *c, unsigned n, int64_t *v)
{
    uint64_t x = 0;
    for (unsigned i = 0; i < n; i++) {
        uint8_t b;
        int r = next(c, &b);
        if (r)
            return r;
        x |= (uint64_t)b << (8 * i);
    }
    if (n < 8 && (x >> (8 * n - 1)) & 1)
        x |= ~(uint64_t)0 << (8 * n);
    *v = (int64_t)x;
    return MMIO_DECODE_OK;
}

/* ModRM and what follows it up to the immediate; the memory operand into o, ModRM.reg into *reg. */
static int modrm(struct cursor *c, unsigned rex, mmio_insn_t *o, unsigned *reg)
{
    uint8_t m;
    int r = next(c, &m);
    if (r)
        return r;
    unsigned mod = m >> 6, rm = m & 7;
    *reg = ((m >> 3) & 7) | ((rex & 4) ? 8 : 0);
    if (mod == 3)
        return MMIO_DECODE_REJECT;      /* a register operand: no memory access */
    unsigned disp_bytes = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    if (rm == 4) {
        uint8_t sib;
        if ((r = next(c, &sib)) != 0)
            return r;
        unsigned idx = ((sib >> 3) & 7) | ((rex & 2) ? 8 : 0);
        unsigned base = (sib & 7) | ((rex & 1) ? 8 : 0);
        o->index = idx == MMIO_X86_RSP ? MMIO_REG_NONE : (int)idx;    /* 100 without REX.X: none */
        o->scale = 1u << (sib >> 6);
        if ((sib & 7) == 5 && mod == 0)
            disp_bytes = 4;                                 /* no base, disp32 */
        else
            o->base = (int)base;
    } else if (rm == 5 && mod == 0) {
        o->rip_relative = true;
        disp_bytes = 4;
    } else {
        o->base = (int)(rm | ((rex & 1) ? 8 : 0));
    }
    if (disp_bytes && (r = next_le(c, disp_bytes, &o->disp)) != 0)
        return r;
    return MMIO_DECODE_OK;
}

int mmio_decode_x86(const uint8_t *code, size_t n, mmio_insn_t *out)
{
    mmio_insn_t o;
    insn_clear(&o);
    struct cursor c = { code, n, 0 };
    unsigned rex = 0;
    bool opsize16 = false;
    uint8_t b;
    int r;
    /* Prefixes; a REX counts only right before the opcode. */
    for (;;) {
        if ((r = next(&c, &b)) != 0)
            return r;
        if (b >= 0x40 && b <= 0x4f) {
            rex = b;
            continue;
        }
        if (b == 0x66)
            opsize16 = true;
        else if (b == 0x67)
            o.addr32 = true;
        else if (b == 0x2e || b == 0x3e || b == 0x26 || b == 0x36)
            ;                           /* CS/DS/ES/SS: no effect in 64-bit mode */
        else if (b == 0x64 || b == 0x65)
            o.seg_fs_gs = true;
        else if (b == 0xf0 || b == 0xf2 || b == 0xf3)
            return MMIO_DECODE_REJECT;  /* LOCK, REPNE, REP: not a plain mov */
        else
            break;
        rex = 0;                        /* a legacy prefix after a REX: the REX is ignored */
    }
    bool w = (rex & 8) != 0;
    unsigned osz = w ? 8 : opsize16 ? 2 : 4;
    unsigned reg = 0;
    switch (b) {
    case 0x88: case 0x89: case 0x8a: case 0x8b:
        if ((r = modrm(&c, rex, &o, &reg)) != 0)
            return r;
        o.write = b == 0x88 || b == 0x89;
        o.size = (b & 1) ? osz : 1;
        o.dest_bits = o.size * 8;
        o.reg = (int)reg;
        if (o.size == 1 && !rex && reg >= 4 && reg < 8) {
            o.reg = (int)reg - 4;       /* AH, CH, DH, BH */
            o.high8 = true;
        }
        break;
    case 0xc6: case 0xc7: {
        if ((r = modrm(&c, rex, &o, &reg)) != 0)
            return r;
        if ((reg & 7) != 0)
            return MMIO_DECODE_REJECT;  /* C6/C7 with /r != 0 are other instructions */
        o.write = true;
        o.size = b == 0xc6 ? 1 : osz;
        int64_t imm;
        if ((r = next_le(&c, o.size >= 4 ? 4 : o.size, &imm)) != 0)
            return r;                   /* imm32 is sign-extended for a 64-bit store */
        o.imm = o.size == 8 ? (uint64_t)imm : (uint64_t)imm & ((1ull << (8 * o.size)) - 1);
        break;
    }
    case 0x63:
        if ((r = modrm(&c, rex, &o, &reg)) != 0)
            return r;
        o.reg = (int)reg;
        o.size = w ? 4 : osz;
        o.dest_bits = osz * 8;
        o.sign = w;                     /* without REX.W, movsxd is a plain 16/32-bit mov */
        break;
    case 0xa0: case 0xa1: case 0xa2: case 0xa3: {
        int64_t moffs;
        if ((r = next_le(&c, o.addr32 ? 4 : 8, &moffs)) != 0)
            return r;
        o.disp = o.addr32 ? (int64_t)(uint32_t)moffs : moffs;
        o.write = b >= 0xa2;
        o.size = (b & 1) ? osz : 1;
        o.dest_bits = o.size * 8;
        o.reg = MMIO_X86_RAX;
        break;
    }
    case 0x0f: {
        uint8_t b2;
        if ((r = next(&c, &b2)) != 0)
            return r;
        if (b2 != 0xb6 && b2 != 0xb7 && b2 != 0xbe && b2 != 0xbf)
            return MMIO_DECODE_REJECT;
        if ((r = modrm(&c, rex, &o, &reg)) != 0)
            return r;
        o.reg = (int)reg;
        o.size = (b2 & 1) ? 2 : 1;
        o.dest_bits = osz * 8;
        o.sign = b2 >= 0xbe;
        break;
    }
    default:
        return MMIO_DECODE_REJECT;
    }
    o.len = (unsigned)c.pos;
    *out = o;
    return MMIO_DECODE_OK;
}

int mmio_decode_a64(uint32_t insn, mmio_insn_t *out)
{
    mmio_insn_t o;
    insn_clear(&o);
    unsigned size = insn >> 30, opc = (insn >> 22) & 3;
    unsigned rn = (insn >> 5) & 31, rt = insn & 31;
    /* Load/store register, general registers: bits 29..27 = 111, V (26) = 0. */
    if (((insn >> 27) & 7) != 7 || ((insn >> 26) & 1) != 0)
        return MMIO_DECODE_REJECT;
    o.len = 4;
    o.size = 1u << size;
    o.reg = (int)rt;
    o.base = (int)rn;
    o.dest_bits = 64;
    switch (opc) {
    case 0: o.write = true; break;                  /* STR* */
    case 1: break;                                  /* LDR*: zero-extended */
    case 2:                                         /* LDRS* to an X register */
        if (size == 3)
            return MMIO_DECODE_REJECT;              /* PRFM */
        o.sign = true;
        break;
    default:                                        /* LDRSB/LDRSH to a W register */
        if (size >= 2)
            return MMIO_DECODE_REJECT;
        o.sign = true;
        o.dest_bits = 32;
        break;
    }
    if (o.write)
        o.dest_bits = 0;
    unsigned op2 = (insn >> 24) & 3;
    if (op2 == 1) {                                 /* unsigned immediate, scaled */
        o.disp = (int64_t)(((insn >> 10) & 0xfff) << size);
    } else if (op2 == 0 && !((insn >> 21) & 1)) {
        int64_t imm9 = (int64_t)((insn >> 12) & 0x1ff);
        if (imm9 & 0x100)
            imm9 -= 0x200;
        switch ((insn >> 10) & 3) {
        case 0: case 2:                             /* LDUR/STUR, LDTR/STTR */
            o.disp = imm9;
            break;
        case 1:                                     /* post-index: access at base, then base += imm */
            o.writeback = o.post_index = true;
            o.wb_offset = imm9;
            break;
        default:                                    /* pre-index: base += imm, access there */
            o.writeback = true;
            o.disp = o.wb_offset = imm9;
            break;
        }
        if (o.writeback && rn == rt && rn != 31)
            return MMIO_DECODE_REJECT;              /* constrained unpredictable */
    } else if (op2 == 0 && ((insn >> 10) & 3) == 2) {   /* register offset */
        unsigned option = (insn >> 13) & 7;
        if (!(option & 2))
            return MMIO_DECODE_REJECT;              /* only UXTW, LSL, SXTW, SXTX */
        o.index = (int)((insn >> 16) & 31);         /* 31 is XZR here */
        o.ext = option;
        o.scale = ((insn >> 12) & 1) ? size : 0;
    } else {
        return MMIO_DECODE_REJECT;                  /* atomics, LDAPR, pairs' neighbours */
    }
    *out = o;
    return MMIO_DECODE_OK;
}
