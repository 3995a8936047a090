/*
 * wire.c — HTTP/1.1 response heads, chunked bodies and WebSocket frames
 * (wire.h). Header names compare without case; values are trimmed of
 * spaces and tabs. SHA-1 and base64 come from OpenSSL's libcrypto, which
 * the gateway links already.
 */
#include "wire.h"

#include <openssl/evp.h>
#include <string.h>
#include <strings.h>

/* Where "\r\n\r\n" ends in p[0..n), or 0. */
static size_t head_end(const char *p, size_t n)
{
    for (size_t i = 3; i < n; i++)
        if (p[i] == '\n' && p[i - 1] == '\r' && p[i - 2] == '\n' && p[i - 3] == '\r')
            return i + 1;
    return 0;
}

/* True when the comma-separated list v[0..n) holds `token` (no case). */
static bool has_token(const char *v, size_t n, const char *token)
{
    size_t tl = strlen(token);
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t s = i;
        while (i < n && v[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e - s == tl && strncasecmp(v + s, token, tl) == 0)
            return true;
    }
    return false;
}

/* True when the header name name[0..n) is `want` (no case). */
static bool name_is(const char *name, size_t n, const char *want)
{
    return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

/* Reads the decimal v[0..n) into *out; false unless it is all digits and fits. */
static bool parse_decimal(const char *v, size_t n, int64_t *out)
{
    if (n == 0 || n > 18)
        return false;
    int64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (v[i] - '0');
    }
    *out = x;
    return true;
}

/* Applies one header line to h. */
static int head_field(const char *line, size_t n, bl_http_head_t *h)
{
    const char *colon = memchr(line, ':', n);
    if (colon == NULL)
        return BL_WIRE_EPROTO;
    size_t nl = (size_t)(colon - line);
    const char *v = colon + 1, *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vl = (size_t)(end - v);
    if (name_is(line, nl, "content-length")) {
        if (!parse_decimal(v, vl, &h->content_length))
            return BL_WIRE_EPROTO;
    } else if (name_is(line, nl, "transfer-encoding")) {
        h->chunked = has_token(v, vl, "chunked");
    } else if (name_is(line, nl, "connection")) {
        h->close = has_token(v, vl, "close");
    } else if (name_is(line, nl, "upgrade")) {
        h->upgrade_websocket = has_token(v, vl, "websocket");
    } else if (name_is(line, nl, "sec-websocket-accept")) {
        h->accept = v;
        h->accept_len = vl;
    } else if (name_is(line, nl, "sec-websocket-protocol")) {
        h->protocol = v;
        h->protocol_len = vl;
    }
    return 0;
}

