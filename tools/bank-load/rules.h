/*
 * rules.h — the Open Bank load test generator's rules, as a state machine
 * with no I/O: what a generator sends next and what the answer must be.
 *
 * A generator owns two fresh accounts, FIRST and SECOND (get_account with
 * user names unique to the run). Then it transfers money between them, one
 * transfer at a time, a pause between an answer and the next transfer:
 *
 *   NORMAL(amount, dir)   transfer `amount` cents from dir to the other
 *                         account with dir's token; must succeed.
 *       next: if amount >= 5000 and dir is FIRST (a "from" transfer,
 *                 first to second):  BOGUS(amount + 100, SECOND)
 *             if amount >= 5000 and dir is SECOND (a "to" transfer,
 *                 back to the first): TOO_MUCH(FIRST)
 *             else                   NORMAL(amount + 100, other dir)
 *   BOGUS(amount, dir)    the same transfer with a token that is not dir's
 *                         (dir's token with its last digit changed); must
 *                         fail with reason "invalid token".
 *       next: NORMAL(100, other dir)
 *   TOO_MUCH(dir)         100,000 cents with dir's real token; must fail
 *                         with reason "insufficient funds" (a new account's
 *                         balance stays within ±5,100 of 0 and its limit is
 *                         -50,000).
 *       next: NORMAL(100, other dir)
 *
 * The start is NORMAL(100, FIRST). The direction flips after every transfer,
 * the failing ones included, so the amount reaches 5,000 on a "to" transfer
 * in one round and on a "from" transfer in the next: a cycle is 50 transfers
 * up to a 5,000 back to the first account, the insufficient-funds one, 50
 * more up to a 5,000 to the second account, the invalid-token one — 102
 * transfers, after which both balances are back at 0.
 *
 * An answer is right when its uuid is the transfer's, `success` is what the
 * state asks and `reason` is null on success or exactly the reason asked.
 * Anything else — a wrong flag or reason, GraphQL errors, no answer in
 * time — is an error of the kind bl_rules_check says. The state machine
 * moves on whatever the answer was, so one wrong answer is counted once.
 */
#ifndef BL_RULES_H
#define BL_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BL_RULES_START 100       /* cents: the first amount, and after a failing transfer */
#define BL_RULES_STEP 100        /* cents added per transfer */
#define BL_RULES_TURN 5000       /* cents: the amount at which a failing transfer comes next */
#define BL_RULES_TOO_MUCH 100000 /* cents asked by the insufficient-funds transfer */

#define BL_REASON_TOKEN "invalid token"
#define BL_REASON_FUNDS "insufficient funds"

typedef enum bl_step_kind {
    BL_STEP_NORMAL = 0, /* must succeed */
    BL_STEP_BOGUS,      /* bogus token: must fail with "invalid token" */
    BL_STEP_TOO_MUCH,   /* 100,000 cents: must fail with "insufficient funds" */
} bl_step_kind_t;

/* Where a generator is in its rules. Plain value; zero is not valid, start
 * with bl_rules_init. */
typedef struct bl_rules {
    bl_step_kind_t kind;
    int from;       /* 0: FIRST pays SECOND, 1: SECOND pays FIRST */
    int64_t amount; /* cents asked by the next transfer */
} bl_rules_t;

/* What one answer was, as the caller read it from the response. */
typedef struct bl_answer {
    bool has_errors;    /* the response carried GraphQL errors */
    bool has_result;    /* data.money_transfer was an object */
    bool success;       /* its `success` (false when absent or null) */
    const char *reason; /* its `reason`, NUL-terminated, or NULL when null/absent */
    const char *uuid;   /* its `uuid`, or NULL */
} bl_answer_t;

/* How an answer compares with the rules. */
typedef enum bl_verdict {
    BL_RIGHT = 0,     /* as the rules ask */
    BL_WRONG_ANSWER,  /* a result, but the wrong success flag, reason or uuid */
    BL_GRAPHQL_ERROR, /* errors instead of (or beside) a result */
} bl_verdict_t;

/* The state of a new generator: NORMAL(100, FIRST). */
void bl_rules_init(bl_rules_t *r);
/* The reason the current step must fail with, or NULL when it must succeed. */
const char *bl_rules_expected_reason(const bl_rules_t *r);
/* Writes the token the current step sends into out (cap bytes, NUL
 * included; cap must exceed strlen(real)): `real` itself, or for a BOGUS
 * step `real` with its last character changed (a digit to the next digit
 * modulo 10, anything else to '0'), so it never equals `real`. */
void bl_rules_token(const bl_rules_t *r, const char *real, char *out, size_t cap);
/* Compares answer `a` to transfer `uuid` with the current step. */
bl_verdict_t bl_rules_check(const bl_rules_t *r, const char *uuid, const bl_answer_t *a);
/* Moves to the next step, whatever the answer was. */
void bl_rules_advance(bl_rules_t *r);

#endif
