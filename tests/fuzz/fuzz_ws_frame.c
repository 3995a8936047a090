/*
 * fuzz_ws_frame.c — a libFuzzer target for the WebSocket frame decoder
 * (gateway/serve/ws_frame.c, gw_ws_decode): the bytes a client sends on an
 * upgraded socket, before anything else reads them.
 *
 * Input: two bytes of settings, then the bytes on the wire.
 *   byte 0: the decoder's max_message (one of a few sizes, 0 to 65536);
 *   byte 1: how the socket delivers the bytes (chunks of 1 to 64 bytes);
 *   the rest: client frames.
 *
 * The bytes are decoded twice, as ws.c does (keep what was not consumed,
 * append what arrives, decode until MORE): all at once, and in chunks. The
 * two runs must give the same events (type, opcode, bytes, close code and
 * reason) — a frame split anywhere decodes as a whole one. Each event is
 * checked against the contract of ws_frame.h: a message within
 * max_message, a text message valid UTF-8, a control payload within 125
 * bytes, a close code valid on the wire, errors closing with 1002, 1007 or
 * 1009 and a reason, consumed bytes within those given. Every message up
 * to 4 KiB is also framed again (masked, split in two fragments) and must
 * decode to the same bytes. A broken check abort()s; crashes, sanitizer
 * reports and leaks are bugs.
 *
 * Built as fuzz_ws_frame (GW_FUZZ=ON) or fuzz_ws_frame_corpus (the ctest
 * fuzz.ws_frame.corpus over corpus-ws-frame/), as fuzz_document.c is.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql.h"
#include "serve/ws_frame.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_ws_frame"
#include "fuzz_main.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static const size_t MAX_MESSAGE[] = {0, 1, 125, 126, 200, 1024, 4096, 65535, 65536};

/* Checks one event against ws_frame.h and appends it to `log`. */
static void log_event(gql_buf_t *log, const gw_ws_event_t *ev, size_t max_message)
{
    switch (ev->type) {
    case GW_WS_EV_MESSAGE:
        CHECK(ev->opcode == GW_WS_TEXT || ev->opcode == GW_WS_BINARY);
        CHECK(ev->len <= max_message);
        CHECK(ev->opcode != GW_WS_TEXT || gql_utf8_valid(ev->data, ev->len));
        break;
    case GW_WS_EV_PING:
    case GW_WS_EV_PONG:
        CHECK(ev->len <= 125);
        break;
    case GW_WS_EV_CLOSE:
        CHECK(ev->code == GW_WS_NO_STATUS || gw_ws_close_code_valid(ev->code));
        CHECK(ev->len <= 123 && gql_utf8_valid(ev->data, ev->len));
        break;
    case GW_WS_EV_ERROR:
        CHECK(ev->code == 1002 || ev->code == 1007 || ev->code == 1009);
        CHECK(ev->reason != NULL && ev->reason[0] != '\0');
        break;
    default:
        CHECK(0);
    }
    uint32_t head[4] = {(uint32_t)ev->type, (uint32_t)ev->opcode, (uint32_t)ev->len, ev->code};
    gql_buf_append(log, head, sizeof head);
    if (ev->len > 0)
        gql_buf_append(log, ev->data, ev->len);
    if (ev->reason != NULL)
        gql_buf_append(log, ev->reason, strlen(ev->reason) + 1);
}

/* Decodes `wire` delivered `chunk` bytes at a time (0: all at once) into
 * `log`; every message's bytes also go to `msgs` (length-prefixed) when
 * msgs is not NULL. */
