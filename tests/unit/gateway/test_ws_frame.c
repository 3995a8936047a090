/*
 * test_ws_frame.c — the WebSocket frame codec (gateway/serve/ws_frame.c) with
 * bytes in and events out, no socket: every RFC 6455 rule the decoder
 * enforces with the close code and reason it gives, lengths in 7, 16 and 64
 * bits, fragmentation, UTF-8, close codes, zero-copy unmasking, and the
 * encoder's headers.
 *
 * Every input is decoded three ways, as a socket may deliver it: all at
 * once, one byte at a time, and (for inputs up to SPLIT_ALL bytes) in two
 * parts cut at every position. The three must give the same events and
 * consume the same bytes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/ws_frame.h"
#include "test.h"

/* Inputs up to this size are also cut in two at every position. */
#define SPLIT_ALL 2048
/* Events one decoding run records. */
#define MAX_EVENTS 16

#define FIN 0x80
#define RSV1 0x40
#define RSV2 0x20
#define RSV3 0x10

/* ------------------------------------------------------------------------ */
/* Client frames, as a browser would send them                              */
/* ------------------------------------------------------------------------ */

/* Bytes on the wire, built by the frame helpers below. */
typedef struct wire {
    size_t len;
    unsigned frames; /* frames written: varies the mask key */
    uint8_t b[140000];
} wire_t;

/* How a frame's length is written. */
enum { LEN_SHORTEST, LEN_16, LEN_64, UNMASKED };

/* Appends raw bytes. */
static void raw(wire_t *w, const void *p, size_t n)
{
    memcpy(w->b + w->len, p, n);
    w->len += n;
}

/* Appends one frame: first byte b0 (FIN, RSV, opcode), `n` bytes of payload
 * masked with a key that differs per frame, the length as `form` says. */
