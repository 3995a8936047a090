/*
 * chunk.c — reference-counted immutable bytes and the output queue of
 * gathered writes (see chunk.h).
 */
#include "chunk.h"

#include <string.h>

gw_chunk_t *gw_chunk_new(size_t len)
{
    if (len > UINT32_MAX)
        return NULL;
    gw_chunk_t *b = malloc(sizeof *b + (len ? len : 1));
    if (b == NULL)
        return NULL;
    b->refs = 1;
    b->len = (uint32_t)len;
    return b;
}

gw_chunk_t *gw_chunk_concat(const void *a, size_t na, const void *b, size_t nb, const void *c, size_t nc)
{
    gw_chunk_t *w = gw_chunk_new(na + nb + nc);
    if (w == NULL)
        return NULL;
    char *p = w->data;
    if (na)
        memcpy(p, a, na), p += na;
    if (nb)
        memcpy(p, b, nb), p += nb;
    if (nc)
        memcpy(p, c, nc);
    return w;
}

bool gw_outq_push(gw_outq_t *q, gw_chunk_t *b)
{
    if (q->count == q->cap) {
        size_t ncap = q->cap ? q->cap * 2 : 4;
        gw_chunk_t **n = malloc(ncap * sizeof *n);
        if (n == NULL)
            return false;
        for (size_t i = 0; i < q->count; i++)
            n[i] = q->items[(q->head + i) % q->cap];
        free(q->items);
        q->items = n;
        q->head = 0;
        q->cap = ncap;
    }
    q->items[(q->head + q->count) % q->cap] = gw_chunk_ref(b);
    q->count++;
    q->unsent += b->len;
    return true;
}

size_t gw_outq_take(gw_outq_t *q, h2o_iovec_t *iov, size_t max)
{
    size_t n = 0;
    while (q->inflight < q->count && n < max) {
        gw_chunk_t *b = q->items[(q->head + q->inflight) % q->cap];
        iov[n++] = h2o_iovec_init(b->data, b->len);
        q->inflight++;
    }
    return n;
}

void gw_outq_done(gw_outq_t *q)
{
    for (; q->inflight > 0; q->inflight--) {
        gw_chunk_t *b = q->items[q->head];
        q->unsent -= b->len;
        gw_chunk_unref(b);
        q->head = (q->head + 1) % q->cap;
        q->count--;
    }
    if (q->count == 0 && q->cap > 16) { /* a burst is over: give the ring back */
        free(q->items);
        q->items = NULL;
        q->cap = q->head = 0;
    }
}

void gw_outq_clear(gw_outq_t *q)
{
    for (size_t i = 0; i < q->count; i++)
        gw_chunk_unref(q->items[(q->head + i) % q->cap]);
    free(q->items);
    *q = (gw_outq_t){0};
}
