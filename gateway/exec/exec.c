/*
 * exec.c — the execution context of each loop and gw_exec_prepare, the
 * step every transport shares between reading a request's parameters and
 * executing it (see exec.h).
 */
#include "exec.h"

#include <stdlib.h>

#include "exec_int.h"

struct gw_exec {
    gw_server_t *server;
    gql_schema_t *schema;
    gql_limits_t limits;
    gw_cost_limits_t cost;
    size_t doc_cache_entries;
    size_t doc_cache_bytes; /* per loop, 0: no byte bound */
    int slot;
    gw_persisted_t *persisted;     /* borrowed, main's; NULL: no APQ, no manifest */
    _Atomic uint64_t refused_cost; /* operations refused by graphql.cost.max, all loops */
};

/* The argument that bounds a list field of the bank's schema. */
static const char *const SIZE_ARGS[] = {"max_items", NULL};

gw_exec_loop_t *gw_exec_loop(const gw_exec_t *x, const gw_thread_t *t)
{
    return gw_loop_slot(t, x->slot);
}

gw_thread_t *gw_exec_thread(const gw_exec_loop_t *L)
{
    return L->thread;
}

gw_exec_t *gw_exec_of(const gw_exec_loop_t *L)
{
    return L->exec;
}

gql_schema_t *gw_exec_schema(const gw_exec_t *x)
{
    return x->schema;
}

const gql_limits_t *gw_exec_limits(const gw_exec_t *x)
{
    return &x->limits;
}

gql_arena_t *gw_exec_arena_new(gw_exec_loop_t *L, size_t block)
{
    return gql_arena_new(block, &L->arena_bytes);
}

void gw_exec_publish(gw_exec_loop_t *L)
{
    atomic_store_explicit(&L->published_arena_bytes, L->arena_bytes, memory_order_relaxed);
    atomic_store_explicit(&L->published_docs, gql_doc_cache_size(L->docs), memory_order_relaxed);
    atomic_store_explicit(&L->published_doc_bytes, gql_doc_cache_bytes(L->docs), memory_order_relaxed);
}

int gw_exec_prepare(gw_exec_loop_t *L, const gw_params_t *p, gql_arena_t *arena, const void *root_value,
                    gql_errors_t *errs, gql_cached_doc_t **doc, gql_operation_t **op)
{
    gw_exec_t *x = L->exec;
    *doc = NULL;
    *op = NULL;
    gw_persisted_result_t named;
    int prc =
        gw_persisted_resolve(x->persisted, arena, p->query, p->query_len, p->extensions, p->document_id, errs, &named);
    if (prc != 0) {
        if (prc == GW_EREQUEST)
            return GW_EREQUEST;
        gw_log_msg(&x->server->log, GW_LOG_ERROR, "graphql internal error", "persisted query lookup failed");
        return GW_ENOMEM;
    }
    gql_cached_doc_t *d = gql_doc_cache_get(L->docs, named.text, named.len, &x->limits, errs);
    if (d == NULL) {
        if (errs->count > 0)
            return GW_EREQUEST;
        gw_log_msg(&x->server->log, GW_LOG_ERROR, "graphql internal error", "document cache failed without errors");
        return GW_ENOMEM;
    }
    gw_persisted_register(x->persisted, &named); /* a valid document sent with its hash (APQ) */
    gql_request_t req = {
        .schema = x->schema,
        .document = gql_cached_doc_document(d),
        .cached = d, /* its plans are kept with it */
        .operation_name = p->operation_name,
        .variables = p->variables,
        .context = L,
        .root_value = root_value,
        .arena = arena,
        .limits = &x->limits,
    };
    int rc = gql_prepare(&req, op, errs);
    if (rc == 0 && x->cost.max != 0) {
        gql_cost_options_t co = {.default_list_size = x->cost.default_list_size, .size_args = SIZE_ARGS};
        uint64_t cost = 0;
        rc = gql_operation_cost(*op, &co, &cost);
        if (rc == 0 && cost > x->cost.max) {
            gql_errors_add(errs, GQL_CODE_LIMIT, NULL, NULL, 0,
                           "Query cost %llu exceeds the limit %llu (graphql.cost.max)", (unsigned long long)cost,
                           (unsigned long long)x->cost.max);
            atomic_fetch_add_explicit(&x->refused_cost, 1, memory_order_relaxed);
            rc = GQL_EFAIL;
        }
    }
    if (rc == 0) {
        *doc = d;
        return 0;
    }
    gql_doc_cache_release(d);
    *op = NULL;
    if (rc == GQL_EFAIL && errs->count > 0)
        return GW_EREQUEST;
    gw_log_msg(&x->server->log, GW_LOG_ERROR, "graphql internal error", "gql_prepare or gql_operation_cost failed");
    return rc == GQL_ENOMEM ? GW_ENOMEM : GW_EINVAL;
}

/* ------------------------------------------------------------------------ */
/* Loops and metrics                                                        */
/* ------------------------------------------------------------------------ */

/* The loop's state lives until gw_exec_free, after the loop ended: what
 * other features release while their loops end, and the answers drained
 * from the loop's inbox last (pending executions whose client left), still
 * find the document cache. */
