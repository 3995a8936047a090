/*
 * test_subs.c — the registry of one loop (gateway/subs/subs.c) without a
 * server run (loop_fixture.h): a fake transport (the sink below records
 * what it is handed), a real gw_txstore_t, and a small schema whose
 * stream_transactions subscribe function returns a gw_subs_source_t with
 * a filter, as resolvers/bank.c does. Transactions reach the registry the
 * way the Kafka thread hands them over: appended to the store, then
 * gw_loopq_publish_tx and a drain of the loop's inbox.
 *
 * Cases: delivery of new transactions only; the IBAN, min_amount and
 * direction filters (an IBAN sharing a bucket included); one execution and
 * one payload per (operation, variables) per event; gw_subs_stop from
 * inside next() during a fan-out; after_id resume (stored ones in order,
 * then live ones, no gap or duplicate at the seam, in batches while live
 * fan-out goes on, paused while the connection is behind); single results
 * (a query, answered at once or held by its resolver, and stopped while
 * held); request errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "exec/pending.h"
#include "loop_fixture.h"
#include "store.h"
#include "subs/subs.h"
#include "test.h"

static const char SDL[] = "enum dtype { DEBIT CREDIT }\n"
                          "type Transaction { id: Int! iban: String! amount: Int! direction: dtype! }\n"
                          "type Query { hello: String later: String }\n"
                          "type Subscription {\n"
                          "  stream_transactions(iban: String, min_amount: Int, direction: dtype, after_id: Int): "
                          "Transaction\n"
                          "  later: String\n"
                          "}\n";

/* Two IBANs in the same registry bucket (FNV-1a mod 1024 today): a
 * subscription on one must never see the other's transactions. */
#define IBAN_A "NL01BANK0000000001"
#define IBAN_A_BUCKET "NL02BANK0000001481"
#define IBAN_B "NL03BANK0000000003"
#define IBAN_C "NL04BANK0000000004"

#define MAX_GOT 512

typedef struct subs_test subs_test_t;

/* The fake transport's connection: owner of one operation, a record of
 * everything the registry handed it. */
typedef struct conn {
    subs_test_t *st;
    gw_sub_t *sub;         /* NULL once stopped */
    size_t nexts;          /* next() calls */
    size_t completes;      /* complete() calls */
    uint64_t ids[MAX_GOT]; /* the transaction id of each payload (0: none) */
    const gw_payload_t *payloads[MAX_GOT];
    char last_json[256];
    size_t stop_at;          /* gw_subs_stop(own sub) inside the stop_at-th next() */
    struct conn *stop_other; /* gw_subs_stop(that one's sub) inside the first next() */
    size_t unsent;           /* bytes "not yet written" (back-pressure) */
} conn_t;

struct subs_test {
    loop_fixture_t fx;
    gql_schema_t *schema;
    gw_exec_t *exec;
    gw_subs_t *subs;
    gw_txstore_t *store;
    gw_subs_loop_t *L;
    size_t executions;  /* stream_transactions resolved (one per execution) */
    gw_pending_t *held; /* what `later` held */
};

/* ------------------------------------------------------------------------ */
/* The schema's side                                                        */
/* ------------------------------------------------------------------------ */

static void answer_str(gql_rv_t *out, const char *s, size_t len)
{
    out->kind = GQL_RV_STRING;
    out->u.s.ptr = s;
    out->u.s.len = len;
}

static void error_str(gql_rv_t *out, const char *s)
{
    out->kind = GQL_RV_ERROR;
    out->u.s.ptr = s;
    out->u.s.len = strlen(s);
}

/* The source of stream_transactions: the gateway's own, a filter from the
 * arguments (no reader check: this schema has no accounts). */
static int subscribe_transactions(const gql_resolve_info_t *info, const gql_args_t *args, void **stream,
                                  const char **error)
{
    gw_subs_source_t *src;
    int rc = gw_subs_source_transactions(info->arena, args, &src, error);
    if (rc == 0)
        *stream = src;
    return rc;
}

/* Subscription.later: one result, from a resolver that may hold it. */
static int subscribe_once(const gql_resolve_info_t *info, const gql_args_t *args, void **stream, const char **error)
{
    (void)info, (void)args, (void)error;
    *stream = (void *)gw_subs_source_once();
    return 0;
}

