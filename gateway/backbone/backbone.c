/*
 * backbone.c — the gateway's Kafka thread, its command producer and the
 * topology synchronizer (backbone.h).
 *
 * The thread: connect (retrying every second until the broker answers),
 * replay the consumed topics from their beginning to the end offsets seen at
 * start, then follow them. Each poll round also serves the producer's
 * delivery reports, expires in-flight commands past their deadline and raises
 * the loops' "transactions up to N" mark once for everything folded in it.
 *
 * BalanceChanged events are buffered per partition (in offset order) and
 * merged by (timestamp, partition): at the end of the replay all at once,
 * live after a 10 ms grace — see the order contract in backbone.h. Feedback and credentials are applied at once:
 * transfer outcomes read from the log are stored, so a repeated uuid is
 * answered from memory even across restarts.
 *
 * Credentials records (topic kafka.topics.accounts, key = username, value =
 * {"uuid": "...", "pwhash": "$argon2id$..."}) go into gw_accounts_t; the
 * first record of a name wins. A registration waits (table
 * GW_CMD_CREDENTIALS, keyed by its new uuid) until its own record is read
 * back, and learns then whether it won the name.
 */
#include "backbone.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "fields.h"
#include "runtime/server.h"
#include "trace.h"

#define MAX_TOPICS 16
#define MAX_BC_PARTITIONS 1024
#define LOG_BAD_FIRST 20  /* bad messages logged one by one; then every 1000th */
#define ORDER_GRACE_MS 10 /* live BalanceChanged events wait this long for earlier ones of other partitions */

/* One BalanceChanged kept during the replay; strings in mem: iban, from_to,
 * description, each NUL-terminated. */
typedef struct bc_item {
    int64_t ts, offset, new_balance, changed_by;
    int64_t arrived; /* now_ms() when read */
    uint64_t cause;  /* a digest of (header command-id, IBAN); 0: no command-id */
    uint32_t ilen, flen, dlen;
    char *mem;
    bool traced; /* its traceparent header (tracing on), for gw_backbone_tx_trace */
    uint8_t trace_id[16], span_id[8];
} bc_item_t;

/* Tracing: the BalanceChanged context of recent transaction ids, so that a
 * loop's fan-out can link its delivery span to it (gw_backbone_tx_trace).
 * Entry id % TX_TRACE_RING; the Kafka thread writes (id 0 while it changes
 * the words), loops read and check the id again after. */
#define TX_TRACE_RING 4096
typedef struct tx_trace {
    _Atomic uint64_t id;
    _Atomic uint64_t w[3]; /* trace id (2 words), span id */
} tx_trace_t;

/* The (command, account) pairs already folded, as 64-bit digests (open
 * addressing, never shrinks; the Kafka thread's). A command changes an account
 * once: a second BalanceChanged of the same pair at another offset (a killed
 * command handler's last produce request landing after its successor read the
 * log) is not folded again. */
typedef struct seen_set {
    uint64_t *slots; /* 0 = empty */
    size_t cap, n;
} seen_set_t;

typedef struct bc_part {
    bc_item_t *items;
    size_t n, cap, next;
} bc_part_t;

/* The opaque of a produced command: which waiters its delivery decides. */
typedef struct sent {
    gw_cmd_table_t table;
    uint8_t uuid[16];
    uint64_t queued_ns; /* when it was handed to the producer */
    gw_span_t *span;    /* the producer span, ended by the delivery report (malloc'd; NULL: tracing off) */
} sent_t;

/* The counters of /metrics; the Kafka thread and the delivery reports write
 * them (atomic adds and stores), a scrape on any loop reads them. */
typedef struct backbone_stats {
    _Atomic uint64_t produced;
    _Atomic uint64_t produce_errors;
    _Atomic uint64_t consumed;
    _Atomic int64_t consumer_lag;
    _Atomic uint64_t projection_transactions;
    _Atomic uint64_t projection_accounts;
    _Atomic uint64_t bad_messages;  /* undecodable or unknown-schema records skipped */
    _Atomic uint64_t offset_resets; /* positions lost (the broker dropped data) */
    _Atomic uint64_t commands_timed_out;
    _Atomic int64_t replayed;    /* 1 once the boot replay reached its end offsets */
    _Atomic uint64_t duplicates; /* BalanceChanged of a (command, account) already folded */
    _Atomic uint64_t checkpoints, checkpoint_failures;
    _Atomic int64_t checkpoint_write_ms; /* the last checkpoint's write time */
    _Atomic uint64_t checkpoint_loaded;  /* transactions loaded from a checkpoint at start */
    _Atomic int64_t checkpoint_load_ms;  /* its open + load time */
    _Atomic int64_t ready_ms;            /* from the Kafka thread's start to the end of the replay */
    _Atomic uint64_t heartbeats;         /* Heartbeat records of the command handler read */
    _Atomic uint64_t refused_silent;     /* commands refused because the handler was silent */
} backbone_stats_t;

/* A cut for the checkpoint thread: transactions 1..upto and the positions they cover. */
typedef struct ckpt_cut {
    gw_ckpt_offset_t *offs; /* owned */
    size_t n;
    uint64_t upto;
} ckpt_cut_t;

