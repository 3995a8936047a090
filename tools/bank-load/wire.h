/*
 * wire.h — the bytes of HTTP/1.1 responses and WebSocket frames, apart from
 * any socket (bytes in, values out; values in, bytes out), as far as a
 * client of one GraphQL server needs them:
 *
 *  - a response head: status, Content-Length or chunked, Connection: close,
 *    and for a WebSocket upgrade, Upgrade, Sec-WebSocket-Accept and the
 *    chosen subprotocol;
 *  - a chunked body, decoded once it is complete;
 *  - WebSocket frames (RFC 6455): parsing the server's (unmasked) frames,
 *    writing the client's (masked) ones, and the handshake's key and accept.
 *
 * Parsers return the number of bytes they used, 0 when more bytes are
 * needed, or a negative BL_WIRE_E* code when the bytes are not what they
 * should be. Nothing here allocates; results point into the caller's bytes.
 */
#ifndef BL_WIRE_H
#define BL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BL_WIRE_EPROTO (-1)  /* malformed */
#define BL_WIRE_ETOOBIG (-2) /* larger than the caller's bound */

/* What a response head says. Pointers refer to the parsed bytes. */
typedef struct bl_http_head {
    int status;
    int64_t content_length; /* -1 when absent */
    bool chunked;
    bool close; /* Connection: close */
    bool upgrade_websocket;
    const char *accept; /* Sec-WebSocket-Accept value, or NULL */
    size_t accept_len;
    const char *protocol; /* Sec-WebSocket-Protocol value, or NULL */
    size_t protocol_len;
} bl_http_head_t;

/* Parses the head at p[0..n) (through the blank line). Returns its length, 0
 * when incomplete (and n < max_head), BL_WIRE_ETOOBIG when no end is found in
 * max_head bytes, BL_WIRE_EPROTO when it is not an HTTP/1.x response. */
int bl_http_head_parse(const char *p, size_t n, size_t max_head, bl_http_head_t *h);

/* Decodes a chunked body at p[0..n) into out (cap bytes). Returns the bytes
 * of p used (through the last chunk and the trailers' blank line) with
 * *out_len set, 0 when incomplete, BL_WIRE_ETOOBIG when the data exceeds cap,
 * BL_WIRE_EPROTO when malformed. */
long bl_http_chunked_decode(const char *p, size_t n, char *out, size_t cap, size_t *out_len);

#define BL_WS_CONT 0x0
#define BL_WS_TEXT 0x1
#define BL_WS_BINARY 0x2
#define BL_WS_CLOSE 0x8
#define BL_WS_PING 0x9
#define BL_WS_PONG 0xA

/* One frame from the server. */
typedef struct bl_ws_frame {
    bool fin;
    int opcode;
    const uint8_t *payload; /* unmasked in place when the frame was masked */
    uint64_t len;
} bl_ws_frame_t;

/* Parses a frame at p[0..n). Returns the frame's total length, 0 when
 * incomplete, BL_WIRE_ETOOBIG when its payload exceeds max_payload,
 * BL_WIRE_EPROTO on reserved bits, unknown opcodes or control frames that
 * are fragmented or longer than 125 bytes. A masked frame (servers do not
 * mask, but tolerated) is unmasked in place, hence the non-const bytes. */
long bl_ws_frame_parse(uint8_t *p, size_t n, uint64_t max_payload, bl_ws_frame_t *f);

/* The largest header bl_ws_frame_write puts before a payload. */
#define BL_WS_MAX_HEADER 14

/* Writes a final, masked client frame: header then the masked payload,
 * into out, which must hold BL_WS_MAX_HEADER + len bytes. Returns the bytes
 * written. */
size_t bl_ws_frame_write(uint8_t *out, int opcode, const void *payload, size_t len, const uint8_t mask[4]);

/* The base64 of 16 bytes: a Sec-WebSocket-Key (24 characters and a NUL). */
void bl_ws_key(const uint8_t nonce[16], char out[25]);
/* The Sec-WebSocket-Accept a server must answer to `key` (28 characters and
 * a NUL): base64(SHA-1(key + the RFC 6455 GUID)). Returns 0, or
 * BL_WIRE_EPROTO when the hash is not available. */
int bl_ws_accept(const char *key, char out[29]);

#endif
