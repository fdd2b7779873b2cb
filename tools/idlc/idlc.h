/*
 * idlc.h - mica-idlc, the interface generator: the syntax tree of a .mi
 * file and the passes over it (lexer, parser, checker, emitters).
 *
 * A .mi file declares one interface: types, errors and numbered methods.
 * The checker computes each method's number, label and wire layout; the
 * emitters write the header, client stubs, server dispatcher and trace
 * names from that. A wrong .mi file stops the generator with one line
 * "file:line:col: message" on stderr and exit status 1.
 */
#ifndef MICA_IDLC_H
#define MICA_IDLC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* MICA_MSG_MAX_LENGTH: the words one message carries. */
#define IDL_MAX_WORDS 120u
/* A [fast] method's words per direction: the four message registers. */
#define IDL_FAST_WORDS 4u

typedef struct idl_pos {
    const char *file;
    int line, col;
} idl_pos_t;

/* Print "file:line:col: message" and exit 1. */
_Noreturn void idl_fail(idl_pos_t pos, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Allocation that cannot fail (the generator exits on exhaustion). */
void *idl_alloc(size_t n);
char *idl_strdup(const char *s);

/* --- tokens ---------------------------------------------------------------------- */

typedef enum idl_tok_kind {
    TK_EOF, TK_ID, TK_INT, TK_STRING,
    TK_LBRACE, TK_RBRACE, TK_LPAREN, TK_RPAREN, TK_LBRACK, TK_RBRACK,
    TK_LT, TK_GT, TK_COMMA, TK_SEMI, TK_COLON, TK_EQ, TK_ARROW,
} idl_tok_kind_t;

typedef struct idl_tok {
    idl_tok_kind_t kind;
    idl_pos_t pos;
    char *text;            /* TK_ID, TK_STRING (without quotes) */
    uint64_t value;        /* TK_INT */
} idl_tok_t;

typedef struct idl_lexer {
    const char *file;
    const char *src, *p;
    int line, col;
} idl_lexer_t;

void idl_lex_init(idl_lexer_t *lx, const char *file, const char *src);
idl_tok_t idl_lex_next(idl_lexer_t *lx);
const char *idl_tok_describe(const idl_tok_t *t, char *buf, size_t n);

/* --- types ----------------------------------------------------------------------- */

typedef enum idl_scalar {
    SC_U8, SC_U16, SC_U32, SC_U64, SC_I8, SC_I16, SC_I32, SC_I64, SC_BOOL, SC_WORD, SC_CPTR,
    SC_COUNT
} idl_scalar_t;

typedef enum idl_type_kind {
    TY_NAMED, TY_SCALAR, TY_ENUM, TY_STRUCT, TY_STRING, TY_BYTES, TY_ARRAY, TY_LEASE, TY_CAP, TY_BADGE,
} idl_type_kind_t;

typedef enum idl_captype {
    CAP_ANY, CAP_ENDPOINT, CAP_NOTIFICATION, CAP_FRAME, CAP_CNODE, CAP_TCB, CAP_UNTYPED,
} idl_captype_t;

enum { LEASE_R = 1, LEASE_W = 2, LEASE_RW = 3 };

struct idl_decl;

typedef struct idl_type {
    idl_type_kind_t kind;
    idl_pos_t pos;
    char *ref;                     /* TY_NAMED: the name, resolved by the checker */
    idl_scalar_t scalar;           /* TY_SCALAR */
    struct idl_decl *decl;         /* TY_ENUM, TY_STRUCT: the declaration */
    struct idl_type *elem;         /* TY_ARRAY */
    uint64_t bound;                /* TY_STRING, TY_BYTES, TY_LEASE: N; TY_ARRAY: count */
    int lease_dir;                 /* TY_LEASE: LEASE_* */
    idl_captype_t captype;         /* TY_CAP */
} idl_type_t;

typedef struct idl_enumerator {
    char *name;
    idl_pos_t pos;
    uint64_t value;
} idl_enumerator_t;

typedef struct idl_field {
    char *name;
    idl_pos_t pos;
    idl_type_t *type;
} idl_field_t;

typedef enum idl_decl_kind { DECL_TYPEDEF, DECL_ENUM, DECL_STRUCT } idl_decl_kind_t;

typedef struct idl_decl {
    idl_decl_kind_t kind;
    char *name;
    idl_pos_t pos;
    const char *prefix;            /* the declaring interface's name (imports keep theirs) */
    idl_type_t *type;              /* DECL_TYPEDEF: the aliased type; DECL_ENUM: the scalar */
    idl_enumerator_t *items;       /* DECL_ENUM */
    int nitems;
    idl_field_t *fields;           /* DECL_STRUCT */
    int nfields;
} idl_decl_t;

typedef struct idl_param {
    char *name;
    idl_pos_t pos;
    idl_type_t *type;
    bool out;
} idl_param_t;

enum { ATTR_DEFERRED = 1, ATTR_FAST = 2, ATTR_IDEMPOTENT = 4 };

typedef struct idl_method {
    char *name;
    idl_pos_t pos;
    bool oneway;
    bool has_reply_list;           /* "-> (...)" was written */
    int attrs;                     /* ATTR_* */
    bool explicit_number;
    idl_pos_t number_pos;
    uint64_t number;               /* assigned by the checker when not explicit */
    idl_param_t *params;           /* ins then outs, in declaration order */
    int nparams;
    /* Computed by the checker. */
    unsigned in_words, out_words;  /* message lengths (fixed) */
    bool in_cap, out_cap;          /* one cap per direction at most */
} idl_method_t;

typedef struct idl_skip {
    idl_pos_t pos;
    uint64_t number;
    bool explicit_number;
} idl_skip_t;

/* A member in declaration order: methods and skips share the numbering. */
typedef struct idl_member {
    bool is_skip;
    idl_method_t *method;
    idl_skip_t *skip;
} idl_member_t;

typedef struct idl_iface {
    const char *path;              /* as given on the command line or in the import */
    char *name;
    idl_pos_t pos;
    uint64_t base, version;
    idl_decl_t **decls;
    int ndecls;
    idl_enumerator_t *errors;
    int nerrors;
    bool has_errors;
    idl_pos_t errors_pos;
    idl_member_t *members;
    int nmembers;
    struct idl_iface **imports;
    int nimports;
    uint32_t hash;                 /* FNV-1a of the method signatures */
    uint64_t max_number;           /* highest method or skip number */
} idl_iface_t;

/* Parse path (and, recursively, its imports). */
idl_iface_t *idl_parse_file(const char *path);
/* Resolve names, number methods, compute layouts; idl_fail on the first error. */
void idl_check(idl_iface_t *ifc);

/* Words a value of t takes in a message (caps and badges take none). */
unsigned idl_type_words(const idl_type_t *t);
const char *idl_scalar_name(idl_scalar_t s);
const char *idl_captype_name(idl_captype_t c);

/* --- emitters -------------------------------------------------------------------- */

int idl_emit_all(const idl_iface_t *ifc, const char *outdir);
int idl_emit_depfile(const idl_iface_t *ifc, const char *outdir, const char *depfile);

#endif