static void decode(const uint8_t *wire, size_t len, size_t chunk, size_t max_message, gql_buf_t *log, gql_buf_t *msgs)
{
    gw_ws_decoder_t d;
    gw_ws_decoder_init(&d, max_message);
    uint8_t *buf = malloc(len ? len : 1);
    CHECK(buf != NULL);
    size_t have = 0, fed = 0;
    bool done = false;
    while (!done && fed < len) {
        size_t n = chunk == 0 || len - fed < chunk ? len - fed : chunk;
        memcpy(buf + have, wire + fed, n);
        have += n;
        fed += n;
        for (;;) {
            size_t consumed = 0;
            gw_ws_event_t ev;
            int rc = gw_ws_decode(&d, buf, have, &consumed, &ev);
            CHECK(consumed <= have);
            if (rc != 0) {
                CHECK(rc == GW_ENOMEM);
                gql_buf_puts(log, "ENOMEM");
                done = true;
                break;
            }
            if (ev.type != GW_WS_EV_MORE) {
                log_event(log, &ev, max_message);
                if (msgs != NULL && ev.type == GW_WS_EV_MESSAGE) {
                    uint32_t l = (uint32_t)ev.len, op = (uint32_t)ev.opcode;
                    gql_buf_append(msgs, &l, sizeof l);
                    gql_buf_append(msgs, &op, sizeof op);
                    gql_buf_append(msgs, ev.data, ev.len);
                }
            }
            memmove(buf, buf + consumed, have - consumed);
            have -= consumed;
            if (ev.type == GW_WS_EV_ERROR) {
                done = true;
                break;
            }
            if (ev.type == GW_WS_EV_MORE)
                break;
        }
    }
    gw_ws_decoder_dispose(&d);
    free(buf);
}

/* Appends one masked client frame: FIN as given, the opcode, the payload. */
static void client_frame(gql_buf_t *w, bool fin, int opcode, const uint8_t *p, size_t n, uint8_t keyseed)
{
    uint8_t h[14];
    size_t hl = 2;
    h[0] = (uint8_t)((fin ? 0x80 : 0) | opcode);
    if (n < 126) {
        h[1] = (uint8_t)(0x80 | n);
    } else {
        h[1] = 0x80 | 126;
        h[2] = (uint8_t)(n >> 8);
        h[3] = (uint8_t)n;
        hl = 4;
    }
    uint8_t key[4] = {keyseed, (uint8_t)(keyseed * 7 + 1), (uint8_t)(keyseed ^ 0x5a), 0x3c};
    memcpy(h + hl, key, 4);
    gql_buf_append(w, h, hl + 4);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i] ^ key[i % 4];
        gql_buf_append(w, &b, 1);
    }
}

/* Each message of `msgs` framed again as two masked fragments decodes to
 * the same bytes. */
static void reframe(const gql_buf_t *msgs, size_t max_message)
{
    size_t at = 0;
    while (at < msgs->len) {
        uint32_t l, op;
        memcpy(&l, msgs->data + at, sizeof l);
        memcpy(&op, msgs->data + at + sizeof l, sizeof op);
        const uint8_t *p = (const uint8_t *)msgs->data + at + 2 * sizeof l;
        at += 2 * sizeof l + l;
        if (l > 4096)
            continue;
        gql_buf_t w = GQL_BUF_INIT, log = GQL_BUF_INIT;
        size_t half = l / 2;
        client_frame(&w, false, (int)op, p, half, (uint8_t)l);
        client_frame(&w, true, GW_WS_CONTINUATION, p + half, l - half, (uint8_t)(l >> 3));
        CHECK(!w.oom);
        gw_ws_decoder_t d;
        gw_ws_decoder_init(&d, max_message);
        size_t consumed = 0;
        gw_ws_event_t ev;
        CHECK(gw_ws_decode(&d, (uint8_t *)w.data, w.len, &consumed, &ev) == 0);
        CHECK(ev.type == GW_WS_EV_MESSAGE && ev.opcode == (int)op && ev.len == l);
        CHECK(l == 0 || memcmp(ev.data, p, l) == 0);
        CHECK(consumed == w.len);
        gw_ws_decoder_dispose(&d);
        gql_buf_free(&w);
        gql_buf_free(&log);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t max_message = MAX_MESSAGE[data[0] % (sizeof MAX_MESSAGE / sizeof *MAX_MESSAGE)];
    size_t chunk = 1 + data[1] % 64;
    const uint8_t *wire = data + 2;
    size_t len = size - 2;
    gql_buf_t whole = GQL_BUF_INIT, split = GQL_BUF_INIT, msgs = GQL_BUF_INIT;
    decode(wire, len, 0, max_message, &whole, &msgs);
    decode(wire, len, chunk, max_message, &split, NULL);
    CHECK(!whole.oom && !split.oom && !msgs.oom);
    if (whole.len != split.len || (whole.len > 0 && memcmp(whole.data, split.data, whole.len) != 0)) {
        fprintf(stderr, "fuzz_ws_frame: decoding in chunks of %zu differs from decoding at once\n", chunk);
        abort();
    }
    reframe(&msgs, max_message);
    gql_buf_free(&whole);
    gql_buf_free(&split);
    gql_buf_free(&msgs);
    return 0;
}
