/*
 * gql.h — the public interface of the GraphQL engine.
 *
 * The engine turns GraphQL text into responses: lexer -> parser -> validate ->
 * execute, plus schema building from SDL and introspection. It depends only on
 * libc: no h2o, Kafka, Avro or jansson here, so it can be tested, fuzzed and
 * benchmarked alone and embedded by any transport.
 *
 * Ownership, written down once:
 *  - Every object made while serving one request (tokens, AST, errors, coerced
 *    values, resolver results) lives in a gql_arena_t that the caller owns and
 *    frees in one call. Nothing here frees arena memory individually.
 *  - A gql_schema_t owns its own arena; it is immutable after gql_schema_build
 *    and gql_schema_bind*, so many threads may read it at once.
 *  - Strings passed in are borrowed for the duration of the call unless a
 *    comment says otherwise; strings handed out point into an arena.
 *  - Functions return 0 (or a count/pointer) on success and a negative GQL_E*
 *    on internal failure. GraphQL errors (syntax, validation, execution) are
 *    data collected in a gql_errors_t, never return codes.
 */
#ifndef GQL_H
#define GQL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GQL_OK 0
#define GQL_ENOMEM (-1) /* allocation failed */
#define GQL_EINVAL (-2) /* a caller broke a contract (bad argument) */
#define GQL_EFAIL (-3)  /* GraphQL errors were collected; see the gql_errors_t */
#define GQL_PENDING 1   /* gql_execute: a top-level resolver answered later */

#if defined(__GNUC__)
#define GQL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define GQL_PRINTF(f, a)
#endif

/* ------------------------------------------------------------------------ */
/* Memory: arenas and growable buffers                                       */
/* ------------------------------------------------------------------------ */

typedef struct gql_arena gql_arena_t;

/* A new arena whose first block holds `first_block` bytes (0: a default).
 * `bytes_in_use`, when not NULL, is a counter the arena adds its malloc'd
 * bytes to and subtracts them from when freed (for /metrics); it must outlive
 * the arena. Returns NULL when out of memory. */
gql_arena_t *gql_arena_new(size_t first_block, size_t *bytes_in_use);
/* Frees every block. NULL is allowed. */
void gql_arena_free(gql_arena_t *a);
/* Drops all allocations but keeps the first block for reuse. */
void gql_arena_reset(gql_arena_t *a);
/* n zeroed bytes aligned to 16; NULL when out of memory. */
void *gql_arena_alloc(gql_arena_t *a, size_t n);
/* n bytes aligned to 16, not zeroed. */
void *gql_arena_alloc_raw(gql_arena_t *a, size_t n);
/* A NUL-terminated copy of s[0..n). */
char *gql_arena_strndup(gql_arena_t *a, const char *s, size_t n);
char *gql_arena_strdup(gql_arena_t *a, const char *s);
char *gql_arena_printf(gql_arena_t *a, const char *fmt, ...) GQL_PRINTF(2, 3);
char *gql_arena_vprintf(gql_arena_t *a, const char *fmt, va_list ap);
/* Bytes this arena holds from malloc. */
size_t gql_arena_bytes(const gql_arena_t *a);

/* A growable byte buffer. Owned by whoever declared it; gql_buf_free releases
 * the bytes. On allocation failure `oom` is set and further appends are
 * ignored, so writers need not check every call: check `oom` at the end. */
typedef struct gql_buf {
    char *data;
    size_t len;
    size_t cap;
    bool oom;
} gql_buf_t;

#define GQL_BUF_INIT                                                                                                   \
    {                                                                                                                  \
        NULL, 0, 0, false                                                                                              \
    }

void gql_buf_free(gql_buf_t *b);
/* Makes room for `extra` more bytes; false (and oom) on failure. */
bool gql_buf_reserve(gql_buf_t *b, size_t extra);
void gql_buf_append(gql_buf_t *b, const void *p, size_t n);
void gql_buf_puts(gql_buf_t *b, const char *s);
void gql_buf_printf(gql_buf_t *b, const char *fmt, ...) GQL_PRINTF(2, 3);
static inline void gql_buf_putc(gql_buf_t *b, char c)
{
    if (b->len + 1 <= b->cap || gql_buf_reserve(b, 1))
        b->data[b->len++] = c;
}
/* Writes s[0..n) as a JSON string literal with quotes, escaping as RFC 8259
 * requires (control characters as \uXXXX, `"` and `\`). Invalid UTF-8 bytes
 * become U+FFFD. */
