/*
 * test_codec.c — the Avro wire codec: every record round-trips, the bytes follow
 * the Confluent framing and the Avro binary encoding (built here by hand from the
 * spec, independently of avro-c), bad input is rejected with the right code and
 * counted, and writer schemas older or newer than ours resolve.
 */
#include "events.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const gw_uuid_t UUID1 = {
    {0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00}};

static gw_codec_t *codec(void)
{
    char err[256];
    gw_codec_t *c = gw_codec_new(0, err, sizeof(err));
    if (c == NULL) {
        fprintf(stderr, "codec: %s\n", err);
        return NULL;
    }
    for (int t = 0; t < GW_REC__COUNT; t++)
        if (gw_codec_use_id(c, (gw_rec_type_t)t, 100 + t, err, sizeof(err)) != 0) {
            fprintf(stderr, "use_id: %s\n", err);
            gw_codec_free(c);
            return NULL;
        }
    return c;
}

/* A hand-written Avro binary builder. */
typedef struct hb {
    uint8_t b[512];
    size_t n;
} hb_t;

static void hb_header(hb_t *h, int32_t id)
{
    h->n = 0;
    h->b[h->n++] = 0;
    for (int s = 24; s >= 0; s -= 8)
        h->b[h->n++] = (uint8_t)((uint32_t)id >> s);
}

