/*
 * suggest.c — "Did you mean ...?" as graphql-js writes it (jsutils/
 * suggestionList.js, didYouMean.js, naturalCompare.js): the one
 * implementation behind the suggestions of schema validation, document
 * validation and input coercion (see gql_int.h for the contracts).
 *
 * Memory: distances need three rows of ints; names up to 64 bytes use the
 * stack, longer ones malloc (and are not suggested if that fails). Lists of
 * options are sorted in place in the caller's array; the one-call
 * gql__suggest mallocs its list and frees it before returning.
 */
#include "gql_int.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SHOWN 5      /* graphql-js MAX_SUGGESTIONS */
#define STACK_COLUMNS 65 /* distances of names up to 64 bytes need no malloc */

static inline bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static inline int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

int gql__natural_compare(const char *a, const char *b)
{
    size_t ai = 0, bi = 0, al = strlen(a), bl = strlen(b);
    while (ai < al && bi < bl) {
        int ac = (unsigned char)a[ai], bc = (unsigned char)b[bi];
        if (is_digit(ac) && is_digit(bc)) {
            /* Numbers as JavaScript reads them (doubles), a run of leading
             * zeros ending the number as graphql-js's loop does. */
            double an = 0, bn = 0;
            do {
                ++ai;
                an = an * 10 + (ac - '0');
                ac = ai < al ? (unsigned char)a[ai] : -1;
            } while (is_digit(ac) && an > 0);
            do {
                ++bi;
                bn = bn * 10 + (bc - '0');
                bc = bi < bl ? (unsigned char)b[bi] : -1;
            } while (is_digit(bc) && bn > 0);
            if (an != bn)
                return an < bn ? -1 : 1;
        } else {
            if (ac != bc)
                return ac < bc ? -1 : 1;
            ++ai;
            ++bi;
        }
    }
    return al < bl ? -1 : al > bl ? 1 : 0;
}

int gql__lexical_distance(const char *input, const char *option, int threshold)
{
    if (strcmp(input, option) == 0)
        return 0;
    size_t il = strlen(input), ol = strlen(option);
    bool same_lower = il == ol;
    for (size_t i = 0; same_lower && i < il; i++)
        same_lower = lower((unsigned char)input[i]) == lower((unsigned char)option[i]);
    if (same_lower)
        return 1;
    /* a is the longer string, b the shorter: rows are as wide as b. */
    const unsigned char *a = (const unsigned char *)option, *b = (const unsigned char *)input;
    size_t alen = ol, blen = il;
    if (alen < blen) {
        a = (const unsigned char *)input;
        b = (const unsigned char *)option;
        alen = il;
        blen = ol;
    }
    if (alen - blen > (size_t)threshold)
        return -1;
    int stack_rows[3 * STACK_COLUMNS];
    int *rows = stack_rows;
    if (blen + 1 > STACK_COLUMNS) {
        rows = malloc(3 * (blen + 1) * sizeof(*rows));
        if (rows == NULL)
            return -1;
    }
    int *r[3] = {rows, rows + blen + 1, rows + 2 * (blen + 1)};
    for (size_t j = 0; j <= blen; j++)
        r[0][j] = (int)j;
    int d = -1;
    for (size_t i = 1; i <= alen; i++) {
        int *up = r[(i - 1) % 3], *cur = r[i % 3];
        int smallest = cur[0] = (int)i;
        int ca = lower(a[i - 1]);
        for (size_t j = 1; j <= blen; j++) {
            int cb = lower(b[j - 1]);
            int cell = up[j] + 1;
            if (cur[j - 1] + 1 < cell)
                cell = cur[j - 1] + 1;
            if (up[j - 1] + (ca == cb ? 0 : 1) < cell)
                cell = up[j - 1] + (ca == cb ? 0 : 1);
            if (i > 1 && j > 1 && ca == lower(b[j - 2]) && lower(a[i - 2]) == cb) {
                int dd = r[(i - 2) % 3][j - 2] + 1;
                if (dd < cell)
                    cell = dd;
            }
            if (cell < smallest)
                smallest = cell;
            cur[j] = cell;
        }
        if (smallest > threshold)
            goto done;
    }
    d = r[alen % 3][blen];
    if (d > threshold)
        d = -1;
done:
    if (rows != stack_rows)
        free(rows);
    return d;
}

size_t gql__suggestion_list(const char *input, const char *const *options, size_t n, const char **out)
{
    int threshold = (int)(strlen(input) * 4 / 10) + 1; /* Math.floor(input.length * 0.4) + 1 */
    int stack_dist[64];
    int *dist = n <= 64 ? stack_dist : malloc(n * sizeof(*dist));
    if (dist == NULL)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        /* graphql-js collects the options as an object's keys: each once. */
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++)
            dup = strcmp(out[j], options[i]) == 0;
        if (dup)
            continue;
        int d = gql__lexical_distance(input, options[i], threshold);
        if (d < 0)
            continue;
        /* Insertion in order: by distance, then naturally. */
        size_t p = k++;
        while (p > 0 && (dist[p - 1] > d || (dist[p - 1] == d && gql__natural_compare(out[p - 1], options[i]) > 0))) {
            out[p] = out[p - 1];
            dist[p] = dist[p - 1];
            p--;
        }
        out[p] = options[i];
        dist[p] = d;
    }
    if (dist != stack_dist)
        free(dist);
    return k;
}

void gql__did_you_mean(gql_buf_t *out, const char *sub, const char *const *items, size_t n)
{
    if (n == 0)
        return;
    if (n > MAX_SHOWN)
        n = MAX_SHOWN;
    gql_buf_puts(out, " Did you mean ");
    if (sub != NULL) {
        gql_buf_puts(out, sub);
        gql_buf_putc(out, ' ');
    }
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            gql_buf_puts(out, n == 2 ? " or " : (i + 1 == n ? ", or " : ", "));
        gql_buf_putc(out, '"');
        gql_buf_puts(out, items[i]);
        gql_buf_putc(out, '"');
    }
    gql_buf_putc(out, '?');
}

void gql__suggest(gql_buf_t *out, const char *sub, const char *input, const char *const *options, size_t n)
{
    const char *stack_list[64];
    const char **list = n <= 64 ? stack_list : malloc(n * sizeof(*list));
    if (list == NULL)
        return;
    size_t k = gql__suggestion_list(input, options, n, list);
    gql__did_you_mean(out, sub, list, k);
    if (list != stack_list)
        free(list);
}
