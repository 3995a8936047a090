/* Unit tests of transactions.c: ids, queries by id, by IBAN, latest per IBAN,
 * resume ranges with filters, checksums, duplicates and bad input. Every
 * query is compared with a naive model computed from the same events. */
#include "store.h"
#include "store_int.h"
#include "test.h"

#include <stdint.h>
#include <stdio.h>

static gw_str_t S(const char *s)
{
    gw_str_t r = {s, (uint32_t)strlen(s)};
    return r;
}

static bool str_eq(gw_str_t a, const char *b)
{
    return a.len == strlen(b) && memcmp(a.ptr, b, a.len) == 0 && a.ptr[a.len] == '\0';
}

/* The model: events kept as plain C strings. */
#define NEV 3000
typedef struct ev {
    char iban[24];
    int64_t new_balance, changed_by;
    char from_to[24];
    char description[40];
} ev_t;

static uint64_t rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void make_events(ev_t *evs, size_t n, uint64_t seed, int nibans)
{
    uint64_t x = seed;
    for (size_t i = 0; i < n; i++) {
        ev_t *e = &evs[i];
        snprintf(e->iban, sizeof(e->iban), "NL%02dOPEN%010d", (int)(rnd(&x) % 100), (int)(rnd(&x) % nibans));
        e->changed_by = (int64_t)(rnd(&x) % 200001) - 100000;
        e->new_balance = (int64_t)(rnd(&x) % 10000000);
        snprintf(e->from_to, sizeof(e->from_to), "NL%02dOPEN%010d", (int)(rnd(&x) % 3), (int)(rnd(&x) % 7));
        snprintf(e->description, sizeof(e->description), "%s %d", (rnd(&x) & 1) ? "monthly rent" : "groceries",
                 (int)(rnd(&x) % 20));
    }
}

static gw_balance_changed_t to_event(const ev_t *e)
{
    gw_balance_changed_t b = {S(e->iban), e->new_balance, e->changed_by, S(e->from_to), S(e->description)};
    return b;
}

static gw_txstore_t *load(const ev_t *evs, size_t n)
{
    gw_txstore_t *s = gw_txstore_new();
    for (size_t i = 0; i < n && s != NULL; i++) {
        gw_balance_changed_t b = to_event(&evs[i]);
        if (gw_txstore_append(s, &b, -1, 0) != (int64_t)(i + 1)) {
            gw_txstore_free(s);
            return NULL;
        }
    }
    return s;
}

static bool tx_is(const gw_tx_t *t, uint64_t id, const ev_t *e)
{
    return t->id == id && str_eq(t->iban, e->iban) && t->new_balance == e->new_balance &&
           t->changed_by == e->changed_by && str_eq(t->from_to, e->from_to) && str_eq(t->description, e->description);
}

static ev_t evs[NEV];

TEST(ids_and_get)
{
    make_events(evs, NEV, 7, 40);
    gw_txstore_t *s = load(evs, NEV);
    ASSERT(s != NULL);
    ASSERT_EQ_INT(NEV, gw_txstore_count(s));
    gw_tx_t t;
    for (size_t i = 0; i < NEV; i++) {
        ASSERT(gw_txstore_get(s, i + 1, &t));
        ASSERT(tx_is(&t, i + 1, &evs[i]));
    }
    EXPECT(!gw_txstore_get(s, 0, &t));
    EXPECT(!gw_txstore_get(s, NEV + 1, &t));
    EXPECT(!gw_txstore_get(s, UINT64_MAX, &t));
    gw_txstore_free(s);
}

TEST(by_iban_newest_first_and_max_items)
{
    make_events(evs, NEV, 11, 40);
    gw_txstore_t *s = load(evs, NEV);
    ASSERT(s != NULL);
    static gw_tx_t out[NEV];
    for (size_t q = 0; q < 50; q++) {
        const char *iban = evs[q * 37 % NEV].iban;
        size_t max_items = q % 5 == 0 ? NEV : q + 1;
        size_t got = gw_txstore_by_iban(s, S(iban), out, max_items);
        size_t k = 0;
        for (size_t i = NEV; i-- > 0 && k < max_items;) {
            if (strcmp(evs[i].iban, iban) != 0)
                continue;
            ASSERT(k < got);
            ASSERT(tx_is(&out[k], i + 1, &evs[i]));
            k++;
        }
        ASSERT_EQ_INT(k, got);
    }
    ASSERT_EQ_INT(0, gw_txstore_by_iban(s, S("NL00NOPE0000000000"), out, 10));
    ASSERT_EQ_INT(0, gw_txstore_by_iban(s, S(""), out, 10));
    ASSERT_EQ_INT(0, gw_txstore_by_iban(s, S(evs[0].iban), out, 0));
    gw_txstore_free(s);
}

