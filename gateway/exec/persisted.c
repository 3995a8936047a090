/*
 * persisted.c — the APQ store and the trusted documents manifest (see
 * persisted.h): SHA-256 digests (libsodium) as keys in two chained hash
 * tables, one shared and bounded (LRU, under a mutex), one immutable.
 *
 * Wire format and messages are Apollo Server's: "PersistedQueryNotFound"
 * (PERSISTED_QUERY_NOT_FOUND), "PersistedQueryNotSupported"
 * (PERSISTED_QUERY_NOT_SUPPORTED), "provided sha does not match query" and
 * "Unsupported persisted query version" (BAD_REQUEST). Apollo's link reads
 * the first two to resend the text or give up hashing.
 */
#include "persisted.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "runtime/file.h"

/* One document under its digest. In the store it is on the LRU list; in
 * the manifest it never moves. Owns its text (allocated with it). */
typedef struct entry {
    struct entry *next; /* hash chain */
    struct entry *lru_prev, *lru_next;
    uint8_t digest[32];
    size_t len;
    char text[]; /* NUL-terminated */
} entry_t;

typedef struct table {
    entry_t **buckets;
    size_t mask; /* buckets - 1, a power of two minus one */
} table_t;

struct gw_persisted {
    gw_persisted_config_t cfg;
    /* the APQ store: under `lock` */
    pthread_mutex_t lock;
    table_t store;
    entry_t *lru_head, *lru_tail; /* head: most recently used */
    size_t entries, bytes;
    /* the manifest: immutable once loaded */
    table_t trusted;
    size_t ntrusted;
    bool trusted_mode;
    /* counters (relaxed) */
    _Atomic uint64_t hits, misses, registered, evicted, refused;
    _Atomic uint64_t pub_entries, pub_bytes;
};

/* ------------------------------------------------------------------------ */
/* Tables                                                                   */
/* ------------------------------------------------------------------------ */

static int table_init(table_t *t, size_t want)
{
    size_t n = 16;
    while (n < want && n < ((size_t)1 << 24))
        n <<= 1;
    t->buckets = calloc(n, sizeof *t->buckets);
    t->mask = n - 1;
    return t->buckets != NULL ? 0 : GW_ENOMEM;
}

/* A digest is uniformly distributed (and a stored one is always the hash of
 * its text, checked), so its first bytes index the buckets. */
static entry_t **table_slot(const table_t *t, const uint8_t digest[32])
{
    uint64_t h;
    memcpy(&h, digest, sizeof h);
    entry_t **pp = &t->buckets[h & t->mask];
    while (*pp != NULL && sodium_memcmp((*pp)->digest, digest, 32) != 0)
        pp = &(*pp)->next;
    return pp;
}

static void table_free(table_t *t)
{
    for (size_t i = 0; t->buckets != NULL && i <= t->mask; i++)
        for (entry_t *e = t->buckets[i], *next; e != NULL; e = next) {
            next = e->next;
            free(e);
        }
    free(t->buckets);
    t->buckets = NULL;
}

static entry_t *entry_new(const uint8_t digest[32], const char *text, size_t len)
{
    entry_t *e = malloc(sizeof *e + len + 1);
    if (e == NULL)
        return NULL;
    *e = (entry_t){.len = len};
    memcpy(e->digest, digest, 32);
    memcpy(e->text, text, len);
    e->text[len] = '\0';
    return e;
}

static size_t entry_cost(size_t len)
{
    return sizeof(entry_t) + len + 1;
}

static void sha256(const char *text, size_t len, uint8_t out[32])
{
    crypto_hash_sha256(out, (const unsigned char *)text, len);
}

void gw_persisted_hash_hex(const char *text, size_t len, char out[65])
{
    uint8_t d[32];
    sha256(text, len, d);
    sodium_bin2hex(out, 65, d, 32);
}

/* 64 hex digits (either case) to 32 bytes; an optional "sha256:" prefix
 * when `prefixed` allows it. false for anything else. */
