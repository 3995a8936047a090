/*
 * test_bank.c — the command handler's bank as a pure state machine: IBAN
 * generation and the mod-97 check, every transfer rule and reason in its order,
 * idempotence of repeated command ids, rebuilding from output events, and the
 * snapshot's round trip and its refusal of damaged files.
 */
#include "bank.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A deterministic random source: xorshift from a seed, or constant bytes. */
typedef struct rng {
    uint64_t s;
    int constant;
} rng_t;

static void test_rng(void *ctx, uint8_t *buf, size_t n)
{
    rng_t *r = ctx;
    for (size_t i = 0; i < n; i++) {
        if (r->constant) {
            buf[i] = 7;
            continue;
        }
        r->s ^= r->s << 13;
        r->s ^= r->s >> 7;
        r->s ^= r->s << 17;
        buf[i] = (uint8_t)r->s;
    }
}

static gw_uuid_t uid(int n)
{
    gw_uuid_t u;
    memset(&u, 0, sizeof(u));
    u.b[0] = 0x40;
    u.b[14] = (uint8_t)(n >> 8);
    u.b[15] = (uint8_t)n;
    return u;
}

static gw_event_t create_cmd(int n, gw_atype_t t)
{
    gw_event_t e;
    memset(&e, 0, sizeof(e));
    e.type = GW_REC_CONFIRM_ACCOUNT_CREATION;
    e.u.confirm_account_creation.id = uid(n);
    e.u.confirm_account_creation.a_type = t;
    return e;
}

static gw_event_t transfer_cmd(int n, const char *from, const char *to, int64_t amount, const char *token)
{
    gw_event_t e;
    memset(&e, 0, sizeof(e));
    e.type = GW_REC_CONFIRM_MONEY_TRANSFER;
    e.u.confirm_money_transfer.id = uid(n);
    e.u.confirm_money_transfer.from = from;
    e.u.confirm_money_transfer.to = to;
    e.u.confirm_money_transfer.amount = amount;
    e.u.confirm_money_transfer.token = token;
    e.u.confirm_money_transfer.description = "test";
    return e;
}

/* Opens an account; copies its IBAN and token out. */
static int open_account(ch_bank_t *b, int n, char iban[CH_IBAN_LEN + 1], char token[CH_TOKEN_LEN + 1])
{
    gw_event_t c = create_cmd(n, GW_ATYPE_AUTO);
    ch_bank_out_t out;
    if (ch_bank_handle(b, &c, &out) != 0 || out.n != 1 || out.ev[0].type != GW_REC_ACCOUNT_CREATION_CONFIRMED)
        return -1;
    strcpy(iban, out.ev[0].u.account_creation_confirmed.iban);
    strcpy(token, out.ev[0].u.account_creation_confirmed.token);
    return 0;
}

/* The reason of a one-event MoneyTransferFailed answer, or NULL. */
static const char *failure(ch_bank_t *b, const gw_event_t *cmd)
{
    static char reason[128]; /* test-only scratch */
    ch_bank_out_t out;
    if (ch_bank_handle(b, cmd, &out) != 0 || out.n != 1 || out.ev[0].type != GW_REC_MONEY_TRANSFER_FAILED)
        return NULL;
    snprintf(reason, sizeof(reason), "%s", out.ev[0].u.money_transfer_failed.reason);
    return reason;
}

/* One idiom: 0, or a negative CH_E* code with a name; "no snapshot" is no error. */
TEST(error_codes)
{
    const int codes[] = {CH_ENOMEM, CH_EINVAL, CH_EIO, CH_EKAFKA};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        EXPECT(codes[i] < 0);
        EXPECT(strcmp(ch_strerror(codes[i]), "unknown error") != 0);
        for (size_t k = 0; k < i; k++)
            EXPECT(codes[k] != codes[i]);
    }
    ASSERT_EQ_STR("success", ch_strerror(CH_OK));
    ASSERT_EQ_STR("out of memory", ch_strerror(CH_ENOMEM));
    ASSERT_EQ_STR("unknown error", ch_strerror(-100));
    EXPECT(CH_NO_SNAPSHOT > 0);
}

TEST(iban_check_digits)
{
    /* published examples of valid IBANs */
    EXPECT(ch_iban_valid("NL91ABNA0417164300"));
    EXPECT(ch_iban_valid("GB82WEST12345698765432"));
    EXPECT(ch_iban_valid("DE89370400440532013000"));
    EXPECT(!ch_iban_valid("NL91ABNA0417164301"));
    EXPECT(!ch_iban_valid("nl91ABNA0417164300"));
    EXPECT(!ch_iban_valid("NL91 ABNA 0417 1643 00"));
    EXPECT(!ch_iban_valid(""));
    EXPECT(!ch_iban_valid(NULL));
    EXPECT(ch_iban_is_open(CH_COMPANY_IBAN));
    EXPECT(!ch_iban_is_open("NL91ABNA0417164300"));
    EXPECT(!ch_iban_is_open("NL67OPEN0000000000"));
    EXPECT(!ch_iban_is_open("NL66OPEN000000000"));

    /* every generated IBAN passes, for many digit strings; a changed digit fails */
    char digits[11] = "0000000000", iban[CH_IBAN_LEN + 1];
    for (int i = 0; i < 20000; i++) {
        snprintf(digits, sizeof(digits), "0%09d", i * 49999 % 1000000000);
        ch_iban_make(digits, iban);
        ASSERT(ch_iban_is_open(iban));
        ASSERT(strncmp(iban + 8, digits, 10) == 0);
        iban[17] = (char)('0' + (iban[17] - '0' + 1) % 10);
        ASSERT(!ch_iban_valid(iban));
    }
    ch_iban_make("0000000000", iban);
    ASSERT_EQ_STR(CH_COMPANY_IBAN, iban);
}

