/*
 * subs.c — the subscription registry of each loop and the fan-out of new
 * transactions (see subs.h for the design and the no-gap argument), the
 * event-stream functions bound to the schema's Subscription fields, the
 * routes that lead to the WebSocket and SSE transports, and the --bench
 * publisher used by bench/fanout.
 */
#include "subs.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <h2o/websocket.h>

#include "bank.h"
#include "http.h"

#define NBUCKETS 1024        /* IBAN buckets per loop */
#define SHAPE_SLOTS 512      /* distinct (operation, variables) keys memoised per event */
#define REPLAY_BATCH 256     /* stored transactions read per gw_txstore_since call */
#define SWEEP_MS 250         /* timers: pings, init timeouts, back-pressure, shutdown */
#define SUB_ARENA_BLOCK 2048 /* a subscription's operation, plan and variables fit in one block */

/* What gql_subscribe hands back for our fields. */
typedef enum stream_kind {
    STREAM_TX = 1,   /* stream_transactions */
    STREAM_ONE_SHOT, /* get_account, money_transfer: one result then complete */
} stream_kind_t;

typedef struct stream_spec {
    stream_kind_t kind;
    gw_tx_filter_t filter;
    bool has_after;
    uint64_t after_id;
} stream_spec_t;

static const stream_spec_t ONE_SHOT = {STREAM_ONE_SHOT, {{NULL, 0}, 0, GW_DIR_ANY}, false, 0};

typedef struct shape_slot {
    uint64_t gen;
    uint64_t key;
    gw_payload_t *payload;
} shape_slot_t;

struct gw_subs_loop {
    gw_subs_t *subs;
    gw_thread_t *thread;
    gw_ws_loop_t ws;
    h2o_linklist_t sse; /* sse.c's streams */
    h2o_linklist_t raw; /* --bench: h2o websocket.c connections of the baseline */
    h2o_timeout_t sweep_timeout;
    h2o_timeout_entry_t sweep_entry;
    gw_sub_t *catchers;        /* after_id streams still sending stored transactions */
    h2o_timeout_t catch_now;   /* 0 ms: the next loop iteration */
    h2o_timeout_t catch_later; /* when every catcher waits for its socket */
    h2o_timeout_entry_t catch_entry;
    bool started;
    bool closed_all; /* shutdown: close frames sent */
    gw_sub_t *any;   /* streams without an IBAN filter */
    gw_sub_t *buckets[NBUCKETS];
    uint64_t seen; /* transactions up to this id were fanned out */
    bool delivering;
    gw_sub_t *graveyard;  /* stopped during a fan-out, freed after it */
    gql_arena_t *scratch; /* incoming messages */
    gql_arena_t *exec;    /* one execution */
    gql_buf_t json;
    shape_slot_t shapes[SHAPE_SLOTS];
    uint64_t shape_gen;
    gw_payload_t **payloads; /* made during the current event */
    size_t npayloads, cap_payloads;
    size_t nsubs;
};

struct gw_subs {
    gw_server_t *server;
    gw_subs_limits_t limits;
    gw_txstore_t *store;
    gw_subs_root_fn root_fn;
    size_t nloops;
    gw_subs_loop_t *loops;
    _Atomic size_t conns;
    /* --bench */
    gw_txstore_t *own_store;
    pthread_mutex_t bench_mu;
    bool bench;
    _Atomic uint64_t raw_next; /* raw broadcast: messages sent (bench) */
};

/* ------------------------------------------------------------------------ */
/* Payloads                                                                 */
/* ------------------------------------------------------------------------ */

gw_wsbuf_t *gw_payload_memo_get(gw_payload_t *p, int tag, const char *id)
{
    for (int i = 0; i < p->nmemo; i++)
        if (p->memo[i].tag == tag && strcmp(p->memo[i].id, id) == 0)
            return p->memo[i].frame;
    return NULL;
}

void gw_payload_memo_put(gw_payload_t *p, int tag, const char *id, gw_wsbuf_t *frame)
{
    if (p->nmemo == GW_PAYLOAD_MEMO)
        return;
    p->memo[p->nmemo].tag = tag;
    p->memo[p->nmemo].id = id;
    p->memo[p->nmemo].frame = gw_wsbuf_ref(frame);
    p->nmemo++;
}

static gw_payload_t *payload_new(const char *json, size_t len)
{
    gw_payload_t *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    if ((p->json = gw_wsbuf_concat(json, len, NULL, 0, NULL, 0)) == NULL) {
        free(p);
        return NULL;
    }
    return p;
}

static void payload_free(gw_payload_t *p)
{
    if (p == NULL)
        return;
    for (int i = 0; i < p->nmemo; i++)
        gw_wsbuf_unref(p->memo[i].frame);
    gw_wsbuf_unref(p->json);
    free(p);
}

/* ------------------------------------------------------------------------ */
/* Registry                                                                 */
/* ------------------------------------------------------------------------ */

static uint32_t iban_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static gw_sub_t **chain_of(gw_subs_loop_t *L, const gw_sub_t *sub)
{
    if (sub->filter.iban.ptr == NULL)
        return &L->any;
    return &L->buckets[iban_hash(sub->filter.iban.ptr, sub->filter.iban.len) % NBUCKETS];
}

