/*
 * emit.c - the generated C of an interface NAME (docs/idl.md):
 *   NAME.h         constants, types, client stubs, the server's ops table
 *   NAME_client.c  one stub per method: marshal, Call (or Send), check, unmarshal
 *   NAME_server.c  NAME_dispatch (one case per method number) and NAME_serve
 *   NAME_trace.c   label -> "NAME.method" names for traces
 * Output depends only on the .mi input (no dates, no paths but the input's
 * base name), so golden files compare byte for byte.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "idlc.h"

static FILE *out;

static void p(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void p(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
}

/* Indentation: 4 spaces a level. */
static void ind(int n)
{
    for (int i = 0; i < n; i++)
        fputs("    ", out);
}

static const char *upper(const char *s)
{
    static char bufs[4][128];
    static int which;
    char *b = bufs[which++ & 3];
    size_t i;
    for (i = 0; s[i] && i < sizeof bufs[0] - 1; i++)
        b[i] = (char)toupper((unsigned char)s[i]);
    b[i] = 0;
    return b;
}

static const char *const scalar_c[SC_COUNT] = {
    "uint8_t", "uint16_t", "uint32_t", "uint64_t", "int8_t", "int16_t", "int32_t", "int64_t",
    "bool", "mica_word_t", "mica_cptr_t",
};

/* The C type of an element (scalar, enum, struct); strings and arrays are declarators. */
static void ctype(char *b, size_t n, const idl_type_t *t)
{
    if (t->kind == TY_SCALAR)
        snprintf(b, n, "%s", scalar_c[t->scalar]);
    else if (t->kind == TY_ENUM || t->kind == TY_STRUCT)
        snprintf(b, n, "%s_%s_t", t->decl->prefix, t->decl->name);
    else if (t->kind == TY_STRING)
        snprintf(b, n, "char");
    else
        snprintf(b, n, "mica_word_t");
}

/* "T name[a][b]" for t, const-qualified if asked. */
static void declarator(char *b, size_t n, const idl_type_t *t, const char *name, bool cnst)
{
    char dims[128] = "", base[96];
    const idl_type_t *e = t;
    while (e->kind == TY_ARRAY) {
        size_t l = strlen(dims);
        snprintf(dims + l, sizeof dims - l, "[%llu]", (unsigned long long)e->bound);
        e = e->elem;
    }
    if (e->kind == TY_STRING) {
        size_t l = strlen(dims);
        snprintf(dims + l, sizeof dims - l, "[%llu]", (unsigned long long)e->bound + 1);
    }
    ctype(base, sizeof base, e);
    snprintf(b, n, "%s%s %s%s", cnst ? "const " : "", base, name, dims);
}

/* A parameter as the client stub declares it (badges are not sent: none). */
static bool client_param(char *b, size_t n, const idl_param_t *pr)
{
    const idl_type_t *t = pr->type;
    char ty[96];
    switch (t->kind) {
    case TY_BADGE:
        return false;
    case TY_CAP:
        snprintf(b, n, "mica_cptr_t %s%s", pr->out ? "*" : "", pr->name);
        return true;
    case TY_LEASE:
        snprintf(b, n, "void *%s, uint32_t %s_len", pr->name, pr->name);
        return true;
    case TY_BYTES:
        if (pr->out)
            snprintf(b, n, "void *%s, uint32_t *%s_len", pr->name, pr->name);
        else
            snprintf(b, n, "const void *%s, uint32_t %s_len", pr->name, pr->name);
        return true;
    case TY_STRING:
        snprintf(b, n, pr->out ? "char *%s" : "const char *%s", pr->name);
        return true;
    case TY_ARRAY:
        declarator(b, n, t, pr->name, !pr->out);
        return true;
    case TY_STRUCT:
        ctype(ty, sizeof ty, t);
        snprintf(b, n, "%s%s *%s", pr->out ? "" : "const ", ty, pr->name);
        return true;
    default:
        ctype(ty, sizeof ty, t);
        snprintf(b, n, "%s %s%s", ty, pr->out ? "*" : "", pr->name);
        return true;
    }
}

/* A parameter as the server's handler receives it. */
static void server_param(char *b, size_t n, const idl_param_t *pr)
{
    const idl_type_t *t = pr->type;
    switch (t->kind) {
    case TY_BADGE:
        snprintf(b, n, "mica_word_t %s", pr->name);
        break;
    case TY_LEASE:
        snprintf(b, n, "mica_idl_lease_t %s", pr->name);
        break;
    case TY_BYTES:
        if (pr->out)
            snprintf(b, n, "uint8_t *%s, uint32_t *%s_len", pr->name, pr->name);
        else
            snprintf(b, n, "const uint8_t *%s, uint32_t %s_len", pr->name, pr->name);
        break;
    default:
        client_param(b, n, pr);
    }
}

/* --- marshalling ------------------------------------------------------------------- */

/*
 * Code walks the message with a running index mi_k. put: a value into the
 * message (MRs, or mi_w[] for [fast]); check: validate the word(s) at mi_k
 * and return err on a bad one; get: store the (checked) words into lv.
 */
typedef struct walk {
    bool fast;           /* registers: mi_w[] instead of mica_get_mr/mica_set_mr */
    const char *err;     /* what a failed check returns */
    int depth;           /* nesting of array loops, for loop variable names */
} walk_t;

static void put_word(const walk_t *w, int lv, const char *expr)
{
    ind(lv);
    if (w->fast)
        p("mi_w[mi_k++] = (mica_word_t)(%s);\n", expr);
    else
        p("mica_set_mr(mi_k++, (mica_word_t)(%s));\n", expr);
}

static const char *read_word(const walk_t *w)
{
    return w->fast ? "mi_w[mi_k]" : "mica_get_mr(mi_k)";
}

