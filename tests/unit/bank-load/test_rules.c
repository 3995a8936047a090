/*
 * test_rules.c — the load test generator's rules (tools/bank-load/rules.h):
 * the cycle written out step by step, the tokens of bogus steps, how
 * answers are judged, and every expectation of three cycles checked against
 * the command handler's own bank (tools/command-handler/bank.h), which must
 * answer exactly what the rules expect and end each cycle at balance 0.
 */
#include "bank.h"
#include "rules.h"
#include "test.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Checks 50 normal steps of 100, 200, ... 5,000 cents, alternating, the
 * first from `first_from`, moving r past them. */
static void climb(test_state_t *t_, bl_rules_t *r, int first_from)
{
    for (int i = 1; i <= 50; i++) {
        ASSERT_EQ_INT(BL_STEP_NORMAL, r->kind);
        ASSERT_EQ_INT((first_from + i - 1) % 2, r->from);
        ASSERT_EQ_INT(100 * i, r->amount);
        EXPECT(bl_rules_expected_reason(r) == NULL);
        bl_rules_advance(r);
    }
}

/* Checks that r is at step (kind, from, amount). */
static void at_step(test_state_t *t_, const bl_rules_t *r, bl_step_kind_t kind, int from, int64_t amount)
{
    ASSERT_EQ_INT(kind, r->kind);
    ASSERT_EQ_INT(from, r->from);
    ASSERT_EQ_INT(amount, r->amount);
}

TEST(one_cycle_step_by_step)
{
    bl_rules_t r;
    bl_rules_init(&r);
    climb(t_, &r, 0);
    /* the 50th was 5,000 back to FIRST: FIRST now asks too much */
    at_step(t_, &r, BL_STEP_TOO_MUCH, 0, 100000);
    ASSERT(t_->failed == 0);
    ASSERT_EQ_STR("insufficient funds", bl_rules_expected_reason(&r));
    bl_rules_advance(&r);
    /* back to 100, now from SECOND: the 5,000 falls on FIRST's side */
    climb(t_, &r, 1);
    at_step(t_, &r, BL_STEP_BOGUS, 1, 5100);
    ASSERT(t_->failed == 0);
    ASSERT_EQ_STR("invalid token", bl_rules_expected_reason(&r));
    bl_rules_advance(&r);
    /* and the cycle starts again */
    at_step(t_, &r, BL_STEP_NORMAL, 0, 100);
}

TEST(bogus_tokens_differ_from_the_real_one)
{
    bl_rules_t r = {.kind = BL_STEP_BOGUS, .from = 0, .amount = 5100};
    char out[32];
    bl_rules_token(&r, "12345678901234567890", out, sizeof out);
    ASSERT_EQ_STR("12345678901234567891", out);
    bl_rules_token(&r, "00000000000000000009", out, sizeof out);
    ASSERT_EQ_STR("00000000000000000000", out);
    bl_rules_token(&r, "abc", out, sizeof out);
    ASSERT_EQ_STR("ab0", out);
    bl_rules_token(&r, "", out, sizeof out);
    ASSERT_EQ_STR("0", out);
    r.kind = BL_STEP_NORMAL;
    bl_rules_token(&r, "12345678901234567890", out, sizeof out);
    ASSERT_EQ_STR("12345678901234567890", out);
    r.kind = BL_STEP_TOO_MUCH;
    bl_rules_token(&r, "12345678901234567890", out, sizeof out);
    ASSERT_EQ_STR("12345678901234567890", out);
}

TEST(answers_are_judged)
{
    const char *id = "6f1c7d2e-0000-4000-8000-000000000001";
    bl_rules_t ok;
    bl_rules_init(&ok);
    bl_rules_t bogus = {.kind = BL_STEP_BOGUS, .from = 1, .amount = 5100};
    bl_answer_t a = {.has_result = true, .success = true, .reason = NULL, .uuid = id};
    ASSERT_EQ_INT(BL_RIGHT, bl_rules_check(&ok, id, &a));
    ASSERT_EQ_INT(BL_WRONG_ANSWER, bl_rules_check(&bogus, id, &a));
    a.uuid = "6f1c7d2e-0000-4000-8000-000000000002";
    ASSERT_EQ_INT(BL_WRONG_ANSWER, bl_rules_check(&ok, id, &a)); /* someone else's answer */
    a.uuid = NULL;
    ASSERT_EQ_INT(BL_WRONG_ANSWER, bl_rules_check(&ok, id, &a));
    a = (bl_answer_t){.has_result = true, .success = false, .reason = "invalid token", .uuid = id};
    ASSERT_EQ_INT(BL_RIGHT, bl_rules_check(&bogus, id, &a));
    ASSERT_EQ_INT(BL_WRONG_ANSWER, bl_rules_check(&ok, id, &a));
    a.reason = "insufficient funds";
    ASSERT_EQ_INT(BL_WRONG_ANSWER, bl_rules_check(&bogus, id, &a));
    a.reason = NULL;
    ASSERT_EQ_INT(BL_WRONG_ANSWER, bl_rules_check(&bogus, id, &a));
    /* success with a reason is not a success */
    a = (bl_answer_t){.has_result = true, .success = true, .reason = "invalid token", .uuid = id};
    ASSERT_EQ_INT(BL_WRONG_ANSWER, bl_rules_check(&ok, id, &a));
    ASSERT_EQ_INT(BL_WRONG_ANSWER, bl_rules_check(&bogus, id, &a));
    /* errors, with or without a result */
    a = (bl_answer_t){.has_errors = true};
    ASSERT_EQ_INT(BL_GRAPHQL_ERROR, bl_rules_check(&ok, id, &a));
    a = (bl_answer_t){.has_errors = true, .has_result = true, .success = true, .uuid = id};
    ASSERT_EQ_INT(BL_GRAPHQL_ERROR, bl_rules_check(&ok, id, &a));
    a = (bl_answer_t){0};
    ASSERT_EQ_INT(BL_GRAPHQL_ERROR, bl_rules_check(&ok, id, &a));
}

