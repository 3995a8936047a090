/*
 * command-handler — the bank's back office: consumes ConfirmAccountCreation and
 * ConfirmMoneyTransfer, applies the bank's rules (bank.c) and produces the
 * feedback and BalanceChanged events, on whatever topics the topology names.
 *
 *   command-handler --brokers HOST:PORT [--topology FILE] [--state-dir DIR]
 *                   [--snapshot-interval SECONDS] [--fetch-wait-ms N] [--schema-registry URL]
 *                   [--heartbeat-interval-ms N] [--check-config] [--auth-mode open|session]
 *   (env: KAFKA_BROKERS, GW_TOPOLOGY, GW_STATE_DIR, SCHEMA_REGISTRY_URL, KAFKA_FETCH_WAIT_MS, KAFKA_LINGER_MS,
 *    KAFKA_MAX_IN_FLIGHT, BANK_AUTH_MODE, BANK_COMPANY_TOKEN)
 *
 * Heartbeat, as in the original Open Bank topology: once live, a Heartbeat
 * record {beat: N} (N counting from 1 at each start) goes to the topology's
 * heartbeat topic every --heartbeat-interval-ms (default 1000; 0: none). The
 * gateways read it from its end and refuse new commands at once while it is
 * missing (kafka.heartbeat_timeout_ms). A heartbeat that cannot be sent is
 * counted and logged, never fatal: it carries no state.
 *
 * --check-config prints the effective settings (options over environment over
 * defaults) after loading the topology, and exits 0, or 1 when something is
 * wrong; it touches neither the network nor the state directory.
 *
 * Auth mode (the gateway's auth.mode, docs/security.md "Authorization"): open
 * keeps the original demo's rules, company token 00000000000000000000. In
 * session mode the company account's token is BANK_COMPANY_TOKEN (20 decimal
 * digits, not the demo's); without it the handler refuses to start.
 *
 * Schema ids: pinned by the topology, or, with a registry, learned by registering
 * our schemas under the topology's subjects; writer schemas of unknown ids are
 * fetched from the registry when met.
 *
 * Start-up, event-sourced: load DIR/snapshot if there is one, then replay the
 * output topics from the snapshot's offsets (or from offset 0) to the end they
 * had at start; refuse to start, saying why, when the log cannot give that (the
 * broker lost data the snapshot saw, or retention dropped events no snapshot
 * covers). Then read the command topics from the snapshot's offsets: commands
 * answered before (their feedback was replayed) are passed over in silence, the
 * rest are handled. Live, a repeated command id gets its earlier answer again.
 *
 * Atomic effects, without Kafka transactions (the mock broker accepts them but
 * shows aborted records to read_committed readers: tools/embedded-kafka's
 * txn-probe): a transfer's BalanceChanged events are its decision record, each
 * carrying the command's id and key in its headers; its feedback is held back
 * until they are acknowledged (acks=all, idempotent producer; any other answer
 * until every answer before it left: held_t says why).
 * So a feedback in the log implies its balance changes are there, and a client
 * is told only what the log holds. A stop between the
 * two: the restart reads a BalanceChanged with no feedback, derives the other
 * side from it (from_to, the amount the other way) and the feedback, and sends
 * them before reading any command; the command, read again, is then answered.
 * docs/architecture.md, "Failure modes", gives the whole argument.
 *
 * A snapshot is written every --snapshot-interval seconds when no message is in
 * flight (so the state it holds is exactly what the output topics hold up to its
 * offsets) and at SIGTERM/SIGINT after a flush. A message that cannot be
 * delivered stops the handler without a snapshot: the restart replays what
 * landed.
 *
 * --fetch-wait-ms (default 1) is the consumer's fetch.wait.max.ms: the mock broker
 * holds a fetch on an idle partition for all of it, so it is the added latency
 * per hop there (1 ms costs ~6% of a core idle; 0 busy-polls). Real Kafka
 * answers as soon as data arrives: raise it there (e.g. 100).
 *
 * Run one handler per topology: the snapshot's output offsets assume that only
 * this handler writes the output topics.
 *
 * stdout gets one line, `READY`, once live; logs and counters go to stderr, and
 * DIR/metrics holds the counters in Prometheus text form.
 *
 * Tracing (gateway/events/trace.h), on when OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (OTEL_SERVICE_NAME, default
 * "command-handler"; OTEL_TRACES_SAMPLER/_ARG): a command's traceparent
 * header is continued by a consumer span "<topic> process"; under it, a
 * producer span "<topic> send" per BalanceChanged (ended once the command's
 * balance changes are acknowledged) and one for the feedback (from the
 * decision until it is produced: the hold is part of it), each record
 * carrying its span's traceparent/tracestate headers.
 */
#include "bank.h"
#include "events.h"
#include "hist.h"
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_TOPICS 16

/*
 * A command's answer (its feedback record, encoded) held back until the broker
 * has acknowledged (acks=all) what it rests on, so that a feedback in the log
 * implies its command's balance changes are there and a client is told only
 * what the log holds:
 *  - an answer with balance changes (a transfer that moved money) waits for its
 *    own BalanceChanged. The state it was decided on is in the log then too:
 *    the earlier changes of the accounts it touched precede its own on their
 *    partitions (one idempotent producer: what lands is a prefix of what was
 *    sent), and any BalanceChanged of an earlier transfer is that transfer's
 *    decision (a restart finishes it);
 *  - any other answer (a refusal, an account, a repeat) waits for every answer
 *    before it, so it is never decided on changes the log may not get.
 * Entries are kept in command order; a BalanceChanged's delivery opaque points
 * at its entry.
 */
typedef struct held {
    struct held *next;
    int outstanding;   /* BalanceChanged of this command not yet acknowledged */
    int moved;         /* 1: balance changes were sent for it */
    const char *topic; /* the feedback's topic (the topology's) */
    char *key;         /* owned; NULL: no key */
    size_t klen;
    void *value; /* owned, the encoded feedback; NULL: none (a command that answers nothing) */
    size_t vlen;
    uint64_t consumed_ns;                        /* when its command was consumed (gw_hist_now_ns) */
    char digest[2 * GW_TRANSFER_DIGEST_LEN + 1]; /* a transfer's "command-digest" header; "" = none */
    /* tracing (malloc'd; NULL: off or not sampled): the feedback's producer span,
     * and those of the BalanceChanged sent, ended when all are acknowledged */
    gw_span_t *fb_span;
    gw_span_t *bc_spans[4];
    int nbc_spans;
} held_t;

