/*
 * main.c — the gateway program and its composition root: the only file
 * (with routes.c, its URL table) that knows every part. It reads the
 * command line and the configuration, builds the schema, creates the parts
 * and hands each only what it uses, then runs the server (runtime/) until
 * SIGTERM/SIGINT:
 *
 *   runtime/   the loops, config, log, metrics, HTTP basics
 *   exec/      the front half of a request, executions that wait
 *   backbone/  the Kafka thread and the command producer
 *   subs/      the registry of operations living on connections
 *   serve/     GraphQL over HTTP, SSE and WebSocket; the small pages
 *   resolvers/ the bank's fields           bench/  what --bench adds
 *
 *   gateway [--config FILE] [--check-config] [--sync-topology] [--bench] [--help] [--version]
 *
 * Exit status: 0 after a clean shutdown (or a good --check-config), 1 when
 * the configuration or the schema is bad (the message names the key and
 * line, or the schema error), 2 on a bad command line.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backbone/backbone.h"
#include "backbone/sync_topology.h"
#include "bank.h"
#include "exec/auth.h"
#include "exec/exec.h"
#include "routes.h"
#include "runtime/fair.h"
#include "runtime/file.h"
#include "runtime/metrics.h"
#include "subs/subs.h"
#include "trace.h"

#ifndef GW_SOURCE_DIR
#define GW_SOURCE_DIR "."
#endif

static void usage(FILE *f)
{
    fputs("usage: gateway [options]\n"
          "\n"
          "A GraphQL gateway for the open bank: GraphQL over HTTP on /graphql,\n"
          "GraphiQL on /graphiql, /healthz, /readyz and /metrics.\n"
          "\n"
          "  --config FILE    load FILE (YAML; see config/gateway.yaml). Without it\n"
          "                   the built-in defaults are used, with paths relative to\n"
          "                   " GW_SOURCE_DIR "\n"
          "  --check-config   load and check the configuration and the schema, print\n"
          "                   the effective configuration and exit\n"
          "  --sync-topology  create the topology's missing Kafka topics (the credentials\n"
          "                   topic compacted) and report partition-count drift; exit\n"
          "                   status 0 in sync, 1 drift, 2 on errors\n"
          "  --bench          serve a fixed list of ten transactions and POST\n"
          "                   /bench/raw (the same bytes without the engine);\n"
          "                   money_transfer answers 20 ms later, always successful\n"
          "  --help           this text\n"
          "  --version        the version\n"
          "\n"
          "Environment variables override the file: GATEWAY_PORT, GATEWAY_THREADS,\n"
          "GATEWAY_LOG_LEVEL, KAFKA_BROKERS, SCHEMA_REGISTRY_URL, KAFKA_CLIENT_ID,\n"
          "KAFKA_BC_TOPIC, KAFKA_CMT_TOPIC, KAFKA_CAC_TOPIC, GW_TOPOLOGY,\n"
          "KAFKA_ENABLED, KAFKA_FETCH_WAIT_MS, KAFKA_COMMAND_TIMEOUT_MS,\n"
          "KAFKA_HEARTBEAT_TIMEOUT_MS, KAFKA_CHECKPOINT_DIR, GATEWAY_AUTH_MODE (a non-empty\n"
          "KAFKA_BROKERS turns Kafka on). Tracing: OTEL_EXPORTER_OTLP_ENDPOINT,\n"
          "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER,\n"
          "OTEL_TRACES_SAMPLER_ARG (they win over tracing.*).\n"
          "Logs are JSON lines on stderr. SIGTERM or SIGINT: graceful stop.\n",
          f);
}

/* The schema from the configured file, unbound. NULL after printing why. */
static gql_schema_t *load_schema(const gw_config_t *c)
{
    size_t len;
    char *sdl = gw_read_file(c->graphql.schema, &len);
    if (sdl == NULL) {
        fprintf(stderr, "gateway: graphql.schema: cannot read %s: %s\n", c->graphql.schema, strerror(errno));
        return NULL;
    }
    gql_arena_t *a = gql_arena_new(0, NULL);
    if (a == NULL) {
        free(sdl);
        return NULL;
    }
    gql_errors_t errs;
    gql_errors_init(&errs, a, 20);
    gql_schema_t *schema = gql_schema_build(sdl, len, NULL, &errs, NULL);
    free(sdl);
    if (schema == NULL) {
        fprintf(stderr, "gateway: graphql.schema: %s is not a valid schema:\n", c->graphql.schema);
        for (size_t i = 0; i < errs.count; i++) {
            const gql_error_t *e = &errs.items[i];
            if (e->nlocations > 0)
                fprintf(stderr, "  %u:%u: %s\n", e->locations[0].line, e->locations[0].column, e->message);
            else
                fprintf(stderr, "  %s\n", e->message);
        }
    }
    gql_arena_free(a);
    return schema;
}

