/*
 * atomic.h - replacing a state file so a reader sees the old one or the new one, never half of
 * either, even after a crash or a power cut: the text goes to a temporary file in the same
 * folder (same file system, so rename is atomic), the file is fsynced, renamed over the target,
 * and the folder is fsynced so the rename itself is durable.
 *
 * Every JSON and CSV state file (the JSON files of data/, the candidates CSV, the feature schema
 * ...) is written through here. The mode is the caller's, set exactly (not filtered by the umask).
 * Errors name the path and the step that failed; a failure leaves no temporary file behind
 * and the previous file as it was.
 */
#ifndef TB_UTIL_ATOMIC_H
#define TB_UTIL_ATOMIC_H

#include "util/err.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <sys/types.h>

/* State files (the JSON files of data/, the candidates CSV): the operator's group may read them,
 * others not. */
#define TB_STATE_FILE_MODE 0640

typedef struct tb_atomic {
    FILE *f; /* write the new content here between begin and commit */
    char path[PATH_MAX];
    char tmp[PATH_MAX + 16];
} tb_atomic;

/* Opens a temporary file beside path with the given mode; 0, or -1 with e naming it. */
int tb_atomic_begin(tb_atomic *a, const char *path, mode_t mode, tb_err *e);

/* Flushes, fsyncs, renames over the target and fsyncs its folder. On failure the temporary file
 * is removed and the target is unchanged. Either way a is finished. */
int tb_atomic_commit(tb_atomic *a, tb_err *e);

/* Drops the temporary file (a write failed half-way). Safe after a failed begin. */
void tb_atomic_abort(tb_atomic *a);

/* Replaces path with len bytes of data. */
int tb_atomic_write(const char *path, const void *data, size_t len, mode_t mode, tb_err *e);

/* Replaces path with j dumped with jansson's flags (a newline is added at the end). */
int tb_atomic_write_json(const char *path, const json_t *j, size_t flags, mode_t mode, tb_err *e);

/* fsyncs the folder holding path, so a rename or a new file in it survives a power cut. */
int tb_fsync_dir_of(const char *path, tb_err *e);

#endif
