/*
 * model_dir.h - ml_db/models/: one folder per training (<UTC timestamp>/ with model.json,
 * feature_schema.json, metrics.json), and the symlink `current` naming the one in service.
 *
 * `current` is replaced atomically (a new symlink renamed over it), so a reader sees the old
 * or the new folder, never a half-written one; ml_db/models/feature_schema.json is kept in step
 * with it (the path the runbook checks).
 */
#ifndef TB_ML_MODEL_DIR_H
#define TB_ML_MODEL_DIR_H

#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

/* Creates models/<YYYYmmddTHHMMSSZ>/ (a suffix when taken); its path into out, name into name. */
int tb_models_new_dir(const char *models, int64_t now_ns, char *out, size_t len, char *name,
                      size_t name_len, tb_err *e);

/* Points models/current at models/<name> and copies its feature_schema.json to models/. */
int tb_models_point_current(const char *models, const char *name, tb_err *e);

/* The folder current points at (resolved path), or -1 when there is none. */
int tb_models_current(const char *models, char *out, size_t len);

/*
 * 1 when a training is due: no folder trained yet, or the most recent one's metrics.json (in
 * service or kept as a candidate) says it was trained at least interval_hours before now. why
 * says which, and when the next one is due.
 */
int tb_models_due(const char *models, double interval_hours, int64_t now_ns, char *why,
                  size_t why_len);

/* The name of the most recently trained folder (in service or a candidate), or -1 if none. */
int tb_models_latest(const char *models, char *name, size_t len);

#endif
