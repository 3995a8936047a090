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

void gw_metrics_render(gql_buf_t *out, gw_metrics_t *const *threads, size_t nthreads)
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

    uint64_t rejected = 0;
    for (size_t t = 0; t < nthreads; t++)
        rejected += LOAD(threads[t]->connections_rejected);
    gw_metrics_family(out, "gateway_connections_rejected_total", "counter",
                      "Connections closed at once because the loop was full.", (int64_t)rejected);
}

void gw_metrics_family(gql_buf_t *out, const char *name, const char *type, const char *help, int64_t value)
{
    gql_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name, type, name, (long long)value);
}