/* The event (a gw_tx_t, the root value) is the field's value. */
static void resolve_event(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)args;
    subs_test_t *st = info->field_data;
    st->executions++;
    out->kind = GQL_RV_OBJECT;
    out->u.obj.ptr = parent;
}

static void resolve_tx(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)args;
    const gw_tx_t *tx = parent;
    const char *f = info->field_name;
    if (strcmp(f, "id") == 0) {
        out->kind = GQL_RV_INT;
        out->u.i = (int64_t)tx->id;
    } else if (strcmp(f, "iban") == 0) {
        answer_str(out, tx->iban.ptr, tx->iban.len);
    } else if (strcmp(f, "amount") == 0) {
        out->kind = GQL_RV_INT;
        out->u.i = tx->changed_by;
    } else {
        const char *d = gw_direction_name(gw_direction_of(tx->changed_by));
        answer_str(out, d, strlen(d));
    }
}

static void resolve_hello(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)parent, (void)args;
    answer_str(out, "world", 5);
}

/* Holds the execution; the test answers with gw_pending_resume. */
static void resolve_later(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent, (void)args;
    subs_test_t *st = info->field_data;
    st->held = gw_pending_hold(info);
    if (st->held == NULL) {
        error_str(out, "cannot wait here");
        return;
    }
    out->kind = GQL_RV_PENDING;
}

/* ------------------------------------------------------------------------ */
/* The fake transport                                                       */
/* ------------------------------------------------------------------------ */

static void sink_next(gw_sub_t *sub, gw_payload_t *p)
{
    conn_t *c = sub->owner;
    const char *json = p->json->data;
    size_t len = p->json->len;
    const char *id = memmem(json, len, "\"id\":", 5);
    if (c->nexts < MAX_GOT) {
        c->ids[c->nexts] = id != NULL ? strtoull(id + 5, NULL, 10) : 0;
        c->payloads[c->nexts] = p;
    }
    c->nexts++;
    snprintf(c->last_json, sizeof c->last_json, "%.*s", (int)len, json);
    if (c->stop_other != NULL && c->stop_other->sub != NULL) {
        gw_subs_stop(c->stop_other->sub);
        c->stop_other->sub = NULL;
    }
    if (c->stop_at != 0 && c->nexts == c->stop_at) {
        gw_subs_stop(sub);
        c->sub = NULL;
    }
}

/* As the transports do: the operation ended, stop it. */
static void sink_complete(gw_sub_t *sub)
{
    conn_t *c = sub->owner;
    c->completes++;
    gw_subs_stop(sub);
    c->sub = NULL;
}

static size_t sink_unsent(gw_sub_t *sub)
{
    conn_t *c = sub->owner;
    return c->unsent;
}

static const gw_sub_sink_t SINK = {sink_next, sink_complete, sink_unsent};

/* ------------------------------------------------------------------------ */
/* Fixture                                                                  */
/* ------------------------------------------------------------------------ */

#define MAX_UNSENT 1000 /* catch-up pauses above 500 bytes unsent */

static int setup(subs_test_t *st)
{
    memset(st, 0, sizeof *st);
    if (loop_fixture_init(&st->fx) != 0 || gw_store_init() != 0)
        return -1;
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_errors_t errs;
    gql_errors_init(&errs, a, 10);
    st->schema = gql_schema_build(SDL, sizeof SDL - 1, NULL, &errs, NULL);
    gql_arena_free(a);
    if (st->schema == NULL)
        return -1;
    static const char *const TX_FIELDS[] = {"id", "iban", "amount", "direction"};
    for (size_t i = 0; i < 4; i++)
        if (gql_schema_bind(st->schema, "Transaction", TX_FIELDS[i], resolve_tx, st) != 0)
            return -1;
    if (gql_schema_bind(st->schema, "Subscription", "stream_transactions", resolve_event, st) != 0 ||
        gql_schema_bind(st->schema, "Subscription", "later", resolve_later, st) != 0 ||
        gql_schema_bind(st->schema, "Query", "hello", resolve_hello, st) != 0 ||
        gql_schema_bind(st->schema, "Query", "later", resolve_later, st) != 0 ||
        gql_schema_bind_subscribe(st->schema, "stream_transactions", subscribe_transactions, st) != 0 ||
        gql_schema_bind_subscribe(st->schema, "later", subscribe_once, st) != 0)
        return -1;
    gql_limits_t limits = gql_limits_default();
    if ((st->store = gw_txstore_new()) == NULL ||
        (st->exec = gw_exec_new(&st->fx.server, st->schema, &limits, &(gw_cost_limits_t){0}, 16, 0)) == NULL ||
        (st->subs = gw_subs_new(&st->fx.server, st->exec, MAX_UNSENT)) == NULL)
        return -1;
    gw_subs_set_store(st->subs, st->store);
    if (loop_fixture_start(&st->fx) != 0)
        return -1;
    st->L = gw_subs_loop_of(st->subs, st->fx.t);
    return st->L != NULL ? 0 : -1;
}

