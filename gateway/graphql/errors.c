/*
 * errors.c — GraphQL errors as data: collected on the request (up to a
 * bound, like SQLite's Parse context collects them) and written as the
 * response's "errors" array.
 */
#include "gql.h"

#include <stdio.h>
#include <string.h>

void gql_errors_init(gql_errors_t *e, gql_arena_t *arena, size_t max)
{
    memset(e, 0, sizeof(*e));
    e->arena = arena;
    e->max = max ? max : 100;
}

/* Renders a path list (innermost last) as a JSON array into the arena. */
static const char *path_json(gql_arena_t *a, const gql_path_t *path)
{
    const gql_path_t *stack[256];
    size_t depth = 0;
    for (const gql_path_t *p = path; p != NULL && depth < 256; p = p->prev)
        stack[depth++] = p;
    gql_buf_t b = GQL_BUF_INIT;
    gql_buf_putc(&b, '[');
    for (size_t i = depth; i-- > 0;) {
        if (i + 1 != depth)
            gql_buf_putc(&b, ',');
        if (stack[i]->key != NULL)
            gql_buf_json_string(&b, stack[i]->key, strlen(stack[i]->key));
        else
            gql_buf_int(&b, (int64_t)stack[i]->index);
    }
    gql_buf_putc(&b, ']');
    const char *out = b.oom ? NULL : gql_arena_strndup(a, b.data, b.len);
    gql_buf_free(&b);
    return out;
}

gql_error_t *gql_errors_vadd(gql_errors_t *e, const char *code, const gql_path_t *path, const gql_loc_t *locs,
                             size_t nlocs, const char *fmt, va_list ap)
{
    if (e->count >= e->max) {
        e->dropped++;
        return NULL;
    }
    if (e->count == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 8;
        if (cap > e->max)
            cap = e->max;
        gql_error_t *items = gql_arena_alloc(e->arena, cap * sizeof(*items));
        if (items == NULL)
            return NULL;
        if (e->count)
            memcpy(items, e->items, e->count * sizeof(*items));
        e->items = items;
        e->cap = cap;
    }
    gql_error_t *err = &e->items[e->count];
    memset(err, 0, sizeof(*err));
    err->message = gql_arena_vprintf(e->arena, fmt, ap);
    if (err->message == NULL)
        return NULL;
    if (nlocs > 0) {
        gql_loc_t *l = gql_arena_alloc_raw(e->arena, nlocs * sizeof(*l));
        if (l == NULL)
            return NULL;
        memcpy(l, locs, nlocs * sizeof(*l));
        err->locations = l;
        err->nlocations = nlocs;
    }
    if (path != NULL)
        err->path_json = path_json(e->arena, path);
    err->code = code;
    e->count++;
    return err;
}

gql_error_t *gql_errors_add(gql_errors_t *e, const char *code, const gql_path_t *path, const gql_loc_t *locs,
                            size_t nlocs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gql_error_t *err = gql_errors_vadd(e, code, path, locs, nlocs, fmt, ap);
    va_end(ap);
    return err;
}

void gql_errors_write_json(const gql_errors_t *e, gql_buf_t *out)
{
    gql_buf_putc(out, '[');
    for (size_t i = 0; i < e->count; i++) {
        const gql_error_t *err = &e->items[i];
        if (i)
            gql_buf_putc(out, ',');
        gql_buf_puts(out, "{\"message\":");
        gql_buf_json_string(out, err->message, strlen(err->message));
        if (err->nlocations) {
            gql_buf_puts(out, ",\"locations\":[");
            for (size_t j = 0; j < err->nlocations; j++)
                gql_buf_printf(out, "%s{\"line\":%u,\"column\":%u}", j ? "," : "", err->locations[j].line,
                               err->locations[j].column);
            gql_buf_putc(out, ']');
        }
        if (err->path_json) {
            gql_buf_puts(out, ",\"path\":");
            gql_buf_puts(out, err->path_json);
        }
        if (err->code) {
            gql_buf_puts(out, ",\"extensions\":{\"code\":");
            gql_buf_json_string(out, err->code, strlen(err->code));
            gql_buf_putc(out, '}');
        }
        gql_buf_putc(out, '}');
    }
    if (e->dropped) {
        if (e->count)
            gql_buf_putc(out, ',');
        gql_buf_printf(out, "{\"message\":\"Too many errors: %zu more were not reported.\"}", e->dropped);
    }
    gql_buf_putc(out, ']');
}
