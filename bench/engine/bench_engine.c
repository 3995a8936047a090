/*
 * bench_engine.c — how many operations per second the GraphQL engine does on
 * its own (no server, no Kafka), for three cases that bench/engine/peer.mjs
 * also runs with graphql-js so that bench/engine/run can print the ratio:
 *
 *   introspection  parse + validate + execute graphql-js's full
 *                  getIntrospectionQuery() text over the bank schema;
 *   transactions   parse + validate + execute
 *                  `{ all_last_transactions { id iban ... direction } }`
 *                  answered with 100 fixed rows by bound C resolvers;
 *   transactions-cached  the same query parsed and validated once by a
 *                  document cache and held, as the gateway holds a cached
 *                  document (gql_request_t.cached, so the execution plans
 *                  are kept with it): prepare + execute only;
 *   github-schema  build (parse, build, validate) GitHub's 1 MB schema from
 *                  SDL and free it.
 *
 * Except in transactions-cached, every operation starts from the text, in a
 * fresh arena, as a request with a cold document cache would. Each case runs for --seconds after a short
 * warm-up. Output, one line per case: "case<TAB>ops_per_second<TAB>ops<TAB>
 * seconds". With --responses DIR the responses of the first two cases are
 * written to DIR/<case>.json so the run script can check that both engines
 * answered the same. This is a measurement, never a test: nothing here
 * passes or fails on time.
 *
 * For instruction counts (valgrind --tool=callgrind), --iterations N runs
 * each case exactly N times after its first operation, with no warm-up and
 * no clock, and prints N in place of the rate; --rows N (1 to 100) makes
 * all_last_transactions answer its first N rows only (the peer always
 * answers 100, so bench/engine/run never passes it).
 *
 * Usage: bench_engine --bank schema/bank.graphql
 *                     --introspection bench/engine/introspection.graphql
 *                     [--github github.graphql] [--seconds 3] [--case NAME]
 *                     [--responses DIR] [--iterations N] [--rows N]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gql.h"

#define ROWS 100

/* One row of the static answer to all_last_transactions: the same values
 * peer.mjs computes (see make_rows). */
typedef struct tx_row {
    int64_t id;
    char iban[24];
    char new_balance[64];
    char changed_by[64];
    char from_to[24];
    char descr[40];
    const char *direction;
} tx_row_t;

/* The fields of Transaction, handed to the one field resolver as its bound
 * data so it knows which member to answer. */
typedef enum tx_field {
    TX_ID = 0,
    TX_IBAN,
    TX_NEW_BALANCE,
    TX_CHANGED_BY,
    TX_FROM_TO,
    TX_DESCR,
    TX_DIRECTION,
    TX__COUNT,
} tx_field_t;

static const char *const tx_field_names[TX__COUNT] = {"id",      "iban",  "new_balance", "changed_by",
                                                      "from_to", "descr", "direction"};
/* Bound data must be a pointer: one constant per field. */
static const tx_field_t tx_field_ids[TX__COUNT] = {TX_ID,      TX_IBAN,  TX_NEW_BALANCE, TX_CHANGED_BY,
                                                   TX_FROM_TO, TX_DESCR, TX_DIRECTION};

/* The rows and the list value the root resolver returns; built once in
 * main() and only read while benchmarking. */
typedef struct bench_data {
    tx_row_t rows[ROWS];
    gql_rv_t items[ROWS];
    size_t count; /* rows answered: ROWS, or --rows */
} bench_data_t;

/* Formats `cents` as the bank does: euro sign, sign, thousands separated by
 * dots, comma before the cents: -123456 -> "€-1.234,56". */
static void format_money(char *out, size_t cap, int64_t cents)
{
    char digits[32];
    uint64_t abs = cents < 0 ? (uint64_t)(-cents) : (uint64_t)cents;
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)(abs / 100));
    size_t n = strlen(digits), o = 0;
    char euros[48];
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            euros[o++] = '.';
        euros[o++] = digits[i];
    }
    euros[o] = '\0';
    snprintf(out, cap, "\xe2\x82\xac%s%s,%02u", cents < 0 ? "-" : "", euros, (unsigned)(abs % 100));
}