struct gw_backbone {
    gw_server_t *server;
    backbone_stats_t stats;
    gw_hist_t stages[GW_STAGE__COUNT]; /* gateway_command_stage_seconds */
    gw_topology_t *topo;
    const gw_topic_t *t_cac, *t_cmt, *t_bc;
    const gw_topic_t *t_hb; /* the heartbeat topic; NULL when the topology has none */
    const char *topic_accounts;
    gw_codec_t *enc; /* loops encode under enc_mu */
    pthread_mutex_t enc_mu;
    gw_codec_t *dec;         /* the Kafka thread only */
    gw_registry_t *registry; /* NULL: schema ids pinned by the topology; else remembers ids it lacks */
    gw_producer_t *prod;
    gw_kafka_conf_t kconf;
    const char **props; /* key, value, ..., NULL */
    gw_txstore_t *tx;
    gw_accounts_t *acc;
    gw_inflight_t *tables[GW_CMD__COUNT];
    int64_t timeout_ms;
    /* The command handler's heartbeat: hb_last is now_ms() when the Kafka
     * thread last read one (0: none since start), read by any loop. */
    _Atomic int64_t hb_last;
    int64_t hb_timeout_ms; /* kafka.heartbeat_timeout_ms; 0: never refuse */
    bool hb_required;      /* kafka.require_heartbeat: refuse before the first beat too */
    int64_t hb_since;      /* now_ms() at gw_backbone_new: the age of "no beat yet" */
    pthread_t tid;
    bool started;
    _Atomic bool stop;
    /* readiness, read by any loop */
    pthread_mutex_t state_mu;
    bool connected, replayed, reset_in_replay, down;
    char reason[200];
    /* the Kafka thread's own */
    bool live;
    bc_part_t bc[MAX_BC_PARTITIONS];
    int32_t bc_nparts;
    uint64_t published, bad;
    rd_kafka_t *probe;          /* asks the cluster for its brokers when it has been quiet (made when first needed) */
    _Atomic int64_t last_alive; /* now_ms() when the cluster last answered (message, delivery, probe) */
    int last_ready;             /* -1 before the first readiness broadcast, else 0/1 */
    char last_reason[GW_LOOPQ_TEXT];
    int64_t started_ms;   /* when the Kafka thread started */
    seen_set_t seen;      /* (command, account) pairs folded */
    tx_trace_t *tx_trace; /* TX_TRACE_RING entries when tracing is on, else NULL */
    /* checkpoints (kafka.checkpoint_dir; ckpt_dir NULL: none). The Kafka thread
     * makes a cut (under ckpt_mu) at most every ckpt_interval_ms; the checkpoint
     * thread writes it off every loop and off the Kafka thread. */
    const char *ckpt_dir;
    int64_t ckpt_interval_ms, ckpt_timeout_ms;
    int64_t bc_floor[MAX_BC_PARTITIONS]; /* next balance_changed offsets restored from a checkpoint */
    int64_t ckpt_last_ms;                /* the Kafka thread's: when it last made a cut */
    uint64_t ckpt_last_count;
    pthread_t ckpt_tid;
    bool ckpt_started;
    pthread_mutex_t ckpt_mu;
    pthread_cond_t ckpt_cv;
    ckpt_cut_t ckpt_cut; /* under ckpt_mu: the cut waiting to be written (offs NULL: none) */
    bool ckpt_busy, ckpt_stop;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_reason(gw_backbone_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_reason(gw_backbone_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&b->state_mu);
    vsnprintf(b->reason, sizeof b->reason, fmt, ap);
    pthread_mutex_unlock(&b->state_mu);
    va_end(ap);
}

static bool kafka_ready(void *data, char *reason, size_t reasonlen)
{
    gw_backbone_t *b = data;
    bool ok;
    pthread_mutex_lock(&b->state_mu);
    if (b->reset_in_replay || b->down || !b->replayed) {
        ok = false;
        const char *r = b->reason[0]   ? b->reason
                        : b->down      ? "every Kafka broker is down"
                        : b->connected ? "replaying the Kafka topics"
                                       : "connecting to Kafka";
        size_t n = strlen(r);
        if (reasonlen > 0) { /* truncated to the caller's buffer */
            n = n < reasonlen - 1 ? n : reasonlen - 1;
            memcpy(reason, r, n);
            reason[n] = '\0';
        }
    } else
        ok = true;
    pthread_mutex_unlock(&b->state_mu);
    return ok;
}

/* ------------------------------------------------------------ heartbeat */

/* Milliseconds since the handler's last heartbeat, or -1 when none was read
 * since start. */
static int64_t hb_age(const gw_backbone_t *b)
{
    int64_t last = atomic_load(&b->hb_last);
    return last == 0 ? -1 : now_ms() - last;
}

/* Whether the handler counts as silent now: beats seen (or required) and
 * none for longer than kafka.heartbeat_timeout_ms. */
static bool hb_silent(const gw_backbone_t *b)
{
    if (b->hb_timeout_ms <= 0 || b->t_hb == NULL)
        return false;
    int64_t age = hb_age(b);
    if (age < 0) /* none yet: an older handler may send none, unless required */
        return b->hb_required && now_ms() - b->hb_since > b->hb_timeout_ms;
    return age > b->hb_timeout_ms;
}

bool gw_backbone_admit_command(gw_backbone_t *b)
{
    if (!hb_silent(b))
        return true;
    atomic_fetch_add(&b->stats.refused_silent, 1);
    return false;
}

/* /readyz "command_handler": always ready (queries are answered from the
 * projections whatever the handler does, and every gateway would leave the
 * load balancer at once), with the heartbeat's age as the detail. */
static bool handler_detail(void *data, char *reason, size_t reasonlen)
{
    const gw_backbone_t *b = data;
    int64_t age = hb_age(b);
    if (b->t_hb == NULL)
        snprintf(reason, reasonlen, "the topology has no heartbeat topic");
    else if (age < 0)
        snprintf(reason, reasonlen, "no heartbeat seen since start%s",
                 hb_silent(b) ? ": new commands are refused (kafka.require_heartbeat)" : "");
    else
        snprintf(reason, reasonlen, "last heartbeat %.1f s ago%s", (double)age / 1000.0,
                 hb_silent(b) ? ": silent, new commands are refused" : "");
    return true;
}

/* ------------------------------------------------------------ answers */

static void answer_dispose(gw_loopq_msg_t *m)
{
    gw_cmd_waiter_t *w = m->u.answer.waiter;
    if (w != NULL && w->discard != NULL)
        w->discard(w); /* never dispatched (shutdown) */
    free(m);
}

static void copy_text(char dst[GW_LOOPQ_TEXT], gw_str_t s)
{
    size_t n = s.ptr == NULL ? 0 : (s.len < GW_LOOPQ_TEXT - 1 ? s.len : GW_LOOPQ_TEXT - 1);
    if (n)
        memcpy(dst, s.ptr, n);
    dst[n] = '\0';
}

/* Hands every waiter of the list to its loop. `o` may be NULL (timeout,
 * undelivered: then `reason`). Each waiter's next is read before its
 * message is pushed: the loop may free it at once. */
static void route(gw_backbone_t *b, gw_inflight_waiter_t *ws, gw_answer_status_t status, const gw_outcome_t *o,
                  const char *reason)
{
    uint64_t now = gw_hist_now_ns();
    while (ws != NULL) {
        gw_inflight_waiter_t *next = ws->next;
        gw_cmd_waiter_t *w = (gw_cmd_waiter_t *)ws;
        gw_loopq_msg_t *m = calloc(1, sizeof *m);
        if (m == NULL) {
            gw_log_msg(&b->server->log, GW_LOG_ERROR, "out of memory answering a command", NULL);
            if (w->discard != NULL)
                w->discard(w);
            ws = next;
            continue;
        }
        m->kind = GW_LOOPQ_ANSWER;
        m->dispose = answer_dispose;
        m->u.answer.waiter = w;
        m->u.answer.status = status;
        m->u.answer.consumed_ns = now;
        if (status == GW_ANSWER_OK && w->sent_ns != 0 && now > w->sent_ns)
            gw_hist_observe(&b->stages[GW_STAGE_FEEDBACK], now - w->sent_ns);
        if (o != NULL) {
            m->u.answer.success = o->success;
            copy_text(m->u.answer.reason, o->reason);
            copy_text(m->u.answer.iban, o->iban);
            copy_text(m->u.answer.token, o->token);
        } else if (reason != NULL) {
            copy_text(m->u.answer.reason, (gw_str_t){reason, (uint32_t)strlen(reason)});
        }
        gw_server_push(b->server, w->loop, m);
        ws = next;
    }
}

void gw_backbone_fail(gw_backbone_t *b, gw_cmd_table_t table, const uint8_t uuid[16], const char *reason)
{
    gw_inflight_waiter_t *ws;
    if (gw_inflight_abort(b->tables[table], uuid, &ws) == 1)
        route(b, ws, GW_ANSWER_UNDELIVERED, NULL, reason);
}

void gw_backbone_observe(gw_backbone_t *b, gw_stage_t stage, uint64_t ns)
{
    if (b != NULL && (unsigned)stage < GW_STAGE__COUNT)
        gw_hist_observe(&b->stages[stage], ns);
}

int gw_backbone_begin(gw_backbone_t *b, gw_cmd_table_t table, const uint8_t uuid[16], gw_cmd_waiter_t *w,
                      gw_outcome_t **outcome)
{
    return gw_inflight_begin(b->tables[table], uuid, now_ms() + b->timeout_ms, &w->link, outcome);
}

int gw_backbone_begin_bound(gw_backbone_t *b, gw_cmd_table_t table, const uint8_t uuid[16], const uint8_t *digest,
                            gw_cmd_waiter_t *w, gw_outcome_t **outcome)
{
    return gw_inflight_begin_bound(b->tables[table], uuid, digest, now_ms() + b->timeout_ms, &w->link, outcome);
}

/* ------------------------------------------------------------ producing */

static void on_delivery(void *ctx, const gw_delivery_t *d)
{
    gw_backbone_t *b = ctx;
    sent_t *s = d->opaque;
    if (s != NULL && s->span != NULL) {
        if (d->err == 0) {
            gw_span_attr_int(s->span, "messaging.destination.partition.id", d->partition);
            gw_span_attr_int(s->span, "messaging.kafka.offset", d->offset);
        }
        gw_span_end(b->server->tracer, s->span, d->err == 0 ? GW_STATUS_UNSET : GW_STATUS_ERROR);
        free(s->span);
        s->span = NULL;
    }
    if (d->err == 0) {
        if (s != NULL)
            gw_hist_observe(&b->stages[GW_STAGE_ACK], gw_hist_now_ns() - s->queued_ns);
        atomic_fetch_add(&b->stats.produced, 1);
        atomic_store(&b->last_alive, now_ms());
    } else {
        atomic_fetch_add(&b->stats.produce_errors, 1);
        gw_log_line_t l;
        if (gw_log_begin(&l, &b->server->log, GW_LOG_ERROR, "command not delivered")) {
            gw_log_str(&l, "topic", d->topic);
            gw_log_str(&l, "error", d->error);
            gw_log_end(&l);
        }
        if (s != NULL) {
            char why[GW_LOOPQ_TEXT];
            snprintf(why, sizeof why, "the command could not be sent to Kafka: %s", d->error);
            gw_backbone_fail(b, s->table, s->uuid, why);
        }
    }
    free(s);
}

/* Queues value (malloc'd; gw_producer_send takes it, this function frees it
 * when nothing is queued) for topic with key, its delivery report to answer
 * `uuid` in `table`. 0; -1 out of memory or -2 refused by the producer, with
 * err. */
static int queue_sent(gw_backbone_t *b, const char *topic, const char *key, size_t klen, void *value, size_t vlen,
                      gw_cmd_table_t table, const uint8_t uuid[16], bool traced, const gw_trace_ctx_t *trace, char *err,
                      size_t errlen)
{
    sent_t *s = malloc(sizeof *s);
    if (s == NULL) {
        free(value);
        snprintf(err, errlen, "out of memory");
        return GW_ESYS;
    }
    s->table = table;
    memcpy(s->uuid, uuid, 16);
    s->queued_ns = gw_hist_now_ns();
    s->span = NULL;
    /* tracing: a producer span under the request's, its context in the headers */
    gw_header_t hdr[2];
    size_t nhdr = 0;
    char tp[GW_TRACEPARENT_LEN + 1];
    gw_tracer_t *tr = b->server->tracer;
    if (tr != NULL && traced && (s->span = malloc(sizeof *s->span)) != NULL) {
        char name[GW_SPAN_NAME_MAX];
        snprintf(name, sizeof name, "%s send", topic);
        gw_span_start(tr, s->span, name, GW_SPAN_PRODUCER, trace);
        gw_span_attr_str(s->span, "messaging.system", "kafka", 5);
        gw_span_attr_str(s->span, "messaging.destination.name", topic, strlen(topic));
        gw_trace_ctx_t c = gw_span_ctx(s->span);
        hdr[nhdr++] = (gw_header_t){"traceparent", tp, gw_traceparent_format(&c, tp)};
        if (c.state_len > 0)
            hdr[nhdr++] = (gw_header_t){"tracestate", c.state, c.state_len};
    }
    if (gw_producer_send(b->prod, topic, -1, key, klen, value, vlen, nhdr ? hdr : NULL, nhdr, s, err, errlen) != 0) {
        if (s->span != NULL) {
            gw_span_end(tr, s->span, GW_STATUS_ERROR);
            free(s->span);
        }
        free(s);
        return -2;
    }
    return 0;
}

/* Encodes ev and queues it for `topic` with `key`. 0, or GW_ESYS with err. */
static int send_event(gw_backbone_t *b, const gw_topic_t *topic, const gw_event_t *ev, const char *origin, size_t olen,
                      gw_cmd_table_t table, const uint8_t uuid[16], const gw_trace_ctx_t *trace, char *err,
                      size_t errlen)
{
    char key[512];
    int klen = gw_topology_key(topic, ev, origin, olen, key, sizeof key);
    if (klen < 0 || (klen == 0 && topic->key != GW_KEY_NONE)) {
        /* a username key without a username: the command id keeps it unique */
        gw_uuidstr_format(uuid, key);
        klen = GW_UUID_STRLEN;
    }
    void *buf;
    size_t len;
    pthread_mutex_lock(&b->enc_mu);
    int rc = gw_codec_encode(b->enc, ev, &buf, &len);
    pthread_mutex_unlock(&b->enc_mu);
    if (rc != 0) {
        snprintf(err, errlen, "cannot encode the command: %s", gw_ev_strerror(rc));
        return GW_ESYS;
    }
    rc = queue_sent(b, topic->name, klen > 0 ? key : NULL, (size_t)klen, buf, len, table, uuid, true, trace, err,
                    errlen);
    if (rc == -2)
        atomic_fetch_add(&b->stats.produce_errors, 1);
    return rc == 0 ? 0 : -1;
}

int gw_backbone_send_account(gw_backbone_t *b, const uint8_t uuid[16], const char *username, size_t ulen,
                             const gw_trace_ctx_t *trace, char *err, size_t errlen)
{
    gw_event_t ev = {.type = GW_REC_CONFIRM_ACCOUNT_CREATION};
    memcpy(ev.u.confirm_account_creation.id.b, uuid, 16);
    ev.u.confirm_account_creation.a_type = GW_ATYPE_MANUAL;
    return send_event(b, b->t_cac, &ev, username, ulen, GW_CMD_ACCOUNT, uuid, trace, err, errlen);
}

int gw_backbone_send_transfer(gw_backbone_t *b, const gw_transfer_cmd_t *c, char *err, size_t errlen)
{
    gw_event_t ev = {.type = GW_REC_CONFIRM_MONEY_TRANSFER};
    memcpy(ev.u.confirm_money_transfer.id.b, c->uuid, 16);
    ev.u.confirm_money_transfer.token = c->token;
    ev.u.confirm_money_transfer.amount = c->amount;
    ev.u.confirm_money_transfer.from = c->from;
    ev.u.confirm_money_transfer.to = c->to;
    ev.u.confirm_money_transfer.description = c->description;
    return send_event(b, b->t_cmt, &ev, c->username, c->username_len, GW_CMD_TRANSFER, c->uuid, c->trace, err, errlen);
}

/* A claim of a username: key "USERNAME#UUID", value {"username", "uuid",
 * "pwhash"}. The key is unique per claim, so a compacted topic (which keeps
 * the last record of each key) never drops a claim, and the first claim of a
 * name in the log stays the first: the owner read after compaction is the
 * owner read before it. The topic must keep one partition (its order decides). */
int gw_backbone_send_credentials(gw_backbone_t *b, const char *username, size_t ulen, const uint8_t uuid[16],
                                 const char *pwhash, char *err, size_t errlen)
{
    char u[GW_UUID_STRLEN + 1], key[GW_CREDENTIALS_KEY_MAX];
    gw_uuidstr_format(uuid, u);
    if (ulen + 1 + GW_UUID_STRLEN > sizeof key) {
        snprintf(err, errlen, "username too long");
        return GW_ESYS;
    }
    memcpy(key, username, ulen);
    key[ulen] = '#';
    memcpy(key + ulen + 1, u, GW_UUID_STRLEN);
    json_t *v = json_pack("{s:s%, s:s, s:s}", "username", username, ulen, "uuid", u, "pwhash", pwhash);
    char *text = v != NULL ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    if (text == NULL) {
        snprintf(err, errlen, "cannot encode the credentials record");
        return GW_ESYS;
    }
    int rc = queue_sent(b, b->topic_accounts, key, ulen + 1 + GW_UUID_STRLEN, text, strlen(text), GW_CMD_CREDENTIALS,
                        uuid, false, NULL, err, errlen);
    return rc == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ consuming */

static void note_bad(gw_backbone_t *b, const gw_kmsg_t *m, const char *why)
{
    atomic_fetch_add(&b->stats.bad_messages, 1);
    if (b->bad++ < LOG_BAD_FIRST || b->bad % 1000 == 0) {
        gw_log_line_t l;
        if (gw_log_begin(&l, &b->server->log, GW_LOG_WARN, "skipping a record")) {
            gw_log_str(&l, "topic", m->topic);
            gw_log_int(&l, "partition", m->partition);
            gw_log_int(&l, "offset", m->offset);
            gw_log_str(&l, "error", why);
            gw_log_int(&l, "skipped", (int64_t)b->bad);
            gw_log_end(&l);
        }
    }
}

static gw_str_t str_of(const char *s)
{
    return (gw_str_t){s, (uint32_t)strlen(s)};
}

/* Completes `uuid` in `table` with fb and answers its waiters. With `keep`,
 * an outcome nobody waits for is stored anyway (transfers read from the
 * log: a repeated uuid is then answered without producing again). */
/* Tracing: the feedback record m answers waiters ws. A consumer span
 * "<topic> receive" continues the handler's feedback span (from m's
 * traceparent header) and links each waiting request's span, so the answer
 * sits in the command's trace and each request finds it. */
static void trace_receive(gw_backbone_t *b, const gw_kmsg_t *m, gw_inflight_waiter_t *ws)
{
    gw_tracer_t *tr = b->server->tracer;
    const void *v;
    size_t n;
    gw_trace_ctx_t parent;
    if (tr == NULL || m == NULL || ws == NULL || gw_kmsg_header(m, "traceparent", &v, &n) != 0 ||
        gw_traceparent_parse(v, n, &parent) != 0)
        return;
    if (gw_kmsg_header(m, "tracestate", &v, &n) == 0) {
        parent.state = v;
        parent.state_len = gw_tracestate_keep(v, n);
    }
    gw_span_t span;
    char name[GW_SPAN_NAME_MAX];
    snprintf(name, sizeof name, "%s receive", m->topic);
    gw_span_start(tr, &span, name, GW_SPAN_CONSUMER, &parent);
    gw_span_attr_str(&span, "messaging.system", "kafka", 5);
    gw_span_attr_str(&span, "messaging.destination.name", m->topic, strlen(m->topic));
    gw_span_attr_int(&span, "messaging.kafka.offset", m->offset);
    for (gw_inflight_waiter_t *w = ws; w != NULL; w = w->next)
        gw_span_link(&span, &((gw_cmd_waiter_t *)w)->trace);
    gw_span_end(tr, &span, GW_STATUS_UNSET);
}

/* m: the feedback record (its trace context), NULL for none. */
static void complete_bound(gw_backbone_t *b, gw_cmd_table_t table, const uint8_t uuid[16], const gw_feedback_t *fb,
                           const uint8_t *digest, bool keep, const gw_kmsg_t *m)
{
    gw_inflight_t *p = b->tables[table];
    gw_inflight_waiter_t *ws = NULL;
    gw_outcome_t *o = NULL;
    int rc = gw_inflight_complete_bound(p, uuid, fb, digest, &ws, &o);
    if (rc == 0 && keep) {
        gw_outcome_t *old = NULL;
        if (gw_inflight_begin(p, uuid, INT64_MAX, NULL, &old) == GW_INFLIGHT_NEW)
            rc = gw_inflight_complete_bound(p, uuid, fb, digest, &ws, &o);
        if (old != NULL)
            gw_outcome_release(old);
    }
    if (rc == 1) {
        trace_receive(b, m, ws);
        route(b, ws, GW_ANSWER_OK, o, NULL);
    } else if (rc == 2) { /* decided for another command of this uuid */
        route(b, ws, GW_ANSWER_REFUSED, NULL, GW_REASON_UUID_REUSED);
    }
    if (rc == 1 || rc == 2)
        gw_outcome_release(o);
}

static void complete(gw_backbone_t *b, gw_cmd_table_t table, const uint8_t uuid[16], const gw_feedback_t *fb, bool keep,
                     const gw_kmsg_t *m)
{
    complete_bound(b, table, uuid, fb, NULL, keep, m);
}

/* A transfer feedback's "command-digest" header (32 hex digits, written by the
 * command handler: the parameters its outcome was decided for) into d; false
 * when there is none or it is malformed. */
static bool feedback_digest(const gw_kmsg_t *m, uint8_t d[GW_TRANSFER_DIGEST_LEN])
{
    const void *v;
    size_t n;
    return gw_kmsg_header(m, "command-digest", &v, &n) == 0 && gw_transfer_digest_parse(v, n, d) == 0;
}

/* The handler refused a transfer because its uuid was used for another one
 * (GW_REASON_UUID_REUSED): the waiters of that command (the digest in the
 * header says which, when several share the uuid) get the refusal; nothing is
 * stored, so the uuid keeps its first outcome for exact retries. */
static void refused(gw_backbone_t *b, const gw_kmsg_t *m, const uint8_t uuid[16])
{
    uint8_t d[GW_TRANSFER_DIGEST_LEN];
    bool has = feedback_digest(m, d);
    gw_inflight_waiter_t *ws;
    if (gw_inflight_abort_bound(b->tables[GW_CMD_TRANSFER], uuid, has ? d : NULL, &ws) == 1)
        route(b, ws, GW_ANSWER_REFUSED, NULL, GW_REASON_UUID_REUSED);
}

static void broadcast(gw_backbone_t *b, const gw_loopq_msg_t *tmpl);

static void on_credentials(gw_backbone_t *b, const gw_kmsg_t *m)
{
    if (m->key == NULL || m->klen == 0 || m->value == NULL) {
        note_bad(b, m, "a credentials record needs a username key and a value");
        return;
    }
    json_error_t je;
    json_t *v = json_loadb(m->value, m->vlen, 0, &je);
    const char *us = NULL, *hash = NULL;
    if (v != NULL && json_unpack(v, "{s:s, s:s}", "uuid", &us, "pwhash", &hash) == 0) {
        uint8_t uuid[16];
        /* the name: the value's "username" (claims keyed USERNAME#UUID), else the
         * key (records written before claims had their own keys) */
        gw_str_t name = {m->key, (uint32_t)m->klen};
        const json_t *un = json_object_get(v, "username");
        if (json_is_string(un))
            name = (gw_str_t){json_string_value(un), (uint32_t)json_string_length(un)};
        int rc = gw_uuidstr_parse(us, strlen(us), uuid) == 0 && name.len <= 256
                     ? gw_accounts_put(b->acc, name, uuid, str_of(hash))
                     : GW_STORE_EINVAL;
        if (rc < 0) {
            note_bad(b, m, "invalid credentials record");
        } else {
            const gw_account_t *a = gw_accounts_find(b->acc, name);
            gw_feedback_t fb = {GW_OUTCOME_RESULT, a != NULL && memcmp(a->uuid, uuid, 16) == 0, str_of(""), str_of(""),
                                str_of("")};
            complete(b, GW_CMD_CREDENTIALS, uuid, &fb, false, NULL);
            atomic_store(&b->stats.projection_accounts, gw_accounts_count(b->acc));
            if (rc == 1 && b->live && a != NULL) {
                gw_loopq_msg_t am = {.kind = GW_LOOPQ_ACCOUNT};
                am.u.account.account = a;
                broadcast(b, &am);
            }
        }
    } else {
        note_bad(b, m, "a credentials record must be JSON {\"uuid\", \"pwhash\"}");
    }
    json_decref(v);
}

static void tx_trace_put(gw_backbone_t *b, uint64_t id, const bc_item_t *it)
{
    if (b->tx_trace == NULL || !it->traced)
        return;
    tx_trace_t *e = &b->tx_trace[id % TX_TRACE_RING];
    uint64_t w[3];
    memcpy(w, it->trace_id, 16);
    memcpy(&w[2], it->span_id, 8);
    atomic_store_explicit(&e->id, 0, memory_order_release);
    for (int i = 0; i < 3; i++)
        atomic_store_explicit(&e->w[i], w[i], memory_order_relaxed);
    atomic_store_explicit(&e->id, id, memory_order_release);
}

bool gw_backbone_tx_trace(void *data, uint64_t id, gw_trace_ctx_t *out)
{
    gw_backbone_t *b = data;
    if (b == NULL || b->tx_trace == NULL)
        return false;
    tx_trace_t *e = &b->tx_trace[id % TX_TRACE_RING];
    if (atomic_load_explicit(&e->id, memory_order_acquire) != id)
        return false;
    uint64_t w[3];
    for (int i = 0; i < 3; i++)
        w[i] = atomic_load_explicit(&e->w[i], memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&e->id, memory_order_relaxed) != id)
        return false;
    memset(out, 0, sizeof *out);
    memcpy(out->trace_id, w, 16);
    memcpy(out->span_id, &w[2], 8);
    out->flags = GW_TRACE_SAMPLED;
    return true;
}

static int64_t bc_append(gw_backbone_t *b, const char *iban, const char *from_to, const char *descr, int64_t nb,
                         int64_t cb, int32_t partition, int64_t offset)
{
    gw_balance_changed_t ev = {str_of(iban), nb, cb, str_of(from_to), str_of(descr)};
    int64_t rc = gw_txstore_append(b->tx, &ev, partition, offset);
    if (rc < 0 && rc != GW_STORE_EDUP) {
        gw_log_line_t l;
        if (gw_log_begin(&l, &b->server->log, GW_LOG_ERROR, "cannot fold a BalanceChanged")) {
            gw_log_str(&l, "error", gw_store_strerror((int)rc));
            gw_log_int(&l, "partition", partition);
            gw_log_int(&l, "offset", offset);
            gw_log_end(&l);
        }
    }
    return rc;
}

/* Adds k to the set; true when it was new (or the set cannot grow: then
 * nothing is refused). */
static bool seen_add(seen_set_t *s, uint64_t k)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1u << 16;
        uint64_t *n = calloc(cap, sizeof *n);
        if (n == NULL)
            return true;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i] != 0) {
                size_t j = s->slots[i] & (cap - 1);
                while (n[j] != 0)
                    j = (j + 1) & (cap - 1);
                n[j] = s->slots[i];
            }
        free(s->slots);
        s->slots = n;
        s->cap = cap;
    }
    size_t j = k & (s->cap - 1);
    while (s->slots[j] != 0) {
        if (s->slots[j] == k)
            return false;
        j = (j + 1) & (s->cap - 1);
    }
    s->slots[j] = k;
    s->n++;
    return true;
}

