/*
 * obv.c - on-balance volume. TA-Lib's convention: the first output is the first bar's volume
 * (Tulip starts at 0); then volume is added on an up close, subtracted on a down close.
 */
#include "ind/ind_step_hlv.h"

int ind_obv_start(const double *opt)
{
    return 0;
}

size_t ind_obv_size(const double *opt)
{
    return sizeof(obv_state);
}

int ind_obv_init(void *st, const double *opt)
{
    obv_state *s = st;
    s->started = 0;
    s->pc = s->obv = 0.0;
    return 0;
}

static inline int obv_step(obv_state *s, double c, double v, double *out)
{
    if (!isfinite(c) || !isfinite(v)) {
        *out = NAN;
        return IND_EINPUT;
    }
    return ind_obv_step(s, c, v, out);
}

int ind_obv_update(void *st, const double *in, double *out)
{
    return obv_step(st, in[0], in[1], out);
}

int ind_obv(int n, const double *const *in, const double *opt, double *const *out)
{
    obv_state s;
    ind_obv_init(&s, opt);
    const double *c = in[0], *v = in[1];
    double *o = out[0];
    int skipped = 0, i = 0;
    for (; i < n && !s.started; i++) skipped += obv_step(&s, c[i], v[i], &o[i]) == IND_EINPUT;
    /*
     * Steady state: obv_step with the state in registers and no branch per bar: the volume is
     * added times the sign of the close's move ((c > pc) - (c < pc): setcc, not a branch that a
     * random walk mispredicts half the time). Bad input is only noted here; if there was any,
     * the whole array is redone through the streaming path.
     */
    double pc = s.pc, obv = s.obv;
    int bad = skipped;
    for (; i < n; i++) {
        double ci = c[i], vi = v[i];
        bad |= !isfinite(ci) | !isfinite(vi);
        obv += vi * (double)((ci > pc) - (ci < pc)); /* exactly +vi, -vi or 0 */
        pc = ci;
        o[i] = obv;
    }
    return bad ? IND_STREAM_BATCH(obv, 2, 1) : 0;
}
