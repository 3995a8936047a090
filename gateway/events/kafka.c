/*
 * kafka.c — thin librdkafka wrappers with the backbone's rules built in.
 *
 * Producer: idempotent, acks=all, murmur2 partitioning (what Java clients use, so
 * keys land where the original system put them); a message's outcome is known
 * only from its delivery report, passed to the caller's callback.
 *
 * Consumer: assign() to every partition of the given topics, never subscribe():
 * no group join (~3 s with the mock), no rebalance. librdkafka refuses assign()
 * without a group.id (_UNKNOWN_GROUP), so a unique one is set and nothing is ever
 * committed. auto.offset.reset=error turns a lost position ("Offset out of
 * range", e.g. the mock dropping old batches) into a reported event instead of a
 * silent jump; the wrapper then restarts that partition from its beginning.
 * End-of-replay is the moment every partition reached the high watermark it had
 * when the consumer started.
 */
#include "events_int.h"

#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define META_TIMEOUT_MS 10000

/* Sets one librdkafka property, reporting failures in err. */
static int set(rd_kafka_conf_t *conf, const char *k, const char *v, char *err, size_t errlen)
{
    char e[256];
    if (rd_kafka_conf_set(conf, k, v, e, sizeof(e)) != RD_KAFKA_CONF_OK) {
        gw__err(err, errlen, "%s=%s: %s", k, v, e);
        return GW_EV_EINVAL;
    }
    return 0;
}

static int set_int(rd_kafka_conf_t *conf, const char *k, int v, char *err, size_t errlen)
{
    char b[32];
    snprintf(b, sizeof(b), "%d", v);
    return set(conf, k, b, err, errlen);
}