TEST(latest_per_iban_in_iban_order)
{
    make_events(evs, NEV, 13, 300);
    gw_txstore_t *s = load(evs, NEV);
    ASSERT(s != NULL);
    size_t n = gw_txstore_iban_count(s);
    /* Model: distinct IBANs and the last index of each. */
    size_t distinct = 0;
    for (size_t i = 0; i < NEV; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(evs[j].iban, evs[i].iban) == 0;
        distinct += !seen;
    }
    ASSERT_EQ_INT(distinct, n);
    gw_tx_t *out = calloc(n + 1, sizeof(*out));
    ASSERT(out != NULL);
    size_t got = gw_txstore_latest_per_iban(s, out, n + 1);
    EXPECT(got == n);
    for (size_t k = 0; k < got; k++) {
        if (k > 0)
            EXPECT(strcmp(out[k - 1].iban.ptr, out[k].iban.ptr) < 0);
        size_t last = NEV;
        for (size_t i = NEV; i-- > 0;) {
            if (strcmp(evs[i].iban, out[k].iban.ptr) == 0) {
                last = i;
                break;
            }
        }
        EXPECT(last < NEV && tx_is(&out[k], last + 1, &evs[last]));
    }
    /* A smaller buffer takes the first IBANs in order. */
    gw_tx_t few[3];
    ASSERT_EQ_INT(3, gw_txstore_latest_per_iban(s, few, 3));
    EXPECT(few[0].id == out[0].id && few[2].id == out[2].id);
    free(out);
    gw_txstore_free(s);
}

static bool model_match(const ev_t *e, const gw_tx_filter_t *f)
{
    if (f->iban.ptr != NULL && strcmp(e->iban, f->iban.ptr) != 0)
        return false;
    uint64_t mag = e->changed_by < 0 ? (uint64_t)(-e->changed_by) : (uint64_t)e->changed_by;
    if (mag < f->min_amount)
        return false;
    if (f->direction == GW_DIR_DEBIT && e->changed_by >= 0)
        return false;
    if (f->direction == GW_DIR_CREDIT && e->changed_by < 0)
        return false;
    return true;
}

/* Check one since() call against the model; returns the cursor or
 * UINT64_MAX after a failure. */
static uint64_t check_since(test_state_t *t_, gw_txstore_t *s, uint64_t after, const gw_tx_filter_t *f, size_t max)
{
    static gw_tx_t out[NEV];
    uint64_t next = 0;
    size_t got = gw_txstore_since(s, after, f, out, max, &next);
    size_t k = 0;
    uint64_t last_id = 0;
    for (size_t i = after; i < NEV && k < max; i++) {
        if (!model_match(&evs[i], f))
            continue;
        if (k >= got || !tx_is(&out[k], i + 1, &evs[i])) {
            FAIL_("since(%llu, max %zu): item %zu should be id %zu", (unsigned long long)after, max, k, i + 1);
            return UINT64_MAX;
        }
        last_id = i + 1;
        k++;
    }
    if (k != got) {
        FAIL_("since(%llu): expected %zu items, got %zu", (unsigned long long)after, k, got);
        return UINT64_MAX;
    }
    /* The cursor never skips a match and never goes backwards. */
    if (next < after || next < last_id || next > NEV) {
        FAIL_("since(%llu): bad cursor %llu", (unsigned long long)after, (unsigned long long)next);
        return UINT64_MAX;
    }
    for (uint64_t id = last_id + 1; id <= next; id++) {
        if (id > after && model_match(&evs[id - 1], f)) {
            FAIL_("since(%llu): cursor %llu skips match %llu", (unsigned long long)after, (unsigned long long)next,
                  (unsigned long long)id);
            return UINT64_MAX;
        }
    }
    return next;
}

