/*
 * mmio.c - real MMIO: task code reads and writes device registers through
 * ordinary pointers into a mapped device frame.
 *
 * A device frame is no host memory (mmu.c leaves its pages of the window
 * inaccessible), so every access traps. trap.c hands a SIGSEGV inside the
 * window to mmio_trap, which checks, with the kernel lock held, that the
 * window maps a device frame there with the rights the access needs,
 * decodes the instruction at the trapped pc (mmio_decode.c) and checks that
 * the address it computes is the fault address. If all holds, the context
 * is saved as for a preemption and the signal handler returns into
 * mmio_entry on the CPU's entry stack, which enters the kernel
 * (kernel_mmio): one kernel entry, with its tick, in which hw_mmio_perform
 * makes the access on the device model (sim_mmio_access), writes a loaded
 * value into the saved registers as the CPU would have and steps the pc
 * past the instruction. The thread then resumes with every other register
 * as it was. Anything else - another instruction (add to memory, string
 * operations, SSE), a write through a read-only mapping, a page no model
 * answers for - is the VM fault it was before.
 *
 * The trap path is x86-64 and AArch64; on other hosts a device frame
 * access is a VM fault.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <ucontext.h>
#include "sim.h"
#include "dev/device.h"

#if defined(__x86_64__) || defined(__aarch64__)
#define MMIO_TRAPS 1
#endif

#ifdef MMIO_TRAPS

/* A read needs Read; a write needs Read and Write (without Read a mapping is kernel-only). */
static int rights_allow(unsigned rights, bool write)
{
    return write ? (rights & 3u) == 3u : (rights & 2u) != 0;
}

/* The device frame mapped at vaddr of vspace: its paddr there and the mapping's rights; 0 if none. */
static hw_word_t device_paddr(hw_word_t vspace, hw_word_t vaddr, unsigned *rights)
{
    hw_window_entry_t e;
    if (hw_window_probe(vspace, vaddr, &e) != 0 || e.size_bits == 0 || e.paddr < mmu_device_base())
        return 0;
    *rights = e.rights;
    return e.paddr + (vaddr & ((1ul << e.size_bits) - 1));
}

#if defined(__x86_64__)
static const int greg_of[16] = {
    REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
    REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static uint64_t reg_get(const ucontext_t *uc, int r)
{
    return (uint64_t)uc->uc_mcontext.gregs[greg_of[r]];
}

static void reg_set(ucontext_t *uc, int r, uint64_t v)
{
    uc->uc_mcontext.gregs[greg_of[r]] = (greg_t)v;
}

static uintptr_t pc_of(const ucontext_t *uc)
{
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
}

static void pc_set(ucontext_t *uc, uintptr_t pc)
{
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)pc;
}

/*
 * The instruction at pc. It executed, so its bytes are readable; the
 * decoder reads no further than it needs, and a first try stops at pc's
 * page, so that only an instruction that runs on into the next page reads
 * there.
 */
static int decode_at(uintptr_t pc, mmio_insn_t *o)
{
    size_t n = 4096 - (pc & 4095);
    int r = mmio_decode_x86((const uint8_t *)pc, n < 15 ? n : 15, o);
    if (r == MMIO_DECODE_SHORT)
        r = mmio_decode_x86((const uint8_t *)pc, 15, o);
    return r;
}

/* The address the instruction accessed, computed from its operand; 0 with FS/GS (unknown base). */
static uint64_t effective_address(const ucontext_t *uc, const mmio_insn_t *o, uintptr_t pc)
{
    if (o->seg_fs_gs)
        return 0;
    uint64_t ea = (uint64_t)o->disp;
    if (o->rip_relative)
        ea += pc + o->len;
    if (o->base != MMIO_REG_NONE)
        ea += reg_get(uc, o->base);
    if (o->index != MMIO_REG_NONE)
        ea += reg_get(uc, o->index) * o->scale;
    return o->addr32 ? (uint32_t)ea : ea;
}

static uint64_t store_value(const ucontext_t *uc, const mmio_insn_t *o)
{
    if (o->reg == MMIO_REG_NONE)
        return o->imm;
    uint64_t v = reg_get(uc, o->reg);
    return o->high8 ? v >> 8 : v;
}

/* A loaded value into the destination register, as x86 writes one of dest_bits. */
static void load_result(ucontext_t *uc, const mmio_insn_t *o, uint64_t v)
{
    unsigned bits = o->size * 8;
    if (bits < 64) {
        v &= (1ull << bits) - 1;
        if (o->sign && (v >> (bits - 1)) & 1)
            v |= ~0ull << bits;
    }
    uint64_t old = reg_get(uc, o->reg);
    switch (o->dest_bits) {
    case 8:
        if (o->high8)
            v = (old & ~0xff00ull) | (v & 0xff) << 8;
        else
            v = (old & ~0xffull) | (v & 0xff);
        break;
    case 16:
        v = (old & ~0xffffull) | (v & 0xffff);
        break;
    case 32:
        v &= 0xffffffffull;     /* a 32-bit destination clears the upper half */
        break;
    default:
        break;
    }
    reg_set(uc, o->reg, v);
}

#elif defined(__aarch64__)