static void link_stream(gw_subs_loop_t *L, gw_sub_t *sub)
{
    gw_sub_t **head = chain_of(L, sub);
    sub->next_any = *head;
    if (*head != NULL)
        (*head)->pprev = &sub->next_any;
    *head = sub;
    sub->pprev = head;
    sub->streaming = true;
}

static void unlink_stream(gw_sub_t *sub)
{
    if (!sub->streaming)
        return;
    *sub->pprev = sub->next_any;
    if (sub->next_any != NULL)
        sub->next_any->pprev = sub->pprev;
    sub->streaming = false;
}

gw_sub_t *gw_sub_new(gw_subs_loop_t *L, const gw_sub_sink_t *sink, void *owner, const char *id, size_t idlen)
{
    gql_arena_t *a = gql_arena_new(SUB_ARENA_BLOCK, &L->thread->arena_bytes);
    if (a == NULL)
        return NULL;
    gw_sub_t *sub = gql_arena_alloc(a, sizeof *sub);
    char *idc = sub ? gql_arena_strndup(a, id ? id : "", id ? idlen : 0) : NULL;
    if (idc == NULL) {
        gql_arena_free(a);
        return NULL;
    }
    sub->sink = sink;
    sub->owner = owner;
    sub->id = idc;
    sub->owner_link = (h2o_linklist_t){NULL, NULL};
    sub->loop = L;
    sub->arena = a;
    return sub;
}

static void catchers_remove(gw_subs_loop_t *L, gw_sub_t *sub);

/* Frees what a stopped sub's held execution uses, once its resolver
 * resumed (the release function of gw_pending_cancel). */
static void orphan_free(void *data)
{
    gw_sub_t *sub = data;
    sub->loop->thread->inflight--;
    gql_buf_free(sub->out);
    if (sub->doc != NULL)
        gql_doc_cache_release(sub->doc);
    gql_arena_free(sub->arena); /* holds sub */
}

static void sub_free(gw_sub_t *sub)
{
    gw_subs_loop_t *L = sub->loop;
    if (sub->in_catchers)
        catchers_remove(L, sub);
    if (sub->pending != NULL) {
        /* the client is gone while a resolver holds the execution: its
         * memory stays until the resolver resumes (the command still
         * completes), then orphan_free frees it */
        gw_pending_cancel(sub->pending, orphan_free, sub);
        sub->pending = NULL;
        return;
    }
    if (sub->doc != NULL)
        gql_doc_cache_release(sub->doc);
    gql_arena_free(sub->arena);
    (void)L;
}

void gw_subs_stop(gw_sub_t *sub)
{
    if (sub == NULL || sub->stopped)
        return;
    gw_subs_loop_t *L = sub->loop;
    sub->stopped = true;
    if (sub->call != NULL) {
        gw_bank_cancel(sub->call);
        sub->call = NULL;
    }
    if (sub->streaming) {
        L->nsubs--;
        gw_gauge_add(&L->thread->metrics.subscriptions, -1);
    }
    if (L->delivering) {
        /* a fan-out may be walking this chain: unlink and free afterwards */
        sub->next_dead = L->graveyard;
        L->graveyard = sub;
        return;
    }
    unlink_stream(sub);
    sub_free(sub);
}

/* Frees what was stopped during a fan-out. */
static void bury(gw_subs_loop_t *L)
{
    while (L->graveyard != NULL) {
        gw_sub_t *sub = L->graveyard;
        L->graveyard = sub->next_dead;
        unlink_stream(sub);
        sub_free(sub);
    }
}

/* ------------------------------------------------------------------------ */
/* Executing                                                                */
/* ------------------------------------------------------------------------ */

static const char INTERNAL_JSON[] = "{\"errors\":[{\"message\":\"Internal server error\"}]}";

/* Executes sub's operation for one transaction into a new payload. */
static gw_payload_t *execute_tx(gw_subs_loop_t *L, gw_sub_t *sub, const gw_tx_t *tx)
{
    gql_arena_reset(L->exec);
    const void *root = L->subs->root_fn != NULL ? L->subs->root_fn(tx, L->exec) : (const void *)tx;
    L->json.len = 0;
    L->json.oom = false;
    int rc = gql_execute_scratch(sub->op, root, L->exec, &L->json);
    if (rc != 0 || L->json.oom) {
        gw_log_msg(&L->subs->server->log, GW_LOG_ERROR, "subscription execution failed",
                   rc == GQL_PENDING ? "a Transaction resolver answered later" : "internal error");
        return payload_new(INTERNAL_JSON, sizeof INTERNAL_JSON - 1);
    }
    return payload_new(L->json.data, L->json.len);
}

static bool remember_payload(gw_subs_loop_t *L, gw_payload_t *p)
{
    if (L->npayloads == L->cap_payloads) {
        size_t ncap = L->cap_payloads ? L->cap_payloads * 2 : 16;
        gw_payload_t **n = realloc(L->payloads, ncap * sizeof *n);
        if (n == NULL)
            return false;
        L->payloads = n;
        L->cap_payloads = ncap;
    }
    L->payloads[L->npayloads++] = p;
    return true;
}