void gql_buf_json_string(gql_buf_t *b, const char *s, size_t n);
void gql_buf_int(gql_buf_t *b, int64_t v);
/* The shortest decimal that reads back as the same double, as JavaScript
 * prints it (1, 1.5, 1e+21). Non-finite values are written as null. */
void gql_buf_double(gql_buf_t *b, double v);
/* Ensures data is NUL-terminated (not counted in len). */
const char *gql_buf_cstr(gql_buf_t *b);

/* ------------------------------------------------------------------------ */
/* Locations, paths and errors                                              */
/* ------------------------------------------------------------------------ */

/* A position in a source text: 1-based line and column (columns count
 * UTF-16 code units, as graphql-js does: one per code point below U+10000,
 * two above), and the 0-based byte offset. */
typedef struct gql_loc {
    uint32_t line;
    uint32_t column;
    uint32_t offset;
} gql_loc_t;

/* A response path as a linked list built on the stack: each level points to
 * its parent. `key` is a response key, or NULL when `index` is a list index. */
typedef struct gql_path {
    const struct gql_path *prev;
    const char *key;
    size_t index;
} gql_path_t;

/* One GraphQL error, as the response shows it. All pointers into the arena
 * of the gql_errors_t that holds it. */
typedef struct gql_error {
    const char *message;
    const gql_loc_t *locations;
    size_t nlocations;
    const char *path_json; /* e.g. ["a",0,"b"], or NULL */
    const char *code;      /* extensions.code, or NULL */
} gql_error_t;

/* Errors collected while handling one request, up to `max` (more are counted
 * in `dropped` and reported as one final error). */
typedef struct gql_errors {
    gql_arena_t *arena; /* borrowed: where messages are allocated */
    gql_error_t *items;
    size_t count;
    size_t cap;
    size_t max;
    size_t dropped;
} gql_errors_t;

/* Error codes used in extensions.code. */
#define GQL_CODE_SYNTAX "GRAPHQL_PARSE_FAILED"
#define GQL_CODE_VALIDATION "GRAPHQL_VALIDATION_FAILED"
#define GQL_CODE_BAD_INPUT "BAD_USER_INPUT"
#define GQL_CODE_LIMIT "LIMIT_EXCEEDED"
#define GQL_CODE_INTERNAL "INTERNAL_SERVER_ERROR"
#define GQL_CODE_RESPONSE_TOO_LARGE "RESPONSE_TOO_LARGE" /* see gql_limits_t.max_response_bytes */

void gql_errors_init(gql_errors_t *e, gql_arena_t *arena, size_t max);
/* Adds an error. locs may be NULL when nlocs is 0; path may be NULL; code may
 * be NULL. Returns the error, or NULL when dropped or out of memory. */
gql_error_t *gql_errors_add(gql_errors_t *e, const char *code, const gql_path_t *path, const gql_loc_t *locs,
                            size_t nlocs, const char *fmt, ...) GQL_PRINTF(6, 7);
gql_error_t *gql_errors_vadd(gql_errors_t *e, const char *code, const gql_path_t *path, const gql_loc_t *locs,
                             size_t nlocs, const char *fmt, va_list ap);
/* Writes the JSON array [{"message":..,"locations":[..],"path":[..],
 * "extensions":{"code":..}}, ...]. */
void gql_errors_write_json(const gql_errors_t *e, gql_buf_t *out);

/* ------------------------------------------------------------------------ */
/* Limits                                                                   */
/* ------------------------------------------------------------------------ */

/* Bounds on what one request may ask for. 0 means "no limit" for each. */
typedef struct gql_limits {
    size_t max_document_bytes; /* default 100000 */
    size_t max_tokens;         /* default 15000 */
    size_t max_depth;          /* selection set nesting, default 32 (introspection needs ~15) */
    size_t max_fields;         /* field selections in the document, default 2000 */
    size_t max_aliases;        /* aliased fields in the document, default 200 */
    size_t max_errors;         /* errors kept per request, default 100 */
    /* Bytes of one response (one gql_execute, one subscription event),
     * default 8 MiB. Enforced while writing: execution stops at the first
     * field or list item that starts past the bound, and the response is
     * replaced by {"errors":[{"message":"Response too large: over N bytes
     * (graphql.limits.max_response_bytes)","extensions":{"code":
     * "RESPONSE_TOO_LARGE"}}],"data":null} (the gateway's setting is named
     * so the client's operator knows what to raise). The buffer passes the
     * bound by at most the one value written between two checks. */
    size_t max_response_bytes;
} gql_limits_t;

