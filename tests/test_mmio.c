/*
 * test_mmio.c - real MMIO: task code reads and writes a device model's
 * registers through ordinary pointers into a mapped device frame.
 *
 * The device is a test-local model registered through
 * mica_config_t.extra_devices: 2 KiB of plain storage at offsets 0..0x7ff
 * (any width, little-endian), a counter at 0x800 that counts its reads, a
 * clear-on-read register at 0x808 and a log of every access, so the tests
 * see exactly which accesses reached the model, with which size. Each
 * instruction form the decoder supports is forced with inline asm (x86-64);
 * the other tests check what stays a VM fault: another instruction on the
 * page, a write through a read-only mapping, a page no device answers for.
 */
#include "harness.h"
#include <string.h>

#define STORE_BYTES 0x800
#define REG_COUNT   0x800
#define REG_COR     0x808
#define MAX_LOG     256

static struct model {
    uint8_t store[STORE_BYTES];
    uint64_t count, cor;
    unsigned nlog;
    struct access { uint16_t off; uint8_t size, write; uint64_t value; } log[MAX_LOG];
} m;

static void note(mica_word_t off, unsigned size, int write, uint64_t v)
{
    if (m.nlog < MAX_LOG)
        m.log[m.nlog++] = (struct access){ (uint16_t)off, (uint8_t)size, (uint8_t)write, v };
}

static uint64_t model_read(mica_device_t *dev, void *ctx, mica_word_t off, unsigned size)
{
    (void)dev; (void)ctx;
    uint64_t v = 0;
    if (off == REG_COUNT) {
        v = ++m.count;
    } else if (off == REG_COR) {
        v = m.cor;
        m.cor = 0;
    } else if (off + size <= STORE_BYTES) {
        memcpy(&v, m.store + off, size);
    } else {
        v = 0x5a5a5a5a5a5a5a5aull;
    }
    note(off, size, 0, v);
    return v;
}

static void model_write(mica_device_t *dev, void *ctx, mica_word_t off, unsigned size, uint64_t v)
{
    (void)dev; (void)ctx;
    note(off, size, 1, v);
    if (off == REG_COR)
        m.cor = v;
    else if (off + size <= STORE_BYTES)
        memcpy(m.store + off, &v, size);
}

static const mica_device_model_t test_model = {
    .name = "mmiotest", .irq = 9, .read = model_read, .write = model_write,
};

static mica_env_t env;

/*
 * The paddr of the device's register page: from the boot info's device
 * table; without one, where sim/dev/device_stub.c puts the first extra
 * device (page 3 of the device region).
 */
static mica_word_t device_paddr(const mica_bootinfo_t *bi, const char *name)
{
    for (mica_word_t i = 0; i < bi->num_devices; i++)
        if (strcmp(bi->devices[i].name, name) == 0)
            return bi->devices[i].paddr;
    mica_word_t base = ~(mica_word_t)0;
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++)
        if (bi->untyped_list[i].is_device && bi->untyped_list[i].paddr < base)
            base = bi->untyped_list[i].paddr;
    return base + 3 * 4096;
}

/* A frame cap for the device page at paddr: the device untyped holding it, retyped up to it. */
static mica_cptr_t device_frame(const mica_bootinfo_t *bi, mica_word_t paddr)
{
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const mica_untyped_desc_t *u = &bi->untyped_list[i];
        if (!u->is_device || paddr < u->paddr || paddr >= u->paddr + (1ul << u->size_bits))
            continue;
        mica_word_t n = (paddr - u->paddr) / 4096 + 1;
        mica_cptr_t first = mica_env_slots(&env, n);
        ck_assert_uint_ne(first, 0);
        mt_assert_err(mica_untyped_retype(bi->untyped.start + i, MICA_FRAME_OBJECT, 0, CNODE, 0, 0,
                                          first, n), MICA_NO_ERROR);
        return first + n - 1;
    }
    ck_abort_msg("no device untyped holds paddr 0x%lx", (unsigned long)paddr);
    return 0;
}