static void put_value(walk_t *w, int lv, const idl_type_t *t, const char *expr)
{
    char sub[256];
    switch (t->kind) {
    case TY_SCALAR:
    case TY_ENUM:
        put_word(w, lv, expr);
        break;
    case TY_STRUCT:
        for (int i = 0; i < t->decl->nfields; i++) {
            snprintf(sub, sizeof sub, "%s.%s", expr, t->decl->fields[i].name);
            put_value(w, lv, t->decl->fields[i].type, sub);
        }
        break;
    case TY_ARRAY: {
        int d = w->depth++;
        ind(lv);
        p("for (int mi_j%d = 0; mi_j%d < %llu; mi_j%d++) {\n", d, d,
          (unsigned long long)t->bound, d);
        snprintf(sub, sizeof sub, "%s[mi_j%d]", expr, d);
        put_value(w, lv + 1, t->elem, sub);
        ind(lv);
        p("}\n");
        w->depth--;
        break;
    }
    case TY_STRING:
        ind(lv);
        p("if (mica_idl_put_string(mi_k, %s, %llu) != 0)\n", expr, (unsigned long long)t->bound);
        ind(lv + 1);
        p("return %s;\n", w->err);
        ind(lv);
        p("mi_k += MICA_IDL_BLOB_WORDS(%lluu);\n", (unsigned long long)t->bound);
        break;
    default:
        break;
    }
}

/* The range check of one word holding a scalar. */
static void check_scalar(const walk_t *w, int lv, idl_scalar_t s)
{
    static const char *const lim[SC_COUNT] = {
        [SC_U8] = "UINT8_MAX", [SC_U16] = "UINT16_MAX", [SC_U32] = "UINT32_MAX",
        [SC_BOOL] = "1",
    };
    static const char *const slim[SC_COUNT][2] = {
        [SC_I8] = { "INT8_MIN", "INT8_MAX" }, [SC_I16] = { "INT16_MIN", "INT16_MAX" },
        [SC_I32] = { "INT32_MIN", "INT32_MAX" },
    };
    if (lim[s]) {
        ind(lv);
        p("if (%s > %s)\n", read_word(w), lim[s]);
        ind(lv + 1);
        p("return %s;\n", w->err);
    } else if (slim[s][0]) {
        ind(lv);
        p("if ((intptr_t)%s < %s || (intptr_t)%s > %s)\n", read_word(w), slim[s][0],
          read_word(w), slim[s][1]);
        ind(lv + 1);
        p("return %s;\n", w->err);
    }
}

static void check_value(walk_t *w, int lv, const idl_type_t *t)
{
    switch (t->kind) {
    case TY_SCALAR:
        check_scalar(w, lv, t->scalar);
        ind(lv);
        p("mi_k++;\n");
        break;
    case TY_ENUM:
        ind(lv);
        p("if (!%s_%s_valid(%s))\n", t->decl->prefix, t->decl->name, read_word(w));
        ind(lv + 1);
        p("return %s;\n", w->err);
        ind(lv);
        p("mi_k++;\n");
        break;
    case TY_STRUCT:
        for (int i = 0; i < t->decl->nfields; i++)
            check_value(w, lv, t->decl->fields[i].type);
        break;
    case TY_ARRAY: {
        int d = w->depth++;
        ind(lv);
        p("for (int mi_j%d = 0; mi_j%d < %llu; mi_j%d++) {\n", d, d,
          (unsigned long long)t->bound, d);
        check_value(w, lv + 1, t->elem);
        ind(lv);
        p("}\n");
        w->depth--;
        break;
    }
    case TY_STRING:
    case TY_BYTES:
        ind(lv);
        p("if (mica_get_mr(mi_k) > %llu)\n", (unsigned long long)t->bound);
        ind(lv + 1);
        p("return %s;\n", w->err);
        ind(lv);
        p("mi_k += MICA_IDL_BLOB_WORDS(%lluu);\n", (unsigned long long)t->bound);
        break;
    case TY_LEASE:
        ind(lv);
        p("if (mica_get_mr(mi_k + 1) > %llu)\n", (unsigned long long)t->bound);
        ind(lv + 1);
        p("return mica_idl_error(MICA_IDL_BAD_LEASE);\n");
        ind(lv);
        p("mi_k += 2;\n");
        break;
    default:
        break;
    }
}

static void get_value(walk_t *w, int lv, const idl_type_t *t, const char *lval)
{
    char sub[256], ty[96];
    switch (t->kind) {
    case TY_SCALAR:
    case TY_ENUM:
        ctype(ty, sizeof ty, t);
        ind(lv);
        if (t->kind == TY_SCALAR && t->scalar == SC_BOOL)
            p("%s = %s != 0;\n", lval, read_word(w));
        else if (t->kind == TY_SCALAR && t->scalar >= SC_I8 && t->scalar <= SC_I64)
            p("%s = (%s)(intptr_t)%s;\n", lval, ty, read_word(w));
        else
            p("%s = (%s)%s;\n", lval, ty, read_word(w));
        ind(lv);
        p("mi_k++;\n");
        break;
    case TY_STRUCT:
        for (int i = 0; i < t->decl->nfields; i++) {
            snprintf(sub, sizeof sub, "%s.%s", lval, t->decl->fields[i].name);
            get_value(w, lv, t->decl->fields[i].type, sub);
        }
        break;
    case TY_ARRAY: {
        int d = w->depth++;
        ind(lv);
        p("for (int mi_j%d = 0; mi_j%d < %llu; mi_j%d++) {\n", d, d,
          (unsigned long long)t->bound, d);
        snprintf(sub, sizeof sub, "%s[mi_j%d]", lval, d);
        get_value(w, lv + 1, t->elem, sub);
        ind(lv);
        p("}\n");
        w->depth--;
        break;
    }
    case TY_STRING:
        ind(lv);
        p("(void)mica_idl_get_string(mi_k, %s, %llu);\n", lval, (unsigned long long)t->bound);
        ind(lv);
        p("mi_k += MICA_IDL_BLOB_WORDS(%lluu);\n", (unsigned long long)t->bound);
        break;
    default:
        break;
    }
}

