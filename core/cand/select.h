/*
 * select.h - candidate selection end to end: bars (the bar store of ml_db/ml_data.db, else the
 * sample data the replay feed plays), today's prices and movers from Polygon's snapshot when
 * candidates.source says so (snapshot.h), the screen, the Lua score, the top N by score.
 */
#ifndef TB_CAND_SELECT_H
#define TB_CAND_SELECT_H

#include "cand/cand_file.h"
#include "config/config.h"

typedef struct tb_select_info {
    char source[64]; /* "bar store" | "sample data" | "polygon snapshot + bar store" | ... */
    tb_date asked;   /* the day asked for */
    int screened, passed;
    char note[400];      /* why the configured source was not used ("" when it was) */
    int snap_priced;     /* symbols priced from the snapshot */
    int snap_missing;    /* symbols the snapshot had no price for (the store's kept) */
    int movers_added;    /* gainers/losers the store had no history of */
    size_t snap_skipped; /* snapshot entries refused (bad fields); snap_why says the first */
    char snap_why[200];
} tb_select_info;

/*
 * Selects the candidates for day want (0: today in New York). When the data ends before want,
 * the last day with data is used (out->date says which). s must be open; out is filled.
 */
int tb_cand_select(const tb_config *cfg, tb_date want, tb_scorer *s, tb_cand_set *out,
                   tb_select_info *info, tb_err *e);

#endif