/* Map frame at a fresh vaddr; the host pointer to it. */
static volatile uint8_t *map_at(mica_cptr_t frame, mica_cap_rights_t rights, mica_word_t *vaddr)
{
    mica_word_t va = mica_env_vaddr(&env, 1);
    ck_assert_uint_ne(va, 0);
    mt_assert_err(mica_user_map(&env, MICA_CAP_INIT_VSPACE, va, frame, rights), MICA_NO_ERROR);
    if (vaddr)
        *vaddr = va;
    return (volatile uint8_t *)mica_vaddr_to_ptr(va);
}

static volatile uint8_t *map_device(const mica_bootinfo_t *bi, mica_cap_rights_t rights,
                                    mica_word_t *vaddr)
{
    mica_env_init(&env, bi);
    return map_at(device_frame(bi, device_paddr(bi, "mmiotest")), rights, vaddr);
}

static mica_run_result_t run(mt_root_fn fn)
{
    memset(&m, 0, sizeof m);
    mica_config_t cfg;
    mt_config(&cfg);
    cfg.extra_devices = &test_model;
    cfg.num_extra_devices = 1;
    mica_run_result_t r = mt_run_cfg(&cfg, fn);
    ck_assert_msg(r.reason == MICA_STOP_IDLE, "stopped: %s", r.message);
    return r;
}

/* The last access the model saw. */
static void last_access(mica_word_t off, unsigned size, int write, uint64_t value)
{
    ck_assert_uint_gt(m.nlog, 0);
    const struct access *a = &m.log[m.nlog - 1];
    ck_assert_uint_eq(a->off, off);
    ck_assert_uint_eq(a->size, size);
    ck_assert_uint_eq(a->write, write);
    ck_assert_uint_eq(a->value, value);
}

/* --- plain C: each width, through volatile pointers ---------------------------------- */

static void root_widths(const mica_bootinfo_t *bi)
{
    volatile uint8_t *d = map_device(bi, MICA_READ_WRITE, NULL);
    d[0x10] = 0xab;
    last_access(0x10, 1, 1, 0xab);
    *(volatile uint16_t *)(d + 0x20) = 0xbeef;
    last_access(0x20, 2, 1, 0xbeef);
    *(volatile uint32_t *)(d + 0x30) = 0xcafef00d;
    last_access(0x30, 4, 1, 0xcafef00d);
    *(volatile uint64_t *)(d + 0x40) = 0x0123456789abcdefull;
    last_access(0x40, 8, 1, 0x0123456789abcdefull);

    ck_assert_uint_eq(d[0x10], 0xab);
    last_access(0x10, 1, 0, 0xab);
    ck_assert_uint_eq(*(volatile uint16_t *)(d + 0x20), 0xbeef);
    last_access(0x20, 2, 0, 0xbeef);
    ck_assert_uint_eq(*(volatile uint32_t *)(d + 0x30), 0xcafef00d);
    ck_assert_uint_eq(*(volatile uint64_t *)(d + 0x40), 0x0123456789abcdefull);
    last_access(0x40, 8, 0, 0x0123456789abcdefull);
    /* Sign and zero extension through casts (movsx/movzx). */
    int64_t s8 = *(volatile int8_t *)(d + 0x10);
    ck_assert_int_eq(s8, (int8_t)0xab);
    int64_t s16 = *(volatile int16_t *)(d + 0x20);
    ck_assert_int_eq(s16, (int16_t)0xbeef);
    int64_t s32 = *(volatile int32_t *)(d + 0x30);
    ck_assert_int_eq(s32, (int32_t)0xcafef00d);
    uint64_t z16 = *(volatile uint16_t *)(d + 0x20);
    ck_assert_uint_eq(z16, 0xbeef);
    /* The store is the model's: it reads back what the model keeps, not host memory. */
    ck_assert_uint_eq(m.store[0x10], 0xab);
    m.store[0x50] = 0x77;
    ck_assert_uint_eq(d[0x50], 0x77);
}

START_TEST(each_width_reads_and_writes_the_model)
{
    run(root_widths);
}
END_TEST