/* The defaults above. */
gql_limits_t gql_limits_default(void);

/* ------------------------------------------------------------------------ */
/* Input values: JSON, coerced arguments and variables                      */
/* ------------------------------------------------------------------------ */

typedef enum gql_iv_kind {
    GQL_IV_NULL = 0,
    GQL_IV_INT,     /* i (GraphQL Int is 32-bit; JSON integers may be wider) */
    GQL_IV_FLOAT,   /* f */
    GQL_IV_STRING,  /* s (UTF-8, may contain NUL: use len) */
    GQL_IV_BOOLEAN, /* b */
    GQL_IV_ENUM,    /* s: the enum value's name */
    GQL_IV_LIST,    /* list */
    GQL_IV_OBJECT,  /* obj: keys in input order, no duplicates */
} gql_iv_kind_t;

/* An input value: an untyped JSON value (from gql_json_parse) or a value
 * coerced to a GraphQL input type. Lives in an arena. */
typedef struct gql_iv {
    gql_iv_kind_t kind;
    union {
        int64_t i;
        double f;
        bool b;
        struct {
            const char *ptr; /* NUL-terminated as well */
            size_t len;
        } s;
        struct {
            struct gql_iv *items;
            size_t count;
        } list;
        struct {
            const char **keys;
            struct gql_iv *values;
            size_t count;
        } obj;
    } u;
} gql_iv_t;

/* Parses JSON text into an untyped gql_iv_t in `arena`. Integers that fit in
 * int64 become GQL_IV_INT, other numbers GQL_IV_FLOAT. Returns 0, or GQL_EFAIL
 * with a message like "Unexpected token } at line 1 column 9" in err. Depth is
 * bounded (512). */
int gql_json_parse(gql_arena_t *arena, const char *text, size_t len, gql_iv_t *out, char *err, size_t errlen);
/* gql_json_parse with at most max_values values (objects, arrays and
 * scalars; 0: no bound): past it the reading stops at once and fails with
 * "Too many values: more than N in one JSON document", so a client's
 * document costs at most that many values' work whatever its size. */
int gql_json_parse_bounded(gql_arena_t *arena, const char *text, size_t len, size_t max_values, gql_iv_t *out,
                           char *err, size_t errlen);
/* True when s[0..n) is well-formed UTF-8 (no overlong forms, surrogates or
 * code points above U+10FFFF). s may be NULL when n is 0. */
bool gql_utf8_valid(const char *s, size_t n);
/* Writes v as JSON. */
void gql_iv_write_json(const gql_iv_t *v, gql_buf_t *out);
/* Member of an object value, or NULL. */
const gql_iv_t *gql_iv_get(const gql_iv_t *obj, const char *key);

/* Coerced arguments of one field: names in the field definition's order;
 * an argument that was not given and has no default is absent. */
typedef struct gql_args {
    const char *const *names;
    const gql_iv_t *values;
    size_t count;
} gql_args_t;

/* The value of argument `name`, or NULL when absent. An explicit null is a
 * GQL_IV_NULL value, not NULL. */
const gql_iv_t *gql_arg(const gql_args_t *args, const char *name);

/* ------------------------------------------------------------------------ */
/* Documents                                                                */
/* ------------------------------------------------------------------------ */

typedef struct gql_document gql_document_t; /* see ast.h */

typedef enum gql_op_type {
    GQL_OP_QUERY = 0,
    GQL_OP_MUTATION,
    GQL_OP_SUBSCRIPTION,
} gql_op_type_t;

/* Parses an executable document or a type-system document (or both kinds of
 * definition mixed, as the grammar allows) into `arena`. `limits` may be NULL
 * (defaults). On a syntax error or an exceeded limit it adds one error such as
 * `Syntax Error: Expected Name, found "}".` with its location and returns
 * NULL. */
gql_document_t *gql_parse(gql_arena_t *arena, const char *src, size_t len, const gql_limits_t *limits,
                          gql_errors_t *errors);

/* Prints a document back as GraphQL text (graphql-js's printer format). */
void gql_print(const gql_document_t *doc, gql_buf_t *out);