TEST(account_creation)
{
    rng_t r = {88172645463325252ULL, 0};
    ch_bank_t *b = ch_bank_new(test_rng, &r);
    ASSERT(b != NULL);
    const ch_account_t *co = ch_bank_account(b, CH_COMPANY_IBAN);
    ASSERT(co != NULL);
    ASSERT_EQ_STR(CH_COMPANY_TOKEN, co->token);
    EXPECT(co->balance == CH_COMPANY_BALANCE);

    gw_event_t c = create_cmd(1, GW_ATYPE_MANUAL);
    ch_bank_out_t out;
    ASSERT_EQ_INT(0, ch_bank_handle(b, &c, &out));
    ASSERT_EQ_INT(1, out.n);
    EXPECT(!out.repeated);
    const gw_event_t *e = &out.ev[0];
    ASSERT_EQ_INT(GW_REC_ACCOUNT_CREATION_CONFIRMED, e->type);
    char iban[CH_IBAN_LEN + 1], token[CH_TOKEN_LEN + 1];
    strcpy(iban, e->u.account_creation_confirmed.iban);
    strcpy(token, e->u.account_creation_confirmed.token);
    EXPECT(ch_iban_is_open(iban));
    EXPECT(iban[8] == '0');
    EXPECT(strlen(token) == CH_TOKEN_LEN && strspn(token, "0123456789") == CH_TOKEN_LEN);
    EXPECT(e->u.account_creation_confirmed.a_type == GW_ATYPE_MANUAL);
    EXPECT(memcmp(e->u.account_creation_confirmed.id.b, c.u.confirm_account_creation.id.b, 16) == 0);
    const ch_account_t *a = ch_bank_account(b, iban);
    ASSERT(a != NULL);
    EXPECT(a->balance == 0 && a->limit == -50000);

    /* the same id again: the same account, nothing new */
    size_t before = ch_bank_account_count(b);
    ASSERT_EQ_INT(0, ch_bank_handle(b, &c, &out));
    ASSERT_EQ_INT(1, out.n);
    EXPECT(out.repeated);
    ASSERT_EQ_STR(iban, out.ev[0].u.account_creation_confirmed.iban);
    ASSERT_EQ_STR(token, out.ev[0].u.account_creation_confirmed.token);
    EXPECT(ch_bank_account_count(b) == before);

    /* many accounts: distinct IBANs, all valid */
    for (int i = 2; i < 3000; i++) {
        char ib[CH_IBAN_LEN + 1], tk[CH_TOKEN_LEN + 1];
        ASSERT_EQ_INT(0, open_account(b, i, ib, tk));
        ASSERT(ch_iban_is_open(ib));
    }
    EXPECT(ch_bank_account_count(b) == 3000);
    ch_bank_free(b);
}

TEST(iban_collision)
{
    rng_t r = {0, 1}; /* every draw the same: the second account collides, every time */
    ch_bank_t *b = ch_bank_new(test_rng, &r);
    ASSERT(b != NULL);
    char iban[CH_IBAN_LEN + 1], token[CH_TOKEN_LEN + 1];
    ASSERT_EQ_INT(0, open_account(b, 1, iban, token));
    gw_event_t c = create_cmd(2, GW_ATYPE_AUTO);
    ch_bank_out_t out;
    ASSERT_EQ_INT(0, ch_bank_handle(b, &c, &out));
    ASSERT_EQ_INT(1, out.n);
    ASSERT_EQ_INT(GW_REC_ACCOUNT_CREATION_FAILED, out.ev[0].type);
    ASSERT_EQ_STR("generated iban already exists, try again", out.ev[0].u.account_creation_failed.reason);
    /* not an answer: the same id is decided afresh, and with draws that differ it gets an account */
    EXPECT(!ch_bank_answered(b, gw_event_id(&c)));
    r.constant = 0;
    r.s = 88172645463325252ULL;
    ASSERT_EQ_INT(0, ch_bank_handle(b, &c, &out));
    EXPECT(!out.repeated);
    ASSERT_EQ_INT(GW_REC_ACCOUNT_CREATION_CONFIRMED, out.ev[0].type);
    EXPECT(strcmp(out.ev[0].u.account_creation_confirmed.iban, iban) != 0);
    /* a failure of that kind read back from an older log is not an answer either */
    gw_event_t f = {.type = GW_REC_ACCOUNT_CREATION_FAILED};
    f.u.account_creation_failed.id = create_cmd(3, GW_ATYPE_AUTO).u.confirm_account_creation.id;
    f.u.account_creation_failed.reason = CH_REASON_IBAN_EXISTS;
    ASSERT_EQ_INT(0, ch_bank_apply(b, &f, NULL));
    EXPECT(!ch_bank_answered(b, &f.u.account_creation_failed.id));
    ch_bank_free(b);
}

