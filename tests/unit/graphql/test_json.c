/* Unit tests of json.c: the strict JSON reader, the writer and the lookups. */
#include "gql.h"
#include "test.h"

#include <math.h>

/* Parses `text` and writes it back; returns the arena string, or the error
 * message prefixed with "ERR " when parsing failed. */
static const char *roundtrip(gql_arena_t *a, const char *text)
{
    gql_iv_t v;
    char err[128];
    int rc = gql_json_parse(a, text, strlen(text), &v, err, sizeof(err));
    if (rc != 0)
        return gql_arena_printf(a, "ERR %s", err);
    gql_buf_t b = GQL_BUF_INIT;
    gql_iv_write_json(&v, &b);
    const char *s = gql_arena_strndup(a, b.data ? b.data : "", b.len);
    gql_buf_free(&b);
    return s;
}

TEST(scalars_and_structure)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    ASSERT_EQ_STR("null", roundtrip(a, " null "));
    ASSERT_EQ_STR("true", roundtrip(a, "true"));
    ASSERT_EQ_STR("false", roundtrip(a, "\n\tfalse\r\n"));
    ASSERT_EQ_STR("-12", roundtrip(a, "-12"));
    ASSERT_EQ_STR("1.5", roundtrip(a, "1.5"));
    ASSERT_EQ_STR("1500", roundtrip(a, "1.5e3"));
    ASSERT_EQ_STR("[]", roundtrip(a, "[ ]"));
    ASSERT_EQ_STR("{}", roundtrip(a, "{ }"));
    ASSERT_EQ_STR("{\"a\":[1,2,{\"b\":null}],\"c\":\"x\"}",
                  roundtrip(a, "{\"a\": [1, 2, {\"b\": null}], \"c\": \"x\"}"));
    /* A repeated key keeps its place and takes the last value, as JSON.parse. */
    ASSERT_EQ_STR("{\"a\":3,\"b\":2}", roundtrip(a, "{\"a\":1,\"b\":2,\"a\":3}"));
    gql_arena_free(a);
}

TEST(big_integers_become_floats)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_iv_t v;
    char err[128];
    const char *max = "9223372036854775807";
    ASSERT_EQ_INT(0, gql_json_parse(a, max, strlen(max), &v, err, sizeof(err)));
    ASSERT_EQ_INT(GQL_IV_INT, v.kind);
    ASSERT(v.u.i == INT64_MAX);
    const char *big = "9223372036854775808";
    ASSERT_EQ_INT(0, gql_json_parse(a, big, strlen(big), &v, err, sizeof(err)));
    ASSERT_EQ_INT(GQL_IV_FLOAT, v.kind);
    ASSERT(v.u.f == 9223372036854775808.0);
    ASSERT_EQ_STR("-1e+300", roundtrip(a, "-1e300"));
    ASSERT_EQ_STR("0", roundtrip(a, "-0"));
    gql_arena_free(a);
}

TEST(strings_escapes_and_surrogates)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    ASSERT_EQ_STR("\"a\\\"b\\\\c/\"", roundtrip(a, "\"a\\\"b\\\\c\\/\""));
    ASSERT_EQ_STR("\"\\n\\t\\b\\f\\r\"", roundtrip(a, "\"\\n\\t\\b\\f\\r\""));
    ASSERT_EQ_STR("\"\xE2\x82\xAC\"", roundtrip(a, "\"\\u20AC\""));
    /* U+1F600 written as a surrogate pair becomes 4 UTF-8 bytes. */
    ASSERT_EQ_STR("\"\xF0\x9F\x98\x80\"", roundtrip(a, "\"\\ud83d\\ude00\""));
    /* Lone surrogates cannot be UTF-8: they become U+FFFD. */
    ASSERT_EQ_STR("\"\xEF\xBF\xBDx\"", roundtrip(a, "\"\\ud83dx\""));
    ASSERT_EQ_STR("\"\xEF\xBF\xBD\"", roundtrip(a, "\"\\udc00\""));
    /* An escaped NUL is kept (strings carry their length). */
    gql_iv_t v;
    char err[128];
    ASSERT_EQ_INT(0, gql_json_parse(a, "\"a\\u0000b\"", 10, &v, err, sizeof(err)));
    ASSERT_EQ_INT(3, v.u.s.len);
    ASSERT(memcmp(v.u.s.ptr, "a\0b", 3) == 0);
    ASSERT_EQ_STR("\"\xC3\xA9t\xC3\xA9\"", roundtrip(a, "\"\xC3\xA9t\xC3\xA9\""));
    gql_arena_free(a);
}

