/*
 * uuid.c — UUIDs in their canonical text form, random v4 UUIDs, and the
 * store's start-up and error strings.
 *
 * Commands are keyed by 16-byte UUIDs (the Avro "fixed" of the bank's
 * schemas); clients see them as 36-character strings. This is the one
 * implementation of that text form: gateway/events (gw_uuid_format/parse)
 * calls it too.
 */
#include "store.h"

#include <sodium.h>

int gw_store_init(void)
{
    /* sodium_init returns 0 the first time, 1 when already done, -1 on error. */
    return sodium_init() < 0 ? GW_STORE_ESYSTEM : GW_STORE_OK;
}

const char *gw_store_strerror(int code)
{
    switch (code) {
    case GW_STORE_OK:
        return "ok";
    case GW_STORE_ENOMEM:
        return "out of memory";
    case GW_STORE_EINVAL:
        return "invalid argument";
    case GW_STORE_EFULL:
        return "limit reached";
    case GW_STORE_EDUP:
        return "duplicate event";
    case GW_STORE_ESYSTEM:
        return "system error";
    default:
        return "unknown error";
    }
}

int gw_hexdigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Positions of the dashes in "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
static bool is_dash_pos(size_t i)
{
    return i == 8 || i == 13 || i == 18 || i == 23;
}

int gw_uuidstr_parse(const char *s, size_t len, uint8_t out[16])
{
    if (s == NULL || len != GW_UUID_STRLEN)
        return GW_STORE_EINVAL;
    uint8_t tmp[16];
    size_t nib = 0;
    for (size_t i = 0; i < len; i++) {
        if (is_dash_pos(i)) {
            if (s[i] != '-')
                return GW_STORE_EINVAL;
            continue;
        }
        int v = gw_hexdigit(s[i]);
        if (v < 0)
            return GW_STORE_EINVAL;
        if (nib % 2 == 0)
            tmp[nib / 2] = (uint8_t)(v << 4);
        else
            tmp[nib / 2] |= (uint8_t)v;
        nib++;
    }
    for (int i = 0; i < 16; i++)
        out[i] = tmp[i];
    return GW_STORE_OK;
}

bool gw_uuidstr_valid(const char *s, size_t len)
{
    uint8_t u[16];
    return gw_uuidstr_parse(s, len, u) == GW_STORE_OK;
}

void gw_uuidstr_format(const uint8_t u[16], char out[GW_UUID_STRLEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[u[i] >> 4];
        out[o++] = hex[u[i] & 15];
    }
    out[o] = '\0';
}

void gw_uuid_v4(uint8_t out[16])
{
    randombytes_buf(out, 16);
    out[6] = (uint8_t)((out[6] & 0x0f) | 0x40); /* version 4 */
    out[8] = (uint8_t)((out[8] & 0x3f) | 0x80); /* RFC 4122 variant */
}
