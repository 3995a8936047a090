/*
 * test_params.c — the front half's parameter reading (gateway/exec/params.c)
 * against hostile sizes: a 1 MiB body (the default server.max_body_bytes)
 * of 96,000 distinct keys is refused by GW_PARAMS_MAX_JSON_VALUES, and
 * costs less than reading a 1,000-key body 96 times in the same run (CPU
 * time, a generous factor, no absolute timing: the reading stops at the
 * bound); a body under the bound (9,000 keys) is read in time proportional
 * to its bytes; the keys placed at the top level (ignored parameters) and
 * inside variables alike. Also what a WebSocket payload takes (gw_params_from_object, then
 * gw_params_copy out of the scratch arena, which is then freed).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec/exec.h"
#include "test.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A request body with n filler keys: at the top level when `top`, else
 * inside "variables". malloc'd; *len its length. */
static char *body(size_t n, bool top, size_t *len)
{
    gql_buf_t b = GQL_BUF_INIT;
    gql_buf_puts(&b, "{\"query\":\"{ __typename }\",");
    gql_buf_puts(&b, top ? "" : "\"variables\":{");
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (size_t i = 0; i < n; i++) /* "wxyz":12, ten bytes a key */
        gql_buf_printf(&b, "\"%c%c%c%c\":%zu,", digits[i / 46656 % 36], digits[i / 1296 % 36], digits[i / 36 % 36],
                       digits[i % 36], 10 + i % 90);
    if (top) {
        gql_buf_puts(&b, "\"variables\":{}}");
    } else {
        b.len--; /* the last comma */
        gql_buf_puts(&b, "}}");
    }
    *len = b.len;
    return b.oom ? NULL : b.data;
}

/* CPU seconds to read `text` `times` times through gw_params_from_json,
 * the best of three tries; *refused: the message when it is refused. */
static double params_time(const char *text, size_t len, int times, char refused[256])
{
    double best = -1;
    refused[0] = '\0';
    for (int trial = 0; trial < 3; trial++) {
        double t0 = cpu_now();
        for (int i = 0; i < times; i++) {
            gql_arena_t *a = gql_arena_new(0, NULL);
            gw_params_t p;
            char msg[256];
            const char *bad = gw_params_from_json(a, text, len, &p, msg, sizeof msg);
            if (bad != NULL)
                snprintf(refused, 256, "%s", bad);
            gql_arena_free(a);
        }
        double t = cpu_now() - t0;
        if (best < 0 || t < best)
            best = t;
    }
    return best;
}

TEST(a_megabyte_of_keys_is_refused_at_the_bound)
{
    for (int top = 0; top <= 1; top++) {
        size_t small_len = 0, mid_len = 0, big_len = 0;
        char *small = body(1000, top, &small_len);
        char *mid = body(9000, top, &mid_len);
        char *big = body(96000, top, &big_len);
        ASSERT(small != NULL && mid != NULL && big != NULL);
        EXPECT(big_len > 900000 && big_len <= 1 << 20);
        char why[256];
        double t_small = params_time(small, small_len, 96, why);
        EXPECT(why[0] == '\0');
        double t_mid = params_time(mid, mid_len, 1, why);
        EXPECT(why[0] == '\0'); /* under the bound: read */
        double t_big = params_time(big, big_len, 1, why);
        EXPECT(strstr(why, "Too many values: more than 10000 in one JSON document") != NULL);
        free(small);
        free(mid);
        free(big);
        fprintf(stderr, "  keys %s: 96 x 1k: %.4f s, 1 x 9k: %.4f s, 1 x 96k (refused): %.4f s\n",
                top ? "at the top" : "in variables", t_small, t_mid, t_big);
        /* linear: 9k keys cost about 9/96 of 96 x 1k; a scanning reader would be ~10 times that */
        EXPECT(t_mid < 3 * t_small);
        /* the refusal stops at the bound: about 10k keys' work, not 96k */
        EXPECT(t_big < 3 * t_small);
    }
}

/* The WebSocket path: parameters read into a scratch arena are copied into
 * the operation's arena; the copy stands alone once the scratch is gone. */
TEST(params_copy_outlives_the_scratch_arena)
{
    const char *msg = "{\"query\":\"query Q($a: [Int]) { x }\",\"operationName\":\"Q\","
                      "\"variables\":{\"a\":[1,2,{\"b\":\"\\u00e9\"}]},\"extensions\":{\"e\":null}}";
    gql_arena_t *scratch = gql_arena_new(0, NULL), *keep = gql_arena_new(0, NULL);
    gql_iv_t v;
    ASSERT_EQ_INT(0, gql_json_parse(scratch, msg, strlen(msg), &v, NULL, 0));
    gw_params_t p, copy;
    ASSERT(gw_params_from_object(&v, &p) == NULL);
    ASSERT_EQ_INT(0, gw_params_copy(keep, &p, &copy));
    gql_buf_t before = GQL_BUF_INIT;
    gql_iv_write_json(p.variables, &before);
    gql_iv_write_json(p.extensions, &before);
    gql_arena_free(scratch);
    gql_buf_t after = GQL_BUF_INIT;
    gql_iv_write_json(copy.variables, &after);
    gql_iv_write_json(copy.extensions, &after);
    ASSERT_EQ_STR(gql_buf_cstr(&before), gql_buf_cstr(&after));
    ASSERT_EQ_STR("Q", copy.operation_name);
    ASSERT_EQ_INT(strlen("query Q($a: [Int]) { x }"), copy.query_len);
    gql_buf_free(&before);
    gql_buf_free(&after);
    gql_arena_free(keep);
}

TEST_MAIN(TEST_ENTRY(a_megabyte_of_keys_is_refused_at_the_bound), TEST_ENTRY(params_copy_outlives_the_scratch_arena))
