/*
 * test_validate_harness.h — what the validation unit tests share beyond
 * helpers.h: the pets schema (tests/diff/validation/pets.graphql),
 * and a runner that parses and validates a document and renders the errors
 * as "message @line:column,line:column" lines for one string comparison.
 */
#ifndef TEST_VALIDATE_HARNESS_H
#define TEST_VALIDATE_HARNESS_H

#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        gql_schema_t *s_ = th_schema_file("tests/diff/validation/pets.graphql");                                       \
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
