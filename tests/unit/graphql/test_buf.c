/* Unit tests of buf.c, arena.c and errors.c: JSON writing and error shapes. */
#include "gql.h"
#include "test.h"

static const char *json_str(gql_buf_t *b, const char *s, size_t n)
{
    b->len = 0;
    gql_buf_json_string(b, s, n);
    return gql_buf_cstr(b);
}

static const char *dbl(gql_buf_t *b, double v)
{
    b->len = 0;
    gql_buf_double(b, v);
    return gql_buf_cstr(b);
}

TEST(json_string_escapes)
{
    gql_buf_t b = GQL_BUF_INIT;
    ASSERT_EQ_STR("\"a\\\"b\\\\c\"", json_str(&b, "a\"b\\c", 5));
    ASSERT_EQ_STR("\"\\n\\t\\u0001\\u0000\"", json_str(&b, "\n\t\x01\0", 4));
    ASSERT_EQ_STR("\"\xE2\x82\xAC"
                  "1\"",
                  json_str(&b,
                           "\xE2\x82\xAC"
                           "1",
                           4));
    ASSERT_EQ_STR("\"\xEF\xBF\xBDx\"", json_str(&b, "\xFFx", 2));               /* invalid byte -> U+FFFD */
    ASSERT_EQ_STR("\"\xEF\xBF\xBD\xEF\xBF\xBD\"", json_str(&b, "\xED\xA0", 2)); /* truncated surrogate */
    gql_buf_free(&b);
}

TEST(doubles_print_like_javascript)
{
    gql_buf_t b = GQL_BUF_INIT;
    ASSERT_EQ_STR("1", dbl(&b, 1.0));
    ASSERT_EQ_STR("1.5", dbl(&b, 1.5));
    ASSERT_EQ_STR("0.1", dbl(&b, 0.1));
    ASSERT_EQ_STR("-0.000001", dbl(&b, -0.000001));
    ASSERT_EQ_STR("1e-7", dbl(&b, 1e-7));
    ASSERT_EQ_STR("1e+21", dbl(&b, 1e21));
    ASSERT_EQ_STR("123456789012", dbl(&b, 123456789012.0));
    ASSERT_EQ_STR("3.14159", dbl(&b, 3.14159));
    ASSERT_EQ_STR("null", dbl(&b, 1.0 / 0.0));
    gql_buf_free(&b);
}

TEST(ints)
{
    gql_buf_t b = GQL_BUF_INIT;
    gql_buf_int(&b, INT64_MIN);
    gql_buf_putc(&b, ' ');
    gql_buf_int(&b, 0);
    gql_buf_putc(&b, ' ');
    gql_buf_int(&b, 42);
    ASSERT_EQ_STR("-9223372036854775808 0 42", gql_buf_cstr(&b));
    gql_buf_free(&b);
}

TEST(arena_grows_and_resets)
{
    size_t counter = 0;
    gql_arena_t *a = gql_arena_new(64, &counter);
    ASSERT(a != NULL);
    size_t base = counter;
    for (int i = 0; i < 1000; i++) {
        char *p = gql_arena_alloc(a, (size_t)(i % 50) + 1);
        ASSERT(p != NULL);
        ASSERT(((uintptr_t)p & 15) == 0);
        ASSERT(p[0] == 0);
        p[0] = 'x';
    }
    char *big = gql_arena_alloc(a, 100000);
    ASSERT(big != NULL);
    ASSERT(counter > base);
    ASSERT(counter == gql_arena_bytes(a));
    gql_arena_reset(a);
    ASSERT(counter == base);
    ASSERT_EQ_STR("n=7", gql_arena_printf(a, "n=%d", 7));
    gql_arena_free(a);
    ASSERT_EQ_INT(0, counter);
}

/* A large allocation while the first block is still the head gets a block
 * linked behind the first: reset must free it too (a loop's scratch arena,
 * reset after each WebSocket message, used to keep every such block). */
TEST(arena_reset_frees_large_blocks_behind_the_first)
{
    size_t counter = 0;
    gql_arena_t *a = gql_arena_new(8192, &counter);
    ASSERT(a != NULL);
    size_t base = counter;
    for (int round = 0; round < 3; round++) {
        ASSERT(gql_arena_alloc(a, 16) != NULL);
        ASSERT(gql_arena_alloc(a, 60000) != NULL);
        ASSERT(gql_arena_alloc(a, 70000) != NULL);
        ASSERT(counter > base + 130000);
        gql_arena_reset(a);
        ASSERT_EQ_INT(base, counter);
        ASSERT_EQ_INT(base, gql_arena_bytes(a));
    }
    gql_arena_free(a);
    ASSERT_EQ_INT(0, counter);
}

TEST(errors_json_shape)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_errors_t e;
    gql_errors_init(&e, a, 2);
    gql_loc_t loc = {3, 7, 20};
    gql_path_t p0 = {NULL, "a", 0}, p1 = {&p0, NULL, 2}, p2 = {&p1, "b", 0};
    ASSERT(gql_errors_add(&e, "X", &p2, &loc, 1, "bad %s", "thing") != NULL);
    ASSERT(gql_errors_add(&e, NULL, NULL, NULL, 0, "second") != NULL);
    ASSERT(gql_errors_add(&e, NULL, NULL, NULL, 0, "third") == NULL);
    gql_buf_t b = GQL_BUF_INIT;
    gql_errors_write_json(&e, &b);
    ASSERT_EQ_STR("[{\"message\":\"bad thing\",\"locations\":[{\"line\":3,\"column\":7}],\"path\":[\"a\",2,\"b\"],"
                  "\"extensions\":{\"code\":\"X\"}},{\"message\":\"second\"},"
                  "{\"message\":\"Too many errors: 1 more were not reported.\"}]",
                  gql_buf_cstr(&b));
    gql_buf_free(&b);
    gql_arena_free(a);
}

TEST_MAIN(TEST_ENTRY(json_string_escapes), TEST_ENTRY(doubles_print_like_javascript), TEST_ENTRY(ints),
          TEST_ENTRY(arena_grows_and_resets), TEST_ENTRY(arena_reset_frees_large_blocks_behind_the_first),
          TEST_ENTRY(errors_json_shape))