/* The handler's whole state; one per process, passed to every callback. */
typedef struct handler {
    gw_topology_t *topo;
    gw_codec_t *codec;
    gw_registry_t *registry; /* NULL: schema ids pinned by the topology; else remembers ids it lacks */
    ch_bank_t *bank;
    gw_producer_t *prod;
    const char *state_dir;
    const char *company_token; /* session mode: the company account's token (BANK_COMPANY_TOKEN), else NULL */
    gw_kafka_conf_t kconf;
    sigset_t signals;
    /* positions covered by the state: outputs delivered (or replayed), commands handled */
    ch_snap_offset_t *offs;
    size_t noffs, capoffs;
    int live;                 /* the command topics' replay is done */
    int fatal;                /* a message was not delivered */
    int dirty;                /* state changed since the last snapshot */
    const char *topic;        /* the topic of the message being handled (for errors) */
    held_t *held, *held_tail; /* answers waiting for their BalanceChanged acknowledgements (oldest first) */
    size_t nheld;
    /* counters */
    uint64_t commands, repeated, conflicts, skipped_answered, bad_messages, foreign_records, produced, delivered,
        failed;
    uint64_t replayed_events, resets, snapshots, held_max, completed_at_start;
    /* handler_stage_seconds (live commands): fetch (the command's Kafka
     * timestamp -> consumed, ms resolution), decide (consumed -> its balance
     * changes queued), answer (consumed -> its feedback queued, after the
     * balance changes were acknowledged) */
    gw_hist_t stage_fetch, stage_decide, stage_answer;
    uint64_t beats, beats_delivered, beats_failed; /* heartbeats; &beats is their delivery opaque */
    gw_tracer_t *tracer;                           /* NULL: tracing off */
    const gw_span_t *process;                      /* the span of the command being handled, or NULL */
} handler_t;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("command-handler: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void trace_log(void *ctx, const char *message)
{
    (void)ctx;
    logf_("%s", message);
}

/* Records that topic/partition is covered up to next (never moves backwards). */
static void note_offset(handler_t *h, const char *topic, int32_t partition, int64_t next)
{
    for (size_t i = 0; i < h->noffs; i++)
        if (h->offs[i].partition == partition && strcmp(h->offs[i].topic, topic) == 0) {
            if (next > h->offs[i].offset)
                h->offs[i].offset = next;
            return;
        }
    if (h->noffs == h->capoffs) {
        size_t cap = h->capoffs ? h->capoffs * 2 : 64;
        ch_snap_offset_t *n = realloc(h->offs, cap * sizeof(*n));
        if (n == NULL) {
            logf_("out of memory noting offsets");
            h->fatal = 1;
            return;
        }
        h->offs = n;
        h->capoffs = cap;
    }
    ch_snap_offset_t *o = &h->offs[h->noffs++];
    snprintf(o->topic, sizeof(o->topic), "%s", topic);
    o->partition = partition;
    o->offset = next;
}

/* The snapshot offsets that belong to `topics`, as consumer start offsets: a
 * malloc'd array of *n (borrowing h->offs's topic names until h->offs changes),
 * or NULL when out of memory. */
static gw_start_offset_t *starts_for(const handler_t *h, const char *const *topics, size_t nt, size_t *n)
{
    gw_start_offset_t *out = calloc(h->noffs + 1, sizeof(*out));
    *n = 0;
    for (size_t i = 0; out && i < h->noffs; i++)
        for (size_t t = 0; t < nt; t++)
            if (strcmp(h->offs[i].topic, topics[t]) == 0)
                out[(*n)++] = (gw_start_offset_t){h->offs[i].topic, h->offs[i].partition, h->offs[i].offset};
    return out;
}

static void write_metrics(const handler_t *h)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof(path), "%s/metrics", h->state_dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return;
    const gw_codec_stats_t *cs = gw_codec_stats(h->codec);
    fprintf(f,
            "handler_commands_total %" PRIu64 "\nhandler_commands_repeated_total %" PRIu64
            "\nhandler_commands_uuid_reused_total %" PRIu64 "\nhandler_commands_skipped_answered_total %" PRIu64
            "\nhandler_bad_messages_total %" PRIu64 "\nhandler_foreign_records_total %" PRIu64
            "\nhandler_produced_total %" PRIu64 "\nhandler_delivered_total %" PRIu64
            "\nhandler_delivery_failed_total %" PRIu64 "\nhandler_replayed_events_total %" PRIu64
            "\nhandler_offset_resets_total %" PRIu64 "\nhandler_snapshots_total %" PRIu64
            "\nhandler_completed_at_start_total %" PRIu64 "\nhandler_held_answers_max %" PRIu64
            "\nhandler_heartbeats_total %" PRIu64 "\nhandler_heartbeats_failed_total %" PRIu64
            "\nhandler_accounts %zu\nhandler_answers %zu\n"
            "codec_rejected_total{cause=\"magic\"} %" PRIu64 "\ncodec_rejected_total{cause=\"unknown_id\"} %" PRIu64
            "\ncodec_rejected_total{cause=\"malformed\"} %" PRIu64 "\ncodec_rejected_total{cause=\"too_big\"} %" PRIu64
            "\nhandler_trace_spans_exported_total %" PRIu64 "\nhandler_trace_spans_dropped_total %" PRIu64 "\n",
            h->commands, h->repeated, h->conflicts, h->skipped_answered, h->bad_messages, h->foreign_records,
            h->produced, h->delivered, h->failed, h->replayed_events, h->resets, h->snapshots, h->completed_at_start,
            h->held_max, h->beats_delivered, h->beats_failed, ch_bank_account_count(h->bank),
            ch_bank_answer_count(h->bank), cs->err_magic, cs->err_unknown, cs->err_malformed, cs->err_too_big,
            gw_tracer_exported(h->tracer), gw_tracer_dropped(h->tracer));
    const gw_hist_t *stages[] = {&h->stage_fetch, &h->stage_decide, &h->stage_answer};
    const char *names[] = {"stage=\"fetch\"", "stage=\"decide\"", "stage=\"answer\""};
    for (size_t i = 0; i < 3; i++) {
        char text[2048];
        gw_hist_format(stages[i], "handler_stage_seconds", names[i], text, sizeof text);
        fputs(text, f);
    }
    if (fclose(f) == 0)
        rename(tmp, path);
}