/* ------------------------------------------------------------------------ */
/* Schemas                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct gql_schema gql_schema_t; /* see schema.h */

typedef struct gql_schema_options {
    /* The September 2025 edition forbids deprecating an implementation field
     * whose interface field is not deprecated. Real schemas (GitHub's) do it;
     * when true such conflicts are accepted (and still listed as warnings). */
    bool allow_deprecation_conflicts;
} gql_schema_options_t;

/* Builds and validates a schema from SDL text. On failure returns NULL with
 * the reasons in `errors` (allocated in errors->arena). `warnings`, when not
 * NULL, receives tolerated problems (see allow_deprecation_conflicts). The
 * schema owns a copy of everything it needs. */
gql_schema_t *gql_schema_build(const char *sdl, size_t len, const gql_schema_options_t *options, gql_errors_t *errors,
                               gql_errors_t *warnings);
void gql_schema_free(gql_schema_t *schema);

/* Prints the schema as SDL (graphql-js printSchema format). */
void gql_schema_print(const gql_schema_t *schema, gql_buf_t *out);

/* ------------------------------------------------------------------------ */
/* Resolvers                                                                */
/* ------------------------------------------------------------------------ */

typedef enum gql_rv_kind {
    GQL_RV_NULL = 0,
    GQL_RV_BOOLEAN,    /* b */
    GQL_RV_INT,        /* i (must fit in 32 bits for Int, else a field error) */
    GQL_RV_FLOAT,      /* f */
    GQL_RV_STRING,     /* s: also valid for ID, enums (checked) and custom scalars */
    GQL_RV_OBJECT,     /* obj: ptr is handed to the child fields' resolvers */
    GQL_RV_LIST,       /* list */
    GQL_RV_JSON,       /* s: raw JSON written as-is (custom scalars, pre-rendered) */
    GQL_RV_ERROR,      /* s: a field error with this message */
    GQL_RV_ERROR_CODE, /* obj: a field error with extensions.code: ptr is the message (NUL-terminated),
                        * type_name the code (e.g. "FORBIDDEN"); both must outlive the execution */
    GQL_RV_PENDING,    /* top-level fields only: the answer comes via gql_resume */
} gql_rv_kind_t;

/* A resolved value. Memory it points to must outlive the execution (put it
 * in the request arena, or in data that outlives the request). */
typedef struct gql_rv {
    gql_rv_kind_t kind;
    union {
        bool b;
        int64_t i;
        double f;
        struct {
            const char *ptr;
            size_t len;
        } s;
        struct {
            const void *ptr;
            const char *type_name; /* concrete type for abstract fields, else NULL */
        } obj;
        struct {
            const struct gql_rv *items;
            size_t count;
        } list;
    } u;
} gql_rv_t;

typedef struct gql_resolve_info {
    void *context;                 /* the request's context (gql_request_t.context) */
    void *field_data;              /* bound with the resolver */
    gql_arena_t *arena;            /* the execution's arena, for results */
    const char *parent_type;       /* e.g. "Query" */
    const char *field_name;        /* e.g. "transactions_by_iban" */
    const gql_path_t *path;        /* the field's response path */
    const struct gql_field *field; /* schema.h */
    /* Subscribe functions only (NULL for resolvers): set *error_code to a
     * static string to give a failure's error an extensions.code. */
    const char **error_code;
} gql_resolve_info_t;

/* Resolves one field of `parent` (the object's ptr; the root value for root
 * fields) into *out, which starts as GQL_RV_NULL. */
typedef void (*gql_resolver_fn)(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args,
                                gql_rv_t *out);

/* Creates the source event stream of a subscription root field (spec
 * "CreateSourceEventStream"): returns 0 with *stream set to the transport's
 * handle, or GQL_EFAIL with a message in *error (an arena string). */
typedef int (*gql_subscribe_fn)(const gql_resolve_info_t *info, const gql_args_t *args, void **stream,
                                const char **error);

/* Binds a resolver to (type, field). Returns 0, or GQL_EINVAL when the type or
 * field does not exist. Bind before sharing the schema between threads. */
int gql_schema_bind(gql_schema_t *schema, const char *type, const char *field, gql_resolver_fn fn, void *data);
int gql_schema_bind_subscribe(gql_schema_t *schema, const char *field, gql_subscribe_fn fn, void *data);

/* ------------------------------------------------------------------------ */
/* Validation and execution                                                 */
/* ------------------------------------------------------------------------ */