/* Read side effects: every read is one call of the model, at once. */
static void root_side_effects(const mica_bootinfo_t *bi)
{
    volatile uint8_t *d = map_device(bi, MICA_READ_WRITE, NULL);
    volatile uint64_t *count = (volatile uint64_t *)(d + REG_COUNT);
    ck_assert_uint_eq(*count, 1);
    ck_assert_uint_eq(*count, 2);
    ck_assert_uint_eq(*count, 3);
    volatile uint32_t *cor = (volatile uint32_t *)(d + REG_COR);
    *cor = 0x55;
    ck_assert_uint_eq(*cor, 0x55);
    ck_assert_uint_eq(*cor, 0);         /* cleared by the read before */
    ck_assert_uint_eq(m.count, 3);
}

START_TEST(read_side_effects_happen_once_per_access)
{
    run(root_side_effects);
    ck_assert_uint_eq(m.nlog, 6);       /* six accesses, six calls of the model */
}
END_TEST

/* Each access is a kernel entry: a driver polling a register sees virtual time pass. */
static mica_word_t entries_seen[2];

static void root_entries(const mica_bootinfo_t *bi)
{
    volatile uint8_t *d = map_device(bi, MICA_READ_WRITE, NULL);
    volatile uint32_t *r = (volatile uint32_t *)(d + 0x100);
    (void)*r;
    entries_seen[0] = __atomic_load_n(&ks.count.kernel_entries, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 100; i++)
        (void)*r;
    entries_seen[1] = __atomic_load_n(&ks.count.kernel_entries, __ATOMIC_SEQ_CST);
}

START_TEST(each_access_is_a_kernel_entry)
{
    run(root_entries);
    ck_assert_uint_ge(entries_seen[1] - entries_seen[0], 100);
    ck_assert_uint_le(entries_seen[1] - entries_seen[0], 110);
}
END_TEST

#if defined(__x86_64__)
/* --- x86-64: every instruction form, forced with inline asm -------------------------- */

