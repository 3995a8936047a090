/*
 * ws_frame.c — WebSocket framing (see ws_frame.h): the decoder of client
 * frames and the encoder of server frames, on bytes only.
 *
 * The decoder acts on whole frames. A frame's size is known, and bounded,
 * once its header is in (125 bytes for a control frame, max_message for a
 * data frame), so it waits for the rest in the caller's buffer rather than
 * keeping a partial frame of its own: with nothing consumed, calling again
 * with more bytes starts over from the same header. That is also what makes
 * unmasking in place safe: a frame is unmasked only when it is complete and
 * about to be consumed, so no byte is ever unmasked twice.
 */
#include "ws_frame.h"

#include <string.h>

/* A fragmented message's buffer up to this size is kept for the next one;
 * a bigger one is freed once the message was handed out. */
#define KEEP_BYTES 65536

/* ------------------------------------------------------------------------ */
/* Decoding                                                                 */
/* ------------------------------------------------------------------------ */

void gw_ws_decoder_init(gw_ws_decoder_t *d, size_t max_message)
{
    *d = (gw_ws_decoder_t){.max_message = max_message, ._msg = GQL_BUF_INIT};
}

void gw_ws_decoder_dispose(gw_ws_decoder_t *d)
{
    gql_buf_free(&d->_msg);
    d->_msg = (gql_buf_t)GQL_BUF_INIT;
    d->_opcode = 0;
    d->_handed_out = false;
}

bool gw_ws_close_code_valid(unsigned code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) || (code >= 3000 && code <= 4999);
}

/* Fills ev with a protocol error; returns 0 (gw_ws_decode's value). */
static int fail(gw_ws_event_t *ev, uint16_t code, const char *reason)
{
    *ev = (gw_ws_event_t){.type = GW_WS_EV_ERROR, .code = code, .reason = reason};
    return 0;
}

/* Fills ev with a message (text checked as UTF-8, RFC 6455 §8.1); returns 0. */
static int message(gw_ws_event_t *ev, int opcode, const char *data, size_t len)
{
    if (opcode == GW_WS_TEXT && !gql_utf8_valid(data, len))
        return fail(ev, 1007, "Invalid UTF-8 in a text message");
    *ev = (gw_ws_event_t){.type = GW_WS_EV_MESSAGE, .opcode = opcode, .data = data, .len = len};
    return 0;
}

