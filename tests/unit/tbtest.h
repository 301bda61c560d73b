/*
 * tbtest.h - the smallest unit-test harness that does what we need.
 *
 * TEST(name) { ... } registers a test (the name says the behaviour); CHECK* record failures with
 * file and line and go on; main() runs every test and ends with one plain "N passed, N failed"
 * line, which ctest and CI read. Include it in exactly one .c file per test executable.
 */
#ifndef TBTEST_H
#define TBTEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*tbt_fn)(void);
struct tbt_case {
    const char *name;
    tbt_fn fn;
};

static struct tbt_case tbt_cases[512];
static int tbt_ncases;
static int tbt_failed_checks;

#define TEST(tname)                                                                                \
    static void tbt_##tname(void);                                                                 \
    __attribute__((constructor)) static void tbt_reg_##tname(void)                                 \
    {                                                                                              \
        tbt_cases[tbt_ncases].name = #tname;                                                       \
        tbt_cases[tbt_ncases++].fn = tbt_##tname;                                                  \
    }                                                                                              \
    static void tbt_##tname(void)

#define TBT_FAIL(...)                                                                              \
    do {                                                                                           \
        tbt_failed_checks++;                                                                       \
        fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                                          \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
    } while (0)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) TBT_FAIL("CHECK(%s) failed", #cond);                                          \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long tbt_a = (long long)(a), tbt_b = (long long)(b);                                  \
        if (tbt_a != tbt_b) TBT_FAIL("%s == %lld, expected %s == %lld", #a, tbt_a, #b, tbt_b);     \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *tbt_a = (a), *tbt_b = (b);                                                     \
        if (!tbt_a || !tbt_b || strcmp(tbt_a, tbt_b) != 0)                                         \
            TBT_FAIL("%s == \"%s\", expected \"%s\"", #a, tbt_a ? tbt_a : "(null)",                \
                     tbt_b ? tbt_b : "(null)");                                                    \
    } while (0)

/* The first 64 KiB of a file (a log) as a string, "" when it cannot be read; one buffer, reused. */
static inline const char *tbt_read_file(const char *path)
{
    static char buf[1 << 16];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = '\0';
    return buf;
}

#define CHECK_CONTAINS(hay, needle)                                                                \
    do {                                                                                           \
        const char *tbt_h = (hay), *tbt_n = (needle);                                              \
        if (!tbt_h || !strstr(tbt_h, tbt_n))                                                       \
            TBT_FAIL("%s does not contain \"%s\": \"%s\"", #hay, tbt_n, tbt_h ? tbt_h : "(null)"); \
    } while (0)

/* Relative tolerance, with NaN equal to NaN (leading undefined values of indicators). */
#define CHECK_NEAR(a, b, rel)                                                                      \
    do {                                                                                           \
        double tbt_a = (a), tbt_b = (b);                                                           \
        int tbt_ok = (isnan(tbt_a) && isnan(tbt_b)) ||                                             \
                     fabs(tbt_a - tbt_b) <= (rel)*fmax(1.0, fmax(fabs(tbt_a), fabs(tbt_b)));       \
        if (!tbt_ok) TBT_FAIL("%s == %.12g, expected %.12g", #a, tbt_a, tbt_b);                    \
    } while (0)

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (int i = 0; i < tbt_ncases; i++) {
        if (argc > 1 && !strstr(tbt_cases[i].name, argv[1])) continue;
        int before = tbt_failed_checks;
        tbt_cases[i].fn();
        if (tbt_failed_checks == before) {
            passed++;
            printf("ok   %s\n", tbt_cases[i].name);
        } else {
            failed++;
            printf("FAIL %s\n", tbt_cases[i].name);
        }
        fflush(stdout);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : (passed ? 0 : 1);
}

#endif