/* A digest of a BalanceChanged's (command-id header, IBAN), never 0; 0 when
 * the record has no command-id. */
static uint64_t cause_of(const gw_kmsg_t *m, const char *iban)
{
    const void *v;
    size_t n;
    if (gw_kmsg_header(m, "command-id", &v, &n) != 0 || n == 0)
        return 0;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ ((const uint8_t *)v)[i]) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
    for (const char *p = iban; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    return h ? h : 1;
}

/* Keep the event in its partition's list until bc_release. */
static void bc_buffer(gw_backbone_t *b, const gw_kmsg_t *m, const gw_event_t *ev)
{
    if (m->partition < 0 || m->partition >= MAX_BC_PARTITIONS) {
        note_bad(b, m, "partition out of range");
        return;
    }
    bc_part_t *p = &b->bc[m->partition];
    if (m->partition >= b->bc_nparts)
        b->bc_nparts = m->partition + 1;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        bc_item_t *n = realloc(p->items, cap * sizeof *n);
        if (n == NULL) {
            note_bad(b, m, "out of memory buffering the replay");
            return;
        }
        p->items = n;
        p->cap = cap;
    }
    const char *iban = ev->u.balance_changed.iban, *ft = ev->u.balance_changed.from_to,
               *d = ev->u.balance_changed.description;
    size_t il = strlen(iban), fl = strlen(ft), dl = strlen(d);
    char *mem = malloc(il + fl + dl + 3);
    if (mem == NULL) {
        note_bad(b, m, "out of memory buffering the replay");
        return;
    }
    memcpy(mem, iban, il + 1);
    memcpy(mem + il + 1, ft, fl + 1);
    memcpy(mem + il + fl + 2, d, dl + 1);
    bc_item_t *slot = &p->items[p->n];
    p->items[p->n++] = (bc_item_t){m->timestamp_ms,
                                   m->offset,
                                   ev->u.balance_changed.new_balance,
                                   ev->u.balance_changed.changed_by,
                                   now_ms(),
                                   cause_of(m, iban),
                                   (uint32_t)il,
                                   (uint32_t)fl,
                                   (uint32_t)dl,
                                   mem,
                                   false,
                                   {0},
                                   {0}};
    const void *tv;
    size_t tl;
    gw_trace_ctx_t tc;
    if (b->tx_trace != NULL && gw_kmsg_header(m, "traceparent", &tv, &tl) == 0 &&
        gw_traceparent_parse(tv, tl, &tc) == 0 && (tc.flags & GW_TRACE_SAMPLED)) {
        slot->traced = true;
        memcpy(slot->trace_id, tc.trace_id, 16);
        memcpy(slot->span_id, tc.span_id, 8);
    }
}

