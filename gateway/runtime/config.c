/*
 * config.c — defaults, the YAML file (libyaml's document API), environment
 * overrides and checks for gw_config_t (see config.h).
 *
 * The file is walked against KEYS, a table of dotted key paths: each entry
 * names its type, bounds and where the value goes, so the parser, the error
 * messages and --check-config agree on the set of keys.
 */
#include "config.h"

#include "error.h"
#include "fair.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef enum key_type {
    K_INT,     /* int field, bounds lo..hi */
    K_SIZE,    /* size_t field, bounds lo..hi */
    K_U64,     /* uint64_t field, bounds lo..hi */
    K_STR,     /* const char * field; empty string -> NULL when nullable */
    K_PATH,    /* const char * field, resolved against the file's directory */
    K_BOOL,    /* bool field */
    K_LEVEL,   /* gw_log_level_t field */
    K_RATIO,   /* double field from 0 to 1 */
    K_STRLIST, /* const char ** at offset, its count (size_t) at offset lo */
    K_MAP,     /* kafka.properties */
    K_SECTION, /* a mapping holding other keys */
} key_type_t;

typedef struct key_def {
    const char *path;
    key_type_t type;
    size_t offset;
    long long lo, hi;
    bool nullable; /* K_STR/K_PATH: "" or null means "not set" */
} key_def_t;

#define OFF(field) offsetof(gw_config_t, field)

