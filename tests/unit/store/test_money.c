/* Unit tests of money.c: the Dutch euro format of the original bank, reading
 * it back, and the DEBIT/CREDIT direction of a change. */
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
        if (gw_money_parse(buf, strlen(buf), &back) != 0 || back != v) {
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

TEST(parse_reads_only_the_format)
{
    static const struct {
        const char *text;
        int64_t cents;
    } good[] = {
        {"\xE2\x82\xAC"
         "0,00",
         0},
        {"\xE2\x82\xAC"
         "-0,01",
         -1},
        {"\xE2\x82\xAC"
         "1.234,56",
         123456},
        {"\xE2\x82\xAC"
         "-50.000,00",
         -5000000},
        {"\xE2\x82\xAC"
         "92.233.720.368.547.758,07",
         INT64_MAX},
        {"\xE2\x82\xAC"
         "-92.233.720.368.547.758,08",
         INT64_MIN},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t v = 7;
        ASSERT_EQ_INT(0, gw_money_parse(good[i].text, strlen(good[i].text), &v));
        ASSERT_EQ_INT(good[i].cents, v);
    }
    static const char *const bad[] = {
        "",
        "0,00",
        "EUR1,00",
        "\xE2\x82\xAC",
        "\xE2\x82\xAC"
        ",00",
        "\xE2\x82\xAC"
        "1,0",
        "\xE2\x82\xAC"
        "1,000",
        "\xE2\x82\xAC"
        "1.00",
        "\xE2\x82\xAC"
        "-0,00",
        "\xE2\x82\xAC"
        "01,00",
        "\xE2\x82\xAC"
        "1234,56",
        "\xE2\x82\xAC"
        "1.23,45",
        "\xE2\x82\xAC"
        ".123,45",
        "\xE2\x82\xAC"
        "1..234,56",
        "\xE2\x82\xAC"
        "1.234.,56",
        "\xE2\x82\xAC"
        "+1,00",
        "\xE2\x82\xAC"
        " 1,00",
        "\xE2\x82\xAC"
        "1,0a",
        "\xE2\x82\xAC"
        "92.233.720.368.547.758,08",
        "\xE2\x82\xAC"
        "-92.233.720.368.547.758,09",
        "\xE2\x82\xAC"
        "999.999.999.999.999.999.999,99",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 7;
        if (gw_money_parse(bad[i], strlen(bad[i]), &v) == 0)
            FAIL_("accepted \"%s\"", bad[i]);
        ASSERT_EQ_INT(7, v);
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
          TEST_ENTRY(truncates_like_snprintf), TEST_ENTRY(round_trips_and_groups),
          TEST_ENTRY(parse_reads_only_the_format), TEST_ENTRY(direction))