/* Writes the state and the offsets it covers to the state directory; 0 or the
 * write's CH_E* code (logged: a failed snapshot does not stop the handler). */
static int snapshot(handler_t *h)
{
    char err[512];
    int rc = ch_bank_snapshot_write(h->bank, h->state_dir, h->offs, h->noffs, err, sizeof(err));
    if (rc != 0) {
        logf_("snapshot failed: %s", err);
        return rc;
    }
    h->snapshots++;
    h->dirty = 0;
    write_metrics(h);
    return 0;
}

/* ------------------------------------------------------------- callbacks */

static void on_delivery(void *ctx, const gw_delivery_t *d)
{
    handler_t *h = ctx;
    if (d->opaque == &h->beats) { /* a heartbeat: no state rests on it */
        if (d->err == 0)
            h->beats_delivered++;
        else if (h->beats_failed++ % 60 == 0)
            logf_("WARNING: a heartbeat was not delivered (%s)", d->error);
        return;
    }
    if (d->opaque != NULL && d->err == 0)
        ((held_t *)d->opaque)->outstanding--; /* released by release_held, outside this callback */
    if (d->err) {
        h->failed++;
        h->fatal = 1;
        logf_("FATAL: a message to %s was not delivered (%s); stopping without a snapshot", d->topic, d->error);
        return;
    }
    h->delivered++;
    note_offset(h, d->topic, d->partition, d->offset + 1);
}

static void on_reset(void *ctx, const char *topic, int32_t partition, int64_t offset, const char *reason)
{
    handler_t *h = ctx;
    h->resets++;
    logf_("WARNING: %s[%d] at %" PRId64 ": %s; reading it again from its beginning (commands may have been lost)",
          topic, (int)partition, offset, reason);
}

static void on_error(void *ctx, const char *msg)
{
    (void)ctx;
    logf_("kafka: %s", msg);
}

/* Decodes m into *ev; with a registry, learns a writer schema it has not seen
 * (blocking: this program has no event loop) and tries again. 0 or a negative
 * GW_EV_* code (gateway/events's: decoding is that library's work). */
static int decode(handler_t *h, const gw_kmsg_t *m, gw_event_t *ev, char *err, size_t errlen)
{
    if (m->value == NULL) {
        snprintf(err, errlen, "no value");
        return GW_EV_EMALFORMED;
    }
    char why[512];
    int rc = gw_registry_decode(h->registry, h->codec, m->value, m->vlen, ev, err, errlen, why, sizeof(why));
    if (why[0] != '\0')
        logf_("%s", why);
    return rc;
}

/* Replay: one of our own output events. */
static void on_output(void *ctx, const gw_kmsg_t *m)
{
    handler_t *h = ctx;
    gw_event_t ev;
    char err[256];
    note_offset(h, m->topic, m->partition, m->offset + 1);
    if (decode(h, m, &ev, err, sizeof(err)) != 0) {
        h->bad_messages++;
        logf_("skipping %s[%d]@%" PRId64 ": %s", m->topic, (int)m->partition, m->offset, err);
        return;
    }
    /* the command a BalanceChanged was made for, if its producer said */
    gw_uuid_t cause;
    const void *hv;
    size_t hl;
    char hs[GW_UUID_STRLEN + 1];
    int have_cause = gw_kmsg_header(m, "command-id", &hv, &hl) == 0 && hl == GW_UUID_STRLEN;
    if (have_cause) {
        memcpy(hs, hv, hl);
        hs[hl] = '\0';
        have_cause = gw_uuid_parse(hs, &cause) == 0;
    }
    const void *kv = NULL;
    size_t kl = 0;
    int has_key = have_cause && gw_kmsg_header(m, "command-key", &kv, &kl) == 0;
    int rc = ch_bank_apply_from(h->bank, &ev, have_cause ? &cause : NULL, kv, kl, has_key);
    /* a transfer's answer: bound to the parameters its feedback names (a
     * refused reuse names the refused command's: not the answer's) */
    const void *dv;
    size_t dl;
    uint8_t digest[GW_TRANSFER_DIGEST_LEN];
    if (rc == 0 &&
        (ev.type == GW_REC_MONEY_TRANSFER_CONFIRMED ||
         (ev.type == GW_REC_MONEY_TRANSFER_FAILED &&
          (ev.u.money_transfer_failed.reason == NULL ||
           strcmp(ev.u.money_transfer_failed.reason, CH_REASON_UUID_REUSED) != 0))) &&
        gw_kmsg_header(m, "command-digest", &dv, &dl) == 0 && gw_transfer_digest_parse(dv, dl, digest) == 0)
        ch_bank_bind_digest(h->bank, gw_event_id(&ev), digest);
    if (rc == CH_EINVAL)
        h->foreign_records++;
    else if (rc != 0) {
        logf_("FATAL: out of memory replaying");
        h->fatal = 1;
    } else
        h->replayed_events++;
    gw_event_clear(&ev);
}

/* Queues value (malloc'd; the producer's in every case) on topic; a full
 * producer queue is waited out (delivery reports served) for up to ~10 s.
 * 0, or CH_EKAFKA (logged, and the handler marked to stop). */
static int produce(handler_t *h, const char *topic, const char *key, size_t klen, void *value, size_t vlen,
                   const gw_header_t *hdr, size_t nhdr, void *opaque)
{
    char err[256];
    for (int attempt = 0; attempt < 100; attempt++) {
        void *copy = NULL;
        if (attempt < 99 && (copy = malloc(vlen ? vlen : 1)) != NULL)
            memcpy(copy, value, vlen);
        if (gw_producer_send(h->prod, topic, -1, key, klen, copy ? copy : value, vlen, hdr, nhdr, opaque, err,
                             sizeof(err)) == 0) {
            if (copy != NULL)
                free(value);
            h->produced++;
            return 0;
        }
        if (copy == NULL) /* value went to the producer */
            break;
        gw_producer_poll(h->prod, 100);
    }
    logf_("FATAL: cannot send to %s: %s", topic, err);
    h->fatal = 1;
    return CH_EKAFKA;
}

/* Tracing: a producer span "<topic> send" under the command's process span
 * (malloc'd, or NULL when tracing is off or it is not sampled). */
