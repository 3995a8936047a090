/*
 * rules.c — the load test generator's state machine (rules.h has the rules
 * and the reasons for them).
 */
#include "rules.h"

#include <stddef.h>
#include <string.h>

void bl_rules_init(bl_rules_t *r)
{
    r->kind = BL_STEP_NORMAL;
    r->from = 0;
    r->amount = BL_RULES_START;
}

const char *bl_rules_expected_reason(const bl_rules_t *r)
{
    switch (r->kind) {
    case BL_STEP_BOGUS:
        return BL_REASON_TOKEN;
    case BL_STEP_TOO_MUCH:
        return BL_REASON_FUNDS;
    case BL_STEP_NORMAL:
        break;
    }
    return NULL;
}

void bl_rules_token(const bl_rules_t *r, const char *real, char *out, size_t cap)
{
    size_t n = strlen(real);
    if (cap == 0)
        return;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, real, n);
    out[n] = '\0';
    if (r->kind != BL_STEP_BOGUS)
        return;
    if (n == 0) {
        if (cap > 1) {
            out[0] = '0';
            out[1] = '\0';
        }
        return;
    }
    char c = out[n - 1];
    out[n - 1] = c >= '0' && c <= '9' ? (char)('0' + (c - '0' + 1) % 10) : '0';
}

bl_verdict_t bl_rules_check(const bl_rules_t *r, const char *uuid, const bl_answer_t *a)
{
    if (a->has_errors || !a->has_result)
        return BL_GRAPHQL_ERROR;
    if (a->uuid == NULL || strcmp(a->uuid, uuid) != 0)
        return BL_WRONG_ANSWER;
    const char *want = bl_rules_expected_reason(r);
    if (want == NULL)
        return a->success && a->reason == NULL ? BL_RIGHT : BL_WRONG_ANSWER;
    return !a->success && a->reason != NULL && strcmp(a->reason, want) == 0 ? BL_RIGHT : BL_WRONG_ANSWER;
}

void bl_rules_advance(bl_rules_t *r)
{
    int other = 1 - r->from;
    if (r->kind != BL_STEP_NORMAL) {
        r->kind = BL_STEP_NORMAL;
        r->amount = BL_RULES_START;
    } else if (r->amount >= BL_RULES_TURN) {
        r->kind = r->from == 0 ? BL_STEP_BOGUS : BL_STEP_TOO_MUCH;
        r->amount = r->from == 0 ? r->amount + BL_RULES_STEP : BL_RULES_TOO_MUCH;
    } else {
        r->amount += BL_RULES_STEP;
    }
    r->from = other;
}