static void stop_conn(conn_t *c)
{
    if (c->sub != NULL)
        gw_subs_stop(c->sub);
    c->sub = NULL;
}

static void teardown(subs_test_t *st)
{
    loop_fixture_end(&st->fx);
    gw_subs_free(st->subs);
    gw_exec_free(st->exec);
    loop_fixture_dispose(&st->fx);
    gql_schema_free(st->schema);
    gw_txstore_free(st->store);
}

static void conn_init(subs_test_t *st, conn_t *c)
{
    memset(c, 0, sizeof *c);
    c->st = st;
}

/* Starts `query` (variables: a JSON object text, or NULL) for connection c
 * as a transport would; on errors the JSON array is copied to `errors`
 * (may be NULL) and the sub freed. */
static gw_start_result_t start(conn_t *c, const char *query, const char *variables, bool allow_single, char *errors,
                               size_t errlen)
{
    gw_sub_t *sub = gw_sub_new(c->st->L, &SINK, c, "1", 1);
    if (sub == NULL)
        return GW_START_INTERNAL;
    gw_params_t params = {.query = query, .query_len = strlen(query)};
    gql_iv_t *vars = NULL;
    if (variables != NULL) {
        vars = gql_arena_alloc(sub->arena, sizeof *vars);
        char err[128];
        if (vars == NULL || gql_json_parse(sub->arena, variables, strlen(variables), vars, err, sizeof err) != 0) {
            gw_subs_stop(sub);
            return GW_START_INTERNAL;
        }
        params.variables = vars;
    }
    c->sub = sub;
    gql_buf_t eb = GQL_BUF_INIT;
    gw_start_result_t r = gw_subs_start(sub, &params, allow_single, &eb);
    if (errors != NULL)
        snprintf(errors, errlen, "%.*s", (int)eb.len, eb.data ? eb.data : "");
    gql_buf_free(&eb);
    if (r == GW_START_ERRORS || r == GW_START_INTERNAL)
        stop_conn(c);
    return r;
}

/* Appends a transaction (as the Kafka thread does); returns its id. */
static uint64_t append(subs_test_t *st, const char *iban, int64_t changed_by)
{
    gw_balance_changed_t ev = {
        .iban = {iban, (uint32_t)strlen(iban)},
        .new_balance = 0,
        .changed_by = changed_by,
        .from_to = {"NL99BANK0000000099", 18},
        .description = {"test", 4},
    };
    int64_t id = gw_txstore_append(st->store, &ev, -1, 0);
    return id > 0 ? (uint64_t)id : 0;
}

/* Publishes everything appended up to `upto` and lets the loop handle its
 * inbox. */
static void publish(subs_test_t *st, uint64_t upto)
{
    gw_loopq_publish_tx(&st->fx.t->loopq, upto);
    gw_loopq_drain(&st->fx.t->loopq);
}

static void publish_all(subs_test_t *st)
{
    publish(st, gw_txstore_count(st->store));
}

/* "1,2,3": the ids c got, for readable failures. */
static const char *ids_str(const conn_t *c, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->nexts && i < MAX_GOT && n + 1 < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%llu", i ? "," : "", (unsigned long long)c->ids[i]);
    return buf;
}

