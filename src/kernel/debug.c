/*
 * debug.c - Graphviz DOT of the CSpace and of the capability derivation
 * tree, for `mica run --cspace-dot FILE` (render: dot -Tsvg FILE -o x.svg).
 *
 * The picture is laid out top to bottom in three bands, and every part is a
 * table (an HTML-like label), so there are no edges to cross each other:
 *
 *   CSpace      one table per CNode: the root thread's CNode and every CNode
 *               reachable from it or serving a thread as its CSpace root,
 *               named after that thread ("ramfs's CNode"). A row per
 *               non-empty slot: slot, cap type (coloured), what the cap says
 *               (object, rights, badge, size, where mapped).
 *   derivation  one table per cap that has no parent but has children
 *               (usually a boot untyped): a row per cap derived from it in
 *               the order they were made, and in the row's last cell the
 *               caps derived from that one (copies, mints), indented by
 *               depth. Caps with neither parent nor children share one table.
 *   legend      rights letters, badges, slot names, folding, colours.
 *
 * To stay readable at slide size, runs of look-alike caps in consecutive
 * slots (the root task's stack frames, spare boot untypeds, a server's
 * buffer frames) are folded into one row ("19-146  frame  128 caps"), a
 * row lists at most MAX_DERIVED derived caps, long tables wrap into
 * columns of about LINES_PER_COLUMN lines, and tables go MAX_PER_BAND to a
 * row. The text goes out through hw_dot() piece by piece: the kernel has no
 * stdio and no heap, so every buffer here is a fixed array.
 */
#include "cdt.h"
#include "objecttype.h"
#include "state.h"

#define MAX_CNODES       64     /* CNodes drawn in the CSpace band */
#define MAX_CNODE_ROWS   256    /* rows of one CNode table */
#define MAX_CDT_NODES    2000   /* caps drawn in the derivation band */
#define MAX_CDT_DEPTH    64     /* deeper derivations hang off their deepest shown ancestor */
#define FOLD_MIN         4      /* fold runs of at least this many look-alike caps */
#define MAX_DERIVED      8      /* derived caps listed in one row */
#define LINES_PER_COLUMN 24     /* a table wraps into columns of about this many lines */
#define MAX_PER_BAND     4      /* tables side by side before a new row starts */
#define SMALL_TABLE      4      /* derivation tables of at most this many lines are stacked */

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

