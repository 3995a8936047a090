/*
 * fuzz_params.c — a libFuzzer target for the parameters of GraphQL over
 * HTTP and SSE (gateway/exec/params.c): a POST body through
 * gw_params_from_json, or a GET query string through
 * gw_params_from_query_string (percent-decoding, repeated names, JSON
 * variables and extensions).
 *
 * Input: one byte choosing the reader (even: the JSON body, odd: the
 * query string), then the body or the query string.
 *
 * Checks: a refusal comes with a message; accepted parameters satisfy
 * exec.h (a query of valid UTF-8, variables and extensions objects or
 * NULL); and they survive a round trip: written back in the same form (a
 * JSON body, or a query string with every byte percent-encoded) and read
 * again, they give the same query, operation name, variables and
 * extensions. A broken check abort()s; crashes, sanitizer reports and
 * leaks are bugs.
 *
 * Built as fuzz_params (GW_FUZZ=ON) or fuzz_params_corpus (the ctest
 * fuzz.params.corpus over corpus-params/).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "gql.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_params"
#include "fuzz_main.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* The parameters as one text, to compare two readings. */
static void describe(const gw_params_t *p, gql_buf_t *out)
{
    if (p->query != NULL)
        gql_buf_json_string(out, p->query, p->query_len);
    gql_buf_putc(out, '\n');
    if (p->document_id != NULL)
        gql_buf_json_string(out, p->document_id, strlen(p->document_id));
    gql_buf_putc(out, '\n');
    if (p->operation_name != NULL)
        gql_buf_json_string(out, p->operation_name, strlen(p->operation_name));
    gql_buf_puts(out, "\n");
    if (p->variables != NULL)
        gql_iv_write_json(p->variables, out);
    gql_buf_puts(out, "\n");
    if (p->extensions != NULL)
        gql_iv_write_json(p->extensions, out);
}

/* Appends s[0..n) percent-encoding every byte. */
static void put_encoded(gql_buf_t *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[3] = {'%', hex[c >> 4], hex[c & 15]};
        gql_buf_append(out, e, 3);
    }
}

/* `name=` and the value percent-encoded, after a '&' unless first. */
static void put_param(gql_buf_t *out, const char *name, const char *v, size_t n)
{
    if (out->len > 0)
        gql_buf_putc(out, '&');
    gql_buf_puts(out, name);
    gql_buf_putc(out, '=');
    put_encoded(out, v, n);
}

/* p written back as a JSON body (json) or a query string. */
static void write_back(const gw_params_t *p, bool json, gql_buf_t *out)
{
    if (json) {
        gql_buf_puts(out, "{\"query\":");
        if (p->query != NULL)
            gql_buf_json_string(out, p->query, p->query_len);
        else
            gql_buf_puts(out, "null");
        if (p->document_id != NULL) {
            gql_buf_puts(out, ",\"documentId\":");
            gql_buf_json_string(out, p->document_id, strlen(p->document_id));
        }
        if (p->operation_name != NULL) {
            gql_buf_puts(out, ",\"operationName\":");
            gql_buf_json_string(out, p->operation_name, strlen(p->operation_name));
        }
        if (p->variables != NULL) {
            gql_buf_puts(out, ",\"variables\":");
            gql_iv_write_json(p->variables, out);
        }
        if (p->extensions != NULL) {
            gql_buf_puts(out, ",\"extensions\":");
            gql_iv_write_json(p->extensions, out);
        }
        gql_buf_putc(out, '}');
        return;
    }
    if (p->query != NULL)
        put_param(out, "query", p->query, p->query_len);
    if (p->document_id != NULL)
        put_param(out, "documentId", p->document_id, strlen(p->document_id));
    if (p->operation_name != NULL)
        put_param(out, "operationName", p->operation_name, strlen(p->operation_name));
    gql_buf_t j = GQL_BUF_INIT;
    if (p->variables != NULL) {
        gql_iv_write_json(p->variables, &j);
        put_param(out, "variables", j.data, j.len);
    }
    if (p->extensions != NULL) {
        j.len = 0;
        gql_iv_write_json(p->extensions, &j);
        put_param(out, "extensions", j.data, j.len);
    }
    gql_buf_free(&j);
}

/* Reads `text` the chosen way into arena a; a message may be written into
 * msg (256 bytes), which must outlive the answer. */
static const char *read_params(gql_arena_t *a, bool json, const char *text, size_t len, gw_params_t *p, char *msg)
{
    if (json)
        return gw_params_from_json(a, text, len, p, msg, 256);
    return gw_params_from_query_string(a, text, len, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool json = (data[0] & 1) == 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    gql_arena_t *a = gql_arena_new(0, NULL);
    if (a == NULL)
        return 0;
    gw_params_t p;
    char msg[256];
    const char *bad = read_params(a, json, text, len, &p, msg);
    if (bad != NULL) {
        CHECK(bad[0] != '\0');
        gql_arena_free(a);
        return 0;
    }
    /* no query only when the document is named by hash (persisted.h) */
    CHECK(p.query != NULL || p.document_id != NULL ||
          (p.extensions != NULL && gql_iv_get(p.extensions, "persistedQuery") != NULL));
    CHECK(p.query == NULL || gql_utf8_valid(p.query, p.query_len));
    CHECK(p.variables == NULL || p.variables->kind == GQL_IV_OBJECT);
    CHECK(p.extensions == NULL || p.extensions->kind == GQL_IV_OBJECT);
    /* the operation name is read as a C string: what a NUL in it hides is
     * not part of the parameters */
    gql_buf_t first = GQL_BUF_INIT, again = GQL_BUF_INIT, back = GQL_BUF_INIT;
    describe(&p, &first);
    write_back(&p, json, &back);
    CHECK(!first.oom && !back.oom);
    gw_params_t q;
    const char *bad2 = read_params(a, json, back.data, back.len, &q, msg);
    if (bad2 != NULL) {
        fprintf(stderr, "fuzz_params: parameters written back are refused (%s):\n%s\n", bad2, gql_buf_cstr(&back));
        abort();
    }
    describe(&q, &again);
    if (first.len != again.len || memcmp(first.data, again.data, first.len) != 0) {
        fprintf(stderr, "fuzz_params: the round trip changed the parameters:\n%s\n--\n%s\n", gql_buf_cstr(&first),
                gql_buf_cstr(&again));
        abort();
    }
    gql_buf_free(&first);
    gql_buf_free(&again);
    gql_buf_free(&back);
    gql_arena_free(a);
    return 0;
}
