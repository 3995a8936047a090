/*
 * bench.c — `gateway --bench` (see bench.h): the stand-in transfer, the
 * fixed and the published transactions, and the baselines of
 * bench/http and bench/fanout.
 */
#include "bench.h"

#include <h2o/websocket.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/pending.h"
#include "runtime/http.h"

/* The bench query: all_last_transactions with every field (bench/http). */
static const char BENCH_QUERY[] =
    "{ all_last_transactions { id iban new_balance changed_by from_to direction descr } }";

#define SWEEP_MS 250 /* shutdown: close the baseline's WebSockets */

struct gw_bench {
    gw_server_t *server;
    int slot;
    gw_txstore_t *query_store;  /* ten fixed transactions */
    gw_txstore_t *stream_store; /* /bench/publish appends here */
    pthread_mutex_t mu;         /* one appender at a time */
    gql_buf_t raw_response;     /* the bytes /bench/raw answers */
};

/* One loop's bench state. */
typedef struct gw_bench_loop {
    gw_thread_t *thread;
    h2o_timeout_t transfer_timeout; /* GW_BENCH_DELAY_MS: the stand-in transfers */
    h2o_linklist_t raw;             /* raw_conn_t: h2o websocket.c connections of the baseline */
    h2o_timeout_t sweep_timeout;
    h2o_timeout_entry_t sweep_entry;
} gw_bench_loop_t;

typedef struct bench_handler {
    gw_handler_t super; /* first */
    gw_bench_t *bench;
} bench_handler_t;

/* ------------------------------------------------------------------------ */
/* The stand-in transfer                                                    */
/* ------------------------------------------------------------------------ */

/* The answer of a transfer, as MoneyTransferResult's resolvers read it. */
typedef struct transfer_result {
    const char *uuid;
    bool success;
} transfer_result_t;

/* One transfer waiting for its timer. malloc'd; freed when it fires. */
typedef struct bench_transfer {
    h2o_timeout_entry_t entry;
    gw_pending_t *pending;
    const char *uuid; /* in the pending request's arena */
} bench_transfer_t;

static void on_transfer_timer(h2o_timeout_entry_t *entry)
{
    bench_transfer_t *b = H2O_STRUCT_FROM_MEMBER(bench_transfer_t, entry, entry);
    gql_rv_t v = {.kind = GQL_RV_NULL};
    transfer_result_t *r = gql_arena_alloc(gw_pending_arena(b->pending), sizeof *r);
    if (r != NULL) {
        r->uuid = b->uuid;
        r->success = true;
        v.kind = GQL_RV_OBJECT;
        v.u.obj.ptr = r;
    }
    gw_pending_resume(b->pending, &v);
    free(b);
}

static void resolve_money_transfer(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                   gql_rv_t *out)
{
    (void)parent;
    gw_bench_loop_t *BL = gw_loop_slot(gw_exec_thread(info->context), ((gw_bench_t *)info->field_data)->slot);
    const gql_iv_t *uuid = gql_arg(args, "uuid");
    bench_transfer_t *b = calloc(1, sizeof *b);
    gw_pending_t *p = b != NULL ? gw_pending_hold(info) : NULL;
    if (p == NULL) {
        free(b);
        out->kind = GQL_RV_ERROR;
        out->u.s.ptr = "cannot wait for the transfer";
        out->u.s.len = strlen(out->u.s.ptr);
        return;
    }
    b->pending = p;
    b->uuid = uuid != NULL && uuid->kind == GQL_IV_STRING ? uuid->u.s.ptr : NULL;
    b->entry.cb = on_transfer_timer;
    h2o_timeout_link(BL->thread->ctx.loop, &BL->transfer_timeout, &b->entry);
    out->kind = GQL_RV_PENDING;
}

static void resolve_uuid(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    const transfer_result_t *r = parent;
    if (r->uuid != NULL) {
        out->kind = GQL_RV_STRING;
        out->u.s.ptr = r->uuid;
        out->u.s.len = strlen(r->uuid);
    }
}

static void resolve_success(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    out->kind = GQL_RV_BOOLEAN;
    out->u.b = ((const transfer_result_t *)parent)->success;
}

/* No reason: the stand-in always succeeds (the bank's own reason resolver
 * reads another kind of parent). */
static void resolve_reason(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)parent, (void)args, (void)out;
}

/* ------------------------------------------------------------------------ */
/* /bench/raw                                                               */
/* ------------------------------------------------------------------------ */

