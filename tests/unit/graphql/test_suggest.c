/*
 * Unit tests of suggest.c, the one "Did you mean" implementation behind
 * schema validation, document validation and input coercion. Expected
 * lists were computed with graphql-js 17.1's suggestionList, didYouMean and
 * naturalCompare (jsutils/) on the same inputs.
 */
#include "gql_int.h"
#include "test.h"

/* The suggestion list of `input` among `opts`, joined by commas. */
static const char *list_str(gql_buf_t *b, const char *input, const char *const *opts, size_t n)
{
    const char **out = malloc((n ? n : 1) * sizeof(*out));
    size_t k = gql__suggestion_list(input, opts, n, out);
    b->len = 0;
    for (size_t i = 0; i < k; i++) {
        if (i)
            gql_buf_putc(b, ',');
        gql_buf_puts(b, out[i]);
    }
    free(out);
    return gql_buf_cstr(b);
}

TEST(order_by_distance_then_naturally)
{
    static const char *const opts[] = {"name", "nam", "names", "Name", "other", "nmae2", "n", "name"};
    gql_buf_t b = GQL_BUF_INIT;
    /* Same ignoring case counts 1; the duplicate "name" is listed once. */
    ASSERT_EQ_STR("Name,name,nmae2,nam,names", list_str(&b, "nmae", opts, 8));
    ASSERT_EQ_STR("", list_str(&b, "zzzz", opts, 8));
    ASSERT_EQ_STR("", list_str(&b, "x", opts, 0));
    gql_buf_free(&b);
}

TEST(many_options_all_ranked)
{
    /* More options than any fixed array: every close one is ranked. */
    char names[100][8];
    const char *opts[100];
    for (int i = 0; i < 100; i++) {
        snprintf(names[i], sizeof(names[i]), "field%d", i);
        opts[i] = names[i];
    }
    const char **out = malloc(100 * sizeof(*out));
    size_t k = gql__suggestion_list("field7", opts, 100, out);
    ASSERT_EQ_INT(100, k);
    static const char *const head[] = {"field7", "field0", "field1", "field2",  "field3",  "field4", "field5",
                                       "field6", "field8", "field9", "field17", "field27", "field37"};
    for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
        EXPECT(strcmp(out[i], head[i]) == 0);
    ASSERT_EQ_STR("field99", out[99]);
    free(out);
}

TEST(long_names_use_the_heap)
{
    char base[101], a[102], b1[102], c[104], up[102];
    memset(base, 'x', 100);
    base[100] = '\0';
    snprintf(a, sizeof(a), "%sa", base);
    snprintf(b1, sizeof(b1), "%sb", base);
    snprintf(c, sizeof(c), "y%sab", base);
    memset(up, 'X', 100);
    up[100] = 'A';
    up[101] = '\0';
    const char *opts[] = {b1, base, c, up};
    const char *out[4];
    ASSERT_EQ_INT(4, gql__suggestion_list(a, opts, 4, out));
    ASSERT(out[0] == up && out[1] == base && out[2] == b1 && out[3] == c);
    ASSERT_EQ_INT(-1, gql__lexical_distance("abc", "abcdefgh", 2));
    ASSERT_EQ_INT(1, gql__lexical_distance("ab", "ba", 2)); /* a transposition */
}

TEST(did_you_mean_wording)
{
    gql_buf_t b = GQL_BUF_INIT;
    static const char *const two[] = {"A", "B"}, *const six[] = {"a", "b", "c", "d", "e", "f"};
    gql__did_you_mean(&b, "the enum value", two, 2);
    ASSERT_EQ_STR(" Did you mean the enum value \"A\" or \"B\"?", gql_buf_cstr(&b));
    b.len = 0;
    gql__did_you_mean(&b, NULL, six, 6);
    ASSERT_EQ_STR(" Did you mean \"a\", \"b\", \"c\", \"d\", or \"e\"?", gql_buf_cstr(&b));
    b.len = 0;
    gql__did_you_mean(&b, NULL, six, 0);
    ASSERT_EQ_INT(0, b.len);
    static const char *const opts[] = {"name", "nam", "names", "Name", "other", "nmae2", "n"};
    gql__suggest(&b, NULL, "nmae", opts, 7);
    ASSERT_EQ_STR(" Did you mean \"Name\", \"name\", \"nmae2\", \"nam\", or \"names\"?", gql_buf_cstr(&b));
    gql_buf_free(&b);
}

TEST(natural_compare)
{
    EXPECT(gql__natural_compare("a2", "a10") < 0);
    EXPECT(gql__natural_compare("a10", "a2") > 0);
    EXPECT(gql__natural_compare("a01", "a1") < 0);
    EXPECT(gql__natural_compare("ab", "a") > 0);
    EXPECT(gql__natural_compare("a", "a") == 0);
}

TEST_MAIN(TEST_ENTRY(order_by_distance_then_naturally), TEST_ENTRY(many_options_all_ranked),
          TEST_ENTRY(long_names_use_the_heap), TEST_ENTRY(did_you_mean_wording), TEST_ENTRY(natural_compare))