/* The 100 rows, a pure function of the index so peer.mjs builds the same. */
static void make_rows(bench_data_t *d)
{
    int64_t balance = 100000000; /* €1.000.000,00 */
    for (int i = 0; i < ROWS; i++) {
        tx_row_t *r = &d->rows[i];
        int64_t amount = (int64_t)((i * 7919) % 200000) - 100000;
        balance += amount;
        r->id = i + 1;
        snprintf(r->iban, sizeof r->iban, "NL66OPEN%010d", i % 10 + 1);
        format_money(r->new_balance, sizeof r->new_balance, balance);
        format_money(r->changed_by, sizeof r->changed_by, amount);
        snprintf(r->from_to, sizeof r->from_to, "NL66OPEN%010d", (i + 3) % 10 + 1);
        snprintf(r->descr, sizeof r->descr, "transfer number %d", i + 1);
        r->direction = amount < 0 ? "DEBIT" : "CREDIT";
        d->items[i].kind = GQL_RV_OBJECT;
        d->items[i].u.obj.ptr = r;
        d->items[i].u.obj.type_name = NULL;
    }
}

static void set_string(gql_rv_t *out, const char *s)
{
    out->kind = GQL_RV_STRING;
    out->u.s.ptr = s;
    out->u.s.len = strlen(s);
}

/* Query.all_last_transactions: the 100 rows (field_data is the bench_data_t). */
static void resolve_all_last(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)parent;
    (void)args;
    const bench_data_t *d = info->field_data;
    out->kind = GQL_RV_LIST;
    out->u.list.items = d->items;
    out->u.list.count = d->count;
}

/* Transaction.*: one member of the row; field_data says which. */
static void resolve_tx_field(const gql_resolve_info_t *info, const void *parent, const gql_args_t *args, gql_rv_t *out)
{
    (void)args;
    const tx_row_t *r = parent;
    switch (*(const tx_field_t *)info->field_data) {
    case TX_ID:
        out->kind = GQL_RV_INT;
        out->u.i = r->id;
        break;
    case TX_IBAN:
        set_string(out, r->iban);
        break;
    case TX_NEW_BALANCE:
        set_string(out, r->new_balance);
        break;
    case TX_CHANGED_BY:
        set_string(out, r->changed_by);
        break;
    case TX_FROM_TO:
        set_string(out, r->from_to);
        break;
    case TX_DESCR:
        set_string(out, r->descr);
        break;
    case TX_DIRECTION:
        set_string(out, r->direction);
        break;
    default:
        break;
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads a whole file into a malloc'd NUL-terminated buffer; exits on error
 * (a benchmark without its input has nothing to measure). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)n + 1);
    if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "%s: cannot read\n", path);
        exit(2);
    }
    fclose(f);
    data[n] = '\0';
    *len = (size_t)n;
    return data;
}

static void die_errors(const char *what, const gql_errors_t *e)
{
    gql_buf_t b = GQL_BUF_INIT;
    gql_errors_write_json(e, &b);
    fprintf(stderr, "bench_engine: %s: %s\n", what, gql_buf_cstr(&b));
    gql_buf_free(&b);
    exit(1);
}

/* One case: a function doing one operation, returning 0 on success. */
typedef int (*op_fn)(void *ctx, gql_buf_t *response);

typedef struct query_case {
    const gql_schema_t *schema;
    const char *text;
    size_t len;
} query_case_t;

/* Parse + validate + prepare + execute `text` in a fresh arena, writing the
 * response into `response` (reset first). Returns 0, or -1 on any error. */
static int op_query(void *ctx, gql_buf_t *response)
{
    const query_case_t *q = ctx;
    int rc = -1;
    gql_arena_t *arena = gql_arena_new(64 * 1024, NULL);
    if (!arena)
        return -1;
    gql_errors_t errors;
    gql_errors_init(&errors, arena, 100);
    gql_document_t *doc = gql_parse(arena, q->text, q->len, NULL, &errors);
    if (doc && gql_validate(q->schema, doc, NULL, &errors) == 0) {
        gql_request_t req = {.schema = q->schema, .document = doc, .arena = arena};
        gql_operation_t *op = NULL;
        if (gql_prepare(&req, &op, &errors) == 0) {
            response->len = 0;
            if (gql_execute(op, NULL, response) == 0 && !response->oom)
                rc = 0;
        }
    }
    if (rc != 0 && errors.count)
        die_errors("query failed", &errors);
    gql_arena_free(arena);
    return rc;
}