TEST(transfer_rules_in_order)
{
    rng_t r = {12345, 0};
    ch_bank_t *b = ch_bank_new(test_rng, &r);
    ASSERT(b != NULL);
    char a[CH_IBAN_LEN + 1], at[CH_TOKEN_LEN + 1], c[CH_IBAN_LEN + 1], ct[CH_TOKEN_LEN + 1];
    ASSERT_EQ_INT(0, open_account(b, 1, a, at));
    ASSERT_EQ_INT(0, open_account(b, 2, c, ct));
    int n = 100;
    gw_event_t t;

    /* from must be an OPEN IBAN or cash; checked before everything else */
    t = transfer_cmd(n++, "NL91ABNA0417164300", a, 1, "x");
    ASSERT_EQ_STR("from is invalid", failure(b, &t));
    t = transfer_cmd(n++, "NL00OPEN0000000001", "NL00OPEN0000000001", -5, "x");
    ASSERT_EQ_STR("from is invalid", failure(b, &t));
    t = transfer_cmd(n++, "", a, 1, "x");
    ASSERT_EQ_STR("from is invalid", failure(b, &t));
    /* then from = to (before the token and the amount) */
    t = transfer_cmd(n++, a, a, -1, "wrong");
    ASSERT_EQ_STR("from and to can't be same for transfer", failure(b, &t));
    t = transfer_cmd(n++, "cash", "cash", 1, "");
    ASSERT_EQ_STR("from and to can't be same for transfer", failure(b, &t));
    /* amounts must be positive */
    t = transfer_cmd(n++, a, c, 0, at);
    ASSERT_EQ_STR("invalid amount", failure(b, &t));
    t = transfer_cmd(n++, a, c, -100, at);
    ASSERT_EQ_STR("invalid amount", failure(b, &t));
    /* from is here: token first, then funds */
    t = transfer_cmd(n++, a, c, 60000, ct);
    ASSERT_EQ_STR("invalid token", failure(b, &t));
    t = transfer_cmd(n++, a, c, 50001, at);
    ASSERT_EQ_STR("insufficient funds", failure(b, &t));
    t = transfer_cmd(n++, a, c, INT64_MAX, at);
    ASSERT_EQ_STR("insufficient funds", failure(b, &t));
    /* neither side here */
    t = transfer_cmd(n++, "cash", "NL91ABNA0417164300", 1, "");
    ASSERT_EQ_STR("both to and from not known at this bank", failure(b, &t));
    char elsewhere[CH_IBAN_LEN + 1];
    ch_iban_make("0999999999", elsewhere); /* a valid OPEN IBAN with no account here */
    ASSERT(ch_bank_account(b, elsewhere) == NULL);
    t = transfer_cmd(n++, elsewhere, "NL91ABNA0417164300", 1, "");
    ASSERT_EQ_STR("both to and from not known at this bank", failure(b, &t));
    /* nothing moved */
    EXPECT(ch_bank_account(b, a)->balance == 0 && ch_bank_account(b, c)->balance == 0);

    /* exactly down to the limit is allowed: debit one, credit the other */
    ch_bank_out_t out;
    t = transfer_cmd(n++, a, c, 50000, at);
    ASSERT_EQ_INT(0, ch_bank_handle(b, &t, &out));
    ASSERT_EQ_INT(3, out.n);
    ASSERT_EQ_INT(GW_REC_BALANCE_CHANGED, out.ev[0].type);
    ASSERT_EQ_STR(a, out.ev[0].u.balance_changed.iban);
    EXPECT(out.ev[0].u.balance_changed.changed_by == -50000 && out.ev[0].u.balance_changed.new_balance == -50000);
    ASSERT_EQ_STR(c, out.ev[0].u.balance_changed.from_to);
    ASSERT_EQ_STR("test", out.ev[0].u.balance_changed.description);
    ASSERT_EQ_STR(c, out.ev[1].u.balance_changed.iban);
    EXPECT(out.ev[1].u.balance_changed.changed_by == 50000 && out.ev[1].u.balance_changed.new_balance == 50000);
    ASSERT_EQ_STR(a, out.ev[1].u.balance_changed.from_to);
    ASSERT_EQ_INT(GW_REC_MONEY_TRANSFER_CONFIRMED, out.ev[2].type);
    /* one more cent is too much */
    t = transfer_cmd(n++, a, c, 1, at);
    ASSERT_EQ_STR("insufficient funds", failure(b, &t));

    /* cash deposit: only the receiving side changes */
    t = transfer_cmd(n++, "cash", a, 70000, "");
    ASSERT_EQ_INT(0, ch_bank_handle(b, &t, &out));
    ASSERT_EQ_INT(2, out.n);
    ASSERT_EQ_STR(a, out.ev[0].u.balance_changed.iban);
    ASSERT_EQ_STR("cash", out.ev[0].u.balance_changed.from_to);
    EXPECT(out.ev[0].u.balance_changed.new_balance == 20000);
    /* to another bank: only the sending side changes */
    t = transfer_cmd(n++, a, "NL91ABNA0417164300", 5000, at);
    ASSERT_EQ_INT(0, ch_bank_handle(b, &t, &out));
    ASSERT_EQ_INT(2, out.n);
    EXPECT(out.ev[0].u.balance_changed.changed_by == -5000 && out.ev[0].u.balance_changed.new_balance == 15000);
    /* from a valid OPEN IBAN with no account here, to one here: only the credit */
    t = transfer_cmd(n++, elsewhere, c, 1, "whatever");
    ASSERT_EQ_INT(0, ch_bank_handle(b, &t, &out));
    ASSERT_EQ_INT(2, out.n);
    ASSERT_EQ_STR(c, out.ev[0].u.balance_changed.iban);
    ASSERT_EQ_STR(elsewhere, out.ev[0].u.balance_changed.from_to);
    /* from the company account: debited like any other */
    t = transfer_cmd(n++, CH_COMPANY_IBAN, c, 1, CH_COMPANY_TOKEN);
    ASSERT_EQ_INT(0, ch_bank_handle(b, &t, &out));
    ASSERT_EQ_INT(3, out.n);
    EXPECT(out.ev[0].u.balance_changed.new_balance == CH_COMPANY_BALANCE - 1);
    /* a credit that would overflow is refused */
    t = transfer_cmd(n++, "cash", c, INT64_MAX, "");
    ASSERT_EQ_STR("invalid amount", failure(b, &t));

    /* repeated id with other fields: refused as a reuse, nothing recorded, no money moves */
    int64_t ba = ch_bank_account(b, a)->balance, bc = ch_bank_account(b, c)->balance;
    size_t answers = ch_bank_answer_count(b);
    t = transfer_cmd(n - 5, "cash", a, 999, "");
    ASSERT_EQ_INT(0, ch_bank_handle(b, &t, &out));
    EXPECT(out.conflict && !out.repeated && out.n == 1 && out.ev[0].type == GW_REC_MONEY_TRANSFER_FAILED);
    ASSERT_EQ_STR(CH_REASON_UUID_REUSED, out.ev[0].u.money_transfer_failed.reason);
    t = transfer_cmd(101, a, c, 1, at); /* an earlier failure, other fields */
    ASSERT_EQ_STR(CH_REASON_UUID_REUSED, failure(b, &t));
    /* the same fields again: the first answer */
    t = transfer_cmd(101, "NL00OPEN0000000001", "NL00OPEN0000000001", -5, "x");
    ASSERT_EQ_INT(0, ch_bank_handle(b, &t, &out));
    EXPECT(out.repeated && !out.conflict && out.n == 1 && out.has_digest);
    ASSERT_EQ_STR("from is invalid", out.ev[0].u.money_transfer_failed.reason);
    EXPECT(ch_bank_account(b, a)->balance == ba && ch_bank_account(b, c)->balance == bc);
    EXPECT(ch_bank_answer_count(b) == answers);

    /* not a command */
    gw_event_t hb;
    memset(&hb, 0, sizeof(hb));
    hb.type = GW_REC_HEARTBEAT;
    EXPECT(ch_bank_handle(b, &hb, &out) == CH_EINVAL);
    ch_bank_free(b);
}

