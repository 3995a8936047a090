/*
 * bank.c — the command handler's state machine (see bank.h for the rules):
 * accounts in an array indexed by an open-addressing table on the IBAN, answers
 * in another keyed by command id, IBAN generation and the mod-97 check.
 */
#include "bank_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* ----------------------------------------------------------------- errors */

const char *ch_strerror(int code)
{
    switch (code) {
    case CH_OK:
        return "success";
    case CH_ENOMEM:
        return "out of memory";
    case CH_EINVAL:
        return "invalid argument";
    case CH_EIO:
        return "I/O error";
    case CH_EKAFKA:
        return "kafka error";
    default:
        return "unknown error";
    }
}

/* ------------------------------------------------------------------ IBANs */

/* The ISO 7064 mod-97 of the rearranged IBAN s (country+check moved to the end). */
static int iban_mod97(const char *s, size_t len)
{
    unsigned r = 0;
    for (size_t k = 0; k < len; k++) {
        char ch = s[(k + 4) % len];
        if (ch >= '0' && ch <= '9')
            r = (r * 10 + (unsigned)(ch - '0')) % 97;
        else if (ch >= 'A' && ch <= 'Z')
            r = (r * 100 + (unsigned)(ch - 'A' + 10)) % 97;
        else
            return -1;
    }
    return (int)r;
}