static const key_def_t KEYS[] = {
    {"server", K_SECTION, 0, 0, 0, false},
    {"server.bind", K_STR, OFF(server.bind), 0, 0, false},
    {"server.port", K_INT, OFF(server.port), 0, 65535, false},
    {"server.threads", K_INT, OFF(server.threads), 0, 256, false},
    {"server.tls", K_SECTION, 0, 0, 0, false},
    {"server.tls.certificate", K_PATH, OFF(server.tls_certificate), 0, 0, true},
    {"server.tls.key", K_PATH, OFF(server.tls_key), 0, 0, true},
    {"server.max_connections_per_thread", K_SIZE, OFF(server.max_connections_per_thread), 1, 1000000, false},
    {"server.max_body_bytes", K_SIZE, OFF(server.max_body_bytes), 64, 1LL << 30, false},
    {"server.max_header_bytes", K_SIZE, OFF(server.max_header_bytes), 256, 400000, false},
    {"server.request_timeout_ms", K_U64, OFF(server.request_timeout_ms), 10, 3600000, false},
    {"server.idle_timeout_ms", K_U64, OFF(server.idle_timeout_ms), 10, 3600000, false},
    {"server.shutdown_timeout_ms", K_U64, OFF(server.shutdown_timeout_ms), 0, 600000, false},
    {"server.cors_origins", K_STRLIST, OFF(server.cors_origins), OFF(server.ncors_origins), 0, false},
    {"server.compress", K_SECTION, 0, 0, 0, false},
    {"server.compress.enabled", K_BOOL, OFF(server.compress.enabled), 0, 0, false},
    {"server.compress.min_bytes", K_SIZE, OFF(server.compress.min_bytes), 0, 1LL << 30, false},
    {"server.compress.gzip_level", K_INT, OFF(server.compress.gzip_level), 1, 9, false},
    {"server.compress.brotli_quality", K_INT, OFF(server.compress.brotli_quality), 0, 11, false},
    {"graphql", K_SECTION, 0, 0, 0, false},
    {"graphql.schema", K_PATH, OFF(graphql.schema), 0, 0, false},
    {"graphql.doc_cache_entries", K_SIZE, OFF(graphql.doc_cache_entries), 0, 1000000, false},
    {"graphql.doc_cache_bytes", K_SIZE, OFF(graphql.doc_cache_bytes), 0, 1LL << 40, false},
    {"graphql.max_document_bytes", K_SIZE, OFF(graphql.limits.max_document_bytes), 0, 1LL << 30, false},
    {"graphql.max_tokens", K_SIZE, OFF(graphql.limits.max_tokens), 0, 100000000, false},
    {"graphql.max_depth", K_SIZE, OFF(graphql.limits.max_depth), 0, 10000, false},
    {"graphql.max_fields", K_SIZE, OFF(graphql.limits.max_fields), 0, 10000000, false},
    {"graphql.max_aliases", K_SIZE, OFF(graphql.limits.max_aliases), 0, 10000000, false},
    {"graphql.max_errors", K_SIZE, OFF(graphql.limits.max_errors), 0, 100000, false},
    {"graphql.limits", K_SECTION, 0, 0, 0, false},
    {"graphql.limits.max_response_bytes", K_SIZE, OFF(graphql.limits.max_response_bytes), 0, 1LL << 32, false},
    {"graphql.cost", K_SECTION, 0, 0, 0, false},
    {"graphql.cost.max", K_U64, OFF(graphql.cost.max), 0, 1LL << 62, false},
    {"graphql.cost.default_list_size", K_U64, OFF(graphql.cost.default_list_size), 1, 1000000000, false},
    {"graphql.apq", K_SECTION, 0, 0, 0, false},
    {"graphql.apq.enabled", K_BOOL, OFF(graphql.apq.enabled), 0, 0, false},
    {"graphql.apq.max_bytes", K_SIZE, OFF(graphql.apq.max_bytes), 0, 1LL << 32, false},
    {"graphql.apq.max_entries", K_SIZE, OFF(graphql.apq.max_entries), 0, 10000000, false},
    {"graphql.trusted_documents", K_PATH, OFF(graphql.trusted_documents), 0, 0, true},
    {"web", K_SECTION, 0, 0, 0, false},
    {"web.graphiql", K_BOOL, OFF(web.graphiql), 0, 0, false},
    {"web.root", K_PATH, OFF(web.root), 0, 0, false},
    {"web.assets", K_PATH, OFF(web.assets), 0, 0, false},
    {"subscriptions", K_SECTION, 0, 0, 0, false},
    {"subscriptions.max_connections", K_SIZE, OFF(subscriptions.max_connections), 1, 10000000, false},
    {"subscriptions.max_per_connection", K_SIZE, OFF(subscriptions.max_per_connection), 1, 100000, false},
    {"subscriptions.max_connection_bytes", K_SIZE, OFF(subscriptions.max_connection_bytes), 0, 1LL << 40, false},
    {"subscriptions.max_message_bytes", K_SIZE, OFF(subscriptions.max_message_bytes), 256, 1LL << 26, false},
    {"subscriptions.receive_buffer_bytes", K_SIZE, OFF(subscriptions.receive_buffer_bytes), 0, 1LL << 30, false},
    {"subscriptions.init_timeout_ms", K_U64, OFF(subscriptions.init_timeout_ms), 10, 3600000, false},
    {"subscriptions.keepalive_ms", K_U64, OFF(subscriptions.keepalive_ms), 0, 3600000, false},
    {"subscriptions.idle_timeout_ms", K_U64, OFF(subscriptions.idle_timeout_ms), 0, 86400000, false},
    {"subscriptions.max_unsent_bytes", K_SIZE, OFF(subscriptions.max_unsent_bytes), 1024, 1LL << 32, false},
    {"subscriptions.slow_grace_ms", K_U64, OFF(subscriptions.slow_grace_ms), 0, 600000, false},
    {"fairness", K_SECTION, 0, 0, 0, false},
    {"fairness.max_connections", K_SIZE, OFF(fairness.max_connections), 0, 10000000, false},
    {"fairness.max_subscriptions", K_SIZE, OFF(fairness.max_subscriptions), 0, 10000000, false},
    {"fairness.logins_per_minute", K_U64, OFF(fairness.logins_per_minute), 0, 1000000, false},
    {"fairness.mutations_per_second", K_U64, OFF(fairness.mutations_per_second), 0, 1000000, false},
    {"fairness.mutations_burst", K_U64, OFF(fairness.mutations_burst), 0, 10000000, false},
    {"fairness.max_clients", K_SIZE, OFF(fairness.max_clients), 1, 16777216, false},
    {"fairness.client_header", K_STR, OFF(fairness.client_header), 0, 0, true},
    {"fairness.trusted_proxies", K_STRLIST, OFF(fairness.trusted_proxies), OFF(fairness.ntrusted_proxies), 0, false},
    {"fairness.exempt", K_STRLIST, OFF(fairness.exempt), OFF(fairness.nexempt), 0, false},
    {"auth", K_SECTION, 0, 0, 0, false},
    {"auth.mode", K_STR, OFF(auth.mode), 0, 0, false},
    {"auth.session_secret_env", K_STR, OFF(auth.session_secret_env), 0, 0, false},
    {"auth.session_ttl_s", K_U64, OFF(auth.session_ttl_s), 60, 31536000, false},
    {"auth.employees", K_STRLIST, OFF(auth.employees), (long long)OFF(auth.nemployees), 0, false},
    {"log", K_SECTION, 0, 0, 0, false},
    {"log.level", K_LEVEL, OFF(log.level), 0, 0, false},
    {"kafka", K_SECTION, 0, 0, 0, false},
    {"kafka.brokers", K_STR, OFF(kafka.brokers), 0, 0, false},
    {"kafka.schema_registry_url", K_STR, OFF(kafka.schema_registry_url), 0, 0, true},
    {"kafka.client_id", K_STR, OFF(kafka.client_id), 0, 0, false},
    {"kafka.topics", K_SECTION, 0, 0, 0, false},
    {"kafka.topics.balance_changed", K_STR, OFF(kafka.topic_balance_changed), 0, 0, true},
    {"kafka.topics.confirm_money_transfer", K_STR, OFF(kafka.topic_confirm_money_transfer), 0, 0, true},
    {"kafka.topics.confirm_account_creation", K_STR, OFF(kafka.topic_confirm_account_creation), 0, 0, true},
    {"kafka.properties", K_MAP, 0, 0, 0, false},
    {"kafka.enabled", K_BOOL, OFF(kafka.enabled), 0, 0, false},
    {"kafka.topology", K_PATH, OFF(kafka.topology), 0, 0, false},
    {"kafka.topics.accounts", K_STR, OFF(kafka.topic_accounts), 0, 0, false},
    {"kafka.fetch_wait_ms", K_INT, OFF(kafka.fetch_wait_ms), 0, 10000, false},
    {"kafka.linger_ms", K_INT, OFF(kafka.linger_ms), 0, 1000, false},
    {"kafka.max_in_flight", K_INT, OFF(kafka.max_in_flight), 1, 5, false},
    {"kafka.command_timeout_ms", K_U64, OFF(kafka.command_timeout_ms), 10, 600000, false},
    {"kafka.max_pending", K_SIZE, OFF(kafka.max_pending), 1, 10000000, false},
    {"kafka.checkpoint_dir", K_PATH, OFF(kafka.checkpoint_dir), 0, 0, true},
    {"kafka.checkpoint_interval_ms", K_U64, OFF(kafka.checkpoint_interval_ms), 100, 86400000, false},
    {"kafka.checkpoint_timeout_ms", K_U64, OFF(kafka.checkpoint_timeout_ms), 100, 3600000, false},
    {"kafka.heartbeat_timeout_ms", K_U64, OFF(kafka.heartbeat_timeout_ms), 0, 3600000, false},
    {"kafka.require_heartbeat", K_BOOL, OFF(kafka.require_heartbeat), 0, 0, false},
    {"accounts", K_SECTION, 0, 0, 0, false},
    {"accounts.pwhash", K_SECTION, 0, 0, 0, false},
    {"accounts.pwhash.memlimit_kib", K_U64, OFF(accounts.pwhash.memlimit_kib), 8, 4194304, false},
    {"accounts.pwhash.opslimit", K_U64, OFF(accounts.pwhash.opslimit), 1, 100, false},
    {"accounts.pwhash.threads", K_INT, OFF(accounts.pwhash.threads), 0, 16, false},
    {"accounts.pwhash.max_wait_ms", K_U64, OFF(accounts.pwhash.max_wait_ms), 0, 3600000, false},
    {"accounts.pwhash.allow_weak", K_BOOL, OFF(accounts.pwhash.allow_weak), 0, 0, false},
    {"tracing", K_SECTION, 0, 0, 0, false},
    {"tracing.otlp_endpoint", K_STR, OFF(tracing.otlp_endpoint), 0, 0, true},
    {"tracing.service_name", K_STR, OFF(tracing.service_name), 0, 0, false},
    {"tracing.sample_ratio", K_RATIO, OFF(tracing.sample_ratio), 0, 0, false},
};

