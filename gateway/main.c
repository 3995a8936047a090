/*
 * main.c — the gateway program: command line, configuration, schema and
 * resolvers, then the server (server.c) until SIGTERM/SIGINT.
 *
 *   gateway [--config FILE] [--check-config] [--sync-topology] [--bench] [--help] [--version]
 *
 * Exit status: 0 after a clean shutdown (or a good --check-config), 1 when
 * the configuration or the schema is bad (the message names the key and
 * line, or the schema error), 2 on a bad command line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backbone.h"
#include "bank.h"
#include "http.h"
#include "subs.h"

#ifndef GW_SOURCE_DIR
#define GW_SOURCE_DIR "."
#endif

/* The bench query: all_last_transactions with every field (bench/http). */
static const char BENCH_QUERY[] =
    "{ all_last_transactions { id iban new_balance changed_by from_to direction descr } }";

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
          "KAFKA_ENABLED, KAFKA_FETCH_WAIT_MS, KAFKA_COMMAND_TIMEOUT_MS (a non-empty\n"
          "KAFKA_BROKERS turns Kafka on).\n"
          "Logs are JSON lines on stderr. SIGTERM or SIGINT: graceful stop.\n",
          f);
}

/* Reads a whole file into a malloc'd NUL-terminated buffer. NULL on error
 * (errno set). */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *data = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 65536 + 1 > cap) {
            cap = cap ? cap * 2 : 65536 * 2;
            char *d = realloc(data, cap);
            if (d == NULL) {
                free(data);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            data = d;
        }
        size_t r = fread(data + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(data);
        errno = EIO;
        return NULL;
    }
    data[n] = '\0';
    *len = n;
    return data;
}

static bool schema_ready(const gw_server_t *s, void *data, char *reason, size_t reasonlen)
{
    (void)data;
    if (s->schema != NULL)
        return true;
    snprintf(reason, reasonlen, "schema not loaded");
    return false;
}

/* Builds the schema from the configured file and binds the resolvers.
 * Returns 0, or -1 after printing why. */
static int load_schema(gw_server_t *s)
{
    size_t len;
    char *sdl = read_file(s->config.graphql.schema, &len);
    if (sdl == NULL) {
        fprintf(stderr, "gateway: graphql.schema: cannot read %s: %s\n", s->config.graphql.schema, strerror(errno));
        return -1;
    }
    gql_arena_t *a = gql_arena_new(0, NULL);
    if (a == NULL) {
        free(sdl);
        return -1;
    }
    gql_errors_t errs;
    gql_errors_init(&errs, a, 20);
    s->schema = gql_schema_build(sdl, len, NULL, &errs, NULL);
    free(sdl);
    if (s->schema == NULL) {
        fprintf(stderr, "gateway: graphql.schema: %s is not a valid schema:\n", s->config.graphql.schema);
        for (size_t i = 0; i < errs.count; i++) {
            const gql_error_t *e = &errs.items[i];
            if (e->nlocations > 0)
                fprintf(stderr, "  %u:%u: %s\n", e->locations[0].line, e->locations[0].column, e->message);
            else
                fprintf(stderr, "  %s\n", e->message);
        }
        gql_arena_free(a);
        return -1;
    }
    gql_arena_free(a);
    gql_buf_t missing = GQL_BUF_INIT;
    int bound = gw_bank_bind(s->schema, s->resolvers, &missing);
    if (bound < 0) {
        gql_buf_free(&missing);
        return -1;
    }
    if (missing.len > 0) {
        gw_log_line_t l;
        if (gw_log_begin(&l, &s->log, GW_LOG_WARN, "schema lacks fields the resolvers serve")) {
            gw_log_strn(&l, "fields", missing.data, missing.len);
            gw_log_end(&l);
        }
    }
    gql_buf_free(&missing);
    return 0;
}

/* --bench: runs BENCH_QUERY once through the engine; /bench/raw answers
 * these bytes. Returns 0 or -1. */
