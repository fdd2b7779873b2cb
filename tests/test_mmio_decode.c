/*
 * test_mmio_decode.c - the MMIO instruction decoder (sim/mmio_decode.c) on
 * byte patterns: every supported x86-64 form and AArch64 LDR/STR form gives
 * the right length, size, direction, register and extension; everything
 * else is rejected (and becomes a VM fault on a device frame). Pure: no
 * kernel, no run, so the AArch64 decoder is tested on any host.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "../sim/mmio_decode.h"

static mmio_insn_t dx(const uint8_t *b, size_t n)
{
    mmio_insn_t o;
    int r = mmio_decode_x86(b, n, &o);
    ck_assert_msg(r == MMIO_DECODE_OK, "decode of %zu bytes starting %02x failed: %d", n, b[0], r);
    return o;
}
#define DX(...) ({ static const uint8_t b_[] = { __VA_ARGS__ }; dx(b_, sizeof b_); })

static int rx(const uint8_t *b, size_t n)
{
    mmio_insn_t o;
    return mmio_decode_x86(b, n, &o);
}
#define RX(...) ({ static const uint8_t b_[] = { __VA_ARGS__ }; rx(b_, sizeof b_); })

/* Load: len, size, register, destination width, sign. */
static void is_load(mmio_insn_t o, unsigned len, unsigned size, int reg, unsigned dest, bool sign)
{
    ck_assert_uint_eq(o.len, len);
    ck_assert_uint_eq(o.size, size);
    ck_assert(!o.write);
    ck_assert_int_eq(o.reg, reg);
    ck_assert_uint_eq(o.dest_bits, dest);
    ck_assert_int_eq(o.sign, sign);
}

static void is_store(mmio_insn_t o, unsigned len, unsigned size, int reg)
{
    ck_assert_uint_eq(o.len, len);
    ck_assert_uint_eq(o.size, size);
    ck_assert(o.write);
    ck_assert_int_eq(o.reg, reg);
}

START_TEST(x86_mov_loads_of_every_width)
{
    /* mov (%rdi),%al / %ax / %eax / %rax */
    is_load(DX(0x8a, 0x07), 2, 1, MMIO_X86_RAX, 8, false);
    is_load(DX(0x66, 0x8b, 0x07), 3, 2, MMIO_X86_RAX, 16, false);
    is_load(DX(0x8b, 0x07), 2, 4, MMIO_X86_RAX, 32, false);
    is_load(DX(0x48, 0x8b, 0x07), 3, 8, MMIO_X86_RAX, 64, false);
    /* mov 0x10(%rdi),%r9d: REX.R; mov 0x12345678(%r13),%r14 (REX.WRB, disp32) */
    is_load(DX(0x44, 0x8b, 0x4f, 0x10), 4, 4, MMIO_X86_R9, 32, false);
    mmio_insn_t o = DX(0x4d, 0x8b, 0xb5, 0x78, 0x56, 0x34, 0x12);
    is_load(o, 7, 8, MMIO_X86_R14, 64, false);
    ck_assert_int_eq(o.base, MMIO_X86_R13);
    ck_assert_int_eq(o.disp, 0x12345678);
    /* mov (%rsi),%r10b: REX.R with an 8-bit destination */
    is_load(DX(0x44, 0x8a, 0x16), 3, 1, MMIO_X86_R10, 8, false);
}
END_TEST

START_TEST(x86_high_byte_registers_without_rex_and_low_bytes_with_it)
{
    /* mov (%rax),%ah: reg 4 without REX is AH */
    mmio_insn_t o = DX(0x8a, 0x20);
    is_load(o, 2, 1, MMIO_X86_RAX, 8, false);
    ck_assert(o.high8);
    /* mov %bh,(%rax) */
    o = DX(0x88, 0x38);
    is_store(o, 2, 1, MMIO_X86_RBX);
    ck_assert(o.high8);
    /* with any REX it is SPL..DIL: mov (%rax),%sil */
    o = DX(0x40, 0x8a, 0x30);
    is_load(o, 3, 1, MMIO_X86_RSI, 8, false);
    ck_assert(!o.high8);
}
END_TEST