/* A command id the bank can tell apart from the others. */
static gw_uuid_t command_id(int n)
{
    gw_uuid_t u;
    memset(&u, 0, sizeof u);
    u.b[0] = 0x40;
    u.b[14] = (uint8_t)(n >> 8);
    u.b[15] = (uint8_t)n;
    return u;
}

/* Gives the bank an account it made before (as a replay does), with a known
 * IBAN and token. */
static int known_account(ch_bank_t *b, int n, const char digits[10], char iban[CH_IBAN_LEN + 1], const char *token)
{
    ch_iban_make(digits, iban);
    gw_event_t e;
    memset(&e, 0, sizeof e);
    e.type = GW_REC_ACCOUNT_CREATION_CONFIRMED;
    e.u.account_creation_confirmed.id = command_id(n);
    e.u.account_creation_confirmed.iban = iban;
    e.u.account_creation_confirmed.token = token;
    e.u.account_creation_confirmed.a_type = GW_ATYPE_AUTO;
    return ch_bank_apply(b, &e, NULL);
}

TEST(the_bank_answers_what_the_rules_expect)
{
    ch_bank_t *b = ch_bank_new(NULL, NULL);
    ASSERT(b != NULL);
    char iban[2][CH_IBAN_LEN + 1];
    const char *token[2] = {"31415926535897932384", "27182818284590452353"};
    ASSERT_EQ_INT(0, known_account(b, 1, "0123456789", iban[0], token[0]));
    ASSERT_EQ_INT(0, known_account(b, 2, "0987654321", iban[1], token[1]));
    ch_bank_replay_done(b);
    ASSERT(ch_bank_account(b, iban[0]) != NULL && ch_bank_account(b, iban[1]) != NULL);
    bl_rules_t r;
    bl_rules_init(&r);
    int64_t low = 0, high = 0, refused[2] = {0, 0};
    for (int step = 0; step < 3 * 102; step++) {
        char tok[CH_TOKEN_LEN + 2], uuid[40];
        bl_rules_token(&r, token[r.from], tok, sizeof tok);
        snprintf(uuid, sizeof uuid, "step-%d", step);
        gw_event_t t;
        memset(&t, 0, sizeof t);
        t.type = GW_REC_CONFIRM_MONEY_TRANSFER;
        t.u.confirm_money_transfer.id = command_id(100 + step);
        t.u.confirm_money_transfer.from = iban[r.from];
        t.u.confirm_money_transfer.to = iban[1 - r.from];
        t.u.confirm_money_transfer.amount = r.amount;
        t.u.confirm_money_transfer.token = tok;
        t.u.confirm_money_transfer.description = "bank-load";
        ch_bank_out_t out;
        ASSERT_EQ_INT(0, ch_bank_handle(b, &t, &out));
        ASSERT(out.n >= 1);
        const gw_event_t *fb = &out.ev[out.n - 1];
        bl_answer_t a = {.has_result = true, .uuid = uuid};
        a.success = fb->type == GW_REC_MONEY_TRANSFER_CONFIRMED;
        a.reason = a.success ? NULL : fb->u.money_transfer_failed.reason;
        if (bl_rules_check(&r, uuid, &a) != BL_RIGHT)
            FAIL_("step %d (kind %d, %lld from %d): the bank says %s", step, (int)r.kind, (long long)r.amount, r.from,
                  a.success ? "success" : a.reason);
        if (r.kind != BL_STEP_NORMAL)
            refused[r.kind == BL_STEP_BOGUS ? 0 : 1]++;
        bl_rules_advance(&r);
        int64_t bal = ch_bank_account(b, iban[0])->balance;
        ASSERT_EQ_INT(-bal, ch_bank_account(b, iban[1])->balance);
        low = bal < low ? bal : low;
        high = bal > high ? bal : high;
        if ((step + 1) % 102 == 0)
            ASSERT_EQ_INT(0, bal); /* a whole cycle moves nothing in the end */
    }
    ASSERT_EQ_INT(3, refused[0]);
    ASSERT_EQ_INT(3, refused[1]);
    /* within the limit by far, so only the 100,000 can be refused for funds */
    EXPECT(low >= -5100 && high <= 5100);
    ch_bank_free(b);
}

TEST_MAIN(TEST_ENTRY(one_cycle_step_by_step), TEST_ENTRY(bogus_tokens_differ_from_the_real_one),
          TEST_ENTRY(answers_are_judged), TEST_ENTRY(the_bank_answers_what_the_rules_expect))
