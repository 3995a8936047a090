/* Unit tests of money.c: the Dutch euro format of the original bank, and
 * the DEBIT/CREDIT direction of a change. */
#include "store.h"
#include "test.h"

#include <stdint.h>

static const char *fmt(char *buf, int64_t cents)
{
    gw_money_format(buf, GW_MONEY_MAX, cents);
    return buf;
}

static const char *fmt_abs(char *buf, int64_t cents)
{
    gw_money_format_abs(buf, GW_MONEY_MAX, cents);
    return buf;
}

TEST(table)
{
    static const struct {
        int64_t cents;
        const char *text;
    } rows[] = {
        {0, "€0,00"},
        {1, "€0,01"},
        {-1, "€-0,01"},
        {9, "€0,09"},
        {10, "€0,10"},
        {99, "€0,99"},
        {-99, "€-0,99"},
        {100, "€1,00"},
        {101, "€1,01"},
        {-1200, "€-12,00"},
        {99999, "€999,99"},
        {100000, "€1.000,00"},
        {123456, "€1.234,56"},
        {-123456, "€-1.234,56"},
        {1234567, "€12.345,67"},
        {12345678, "€123.456,78"},
        {99999999, "€999.999,99"},
        {100000000, "€1.000.000,00"},
        {-100000000, "€-1.000.000,00"},
        {100000001, "€1.000.000,01"},
        {INT64_MAX, "€92.233.720.368.547.758,07"},
        {INT64_MIN, "€-92.233.720.368.547.758,08"},
        {INT64_MIN + 1, "€-92.233.720.368.547.758,07"},
    };
    char buf[GW_MONEY_MAX];
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        ASSERT_EQ_STR(rows[i].text, fmt(buf, rows[i].cents));
        ASSERT_EQ_INT(strlen(rows[i].text), gw_money_format(NULL, 0, rows[i].cents));
    }
}

TEST(absolute_value)
{
    char buf[GW_MONEY_MAX];
    ASSERT_EQ_STR("€12,00", fmt_abs(buf, -1200));
    ASSERT_EQ_STR("€12,00", fmt_abs(buf, 1200));
    ASSERT_EQ_STR("€0,00", fmt_abs(buf, 0));
    ASSERT_EQ_STR("€0,01", fmt_abs(buf, -1));
    ASSERT_EQ_STR("€92.233.720.368.547.758,08", fmt_abs(buf, INT64_MIN));
    ASSERT_EQ_STR("€92.233.720.368.547.758,07", fmt_abs(buf, INT64_MAX));
}

TEST(longest_fits_the_max)
{
    ASSERT(gw_money_format(NULL, 0, INT64_MIN) + 1 <= GW_MONEY_MAX);
}

TEST(truncates_like_snprintf)
{
    char buf[8];
    memset(buf, 'x', sizeof(buf));
    /* "€1.234,56" is 11 bytes; 7 fit, then the NUL. */
    ASSERT_EQ_INT(11, gw_money_format(buf, sizeof(buf), 123456));
    ASSERT_EQ_STR("€1.23", buf);
    char one[1] = {'x'};
    ASSERT_EQ_INT(11, gw_money_format(one, 1, 123456));
    ASSERT_EQ_INT(0, one[0]);
}

/* Parse the format back: euro sign, optional '-', groups of 3 separated by
 * '.', ',' and two digits. Returns false on any deviation from the shape. */
static bool parse_back(const char *s, int64_t *cents)
{
    if (strncmp(s, "\xE2\x82\xAC", 3) != 0)
        return false;
    s += 3;
    bool neg = *s == '-';
    if (neg)
        s++;
    const char *comma = strchr(s, ',');
    if (comma == NULL || strlen(comma) != 3)
        return false;
    size_t intlen = (size_t)(comma - s);
    uint64_t whole = 0;
    size_t digits_in_group = 0, groups = 0;
    for (size_t i = 0; i < intlen; i++) {
        if (s[i] == '.') {
            if ((groups == 0 && (digits_in_group == 0 || digits_in_group > 3)) || (groups > 0 && digits_in_group != 3))
                return false;
            groups++;
            digits_in_group = 0;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return false;
        whole = whole * 10 + (uint64_t)(s[i] - '0');
        digits_in_group++;
    }
    if (digits_in_group == 0 || digits_in_group > 3 || (groups > 0 && digits_in_group != 3))
        return false;
    if (intlen > 1 && s[0] == '0')
        return false; /* no leading zeros */
    uint64_t mag = whole * 100 + (uint64_t)(comma[1] - '0') * 10 + (uint64_t)(comma[2] - '0');
    *cents = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    if (neg && mag == 0)
        return false; /* never "-0,00" */
    return true;
}

TEST(round_trips_and_groups)
{
    char buf[GW_MONEY_MAX];
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* Mix magnitudes: shift by 0..63 so small amounts are common too. */
        int64_t v = (int64_t)(x >> (x % 64));
        if (x & 1)
            v = (int64_t)(0 - (uint64_t)v);
        int64_t back = 0;
        fmt(buf, v);
        if (!parse_back(buf, &back) || back != v) {
            FAIL_("%lld formatted as %s", (long long)v, buf);
            return;
        }
        /* Groups of exactly three after the first: the separator count. */
        size_t dots = 0;
        for (const char *p = buf; *p; p++)
            dots += *p == '.';
        uint64_t whole = (v < 0 ? 0 - (uint64_t)v : (uint64_t)v) / 100;
        size_t ndig = 1;
        while (whole >= 10) {
            whole /= 10;
            ndig++;
        }
        ASSERT_EQ_INT((ndig - 1) / 3, dots);
    }
}

TEST(direction)
{
    ASSERT_EQ_INT(GW_DIR_DEBIT, gw_direction_of(-1));
    ASSERT_EQ_INT(GW_DIR_DEBIT, gw_direction_of(INT64_MIN));
    ASSERT_EQ_INT(GW_DIR_CREDIT, gw_direction_of(0));
    ASSERT_EQ_INT(GW_DIR_CREDIT, gw_direction_of(1));
    ASSERT_EQ_INT(GW_DIR_CREDIT, gw_direction_of(INT64_MAX));
    ASSERT_EQ_STR("DEBIT", gw_direction_name(GW_DIR_DEBIT));
    ASSERT_EQ_STR("CREDIT", gw_direction_name(GW_DIR_CREDIT));
}

TEST_MAIN(TEST_ENTRY(table), TEST_ENTRY(absolute_value), TEST_ENTRY(longest_fits_the_max),
          TEST_ENTRY(truncates_like_snprintf), TEST_ENTRY(round_trips_and_groups), TEST_ENTRY(direction))
