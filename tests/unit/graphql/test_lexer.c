/* Unit tests of lexer.c: every token kind, every escape, block string
 * dedent, locations (lines, UTF-16 columns, BOM), and every lexer error with
 * graphql-js's message and location. */
#include "lexer.h"
#include "test.h"

#define MAX_TOKS 64

/* The tokens of src (comments kept when `comments`), up to EOF or the first
 * error; returns the count, or -1 on error (the lexer then holds it). */
static int lex_all(gql_lexer_t *lx, gql_arena_t *a, const char *src, size_t len, bool comments, gql_token_t *toks)
{
    gql_lexer_init(lx, a, src, len);
    lx->keep_comments = comments;
    for (int n = 0; n < MAX_TOKS; n++) {
        if (gql_lexer_next(lx, &toks[n]) != 0)
            return -1;
        if (toks[n].kind == GQL_TOK_EOF)
            return n;
    }
    return MAX_TOKS;
}

/* The single token of src (which must hold exactly one). */
static gql_token_t one(gql_arena_t *a, const char *src)
{
    gql_lexer_t lx;
    gql_token_t toks[MAX_TOKS];
    memset(toks, 0, sizeof(toks));
    int n = lex_all(&lx, a, src, strlen(src), false, toks);
    if (n != 1)
        toks[0].kind = GQL_TOK_SOF; /* makes the caller's check fail */
    return toks[0];
}

static bool value_eq(const gql_token_t *t, const char *expected, size_t n)
{
    return t->len == n && memcmp(t->value, expected, n) == 0;
}

TEST(punctuators)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_lexer_t lx;
    gql_token_t t[MAX_TOKS];
    const char *src = "! $ & ( ) ... : = @ [ ] { | }";
    static const gql_tok_t kinds[] = {GQL_TOK_BANG,    GQL_TOK_DOLLAR,    GQL_TOK_AMP,       GQL_TOK_PAREN_L,
                                      GQL_TOK_PAREN_R, GQL_TOK_SPREAD,    GQL_TOK_COLON,     GQL_TOK_EQUALS,
                                      GQL_TOK_AT,      GQL_TOK_BRACKET_L, GQL_TOK_BRACKET_R, GQL_TOK_BRACE_L,
                                      GQL_TOK_PIPE,    GQL_TOK_BRACE_R};
    ASSERT_EQ_INT(14, lex_all(&lx, a, src, strlen(src), false, t));
    uint32_t col = 1;
    for (int i = 0; i < 14; i++) {
        ASSERT_EQ_INT(kinds[i], t[i].kind);
        ASSERT_EQ_INT(col, t[i].loc.column);
        ASSERT(t[i].value == NULL);
        col += kinds[i] == GQL_TOK_SPREAD ? 4 : 2;
    }
    ASSERT_EQ_INT(GQL_TOK_EOF, t[14].kind);
    ASSERT_EQ_INT(strlen(src), t[14].loc.offset);
    ASSERT_EQ_STR("\"...\"", gql_tok_desc(GQL_TOK_SPREAD));
    ASSERT_EQ_STR("Name", gql_tok_desc(GQL_TOK_NAME));
    ASSERT_EQ_STR("<EOF>", gql_tok_desc(GQL_TOK_EOF));
    gql_arena_free(a);
}

TEST(names_and_insignificant_commas)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_lexer_t lx;
    gql_token_t t[MAX_TOKS];
    const char *src = "_a1,,B2_ ,\t__typename,x";
    ASSERT_EQ_INT(4, lex_all(&lx, a, src, strlen(src), false, t));
    ASSERT(t[0].kind == GQL_TOK_NAME && value_eq(&t[0], "_a1", 3));
    ASSERT(value_eq(&t[1], "B2_", 3));
    ASSERT_EQ_INT(6, t[1].loc.column);
    ASSERT(value_eq(&t[2], "__typename", 10));
    ASSERT(value_eq(&t[3], "x", 1));
    ASSERT_EQ_INT(GQL_TOK_EOF, t[4].kind);
    gql_arena_free(a);
}