/* The payload for sub's key for the current event: memoised per key. */
static gw_payload_t *shape_payload(gw_subs_loop_t *L, gw_sub_t *sub, const gw_tx_t *tx)
{
    size_t i = (size_t)(sub->key % SHAPE_SLOTS);
    for (size_t probe = 0; probe < 16; probe++, i = (i + 1) % SHAPE_SLOTS) {
        shape_slot_t *s = &L->shapes[i];
        if (s->gen == L->shape_gen && s->key == sub->key)
            return s->payload;
        if (s->gen != L->shape_gen) {
            gw_payload_t *p = execute_tx(L, sub, tx);
            if (p == NULL || !remember_payload(L, p)) {
                payload_free(p);
                return NULL;
            }
            *s = (shape_slot_t){L->shape_gen, sub->key, p};
            return p;
        }
    }
    /* a crowded neighbourhood: not memoised */
    gw_payload_t *p = execute_tx(L, sub, tx);
    if (p != NULL && !remember_payload(L, p)) {
        payload_free(p);
        return NULL;
    }
    return p;
}

static void release_payloads(gw_subs_loop_t *L)
{
    for (size_t i = 0; i < L->npayloads; i++)
        payload_free(L->payloads[i]);
    L->npayloads = 0;
    L->shape_gen++;
}

static void consider(gw_subs_loop_t *L, gw_sub_t *sub, const gw_tx_t *tx)
{
    if (sub->stopped || sub->catching_up || sub->cursor >= tx->id)
        return;
    sub->cursor = tx->id;
    if (!gw_tx_filter_match(&sub->filter, tx))
        return;
    gw_payload_t *p = shape_payload(L, sub, tx);
    if (p != NULL)
        sub->sink->next(sub, p);
}

/* Fans transaction `id` out to this loop's streams. */
static void fan_out(gw_subs_loop_t *L, gw_txstore_t *store, uint64_t id)
{
    gw_tx_t tx;
    if (!gw_txstore_get(store, id, &tx))
        return;
    for (gw_sub_t *sub = L->any; sub != NULL; sub = sub->next_any)
        consider(L, sub, &tx);
    for (gw_sub_t *sub = L->buckets[iban_hash(tx.iban.ptr, tx.iban.len) % NBUCKETS]; sub != NULL; sub = sub->next_any)
        if (sub->filter.iban.len == tx.iban.len && memcmp(sub->filter.iban.ptr, tx.iban.ptr, tx.iban.len) == 0)
            consider(L, sub, &tx);
    release_payloads(L);
}

/* GW_LOOPQ_TX: transactions up to m->u.tx.upto are readable. */
static void on_tx(gw_thread_t *t, const gw_loopq_msg_t *m, void *data)
{
    (void)t;
    gw_subs_loop_t *L = data;
    gw_txstore_t *store = L->subs->store;
    if (store == NULL || m->u.tx.upto <= L->seen)
        return;
    uint64_t upto = m->u.tx.upto;
    if (L->nsubs == 0) {
        L->seen = upto;
        return;
    }
    L->delivering = true;
    for (uint64_t id = L->seen + 1; id <= upto; id++)
        fan_out(L, store, id);
    L->seen = upto;
    L->delivering = false;
    bury(L);
}

/* ------------------------------------------------------------------------ */
/* Starting an operation                                                    */
/* ------------------------------------------------------------------------ */

static void errors_json(gql_buf_t *out, const gql_errors_t *errs)
{
    gql_errors_write_json(errs, out);
}

static void one_error(gql_buf_t *out, const char *msg)
{
    gql_buf_puts(out, "[{\"message\":");
    gql_buf_json_string(out, msg, strlen(msg));
    gql_buf_puts(out, "}]");
}

static void bury(gw_subs_loop_t *L);

/* Delivers a single result, then completes. The transport may close (and
 * stop every operation of) its connection inside next(): the sub is only
 * freed once this returns. */
static void deliver_final(gw_sub_t *sub, gw_payload_t *p)
{
    gw_subs_loop_t *L = sub->loop;
    bool was = L->delivering;
    L->delivering = true;
    if (p != NULL)
        sub->sink->next(sub, p);
    if (!sub->stopped)
        sub->sink->complete(sub);
    L->delivering = was;
    if (!was)
        bury(L);
}

/* The single result of sub's execution, from gql_execute/gql_resume's
 * code and output (frees the output's bytes). NULL when out of memory. */
static gw_payload_t *single_payload(gw_sub_t *sub, int rc, gql_buf_t *out)
{
    gw_payload_t *p;
    if (rc == 0 && !out->oom) {
        p = payload_new(out->data, out->len);
    } else {
        if (rc == 0)
            gw_log_msg(&sub->loop->subs->server->log, GW_LOG_ERROR, "graphql internal error", "out of memory");
        else if (rc != GQL_PENDING) /* pending.c logged that one */
            gw_log_msg(&sub->loop->subs->server->log, GW_LOG_ERROR, "graphql internal error", "gql_execute failed");
        p = payload_new(INTERNAL_JSON, sizeof INTERNAL_JSON - 1);
    }
    gql_buf_free(out);
    return p;
}

/* A held execution completed (gw_pending_done_fn): deliver, complete. */
static void on_single_done(void *user, int rc, gql_buf_t *out)
{
    gw_sub_t *sub = user;
    sub->loop->thread->inflight--;
    sub->pending = NULL;
    sub->out = NULL;
    gw_payload_t *p = single_payload(sub, rc, out);
    deliver_final(sub, p);
    payload_free(p);
}

/* Executes once (query, mutation, one-shot subscription) and delivers, at
 * once or — a resolver holding the execution (a mutation waiting for its
 * command's feedback, pending.h) — when it completes: GW_START_STREAM then,
 * and stopping the sub first cancels the wait (sub_free). */
