/*
 * json.c — JSON input for the engine: a strict RFC 8259 reader that turns
 * request variables (and anything else a transport hands over as text) into
 * untyped gql_iv_t values in an arena, the writer that prints them back, and
 * the two lookups resolvers use (gql_iv_get, gql_arg).
 *
 * The reader is recursive descent with an explicit depth bound, so hostile
 * input cannot exhaust the stack. Errors name the offending token with a
 * 1-based line and column (columns count code points, like the GraphQL
 * lexer). Integers that fit in int64 stay exact; every other number becomes
 * a double, as JavaScript would read it.
 */
#include "gql_int.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define JSON_MAX_DEPTH 512

typedef struct json_reader {
    gql_arena_t *arena;
    const unsigned char *p; /* next byte */
    const unsigned char *start;
    const unsigned char *end;
    char *err; /* caller's message buffer */
    size_t errlen;
    bool failed;
    bool oom;
    size_t max_values; /* 0: no bound */
    size_t values;     /* read so far */
} json_reader_t;

/* Line and column (code points, 1-based) of byte position `at`. */
static void position(const json_reader_t *r, const unsigned char *at, unsigned *line, unsigned *col)
{
    unsigned l = 1, c = 1;
    for (const unsigned char *q = r->start; q < at; q++) {
        if (*q == '\n') {
            l++;
            c = 1;
        } else if ((*q & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

/* Records the first error: "<what> at line L column C". Returns -1. */
static int fail_at(json_reader_t *r, const unsigned char *at, const char *what)
{
    if (r->failed)
        return -1;
    r->failed = true;
    unsigned line, col;
    position(r, at, &line, &col);
    if (r->err != NULL && r->errlen > 0)
        snprintf(r->err, r->errlen, "%s at line %u column %u", what, line, col);
    return -1;
}

/* "Unexpected token X" for the byte at `at`, or "Unexpected end of input". */
static int unexpected(json_reader_t *r, const unsigned char *at)
{
    if (at >= r->end)
        return fail_at(r, at, "Unexpected end of input");
    char what[48];
    unsigned c = *at;
    if (c >= 0x21 && c < 0x7F)
        snprintf(what, sizeof(what), "Unexpected token %c", (char)c);
    else
        snprintf(what, sizeof(what), "Unexpected byte 0x%02X", c);
    return fail_at(r, at, what);
}

static int no_memory(json_reader_t *r)
{
    r->oom = true;
    return fail_at(r, r->p, "Out of memory");
}

static void skip_ws(json_reader_t *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

/* The value of four hex digits at p, or -1. */
static int hex4(const unsigned char *p, unsigned *out)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int d = gql__hex_value(p[i]);
        if (d < 0)
            return -1;
        v = (v << 4) | d;
    }
    *out = (unsigned)v;
    return 0;
}

/* Reads a string starting at the opening quote. The decoded text is never
 * longer than the source, so one allocation of the source span suffices. */
static int read_string(json_reader_t *r, const char **out, size_t *outlen)
{
    const unsigned char *q = ++r->p; /* after the quote */
    /* Find the closing quote first (fast path: no escapes). */
    bool escapes = false;
    while (q < r->end && *q != '"') {
        if (*q == '\\') {
            escapes = true;
            q++;
        }
        q++;
    }
    if (q >= r->end)
        return fail_at(r, r->end, "Unterminated string");
    size_t span = (size_t)(q - r->p);
    char *buf = gql_arena_alloc_raw(r->arena, span + 1);
    if (buf == NULL)
        return no_memory(r);
    size_t n = 0;
    const unsigned char *s = r->p;
    while (s < q) {
        unsigned c = *s;
        if (c < 0x20)
            return fail_at(r, s, "Bad control character in string");
        if (c == '\\' && escapes) {
            unsigned e = s[1];
            switch (e) {
            case '"':
                buf[n++] = '"';
                s += 2;
                continue;
            case '\\':
                buf[n++] = '\\';
                s += 2;
                continue;
            case '/':
                buf[n++] = '/';
                s += 2;
                continue;
            case 'b':
                buf[n++] = '\b';
                s += 2;
                continue;
            case 'f':
                buf[n++] = '\f';
                s += 2;
                continue;
            case 'n':
                buf[n++] = '\n';
                s += 2;
                continue;
            case 'r':
                buf[n++] = '\r';
                s += 2;
                continue;
            case 't':
                buf[n++] = '\t';
                s += 2;
                continue;
            case 'u': {
                unsigned cp;
                if (q - s < 6 || hex4(s + 2, &cp) != 0)
                    return fail_at(r, s, "Bad Unicode escape in string");
                s += 6;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    unsigned lo;
                    if (q - s >= 6 && s[0] == '\\' && s[1] == 'u' && hex4(s + 2, &lo) == 0 && lo >= 0xDC00 &&
                        lo <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        s += 6;
                    } else {
                        cp = 0xFFFD; /* lone high surrogate: not representable in UTF-8 */
                    }
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    cp = 0xFFFD; /* lone low surrogate */
                }
                /* \uXXXX is 6 source bytes, at most 4 output bytes: fits. */
                n += gql__utf8_encode(cp, buf + n);
                continue;
            }
            default:
                return fail_at(r, s, "Bad escaped character in string");
            }
        }
        if (c >= 0x80) {
            uint32_t cp;
            size_t l = (size_t)gql__utf8_decode(s, (size_t)(q - s), &cp);
            if (l == 0)
                return fail_at(r, s, "Invalid UTF-8 in string");
            memcpy(buf + n, s, l);
            n += l;
            s += l;
            continue;
        }
        buf[n++] = (char)c;
        s++;
    }
    buf[n] = '\0';
    *out = buf;
    *outlen = n;
    r->p = q + 1;
    return 0;
}

static int read_number(json_reader_t *r, gql_iv_t *out)
{
    const unsigned char *s = r->p, *q = s;
    bool is_int = true;
    if (q < r->end && *q == '-')
        q++;
    if (q >= r->end || *q < '0' || *q > '9')
        return unexpected(r, q);
    if (*q == '0') {
        q++;
    } else {
        while (q < r->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < r->end && *q == '.') {
        is_int = false;
        q++;
        if (q >= r->end || *q < '0' || *q > '9')
            return unexpected(r, q);
        while (q < r->end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < r->end && (*q == 'e' || *q == 'E')) {
        is_int = false;
        q++;
        if (q < r->end && (*q == '+' || *q == '-'))
            q++;
        if (q >= r->end || *q < '0' || *q > '9')
            return unexpected(r, q);
        while (q < r->end && *q >= '0' && *q <= '9')
            q++;
    }
    size_t n = (size_t)(q - s);
    char tmp[64];
    char *text = tmp;
    if (n >= sizeof(tmp)) {
        text = gql_arena_strndup(r->arena, (const char *)s, n);
        if (text == NULL)
            return no_memory(r);
    } else {
        memcpy(tmp, s, n);
        tmp[n] = '\0';
    }
    if (is_int) {
        errno = 0;
        long long v = strtoll(text, NULL, 10);
        if (errno == 0) {
            out->kind = GQL_IV_INT;
            out->u.i = v;
            r->p = q;
            return 0;
        }
    }
    out->kind = GQL_IV_FLOAT;
    out->u.f = strtod(text, NULL); /* overflow gives +-HUGE_VAL, as JavaScript gives Infinity */
    r->p = q;
    return 0;
}

static bool match_word(json_reader_t *r, const char *w, size_t n)
{
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
        return false;
    r->p += n;
    return true;
}

static int read_value(json_reader_t *r, gql_iv_t *out, int depth);

static int read_array(json_reader_t *r, gql_iv_t *out, int depth)
{
    r->p++; /* [ */
    gql_iv_t *items = NULL;
    size_t count = 0, cap = 0;
    skip_ws(r);
    if (r->p < r->end && *r->p == ']') {
        r->p++;
        out->kind = GQL_IV_LIST;
        return 0;
    }
    for (;;) {
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            gql_iv_t *n = gql_arena_alloc_raw(r->arena, ncap * sizeof(*n));
            if (n == NULL)
                return no_memory(r);
            if (count)
                memcpy(n, items, count * sizeof(*n));
            items = n;
            cap = ncap;
        }
        skip_ws(r);
        if (read_value(r, &items[count], depth + 1) != 0)
            return -1;
        count++;
        skip_ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == ']') {
            r->p++;
            break;
        }
        return unexpected(r, r->p);
    }
    out->kind = GQL_IV_LIST;
    out->u.list.items = items;
    out->u.list.count = count;
    return 0;
}

/* Keys of one object being read: a plain scan finds a repeated key while
 * the object is small; beyond KEY_SCAN keys an open-addressing index
 * (slot = position + 1, 0 empty) keeps the whole read linear in the input
 * (a body of 100,000 distinct keys would otherwise cost 5e9 comparisons).
 *
 * The keys are the client's, so the hash is keyed with a random seed drawn
 * once per process: with a fixed hash (FNV-1a, as this was) a client can
 * compute offline keys whose slots fall in one small window of the table,
 * and linear probing then walks that whole cluster for every key — the
 * same 5e9 comparisons. With the seed unknown, no set of keys is worse
 * than random ones. (Not SipHash: a client would have to learn the seed
 * from timings first; see docs/security.md.) */
#define KEY_SCAN 8

typedef struct key_index {
    uint32_t *slots;
    size_t mask; /* capacity - 1 (a power of two) */
} key_index_t;

/* The process's hash seed, drawn on first use (getrandom; the clock and an
 * address when that fails). Never 0. */
static uint64_t hash_seed(void)
{
    static _Atomic uint64_t seed;
    uint64_t s = atomic_load_explicit(&seed, memory_order_relaxed);
    if (s != 0)
        return s;
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        v = ((uint64_t)ts.tv_nsec << 32) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&seed;
    }
    v |= 1;
    uint64_t expected = 0;
    atomic_compare_exchange_strong_explicit(&seed, &expected, v, memory_order_relaxed, memory_order_relaxed);
    return atomic_load_explicit(&seed, memory_order_relaxed);
}

/* A seeded hash of a key, eight bytes at a time, with a final avalanche so
 * that the low bits (the slot) depend on every byte and on the seed. */
static uint64_t key_hash(const char *k, uint64_t seed)
{
    const uint64_t m = 0x9E3779B97F4A7C15ull;
    size_t n = strlen(k);
    uint64_t h = seed ^ (n * m);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, k + i, 8);
        h = (h ^ w) * m;
        h ^= h >> 29;
    }
    uint64_t w = 0;
    memcpy(&w, k + i, n - i);
    h = (h ^ w ^ seed) * m;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}

