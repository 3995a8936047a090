/*
 * test_validate_variables.c — unit tests of validate_variables.c: unique names, input types, undefined and unused
 * variables, allowed positions (defaults, lists, input fields, fragments, OneOf).
 *
 * Each case validates a document against the pets schema
 * (tests/diff/validation/pets.graphql); the expected errors (message @
 * line:column of each location) were produced by graphql-js 17's validate().
 */
#include "test_validate_harness.h"

TEST(unique_variable_names)
{
    VT_EXPECT("query Q($a: Int, $b: Int, $a: String, $a: Boolean) { complicatedArgs { intArgField(intArg: $b) } }",
              "There can be only one variable named \"$a\". @1:10,1:28,1:40\n"
              "Variable \"$a\" is never used in operation \"Q\". @1:9\n"
              "Variable \"$a\" is never used in operation \"Q\". @1:27\n"
              "Variable \"$a\" is never used in operation \"Q\". @1:39");
}

TEST(variables_are_input_types)
{
    VT_EXPECT("query Q($a: Dog, $b: [[CatOrDog!]]!, $c: ComplexInput) { complicatedArgs { complexArgField(complexArg: "
              "$c) } }",
              "Variable \"$a\" is never used in operation \"Q\". @1:9\n"
              "Variable \"$b\" is never used in operation \"Q\". @1:18\n"
              "Variable \"$a\" cannot be non-input type \"Dog\". @1:13\n"
              "Variable \"$b\" cannot be non-input type \"[[CatOrDog!]]!\". @1:22");
}

TEST(undefined_variables)
{
    VT_EXPECT("query Q($a: Int) { complicatedArgs { intArgField(intArg: $b) } dog { ...F } }\n"
              "fragment F on Dog { isAtLocation(x: $x, y: $a) }\n"
              "query { dog { ...F } }",
              "Variable \"$b\" is not defined by operation \"Q\". @1:58,1:1\n"
              "Variable \"$x\" is not defined by operation \"Q\". @2:37,1:1\n"
              "This anonymous operation must be the only defined operation. @3:1\n"
              "Variable \"$x\" is not defined. @2:37,3:1\n"
              "Variable \"$a\" is not defined. @2:44,3:1");
}

TEST(undefined_in_directives)
{
    VT_EXPECT("query Q { dog @include(if: $inc) { name @skip(if: $skip) } }",
              "Variable \"$inc\" is not defined by operation \"Q\". @1:28,1:1\n"
              "Variable \"$skip\" is not defined by operation \"Q\". @1:51,1:1");
}

TEST(unused_variables)
{
    VT_EXPECT("query Q($a: Int, $b: Int) { complicatedArgs { intArgField(intArg: $b) } }\n"
              "query ($d: Int, $e: Boolean) { dog { ...F } }\n"
              "fragment F on Dog { name(surname: $e) }",
              "Variable \"$a\" is never used in operation \"Q\". @1:9\n"
              "This anonymous operation must be the only defined operation. @2:1\n"
              "Variable \"$d\" is never used. @2:8");
}

TEST(described_variable_locations)
{
    VT_EXPECT("\"An operation\"\n"
              "query Q(\n"
              "  \"unused\"\n"
              "  $x: Int\n"
              "  \"\"\"block\n"
              "description\"\"\"\n"
              "  $y: String\n"
              ") { dog { name(surname: $y) } }",
              "Variable \"$x\" is never used in operation \"Q\". @3:3\n"
              "Variable \"$y\" of type \"String\" used in position expecting type \"Boolean\". @5:3,8:25");
}

TEST(allowed_positions_valid)
{
    VT_EXPECT("query Q($i: Int!, $b: Boolean = true, $l: [String!]!, $n: Int = 1) { complicatedArgs { "
              "nonNullIntArgField(nonNullIntArg: $i) intArgField(intArg: $i) stringListArgField(stringListArg: $l) x: "
              "nonNullIntArgField(nonNullIntArg: $n) y: nonNullFieldWithDefault(arg: $n) } dog { "
              "isHouseTrained(atOtherHomes: $b) } }",
              "");
}

TEST(disallowed_positions)
{
    VT_EXPECT("query Q($i: Int, $s: String, $l: [String], $nl: [Int] = null) { complicatedArgs { "
              "nonNullIntArgField(nonNullIntArg: $i) intArgField(intArg: $s) "
              "stringListNonNullArgField(stringListNonNullArg: $l) y: nonNullIntArgField(nonNullIntArg: $nl) } }",
              "Variable \"$i\" of type \"Int\" used in position expecting type \"Int!\". @1:9,1:117\n"
              "Variable \"$s\" of type \"String\" used in position expecting type \"Int\". @1:18,1:141\n"
              "Variable \"$l\" of type \"[String]\" used in position expecting type \"[String!]\". @1:30,1:193\n"
              "Variable \"$nl\" of type \"[Int]\" used in position expecting type \"Int!\". @1:44,1:234");
}

TEST(positions_in_lists_and_input_fields)
{
    VT_EXPECT("query Q($s: String, $b: Boolean, $bb: Boolean!) { complicatedArgs { a: "
              "stringListNonNullArgField(stringListNonNullArg: [$s]) complexArgField(complexArg: {requiredField: $b, "
              "nonNullField: $b}) c2: complexArgField(complexArg: {requiredField: $bb}) } }",
              "Variable \"$s\" of type \"String\" used in position expecting type \"String!\". @1:9,1:121\n"
              "Variable \"$b\" of type \"Boolean\" used in position expecting type \"Boolean!\". @1:21,1:170");
}

TEST(positions_in_fragments)
{
    VT_EXPECT("query Q($i: Int, $b: Boolean) { dog { ...F } }\n"
              "fragment F on Dog { isAtLocation(x: $b, y: $i) doesKnowCommand(dogCommand: $i) }",
              "Variable \"$b\" of type \"Boolean\" used in position expecting type \"Int\". @1:18,2:37\n"
              "Variable \"$i\" of type \"Int\" used in position expecting type \"DogCommand\". @1:9,2:76");
}

TEST(oneof_variables_must_be_non_null)
{
    VT_EXPECT("query Q($s: String, $ss: String!, $i: Int) { complicatedArgs { a: oneOfArgField(oneOfArg: {stringField: "
              "$s}) b: oneOfArgField(oneOfArg: {stringField: $ss}) c: nestedOneOfArgField(arg: {choice: {intField: "
              "$i}}) d: nonNullOneOfArgField(oneOfArg: {stringField: $s}) } }",
              "Variable \"$s\" is of type \"String\" but must be non-nullable to be used for OneOf Input Object "
              "\"OneOfInput\". @1:9,1:105\n"
              "Variable \"$i\" is of type \"Int\" but must be non-nullable to be used for OneOf Input Object "
              "\"OneOfInput\". @1:35,1:205");
}

TEST_MAIN(TEST_ENTRY(unique_variable_names), TEST_ENTRY(variables_are_input_types), TEST_ENTRY(undefined_variables),
          TEST_ENTRY(undefined_in_directives), TEST_ENTRY(unused_variables), TEST_ENTRY(described_variable_locations),
          TEST_ENTRY(allowed_positions_valid), TEST_ENTRY(disallowed_positions),
          TEST_ENTRY(positions_in_lists_and_input_fields), TEST_ENTRY(positions_in_fragments),
          TEST_ENTRY(oneof_variables_must_be_non_null))
