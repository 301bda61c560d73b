/*
 * test_ind_set.c - the per-symbol indicator set gives the same values as the indicators run one
 * by one, resets VWAP on a new session, rejects bad bars whole, and flags stale data. Also the
 * hand-computed VWAP and relative-volume cases (no TA-Lib equivalent).
 */
#include "tbtest.h"
#include "ind_testutil.h"
#include "ind/ind_set.h"

static void batch_of(const char *name, const double *opt, const struct series *s, struct outs *o)
{
    const ind_info *ind = ind_find(name);
    const double *in[IND_MAX_IO];
    for (int k = 0; k < ind->ninputs; k++) in[k] = series_input(s, ind->inputs[k]);
    CHECK_INT(ind->batch(s->n, in, opt, o->a), 0);
}

/* Bars of a random walk through a set with these params against each indicator's batch run with
 * the same params, value by value (bit for bit; NaN where both are NaN). Returns the mismatches. */
static int set_mismatches(const ind_set_params *p, int n, uint64_t seed)
{
    struct series s = series_random(n, seed, 0.0);
    ind_set *set = ind_set_new(p);
    CHECK(set != NULL);
    if (!set) return -1;
    struct {
        const char *ind;
        double opt[3];
        int out;
        const char *value;
    } map[] = {{"sma", {p->sma}, 0, "sma"},
               {"ema", {p->ema}, 0, "ema"},
               {"rsi", {p->rsi}, 0, "rsi"},
               {"macd", {p->macd_fast, p->macd_slow, p->macd_signal}, 0, "macd"},
               {"macd", {p->macd_fast, p->macd_slow, p->macd_signal}, 1, "macd_signal"},
               {"macd", {p->macd_fast, p->macd_slow, p->macd_signal}, 2, "macd_hist"},
               {"atr", {p->atr}, 0, "atr"},
               {"bbands", {p->bb_period, p->bb_stddev}, 0, "bb_upper"},
               {"bbands", {p->bb_period, p->bb_stddev}, 1, "bb_middle"},
               {"bbands", {p->bb_period, p->bb_stddev}, 2, "bb_lower"},
               {"stoch", {p->stoch_k, p->stoch_kslow, p->stoch_d}, 0, "stoch_k"},
               {"stoch", {p->stoch_k, p->stoch_kslow, p->stoch_d}, 1, "stoch_d"},
               {"adx", {p->adx}, 0, "adx"},
               {"adx", {p->adx}, 1, "plus_di"},
               {"adx", {p->adx}, 2, "minus_di"},
               {"obv", {0}, 0, "obv"},
               {"vwap", {0}, 0, "vwap"},
               {"roc", {p->roc}, 0, "roc"},
               {"relvol", {p->relvol}, 0, "relvol"}};
    int nmap = sizeof map / sizeof map[0];
    CHECK_INT(nmap, IND_SET_NVALUES);
    struct outs o[IND_SET_NVALUES];
    for (int m = 0; m < nmap; m++) {
        o[m] = outs_new(n);
        batch_of(map[m].ind, map[m].opt, &s, &o[m]);
    }
    int bad = 0;
    for (int i = 0; i < n; i++) {
        CHECK(ind_set_update(set, s.close[i], s.high[i], s.low[i], s.close[i], s.volume[i],
                             s.session[i]) >= 0);
        for (int m = 0; m < nmap; m++) {
            int id = ind_set_find(map[m].value);
            double want = o[m].a[map[m].out][i], got = ind_set_get(set, id);
            if (!(isnan(want) && isnan(got)) && memcmp(&want, &got, sizeof want) && bad++ < 5)
                TBT_FAIL("%s bar %d: set %.17g, %s alone %.17g", map[m].value, i, got, map[m].ind,
                         want);
        }
    }
    CHECK_INT(ind_set_bars(set), n);
    for (int m = 0; m < nmap; m++) outs_free(&o[m]);
    ind_set_free(set);
    series_free(&s);
    return bad;
}

TEST(set_values_equal_individual_indicators)
{
    ind_set_params p;
    ind_set_defaults(&p);
    CHECK_INT(set_mismatches(&p, 400, 99), 0);
}

