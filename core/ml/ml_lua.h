/*
 * ml_lua.h - what tb.ml.status() (ml_lua.c) reads. The engine that runs the ML runtime attaches
 * itself when it opens and detaches when it closes, so the binding never reaches for the engine.
 */
#ifndef TB_ML_LUA_H
#define TB_ML_LUA_H

#include "ml/ml.h"

#include <stdint.h>

typedef struct tb_ml_lua_src {
    tb_ml *const *ml;                 /* the runtime; *ml NULL: ml is disabled */
    const uint64_t *loads, *refusals; /* model swaps done and refused */
} tb_ml_lua_src;

/* Points tb.ml.status() at src (copied; what it points to must outlive the attachment); NULL
 * detaches. */
void tb_ml_lua_attach(const tb_ml_lua_src *src);

#endif
