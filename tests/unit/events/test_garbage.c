/*
 * test_garbage.c — every input surface of the events library fed with
 * deterministic pseudo-random garbage and mutations of valid input: each call
 * must either succeed or fail with a message, never crash or leak (ASan/UBSan
 * builds make both visible). A seeded generator keeps failures reproducible.
 * (The handler's snapshot reader has its own: tests/unit/command-handler.)
 */
#include "events.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

TEST(topology_mutations)
{
    char path[1024];
    const char *src = getenv("SOURCE_DIR");
    snprintf(path, sizeof(path), "%s/schema/topology-merged.yaml", src ? src : ".");
    size_t len;
    char *orig = read_all(path, &len);
    ASSERT(orig != NULL && len > 0);
    char *buf = malloc(len + 1);
    ASSERT(buf != NULL);
    uint64_t s = 0x9e3779b97f4a7c15ULL;
    static const char alphabet[] = " \n\t:-[]{},#'\"&*!|>%@`0123456789abcxyz";
    int ok = 0, refused = 0;
    for (int round = 0; round < 3000; round++) {
        memcpy(buf, orig, len + 1);
        size_t n = len;
        int edits = 1 + (int)(next(&s) % 4);
        for (int e = 0; e < edits; e++) {
            size_t at = next(&s) % n;
            switch (next(&s) % 3) {
            case 0: /* replace a byte */
                buf[at] = alphabet[next(&s) % (sizeof(alphabet) - 1)];
                break;
            case 1: /* cut the rest */
                n = at;
                break;
            default: /* delete a run */
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
                break;
            }
            if (n == 0)
                break;
        }
        gw_topology_t *t = NULL;
        char err[256] = "";
        if (gw_topology_parse(buf, n, &t, err, sizeof(err)) == 0) {
            ASSERT(t != NULL && t->ntopics > 0);
            ok++;
            gw_topology_free(t);
        } else {
            ASSERT(t == NULL && err[0] != '\0');
            refused++;
        }
    }
    EXPECT(ok > 0 && refused > 0); /* both outcomes were exercised */
    free(buf);
    free(orig);
}

TEST(random_wire_messages)
{
    char err[256];
    gw_codec_t *c = gw_codec_new(4096, err, sizeof(err));
    ASSERT(c != NULL);
    for (int t = 0; t < GW_REC__COUNT; t++)
        ASSERT_EQ_INT(0, gw_codec_use_id(c, (gw_rec_type_t)t, t + 1, err, sizeof(err)));
    uint64_t s = 12345;
    uint8_t buf[256];
    int decoded = 0;
    for (int round = 0; round < 200000; round++) {
        size_t n = 5 + next(&s) % 60;
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)next(&s);
        buf[0] = 0;
        buf[1] = buf[2] = buf[3] = 0;
        buf[4] = (uint8_t)(1 + next(&s) % (GW_REC__COUNT + 1)); /* mostly known ids */
        gw_event_t ev;
        if (gw_codec_decode(c, buf, n, &ev, err, sizeof(err)) == 0) {
            decoded++;
            /* whatever decoded encodes again and decodes to the same bytes */
            void *out;
            size_t ol;
            ASSERT_EQ_INT(0, gw_codec_encode(c, &ev, &out, &ol));
            gw_event_t back;
            ASSERT_EQ_INT(0, gw_codec_decode(c, out, ol, &back, err, sizeof(err)));
            void *out2;
            size_t ol2;
            ASSERT_EQ_INT(0, gw_codec_encode(c, &back, &out2, &ol2));
            EXPECT(ol == ol2 && memcmp(out, out2, ol) == 0);
            free(out);
            free(out2);
            gw_event_clear(&back);
            gw_event_clear(&ev);
        }
    }
    EXPECT(decoded > 0);
    const gw_codec_stats_t *st = gw_codec_stats(c);
    EXPECT(st->err_malformed + st->err_unknown > 0);
    gw_codec_free(c);
}

TEST_MAIN(TEST_ENTRY(topology_mutations), TEST_ENTRY(random_wire_messages))