/* The settings common to producers and consumers. */
static rd_kafka_conf_t *base_conf(const gw_kafka_conf_t *kc, char *err, size_t errlen)
{
    if (kc == NULL || kc->brokers == NULL || *kc->brokers == '\0') {
        gw__err(err, errlen, "no brokers configured");
        return NULL;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (set(conf, "bootstrap.servers", kc->brokers, err, errlen) != 0 ||
        set(conf, "client.id", kc->client_id ? kc->client_id : "openbank-gateway", err, errlen) != 0 ||
        (kc->debug && set(conf, "debug", kc->debug, err, errlen) != 0)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    for (size_t i = 0; kc->props && kc->props[i]; i += 2) {
        if (kc->props[i + 1] == NULL) {
            gw__err(err, errlen, "property %s has no value", kc->props[i]);
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
        if (set(conf, kc->props[i], kc->props[i + 1], err, errlen) != 0) {
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }
    return conf;
}

/* A non-blocking pipe whose read end wakes an event loop; fd[0] = fd[1] = -1 on failure. */
static void wake_pipe(int fd[2])
{
    if (pipe(fd) != 0) {
        fd[0] = fd[1] = -1;
        return;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(fd[i], F_SETFL, fcntl(fd[i], F_GETFL) | O_NONBLOCK);
        fcntl(fd[i], F_SETFD, FD_CLOEXEC);
    }
}

static void drain_pipe(int fd)
{
    char b[64];
    if (fd >= 0)
        while (read(fd, b, sizeof(b)) > 0)
            ;
}

/* --------------------------------------------------------------- producer */

#define MAX_WARM_TOPICS 16

struct gw_producer {
    rd_kafka_t *rk;
    gw_delivery_cb cb;
    void *ctx;
    int fd[2];
    rd_kafka_topic_t *warm[MAX_WARM_TOPICS]; /* topics whose metadata gw_producer_warm fetched */
    size_t nwarm;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    gw_producer_t *p = opaque;
    gw_delivery_t d = {
        .opaque = m->_private,
        .err = m->err ? GW_EV_EKAFKA : 0,
        .error = m->err ? rd_kafka_err2str(m->err) : NULL,
        .topic = rd_kafka_topic_name(m->rkt),
        .partition = m->partition,
        .offset = m->offset,
    };
    if (p->cb)
        p->cb(p->ctx, &d);
}

gw_producer_t *gw_producer_new(const gw_kafka_conf_t *kc, gw_delivery_cb cb, void *ctx, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = base_conf(kc, err, errlen);
    if (conf == NULL)
        return NULL;
    gw_producer_t *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        rd_kafka_conf_destroy(conf);
        gw__err(err, errlen, "out of memory");
        return NULL;
    }
    p->cb = cb;
    p->ctx = ctx;
    p->fd[0] = p->fd[1] = -1;
    if (set(conf, "enable.idempotence", "true", err, errlen) != 0 || set(conf, "acks", "all", err, errlen) != 0 ||
        set_int(conf, "linger.ms", kc->linger_ms < 0 ? 1 : kc->linger_ms, err, errlen) != 0 ||
        set_int(conf, "max.in.flight.requests.per.connection", kc->max_in_flight <= 0 ? 1 : kc->max_in_flight, err,
                errlen) != 0 ||
        set(conf, "partitioner", "murmur2_random", err, errlen) != 0) {
        rd_kafka_conf_destroy(conf);
        free(p);
        return NULL;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, p);
    char e[512];
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
    if (p->rk == NULL) {
        rd_kafka_conf_destroy(conf);
        free(p);
        gw__err(err, errlen, "producer: %s", e);
        return NULL;
    }
    wake_pipe(p->fd);
    if (p->fd[1] >= 0) {
        rd_kafka_queue_t *q = rd_kafka_queue_get_main(p->rk);
        rd_kafka_queue_io_event_enable(q, p->fd[1], "1", 1);
        rd_kafka_queue_destroy(q);
    }
    return p;
}

int gw_producer_send(gw_producer_t *p, const char *topic, int32_t partition, const void *key, size_t klen, void *value,
                     size_t vlen, const gw_header_t *headers, size_t nheaders, void *opaque, char *err, size_t errlen)
{
    rd_kafka_headers_t *hdrs = NULL;
    if (nheaders > 0) {
        hdrs = rd_kafka_headers_new(nheaders);
        for (size_t i = 0; i < nheaders; i++)
            rd_kafka_header_add(hdrs, headers[i].name, -1, headers[i].value, (ssize_t)headers[i].len);
    }
    rd_kafka_resp_err_t e = rd_kafka_producev(
        p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition < 0 ? RD_KAFKA_PARTITION_UA : partition),
        RD_KAFKA_V_KEY(key, key ? klen : 0), RD_KAFKA_V_VALUE(value, vlen), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (hdrs)
            rd_kafka_headers_destroy(hdrs); /* not taken on failure */
        free(value);
        gw__err(err, errlen, "produce to %s: %s", topic, rd_kafka_err2str(e));
        return GW_EV_EKAFKA;
    }
    return 0;
}

int gw_producer_poll(gw_producer_t *p, int timeout_ms)
{
    drain_pipe(p->fd[0]);
    return rd_kafka_poll(p->rk, timeout_ms);
}

size_t gw_producer_inflight(gw_producer_t *p)
{
    int n = rd_kafka_outq_len(p->rk);
    return n > 0 ? (size_t)n : 0;
}

int gw_producer_flush(gw_producer_t *p, int timeout_ms)
{
    drain_pipe(p->fd[0]);
    return rd_kafka_flush(p->rk, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : GW_EV_EKAFKA;
}

int gw_producer_fd(gw_producer_t *p)
{
    return p->fd[0];
}

int gw_producer_warm(gw_producer_t *p, const char *const *topics, size_t n, int timeout_ms)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        rd_kafka_topic_t *t = NULL;
        for (size_t k = 0; k < p->nwarm && t == NULL; k++)
            if (strcmp(rd_kafka_topic_name(p->warm[k]), topics[i]) == 0)
                t = p->warm[k];
        if (t == NULL && p->nwarm < MAX_WARM_TOPICS && (t = rd_kafka_topic_new(p->rk, topics[i], NULL)) != NULL)
            p->warm[p->nwarm++] = t;
        const struct rd_kafka_metadata *md = NULL;
        if (t == NULL || rd_kafka_metadata(p->rk, 0, t, &md, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
            rc = GW_EV_EKAFKA;
        if (md != NULL)
            rd_kafka_metadata_destroy(md);
    }
    return rc;
}

void gw_producer_free(gw_producer_t *p)
{
    if (p == NULL)
        return;
    /* report what never left as failed, then let librdkafka go */
    rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    for (int i = 0; i < 100 && rd_kafka_outq_len(p->rk) > 0; i++)
        rd_kafka_poll(p->rk, 10);
    rd_kafka_poll(p->rk, 0);
    for (size_t i = 0; i < p->nwarm; i++)
        rd_kafka_topic_destroy(p->warm[i]);
    rd_kafka_destroy(p->rk);
    for (int i = 0; i < 2; i++)
        if (p->fd[i] >= 0)
            close(p->fd[i]);
    free(p);
}

/* --------------------------------------------------------------- consumer */

struct gw_consumer {
    rd_kafka_t *rk;
    rd_kafka_queue_t *q; /* the consumer queue */
    gw_consumer_cbs_t cbs;
    void *ctx;
    gw_partition_info_t *parts; /* owned; topic names point into names */
    size_t nparts;
    char *names;      /* owned storage of the topic names */
    size_t remaining; /* partitions not yet at their start-time high watermark */
    int replayed;     /* replay_done reported */
    int fd[2];
};

static gw_partition_info_t *find_part(gw_consumer_t *c, const char *topic, int32_t partition)
{
    for (size_t i = 0; i < c->nparts; i++)
        if (c->parts[i].partition == partition && strcmp(c->parts[i].topic, topic) == 0)
            return &c->parts[i];
    return NULL;
}

/* Moves p's position to pos and counts it done once it reaches its high watermark. */
static void advance(gw_consumer_t *c, gw_partition_info_t *p, int64_t pos)
{
    int was_done = p->position >= p->high;
    p->position = pos;
    if (!was_done && p->position >= p->high && c->remaining > 0)
        c->remaining--;
}

/* Fills low and high of every partition of c: one ListOffsets request per broker
 * for each (earliest = -2, latest = -1 as "timestamps"). 0 or -1 with err. */
static int watermarks(gw_consumer_t *c, char *err, size_t errlen)
{
    for (int pass = 0; pass < 2; pass++) {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)c->nparts);
        for (size_t i = 0; i < c->nparts; i++)
            rd_kafka_topic_partition_list_add(l, c->parts[i].topic, c->parts[i].partition)->offset =
                pass == 0 ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
        rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(c->rk, l, META_TIMEOUT_MS);
        for (int k = 0; k < l->cnt; k++) {
            const rd_kafka_topic_partition_t *tp = &l->elems[k];
            gw_partition_info_t *pi = find_part(c, tp->topic, tp->partition);
            if (e == RD_KAFKA_RESP_ERR_NO_ERROR && tp->err)
                e = tp->err;
            if (e == RD_KAFKA_RESP_ERR_NO_ERROR && tp->offset < 0)
                e = RD_KAFKA_RESP_ERR__BAD_MSG;
            if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
                gw__err(err, errlen, "%s[%d]: watermarks: %s", tp->topic, (int)tp->partition, rd_kafka_err2str(e));
                rd_kafka_topic_partition_list_destroy(l);
                return -1;
            }
            if (pi != NULL)
                *(pass == 0 ? &pi->low : &pi->high) = tp->offset;
        }
        rd_kafka_topic_partition_list_destroy(l);
    }
    return 0;
}

