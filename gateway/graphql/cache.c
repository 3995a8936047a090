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
 * last release.
 *
 * Invalid documents are cached too (negative entries), so that a client
 * repeating an expensive invalid document (deep fragments, many errors)
 * costs one lookup per request, not a parse and a validation: the entry
 * keeps the text and a copy of the errors, nothing else, and a hit hands
 * the same errors out again (same messages, locations, paths, codes and
 * count of dropped ones). Negative entries share the LRU and its bound
 * with the valid ones; each is bounded in bytes by the document limit (a
 * text over limits->max_document_bytes is not kept: the parser refuses it
 * before reading it anyway) and by NEGATIVE_MAX_ERROR_BYTES of errors.
 * Internal failures (out of memory) are never cached. Like the valid
 * entries they assume one set of limits per cache: the errors are those
 * of the limits of the request that made the entry.
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
/* The most bytes of error messages, paths and locations a negative entry
 * keeps (max_errors messages of a few hundred bytes fit); more: not cached. */
#define NEGATIVE_MAX_ERROR_BYTES 65536

struct gql_cached_doc {
    gql_arena_t *arena;  /* owns this struct, the text and the document (or the errors) */
    gql_document_t *doc; /* NULL: a negative entry, the document's errors below */
    gql_error_t *errors; /* a negative entry's errors, copied into `arena` */
    size_t nerrors;
    size_t dropped;             /* errors over the bound when the entry was made */
    const gql_schema_t *schema; /* borrowed: the cache's */
    gql__doc_plans_t *plans;    /* made on first execution, in `arena` */
    const char *text;
    size_t len;
    uint64_t hash;
    size_t refs;                        /* holds, including the cache's own while cached */
    size_t charged;                     /* bytes counted in the cache's `bytes` while cached */
    bool cached;                        /* in the table and the recency list */
    struct gql_cached_doc *chain;       /* next in the bucket */
    struct gql_cached_doc *prev, *next; /* recency list: head is the most recent */
};