int gw_ws_decode(gw_ws_decoder_t *d, uint8_t *in, size_t len, size_t *consumed, gw_ws_event_t *ev)
{
    size_t max = d->max_message;
    *consumed = 0;
    *ev = (gw_ws_event_t){.type = GW_WS_EV_MORE};
    /* the message handed out by the previous call is done with */
    if (d->_handed_out) {
        d->_handed_out = false;
        d->_msg.len = 0;
        if (d->_msg.cap > KEEP_BYTES) {
            gql_buf_free(&d->_msg);
            d->_msg = (gql_buf_t)GQL_BUF_INIT;
        }
    }
    for (;;) {
        uint8_t *p = in + *consumed;
        size_t n = len - *consumed;
        /* §5.2: FIN, RSV1-3, opcode; MASK, payload length */
        if (n < 2)
            return 0;
        bool fin = p[0] & 0x80;
        int op = p[0] & 0x0f;
        if (p[0] & 0x70)
            return fail(ev, 1002, "Reserved bits set"); /* no extension was negotiated */
        if (!(p[1] & 0x80))
            return fail(ev, 1002, "Client frames must be masked"); /* §5.1 */
        uint64_t plen = p[1] & 0x7f;
        size_t hl = 2;
        if (plen == 126) {
            if (n < 4)
                return 0;
            plen = ((uint64_t)p[2] << 8) | p[3];
            hl = 4;
        } else if (plen == 127) {
            if (n < 10)
                return 0;
            plen = 0;
            for (int i = 0; i < 8; i++)
                plen = (plen << 8) | p[2 + i];
            hl = 10;
        }
        /* §5.5: control frames are final and carry at most 125 bytes. Data
         * frames are bounded by the message they belong to, so waiting for
         * the rest of a frame below never holds more than that. */
        if (op >= 8) {
            if (!fin || plen > 125)
                return fail(ev, 1002, "Bad control frame");
        } else if (plen > max || plen > max - d->_msg.len) {
            return fail(ev, 1009, "Message too big");
        }
        if (n - hl < 4 || n - hl - 4 < plen)
            return 0; /* the mask or some of the payload is still to come */
        size_t flen = hl + 4 + (size_t)plen;

        /* §5.4: a fragmented message is its first frame, continuations, and
         * control frames in between; §5.2: opcodes 3-7 and 0xB-0xF are
         * reserved */
        switch (op) {
        case GW_WS_CONTINUATION:
            if (d->_opcode == 0)
                return fail(ev, 1002, "Unexpected continuation frame");
            break;
        case GW_WS_TEXT:
        case GW_WS_BINARY:
            if (d->_opcode != 0)
                return fail(ev, 1002, "Expected a continuation frame");
            break;
        case GW_WS_CLOSE:
            if (plen == 1)
                return fail(ev, 1002, "Bad close frame"); /* §5.5.1: a code is two bytes */
            break;
        case GW_WS_PING:
        case GW_WS_PONG:
            break;
        default:
            return fail(ev, 1002, "Unknown opcode");
        }

        /* §5.3: the complete frame is ours, unmask it where it lies */
        const uint8_t *mask = p + hl;
        uint8_t *pl = p + hl + 4;
        for (size_t i = 0; i < plen; i++)
            pl[i] ^= mask[i & 3];
        *consumed += flen;

        switch (op) {
        case GW_WS_CONTINUATION:
        case GW_WS_TEXT:
        case GW_WS_BINARY:
            if (op != GW_WS_CONTINUATION && fin)
                return message(ev, op, (const char *)pl, (size_t)plen); /* whole: no copy */
            if (op != GW_WS_CONTINUATION)
                d->_opcode = op;
            gql_buf_append(&d->_msg, pl, (size_t)plen);
            if (d->_msg.oom)
                return GW_ENOMEM;
            if (!fin)
                continue; /* absorbed: on to the next frame */
            op = d->_opcode;
            d->_opcode = 0;
            d->_handed_out = true;
            return message(ev, op, d->_msg.data, d->_msg.len);
        case GW_WS_CLOSE: {
            /* §5.5.1, §7.4: an optional code, then an optional UTF-8 reason */
            unsigned code = GW_WS_NO_STATUS;
            if (plen >= 2) {
                code = ((unsigned)pl[0] << 8) | pl[1];
                if (!gw_ws_close_code_valid(code))
                    return fail(ev, 1002, "Bad close code");
                if (!gql_utf8_valid((const char *)pl + 2, (size_t)plen - 2))
                    return fail(ev, 1007, "Invalid UTF-8 in the close reason");
            }
            *ev = (gw_ws_event_t){.type = GW_WS_EV_CLOSE,
                                  .code = (uint16_t)code,
                                  .data = (const char *)pl + (plen >= 2 ? 2 : 0),
                                  .len = plen >= 2 ? (size_t)plen - 2 : 0};
            return 0;
        }
        default: /* ping or pong */
            *ev = (gw_ws_event_t){.type = op == GW_WS_PING ? GW_WS_EV_PING : GW_WS_EV_PONG,
                                  .data = (const char *)pl,
                                  .len = (size_t)plen};
            return 0;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Encoding                                                                 */
/* ------------------------------------------------------------------------ */

size_t gw_ws_frame_header(uint8_t h[GW_WS_HEADER_MAX], int opcode, size_t len)
{
    h[0] = (uint8_t)(0x80 | (opcode & 0x0f));
    if (len < 126) {
        h[1] = (uint8_t)len;
        return 2;
    }
    if (len <= 0xffff) {
        h[1] = 126;
        h[2] = (uint8_t)(len >> 8);
        h[3] = (uint8_t)len;
        return 4;
    }
    h[1] = 127;
    for (int i = 0; i < 8; i++)
        h[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
    return 10;
}

gw_chunk_t *gw_ws_frame(int opcode, const void *a, size_t na, const void *b, size_t nb, const void *c, size_t nc)
{
    size_t len = na + nb + nc;
    uint8_t h[GW_WS_HEADER_MAX];
    size_t hl = gw_ws_frame_header(h, opcode, len);
    gw_chunk_t *w = gw_chunk_new(hl + len);
    if (w == NULL)
        return NULL;
    char *p = w->data;
    memcpy(p, h, hl);
    p += hl;
    if (na)
        memcpy(p, a, na), p += na;
    if (nb)
        memcpy(p, b, nb), p += nb;
    if (nc)
        memcpy(p, c, nc);
    return w;
}

gw_chunk_t *gw_ws_close_frame(uint16_t code, const char *reason)
{
    uint8_t p[125];
    size_t rl = reason ? strlen(reason) : 0;
    if (rl > 123)
        rl = 123;
    p[0] = (uint8_t)(code >> 8);
    p[1] = (uint8_t)code;
    if (rl)
        memcpy(p + 2, reason, rl);
    return gw_ws_frame(GW_WS_CLOSE, p, 2 + rl, NULL, 0, NULL, 0);
}
