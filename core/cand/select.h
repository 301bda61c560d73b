/*
 * select.h - candidate selection end to end: bars (the bar store of ml_db/ml_data.db, else the
 * sample data the replay feed plays), the screen, the Lua score, the top N by score.
 */
#ifndef TB_CAND_SELECT_H
#define TB_CAND_SELECT_H

#include "cand/cand_file.h"
#include "config/config.h"

typedef struct tb_select_info {
    char source[64]; /* "bar store" | "sample data" */
    tb_date asked;   /* the day asked for */
    int screened, passed;
} tb_select_info;

/*
 * Selects the candidates for day want (0: today in New York). When the data ends before want,
 * the last day with data is used (out->date says which). s must be open; out is filled.
 */
int tb_cand_select(const tb_config *cfg, tb_date want, tb_scorer *s, tb_cand_set *out,
                   tb_select_info *info, tb_err *e);

#endif