/* Runs a fixed workload on b, feeding every produced event to `mirror` too (twice
 * each, when `twice`: replay must be idempotent). */
static int workload(ch_bank_t *b, ch_bank_t *mirror, int twice)
{
    char ib[8][CH_IBAN_LEN + 1], tk[8][CH_TOKEN_LEN + 1];
    ch_bank_out_t out;
    for (int i = 0; i < 8; i++) {
        gw_event_t c = create_cmd(1000 + i, i % 2 ? GW_ATYPE_MANUAL : GW_ATYPE_AUTO);
        if (ch_bank_handle(b, &c, &out) != 0)
            return -1;
        strcpy(ib[i], out.ev[0].u.account_creation_confirmed.iban);
        strcpy(tk[i], out.ev[0].u.account_creation_confirmed.token);
        for (int k = 0; mirror && k <= twice; k++)
            if (ch_bank_apply(mirror, &out.ev[0], NULL) != 0)
                return -1;
    }
    for (int i = 0; i < 200; i++) {
        int f = i % 8, to = (i * 3 + 1) % 8;
        gw_event_t t = i % 5 == 0 ? transfer_cmd(2000 + i, "cash", ib[to], 1000 + i, "")
                                  : transfer_cmd(2000 + i, ib[f], ib[to], 700 + i, i % 7 ? tk[f] : "bad");
        if (ch_bank_handle(b, &t, &out) != 0)
            return -1;
        for (int k = 0; mirror && k < out.n; k++)
            for (int rep = 0; rep <= twice; rep++)
                if (ch_bank_apply(mirror, &out.ev[k], NULL) != 0)
                    return -1;
    }
    return 0;
}

static int same_state(ch_bank_t *x, ch_bank_t *y, int ids_from, int ids_to)
{
    if (ch_bank_account_count(x) != ch_bank_account_count(y) || ch_bank_answer_count(x) != ch_bank_answer_count(y))
        return 0;
    for (int i = ids_from; i < ids_to; i++) {
        gw_uuid_t u = uid(i);
        if (ch_bank_answered(x, &u) != ch_bank_answered(y, &u))
            return 0;
    }
    /* every account of x, via the answers to its creation */
    for (int i = 1000; i < 1008; i++) {
        gw_event_t c = create_cmd(i, GW_ATYPE_AUTO);
        ch_bank_out_t ox, oy;
        if (ch_bank_handle(x, &c, &ox) != 0 || ch_bank_handle(y, &c, &oy) != 0)
            return 0;
        const ch_account_t *ax = ch_bank_account(x, ox.ev[0].u.account_creation_confirmed.iban);
        const ch_account_t *ay = ch_bank_account(y, oy.ev[0].u.account_creation_confirmed.iban);
        if (!ax || !ay || memcmp(ax, ay, sizeof(*ax)) != 0)
            return 0;
    }
    return 1;
}

