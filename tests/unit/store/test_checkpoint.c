/* Unit tests of checkpoint.c: a round trip of transactions, accounts and
 * offsets; the previous file when the newest is damaged; a damaged or
 * truncated file refused whole; the time bound; 1M transactions written and
 * loaded, with the time each takes (printed, for docs/benchmarks.md). */
#include "store.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static gw_str_t S(const char *s)
{
    gw_str_t r = {s, (uint32_t)strlen(s)};
    return r;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *HASH = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo";

/* n transactions over 1000 IBANs, and two accounts. */
static void fill(gw_txstore_t *tx, gw_accounts_t *acc, uint64_t n)
{
    char iban[32], other[32], descr[64];
    for (uint64_t i = 1; i <= n; i++) {
        snprintf(iban, sizeof iban, "NL%02dOPEN%010llu", (int)(i % 97), (unsigned long long)(i % 1000));
        snprintf(other, sizeof other, "NL%02dOPEN%010llu", (int)((i + 1) % 97), (unsigned long long)((i + 7) % 1000));
        snprintf(descr, sizeof descr, i % 10 == 0 ? "invoice %llu" : "groceries", (unsigned long long)i);
        gw_balance_changed_t ev = {S(iban), (int64_t)i * 3, (int64_t)(i % 2 ? -100 : 100), S(other), S(descr)};
        gw_txstore_append(tx, &ev, (int32_t)(i % 9), (int64_t)(i / 9));
    }
    uint8_t u1[16] = {1}, u2[16] = {2};
    gw_accounts_put(acc, S("alice"), u1, S(HASH));
    gw_accounts_put(acc, S("bob"), u2, S(HASH));
}

static char *tmpdir(void)
{
    char *d = strdup("/tmp/test_checkpoint_XXXXXX");
    return d && mkdtemp(d) ? d : NULL;
}

static void rmdir_all(const char *d)
{
    char p[512];
    const char *names[] = {"projections.ckpt", "projections.ckpt.prev", "projections.ckpt.tmp"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", d, names[i]);
        unlink(p);
    }
    rmdir(d);
}

TEST(round_trip)
{
    char *dir = tmpdir(), err[512];
    ASSERT(dir != NULL);
    gw_txstore_t *tx = gw_txstore_new();
    gw_accounts_t *acc = gw_accounts_new();
    fill(tx, acc, 5000);
    gw_ckpt_offset_t offs[2] = {{"balance_changed", 3, 1234}, {"gateway_accounts", 0, 2}};
    gw_checkpoint_t *c = NULL;
    ASSERT_EQ_INT(1, gw_checkpoint_open(dir, &c, err, sizeof err)); /* none yet */
    ASSERT_EQ_INT(0, gw_checkpoint_write(dir, tx, 4000, acc, offs, 2, 0, err, sizeof err));
    ASSERT_EQ_INT(0, gw_checkpoint_open(dir, &c, err, sizeof err));
    size_t n;
    const gw_ckpt_offset_t *o = gw_checkpoint_offsets(c, &n);
    ASSERT_EQ_INT(2, (int)n);
    ASSERT_EQ_STR("balance_changed", o[0].topic);
    EXPECT(o[0].partition == 3 && o[0].next == 1234 && o[1].next == 2);
    EXPECT(gw_checkpoint_transactions(c) == 4000 && gw_checkpoint_accounts(c) == 2);
    gw_txstore_t *tx2 = gw_txstore_new();
    gw_accounts_t *acc2 = gw_accounts_new();
    ASSERT_EQ_INT(0, gw_checkpoint_load(c, tx2, acc2, err, sizeof err));
    gw_checkpoint_free(c);
    /* the first 4000 transactions are the same, in the same order */
    EXPECT(gw_txstore_count(tx2) == 4000);
    uint64_t n1 = 0, n2 = 0;
    gw_txstore_t *head = gw_txstore_new();
    gw_accounts_t *scratch = gw_accounts_new();
    fill(head, scratch, 4000);
    EXPECT(gw_txstore_checksum(tx2, &n2) == gw_txstore_checksum(head, &n1) && n1 == n2);
    const gw_account_t *a = gw_accounts_find(acc2, S("bob"));
    ASSERT(a != NULL);
    EXPECT(a->uuid[0] == 2 && strcmp(a->pwhash.ptr, HASH) == 0);
    /* a loaded store cannot be loaded into again */
    ASSERT_EQ_INT(0, gw_checkpoint_open(dir, &c, err, sizeof err));
    EXPECT(gw_checkpoint_load(c, tx2, acc2, err, sizeof err) == GW_STORE_EINVAL);
    gw_checkpoint_free(c);
    gw_txstore_free(head);
    gw_accounts_free(scratch);
    gw_txstore_free(tx2);
    gw_accounts_free(acc2);
    gw_txstore_free(tx);
    gw_accounts_free(acc);
    rmdir_all(dir);
    free(dir);
}

/* Flips one byte of dir/name at `at` (negative: from the end). */
static void damage(const char *dir, const char *name, long at)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "r+");
    if (f == NULL)
        return;
    fseek(f, at, at < 0 ? SEEK_END : SEEK_SET);
    int ch = fgetc(f);
    fseek(f, -1, SEEK_CUR);
    fputc(ch ^ 0x40, f);
    fclose(f);
}

