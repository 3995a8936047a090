/*
 * validate_limits.c — the request limits of gql_limits_t that validation
 * enforces, before the spec's rules run (so a huge document costs no more
 * than one pass to reject):
 *
 *  max_depth: how deeply an operation nests field selections, counting
 *    through fragment spreads (a fragment's depth is computed once);
 *  max_fields: field selections written in the document;
 *  max_aliases: aliased field selections written in the document.
 *
 * Errors carry extensions.code LIMIT_EXCEEDED.
 */
#include "validate_int.h"

#include <string.h>

typedef struct depth_state {
    gql__smap_t memo; /* fragment name -> depth + 2; 1 marks "in progress" */
} depth_state_t;

static size_t set_depth(gql_vctx_t *c, depth_state_t *st, const gql_selection_set_t *ss);

static size_t selection_depth(gql_vctx_t *c, depth_state_t *st, const gql_selection_t *s)
{
    switch (s->kind) {
    case GQL_SEL_FIELD:
        return 1 + (s->selection_set.count ? set_depth(c, st, &s->selection_set) : 0);
    case GQL_SEL_INLINE_FRAGMENT:
        return set_depth(c, st, &s->selection_set);
    case GQL_SEL_FRAGMENT_SPREAD: {
        uintptr_t m = (uintptr_t)gql__smap_get(&st->memo, s->name);
        if (m == 1)
            return 0; /* a cycle: NoFragmentCycles reports it */
        if (m >= 2)
            return m - 2;
        const gql_definition_t *f = gql__vfragment(c, s->name);
        if (f == NULL)
            return 0;
        gql__smap_put(&st->memo, s->name, (void *)(uintptr_t)1);
        size_t d = set_depth(c, st, &f->selection_set);
        gql__smap_put(&st->memo, s->name, (void *)(uintptr_t)(d + 2));
        return d;
    }
    }
    return 0;
}

static size_t set_depth(gql_vctx_t *c, depth_state_t *st, const gql_selection_set_t *ss)
{
    size_t max = 0;
    for (size_t i = 0; i < ss->count; i++) {
        size_t d = selection_depth(c, st, &ss->items[i]);
        if (d > max)
            max = d;
    }
    return max;
}

static void count_fields(const gql_selection_set_t *ss, size_t *fields, size_t *aliases)
{
    for (size_t i = 0; i < ss->count; i++) {
        const gql_selection_t *s = &ss->items[i];
        if (s->kind == GQL_SEL_FIELD) {
            (*fields)++;
            if (s->alias != NULL)
                (*aliases)++;
        }
        if (s->kind != GQL_SEL_FRAGMENT_SPREAD)
            count_fields(&s->selection_set, fields, aliases);
    }
}

size_t gql__check_limits(gql_vctx_t *c, const gql_limits_t *limits)
{
    size_t before = c->errors->count + c->errors->dropped;
    size_t fields = 0, aliases = 0;
    for (size_t i = 0; i < c->doc->count; i++)
        if (gql_def_is_executable(&c->doc->definitions[i]))
            count_fields(&c->doc->definitions[i].selection_set, &fields, &aliases);
    gql_loc_t start = {1, 1, 0};
    if (limits->max_fields && fields > limits->max_fields)
        gql_errors_add(c->errors, GQL_CODE_LIMIT, NULL, &start, 1,
                       "The document selects %zu fields, more than the limit of %zu.", fields, limits->max_fields);
    if (limits->max_aliases && aliases > limits->max_aliases)
        gql_errors_add(c->errors, GQL_CODE_LIMIT, NULL, &start, 1,
                       "The document uses %zu aliases, more than the limit of %zu.", aliases, limits->max_aliases);
    if (limits->max_depth) {
        depth_state_t st;
        gql__smap_init(&st.memo, c->arena);
        for (size_t i = 0; i < c->doc->count; i++) {
            const gql_definition_t *d = &c->doc->definitions[i];
            if (d->kind != GQL_DEF_OPERATION)
                continue;
            size_t depth = set_depth(c, &st, &d->selection_set);
            if (depth <= limits->max_depth)
                continue;
            if (d->name)
                gql_errors_add(c->errors, GQL_CODE_LIMIT, NULL, &d->loc, 1,
                               "Operation \"%s\" nests selections %zu levels deep, more than the limit of %zu.",
                               d->name, depth, limits->max_depth);
            else
                gql_errors_add(c->errors, GQL_CODE_LIMIT, NULL, &d->loc, 1,
                               "The operation nests selections %zu levels deep, more than the limit of %zu.", depth,
                               limits->max_depth);
        }
    }
    size_t added = c->errors->count + c->errors->dropped - before;
    c->nerrors += added;
    return added;
}
