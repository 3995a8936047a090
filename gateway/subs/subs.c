/*
 * subs.c — the registry of each loop, the fan-out of new transactions, the
 * catch-up of resumed streams and the single results of other operations
 * (see subs.h for the design and the no-gap argument).
 */
#include "subs.h"

#include "fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKETS 1024        /* IBAN buckets per loop */
#define SHAPE_SLOTS 512      /* distinct (operation, variables) keys memoised per event */
#define REPLAY_BATCH 256     /* stored transactions read per gw_txstore_since call */
#define SUB_ARENA_BLOCK 2048 /* a subscription's operation, plan and variables fit in one block */

/* A memo entry for the current event: the payload of one key. `op` is the
 * operation it was made for (a subscription alive for the whole fan-out:
 * stopped ones wait in the graveyard), so a hit compares the key's content,
 * not only its hash. */
typedef struct shape_slot {
    uint64_t gen;
    uint64_t key;
    const gql_operation_t *op;
    gw_payload_t *payload;
} shape_slot_t;

struct gw_subs_loop {
    gw_subs_t *subs;
    gw_thread_t *thread;
    gw_exec_loop_t *exec;
    gw_sub_t *catchers;        /* after_id streams still sending stored transactions */
    h2o_timeout_t catch_now;   /* 0 ms: the next loop iteration */
    h2o_timeout_t catch_later; /* when every catcher waits for its socket */
    h2o_timeout_entry_t catch_entry;
    bool started;
    gw_sub_t *any; /* streams without an IBAN filter */
    gw_sub_t *buckets[NBUCKETS];
    uint64_t seen; /* transactions up to this id were fanned out */
    bool delivering;
    gw_sub_t *graveyard;  /* stopped during a fan-out, freed after it */
    gql_arena_t *scratch; /* one execution per event */
    gql_buf_t json;
    shape_slot_t shapes[SHAPE_SLOTS];
    uint64_t shape_gen;
    gw_payload_t **payloads; /* made during the current event */
    size_t npayloads, cap_payloads;
    size_t nsubs;
    _Atomic int64_t published_nsubs; /* a copy of nsubs for /metrics */
};

struct gw_subs {
    gw_server_t *server;
    gw_exec_t *exec;
    size_t max_unsent_bytes;
    gw_txstore_t *store;
    gw_subs_root_fn root_fn;
    int slot;
    uint64_t key_mask;         /* all ones; tests narrow it to force collisions (gw_subs__set_key_mask) */
    gw_subs_trace_fn trace_fn; /* NULL: no links on delivery spans */
    void *trace_data;
};

/* ------------------------------------------------------------------------ */
/* Sources                                                                  */
/* ------------------------------------------------------------------------ */

int gw_subs_source_transactions(gql_arena_t *arena, const gql_args_t *args, gw_subs_source_t **out, const char **error)
{
    gw_subs_source_t *src = gql_arena_alloc(arena, sizeof *src);
    if (src == NULL) {
        *error = "out of memory";
        return GQL_EFAIL;
    }
    *src = (gw_subs_source_t){.kind = GW_SOURCE_TRANSACTIONS};
    const gql_iv_t *v = gql_arg(args, "iban");
    if (v != NULL && v->kind == GQL_IV_STRING) {
        if (v->u.s.len == 0 || v->u.s.len > GW_IBAN_QUERY_MAX) {
            *error = "iban must be 1 to 64 characters";
            return GQL_EFAIL;
        }
        char *ib = gql_arena_strndup(arena, v->u.s.ptr, v->u.s.len);
        if (ib == NULL) {
            *error = "out of memory";
            return GQL_EFAIL;
        }
        src->filter.iban.ptr = ib;
        src->filter.iban.len = (uint32_t)v->u.s.len;
    }
    v = gql_arg(args, "min_amount");
    if (v != NULL && v->kind == GQL_IV_INT) {
        if (v->u.i < 0) {
            *error = "min_amount must not be negative";
            return GQL_EFAIL;
        }
        src->filter.min_amount = (uint64_t)v->u.i;
    }
    v = gql_arg(args, "direction");
    if (v != NULL && v->kind == GQL_IV_ENUM)
        src->filter.direction = strcmp(v->u.s.ptr, "DEBIT") == 0 ? GW_DIR_DEBIT : GW_DIR_CREDIT;
    v = gql_arg(args, "after_id");
    if (v != NULL && v->kind == GQL_IV_INT) {
        if (v->u.i < 0) {
            *error = "after_id must not be negative";
            return GQL_EFAIL;
        }
        src->has_after = true;
        src->after_id = (uint64_t)v->u.i;
    }
    *out = src;
    return 0;
}

