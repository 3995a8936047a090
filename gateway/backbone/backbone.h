/*
 * backbone.h — the gateway's Kafka side: one thread that replays and then
 * follows the feedback topics, balance_changed and the credentials topic
 * into the projections (gateway/store), and a producer for the commands the
 * resolvers send.
 *
 * Threads:
 *  - The Kafka thread (gw_backbone_start .. gw_backbone_stop) is the only
 *    writer of the transactions and accounts stores. It completes the
 *    in-flight tables when feedback arrives, expires them at their deadlines
 *    and routes every waiter's answer to the waiter's own loop as a
 *    GW_LOOPQ_ANSWER message; after each batch it raises every loop's
 *    "transactions up to N" mark (GW_LOOPQ_TX).
 *  - Loops call gw_backbone_begin / gw_backbone_send_* (thread-safe: the
 *    in-flight tables lock inside, encoding takes a short mutex, librdkafka's
 *    produce is thread-safe) and read the stores without locks.
 *
 * Order of transaction ids. balance_changed has several partitions (9 in both
 * topologies); Kafka orders only within one. At start the thread reads every
 * partition up to the end offsets it saw when it started, then merges them:
 * repeatedly the partition whose next event has the smallest (timestamp,
 * partition) goes next, each partition kept in offset order. The ids of the
 * replayed part are therefore a function of the log alone: a restart over the
 * same log gives the same ids (gw_txstore_checksum). Live events are merged
 * the same way: each waits 10 ms after it was read for events of other
 * partitions with a smaller (timestamp, partition) and goes after them, so
 * a restart gives the same ids unless an event reached the gateway more than
 * 10 ms after a later-stamped event of another partition (a slow broker).
 * The projections trail the log by those 10 ms.
 *
 * Readiness (/readyz "kafka"): false until the replay reached the end offsets
 * seen at boot; false with a reason when an offset reset happened during the
 * replay (the broker dropped events: the projections would be incomplete) or
 * when no broker answers (after 3 s without any message or delivery report
 * the thread asks the cluster for its metadata; librdkafka itself reports
 * neither the loss nor the recovery to its users).
 *
 * Ownership: the backbone owns the topology, codecs, producer, consumer,
 * stores and in-flight tables; gw_backbone_free releases them after the
 * thread stopped. Waiters are the callers' (see gw_cmd_waiter_t).
 */
#ifndef GW_BACKBONE_H
#define GW_BACKBONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gql.h"
#include "hist.h"
#include "runtime/loopq.h"
#include "store.h"

struct gw_server;
typedef struct gw_backbone gw_backbone_t;

/* The in-flight tables, one per kind of wait. */
typedef enum gw_cmd_table {
    GW_CMD_CREDENTIALS = 0, /* a credentials record: answered when read back (success = it won the username) */
    GW_CMD_ACCOUNT,         /* ConfirmAccountCreation: AccountCreationConfirmed/Failed (never answered from memory) */
    GW_CMD_TRANSFER,        /* ConfirmMoneyTransfer: MoneyTransferConfirmed/Failed (outcomes kept for repeats) */
    GW_CMD__COUNT
} gw_cmd_table_t;

/*
 * Something a loop waits for. Embed it first in the caller's struct. While it
 * is linked in an in-flight table the table holds it; when the answer comes
 * (feedback, deadline, delivery failure) the Kafka thread hands it to loop
 * `loop` in a GW_LOOPQ_ANSWER message whose u.answer.waiter points here.
 * The loop's ANSWER hook (resolvers) takes it: it sets u.answer.waiter to
 * NULL. A message disposed without being dispatched (shutdown) calls
 * `discard` instead, as does gw_backbone_free for waiters still linked.
 */
typedef struct gw_cmd_waiter {
    gw_inflight_waiter_t link; /* first */
    size_t loop;               /* index of the loop to answer on */
    void (*discard)(struct gw_cmd_waiter *w);
    uint64_t start_ns; /* gw_hist_now_ns() when the call began (0: not timed) */
    uint64_t sent_ns;  /* when its command was queued in the producer (0: it joined another's) */
} gw_cmd_waiter_t;

/* The stages of a command's path, timed into gateway_command_stage_seconds
 * (docs/benchmarks.md, "The transfer path"). */