static const char *const DEFAULT_CORS[] = {"http://localhost:8888", "http://localhost:8181", "http://localhost:4200"};
static const char *const DEFAULT_EXEMPT[] = {"127.0.0.0/8", "::1/128"};

static void seterr(char *err, size_t errlen, const char *fmt, ...) GQL_PRINTF(3, 4);
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* A default string list: an arena copy of the array `list` of `n` static
 * strings (the strings themselves are not copied); NULL when out of memory. */
static const char **default_list(gql_arena_t *a, const char *const *list, size_t n, size_t *count)
{
    const char **out = gql_arena_alloc(a, n * sizeof *out);
    if (out == NULL)
        return NULL;
    memcpy(out, list, n * sizeof *out);
    *count = n;
    return out;
}

/* `p` made absolute against `base` (an arena string); NULL when out of memory. */
static const char *resolve_path(gql_arena_t *a, const char *base, const char *p)
{
    if (p[0] == '/' || base == NULL || base[0] == '\0')
        return gql_arena_strdup(a, p);
    return gql_arena_printf(a, "%s/%s", base, p);
}

int gw_config_defaults(gw_config_t *c, const char *base_dir)
{
    memset(c, 0, sizeof *c);
    if ((c->arena = gql_arena_new(4096, NULL)) == NULL)
        return GW_ENOMEM;
    gql_arena_t *a = c->arena;
    c->base_dir = gql_arena_strdup(a, base_dir != NULL ? base_dir : ".");
    c->server.bind = "0.0.0.0";
    c->server.port = 8888;
    c->server.threads = 0;
    c->server.max_connections_per_thread = 4096;
    c->server.max_body_bytes = 1 << 20;
    c->server.max_header_bytes = 16384;
    c->server.request_timeout_ms = 10000;
    c->server.idle_timeout_ms = 60000;
    c->server.shutdown_timeout_ms = 10000;
    c->server.cors_origins =
        default_list(a, DEFAULT_CORS, sizeof DEFAULT_CORS / sizeof *DEFAULT_CORS, &c->server.ncors_origins);
    if (c->server.cors_origins == NULL)
        return GW_ENOMEM;
    c->server.compress.enabled = true;
    c->server.compress.min_bytes = 1024;
    c->server.compress.gzip_level = 1;
    c->server.compress.brotli_quality = 1;
    c->graphql.schema = resolve_path(a, c->base_dir, "schema/bank.graphql");
    c->graphql.doc_cache_entries = 1000;
    c->graphql.doc_cache_bytes = 32u << 20;
    c->graphql.limits = gql_limits_default();
    c->graphql.cost = (gw_cost_limits_t){.max = 20000, .default_list_size = 100};
    c->graphql.apq.enabled = true;
    c->graphql.apq.max_bytes = 8u << 20;
    c->graphql.apq.max_entries = 10000;
    c->web.graphiql = true;
    c->web.root = resolve_path(a, c->base_dir, "static");
    c->web.assets = resolve_path(a, c->base_dir, "node_modules");
    c->log.level = GW_LOG_INFO;
    c->fairness.max_connections = 256;
    c->fairness.max_subscriptions = 1000;
    c->fairness.logins_per_minute = 60;
    c->fairness.mutations_per_second = 50;
    c->fairness.mutations_burst = 100;
    c->fairness.max_clients = 65536;
    c->fairness.exempt =
        default_list(a, DEFAULT_EXEMPT, sizeof DEFAULT_EXEMPT / sizeof *DEFAULT_EXEMPT, &c->fairness.nexempt);
    if (c->fairness.exempt == NULL)
        return GW_ENOMEM;
    c->auth.mode = "open";
    c->auth.session_secret_env = "GATEWAY_SESSION_SECRET";
    c->auth.session_ttl_s = 3600;
    c->subscriptions = (gw_subs_limits_t){
        .max_connections = 20000,
        .max_per_connection = 100,
        .max_connection_bytes = 8u << 20,
        .max_message_bytes = 65536,
        .receive_buffer_bytes = 131072,
        .init_timeout_ms = 10000,
        .keepalive_ms = 12000,
        .idle_timeout_ms = 0,
        .max_unsent_bytes = 1 << 20,
        .slow_grace_ms = 2000,
    };
    c->kafka.brokers = "localhost:9092";
    c->kafka.schema_registry_url = NULL; /* none: schema ids pinned by the topology */
    c->kafka.client_id = "graphql-endpoint";
    /* empty: the topology file names the topics; set, they rename them */
    c->kafka.topic_balance_changed = "";
    c->kafka.topic_confirm_money_transfer = "";
    c->kafka.topic_confirm_account_creation = "";
    c->kafka.enabled = false;
    c->kafka.topology = resolve_path(a, c->base_dir, "schema/topology.yaml");
    c->kafka.topic_accounts = "gateway_accounts";
    c->kafka.fetch_wait_ms = 1;
    c->kafka.linger_ms = 1;
    c->kafka.max_in_flight = 1;
    c->kafka.command_timeout_ms = 5000;
    c->kafka.max_pending = 65536;
    c->kafka.checkpoint_interval_ms = 60000;
    c->kafka.checkpoint_timeout_ms = 30000;
    c->kafka.heartbeat_timeout_ms = 3000;
    c->kafka.require_heartbeat = false;
    /* OWASP's minimum for argon2id (19 MiB, 2 iterations, 1 lane) */
    c->accounts.pwhash.memlimit_kib = 19456;
    c->accounts.pwhash.opslimit = 2;
    c->accounts.pwhash.threads = 0;
    c->accounts.pwhash.max_wait_ms = 2000;
    c->accounts.pwhash.allow_weak = false;
    c->tracing.otlp_endpoint = NULL; /* off unless set (or OTEL_EXPORTER_OTLP_*ENDPOINT) */
    c->tracing.service_name = "openbank-gateway";
    c->tracing.sample_ratio = 1.0;
    if (c->kafka.topology == NULL || c->graphql.schema == NULL || c->web.root == NULL || c->web.assets == NULL)
        return GW_ENOMEM;
    return 0;
}

