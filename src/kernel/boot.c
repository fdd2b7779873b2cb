/*
 * boot.c - build the initial system (seL4: kernel/boot.c, arch boot code).
 *
 * Physical memory at boot:
 *
 *   0      4K                                  boot_region_end      phys_size   +device
 *   | null | sentinel, idle TCB, root CNode,   | free RAM: untyped  | device     |
 *   |      | root TCB, VSpace, PDPT, PD, PT,   | caps, power-of-two | untyped    |
 *   |      | IPC buffer,                       |                    |            |
 *   |      | boot info, stack frames           | blocks             |            |
 *
 * Root VSpace (all below MICA_ROOT_FREE_VADDR):
 *   0x1000 IPC buffer, 0x2000 boot info, [0x100000, 0x180000) stack,
 *   a PDPT, a page directory and a page table covering [0, 2 MiB).
 */
#include "cdt.h"
#include "objecttype.h"
#include "thread.h"
#include "object/object.h"

#define ROOT_IPCBUF_VADDR   0x1000ul
#define ROOT_BOOTINFO_VADDR 0x2000ul

/*
 * Where boot puts its objects, each naturally aligned, in this order from
 * 4K up (the root CNode's alignment may leave a hole before it). One
 * function decides it, for boot and for the memory check before boot.
 */
typedef struct boot_layout {
    paddr_t mdb_head, irq_node, idle[MAX_CPUS], cnode, tcb, vspace, pdpt, pd, pt, ipcbuf, bi, stack, end;
} boot_layout_t;

static paddr_t boot_alloc(paddr_t *cursor, word_t bits)
{
    paddr_t p = ROUND_UP(*cursor, bits);
    *cursor = p + BIT(bits);
    return p;
}

static void boot_layout(boot_layout_t *l, unsigned radix, unsigned cpus)
{
    paddr_t cur = BIT(MICA_PAGE_BITS);     /* nothing lives at paddr 0 */
    l->mdb_head = boot_alloc(&cur, MICA_SLOT_BITS);
    l->irq_node = boot_alloc(&cur, IRQ_NODE_BITS);
    for (unsigned c = 0; c < cpus; c++)
        l->idle[c] = boot_alloc(&cur, MICA_TCB_BITS);
    l->cnode = boot_alloc(&cur, radix + MICA_SLOT_BITS);
    l->tcb = boot_alloc(&cur, MICA_TCB_BITS);
    l->vspace = boot_alloc(&cur, MICA_VSPACE_BITS);
    l->pdpt = boot_alloc(&cur, MICA_PDPT_BITS);
    l->pd = boot_alloc(&cur, MICA_PAGE_DIRECTORY_BITS);
    l->pt = boot_alloc(&cur, MICA_PAGE_TABLE_BITS);
    l->ipcbuf = boot_alloc(&cur, MICA_PAGE_BITS);
    l->bi = boot_alloc(&cur, MICA_PAGE_BITS);
    l->stack = boot_alloc(&cur, MICA_PAGE_BITS);
    for (word_t i = 1; i < ROOT_STACK_PAGES; i++)
        boot_alloc(&cur, MICA_PAGE_BITS);
    l->end = ROUND_UP(cur, MICA_PAGE_BITS);
}

static cte_t *root_slot(cap_t root_cnode, word_t i)
{
    return cap_cnode_slots(root_cnode) + i;
}

/* Split [base, end) into naturally aligned power-of-two untypeds. */
static word_t add_untypeds(mica_bootinfo_t *bi, cap_t cnode, word_t next, paddr_t base,
                           paddr_t end, bool device)
{
    word_t limit = BIT(cap_cnode_radix(cnode));
    while (base < end && next < limit &&
           next - bi->untyped.start < MICA_MAX_BOOTINFO_UNTYPED_CAPS) {
        word_t bits = base ? (word_t)__builtin_ctzll(base) : 63;
        word_t fit = 63 - (word_t)__builtin_clzll(end - base);
        if (fit < bits)
            bits = fit;
        if (bits > MICA_MAX_UNTYPED_BITS)
            bits = MICA_MAX_UNTYPED_BITS;
        if (bits < MICA_MIN_UNTYPED_BITS)
            break;
        cdt_insert_root(root_slot(cnode, next), cap_untyped_new(base, (unsigned)bits, device, 0));
        mica_untyped_desc_t *d = &bi->untyped_list[next - bi->untyped.start];
        d->paddr = base;
        d->size_bits = (uint8_t)bits;
        d->is_device = device;
        next++;
        base += BIT(bits);
    }
    return next;
}

_Static_assert(MICA_MAX_DEVICES == sizeof ((hw_boot_params_t *)0)->devices /
               sizeof ((hw_boot_params_t *)0)->devices[0], "hw.h's device table is the boot info's");

hw_word_t kernel_boot_min_phys(unsigned root_cnode_bits, unsigned cpus)
{
    boot_layout_t l;
    if (root_cnode_bits > 24 || cpus < 1 || cpus > MAX_CPUS)
        return ~(hw_word_t)0;
    boot_layout(&l, root_cnode_bits, cpus);
    return l.end + BIT(20);
}