static gw_start_result_t run_single(gw_sub_t *sub)
{
    gw_subs_loop_t *L = sub->loop;
    gql_buf_t *out = gql_arena_alloc(sub->arena, sizeof *out); /* gql_resume writes on at this address */
    if (out == NULL)
        return GW_START_INTERNAL;
    *out = (gql_buf_t)GQL_BUF_INIT;
    gw_pending_t *pd = NULL;
    int rc = gw_pending_execute(L->thread, sub->op, NULL, out, sub->arena, &pd);
    if (pd != NULL) {
        /* in flight until the resolver resumes, even when the client leaves
         * first: graceful shutdown then waits for the answer, which frees
         * the execution (a command's answer comes within its timeout) */
        L->thread->inflight++;
        sub->pending = pd;
        sub->out = out;
        gw_pending_wait(pd, on_single_done, sub);
        return GW_START_STREAM;
    }
    gw_payload_t *p = single_payload(sub, rc, out);
    if (p == NULL)
        return GW_START_INTERNAL;
    deliver_final(sub, p);
    payload_free(p);
    return GW_START_DONE;
}

/* A command answered (gw_bank_* callback, on this loop): the operation is
 * executed with the answer as its root value, then completes. */
static void on_command_done(void *user, const gw_bank_answer_t *a)
{
    gw_sub_t *sub = user;
    sub->call = NULL;
    gql_buf_t out = GQL_BUF_INIT;
    int rc = gql_execute(sub->op, a, &out);
    gw_payload_t *p =
        rc == 0 && !out.oom ? payload_new(out.data, out.len) : payload_new(INTERNAL_JSON, sizeof INTERNAL_JSON - 1);
    gql_buf_free(&out);
    deliver_final(sub, p);
    payload_free(p);
}

static const char *str_arg(const gql_args_t *args, const char *name, size_t *len)
{
    const gql_iv_t *v = gql_arg(args, name);
    if (v == NULL || v->kind != GQL_IV_STRING) {
        *len = 0;
        return NULL;
    }
    *len = v->u.s.len;
    return v->u.s.ptr;
}

/* get_account / money_transfer as subscriptions: start the command through
 * the bank's C API; the result follows from on_command_done. Without the
 * Kafka-backed resolvers the field executes once as bound. */
static gw_start_result_t start_command(gw_sub_t *sub)
{
    gw_subs_loop_t *L = sub->loop;
    gw_resolvers_t *r = L->subs->server->resolvers;
    const gql_args_t *args = NULL;
    const char *field = gql_subscription_field(sub->op, &args);
    if (r == NULL || field == NULL || L->subs->server->backbone == NULL)
        return run_single(sub);
    gw_bank_call_t *call = NULL;
    if (strcmp(field, "get_account") == 0) {
        size_t ul, pl;
        const char *u = str_arg(args, "username", &ul), *pw = str_arg(args, "password", &pl);
        call = gw_bank_start_get_account(r, L->thread, u ? u : "", ul, pw ? pw : "", pl, on_command_done, sub);
    } else {
        gw_bank_transfer_args_t ta = {0};
        size_t n;
        ta.uuid = str_arg(args, "uuid", &ta.uuid_len);
        ta.token = str_arg(args, "token", &n);
        ta.from = str_arg(args, "from", &n);
        ta.to = str_arg(args, "to", &n);
        ta.descr = str_arg(args, "descr", &n);
        ta.username = str_arg(args, "username", &n);
        const gql_iv_t *amt = gql_arg(args, "amount");
        ta.amount = amt != NULL && amt->kind == GQL_IV_INT ? amt->u.i : 0;
        if (ta.uuid == NULL)
            ta.uuid = "";
        call = gw_bank_start_money_transfer(r, L->thread, &ta, on_command_done, sub);
    }
    if (call == NULL)
        return GW_START_INTERNAL;
    sub->call = call;
    return GW_START_STREAM;
}

/*
 * Catch-up of an after_id stream, a batch at a time so that a resume far
 * behind neither blocks the loop nor floods its socket: a step sends up to
 * REPLAY_BATCH stored matches after the cursor, and only while the
 * connection has less than half of max_unsent_bytes waiting. Live fan-out
 * skips a stream while it catches up. The step that reads to the end of the
 * store (fewer than a batch found) moves the cursor to the highest id it
 * examined — at least the store's count then, hence at least the loop's
 * `seen` — and the stream turns live: ids above the cursor come from the
 * fan-out, none below it were skipped. Returns true when it sent anything.
 */
static bool catch_step(gw_sub_t *sub)
{
    gw_subs_loop_t *L = sub->loop;
    gw_txstore_t *store = L->subs->store;
    if (sub->stopped || store == NULL) {
        sub->catching_up = false;
        return false;
    }
    if (sub->sink->unsent(sub) > L->subs->limits.max_unsent_bytes / 2)
        return false;
    gw_tx_t batch[REPLAY_BATCH];
    uint64_t next = sub->cursor;
    size_t n = gw_txstore_since(store, sub->cursor, &sub->filter, batch, REPLAY_BATCH, &next);
    for (size_t i = 0; i < n && !sub->stopped; i++) {
        sub->cursor = batch[i].id;
        gw_payload_t *p = execute_tx(L, sub, &batch[i]);
        if (p != NULL)
            sub->sink->next(sub, p);
        payload_free(p);
    }
    if (n < REPLAY_BATCH) {
        if (next > sub->cursor)
            sub->cursor = next;
        sub->catching_up = false;
    }
    return n > 0;
}

