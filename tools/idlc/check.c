/*
 * check.c - the static rules of a .mi interface: names resolve and are
 * unique, values fit their types, method numbers are unique and never
 * reuse a skipped one, each direction of a method fits one message (at
 * most one cap; [fast]: four words of scalars), oneway has no reply and
 * [deferred] is only on call. Also numbers methods, computes their
 * message lengths and the interface hash.
 */
#include <string.h>

#include "idlc.h"

static const char *const c_keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch",
    "typedef", "union", "unsigned", "void", "volatile", "while", "_Bool", "_Complex",
    "_Imaginary", "_Alignas", "_Alignof", "_Atomic", "_Generic", "_Noreturn",
    "_Static_assert", "_Thread_local", "bool", "true", "false", "NULL",
};

/* A name the generated C uses as it is: not a keyword, not the stubs' own prefix. */
static void check_c_name(const char *name, idl_pos_t pos)
{
    for (size_t i = 0; i < sizeof c_keywords / sizeof c_keywords[0]; i++)
        if (strcmp(name, c_keywords[i]) == 0)
            idl_fail(pos, "'%s' is a C keyword", name);
    if (strncmp(name, "mi_", 3) == 0)
        idl_fail(pos, "'%s': names starting with mi_ are the generated code's", name);
}

