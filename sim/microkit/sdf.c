/*
 * microkit/sdf.c - reads a Microkit system description (XML, parsed with
 * expat) into an mk_system_t and checks it against Microkit's rules.
 *
 * Checks that need only one element (attributes, numbers, ranges, names
 * seen so far) run while expat reads the file, so the first such error in
 * document order is the one reported. Checks that need names declared
 * later (a map's memory region, a channel end's protection domain) run
 * once the whole file is read. Every error is one line, "path:line:
 * message", and stops the load.
 */
#include "sdf.h"

#include <errno.h>
#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/constants.h>

#define MK_STACK_DEFAULT   0x2000ull            /* Microkit's default stack */
#define MK_STACK_MIN       0x1000ull
#define MK_STACK_MAX       (16ull << 20)
#define MK_BUDGET_DEFAULT  1000ull              /* Microkit's default budget (us) */
#define MK_SMALL_PAGE      0x1000ull
#define MK_LARGE_PAGE      0x200000ull
#define MK_VADDR_TOP       (1ull << MICA_VADDR_BITS)
#define MAX_DEPTH          (MK_MAX_PDS + 8)

enum kind { K_SYSTEM, K_PD, K_MR, K_CHANNEL, K_END, K_IMAGE, K_MAP, K_IRQ, K_SETVAR, K_COUNT };

static const char *const kind_name[K_COUNT] = {
    [K_SYSTEM] = "system", [K_PD] = "protection_domain", [K_MR] = "memory_region",
    [K_CHANNEL] = "channel", [K_END] = "end", [K_IMAGE] = "program_image", [K_MAP] = "map",
    [K_IRQ] = "irq", [K_SETVAR] = "setvar",
};

/* A name to look up once the whole file is read. */
typedef struct pending {
    enum kind kind;             /* K_MAP, K_SETVAR or K_END */
    size_t owner;               /* PD index (map, setvar) or channel index (end) */
    size_t idx;                 /* map/setvar index in the PD, end 0/1 */
    char name[MK_NAME_MAX];
} pending_t;

typedef struct frame {
    enum kind kind;
    size_t idx;                 /* PD or channel index */
    unsigned count;             /* program_images of a PD, ends of a channel */
} frame_t;

typedef struct parser {
    XML_Parser xp;
    mk_system_t *s;
    char *err;
    size_t errlen;
    bool failed;
    frame_t stack[MAX_DEPTH];
    int depth;
    bool seen_root;
    int system_line;
    pending_t *pend;
    size_t npend;
    int id_line[MK_MAX_PDS][MK_MAX_CHANNELS];   /* line of the irq/end using each id, 0 = free */
} parser_t;

static void fail(parser_t *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail(parser_t *p, int line, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    int n = snprintf(p->err, p->errlen, "%s:%d: ", p->s->path, line);
    if (n >= 0 && (size_t)n < p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    if (p->xp)
        XML_StopParser(p->xp, XML_FALSE);
}

/* Grows *arr (of *n elements of size sz) by one zeroed element; its index. */
static size_t push(parser_t *p, void **arr, size_t *n, size_t sz)
{
    void *a = realloc(*arr, (*n + 1) * sz);
    if (!a) {
        fail(p, 0, "out of memory");
        return (size_t)-1;
    }
    memset((char *)a + *n * sz, 0, sz);
    *arr = a;
    return (*n)++;
}

static const char *attr(const XML_Char **atts, const char *name)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strcmp(atts[i], name) == 0)
            return atts[i + 1];
    return NULL;
}

/* Every attribute of the element is one of allowed (NULL-terminated). */
static bool attrs_known(parser_t *p, int line, enum kind k, const XML_Char **atts,
                        const char *const *allowed)
{
    for (size_t i = 0; atts[i]; i += 2) {
        bool ok = false;
        for (size_t j = 0; allowed[j] && !ok; j++)
            ok = strcmp(atts[i], allowed[j]) == 0;
        if (!ok) {
            fail(p, line, "unknown attribute '%s' on <%s>", atts[i], kind_name[k]);
            return false;
        }
    }
    return true;
}

static const char *required(parser_t *p, int line, enum kind k, const XML_Char **atts,
                            const char *name)
{
    const char *v = attr(atts, name);
    if (!v)
        fail(p, line, "<%s> is missing the attribute '%s'", kind_name[k], name);
    return v;
}