TEST(rebuild_from_output_events)
{
    rng_t r = {777, 0};
    ch_bank_t *b = ch_bank_new(test_rng, &r), *m = ch_bank_new(test_rng, &r);
    ASSERT(b && m);
    ASSERT_EQ_INT(0, workload(b, m, 0));
    EXPECT(same_state(b, m, 1000, 2200));
    EXPECT(ch_bank_answer_count(m) == 208);
    ch_bank_free(b);
    ch_bank_free(m);
    /* every event applied twice: the same state (replay is idempotent) */
    b = ch_bank_new(test_rng, &r);
    m = ch_bank_new(test_rng, &r);
    ASSERT(b && m);
    ASSERT_EQ_INT(0, workload(b, m, 1));
    EXPECT(same_state(b, m, 1000, 2200));

    /* a balance read before its account's creation (two topics read side by side) */
    ch_bank_t *x = ch_bank_new(test_rng, &r);
    ASSERT(x != NULL);
    gw_event_t bc, acc;
    memset(&bc, 0, sizeof(bc));
    bc.type = GW_REC_BALANCE_CHANGED;
    bc.u.balance_changed.iban = "NL11OPEN0123456789";
    bc.u.balance_changed.from_to = bc.u.balance_changed.description = "";
    bc.u.balance_changed.new_balance = 500;
    ASSERT_EQ_INT(0, ch_bank_apply(x, &bc, NULL));
    bc.u.balance_changed.new_balance = 700;
    ASSERT_EQ_INT(0, ch_bank_apply(x, &bc, NULL));
    EXPECT(ch_bank_account(x, "NL11OPEN0123456789") == NULL);
    memset(&acc, 0, sizeof(acc));
    acc.type = GW_REC_ACCOUNT_CREATION_CONFIRMED;
    acc.u.account_creation_confirmed.id = uid(1);
    acc.u.account_creation_confirmed.iban = "NL11OPEN0123456789";
    acc.u.account_creation_confirmed.token = "12345678901234567890";
    ASSERT_EQ_INT(0, ch_bank_apply(x, &acc, NULL));
    ASSERT(ch_bank_account(x, "NL11OPEN0123456789") != NULL);
    EXPECT(ch_bank_account(x, "NL11OPEN0123456789")->balance == 700);
    /* after the replay nothing is set aside any more */
    bc.u.balance_changed.iban = "NL22OPEN0123456789";
    ASSERT_EQ_INT(0, ch_bank_apply(x, &bc, NULL));
    ch_bank_replay_done(x);
    acc.u.account_creation_confirmed.id = uid(2);
    acc.u.account_creation_confirmed.iban = "NL22OPEN0123456789";
    ASSERT_EQ_INT(0, ch_bank_apply(x, &acc, NULL));
    EXPECT(ch_bank_account(x, "NL22OPEN0123456789")->balance == 0);
    ch_bank_free(x);

    gw_event_t hb;
    memset(&hb, 0, sizeof(hb));
    hb.type = GW_REC_CONFIRM_MONEY_TRANSFER;
    EXPECT(ch_bank_apply(m, &hb, NULL) == CH_EINVAL);
    ch_bank_free(b);
    ch_bank_free(m);
}

/* A stop between a transfer's BalanceChanged and its feedback: the restart
 * completes the transfer once, instead of applying it again. */
TEST(half_done_transfer_is_completed)
{
    rng_t r = {99, 0};
    ch_bank_t *b = ch_bank_new(test_rng, &r), *m = ch_bank_new(test_rng, &r);
    ASSERT(b && m);
    char a[CH_IBAN_LEN + 1], at[CH_TOKEN_LEN + 1], c[CH_IBAN_LEN + 1], ct[CH_TOKEN_LEN + 1];
    ASSERT_EQ_INT(0, open_account(b, 1, a, at));
    ASSERT_EQ_INT(0, open_account(b, 2, c, ct));
    ch_bank_out_t out;
    gw_event_t t1 = transfer_cmd(10, a, c, 1234, at), t2 = transfer_cmd(11, "cash", a, 50, "");
    ASSERT_EQ_INT(0, ch_bank_handle(b, &t1, &out));
    ASSERT_EQ_INT(3, out.n);
    /* what landed before the stop: both accounts, only the debit of t1 */
    for (int i = 1; i <= 2; i++) {
        gw_event_t cc = create_cmd(i, GW_ATYPE_AUTO);
        ch_bank_out_t o2;
        ASSERT_EQ_INT(0, ch_bank_handle(b, &cc, &o2)); /* repeated: the same answer */
        ASSERT_EQ_INT(0, ch_bank_apply(m, &o2.ev[0], NULL));
    }
    ASSERT_EQ_INT(0, ch_bank_apply(m, &out.ev[0], &t1.u.confirm_money_transfer.id));
    ASSERT_EQ_INT(1, ch_bank_replay_done(m));
    EXPECT(ch_bank_account(m, a)->balance == -1234 && ch_bank_account(m, c)->balance == 0);
    EXPECT(!ch_bank_answered(m, &t1.u.confirm_money_transfer.id));

    /* the half-done state survives a snapshot */
    char dir[] = "/tmp/test_bank_half_XXXXXX", err[256];
    ASSERT(mkdtemp(dir) != NULL);
    ASSERT_EQ_INT(0, ch_bank_snapshot_write(m, dir, NULL, 0, err, sizeof(err)));
    ch_bank_t *l = ch_bank_new(test_rng, &r);
    ch_snap_offset_t *offs;
    size_t n;
    ASSERT_EQ_INT(0, ch_bank_snapshot_read(l, dir, &offs, &n, err, sizeof(err)));
    free(offs);
    char path[128];
    snprintf(path, sizeof(path), "%s/snapshot", dir);
    unlink(path);
    rmdir(dir);

    /* the command read again: only the credit, then the confirmation */
    ch_bank_t *banks[2] = {m, l};
    for (int k = 0; k < 2; k++) {
        ch_bank_t *x = banks[k];
        ASSERT_EQ_INT(0, ch_bank_handle(x, &t1, &out));
        EXPECT(out.completed && !out.repeated);
        ASSERT_EQ_INT(2, out.n);
        ASSERT_EQ_STR(c, out.ev[0].u.balance_changed.iban);
        EXPECT(out.ev[0].u.balance_changed.new_balance == 1234);
        ASSERT_EQ_INT(GW_REC_MONEY_TRANSFER_CONFIRMED, out.ev[1].type);
        /* and never again */
        ASSERT_EQ_INT(0, ch_bank_handle(x, &t1, &out));
        EXPECT(out.repeated && out.n == 1);
        EXPECT(ch_bank_account(x, a)->balance == -1234 && ch_bank_account(x, c)->balance == 1234);
        /* other commands are unaffected */
        ASSERT_EQ_INT(0, ch_bank_handle(x, &t2, &out));
        EXPECT(!out.completed && out.n == 2 && ch_bank_account(x, a)->balance == -1184);
    }
    ch_bank_free(l);
    ch_bank_free(b);
    ch_bank_free(m);
}