/* Runs every rule of spec §5 (and the limits) against `doc`. Returns the
 * number of errors added (0: valid). */
size_t gql_validate(const gql_schema_t *schema, const gql_document_t *doc, const gql_limits_t *limits,
                    gql_errors_t *errors);

/* One execution of one operation of a validated document. */
typedef struct gql_request {
    const gql_schema_t *schema;
    const gql_document_t *document; /* parsed and validated */
    const char *operation_name;     /* NULL: the only operation */
    const gql_iv_t *variables;      /* untyped JSON object, or NULL */
    void *context;                  /* handed to resolvers */
    const void *root_value;         /* parent of the root fields */
    gql_arena_t *arena;             /* the request arena: owns everything made */
    const gql_limits_t *limits;     /* NULL: defaults */
    /* The document cache entry `document` comes from (see below), or NULL.
     * With it, the plans of field collection are kept in the entry and
     * reused by every request of the same document, so a cached query only
     * coerces its variables and executes; the caller holds the entry while
     * the operation lives. NULL: the operation plans for itself (documents
     * parsed with gql_parse). */
    struct gql_cached_doc *cached;
} gql_request_t;

typedef struct gql_operation gql_operation_t; /* opaque, lives in req->arena */

/* Selects the operation and coerces the variables (spec §6.1 and §6.4.1).
 * Returns 0 with *op set, or GQL_EFAIL with request errors in `errors`
 * (e.g. "Variable \"$id\" of required type \"Int!\" was not provided."),
 * or GQL_EINVAL when req->cached is set but is not the entry of
 * req->document. */
int gql_prepare(const gql_request_t *req, gql_operation_t **op, gql_errors_t *errors);
gql_op_type_t gql_operation_type(const gql_operation_t *op);
/* The operation's name, or NULL when anonymous. */
const char *gql_operation_name(const gql_operation_t *op);

/* Executes the operation and writes the whole response object
 * {"errors":[..],"data":{..}} to `out`. Returns 0 when the response is
 * complete, or GQL_PENDING when a top-level resolver answered
 * GQL_RV_PENDING: then call gql_resume with that field's value; fields after
 * it wait (mutations run serially). `root_value` overrides the request's
 * (subscriptions pass each event here). Field errors are in the response.
 * A response that passes the request's limits.max_response_bytes stops
 * there and becomes the RESPONSE_TOO_LARGE error (still a 0 return). */
int gql_execute(gql_operation_t *op, const void *root_value, gql_buf_t *out);
/* Continues after GQL_PENDING with the pending field's value. Same returns. */
int gql_resume(gql_operation_t *op, const gql_rv_t *value, gql_buf_t *out);
/* gql_execute, with what this one execution allocates (resolver results via
 * gql_resolve_info_t.arena, error messages) going to `scratch` instead of
 * the request arena; NULL means the request arena. A subscription executes
 * each event this way and resets `scratch` afterwards (after the last
 * gql_resume, when pending), so its own arena does not grow per event. */
int gql_execute_scratch(gql_operation_t *op, const void *root_value, gql_arena_t *scratch, gql_buf_t *out);

/* How gql_operation_cost weighs list fields. */
typedef struct gql_cost_options {
    /* Items assumed for a list field that no size argument bounds (and for
     * every list level but the outermost); 0 means 100. */
    uint64_t default_list_size;
    /* Names of the arguments that bound a list field's length, e.g.
     * {"max_items", NULL}; NULL-terminated; NULL: none. */
    const char *const *size_args;
} gql_cost_options_t;

/* A static estimate of what executing a prepared operation costs, before
 * any resolver runs: the number of JSON values (objects, lists and leaves)
 * its response can hold. A field counts 1 plus what it selects; a list
 * field counts 1 plus n times its item, n being its size argument (a
 * literal, a variable or the argument's default) or default_list_size;
 * aliases and fragments add up, @skip/@include are applied; lists of
 * introspection types (__Type.fields, ...) count one item (the schema
 * bounds them, and limits.max_response_bytes the response). Linear in the
 * document: fragments are memoised per (fragment, type). Saturates at
 * UINT64_MAX. `options` may be NULL (defaults, no size argument). Returns
 * 0 with *cost set, GQL_EINVAL, or GQL_ENOMEM. The tables it needs go in
 * the operation's arena. (cost.c) */
int gql_operation_cost(const gql_operation_t *op, const gql_cost_options_t *options, uint64_t *cost);

