/*
 * persisted.h — documents a client names by their SHA-256 instead of
 * sending them: Apollo's automatic persisted queries (APQ) and trusted
 * documents.
 *
 *   APQ: a request carries extensions.persistedQuery = {"version": 1,
 *   "sha256Hash": HEX}. Without "query" the text comes from the store (or
 *   the answer is PersistedQueryNotFound, and the client sends it again with
 *   the text); with "query" the hash must be the text's, and once the
 *   document is valid the pair is stored. The store is shared by every
 *   loop, bounded in entries and bytes, least recently used first out.
 *
 *   Trusted documents (graphql.trusted_documents): a manifest loaded at
 *   start, hash → document, in Apollo's persisted-query-manifest format or
 *   the plain {"<sha256>": "<document>"} object GraphQL Codegen writes.
 *   Then only its documents run: named by hash (APQ's extension, or
 *   "documentId": "sha256:HEX" of the GraphQL-over-HTTP persisted documents
 *   draft) or sent in full; anything else is refused, and nothing is stored.
 *
 * The step is gw_persisted_resolve, called by gw_exec_prepare before the
 * loop's document cache, so every transport (HTTP POST and GET, SSE, both
 * WebSocket protocols) behaves the same. A hash hit costs a lookup (a
 * mutex, a bucket, a copy of the text into the request's arena) and then
 * the loop's document cache finds the parsed document by its text.
 *
 * Threads: the store takes its own mutex; the manifest is immutable after
 * loading and read without one. Ownership: main makes it (gw_persisted_new,
 * gw_persisted_load_manifest) before the server runs and frees it after.
 * Errors: 0 or a negative GW_E* code (runtime/error.h).
 */
#ifndef GW_PERSISTED_H
#define GW_PERSISTED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gql.h"

typedef struct gw_persisted gw_persisted_t;

/* extensions.code of the errors this step gives (Apollo's where it has one) */
#define GW_CODE_PQ_NOT_FOUND "PERSISTED_QUERY_NOT_FOUND"
#define GW_CODE_PQ_NOT_SUPPORTED "PERSISTED_QUERY_NOT_SUPPORTED"
#define GW_CODE_PQ_NOT_TRUSTED "PERSISTED_QUERY_NOT_TRUSTED"
#define GW_CODE_BAD_REQUEST "BAD_REQUEST"

/* The manifest is read whole into memory: this is its bound. */
#define GW_PERSISTED_MAX_MANIFEST_BYTES ((size_t)16 << 20)

typedef struct gw_persisted_config {
    bool apq;           /* graphql.apq.enabled: store what clients register */
    size_t max_bytes;   /* graphql.apq.max_bytes: texts and entry overhead */
    size_t max_entries; /* graphql.apq.max_entries */
} gw_persisted_config_t;

/* Counters for /metrics (relaxed reads; all loops). */
typedef struct gw_persisted_stats {
    uint64_t entries, bytes;      /* the APQ store now */
    uint64_t hits, misses;        /* hash-only requests found / PersistedQueryNotFound */
    uint64_t registered, evicted; /* pairs stored / dropped for room */
    uint64_t refused;             /* documents refused in trusted mode */
} gw_persisted_stats_t;

/* A store with the given bounds. NULL when out of memory. */
gw_persisted_t *gw_persisted_new(const gw_persisted_config_t *cfg);
void gw_persisted_free(gw_persisted_t *ps);

/* Loads a manifest (the text of a trusted documents file; `name` is used in
 * messages) and turns trusted mode on. Every entry's id must be the SHA-256
 * of its document (hex, or "sha256:" and hex); the first one that is not,
 * and any other defect, is refused with a message in err that names it.
 * Returns 0, GW_EINVAL (err says why) or GW_ENOMEM. Call before the
 * server runs; once only. */
int gw_persisted_load_manifest(gw_persisted_t *ps, const char *name, const char *text, size_t len, char *err,
                               size_t errlen);

/* gw_persisted_load_manifest of the file at `path` (at most
 * GW_PERSISTED_MAX_MANIFEST_BYTES). */
int gw_persisted_load_manifest_file(gw_persisted_t *ps, const char *path, char *err, size_t errlen);

/* Documents in the manifest; 0 when not in trusted mode. */
size_t gw_persisted_trusted_count(const gw_persisted_t *ps);

/* What gw_persisted_resolve decided. */
typedef struct gw_persisted_result {
    const char *text; /* the document to run: the request's, the manifest's, or a copy in the arena */
    size_t len;
    bool register_after; /* store (digest, text) once the document validated: gw_persisted_register */
    uint8_t digest[32];
} gw_persisted_result_t;

/* The document a request names. `query` (NULL when absent), `extensions`
 * (an object or NULL) and `document_id` (NULL when absent) are the
 * request's parameters; `ps` may be NULL (no APQ, no manifest). Returns 0
 * with *r filled; GW_EREQUEST with the client's error in errs (an unknown
 * hash is "PersistedQueryNotFound", a text whose hash differs from the
 * given one "provided sha does not match query", a document not in the
 * manifest in trusted mode PERSISTED_QUERY_NOT_TRUSTED); GW_ENOMEM. */
int gw_persisted_resolve(gw_persisted_t *ps, gql_arena_t *arena, const char *query, size_t query_len,
                         const gql_iv_t *extensions, const char *document_id, gql_errors_t *errs,
                         gw_persisted_result_t *r);

/* Stores r's pair (after its document validated), evicting the least
 * recently used pairs to stay within the bounds; a text larger than the
 * byte bound is not stored. */
void gw_persisted_register(gw_persisted_t *ps, const gw_persisted_result_t *r);

void gw_persisted_stats(const gw_persisted_t *ps, gw_persisted_stats_t *out);

/* The SHA-256 of text as 64 lowercase hex digits and a NUL (out[65]). */
void gw_persisted_hash_hex(const char *text, size_t len, char out[65]);

#endif