void gw_consumer_free(gw_consumer_t *c)
{
    if (c == NULL)
        return;
    if (c->q)
        rd_kafka_queue_destroy(c->q);
    if (c->rk) {
        rd_kafka_consumer_close(c->rk);
        rd_kafka_destroy(c->rk);
    }
    for (int i = 0; i < 2; i++)
        if (c->fd[i] >= 0)
            close(c->fd[i]);
    free(c->parts);
    free(c->names);
    free(c);
}

static const gw_start_offset_t *find_start(const gw_consumer_opts_t *o, const char *topic, int32_t partition)
{
    for (size_t i = 0; o && i < o->nstarts; i++)
        if (o->starts[i].partition == partition && strcmp(o->starts[i].topic, topic) == 0)
            return &o->starts[i];
    return NULL;
}

gw_consumer_t *gw_consumer_new(const gw_kafka_conf_t *kc, const char *const *topics, size_t ntopics,
                               const gw_consumer_opts_t *opts, const gw_consumer_cbs_t *cbs, void *ctx, int *rc,
                               char *err, size_t errlen)
{
    int dummy;
    if (rc == NULL)
        rc = &dummy;
    *rc = GW_EV_EINVAL;
    if (ntopics == 0 || topics == NULL || cbs == NULL) {
        gw__err(err, errlen, "no topics");
        return NULL;
    }
    rd_kafka_conf_t *conf = base_conf(kc, err, errlen);
    if (conf == NULL)
        return NULL;
    gw_consumer_t *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        rd_kafka_conf_destroy(conf);
        *rc = GW_EV_ENOMEM;
        return NULL;
    }
    c->fd[0] = c->fd[1] = -1;
    c->cbs = *cbs;
    c->ctx = ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char group[96];
    snprintf(group, sizeof(group), "gw-assign-%d-%lld-%ld", (int)getpid(), (long long)ts.tv_sec, ts.tv_nsec);
    if (set(conf, "group.id", group, err, errlen) != 0 || set(conf, "enable.auto.commit", "false", err, errlen) ||
        set(conf, "enable.auto.offset.store", "false", err, errlen) ||
        set(conf, "auto.offset.reset", "error", err, errlen) ||
        set(conf, "enable.partition.eof", "true", err, errlen) ||
        set_int(conf, "fetch.wait.max.ms", kc->fetch_wait_ms < 0 ? 10 : kc->fetch_wait_ms, err, errlen) ||
        set(conf, "session.timeout.ms", "6000", err, errlen)) {
        rd_kafka_conf_destroy(conf);
        gw_consumer_free(c);
        return NULL;
    }
    char e[512];
    c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e));
    if (c->rk == NULL) {
        rd_kafka_conf_destroy(conf);
        gw__err(err, errlen, "consumer: %s", e);
        gw_consumer_free(c);
        return NULL;
    }
    rd_kafka_poll_set_consumer(c->rk);
    c->q = rd_kafka_queue_get_consumer(c->rk);

    /* partition counts */
    size_t namebytes = 0;
    int32_t counts[64];
    if (ntopics > 64) {
        gw__err(err, errlen, "too many topics");
        gw_consumer_free(c);
        return NULL;
    }
    size_t total = 0;
    for (size_t i = 0; i < ntopics; i++) {
        namebytes += strlen(topics[i]) + 1;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(c->rk, topics[i], NULL);
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t me =
            rkt ? rd_kafka_metadata(c->rk, 0, rkt, &md, META_TIMEOUT_MS) : RD_KAFKA_RESP_ERR__INVALID_ARG;
        if (rkt)
            rd_kafka_topic_destroy(rkt);
        if (me == RD_KAFKA_RESP_ERR_NO_ERROR && (md->topic_cnt != 1 || md->topics[0].err))
            me = md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
        if (me == RD_KAFKA_RESP_ERR_NO_ERROR && md->topics[0].partition_cnt <= 0)
            me = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
        if (me != RD_KAFKA_RESP_ERR_NO_ERROR) {
            gw__err(err, errlen, "topic %s: %s", topics[i], rd_kafka_err2str(me));
            if (md)
                rd_kafka_metadata_destroy(md);
            *rc = GW_EV_EKAFKA;
            gw_consumer_free(c);
            return NULL;
        }
        counts[i] = md->topics[0].partition_cnt;
        total += (size_t)counts[i];
        rd_kafka_metadata_destroy(md);
    }
    c->parts = calloc(total, sizeof(*c->parts));
    c->names = malloc(namebytes);
    if (c->parts == NULL || c->names == NULL) {
        *rc = GW_EV_ENOMEM;
        gw_consumer_free(c);
        return NULL;
    }

    /* the partitions, their watermarks (batched: two requests per broker, not two
     * per partition), and where each starts */
    char *np = c->names;
    for (size_t i = 0; i < ntopics; i++) {
        size_t l = strlen(topics[i]) + 1;
        memcpy(np, topics[i], l);
        for (int32_t pt = 0; pt < counts[i]; pt++) {
            gw_partition_info_t *pi = &c->parts[c->nparts++];
            pi->topic = np;
            pi->partition = pt;
        }
        np += l;
    }
    if (watermarks(c, err, errlen) != 0) {
        *rc = GW_EV_EKAFKA;
        gw_consumer_free(c);
        return NULL;
    }
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new((int)total);
    for (size_t i = 0; i < c->nparts; i++) {
        gw_partition_info_t *pi = &c->parts[i];
        const char *tn = pi->topic;
        int32_t pt = pi->partition;
        const gw_start_offset_t *so = find_start(opts, tn, pt);
        int64_t start = so ? so->offset : (opts && opts->strict ? 0 : pi->low);
        if (so != NULL && so->offset == GW_START_AT_END)
            start = pi->high;
        if (start < pi->low || start > pi->high) {
            if (opts && opts->strict) {
                gw__err(err, errlen, "%s[%d]: offset %lld is not in the log [%lld, %lld]%s", tn, (int)pt,
                        (long long)start, (long long)pi->low, (long long)pi->high,
                        start > pi->high ? " (the broker lost data)" : " (retention dropped it)");
                rd_kafka_topic_partition_list_destroy(list);
                *rc = GW_EV_ERANGE;
                gw_consumer_free(c);
                return NULL;
            }
            if (c->cbs.offset_reset)
                c->cbs.offset_reset(ctx, tn, pt, start, "start offset not in the log");
            start = pi->low;
        }
        pi->position = start;
        if (pi->position < pi->high)
            c->remaining++;
        rd_kafka_topic_partition_list_add(list, tn, pt)->offset = start;
    }
    rd_kafka_resp_err_t ae = rd_kafka_assign(c->rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (ae != RD_KAFKA_RESP_ERR_NO_ERROR) {
        gw__err(err, errlen, "assign: %s", rd_kafka_err2str(ae));
        *rc = GW_EV_EKAFKA;
        gw_consumer_free(c);
        return NULL;
    }
    wake_pipe(c->fd);
    if (c->fd[1] >= 0)
        rd_kafka_queue_io_event_enable(c->q, c->fd[1], "1", 1);
    *rc = 0;
    return c;
}

