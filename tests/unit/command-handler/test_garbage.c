/*
 * test_garbage.c — the command handler's one input surface besides Kafka, its
 * snapshot reader, fed with deterministic mutations of a valid snapshot (bytes
 * changed, the file cut short): each load must either succeed or refuse with a
 * message and leave the bank untouched, never crash or leak (ASan/UBSan builds
 * make both visible). A seeded generator keeps failures reproducible.
 */
#include "bank.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = calloc(1, 1 << 16);
    *len = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    fclose(f);
    return buf;
}

TEST(snapshot_mutations)
{
    char dir[] = "/tmp/test_garbage_XXXXXX", err[512], path[256];
    ASSERT(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/snapshot", dir);
    ch_bank_t *b = ch_bank_new(NULL, NULL);
    ASSERT(b != NULL);
    gw_event_t acc = {0}, fail = {0};
    acc.type = GW_REC_ACCOUNT_CREATION_CONFIRMED;
    acc.u.account_creation_confirmed.iban = "NL11OPEN0123456789";
    acc.u.account_creation_confirmed.token = "12345678901234567890";
    ASSERT_EQ_INT(0, ch_bank_apply(b, &acc, NULL));
    fail.type = GW_REC_MONEY_TRANSFER_FAILED;
    fail.u.money_transfer_failed.id.b[3] = 9;
    fail.u.money_transfer_failed.reason = "insufficient funds";
    ASSERT_EQ_INT(0, ch_bank_apply(b, &fail, NULL));
    ch_snap_offset_t off = {"commands", 3, 77};
    ASSERT_EQ_INT(0, ch_bank_snapshot_write(b, dir, &off, 1, err, sizeof(err)));
    ch_bank_free(b);
    size_t len;
    char *orig = read_all(path, &len);
    ASSERT(orig != NULL);
    uint64_t s = 777;
    int loaded = 0, refused = 0;
    for (int round = 0; round < 2000; round++) {
        char *m = malloc(len + 1);
        ASSERT(m != NULL);
        memcpy(m, orig, len);
        size_t n = len;
        for (int e = 0; e < 1 + (int)(next(&s) % 3); e++) {
            size_t at = next(&s) % n;
            if (next(&s) % 4 == 0)
                n = at;
            else
                m[at] = (char)(next(&s) % 2 ? ' ' + next(&s) % 95 : next(&s) % 256);
            if (n == 0)
                break;
        }
        FILE *f = fopen(path, "wb");
        ASSERT(f != NULL);
        fwrite(m, 1, n, f);
        fclose(f);
        free(m);
        ch_bank_t *l = ch_bank_new(NULL, NULL);
        ASSERT(l != NULL);
        ch_snap_offset_t *offs = NULL;
        size_t no = 0;
        err[0] = '\0';
        int rc = ch_bank_snapshot_read(l, dir, &offs, &no, err, sizeof(err));
        if (rc == 0) {
            loaded++;
            free(offs);
        } else {
            ASSERT(rc < 0 && offs == NULL && err[0] != '\0');
            EXPECT(ch_bank_account_count(l) == 1); /* untouched */
            refused++;
        }
        ch_bank_free(l);
    }
    EXPECT(refused > 0);
    (void)loaded;
    unlink(path);
    rmdir(dir);
    free(orig);
}

TEST_MAIN(TEST_ENTRY(snapshot_mutations))
