/*
 * events.h — the event backbone's public API: the bank's Avro records as plain C
 * structs, their Confluent wire format (codec), the topic layout (topology) and
 * thin librdkafka wrappers (a producer that reports every delivery through a
 * callback, a consumer that replays whole topics without joining a group).
 *
 * Conventions: functions return 0 or a negative GW_EV_E* code; where an `err`
 * buffer is taken, a failure also writes a one-line reason into it (always
 * NUL-terminated when errlen > 0). Nothing here blocks unless its comment says
 * so. Objects are not thread-safe: use each from one thread at a time. There is
 * no global mutable state; several codecs, producers and consumers may coexist.
 *
 * This header includes neither rdkafka nor avro, so the GraphQL side and the
 * resolvers can use it freely.
 */
#ifndef GW_EVENTS_H
#define GW_EVENTS_H

#include <stddef.h>
#include <stdint.h>

/* Return codes. */
enum {
    GW_EV_OK = 0,
    GW_EV_EINVAL = -1,     /* bad argument or configuration */
    GW_EV_ENOMEM = -2,     /* allocation failed */
    GW_EV_EMAGIC = -3,     /* message does not start with the magic byte 0 */
    GW_EV_EUNKNOWN = -4,   /* unknown schema id (or an id whose schema we cannot read) */
    GW_EV_EMALFORMED = -5, /* bytes do not decode with the writer's schema */
    GW_EV_ETOOBIG = -6,    /* message larger than the codec's cap */
    GW_EV_ESCHEMA = -7,    /* schema text invalid or incompatible with our reader schema */
    GW_EV_EKAFKA = -8,     /* librdkafka reported an error */
    GW_EV_EIO = -9,        /* file I/O failed */
    GW_EV_ERANGE = -10,    /* requested offsets are not in the log (data lost or retention) */
};

/* A static English name for a GW_EV_E* code. */
const char *gw_ev_strerror(int code);

/* ---------------------------------------------------------------- records */

/* The record types of namespace nl.openweb.data, in schema/avro/<Name>.avsc. */
typedef enum gw_rec_type {
    GW_REC_HEARTBEAT,
    GW_REC_CONFIRM_ACCOUNT_CREATION,
    GW_REC_ACCOUNT_CREATION_CONFIRMED,
    GW_REC_ACCOUNT_CREATION_FAILED,
    GW_REC_CONFIRM_MONEY_TRANSFER,
    GW_REC_MONEY_TRANSFER_CONFIRMED,
    GW_REC_MONEY_TRANSFER_FAILED,
    GW_REC_BALANCE_CHANGED,
    GW_REC__COUNT
} gw_rec_type_t;

/* The record's short name ("BalanceChanged"), or NULL for an invalid type. */
const char *gw_rec_name(gw_rec_type_t type);
/* The type named `name`, short or full ("nl.openweb.data.BalanceChanged"); -1 if none. */
int gw_rec_by_name(const char *name);

/* Avro `Uuid`: fixed(16), the UUID's bytes in big-endian (RFC 4122) order. */
typedef struct gw_uuid {
    uint8_t b[16];
} gw_uuid_t;

#define GW_UUID_STRLEN 36
/* Writes the canonical lower-case form (36 chars + NUL) into out. */
void gw_uuid_format(const gw_uuid_t *u, char out[GW_UUID_STRLEN + 1]);
/* Parses the canonical 8-4-4-4-12 hex form (either case); 0 or GW_EV_EINVAL. */
int gw_uuid_parse(const char *s, gw_uuid_t *u);

/* Avro `Atype`: enum {AUTO, MANUAL}. */
typedef enum gw_atype { GW_ATYPE_AUTO = 0, GW_ATYPE_MANUAL = 1 } gw_atype_t;

/*
 * One record. `type` selects the union member named after the record. String
 * fields are NUL-terminated UTF-8 and never NULL in a decoded event.
 *
 * Ownership: an event filled by gw_codec_decode owns its strings (in `_mem`)
 * until gw_event_clear. An event built by hand for gw_codec_encode borrows its
 * strings from the caller and has `_mem` NULL; clearing it frees nothing.
 */
