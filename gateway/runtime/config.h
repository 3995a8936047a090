/*
 * config.h — the gateway's configuration: defaults, config/gateway.yaml,
 * then environment variables, in that order of precedence (lowest first).
 *
 * Every key the file may hold is listed once in config.c's key table, with
 * its type and bounds; an unknown key or a bad value stops the start with a
 * message naming the key and the file line. docs/configuration.md lists the
 * same keys for people.
 *
 * Ownership: a gw_config_t owns every string it points to (they live in its
 * arena); gw_config_free releases them. After startup it is read-only and
 * shared by all threads.
 */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gql.h"
#include "log.h"

/* A string-to-string pair (kafka.properties). */
typedef struct gw_kv {
    const char *key;
    const char *value;
} gw_kv_t;

/* graphql.cost: the static estimate of an operation made before it runs
 * (gql_operation_cost, exec.c). */
typedef struct gw_cost_limits {
    uint64_t max;               /* an operation estimated above this is refused; 0: no estimate */
    uint64_t default_list_size; /* items of a list field without max_items */
} gw_cost_limits_t;

/* Subscriptions (subs.h): limits and timers of WebSocket and SSE. */
typedef struct gw_subs_limits {
    size_t max_connections;      /* WebSocket + SSE connections, whole process */
    size_t max_per_connection;   /* operations at once on one WebSocket */
    size_t max_connection_bytes; /* bytes the operations of one WebSocket hold (arenas, documents); 0: no bound */
    size_t max_message_bytes;    /* one incoming WebSocket message (close 1009 beyond) */
    size_t receive_buffer_bytes; /* a WebSocket's SO_RCVBUF: what one read can bring (0: the kernel's autotuning) */
    uint64_t init_timeout_ms;    /* connection_init must arrive within this (close 4408) */
    uint64_t keepalive_ms;       /* WebSocket ping, graphql-ws "ka", SSE comment period (0: none) */
    uint64_t idle_timeout_ms;    /* close a socket silent for this long (0: never) */
    size_t max_unsent_bytes;     /* a connection's queue bound */
    uint64_t slow_grace_ms;      /* over the bound this long: closed as a slow consumer */
} gw_subs_limits_t;

typedef struct gw_config {
    gql_arena_t *arena;   /* owns all strings below */
    const char *file;     /* the file loaded, or NULL (built-in defaults) */
    const char *base_dir; /* relative paths are resolved against this */

    struct {
        const char *bind;
        int port;                    /* 0: any free port (logged at start) */
        int threads;                 /* 0: one per core */
        const char *tls_certificate; /* NULL: plain HTTP only */
        const char *tls_key;
        size_t max_connections_per_thread;
        size_t max_body_bytes;
        size_t max_header_bytes;
        uint64_t request_timeout_ms;
        uint64_t idle_timeout_ms;
        uint64_t shutdown_timeout_ms;
        const char **cors_origins;
        size_t ncors_origins;
        struct {
            bool enabled;       /* gzip (and brotli when h2o has it) when the client accepts it */
            size_t min_bytes;   /* smaller responses go as they are */
            int gzip_level;     /* 1..9 */
            int brotli_quality; /* 0..11 (ignored when h2o is built without brotli) */
        } compress;
    } server;

    struct {
        const char *schema; /* absolute path after loading */
        size_t doc_cache_entries;
        size_t doc_cache_bytes; /* per loop; 0: bounded by entries only */
        gql_limits_t limits;
        gw_cost_limits_t cost;
        struct {
            bool enabled;       /* automatic persisted queries: clients may register documents */
            size_t max_bytes;   /* the store's bound in bytes (texts + overhead), all loops */
            size_t max_entries; /* and in documents */
        } apq;
        const char *trusted_documents; /* manifest file (absolute), or NULL: any document runs */
    } graphql;

    struct {
        bool graphiql;
        const char *root;   /* static/: index.html, graphiql.html */
        const char *assets; /* node_modules/ with graphiql, react, graphql-ws */
    } web;

    gw_subs_limits_t subscriptions;

    /* Fair shares per client (runtime/fair.h); 0 turns a limit off. */
    struct {
        size_t max_connections;
        size_t max_subscriptions;
        uint64_t logins_per_minute;
        uint64_t mutations_per_second;
        uint64_t mutations_burst;
        size_t max_clients;
        const char *client_header; /* NULL: none */
        const char **trusted_proxies;
        size_t ntrusted_proxies;
        const char **exempt;
        size_t nexempt;
    } fairness;
    /* Authorization (exec/auth.h, docs/security.md "Authorization"). */
    struct {
        const char *mode;               /* "open" (the original bank's rules) or "session" */
        const char *session_secret_env; /* names the environment variable holding the credential key */
        uint64_t session_ttl_s;         /* a session credential's lifetime */
        const char **employees;         /* usernames with the employee role (session mode) */
        size_t nemployees;
    } auth;

    struct {
        gw_log_level_t level;
    } log;

    struct {
        const char *brokers;
        const char *schema_registry_url;
        const char *client_id;
        /* Topic names overriding the topology's (the original endpoint's
         * KAFKA_*_TOPIC settings); "" keeps the topology's name. */
        const char *topic_balance_changed;
        const char *topic_confirm_money_transfer;
        const char *topic_confirm_account_creation;
        gw_kv_t *properties; /* librdkafka properties, passed through as-is */
        size_t nproperties;
        bool enabled;                    /* connect to Kafka (also true when KAFKA_BROKERS is set) */
        const char *topology;            /* schema/topology*.yaml: topics, keys, schema ids */
        const char *topic_accounts;      /* the credentials topic */
        int fetch_wait_ms;               /* consumer fetch.wait.max.ms */
        int linger_ms;                   /* producer linger.ms */
        int max_in_flight;               /* producer max.in.flight.requests.per.connection (1..5) */
        uint64_t command_timeout_ms;     /* a mutation waits this long for its feedback */
        size_t max_pending;              /* commands in flight at once, per kind */
        const char *checkpoint_dir;      /* projection checkpoints (NULL: none) */
        uint64_t checkpoint_interval_ms; /* at most one checkpoint per interval */
        uint64_t checkpoint_timeout_ms;  /* a checkpoint taking longer is abandoned */
        uint64_t heartbeat_timeout_ms;   /* the handler silent this long: new commands refused (0: never) */
        bool require_heartbeat;          /* refuse before the first heartbeat too */
    } kafka;

    struct {
        struct {
            uint64_t memlimit_kib; /* argon2id memory for new hashes, KiB */
            uint64_t opslimit;     /* argon2id iterations for new hashes */
            int threads;           /* hashing workers; 0: one per core */
            uint64_t max_wait_ms;  /* refuse a login expected to wait longer (0: no bound) */
            bool allow_weak;       /* accept settings below OWASP's minimum (load tests only) */
        } pwhash;
    } accounts;
    /* OpenTelemetry tracing (events/trace.h); the standard OTEL_* variables win. */
    struct {
        const char *otlp_endpoint; /* base URL (spans go to <base>/v1/traces); NULL: off */
        const char *service_name;  /* resource attribute service.name */
        double sample_ratio;       /* parentbased_traceidratio's ratio for new traces */
    } tracing;
} gw_config_t;