TEST(numbers)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    static const struct {
        const char *src;
        gql_tok_t kind;
    } cases[] = {
        {"0", GQL_TOK_INT},
        {"-0", GQL_TOK_INT},
        {"12", GQL_TOK_INT},
        {"-1234567890", GQL_TOK_INT},
        {"0.0", GQL_TOK_FLOAT},
        {"-1.5", GQL_TOK_FLOAT},
        {"1e10", GQL_TOK_FLOAT},
        {"1E+2", GQL_TOK_FLOAT},
        {"1.25e-3", GQL_TOK_FLOAT},
        {"-0.5E0", GQL_TOK_FLOAT},
        {"123456789012345678901234567890", GQL_TOK_INT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gql_token_t t = one(a, cases[i].src);
        ASSERT_EQ_INT(cases[i].kind, t.kind);
        ASSERT(value_eq(&t, cases[i].src, strlen(cases[i].src)));
    }
    /* A number ends at punctuation or white space. */
    gql_lexer_t lx;
    gql_token_t t[MAX_TOKS];
    ASSERT_EQ_INT(4, lex_all(&lx, a, "1]2.5)", 6, false, t));
    ASSERT(t[0].kind == GQL_TOK_INT && value_eq(&t[0], "1", 1));
    ASSERT(t[2].kind == GQL_TOK_FLOAT && value_eq(&t[2], "2.5", 3));
    gql_arena_free(a);
}

TEST(string_escapes)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    static const struct {
        const char *src;
        const char *value;
        size_t len;
    } cases[] = {
        {"\"\"", "", 0},
        {"\"plain text\"", "plain text", 10},
        {"\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "\" \\ / \b \f \n \r \t", 15},
        {"\"\\u00e9\\u00E9\"", "\xC3\xA9\xC3\xA9", 4},
        {"\"\\u20AC\"", "\xE2\x82\xAC", 3},
        {"\"\\u{1F600}\"", "\xF0\x9F\x98\x80", 4},
        {"\"\\u{0000000041}\"", NULL, 0}, /* too many digits: an error, see lexer_errors */
        {"\"\\u{41}\\u{0}x\"", "A\0x", 3},
        {"\"\\u{10FFFF}\"", "\xF4\x8F\xBF\xBF", 4},
        {"\"\\uD83D\\uDE00\"", "\xF0\x9F\x98\x80", 4},
        {"\"\\u0000\"", "\0", 1},
        {"\"raw \xC3\xA9 \xF0\x9F\x98\x80\"", "raw \xC3\xA9 \xF0\x9F\x98\x80", 11},
        {"\"tab\there \x01\"", "tab\there \x01", 10},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].value == NULL)
            continue;
        gql_token_t t = one(a, cases[i].src);
        ASSERT_EQ_INT(GQL_TOK_STRING, t.kind);
        if (!value_eq(&t, cases[i].value, cases[i].len)) {
            FAIL_("case %zu: %s decoded to %zu bytes", i, cases[i].src, t.len);
            return;
        }
        ASSERT(t.value[t.len] == '\0');
    }
    gql_arena_free(a);
}

TEST(block_string_dedent)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    static const struct {
        const char *src;
        const char *value;
    } cases[] = {
        /* the spec's example: common indent removed, blank first/last lines dropped */
        {"\"\"\"\n    Hello,\n      World!\n\n    Yours,\n      GraphQL.\n  \"\"\"",
         "Hello,\n  World!\n\nYours,\n  GraphQL."},
        /* the first line is never dedented and does not count for the indent */
        {"\"\"\"  first\n    second\n  \"\"\"", "  first\nsecond"},
        /* interior blank lines keep what is left after the common indent */
        {"\"\"\"\n  a\n      \n  b\n\"\"\"", "a\n    \nb"},
        /* tabs count as indentation */
        {"\"\"\"\n\t\ta\n\t b\"\"\"", "a\nb"},
        /* \r\n and \r end lines too */
        {"\"\"\"\r\n  a\r\n  b\r\n\"\"\"", "a\nb"},
        {"\"\"\"\r  a\r\r  b\r\"\"\"", "a\n\nb"},
        /* escaped triple quotes; other escapes are literal */
        {"\"\"\"a \\\"\"\" b \\n \\u0041\"\"\"", "a \"\"\" b \\n \\u0041"},
        {"\"\"\"\\\\\"\"\"\"\"\"", NULL},
        /* only white space, and empty */
        {"\"\"\"   \n   \"\"\"", ""},
        {"\"\"\"\"\"\"", ""},
        {"\"\"\"  x  \"\"\"", "  x  "},
        {"\"\"\"\n    caf\xC3\xA9\n      \xF0\x9F\x98\x80\n\"\"\"", "caf\xC3\xA9\n  \xF0\x9F\x98\x80"},
        {"\"\"\"\"quoted\" \"\"\"", "\"quoted\" "},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (cases[i].value == NULL)
            continue;
        gql_token_t t = one(a, cases[i].src);
        ASSERT_EQ_INT(GQL_TOK_BLOCK_STRING, t.kind);
        ASSERT_EQ_STR(cases[i].value, t.value);
        ASSERT_EQ_INT(strlen(cases[i].value), t.len);
    }
    /* \\""" is a backslash followed by an escaped triple quote. */
    gql_lexer_t lx;
    gql_token_t t[MAX_TOKS];
    const char *src = "\"\"\"\\\\\"\"\" x\"\"\"";
    ASSERT_EQ_INT(1, lex_all(&lx, a, src, strlen(src), false, t));
    ASSERT_EQ_STR("\\\"\"\" x", t[0].value);
    gql_arena_free(a);
}