/* The same bytes the engine gives for the bench query, with the same
 * headers, without parsing or executing anything. */
static int on_bench_raw(h2o_handler_t *self, h2o_req_t *req)
{
    bench_handler_t *h = (bench_handler_t *)self;
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, &h->super, req))
        return 0;
    rc.op = GW_OPL_QUERY;
    gw_http_send(&rc, 200, "application/json; charset=utf-8", h->bench->raw_response.data, h->bench->raw_response.len);
    return 0;
}

/* Runs BENCH_QUERY once through the engine. 0 or GW_EINVAL. */
static int prepare_raw(gw_bench_t *bn, gql_schema_t *schema)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    if (a == NULL)
        return GW_ENOMEM;
    int rc = GW_EINVAL;
    gql_errors_t errs;
    gql_errors_init(&errs, a, 10);
    gql_document_t *doc = gql_parse(a, BENCH_QUERY, sizeof BENCH_QUERY - 1, NULL, &errs);
    gql_operation_t *op = NULL;
    if (doc != NULL && gql_validate(schema, doc, NULL, &errs) == 0) {
        gql_request_t r = {.schema = schema, .document = doc, .arena = a};
        if (gql_prepare(&r, &op, &errs) == 0 && gql_execute(op, NULL, &bn->raw_response) == 0 && !bn->raw_response.oom)
            rc = 0;
    }
    if (rc != 0) {
        gql_buf_t b = GQL_BUF_INIT;
        gql_errors_write_json(&errs, &b);
        fprintf(stderr, "gateway: --bench: the bench query fails: %s\n", b.len ? gql_buf_cstr(&b) : "?");
        gql_buf_free(&b);
    }
    gql_arena_free(a);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Publishing and the fan-out baseline                                      */
/* ------------------------------------------------------------------------ */

/* --bench: POST /bench/publish?n=N appends N transactions to the bench
 * store (one IBAN out of ten) and publishes them to every loop. */
static void publish_to(gw_loopq_t *q, size_t index, void *arg)
{
    (void)index;
    gw_loopq_publish_tx(q, *(const uint64_t *)arg);
}

/* The n of ?n=N (1 when absent). */
static long bench_count(h2o_req_t *req)
{
    long n = 1;
    if (req->query_at != SIZE_MAX) {
        const char *q = req->path.base + req->query_at + 1;
        size_t ql = req->path.len - req->query_at - 1;
        if (ql > 2 && memcmp(q, "n=", 2) == 0) {
            char tmp[16];
            size_t l = ql - 2 < sizeof tmp - 1 ? ql - 2 : sizeof tmp - 1;
            memcpy(tmp, q + 2, l);
            tmp[l] = '\0';
            n = strtol(tmp, NULL, 10);
        }
    }
    return n;
}

/* The i-th synthetic BalanceChanged of the bench (one IBAN out of ten). */
static void bench_event(long i, char *iban, size_t cap, gw_balance_changed_t *ev)
{
    int il = snprintf(iban, cap, "NL66OPEN00000000%02ld", i % 10);
    *ev = (gw_balance_changed_t){{iban, (uint32_t)il},
                                 100000 + i,
                                 -(int64_t)(1000 + i % 500),
                                 {"NL66OPEN0000000099", 18},
                                 {"bench fan-out", 13}};
}

static int on_bench_publish(h2o_handler_t *self, h2o_req_t *req)
{
    bench_handler_t *h = (bench_handler_t *)self;
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, &h->super, req))
        return 0;
    gw_bench_t *bn = h->bench;
    long n = bench_count(req);
    if (n < 1 || n > 1000000) {
        gw_http_send_error(&rc, 400, NULL, "n must be 1 to 1000000");
        return 0;
    }
    uint64_t upto = 0;
    pthread_mutex_lock(&bn->mu);
    for (long i = 0; i < n; i++) {
        char iban[32];
        gw_balance_changed_t ev;
        bench_event(i, iban, sizeof iban, &ev);
        int64_t id = gw_txstore_append(bn->stream_store, &ev, -1, 0);
        if (id > 0)
            upto = (uint64_t)id;
    }
    pthread_mutex_unlock(&bn->mu);
    gw_server_each_loop(bn->server, publish_to, &upto);
    char body[64];
    int bl = snprintf(body, sizeof body, "{\"published\":%ld,\"upto\":%llu}", n, (unsigned long long)upto);
    gw_http_send(&rc, 200, "application/json; charset=utf-8", body, (size_t)bl);
    return 0;
}

