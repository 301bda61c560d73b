/*
 * cand_file.h - data/top_20_day_trading_candidates.csv, written by the candidate screen and read
 * by the running engine.
 *
 *   generated_at,date,rank,symbol,score,price,gap_pct,rel_volume,atr_pct,dollar_volume,<components>
 *
 * generated_at is the UTC time of the screen (RFC 3339), date the session day it is for. The
 * file is written to a temporary name and renamed, so a reader never sees half of it.
 */
#ifndef TB_CAND_FILE_H
#define TB_CAND_FILE_H

#include "cand/score.h"

#include <stdint.h>

#define TB_CAND_FILE "data/top_20_day_trading_candidates.csv"

typedef struct tb_cand_set {
    tb_date date;
    char generated_at[40];
    int n;
    tb_cand c[500];
} tb_cand_set;

/* Writes the set (components named by s) to path atomically. */
int tb_cand_write(const char *path, const tb_cand_set *set, const tb_scorer *s, tb_err *e);

/* Reads a candidates file: symbols, scores and features (components are not kept). */
int tb_cand_read(const char *path, tb_cand_set *out, tb_err *e);

#endif