/* The k-way merge by (timestamp, partition), each partition in offset order:
 * appends every buffered event whose turn has come. The smallest head goes
 * first once it has waited ORDER_GRACE_MS since it was read (`now` =
 * INT64_MAX at the end of the replay: everything goes). Returns how many. */
static size_t bc_release(gw_backbone_t *b, int64_t now)
{
    size_t n = 0;
    for (;;) {
        int32_t best = -1;
        for (int32_t i = 0; i < b->bc_nparts; i++) {
            bc_part_t *p = &b->bc[i];
            if (p->next >= p->n)
                continue;
            if (best < 0 || p->items[p->next].ts < b->bc[best].items[b->bc[best].next].ts)
                best = i;
        }
        if (best < 0)
            break;
        bc_part_t *p = &b->bc[best];
        bc_item_t *it = &p->items[p->next];
        if (now != INT64_MAX && it->arrived + ORDER_GRACE_MS > now)
            break;
        p->next++;
        if (it->cause == 0 || seen_add(&b->seen, it->cause)) {
            int64_t id = bc_append(b, it->mem, it->mem + it->ilen + 1, it->mem + it->ilen + it->flen + 2,
                                   it->new_balance, it->changed_by, best, it->offset);
            if (id > 0)
                tx_trace_put(b, (uint64_t)id, it);
        } else
            atomic_fetch_add(&b->stats.duplicates, 1);
        free(it->mem);
        it->mem = NULL;
        if (p->next == p->n)
            p->next = p->n = 0; /* empty: reuse from the start */
        n++;
    }
    return n;
}

/* Decodes m; with a registry, learns the writer schema of an unknown id
 * once (a blocking HTTP request on the Kafka thread: rare, new producers
 * only) and tries again. 0 or a negative GW_EV_E*. */
static int decode(gw_backbone_t *b, const gw_kmsg_t *m, gw_event_t *ev, char *err, size_t errlen)
{
    char why[300];
    int rc = gw_registry_decode(b->registry, b->dec, m->value, m->vlen, ev, err, errlen, why, sizeof why);
    if (why[0] != '\0')
        gw_log_msg(&b->server->log, GW_LOG_WARN, "schema registry: unknown writer schema", why);
    return rc;
}

