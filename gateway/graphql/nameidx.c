/*
 * nameidx.c — the name index of nameidx.h: names numbered in the order
 * given, found by their FNV-1a hash in an open-addressing table that is at
 * most half full (linear probing; a slot holds a position or -1).
 */
#include "nameidx.h"

#include <string.h>

/* The table size for `n` names: a power of two, at least 8 and 2n. */
static size_t table_size(size_t n)
{
    size_t size = 8;
    while (size < n * 2)
        size *= 2;
    return size;
}

/* A table of `size` slots (a power of two) holding positions 0..count-1 of
 * names[], each at the first free slot from its hash, in position order (so
 * the first of equal names is met first). NULL when out of memory. */
static int32_t *table_fill(gql_arena_t *arena, const char *const *names, uint32_t count, size_t size)
{
    int32_t *slots = gql_arena_alloc_raw(arena, size * sizeof(*slots));
    if (slots == NULL)
        return NULL;
    memset(slots, 0xff, size * sizeof(*slots));
    uint32_t mask = (uint32_t)(size - 1);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t h = gql__nameidx_hash(names[i]) & mask;
        while (slots[h] >= 0)
            h = (h + 1) & mask;
        slots[h] = (int32_t)i;
    }
    return slots;
}

void gql__nameidx_init(gql__nameidx_t *ix, gql_arena_t *arena)
{
    memset(ix, 0, sizeof(*ix));
    ix->_arena = arena;
}

int gql__nameidx_build(gql__nameidx_t *ix, gql_arena_t *arena, const void *items, size_t n,
                       const char *(*name_at)(const void *items, size_t i))
{
    gql__nameidx_init(ix, arena);
    if (n > INT32_MAX / 4)
        return GQL_ENOMEM;
    if (n == 0)
        return 0;
    const char **names = gql_arena_alloc_raw(arena, n * sizeof(*names));
    if (names == NULL)
        return GQL_ENOMEM;
    for (size_t i = 0; i < n; i++)
        names[i] = name_at(items, i);
    size_t size = table_size(n);
    int32_t *slots = table_fill(arena, names, (uint32_t)n, size);
    if (slots == NULL)
        return GQL_ENOMEM;
    ix->names = names;
    ix->count = ix->_cap = (uint32_t)n;
    ix->_slots = slots;
    ix->_mask = (uint32_t)(size - 1);
    return 0;
}

int gql__nameidx_reserve(gql__nameidx_t *ix, size_t n)
{
    if (n <= ix->_cap)
        return 0;
    size_t cap = ix->_cap ? ix->_cap : 8;
    while (cap < n)
        cap *= 2;
    if (cap > INT32_MAX / 4)
        return GQL_ENOMEM;
    const char **names = gql_arena_alloc_raw(ix->_arena, cap * sizeof(*names));
    size_t size = table_size(cap);
    int32_t *slots = names ? table_fill(ix->_arena, ix->names, ix->count, size) : NULL;
    if (slots == NULL)
        return GQL_ENOMEM;
    if (ix->count)
        memcpy(names, ix->names, ix->count * sizeof(*names));
    ix->names = names;
    ix->_cap = (uint32_t)cap;
    ix->_slots = slots;
    ix->_mask = (uint32_t)(size - 1);
    return 0;
}

int32_t gql__nameidx_add(gql__nameidx_t *ix, const char *name, bool *added)
{
    *added = false;
    /* When full, look first: only a new name makes the table grow. */
    if (ix->count == ix->_cap) {
        int32_t i = gql__nameidx_find(ix, name);
        if (i >= 0)
            return i;
        if (gql__nameidx_reserve(ix, (size_t)ix->count + 1) != 0)
            return -1;
    }
    /* One probe finds the name or the free slot where it goes. */
    uint32_t h = gql__nameidx_hash(name) & ix->_mask;
    for (int32_t i; (i = ix->_slots[h]) >= 0; h = (h + 1) & ix->_mask)
        if (strcmp(ix->names[i], name) == 0)
            return i;
    int32_t i = (int32_t)ix->count++;
    ix->names[i] = name;
    ix->_slots[h] = i;
    *added = true;
    return i;
}
