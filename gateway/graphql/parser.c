/*
 * parser.c — GraphQL documents to the syntax tree of ast.h (spec §2, the
 * September 2025 edition, as graphql-js 17 implements it).
 *
 * A recursive-descent parser with one token of lookahead (two where the
 * grammar needs it: after a description, and after `extend`). It stops at
 * the first error, which it reports in graphql-js's words with the location
 * of the offending token, and returns NULL.
 *
 * Memory: every node lives in the caller's arena. Lists are collected on a
 * scratch stack (a buffer inside the parser, moved to the heap only for very
 * large documents) and copied into the arena as one array when complete;
 * nested lists push above their parent's items, so one stack serves all.
 * Every list of the grammar is read by one of graphql-js's list shapes
 * (any, many, optionalMany, delimitedMany; see "Lists" below), each given a
 * function that parses one item and pushes it.
 *
 * Bounds: the document's size and token count follow gql_limits_t; nesting
 * (selection sets, list and object values, list types) is bounded by
 * GQL_MAX_NESTING so hostile input cannot exhaust the C stack.
 */
#include "ast.h"
#include "lexer.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define SCRATCH_INLINE 4096

typedef struct parser {
    gql_lexer_t lx;
    gql_token_t tok;   /* the current token */
    gql_token_t ahead; /* the one after it, when has_ahead */
    bool has_ahead;
    size_t ntokens;
    size_t max_tokens; /* 0: no limit */
    unsigned depth;    /* current nesting, see GQL_MAX_NESTING */
    gql_arena_t *arena;

    /* The first error: message (in the arena), location, extensions.code. */
    const char *err_msg;
    gql_loc_t err_loc;
    bool err_has_loc;
    const char *err_code;

    /* Names and number texts are packed into chunks of the arena: a bump
     * pointer instead of one 16-byte-aligned arena allocation each. */
    char *pool;
    size_t pool_left;

    /* Scratch stack for lists under construction; `scratch` points to
     * `inline_buf` or, once grown, to a malloc'd block the parser frees. */
    unsigned char *scratch;
    size_t slen, scap;
    unsigned char inline_buf[SCRATCH_INLINE];
} parser_t;

#define TRY(expr)                                                                                                      \
    do {                                                                                                               \
        int rc_ = (expr);                                                                                              \
        if (rc_ < 0)                                                                                                   \
            return rc_;                                                                                                \
    } while (0)

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/* Records the error (message formatted into the arena, prefixed with
 * "Syntax Error: " for syntax errors) and returns GQL_EFAIL. */
static int fail_at(parser_t *ps, const gql_loc_t *loc, const char *code, const char *fmt, ...) GQL_PRINTF(4, 5);
static int fail_at(parser_t *ps, const gql_loc_t *loc, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = gql_arena_vprintf(ps->arena, fmt, ap);
    va_end(ap);
    if (text == NULL)
        return GQL_ENOMEM;
    if (strcmp(code, GQL_CODE_SYNTAX) == 0)
        text = gql_arena_printf(ps->arena, "Syntax Error: %s", text);
    if (text == NULL)
        return GQL_ENOMEM;
    ps->err_msg = text;
    ps->err_code = code;
    ps->err_has_loc = loc != NULL;
    if (loc != NULL)
        ps->err_loc = *loc;
    return GQL_EFAIL;
}

/* "Name \"x\"", "\"{\"", "<EOF>": a token as messages describe it. */
static const char *token_desc(parser_t *ps, const gql_token_t *t)
{
    if (t->value == NULL)
        return gql_tok_desc(t->kind);
    const char *s = gql_arena_printf(ps->arena, "%s \"%.*s\"", gql_tok_desc(t->kind), (int)t->len, t->value);
    return s ? s : gql_tok_desc(t->kind);
}

static int unexpected(parser_t *ps, const gql_token_t *t)
{
    return fail_at(ps, &t->loc, GQL_CODE_SYNTAX, "Unexpected %s.", token_desc(ps, t));
}

/* ------------------------------------------------------------------------ */
/* Tokens                                                                   */
/* ------------------------------------------------------------------------ */

static int lex(parser_t *ps, gql_token_t *out)
{
    int rc = gql_lexer_next(&ps->lx, out);
    if (rc == GQL_EFAIL) {
        ps->err_msg = ps->lx.error;
        ps->err_loc = ps->lx.error_loc;
        ps->err_has_loc = true;
        ps->err_code = GQL_CODE_SYNTAX;
    }
    return rc;
}

/* Moves to the next token, counting it against the token limit. */
static int advance(parser_t *ps)
{
    if (ps->has_ahead) {
        ps->tok = ps->ahead;
        ps->has_ahead = false;
    } else if (ps->tok.kind != GQL_TOK_EOF) {
        TRY(lex(ps, &ps->tok));
    }
    if (ps->tok.kind != GQL_TOK_EOF) {
        ps->ntokens++;
        if (ps->max_tokens != 0 && ps->ntokens > ps->max_tokens)
            return fail_at(ps, &ps->tok.loc, GQL_CODE_LIMIT, "Document exceeds the token limit of %zu.",
                           ps->max_tokens);
    }
    return 0;
}

/* The token after the current one, without consuming anything. */
static int lookahead(parser_t *ps, const gql_token_t **out)
{
    if (!ps->has_ahead) {
        if (ps->tok.kind == GQL_TOK_EOF)
            ps->ahead = ps->tok;
        else
            TRY(lex(ps, &ps->ahead));
        ps->has_ahead = true;
    }
    *out = &ps->ahead;
    return 0;
}

static inline bool peek(const parser_t *ps, gql_tok_t kind)
{
    return ps->tok.kind == kind;
}

static inline bool value_is(const gql_token_t *t, const char *s, size_t n)
{
    return t->value != NULL && t->len == n && memcmp(t->value, s, n) == 0;
}