START_TEST(x86_mov_stores_of_registers_and_immediates)
{
    is_store(DX(0x88, 0x0f), 2, 1, MMIO_X86_RCX);                   /* mov %cl,(%rdi) */
    is_store(DX(0x66, 0x89, 0x17), 3, 2, MMIO_X86_RDX);             /* mov %dx,(%rdi) */
    is_store(DX(0x89, 0x5f, 0x04), 3, 4, MMIO_X86_RBX);             /* mov %ebx,4(%rdi) */
    is_store(DX(0x4c, 0x89, 0x3f), 3, 8, MMIO_X86_R15);             /* mov %r15,(%rdi) */
    /* movb $0xab,(%rdi) */
    mmio_insn_t o = DX(0xc6, 0x07, 0xab);
    is_store(o, 3, 1, MMIO_REG_NONE);
    ck_assert_uint_eq(o.imm, 0xab);
    /* movw $0xbeef,8(%rdi) */
    o = DX(0x66, 0xc7, 0x47, 0x08, 0xef, 0xbe);
    is_store(o, 6, 2, MMIO_REG_NONE);
    ck_assert_uint_eq(o.imm, 0xbeef);
    /* movl $0x80000001,(%rdi) */
    o = DX(0xc7, 0x07, 0x01, 0x00, 0x00, 0x80);
    is_store(o, 6, 4, MMIO_REG_NONE);
    ck_assert_uint_eq(o.imm, 0x80000001u);
    /* movq $-2,(%rdi): imm32 sign-extended */
    o = DX(0x48, 0xc7, 0x07, 0xfe, 0xff, 0xff, 0xff);
    is_store(o, 7, 8, MMIO_REG_NONE);
    ck_assert_uint_eq(o.imm, 0xfffffffffffffffeull);
    /* movl $7,0x100(%rip): the immediate follows the displacement */
    o = DX(0xc7, 0x05, 0x00, 0x01, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00);
    is_store(o, 10, 4, MMIO_REG_NONE);
    ck_assert(o.rip_relative);
    ck_assert_int_eq(o.disp, 0x100);
    ck_assert_uint_eq(o.imm, 7);
}
END_TEST

START_TEST(x86_movzx_movsx_movsxd)
{
    is_load(DX(0x0f, 0xb6, 0x07), 3, 1, MMIO_X86_RAX, 32, false);         /* movzbl (%rdi),%eax */
    is_load(DX(0x66, 0x0f, 0xb6, 0x07), 4, 1, MMIO_X86_RAX, 16, false);   /* movzbw (%rdi),%ax */
    is_load(DX(0x48, 0x0f, 0xb6, 0x07), 4, 1, MMIO_X86_RAX, 64, false);   /* movzbq */
    is_load(DX(0x0f, 0xb7, 0x0f), 3, 2, MMIO_X86_RCX, 32, false);         /* movzwl (%rdi),%ecx */
    is_load(DX(0x44, 0x0f, 0xb7, 0x07), 4, 2, MMIO_X86_R8, 32, false);    /* movzwl (%rdi),%r8d */
    is_load(DX(0x0f, 0xbe, 0x07), 3, 1, MMIO_X86_RAX, 32, true);          /* movsbl */
    is_load(DX(0x4c, 0x0f, 0xbe, 0x1f), 4, 1, MMIO_X86_R11, 64, true);    /* movsbq (%rdi),%r11 */
    is_load(DX(0x48, 0x0f, 0xbf, 0x07), 4, 2, MMIO_X86_RAX, 64, true);    /* movswq */
    is_load(DX(0x66, 0x0f, 0xbe, 0x07), 4, 1, MMIO_X86_RAX, 16, true);    /* movsbw */
    is_load(DX(0x48, 0x63, 0x07), 3, 4, MMIO_X86_RAX, 64, true);          /* movslq (%rdi),%rax */
    is_load(DX(0x4d, 0x63, 0x60, 0x7f), 4, 4, MMIO_X86_R12, 64, true);    /* movslq 127(%r8),%r12 */
    is_load(DX(0x63, 0x07), 2, 4, MMIO_X86_RAX, 32, false);               /* movsxd without W: mov */
}
END_TEST