/* --bench: the baseline of bench/fanout. GET /bench/ws-raw upgrades with
 * h2o's own websocket.c (wslay underneath: every message copied into each
 * connection's queue, written frame by frame); POST /bench/raw-publish?n=N
 * broadcasts N messages with the bytes the subscription path would send
 * for `subscription { stream_transactions { id iban new_balance changed_by
 * from_to descr direction } }` with id "1", built without the engine. */
typedef struct raw_conn {
    h2o_linklist_t link;
    h2o_websocket_conn_t *ws;
} raw_conn_t;

typedef struct raw_batch {
    _Atomic size_t refs;
    gw_bench_t *bench;
    size_t n;
    gql_buf_t text; /* the messages, back to back */
    size_t offs[];  /* n + 1 offsets into text */
} raw_batch_t;

static void raw_drop(raw_conn_t *rc)
{
    h2o_linklist_unlink(&rc->link);
    h2o_websocket_close(rc->ws);
    free(rc);
}

static void on_raw_msg(h2o_websocket_conn_t *conn, const struct wslay_event_on_msg_recv_arg *arg)
{
    if (arg == NULL)
        raw_drop(conn->data);
}

static void raw_close_all(gw_bench_loop_t *BL)
{
    while (!h2o_linklist_is_empty(&BL->raw))
        raw_drop(H2O_STRUCT_FROM_MEMBER(raw_conn_t, link, BL->raw.next));
}

static int on_bench_ws_raw(h2o_handler_t *self, h2o_req_t *req)
{
    bench_handler_t *h = (bench_handler_t *)self;
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, &h->super, req))
        return 0;
    const char *key = NULL;
    raw_conn_t *c = NULL;
    if (req->version != 0x101 || h2o_is_websocket_handshake(req, &key) != 0 || key == NULL ||
        (c = calloc(1, sizeof *c)) == NULL) {
        gw_http_send_error(&rc, 400, NULL, "Expected a WebSocket upgrade");
        return 0;
    }
    gw_bench_loop_t *BL = gw_loop_slot(rc.thread, h->bench->slot);
    rc.thread->inflight--;
    h2o_linklist_insert(&BL->raw, &c->link);
    c->ws = h2o_upgrade_to_websocket(req, key, c, on_raw_msg);
    return 0;
}

static void raw_batch_release(raw_batch_t *b)
{
    if (atomic_fetch_sub(&b->refs, 1) == 1) {
        gql_buf_free(&b->text);
        free(b);
    }
}

static void raw_broadcast(gw_thread_t *t, void *arg)
{
    raw_batch_t *b = arg;
    gw_bench_loop_t *BL = gw_loop_slot(t, b->bench->slot);
    for (h2o_linklist_t *n = BL->raw.next; n != &BL->raw; n = n->next) {
        raw_conn_t *c = H2O_STRUCT_FROM_MEMBER(raw_conn_t, link, n);
        if (c->ws->sock == NULL)
            continue;
        for (size_t i = 0; i < b->n; i++) {
            struct wslay_event_msg m = {WSLAY_TEXT_FRAME, (const uint8_t *)b->text.data + b->offs[i],
                                        b->offs[i + 1] - b->offs[i]};
            wslay_event_queue_msg(c->ws->ws_ctx, &m);
        }
    }
    /* proceeding may close a connection: walk again, carefully */
    for (h2o_linklist_t *n = BL->raw.next, *next; n != &BL->raw; n = next) {
        next = n->next;
        raw_conn_t *c = H2O_STRUCT_FROM_MEMBER(raw_conn_t, link, n);
        if (c->ws->sock != NULL)
            h2o_websocket_proceed(c->ws);
    }
}

/* After dispatch, or at teardown without it. */
static void raw_msg_dispose(gw_loopq_msg_t *m)
{
    raw_batch_release(m->u.call.arg);
    free(m);
}

static void put_field(gql_buf_t *b, const char *name, const char *s, size_t n)
{
    gql_buf_puts(b, ",\"");
    gql_buf_puts(b, name);
    gql_buf_puts(b, "\":");
    gql_buf_json_string(b, s, n);
}