static void frame_as(wire_t *w, int b0, const void *payload, size_t n, int form)
{
    uint8_t h[14];
    size_t hl = 2;
    uint8_t mbit = form == UNMASKED ? 0 : 0x80;
    h[0] = (uint8_t)b0;
    if ((form == LEN_SHORTEST || form == UNMASKED) && n < 126) {
        h[1] = (uint8_t)(mbit | n);
    } else if (form != LEN_64 && n <= 0xffff) {
        h[1] = mbit | 126;
        h[2] = (uint8_t)(n >> 8);
        h[3] = (uint8_t)n;
        hl = 4;
    } else {
        h[1] = mbit | 127;
        for (int i = 0; i < 8; i++)
            h[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
        hl = 10;
    }
    raw(w, h, hl);
    const uint8_t *in = payload;
    if (form == UNMASKED) {
        raw(w, in, n);
        return;
    }
    w->frames++;
    uint8_t key[4] = {(uint8_t)(0x37 + w->frames), 0xfa, (uint8_t)(0x21 ^ w->frames), 0x3d};
    raw(w, key, 4);
    for (size_t i = 0; i < n; i++)
        w->b[w->len++] = in[i] ^ key[i & 3];
}

static void frame(wire_t *w, int b0, const void *payload, size_t n)
{
    frame_as(w, b0, payload, n, LEN_SHORTEST);
}

static void frame_str(wire_t *w, int b0, const char *s)
{
    frame(w, b0, s, strlen(s));
}

/* A close frame with `code` and `reason`. */
static void close_frame(wire_t *w, unsigned code, const char *reason, size_t rl)
{
    uint8_t p[125] = {(uint8_t)(code >> 8), (uint8_t)code};
    memcpy(p + 2, reason, rl);
    frame(w, FIN | GW_WS_CLOSE, p, 2 + rl);
}

/* n bytes of printable ASCII (valid UTF-8), varying with seed. */
static uint8_t *ascii(size_t n, unsigned seed)
{
    uint8_t *p = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(' ' + (i * 7 + seed) % 95);
    return p;
}

/* ------------------------------------------------------------------------ */
/* Decoding runs                                                            */
/* ------------------------------------------------------------------------ */

static uint64_t fnv(const void *p, size_t n)
{
    const uint8_t *s = p;
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ull;
    return h;
}

/* One event, kept after its data pointer went stale. */
typedef struct rec {
    int rc; /* gw_ws_decode's value */
    int type, opcode;
    unsigned code;
    const char *reason;
    size_t len;
    uint64_t hash;
    char head[64]; /* the data's first bytes, NUL-terminated */
} rec_t;

typedef struct run {
    rec_t ev[MAX_EVENTS];
    size_t n;
    size_t consumed; /* bytes the decoder said to drop */
    size_t left;     /* bytes still in the buffer at the end */
} run_t;

/* Decodes src[0..n) as a socket reader does: `first` bytes arrive, then
 * `step` at a time (0: all the rest); after each arrival the decoder is
 * called until it needs more, and what it consumed is dropped from the
 * front of the buffer. Stops at the first error. */
static void decode(size_t max, const uint8_t *src, size_t n, size_t first, size_t step, run_t *r)
{
    memset(r, 0, sizeof *r);
    uint8_t *buf = malloc(n ? n : 1);
    gw_ws_decoder_t d;
    gw_ws_decoder_init(&d, max);
    size_t fed = 0, have = 0;
    bool done = false;
    while (!done && fed < n) {
        size_t k = fed == 0 ? first : step ? step : n - fed;
        if (k == 0)
            k = 1;
        if (k > n - fed)
            k = n - fed;
        memcpy(buf + have, src + fed, k);
        have += k;
        fed += k;
        for (;;) {
            size_t used = 12345;
            gw_ws_event_t ev;
            int rc = gw_ws_decode(&d, buf, have, &used, &ev);
            if ((rc != 0 || ev.type != GW_WS_EV_MORE) && r->n < MAX_EVENTS) {
                rec_t *e = &r->ev[r->n++];
                e->rc = rc;
                e->type = ev.type;
                e->opcode = ev.opcode;
                e->code = ev.code;
                e->reason = ev.reason;
                e->len = ev.len;
                e->hash = fnv(ev.data, ev.len);
                size_t h = ev.len < sizeof e->head - 1 ? ev.len : sizeof e->head - 1;
                if (h)
                    memcpy(e->head, ev.data, h);
                e->head[h] = 0;
            }
            memmove(buf, buf + used, have - used);
            have -= used;
            r->consumed += used;
            if (rc != 0 || ev.type == GW_WS_EV_ERROR) {
                done = true;
                break;
            }
            if (ev.type == GW_WS_EV_MORE)
                break;
        }
    }
    r->left = have;
    gw_ws_decoder_dispose(&d);
    free(buf);
}

static bool same_runs(test_state_t *t_, const char *how, size_t at, const run_t *a, const run_t *b)
{
    /* after an error the bytes left depend on how many had arrived: the
     * faults of a header are found before the payload is in */
    bool failed = a->n > 0 && (a->ev[a->n - 1].type == GW_WS_EV_ERROR || a->ev[a->n - 1].rc != 0);
    bool same = a->n == b->n && a->consumed == b->consumed && (failed || a->left == b->left);
    for (size_t i = 0; same && i < a->n; i++) {
        const rec_t *x = &a->ev[i], *y = &b->ev[i];
        same = x->rc == y->rc && x->type == y->type && x->opcode == y->opcode && x->code == y->code &&
               x->len == y->len && x->hash == y->hash &&
               (x->reason == y->reason || (x->reason && y->reason && !strcmp(x->reason, y->reason)));
    }
    if (!same)
        FAIL_("fed %s (%zu): %zu events, %zu consumed; all at once: %zu events, %zu consumed", how, at, b->n,
              b->consumed, a->n, a->consumed);
    return same;
}

/* Decodes w all at once into r, and checks that one byte at a time and every
 * cut in two give the same. */
static bool decode_checked(test_state_t *t_, size_t max, const wire_t *w, run_t *r)
{
    decode(max, w->b, w->len, w->len, 0, r);
    run_t *o = malloc(sizeof *o);
    bool ok = true;
    decode(max, w->b, w->len, 1, 1, o);
    ok = same_runs(t_, "one byte at a time", 1, r, o);
    for (size_t k = 1; ok && w->len <= SPLIT_ALL && k < w->len; k++) {
        decode(max, w->b, w->len, k, 0, o);
        ok = same_runs(t_, "cut in two at", k, r, o);
    }
    free(o);
    return ok;
}

#define DECODE(max, w, r) ASSERT(decode_checked(t_, (max), (w), (r)))

/* The last event is the protocol error `code`, `reason`. */
#define ASSERT_ERROR(r, code_, reason_)                                                                                \
    do {                                                                                                               \
        ASSERT((r)->n > 0);                                                                                            \
        const rec_t *x_ = &(r)->ev[(r)->n - 1];                                                                        \
        ASSERT_EQ_INT(0, x_->rc);                                                                                      \
        ASSERT_EQ_INT(GW_WS_EV_ERROR, x_->type);                                                                       \
        ASSERT_EQ_INT((code_), x_->code);                                                                              \
        ASSERT_EQ_STR((reason_), x_->reason);                                                                          \
    } while (0)

/* Event i is a message of `opcode` with data p[0..n). */
#define ASSERT_MESSAGE(r, i, opcode_, p_, n_)                                                                          \
    do {                                                                                                               \
        ASSERT((r)->n > (i));                                                                                          \
        const rec_t *x_ = &(r)->ev[(i)];                                                                               \
        ASSERT_EQ_INT(0, x_->rc);                                                                                      \
        ASSERT_EQ_INT(GW_WS_EV_MESSAGE, x_->type);                                                                     \
        ASSERT_EQ_INT((opcode_), x_->opcode);                                                                          \
        ASSERT_EQ_INT((n_), x_->len);                                                                                  \
        ASSERT(x_->hash == fnv((p_), (n_)));                                                                           \
    } while (0)

/* Event i is of `type` (ping, pong) with payload s. */
#define ASSERT_CONTROL(r, i, type_, s)                                                                                 \
    do {                                                                                                               \
        ASSERT((r)->n > (i));                                                                                          \
        const rec_t *x_ = &(r)->ev[(i)];                                                                               \
        ASSERT_EQ_INT((type_), x_->type);                                                                              \
        ASSERT_EQ_INT(strlen(s), x_->len);                                                                             \
        ASSERT_EQ_STR((s), x_->head);                                                                                  \
    } while (0)

/* Everything was consumed and nothing is left. */
#define ASSERT_ALL_CONSUMED(r, w)                                                                                      \
    do {                                                                                                               \
        ASSERT_EQ_INT((w)->len, (r)->consumed);                                                                        \
        ASSERT_EQ_INT(0, (r)->left);                                                                                   \
    } while (0)

#define MAX 256 /* the smallest subscriptions.max_message_bytes */

/* ------------------------------------------------------------------------ */
/* The header: mask, reserved bits, opcodes, control frames                 */
/* ------------------------------------------------------------------------ */

TEST(a_text_frame_is_one_message)
{
    wire_t w = {0};
    frame_str(&w, FIN | GW_WS_TEXT, "{\"type\":\"connection_init\"}");
    run_t r;
    DECODE(MAX, &w, &r);
    ASSERT_EQ_INT(1, r.n);
    ASSERT_MESSAGE(&r, 0, GW_WS_TEXT, "{\"type\":\"connection_init\"}", 26);
    ASSERT_EQ_STR("{\"type\":\"connection_init\"}", r.ev[0].head);
    ASSERT_ALL_CONSUMED(&r, &w);
}

TEST(an_empty_message_and_a_binary_one)
{
    wire_t w = {0};
    frame(&w, FIN | GW_WS_TEXT, "", 0);
    uint8_t bin[] = {0x00, 0xff, 0xc0, 0x80}; /* not UTF-8: fine in a binary message */
    frame(&w, FIN | GW_WS_BINARY, bin, sizeof bin);
    run_t r;
    DECODE(MAX, &w, &r);
    ASSERT_EQ_INT(2, r.n);
    ASSERT_MESSAGE(&r, 0, GW_WS_TEXT, "", 0);
    ASSERT_MESSAGE(&r, 1, GW_WS_BINARY, bin, sizeof bin);
    ASSERT_ALL_CONSUMED(&r, &w);
}

TEST(an_unmasked_client_frame_is_1002)
{
    wire_t w = {0};
    frame_as(&w, FIN | GW_WS_TEXT, "hello", 5, UNMASKED);
    run_t r;
    DECODE(MAX, &w, &r);
    ASSERT_EQ_INT(1, r.n);
    ASSERT_ERROR(&r, 1002, "Client frames must be masked");
    /* known from the first two bytes: the payload need not arrive */
    decode(MAX, w.b, 2, 2, 0, &r);
    ASSERT_ERROR(&r, 1002, "Client frames must be masked");
}

TEST(reserved_bits_are_1002)
{
    int bits[] = {RSV1, RSV2, RSV3, RSV1 | RSV2 | RSV3};
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
        wire_t w = {0};
        frame_str(&w, FIN | bits[i] | GW_WS_TEXT, "hello");
        run_t r;
        DECODE(MAX, &w, &r);
        ASSERT_EQ_INT(1, r.n);
        ASSERT_ERROR(&r, 1002, "Reserved bits set");
    }
    /* on a control frame too, and before the mask is looked at */
    wire_t w = {0};
    frame_as(&w, FIN | RSV1 | GW_WS_PING, "", 0, UNMASKED);
    run_t r;
    DECODE(MAX, &w, &r);
    ASSERT_ERROR(&r, 1002, "Reserved bits set");
}