void gw_config_free(gw_config_t *c)
{
    gql_arena_free(c->arena);
    c->arena = NULL;
}

static const key_def_t *find_key(const char *path)
{
    for (size_t i = 0; i < sizeof KEYS / sizeof *KEYS; i++)
        if (strcmp(KEYS[i].path, path) == 0)
            return &KEYS[i];
    return NULL;
}

/* Parses a whole decimal integer; false on garbage or overflow. */
static bool parse_ll(const char *s, long long *out)
{
    if (s == NULL || *s == '\0')
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

/* Sets a scalar key from its text. `where` prefixes error messages
 * ("file:line" or "environment variable X"). Returns 0 or GW_EINVAL. */
static int set_scalar(gw_config_t *c, const key_def_t *k, const char *text, bool is_null, const char *dir,
                      const char *where, char *err, size_t errlen)
{
    char *base = (char *)c;
    switch (k->type) {
    case K_INT:
    case K_SIZE:
    case K_U64: {
        long long v;
        if (is_null || !parse_ll(text, &v) || v < k->lo || v > k->hi) {
            seterr(err, errlen, "%s: %s: expected an integer from %lld to %lld, got \"%s\"", where, k->path, k->lo,
                   k->hi, is_null ? "null" : text);
            return GW_EINVAL;
        }
        if (k->type == K_INT)
            *(int *)(base + k->offset) = (int)v;
        else if (k->type == K_SIZE)
            *(size_t *)(base + k->offset) = (size_t)v;
        else
            *(uint64_t *)(base + k->offset) = (uint64_t)v;
        return 0;
    }
    case K_BOOL:
        if (!is_null && (strcmp(text, "true") == 0 || strcmp(text, "yes") == 0 || strcmp(text, "on") == 0)) {
            *(bool *)(base + k->offset) = true;
            return 0;
        }
        if (!is_null && (strcmp(text, "false") == 0 || strcmp(text, "no") == 0 || strcmp(text, "off") == 0)) {
            *(bool *)(base + k->offset) = false;
            return 0;
        }
        seterr(err, errlen, "%s: %s: expected true or false, got \"%s\"", where, k->path, is_null ? "null" : text);
        return GW_EINVAL;
    case K_RATIO: {
        char *end = NULL;
        double v = is_null ? -1 : strtod(text, &end);
        if (is_null || end == text || *end != '\0' || !(v >= 0 && v <= 1)) {
            seterr(err, errlen, "%s: %s: expected a number from 0 to 1, got \"%s\"", where, k->path,
                   is_null ? "null" : text);
            return GW_EINVAL;
        }
        *(double *)(base + k->offset) = v;
        return 0;
    }
    case K_LEVEL: {
        int lv = is_null ? -1 : gw_log_level_parse(text);
        if (lv < 0) {
            seterr(err, errlen, "%s: %s: expected one of debug, info, warn, error, got \"%s\"", where, k->path,
                   is_null ? "null" : text);
            return GW_EINVAL;
        }
        *(gw_log_level_t *)(base + k->offset) = (gw_log_level_t)lv;
        return 0;
    }
    case K_STR:
    case K_PATH: {
        const char **slot = (const char **)(base + k->offset);
        if (is_null || text[0] == '\0') {
            if (!k->nullable) {
                seterr(err, errlen, "%s: %s: must not be empty", where, k->path);
                return GW_EINVAL;
            }
            *slot = NULL;
            return 0;
        }
        const char *v = k->type == K_PATH ? resolve_path(c->arena, dir, text) : gql_arena_strdup(c->arena, text);
        if (v == NULL) {
            seterr(err, errlen, "%s: out of memory", where);
            return GW_EINVAL;
        }
        *slot = v;
        return 0;
    }
    default:
        seterr(err, errlen, "%s: %s: expected a mapping or a list, got a scalar", where, k->path);
        return GW_EINVAL;
    }
}

typedef struct walk {
    gw_config_t *c;
    yaml_document_t *doc;
    const char *file;
    const char *dir;
    char *err;
    size_t errlen;
} walk_t;

static const char *scalar_text(yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* Whether a scalar is YAML's null (~, null, or an empty plain scalar). */
static bool scalar_is_null(yaml_node_t *n)
{
    const char *t = scalar_text(n);
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    return t[0] == '\0' || strcmp(t, "~") == 0 || strcmp(t, "null") == 0 || strcmp(t, "Null") == 0 ||
           strcmp(t, "NULL") == 0;
}

static int walk_mapping(walk_t *w, yaml_node_t *map, const char *prefix);

static int walk_value(walk_t *w, const key_def_t *k, yaml_node_t *v)
{
    gw_config_t *c = w->c;
    char where[1200];
    snprintf(where, sizeof where, "%s:%lu", w->file, (unsigned long)v->start_mark.line + 1);
    switch (k->type) {
    case K_SECTION:
        if (v->type == YAML_SCALAR_NODE && scalar_is_null(v))
            return 0; /* an empty section */
        if (v->type != YAML_MAPPING_NODE) {
            seterr(w->err, w->errlen, "%s: %s: expected a mapping", where, k->path);
            return GW_EINVAL;
        }
        return walk_mapping(w, v, k->path);
    case K_STRLIST: {
        if (v->type == YAML_SCALAR_NODE && scalar_is_null(v) && k->offset != OFF(server.cors_origins)) {
            *(const char ***)((char *)c + k->offset) = NULL; /* an empty list */
            *(size_t *)((char *)c + k->lo) = 0;
            return 0;
        }
        if (v->type != YAML_SEQUENCE_NODE) {
            seterr(w->err, w->errlen, "%s: %s: expected a list of strings", where, k->path);
            return GW_EINVAL;
        }
        size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
        const char **list = gql_arena_alloc(c->arena, (n + 1) * sizeof *list);
        if (list == NULL)
            return GW_EINVAL;
        for (size_t i = 0; i < n; i++) {
            yaml_node_t *it = yaml_document_get_node(w->doc, v->data.sequence.items.start[i]);
            if (it == NULL || it->type != YAML_SCALAR_NODE || scalar_is_null(it)) {
                seterr(w->err, w->errlen, "%s:%lu: %s[%zu]: expected a string", w->file,
                       (unsigned long)(it ? it->start_mark.line : v->start_mark.line) + 1, k->path, i);
                return GW_EINVAL;
            }
            list[i] = gql_arena_strdup(c->arena, scalar_text(it));
        }
        *(const char ***)((char *)c + k->offset) = list;
        *(size_t *)((char *)c + k->lo) = (size_t)n;
        return 0;
    }
    case K_MAP: {
        if (v->type == YAML_SCALAR_NODE && scalar_is_null(v)) {
            c->kafka.properties = NULL;
            c->kafka.nproperties = 0;
            return 0;
        }
        if (v->type != YAML_MAPPING_NODE) {
            seterr(w->err, w->errlen, "%s: %s: expected a mapping of librdkafka properties", where, k->path);
            return GW_EINVAL;
        }
        size_t n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
        gw_kv_t *kv = gql_arena_alloc(c->arena, (n + 1) * sizeof *kv);
        if (kv == NULL)
            return GW_EINVAL;
        for (size_t i = 0; i < n; i++) {
            yaml_node_pair_t *p = &v->data.mapping.pairs.start[i];
            yaml_node_t *pk = yaml_document_get_node(w->doc, p->key);
            yaml_node_t *pv = yaml_document_get_node(w->doc, p->value);
            if (pk == NULL || pv == NULL || pk->type != YAML_SCALAR_NODE || pv->type != YAML_SCALAR_NODE) {
                seterr(w->err, w->errlen, "%s:%lu: %s: each property must be a scalar value", w->file,
                       (unsigned long)(pk ? pk->start_mark.line : v->start_mark.line) + 1, k->path);
                return GW_EINVAL;
            }
            kv[i].key = gql_arena_strdup(c->arena, scalar_text(pk));
            kv[i].value = gql_arena_strdup(c->arena, scalar_text(pv));
        }
        c->kafka.properties = kv;
        c->kafka.nproperties = n;
        return 0;
    }
    default:
        if (v->type != YAML_SCALAR_NODE) {
            seterr(w->err, w->errlen, "%s: %s: expected a single value", where, k->path);
            return GW_EINVAL;
        }
        return set_scalar(c, k, scalar_text(v), scalar_is_null(v), w->dir, where, w->err, w->errlen);
    }
}

static int walk_mapping(walk_t *w, yaml_node_t *map, const char *prefix)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(w->doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(w->doc, p->value);
        if (kn == NULL || vn == NULL)
            continue;
        if (kn->type != YAML_SCALAR_NODE) {
            seterr(w->err, w->errlen, "%s:%lu: keys must be plain names", w->file,
                   (unsigned long)kn->start_mark.line + 1);
            return GW_EINVAL;
        }
        char path[256];
        int n = snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", scalar_text(kn));
        const key_def_t *k = (n > 0 && (size_t)n < sizeof path) ? find_key(path) : NULL;
        if (k == NULL) {
            seterr(w->err, w->errlen, "%s:%lu: unknown key \"%s\"", w->file, (unsigned long)kn->start_mark.line + 1,
                   path);
            return GW_EINVAL;
        }
        /* a duplicate key is almost always a mistake: refuse it */
        for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
            yaml_node_t *qk = yaml_document_get_node(w->doc, q->key);
            if (qk != NULL && qk->type == YAML_SCALAR_NODE && strcmp(scalar_text(qk), scalar_text(kn)) == 0) {
                seterr(w->err, w->errlen, "%s:%lu: duplicate key \"%s\"", w->file,
                       (unsigned long)kn->start_mark.line + 1, path);
                return GW_EINVAL;
            }
        }
        if (walk_value(w, k, vn) != 0)
            return GW_EINVAL;
    }
    return 0;
}

