/*
 * fields.h — the bank's field limits and the digest that binds a transfer's
 * uuid to its parameters, in one place for the two sides that enforce them:
 * the gateway's resolvers (resolvers/bank.c, before any command is sent) and
 * the command handler (tools/command-handler/bank.c, on whatever it reads
 * from Kafka: another producer is not trusted to have checked). Why each
 * limit is what it is: docs/security.md, "Field limits".
 *
 * Plain C and libsodium, no state: every function may be called from any
 * thread.
 */
#ifndef GW_FIELDS_H
#define GW_FIELDS_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

#define GW_DESCR_MAX_CHARS 200 /* descr: UTF-8 characters (the web app's field takes 140) */
#define GW_DESCR_MAX_BYTES 800 /* descr: bytes (200 characters of 4 bytes) */
#define GW_USERNAME_MAX 64     /* username: bytes, at least 1, no control characters */
#define GW_PASSWORD_MAX 1024   /* password: bytes, at least 1 */
#define GW_TOKEN_MAX 64        /* token: bytes of printable ASCII, no spaces (may be empty: cash) */
#define GW_IBAN_MIN 15         /* ISO 13616: 2 letters, 2 digits, 11 to 30 letters or digits */
#define GW_IBAN_MAX 34
#define GW_AMOUNT_MAX 2147483647LL /* cents: the largest GraphQL Int */
#define GW_IBAN_QUERY_MAX 64       /* an IBAN to read or stream (queries; not checked for form) */

/* A message naming the field, its limit and what was got fits in this. */
#define GW_FIELDS_MSG 128

/* The parameters of a transfer as the two sides see them. username is
 * optional (ptr NULL: not given); the handler's commands carry none. */
typedef struct gw_transfer_fields {
    gw_str_t token, from, to, descr, username;
    int64_t amount;
} gw_transfer_fields_t;

/* 0 when every field of f is within its limit, else -1 with msg (of len
 * bytes, GW_FIELDS_MSG is enough) saying which one, the limit and what was
 * got, e.g. "descr must be at most 200 characters (got 60000)". Fields are
 * checked in a fixed order and the first failing one is named. */
int gw_fields_check_transfer(const gw_transfer_fields_t *f, char *msg, size_t len);

/* get_account's fields; the same contract. */
int gw_fields_check_login(gw_str_t username, gw_str_t password, char *msg, size_t len);

/* 1 when s has the form of an IBAN (ISO 13616: two capital letters, two
 * digits, 11 to 30 capital letters or digits; the check digits are the
 * command handler's to verify), else 0. */
int gw_fields_iban_form(gw_str_t s);

/* The number of UTF-8 characters of s (bytes that are not continuation
 * bytes). */
size_t gw_fields_utf8_chars(gw_str_t s);

/* The reason a transfer is refused when its uuid was used before for a
 * transfer with other parameters (the same words on both sides). */
#define GW_REASON_UUID_REUSED "uuid already used for a different transfer"

#define GW_TRANSFER_DIGEST_LEN 16

/* The digest binding a transfer's uuid to its parameters: BLAKE2b
 * (crypto_generichash) of token, amount, from, to and descr, each string
 * length-prefixed, so the gateway and the handler compute the same bytes
 * from the same parameters and no two parameter sets share an encoding.
 * Unkeyed on purpose: both processes, and their restarts, must agree; it
 * reveals nothing the command itself (on the same cluster) does not. The
 * username is not part of it: it is a hint, not a parameter of the transfer. */
void gw_transfer_digest(const gw_transfer_fields_t *f, uint8_t out[GW_TRANSFER_DIGEST_LEN]);

/* The digest as 32 lowercase hex digits and a NUL (the Kafka header form),
 * and back: 0, or -1 when s is not 32 hex digits. */
void gw_transfer_digest_hex(const uint8_t d[GW_TRANSFER_DIGEST_LEN], char out[2 * GW_TRANSFER_DIGEST_LEN + 1]);
int gw_transfer_digest_parse(const char *s, size_t len, uint8_t out[GW_TRANSFER_DIGEST_LEN]);

#endif