static bool same_upper(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'a' && *a <= 'z' ? (char)(*a - 32) : *a;
        char y = *b >= 'a' && *b <= 'z' ? (char)(*b - 32) : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

static uint64_t scalar_max(idl_scalar_t s)
{
    switch (s) {
    case SC_U8: return 0xFF;
    case SC_U16: return 0xFFFF;
    case SC_U32: return 0xFFFFFFFFu;
    case SC_I8: return 0x7F;
    case SC_I16: return 0x7FFF;
    case SC_I32: return 0x7FFFFFFF;
    case SC_I64: return INT64_MAX;
    case SC_BOOL: return 1;
    default: return UINT64_MAX;
    }
}

static idl_decl_t *lookup(const idl_iface_t *ifc, const char *name)
{
    for (int i = 0; i < ifc->ndecls; i++)
        if (strcmp(ifc->decls[i]->name, name) == 0)
            return ifc->decls[i];
    for (int i = 0; i < ifc->nimports; i++) {
        idl_decl_t *d = lookup(ifc->imports[i], name);
        if (d)
            return d;
    }
    return NULL;
}

/* Typedefs being resolved, to catch "type a = b; type b = a;". */
static idl_decl_t *resolving[64];
static int nresolving;

static idl_type_t *resolve(const idl_iface_t *ifc, idl_type_t *t);

static void resolve_typedef(const idl_iface_t *ifc, idl_decl_t *d, idl_pos_t use)
{
    for (int i = 0; i < nresolving; i++)
        if (resolving[i] == d)
            idl_fail(use, "type '%s' is defined in terms of itself", d->name);
    if (nresolving == 64)
        idl_fail(use, "type definitions nested deeper than 64");
    resolving[nresolving++] = d;
    d->type = resolve(ifc, d->type);
    nresolving--;
}

static idl_type_t *resolve(const idl_iface_t *ifc, idl_type_t *t)
{
    if (t->kind == TY_ARRAY) {
        t->elem = resolve(ifc, t->elem);
        if (t->bound == 0)
            idl_fail(t->pos, "an array of length 0");
        if (t->elem->kind == TY_CAP || t->elem->kind == TY_BADGE || t->elem->kind == TY_LEASE)
            idl_fail(t->pos, "an array of %ss",
                     t->elem->kind == TY_CAP ? "cap" : t->elem->kind == TY_BADGE ? "badge" : "lease");
        return t;
    }
    if ((t->kind == TY_STRING || t->kind == TY_BYTES || t->kind == TY_LEASE) && t->bound == 0)
        idl_fail(t->pos, "a bound of 0");
    if (t->kind == TY_LEASE && t->bound > 0xFFFFFFFFu)
        idl_fail(t->pos, "a lease bound above 0xFFFFFFFF");
    if (t->kind != TY_NAMED)
        return t;
    idl_decl_t *d = lookup(ifc, t->ref);
    if (!d)
        idl_fail(t->pos, "unknown type '%s'", t->ref);
    if (d->kind == DECL_TYPEDEF) {
        resolve_typedef(ifc, d, t->pos);
        return d->type;
    }
    t->kind = d->kind == DECL_ENUM ? TY_ENUM : TY_STRUCT;
    t->decl = d;
    return t;
}

unsigned idl_type_words(const idl_type_t *t)
{
    uint64_t w;
    switch (t->kind) {
    case TY_SCALAR:
    case TY_ENUM:
        return 1;
    case TY_STRUCT:
        w = 0;
        for (int i = 0; i < t->decl->nfields; i++)
            w += idl_type_words(t->decl->fields[i].type);
        break;
    case TY_STRING:
    case TY_BYTES:
        w = 1 + (t->bound + 7) / 8;
        break;
    case TY_ARRAY:
        w = idl_type_words(t->elem);
        w = t->bound > 0xFFFFFFu || w > 0xFFFFFFu ? UINT32_MAX : w * t->bound;
        break;
    case TY_LEASE:
        return 2;
    default:
        return 0;
    }
    return w > UINT32_MAX ? UINT32_MAX : (unsigned)w;
}

/* A struct field: scalars, enums, structs and fixed arrays of them. */
static void check_field_type(const idl_type_t *t, const char *field)
{
    const idl_type_t *e = t;
    while (e->kind == TY_ARRAY)
        e = e->elem;
    if (e->kind != TY_SCALAR && e->kind != TY_ENUM && e->kind != TY_STRUCT)
        idl_fail(t->pos, "struct field '%s': only scalars, enums, structs and arrays of them", field);
}

static void check_decl(idl_iface_t *ifc, idl_decl_t *d)
{
    switch (d->kind) {
    case DECL_TYPEDEF:
        resolve_typedef(ifc, d, d->pos);
        break;
    case DECL_ENUM:
        d->type = resolve(ifc, d->type);
        if (d->type->kind != TY_SCALAR || d->type->scalar == SC_BOOL || d->type->scalar == SC_CPTR)
            idl_fail(d->type->pos, "enum '%s': the underlying type must be an integer scalar",
                     d->name);
        for (int i = 0; i < d->nitems; i++) {
            idl_enumerator_t *e = &d->items[i];
            check_c_name(e->name, e->pos);
            if (e->value > scalar_max(d->type->scalar))
                idl_fail(e->pos, "enumerator '%s' = %llu does not fit in %s", e->name,
                         (unsigned long long)e->value, idl_scalar_name(d->type->scalar));
            for (int j = 0; j < i; j++)
                if (same_upper(d->items[j].name, e->name))
                    idl_fail(e->pos, "enumerator '%s' is already defined at line %d", e->name,
                             d->items[j].pos.line);
        }
        break;
    case DECL_STRUCT:
        if (d->nfields == 0)
            idl_fail(d->pos, "struct '%s' has no fields", d->name);
        for (int i = 0; i < d->nfields; i++) {
            idl_field_t *f = &d->fields[i];
            check_c_name(f->name, f->pos);
            f->type = resolve(ifc, f->type);
            check_field_type(f->type, f->name);
            if (f->type->kind == TY_STRUCT && f->type->decl == d)
                idl_fail(f->type->pos, "struct '%s' contains itself", d->name);
            for (int j = 0; j < i; j++)
                if (strcmp(d->fields[j].name, f->name) == 0)
                    idl_fail(f->pos, "field '%s' is already defined at line %d", f->name,
                             d->fields[j].pos.line);
        }
        break;
    }
}

/* FNV-1a, 32 bits. */
static uint32_t fnv(uint32_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static uint32_t hash_type(uint32_t h, const idl_type_t *t)
{
    char buf[64];
    switch (t->kind) {
    case TY_SCALAR:
        return fnv(h, idl_scalar_name(t->scalar));
    case TY_ENUM:
        h = fnv(h, "enum:");
        h = fnv(h, idl_scalar_name(t->decl->type->scalar));
        for (int i = 0; i < t->decl->nitems; i++) {
            snprintf(buf, sizeof buf, ",%llu", (unsigned long long)t->decl->items[i].value);
            h = fnv(h, buf);
        }
        return h;
    case TY_STRUCT:
        h = fnv(h, "{");
        for (int i = 0; i < t->decl->nfields; i++) {
            h = hash_type(h, t->decl->fields[i].type);
            h = fnv(h, ";");
        }
        return fnv(h, "}");
    case TY_STRING:
    case TY_BYTES:
    case TY_LEASE:
        snprintf(buf, sizeof buf, "%s<%d,%llu>", t->kind == TY_STRING ? "string"
                 : t->kind == TY_BYTES ? "bytes" : "lease", t->lease_dir,
                 (unsigned long long)t->bound);
        return fnv(h, buf);
    case TY_ARRAY:
        h = hash_type(h, t->elem);
        snprintf(buf, sizeof buf, "[%llu]", (unsigned long long)t->bound);
        return fnv(h, buf);
    case TY_CAP:
        return fnv(fnv(h, "cap:"), idl_captype_name(t->captype));
    case TY_BADGE:
        return fnv(h, "badge");
    default:
        return h;
    }
}

static void check_direction(idl_method_t *m, bool out)
{
    const char *dir = out ? "reply" : "request";
    uint64_t words = 0;
    const idl_param_t *cap = NULL;
    for (int i = 0; i < m->nparams; i++) {
        const idl_param_t *p = &m->params[i];
        if (p->out != out)
            continue;
        const idl_type_t *t = p->type;
        if (t->kind == TY_BADGE && out)
            idl_fail(p->pos, "'%s': a badge is only a request parameter (the server fills it in)",
                     p->name);
        if (t->kind == TY_LEASE && out)
            idl_fail(p->pos, "'%s': a lease is only a request parameter", p->name);
        if (t->kind == TY_CAP) {
            if (cap)
                idl_fail(p->pos, "%s of '%s' has a second cap '%s' (one cap per message: '%s')",
                         dir, m->name, p->name, cap->name);
            cap = p;
        }
        if ((m->attrs & ATTR_FAST) && t->kind != TY_SCALAR && t->kind != TY_ENUM
            && t->kind != TY_STRUCT && t->kind != TY_BADGE) {
            idl_fail(p->pos, "[fast] method '%s': '%s' is not a scalar, enum or struct",
                     m->name, p->name);
        }
        words += idl_type_words(t);
    }
    if (words > IDL_MAX_WORDS)
        idl_fail(m->pos, "%s of '%s' is %llu words, more than the %u of a message", dir, m->name,
                 (unsigned long long)words, IDL_MAX_WORDS);
    if ((m->attrs & ATTR_FAST) && words > IDL_FAST_WORDS)
        idl_fail(m->pos, "[fast] method '%s': %s is %llu words, more than %u", m->name, dir,
                 (unsigned long long)words, IDL_FAST_WORDS);
    if (out) {
        m->out_words = (unsigned)words;
        m->out_cap = cap != NULL;
    } else {
        m->in_words = (unsigned)words;
        m->in_cap = cap != NULL;
    }
}

/* Labels live in the message info's upper 52 bits (20 on a 32-bit host: keep both). */
#define MAX_LABEL 0xFFFFFu

void idl_check(idl_iface_t *ifc)
{
    check_c_name(ifc->name, ifc->pos);
    if (ifc->base == 0 || ifc->base > MAX_LABEL)
        idl_fail(ifc->pos, "base 0x%llx is not in 1..0x%x", (unsigned long long)ifc->base,
                 MAX_LABEL);
    if (ifc->version == 0)
        ifc->version = 1;
    for (int i = 0; i < ifc->ndecls; i++) {
        idl_decl_t *d = ifc->decls[i];
        d->prefix = ifc->name;
        check_c_name(d->name, d->pos);
        for (int j = 0; j < i; j++)
            if (strcmp(ifc->decls[j]->name, d->name) == 0)
                idl_fail(d->pos, "'%s' is already defined at line %d", d->name,
                         ifc->decls[j]->pos.line);
    }
    for (int i = 0; i < ifc->ndecls; i++)
        check_decl(ifc, ifc->decls[i]);

    for (int i = 0; i < ifc->nerrors; i++) {
        idl_enumerator_t *e = &ifc->errors[i];
        check_c_name(e->name, e->pos);
        if (e->value < 1 || e->value > 0xFFFF)
            idl_fail(e->pos, "error '%s' = %llu is not in 1..0xFFFF", e->name,
                     (unsigned long long)e->value);
        if (same_upper(e->name, "OK"))
            idl_fail(e->pos, "error name 'OK' is the success status");
        for (int j = 0; j < i; j++) {
            if (same_upper(ifc->errors[j].name, e->name))
                idl_fail(e->pos, "error '%s' is already defined at line %d", e->name,
                         ifc->errors[j].pos.line);
            if (ifc->errors[j].value == e->value)
                idl_fail(e->pos, "error '%s' has the value of '%s' (%llu)", e->name,
                         ifc->errors[j].name, (unsigned long long)e->value);
        }
    }

    /* Number methods and skips in declaration order. */
    uint64_t prev = 0;
    for (int i = 0; i < ifc->nmembers; i++) {
        idl_member_t *mb = &ifc->members[i];
        bool expl = mb->is_skip ? mb->skip->explicit_number : mb->method->explicit_number;
        idl_pos_t pos = mb->is_skip ? mb->skip->pos
                      : expl ? mb->method->number_pos : mb->method->pos;
        uint64_t n = expl ? (mb->is_skip ? mb->skip->number : mb->method->number) : prev + 1;
        if (n == 0)
            idl_fail(pos, "method number 0 is reserved for the built-in describe");
        if (n > MAX_LABEL - ifc->base)
            idl_fail(pos, "method number %llu: label 0x%llx is above 0x%x",
                     (unsigned long long)n, (unsigned long long)(ifc->base + n), MAX_LABEL);
        for (int j = 0; j < i; j++) {
            idl_member_t *o = &ifc->members[j];
            uint64_t on = o->is_skip ? o->skip->number : o->method->number;
            if (on != n)
                continue;
            if (o->is_skip)
                idl_fail(pos, "method number %llu was retired by the skip at line %d",
                         (unsigned long long)n, o->skip->pos.line);
            idl_fail(pos, "method number %llu is already used by '%s' at line %d",
                     (unsigned long long)n, o->method->name, o->method->pos.line);
        }
        if (mb->is_skip)
            mb->skip->number = n;
        else
            mb->method->number = n;
        prev = n;
        if (n > ifc->max_number)
            ifc->max_number = n;
    }

    uint32_t h = 2166136261u;
    for (int i = 0; i < ifc->nmembers; i++) {
        if (ifc->members[i].is_skip)
            continue;
        idl_method_t *m = ifc->members[i].method;
        check_c_name(m->name, m->pos);
        if (strcmp(m->name, "describe") == 0 || strcmp(m->name, "serve") == 0
            || strcmp(m->name, "dispatch") == 0)
            idl_fail(m->pos, "method name '%s' is the generated code's", m->name);
        for (int j = 0; j < i; j++)
            if (!ifc->members[j].is_skip && strcmp(ifc->members[j].method->name, m->name) == 0)
                idl_fail(m->pos, "method '%s' is already defined at line %d", m->name,
                         ifc->members[j].method->pos.line);
        if (m->oneway && (m->attrs & ATTR_DEFERRED))
            idl_fail(m->pos, "oneway method '%s' cannot be [deferred]", m->name);
        if ((m->attrs & ATTR_FAST) && (m->attrs & ATTR_DEFERRED))
            idl_fail(m->pos, "method '%s' cannot be both [fast] and [deferred]", m->name);
        for (int k = 0; k < m->nparams; k++) {
            idl_param_t *p = &m->params[k];
            check_c_name(p->name, p->pos);
            /* The generated functions' own parameters. */
            static const char *const taken[] = { "ctx", "badge", "later", "status", "ops",
                                                 "in", "slots", "reply" };
            for (size_t j = 0; j < sizeof taken / sizeof taken[0]; j++)
                if (strcmp(p->name, taken[j]) == 0)
                    idl_fail(p->pos, "parameter name '%s' is the generated code's", p->name);
            p->type = resolve(ifc, p->type);
            for (int j = 0; j < k; j++)
                if (strcmp(m->params[j].name, p->name) == 0)
                    idl_fail(p->pos, "parameter '%s' is already defined", p->name);
        }
        check_direction(m, false);
        check_direction(m, true);
        char buf[64];
        snprintf(buf, sizeof buf, "%llu%s%s(", (unsigned long long)m->number,
                 m->oneway ? "oneway " : "call ", m->name);
        h = fnv(h, buf);
        for (int k = 0; k < m->nparams; k++) {
            h = fnv(h, m->params[k].out ? "out " : "in ");
            h = hash_type(h, m->params[k].type);
            h = fnv(h, ",");
        }
        h = fnv(h, ");");
    }
    ifc->hash = h;
}
