/*
 * execute_int.h — internals shared by execute.c and values.c (and the
 * cache and the cost estimate): helpers for error messages that quote
 * values and types the way graphql-js does, the field-collection plans a
 * cached document keeps, and the parts of a prepared operation cost.c
 * reads.
 * Not part of the engine's public interface.
 */
#ifndef GQL_EXECUTE_INT_H
#define GQL_EXECUTE_INT_H

#include "ast.h"
#include "gql_int.h"
#include "schema.h"

/* A type as GraphQL writes it ("[Int!]!"); named types return their own
 * name, wrappers an arena string. */
const char *gql__type_name_str(gql_arena_t *a, const gql_type_t *t);

/* A value as graphql-js inspect() shows it in messages: `"abc"`, `1.5`,
 * `{ a: 1 }`. An arena string. */
const char *gql__inspect_iv(gql_arena_t *a, const gql_iv_t *v);

/* Why `lit` does not coerce to `type` with these (coerced) variables, in
 * graphql-js validateInputLiteral's words, as the tail of "... has invalid
 * value<tail>": e.g. ": Expected variable \"$id\" provided to type \"Int!\" to
 * provide a runtime value." or " at .a: Int cannot represent ...". Call only
 * after gql_coerce_literal failed. An arena string. `where`, when not NULL,
 * receives the location of the value node at fault (graphql-js reports that
 * node, not the field). */
const char *gql__literal_error(const gql_schema_t *s, gql_arena_t *a, const gql_value_t *lit, const gql_type_t *type,
                               const gql_iv_t *variables, gql_loc_t *where);

/* The execution plans kept with a cached document (execute.c defines them;
 * the cache only holds the pointer). Everything lives in the entry's arena
 * and is freed with it. */
typedef struct gql__doc_plans gql__doc_plans_t;

/* An empty plan store for `doc`, a document valid against `schema`, in
 * `arena` (the cache entry's, which owns it). It notes which variables the
 * document's @skip/@include read; plans are added by the requests that run
 * it. NULL when out of memory. */
gql__doc_plans_t *gql__doc_plans_new(gql_arena_t *arena, const gql_schema_t *schema, const gql_document_t *doc);

/* The plan store of a cache entry, made on first use (cache.c); NULL when
 * out of memory. Single-threaded, like the cache. */
gql__doc_plans_t *gql__cached_doc_plans(gql_cached_doc_t *d);

/* What the cost estimate (cost.c) reads of a prepared operation, all
 * borrowed from it and valid while it lives. */
typedef struct gql__op_parts {
    const gql_schema_t *schema;
    const gql_document_t *doc;
    const gql_definition_t *def; /* the operation selected */
    const gql_type_t *root_type;
    const gql_iv_t *vars; /* the coerced variables, an object */
    gql_arena_t *arena;   /* the request arena */
} gql__op_parts_t;

void gql__operation_parts(const gql_operation_t *op, gql__op_parts_t *out);

#endif