int ch_iban_valid(const char *s)
{
    if (s == NULL)
        return 0;
    size_t len = strlen(s);
    if (len < 15 || len > 34)
        return 0;
    if (s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' || s[2] < '0' || s[2] > '9' || s[3] < '0' || s[3] > '9')
        return 0;
    return iban_mod97(s, len) == 1;
}

int ch_iban_is_open(const char *s)
{
    if (s == NULL || strlen(s) != CH_IBAN_LEN || strncmp(s, "NL", 2) != 0 || strncmp(s + 4, "OPEN", 4) != 0)
        return 0;
    for (int i = 8; i < CH_IBAN_LEN; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return ch_iban_valid(s);
}

void ch_iban_make(const char digits[10], char out[CH_IBAN_LEN + 1])
{
    memcpy(out, "NL00OPEN", 8);
    memcpy(out + 8, digits, 10);
    out[CH_IBAN_LEN] = '\0';
    int check = 98 - iban_mod97(out, CH_IBAN_LEN);
    out[2] = (char)('0' + check / 10);
    out[3] = (char)('0' + check % 10);
}

/* ----------------------------------------------------------- hash tables */

/* Open addressing over indices (stored +1; 0 = empty). Power-of-two capacity. */
typedef struct index {
    uint32_t *slots;
    size_t cap; /* 0 or a power of two */
} index_t;

static uint64_t fnv(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

/* ------------------------------------------------------------------- bank */

/* An answer already given to a command id. */
typedef struct answer {
    gw_uuid_t id;
    int kind;
    uint32_t account; /* ANS_ACCOUNT_OK: index into accounts */
    char *reason;     /* the *_FAILED kinds: owned */
    int has_digest;   /* transfers: the parameters this answer was given for */
    uint8_t digest[GW_TRANSFER_DIGEST_LEN];
} answer_t;

/* The accounts whose BalanceChanged for one transfer were seen, and what the
 * first of them said: a transfer's BalanceChanged is its decision record, the
 * other side (and the feedback) follow from it alone. */
typedef struct cause {
    gw_uuid_t id;
    char ibans[2][CH_IBAN_LEN + 1]; /* "" = none */
    int done;                       /* completed (kept so that the index stays valid) */
    int derivable;                  /* 1: the fields below hold the first event's details */
    int64_t changed_by;             /* of ibans[0]'s event */
    char *from_to, *description;    /* owned: of ibans[0]'s event */
    char *key;                      /* owned: the command's key (header "command-key"); NULL: none */
    size_t klen;
} cause_t;

static void cause_clear(cause_t *c)
{
    free(c->from_to);
    free(c->description);
    free(c->key);
    c->from_to = c->description = c->key = NULL;
    c->derivable = 0;
}

struct ch_bank {
    ch_account_t *accounts; /* owned, grows */
    size_t naccounts, capaccounts;
    index_t by_iban;
    answer_t *answers; /* owned, grows */
    size_t nanswers, capanswers;
    index_t by_id;
    /* Replay only: the latest balance of IBANs whose creation event has not been
     * read yet (the account topic and the balance topic are read side by side). */
    ch_account_t *pending; /* owned; only iban and balance used */
    size_t npending, cappending;
    index_t by_pending;
    /* Which accounts each transfer's BalanceChanged events touched, by command id
     * (from their command-id header). During a replay: all of them; after it, only
     * the transfers with no feedback yet: the handler stopped half-way, and the
     * command, when it comes again, is completed rather than applied again. */
    cause_t *causes; /* owned */
    size_t ncauses, capcauses;
    index_t by_cause;
    ch_bank_rng_fn rng;
    void *rng_ctx;
};

static uint64_t hash_iban(const char *iban)
{
    return fnv(iban, strlen(iban));
}

static uint64_t hash_id(const gw_uuid_t *id)
{
    return fnv(id->b, 16);
}

static long find_account(const ch_bank_t *b, const char *iban)
{
    if (b->by_iban.cap == 0 || iban == NULL)
        return -1;
    size_t mask = b->by_iban.cap - 1;
    for (size_t i = hash_iban(iban) & mask;; i = (i + 1) & mask) {
        uint32_t s = b->by_iban.slots[i];
        if (s == 0)
            return -1;
        if (strcmp(b->accounts[s - 1].iban, iban) == 0)
            return (long)s - 1;
    }
}

static long find_pending(const ch_bank_t *b, const char *iban)
{
    if (b->by_pending.cap == 0 || iban == NULL)
        return -1;
    size_t mask = b->by_pending.cap - 1;
    for (size_t i = hash_iban(iban) & mask;; i = (i + 1) & mask) {
        uint32_t s = b->by_pending.slots[i];
        if (s == 0)
            return -1;
        if (strcmp(b->pending[s - 1].iban, iban) == 0)
            return (long)s - 1;
    }
}

static long find_cause(const ch_bank_t *b, const gw_uuid_t *id)
{
    if (b->by_cause.cap == 0)
        return -1;
    size_t mask = b->by_cause.cap - 1;
    for (size_t i = hash_id(id) & mask;; i = (i + 1) & mask) {
        uint32_t s = b->by_cause.slots[i];
        if (s == 0)
            return -1;
        if (memcmp(b->causes[s - 1].id.b, id->b, 16) == 0)
            return (long)s - 1;
    }
}

static long find_answer(const ch_bank_t *b, const gw_uuid_t *id)
{
    if (b->by_id.cap == 0)
        return -1;
    size_t mask = b->by_id.cap - 1;
    for (size_t i = hash_id(id) & mask;; i = (i + 1) & mask) {
        uint32_t s = b->by_id.slots[i];
        if (s == 0)
            return -1;
        if (memcmp(b->answers[s - 1].id.b, id->b, 16) == 0)
            return (long)s - 1;
    }
}

enum { IX_ANSWERS, IX_ACCOUNTS, IX_PENDING, IX_CAUSES };

/* Rebuilds index `which` for n entries at half load at most; 0 or CH_ENOMEM. */
static int reindex(ch_bank_t *b, int which, size_t n)
{
    index_t *ix = which == IX_ACCOUNTS  ? &b->by_iban
                  : which == IX_PENDING ? &b->by_pending
                  : which == IX_CAUSES  ? &b->by_cause
                                        : &b->by_id;
    if (n == 0) { /* emptied: start afresh */
        free(ix->slots);
        *ix = (index_t){NULL, 0};
        return 0;
    }
    if (n * 2 < ix->cap)
        return 0;
    size_t cap = ix->cap ? ix->cap : 64;
    while (n * 2 >= cap)
        cap *= 2;
    uint32_t *slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return CH_ENOMEM;
    size_t have = which == IX_ACCOUNTS  ? b->naccounts
                  : which == IX_PENDING ? b->npending
                  : which == IX_CAUSES  ? b->ncauses
                                        : b->nanswers;
    for (size_t k = 0; k < have; k++) {
        uint64_t h = which == IX_ACCOUNTS  ? hash_iban(b->accounts[k].iban)
                     : which == IX_PENDING ? hash_iban(b->pending[k].iban)
                     : which == IX_CAUSES  ? hash_id(&b->causes[k].id)
                                           : hash_id(&b->answers[k].id);
        size_t i = h & (cap - 1);
        while (slots[i] != 0)
            i = (i + 1) & (cap - 1);
        slots[i] = (uint32_t)k + 1;
    }
    free(ix->slots);
    ix->slots = slots;
    ix->cap = cap;
    return 0;
}

/* Adds an account (iban must be new); its index, CH_EINVAL (iban or token too long)
 * or CH_ENOMEM. */
static long add_account(ch_bank_t *b, const char *iban, const char *token, int64_t balance, gw_atype_t a_type)
{
    if (strlen(iban) > CH_IBAN_LEN || strlen(token) > CH_TOKEN_LEN)
        return CH_EINVAL;
    if (b->naccounts == b->capaccounts) {
        size_t cap = b->capaccounts ? b->capaccounts * 2 : 64;
        ch_account_t *na = realloc(b->accounts, cap * sizeof(*na));
        if (na == NULL)
            return CH_ENOMEM;
        b->accounts = na;
        b->capaccounts = cap;
    }
    if (reindex(b, IX_ACCOUNTS, b->naccounts + 1) != 0)
        return CH_ENOMEM;
    ch_account_t *a = &b->accounts[b->naccounts];
    memset(a, 0, sizeof(*a));
    strcpy(a->iban, iban);
    strcpy(a->token, token);
    a->balance = balance;
    a->limit = CH_BANK_LIMIT;
    a->a_type = a_type;
    size_t mask = b->by_iban.cap - 1, i = hash_iban(iban) & mask;
    while (b->by_iban.slots[i] != 0)
        i = (i + 1) & mask;
    b->by_iban.slots[i] = (uint32_t)++b->naccounts;
    return (long)b->naccounts - 1;
}

/* Remembers iban's latest balance until its account is created; 0 or CH_ENOMEM. */
static int set_pending(ch_bank_t *b, const char *iban, int64_t balance)
{
    long k = find_pending(b, iban);
    if (k >= 0) {
        b->pending[k].balance = balance;
        return 0;
    }
    if (strlen(iban) > CH_IBAN_LEN)
        return 0; /* never one of our accounts */
    if (b->npending == b->cappending) {
        size_t cap = b->cappending ? b->cappending * 2 : 64;
        ch_account_t *np = realloc(b->pending, cap * sizeof(*np));
        if (np == NULL)
            return CH_ENOMEM;
        b->pending = np;
        b->cappending = cap;
    }
    if (reindex(b, IX_PENDING, b->npending + 1) != 0)
        return CH_ENOMEM;
    ch_account_t *a = &b->pending[b->npending];
    memset(a, 0, sizeof(*a));
    strcpy(a->iban, iban);
    a->balance = balance;
    size_t mask = b->by_pending.cap - 1, i = hash_iban(iban) & mask;
    while (b->by_pending.slots[i] != 0)
        i = (i + 1) & mask;
    b->by_pending.slots[i] = (uint32_t)++b->npending;
    return 0;
}

/* Records that transfer `id` changed `iban`; *at (when not NULL) gets the
 * cause's index, -1 when nothing was noted. 0 or CH_ENOMEM. */
static int note_cause_at(ch_bank_t *b, const gw_uuid_t *id, const char *iban, long *at)
{
    if (at != NULL)
        *at = -1;
    if (strlen(iban) > CH_IBAN_LEN)
        return 0;
    long k = find_cause(b, id);
    if (k < 0) {
        if (b->ncauses == b->capcauses) {
            size_t cap = b->capcauses ? b->capcauses * 2 : 64;
            cause_t *nc = realloc(b->causes, cap * sizeof(*nc));
            if (nc == NULL)
                return CH_ENOMEM;
            b->causes = nc;
            b->capcauses = cap;
        }
        if (reindex(b, IX_CAUSES, b->ncauses + 1) != 0)
            return CH_ENOMEM;
        cause_t *c = &b->causes[b->ncauses];
        memset(c, 0, sizeof(*c));
        c->id = *id;
        size_t mask = b->by_cause.cap - 1, i = hash_id(id) & mask;
        while (b->by_cause.slots[i] != 0)
            i = (i + 1) & mask;
        b->by_cause.slots[i] = (uint32_t)++b->ncauses;
        k = (long)b->ncauses - 1;
    }
    if (at != NULL)
        *at = k;
    cause_t *c = &b->causes[k];
    for (int j = 0; j < 2; j++) {
        if (strcmp(c->ibans[j], iban) == 0)
            return 0;
        if (c->ibans[j][0] == '\0') {
            strcpy(c->ibans[j], iban);
            return 0;
        }
    }
    return 0;
}

static int note_cause(ch_bank_t *b, const gw_uuid_t *id, const char *iban)
{
    return note_cause_at(b, id, iban, NULL);
}

static int cause_saw(const cause_t *c, const char *iban)
{
    return strcmp(c->ibans[0], iban) == 0 || strcmp(c->ibans[1], iban) == 0;
}

/* Makes room for one more answer, so that adding it cannot fail; 0 or CH_ENOMEM. */
static int reserve_answer(ch_bank_t *b)
{
    if (b->nanswers == b->capanswers) {
        size_t cap = b->capanswers ? b->capanswers * 2 : 256;
        answer_t *na = realloc(b->answers, cap * sizeof(*na));
        if (na == NULL)
            return CH_ENOMEM;
        b->answers = na;
        b->capanswers = cap;
    }
    return reindex(b, IX_ANSWERS, b->nanswers + 1);
}

/* Records an answer (id must be new); 0 or CH_ENOMEM. Cannot fail without a
 * reason after a successful reserve_answer. */
static int add_answer(ch_bank_t *b, const gw_uuid_t *id, int kind, long account, const char *reason)
{
    char *r = NULL;
    if (reason != NULL && (r = strdup(reason)) == NULL)
        return CH_ENOMEM;
    if (reserve_answer(b) != 0) {
        free(r);
        return CH_ENOMEM;
    }
    answer_t *a = &b->answers[b->nanswers];
    a->id = *id;
    a->kind = kind;
    a->account = account < 0 ? 0 : (uint32_t)account;
    a->reason = r;
    a->has_digest = 0;
    size_t mask = b->by_id.cap - 1, i = hash_id(id) & mask;
    while (b->by_id.slots[i] != 0)
        i = (i + 1) & mask;
    b->by_id.slots[i] = (uint32_t)++b->nanswers;
    return 0;
}

static void system_rng(void *ctx, uint8_t *buf, size_t n)
{
    (void)ctx;
    while (n > 0) {
        ssize_t got = getrandom(buf, n, 0);
        if (got > 0) {
            buf += got;
            n -= (size_t)got;
        }
    }
}

ch_bank_t *ch_bank_new(ch_bank_rng_fn rng, void *rng_ctx)
{
    ch_bank_t *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    b->rng = rng ? rng : system_rng;
    b->rng_ctx = rng_ctx;
    if (add_account(b, CH_COMPANY_IBAN, CH_COMPANY_TOKEN, CH_COMPANY_BALANCE, GW_ATYPE_MANUAL) < 0) {
        ch_bank_free(b);
        return NULL;
    }
    return b;
}

int ch_bank_set_token(ch_bank_t *b, const char *iban, const char *token)
{
    long k = find_account(b, iban);
    if (k < 0 || strlen(token) > CH_TOKEN_LEN)
        return CH_EINVAL;
    strcpy(b->accounts[k].token, token);
    return 0;
}

void ch_bank_free(ch_bank_t *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->nanswers; i++)
        free(b->answers[i].reason);
    free(b->answers);
    free(b->accounts);
    free(b->by_iban.slots);
    free(b->by_id.slots);
    free(b->pending);
    free(b->by_pending.slots);
    for (size_t i = 0; i < b->ncauses; i++)
        cause_clear(&b->causes[i]);
    free(b->causes);
    free(b->by_cause.slots);
    free(b);
}

/* n random decimal digits (unbiased: bytes >= 250 are drawn again). */
static void random_digits(ch_bank_t *b, char *out, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t buf[32];
        b->rng(b->rng_ctx, buf, sizeof(buf));
        for (size_t k = 0; k < sizeof(buf) && i < n; k++)
            if (buf[k] < 250)
                out[i++] = (char)('0' + buf[k] % 10);
    }
}

/* ------------------------------------------------------------- commands */

static void out_account_ok(const ch_bank_t *b, const gw_uuid_t *id, uint32_t account, ch_bank_out_t *out)
{
    gw_event_t *e = &out->ev[out->n++];
    const ch_account_t *a = &b->accounts[account];
    e->type = GW_REC_ACCOUNT_CREATION_CONFIRMED;
    e->u.account_creation_confirmed.id = *id;
    e->u.account_creation_confirmed.iban = a->iban;
    e->u.account_creation_confirmed.token = a->token;
    e->u.account_creation_confirmed.a_type = a->a_type;
}

static void out_failed(gw_rec_type_t type, const gw_uuid_t *id, const char *reason, ch_bank_out_t *out)
{
    gw_event_t *e = &out->ev[out->n++];
    e->type = type;
    if (type == GW_REC_ACCOUNT_CREATION_FAILED) {
        e->u.account_creation_failed.id = *id;
        e->u.account_creation_failed.reason = reason;
    } else {
        e->u.money_transfer_failed.id = *id;
        e->u.money_transfer_failed.reason = reason;
    }
}

static void out_transfer_ok(const gw_uuid_t *id, ch_bank_out_t *out)
{
    gw_event_t *e = &out->ev[out->n++];
    e->type = GW_REC_MONEY_TRANSFER_CONFIRMED;
    e->u.money_transfer_confirmed.id = *id;
}

static void out_balance(const ch_account_t *a, int64_t by, const char *other, const char *description,
                        ch_bank_out_t *out)
{
    gw_event_t *e = &out->ev[out->n++];
    e->type = GW_REC_BALANCE_CHANGED;
    e->u.balance_changed.iban = a->iban;
    e->u.balance_changed.new_balance = a->balance;
    e->u.balance_changed.changed_by = by;
    e->u.balance_changed.from_to = other;
    e->u.balance_changed.description = description;
}

/* The earlier answer to a repeated command id, with no state change. */
static void repeat_answer(const ch_bank_t *b, const answer_t *a, ch_bank_out_t *out)
{
    out->repeated = 1;
    switch (a->kind) {
    case ANS_ACCOUNT_OK:
        out_account_ok(b, &a->id, a->account, out);
        break;
    case ANS_ACCOUNT_FAILED:
        out_failed(GW_REC_ACCOUNT_CREATION_FAILED, &a->id, a->reason, out);
        break;
    case ANS_TRANSFER_OK:
        out_transfer_ok(&a->id, out);
        break;
    default:
        out_failed(GW_REC_MONEY_TRANSFER_FAILED, &a->id, a->reason, out);
        break;
    }
}

/* A new account: an IBAN that is taken is drawn again (up to CH_IBAN_TRIES
 * times), so a collision is never the answer. Should every draw collide (a bank
 * nearly full, or a broken random source) the command is refused with
 * CH_REASON_IBAN_EXISTS without recording it: a retry of the same id is
 * decided afresh. */
static int create_account(ch_bank_t *b, const gw_uuid_t *id, gw_atype_t a_type, ch_bank_out_t *out)
{
    char digits[10], iban[CH_IBAN_LEN + 1], token[CH_TOKEN_LEN + 1];
    digits[0] = '0';
    int tries = 0;
    do {
        random_digits(b, digits + 1, 9);
        ch_iban_make(digits, iban);
    } while (find_account(b, iban) >= 0 && ++tries < CH_IBAN_TRIES);
    random_digits(b, token, CH_TOKEN_LEN);
    token[CH_TOKEN_LEN] = '\0';
    if (find_account(b, iban) >= 0) {
        out_failed(GW_REC_ACCOUNT_CREATION_FAILED, id, CH_REASON_IBAN_EXISTS, out);
        return 0;
    }
    if (reserve_answer(b) != 0)
        return CH_ENOMEM;
    long k = add_account(b, iban, token, 0, a_type);
    if (k < 0)
        return (int)k;
    add_answer(b, id, ANS_ACCOUNT_OK, k, NULL); /* reserved: cannot fail */
    out_account_ok(b, id, (uint32_t)k, out);
    return 0;
}

/* The transfer's fields as fields.h sees them (strings may be NULL: empty). */
static gw_transfer_fields_t fields_of(const gw_event_t *cmd)
{
    const char *t = cmd->u.confirm_money_transfer.token, *f = cmd->u.confirm_money_transfer.from,
               *to = cmd->u.confirm_money_transfer.to, *d = cmd->u.confirm_money_transfer.description;
#define STR_(s) ((gw_str_t){(s) ? (s) : "", (s) ? (uint32_t)strnlen((s), UINT32_MAX) : 0})
    gw_transfer_fields_t r = {STR_(t), STR_(f), STR_(to), STR_(d), {NULL, 0}, cmd->u.confirm_money_transfer.amount};
#undef STR_
    return r;
}

/* Sets the newest answer's digest and the output's to `digest`. */
static void bind_last(ch_bank_t *b, const uint8_t digest[GW_TRANSFER_DIGEST_LEN], ch_bank_out_t *out)
{
    answer_t *a = &b->answers[b->nanswers - 1];
    a->has_digest = 1;
    memcpy(a->digest, digest, GW_TRANSFER_DIGEST_LEN);
    out->has_digest = 1;
    memcpy(out->digest, digest, GW_TRANSFER_DIGEST_LEN);
}

/* Refuses a transfer with reason: records the answer and emits the feedback. */
static int refuse(ch_bank_t *b, const gw_uuid_t *id, const char *reason, ch_bank_out_t *out)
{
    if (add_answer(b, id, ANS_TRANSFER_FAILED, -1, reason) != 0)
        return CH_ENOMEM;
    out_failed(GW_REC_MONEY_TRANSFER_FAILED, id, b->answers[b->nanswers - 1].reason, out);
    return 0;
}

static int transfer(ch_bank_t *b, const gw_event_t *cmd, ch_bank_out_t *out)
{
    const gw_uuid_t *id = &cmd->u.confirm_money_transfer.id;
    const char *from = cmd->u.confirm_money_transfer.from, *to = cmd->u.confirm_money_transfer.to;
    const char *token = cmd->u.confirm_money_transfer.token;
    const char *desc = cmd->u.confirm_money_transfer.description;
    int64_t amount = cmd->u.confirm_money_transfer.amount;
    if (from == NULL || to == NULL || token == NULL || desc == NULL)
        return CH_EINVAL;

    if (strcmp(from, "cash") != 0 && !ch_iban_is_open(from))
        return refuse(b, id, CH_REASON_FROM_INVALID, out);
    if (strcmp(from, to) == 0)
        return refuse(b, id, CH_REASON_SAME, out);
    if (amount <= 0)
        return refuse(b, id, CH_REASON_AMOUNT, out);
    long fi = find_account(b, from), ti = find_account(b, to);
    int64_t new_from = 0, new_to = 0;
    if (fi >= 0) {
        ch_account_t *fa = &b->accounts[fi];
        if (strcmp(fa->token, token) != 0)
            return refuse(b, id, CH_REASON_TOKEN, out);
        if (__builtin_sub_overflow(fa->balance, amount, &new_from) || new_from < fa->limit)
            return refuse(b, id, CH_REASON_FUNDS, out);
    } else if (ti < 0) {
        return refuse(b, id, CH_REASON_UNKNOWN, out);
    }
    if (ti >= 0 && __builtin_add_overflow(b->accounts[ti].balance, amount, &new_to))
        return refuse(b, id, CH_REASON_AMOUNT, out);
    /* the original's rules passed: nothing over the field limits is applied
     * (a command from a producer that did not check them; the refusals above
     * keep the original's reasons and order) */
    gw_transfer_fields_t f = fields_of(cmd);
    char msg[GW_FIELDS_MSG];
    if (gw_fields_check_transfer(&f, msg, sizeof msg) != 0)
        return refuse(b, id, msg, out);
    if (add_answer(b, id, ANS_TRANSFER_OK, -1, NULL) != 0)
        return CH_ENOMEM;
    /* from here on nothing can fail */
    if (fi >= 0) {
        b->accounts[fi].balance = new_from;
        out_balance(&b->accounts[fi], -amount, to, desc, out);
    }
    if (ti >= 0) {
        b->accounts[ti].balance = new_to;
        out_balance(&b->accounts[ti], amount, from, desc, out);
    }
    out_transfer_ok(id, out);
    return 0;
}

/* Finishes a transfer that was approved and partly applied before a stop (some of
 * its BalanceChanged landed, its feedback did not): the sides not yet changed are
 * changed now, without checking again, and the transfer is confirmed. */
static int complete_transfer(ch_bank_t *b, long ci, const gw_event_t *cmd, ch_bank_out_t *out)
{
    const char *from = cmd->u.confirm_money_transfer.from, *to = cmd->u.confirm_money_transfer.to;
    const char *desc = cmd->u.confirm_money_transfer.description;
    int64_t amount = cmd->u.confirm_money_transfer.amount, v;
    if (from == NULL || to == NULL || desc == NULL)
        return CH_EINVAL;
    if (reserve_answer(b) != 0)
        return CH_ENOMEM;
    cause_t *c = &b->causes[ci];
    long fi = find_account(b, from), ti = find_account(b, to);
    out->completed = 1;
    if (fi >= 0 && !cause_saw(c, from) && !__builtin_sub_overflow(b->accounts[fi].balance, amount, &v)) {
        b->accounts[fi].balance = v;
        out_balance(&b->accounts[fi], -amount, to, desc, out);
    }
    if (ti >= 0 && !cause_saw(c, to) && !__builtin_add_overflow(b->accounts[ti].balance, amount, &v)) {
        b->accounts[ti].balance = v;
        out_balance(&b->accounts[ti], amount, from, desc, out);
    }
    c->done = 1;
    add_answer(b, &cmd->u.confirm_money_transfer.id, ANS_TRANSFER_OK, -1, NULL); /* reserved: cannot fail */
    out_transfer_ok(&cmd->u.confirm_money_transfer.id, out);
    return 0;
}

int ch_bank_handle(ch_bank_t *b, const gw_event_t *cmd, ch_bank_out_t *out)
{
    memset(out, 0, sizeof(*out));
    const gw_uuid_t *id = gw_event_id(cmd);
    if (cmd->type != GW_REC_CONFIRM_ACCOUNT_CREATION && cmd->type != GW_REC_CONFIRM_MONEY_TRANSFER)
        return CH_EINVAL;
    uint8_t digest[GW_TRANSFER_DIGEST_LEN];
    int is_transfer = cmd->type == GW_REC_CONFIRM_MONEY_TRANSFER;
    if (is_transfer) {
        gw_transfer_fields_t f = fields_of(cmd);
        gw_transfer_digest(&f, digest);
    }
    long ai = find_answer(b, id);
    if (ai >= 0) { /* also when the id is reused for the other kind of command */
        const answer_t *a = &b->answers[ai];
        if (is_transfer && a->has_digest && memcmp(a->digest, digest, GW_TRANSFER_DIGEST_LEN) != 0) {
            /* the same id for other parameters: refused, not recorded (the
             * first answer stays for exact retries) */
            out->conflict = 1;
            out->has_digest = 1;
            memcpy(out->digest, digest, GW_TRANSFER_DIGEST_LEN);
            out_failed(GW_REC_MONEY_TRANSFER_FAILED, id, CH_REASON_UUID_REUSED, out);
            return 0;
        }
        repeat_answer(b, a, out);
        if (a->has_digest) {
            out->has_digest = 1;
            memcpy(out->digest, a->digest, GW_TRANSFER_DIGEST_LEN);
        }
        return 0;
    }
    if (!is_transfer)
        return create_account(b, id, cmd->u.confirm_account_creation.a_type, out);
    long ci = find_cause(b, id);
    size_t before = b->nanswers;
    int rc = ci >= 0 && !b->causes[ci].done ? complete_transfer(b, ci, cmd, out) : transfer(b, cmd, out);
    if (rc == 0 && b->nanswers == before + 1)
        bind_last(b, digest, out);
    return rc;
}

int ch_bank_bind_digest(ch_bank_t *b, const gw_uuid_t *id, const uint8_t digest[GW_TRANSFER_DIGEST_LEN])
{
    long ai = find_answer(b, id);
    if (ai < 0 || (b->answers[ai].kind != ANS_TRANSFER_OK && b->answers[ai].kind != ANS_TRANSFER_FAILED))
        return CH_EINVAL;
    answer_t *a = &b->answers[ai];
    if (!a->has_digest) {
        a->has_digest = 1;
        memcpy(a->digest, digest, GW_TRANSFER_DIGEST_LEN);
    }
    return 0;
}

int ch__bank_answer_digest(const ch_bank_t *b, size_t i, uint8_t d[GW_TRANSFER_DIGEST_LEN])
{
    if (i >= b->nanswers || !b->answers[i].has_digest)
        return 0;
    memcpy(d, b->answers[i].digest, GW_TRANSFER_DIGEST_LEN);
    return 1;
}

/* --------------------------------------------------------------- replay */

int ch_bank_apply(ch_bank_t *b, const gw_event_t *ev, const gw_uuid_t *cause)
{
    return ch_bank_apply_from(b, ev, cause, NULL, 0, 0);
}

/* Keeps what a transfer's first BalanceChanged said, so that its other side can
 * be derived from it; 0 or CH_ENOMEM. */
static int cause_details(cause_t *c, const gw_event_t *ev, const char *key, size_t klen)
{
    const char *ft = ev->u.balance_changed.from_to, *d = ev->u.balance_changed.description;
    c->changed_by = ev->u.balance_changed.changed_by;
    c->from_to = strdup(ft ? ft : "");
    c->description = strdup(d ? d : "");
    c->key = key != NULL ? malloc(klen ? klen : 1) : NULL;
    if (c->from_to == NULL || c->description == NULL || (key != NULL && c->key == NULL)) {
        cause_clear(c);
        return CH_ENOMEM;
    }
    if (key != NULL)
        memcpy(c->key, key, klen);
    c->klen = klen;
    c->derivable = 1;
    return 0;
}

int ch_bank_apply_from(ch_bank_t *b, const gw_event_t *ev, const gw_uuid_t *cause, const char *key, size_t klen,
                       int has_key)
{
    const gw_uuid_t *id = gw_event_id(ev);
    switch (ev->type) {
    case GW_REC_ACCOUNT_CREATION_CONFIRMED: {
        const char *iban = ev->u.account_creation_confirmed.iban;
        long k = find_account(b, iban);
        if (k < 0) {
            long pk = find_pending(b, iban);
            k = add_account(b, iban, ev->u.account_creation_confirmed.token, pk >= 0 ? b->pending[pk].balance : 0,
                            ev->u.account_creation_confirmed.a_type);
            if (k < 0)
                return (int)k;
        }
        if (find_answer(b, id) < 0)
            return add_answer(b, id, ANS_ACCOUNT_OK, k, NULL);
        return 0;
    }
    case GW_REC_ACCOUNT_CREATION_FAILED:
        /* a collision (written before IBANs were drawn again) is not an answer: the id may try again */
        if (ev->u.account_creation_failed.reason != NULL &&
            strcmp(ev->u.account_creation_failed.reason, CH_REASON_IBAN_EXISTS) == 0)
            return 0;
        if (find_answer(b, id) < 0)
            return add_answer(b, id, ANS_ACCOUNT_FAILED, -1, ev->u.account_creation_failed.reason);
        return 0;
    case GW_REC_MONEY_TRANSFER_CONFIRMED:
        if (find_answer(b, id) < 0)
            return add_answer(b, id, ANS_TRANSFER_OK, -1, NULL);
        return 0;
    case GW_REC_MONEY_TRANSFER_FAILED:
        /* a refused reuse of an id is never that id's answer (ch_bank_handle) */
        if (ev->u.money_transfer_failed.reason != NULL &&
            strcmp(ev->u.money_transfer_failed.reason, CH_REASON_UUID_REUSED) == 0)
            return 0;
        if (find_answer(b, id) < 0)
            return add_answer(b, id, ANS_TRANSFER_FAILED, -1, ev->u.money_transfer_failed.reason);
        return 0;
    case GW_REC_BALANCE_CHANGED: {
        if (cause != NULL && !ch_bank_answered(b, cause)) {
            long ci;
            if (note_cause_at(b, cause, ev->u.balance_changed.iban, &ci) != 0)
                return CH_ENOMEM;
            cause_t *c = ci >= 0 ? &b->causes[ci] : NULL;
            if (c != NULL && has_key && !c->derivable && !c->done &&
                strcmp(c->ibans[0], ev->u.balance_changed.iban) == 0 &&
                cause_details(c, ev, klen ? key : NULL, klen) != 0)
                return CH_ENOMEM;
        }
        long k = find_account(b, ev->u.balance_changed.iban);
        if (k >= 0) {
            b->accounts[k].balance = ev->u.balance_changed.new_balance;
            return 0;
        }
        return set_pending(b, ev->u.balance_changed.iban, ev->u.balance_changed.new_balance);
    }
    default:
        return CH_EINVAL;
    }
}

size_t ch_bank_replay_done(ch_bank_t *b)
{
    free(b->pending);
    free(b->by_pending.slots);
    b->pending = NULL;
    b->npending = b->cappending = 0;
    b->by_pending = (index_t){NULL, 0};
    /* keep only the transfers that were applied without feedback */
    size_t n = 0;
    for (size_t i = 0; i < b->ncauses; i++) {
        if (!b->causes[i].done && !ch_bank_answered(b, &b->causes[i].id))
            b->causes[n++] = b->causes[i];
        else
            cause_clear(&b->causes[i]);
    }
    b->ncauses = n;
    free(b->by_cause.slots);
    b->by_cause = (index_t){NULL, 0};
    reindex(b, IX_CAUSES, n); /* on failure the transfers are simply not completed */
    return n;
}

int ch_bank_complete_next(ch_bank_t *b, ch_bank_out_t *out, gw_uuid_t *id, const char **key, size_t *klen)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < b->ncauses; i++) {
        cause_t *c = &b->causes[i];
        if (c->done || !c->derivable || ch_bank_answered(b, &c->id))
            continue;
        if (reserve_answer(b) != 0)
            return CH_ENOMEM;
        /* the other side: from_to of the event seen, the amount the other way */
        long oi = find_account(b, c->from_to);
        int64_t v;
        if (oi >= 0 && !cause_saw(c, c->from_to) && c->changed_by != INT64_MIN &&
            !__builtin_sub_overflow(b->accounts[oi].balance, c->changed_by, &v)) {
            b->accounts[oi].balance = v;
            out_balance(&b->accounts[oi], -c->changed_by, c->ibans[0], c->description, out);
        }
        c->done = 1;
        out->completed = 1;
        add_answer(b, &c->id, ANS_TRANSFER_OK, -1, NULL); /* reserved: cannot fail */
        out_transfer_ok(&c->id, out);
        *id = c->id;
        *key = c->key;
        *klen = c->klen;
        return 1;
    }
    return 0;
}

