/*
 * vix_history.h - a daily VIX series, so a backtest sees each session's survival mode as the
 * pre-market macro step would have seen it (the last close before the session), rather than
 * today's state for the whole run.
 *
 * Sources: the sample data's series (the same generator and knobs as the replayed bars) or a
 * daily CSV history (Cboe's VIX_History.csv, DATE,OPEN,HIGH,LOW,CLOSE with MM/DD/YYYY, or
 * date,close with YYYY-MM-DD). Days are kept sorted by date.
 */
#ifndef TB_RISK_VIX_HISTORY_H
#define TB_RISK_VIX_HISTORY_H

#include "data/calendar.h"
#include "data/sample_gen.h"
#include "util/err.h"

typedef struct tb_vix_day {
    tb_date date;
    double open, close; /* open is the close when the source has none */
} tb_vix_day;

typedef struct tb_vix_history {
    tb_vix_day *v;
    int n, cap;
} tb_vix_history;

/* The VIX series of the sample data sc describes (sc->with_vix is ignored: always generated). */
int tb_vix_history_sample(const tb_sample_cfg *sc, tb_vix_history *h, tb_err *e);

/* Every data row of a daily CSV history; a malformed row is an error naming file and line. */
int tb_vix_history_csv(const char *path, tb_vix_history *h, tb_err *e);

/* What a macro step before day d's open sees: the close of the last day before d (asof = that
 * day). With no earlier day, d's own open (asof = d), as a state computed at the open would.
 * Returns 0, or -1 when the series has neither. */
int tb_vix_history_at(const tb_vix_history *h, tb_date d, double *vix, tb_date *asof);

void tb_vix_history_free(tb_vix_history *h);

#endif
