/*
 * vwap.c - session-anchored volume-weighted average price. No TA-Lib equivalent; it follows the
 * usual intraday definition: sum(typical * volume) / sum(volume) since the session began, with
 * typical = (high + low + close) / 3. The caller passes a session id per bar (any number, e.g.
 * the trading date as YYYYMMDD); a change of id starts a new session, so there is no calendar
 * here. Before any volume has traded in the session the value is the bar's typical price.
 */
#include "ind/ind_step_hlv.h"

int ind_vwap_start(const double *opt)
{
    return 0;
}

size_t ind_vwap_size(const double *opt)
{
    return sizeof(vwap_state);
}

int ind_vwap_init(void *st, const double *opt)
{
    vwap_state *s = st;
    s->started = 0;
    s->session = s->pv = s->vol = 0.0;
    return 0;
}

static inline int vwap_step(vwap_state *s, const double *x, double *out)
{
    for (int k = 0; k < 5; k++) {
        if (!isfinite(x[k])) {
            *out = NAN;
            return IND_EINPUT;
        }
    }
    return ind_vwap_step(s, x[0], x[1], x[2], x[3], x[4], out);
}

int ind_vwap_update(void *st, const double *in, double *out)
{
    return vwap_step(st, in, out);
}

int ind_vwap(int n, const double *const *in, const double *opt, double *const *out)
{
    vwap_state s;
    ind_vwap_init(&s, opt);
    double *o = out[0];
    int skipped = 0;
    for (int i = 0; i < n; i++) {
        double x[5] = {in[0][i], in[1][i], in[2][i], in[3][i], in[4][i]};
        skipped += vwap_step(&s, x, &o[i]) == IND_EINPUT;
    }
    return skipped;
}