/* Decimal, or hexadecimal after "0x"; '_' may separate digits (as Microkit allows). */
static bool parse_number(const char *s, uint64_t *out)
{
    unsigned base = 10;
    if (s[0] == '0' && s[1] == 'x') {
        base = 16;
        s += 2;
    }
    uint64_t v = 0;
    bool digits = false;
    for (; *s; s++) {
        if (*s == '_')
            continue;
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return false;
        if (d >= base || v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
        digits = true;
    }
    *out = v;
    return digits;
}

/* The attribute as a number: 0 when absent (*out = dflt), -1 on error. */
static int number_attr(parser_t *p, int line, enum kind k, const XML_Char **atts,
                       const char *name, uint64_t dflt, uint64_t *out)
{
    const char *v = attr(atts, name);
    *out = dflt;
    if (!v)
        return 0;
    if (!parse_number(v, out)) {
        fail(p, line, "bad number '%s' for attribute '%s' of <%s>", v, name, kind_name[k]);
        return -1;
    }
    return 0;
}

static int required_number(parser_t *p, int line, enum kind k, const XML_Char **atts,
                           const char *name, uint64_t *out)
{
    if (!required(p, line, k, atts, name))
        return -1;
    return number_attr(p, line, k, atts, name, 0, out);
}

static int bool_attr(parser_t *p, int line, enum kind k, const XML_Char **atts,
                     const char *name, bool dflt, bool *out)
{
    const char *v = attr(atts, name);
    *out = dflt;
    if (!v)
        return 0;
    if (strcmp(v, "true") == 0)
        *out = true;
    else if (strcmp(v, "false") == 0)
        *out = false;
    else {
        fail(p, line, "bad value '%s' for attribute '%s' of <%s>: expected true or false",
             v, name, kind_name[k]);
        return -1;
    }
    return 0;
}

/* Copies a name (PD, MR, symbol) that must fit MK_NAME_MAX with its NUL. */
static int copy_name(parser_t *p, int line, const char *what, const char *v, char *dst)
{
    size_t len = strlen(v);
    if (len >= MK_NAME_MAX) {
        fail(p, line, "%s '%.20s...' is %zu characters long; at most %d are allowed",
             what, v, len, MK_NAME_MAX - 1);
        return -1;
    }
    memcpy(dst, v, len + 1);
    return 0;
}

/* A channel or IRQ id (0..61), or a child's id (0..62). */
static int id_attr(parser_t *p, int line, enum kind k, const XML_Char **atts, unsigned *out)
{
    uint64_t v;
    if (required_number(p, line, k, atts, "id", &v) < 0)
        return -1;
    int limit = k == K_PD ? MK_MAX_CHILD_ID : MK_MAX_CHANNELS;
    if (v >= (uint64_t)limit) {
        fail(p, line, "id %llu of <%s> is out of range (0..%d)", (unsigned long long)v,
             kind_name[k], limit - 1);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

/* Marks channel/IRQ id of PD pd as used at line; an error if it already is. */
static int claim_id(parser_t *p, size_t pd, unsigned id, int line)
{
    int *used = &p->id_line[pd][id];
    if (*used) {
        fail(p, line, "channel id %u of protection domain '%s' is already used (line %d)",
             id, p->s->pds[pd].name, *used);
        return -1;
    }
    *used = line;
    return 0;
}

/* A setvar symbol of PD pd (setvar or setvar_vaddr) may be set only once. */
static int symbol_free(parser_t *p, size_t pd, const char *sym, int line)
{
    const mk_pd_t *d = &p->s->pds[pd];
    int prev = 0;
    for (size_t i = 0; i < d->nmaps && !prev; i++)
        if (strcmp(d->maps[i].setvar_vaddr, sym) == 0)
            prev = d->maps[i].line;
    for (size_t i = 0; i < d->nsetvars && !prev; i++)
        if (strcmp(d->setvars[i].symbol, sym) == 0)
            prev = d->setvars[i].line;
    if (prev) {
        fail(p, line, "symbol '%s' of protection domain '%s' is already set (line %d)",
             sym, d->name, prev);
        return -1;
    }
    return 0;
}

static int add_pending(parser_t *p, enum kind k, size_t owner, size_t idx, const char *name,
                       int line)
{
    size_t i = push(p, (void **)&p->pend, &p->npend, sizeof *p->pend);
    if (i == (size_t)-1)
        return -1;
    p->pend[i].kind = k;
    p->pend[i].owner = owner;
    p->pend[i].idx = idx;
    return copy_name(p, line, k == K_END ? "protection domain name" : "memory region name",
                     name, p->pend[i].name);
}

static const char *const pd_attrs[] = {
    "name", "priority", "pp", "passive", "budget", "period", "stack_size", "smc", "cpu", "fpu",
    NULL };
static const char *const child_pd_attrs[] = {
    "name", "priority", "pp", "passive", "budget", "period", "stack_size", "smc", "cpu", "fpu",
    "id", NULL };

static void start_pd(parser_t *p, int line, const XML_Char **atts, int parent)
{
    mk_system_t *s = p->s;
    if (!attrs_known(p, line, K_PD, atts, parent >= 0 ? child_pd_attrs : pd_attrs))
        return;
    const char *name = required(p, line, K_PD, atts, "name");
    if (!name)
        return;
    if (s->npds >= MK_MAX_PDS) {
        fail(p, line, "more than %d protection domains", MK_MAX_PDS);
        return;
    }
    for (size_t i = 0; i < s->npds; i++)
        if (strcmp(s->pds[i].name, name) == 0) {
            fail(p, line, "duplicate protection domain name '%s' (first at line %d)", name,
                 s->pds[i].line);
            return;
        }
    size_t i = push(p, (void **)&s->pds, &s->npds, sizeof *s->pds);
    if (i == (size_t)-1)
        return;
    mk_pd_t *pd = &s->pds[i];
    pd->line = line;
    pd->parent = parent;
    if (copy_name(p, line, "protection domain name", name, pd->name) < 0)
        return;

    uint64_t prio, budget, period, stack, cpu;
    bool ignored;
    if (number_attr(p, line, K_PD, atts, "priority", 0, &prio) < 0 ||
        number_attr(p, line, K_PD, atts, "budget", 0, &budget) < 0 ||
        number_attr(p, line, K_PD, atts, "period", 0, &period) < 0 ||
        number_attr(p, line, K_PD, atts, "stack_size", MK_STACK_DEFAULT, &stack) < 0 ||
        number_attr(p, line, K_PD, atts, "cpu", 0, &cpu) < 0 ||
        bool_attr(p, line, K_PD, atts, "pp", false, &pd->pp_legacy) < 0 ||
        bool_attr(p, line, K_PD, atts, "passive", false, &pd->passive) < 0 ||
        bool_attr(p, line, K_PD, atts, "smc", false, &ignored) < 0 ||
        bool_attr(p, line, K_PD, atts, "fpu", true, &ignored) < 0)
        return;
    if (prio > MK_PRIO_MAX) {
        fail(p, line, "priority %llu is out of range (0..%d)", (unsigned long long)prio,
             MK_PRIO_MAX);
        return;
    }
    /* Microkit's defaults: a budget of 1000 us, a period equal to the budget. */
    uint64_t eff_budget = attr(atts, "budget") ? budget : MK_BUDGET_DEFAULT;
    uint64_t eff_period = attr(atts, "period") ? period : eff_budget;
    if (eff_budget > eff_period) {
        fail(p, line, "budget %llu is larger than period %llu",
             (unsigned long long)eff_budget, (unsigned long long)eff_period);
        return;
    }
    if (stack < MK_STACK_MIN || stack > MK_STACK_MAX) {
        fail(p, line, "stack_size 0x%llx is out of range (0x%llx..0x%llx)",
             (unsigned long long)stack, MK_STACK_MIN, MK_STACK_MAX);
        return;
    }
    if (stack % MK_SMALL_PAGE) {
        fail(p, line, "stack_size 0x%llx is not a multiple of 0x%llx",
             (unsigned long long)stack, MK_SMALL_PAGE);
        return;
    }
    if (cpu > 255) {
        fail(p, line, "cpu %llu is out of range (0..255)", (unsigned long long)cpu);
        return;
    }
    pd->priority = (unsigned)prio;
    pd->budget = budget;
    pd->period = period;
    pd->stack_size = stack;
    pd->cpu = (unsigned)cpu;

    if (parent >= 0) {
        if (id_attr(p, line, K_PD, atts, &pd->child_id) < 0)
            return;
        for (size_t j = 0; j + 1 < s->npds; j++)
            if (s->pds[j].parent == parent && s->pds[j].child_id == pd->child_id) {
                fail(p, line, "child id %u of protection domain '%s' is already used (line %d)",
                     pd->child_id, s->pds[parent].name, s->pds[j].line);
                return;
            }
    }
}

static void start_mr(parser_t *p, int line, const XML_Char **atts)
{
    static const char *const allowed[] = { "name", "size", "page_size", "phys_addr", NULL };
    mk_system_t *s = p->s;
    if (!attrs_known(p, line, K_MR, atts, allowed))
        return;
    const char *name = required(p, line, K_MR, atts, "name");
    if (!name)
        return;
    for (size_t i = 0; i < s->nmrs; i++)
        if (strcmp(s->mrs[i].name, name) == 0) {
            fail(p, line, "duplicate memory region name '%s' (first at line %d)", name,
                 s->mrs[i].line);
            return;
        }
    size_t i = push(p, (void **)&s->mrs, &s->nmrs, sizeof *s->mrs);
    if (i == (size_t)-1)
        return;
    mk_mr_t *mr = &s->mrs[i];
    mr->line = line;
    if (copy_name(p, line, "memory region name", name, mr->name) < 0 ||
        required_number(p, line, K_MR, atts, "size", &mr->size) < 0 ||
        number_attr(p, line, K_MR, atts, "page_size", MK_SMALL_PAGE, &mr->page_size) < 0 ||
        number_attr(p, line, K_MR, atts, "phys_addr", 0, &mr->phys_addr) < 0)
        return;
    mr->has_phys = attr(atts, "phys_addr") != NULL;
    if (mr->page_size != MK_SMALL_PAGE && mr->page_size != MK_LARGE_PAGE) {
        fail(p, line, "page_size 0x%llx is not supported (0x%llx or 0x%llx)",
             (unsigned long long)mr->page_size, MK_SMALL_PAGE, MK_LARGE_PAGE);
        return;
    }
    if (mr->size == 0 || mr->size % mr->page_size) {
        fail(p, line, "size 0x%llx is not a positive multiple of the page size 0x%llx",
             (unsigned long long)mr->size, (unsigned long long)mr->page_size);
        return;
    }
    if (mr->has_phys && mr->phys_addr % mr->page_size) {
        fail(p, line, "phys_addr 0x%llx is not a multiple of the page size 0x%llx",
             (unsigned long long)mr->phys_addr, (unsigned long long)mr->page_size);
        return;
    }
    if (mr->has_phys && mr->phys_addr + mr->size < mr->phys_addr) {
        fail(p, line, "phys_addr 0x%llx + size 0x%llx wraps around",
             (unsigned long long)mr->phys_addr, (unsigned long long)mr->size);
        return;
    }
}

static void start_image(parser_t *p, int line, const XML_Char **atts, frame_t *pdf)
{
    static const char *const allowed[] = { "path", NULL };
    mk_pd_t *pd = &p->s->pds[pdf->idx];
    if (!attrs_known(p, line, K_IMAGE, atts, allowed))
        return;
    if (++pdf->count > 1) {
        fail(p, line, "protection domain '%s' has more than one <program_image>", pd->name);
        return;
    }
    const char *path = required(p, line, K_IMAGE, atts, "path");
    if (!path)
        return;
    if (!*path) {
        fail(p, line, "the path of <program_image> is empty");
        return;
    }
    int n = path[0] == '/' ? snprintf(pd->program_image, sizeof pd->program_image, "%s", path)
                           : snprintf(pd->program_image, sizeof pd->program_image, "%s/%s",
                                      p->s->dir, path);
    if (n < 0 || (size_t)n >= sizeof pd->program_image)
        fail(p, line, "the path of <program_image> is too long");
}

static void start_map(parser_t *p, int line, const XML_Char **atts, size_t pdi)
{
    static const char *const allowed[] = { "mr", "vaddr", "perms", "cached", "setvar_vaddr",
                                           NULL };
    mk_pd_t *pd = &p->s->pds[pdi];
    if (!attrs_known(p, line, K_MAP, atts, allowed))
        return;
    const char *mr = required(p, line, K_MAP, atts, "mr");
    if (!mr)
        return;
    mk_map_t m = { .mr = -1, .perms = MK_PERM_R | MK_PERM_W, .line = line };
    if (required_number(p, line, K_MAP, atts, "vaddr", &m.vaddr) < 0 ||
        bool_attr(p, line, K_MAP, atts, "cached", true, &m.cached) < 0)
        return;
    const char *perms = attr(atts, "perms");
    if (perms) {
        m.perms = 0;
        for (const char *c = perms; *c; c++) {
            if (*c == 'r')
                m.perms |= MK_PERM_R;
            else if (*c == 'w')
                m.perms |= MK_PERM_W;
            else if (*c == 'x')
                m.perms |= MK_PERM_X;
            else {
                fail(p, line, "perms '%s' may only combine the letters r, w and x", perms);
                return;
            }
        }
        if (m.perms == 0) {
            fail(p, line, "perms is empty: a mapping needs at least one of r, w and x");
            return;
        }
        if (m.perms == MK_PERM_W) {
            fail(p, line, "perms 'w': write-only mappings are not allowed");
            return;
        }
    }
    const char *sym = attr(atts, "setvar_vaddr");
    if (sym && (copy_name(p, line, "symbol", sym, m.setvar_vaddr) < 0 ||
                symbol_free(p, pdi, sym, line) < 0))
        return;
    size_t i = push(p, (void **)&pd->maps, &pd->nmaps, sizeof *pd->maps);
    if (i == (size_t)-1)
        return;
    pd->maps[i] = m;
    add_pending(p, K_MAP, pdi, i, mr, line);
}

static void start_irq(parser_t *p, int line, const XML_Char **atts, size_t pdi)
{
    static const char *const allowed[] = { "irq", "id", "trigger", NULL };
    mk_system_t *s = p->s;
    if (!attrs_known(p, line, K_IRQ, atts, allowed))
        return;
    mk_irq_t q = { .line = line };
    uint64_t irq;
    if (required_number(p, line, K_IRQ, atts, "irq", &irq) < 0 ||
        id_attr(p, line, K_IRQ, atts, &q.id) < 0)
        return;
    if (irq > UINT32_MAX) {
        fail(p, line, "irq %llu is out of range", (unsigned long long)irq);
        return;
    }
    q.irq = (unsigned)irq;
    const char *trig = attr(atts, "trigger");
    if (trig && strcmp(trig, "level") != 0 && strcmp(trig, "edge") != 0) {
        fail(p, line, "bad value '%s' for attribute 'trigger' of <irq>: expected level or edge",
             trig);
        return;
    }
    q.edge = trig && strcmp(trig, "edge") == 0;
    for (size_t i = 0; i < s->npds; i++)
        for (size_t j = 0; j < s->pds[i].nirqs; j++)
            if (s->pds[i].irqs[j].irq == q.irq) {
                fail(p, line, "irq %u is already delivered to protection domain '%s' (line %d)",
                     q.irq, s->pds[i].name, s->pds[i].irqs[j].line);
                return;
            }
    if (claim_id(p, pdi, q.id, line) < 0)
        return;
    mk_pd_t *pd = &s->pds[pdi];
    size_t i = push(p, (void **)&pd->irqs, &pd->nirqs, sizeof *pd->irqs);
    if (i != (size_t)-1)
        pd->irqs[i] = q;
}

static void start_setvar(parser_t *p, int line, const XML_Char **atts, size_t pdi)
{
    static const char *const allowed[] = { "symbol", "region_paddr", NULL };
    mk_pd_t *pd = &p->s->pds[pdi];
    if (!attrs_known(p, line, K_SETVAR, atts, allowed))
        return;
    const char *sym = required(p, line, K_SETVAR, atts, "symbol");
    const char *mr = sym ? required(p, line, K_SETVAR, atts, "region_paddr") : NULL;
    if (!mr)
        return;
    mk_setvar_t v = { .mr = -1, .line = line };
    if (copy_name(p, line, "symbol", sym, v.symbol) < 0 || symbol_free(p, pdi, sym, line) < 0)
        return;
    size_t i = push(p, (void **)&pd->setvars, &pd->nsetvars, sizeof *pd->setvars);
    if (i == (size_t)-1)
        return;
    pd->setvars[i] = v;
    add_pending(p, K_SETVAR, pdi, i, mr, line);
}

static void start_end(parser_t *p, int line, const XML_Char **atts, frame_t *chf)
{
    static const char *const allowed[] = { "pd", "id", "pp", "notify", NULL };
    if (!attrs_known(p, line, K_END, atts, allowed))
        return;
    const char *pdname = required(p, line, K_END, atts, "pd");
    if (!pdname)
        return;
    mk_end_t e = { .pd = -1, .line = line };
    if (id_attr(p, line, K_END, atts, &e.id) < 0 ||
        bool_attr(p, line, K_END, atts, "pp", false, &e.pp) < 0 ||
        bool_attr(p, line, K_END, atts, "notify", true, &e.notify) < 0)
        return;
    unsigned n = chf->count++;
    if (n < 2) {
        p->s->channels[chf->idx].end[n] = e;
        add_pending(p, K_END, chf->idx, n, pdname, line);
    }
}

/* Which elements each element may contain. */
static bool child_allowed(enum kind parent, enum kind child)
{
    switch (parent) {
    case K_SYSTEM:
        return child == K_PD || child == K_MR || child == K_CHANNEL;
    case K_PD:
        return child == K_IMAGE || child == K_MAP || child == K_IRQ || child == K_SETVAR ||
               child == K_PD;
    case K_CHANNEL:
        return child == K_END;
    default:
        return false;
    }
}

static void XMLCALL on_start(void *ud, const XML_Char *el, const XML_Char **atts)
{
    parser_t *p = ud;
    int line = (int)XML_GetCurrentLineNumber(p->xp);
    if (p->failed)
        return;
    enum kind k = K_COUNT;
    for (int i = 0; i < K_COUNT; i++)
        if (strcmp(el, kind_name[i]) == 0)
            k = (enum kind)i;

    if (p->depth == 0) {
        if (k != K_SYSTEM) {
            fail(p, line, "the root element is <%s>; a system description's is <system>", el);
            return;
        }
        static const char *const none[] = { NULL };
        if (!attrs_known(p, line, K_SYSTEM, atts, none))
            return;
        p->system_line = line;
        p->stack[p->depth++] = (frame_t){ .kind = K_SYSTEM };
        return;
    }
    frame_t *top = &p->stack[p->depth - 1];
    if (k == K_COUNT || !child_allowed(top->kind, k)) {
        fail(p, line, "unknown element <%s> in <%s>", el, kind_name[top->kind]);
        return;
    }
    if (p->depth >= MAX_DEPTH) {
        fail(p, line, "elements nested too deeply");
        return;
    }
    frame_t f = { .kind = k };
    mk_system_t *s = p->s;
    switch (k) {
    case K_PD:
        start_pd(p, line, atts, top->kind == K_PD ? (int)top->idx : -1);
        f.idx = s->npds - 1;
        break;
    case K_MR:
        start_mr(p, line, atts);
        break;
    case K_CHANNEL: {
        static const char *const none[] = { NULL };
        if (!attrs_known(p, line, K_CHANNEL, atts, none))
            return;
        f.idx = push(p, (void **)&s->channels, &s->nchannels, sizeof *s->channels);
        if (f.idx != (size_t)-1)
            s->channels[f.idx].line = line;
        break;
    }
    case K_END:
        start_end(p, line, atts, top);
        break;
    case K_IMAGE:
        start_image(p, line, atts, top);
        break;
    case K_MAP:
        start_map(p, line, atts, top->idx);
        break;
    case K_IRQ:
        start_irq(p, line, atts, top->idx);
        break;
    case K_SETVAR:
        start_setvar(p, line, atts, top->idx);
        break;
    default:
        break;
    }
    if (!p->failed)
        p->stack[p->depth++] = f;
}

static void XMLCALL on_end(void *ud, const XML_Char *el)
{
    parser_t *p = ud;
    (void)el;
    if (p->failed || p->depth == 0)
        return;
    frame_t *f = &p->stack[--p->depth];
    if (f->kind == K_PD && f->count == 0) {
        const mk_pd_t *pd = &p->s->pds[f->idx];
        fail(p, pd->line, "protection domain '%s' has no <program_image>", pd->name);
    } else if (f->kind == K_CHANNEL && f->count != 2) {
        fail(p, p->s->channels[f->idx].line,
             "a channel needs exactly two <end> elements, this one has %u", f->count);
    }
}

static void XMLCALL on_text(void *ud, const XML_Char *t, int len)
{
    parser_t *p = ud;
    if (p->failed || p->depth == 0)
        return;
    for (int i = 0; i < len; i++)
        if (t[i] != ' ' && t[i] != '\t' && t[i] != '\n' && t[i] != '\r') {
            fail(p, (int)XML_GetCurrentLineNumber(p->xp), "unexpected text in <%s>",
                 kind_name[p->stack[p->depth - 1].kind]);
            return;
        }
}

static int find_mr(const mk_system_t *s, const char *name)
{
    for (size_t i = 0; i < s->nmrs; i++)
        if (strcmp(s->mrs[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int find_pd(const mk_system_t *s, const char *name)
{
    for (size_t i = 0; i < s->npds; i++)
        if (strcmp(s->pds[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* A map: its region exists, its vaddr is aligned, it fits the address
 * space and overlaps none of the PD's earlier maps. */
static int check_map(parser_t *p, const pending_t *q)
{
    mk_system_t *s = p->s;
    mk_pd_t *pd = &s->pds[q->owner];
    mk_map_t *m = &pd->maps[q->idx];
    m->mr = find_mr(s, q->name);
    if (m->mr < 0) {
        fail(p, m->line, "map of unknown memory region '%s'", q->name);
        return -1;
    }
    const mk_mr_t *mr = &s->mrs[m->mr];
    if (m->vaddr % mr->page_size) {
        fail(p, m->line, "vaddr 0x%llx is not a multiple of the page size 0x%llx of '%s'",
             (unsigned long long)m->vaddr, (unsigned long long)mr->page_size, mr->name);
        return -1;
    }
    uint64_t end = m->vaddr + mr->size;
    if (end < m->vaddr || end > MK_VADDR_TOP) {
        fail(p, m->line, "map of '%s' at 0x%llx (size 0x%llx) does not fit below 0x%llx",
             mr->name, (unsigned long long)m->vaddr, (unsigned long long)mr->size,
             MK_VADDR_TOP);
        return -1;
    }
    for (size_t i = 0; i < q->idx; i++) {
        const mk_map_t *o = &pd->maps[i];
        uint64_t ostart = o->vaddr, oend = o->vaddr + s->mrs[o->mr].size;
        if (m->vaddr < oend && ostart < end) {
            fail(p, m->line,
                 "map of '%s' at [0x%llx, 0x%llx) overlaps the map of '%s' at [0x%llx, 0x%llx) "
                 "(line %d)", mr->name, (unsigned long long)m->vaddr, (unsigned long long)end,
                 s->mrs[o->mr].name, (unsigned long long)ostart, (unsigned long long)oend,
                 o->line);
            return -1;
        }
    }
    return 0;
}

static int check_channel(parser_t *p, size_t ci)
{
    mk_system_t *s = p->s;
    mk_channel_t *ch = &s->channels[ci];
    mk_pd_t *pd[2] = { &s->pds[ch->end[0].pd], &s->pds[ch->end[1].pd] };
    if (ch->end[0].pd == ch->end[1].pd) {
        fail(p, ch->line, "channel connects protection domain '%s' to itself", pd[0]->name);
        return -1;
    }
    /* The older form: pp="true" on a PD lets the other end of each of its
     * channels call it. */
    for (int e = 0; e < 2; e++)
        if (pd[1 - e]->pp_legacy)
            ch->end[e].pp = true;
    if (ch->end[0].pp && ch->end[1].pp) {
        fail(p, ch->line, "both ends of the channel have pp; a PPC goes one way only");
        return -1;
    }
    for (int e = 0; e < 2; e++)
        if (claim_id(p, (size_t)ch->end[e].pd, ch->end[e].id, ch->end[e].line) < 0)
            return -1;
    for (int e = 0; e < 2; e++)
        if (ch->end[e].pp && pd[e]->priority >= pd[1 - e]->priority) {
            fail(p, ch->end[e].line,
                 "'%s' (priority %u) may not PPC '%s' (priority %u): a PPC must go to a "
                 "strictly higher priority", pd[e]->name, pd[e]->priority, pd[1 - e]->name,
                 pd[1 - e]->priority);
            return -1;
        }
    return 0;
}

/* The checks that need the whole file, in a fixed order. */
static int check_system(parser_t *p)
{
    mk_system_t *s = p->s;
    if (s->npds == 0) {
        fail(p, p->system_line, "the system has no protection domain");
        return -1;
    }
    for (size_t i = 0; i < s->nmrs; i++) {
        const mk_mr_t *a = &s->mrs[i];
        for (size_t j = 0; a->has_phys && j < i; j++) {
            const mk_mr_t *b = &s->mrs[j];
            if (b->has_phys && a->phys_addr < b->phys_addr + b->size &&
                b->phys_addr < a->phys_addr + a->size) {
                fail(p, a->line, "physical range of '%s' overlaps that of '%s' (line %d)",
                     a->name, b->name, b->line);
                return -1;
            }
        }
    }
    for (size_t i = 0; i < p->npend; i++) {
        const pending_t *q = &p->pend[i];
        if (q->kind == K_MAP && check_map(p, q) < 0)
            return -1;
        if (q->kind == K_SETVAR) {
            mk_setvar_t *v = &s->pds[q->owner].setvars[q->idx];
            v->mr = find_mr(s, q->name);
            if (v->mr < 0) {
                fail(p, v->line, "setvar '%s' names unknown memory region '%s'", v->symbol,
                     q->name);
                return -1;
            }
        }
        if (q->kind == K_END) {
            mk_end_t *e = &s->channels[q->owner].end[q->idx];
            e->pd = find_pd(s, q->name);
            if (e->pd < 0) {
                fail(p, e->line, "channel end names unknown protection domain '%s'", q->name);
                return -1;
            }
        }
    }
    for (size_t i = 0; i < s->nchannels; i++)
        if (check_channel(p, i) < 0)
            return -1;
    return 0;
}

static char *read_file(const char *path, size_t *len, int *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = errno;
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8192;
            char *b = realloc(buf, cap);
            if (!b) {
                *err = ENOMEM;
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = b;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    *err = ferror(f) ? EIO : 0;
    fclose(f);
    if (*err) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

int mk_sdf_load(const char *path, mk_system_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (strlen(path) >= sizeof ((mk_system_t *)0)->path) {
        snprintf(err, errlen, "%.100s...: the path is too long", path);
        return -1;
    }
    size_t len = 0;
    int e;
    char *text = read_file(path, &len, &e);
    if (!text) {
        snprintf(err, errlen, "%s: cannot read the system description: %s", path, strerror(e));
        return -1;
    }
    mk_system_t *s = calloc(1, sizeof *s);
    parser_t *p = calloc(1, sizeof *p);
    if (!s || !p) {
        snprintf(err, errlen, "%s: out of memory", path);
        free(s);
        free(p);
        free(text);
        return -1;
    }
    strcpy(s->path, path);
    const char *slash = strrchr(path, '/');
    if (!slash)
        strcpy(s->dir, ".");
    else if (slash == path)
        strcpy(s->dir, "/");
    else
        snprintf(s->dir, sizeof s->dir, "%.*s", (int)(slash - path), path);

    p->s = s;
    p->err = err;
    p->errlen = errlen;
    p->xp = XML_ParserCreate(NULL);
    if (!p->xp) {
        fail(p, 0, "out of memory");
    } else {
        XML_SetUserData(p->xp, p);
        XML_SetElementHandler(p->xp, on_start, on_end);
        XML_SetCharacterDataHandler(p->xp, on_text);
        if (len > (size_t)INT32_MAX) {
            fail(p, 0, "the file is too large");
        } else if (XML_Parse(p->xp, text, (int)len, XML_TRUE) == XML_STATUS_ERROR &&
                   !p->failed) {
            fail(p, (int)XML_GetCurrentLineNumber(p->xp), "malformed XML: %s",
                 XML_ErrorString(XML_GetErrorCode(p->xp)));
        }
        XML_ParserFree(p->xp);
        p->xp = NULL;
    }
    free(text);
    int rc = p->failed ? -1 : check_system(p);
    free(p->pend);
    free(p);
    if (rc < 0) {
        mk_sdf_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void mk_sdf_free(mk_system_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->npds; i++) {
        free(s->pds[i].maps);
        free(s->pds[i].irqs);
        free(s->pds[i].setvars);
    }
    free(s->mrs);
    free(s->pds);
    free(s->channels);
    free(s);
}