static void hb_long(hb_t *h, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    while (z >= 0x80) {
        h->b[h->n++] = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    h->b[h->n++] = (uint8_t)z;
}

static void hb_str(hb_t *h, const char *s)
{
    hb_long(h, (int64_t)strlen(s));
    memcpy(h->b + h->n, s, strlen(s));
    h->n += strlen(s);
}

static void hb_raw(hb_t *h, const void *p, size_t n)
{
    memcpy(h->b + h->n, p, n);
    h->n += n;
}

/* Encodes ev, decodes it back into *out; returns the encoded length or -1. */
static long roundtrip(gw_codec_t *c, const gw_event_t *ev, gw_event_t *out)
{
    void *buf = NULL;
    size_t len = 0;
    char err[256];
    if (gw_codec_encode(c, ev, &buf, &len) != 0)
        return -1;
    int rc = gw_codec_decode(c, buf, len, out, err, sizeof(err));
    free(buf);
    if (rc != 0)
        fprintf(stderr, "decode: %s\n", err);
    return rc == 0 ? (long)len : -1;
}

TEST(roundtrip_every_record)
{
    gw_codec_t *c = codec();
    ASSERT(c != NULL);
    gw_event_t in, out = {0};

    memset(&in, 0, sizeof(in));
    in.type = GW_REC_HEARTBEAT;
    in.u.heartbeat.beat = -123456789012LL;
    ASSERT(roundtrip(c, &in, &out) > 0);
    EXPECT(out.type == GW_REC_HEARTBEAT && out.u.heartbeat.beat == -123456789012LL);
    gw_event_clear(&out);

    memset(&in, 0, sizeof(in));
    in.type = GW_REC_CONFIRM_ACCOUNT_CREATION;
    in.u.confirm_account_creation.id = UUID1;
    in.u.confirm_account_creation.a_type = GW_ATYPE_MANUAL;
    ASSERT(roundtrip(c, &in, &out) > 0);
    EXPECT(memcmp(out.u.confirm_account_creation.id.b, UUID1.b, 16) == 0);
    EXPECT(out.u.confirm_account_creation.a_type == GW_ATYPE_MANUAL);
    gw_event_clear(&out);

    memset(&in, 0, sizeof(in));
    in.type = GW_REC_ACCOUNT_CREATION_CONFIRMED;
    in.u.account_creation_confirmed.id = UUID1;
    in.u.account_creation_confirmed.iban = "NL66OPEN0000000000";
    in.u.account_creation_confirmed.token = "01234567890123456789";
    in.u.account_creation_confirmed.a_type = GW_ATYPE_AUTO;
    ASSERT(roundtrip(c, &in, &out) > 0);
    ASSERT_EQ_STR("NL66OPEN0000000000", out.u.account_creation_confirmed.iban);
    ASSERT_EQ_STR("01234567890123456789", out.u.account_creation_confirmed.token);
    EXPECT(out.u.account_creation_confirmed.a_type == GW_ATYPE_AUTO);
    gw_event_clear(&out);

    memset(&in, 0, sizeof(in));
    in.type = GW_REC_ACCOUNT_CREATION_FAILED;
    in.u.account_creation_failed.id = UUID1;
    in.u.account_creation_failed.reason = "generated iban already exists, try again";
    ASSERT(roundtrip(c, &in, &out) > 0);
    ASSERT_EQ_STR("generated iban already exists, try again", out.u.account_creation_failed.reason);
    gw_event_clear(&out);

    memset(&in, 0, sizeof(in));
    in.type = GW_REC_CONFIRM_MONEY_TRANSFER;
    in.u.confirm_money_transfer.id = UUID1;
    in.u.confirm_money_transfer.token = "tok";
    in.u.confirm_money_transfer.amount = INT64_MAX;
    in.u.confirm_money_transfer.from = "cash";
    in.u.confirm_money_transfer.to = "NL66OPEN0000000000";
    in.u.confirm_money_transfer.description = "caf\xc3\xa9 \xe2\x82\xac"; /* UTF-8 passes through */
    ASSERT(roundtrip(c, &in, &out) > 0);
    EXPECT(out.u.confirm_money_transfer.amount == INT64_MAX);
    ASSERT_EQ_STR("tok", out.u.confirm_money_transfer.token);
    ASSERT_EQ_STR("cash", out.u.confirm_money_transfer.from);
    ASSERT_EQ_STR("NL66OPEN0000000000", out.u.confirm_money_transfer.to);
    ASSERT_EQ_STR("caf\xc3\xa9 \xe2\x82\xac", out.u.confirm_money_transfer.description);
    gw_event_clear(&out);

    memset(&in, 0, sizeof(in));
    in.type = GW_REC_MONEY_TRANSFER_CONFIRMED;
    in.u.money_transfer_confirmed.id = UUID1;
    ASSERT(roundtrip(c, &in, &out) == 5 + 16);
    EXPECT(memcmp(out.u.money_transfer_confirmed.id.b, UUID1.b, 16) == 0);
    gw_event_clear(&out);

    memset(&in, 0, sizeof(in));
    in.type = GW_REC_MONEY_TRANSFER_FAILED;
    in.u.money_transfer_failed.id = UUID1;
    in.u.money_transfer_failed.reason = "";
    ASSERT(roundtrip(c, &in, &out) > 0);
    ASSERT_EQ_STR("", out.u.money_transfer_failed.reason);
    gw_event_clear(&out);

    memset(&in, 0, sizeof(in));
    in.type = GW_REC_BALANCE_CHANGED;
    in.u.balance_changed.iban = "NL66OPEN0000000000";
    in.u.balance_changed.new_balance = INT64_MIN;
    in.u.balance_changed.changed_by = -1;
    in.u.balance_changed.from_to = "cash";
    in.u.balance_changed.description = "d";
    ASSERT(roundtrip(c, &in, &out) > 0);
    EXPECT(out.u.balance_changed.new_balance == INT64_MIN && out.u.balance_changed.changed_by == -1);
    ASSERT_EQ_STR("cash", out.u.balance_changed.from_to);
    gw_event_clear(&out);

    const gw_codec_stats_t *st = gw_codec_stats(c);
    EXPECT(st->encoded == 8 && st->decoded == 8);
    gw_codec_free(c);
}

TEST(wire_bytes_follow_the_spec)
{
    gw_codec_t *c = codec();
    ASSERT(c != NULL);
    gw_event_t ev = {0};
    ev.type = GW_REC_BALANCE_CHANGED;
    ev.u.balance_changed.iban = "NL66OPEN0000000000";
    ev.u.balance_changed.new_balance = 1000;
    ev.u.balance_changed.changed_by = -64;
    ev.u.balance_changed.from_to = "cash";
    ev.u.balance_changed.description = "";
    void *buf;
    size_t len;
    ASSERT_EQ_INT(0, gw_codec_encode(c, &ev, &buf, &len));
    hb_t h;
    hb_header(&h, 100 + GW_REC_BALANCE_CHANGED);
    hb_str(&h, "NL66OPEN0000000000");
    hb_long(&h, 1000);
    hb_long(&h, -64);
    hb_str(&h, "cash");
    hb_str(&h, "");
    ASSERT_EQ_INT(h.n, len);
    EXPECT(memcmp(buf, h.b, len) == 0);
    /* spot checks of the hand builder against the spec: -64 is 0x7f, 1000 is 0xd0 0x0f */
    const uint8_t *b = buf;
    EXPECT(b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0 && b[4] == 107);
    EXPECT(b[5] == 36); /* 18 chars, zig-zag */
    EXPECT(b[24] == 0xd0 && b[25] == 0x0f && b[26] == 0x7f);
    int32_t id;
    ASSERT_EQ_INT(0, gw_wire_schema_id(buf, len, &id));
    ASSERT_EQ_INT(107, id);
    free(buf);

    /* a large schema id is big-endian */
    char err[128];
    ASSERT_EQ_INT(0, gw_codec_use_id(c, GW_REC_HEARTBEAT, 0x01020304, err, sizeof(err)));
    memset(&ev, 0, sizeof(ev));
    ev.type = GW_REC_HEARTBEAT;
    ev.u.heartbeat.beat = 1;
    ASSERT_EQ_INT(0, gw_codec_encode(c, &ev, &buf, &len));
    b = buf;
    ASSERT_EQ_INT(6, len);
    EXPECT(b[1] == 1 && b[2] == 2 && b[3] == 3 && b[4] == 4 && b[5] == 2);
    free(buf);
    gw_codec_free(c);
}

TEST(encode_rejects_incomplete_events)
{
    gw_codec_t *c = codec();
    ASSERT(c != NULL);
    gw_event_t ev = {0};
    void *buf = NULL;
    size_t len;
    ev.type = GW_REC_ACCOUNT_CREATION_FAILED; /* reason NULL */
    EXPECT(gw_codec_encode(c, &ev, &buf, &len) == GW_EV_EINVAL);
    ev.type = GW_REC_CONFIRM_ACCOUNT_CREATION;
    ev.u.confirm_account_creation.a_type = (gw_atype_t)7;
    EXPECT(gw_codec_encode(c, &ev, &buf, &len) == GW_EV_EINVAL);
    ev.type = (gw_rec_type_t)99;
    EXPECT(gw_codec_encode(c, &ev, &buf, &len) == GW_EV_EINVAL);
    EXPECT(buf == NULL);
    gw_codec_free(c);

    /* no schema id chosen for the type */
    char err[128];
    c = gw_codec_new(0, err, sizeof(err));
    ASSERT(c != NULL);
    memset(&ev, 0, sizeof(ev));
    EXPECT(gw_codec_encode(c, &ev, &buf, &len) == GW_EV_EINVAL);
    gw_codec_free(c);
}

/* Decodes h and expects rc, a zeroed event and err set. */
static int rejects(gw_codec_t *c, const void *b, size_t n, int rc)
{
    gw_event_t ev;
    memset(&ev, 0xab, sizeof(ev));
    char err[256] = "";
    int got = gw_codec_decode(c, b, n, &ev, err, sizeof(err));
    gw_event_t zero;
    memset(&zero, 0, sizeof(zero));
    if (got != rc)
        fprintf(stderr, "  expected %d, got %d (%s)\n", rc, got, err);
    return got == rc && memcmp(&ev, &zero, sizeof(ev)) == 0 && err[0] != '\0';
}

TEST(garbage_is_rejected_and_counted)
{
    gw_codec_t *c = codec();
    ASSERT(c != NULL);
    hb_t h;
    EXPECT(rejects(c, "", 0, GW_EV_EMAGIC));
    EXPECT(rejects(c, "\0\0\0", 3, GW_EV_EMAGIC));
    EXPECT(rejects(c, "{\"beat\":1}", 10, GW_EV_EMAGIC));

    hb_header(&h, 4242); /* nobody registered it */
    hb_long(&h, 1);
    EXPECT(rejects(c, h.b, h.n, GW_EV_EUNKNOWN));

    /* truncated: the Uuid needs 16 bytes */
    hb_header(&h, 100 + GW_REC_MONEY_TRANSFER_CONFIRMED);
    hb_raw(&h, UUID1.b, 10);
    EXPECT(rejects(c, h.b, h.n, GW_EV_EMALFORMED));

    /* trailing bytes after a complete record */
    hb_header(&h, 100 + GW_REC_MONEY_TRANSFER_CONFIRMED);
    hb_raw(&h, UUID1.b, 16);
    hb_long(&h, 5);
    EXPECT(rejects(c, h.b, h.n, GW_EV_EMALFORMED));

    /* hostile string lengths: huge, negative, one past the end */
    int64_t lens[] = {INT64_MAX, (int64_t)1 << 40, -5, 3};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        hb_header(&h, 100 + GW_REC_MONEY_TRANSFER_FAILED);
        hb_raw(&h, UUID1.b, 16);
        hb_long(&h, lens[i]);
        hb_raw(&h, "ab", 2);
        EXPECT(rejects(c, h.b, h.n, GW_EV_EMALFORMED));
    }

    /* a varint that never ends, and one longer than 64 bits */
    hb_header(&h, 100 + GW_REC_HEARTBEAT);
    for (int i = 0; i < 12; i++)
        h.b[h.n++] = 0xff;
    EXPECT(rejects(c, h.b, h.n, GW_EV_EMALFORMED));
    h.b[h.n++] = 0x01;
    EXPECT(rejects(c, h.b, h.n, GW_EV_EMALFORMED));

    /* enum index out of range */
    hb_header(&h, 100 + GW_REC_CONFIRM_ACCOUNT_CREATION);
    hb_raw(&h, UUID1.b, 16);
    hb_long(&h, 2);
    EXPECT(rejects(c, h.b, h.n, GW_EV_EMALFORMED));

    /* a NUL inside a string */
    hb_header(&h, 100 + GW_REC_MONEY_TRANSFER_FAILED);
    hb_raw(&h, UUID1.b, 16);
    hb_long(&h, 3);
    hb_raw(&h, "a\0b", 3);
    EXPECT(rejects(c, h.b, h.n, GW_EV_EMALFORMED));

    const gw_codec_stats_t *st = gw_codec_stats(c);
    EXPECT(st->err_magic == 3);
    EXPECT(st->err_unknown == 1);
    EXPECT(st->err_malformed == 10);
    EXPECT(st->decoded == 0);
    gw_codec_free(c);

    /* over the cap, before anything is read */
    char err[128];
    c = gw_codec_new(64, err, sizeof(err));
    ASSERT(c != NULL);
    ASSERT_EQ_INT(0, gw_codec_use_id(c, GW_REC_MONEY_TRANSFER_FAILED, 7, err, sizeof(err)));
    hb_header(&h, 7);
    hb_raw(&h, UUID1.b, 16);
    char big[100];
    memset(big, 'x', sizeof(big) - 1);
    big[99] = '\0';
    hb_str(&h, big);
    EXPECT(rejects(c, h.b, h.n, GW_EV_ETOOBIG));
    EXPECT(gw_codec_stats(c)->err_too_big == 1);
    gw_codec_free(c);
}

