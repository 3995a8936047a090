/*
 * test_validate_fields.c — unit tests of validate_fields.c: known type names, fragments on composite types, scalar
 * leafs, fields on the correct type (with suggestions), possible fragment spreads and the introspection depth limit.
 *
 * Each case validates a document against the pets schema
 * (tests/diff/validation/pets.graphql); the expected errors (message @
 * line:column of each location) were produced by graphql-js 17's validate().
 */
#include "test_validate_harness.h"

TEST(known_type_names_valid)
{
    VT_EXPECT("query Q($a: Int, $c: ComplexInput) { dog { ... on Pet { name } } complicatedArgs { intArgField(intArg: "
              "$a) complexArgField(complexArg: $c) } }",
              "");
}

TEST(unknown_type_names_with_suggestions)
{
    VT_EXPECT("query Q($a: Innt, $b: [Strin!], $c: Dogg) { dog { ... on Cta { name } } ...F }\n"
              "fragment F on Qurey { __typename }",
              "Variable \"$a\" is never used in operation \"Q\". @1:9\n"
              "Variable \"$b\" is never used in operation \"Q\". @1:19\n"
              "Variable \"$c\" is never used in operation \"Q\". @1:33\n"
              "Unknown type \"Innt\". Did you mean \"Int\"? @1:13\n"
              "Unknown type \"Strin\". Did you mean \"String\"? @1:24\n"
              "Unknown type \"Dogg\". Did you mean \"Dog\"? @1:37\n"
              "Unknown type \"Cta\". Did you mean \"Cat\"? @1:58\n"
              "Unknown type \"Qurey\". Did you mean \"Query\"? @2:15");
}

TEST(fragments_on_non_composite)
{
    VT_EXPECT("{ dog { ...S ... on Boolean { x } } }\n"
              "fragment S on String { x }\n"
              "fragment E on FurColor { y }",
              "Fragment cannot condition on non composite type \"Boolean\". @1:21\n"
              "Fragment \"S\" cannot condition on non composite type \"String\". @2:15\n"
              "Fragment \"E\" cannot condition on non composite type \"FurColor\". @3:15\n"
              "Fragment \"E\" is never used. @3:1");
}

TEST(scalar_leafs)
{
    VT_EXPECT(
        "{ dog human { pets } d2: dog { barks { x } name { y } } }",
        "Field \"dog\" of type \"Dog\" must have a selection of subfields. Did you mean \"dog { ... }\"? @1:3\n"
        "Field \"pets\" of type \"[Pet]\" must have a selection of subfields. Did you mean \"pets { ... }\"? @1:15\n"
        "Field \"barks\" must not have a selection since type \"Boolean\" has no subfields. @1:38\n"
        "Field \"name\" must not have a selection since type \"String\" has no subfields. @1:49");
}

TEST(fields_on_correct_type)
{
    VT_EXPECT("{ dog { nam barkvolume } pet { nickname } catOrDog { name } being { mother } }",
              "Cannot query field \"nam\" on type \"Dog\". Did you mean \"name\"? @1:9\n"
              "Cannot query field \"barkvolume\" on type \"Dog\". Did you mean \"barkVolume\"? @1:13\n"
              "Cannot query field \"nickname\" on type \"Pet\". Did you mean to use an inline fragment on \"Cat\" or "
              "\"Dog\"? @1:32\n"
              "Cannot query field \"name\" on type \"CatOrDog\". Did you mean to use an inline fragment on \"Being\", "
              "\"Pet\", \"Canine\", \"Cat\", or \"Dog\"? @1:54\n"
              "Cannot query field \"mother\" on type \"Being\". Did you mean to use an inline fragment on \"Mammal\", "
              "\"Canine\", or \"Dog\"? @1:69");
}

TEST(fields_on_correct_type_valid)
{
    VT_EXPECT("{ dog { __typename name ... on Cat { meows } } catOrDog { __typename } __schema { queryType { name } } "
              "__type(name: \"Dog\") { name } }",
              "Fragment cannot be spread here as objects of type \"Dog\" can never be of type \"Cat\". @1:25");
}

TEST(meta_fields_only_on_root)
{
    VT_EXPECT("{ dog { __schema { queryType { name } } __type(name: \"Dog\") { name } } }",
              "Cannot query field \"__schema\" on type \"Dog\". @1:9\n"
              "Cannot query field \"__type\" on type \"Dog\". @1:41");
}

TEST(possible_fragment_spreads_valid)
{
    VT_EXPECT("{ dog { ...DogF ...PetF ... on Canine { name } } pet { ... on Cat { meows } } catOrDog { ...PetF } }\n"
              "fragment DogF on Dog { barks }\n"
              "fragment PetF on Pet { name }",
              "");
}

TEST(impossible_fragment_spreads)
{
    VT_EXPECT(
        "{ dog { ...CatF ... on Cat { meows } } cat { ... on Canine { name } } catOrDog { ... on Human { iq } } human "
        "{ ...PetF } }\n"
        "fragment CatF on Cat { meows }\n"
        "fragment PetF on Pet { name }",
        "Fragment \"CatF\" cannot be spread here as objects of type \"Dog\" can never be of type \"Cat\". @1:9\n"
        "Fragment cannot be spread here as objects of type \"Dog\" can never be of type \"Cat\". @1:17\n"
        "Fragment cannot be spread here as objects of type \"Cat\" can never be of type \"Canine\". @1:46\n"
        "Fragment cannot be spread here as objects of type \"CatOrDog\" can never be of type \"Human\". @1:82\n"
        "Fragment \"PetF\" cannot be spread here as objects of type \"Human\" can never be of type \"Pet\". @1:112");
}

TEST(introspection_depth_valid)
{
    VT_EXPECT("{ __schema { types { name fields { name type { name fields { name } } } } } }", "");
}

TEST(introspection_depth_exceeded)
{
    VT_EXPECT("{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
              "Maximum introspection depth exceeded @1:3");
}

TEST(introspection_depth_through_fragments)
{
    VT_EXPECT("{ __type(name: \"Dog\") { ...T } }\n"
              "fragment T on __Type { fields { type { ...U } } }\n"
              "fragment U on __Type { possibleTypes { interfaces { name } } }",
              "Maximum introspection depth exceeded @1:3");
}

TEST_MAIN(TEST_ENTRY(known_type_names_valid), TEST_ENTRY(unknown_type_names_with_suggestions),
          TEST_ENTRY(fragments_on_non_composite), TEST_ENTRY(scalar_leafs), TEST_ENTRY(fields_on_correct_type),
          TEST_ENTRY(fields_on_correct_type_valid), TEST_ENTRY(meta_fields_only_on_root),
          TEST_ENTRY(possible_fragment_spreads_valid), TEST_ENTRY(impossible_fragment_spreads),
          TEST_ENTRY(introspection_depth_valid), TEST_ENTRY(introspection_depth_exceeded),
          TEST_ENTRY(introspection_depth_through_fragments))
