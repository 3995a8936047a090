/*
 * chunk.h — immutable, reference-counted bytes shared by every connection
 * that sends them, and the output queue of one connection: references
 * waiting for one gathered write (h2o_socket_write / h2o_send with an iovec
 * array). An event is encoded once into a chunk (a WebSocket frame, an SSE
 * event) and queued by reference on every connection that gets it.
 *
 * Threads: loop-local. The reference counts are plain integers; a chunk
 * never crosses loops.
 *
 * Ownership: gw_chunk_new/gw_chunk_concat return one reference; whoever
 * holds a reference drops it with gw_chunk_unref; the last one frees. A
 * queue holds one reference per queued item until written or cleared.
 */
#ifndef GW_CHUNK_H
#define GW_CHUNK_H

#include <h2o.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* ------------------------------------------------------------------------ */
/* Shared, reference-counted bytes                                          */
/* ------------------------------------------------------------------------ */

/* Immutable bytes shared by every queue that references them. Loop-local. */
typedef struct gw_chunk {
    uint32_t refs;
    uint32_t len;
    char data[];
} gw_chunk_t;

/* A buffer of `len` bytes (contents undefined) with one reference, or NULL. */
gw_chunk_t *gw_chunk_new(size_t len);
/* A buffer holding the concatenation of up to three parts (NULL/0 parts are
 * skipped), with one reference; NULL when out of memory. */
gw_chunk_t *gw_chunk_concat(const void *a, size_t na, const void *b, size_t nb, const void *c, size_t nc);
static inline gw_chunk_t *gw_chunk_ref(gw_chunk_t *b)
{
    b->refs++;
    return b;
}
static inline void gw_chunk_unref(gw_chunk_t *b)
{
    if (b != NULL && --b->refs == 0)
        free(b);
}

/* ------------------------------------------------------------------------ */
/* An output queue: buffers waiting for one gathered write                  */
/* ------------------------------------------------------------------------ */

typedef struct gw_outq {
    gw_chunk_t **items; /* ring of held references */
    size_t head, count, cap;
    size_t inflight; /* items[head .. head+inflight) are being written */
    size_t unsent;   /* bytes queued, in-flight ones included */
} gw_outq_t;

/* Appends b (the queue takes a new reference). Returns false when out of
 * memory (nothing queued). */
bool gw_outq_push(gw_outq_t *q, gw_chunk_t *b);
/* Fills up to max iovecs from the items not yet in flight and marks them in
 * flight. Returns the count. */
size_t gw_outq_take(gw_outq_t *q, h2o_iovec_t *iov, size_t max);
/* The write in flight completed: drops those references. */
void gw_outq_done(gw_outq_t *q);
/* Drops every reference and the ring. */
void gw_outq_clear(gw_outq_t *q);

#endif
