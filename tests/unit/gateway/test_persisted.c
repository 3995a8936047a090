/*
 * test_persisted.c — gateway/exec/persisted.c without a server: the
 * trusted documents manifest in both formats (Apollo's persisted query
 * manifest, the plain hash → document object with plain or "sha256:" ids)
 * and its refusals, each naming the entry; the APQ store's answers
 * (PersistedQueryNotFound, hash mismatch, version) and its LRU bounds in
 * entries and bytes; and what trusted mode lets through.
 */
#include <stdio.h>
#include <string.h>

#include "exec/persisted.h"
#include "runtime/error.h"
#include "test.h"

static const char DOC_A[] = "{ __typename }";
static const char DOC_B[] = "query B { __schema { queryType { name } } }";

typedef struct fixture {
    gql_arena_t *arena;
    gql_errors_t errs;
    gql_iv_t ext;
} fixture_t;

/* Parses `ext_json` as the request's extensions (NULL: none). */
static const gql_iv_t *ext(fixture_t *f, const char *ext_json)
{
    if (ext_json == NULL)
        return NULL;
    if (gql_json_parse(f->arena, ext_json, strlen(ext_json), &f->ext, NULL, 0) != 0)
        return NULL;
    return &f->ext;
}

static void fixture_reset(fixture_t *f)
{
    if (f->arena != NULL)
        gql_arena_free(f->arena);
    f->arena = gql_arena_new(0, NULL);
    gql_errors_init(&f->errs, f->arena, 10);
}

/* {"persistedQuery":{"version":1,"sha256Hash":"<hash of doc>"}} in buf. */
static const char *pq_of(const char *doc, char *buf, size_t n)
{
    char hex[65];
    gw_persisted_hash_hex(doc, strlen(doc), hex);
    snprintf(buf, n, "{\"persistedQuery\":{\"version\":1,\"sha256Hash\":\"%s\"}}", hex);
    return buf;
}

static int load(gw_persisted_t *ps, const char *text, char *err, size_t errlen)
{
    return gw_persisted_load_manifest(ps, "m.json", text, strlen(text), err, errlen);
}

static const gw_persisted_config_t CFG = {.apq = true, .max_bytes = 1 << 20, .max_entries = 100};

TEST(apollo_manifest_and_plain_object_load)
{
    char ha[65], hb[65], err[512], m[1024];
    gw_persisted_hash_hex(DOC_A, strlen(DOC_A), ha);
    gw_persisted_hash_hex(DOC_B, strlen(DOC_B), hb);

    gw_persisted_t *ps = gw_persisted_new(&CFG);
    snprintf(m, sizeof m,
             "{\"format\":\"apollo-persisted-query-manifest\",\"version\":1,\"operations\":["
             "{\"id\":\"%s\",\"name\":null,\"type\":\"query\",\"body\":\"%s\"},"
             "{\"id\":\"%s\",\"name\":\"B\",\"type\":\"query\",\"body\":\"%s\"}]}",
             ha, DOC_A, hb, DOC_B);
    ASSERT_EQ_INT(0, load(ps, m, err, sizeof err));
    ASSERT_EQ_INT(2, gw_persisted_trusted_count(ps));
    gw_persisted_free(ps);

    /* GraphQL Codegen's persisted-documents.json, plain and "sha256:" ids */
    ps = gw_persisted_new(&CFG);
    snprintf(m, sizeof m, "{\"%s\":\"%s\",\"sha256:%s\":\"%s\"}", ha, DOC_A, hb, DOC_B);
    ASSERT_EQ_INT(0, load(ps, m, err, sizeof err));
    ASSERT_EQ_INT(2, gw_persisted_trusted_count(ps));
    gw_persisted_free(ps);
}

