/*
 * test_validate_values.c — unit tests of validate_values.c: literals of every built-in scalar, enums, lists, input
 * objects, OneOf input objects, custom scalars, graphql-js's printing of values in messages, and unique input field
 * names.
 *
 * Each case validates a document against the pets schema
 * (tests/diff/validation/pets.graphql); the expected errors (message @
 * line:column of each location) were produced by graphql-js 17's validate().
 */
#include "test_validate_harness.h"

TEST(ints)
{
    VT_EXPECT("{ complicatedArgs { a: intArgField(intArg: \"3\") b: intArgField(intArg: 3.5) c: intArgField(intArg: "
              "2147483648) d: intArgField(intArg: -2147483648) e: intArgField(intArg: [1]) } }",
              "Int cannot represent non-integer value: \"3\" @1:44\n"
              "Int cannot represent non-integer value: 3.5 @1:72\n"
              "Int cannot represent non 32-bit signed integer value: 2147483648 @1:100\n"
              "Int cannot represent non-integer value: [1] @1:171");
}

TEST(floats_strings_booleans_ids)
{
    VT_EXPECT("{ complicatedArgs { a: floatArgField(floatArg: 1) b: floatArgField(floatArg: \"1.5\") c: "
              "stringArgField(stringArg: 1) d: booleanArgField(booleanArg: \"true\") e: idArgField(idArg: 1) f: "
              "idArgField(idArg: 1.5) } }",
              "Float cannot represent non numeric value: \"1.5\" @1:78\n"
              "String cannot represent a non string value: 1 @1:114\n"
              "Boolean cannot represent a non boolean value: \"true\" @1:148\n"
              "ID cannot represent a non-string and non-integer value: 1.5 @1:201");
}

TEST(enums)
{
    VT_EXPECT(
        "{ complicatedArgs { a: enumArgField(enumArg: BROWN) b: enumArgField(enumArg: \"BROWN\") c: "
        "enumArgField(enumArg: brown) d: enumArgField(enumArg: 1) } dog { doesKnowCommand(dogCommand: HEELS) } }",
        "Enum \"FurColor\" cannot represent non-enum value: \"BROWN\". Did you mean the enum value \"BROWN\"? @1:78\n"
        "Value \"brown\" does not exist in \"FurColor\" enum. Did you mean the enum value \"BROWN\"? @1:112\n"
        "Enum \"FurColor\" cannot represent non-enum value: 1. @1:144\n"
        "Value \"HEELS\" does not exist in \"DogCommand\" enum. Did you mean the enum value \"HEEL\"? @1:183");
}

TEST(lists)
{
    VT_EXPECT("{ complicatedArgs { a: stringListArgField(stringListArg: [\"a\", null]) b: "
              "stringListArgField(stringListArg: \"single\") c: stringListNonNullArgField(stringListNonNullArg: "
              "[\"a\", null]) d: stringListArgField(stringListArg: [[\"x\"]]) } }",
              "Expected value of non-null type \"String!\" not to be null. @1:175\n"
              "String cannot represent a non string value: [\"x\"] @1:220");
}

TEST(non_null)
{
    VT_EXPECT("{ complicatedArgs { a: nonNullIntArgField(nonNullIntArg: null) b: multipleReqs(req1: null, req2: 2) } }",
              "Expected value of non-null type \"Int!\" not to be null. @1:58\n"
              "Expected value of non-null type \"Int!\" not to be null. @1:86");
}

TEST(input_objects)
{
    VT_EXPECT(
        "{ complicatedArgs { a: complexArgField(complexArg: {requiredField: true}) b: complexArgField(complexArg: {}) "
        "c: complexArgField(complexArg: {requiredField: true, unknownField: 1, requiredFeild: false}) d: "
        "complexArgField(complexArg: \"no\") } }",
        "Expected value of type \"ComplexInput\" to include required field \"requiredField\", found: {  }. @1:106\n"
        "Expected value of type \"ComplexInput\" not to include unknown field \"unknownField\", found: { "
        "requiredField: true, unknownField: 1, requiredFeild: false }. @1:163\n"
        "Expected value of type \"ComplexInput\" not to include unknown field \"requiredFeild\". Did you mean "
        "\"requiredField\"? Found: { requiredField: true, unknownField: 1, requiredFeild: false }. @1:180\n"
        "Expected value of type \"ComplexInput\" to be an object, found: \"no\". @1:234");
}