TEST(unknown_opcodes_are_1002)
{
    int ops[] = {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        wire_t w = {0};
        frame_str(&w, FIN | ops[i], "x");
        run_t r;
        DECODE(MAX, &w, &r);
        ASSERT_EQ_INT(1, r.n);
        ASSERT_ERROR(&r, 1002, "Unknown opcode");
        /* found once the whole frame is in, as ws.c always did */
        decode(MAX, w.b, w.len - 1, w.len - 1, 0, &r);
        ASSERT_EQ_INT(0, r.n);
    }
}

TEST(control_frames_over_125_bytes_or_fragmented_are_1002)
{
    uint8_t *p = ascii(126, 1);
    int ops[] = {GW_WS_PING, GW_WS_PONG, GW_WS_CLOSE};
    for (size_t i = 0; i < 3; i++) {
        wire_t w = {0};
        frame(&w, FIN | ops[i], p, 126);
        run_t r;
        DECODE(MAX, &w, &r);
        ASSERT_ERROR(&r, 1002, "Bad control frame");
        /* found from the header alone */
        decode(MAX, w.b, 4, 4, 0, &r);
        ASSERT_ERROR(&r, 1002, "Bad control frame");

        wire_t f = {0};
        frame(&f, ops[i], "", 0); /* no FIN */
        DECODE(MAX, &f, &r);
        ASSERT_ERROR(&r, 1002, "Bad control frame");
    }
    /* 125 bytes is a control frame's most */
    wire_t w = {0};
    frame(&w, FIN | GW_WS_PING, p, 125);
    run_t r;
    DECODE(MAX, &w, &r);
    ASSERT_EQ_INT(1, r.n);
    ASSERT_EQ_INT(GW_WS_EV_PING, r.ev[0].type);
    ASSERT_EQ_INT(125, r.ev[0].len);
    ASSERT(r.ev[0].hash == fnv(p, 125));
    /* even written in 16 bits, a control frame over 125 is refused */
    wire_t x = {0};
    frame_as(&x, FIN | GW_WS_PING, p, 126, LEN_16);
    DECODE(MAX, &x, &r);
    ASSERT_ERROR(&r, 1002, "Bad control frame");
    free(p);
}

/* ------------------------------------------------------------------------ */
/* Lengths                                                                  */
/* ------------------------------------------------------------------------ */

TEST(lengths_in_7_16_and_64_bits)
{
    size_t sizes[] = {0, 1, 125, 126, 127, 1000, 65535, 65536, 70000};
    size_t max = 1 << 20;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        uint8_t *p = ascii(n, (unsigned)i);
        wire_t *w = calloc(1, sizeof *w);
        frame(w, FIN | GW_WS_TEXT, p, n);
        size_t hl = n < 126 ? 2 : n <= 0xffff ? 4 : 10;
        EXPECT(w->len == hl + 4 + n);
        run_t r;
        bool ok = decode_checked(t_, max, w, &r);
        EXPECT(ok);
        EXPECT(r.n == 1 && r.ev[0].type == GW_WS_EV_MESSAGE && r.ev[0].len == n && r.ev[0].hash == fnv(p, n));
        EXPECT(r.consumed == w->len && r.left == 0);
        /* a frame missing its last byte waits, consuming nothing */
        decode(max, w->b, w->len - 1, w->len - 1, 0, &r);
        EXPECT(r.n == 0 && r.consumed == 0);
        free(w);
        free(p);
        if (t_->failed)
            return;
    }
}

TEST(lengths_written_longer_than_needed_are_accepted)
{
    /* RFC 6455 §5.2 asks senders for the shortest form; the gateway has never
     * refused a longer one */
    wire_t w = {0};
    frame_as(&w, FIN | GW_WS_TEXT, "abc", 3, LEN_16);
    frame_as(&w, FIN | GW_WS_TEXT, "defg", 4, LEN_64);
    frame_as(&w, FIN | GW_WS_PING, "hi", 2, LEN_64);
    run_t r;
    DECODE(MAX, &w, &r);
    ASSERT_EQ_INT(3, r.n);
    ASSERT_MESSAGE(&r, 0, GW_WS_TEXT, "abc", 3);
    ASSERT_MESSAGE(&r, 1, GW_WS_TEXT, "defg", 4);
    ASSERT_CONTROL(&r, 2, GW_WS_EV_PING, "hi");
    ASSERT_ALL_CONSUMED(&r, &w);
}

