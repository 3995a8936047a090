/*
 * literal.h — walking an input literal (a gql_value_t of the AST) against
 * an input type, written once for the engine's three literal checks:
 *  - ValuesOfCorrectType in document validation (validate_values.c);
 *  - default values and @deprecated/@specifiedBy arguments in schema
 *    validation (schema_validate.c);
 *  - the reason a literal did not coerce at execution, with variables
 *    (values.c, gql__literal_error).
 * The walk is graphql-js's validateInputLiteral: non-null, lists (a single
 * value standing for a list of one), input objects (each field of the type
 * in order, then the literal's unknown fields, then the OneOf rule). It
 * finds the problems in that order and hands each to the caller, who words
 * it its own way; scalars, enums and variables are the caller's to check.
 * Also here: the untyped walk of UniqueInputFieldNames, and finding an
 * object literal's field by name, which coercion shares.
 *
 * Nothing here allocates, except gql__lit_duplicate_fields (in the arena it
 * is given). Not part of the engine's interface.
 */
#ifndef GQL_LITERAL_H
#define GQL_LITERAL_H

#include "ast.h"
#include "schema.h"

/* The field of object literal `v` named `name`, or NULL; the last one when
 * the literal repeats the name, as graphql-js's keyMap keeps. */
const gql_object_field_t *gql__object_field(const gql_value_t *v, const char *name);

typedef enum gql__lit_problem_kind {
    GQL_LIT_NULL,          /* null where non-null `type` is expected */
    GQL_LIT_NOT_OBJECT,    /* something else than an object where input object `type` is expected */
    GQL_LIT_MISSING_FIELD, /* required `field` of `type` is not in object literal `value` */
    GQL_LIT_UNKNOWN_FIELD, /* `object_field` of `value` is not a field of `type` */
    GQL_LIT_ONE_OF,        /* OneOf `type`: `value` does not give exactly one known field */
    GQL_LIT_ONE_OF_NULL,   /* OneOf `type`: the one field given, `object_field`, is null */
} gql__lit_problem_kind_t;

/* One problem the walk found. */
typedef struct gql__lit_problem {
    gql__lit_problem_kind_t kind;
    const gql_value_t *value;               /* the node at fault (the object literal for field problems) */
    const gql_type_t *type;                 /* the type expected at `value` */
    const gql_path_t *path;                 /* where `value` is in the literal; NULL at its top */
    const gql_input_value_t *field;         /* GQL_LIT_MISSING_FIELD */
    const gql_object_field_t *object_field; /* GQL_LIT_UNKNOWN_FIELD, GQL_LIT_ONE_OF_NULL */
} gql__lit_problem_t;

/* What the walk does with a given field of an object literal. */
typedef enum gql__lit_step {
    GQL_LIT_WALK = 0, /* walk its value */
    GQL_LIT_SKIP,     /* leave it (it counts as given) */
    GQL_LIT_STOP,     /* end the walk */
} gql__lit_step_t;

/* The caller's side of a walk. Every function gets the `ctx` given to
 * gql__lit_walk; those that return bool return true to end the walk (a
 * caller that wants the first problem only), false to go on. */
typedef struct gql__lit_walk {
    bool (*problem)(void *ctx, const gql__lit_problem_t *p);
    /* A value where a scalar or an enum (or, in a broken schema, any other
     * non-input type) is expected. */
    bool (*leaf)(void *ctx, const gql_value_t *v, const gql_type_t *type, const gql_path_t *path);
    /* A variable where `type` is expected; NULL: variables are skipped. */
    bool (*variable)(void *ctx, const gql_value_t *v, const gql_type_t *type, const gql_path_t *path);
    /* Before walking `given`, the value of field `field` of object literal
     * `object` (of input object `type`, at `path`); NULL: always walk. */
    gql__lit_step_t (*field)(void *ctx, const gql_value_t *object, const gql_type_t *type,
                             const gql_input_value_t *field, const gql_value_t *given, const gql_path_t *path);
    /* Values nested deeper than this (counting every step into a wrapper,
     * item or field) are left unchecked; 0: no bound. */
    unsigned max_depth;
} gql__lit_walk_t;

/* Walks literal `v` (not NULL) against input type `type` (not NULL) at
 * `path` (NULL at the top), calling w's functions in graphql-js's order.
 * Returns true when one of them ended the walk. */
bool gql__lit_walk(const gql__lit_walk_t *w, void *ctx, const gql_value_t *v, const gql_type_t *type,
                   const gql_path_t *path);

/* UniqueInputFieldNames: calls dup(ctx, first, again) for every field of an
 * object literal in `v` (at any depth, in document order) whose name an
 * earlier field of the same object already has; `first` is the earliest.
 * Names are matched through a name index in `arena` (a field whose index
 * cannot grow for lack of memory is not matched). */
void gql__lit_duplicate_fields(gql_arena_t *arena, const gql_value_t *v,
                               void (*dup)(void *ctx, const gql_object_field_t *first, const gql_object_field_t *again),
                               void *ctx);

#endif