static gw_span_t *span_send(handler_t *h, const char *topic)
{
    if (h->tracer == NULL || h->process == NULL)
        return NULL;
    gw_span_t *s = malloc(sizeof(*s));
    if (s == NULL)
        return NULL;
    char name[GW_SPAN_NAME_MAX];
    snprintf(name, sizeof(name), "%s send", topic);
    gw_trace_ctx_t parent = gw_span_ctx(h->process);
    gw_span_start(h->tracer, s, name, GW_SPAN_PRODUCER, &parent);
    if (!gw_trace_ctx_valid(&s->ctx)) {
        free(s);
        return NULL;
    }
    gw_span_attr_str(s, "messaging.system", "kafka", 5);
    gw_span_attr_str(s, "messaging.destination.name", topic, strlen(topic));
    return s;
}

/* Adds span's traceparent (into tp) and tracestate to hdr[*n]. */
static void span_headers(const gw_span_t *span, gw_header_t *hdr, size_t *n, char tp[GW_TRACEPARENT_LEN + 1])
{
    if (span == NULL)
        return;
    gw_trace_ctx_t c = gw_span_ctx(span);
    hdr[(*n)++] = (gw_header_t){"traceparent", tp, gw_traceparent_format(&c, tp)};
    if (c.state_len > 0)
        hdr[(*n)++] = (gw_header_t){"tracestate", c.state, c.state_len};
}

static void span_finish(handler_t *h, gw_span_t **s, gw_span_status_t status)
{
    if (*s == NULL)
        return;
    gw_span_end(h->tracer, *s, status);
    free(*s);
    *s = NULL;
}

/* Sends every held answer whose turn has come (see held_t), oldest first. */
static void release_held(handler_t *h)
{
    held_t **link = &h->held, *prev = NULL;
    int all_before = 1; /* every entry before this one was released */
    while (*link != NULL && !h->fatal) {
        held_t *e = *link;
        if (e->outstanding != 0 || (!e->moved && !all_before)) {
            all_before = 0;
            prev = e;
            link = &e->next;
            continue;
        }
        *link = e->next;
        if (h->held_tail == e)
            h->held_tail = prev;
        h->nheld--;
        for (int i = 0; i < e->nbc_spans; i++) /* its balance changes are acknowledged */
            span_finish(h, &e->bc_spans[i], GW_STATUS_UNSET);
        gw_header_t hdr[3];
        size_t nhdr = 0;
        char tp[GW_TRACEPARENT_LEN + 1];
        span_headers(e->fb_span, hdr, &nhdr, tp);
        if (e->digest[0])
            hdr[nhdr++] = (gw_header_t){"command-digest", e->digest, strlen(e->digest)};
        if (e->value != NULL) {
            produce(h, e->topic, e->key, e->klen, e->value, e->vlen, nhdr ? hdr : NULL, nhdr, NULL);
            if (e->consumed_ns != 0)
                gw_hist_observe(&h->stage_answer, gw_hist_now_ns() - e->consumed_ns);
        }
        span_finish(h, &e->fb_span, h->fatal ? GW_STATUS_ERROR : GW_STATUS_UNSET);
        free(e->key);
        free(e);
    }
}

/* Encodes one produced event and sends it to its topic, keyed as the topology
 * says (`key`/`klen`: the command's key). A BalanceChanged carries the id and
 * the key of its command in the headers "command-id" and "command-key" (so
 * that a restart can tell, and finish, a half-applied transfer from the log
 * alone) and counts in `e`; any other event is the command's answer and is
 * kept in `e` until release_held. 0, or CH_EKAFKA / CH_ENOMEM (logged, the
 * handler marked to stop). */
static int send_event(handler_t *h, const gw_event_t *ev, const gw_uuid_t *command, const char *ckey, size_t cklen,
                      held_t *e)
{
    const gw_topic_t *t = gw_topology_topic_of(h->topo, ev->type);
    char key[512], cid[GW_UUID_STRLEN + 1];
    int klen = gw_topology_key(t, ev, ckey, ckey ? cklen : 0, key, sizeof(key));
    void *buf;
    size_t len;
    if (klen < 0 || gw_codec_encode(h->codec, ev, &buf, &len) != 0) {
        logf_("FATAL: cannot encode a %s for %s", gw_rec_name(ev->type), t->name);
        h->fatal = 1;
        return CH_EKAFKA;
    }
    if (ev->type == GW_REC_BALANCE_CHANGED) {
        gw_uuid_format(command, cid);
        gw_header_t hdr[4] = {{"command-id", cid, GW_UUID_STRLEN}, {"command-key", ckey ? ckey : "", ckey ? cklen : 0}};
        size_t nhdr = ckey ? 2 : 1;
        char tp[GW_TRACEPARENT_LEN + 1];
        gw_span_t *span = e->nbc_spans < 4 ? span_send(h, t->name) : NULL;
        if (span != NULL) {
            gw_span_attr_str(span, "bank.iban", ev->u.balance_changed.iban, strlen(ev->u.balance_changed.iban));
            e->bc_spans[e->nbc_spans++] = span;
            span_headers(span, hdr, &nhdr, tp);
        }
        e->outstanding++;
        e->moved = 1;
        if (produce(h, t->name, klen > 0 ? key : NULL, (size_t)klen, buf, len, hdr, nhdr, e) != 0) {
            e->outstanding--;
            return CH_EKAFKA;
        }
        return 0;
    }
    free(e->value); /* one answer per command */
    free(e->key);
    span_finish(h, &e->fb_span, GW_STATUS_UNSET);
    e->fb_span = span_send(h, t->name);
    e->topic = t->name;
    e->value = buf;
    e->vlen = len;
    e->key = NULL;
    e->klen = 0;
    if (klen > 0 && (e->key = malloc((size_t)klen)) == NULL) {
        logf_("FATAL: out of memory holding an answer");
        h->fatal = 1;
        return CH_ENOMEM;
    }
    if (klen > 0) {
        memcpy(e->key, key, (size_t)klen);
        e->klen = (size_t)klen;
    }
    return 0;
}

/* Sends what one command produced: its balance changes now, its answer when
 * release_held says (see held_t). 0 or a CH_E*
 * code (the handler marked to stop). */