TEST(since_with_each_filter)
{
    make_events(evs, NEV, 17, 25);
    gw_txstore_t *s = load(evs, NEV);
    ASSERT(s != NULL);
    gw_tx_filter_t filters[] = {
        {{NULL, 0}, 0, GW_DIR_ANY},          {S(evs[5].iban), 0, GW_DIR_ANY},
        {{NULL, 0}, 50000, GW_DIR_ANY},      {{NULL, 0}, 0, GW_DIR_DEBIT},
        {{NULL, 0}, 0, GW_DIR_CREDIT},       {S(evs[9].iban), 20000, GW_DIR_CREDIT},
        {S(evs[9].iban), 0, GW_DIR_DEBIT},   {S("NL00NOPE0000000000"), 0, GW_DIR_ANY},
        {{NULL, 0}, UINT64_MAX, GW_DIR_ANY},
    };
    size_t maxes[] = {1, 7, 100, NEV};
    uint64_t afters[] = {0, 1, 500, NEV - 1, NEV, NEV + 10};
    for (size_t fi = 0; fi < sizeof(filters) / sizeof(filters[0]); fi++)
        for (size_t mi = 0; mi < 4; mi++)
            for (size_t ai = 0; ai < 6; ai++)
                if (check_since(t_, s, afters[ai] > NEV ? NEV : afters[ai], &filters[fi], maxes[mi]) == UINT64_MAX)
                    return;
    /* Paging with the cursor visits every match exactly once, in order. */
    for (size_t fi = 0; fi < sizeof(filters) / sizeof(filters[0]); fi++) {
        size_t expected = 0, seen = 0;
        for (size_t i = 0; i < NEV; i++)
            expected += model_match(&evs[i], &filters[fi]);
        uint64_t cur = 0;
        static gw_tx_t page[13];
        for (int guard = 0; guard < NEV + 2; guard++) {
            uint64_t next;
            size_t got = gw_txstore_since(s, cur, &filters[fi], page, 13, &next);
            for (size_t k = 0; k < got; k++)
                ASSERT(page[k].id > cur && (k == 0 || page[k].id > page[k - 1].id));
            seen += got;
            ASSERT(next >= cur);
            if (got < 13)
                break;
            cur = next;
        }
        ASSERT_EQ_INT(expected, seen);
    }
    /* NULL filter equals the empty filter. */
    gw_tx_t a[5];
    uint64_t next;
    ASSERT_EQ_INT(5, gw_txstore_since(s, 10, NULL, a, 5, &next));
    EXPECT(a[0].id == 11 && a[4].id == 15 && next == 15);
    gw_txstore_free(s);
}

TEST(filter_boundaries)
{
    gw_txstore_t *s = gw_txstore_new();
    ASSERT(s != NULL);
    int64_t changes[] = {-500, 500, 499, -499, 0, INT64_MIN, INT64_MAX};
    for (size_t i = 0; i < 7; i++) {
        gw_balance_changed_t e = {S("NL01"), 0, changes[i], S("cash"), S("d")};
        ASSERT_EQ_INT(i + 1, gw_txstore_append(s, &e, -1, 0));
    }
    gw_tx_t out[8];
    uint64_t next;
    gw_tx_filter_t f = {{NULL, 0}, 500, GW_DIR_ANY};
    ASSERT_EQ_INT(4, gw_txstore_since(s, 0, &f, out, 8, &next));
    EXPECT(out[0].id == 1 && out[1].id == 2 && out[2].id == 6 && out[3].id == 7 && next == 7);
    f.direction = GW_DIR_DEBIT;
    ASSERT_EQ_INT(2, gw_txstore_since(s, 0, &f, out, 8, &next));
    EXPECT(out[0].id == 1 && out[1].id == 6);
    f.direction = GW_DIR_CREDIT;
    f.min_amount = 0;
    ASSERT_EQ_INT(4, gw_txstore_since(s, 0, &f, out, 8, &next)); /* 0 is CREDIT */
    EXPECT(out[0].id == 2 && out[1].id == 3 && out[2].id == 5 && out[3].id == 7);
    f.iban = S("NL01");
    f.min_amount = (uint64_t)1 << 63; /* |INT64_MIN| exactly */
    f.direction = GW_DIR_ANY;
    ASSERT_EQ_INT(1, gw_txstore_since(s, 0, &f, out, 8, &next));
    EXPECT(out[0].id == 6);
    gw_txstore_free(s);
}

