/*
 * schema_int.h — internals shared by the files that build, validate, print
 * and introspect a schema (schema.c, schema_sdl_rules.c, schema_validate.c,
 * schema_print.c, introspect.c). Not part of the engine's interface:
 * validation and execution use schema.h only.
 *
 * Memory: the checks of a schema take a `scratch` arena for what they need
 * while they run (the builder's, freed when gql_schema_build returns); their
 * errors go to the gql_errors_t's arena.
 */
#ifndef GQL_SCHEMA_INT_H
#define GQL_SCHEMA_INT_H

#include "gql_int.h"
#include "schema.h"

/* Whether `name` is one of the types graphql-js always knows (Int, Float,
 * String, Boolean, ID and the eight introspection types). */
bool gql__is_standard_type_name(const char *name);

/* (Re)builds t's lookup table over its fields, input fields or enum values
 * (by kind; nothing for other kinds) in `arena`, which must live as long as
 * t. Call after filling them. Returns 0 or GQL_ENOMEM. */
int gql__type_index(gql_arena_t *arena, gql_type_t *t);

/* "query", "mutation", "subscription", by gql_op_type_t. */
extern const char *const gql__operation_words[3];

/* The locations of one error, gathered before it is reported (at most
 * GQL__MAX_LOCS; unknown locations, line 0, are left out). */
#define GQL__MAX_LOCS 16
typedef struct gql__locs {
    gql_loc_t items[GQL__MAX_LOCS];
    size_t n;
} gql__locs_t;

static inline void gql__locs_add(gql__locs_t *l, gql_loc_t loc)
{
    if (l->n < GQL__MAX_LOCS && loc.line != 0)
        l->items[l->n++] = loc;
}

/* The SDL rules of graphql-js (specifiedSDLRules: unique names, known types
 * and directives, directive locations and arguments, type extensions) over a
 * type-system document (schema_sdl_rules.c). Adds errors in graphql-js
 * wording; returns how many. */
size_t gql__schema_validate_sdl(const gql_document_t *doc, gql_arena_t *scratch, gql_errors_t *errors);

/* The values given to @deprecated(reason:) and @specifiedBy(url:) in the
 * SDL of a built schema, which building reads: errors as graphql-js's
 * "Argument "@deprecated(reason:)" has invalid value: ..." (schema_validate.c).
 * Returns how many were added. */
size_t gql__schema_validate_directive_values(const gql_schema_t *s, gql_arena_t *scratch, gql_errors_t *errors);

/* Type validation of a built schema (spec §3 "Type Validation", graphql-js
 * validateSchema; schema_validate.c). Deprecation conflicts (a deprecated
 * implementation field whose interface field is not deprecated) go to
 * `warnings` when options->allow_deprecation_conflicts, else to `errors`.
 * Returns the number of errors added. `warnings` may be NULL. */
size_t gql__schema_validate(const gql_schema_t *s, const gql_schema_options_t *options, gql_arena_t *scratch,
                            gql_errors_t *errors, gql_errors_t *warnings);

#endif
