/*
 * Unit tests of cost.c (gql_operation_cost): the estimate of what an
 * operation's response can hold, computed after gql_prepare.
 *
 * Each case states its expected cost from the formula (a field is 1 plus
 * what it selects; a list is 1 plus n times its item), so a change of the
 * formula shows here first. The bank's own operations and GraphiQL's
 * introspection query are checked against the gateway's default budget
 * (graphql.cost.max = 20000), the measured attack (50 aliases of
 * all_last_transactions) above it; a fragment chain that doubles at every
 * level shows the memo (it would take 2^60 walks without).
 */
#include "helpers.h"

#include <stdint.h>

static const char *const SIZE_ARGS[] = {"max_items", NULL};

/* The cost of `query` (with `vars`, may be NULL) against `s`, with a
 * default list size of `dflt`; UINT64_MAX - 1 when it does not prepare. */
static uint64_t cost_of(const gql_schema_t *s, const char *query, const char *vars, uint64_t dflt)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_errors_t e;
    const char *stage = NULL;
    gql_operation_t *op = th_prepare(s, a, query, (th_request_t){.variables = vars}, &e, &stage);
    uint64_t cost = UINT64_MAX - 1;
    if (op == NULL) {
        fprintf(stderr, "  %s: %s\n", stage, th_errors_json(a, "", &e));
    } else {
        gql_cost_options_t o = {.default_list_size = dflt, .size_args = SIZE_ARGS};
        if (gql_operation_cost(op, &o, &cost) != 0)
            cost = UINT64_MAX - 1;
    }
    gql_arena_free(a);
    return cost;
}

#define ASSERT_COST(expected, s, query, vars)                                                                          \
    do {                                                                                                               \
        uint64_t got_ = cost_of((s), (query), (vars), 100);                                                            \
        if (got_ != (uint64_t)(expected)) {                                                                            \
            FAIL_("cost of %s: expected %llu, got %llu", (query), (unsigned long long)(expected),                      \
                  (unsigned long long)got_);                                                                           \
            return;                                                                                                    \
        }                                                                                                              \
    } while (0)

TEST(fields_and_lists)
{
    gql_schema_t *s = th_schema_file("schema/bank.graphql");
    ASSERT(s != NULL);
    /* a leaf is one value */
    ASSERT_COST(1, s, "{ __typename }", NULL);
    /* an object: itself and its two leaves */
    ASSERT_COST(3, s, "{ transaction_by_id(id: 1) { id iban } }", NULL);
    /* a list without max_items: 1 + 100 * (1 + 2) */
    ASSERT_COST(301, s, "{ all_last_transactions { id iban } }", NULL);
    /* max_items as a literal, a variable, zero and negative */
    ASSERT_COST(11, s, "{ transactions_by_iban(iban: \"x\", max_items: 5) { id } }", NULL);
    ASSERT_COST(15, s, "query Q($n: Int!) { transactions_by_iban(iban: \"x\", max_items: $n) { id } }", "{\"n\": 7}");
    ASSERT_COST(1, s, "{ transactions_by_iban(iban: \"x\", max_items: 0) { id } }", NULL);
    ASSERT_COST(1, s, "{ transactions_by_iban(iban: \"x\", max_items: -4) { id } }", NULL);
    /* the default list size is the option's */
    EXPECT(cost_of(s, "{ all_last_transactions { id } }", NULL, 7) == 1 + 7 * 2);
    gql_schema_free(s);
}

TEST(aliases_fragments_and_directives)
{
    gql_schema_t *s = th_schema_file("schema/bank.graphql");
    ASSERT(s != NULL);
    /* aliases add up: each executes */
    ASSERT_COST(2 * 201, s, "{ a: all_last_transactions { id } b: all_last_transactions { id } }", NULL);
    /* a fragment counts where it is spread, each time */
    ASSERT_COST(2 * (1 + 5 * 3), s,
                "{ a: transactions_by_iban(iban: \"x\", max_items: 5) { ...T } "
                "b: transactions_by_iban(iban: \"y\", max_items: 5) { ...T } } fragment T on Transaction { id iban }",
                NULL);
    /* inline fragments too */
    ASSERT_COST(3, s, "{ transaction_by_id(id: 1) { ... on Transaction { id } ... { iban } } }", NULL);
    /* @skip/@include, literal and variable */
    ASSERT_COST(2, s, "{ transaction_by_id(id: 1) { id iban @skip(if: true) descr @include(if: false) } }", NULL);
    ASSERT_COST(3, s, "query Q($a: Boolean!) { transaction_by_id(id: 1) { id iban @include(if: $a) } }",
                "{\"a\": true}");
    ASSERT_COST(0, s, "query Q($a: Boolean!) { transaction_by_id(id: 1) @include(if: $a) { id iban } }",
                "{\"a\": false}");
    gql_schema_free(s);
}

/* The bank's clients and GraphiQL stay far below the default budget; the
 * attack measured in issue #11 is above it. */
