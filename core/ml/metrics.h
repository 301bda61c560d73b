/*
 * metrics.h - how good a probability model is on held-out rows: ROC AUC, log loss, and
 * calibration by confidence bucket (does 0.7 mean "right 70% of the time"?).
 */
#ifndef TB_ML_METRICS_H
#define TB_ML_METRICS_H

#include <stddef.h>

#define TB_CALIB_BUCKETS 10

typedef struct tb_calib_bucket {
    size_t n;
    double mean_p;   /* mean predicted probability in the bucket */
    double observed; /* share of positive labels */
} tb_calib_bucket;

/* ROC AUC with ties averaged (Mann-Whitney); NaN when one class is absent. */
double tb_metric_auc(const float *p, const float *y, size_t n);

/* Mean binary cross-entropy, probabilities clipped to [1e-15, 1 - 1e-15]. */
double tb_metric_logloss(const float *p, const float *y, size_t n);

/* Buckets [0, 0.1), [0.1, 0.2) ... [0.9, 1]. */
void tb_metric_calibration(const float *p, const float *y, size_t n,
                           tb_calib_bucket out[TB_CALIB_BUCKETS]);

#endif