/* Binds the bank's fields, then --bench's stand-ins over them. 0, or a
 * negative GW_E* code after telling why. */
static int bind_schema(gql_schema_t *schema, gw_bank_t *bank, gw_bench_t *bench, const gw_log_t *log)
{
    gql_buf_t missing = GQL_BUF_INIT;
    int bound = gw_bank_bind(schema, bank, &missing);
    if (bound >= 0 && missing.len > 0) {
        gw_log_line_t l;
        if (gw_log_begin(&l, log, GW_LOG_WARN, "schema lacks fields the resolvers serve")) {
            gw_log_strn(&l, "fields", missing.data, missing.len);
            gw_log_end(&l);
        }
    }
    gql_buf_free(&missing);
    if (bound < 0) {
        fprintf(stderr, "gateway: out of memory\n");
        return bound;
    }
    return bench != NULL ? gw_bench_bind(bench, schema) : 0;
}

/* Every part of the process, owned here. Static rather than on main's
 * stack: when connections outlive the shutdown bound, the loops (and what
 * they point to) are left for the exit, still reachable from here. */
typedef struct gateway {
    gw_config_t config;
    gw_server_t server;
    gql_schema_t *schema;
    gw_backbone_t *backbone; /* NULL: kafka.enabled is false, or --bench */
    gw_auth_t *auth;         /* auth.mode and its key */
    gw_exec_t *exec;
    gw_persisted_t *persisted; /* APQ store and trusted documents, read by exec */
    gw_subs_t *subs;
    gw_bank_t *bank;
    gw_bench_t *bench; /* --bench only */
    gw_serve_t *serve;
    gw_fair_t *fair; /* per-client limits (fairness.*) */
    gw_pages_t *pages;
    gw_routes_t routes;
    gw_tracer_t *tracer; /* NULL: tracing off (no endpoint); server.tracer borrows it */
} gateway_t;

/* After the server stopped (or instead of running it): the Kafka thread
 * first, then each part after those that use it. */
static void gateway_free(gateway_t *g)
{
    gw_backbone_stop(g->backbone);
    gw_pages_free(g->pages);
    gw_serve_free(g->serve);
    gw_fair_free(g->fair);
    gw_subs_free(g->subs);
    gw_exec_free(g->exec);
    gw_persisted_free(g->persisted);
    gw_auth_free(g->auth);
    gw_bank_free(g->bank);
    gw_bench_free(g->bench);
    gw_backbone_free(g->backbone);
    gw_tracer_free(g->tracer); /* last: everything above may still end spans */
    g->server.tracer = NULL;
    gql_schema_free(g->schema);
    gw_server_dispose(&g->server);
    gw_config_free(&g->config);
}

/* The exporter's failures, logged from its thread (once per run of failures). */
static void trace_log(void *ctx, const char *message)
{
    gw_log_msg(ctx, GW_LOG_WARN, "tracing", message);
}