/* Whether token t is the name `kw` (a string literal). */
#define IS_KEYWORD(t, kw) ((t)->kind == GQL_TOK_NAME && value_is((t), kw, sizeof(kw) - 1))

static int expect(parser_t *ps, gql_tok_t kind)
{
    if (ps->tok.kind == kind)
        return advance(ps);
    return fail_at(ps, &ps->tok.loc, GQL_CODE_SYNTAX, "Expected %s, found %s.", gql_tok_desc(kind),
                   token_desc(ps, &ps->tok));
}

/* Consumes the token when it is of `kind`: 1 if it was, 0 if not, <0 on error. */
static int expect_optional(parser_t *ps, gql_tok_t kind)
{
    if (ps->tok.kind != kind)
        return 0;
    TRY(advance(ps));
    return 1;
}

static int expect_keyword_n(parser_t *ps, const char *kw, size_t n)
{
    if (ps->tok.kind == GQL_TOK_NAME && value_is(&ps->tok, kw, n))
        return advance(ps);
    return fail_at(ps, &ps->tok.loc, GQL_CODE_SYNTAX, "Expected \"%s\", found %s.", kw, token_desc(ps, &ps->tok));
}
#define EXPECT_KEYWORD(ps, kw) expect_keyword_n((ps), kw, sizeof(kw) - 1)