/* The set keeps one ring of closes for the SMA, the Bollinger Bands and the ROC, as long as the
 * longest of them needs: each must still read its own period's close, whichever is longest, with
 * periods of 1 (the bar itself leaves), equal periods and the ROC one longer than the ring the
 * others need. */
TEST(set_shared_close_ring_serves_every_period)
{
    const int periods[][3] = {{20, 20, 10}, {5, 30, 40}, {40, 2, 1},  {1, 7, 3},
                              {3, 3, 3},    {9, 9, 9},   {2, 50, 49}, {60, 2, 60}};
    for (size_t k = 0; k < sizeof periods / sizeof periods[0]; k++) {
        ind_set_params p;
        ind_set_defaults(&p);
        p.sma = periods[k][0], p.bb_period = periods[k][1], p.roc = periods[k][2];
        p.relvol = 1 + (int)k * 7, p.stoch_k = 1 + (int)k * 5, p.stoch_kslow = 1 + (int)k % 3;
        if (set_mismatches(&p, 300, 7 + k))
            TBT_FAIL("sma %d, bbands %d, roc %d", p.sma, p.bb_period, p.roc);
    }
}

/* Once every indicator is past its warm-up the set runs their ready steps alone: that must not
 * start before the slowest indicator is ready, whichever it is. Each period-bearing indicator in
 * turn gets a long period while the others warm up in a few bars. */
TEST(set_values_equal_individual_indicators_whichever_warms_up_last)
{
    for (int k = 0; k < 10; k++) {
        ind_set_params p = {.sma = 2,
                            .ema = 2,
                            .rsi = 2,
                            .macd_fast = 2,
                            .macd_slow = 3,
                            .macd_signal = 1,
                            .atr = 2,
                            .bb_period = 2,
                            .bb_stddev = 2.0,
                            .stoch_k = 2,
                            .stoch_kslow = 1,
                            .stoch_d = 1,
                            .adx = 2,
                            .roc = 1,
                            .relvol = 1,
                            .stale_cycles = 5};
        switch (k) {
        case 0: p.sma = 40; break;
        case 1: p.ema = 40; break;
        case 2: p.rsi = 40; break;
        case 3: p.macd_slow = 30; break;
        case 4: p.macd_signal = 30; break;
        case 5: p.atr = 40; break;
        case 6: p.bb_period = 40; break;
        case 7: p.stoch_k = 20, p.stoch_kslow = 10, p.stoch_d = 10; break;
        case 8: p.adx = 20; break;
        default: p.roc = 40, p.relvol = 41; break;
        }
        if (set_mismatches(&p, 200, 31 + k)) TBT_FAIL("case %d", k);
    }
}

TEST(set_rejects_a_bar_with_nan_and_keeps_going)
{
    ind_set_params p;
    ind_set_defaults(&p);
    ind_set *a = ind_set_new(&p), *b = ind_set_new(&p);
    struct series s = series_random(100, 5, 0.0);
    for (int i = 0; i < 100; i++) {
        ind_set_update(a, s.close[i], s.high[i], s.low[i], s.close[i], s.volume[i], 1);
        ind_set_update(b, s.close[i], s.high[i], s.low[i], s.close[i], s.volume[i], 1);
        if (i == 50) CHECK_INT(ind_set_update(b, 1, 2, 0.5, NAN, 100, 1), IND_EINPUT);
    }
    CHECK_INT(ind_set_rejected(b), 1);
    for (int v = 0; v < IND_SET_NVALUES; v++) CHECK(ind_set_get(a, v) == ind_set_get(b, v));
    ind_set_free(a);
    ind_set_free(b);
    series_free(&s);
}

/* Every one of the six arguments is checked, for NaN and both infinities, and extreme finite
 * values are not refused. */
