/*
 * test_validate_documents.c — unit tests of validate_documents.c: executable definitions, operation names and types,
 * lone anonymous operations, single-field subscriptions, fragment names, unused fragments, fragment cycles and the
 * @defer/@stream rules.
 *
 * Each case validates a document against the pets schema
 * (tests/diff/validation/pets.graphql); the expected errors (message @
 * line:column of each location) were produced by graphql-js 17's validate().
 */
#include "test_validate_harness.h"

TEST(executable_only_valid)
{
    VT_EXPECT("query A { dog { name } }\n"
              "fragment F on Dog { name }\n"
              "query B { dog { ...F } }",
              "");
}

TEST(type_system_definitions_reported)
{
    VT_EXPECT("query Q { dog { name } }\n"
              "type Cow { name: String }\n"
              "extend type Dog { color: String }\n"
              "schema { query: Query }\n"
              "directive @d on FIELD",
              "The \"Cow\" definition is not executable. @2:1\n"
              "The \"Dog\" definition is not executable. @3:1\n"
              "The schema definition is not executable. @4:1\n"
              "The \"d\" definition is not executable. @5:1");
}

TEST(unique_operation_names)
{
    VT_EXPECT("query A { dog { name } }\n"
              "query A { cat { name } }\n"
              "mutation A { train(command: SIT) }",
              "There can be only one operation named \"A\". @1:7,2:7\n"
              "There can be only one operation named \"A\". @1:7,3:10");
}

TEST(lone_anonymous_operation)
{
    VT_EXPECT("{ dog { name } }\n"
              "query Q { cat { name } }\n"
              "{ pet { name } }",
              "This anonymous operation must be the only defined operation. @1:1\n"
              "This anonymous operation must be the only defined operation. @3:1");
}

TEST(lone_anonymous_with_fragment_valid)
{
    VT_EXPECT("{ dog { ...F } }\n"
              "fragment F on Dog { name }",
              "");
}

TEST(subscription_single_field_valid)
{
    VT_EXPECT("subscription S { newDog { name } }", "");
}

TEST(subscription_many_fields)
{
    VT_EXPECT("subscription S { newDog { name } catMeows { name } }",
              "Subscription \"S\" must select only one top level field. @1:34");
}

TEST(subscription_many_fields_via_fragment)
{
    VT_EXPECT("subscription { ...F newDog { name } }\n"
              "fragment F on Subscription { catMeows { name } x: newDog { name } }",
              "Anonymous Subscription must select only one top level field. @2:48,1:21");
}

TEST(subscription_introspection)
{
    VT_EXPECT("subscription S { __typename }",
              "Subscription \"S\" must not select an introspection top level field. @1:18");
}

TEST(subscription_skip_include)
{
    VT_EXPECT(
        "subscription S($c: Boolean!) { newDog @skip(if: $c) { name } ... @include(if: $c) { catMeows { name } } }",
        "Subscription \"S\" must not use `@skip` or `@include` directives in the top level selection. @1:39,1:66");
}

TEST(subscription_selects_nothing)
{
    VT_EXPECT(
        "subscription S { ... on Query { dog { name } } }",
        "Subscription \"S\" must select one top level field. @1:16\n"
        "Fragment cannot be spread here as objects of type \"Subscription\" can never be of type \"Query\". @1:18");
}

TEST(unique_fragment_names)
{
    VT_EXPECT("{ dog { ...F } }\n"
              "fragment F on Dog { name }\n"
              "fragment F on Dog { barks }",
              "There can be only one fragment named \"F\". @2:10,3:10");
}

TEST(unknown_fragments)
{
    VT_EXPECT("{ dog { ...Known ...Nope ... on Dog { ...AlsoNope } } }\n"
              "fragment Known on Dog { name }",
              "Unknown fragment \"Nope\". @1:21\n"
              "Unknown fragment \"AlsoNope\". @1:42");
}

TEST(unused_fragments)
{
    VT_EXPECT("query Q { dog { ...A } }\n"
              "fragment A on Dog { ...B }\n"
              "fragment B on Dog { name }\n"
              "fragment C on Dog { ...D }\n"
              "fragment D on Dog { ...C }",
              "Cannot spread fragment \"C\" within itself via \"D\". @4:21,5:21\n"
              "Fragment \"C\" is never used. @4:1\n"
              "Fragment \"D\" is never used. @5:1");
}