typedef enum gw_stage {
    GW_STAGE_SEND = 0, /* call began (resolver) -> command queued in the producer */
    GW_STAGE_ACK,      /* queued -> the broker acknowledged it (delivery report) */
    GW_STAGE_FEEDBACK, /* queued -> its feedback consumed (the handler's round trip) */
    GW_STAGE_FETCH,    /* the feedback's Kafka timestamp (the handler produced it) -> consumed; ms resolution */
    GW_STAGE_ANSWER,   /* feedback consumed -> the call answered on its loop (queue, resume, response written) */
    GW_STAGE_TOTAL,    /* call began -> answered */
    GW_STAGE__COUNT
} gw_stage_t;

/* Counts one duration of a stage (any thread). */
void gw_backbone_observe(gw_backbone_t *b, gw_stage_t stage, uint64_t ns);

/* Reads the kafka.* configuration of `s`, loads the topology, pins the
 * schema ids, makes the stores, the in-flight tables and the producer, and
 * adds the readiness check "kafka". Returns NULL with err on failure. Does
 * not touch the network yet. */
gw_backbone_t *gw_backbone_new(struct gw_server *s, char *err, size_t errlen);

/* Starts the Kafka thread (it connects, replays, then follows). 0 or GW_ESYS
 * with err. */
int gw_backbone_start(gw_backbone_t *b, char *err, size_t errlen);

/* Stops the thread (after the loops stopped) and waits for it. */
void gw_backbone_stop(gw_backbone_t *b);

/* Frees everything; waiters still linked are discarded. NULL is fine. */
void gw_backbone_free(gw_backbone_t *b);

/* /metrics (gw_server_add_metrics): the Kafka and projection families of
 * `data`, a gw_backbone_t, or zeros when it is NULL (Kafka disabled), so
 * the set of series stays the same. */
void gw_backbone_render_metrics(gql_buf_t *out, void *data);

/* The projections (read from any thread). */
gw_txstore_t *gw_backbone_txstore(gw_backbone_t *b);
gw_accounts_t *gw_backbone_accounts(gw_backbone_t *b);

/* Any thread: true when the projections are complete (the replay reached the
 * end offsets seen at start, no offset reset dropped events, a broker answers);
 * else false with the reason (/readyz's "kafka" check). */
bool gw_backbone_ready(gw_backbone_t *b, char *reason, size_t reasonlen);

/* The longest credentials key: a username (256 bytes at most) + '#' + a UUID. */
#define GW_CREDENTIALS_KEY_MAX (256 + 1 + 36)

/* How long a command waits for its feedback (kafka.command_timeout_ms). */
int64_t gw_backbone_timeout_ms(const gw_backbone_t *b);

/* Any thread: wait for `uuid` in `table` (deadline now + the timeout). The
 * same as gw_inflight_begin: GW_INFLIGHT_NEW (send the command now),
 * GW_INFLIGHT_JOINED, GW_INFLIGHT_ANSWERED (*outcome: a reference to
 * release; w is not linked), or a negative GW_STORE_E* code. */
int gw_backbone_begin(gw_backbone_t *b, gw_cmd_table_t table, const uint8_t uuid[16], gw_cmd_waiter_t *w,
                      gw_outcome_t **outcome);

/* Any thread: the command for `uuid` could not be sent; every waiter of it
 * (the caller's too) is answered GW_ANSWER_UNDELIVERED with `reason`. */
void gw_backbone_fail(gw_backbone_t *b, gw_cmd_table_t table, const uint8_t uuid[16], const char *reason);

/* Any thread: produce a command. Its delivery report decides: a failure
 * answers its waiters GW_ANSWER_UNDELIVERED. Returns 0, or GW_ESYS with err when
 * it could not even be queued (then call gw_backbone_fail). Strings are
 * borrowed for the call. */
/* send_credentials claims a username: key "USERNAME#UUID" (unique per claim,
 * so compaction keeps every claim), value {"username", "uuid", "pwhash"}; the
 * first claim of a name in the credentials topic (one partition) wins. */
int gw_backbone_send_credentials(gw_backbone_t *b, const char *username, size_t ulen, const uint8_t uuid[16],
                                 const char *pwhash, char *err, size_t errlen);
int gw_backbone_send_account(gw_backbone_t *b, const uint8_t uuid[16], const char *username, size_t ulen, char *err,
                             size_t errlen);

typedef struct gw_transfer_cmd {
    uint8_t uuid[16];
    const char *token;
    int64_t amount; /* cents */
    const char *from, *to, *description;
    const char *username; /* NULL when not given */
    size_t username_len;
} gw_transfer_cmd_t;

int gw_backbone_send_transfer(gw_backbone_t *b, const gw_transfer_cmd_t *c, char *err, size_t errlen);

#endif
