/*
 * fuzz_document.c — a libFuzzer target for the front half of the engine:
 * gql_parse under small limits, then, for every document that parses,
 * gql_validate against the bank schema and the printer's round trip:
 *
 *     text -> parse -> print (p1) -> parse -> print (p2),  p1 must equal p2
 *
 * (except where the printed text is ambiguous by design: see round_trips).
 * Any crash, sanitizer report or leak is a bug; so is a printed document
 * that does not parse again or prints differently (we abort()).
 *
 * Built two ways (tests/fuzz/CMakeLists.txt):
 *  - with -DGW_FUZZ=ON and clang: linked with libFuzzer (-fsanitize=fuzzer),
 *    run by scripts/test for a minute over tests/fuzz/corpus/;
 *  - otherwise with GW_FUZZ_STANDALONE: a main() that runs every file named on
 *    the command line (or every file of a named directory) through the same
 *    entry point once, so the seed corpus is a regression test in every build
 *    (and under ASan in build-asan/).
 *
 * The bank schema is read once, in LLVMFuzzerInitialize, from the path in the
 * environment variable GW_BANK_SCHEMA, else from GW_BANK_SCHEMA_PATH (set at
 * compile time to schema/bank.graphql). The schema is the only state kept
 * between inputs; it is freed at exit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "gql.h"

#ifndef GW_BANK_SCHEMA_PATH
#define GW_BANK_SCHEMA_PATH "schema/bank.graphql"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_document"
#include "fuzz_main.h"

/* The bank schema, built once. libFuzzer's interface gives no place to pass
 * state to each input, so this one pointer is set by LLVMFuzzerInitialize and
 * only read afterwards. */
static gql_schema_t *bank_schema;

static void free_schema(void)
{
    gql_schema_free(bank_schema);
    bank_schema = NULL;
}

/* Prints the errors collected in `e` to stderr with a heading. */
static void dump_errors(const char *what, const gql_errors_t *e)
{
    gql_buf_t out = GQL_BUF_INIT;
    gql_errors_write_json(e, &out);
    fprintf(stderr, "%s: %s\n", what, out.oom ? "(out of memory)" : gql_buf_cstr(&out));
    gql_buf_free(&out);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *path = getenv("GW_BANK_SCHEMA");
    if (!path || !*path)
        path = GW_BANK_SCHEMA_PATH;
    size_t len = 0;
    char *sdl = read_file(path, &len);
    if (!sdl) {
        fprintf(stderr, "fuzz_document: cannot read the bank schema %s (set GW_BANK_SCHEMA)\n", path);
        abort();
    }
    gql_arena_t *arena = gql_arena_new(0, NULL);
    if (!arena)
        abort();
    gql_errors_t errors;
    gql_errors_init(&errors, arena, 20);
    bank_schema = gql_schema_build(sdl, len, NULL, &errors, NULL);
    if (!bank_schema) {
        dump_errors("fuzz_document: the bank schema does not build", &errors);
        abort();
    }
    gql_arena_free(arena);
    free(sdl);
    atexit(free_schema);
    return 0;
}

/* The limits inputs are parsed under: small, so that the fuzzer spends its
 * time on structure rather than size, and so that the limit checks
 * themselves are exercised. */
static gql_limits_t fuzz_limits(void)
{
    gql_limits_t l = gql_limits_default();
    l.max_document_bytes = 8192;
    l.max_tokens = 2000;
    l.max_depth = 12;
    l.max_fields = 300;
    l.max_aliases = 50;
    l.max_errors = 25;
    return l;
}

/* Parses `src` and prints the document into `out`. Returns false (with the
 * errors in `errors`) when it does not parse. */
static bool parse_and_print(gql_arena_t *arena, const char *src, size_t len, const gql_limits_t *limits,
                            gql_errors_t *errors, gql_buf_t *out, const gql_document_t **doc)
{
    *doc = gql_parse(arena, src, len, limits, errors);
    if (!*doc)
        return false;
    gql_print(*doc, out);
    if (out->oom)
        abort();
    return true;
}

/* Whether printing `doc` must give text that parses back to the same print.
 * Not when an anonymous operation follows a type-system definition: the
 * printer (like graphql-js's print()) writes an anonymous query as a bare
 * selection set, and `type T` + `{ a }` printed one after the other read back
 * as `type T { a }`: a different document, or none (`input I { a }`). The
 * fuzzer found this; graphql-js does the same, so it is the format's limit,
 * not a bug. */
static bool round_trips(const gql_document_t *doc)
{
    for (size_t i = 1; i < doc->count; i++) {
        const gql_definition_t *d = &doc->definitions[i];
        if (d->kind == GQL_DEF_OPERATION && d->name == NULL && !gql_def_is_executable(&doc->definitions[i - 1]))
            return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gql_arena_t *arena = gql_arena_new(0, NULL);
    if (!arena)
        return 0;
    gql_limits_t limits = fuzz_limits();
    gql_errors_t errors;
    gql_errors_init(&errors, arena, limits.max_errors);

    const gql_document_t *doc = NULL;
    gql_buf_t p1 = GQL_BUF_INIT, p2 = GQL_BUF_INIT;
    if (!parse_and_print(arena, (const char *)data, size, &limits, &errors, &p1, &doc)) {
        /* A rejected document must say why. */
        if (errors.count == 0) {
            fprintf(stderr, "fuzz_document: gql_parse failed without an error\n");
            abort();
        }
        goto done;
    }

    gql_validate(bank_schema, doc, &limits, &errors);
    if (!round_trips(doc))
        goto done;

    /* The printed form may be longer than the input (indentation) and
     * normalises block strings, so it is parsed without the size limits but
     * with the same nesting bound. */
    gql_limits_t relaxed = limits;
    relaxed.max_document_bytes = 0;
    relaxed.max_tokens = 0;
    relaxed.max_fields = 0;
    relaxed.max_aliases = 0;
    gql_errors_t errors2;
    gql_errors_init(&errors2, arena, limits.max_errors);
    const gql_document_t *doc2 = NULL;
    if (!parse_and_print(arena, p1.data ? p1.data : "", p1.len, &relaxed, &errors2, &p2, &doc2)) {
        fprintf(stderr, "fuzz_document: the printed document does not parse:\n%.*s\n", (int)p1.len,
                p1.data ? p1.data : "");
        dump_errors("errors", &errors2);
        abort();
    }
    if (doc2->count != doc->count || p1.len != p2.len || (p1.len && memcmp(p1.data, p2.data, p1.len) != 0)) {
        fprintf(stderr, "fuzz_document: printing is not idempotent\n--- first print:\n%.*s\n--- second print:\n%.*s\n",
                (int)p1.len, p1.data ? p1.data : "", (int)p2.len, p2.data ? p2.data : "");
        abort();
    }

done:
    gql_buf_free(&p1);
    gql_buf_free(&p2);
    gql_arena_free(arena);
    return 0;
}