/* A document parsed and validated once, held from the document cache as
 * the gateway holds it: each operation only prepares and executes it. */
typedef struct executed_case {
    const gql_schema_t *schema;
    gql_cached_doc_t *cached;
} executed_case_t;

/* Prepare + execute an already validated document in a fresh arena.
 * Returns 0, or -1 on any error. */
static int op_execute(void *ctx, gql_buf_t *response)
{
    const executed_case_t *q = ctx;
    int rc = -1;
    gql_arena_t *arena = gql_arena_new(64 * 1024, NULL);
    if (!arena)
        return -1;
    gql_errors_t errors;
    gql_errors_init(&errors, arena, 100);
    gql_request_t req = {
        .schema = q->schema, .document = gql_cached_doc_document(q->cached), .arena = arena, .cached = q->cached};
    gql_operation_t *op = NULL;
    if (gql_prepare(&req, &op, &errors) == 0) {
        response->len = 0;
        if (gql_execute(op, NULL, response) == 0 && !response->oom)
            rc = 0;
    }
    gql_arena_free(arena);
    return rc;
}

typedef struct schema_case {
    const char *sdl;
    size_t len;
} schema_case_t;

/* Build GitHub's schema (tolerating its deprecation conflicts) and free it. */
static int op_build_schema(void *ctx, gql_buf_t *response)
{
    (void)response;
    const schema_case_t *c = ctx;
    gql_arena_t *arena = gql_arena_new(0, NULL);
    if (!arena)
        return -1;
    gql_errors_t errors, warnings;
    gql_errors_init(&errors, arena, 20);
    gql_errors_init(&warnings, arena, 1000);
    gql_schema_options_t opts = {.allow_deprecation_conflicts = true};
    gql_schema_t *s = gql_schema_build(c->sdl, c->len, &opts, &errors, &warnings);
    if (!s)
        die_errors("GitHub's schema does not build", &errors);
    gql_schema_free(s);
    gql_arena_free(arena);
    return 0;
}

/* Runs `fn` for `seconds` (after a warm-up of a tenth of that) and prints
 * the case's line; with `iterations` > 0, exactly that many times after the
 * first operation instead, untimed. Returns 0, or -1 when an operation
 * failed. */