static int on_bench_raw_publish(h2o_handler_t *self, h2o_req_t *req)
{
    bench_handler_t *h = (bench_handler_t *)self;
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, &h->super, req))
        return 0;
    gw_bench_t *bn = h->bench;
    long n = bench_count(req);
    raw_batch_t *b = n >= 1 && n <= 1000000 ? calloc(1, sizeof *b + ((size_t)n + 1) * sizeof(size_t)) : NULL;
    if (b == NULL) {
        gw_http_send_error(&rc, 400, NULL, "n must be 1 to 1000000");
        return 0;
    }
    b->bench = bn;
    b->n = (size_t)n;
    uint64_t base = gw_txstore_count(bn->stream_store);
    for (long i = 0; i < n; i++) {
        gw_balance_changed_t ev;
        char iban[32], nb[GW_MONEY_MAX], cb[GW_MONEY_MAX];
        bench_event(i, iban, sizeof iban, &ev);
        size_t nbl = gw_money_format(nb, sizeof nb, ev.new_balance);
        size_t cbl = gw_money_format_abs(cb, sizeof cb, ev.changed_by);
        b->offs[i] = b->text.len;
        gql_buf_printf(&b->text,
                       "{\"id\":\"1\",\"type\":\"next\",\"payload\":{\"data\":{\"stream_transactions\":{\"id\":%llu",
                       (unsigned long long)(base + 1 + (uint64_t)i));
        put_field(&b->text, "iban", ev.iban.ptr, ev.iban.len);
        put_field(&b->text, "new_balance", nb, nbl);
        put_field(&b->text, "changed_by", cb, cbl);
        put_field(&b->text, "from_to", ev.from_to.ptr, ev.from_to.len);
        put_field(&b->text, "descr", ev.description.ptr, ev.description.len);
        gql_buf_printf(&b->text, ",\"direction\":\"%s\"}}}}", gw_direction_name(gw_direction_of(ev.changed_by)));
    }
    b->offs[n] = b->text.len;
    if (b->text.oom) {
        gql_buf_free(&b->text);
        free(b);
        gw_http_send_error(&rc, 500, NULL, "internal error");
        return 0;
    }
    size_t nl = gw_server_nthreads(bn->server);
    atomic_store(&b->refs, nl);
    for (size_t i = 0; i < nl; i++) {
        gw_loopq_msg_t *m = calloc(1, sizeof *m);
        if (m == NULL) {
            raw_batch_release(b);
            continue;
        }
        m->kind = GW_LOOPQ_CALL;
        m->dispose = raw_msg_dispose;
        m->u.call.fn = raw_broadcast;
        m->u.call.arg = b;
        gw_server_push(bn->server, i, m); /* disposed (released) even when not queued */
    }
    char body[64];
    int bl = snprintf(body, sizeof body, "{\"published\":%ld}", n);
    gw_http_send(&rc, 200, "application/json; charset=utf-8", body, (size_t)bl);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Setup                                                                    */
/* ------------------------------------------------------------------------ */

int gw_bench_bind(gw_bench_t *b, gql_schema_t *schema)
{
    if (gql_schema_bind(schema, "Mutation", "money_transfer", resolve_money_transfer, b) != 0 ||
        gql_schema_bind(schema, "Subscription", "money_transfer", resolve_money_transfer, b) != 0 ||
        gql_schema_bind(schema, "MoneyTransferResult", "uuid", resolve_uuid, NULL) != 0 ||
        gql_schema_bind(schema, "MoneyTransferResult", "success", resolve_success, NULL) != 0 ||
        gql_schema_bind(schema, "MoneyTransferResult", "reason", resolve_reason, NULL) != 0) {
        fprintf(stderr, "gateway: --bench: the schema lacks money_transfer or MoneyTransferResult\n");
        return GW_EINVAL;
    }
    return prepare_raw(b, schema);
}

int gw_bench_register(gw_bench_t *b, h2o_hostconf_t *host)
{
    static const struct {
        const char *path;
        int (*fn)(h2o_handler_t *, h2o_req_t *);
    } ROUTES[] = {
        {"/bench/raw-publish", on_bench_raw_publish},
        {"/bench/publish", on_bench_publish},
        {"/bench/ws-raw", on_bench_ws_raw},
        {"/bench/raw", on_bench_raw},
    };
    for (size_t i = 0; i < sizeof ROUTES / sizeof *ROUTES; i++) {
        bench_handler_t *h =
            (bench_handler_t *)gw_http_register(b->server, host, ROUTES[i].path, ROUTES[i].fn, sizeof *h);
        h->bench = b;
    }
    return 0;
}