START_TEST(x86_addressing_forms)
{
    /* mov (%rsp),%eax: SIB with no index */
    mmio_insn_t o = DX(0x8b, 0x04, 0x24);
    ck_assert_uint_eq(o.len, 3);
    ck_assert_int_eq(o.base, MMIO_X86_RSP);
    ck_assert_int_eq(o.index, MMIO_REG_NONE);
    /* mov -8(%rax,%rcx,4),%edx: SIB + disp8 */
    o = DX(0x8b, 0x54, 0x88, 0xf8);
    ck_assert_uint_eq(o.len, 4);
    ck_assert_int_eq(o.base, MMIO_X86_RAX);
    ck_assert_int_eq(o.index, MMIO_X86_RCX);
    ck_assert_uint_eq(o.scale, 4);
    ck_assert_int_eq(o.disp, -8);
    /* mov 0x1000(%r12,%r13,8),%rax: REX.X and REX.B on the SIB, disp32 */
    o = DX(0x4b, 0x8b, 0x84, 0xec, 0x00, 0x10, 0x00, 0x00);
    ck_assert_uint_eq(o.len, 8);
    ck_assert_int_eq(o.base, MMIO_X86_R12);
    ck_assert_int_eq(o.index, MMIO_X86_R13);
    ck_assert_uint_eq(o.scale, 8);
    ck_assert_int_eq(o.disp, 0x1000);
    /* mov 0x40000000(,%rax,2),%eax: SIB base 101 with mod 00: no base, disp32 */
    o = DX(0x8b, 0x04, 0x45, 0x00, 0x00, 0x00, 0x40);
    ck_assert_uint_eq(o.len, 7);
    ck_assert_int_eq(o.base, MMIO_REG_NONE);
    ck_assert_int_eq(o.index, MMIO_X86_RAX);
    /* mov 0(%rbp),%eax needs a disp8; mov (%r13),%eax too (rm 101 + REX.B) */
    ck_assert_uint_eq(DX(0x8b, 0x45, 0x00).len, 3);
    o = DX(0x41, 0x8b, 0x45, 0x00);
    ck_assert_uint_eq(o.len, 4);
    ck_assert_int_eq(o.base, MMIO_X86_R13);
    /* mov 0x200(%rip),%rax */
    o = DX(0x48, 0x8b, 0x05, 0x00, 0x02, 0x00, 0x00);
    ck_assert_uint_eq(o.len, 7);
    ck_assert(o.rip_relative);
    ck_assert_int_eq(o.base, MMIO_REG_NONE);
    /* 67 (32-bit address) and a DS override: same layout */
    o = DX(0x67, 0x3e, 0x8b, 0x07);
    ck_assert_uint_eq(o.len, 4);
    ck_assert(o.addr32);
    /* %fs: override is decoded, and flagged */
    o = DX(0x64, 0x8b, 0x07);
    ck_assert(o.seg_fs_gs);
    /* moffs: movabs 0x1122334455667788,%eax and movabs %al,addr */
    o = DX(0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11);
    is_load(o, 9, 4, MMIO_X86_RAX, 32, false);
    ck_assert_uint_eq((uint64_t)o.disp, 0x1122334455667788ull);
    is_store(DX(0xa2, 1, 2, 3, 4, 5, 6, 7, 8), 9, 1, MMIO_X86_RAX);
    is_load(DX(0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8), 10, 8, MMIO_X86_RAX, 64, false);
}
END_TEST

START_TEST(x86_rex_counts_only_right_before_the_opcode)
{
    /* 48 66 8b 07: the 66 after the REX cancels it: a 16-bit load */
    is_load(DX(0x48, 0x66, 0x8b, 0x07), 4, 2, MMIO_X86_RAX, 16, false);
    /* 66 48 8b 07: REX.W wins over 66 */
    is_load(DX(0x66, 0x48, 0x8b, 0x07), 4, 8, MMIO_X86_RAX, 64, false);
}
END_TEST

START_TEST(x86_other_instructions_are_rejected)
{
    ck_assert_int_eq(RX(0x01, 0x07), MMIO_DECODE_REJECT);                 /* add %eax,(%rdi) */
    ck_assert_int_eq(RX(0x03, 0x07), MMIO_DECODE_REJECT);                 /* add (%rdi),%eax */
    ck_assert_int_eq(RX(0x83, 0x07, 0x01), MMIO_DECODE_REJECT);           /* addl $1,(%rdi) */
    ck_assert_int_eq(RX(0xff, 0x07), MMIO_DECODE_REJECT);                 /* incl (%rdi) */
    ck_assert_int_eq(RX(0x87, 0x07), MMIO_DECODE_REJECT);                 /* xchg */
    ck_assert_int_eq(RX(0xa5), MMIO_DECODE_REJECT);                       /* movsl */
    ck_assert_int_eq(RX(0xf3, 0xa4), MMIO_DECODE_REJECT);                 /* rep movsb */
    ck_assert_int_eq(RX(0xf0, 0x89, 0x07), MMIO_DECODE_REJECT);           /* lock mov */
    ck_assert_int_eq(RX(0x0f, 0x10, 0x07), MMIO_DECODE_REJECT);           /* movups (%rdi),%xmm0 */
    ck_assert_int_eq(RX(0x66, 0x0f, 0x6f, 0x07), MMIO_DECODE_REJECT);     /* movdqa */
    ck_assert_int_eq(RX(0xc5, 0xfa, 0x6f, 0x07), MMIO_DECODE_REJECT);     /* vmovdqu (VEX) */
    ck_assert_int_eq(RX(0x0f, 0xc7, 0x0f), MMIO_DECODE_REJECT);           /* cmpxchg8b */
    ck_assert_int_eq(RX(0x8b, 0xc7), MMIO_DECODE_REJECT);                 /* mov %edi,%eax: no memory */
    ck_assert_int_eq(RX(0xc7, 0x0f, 1, 0, 0, 0), MMIO_DECODE_REJECT);     /* C7 /1 */
    ck_assert_int_eq(RX(0xc6, 0xf8, 0x00), MMIO_DECODE_REJECT);           /* xabort */
    /* 15 prefixes and still no opcode: longer than any instruction */
    ck_assert_int_eq(RX(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                        0x66, 0x66, 0x66, 0x8b, 0x07), MMIO_DECODE_REJECT);
    /* truncated: asks for more bytes instead of reading past them */
    ck_assert_int_eq(RX(0x48, 0x8b), MMIO_DECODE_SHORT);
    ck_assert_int_eq(RX(0xc7, 0x07, 0x01, 0x00), MMIO_DECODE_SHORT);
}
END_TEST