static int run_case(const char *name, op_fn fn, void *ctx, double seconds, uint64_t iterations,
                    const char *responses_dir)
{
    gql_buf_t response = GQL_BUF_INIT;
    if (fn(ctx, &response) != 0) {
        fprintf(stderr, "bench_engine: %s: the operation failed\n", name);
        gql_buf_free(&response);
        return -1;
    }
    if (responses_dir && response.len) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.json", responses_dir, name);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(response.data, 1, response.len, f);
            fclose(f);
        }
    }
    if (iterations > 0) {
        int rc = 0;
        for (uint64_t i = 0; i < iterations && rc == 0; i++)
            rc = fn(ctx, &response);
        printf("%s\titerations\t%llu\n", name, (unsigned long long)iterations);
        gql_buf_free(&response);
        return rc;
    }
    /* Warm-up, then measure in batches sized to about 10 ms so the clock is
     * read rarely. */
    double warm_end = now_seconds() + seconds / 10;
    uint64_t batch = 1;
    while (now_seconds() < warm_end) {
        double t0 = now_seconds();
        for (uint64_t i = 0; i < batch; i++)
            fn(ctx, &response);
        double dt = now_seconds() - t0;
        if (dt < 0.005)
            batch *= 2;
    }
    uint64_t ops = 0;
    double start = now_seconds(), end = start + seconds, t = start;
    while (t < end) {
        for (uint64_t i = 0; i < batch; i++)
            if (fn(ctx, &response) != 0) {
                gql_buf_free(&response);
                return -1;
            }
        ops += batch;
        t = now_seconds();
    }
    double elapsed = t - start;
    printf("%s\t%.1f\t%llu\t%.3f\n", name, (double)ops / elapsed, (unsigned long long)ops, elapsed);
    fflush(stdout);
    gql_buf_free(&response);
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_engine --bank SDL --introspection QUERY [--github SDL] [--seconds N]\n"
                    "                    [--case introspection|transactions|transactions-cached|github-schema]\n"
                    "                    [--responses DIR] [--iterations N] [--rows N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *bank_path = NULL, *intro_path = NULL, *github_path = NULL, *only = NULL, *responses = NULL;
    double seconds = 3;
    uint64_t iterations = 0;
    long rows = ROWS;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage();
        if (!strcmp(a, "--bank"))
            bank_path = argv[++i];
        else if (!strcmp(a, "--introspection"))
            intro_path = argv[++i];
        else if (!strcmp(a, "--github"))
            github_path = argv[++i];
        else if (!strcmp(a, "--seconds"))
            seconds = atof(argv[++i]);
        else if (!strcmp(a, "--case"))
            only = argv[++i];
        else if (!strcmp(a, "--responses"))
            responses = argv[++i];
        else if (!strcmp(a, "--iterations"))
            iterations = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(a, "--rows"))
            rows = atol(argv[++i]);
        else
            usage();
    }
    if (!bank_path || !intro_path || seconds <= 0 || rows < 1 || rows > ROWS)
        usage();

    size_t bank_len, intro_len;
    char *bank_sdl = slurp(bank_path, &bank_len);
    char *intro = slurp(intro_path, &intro_len);

    gql_arena_t *arena = gql_arena_new(0, NULL);
    if (!arena)
        return 1;
    gql_errors_t errors;
    gql_errors_init(&errors, arena, 20);
    gql_schema_t *bank = gql_schema_build(bank_sdl, bank_len, NULL, &errors, NULL);
    if (!bank)
        die_errors("the bank schema does not build", &errors);

    bench_data_t *data = calloc(1, sizeof *data);
    if (!data)
        return 1;
    make_rows(data);
    data->count = (size_t)rows;
    int bad = gql_schema_bind(bank, "Query", "all_last_transactions", resolve_all_last, data);
    for (int f = 0; f < TX__COUNT; f++)
        bad |= gql_schema_bind(bank, "Transaction", tx_field_names[f], resolve_tx_field, (void *)&tx_field_ids[f]);
    if (bad) {
        fprintf(stderr, "bench_engine: cannot bind the resolvers\n");
        return 1;
    }

    static const char transactions_query[] =
        "{ all_last_transactions { id iban new_balance changed_by from_to descr direction } }";
    query_case_t qi = {bank, intro, intro_len};
    query_case_t qt = {bank, transactions_query, sizeof transactions_query - 1};

    int rc = 0;
    if (!only || !strcmp(only, "introspection"))
        rc |= run_case("introspection", op_query, &qi, seconds, iterations, responses);
    if (!only || !strcmp(only, "transactions"))
        rc |= run_case("transactions", op_query, &qt, seconds, iterations, responses);
    if (!only || !strcmp(only, "transactions-cached")) {
        gql_arena_t *doc_arena = gql_arena_new(0, NULL);
        gql_errors_t doc_errors;
        gql_errors_init(&doc_errors, doc_arena, 20);
        gql_doc_cache_t *cache = gql_doc_cache_new(bank, 16, NULL);
        gql_cached_doc_t *cached = cache ? gql_doc_cache_get(cache, qt.text, qt.len, NULL, &doc_errors) : NULL;
        if (!cached)
            die_errors("the transactions query", &doc_errors);
        executed_case_t qc = {bank, cached};
        rc |= run_case("transactions-cached", op_execute, &qc, seconds, iterations, NULL);
        gql_doc_cache_release(cached);
        gql_doc_cache_free(cache);
        gql_arena_free(doc_arena);
    }
    if (github_path && (!only || !strcmp(only, "github-schema"))) {
        size_t len;
        char *sdl = slurp(github_path, &len);
        schema_case_t sc = {sdl, len};
        rc |= run_case("github-schema", op_build_schema, &sc, seconds, iterations, NULL);
        free(sdl);
    }

    gql_schema_free(bank);
    gql_arena_free(arena);
    free(data);
    free(bank_sdl);
    free(intro);
    return rc ? 1 : 0;
}