/* --- the header ---------------------------------------------------------------------- */

static void client_prototype(const idl_iface_t *ifc, const idl_method_t *m)
{
    char b[256];
    p("%s %s_%s(%s_client_t *mi_c", m->oneway ? "void" : "int", ifc->name, m->name, ifc->name);
    for (int i = 0; i < m->nparams; i++)
        if (client_param(b, sizeof b, &m->params[i]))
            p(", %s", b);
    p(")");
}

static void emit_decls(const idl_iface_t *ifc)
{
    char b[256];
    for (int i = 0; i < ifc->ndecls; i++) {
        const idl_decl_t *d = ifc->decls[i];
        if (d->kind == DECL_ENUM) {
            p("/* enum %s : %s */\n", d->name, idl_scalar_name(d->type->scalar));
            p("typedef %s %s_%s_t;\n", scalar_c[d->type->scalar], ifc->name, d->name);
            for (int j = 0; j < d->nitems; j++) {
                char v[32];
                snprintf(v, sizeof v, "%llu", (unsigned long long)d->items[j].value);
                p("#define %s_", upper(ifc->name));
                p("%s_", upper(d->name));
                p("%s ((%s_%s_t)%sull)\n", upper(d->items[j].name), ifc->name, d->name, v);
            }
            p("/* Whether w is one of the declared values (checked on receipt). */\n");
            p("static inline bool %s_%s_valid(mica_word_t w)\n{\n", ifc->name, d->name);
            p("    switch (w) {\n");
            for (int j = 0; j < d->nitems; j++) {
                bool dup = false;
                for (int k = 0; k < j; k++)
                    dup |= d->items[k].value == d->items[j].value;
                if (!dup)
                    p("    case %lluu:\n", (unsigned long long)d->items[j].value);
            }
            p("        return true;\n    default:\n        return false;\n    }\n}\n\n");
        } else if (d->kind == DECL_STRUCT) {
            p("typedef struct %s_%s {\n", ifc->name, d->name);
            for (int j = 0; j < d->nfields; j++) {
                declarator(b, sizeof b, d->fields[j].type, d->fields[j].name, false);
                p("    %s;\n", b);
            }
            p("} %s_%s_t;\n\n", ifc->name, d->name);
        }
    }
}

