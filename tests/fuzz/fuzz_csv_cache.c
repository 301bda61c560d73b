/*
 * fuzz_csv_cache: libFuzzer target for the CSV column cache reader (tb_csv_cache_check), which
 * decides whether a file found in DIR/.tradebot-cache/ is used. The first input byte picks
 * whether the rest is taken as it is (the checksums must then refuse almost everything) or
 * resealed first (its checksums recomputed, as a forger or a bug in the writer would leave it),
 * so the checks of the content behind the checksums are reached too. Any input must be accepted
 * or refused with a reason, never crash or read outside the buffer; what is accepted must be
 * bars the parser could have given: valid prices, known symbols, strictly ordered.
 */
#include "data/csv_cache.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t len = size - 1;
    void *img = malloc(len ? len : 1); /* malloc's alignment, as the loader reads into */
    if (!img) return 0;
    memcpy(img, data + 1, len);
    if ((data[0] & 1) && len >= 160) tb_csv_cache_seal(img, len);
    tb_csv_file f;
    char why[160];
    memset(&f, 0, sizeof f);
    if (tb_csv_cache_check(img, len, NULL, 0, "fuzz.csv", &f, why, sizeof why) == 0) {
        if (f.rep.accepted != f.n || f.rep.nmsgs > TB_CSV_MAX_MSGS) abort();
        for (size_t i = 0; i < f.n; i++) {
            tb_bar b;
            tb_csv_file_bar(&f, i, f.sym[i], &b);
            if (!tb_bar_valid(&b) || f.sym[i] >= f.nsyms || !(b.vwap > 0) || b.trades < 0) abort();
            if (i && (b.start_ns < f.start_ns[i - 1] ||
                      (b.start_ns == f.start_ns[i - 1] && f.sym[i] <= f.sym[i - 1])))
                abort();
        }
        for (uint32_t k = 0; k < f.nsyms; k++)
            if (strlen(f.syms[k]) == 0 || strlen(f.syms[k]) > TB_SYM_MAX_LEN) abort();
    } else if (!why[0]) {
        abort(); /* a refusal always says why */
    }
    free(img);
    return 0;
}
