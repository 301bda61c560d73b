/*
 * schema.h - feature_schema.json: the names, order and types of the columns a model was trained
 * on, with their hash. Written by `tradebot train` beside model.json (and copied to
 * ml_db/models/feature_schema.json, the path the runbook checks); read when a model is loaded
 * and by `tradebot check`, which compares it with the live feature set.
 *
 *   {"version": 1, "hash": "9c2f...", "count": 13,
 *    "features": [{"name": "ret_1", "type": "float", "index": 0}, ...]}
 */
#ifndef TB_ML_SCHEMA_H
#define TB_ML_SCHEMA_H

#include "ml/features.h"
#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

#define TB_ML_SCHEMA_VERSION 1
#define TB_ML_SCHEMA_MAX     128

typedef struct tb_ml_schema {
    int n;
    char names[TB_ML_SCHEMA_MAX][48];
    char types[TB_ML_SCHEMA_MAX][16];
    uint64_t hash;
    int map[TB_ML_SCHEMA_MAX]; /* schema column -> live feature id, -1 when the live set lacks it */
} tb_ml_schema;

/* The live feature set as a schema. */
void tb_ml_schema_live(tb_ml_schema *s);

/* Reads and validates a schema file: version, unique names, the hash matching the names. */
int tb_ml_schema_load(tb_ml_schema *s, const char *path, tb_err *e);

/* Writes the live schema to path atomically (temporary file, then rename). */
int tb_ml_schema_write_live(const char *path, tb_err *e);

/*
 * First schema column the live features cannot fill correctly: the live set lacks the name,
 * has it at another position, or its value is NaN. Returns the column, or -1 when all is well.
 * live may be NULL to compare names and order only.
 */
int tb_ml_schema_first_problem(const tb_ml_schema *s, const float *live);

/* 1 when schema column i is a live feature of the same name, place and type: a problem there is
 * a value not computed yet (warm-up), not a drifted feature set. */
int tb_ml_schema_column_live(const tb_ml_schema *s, int i);

/* Lays live features out in the schema's order (NaN where the live set lacks a column). */
void tb_ml_schema_row(const tb_ml_schema *s, const float *live, float *row);

/* What differs between a schema and the live set, one line each into out. Returns the number
 * of differences (0: identical). */
int tb_ml_schema_diff(const tb_ml_schema *s, char *out, size_t len);

#endif