TEST(oneof_literals)
{
    VT_EXPECT("{ complicatedArgs { a: oneOfArgField(oneOfArg: {stringField: \"x\"}) b: oneOfArgField(oneOfArg: {}) c: "
              "oneOfArgField(oneOfArg: {stringField: \"x\", intField: 1}) d: oneOfArgField(oneOfArg: {stringField: "
              "null}) e: nestedOneOfArgField(arg: {choices: [{intField: 1}, {}]}) } }",
              "Within OneOf Input Object type \"OneOfInput\", exactly one field must be specified, and the value for "
              "that field must be non-null. @1:95\n"
              "Within OneOf Input Object type \"OneOfInput\", exactly one field must be specified, and the value for "
              "that field must be non-null. @1:126\n"
              "Within OneOf Input Object type \"OneOfInput\", exactly one field must be specified, and the value for "
              "that field must be non-null. @1:186\n"
              "Within OneOf Input Object type \"OneOfInput\", exactly one field must be specified, and the value for "
              "that field must be non-null. @1:261");
}

TEST(custom_scalars_accept_anything)
{
    VT_EXPECT("{ complicatedArgs { a: customArgField(customArg: 1) b: customArgField(customArg: {any: [1, \"x\"]}) c: "
              "customArgField(customArg: ENUM) } }",
              "");
}

TEST(variables_inside_literals_print_as_null)
{
    VT_EXPECT("query Q($i: Int) { complicatedArgs { a: intArgField(intArg: [1, $i]) b: intArgField(intArg: {k: $i, j: "
              "2}) } }",
              "Int cannot represent non-integer value: [1, null] @1:61\n"
              "Int cannot represent non-integer value: { j: 2 } @1:93");
}

TEST(long_values_wrap_like_the_printer)
{
    VT_EXPECT("{ complicatedArgs { b: intArgField(intArg: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, "
              "18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]) c: stringArgField(stringArg: {nested: {deeper: \"a "
              "string that is long enough to wrap\", more: [true, false, null]}, other: ENUM_VALUE}) } }",
              "Int cannot represent non-integer value: [\n"
              "  1\n"
              "  2\n"
              "  3\n"
              "  4\n"
              "  5\n"
              "  6\n"
              "  7\n"
              "  8\n"
              "  9\n"
              "  10\n"
              "  11\n"
              "  12\n"
              "  13\n"
              "  14\n"
              "  15\n"
              "  16\n"
              "  17\n"
              "  18\n"
              "  19\n"
              "  20\n"
              "  21\n"
              "  22\n"
              "  23\n"
              "  24\n"
              "  25\n"
              "  26\n"
              "  27\n"
              "  28\n"
              "  29\n"
              "  30\n"
              "] @1:44\n"
              "String cannot represent a non string value: {\n"
              "  nested: { deeper: \"a string that is long enough to wrap\", more: [true, false, null] }\n"
              "  other: ENUM_VALUE\n"
              "} @1:186");
}

TEST(string_escapes_in_messages)
{
    VT_EXPECT("{ complicatedArgs { a: intArgField(intArg: \"q \\\" b \\\\ n \\n u \\u00e9 c \\u0001\") b: "
              "intArgField(intArg: \"\"\"block \"quoted\" \\\"\"\" \"\"\") } }",
              "Int cannot represent non-integer value: \"q \\\" b \\\\ n \\n u é c \\u0001\" @1:44\n"
              "Int cannot represent non-integer value: \"\"\"block \"quoted\" \\\"\"\" \"\"\" @1:103");
}

TEST(variable_default_values)
{
    VT_EXPECT("query Q($a: Int = \"one\", $b: [String] = [1], $c: ComplexInput = {intField: 1}, $d: Int! = null) { "
              "complicatedArgs { intArgField(intArg: $a) stringListArgField(stringListArg: $b) "
              "complexArgField(complexArg: $c) i2: intArgField(intArg: $d) } }",
              "Int cannot represent non-integer value: \"one\" @1:19\n"
              "String cannot represent a non string value: 1 @1:42\n"
              "Expected value of type \"ComplexInput\" to include required field \"requiredField\", found: { intField: "
              "1 }. @1:65\n"
              "Expected value of non-null type \"Int!\" not to be null. @1:91");
}

TEST(unique_input_field_names)
{
    VT_EXPECT("{ complicatedArgs { complexArgField(complexArg: {requiredField: true, intField: 1, intField: 2}) "
              "customArgField(customArg: {a: {b: 1, b: 2}, a: 3}) } }",
              "There can be only one input field named \"intField\". @1:71,1:84\n"
              "There can be only one input field named \"b\". @1:129,1:135\n"
              "There can be only one input field named \"a\". @1:125,1:142");
}

TEST_MAIN(TEST_ENTRY(ints), TEST_ENTRY(floats_strings_booleans_ids), TEST_ENTRY(enums), TEST_ENTRY(lists),
          TEST_ENTRY(non_null), TEST_ENTRY(input_objects), TEST_ENTRY(oneof_literals),
          TEST_ENTRY(custom_scalars_accept_anything), TEST_ENTRY(variables_inside_literals_print_as_null),
          TEST_ENTRY(long_values_wrap_like_the_printer), TEST_ENTRY(string_escapes_in_messages),
          TEST_ENTRY(variable_default_values), TEST_ENTRY(unique_input_field_names))
