/*
 * checkpoint.c — the projections on disk (store.h, "Checkpoints"): the
 * transactions, the accounts and the log positions they cover, so that a
 * gateway restart loads them and replays only the rest of the log.
 *
 * The file, all integers little-endian:
 *
 *   "GWCKPT01"
 *   u32 offsets,      each: u16 topic length, topic, i32 partition, i64 next offset
 *   u64 transactions, each: i64 new_balance, i64 changed_by,
 *                           u32 length + bytes of iban, from_to, description
 *   u64 accounts,     each: 16 bytes uuid, u32 length + bytes of username, pwhash
 *   u64 FNV-1a of every byte above
 *   "GWCKPEND"
 *
 * Reading checks the digest over the whole file before anything is used; the
 * load then parses it a second time straight into the stores (no copy of the
 * file in memory).
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "GWCKPT01"
#define END_MAGIC "GWCKPEND"
#define FILE_NAME "projections.ckpt"
#define MAX_OFFSETS 65536
#define MAX_STRING (1u << 20)

static void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ writing */

/* A buffered writer that digests what it writes. */
typedef struct out {
    FILE *f;
    uint64_t fnv;
    int failed;
} out_t;

static void put(out_t *o, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        o->fnv = (o->fnv ^ b[i]) * 1099511628211ULL;
    if (fwrite(p, 1, n, o->f) != n)
        o->failed = 1;
}