/* /metrics: spans exported and dropped (zeros when tracing is off). */
static void render_trace_metrics(gql_buf_t *out, void *data)
{
    const gw_tracer_t *t = data;
    gw_metrics_family(out, "gateway_trace_spans_exported_total", "counter",
                      "Spans the OTLP receiver accepted (tracing.otlp_endpoint).", (int64_t)gw_tracer_exported(t));
    gw_metrics_family(out, "gateway_trace_spans_dropped_total", "counter",
                      "Spans dropped: the export queue was full or their export failed.",
                      (int64_t)gw_tracer_dropped(t));
}

static bool schema_ready(void *data, char *reason, size_t reasonlen)
{
    if (data != NULL)
        return true;
    snprintf(reason, reasonlen, "schema not loaded");
    return false;
}

/* The APQ store (graphql.apq) and, with graphql.trusted_documents, the
 * manifest: a manifest that cannot be read, or whose ids are not the
 * hashes of its documents, refuses the start. 0 or -1 (said on stderr). */
static int load_persisted(gateway_t *g, const gw_config_t *c, bool quiet)
{
    gw_persisted_config_t pc = {
        .apq = c->graphql.apq.enabled,
        .max_bytes = c->graphql.apq.max_bytes,
        .max_entries = c->graphql.apq.max_entries,
    };
    if ((g->persisted = gw_persisted_new(&pc)) == NULL) {
        fprintf(stderr, "gateway: out of memory\n");
        return -1;
    }
    if (c->graphql.trusted_documents == NULL)
        return 0;
    char err[1024];
    if (gw_persisted_load_manifest_file(g->persisted, c->graphql.trusted_documents, err, sizeof err) != 0) {
        fprintf(stderr, "gateway: graphql.trusted_documents: %s\n", err);
        return -1;
    }
    gw_log_line_t l;
    if (!quiet && gw_log_begin(&l, &g->server.log, GW_LOG_WARN, "trusted documents only")) {
        gw_log_str(&l, "file", c->graphql.trusted_documents);
        gw_log_int(&l, "documents", (int64_t)gw_persisted_trusted_count(g->persisted));
        gw_log_str(&l, "detail",
                   "any other document is refused (PERSISTED_QUERY_NOT_TRUSTED): GraphiQL, introspection "
                   "and ad-hoc queries do not work in this mode");
        gw_log_end(&l);
    }
    return 0;
}

