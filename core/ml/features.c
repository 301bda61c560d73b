#include "ml/features.h"
#include "util/hash.h"
#include "data/calendar.h"

#include <math.h>
#include <string.h>

static const char *const names[TB_FEATURES_N] = {
    "ret_1",  "ret_5",  "ret_15",  "ret_60",      "rsi_14",        "macd_hist_pct", "atr_pct",
    "bb_pos", "relvol", "gap_pct", "time_of_day", "vwap_dist_pct", "vix",
};

const char *tb_feature_name(int id)
{
    return id >= 0 && id < TB_FEATURES_N ? names[id] : NULL;
}

const char *tb_feature_type(int id)
{
    return id >= 0 && id < TB_FEATURES_N ? "float" : NULL;
}

int tb_feature_find(const char *name)
{
    for (int i = 0; i < TB_FEATURES_N; i++)
        if (strcmp(names[i], name) == 0) return i;
    return -1;
}

uint64_t tb_features_hash_of(const char *const *nm, const char *const *ty, int n)
{
    uint64_t h = TB_FNV64_SEED;
    for (int i = 0; i < n; i++) {
        h = tb_fnv64_byte(tb_fnv64_str(h, nm[i]), ':');
        h = tb_fnv64_byte(tb_fnv64_str(h, ty[i]), ';');
    }
    return h;
}

uint64_t tb_features_schema_hash(void)
{
    const char *types[TB_FEATURES_N];
    for (int i = 0; i < TB_FEATURES_N; i++) types[i] = tb_feature_type(i);
    return tb_features_hash_of(names, types, TB_FEATURES_N);
}

static double ret_over(const tb_ring *bars, uint32_t ago)
{
    const tb_bar *now = tb_ring_get(bars, 0), *then = tb_ring_get(bars, ago);
    if (!now || !then || !(then->close > 0)) return NAN;
    return now->close / then->close - 1.0;
}

static double pct_of(double v, double close)
{
    return close > 0 ? v / close * 100.0 : NAN;
}

static double bb_position(double close, double up, double lo)
{
    if (!isfinite(up) || !isfinite(lo)) return NAN;
    return up > lo ? (close - lo) / (up - lo) : 0.5;
}

static double time_of_day(int64_t now_ns)
{
    tb_date d;
    int sec;
    tb_cal_local_time(now_ns, &d, &sec);
    return ((double)sec - 9.5 * 3600) / 60.0 / 390.0;
}

int tb_features_compute(const ind_set *ind, const tb_ring *bars, const tb_feature_ctx *cx,
                        float out[TB_FEATURES_N])
{
    const tb_bar *last = tb_ring_get(bars, 0);
    double close = last ? last->close : NAN;
    double v[TB_FEATURES_N];
    v[TB_F_RET_1] = ret_over(bars, 1);
    v[TB_F_RET_5] = ret_over(bars, 5);
    v[TB_F_RET_15] = ret_over(bars, 15);
    v[TB_F_RET_60] = ret_over(bars, 60);
    v[TB_F_RSI_14] = ind_set_get(ind, IND_SET_RSI);
    v[TB_F_MACD_HIST] = pct_of(ind_set_get(ind, IND_SET_MACD_HIST), close);
    v[TB_F_ATR_PCT] = pct_of(ind_set_get(ind, IND_SET_ATR), close);
    v[TB_F_BB_POS] =
        bb_position(close, ind_set_get(ind, IND_SET_BB_UPPER), ind_set_get(ind, IND_SET_BB_LOWER));
    v[TB_F_RELVOL] = ind_set_get(ind, IND_SET_RELVOL);
    /* No previous session (the first one a run sees): no gap, rather than blocking a day. */
    v[TB_F_GAP_PCT] = !(cx->session_open > 0) ? NAN
                      : cx->prev_close > 0    ? (cx->session_open / cx->prev_close - 1.0) * 100.0
                                              : 0.0;
    v[TB_F_TIME_OF_DAY] = time_of_day(cx->now_ns);
    double vwap = ind_set_get(ind, IND_SET_VWAP);
    v[TB_F_VWAP_DIST] = vwap > 0 ? (close / vwap - 1.0) * 100.0 : NAN;
    v[TB_F_VIX] = isfinite(cx->vix) && cx->vix > 0 ? cx->vix : TB_FEATURES_VIX_DEFAULT;
    int nan = 0;
    for (int i = 0; i < TB_FEATURES_N; i++) {
        out[i] = (float)v[i];
        nan += !isfinite(v[i]);
        if (!isfinite(v[i])) out[i] = NAN;
    }
    return nan;
}