/* The gateway_active_subscriptions sample of /metrics, or -1. */
static long active_subscriptions(subs_test_t *st)
{
    gql_buf_t m = GQL_BUF_INIT;
    gw_server_render_metrics(&st->fx.server, &m);
    const char *s = strstr(gql_buf_cstr(&m), "\ngateway_active_subscriptions ");
    long n = s != NULL ? strtol(s + 30, NULL, 10) : -1;
    gql_buf_free(&m);
    return n;
}

#define STREAM_IDS "subscription { stream_transactions { id } }"

/* ------------------------------------------------------------------------ */
/* Tests                                                                    */
/* ------------------------------------------------------------------------ */

TEST(delivers_new_transactions_from_the_inbox)
{
    subs_test_t st;
    conn_t a;
    char buf[256];
    ASSERT(setup(&st) == 0);
    conn_init(&st, &a);
    ASSERT_EQ_INT(1, append(&st, IBAN_A, -100)); /* stored before: not new */
    ASSERT_EQ_INT(GW_START_STREAM,
                  start(&a, "subscription { stream_transactions { id iban amount direction } }", NULL, false, NULL, 0));
    ASSERT_EQ_INT(0, a.nexts);
    ASSERT_EQ_INT(1, active_subscriptions(&st));
    append(&st, IBAN_A, -500);
    append(&st, IBAN_B, 2000);
    gw_loopq_publish_tx(&st.fx.t->loopq, 3);
    ASSERT_EQ_INT(0, a.nexts); /* published, not yet drained by the loop */
    gw_loopq_drain(&st.fx.t->loopq);
    ASSERT_EQ_STR("2,3", ids_str(&a, buf, sizeof buf));
    ASSERT_EQ_STR("{\"data\":{\"stream_transactions\":{\"id\":3,\"iban\":\"" IBAN_B
                  "\",\"amount\":2000,\"direction\":\"CREDIT\"}}}",
                  a.last_json);
    publish(&st, 3); /* nothing new */
    ASSERT_EQ_INT(2, a.nexts);
    append(&st, IBAN_C, -1);
    publish_all(&st);
    ASSERT_EQ_STR("2,3,4", ids_str(&a, buf, sizeof buf));
    ASSERT_EQ_INT(0, a.completes);
    stop_conn(&a);
    ASSERT_EQ_INT(0, active_subscriptions(&st));
    append(&st, IBAN_C, -1);
    publish_all(&st);
    ASSERT_EQ_INT(3, a.nexts);
    teardown(&st);
}

TEST(filters_iban_min_amount_direction)
{
    subs_test_t st;
    char buf[256];
    ASSERT(setup(&st) == 0);
    static const struct {
        const char *query;
        const char *expect;
    } CASES[] = {
        {"subscription { stream_transactions(iban: \"" IBAN_A "\") { id } }", "1,3,5"},
        {"subscription { stream_transactions(iban: \"" IBAN_A_BUCKET "\") { id } }", ""},
        {"subscription { stream_transactions(iban: \"" IBAN_B "\") { id } }", "2,6"},
        {"subscription { stream_transactions(min_amount: 1000) { id } }", "2,3,6"},
        {"subscription { stream_transactions(direction: DEBIT) { id } }", "1,4,5,6"},
        {"subscription { stream_transactions(direction: CREDIT) { id } }", "2,3"},
        {"subscription { stream_transactions(iban: \"" IBAN_A "\", direction: DEBIT, min_amount: 100) { id } }", "1"},
        {STREAM_IDS, "1,2,3,4,5,6"},
    };
    enum { N = sizeof CASES / sizeof CASES[0] };
    conn_t c[N];
    for (size_t i = 0; i < N; i++) {
        conn_init(&st, &c[i]);
        ASSERT_EQ_INT(GW_START_STREAM, start(&c[i], CASES[i].query, NULL, false, NULL, 0));
    }
    append(&st, IBAN_A, -500);  /* 1 */
    append(&st, IBAN_B, 2000);  /* 2 */
    append(&st, IBAN_A, 1500);  /* 3 */
    append(&st, IBAN_C, -50);   /* 4 */
    append(&st, IBAN_A, -99);   /* 5 */
    append(&st, IBAN_B, -1000); /* 6 */
    publish(&st, 4);
    publish(&st, 6);
    for (size_t i = 0; i < N; i++) {
        if (strcmp(CASES[i].expect, ids_str(&c[i], buf, sizeof buf)) != 0)
            FAIL_("%s: expected [%s], got [%s]", CASES[i].query, CASES[i].expect, buf);
        stop_conn(&c[i]);
    }
    teardown(&st);
}