int ch_bank_answered(const ch_bank_t *b, const gw_uuid_t *id)
{
    return find_answer(b, id) >= 0;
}

const ch_account_t *ch_bank_account(const ch_bank_t *b, const char *iban)
{
    long k = find_account(b, iban);
    return k < 0 ? NULL : &b->accounts[k];
}

size_t ch_bank_account_count(const ch_bank_t *b)
{
    return b->naccounts;
}

size_t ch_bank_answer_count(const ch_bank_t *b)
{
    return b->nanswers;
}

/* ------------------------------------------------------------- snapshot */

/* Internal accessors for snapshot.c. */
const ch_account_t *ch__bank_accounts(const ch_bank_t *b, size_t *n)
{
    *n = b->naccounts;
    return b->accounts;
}

int ch__bank_answer(const ch_bank_t *b, size_t i, gw_uuid_t *id, int *kind, const char **iban, const char **reason)
{
    if (i >= b->nanswers)
        return -1;
    const answer_t *a = &b->answers[i];
    *id = a->id;
    *kind = a->kind;
    *iban = a->kind == ANS_ACCOUNT_OK ? b->accounts[a->account].iban : NULL;
    *reason = a->reason;
    return 0;
}

int ch__bank_incomplete(const ch_bank_t *b, size_t i, gw_uuid_t *id, const char **iban1, const char **iban2)
{
    for (; i < b->ncauses; i++) {
        if (b->causes[i].done)
            continue;
        *id = b->causes[i].id;
        *iban1 = b->causes[i].ibans[0];
        *iban2 = b->causes[i].ibans[1];
        return (int)i;
    }
    return -1;
}

