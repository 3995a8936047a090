/*
 * bank.h — the command handler's bank as a pure state machine: accounts, IBANs,
 * the rules for ConfirmAccountCreation and ConfirmMoneyTransfer, the answers
 * already given, rebuilding from the handler's own output events, and the
 * on-disk snapshot. No Kafka here: main.c feeds commands in and sends events out.
 *
 * Rules (the original open-bank command handler's):
 *  - a new account: IBAN "NL" + 2 check digits + "OPEN" + "0" + 9 random digits
 *    (ISO 13616 mod-97), a random 20-digit token, balance 0, limit -50 000 cents;
 *  - a transfer is checked in this order: `from` a valid OPEN IBAN or "cash";
 *    from != to; amount > 0 (our addition: a negative amount would move money
 *    out of `to` without its token); if `from` is here: its token, then its limit;
 *    else `to` must be here; one BalanceChanged per changed account, then the
 *    feedback;
 *  - a transfer that passes those rules is checked against the field limits of
 *    gateway/store/fields.h before anything is applied (another producer may not
 *    have checked them): a field over its limit is refused with the message
 *    naming it;
 *  - a command id answered before gets the same answer again and moves no money,
 *    unless it is a transfer whose parameters differ from the answered one's
 *    (their digest, gw_transfer_digest): that command is refused with
 *    CH_REASON_UUID_REUSED, nothing is recorded, and the first answer stays for
 *    exact retries;
 *  - a generated IBAN that exists is drawn again: a collision is never an answer.
 *
 * Names: everything the handler defines is `ch_` (`ch__` when shared between its
 * own files, in bank_int.h); the `gw_` names it uses are gateway/events's
 * (records, uuids, codec, Kafka).
 */
#ifndef CH_BANK_H
#define CH_BANK_H

#include "events.h"
#include "fields.h"

#include <stdint.h>

/*
 * Errors, one idiom for the whole handler: a function that can fail returns 0 or
 * one of these negative codes (ch_strerror names them); predicates return 1 or 0;
 * constructors return NULL when out of memory. The gateway/events calls it makes
 * keep their own GW_EV_* codes.
 */
#define CH_OK 0
#define CH_ENOMEM (-1)   /* allocation failed */
#define CH_EINVAL (-2)   /* not a record this call takes, a bad argument, or a damaged snapshot */
#define CH_EIO (-3)      /* a file could not be written or read (the snapshot) */
#define CH_EKAFKA (-4)   /* main.c: a message could not be sent */
#define CH_NO_SNAPSHOT 1 /* ch_bank_snapshot_read: there is none yet (not an error) */

/* A short description of a CH_E* code (a constant string). */
const char *ch_strerror(int code);

#define CH_IBAN_LEN 18  /* NLkkOPEN0123456789 */
#define CH_TOKEN_LEN 20 /* decimal digits */
#define CH_BANK_LIMIT (-50000)
#define CH_COMPANY_IBAN "NL66OPEN0000000000"
#define CH_COMPANY_TOKEN "00000000000000000000"
/* 10^13 euro: very large, yet exact in a JavaScript number (< 2^53). */
#define CH_COMPANY_BALANCE 1000000000000000LL

/* The failure reasons, exactly as the original system worded them. */
#define CH_REASON_IBAN_EXISTS "generated iban already exists, try again"
/* How many IBANs a new account draws before giving up (never recorded as its answer). */
#define CH_IBAN_TRIES 64
#define CH_REASON_FROM_INVALID "from is invalid"
#define CH_REASON_SAME "from and to can't be same for transfer"
#define CH_REASON_AMOUNT "invalid amount"
#define CH_REASON_TOKEN "invalid token"
#define CH_REASON_FUNDS "insufficient funds"
#define CH_REASON_UNKNOWN "both to and from not known at this bank"
#define CH_REASON_UUID_REUSED GW_REASON_UUID_REUSED

/* 1 when s is a valid IBAN by the ISO 13616 mod-97 check (any country; no spaces). */
int ch_iban_valid(const char *s);
/* 1 when s is a valid IBAN of this bank: NLkkOPEN + 10 digits, check digits right. */
int ch_iban_is_open(const char *s);
/* Writes "NL" + check digits + "OPEN" + digits (10 decimal digits) into out. */
void ch_iban_make(const char digits[10], char out[CH_IBAN_LEN + 1]);

/* Fills buf with n random bytes (tests pass a deterministic one). */
typedef void (*ch_bank_rng_fn)(void *ctx, uint8_t *buf, size_t n);

typedef struct ch_account {
    char iban[CH_IBAN_LEN + 1];
    char token[CH_TOKEN_LEN + 1];
    int64_t balance; /* cents */
    int64_t limit;   /* lowest allowed balance, cents */
    gw_atype_t a_type;
} ch_account_t;

typedef struct ch_bank ch_bank_t;

/* A bank holding only the seeded company account. rng NULL = the system's getrandom(). */
ch_bank_t *ch_bank_new(ch_bank_rng_fn rng, void *rng_ctx);
void ch_bank_free(ch_bank_t *b);
/* Replaces the token of account `iban` (the company's in session mode: its
 * secret from the environment, not the demo's). 0, CH_EINVAL (no such
 * account, or a token longer than CH_TOKEN_LEN). */
int ch_bank_set_token(ch_bank_t *b, const char *iban, const char *token);