TEST(one_execution_per_key_per_event)
{
    subs_test_t st;
    conn_t x, y, z, w, v;
    ASSERT(setup(&st) == 0);
    conn_t *all[] = {&x, &y, &z, &w, &v};
    for (size_t i = 0; i < 5; i++)
        conn_init(&st, all[i]);
    static const char BY_MIN[] = "subscription S($min: Int) { stream_transactions(min_amount: $min) { id } }";
    ASSERT_EQ_INT(GW_START_STREAM, start(&x, STREAM_IDS, NULL, false, NULL, 0));
    ASSERT_EQ_INT(GW_START_STREAM, start(&y, STREAM_IDS, NULL, false, NULL, 0));
    ASSERT_EQ_INT(GW_START_STREAM, start(&z, "subscription { stream_transactions { id iban } }", NULL, false, NULL, 0));
    ASSERT_EQ_INT(GW_START_STREAM, start(&w, BY_MIN, "{\"min\":0}", false, NULL, 0));
    ASSERT_EQ_INT(GW_START_STREAM, start(&v, BY_MIN, "{\"min\":1}", false, NULL, 0));
    append(&st, IBAN_A, -500);
    publish_all(&st);
    for (size_t i = 0; i < 5; i++)
        ASSERT_EQ_INT(1, all[i]->nexts);
    ASSERT(x.payloads[0] == y.payloads[0]); /* same operation, same variables: one payload */
    ASSERT(z.payloads[0] != x.payloads[0]); /* another document */
    ASSERT(w.payloads[0] != v.payloads[0]); /* other variables */
    ASSERT_EQ_INT(4, st.executions);        /* x and y share one */
    ASSERT_EQ_STR(x.last_json, y.last_json);
    ASSERT_EQ_STR(x.last_json, w.last_json); /* same bytes, still a payload of its own */

    append(&st, IBAN_A, -500); /* a second event: executed again, once per key */
    publish_all(&st);
    ASSERT_EQ_INT(8, st.executions);
    ASSERT(x.payloads[1] == y.payloads[1]);
    for (size_t i = 0; i < 5; i++)
        stop_conn(all[i]);
    teardown(&st);
}

/* Every key forced to collide (one memo slot for all): operations with
 * other text or other variables still get payloads of their own, and equal
 * ones still share one. */
TEST(memo_compares_content_on_a_hash_hit)
{
    subs_test_t st;
    conn_t x, y, z, w, v;
    ASSERT(setup(&st) == 0);
    gw_subs__set_key_mask(st.subs, 0);
    conn_t *all[] = {&x, &y, &z, &w, &v};
    for (size_t i = 0; i < 5; i++)
        conn_init(&st, all[i]);
    static const char BY_MIN[] = "subscription S($min: Int) { stream_transactions(min_amount: $min) { id } }";
    ASSERT_EQ_INT(GW_START_STREAM, start(&x, STREAM_IDS, NULL, false, NULL, 0));
    ASSERT_EQ_INT(GW_START_STREAM, start(&z, "subscription { stream_transactions { id iban } }", NULL, false, NULL, 0));
    ASSERT_EQ_INT(GW_START_STREAM, start(&y, STREAM_IDS, NULL, false, NULL, 0));
    ASSERT_EQ_INT(GW_START_STREAM, start(&w, BY_MIN, "{\"min\":0}", false, NULL, 0));
    ASSERT_EQ_INT(GW_START_STREAM, start(&v, BY_MIN, "{\"min\":1}", false, NULL, 0));
    append(&st, IBAN_A, -500);
    publish_all(&st);
    for (size_t i = 0; i < 5; i++)
        ASSERT_EQ_INT(1, all[i]->nexts);
    ASSERT(x.payloads[0] == y.payloads[0]); /* same content: one payload */
    ASSERT(z.payloads[0] != x.payloads[0]); /* same (forced) key, other document */
    ASSERT(w.payloads[0] != v.payloads[0]); /* same key, other variables */
    ASSERT(strstr(z.last_json, IBAN_A) != NULL);
    ASSERT(strstr(x.last_json, IBAN_A) == NULL);
    ASSERT_EQ_INT(4, st.executions);
    for (size_t i = 0; i < 5; i++)
        stop_conn(all[i]);
    teardown(&st);
}

