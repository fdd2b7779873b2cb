/*
 * debug.c - Graphviz DOT of the root CSpace and of the capability
 * derivation tree, for `mica run --cspace-dot FILE`.
 *
 * One digraph, drawn left to right, with two parts:
 *
 *   "root CSpace"      the root CNode and every CNode reachable from it, as
 *                      record nodes listing their non-empty slots (slot
 *                      index, cap type, rights, badge, guard); an edge runs
 *                      from a slot holding a CNode cap to that CNode.
 *   "derivation tree"  every cap in the CDT, with an edge parent -> child,
 *                      one cluster per top-level cap that has children
 *                      (usually a boot untyped and what was retyped from it).
 *
 * Hundreds of look-alike caps (the root task's 128 stack frames, unused
 * boot untypeds, a server's buffer frames) would drown the picture, so runs
 * of such caps are folded into one "N x frame" entry. The text goes out
 * through hw_dot() piece by piece: the kernel has no stdio and no heap,
 * so every buffer here is a fixed array on the stack.
 */
#include "cdt.h"
#include "objecttype.h"
#include "state.h"

#define MAX_CNODES      64      /* CNodes drawn in the CSpace part */
#define MAX_CNODE_ROWS  256     /* rows of one CNode record */
#define MAX_CDT_NODES   2000    /* caps drawn in the derivation tree */
#define MAX_CDT_DEPTH   64      /* deeper derivations hang off their deepest shown ancestor */
#define FOLD_MIN        4       /* fold runs of at least this many look-alike caps */

/* printf to the DOT file. */
static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    hw_vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    hw_dot(buf);
}

/*
 * Write s escaped for a DOT string; in a record label also escape the
 * characters that structure records. Newlines become DOT's "\n".
 */
static void out_escaped(const char *s, bool record)
{
    char buf[256];
    size_t n = 0;
    for (; *s; s++) {
        if (n + 3 >= sizeof buf) {
            buf[n] = 0;
            hw_dot(buf);
            n = 0;
        }
        char c = *s;
        if (c == '\n') {
            buf[n++] = '\\';
            buf[n++] = record ? 'l' : 'n';
        } else if (c == '"' || c == '\\' ||
                   (record && (c == '{' || c == '}' || c == '|' || c == '<' || c == '>'))) {
            buf[n++] = '\\';
            buf[n++] = c;
        } else if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f) {
            buf[n++] = c;
        } else {
            buf[n++] = '?';
        }
    }
    buf[n] = 0;
    hw_dot(buf);
}

static const char *thread_name(paddr_t tcb)
{
    const char *n = tcb_ptr(tcb)->name;
    return n[0] ? n : "unnamed";
}

static void rights_str(char *buf, size_t n, unsigned r)
{
    kformat(buf, n, "%s%s%s%s%s", r & RIGHT_READ ? "R" : "", r & RIGHT_WRITE ? "W" : "",
            r & RIGHT_GRANT ? "G" : "", r & RIGHT_GRANT_REPLY ? "P" : "", r ? "" : "none");
}