static void on_message(void *ctx, const gw_kmsg_t *m)
{
    gw_backbone_t *b = ctx;
    atomic_fetch_add(&b->stats.consumed, 1);
    atomic_store(&b->last_alive, now_ms());
    if (strcmp(m->topic, b->topic_accounts) == 0) {
        on_credentials(b, m);
        return;
    }
    if (m->value == NULL) {
        note_bad(b, m, "no value");
        return;
    }
    gw_event_t ev = {0};
    char err[256];
    if (decode(b, m, &ev, err, sizeof err) != 0) {
        note_bad(b, m, err);
        return;
    }
    gw_feedback_t fb = {0};
    if (ev.type != GW_REC_BALANCE_CHANGED)
        gw_hist_observe_since_ms(&b->stages[GW_STAGE_FETCH], m->timestamp_ms);
    uint8_t digest[GW_TRANSFER_DIGEST_LEN];
    switch (ev.type) {
    case GW_REC_BALANCE_CHANGED:
        bc_buffer(b, m, &ev); /* appended by bc_release, in log order */
        break;
    case GW_REC_ACCOUNT_CREATION_CONFIRMED:
        fb = (gw_feedback_t){GW_OUTCOME_ACCOUNT, true, str_of(""), str_of(ev.u.account_creation_confirmed.iban),
                             str_of(ev.u.account_creation_confirmed.token)};
        complete(b, GW_CMD_ACCOUNT, ev.u.account_creation_confirmed.id.b, &fb, false, m);
        break;
    case GW_REC_ACCOUNT_CREATION_FAILED:
        fb = (gw_feedback_t){GW_OUTCOME_ACCOUNT, false, str_of(ev.u.account_creation_failed.reason), str_of(""),
                             str_of("")};
        complete(b, GW_CMD_ACCOUNT, ev.u.account_creation_failed.id.b, &fb, false, m);
        break;
    case GW_REC_MONEY_TRANSFER_CONFIRMED:
        fb = (gw_feedback_t){GW_OUTCOME_RESULT, true, str_of(""), str_of(""), str_of("")};
        complete_bound(b, GW_CMD_TRANSFER, ev.u.money_transfer_confirmed.id.b, &fb,
                       feedback_digest(m, digest) ? digest : NULL, true, m);
        break;
    case GW_REC_MONEY_TRANSFER_FAILED:
        if (ev.u.money_transfer_failed.reason != NULL &&
            strcmp(ev.u.money_transfer_failed.reason, GW_REASON_UUID_REUSED) == 0) {
            refused(b, m, ev.u.money_transfer_failed.id.b);
            break;
        }
        fb = (gw_feedback_t){GW_OUTCOME_RESULT, false, str_of(ev.u.money_transfer_failed.reason), str_of(""),
                             str_of("")};
        complete_bound(b, GW_CMD_TRANSFER, ev.u.money_transfer_failed.id.b, &fb,
                       feedback_digest(m, digest) ? digest : NULL, true, m);
        break;
    case GW_REC_HEARTBEAT:
        atomic_store(&b->hb_last, now_ms());
        atomic_fetch_add(&b->stats.heartbeats, 1);
        break;
    default:
        break; /* commands on a shared topic: not ours */
    }
    gw_event_clear(&ev);
}

static void on_replay_done(void *ctx)
{
    gw_backbone_t *b = ctx;
    bc_release(b, INT64_MAX);
    b->live = true;
    pthread_mutex_lock(&b->state_mu);
    b->replayed = true;
    pthread_mutex_unlock(&b->state_mu);
    atomic_store(&b->stats.replayed, 1);
    atomic_store(&b->stats.ready_ms, now_ms() - b->started_ms);
    gw_log_line_t l;
    if (gw_log_begin(&l, &b->server->log, GW_LOG_INFO, "kafka replay done")) {
        gw_log_int(&l, "transactions", (int64_t)gw_txstore_count(b->tx));
        gw_log_int(&l, "accounts", (int64_t)gw_accounts_count(b->acc));
        gw_log_int(&l, "skipped", (int64_t)b->bad);
        gw_log_int(&l, "offset_resets", (int64_t)atomic_load(&b->stats.offset_resets));
        gw_log_end(&l);
    }
}

static void on_reset(void *ctx, const char *topic, int32_t partition, int64_t offset, const char *reason)
{
    gw_backbone_t *b = ctx;
    atomic_fetch_add(&b->stats.offset_resets, 1);
    gw_log_line_t l;
    if (gw_log_begin(&l, &b->server->log, GW_LOG_ERROR, "kafka offset reset: events were lost")) {
        gw_log_str(&l, "topic", topic);
        gw_log_int(&l, "partition", partition);
        gw_log_int(&l, "offset", offset);
        gw_log_str(&l, "reason", reason);
        gw_log_str(&l, "phase", b->live ? "live" : "replay");
        gw_log_end(&l);
    }
    if (!b->live) {
        pthread_mutex_lock(&b->state_mu);
        b->reset_in_replay = true;
        snprintf(b->reason, sizeof b->reason,
                 "offset reset on %s[%d] during replay (%s): the projections miss events the broker dropped", topic,
                 (int)partition, reason);
        pthread_mutex_unlock(&b->state_mu);
    }
}

static void on_error(void *ctx, const char *message)
{
    gw_backbone_t *b = ctx;
    gw_log_msg(&b->server->log, GW_LOG_WARN, "kafka", message);
    if (strstr(message, "brokers are down") != NULL || strstr(message, "ALL_BROKERS_DOWN") != NULL)
        atomic_store(&b->last_alive, 0); /* probe() asks the cluster at once */
}

/* One message per loop, a copy of *arg (GW_LOOPQ_ACCOUNT, GW_LOOPQ_READY). */
static void broadcast_one(gw_loopq_t *q, size_t index, void *arg)
{
    (void)index;
    gw_loopq_msg_t *m = malloc(sizeof *m);
    if (m == NULL)
        return; /* a notice, not an answer: losing it under memory pressure is acceptable */
    *m = *(const gw_loopq_msg_t *)arg;
    gw_loopq_push(q, m);
}

static void broadcast(gw_backbone_t *b, const gw_loopq_msg_t *tmpl)
{
    gw_server_each_loop(b->server, broadcast_one, (void *)tmpl);
}

/* Tells the loops when the Kafka side's readiness (or its reason) changed. */
static void broadcast_readiness(gw_backbone_t *b)
{
    gw_loopq_msg_t m = {.kind = GW_LOOPQ_READY};
    m.u.ready.ready = kafka_ready(b, m.u.ready.reason, sizeof m.u.ready.reason);
    if (m.u.ready.ready)
        m.u.ready.reason[0] = '\0';
    if (b->last_ready == (int)m.u.ready.ready && strcmp(b->last_reason, m.u.ready.reason) == 0)
        return;
    b->last_ready = m.u.ready.ready;
    memcpy(b->last_reason, m.u.ready.reason, sizeof b->last_reason);
    broadcast(b, &m);
}

/* librdkafka logs a lost broker but tells its users neither that nor the
 * recovery. So when nothing came from the cluster for PROBE_QUIET_MS (no
 * message, no delivery report), ask it for its brokers (a metadata request,
 * blocking up to 1 s on this thread): no answer means every broker is down
 * (/readyz says so); an answer clears that. */
#define PROBE_QUIET_MS 3000
static void probe(gw_backbone_t *b)
{
    int64_t now = now_ms();
    if (now - atomic_load(&b->last_alive) < PROBE_QUIET_MS) {
        pthread_mutex_lock(&b->state_mu);
        b->down = false; /* the cluster spoke lately */
        pthread_mutex_unlock(&b->state_mu);
        return;
    }
    if (b->probe == NULL) {
        char err[256];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "bootstrap.servers", b->kconf.brokers, err, sizeof err);
        for (const char *const *p = b->props; p != NULL && p[0] != NULL; p += 2)
            rd_kafka_conf_set(conf, p[0], p[1], err, sizeof err);
        rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
        if ((b->probe = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err)) == NULL) {
            rd_kafka_conf_destroy(conf);       /* still ours when rd_kafka_new fails */
            atomic_store(&b->last_alive, now); /* try again later */
            return;
        }
    }
    const struct rd_kafka_metadata *md = NULL;
    bool up = rd_kafka_metadata(b->probe, 0, NULL, &md, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (up)
        rd_kafka_metadata_destroy(md);
    atomic_store(&b->last_alive, up ? now_ms() : now - PROBE_QUIET_MS + 1000); /* down: again in 1 s */
    pthread_mutex_lock(&b->state_mu);
    bool was = b->down;
    b->down = !up;
    pthread_mutex_unlock(&b->state_mu);
    if (was != !up)
        gw_log_msg(&b->server->log, up ? GW_LOG_INFO : GW_LOG_ERROR,
                   up ? "kafka: a broker answers again" : "kafka: no broker answers", b->kconf.brokers);
}

static void publish_one(gw_loopq_t *q, size_t index, void *arg)
{
    (void)index;
    gw_loopq_publish_tx(q, *(const uint64_t *)arg);
}

static void publish(gw_backbone_t *b)
{
    uint64_t n = gw_txstore_count(b->tx);
    if (n == b->published || !b->live)
        return;
    b->published = n;
    atomic_store(&b->stats.projection_transactions, n);
    gw_server_each_loop(b->server, publish_one, &n);
}

static void expire(gw_backbone_t *b)
{
    int64_t now = now_ms();
    for (int t = 0; t < GW_CMD__COUNT; t++) {
        if (gw_inflight_next_deadline(b->tables[t]) > now)
            continue;
        gw_inflight_waiter_t *ws = NULL;
        size_t n = gw_inflight_expire(b->tables[t], now, &ws);
        atomic_fetch_add(&b->stats.commands_timed_out, n);
        route(b, ws, GW_ANSWER_TIMEOUT, NULL, "timed out waiting for confirmation");
    }
}

