/*
 * snapshot.h - the candidate screen's prices from Polygon's (Massive's) stock snapshot
 * (candidates.source "polygon"): today's price and the previous close come from the vendor, the
 * history features (relative volume, ATR%, dollar volume) from the bar store; the day's gainers
 * and losers join the universe, screened with the history there is.
 *
 * Price rule (reference: "pre-market gap = day.o (or min.c before the open) against
 * prevDay.c"): once the regular session has opened day.o, before it the latest minute's close
 * min.c, else the last trade; prev_close is prevDay.c. What the snapshot lacks is never guessed.
 */
#ifndef TB_CAND_SNAPSHOT_H
#define TB_CAND_SNAPSHOT_H

#include "cand/screen.h"
#include "cand/select.h"
#include "config/config.h"
#include "feed/polygon_json.h"

/* The snapshots the screen uses: the asked tickers and the day's movers. */
typedef struct tb_cand_snaps {
    pg_snap_vec tickers, gainers, losers;
} tb_cand_snaps;

/* Today's price of s: day.o when open, else min.c, else lastTrade.p; 0 when none. *which (if
 * given) names the field used. */
double tb_cand_snap_price(const pg_snap *s, int open, const char **which);

/* Replaces c's price, prev_close and gap_pct by the snapshot's (history features kept). -1 (c
 * untouched) when s has no price or no prevDay. */
int tb_cand_apply_snap(tb_cand *c, const pg_snap *s, int open);

/* A mover the store has no history of: its features from the snapshot alone, prevDay as the one
 * session (sessions 1, rel_volume 1, ATR% the day's range over its close, $ volume prevDay.c *
 * prevDay.v). -1 when s has no price or no prevDay. */
int tb_cand_from_snap(tb_cand *c, const pg_snap *s, int open);

/* Fetches tickers (n <= 100; more, or 0, ask for the whole market), gainers and losers with the
 * polygon config (key: POLYGON_API_KEY or polygon.key_file), on a private event loop: for the
 * `candidates` sub-command, never a running engine's loop. -1 with e when any request fails
 * (NOT_AUTHORIZED, 401, network); out is then empty. Free with tb_cand_snaps_free. */
int tb_cand_fetch_snaps(const tb_config *c, const char *const *tickers, int n, tb_cand_snaps *out,
                        tb_err *e);

void tb_cand_snaps_free(tb_cand_snaps *s);

/* The snapshot screen of today: all[0..*n) hold the store's features of today's universe; fetches
 * the snapshots, prices every symbol it can (the store's price kept for the others, counted in
 * info), marks the movers and appends those the store lacks (up to cap). open: the regular
 * session has begun. -1 with e (all untouched) when the snapshot could not be had. */
int tb_cand_snap_screen(const tb_config *cfg, int open, tb_cand *all, int *n, int cap,
                        tb_select_info *info, tb_err *e);

#endif
