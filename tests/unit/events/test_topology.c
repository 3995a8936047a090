/*
 * test_topology.c — schema/topology.yaml and topology-merged.yaml load with the
 * layouts the issue specifies; keys and subjects come out right; every kind of
 * bad topology is refused with a message naming the problem.
 */
#include "events.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static gw_topology_t *load(const char *name)
{
    char path[1024], err[512];
    const char *src = getenv("SOURCE_DIR");
    snprintf(path, sizeof(path), "%s/schema/%s", src ? src : ".", name);
    gw_topology_t *t = NULL;
    if (gw_topology_load(path, &t, err, sizeof(err)) != 0)
        fprintf(stderr, "  %s\n", err);
    return t;
}

TEST(original_layout)
{
    gw_topology_t *t = load("topology.yaml");
    ASSERT(t != NULL);
    static const struct {
        const char *name;
        int partitions;
        gw_rec_type_t rec;
        gw_key_kind_t key;
    } want[] = {
        {"heartbeat", 1, GW_REC_HEARTBEAT, GW_KEY_NONE},
        {"confirm_account_creation", 1, GW_REC_CONFIRM_ACCOUNT_CREATION, GW_KEY_ID},
        {"account_creation_confirmed", 1, GW_REC_ACCOUNT_CREATION_CONFIRMED, GW_KEY_ID},
        {"account_creation_failed", 1, GW_REC_ACCOUNT_CREATION_FAILED, GW_KEY_ID},
        {"confirm_money_transfer", 9, GW_REC_CONFIRM_MONEY_TRANSFER, GW_KEY_ID},
        {"money_transfer_confirmed", 9, GW_REC_MONEY_TRANSFER_CONFIRMED, GW_KEY_ID},
        {"money_transfer_failed", 9, GW_REC_MONEY_TRANSFER_FAILED, GW_KEY_ID},
        {"balance_changed", 9, GW_REC_BALANCE_CHANGED, GW_KEY_IBAN},
    };
    ASSERT(t->ntopics >= 8); /* others may add topics of their own (e.g. the gateway's accounts) */
    for (size_t i = 0; i < 8; i++) {
        const gw_topic_t *tp = gw_topology_find(t, want[i].name);
        ASSERT(tp != NULL);
        EXPECT(tp->partitions == want[i].partitions);
        EXPECT(tp->replication == 1);
        EXPECT(tp->key == want[i].key);
        EXPECT(tp->records == 1u << want[i].rec);
        EXPECT(gw_topology_topic_of(t, want[i].rec) == tp);
    }
    for (int r = 0; r < GW_REC__COUNT; r++)
        EXPECT(t->schema_ids[r] > 0);
    EXPECT(t->subject_strategy == GW_SUBJECT_TOPIC_NAME);
    char subj[128];
    ASSERT_EQ_INT(0, gw_topology_subject(t, gw_topology_topic_of(t, GW_REC_BALANCE_CHANGED), GW_REC_BALANCE_CHANGED,
                                         subj, sizeof(subj)));
    ASSERT_EQ_STR("balance_changed-value", subj);
    EXPECT(gw_topology_find(t, "commands") == NULL);
    gw_topology_free(t);
}

TEST(merged_layout)
{
    gw_topology_t *t = load("topology-merged.yaml");
    ASSERT(t != NULL);
    const gw_topic_t *cmd = gw_topology_find(t, "commands");
    ASSERT(cmd != NULL);
    EXPECT(gw_topology_topic_of(t, GW_REC_CONFIRM_ACCOUNT_CREATION) == cmd);
    EXPECT(gw_topology_topic_of(t, GW_REC_CONFIRM_MONEY_TRANSFER) == cmd);
    const gw_topic_t *acf = gw_topology_find(t, "account_creation_feedback");
    const gw_topic_t *mtf = gw_topology_find(t, "money_transfer_feedback");
    ASSERT(acf && mtf);
    EXPECT(gw_topology_topic_of(t, GW_REC_ACCOUNT_CREATION_CONFIRMED) == acf);
    EXPECT(gw_topology_topic_of(t, GW_REC_ACCOUNT_CREATION_FAILED) == acf);
    EXPECT(gw_topology_topic_of(t, GW_REC_MONEY_TRANSFER_CONFIRMED) == mtf);
    EXPECT(gw_topology_topic_of(t, GW_REC_MONEY_TRANSFER_FAILED) == mtf);
    EXPECT(cmd->key == GW_KEY_USERNAME && acf->key == GW_KEY_USERNAME && mtf->key == GW_KEY_USERNAME);
    /* one account's changes on one partition, whoever paid */
    EXPECT(gw_topology_topic_of(t, GW_REC_BALANCE_CHANGED)->key == GW_KEY_IBAN);
    EXPECT(t->subject_strategy == GW_SUBJECT_RECORD_NAME);
    char subj[128];
    ASSERT_EQ_INT(0, gw_topology_subject(t, mtf, GW_REC_MONEY_TRANSFER_FAILED, subj, sizeof(subj)));
    ASSERT_EQ_STR("nl.openweb.data.MoneyTransferFailed", subj);
    gw_topology_free(t);
}

