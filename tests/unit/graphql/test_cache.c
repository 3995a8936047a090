/* Unit tests of cache.c: hits, LRU eviction, holds outliving eviction and
 * the cache itself, invalid documents not cached, memory accounting. */
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

TEST(invalid_documents_are_not_cached)
{
    gql_schema_t *s = small_schema();
    ASSERT(s != NULL);
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_doc_cache_t *c = gql_doc_cache_new(s, 4, NULL);
    gql_errors_t e;
    ASSERT(get(c, a, "{ a ", &e) == NULL);
    ASSERT_EQ_INT(1, e.count);
    ASSERT(strstr(e.items[0].message, "Syntax Error") != NULL);
    ASSERT(get(c, a, "{ nope }", &e) == NULL);
    ASSERT_EQ_INT(1, e.count);
    ASSERT_EQ_STR("Cannot query field \"nope\" on type \"Query\".", e.items[0].message);
    ASSERT_EQ_INT(0, gql_doc_cache_size(c));
    gql_doc_cache_free(c);
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

TEST(bad_arguments)
{
    ASSERT(gql_doc_cache_new(NULL, 1, NULL) == NULL);
    gql_errors_t e;
    ASSERT(gql_doc_cache_get(NULL, "{a}", 3, NULL, &e) == NULL);
    gql_doc_cache_free(NULL);
    gql_doc_cache_release(NULL);
}

TEST_MAIN(TEST_ENTRY(hit_returns_same_document), TEST_ENTRY(invalid_documents_are_not_cached),
          TEST_ENTRY(lru_eviction_spares_held_entries), TEST_ENTRY(introspection_query_fits_the_first_block),
          TEST_ENTRY(bad_arguments))