TEST(bad_manifests_are_refused_naming_the_entry)
{
    char ha[65], err[512], m[1024];
    gw_persisted_hash_hex(DOC_A, strlen(DOC_A), ha);
    static const struct {
        const char *fmt; /* %s: DOC_A's hash */
        const char *expect;
    } CASES[] = {
        {"{\"%s\":\"{ other }\"}", "m.json: entry \"%s\": the id is not the SHA-256 of its document"},
        {"{\"format\":\"apollo-persisted-query-manifest\",\"version\":1,\"operations\":[{\"id\":\"%s\",\"name\":\"Op\","
         "\"body\":\"{ x }\"}]}",
         "m.json: operation 1 (\"Op\"): the id is not the SHA-256 of its document"},
        {"{\"abc%.0s\":\"{ x }\"}", "m.json: entry \"abc\": the id is not a SHA-256 hash"},
        {"{\"%s\":1}", "m.json: entry \"%s\": the document must be a string"},
        {"{\"format\":\"apollo-persisted-query-manifest\",\"version\":2,\"operations\":[]%.0s}",
         "m.json: unsupported manifest \"version\" (expected 1)"},
        {"{\"format\":\"relay%.0s\"}", "m.json: unknown \"format\""},
        {"{%.0s}", "m.json: has no documents"},
        {"[\"%s\"]", "m.json: must be a JSON object"},
        {"{\"%s\": ", "m.json: not valid JSON"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        gw_persisted_t *ps = gw_persisted_new(&CFG);
        char expect[256];
        snprintf(m, sizeof m, CASES[i].fmt, ha);
        snprintf(expect, sizeof expect, CASES[i].expect, ha);
        err[0] = '\0';
        int rc = load(ps, m, err, sizeof err);
        if (rc != GW_EINVAL || strncmp(err, expect, strlen(expect)) != 0)
            FAIL_("case %zu: %s\n    expected %s...\n    got %d %s", i, m, expect, rc, err);
        ASSERT_EQ_INT(0, gw_persisted_trusted_count(ps));
        gw_persisted_free(ps);
    }
}

TEST(apq_register_then_hash_only)
{
    fixture_t f = {0};
    fixture_reset(&f);
    gw_persisted_t *ps = gw_persisted_new(&CFG);
    char e[256];
    gw_persisted_result_t r;

    /* unknown hash, no text */
    ASSERT_EQ_INT(GW_EREQUEST,
                  gw_persisted_resolve(ps, f.arena, NULL, 0, ext(&f, pq_of(DOC_A, e, sizeof e)), NULL, &f.errs, &r));
    ASSERT_EQ_STR("PersistedQueryNotFound", f.errs.items[0].message);
    ASSERT_EQ_STR("PERSISTED_QUERY_NOT_FOUND", f.errs.items[0].code);

    /* text and its hash: to be stored once valid */
    fixture_reset(&f);
    ASSERT_EQ_INT(0, gw_persisted_resolve(ps, f.arena, DOC_A, strlen(DOC_A), ext(&f, pq_of(DOC_A, e, sizeof e)), NULL,
                                          &f.errs, &r));
    ASSERT(r.register_after);
    gw_persisted_register(ps, &r);

    /* then the hash alone, as APQ and as documentId */
    fixture_reset(&f);
    ASSERT_EQ_INT(0, gw_persisted_resolve(ps, f.arena, NULL, 0, ext(&f, pq_of(DOC_A, e, sizeof e)), NULL, &f.errs, &r));
    ASSERT_EQ_INT(strlen(DOC_A), r.len);
    ASSERT(memcmp(r.text, DOC_A, r.len) == 0);
    char id[80], hex[65];
    gw_persisted_hash_hex(DOC_A, strlen(DOC_A), hex);
    snprintf(id, sizeof id, "sha256:%s", hex);
    ASSERT_EQ_INT(0, gw_persisted_resolve(ps, f.arena, NULL, 0, NULL, id, &f.errs, &r));
    ASSERT(memcmp(r.text, DOC_A, r.len) == 0);

    /* a text that is not the hash's */
    fixture_reset(&f);
    ASSERT_EQ_INT(GW_EREQUEST, gw_persisted_resolve(ps, f.arena, DOC_B, strlen(DOC_B),
                                                    ext(&f, pq_of(DOC_A, e, sizeof e)), NULL, &f.errs, &r));
    ASSERT_EQ_STR("provided sha does not match query", f.errs.items[0].message);
    ASSERT_EQ_STR("BAD_REQUEST", f.errs.items[0].code);

    /* another version */
    fixture_reset(&f);
    snprintf(e, sizeof e, "{\"persistedQuery\":{\"version\":2,\"sha256Hash\":\"%s\"}}", hex);
    ASSERT_EQ_INT(GW_EREQUEST, gw_persisted_resolve(ps, f.arena, NULL, 0, ext(&f, e), NULL, &f.errs, &r));
    ASSERT_EQ_STR("Unsupported persisted query version", f.errs.items[0].message);

    gw_persisted_stats_t st;
    gw_persisted_stats(ps, &st);
    ASSERT_EQ_INT(1, st.entries);
    ASSERT_EQ_INT(2, st.hits);
    ASSERT_EQ_INT(1, st.misses);
    gw_persisted_free(ps);

    /* APQ off: the extension is answered PersistedQueryNotSupported */
    fixture_reset(&f);
    ASSERT_EQ_INT(GW_EREQUEST,
                  gw_persisted_resolve(NULL, f.arena, NULL, 0, ext(&f, pq_of(DOC_A, e, sizeof e)), NULL, &f.errs, &r));
    ASSERT_EQ_STR("PERSISTED_QUERY_NOT_SUPPORTED", f.errs.items[0].code);
    gql_arena_free(f.arena);
}

TEST(apq_store_keeps_its_bounds_lru)
{
    fixture_t f = {0};
    fixture_reset(&f);
    gw_persisted_config_t cfg = {.apq = true, .max_bytes = 1 << 20, .max_entries = 3};
    gw_persisted_t *ps = gw_persisted_new(&cfg);
    char docs[5][64], e[256];
    gw_persisted_result_t r;
    for (int i = 0; i < 5; i++) {
        snprintf(docs[i], sizeof docs[i], "query Q%d { __typename }", i);
        ASSERT_EQ_INT(0, gw_persisted_resolve(ps, f.arena, docs[i], strlen(docs[i]),
                                              ext(&f, pq_of(docs[i], e, sizeof e)), NULL, &f.errs, &r));
        gw_persisted_register(ps, &r);
        if (i == 2) /* touch Q0: Q1 is now the oldest */
            ASSERT_EQ_INT(
                0, gw_persisted_resolve(ps, f.arena, NULL, 0, ext(&f, pq_of(docs[0], e, sizeof e)), NULL, &f.errs, &r));
    }
    gw_persisted_stats_t st;
    gw_persisted_stats(ps, &st);
    ASSERT_EQ_INT(3, st.entries);
    ASSERT_EQ_INT(2, st.evicted);
    static const bool kept[5] = {true, false, false, true, true};
    for (int i = 0; i < 5; i++) {
        fixture_reset(&f);
        int rc = gw_persisted_resolve(ps, f.arena, NULL, 0, ext(&f, pq_of(docs[i], e, sizeof e)), NULL, &f.errs, &r);
        if ((rc == 0) != kept[i])
            FAIL_("Q%d: expected %s, got %d", i, kept[i] ? "kept" : "evicted", rc);
    }
    gw_persisted_free(ps);

    /* the byte bound: two ~1 KB documents do not fit in 1.5 KB */
    cfg = (gw_persisted_config_t){.apq = true, .max_bytes = 1536, .max_entries = 100};
    ps = gw_persisted_new(&cfg);
    static char big[2][1100];
    for (int i = 0; i < 2; i++) {
        memset(big[i], ' ', sizeof big[i] - 1);
        big[i][sizeof big[i] - 1] = '\0';
        big[i][0] = '{', big[i][1] = 'a' + (char)i, big[i][sizeof big[i] - 2] = '}';
        fixture_reset(&f);
        ASSERT_EQ_INT(0, gw_persisted_resolve(ps, f.arena, big[i], strlen(big[i]), ext(&f, pq_of(big[i], e, sizeof e)),
                                              NULL, &f.errs, &r));
        gw_persisted_register(ps, &r);
    }
    gw_persisted_stats(ps, &st);
    ASSERT_EQ_INT(1, st.entries);
    ASSERT(st.bytes <= 1536);
    gw_persisted_free(ps);
    gql_arena_free(f.arena);
}

TEST(trusted_mode_lets_only_the_manifest_through)
{
    fixture_t f = {0};
    fixture_reset(&f);
    char ha[65], err[512], m[512], e[256], id[80];
    gw_persisted_hash_hex(DOC_A, strlen(DOC_A), ha);
    gw_persisted_t *ps = gw_persisted_new(&CFG);
    snprintf(m, sizeof m, "{\"sha256:%s\":\"%s\"}", ha, DOC_A);
    ASSERT_EQ_INT(0, load(ps, m, err, sizeof err));
    gw_persisted_result_t r;
    /* by hash (APQ, documentId) and by text */
    ASSERT_EQ_INT(0, gw_persisted_resolve(ps, f.arena, NULL, 0, ext(&f, pq_of(DOC_A, e, sizeof e)), NULL, &f.errs, &r));
    ASSERT(r.len == strlen(DOC_A) && memcmp(r.text, DOC_A, r.len) == 0);
    snprintf(id, sizeof id, "sha256:%s", ha);
    ASSERT_EQ_INT(0, gw_persisted_resolve(ps, f.arena, NULL, 0, NULL, id, &f.errs, &r));
    ASSERT_EQ_INT(0, gw_persisted_resolve(ps, f.arena, DOC_A, strlen(DOC_A), NULL, NULL, &f.errs, &r));
    ASSERT(!r.register_after);
    /* anything else */
    ASSERT_EQ_INT(GW_EREQUEST, gw_persisted_resolve(ps, f.arena, DOC_B, strlen(DOC_B), NULL, NULL, &f.errs, &r));
    ASSERT_EQ_STR("PERSISTED_QUERY_NOT_TRUSTED", f.errs.items[0].code);
    fixture_reset(&f);
    ASSERT_EQ_INT(GW_EREQUEST, gw_persisted_resolve(ps, f.arena, DOC_B, strlen(DOC_B),
                                                    ext(&f, pq_of(DOC_B, e, sizeof e)), NULL, &f.errs, &r));
    ASSERT_EQ_STR("PERSISTED_QUERY_NOT_TRUSTED", f.errs.items[0].code);
    fixture_reset(&f);
    ASSERT_EQ_INT(GW_EREQUEST,
                  gw_persisted_resolve(ps, f.arena, NULL, 0, ext(&f, pq_of(DOC_B, e, sizeof e)), NULL, &f.errs, &r));
    ASSERT_EQ_STR("PERSISTED_QUERY_NOT_FOUND", f.errs.items[0].code);
    gw_persisted_stats_t st;
    gw_persisted_stats(ps, &st);
    ASSERT_EQ_INT(0, st.entries);
    ASSERT_EQ_INT(2, st.refused);
    gw_persisted_free(ps);
    gql_arena_free(f.arena);
}

TEST_MAIN(TEST_ENTRY(apollo_manifest_and_plain_object_load), TEST_ENTRY(bad_manifests_are_refused_naming_the_entry),
          TEST_ENTRY(apq_register_then_hash_only), TEST_ENTRY(apq_store_keeps_its_bounds_lru),
          TEST_ENTRY(trusted_mode_lets_only_the_manifest_through))