typedef struct gw_event {
    gw_rec_type_t type;
    union {
        struct {
            int64_t beat;
        } heartbeat;
        struct {
            gw_uuid_t id;
            gw_atype_t a_type;
        } confirm_account_creation;
        struct {
            gw_uuid_t id;
            const char *iban;
            const char *token;
            gw_atype_t a_type;
        } account_creation_confirmed;
        struct {
            gw_uuid_t id;
            const char *reason;
        } account_creation_failed;
        struct {
            gw_uuid_t id;
            const char *token;
            int64_t amount; /* cents */
            const char *from;
            const char *to;
            const char *description;
        } confirm_money_transfer;
        struct {
            gw_uuid_t id;
        } money_transfer_confirmed;
        struct {
            gw_uuid_t id;
            const char *reason;
        } money_transfer_failed;
        struct {
            const char *iban;
            int64_t new_balance; /* cents */
            int64_t changed_by;  /* cents, negative when money left the account */
            const char *from_to; /* the counterparty's IBAN, or "cash" */
            const char *description;
        } balance_changed;
    } u;
    char *_mem; /* owned string storage of a decoded event, or NULL */
} gw_event_t;

/* Frees what a decoded event owns and zeroes it. Safe on a zeroed event. */
void gw_event_clear(gw_event_t *ev);

/* The command/feedback id of the event, or NULL for Heartbeat and BalanceChanged. */
const gw_uuid_t *gw_event_id(const gw_event_t *ev);

/* ------------------------------------------------------------------ codec */

/*
 * The Confluent wire format: byte 0 = 0 (magic), bytes 1..4 = the schema id
 * (big-endian), then the record in Avro binary encoding.
 *
 * A codec holds our reader schemas (schema/avro/NAME.avsc, compiled in) and a table
 * of writer schemas by id. Decoding resolves the writer's schema against ours:
 * fields matched by name, int promoted to long, bytes read as string, enum
 * symbols matched by name, writer-only fields skipped, reader-only fields filled
 * from the reader schema's default (an error if it has none — checked once, when
 * the writer schema is registered). Every length in a message is checked against
 * the bytes present before anything is allocated, so hostile input costs at most
 * the message size.
 */
typedef struct gw_codec gw_codec_t;

typedef struct gw_codec_stats {
    uint64_t encoded, decoded;
    uint64_t err_magic, err_unknown, err_malformed, err_too_big; /* rejected messages by cause */
} gw_codec_stats_t;

/* A new codec refusing messages above max_bytes (0 = 1 MiB). NULL on failure (err says why). */
gw_codec_t *gw_codec_new(size_t max_bytes, char *err, size_t errlen);
void gw_codec_free(gw_codec_t *c);

/*
 * Registers `schema_json` as the writer schema of `id`. It must be a record whose
 * name is one of ours and which resolves to our reader schema. Re-registering an
 * id replaces it. Returns 0, GW_EV_ESCHEMA (err says why) or GW_EV_ENOMEM.
 */
int gw_codec_register(gw_codec_t *c, int32_t id, const char *schema_json, size_t len, char *err, size_t errlen);

/*
 * Makes `id` the schema id that encoding `type` stamps, and registers our own
 * reader schema under it. The topology's schema_ids (or a Schema Registry) give it.
 */
int gw_codec_use_id(gw_codec_t *c, gw_rec_type_t type, int32_t id, char *err, size_t errlen);

/* Our reader schema's original text for `type` (defaults intact: register this one). */
const char *gw_codec_schema_text(gw_rec_type_t type);

/*
 * Encodes ev into a new malloc'd buffer *out of *len bytes (the caller frees it,
 * or hands it to gw_producer_send). Needs gw_codec_use_id for ev->type first.
 * Returns 0, GW_EV_EINVAL (no id; NULL string; bad enum) or GW_EV_ENOMEM.
 */
int gw_codec_encode(gw_codec_t *c, const gw_event_t *ev, void **out, size_t *len);

/*
 * Decodes one message into *ev (which must be zeroed or cleared; on success the
 * caller owns it until gw_event_clear). On failure *ev stays zeroed, the cause
 * is counted in the stats and err says why. Returns 0, GW_EV_EMAGIC,
 * GW_EV_EUNKNOWN, GW_EV_ETOOBIG, GW_EV_EMALFORMED or GW_EV_ENOMEM.
 */
int gw_codec_decode(gw_codec_t *c, const void *buf, size_t len, gw_event_t *ev, char *err, size_t errlen);

/* Reads the schema id of a message without decoding it; 0 or GW_EV_EMAGIC. */
int gw_wire_schema_id(const void *buf, size_t len, int32_t *id);

const gw_codec_stats_t *gw_codec_stats(const gw_codec_t *c);

/* --------------------------------------------------------------- topology */

