/*
 * lexer.h — the GraphQL lexer (spec §2.1, September 2025 edition), internal
 * to the engine.
 *
 * The lexer turns UTF-8 source text into tokens one at a time, on demand:
 * the parser pulls the next token when it needs it, so nothing but string
 * values is ever copied. Ignored tokens (white space, line terminators,
 * commas, the byte order mark, comments) are skipped; comments can be kept
 * for tests and tools.
 *
 * Locations follow graphql-js: lines are counted at "\n", "\r\n" and "\r",
 * columns are 1-based and count UTF-16 code units (one per code point below
 * U+10000, two above), offsets are bytes.
 *
 * Memory: the lexer borrows the source text; string values and error
 * messages are allocated in the arena given to gql_lexer_init. Nothing is
 * malloc'd.
 */
#ifndef GQL_LEXER_H
#define GQL_LEXER_H

#include "gql_int.h" /* gql__utf8_decode and friends */

/* Nesting bound of the parser (selection sets, list and object values, list
 * types combined): deeper documents are rejected before the C stack is at
 * risk. */
#define GQL_MAX_NESTING 256

typedef enum gql_tok {
    GQL_TOK_SOF = 0, /* before the first token */
    GQL_TOK_EOF,
    GQL_TOK_BANG,      /* ! */
    GQL_TOK_DOLLAR,    /* $ */
    GQL_TOK_AMP,       /* & */
    GQL_TOK_PAREN_L,   /* ( */
    GQL_TOK_PAREN_R,   /* ) */
    GQL_TOK_SPREAD,    /* ... */
    GQL_TOK_COLON,     /* : */
    GQL_TOK_EQUALS,    /* = */
    GQL_TOK_AT,        /* @ */
    GQL_TOK_BRACKET_L, /* [ */
    GQL_TOK_BRACKET_R, /* ] */
    GQL_TOK_BRACE_L,   /* { */
    GQL_TOK_PIPE,      /* | */
    GQL_TOK_BRACE_R,   /* } */
    GQL_TOK_NAME,
    GQL_TOK_INT,
    GQL_TOK_FLOAT,
    GQL_TOK_STRING,
    GQL_TOK_BLOCK_STRING,
    GQL_TOK_COMMENT,
} gql_tok_t;

/* One token. `value`/`len` depend on the kind:
 *  - NAME, INT, FLOAT: the token's text, pointing into the source (not
 *    NUL-terminated);
 *  - COMMENT: the text after '#', pointing into the source;
 *  - STRING, BLOCK_STRING: the decoded value (escapes resolved, block
 *    strings dedented), NUL-terminated, in the lexer's arena; it may contain
 *    NUL bytes, so use len;
 *  - punctuators, SOF, EOF: NULL and 0. */
typedef struct gql_token {
    gql_tok_t kind;
    gql_loc_t loc; /* of the first character */
    uint32_t end;  /* byte offset just after the token */
    const char *value;
    size_t len;
} gql_token_t;

/* The lexer's state. Fields are private to lexer.c except `error` and
 * `error_loc`, which describe the last failure. */
typedef struct gql_lexer {
    const char *src; /* borrowed */
    size_t len;
    size_t pos;         /* next byte to read */
    uint32_t line;      /* line of `pos` */
    size_t line_start;  /* byte offset where that line starts */
    size_t line_extra;  /* bytes on this line before pos that are not UTF-16 units of their own */
    gql_arena_t *arena; /* borrowed: string values and error messages */
    bool keep_comments; /* return COMMENT tokens instead of skipping them */
    const char *error;  /* "Syntax Error: ..." after a failure, in the arena */
    gql_loc_t error_loc;
} gql_lexer_t;

/* Prepares to read src[0..len). The source must outlive the tokens (names and
 * numbers point into it). len must be below 4 GiB (offsets are 32-bit). */
void gql_lexer_init(gql_lexer_t *lx, gql_arena_t *arena, const char *src, size_t len);

/* Reads the next token into *tok. Returns 0, GQL_EFAIL with lx->error and
 * lx->error_loc set on a syntax error, or GQL_ENOMEM. After EOF every call
 * returns EOF again. */
int gql_lexer_next(gql_lexer_t *lx, gql_token_t *tok);

/* How messages name a token kind: "Name", "<EOF>", "\"{\"" (punctuators are
 * quoted), as graphql-js's getTokenKindDesc. */
const char *gql_tok_desc(gql_tok_t kind);

/* The line and column of byte `offset` in src, computed as graphql-js's
 * getLocation does (for error positions; tokens carry their own). */
gql_loc_t gql__loc_at(const char *src, size_t len, size_t offset);

/* Records a syntax error at byte `offset`: sets lx->error to "Syntax Error: "
 * followed by the formatted text and lx->error_loc. Returns GQL_EFAIL (or
 * GQL_ENOMEM when the message cannot be allocated). */
int gql__lex_error(gql_lexer_t *lx, size_t offset, const char *fmt, ...) GQL_PRINTF(3, 4);

#endif
