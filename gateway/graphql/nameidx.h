/*
 * nameidx.h — the engine's one index from names to positions, used wherever
 * something is looked up by name: a schema's types and each type's fields,
 * input fields and enum values (schema.c, introspect.c), the schema
 * builder's pool of types, the SDL rules' definitions by name
 * (schema_sdl_rules.c), the input objects of the cycle check
 * (schema_validate.c) and the string maps of document validation
 * (validate.c). Not part of the engine's interface.
 *
 * A gql__nameidx_t numbers names 0, 1, 2, ... in the order they were given
 * and finds a name's number by hashing (FNV-1a, open addressing with
 * linear probing, at most half full). The caller keeps whatever goes with a
 * name in its own array at that position, so one index serves an array of
 * fields, of type pointers or of map values alike.
 *
 * Memory: the index lives in an arena (the one given to init or build) and
 * is never freed on its own; growing leaves the old table in the arena.
 * Names are borrowed: they must outlive the index and not change.
 */
#ifndef GQL_NAMEIDX_H
#define GQL_NAMEIDX_H

#include "gql.h"

#include <string.h>

typedef struct gql__nameidx {
    const char **names; /* names[i] for each position i < count, in the order added (read-only) */
    uint32_t count;     /* positions in use (read-only) */
    uint32_t _cap;      /* room in names */
    int32_t *_slots;    /* a position, or -1 when empty; _mask + 1 of them (NULL when empty) */
    uint32_t _mask;
    gql_arena_t *_arena; /* where the index grows */
} gql__nameidx_t;

/* An empty index that grows in `arena`. Allocates nothing. */
void gql__nameidx_init(gql__nameidx_t *ix, gql_arena_t *arena);

/* Makes an index over an array of `n` items: position i is item i, named
 * name_at(items, i). A name given twice keeps both positions and lookups
 * find the first. Returns 0, or GQL_ENOMEM (the index is then empty). */
int gql__nameidx_build(gql__nameidx_t *ix, gql_arena_t *arena, const void *items, size_t n,
                       const char *(*name_at)(const void *items, size_t i));

/* FNV-1a of a NUL-terminated name: where a name's search starts. */
static inline uint32_t gql__nameidx_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

/* The position of `name`, or -1 when it was never added. Inline: every
 * field, type and fragment lookup of validation and execution comes here. */
static inline int32_t gql__nameidx_find(const gql__nameidx_t *ix, const char *name)
{
    if (ix->count == 0)
        return -1;
    uint32_t h = gql__nameidx_hash(name) & ix->_mask;
    for (;;) {
        int32_t i = ix->_slots[h];
        if (i < 0 || strcmp(ix->names[i], name) == 0)
            return i;
        h = (h + 1) & ix->_mask;
    }
}

/* Makes room for `n` names in all, so that adding up to that many cannot
 * fail. Returns 0 or GQL_ENOMEM. */
int gql__nameidx_reserve(gql__nameidx_t *ix, size_t n);

/* The position of `name`, added at the end (position count) when absent;
 * *added tells which. Returns -1 when out of memory (nothing added). */
int32_t gql__nameidx_add(gql__nameidx_t *ix, const char *name, bool *added);

#endif
