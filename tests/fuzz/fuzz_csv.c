/*
 * fuzz_csv: libFuzzer target for the CSV bar reader (tb_csv_parse), the parser every
 * `tradebot data import` file goes through. The first input byte picks the policy (skip or
 * reject), whether the symbol comes from the options, and the timeframe (inferred or given), so
 * every path is reached. Any input must give 0 or -1, never a crash, a leak or undefined
 * behaviour; the invariants a user relies on are checked too: accepted bars are valid and
 * counted, and a rejected file adds nothing.
 */
#include "data/csv.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t mode = data[0];
    static const int tfs[] = {0, 60, 300, 86400};
    tb_csv_opts o = {.policy = (mode & 1) ? TB_CSV_REJECT : TB_CSV_SKIP,
                     .tf_sec = tfs[(mode >> 2) & 3],
                     .symbol = (mode & 2) ? "FUZZ" : NULL};
    tb_symtab syms;
    tb_symtab_init(&syms);
    tb_bar_vec out = {0};
    tb_csv_report rep;
    tb_err e;
    int rc = tb_csv_parse((const char *)data + 1, size - 1, "fuzz.csv", &o, &syms, &out, &rep, &e);
    if (rc != 0 && rc != -1) abort();
    if (rc == 0 && out.n != rep.accepted) abort();
    if (rc == -1 && out.n != 0) abort(); /* reject or no header: nothing added */
    for (size_t i = 0; i < out.n; i++)
        if (!tb_bar_valid(&out.v[i]) || out.v[i].sym >= syms.n) abort();
    tb_bar_vec_free(&out);
    tb_symtab_free(&syms);
    return 0;
}
