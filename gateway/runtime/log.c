/*
 * log.c — JSON-lines logging on a file descriptor (see log.h).
 */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *const LEVEL_NAMES[] = {"debug", "info", "warn", "error"};

int gw_log_level_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, LEVEL_NAMES[i]) == 0)
            return i;
    return -1;
}

const char *gw_log_level_name(gw_log_level_t level)
{
    return (unsigned)level < 4 ? LEVEL_NAMES[level] : "info";
}

bool gw_log_begin(gw_log_line_t *l, const gw_log_t *log, gw_log_level_t level, const char *event)
{
    if (log == NULL || level < log->level)
        return false;
    l->log = log;
    l->buf = (gql_buf_t)GQL_BUF_INIT;

    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[40];
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%03dZ", (int)(tv.tv_usec / 1000));

    gql_buf_puts(&l->buf, "{\"time\":\"");
    gql_buf_puts(&l->buf, ts);
    gql_buf_puts(&l->buf, "\",\"level\":\"");
    gql_buf_puts(&l->buf, gw_log_level_name(level));
    gql_buf_puts(&l->buf, "\",\"msg\":");
    gql_buf_json_string(&l->buf, event, strlen(event));
    return true;
}

static void key(gw_log_line_t *l, const char *k)
{
    gql_buf_putc(&l->buf, ',');
    gql_buf_json_string(&l->buf, k, strlen(k));
    gql_buf_putc(&l->buf, ':');
}

void gw_log_str(gw_log_line_t *l, const char *k, const char *value)
{
    key(l, k);
    if (value == NULL)
        gql_buf_puts(&l->buf, "null");
    else
        gql_buf_json_string(&l->buf, value, strlen(value));
}

void gw_log_strn(gw_log_line_t *l, const char *k, const char *value, size_t len)
{
    key(l, k);
    gql_buf_json_string(&l->buf, value, len);
}

void gw_log_int(gw_log_line_t *l, const char *k, int64_t value)
{
    key(l, k);
    gql_buf_int(&l->buf, value);
}

void gw_log_double(gw_log_line_t *l, const char *k, double value)
{
    key(l, k);
    gql_buf_double(&l->buf, value);
}

void gw_log_end(gw_log_line_t *l)
{
    gql_buf_puts(&l->buf, "}\n");
    if (!l->buf.oom) {
        const char *p = l->buf.data;
        size_t left = l->buf.len;
        while (left > 0) {
            ssize_t w = write(l->log->fd, p, left);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                break; /* nowhere left to report a logging failure */
            }
            p += w;
            left -= (size_t)w;
        }
    }
    gql_buf_free(&l->buf);
}

void gw_log_msg(const gw_log_t *log, gw_log_level_t level, const char *event, const char *detail)
{
    gw_log_line_t l;
    if (!gw_log_begin(&l, log, level, event))
        return;
    if (detail != NULL)
        gw_log_str(&l, "detail", detail);
    gw_log_end(&l);
}