/* gateway_kafka_consumer_lag: during the replay, the records still to read
 * up to the end offsets seen at start; 0 once live (the wrapper does not
 * follow the end offsets afterwards). */
static void report_lag(gw_backbone_t *b, gw_consumer_t *c)
{
    int64_t lag = 0;
    if (!b->live) {
        size_t n;
        const gw_partition_info_t *pi = gw_consumer_partitions(c, &n);
        for (size_t i = 0; i < n; i++)
            if (pi[i].high > pi[i].position)
                lag += pi[i].high - pi[i].position;
    }
    atomic_store(&b->stats.consumer_lag, lag);
}

/* ------------------------------------------------------------ checkpoints */

/* The checkpoint thread: writes each cut the Kafka thread hands it. */
static void *ckpt_main(void *arg)
{
    gw_backbone_t *b = arg;
    pthread_mutex_lock(&b->ckpt_mu);
    for (;;) {
        while (b->ckpt_cut.offs == NULL && !b->ckpt_stop)
            pthread_cond_wait(&b->ckpt_cv, &b->ckpt_mu);
        if (b->ckpt_cut.offs == NULL)
            break;
        ckpt_cut_t cut = b->ckpt_cut;
        b->ckpt_cut = (ckpt_cut_t){0};
        b->ckpt_busy = true;
        pthread_mutex_unlock(&b->ckpt_mu);
        char err[512];
        int64_t t0 = now_ms();
        int rc = gw_checkpoint_write(b->ckpt_dir, b->tx, cut.upto, b->acc, cut.offs, cut.n, t0 + b->ckpt_timeout_ms,
                                     err, sizeof err);
        int64_t ms = now_ms() - t0;
        gw_log_line_t l;
        if (rc == 0) {
            atomic_fetch_add(&b->stats.checkpoints, 1);
            atomic_store(&b->stats.checkpoint_write_ms, ms);
            if (gw_log_begin(&l, &b->server->log, GW_LOG_INFO, "checkpoint written")) {
                gw_log_int(&l, "transactions", (int64_t)cut.upto);
                gw_log_int(&l, "ms", ms);
                gw_log_end(&l);
            }
        } else {
            atomic_fetch_add(&b->stats.checkpoint_failures, 1);
            gw_log_msg(&b->server->log, GW_LOG_WARN, "checkpoint failed", err);
        }
        free(cut.offs);
        pthread_mutex_lock(&b->ckpt_mu);
        b->ckpt_busy = false;
    }
    pthread_mutex_unlock(&b->ckpt_mu);
    return NULL;
}

/* Kafka thread: at most every ckpt_interval_ms, once live and with new
 * transactions, hands the checkpoint thread a cut: transactions 1..count and,
 * per partition, the next offset they cover — for balance_changed the offset
 * after the last one folded (events still held for the merge are read again
 * after a restart), for the other topics the consumer's position (their
 * records are folded as they are read). Skipped while a checkpoint is being
 * written. */
static void ckpt_maybe(gw_backbone_t *b, gw_consumer_t *c)
{
    int64_t now = now_ms();
    uint64_t count = gw_txstore_count(b->tx);
    if (b->ckpt_dir == NULL || c == NULL || !b->live || now - b->ckpt_last_ms < b->ckpt_interval_ms ||
        (count == b->ckpt_last_count && b->ckpt_last_count != 0))
        return;
    b->ckpt_last_ms = now;
    size_t np;
    const gw_partition_info_t *pi = gw_consumer_partitions(c, &np);
    gw_ckpt_offset_t *offs = calloc(np ? np : 1, sizeof *offs);
    if (offs == NULL)
        return;
    for (size_t i = 0; i < np; i++) {
        snprintf(offs[i].topic, sizeof offs[i].topic, "%s", pi[i].topic);
        offs[i].partition = pi[i].partition;
        offs[i].next = pi[i].position;
        if (strcmp(pi[i].topic, b->t_bc->name) == 0 && pi[i].partition >= 0 && pi[i].partition < MAX_BC_PARTITIONS) {
            int64_t last = gw_txstore_last_offset(b->tx, pi[i].partition);
            int64_t floor = b->bc_floor[pi[i].partition];
            offs[i].next = last + 1 > floor ? last + 1 : floor;
        }
    }
    pthread_mutex_lock(&b->ckpt_mu);
    if (b->ckpt_busy || b->ckpt_cut.offs != NULL) {
        pthread_mutex_unlock(&b->ckpt_mu);
        free(offs);
        return;
    }
    b->ckpt_cut = (ckpt_cut_t){offs, np, count};
    b->ckpt_last_count = count;
    pthread_cond_signal(&b->ckpt_cv);
    pthread_mutex_unlock(&b->ckpt_mu);
}

/* Kafka thread, before consuming: the newest valid checkpoint's offsets into
 * starts[] (each partition it covers). Returns it (the caller loads or frees
 * it), or NULL when there is none or it is unusable (logged). */
static gw_checkpoint_t *ckpt_open(gw_backbone_t *b, gw_start_offset_t *starts, size_t nstarts)
{
    if (b->ckpt_dir == NULL)
        return NULL;
    char err[700];
    gw_checkpoint_t *ck = NULL;
    int rc = gw_checkpoint_open(b->ckpt_dir, &ck, err, sizeof err);
    if (rc == 1)
        return NULL;
    if (rc != 0) {
        gw_log_msg(&b->server->log, GW_LOG_WARN, "no usable checkpoint: replaying the log from its start", err);
        return NULL;
    }
    size_t n;
    const gw_ckpt_offset_t *o = gw_checkpoint_offsets(ck, &n);
    for (size_t i = 0; i < nstarts; i++)
        for (size_t k = 0; k < n; k++)
            if (o[k].partition == starts[i].partition && strcmp(o[k].topic, starts[i].topic) == 0)
                starts[i].offset = o[k].next;
    return ck;
}

static void *kafka_main(void *arg)
{
    gw_backbone_t *b = arg;
    const char *topics[MAX_TOPICS];
    size_t nt = 0;
    static const gw_rec_type_t IN[] = {GW_REC_ACCOUNT_CREATION_CONFIRMED, GW_REC_ACCOUNT_CREATION_FAILED,
                                       GW_REC_MONEY_TRANSFER_CONFIRMED, GW_REC_MONEY_TRANSFER_FAILED,
                                       GW_REC_BALANCE_CHANGED};
    for (size_t i = 0; i < sizeof IN / sizeof *IN; i++) {
        const gw_topic_t *t = gw_topology_topic_of(b->topo, IN[i]);
        bool seen = false;
        for (size_t j = 0; j < nt; j++)
            seen = seen || strcmp(topics[j], t->name) == 0;
        if (!seen)
            topics[nt++] = t->name;
    }
    topics[nt++] = b->topic_accounts;
    bool hb_own = b->t_hb != NULL; /* a topic of its own (read from its end), not one shared with the above */
    for (size_t j = 0; hb_own && j < nt; j++)
        hb_own = strcmp(topics[j], b->t_hb->name) != 0;
    if (hb_own)
        topics[nt++] = b->t_hb->name;
    gw_consumer_cbs_t cbs = {on_message, on_replay_done, on_reset, on_error};
    /* Every partition from offset 0: where the log no longer starts there
     * (the broker dropped events, or retention did), the consumer reports an
     * offset reset instead of quietly starting later. */
    size_t nstarts = 0;
    for (size_t i = 0; i < nt; i++) {
        const gw_topic_t *t = gw_topology_find(b->topo, topics[i]);
        nstarts += t != NULL ? (size_t)t->partitions : 1;
    }
    gw_start_offset_t *starts = calloc(nstarts, sizeof *starts);
    nstarts = 0;
    for (size_t i = 0; starts != NULL && i < nt; i++) {
        const gw_topic_t *t = gw_topology_find(b->topo, topics[i]);
        for (int32_t pt = 0; pt < (t != NULL ? t->partitions : 1); pt++)
            starts[nstarts++] = (gw_start_offset_t){topics[i], pt, 0};
    }
    b->started_ms = now_ms();
    /* the command topics' metadata now, not at the first command (which would wait ~1 s on the mock) */
    const char *out[3] = {b->t_cac->name, b->t_cmt->name, b->topic_accounts};
    gw_producer_warm(b->prod, out, 3, 2000);
    gw_checkpoint_t *ck = starts != NULL ? ckpt_open(b, starts, nstarts) : NULL;
    /* heartbeats: only new ones tell anything (also after a checkpoint, which may name the topic) */
    for (size_t i = 0; hb_own && i < nstarts; i++)
        if (strcmp(starts[i].topic, b->t_hb->name) == 0)
            starts[i].offset = GW_START_AT_END;
    /* with a checkpoint, strict: its offsets must lie in the log (else the
     * broker lost or dropped what it covers: replay from the start instead) */
    gw_consumer_opts_t opts = {starts, nstarts, ck != NULL};
    gw_consumer_t *c = NULL;
    while (c == NULL && !atomic_load(&b->stop)) {
        char err[512];
        int rc;
        c = gw_consumer_new(&b->kconf, topics, nt, &opts, &cbs, b, &rc, err, sizeof err);
        if (c == NULL && ck != NULL && rc == GW_EV_ERANGE) {
            gw_log_msg(&b->server->log, GW_LOG_WARN, "the checkpoint does not fit the log: replaying from its start",
                       err);
            gw_checkpoint_free(ck);
            ck = NULL;
            for (size_t i = 0; i < nstarts; i++)
                starts[i].offset = 0;
            opts.strict = 0;
            continue;
        }
        if (c == NULL) {
            set_reason(b, "cannot read the Kafka topics: %s", err);
            gw_log_msg(&b->server->log, GW_LOG_WARN, "kafka: cannot read the topics (retrying)", err);
            for (int i = 0; i < 10 && !atomic_load(&b->stop); i++)
                usleep(100000);
        }
    }
    if (c != NULL && ck != NULL) {
        char err[700];
        int64_t t0 = now_ms();
        if (gw_checkpoint_load(ck, b->tx, b->acc, err, sizeof err) != 0) {
            /* the stores hold a part: nothing sensible can be served */
            gw_log_msg(&b->server->log, GW_LOG_ERROR, "checkpoint load failed", err);
            set_reason(b, "the checkpoint could not be loaded: %s", err);
            pthread_mutex_lock(&b->state_mu);
            b->reset_in_replay = true;
            pthread_mutex_unlock(&b->state_mu);
        } else {
            for (size_t i = 0; i < nstarts; i++)
                if (strcmp(starts[i].topic, b->t_bc->name) == 0 && starts[i].partition >= 0 &&
                    starts[i].partition < MAX_BC_PARTITIONS)
                    b->bc_floor[starts[i].partition] = starts[i].offset;
            atomic_store(&b->stats.checkpoint_loaded, gw_checkpoint_transactions(ck));
            atomic_store(&b->stats.checkpoint_load_ms, now_ms() - t0);
            gw_log_line_t l;
            if (gw_log_begin(&l, &b->server->log, GW_LOG_INFO, "checkpoint loaded")) {
                gw_log_int(&l, "transactions", (int64_t)gw_checkpoint_transactions(ck));
                gw_log_int(&l, "accounts", (int64_t)gw_checkpoint_accounts(ck));
                gw_log_int(&l, "ms", now_ms() - t0);
                gw_log_end(&l);
            }
        }
    }
    gw_checkpoint_free(ck);
    free(starts);
    atomic_store(&b->last_alive, now_ms());
    if (c != NULL) {
        pthread_mutex_lock(&b->state_mu);
        b->connected = true;
        if (!b->reset_in_replay)
            b->reason[0] = '\0';
        pthread_mutex_unlock(&b->state_mu);
        gw_log_msg(&b->server->log, GW_LOG_INFO, "kafka: replaying", b->kconf.brokers);
    }
    while (!atomic_load(&b->stop)) {
        if (c != NULL)
            gw_consumer_poll(c, 10, 10000);
        if (c != NULL)
            report_lag(b, c);
        gw_producer_poll(b->prod, 0);
        if (b->live)
            bc_release(b, now_ms());
        publish(b);
        ckpt_maybe(b, c);
        probe(b);
        broadcast_readiness(b);
        expire(b);
    }
    gw_consumer_free(c);
    /* commands still queued: give them a moment, then their reports (failures
     * purge) answer their waiters (the loops are gone: discarded) */
    gw_producer_flush(b->prod, 2000);
    gw_producer_poll(b->prod, 0);
    return NULL;
}