static void put_u(out_t *o, uint64_t v, int bytes)
{
    uint8_t b[8];
    for (int i = 0; i < bytes; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put(o, b, (size_t)bytes);
}

static void put_str(out_t *o, gw_str_t s)
{
    put_u(o, s.len, 4);
    put(o, s.ptr, s.len);
}

/* fsync of a directory, so that a rename in it is durable. */
static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int gw_checkpoint_write(const char *dir, const gw_txstore_t *tx, uint64_t upto, gw_accounts_t *acc,
                        const gw_ckpt_offset_t *offs, size_t noffs, int64_t deadline_ms, char *err, size_t errlen)
{
    char path[4096], tmp[4200], prev[4200];
    if ((size_t)snprintf(path, sizeof path, "%s/" FILE_NAME, dir) >= sizeof path) {
        seterr(err, errlen, "checkpoint directory path too long");
        return GW_STORE_EINVAL;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    snprintf(prev, sizeof prev, "%s.prev", path);
    if (upto > gw_txstore_count(tx) || noffs > MAX_OFFSETS) {
        seterr(err, errlen, "checkpoint beyond the store");
        return GW_STORE_EINVAL;
    }
    out_t o = {fopen(tmp, "w"), 1469598103934665603ULL, 0};
    if (o.f == NULL) {
        seterr(err, errlen, "%s: %s", tmp, strerror(errno));
        return GW_STORE_ESYSTEM;
    }
    setvbuf(o.f, NULL, _IOFBF, 1 << 20);
    put(&o, MAGIC, 8);
    put_u(&o, noffs, 4);
    for (size_t i = 0; i < noffs; i++) {
        size_t tl = strnlen(offs[i].topic, sizeof offs[i].topic);
        put_u(&o, tl, 2);
        put(&o, offs[i].topic, tl);
        put_u(&o, (uint64_t)(int64_t)offs[i].partition, 4);
        put_u(&o, (uint64_t)offs[i].next, 8);
    }
    put_u(&o, upto, 8);
    const char *why = NULL;
    for (uint64_t id = 1; id <= upto && !o.failed; id++) {
        gw_tx_t t;
        if (!gw_txstore_get(tx, id, &t)) {
            why = "a transaction vanished";
            break;
        }
        put_u(&o, (uint64_t)t.new_balance, 8);
        put_u(&o, (uint64_t)t.changed_by, 8);
        put_str(&o, t.iban);
        put_str(&o, t.from_to);
        put_str(&o, t.description);
        if ((id & 4095) == 0 && deadline_ms > 0 && mono_ms() > deadline_ms) {
            why = "took longer than its time bound";
            break;
        }
    }
    const gw_account_t **list = NULL;
    size_t na = why == NULL ? gw_accounts_list(acc, &list) : 0;
    if (why == NULL && list == NULL)
        why = "out of memory listing the accounts";
    put_u(&o, na, 8);
    for (size_t i = 0; i < na; i++) {
        put(&o, list[i]->uuid, 16);
        put_str(&o, list[i]->username);
        put_str(&o, list[i]->pwhash);
    }
    free(list);
    uint64_t digest = o.fnv;
    put_u(&o, digest, 8);
    put(&o, END_MAGIC, 8);
    if (why == NULL && (o.failed || fflush(o.f) != 0 || fsync(fileno(o.f)) != 0))
        why = strerror(errno ? errno : EIO);
    if (fclose(o.f) != 0 && why == NULL)
        why = strerror(errno);
    if (why == NULL && deadline_ms > 0 && mono_ms() > deadline_ms)
        why = "took longer than its time bound";
    if (why != NULL) {
        seterr(err, errlen, "checkpoint not written: %s", why);
        unlink(tmp);
        return GW_STORE_ESYSTEM;
    }
    /* the current one becomes the previous one: a damaged new file still leaves one to start from */
    if (access(path, F_OK) == 0 && rename(path, prev) != 0) {
        seterr(err, errlen, "%s: %s", prev, strerror(errno));
        unlink(tmp);
        return GW_STORE_ESYSTEM;
    }
    if (rename(tmp, path) != 0 || sync_dir(dir) != 0) {
        seterr(err, errlen, "%s: %s", path, strerror(errno));
        return GW_STORE_ESYSTEM;
    }
    return 0;
}

/* ------------------------------------------------------------ reading */

struct gw_checkpoint {
    char path[4200];
    gw_ckpt_offset_t *offs;
    size_t noffs;
    uint64_t ntx, nacc;
};

/* A buffered reader that digests what it reads. */
typedef struct in {
    FILE *f;
    uint64_t fnv;
    int bad;
    int digest; /* 0: the digest was checked by an earlier pass */
} in_t;

static int get(in_t *r, void *p, size_t n)
{
    if (r->bad || fread(p, 1, n, r->f) != n) {
        r->bad = 1;
        return -1;
    }
    const uint8_t *b = p;
    for (size_t i = 0; r->digest && i < n; i++)
        r->fnv = (r->fnv ^ b[i]) * 1099511628211ULL;
    return 0;
}

static uint64_t get_u(in_t *r, int bytes)
{
    uint8_t b[8] = {0};
    if (get(r, b, (size_t)bytes) != 0)
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

/* Reads a length-prefixed string into *buf (grown as needed; NUL-terminated). */
static int get_str(in_t *r, char **buf, size_t *cap, gw_str_t *s)
{
    uint64_t n = get_u(r, 4);
    if (r->bad || n > MAX_STRING) {
        r->bad = 1;
        return -1;
    }
    if (n + 1 > *cap) {
        char *nb = realloc(*buf, n + 1);
        if (nb == NULL) {
            r->bad = 1;
            return -1;
        }
        *buf = nb;
        *cap = n + 1;
    }
    if (get(r, *buf, n) != 0)
        return -1;
    (*buf)[n] = '\0';
    *s = (gw_str_t){*buf, (uint32_t)n};
    return 0;
}

/* One pass over the file at path: without tx, the header into c and the digest
 * checked; with tx/acc (after such a pass), the records into the stores. 0 when
 * the file is whole (and its digest right), else -1 (err). */
static int pass(const char *path, gw_checkpoint_t *c, gw_txstore_t *tx, gw_accounts_t *acc, char *err, size_t errlen)
{
    in_t r = {fopen(path, "r"), 1469598103934665603ULL, 0, tx == NULL};
    if (r.f == NULL) {
        seterr(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    setvbuf(r.f, NULL, _IOFBF, 1 << 20);
    char magic[8], *s1 = NULL, *s2 = NULL, *s3 = NULL;
    size_t c1 = 0, c2 = 0, c3 = 0;
    const char *why = NULL;
    if (get(&r, magic, 8) != 0 || memcmp(magic, MAGIC, 8) != 0) {
        why = "not a checkpoint";
        goto done;
    }
    uint64_t no = get_u(&r, 4);
    if (no > MAX_OFFSETS) {
        why = "too many offsets";
        goto done;
    }
    if (tx == NULL) {
        c->offs = calloc(no ? no : 1, sizeof *c->offs);
        c->noffs = (size_t)no;
        if (c->offs == NULL) {
            why = "out of memory";
            goto done;
        }
    }
    for (uint64_t i = 0; i < no && !r.bad; i++) {
        uint64_t tl = get_u(&r, 2);
        char topic[128];
        if (tl >= sizeof topic) {
            why = "topic name too long";
            goto done;
        }
        get(&r, topic, tl);
        topic[tl] = '\0';
        int32_t part = (int32_t)(uint32_t)get_u(&r, 4);
        int64_t next = (int64_t)get_u(&r, 8);
        if (tx == NULL) {
            memcpy(c->offs[i].topic, topic, tl + 1);
            c->offs[i].partition = part;
            c->offs[i].next = next;
        }
    }
    uint64_t nt = get_u(&r, 8);
    for (uint64_t i = 0; i < nt && !r.bad; i++) {
        gw_balance_changed_t ev;
        ev.new_balance = (int64_t)get_u(&r, 8);
        ev.changed_by = (int64_t)get_u(&r, 8);
        if (get_str(&r, &s1, &c1, &ev.iban) != 0 || get_str(&r, &s2, &c2, &ev.from_to) != 0 ||
            get_str(&r, &s3, &c3, &ev.description) != 0)
            break;
        if (tx != NULL) {
            int64_t id = gw_txstore_append(tx, &ev, -1, 0);
            if (id != (int64_t)i + 1) {
                why = id < 0 ? gw_store_strerror((int)id) : "ids out of step";
                goto done;
            }
        }
    }
    uint64_t nacc = get_u(&r, 8);
    for (uint64_t i = 0; i < nacc && !r.bad; i++) {
        uint8_t uuid[16];
        gw_str_t name, hash;
        if (get(&r, uuid, 16) != 0 || get_str(&r, &s1, &c1, &name) != 0 || get_str(&r, &s2, &c2, &hash) != 0)
            break;
        if (acc != NULL && gw_accounts_put(acc, name, uuid, hash) < 0) {
            why = "an account cannot be restored";
            goto done;
        }
    }
    uint64_t want = r.fnv, got = get_u(&r, 8);
    char end[8];
    if (r.bad || get(&r, end, 8) != 0 || memcmp(end, END_MAGIC, 8) != 0) {
        why = "truncated";
        goto done;
    }
    if (r.digest && got != want) {
        why = "digest mismatch (damaged)";
        goto done;
    }
    if (fgetc(r.f) != EOF) {
        why = "trailing bytes";
        goto done;
    }
    c->ntx = nt;
    c->nacc = nacc;
done:
    fclose(r.f);
    free(s1);
    free(s2);
    free(s3);
    if (why != NULL) {
        seterr(err, errlen, "%s: %s", path, why);
        return -1;
    }
    return 0;
}

int gw_checkpoint_open(const char *dir, gw_checkpoint_t **out, char *err, size_t errlen)
{
    *out = NULL;
    char errs[2][300] = {"", ""};
    int found = 0;
    for (int k = 0; k < 2; k++) {
        gw_checkpoint_t *c = calloc(1, sizeof *c);
        if (c == NULL)
            return GW_STORE_ENOMEM;
        snprintf(c->path, sizeof c->path, "%s/" FILE_NAME "%s", dir, k == 0 ? "" : ".prev");
        if (access(c->path, F_OK) != 0) {
            free(c);
            continue;
        }
        found = 1;
        if (pass(c->path, c, NULL, NULL, errs[k], sizeof errs[k]) == 0) {
            *out = c;
            return 0;
        }
        gw_checkpoint_free(c);
    }
    if (!found)
        return 1;
    seterr(err, errlen, "no valid checkpoint in %s (%s%s%s)", dir, errs[0], errs[0][0] && errs[1][0] ? "; " : "",
           errs[1]);
    return GW_STORE_EINVAL;
}

const gw_ckpt_offset_t *gw_checkpoint_offsets(const gw_checkpoint_t *c, size_t *n)
{
    *n = c->noffs;
    return c->offs;
}

uint64_t gw_checkpoint_transactions(const gw_checkpoint_t *c)
{
    return c->ntx;
}

uint64_t gw_checkpoint_accounts(const gw_checkpoint_t *c)
{
    return c->nacc;
}

int gw_checkpoint_load(const gw_checkpoint_t *c, gw_txstore_t *tx, gw_accounts_t *acc, char *err, size_t errlen)
{
    if (gw_txstore_count(tx) != 0) {
        seterr(err, errlen, "the transactions store is not empty");
        return GW_STORE_EINVAL;
    }
    gw_checkpoint_t scratch = *c;
    return pass(c->path, &scratch, tx, acc, err, errlen) == 0 ? 0 : GW_STORE_EINVAL;
}

void gw_checkpoint_free(gw_checkpoint_t *c)
{
    if (c == NULL)
        return;
    free(c->offs);
    free(c);
}