/* What a topic's Kafka message key is (see schema/topology.yaml). */
typedef enum gw_key_kind {
    GW_KEY_NONE,
    GW_KEY_ID,       /* the record's id as a UUID string */
    GW_KEY_IBAN,     /* the record's iban */
    GW_KEY_USERNAME, /* set by whoever sends the command; copied onto its outcomes */
} gw_key_kind_t;

typedef enum gw_subject_strategy {
    GW_SUBJECT_TOPIC_NAME,  /* "<topic>-value" */
    GW_SUBJECT_RECORD_NAME, /* "nl.openweb.data.<Record>" */
} gw_subject_strategy_t;

typedef struct gw_topic {
    const char *name;
    int32_t partitions;
    int32_t replication;
    gw_key_kind_t key;
    unsigned records; /* bit (1u << gw_rec_type_t) for each record type carried */
} gw_topic_t;

/* A loaded topology. Owns everything it points to; free with gw_topology_free. */
typedef struct gw_topology {
    gw_topic_t *topics;
    size_t ntopics;
    int32_t schema_ids[GW_REC__COUNT]; /* pinned ids; 0 = not given */
    gw_subject_strategy_t subject_strategy;
    char *_strings; /* storage of the names */
} gw_topology_t;

/*
 * Parses a topology YAML document (see schema/topology.yaml). Every record type
 * may be carried by at most one topic. Returns 0 and *out, or GW_EV_EINVAL /
 * GW_EV_EIO / GW_EV_ENOMEM with err naming the problem (and its line).
 */
int gw_topology_parse(const char *text, size_t len, gw_topology_t **out, char *err, size_t errlen);
int gw_topology_load(const char *path, gw_topology_t **out, char *err, size_t errlen);
void gw_topology_free(gw_topology_t *t);

/* The topic carrying record type `type`, or NULL. */
const gw_topic_t *gw_topology_topic_of(const gw_topology_t *t, gw_rec_type_t type);
/* The topic named `name`, or NULL. */
const gw_topic_t *gw_topology_find(const gw_topology_t *t, const char *name);

/*
 * The Kafka key for `ev` on `topic` written into out (cap bytes, NUL-terminated);
 * `origin` is the key of the command that caused ev (for GW_KEY_USERNAME; may be
 * NULL). Returns the key length, 0 for no key, or GW_EV_EINVAL (the record has no
 * such field, or out is too small).
 */
int gw_topology_key(const gw_topic_t *topic, const gw_event_t *ev, const char *origin, size_t origin_len, char *out,
                    size_t cap);

/* Schema Registry subject of `type` on `topic` under the topology's strategy. */
int gw_topology_subject(const gw_topology_t *t, const gw_topic_t *topic, gw_rec_type_t type, char *out, size_t cap);

/* --------------------------------------------------------- schema registry */

/*
 * A Confluent Schema Registry client (http:// only). Every call BLOCKS on the
 * network for at most timeout_ms per request: use it at start-up or from a
 * thread that may wait, never from an event loop.
 */
typedef struct gw_registry gw_registry_t;

/* A client of the registry at url ("http://host[:port][/path]"), timeout_ms <= 0 = 5 s. NULL with err. */
gw_registry_t *gw_registry_new(const char *url, int timeout_ms, char *err, size_t errlen);
void gw_registry_free(gw_registry_t *r);

/* Registers schema (Avro JSON text) under subject; *id gets its id. 0, GW_EV_ESCHEMA (refused), GW_EV_EIO... */
int gw_registry_register(gw_registry_t *r, const char *subject, const char *schema, int32_t *id, char *err,
                         size_t errlen);
/* Fetches the schema text of id into *schema (malloc'd). 0, GW_EV_EUNKNOWN (no such id), GW_EV_EIO... */
int gw_registry_schema(gw_registry_t *r, int32_t id, char **schema, char *err, size_t errlen);

/*
 * Registers our schema of every record type the topology carries under its
 * subject (topology's subject_strategy) and makes the codec stamp the ids the
 * registry gives. Replaces the topology's pinned ids.
 */
int gw_registry_setup_codec(gw_registry_t *r, const gw_topology_t *t, gw_codec_t *c, char *err, size_t errlen);

/* Fetches the writer schema of id and registers it in the codec (after GW_EV_EUNKNOWN from a decode). */
int gw_registry_learn(gw_registry_t *r, gw_codec_t *c, int32_t id, char *err, size_t errlen);

