/*
 * events_int.h — what the files of gateway/events share and nobody else sees:
 * the compiled-in schema texts and small helpers.
 */
#ifndef GW_EVENTS_INT_H
#define GW_EVENTS_INT_H

#include "events.h"

#include <stdarg.h>
#include <stdio.h>

/* One schema/avro/<name>.avsc file, embedded at build time (avsc_embed.c). */
typedef struct gw__avsc {
    const char *name; /* file name without .avsc = the record's short name */
    const char *text;
    size_t len;
} gw__avsc_t;

extern const gw__avsc_t gw__avsc[];
extern const size_t gw__avsc_count;

/* snprintf into err when err is non-NULL and errlen > 0. */
static inline void gw__err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline void gw__err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

#endif
