/*
 * ws_frame.h — WebSocket framing (RFC 6455 §5) apart from any socket: a
 * decoder that turns the bytes a client sent into messages, pings, pongs,
 * closes and protocol errors, and the encoder of the server's frames.
 *
 * As h2o's hpack.c, it sees bytes and nothing else: no socket, no event loop,
 * no clock. ws.c reads its socket into a decoder and writes what the encoder
 * builds; tests/unit/gateway/test_ws_frame.c feeds it bytes.
 *
 * What the decoder enforces, each with the close code and reason the
 * connection answers with (ws.c sends them as they are):
 *   reserved bits set                          1002 "Reserved bits set"
 *   a frame without a mask                     1002 "Client frames must be masked"
 *   a control frame over 125 bytes or not FIN  1002 "Bad control frame"
 *   a message over max_message (one frame or
 *   its fragments together)                    1009 "Message too big"
 *   a continuation with no message started     1002 "Unexpected continuation frame"
 *   a text/binary frame inside a fragmented
 *   message                                    1002 "Expected a continuation frame"
 *   a close payload of 1 byte                  1002 "Bad close frame"
 *   a close code not allowed on the wire       1002 "Bad close code"
 *   a close reason that is not UTF-8           1007 "Invalid UTF-8 in the close reason"
 *   an opcode RFC 6455 does not define         1002 "Unknown opcode"
 *   a text message that is not UTF-8           1007 "Invalid UTF-8 in a text message"
 * The header's faults (reserved bits, mask, control frame, size) are found as
 * soon as the header is in; the others once the whole frame is.
 *
 * Zero copy: a frame is unmasked in place, in the caller's buffer, and an
 * unfragmented message, a ping, a pong or a close reason is handed out as a
 * pointer into that buffer. Only a fragmented message is copied, into the
 * decoder's buffer, and never past max_message.
 *
 * Threads: none. A decoder belongs to one connection; the encoder's chunks
 * are loop-local (runtime/chunk.h).
 */
#ifndef GW_WS_FRAME_H
#define GW_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gql.h"
#include "runtime/chunk.h"
#include "runtime/error.h"

/* WebSocket opcodes (RFC 6455 §5.2). */
#define GW_WS_CONTINUATION 0x0
#define GW_WS_TEXT 0x1
#define GW_WS_BINARY 0x2
#define GW_WS_CLOSE 0x8
#define GW_WS_PING 0x9
#define GW_WS_PONG 0xA

/* The close code a close frame without a payload stands for (RFC 6455
 * §7.1.5); never sent on the wire. */
#define GW_WS_NO_STATUS 1005

/* The longest frame header the encoder writes (an unmasked frame with a
 * 64-bit length). */
#define GW_WS_HEADER_MAX 10

/* ------------------------------------------------------------------------ */
/* Decoding client frames                                                   */
/* ------------------------------------------------------------------------ */

typedef enum gw_ws_event_type {
    GW_WS_EV_MORE = 0, /* no complete frame left: call again once more bytes are in */
    GW_WS_EV_MESSAGE,  /* a whole text or binary message (text checked as UTF-8) */
    GW_WS_EV_PING,     /* a ping: answer with a pong carrying the same payload */
    GW_WS_EV_PONG,     /* a pong */
    GW_WS_EV_CLOSE,    /* the peer's close frame, valid: code and reason */
    GW_WS_EV_ERROR,    /* a protocol error: close with code and reason */
} gw_ws_event_type_t;

/* One thing the decoder found. `data` points into the caller's buffer (or
 * into the decoder's, for a fragmented message) and is valid until the
 * caller changes that buffer or calls gw_ws_decode again. */
typedef struct gw_ws_event {
    gw_ws_event_type_t type;
    int opcode;         /* MESSAGE: GW_WS_TEXT or GW_WS_BINARY */
    const char *data;   /* MESSAGE: the message; PING, PONG: the payload; CLOSE: the reason */
    size_t len;         /* bytes at data */
    uint16_t code;      /* CLOSE: the peer's code (GW_WS_NO_STATUS when none); ERROR: the code to close with */
    const char *reason; /* ERROR: the reason to close with (a static string); else NULL */
} gw_ws_event_t;

/* The state of one connection's input between reads: the bound and the
 * fragmented message being assembled. A partial frame is kept by the caller,
 * in its own buffer, not here. Owned by its connection; fields starting with
 * `_` are the decoder's. */
typedef struct gw_ws_decoder {
    size_t max_message; /* bytes of one message, all its fragments together (close 1009 beyond) */
    gql_buf_t _msg;     /* the fragmented message being assembled */
    int _opcode;        /* its opcode; 0 when none is being assembled */
    bool _handed_out;   /* _msg went out in an event: emptied on the next call */
} gw_ws_decoder_t;

/* A decoder with nothing assembled yet. */
void gw_ws_decoder_init(gw_ws_decoder_t *d, size_t max_message);
/* Frees what the decoder holds; it may be initialised again. */
void gw_ws_decoder_dispose(gw_ws_decoder_t *d);

/* Decodes frames from in[0..len), the bytes received and not consumed yet,
 * until one gives an event or no complete frame is left; non-final fragments
 * of a message are absorbed on the way.
 *
 * *consumed is always set: the bytes of the frames that were dealt with,
 * which the caller drops from its buffer once done with the event (with
 * GW_WS_EV_MORE too: absorbed fragments must not be fed again). The frames
 * consumed are unmasked in place, so `in` is written to.
 *
 * Returns 0 with *ev filled, or GW_ENOMEM when assembling a fragmented
 * message ran out of memory. A GW_WS_EV_ERROR or GW_ENOMEM is final: the
 * connection ends and the decoder is only disposed. */
int gw_ws_decode(gw_ws_decoder_t *d, uint8_t *in, size_t len, size_t *consumed, gw_ws_event_t *ev);

/* True when a close frame may carry `code` (RFC 6455 §7.4): 1000-1003,
 * 1007-1011 and the registered and private ranges 3000-4999. */
bool gw_ws_close_code_valid(unsigned code);

/* ------------------------------------------------------------------------ */
/* Encoding server frames                                                   */
/* ------------------------------------------------------------------------ */

/* Writes into h the header of one final, unmasked frame (FIN set) of
 * `opcode` with a payload of `len` bytes: the length in 7, 16 or 64 bits, as
 * short as it fits. Returns the header's length: 2, 4 or 10. */
size_t gw_ws_frame_header(uint8_t h[GW_WS_HEADER_MAX], int opcode, size_t len);

/* One complete unmasked server frame (FIN set) whose payload is the
 * concatenation of the three parts (NULL/0 parts are skipped): the header is
 * computed from their total length. One reference; NULL when out of memory. */
gw_chunk_t *gw_ws_frame(int opcode, const void *a, size_t na, const void *b, size_t nb, const void *c, size_t nc);

/* A close frame carrying `code` and `reason` (NULL for none), the reason cut
 * to 123 bytes so that the payload fits a control frame. One reference; NULL
 * when out of memory. */
gw_chunk_t *gw_ws_close_frame(uint16_t code, const char *reason);

#endif
