/*
 * parse.c - recursive-descent parser for .mi files (grammar in
 * docs/idl.md). Imports are parsed when met, relative to the importing
 * file's directory; an import cycle or an unreadable file is an error at
 * the import's position.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "idlc.h"

typedef struct parser {
    idl_lexer_t lx;
    idl_tok_t tok;
} parser_t;

/* The files being parsed, outermost first: an import of one of them is a cycle. */
#define MAX_IMPORT_DEPTH 32
static const char *open_files[MAX_IMPORT_DEPTH];
static int nopen;

/* Every file parsed, so that one imported twice is parsed once. */
static idl_iface_t **parsed;
static int nparsed;

static void next(parser_t *ps)
{
    ps->tok = idl_lex_next(&ps->lx);
}

static _Noreturn void expected(parser_t *ps, const char *what)
{
    char buf[128];
    idl_fail(ps->tok.pos, "expected %s, found %s", what,
             idl_tok_describe(&ps->tok, buf, sizeof buf));
}

static idl_pos_t expect(parser_t *ps, idl_tok_kind_t k, const char *what)
{
    if (ps->tok.kind != k)
        expected(ps, what);
    idl_pos_t pos = ps->tok.pos;
    next(ps);
    return pos;
}

static bool is_word(const parser_t *ps, const char *w)
{
    return ps->tok.kind == TK_ID && strcmp(ps->tok.text, w) == 0;
}

static bool accept(parser_t *ps, idl_tok_kind_t k)
{
    if (ps->tok.kind != k)
        return false;
    next(ps);
    return true;
}

static char *expect_id(parser_t *ps, const char *what, idl_pos_t *pos)
{
    if (ps->tok.kind != TK_ID)
        expected(ps, what);
    char *s = ps->tok.text;
    if (pos)
        *pos = ps->tok.pos;
    next(ps);
    return s;
}

static uint64_t expect_int(parser_t *ps, const char *what, idl_pos_t *pos)
{
    if (ps->tok.kind != TK_INT)
        expected(ps, what);
    uint64_t v = ps->tok.value;
    if (pos)
        *pos = ps->tok.pos;
    next(ps);
    return v;
}

#define GROW(arr, n) ((arr) = realloc_array((arr), (size_t)(n) + 1, sizeof *(arr)))
static void *realloc_array(void *p, size_t n, size_t size)
{
    void *q = realloc(p, n * size);
    if (!q) {
        fprintf(stderr, "mica-idlc: out of memory\n");
        exit(1);
    }
    memset((char *)q + (n - 1) * size, 0, size);
    return q;
}

static const char *const scalar_names[SC_COUNT] = {
    "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "bool", "word", "cptr",
};

const char *idl_scalar_name(idl_scalar_t s)
{
    return scalar_names[s];
}

static int scalar_of(const char *name)
{
    for (int i = 0; i < SC_COUNT; i++)
        if (strcmp(name, scalar_names[i]) == 0)
            return i;
    return -1;
}

static const char *const captype_names[] = {
    [CAP_ANY] = "any", [CAP_ENDPOINT] = "endpoint", [CAP_NOTIFICATION] = "notification",
    [CAP_FRAME] = "frame", [CAP_CNODE] = "cnode", [CAP_TCB] = "tcb", [CAP_UNTYPED] = "untyped",
};

const char *idl_captype_name(idl_captype_t c)
{
    return captype_names[c];
}

static idl_type_t *new_type(idl_type_kind_t kind, idl_pos_t pos)
{
    idl_type_t *t = idl_alloc(sizeof *t);
    t->kind = kind;
    t->pos = pos;
    return t;
}

/* "<" INT ">" after string/bytes. */
static uint64_t bound(parser_t *ps)
{
    expect(ps, TK_LT, "'<'");
    uint64_t n = expect_int(ps, "a bound", NULL);
    expect(ps, TK_GT, "'>'");
    return n;
}

