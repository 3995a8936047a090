/*
 * helpers.h — what the engine's unit tests share, written once: reading a
 * file of the repository (SOURCE_DIR, which ctest sets, or the root found
 * from this header's own path), building a schema from SDL text or from a
 * file, rendering collected errors as JSON, and taking a query through
 * parse, validate and prepare.
 *
 * Everything is `static inline` so a test uses what it needs without
 * unused-function warnings. Ownership: th_read_* return malloc'd text the
 * caller frees; schemas are the caller's (gql_schema_free); strings and
 * operations made in a caller's arena live as long as that arena.
 */
#ifndef TEST_GRAPHQL_HELPERS_H
#define TEST_GRAPHQL_HELPERS_H

#include "gql.h"
#include "schema.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The contents of the file at `path` (malloc'd, NUL-terminated; *len, when
 * not NULL, gets the length), or NULL when it cannot be read. */
static inline char *th_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
        buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf == NULL)
        return NULL;
    buf[n] = '\0';
    if (len != NULL)
        *len = (size_t)n;
    return buf;
}

/* The file `rel` of the repository (e.g. "schema/bank.graphql"), as
 * th_read_file reads it. The root is $SOURCE_DIR, else derived from this
 * header's path. */
static inline char *th_read_source(const char *rel, size_t *len)
{
    char root[2048];
    const char *env = getenv("SOURCE_DIR");
    if (env != NULL) {
        snprintf(root, sizeof(root), "%s", env);
    } else {
        snprintf(root, sizeof(root), "%s", __FILE__);
        char *cut = strstr(root, "tests/unit/graphql/");
        if (cut == NULL)
            return NULL;
        *cut = '\0';
    }
    size_t rl = strlen(root);
    char path[4096];
    snprintf(path, sizeof(path), "%s%s%s", root, rl > 0 && root[rl - 1] != '/' ? "/" : "", rel);
    char *text = th_read_file(path, len);
    if (text == NULL)
        fprintf(stderr, "  cannot read %s\n", path);
    return text;
}

/* The test data file tests/unit/graphql/data/<name>, as th_read_source. */
static inline char *th_read_data(const char *name, size_t *len)
{
    char rel[512];
    snprintf(rel, sizeof(rel), "tests/unit/graphql/data/%s", name);
    return th_read_source(rel, len);
}

/* `prefix` followed by the errors' JSON array, in `a`. */
static inline const char *th_errors_json(gql_arena_t *a, const char *prefix, const gql_errors_t *e)
{
    gql_buf_t b = GQL_BUF_INIT;
    gql_buf_puts(&b, prefix);
    gql_errors_write_json(e, &b);
    const char *r = gql_arena_strdup(a, gql_buf_cstr(&b));
    gql_buf_free(&b);
    return r;
}

/* A schema built from SDL text with default options, or NULL with the
 * errors printed to stderr. */
static inline gql_schema_t *th_schema(const char *sdl, size_t len)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    if (a == NULL)
        return NULL;
    gql_errors_t e;
    gql_errors_init(&e, a, 10);
    gql_schema_t *s = gql_schema_build(sdl, len, NULL, &e, NULL);
    if (s == NULL)
        fprintf(stderr, "  schema errors: %s\n", th_errors_json(a, "", &e));
    gql_arena_free(a);
    return s;
}

/* A schema built from the repository's file `rel`, or NULL. */
static inline gql_schema_t *th_schema_file(const char *rel)
{
    size_t len = 0;
    char *sdl = th_read_source(rel, &len);
    gql_schema_t *s = sdl != NULL ? th_schema(sdl, len) : NULL;
    free(sdl);
    return s;
}

/* What th_prepare is given besides the query; all may be zero/NULL. */
typedef struct th_request {
    const char *variables;      /* JSON object text */
    const void *root_value;     /* handed to root resolvers */
    void *context;              /* handed to every resolver */
    const char *operation_name; /* NULL: the only operation */
} th_request_t;

/* Parses, validates and prepares `query` against `s` in arena `a`, errors
 * collected in *e (initialised here). Returns the operation, or NULL with
 * *stage naming the step that failed ("PARSE", "INVALID", "BAD VARS JSON"
 * or "PREPARE"). */
static inline gql_operation_t *th_prepare(const gql_schema_t *s, gql_arena_t *a, const char *query, th_request_t r,
                                          gql_errors_t *e, const char **stage)
{
    gql_errors_init(e, a, 50);
    gql_document_t *doc = gql_parse(a, query, strlen(query), NULL, e);
    if (doc == NULL) {
        *stage = "PARSE";
        return NULL;
    }
    if (gql_validate(s, doc, NULL, e) != 0) {
        *stage = "INVALID";
        return NULL;
    }
    gql_iv_t *vars = NULL;
    if (r.variables != NULL) {
        vars = gql_arena_alloc(a, sizeof(*vars));
        if (vars == NULL || gql_json_parse(a, r.variables, strlen(r.variables), vars, NULL, 0) != 0) {
            *stage = "BAD VARS JSON";
            return NULL;
        }
    }
    gql_request_t req = {s, doc, r.operation_name, vars, r.context, r.root_value, a, NULL, NULL};
    gql_operation_t *op = NULL;
    if (gql_prepare(&req, &op, e) != 0) {
        *stage = "PREPARE";
        return NULL;
    }
    return op;
}

#endif