/* The slot of `key` in the index: where it is, or the empty slot it goes
 * to. Keys compare as strcmp does, like gql_iv_get. */
static uint32_t *key_slot(const key_index_t *ix, const char **keys, const char *key)
{
    size_t i = key_hash(key, hash_seed()) & ix->mask;
    while (ix->slots[i] != 0 && strcmp(keys[ix->slots[i] - 1], key) != 0)
        i = (i + 1) & ix->mask;
    return &ix->slots[i];
}

/* (Re)builds the index for keys[0..count) with room for twice as many.
 * Returns false when out of memory. */
static bool key_index_build(json_reader_t *r, key_index_t *ix, const char **keys, size_t count)
{
    size_t cap = 32;
    while (cap < 4 * count)
        cap *= 2;
    uint32_t *slots = gql_arena_alloc(r->arena, cap * sizeof *slots); /* zeroed */
    if (slots == NULL)
        return false;
    *ix = (key_index_t){slots, cap - 1};
    for (size_t i = 0; i < count; i++)
        *key_slot(ix, keys, keys[i]) = (uint32_t)(i + 1);
    return true;
}

static int read_object(json_reader_t *r, gql_iv_t *out, int depth)
{
    r->p++; /* { */
    const char **keys = NULL;
    gql_iv_t *values = NULL;
    size_t count = 0, cap = 0;
    key_index_t ix = {NULL, 0};
    skip_ws(r);
    out->kind = GQL_IV_OBJECT;
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        return 0;
    }
    for (;;) {
        skip_ws(r);
        if (r->p >= r->end || *r->p != '"')
            return unexpected(r, r->p);
        const char *key;
        size_t keylen;
        if (read_string(r, &key, &keylen) != 0)
            return -1;
        skip_ws(r);
        if (r->p >= r->end || *r->p != ':')
            return unexpected(r, r->p);
        r->p++;
        skip_ws(r);
        /* A repeated key keeps its first position and takes the last value,
         * as JSON.parse does. */
        size_t slot = count;
        uint32_t *ixslot = NULL;
        if (ix.slots != NULL) {
            ixslot = key_slot(&ix, keys, key);
            if (*ixslot != 0)
                slot = *ixslot - 1;
        } else {
            for (size_t i = 0; i < count; i++) {
                if (strcmp(keys[i], key) == 0) {
                    slot = i;
                    break;
                }
            }
        }
        if (slot == count && count == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            const char **nk = gql_arena_alloc_raw(r->arena, ncap * sizeof(*nk));
            gql_iv_t *nv = gql_arena_alloc_raw(r->arena, ncap * sizeof(*nv));
            if (nk == NULL || nv == NULL)
                return no_memory(r);
            if (count) {
                memcpy(nk, keys, count * sizeof(*nk));
                memcpy(nv, values, count * sizeof(*nv));
            }
            keys = nk;
            values = nv;
            cap = ncap;
        }
        if (read_value(r, &values[slot], depth + 1) != 0)
            return -1;
        if (slot == count) {
            keys[count++] = key;
            if (ixslot != NULL && 4 * count <= ix.mask + 1)
                *ixslot = (uint32_t)count; /* the empty slot found above (nested objects have their own index) */
            else if (count > KEY_SCAN && !key_index_build(r, &ix, keys, count))
                return no_memory(r);
        }
        skip_ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == '}') {
            r->p++;
            break;
        }
        return unexpected(r, r->p);
    }
    out->u.obj.keys = keys;
    out->u.obj.values = values;
    out->u.obj.count = count;
    return 0;
}

