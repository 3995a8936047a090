/*
 * fields.c — the bank's field limits and the transfer digest (fields.h).
 */
#include "fields.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

size_t gw_fields_utf8_chars(gw_str_t s)
{
    size_t n = 0;
    for (uint32_t i = 0; i < s.len; i++)
        n += ((unsigned char)s.ptr[i] & 0xC0) != 0x80;
    return n;
}

int gw_fields_iban_form(gw_str_t s)
{
    if (s.ptr == NULL || s.len < GW_IBAN_MIN || s.len > GW_IBAN_MAX)
        return 0;
    for (uint32_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        bool letter = c >= 'A' && c <= 'Z', digit = c >= '0' && c <= '9';
        if (i < 2 ? !letter : i < 4 ? !digit : !(letter || digit))
            return 0;
    }
    return 1;
}

static int no_controls(gw_str_t s)
{
    for (uint32_t i = 0; i < s.len; i++)
        if ((unsigned char)s.ptr[i] < 0x20 || s.ptr[i] == 0x7f)
            return 0;
    return 1;
}

static int bad(char *msg, size_t len, const char *fmt, const char *field, unsigned long long a, unsigned long long b)
{
    snprintf(msg, len, fmt, field, a, b);
    return -1;
}

/* from (cash allowed) or to: a length first (an over-long value is named by
 * its size, not echoed), then the form. */
static int check_iban(const char *field, gw_str_t s, bool cash_ok, char *msg, size_t len)
{
    if (cash_ok && s.len == 4 && memcmp(s.ptr, "cash", 4) == 0)
        return 0;
    if (s.len > GW_IBAN_MAX)
        return bad(msg, len, "%s must be at most %llu characters (got %llu)", field, GW_IBAN_MAX, s.len);
    if (!gw_fields_iban_form(s)) {
        snprintf(msg, len, "%s must be %san IBAN (2 letters, 2 digits, 11 to 30 letters/digits), got \"%.*s\"", field,
                 cash_ok ? "\"cash\" or " : "", (int)s.len, s.ptr != NULL ? s.ptr : "");
        return -1;
    }
    return 0;
}

int gw_fields_check_transfer(const gw_transfer_fields_t *f, char *msg, size_t len)
{
    if (f->amount <= 0) {
        snprintf(msg, len, "amount must be a positive number of cents");
        return -1;
    }
    if (f->amount > GW_AMOUNT_MAX)
        return bad(msg, len, "%s must be at most %llu cents (got %llu)", "amount", (unsigned long long)GW_AMOUNT_MAX,
                   (unsigned long long)f->amount);
    if (f->token.len > GW_TOKEN_MAX)
        return bad(msg, len, "%s must be at most %llu characters (got %llu)", "token", GW_TOKEN_MAX, f->token.len);
    for (uint32_t i = 0; i < f->token.len; i++)
        if ((unsigned char)f->token.ptr[i] <= 0x20 || (unsigned char)f->token.ptr[i] >= 0x7f) {
            snprintf(msg, len, "token must be printable ASCII without spaces");
            return -1;
        }
    if (check_iban("from", f->from, true, msg, len) != 0 || check_iban("to", f->to, false, msg, len) != 0)
        return -1;
    if (f->descr.len > GW_DESCR_MAX_BYTES)
        return bad(msg, len, "%s must be at most %llu bytes (got %llu)", "descr", GW_DESCR_MAX_BYTES, f->descr.len);
    if (f->descr.len > 0 && memchr(f->descr.ptr, '\0', f->descr.len) != NULL) {
        /* commands carry C strings: a NUL would cut what the handler sees */
        snprintf(msg, len, "descr must not contain NUL characters");
        return -1;
    }
    size_t chars = gw_fields_utf8_chars(f->descr);
    if (chars > GW_DESCR_MAX_CHARS)
        return bad(msg, len, "%s must be at most %llu characters (got %llu)", "descr", GW_DESCR_MAX_CHARS, chars);
    if (f->username.ptr != NULL) {
        if (f->username.len == 0 || f->username.len > GW_USERNAME_MAX)
            return bad(msg, len, "%s must be 1 to %llu bytes (got %llu)", "username", GW_USERNAME_MAX, f->username.len);
        if (!no_controls(f->username)) {
            snprintf(msg, len, "username must not contain control characters");
            return -1;
        }
    }
    return 0;
}

int gw_fields_check_login(gw_str_t username, gw_str_t password, char *msg, size_t len)
{
    if (username.len == 0 || username.len > GW_USERNAME_MAX)
        return bad(msg, len, "%s must be 1 to %llu bytes (got %llu)", "username", GW_USERNAME_MAX, username.len);
    if (!no_controls(username)) {
        snprintf(msg, len, "username must not contain control characters");
        return -1;
    }
    if (password.len == 0 || password.len > GW_PASSWORD_MAX)
        return bad(msg, len, "%s must be 1 to %llu bytes (got %llu)", "password", GW_PASSWORD_MAX, password.len);
    return 0;
}

static void put_str(crypto_generichash_state *st, gw_str_t s)
{
    uint8_t n[4] = {(uint8_t)s.len, (uint8_t)(s.len >> 8), (uint8_t)(s.len >> 16), (uint8_t)(s.len >> 24)};
    crypto_generichash_update(st, n, sizeof n);
    if (s.len > 0)
        crypto_generichash_update(st, (const unsigned char *)s.ptr, s.len);
}

void gw_transfer_digest(const gw_transfer_fields_t *f, uint8_t out[GW_TRANSFER_DIGEST_LEN])
{
    static const char TAG[] = "openbank transfer v1";
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, GW_TRANSFER_DIGEST_LEN);
    crypto_generichash_update(&st, (const unsigned char *)TAG, sizeof TAG);
    put_str(&st, f->token);
    uint8_t a[8];
    uint64_t v = (uint64_t)f->amount;
    for (int i = 0; i < 8; i++)
        a[i] = (uint8_t)(v >> (8 * i));
    crypto_generichash_update(&st, a, sizeof a);
    put_str(&st, f->from);
    put_str(&st, f->to);
    put_str(&st, f->descr);
    crypto_generichash_final(&st, out, GW_TRANSFER_DIGEST_LEN);
}

void gw_transfer_digest_hex(const uint8_t d[GW_TRANSFER_DIGEST_LEN], char out[2 * GW_TRANSFER_DIGEST_LEN + 1])
{
    static const char HEX[] = "0123456789abcdef";
    for (int i = 0; i < GW_TRANSFER_DIGEST_LEN; i++) {
        out[2 * i] = HEX[d[i] >> 4];
        out[2 * i + 1] = HEX[d[i] & 15];
    }
    out[2 * GW_TRANSFER_DIGEST_LEN] = '\0';
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

int gw_transfer_digest_parse(const char *s, size_t len, uint8_t out[GW_TRANSFER_DIGEST_LEN])
{
    if (s == NULL || len != 2 * GW_TRANSFER_DIGEST_LEN)
        return -1;
    for (int i = 0; i < GW_TRANSFER_DIGEST_LEN; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}
