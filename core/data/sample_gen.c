#include "data/sample_gen.h"
#include "util/hash.h"
#include "util/rand.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next_u64(rng *r)
{
    uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static void rng_seed(rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = tb_rand_next(&seed);
}

static double uni(rng *r) /* [0, 1) */
{
    return (double)(next_u64(r) >> 11) * 0x1.0p-53;
}

static double uni_in(rng *r, double lo, double hi)
{
    return lo + (hi - lo) * uni(r);
}

static double gauss(rng *r) /* Box-Muller, one of the pair */
{
    double u = uni(r), v = uni(r);
    return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

static double cents(double x)
{
    return round(x * 100.0) / 100.0;
}

static const char *const tickers[] = {
    "ACME", "BOLT", "CRUX", "DYNO",  "EMBR", "FLUX", "GRIT", "HALO", "IONQX",
    "JETT", "KITE", "LUMA", "MOXY",  "NOVR", "ORBT", "PIXL", "QUBE", "RIVT",
    "SOLR", "TANK", "UMBR", "VOLTX", "WREN", "XENO", "YELO", "ZEST",
};
#define NTICKERS (int)(sizeof tickers / sizeof tickers[0])

typedef struct gsym {
    uint32_t id;
    double px, beta, sig_min, h, last_eps, vol_per_min, trade_size;
    int is_index;
} gsym;

void tb_sample_defaults(tb_sample_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->seed = 42;
    c->days = 20;
    c->nsymbols = 20;
    c->start = tb_date_from_ymd(2026, 1, 2);
    c->with_spy = c->with_vix = 1;
    c->gap_prob = 0.05;
    c->trend_prob = 0.15;
    c->halt_prob = 0.02;
    c->flat_prob = 0.05;
    c->vix_spike_day = -2; /* "default": days * 3 / 4 */
}

uint64_t tb_sample_fnv1a(const void *buf, size_t len, uint64_t h)
{
    return tb_fnv64(h ? h : TB_FNV64_BASIS, buf, len);
}

#define ALPHA 0.08 /* GARCH(1,1) shock weight */
#define BETA  0.90 /* GARCH(1,1) persistence */

/* One minute's return shock with GARCH(1,1) variance h, scaled by the U-shape u. */
static double garch_step(rng *r, gsym *s, double u)
{
    double target = s->sig_min * s->sig_min;
    s->h = target * (1 - ALPHA - BETA) + ALPHA * s->last_eps * s->last_eps + BETA * s->h;
    double eps = sqrt(s->h) * gauss(r);
    s->last_eps = eps;
    return eps * u;
}

static int push_bar(tb_bar_vec *out, gsym *s, int64_t start, double open, double close, double wick,
                    double vol, rng *r, tb_err *e)
{
    tb_bar b = {0};
    b.start_ns = start;
    b.tf_sec = 60;
    b.sym = s->id;
    b.open = cents(open);
    b.close = cents(close);
    if (b.open < 0.01) b.open = 0.01;
    if (b.close < 0.01) b.close = 0.01;
    double hi = fmax(b.open, b.close), lo = fmin(b.open, b.close);
    b.high = fmax(cents(hi * (1 + wick * fabs(gauss(r)))), hi);
    b.low = fmin(cents(lo * (1 - wick * fabs(gauss(r)))), lo);
    if (b.low < 0.01) b.low = 0.01;
    b.vwap = cents((b.high + b.low + 2 * b.close) / 4);
    b.vwap = fmin(fmax(b.vwap, b.low), b.high);
    b.volume = fmax(1, round(vol));
    b.trades = (int64_t)fmax(1, round(b.volume / s->trade_size));
    return tb_bar_vec_push(out, &b, e);
}

static int gen_day(const tb_sample_cfg *c, rng *r, gsym *syms, int nsyms, const tb_session *ss,
                   tb_bar_vec *out, double *spy_ret, tb_err *e)
{
    int nmin = (int)((ss->close_ns - ss->open_ns) / (60 * TB_NS_PER_SEC));
    enum { MAXS = 256 };
    double drift[MAXS], open_px[MAXS];
    int halt_at[MAXS], halt_len[MAXS], flat_at[MAXS], flat_len[MAXS];
    double mkt_gap = 0.004 * gauss(r);
    for (int i = 0; i < nsyms; i++) {
        gsym *s = &syms[i];
        double gap = s->is_index ? mkt_gap : s->beta * mkt_gap + s->sig_min * 8 * gauss(r);
        if (!s->is_index && uni(r) < c->gap_prob)
            gap += (uni(r) < 0.5 ? -1 : 1) * uni_in(r, 0.02, 0.08);
        s->px *= exp(gap);
        open_px[i] = s->px;
        drift[i] = 0;
        if (uni(r) < c->trend_prob)
            drift[i] = (uni(r) < 0.5 ? -1 : 1) * uni_in(r, 0.01, 0.04) / nmin;
        halt_at[i] = flat_at[i] = -1;
        halt_len[i] = flat_len[i] = 0;
        if (!s->is_index && nmin > 100 && uni(r) < c->halt_prob) {
            halt_at[i] = 30 + (int)(uni(r) * (nmin - 90));
            halt_len[i] = 5 + (int)(uni(r) * 21);
        }
        if (!s->is_index && nmin > 100 && uni(r) < c->flat_prob) {
            flat_at[i] = 30 + (int)(uni(r) * (nmin - 90));
            flat_len[i] = 10 + (int)(uni(r) * 31);
        }
    }
    double mkt_r = 0;
    for (int m = 0; m < nmin; m++) {
        int64_t start = ss->open_ns + (int64_t)m * 60 * TB_NS_PER_SEC;
        double u_vol = 1 + 1.2 * exp(-m / 20.0) + 0.6 * exp(-(nmin - 1 - m) / 20.0);
        double u_volume = 1 + 2.5 * exp(-m / 25.0) + 1.5 * exp(-(nmin - 1 - m) / 30.0);
        for (int i = 0; i < nsyms; i++) {
            gsym *s = &syms[i];
            double eps = garch_step(r, s, u_vol);
            double ret = s->is_index ? eps + drift[i] : s->beta * mkt_r + eps + drift[i];
            if (s->is_index) mkt_r = ret;
            double open = s->px;
            int flat = m >= flat_at[i] && m < flat_at[i] + flat_len[i];
            if (!flat) s->px = open * exp(ret);
            if (m >= halt_at[i] && m < halt_at[i] + halt_len[i]) continue; /* halted: no bar */
            double activity = 1 + 2 * fabs(eps) / (s->sig_min * u_vol);
            double vol = s->vol_per_min * u_volume * activity * exp(0.4 * gauss(r));
            int rc = flat ? push_bar(out, s, start, open, open, 0, 1 + uni(r) * 99, r, e)
                          : push_bar(out, s, start, open, s->px, s->sig_min * 0.6, vol, r, e);
            if (rc != 0) return -1;
            s->px = out->v[out->n - 1].close; /* the next bar opens at this close */
        }
    }
    for (int i = 0; i < nsyms; i++)
        if (syms[i].is_index) *spy_ret = log(syms[i].px / open_px[i]);
    return 0;
}

static int gen_vix_bar(rng *r, double *vix, double spy_ret, int spike, const tb_session *ss,
                       uint32_t id, tb_bar_vec *out, tb_err *e)
{
    double prev = *vix;
    double v = 19 + 0.85 * (prev - 19) + 1.5 * gauss(r) - 250 * spy_ret;
    if (spike) v = uni_in(r, 42, 55);
    v = fmin(fmax(v, 9), 90);
    *vix = v;
    tb_bar b = {0};
    b.start_ns = ss->open_ns;
    b.tf_sec = 86400;
    b.sym = id;
    b.open = cents(prev * exp(0.03 * gauss(r)));
    b.close = cents(v);
    b.high = cents(fmax(b.open, b.close) * (1 + 0.04 * fabs(gauss(r))));
    b.low = cents(fmin(b.open, b.close) * (1 - 0.04 * fabs(gauss(r))));
    b.vwap = cents((b.high + b.low + b.close) / 3);
    return tb_bar_vec_push(out, &b, e);
}

int tb_sample_generate(const tb_sample_cfg *c, tb_symtab *st, tb_bar_vec *minutes,
                       tb_bar_vec *vix_daily, tb_err *e)
{
    if (c->days < 1 || c->days > 10000)
        return tb_errf(e, "sample: days %d not in 1..10000", c->days);
    if (c->nsymbols < 0 || c->nsymbols > 200)
        return tb_errf(e, "sample: symbols %d not in 0..200", c->nsymbols);
    if (c->nsymbols == 0 && !c->with_spy) return tb_errf(e, "sample: no symbols to generate");
    rng r;
    rng_seed(&r, c->seed);
    gsym syms[256];
    int n = 0;
    char name[16];
    for (int i = -1; i < c->nsymbols; i++) {
        if (i < 0 && !c->with_spy) continue;
        const char *nm = i < 0 ? "SPY" : i < NTICKERS ? tickers[i] : name;
        if (i >= NTICKERS) snprintf(name, sizeof name, "SMP%03d", i);
        int64_t id = tb_symtab_intern(st, nm, e);
        if (id < 0) return -1;
        gsym *s = &syms[n++];
        memset(s, 0, sizeof *s);
        s->id = (uint32_t)id;
        s->is_index = i < 0;
        double annual = s->is_index ? 0.16 : uni_in(&r, 0.20, 0.90);
        s->px = s->is_index ? 500 : exp(uni_in(&r, log(5.0), log(600.0)));
        s->px = cents(s->px);
        s->beta = s->is_index ? 1 : uni_in(&r, 0.6, 1.6);
        s->sig_min = annual / sqrt(252.0 * 390.0);
        s->h = s->sig_min * s->sig_min;
        double daily_dollars = s->is_index ? 3e10 : exp(uni_in(&r, log(2e7), log(2e9)));
        s->vol_per_min = daily_dollars / s->px / 390 / 3;
        s->trade_size = s->is_index ? 300 : uni_in(&r, 40, 200);
    }
    int64_t vix_id = -1;
    if (c->with_vix && vix_daily && (vix_id = tb_symtab_intern(st, "VIX", e)) < 0) return -1;
    /* Emit in symbol id order so bars come out sorted by (start, symbol). */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && syms[j].id < syms[j - 1].id; j--) {
            gsym t = syms[j];
            syms[j] = syms[j - 1];
            syms[j - 1] = t;
        }
    int spike_day =
        c->vix_spike_day == -2 ? (c->days >= 8 ? c->days * 3 / 4 : -1) : c->vix_spike_day;
    double vix = 17.5;
    tb_date d = c->start;
    for (int day = 0; day < c->days; day++, d++) {
        tb_session ss;
        while (!tb_cal_session(c->cal, d, &ss)) d++;
        double spy_ret = 0;
        if (gen_day(c, &r, syms, n, &ss, minutes, &spy_ret, e) != 0) return -1;
        if (vix_id >= 0 && gen_vix_bar(&r, &vix, spy_ret, day == spike_day, &ss, (uint32_t)vix_id,
                                       vix_daily, e) != 0)
            return -1;
    }
    return 0;
}