/* Restarts a partition whose position was lost at the log's beginning. A seek
 * does not revive a partition stopped by auto.offset.reset=error, so it is
 * unassigned and assigned again. */
static void reset_partition(gw_consumer_t *c, const char *topic, int32_t partition, int64_t offset, const char *why)
{
    if (c->cbs.offset_reset)
        c->cbs.offset_reset(c->ctx, topic, partition, offset, why);
    /* the log start the broker told us with its fetch answers (cached, no request) */
    int64_t lo = -1, hi = -1;
    if (rd_kafka_get_watermark_offsets(c->rk, topic, partition, &lo, &hi) != RD_KAFKA_RESP_ERR_NO_ERROR || lo < 0)
        lo = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, partition)->offset = lo;
    rd_kafka_error_t *e = rd_kafka_incremental_unassign(c->rk, l);
    if (e == NULL)
        e = rd_kafka_incremental_assign(c->rk, l);
    if (e != NULL) {
        if (c->cbs.error) {
            char b[256];
            snprintf(b, sizeof(b), "%s[%d]: reassign after reset: %s", topic, (int)partition, rd_kafka_error_string(e));
            c->cbs.error(c->ctx, b);
        }
        rd_kafka_error_destroy(e);
    }
    rd_kafka_topic_partition_list_destroy(l);
}