static void schedule_catch(gw_subs_loop_t *L, bool now)
{
    if (L->catchers == NULL || h2o_timeout_is_linked(&L->catch_entry))
        return;
    h2o_timeout_link(L->thread->ctx.loop, now ? &L->catch_now : &L->catch_later, &L->catch_entry);
}

static void on_catch(h2o_timeout_entry_t *entry)
{
    gw_subs_loop_t *L = H2O_STRUCT_FROM_MEMBER(gw_subs_loop_t, catch_entry, entry);
    bool progress = false;
    L->delivering = true;
    for (gw_sub_t **pp = &L->catchers; *pp != NULL;) {
        gw_sub_t *sub = *pp;
        if (sub->catching_up)
            progress |= catch_step(sub);
        if (!sub->catching_up) {
            *pp = sub->next_catch; /* done (or stopped: freed by bury below) */
            sub->next_catch = NULL;
            sub->in_catchers = false;
        } else {
            pp = &sub->next_catch;
        }
    }
    L->delivering = false;
    bury(L);
    schedule_catch(L, progress);
}

static void catchers_remove(gw_subs_loop_t *L, gw_sub_t *sub)
{
    for (gw_sub_t **pp = &L->catchers; *pp != NULL; pp = &(*pp)->next_catch)
        if (*pp == sub) {
            *pp = sub->next_catch;
            break;
        }
    sub->in_catchers = false;
}

gw_start_result_t gw_subs_start(gw_sub_t *sub, const gql_iv_t *params, bool allow_single, gql_buf_t *errors)
{
    gw_subs_loop_t *L = sub->loop;
    gw_subs_t *subs = L->subs;
    gw_server_t *s = subs->server;
    gw_thread_t *t = L->thread;
    const gw_config_t *c = &s->config;

    const gql_iv_t *q = params ? gql_iv_get(params, "query") : NULL;
    const gql_iv_t *vars = params ? gql_iv_get(params, "variables") : NULL;
    const gql_iv_t *opn = params ? gql_iv_get(params, "operationName") : NULL;
    if (params == NULL || params->kind != GQL_IV_OBJECT || q == NULL || q->kind != GQL_IV_STRING) {
        one_error(errors, "The payload must be an object with a \"query\" string");
        return GW_START_ERRORS;
    }
    if (vars != NULL && vars->kind != GQL_IV_NULL && vars->kind != GQL_IV_OBJECT) {
        one_error(errors, "\"variables\" must be an object");
        return GW_START_ERRORS;
    }
    if (opn != NULL && opn->kind != GQL_IV_NULL && opn->kind != GQL_IV_STRING) {
        one_error(errors, "\"operationName\" must be a string");
        return GW_START_ERRORS;
    }
    gql_errors_t errs;
    gql_errors_init(&errs, sub->arena, c->graphql.limits.max_errors);
    sub->doc = gql_doc_cache_get(t->doc_cache, q->u.s.ptr, q->u.s.len, &c->graphql.limits, &errs);
    if (sub->doc == NULL) {
        if (errs.count > 0)
            errors_json(errors, &errs);
        else
            one_error(errors, "Internal server error");
        return errs.count > 0 ? GW_START_ERRORS : GW_START_INTERNAL;
    }
    gql_request_t greq = {
        .schema = s->schema,
        .document = gql_cached_doc_document(sub->doc),
        .operation_name = opn != NULL && opn->kind == GQL_IV_STRING ? opn->u.s.ptr : NULL,
        .variables = vars != NULL && vars->kind == GQL_IV_OBJECT ? vars : NULL,
        .context = t,
        .root_value = NULL,
        .arena = sub->arena,
        .limits = &c->graphql.limits,
        .cached = sub->doc, /* held as long as the subscription: its plans are shared by every subscriber */
    };
    int rc = gql_prepare(&greq, &sub->op, &errs);
    if (rc != 0) {
        if (rc == GQL_EFAIL && errs.count > 0) {
            errors_json(errors, &errs);
            return GW_START_ERRORS;
        }
        return GW_START_INTERNAL;
    }
    gql_op_type_t type = gql_operation_type(sub->op);
    if (type != GQL_OP_SUBSCRIPTION) {
        if (!allow_single) {
            one_error(errors, "Only subscription operations are served here");
            return GW_START_ERRORS;
        }
        return run_single(sub);
    }
    void *stream = NULL;
    rc = gql_subscribe(sub->op, &stream, &errs);
    if (rc != 0) {
        if (rc == GQL_EFAIL && errs.count > 0) {
            errors_json(errors, &errs);
            return GW_START_ERRORS;
        }
        return GW_START_INTERNAL;
    }
    const stream_spec_t *spec = stream;
    if (spec == NULL || spec->kind == STREAM_ONE_SHOT)
        return start_command(sub);

    sub->key = gql_subscription_key(sub->op);
    sub->filter = spec->filter;
    gw_txstore_t *store = subs->store;
    uint64_t count = store != NULL ? gw_txstore_count(store) : 0;
    if (count < L->seen) /* cannot happen (seen <= published <= count), but never go below the live mark */
        count = L->seen;
    sub->cursor = spec->has_after ? spec->after_id : count;
    link_stream(L, sub);
    L->nsubs++;
    gw_gauge_add(&t->metrics.subscriptions, 1);
    if (spec->has_after && store != NULL) {
        /* first batch now, the rest from the loop (catch_step) */
        sub->catching_up = true;
        bool was = L->delivering;
        L->delivering = true; /* a stop inside next() must not free the sub under us */
        catch_step(sub);
        L->delivering = was;
        if (sub->catching_up && !sub->stopped) {
            sub->next_catch = L->catchers;
            L->catchers = sub;
            sub->in_catchers = true;
            schedule_catch(L, true);
        }
        if (!was)
            bury(L);
    }
    return GW_START_STREAM;
}