TEST(comments)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_lexer_t lx;
    gql_token_t t[MAX_TOKS];
    const char *src = "# first \xC3\xA9\na # second\r\n#\n b";
    ASSERT_EQ_INT(2, lex_all(&lx, a, src, strlen(src), false, t));
    ASSERT(value_eq(&t[0], "a", 1) && value_eq(&t[1], "b", 1));
    ASSERT_EQ_INT(4, t[1].loc.line);
    ASSERT_EQ_INT(2, t[1].loc.column);
    ASSERT_EQ_INT(5, lex_all(&lx, a, src, strlen(src), true, t));
    ASSERT_EQ_INT(GQL_TOK_COMMENT, t[0].kind);
    ASSERT(value_eq(&t[0], " first \xC3\xA9", 9));
    ASSERT(t[2].kind == GQL_TOK_COMMENT && value_eq(&t[2], " second", 7));
    ASSERT_EQ_INT(3, t[2].loc.column);
    ASSERT(t[3].kind == GQL_TOK_COMMENT && t[3].len == 0);
    gql_arena_free(a);
}

TEST(locations)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_lexer_t lx;
    gql_token_t t[MAX_TOKS];
    /* \n, \r\n and \r each end one line */
    const char *src = "a\nb\r\nc\rd\n\n  e";
    ASSERT_EQ_INT(5, lex_all(&lx, a, src, strlen(src), false, t));
    for (int i = 0; i < 4; i++) {
        ASSERT_EQ_INT(i + 1, t[i].loc.line);
        ASSERT_EQ_INT(1, t[i].loc.column);
    }
    ASSERT_EQ_INT(6, t[4].loc.line);
    ASSERT_EQ_INT(3, t[4].loc.column);
    ASSERT_EQ_INT(strlen(src) - 1, t[4].loc.offset);
    /* columns count UTF-16 units: é is one, 😀 two, the BOM one */
    src = "\xEF\xBB\xBF\"\xC3\xA9\xF0\x9F\x98\x80\" a";
    ASSERT_EQ_INT(2, lex_all(&lx, a, src, strlen(src), false, t));
    ASSERT_EQ_INT(2, t[0].loc.column);
    ASSERT_EQ_INT(3, t[0].loc.offset);
    ASSERT_EQ_INT(8, t[1].loc.column);
    /* after a block string the line count continues inside it */
    src = "\"\"\"x\n  y\r\n \xC3\xA9\"\"\" z\nw";
    ASSERT_EQ_INT(3, lex_all(&lx, a, src, strlen(src), false, t));
    ASSERT_EQ_INT(3, t[1].loc.line);
    ASSERT_EQ_INT(7, t[1].loc.column);
    ASSERT_EQ_INT(4, t[2].loc.line);
    /* the error-position helper agrees */
    gql_loc_t l = gql__loc_at(src, strlen(src), t[1].loc.offset);
    ASSERT_EQ_INT(3, l.line);
    ASSERT_EQ_INT(7, l.column);
    gql_arena_free(a);
}