int gw_config_load_file(gw_config_t *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return GW_EINVAL;
    }
    c->file = gql_arena_strdup(c->arena, path);
    /* the directory holding the file, for relative paths inside it */
    const char *slash = strrchr(path, '/');
    const char *dir =
        slash == NULL ? "." : (slash == path ? "/" : gql_arena_strndup(c->arena, path, (size_t)(slash - path)));

    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = -1;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        seterr(err, errlen, "%s: out of memory", path);
        return GW_EINVAL;
    }
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        seterr(err, errlen, "%s:%lu: YAML error: %s", path, (unsigned long)parser.problem_mark.line + 1,
               parser.problem ? parser.problem : "unknown");
        yaml_parser_delete(&parser);
        fclose(f);
        return GW_EINVAL;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    walk_t w = {c, &doc, path, dir, err, errlen};
    if (root == NULL || (root->type == YAML_SCALAR_NODE && scalar_is_null(root)))
        rc = 0; /* an empty file: all defaults */
    else if (root->type != YAML_MAPPING_NODE)
        seterr(err, errlen, "%s:%lu: the top level must be a mapping", path, (unsigned long)root->start_mark.line + 1);
    else
        rc = walk_mapping(&w, root, "");
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

int gw_config_apply_env(gw_config_t *c, char *err, size_t errlen)
{
    static const struct {
        const char *var;
        const char *key;
    } ENV[] = {
        {"GATEWAY_PORT", "server.port"},
        {"GATEWAY_THREADS", "server.threads"},
        {"GATEWAY_LOG_LEVEL", "log.level"},
        {"GATEWAY_AUTH_MODE", "auth.mode"},
        {"KAFKA_BROKERS", "kafka.brokers"},
        {"SCHEMA_REGISTRY_URL", "kafka.schema_registry_url"},
        {"KAFKA_CLIENT_ID", "kafka.client_id"},
        {"KAFKA_BC_TOPIC", "kafka.topics.balance_changed"},
        {"KAFKA_CMT_TOPIC", "kafka.topics.confirm_money_transfer"},
        {"KAFKA_CAC_TOPIC", "kafka.topics.confirm_account_creation"},
        {"GW_TOPOLOGY", "kafka.topology"},
        {"GW_TRUSTED_DOCUMENTS", "graphql.trusted_documents"},
        {"KAFKA_ENABLED", "kafka.enabled"},
        {"KAFKA_FETCH_WAIT_MS", "kafka.fetch_wait_ms"},
        {"KAFKA_LINGER_MS", "kafka.linger_ms"},
        {"KAFKA_MAX_IN_FLIGHT", "kafka.max_in_flight"},
        {"KAFKA_COMMAND_TIMEOUT_MS", "kafka.command_timeout_ms"},
        {"KAFKA_HEARTBEAT_TIMEOUT_MS", "kafka.heartbeat_timeout_ms"},
        {"KAFKA_CHECKPOINT_DIR", "kafka.checkpoint_dir"},
        {"GATEWAY_PWHASH_MEMLIMIT_KIB", "accounts.pwhash.memlimit_kib"},
        {"GATEWAY_PWHASH_OPSLIMIT", "accounts.pwhash.opslimit"},
        {"GATEWAY_PWHASH_THREADS", "accounts.pwhash.threads"},
        {"GATEWAY_PWHASH_MAX_WAIT_MS", "accounts.pwhash.max_wait_ms"},
        {"GATEWAY_PWHASH_ALLOW_WEAK", "accounts.pwhash.allow_weak"},
    };
    const char *brokers = getenv("KAFKA_BROKERS");
    if (brokers != NULL && *brokers != '\0')
        c->kafka.enabled = true;
    for (size_t i = 0; i < sizeof ENV / sizeof *ENV; i++) {
        const char *v = getenv(ENV[i].var);
        if (v == NULL)
            continue;
        char where[96];
        snprintf(where, sizeof where, "environment variable %s", ENV[i].var);
        if (set_scalar(c, find_key(ENV[i].key), v, false, ".", where, err, errlen) != 0)
            return GW_EINVAL;
    }
    return 0;
}

