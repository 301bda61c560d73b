/*
 * decl.h - what a strategy file declares (name, params, tunable bounds), read by running the
 * file's top-level chunk in a sandboxed state under a memory cap and an instruction budget,
 * never outside the sandbox: the Healer's boundary and its proposers read bounds this way from
 * files a patch may have written.
 */
#ifndef TB_STRATEGY_DECL_H
#define TB_STRATEGY_DECL_H

#include "util/err.h"

#include <jansson.h>
#include <stddef.h>

/* The declaration of the strategy source code (chunkname rel, for errors): {name (or null),
 * params: {...}, tunable: {param: {min, max, step?, loosen?}}} with empty objects for what the
 * file leaves out. NULL with e when the file does not load in the sandbox, does not return a
 * table, or declares a tunable param without numeric min <= max. */
json_t *tb_strategy_decl(const char *code, size_t len, const char *rel, tb_err *e);

/* The same for a file on disk. */
json_t *tb_strategy_decl_file(const char *path, const char *rel, tb_err *e);

/* 1 when value is a number within the tunable entry's [min, max]. */
int tb_tunable_within(const json_t *entry, const json_t *value);

/* 1 when value may replace a param whose default is def: a whole-number default (a Lua integer:
 * shares, bars, minutes) takes whole numbers only (qty = 12.5 is within [5, 20], but no order can
 * carry it). */
int tb_param_whole_ok(const json_t *def, const json_t *value);

#endif