/* ------------------------------------------------------------------------ */
/* The Subscription fields                                                  */
/* ------------------------------------------------------------------------ */

/* stream_transactions(iban, min_amount, direction, after_id): checks the
 * arguments and describes the stream. */
static int subscribe_transactions(const gql_resolve_info_t *info, const gql_args_t *args, void **stream,
                                  const char **error)
{
    stream_spec_t *spec = gql_arena_alloc(info->arena, sizeof *spec);
    if (spec == NULL) {
        *error = "out of memory";
        return GQL_EFAIL;
    }
    spec->kind = STREAM_TX;
    const gql_iv_t *v = gql_arg(args, "iban");
    if (v != NULL && v->kind == GQL_IV_STRING) {
        if (v->u.s.len == 0 || v->u.s.len > 64) {
            *error = "iban must be 1 to 64 characters";
            return GQL_EFAIL;
        }
        char *ib = gql_arena_strndup(info->arena, v->u.s.ptr, v->u.s.len);
        if (ib == NULL) {
            *error = "out of memory";
            return GQL_EFAIL;
        }
        spec->filter.iban.ptr = ib;
        spec->filter.iban.len = (uint32_t)v->u.s.len;
    }
    v = gql_arg(args, "min_amount");
    if (v != NULL && v->kind == GQL_IV_INT) {
        if (v->u.i < 0) {
            *error = "min_amount must not be negative";
            return GQL_EFAIL;
        }
        spec->filter.min_amount = (uint64_t)v->u.i;
    }
    v = gql_arg(args, "direction");
    if (v != NULL && v->kind == GQL_IV_ENUM)
        spec->filter.direction = strcmp(v->u.s.ptr, "DEBIT") == 0 ? GW_DIR_DEBIT : GW_DIR_CREDIT;
    v = gql_arg(args, "after_id");
    if (v != NULL && v->kind == GQL_IV_INT) {
        if (v->u.i < 0) {
            *error = "after_id must not be negative";
            return GQL_EFAIL;
        }
        spec->has_after = true;
        spec->after_id = (uint64_t)v->u.i;
    }
    *stream = spec;
    return 0;
}

static int subscribe_one_shot(const gql_resolve_info_t *info, const gql_args_t *args, void **stream, const char **error)
{
    (void)info, (void)args, (void)error;
    *stream = (void *)&ONE_SHOT;
    return 0;
}

/* The event is the transaction: the field's value is the root value. */
static void resolve_event(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)info, (void)args;
    if (parent == NULL)
        return;
    out->kind = GQL_RV_OBJECT;
    out->u.obj.ptr = parent;
    out->u.obj.type_name = NULL;
}

/* ------------------------------------------------------------------------ */
/* Loops                                                                    */
/* ------------------------------------------------------------------------ */

static void raw_close_all(gw_subs_loop_t *L);

static void on_sweep(h2o_timeout_entry_t *entry)
{
    gw_subs_loop_t *L = H2O_STRUCT_FROM_MEMBER(gw_subs_loop_t, sweep_entry, entry);
    gw_thread_t *t = L->thread;
    if (t->stopping && !L->closed_all) {
        L->closed_all = true;
        gw_ws_close_all(&L->ws, 1001, "Server shutting down");
        raw_close_all(L);
    }
    gw_ws_sweep(&L->ws);
    gw_sse_sweep(L, t->stopping);
    h2o_timeout_link(t->ctx.loop, &L->sweep_timeout, &L->sweep_entry);
}

static void loop_start(gw_thread_t *t, void *data)
{
    gw_subs_t *subs = data;
    gw_subs_loop_t *L = &subs->loops[t->index];
    L->subs = subs;
    L->thread = t;
    L->ws.thread = t;
    h2o_linklist_init_anchor(&L->ws.conns);
    h2o_linklist_init_anchor(&L->sse);
    h2o_linklist_init_anchor(&L->raw);
    L->ws.max_message = subs->limits.max_message_bytes;
    L->ws.ping_ms = subs->limits.keepalive_ms;
    L->ws.idle_ms = subs->limits.idle_timeout_ms;
    L->scratch = gql_arena_new(0, &t->arena_bytes);
    L->exec = gql_arena_new(0, &t->arena_bytes);
    L->shape_gen = 1;
    L->seen = subs->store != NULL ? gw_txstore_count(subs->store) : 0;
    h2o_timeout_init(t->ctx.loop, &L->sweep_timeout, SWEEP_MS);
    L->sweep_entry = (h2o_timeout_entry_t){0};
    L->sweep_entry.cb = on_sweep;
    h2o_timeout_link(t->ctx.loop, &L->sweep_timeout, &L->sweep_entry);
    h2o_timeout_init(t->ctx.loop, &L->catch_now, 0);
    h2o_timeout_init(t->ctx.loop, &L->catch_later, 20);
    L->catch_entry = (h2o_timeout_entry_t){0};
    L->catch_entry.cb = on_catch;
    gw_loopq_on(t, GW_LOOPQ_TX, on_tx, L);
    L->started = true;
}

