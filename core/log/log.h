/*
 * log.h - the engine's text log (logs/trading_bot.log, logs/orchestrator.log).
 *
 * One event a line: "<UTC time> <LEVEL> [<component>] <message>", messages stable enough for a
 * runbook to grep. Every line passes through redaction. The file rotates by size into
 * data/archives/ (gzip). Before tb_log_open() lines go to stderr only.
 */
#ifndef TB_LOG_LOG_H
#define TB_LOG_LOG_H

#include "util/err.h"

#include <stdint.h>

typedef enum { TB_LOG_DEBUG = 0, TB_LOG_INFO, TB_LOG_WARN, TB_LOG_ERROR } tb_log_level;

typedef struct tb_log_opts {
    tb_log_level level;
    int also_stderr;   /* echo lines to stderr (on a TTY, or when configured) */
    int64_t max_bytes; /* rotate when the file grows past this; 0 = never */
    const char *archive_dir;
} tb_log_opts;

/* Opens (appends to) path. Replaces a log already open. */
int tb_log_open(const char *path, const tb_log_opts *opts, tb_err *e);

/* Changes level, echo and rotation of the open log (configuration reload). */
void tb_log_configure(const tb_log_opts *opts);

/* Parses "debug", "info", "warn"/"warning", "error". Returns -1 when unknown. */
int tb_log_level_parse(const char *s);

/* Writes one line. */
void tb_log(tb_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Flushes and closes; later lines go to stderr. */
void tb_log_close(void);

/* A line of the text log as tb_log wrote it: "TIME LEVEL [component] message". */
typedef struct tb_log_line {
    int level;           /* tb_log_level */
    char component[80];  /* as written (control characters escaped) */
    const char *message; /* into the line */
} tb_log_line;

/* Splits a line of the text log. Returns 0, or -1 when it is not one. Readers of the engine's
 * own lines (the Sentinel, the Healer) match the component and the message's start, never a
 * text anywhere in a line: a strategy's words (tb.log, an order reason, an error) may hold any
 * text but never another component, which strategies' lines do not share (strategy:<name>). */
int tb_log_line_parse(const char *line, size_t len, tb_log_line *out);

/* The message of line when component wrote it and it starts with prefix, else NULL. */
const char *tb_log_line_from(const char *line, size_t len, const char *component,
                             const char *prefix);

/* Counts of lines written per level since start (for metrics and Sentinel). */
uint64_t tb_log_count(tb_log_level level);

#define TB_DEBUG(comp, ...) tb_log(TB_LOG_DEBUG, comp, __VA_ARGS__)
#define TB_INFO(comp, ...)  tb_log(TB_LOG_INFO, comp, __VA_ARGS__)
#define TB_WARN(comp, ...)  tb_log(TB_LOG_WARN, comp, __VA_ARGS__)
#define TB_ERROR(comp, ...) tb_log(TB_LOG_ERROR, comp, __VA_ARGS__)

#endif
