/*
 * test_wire.c — HTTP response heads, chunked bodies and WebSocket frames
 * (tools/bank-load/wire.h), bytes in and values out: whole, cut anywhere
 * (incomplete is 0, never an error), malformed and oversize; the
 * handshake's accept from RFC 6455's own example.
 */
#include "test.h"
#include "wire.h"

#include <stdint.h>
#include <string.h>

TEST(head_keep_alive)
{
    const char r[] = "HTTP/1.1 200 OK\r\nDate: x\r\nConnection: keep-alive\r\nContent-Length: 99\r\n"
                     "content-type: application/json\r\n\r\n{";
    bl_http_head_t h;
    size_t n = strlen(r);
    ASSERT_EQ_INT(n - 1, bl_http_head_parse(r, n, 16384, &h));
    ASSERT_EQ_INT(200, h.status);
    ASSERT_EQ_INT(99, h.content_length);
    EXPECT(!h.chunked && !h.close && !h.upgrade_websocket);
    for (size_t cut = 0; cut < n - 1; cut++)
        ASSERT_EQ_INT(0, bl_http_head_parse(r, cut, 16384, &h));
}

TEST(head_variants)
{
    bl_http_head_t h;
    const char a[] = "HTTP/1.0 400 Bad\r\nTransfer-Encoding: gzip, Chunked\r\nCONNECTION: Close\r\n\r\n";
    ASSERT_EQ_INT(strlen(a), bl_http_head_parse(a, strlen(a), 16384, &h));
    ASSERT_EQ_INT(400, h.status);
    EXPECT(h.chunked && h.close);
    ASSERT_EQ_INT(-1, h.content_length);
    const char u[] =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept:  s3pPLMBiTxaQ9kYGzzhZRbK+xOo= \r\nSec-WebSocket-Protocol: graphql-ws\r\n\r\n";
    ASSERT_EQ_INT(strlen(u), bl_http_head_parse(u, strlen(u), 16384, &h));
    ASSERT_EQ_INT(101, h.status);
    EXPECT(h.upgrade_websocket && !h.close);
    ASSERT_EQ_INT(28, h.accept_len);
    EXPECT(memcmp(h.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", 28) == 0);
    ASSERT_EQ_INT(10, h.protocol_len);
    const char *bad[] = {"HTTP/2 200 OK\r\n\r\n",
                         "HTTP/1.1 2x0 OK\r\n\r\n",
                         "SMTP/1.1 200 OK\r\n\r\n",
                         "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
                         "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
                         "HTTP/1.1 200 OK\nX: y\r\n\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (bl_http_head_parse(bad[i], strlen(bad[i]), 16384, &h) != BL_WIRE_EPROTO)
            FAIL_("accepted %s", bad[i]);
    char big[200];
    memset(big, 'x', sizeof big);
    memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
    ASSERT_EQ_INT(BL_WIRE_ETOOBIG, bl_http_head_parse(big, sizeof big, 100, &h));
    ASSERT_EQ_INT(0, bl_http_head_parse(big, 99, 100, &h));
}

TEST(chunked_bodies)
{
    const char c[] = "4\r\n{\"a\"\r\nA;ext=1\r\n:12345678}\r\n0\r\nTrailer: x\r\n\r\nNEXT";
    size_t n = strlen(c) - 4;
    char out[64];
    size_t len = 0;
    ASSERT_EQ_INT(n, bl_http_chunked_decode(c, strlen(c), out, sizeof out, &len));
    ASSERT_EQ_INT(14, len);
    EXPECT(memcmp(out, "{\"a\":12345678}", 14) == 0);
    for (size_t cut = 0; cut < n; cut++)
        if (bl_http_chunked_decode(c, cut, out, sizeof out, &len) != 0)
            FAIL_("cut at %zu is not incomplete", cut);
    ASSERT_EQ_INT(BL_WIRE_ETOOBIG, bl_http_chunked_decode(c, strlen(c), out, 8, &len));
    const char *bad[] = {"x\r\n", "4\r\nabcdXY", "4\nabcd\r\n0\r\n\r\n", "0\r\nbad\n\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (bl_http_chunked_decode(bad[i], strlen(bad[i]), out, sizeof out, &len) != BL_WIRE_EPROTO)
            FAIL_("accepted %s", bad[i]);
}

TEST(frames_round_trip)
{
    static uint8_t payload[70000], buf[70000 + BL_WS_MAX_HEADER];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7);
    const uint8_t mask[4] = {1, 2, 3, 4};
    const size_t sizes[] = {0, 1, 125, 126, 65535, 65536, 70000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t len = sizes[k];
        size_t n = bl_ws_frame_write(buf, BL_WS_TEXT, payload, len, mask);
        ASSERT_EQ_INT(len + (len < 126 ? 6 : len <= 65535 ? 8 : 14), n);
        EXPECT(buf[1] & 0x80); /* a client masks */
        bl_ws_frame_t f;
        for (size_t cut = 0; cut < 16 && cut < n; cut++)
            ASSERT_EQ_INT(0, bl_ws_frame_parse(buf, cut, 1 << 20, &f));
        ASSERT_EQ_INT(0, bl_ws_frame_parse(buf, n - 1, 1 << 20, &f));
        ASSERT_EQ_INT(n, bl_ws_frame_parse(buf, n, 1 << 20, &f)); /* unmasks in place */
        EXPECT(f.fin);
        ASSERT_EQ_INT(BL_WS_TEXT, f.opcode);
        ASSERT_EQ_INT(len, f.len);
        ASSERT(len == 0 || memcmp(f.payload, payload, len) == 0);
        if (len > 100)
            ASSERT_EQ_INT(BL_WIRE_ETOOBIG, bl_ws_frame_parse(buf, n, 100, &f));
    }
}

TEST(server_frames)
{
    bl_ws_frame_t f;
    uint8_t text[] = {0x81, 0x02, 'h', 'i'};
    ASSERT_EQ_INT(4, bl_ws_frame_parse(text, sizeof text, 100, &f));
    EXPECT(f.fin && f.opcode == BL_WS_TEXT && f.len == 2 && f.payload[0] == 'h');
    uint8_t first[] = {0x01, 0x01, 'a'}, cont[] = {0x80, 0x01, 'b'};
    ASSERT_EQ_INT(3, bl_ws_frame_parse(first, sizeof first, 100, &f));
    EXPECT(!f.fin && f.opcode == BL_WS_TEXT);
    ASSERT_EQ_INT(3, bl_ws_frame_parse(cont, sizeof cont, 100, &f));
    EXPECT(f.fin && f.opcode == BL_WS_CONT);
    uint8_t ping[] = {0x89, 0x00};
    ASSERT_EQ_INT(2, bl_ws_frame_parse(ping, sizeof ping, 100, &f));
    ASSERT_EQ_INT(BL_WS_PING, f.opcode);
    uint8_t rsv[] = {0xC1, 0x00}, op3[] = {0x83, 0x00}, frag_ping[] = {0x09, 0x00}, long_ping[] = {0x89, 126, 0, 126};
    ASSERT_EQ_INT(BL_WIRE_EPROTO, bl_ws_frame_parse(rsv, 2, 100, &f));
    ASSERT_EQ_INT(BL_WIRE_EPROTO, bl_ws_frame_parse(op3, 2, 100, &f));
    ASSERT_EQ_INT(BL_WIRE_EPROTO, bl_ws_frame_parse(frag_ping, 2, 100, &f));
    ASSERT_EQ_INT(BL_WIRE_EPROTO, bl_ws_frame_parse(long_ping, 4, 1000, &f));
}

TEST(handshake_accept)
{
    /* RFC 6455, section 1.3 */
    char accept[29];
    ASSERT_EQ_INT(0, bl_ws_accept("dGhlIHNhbXBsZSBub25jZQ==", accept));
    ASSERT_EQ_STR("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", accept);
    const uint8_t nonce[16] = "the sample nonce";
    char key[25];
    bl_ws_key(nonce, key);
    ASSERT_EQ_STR("dGhlIHNhbXBsZSBub25jZQ==", key);
}

TEST_MAIN(TEST_ENTRY(head_keep_alive), TEST_ENTRY(head_variants), TEST_ENTRY(chunked_bodies),
          TEST_ENTRY(frames_round_trip), TEST_ENTRY(server_frames), TEST_ENTRY(handshake_accept))