/* Fills `c` with the built-in defaults; relative paths resolve against
 * `base_dir` (copied). Returns 0 or GW_ENOMEM (error.h). */
int gw_config_defaults(gw_config_t *c, const char *base_dir);

/* Loads `path` over the current values (relative paths in the file resolve
 * against the file's directory). Returns 0, or GW_EINVAL with a message such as
 * "config/gateway.yaml:7: server.port: expected an integer from 0 to 65535"
 * in err. */
int gw_config_load_file(gw_config_t *c, const char *path, char *err, size_t errlen);

/* Applies the environment overrides (GATEWAY_PORT, GATEWAY_THREADS,
 * GATEWAY_LOG_LEVEL, GATEWAY_AUTH_MODE, KAFKA_BROKERS, SCHEMA_REGISTRY_URL, KAFKA_CLIENT_ID,
 * KAFKA_BC_TOPIC, KAFKA_CMT_TOPIC, KAFKA_CAC_TOPIC, GW_TOPOLOGY, KAFKA_ENABLED,
 * KAFKA_FETCH_WAIT_MS, KAFKA_COMMAND_TIMEOUT_MS, KAFKA_HEARTBEAT_TIMEOUT_MS, KAFKA_CHECKPOINT_DIR,
 * GATEWAY_PWHASH_MEMLIMIT_KIB, GATEWAY_PWHASH_OPSLIMIT, GATEWAY_PWHASH_THREADS, GATEWAY_PWHASH_MAX_WAIT_MS,
 * GATEWAY_PWHASH_ALLOW_WEAK; a non-empty KAFKA_BROKERS also sets kafka.enabled). Returns 0, or GW_EINVAL with a
 * message naming the variable. */
int gw_config_apply_env(gw_config_t *c, char *err, size_t errlen);

/* Cross-key checks (TLS needs both files, password hashing no weaker than
 * OWASP's argon2id minimum unless accounts.pwhash.allow_weak, ...). Returns 0 or GW_EINVAL with err. */
int gw_config_check(const gw_config_t *c, char *err, size_t errlen);

/* Prints the effective configuration as YAML (for --check-config). Never
 * prints secrets: kafka.properties values whose key mentions "password",
 * "secret" or "key" are masked. */
void gw_config_print(const gw_config_t *c, gql_buf_t *out);

void gw_config_free(gw_config_t *c);

#endif
