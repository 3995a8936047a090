/*
 * cache.c — the document cache: parsed and validated documents kept by the
 * text of the query, so a client repeating a query (every page load, every
 * subscription) skips lexing, parsing and validation.
 *
 * A bounded LRU: a hash table of chains keyed by a 64-bit hash of the text
 * (the text is compared on a hit, so a collision costs a miss, never a wrong
 * document), and a doubly linked recency list. Each entry owns one arena with
 * its copy of the text and its document. Entries are reference-counted: the
 * cache holds one reference while the entry is in the table, and every
 * gql_doc_cache_get/hold adds one. Eviction drops only the cache's reference,
 * so a document a request or subscription still holds stays alive until its
 * last release. Invalid documents are never cached.
 *
 * An entry also keeps the execution plans of its document (field
 * collection per operation and object type, see execute.c), made by the
 * requests that run it in the entry's arena, so they go with the entry.
 *
 * Not thread-safe: one cache per event loop.
 */
#include "execute_int.h"

#include <stdlib.h>
#include <string.h>

#define CACHE_DEFAULT_ENTRIES 1000
/* The first block of an entry's arena: GraphiQL's introspection query
 * (about 2 KB of text) parses into about 24 KB, so 32 KB holds it and
 * typical client queries in one malloc; longer texts get 8 bytes of arena
 * per byte of text. */
#define CACHE_FIRST_BLOCK 32768

struct gql_cached_doc {
    gql_arena_t *arena; /* owns this struct, the text and the document */
    gql_document_t *doc;
    const gql_schema_t *schema; /* borrowed: the cache's */
    gql__doc_plans_t *plans;    /* made on first execution, in `arena` */
    const char *text;
    size_t len;
    uint64_t hash;
    size_t refs;                        /* holds, including the cache's own while cached */
    bool cached;                        /* in the table and the recency list */
    struct gql_cached_doc *chain;       /* next in the bucket */
    struct gql_cached_doc *prev, *next; /* recency list: head is the most recent */
};

struct gql_doc_cache {
    const gql_schema_t *schema; /* borrowed: must outlive the cache */
    size_t max;
    size_t *bytes_in_use; /* borrowed counter, may be NULL */
    gql_cached_doc_t **buckets;
    size_t mask;
    gql_cached_doc_t *head, *tail;
    size_t count;
    uint64_t hits, misses, evictions;
};

/* A 64-bit hash of the text, eight bytes at a time. */
static uint64_t text_hash(const char *s, size_t n)
{
    const uint64_t m = 0x9E3779B97F4A7C15ull;
    uint64_t h = 0x2545F4914F6CDD1Dull ^ (n * m);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * m;
        h ^= h >> 29;
    }
    uint64_t w = 0;
    memcpy(&w, s + i, n - i);
    h = (h ^ w) * m;
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    h ^= h >> 32;
    return h;
}

gql_doc_cache_t *gql_doc_cache_new(const gql_schema_t *schema, size_t max_entries, size_t *bytes_in_use)
{
    if (schema == NULL)
        return NULL;
    gql_doc_cache_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->schema = schema;
    c->max = max_entries ? max_entries : CACHE_DEFAULT_ENTRIES;
    c->bytes_in_use = bytes_in_use;
    size_t nb = 16;
    while (nb < c->max * 2 && nb < ((size_t)1 << 30))
        nb *= 2;
    c->buckets = calloc(nb, sizeof(*c->buckets));
    if (c->buckets == NULL) {
        free(c);
        return NULL;
    }
    c->mask = nb - 1;
    return c;
}

static void entry_unref(gql_cached_doc_t *d)
{
    if (--d->refs == 0)
        gql_arena_free(d->arena); /* the entry lives in its own arena */
}

/* Takes an entry out of the table and the recency list and drops the
 * cache's reference. */
static void entry_remove(gql_doc_cache_t *c, gql_cached_doc_t *d)
{
    gql_cached_doc_t **pp = &c->buckets[d->hash & c->mask];
    while (*pp != d)
        pp = &(*pp)->chain;
    *pp = d->chain;
    if (d->prev)
        d->prev->next = d->next;
    else
        c->head = d->next;
    if (d->next)
        d->next->prev = d->prev;
    else
        c->tail = d->prev;
    d->prev = d->next = d->chain = NULL;
    d->cached = false;
    c->count--;
    entry_unref(d);
}