TEST(stop_inside_next_during_fan_out)
{
    subs_test_t st;
    conn_t a, b, c, d, e;
    char buf[64];
    ASSERT(setup(&st) == 0);
    conn_t *all[] = {&a, &b, &c, &d, &e};
    for (size_t i = 0; i < 5; i++) {
        conn_init(&st, all[i]);
        ASSERT_EQ_INT(GW_START_STREAM, start(all[i], STREAM_IDS, NULL, false, NULL, 0));
    }
    b.stop_at = 1;     /* stops itself on its first event */
    d.stop_other = &e; /* closes e's connection on its first event */
    ASSERT_EQ_INT(5, active_subscriptions(&st));
    append(&st, IBAN_A, -1);
    append(&st, IBAN_B, -2);
    publish_all(&st); /* two events in one fan-out */
    ASSERT_EQ_STR("1,2", ids_str(&a, buf, sizeof buf));
    ASSERT_EQ_STR("1", ids_str(&b, buf, sizeof buf));
    ASSERT_EQ_STR("1,2", ids_str(&c, buf, sizeof buf));
    ASSERT_EQ_STR("1,2", ids_str(&d, buf, sizeof buf));
    ASSERT(e.nexts <= 1); /* before or after d in the walk: never after its stop */
    ASSERT(e.nexts == 0 || e.ids[0] == 1);
    ASSERT(b.sub == NULL && e.sub == NULL);
    ASSERT_EQ_INT(3, active_subscriptions(&st));
    size_t enexts = e.nexts;
    append(&st, IBAN_A, -3);
    publish_all(&st);
    ASSERT_EQ_STR("1,2,3", ids_str(&a, buf, sizeof buf));
    ASSERT_EQ_INT(1, b.nexts);
    ASSERT_EQ_INT(enexts, e.nexts);
    for (size_t i = 0; i < 5; i++)
        stop_conn(all[i]);
    teardown(&st);
}

TEST(after_id_resumes_without_gap_or_duplicate)
{
    subs_test_t st;
    conn_t a, f, s;
    char buf[256];
    ASSERT(setup(&st) == 0);
    conn_init(&st, &a);
    conn_init(&st, &f);
    conn_init(&st, &s);
    for (int i = 1; i <= 5; i++)
        append(&st, i % 2 ? IBAN_A : IBAN_B, -i);
    publish(&st, 3); /* the loop has seen 3; 4 and 5 are stored, not yet fanned out */
    ASSERT_EQ_INT(GW_START_STREAM,
                  start(&a, "subscription { stream_transactions(after_id: 1) { id } }", NULL, false, NULL, 0));
    ASSERT_EQ_STR("2,3,4,5", ids_str(&a, buf, sizeof buf)); /* stored ones at once, in order */
    ASSERT_EQ_INT(GW_START_STREAM,
                  start(&f, "subscription { stream_transactions(after_id: 0, iban: \"" IBAN_A "\") { id } }", NULL,
                        false, NULL, 0));
    ASSERT_EQ_STR("1,3,5", ids_str(&f, buf, sizeof buf));
    /* stops itself at its second stored transaction, inside gw_subs_start */
    s.stop_at = 2;
    ASSERT_EQ_INT(GW_START_STREAM,
                  start(&s, "subscription { stream_transactions(after_id: 0) { id } }", NULL, false, NULL, 0));
    ASSERT_EQ_STR("1,2", ids_str(&s, buf, sizeof buf));
    ASSERT(s.sub == NULL);
    publish(&st, 5); /* 4 and 5 reach the live fan-out: already sent */
    ASSERT_EQ_STR("2,3,4,5", ids_str(&a, buf, sizeof buf));
    append(&st, IBAN_A, -6);
    append(&st, IBAN_B, -7);
    publish_all(&st);
    ASSERT_EQ_STR("2,3,4,5,6,7", ids_str(&a, buf, sizeof buf));
    ASSERT_EQ_STR("1,3,5,6", ids_str(&f, buf, sizeof buf));
    ASSERT_EQ_INT(2, s.nexts);
    ASSERT_EQ_INT(2, active_subscriptions(&st));
    stop_conn(&a);
    stop_conn(&f);
    teardown(&st);
}

