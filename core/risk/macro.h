/*
 * macro.h - the macro state file (data/macro.json) and where its VIX comes from.
 *
 *   {"vix": 18.42, "vix_date": "2026-01-29", "source": "sample", "survival": false,
 *    "threshold": 40, "time": "2026-11-27T04:30:00Z"}
 *
 * "time" is when the state was computed: its age decides staleness. Sources: "sample" (the VIX
 * series of the seeded sample data, the embedded default), "csv" (a daily history such as
 * Cboe's VIX_History.csv: the latest row's date and close), "polygon" (Polygon's or Massive's
 * I:VIX, macro_polygon.c; falls back to the configured fallback source and says so).
 */
#ifndef TB_RISK_MACRO_H
#define TB_RISK_MACRO_H

#include "config/config.h"
#include "risk/gates.h"
#include "util/err.h"

/* Reads and validates a macro state file. */
int tb_macro_read(const char *path, tb_macro *out, tb_err *e);

/* Writes it atomically (a temporary file renamed over the old one). */
int tb_macro_write(const char *path, const tb_macro *m, double threshold, tb_err *e);

/* The VIX from Polygon's (Massive's) I:VIX with the polygon config and key (macro_polygon.c). */
int tb_macro_vix_polygon(const tb_config *c, double *vix, char *date, size_t date_len, tb_err *e);

/* The latest VIX from the configured source (value, its date, the source's name). */
int tb_macro_fetch_vix(const tb_config *c, double *vix, char *date, size_t date_len, char *source,
                       size_t source_len, tb_err *e);

/* Fetches the VIX and builds the state (time: now; survival: vix >= threshold). */
int tb_macro_compute(const tb_config *c, tb_macro *out, tb_err *e);

#endif