/* Every prefix and every single-byte corruption of a valid message decodes or fails cleanly. */
TEST(mutations_never_crash)
{
    gw_codec_t *c = codec();
    ASSERT(c != NULL);
    gw_event_t ev = {0};
    ev.type = GW_REC_CONFIRM_MONEY_TRANSFER;
    ev.u.confirm_money_transfer.id = UUID1;
    ev.u.confirm_money_transfer.token = "00000000000000000000";
    ev.u.confirm_money_transfer.amount = 12345;
    ev.u.confirm_money_transfer.from = "NL66OPEN0000000000";
    ev.u.confirm_money_transfer.to = "NL66OPEN0000000000";
    ev.u.confirm_money_transfer.description = "a payment";
    void *buf;
    size_t len;
    ASSERT_EQ_INT(0, gw_codec_encode(c, &ev, &buf, &len));
    uint8_t *b = buf;
    char err[256];
    int ok = 0;
    for (size_t n = 0; n < len; n++) {
        gw_event_t out;
        EXPECT(gw_codec_decode(c, b, n, &out, err, sizeof(err)) != 0);
    }
    for (size_t i = 5; i < len; i++)
        for (int v = 0; v < 256; v += 7) {
            uint8_t save = b[i];
            b[i] = (uint8_t)v;
            gw_event_t out;
            if (gw_codec_decode(c, b, len, &out, err, sizeof(err)) == 0) {
                ok++;
                gw_event_clear(&out);
            }
            b[i] = save;
        }
    EXPECT(ok > 0);
    free(buf);
    gw_codec_free(c);
}