TEST(keys)
{
    gw_topic_t by_id = {"t", 1, 1, GW_KEY_ID, 0}, by_iban = {"t", 1, 1, GW_KEY_IBAN, 0},
               by_user = {"t", 1, 1, GW_KEY_USERNAME, 0}, none = {"t", 1, 1, GW_KEY_NONE, 0};
    gw_event_t ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = GW_REC_MONEY_TRANSFER_CONFIRMED;
    ev.u.money_transfer_confirmed.id.b[0] = 0xab;
    ev.u.money_transfer_confirmed.id.b[15] = 0x01;
    char key[64];
    ASSERT_EQ_INT(36, gw_topology_key(&by_id, &ev, NULL, 0, key, sizeof(key)));
    ASSERT_EQ_STR("ab000000-0000-0000-0000-000000000001", key);
    EXPECT(gw_topology_key(&by_id, &ev, NULL, 0, key, 36) == GW_EV_EINVAL);
    EXPECT(gw_topology_key(&by_iban, &ev, NULL, 0, key, sizeof(key)) == GW_EV_EINVAL);
    ASSERT_EQ_INT(5, gw_topology_key(&by_user, &ev, "alice!", 5, key, sizeof(key)));
    ASSERT_EQ_STR("alice", key);
    ASSERT_EQ_INT(0, gw_topology_key(&by_user, &ev, NULL, 0, key, sizeof(key)));
    ASSERT_EQ_INT(0, gw_topology_key(&none, &ev, "x", 1, key, sizeof(key)));
    memset(&ev, 0, sizeof(ev));
    ev.type = GW_REC_BALANCE_CHANGED;
    ev.u.balance_changed.iban = "NL66OPEN0000000000";
    ASSERT_EQ_INT(18, gw_topology_key(&by_iban, &ev, NULL, 0, key, sizeof(key)));
    ASSERT_EQ_STR("NL66OPEN0000000000", key);
    EXPECT(gw_topology_key(&by_id, &ev, NULL, 0, key, sizeof(key)) == GW_EV_EINVAL);
}

/* Parses text and expects a refusal whose message contains `needle`. */
static int refuses(const char *text, const char *needle)
{
    gw_topology_t *t = (gw_topology_t *)1;
    char err[512] = "";
    int rc = gw_topology_parse(text, strlen(text), &t, err, sizeof(err));
    if (rc == 0 || t != NULL || strstr(err, needle) == NULL) {
        fprintf(stderr, "  for %s: rc %d, err \"%s\"\n", needle, rc, err);
        gw_topology_free(rc == 0 ? t : NULL);
        return 0;
    }
    return 1;
}

#define TOPIC "topics:\n  - {name: a, partitions: 2, records: [Heartbeat], key: none}\n"

TEST(bad_topologies)
{
    EXPECT(refuses("", "mapping"));
    EXPECT(refuses("- a\n- b\n", "mapping"));
    EXPECT(refuses("topics: [\n", "line"));
    EXPECT(refuses("namespace: x\n" TOPIC, "namespace"));
    EXPECT(refuses("colour: blue\n" TOPIC, "unknown setting colour"));
    EXPECT(refuses("topics: []\n", "no topics"));
    EXPECT(refuses("topics:\n  - {name: a, partitions: 0, records: [Heartbeat]}\n", "partitions"));
    EXPECT(refuses("topics:\n  - {name: a, partitions: x9, records: [Heartbeat]}\n", "partitions"));
    EXPECT(refuses("topics:\n  - {name: a, partitions: 1, records: [Nope]}\n", "unknown record type Nope"));
    EXPECT(refuses("topics:\n  - {name: a, partitions: 1, key: user}\n", "key must be"));
    EXPECT(refuses("topics:\n  - {name: a, partitions: 1, key: id}\n", "needs records"));
    EXPECT(refuses("topics:\n  - {partitions: 1}\n", "needs a name"));
    EXPECT(refuses("topics:\n  - {name: a, partitions: 1, colour: red}\n", "unknown topic setting colour"));
    EXPECT(refuses(TOPIC "  - {name: a, partitions: 1}\n", "listed twice"));
    EXPECT(refuses(TOPIC "  - {name: b, partitions: 1, records: [Heartbeat]}\n", "same record type"));
    EXPECT(refuses("schema_ids: {Heartbeat: 1, BalanceChanged: 1}\n" TOPIC, "two record types"));
    EXPECT(refuses("schema_ids: {Heartbeat: -1}\n" TOPIC, "schema id"));
    EXPECT(refuses("subject_strategy: guess\n" TOPIC, "subject_strategy"));
    EXPECT(refuses("topics:\n  - name: a\n    partitions: 1\n    records: Heartbeat\n", "line 4"));

    gw_topology_t *t = NULL;
    char err[512];
    EXPECT(gw_topology_load("/nonexistent/topology.yaml", &t, err, sizeof(err)) == GW_EV_EIO);
    EXPECT(strstr(err, "/nonexistent/topology.yaml") != NULL);

    ASSERT_EQ_INT(0, gw_topology_parse(TOPIC, strlen(TOPIC), &t, err, sizeof(err)));
    EXPECT(t->ntopics == 1 && t->topics[0].partitions == 2 && t->schema_ids[0] == 0);
    gw_topology_free(t);
}

TEST_MAIN(TEST_ENTRY(original_layout), TEST_ENTRY(merged_layout), TEST_ENTRY(keys), TEST_ENTRY(bad_topologies))
