/*
 * err.h - errors as values.
 *
 * A function that can fail returns 0 or -1 and, on failure, fills a caller-owned tb_err with one
 * line saying what and where (file, key, line, symbol). Only the top level decides whether to
 * log, retry or stop.
 */
#ifndef TB_UTIL_ERR_H
#define TB_UTIL_ERR_H

#include <stddef.h>

typedef struct tb_err {
    char msg[512];
} tb_err;

/* Formats the message into e (may be NULL) and returns -1, so `return tb_errf(e, ...)` reads. */
int tb_errf(tb_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefixes the existing message with more context ("config/x.json: " + old). Returns -1. */
int tb_err_prefix(tb_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* calloc(1, size) for a constructor; when that fails, NULL with "<who>: out of memory" in e.
 * One allocation failure message for every `*_new`. */
void *tb_zalloc(size_t size, const char *who, tb_err *e);

#endif
