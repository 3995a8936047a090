/*
 * test_validate_overlap.c — unit tests of validate_overlap.c (OverlappingFieldsCanBeMerged): same-named fields,
 * aliases, arguments, conflicting types, mutually exclusive parents, sub-selections and fragments; plus pathological
 * documents that must stay fast.
 *
 * Each case validates a document against the pets schema
 * (tests/diff/validation/pets.graphql); the expected errors (message @
 * line:column of each location) were produced by graphql-js 17's validate().
 */
#include "test_validate_harness.h"

TEST(identical_fields_valid)
{
    VT_EXPECT("{ dog { name name n: name n: name ...F ... on Dog { name } } }\n"
              "fragment F on Dog { name barks }",
              "");
}

TEST(different_fields_same_key)
{
    VT_EXPECT("{ dog { name: nickname name fido: name fido: nickname } }",
              "Fields \"name\" conflict because \"nickname\" and \"name\" are different fields. Use different aliases "
              "on the fields to fetch both if this was intentional. @1:9,1:24\n"
              "Fields \"fido\" conflict because \"name\" and \"nickname\" are different fields. Use different aliases "
              "on the fields to fetch both if this was intentional. @1:29,1:40");
}

TEST(different_arguments)
{
    VT_EXPECT("query Q($v: DogCommand) { dog { doesKnowCommand(dogCommand: SIT) doesKnowCommand(dogCommand: HEEL) k: "
              "doesKnowCommand(dogCommand: $v) k: doesKnowCommand(dogCommand: SIT) isAtLocation(x: 1, y: 2) "
              "isAtLocation(y: 2, x: 1) } }",
              "Fields \"doesKnowCommand\" conflict because they have differing arguments. Use different aliases on the "
              "fields to fetch both if this was intentional. @1:33,1:66\n"
              "Fields \"k\" conflict because they have differing arguments. Use different aliases on the fields to "
              "fetch both if this was intentional. @1:100,1:135");
}

TEST(object_argument_order_does_not_matter)
{
    VT_EXPECT("{ complicatedArgs { a: complexArgField(complexArg: {requiredField: true, intField: 1}) a: "
              "complexArgField(complexArg: {intField: 1, requiredField: true}) b: stringArgField(stringArg: \"x\") b: "
              "stringArgField(stringArg: \"\"\"x\"\"\") } }",
              "Fields \"b\" conflict because they have differing arguments. Use different aliases on the fields to "
              "fetch both if this was intentional. @1:155,1:189");
}

TEST(conflicting_return_types)
{
    VT_EXPECT("{ pet { ... on Dog { v: nickname } ... on Cat { v: meows } } being { ... on Dog { x: barkVolume } ... "
              "on Human { x: name } } }",
              "Fields \"v\" conflict because they return conflicting types \"String\" and \"Boolean\". Use different "
              "aliases on the fields to fetch both if this was intentional. @1:22,1:49\n"
              "Fields \"x\" conflict because they return conflicting types \"Int\" and \"String\". Use different "
              "aliases on the fields to fetch both if this was intentional. @1:83,1:114");
}

TEST(mutually_exclusive_parents)
{
    VT_EXPECT("{ catOrDog { ... on Dog { name(surname: true) } ... on Cat { name(surname: false) } } pet { ... on Dog "
              "{ n: nickname } ... on Cat { n: name } } }",
              "");
}

TEST(subfield_conflicts)
{
    VT_EXPECT(
        "{ dog { mother { name: nickname barks } mother { name barks: name } } }",
        "Fields \"mother\" conflict because subfields \"name\" conflict because \"nickname\" and \"name\" are "
        "different fields and subfields \"barks\" conflict because \"barks\" and \"name\" are different fields. Use "
        "different aliases on the fields to fetch both if this was intentional. @1:9,1:18,1:33,1:41,1:50,1:55");
}

