/*
 * snapshot.c — the command handler's state on disk, so that a restart need not
 * replay every output topic from offset 0 (and still works after retention has
 * dropped old events). A line-oriented text file, DIR/snapshot:
 *
 *   openbank-command-handler snapshot 1
 *   offset TOPIC PARTITION NEXT_OFFSET
 *   account IBAN TOKEN BALANCE LIMIT AUTO|MANUAL
 *   answer UUID account IBAN | account-failed - REASON | transfer - | transfer-failed - REASON
 *   incomplete UUID IBAN|- IBAN|-     (a transfer half-applied before a stop)
 *   digest UUID HEX                    (the parameters a transfer's answer is bound to; after its answer)
 *   end ACCOUNTS ANSWERS OFFSETS INCOMPLETE DIGESTS
 *
 * Version 1 (before digests) is read too: no digest lines, four counts.
 *
 * A reason is percent-encoded (bytes below 0x21, '%' and DEL as %XX). The `end`
 * line with the counts proves the file complete. Written to snapshot.tmp,
 * fsync'd, renamed, and the directory fsync'd: a crash leaves the old snapshot or
 * the new one, never a mix.
 */
#include "bank_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "openbank-command-handler snapshot 2"
#define MAGIC_V1 "openbank-command-handler snapshot 1"
#define MAX_LINE 65536

static const char *const kind_names[] = {"account", "account-failed", "transfer", "transfer-failed"};

static void put_reason(FILE *f, const char *r)
{
    for (const unsigned char *p = (const unsigned char *)r; *p; p++) {
        if (*p <= 0x20 || *p == '%' || *p == 0x7f)
            fprintf(f, "%%%02X", *p);
        else
            fputc(*p, f);
    }
}

int ch_bank_snapshot_write(const ch_bank_t *b, const char *dir, const ch_snap_offset_t *offs, size_t n, char *err,
                           size_t errlen)
{
    char path[4096], tmp[4096];
    if ((size_t)snprintf(path, sizeof(path), "%s/snapshot", dir) >= sizeof(path) ||
        (size_t)snprintf(tmp, sizeof(tmp), "%s/snapshot.tmp", dir) >= sizeof(tmp)) {
        snprintf(err, errlen, "state directory path too long");
        return CH_EINVAL;
    }
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return CH_EIO;
    }
    fprintf(f, "%s\n", MAGIC);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "offset %s %" PRId32 " %" PRId64 "\n", offs[i].topic, offs[i].partition, offs[i].offset);
    size_t na;
    const ch_account_t *acc = ch__bank_accounts(b, &na);
    for (size_t i = 0; i < na; i++)
        fprintf(f, "account %s %s %" PRId64 " %" PRId64 " %s\n", acc[i].iban, acc[i].token, acc[i].balance,
                acc[i].limit, acc[i].a_type == GW_ATYPE_MANUAL ? "MANUAL" : "AUTO");
    size_t nans = 0;
    gw_uuid_t id;
    int kind;
    const char *iban, *reason;
    for (size_t i = 0; ch__bank_answer(b, i, &id, &kind, &iban, &reason) == 0; i++, nans++) {
        char u[GW_UUID_STRLEN + 1];
        gw_uuid_format(&id, u);
        fprintf(f, "answer %s %s %s", u, kind_names[kind], iban ? iban : "-");
        if (kind == ANS_ACCOUNT_FAILED || kind == ANS_TRANSFER_FAILED) {
            fputc(' ', f);
            put_reason(f, reason ? reason : "");
        }
        fputc('\n', f);
    }
    size_t ninc = 0;
    const char *i1, *i2;
    for (int i = 0; (i = ch__bank_incomplete(b, (size_t)i, &id, &i1, &i2)) >= 0; i++, ninc++) {
        char u[GW_UUID_STRLEN + 1];
        gw_uuid_format(&id, u);
        fprintf(f, "incomplete %s %s %s\n", u, *i1 ? i1 : "-", *i2 ? i2 : "-");
    }
    size_t ndig = 0;
    uint8_t dg[GW_TRANSFER_DIGEST_LEN];
    for (size_t i = 0; ch__bank_answer(b, i, &id, &kind, &iban, &reason) == 0; i++) {
        if (!ch__bank_answer_digest(b, i, dg))
            continue;
        char u[GW_UUID_STRLEN + 1], hex[2 * GW_TRANSFER_DIGEST_LEN + 1];
        gw_uuid_format(&id, u);
        gw_transfer_digest_hex(dg, hex);
        fprintf(f, "digest %s %s\n", u, hex);
        ndig++;
    }
    fprintf(f, "end %zu %zu %zu %zu %zu\n", na, nans, n, ninc, ndig);
    int bad = fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;
    int saved = errno;
    if (fclose(f) != 0)
        bad = 1;
    if (bad || rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(bad ? saved : errno));
        unlink(tmp);
        return CH_EIO;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* Decodes a percent-encoded reason in place; 0 or CH_EINVAL. */
