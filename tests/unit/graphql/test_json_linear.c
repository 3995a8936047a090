/*
 * Linear-time input: the engine's JSON reader (json.c) and the variables'
 * coercion (execute.c) take time proportional to what a client sends,
 * whatever keys it chooses.
 *
 * No absolute timings: each case compares the CPU time of a large input
 * with a baseline measured in the same run, with a generous factor (what
 * each guards against is far worse: a reader scanning its keys would be
 * ~1000 times slower than the baseline, the former hash took 24 s for the
 * chosen keys where ordinary ones take 0.06 s, scanning the variables once
 * per definition 30 times the read):
 *  - 100,000 distinct keys read in about the time of 100 objects of 1,000;
 *  - 100,000 keys chosen to collide under the reader's former hash
 *    (FNV-1a, unseeded: the low 19 bits of each key's hash in one window
 *    of 4,096 slots, computed here as a client could) read in about the
 *    time of 100,000 ordinary keys;
 *  - an operation with 1,000 variable definitions prepared against a
 *    variables object of 100,000 keys in less time than reading that
 *    object (no definition scans the object).
 */
#include "helpers.h"

#include <stdint.h>
#include <time.h>

/* CPU seconds of this process. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* {"<key 0>":0,"<key 1>":1,...} for n keys made by key(i, out). */
static char *object_text(size_t n, void (*key)(size_t i, char out[32]), size_t *len)
{
    gql_buf_t b = GQL_BUF_INIT;
    gql_buf_putc(&b, '{');
    for (size_t i = 0; i < n; i++) {
        char k[32];
        key(i, k);
        gql_buf_printf(&b, "%s\"%s\":%zu", i ? "," : "", k, i);
    }
    gql_buf_putc(&b, '}');
    if (b.oom)
        return NULL;
    *len = b.len;
    return b.data;
}

static void plain_key(size_t i, char out[32])
{
    snprintf(out, 32, "key%zu", i);
}

/* Keys whose former FNV-1a 32-bit hash has its low 19 bits below 4096:
 * with the former reader's table of 2^19 slots (100,000 keys) every one of
 * them probes from the same 4,096-slot window. Filled once. */
static char (*colliding)[16];

static void colliding_key(size_t i, char out[32])
{
    snprintf(out, 32, "%s", colliding[i]);
}

static bool make_colliding(size_t n)
{
    colliding = malloc(n * sizeof *colliding);
    if (colliding == NULL)
        return false;
    size_t found = 0;
    for (uint64_t c = 0; found < n; c++) {
        char k[16];
        int len = snprintf(k, sizeof k, "c%llx", (unsigned long long)c);
        uint32_t h = 2166136261u;
        for (int j = 0; j < len; j++)
            h = (h ^ (uint8_t)k[j]) * 16777619u;
        if ((h & 0x7FFFF) < 4096)
            memcpy(colliding[found++], k, sizeof k);
    }
    return true;
}

/* CPU seconds to read `text` `times` times, the best of three tries; -1
 * when it does not read. */
static double read_time(const char *text, size_t len, int times)
{
    double best = -1;
    for (int trial = 0; trial < 3; trial++) {
        double t0 = cpu_now();
        for (int i = 0; i < times; i++) {
            gql_arena_t *a = gql_arena_new(0, NULL);
            gql_iv_t v;
            char err[128];
            int rc = gql_json_parse(a, text, len, &v, err, sizeof err);
            gql_arena_free(a);
            if (rc != 0)
                return -1;
        }
        double t = cpu_now() - t0;
        if (best < 0 || t < best)
            best = t;
    }
    return best;
}

TEST(distinct_keys_read_in_linear_time)
{
    size_t small_len = 0, big_len = 0;
    char *small = object_text(1000, plain_key, &small_len);
    char *big = object_text(100000, plain_key, &big_len);
    ASSERT(small != NULL && big != NULL);
    /* the same number of keys either way: 100 x 1,000 and 1 x 100,000 (the
     * large object is about 7 times slower per key here: caches, page
     * faults of fresh arena blocks) */
    double t_small = read_time(small, small_len, 100);
    double t_big = read_time(big, big_len, 1);
    free(small);
    free(big);
    ASSERT(t_small > 0 && t_big > 0);
    fprintf(stderr, "  100 x 1k keys: %.4f s, 1 x 100k keys: %.4f s\n", t_small, t_big);
    EXPECT(t_big < 30 * t_small);
}