/* Subscriptions, spec §6.2.3, in the two steps transports drive:
 * 1. gql_subscribe creates the source event stream by calling the root
 *    field's bound gql_subscribe_fn; 0 with *stream, or GQL_EFAIL with errors.
 * 2. For each event, gql_execute(op, event, out) maps it to a response.
 * gql_subscription_key gives a hash of (operation, variables): subscribers
 * with the same key get byte-identical responses for the same event, so the
 * transport serializes once per key. */
int gql_subscribe(gql_operation_t *op, void **stream, gql_errors_t *errors);
uint64_t gql_subscription_key(const gql_operation_t *op);
/* Whether two prepared subscriptions have the same key's content (document
 * text, operation name, coerced variables), not only the same hash: what a
 * memo compares on a hit, since a 64-bit hash of client text can collide. */
bool gql_subscription_same(const gql_operation_t *a, const gql_operation_t *b);
/* The root field of a subscription (name and coerced arguments). */
const char *gql_subscription_field(const gql_operation_t *op, const gql_args_t **args);
/* The name of the i-th root field the operation executes (fields collected
 * as spec §6.3.2 says: fragments flattened, @skip/@include applied, one per
 * response key, so aliases count apart), or NULL past the last one (or when
 * out of memory). For a transport that counts what an operation will do
 * before it runs it. */
const char *gql_operation_root_field(const gql_operation_t *op, size_t i);

/* ------------------------------------------------------------------------ */
/* Document cache                                                           */
/* ------------------------------------------------------------------------ */

/* A bounded LRU cache of parsed and validated documents keyed by a hash of
 * the query text (and the text itself, compared on hit). Not thread-safe: use
 * one per event loop. Entries are reference-counted: a document stays alive
 * while a request or a subscription holds it. An entry also keeps the
 * execution plans of the requests that name it in gql_request_t.cached. */
typedef struct gql_doc_cache gql_doc_cache_t;
typedef struct gql_cached_doc gql_cached_doc_t;

gql_doc_cache_t *gql_doc_cache_new(const gql_schema_t *schema, size_t max_entries, size_t *bytes_in_use);
void gql_doc_cache_free(gql_doc_cache_t *c);
/* Parses and validates `text` (or finds it). Returns a held entry (release
 * it with gql_doc_cache_release), or NULL with syntax/validation errors in
 * `errors`. Invalid documents are cached too, as their errors: a repeated
 * one adds the same errors again without parsing or validating (internal
 * errors, and texts over limits->max_document_bytes, are not kept). Every
 * entry assumes the limits of the request that made it: give one cache one
 * set of limits. */
gql_cached_doc_t *gql_doc_cache_get(gql_doc_cache_t *c, const char *text, size_t len, const gql_limits_t *limits,
                                    gql_errors_t *errors);
const gql_document_t *gql_cached_doc_document(const gql_cached_doc_t *d);
void gql_doc_cache_hold(gql_cached_doc_t *d);
void gql_doc_cache_release(gql_cached_doc_t *d);
/* Entries cached, valid and invalid documents alike. */
size_t gql_doc_cache_size(const gql_doc_cache_t *c);
/* Bounds the bytes of the cached entries (their arenas as they were when
 * cached) as well as their number: least recently used entries are evicted
 * to make room (at once, when the bound shrinks). 0: no byte bound (the
 * default). A held entry outlives its eviction, so memory in use is this
 * bound plus what requests and subscriptions hold. */
void gql_doc_cache_set_max_bytes(gql_doc_cache_t *c, size_t max_bytes);
/* Bytes of the cached entries, as counted against that bound. */
size_t gql_doc_cache_bytes(const gql_doc_cache_t *c);
/* Bytes an entry's arena holds now (its text, document, errors and plans). */
size_t gql_cached_doc_bytes(const gql_cached_doc_t *d);
/* Counters since the cache was made, for /metrics: lookups answered from
 * the cache (valid or invalid documents), lookups that parsed (valid or
 * not), entries evicted. Any pointer may be NULL. */
void gql_doc_cache_stats(const gql_doc_cache_t *c, uint64_t *hits, uint64_t *misses, uint64_t *evictions);
/* Of the hits, those that answered an invalid document's cached errors. */
uint64_t gql_doc_cache_negative_hits(const gql_doc_cache_t *c);

#ifdef __cplusplus
}
#endif
#endif