/* AArch64 */

static mmio_insn_t da(uint32_t insn)
{
    mmio_insn_t o;
    int r = mmio_decode_a64(insn, &o);
    ck_assert_msg(r == MMIO_DECODE_OK, "decode of %08x failed: %d", insn, r);
    ck_assert_uint_eq(o.len, 4);
    return o;
}

START_TEST(a64_unsigned_immediate_loads_and_stores)
{
    mmio_insn_t o = da(0xf9400420);         /* ldr x0, [x1, #8] */
    ck_assert(!o.write);
    ck_assert_uint_eq(o.size, 8);
    ck_assert_int_eq(o.reg, 0);
    ck_assert_int_eq(o.base, 1);
    ck_assert_int_eq(o.disp, 8);
    ck_assert(!o.sign);
    o = da(0xb9400c22);                     /* ldr w2, [x1, #12] */
    ck_assert_uint_eq(o.size, 4);
    ck_assert_int_eq(o.reg, 2);
    ck_assert_int_eq(o.disp, 12);
    o = da(0x39400423);                     /* ldrb w3, [x1, #1] */
    ck_assert_uint_eq(o.size, 1);
    ck_assert_int_eq(o.disp, 1);
    o = da(0x79400424);                     /* ldrh w4, [x1, #2] */
    ck_assert_uint_eq(o.size, 2);
    ck_assert_int_eq(o.disp, 2);
    o = da(0xb9000020);                     /* str w0, [x1] */
    ck_assert(o.write);
    ck_assert_uint_eq(o.size, 4);
    o = da(0xf90003ff);                     /* str xzr, [sp] */
    ck_assert(o.write);
    ck_assert_int_eq(o.reg, 31);
    ck_assert_int_eq(o.base, 31);
    o = da(0x39000c25);                     /* strb w5, [x1, #3] */
    ck_assert(o.write);
    ck_assert_uint_eq(o.size, 1);
    ck_assert_int_eq(o.disp, 3);
    o = da(0x79001c3e);                     /* strh w30, [x1, #14] */
    ck_assert_uint_eq(o.size, 2);
    ck_assert_int_eq(o.reg, 30);
    ck_assert_int_eq(o.disp, 14);
}
END_TEST

START_TEST(a64_sign_extending_loads)
{
    mmio_insn_t o = da(0x39800020);         /* ldrsb x0, [x1] */
    ck_assert(o.sign);
    ck_assert_uint_eq(o.size, 1);
    ck_assert_uint_eq(o.dest_bits, 64);
    o = da(0x39c00020);                     /* ldrsb w0, [x1] */
    ck_assert(o.sign);
    ck_assert_uint_eq(o.dest_bits, 32);
    o = da(0x79800020);                     /* ldrsh x0, [x1] */
    ck_assert_uint_eq(o.size, 2);
    ck_assert_uint_eq(o.dest_bits, 64);
    o = da(0x79c00020);                     /* ldrsh w0, [x1] */
    ck_assert_uint_eq(o.dest_bits, 32);
    o = da(0xb9800020);                     /* ldrsw x0, [x1] */
    ck_assert(o.sign);
    ck_assert_uint_eq(o.size, 4);
    ck_assert_uint_eq(o.dest_bits, 64);
}
END_TEST