const gw_subs_source_t *gw_subs_source_once(void)
{
    static const gw_subs_source_t ONCE = {.kind = GW_SOURCE_ONCE};
    return &ONCE;
}

/* ------------------------------------------------------------------------ */
/* Payloads                                                                 */
/* ------------------------------------------------------------------------ */

gw_chunk_t *gw_payload_memo_get(gw_payload_t *p, int tag, const char *id)
{
    for (int i = 0; i < p->nmemo; i++)
        if (p->memo[i].tag == tag && strcmp(p->memo[i].id, id) == 0)
            return p->memo[i].frame;
    return NULL;
}

void gw_payload_memo_put(gw_payload_t *p, int tag, const char *id, gw_chunk_t *frame)
{
    if (p->nmemo == GW_PAYLOAD_MEMO)
        return;
    p->memo[p->nmemo].tag = tag;
    p->memo[p->nmemo].id = id;
    p->memo[p->nmemo].frame = gw_chunk_ref(frame);
    p->nmemo++;
}

static gw_payload_t *payload_new(const char *json, size_t len)
{
    gw_payload_t *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    if ((p->json = gw_chunk_concat(json, len, NULL, 0, NULL, 0)) == NULL) {
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
        gw_chunk_unref(p->memo[i].frame);
    gw_chunk_unref(p->json);
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
    gql_arena_t *a = gw_exec_arena_new(L->exec, SUB_ARENA_BLOCK);
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
    sub->owner_ticket = 0;
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

/* Ends the operation's span (once; NULL or ended: nothing). */
static void span_done(gw_sub_t *sub, gw_span_status_t status)
{
    if (sub->span != NULL)
        gw_span_end(sub->loop->subs->server->tracer, sub->span, status);
}

bool gw_subs_trace_of(const gql_iv_t *obj, gw_trace_ctx_t *out)
{
    const gql_iv_t *tp = obj != NULL && obj->kind == GQL_IV_OBJECT ? gql_iv_get(obj, "traceparent") : NULL;
    if (tp == NULL || tp->kind != GQL_IV_STRING || gw_traceparent_parse(tp->u.s.ptr, tp->u.s.len, out) != 0)
        return false;
    const gql_iv_t *ts = gql_iv_get(obj, "tracestate");
    if (ts != NULL && ts->kind == GQL_IV_STRING) {
        out->state = ts->u.s.ptr;
        out->state_len = gw_tracestate_keep(ts->u.s.ptr, ts->u.s.len);
    }
    return true;
}

/* The operation's span, under its extensions' context or the transport's. */
static void span_begin(gw_sub_t *sub, const gw_params_t *params)
{
    gw_tracer_t *tr = sub->loop->subs->server->tracer;
    if (tr == NULL || (sub->span = gql_arena_alloc(sub->arena, sizeof *sub->span)) == NULL)
        return;
    gw_trace_ctx_t ext;
    const gw_trace_ctx_t *parent = gw_subs_trace_of(params->extensions, &ext) ? &ext : &sub->trace;
    gql_op_type_t t = gql_operation_type(sub->op);
    const char *ty = t == GQL_OP_QUERY ? "query" : t == GQL_OP_MUTATION ? "mutation" : "subscription";
    const char *name = gql_operation_name(sub->op);
    char sn[GW_SPAN_NAME_MAX];
    snprintf(sn, sizeof sn, "%s%s%.40s", ty, name ? " " : "", name ? name : "");
    gw_span_start(tr, sub->span, sn, GW_SPAN_SERVER, parent);
    gw_span_attr_str(sub->span, "graphql.operation.type", ty, strlen(ty));
    if (name != NULL)
        gw_span_attr_str(sub->span, "graphql.operation.name", name, strlen(name));
    if (sub->id[0] != '\0')
        gw_span_attr_str(sub->span, "graphql.operation.id", sub->id, strlen(sub->id));
}

void gw_subs_stop(gw_sub_t *sub)
{
    if (sub == NULL || sub->stopped)
        return;
    gw_subs_loop_t *L = sub->loop;
    span_done(sub, GW_STATUS_UNSET); /* a stream's, or one whose client left first */
    sub->stopped = true;
    if (sub->streaming) {
        L->nsubs--;
        atomic_store_explicit(&L->published_nsubs, (int64_t)L->nsubs, memory_order_relaxed);
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
    gql_arena_reset(L->scratch);
    const void *root = L->subs->root_fn != NULL ? L->subs->root_fn(tx, L->scratch) : (const void *)tx;
    L->json.len = 0;
    L->json.oom = false;
    int rc = gql_execute_scratch(sub->op, root, L->scratch, &L->json);
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
        if (s->gen == L->shape_gen && s->key == sub->key && gql_subscription_same(s->op, sub->op))
            return s->payload;
        if (s->gen != L->shape_gen) {
            gw_payload_t *p = execute_tx(L, sub, tx);
            if (p == NULL || !remember_payload(L, p)) {
                payload_free(p);
                return NULL;
            }
            *s = (shape_slot_t){L->shape_gen, sub->key, sub->op, p};
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

/* Delivers tx to sub if it is its turn and it matches; 1 when sent. */
static int consider(gw_subs_loop_t *L, gw_sub_t *sub, const gw_tx_t *tx)
{
    if (sub->stopped || sub->catching_up || sub->cursor >= tx->id)
        return 0;
    sub->cursor = tx->id;
    if (!gw_tx_filter_match(&sub->filter, tx))
        return 0;
    gw_payload_t *p = shape_payload(L, sub, tx);
    if (p != NULL)
        sub->sink->next(sub, p);
    return p != NULL;
}

/* The delivery span of transaction id (tracing on, something delivered). */
static void trace_delivery(gw_subs_loop_t *L, uint64_t id, int64_t start_ns, int delivered, size_t executions)
{
    gw_tracer_t *tr = L->subs->server->tracer;
    gw_span_t span;
    gw_span_start(tr, &span, "stream_transactions event", GW_SPAN_PRODUCER, NULL);
    span.start_ns = start_ns;
    gw_trace_ctx_t event;
    if (L->subs->trace_fn != NULL && L->subs->trace_fn(L->subs->trace_data, id, &event))
        gw_span_link(&span, &event);
    gw_span_attr_int(&span, "bank.transaction.id", (int64_t)id);
    gw_span_attr_int(&span, "subscriptions.delivered", delivered);
    gw_span_attr_int(&span, "graphql.executions", (int64_t)executions);
    gw_span_end(tr, &span, GW_STATUS_UNSET);
}

/* Fans transaction `id` out to this loop's streams. */
static void fan_out(gw_subs_loop_t *L, gw_txstore_t *store, uint64_t id)
{
    gw_tx_t tx;
    if (!gw_txstore_get(store, id, &tx))
        return;
    int64_t t0 = L->subs->server->tracer != NULL ? gw_trace_now_ns() : 0;
    int delivered = 0;
    for (gw_sub_t *sub = L->any; sub != NULL; sub = sub->next_any)
        delivered += consider(L, sub, &tx);
    for (gw_sub_t *sub = L->buckets[iban_hash(tx.iban.ptr, tx.iban.len) % NBUCKETS]; sub != NULL; sub = sub->next_any)
        if (sub->filter.iban.len == tx.iban.len && memcmp(sub->filter.iban.ptr, tx.iban.ptr, tx.iban.len) == 0)
            delivered += consider(L, sub, &tx);
    if (t0 != 0 && delivered > 0)
        trace_delivery(L, id, t0, delivered, L->npayloads);
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

static void one_error(gql_buf_t *out, const char *msg)
{
    gql_buf_puts(out, "[{\"message\":");
    gql_buf_json_string(out, msg, strlen(msg));
    gql_buf_puts(out, "}]");
}

/* Delivers a single result, then completes. The transport may close (and
 * stop every operation of) its connection inside next(): the sub is only
 * freed once this returns. */
static void deliver_final(gw_sub_t *sub, gw_payload_t *p)
{
    gw_subs_loop_t *L = sub->loop;
    bool was = L->delivering;
    L->delivering = true;
    span_done(sub, p != NULL ? GW_STATUS_UNSET : GW_STATUS_ERROR);
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
    gw_trace_ctx_t *tc = sub->span != NULL ? gql_arena_alloc(sub->arena, sizeof *tc) : NULL; /* for the resumes */
    if (tc != NULL)
        *tc = gw_span_ctx(sub->span);
    gw_exec_set_trace(L->exec, tc);
    int rc = gw_pending_execute(L->exec, sub->op, NULL, out, sub->arena, &pd);
    gw_exec_set_trace(L->exec, NULL);
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
    if (sub->sink->unsent(sub) > L->subs->max_unsent_bytes / 2)
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

gw_start_result_t gw_subs_prepare(gw_sub_t *sub, const gw_params_t *params, gw_op_kind_t *kind, gql_buf_t *errors)
{
    gw_subs_loop_t *L = sub->loop;
    gql_errors_t errs;
    gql_errors_init(&errs, sub->arena, gw_exec_limits(L->subs->exec)->max_errors);
    int rc = gw_exec_prepare(L->exec, params, sub->arena, NULL, &errs, &sub->doc, &sub->op);
    if (rc == GW_EREQUEST) {
        gql_errors_write_json(&errs, errors);
        return GW_START_ERRORS;
    }
    if (rc != 0)
        return GW_START_INTERNAL;
    span_begin(sub, params);
    gql_op_type_t type = gql_operation_type(sub->op);
    if (type != GQL_OP_SUBSCRIPTION) {
        sub->kind = *kind = type == GQL_OP_QUERY ? GW_OP_QUERY : GW_OP_MUTATION;
        return GW_START_STREAM;
    }
    void *stream = NULL;
    rc = gql_subscribe(sub->op, &stream, &errs);
    if (rc != 0) {
        if (rc == GQL_EFAIL && errs.count > 0) {
            gql_errors_write_json(&errs, errors);
            return GW_START_ERRORS;
        }
        return GW_START_INTERNAL;
    }
    sub->source = stream;
    /* GW_SOURCE_ONCE (or no source): the field's resolver answers, maybe later */
    sub->kind = *kind =
        sub->source != NULL && sub->source->kind == GW_SOURCE_TRANSACTIONS ? GW_OP_STREAM : GW_OP_COMMAND;
    return GW_START_STREAM;
}

size_t gw_sub_bytes(const gw_sub_t *sub, bool shared_doc)
{
    size_t n = gql_arena_bytes(sub->arena);
    if (!shared_doc && sub->doc != NULL)
        n += gql_cached_doc_bytes(sub->doc);
    return n;
}

gw_start_result_t gw_subs_start(gw_sub_t *sub, const gw_params_t *params, bool allow_single, gql_buf_t *errors)
{
    gw_op_kind_t kind;
    gw_start_result_t r = gw_subs_prepare(sub, params, &kind, errors);
    if (r != GW_START_STREAM)
        return r;
    if (!allow_single && (kind == GW_OP_QUERY || kind == GW_OP_MUTATION)) {
        one_error(errors, "Only subscription operations are served here");
        return GW_START_ERRORS;
    }
    return gw_subs_run(sub);
}

gw_start_result_t gw_subs_run(gw_sub_t *sub)
{
    gw_subs_loop_t *L = sub->loop;
    gw_subs_t *subs = L->subs;
    if (sub->kind != GW_OP_STREAM)
        return run_single(sub);
    const gw_subs_source_t *spec = sub->source;
    sub->key = gql_subscription_key(sub->op) & subs->key_mask;
    sub->filter = spec->filter;
    gw_txstore_t *store = subs->store;
    uint64_t count = store != NULL ? gw_txstore_count(store) : 0;
    if (count < L->seen) /* cannot happen (seen <= published <= count), but never go below the live mark */
        count = L->seen;
    sub->cursor = spec->has_after ? spec->after_id : count;
    link_stream(L, sub);
    L->nsubs++;
    atomic_store_explicit(&L->published_nsubs, (int64_t)L->nsubs, memory_order_relaxed);
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
/* Loops                                                                    */
/* ------------------------------------------------------------------------ */

static int loop_start(gw_thread_t *t, void *data)
{
    gw_subs_t *subs = data;
    gw_subs_loop_t *L = calloc(1, sizeof *L);
    if (L == NULL)
        return GW_ENOMEM;
    gw_loop_set_slot(t, subs->slot, L);
    L->subs = subs;
    L->thread = t;
    L->exec = gw_exec_loop(subs->exec, t);
    if ((L->scratch = gw_exec_arena_new(L->exec, 0)) == NULL)
        return GW_ENOMEM;
    L->shape_gen = 1;
    L->seen = subs->store != NULL ? gw_txstore_count(subs->store) : 0;
    h2o_timeout_init(t->ctx.loop, &L->catch_now, 0);
    h2o_timeout_init(t->ctx.loop, &L->catch_later, 20);
    L->catch_entry = (h2o_timeout_entry_t){0};
    L->catch_entry.cb = on_catch;
    L->started = true;
    return gw_loopq_on(&t->loopq, GW_LOOPQ_TX, on_tx, L) == 0 ? 0 : GW_EFULL;
}

/* After the transports closed their connections (their end hooks run
 * first): what was stopped is freed, then the loop's own state. */
static void loop_end(gw_thread_t *t, void *data)
{
    gw_subs_t *subs = data;
    gw_subs_loop_t *L = gw_loop_slot(t, subs->slot);
    if (L == NULL)
        return;
    if (L->started) {
        bury(L);
        if (h2o_timeout_is_linked(&L->catch_entry))
            h2o_timeout_unlink(&L->catch_entry);
        h2o_timeout_dispose(t->ctx.loop, &L->catch_now);
        h2o_timeout_dispose(t->ctx.loop, &L->catch_later);
    }
    gql_arena_free(L->scratch);
    gql_buf_free(&L->json);
    free(L->payloads);
    L->started = false;
    /* L itself stays for a scrape on another loop: freed by gw_subs_free */
}

gw_subs_loop_t *gw_subs_loop_of(const gw_subs_t *subs, const gw_thread_t *t)
{
    return gw_loop_slot(t, subs->slot);
}

gw_thread_t *gw_subs_thread(const gw_subs_loop_t *L)
{
    return L->thread;
}

static void render_metrics(gql_buf_t *out, void *data)
{
    gw_subs_t *subs = data;
    int64_t n = 0;
    for (size_t i = 0; i < gw_server_nthreads(subs->server); i++) {
        gw_subs_loop_t *L = gw_loop_slot(gw_server_thread(subs->server, i), subs->slot);
        if (L != NULL)
            n += atomic_load_explicit(&L->published_nsubs, memory_order_relaxed);
    }
    gw_metrics_family(out, "gateway_active_subscriptions", "gauge", "GraphQL subscriptions running now.", n);
}

/* ------------------------------------------------------------------------ */
/* Setup                                                                    */
/* ------------------------------------------------------------------------ */

gw_subs_t *gw_subs_new(gw_server_t *s, gw_exec_t *exec, size_t max_unsent_bytes)
{
    gw_subs_t *subs = calloc(1, sizeof *subs);
    if (subs == NULL)
        return NULL;
    subs->server = s;
    subs->exec = exec;
    subs->max_unsent_bytes = max_unsent_bytes;
    subs->key_mask = UINT64_MAX;
    subs->slot = gw_server_slot_new(s);
    if (subs->slot < 0 || gw_server_add_thread_hook(s, loop_start, loop_end, subs) != 0 ||
        gw_server_add_metrics(s, render_metrics, subs) != 0) {
        free(subs);
        return NULL;
    }
    return subs;
}

void gw_subs__set_key_mask(gw_subs_t *subs, uint64_t mask)
{
    subs->key_mask = mask;
}

void gw_subs_free(gw_subs_t *subs)
{
    if (subs == NULL)
        return;
    for (size_t i = 0; subs->server->threads != NULL && i < gw_server_nthreads(subs->server); i++) {
        gw_thread_t *t = gw_server_thread(subs->server, i);
        if (t->unclean)
            continue; /* its connections may still point at the loop's registry */
        free(gw_loop_slot(t, subs->slot));
        gw_loop_set_slot(t, subs->slot, NULL);
    }
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

void gw_subs_set_trace_lookup(gw_subs_t *subs, gw_subs_trace_fn fn, void *data)
{
    subs->trace_fn = fn;
    subs->trace_data = data;
}