static void move_to_front(gql_doc_cache_t *c, gql_cached_doc_t *d)
{
    if (c->head == d)
        return;
    d->prev->next = d->next; /* d is not the head, so it has a prev */
    if (d->next)
        d->next->prev = d->prev;
    else
        c->tail = d->prev;
    d->prev = NULL;
    d->next = c->head;
    c->head->prev = d;
    c->head = d;
}

void gql_doc_cache_free(gql_doc_cache_t *c)
{
    if (c == NULL)
        return;
    while (c->head != NULL)
        entry_remove(c, c->head); /* held entries live on until released */
    free(c->buckets);
    free(c);
}

gql_cached_doc_t *gql_doc_cache_get(gql_doc_cache_t *c, const char *text, size_t len, const gql_limits_t *limits,
                                    gql_errors_t *errors)
{
    if (c == NULL || (text == NULL && len > 0) || errors == NULL)
        return NULL;
    if (text == NULL)
        text = "";
    uint64_t h = text_hash(text, len);
    for (gql_cached_doc_t *d = c->buckets[h & c->mask]; d != NULL; d = d->chain) {
        if (d->hash == h && d->len == len && memcmp(d->text, text, len) == 0) {
            move_to_front(c, d);
            d->refs++;
            c->hits++;
            return d;
        }
    }
    /* A miss: parse and validate into a fresh arena sized to the text. */
    c->misses++;
    size_t first = len < (CACHE_FIRST_BLOCK - 4096) / 8 ? CACHE_FIRST_BLOCK : len * 8 + 4096;
    gql_arena_t *a = gql_arena_new(first, c->bytes_in_use);
    if (a == NULL) {
        gql_errors_add(errors, GQL_CODE_INTERNAL, NULL, NULL, 0, "Out of memory.");
        return NULL;
    }
    gql_cached_doc_t *d = gql_arena_alloc(a, sizeof(*d));
    char *copy = gql_arena_strndup(a, text, len);
    if (d == NULL || copy == NULL) {
        gql_arena_free(a);
        gql_errors_add(errors, GQL_CODE_INTERNAL, NULL, NULL, 0, "Out of memory.");
        return NULL;
    }
    d->arena = a;
    d->schema = c->schema;
    d->text = copy;
    d->len = len;
    d->hash = h;
    d->doc = gql_parse(a, copy, len, limits, errors);
    if (d->doc == NULL || gql_validate(c->schema, d->doc, limits, errors) != 0) {
        gql_arena_free(a);
        return NULL;
    }
    /* Make room, then insert at the front holding two references: the
     * cache's and the caller's. */
    while (c->count >= c->max && c->tail != NULL) {
        entry_remove(c, c->tail);
        c->evictions++;
    }
    d->refs = 2;
    d->cached = true;
    gql_cached_doc_t **bucket = &c->buckets[h & c->mask];
    d->chain = *bucket;
    *bucket = d;
    d->next = c->head;
    if (c->head)
        c->head->prev = d;
    c->head = d;
    if (c->tail == NULL)
        c->tail = d;
    c->count++;
    return d;
}

const gql_document_t *gql_cached_doc_document(const gql_cached_doc_t *d)
{
    return d->doc;
}

gql__doc_plans_t *gql__cached_doc_plans(gql_cached_doc_t *d)
{
    if (d->plans == NULL)
        d->plans = gql__doc_plans_new(d->arena, d->schema, d->doc);
    return d->plans;
}

void gql_doc_cache_hold(gql_cached_doc_t *d)
{
    d->refs++;
}

void gql_doc_cache_release(gql_cached_doc_t *d)
{
    if (d != NULL)
        entry_unref(d);
}

size_t gql_doc_cache_size(const gql_doc_cache_t *c)
{
    return c->count;
}

void gql_doc_cache_stats(const gql_doc_cache_t *c, uint64_t *hits, uint64_t *misses, uint64_t *evictions)
{
    if (hits != NULL)
        *hits = c->hits;
    if (misses != NULL)
        *misses = c->misses;
    if (evictions != NULL)
        *evictions = c->evictions;
}