TEST(damaged_newest_falls_back_to_previous)
{
    char *dir = tmpdir(), err[512];
    gw_txstore_t *tx = gw_txstore_new();
    gw_accounts_t *acc = gw_accounts_new();
    fill(tx, acc, 300);
    gw_ckpt_offset_t off = {"balance_changed", 0, 100};
    ASSERT_EQ_INT(0, gw_checkpoint_write(dir, tx, 100, acc, &off, 1, 0, err, sizeof err));
    off.next = 300;
    ASSERT_EQ_INT(0, gw_checkpoint_write(dir, tx, 300, acc, &off, 1, 0, err, sizeof err));
    damage(dir, "projections.ckpt", 5000);
    gw_checkpoint_t *c = NULL;
    ASSERT_EQ_INT(0, gw_checkpoint_open(dir, &c, err, sizeof err));
    EXPECT(gw_checkpoint_transactions(c) == 100); /* the previous one */
    gw_checkpoint_free(c);
    damage(dir, "projections.ckpt.prev", -12); /* its digest */
    EXPECT(gw_checkpoint_open(dir, &c, err, sizeof err) == GW_STORE_EINVAL && c == NULL);
    EXPECT(strstr(err, "digest") != NULL || strstr(err, "truncated") != NULL);
    /* truncated: refused */
    char p[512];
    snprintf(p, sizeof p, "%s/projections.ckpt", dir);
    ASSERT_EQ_INT(0, gw_checkpoint_write(dir, tx, 300, acc, &off, 1, 0, err, sizeof err));
    ASSERT_EQ_INT(0, truncate(p, 2000));
    snprintf(p, sizeof p, "%s/projections.ckpt.prev", dir);
    unlink(p);
    EXPECT(gw_checkpoint_open(dir, &c, err, sizeof err) == GW_STORE_EINVAL);
    gw_txstore_free(tx);
    gw_accounts_free(acc);
    rmdir_all(dir);
    free(dir);
}

TEST(time_bound)
{
    char *dir = tmpdir(), err[512];
    gw_txstore_t *tx = gw_txstore_new();
    gw_accounts_t *acc = gw_accounts_new();
    fill(tx, acc, 20000);
    /* a deadline already past: nothing written, no file left */
    EXPECT(gw_checkpoint_write(dir, tx, 20000, acc, NULL, 0, 1, err, sizeof err) == GW_STORE_ESYSTEM);
    EXPECT(strstr(err, "time bound") != NULL);
    gw_checkpoint_t *c = NULL;
    EXPECT(gw_checkpoint_open(dir, &c, err, sizeof err) == 1);
    EXPECT(gw_checkpoint_write(dir, tx, 20001, acc, NULL, 0, 0, err, sizeof err) == GW_STORE_EINVAL);
    gw_txstore_free(tx);
    gw_accounts_free(acc);
    rmdir_all(dir);
    free(dir);
}

/* 1M transactions: write, open (digest pass), load; versus folding them. */
TEST(one_million)
{
    char *dir = tmpdir(), err[512];
    gw_txstore_t *tx = gw_txstore_new();
    gw_accounts_t *acc = gw_accounts_new();
    uint64_t n = getenv("CHECKPOINT_TEST_N") ? strtoull(getenv("CHECKPOINT_TEST_N"), NULL, 10) : 1000000;
    double t0 = now_s();
    fill(tx, acc, n);
    double t1 = now_s();
    ASSERT_EQ_INT(0, gw_checkpoint_write(dir, tx, n, acc, NULL, 0, 0, err, sizeof err));
    double t2 = now_s();
    gw_checkpoint_t *c = NULL;
    ASSERT_EQ_INT(0, gw_checkpoint_open(dir, &c, err, sizeof err));
    double t3 = now_s();
    gw_txstore_t *tx2 = gw_txstore_new();
    gw_accounts_t *acc2 = gw_accounts_new();
    ASSERT_EQ_INT(0, gw_checkpoint_load(c, tx2, acc2, err, sizeof err));
    double t4 = now_s();
    uint64_t a, b;
    EXPECT(gw_txstore_checksum(tx, &a) == gw_txstore_checksum(tx2, &b) && a == b && a == n);
    char p[512];
    snprintf(p, sizeof p, "%s/projections.ckpt", dir);
    FILE *f = fopen(p, "r");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    printf("# %llu transactions: fold %.2f s; checkpoint write %.2f s (%.1f MB); open (digest) %.2f s; load %.2f s\n",
           (unsigned long long)n, t1 - t0, t2 - t1, (double)size / 1e6, t3 - t2, t4 - t3);
    gw_checkpoint_free(c);
    gw_txstore_free(tx);
    gw_accounts_free(acc);
    gw_txstore_free(tx2);
    gw_accounts_free(acc2);
    rmdir_all(dir);
    free(dir);
}

TEST_MAIN(TEST_ENTRY(round_trip), TEST_ENTRY(damaged_newest_falls_back_to_previous), TEST_ENTRY(time_bound),
          TEST_ENTRY(one_million))