static int loop_start(gw_thread_t *t, void *data)
{
    gw_exec_t *x = data;
    gw_exec_loop_t *L = calloc(1, sizeof *L);
    if (L == NULL)
        return GW_ENOMEM;
    L->exec = x;
    L->thread = t;
    L->docs = gql_doc_cache_new(x->schema, x->doc_cache_entries, &L->arena_bytes);
    if (L->docs == NULL) {
        free(L);
        gw_log_msg(&x->server->log, GW_LOG_ERROR, "cannot create the document cache", NULL);
        return GW_ENOMEM;
    }
    gql_doc_cache_set_max_bytes(L->docs, x->doc_cache_bytes);
    gw_loop_set_slot(t, x->slot, L);
    return 0;
}

static void render_metrics(gql_buf_t *out, void *data)
{
    gw_exec_t *x = data;
    uint64_t arena = 0, docs = 0, doc_bytes = 0;
    for (size_t i = 0; i < gw_server_nthreads(x->server); i++) {
        gw_exec_loop_t *L = gw_loop_slot(gw_server_thread(x->server, i), x->slot);
        if (L == NULL)
            continue;
        arena += atomic_load_explicit(&L->published_arena_bytes, memory_order_relaxed);
        docs += atomic_load_explicit(&L->published_docs, memory_order_relaxed);
        doc_bytes += atomic_load_explicit(&L->published_doc_bytes, memory_order_relaxed);
    }
    gw_metrics_family(out, "gateway_arena_bytes_in_use", "gauge",
                      "Bytes the engine holds on the loops: request arenas and cached documents.", (int64_t)arena);
    gw_metrics_family(out, "gateway_document_cache_entries", "gauge",
                      "Parsed and validated documents cached (invalid ones with their errors), all loops.",
                      (int64_t)docs);
    gw_metrics_family(out, "gateway_document_cache_bytes", "gauge",
                      "Bytes of the cached documents, all loops (each loop's bounded by graphql.doc_cache_bytes).",
                      (int64_t)doc_bytes);
    gw_metrics_family(out, "gateway_operations_over_cost_total", "counter",
                      "Operations refused before running: their cost estimate was above graphql.cost.max.",
                      (int64_t)atomic_load_explicit(&x->refused_cost, memory_order_relaxed));
}

static void render_persisted(gql_buf_t *out, void *data)
{
    gw_exec_t *x = data;
    gw_persisted_stats_t st;
    gw_persisted_stats(x->persisted, &st);
    gw_metrics_family(out, "gateway_persisted_queries_entries", "gauge",
                      "Documents in the automatic persisted queries store (graphql.apq), all loops.",
                      (int64_t)st.entries);
    gw_metrics_family(out, "gateway_persisted_queries_bytes", "gauge",
                      "Bytes the automatic persisted queries store holds (bound: graphql.apq.max_bytes).",
                      (int64_t)st.bytes);
    gw_metrics_family(out, "gateway_persisted_queries_hits_total", "counter",
                      "Requests that named their document by hash and found it (APQ store or trusted manifest).",
                      (int64_t)st.hits);
    gw_metrics_family(out, "gateway_persisted_queries_misses_total", "counter",
                      "Requests that named an unknown hash (answered PersistedQueryNotFound).", (int64_t)st.misses);
    gw_metrics_family(out, "gateway_persisted_queries_registered_total", "counter",
                      "Documents stored by clients sending them with their hash (APQ).", (int64_t)st.registered);
    gw_metrics_family(out, "gateway_persisted_queries_evicted_total", "counter",
                      "Documents dropped from the APQ store to stay within its bounds.", (int64_t)st.evicted);
    gw_metrics_family(out, "gateway_untrusted_documents_refused_total", "counter",
                      "Documents refused because graphql.trusted_documents does not list them.", (int64_t)st.refused);
}

void gw_exec_set_persisted(gw_exec_t *x, gw_persisted_t *ps)
{
    if (x->persisted == NULL && ps != NULL)
        (void)gw_server_add_metrics(x->server, render_persisted, x); /* a full table only loses these lines */
    x->persisted = ps;
}

gw_exec_t *gw_exec_new(gw_server_t *s, gql_schema_t *schema, const gql_limits_t *limits, const gw_cost_limits_t *cost,
                       size_t doc_cache_entries, size_t doc_cache_bytes)
{
    gw_exec_t *x = calloc(1, sizeof *x);
    if (x == NULL)
        return NULL;
    x->server = s;
    x->schema = schema;
    x->limits = *limits;
    x->cost = *cost;
    x->doc_cache_entries = doc_cache_entries;
    x->doc_cache_bytes = doc_cache_bytes;
    x->slot = gw_server_slot_new(s);
    if (x->slot < 0 || gw_server_add_thread_hook(s, loop_start, NULL, x) != 0 ||
        gw_server_add_metrics(s, render_metrics, x) != 0) {
        free(x);
        return NULL;
    }
    return x;
}

void gw_exec_free(gw_exec_t *x)
{
    if (x == NULL)
        return;
    for (size_t i = 0; x->server->threads != NULL && i < gw_server_nthreads(x->server); i++) {
        gw_thread_t *t = gw_server_thread(x->server, i);
        gw_exec_loop_t *L = gw_loop_slot(t, x->slot);
        if (L == NULL || t->unclean)
            continue; /* its connections may still point at the loop's state */
        gql_doc_cache_free(L->docs);
        free(L);
        gw_loop_set_slot(t, x->slot, NULL);
    }
    free(x);
}