TEST(conflicts_through_fragments)
{
    VT_EXPECT("{ dog { ...A ...B name: barks } }\n"
              "fragment A on Dog { name x: name }\n"
              "fragment B on Dog { name: nickname x: barks }",
              "Fields \"name\" conflict because \"barks\" and \"name\" are different fields. Use different aliases on "
              "the fields to fetch both if this was intentional. @1:19,2:21\n"
              "Fields \"name\" conflict because \"name\" and \"nickname\" are different fields. Use different aliases "
              "on the fields to fetch both if this was intentional. @2:21,3:21\n"
              "Fields \"x\" conflict because \"name\" and \"barks\" are different fields. Use different aliases on the "
              "fields to fetch both if this was intentional. @2:26,3:36\n"
              "Fields \"name\" conflict because \"barks\" and \"nickname\" are different fields. Use different aliases "
              "on the fields to fetch both if this was intentional. @1:19,3:21");
}

TEST(conflicts_in_nested_fragments)
{
    VT_EXPECT(
        "{ human { ...H1 ...H2 } }\n"
        "fragment H1 on Human { relatives { name } }\n"
        "fragment H2 on Human { relatives { name: iq } }",
        "Fields \"relatives\" conflict because subfields \"name\" conflict because \"name\" and \"iq\" are different "
        "fields. Use different aliases on the fields to fetch both if this was intentional. @2:24,2:36,3:24,3:36");
}

TEST(list_and_non_null_shapes)
{
    VT_EXPECT(
        "{ human { r: relatives { name } } human { r: pets { name } } }",
        "Fields \"human\" conflict because subfields \"r\" conflict because \"relatives\" and \"pets\" are different "
        "fields. Use different aliases on the fields to fetch both if this was intentional. @1:3,1:11,1:35,1:43");
}

/* 3000 copies of one field: graphql-js's complexity budget stops the rule
 * with "Validation aborted." instead of comparing 4.5 million pairs. */
TEST(pathological_repetition_aborts_quickly)
{
    gql_buf_t doc = GQL_BUF_INIT;
    gql_buf_puts(&doc, "{ dog { ");
    for (int i = 0; i < 3000; i++)
        gql_buf_puts(&doc, "name ");
    gql_buf_puts(&doc, "} }");
    gql_limits_t lim = gql_limits_default();
    lim.max_fields = 0;
    lim.max_tokens = 0;
    vt_check(t_, &lim, gql_buf_cstr(&doc), "Validation aborted. @", 1, NULL);
    gql_buf_free(&doc);
}

/* 200 fragments spread side by side: 20000 fragment pairs, each compared
 * once thanks to the pair set. */
TEST(many_fragment_spreads)
{
    gql_schema_t *s = th_schema_file("tests/diff/validation/pets.graphql");
    ASSERT(s != NULL);
    gql_buf_t doc = GQL_BUF_INIT;
    gql_buf_puts(&doc, "{ dog { ");
    for (int i = 0; i < 200; i++)
        gql_buf_printf(&doc, "...G%d ", i);
    gql_buf_puts(&doc, "} }\n");
    for (int i = 0; i < 200; i++)
        gql_buf_printf(&doc, "fragment G%d on Dog { name barks f%d: nickname }\n", i, i);
    gql_buf_puts(&doc, "fragment Bad on Dog { f7: name }\n{ dog { ...G7 ...Bad } }");
    gql_limits_t lim = gql_limits_default();
    lim.max_tokens = 0;
    lim.max_document_bytes = 0;
    lim.max_aliases = 0;
    size_t n = 0;
    char *got = vt_run_limits(s, gql_buf_cstr(&doc), &lim, &n, NULL);
    gql_buf_free(&doc);
    gql_schema_free(s);
    /* the two anonymous operations, and f7 conflicting through fragments */
    if (n != 3)
        FAIL_("%zu errors: %s", n, got);
    EXPECT(strstr(got, "Fields \"f7\" conflict because \"nickname\" and \"name\" are different fields.") != NULL);
    free(got);
}

TEST_MAIN(TEST_ENTRY(identical_fields_valid), TEST_ENTRY(different_fields_same_key), TEST_ENTRY(different_arguments),
          TEST_ENTRY(object_argument_order_does_not_matter), TEST_ENTRY(conflicting_return_types),
          TEST_ENTRY(mutually_exclusive_parents), TEST_ENTRY(subfield_conflicts),
          TEST_ENTRY(conflicts_through_fragments), TEST_ENTRY(conflicts_in_nested_fragments),
          TEST_ENTRY(list_and_non_null_shapes), TEST_ENTRY(pathological_repetition_aborts_quickly),
          TEST_ENTRY(many_fragment_spreads))
