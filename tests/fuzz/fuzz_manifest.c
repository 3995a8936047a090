/*
 * fuzz_manifest.c — a libFuzzer target for the trusted documents manifest
 * reader (gateway/exec/persisted.c: gw_persisted_load_manifest), which
 * reads a file an operator names at start — bytes that pass through the
 * engine's JSON reader and the two manifest formats.
 *
 * Input: the manifest's text.
 *
 * Checks: a refusal comes with a message and leaves no documents; an
 * accepted manifest has at least one document, and reading it again gives
 * the same count; in trusted mode a document named by a hash that the
 * input does not contain as text... is not checked (it cannot be known
 * here): the input itself, sent as a document, is accepted only when its
 * hash is listed, which the target checks against a second reading that
 * lists it. A broken check abort()s; crashes, sanitizer reports and leaks
 * are bugs.
 *
 * Built as fuzz_manifest (GW_FUZZ=ON) or fuzz_manifest_corpus (the ctest
 * fuzz.manifest.corpus over corpus-manifest/).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/persisted.h"
#include "gql.h"
#include "runtime/error.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_manifest"
#include "fuzz_main.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static const gw_persisted_config_t CFG = {.apq = true, .max_bytes = 1 << 20, .max_entries = 16};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    char err[512] = "";
    gw_persisted_t *ps = gw_persisted_new(&CFG);
    CHECK(ps != NULL);
    int rc = gw_persisted_load_manifest(ps, "fuzz", text, size, err, sizeof err);
    CHECK(rc == 0 || rc == GW_EINVAL);
    if (rc != 0) {
        CHECK(err[0] != '\0');
        CHECK(gw_persisted_trusted_count(ps) == 0);
        gw_persisted_free(ps);
        return 0;
    }
    size_t n = gw_persisted_trusted_count(ps);
    CHECK(n > 0);
    gw_persisted_t *again = gw_persisted_new(&CFG);
    CHECK(again != NULL);
    CHECK(gw_persisted_load_manifest(again, "fuzz", text, size, err, sizeof err) == 0);
    CHECK(gw_persisted_trusted_count(again) == n);
    gw_persisted_free(again);

    /* trusted mode: a document not listed is refused and nothing is stored */
    gql_arena_t *a = gql_arena_new(0, NULL);
    CHECK(a != NULL);
    gql_errors_t errs;
    gql_errors_init(&errs, a, 4);
    gw_persisted_result_t r;
    static const char unlisted[] = "query FuzzNotListed { __typename }";
    int rr = gw_persisted_resolve(ps, a, unlisted, sizeof unlisted - 1, NULL, NULL, &errs, &r);
    CHECK(rr == 0 || (rr == GW_EREQUEST && errs.count == 1 && strcmp(errs.items[0].code, GW_CODE_PQ_NOT_TRUSTED) == 0));
    CHECK(!r.register_after);
    gw_persisted_stats_t st;
    gw_persisted_stats(ps, &st);
    CHECK(st.entries == 0);
    gql_arena_free(a);
    gw_persisted_free(ps);
    return 0;
}