static idl_type_t *parse_type(parser_t *ps)
{
    idl_pos_t pos = ps->tok.pos;
    if (ps->tok.kind != TK_ID)
        expected(ps, "a type");
    char *name = ps->tok.text;
    idl_type_t *t;
    int sc = scalar_of(name);
    next(ps);
    if (sc >= 0) {
        t = new_type(TY_SCALAR, pos);
        t->scalar = (idl_scalar_t)sc;
    } else if (strcmp(name, "string") == 0 || strcmp(name, "bytes") == 0) {
        t = new_type(name[0] == 's' ? TY_STRING : TY_BYTES, pos);
        t->bound = bound(ps);
    } else if (strcmp(name, "lease") == 0) {
        t = new_type(TY_LEASE, pos);
        expect(ps, TK_LT, "'<'");
        char *dir = expect_id(ps, "a lease direction (r, w or rw)", NULL);
        if (strcmp(dir, "r") == 0)
            t->lease_dir = LEASE_R;
        else if (strcmp(dir, "w") == 0)
            t->lease_dir = LEASE_W;
        else if (strcmp(dir, "rw") == 0)
            t->lease_dir = LEASE_RW;
        else
            idl_fail(pos, "lease direction '%s' is not r, w or rw", dir);
        expect(ps, TK_COMMA, "','");
        t->bound = expect_int(ps, "a lease bound", NULL);
        expect(ps, TK_GT, "'>'");
    } else if (strcmp(name, "cap") == 0) {
        t = new_type(TY_CAP, pos);
        t->captype = CAP_ANY;
        if (accept(ps, TK_LT)) {
            idl_pos_t cpos;
            char *ct = expect_id(ps, "a cap type", &cpos);
            size_t i;
            for (i = 0; i < sizeof captype_names / sizeof captype_names[0]; i++)
                if (strcmp(ct, captype_names[i]) == 0)
                    break;
            if (i == sizeof captype_names / sizeof captype_names[0])
                idl_fail(cpos, "unknown cap type '%s'", ct);
            t->captype = (idl_captype_t)i;
            expect(ps, TK_GT, "'>'");
        }
    } else if (strcmp(name, "badge") == 0) {
        t = new_type(TY_BADGE, pos);
    } else {
        t = new_type(TY_NAMED, pos);
        t->ref = name;
    }
    while (ps->tok.kind == TK_LBRACK) {
        idl_pos_t apos = ps->tok.pos;
        next(ps);
        idl_type_t *a = new_type(TY_ARRAY, apos);
        a->elem = t;
        a->bound = expect_int(ps, "an array length", NULL);
        expect(ps, TK_RBRACK, "']'");
        t = a;
    }
    return t;
}

static void parse_enumerators(parser_t *ps, idl_enumerator_t **items, int *n)
{
    expect(ps, TK_LBRACE, "'{'");
    do {
        if (ps->tok.kind == TK_RBRACE && *n > 0)
            break;                              /* trailing comma */
        idl_enumerator_t e;
        e.name = expect_id(ps, "a name", &e.pos);
        expect(ps, TK_EQ, "'='");
        e.value = expect_int(ps, "a value", NULL);
        GROW(*items, *n);
        (*items)[(*n)++] = e;
    } while (accept(ps, TK_COMMA));
    expect(ps, TK_RBRACE, "'}'");
    expect(ps, TK_SEMI, "';'");
}

static void add_decl(idl_iface_t *ifc, idl_decl_t *d)
{
    GROW(ifc->decls, ifc->ndecls);
    ifc->decls[ifc->ndecls++] = d;
}

static void parse_params(parser_t *ps, idl_method_t *m, bool outs)
{
    expect(ps, TK_LPAREN, "'('");
    if (accept(ps, TK_RPAREN))
        return;
    do {
        idl_param_t p = { .out = outs };
        if (is_word(ps, "in") || is_word(ps, "out")) {
            bool out = ps->tok.text[0] == 'o';
            if (out != outs)
                idl_fail(ps->tok.pos, "'%s' parameter %s '->'", ps->tok.text,
                         outs ? "after" : "before");
            next(ps);
        }
        p.type = parse_type(ps);
        p.name = expect_id(ps, "a parameter name", &p.pos);
        GROW(m->params, m->nparams);
        m->params[m->nparams++] = p;
    } while (accept(ps, TK_COMMA));
    expect(ps, TK_RPAREN, "')'");
}

