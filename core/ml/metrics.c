#include "ml/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct pv {
    float p, y;
} pv;

static int by_p(const void *a, const void *b)
{
    float x = ((const pv *)a)->p, z = ((const pv *)b)->p;
    return (x > z) - (x < z);
}

double tb_metric_auc(const float *p, const float *y, size_t n)
{
    pv *v = malloc(n * sizeof *v);
    if (!v) return NAN;
    for (size_t i = 0; i < n; i++) v[i].p = p[i], v[i].y = y[i];
    qsort(v, n, sizeof *v, by_p);
    double pos = 0, rank_sum = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j].p == v[i].p) j++;
        double rank = (double)(i + 1 + j) / 2.0; /* average of ranks i+1 .. j */
        for (size_t k = i; k < j; k++)
            if (v[k].y > 0.5) rank_sum += rank, pos++;
        i = j;
    }
    free(v);
    double neg = (double)n - pos;
    if (pos == 0 || neg == 0) return NAN;
    return (rank_sum - pos * (pos + 1) / 2.0) / (pos * neg);
}

double tb_metric_logloss(const float *p, const float *y, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double q = fmin(fmax(p[i], 1e-15), 1 - 1e-15);
        s -= y[i] > 0.5 ? log(q) : log(1 - q);
    }
    return n ? s / (double)n : NAN;
}

void tb_metric_calibration(const float *p, const float *y, size_t n,
                           tb_calib_bucket out[TB_CALIB_BUCKETS])
{
    memset(out, 0, TB_CALIB_BUCKETS * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        int b = (int)(p[i] * TB_CALIB_BUCKETS);
        if (b < 0) b = 0;
        if (b >= TB_CALIB_BUCKETS) b = TB_CALIB_BUCKETS - 1;
        out[b].n++;
        out[b].mean_p += p[i];
        out[b].observed += y[i] > 0.5;
    }
    for (int b = 0; b < TB_CALIB_BUCKETS; b++)
        if (out[b].n) out[b].mean_p /= (double)out[b].n, out[b].observed /= (double)out[b].n;
}