/* One line describing a cap: its type and what matters about it. */
static void cap_desc(char *buf, size_t n, cap_t c)
{
    char r[8];
    const char *type = mica_cap_type_name(cap_type(c));
    unsigned long obj = (unsigned long)cap_obj(c);

    switch (cap_type(c)) {
    case MICA_CAP_TYPE_UNTYPED:
        kformat(buf, n, "untyped 2^%u @0x%lx, %lu bytes used%s", cap_untyped_size_bits(c), obj,
                (unsigned long)cap_untyped_free_index(c), cap_untyped_is_device(c) ? ", device" : "");
        return;
    case MICA_CAP_TYPE_ENDPOINT:
    case MICA_CAP_TYPE_NOTIFICATION:
        rights_str(r, sizeof r, cap_rights(c));
        if (cap_badge(c))
            kformat(buf, n, "%s @0x%lx %s badge %lu", type, obj, r, (unsigned long)cap_badge(c));
        else
            kformat(buf, n, "%s @0x%lx %s", type, obj, r);
        return;
    case MICA_CAP_TYPE_REPLY:
        kformat(buf, n, "reply%s to '%s'", cap_reply_is_master(c) ? " master" : "",
                thread_name(cap_obj(c)));
        return;
    case MICA_CAP_TYPE_CNODE:
        kformat(buf, n, "cnode 2^%u @0x%lx guard 0x%lx/%u", cap_cnode_radix(c), obj,
                (unsigned long)cap_cnode_guard(c), cap_cnode_guard_size(c));
        return;
    case MICA_CAP_TYPE_TCB:
        kformat(buf, n, "tcb '%s'", thread_name(cap_obj(c)));
        return;
    case MICA_CAP_TYPE_IRQ_HANDLER:
        kformat(buf, n, "irq_handler %lu", (unsigned long)cap_irq(c));
        return;
    case MICA_CAP_TYPE_FRAME:
        rights_str(r, sizeof r, cap_rights(c));
        if (cap_is_mapped(c))
            kformat(buf, n, "frame 2^%u @0x%lx %s at 0x%lx", cap_frame_size_bits(c), obj, r,
                    (unsigned long)cap_mapped_vaddr(c));
        else
            kformat(buf, n, "frame 2^%u @0x%lx %s", cap_frame_size_bits(c), obj, r);
        return;
    case MICA_CAP_TYPE_PAGE_TABLE:
        if (cap_is_mapped(c))
            kformat(buf, n, "page_table @0x%lx at 0x%lx", obj, (unsigned long)cap_mapped_vaddr(c));
        else
            kformat(buf, n, "page_table @0x%lx", obj);
        return;
    case MICA_CAP_TYPE_VSPACE:
    case MICA_CAP_TYPE_ZOMBIE:
        kformat(buf, n, "%s @0x%lx", type, obj);
        return;
    case MICA_CAP_TYPE_NULL:
    case MICA_CAP_TYPE_IRQ_CONTROL:
    case MICA_CAP_TYPE_COUNT:
        break;
    }
    kformat(buf, n, "%s", type);
}

/* --- the root CSpace ----------------------------------------------------- */

/* The CNodes drawn, so that the CDT part can say where a slot lives. */
static struct { paddr_t base; unsigned radix; } cnodes[MAX_CNODES];
static unsigned ncnodes;

static bool foldable(mica_cap_type_t t)
{
    return t == MICA_CAP_TYPE_FRAME || t == MICA_CAP_TYPE_PAGE_TABLE || t == MICA_CAP_TYPE_UNTYPED;
}

/* One CNode as a record: a header, then one row per non-empty slot or run. */
static void write_cnode(unsigned k)
{
    cte_t *slots = (cte_t *)paddr_to_ptr(cnodes[k].base);
    word_t n = BIT(cnodes[k].radix);
    char desc[160];
    unsigned rows = 0;

    out("  cn%u [shape=record, label=\"<hdr> ", k);
    kformat(desc, sizeof desc, "%s @0x%lx (2^%u slots)", k == 0 ? "root CNode" : "CNode",
            (unsigned long)cnodes[k].base, cnodes[k].radix);
    out_escaped(desc, true);
    for (word_t i = 0; i < n; i++) {
        cap_t c = slots[i].cap;
        if (cap_is_null(c))
            continue;
        word_t j = i + 1;
        while (j < n && foldable(cap_type(c)) && cap_type(slots[j].cap) == cap_type(c))
            j++;
        if (rows == MAX_CNODE_ROWS) {
            out("|... more slots not shown");
            break;
        }
        rows++;
        if (j - i >= FOLD_MIN) {
            kformat(desc, sizeof desc, "%lu..%lu: %lu x %s", (unsigned long)i, (unsigned long)(j - 1),
                    (unsigned long)(j - i), mica_cap_type_name(cap_type(c)));
            out("|");
            out_escaped(desc, true);
            i = j - 1;
            continue;
        }
        cap_desc(desc, sizeof desc, c);
        out("|<s%lu> %lu: ", (unsigned long)i, (unsigned long)i);
        out_escaped(desc, true);
    }
    out("\"];\n");
}

