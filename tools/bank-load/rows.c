/*
 * rows.c — what a run prints on stdout, one JSON object per line:
 *
 *   {"type":"row","t":3,"generators":40,"ready":40,"transfers":151,"transfers_per_s":150.8,
 *    "accounts":0,"p50_ms":2.1,"p90_ms":3.4,"p99_ms":7.9,"max_ms":9.2,
 *    "errors":{"wrong_answer":0,...},"error_count":0,
 *    "gateway":{"pid":123,"cpu_pct":35.2,"rss_mb":41.3},"handler":{...},
 *    "broker":{...},"bank_load":{...}}
 *
 * one a second (t: seconds since the start; generators: those not
 * stopped; ready: those of them with both accounts, transferring;
 * latencies of the transfers answered in that second, null when there
 * were none; accounts: get_account answers; a process is null when it is
 * unknown or gone), and at the end {"type":"summary",...} with the same
 * measures over the whole run, the expected refusals, the balance check
 * and "ok".
 */
#include "load.h"

#include <stdio.h>
#include <unistd.h>

static const char *const proc_names[BL_PROC_COUNT] = {"gateway", "handler", "broker", "bank_load"};

/* Writes ,"name":MS (from µs), or null when there is no value. */
static void put_ms(gql_buf_t *b, const char *name, uint64_t us, bool have)
{
    if (have)
        gql_buf_printf(b, ",\"%s\":%.3f", name, (double)us / 1000.0);
    else
        gql_buf_printf(b, ",\"%s\":null", name);
}

/* Writes the percentiles and the maximum of h. */
static void put_latency(gql_buf_t *b, const bl_hist_t *h)
{
    bool have = h->count > 0;
    put_ms(b, "p50_ms", bl_hist_percentile(h, 50), have);
    put_ms(b, "p90_ms", bl_hist_percentile(h, 90), have);
    put_ms(b, "p99_ms", bl_hist_percentile(h, 99), have);
    put_ms(b, "max_ms", h->max, have);
}

static uint64_t error_count(const bl_counts_t *c)
{
    uint64_t n = 0;
    for (int i = 0; i < BL_ERR_COUNT; i++)
        n += c->errors[i];
    return n;
}

/* Writes the errors by kind and their sum. */
static void put_errors(gql_buf_t *b, const bl_counts_t *c)
{
    gql_buf_puts(b, ",\"errors\":{");
    for (int i = 0; i < BL_ERR_COUNT; i++)
        gql_buf_printf(b, "%s\"%s\":%llu", i ? "," : "", bl_err_names[i], (unsigned long long)c->errors[i]);
    gql_buf_printf(b, "},\"error_count\":%llu", (unsigned long long)error_count(c));
}

/* Writes each watched process's pid, CPU and RSS, or null. */
static void put_procs(gql_buf_t *b, const bl_run_t *r)
{
    for (int i = 0; i < BL_PROC_COUNT; i++) {
        const bl_proc_t *p = &r->procs[i];
        if (!p->alive) {
            gql_buf_printf(b, ",\"%s\":null", proc_names[i]);
            continue;
        }
        gql_buf_printf(b, ",\"%s\":{\"pid\":%d,\"cpu_pct\":", proc_names[i], (int)p->pid);
        if (p->cpu_pct >= 0)
            gql_buf_printf(b, "%.1f", p->cpu_pct);
        else
            gql_buf_puts(b, "null");
        gql_buf_printf(b, ",\"rss_mb\":%.1f}", (double)p->rss_kb / 1024.0);
    }
}

/* Prints b as one line on stdout, flushed, and frees it. */
static void print_line(gql_buf_t *b)
{
    gql_buf_putc(b, '\n');
    if (!b->oom)
        fwrite(b->data, 1, b->len, stdout);
    fflush(stdout);
    gql_buf_free(b);
}

void bl_rows_emit(bl_run_t *r, int64_t now_us)
{
    for (int i = 0; i < BL_PROC_COUNT; i++)
        bl_proc_sample(&r->procs[i], now_us);
    double secs = (double)(now_us - r->last_row_us) / 1e6;
    r->last_row_us = now_us;
    gql_buf_t b = GQL_BUF_INIT;
    gql_buf_printf(&b,
                   "{\"type\":\"row\",\"t\":%u,\"generators\":%u,\"ready\":%u,\"transfers\":%llu,"
                   "\"transfers_per_s\":%.1f,\"accounts\":%llu",
                   r->row_no + 1, r->active, r->ready, (unsigned long long)r->row.transfers,
                   secs > 0 ? (double)r->row.transfers / secs : 0.0, (unsigned long long)r->row.accounts);
    put_latency(&b, &r->row.hist);
    put_errors(&b, &r->row);
    put_procs(&b, r);
    gql_buf_putc(&b, '}');
    print_line(&b);
}

uint64_t bl_rows_errors(const bl_counts_t *c)
{
    return error_count(c);
}

void bl_rows_summary(bl_run_t *r)
{
    int64_t end = r->end_us ? r->end_us : bl_now_us();
    double secs = (double)(end - r->t0_us) / 1e6;
    gql_buf_t b = GQL_BUF_INIT;
    gql_buf_printf(&b, "{\"type\":\"summary\",\"protocol\":\"%s\",\"operation\":\"%s\",\"seconds\":%.1f,",
                   bl_proto_name(r->opt.protocol), r->opt.protocol == BL_PROTO_HTTP ? "mutation" : r->opt.op_keyword,
                   secs);
    gql_buf_printf(&b, "\"generators\":%u,\"stop_reason\":\"%s\",\"pause_ms\":%u,", r->ngens,
                   r->stop_reason ? r->stop_reason : "none", r->opt.pause_ms);
    gql_buf_printf(&b, "\"transfers\":%llu,\"transfers_per_s\":%.1f,\"right\":%llu,",
                   (unsigned long long)r->total.transfers, secs > 0 ? (double)r->total.transfers / secs : 0.0,
                   (unsigned long long)r->right);
    gql_buf_printf(&b, "\"refused_invalid_token\":%llu,\"refused_insufficient_funds\":%llu,\"accounts\":%llu",
                   (unsigned long long)r->refused_token, (unsigned long long)r->refused_funds,
                   (unsigned long long)r->total.accounts);
    put_latency(&b, &r->total.hist);
    put_errors(&b, &r->total);
    gql_buf_printf(&b, ",\"balances\":{\"checked\":%llu,\"mismatched\":%llu,\"unverified\":%llu}",
                   (unsigned long long)r->checked, (unsigned long long)r->mismatched,
                   (unsigned long long)r->unverified);
    gql_buf_printf(&b, ",\"connections\":%llu,\"ok\":%s}", (unsigned long long)r->env.connects,
                   bl_run_status(r) == 0 ? "true" : "false");
    print_line(&b);
}

int bl_run_status(const bl_run_t *r)
{
    return error_count(&r->total) == 0 ? 0 : 1;
}