TEST(real_clients_and_the_attack)
{
    gql_schema_t *s = th_schema_file("schema/bank.graphql");
    ASSERT(s != NULL);
    const uint64_t budget = 20000;
    /* the original front end: the employee's account list, the account view at its largest page (250),
     * and its live stream */
    ASSERT_COST(201, s, "{all_last_transactions {iban}}", NULL);
    const char *page = "query ($max_items: Int!, $iban: String!, $show_iban: Boolean!) {"
                       "transactions_by_iban(iban: $iban max_items: $max_items) {iban @include(if: $show_iban) "
                       "new_balance direction id from_to changed_by descr}}";
    ASSERT_COST(1 + 250 * 8, s, page, "{\"max_items\": 250, \"iban\": \"NL66OPEN0000000000\", \"show_iban\": true}");
    ASSERT_COST(8, s,
                "subscription ($iban: String!) {stream_transactions (iban: $iban) {iban new_balance direction id "
                "from_to changed_by descr}}",
                "{\"iban\": \"NL66OPEN0000000000\"}");
    /* max_items at the resolver's own cap (1000), every field */
    ASSERT_COST(1 + 1000 * 8, s,
                "{ transactions_by_iban(iban: \"x\", max_items: 1000) { id iban new_balance changed_by from_to descr "
                "direction } }",
                NULL);
    /* GraphiQL's introspection query: introspection lists count one item */
    char *intro = th_read_data("schema-introspection-query.graphql", NULL);
    ASSERT(intro != NULL);
    uint64_t ic = cost_of(s, intro, NULL, 100);
    free(intro);
    EXPECT(ic > 50 && ic < 1000);
    /* the attack: 50 aliases of all_last_transactions with every field */
    gql_buf_t q = GQL_BUF_INIT;
    gql_buf_puts(&q, "{");
    for (int i = 0; i < 50; i++)
        gql_buf_printf(&q, " a%d: all_last_transactions { id iban new_balance changed_by from_to descr direction }", i);
    gql_buf_puts(&q, " }");
    uint64_t attack = cost_of(s, gql_buf_cstr(&q), NULL, 100);
    gql_buf_free(&q);
    ASSERT_EQ_INT(50 * (1 + 100 * 8), attack);
    EXPECT(attack > budget);
    gql_schema_free(s);
}

TEST(introspection_lists_count_one)
{
    gql_schema_t *s = th_schema_file("schema/bank.graphql");
    ASSERT(s != NULL);
    /* __schema 1 + types (1 + 1 * (1 + name 1 + fields (1 + 1 * (1 + 1)))) */
    ASSERT_COST(1 + 1 + 1 * (1 + 1 + 1 + 1 * (1 + 1)), s, "{ __schema { types { name fields { name } } } }", NULL);
    gql_schema_free(s);
}

TEST(nested_lists_abstract_types_and_saturation)
{
    const char *sdl = "type Query { grid(max_items: Int = 3): [[Int]] grid2: [[Int!]!] node: Node all: [Node] }\n"
                      "interface Node { id: ID }\n"
                      "type A implements Node { id: ID a: [Int] }\n"
                      "type B implements Node { id: ID b: String }\n"
                      "type Deep { d(max_items: Int): [Deep] v: Int }\n"
                      "extend type Query { deep(max_items: Int): [Deep] }";
    gql_schema_t *s = th_schema(sdl, strlen(sdl));
    ASSERT(s != NULL);
    /* the outer level takes the size argument (its default here), inner ones the default size */
    ASSERT_COST(1 + 3 * (1 + 100 * 1), s, "{ grid }", NULL);
    ASSERT_COST(1 + 2 * (1 + 100 * 1), s, "{ grid(max_items: 2) }", NULL);
    ASSERT_COST(1 + 100 * (1 + 100 * 1), s, "{ grid2 }", NULL);
    /* fragments on the possible types of an abstract field: each may apply, both count */
    ASSERT_COST(1 + 1 + (1 + 100) + 1, s, "{ node { id ... on A { a } ... on B { b } } }", NULL);
    /* inside ... on A the scope is A: its list field counts, and a fragment on the interface again applies */
    ASSERT_COST(1 + 100 * (1 + (1 + 100) + 1), s, "{ all { ... on A { a ... on Node { id } } } }", NULL);
    /* far past 2^64: saturates */
    uint64_t big = cost_of(s,
                           "{ deep(max_items: 2000000000) { d(max_items: 2000000000) { d(max_items: 2000000000) "
                           "{ d(max_items: 2000000000) { v } } } } }",
                           NULL, 100);
    EXPECT(big == UINT64_MAX);
    gql_schema_free(s);
}

/* Fragment i spreads fragment i + 1 twice: 2^60 paths, one walk per
 * fragment thanks to the memo (without it this never ends). Spreads add
 * no depth, so validation's depth limit lets the chain through. */
TEST(fragment_chain_is_memoised)
{
    const char *sdl = "type Query { t: T } type T { v: Int }";
    gql_schema_t *s = th_schema(sdl, strlen(sdl));
    ASSERT(s != NULL);
    enum { LEVELS = 60 };
    gql_buf_t q = GQL_BUF_INIT;
    gql_buf_puts(&q, "{ t { ...F0 } }\n");
    for (int i = 0; i < LEVELS; i++)
        gql_buf_printf(&q, "fragment F%d on T { ...F%d ...F%d }\n", i, i + 1, i + 1);
    gql_buf_printf(&q, "fragment F%d on T { v }\n", LEVELS);
    /* cost(F60) = 1, cost(Fi) = 2 * cost(Fi+1): the query is 1 + 2^60 */
    uint64_t got = cost_of(s, gql_buf_cstr(&q), NULL, 100);
    gql_buf_free(&q);
    EXPECT(got == 1 + ((uint64_t)1 << LEVELS));
    gql_schema_free(s);
}

TEST(bad_arguments)
{
    uint64_t c = 0;
    ASSERT_EQ_INT(GQL_EINVAL, gql_operation_cost(NULL, NULL, &c));
}

TEST_MAIN(TEST_ENTRY(fields_and_lists), TEST_ENTRY(aliases_fragments_and_directives),
          TEST_ENTRY(real_clients_and_the_attack), TEST_ENTRY(introspection_lists_count_one),
          TEST_ENTRY(nested_lists_abstract_types_and_saturation), TEST_ENTRY(fragment_chain_is_memoised),
          TEST_ENTRY(bad_arguments))
