/*
 * screen.h - the pre-market candidate screen: per symbol, from minute bars, the numbers a day
 * trader filters on. Data only (no news).
 *
 * For day D: prev_close is the close of the last session before D; price is D's first bar
 * (the open, or the pre-market price a live feed stores) or prev_close when D has no bars yet;
 * gap_pct = price / prev_close - 1 (in %); rel_volume = volume of the last session before D
 * over the mean of up to 10 sessions before it; atr_pct = mean true range of up to 14
 * sessions over prev_close (in %); dollar_volume = mean close * volume of up to 10 sessions.
 */
#ifndef TB_CAND_SCREEN_H
#define TB_CAND_SCREEN_H

#include "data/bar.h"
#include "data/calendar.h"
#include "data/symbols.h"

typedef struct tb_cand {
    char symbol[32];
    double price, prev_close, gap_pct, rel_volume, atr_pct, dollar_volume;
    int sessions; /* sessions of history used */
    char mover;   /* 'G' / 'L': on the day's gainers / losers list (snapshot source), else 0 */
    char priced;  /* 1: price and prev_close from the vendor's snapshot */
    double score;
    double comp[8]; /* score components, in the order the scoring script names them */
} tb_cand;

typedef struct tb_cand_bounds {
    double min_price, max_price, min_dollar_volume, min_atr_pct, max_atr_pct, min_rel_volume;
    int min_sessions; /* history needed: 2 */
} tb_cand_bounds;

/* Computes the features of every symbol with at least two sessions before D (minute bars in
 * bars, any order of symbols but sorted by time). Returns how many were written to out (at most
 * max; -1 out of memory); the VIX index series is left out. */
int tb_screen_features(const tb_bar *bars, size_t n, const tb_symtab *syms, tb_date d, tb_cand *out,
                       int max);

/* 1 when c passes the bounds. */
int tb_screen_pass(const tb_cand *c, const tb_cand_bounds *b);

#endif
