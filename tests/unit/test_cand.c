/* The candidate screen's numbers, the Lua score, and the candidates file round trip. */
#include "cand/cand_file.h"
#include "tbtest.h"

#include <unistd.h>

#define NS 1000000000LL

static tb_bar minute(tb_date d, int min, uint32_t sym, double o, double h, double l, double c,
                     double v)
{
    tb_bar b = {.start_ns = tb_cal_local_to_ns(d, 9 * 3600 + 1800 + min * 60),
                .open = o,
                .high = h,
                .low = l,
                .close = c,
                .volume = v,
                .tf_sec = 60,
                .sym = sym};
    return b;
}

TEST(screen_computes_gap_relative_volume_atr_and_dollar_volume)
{
    tb_symtab syms;
    tb_symtab_init(&syms);
    tb_err e;
    tb_symtab_intern(&syms, "ACME", &e);
    tb_symtab_intern(&syms, "VIX", &e);
    tb_date d1 = tb_date_from_ymd(2026, 3, 4), d2 = d1 + 1, d3 = d1 + 2;
    tb_bar bars[] = {
        minute(d1, 0, 0, 100, 102, 99, 101, 1000), minute(d1, 1, 0, 101, 104, 100, 100, 1000),
        minute(d1, 0, 1, 20, 20, 20, 20, 1),       minute(d2, 0, 0, 100, 101, 96, 98, 3000),
        minute(d2, 1, 0, 98, 99, 97, 98, 1000),    minute(d3, 0, 0, 107.8, 108, 107, 107.5, 500),
    };
    tb_cand c[4];
    int n = tb_screen_features(bars, sizeof bars / sizeof bars[0], &syms, d3, c, 4);
    CHECK_INT(n, 1); /* VIX is not a candidate */
    CHECK_STR(c[0].symbol, "ACME");
    CHECK_NEAR(c[0].prev_close, 98, 1e-12);
    CHECK_NEAR(c[0].price, 107.8, 1e-12);
    CHECK_NEAR(c[0].gap_pct, 10.0, 1e-9);            /* 107.8 / 98 - 1 */
    CHECK_NEAR(c[0].rel_volume, 2.0, 1e-12);         /* 4000 over 2000 */
    CHECK_NEAR(c[0].atr_pct, 5.0 / 98 * 100, 1e-12); /* max(101,100) - min(96,100) = 5 */
    CHECK_NEAR(c[0].dollar_volume, (98 * 4000.0 + 100 * 2000.0) / 2, 1e-9);
    tb_cand_bounds b = {.min_price = 5, .max_price = 100, .max_atr_pct = 100, .min_sessions = 2};
    CHECK(!tb_screen_pass(&c[0], &b)); /* over max_price */
    b.max_price = 1000;
    CHECK(tb_screen_pass(&c[0], &b));
    tb_symtab_free(&syms);
}

TEST(score_components_come_from_lua_and_the_file_round_trips)
{
    char dir[] = "/tmp/tb-cand-XXXXXX", script[64], csv[64];
    if (!mkdtemp(dir)) TBT_FAIL("mkdtemp");
    snprintf(script, sizeof script, "%s/candidates.lua", dir);
    snprintf(csv, sizeof csv, "%s/top.csv", dir);
    FILE *f = fopen(script, "w");
    fputs("return { top = 2, bounds = { min_price = 5 }, components = { 'gap', 'vol' },\n"
          "  score = function(c) return { gap = math.abs(c.gap_pct), vol = c.rel_volume } end }\n",
          f);
    fclose(f);
    tb_scorer s;
    tb_err e;
    CHECK_INT(tb_scorer_open(&s, script, "scripts/candidates.lua", &e), 0);
    CHECK_INT(s.top, 2);
    CHECK_NEAR(s.bounds.min_price, 5, 0);
    tb_cand_set *set = calloc(1, sizeof *set);
    set->date = tb_date_from_ymd(2026, 3, 9);
    snprintf(set->generated_at, sizeof set->generated_at, "2026-03-09T12:59:00.000Z");
    set->n = 1;
    tb_cand *c = &set->c[0];
    snprintf(c->symbol, sizeof c->symbol, "ACME");
    c->price = 107.8, c->gap_pct = -10, c->rel_volume = 2, c->atr_pct = 5, c->dollar_volume = 3e5;
    CHECK_INT(tb_scorer_score(&s, c, &e), 0);
    CHECK_NEAR(c->comp[0], 10, 0);
    CHECK_NEAR(c->comp[1], 2, 0);
    CHECK_NEAR(c->score, 12, 0);
    CHECK_INT(tb_cand_write(csv, set, &s, &e), 0);
    char line[512];
    f = fopen(csv, "r");
    CHECK(fgets(line, sizeof line, f) != NULL);
    CHECK_STR(line, "generated_at,date,rank,symbol,score,price,gap_pct,rel_volume,atr_pct,"
                    "dollar_volume,score_gap,score_vol\n");
    CHECK(fgets(line, sizeof line, f) != NULL);
    CHECK_STR(line, "2026-03-09T12:59:00.000Z,2026-03-09,1,ACME,12.0000,107.80,-10.000,2.000,"
                    "5.000,300000,10.0000,2.0000\n");
    fclose(f);
    tb_cand_set *back = calloc(1, sizeof *back);
    CHECK_INT(tb_cand_read(csv, back, &e), 0);
    CHECK_INT(back->n, 1);
    CHECK_STR(back->c[0].symbol, "ACME");
    CHECK_INT(back->date, set->date);
    CHECK_NEAR(back->c[0].score, 12, 0);
    f = fopen(csv, "w");
    fputs("symbol,score\nACME,1\n", f);
    fclose(f);
    CHECK_INT(tb_cand_read(csv, back, &e), -1);
    CHECK_CONTAINS(e.msg, "not a candidates file");
    f = fopen(script, "w");
    fputs("return { components = { 'gap' }, score = function(c) return { gap = 'x' } end }\n", f);
    fclose(f);
    tb_scorer_close(&s);
    CHECK_INT(tb_scorer_open(&s, script, "scripts/candidates.lua", &e), 0);
    CHECK_INT(tb_scorer_score(&s, c, &e), -1);
    CHECK_CONTAINS(e.msg, "score(ACME) gave no number for component \"gap\"");
    tb_scorer_close(&s);
    free(set), free(back);
    unlink(script), unlink(csv), rmdir(dir);
}

