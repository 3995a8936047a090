/*
 * fuzz_avro.c — a libFuzzer target for the events codec's decoder
 * (gateway/events/codec.c, gw_codec_decode): a Kafka record's value in the
 * Confluent wire format (the magic byte 0, a 4-byte big-endian schema id,
 * the Avro binary body), as the backbone reads it from every partition.
 *
 * The codec knows our reader schemas under the topology's pinned ids (1 to
 * 8, schema/topology.yaml) and two writer schemas of other versions, so the
 * schema resolution paths run too: id 100, a BalanceChanged with fields we
 * do not have (an array, a map, a union, a nested record, an enum, a fixed,
 * floats, booleans, bytes) to skip, and id 101, a ConfirmMoneyTransfer
 * with an int amount and no description (filled from our default).
 *
 * Input: the record value. Checks: the result is one of the codes
 * events.h lists; a refusal leaves the event zeroed and says why; a
 * decoded event has its type and every string field set; and it encodes
 * again (with its type's id) to bytes that decode and encode to the same
 * bytes. The codec never counts more outcomes than calls. A broken check
 * abort()s; crashes, sanitizer reports and leaks are bugs.
 *
 * Built as fuzz_avro (GW_FUZZ=ON) or fuzz_avro_corpus (the ctest
 * fuzz.avro.corpus over corpus-avro/).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_avro"
#include "fuzz_main.h"

/* A newer BalanceChanged: our fields in another order among fields of
 * every Avro kind we do not read. */
static const char WIDE_BC[] =
    "{\"type\":\"record\",\"name\":\"BalanceChanged\",\"namespace\":\"nl.openweb.data\",\"fields\":["
    "{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
    "{\"name\":\"new_balance\",\"type\":\"long\"},"
    "{\"name\":\"meta\",\"type\":{\"type\":\"map\",\"values\":[\"null\",\"long\",\"string\"]}},"
    "{\"name\":\"iban\",\"type\":[\"null\",\"string\"]},"
    "{\"name\":\"where\",\"type\":{\"type\":\"record\",\"name\":\"Where\",\"fields\":["
    "{\"name\":\"lat\",\"type\":\"double\"},{\"name\":\"lon\",\"type\":\"float\"},{\"name\":\"ok\",\"type\":"
    "\"boolean\"}]}},"
    "{\"name\":\"changed_by\",\"type\":\"int\"},"
    "{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"Kind\",\"symbols\":[\"A\",\"B\",\"C\"]}},"
    "{\"name\":\"from_to\",\"type\":\"bytes\"},"
    "{\"name\":\"sig\",\"type\":{\"type\":\"fixed\",\"name\":\"Sig\",\"size\":4}},"
    "{\"name\":\"description\",\"type\":\"string\"}]}";

/* An older ConfirmMoneyTransfer: an int amount, no description. */
static const char OLD_CMT[] =
    "{\"type\":\"record\",\"name\":\"ConfirmMoneyTransfer\",\"namespace\":\"nl.openweb.data\",\"fields\":["
    "{\"name\":\"id\",\"type\":{\"type\":\"fixed\",\"name\":\"Uuid\",\"size\":16}},"
    "{\"name\":\"token\",\"type\":\"string\"},{\"name\":\"amount\",\"type\":\"int\"},"
    "{\"name\":\"from\",\"type\":\"string\"},{\"name\":\"to\",\"type\":\"string\"}]}";

/* The codec, made once (libFuzzer gives no place to pass state). */
static gw_codec_t *codec;
static uint64_t calls;

static void free_codec(void)
{
    gw_codec_free(codec);
    codec = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[256];
    codec = gw_codec_new(64 * 1024, err, sizeof err);
    CHECK(codec != NULL);
    for (int t = 0; t < GW_REC__COUNT; t++)
        CHECK(gw_codec_use_id(codec, (gw_rec_type_t)t, t + 1, err, sizeof err) == 0);
    if (gw_codec_register(codec, 100, WIDE_BC, strlen(WIDE_BC), err, sizeof err) != 0 ||
        gw_codec_register(codec, 101, OLD_CMT, strlen(OLD_CMT), err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_avro: a writer schema is refused: %s\n", err);
        abort();
    }
    atexit(free_codec);
    return 0;
}

/* Whether every string field of ev is set. */
static bool strings_set(const gw_event_t *ev)
{
    switch (ev->type) {
    case GW_REC_ACCOUNT_CREATION_CONFIRMED:
        return ev->u.account_creation_confirmed.iban && ev->u.account_creation_confirmed.token;
    case GW_REC_ACCOUNT_CREATION_FAILED:
        return ev->u.account_creation_failed.reason != NULL;
    case GW_REC_CONFIRM_MONEY_TRANSFER:
        return ev->u.confirm_money_transfer.token && ev->u.confirm_money_transfer.from &&
               ev->u.confirm_money_transfer.to && ev->u.confirm_money_transfer.description;
    case GW_REC_MONEY_TRANSFER_FAILED:
        return ev->u.money_transfer_failed.reason != NULL;
    case GW_REC_BALANCE_CHANGED:
        return ev->u.balance_changed.iban && ev->u.balance_changed.from_to && ev->u.balance_changed.description;
    default:
        return true;
    }
}

/* Decodes buf (counted in `calls`); 0 or the codec's code. */
static int decode(const void *buf, size_t len, gw_event_t *ev, char *err, size_t errlen)
{
    calls++;
    err[0] = '\0';
    return gw_codec_decode(codec, buf, len, ev, err, errlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gw_event_t ev, zero;
    memset(&zero, 0, sizeof zero);
    char err[256];
    int rc = decode(data, size, &ev, err, sizeof err);
    if (rc != 0) {
        CHECK(rc == GW_EV_EMAGIC || rc == GW_EV_EUNKNOWN || rc == GW_EV_EMALFORMED || rc == GW_EV_ETOOBIG ||
              rc == GW_EV_ENOMEM);
        CHECK(memcmp(&ev, &zero, sizeof ev) == 0);
        CHECK(rc == GW_EV_ENOMEM || err[0] != '\0');
    } else {
        CHECK(ev.type >= 0 && ev.type < GW_REC__COUNT);
        CHECK(strings_set(&ev));
        /* encode, decode, encode: the same bytes */
        void *b1 = NULL, *b2 = NULL;
        size_t l1 = 0, l2 = 0;
        CHECK(gw_codec_encode(codec, &ev, &b1, &l1) == 0);
        gw_event_t ev2;
        if (decode(b1, l1, &ev2, err, sizeof err) != 0) {
            fprintf(stderr, "fuzz_avro: a re-encoded %s does not decode: %s\n", gw_rec_name(ev.type), err);
            abort();
        }
        CHECK(ev2.type == ev.type);
        CHECK(gw_codec_encode(codec, &ev2, &b2, &l2) == 0);
        CHECK(l1 == l2 && memcmp(b1, b2, l1) == 0);
        free(b1);
        free(b2);
        gw_event_clear(&ev2);
        gw_event_clear(&ev);
    }
    const gw_codec_stats_t *s = gw_codec_stats(codec);
    CHECK(s->decoded + s->err_magic + s->err_unknown + s->err_malformed + s->err_too_big <= calls);
    return 0;
}