static int send_outputs(handler_t *h, const ch_bank_out_t *out, const gw_uuid_t *command, const char *ckey,
                        size_t cklen, uint64_t consumed_ns)
{
    held_t *e = calloc(1, sizeof(*e));
    if (e == NULL) {
        logf_("FATAL: out of memory holding an answer");
        h->fatal = 1;
        return CH_ENOMEM;
    }
    if (h->held_tail != NULL)
        h->held_tail->next = e;
    else
        h->held = e;
    h->held_tail = e;
    if (++h->nheld > h->held_max)
        h->held_max = h->nheld;
    e->consumed_ns = consumed_ns;
    if (out->has_digest)
        gw_transfer_digest_hex(out->digest, e->digest);
    for (int i = 0; i < out->n; i++)
        if (send_event(h, &out->ev[i], command, ckey, cklen, e) != 0)
            return CH_EKAFKA;
    if (consumed_ns != 0)
        gw_hist_observe(&h->stage_decide, gw_hist_now_ns() - consumed_ns);
    release_held(h);
    return 0;
}

/* Sends the next heartbeat to the topology's heartbeat topic (no key, no
 * headers, opaque &h->beats). Failures are counted, never fatal. */
static void send_heartbeat(handler_t *h)
{
    const gw_topic_t *t = gw_topology_topic_of(h->topo, GW_REC_HEARTBEAT);
    if (t == NULL)
        return;
    gw_event_t ev = {.type = GW_REC_HEARTBEAT};
    ev.u.heartbeat.beat = (int64_t)++h->beats;
    void *buf;
    size_t len;
    char err[256];
    if (gw_codec_encode(h->codec, &ev, &buf, &len) != 0 ||
        gw_producer_send(h->prod, t->name, -1, NULL, 0, buf, len, NULL, 0, &h->beats, err, sizeof(err)) != 0) {
        if (h->beats_failed++ % 60 == 0)
            logf_("WARNING: cannot send a heartbeat to %s", t->name);
    }
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Frees the answers never sent (a fatal stop: the restart derives them again). */
static void drop_held(handler_t *h)
{
    while (h->held != NULL) {
        held_t *e = h->held;
        h->held = e->next;
        for (int i = 0; i < e->nbc_spans; i++)
            span_finish(h, &e->bc_spans[i], GW_STATUS_ERROR);
        span_finish(h, &e->fb_span, GW_STATUS_ERROR);
        free(e->value);
        free(e->key);
        free(e);
    }
    h->held_tail = NULL;
    h->nheld = 0;
}

/* Live: a command. */
static void on_command(void *ctx, const gw_kmsg_t *m)
{
    handler_t *h = ctx;
    gw_event_t cmd;
    char err[256];
    if (h->fatal)
        return;
    uint64_t consumed_ns = h->live ? gw_hist_now_ns() : 0; /* replayed commands are not timed */
    if (h->live)
        gw_hist_observe_since_ms(&h->stage_fetch, m->timestamp_ms);
    if (decode(h, m, &cmd, err, sizeof(err)) != 0) {
        h->bad_messages++;
        logf_("skipping %s[%d]@%" PRId64 ": %s", m->topic, (int)m->partition, m->offset, err);
        note_offset(h, m->topic, m->partition, m->offset + 1);
        h->dirty = 1;
        return;
    }
    ch_bank_out_t out;
    int rc = 0;
    if (cmd.type != GW_REC_CONFIRM_ACCOUNT_CREATION && cmd.type != GW_REC_CONFIRM_MONEY_TRANSFER) {
        h->foreign_records++;
    } else if (!h->live && ch_bank_answered(h->bank, gw_event_id(&cmd))) {
        /* answered before this start: its feedback is already in the output
         * topics. A reuse of the id with other parameters is passed over too:
         * its refusal is not recorded, and refusing again on every rebuild
         * would repeat it in the log (its client, if still waiting, times out
         * and gets the refusal when it retries) */
        h->skipped_answered++;
    } else {
        /* tracing: continue the gateway's producer span from the headers */
        gw_span_t process;
        gw_trace_ctx_t parent;
        const void *hv;
        size_t hl;
        memset(&parent, 0, sizeof(parent));
        if (h->tracer != NULL) {
            if (gw_kmsg_header(m, "traceparent", &hv, &hl) == 0 && gw_traceparent_parse(hv, hl, &parent) == 0 &&
                gw_kmsg_header(m, "tracestate", &hv, &hl) == 0) {
                parent.state = hv;
                parent.state_len = gw_tracestate_keep(hv, hl);
            }
            char name[GW_SPAN_NAME_MAX];
            snprintf(name, sizeof(name), "%s process", m->topic);
            gw_span_start(h->tracer, &process, name, GW_SPAN_CONSUMER, &parent);
            gw_span_attr_str(&process, "messaging.system", "kafka", 5);
            gw_span_attr_str(&process, "messaging.destination.name", m->topic, strlen(m->topic));
            gw_span_attr_int(&process, "messaging.kafka.offset", m->offset);
            gw_span_attr_str(&process, "bank.command", gw_rec_name(cmd.type), strlen(gw_rec_name(cmd.type)));
            h->process = &process;
        }
        rc = ch_bank_handle(h->bank, &cmd, &out);
        if (rc != 0) {
            logf_("FATAL: %s handling %s[%d]@%" PRId64, ch_strerror(rc), m->topic, (int)m->partition, m->offset);
            h->fatal = 1;
            if (h->process != NULL)
                gw_span_end(h->tracer, &process, GW_STATUS_ERROR);
            h->process = NULL;
            gw_event_clear(&cmd);
            return;
        }
        h->commands++;
        h->repeated += (uint64_t)out.repeated;
        h->conflicts += (uint64_t)out.conflict;
        if (out.completed)
            logf_("completed a transfer left half-done by the last stop (%s[%d]@%" PRId64 ")", m->topic,
                  (int)m->partition, m->offset);
        send_outputs(h, &out, gw_event_id(&cmd), m->key, m->key ? m->klen : 0, consumed_ns);
        if (h->process != NULL) {
            gw_span_attr_int(&process, "bank.repeated", out.repeated);
            gw_span_end(h->tracer, &process, h->fatal ? GW_STATUS_ERROR : GW_STATUS_UNSET);
        }
        h->process = NULL;
    }
    note_offset(h, m->topic, m->partition, m->offset + 1);
    h->dirty = 1;
    gw_event_clear(&cmd);
}

static void on_commands_replayed(void *ctx)
{
    handler_t *h = ctx;
    h->live = 1;
    logf_("live: %zu accounts, %zu answers, %" PRIu64 " replayed events, %" PRIu64 " commands handled at start",
          ch_bank_account_count(h->bank), ch_bank_answer_count(h->bank), h->replayed_events, h->commands);
    printf("READY\n");
    fflush(stdout);
}

static void on_outputs_replayed(void *ctx)
{
    (void)ctx;
}

/* ------------------------------------------------------------------ main */

static int stop_requested(handler_t *h)
{
    struct timespec zero = {0, 0};
    int sig = sigtimedwait(&h->signals, NULL, &zero);
    return sig == SIGTERM || sig == SIGINT;
}

/* Adds the topic of record type t to list (once). */
static void add_topic(const gw_topology_t *topo, gw_rec_type_t t, const char **list, size_t *n)
{
    const gw_topic_t *tp = gw_topology_topic_of(topo, t);
    if (tp == NULL)
        return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(list[i], tp->name) == 0)
            return;
    if (*n < MAX_TOPICS)
        list[(*n)++] = tp->name;
}

