/*
 * obv.c - on-balance volume. TA-Lib's convention: the first output is the first bar's volume
 * (Tulip starts at 0); then volume is added on an up close, subtracted on a down close.
 */
#include "ind/ind_priv.h"

typedef struct obv_state {
    int started;
    double pc, obv;
} obv_state;

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
    if (!s->started) {
        s->started = 1;
        s->obv = v;
    } else if (c > s->pc) {
        s->obv += v;
    } else if (c < s->pc) {
        s->obv -= v;
    }
    s->pc = c;
    *out = s->obv;
    return IND_READY;
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
    /* Steady state: obv_step with the state in registers. */
    double pc = s.pc, obv = s.obv;
    for (; i < n; i++) {
        double ci = c[i], vi = v[i];
        if (!isfinite(ci) || !isfinite(vi)) {
            o[i] = NAN;
            skipped++;
            continue;
        }
        obv += ci > pc ? vi : ci < pc ? -vi : 0.0;
        pc = ci;
        o[i] = obv;
    }
    return skipped;
}