int gw_consumer_poll(gw_consumer_t *c, int timeout_ms, int max)
{
    int n = 0;
    drain_pipe(c->fd[0]);
    for (int i = 0; i < max; i++) {
        if (!c->replayed && c->remaining == 0) {
            c->replayed = 1;
            if (c->cbs.replay_done)
                c->cbs.replay_done(c->ctx);
        }
        rd_kafka_message_t *m = rd_kafka_consume_queue(c->q, i == 0 ? timeout_ms : 0);
        if (m == NULL)
            break;
        const char *topic = m->rkt ? rd_kafka_topic_name(m->rkt) : NULL;
        gw_partition_info_t *p = topic ? find_part(c, topic, m->partition) : NULL;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (p && m->offset >= 0)
                advance(c, p, m->offset);
        } else if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET || m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
            if (topic)
                reset_partition(c, topic, m->partition, p ? p->position : m->offset, rd_kafka_message_errstr(m));
        } else if (m->err) {
            if (c->cbs.error) {
                char b[512];
                snprintf(b, sizeof(b), "%s[%d]: %s", topic ? topic : "-", (int)m->partition,
                         rd_kafka_message_errstr(m));
                c->cbs.error(c->ctx, b);
            }
        } else {
            gw_kmsg_t km = {topic, m->partition, m->offset, m->key, m->key_len, m->payload, m->len, -1, m};
            rd_kafka_timestamp_type_t tt;
            km.timestamp_ms = rd_kafka_message_timestamp(m, &tt);
            if (p)
                advance(c, p, m->offset + 1);
            n++;
            if (c->cbs.message)
                c->cbs.message(c->ctx, &km);
        }
        rd_kafka_message_destroy(m);
    }
    if (!c->replayed && c->remaining == 0) {
        c->replayed = 1;
        if (c->cbs.replay_done)
            c->cbs.replay_done(c->ctx);
    }
    return n;
}

int gw_kmsg_header(const gw_kmsg_t *m, const char *name, const void **value, size_t *len)
{
    rd_kafka_headers_t *h = NULL;
    if (m->_msg == NULL || rd_kafka_message_headers(m->_msg, &h) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return -1;
    return rd_kafka_header_get_last(h, name, value, len) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

int gw_consumer_replayed(const gw_consumer_t *c)
{
    return c->replayed;
}

const gw_partition_info_t *gw_consumer_partitions(const gw_consumer_t *c, size_t *n)
{
    *n = c->nparts;
    return c->parts;
}

int gw_consumer_fd(gw_consumer_t *c)
{
    return c->fd[0];
}