/* The same stop, read from a log whose BalanceChanged carry the command's id
 * and key: the BalanceChanged is the decision record, and the transfer is
 * finished from it alone (ch_bank_complete_next), before any command is read —
 * whichever side landed. */
TEST(half_done_transfer_is_derived_from_the_log)
{
    for (int side = 0; side < 2; side++) {
        rng_t r = {4242, 0};
        ch_bank_t *b = ch_bank_new(test_rng, &r), *m = ch_bank_new(test_rng, &r);
        ASSERT(b && m);
        char a[CH_IBAN_LEN + 1], at[CH_TOKEN_LEN + 1], c[CH_IBAN_LEN + 1], ct[CH_TOKEN_LEN + 1];
        ASSERT_EQ_INT(0, open_account(b, 1, a, at));
        ASSERT_EQ_INT(0, open_account(b, 2, c, ct));
        for (int i = 1; i <= 2; i++) {
            gw_event_t cc = create_cmd(i, GW_ATYPE_AUTO);
            ch_bank_out_t o2;
            ASSERT_EQ_INT(0, ch_bank_handle(b, &cc, &o2));
            ASSERT_EQ_INT(0, ch_bank_apply(m, &o2.ev[0], NULL));
        }
        ch_bank_out_t out;
        gw_event_t t1 = transfer_cmd(10, a, c, 700, at);
        ASSERT_EQ_INT(0, ch_bank_handle(b, &t1, &out));
        ASSERT_EQ_INT(3, out.n);
        /* only one BalanceChanged landed (the debit, or the credit) */
        ASSERT_EQ_INT(0, ch_bank_apply_from(m, &out.ev[side], &t1.u.confirm_money_transfer.id, "alice", 5, 1));
        ASSERT_EQ_INT(1, ch_bank_replay_done(m));
        gw_uuid_t id;
        const char *key;
        size_t klen;
        ch_bank_out_t d;
        ASSERT_EQ_INT(1, ch_bank_complete_next(m, &d, &id, &key, &klen));
        EXPECT(d.completed);
        ASSERT_EQ_INT(2, d.n);
        const char *other = side == 0 ? c : a;
        ASSERT_EQ_INT(GW_REC_BALANCE_CHANGED, d.ev[0].type);
        ASSERT_EQ_STR(other, d.ev[0].u.balance_changed.iban);
        EXPECT(d.ev[0].u.balance_changed.changed_by == (side == 0 ? 700 : -700));
        ASSERT_EQ_STR(side == 0 ? a : c, d.ev[0].u.balance_changed.from_to);
        ASSERT_EQ_STR("test", d.ev[0].u.balance_changed.description);
        ASSERT_EQ_INT(GW_REC_MONEY_TRANSFER_CONFIRMED, d.ev[1].type);
        EXPECT(memcmp(id.b, t1.u.confirm_money_transfer.id.b, 16) == 0);
        EXPECT(klen == 5 && memcmp(key, "alice", 5) == 0);
        EXPECT(ch_bank_account(m, a)->balance == -700 && ch_bank_account(m, c)->balance == 700);
        EXPECT(ch_bank_answered(m, &t1.u.confirm_money_transfer.id));
        /* nothing more to finish; the command read again is a repeat */
        ASSERT_EQ_INT(0, ch_bank_complete_next(m, &d, &id, &key, &klen));
        ASSERT_EQ_INT(0, ch_bank_handle(m, &t1, &out));
        EXPECT(out.repeated && out.n == 1);
        ch_bank_free(b);
        ch_bank_free(m);
    }
}

static char *tmpdir(void)
{
    char *d = strdup("/tmp/test_bank_XXXXXX");
    return d && mkdtemp(d) ? d : NULL;
}

static void rmdir_all(const char *d)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/snapshot", d);
    unlink(p);
    snprintf(p, sizeof(p), "%s/snapshot.tmp", d);
    unlink(p);
    rmdir(d);
}

