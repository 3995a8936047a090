/*
 * test_validate_harness.h — what the validation unit tests share beyond
 * helpers.h: the pets schema (tests/diff/validation/pets.graphql),
 * and a runner that parses and validates a document and renders the errors
 * as "message @line:column,line:column" lines for one string comparison.
 */
#ifndef TEST_VALIDATE_HARNESS_H
#define TEST_VALIDATE_HARNESS_H

#include "helpers.h"

#include <stdint.h>
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

/* Validates `doc` against the pets schema with `limits` (NULL: defaults)
 * and checks the rendered errors against `expected` ("" for a valid
 * document), gql_validate's count against `count` and the first error's
 * extensions code against `code`; NULL or SIZE_MAX leave one unchecked.
 * Reports each difference; returns whether all matched. */
static inline bool vt_check(test_state_t *t_, const gql_limits_t *limits, const char *doc, const char *expected,
                            size_t count, const char *code)
{
    gql_schema_t *s = th_schema_file("tests/diff/validation/pets.graphql");
    if (s == NULL) {
        FAIL_("the pets schema did not build");
        return false;
    }
    size_t n = 0;
    const char *got_code = NULL;
    char *got = vt_run_limits(s, doc, limits, &n, &got_code);
    gql_schema_free(s);
    bool ok = true;
    if (expected != NULL && strcmp(expected, got) != 0) {
        FAIL_("errors differ:\n    expected: %s\n    actual:   %s", expected, got);
        ok = false;
    }
    if (count != SIZE_MAX && n != count) {
        FAIL_("gql_validate counted %zu errors, expected %zu", n, count);
        ok = false;
    }
    if (code != NULL && (got_code == NULL || strcmp(code, got_code) != 0)) {
        FAIL_("first error's code %s, expected %s", got_code ? got_code : "(none)", code);
        ok = false;
    }
    free(got);
    return ok;
}

/* Validates `doc` against the pets schema and compares the rendered errors
 * with `expected` ("" for a valid document). */
#define VT_EXPECT(doc, expected)                                                                                       \
    do {                                                                                                               \
        if (!vt_check(t_, NULL, (doc), (expected), SIZE_MAX, NULL))                                                    \
            return;                                                                                                    \
    } while (0)

#endif