static int cnode_index(paddr_t base)
{
    for (unsigned k = 0; k < ncnodes; k++)
        if (cnodes[k].base == base)
            return (int)k;
    return -1;
}

static void write_cspace(void)
{
    cap_t root = tcb_slot(ks.root_tcb, TCB_CTABLE)->cap;
    ncnodes = 0;
    out("  subgraph cluster_cspace {\n    label=\"root CSpace\"; style=rounded;\n");
    if (cap_type(root) != MICA_CAP_TYPE_CNODE) {
        out("    nocspace [shape=plaintext, label=\"the root thread has no CSpace\"];\n  }\n");
        return;
    }
    cnodes[ncnodes].base = cap_obj(root);
    cnodes[ncnodes++].radix = cap_cnode_radix(root);
    /* Breadth first over the CNode caps: cnodes[] is the queue. */
    for (unsigned k = 0; k < ncnodes; k++) {
        write_cnode(k);
        cte_t *slots = (cte_t *)paddr_to_ptr(cnodes[k].base);
        for (word_t i = 0; i < BIT(cnodes[k].radix); i++) {
            cap_t c = slots[i].cap;
            if (cap_type(c) != MICA_CAP_TYPE_CNODE)
                continue;
            int to = cnode_index(cap_obj(c));
            if (to < 0 && ncnodes < MAX_CNODES) {
                to = (int)ncnodes;
                cnodes[ncnodes].base = cap_obj(c);
                cnodes[ncnodes++].radix = cap_cnode_radix(c);
            }
            if (to >= 0)
                out("  cn%u:s%lu -> cn%d:hdr%s;\n", k, (unsigned long)i, to,
                    to == (int)k ? " [style=dashed]" : "");
        }
    }
    out("  }\n");
}

/* --- the derivation tree ------------------------------------------------- */

/* Is there a cap to the TCB at t anywhere? (Then slots at t are a TCB's.) */
static bool tcb_exists(paddr_t t)
{
    for (paddr_t p = mdb_next(cte_at(ks.mdb_head)); p; p = mdb_next(cte_at(p))) {
        cap_t c = cte_at(p)->cap;
        if ((cap_type(c) == MICA_CAP_TYPE_TCB ||
             (cap_type(c) == MICA_CAP_TYPE_ZOMBIE && cap_zombie_type(c) == ZOMBIE_TCB)) &&
            cap_obj(c) == t)
            return true;
    }
    return false;
}

/* Where a slot lives: "slot 17", "CNode 1 [3]", "tcb 'server' ctable". */
static void slot_where(char *buf, size_t n, paddr_t slot)
{
    static const char *const tcb_slots[] = { "ctable", "vtable", "reply", "caller", "ipc buffer" };
    for (unsigned k = 0; k < ncnodes; k++) {
        paddr_t b = cnodes[k].base;
        if (slot >= b && slot < b + BIT(cnodes[k].radix + MICA_SLOT_BITS)) {
            word_t i = (slot - b) >> MICA_SLOT_BITS;
            if (k == 0)
                kformat(buf, n, "slot %lu", (unsigned long)i);
            else
                kformat(buf, n, "CNode @0x%lx [%lu]", (unsigned long)b, (unsigned long)i);
            return;
        }
    }
    if (slot >= ks.irq_node && slot < ks.irq_node + IRQ_NODE_SLOTS * sizeof(cte_t)) {
        kformat(buf, n, "IRQ node [%lu]", (unsigned long)((slot - ks.irq_node) >> MICA_SLOT_BITS));
        return;
    }
    paddr_t t = tcb_of_slot_paddr(slot);
    word_t i = (slot - t) >> MICA_SLOT_BITS;
    if (i < MICA_TCB_CNODE_ENTRIES && t != NODE.idle_thread && tcb_exists(t)) {
        kformat(buf, n, "tcb '%s' %s", thread_name(t), tcb_slots[i]);
        return;
    }
    kformat(buf, n, "slot @0x%lx", (unsigned long)slot);
}

