/*
 * test_ind_stream.c - properties every indicator in the table must have: batch and streaming give
 * the same numbers on random series with random parameters; non-finite input is skipped and never
 * poisons the state; leading NaNs end exactly at the table's lookback.
 */
#include "tbtest.h"
#include "ind_testutil.h"

/* Random whole-number parameters near the small end of each range, real ones anywhere sane. */
static void random_params(const ind_info *ind, double *opt)
{
    for (int k = 0; k < ind->nparams; k++) {
        const ind_param *p = &ind->params[k];
        if (p->integer) {
            double hi = fmin(p->max, p->min + 30);
            opt[k] = p->min + floor(urand() * (hi - p->min + 1));
        } else {
            opt[k] = p->min + urand() * fmin(p->max - p->min, 4.0);
        }
    }
}

static const double *const *inputs_of(const ind_info *ind, const struct series *s,
                                      const double **buf)
{
    for (int k = 0; k < ind->ninputs; k++) buf[k] = series_input(s, ind->inputs[k]);
    return buf;
}

TEST(batch_and_streaming_agree_on_random_series)
{
    for (int t = 0; t < ind_count(); t++) {
        const ind_info *ind = ind_at(t);
        for (int trial = 0; trial < 20; trial++) {
            int n = 50 + trial * 37;
            struct series s = series_random(n, 1000 + trial * 7919 + t, trial % 3 ? 0.0 : 0.2);
            double opt[IND_MAX_PARAMS];
            random_params(ind, opt);
            const double *buf[IND_MAX_IO];
            const double *const *in = inputs_of(ind, &s, buf);
            struct outs b = outs_new(n), st = outs_new(n);
            CHECK_INT(ind->batch(n, in, opt, b.a), 0);
            CHECK_INT(run_stream(ind, in, n, opt, st.a), 0);
            int bad = 0;
            for (int k = 0; k < ind->noutputs; k++)
                for (int i = 0; i < n; i++) {
                    double x = b.a[k][i], y = st.a[k][i];
                    if (!((isnan(x) && isnan(y)) || fabs(x - y) <= 1e-12 * fmax(1, fabs(x)))) bad++;
                }
            if (bad) TBT_FAIL("%s: %d values differ (trial %d)", ind->name, bad, trial);
            outs_free(&b);
            outs_free(&st);
            series_free(&s);
        }
    }
}

TEST(leading_nans_end_at_the_lookback)
{
    for (int t = 0; t < ind_count(); t++) {
        const ind_info *ind = ind_at(t);
        int n = 300;
        struct series s = series_random(n, 42 + t, 0.0);
        double opt[IND_MAX_PARAMS];
        ind_defaults(ind, opt);
        const double *buf[IND_MAX_IO];
        struct outs b = outs_new(n);
        CHECK_INT(ind->batch(n, inputs_of(ind, &s, buf), opt, b.a), 0);
        for (int k = 0; k < ind->noutputs; k++) {
            int lb = ind_out_start(ind, opt, k), first = 0;
            while (first < n && isnan(b.a[k][first])) first++;
            if (first != lb)
                TBT_FAIL("%s output %d starts at %d, lookback %d", ind->name, k, first, lb);
        }
        outs_free(&b);
        series_free(&s);
    }
}

/* A bad bar in the middle: the state must look as if that bar never came. */
TEST(non_finite_input_is_skipped_and_does_not_poison_state)
{
    const double poison[3] = {NAN, INFINITY, -INFINITY};
    for (int t = 0; t < ind_count(); t++) {
        const ind_info *ind = ind_at(t);
        for (int pk = 0; pk < 3; pk++) {
            int n = 200, at = 60 + pk;
            struct series s = series_random(n, 77 + t, 0.0),
                          clean = series_random(n - 1, 77 + t, 0);
            /* clean is s without bar `at`. */
            for (int i = 0, j = 0; i < n; i++) {
                if (i == at) continue;
                clean.high[j] = s.high[i];
                clean.low[j] = s.low[i];
                clean.close[j] = s.close[i];
                clean.volume[j] = s.volume[i];
                clean.session[j++] = s.session[i];
            }
            const char *victim = ind->inputs[pk % ind->ninputs];
            ((double *)series_input(&s, victim))[at] = poison[pk];
            double opt[IND_MAX_PARAMS];
            ind_defaults(ind, opt);
            const double *buf[IND_MAX_IO], *cbuf[IND_MAX_IO];
            struct outs b = outs_new(n), st = outs_new(n), c = outs_new(n);
            CHECK_INT(ind->batch(n, inputs_of(ind, &s, buf), opt, b.a), 1);
            CHECK_INT(run_stream(ind, inputs_of(ind, &s, buf), n, opt, st.a), 1);
            CHECK_INT(ind->batch(n - 1, inputs_of(ind, &clean, cbuf), opt, c.a), 0);
            int bad = 0;
            for (int k = 0; k < ind->noutputs; k++) {
                if (!isnan(b.a[k][at]) || !isnan(st.a[k][at])) bad++;
                for (int i = 0; i < n; i++) {
                    if (i == at) continue;
                    double want = c.a[k][i < at ? i : i - 1];
                    if (!(isnan(want) && isnan(b.a[k][i])) && b.a[k][i] != want) bad++;
                    if (!(isnan(want) && isnan(st.a[k][i])) && st.a[k][i] != want) bad++;
                }
                if (!isfinite(b.a[k][n - 1])) bad++;
            }
            if (bad)
                TBT_FAIL("%s: %d values wrong after %s in %s", ind->name, bad,
                         pk == 0 ? "NaN" : "inf", victim);
            outs_free(&b);
            outs_free(&st);
            outs_free(&c);
            series_free(&s);
            series_free(&clean);
        }
    }
}