/* The first version of ConfirmMoneyTransfer had no description: our default fills it. */
static const char OLD_CMT[] =
    "{\"type\":\"record\",\"name\":\"ConfirmMoneyTransfer\",\"namespace\":\"nl.openweb.data\",\"fields\":["
    "{\"name\":\"id\",\"type\":{\"type\":\"fixed\",\"name\":\"Uuid\",\"size\":16}},"
    "{\"name\":\"token\",\"type\":\"string\"},{\"name\":\"amount\",\"type\":\"int\"},"
    "{\"name\":\"from\",\"type\":\"string\"},{\"name\":\"to\",\"type\":\"string\"}]}";

/* A newer writer: fields reordered, a union, bytes for a string, an extra field. */
static const char NEW_BC[] =
    "{\"type\":\"record\",\"name\":\"BalanceChanged\",\"namespace\":\"nl.openweb.data\",\"fields\":["
    "{\"name\":\"changed_by\",\"type\":\"long\"},"
    "{\"name\":\"trace\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
    "{\"name\":\"iban\",\"type\":[\"null\",\"string\"]},"
    "{\"name\":\"new_balance\",\"type\":\"long\"},"
    "{\"name\":\"from_to\",\"type\":\"bytes\"},"
    "{\"name\":\"description\",\"type\":\"string\"},"
    "{\"name\":\"currency\",\"type\":\"string\",\"default\":\"EUR\"}]}";