static void parse_method(parser_t *ps, idl_iface_t *ifc)
{
    idl_method_t *m = idl_alloc(sizeof *m);
    if (ps->tok.kind == TK_LBRACK) {
        next(ps);
        do {
            idl_pos_t apos;
            char *a = expect_id(ps, "an attribute", &apos);
            int bit = strcmp(a, "deferred") == 0 ? ATTR_DEFERRED
                    : strcmp(a, "fast") == 0 ? ATTR_FAST
                    : strcmp(a, "idempotent") == 0 ? ATTR_IDEMPOTENT : 0;
            if (!bit)
                idl_fail(apos, "unknown attribute '%s'", a);
            if (m->attrs & bit)
                idl_fail(apos, "attribute '%s' given twice", a);
            m->attrs |= bit;
        } while (accept(ps, TK_COMMA));
        expect(ps, TK_RBRACK, "']'");
    }
    if (is_word(ps, "oneway"))
        m->oneway = true;
    else if (!is_word(ps, "call"))
        expected(ps, "'call' or 'oneway'");
    next(ps);
    m->name = expect_id(ps, "a method name", &m->pos);
    parse_params(ps, m, false);
    if (ps->tok.kind == TK_ARROW) {
        if (m->oneway)
            idl_fail(ps->tok.pos, "oneway method '%s' has no reply", m->name);
        next(ps);
        m->has_reply_list = true;
        parse_params(ps, m, true);
    }
    if (accept(ps, TK_EQ)) {
        m->explicit_number = true;
        m->number = expect_int(ps, "a method number", &m->number_pos);
    }
    expect(ps, TK_SEMI, "';'");
    GROW(ifc->members, ifc->nmembers);
    ifc->members[ifc->nmembers++] = (idl_member_t){ .method = m };
}

static void parse_member(parser_t *ps, idl_iface_t *ifc)
{
    if (is_word(ps, "type")) {
        idl_decl_t *d = idl_alloc(sizeof *d);
        d->kind = DECL_TYPEDEF;
        next(ps);
        d->name = expect_id(ps, "a type name", &d->pos);
        expect(ps, TK_EQ, "'='");
        d->type = parse_type(ps);
        expect(ps, TK_SEMI, "';'");
        add_decl(ifc, d);
    } else if (is_word(ps, "enum")) {
        idl_decl_t *d = idl_alloc(sizeof *d);
        d->kind = DECL_ENUM;
        next(ps);
        d->name = expect_id(ps, "an enum name", &d->pos);
        expect(ps, TK_COLON, "':'");
        d->type = parse_type(ps);
        parse_enumerators(ps, &d->items, &d->nitems);
        add_decl(ifc, d);
    } else if (is_word(ps, "struct")) {
        idl_decl_t *d = idl_alloc(sizeof *d);
        d->kind = DECL_STRUCT;
        next(ps);
        d->name = expect_id(ps, "a struct name", &d->pos);
        expect(ps, TK_LBRACE, "'{'");
        while (ps->tok.kind != TK_RBRACE) {
            idl_field_t f;
            f.type = parse_type(ps);
            f.name = expect_id(ps, "a field name", &f.pos);
            expect(ps, TK_SEMI, "';'");
            GROW(d->fields, d->nfields);
            d->fields[d->nfields++] = f;
        }
        next(ps);
        expect(ps, TK_SEMI, "';'");
        add_decl(ifc, d);
    } else if (is_word(ps, "errors")) {
        if (ifc->has_errors)
            idl_fail(ps->tok.pos, "a second errors block (the first is at line %d)",
                     ifc->errors_pos.line);
        ifc->has_errors = true;
        ifc->errors_pos = ps->tok.pos;
        next(ps);
        parse_enumerators(ps, &ifc->errors, &ifc->nerrors);
    } else if (is_word(ps, "skip")) {
        idl_skip_t *s = idl_alloc(sizeof *s);
        s->pos = ps->tok.pos;
        next(ps);
        if (ps->tok.kind == TK_INT) {
            s->explicit_number = true;
            s->number = ps->tok.value;
            next(ps);
        }
        expect(ps, TK_SEMI, "';'");
        GROW(ifc->members, ifc->nmembers);
        ifc->members[ifc->nmembers++] = (idl_member_t){ .is_skip = true, .skip = s };
    } else if (ps->tok.kind == TK_LBRACK || is_word(ps, "call") || is_word(ps, "oneway")) {
        parse_method(ps, ifc);
    } else {
        expected(ps, "a declaration, 'skip' or a method");
    }
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = idl_alloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            char *b = realloc(buf, cap);
            if (!b) {
                fprintf(stderr, "mica-idlc: out of memory\n");
                exit(1);
            }
            buf = b;
        }
    }
    buf[n] = 0;
    fclose(f);
    if (memchr(buf, 0, n)) {
        free(buf);
        errno = EILSEQ;
        return NULL;
    }
    return buf;
}

