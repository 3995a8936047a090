/*
 * store_int.h — internals shared by the store's files: a grow-only region
 * allocator for memory that lives as long as its store, and a string hash.
 * Not part of the public interface.
 */
#ifndef GW_STORE_INT_H
#define GW_STORE_INT_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

/* A grow-only region: blocks are malloc'd and never moved or freed before
 * gw__region_free, so pointers into it may be handed to other threads. Only
 * one thread allocates. */
typedef struct gw__region {
    struct gw__region_block *head;
    size_t block_size; /* default size of a new block */
    size_t bytes;      /* malloc'd so far, headers included */
} gw__region_t;

/* Initialise an empty region whose blocks are block_size bytes (at least). */
void gw__region_init(gw__region_t *r, size_t block_size);
/* n bytes aligned to `align` (a power of two <= 16), or NULL when out of memory. */
void *gw__region_alloc(gw__region_t *r, size_t n, size_t align);
/* Free every block. */
void gw__region_free(gw__region_t *r);

/* A fast 64-bit hash of n bytes, keyed by `seed`. The strings the store
 * interns and indexes (descriptions, IBANs) are chosen by clients, so every
 * table passes a seed drawn at random when it was made (gw__hash_seed): with
 * the seed unknown, no set of strings collides more often than random ones.
 * Seed 0 gives the fixed hash that digests meant to compare across runs
 * (gw_txstore_checksum) use. Not a MAC: a client that could watch timings
 * long enough might learn about the seed; it guards tables, not secrets. */
uint64_t gw__hash_bytes(const void *p, size_t n, uint64_t seed);

/* A random, non-zero seed for gw__hash_bytes (getrandom; libsodium's
 * randombytes if that fails). */
uint64_t gw__hash_seed(void);

#endif