/* ids 1..n, each once, in order. */
static bool all_in_order(const conn_t *c, uint64_t n)
{
    if (c->nexts != n)
        return false;
    for (uint64_t i = 0; i < n; i++)
        if (c->ids[i] != i + 1)
            return false;
    return true;
}

TEST(after_id_catches_up_in_batches_while_live)
{
    subs_test_t st;
    conn_t live, r, slow;
    ASSERT(setup(&st) == 0);
    conn_init(&st, &live);
    conn_init(&st, &r);
    conn_init(&st, &slow);
    for (int i = 0; i < 300; i++)
        append(&st, IBAN_A, -1 - i);
    publish_all(&st);
    ASSERT_EQ_INT(GW_START_STREAM, start(&live, STREAM_IDS, NULL, false, NULL, 0));
    ASSERT_EQ_INT(GW_START_STREAM,
                  start(&r, "subscription { stream_transactions(after_id: 0) { id } }", NULL, false, NULL, 0));
    ASSERT_EQ_INT(256, r.nexts); /* the first batch; the rest from the loop */
    slow.unsent = MAX_UNSENT;    /* its connection is behind: nothing yet */
    ASSERT_EQ_INT(GW_START_STREAM,
                  start(&slow, "subscription { stream_transactions(after_id: 0) { id } }", NULL, false, NULL, 0));
    ASSERT_EQ_INT(0, slow.nexts);
    for (int i = 0; i < 5; i++) /* live ones while r catches up: 301..305 */
        append(&st, IBAN_B, -1);
    publish_all(&st);
    ASSERT_EQ_INT(5, live.nexts);
    ASSERT_EQ_INT(256, r.nexts); /* skipped by the fan-out: the catch-up sends them */
    for (int i = 0; i < 50 && r.nexts < 305; i++)
        loop_fixture_run(&st.fx, 10);
    ASSERT(all_in_order(&r, 305));
    ASSERT_EQ_INT(0, slow.nexts); /* still behind */
    slow.unsent = 0;
    for (int i = 0; i < 50 && slow.nexts < 305; i++)
        loop_fixture_run(&st.fx, 30);
    ASSERT(all_in_order(&slow, 305));
    append(&st, IBAN_A, -1); /* 306: live for everyone */
    publish_all(&st);
    ASSERT(all_in_order(&r, 306));
    ASSERT(all_in_order(&slow, 306));
    ASSERT_EQ_INT(6, live.nexts);
    ASSERT_EQ_INT(306, live.ids[5]);
    stop_conn(&live);
    stop_conn(&r);
    stop_conn(&slow);
    teardown(&st);
}

TEST(single_results)
{
    subs_test_t st;
    conn_t q, m, h, gone;
    char errors[256];
    ASSERT(setup(&st) == 0);
    conn_init(&st, &q);
    conn_init(&st, &m);
    conn_init(&st, &h);
    conn_init(&st, &gone);

    /* a query: one next, then complete (which stops and frees it) */
    ASSERT_EQ_INT(GW_START_DONE, start(&q, "{ hello }", NULL, true, NULL, 0));
    ASSERT_EQ_INT(1, q.nexts);
    ASSERT_EQ_INT(1, q.completes);
    ASSERT_EQ_STR("{\"data\":{\"hello\":\"world\"}}", q.last_json);
    ASSERT(q.sub == NULL);
    ASSERT_EQ_INT(0, active_subscriptions(&st));

    /* not where only subscriptions are served */
    ASSERT_EQ_INT(GW_START_ERRORS, start(&m, "{ hello }", NULL, false, errors, sizeof errors));
    ASSERT_EQ_STR("[{\"message\":\"Only subscription operations are served here\"}]", errors);
    ASSERT_EQ_INT(0, m.nexts);

    /* a one-shot subscription field whose resolver holds the execution */
    ASSERT_EQ_INT(GW_START_STREAM, start(&h, "subscription { later }", NULL, false, NULL, 0));
    ASSERT(st.held != NULL);
    ASSERT_EQ_INT(0, h.nexts);
    ASSERT_EQ_INT(1, st.fx.t->inflight); /* a graceful shutdown waits for it */
    gql_rv_t v = {.kind = GQL_RV_STRING};
    v.u.s.ptr = gql_arena_strdup(gw_pending_arena(st.held), "answered");
    v.u.s.len = 8;
    gw_pending_resume(st.held, &v);
    ASSERT_EQ_INT(1, h.nexts);
    ASSERT_EQ_INT(1, h.completes);
    ASSERT_EQ_STR("{\"data\":{\"later\":\"answered\"}}", h.last_json);
    ASSERT_EQ_INT(0, st.fx.t->inflight);

    /* the same as a query, the client gone before the answer: nothing is
     * delivered, the execution's memory is freed at the answer (ASan) */
    st.held = NULL;
    ASSERT_EQ_INT(GW_START_STREAM, start(&gone, "{ later }", NULL, true, NULL, 0));
    ASSERT(st.held != NULL);
    stop_conn(&gone);
    ASSERT_EQ_INT(1, st.fx.t->inflight);
    v.u.s.ptr = gql_arena_strdup(gw_pending_arena(st.held), "too late");
    gw_pending_resume(st.held, &v);
    ASSERT_EQ_INT(0, gone.nexts);
    ASSERT_EQ_INT(0, gone.completes);
    ASSERT_EQ_INT(0, st.fx.t->inflight);
    teardown(&st);
}