TEST(a_64_bit_length_with_the_top_bit_set)
{
    /* §5.2: the top bit must be 0. Such a length is above any bound, so the
     * gateway answers as for any oversize message: 1009, from the header
     * alone (it never waits for 2^63 bytes) */
    uint8_t h[] = {FIN | GW_WS_TEXT, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4};
    wire_t w = {0};
    raw(&w, h, 10);
    run_t r;
    DECODE(1 << 26, &w, &r);
    ASSERT_EQ_INT(1, r.n);
    ASSERT_ERROR(&r, 1009, "Message too big");
    wire_t x = {0};
    raw(&x, h, sizeof h);
    DECODE(1 << 26, &x, &r);
    ASSERT_ERROR(&r, 1009, "Message too big");
    /* the largest 64-bit length does not wrap the bound's arithmetic, even
     * with a message being assembled and the bound at its largest */
    uint8_t all[] = {GW_WS_TEXT | FIN, 0x80 | 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    wire_t y = {0};
    frame_str(&y, GW_WS_TEXT, "part");
    raw(&y, all, sizeof all);
    all[0] = GW_WS_CONTINUATION;
    wire_t z = {0};
    frame_str(&z, GW_WS_TEXT, "part");
    raw(&z, all, sizeof all);
    DECODE(SIZE_MAX, &z, &r);
    ASSERT_ERROR(&r, 1009, "Message too big");
    DECODE(SIZE_MAX, &y, &r); /* a new message inside the fragmented one: too big first */
    ASSERT_ERROR(&r, 1009, "Message too big");
    /* on a control frame it is a bad control frame */
    h[0] = FIN | GW_WS_PING;
    wire_t c = {0};
    raw(&c, h, 10);
    DECODE(1 << 26, &c, &r);
    ASSERT_ERROR(&r, 1002, "Bad control frame");
}

/* ------------------------------------------------------------------------ */
/* The message-size bound                                                   */
/* ------------------------------------------------------------------------ */

TEST(a_message_over_the_bound_in_one_frame_is_1009)
{
    uint8_t *p = ascii(MAX + 1, 3);
    wire_t w = {0};
    frame(&w, FIN | GW_WS_TEXT, p, MAX);
    frame(&w, FIN | GW_WS_BINARY, p, MAX + 1);
    run_t r;
    DECODE(MAX, &w, &r);
    ASSERT_EQ_INT(2, r.n);
    ASSERT_MESSAGE(&r, 0, GW_WS_TEXT, p, MAX); /* exactly the bound: fine */
    ASSERT_ERROR(&r, 1009, "Message too big");
    /* the header is enough: the decoder does not wait for the payload */
    wire_t h = {0};
    frame(&h, FIN | GW_WS_TEXT, p, MAX + 1);
    decode(MAX, h.b, 4, 4, 0, &r);
    ASSERT_ERROR(&r, 1009, "Message too big");
    free(p);
}

TEST(a_message_over_the_bound_across_fragments_is_1009)
{
    uint8_t *p = ascii(MAX + 1, 4);
    wire_t ok = {0};
    frame(&ok, GW_WS_TEXT, p, 100);
    frame(&ok, GW_WS_CONTINUATION, p + 100, 100);
    frame(&ok, FIN | GW_WS_PING, p, 125); /* control frames do not count */
    frame(&ok, FIN | GW_WS_CONTINUATION, p + 200, MAX - 200);
    run_t r;
    DECODE(MAX, &ok, &r);
    ASSERT_EQ_INT(2, r.n);
    ASSERT_EQ_INT(GW_WS_EV_PING, r.ev[0].type);
    ASSERT_MESSAGE(&r, 1, GW_WS_TEXT, p, MAX);
    ASSERT_ALL_CONSUMED(&r, &ok);

    wire_t big = {0};
    frame(&big, GW_WS_TEXT, p, 100);
    frame(&big, GW_WS_CONTINUATION, p + 100, 100);
    size_t before = big.len;
    frame(&big, FIN | GW_WS_CONTINUATION, p + 200, MAX - 200 + 1);
    DECODE(MAX, &big, &r);
    ASSERT_EQ_INT(1, r.n);
    ASSERT_ERROR(&r, 1009, "Message too big");
    ASSERT_EQ_INT(before, r.consumed); /* the first two fragments were absorbed */

    /* a non-final fragment crossing the bound is refused as well */
    wire_t nf = {0};
    frame(&nf, GW_WS_BINARY, p, 200);
    frame(&nf, GW_WS_CONTINUATION, p, 57);
    DECODE(MAX, &nf, &r);
    ASSERT_ERROR(&r, 1009, "Message too big");
    free(p);
}

/* ------------------------------------------------------------------------ */
/* Fragmentation                                                            */
/* ------------------------------------------------------------------------ */

TEST(fragments_make_one_message_with_control_frames_between)
{
    wire_t w = {0};
    frame_str(&w, GW_WS_TEXT, "{\"type\":");
    frame_str(&w, FIN | GW_WS_PING, "p1");
    frame_str(&w, GW_WS_CONTINUATION, "\"ping\"");
    frame(&w, GW_WS_CONTINUATION, "", 0);
    frame_str(&w, FIN | GW_WS_PONG, "p2");
    frame_str(&w, FIN | GW_WS_CONTINUATION, "}");
    frame_str(&w, FIN | GW_WS_TEXT, "next");
    uint8_t bin[] = {1, 2, 3, 0xff};
    frame(&w, GW_WS_BINARY, bin, 2);
    frame(&w, FIN | GW_WS_CONTINUATION, bin + 2, 2);
    run_t r;
    DECODE(MAX, &w, &r);
    ASSERT_EQ_INT(5, r.n);
    ASSERT_CONTROL(&r, 0, GW_WS_EV_PING, "p1");
    ASSERT_CONTROL(&r, 1, GW_WS_EV_PONG, "p2");
    ASSERT_MESSAGE(&r, 2, GW_WS_TEXT, "{\"type\":\"ping\"}", 15);
    ASSERT_MESSAGE(&r, 3, GW_WS_TEXT, "next", 4);
    ASSERT_MESSAGE(&r, 4, GW_WS_BINARY, bin, 4);
    ASSERT_ALL_CONSUMED(&r, &w);
}

TEST(a_continuation_without_a_start_is_1002)
{
    wire_t w = {0};
    frame_str(&w, FIN | GW_WS_CONTINUATION, "x");
    run_t r;
    DECODE(MAX, &w, &r);
    ASSERT_EQ_INT(1, r.n);
    ASSERT_ERROR(&r, 1002, "Unexpected continuation frame");
    /* after a finished fragmented message as well */
    wire_t a = {0};
    frame_str(&a, GW_WS_TEXT, "a");
    frame_str(&a, FIN | GW_WS_CONTINUATION, "b");
    frame_str(&a, GW_WS_CONTINUATION, "c");
    DECODE(MAX, &a, &r);
    ASSERT_EQ_INT(2, r.n);
    ASSERT_MESSAGE(&r, 0, GW_WS_TEXT, "ab", 2);
    ASSERT_ERROR(&r, 1002, "Unexpected continuation frame");
}

TEST(a_new_data_frame_inside_a_fragmented_message_is_1002)
{
    int ops[] = {GW_WS_TEXT, GW_WS_BINARY, FIN | GW_WS_TEXT, FIN | GW_WS_BINARY};
    for (size_t i = 0; i < 4; i++) {
        wire_t w = {0};
        frame_str(&w, GW_WS_TEXT, "start");
        frame_str(&w, ops[i], "again");
        run_t r;
        DECODE(MAX, &w, &r);
        ASSERT_EQ_INT(1, r.n);
        ASSERT_ERROR(&r, 1002, "Expected a continuation frame");
    }
}

/* ------------------------------------------------------------------------ */
/* UTF-8                                                                    */
/* ------------------------------------------------------------------------ */

TEST(invalid_utf8_in_a_text_message_is_1007)
{
    const char *bad[] = {
        "\xff",             /* never in UTF-8 */
        "abc\xc3",          /* truncated */
        "\xc0\xaf",         /* overlong */
        "\xed\xa0\x80",     /* a surrogate */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wire_t w = {0};
        frame_str(&w, FIN | GW_WS_TEXT, bad[i]);
        run_t r;
        DECODE(MAX, &w, &r);
        ASSERT_EQ_INT(1, r.n);
        ASSERT_ERROR(&r, 1007, "Invalid UTF-8 in a text message");
        /* fragmented: found once the message is whole */
        wire_t f = {0};
        frame_str(&f, GW_WS_TEXT, "ok ");
        frame_str(&f, FIN | GW_WS_CONTINUATION, bad[i]);
        DECODE(MAX, &f, &r);
        ASSERT_EQ_INT(1, r.n);
        ASSERT_ERROR(&r, 1007, "Invalid UTF-8 in a text message");
    }
}

TEST(utf8_split_across_fragments_is_valid)
{
    /* "€" = E2 82 AC, "😀" = F0 9F 98 80, each cut inside its sequence */
    wire_t w = {0};
    frame_str(&w, GW_WS_TEXT, "1\xe2");
    frame_str(&w, GW_WS_CONTINUATION, "\x82");
    frame_str(&w, GW_WS_CONTINUATION, "\xac \xf0\x9f");
    frame_str(&w, FIN | GW_WS_PING, "");
    frame_str(&w, GW_WS_CONTINUATION, "\x98");
    frame_str(&w, FIN | GW_WS_CONTINUATION, "\x80!");
    run_t r;
    DECODE(MAX, &w, &r);
    ASSERT_EQ_INT(2, r.n);
    ASSERT_CONTROL(&r, 0, GW_WS_EV_PING, "");
    ASSERT_MESSAGE(&r, 1, GW_WS_TEXT, "1\xe2\x82\xac \xf0\x9f\x98\x80!", 10);
    ASSERT_ALL_CONSUMED(&r, &w);
}

/* ------------------------------------------------------------------------ */
/* Close frames                                                             */
/* ------------------------------------------------------------------------ */

TEST(valid_close_codes)
{
    unsigned codes[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4400, 4999};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        EXPECT(gw_ws_close_code_valid(codes[i]));
        wire_t w = {0};
        close_frame(&w, codes[i], "", 0);
        run_t r;
        DECODE(MAX, &w, &r);
        ASSERT_EQ_INT(1, r.n);
        ASSERT_EQ_INT(GW_WS_EV_CLOSE, r.ev[0].type);
        ASSERT_EQ_INT(codes[i], r.ev[0].code);
        ASSERT_EQ_INT(0, r.ev[0].len);
        ASSERT_ALL_CONSUMED(&r, &w);
    }
}