TEST(snapshot_round_trip)
{
    rng_t r = {4242, 0};
    ch_bank_t *b = ch_bank_new(test_rng, &r);
    ASSERT(b != NULL);
    ASSERT_EQ_INT(0, workload(b, NULL, 0));
    /* a reason with characters the file format must escape */
    gw_event_t odd;
    memset(&odd, 0, sizeof(odd));
    odd.type = GW_REC_MONEY_TRANSFER_FAILED;
    odd.u.money_transfer_failed.id = uid(9999);
    odd.u.money_transfer_failed.reason = "two\nlines 100% and\ta tab";
    ASSERT_EQ_INT(0, ch_bank_apply(b, &odd, NULL));

    char *dir = tmpdir();
    ASSERT(dir != NULL);
    ch_snap_offset_t offs[2] = {{"confirm_money_transfer", 3, 17}, {"balance_changed", 8, 123456789012LL}};
    char err[512];
    ASSERT_EQ_INT(0, ch_bank_snapshot_write(b, dir, offs, 2, err, sizeof(err)));

    ch_bank_t *l = ch_bank_new(test_rng, &r);
    ch_snap_offset_t *lo = NULL;
    size_t ln = 0;
    ASSERT_EQ_INT(0, ch_bank_snapshot_read(l, dir, &lo, &ln, err, sizeof(err)));
    ASSERT_EQ_INT(2, ln);
    ASSERT_EQ_STR("balance_changed", lo[1].topic);
    EXPECT(lo[1].partition == 8 && lo[1].offset == 123456789012LL);
    free(lo);
    EXPECT(same_state(b, l, 1000, 2200));
    ch_bank_out_t out;
    ASSERT_EQ_INT(0, ch_bank_handle(l, &odd /* not a command */, &out) == CH_EINVAL ? 0 : 1);
    gw_event_t again = transfer_cmd(9999, "cash", CH_COMPANY_IBAN, 1, "");
    ASSERT_EQ_INT(0, ch_bank_handle(l, &again, &out));
    EXPECT(out.repeated);
    ASSERT_EQ_STR("two\nlines 100% and\ta tab", out.ev[0].u.money_transfer_failed.reason);
    ch_bank_free(l);

    /* no snapshot */
    char empty[] = "/tmp/test_bank_empty_XXXXXX";
    ASSERT(mkdtemp(empty) != NULL);
    l = ch_bank_new(NULL, NULL);
    EXPECT(ch_bank_snapshot_read(l, empty, &lo, &ln, err, sizeof(err)) == CH_NO_SNAPSHOT);
    rmdir(empty);

    /* damaged files are refused and leave the bank as it was */
    char path[512];
    snprintf(path, sizeof(path), "%s/snapshot", dir);
    FILE *f = fopen(path, "rb");
    ASSERT(f != NULL);
    char *text = calloc(1, 1 << 20);
    size_t len = fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    /* 0: cut in half, 1: counts wrong, 2: a garbage line, 3: not our magic line */
    for (int d = 0; d < 4; d++) {
        f = fopen(path, "wb");
        ASSERT(f != NULL);
        if (d == 0)
            fwrite(text, 1, len / 2, f);
        else if (d == 1) {
            char *end = strstr(text, "\nend ");
            fwrite(text, 1, (size_t)(end - text) + 1, f);
            fputs("end 1 1 1\n", f);
        } else if (d == 2) {
            fwrite(text, 1, len, f);
            fputs("account NL?? x y z\n", f);
        } else {
            fputs("something else 9\n", f);
            fwrite(text, 1, len, f);
        }
        fclose(f);
        err[0] = '\0';
        EXPECT(ch_bank_snapshot_read(l, dir, &lo, &ln, err, sizeof(err)) == CH_EINVAL);
        EXPECT(err[0] != '\0');
        EXPECT(ch_bank_account_count(l) == 1 && ch_bank_answer_count(l) == 0);
    }
    free(text);
    ch_bank_free(l);
    ch_bank_free(b);
    rmdir_all(dir);
    free(dir);
}

/* A command from a producer that did not check the field limits: refused with
 * the field named once the original's rules passed, nothing applied. */
TEST(field_limits_are_enforced)
{
    rng_t r = {777, 0};
    ch_bank_t *b = ch_bank_new(test_rng, &r);
    ASSERT(b != NULL);
    char a[CH_IBAN_LEN + 1], at[CH_TOKEN_LEN + 1];
    ASSERT_EQ_INT(0, open_account(b, 1, a, at));
    static char big[60001];
    memset(big, 'x', sizeof big - 1);
    gw_event_t t = transfer_cmd(10, "cash", a, 100, "");
    t.u.confirm_money_transfer.description = big;
    ASSERT_EQ_STR("descr must be at most 800 bytes (got 60000)", failure(b, &t));
    /* 201 two-byte characters: within the bytes, over the characters */
    static char wide[403];
    for (int i = 0; i < 201; i++)
        memcpy(wide + 2 * i, "\xc3\xa9", 2);
    t = transfer_cmd(11, "cash", a, 100, "");
    t.u.confirm_money_transfer.description = wide;
    ASSERT_EQ_STR("descr must be at most 200 characters (got 201)", failure(b, &t));
    t = transfer_cmd(12, "cash", a, 100, "a token with spaces");
    ASSERT_EQ_STR("token must be printable ASCII without spaces", failure(b, &t));
    t = transfer_cmd(13, "cash", a, 100, big + 59900);
    ASSERT_EQ_STR("token must be at most 64 characters (got 100)", failure(b, &t));
    t = transfer_cmd(14, "cash", a, 3000000000LL, "");
    ASSERT_EQ_STR("amount must be at most 2147483647 cents (got 3000000000)", failure(b, &t));
    t = transfer_cmd(15, a, "not an iban", 1, at);
    EXPECT(strncmp(failure(b, &t), "to must be an IBAN", 18) == 0);
    EXPECT(ch_bank_account(b, a)->balance == 0);
    /* 200 characters exactly is fine */
    t = transfer_cmd(16, "cash", a, 100, "");
    t.u.confirm_money_transfer.description = wide + 2;
    ch_bank_out_t out;
    ASSERT_EQ_INT(0, ch_bank_handle(b, &t, &out));
    EXPECT(out.n == 2 && out.ev[1].type == GW_REC_MONEY_TRANSFER_CONFIRMED);
    EXPECT(ch_bank_account(b, a)->balance == 100);
    ch_bank_free(b);
}