TEST(writer_schemas_resolve)
{
    gw_codec_t *c = codec();
    ASSERT(c != NULL);
    char err[256];
    ASSERT_EQ_INT(0, gw_codec_register(c, 9001, OLD_CMT, strlen(OLD_CMT), err, sizeof(err)));
    hb_t h;
    hb_header(&h, 9001);
    hb_raw(&h, UUID1.b, 16);
    hb_str(&h, "tok");
    hb_long(&h, -7); /* int, promoted to long */
    hb_str(&h, "cash");
    hb_str(&h, "NL66OPEN0000000000");
    gw_event_t ev;
    ASSERT_EQ_INT(0, gw_codec_decode(c, h.b, h.n, &ev, err, sizeof(err)));
    EXPECT(ev.type == GW_REC_CONFIRM_MONEY_TRANSFER);
    EXPECT(ev.u.confirm_money_transfer.amount == -7);
    ASSERT_EQ_STR("", ev.u.confirm_money_transfer.description);
    ASSERT_EQ_STR("NL66OPEN0000000000", ev.u.confirm_money_transfer.to);
    gw_event_clear(&ev);

    ASSERT_EQ_INT(0, gw_codec_register(c, 9002, NEW_BC, strlen(NEW_BC), err, sizeof(err)));
    hb_header(&h, 9002);
    hb_long(&h, 250);
    hb_long(&h, 2); /* a block of two strings, then the end */
    hb_str(&h, "a");
    hb_str(&h, "b");
    hb_long(&h, 0);
    hb_long(&h, 1); /* union branch 1: string */
    hb_str(&h, "NL66OPEN0000000000");
    hb_long(&h, 1250);
    hb_str(&h, "cash");
    hb_str(&h, "deposit");
    hb_str(&h, "USD");
    ASSERT_EQ_INT(0, gw_codec_decode(c, h.b, h.n, &ev, err, sizeof(err)));
    EXPECT(ev.type == GW_REC_BALANCE_CHANGED);
    ASSERT_EQ_STR("NL66OPEN0000000000", ev.u.balance_changed.iban);
    EXPECT(ev.u.balance_changed.changed_by == 250 && ev.u.balance_changed.new_balance == 1250);
    ASSERT_EQ_STR("cash", ev.u.balance_changed.from_to);
    ASSERT_EQ_STR("deposit", ev.u.balance_changed.description);
    gw_event_clear(&ev);

    /* the same writer, but the union holds null where we need a string */
    hb_header(&h, 9002);
    hb_long(&h, 250);
    hb_long(&h, 0);
    hb_long(&h, 0); /* branch 0: null */
    hb_long(&h, 1250);
    hb_str(&h, "cash");
    hb_str(&h, "deposit");
    hb_str(&h, "USD");
    EXPECT(rejects(c, h.b, h.n, GW_EV_EMALFORMED));
    gw_codec_free(c);
}

/* A newer Atype with a symbol we do not know: its known symbols still read. */
static const char JOINT_CAC[] =
    "{\"type\":\"record\",\"name\":\"ConfirmAccountCreation\",\"fields\":["
    "{\"name\":\"id\",\"type\":{\"type\":\"fixed\",\"name\":\"Uuid\",\"size\":16}},"
    "{\"name\":\"a_type\",\"type\":{\"type\":\"enum\",\"name\":\"Atype\",\"symbols\":[\"JOINT\",\"MANUAL\","
    "\"AUTO\"]}}]}";