/* Every lexer error: message as graphql-js words it, line and column. */
TEST(lexer_errors)
{
    static const struct {
        const char *src;
        const char *message;
        uint32_t line, column;
    } cases[] = {
        {"?", "Unexpected character: \"?\".", 1, 1},
        {"a\n  ~", "Unexpected character: \"~\".", 2, 3},
        {"\x07", "Unexpected character: U+0007.", 1, 1},
        {"\xC3\xA9", "Unexpected character: U+00E9.", 1, 1},
        {"\xF0\x9F\x98\x80", "Unexpected character: U+1F600.", 1, 1},
        {"\"\xC3\xA9\" \xE2\x82\xAC", "Unexpected character: U+20AC.", 1, 5},
        {"\xFF", "Invalid character: byte 0xFF (not UTF-8).", 1, 1},
        {"a \xC3(", "Invalid character: byte 0xC3 (not UTF-8).", 1, 3},
        {"\xED\xA0\x80", "Invalid character: byte 0xED (not UTF-8).", 1, 1},
        {"'a'", "Unexpected single quote character ('), did you mean to use a double quote (\")?", 1, 1},
        {"..", "Unexpected \"..\", did you mean \"...\"?", 1, 1},
        {". a", "Unexpected character: \".\".", 1, 1},
        {".123", "Invalid number, expected digit before \".\", did you mean \"0.123\"?", 1, 1},
        {"00", "Invalid number, unexpected digit after 0: \"0\".", 1, 2},
        {"-01", "Invalid number, unexpected digit after 0: \"1\".", 1, 3},
        {"1.", "Invalid number, expected digit but got: <EOF>.", 1, 3},
        {"1.x", "Invalid number, expected digit but got: \"x\".", 1, 3},
        {"1.5.", "Invalid number, expected digit but got: \".\".", 1, 4},
        {"1e", "Invalid number, expected digit but got: <EOF>.", 1, 3},
        {"1e+ ", "Invalid number, expected digit but got: \" \".", 1, 4},
        {"12x", "Invalid number, expected digit but got: \"x\".", 1, 3},
        {"0_", "Invalid number, expected digit but got: \"_\".", 1, 2},
        {"-", "Invalid number, expected digit but got: <EOF>.", 1, 2},
        {"-a", "Invalid number, expected digit but got: \"a\".", 1, 2},
        {"1\"", "Unterminated string.", 1, 3},
        {"\"abc", "Unterminated string.", 1, 5},
        {"\"ab\ncd\"", "Unterminated string.", 1, 4},
        {"\"ab\rcd\"", "Unterminated string.", 1, 4},
        {"\"\"\"abc\n\n", "Unterminated string.", 3, 1},
        {"\"\"\"abc\\\"\"\"", "Unterminated string.", 1, 11},
        {"\"\\z\"", "Invalid character escape sequence: \"\\z\".", 1, 2},
        {"\"\\", "Invalid character escape sequence: \"\\\".", 1, 2},
        {"\"x\\\xC3\xA9\"", "Invalid character escape sequence: \"\\\xC3\xA9\".", 1, 3},
        {"\"\\u12\"", "Invalid Unicode escape sequence: \"\\u12\"\".", 1, 2},
        {"\"\\uXYZW\"", "Invalid Unicode escape sequence: \"\\uXYZW\".", 1, 2},
        {"\"\\u{}\"", "Invalid Unicode escape sequence: \"\\u{}\".", 1, 2},
        {"\"\\u{zz}\"", "Invalid Unicode escape sequence: \"\\u{z\".", 1, 2},
        {"\"\\u{110000}\"", "Invalid Unicode escape sequence: \"\\u{110000}\".", 1, 2},
        {"\"\\u{D800}\"", "Invalid Unicode escape sequence: \"\\u{D800}\".", 1, 2},
        {"\"\\u{000000041}\"", "Invalid Unicode escape sequence: \"\\u{000000041\".", 1, 2},
        {"\"\\u{FFFFFFFF}\"", "Invalid Unicode escape sequence: \"\\u{FFFFFFFF\".", 1, 2},
        {"\"\\u{1\"", "Invalid Unicode escape sequence: \"\\u{1\"\".", 1, 2},
        {"\"\\uD83D\"", "Invalid Unicode escape sequence: \"\\uD83D\".", 1, 2},
        {"\"\\uDE00\\uD83D\"", "Invalid Unicode escape sequence: \"\\uDE00\".", 1, 2},
        {"\"\\uD83Dx\"", "Invalid Unicode escape sequence: \"\\uD83D\".", 1, 2},
        {"\"\\uD83D\\u0041\"", "Invalid Unicode escape sequence: \"\\uD83D\".", 1, 2},
        {"\"ok\" \"\xC3\xA9\\q\"", "Invalid character escape sequence: \"\\q\".", 1, 8},
        {"\"a\xFF\"", "Invalid character within String: byte 0xFF (not UTF-8).", 1, 3},
        {"\"\"\"\n a\xC0\x80\"\"\"", "Invalid character within String: byte 0xC0 (not UTF-8).", 2, 3},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gql_arena_t *a = gql_arena_new(0, NULL);
        gql_lexer_t lx;
        gql_token_t t[MAX_TOKS];
        int n = lex_all(&lx, a, cases[i].src, strlen(cases[i].src), false, t);
        char expected[256];
        snprintf(expected, sizeof(expected), "Syntax Error: %s", cases[i].message);
        if (n != -1 || lx.error == NULL || strcmp(expected, lx.error) != 0 || lx.error_loc.line != cases[i].line ||
            lx.error_loc.column != cases[i].column) {
            FAIL_("case %zu (%s):\n    expected %s @%u:%u\n    actual   %s @%u:%u", i, cases[i].src, expected,
                  cases[i].line, cases[i].column, lx.error ? lx.error : "(no error)", lx.error_loc.line,
                  lx.error_loc.column);
        }
        gql_arena_free(a);
    }
}