/* Write s escaped for an HTML-like label (thread names are the task's text). */
static void out_html(const char *s)
{
    char buf[256];
    size_t n = 0;
    for (; *s; s++) {
        if (n + 8 >= sizeof buf) {
            buf[n] = 0;
            hw_dot(buf);
            n = 0;
        }
        unsigned char c = (unsigned char)*s;
        const char *e = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;"
                      : c == '"' ? "&quot;" : NULL;
        if (e) {
            while (*e)
                buf[n++] = *e++;
        } else {
            buf[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
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

/* The rights letters in RWGP order: Read, Write, Grant, grant-rePly. */
static void rights_str(char *buf, size_t n, unsigned r)
{
    kformat(buf, n, "%s%s%s%s%s", r & RIGHT_READ ? "R" : "", r & RIGHT_WRITE ? "W" : "",
            r & RIGHT_GRANT ? "G" : "", r & RIGHT_GRANT_REPLY ? "P" : "", r ? "" : "no rights");
}

/* A fill colour per cap type, shared by the rows and the legend. */
static const char *type_colour(mica_cap_type_t t)
{
    switch (t) {
    case MICA_CAP_TYPE_UNTYPED:      return "#d9d9d9";
    case MICA_CAP_TYPE_ENDPOINT:     return "#9ecae1";
    case MICA_CAP_TYPE_NOTIFICATION: return "#a1d99b";
    case MICA_CAP_TYPE_REPLY:        return "#c6dbef";
    case MICA_CAP_TYPE_CNODE:        return "#fee391";
    case MICA_CAP_TYPE_TCB:          return "#fc9272";
    case MICA_CAP_TYPE_FRAME:        return "#fde0ef";
    case MICA_CAP_TYPE_PAGE_TABLE:
    case MICA_CAP_TYPE_PAGE_DIRECTORY:
    case MICA_CAP_TYPE_PDPT:         return "#f1b6da";
    case MICA_CAP_TYPE_VSPACE:       return "#de77ae";
    case MICA_CAP_TYPE_IRQ_CONTROL:
    case MICA_CAP_TYPE_IRQ_HANDLER:  return "#dadaeb";
    default:                         return "#ffffff";
    }
}

/*
 * What a cap says besides its type: the object and what matters about it.
 * With brief, only what a copy or mint may change (rights, badge, guard,
 * where a frame is mapped): the object is its parent's.
 */
static void cap_detail(char *buf, size_t n, cap_t c, bool brief)
{
    char r[16], at[40] = "";
    unsigned long obj = (unsigned long)cap_obj(c);
    if (!brief)
        kformat(at, sizeof at, " @0x%lx", obj);

    switch (cap_type(c)) {
    case MICA_CAP_TYPE_UNTYPED:
        kformat(buf, n, "2^%u%s, %lu bytes used%s", cap_untyped_size_bits(c), at,
                (unsigned long)cap_untyped_free_index(c), cap_untyped_is_device(c) ? ", device" : "");
        return;
    case MICA_CAP_TYPE_ENDPOINT:
    case MICA_CAP_TYPE_NOTIFICATION:
        rights_str(r, sizeof r, cap_rights(c));
        if (cap_badge(c))
            kformat(buf, n, "%s %s badge %lu", at, r, (unsigned long)cap_badge(c));
        else
            kformat(buf, n, "%s %s", at, r);
        return;
    case MICA_CAP_TYPE_REPLY:
        kformat(buf, n, "%sto '%s'", cap_reply_is_master(c) ? "master, " : "", thread_name(cap_obj(c)));
        return;
    case MICA_CAP_TYPE_CNODE:
        if (brief)
            kformat(buf, n, "guard 0x%lx/%u", (unsigned long)cap_cnode_guard(c),
                    cap_cnode_guard_size(c));
        else
            kformat(buf, n, "2^%u%s guard 0x%lx/%u", cap_cnode_radix(c), at,
                    (unsigned long)cap_cnode_guard(c), cap_cnode_guard_size(c));
        return;
    case MICA_CAP_TYPE_TCB:
        kformat(buf, n, "'%s'", thread_name(cap_obj(c)));
        return;
    case MICA_CAP_TYPE_IRQ_HANDLER:
        kformat(buf, n, "line %lu", (unsigned long)cap_irq(c));
        return;
    case MICA_CAP_TYPE_IRQ_CONTROL:
        kformat(buf, n, "makes IRQ handler caps");
        return;
    case MICA_CAP_TYPE_FRAME: {
        char size[16] = "";
        rights_str(r, sizeof r, cap_rights(c));
        if (!brief)
            kformat(size, sizeof size, "2^%u", cap_frame_size_bits(c));
        if (cap_is_mapped(c))
            kformat(buf, n, "%s%s %s at 0x%lx", size, at, r, (unsigned long)cap_mapped_vaddr(c));
        else
            kformat(buf, n, "%s%s %s", size, at, r);
        return;
    }
    case MICA_CAP_TYPE_PAGE_TABLE:
    case MICA_CAP_TYPE_PAGE_DIRECTORY:
    case MICA_CAP_TYPE_PDPT:
        if (cap_is_mapped(c))
            kformat(buf, n, "%s at 0x%lx", at, (unsigned long)cap_mapped_vaddr(c));
        else
            kformat(buf, n, "%s", at);
        return;
    default:
        kformat(buf, n, "%s", at);
        return;
    }
}

/* Trim the leading blank cap_detail may leave. */
static const char *trimmed(const char *s)
{
    while (*s == ' ')
        s++;
    return s;
}

static bool foldable(mica_cap_type_t t)
{
    return t == MICA_CAP_TYPE_FRAME || t == MICA_CAP_TYPE_PAGE_TABLE || t == MICA_CAP_TYPE_UNTYPED ||
           t == MICA_CAP_TYPE_REPLY;
}

/* --- CNodes and slot names ------------------------------------------------ */

/* The CNodes drawn, and the thread each is the CSpace root of (0: none). */
static struct { paddr_t base; unsigned radix; paddr_t owner; } cnodes[MAX_CNODES];
static unsigned ncnodes;

static int cnode_index(paddr_t base)
{
    for (unsigned k = 0; k < ncnodes; k++)
        if (cnodes[k].base == base)
            return (int)k;
    return -1;
}

static void add_cnode(cap_t c, paddr_t owner)
{
    if (cap_type(c) != MICA_CAP_TYPE_CNODE)
        return;
    int k = cnode_index(cap_obj(c));
    if (k < 0 && ncnodes < MAX_CNODES) {
        k = (int)ncnodes++;
        cnodes[k].base = cap_obj(c);
        cnodes[k].radix = cap_cnode_radix(c);
        cnodes[k].owner = 0;
    }
    if (k >= 0 && owner && !cnodes[k].owner)
        cnodes[k].owner = owner;
}

/* The CNodes: the root thread's, those reachable from it, every thread's CSpace root. */
static void find_cnodes(void)
{
    ncnodes = 0;
    add_cnode(tcb_slot(ks.root_tcb, TCB_CTABLE)->cap, ks.root_tcb);
    /*
     * Breadth first over the CNode caps in the CNodes found (cnodes[] is the
     * queue), then the CSpace roots of threads whose CNodes were not found
     * so; the second walk may queue more for the first.
     */
    for (unsigned k = 0, rounds = 0; rounds < 2; rounds++) {
        for (; k < ncnodes; k++) {
            cte_t *slots = (cte_t *)paddr_to_ptr(cnodes[k].base);
            for (word_t i = 0; i < BIT(cnodes[k].radix); i++)
                add_cnode(slots[i].cap, 0);
        }
        for (paddr_t p = mdb_next(cte_at(ks.mdb_head)); p; p = mdb_next(cte_at(p))) {
            cap_t c = cte_at(p)->cap;
            if (cap_type(c) == MICA_CAP_TYPE_TCB)
                add_cnode(tcb_slot(cap_obj(c), TCB_CTABLE)->cap, cap_obj(c));
        }
    }
}

/* A CNode's short name: the thread whose CSpace root it is, else "cnode<k>". */
static void cnode_name(char *buf, size_t n, unsigned k)
{
    if (cnodes[k].owner)
        kformat(buf, n, "%s", thread_name(cnodes[k].owner));
    else
        kformat(buf, n, "cnode%u", k);
}

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

/* Where a slot lives: "root:17", "ramfs:8", "ramfs ipc buffer", "IRQ node [3]". */
static void slot_where(char *buf, size_t n, paddr_t slot)
{
    static const char *const tcb_slots[] = { "ctable", "vtable", "reply", "caller", "ipc buffer" };
    for (unsigned k = 0; k < ncnodes; k++) {
        paddr_t b = cnodes[k].base;
        if (slot >= b && slot < b + BIT(cnodes[k].radix + MICA_SLOT_BITS)) {
            char name[40];
            cnode_name(name, sizeof name, k);
            kformat(buf, n, "%s:%lu", name, (unsigned long)((slot - b) >> MICA_SLOT_BITS));
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
        kformat(buf, n, "%s %s", thread_name(t), tcb_slots[i]);
        return;
    }
    kformat(buf, n, "slot @0x%lx", (unsigned long)slot);
}

/* Slots in the same CNode, or both in TCBs: a run of them may fold into one row. */
static bool same_place(paddr_t a, paddr_t b)
{
    for (unsigned k = 0; k < ncnodes; k++) {
        paddr_t lo = cnodes[k].base, hi = lo + BIT(cnodes[k].radix + MICA_SLOT_BITS);
        bool ina = a >= lo && a < hi, inb = b >= lo && b < hi;
        if (ina || inb)
            return ina && inb && (a - b == sizeof(cte_t) || b - a == sizeof(cte_t));
    }
    /* The same slot of two TCBs (their reply caps, say). */
    return (a & MASK(MICA_TCB_BITS)) == (b & MASK(MICA_TCB_BITS)) &&
           (a & MASK(MICA_TCB_BITS)) < MICA_TCB_CNODE_ENTRIES * sizeof(cte_t);
}

/* --- table pieces ---------------------------------------------------------- */

#define TABLE "<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"3\">"

static void cell_type(mica_cap_type_t t)
{
    out("<TD BGCOLOR=\"%s\">%s</TD>", type_colour(t), mica_cap_type_name(t));
}

static void cell_text(const char *align, const char *s)
{
    out("<TD ALIGN=\"%s\">", align);
    out_html(s);
    out("</TD>");
}

/* Start column col of a wrapped table (a nested table in one cell of the outer row). */
static void column_start(const char *heads)
{
    out("<TD VALIGN=\"TOP\">" TABLE "<TR>%s</TR>", heads);
}

static void column_end(void)
{
    out("</TABLE></TD>");
}

/* How many columns for `lines` lines, and how many lines each. */
static unsigned per_column(unsigned lines)
{
    unsigned cols = (lines + LINES_PER_COLUMN - 1) / LINES_PER_COLUMN;
    if (cols == 0)
        cols = 1;
    return (lines + cols - 1) / cols;
}

/* --- the CSpace band ------------------------------------------------------- */

#define CNODE_HEADS "<TD><I>slot</I></TD><TD><I>type</I></TD><TD><I>cap</I></TD>"

/* The rows of CNode k; with emit, wrapped every `per` rows. @return the rows. */
static unsigned cnode_rows(unsigned k, bool emit, unsigned per)
{
    cte_t *slots = (cte_t *)paddr_to_ptr(cnodes[k].base);
    word_t n = BIT(cnodes[k].radix);
    unsigned rows = 0, in_col = 0;
    char desc[160], num[40];

    for (word_t i = 0; i < n; i++) {
        cap_t c = slots[i].cap;
        if (cap_is_null(c))
            continue;
        word_t j = i + 1;
        while (j < n && foldable(cap_type(c)) && cap_type(slots[j].cap) == cap_type(c))
            j++;
        if (j - i < FOLD_MIN)
            j = i + 1;
        if (rows == MAX_CNODE_ROWS) {
            if (emit)
                out("<TR><TD COLSPAN=\"3\">... more slots not shown</TD></TR>");
            rows++;
            break;
        }
        rows++;
        if (!emit) {
            i = j - 1;
            continue;
        }
        if (in_col == per) {
            column_end();
            in_col = 0;
        }
        if (in_col++ == 0)
            column_start(CNODE_HEADS);
        out("<TR>");
        if (j - i > 1) {
            kformat(num, sizeof num, "%lu-%lu", (unsigned long)i, (unsigned long)(j - 1));
            kformat(desc, sizeof desc, "%lu caps", (unsigned long)(j - i));
        } else {
            kformat(num, sizeof num, "%lu", (unsigned long)i);
            cap_detail(desc, sizeof desc, c, false);
            if (cap_type(c) == MICA_CAP_TYPE_CNODE) {
                int to = cnode_index(cap_obj(c));
                char name[40], more[200];
                if (to >= 0) {
                    cnode_name(name, sizeof name, (unsigned)to);
                    kformat(more, sizeof more, "%s = %s's CNode", desc, name);
                    kformat(desc, sizeof desc, "%s", more);
                }
            }
        }
        cell_text("RIGHT", num);
        cell_type(cap_type(c));
        cell_text("LEFT", trimmed(desc));
        out("</TR>");
        i = j - 1;
    }
    if (emit && in_col)
        column_end();
    return rows;
}

static void write_cnode(unsigned k)
{
    char name[40], head[160];
    unsigned rows = cnode_rows(k, false, 0);
    unsigned per = per_column(rows);
    unsigned cols = rows ? (rows + per - 1) / per : 1;
    cnode_name(name, sizeof name, k);
    kformat(head, sizeof head, " @0x%lx, 2^%u slots", (unsigned long)cnodes[k].base, cnodes[k].radix);
    out(TABLE "<TR><TD COLSPAN=\"%u\" BGCOLOR=\"%s\"><B>", cols, type_colour(MICA_CAP_TYPE_CNODE));
    out_html(name);
    out("'s CNode</B>");
    out_html(head);
    out("</TD></TR><TR>");
    if (rows)
        cnode_rows(k, true, per);
    else
        out("<TD>empty</TD>");
    out("</TR></TABLE>");
}

/* Nodes prefix0 .. prefix<n-1> in rows of MAX_PER_BAND, kept in order by invisible edges. */
static void band_layout(const char *prefix, unsigned n)
{
    for (unsigned i = 0; i < n; i += MAX_PER_BAND) {
        out("    { rank=same;");
        for (unsigned j = i; j < n && j < i + MAX_PER_BAND; j++)
            out(" %s%u;", prefix, j);
        out(" }\n");
        for (unsigned j = i + 1; j < n && j < i + MAX_PER_BAND; j++)
            out("    %s%u -> %s%u [style=invis];\n", prefix, j - 1, prefix, j);
        if (i)
            out("    %s%u -> %s%u [style=invis];\n", prefix, i - MAX_PER_BAND, prefix, i);
    }
}

static void write_cspace(void)
{
    out("  subgraph cluster_cspace {\n    label=\"CSpace: the CNodes, a row per non-empty slot\";\n"
        "    style=rounded; color=\"#999999\";\n");
    if (ncnodes == 0) {
        out("    cn0 [shape=plaintext, label=\"the root thread has no CSpace\"];\n  }\n");
        ncnodes = 0;
        return;
    }
    /* The root thread's CNode, and beside it the others in a grid of one node: no edges needed. */
    out("  cn0 [label=<");
    write_cnode(0);
    out(">];\n");
    if (ncnodes > 1) {
        unsigned across = ncnodes - 1 <= 6 ? 2 : 3;
        out("  cn1 [label=<<TABLE BORDER=\"0\" CELLSPACING=\"8\"><TR>");
        for (unsigned k = 1; k < ncnodes; k++) {
            if (k > 1 && (k - 1) % across == 0)
                out("</TR><TR>");
            out("<TD VALIGN=\"TOP\">");
            write_cnode(k);
            out("</TD>");
        }
        out("</TR></TABLE>>];\n");
        out("    { rank=same; cn0; cn1; }\n    cn0 -> cn1 [style=invis];\n");
    }
    out("  }\n");
}

/* --- the derivation band -------------------------------------------------- */

/* The CDT in its own order (a pre-order walk): each cap with its depth. */
static struct { paddr_t p; unsigned depth; } cdt[MAX_CDT_NODES];
static unsigned ncdt;
static unsigned long hidden;

static void collect_cdt(void)
{
    paddr_t stack[MAX_CDT_DEPTH];
    unsigned depth = 0;
    ncdt = 0;
    hidden = 0;
    for (paddr_t p = mdb_next(cte_at(ks.mdb_head)); p; p = mdb_next(cte_at(p))) {
        cte_t *s = cte_at(p);
        while (depth && !is_mdb_parent_of(cte_at(stack[depth - 1]), s))
            depth--;
        if (ncdt == MAX_CDT_NODES) {
            hidden++;
            continue;
        }
        cdt[ncdt].p = p;
        cdt[ncdt++].depth = depth;
        paddr_t next = mdb_next(s);
        if (next && is_mdb_parent_of(s, cte_at(next)) && depth < MAX_CDT_DEPTH)
            stack[depth++] = p;
    }
}

/* One past the last cap of i's subtree. */
static unsigned subtree_end(unsigned i)
{
    unsigned j = i + 1;
    while (j < ncdt && cdt[j].depth > cdt[i].depth)
        j++;
    return j;
}

/*
 * i's children in the order they were made, oldest first: the CDT puts a
 * new child right after its parent, so they come newest first there. Start
 * with at = subtree_end(i); each call returns the next child, or 0 (never a
 * child: a child follows its parent).
 */
static unsigned prev_child(unsigned i, unsigned *at)
{
    while (*at > i + 1) {
        unsigned j = --*at;
        if (cdt[j].depth == cdt[i].depth + 1)
            return j;
    }
    return 0;
}

static cap_t cdt_cap(unsigned i)
{
    return cte_at(cdt[i].p)->cap;
}

/* A run of look-alike leaf siblings starting at child c: how many, and the last. */
static unsigned fold_run(unsigned parent, unsigned c, unsigned at, unsigned *last)
{
    unsigned n = 1;
    *last = c;
    if (!foldable(cap_type(cdt_cap(c))) || subtree_end(c) != c + 1)
        return 1;
    unsigned a = at, prev = c;
    for (unsigned d = prev_child(parent, &a); d; d = prev_child(parent, &a)) {
        if (subtree_end(d) != d + 1 || cap_type(cdt_cap(d)) != cap_type(cdt_cap(c)) ||
            !same_place(cdt[d].p, cdt[prev].p))
            break;
        n++;
        prev = d;
    }
    if (n < FOLD_MIN)
        return 1;
    *last = prev;
    return n;
}

/* Caps derived from c (not c), depth first, oldest first; @return the lines. */
static unsigned derived(unsigned c, unsigned base_depth, mica_cap_type_t row_type, bool emit,
                        unsigned *lines)
{
    unsigned at = subtree_end(c);
    for (unsigned d = prev_child(c, &at); d; d = prev_child(c, &at)) {
        if (*lines == MAX_DERIVED) {
            if (emit)
                out("... and more<BR ALIGN=\"LEFT\"/>");
            (*lines)++;
            return *lines;
        }
        if (*lines > MAX_DERIVED)
            return *lines;
        if (emit) {
            char where[96], desc[160];
            cap_t cap = cdt_cap(d);
            for (unsigned k = base_depth + 1; k < cdt[d].depth; k++)
                out("&#160;&#160;&#160;");
            if (cdt[d].depth > base_depth + 1)
                out("&#8627; ");
            slot_where(where, sizeof where, cdt[d].p);
            out_html(where);
            cap_detail(desc, sizeof desc, cap, cap_type(cap) == row_type);
            if (cap_type(cap) != row_type)
                out(" %s", mica_cap_type_name(cap_type(cap)));
            out(" ");
            out_html(trimmed(desc));
            out("<BR ALIGN=\"LEFT\"/>");
        }
        (*lines)++;
        derived(d, base_depth, row_type, emit, lines);
    }
    return *lines;
}

#define CDT_HEADS "<TD><I>slot</I></TD><TD><I>type</I></TD><TD><I>cap</I></TD>" \
                  "<TD><I>copied or minted from it, to</I></TD>"

/*
 * The rows of top-level cap i's table: one per child (or folded run of
 * children), wrapped every `per` lines. @return the lines.
 */
static unsigned cdt_rows(unsigned i, bool emit, unsigned per)
{
    unsigned at = subtree_end(i), lines = 0, in_col = 0;
    for (unsigned c = prev_child(i, &at); c; c = prev_child(i, &at)) {
        unsigned last, n = fold_run(i, c, at, &last), k = 0;
        unsigned h = 0;
        derived(c, cdt[c].depth, cap_type(cdt_cap(c)), false, &h);
        h = h ? h : 1;
        if (emit) {
            char where[96], desc[200];
            if (in_col && in_col + h > per) {
                column_end();
                in_col = 0;
            }
            if (in_col == 0)
                column_start(CDT_HEADS);
            in_col += h;
            out("<TR>");
            slot_where(where, sizeof where, cdt[c].p);
            if (n > 1) {
                char to[96];
                slot_where(to, sizeof to, cdt[last].p);
                const char *colon = to;
                while (*colon && *colon != ':')
                    colon++;
                kformat(desc, sizeof desc, "%s-%s", where, *colon ? colon + 1 : to);
                cell_text("LEFT", desc);
                cell_type(cap_type(cdt_cap(c)));
                kformat(desc, sizeof desc, "%u caps", n);
                cell_text("LEFT", desc);
                out("<TD></TD>");
            } else {
                cell_text("LEFT", where);
                cell_type(cap_type(cdt_cap(c)));
                cap_detail(desc, sizeof desc, cdt_cap(c), false);
                cell_text("LEFT", trimmed(desc));
                out("<TD ALIGN=\"LEFT\" BALIGN=\"LEFT\">");
                unsigned l = 0;
                derived(c, cdt[c].depth, cap_type(cdt_cap(c)), true, &l);
                out("</TD>");
            }
            out("</TR>");
        }
        if (!emit)
            in_col += h;
        lines += h;
        /* Skip the rest of a folded run. */
        for (k = 1; k < n; k++)
            prev_child(i, &at);
    }
    if (emit && in_col)
        column_end();
    return lines;
}

/* The table of top-level cap i and what was derived from it. */
static void write_cdt_table(unsigned i)
{
    char where[96], desc[200];
    unsigned lines = cdt_rows(i, false, 0);
    unsigned per = per_column(lines);
    /* Columns as cdt_rows will break them. */
    unsigned cols = 0, in_col = 0, at = subtree_end(i);
    for (unsigned c = prev_child(i, &at); c; c = prev_child(i, &at)) {
        unsigned last, n = fold_run(i, c, at, &last), h = 0;
        derived(c, cdt[c].depth, cap_type(cdt_cap(c)), false, &h);
        h = h ? h : 1;
        if (in_col == 0 || in_col + h > per) {
            cols++;
            in_col = 0;
        }
        in_col += h;
        for (unsigned k = 1; k < n; k++)
            prev_child(i, &at);
    }
    slot_where(where, sizeof where, cdt[i].p);
    cap_detail(desc, sizeof desc, cdt_cap(i), false);
    out(TABLE "<TR><TD COLSPAN=\"%u\" BGCOLOR=\"%s\"><B>", cols ? cols : 1,
        type_colour(cap_type(cdt_cap(i))));
    out_html(where);
    out(" %s</B> ", mica_cap_type_name(cap_type(cdt_cap(i))));
    out_html(trimmed(desc));
    out("</TD></TR><TR>");
    cdt_rows(i, true, per);
    out("</TR></TABLE>");
}

/* How many caps have neither parent nor children (the CSpace band shows them). */
static unsigned long loners(void)
{
    unsigned long n = 0;
    for (unsigned i = 0; i < ncdt; i++)
        if (cdt[i].depth == 0 && subtree_end(i) == i + 1)
            n++;
    return n;
}

static unsigned write_cdt(void)
{
    unsigned tables = 0;
    collect_cdt();
    out("  subgraph cluster_cdt {\n    label=\"capability derivation tree: a table per cap with no "
        "parent, a row per cap derived from it\\n(not drawn: %lu caps with no parent and nothing "
        "derived from them - boot caps, master reply caps)\";\n"
        "    style=rounded; color=\"#999999\";\n", loners());
    /*
     * Oldest first: the boot caps, then what the system made. Tables of a
     * few lines share one node, stacked, so the band stays narrow.
     */
    unsigned small = 0;
    for (unsigned i = ncdt; i-- > 0;)
        if (cdt[i].depth == 0 && subtree_end(i) != i + 1 && cdt_rows(i, false, 0) <= SMALL_TABLE)
            small++;
    if (small) {
        out("  d%u [label=<<TABLE BORDER=\"0\" CELLSPACING=\"6\">", tables++);
        for (unsigned i = ncdt; i-- > 0;)
            if (cdt[i].depth == 0 && subtree_end(i) != i + 1 && cdt_rows(i, false, 0) <= SMALL_TABLE) {
                out("<TR><TD>");
                write_cdt_table(i);
                out("</TD></TR>");
            }
        out("</TABLE>>];\n");
    }
    for (unsigned i = ncdt; i-- > 0;)
        if (cdt[i].depth == 0 && subtree_end(i) != i + 1 && cdt_rows(i, false, 0) > SMALL_TABLE) {
            out("  d%u [label=<", tables++);
            write_cdt_table(i);
            out(">];\n");
        }
    if (hidden)
        out("    d%u [shape=plaintext, label=\"... and %lu more caps not shown\"];\n", tables++, hidden);
    band_layout("d", tables);
    out("  }\n");
    return tables;
}

/* --- the legend ------------------------------------------------------------ */

static void write_legend(void)
{
    static const mica_cap_type_t types[] = {
        MICA_CAP_TYPE_UNTYPED, MICA_CAP_TYPE_ENDPOINT, MICA_CAP_TYPE_NOTIFICATION,
        MICA_CAP_TYPE_REPLY, MICA_CAP_TYPE_CNODE, MICA_CAP_TYPE_TCB, MICA_CAP_TYPE_FRAME,
        MICA_CAP_TYPE_PAGE_TABLE, MICA_CAP_TYPE_PAGE_DIRECTORY, MICA_CAP_TYPE_PDPT,
        MICA_CAP_TYPE_VSPACE, MICA_CAP_TYPE_IRQ_HANDLER,
    };
    out("  legend [label=<" TABLE "<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\">");
    hw_dot("<B>legend</B><BR/>"
           "rights, in this order: <B>R</B> read (receive, wait; read a frame) "
           "<B>W</B> write (send, signal; write a frame) <B>G</B> grant (pass caps with a message) "
           "<B>P</B> grant-reply (a Call through it gets a reply)<BR/>");
    hw_dot("RWGP = all rights; WP = a client's endpoint cap: it can Call but not receive<BR/>"
           "<B>badge N</B>: a minted endpoint or notification cap; whoever receives through it "
           "learns N<BR/>");
    hw_dot("<B><I>name</I>:8</B> = slot 8 of the CNode that is thread <I>name</I>'s CSpace root; "
           "<B><I>name</I> ipc buffer</B> (ctable, vtable, reply) = a slot in thread <I>name</I>'s TCB<BR/>"
           "<B>19-146 frame 128 caps</B> = look-alike caps in consecutive slots, folded into one row"
           "<BR/>@0x... = the object's (simulated) physical address; 2^N = its size in bytes"
           "</TD></TR><TR><TD ALIGN=\"LEFT\"><TABLE BORDER=\"0\" CELLBORDER=\"1\" "
           "CELLSPACING=\"2\" CELLPADDING=\"3\"><TR><TD BORDER=\"0\">cap types:</TD>");
    for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++)
        cell_type(types[i]);
    out("</TR></TABLE></TD></TR></TABLE>>];\n");
}

void kernel_write_dot(void)
{
    find_cnodes();
    out("digraph mica {\n  rankdir=TB; newrank=true; nodesep=0.25; ranksep=0.35;\n"
        "  fontname=\"Helvetica\"; fontsize=12;\n"
        "  node [shape=plain, fontname=\"Helvetica\", fontsize=10];\n");
    write_cspace();
    unsigned tables = write_cdt();
    write_legend();
    /* The bands top to bottom: CSpace, derivation tree, legend. */
    if (ncnodes && tables)
        out("  cn0 -> d0 [style=invis];\n");
    if (tables)
        out("  d%u -> legend [style=invis];\n", (tables - 1) / MAX_PER_BAND * MAX_PER_BAND);
    else if (ncnodes)
        out("  cn0 -> legend [style=invis];\n");
    out("}\n");
}