TEST(invalid_close_codes_are_1002)
{
    /* 1004-1006 and 1015 are reserved, never sent; 1012-1014 were
     * registered after RFC 6455 and the gateway has never accepted them */
    unsigned codes[] = {0, 1, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 2000, 2999, 5000, 6000, 65535};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        EXPECT(!gw_ws_close_code_valid(codes[i]));
        wire_t w = {0};
        close_frame(&w, codes[i], "bye", 3);
        run_t r;
        DECODE(MAX, &w, &r);
        ASSERT_EQ_INT(1, r.n);
        ASSERT_ERROR(&r, 1002, "Bad close code");
    }
}

TEST(a_one_byte_close_payload_is_1002)
{
    wire_t w = {0};
    frame(&w, FIN | GW_WS_CLOSE, "\x03", 1);
    run_t r;
    DECODE(MAX, &w, &r);
    ASSERT_EQ_INT(1, r.n);
    ASSERT_ERROR(&r, 1002, "Bad close frame");
}

TEST(a_close_without_a_code_and_one_with_a_reason)
{
    wire_t w = {0};
    frame(&w, FIN | GW_WS_CLOSE, "", 0);
    run_t r;
    DECODE(MAX, &w, &r);
    ASSERT_EQ_INT(1, r.n);
    ASSERT_EQ_INT(GW_WS_EV_CLOSE, r.ev[0].type);
    ASSERT_EQ_INT(GW_WS_NO_STATUS, r.ev[0].code);
    ASSERT_EQ_INT(0, r.ev[0].len);

    wire_t x = {0};
    close_frame(&x, 4000, "d\xc3\xa9j\xc3\xa0 vu", 9);
    DECODE(MAX, &x, &r);
    ASSERT_EQ_INT(1, r.n);
    ASSERT_EQ_INT(GW_WS_EV_CLOSE, r.ev[0].type);
    ASSERT_EQ_INT(4000, r.ev[0].code);
    ASSERT_EQ_STR("d\xc3\xa9j\xc3\xa0 vu", r.ev[0].head);

    /* the longest reason: 123 bytes */
    char *p = (char *)ascii(123, 9);
    wire_t y = {0};
    close_frame(&y, 1000, p, 123);
    DECODE(MAX, &y, &r);
    ASSERT_EQ_INT(1, r.n);
    ASSERT_EQ_INT(123, r.ev[0].len);
    ASSERT(r.ev[0].hash == fnv(p, 123));
    free(p);
}