TEST(eof_is_sticky_and_empty_input)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_lexer_t lx;
    gql_token_t t;
    gql_lexer_init(&lx, a, "", 0);
    ASSERT_EQ_INT(0, gql_lexer_next(&lx, &t));
    ASSERT_EQ_INT(GQL_TOK_EOF, t.kind);
    ASSERT_EQ_INT(0, gql_lexer_next(&lx, &t));
    ASSERT_EQ_INT(GQL_TOK_EOF, t.kind);
    ASSERT_EQ_INT(1, t.loc.line);
    ASSERT_EQ_INT(1, t.loc.column);
    /* the source need not be NUL-terminated: only len bytes are read */
    char buf[3] = {'a', 'b', '?'};
    gql_lexer_init(&lx, a, buf, 2);
    ASSERT_EQ_INT(0, gql_lexer_next(&lx, &t));
    ASSERT(t.kind == GQL_TOK_NAME && t.len == 2);
    ASSERT_EQ_INT(0, gql_lexer_next(&lx, &t));
    ASSERT_EQ_INT(GQL_TOK_EOF, t.kind);
    gql_arena_free(a);
}

TEST(utf8_decoder)
{
    uint32_t cp = 0;
    ASSERT_EQ_INT(1, gql__utf8_decode((const unsigned char *)"A", 1, &cp));
    ASSERT_EQ_INT(0x41, cp);
    ASSERT_EQ_INT(2, gql__utf8_decode((const unsigned char *)"\xC3\xA9", 2, &cp));
    ASSERT_EQ_INT(0xE9, cp);
    ASSERT_EQ_INT(4, gql__utf8_decode((const unsigned char *)"\xF4\x8F\xBF\xBF", 4, &cp));
    ASSERT_EQ_INT(0x10FFFF, cp);
    ASSERT_EQ_INT(0, gql__utf8_decode((const unsigned char *)"\xC3\xA9", 1, &cp));         /* truncated */
    ASSERT_EQ_INT(0, gql__utf8_decode((const unsigned char *)"\xC0\x80", 2, &cp));         /* overlong */
    ASSERT_EQ_INT(0, gql__utf8_decode((const unsigned char *)"\xE0\x80\x80", 3, &cp));     /* overlong */
    ASSERT_EQ_INT(0, gql__utf8_decode((const unsigned char *)"\xED\xB0\x80", 3, &cp));     /* surrogate */
    ASSERT_EQ_INT(0, gql__utf8_decode((const unsigned char *)"\xF4\x90\x80\x80", 4, &cp)); /* > U+10FFFF */
    ASSERT_EQ_INT(0, gql__utf8_decode((const unsigned char *)"\x80", 1, &cp));
}

TEST_MAIN(TEST_ENTRY(punctuators), TEST_ENTRY(names_and_insignificant_commas), TEST_ENTRY(numbers),
          TEST_ENTRY(string_escapes), TEST_ENTRY(block_string_dedent), TEST_ENTRY(comments), TEST_ENTRY(locations),
          TEST_ENTRY(lexer_errors), TEST_ENTRY(eof_is_sticky_and_empty_input), TEST_ENTRY(utf8_decoder))