static int prepare_bench(gw_server_t *s)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    if (a == NULL)
        return -1;
    int rc = -1;
    gql_errors_t errs;
    gql_errors_init(&errs, a, 10);
    gql_document_t *doc = gql_parse(a, BENCH_QUERY, sizeof BENCH_QUERY - 1, NULL, &errs);
    gql_operation_t *op = NULL;
    if (doc != NULL && gql_validate(s->schema, doc, NULL, &errs) == 0) {
        gql_request_t r = {.schema = s->schema, .document = doc, .arena = a};
        if (gql_prepare(&r, &op, &errs) == 0 && gql_execute(op, NULL, &s->bench_response) == 0 &&
            !s->bench_response.oom)
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

static int load_pages(gw_server_t *s)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/index.html", s->config.web.root);
    if ((s->index_html = read_file(path, &s->index_len)) == NULL) {
        fprintf(stderr, "gateway: web.root: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (s->config.web.graphiql) {
        snprintf(path, sizeof path, "%s/graphiql.html", s->config.web.root);
        if ((s->graphiql_html = read_file(path, &s->graphiql_len)) == NULL) {
            fprintf(stderr, "gateway: web.root: cannot read %s: %s\n", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
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

    /* The process's one server, owned here. Static rather than on the stack:
     * when connections outlive the shutdown bound, the loops (and what they
     * point to) are left for the exit, still reachable from here. */
    static gw_server_t server;
    gw_server_t *s = &server;
    char err[1024];
    int status = 1;
    if (gw_config_defaults(&s->config, GW_SOURCE_DIR) != 0) {
        fprintf(stderr, "gateway: out of memory\n");
        return 1;
    }
    if ((config_file != NULL && gw_config_load_file(&s->config, config_file, err, sizeof err) != 0) ||
        gw_config_apply_env(&s->config, err, sizeof err) != 0 || gw_config_check(&s->config, err, sizeof err) != 0) {
        fprintf(stderr, "gateway: configuration error: %s\n", err);
        gw_config_free(&s->config);
        return 1;
    }
    s->log.level = s->config.log.level;
    s->log.fd = 2;
    s->bench = bench;
    gw_server_prepare(s);
    if (sync_topology) {
        int rc = gw_backbone_sync_topology(s);
        gw_config_free(&s->config);
        return rc < 0 ? 2 : rc;
    }
    if (s->config.kafka.enabled && !bench && !check_only) {
        if ((s->backbone = gw_backbone_new(s, err, sizeof err)) == NULL) {
            fprintf(stderr, "gateway: kafka: %s\n", err);
            gw_config_free(&s->config);
            return 1;
        }
    }
    if ((s->resolvers = gw_resolvers_new(s, s->backbone, bench)) == NULL) {
        fprintf(stderr, "gateway: out of memory\n");
        goto out;
    }

    if (load_schema(s) != 0 || load_pages(s) != 0 || (bench && prepare_bench(s) != 0))
        goto out;
    if (bench && gw_bench_bind(s->schema) != 0) {
        fprintf(stderr, "gateway: --bench: the schema lacks Mutation.money_transfer or MoneyTransferResult\n");
        goto out;
    }
    if (check_only) {
        gql_buf_t b = GQL_BUF_INIT;
        gw_config_print(&s->config, &b);
        fwrite(b.data, 1, b.len, stdout);
        gql_buf_free(&b);
        printf("# configuration OK, schema OK\n");
        status = 0;
        goto out;
    }
    gw_server_add_ready_check(s, "schema", schema_ready, NULL);
    if ((s->subs = gw_subs_new(s, &s->config.subscriptions)) == NULL || (bench && gw_subs_enable_bench(s->subs) != 0)) {
        fprintf(stderr, "gateway: subscriptions: cannot start (see the log)\n");
        goto out;
    }
    if (s->backbone != NULL)
        gw_subs_set_store(s->subs, gw_backbone_txstore(s->backbone));
    if (s->backbone != NULL && gw_backbone_start(s->backbone, err, sizeof err) != 0) {
        fprintf(stderr, "gateway: kafka: %s\n", err);
        goto out;
    }
    status = gw_server_run(s) == 0 ? 0 : 1;

out:
    gw_backbone_stop(s->backbone);
    gw_subs_free(s->subs);
    gw_resolvers_free(s->resolvers);
    gw_backbone_free(s->backbone);
    gql_schema_free(s->schema);
    gql_buf_free(&s->bench_response);
    free(s->index_html);
    free(s->graphiql_html);
    gw_config_free(&s->config);
    return status;
}