int kernel_boot(const hw_boot_params_t *p)
{
    memset(&ks, 0, sizeof ks);
    ks.num_cpus = p->cpus >= 1 && p->cpus <= MAX_CPUS ? p->cpus : 1;
    ks.timeslice = p->timeslice_ticks ? p->timeslice_ticks : 5;
    ks.check = p->check;
    ks.seed = p->seed;
    ks.rng = p->seed * 0x9e3779b97f4a7c15ull + 1;
    ks.time_limit = p->time_limit;
    unsigned radix = p->root_cnode_bits;
    word_t min_slots = MICA_NUM_INITIAL_CAPS + 1 + ROOT_STACK_PAGES + 8;
    if (radix < 1 || BIT(radix) < min_slots || radix > 24) {
        hw_log("root CNode of 2^%u slots: need between %lu slots and 2^24", radix,
               (unsigned long)min_slots);
        return -1;
    }
    boot_layout_t lay;
    boot_layout(&lay, radix, ks.num_cpus);
    if (p->phys_size < lay.end + BIT(20)) {
        hw_log("physical memory of %lu bytes is too small: boot needs %lu bytes plus 1 MiB",
               (unsigned long)p->phys_size, (unsigned long)lay.end);
        return -1;
    }

    /* One entry per slot that could exist, for the invariant checker's sort. */
    ks.scratch_entries = hw_phys_size / sizeof(cte_t) + 64;
    ks.scratch = hw_scratch(ks.scratch_entries * 32);

    /* The CDT sentinel. */
    ks.mdb_head = lay.mdb_head;
    /* The IRQ node: empty slots, one per IRQ line (seL4: init_irqs). */
    ks.irq_node = lay.irq_node;

    /* One idle thread per CPU (seL4: createIdleThread); CPU i idles on host context i. */
    for (unsigned c = 0; c < ks.num_cpus; c++) {
        paddr_t idle = lay.idle[c];
        tcb_init_object(idle);
        tcb_ptr(idle)->state.type = MICA_THREAD_IDLE;
        tcb_ptr(idle)->flags = 0;
        tcb_ptr(idle)->affinity = c;
        if (c == 0)
            memcpy(tcb_ptr(idle)->name, "idle", 5);
        else
            kformat(tcb_ptr(idle)->name, sizeof tcb_ptr(idle)->name, "idle%u", c);
        ks.cpu[c].idle_thread = idle;
        ks.cpu[c].cur_thread = idle;
        ks.cpu[c].idle_ctx = (int)c;
        ks.cpu[c].stalled_ctx = -1;
    }
    ks.cur_cpu = 0;     /* the root thread starts on CPU 0 (every CPU in its own slot) */

    /* Root objects. */
    paddr_t cnode_p = lay.cnode, tcb_p = lay.tcb, vspace_p = lay.vspace, pt_p = lay.pt;
    paddr_t ipcbuf_p = lay.ipcbuf, bi_p = lay.bi, stack_p = lay.stack;
    ks.boot_region_end = lay.end;

    cap_t cnode = cap_cnode_new(cnode_p, radix, MICA_WORD_BITS - radix, 0);
    cdt_insert_root(root_slot(cnode, MICA_CAP_INIT_CNODE), cnode);
    tcb_init_object(tcb_p);
    cdt_insert_root(root_slot(cnode, MICA_CAP_INIT_TCB), cap_tcb_new(tcb_p));
    vspace_init_object(vspace_p);
    cdt_insert_root(root_slot(cnode, MICA_CAP_INIT_VSPACE), cap_vspace_new(vspace_p));
    cdt_insert_root(root_slot(cnode, MICA_CAP_IRQ_CONTROL), cap_irq_control_new());
    word_t gen = hw_vspace_generation(vspace_p);

    /* Paging structures (seL4: the initial thread's, from boot memory) and mappings. */
    word_t next = MICA_NUM_INITIAL_CAPS;
    vspace_boot_table(vspace_p, 0, lay.pdpt, 3);
    cap_t pg = cap_pdpt_new(lay.pdpt);
    pg.word = mapping_word(vspace_p, 0, gen);
    cdt_insert_root(root_slot(cnode, next++), pg);
    vspace_boot_table(vspace_p, 0, lay.pd, 2);
    pg = cap_page_directory_new(lay.pd);
    pg.word = mapping_word(vspace_p, 0, gen);
    cdt_insert_root(root_slot(cnode, next++), pg);
    vspace_boot_table(vspace_p, 0, pt_p, 1);
    pg = cap_page_table_new(pt_p);
    pg.word = mapping_word(vspace_p, 0, gen);
    cdt_insert_root(root_slot(cnode, next++), pg);

    unsigned rw = RIGHT_READ | RIGHT_WRITE;
    cap_t f = cap_frame_new(ipcbuf_p, MICA_PAGE_BITS, rw, false);
    f.word = mapping_word(vspace_p, ROOT_IPCBUF_VADDR, gen);
    cdt_insert_root(root_slot(cnode, MICA_CAP_INIT_IPC_BUFFER), f);
    vspace_boot_map(vspace_p, ROOT_IPCBUF_VADDR, ipcbuf_p, MICA_PAGE_BITS, rw);
    f = cap_frame_new(bi_p, MICA_PAGE_BITS, rw, false);
    f.word = mapping_word(vspace_p, ROOT_BOOTINFO_VADDR, gen);
    cdt_insert_root(root_slot(cnode, MICA_CAP_BOOTINFO_FRAME), f);
    vspace_boot_map(vspace_p, ROOT_BOOTINFO_VADDR, bi_p, MICA_PAGE_BITS, rw);

    mica_bootinfo_t *bi = (mica_bootinfo_t *)paddr_to_ptr(bi_p);
    bi->user_image_paging = (mica_slot_region_t){ MICA_NUM_INITIAL_CAPS, next };
    bi->user_image_frames.start = next;
    for (word_t i = 0; i < ROOT_STACK_PAGES; i++) {
        paddr_t fp = stack_p + i * BIT(MICA_PAGE_BITS);
        word_t va = ROOT_STACK_VADDR + i * BIT(MICA_PAGE_BITS);
        f = cap_frame_new(fp, MICA_PAGE_BITS, rw, false);
        f.word = mapping_word(vspace_p, va, gen);
        cdt_insert_root(root_slot(cnode, next++), f);
        vspace_boot_map(vspace_p, va, fp, MICA_PAGE_BITS, rw);
    }
    bi->user_image_frames.end = next;

    /* Untyped caps for all free memory, then the device region. */
    bi->untyped.start = next;
    next = add_untypeds(bi, cnode, next, ks.boot_region_end, p->phys_size, false);
    /*
     * The device region: first each device's register page, an untyped of
     * its own (as seL4 gives each device region), then the rest. The boot
     * info's device table says which page is which device.
     */
    paddr_t dev_base = p->phys_size;
    bi->num_devices = 0;
    for (unsigned i = 0; i < p->num_devices && i < MICA_MAX_DEVICES; i++) {
        const struct hw_device_desc *d = &p->devices[i];
        if (d->paddr != dev_base || d->paddr + BIT(MICA_PAGE_BITS) > hw_phys_size)
            break;      /* the machine places them in order from the region's start */
        next = add_untypeds(bi, cnode, next, d->paddr, d->paddr + BIT(MICA_PAGE_BITS), true);
        mica_device_desc_t *bd = &bi->devices[bi->num_devices++];
        for (unsigned k = 0; k + 1 < sizeof bd->name && d->name[k]; k++)
            bd->name[k] = d->name[k];
        bd->paddr = d->paddr;
        bd->size_bits = MICA_PAGE_BITS;
        bd->irq = d->irq;
        dev_base += BIT(MICA_PAGE_BITS);
    }
    next = add_untypeds(bi, cnode, next, dev_base, hw_phys_size, true);
    bi->untyped.end = next;
    bi->empty = (mica_slot_region_t){ next, BIT(radix) };
    bi->node_id = 0;
    bi->num_nodes = ks.num_cpus;     /* seL4: numNodes, the CPUs */
    bi->ipc_buffer = ROOT_IPCBUF_VADDR;
    bi->init_cnode_size_bits = radix;
    bi->stack_vaddr = ROOT_STACK_VADDR;
    bi->stack_bytes = ROOT_STACK_PAGES * BIT(MICA_PAGE_BITS);
    bi->bootinfo_vaddr = ROOT_BOOTINFO_VADDR;

    /* The root thread (seL4: create_initial_thread). */
    cte_t *ts = tcb_slot(tcb_p, 0);
    cte_insert(derive_cap(root_slot(cnode, MICA_CAP_INIT_CNODE), cnode).cap,
               root_slot(cnode, MICA_CAP_INIT_CNODE), &ts[TCB_CTABLE]);
    cte_insert(root_slot(cnode, MICA_CAP_INIT_VSPACE)->cap, root_slot(cnode, MICA_CAP_INIT_VSPACE),
               &ts[TCB_VTABLE]);
    cte_t *ipc_slot = root_slot(cnode, MICA_CAP_INIT_IPC_BUFFER);
    cte_insert(derive_cap(ipc_slot, ipc_slot->cap).cap, ipc_slot, &ts[TCB_BUFFER]);
    setup_reply_master(tcb_p);
    tcb_t *root = tcb_ptr(tcb_p);
    root->priority = MICA_MAX_PRIO;
    root->mcp = MICA_MAX_PRIO;
    root->ipc_buffer = ROOT_IPCBUF_VADDR;
    root->regs[REG_PC] = p->root_pc;
    root->regs[REG_SP] = ROOT_STACK_VADDR + ROOT_STACK_PAGES * BIT(MICA_PAGE_BITS);
    root->regs[REG_R0] = ROOT_BOOTINFO_VADDR;
    root->regs[REG_R1] = p->root_arg;
    kformat(root->name, sizeof root->name, "root");
    root->state.type = MICA_THREAD_RUNNING;
    ks.root_tcb = tcb_p;
    ks.bootinfo = bi_p;
    tcb_sched_enqueue(tcb_p);
    NODE.sched_action = SCHED_CHOOSE_NEW;
    return 0;
}