static int emit_header(const idl_iface_t *ifc, const char *base)
{
    char N[128];
    snprintf(N, sizeof N, "%s", upper(ifc->name));
    char guard[160];
    snprintf(guard, sizeof guard, "%s_IDL_H", upper(ifc->name));
    p("/* %s.h - generated by mica-idlc from %s; do not edit. */\n", ifc->name, base);
    p("#ifndef %s\n#define %s\n\n", guard, guard);
    p("#include <stdbool.h>\n#include <stdint.h>\n\n#include <mica/idl.h>\n");
    for (int i = 0; i < ifc->nimports; i++)
        p("#include \"%s.h\"\n", ifc->imports[i]->name);
    p("\n#define %s_BASE 0x%llxu\n", N, (unsigned long long)ifc->base);
    p("#define %s_VERSION %lluu\n", N, (unsigned long long)ifc->version);
    p("#define %s_IFACE_HASH 0x%08xu\n", N, ifc->hash);
    p("#define %s_MAX_METHOD %lluu\n\n", N, (unsigned long long)ifc->max_number);

    p("/* Request labels: base + method number (base + 0 is describe). */\n");
    p("enum %s_label {\n    %s_LABEL_DESCRIBE = %s_BASE + 0,\n", ifc->name, N, N);
    for (int i = 0; i < ifc->nmembers; i++) {
        if (ifc->members[i].is_skip)
            continue;
        const idl_method_t *m = ifc->members[i].method;
        p("    %s_LABEL_", N);
        p("%s = %s_BASE + %llu,\n", upper(m->name), N, (unsigned long long)m->number);
    }
    p("};\n\n");

    p("/* Reply statuses: 0, the interface's errors, or MICA_IDL_* (runtime). */\n");
    p("enum %s_status {\n    %s_OK = 0,\n", ifc->name, N);
    for (int i = 0; i < ifc->nerrors; i++) {
        p("    %s_", N);
        p("%s = %llu,\n", upper(ifc->errors[i].name), (unsigned long long)ifc->errors[i].value);
    }
    p("};\n\n");

    emit_decls(ifc);

    p("/* A client: the server's endpoint, the shared window (leases), a slot for caps\n"
      "   in replies (index cap_slot of cap_root, cap_depth bits). */\n");
    p("typedef struct %s_client {\n    mica_cptr_t ep;\n    void *win;\n"
      "    mica_word_t win_bytes;\n    mica_cptr_t cap_root;\n    mica_word_t cap_slot;\n"
      "    uint8_t cap_depth;\n} %s_client_t;\n\n", ifc->name, ifc->name);

    p("/* Client stubs: 0 (%s_OK) or the reply's status; outs written only on 0. */\n", N);
    p("int %s_describe(%s_client_t *mi_c, uint32_t *version, uint32_t *hash, "
      "uint32_t *max_method);\n", ifc->name, ifc->name);
    p("/* describe, then 0 if the server speaks this interface exactly (the same hash),\n"
      "   else MICA_IDL_VERSION (or describe's own error). */\n");
    p("int %s_check(%s_client_t *mi_c);\n", ifc->name, ifc->name);
    for (int i = 0; i < ifc->nmembers; i++) {
        if (ifc->members[i].is_skip)
            continue;
        client_prototype(ifc, ifc->members[i].method);
        p(";\n");
    }

    p("\n/* The server's handlers: NULL answers MICA_IDL_BAD_METHOD. */\n");
    p("typedef struct %s_ops {\n", ifc->name);
    for (int i = 0; i < ifc->nmembers; i++) {
        if (ifc->members[i].is_skip)
            continue;
        const idl_method_t *m = ifc->members[i].method;
        p("    int (*%s)(void *ctx, mica_word_t badge", m->name);
        for (int k = 0; k < m->nparams; k++) {
            char b[256];
            server_param(b, sizeof b, &m->params[k]);
            p(", %s", b);
        }
        if (m->attrs & ATTR_DEFERRED)
            p(", const mica_idl_reply_t *later");
        p(");\n");
    }
    p("    /* The shared window of the client with this badge (leases): 0, or -1 for none. */\n");
    p("    int (*lease_window)(void *ctx, mica_word_t badge, void **base, mica_word_t *bytes);\n");
    p("    /* A signal of the server thread's bound notification (its badge has\n"
      "       MICA_IDL_NTFN_BADGE_BIT; bits without it); NULL ignores it. No reply. */\n");
    p("    void (*notified)(void *ctx, mica_word_t bits);\n");
    p("} %s_ops_t;\n\n", ifc->name);

    p("/* One request (MRs in the IPC buffer) to its reply info; *reply false: no reply. */\n");
    p("mica_msginfo_t %s_dispatch(const %s_ops_t *ops, void *ctx, mica_msginfo_t in,\n"
      "                           mica_word_t badge, mica_idl_slots_t *slots, bool *reply);\n",
      ifc->name, ifc->name);
    p("/* Receive on ep and answer with dispatch forever (slots: NULL if no caps/deferred). */\n");
    p("_Noreturn void %s_serve(mica_cptr_t ep, const %s_ops_t *ops, void *ctx,\n"
      "                        mica_idl_slots_t *slots);\n", ifc->name, ifc->name);
    for (int i = 0; i < ifc->nmembers; i++) {
        if (ifc->members[i].is_skip || !(ifc->members[i].method->attrs & ATTR_DEFERRED))
            continue;
        const idl_method_t *m = ifc->members[i].method;
        p("/* Answer a deferred %s: status, and the results when it is 0. */\n", m->name);
        p("void %s_reply_%s(const mica_idl_reply_t *later, int status", ifc->name, m->name);
        for (int k = 0; k < m->nparams; k++) {
            if (!m->params[k].out)
                continue;
            idl_param_t q = m->params[k];
            q.out = false;
            char b[256];
            client_param(b, sizeof b, &q);
            p(", %s", b);
        }
        p(");\n");
    }
    p("\n/* Names for traces: \"%s.method\" per label. */\n", ifc->name);
    p("void %s_trace_register(void);\n", ifc->name);
    p("\n#endif\n");
    return 0;
}

/* --- the client ---------------------------------------------------------------------- */

