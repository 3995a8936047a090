/*
 * buf.c — growable output buffers and the JSON writers the engine shares
 * (strings with RFC 8259 escaping, integers, doubles as JavaScript prints
 * them). Responses are written straight into these; nothing builds a tree.
 */
#include "gql_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gql_buf_free(gql_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

bool gql_buf_reserve(gql_buf_t *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (p == NULL) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void gql_buf_append(gql_buf_t *b, const void *p, size_t n)
{
    if (n == 0 || !gql_buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void gql_buf_puts(gql_buf_t *b, const char *s)
{
    gql_buf_append(b, s, strlen(s));
}

void gql_buf_printf(gql_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        va_end(ap);
        return;
    }
    if ((size_t)n < sizeof(tmp)) {
        gql_buf_append(b, tmp, (size_t)n);
    } else if (gql_buf_reserve(b, (size_t)n)) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        b->len += (size_t)n;
    }
    va_end(ap);
}

const char *gql_buf_cstr(gql_buf_t *b)
{
    if (!gql_buf_reserve(b, 0))
        return "";
    b->data[b->len] = '\0';
    return b->data;
}

void gql_buf_json_string(gql_buf_t *b, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    if (!gql_buf_reserve(b, n + 2))
        return;
    b->data[b->len++] = '"';
    size_t run = 0; /* start of a run of bytes copied as they are */
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t vl = c >= 0x80 ? (size_t)gql__utf8_decode(s + i, n - i, &cp) : 0;
        if (vl > 0) {
            i += vl;
            continue;
        }
        gql_buf_append(b, s + run, i - run);
        char esc[8];
        size_t el = 2;
        esc[0] = '\\';
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            if (c < 0x20) {
                esc[1] = 'u';
                esc[2] = '0';
                esc[3] = '0';
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                el = 6;
            } else { /* invalid UTF-8 byte: U+FFFD */
                memcpy(esc, "\xEF\xBF\xBD", 3);
                el = 3;
            }
        }
        gql_buf_append(b, esc, el);
        i++;
        run = i;
    }
    gql_buf_append(b, s + run, n - run);
    gql_buf_putc(b, '"');
}

void gql_buf_int(gql_buf_t *b, int64_t v)
{
    char tmp[24];
    char *p = tmp + sizeof(tmp);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    gql_buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void gql_buf_double(gql_buf_t *b, double v)
{
    if (!isfinite(v)) {
        gql_buf_puts(b, "null");
        return;
    }
    if (v == 0) {
        gql_buf_putc(b, '0');
        return;
    }
    /* Integers below 2^53 print exactly, as JavaScript prints them. Larger
     * ones take the shortest-digits path below (JavaScript writes 2^63 as
     * 9223372036854776000), and the range test comes first because
     * converting a double outside int64's range is undefined behaviour. */
    if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v) {
        gql_buf_int(b, (int64_t)v);
        return;
    }
    /* Shortest precision that reads back exactly, then JavaScript's layout:
     * plain decimals for 1e-6 <= |v| < 1e21, else d.ddde+N. */
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    char *e = strchr(tmp, 'e');
    int exp = atoi(e + 1);
    *e = '\0';
    char digits[24];
    size_t nd = 0;
    bool neg = tmp[0] == '-';
    for (const char *p = tmp + neg; *p; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    if (neg)
        gql_buf_putc(b, '-');
    if (exp >= -6 && exp < 21) {
        if (exp < 0) {
            gql_buf_puts(b, "0.");
            for (int i = -1; i > exp; i--)
                gql_buf_putc(b, '0');
            gql_buf_append(b, digits, nd);
        } else if ((size_t)exp + 1 >= nd) {
            gql_buf_append(b, digits, nd);
            for (size_t i = nd; i < (size_t)exp + 1; i++)
                gql_buf_putc(b, '0');
        } else {
            gql_buf_append(b, digits, (size_t)exp + 1);
            gql_buf_putc(b, '.');
            gql_buf_append(b, digits + exp + 1, nd - (size_t)exp - 1);
        }
    } else {
        gql_buf_putc(b, digits[0]);
        if (nd > 1) {
            gql_buf_putc(b, '.');
            gql_buf_append(b, digits + 1, nd - 1);
        }
        gql_buf_printf(b, "e%c%d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
}
