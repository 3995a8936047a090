/*
 * trace_int.h — what trace.c (contexts, spans, encoding) and trace_export.c
 * (the tracer: queue and exporter thread) share.
 */
#ifndef GW_TRACE_INT_H
#define GW_TRACE_INT_H

#include "trace.h"

/* The tracer's configuration (for the sampler). */
const gw_tracer_conf_t *gw__tracer_conf(const gw_tracer_t *t);

/* Copies an ended span into the queue, or counts it dropped when full. */
void gw__tracer_push(gw_tracer_t *t, const gw_span_t *s);

/* The sampler's decision for a span of trace_id under parent (NULL: a root). */
bool gw__trace_sample(const gw_tracer_conf_t *c, const gw_trace_ctx_t *parent, const uint8_t trace_id[16]);

#endif
