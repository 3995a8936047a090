/*
 * test_validate_harness.h — what the validation unit tests share: the pets
 * schema (tests/diff/validation/pets.graphql, found from this file's path),
 * and a runner that parses and validates a document and renders the errors
 * as "message @line:column,line:column" lines for one string comparison.
 */
#ifndef TEST_VALIDATE_HARNESS_H
#define TEST_VALIDATE_HARNESS_H

#include "gql.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The repository root, from this header's own path. */
static char *vt_repo_path(const char *rel)
{
    const char *env = getenv("SOURCE_DIR");
    char root[4096];
    if (env != NULL) {
        snprintf(root, sizeof(root), "%s", env);
    } else {
        snprintf(root, sizeof(root), "%s", __FILE__);
        char *cut = strstr(root, "tests/unit/graphql/");
        if (cut == NULL)
            return NULL;
        *cut = '\0';
    }
    size_t n = strlen(root) + strlen(rel) + 2;
    char *p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s%s%s", root, root[0] && root[strlen(root) - 1] == '/' ? "" : "/", rel);
    return p;
}

static char *vt_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b != NULL) {
        *len = fread(b, 1, (size_t)n, f);
        b[*len] = '\0';
    }
    fclose(f);
    return b;
}

/* Builds a schema from a file of the repository; NULL on failure. */
static gql_schema_t *vt_schema(const char *rel)
{
    char *path = vt_repo_path(rel);
    size_t len = 0;
    char *sdl = path ? vt_read(path, &len) : NULL;
    gql_schema_t *s = NULL;
    if (sdl != NULL) {
        gql_arena_t *a = gql_arena_new(0, NULL);
        gql_errors_t e;
        gql_errors_init(&e, a, 10);
        s = gql_schema_build(sdl, len, NULL, &e, NULL);
        if (s == NULL && e.count > 0)
            fprintf(stderr, "schema %s: %s\n", rel, e.items[0].message);
        gql_arena_free(a);
    } else {
        fprintf(stderr, "cannot read %s\n", path ? path : rel);
    }
    free(sdl);
    free(path);
    return s;
}

/* Parses and validates `doc` with `limits` (NULL: defaults) and returns the
 * errors, one "message @l:c,l:c" per line, or "SYNTAX: message" when the
 * parser refused it. *count gets the number gql_validate returned. The
 * result is malloc'd. */
static char *vt_run_limits(const gql_schema_t *schema, const char *doc, const gql_limits_t *limits, size_t *count,
                           const char **code)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_errors_t e;
    gql_errors_init(&e, a, 0);
    gql_document_t *d = gql_parse(a, doc, strlen(doc), limits, &e);
    gql_buf_t b = GQL_BUF_INIT;
    size_t n = 0;
    if (d == NULL) {
        gql_buf_printf(&b, "SYNTAX: %s", e.count ? e.items[0].message : "?");
    } else {
        n = gql_validate(schema, d, limits, &e);
        for (size_t i = 0; i < e.count; i++) {
            if (i)
                gql_buf_putc(&b, '\n');
            gql_buf_printf(&b, "%s @", e.items[i].message);
            for (size_t j = 0; j < e.items[i].nlocations; j++)
                gql_buf_printf(&b, "%s%u:%u", j ? "," : "", e.items[i].locations[j].line,
                               e.items[i].locations[j].column);
        }
        if (code != NULL)
            *code = e.count ? e.items[0].code : NULL;
    }
    if (count != NULL)
        *count = n;
    char *out = strdup(gql_buf_cstr(&b));
    gql_buf_free(&b);
    gql_arena_free(a);
    return out;
}

/* Validates `doc` against the pets schema and compares the rendered errors
 * with `expected` ("" for a valid document). */
#define VT_EXPECT(doc, expected)                                                                                       \
    do {                                                                                                               \
        gql_schema_t *s_ = vt_schema("tests/diff/validation/pets.graphql");                                            \
        ASSERT(s_ != NULL);                                                                                            \
        size_t n_ = 0;                                                                                                 \
        char *got_ = vt_run_limits(s_, (doc), NULL, &n_, NULL);                                                        \
        gql_schema_free(s_);                                                                                           \
        int ok_ = strcmp((expected), got_) == 0;                                                                       \
        if (!ok_)                                                                                                      \
            FAIL_("errors differ:\n    expected: %s\n    actual:   %s", (expected), got_);                             \
        free(got_);                                                                                                    \
        if (!ok_)                                                                                                      \
            return;                                                                                                    \
    } while (0)

#endif