static void emit_client_method(const idl_iface_t *ifc, const idl_method_t *m)
{
    char N[128];
    snprintf(N, sizeof N, "%s", upper(ifc->name));
    walk_t w = { .fast = (m->attrs & ATTR_FAST) != 0, .err = "MICA_IDL_BAD_ARGS" };
    client_prototype(ifc, m);
    p("\n{\n");
    if (w.fast)
        p("    mica_word_t mi_w[4] = { 0, 0, 0, 0 };\n");
    p("    int mi_k = 0;\n");
    const char *capname = NULL;
    for (int i = 0; i < m->nparams; i++) {
        const idl_param_t *pr = &m->params[i];
        if (pr->out)
            continue;
        char expr[160];
        switch (pr->type->kind) {
        case TY_CAP:
            capname = pr->name;
            break;
        case TY_STRUCT:
            snprintf(expr, sizeof expr, "(*%s)", pr->name);
            put_value(&w, 1, pr->type, expr);
            break;
        case TY_BYTES:
            p("    if (mica_idl_put_bytes(mi_k, %s, %s_len, %llu) != 0)\n        return %s;\n",
              pr->name, pr->name, (unsigned long long)pr->type->bound, m->oneway ? "" : w.err);
            p("    mi_k += MICA_IDL_BLOB_WORDS(%lluu);\n", (unsigned long long)pr->type->bound);
            break;
        case TY_LEASE:
            p("    if (!mi_c->win || (char *)%s < (char *)mi_c->win || %s_len > %llu\n"
              "        || %s_len > mi_c->win_bytes\n"
              "        || (mica_word_t)((char *)%s - (char *)mi_c->win) > mi_c->win_bytes - %s_len)\n"
              "        return MICA_IDL_BAD_LEASE;\n",
              pr->name, pr->name, (unsigned long long)pr->type->bound, pr->name, pr->name,
              pr->name);
            snprintf(expr, sizeof expr, "(char *)%s - (char *)mi_c->win", pr->name);
            put_word(&w, 1, expr);
            snprintf(expr, sizeof expr, "%s_len", pr->name);
            put_word(&w, 1, expr);
            break;
        default:
            if (m->oneway && pr->type->kind == TY_STRING) {
                /* A oneway stub cannot report a too-long string: it sends nothing. */
                walk_t wo = w;
                wo.err = "";
                put_value(&wo, 1, pr->type, pr->name);
            } else {
                put_value(&w, 1, pr->type, pr->name);
            }
        }
    }
    if (capname)
        p("    mica_set_cap(0, %s);\n", capname);
    p("    mica_msginfo_t mi_info = mica_msginfo_new(%s_LABEL_%s, 0, %d, (mica_word_t)mi_k);\n",
      N, upper(m->name), capname ? 1 : 0);
    if (m->oneway) {
        if (w.fast)
            p("    mica_send_with_mrs(mi_c->ep, mi_info, &mi_w[0], &mi_w[1], &mi_w[2], &mi_w[3]);\n");
        else
            p("    mica_send(mi_c->ep, mi_info);\n");
        p("}\n\n");
        return;
    }
    if (m->out_cap)
        p("    mica_set_cap_receive_path(mi_c->cap_root, mi_c->cap_slot, mi_c->cap_depth);\n");
    if (w.fast)
        p("    mi_info = mica_call_with_mrs(mi_c->ep, mi_info, &mi_w[0], &mi_w[1], &mi_w[2], "
          "&mi_w[3]);\n");
    else
        p("    mi_info = mica_call(mi_c->ep, mi_info);\n");
    p("    if (mica_msginfo_get_label(mi_info) != 0)\n"
      "        return mica_idl_status(mi_info);\n");
    p("    if (mica_msginfo_get_length(mi_info) != %u || mica_msginfo_get_extra_caps(mi_info) != %d",
      m->out_words, m->out_cap ? 1 : 0);
    if (m->out_cap)
        p("\n        || mica_msginfo_get_caps_unwrapped(mi_info) != 0");
    p(")\n        return MICA_IDL_BAD_REPLY;\n");
    if (m->out_words) {
        /* Check every result before writing any: outs are written only on success. */
        walk_t wc = w;
        wc.err = "MICA_IDL_BAD_REPLY";
        p("    mi_k = 0;\n");
        for (int i = 0; i < m->nparams; i++)
            if (m->params[i].out)
                check_value(&wc, 1, m->params[i].type);
        p("    mi_k = 0;\n");
    }
    for (int i = 0; i < m->nparams; i++) {
        const idl_param_t *pr = &m->params[i];
        if (!pr->out)
            continue;
        char lval[160];
        switch (pr->type->kind) {
        case TY_CAP:
            p("    *%s = mi_c->cap_slot;\n", pr->name);
            break;
        case TY_BYTES:
            p("    (void)mica_idl_get_bytes(mi_k, %s, %s_len, %llu);\n", pr->name, pr->name,
              (unsigned long long)pr->type->bound);
            p("    mi_k += MICA_IDL_BLOB_WORDS(%lluu);\n", (unsigned long long)pr->type->bound);
            break;
        case TY_STRING:
        case TY_ARRAY:
            get_value(&w, 1, pr->type, pr->name);
            break;
        default:
            snprintf(lval, sizeof lval, "(*%s)", pr->name);
            get_value(&w, 1, pr->type, lval);
        }
    }
    p("    return %s_OK;\n}\n\n", N);
}

static int emit_client(const idl_iface_t *ifc, const char *base)
{
    char N[128];
    snprintf(N, sizeof N, "%s", upper(ifc->name));
    p("/* %s_client.c - generated by mica-idlc from %s; do not edit. */\n", ifc->name, base);
    p("#include <stdint.h>\n\n#include <mica/idl.h>\n#include <mica/syscalls.h>\n\n");
    p("#include \"%s.h\"\n\n", ifc->name);
    p("int %s_describe(%s_client_t *mi_c, uint32_t *version, uint32_t *hash, "
      "uint32_t *max_method)\n{\n", ifc->name, ifc->name);
    p("    mica_msginfo_t mi_info = mica_call(mi_c->ep, mica_msginfo_new(%s_LABEL_DESCRIBE, 0, 0, 0));\n", N);
    p("    if (mica_msginfo_get_label(mi_info) != 0)\n"
      "        return mica_idl_status(mi_info);\n"
      "    if (mica_msginfo_get_length(mi_info) != 3 || mica_msginfo_get_extra_caps(mi_info) != 0)\n"
      "        return MICA_IDL_BAD_REPLY;\n"
      "    *version = (uint32_t)mica_get_mr(0);\n"
      "    *hash = (uint32_t)mica_get_mr(1);\n"
      "    *max_method = (uint32_t)mica_get_mr(2);\n"
      "    return %s_OK;\n}\n\n", N);
    p("int %s_check(%s_client_t *mi_c)\n{\n"
      "    uint32_t mi_version, mi_hash, mi_max;\n"
      "    int mi_r = %s_describe(mi_c, &mi_version, &mi_hash, &mi_max);\n"
      "    if (mi_r != 0)\n        return mi_r;\n"
      "    return mi_hash == %s_IFACE_HASH ? %s_OK : (int)MICA_IDL_VERSION;\n}\n\n",
      ifc->name, ifc->name, ifc->name, N, N);
    for (int i = 0; i < ifc->nmembers; i++)
        if (!ifc->members[i].is_skip)
            emit_client_method(ifc, ifc->members[i].method);
    return 0;
}

/* --- the server ---------------------------------------------------------------------- */