/* A transfer's answer stays bound to its parameters after a restart: rebuilt
 * from its feedback's digest (as main.c reads the header) and from a
 * snapshot. */
TEST(uuid_binding_survives_replay_and_snapshot)
{
    rng_t r = {4242, 0};
    ch_bank_t *b = ch_bank_new(test_rng, &r);
    ASSERT(b != NULL);
    char a[CH_IBAN_LEN + 1], at[CH_TOKEN_LEN + 1];
    ASSERT_EQ_INT(0, open_account(b, 1, a, at));
    gw_event_t t = transfer_cmd(20, "cash", a, 500, "");
    ch_bank_out_t out;
    ASSERT_EQ_INT(0, ch_bank_handle(b, &t, &out));
    ASSERT(out.has_digest && out.n == 2);
    uint8_t d[GW_TRANSFER_DIGEST_LEN];
    memcpy(d, out.digest, sizeof d);
    gw_transfer_fields_t f = {{"", 0}, {"cash", 4}, {a, CH_IBAN_LEN}, {"test", 4}, {NULL, 0}, 500};
    uint8_t want[GW_TRANSFER_DIGEST_LEN];
    gw_transfer_digest(&f, want);
    EXPECT(memcmp(d, want, sizeof d) == 0); /* the gateway computes the same */

    /* replay into a fresh bank: the account, the balance, the feedback and its digest */
    ch_bank_t *m = ch_bank_new(NULL, NULL);
    ASSERT(m != NULL);
    gw_event_t acc;
    memset(&acc, 0, sizeof acc);
    acc.type = GW_REC_ACCOUNT_CREATION_CONFIRMED;
    acc.u.account_creation_confirmed.id = uid(1);
    acc.u.account_creation_confirmed.iban = a;
    acc.u.account_creation_confirmed.token = at;
    ASSERT_EQ_INT(0, ch_bank_apply(m, &acc, NULL));
    for (int i = 0; i < out.n; i++)
        ASSERT_EQ_INT(0, ch_bank_apply(m, &out.ev[i], NULL));
    ASSERT_EQ_INT(0, ch_bank_bind_digest(m, &t.u.confirm_money_transfer.id, d));
    /* a refused reuse read back is not an answer of its own */
    gw_event_t reuse;
    memset(&reuse, 0, sizeof reuse);
    reuse.type = GW_REC_MONEY_TRANSFER_FAILED;
    reuse.u.money_transfer_failed.id = uid(21);
    reuse.u.money_transfer_failed.reason = CH_REASON_UUID_REUSED;
    ASSERT_EQ_INT(0, ch_bank_apply(m, &reuse, NULL));
    EXPECT(!ch_bank_answered(m, &reuse.u.money_transfer_failed.id));

    gw_event_t other = transfer_cmd(20, "cash", a, 501, "");
    ASSERT_EQ_STR(CH_REASON_UUID_REUSED, failure(m, &other));
    ASSERT_EQ_INT(0, ch_bank_handle(m, &t, &out));
    EXPECT(out.repeated && out.ev[0].type == GW_REC_MONEY_TRANSFER_CONFIRMED);

    /* through a snapshot */
    char *dir = strdup("/tmp/test_bank_digest_XXXXXX");
    ASSERT(dir != NULL && mkdtemp(dir) != NULL);
    char err[256];
    ASSERT_EQ_INT(0, ch_bank_snapshot_write(m, dir, NULL, 0, err, sizeof err));
    ch_bank_t *l = ch_bank_new(NULL, NULL);
    ch_snap_offset_t *lo = NULL;
    size_t ln = 0;
    ASSERT_EQ_INT(0, ch_bank_snapshot_read(l, dir, &lo, &ln, err, sizeof err));
    free(lo);
    ASSERT_EQ_STR(CH_REASON_UUID_REUSED, failure(l, &other));
    ASSERT_EQ_INT(0, ch_bank_handle(l, &t, &out));
    EXPECT(out.repeated && out.has_digest && memcmp(out.digest, d, sizeof d) == 0);
    EXPECT(ch_bank_account(l, a)->balance == 500);
    ch_bank_free(l);
    ch_bank_free(m);
    ch_bank_free(b);
    rmdir_all(dir);
    free(dir);
}

TEST_MAIN(TEST_ENTRY(error_codes), TEST_ENTRY(iban_check_digits), TEST_ENTRY(account_creation),
          TEST_ENTRY(iban_collision), TEST_ENTRY(transfer_rules_in_order), TEST_ENTRY(rebuild_from_output_events),
          TEST_ENTRY(half_done_transfer_is_completed), TEST_ENTRY(half_done_transfer_is_derived_from_the_log),
          TEST_ENTRY(snapshot_round_trip), TEST_ENTRY(field_limits_are_enforced),
          TEST_ENTRY(uuid_binding_survives_replay_and_snapshot))