int gw_config_check(const gw_config_t *c, char *err, size_t errlen)
{
    if ((c->server.tls_certificate == NULL) != (c->server.tls_key == NULL)) {
        seterr(err, errlen, "server.tls: certificate and key must be given together");
        return GW_EINVAL;
    }
    if (strcmp(c->auth.mode, "open") != 0 && strcmp(c->auth.mode, "session") != 0) {
        seterr(err, errlen, "auth.mode: expected open or session, got \"%s\"", c->auth.mode);
        return GW_EINVAL;
    }
    for (size_t i = 0; i < c->server.ncors_origins; i++) {
        const char *o = c->server.cors_origins[i];
        if (strcmp(o, "*") != 0 && strncmp(o, "http://", 7) != 0 && strncmp(o, "https://", 8) != 0) {
            seterr(err, errlen, "server.cors_origins: \"%s\" is not an origin (http://host[:port] or *)", o);
            return GW_EINVAL;
        }
    }
    /* OWASP's argon2id settings, equal in cost (store.h's
     * gw_pwhash_params_strong says the same; config sits below it) */
    static const struct {
        uint64_t m, t;
    } OWASP[] = {{47104, 1}, {19456, 2}, {12288, 3}, {9216, 4}, {7168, 5}};
    const uint64_t m = c->accounts.pwhash.memlimit_kib, t = c->accounts.pwhash.opslimit;
    bool strong = false;
    for (size_t i = 0; i < sizeof OWASP / sizeof *OWASP; i++)
        strong = strong || (m >= OWASP[i].m && t >= OWASP[i].t);
    if (!strong && !c->accounts.pwhash.allow_weak) {
        seterr(err, errlen,
               "accounts.pwhash.memlimit_kib %llu with accounts.pwhash.opslimit %llu is weaker than OWASP's minimum "
               "for argon2id (19456 KiB with 2 iterations, or an equivalent pair); set accounts.pwhash.allow_weak: "
               "true to accept it (load tests only)",
               (unsigned long long)m, (unsigned long long)t);
        return GW_EINVAL;
    }
    const char *const *lists[2] = {c->fairness.trusted_proxies, c->fairness.exempt};
    size_t nlists[2] = {c->fairness.ntrusted_proxies, c->fairness.nexempt};
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < nlists[l]; i++) {
            gw_fair_cidr_t cidr;
            if (!gw_fair_cidr_parse(lists[l][i], &cidr)) {
                seterr(err, errlen,
                       "fairness.%s[%zu]: \"%s\" is not an address or CIDR prefix (e.g. 10.0.0.0/8, ::1/128)",
                       l == 0 ? "trusted_proxies" : "exempt", i, lists[l][i]);
                return GW_EINVAL;
            }
        }
    const char *h = c->fairness.client_header;
    for (size_t i = 0; h != NULL && h[i] != '\0'; i++)
        if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') || (h[i] >= '0' && h[i] <= '9') ||
              h[i] == '-' || h[i] == '_')) {
            seterr(err, errlen, "fairness.client_header: \"%s\" is not a header name", h);
            return GW_EINVAL;
        }
    return 0;
}