int bl_http_head_parse(const char *p, size_t n, size_t max_head, bl_http_head_t *h)
{
    size_t len = head_end(p, n < max_head ? n : max_head);
    if (len == 0)
        return n >= max_head ? BL_WIRE_ETOOBIG : 0;
    memset(h, 0, sizeof *h);
    h->content_length = -1;
    /* "HTTP/1.x NNN reason" */
    if (len < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ')
        return BL_WIRE_EPROTO;
    int status = 0;
    for (int i = 9; i < 12; i++) {
        if (p[i] < '0' || p[i] > '9')
            return BL_WIRE_EPROTO;
        status = status * 10 + (p[i] - '0');
    }
    h->status = status;
    const char *line = memchr(p, '\n', len);
    if (line == NULL || line[-1] != '\r')
        return BL_WIRE_EPROTO;
    const char *end = p + len - 2; /* the blank line's CRLF */
    while (line != NULL && line + 1 < end) {
        const char *s = line + 1;
        const char *nl = memchr(s, '\n', (size_t)(end - s) + 1);
        if (nl == NULL || nl[-1] != '\r')
            return BL_WIRE_EPROTO;
        if (nl - 1 > s && head_field(s, (size_t)(nl - 1 - s), h) != 0)
            return BL_WIRE_EPROTO;
        line = nl;
    }
    return (int)len;
}

/* Reads a hexadecimal chunk size line at p[0..n): its value in *size and
 * its length through CRLF; 0 when incomplete, negative when malformed. */
static long chunk_line(const char *p, size_t n, uint64_t *size)
{
    uint64_t v = 0;
    size_t i = 0, digits = 0;
    for (; i < n; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            break;
        if (++digits > 15)
            return BL_WIRE_EPROTO;
        v = v * 16 + (uint64_t)d;
    }
    if (i == n)
        return 0;
    if (digits == 0)
        return BL_WIRE_EPROTO;
    const char *lf = memchr(p + i, '\n', n - i);
    if (lf == NULL)
        return n - i > 1024 ? BL_WIRE_EPROTO : 0;
    if (lf == p || lf[-1] != '\r')
        return BL_WIRE_EPROTO;
    *size = v;
    return (long)(lf - p) + 1;
}

long bl_http_chunked_decode(const char *p, size_t n, char *out, size_t cap, size_t *out_len)
{
    size_t at = 0, o = 0;
    for (;;) {
        uint64_t size = 0;
        long l = chunk_line(p + at, n - at, &size);
        if (l <= 0)
            return l;
        at += (size_t)l;
        if (size == 0)
            break;
        if (size > cap - o)
            return BL_WIRE_ETOOBIG;
        if (n - at < size + 2)
            return 0;
        memcpy(out + o, p + at, size);
        o += size;
        at += size;
        if (p[at] != '\r' || p[at + 1] != '\n')
            return BL_WIRE_EPROTO;
        at += 2;
    }
    /* trailers, then the blank line */
    for (;;) {
        const char *lf = memchr(p + at, '\n', n - at);
        if (lf == NULL)
            return 0;
        size_t ll = (size_t)(lf - (p + at)) + 1;
        if (ll < 2 || lf[-1] != '\r')
            return BL_WIRE_EPROTO;
        at += ll;
        if (ll == 2)
            break;
    }
    *out_len = o;
    return (long)at;
}

long bl_ws_frame_parse(uint8_t *p, size_t n, uint64_t max_payload, bl_ws_frame_t *f)
{
    if (n < 2)
        return 0;
    if (p[0] & 0x70)
        return BL_WIRE_EPROTO; /* no extension was negotiated */
    int op = p[0] & 0x0f;
    bool control = op >= 0x8;
    if (op != BL_WS_CONT && op != BL_WS_TEXT && op != BL_WS_BINARY && op != BL_WS_CLOSE && op != BL_WS_PING &&
        op != BL_WS_PONG)
        return BL_WIRE_EPROTO;
    bool masked = p[1] & 0x80;
    uint64_t len = p[1] & 0x7f;
    size_t at = 2;
    if (len == 126) {
        if (n < 4)
            return 0;
        len = (uint64_t)p[2] << 8 | p[3];
        at = 4;
    } else if (len == 127) {
        if (n < 10)
            return 0;
        len = 0;
        for (int i = 0; i < 8; i++)
            len = len << 8 | p[2 + i];
        at = 10;
    }
    if (control && (len > 125 || !(p[0] & 0x80)))
        return BL_WIRE_EPROTO;
    if (len > max_payload)
        return BL_WIRE_ETOOBIG;
    uint8_t mask[4] = {0, 0, 0, 0};
    if (masked) {
        if (n < at + 4)
            return 0;
        memcpy(mask, p + at, 4);
        at += 4;
    }
    if (n - at < len)
        return 0;
    if (masked)
        for (uint64_t i = 0; i < len; i++)
            p[at + i] ^= mask[i & 3];
    f->fin = p[0] & 0x80;
    f->opcode = op;
    f->payload = p + at;
    f->len = len;
    return (long)(at + len);
}

size_t bl_ws_frame_write(uint8_t *out, int opcode, const void *payload, size_t len, const uint8_t mask[4])
{
    size_t at = 0;
    out[at++] = (uint8_t)(0x80 | (opcode & 0x0f));
    if (len < 126) {
        out[at++] = (uint8_t)(0x80 | len);
    } else if (len <= 0xffff) {
        out[at++] = 0x80 | 126;
        out[at++] = (uint8_t)(len >> 8);
        out[at++] = (uint8_t)len;
    } else {
        out[at++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            out[at++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    memcpy(out + at, mask, 4);
    at += 4;
    const uint8_t *src = payload;
    for (size_t i = 0; i < len; i++)
        out[at + i] = src[i] ^ mask[i & 3];
    return at + len;
}

void bl_ws_key(const uint8_t nonce[16], char out[25])
{
    EVP_EncodeBlock((unsigned char *)out, nonce, 16);
}

int bl_ws_accept(const char *key, char out[29])
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    char buf[128];
    size_t kl = strlen(key);
    if (kl + sizeof guid > sizeof buf)
        return BL_WIRE_EPROTO;
    memcpy(buf, key, kl);
    memcpy(buf + kl, guid, sizeof guid - 1);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(buf, kl + sizeof guid - 1, md, &mdlen, EVP_sha1(), NULL) != 1 || mdlen != 20)
        return BL_WIRE_EPROTO;
    EVP_EncodeBlock((unsigned char *)out, md, 20);
    return 0;
}