/* Warns when a topic's partition count differs from the topology's (e.g. the
 * mock auto-created it with 4 because it was started with another topology). */
static void check_partitions(const handler_t *h, const gw_consumer_t *c)
{
    size_t np;
    const gw_partition_info_t *pi = gw_consumer_partitions(c, &np);
    for (size_t i = 0; i < h->topo->ntopics; i++) {
        const gw_topic_t *t = &h->topo->topics[i];
        int32_t n = 0, seen = 0;
        for (size_t k = 0; k < np; k++)
            if (strcmp(pi[k].topic, t->name) == 0) {
                seen = 1;
                n++;
            }
        if (seen && n != t->partitions)
            logf_("WARNING: topic %s has %d partitions, the topology says %d (was the broker started with another "
                  "topology? the mock auto-creates unknown topics with 4)",
                  t->name, (int)n, (int)t->partitions);
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: command-handler --brokers HOST:PORT [--topology FILE] [--state-dir DIR]\n"
               "                       [--snapshot-interval SECONDS] [--fetch-wait-ms N] [--schema-registry URL]\n"
               "                       [--heartbeat-interval-ms N] [--check-config] [--auth-mode open|session]\n"
               "env: KAFKA_BROKERS, GW_TOPOLOGY (default schema/topology.yaml), GW_STATE_DIR\n"
               "     (default ./command-handler-state), SCHEMA_REGISTRY_URL, KAFKA_FETCH_WAIT_MS, KAFKA_LINGER_MS,\n"
               "     KAFKA_MAX_IN_FLIGHT (default 1; 5 only on a broker that checks sequences),\n"
               "     BANK_AUTH_MODE (default open), BANK_COMPANY_TOKEN (session mode: the company account's token,\n"
               "     20 decimal digits)\n");
}

