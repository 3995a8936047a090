/* Unit tests of cache.c: hits, LRU eviction, holds outliving eviction and
 * the cache itself, invalid documents cached as their errors (and
 * bounded), memory accounting. */
#include "helpers.h"

static gql_schema_t *small_schema(void)
{
    const char *sdl = "type Query { a: Int b: String }";
    return th_schema(sdl, strlen(sdl));
}

static gql_cached_doc_t *get(gql_doc_cache_t *c, gql_arena_t *a, const char *text, gql_errors_t *e)
{
    gql_errors_init(e, a, 10);
    return gql_doc_cache_get(c, text, strlen(text), NULL, e);
}

TEST(hit_returns_same_document)
{
    gql_schema_t *s = small_schema();
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_doc_cache_t *c = gql_doc_cache_new(s, 4, NULL);
    ASSERT(c != NULL);
    gql_errors_t e;
    gql_cached_doc_t *d1 = get(c, a, "{ a }", &e);
    ASSERT(d1 != NULL);
    ASSERT(gql_cached_doc_document(d1) != NULL);
    gql_cached_doc_t *d2 = get(c, a, "{ a }", &e);
    ASSERT(d2 == d1);
    ASSERT_EQ_INT(1, gql_doc_cache_size(c));
    /* Same length, different text: a different entry. */
    gql_cached_doc_t *d3 = get(c, a, "{ b }", &e);
    ASSERT(d3 != NULL && d3 != d1);
    ASSERT_EQ_INT(2, gql_doc_cache_size(c));
    uint64_t hits, misses, evictions;
    gql_doc_cache_stats(c, &hits, &misses, &evictions);
    ASSERT_EQ_INT(1, hits);
    ASSERT_EQ_INT(2, misses);
    ASSERT_EQ_INT(0, evictions);
    gql_doc_cache_release(d1);
    gql_doc_cache_release(d2);
    gql_doc_cache_release(d3);
    gql_doc_cache_free(c);
    gql_arena_free(a);
    gql_schema_free(s);
}

/* An invalid document is cached as its errors: the second request gets
 * the same errors (messages, locations, codes, the final "too many") from a
 * lookup, without parsing or validating (the miss counter does not move;
 * every parse is a miss). */
TEST(invalid_documents_are_cached_with_their_errors)
{
    gql_schema_t *s = small_schema();
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_doc_cache_t *c = gql_doc_cache_new(s, 4, NULL);
    gql_errors_t e;
    const char *texts[] = {"{ a ", "{ nope }", "{ x1 x2 x3 x4 x5 }"};
    const char *first[3];
    for (size_t i = 0; i < 3; i++) {
        /* at most 3 errors kept: the last document has 5, validation stops at 3 and says so */
        gql_errors_init(&e, a, 3);
        ASSERT(gql_doc_cache_get(c, texts[i], strlen(texts[i]), NULL, &e) == NULL);
        ASSERT(e.count > 0);
        first[i] = th_errors_json(a, "", &e);
    }
    EXPECT(strstr(first[0], "Syntax Error") != NULL);
    EXPECT(strstr(first[1], "Cannot query field \\\"nope\\\" on type \\\"Query\\\".") != NULL);
    EXPECT(strstr(first[2], "Too many validation errors, error limit reached.") != NULL);
    uint64_t hits, misses;
    gql_doc_cache_stats(c, &hits, &misses, NULL);
    ASSERT_EQ_INT(0, hits);
    ASSERT_EQ_INT(3, misses);
    ASSERT_EQ_INT(3, gql_doc_cache_size(c));
    for (size_t i = 0; i < 3; i++) {
        gql_errors_init(&e, a, 3);
        ASSERT(gql_doc_cache_get(c, texts[i], strlen(texts[i]), NULL, &e) == NULL);
        ASSERT_EQ_STR(first[i], th_errors_json(a, "", &e));
    }
    gql_doc_cache_stats(c, &hits, &misses, NULL);
    ASSERT_EQ_INT(3, hits);
    ASSERT_EQ_INT(3, misses); /* nothing was parsed again */
    ASSERT_EQ_INT(3, gql_doc_cache_negative_hits(c));
    /* errors already collected before the lookup stay, and are not cached */
    gql_errors_init(&e, a, 10);
    gql_errors_add(&e, NULL, NULL, NULL, 0, "earlier");
    ASSERT(gql_doc_cache_get(c, "{ nope }", 8, NULL, &e) == NULL);
    ASSERT_EQ_INT(2, e.count);
    ASSERT_EQ_STR("earlier", e.items[0].message);
    ASSERT_EQ_STR("Cannot query field \"nope\" on type \"Query\".", e.items[1].message);
    gql_doc_cache_free(c);
    gql_arena_free(a);
    gql_schema_free(s);
}