static bool parse_hash(const char *s, size_t n, bool prefixed, uint8_t out[32])
{
    if (prefixed && n > 7 && memcmp(s, "sha256:", 7) == 0)
        s += 7, n -= 7;
    if (n != 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    size_t got = 0;
    return sodium_hex2bin(out, 32, s, n, NULL, &got, NULL) == 0 && got == 32;
}

/* ------------------------------------------------------------------------ */
/* Setup                                                                    */
/* ------------------------------------------------------------------------ */

gw_persisted_t *gw_persisted_new(const gw_persisted_config_t *cfg)
{
    if (sodium_init() < 0)
        return NULL;
    gw_persisted_t *ps = calloc(1, sizeof *ps);
    if (ps == NULL)
        return NULL;
    ps->cfg = *cfg;
    if (pthread_mutex_init(&ps->lock, NULL) != 0) {
        free(ps);
        return NULL;
    }
    if (table_init(&ps->store, cfg->max_entries) != 0) {
        pthread_mutex_destroy(&ps->lock);
        free(ps);
        return NULL;
    }
    return ps;
}

void gw_persisted_free(gw_persisted_t *ps)
{
    if (ps == NULL)
        return;
    table_free(&ps->store);
    table_free(&ps->trusted);
    pthread_mutex_destroy(&ps->lock);
    free(ps);
}

size_t gw_persisted_trusted_count(const gw_persisted_t *ps)
{
    return ps != NULL && ps->trusted_mode ? ps->ntrusted : 0;
}

void gw_persisted_stats(const gw_persisted_t *ps, gw_persisted_stats_t *out)
{
    gw_persisted_t *m = (gw_persisted_t *)ps; /* atomics only */
    *out = (gw_persisted_stats_t){
        .entries = atomic_load_explicit(&m->pub_entries, memory_order_relaxed),
        .bytes = atomic_load_explicit(&m->pub_bytes, memory_order_relaxed),
        .hits = atomic_load_explicit(&m->hits, memory_order_relaxed),
        .misses = atomic_load_explicit(&m->misses, memory_order_relaxed),
        .registered = atomic_load_explicit(&m->registered, memory_order_relaxed),
        .evicted = atomic_load_explicit(&m->evicted, memory_order_relaxed),
        .refused = atomic_load_explicit(&m->refused, memory_order_relaxed),
    };
}

/* ------------------------------------------------------------------------ */
/* The manifest                                                             */
/* ------------------------------------------------------------------------ */

/* Adds (id, body) to the manifest after checking that id is body's
 * SHA-256; `what` names the entry in messages. */
static int add_trusted(gw_persisted_t *ps, const char *name, const char *what, const gql_iv_t *id, const gql_iv_t *body,
                       char *err, size_t errlen)
{
    uint8_t digest[32], actual[32];
    if (id == NULL || id->kind != GQL_IV_STRING || !parse_hash(id->u.s.ptr, id->u.s.len, true, digest)) {
        snprintf(err, errlen, "%s: %s: the id is not a SHA-256 hash (64 hex digits, optionally after \"sha256:\")",
                 name, what);
        return GW_EINVAL;
    }
    if (body == NULL || body->kind != GQL_IV_STRING) {
        snprintf(err, errlen, "%s: %s: the document must be a string", name, what);
        return GW_EINVAL;
    }
    sha256(body->u.s.ptr, body->u.s.len, actual);
    if (sodium_memcmp(digest, actual, 32) != 0) {
        char hex[65];
        sodium_bin2hex(hex, sizeof hex, actual, 32);
        snprintf(err, errlen, "%s: %s: the id is not the SHA-256 of its document (which is %s)", name, what, hex);
        return GW_EINVAL;
    }
    entry_t **slot = table_slot(&ps->trusted, digest);
    if (*slot != NULL)
        return 0; /* the same document twice (same hash, same text) */
    entry_t *e = entry_new(digest, body->u.s.ptr, body->u.s.len);
    if (e == NULL)
        return GW_ENOMEM;
    *slot = e;
    ps->ntrusted++;
    return 0;
}

int gw_persisted_load_manifest(gw_persisted_t *ps, const char *name, const char *text, size_t len, char *err,
                               size_t errlen)
{
    if (len > GW_PERSISTED_MAX_MANIFEST_BYTES) {
        snprintf(err, errlen, "%s: %zu bytes, more than the %zu a manifest may have", name, len,
                 GW_PERSISTED_MAX_MANIFEST_BYTES);
        return GW_EINVAL;
    }
    gql_arena_t *a = gql_arena_new(0, NULL);
    if (a == NULL)
        return GW_ENOMEM;
    int rc = GW_EINVAL;
    gql_iv_t root;
    char jerr[160];
    if (gql_json_parse(a, text, len, &root, jerr, sizeof jerr) != 0) {
        snprintf(err, errlen, "%s: not valid JSON: %s", name, jerr);
        goto out;
    }
    if (root.kind != GQL_IV_OBJECT) {
        snprintf(err, errlen, "%s: must be a JSON object (Apollo's persisted query manifest, or hash → document)",
                 name);
        goto out;
    }
    const gql_iv_t *format = gql_iv_get(&root, "format");
    size_t want = format != NULL ? 0 : root.u.obj.count;
    const gql_iv_t *ops = NULL;
    if (format != NULL) {
        /* {"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id","name","type","body"}]} */
        const gql_iv_t *version = gql_iv_get(&root, "version");
        ops = gql_iv_get(&root, "operations");
        if (format->kind != GQL_IV_STRING || format->u.s.len != strlen("apollo-persisted-query-manifest") ||
            memcmp(format->u.s.ptr, "apollo-persisted-query-manifest", format->u.s.len) != 0) {
            snprintf(err, errlen, "%s: unknown \"format\" (expected \"apollo-persisted-query-manifest\")", name);
            goto out;
        }
        if (version == NULL || version->kind != GQL_IV_INT || version->u.i != 1) {
            snprintf(err, errlen, "%s: unsupported manifest \"version\" (expected 1)", name);
            goto out;
        }
        if (ops == NULL || ops->kind != GQL_IV_LIST) {
            snprintf(err, errlen, "%s: \"operations\" must be a list", name);
            goto out;
        }
        want = ops->u.list.count;
    }
    if (want == 0) {
        snprintf(err, errlen, "%s: has no documents (trusted mode would refuse every request)", name);
        goto out;
    }
    if (table_init(&ps->trusted, want) != 0) {
        rc = GW_ENOMEM;
        goto out;
    }
    char what[200];
    for (size_t i = 0; i < want; i++) {
        if (ops != NULL) {
            const gql_iv_t *op = &ops->u.list.items[i];
            const gql_iv_t *opname = op->kind == GQL_IV_OBJECT ? gql_iv_get(op, "name") : NULL;
            if (opname != NULL && opname->kind == GQL_IV_STRING)
                snprintf(what, sizeof what, "operation %zu (\"%.*s\")", i + 1,
                         (int)(opname->u.s.len > 80 ? 80 : opname->u.s.len), opname->u.s.ptr);
            else
                snprintf(what, sizeof what, "operation %zu", i + 1);
            if (op->kind != GQL_IV_OBJECT) {
                snprintf(err, errlen, "%s: %s: must be an object with \"id\" and \"body\"", name, what);
                goto out;
            }
            if ((rc = add_trusted(ps, name, what, gql_iv_get(op, "id"), gql_iv_get(op, "body"), err, errlen)) != 0)
                goto out;
        } else {
            const char *key = root.u.obj.keys[i];
            gql_iv_t id = {.kind = GQL_IV_STRING};
            id.u.s.ptr = key;
            id.u.s.len = strlen(key);
            snprintf(what, sizeof what, "entry \"%.80s\"", key);
            if ((rc = add_trusted(ps, name, what, &id, &root.u.obj.values[i], err, errlen)) != 0)
                goto out;
        }
    }
    ps->trusted_mode = true;
    rc = 0;
out:
    if (rc != 0) {
        table_free(&ps->trusted);
        ps->ntrusted = 0;
    }
    gql_arena_free(a);
    return rc;
}

int gw_persisted_load_manifest_file(gw_persisted_t *ps, const char *path, char *err, size_t errlen)
{
    size_t len = 0;
    char *text = gw_read_file(path, &len);
    if (text == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return GW_EINVAL;
    }
    int rc = gw_persisted_load_manifest(ps, path, text, len, err, errlen);
    free(text);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The store                                                                */
/* ------------------------------------------------------------------------ */

static void lru_unlink(gw_persisted_t *ps, entry_t *e)
{
    if (e->lru_prev != NULL)
        e->lru_prev->lru_next = e->lru_next;
    else
        ps->lru_head = e->lru_next;
    if (e->lru_next != NULL)
        e->lru_next->lru_prev = e->lru_prev;
    else
        ps->lru_tail = e->lru_prev;
    e->lru_prev = e->lru_next = NULL;
}

static void lru_push_front(gw_persisted_t *ps, entry_t *e)
{
    e->lru_prev = NULL;
    e->lru_next = ps->lru_head;
    if (ps->lru_head != NULL)
        ps->lru_head->lru_prev = e;
    ps->lru_head = e;
    if (ps->lru_tail == NULL)
        ps->lru_tail = e;
}

static void publish(gw_persisted_t *ps)
{
    atomic_store_explicit(&ps->pub_entries, ps->entries, memory_order_relaxed);
    atomic_store_explicit(&ps->pub_bytes, ps->bytes, memory_order_relaxed);
}

/* Copies the stored text of `digest` into the arena (the entry may be
 * evicted once the lock is released). false when absent; *oom when the
 * arena is out of memory. */
static bool store_get(gw_persisted_t *ps, const uint8_t digest[32], gql_arena_t *arena, const char **text, size_t *len,
                      bool *oom)
{
    bool found = false;
    pthread_mutex_lock(&ps->lock);
    entry_t *e = *table_slot(&ps->store, digest);
    if (e != NULL) {
        found = true;
        lru_unlink(ps, e);
        lru_push_front(ps, e);
        char *copy = gql_arena_alloc_raw(arena, e->len + 1);
        if (copy != NULL) {
            memcpy(copy, e->text, e->len + 1);
            *text = copy;
            *len = e->len;
        } else {
            *oom = true;
        }
    }
    pthread_mutex_unlock(&ps->lock);
    return found;
}

void gw_persisted_register(gw_persisted_t *ps, const gw_persisted_result_t *r)
{
    if (ps == NULL || !r->register_after || !ps->cfg.apq || ps->trusted_mode)
        return;
    size_t cost = entry_cost(r->len);
    if (cost > ps->cfg.max_bytes || ps->cfg.max_entries == 0)
        return;
    pthread_mutex_lock(&ps->lock);
    entry_t **slot = table_slot(&ps->store, r->digest);
    if (*slot != NULL) { /* registered meanwhile (by another loop, or a client that sends the text each time) */
        lru_unlink(ps, *slot);
        lru_push_front(ps, *slot);
        pthread_mutex_unlock(&ps->lock);
        return;
    }
    entry_t *e = entry_new(r->digest, r->text, r->len);
    if (e == NULL) {
        pthread_mutex_unlock(&ps->lock);
        return; /* not stored: the client sends the text again next time */
    }
    *slot = e;
    lru_push_front(ps, e);
    ps->entries++;
    ps->bytes += cost;
    uint64_t evicted = 0;
    while (ps->lru_tail != e && (ps->entries > ps->cfg.max_entries || ps->bytes > ps->cfg.max_bytes)) {
        entry_t *old = ps->lru_tail;
        lru_unlink(ps, old);
        entry_t **os = table_slot(&ps->store, old->digest);
        *os = old->next;
        ps->entries--;
        ps->bytes -= entry_cost(old->len);
        free(old);
        evicted++;
    }
    publish(ps);
    pthread_mutex_unlock(&ps->lock);
    atomic_fetch_add_explicit(&ps->registered, 1, memory_order_relaxed);
    if (evicted != 0)
        atomic_fetch_add_explicit(&ps->evicted, evicted, memory_order_relaxed);
}

/* ------------------------------------------------------------------------ */
/* Resolving a request                                                      */
/* ------------------------------------------------------------------------ */

static int fail(gql_errors_t *errs, const char *code, const char *msg)
{
    return gql_errors_add(errs, code, NULL, NULL, 0, "%s", msg) != NULL || errs->count > 0 ? GW_EREQUEST : GW_ENOMEM;
}

static int not_trusted(gw_persisted_t *ps, gql_errors_t *errs)
{
    atomic_fetch_add_explicit(&ps->refused, 1, memory_order_relaxed);
    return fail(errs, GW_CODE_PQ_NOT_TRUSTED,
                "only trusted documents are accepted (graphql.trusted_documents); this document is not in the "
                "manifest");
}

int gw_persisted_resolve(gw_persisted_t *ps, gql_arena_t *arena, const char *query, size_t query_len,
                         const gql_iv_t *extensions, const char *document_id, gql_errors_t *errs,
                         gw_persisted_result_t *r)
{
    *r = (gw_persisted_result_t){.text = query, .len = query_len};
    bool trusted = ps != NULL && ps->trusted_mode;
    bool apq = ps != NULL && ps->cfg.apq;
    const gql_iv_t *pq = extensions != NULL ? gql_iv_get(extensions, "persistedQuery") : NULL;
    if (pq != NULL && pq->kind == GQL_IV_NULL)
        pq = NULL;
    bool named = false; /* r->digest holds the hash the client gave */
    if (pq != NULL) {
        if (!apq && !trusted)
            return fail(errs, GW_CODE_PQ_NOT_SUPPORTED, "PersistedQueryNotSupported");
        if (pq->kind != GQL_IV_OBJECT)
            return fail(errs, GW_CODE_BAD_REQUEST, "Invalid extensions.persistedQuery: must be an object");
        const gql_iv_t *version = gql_iv_get(pq, "version");
        if (version == NULL || version->kind != GQL_IV_INT || version->u.i != 1)
            return fail(errs, GW_CODE_BAD_REQUEST, "Unsupported persisted query version");
        const gql_iv_t *h = gql_iv_get(pq, "sha256Hash");
        if (h == NULL || h->kind != GQL_IV_STRING || !parse_hash(h->u.s.ptr, h->u.s.len, false, r->digest))
            return fail(errs, GW_CODE_BAD_REQUEST,
                        "Invalid extensions.persistedQuery.sha256Hash: must be 64 hexadecimal digits");
        named = true;
    } else if (document_id != NULL) {
        if (!apq && !trusted)
            return fail(errs, GW_CODE_PQ_NOT_SUPPORTED, "PersistedQueryNotSupported");
        if (!parse_hash(document_id, strlen(document_id), true, r->digest))
            return fail(errs, GW_CODE_BAD_REQUEST,
                        "Invalid documentId: expected \"sha256:\" and 64 hexadecimal digits");
        named = true;
    }

    if (named && query != NULL) {
        uint8_t actual[32];
        sha256(query, query_len, actual);
        if (sodium_memcmp(actual, r->digest, 32) != 0)
            return fail(errs, GW_CODE_BAD_REQUEST, "provided sha does not match query");
        if (trusted)
            return *table_slot(&ps->trusted, r->digest) != NULL ? 0 : not_trusted(ps, errs);
        r->register_after = apq;
        return 0;
    }
    if (named) { /* the hash alone */
        if (trusted) {
            const entry_t *e = *table_slot(&ps->trusted, r->digest);
            if (e == NULL) {
                atomic_fetch_add_explicit(&ps->misses, 1, memory_order_relaxed);
                return fail(errs, GW_CODE_PQ_NOT_FOUND, "PersistedQueryNotFound");
            }
            atomic_fetch_add_explicit(&ps->hits, 1, memory_order_relaxed);
            r->text = e->text; /* immutable while the server runs */
            r->len = e->len;
            return 0;
        }
        bool oom = false;
        if (!store_get(ps, r->digest, arena, &r->text, &r->len, &oom)) {
            atomic_fetch_add_explicit(&ps->misses, 1, memory_order_relaxed);
            return fail(errs, GW_CODE_PQ_NOT_FOUND, "PersistedQueryNotFound");
        }
        if (oom)
            return GW_ENOMEM;
        atomic_fetch_add_explicit(&ps->hits, 1, memory_order_relaxed);
        return 0;
    }
    /* the text alone */
    if (query == NULL)
        return fail(errs, GW_CODE_BAD_REQUEST, "Missing query");
    if (trusted) {
        sha256(query, query_len, r->digest);
        if (*table_slot(&ps->trusted, r->digest) == NULL)
            return not_trusted(ps, errs);
    }
    return 0;
}
