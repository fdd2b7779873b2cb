/*
 * lex.c - the .mi lexer: C identifiers, decimal and 0x integers, "strings"
 * (import paths), punctuation and "->"; // and block comments are skipped.
 * Positions are 1-based lines and columns (a tab counts as one column).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "idlc.h"

_Noreturn void idl_fail(idl_pos_t pos, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d:%d: ", pos.file, pos.line, pos.col);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

void *idl_alloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        fprintf(stderr, "mica-idlc: out of memory\n");
        exit(1);
    }
    return p;
}

char *idl_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(idl_alloc(n), s, n);
}

void idl_lex_init(idl_lexer_t *lx, const char *file, const char *src)
{
    lx->file = file;
    lx->src = lx->p = src;
    lx->line = lx->col = 1;
}

static idl_pos_t here(const idl_lexer_t *lx)
{
    return (idl_pos_t){ lx->file, lx->line, lx->col };
}

static void advance(idl_lexer_t *lx)
{
    if (*lx->p == '\n') {
        lx->line++;
        lx->col = 1;
    } else {
        lx->col++;
    }
    lx->p++;
}

static void skip_space_and_comments(idl_lexer_t *lx)
{
    for (;;) {
        if (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n' || *lx->p == '\r') {
            advance(lx);
        } else if (lx->p[0] == '/' && lx->p[1] == '/') {
            while (*lx->p && *lx->p != '\n')
                advance(lx);
        } else if (lx->p[0] == '/' && lx->p[1] == '*') {
            idl_pos_t start = here(lx);
            advance(lx);
            advance(lx);
            while (*lx->p && !(lx->p[0] == '*' && lx->p[1] == '/'))
                advance(lx);
            if (!*lx->p)
                idl_fail(start, "unterminated comment");
            advance(lx);
            advance(lx);
        } else {
            return;
        }
    }
}

static idl_tok_t lex_int(idl_lexer_t *lx, idl_tok_t t)
{
    uint64_t v = 0;
    unsigned base = 10;
    if (lx->p[0] == '0' && (lx->p[1] == 'x' || lx->p[1] == 'X')) {
        base = 16;
        advance(lx);
        advance(lx);
        if (!isxdigit((unsigned char)*lx->p))
            idl_fail(t.pos, "hexadecimal integer without digits");
    }
    while (isalnum((unsigned char)*lx->p) || *lx->p == '_') {
        int c = (unsigned char)*lx->p, d;
        if (isdigit(c))
            d = c - '0';
        else if (base == 16 && isxdigit(c))
            d = tolower(c) - 'a' + 10;
        else
            idl_fail(t.pos, "malformed integer");
        if (v > (UINT64_MAX - (unsigned)d) / base)
            idl_fail(t.pos, "integer does not fit in 64 bits");
        v = v * base + (unsigned)d;
        advance(lx);
    }
    t.kind = TK_INT;
    t.value = v;
    return t;
}

idl_tok_t idl_lex_next(idl_lexer_t *lx)
{
    skip_space_and_comments(lx);
    idl_tok_t t = { .pos = here(lx) };
    int c = (unsigned char)*lx->p;
    if (!c) {
        t.kind = TK_EOF;
        return t;
    }
    if (isalpha(c) || c == '_') {
        const char *s = lx->p;
        while (isalnum((unsigned char)*lx->p) || *lx->p == '_')
            advance(lx);
        size_t n = (size_t)(lx->p - s);
        t.kind = TK_ID;
        t.text = idl_alloc(n + 1);
        memcpy(t.text, s, n);
        return t;
    }
    if (isdigit(c))
        return lex_int(lx, t);
    if (c == '"') {
        advance(lx);
        const char *s = lx->p;
        while (*lx->p && *lx->p != '"' && *lx->p != '\n')
            advance(lx);
        if (*lx->p != '"')
            idl_fail(t.pos, "unterminated string");
        size_t n = (size_t)(lx->p - s);
        advance(lx);
        t.kind = TK_STRING;
        t.text = idl_alloc(n + 1);
        memcpy(t.text, s, n);
        return t;
    }
    if (c == '-' && lx->p[1] == '>') {
        advance(lx);
        advance(lx);
        t.kind = TK_ARROW;
        return t;
    }
    static const struct { char c; idl_tok_kind_t k; } punct[] = {
        { '{', TK_LBRACE }, { '}', TK_RBRACE }, { '(', TK_LPAREN }, { ')', TK_RPAREN },
        { '[', TK_LBRACK }, { ']', TK_RBRACK }, { '<', TK_LT }, { '>', TK_GT },
        { ',', TK_COMMA }, { ';', TK_SEMI }, { ':', TK_COLON }, { '=', TK_EQ },
    };
    for (size_t i = 0; i < sizeof punct / sizeof punct[0]; i++)
        if (punct[i].c == c) {
            advance(lx);
            t.kind = punct[i].k;
            return t;
        }
    if (isprint(c))
        idl_fail(t.pos, "unexpected character '%c'", c);
    idl_fail(t.pos, "unexpected byte 0x%02x", (unsigned)c);
}

const char *idl_tok_describe(const idl_tok_t *t, char *buf, size_t n)
{
    static const char *names[] = {
        [TK_EOF] = "end of file", [TK_LBRACE] = "'{'", [TK_RBRACE] = "'}'",
        [TK_LPAREN] = "'('", [TK_RPAREN] = "')'", [TK_LBRACK] = "'['", [TK_RBRACK] = "']'",
        [TK_LT] = "'<'", [TK_GT] = "'>'", [TK_COMMA] = "','", [TK_SEMI] = "';'",
        [TK_COLON] = "':'", [TK_EQ] = "'='", [TK_ARROW] = "'->'",
    };
    switch (t->kind) {
    case TK_ID:
        snprintf(buf, n, "'%s'", t->text);
        return buf;
    case TK_INT:
        snprintf(buf, n, "integer %llu", (unsigned long long)t->value);
        return buf;
    case TK_STRING:
        snprintf(buf, n, "string \"%s\"", t->text);
        return buf;
    default:
        return names[t->kind];
    }
}
