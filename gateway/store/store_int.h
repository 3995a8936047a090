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

/* A fast 64-bit hash of n bytes (not keyed: for data the store trusts, such
 * as events read from its own Kafka topics). */
uint64_t gw__hash_bytes(const void *p, size_t n);

#endif