int main(int argc, char **argv)
{
    /* h2o's gzip filter (server.compress) makes a zlib state of ~270 KiB per
     * compressed response and frees it after. With glibc's default trim
     * threshold the freed heap top goes back to the kernel each time and is
     * faulted in again by the next response: 0.8 ms of CPU per response on
     * our machines against 1.4 us with a fixed threshold (measured with zlib
     * alone; docs/benchmarks.md, "Compression"). Keep up to 8 MiB per arena. */
    mallopt(M_TRIM_THRESHOLD, 8 << 20);
    const char *config_file = NULL;
    bool check_only = false, bench = false, sync_topology = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("gateway " GW_VERSION " (h2o %s)\n", H2O_VERSION);
            return 0;
        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config_file = argv[++i];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            config_file = argv[i] + 9;
        } else if (strcmp(argv[i], "--check-config") == 0) {
            check_only = true;
        } else if (strcmp(argv[i], "--sync-topology") == 0) {
            sync_topology = true;
        } else if (strcmp(argv[i], "--bench") == 0) {
            bench = true;
        } else {
            fprintf(stderr, "gateway: unknown or incomplete option \"%s\"\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }

    /* Blocks of up to 4 MiB come from the heaps, not from mappings of their
     * own: h2o's socket buffer for a 1 MiB body doubles its way to 2 MiB, and
     * mapped afresh each time it faulted in ~4 MiB of pages per request,
     * 20-60 ms of its loop on our machines (docs/security.md, attack 2);
     * from the heap it is reused warm. Fixed, not glibc's moving default,
     * which rises to the largest block freed so far (32 MiB at most). The
     * fragments long-lived blocks leave between them are given back by the
     * loops' periodic malloc_trim (serve.c): with neither, five rounds of
     * connections holding long documents left RSS higher each time (82 ->
     * 164 MB); with both it came back to 28 MB after every round. */
    mallopt(M_MMAP_THRESHOLD, 4 << 20);

    static gateway_t gateway;
    gateway_t *g = &gateway;
    gw_config_t *c = &g->config;
    char err[1024];
    if (gw_config_defaults(c, GW_SOURCE_DIR) != 0) {
        fprintf(stderr, "gateway: out of memory\n");
        return 1;
    }
    if ((config_file != NULL && gw_config_load_file(c, config_file, err, sizeof err) != 0) ||
        gw_config_apply_env(c, err, sizeof err) != 0 || gw_config_check(c, err, sizeof err) != 0) {
        fprintf(stderr, "gateway: configuration error: %s\n", err);
        gw_config_free(c);
        return 1;
    }
    if (sync_topology && !check_only) { /* --check-config checks the configuration of any command */
        int rc = gw_sync_topology(c);
        gw_config_free(c);
        return rc < 0 ? 2 : rc;
    }
    int status = 1;
    gw_server_t *s = &g->server;
    if (gw_server_init(s, c, (gw_log_t){.level = c->log.level, .fd = 2}) != 0) {
        fprintf(stderr, "gateway: out of memory\n");
        goto out;
    }
    gw_tracer_conf_t tc;
    char tc_url[1024];
    if (gw_tracer_conf_init(&tc, c->tracing.otlp_endpoint, c->tracing.service_name, c->tracing.sample_ratio, tc_url,
                            sizeof tc_url, err, sizeof err) != 0) {
        fprintf(stderr, "gateway: configuration error: %s\n", err);
        goto out;
    }
    tc.log = trace_log;
    tc.log_ctx = &s->log;
    if (!check_only && (g->tracer = gw_tracer_new(&tc, err, sizeof err)) == NULL && err[0] != '\0') {
        fprintf(stderr, "gateway: %s\n", err);
        goto out;
    }
    s->tracer = g->tracer;
    if (c->kafka.enabled && !bench && !check_only && (g->backbone = gw_backbone_new(s, err, sizeof err)) == NULL) {
        fprintf(stderr, "gateway: kafka: %s\n", err);
        goto out;
    }
    if (bench && (g->bench = gw_bench_new(s)) == NULL) {
        fprintf(stderr, "gateway: out of memory\n");
        goto out;
    }
    gw_txstore_t *query_store = g->backbone != NULL ? gw_backbone_txstore(g->backbone)
                                : g->bench != NULL  ? gw_bench_query_store(g->bench)
                                                    : NULL;
    if ((g->schema = load_schema(c)) == NULL || (g->pages = gw_pages_new(c)) == NULL)
        goto out;
    if ((g->bank = gw_bank_new(s, g->backbone, query_store)) == NULL) {
        fprintf(stderr, "gateway: out of memory\n");
        goto out;
    }
    if (bind_schema(g->schema, g->bank, g->bench, &s->log) != 0)
        goto out;
    if (load_persisted(g, c, check_only) != 0)
        goto out;
    /* session mode without its secret refuses to start, --check-config too */
    if ((g->auth = gw_auth_new(c, err, sizeof err)) == NULL) {
        fprintf(stderr, "gateway: %s\n", err);
        goto out;
    }
    if (check_only) {
        gql_buf_t b = GQL_BUF_INIT;
        gw_config_print(c, &b);
        gql_buf_puts(&b, "# tracing (with the OTEL_* environment): ");
        gql_buf_puts(&b, tc.endpoint != NULL ? tc.endpoint : "off (no endpoint)");
        if (tc.endpoint != NULL)
            gql_buf_printf(&b, ", service.name \"%s\", sampler %s, ratio %g", tc.service_name,
                           gw_sampler_name(tc.sampler), tc.ratio);
        gql_buf_putc(&b, '\n');
        fwrite(b.data, 1, b.len, stdout);
        gql_buf_free(&b);
        printf("# configuration OK, schema OK\n");
        status = 0;
        goto out;
    }
    /* the loops' hooks start in this order and end in the reverse one: the
     * transports close their connections before the registry frees what
     * they ran, and the document cache goes last */
    if ((g->exec = gw_exec_new(s, g->schema, &c->graphql.limits, &c->graphql.cost, c->graphql.doc_cache_entries,
                               c->graphql.doc_cache_bytes)) == NULL ||
        (g->subs = gw_subs_new(s, g->exec, c->subscriptions.max_unsent_bytes)) == NULL ||
        (g->serve = gw_serve_new(s, g->exec, g->subs, &c->subscriptions)) == NULL ||
        gw_server_add_ready_check(s, "schema", schema_ready, g->schema) != 0 ||
        gw_server_add_ready_check(s, "auth", gw_auth_ready, g->auth) != 0 ||
        gw_server_add_metrics(s, gw_backbone_render_metrics, g->backbone) != 0 ||
        gw_server_add_metrics(s, render_trace_metrics, g->tracer) != 0) {
        fprintf(stderr, "gateway: cannot set up the server (out of memory, or a table is full)\n");
        goto out;
    }
    gw_exec_set_persisted(g->exec, g->persisted);
    /* fair shares: connections held from accept, operations checked by the
     * transports after prepare; the bank's login field takes login tokens */
    static const char *const LOGIN_FIELDS[] = {"get_account", NULL};
    const gw_fair_config_t fcfg = {
        .max_connections = c->fairness.max_connections,
        .max_subscriptions = c->fairness.max_subscriptions,
        .logins_per_minute = c->fairness.logins_per_minute,
        .mutations_per_second = c->fairness.mutations_per_second,
        .mutations_burst = c->fairness.mutations_burst,
        .max_clients = c->fairness.max_clients,
        .client_header = c->fairness.client_header,
        .trusted_proxies = c->fairness.trusted_proxies,
        .ntrusted_proxies = c->fairness.ntrusted_proxies,
        .exempt = c->fairness.exempt,
        .nexempt = c->fairness.nexempt,
    };
    if ((g->fair = gw_fair_new(&fcfg, err, sizeof err)) == NULL) {
        fprintf(stderr, "gateway: fairness: %s\n", err);
        goto out;
    }
    if (gw_server_add_metrics(s, gw_fair_render_metrics, g->fair) != 0) {
        fprintf(stderr, "gateway: cannot set up the server (a table is full)\n");
        goto out;
    }
    gw_server_set_admission(s, &(gw_admission_t){gw_fair_admit, gw_fair_admit_release, g->fair});
    gw_serve_set_fair(g->serve, g->fair, LOGIN_FIELDS);
    gw_exec_set_auth(g->exec, g->auth);
    if (g->backbone != NULL) {
        gw_subs_set_store(g->subs, gw_backbone_txstore(g->backbone));
        gw_subs_set_trace_lookup(g->subs, gw_backbone_tx_trace, g->backbone);
    } else if (g->bench != NULL)
        gw_subs_set_store(g->subs, gw_bench_stream_store(g->bench));
    g->routes = (gw_routes_t){.serve = g->serve, .pages = g->pages, .bench = g->bench};
    gw_server_set_routes(s, gw_routes, &g->routes);
    if (g->backbone != NULL && gw_backbone_start(g->backbone, err, sizeof err) != 0) {
        fprintf(stderr, "gateway: kafka: %s\n", err);
        goto out;
    }
    status = gw_server_run(s) == 0 ? 0 : 1;

out:
    gateway_free(g);
    return status;
}
