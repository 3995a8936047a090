/*
 * Unit tests of nameidx.c, the one name index behind the schema's type and
 * member tables, the schema builder, the SDL rules and validation's maps:
 * positions in the order given, lookups, growth, duplicates kept by build
 * and refused by add, and an empty index.
 */
#include "nameidx.h"
#include "test.h"

#include <stdio.h>

typedef struct item {
    const char *name;
    int value;
} item_t;

static const char *item_name(const void *items, size_t i)
{
    return ((const item_t *)items)[i].name;
}

TEST(build_and_find)
{
    static const item_t items[] = {{"id", 1}, {"name", 2}, {"iban", 3}, {"__typename", 4}, {"", 5}};
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql__nameidx_t ix;
    ASSERT_EQ_INT(0, gql__nameidx_build(&ix, a, items, 5, item_name));
    ASSERT_EQ_INT(5, ix.count);
    for (int i = 0; i < 5; i++) {
        ASSERT_EQ_INT(i, gql__nameidx_find(&ix, items[i].name));
        ASSERT_EQ_STR(items[i].name, ix.names[i]);
    }
    ASSERT_EQ_INT(-1, gql__nameidx_find(&ix, "Name"));
    ASSERT_EQ_INT(-1, gql__nameidx_find(&ix, "ids"));
    gql_arena_free(a);
}

TEST(build_keeps_duplicates_and_finds_the_first)
{
    static const item_t items[] = {{"a", 0}, {"b", 1}, {"a", 2}, {"a", 3}};
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql__nameidx_t ix;
    ASSERT_EQ_INT(0, gql__nameidx_build(&ix, a, items, 4, item_name));
    ASSERT_EQ_INT(4, ix.count); /* positions match the items */
    ASSERT_EQ_INT(0, gql__nameidx_find(&ix, "a"));
    ASSERT_EQ_INT(1, gql__nameidx_find(&ix, "b"));
    gql_arena_free(a);
}

TEST(empty_index)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql__nameidx_t ix, built;
    gql__nameidx_init(&ix, a);
    ASSERT_EQ_INT(0, ix.count);
    ASSERT_EQ_INT(-1, gql__nameidx_find(&ix, "a"));
    ASSERT_EQ_INT(0, gql__nameidx_build(&built, a, NULL, 0, item_name));
    ASSERT_EQ_INT(-1, gql__nameidx_find(&built, "a"));
    gql_arena_free(a);
}

TEST(add_grows_and_keeps_the_order)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql__nameidx_t ix;
    gql__nameidx_init(&ix, a);
    static char names[1000][8];
    bool added;
    for (int i = 0; i < 1000; i++) {
        snprintf(names[i], sizeof(names[i]), "n%d", i);
        ASSERT_EQ_INT(i, gql__nameidx_add(&ix, names[i], &added));
        ASSERT(added);
    }
    ASSERT_EQ_INT(1000, ix.count);
    for (int i = 0; i < 1000; i++) {
        ASSERT_EQ_INT(i, gql__nameidx_find(&ix, names[i]));
        ASSERT(ix.names[i] == names[i]); /* borrowed, not copied */
    }
    /* Adding a name again gives its position and adds nothing. */
    ASSERT_EQ_INT(417, gql__nameidx_add(&ix, "n417", &added));
    ASSERT(!added);
    ASSERT_EQ_INT(1000, ix.count);
    ASSERT_EQ_INT(-1, gql__nameidx_find(&ix, "n1000"));
    gql_arena_free(a);
}

TEST(add_after_build_and_reserve)
{
    static const item_t items[] = {{"x", 0}, {"y", 1}};
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql__nameidx_t ix;
    ASSERT_EQ_INT(0, gql__nameidx_build(&ix, a, items, 2, item_name));
    ASSERT_EQ_INT(0, gql__nameidx_reserve(&ix, 40));
    bool added;
    ASSERT_EQ_INT(1, gql__nameidx_add(&ix, "y", &added));
    ASSERT(!added);
    ASSERT_EQ_INT(2, gql__nameidx_add(&ix, "z", &added));
    ASSERT(added);
    ASSERT_EQ_INT(0, gql__nameidx_find(&ix, "x"));
    ASSERT_EQ_INT(2, gql__nameidx_find(&ix, "z"));
    gql_arena_free(a);
}

TEST_MAIN(TEST_ENTRY(build_and_find), TEST_ENTRY(build_keeps_duplicates_and_finds_the_first), TEST_ENTRY(empty_index),
          TEST_ENTRY(add_grows_and_keeps_the_order), TEST_ENTRY(add_after_build_and_reserve))
