/* Unit tests of printer.c. Every expected text here was computed by
 * graphql-js: the golden files data/<name>.printed.graphql are written by
 * `node tests/diff/printer.mjs --write`, which prints the same inputs with
 * graphql-js 17.1's print().
 *
 * The binary also has three printing modes that tests/diff/printer.mjs uses
 * to compare with graphql-js live:
 *   --print FILE          gql_print(gql_parse(FILE))
 *   --print-values FILE   gql_print_value of each record of FILE
 *   --print-strings FILE  gql_print_string (plain, preferring block) and a
 *                         block string value for each record of FILE
 *   --parse-records FILE  for each record of FILE (separated by the byte
 *                         0x1E): "OK <FNV-1a of the printed document>" or
 *                         "<error message> @line:column", one line each
 *                         (newlines in messages written as \n)
 * Records are separated by lines reading "# ---" unless said otherwise. */
#include "ast.h"
#include "helpers.h"

#define SEP "\n# ---\n"

/* Parses `record` as the value of an argument and returns that value. */
static const gql_value_t *parse_value(gql_arena_t *a, const char *record, size_t n)
{
    char *src = gql_arena_printf(a, "{ f(v:\n%.*s\n) }", (int)n, record);
    gql_errors_t e;
    gql_errors_init(&e, a, 1);
    gql_document_t *doc = gql_parse(a, src, strlen(src), NULL, &e);
    if (doc == NULL) {
        fprintf(stderr, "cannot parse value %.*s: %s\n", (int)n, record, e.items[0].message);
        return NULL;
    }
    return doc->definitions[0].selection_set.items[0].args[0].value;
}

/* Writes what the engine prints for `text` in one of the modes (see top). */
static int print_mode(const char *mode, const char *text, size_t len, gql_buf_t *out)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    int rc = 0;
    if (strcmp(mode, "--print") == 0) {
        gql_errors_t e;
        gql_errors_init(&e, a, 1);
        gql_limits_t lim = gql_limits_default();
        lim.max_document_bytes = 0;
        lim.max_tokens = 0;
        gql_document_t *doc = gql_parse(a, text, len, &lim, &e);
        if (doc == NULL) {
            fprintf(stderr, "%s\n", e.items[0].message);
            rc = 1;
        } else {
            gql_print(doc, out);
        }
    } else {
        bool strings = strcmp(mode, "--print-strings") == 0;
        const char *p = text, *end = text + len;
        while (rc == 0 && p < end) {
            const char *q = strstr(p, SEP);
            if (q == NULL)
                q = end;
            const gql_value_t *v = parse_value(a, p, (size_t)(q - p));
            if (v == NULL) {
                rc = 1;
                break;
            }
            if (p != text)
                gql_buf_puts(out, SEP);
            if (strings) {
                gql_print_string(v->str, v->len, false, out);
                gql_buf_puts(out, "\n# -\n");
                gql_print_string(v->str, v->len, true, out);
                gql_buf_puts(out, "\n# -\n");
                gql_value_t block = *v;
                block.block = true;
                gql_print_value(&block, out);
            } else {
                gql_print_value(v, out);
            }
            p = q == end ? end : q + strlen(SEP);
        }
        gql_buf_putc(out, '\n');
    }
    gql_arena_free(a);
    return rc;
}

/* --parse-records: what the parser and printer make of each record. */
static void parse_records(const char *text, size_t len, gql_buf_t *out)
{
    const char *p = text, *end = text + len;
    while (p <= end) {
        const char *q = memchr(p, 0x1E, (size_t)(end - p));
        if (q == NULL)
            q = end;
        gql_arena_t *a = gql_arena_new(0, NULL);
        gql_errors_t e;
        gql_errors_init(&e, a, 1);
        gql_document_t *doc = gql_parse(a, p, (size_t)(q - p), NULL, &e);
        if (doc != NULL) {
            gql_buf_t printed = GQL_BUF_INIT;
            gql_print(doc, &printed);
            uint32_t h = 2166136261u;
            for (size_t i = 0; i < printed.len; i++)
                h = (h ^ (unsigned char)printed.data[i]) * 16777619u;
            gql_buf_printf(out, "OK %08x\n", h);
            gql_buf_free(&printed);
        } else {
            for (const char *m = e.items[0].message; *m; m++) {
                if (*m == '\n')
                    gql_buf_puts(out, "\\n");
                else
                    gql_buf_putc(out, *m);
            }
            if (e.items[0].nlocations)
                gql_buf_printf(out, " @%u:%u", e.items[0].locations[0].line, e.items[0].locations[0].column);
            gql_buf_putc(out, '\n');
        }
        gql_arena_free(a);
        p = q + 1;
    }
}