static void root_forms(const mica_bootinfo_t *bi)
{
    volatile uint8_t *d = map_device(bi, MICA_READ_WRITE, NULL);
    uint8_t *p = (uint8_t *)d;
    uint64_t v;
    memcpy(m.store + 0x100, "\x81\x92\xa3\xb4\xc5\xd6\xe7\xf8", 8);

    /* mov r/m -> reg: 8 bits keeps bits 8..63, 16 keeps 16..63, 32 clears 32..63 */
    __asm__ volatile("mov $-1, %0\n\tmovb (%1), %b0" : "=&r"(v) : "r"(p + 0x100) : "memory");
    ck_assert_uint_eq(v, 0xffffffffffffff81ull);
    __asm__ volatile("mov $-1, %0\n\tmovw (%1), %w0" : "=&r"(v) : "r"(p + 0x100) : "memory");
    ck_assert_uint_eq(v, 0xffffffffffff9281ull);
    __asm__ volatile("mov $-1, %0\n\tmovl (%1), %k0" : "=&r"(v) : "r"(p + 0x100) : "memory");
    ck_assert_uint_eq(v, 0xb4a39281ull);
    __asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(p + 0x100) : "memory");
    ck_assert_uint_eq(v, 0xf8e7d6c5b4a39281ull);
    /* AH: bits 8..15 of RAX, the rest kept */
    __asm__ volatile("mov $0x1122334455667788, %%rax\n\tmovb 1(%1), %%ah\n\tmov %%rax, %0"
                     : "=r"(v) : "r"(p + 0x100) : "rax", "memory");
    ck_assert_uint_eq(v, 0x1122334455669288ull);
    /* r8..r15 destinations and sources (REX.R), and a REX.B base */
    __asm__ volatile("mov $-1, %%r13\n\tmovl (%1), %%r13d\n\tmov %%r13, %0"
                     : "=r"(v) : "r"(p + 0x100) : "r13", "memory");
    ck_assert_uint_eq(v, 0xb4a39281ull);
    __asm__ volatile("mov %1, %%r12\n\tmovq 8(%%r12), %%r15\n\tmov %%r15, %0"
                     : "=r"(v) : "r"(p + 0xf8) : "r12", "r15", "memory");
    ck_assert_uint_eq(v, 0xf8e7d6c5b4a39281ull);
    __asm__ volatile("mov $-1, %%r10\n\tmovb (%1), %%r10b\n\tmov %%r10, %0"
                     : "=r"(v) : "r"(p + 0x101) : "r10", "memory");
    ck_assert_uint_eq(v, 0xffffffffffffff92ull);
    /* movzx / movsx / movsxd */
    __asm__ volatile("mov $-1, %0\n\tmovzbl (%1), %k0" : "=&r"(v) : "r"(p + 0x100) : "memory");
    ck_assert_uint_eq(v, 0x81);
    __asm__ volatile("movzwq (%1), %0" : "=r"(v) : "r"(p + 0x100) : "memory");
    ck_assert_uint_eq(v, 0x9281);
    __asm__ volatile("mov $-1, %0\n\tmovzbw (%1), %w0" : "=&r"(v) : "r"(p + 0x100) : "memory");
    ck_assert_uint_eq(v, 0xffffffffffff0081ull);
    __asm__ volatile("movsbq (%1), %0" : "=r"(v) : "r"(p + 0x100) : "memory");
    ck_assert_uint_eq(v, 0xffffffffffffff81ull);
    __asm__ volatile("mov $-1, %0\n\tmovsbl (%1), %k0" : "=&r"(v) : "r"(p + 0x100) : "memory");
    ck_assert_uint_eq(v, 0xffffff81ull);
    __asm__ volatile("movswq (%1), %%r9\n\tmov %%r9, %0" : "=r"(v) : "r"(p + 0x100) : "r9", "memory");
    ck_assert_uint_eq(v, 0xffffffffffff9281ull);
    __asm__ volatile("movslq (%1), %0" : "=r"(v) : "r"(p + 0x100) : "memory");
    ck_assert_uint_eq(v, 0xffffffffb4a39281ull);
    __asm__ volatile("movslq 4(%1), %%r14\n\tmov %%r14, %0" : "=r"(v) : "r"(p + 0x100) : "r14", "memory");
    ck_assert_uint_eq(v, 0xfffffffff8e7d6c5ull);
    /* SIB addressing: base + index * scale + disp8 */
    uint64_t idx = 2;
    __asm__ volatile("movl -4(%1,%2,4), %k0" : "=r"(v) : "r"(p + 0x100), "r"(idx) : "memory");
    ck_assert_uint_eq(v, 0xf8e7d6c5ull);

    /* reg -> r/m, 8 to 64 bits, r8..r15 sources and BH */
    uint64_t src = 0x1122334455667788ull;
    __asm__ volatile("movb %b1, (%0)" : : "r"(p + 0x200), "r"(src) : "memory");
    last_access(0x200, 1, 1, 0x88);
    __asm__ volatile("movw %w1, (%0)" : : "r"(p + 0x200), "r"(src) : "memory");
    last_access(0x200, 2, 1, 0x7788);
    __asm__ volatile("movl %k1, (%0)" : : "r"(p + 0x200), "r"(src) : "memory");
    last_access(0x200, 4, 1, 0x55667788);
    __asm__ volatile("mov %1, %%r11\n\tmovq %%r11, (%0)" : : "r"(p + 0x200), "r"(src) : "r11", "memory");
    last_access(0x200, 8, 1, 0x1122334455667788ull);
    __asm__ volatile("mov %1, %%rbx\n\tmovb %%bh, 3(%0)" : : "D"(p + 0x200), "r"(src) : "rbx", "memory");
    last_access(0x203, 1, 1, 0x77);
    /* immediates */
    __asm__ volatile("movb $0xfe, (%0)" : : "r"(p + 0x210) : "memory");
    last_access(0x210, 1, 1, 0xfe);
    __asm__ volatile("movw $0xfeed, (%0)" : : "r"(p + 0x210) : "memory");
    last_access(0x210, 2, 1, 0xfeed);
    __asm__ volatile("movl $0x80000001, (%0)" : : "r"(p + 0x210) : "memory");
    last_access(0x210, 4, 1, 0x80000001u);
    __asm__ volatile("movq $-2, (%0)" : : "r"(p + 0x210) : "memory");
    last_access(0x210, 8, 1, 0xfffffffffffffffeull);
}