static int run(handler_t *h, int snapshot_interval, int heartbeat_ms)
{
    char err[1024];
    const char *outputs[MAX_TOPICS], *commands[MAX_TOPICS];
    size_t nout = 0, ncmd = 0;
    static const gw_rec_type_t out_types[] = {GW_REC_ACCOUNT_CREATION_CONFIRMED, GW_REC_ACCOUNT_CREATION_FAILED,
                                              GW_REC_MONEY_TRANSFER_CONFIRMED, GW_REC_MONEY_TRANSFER_FAILED,
                                              GW_REC_BALANCE_CHANGED};
    for (size_t i = 0; i < sizeof(out_types) / sizeof(out_types[0]); i++) {
        if (gw_topology_topic_of(h->topo, out_types[i]) == NULL) {
            logf_("the topology has no topic for %s", gw_rec_name(out_types[i]));
            return 1;
        }
        add_topic(h->topo, out_types[i], outputs, &nout);
    }
    add_topic(h->topo, GW_REC_CONFIRM_ACCOUNT_CREATION, commands, &ncmd);
    add_topic(h->topo, GW_REC_CONFIRM_MONEY_TRANSFER, commands, &ncmd);
    if (ncmd == 0) {
        logf_("the topology has no command topic");
        return 1;
    }
    for (size_t i = 0; i < ncmd; i++)
        for (size_t j = 0; j < nout; j++)
            if (strcmp(commands[i], outputs[j]) == 0) {
                logf_("topic %s carries both commands and their outcomes; not supported", commands[i]);
                return 1;
            }

    /* 1. the snapshot */
    ch_snap_offset_t *soffs = NULL;
    size_t nsoffs = 0;
    int src = ch_bank_snapshot_read(h->bank, h->state_dir, &soffs, &nsoffs, err, sizeof(err));
    if (src < 0) {
        logf_("refusing to start: the snapshot cannot be read: %s (move it away to rebuild from the topics alone)",
              err);
        return 1;
    }
    for (size_t i = 0; i < nsoffs; i++)
        note_offset(h, soffs[i].topic, soffs[i].partition, soffs[i].offset);
    free(soffs);
    if (h->company_token != NULL && ch_bank_set_token(h->bank, CH_COMPANY_IBAN, h->company_token) != 0) {
        logf_("refusing to start: cannot set the company account's token");
        return 1;
    }
    logf_(src == CH_NO_SNAPSHOT ? "no snapshot: rebuilding from offset 0 (%zu, %zu)"
                                : "snapshot loaded: %zu accounts, %zu answers",
          ch_bank_account_count(h->bank), ch_bank_answer_count(h->bank));

    h->prod = gw_producer_new(&h->kconf, on_delivery, h, err, sizeof(err));
    if (h->prod == NULL) {
        logf_("%s", err);
        return 1;
    }
    /* learn the output topics now: a first message to an unknown topic waits ~1 s for
     * its metadata, and every answer held behind it with it */
    if (gw_producer_warm(h->prod, outputs, nout, 5000) != 0)
        logf_("WARNING: the metadata of some output topic did not come; it is learnt at its first message");

    /* 2. replay our own outputs */
    size_t ns;
    gw_start_offset_t *starts = starts_for(h, outputs, nout, &ns);
    if (starts == NULL)
        return 1;
    gw_consumer_opts_t opts = {starts, ns, 1};
    gw_consumer_cbs_t rcbs = {on_output, on_outputs_replayed, on_reset, on_error};
    int rc;
    gw_consumer_t *c = gw_consumer_new(&h->kconf, outputs, nout, &opts, &rcbs, h, &rc, err, sizeof(err));
    free(starts);
    if (c == NULL) {
        if (rc == GW_EV_ERANGE)
            logf_("refusing to start: the state cannot be rebuilt: %s. %s", err,
                  strstr(err, "lost data") != NULL
                      ? "The snapshot has seen events this cluster does not have (a restarted embedded broker "
                        "loses all data: start with an empty --state-dir then)."
                      : "Retention dropped events the state needs and no snapshot covers them (restore a newer "
                        "snapshot into --state-dir).");
        else
            logf_("refusing to start: %s", err);
        return 1;
    }
    check_partitions(h, c);
    size_t np;
    const gw_partition_info_t *pi = gw_consumer_partitions(c, &np);
    for (size_t i = 0; i < np; i++)
        note_offset(h, pi[i].topic, pi[i].partition, pi[i].position);
    while (!gw_consumer_replayed(c) && !h->fatal) {
        if (stop_requested(h)) {
            gw_consumer_free(c);
            return 0;
        }
        gw_consumer_poll(c, 100, 1000);
    }
    gw_consumer_free(c);
    if (h->fatal)
        return 1;
    size_t half = ch_bank_replay_done(h->bank);
    /* transfers whose BalanceChanged landed but whose feedback did not: their
     * BalanceChanged is the decision; the missing side and the feedback follow */
    ch_bank_out_t out;
    gw_uuid_t cid;
    const char *ckey;
    size_t cklen;
    while (!h->fatal && (rc = ch_bank_complete_next(h->bank, &out, &cid, &ckey, &cklen)) == 1) {
        h->completed_at_start++;
        send_outputs(h, &out, &cid, ckey, cklen, 0);
    }
    if (rc < 0) {
        logf_("FATAL: %s completing half-done transfers", ch_strerror(rc));
        return 1;
    }
    logf_("outputs replayed: %zu accounts, %zu answers, %" PRIu64 " half-done transfers completed from the log, %zu "
          "completed when their command is read again",
          ch_bank_account_count(h->bank), ch_bank_answer_count(h->bank), h->completed_at_start,
          half - (size_t)h->completed_at_start);

    /* 3. commands: catch up in silence on what was answered, then live */
    starts = starts_for(h, commands, ncmd, &ns);
    if (starts == NULL)
        return 1;
    opts = (gw_consumer_opts_t){starts, ns, 0};
    gw_consumer_cbs_t ccbs = {on_command, on_commands_replayed, on_reset, on_error};
    c = gw_consumer_new(&h->kconf, commands, ncmd, &opts, &ccbs, h, &rc, err, sizeof(err));
    free(starts);
    if (c == NULL) {
        logf_("cannot read the commands: %s", err);
        return 1;
    }
    check_partitions(h, c);
    pi = gw_consumer_partitions(c, &np);
    for (size_t i = 0; i < np; i++)
        note_offset(h, pi[i].topic, pi[i].partition, pi[i].position);

    /* A snapshot needs a moment with nothing in flight: when one is due, commands
     * wait (draining) until the producer has every delivery report. */
    time_t last = time(NULL);
    int stopping = 0, draining = 0;
    int64_t next_beat = 0; /* the first as soon as live */
    while (!h->fatal && !stopping) {
        /* not while draining for a snapshot, which waits for nothing in flight */
        if (heartbeat_ms > 0 && h->live && !draining && mono_ms() >= next_beat) {
            send_heartbeat(h);
            next_beat = mono_ms() + heartbeat_ms;
        }
        /* answers held for acknowledgements: poll the producer often */
        int busy = h->held != NULL;
        if (!draining)
            gw_consumer_poll(c, busy ? 0 : 50, 500);
        gw_producer_poll(h->prod, draining || busy ? 1 : 0);
        release_held(h);
        stopping = stop_requested(h);
        if (h->dirty && time(NULL) - last >= snapshot_interval)
            draining = 1;
        if (draining && gw_producer_inflight(h->prod) == 0 && h->held == NULL) {
            gw_producer_poll(h->prod, 0);
            if (!h->fatal)
                snapshot(h);
            last = time(NULL);
            draining = 0;
        }
    }
    gw_consumer_free(c);
    if (h->fatal)
        return 1;
    logf_("stopping: flushing");
    for (int round = 0; round < 3 && (h->held != NULL || gw_producer_inflight(h->prod) > 0); round++) {
        if (gw_producer_flush(h->prod, 15000) != 0)
            break;
        gw_producer_poll(h->prod, 0);
        release_held(h);
    }
    if (gw_producer_inflight(h->prod) > 0 || h->held != NULL || h->fatal) {
        logf_("FATAL: messages still undelivered at shutdown; no snapshot written");
        return 1;
    }
    snapshot(h);
    logf_("stopped: %" PRIu64 " commands (%" PRIu64 " repeated), %" PRIu64 " events delivered, %" PRIu64
          " bad messages skipped",
          h->commands, h->repeated, h->delivered, h->bad_messages);
    return 0;
}

