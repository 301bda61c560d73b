/*
 * score.h - candidate scoring in Lua: scripts/candidates.lua returns
 *
 *   { top = 20, bounds = { min_price = 5, ... }, components = { "gap", "relvol", "atr" },
 *     score = function(c) return { gap = ..., relvol = ..., atr = ... } end }
 *
 * The C screen applies the bounds; score(c) gets each survivor's features and returns one number
 * per component; the score is their sum. Operators change weights and bounds without rebuilding.
 */
#ifndef TB_CAND_SCORE_H
#define TB_CAND_SCORE_H

#include "cand/screen.h"
#include "util/err.h"

#define TB_CAND_MAX_COMP 8

typedef struct tb_scorer {
    void *L; /* lua_State */
    int top;
    tb_cand_bounds bounds;
    int ncomp;
    char comp[TB_CAND_MAX_COMP][32];
} tb_scorer;

/* Loads the scoring script (path; chunkname for messages). */
int tb_scorer_open(tb_scorer *s, const char *path, const char *chunkname, tb_err *e);

/* Fills c->comp[] and c->score from the script's score(c). */
int tb_scorer_score(tb_scorer *s, tb_cand *c, tb_err *e);

void tb_scorer_close(tb_scorer *s);

#endif