static idl_iface_t *parse_path(const char *path, const char *src);

/* The import's path relative to the importing file's directory. */
static char *import_path(const char *from, const char *name)
{
    if (name[0] == '/')
        return idl_strdup(name);
    const char *slash = strrchr(from, '/');
    if (!slash)
        return idl_strdup(name);
    size_t dn = (size_t)(slash - from) + 1;
    char *p = idl_alloc(dn + strlen(name) + 1);
    memcpy(p, from, dn);
    strcpy(p + dn, name);
    return p;
}

static idl_iface_t *parse_import(parser_t *ps)
{
    idl_pos_t pos = ps->tok.pos;
    next(ps);
    if (ps->tok.kind != TK_STRING)
        expected(ps, "a file name in quotes");
    char *path = import_path(ps->lx.file, ps->tok.text);
    next(ps);
    expect(ps, TK_SEMI, "';'");
    for (int i = 0; i < nopen; i++)
        if (strcmp(open_files[i], path) == 0)
            idl_fail(pos, "import cycle: '%s' imports itself", path);
    for (int i = 0; i < nparsed; i++)
        if (strcmp(parsed[i]->path, path) == 0)
            return parsed[i];
    if (nopen == MAX_IMPORT_DEPTH)
        idl_fail(pos, "imports nested deeper than %d", MAX_IMPORT_DEPTH);
    char *src = read_file(path);
    if (!src)
        idl_fail(pos, "cannot read import '%s': %s", path, strerror(errno));
    idl_iface_t *imp = parse_path(path, src);
    idl_check(imp);
    return imp;
}

static idl_iface_t *parse_path(const char *path, const char *src)
{
    parser_t ps;
    idl_iface_t *ifc = idl_alloc(sizeof *ifc);
    ifc->path = path;
    open_files[nopen++] = path;
    idl_lex_init(&ps.lx, path, src);
    next(&ps);
    while (is_word(&ps, "import")) {
        idl_iface_t *imp = parse_import(&ps);
        GROW(ifc->imports, ifc->nimports);
        ifc->imports[ifc->nimports++] = imp;
    }
    if (!is_word(&ps, "interface"))
        expected(&ps, "'interface'");
    next(&ps);
    ifc->name = expect_id(&ps, "an interface name", &ifc->pos);
    if (!is_word(&ps, "base"))
        expected(&ps, "'base'");
    next(&ps);
    ifc->base = expect_int(&ps, "the base label", NULL);
    if (is_word(&ps, "version")) {
        next(&ps);
        ifc->version = expect_int(&ps, "a version", NULL);
    }
    expect(&ps, TK_LBRACE, "'{'");
    while (ps.tok.kind != TK_RBRACE) {
        if (ps.tok.kind == TK_EOF)
            expected(&ps, "'}'");
        parse_member(&ps, ifc);
    }
    next(&ps);
    accept(&ps, TK_SEMI);
    if (ps.tok.kind != TK_EOF)
        expected(&ps, "end of file (one interface per file)");
    nopen--;
    GROW(parsed, nparsed);
    parsed[nparsed++] = ifc;
    return ifc;
}

idl_iface_t *idl_parse_file(const char *path)
{
    char *src = read_file(path);
    if (!src) {
        fprintf(stderr, "mica-idlc: cannot read %s: %s\n", path, strerror(errno));
        exit(1);
    }
    return parse_path(path, src);
}
