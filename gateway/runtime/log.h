/*
 * log.h — structured logs: one JSON object per line on stderr.
 *
 * A line is built field by field into a gql_buf_t and written with one
 * write(2), so lines from several threads never interleave. Callers must
 * never log secrets: no passwords, tokens, Authorization headers or GraphQL
 * variable values — log names, sizes and codes instead.
 *
 *     gw_log_line_t l;
 *     if (gw_log_begin(&l, log, GW_LOG_INFO, "listening")) {
 *         gw_log_int(&l, "port", port);
 *         gw_log_end(&l);
 *     }
 */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "gql.h"

typedef enum gw_log_level {
    GW_LOG_DEBUG = 0,
    GW_LOG_INFO,
    GW_LOG_WARN,
    GW_LOG_ERROR,
} gw_log_level_t;

/* Where and how much to log. Immutable once the server runs; shared by all
 * threads. `fd` is normally 2 (stderr). */
typedef struct gw_log {
    gw_log_level_t level;
    int fd;
} gw_log_t;

/* One line under construction; lives on the caller's stack. */
typedef struct gw_log_line {
    const gw_log_t *log;
    gql_buf_t buf;
} gw_log_line_t;

/* "debug"/"info"/"warn"/"error" -> level; returns -1 for anything else. */
int gw_log_level_parse(const char *name);
const char *gw_log_level_name(gw_log_level_t level);

/* Starts a line with time, level and event ("msg"). Returns false (and
 * writes nothing) when `level` is below the configured level; then do not
 * call the field functions or gw_log_end. */
bool gw_log_begin(gw_log_line_t *l, const gw_log_t *log, gw_log_level_t level, const char *event);
void gw_log_str(gw_log_line_t *l, const char *key, const char *value);
void gw_log_strn(gw_log_line_t *l, const char *key, const char *value, size_t len);
void gw_log_int(gw_log_line_t *l, const char *key, int64_t value);
void gw_log_double(gw_log_line_t *l, const char *key, double value);
/* Closes the object, writes the line and frees the buffer. */
void gw_log_end(gw_log_line_t *l);

/* A line with only an event and an optional "detail" string. */
void gw_log_msg(const gw_log_t *log, gw_log_level_t level, const char *event, const char *detail);

#endif
