/*
 * metrics.c — recording and rendering the gateway's Prometheus metrics
 * (see metrics.h).
 */
#include "metrics.h"

/* Status codes with their own label value; anything else is "other". */
static const int STATUSES[GW_NSTATUS - 1] = {200, 204, 304, 400, 403, 404, 405, 406, 408, 413, 415, 431, 500, 501, 503};
/* Upper bounds of the latency buckets in seconds; the last is +Inf. */
static const double BUCKETS[GW_NBUCKETS - 1] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                0.025,  0.05,    0.1,    0.25,  0.5,    1.0};
static const char *const OPS[GW_OPL__COUNT] = {"query", "mutation", "subscription", "none"};
static const char *const KINDS[GW_CONN__COUNT] = {"http", "https", "websocket", "sse"};

static size_t status_slot(int status)
{
    for (size_t i = 0; i < GW_NSTATUS - 1; i++)
        if (STATUSES[i] == status)
            return i;
    return GW_NSTATUS - 1;
}

void gw_metrics_request(gw_metrics_t *m, gw_op_label_t op, int status, uint64_t ns)
{
    if ((unsigned)op >= GW_OPL__COUNT)
        op = GW_OPL_NONE;
    gw_metric_add(&m->requests[op][status_slot(status)], 1);
    double s = (double)ns / 1e9;
    size_t b = 0;
    while (b < GW_NBUCKETS - 1 && s > BUCKETS[b])
        b++;
    gw_metric_add(&m->latency_bucket[b], 1);
    gw_metric_add(&m->latency_count, 1);
    gw_metric_add(&m->latency_sum_ns, ns);
}

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