/*
 * Decodes buf with c as gw_codec_decode does; when its writer schema id is
 * unknown and r is not NULL, learns that schema (gw_registry_learn: BLOCKS)
 * and decodes again. An id the registry cannot give is remembered in r and
 * not asked again; the time it fails, why gets "schema id N: reason" for the
 * caller to log (why[0] is '\0' otherwise; why may be NULL). r == NULL (ids
 * pinned by the topology) is plain gw_codec_decode. One thread at a time per
 * r. Returns gw_codec_decode's result.
 */
int gw_registry_decode(gw_registry_t *r, gw_codec_t *c, const void *buf, size_t len, gw_event_t *ev, char *err,
                       size_t errlen, char *why, size_t whylen);

/* ------------------------------------------------------------------ kafka */

/* Connection settings shared by producers and consumers. Strings are borrowed for the call. */
typedef struct gw_kafka_conf {
    const char *brokers;   /* bootstrap.servers (required) */
    const char *client_id; /* NULL = "openbank-gateway" */
    int linger_ms;         /* producer batching delay; < 0 = 1 ms */
    /* Produce requests in flight per broker connection, 1..5; <= 0 = 1. Above 1 an idempotent producer
     * acknowledges a batch that failed (timeout, not leader, ...) once a later batch succeeds, trusting
     * the broker to have refused that later one out of sequence; librdkafka 2.0.2's
     * mock checks sequences only for transactional producers, so there such batches are acknowledged and
     * never written (build/bin/idem-probe). */
    int max_in_flight;
    int fetch_wait_ms; /* consumer fetch.wait.max.ms; < 0 = 10 ms (see tools/embedded-kafka) */
    const char *debug; /* librdkafka `debug` contexts, or NULL */
    /* More librdkafka properties (security.protocol, ...): "key", "value", ..., NULL; or NULL.
     * Applied last, so they override the settings above except the consumer's and
     * producer's own rules (idempotence, acks, group.id, auto.offset.reset). */
    const char *const *props;
} gw_kafka_conf_t;

/* The outcome of one produced message, as reported by the broker. */
typedef struct gw_delivery {
    void *opaque;      /* what was given to gw_producer_send */
    int err;           /* 0, or GW_EV_EKAFKA: the message was NOT written */
    const char *error; /* librdkafka's reason when err != 0 */
    const char *topic;
    int32_t partition;
    int64_t offset; /* the message's offset when err == 0 */
} gw_delivery_t;

typedef void (*gw_delivery_cb)(void *ctx, const gw_delivery_t *d);

typedef struct gw_producer gw_producer_t;

/* A Kafka message header; name and value are borrowed for the call. */
typedef struct gw_header {
    const char *name;
    const void *value;
    size_t len;
} gw_header_t;

/*
 * An idempotent producer (enable.idempotence, acks=all, murmur2 partitioning as
 * Java clients do). Every message's outcome arrives exactly once through `cb`,
 * called from gw_producer_poll/flush. Returns NULL on bad configuration.
 */
gw_producer_t *gw_producer_new(const gw_kafka_conf_t *conf, gw_delivery_cb cb, void *ctx, char *err, size_t errlen);

/*
 * Queues value (vlen bytes, malloc'd; ownership passes to the producer in every
 * case) for topic, keyed by key (klen bytes, copied; may be NULL), with nheaders
 * headers (copied), partition -1 = chosen from the key. Never blocks: a full
 * queue returns GW_EV_EKAFKA at once.
 */
int gw_producer_send(gw_producer_t *p, const char *topic, int32_t partition, const void *key, size_t klen, void *value,
                     size_t vlen, const gw_header_t *headers, size_t nheaders, void *opaque, char *err, size_t errlen);

/*
 * BLOCKS (start-up only) while it fetches the metadata (partitions, leaders) of
 * each topic, up to timeout_ms per topic, and keeps the topics known to the
 * producer: librdkafka otherwise learns a topic at its first message, which on
 * the mock broker holds that message (and all behind it) for about a second.
 * 0, or GW_EV_EKAFKA when some topic's metadata did not come (harmless: it is
 * then learnt at the first message).
 */
int gw_producer_warm(gw_producer_t *p, const char *const *topics, size_t n, int timeout_ms);