TEST(filter_match_agrees_with_model)
{
    make_events(evs, 500, 19, 5);
    gw_tx_filter_t f = {S(evs[3].iban), 30000, GW_DIR_DEBIT};
    for (size_t i = 0; i < 500; i++) {
        gw_tx_t t = {
            i + 1, S(evs[i].iban), evs[i].new_balance, evs[i].changed_by, S(evs[i].from_to), S(evs[i].description)};
        ASSERT(gw_tx_filter_match(&f, &t) == model_match(&evs[i], &f));
        ASSERT(gw_tx_filter_match(NULL, &t));
    }
}

TEST(checksum_same_log_same_digest)
{
    make_events(evs, NEV, 23, 50);
    gw_txstore_t *a = load(evs, NEV), *b = load(evs, NEV);
    ASSERT(a != NULL && b != NULL);
    uint64_t na, nb;
    uint64_t ca = gw_txstore_checksum(a, &na), cb = gw_txstore_checksum(b, &nb);
    EXPECT(ca == cb && na == NEV && nb == NEV);
    gw_txstore_free(b);

    /* One cent different in one event. */
    evs[1234].changed_by++;
    b = load(evs, NEV);
    ASSERT(b != NULL);
    EXPECT(gw_txstore_checksum(b, NULL) != ca);
    gw_txstore_free(b);
    evs[1234].changed_by--;

    /* Two events swapped (a different order is a different log). */
    ev_t tmp = evs[10];
    evs[10] = evs[11];
    evs[11] = tmp;
    b = load(evs, NEV);
    ASSERT(b != NULL);
    EXPECT(gw_txstore_checksum(b, NULL) != ca);
    gw_txstore_free(b);
    evs[11] = evs[10];
    evs[10] = tmp;

    /* A string boundary moved: ("ab", "c") against ("a", "bc"). */
    gw_txstore_t *x = gw_txstore_new(), *y = gw_txstore_new();
    gw_balance_changed_t ex = {S("NL1"), 1, 1, S("ab"), S("c")}, ey = {S("NL1"), 1, 1, S("a"), S("bc")};
    ASSERT(gw_txstore_append(x, &ex, -1, 0) == 1 && gw_txstore_append(y, &ey, -1, 0) == 1);
    EXPECT(gw_txstore_checksum(x, NULL) != gw_txstore_checksum(y, NULL));
    /* A prefix of the log is a different projection too. */
    gw_txstore_t *p = load(evs, NEV - 1);
    EXPECT(p != NULL && gw_txstore_checksum(p, NULL) != ca);
    gw_txstore_free(p);
    gw_txstore_free(x);
    gw_txstore_free(y);
    gw_txstore_free(a);
}

TEST(redelivery_is_ignored)
{
    gw_txstore_t *s = gw_txstore_new();
    ASSERT(s != NULL);
    gw_balance_changed_t e = {S("NL01OPEN0000000001"), 500, 500, S("cash"), S("deposit")};
    ASSERT_EQ_INT(-1, gw_txstore_last_offset(s, 3));
    ASSERT_EQ_INT(1, gw_txstore_append(s, &e, 3, 10));
    ASSERT_EQ_INT(GW_STORE_EDUP, gw_txstore_append(s, &e, 3, 10));
    ASSERT_EQ_INT(GW_STORE_EDUP, gw_txstore_append(s, &e, 3, 9));
    ASSERT_EQ_INT(2, gw_txstore_append(s, &e, 4, 0)); /* other partition */
    ASSERT_EQ_INT(3, gw_txstore_append(s, &e, 3, 11));
    ASSERT_EQ_INT(4, gw_txstore_append(s, &e, -1, 0)); /* unchecked */
    ASSERT_EQ_INT(11, gw_txstore_last_offset(s, 3));
    ASSERT_EQ_INT(0, gw_txstore_last_offset(s, 4));
    gw_txstore_stats_t st;
    gw_txstore_stats(s, &st);
    EXPECT(st.transactions == 4 && st.duplicates == 2 && st.ibans == 1 && st.strings == 2);
    gw_txstore_free(s);
}

/* A replay that sees redeliveries (a consumer restarting mid-partition) folds
 * to the same projection as a clean one. */