/* The registers the MMIO path must leave as they were, around one access. */
static uint64_t regs_after[10];

static void root_registers_kept(const mica_bootinfo_t *bi)
{
    volatile uint8_t *d = map_device(bi, MICA_READ_WRITE, NULL);
    m.store[0x300] = 0x42;
    uint64_t *out = regs_after;
    __asm__ volatile(
        "mov $0x1111, %%rbx\n\t"
        "mov $0x2222, %%rcx\n\t"
        "mov $0x3333, %%rdx\n\t"
        "mov $0x4444, %%rsi\n\t"
        "mov $0x8888, %%r8\n\t"
        "mov $0x9999, %%r9\n\t"
        "mov $0xaaaa, %%r10\n\t"
        "mov $0xbbbb, %%r11\n\t"
        "movzbl (%[p]), %%r12d\n\t"
        "mov %%rbx, 0(%[o])\n\t"
        "mov %%rcx, 8(%[o])\n\t"
        "mov %%rdx, 16(%[o])\n\t"
        "mov %%rsi, 24(%[o])\n\t"
        "mov %%r8, 32(%[o])\n\t"
        "mov %%r9, 40(%[o])\n\t"
        "mov %%r10, 48(%[o])\n\t"
        "mov %%r11, 56(%[o])\n\t"
        "mov %%r12, 64(%[o])\n\t"
        : : [p] "D"(d + 0x300), [o] "a"(out)
        : "rbx", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "r12", "memory");
    static const uint64_t want[] = { 0x1111, 0x2222, 0x3333, 0x4444, 0x8888, 0x9999, 0xaaaa,
                                     0xbbbb, 0x42 };
    for (unsigned i = 0; i < 9; i++)
        ck_assert_uint_eq(regs_after[i], want[i]);
}

START_TEST(every_mov_form_gets_exact_values)
{
    run(root_forms);
}
END_TEST

START_TEST(an_access_leaves_every_other_register_as_it_was)
{
    run(root_registers_kept);
}
END_TEST
#endif

/* --- what stays a VM fault ------------------------------------------------------------ */

static struct {
    mica_word_t vaddr;          /* the mapping the faulting thread uses */
    volatile uint8_t *p;
    volatile int step;          /* how far the thread got */
} f;

/* Threads that fault, each in its own way; each stops at its fault (the root never replies). */
static void add_to_register(mica_word_t a, mica_word_t b, mica_word_t c, mica_word_t d)
{
    (void)a; (void)b; (void)c; (void)d;
    f.step = 1;
#if defined(__x86_64__)
    __asm__ volatile("addl $1, 0x40(%0)" : : "r"(f.p) : "memory");
#else
    __atomic_fetch_add((volatile uint32_t *)(f.p + 0x40), 1, __ATOMIC_SEQ_CST);
#endif
    f.step = 2;
}

static void write_through_read_only(mica_word_t a, mica_word_t b, mica_word_t c, mica_word_t d)
{
    (void)a; (void)b; (void)c; (void)d;
    f.step = 1;
    uint32_t v = *(volatile uint32_t *)(f.p + 0x30);     /* reading is allowed */
    f.step = (int)v;
    *(volatile uint32_t *)(f.p + 0x30) = 7;
    f.step = 3;
}