void gw_metrics_render(gql_buf_t *out, gw_metrics_t *const *threads, size_t nthreads, const gw_metrics_shared_t *shared)
{
    gql_buf_puts(out,
                 "# HELP gateway_http_requests_total HTTP requests answered, by GraphQL operation type and status.\n"
                 "# TYPE gateway_http_requests_total counter\n");
    for (size_t op = 0; op < GW_OPL__COUNT; op++) {
        for (size_t s = 0; s < GW_NSTATUS; s++) {
            uint64_t sum = 0;
            for (size_t t = 0; t < nthreads; t++)
                sum += LOAD(threads[t]->requests[op][s]);
            /* the common series always appear, the others once they happen */
            if (sum == 0 && !(s == 0 && op <= GW_OPL_MUTATION))
                continue;
            if (s == GW_NSTATUS - 1)
                gql_buf_printf(out, "gateway_http_requests_total{operation=\"%s\",status=\"other\"} %llu\n", OPS[op],
                               (unsigned long long)sum);
            else
                gql_buf_printf(out, "gateway_http_requests_total{operation=\"%s\",status=\"%d\"} %llu\n", OPS[op],
                               STATUSES[s], (unsigned long long)sum);
        }
    }

    gql_buf_puts(out, "# HELP gateway_http_request_duration_seconds Time from the request reaching its handler to "
                      "the response being handed to the connection.\n"
                      "# TYPE gateway_http_request_duration_seconds histogram\n");
    uint64_t cum = 0, count = 0, sum_ns = 0;
    for (size_t b = 0; b < GW_NBUCKETS; b++) {
        for (size_t t = 0; t < nthreads; t++)
            cum += LOAD(threads[t]->latency_bucket[b]);
        if (b < GW_NBUCKETS - 1) {
            gql_buf_puts(out, "gateway_http_request_duration_seconds_bucket{le=\"");
            gql_buf_double(out, BUCKETS[b]);
            gql_buf_printf(out, "\"} %llu\n", (unsigned long long)cum);
        } else {
            gql_buf_printf(out, "gateway_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                           (unsigned long long)cum);
        }
    }
    for (size_t t = 0; t < nthreads; t++) {
        count += LOAD(threads[t]->latency_count);
        sum_ns += LOAD(threads[t]->latency_sum_ns);
    }
    gql_buf_puts(out, "gateway_http_request_duration_seconds_sum ");
    gql_buf_double(out, (double)sum_ns / 1e9);
    gql_buf_printf(out, "\ngateway_http_request_duration_seconds_count %llu\n", (unsigned long long)count);

    gql_buf_puts(out, "# HELP gateway_open_connections Connections open now, by kind.\n"
                      "# TYPE gateway_open_connections gauge\n");
    for (size_t k = 0; k < GW_CONN__COUNT; k++) {
        int64_t sum = 0;
        for (size_t t = 0; t < nthreads; t++)
            sum += LOAD(threads[t]->connections[k]);
        gql_buf_printf(out, "gateway_open_connections{kind=\"%s\"} %lld\n", KINDS[k], (long long)sum);
    }

    uint64_t rejected = 0, arena = 0, docs = 0, slow = 0;
    int64_t subs = 0;
    for (size_t t = 0; t < nthreads; t++) {
        rejected += LOAD(threads[t]->connections_rejected);
        arena += LOAD(threads[t]->arena_bytes);
        docs += LOAD(threads[t]->doc_cache_entries);
        subs += LOAD(threads[t]->subscriptions);
        slow += LOAD(threads[t]->slow_consumers_closed);
    }
    gql_buf_printf(
        out,
        "# HELP gateway_connections_rejected_total Connections closed at once because the loop was full.\n"
        "# TYPE gateway_connections_rejected_total counter\n"
        "gateway_connections_rejected_total %llu\n"
        "# HELP gateway_active_subscriptions GraphQL subscriptions running now.\n"
        "# TYPE gateway_active_subscriptions gauge\n"
        "gateway_active_subscriptions %lld\n"
        "# HELP gateway_slow_consumers_closed_total Subscription connections closed because they stayed over the "
        "unsent-bytes bound.\n"
        "# TYPE gateway_slow_consumers_closed_total counter\n"
        "gateway_slow_consumers_closed_total %llu\n"
        "# HELP gateway_arena_bytes_in_use Bytes the engine holds on the loops: request arenas and cached documents.\n"
        "# TYPE gateway_arena_bytes_in_use gauge\n"
        "gateway_arena_bytes_in_use %llu\n"
        "# HELP gateway_document_cache_entries Parsed and validated documents cached, all loops.\n"
        "# TYPE gateway_document_cache_entries gauge\n"
        "gateway_document_cache_entries %llu\n",
        (unsigned long long)rejected, (long long)subs, (unsigned long long)slow, (unsigned long long)arena,
        (unsigned long long)docs);

    gql_buf_printf(out,
                   "# HELP gateway_kafka_produced_total Records produced to Kafka and acknowledged.\n"
                   "# TYPE gateway_kafka_produced_total counter\n"
                   "gateway_kafka_produced_total %llu\n"
                   "# HELP gateway_kafka_produce_errors_total Records Kafka did not accept.\n"
                   "# TYPE gateway_kafka_produce_errors_total counter\n"
                   "gateway_kafka_produce_errors_total %llu\n"
                   "# HELP gateway_kafka_consumed_total Records consumed from Kafka.\n"
                   "# TYPE gateway_kafka_consumed_total counter\n"
                   "gateway_kafka_consumed_total %llu\n"
                   "# HELP gateway_kafka_consumer_lag Records behind the end of the consumed partitions.\n"
                   "# TYPE gateway_kafka_consumer_lag gauge\n"
                   "gateway_kafka_consumer_lag %lld\n"
                   "# HELP gateway_projection_size Entries held by each projection.\n"
                   "# TYPE gateway_projection_size gauge\n"
                   "gateway_projection_size{projection=\"transactions\"} %llu\n"
                   "gateway_projection_size{projection=\"accounts\"} %llu\n",
                   (unsigned long long)LOAD(shared->kafka_produced),
                   (unsigned long long)LOAD(shared->kafka_produce_errors),
                   (unsigned long long)LOAD(shared->kafka_consumed), (long long)LOAD(shared->kafka_consumer_lag),
                   (unsigned long long)LOAD(shared->projection_transactions),
                   (unsigned long long)LOAD(shared->projection_accounts));
    gql_buf_printf(out,
                   "# HELP gateway_kafka_bad_messages_total Records skipped: not in the wire format, unknown schema "
                   "id or undecodable.\n"
                   "# TYPE gateway_kafka_bad_messages_total counter\n"
                   "gateway_kafka_bad_messages_total %llu\n"
                   "# HELP gateway_kafka_offset_resets_total Partitions whose position was lost (events dropped).\n"
                   "# TYPE gateway_kafka_offset_resets_total counter\n"
                   "gateway_kafka_offset_resets_total %llu\n"
                   "# HELP gateway_commands_timed_out_total Commands whose feedback did not arrive in time.\n"
                   "# TYPE gateway_commands_timed_out_total counter\n"
                   "gateway_commands_timed_out_total %llu\n"
                   "# HELP gateway_kafka_replayed 1 once the boot replay reached the end offsets seen at start.\n"
                   "# TYPE gateway_kafka_replayed gauge\n"
                   "gateway_kafka_replayed %lld\n",
                   (unsigned long long)LOAD(shared->kafka_bad_messages),
                   (unsigned long long)LOAD(shared->kafka_offset_resets),
                   (unsigned long long)LOAD(shared->commands_timed_out), (long long)LOAD(shared->kafka_replayed));
}