int ch__bank_restore_incomplete(ch_bank_t *b, const gw_uuid_t *id, const char *iban1, const char *iban2)
{
    if (*iban1 && note_cause(b, id, iban1) != 0)
        return CH_ENOMEM;
    if (*iban2 && note_cause(b, id, iban2) != 0)
        return CH_ENOMEM;
    return 0;
}

int ch__bank_restore_account(ch_bank_t *b, const char *iban, const char *token, int64_t balance, int64_t limit,
                             gw_atype_t a_type)
{
    long k = find_account(b, iban);
    if (k < 0)
        k = add_account(b, iban, token, balance, a_type);
    if (k < 0)
        return (int)k;
    ch_account_t *a = &b->accounts[k];
    strcpy(a->token, token);
    a->balance = balance;
    a->limit = limit;
    a->a_type = a_type;
    return 0;
}

int ch__bank_restore_answer(ch_bank_t *b, const gw_uuid_t *id, int kind, const char *iban, const char *reason)
{
    if (find_answer(b, id) >= 0)
        return CH_EINVAL;
    long k = -1;
    if (kind == ANS_ACCOUNT_OK && (k = find_account(b, iban)) < 0)
        return CH_EINVAL;
    if (kind < ANS_ACCOUNT_OK || kind > ANS_TRANSFER_FAILED)
        return CH_EINVAL;
    if (kind == ANS_ACCOUNT_FAILED && reason != NULL && strcmp(reason, CH_REASON_IBAN_EXISTS) == 0)
        return 0; /* a collision is not an answer (see create_account) */
    return add_answer(b, id, kind, k, kind == ANS_ACCOUNT_FAILED || kind == ANS_TRANSFER_FAILED ? reason : NULL);
}

void ch__bank_swap(ch_bank_t *a, ch_bank_t *b)
{
    ch_bank_t t = *a;
    *a = *b;
    *b = t;
    /* each keeps its own random source */
    b->rng = a->rng;
    b->rng_ctx = a->rng_ctx;
    a->rng = t.rng;
    a->rng_ctx = t.rng_ctx;
}