/* ------------------------------------------------------------ lifecycle */

/* Renames the topic carrying `type` to `name` when the configuration sets one
 * (kafka.topics.*, the original endpoint's KAFKA_*_TOPIC). The name is borrowed
 * from the configuration, which outlives the topology. */
static void rename_topic(gw_topology_t *topo, gw_rec_type_t type, const char *name)
{
    if (name == NULL || name[0] == '\0')
        return;
    for (size_t i = 0; i < topo->ntopics; i++)
        if (topo->topics[i].records & (1u << type))
            topo->topics[i].name = name;
}

static int load(gw_backbone_t *b, char *err, size_t errlen)
{
    const gw_config_t *c = b->server->config;
    if (gw_topology_load(c->kafka.topology, &b->topo, err, errlen) != 0)
        return GW_EINVAL;
    rename_topic(b->topo, GW_REC_BALANCE_CHANGED, c->kafka.topic_balance_changed);
    rename_topic(b->topo, GW_REC_CONFIRM_MONEY_TRANSFER, c->kafka.topic_confirm_money_transfer);
    rename_topic(b->topo, GW_REC_CONFIRM_ACCOUNT_CREATION, c->kafka.topic_confirm_account_creation);
    b->t_cac = gw_topology_topic_of(b->topo, GW_REC_CONFIRM_ACCOUNT_CREATION);
    b->t_cmt = gw_topology_topic_of(b->topo, GW_REC_CONFIRM_MONEY_TRANSFER);
    b->t_bc = gw_topology_topic_of(b->topo, GW_REC_BALANCE_CHANGED);
    b->t_hb = gw_topology_topic_of(b->topo, GW_REC_HEARTBEAT);
    b->hb_timeout_ms = (int64_t)c->kafka.heartbeat_timeout_ms;
    b->hb_required = c->kafka.require_heartbeat;
    b->hb_since = now_ms();
    static const gw_rec_type_t NEED[] = {GW_REC_ACCOUNT_CREATION_CONFIRMED, GW_REC_ACCOUNT_CREATION_FAILED,
                                         GW_REC_MONEY_TRANSFER_CONFIRMED, GW_REC_MONEY_TRANSFER_FAILED};
    for (size_t i = 0; i < sizeof NEED / sizeof *NEED; i++)
        if (gw_topology_topic_of(b->topo, NEED[i]) == NULL) {
            snprintf(err, errlen, "%s: no topic carries %s", c->kafka.topology, gw_rec_name(NEED[i]));
            return GW_EINVAL;
        }
    if (b->t_cac == NULL || b->t_cmt == NULL || b->t_bc == NULL) {
        snprintf(err, errlen, "%s: the topology lacks the command or balance_changed topics", c->kafka.topology);
        return GW_EINVAL;
    }
    b->topic_accounts = c->kafka.topic_accounts;
    b->ckpt_dir = c->kafka.checkpoint_dir != NULL && c->kafka.checkpoint_dir[0] ? c->kafka.checkpoint_dir : NULL;
    b->ckpt_interval_ms = (int64_t)c->kafka.checkpoint_interval_ms;
    b->ckpt_timeout_ms = (int64_t)c->kafka.checkpoint_timeout_ms;
    if ((b->enc = gw_codec_new(0, err, errlen)) == NULL || (b->dec = gw_codec_new(0, err, errlen)) == NULL)
        return GW_EINVAL;
    if (c->kafka.schema_registry_url != NULL && c->kafka.schema_registry_url[0] != '\0') {
        /* ids from the registry (blocking, at start); writer schemas of unknown ids fetched when met */
        if ((b->registry = gw_registry_new(c->kafka.schema_registry_url, 5000, err, errlen)) == NULL ||
            gw_registry_setup_codec(b->registry, b->topo, b->enc, err, errlen) != 0 ||
            gw_registry_setup_codec(b->registry, b->topo, b->dec, err, errlen) != 0)
            return GW_EINVAL;
    }
    for (int t = 0; b->registry == NULL && t < GW_REC__COUNT; t++) {
        if (b->topo->schema_ids[t] == 0) {
            snprintf(err, errlen, "%s pins no schema id for %s and no kafka.schema_registry_url is set",
                     c->kafka.topology, gw_rec_name((gw_rec_type_t)t));
            return GW_EINVAL;
        }
        if (gw_codec_use_id(b->enc, (gw_rec_type_t)t, b->topo->schema_ids[t], err, errlen) != 0 ||
            gw_codec_use_id(b->dec, (gw_rec_type_t)t, b->topo->schema_ids[t], err, errlen) != 0)
            return GW_EINVAL;
    }
    b->props = calloc(2 * c->kafka.nproperties + 1, sizeof *b->props);
    if (b->props == NULL) {
        snprintf(err, errlen, "out of memory");
        return GW_EINVAL;
    }
    for (size_t i = 0; i < c->kafka.nproperties; i++) {
        b->props[2 * i] = c->kafka.properties[i].key;
        b->props[2 * i + 1] = c->kafka.properties[i].value;
    }
    b->kconf = (gw_kafka_conf_t){.brokers = c->kafka.brokers,
                                 .client_id = c->kafka.client_id,
                                 .linger_ms = c->kafka.linger_ms,
                                 .max_in_flight = c->kafka.max_in_flight,
                                 .fetch_wait_ms = c->kafka.fetch_wait_ms,
                                 .debug = getenv("GW_KAFKA_DEBUG"),
                                 .props = b->props};
    b->timeout_ms = (int64_t)c->kafka.command_timeout_ms;
    if ((b->tx = gw_txstore_new()) == NULL || (b->acc = gw_accounts_new()) == NULL ||
        (b->tables[GW_CMD_CREDENTIALS] = gw_inflight_new(c->kafka.max_pending, 0)) == NULL ||
        (b->tables[GW_CMD_ACCOUNT] = gw_inflight_new(c->kafka.max_pending, 0)) == NULL ||
        (b->tables[GW_CMD_TRANSFER] = gw_inflight_new(c->kafka.max_pending, GW_INFLIGHT_DEFAULT_OUTCOMES)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return GW_EINVAL;
    }
    if ((b->prod = gw_producer_new(&b->kconf, on_delivery, b, err, errlen)) == NULL)
        return GW_EINVAL;
    return 0;
}

gw_backbone_t *gw_backbone_new(gw_server_t *s, char *err, size_t errlen)
{
    gw_backbone_t *b = calloc(1, sizeof *b);
    if (b == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    b->server = s;
    b->last_ready = -1;
    if (s->tracer != NULL && (b->tx_trace = calloc(TX_TRACE_RING, sizeof *b->tx_trace)) == NULL) {
        free(b);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&b->enc_mu, NULL);
    pthread_mutex_init(&b->state_mu, NULL);
    pthread_mutex_init(&b->ckpt_mu, NULL);
    pthread_cond_init(&b->ckpt_cv, NULL);
    if (gw_store_init() != 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        gw_backbone_free(b);
        return NULL;
    }
    if (load(b, err, errlen) != 0 || gw_server_add_ready_check(s, "kafka", kafka_ready, b) != 0 ||
        gw_server_add_ready_check(s, "command_handler", handler_detail, b) != 0) {
        if (err[0] == '\0')
            snprintf(err, errlen, "too many readiness checks");
        gw_backbone_free(b);
        return NULL;
    }
    return b;
}

int gw_backbone_start(gw_backbone_t *b, char *err, size_t errlen)
{
    if (b->ckpt_dir != NULL) {
        if (mkdir(b->ckpt_dir, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "kafka.checkpoint_dir %s: %s", b->ckpt_dir, strerror(errno));
            return GW_ESYS;
        }
        if (pthread_create(&b->ckpt_tid, NULL, ckpt_main, b) != 0) {
            snprintf(err, errlen, "cannot start the checkpoint thread: %s", strerror(errno));
            return GW_ESYS;
        }
        b->ckpt_started = true;
    }
    if (pthread_create(&b->tid, NULL, kafka_main, b) != 0) {
        snprintf(err, errlen, "cannot start the Kafka thread: %s", strerror(errno));
        gw_backbone_stop(b);
        return GW_ESYS;
    }
    b->started = true;
    return 0;
}

void gw_backbone_stop(gw_backbone_t *b)
{
    if (b == NULL)
        return;
    if (b->started) {
        atomic_store(&b->stop, true);
        pthread_join(b->tid, NULL);
        b->started = false;
    }
    if (b->ckpt_started) { /* a checkpoint being written finishes (it is bounded in time) */
        pthread_mutex_lock(&b->ckpt_mu);
        b->ckpt_stop = true;
        pthread_cond_signal(&b->ckpt_cv);
        pthread_mutex_unlock(&b->ckpt_mu);
        pthread_join(b->ckpt_tid, NULL);
        b->ckpt_started = false;
    }
}

static void discard_all(gw_inflight_waiter_t *ws)
{
    while (ws != NULL) {
        gw_inflight_waiter_t *next = ws->next;
        gw_cmd_waiter_t *w = (gw_cmd_waiter_t *)ws;
        if (w->discard != NULL)
            w->discard(w);
        ws = next;
    }
}

void gw_backbone_free(gw_backbone_t *b)
{
    if (b == NULL)
        return;
    gw_backbone_stop(b);
    gw_producer_free(b->prod); /* reports of purged messages arrive here: the loops are closed */
    for (int t = 0; t < GW_CMD__COUNT; t++) {
        if (b->tables[t] == NULL)
            continue;
        gw_inflight_waiter_t *ws = NULL;
        gw_inflight_expire(b->tables[t], INT64_MAX, &ws);
        discard_all(ws);
        gw_inflight_free(b->tables[t]);
    }
    for (int32_t i = 0; i < b->bc_nparts; i++) {
        for (size_t j = b->bc[i].next; j < b->bc[i].n; j++)
            free(b->bc[i].items[j].mem);
        free(b->bc[i].items);
    }
    gw_txstore_free(b->tx);
    gw_accounts_free(b->acc);
    gw_codec_free(b->enc);
    gw_codec_free(b->dec);
    gw_registry_free(b->registry);
    if (b->probe != NULL)
        rd_kafka_destroy(b->probe);
    gw_topology_free(b->topo);
    free(b->props);
    pthread_mutex_destroy(&b->enc_mu);
    pthread_mutex_destroy(&b->state_mu);
    pthread_mutex_destroy(&b->ckpt_mu);
    pthread_cond_destroy(&b->ckpt_cv);
    free(b->ckpt_cut.offs);
    free(b->seen.slots);
    free(b->tx_trace);
    free(b);
}

gw_txstore_t *gw_backbone_txstore(gw_backbone_t *b)
{
    return b->tx;
}

gw_accounts_t *gw_backbone_accounts(gw_backbone_t *b)
{
    return b->acc;
}

bool gw_backbone_ready(gw_backbone_t *b, char *reason, size_t reasonlen)
{
    return kafka_ready(b, reason, reasonlen);
}

int64_t gw_backbone_timeout_ms(const gw_backbone_t *b)
{
    return b->timeout_ms;
}

/* ------------------------------------------------------------ /metrics */

#define LOAD(x) (b != NULL ? (long long)atomic_load_explicit(&b->stats.x, memory_order_relaxed) : 0LL)

void gw_backbone_render_metrics(gql_buf_t *out, void *data)
{
    const gw_backbone_t *b = data;
    gw_metrics_family(out, "gateway_kafka_produced_total", "counter", "Records produced to Kafka and acknowledged.",
                      LOAD(produced));
    gw_metrics_family(out, "gateway_kafka_produce_errors_total", "counter", "Records Kafka did not accept.",
                      LOAD(produce_errors));
    gw_metrics_family(out, "gateway_kafka_consumed_total", "counter", "Records consumed from Kafka.", LOAD(consumed));
    gw_metrics_family(out, "gateway_kafka_consumer_lag", "gauge", "Records behind the end of the consumed partitions.",
                      LOAD(consumer_lag));
    gql_buf_printf(out,
                   "# HELP gateway_projection_size Entries held by each projection.\n"
                   "# TYPE gateway_projection_size gauge\n"
                   "gateway_projection_size{projection=\"transactions\"} %lld\n"
                   "gateway_projection_size{projection=\"accounts\"} %lld\n",
                   LOAD(projection_transactions), LOAD(projection_accounts));
    gw_metrics_family(out, "gateway_kafka_bad_messages_total", "counter",
                      "Records skipped: not in the wire format, unknown schema id or undecodable.", LOAD(bad_messages));
    gw_metrics_family(out, "gateway_kafka_offset_resets_total", "counter",
                      "Partitions whose position was lost (events dropped).", LOAD(offset_resets));
    gw_metrics_family(out, "gateway_commands_timed_out_total", "counter",
                      "Commands whose feedback did not arrive in time.", LOAD(commands_timed_out));
    gw_metrics_family(out, "gateway_kafka_replayed", "gauge",
                      "1 once the boot replay reached the end offsets seen at start.", LOAD(replayed));
    gw_metrics_family(out, "gateway_kafka_duplicate_balance_changes_total", "counter",
                      "BalanceChanged of a (command, account) pair already folded, not folded again.",
                      LOAD(duplicates));
    gw_metrics_family(out, "gateway_kafka_replay_ms", "gauge",
                      "Milliseconds from the Kafka thread's start to the end of the boot replay.", LOAD(ready_ms));
    gw_metrics_family(out, "gateway_checkpoints_total", "counter", "Projection checkpoints written.",
                      LOAD(checkpoints));
    gw_metrics_family(out, "gateway_checkpoint_failures_total", "counter",
                      "Projection checkpoints abandoned (I/O error or over kafka.checkpoint_timeout_ms).",
                      LOAD(checkpoint_failures));
    gw_metrics_family(out, "gateway_checkpoint_write_ms", "gauge", "How long the last checkpoint took to write.",
                      LOAD(checkpoint_write_ms));
    gw_metrics_family(out, "gateway_checkpoint_loaded_transactions", "gauge",
                      "Transactions loaded from a checkpoint at start (0: none).", LOAD(checkpoint_loaded));
    gw_metrics_family(out, "gateway_checkpoint_load_ms", "gauge", "How long loading that checkpoint took.",
                      LOAD(checkpoint_load_ms));
    static const char *const STAGES[GW_STAGE__COUNT] = {"send", "ack", "feedback", "fetch", "answer", "total"};
    gql_buf_puts(out, "# HELP gateway_command_stage_seconds The stages of a command's path: send (resolver to "
                      "producer), ack (producer to broker acknowledgement), feedback (producer to feedback consumed), "
                      "fetch (the handler's produce timestamp to consumed, ms resolution), answer (feedback consumed "
                      "to answered on the loop), total.\n"
                      "# TYPE gateway_command_stage_seconds histogram\n");
    for (int i = 0; i < GW_STAGE__COUNT; i++) {
        char labels[32], text[2048];
        snprintf(labels, sizeof labels, "stage=\"%s\"", STAGES[i]);
        gw_hist_t none = {0}; /* Kafka disabled: the family, empty */
        size_t n = gw_hist_format(b != NULL ? &b->stages[i] : &none, "gateway_command_stage_seconds", labels, text,
                                  sizeof text);
        gql_buf_append(out, text, n < sizeof text ? n : sizeof text - 1);
    }
    gw_inflight_stats_t st = {0};
    if (b != NULL && b->tables[GW_CMD_TRANSFER] != NULL)
        gw_inflight_stats(b->tables[GW_CMD_TRANSFER], &st);
    gw_metrics_family(out, "gateway_transfer_uuid_reused_total", "counter",
                      "money_transfer requests refused at once: their uuid was in flight or answered for other "
                      "parameters.",
                      (long long)st.conflicts);
    int64_t age = b != NULL ? hb_age(b) : -1;
    gql_buf_printf(out,
                   "# HELP gateway_handler_heartbeat_age_seconds Seconds since the command handler's last heartbeat "
                   "(-1: none seen since start).\n"
                   "# TYPE gateway_handler_heartbeat_age_seconds gauge\n"
                   "gateway_handler_heartbeat_age_seconds %.3f\n",
                   age < 0 ? -1.0 : (double)age / 1000.0);
    gw_metrics_family(out, "gateway_handler_heartbeats_total", "counter",
                      "Heartbeat records of the command handler read.", LOAD(heartbeats));
    gw_metrics_family(out, "gateway_commands_refused_handler_silent_total", "counter",
                      "New commands refused at once because the command handler was silent.", LOAD(refused_silent));
}
