/*
 * test_validate_directives.c — unit tests of validate_directives.c: known directives and their locations, unique
 * directives per location, known and unique argument names, required arguments.
 *
 * Each case validates a document against the pets schema
 * (tests/diff/validation/pets.graphql); the expected errors (message @
 * line:column of each location) were produced by graphql-js 17's validate().
 */
#include "test_validate_harness.h"

TEST(known_directives_valid)
{
    VT_EXPECT("query Q($v: Int @onVariableDefinition) @onQuery { dog @onField { ...F @onFragmentSpread ... "
              "@onInlineFragment { name } } complicatedArgs { intArgField(intArg: $v) } }\n"
              "fragment F on Dog @onFragmentDefinition { name }\n"
              "mutation M @onMutation { train(command: SIT) }\n"
              "subscription S @onSubscription { newDog { name } }",
              "");
}

TEST(unknown_and_misplaced_directives)
{
    VT_EXPECT("query Q($v: Int @onField) @onMutation @unknown { dog @onQuery { ...F @onInlineFragment } "
              "complicatedArgs { intArgField(intArg: $v) } }\n"
              "fragment F on Dog @onField { name }",
              "Directive \"@onField\" may not be used on VARIABLE_DEFINITION. @1:17\n"
              "Directive \"@onMutation\" may not be used on QUERY. @1:27\n"
              "Unknown directive \"@unknown\". @1:39\n"
              "Directive \"@onQuery\" may not be used on FIELD. @1:54\n"
              "Directive \"@onInlineFragment\" may not be used on FRAGMENT_SPREAD. @1:70\n"
              "Directive \"@onField\" may not be used on FRAGMENT_DEFINITION. @2:19");
}

TEST(unique_directives_per_location)
{
    VT_EXPECT("query Q @onQuery @onQuery { dog @onField @onField @repeatableOnField @repeatableOnField { name "
              "@skip(if: true) @skip(if: false) @unknown @unknown } }",
              "The directive \"@onQuery\" can only be used once at this location. @1:9,1:18\n"
              "The directive \"@onField\" can only be used once at this location. @1:33,1:42\n"
              "The directive \"@skip\" can only be used once at this location. @1:96,1:112\n"
              "Unknown directive \"@unknown\". @1:129\n"
              "Unknown directive \"@unknown\". @1:138");
}

TEST(known_argument_names)
{
    VT_EXPECT("{ dog { doesKnowCommand(dogcommand: SIT) isAtLocation(x: 1, z: 2) name @include(iff: true) } "
              "__typename(x: 1) }",
              "Unknown argument \"dogcommand\" on field \"Dog.doesKnowCommand\". Did you mean \"dogCommand\"? @1:25\n"
              "Unknown argument \"z\" on field \"Dog.isAtLocation\". Did you mean \"x\" or \"y\"? @1:61\n"
              "Unknown argument \"iff\" on directive \"@include\". Did you mean \"if\"? @1:81\n"
              "Argument \"@include(if:)\" of type \"Boolean!\" is required, but it was not provided. @1:72\n"
              "Unknown argument \"x\" on field \"<meta>.__typename\". @1:105");
}

TEST(unknown_directive_arguments_typed_by_field)
{
    VT_EXPECT("{ dog { isAtLocation(x: 1) @unknown(x: \"wrong\", y: 1) } }",
              "Unknown directive \"@unknown\". @1:28\n"
              "Int cannot represent non-integer value: \"wrong\" @1:40");
}

TEST(unique_argument_names)
{
    VT_EXPECT("{ dog { isAtLocation(x: 1, x: 2, y: 3, x: 4) name @include(if: true, if: false) } }",
              "There can be only one argument named \"x\". @1:22,1:28,1:40\n"
              "There can be only one argument named \"if\". @1:60,1:70");
}

TEST(required_arguments_valid)
{
    VT_EXPECT("{ complicatedArgs { multipleReqs(req2: 2, req1: 1) nonNullFieldWithDefault multipleOpts } dog { name "
              "@include(if: true) } }",
              "");
}

TEST(required_arguments_missing)
{
    VT_EXPECT("{ complicatedArgs { multipleReqs b: multipleOptAndReq(opt1: 1) } dog { name @include barks @withArgs } "
              "__type { name } }",
              "Argument \"ComplicatedArgs.multipleReqs(req1:)\" of type \"Int!\" is required, but it was not provided. "
              "@1:21\n"
              "Argument \"ComplicatedArgs.multipleReqs(req2:)\" of type \"Int!\" is required, but it was not provided. "
              "@1:21\n"
              "Argument \"ComplicatedArgs.multipleOptAndReq(req1:)\" of type \"Int!\" is required, but it was not "
              "provided. @1:34\n"
              "Argument \"ComplicatedArgs.multipleOptAndReq(req2:)\" of type \"Int!\" is required, but it was not "
              "provided. @1:34\n"
              "Argument \"@include(if:)\" of type \"Boolean!\" is required, but it was not provided. @1:77\n"
              "Argument \"@withArgs(required:)\" of type \"Int!\" is required, but it was not provided. @1:92\n"
              "Argument \"<meta>.__type(name:)\" of type \"String!\" is required, but it was not provided. @1:104");
}

TEST_MAIN(TEST_ENTRY(known_directives_valid), TEST_ENTRY(unknown_and_misplaced_directives),
          TEST_ENTRY(unique_directives_per_location), TEST_ENTRY(known_argument_names),
          TEST_ENTRY(unknown_directive_arguments_typed_by_field), TEST_ENTRY(unique_argument_names),
          TEST_ENTRY(required_arguments_valid), TEST_ENTRY(required_arguments_missing))
