/*
 * lexer.c — GraphQL source text to tokens (spec §2.1, September 2025).
 *
 * A hand-written scanner over UTF-8 bytes. Names, numbers and punctuators are
 * ASCII, so the hot loop never decodes UTF-8; only comments, strings and the
 * byte order mark look at multi-byte sequences, and they keep the count of
 * bytes that do not start a UTF-16 unit (`line_extra`) so columns come out as
 * graphql-js reports them without rescanning the line.
 *
 * String values are decoded in two passes: the first finds the end and
 * validates (so errors come out in source order, as graphql-js raises them),
 * the second writes the value into an arena block of the raw length, which
 * is always enough because every escape is at least as long as what it
 * encodes. Block strings get the spec's BlockStringValue() dedent: the
 * first pass measures the common indentation and the first and last
 * non-blank lines, the second copies the kept lines.
 *
 * Error messages are graphql-js's, word for word. Bytes that are not UTF-8
 * (which a JavaScript string cannot hold) are reported like the lone
 * surrogates graphql-js rejects, naming the byte.
 */
#include "lexer.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Character classes and UTF-8                                              */
/* ------------------------------------------------------------------------ */

/* Classes of bytes for the hot loops: the ignored ones are 1-4 so one
 * comparison tells them from the rest. */
enum {
    CC_WS = 1,  /* space, tab, comma */
    CC_NL = 2,  /* \n */
    CC_CR = 3,  /* \r */
    CC_BOM = 4, /* 0xEF: may start a byte order mark */
    CC_NAME = 8,
    CC_DIGIT = 16,
};
#define NAME4(c) [c] = CC_NAME, [c + 1] = CC_NAME, [c + 2] = CC_NAME, [c + 3] = CC_NAME
#define DIGIT2(c) [c] = CC_DIGIT, [c + 1] = CC_DIGIT
static const unsigned char char_class[256] = {
    [' '] = CC_WS,   ['\t'] = CC_WS,  [','] = CC_WS, ['\n'] = CC_NL, ['\r'] = CC_CR, [0xEF] = CC_BOM, NAME4('A'),
    NAME4('E'),      NAME4('I'),      NAME4('M'),    NAME4('Q'),     NAME4('U'),     ['Y'] = CC_NAME, ['Z'] = CC_NAME,
    NAME4('a'),      NAME4('e'),      NAME4('i'),    NAME4('m'),     NAME4('q'),     NAME4('u'),      ['y'] = CC_NAME,
    ['z'] = CC_NAME, ['_'] = CC_NAME, DIGIT2('0'),   DIGIT2('2'),    DIGIT2('4'),    DIGIT2('6'),     DIGIT2('8'),
};

static inline bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static inline bool is_name_start(int c)
{
    return c >= 0 && char_class[c] == CC_NAME;
}

static inline bool is_name_continue(int c)
{
    return (char_class[c & 0xFF] & (CC_NAME | CC_DIGIT)) != 0;
}

static inline bool is_scalar_value(uint32_t cp)
{
    return cp <= 0xD7FF || (cp >= 0xE000 && cp <= 0x10FFFF);
}

/* Bytes of a sequence of `n` bytes that are not UTF-16 units of their own:
 * 2-byte and 3-byte sequences are one unit, 4-byte ones two. */
static inline size_t utf8_extra(int n)
{
    return n == 4 ? 2 : (size_t)(n - 1);
}

/* The byte offset just after `units` UTF-16 units starting at byte p (or the
 * end of the source), so error messages quote the same text graphql-js
 * slices. */
static size_t skip_units(const unsigned char *s, size_t n, size_t p, size_t units)
{
    while (units > 0 && p < n) {
        uint32_t cp;
        int k = gql__utf8_decode(s + p, n - p, &cp);
        if (k == 0)
            k = 1;
        p += (size_t)k;
        units -= (k == 4 && units >= 2) ? 2 : 1;
    }
    return p;
}

/* ------------------------------------------------------------------------ */
/* Locations and errors                                                     */
/* ------------------------------------------------------------------------ */