TEST(request_errors)
{
    subs_test_t st;
    conn_t c;
    char errors[512];
    ASSERT(setup(&st) == 0);
    static const struct {
        const char *query;
        const char *variables;
        const char *errors;
    } CASES[] = {
        {"subscription { stream_transactions { id }", NULL,
         "[{\"message\":\"Syntax Error: Expected Name, found <EOF>.\",\"locations\":[{\"line\":1,\"column\":42}],"
         "\"extensions\":{\"code\":\"GRAPHQL_PARSE_FAILED\"}}]"},
        {"subscription { nope }", NULL,
         "[{\"message\":\"Cannot query field \\\"nope\\\" on type \\\"Subscription\\\".\",\"locations\":[{\"line\":1,"
         "\"column\":16}],\"extensions\":{\"code\":\"GRAPHQL_VALIDATION_FAILED\"}}]"},
        {"subscription S($m: Int!) { stream_transactions(min_amount: $m) { id } }", NULL,
         "[{\"message\":\"Variable \\\"$m\\\" has invalid value: Expected a value of non-null type \\\"Int!\\\" to "
         "be provided.\",\"locations\":[{\"line\":1,\"column\":16}],\"extensions\":{\"code\":\"BAD_USER_INPUT\"}}]"},
        {"subscription { stream_transactions(min_amount: -1) { id } }", NULL,
         "[{\"message\":\"min_amount must not be negative\",\"locations\":[{\"line\":1,\"column\":16}],\"path\":["
         "\"stream_transactions\"]}]"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        conn_init(&st, &c);
        errors[0] = '\0';
        ASSERT_EQ_INT(GW_START_ERRORS, start(&c, CASES[i].query, CASES[i].variables, true, errors, sizeof errors));
        if (strcmp(CASES[i].errors, errors) != 0)
            FAIL_("%s:\n    expected %s\n    got      %s", CASES[i].query, CASES[i].errors, errors);
        ASSERT_EQ_INT(0, c.nexts);
        ASSERT_EQ_INT(0, c.completes);
    }
    ASSERT_EQ_INT(0, active_subscriptions(&st)); /* nothing registered */
    append(&st, IBAN_A, -1);
    publish_all(&st);
    ASSERT_EQ_INT(0, c.nexts);
    teardown(&st);
}

TEST_MAIN(TEST_ENTRY(delivers_new_transactions_from_the_inbox), TEST_ENTRY(filters_iban_min_amount_direction),
          TEST_ENTRY(one_execution_per_key_per_event), TEST_ENTRY(memo_compares_content_on_a_hash_hit),
          TEST_ENTRY(stop_inside_next_during_fan_out), TEST_ENTRY(after_id_resumes_without_gap_or_duplicate),
          TEST_ENTRY(after_id_catches_up_in_batches_while_live), TEST_ENTRY(single_results), TEST_ENTRY(request_errors))