/* --bench: ten accounts' transactions, ids 1..10 (the IBANs are valid). */
static void fill_query_store(gw_txstore_t *tx)
{
    static const char *const IBANS[] = {
        "NL17OPEN0000000001", "NL44OPEN0000000002", "NL71OPEN0000000003", "NL98OPEN0000000004", "NL28OPEN0000000005",
        "NL55OPEN0000000006", "NL82OPEN0000000007", "NL12OPEN0000000008", "NL39OPEN0000000009", "NL66OPEN0000000010"};
    for (int i = 1; i <= 10; i++) {
        char d[16];
        snprintf(d, sizeof d, "bench %d", i);
        int64_t by = (i == 3 || i == 6 || i == 8) ? -10100 : 10100;
        gw_balance_changed_t ev = {{IBANS[i - 1], 18}, i * 10100, by, {"cash", 4}, {d, (uint32_t)strlen(d)}};
        gw_txstore_append(tx, &ev, -1, 0);
    }
}

static void on_sweep(h2o_timeout_entry_t *entry)
{
    gw_bench_loop_t *BL = H2O_STRUCT_FROM_MEMBER(gw_bench_loop_t, sweep_entry, entry);
    if (BL->thread->stopping)
        raw_close_all(BL);
    else
        h2o_timeout_link(BL->thread->ctx.loop, &BL->sweep_timeout, &BL->sweep_entry);
}

static int loop_start(gw_thread_t *t, void *data)
{
    gw_bench_t *b = data;
    gw_bench_loop_t *BL = calloc(1, sizeof *BL);
    if (BL == NULL)
        return GW_ENOMEM;
    gw_loop_set_slot(t, b->slot, BL);
    BL->thread = t;
    h2o_linklist_init_anchor(&BL->raw);
    h2o_timeout_init(t->ctx.loop, &BL->transfer_timeout, GW_BENCH_DELAY_MS);
    h2o_timeout_init(t->ctx.loop, &BL->sweep_timeout, SWEEP_MS);
    BL->sweep_entry.cb = on_sweep;
    h2o_timeout_link(t->ctx.loop, &BL->sweep_timeout, &BL->sweep_entry);
    return 0;
}

static void loop_end(gw_thread_t *t, void *data)
{
    gw_bench_t *b = data;
    gw_bench_loop_t *BL = gw_loop_slot(t, b->slot);
    if (BL == NULL)
        return;
    raw_close_all(BL);
    if (t->connections != 0)
        return; /* connections outlived the shutdown bound: leave their state to the exit */
    /* fire what is left: each resume sees its client gone and frees */
    while (!h2o_linklist_is_empty(&BL->transfer_timeout._entries)) {
        h2o_timeout_entry_t *e = H2O_STRUCT_FROM_MEMBER(h2o_timeout_entry_t, _link, BL->transfer_timeout._entries.next);
        h2o_timeout_unlink(e);
        e->cb(e);
    }
    if (h2o_timeout_is_linked(&BL->sweep_entry))
        h2o_timeout_unlink(&BL->sweep_entry);
    h2o_timeout_dispose(t->ctx.loop, &BL->sweep_timeout);
    h2o_timeout_dispose(t->ctx.loop, &BL->transfer_timeout);
    gw_loop_set_slot(t, b->slot, NULL);
    free(BL);
}

gw_bench_t *gw_bench_new(gw_server_t *s)
{
    gw_bench_t *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->server = s;
    pthread_mutex_init(&b->mu, NULL);
    b->query_store = gw_txstore_new();
    b->stream_store = gw_txstore_new();
    b->slot = gw_server_slot_new(s);
    if (b->query_store == NULL || b->stream_store == NULL || b->slot < 0 ||
        gw_server_add_thread_hook(s, loop_start, loop_end, b) != 0) {
        gw_bench_free(b);
        return NULL;
    }
    fill_query_store(b->query_store);
    return b;
}

void gw_bench_free(gw_bench_t *b)
{
    if (b == NULL)
        return;
    gw_txstore_free(b->query_store);
    gw_txstore_free(b->stream_store);
    gql_buf_free(&b->raw_response);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

gw_txstore_t *gw_bench_query_store(gw_bench_t *b)
{
    return b->query_store;
}

gw_txstore_t *gw_bench_stream_store(gw_bench_t *b)
{
    return b->stream_store;
}