TEST(errors_have_positions)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    ASSERT_EQ_STR("ERR Unexpected token } at line 1 column 9", roundtrip(a, "{\"a\": 1,}"));
    ASSERT_EQ_STR("ERR Unexpected end of input at line 1 column 1", roundtrip(a, ""));
    ASSERT_EQ_STR("ERR Unexpected end of input at line 2 column 3", roundtrip(a, "[1,\n  "));
    ASSERT_EQ_STR("ERR Unexpected token x at line 1 column 3", roundtrip(a, "1 x"));
    ASSERT_EQ_STR("ERR Unexpected token 1 at line 1 column 2", roundtrip(a, "01"));
    ASSERT_EQ_STR("ERR Unexpected token . at line 1 column 2", roundtrip(a, "-.5"));
    ASSERT_EQ_STR("ERR Unexpected end of input at line 1 column 3", roundtrip(a, "1."));
    ASSERT_EQ_STR("ERR Unexpected token ' at line 1 column 1", roundtrip(a, "'a'"));
    ASSERT_EQ_STR("ERR Unexpected token t at line 1 column 1", roundtrip(a, "tru"));
    ASSERT_EQ_STR("ERR Unterminated string at line 1 column 5", roundtrip(a, "\"abc"));
    ASSERT_EQ_STR("ERR Bad control character in string at line 1 column 3", roundtrip(a, "\"a\nb\""));
    ASSERT_EQ_STR("ERR Bad escaped character in string at line 1 column 2", roundtrip(a, "\"\\x\""));
    ASSERT_EQ_STR("ERR Bad Unicode escape in string at line 1 column 2", roundtrip(a, "\"\\u12G4\""));
    ASSERT_EQ_STR("ERR Invalid UTF-8 in string at line 1 column 3", roundtrip(a, "\"a\xFF\""));
    ASSERT_EQ_STR("ERR Unexpected token : at line 1 column 5", roundtrip(a, "[\"a\":1]"));
    ASSERT_EQ_STR("ERR Unexpected token 1 at line 1 column 2", roundtrip(a, "{1:2}"));
    /* Columns count code points, not bytes. */
    ASSERT_EQ_STR("ERR Unexpected token ] at line 1 column 7", roundtrip(a, "[\"\xE2\x82\xAC\", ]"));
    gql_arena_free(a);
}

TEST(depth_is_bounded)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    char deep[2100];
    for (int i = 0; i < 1000; i++) {
        deep[i] = '[';
        deep[1999 - i] = ']';
    }
    deep[2000] = '\0';
    const char *r = roundtrip(a, deep);
    ASSERT(strncmp(r, "ERR Nesting too deep at line 1 column 513", 41) == 0);
    char ok[1100];
    for (int i = 0; i < 500; i++) {
        ok[i] = '[';
        ok[999 - i] = ']';
    }
    ok[1000] = '\0';
    ASSERT_EQ_STR(ok, roundtrip(a, ok));
    gql_arena_free(a);
}

TEST(bad_arguments)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_iv_t v;
    ASSERT_EQ_INT(GQL_EINVAL, gql_json_parse(NULL, "1", 1, &v, NULL, 0));
    ASSERT_EQ_INT(GQL_EINVAL, gql_json_parse(a, NULL, 3, &v, NULL, 0));
    ASSERT_EQ_INT(GQL_EFAIL, gql_json_parse(a, "[", 1, &v, NULL, 0)); /* no message buffer: fine */
    gql_arena_free(a);
}

TEST(lookups)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_iv_t v;
    const char *t = "{\"x\": 1, \"y\": null}";
    ASSERT_EQ_INT(0, gql_json_parse(a, t, strlen(t), &v, NULL, 0));
    ASSERT(gql_iv_get(&v, "x") != NULL && gql_iv_get(&v, "x")->u.i == 1);
    ASSERT(gql_iv_get(&v, "y") != NULL && gql_iv_get(&v, "y")->kind == GQL_IV_NULL);
    ASSERT(gql_iv_get(&v, "z") == NULL);
    ASSERT(gql_iv_get(&v.u.obj.values[0], "x") == NULL); /* not an object */
    const char *names[] = {"id", "max"};
    gql_iv_t vals[2] = {{.kind = GQL_IV_INT, .u.i = 5}, {.kind = GQL_IV_NULL}};
    gql_args_t args = {names, vals, 2};
    ASSERT(gql_arg(&args, "id") == &vals[0]);
    ASSERT(gql_arg(&args, "max") != NULL && gql_arg(&args, "max")->kind == GQL_IV_NULL);
    ASSERT(gql_arg(&args, "other") == NULL);
    ASSERT(gql_arg(NULL, "id") == NULL);
    gql_arena_free(a);
}

TEST(non_finite_writes_null)
{
    gql_buf_t b = GQL_BUF_INIT;
    gql_iv_t v = {.kind = GQL_IV_FLOAT, .u.f = INFINITY};
    gql_iv_write_json(&v, &b);
    ASSERT_EQ_STR("null", gql_buf_cstr(&b));
    gql_buf_free(&b);
}

TEST_MAIN(TEST_ENTRY(scalars_and_structure), TEST_ENTRY(big_integers_become_floats),
          TEST_ENTRY(strings_escapes_and_surrogates), TEST_ENTRY(errors_have_positions), TEST_ENTRY(depth_is_bounded),
          TEST_ENTRY(bad_arguments), TEST_ENTRY(lookups), TEST_ENTRY(non_finite_writes_null))