gql_loc_t gql__loc_at(const char *src, size_t len, size_t offset)
{
    const unsigned char *s = (const unsigned char *)src;
    if (offset > len)
        offset = len;
    uint32_t line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < offset; i++) {
        if (s[i] == '\n') {
            line++;
            line_start = i + 1;
        } else if (s[i] == '\r') {
            line++;
            if (i + 1 < len && s[i + 1] == '\n')
                i++;
            line_start = i + 1;
        }
    }
    gql_loc_t loc = {line, 0, (uint32_t)offset};
    if (line_start <= offset) {
        size_t units = 0;
        for (size_t i = line_start; i < offset; i++) {
            if ((s[i] & 0xC0) != 0x80)
                units++;
            if (s[i] >= 0xF0 && s[i] <= 0xF4)
                units++;
        }
        loc.column = (uint32_t)(units + 1);
    }
    return loc;
}

int gql__lex_error(gql_lexer_t *lx, size_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = gql_arena_vprintf(lx->arena, fmt, ap);
    va_end(ap);
    lx->error_loc = gql__loc_at(lx->src, lx->len, offset);
    lx->error = text ? gql_arena_printf(lx->arena, "Syntax Error: %s", text) : NULL;
    return lx->error ? GQL_EFAIL : GQL_ENOMEM;
}

/* Describes the character at byte p as graphql-js's printCodePointAt does:
 * "x" for printable ASCII ('"' for the quote), U+XXXX otherwise, <EOF> at
 * the end; a byte that does not start valid UTF-8 is named as such. */
static const char *char_desc(const gql_lexer_t *lx, size_t p, char buf[32])
{
    if (p >= lx->len)
        return "<EOF>";
    const unsigned char *s = (const unsigned char *)lx->src;
    unsigned c = s[p];
    if (c >= 0x20 && c <= 0x7E) {
        if (c == '"')
            return "'\"'";
        snprintf(buf, 32, "\"%c\"", (char)c);
        return buf;
    }
    uint32_t cp;
    if (gql__utf8_decode(s + p, lx->len - p, &cp) == 0) {
        snprintf(buf, 32, "byte 0x%02X (not UTF-8)", c);
        return buf;
    }
    snprintf(buf, 32, "U+%04X", (unsigned)cp);
    return buf;
}

