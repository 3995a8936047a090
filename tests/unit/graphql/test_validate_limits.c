/*
 * test_validate_limits.c — unit tests of validate_limits.c and of
 * gql_validate's edges: depth (through fragments, cycles tolerated), field
 * and alias counts with code LIMIT_EXCEEDED, the error cap with graphql-js's
 * "Too many validation errors" error, bad arguments, and the bank schema's
 * own client operations.
 */
#include "test_validate_harness.h"

/* A document nesting `depth` levels of relatives { ... } under human. */
static char *nested(int depth)
{
    gql_buf_t b = GQL_BUF_INIT;
    gql_buf_puts(&b, "{ human");
    for (int i = 1; i < depth; i++)
        gql_buf_puts(&b, " { relatives");
    gql_buf_puts(&b, " { name }");
    for (int i = 1; i < depth; i++)
        gql_buf_puts(&b, " }");
    gql_buf_puts(&b, " }");
    char *s = strdup(gql_buf_cstr(&b));
    gql_buf_free(&b);
    return s;
}

TEST(depth_within_limit)
{
    gql_limits_t lim = gql_limits_default();
    lim.max_depth = 5;
    char *doc = nested(4); /* human + 3 relatives + name = depth 5 */
    vt_check(t_, &lim, doc, "", 0, NULL);
    free(doc);
}

TEST(depth_exceeded)
{
    gql_limits_t lim = gql_limits_default();
    lim.max_depth = 5;
    char *doc = nested(5);
    vt_check(t_, &lim, doc, "The operation nests selections 6 levels deep, more than the limit of 5. @1:1", 1,
             GQL_CODE_LIMIT);
    free(doc);
}

TEST(depth_counts_through_fragments)
{
    gql_limits_t lim = gql_limits_default();
    lim.max_depth = 4;
    const char *doc = "query Deep { human { ...A } }\n"
                      "fragment A on Human { relatives { ...B } }\n"
                      "fragment B on Human { relatives { relatives { name } } }\n"
                      "query Shallow { dog { ... on Dog { name } } }";
    vt_check(t_, &lim, doc, "Operation \"Deep\" nests selections 5 levels deep, more than the limit of 4. @1:1", 1,
             NULL);
}

TEST(depth_with_fragment_cycle_terminates)
{
    gql_limits_t lim = gql_limits_default();
    const char *doc = "{ human { ...A } }\nfragment A on Human { relatives { ...A } }";
    /* not a limit error: the cycle rule reports it */
    vt_check(t_, &lim, doc, "Cannot spread fragment \"A\" within itself. @2:35", 1, NULL);
}

TEST(fields_and_aliases_limits)
{
    gql_limits_t lim = gql_limits_default();
    lim.max_fields = 4;
    lim.max_aliases = 1;
    const char *doc = "{ a: dog { name } b: dog { name } ...F }\nfragment F on Query { cat { name } }";
    vt_check(t_, &lim, doc,
             "The document selects 6 fields, more than the limit of 4. @1:1\n"
             "The document uses 2 aliases, more than the limit of 1. @1:1",
             2, GQL_CODE_LIMIT);
}

TEST(limits_zero_means_unlimited)
{
    gql_limits_t lim = {0};
    char *doc = nested(60);
    vt_check(t_, &lim, doc, "", 0, NULL);
    free(doc);
}

TEST(error_cap_like_graphql_js)
{
    gql_limits_t lim = gql_limits_default();
    lim.max_errors = 3;
    vt_check(t_, &lim, "{ dog { a b c d e } }",
             "Cannot query field \"a\" on type \"Dog\". @1:9\n"
             "Cannot query field \"b\" on type \"Dog\". @1:11\n"
             "Cannot query field \"c\" on type \"Dog\". @1:13\n"
             "Too many validation errors, error limit reached. Validation aborted. @",
             4, NULL);
}

TEST(validation_errors_have_the_validation_code)
{
    vt_check(t_, NULL, "{ nope }", NULL, 1, GQL_CODE_VALIDATION);
}

TEST(bad_arguments_are_refused)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    ASSERT(a != NULL);
    gql_errors_t e;
    gql_errors_init(&e, a, 0);
    EXPECT(gql_validate(NULL, NULL, NULL, &e) == 0);
    EXPECT(gql_validate(NULL, NULL, NULL, NULL) == 0);
    EXPECT(e.count == 0);
    gql_arena_free(a);
}

TEST(bank_client_operations_are_valid)
{
    gql_schema_t *s = th_schema_file("schema/bank.graphql");
    ASSERT(s != NULL);
    const char *docs[] = {
        "query Transactions($iban: String!, $max: Int!) { transactions_by_iban(iban: $iban, max_items: $max) "
        "{ id iban new_balance changed_by from_to descr direction } }",
        "mutation Login($u: String!, $p: String!) { get_account(username: $u, password: $p) { iban token reason } }",
        "mutation T($uuid: String!, $token: String!, $amount: Int!, $from: String!, $to: String!, $descr: String!) "
        "{ money_transfer(uuid: $uuid, token: $token, amount: $amount, from: $from, to: $to, descr: $descr) "
        "{ uuid success reason } }",
        "subscription Live($iban: String, $after: Int) { stream_transactions(iban: $iban, after_id: $after) "
        "{ id iban changed_by new_balance direction } }",
        "{ all_last_transactions { id } transaction_by_id(id: 1) { id } }",
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        size_t n = 9;
        char *got = vt_run_limits(s, docs[i], NULL, &n, NULL);
        if (n != 0 || strcmp(got, "") != 0)
            FAIL_("document %zu: %s", i, got);
        free(got);
    }
    gql_schema_free(s);
}

TEST(bank_mistakes_are_reported)
{
    gql_schema_t *s = th_schema_file("schema/bank.graphql");
    ASSERT(s != NULL);
    size_t n = 0;
    char *got =
        vt_run_limits(s, "subscription { stream_transactions { id } all: stream_transactions { id } }", NULL, &n, NULL);
    gql_schema_free(s);
    const char *want = "Anonymous Subscription must select only one top level field. @1:43";
    if (strcmp(got, want) != 0)
        FAIL_("got %s", got);
    free(got);
}

TEST_MAIN(TEST_ENTRY(depth_within_limit), TEST_ENTRY(depth_exceeded), TEST_ENTRY(depth_counts_through_fragments),
          TEST_ENTRY(depth_with_fragment_cycle_terminates), TEST_ENTRY(fields_and_aliases_limits),
          TEST_ENTRY(limits_zero_means_unlimited), TEST_ENTRY(error_cap_like_graphql_js),
          TEST_ENTRY(validation_errors_have_the_validation_code), TEST_ENTRY(bad_arguments_are_refused),
          TEST_ENTRY(bank_client_operations_are_valid), TEST_ENTRY(bank_mistakes_are_reported))