/* Serves delivery reports; waits at most timeout_ms (0 in an event loop). Returns the count served. */
int gw_producer_poll(gw_producer_t *p, int timeout_ms);
/* Messages queued or in flight (not yet reported). */
size_t gw_producer_inflight(gw_producer_t *p);
/* BLOCKS until every message is reported or timeout_ms passes (shutdown only). 0 or GW_EV_EKAFKA. */
int gw_producer_flush(gw_producer_t *p, int timeout_ms);
/* A file descriptor that becomes readable when delivery reports wait (for an event loop). */
int gw_producer_fd(gw_producer_t *p);
/* Frees the producer; messages not yet delivered are reported failed (purged). */
void gw_producer_free(gw_producer_t *p);

/* One consumed message; valid only during the callback. */
typedef struct gw_kmsg {
    const char *topic;
    int32_t partition;
    int64_t offset;
    const void *key; /* NULL when there is none */
    size_t klen;
    const void *value; /* NULL for a tombstone */
    size_t vlen;
    int64_t timestamp_ms; /* -1 when unknown */
    const void *_msg;     /* the librdkafka message, for gw_kmsg_header */
} gw_kmsg_t;

/* The last header named `name` of m: 0 with *value and *len (valid during the callback), or -1. */
int gw_kmsg_header(const gw_kmsg_t *m, const char *name, const void **value, size_t *len);

typedef struct gw_consumer_cbs {
    void (*message)(void *ctx, const gw_kmsg_t *m);
    /* Every partition reached the end offset it had when the consumer started. Called once. */
    void (*replay_done)(void *ctx);
    /* The position of topic/partition was lost (e.g. "Offset out of range": the broker
     * dropped data) and reading restarts at the log's beginning: data was missed. */
    void (*offset_reset)(void *ctx, const char *topic, int32_t partition, int64_t offset, const char *reason);
    /* Anything else worth logging (broker down, ...). May be NULL. */
    void (*error)(void *ctx, const char *message);
} gw_consumer_cbs_t;

/* Where to start one partition. */
typedef struct gw_start_offset {
    const char *topic;
    int32_t partition;
    int64_t offset; /* GW_START_AT_END: the high watermark seen at start (nothing old is read) */
} gw_start_offset_t;

/* A start offset meaning "the end of the partition when the consumer starts":
 * such a partition is never replayed (the heartbeat topic: only new beats matter). */
#define GW_START_AT_END (-1)

typedef struct gw_consumer_opts {
    const gw_start_offset_t *starts; /* overrides; other partitions start at the log's beginning */
    size_t nstarts;
    /* Strict: partitions without an override must start at offset 0 and overrides must
     * lie within [low, high] watermarks, else gw_consumer_new fails with GW_EV_ERANGE.
     * Lenient: such a partition is reported through offset_reset and read from its beginning. */
    int strict;
} gw_consumer_opts_t;

typedef struct gw_consumer gw_consumer_t;

/* What a consumer knows of one of its partitions. */
typedef struct gw_partition_info {
    const char *topic;
    int32_t partition;
    int64_t low, high; /* watermarks when the consumer started */
    int64_t position;  /* next offset to be delivered */
} gw_partition_info_t;

/*
 * A consumer of every partition of `topics` (assign, never subscribe: no group
 * join, no rebalances; a unique group.id is set only because librdkafka needs one
 * for assign). BLOCKS while it reads the topics' metadata and watermarks (three
 * round trips per broker; at most ~10 s each), so create consumers at start-up.
 * Topics must exist. Returns NULL and *rc (GW_EV_EKAFKA, GW_EV_ERANGE,
 * GW_EV_EINVAL) with err on failure.
 */
gw_consumer_t *gw_consumer_new(const gw_kafka_conf_t *conf, const char *const *topics, size_t ntopics,
                               const gw_consumer_opts_t *opts, const gw_consumer_cbs_t *cbs, void *ctx, int *rc,
                               char *err, size_t errlen);

/*
 * Delivers up to max messages through the callbacks, waiting at most timeout_ms
 * for the first (0 in an event loop). Returns the count. Driven by
 * gw_consumer_fd, poll again while it returns max: the fd is only written when
 * the queue goes from empty to not empty.
 */
int gw_consumer_poll(gw_consumer_t *c, int timeout_ms, int max);
/* 1 once replay_done has been reported. */
int gw_consumer_replayed(const gw_consumer_t *c);
/* The consumer's partitions (valid until gw_consumer_free); *n gets their count. */
const gw_partition_info_t *gw_consumer_partitions(const gw_consumer_t *c, size_t *n);
/* A file descriptor that becomes readable when messages wait (for an event loop). */
int gw_consumer_fd(gw_consumer_t *c);
void gw_consumer_free(gw_consumer_t *c);

#endif