TEST(update_reports_non_finite_input)
{
    const ind_info *ind = ind_find("sma");
    double opt[1] = {3}, y;
    char st[256];
    CHECK(ind->size(opt) <= sizeof st);
    CHECK_INT(ind->init(st, opt), 0);
    double x = 1;
    CHECK_INT(ind->update(st, &x, &y), IND_WARMUP);
    x = NAN;
    CHECK_INT(ind->update(st, &x, &y), IND_EINPUT);
    CHECK(isnan(y));
    x = 2;
    CHECK_INT(ind->update(st, &x, &y), IND_WARMUP);
    x = 3;
    CHECK_INT(ind->update(st, &x, &y), IND_READY);
    CHECK_NEAR(y, 2.0, 1e-15);
}

/* ROC's batch loop computes four values a turn with no per-value tests and redoes the run when a
 * result is not finite: its values must be the streaming ones bit for bit, with and without zero
 * closes, for every length (the scalar tail) and a non-finite value in the vector part or in the
 * tail. */
TEST(roc_batch_is_bit_identical_to_streaming_with_zeros_and_tails)
{
    const ind_info *ind = ind_find("roc");
    const double poison[3] = {NAN, INFINITY, -INFINITY};
    for (int n = 1; n <= 41; n++)
        for (int lb = 1; lb <= 6; lb++)
            for (int pk = -1; pk < 3; pk++) {
                double x[41], opt[1] = {lb};
                for (int i = 0; i < n; i++) /* zeros in a third of the runs */
                    x[i] = n % 3 == 0 && i % 5 == 2 ? 0.0 : 10.0 + (i * 7919 % 13) - 6.5;
                if (pk >= 0) x[n - 1 - pk * (n / 3)] = poison[pk];
                const double *in[1] = {x};
                struct outs b = outs_new(n), st = outs_new(n);
                int rb = ind->batch(n, in, opt, b.a), rs = run_stream(ind, in, n, opt, st.a);
                CHECK_INT(rb, rs);
                for (int i = 0; i < n; i++)
                    if (memcmp(&b.a[0][i], &st.a[0][i], sizeof(double)) &&
                        !(isnan(b.a[0][i]) && isnan(st.a[0][i])))
                        TBT_FAIL("roc n=%d lb=%d poison=%d: [%d] batch %.17g stream %.17g", n, lb,
                                 pk, i, b.a[0][i], st.a[0][i]);
                outs_free(&b);
                outs_free(&st);
            }
}

/* Stochastic's batch takes the window extremes by blocks (van Herk / Gil-Werman) up to 256 bars
 * and by rescans beyond: %K and %D must be the streaming ones bit for bit for every window length
 * against every series length (block boundaries, a last partial block, a window longer than the
 * series), on a random walk and on a staircase whose extremes sit at the window's ends. */
TEST(stoch_batch_is_bit_identical_to_streaming_across_block_boundaries)
{
    const ind_info *ind = ind_find("stoch");
    static double hi[700], lo[700], cl[700];
    double px = 50;
    for (int i = 0; i < 700; i++) {
        px += ((i * 7919) % 17 - 8) * 0.37;
        hi[i] = px + (i * 31 % 7) * 0.1, lo[i] = px - (i * 17 % 5) * 0.1, cl[i] = px;
    }
    int bad = 0, runs = 0;
    for (int shape = 0; shape < 2; shape++)
        for (int kp = 1; kp <= 300; kp += kp < 20 ? 1 : 37)
            for (int n = 1; n <= 700; n += n < 40 ? 1 : 97) {
                double opt[3] = {kp, 3, 3};
                double sh[700], sl[700];
                for (int i = 0; i < n; i++) /* shape 1: rising then falling steps */
                    sh[i] = shape ? (i % 50 < 25 ? i % 50 : 50 - i % 50) + 0.5 : hi[i],
                    sl[i] = shape ? sh[i] - 1 : lo[i];
                const double *in[3] = {sh, sl, cl};
                struct outs b = outs_new(n), st = outs_new(n);
                CHECK_INT(ind->batch(n, in, opt, b.a), 0);
                run_stream(ind, in, n, opt, st.a);
                for (int k = 0; k < 2; k++)
                    for (int i = 0; i < n; i++)
                        if (memcmp(&b.a[k][i], &st.a[k][i], sizeof(double)) &&
                            !(isnan(b.a[k][i]) && isnan(st.a[k][i])) && bad++ < 5)
                            TBT_FAIL("stoch kp=%d n=%d out %d [%d]: batch %.17g stream %.17g", kp,
                                     n, k, i, b.a[k][i], st.a[k][i]);
                outs_free(&b);
                outs_free(&st);
                runs++;
            }
    CHECK(runs > 500);
    CHECK_INT(bad, 0);
}
