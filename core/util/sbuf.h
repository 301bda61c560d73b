/*
 * sbuf.h - a growable string buffer for text built off the hot path (REPL output, reports).
 */
#ifndef TB_UTIL_SBUF_H
#define TB_UTIL_SBUF_H

#include <stddef.h>

typedef struct tb_sbuf {
    char *s; /* always NUL-terminated once anything was added; NULL before */
    size_t len, cap;
    int oom; /* set when an allocation failed: the text is truncated */
} tb_sbuf;

void tb_sbuf_add(tb_sbuf *b, const char *s, size_t n);
void tb_sbuf_puts(tb_sbuf *b, const char *s);
void tb_sbuf_printf(tb_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tb_sbuf_free(tb_sbuf *b);

#endif