static int enter(parser_t *ps)
{
    if (ps->depth >= GQL_MAX_NESTING)
        return fail_at(ps, &ps->tok.loc, GQL_CODE_LIMIT, "Document exceeds the nesting limit of %d.", GQL_MAX_NESTING);
    ps->depth++;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The scratch stack                                                        */
/* ------------------------------------------------------------------------ */

/* Makes room for `size` more bytes on the scratch stack (the slow path). */
static int sgrow(parser_t *ps, size_t size)
{
    size_t cap = ps->scap * 2;
    while (cap - ps->slen < size)
        cap *= 2;
    unsigned char *p = malloc(cap);
    if (p == NULL)
        return GQL_ENOMEM;
    memcpy(p, ps->scratch, ps->slen);
    if (ps->scratch != ps->inline_buf)
        free(ps->scratch);
    ps->scratch = p;
    ps->scap = cap;
    return 0;
}

/* Pushes one item (inline so the copy has a constant size). */
static inline int spush(parser_t *ps, const void *item, size_t size)
{
    if (ps->scap - ps->slen < size && sgrow(ps, size) != 0)
        return GQL_ENOMEM;
    memcpy(ps->scratch + ps->slen, item, size);
    ps->slen += size;
    return 0;
}

/* Moves the items pushed since `mark` into one arena array. */
static int sfinish(parser_t *ps, size_t mark, size_t size, void *out, size_t *count)
{
    size_t bytes = ps->slen - mark;
    void *arr = NULL;
    if (bytes != 0) {
        arr = gql_arena_alloc_raw(ps->arena, bytes);
        if (arr == NULL)
            return GQL_ENOMEM;
        memcpy(arr, ps->scratch + mark, bytes);
    }
    memcpy(out, &arr, sizeof(arr));
    *count = bytes / size;
    ps->slen = mark;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Lists                                                                    */
/* ------------------------------------------------------------------------ */

/* Parses one item of a list and pushes it on the scratch stack (with spush,
 * so the copy has a constant size); `is_const` is passed through from the
 * list's caller for the items that hold values. Returns 0 or <0. */
typedef int (*push_item_fn)(parser_t *ps, bool is_const);

/* When a list of items ends. */
typedef enum list_loop {
    ITEMS_UNTIL,     /* zero or more items, then `tok` (consumed) */
    ITEMS_ONE_PLUS,  /* one or more items, then `tok` (consumed) */
    ITEMS_SEPARATED, /* one or more items separated by `tok` */
    ITEMS_WHILE,     /* items as long as the current token is `tok` (the item consumes it) */
} list_loop_t;

/* The destination of a list: the array pointer and the count of a node, and
 * the size of one item taken from the array's type, so that what sfinish
 * copies matches what the array holds. */
#define INTO(items, count) (void *)&(items), sizeof(*(items)), &(count)

/* The list helpers are inlined into each caller, where the loop shape, the
 * item function and the item size are constants: each list then compiles to
 * the loop it would be if written out by hand (the parser is on every
 * request's path). */
#if defined(__GNUC__)
#define LIST_HELPER static inline __attribute__((always_inline))
#else
#define LIST_HELPER static inline
#endif

/* The loop every list shares: pushes items with `push` until `loop` says the
 * list ends, then moves them into one arena array stored at *out (NULL when
 * empty) with their number in *count. Returns 0, or <0 from the first item
 * or token that fails (the error is recorded on the parser). */
LIST_HELPER int list_items(parser_t *ps, list_loop_t loop, gql_tok_t tok, push_item_fn push, bool is_const, void *out,
                           size_t size, size_t *count)
{
    size_t mark = ps->slen;
    int rc = 0;
    switch (loop) {
    case ITEMS_UNTIL:
        while ((rc = expect_optional(ps, tok)) == 0)
            TRY(push(ps, is_const));
        break;
    case ITEMS_ONE_PLUS:
        do
            TRY(push(ps, is_const));
        while ((rc = expect_optional(ps, tok)) == 0);
        break;
    case ITEMS_SEPARATED:
        do
            TRY(push(ps, is_const));
        while ((rc = expect_optional(ps, tok)) == 1);
        break;
    case ITEMS_WHILE:
        while (peek(ps, tok))
            TRY(push(ps, is_const));
        break;
    }
    TRY(rc);
    return sfinish(ps, mark, size, out, count);
}

/* graphql-js any(): open item* close. */
LIST_HELPER int any(parser_t *ps, gql_tok_t open, gql_tok_t close, push_item_fn push, bool is_const, void *out,
                    size_t size, size_t *count)
{
    TRY(expect(ps, open));
    return list_items(ps, ITEMS_UNTIL, close, push, is_const, out, size, count);
}

/* graphql-js many(): open item+ close. */
LIST_HELPER int many(parser_t *ps, gql_tok_t open, gql_tok_t close, push_item_fn push, bool is_const, void *out,
                     size_t size, size_t *count)
{
    TRY(expect(ps, open));
    return list_items(ps, ITEMS_ONE_PLUS, close, push, is_const, out, size, count);
}

/* graphql-js optionalMany(): (open item+ close)?; an empty list when the
 * current token is not `open`. */
LIST_HELPER int optional_many(parser_t *ps, gql_tok_t open, gql_tok_t close, push_item_fn push, bool is_const,
                              void *out, size_t size, size_t *count)
{
    if (!peek(ps, open)) {
        memset(out, 0, sizeof(void *)); /* the array pointer */
        *count = 0;
        return 0;
    }
    TRY(advance(ps));
    return list_items(ps, ITEMS_ONE_PLUS, close, push, is_const, out, size, count);
}

/* graphql-js delimitedMany(): delimiter? item (delimiter item)*. */
LIST_HELPER int delimited_many(parser_t *ps, gql_tok_t delimiter, push_item_fn push, void *out, size_t size,
                               size_t *count)
{
    TRY(expect_optional(ps, delimiter));
    return list_items(ps, ITEMS_SEPARATED, delimiter, push, false, out, size, count);
}

/* ------------------------------------------------------------------------ */
/* Names, values, types, directives                                         */
/* ------------------------------------------------------------------------ */

/* A NUL-terminated copy of s[0..n) in the string pool, or NULL. */
static const char *pool_strndup(parser_t *ps, const char *s, size_t n)
{
    if (ps->pool_left < n + 1) {
        size_t chunk = n + 1 > 2048 ? n + 1 : 2048;
        ps->pool = gql_arena_alloc_raw(ps->arena, chunk);
        if (ps->pool == NULL)
            return NULL;
        ps->pool_left = chunk;
    }
    char *out = ps->pool;
    memcpy(out, s, n);
    out[n] = '\0';
    ps->pool += n + 1;
    ps->pool_left -= n + 1;
    return out;
}

static int parse_name(parser_t *ps, const char **name, gql_loc_t *loc)
{
    if (ps->tok.kind != GQL_TOK_NAME)
        return expect(ps, GQL_TOK_NAME);
    *name = pool_strndup(ps, ps->tok.value, ps->tok.len);
    if (*name == NULL)
        return GQL_ENOMEM;
    if (loc != NULL)
        *loc = ps->tok.loc;
    return advance(ps);
}

static int parse_value(parser_t *ps, bool is_const, gql_value_t **out);

/* An item of a list value. */
static int push_value(parser_t *ps, bool is_const)
{
    gql_value_t *item;
    TRY(parse_value(ps, is_const, &item));
    return spush(ps, &item, sizeof(item));
}

/* ObjectField :: Name : Value */
static int push_object_field(parser_t *ps, bool is_const)
{
    gql_object_field_t f;
    TRY(parse_name(ps, &f.name, &f.loc));
    TRY(expect(ps, GQL_TOK_COLON));
    TRY(parse_value(ps, is_const, &f.value));
    return spush(ps, &f, sizeof(f));
}

/* ListValue :: [ Value* ]; the nesting is counted from the `[`. */
static int parse_list_value(parser_t *ps, bool is_const, gql_value_t *v)
{
    TRY(enter(ps));
    TRY(any(ps, GQL_TOK_BRACKET_L, GQL_TOK_BRACKET_R, push_value, is_const, INTO(v->list.items, v->list.count)));
    ps->depth--;
    return 0;
}

/* ObjectValue :: { ObjectField* }; the nesting is counted from the `{`. */
static int parse_object_value(parser_t *ps, bool is_const, gql_value_t *v)
{
    TRY(enter(ps));
    TRY(any(ps, GQL_TOK_BRACE_L, GQL_TOK_BRACE_R, push_object_field, is_const,
            INTO(v->object.fields, v->object.count)));
    ps->depth--;
    return 0;
}

/* Value[Const] (spec §2.9). Variables are refused in constant positions. */
static int parse_value(parser_t *ps, bool is_const, gql_value_t **out)
{
    gql_token_t t = ps->tok;
    gql_value_t *v = gql_arena_alloc(ps->arena, sizeof(*v));
    if (v == NULL)
        return GQL_ENOMEM;
    v->loc = t.loc;
    *out = v;
    switch (t.kind) {
    case GQL_TOK_BRACKET_L:
        v->kind = GQL_VALUE_LIST;
        return parse_list_value(ps, is_const, v);
    case GQL_TOK_BRACE_L:
        v->kind = GQL_VALUE_OBJECT;
        return parse_object_value(ps, is_const, v);
    case GQL_TOK_INT:
    case GQL_TOK_FLOAT:
        v->kind = t.kind == GQL_TOK_INT ? GQL_VALUE_INT : GQL_VALUE_FLOAT;
        v->str = pool_strndup(ps, t.value, t.len);
        v->len = t.len;
        if (v->str == NULL)
            return GQL_ENOMEM;
        return advance(ps);
    case GQL_TOK_STRING:
    case GQL_TOK_BLOCK_STRING:
        v->kind = GQL_VALUE_STRING;
        v->block = t.kind == GQL_TOK_BLOCK_STRING;
        v->str = t.value;
        v->len = t.len;
        return advance(ps);
    case GQL_TOK_NAME:
        if (value_is(&t, "true", 4) || value_is(&t, "false", 5)) {
            v->kind = GQL_VALUE_BOOLEAN;
            v->boolean = t.len == 4;
        } else if (value_is(&t, "null", 4)) {
            v->kind = GQL_VALUE_NULL;
        } else {
            v->kind = GQL_VALUE_ENUM;
            v->str = pool_strndup(ps, t.value, t.len);
            v->len = t.len;
            if (v->str == NULL)
                return GQL_ENOMEM;
        }
        return advance(ps);
    case GQL_TOK_DOLLAR:
        TRY(advance(ps));
        if (is_const) {
            if (ps->tok.kind == GQL_TOK_NAME)
                return fail_at(ps, &t.loc, GQL_CODE_SYNTAX, "Unexpected variable \"$%.*s\" in constant value.",
                               (int)ps->tok.len, ps->tok.value);
            return unexpected(ps, &t);
        }
        v->kind = GQL_VALUE_VARIABLE;
        TRY(parse_name(ps, &v->str, NULL));
        v->len = strlen(v->str);
        return 0;
    default:
        return unexpected(ps, &ps->tok);
    }
}

/* Type :: NamedType | ListType | NonNullType */
static int parse_type_ref(parser_t *ps, gql_type_ref_t **out)
{
    gql_loc_t start = ps->tok.loc;
    gql_type_ref_t *t = gql_arena_alloc(ps->arena, sizeof(*t));
    if (t == NULL)
        return GQL_ENOMEM;
    t->loc = start;
    if (peek(ps, GQL_TOK_BRACKET_L)) {
        TRY(enter(ps));
        TRY(advance(ps));
        t->kind = GQL_TYPE_REF_LIST;
        TRY(parse_type_ref(ps, &t->of));
        TRY(expect(ps, GQL_TOK_BRACKET_R));
        ps->depth--;
    } else {
        t->kind = GQL_TYPE_REF_NAMED;
        TRY(parse_name(ps, &t->name, NULL));
    }
    if (peek(ps, GQL_TOK_BANG)) {
        TRY(advance(ps));
        gql_type_ref_t *nn = gql_arena_alloc(ps->arena, sizeof(*nn));
        if (nn == NULL)
            return GQL_ENOMEM;
        nn->kind = GQL_TYPE_REF_NON_NULL;
        nn->loc = start;
        nn->of = t;
        t = nn;
    }
    *out = t;
    return 0;
}

static int parse_named_type(parser_t *ps, gql_type_ref_t **out)
{
    gql_type_ref_t *t = gql_arena_alloc(ps->arena, sizeof(*t));
    if (t == NULL)
        return GQL_ENOMEM;
    t->kind = GQL_TYPE_REF_NAMED;
    t->loc = ps->tok.loc;
    *out = t;
    return parse_name(ps, &t->name, NULL);
}

/* Argument[Const] :: Name : Value[?Const] */
static int push_argument(parser_t *ps, bool is_const)
{
    gql_argument_t a;
    TRY(parse_name(ps, &a.name, &a.loc));
    TRY(expect(ps, GQL_TOK_COLON));
    TRY(parse_value(ps, is_const, &a.value));
    return spush(ps, &a, sizeof(a));
}

/* Arguments[Const] :: ( Argument+ ) — optional. */
static int parse_arguments(parser_t *ps, bool is_const, gql_argument_t **args, size_t *n)
{
    if (!peek(ps, GQL_TOK_PAREN_L)) { /* most fields have none: a test the compiler inlines into the callers */
        *args = NULL;
        *n = 0;
        return 0;
    }
    return optional_many(ps, GQL_TOK_PAREN_L, GQL_TOK_PAREN_R, push_argument, is_const, INTO(*args, *n));
}

/* Directive[Const] :: @ Name Arguments[?Const]? */
static int push_directive(parser_t *ps, bool is_const)
{
    gql_directive_t d;
    d.loc = ps->tok.loc;
    TRY(advance(ps));
    TRY(parse_name(ps, &d.name, NULL));
    TRY(parse_arguments(ps, is_const, &d.args, &d.nargs));
    return spush(ps, &d, sizeof(d));
}

/* Directives[Const] :: Directive[?Const]+ — optional: as many as there are
 * `@` (graphql-js's parseDirectives loop). */
static int parse_directives(parser_t *ps, bool is_const, gql_directive_t **dirs, size_t *n)
{
    if (!peek(ps, GQL_TOK_AT)) { /* most nodes have none: a test the compiler inlines into the callers */
        *dirs = NULL;
        *n = 0;
        return 0;
    }
    return list_items(ps, ITEMS_WHILE, GQL_TOK_AT, push_directive, is_const, INTO(*dirs, *n));
}

/* Description :: StringValue — optional. */
static int parse_description(parser_t *ps, const char **desc, bool *block, size_t *len)
{
    if (peek(ps, GQL_TOK_STRING) || peek(ps, GQL_TOK_BLOCK_STRING)) {
        *desc = ps->tok.value;
        *len = ps->tok.len;
        if (block != NULL)
            *block = ps->tok.kind == GQL_TOK_BLOCK_STRING;
        return advance(ps);
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Executable definitions                                                   */
/* ------------------------------------------------------------------------ */

static int parse_selection_set(parser_t *ps, gql_selection_set_t *set);

static int parse_field(parser_t *ps, gql_selection_t *sel)
{
    const char *first = NULL;
    gql_loc_t first_loc = {0, 0, 0};
    sel->kind = GQL_SEL_FIELD;
    sel->loc = ps->tok.loc;
    TRY(parse_name(ps, &first, &first_loc));
    int rc = expect_optional(ps, GQL_TOK_COLON);
    TRY(rc);
    if (rc == 1) {
        sel->alias = first;
        TRY(parse_name(ps, &sel->name, &sel->name_loc));
    } else {
        sel->name = first;
        sel->name_loc = first_loc;
    }
    TRY(parse_arguments(ps, false, &sel->args, &sel->nargs));
    TRY(parse_directives(ps, false, &sel->directives, &sel->ndirectives));
    if (peek(ps, GQL_TOK_BRACE_L))
        TRY(parse_selection_set(ps, &sel->selection_set));
    return 0;
}

/* FragmentSpread :: ... FragmentName Directives?
 * InlineFragment :: ... TypeCondition? Directives? SelectionSet */
static int parse_fragment(parser_t *ps, gql_selection_t *sel)
{
    sel->loc = ps->tok.loc;
    TRY(advance(ps)); /* ... */
    bool has_on = IS_KEYWORD(&ps->tok, "on");
    if (has_on)
        TRY(advance(ps));
    if (!has_on && peek(ps, GQL_TOK_NAME)) {
        sel->kind = GQL_SEL_FRAGMENT_SPREAD;
        TRY(parse_name(ps, &sel->name, &sel->name_loc));
        return parse_directives(ps, false, &sel->directives, &sel->ndirectives);
    }
    sel->kind = GQL_SEL_INLINE_FRAGMENT;
    if (has_on) {
        sel->type_condition_loc = ps->tok.loc;
        TRY(parse_name(ps, &sel->type_condition, NULL));
    }
    TRY(parse_directives(ps, false, &sel->directives, &sel->ndirectives));
    return parse_selection_set(ps, &sel->selection_set);
}

static const gql_selection_t zero_selection;

/* Selection :: Field | FragmentSpread | InlineFragment */
static int push_selection(parser_t *ps, bool is_const)
{
    (void)is_const;
    gql_selection_t sel = zero_selection; /* a copy: faster than memset's rep stos */
    if (peek(ps, GQL_TOK_SPREAD))
        TRY(parse_fragment(ps, &sel));
    else
        TRY(parse_field(ps, &sel));
    return spush(ps, &sel, sizeof(sel));
}

/* SelectionSet :: { Selection* } — graphql-js 17 accepts an empty set; it
 * then has count 0 and a location (line >= 1). The nesting is counted after
 * the `{` (any() with the nesting check between its two steps). */
static int parse_selection_set(parser_t *ps, gql_selection_set_t *set)
{
    set->loc = ps->tok.loc;
    TRY(expect(ps, GQL_TOK_BRACE_L));
    TRY(enter(ps));
    TRY(list_items(ps, ITEMS_UNTIL, GQL_TOK_BRACE_R, push_selection, false, INTO(set->items, set->count)));
    ps->depth--;
    return 0;
}

/* OperationType :: query | mutation | subscription */
static int parse_operation_type(parser_t *ps, gql_op_type_t *op)
{
    gql_token_t t = ps->tok;
    TRY(expect(ps, GQL_TOK_NAME));
    if (value_is(&t, "query", 5))
        *op = GQL_OP_QUERY;
    else if (value_is(&t, "mutation", 8))
        *op = GQL_OP_MUTATION;
    else if (value_is(&t, "subscription", 12))
        *op = GQL_OP_SUBSCRIPTION;
    else
        return unexpected(ps, &t);
    return 0;
}

/* VariableDefinition :: Description? Variable : Type DefaultValue?
 * Directives[Const]? */
static int push_variable_definition(parser_t *ps, bool is_const)
{
    (void)is_const;
    gql_variable_def_t vd;
    memset(&vd, 0, sizeof(vd));
    TRY(parse_description(ps, &vd.description, &vd.description_block, &vd.description_len));
    vd.loc = ps->tok.loc;
    TRY(expect(ps, GQL_TOK_DOLLAR));
    TRY(parse_name(ps, &vd.name, NULL));
    TRY(expect(ps, GQL_TOK_COLON));
    TRY(parse_type_ref(ps, &vd.type));
    int rc = expect_optional(ps, GQL_TOK_EQUALS);
    TRY(rc);
    if (rc == 1)
        TRY(parse_value(ps, true, &vd.default_value));
    TRY(parse_directives(ps, true, &vd.directives, &vd.ndirectives));
    return spush(ps, &vd, sizeof(vd));
}

/* VariableDefinitions :: ( VariableDefinition+ ) — optional. */
static int parse_variable_definitions(parser_t *ps, gql_definition_t *def)
{
    return optional_many(ps, GQL_TOK_PAREN_L, GQL_TOK_PAREN_R, push_variable_definition, false,
                         INTO(def->variables, def->nvariables));
}

static int parse_operation_definition(parser_t *ps, gql_definition_t *def)
{
    def->kind = GQL_DEF_OPERATION;
    def->loc = ps->tok.loc;
    if (peek(ps, GQL_TOK_BRACE_L)) {
        def->operation = GQL_OP_QUERY;
        def->shorthand = true;
        return parse_selection_set(ps, &def->selection_set);
    }
    TRY(parse_description(ps, &def->description, &def->description_block, &def->description_len));
    TRY(parse_operation_type(ps, &def->operation));
    if (peek(ps, GQL_TOK_NAME))
        TRY(parse_name(ps, &def->name, &def->name_loc));
    TRY(parse_variable_definitions(ps, def));
    TRY(parse_directives(ps, false, &def->directives, &def->ndirectives));
    return parse_selection_set(ps, &def->selection_set);
}

static int parse_fragment_definition(parser_t *ps, gql_definition_t *def)
{
    def->kind = GQL_DEF_FRAGMENT;
    def->loc = ps->tok.loc;
    TRY(parse_description(ps, &def->description, &def->description_block, &def->description_len));
    TRY(EXPECT_KEYWORD(ps, "fragment"));
    if (value_is(&ps->tok, "on", 2))
        return unexpected(ps, &ps->tok);
    TRY(parse_name(ps, &def->name, &def->name_loc));
    TRY(EXPECT_KEYWORD(ps, "on"));
    def->type_condition_loc = ps->tok.loc;
    TRY(parse_name(ps, &def->type_condition, NULL));
    TRY(parse_directives(ps, false, &def->directives, &def->ndirectives));
    return parse_selection_set(ps, &def->selection_set);
}

/* ------------------------------------------------------------------------ */
/* Type system definitions and extensions                                   */
/* ------------------------------------------------------------------------ */

static int push_named_type(parser_t *ps, bool is_const)
{
    (void)is_const;
    gql_type_ref_t *t;
    TRY(parse_named_type(ps, &t));
    return spush(ps, &t, sizeof(t));
}

/* NamedType (sep NamedType)*, with an optional leading separator. */
static int parse_named_types(parser_t *ps, gql_tok_t sep, gql_definition_t *def)
{
    return delimited_many(ps, sep, push_named_type, INTO(def->types, def->ntypes));
}

/* ImplementsInterfaces :: implements &? NamedType (& NamedType)* — optional. */
static int parse_implements(parser_t *ps, gql_definition_t *def)
{
    if (!IS_KEYWORD(&ps->tok, "implements"))
        return 0;
    TRY(advance(ps));
    return parse_named_types(ps, GQL_TOK_AMP, def);
}

/* InputValueDefinition :: Description? Name : Type DefaultValue? Directives? */
static int push_input_value_def(parser_t *ps, bool is_const)
{
    (void)is_const;
    gql_input_value_def_t iv;
    memset(&iv, 0, sizeof(iv));
    TRY(parse_description(ps, &iv.description, &iv.description_block, &iv.description_len));
    TRY(parse_name(ps, &iv.name, &iv.loc));
    TRY(expect(ps, GQL_TOK_COLON));
    TRY(parse_type_ref(ps, &iv.type));
    int rc = expect_optional(ps, GQL_TOK_EQUALS);
    TRY(rc);
    if (rc == 1)
        TRY(parse_value(ps, true, &iv.default_value));
    TRY(parse_directives(ps, true, &iv.directives, &iv.ndirectives));
    return spush(ps, &iv, sizeof(iv));
}

/* open InputValueDefinition+ close — optional. */
static int parse_input_value_defs(parser_t *ps, gql_tok_t open, gql_tok_t close, gql_input_value_def_t **out, size_t *n)
{
    return optional_many(ps, open, close, push_input_value_def, true, INTO(*out, *n));
}

/* FieldDefinition :: Description? Name ArgumentsDefinition? : Type
 * Directives[Const]? */
static int push_field_definition(parser_t *ps, bool is_const)
{
    (void)is_const;
    gql_field_def_t f;
    memset(&f, 0, sizeof(f));
    TRY(parse_description(ps, &f.description, &f.description_block, &f.description_len));
    TRY(parse_name(ps, &f.name, &f.loc));
    TRY(parse_input_value_defs(ps, GQL_TOK_PAREN_L, GQL_TOK_PAREN_R, &f.args, &f.nargs));
    TRY(expect(ps, GQL_TOK_COLON));
    TRY(parse_type_ref(ps, &f.type));
    TRY(parse_directives(ps, true, &f.directives, &f.ndirectives));
    return spush(ps, &f, sizeof(f));
}

/* FieldsDefinition :: { FieldDefinition+ } — optional. */
static int parse_fields_definition(parser_t *ps, gql_definition_t *def)
{
    return optional_many(ps, GQL_TOK_BRACE_L, GQL_TOK_BRACE_R, push_field_definition, true,
                         INTO(def->fields, def->nfields));
}

/* EnumValueDefinition :: Description? EnumValue Directives[Const]? */
static int push_enum_value_definition(parser_t *ps, bool is_const)
{
    (void)is_const;
    gql_enum_value_def_t ev;
    memset(&ev, 0, sizeof(ev));
    TRY(parse_description(ps, &ev.description, &ev.description_block, &ev.description_len));
    if (value_is(&ps->tok, "true", 4) || value_is(&ps->tok, "false", 5) || value_is(&ps->tok, "null", 4))
        return fail_at(ps, &ps->tok.loc, GQL_CODE_SYNTAX, "%s is reserved and cannot be used for an enum value.",
                       token_desc(ps, &ps->tok));
    TRY(parse_name(ps, &ev.name, &ev.loc));
    TRY(parse_directives(ps, true, &ev.directives, &ev.ndirectives));
    return spush(ps, &ev, sizeof(ev));
}

/* EnumValuesDefinition :: { EnumValueDefinition+ } — optional. */
static int parse_enum_values(parser_t *ps, gql_definition_t *def)
{
    return optional_many(ps, GQL_TOK_BRACE_L, GQL_TOK_BRACE_R, push_enum_value_definition, true,
                         INTO(def->enum_values, def->nenum_values));
}

/* RootOperationTypeDefinition :: OperationType : NamedType */
static int push_root_operation(parser_t *ps, bool is_const)
{
    (void)is_const;
    gql_root_op_def_t r;
    memset(&r, 0, sizeof(r));
    r.loc = ps->tok.loc;
    TRY(parse_operation_type(ps, &r.operation));
    TRY(expect(ps, GQL_TOK_COLON));
    r.type_loc = ps->tok.loc;
    TRY(parse_name(ps, &r.type_name, NULL));
    return spush(ps, &r, sizeof(r));
}

/* { RootOperationTypeDefinition+ }: many() for schema definitions
 * (`required`), optionalMany() for their extensions. */
static int parse_root_ops(parser_t *ps, gql_definition_t *def, bool required)
{
    if (required)
        return many(ps, GQL_TOK_BRACE_L, GQL_TOK_BRACE_R, push_root_operation, false,
                    INTO(def->root_ops, def->nroot_ops));
    return optional_many(ps, GQL_TOK_BRACE_L, GQL_TOK_BRACE_R, push_root_operation, false,
                         INTO(def->root_ops, def->nroot_ops));
}

static const char *const directive_locations[] = {
    "QUERY",
    "MUTATION",
    "SUBSCRIPTION",
    "FIELD",
    "FRAGMENT_DEFINITION",
    "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT",
    "VARIABLE_DEFINITION",
    "FRAGMENT_VARIABLE_DEFINITION",
    "SCHEMA",
    "SCALAR",
    "OBJECT",
    "FIELD_DEFINITION",
    "ARGUMENT_DEFINITION",
    "INTERFACE",
    "UNION",
    "ENUM",
    "ENUM_VALUE",
    "INPUT_OBJECT",
    "INPUT_FIELD_DEFINITION",
    "DIRECTIVE_DEFINITION",
};

/* A directive location as parsed: its name (one of directive_locations)
 * and where it was written. */
typedef struct location_item {
    const char *name;
    gql_loc_t loc;
} location_item_t;

/* DirectiveLocation :: one of the names of directive_locations */
static int push_directive_location(parser_t *ps, bool is_const)
{
    (void)is_const;
    gql_token_t t = ps->tok;
    location_item_t item = {NULL, {0, 0, 0}};
    TRY(parse_name(ps, &item.name, &item.loc));
    bool known = false;
    for (size_t i = 0; i < sizeof(directive_locations) / sizeof(directive_locations[0]); i++)
        if (strcmp(directive_locations[i], item.name) == 0) {
            item.name = directive_locations[i];
            known = true;
            break;
        }
    if (!known)
        return unexpected(ps, &t);
    return spush(ps, &item, sizeof(item));
}

/* DirectiveLocations :: |? DirectiveLocation (| DirectiveLocation)* — the
 * node keeps names and locations in two arrays, split from the list. */
static int parse_directive_locations(parser_t *ps, gql_definition_t *def)
{
    location_item_t *items;
    size_t n;
    TRY(delimited_many(ps, GQL_TOK_PIPE, push_directive_location, INTO(items, n)));
    const char **names = gql_arena_alloc_raw(ps->arena, n * sizeof(*names));
    gql_loc_t *locs = gql_arena_alloc_raw(ps->arena, n * sizeof(*locs));
    if (names == NULL || locs == NULL)
        return GQL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        names[i] = items[i].name;
        locs[i] = items[i].loc;
    }
    def->locations = names;
    def->location_locs = locs;
    def->nlocations = n;
    return 0;
}

/* The definitions of spec §3 that start with a keyword (after an optional
 * description); `ext` for the `extend` forms, where at least one optional
 * part must be present. */
static int parse_type_system(parser_t *ps, gql_definition_t *def, const gql_token_t *kw, bool ext)
{
    const gql_token_t start = ps->tok; /* `extend`, the description or the keyword */
    def->loc = start.loc;
    def->is_extension = ext;
    if (ext)
        TRY(advance(ps)); /* extend */
    else
        TRY(parse_description(ps, &def->description, &def->description_block, &def->description_len));
    bool has_part = false; /* an extension's optional part was present */
    if (IS_KEYWORD(kw, "schema")) {
        def->kind = GQL_DEF_SCHEMA;
        TRY(advance(ps));
        TRY(parse_directives(ps, true, &def->directives, &def->ndirectives));
        TRY(parse_root_ops(ps, def, !ext));
        has_part = def->ndirectives || def->nroot_ops;
    } else if (IS_KEYWORD(kw, "scalar")) {
        def->kind = GQL_DEF_SCALAR;
        TRY(advance(ps));
        TRY(parse_name(ps, &def->name, &def->name_loc));
        TRY(parse_directives(ps, true, &def->directives, &def->ndirectives));
        has_part = def->ndirectives;
    } else if (IS_KEYWORD(kw, "type") || IS_KEYWORD(kw, "interface")) {
        def->kind = IS_KEYWORD(kw, "type") ? GQL_DEF_OBJECT : GQL_DEF_INTERFACE;
        TRY(advance(ps));
        TRY(parse_name(ps, &def->name, &def->name_loc));
        TRY(parse_implements(ps, def));
        TRY(parse_directives(ps, true, &def->directives, &def->ndirectives));
        TRY(parse_fields_definition(ps, def));
        has_part = def->ntypes || def->ndirectives || def->nfields;
    } else if (IS_KEYWORD(kw, "union")) {
        def->kind = GQL_DEF_UNION;
        TRY(advance(ps));
        TRY(parse_name(ps, &def->name, &def->name_loc));
        TRY(parse_directives(ps, true, &def->directives, &def->ndirectives));
        int rc = expect_optional(ps, GQL_TOK_EQUALS);
        TRY(rc);
        if (rc == 1)
            TRY(parse_named_types(ps, GQL_TOK_PIPE, def));
        has_part = def->ndirectives || def->ntypes;
    } else if (IS_KEYWORD(kw, "enum")) {
        def->kind = GQL_DEF_ENUM;
        TRY(advance(ps));
        TRY(parse_name(ps, &def->name, &def->name_loc));
        TRY(parse_directives(ps, true, &def->directives, &def->ndirectives));
        TRY(parse_enum_values(ps, def));
        has_part = def->ndirectives || def->nenum_values;
    } else if (IS_KEYWORD(kw, "input")) {
        def->kind = GQL_DEF_INPUT_OBJECT;
        TRY(advance(ps));
        TRY(parse_name(ps, &def->name, &def->name_loc));
        TRY(parse_directives(ps, true, &def->directives, &def->ndirectives));
        TRY(parse_input_value_defs(ps, GQL_TOK_BRACE_L, GQL_TOK_BRACE_R, &def->input_values, &def->ninput_values));
        has_part = def->ndirectives || def->ninput_values;
    } else { /* directive */
        def->kind = GQL_DEF_DIRECTIVE;
        TRY(advance(ps));
        TRY(expect(ps, GQL_TOK_AT));
        TRY(parse_name(ps, &def->name, &def->name_loc));
        if (ext) {
            /* extend directive @name Directives (graphql-js 17) */
            TRY(parse_directives(ps, true, &def->directives, &def->ndirectives));
            has_part = def->ndirectives;
        } else {
            TRY(parse_input_value_defs(ps, GQL_TOK_PAREN_L, GQL_TOK_PAREN_R, &def->input_values, &def->ninput_values));
            TRY(parse_directives(ps, true, &def->directives, &def->ndirectives));
            if (IS_KEYWORD(&ps->tok, "repeatable")) {
                def->repeatable = true;
                TRY(advance(ps));
            }
            TRY(EXPECT_KEYWORD(ps, "on"));
            TRY(parse_directive_locations(ps, def));
        }
    }
    if (ext && !has_part)
        return unexpected(ps, &ps->tok);
    return 0;
}

static bool is_type_system_keyword(const gql_token_t *t)
{
    return IS_KEYWORD(t, "schema") || IS_KEYWORD(t, "scalar") || IS_KEYWORD(t, "type") || IS_KEYWORD(t, "interface") ||
           IS_KEYWORD(t, "union") || IS_KEYWORD(t, "enum") || IS_KEYWORD(t, "input") || IS_KEYWORD(t, "directive");
}

/* Definition :: ExecutableDefinition | TypeSystemDefinitionOrExtension */
static int parse_definition(parser_t *ps, gql_definition_t *def)
{
    if (peek(ps, GQL_TOK_BRACE_L))
        return parse_operation_definition(ps, def);
    bool has_description = peek(ps, GQL_TOK_STRING) || peek(ps, GQL_TOK_BLOCK_STRING);
    const gql_token_t *kw = &ps->tok;
    if (has_description)
        TRY(lookahead(ps, &kw));
    if (has_description && kw->kind == GQL_TOK_BRACE_L)
        return fail_at(ps, &ps->tok.loc, GQL_CODE_SYNTAX,
                       "Unexpected description, descriptions are not supported on shorthand queries.");
    if (kw->kind == GQL_TOK_NAME) {
        gql_token_t k = *kw; /* kw may point at ps->ahead, which advancing clears */
        if (is_type_system_keyword(&k))
            return parse_type_system(ps, def, &k, false);
        if (IS_KEYWORD(&k, "query") || IS_KEYWORD(&k, "mutation") || IS_KEYWORD(&k, "subscription"))
            return parse_operation_definition(ps, def);
        if (IS_KEYWORD(&k, "fragment"))
            return parse_fragment_definition(ps, def);
        if (has_description)
            return fail_at(ps, &ps->tok.loc, GQL_CODE_SYNTAX,
                           "Unexpected description, only GraphQL definitions support descriptions.");
        if (IS_KEYWORD(&k, "extend")) {
            const gql_token_t *next;
            TRY(lookahead(ps, &next));
            gql_token_t nk = *next;
            if (is_type_system_keyword(&nk))
                return parse_type_system(ps, def, &nk, true);
            return unexpected(ps, &nk);
        }
    }
    gql_token_t k = *kw;
    return unexpected(ps, &k);
}

static int push_definition(parser_t *ps, bool is_const)
{
    (void)is_const;
    gql_definition_t def;
    memset(&def, 0, sizeof(def));
    TRY(parse_definition(ps, &def));
    return spush(ps, &def, sizeof(def));
}

/* Document :: Definition+ (graphql-js many(<SOF>, parseDefinition, <EOF>)). */
static int parse_document(parser_t *ps, gql_document_t *doc)
{
    return many(ps, GQL_TOK_SOF, GQL_TOK_EOF, push_definition, false, INTO(doc->definitions, doc->count));
}

gql_document_t *gql_parse(gql_arena_t *arena, const char *src, size_t len, const gql_limits_t *limits,
                          gql_errors_t *errors)
{
    gql_limits_t defaults;
    if (limits == NULL) {
        defaults = gql_limits_default();
        limits = &defaults;
    }
    if (arena == NULL || (src == NULL && len != 0)) {
        if (errors != NULL)
            gql_errors_add(errors, GQL_CODE_INTERNAL, NULL, NULL, 0, "Invalid arguments to the parser.");
        return NULL;
    }
    if (src == NULL)
        src = "";
    if ((limits->max_document_bytes != 0 && len > limits->max_document_bytes) || len >= UINT32_MAX) {
        if (errors != NULL)
            gql_errors_add(errors, GQL_CODE_LIMIT, NULL, NULL, 0, "Document exceeds the size limit of %zu bytes.",
                           limits->max_document_bytes != 0 ? limits->max_document_bytes : (size_t)UINT32_MAX - 1);
        return NULL;
    }

    parser_t parser; /* on the stack: parsing mallocs nothing for ordinary documents */
    parser_t *ps = &parser;
    memset(ps, 0, offsetof(parser_t, inline_buf));
    gql_lexer_init(&ps->lx, arena, src, len);
    ps->tok.kind = GQL_TOK_SOF;
    ps->max_tokens = limits->max_tokens;
    ps->arena = arena;
    ps->scratch = ps->inline_buf;
    ps->scap = sizeof(ps->inline_buf);

    gql_document_t *doc = gql_arena_alloc(arena, sizeof(*doc));
    int rc = doc ? parse_document(ps, doc) : GQL_ENOMEM;
    if (rc == 0) {
        doc->source = src;
        doc->source_len = len;
        doc->ntokens = ps->ntokens;
    } else {
        doc = NULL;
        if (errors != NULL) {
            if (rc == GQL_EFAIL && ps->err_msg != NULL)
                gql_errors_add(errors, ps->err_code, NULL, ps->err_has_loc ? &ps->err_loc : NULL,
                               ps->err_has_loc ? 1 : 0, "%s", ps->err_msg);
            else
                gql_errors_add(errors, GQL_CODE_INTERNAL, NULL, NULL, 0, "Out of memory.");
        }
    }
    if (ps->scratch != ps->inline_buf)
        free(ps->scratch);
    return doc;
}
