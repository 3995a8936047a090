/*
 * money.c — amounts in cents shown as the original bank showed them, and the
 * DEBIT/CREDIT direction of a change.
 *
 * The Clojure bank printed money with a Dutch number format: the euro sign,
 * a minus sign for negative balances, '.' between groups of three digits and
 * ',' before exactly two decimals: "€1.234,56", "€-12,00", "€0,00". The
 * parser reads back that form and nothing else.
 */
#include "store.h"

#include <string.h>

/* Write the decimal form of `mag` cents (a magnitude, so INT64_MIN works)
 * with `negative` deciding the sign. Builds the text backwards in a local
 * buffer, then copies what fits. */
static size_t format_mag(char *buf, size_t cap, uint64_t mag, bool negative)
{
    char tmp[GW_MONEY_MAX];
    char *end = tmp + sizeof(tmp);
    char *p = end;
    uint64_t whole = mag / 100, frac = mag % 100;
    *--p = (char)('0' + frac % 10);
    *--p = (char)('0' + frac / 10);
    *--p = ',';
    int digits = 0;
    do {
        if (digits > 0 && digits % 3 == 0)
            *--p = '.';
        *--p = (char)('0' + whole % 10);
        whole /= 10;
        digits++;
    } while (whole > 0);
    if (negative)
        *--p = '-';
    static const char euro[] = "\xE2\x82\xAC"; /* U+20AC in UTF-8 */
    p -= 3;
    memcpy(p, euro, 3);
    size_t len = (size_t)(end - p);
    if (cap > 0) {
        size_t n = len < cap - 1 ? len : cap - 1;
        memcpy(buf, p, n);
        buf[n] = '\0';
    }
    return len;
}

static uint64_t magnitude(int64_t v)
{
    /* Negate in unsigned arithmetic: -(uint64_t)INT64_MIN is 2^63, exactly. */
    return v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
}

size_t gw_money_format(char *buf, size_t cap, int64_t cents)
{
    return format_mag(buf, cap, magnitude(cents), cents < 0);
}

size_t gw_money_format_abs(char *buf, size_t cap, int64_t cents)
{
    return format_mag(buf, cap, magnitude(cents), false);
}

int gw_money_parse(const char *s, size_t len, int64_t *cents)
{
    static const char euro[] = "\xE2\x82\xAC";
    if (len < 3 + 4 || memcmp(s, euro, 3) != 0)
        return GW_STORE_EINVAL;
    size_t i = 3;
    bool negative = s[i] == '-';
    if (negative)
        i++;
    /* s[i..len-3) is the whole part, s[len-3..len) ",dd" */
    size_t end = len - 3;
    if (end <= i || s[end] != ',' || s[end + 1] < '0' || s[end + 1] > '9' || s[end + 2] < '0' || s[end + 2] > '9')
        return GW_STORE_EINVAL;
    if (s[i] == '0' && end - i > 1)
        return GW_STORE_EINVAL; /* a leading zero */
    uint64_t whole = 0;
    size_t group = 0; /* digits since the last '.' (or the start) */
    bool dotted = false;
    for (; i < end; i++) {
        if (s[i] == '.') {
            if (group == 0 || group > 3 || (dotted && group != 3))
                return GW_STORE_EINVAL;
            dotted = true;
            group = 0;
            continue;
        }
        if (s[i] < '0' || s[i] > '9' || whole > (UINT64_MAX - 9) / 10)
            return GW_STORE_EINVAL;
        whole = whole * 10 + (uint64_t)(s[i] - '0');
        group++;
    }
    if (group == 0 || group > 3 || (dotted && group != 3))
        return GW_STORE_EINVAL;
    uint64_t frac = (uint64_t)(s[end + 1] - '0') * 10 + (uint64_t)(s[end + 2] - '0');
    if (whole > (UINT64_MAX - frac) / 100)
        return GW_STORE_EINVAL;
    uint64_t mag = whole * 100 + frac;
    if (negative ? mag == 0 || mag > (uint64_t)INT64_MAX + 1 : mag > (uint64_t)INT64_MAX)
        return GW_STORE_EINVAL;
    *cents = negative ? (int64_t)(0 - mag) : (int64_t)mag;
    return GW_STORE_OK;
}

gw_direction_t gw_direction_of(int64_t changed_by)
{
    return changed_by < 0 ? GW_DIR_DEBIT : GW_DIR_CREDIT;
}

const char *gw_direction_name(gw_direction_t d)
{
    switch (d) {
    case GW_DIR_DEBIT:
        return "DEBIT";
    case GW_DIR_CREDIT:
        return "CREDIT";
    default:
        return "ANY";
    }
}