static int get_reason(char *s)
{
    char *w = s;
    for (char *p = s; *p; p++) {
        if (*p == '%') {
            unsigned v;
            if (sscanf(p + 1, "%2X", &v) != 1 || v == 0)
                return CH_EINVAL;
            *w++ = (char)v;
            p += 2;
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
    return 0;
}

int ch_bank_snapshot_read(ch_bank_t *b, const char *dir, ch_snap_offset_t **offs_out, size_t *n_out, char *err,
                          size_t errlen)
{
    char path[4096];
    *offs_out = NULL;
    *n_out = 0;
    if ((size_t)snprintf(path, sizeof(path), "%s/snapshot", dir) >= sizeof(path)) {
        snprintf(err, errlen, "state directory path too long");
        return CH_EINVAL;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (errno == ENOENT)
            return CH_NO_SNAPSHOT;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return CH_EIO;
    }
    ch_bank_t *nb = ch_bank_new(NULL, NULL);
    char *line = malloc(MAX_LINE);
    ch_snap_offset_t *offs = NULL;
    size_t n = 0, cap = 0, nacc = 0, nans = 0, ninc = 0, ndig = 0, lineno = 0;
    int rc = CH_EINVAL, ended = 0, v1 = 0;
    if (nb == NULL || line == NULL) {
        rc = CH_ENOMEM;
        goto out;
    }
    while (fgets(line, MAX_LINE, f) != NULL) {
        lineno++;
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n') {
            snprintf(err, errlen, "%s:%zu: line too long or cut short", path, lineno);
            goto out;
        }
        line[--len] = '\0';
        if (ended) {
            snprintf(err, errlen, "%s:%zu: data after the end line", path, lineno);
            goto out;
        }
        if (lineno == 1) {
            v1 = strcmp(line, MAGIC_V1) == 0;
            if (strcmp(line, MAGIC) != 0 && !v1) {
                snprintf(err, errlen, "%s: not a snapshot of this version", path);
                goto out;
            }
            continue;
        }
        char a[256], c[256], d[256];
        int64_t x, y;
        int32_t p;
        int used = 0;
        if (strncmp(line, "offset ", 7) == 0) {
            if (sscanf(line, "offset %255s %" SCNd32 " %" SCNd64 "%n", a, &p, &x, &used) != 3 || line[used] != '\0' ||
                p < 0 || x < 0)
                goto bad_line;
            if (n == cap) {
                cap = cap ? cap * 2 : 32;
                ch_snap_offset_t *no = realloc(offs, cap * sizeof(*no));
                if (no == NULL) {
                    rc = CH_ENOMEM;
                    goto out;
                }
                offs = no;
            }
            snprintf(offs[n].topic, sizeof(offs[n].topic), "%s", a);
            offs[n].partition = p;
            offs[n].offset = x;
            n++;
        } else if (strncmp(line, "account ", 8) == 0) {
            if (sscanf(line, "account %255s %255s %" SCNd64 " %" SCNd64 " %255s%n", a, c, &x, &y, d, &used) != 5 ||
                line[used] != '\0' || strlen(a) > CH_IBAN_LEN || strlen(c) > CH_TOKEN_LEN ||
                (strcmp(d, "AUTO") != 0 && strcmp(d, "MANUAL") != 0))
                goto bad_line;
            if (ch__bank_restore_account(nb, a, c, x, y, strcmp(d, "MANUAL") == 0 ? GW_ATYPE_MANUAL : GW_ATYPE_AUTO))
                goto bad_line;
            nacc++;
        } else if (strncmp(line, "answer ", 7) == 0) {
            gw_uuid_t id;
            if (sscanf(line, "answer %255s %255s %255s%n", a, c, d, &used) != 3 || gw_uuid_parse(a, &id) != 0)
                goto bad_line;
            int kind = -1;
            for (int k = 0; k < 4; k++)
                if (strcmp(c, kind_names[k]) == 0)
                    kind = k;
            char *reason = NULL;
            if (kind == ANS_ACCOUNT_FAILED || kind == ANS_TRANSFER_FAILED) {
                if (line[used] != ' ')
                    goto bad_line;
                reason = line + used + 1;
                if (get_reason(reason) != 0)
                    goto bad_line;
            } else if (line[used] != '\0') {
                goto bad_line;
            }
            if (kind < 0 || ch__bank_restore_answer(nb, &id, kind, d, reason) != 0)
                goto bad_line;
            nans++;
        } else if (strncmp(line, "incomplete ", 11) == 0) {
            gw_uuid_t id;
            if (sscanf(line, "incomplete %255s %255s %255s%n", a, c, d, &used) != 3 || line[used] != '\0' ||
                gw_uuid_parse(a, &id) != 0 || strlen(c) > CH_IBAN_LEN || strlen(d) > CH_IBAN_LEN)
                goto bad_line;
            if (ch__bank_restore_incomplete(nb, &id, strcmp(c, "-") ? c : "", strcmp(d, "-") ? d : "") != 0)
                goto bad_line;
            ninc++;
        } else if (strncmp(line, "digest ", 7) == 0 && !v1) {
            gw_uuid_t id;
            uint8_t dg[GW_TRANSFER_DIGEST_LEN];
            if (sscanf(line, "digest %255s %255s%n", a, c, &used) != 2 || line[used] != '\0' ||
                gw_uuid_parse(a, &id) != 0 || gw_transfer_digest_parse(c, strlen(c), dg) != 0 ||
                ch_bank_bind_digest(nb, &id, dg) != 0)
                goto bad_line;
            ndig++;
        } else if (strncmp(line, "end ", 4) == 0) {
            size_t ea, es, eo, ei, ed = 0;
            int want = v1 ? 4 : 5;
            if ((v1 ? sscanf(line, "end %zu %zu %zu %zu%n", &ea, &es, &eo, &ei, &used)
                    : sscanf(line, "end %zu %zu %zu %zu %zu%n", &ea, &es, &eo, &ei, &ed, &used)) != want ||
                line[used] != '\0')
                goto bad_line;
            if (ea != nacc || es != nans || eo != n || ei != ninc || ed != ndig) {
                snprintf(err, errlen, "%s: counts do not match the end line", path);
                goto out;
            }
            ended = 1;
        } else {
            goto bad_line;
        }
        continue;
    bad_line:
        snprintf(err, errlen, "%s:%zu: cannot read this line", path, lineno);
        goto out;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = CH_EIO;
        goto out;
    }
    if (!ended) {
        snprintf(err, errlen, "%s: truncated (no end line)", path);
        goto out;
    }
    ch__bank_swap(b, nb);
    *offs_out = offs;
    *n_out = n;
    offs = NULL;
    rc = 0;
out:
    fclose(f);
    free(line);
    free(offs);
    ch_bank_free(nb);
    return rc;
}