bool gql_utf8_valid(const char *s, size_t n)
{
    if (n == 0)
        return true; /* s may be NULL then (an empty fragmented WebSocket message) */
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    uint32_t cp;
    while (p < end) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        int k = gql__utf8_decode(p, (size_t)(end - p), &cp);
        if (k == 0)
            return false;
        p += k;
    }
    return true;
}

static int read_value(json_reader_t *r, gql_iv_t *out, int depth)
{
    memset(out, 0, sizeof(*out));
    if (r->p >= r->end)
        return unexpected(r, r->p);
    if (r->max_values != 0 && ++r->values > r->max_values) {
        char msg[96];
        snprintf(msg, sizeof msg, "Too many values: more than %zu in one JSON document", r->max_values);
        return fail_at(r, r->p, msg);
    }
    switch (*r->p) {
    case '{':
        if (depth >= JSON_MAX_DEPTH)
            return fail_at(r, r->p, "Nesting too deep");
        return read_object(r, out, depth);
    case '[':
        if (depth >= JSON_MAX_DEPTH)
            return fail_at(r, r->p, "Nesting too deep");
        return read_array(r, out, depth);
    case '"':
        out->kind = GQL_IV_STRING;
        return read_string(r, &out->u.s.ptr, &out->u.s.len);
    case 't':
        if (!match_word(r, "true", 4))
            return unexpected(r, r->p);
        out->kind = GQL_IV_BOOLEAN;
        out->u.b = true;
        return 0;
    case 'f':
        if (!match_word(r, "false", 5))
            return unexpected(r, r->p);
        out->kind = GQL_IV_BOOLEAN;
        out->u.b = false;
        return 0;
    case 'n':
        if (!match_word(r, "null", 4))
            return unexpected(r, r->p);
        out->kind = GQL_IV_NULL;
        return 0;
    default:
        if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
            return read_number(r, out);
        return unexpected(r, r->p);
    }
}

