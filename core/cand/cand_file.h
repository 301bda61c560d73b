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

#define TB_CAND_BAD_MSGS 8

typedef struct tb_cand_set {
    tb_date date;
    char generated_at[40];
    int n;
    tb_cand c[500];
    int nbad;                        /* rows refused by tb_cand_read */
    char bad[TB_CAND_BAD_MSGS][200]; /* the first of them: "file:line: why" */
} tb_cand_set;

/* Writes the set (components named by s) to path atomically. */
int tb_cand_write(const char *path, const tb_cand_set *set, const tb_scorer *s, tb_err *e);

/*
 * Reads a candidates file: symbols, scores and features (components are not kept). A row that
 * is not what the screen writes (a field count other than the header's, an empty or
 * non-numeric field, NaN or infinite values, a price not above 0, negative volumes or ranges,
 * a symbol that is not one: 1-15 of A-Z 0-9 . - starting with a letter) is left out and
 * counted in nbad with its file:line; the caller reports them. -1 only when the file cannot
 * be read or is not a candidates file.
 */
int tb_cand_read(const char *path, tb_cand_set *out, tb_err *e);

/* Splits a CSV line in place on every comma (empty fields kept, "\r" dropped) into at most cap
 * fields; returns how many the line has (may exceed cap). */
int tb_cand_split(char *line, char **f, int cap);

#endif