/* Negative entries share the LRU bound with valid ones, count their bytes,
 * and a text over the document limit is not kept (the parser refuses it
 * before reading it). */
TEST(negative_entries_are_bounded)
{
    gql_schema_t *s = small_schema();
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    size_t bytes = 0;
    gql_doc_cache_t *c = gql_doc_cache_new(s, 2, &bytes);
    gql_errors_t e;
    ASSERT(get(c, a, "{ n1 }", &e) == NULL);
    ASSERT(get(c, a, "{ n2 }", &e) == NULL);
    size_t two = bytes;
    EXPECT(two > 0 && two < 2 * 4096); /* the text and the errors, not an AST arena */
    ASSERT(get(c, a, "{ n3 }", &e) == NULL);
    uint64_t evictions;
    gql_doc_cache_stats(c, NULL, NULL, &evictions);
    ASSERT_EQ_INT(2, gql_doc_cache_size(c));
    ASSERT_EQ_INT(1, evictions);
    /* a valid document evicts a negative one like any other entry */
    gql_cached_doc_t *d = get(c, a, "{ a }", &e);
    ASSERT(d != NULL);
    gql_doc_cache_release(d);
    ASSERT_EQ_INT(2, gql_doc_cache_size(c));
    /* over max_document_bytes: refused, not cached */
    gql_limits_t lim = gql_limits_default();
    lim.max_document_bytes = 8;
    gql_errors_init(&e, a, 10);
    ASSERT(gql_doc_cache_get(c, "{ a a a a a }", 13, &lim, &e) == NULL);
    ASSERT_EQ_INT(1, e.count);
    gql_errors_init(&e, a, 10);
    ASSERT(gql_doc_cache_get(c, "{ a a a a a }", 13, &lim, &e) == NULL);
    uint64_t hits;
    gql_doc_cache_stats(c, &hits, NULL, NULL);
    ASSERT_EQ_INT(0, hits);
    gql_doc_cache_free(c);
    ASSERT_EQ_INT(0, bytes);
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(lru_eviction_spares_held_entries)
{
    gql_schema_t *s = small_schema();
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    size_t bytes = 0;
    gql_doc_cache_t *c = gql_doc_cache_new(s, 2, &bytes);
    gql_errors_t e;
    gql_cached_doc_t *x = get(c, a, "{ a }", &e);
    gql_cached_doc_t *y = get(c, a, "{ b }", &e);
    ASSERT(x != NULL && y != NULL);
    gql_doc_cache_release(y);
    /* Touch x so y is the least recently used, then add a third. */
    gql_cached_doc_t *x2 = get(c, a, "{ a }", &e);
    ASSERT(x2 == x);
    gql_doc_cache_release(x2);
    gql_cached_doc_t *z = get(c, a, "{ a b }", &e);
    ASSERT(z != NULL);
    ASSERT_EQ_INT(2, gql_doc_cache_size(c));
    /* x and z are the two kept (y, least recently used, went): both hit. */
    gql_cached_doc_t *z2 = get(c, a, "{ a b }", &e);
    gql_cached_doc_t *x3 = get(c, a, "{ a }", &e);
    ASSERT(z2 == z && x3 == x);
    gql_doc_cache_release(z2);
    gql_doc_cache_release(x3);
    /* Evict x while it is held: its document must stay usable. */
    gql_cached_doc_t *w = get(c, a, "{ b a }", &e);
    gql_cached_doc_t *v = get(c, a, "{ a a }", &e);
    ASSERT(w != NULL && v != NULL);
    ASSERT_EQ_INT(2, gql_doc_cache_size(c));
    uint64_t evictions = 0;
    gql_doc_cache_stats(c, NULL, NULL, &evictions);
    ASSERT_EQ_INT(3, evictions); /* y, z and x */
    const gql_document_t *doc = gql_cached_doc_document(x);
    gql_buf_t out = GQL_BUF_INIT;
    gql_print(doc, &out); /* reads the whole tree: ASan would catch a use after free */
    ASSERT(strstr(gql_buf_cstr(&out), "a") != NULL);
    gql_buf_free(&out);
    /* A second hold survives one release. */
    gql_doc_cache_hold(x);
    gql_doc_cache_release(x);
    ASSERT(gql_cached_doc_document(x) == doc);
    gql_doc_cache_release(x);
    gql_doc_cache_release(z);
    gql_doc_cache_release(w);
    /* Freeing the cache keeps v alive until it is released. */
    size_t before_free = bytes;
    gql_doc_cache_free(c);
    ASSERT(bytes > 0 && bytes < before_free);
    ASSERT(gql_cached_doc_document(v) != NULL);
    gql_doc_cache_release(v);
    ASSERT_EQ_INT(0, bytes);
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(introspection_query_fits_the_first_block)
{
    /* The entry's arena starts at 32 KB, which holds GraphiQL's
     * introspection query: one arena, one block, no second malloc. */
    gql_schema_t *s = th_schema_file("schema/bank.graphql");
    ASSERT(s != NULL);
    size_t qlen = 0;
    char *query = th_read_data("schema-introspection-query.graphql", &qlen);
    ASSERT(query != NULL);
    size_t bytes = 0;
    gql_doc_cache_t *c = gql_doc_cache_new(s, 4, &bytes);
    ASSERT(c != NULL);
    size_t before = bytes;
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_errors_t e;
    gql_errors_init(&e, a, 10);
    gql_cached_doc_t *d = gql_doc_cache_get(c, query, qlen, NULL, &e);
    ASSERT(d != NULL);
    size_t entry = bytes - before;
    EXPECT(entry >= 32768 && entry < 32768 + 256);
    gql_doc_cache_release(d);
    gql_doc_cache_free(c);
    gql_arena_free(a);
    free(query);
    gql_schema_free(s);
}

/* The byte bound: entries of ~32 KB each (the first block) against a bound
 * of 100 KB keep at most three cached whatever the entry bound says; the
 * least recently used go first; an entry still held survives its eviction
 * and is freed on release; shrinking the bound evicts at once. */
TEST(byte_bound_evicts_least_recently_used)
{
    gql_schema_t *s = small_schema();
    ASSERT(s != NULL);
    size_t bytes = 0;
    gql_doc_cache_t *c = gql_doc_cache_new(s, 100, &bytes);
    ASSERT(c != NULL);
    gql_doc_cache_set_max_bytes(c, 100000);
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_errors_t e;
    gql_cached_doc_t *held = get(c, a, "{ a }", &e);
    ASSERT(held != NULL);
    size_t one = gql_cached_doc_bytes(held);
    EXPECT(one >= 32768 && one < 40000);
    const char *texts[] = {"{ b }", "{ a b }", "{ b a }", "{ a a }", "{ b b }"};
    for (size_t i = 0; i < 5; i++) {
        gql_cached_doc_t *d = get(c, a, texts[i], &e);
        ASSERT(d != NULL);
        gql_doc_cache_release(d);
        EXPECT(gql_doc_cache_bytes(c) <= 100000);
        EXPECT(gql_doc_cache_size(c) <= 3);
    }
    /* "{ a }" went first (least recently used) but is still held: usable */
    EXPECT(gql_cached_doc_document(held) != NULL);
    uint64_t evictions;
    gql_doc_cache_stats(c, NULL, NULL, &evictions);
    ASSERT_EQ_INT(3, evictions);
    size_t with_held = bytes;
    gql_doc_cache_release(held);
    EXPECT(bytes + one <= with_held + 64); /* freed on release */
    /* the most recent stays when the bound shrinks to one entry */
    gql_doc_cache_set_max_bytes(c, 40000);
    ASSERT_EQ_INT(1, gql_doc_cache_size(c));
    gql_cached_doc_t *d = get(c, a, "{ b b }", &e);
    uint64_t hits;
    gql_doc_cache_stats(c, &hits, NULL, NULL);
    ASSERT_EQ_INT(1, hits);
    gql_doc_cache_release(d);
    gql_doc_cache_free(c);
    ASSERT_EQ_INT(0, bytes);
    gql_arena_free(a);
    gql_schema_free(s);
}

TEST(bad_arguments)
{
    ASSERT(gql_doc_cache_new(NULL, 1, NULL) == NULL);
    gql_errors_t e;
    ASSERT(gql_doc_cache_get(NULL, "{a}", 3, NULL, &e) == NULL);
    gql_doc_cache_free(NULL);
    gql_doc_cache_release(NULL);
}

TEST_MAIN(TEST_ENTRY(hit_returns_same_document), TEST_ENTRY(invalid_documents_are_cached_with_their_errors),
          TEST_ENTRY(negative_entries_are_bounded), TEST_ENTRY(lru_eviction_spares_held_entries),
          TEST_ENTRY(introspection_query_fits_the_first_block), TEST_ENTRY(byte_bound_evicts_least_recently_used),
          TEST_ENTRY(bad_arguments))