int gql_json_parse(gql_arena_t *arena, const char *text, size_t len, gql_iv_t *out, char *err, size_t errlen)
{
    return gql_json_parse_bounded(arena, text, len, 0, out, err, errlen);
}

int gql_json_parse_bounded(gql_arena_t *arena, const char *text, size_t len, size_t max_values, gql_iv_t *out,
                           char *err, size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (arena == NULL || out == NULL || (text == NULL && len > 0))
        return GQL_EINVAL;
    if (text == NULL)
        text = ""; /* NULL + 0 is undefined behaviour in C */
    json_reader_t r = {arena,
                       (const unsigned char *)text,
                       (const unsigned char *)text,
                       (const unsigned char *)text + len,
                       err,
                       errlen,
                       false,
                       false,
                       max_values,
                       0};
    memset(out, 0, sizeof(*out));
    skip_ws(&r);
    if (read_value(&r, out, 0) != 0)
        goto failed;
    skip_ws(&r);
    if (r.p != r.end) {
        unexpected(&r, r.p);
        goto failed;
    }
    return 0;
failed:
    memset(out, 0, sizeof(*out));
    return r.oom ? GQL_ENOMEM : GQL_EFAIL;
}

void gql_iv_write_json(const gql_iv_t *v, gql_buf_t *out)
{
    switch (v->kind) {
    case GQL_IV_NULL:
        gql_buf_append(out, "null", 4);
        break;
    case GQL_IV_INT:
        gql_buf_int(out, v->u.i);
        break;
    case GQL_IV_FLOAT:
        gql_buf_double(out, v->u.f);
        break;
    case GQL_IV_STRING:
    case GQL_IV_ENUM:
        gql_buf_json_string(out, v->u.s.ptr, v->u.s.len);
        break;
    case GQL_IV_BOOLEAN:
        if (v->u.b)
            gql_buf_append(out, "true", 4);
        else
            gql_buf_append(out, "false", 5);
        break;
    case GQL_IV_LIST:
        gql_buf_putc(out, '[');
        for (size_t i = 0; i < v->u.list.count; i++) {
            if (i)
                gql_buf_putc(out, ',');
            gql_iv_write_json(&v->u.list.items[i], out);
        }
        gql_buf_putc(out, ']');
        break;
    case GQL_IV_OBJECT:
        gql_buf_putc(out, '{');
        for (size_t i = 0; i < v->u.obj.count; i++) {
            if (i)
                gql_buf_putc(out, ',');
            gql_buf_json_string(out, v->u.obj.keys[i], strlen(v->u.obj.keys[i]));
            gql_buf_putc(out, ':');
            gql_iv_write_json(&v->u.obj.values[i], out);
        }
        gql_buf_putc(out, '}');
        break;
    }
}