const char *gql_tok_desc(gql_tok_t kind)
{
    static const char *const names[] = {
        [GQL_TOK_SOF] = "<SOF>",       [GQL_TOK_EOF] = "<EOF>",      [GQL_TOK_BANG] = "\"!\"",
        [GQL_TOK_DOLLAR] = "\"$\"",    [GQL_TOK_AMP] = "\"&\"",      [GQL_TOK_PAREN_L] = "\"(\"",
        [GQL_TOK_PAREN_R] = "\")\"",   [GQL_TOK_SPREAD] = "\"...\"", [GQL_TOK_COLON] = "\":\"",
        [GQL_TOK_EQUALS] = "\"=\"",    [GQL_TOK_AT] = "\"@\"",       [GQL_TOK_BRACKET_L] = "\"[\"",
        [GQL_TOK_BRACKET_R] = "\"]\"", [GQL_TOK_BRACE_L] = "\"{\"",  [GQL_TOK_PIPE] = "\"|\"",
        [GQL_TOK_BRACE_R] = "\"}\"",   [GQL_TOK_NAME] = "Name",      [GQL_TOK_INT] = "Int",
        [GQL_TOK_FLOAT] = "Float",     [GQL_TOK_STRING] = "String",  [GQL_TOK_BLOCK_STRING] = "BlockString",
        [GQL_TOK_COMMENT] = "Comment",
    };
    return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

/* ------------------------------------------------------------------------ */
/* The scanner                                                              */
/* ------------------------------------------------------------------------ */

void gql_lexer_init(gql_lexer_t *lx, gql_arena_t *arena, const char *src, size_t len)
{
    memset(lx, 0, sizeof(*lx));
    lx->src = src;
    lx->len = len;
    lx->line = 1;
    lx->arena = arena;
}

static inline int at(const gql_lexer_t *lx, size_t p)
{
    return p < lx->len ? (unsigned char)lx->src[p] : -1;
}

static inline void finish(gql_lexer_t *lx, gql_token_t *tok, gql_tok_t kind, size_t end)
{
    tok->kind = kind;
    tok->end = (uint32_t)end;
    lx->pos = end;
}

/* Comment :: # CommentChar* — up to a line terminator, or a byte that is not
 * UTF-8 (which then fails as the next token). */
static void read_comment(gql_lexer_t *lx, gql_token_t *tok, size_t start)
{
    const unsigned char *s = (const unsigned char *)lx->src;
    size_t n = lx->len, p = start + 1;
    while (p < n) {
        unsigned c = s[p];
        if (c == '\n' || c == '\r')
            break;
        if (c < 0x80) {
            p++;
            continue;
        }
        uint32_t cp;
        int k = gql__utf8_decode(s + p, n - p, &cp);
        if (k == 0)
            break;
        lx->line_extra += utf8_extra(k);
        p += (size_t)k;
    }
    tok->value = lx->src + start + 1;
    tok->len = p - start - 1;
    finish(lx, tok, GQL_TOK_COMMENT, p);
}

/* Reads the digits of an IntegerPart, fractional part or exponent starting at
 * p; the first must be a digit. Returns the offset after them, or 0 after
 * recording the error. */
static size_t read_digits(gql_lexer_t *lx, size_t p)
{
    if (!is_digit(at(lx, p))) {
        char buf[32];
        gql__lex_error(lx, p, "Invalid number, expected digit but got: %s.", char_desc(lx, p, buf));
        return 0;
    }
    p++;
    while (is_digit(at(lx, p)))
        p++;
    return p;
}

/* IntValue / FloatValue, with the spec's lookahead restrictions: no leading
 * zeros, and no '.' or NameStart directly after the number. */
static int read_number(gql_lexer_t *lx, gql_token_t *tok, size_t start)
{
    char buf[32];
    size_t p = start;
    bool is_float = false;
    int c = at(lx, p);
    if (c == '-')
        c = at(lx, ++p);
    if (c == '0') {
        c = at(lx, ++p);
        if (is_digit(c))
            return gql__lex_error(lx, p, "Invalid number, unexpected digit after 0: %s.", char_desc(lx, p, buf));
    } else {
        if ((p = read_digits(lx, p)) == 0)
            return lx->error ? GQL_EFAIL : GQL_ENOMEM;
        c = at(lx, p);
    }
    if (c == '.') {
        is_float = true;
        if ((p = read_digits(lx, p + 1)) == 0)
            return lx->error ? GQL_EFAIL : GQL_ENOMEM;
        c = at(lx, p);
    }
    if (c == 'e' || c == 'E') {
        is_float = true;
        c = at(lx, ++p);
        if (c == '+' || c == '-')
            ++p;
        if ((p = read_digits(lx, p)) == 0)
            return lx->error ? GQL_EFAIL : GQL_ENOMEM;
        c = at(lx, p);
    }
    if (c == '.' || is_name_start(c))
        return gql__lex_error(lx, p, "Invalid number, expected digit but got: %s.", char_desc(lx, p, buf));
    tok->value = lx->src + start;
    tok->len = p - start;
    finish(lx, tok, is_float ? GQL_TOK_FLOAT : GQL_TOK_INT, p);
    return 0;
}

/* Decodes the escape sequence starting with the backslash at p. Returns its
 * length in bytes with the code point in *cp, or 0 when it is invalid; then
 * *bad_units is how many UTF-16 units of source graphql-js quotes in its
 * message and *unicode tells which message it uses. */
static size_t read_escape(const unsigned char *s, size_t n, size_t p, uint32_t *cp, size_t *bad_units, bool *unicode)
{
    int c = p + 1 < n ? s[p + 1] : -1;
    *unicode = false;
    switch (c) {
    case '"':
    case '\\':
    case '/':
        *cp = (uint32_t)c;
        return 2;
    case 'b':
        *cp = '\b';
        return 2;
    case 'f':
        *cp = '\f';
        return 2;
    case 'n':
        *cp = '\n';
        return 2;
    case 'r':
        *cp = '\r';
        return 2;
    case 't':
        *cp = '\t';
        return 2;
    case 'u':
        break;
    default:
        *bad_units = 2;
        return 0;
    }
    *unicode = true;
    if (p + 2 < n && s[p + 2] == '{') {
        /* \u{X...}: up to 8 hex digits, read as graphql-js does with 32-bit
         * signed arithmetic, so the same inputs are rejected. */
        uint32_t point = 0;
        size_t size = 3;
        while (size < 12) {
            int d = p + size < n ? s[p + size] : -1;
            size++;
            if (d == '}') {
                if (size < 5 || !is_scalar_value(point))
                    break;
                *cp = point;
                return size;
            }
            int h = gql__hex_value(d);
            point = h < 0 ? UINT32_MAX : (point << 4) | (uint32_t)h;
            if ((int32_t)point < 0)
                break;
        }
        *bad_units = size;
        return 0;
    }
    /* \uXXXX, or a surrogate pair \uD83D\uDE00. */
    int32_t code = 0;
    for (size_t i = 2; i < 6; i++) {
        int h = gql__hex_value(p + i < n ? s[p + i] : -1);
        code = h < 0 ? -1 : (code < 0 ? -1 : (code << 4) | h);
    }
    if (code >= 0 && is_scalar_value((uint32_t)code)) {
        *cp = (uint32_t)code;
        return 6;
    }
    if (code >= 0xD800 && code <= 0xDBFF && p + 7 < n && s[p + 6] == '\\' && s[p + 7] == 'u') {
        int32_t trail = 0;
        for (size_t i = 8; i < 12; i++) {
            int h = gql__hex_value(p + i < n ? s[p + i] : -1);
            trail = h < 0 ? -1 : (trail < 0 ? -1 : (trail << 4) | h);
        }
        if (trail >= 0xDC00 && trail <= 0xDFFF) {
            *cp = 0x10000 + (((uint32_t)code - 0xD800) << 10) + ((uint32_t)trail - 0xDC00);
            return 12;
        }
    }
    *bad_units = 6;
    return 0;
}

/* The offset of the first byte at or after p that is not printable ASCII
 * from `lowest` to '~', or is '"' or '\\': the bytes of a string that need
 * no attention, skipped in one tight loop. */
static inline size_t skip_plain(const unsigned char *s, size_t n, size_t p, unsigned lowest)
{
#if defined(__GNUC__)
    /* Eight bytes at a time while none of them needs attention (the
     * has-less / has-more / has-zero-byte word tricks; lowest <= 0x20). */
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (p + 8 <= n) {
        uint64_t w;
        memcpy(&w, s + p, 8);
        uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
        uint64_t special =
            ((w - ones * lowest) | (w + ones * (127 - '~')) | w | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs;
        if (special != 0)
            break;
        p += 8;
    }
#endif
    while (p < n) {
        unsigned c = s[p];
        if (c < lowest || c > '~' || c == '"' || c == '\\')
            break;
        p++;
    }
    return p;
}

/* StringValue :: " StringCharacter* " */
static int read_string(gql_lexer_t *lx, gql_token_t *tok, size_t start)
{
    const unsigned char *s = (const unsigned char *)lx->src;
    size_t n = lx->len, p = start + 1;
    bool escaped = false;
    char buf[32];
    /* Pass 1: find the closing quote, validating characters and escapes. */
    for (;;) {
        p = skip_plain(s, n, p, ' ');
        if (p >= n)
            return gql__lex_error(lx, p, "Unterminated string.");
        unsigned c = s[p];
        if (c == '"')
            break;
        if (c == '\\') {
            uint32_t cp;
            size_t bad = 0;
            bool unicode;
            size_t k = read_escape(s, n, p, &cp, &bad, &unicode);
            if (k == 0) {
                size_t e = skip_units(s, n, p, bad);
                return gql__lex_error(lx, p, "Invalid %s escape sequence: \"%.*s\".", unicode ? "Unicode" : "character",
                                      (int)(e - p), lx->src + p);
            }
            escaped = true;
            p += k;
            continue;
        }
        if (c == '\n' || c == '\r')
            return gql__lex_error(lx, p, "Unterminated string.");
        if (c < 0x80) {
            p++;
            continue;
        }
        uint32_t cp;
        int k = gql__utf8_decode(s + p, n - p, &cp);
        if (k == 0)
            return gql__lex_error(lx, p, "Invalid character within String: %s.", char_desc(lx, p, buf));
        lx->line_extra += utf8_extra(k);
        p += (size_t)k;
    }
    size_t raw = p - start - 1;
    char *out = gql_arena_alloc_raw(lx->arena, raw + 1);
    if (out == NULL)
        return GQL_ENOMEM;
    size_t len = 0;
    if (!escaped) {
        memcpy(out, lx->src + start + 1, raw);
        len = raw;
    } else {
        /* Pass 2: every escape is known to be valid. */
        for (size_t q = start + 1; q < p;) {
            if (s[q] != '\\') {
                out[len++] = (char)s[q++];
                continue;
            }
            uint32_t cp = 0;
            size_t bad;
            bool unicode;
            q += read_escape(s, n, q, &cp, &bad, &unicode);
            len += gql__utf8_encode(cp, out + len);
        }
    }
    out[len] = '\0';
    tok->value = out;
    tok->len = len;
    finish(lx, tok, GQL_TOK_STRING, p + 1);
    return 0;
}

static inline bool is_block_escape(const unsigned char *s, size_t n, size_t p)
{
    return p + 3 < n && s[p] == '\\' && s[p + 1] == '"' && s[p + 2] == '"' && s[p + 3] == '"';
}

/* BlockString :: """ BlockStringCharacter* """, with BlockStringValue(). */
static int read_block_string(gql_lexer_t *lx, gql_token_t *tok, size_t start)
{
    const unsigned char *s = (const unsigned char *)lx->src;
    size_t n = lx->len, p = start + 3;
    char buf[32];
    /* Pass 1: find the end; measure lines. A line is blank when it holds only
     * spaces and tabs; the common indent is the least indentation of the
     * non-blank lines after the first. */
    size_t line = 0, common = SIZE_MAX, first_kept = SIZE_MAX, last_kept = 0;
    size_t indent = 0;
    bool blank = true, saw_cr = false;
    uint32_t lines_seen = 0;
    size_t line_start = lx->line_start, line_extra = lx->line_extra;
    for (;;) {
        if (!blank || (p < n && s[p] > ' ')) {
            /* past the indentation, a run of plain text (spaces included)
             * only makes the line non-blank */
            size_t q = skip_plain(s, n, p, ' ');
            if (q != p) {
                blank = false;
                p = q;
                continue;
            }
        }
        if (p >= n)
            return gql__lex_error(lx, p, "Unterminated string.");
        unsigned c = s[p];
        bool closing = c == '"' && p + 2 < n && s[p + 1] == '"' && s[p + 2] == '"';
        if (closing || c == '\n' || c == '\r') {
            if (!blank) {
                if (first_kept == SIZE_MAX)
                    first_kept = line;
                last_kept = line;
                if (line != 0 && indent < common)
                    common = indent;
            }
            if (closing)
                break;
            saw_cr |= c == '\r';
            p += (c == '\r' && p + 1 < n && s[p + 1] == '\n') ? 2 : 1;
            line++;
            lines_seen++;
            line_start = p;
            line_extra = 0;
            indent = 0;
            blank = true;
            continue;
        }
        if (c == ' ' || c == '\t') {
            if (blank)
                indent++;
            p++;
            continue;
        }
        blank = false;
        if (is_block_escape(s, n, p)) {
            p += 4;
            continue;
        }
        if (c < 0x80) {
            p++;
            continue;
        }
        uint32_t cp;
        int k = gql__utf8_decode(s + p, n - p, &cp);
        if (k == 0)
            return gql__lex_error(lx, p, "Invalid character within String: %s.", char_desc(lx, p, buf));
        line_extra += utf8_extra(k);
        p += (size_t)k;
    }
    size_t close = p;
    char *out = gql_arena_alloc_raw(lx->arena, close - start - 3 + 1);
    if (out == NULL)
        return GQL_ENOMEM;
    size_t len = 0;
    if (first_kept != SIZE_MAX) {
        /* Pass 2: copy lines first_kept..last_kept, dropping the common
         * indent from all but the first and resolving \""" escapes. */
        size_t q = start + 3;
        for (size_t i = 0; i <= last_kept; i++) {
            size_t e = q;
            if (!saw_cr) {
                const unsigned char *nl = memchr(s + q, '\n', close - q);
                e = nl ? (size_t)(nl - s) : close;
            } else {
                while (e < close && s[e] != '\n' && s[e] != '\r')
                    e++;
            }
            if (i >= first_kept) {
                if (i > first_kept)
                    out[len++] = '\n';
                size_t from = q;
                if (i != 0)
                    from = (e - q) < common ? e : q + common;
                while (from < e) {
                    const unsigned char *bs = memchr(s + from, '\\', e - from);
                    size_t stop = bs ? (size_t)(bs - s) : e;
                    memcpy(out + len, s + from, stop - from);
                    len += stop - from;
                    from = stop;
                    if (from == e)
                        break;
                    if (is_block_escape(s, e, from)) {
                        memcpy(out + len, "\"\"\"", 3);
                        len += 3;
                        from += 4;
                    } else {
                        out[len++] = '\\';
                        from++;
                    }
                }
            }
            q = e + ((e < close && s[e] == '\r' && e + 1 < close && s[e + 1] == '\n') ? 2 : 1);
        }
    }
    out[len] = '\0';
    tok->value = out;
    tok->len = len;
    lx->line += lines_seen;
    lx->line_start = line_start;
    lx->line_extra = line_extra;
    finish(lx, tok, GQL_TOK_BLOCK_STRING, close + 3);
    return 0;
}

static int read_name(gql_lexer_t *lx, gql_token_t *tok, size_t start)
{
    const unsigned char *s = (const unsigned char *)lx->src;
    size_t n = lx->len, p = start + 1;
    while (p < n && is_name_continue(s[p]))
        p++;
    tok->value = lx->src + start;
    tok->len = p - start;
    finish(lx, tok, GQL_TOK_NAME, p);
    return 0;
}

/* The offset of the first byte at or after p that is not a space.
 * Indentation makes long runs of spaces the most common bytes in queries,
 * so they are skipped eight at a time. */
static inline size_t skip_spaces(const unsigned char *s, size_t n, size_t p)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (p + 8 <= n) {
        uint64_t w;
        memcpy(&w, s + p, 8);
        w ^= 0x2020202020202020ull;
        if (w != 0)
            return p + (size_t)(__builtin_ctzll(w) >> 3);
        p += 8;
    }
#endif
    while (p < n && s[p] == ' ')
        p++;
    return p;
}

int gql_lexer_next(gql_lexer_t *lx, gql_token_t *tok)
{
    const unsigned char *s = (const unsigned char *)lx->src;
    size_t n = lx->len;
    char buf[32];
    for (;;) {
        size_t p = lx->pos;
        /* Ignored tokens: white space, line terminators, commas, BOM. */
        while (p < n) {
            unsigned cls = char_class[s[p]];
            if (cls == CC_WS) {
                p = skip_spaces(s, n, p + 1);
                continue;
            }
            if (cls - 1u >= 4u) /* not ignored: a token starts here */
                break;
            unsigned c = s[p];
            if (c == '\n') {
                p++;
                lx->line++;
                lx->line_start = p;
                lx->line_extra = 0;
            } else if (c == '\r') {
                p += (p + 1 < n && s[p + 1] == '\n') ? 2 : 1;
                lx->line++;
                lx->line_start = p;
                lx->line_extra = 0;
            } else if (c == 0xEF && p + 2 < n && s[p + 1] == 0xBB && s[p + 2] == 0xBF) {
                p += 3;
                lx->line_extra += 2;
            } else {
                break;
            }
        }
        lx->pos = p;
        tok->loc.line = lx->line;
        tok->loc.column = (uint32_t)(1 + (p - lx->line_start) - lx->line_extra);
        tok->loc.offset = (uint32_t)p;
        tok->value = NULL;
        tok->len = 0;
        if (p >= n) {
            finish(lx, tok, GQL_TOK_EOF, n);
            return 0;
        }
        int c = s[p];
        switch (c) {
        case '#':
            read_comment(lx, tok, p);
            if (lx->keep_comments)
                return 0;
            continue;
        case '!':
            finish(lx, tok, GQL_TOK_BANG, p + 1);
            return 0;
        case '$':
            finish(lx, tok, GQL_TOK_DOLLAR, p + 1);
            return 0;
        case '&':
            finish(lx, tok, GQL_TOK_AMP, p + 1);
            return 0;
        case '(':
            finish(lx, tok, GQL_TOK_PAREN_L, p + 1);
            return 0;
        case ')':
            finish(lx, tok, GQL_TOK_PAREN_R, p + 1);
            return 0;
        case ':':
            finish(lx, tok, GQL_TOK_COLON, p + 1);
            return 0;
        case '=':
            finish(lx, tok, GQL_TOK_EQUALS, p + 1);
            return 0;
        case '@':
            finish(lx, tok, GQL_TOK_AT, p + 1);
            return 0;
        case '[':
            finish(lx, tok, GQL_TOK_BRACKET_L, p + 1);
            return 0;
        case ']':
            finish(lx, tok, GQL_TOK_BRACKET_R, p + 1);
            return 0;
        case '{':
            finish(lx, tok, GQL_TOK_BRACE_L, p + 1);
            return 0;
        case '|':
            finish(lx, tok, GQL_TOK_PIPE, p + 1);
            return 0;
        case '}':
            finish(lx, tok, GQL_TOK_BRACE_R, p + 1);
            return 0;
        case '.':
            if (at(lx, p + 1) == '.' && at(lx, p + 2) == '.') {
                finish(lx, tok, GQL_TOK_SPREAD, p + 3);
                return 0;
            }
            if (at(lx, p + 1) == '.')
                return gql__lex_error(lx, p, "Unexpected \"..\", did you mean \"...\"?");
            if (is_digit(at(lx, p + 1))) {
                size_t e = p + 1;
                while (is_digit(at(lx, e)))
                    e++;
                return gql__lex_error(lx, p, "Invalid number, expected digit before \".\", did you mean \"0.%.*s\"?",
                                      (int)(e - p - 1), lx->src + p + 1);
            }
            return gql__lex_error(lx, p, "Unexpected character: %s.", char_desc(lx, p, buf));
        case '"':
            if (at(lx, p + 1) == '"' && at(lx, p + 2) == '"')
                return read_block_string(lx, tok, p);
            return read_string(lx, tok, p);
        case '\'':
            return gql__lex_error(lx, p,
                                  "Unexpected single quote character ('), did you mean to use a double quote (\")?");
        default:
            break;
        }
        if (is_digit(c) || c == '-')
            return read_number(lx, tok, p);
        if (is_name_start(c))
            return read_name(lx, tok, p);
        uint32_t cp;
        if (c >= 0x80 && gql__utf8_decode(s + p, n - p, &cp) == 0)
            return gql__lex_error(lx, p, "Invalid character: %s.", char_desc(lx, p, buf));
        return gql__lex_error(lx, p, "Unexpected character: %s.", char_desc(lx, p, buf));
    }
}