static void loop_end(gw_thread_t *t, void *data)
{
    gw_subs_t *subs = data;
    gw_subs_loop_t *L = &subs->loops[t->index];
    if (!L->started)
        return;
    /* connections still open (shutdown bound passed): drop them now */
    while (!h2o_linklist_is_empty(&L->ws.conns))
        gw_ws_abort(H2O_STRUCT_FROM_MEMBER(gw_ws_conn_t, link, L->ws.conns.next));
    raw_close_all(L);
    gw_sse_sweep(L, true);
    bury(L);
    if (h2o_timeout_is_linked(&L->sweep_entry))
        h2o_timeout_unlink(&L->sweep_entry);
    h2o_timeout_dispose(t->ctx.loop, &L->sweep_timeout);
    if (h2o_timeout_is_linked(&L->catch_entry))
        h2o_timeout_unlink(&L->catch_entry);
    h2o_timeout_dispose(t->ctx.loop, &L->catch_now);
    h2o_timeout_dispose(t->ctx.loop, &L->catch_later);
    gql_arena_free(L->scratch);
    gql_arena_free(L->exec);
    gql_buf_free(&L->json);
    free(L->payloads);
    L->started = false;
}

gw_subs_loop_t *gw_subs_loop_of(gw_subs_t *subs, gw_thread_t *t)
{
    return &subs->loops[t->index];
}

gw_subs_t *gw_subs_of_loop(gw_subs_loop_t *L)
{
    return L->subs;
}

gw_thread_t *gw_subs_thread(gw_subs_loop_t *L)
{
    return L->thread;
}

const gw_subs_limits_t *gw_subs_limits(const gw_subs_t *subs)
{
    return &subs->limits;
}

gql_arena_t *gw_subs_scratch(gw_subs_loop_t *L)
{
    return L->scratch;
}

gw_ws_loop_t *gw_subs_ws(gw_subs_loop_t *L)
{
    return &L->ws;
}

h2o_linklist_t *gw_subs_sse_list(gw_subs_loop_t *L)
{
    return &L->sse;
}

bool gw_subs_conn_open(gw_subs_t *subs)
{
    size_t n = atomic_fetch_add(&subs->conns, 1);
    if (n >= subs->limits.max_connections) {
        atomic_fetch_sub(&subs->conns, 1);
        return false;
    }
    return true;
}

void gw_subs_conn_closed(gw_subs_t *subs)
{
    atomic_fetch_sub(&subs->conns, 1);
}

void gw_subs_count_slow(gw_subs_loop_t *L)
{
    gw_metric_add(&L->thread->metrics.slow_consumers_closed, 1);
}

/* ------------------------------------------------------------------------ */
/* Setup                                                                    */
/* ------------------------------------------------------------------------ */

gw_subs_t *gw_subs_new(gw_server_t *s, const gw_subs_limits_t *limits)
{
    size_t n = s->config.server.threads > 0 ? (size_t)s->config.server.threads : 0;
    if (n == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        n = cores > 0 ? (size_t)cores : 1;
    }
    gw_subs_t *subs = calloc(1, sizeof *subs);
    if (subs == NULL)
        return NULL;
    subs->loops = calloc(n, sizeof *subs->loops);
    if (subs->loops == NULL) {
        free(subs);
        return NULL;
    }
    subs->nloops = n;
    subs->server = s;
    subs->limits = *limits;
    pthread_mutex_init(&subs->bench_mu, NULL);
    int bad = gql_schema_bind_subscribe(s->schema, "stream_transactions", subscribe_transactions, subs);
    bad |= gql_schema_bind(s->schema, "Subscription", "stream_transactions", resolve_event, NULL);
    if (bad != 0) {
        gw_log_msg(&s->log, GW_LOG_ERROR, "subscriptions", "the schema lacks Subscription.stream_transactions");
        gw_subs_free(subs);
        return NULL;
    }
    /* one result then complete: the resolvers bound to these fields answer */
    gql_schema_bind_subscribe(s->schema, "get_account", subscribe_one_shot, subs);
    gql_schema_bind_subscribe(s->schema, "money_transfer", subscribe_one_shot, subs);
    if (gw_server_add_thread_hook(s, loop_start, loop_end, subs) != 0) {
        gw_subs_free(subs);
        return NULL;
    }
    return subs;
}

void gw_subs_free(gw_subs_t *subs)
{
    if (subs == NULL)
        return;
    gw_txstore_free(subs->own_store);
    pthread_mutex_destroy(&subs->bench_mu);
    free(subs->loops);
    free(subs);
}

void gw_subs_set_store(gw_subs_t *subs, gw_txstore_t *store)
{
    subs->store = store;
}

void gw_subs_set_root_fn(gw_subs_t *subs, gw_subs_root_fn fn)
{
    subs->root_fn = fn;
}

/* ------------------------------------------------------------------------ */
/* Routes                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct subs_handler {
    gw_handler_t super; /* first: gw_graphql_on_req takes it as its own */
    gw_subs_t *subs;
} subs_handler_t;

