/*
 * region.c — the store's grow-only allocator and its keyed string hash.
 *
 * Projections keep everything they ever fold until the process ends, so
 * their strings and index nodes come from a region: big blocks, bump
 * allocation, no per-object header, one free at the end. Because blocks never
 * move, readers on other threads may hold pointers into them.
 */
#include "store_int.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

typedef struct gw__region_block {
    struct gw__region_block *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
} region_block_t;

void gw__region_init(gw__region_t *r, size_t block_size)
{
    r->head = NULL;
    r->block_size = block_size < 256 ? 256 : block_size;
    r->bytes = 0;
}

void *gw__region_alloc(gw__region_t *r, size_t n, size_t align)
{
    region_block_t *b = r->head;
    if (b != NULL) {
        size_t at = (b->used + (align - 1)) & ~(align - 1);
        if (at <= b->size && n <= b->size - at) {
            b->used = at + n;
            return b->data + at;
        }
    }
    size_t size = n > r->block_size / 4 ? n : r->block_size;
    if (n > r->block_size / 4 && b != NULL) {
        /* A large object gets a block of its own behind the current one, so
         * the current block's free space is not wasted. */
        region_block_t *big = malloc(sizeof(*big) + size);
        if (big == NULL)
            return NULL;
        big->size = size;
        big->used = n;
        big->next = b->next;
        b->next = big;
        r->bytes += sizeof(*big) + size;
        return big->data;
    }
    b = malloc(sizeof(*b) + size);
    if (b == NULL)
        return NULL;
    b->size = size;
    b->used = n;
    b->next = r->head;
    r->head = b;
    r->bytes += sizeof(*b) + size;
    return b->data;
}

void gw__region_free(gw__region_t *r)
{
    region_block_t *b = r->head;
    while (b != NULL) {
        region_block_t *next = b->next;
        free(b);
        b = next;
    }
    r->head = NULL;
    r->bytes = 0;
}

/* 64-bit multiply-mix hash over 8-byte words: much faster than byte-wise
 * FNV for the 15-40 byte strings of the bank (IBANs, descriptions). */
static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* The seed enters every word before it is mixed (as gateway/graphql/json.c
 * keys its duplicate-key table), not only the start value: two strings that
 * collide under one seed then say nothing about another. */
uint64_t gw__hash_bytes(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0x100000001b3ULL) ^ seed;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ mix(w ^ seed)) * 0x87c37b91114253d5ULL;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    if (n > 0)
        memcpy(&w, s, n);
    h ^= mix(w ^ ((uint64_t)n << 56) ^ seed);
    return mix(h);
}

uint64_t gw__hash_seed(void)
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v)
        randombytes_buf(&v, sizeof v);
    return v != 0 ? v : 0x6a09e667f3bcc909ULL;
}
