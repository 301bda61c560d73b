/*
 * sample_gen.h - seeded generator of realistic sample market data, for the embedded replay
 * feed, demos and tests. Same seed and knobs, same bars, byte for byte (its own PRNG:
 * xoshiro256** seeded through splitmix64; never rand()).
 *
 * Minute bars of the regular session (09:30 to the close of each trading day of the calendar,
 * so holidays and 13:00 early closes are respected) for SPY and nsymbols made-up tickers with
 * different price levels, volatilities and betas to SPY; a daily VIX series. The shape: opening
 * gaps, U-shaped intraday volume and volatility, GARCH(1,1) volatility clustering, halts (runs
 * of missing minutes), flat stretches (unchanged price, tiny volume) and strong trend days.
 * Prices are rounded to cents.
 */
#ifndef TB_DATA_SAMPLE_GEN_H
#define TB_DATA_SAMPLE_GEN_H

#include "data/bar.h"
#include "data/calendar.h"
#include "data/symbols.h"

typedef struct tb_sample_cfg {
    uint64_t seed;     /* 42 */
    int days;          /* trading days to generate: 20 */
    int nsymbols;      /* made-up tickers besides SPY: 20 (at most 200) */
    tb_date start;     /* first date; closed days are skipped: 2026-01-02 */
    int with_spy;      /* 1: the index-like SPY */
    int with_vix;      /* 1: the daily VIX series */
    double gap_prob;   /* per symbol and day, a large opening gap (2-8%): 0.05 */
    double trend_prob; /* per symbol and day, a strong trend (1-4% drift): 0.15 */
    double halt_prob;  /* per symbol and day, a halt of 5-25 minutes: 0.02 */
    double flat_prob;  /* per symbol and day, a flat stretch of 10-40 minutes: 0.05 */
    int vix_spike_day; /* day index with VIX above 40 (survival mode); -1 none: days*3/4 */
    const tb_cal *cal; /* NULL: rules only */
} tb_sample_cfg;

/* Fills the defaults above. */
void tb_sample_defaults(tb_sample_cfg *cfg);

/* Generates the data: minute bars into minutes (sorted by start, then symbol id), the VIX
 * daily bars (tf 86400, start = the day's open) into vix_daily when it is not NULL. Symbols
 * are interned into syms in a fixed order (SPY, the tickers, VIX). */
int tb_sample_generate(const tb_sample_cfg *cfg, tb_symtab *syms, tb_bar_vec *minutes,
                       tb_bar_vec *vix_daily, tb_err *e);

/* FNV-1a 64 of a byte buffer: how tests and `tradebot data generate` fingerprint output. */
uint64_t tb_sample_fnv1a(const void *buf, size_t len, uint64_t h);

#endif
