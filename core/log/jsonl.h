/*
 * jsonl.h - append-only JSONL audit trails (decision log, sentinel and healer history, ...).
 *
 * One JSON object a line, written with a single write() so a crash leaves whole lines; a torn
 * tail left by a power loss is cut off (and said) when the file is opened again. Lines pass
 * through redaction. Files rotate by size into data/archives/ (the runbook's 500 MB default).
 */
#ifndef TB_LOG_JSONL_H
#define TB_LOG_JSONL_H

#include "util/err.h"

#include <jansson.h>
#include <stdint.h>

typedef struct tb_jsonl tb_jsonl;

/* Opens path for appending; repairs a torn last line. fsync_each: fdatasync after every line. */
tb_jsonl *tb_jsonl_open(const char *path, int fsync_each, tb_err *e);

/* Rotation: when the file passes max_bytes it moves to archive_dir (0 = never). */
void tb_jsonl_set_rotation(tb_jsonl *j, int64_t max_bytes, const char *archive_dir);

/* Appends obj as one line (does not steal the reference). */
int tb_jsonl_write(tb_jsonl *j, const json_t *obj, tb_err *e);

/* Moves the file into the archive folder now (gzip in the background) and goes on in a fresh
 * one; out gets the archive's path. */
int tb_jsonl_rotate_now(tb_jsonl *j, char *out, int outlen, tb_err *e);

/* Bytes cut from a torn tail at open (0 when the file was whole). */
int64_t tb_jsonl_repaired_bytes(const tb_jsonl *j);

void tb_jsonl_close(tb_jsonl *j);

#endif