static void emit_server_method(const idl_iface_t *ifc, const idl_method_t *m)
{
    walk_t w = { .err = "mica_idl_error(MICA_IDL_BAD_ARGS)" };
    p("/* %s: label %s_BASE + %llu. */\n", m->name, upper(ifc->name),
      (unsigned long long)m->number);
    p("static mica_msginfo_t %s_x_%s(const %s_ops_t *ops, void *ctx, mica_msginfo_t in,\n"
      "    mica_word_t badge, mica_idl_slots_t *slots, bool *reply)\n{\n",
      ifc->name, m->name, ifc->name);
    p("    (void)slots;\n    (void)reply;\n");
    p("    if (!ops->%s)\n        return mica_idl_error(MICA_IDL_BAD_METHOD);\n", m->name);
    if (m->in_cap)
        p("    if (mica_msginfo_get_extra_caps(in) != 1 || mica_msginfo_get_caps_unwrapped(in) != 0"
          " || !slots)\n        return mica_idl_error(MICA_IDL_NO_CAP);\n");
    p("    if (mica_msginfo_get_length(in) != %u", m->in_words);
    if (!m->in_cap)
        p(" || mica_msginfo_get_extra_caps(in) != 0");
    p(")\n        return mica_idl_error(MICA_IDL_BAD_ARGS);\n");
    bool any_lease = false;
    /* Locals for every parameter. */
    for (int i = 0; i < m->nparams; i++) {
        const idl_param_t *pr = &m->params[i];
        char b[256];
        switch (pr->type->kind) {
        case TY_CAP:
            p("    mica_cptr_t %s = 0;\n", pr->name);
            break;
        case TY_BADGE:
            p("    mica_word_t %s = badge;\n", pr->name);
            break;
        case TY_LEASE:
            p("    mica_idl_lease_t %s = { 0, 0 };\n", pr->name);
            any_lease = true;
            break;
        case TY_BYTES:
            p("    uint8_t %s[%llu];\n    uint32_t %s_len = 0;\n", pr->name,
              (unsigned long long)pr->type->bound, pr->name);
            break;
        default:
            declarator(b, sizeof b, pr->type, pr->name, false);
            p("    %s;\n", b);
        }
    }
    for (int i = 0; i < m->nparams; i++)
        if (m->params[i].out && m->params[i].type->kind != TY_CAP
            && m->params[i].type->kind != TY_BYTES)
            p("    memset(&%s, 0, sizeof %s);\n", m->params[i].name, m->params[i].name);
    if (m->in_words) {
        p("    int mi_k = 0;\n");
        for (int i = 0; i < m->nparams; i++)
            if (!m->params[i].out)
                check_value(&w, 1, m->params[i].type);
        p("    mi_k = 0;\n");
    } else {
        p("    int mi_k = 0;\n");
        if (m->oneway || (m->attrs & ATTR_DEFERRED))
            p("    (void)mi_k;\n");           /* no words either way */
    }
    if (any_lease)
        p("    void *mi_win = NULL;\n    mica_word_t mi_win_bytes = 0;\n"
          "    if (!ops->lease_window || ops->lease_window(ctx, badge, &mi_win, &mi_win_bytes) != 0)\n"
          "        return mica_idl_error(MICA_IDL_BAD_LEASE);\n");
    for (int i = 0; i < m->nparams; i++) {
        const idl_param_t *pr = &m->params[i];
        if (pr->out)
            continue;
        switch (pr->type->kind) {
        case TY_CAP:
            p("    %s = slots->recv_slot;\n", pr->name);
            break;
        case TY_BADGE:
            break;
        case TY_LEASE:
            p("    if (mica_get_mr(mi_k) > mi_win_bytes || mica_get_mr(mi_k + 1) > mi_win_bytes - mica_get_mr(mi_k))\n"
              "        return mica_idl_error(MICA_IDL_BAD_LEASE);\n");
            p("    %s.ptr = (char *)mi_win + mica_get_mr(mi_k);\n", pr->name);
            p("    %s.len = mica_get_mr(mi_k + 1);\n    mi_k += 2;\n", pr->name);
            break;
        case TY_BYTES:
            p("    (void)mica_idl_get_bytes(mi_k, %s, &%s_len, %llu);\n", pr->name, pr->name,
              (unsigned long long)pr->type->bound);
            p("    mi_k += MICA_IDL_BLOB_WORDS(%lluu);\n", (unsigned long long)pr->type->bound);
            break;
        default:
            get_value(&w, 1, pr->type, pr->name);
        }
    }
    if (m->attrs & ATTR_DEFERRED) {
        p("    mica_idl_reply_t mi_later = { 0, 0, 0 };\n");
        p("    if (!slots || !slots->alloc)\n        return mica_idl_error(MICA_IDL_BAD_METHOD);\n");
        p("    mi_later.root = slots->root;\n    mi_later.depth = slots->depth;\n"
          "    mi_later.slot = slots->alloc(slots->ctx);\n"
          "    if (!mi_later.slot || mica_cnode_save_caller(mi_later.root, mi_later.slot, mi_later.depth) != MICA_NO_ERROR)\n"
          "        return mica_idl_error(MICA_IDL_BAD_METHOD);\n");
    }
    p("    int mi_e = ops->%s(ctx, badge", m->name);
    for (int i = 0; i < m->nparams; i++) {
        const idl_param_t *pr = &m->params[i];
        bool ptr = pr->out && pr->type->kind != TY_STRING && pr->type->kind != TY_ARRAY
                   && pr->type->kind != TY_BYTES;
        bool sref = !pr->out && pr->type->kind == TY_STRUCT;
        p(", %s%s", ptr || sref ? "&" : "", pr->name);
        if (pr->type->kind == TY_BYTES)
            p(", %s%s_len", pr->out ? "&" : "", pr->name);
    }
    p("%s);\n", (m->attrs & ATTR_DEFERRED) ? ", &mi_later" : "");
    if (m->attrs & ATTR_DEFERRED) {
        /* The reply cap is saved: answer through it now unless the handler keeps it. */
        p("    *reply = false;\n    if (mi_e == MICA_IDL_DEFER)\n        return mica_idl_error(0);\n");
        p("    %s_reply_%s(&mi_later, mi_e", ifc->name, m->name);
        for (int i = 0; i < m->nparams; i++) {
            const idl_param_t *pr = &m->params[i];
            if (!pr->out)
                continue;
            p(", %s%s", pr->type->kind == TY_STRUCT ? "&" : "", pr->name);
            if (pr->type->kind == TY_BYTES)
                p(", %s_len", pr->name);
        }
        p(");\n    return mica_idl_error(0);\n}\n\n");
        return;
    }
    if (m->oneway) {
        p("    (void)mi_e;\n    *reply = false;\n    return mica_idl_error(0);\n}\n\n");
        return;
    }
    p("    if (mi_e != 0)\n        return mica_idl_error((mica_word_t)mi_e);\n");
    walk_t wr = { .err = "mica_idl_error(MICA_IDL_BAD_REPLY)" };
    p("    mi_k = 0;\n");
    const char *capname = NULL;
    for (int i = 0; i < m->nparams; i++) {
        const idl_param_t *pr = &m->params[i];
        if (!pr->out)
            continue;
        if (pr->type->kind == TY_CAP)
            capname = pr->name;
        else if (pr->type->kind == TY_BYTES) {
            p("    if (mica_idl_put_bytes(mi_k, %s, %s_len, %llu) != 0)\n        return %s;\n",
              pr->name, pr->name, (unsigned long long)pr->type->bound, wr.err);
            p("    mi_k += MICA_IDL_BLOB_WORDS(%lluu);\n", (unsigned long long)pr->type->bound);
        } else
            put_value(&wr, 1, pr->type, pr->name);
    }
    if (capname)
        p("    mica_set_cap(0, %s);\n", capname);
    p("    return mica_msginfo_new(0, 0, %d, (mica_word_t)mi_k);\n}\n\n", capname ? 1 : 0);
}