TEST(invalid_utf8_in_a_close_reason_is_1007)
{
    wire_t w = {0};
    close_frame(&w, 1000, "bye\xc3", 4);
    run_t r;
    DECODE(MAX, &w, &r);
    ASSERT_EQ_INT(1, r.n);
    ASSERT_ERROR(&r, 1007, "Invalid UTF-8 in the close reason");
    /* the code is checked first */
    wire_t x = {0};
    close_frame(&x, 999, "\xff", 1);
    DECODE(MAX, &x, &r);
    ASSERT_ERROR(&r, 1002, "Bad close code");
}

/* ------------------------------------------------------------------------ */
/* Ping and pong, several frames, byte boundaries                           */
/* ------------------------------------------------------------------------ */

TEST(ping_and_pong_payloads)
{
    wire_t w = {0};
    frame(&w, FIN | GW_WS_PING, "", 0);
    frame_str(&w, FIN | GW_WS_PING, "are you there?");
    frame_str(&w, FIN | GW_WS_PONG, "yes");
    frame(&w, FIN | GW_WS_PONG, "", 0);
    run_t r;
    DECODE(MAX, &w, &r);
    ASSERT_EQ_INT(4, r.n);
    ASSERT_CONTROL(&r, 0, GW_WS_EV_PING, "");
    ASSERT_CONTROL(&r, 1, GW_WS_EV_PING, "are you there?");
    ASSERT_CONTROL(&r, 2, GW_WS_EV_PONG, "yes");
    ASSERT_CONTROL(&r, 3, GW_WS_EV_PONG, "");
    ASSERT_ALL_CONSUMED(&r, &w);
}

TEST(several_frames_in_one_buffer_split_at_every_byte)
{
    /* a session's worth of frames: decode_checked feeds them all at once,
     * byte by byte and cut in two at each of the positions */
    uint8_t *big = ascii(300, 5);
    wire_t w = {0};
    frame_str(&w, FIN | GW_WS_TEXT, "{\"type\":\"connection_init\"}");
    frame_str(&w, FIN | GW_WS_PING, "1");
    frame_as(&w, GW_WS_TEXT, big, 130, LEN_16);
    frame_str(&w, FIN | GW_WS_PONG, "2");
    frame_as(&w, FIN | GW_WS_CONTINUATION, big + 130, 170, LEN_64);
    frame(&w, FIN | GW_WS_BINARY, "\x01\x02", 2);
    close_frame(&w, 1000, "done", 4);
    frame_str(&w, FIN | GW_WS_TEXT, "after the close: the caller stops reading, the decoder does not care");
    ASSERT(w.len <= SPLIT_ALL);
    run_t r;
    DECODE(1000, &w, &r);
    ASSERT_EQ_INT(7, r.n);
    ASSERT_MESSAGE(&r, 0, GW_WS_TEXT, "{\"type\":\"connection_init\"}", 26);
    ASSERT_CONTROL(&r, 1, GW_WS_EV_PING, "1");
    ASSERT_CONTROL(&r, 2, GW_WS_EV_PONG, "2");
    ASSERT_MESSAGE(&r, 3, GW_WS_TEXT, big, 300);
    ASSERT_MESSAGE(&r, 4, GW_WS_BINARY, "\x01\x02", 2);
    ASSERT_EQ_INT(GW_WS_EV_CLOSE, r.ev[5].type);
    ASSERT_EQ_INT(1000, r.ev[5].code);
    ASSERT_EQ_STR("done", r.ev[5].head);
    ASSERT_EQ_INT(GW_WS_EV_MESSAGE, r.ev[6].type);
    ASSERT_ALL_CONSUMED(&r, &w);
    free(big);
}