TEST(redelivered_replay_same_checksum)
{
    make_events(evs, NEV, 31, 30);
    gw_txstore_t *clean = gw_txstore_new(), *noisy = gw_txstore_new();
    ASSERT(clean != NULL && noisy != NULL);
    for (size_t i = 0; i < NEV; i++) {
        gw_balance_changed_t b = to_event(&evs[i]);
        int32_t part = (int32_t)(i % 9);
        int64_t off = (int64_t)(i / 9);
        ASSERT(gw_txstore_append(clean, &b, part, off) > 0);
        ASSERT(gw_txstore_append(noisy, &b, part, off) > 0);
        if (i % 97 == 0 && i >= 9) {
            /* Redeliver the previous event of this partition, then this one. */
            gw_balance_changed_t prev = to_event(&evs[i - 9]);
            ASSERT_EQ_INT(GW_STORE_EDUP, gw_txstore_append(noisy, &prev, part, off - 1));
            ASSERT_EQ_INT(GW_STORE_EDUP, gw_txstore_append(noisy, &b, part, off));
        }
    }
    uint64_t nc, nn;
    EXPECT(gw_txstore_checksum(clean, &nc) == gw_txstore_checksum(noisy, &nn));
    EXPECT(nc == NEV && nn == NEV);
    gw_txstore_free(clean);
    gw_txstore_free(noisy);
}

TEST(bad_input)
{
    gw_txstore_t *s = gw_txstore_new();
    ASSERT(s != NULL);
    gw_balance_changed_t e = {S(""), 1, 1, S("x"), S("y")};
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_txstore_append(s, &e, -1, 0));
    e.iban = (gw_str_t){NULL, 4};
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_txstore_append(s, &e, -1, 0));
    static char big[70000];
    memset(big, 'a', sizeof(big));
    e.iban = S("NL01");
    e.description = (gw_str_t){big, sizeof(big)};
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_txstore_append(s, &e, -1, 0));
    e.description = S("");
    e.from_to = (gw_str_t){NULL, 0};
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_txstore_append(s, &e, 2000, 0));
    ASSERT_EQ_INT(GW_STORE_EINVAL, gw_txstore_append(s, NULL, -1, 0));
    ASSERT_EQ_INT(0, gw_txstore_count(s));
    /* Empty from_to and description are fine and come back as "". */
    ASSERT_EQ_INT(1, gw_txstore_append(s, &e, -1, 0));
    gw_tx_t t;
    ASSERT(gw_txstore_get(s, 1, &t));
    EXPECT(str_eq(t.from_to, "") && str_eq(t.description, ""));
    /* Binary bytes in strings are kept as they are. */
    gw_balance_changed_t b = {{"NL\0X", 4}, 1, -1, {"\xff\x00", 2}, S("d")};
    ASSERT_EQ_INT(2, gw_txstore_append(s, &b, -1, 0));
    ASSERT(gw_txstore_get(s, 2, &t));
    EXPECT(t.iban.len == 4 && memcmp(t.iban.ptr, "NL\0X", 4) == 0 && t.from_to.len == 2);
    gw_txstore_free(s);
    gw_txstore_free(NULL);
}

TEST(interning_and_stats)
{
    make_events(evs, NEV, 29, 40);
    gw_txstore_t *s = load(evs, NEV);
    ASSERT(s != NULL);
    gw_tx_t a, b;
    /* Equal strings share storage. */
    for (size_t i = 1; i < NEV; i++) {
        if (strcmp(evs[i].description, evs[0].description) == 0) {
            ASSERT(gw_txstore_get(s, 1, &a) && gw_txstore_get(s, i + 1, &b));
            EXPECT(a.description.ptr == b.description.ptr);
            break;
        }
    }
    gw_txstore_stats_t st;
    gw_txstore_stats(s, &st);
    EXPECT(st.transactions == NEV && st.ibans == gw_txstore_iban_count(s) && st.bytes > NEV * 40);
    /* 21 from_to values and 40 descriptions at most. */
    EXPECT(st.strings <= 21 + 40);
    gw_txstore_free(s);
}

