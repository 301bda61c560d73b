/* Ids built by util/idfmt.h are snprintf's, byte for byte, truncation included. */
#include "tbtest.h"
#include "util/idfmt.h"

#include <limits.h>
#include <stdint.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL; /* fixed seed: a failure replays */

static uint64_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

static void random_text(char *s, size_t max)
{
    size_t n = next() % max;
    for (size_t i = 0; i < n; i++) s[i] = (char)(' ' + next() % 95);
    s[n] = '\0';
}

static long long random_ll(void)
{
    switch (next() % 6) {
    case 0: return LLONG_MIN;
    case 1: return LLONG_MAX;
    case 2: return -(long long)(next() % 100000);
    case 3: return (long long)(next() % 100);
    default: return (long long)next();
    }
}

TEST(order_ids_match_snprintf_for_random_values_and_every_truncation)
{
    for (int i = 0; i < 200000; i++) {
        char a[40], s[16], want[96], got[96];
        random_text(a, sizeof a);
        random_text(s, sizeof s);
        int day = (int)random_ll();
        long long seq = random_ll();
        uint64_t h = next();
        size_t cap = 1 + next() % 95;
        tb_idbuf b;
        tb_idbuf_init(&b, got, cap);
        if (i % 2) {
            snprintf(want, cap, "tb-%s-%s-%08d-%lld", a, s, day, seq);
            tb_idbuf_str(&b, "tb-");
            tb_idbuf_str(&b, a);
            tb_idbuf_str(&b, "-");
            tb_idbuf_str(&b, s);
            tb_idbuf_str(&b, "-");
            tb_idbuf_dec(&b, day, 8);
            tb_idbuf_str(&b, "-");
            tb_idbuf_dec(&b, seq, 0);
        } else {
            snprintf(want, cap, "px-%016llx-%lld", (unsigned long long)h, seq);
            tb_idbuf_str(&b, "px-");
            tb_idbuf_hex16(&b, h);
            tb_idbuf_str(&b, "-");
            tb_idbuf_dec(&b, seq, 0);
        }
        if (strcmp(want, got) != 0) {
            TBT_FAIL("case %d cap %zu: \"%s\", snprintf \"%s\"", i, cap, got, want);
            break;
        }
    }
}