TEST(enum_symbols_by_name)
{
    gw_codec_t *c = codec();
    ASSERT(c != NULL);
    char err[256];
    ASSERT_EQ_INT(0, gw_codec_register(c, 9100, JOINT_CAC, strlen(JOINT_CAC), err, sizeof(err)));
    hb_t h;
    gw_event_t ev;
    for (int sym = 0; sym < 3; sym++) {
        hb_header(&h, 9100);
        hb_raw(&h, UUID1.b, 16);
        hb_long(&h, sym);
        if (sym == 0) { /* JOINT: not ours */
            EXPECT(rejects(c, h.b, h.n, GW_EV_EMALFORMED));
            continue;
        }
        ASSERT_EQ_INT(0, gw_codec_decode(c, h.b, h.n, &ev, err, sizeof(err)));
        EXPECT(ev.u.confirm_account_creation.a_type == (sym == 1 ? GW_ATYPE_MANUAL : GW_ATYPE_AUTO));
        gw_event_clear(&ev);
    }
    gw_codec_free(c);
}

TEST(incompatible_writer_schemas_are_refused)
{
    gw_codec_t *c = codec();
    ASSERT(c != NULL);
    char err[256];
    const char *bad[] = {
        "not json",
        "\"string\"",
        "{\"type\":\"record\",\"name\":\"Unrelated\",\"fields\":[{\"name\":\"x\",\"type\":\"long\"}]}",
        /* MoneyTransferFailed without reason: our schema has no default for it */
        "{\"type\":\"record\",\"name\":\"MoneyTransferFailed\",\"namespace\":\"nl.openweb.data\",\"fields\":["
        "{\"name\":\"id\",\"type\":{\"type\":\"fixed\",\"name\":\"Uuid\",\"size\":16}}]}",
        /* a Uuid of the wrong size */
        "{\"type\":\"record\",\"name\":\"MoneyTransferConfirmed\",\"fields\":["
        "{\"name\":\"id\",\"type\":{\"type\":\"fixed\",\"name\":\"Uuid\",\"size\":15}}]}",
        /* an Atype that is not an enum */
        "{\"type\":\"record\",\"name\":\"ConfirmAccountCreation\",\"fields\":["
        "{\"name\":\"id\",\"type\":{\"type\":\"fixed\",\"name\":\"Uuid\",\"size\":16}},"
        "{\"name\":\"a_type\",\"type\":\"string\"}]}",
        /* amount as a string */
        "{\"type\":\"record\",\"name\":\"Heartbeat\",\"fields\":[{\"name\":\"beat\",\"type\":\"string\"}]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        EXPECT(gw_codec_register(c, 5000 + (int)i, bad[i], strlen(bad[i]), err, sizeof(err)) == GW_EV_ESCHEMA);
        EXPECT(err[0] != '\0');
    }
    /* none of them became known */
    hb_t h;
    hb_header(&h, 5003);
    hb_raw(&h, UUID1.b, 16);
    EXPECT(rejects(c, h.b, h.n, GW_EV_EUNKNOWN));
    gw_codec_free(c);
}

TEST(uuid_text)
{
    char s[GW_UUID_STRLEN + 1];
    gw_uuid_format(&UUID1, s);
    ASSERT_EQ_STR("123e4567-e89b-12d3-a456-426614174000", s);
    gw_uuid_t u;
    ASSERT_EQ_INT(0, gw_uuid_parse("123E4567-E89B-12D3-A456-426614174000", &u));
    EXPECT(memcmp(u.b, UUID1.b, 16) == 0);
    EXPECT(gw_uuid_parse("123e4567e89b12d3a456426614174000", &u) == GW_EV_EINVAL);
    EXPECT(gw_uuid_parse("123e4567-e89b-12d3-a456-42661417400g", &u) == GW_EV_EINVAL);
    EXPECT(gw_uuid_parse(NULL, &u) == GW_EV_EINVAL);
    EXPECT(gw_rec_by_name("nl.openweb.data.BalanceChanged") == GW_REC_BALANCE_CHANGED);
    EXPECT(gw_rec_by_name("BalanceChanged") == GW_REC_BALANCE_CHANGED);
    EXPECT(gw_rec_by_name("org.other.BalanceChanged") == -1);
}

TEST_MAIN(TEST_ENTRY(roundtrip_every_record), TEST_ENTRY(wire_bytes_follow_the_spec),
          TEST_ENTRY(encode_rejects_incomplete_events), TEST_ENTRY(garbage_is_rejected_and_counted),
          TEST_ENTRY(mutations_never_crash), TEST_ENTRY(writer_schemas_resolve), TEST_ENTRY(enum_symbols_by_name),
          TEST_ENTRY(incompatible_writer_schemas_are_refused), TEST_ENTRY(uuid_text))