const gql_iv_t *gql_iv_get(const gql_iv_t *obj, const char *key)
{
    if (obj == NULL || key == NULL || obj->kind != GQL_IV_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->u.obj.count; i++)
        if (strcmp(obj->u.obj.keys[i], key) == 0)
            return &obj->u.obj.values[i];
    return NULL;
}

int gql__iv_index(gql_arena_t *a, const gql_iv_t *obj, gql__iv_index_t *out)
{
    *out = (gql__iv_index_t){obj, NULL, 0};
    if (obj == NULL || obj->kind != GQL_IV_OBJECT || obj->u.obj.count <= KEY_SCAN)
        return 0;
    key_index_t ix;
    json_reader_t r = {.arena = a};
    if (!key_index_build(&r, &ix, obj->u.obj.keys, obj->u.obj.count))
        return GQL_ENOMEM;
    out->slots = ix.slots;
    out->mask = ix.mask;
    return 0;
}

const gql_iv_t *gql__iv_index_get(const gql__iv_index_t *ix, const char *key)
{
    if (ix->slots == NULL)
        return gql_iv_get(ix->obj, key);
    key_index_t k = {ix->slots, ix->mask};
    uint32_t slot = *key_slot(&k, ix->obj->u.obj.keys, key);
    return slot != 0 ? &ix->obj->u.obj.values[slot - 1] : NULL;
}

const gql_iv_t *gql_arg(const gql_args_t *args, const char *name)
{
    if (args == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < args->count; i++)
        if (strcmp(args->names[i], name) == 0)
            return &args->values[i];
    return NULL;
}