TEST(many_ibans_grow_the_maps)
{
    gw_txstore_t *s = gw_txstore_new();
    ASSERT(s != NULL);
    char iban[32];
    for (int i = 0; i < 40000; i++) {
        snprintf(iban, sizeof(iban), "NL%02dOPEN%010d", i % 97, (i * 7919) % 40000);
        gw_balance_changed_t e = {S(iban), i, 1, S("cash"), S("deposit")};
        ASSERT_EQ_INT(i + 1, gw_txstore_append(s, &e, -1, 0));
    }
    ASSERT_EQ_INT(40000, gw_txstore_iban_count(s));
    gw_tx_t *out = malloc(40000 * sizeof(*out));
    ASSERT(out != NULL);
    size_t n = gw_txstore_latest_per_iban(s, out, 40000);
    EXPECT(n == 40000);
    for (size_t k = 1; k < n; k++)
        if (strcmp(out[k - 1].iban.ptr, out[k].iban.ptr) >= 0) {
            FAIL_("order broken at %zu", k);
            break;
        }
    snprintf(iban, sizeof(iban), "NL%02dOPEN%010d", 12345 % 97, (12345 * 7919) % 40000);
    gw_tx_t t;
    EXPECT(gw_txstore_by_iban(s, S(iban), &t, 1) == 1 && t.id == 12346);
    free(out);
    gw_txstore_free(s);
}

/* The intern table and the IBAN map hash client-chosen strings with a key
 * drawn per store: strings found to share a slot under one key (as an
 * attacker would find them offline against a fixed hash) spread out under
 * another, while seed 0 (the checksum's) stays fixed. */
TEST(keyed_string_hash)
{
    uint64_t a = gw__hash_seed(), b = gw__hash_seed();
    ASSERT(a != 0 && b != 0 && a != b);
    const char *iban = "NL66OPEN0000000000";
    EXPECT(gw__hash_bytes(iban, 18, 0) == gw__hash_bytes(iban, 18, 0));
    EXPECT(gw__hash_bytes(iban, 18, a) == gw__hash_bytes(iban, 18, a));
    EXPECT(gw__hash_bytes(iban, 18, a) != gw__hash_bytes(iban, 18, b));
    EXPECT(gw__hash_bytes(iban, 18, a) != gw__hash_bytes(iban, 18, 0));
    /* 64 descriptions that all fall in slot 0 of a 1024-slot table under key a */
    enum { WANT = 64, SLOTS = 1024 };
    static char found[WANT][24];
    int n = 0;
    for (unsigned i = 0; n < WANT && i < 10000000; i++) {
        char d[24];
        int len = snprintf(d, sizeof d, "descr %u", i);
        if ((gw__hash_bytes(d, (size_t)len, a) & (SLOTS - 1)) == 0)
            memcpy(found[n++], d, (size_t)len + 1);
    }
    ASSERT_EQ_INT(WANT, n);
    int same = 0;
    for (int i = 0; i < WANT; i++)
        same += (gw__hash_bytes(found[i], strlen(found[i]), b) & (SLOTS - 1)) == 0;
    EXPECT(same <= 8); /* about 64/1024 expected; all 64 if the key did nothing */
    /* and interning still finds equal strings whatever the key */
    gw_txstore_t *s = gw_txstore_new();
    ASSERT(s != NULL);
    for (int i = 0; i < WANT; i++) {
        gw_balance_changed_t e = {S(iban), i, 1, S("cash"), S(found[i % 8])};
        ASSERT_EQ_INT(i + 1, gw_txstore_append(s, &e, -1, 0));
    }
    gw_txstore_stats_t st;
    gw_txstore_stats(s, &st);
    EXPECT(st.strings == 9); /* "cash" and eight descriptions */
    gw_txstore_free(s);
}

TEST_MAIN(TEST_ENTRY(ids_and_get), TEST_ENTRY(by_iban_newest_first_and_max_items),
          TEST_ENTRY(latest_per_iban_in_iban_order), TEST_ENTRY(since_with_each_filter), TEST_ENTRY(filter_boundaries),
          TEST_ENTRY(filter_match_agrees_with_model), TEST_ENTRY(checksum_same_log_same_digest),
          TEST_ENTRY(redelivery_is_ignored), TEST_ENTRY(redelivered_replay_same_checksum), TEST_ENTRY(bad_input),
          TEST_ENTRY(interning_and_stats), TEST_ENTRY(many_ibans_grow_the_maps), TEST_ENTRY(keyed_string_hash))