TEST(an_incomplete_frame_waits_untouched)
{
    wire_t w = {0};
    frame_as(&w, FIN | GW_WS_TEXT, "hello", 5, LEN_64);
    for (size_t k = 0; k < w.len; k++) {
        uint8_t buf[32];
        memcpy(buf, w.b, k);
        gw_ws_decoder_t d;
        gw_ws_decoder_init(&d, MAX);
        size_t used = 99;
        gw_ws_event_t ev;
        int rc = gw_ws_decode(&d, buf, k, &used, &ev);
        gw_ws_decoder_dispose(&d);
        ASSERT_EQ_INT(0, rc);
        ASSERT_EQ_INT(GW_WS_EV_MORE, ev.type);
        ASSERT_EQ_INT(0, used);
        ASSERT(memcmp(buf, w.b, k) == 0); /* not unmasked: it will be seen again */
    }
}

TEST(fragments_absorbed_before_more_bytes_are_needed_are_consumed)
{
    wire_t w = {0};
    frame_str(&w, GW_WS_TEXT, "ab");
    frame_str(&w, GW_WS_CONTINUATION, "cd");
    size_t absorbed = w.len;
    frame_str(&w, FIN | GW_WS_CONTINUATION, "ef");
    gw_ws_decoder_t d;
    gw_ws_decoder_init(&d, MAX);
    size_t used;
    gw_ws_event_t ev;
    int rc = gw_ws_decode(&d, w.b, w.len - 1, &used, &ev);
    EXPECT(rc == 0 && ev.type == GW_WS_EV_MORE && used == absorbed);
    rc = gw_ws_decode(&d, w.b + used, w.len - used, &used, &ev);
    EXPECT(rc == 0 && ev.type == GW_WS_EV_MESSAGE && ev.len == 6 && memcmp(ev.data, "abcdef", 6) == 0);
    EXPECT(used == w.len - absorbed);
    gw_ws_decoder_dispose(&d);
}

/* ------------------------------------------------------------------------ */
/* Zero copy                                                                */
/* ------------------------------------------------------------------------ */

TEST(a_whole_frame_is_unmasked_in_place_and_not_copied)
{
    wire_t w = {0};
    frame_str(&w, FIN | GW_WS_TEXT, "in place");
    frame_str(&w, FIN | GW_WS_PING, "here too");
    gw_ws_decoder_t d;
    gw_ws_decoder_init(&d, MAX);
    size_t used;
    gw_ws_event_t ev;
    ASSERT_EQ_INT(0, gw_ws_decode(&d, w.b, w.len, &used, &ev));
    EXPECT(ev.type == GW_WS_EV_MESSAGE && ev.data == (const char *)w.b + 6 && ev.len == 8);
    EXPECT(memcmp(w.b + 6, "in place", 8) == 0);
    EXPECT(used == 14);
    ASSERT_EQ_INT(0, gw_ws_decode(&d, w.b + used, w.len - used, &used, &ev));
    EXPECT(ev.type == GW_WS_EV_PING && ev.data == (const char *)w.b + 14 + 6 && ev.len == 8);
    EXPECT(ev.type == GW_WS_EV_PING && memcmp(ev.data, "here too", 8) == 0);
    EXPECT(d._msg.cap == 0); /* nothing was copied */
    gw_ws_decoder_dispose(&d);
}

TEST(a_big_fragmented_message_buffer_is_given_back)
{
    size_t n = 100000;
    uint8_t *p = ascii(n, 6);
    wire_t *w = calloc(1, sizeof *w);
    frame(w, GW_WS_BINARY, p, n / 2);
    frame(w, FIN | GW_WS_CONTINUATION, p + n / 2, n - n / 2);
    size_t first = w->len;
    frame(w, GW_WS_TEXT, "x", 1);
    frame(w, FIN | GW_WS_CONTINUATION, "y", 1);
    gw_ws_decoder_t d;
    gw_ws_decoder_init(&d, 1 << 20);
    size_t used;
    gw_ws_event_t ev;
    int rc = gw_ws_decode(&d, w->b, w->len, &used, &ev);
    EXPECT(rc == 0 && ev.type == GW_WS_EV_MESSAGE && ev.opcode == GW_WS_BINARY && ev.len == n);
    EXPECT(ev.type == GW_WS_EV_MESSAGE && ev.len == n && fnv(ev.data, ev.len) == fnv(p, n));
    EXPECT(used == first);
    /* the next call is done with it: over 64 KiB, it is freed */
    rc = gw_ws_decode(&d, w->b + first, w->len - first, &used, &ev);
    EXPECT(rc == 0 && ev.type == GW_WS_EV_MESSAGE && ev.opcode == GW_WS_TEXT && ev.len == 2);
    EXPECT(ev.type == GW_WS_EV_MESSAGE && ev.len == 2 && memcmp(ev.data, "xy", 2) == 0);
    EXPECT(d._msg.cap > 0 && d._msg.cap <= 65536);
    gw_ws_decoder_dispose(&d);
    free(w);
    free(p);
}

/* ------------------------------------------------------------------------ */
/* Encoding                                                                 */
/* ------------------------------------------------------------------------ */

