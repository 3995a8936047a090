/*
 * test.h — the unit tests' few macros. A test file defines test functions
 * with TEST(name), lists them in TEST_LIST, and main() runs them all:
 *
 *     TEST(lexer_names) { ASSERT_EQ_INT(1, 1); }
 *     TEST_MAIN(TEST_ENTRY(lexer_names))
 *
 * A failed assertion prints file:line and the values, and marks the test
 * failed; the run ends with "N passed, N failed" and exits non-zero on any
 * failure.
 */
#ifndef GW_TEST_H
#define GW_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct test_state {
    int failed; /* assertions failed in the current test */
} test_state_t;

#define TEST(name) static void test_##name(test_state_t *t_)
#define TEST_ENTRY(name)                                                                                               \
    {                                                                                                                  \
#name, test_##name                                                                                             \
    }

#define FAIL_(...)                                                                                                     \
    do {                                                                                                               \
        fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                                                              \
        fprintf(stderr, __VA_ARGS__);                                                                                  \
        fputc('\n', stderr);                                                                                           \
        t_->failed++;                                                                                                  \
    } while (0)

#define ASSERT(cond)                                                                                                   \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            FAIL_("assertion failed: %s", #cond);                                                                      \
            return;                                                                                                    \
        }                                                                                                              \
    } while (0)

#define EXPECT(cond)                                                                                                   \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            FAIL_("expectation failed: %s", #cond);                                                                    \
    } while (0)

#define ASSERT_EQ_INT(expected, actual)                                                                                \
    do {                                                                                                               \
        long long e_ = (long long)(expected), a_ = (long long)(actual);                                                \
        if (e_ != a_) {                                                                                                \
            FAIL_("%s == %s: expected %lld, got %lld", #expected, #actual, e_, a_);                                    \
            return;                                                                                                    \
        }                                                                                                              \
    } while (0)

#define ASSERT_EQ_STR(expected, actual)                                                                                \
    do {                                                                                                               \
        const char *e_ = (expected), *a_ = (actual);                                                                   \
        if (e_ == NULL || a_ == NULL || strcmp(e_, a_) != 0) {                                                         \
            FAIL_("%s == %s:\n    expected: %s\n    actual:   %s", #expected, #actual, e_ ? e_ : "(null)",             \
                  a_ ? a_ : "(null)");                                                                                 \
            return;                                                                                                    \
        }                                                                                                              \
    } while (0)

typedef struct test_entry {
    const char *name;
    void (*fn)(test_state_t *);
} test_entry_t;

static inline int test_run_all(const test_entry_t *tests, size_t n, int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (argc > 1 && strstr(tests[i].name, argv[1]) == NULL)
            continue;
        test_state_t st = {0};
        tests[i].fn(&st);
        if (st.failed) {
            failed++;
            fprintf(stderr, "FAIL %s\n", tests[i].name);
        } else {
            passed++;
            printf("ok   %s\n", tests[i].name);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#define TEST_MAIN(...)                                                                                                 \
    int main(int argc, char **argv)                                                                                    \
    {                                                                                                                  \
        static const test_entry_t tests_[] = {__VA_ARGS__};                                                            \
        return test_run_all(tests_, sizeof(tests_) / sizeof(tests_[0]), argc, argv);                                   \
    }

#endif