static bool secret_name(const char *k)
{
    return strstr(k, "password") != NULL || strstr(k, "secret") != NULL || strstr(k, "key") != NULL ||
           strstr(k, "token") != NULL;
}

static void print_str(gql_buf_t *out, const char *s)
{
    if (s == NULL)
        gql_buf_puts(out, "null");
    else
        gql_buf_json_string(out, s, strlen(s)); /* JSON strings are valid YAML */
}

void gw_config_print(const gw_config_t *c, gql_buf_t *out)
{
    gql_buf_printf(out, "# effective configuration (file: %s)\nserver:\n  bind: ", c->file ? c->file : "none");
    print_str(out, c->server.bind);
    gql_buf_printf(out, "\n  port: %d\n  threads: %d\n  tls:\n    certificate: ", c->server.port, c->server.threads);
    print_str(out, c->server.tls_certificate);
    gql_buf_puts(out, "\n    key: ");
    print_str(out, c->server.tls_key);
    gql_buf_printf(out,
                   "\n  max_connections_per_thread: %zu\n  max_body_bytes: %zu\n  max_header_bytes: %zu\n"
                   "  request_timeout_ms: %llu\n  idle_timeout_ms: %llu\n  shutdown_timeout_ms: %llu\n"
                   "  cors_origins:\n",
                   c->server.max_connections_per_thread, c->server.max_body_bytes, c->server.max_header_bytes,
                   (unsigned long long)c->server.request_timeout_ms, (unsigned long long)c->server.idle_timeout_ms,
                   (unsigned long long)c->server.shutdown_timeout_ms);
    for (size_t i = 0; i < c->server.ncors_origins; i++) {
        gql_buf_puts(out, "    - ");
        print_str(out, c->server.cors_origins[i]);
        gql_buf_putc(out, '\n');
    }
    gql_buf_printf(out,
                   "  compress:\n    enabled: %s\n    min_bytes: %zu\n    gzip_level: %d\n    brotli_quality: %d\n",
                   c->server.compress.enabled ? "true" : "false", c->server.compress.min_bytes,
                   c->server.compress.gzip_level, c->server.compress.brotli_quality);
    gql_buf_puts(out, "graphql:\n  schema: ");
    print_str(out, c->graphql.schema);
    const gql_limits_t *l = &c->graphql.limits;
    gql_buf_printf(out,
                   "\n  doc_cache_entries: %zu\n  doc_cache_bytes: %zu\n  max_document_bytes: %zu\n  max_tokens: %zu\n"
                   "  max_depth: %zu\n  max_fields: %zu\n  max_aliases: %zu\n  max_errors: %zu\n",
                   c->graphql.doc_cache_entries, c->graphql.doc_cache_bytes, l->max_document_bytes, l->max_tokens,
                   l->max_depth, l->max_fields, l->max_aliases, l->max_errors);
    gql_buf_printf(out, "  limits:\n    max_response_bytes: %zu\n  cost:\n    max: %llu\n    default_list_size: %llu\n",
                   l->max_response_bytes, (unsigned long long)c->graphql.cost.max,
                   (unsigned long long)c->graphql.cost.default_list_size);
    gql_buf_printf(out, "  apq:\n    enabled: %s\n    max_bytes: %zu\n    max_entries: %zu\n  trusted_documents: ",
                   c->graphql.apq.enabled ? "true" : "false", c->graphql.apq.max_bytes, c->graphql.apq.max_entries);
    print_str(out, c->graphql.trusted_documents);
    gql_buf_putc(out, '\n');
    gql_buf_printf(out, "web:\n  graphiql: %s\n  root: ", c->web.graphiql ? "true" : "false");
    print_str(out, c->web.root);
    gql_buf_puts(out, "\n  assets: ");
    print_str(out, c->web.assets);
    const gw_subs_limits_t *sl = &c->subscriptions;
    gql_buf_printf(
        out,
        "\nsubscriptions:\n  max_connections: %zu\n  max_per_connection: %zu\n  max_connection_bytes: %zu\n"
        "  max_message_bytes: %zu\n  receive_buffer_bytes: %zu\n  init_timeout_ms: %llu\n  keepalive_ms: %llu\n"
        "  idle_timeout_ms: %llu\n  max_unsent_bytes: %zu\n  slow_grace_ms: %llu",
        sl->max_connections, sl->max_per_connection, sl->max_connection_bytes, sl->max_message_bytes,
        sl->receive_buffer_bytes, (unsigned long long)sl->init_timeout_ms, (unsigned long long)sl->keepalive_ms,
        (unsigned long long)sl->idle_timeout_ms, sl->max_unsent_bytes, (unsigned long long)sl->slow_grace_ms);
    gql_buf_printf(out,
                   "\nfairness:\n  max_connections: %zu\n  max_subscriptions: %zu\n  logins_per_minute: %llu\n"
                   "  mutations_per_second: %llu\n  mutations_burst: %llu\n  max_clients: %zu\n  client_header: ",
                   c->fairness.max_connections, c->fairness.max_subscriptions,
                   (unsigned long long)c->fairness.logins_per_minute,
                   (unsigned long long)c->fairness.mutations_per_second,
                   (unsigned long long)c->fairness.mutations_burst, c->fairness.max_clients);
    print_str(out, c->fairness.client_header);
    gql_buf_puts(out, "\n  trusted_proxies:");
    if (c->fairness.ntrusted_proxies == 0)
        gql_buf_puts(out, " []");
    for (size_t i = 0; i < c->fairness.ntrusted_proxies; i++) {
        gql_buf_puts(out, "\n    - ");
        print_str(out, c->fairness.trusted_proxies[i]);
    }
    gql_buf_puts(out, "\n  exempt:");
    if (c->fairness.nexempt == 0)
        gql_buf_puts(out, " []");
    for (size_t i = 0; i < c->fairness.nexempt; i++) {
        gql_buf_puts(out, "\n    - ");
        print_str(out, c->fairness.exempt[i]);
    }
    gql_buf_puts(out, "\nauth:\n  mode: ");
    print_str(out, c->auth.mode);
    gql_buf_puts(out, "\n  session_secret_env: "); /* the variable's name, never its value */
    print_str(out, c->auth.session_secret_env);
    gql_buf_printf(out, "\n  session_ttl_s: %llu\n  employees:", (unsigned long long)c->auth.session_ttl_s);
    if (c->auth.nemployees == 0)
        gql_buf_puts(out, " []");
    for (size_t i = 0; i < c->auth.nemployees; i++) {
        gql_buf_puts(out, "\n    - ");
        print_str(out, c->auth.employees[i]);
    }
    gql_buf_printf(out, "\nlog:\n  level: %s\nkafka:\n  brokers: ", gw_log_level_name(c->log.level));
    print_str(out, c->kafka.brokers);
    gql_buf_puts(out, "\n  schema_registry_url: ");
    print_str(out, c->kafka.schema_registry_url);
    gql_buf_puts(out, "\n  client_id: ");
    print_str(out, c->kafka.client_id);
    gql_buf_puts(out, "\n  topics:\n    balance_changed: ");
    print_str(out, c->kafka.topic_balance_changed);
    gql_buf_puts(out, "\n    confirm_money_transfer: ");
    print_str(out, c->kafka.topic_confirm_money_transfer);
    gql_buf_puts(out, "\n    confirm_account_creation: ");
    print_str(out, c->kafka.topic_confirm_account_creation);
    gql_buf_puts(out, "\n    accounts: ");
    print_str(out, c->kafka.topic_accounts);
    gql_buf_printf(out, "\n  enabled: %s\n  topology: ", c->kafka.enabled ? "true" : "false");
    print_str(out, c->kafka.topology);
    gql_buf_printf(out,
                   "\n  fetch_wait_ms: %d\n  linger_ms: %d\n  max_in_flight: %d\n  command_timeout_ms: %llu\n"
                   "  max_pending: %zu",
                   c->kafka.fetch_wait_ms, c->kafka.linger_ms, c->kafka.max_in_flight,
                   (unsigned long long)c->kafka.command_timeout_ms, c->kafka.max_pending);
    gql_buf_puts(out, "\n  checkpoint_dir: ");
    print_str(out, c->kafka.checkpoint_dir);
    gql_buf_printf(out, "\n  checkpoint_interval_ms: %llu\n  checkpoint_timeout_ms: %llu",
                   (unsigned long long)c->kafka.checkpoint_interval_ms,
                   (unsigned long long)c->kafka.checkpoint_timeout_ms);
    gql_buf_printf(out, "\n  heartbeat_timeout_ms: %llu\n  require_heartbeat: %s",
                   (unsigned long long)c->kafka.heartbeat_timeout_ms, c->kafka.require_heartbeat ? "true" : "false");
    gql_buf_puts(out, "\n  properties:");
    if (c->kafka.nproperties == 0)
        gql_buf_puts(out, " {}");
    for (size_t i = 0; i < c->kafka.nproperties; i++) {
        gql_buf_puts(out, "\n    ");
        print_str(out, c->kafka.properties[i].key);
        gql_buf_puts(out, ": ");
        print_str(out, secret_name(c->kafka.properties[i].key) ? "********" : c->kafka.properties[i].value);
    }
    gql_buf_printf(out,
                   "\naccounts:\n  pwhash:\n    memlimit_kib: %llu\n    opslimit: %llu\n    threads: %d\n"
                   "    max_wait_ms: %llu\n    allow_weak: %s\n",
                   (unsigned long long)c->accounts.pwhash.memlimit_kib, (unsigned long long)c->accounts.pwhash.opslimit,
                   c->accounts.pwhash.threads, (unsigned long long)c->accounts.pwhash.max_wait_ms,
                   c->accounts.pwhash.allow_weak ? "true" : "false");
    /* the file's values; OTEL_* environment variables override them at start (docs/configuration.md) */
    gql_buf_puts(out, "\ntracing:\n  otlp_endpoint: ");
    print_str(out, c->tracing.otlp_endpoint);
    gql_buf_puts(out, "\n  service_name: ");
    print_str(out, c->tracing.service_name);
    gql_buf_printf(out, "\n  sample_ratio: %g\n", c->tracing.sample_ratio);
}