/* NAME_reply_METHOD for a [deferred] method: marshal, Send on the saved reply cap, delete it. */
static void emit_deferred_reply(const idl_iface_t *ifc, const idl_method_t *m)
{
    walk_t w = { .err = "" };
    p("void %s_reply_%s(const mica_idl_reply_t *later, int status", ifc->name, m->name);
    for (int k = 0; k < m->nparams; k++) {
        if (!m->params[k].out)
            continue;
        idl_param_t q = m->params[k];
        q.out = false;
        char b[256];
        client_param(b, sizeof b, &q);
        p(", %s", b);
    }
    p(")\n{\n    int mi_k = 0;\n    mica_msginfo_t mi_info = mica_idl_error((mica_word_t)status);\n");
    p("    if (status == 0) {\n");
    for (int k = 0; k < m->nparams; k++) {
        const idl_param_t *pr = &m->params[k];
        if (!pr->out)
            continue;
        char expr[160];
        if (pr->type->kind == TY_STRUCT) {
            snprintf(expr, sizeof expr, "(*%s)", pr->name);
            put_value(&w, 2, pr->type, expr);
        } else {
            put_value(&w, 2, pr->type, pr->name);
        }
    }
    p("        mi_info = mica_msginfo_new(0, 0, 0, (mica_word_t)mi_k);\n    }\n");
    p("    mica_send(later->slot, mi_info);\n"
      "    (void)mica_cnode_delete(later->root, later->slot, later->depth);\n}\n\n");
}

static int emit_server(const idl_iface_t *ifc, const char *base)
{
    char N[128];
    snprintf(N, sizeof N, "%s", upper(ifc->name));
    p("/* %s_server.c - generated by mica-idlc from %s; do not edit. */\n", ifc->name, base);
    p("#include <stdbool.h>\n#include <stdint.h>\n#include <string.h>\n\n"
      "#include <mica/idl.h>\n#include <mica/objects.h>\n#include <mica/syscalls.h>\n\n");
    p("#include \"%s.h\"\n\n", ifc->name);
    for (int i = 0; i < ifc->nmembers; i++)
        if (!ifc->members[i].is_skip && (ifc->members[i].method->attrs & ATTR_DEFERRED))
            emit_deferred_reply(ifc, ifc->members[i].method);
    for (int i = 0; i < ifc->nmembers; i++)
        if (!ifc->members[i].is_skip)
            emit_server_method(ifc, ifc->members[i].method);

    p("mica_msginfo_t %s_dispatch(const %s_ops_t *ops, void *ctx, mica_msginfo_t in,\n"
      "                           mica_word_t badge, mica_idl_slots_t *slots, bool *reply)\n{\n",
      ifc->name, ifc->name);
    p("    mica_word_t mi_label = mica_msginfo_get_label(in);\n    *reply = true;\n");
    p("    if (badge & MICA_IDL_NTFN_BADGE_BIT) {  /* the bound notification, not a request */\n"
      "        *reply = false;\n"
      "        if (ops->notified)\n"
      "            ops->notified(ctx, badge & ~MICA_IDL_NTFN_BADGE_BIT);\n"
      "        return mica_idl_error(0);\n    }\n");
    p("    if (mi_label < %s_BASE || mi_label > %s_BASE + %s_MAX_METHOD)\n"
      "        return mica_idl_error(MICA_IDL_BAD_METHOD);\n", N, N, N);
    p("    switch (mi_label - %s_BASE) {\n", N);
    p("    case 0:                        /* describe */\n"
      "        if (mica_msginfo_get_length(in) != 0 || mica_msginfo_get_extra_caps(in) != 0)\n"
      "            return mica_idl_error(MICA_IDL_BAD_ARGS);\n"
      "        mica_set_mr(0, %s_VERSION);\n        mica_set_mr(1, %s_IFACE_HASH);\n"
      "        mica_set_mr(2, %s_MAX_METHOD);\n        return mica_msginfo_new(0, 0, 0, 3);\n",
      N, N, N);
    for (int i = 0; i < ifc->nmembers; i++) {
        if (ifc->members[i].is_skip)
            continue;
        const idl_method_t *m = ifc->members[i].method;
        p("    case %llu:\n        return %s_x_%s(ops, ctx, in, badge, slots, reply);\n",
          (unsigned long long)m->number, ifc->name, m->name);
    }
    p("    default:                       /* a skipped or unused number */\n"
      "        return mica_idl_error(MICA_IDL_BAD_METHOD);\n    }\n}\n\n");

    p("_Noreturn void %s_serve(mica_cptr_t ep, const %s_ops_t *ops, void *ctx,\n"
      "                        mica_idl_slots_t *slots)\n{\n", ifc->name, ifc->name);
    p("    mica_word_t badge = 0;\n    mica_msginfo_t out = mica_idl_error(0);\n"
      "    bool reply = false;\n");
    p("    for (;;) {\n");
    p("        if (slots) {\n"
      "            if (!slots->recv_slot && slots->alloc)\n"
      "                slots->recv_slot = slots->alloc(slots->ctx);\n"
      "            mica_set_cap_receive_path(slots->root, slots->recv_slot, slots->depth);\n"
      "        }\n");
    p("        mica_msginfo_t in = reply ? mica_reply_recv(ep, out, &badge) : mica_recv(ep, &badge);\n");
    p("        out = %s_dispatch(ops, ctx, in, badge, slots, &reply);\n", ifc->name);
    p("        if (slots && mica_msginfo_get_extra_caps(in) > mica_msginfo_get_caps_unwrapped(in)) {\n"
      "            /* A cap arrived: the handler keeps it on success, else it goes. */\n"
      "            if (reply && mica_msginfo_get_label(out) != 0)\n"
      "                (void)mica_cnode_delete(slots->root, slots->recv_slot, slots->depth);\n"
      "            else\n"
      "                slots->recv_slot = 0;\n"
      "        }\n");
    p("    }\n}\n");
    return 0;
}