TEST(bad_candidate_rows_are_refused_with_file_line_and_the_rest_load)
{
    char dir[] = "/tmp/tb-cand-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char csv[256];
    snprintf(csv, sizeof csv, "%s/top.csv", dir);
    FILE *f = fopen(csv, "w");
    fputs("generated_at,date,rank,symbol,score,price,gap_pct,rel_volume,atr_pct,dollar_volume\n"
          "2026-03-09T12:59:00Z,2026-03-09,1,ACME,1.5,107.80,-1,2,5,300000\n"
          "2026-03-09T12:59:00Z,2026-03-09,2,BETA,,50.00,1,2,5,300000\n"      /* line 3 */
          "2026-03-09T12:59:00Z,2026-03-09,3,GAMA,nan,50.00,1,2,5,300000\n"   /* line 4 */
          "2026-03-09T12:59:00Z,2026-03-09,4,DELT,1.2,-5.00,1,2,5,300000\n"   /* line 5 */
          "2026-03-09T12:59:00Z,2026-03-09,5,x;rm,1.2,5.00,1,2,5,300000\n"    /* line 6 */
          "2026-03-09T12:59:00Z,2026-03-09,6,EPSI,1.2,5.00,1,2,5\n"           /* line 7 */
          "2026-03-09T12:59:00Z,2026-03-09,7,ZETA,0.9,12.5abc,1,2,5,300000\n" /* line 8 */
          "2026-03-09T12:59:00Z,2026-03-09,8,BRK.B,0.8,412.00,1,2,5,300000\n",
          f);
    fclose(f);
    tb_cand_set *set = calloc(1, sizeof *set);
    tb_err e;
    CHECK_INT(tb_cand_read(csv, set, &e), 0);
    CHECK_INT(set->n, 2);
    CHECK_STR(set->c[0].symbol, "ACME");
    CHECK_STR(set->c[1].symbol, "BRK.B");
    CHECK_INT(set->nbad, 6);
    CHECK_CONTAINS(set->bad[0], "top.csv:3: score '' is not a number");
    CHECK_CONTAINS(set->bad[1], "top.csv:4: score 'nan' is not a number");
    CHECK_CONTAINS(set->bad[2], "top.csv:5: price -5.00 is below 0");
    CHECK_CONTAINS(set->bad[3], "top.csv:6: symbol 'x;rm' is not a ticker");
    CHECK_CONTAINS(set->bad[4], "top.csv:7: 9 fields, the header has 10");
    CHECK_CONTAINS(set->bad[5], "top.csv:8: price '12.5abc' is not a number");
    free(set);
    unlink(csv), rmdir(dir);
}

TEST(splitting_a_candidate_row_keeps_empty_fields_in_place)
{
    char line[] = "a,,c,\r\n";
    char *f[8];
    CHECK_INT(tb_cand_split(line, f, 8), 4);
    CHECK_STR(f[0], "a");
    CHECK_STR(f[1], "");
    CHECK_STR(f[2], "c");
    CHECK_STR(f[3], "");
}
