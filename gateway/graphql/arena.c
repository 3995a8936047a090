/*
 * arena.c — region allocation for requests, documents and schemas.
 *
 * An arena is a list of malloc'd blocks. Allocation bumps a pointer in the
 * newest block; a request too large for the block size gets a block of its
 * own. Nothing is freed individually: gql_arena_free releases every block,
 * gql_arena_reset keeps the first one so a per-loop arena can be reused
 * without touching malloc on the hot path.
 */
#include "gql_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_BLOCK 8192

typedef struct arena_block {
    struct arena_block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
} arena_block_t;

struct gql_arena {
    arena_block_t *head;  /* newest block, allocation happens here */
    arena_block_t *first; /* kept by gql_arena_reset */
    size_t block_size;
    size_t bytes;         /* malloc'd bytes, blocks and this struct */
    size_t *bytes_in_use; /* borrowed counter for metrics, may be NULL */
};

static void account(gql_arena_t *a, size_t n, int sign)
{
    if (sign > 0)
        a->bytes += n;
    else
        a->bytes -= n;
    if (a->bytes_in_use != NULL) {
        if (sign > 0)
            __atomic_add_fetch(a->bytes_in_use, n, __ATOMIC_RELAXED);
        else
            __atomic_sub_fetch(a->bytes_in_use, n, __ATOMIC_RELAXED);
    }
}

static arena_block_t *block_new(gql_arena_t *a, size_t size)
{
    arena_block_t *b = malloc(sizeof(*b) + size);
    if (b == NULL)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    account(a, sizeof(*b) + size, +1);
    return b;
}

gql_arena_t *gql_arena_new(size_t first_block, size_t *bytes_in_use)
{
    gql_arena_t *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return NULL;
    a->block_size = first_block ? first_block : ARENA_DEFAULT_BLOCK;
    a->bytes_in_use = bytes_in_use;
    account(a, sizeof(*a), +1);
    a->first = a->head = block_new(a, a->block_size);
    if (a->head == NULL) {
        gql_arena_free(a);
        return NULL;
    }
    return a;
}

static void free_blocks_after(gql_arena_t *a, arena_block_t *keep)
{
    arena_block_t *b = a->head;
    while (b != NULL && b != keep) {
        arena_block_t *next = b->next;
        account(a, sizeof(*b) + b->size, -1);
        free(b);
        b = next;
    }
}

void gql_arena_free(gql_arena_t *a)
{
    if (a == NULL)
        return;
    free_blocks_after(a, NULL);
    account(a, sizeof(*a), -1);
    free(a);
}

/* Every block but the first goes: those made after it (the chain from the
 * head down to it) and the large ones that were linked behind it while it
 * was the head. Before this walked only the first part, so a reused arena
 * (a loop's scratch, reset after every message) kept each large block it
 * ever got: a WebSocket message with a 60 KB string left 60 KB behind. */
void gql_arena_reset(gql_arena_t *a)
{
    arena_block_t *b = a->head, *first = a->first;
    while (b != NULL) {
        arena_block_t *next = b->next;
        if (b != first) {
            account(a, sizeof(*b) + b->size, -1);
            free(b);
        }
        b = next;
    }
    a->head = first;
    if (first != NULL) {
        first->next = NULL;
        first->used = 0;
    }
}

void *gql_arena_alloc_raw(gql_arena_t *a, size_t n)
{
    if (n == 0)
        n = 1;
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n)
        return NULL; /* overflow */
    arena_block_t *b = a->head;
    if (b != NULL && b->size - b->used >= need) {
        void *p = b->data + b->used;
        b->used += need;
        return p;
    }
    /* Large requests get a block of their own, placed behind the head so the
     * head's free space stays usable; otherwise start a new, bigger block. */
    if (need > a->block_size / 2 && b != NULL) {
        arena_block_t *big = block_new(a, need);
        if (big == NULL)
            return NULL;
        big->used = need;
        big->next = b->next;
        b->next = big;
        return big->data;
    }
    if (a->block_size < (1u << 20))
        a->block_size *= 2;
    arena_block_t *nb = block_new(a, need > a->block_size ? need : a->block_size);
    if (nb == NULL)
        return NULL;
    nb->next = b;
    a->head = nb;
    nb->used = need;
    return nb->data;
}

void *gql_arena_alloc(gql_arena_t *a, size_t n)
{
    void *p = gql_arena_alloc_raw(a, n);
    if (p != NULL)
        memset(p, 0, n);
    return p;
}

char *gql_arena_strndup(gql_arena_t *a, const char *s, size_t n)
{
    char *p = gql_arena_alloc_raw(a, n + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *gql_arena_strdup(gql_arena_t *a, const char *s)
{
    return gql_arena_strndup(a, s, strlen(s));
}

char *gql_arena_vprintf(gql_arena_t *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *p = gql_arena_alloc_raw(a, (size_t)n + 1);
    if (p != NULL)
        vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *gql_arena_printf(gql_arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = gql_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

size_t gql_arena_bytes(const gql_arena_t *a)
{
    return a->bytes;
}

void *gql__arena_grow(gql_arena_t *a, void *items, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return items;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *p = gql_arena_alloc_raw(a, ncap * size);
    if (p == NULL)
        return NULL;
    if (n)
        memcpy(p, items, n * size);
    *cap = ncap;
    return p;
}