TEST(chosen_keys_do_not_collide)
{
    enum { N = 100000 };
    ASSERT(make_colliding(N));
    size_t plain_len = 0, bad_len = 0;
    char *plain = object_text(N, plain_key, &plain_len);
    char *bad = object_text(N, colliding_key, &bad_len);
    ASSERT(plain != NULL && bad != NULL);
    double t_plain = read_time(plain, plain_len, 1);
    double t_bad = read_time(bad, bad_len, 1);
    /* the object read back has every key, in order */
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_iv_t v;
    ASSERT_EQ_INT(0, gql_json_parse(a, bad, bad_len, &v, NULL, 0));
    ASSERT_EQ_INT(N, v.u.obj.count);
    ASSERT_EQ_STR(colliding[N - 1], v.u.obj.keys[N - 1]);
    gql_arena_free(a);
    free(plain);
    free(bad);
    free(colliding);
    ASSERT(t_plain > 0 && t_bad > 0);
    fprintf(stderr, "  100k plain keys: %.4f s, 100k chosen keys: %.4f s\n", t_plain, t_bad);
    EXPECT(t_bad < 10 * t_plain);
}

/* query Q($v0: Int, ..., $v999: Int) { f(a: [$v0, ..., $v999]) }, with a
 * variables object of 100,000 keys (those 1,000 among them). */
TEST(many_variables_against_many_keys)
{
    const char *sdl = "type Query { f(a: [Int]): Int }";
    gql_schema_t *s = th_schema(sdl, strlen(sdl));
    ASSERT(s != NULL);
    enum { DEFS = 1000, KEYS = 100000 };
    gql_buf_t q = GQL_BUF_INIT;
    gql_buf_puts(&q, "query Q(");
    for (int i = 0; i < DEFS; i++)
        gql_buf_printf(&q, "%s$key%d: Int", i ? ", " : "", KEYS - 1 - i);
    gql_buf_puts(&q, ") { f(a: [");
    for (int i = 0; i < DEFS; i++)
        gql_buf_printf(&q, "%s$key%d", i ? ", " : "", KEYS - 1 - i);
    gql_buf_puts(&q, "]) }");
    size_t vlen;
    char *vars = object_text(KEYS, plain_key, &vlen);
    ASSERT(vars != NULL && !q.oom);
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_errors_t e;
    gql_errors_init(&e, a, 10);
    gql_document_t *doc = gql_parse(a, gql_buf_cstr(&q), q.len, NULL, &e);
    ASSERT(doc != NULL);
    ASSERT_EQ_INT(0, gql_validate(s, doc, NULL, &e));
    double t0 = cpu_now();
    gql_iv_t v;
    ASSERT_EQ_INT(0, gql_json_parse(a, vars, vlen, &v, NULL, 0));
    double t_read = cpu_now() - t0;
    t0 = cpu_now();
    gql_request_t req = {.schema = s, .document = doc, .variables = &v, .arena = a};
    gql_operation_t *op = NULL;
    ASSERT_EQ_INT(0, gql_prepare(&req, &op, &e));
    double t_prepare = cpu_now() - t0;
    fprintf(stderr, "  read 100k keys: %.4f s, prepare 1k definitions: %.4f s\n", t_read, t_prepare);
    /* one scan per definition would be 1e8 comparisons: 30+ times the read */
    EXPECT(t_prepare < 3 * t_read);
    gql_arena_free(a);
    gql_buf_free(&q);
    free(vars);
    gql_schema_free(s);
}

TEST_MAIN(TEST_ENTRY(distinct_keys_read_in_linear_time), TEST_ENTRY(chosen_keys_do_not_collide),
          TEST_ENTRY(many_variables_against_many_keys))