/* Compares the engine's output for data/<input> with data/<golden>. */
static bool matches_golden(test_state_t *t_, const char *mode, const char *input, const char *golden)
{
    size_t n, gn;
    char *text = th_read_data(input, &n);
    char *expected = th_read_data(golden, &gn);
    bool ok = false;
    if (text == NULL || expected == NULL) {
        FAIL_("cannot read %s or %s (is SOURCE_DIR set?)", input, golden);
    } else {
        gql_buf_t out = GQL_BUF_INIT;
        if (print_mode(mode, text, n, &out) != 0) {
            FAIL_("%s: the engine failed", input);
        } else if (out.len != gn || memcmp(out.data, expected, gn) != 0) {
            /* show the first line that differs */
            const char *a = expected, *b = gql_buf_cstr(&out);
            int line = 1;
            while (*a && *a == *b) {
                line += *a == '\n';
                a++;
                b++;
            }
            while (a > expected && a[-1] != '\n')
                a--, b--;
            FAIL_("%s differs from %s at line %d:\n    graphql-js: %.*s\n    engine:     %.*s", input, golden, line,
                  (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
        } else {
            ok = true;
        }
        gql_buf_free(&out);
    }
    free(text);
    free(expected);
    return ok;
}

TEST(executable_kitchen_sink_matches_graphql_js)
{
    ASSERT(matches_golden(t_, "--print", "kitchen-sink.graphql", "kitchen-sink.printed.graphql"));
}

TEST(type_system_kitchen_sink_matches_graphql_js)
{
    ASSERT(matches_golden(t_, "--print", "schema-kitchen-sink.graphql", "schema-kitchen-sink.printed.graphql"));
}

TEST(values_match_graphql_js)
{
    ASSERT(matches_golden(t_, "--print-values", "values.graphql", "values.printed.graphql"));
}

TEST(strings_match_graphql_js)
{
    ASSERT(matches_golden(t_, "--print-strings", "strings.graphql", "strings.printed.graphql"));
}

/* The golden kitchen sinks are graphql-js's print: parsing and printing them
 * again must give them back unchanged. */
TEST(golden_prints_are_fixed_points)
{
    static const char *const files[] = {"kitchen-sink.printed.graphql", "schema-kitchen-sink.printed.graphql"};
    for (size_t i = 0; i < 2; i++) {
        size_t n;
        char *text = th_read_data(files[i], &n);
        ASSERT(text != NULL);
        gql_buf_t out = GQL_BUF_INIT;
        ASSERT_EQ_INT(0, print_mode("--print", text, n, &out));
        ASSERT_EQ_STR(text, gql_buf_cstr(&out));
        gql_buf_free(&out);
        free(text);
    }
}

/* Type references print as they are written, which the parser makes the
 * canonical form (no white space). */
TEST(type_refs_round_trip)
{
    static const char *const types[] = {"Int", "Int!", "[Int]", "[Int!]!", "[[String]!]", "[[[ID!]!]!]!"};
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_buf_t b = GQL_BUF_INIT;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        char *src = gql_arena_printf(a, "query ($v: %s) { a }", types[i]);
        gql_errors_t e;
        gql_errors_init(&e, a, 1);
        gql_document_t *doc = gql_parse(a, src, strlen(src), NULL, &e);
        ASSERT(doc != NULL);
        b.len = 0;
        gql_print_type_ref(doc->definitions[0].variables[0].type, &b);
        ASSERT_EQ_STR(types[i], gql_buf_cstr(&b));
    }
    gql_buf_free(&b);
    gql_arena_free(a);
}

/* Printing appends to what the buffer holds, and an empty document prints
 * nothing. */
TEST(appends_to_the_buffer)
{
    gql_arena_t *a = gql_arena_new(0, NULL);
    gql_buf_t b = GQL_BUF_INIT;
    gql_buf_puts(&b, "x=");
    const gql_value_t *v = parse_value(a, "[1]", 3);
    ASSERT(v != NULL);
    gql_print_value(v, &b);
    v = parse_value(a, "2", 1);
    gql_print_value(v, &b);
    ASSERT_EQ_STR("x=[1]2", gql_buf_cstr(&b));
    gql_document_t empty = {0};
    gql_print(&empty, &b);
    gql_print(NULL, &b);
    ASSERT_EQ_INT(6, b.len);
    gql_buf_free(&b);
    gql_arena_free(a);
}

static const test_entry_t tests[] = {
    TEST_ENTRY(executable_kitchen_sink_matches_graphql_js),
    TEST_ENTRY(type_system_kitchen_sink_matches_graphql_js),
    TEST_ENTRY(values_match_graphql_js),
    TEST_ENTRY(strings_match_graphql_js),
    TEST_ENTRY(golden_prints_are_fixed_points),
    TEST_ENTRY(type_refs_round_trip),
    TEST_ENTRY(appends_to_the_buffer),
};

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--parse-records") == 0) {
        size_t n;
        char *text = th_read_file(argv[2], &n);
        if (text == NULL) {
            fprintf(stderr, "cannot read %s\n", argv[2]);
            return 2;
        }
        gql_buf_t out = GQL_BUF_INIT;
        parse_records(text, n, &out);
        fwrite(out.data, 1, out.len, stdout);
        gql_buf_free(&out);
        free(text);
        return 0;
    }
    if (argc == 3 && strncmp(argv[1], "--print", 7) == 0) {
        size_t n;
        char *text = th_read_file(argv[2], &n);
        if (text == NULL) {
            fprintf(stderr, "cannot read %s\n", argv[2]);
            return 2;
        }
        gql_buf_t out = GQL_BUF_INIT;
        int rc = print_mode(argv[1], text, n, &out);
        if (rc == 0)
            fwrite(out.data, 1, out.len, stdout);
        gql_buf_free(&out);
        free(text);
        return rc;
    }
    return test_run_all(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