TEST(the_encoders_header_for_lengths_0_125_126_65535_65536)
{
    static const struct {
        size_t len;
        size_t hl;
        uint8_t h[10];
    } cases[] = {
        {0, 2, {0x81, 0x00}},
        {125, 2, {0x81, 0x7d}},
        {126, 4, {0x81, 0x7e, 0x00, 0x7e}},
        {65535, 4, {0x81, 0x7e, 0xff, 0xff}},
        {65536, 10, {0x81, 0x7f, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t h[GW_WS_HEADER_MAX];
        ASSERT_EQ_INT(cases[i].hl, gw_ws_frame_header(h, GW_WS_TEXT, cases[i].len));
        ASSERT(memcmp(h, cases[i].h, cases[i].hl) == 0);
        /* a whole frame: that header, then the parts in order */
        uint8_t *p = ascii(cases[i].len, (unsigned)i);
        size_t a = cases[i].len / 3, c = cases[i].len - a;
        gw_chunk_t *f = gw_ws_frame(GW_WS_TEXT, p, a, NULL, 0, p + a, c);
        ASSERT(f != NULL);
        EXPECT(f->refs == 1);
        EXPECT(f->len == cases[i].hl + cases[i].len);
        EXPECT(memcmp(f->data, cases[i].h, cases[i].hl) == 0);
        EXPECT(memcmp(f->data + cases[i].hl, p, cases[i].len) == 0);
        gw_chunk_unref(f);
        free(p);
    }
    uint8_t h[GW_WS_HEADER_MAX];
    gw_ws_frame_header(h, GW_WS_BINARY, 1);
    EXPECT(h[0] == 0x82 && h[1] == 1);
    gw_ws_frame_header(h, GW_WS_PING, 0);
    EXPECT(h[0] == 0x89);
    gw_ws_frame_header(h, GW_WS_PONG, 0);
    EXPECT(h[0] == 0x8a);
    ASSERT_EQ_INT(10, gw_ws_frame_header(h, GW_WS_BINARY, (size_t)0x0102030405ull));
    uint8_t want[] = {0x82, 0x7f, 0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05};
    EXPECT(memcmp(h, want, 10) == 0);
}

TEST(close_frames)
{
    gw_chunk_t *f = gw_ws_close_frame(1009, "Message too big");
    ASSERT(f != NULL);
    EXPECT(f->len == 2 + 2 + 15);
    EXPECT(memcmp(f->data, "\x88\x11\x03\xf1Message too big", f->len) == 0);
    gw_chunk_unref(f);
    f = gw_ws_close_frame(1000, NULL);
    ASSERT(f != NULL);
    EXPECT(f->len == 4 && memcmp(f->data, "\x88\x02\x03\xe8", 4) == 0);
    gw_chunk_unref(f);
    /* a reason is cut to 123 bytes: the payload fits a control frame */
    char reason[200];
    memset(reason, 'r', sizeof reason - 1);
    reason[sizeof reason - 1] = 0;
    f = gw_ws_close_frame(4400, reason);
    ASSERT(f != NULL);
    EXPECT(f->len == 2 + 125 && (uint8_t)f->data[1] == 125);
    EXPECT((uint8_t)f->data[2] == 0x11 && (uint8_t)f->data[3] == 0x30);
    EXPECT(memcmp(f->data + 4, reason, 123) == 0);
    gw_chunk_unref(f);
}

TEST(what_the_encoder_writes_the_decoder_reads_once_masked)
{
    size_t sizes[] = {0, 125, 126, 65535, 65536};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *p = ascii(sizes[i], (unsigned)i + 20);
        gw_chunk_t *f = gw_ws_frame(GW_WS_TEXT, p, sizes[i], NULL, 0, NULL, 0);
        ASSERT(f != NULL);
        /* a client sends the same frame masked: set the bit, insert a key */
        size_t hl = f->len - sizes[i];
        wire_t *w = calloc(1, sizeof *w);
        raw(w, f->data, hl);
        w->b[1] |= 0x80;
        uint8_t key[4] = {1, 2, 3, (uint8_t)i};
        raw(w, key, 4);
        for (size_t j = 0; j < sizes[i]; j++)
            w->b[w->len++] = p[j] ^ key[j & 3];
        run_t r;
        decode(1 << 20, w->b, w->len, w->len, 0, &r);
        EXPECT(r.n == 1 && r.ev[0].type == GW_WS_EV_MESSAGE && r.ev[0].len == sizes[i]);
        EXPECT(r.ev[0].hash == fnv(p, sizes[i]) && r.consumed == w->len);
        free(w);
        gw_chunk_unref(f);
        free(p);
        if (t_->failed)
            return;
    }
}

TEST_MAIN(TEST_ENTRY(a_text_frame_is_one_message), TEST_ENTRY(an_empty_message_and_a_binary_one),
          TEST_ENTRY(an_unmasked_client_frame_is_1002), TEST_ENTRY(reserved_bits_are_1002),
          TEST_ENTRY(unknown_opcodes_are_1002), TEST_ENTRY(control_frames_over_125_bytes_or_fragmented_are_1002),
          TEST_ENTRY(lengths_in_7_16_and_64_bits), TEST_ENTRY(lengths_written_longer_than_needed_are_accepted),
          TEST_ENTRY(a_64_bit_length_with_the_top_bit_set), TEST_ENTRY(a_message_over_the_bound_in_one_frame_is_1009),
          TEST_ENTRY(a_message_over_the_bound_across_fragments_is_1009),
          TEST_ENTRY(fragments_make_one_message_with_control_frames_between),
          TEST_ENTRY(a_continuation_without_a_start_is_1002),
          TEST_ENTRY(a_new_data_frame_inside_a_fragmented_message_is_1002),
          TEST_ENTRY(invalid_utf8_in_a_text_message_is_1007), TEST_ENTRY(utf8_split_across_fragments_is_valid),
          TEST_ENTRY(valid_close_codes), TEST_ENTRY(invalid_close_codes_are_1002),
          TEST_ENTRY(a_one_byte_close_payload_is_1002), TEST_ENTRY(a_close_without_a_code_and_one_with_a_reason),
          TEST_ENTRY(invalid_utf8_in_a_close_reason_is_1007), TEST_ENTRY(ping_and_pong_payloads),
          TEST_ENTRY(several_frames_in_one_buffer_split_at_every_byte), TEST_ENTRY(an_incomplete_frame_waits_untouched),
          TEST_ENTRY(fragments_absorbed_before_more_bytes_are_needed_are_consumed),
          TEST_ENTRY(a_whole_frame_is_unmasked_in_place_and_not_copied),
          TEST_ENTRY(a_big_fragmented_message_buffer_is_given_back),
          TEST_ENTRY(the_encoders_header_for_lengths_0_125_126_65535_65536), TEST_ENTRY(close_frames),
          TEST_ENTRY(what_the_encoder_writes_the_decoder_reads_once_masked))