TEST(set_rejects_non_finite_in_any_argument)
{
    ind_set_params p;
    ind_set_defaults(&p);
    ind_set *set = ind_set_new(&p);
    const double bad[3] = {NAN, INFINITY, -INFINITY};
    unsigned long want = 0;
    for (int arg = 0; arg < 6; arg++)
        for (int k = 0; k < 3; k++) {
            double a[6] = {10, 11, 9, 10, 500, 1};
            a[arg] = bad[k];
            CHECK_INT(ind_set_update(set, a[0], a[1], a[2], a[3], a[4], a[5]), IND_EINPUT);
            CHECK_INT(ind_set_rejected(set), ++want);
        }
    CHECK_INT(ind_set_bars(set), 0);
    CHECK(ind_set_update(set, 1e308, 1.7e308, 1e-308, 1e308, 1.7e308, -1.7e308) >= 0);
    CHECK_INT(ind_set_rejected(set), want);
    CHECK_INT(ind_set_bars(set), 1);
    ind_set_free(set);
}

TEST(set_accessors_by_name)
{
    CHECK_INT(ind_set_find("rsi"), IND_SET_RSI);
    CHECK_INT(ind_set_find("bb_lower"), IND_SET_BB_LOWER);
    CHECK_INT(ind_set_find("bogus"), -1);
    CHECK_STR(ind_set_name(IND_SET_RELVOL), "relvol");
    ind_set_params p;
    ind_set_defaults(&p);
    p.rsi = 1; /* below RSI's minimum of 2 */
    CHECK(ind_set_new(&p) == NULL);
    CHECK(ind_set_size(&p) == 0);
}

TEST(vwap_resets_on_new_session_hand_computed)
{
    ind_set_params p;
    ind_set_defaults(&p);
    ind_set *set = ind_set_new(&p);
    /* typical prices 10, 13, then 20 in a new session */
    ind_set_update(set, 10, 11, 9, 10, 100, 20240102);
    CHECK_NEAR(ind_set_get(set, IND_SET_VWAP), 10.0, 1e-15);
    ind_set_update(set, 10, 14, 12, 13, 300, 20240102);
    CHECK_NEAR(ind_set_get(set, IND_SET_VWAP), (10.0 * 100 + 13.0 * 300) / 400, 1e-15);
    ind_set_update(set, 20, 21, 19, 20, 50, 20240103);
    CHECK_NEAR(ind_set_get(set, IND_SET_VWAP), 20.0, 1e-15);
    ind_set_free(set);
}

TEST(vwap_before_any_volume_is_typical_price)
{
    double h[2] = {12, 30}, l[2] = {9, 27}, c[2] = {9, 30}, v[2] = {0, 0}, s[2] = {1, 1}, o[2];
    const double *in[5] = {h, l, c, v, s};
    double *out[1] = {o};
    CHECK_INT(ind_vwap(2, in, NULL, out), 0);
    CHECK_NEAR(o[0], 10.0, 1e-15);
    CHECK_NEAR(o[1], 29.0, 1e-15);
}

TEST(relvol_is_volume_over_mean_of_previous_bars_hand_computed)
{
    double v[5] = {100, 200, 300, 600, 0}, o[5], opt[1] = {3};
    const double *in[1] = {v};
    double *out[1] = {o};
    CHECK_INT(ind_relvol(5, in, opt, out), 0);
    CHECK(isnan(o[0]) && isnan(o[1]) && isnan(o[2]));
    CHECK_NEAR(o[3], 3.0, 1e-15); /* 600 / mean(100,200,300) */
    CHECK_NEAR(o[4], 0.0, 1e-15); /* 0 / mean(200,300,600) */
    double z[4] = {0, 0, 5, 7}, oz[4];
    in[0] = z;
    out[0] = oz;
    opt[0] = 2;
    CHECK_INT(ind_relvol(4, in, opt, out), 0);
    CHECK_NEAR(oz[2], 0.0, 1e-15); /* mean 0: reported as 0, not inf */
    CHECK_NEAR(oz[3], 7.0 / 2.5, 1e-15);
}

