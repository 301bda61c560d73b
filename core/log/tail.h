/*
 * tail.h - the last lines of a text file (JSONL audit trails, the engine log) without reading
 * the whole file: the dashboard shows the tail of files that grow to hundreds of megabytes.
 */
#ifndef TB_LOG_TAIL_H
#define TB_LOG_TAIL_H

#include <stddef.h>
#include <stdint.h>

/* Called per complete line, oldest first (line is NUL-terminated, without the newline). */
typedef void (*tb_tail_fn)(const char *line, size_t len, void *ud);

/*
 * Calls fn for each complete line in the last max_bytes of path (the first, possibly partial
 * line of that window is skipped). Returns the file size read up to, or -1 when the file cannot
 * be read (a missing file is not an error for callers: they show an empty list).
 */
int64_t tb_tail_lines(const char *path, size_t max_bytes, tb_tail_fn fn, void *ud);

/*
 * Calls fn for each complete line from byte offset `from` (at most max_bytes are read). Returns
 * the offset after the last complete line (pass it next time), or -1. A file shorter than from
 * (rotated) is read from its start.
 */
int64_t tb_tail_from(const char *path, int64_t from, size_t max_bytes, tb_tail_fn fn, void *ud);

#endif