struct gql_doc_cache {
    const gql_schema_t *schema; /* borrowed: must outlive the cache */
    size_t max;
    size_t max_bytes;     /* bound on the bytes of cached entries, 0: none */
    size_t bytes;         /* of cached entries, each as it was when inserted */
    size_t *bytes_in_use; /* borrowed counter, may be NULL */
    gql_cached_doc_t **buckets;
    size_t mask;
    gql_cached_doc_t *head, *tail;
    size_t count;
    uint64_t hits, misses, evictions;
    uint64_t negative_hits;
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
    c->bytes -= d->charged;
    d->charged = 0;
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

/* Inserts a new entry at the front of the table and the recency list,
 * evicting the least recently used ones to make room. `refs` is what the
 * entry starts with: the cache's reference, plus the caller's. */
static void entry_insert(gql_doc_cache_t *c, gql_cached_doc_t *d, size_t refs)
{
    size_t charge = gql_arena_bytes(d->arena);
    while (c->tail != NULL && (c->count >= c->max || (c->max_bytes != 0 && c->bytes + charge > c->max_bytes))) {
        entry_remove(c, c->tail);
        c->evictions++;
    }
    d->refs = refs;
    d->charged = charge;
    c->bytes += charge;
    d->cached = true;
    gql_cached_doc_t **bucket = &c->buckets[d->hash & c->mask];
    d->chain = *bucket;
    *bucket = d;
    d->next = c->head;
    if (c->head)
        c->head->prev = d;
    c->head = d;
    if (c->tail == NULL)
        c->tail = d;
    c->count++;
}

/* Adds a negative entry's errors to `errors` as they were collected: the
 * same messages, locations, paths and codes (copied into errors->arena, so
 * they outlive the entry), then its dropped count. Validation may have
 * grown the bound by one for its final "Too many validation errors" (see
 * validate.c); the replay grows it the same way, so the answer is the
 * first one byte for byte. */
static void replay_errors(const gql_cached_doc_t *d, gql_errors_t *errors)
{
    if (errors->count + d->nerrors > errors->max)
        errors->max = errors->count + d->nerrors;
    for (size_t i = 0; i < d->nerrors; i++) {
        const gql_error_t *src = &d->errors[i];
        gql_error_t *e = gql_errors_add(errors, NULL, NULL, src->locations, src->nlocations, "%s", src->message);
        if (e == NULL)
            continue;
        if (src->path_json != NULL)
            e->path_json = gql_arena_strdup(errors->arena, src->path_json);
        if (src->code != NULL)
            e->code = gql_arena_strdup(errors->arena, src->code);
    }
    errors->dropped += d->dropped;
}

/* A negative entry for `text`, whose parse or validation added
 * errors->items[first..] (and `dropped` over the bound), or NULL when it
 * must not be kept: an internal error among them, none at all, a text
 * over the document limit, errors over NEGATIVE_MAX_ERROR_BYTES, or out
 * of memory (then nothing is cached: the request goes on with its errors). */
static gql_cached_doc_t *negative_entry(gql_doc_cache_t *c, const char *text, size_t len, uint64_t hash,
                                        const gql_limits_t *limits, const gql_errors_t *errors, size_t first,
                                        size_t dropped)
{
    size_t max_doc = limits != NULL ? limits->max_document_bytes : gql_limits_default().max_document_bytes;
    if (errors->count <= first && dropped == 0)
        return NULL;
    if (max_doc != 0 && len > max_doc)
        return NULL;
    size_t bytes = 0;
    for (size_t i = first; i < errors->count; i++) {
        const gql_error_t *e = &errors->items[i];
        if (e->code != NULL && strcmp(e->code, GQL_CODE_INTERNAL) == 0)
            return NULL;
        bytes += sizeof(*e) + strlen(e->message) + 1 + e->nlocations * sizeof(gql_loc_t) +
                 (e->path_json ? strlen(e->path_json) + 1 : 0) + (e->code ? strlen(e->code) + 1 : 0) + 32;
    }
    if (bytes > NEGATIVE_MAX_ERROR_BYTES)
        return NULL;
    gql_arena_t *a = gql_arena_new(len + bytes + sizeof(gql_cached_doc_t) + 256, c->bytes_in_use);
    if (a == NULL)
        return NULL;
    size_t n = errors->count - first;
    gql_cached_doc_t *d = gql_arena_alloc(a, sizeof(*d));
    char *copy = gql_arena_strndup(a, text, len);
    gql_error_t *items = gql_arena_alloc(a, (n ? n : 1) * sizeof(*items));
    if (d == NULL || copy == NULL || items == NULL) {
        gql_arena_free(a);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const gql_error_t *src = &errors->items[first + i];
        gql_loc_t *locs = src->nlocations ? gql_arena_alloc_raw(a, src->nlocations * sizeof(*locs)) : NULL;
        items[i] = (gql_error_t){
            .message = gql_arena_strdup(a, src->message),
            .locations = locs,
            .nlocations = src->nlocations,
            .path_json = src->path_json ? gql_arena_strdup(a, src->path_json) : NULL,
            .code = src->code ? gql_arena_strdup(a, src->code) : NULL,
        };
        if (items[i].message == NULL || (src->nlocations && locs == NULL) || (src->path_json && !items[i].path_json) ||
            (src->code && !items[i].code)) {
            gql_arena_free(a);
            return NULL;
        }
        if (locs != NULL)
            memcpy(locs, src->locations, src->nlocations * sizeof(*locs));
    }
    d->arena = a;
    d->schema = c->schema;
    d->text = copy;
    d->len = len;
    d->hash = hash;
    d->errors = items;
    d->nerrors = n;
    d->dropped = dropped;
    return d;
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
            c->hits++;
            if (d->doc == NULL) {
                c->negative_hits++;
                replay_errors(d, errors);
                return NULL;
            }
            d->refs++;
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
    size_t first_error = errors->count, dropped_before = errors->dropped;
    d->doc = gql_parse(a, copy, len, limits, errors);
    if (d->doc == NULL || gql_validate(c->schema, d->doc, limits, errors) != 0) {
        gql_arena_free(a); /* the AST is not kept: a negative entry holds the text and the errors */
        gql_cached_doc_t *neg =
            negative_entry(c, text, len, h, limits, errors, first_error, errors->dropped - dropped_before);
        if (neg != NULL)
            entry_insert(c, neg, 1);
        return NULL;
    }
    /* Insert at the front holding two references: the cache's and the
     * caller's. */
    entry_insert(c, d, 2);
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

void gql_doc_cache_set_max_bytes(gql_doc_cache_t *c, size_t max_bytes)
{
    c->max_bytes = max_bytes;
    while (c->tail != NULL && max_bytes != 0 && c->bytes > max_bytes) {
        entry_remove(c, c->tail);
        c->evictions++;
    }
}

size_t gql_doc_cache_bytes(const gql_doc_cache_t *c)
{
    return c->bytes;
}

size_t gql_cached_doc_bytes(const gql_cached_doc_t *d)
{
    return gql_arena_bytes(d->arena);
}

uint64_t gql_doc_cache_negative_hits(const gql_doc_cache_t *c)
{
    return c->negative_hits;
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