TEST(stale_flags_repeated_bars_after_configured_cycles_and_counts_episodes)
{
    ind_stale s;
    ind_stale_init(&s, 3);
    double bar[5] = {1, 2, 0.5, 1.5, 100}, val[2] = {50, 0.1};
    CHECK_INT(ind_stale_check(&s, bar, 5, val, 2), 0);
    val[0] = 51;
    CHECK_INT(ind_stale_check(&s, bar, 5, val, 2), 0); /* bar repeated once */
    val[0] = 52;
    CHECK_INT(ind_stale_check(&s, bar, 5, val, 2), 0); /* twice */
    val[0] = 53;
    CHECK_INT(ind_stale_check(&s, bar, 5, val, 2), IND_STALE_BARS); /* three times */
    CHECK_INT(s.episodes, 1);
    CHECK_INT(ind_stale_check(&s, bar, 5, val, 2), IND_STALE_BARS);
    CHECK_INT(s.episodes, 1);
    CHECK_INT(s.stale_bars, 2);
    bar[3] = 1.6;
    CHECK_INT(ind_stale_check(&s, bar, 5, val, 2), 0);
    for (int i = 0; i < 3; i++) {
        bar[3] += 0.1;
        ind_stale_check(&s, bar, 5, val, 2);
    }
    CHECK_INT(s.flags, IND_STALE_VALUES); /* RSI/MACD identical three cycles, bars moving */
    CHECK_INT(s.episodes, 2);
}

TEST(stale_ignores_values_still_warming_up)
{
    ind_stale s;
    ind_stale_init(&s, 1);
    double bar[1] = {1}, val[1] = {NAN};
    ind_stale_check(&s, bar, 0, val, 1);
    CHECK_INT(ind_stale_check(&s, bar, 0, val, 1), 0);
}

/* The set's sizes (5 bar values, 4 indicator values) take a vector path: its runs must be those
 * of a plain memcmp over a sequence of repeats, single-value changes in every position, -0 after
 * +0 (equal as numbers, not as bits), NaN, and a switch from other sizes. */
TEST(stale_set_sizes_count_runs_bit_for_bit)
{
    ind_stale s;
    ind_stale_init(&s, 2);
    double bar[5] = {1, 2, 3, 4, 5}, val[4] = {6, 7, 8, 9}, pb[5], pv[4];
    int brun = 0, vrun = 0, have = 0;
    ind_stale_check(&s, bar, 3, val, 1); /* other sizes first: the next call is no repeat */
    uint64_t r = 12345;
    for (int step = 0; step < 4000; step++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        int what = (int)(r >> 33) % 12, at = (int)(r >> 45) % 9;
        double *slot = at < 5 ? &bar[at] : &val[at - 5];
        if (what == 0) *slot += 1;
        if (what == 1) *slot = NAN;
        if (what == 2) *slot = 0.0;
        if (what == 3) *slot = -0.0;
        if (what == 4 && isnan(*slot)) *slot = 1;
        int bsame = have && !memcmp(pb, bar, sizeof bar),
            vsame = have && !memcmp(pv, val, sizeof val);
        for (int i = 0; i < 5; i++) bsame &= !isnan(bar[i]);
        for (int i = 0; i < 4; i++) vsame &= !isnan(val[i]);
        brun = bsame ? brun + 1 : 0;
        vrun = vsame ? vrun + 1 : 0;
        memcpy(pb, bar, sizeof bar);
        memcpy(pv, val, sizeof val);
        have = 1;
        int want = (brun >= 2 ? IND_STALE_BARS : 0) | (vrun >= 2 ? IND_STALE_VALUES : 0);
        int got = ind_stale_check(&s, bar, 5, val, 4);
        if (got != want || s.bar_run != brun || s.val_run != vrun) {
            TBT_FAIL("step %d: flags %d runs %d/%d, want %d runs %d/%d", step, got, s.bar_run,
                     s.val_run, want, brun, vrun);
            break;
        }
    }
}

TEST(set_flags_symbol_whose_bars_stop_changing)
{
    ind_set_params p;
    ind_set_defaults(&p);
    p.stale_cycles = 4;
    ind_set *set = ind_set_new(&p);
    struct series s = series_random(60, 8, 0.0);
    for (int i = 0; i < 60; i++)
        CHECK_INT(ind_set_update(set, s.close[i], s.high[i], s.low[i], s.close[i], s.volume[i], 1),
                  0);
    int flags = 0;
    for (int i = 0; i < 5; i++) flags = ind_set_update(set, 10, 11, 9, 10, 500, 1);
    CHECK(flags & IND_STALE_BARS);
    CHECK_INT(ind_set_stale(set)->episodes, 1);
    ind_set_free(set);
    series_free(&s);
}