static mica_fault_t fault_of(mica_entry_fn entry)
{
    mica_cptr_t ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    ck_assert_uint_ne(ep, 0);
    mica_thread_config_t cfg = { .name = "faulter", .prio = 100, .fault_ep = ep };
    mica_thread_t t;
    mt_assert_err(mica_thread_create(&env, &cfg, &t), MICA_NO_ERROR);
    mt_assert_err(mica_thread_start(&t, entry, 0, 0, 0, 0), MICA_NO_ERROR);
    mica_word_t badge = 0;
    mica_msginfo_t info = mica_recv(ep, &badge);
    mica_fault_t flt = mica_fault_decode(info, badge);
    mt_assert_err(mica_tcb_suspend(t.tcb), MICA_NO_ERROR);
    return flt;
}

static void root_non_mov(const mica_bootinfo_t *bi)
{
    f.p = map_device(bi, MICA_READ_WRITE, &f.vaddr);
    unsigned before = m.nlog;
    mica_fault_t flt = fault_of(add_to_register);
    ck_assert_uint_eq(flt.kind, MICA_FAULT_VM);
    ck_assert_uint_eq(flt.addr, f.vaddr + 0x40);
    ck_assert_int_eq(f.step, 1);
    ck_assert_uint_eq(m.nlog, before);      /* the model saw nothing */
}

START_TEST(another_instruction_on_a_device_page_is_a_vm_fault)
{
    run(root_non_mov);
}
END_TEST

static void root_read_only(const mica_bootinfo_t *bi)
{
    f.p = map_device(bi, MICA_CAN_READ, &f.vaddr);
    m.store[0x30] = 2;
    mica_fault_t flt = fault_of(write_through_read_only);
    ck_assert_uint_eq(flt.kind, MICA_FAULT_VM);
    ck_assert_uint_eq(flt.addr, f.vaddr + 0x30);
    ck_assert_uint_eq(flt.write, 1);
    ck_assert_int_eq(f.step, 2);            /* the read went through, the write did not */
    last_access(0x30, 4, 0, 2);
}

START_TEST(a_write_through_a_read_only_mapping_is_a_vm_fault)
{
    run(root_read_only);
}
END_TEST

/* A device page no model answers for (the device region's last page). */
static void read_nothing(mica_word_t a, mica_word_t b, mica_word_t c, mica_word_t d)
{
    (void)a; (void)b; (void)c; (void)d;
    f.step = 1;
    f.step = (int)*(volatile uint32_t *)(f.p + 8);
}

static void root_no_device(const mica_bootinfo_t *bi)
{
    mica_env_init(&env, bi);
    mica_word_t last = 0;
    for (mica_word_t i = 0; i < bi->untyped.end - bi->untyped.start; i++) {
        const mica_untyped_desc_t *u = &bi->untyped_list[i];
        if (u->is_device && u->paddr + (1ul << u->size_bits) > last)
            last = u->paddr + (1ul << u->size_bits);
    }
    f.p = map_at(device_frame(bi, last - 4096), MICA_READ_WRITE, &f.vaddr);
    mica_fault_t flt = fault_of(read_nothing);
    ck_assert_uint_eq(flt.kind, MICA_FAULT_VM);
    ck_assert_uint_eq(flt.addr, f.vaddr + 8);
    ck_assert_int_eq(f.step, 1);
}

START_TEST(a_page_no_device_answers_for_is_a_vm_fault)
{
    run(root_no_device);
}
END_TEST

static Suite *mmio_suite(void)
{
    Suite *s = suite_create("mmio");
    TCase *tc = mt_tcase(s, "access");
    tcase_add_test(tc, each_width_reads_and_writes_the_model);
    tcase_add_test(tc, read_side_effects_happen_once_per_access);
    tcase_add_test(tc, each_access_is_a_kernel_entry);
#if defined(__x86_64__)
    tcase_add_test(tc, every_mov_form_gets_exact_values);
    tcase_add_test(tc, an_access_leaves_every_other_register_as_it_was);
#endif
    tc = mt_tcase(s, "faults");
    tcase_add_test(tc, another_instruction_on_a_device_page_is_a_vm_fault);
    tcase_add_test(tc, a_write_through_a_read_only_mapping_is_a_vm_fault);
    tcase_add_test(tc, a_page_no_device_answers_for_is_a_vm_fault);
    return s;
}

MICA_TEST_MAIN(mmio_suite)
