/*
 * gql_int.h — internals shared across the engine's stages (lexer, JSON,
 * buffers, printer, schema, validation, values), so that each piece of
 * logic is written once:
 *  - UTF-8 decoding and encoding and hex digits (lexer.c, json.c, buf.c);
 *  - arrays that grow in an arena (arena.c);
 *  - graphql-js's "Did you mean" suggestions: lexical distance, natural
 *    ordering and the message tail (suggest.c; used by schema validation,
 *    document validation and input coercion);
 *  - graphql-js's printBlockString (printer.c; used where messages print
 *    values);
 *  - finding an applied directive and its arguments in the AST (schema.c;
 *    used by schema building and validation).
 * Not part of the engine's interface: nothing outside gateway/graphql/
 * includes this header. The stage headers (lexer.h, schema_int.h,
 * validate_int.h, execute_int.h) add what only their stage shares; the name
 * index every engine table uses has its own (nameidx.h).
 */
#ifndef GQL_INT_H
#define GQL_INT_H

#include "gql.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* UTF-8 and hex digits                                                     */
/* ------------------------------------------------------------------------ */

/* Decodes one UTF-8 sequence at s[0..avail): returns its length (1-4) and the
 * code point in *cp, or 0 when the bytes are not well-formed UTF-8 (overlong
 * forms, surrogates and values above U+10FFFF are rejected; avail 0 too). */
static inline int gql__utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
    if (avail == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC2)
        return 0; /* continuation byte or overlong 2-byte lead */
    if (c < 0xE0) {
        if (avail < 2 || (s[1] & 0xC0) != 0x80)
            return 0;
        *cp = ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0) {
        if (avail < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        uint32_t v = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))
            return 0;
        *cp = v;
        return 3;
    }
    if (c < 0xF5) {
        if (avail < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        uint32_t v = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) | ((uint32_t)(s[2] & 0x3F) << 6) |
                     (s[3] & 0x3F);
        if (v < 0x10000 || v > 0x10FFFF)
            return 0;
        *cp = v;
        return 4;
    }
    return 0;
}

/* Writes code point cp (at most U+10FFFF) as UTF-8 at out, which has room
 * for 4 bytes; returns the bytes written. */
static inline size_t gql__utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The value of a hex digit, or -1 for anything else (negative c included). */
static inline int gql__hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Arrays in an arena (arena.c)                                             */
/* ------------------------------------------------------------------------ */

/* Room for one more item in an array of `n` items of `size` bytes that grows
 * in arena `a` (*cap items fit): `items` itself while n < *cap, else a copy
 * in a new array twice as large (8 items at first), with *cap updated. NULL
 * when out of memory (items and *cap unchanged). The old array stays in the
 * arena until it is freed. */
void *gql__arena_grow(gql_arena_t *a, void *items, size_t n, size_t *cap, size_t size);

/* ------------------------------------------------------------------------ */
/* Texts                                                                    */
/* ------------------------------------------------------------------------ */

/* A hash index over the keys of an object value, for code that looks up
 * many names in an object a client sent (the variables of an operation
 * with many variable definitions): each lookup is O(1) instead of a scan,
 * with json.c's seeded hash. Small objects (up to 8 keys) are scanned. */
typedef struct gql__iv_index {
    const gql_iv_t *obj; /* borrowed */
    uint32_t *slots;     /* NULL: scan */
    size_t mask;
} gql__iv_index_t;

/* Builds the index of `obj` (an object, or anything else: then lookups
 * find nothing) in arena `a`. 0, or GQL_ENOMEM. */
int gql__iv_index(gql_arena_t *a, const gql_iv_t *obj, gql__iv_index_t *out);
/* gql_iv_get through the index. */
const gql_iv_t *gql__iv_index_get(const gql__iv_index_t *ix, const char *key);

/* The length of a text the schema keeps with a length (descriptions, which
 * may hold U+0000): `len` when set, else up to the NUL. */
static inline size_t gql__text_len(const char *s, size_t len)
{
    return len != 0 ? len : strlen(s);
}

/* ------------------------------------------------------------------------ */
/* Applied directives in the AST (schema.c)                                 */
/* ------------------------------------------------------------------------ */

struct gql_directive; /* ast.h */
struct gql_value;

/* The directive named `name` in a list of applied directives, or NULL. */
const struct gql_directive *gql__find_directive(const struct gql_directive *dirs, size_t n, const char *name);

/* The value of the argument named `name` of an applied directive, or NULL. */
const struct gql_value *gql__directive_arg(const struct gql_directive *d, const char *name);

/* ------------------------------------------------------------------------ */
/* Suggestions (suggest.c), as graphql-js suggestionList and didYouMean     */
/* ------------------------------------------------------------------------ */

/* graphql-js naturalCompare: strings compared by character, runs of digits
 * by their numeric value ("a2" < "a10"). <0, 0 or >0 like strcmp. */
int gql__natural_compare(const char *a, const char *b);

/* graphql-js LexicalDistance: the Damerau-Levenshtein distance (adjacent
 * transpositions) between the lower-cased strings, 0 when equal and 1 when
 * equal ignoring case; -1 when above `threshold` (or when memory for a
 * very long pair runs out). */
int gql__lexical_distance(const char *input, const char *option, int threshold);

/* graphql-js suggestionList(input, options): the options within
 * floor(0.4 * length(input)) + 1 of `input`, each once, closest first, ties
 * in natural order. Writes them to out[] (room for n) and returns how many. */
size_t gql__suggestion_list(const char *input, const char *const *options, size_t n, const char **out);

/* graphql-js didYouMean(sub, items): appends " Did you mean <sub> "a",
 * "b", or "c"?" naming the first five items, or nothing when n is 0. `sub`
 * may be NULL ("Did you mean "a"?"). */
void gql__did_you_mean(gql_buf_t *out, const char *sub, const char *const *items, size_t n);

/* Both at once: appends the did-you-mean tail for the options close to
 * `input`. Appends nothing when there are none (or memory runs out). */
void gql__suggest(gql_buf_t *out, const char *sub, const char *input, const char *const *options, size_t n);

/* ------------------------------------------------------------------------ */
/* Printing (printer.c)                                                     */
/* ------------------------------------------------------------------------ */

/* graphql-js printBlockString: s[0..n) as a """block string""", always (the
 * printer uses it for values written as block strings). */
void gql__print_block_string(const char *s, size_t n, gql_buf_t *out);

#endif