int main(int argc, char **argv)
{
    handler_t h;
    memset(&h, 0, sizeof(h));
    const char *brokers = getenv("KAFKA_BROKERS");
    const char *topo_path = getenv("GW_TOPOLOGY");
    h.state_dir = getenv("GW_STATE_DIR");
    const char *registry_url = getenv("SCHEMA_REGISTRY_URL");
    const char *auth_mode = getenv("BANK_AUTH_MODE");
    int interval = 10, fetch_wait = 1, heartbeat_ms = 1000, check = 0; /* see tools/embedded-kafka/README.md */
    const char *lg_env = getenv("KAFKA_LINGER_MS");                    /* the producer's linger.ms (default 1) */
    int linger = lg_env != NULL && *lg_env != '\0' ? atoi(lg_env) : 1;
    const char *mif_env = getenv("KAFKA_MAX_IN_FLIGHT"); /* produce requests in flight (default 1: events.h) */
    int max_in_flight = mif_env != NULL && *mif_env != '\0' ? atoi(mif_env) : 1;
    const char *fw_env = getenv("KAFKA_FETCH_WAIT_MS");
    if (fw_env != NULL && *fw_env != '\0')
        fetch_wait = atoi(fw_env);
    for (int i = 1; i < argc; i += 2) { /* every option but the flags takes one value */
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--check-config") == 0) {
            check = 1;
            i--; /* no value */
            continue;
        }
        if (v == NULL) {
            usage(stderr);
            return 2;
        }
        if (strcmp(a, "--brokers") == 0)
            brokers = v;
        else if (strcmp(a, "--topology") == 0)
            topo_path = v;
        else if (strcmp(a, "--state-dir") == 0)
            h.state_dir = v;
        else if (strcmp(a, "--snapshot-interval") == 0)
            interval = atoi(v);
        else if (strcmp(a, "--schema-registry") == 0)
            registry_url = v;
        else if (strcmp(a, "--fetch-wait-ms") == 0)
            fetch_wait = atoi(v);
        else if (strcmp(a, "--heartbeat-interval-ms") == 0)
            heartbeat_ms = atoi(v);
        else if (strcmp(a, "--auth-mode") == 0)
            auth_mode = v;
        else {
            usage(stderr);
            return 2;
        }
    }
    if (brokers == NULL || *brokers == '\0') {
        fprintf(stderr, "command-handler: --brokers (or KAFKA_BROKERS) is required\n");
        usage(stderr);
        return 2;
    }
    if (auth_mode == NULL || *auth_mode == '\0')
        auth_mode = "open";
    if (strcmp(auth_mode, "session") == 0) {
        const char *t = getenv("BANK_COMPANY_TOKEN");
        size_t n = t != NULL ? strlen(t) : 0;
        bool digits = n == CH_TOKEN_LEN;
        for (size_t i = 0; digits && i < n; i++)
            digits = t[i] >= '0' && t[i] <= '9';
        if (!digits || strcmp(t, CH_COMPANY_TOKEN) == 0) {
            logf_("refusing to start: auth mode session needs BANK_COMPANY_TOKEN, the company account's token: "
                  "%d decimal digits, not the demo's %s",
                  CH_TOKEN_LEN, CH_COMPANY_TOKEN);
            return 1;
        }
        h.company_token = t;
    } else if (strcmp(auth_mode, "open") != 0) {
        fprintf(stderr, "command-handler: --auth-mode (or BANK_AUTH_MODE) must be open or session\n");
        return 2;
    }
    logf_("auth mode %s", auth_mode);
    if (topo_path == NULL || *topo_path == '\0')
        topo_path = "schema/topology.yaml";
    if (h.state_dir == NULL || *h.state_dir == '\0')
        h.state_dir = "command-handler-state";
    if (interval < 1)
        interval = 1;
    if (heartbeat_ms < 0)
        heartbeat_ms = 0;
    if (check) {
        gw_topology_t *topo = NULL;
        char err[1024];
        if (gw_topology_load(topo_path, &topo, err, sizeof(err)) != 0) {
            fprintf(stderr, "command-handler: %s\n", err);
            return 1;
        }
        const gw_topic_t *hb = gw_topology_topic_of(topo, GW_REC_HEARTBEAT);
        printf("# command-handler effective configuration\nbrokers: \"%s\"\ntopology: \"%s\"\nstate_dir: \"%s\"\n"
               "snapshot_interval_s: %d\nfetch_wait_ms: %d\nschema_registry_url: \"%s\"\n"
               "heartbeat_interval_ms: %d\nheartbeat_topic: \"%s\"\n",
               brokers, topo_path, h.state_dir, interval, fetch_wait, registry_url ? registry_url : "", heartbeat_ms,
               hb != NULL ? hb->name : "");
        gw_topology_free(topo);
        return 0;
    }
    if (mkdir(h.state_dir, 0755) != 0 && errno != EEXIST) {
        logf_("refusing to start: cannot create the state directory %s: %s", h.state_dir, strerror(errno));
        return 1;
    }

    sigemptyset(&h.signals);
    sigaddset(&h.signals, SIGTERM);
    sigaddset(&h.signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &h.signals, NULL);

    char err[1024];
    int status = 1;
    /* tracing: the OTEL_* environment only (this program has no configuration file) */
    gw_tracer_conf_t tc;
    char tc_url[1024];
    if (gw_tracer_conf_init(&tc, NULL, "command-handler", 1.0, tc_url, sizeof(tc_url), err, sizeof(err)) != 0) {
        logf_("%s", err);
        return 2;
    }
    tc.log = trace_log;
    if ((h.tracer = gw_tracer_new(&tc, err, sizeof(err))) == NULL && err[0] != '\0') {
        logf_("%s", err);
        return 1;
    }
    if (h.tracer != NULL)
        logf_("tracing to %s (service.name %s, sampler %s)", tc.endpoint, tc.service_name, gw_sampler_name(tc.sampler));
    if (gw_topology_load(topo_path, &h.topo, err, sizeof(err)) != 0) {
        logf_("%s", err);
        gw_tracer_free(h.tracer);
        return 1;
    }
    h.codec = gw_codec_new(0, err, sizeof(err));
    h.bank = ch_bank_new(NULL, NULL);
    if (h.codec == NULL || h.bank == NULL) {
        logf_("%s", h.codec ? "out of memory" : err);
        goto out;
    }
    if (registry_url != NULL && *registry_url) {
        /* ids from the registry; writer schemas of unknown ids fetched on demand */
        h.registry = gw_registry_new(registry_url, 5000, err, sizeof(err));
        if (h.registry == NULL || gw_registry_setup_codec(h.registry, h.topo, h.codec, err, sizeof(err)) != 0) {
            logf_("refusing to start: %s", err);
            goto out;
        }
        logf_("schemas registered at %s", registry_url);
    } else {
        for (int t = 0; t < GW_REC__COUNT; t++) {
            if (h.topo->schema_ids[t] == 0) {
                logf_("the topology pins no schema id for %s and no SCHEMA_REGISTRY_URL is set",
                      gw_rec_name((gw_rec_type_t)t));
                goto out;
            }
            if (gw_codec_use_id(h.codec, (gw_rec_type_t)t, h.topo->schema_ids[t], err, sizeof(err)) != 0) {
                logf_("%s", err);
                goto out;
            }
        }
    }
    h.kconf = (gw_kafka_conf_t){.brokers = brokers,
                                .client_id = "command-handler",
                                .linger_ms = linger,
                                .max_in_flight = max_in_flight,
                                .fetch_wait_ms = fetch_wait,
                                .debug = getenv("GW_KAFKA_DEBUG")};
    status = run(&h, interval, heartbeat_ms);
out:
    gw_producer_free(h.prod); /* reports what never left as failed: held answers are untouched by it */
    drop_held(&h);
    gw_registry_free(h.registry);
    if (status == 0 && h.codec && h.bank)
        write_metrics(&h);
    gw_codec_free(h.codec);
    ch_bank_free(h.bank);
    gw_topology_free(h.topo);
    free(h.offs);
    gw_tracer_free(h.tracer); /* one last export, bounded */
    return status;
}