static int on_graphql_ws(h2o_handler_t *self, h2o_req_t *req)
{
    subs_handler_t *h = (subs_handler_t *)self;
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, &h->super, req))
        return 0;
    h2o_iovec_t p = h2o_iovec_init(req->path_normalized.base, req->path_normalized.len);
    if (!h2o_memis(p.base, p.len, H2O_STRLIT("/graphql-ws"))) {
        gw_http_send_error(&rc, 404, NULL, "Not found");
        return 0;
    }
    gw_wsp_upgrade(gw_subs_loop_of(h->subs, rc.thread), &rc);
    return 0;
}

static int on_graphql(h2o_handler_t *self, h2o_req_t *req)
{
    subs_handler_t *h = (subs_handler_t *)self;
    h2o_iovec_t p = h2o_iovec_init(req->path_normalized.base, req->path_normalized.len);
    bool exact = h2o_memis(p.base, p.len, H2O_STRLIT("/graphql"));
    if (exact && (gw_ws_is_upgrade(req) || gw_sse_wanted(req))) {
        gw_reqctx_t rc;
        if (!gw_http_begin(&rc, &h->super, req))
            return 0;
        gw_subs_loop_t *L = gw_subs_loop_of(h->subs, rc.thread);
        if (gw_ws_is_upgrade(req))
            gw_wsp_upgrade(L, &rc);
        else
            gw_sse_handle(L, &rc);
        return 0;
    }
    return gw_graphql_on_req(self, req);
}

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
    subs_handler_t *h = (subs_handler_t *)self;
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, &h->super, req))
        return 0;
    gw_subs_t *subs = h->subs;
    long n = bench_count(req);
    if (n < 1 || n > 1000000) {
        gw_http_send_error(&rc, 400, NULL, "n must be 1 to 1000000");
        return 0;
    }
    uint64_t upto = 0;
    pthread_mutex_lock(&subs->bench_mu);
    for (long i = 0; i < n; i++) {
        char iban[32];
        gw_balance_changed_t ev;
        bench_event(i, iban, sizeof iban, &ev);
        int64_t id = gw_txstore_append(subs->own_store, &ev, -1, 0);
        if (id > 0)
            upto = (uint64_t)id;
    }
    pthread_mutex_unlock(&subs->bench_mu);
    gw_server_each_loop(subs->server, publish_to, &upto);
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
    gw_subs_t *subs;
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

static void raw_close_all(gw_subs_loop_t *L)
{
    while (!h2o_linklist_is_empty(&L->raw))
        raw_drop(H2O_STRUCT_FROM_MEMBER(raw_conn_t, link, L->raw.next));
}

static int on_bench_ws_raw(h2o_handler_t *self, h2o_req_t *req)
{
    subs_handler_t *h = (subs_handler_t *)self;
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
    gw_subs_loop_t *L = gw_subs_loop_of(h->subs, rc.thread);
    rc.thread->inflight--;
    h2o_linklist_insert(&L->raw, &c->link);
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
    gw_subs_loop_t *L = gw_subs_loop_of(b->subs, t);
    for (h2o_linklist_t *n = L->raw.next; n != &L->raw; n = n->next) {
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
    for (h2o_linklist_t *n = L->raw.next, *next; n != &L->raw; n = next) {
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
    subs_handler_t *h = (subs_handler_t *)self;
    gw_reqctx_t rc;
    if (!gw_http_begin(&rc, &h->super, req))
        return 0;
    gw_subs_t *subs = h->subs;
    long n = bench_count(req);
    raw_batch_t *b = n >= 1 && n <= 1000000 ? calloc(1, sizeof *b + ((size_t)n + 1) * sizeof(size_t)) : NULL;
    if (b == NULL) {
        gw_http_send_error(&rc, 400, NULL, "n must be 1 to 1000000");
        return 0;
    }
    b->subs = subs;
    b->n = (size_t)n;
    uint64_t base = subs->own_store != NULL ? gw_txstore_count(subs->own_store) : 0;
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
    size_t nl = subs->server->nthreads;
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
        gw_server_push(subs->server, i, m); /* disposed (released) even when not queued */
    }
    char body[64];
    int bl = snprintf(body, sizeof body, "{\"published\":%ld}", n);
    gw_http_send(&rc, 200, "application/json; charset=utf-8", body, (size_t)bl);
    return 0;
}

int gw_subs_enable_bench(gw_subs_t *subs)
{
    subs->own_store = gw_txstore_new();
    if (subs->own_store == NULL)
        return -1;
    subs->store = subs->own_store;
    subs->bench = true;
    return 0;
}

static subs_handler_t *add(gw_subs_t *subs, h2o_hostconf_t *host, const char *path,
                           int (*fn)(h2o_handler_t *, h2o_req_t *))
{
    h2o_pathconf_t *pc = h2o_config_register_path(host, path, 0);
    subs_handler_t *h = (subs_handler_t *)h2o_create_handler(pc, sizeof *h);
    h->super.super.on_req = fn;
    h->super.server = subs->server;
    h->subs = subs;
    return h;
}

void gw_subs_routes(gw_subs_t *subs, h2o_hostconf_t *host)
{
    if (subs->bench) {
        add(subs, host, "/bench/publish", on_bench_publish);
        add(subs, host, "/bench/raw-publish", on_bench_raw_publish);
        add(subs, host, "/bench/ws-raw", on_bench_ws_raw);
    }
    add(subs, host, "/graphql-ws", on_graphql_ws);
    add(subs, host, "/graphql", on_graphql);
}