/*
 * What one command produced, in the order to send: BalanceChanged events first,
 * the feedback last. The events' strings borrow from the bank and the command:
 * valid until the next call that changes the bank.
 */
typedef struct ch_bank_out {
    gw_event_t ev[3];
    int n;
    int repeated;  /* 1: the command id was answered before; nothing changed */
    int completed; /* 1: a transfer left half-done by a stop was finished */
    int conflict;  /* 1: a transfer's id was answered for other parameters; refused, nothing recorded */
    /* A transfer's parameter digest, sent with its feedback (header
     * "command-digest"): the answered command's, or with `conflict` the refused one's. */
    int has_digest;
    uint8_t digest[GW_TRANSFER_DIGEST_LEN];
} ch_bank_out_t;

/*
 * Applies one command (ConfirmAccountCreation or ConfirmMoneyTransfer). Returns 0,
 * CH_EINVAL for another record type (or a transfer missing a field), CH_ENOMEM;
 * on an error nothing changed.
 */
int ch_bank_handle(ch_bank_t *b, const gw_event_t *cmd, ch_bank_out_t *out);

/*
 * Rebuilds state from one of the handler's own output events (replay at start):
 * accounts from AccountCreationConfirmed, balances from BalanceChanged, answers
 * from the feedback. `cause` is the id of the command a BalanceChanged was made
 * for (the handler sends it in the message header "command-id"), or NULL: a
 * transfer whose balance changes landed but whose feedback did not is completed,
 * not applied again, when its command is handled. Idempotent. Returns 0,
 * CH_EINVAL (not an output type) or CH_ENOMEM.
 */
int ch_bank_apply(ch_bank_t *b, const gw_event_t *ev, const gw_uuid_t *cause);

/*
 * ch_bank_apply, with the key of the command a BalanceChanged was made for (its
 * header "command-key"; has_key 0 when the event has no such header, as those
 * written before it existed). The first BalanceChanged read of a transfer with
 * no feedback then keeps its details (from_to, changed_by, description, key),
 * which is all ch_bank_complete_next needs to finish that transfer.
 */
int ch_bank_apply_from(ch_bank_t *b, const gw_event_t *ev, const gw_uuid_t *cause, const char *key, size_t klen,
                       int has_key);

/*
 * After ch_bank_replay_done: finishes the next half-done transfer whose
 * BalanceChanged carried its details, from the log alone. A transfer's
 * BalanceChanged is its decision record: the other side is `from_to` with the
 * amount the other way (when that is an account of this bank and its change
 * was not read), then the transfer is confirmed. Returns 1 with *out (what to
 * send, strings valid until the bank changes), *id and the command's key
 * (*key NULL: none), 0 when none is left, or CH_ENOMEM. Transfers without
 * details (older events, or snapshots) are still finished when their command
 * is read again (ch_bank_handle).
 */
int ch_bank_complete_next(ch_bank_t *b, ch_bank_out_t *out, gw_uuid_t *id, const char **key, size_t *klen);

/*
 * Ends a replay. Output topics are read side by side, so a BalanceChanged may
 * come before the AccountCreationConfirmed of its account: until then its
 * balance is kept aside and given to the account when it appears (the events of
 * one IBAN keep their order: one key, one partition). This drops what is still
 * set aside, and returns how many transfers were left half-done (to be completed
 * when their commands are read again).
 */
size_t ch_bank_replay_done(ch_bank_t *b);

/*
 * Binds the answer of transfer `id` to the parameters `digest` stood for
 * (replay: the "command-digest" header of its feedback; a snapshot's digest
 * line). The first binding stays. Returns 0, or CH_EINVAL when id has no
 * transfer answer.
 */
int ch_bank_bind_digest(ch_bank_t *b, const gw_uuid_t *id, const uint8_t digest[GW_TRANSFER_DIGEST_LEN]);

/* 1 when command id was answered. */
int ch_bank_answered(const ch_bank_t *b, const gw_uuid_t *id);
/* The account with this IBAN, or NULL. Valid until the bank changes. */
const ch_account_t *ch_bank_account(const ch_bank_t *b, const char *iban);
size_t ch_bank_account_count(const ch_bank_t *b);
size_t ch_bank_answer_count(const ch_bank_t *b);

/* A consumer position covered by a snapshot. */
typedef struct ch_snap_offset {
    char topic[256];
    int32_t partition;
    int64_t offset; /* next offset to read */
} ch_snap_offset_t;

/*
 * Writes the bank and the offsets it covers to DIR/snapshot: DIR/snapshot.tmp is
 * written, fsync'd and renamed over it, then DIR is fsync'd. Returns 0,
 * CH_EIO (err says why) or CH_EINVAL (the path is too long).
 */
int ch_bank_snapshot_write(const ch_bank_t *b, const char *dir, const ch_snap_offset_t *offs, size_t n, char *err,
                           size_t errlen);

/*
 * Loads DIR/snapshot into b (which must be fresh from ch_bank_new). Returns 0 with
 * *offs (malloc'd, caller frees) and *n; CH_NO_SNAPSHOT when there is none; CH_EIO,
 * CH_EINVAL (corrupt or truncated: err says where) or CH_ENOMEM — then b is
 * unchanged.
 */
int ch_bank_snapshot_read(ch_bank_t *b, const char *dir, ch_snap_offset_t **offs, size_t *n, char *err, size_t errlen);

#endif
