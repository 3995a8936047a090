/*
 * exec_int.h — what exec.c and pending.c share: the per-loop execution
 * state. Not for other layers (they go through exec.h and pending.h).
 */
#ifndef GW_EXEC_INT_H
#define GW_EXEC_INT_H

#include "exec.h"

struct gw_exec_run;

/* One loop's state; its loop is the only writer. */
struct gw_exec_loop {
    gw_exec_t *exec;
    gw_thread_t *thread;
    gql_doc_cache_t *docs;                  /* parsed and validated documents (NULL once the loop ended) */
    size_t arena_bytes;                     /* every arena of this loop adds its blocks here */
    struct gw_exec_run *running;            /* the execution inside gql_execute/gql_resume now (pending.c), or NULL */
    _Atomic uint64_t published_arena_bytes; /* copies for /metrics (gw_exec_publish) */
    _Atomic uint64_t published_docs;
    _Atomic uint64_t published_doc_bytes;
};

#endif