/* --- trace names --------------------------------------------------------------------- */

static int emit_trace(const idl_iface_t *ifc, const char *base)
{
    char N[128];
    snprintf(N, sizeof N, "%s", upper(ifc->name));
    p("/* %s_trace.c - generated by mica-idlc from %s; do not edit. */\n", ifc->name, base);
    p("#include <mica/idl.h>\n\n#include \"%s.h\"\n\n", ifc->name);
    p("static const mica_idl_trace_method_t %s_trace_methods[] = {\n", ifc->name);
    p("    { %s_LABEL_DESCRIBE, \"%s.describe\" },\n", N, ifc->name);
    int n = 1;
    for (int i = 0; i < ifc->nmembers; i++) {
        if (ifc->members[i].is_skip)
            continue;
        const idl_method_t *m = ifc->members[i].method;
        p("    { %s_LABEL_", N);
        p("%s, \"%s.%s\" },\n", upper(m->name), ifc->name, m->name);
        n++;
    }
    p("};\n\n");
    /* Error names for the log's reply lines ("fs.open: NOT_FOUND"); C has no empty arrays. */
    if (ifc->nerrors) {
        p("static const mica_idl_trace_status_t %s_trace_errors[] = {\n", ifc->name);
        for (int i = 0; i < ifc->nerrors; i++) {
            p("    { %s_", N);
            p("%s, ", upper(ifc->errors[i].name));
            p("\"%s\" },\n", upper(ifc->errors[i].name));
        }
        p("};\n\n");
    }
    p("static const mica_idl_trace_iface_t %s_trace_iface = {\n"
      "    \"%s\", %s_BASE, %s_trace_methods, %d,\n", ifc->name, ifc->name, N, ifc->name, n);
    if (ifc->nerrors)
        p("    %s_trace_errors, %d,\n", ifc->name, ifc->nerrors);
    else
        p("    0, 0,\n");
    p("};\n\n");
    p("void %s_trace_register(void)\n{\n    (void)mica_idl_trace_register(&%s_trace_iface);\n}\n",
      ifc->name, ifc->name);
    return 0;
}

/* --- files --------------------------------------------------------------------------- */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int write_file(const char *outdir, const idl_iface_t *ifc, const char *suffix,
                      int (*fn)(const idl_iface_t *, const char *))
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s%s", outdir, ifc->name, suffix);
    out = fopen(path, "w");
    if (!out) {
        fprintf(stderr, "mica-idlc: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = fn(ifc, base_name(ifc->path));
    if (fclose(out) != 0 || rc != 0) {
        fprintf(stderr, "mica-idlc: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

int idl_emit_all(const idl_iface_t *ifc, const char *outdir)
{
    if (write_file(outdir, ifc, ".h", emit_header) || write_file(outdir, ifc, "_client.c", emit_client)
        || write_file(outdir, ifc, "_server.c", emit_server)
        || write_file(outdir, ifc, "_trace.c", emit_trace))
        return 1;
    return 0;
}

static void dep_imports(FILE *f, const idl_iface_t *ifc)
{
    for (int i = 0; i < ifc->nimports; i++) {
        fprintf(f, " %s", ifc->imports[i]->path);
        dep_imports(f, ifc->imports[i]);
    }
}

int idl_emit_depfile(const idl_iface_t *ifc, const char *outdir, const char *depfile)
{
    FILE *f = fopen(depfile, "w");
    if (!f) {
        fprintf(stderr, "mica-idlc: cannot write %s: %s\n", depfile, strerror(errno));
        return 1;
    }
    fprintf(f, "%s/%s.h %s/%s_client.c %s/%s_server.c %s/%s_trace.c: %s", outdir, ifc->name,
            outdir, ifc->name, outdir, ifc->name, outdir, ifc->name, ifc->path);
    dep_imports(f, ifc);
    fputc('\n', f);
    return fclose(f) ? 1 : 0;
}