START_TEST(a64_unscaled_pre_and_post_index)
{
    mmio_insn_t o = da(0xb85fc020);         /* ldur w0, [x1, #-4] */
    ck_assert_int_eq(o.disp, -4);
    ck_assert(!o.writeback);
    o = da(0xf8408420);                     /* ldr x0, [x1], #8 */
    ck_assert(o.writeback && o.post_index);
    ck_assert_int_eq(o.wb_offset, 8);
    ck_assert_int_eq(o.disp, 0);
    o = da(0xf81f8c20);                     /* str x0, [x1, #-8]! */
    ck_assert(o.write && o.writeback && !o.post_index);
    ck_assert_int_eq(o.wb_offset, -8);
    ck_assert_int_eq(o.disp, -8);
    o = da(0x38401420);                     /* ldrb w0, [x1], #1 */
    ck_assert_uint_eq(o.size, 1);
    ck_assert_int_eq(o.wb_offset, 1);
    /* ldr x1, [x1], #8: writeback into the destination is unpredictable */
    mmio_insn_t r;
    ck_assert_int_eq(mmio_decode_a64(0xf8408421, &r), MMIO_DECODE_REJECT);
}
END_TEST

START_TEST(a64_register_offset)
{
    mmio_insn_t o = da(0xf8627820);         /* ldr x0, [x1, x2, lsl #3] */
    ck_assert_int_eq(o.index, 2);
    ck_assert_uint_eq(o.ext, 3);
    ck_assert_uint_eq(o.scale, 3);
    o = da(0xb8624820);                     /* ldr w0, [x1, w2, uxtw] */
    ck_assert_uint_eq(o.ext, 2);
    ck_assert_uint_eq(o.scale, 0);
    o = da(0x3822d820);                     /* strb w0, [x1, w2, sxtw #0] */
    ck_assert(o.write);
    ck_assert_uint_eq(o.ext, 6);
    /* option 000 (UXTB) is not a valid address extend */
    mmio_insn_t r;
    ck_assert_int_eq(mmio_decode_a64(0xf8620820, &r), MMIO_DECODE_REJECT);
}
END_TEST

START_TEST(a64_other_instructions_are_rejected)
{
    mmio_insn_t r;
    ck_assert_int_eq(mmio_decode_a64(0xa9400420, &r), MMIO_DECODE_REJECT);  /* ldp x0, x1, [x1] */
    ck_assert_int_eq(mmio_decode_a64(0xc85f7c20, &r), MMIO_DECODE_REJECT);  /* ldxr x0, [x1] */
    ck_assert_int_eq(mmio_decode_a64(0xf8200020, &r), MMIO_DECODE_REJECT);  /* ldadd x0, x0, [x1] */
    ck_assert_int_eq(mmio_decode_a64(0xfd400420, &r), MMIO_DECODE_REJECT);  /* ldr d0, [x1, #8] */
    ck_assert_int_eq(mmio_decode_a64(0x58000040, &r), MMIO_DECODE_REJECT);  /* ldr x0, literal */
    ck_assert_int_eq(mmio_decode_a64(0xf9800020, &r), MMIO_DECODE_REJECT);  /* prfm pldl1keep, [x1] */
    ck_assert_int_eq(mmio_decode_a64(0xb9c00020, &r), MMIO_DECODE_REJECT);  /* ldrsw w: unallocated */
    ck_assert_int_eq(mmio_decode_a64(0x8b020020, &r), MMIO_DECODE_REJECT);  /* add x0, x1, x2 */
}
END_TEST

static Suite *mmio_decode_suite(void)
{
    Suite *s = suite_create("mmio_decode");
    TCase *tc = tcase_create("x86_64");
    tcase_add_test(tc, x86_mov_loads_of_every_width);
    tcase_add_test(tc, x86_high_byte_registers_without_rex_and_low_bytes_with_it);
    tcase_add_test(tc, x86_mov_stores_of_registers_and_immediates);
    tcase_add_test(tc, x86_movzx_movsx_movsxd);
    tcase_add_test(tc, x86_addressing_forms);
    tcase_add_test(tc, x86_rex_counts_only_right_before_the_opcode);
    tcase_add_test(tc, x86_other_instructions_are_rejected);
    suite_add_tcase(s, tc);
    tc = tcase_create("aarch64");
    tcase_add_test(tc, a64_unsigned_immediate_loads_and_stores);
    tcase_add_test(tc, a64_sign_extending_loads);
    tcase_add_test(tc, a64_unscaled_pre_and_post_index);
    tcase_add_test(tc, a64_register_offset);
    tcase_add_test(tc, a64_other_instructions_are_rejected);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(mmio_decode_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