TEST(fragment_cycles)
{
    VT_EXPECT("{ dog { ...A } }\n"
              "fragment A on Dog { ...B }\n"
              "fragment B on Dog { ...C ...A }\n"
              "fragment C on Dog { ...A }",
              "Cannot spread fragment \"A\" within itself via \"B\", \"C\". @2:21,3:21,4:21\n"
              "Cannot spread fragment \"A\" within itself via \"B\". @2:21,3:26");
}

TEST(fragment_self_cycle)
{
    VT_EXPECT("{ dog { ...S } }\n"
              "fragment S on Dog { name mother { ...S } }",
              "Cannot spread fragment \"S\" within itself. @2:35");
}

TEST(fragments_without_cycles_valid)
{
    VT_EXPECT("{ dog { ...A ...B } }\n"
              "fragment A on Dog { ...B ...C }\n"
              "fragment B on Dog { ...C }\n"
              "fragment C on Dog { name }",
              "");
}

TEST(defer_stream_rules)
{
    VT_EXPECT("mutation M { ... @defer { train(command: SIT) } }\n"
              "query Q { dog { ... @defer(label: \"a\") { name } ... @defer(label: \"a\") { barks } } human { name "
              "@stream } }\n"
              "subscription S { newDog { ... @defer { name } ... @defer(if: false) { barks } } }",
              "Defer directive cannot be used on root mutation type \"Mutation\". @1:18\n"
              "Unknown directive \"@defer\". @1:18\n"
              "Unknown directive \"@defer\". @2:21\n"
              "Unknown directive \"@defer\". @2:53\n"
              "Value for arguments \"defer(label:)\" and \"stream(label:)\" must be unique across all Defer/Stream "
              "directive usages. @2:21,2:53\n"
              "Unknown directive \"@stream\". @2:97\n"
              "Directive \"@stream\" cannot be used on non-list field \"Human.name\". @2:97\n"
              "Defer directive not supported on subscription operations. Disable `@defer` by setting the `if` argument "
              "to `false`. @3:31\n"
              "Unknown directive \"@defer\". @3:31\n"
              "Unknown directive \"@defer\". @3:51");
}

TEST(known_operation_types)
{
    /* §5.2.1: a schema with a query root only (tests/diff/validation/
     * query_only.graphql); expectations from graphql-js 17's validate(). */
    gql_schema_t *s = th_schema_file("tests/diff/validation/query_only.graphql");
    ASSERT(s != NULL);
    size_t n = 0;
    char *got = vt_run_limits(s, "query Q { hello }\nmutation M { hello }\nsubscription S { count }", NULL, &n, NULL);
    char *valid = vt_run_limits(s, "query Q { hello } query { count }", NULL, NULL, NULL);
    gql_schema_free(s);
    int ok = strcmp(got, "The mutation operation is not supported by the schema. @2:1\n"
                         "The subscription operation is not supported by the schema. @3:1") == 0 &&
             n == 2;
    if (!ok)
        FAIL_("got (%zu): %s", n, got);
    /* Only the lone-anonymous rule objects here: queries are supported. */
    EXPECT(strcmp(valid, "This anonymous operation must be the only defined operation. @1:19") == 0);
    free(got);
    free(valid);
}

TEST_MAIN(TEST_ENTRY(executable_only_valid), TEST_ENTRY(type_system_definitions_reported),
          TEST_ENTRY(unique_operation_names), TEST_ENTRY(lone_anonymous_operation),
          TEST_ENTRY(lone_anonymous_with_fragment_valid), TEST_ENTRY(subscription_single_field_valid),
          TEST_ENTRY(subscription_many_fields), TEST_ENTRY(subscription_many_fields_via_fragment),
          TEST_ENTRY(subscription_introspection), TEST_ENTRY(subscription_skip_include),
          TEST_ENTRY(subscription_selects_nothing), TEST_ENTRY(unique_fragment_names), TEST_ENTRY(unknown_fragments),
          TEST_ENTRY(unused_fragments), TEST_ENTRY(fragment_cycles), TEST_ENTRY(fragment_self_cycle),
          TEST_ENTRY(fragments_without_cycles_valid), TEST_ENTRY(defer_stream_rules), TEST_ENTRY(known_operation_types))