/* Register 31 is SP as a base, XZR as a data or index register. */
static uint64_t reg_get(const ucontext_t *uc, int r, int sp)
{
    if (r == 31)
        return sp ? (uint64_t)uc->uc_mcontext.sp : 0;
    return (uint64_t)uc->uc_mcontext.regs[r];
}

static uintptr_t pc_of(const ucontext_t *uc)
{
    return (uintptr_t)uc->uc_mcontext.pc;
}

static void pc_set(ucontext_t *uc, uintptr_t pc)
{
    uc->uc_mcontext.pc = pc;
}

static int decode_at(uintptr_t pc, mmio_insn_t *o)
{
    uint32_t insn;
    memcpy(&insn, (const void *)pc, 4);
    return mmio_decode_a64(insn, o);
}

static uint64_t effective_address(const ucontext_t *uc, const mmio_insn_t *o, uintptr_t pc)
{
    (void)pc;
    uint64_t ea = reg_get(uc, o->base, 1);
    if (o->index != MMIO_REG_NONE) {
        uint64_t x = reg_get(uc, o->index, 0);
        if (o->ext == 2)
            x = (uint32_t)x;                        /* UXTW */
        else if (o->ext == 6)
            x = (uint64_t)(int64_t)(int32_t)x;      /* SXTW */
        ea += x << o->scale;
    }
    if (!o->post_index)
        ea += (uint64_t)o->disp;
    return ea;
}

static uint64_t store_value(const ucontext_t *uc, const mmio_insn_t *o)
{
    return reg_get(uc, o->reg, 0);
}

static void load_result(ucontext_t *uc, const mmio_insn_t *o, uint64_t v)
{
    unsigned bits = o->size * 8;
    if (bits < 64) {
        v &= (1ull << bits) - 1;
        if (o->sign && (v >> (bits - 1)) & 1)
            v |= ~0ull << bits;
    }
    if (o->dest_bits == 32)
        v &= 0xffffffffull;
    if (o->reg != 31)
        uc->uc_mcontext.regs[o->reg] = v;
    if (o->writeback) {
        if (o->base == 31)
            uc->uc_mcontext.sp += (uint64_t)o->wb_offset;
        else
            uc->uc_mcontext.regs[o->base] += (uint64_t)o->wb_offset;
    }
}
#endif

static void mmio_entry(void)
{
    sim_kernel_enter();
    int ctx = ctx_current();
    hw_fault_t f = sim_self()->pending;
    kernel_mmio(ctx, &f);
    /* Performed, or parked (SMP) and back to run the instruction again, or its fault was handled. */
    ctx_resume_saved(ctx_current());
}

int mmio_trap(int ctx, ucontext_t *uc, uintptr_t addr, hw_word_t vaddr, const hw_fault_t *pending)
{
    unsigned rights = 0;
    sim_kernel_lock();
    hw_word_t paddr = device_paddr(kernel_current_vspace(), vaddr, &rights);
    sim_kernel_unlock();
    if (!paddr)
        return 0;       /* RAM or nothing: an ordinary VM fault */
    mmio_insn_t o;
    uintptr_t pc = pc_of(uc);
    if (decode_at(pc, &o) != MMIO_DECODE_OK || effective_address(uc, &o, pc) != addr ||
        (vaddr & 4095) + o.size > 4096 || !rights_allow(rights, o.write))
        return 0;       /* another instruction, an access into the next page, or not allowed */
    struct sim_cpu *self = sim_self();
    self->mmio = o;
    self->mmio_vaddr = vaddr;
    self->pending = *pending;
    self->pending_caller = 0;
    ctx_save_from_signal(ctx, uc);
    sim_in_kernel = 1;      /* as in trap.c: in the kernel until the thread resumes */
    trap_redirect(uc, mmio_entry);
    return 1;
}

int hw_mmio_perform(int ctx, hw_word_t vspace)
{
    struct sim_cpu *self = sim_self();
    const mmio_insn_t *o = &self->mmio;
    /* Checked again with the lock held all along: another CPU may have unmapped it meanwhile. */
    unsigned rights = 0;
    hw_word_t paddr = device_paddr(vspace, self->mmio_vaddr, &rights);
    if (!paddr || !rights_allow(rights, o->write))
        return 0;       /* it runs the instruction again, and traps for what is there now */
    ucontext_t *uc = ctx_saved_uc(ctx);
    uint64_t v = o->write ? store_value(uc, o) : 0;
    if (o->write && o->size < 8)
        v &= (1ull << (o->size * 8)) - 1;
    if (sim_mmio_access(paddr, o->size, o->write, &v) != 0)
        return -1;
    if (!o->write)
        load_result(uc, o, v);
#if defined(__aarch64__)
    else if (o->writeback)
        load_result(uc, &(mmio_insn_t){ .reg = 31, .size = 8, .writeback = true,
                                         .base = o->base, .wb_offset = o->wb_offset }, 0);
#endif
    pc_set(uc, pc_of(uc) + o->len);
    return 0;
}

#else   /* no trap path on this host: device frame accesses stay VM faults */

int mmio_trap(int ctx, ucontext_t *uc, uintptr_t addr, hw_word_t vaddr, const hw_fault_t *pending)
{
    (void)ctx; (void)uc; (void)addr; (void)vaddr; (void)pending;
    return 0;
}

int hw_mmio_perform(int ctx, hw_word_t vspace)
{
    (void)ctx; (void)vspace;
    return -1;
}
#endif