/* Draw one cap node and the edge from its parent. */
static void cdt_node(paddr_t p, paddr_t parent)
{
    char where[96], desc[160], label[260];
    slot_where(where, sizeof where, p);
    cap_desc(desc, sizeof desc, cte_at(p)->cap);
    kformat(label, sizeof label, "%s\n%s", where, desc);
    out("    c%lx [label=\"", (unsigned long)p);
    out_escaped(label, false);
    out("\"];\n");
    if (parent)
        out("    c%lx -> c%lx;\n", (unsigned long)parent, (unsigned long)p);
}

/* A run of look-alike leaf caps with the same parent, being collected. */
static struct {
    paddr_t parent;
    mica_cap_type_t type;
    word_t count;
    paddr_t first[FOLD_MIN - 1];
    paddr_t last;
} run;
static unsigned long nfolds;

static void run_flush(void)
{
    if (run.count == 0)
        return;
    if (run.count < FOLD_MIN) {
        for (word_t i = 0; i < run.count; i++)
            cdt_node(run.first[i], run.parent);
    } else {
        char a[96], b[96], label[260];
        slot_where(a, sizeof a, run.first[0]);
        slot_where(b, sizeof b, run.last);
        kformat(label, sizeof label, "%lu x %s\n%s .. %s", (unsigned long)run.count,
                mica_cap_type_name(run.type), a, b);
        out("    fold%lu [shape=folder, label=\"", nfolds);
        out_escaped(label, false);
        out("\"];\n");
        if (run.parent)
            out("    c%lx -> fold%lu;\n", (unsigned long)run.parent, nfolds);
        nfolds++;
    }
    run.count = 0;
}

static void run_add(paddr_t p, paddr_t parent)
{
    mica_cap_type_t t = cap_type(cte_at(p)->cap);
    if (run.count && (run.parent != parent || run.type != t))
        run_flush();
    if (run.count < FOLD_MIN - 1)
        run.first[run.count] = p;
    run.parent = parent;
    run.type = t;
    run.last = p;
    run.count++;
}

static void write_cdt(void)
{
    paddr_t stack[MAX_CDT_DEPTH];
    unsigned depth = 0, clusters = 0, shown = 0;
    bool in_cluster = false;
    unsigned long hidden = 0;

    run.count = 0;
    nfolds = 0;
    out("  subgraph cluster_cdt {\n    label=\"capability derivation tree\"; style=rounded;\n"
        "    node [shape=box, style=rounded, fontsize=10];\n");
    for (paddr_t p = mdb_next(cte_at(ks.mdb_head)); p; p = mdb_next(cte_at(p))) {
        cte_t *s = cte_at(p);
        paddr_t next = mdb_next(s);
        while (depth && !is_mdb_parent_of(cte_at(stack[depth - 1]), s))
            depth--;
        paddr_t parent = depth ? stack[depth - 1] : 0;
        bool leaf = !next || !is_mdb_parent_of(s, cte_at(next));

        if (!parent) {
            /* A top-level cap: it ends the previous cluster. */
            if (in_cluster) {
                run_flush();
                out("    }\n");
                in_cluster = false;
            }
            if (!leaf) {
                char desc[160];
                run_flush();
                cap_desc(desc, sizeof desc, s->cap);
                out("    subgraph cluster_%u {\n      label=\"", clusters++);
                out_escaped(desc, false);
                out("\"; style=dashed;\n");
                in_cluster = true;
            }
        }
        if (shown >= MAX_CDT_NODES) {
            hidden++;
        } else if (leaf && (foldable(cap_type(s->cap)) || !parent)) {
            run_add(p, parent);
            shown++;
        } else {
            run_flush();
            cdt_node(p, parent);
            shown++;
        }
        if (!leaf && depth < MAX_CDT_DEPTH)
            stack[depth++] = p;
    }
    run_flush();
    if (in_cluster)
        out("    }\n");
    if (hidden)
        out("    more [shape=plaintext, label=\"... and %lu more caps not shown\"];\n", hidden);
    out("  }\n");
}

void kernel_write_dot(void)
{
    out("digraph mica {\n  rankdir=LR;\n  fontname=\"Helvetica\";\n"
        "  node [fontname=\"Helvetica\", fontsize=10];\n  edge [arrowsize=0.6];\n");
    write_cspace();
    write_cdt();
    out("}\n");
}
