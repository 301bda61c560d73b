/*
 * idfmt.h - building order, broker and execution ids without snprintf.
 *
 * Every order and fill formats ids like "tb-%s-%s-%08d-%lld" and "px-%016llx-%lld"; glibc's
 * snprintf spent ~1,000 instructions on each, a fifth of an order's path. These append to a
 * bounded buffer with snprintf's exact results, truncation included (what does not fit is cut
 * and the text always ends in NUL); tests/unit/test_idfmt.c compares them with snprintf.
 */
#ifndef TB_UTIL_IDFMT_H
#define TB_UTIL_IDFMT_H

#include <stddef.h>
#include <stdint.h>

typedef struct tb_idbuf {
    char *out;
    size_t cap, len; /* len: characters written (never past cap - 1) */
} tb_idbuf;

/* Starts an empty text in out[cap] (cap > 0). */
void tb_idbuf_init(tb_idbuf *b, char *out, size_t cap);

/* %s */
void tb_idbuf_str(tb_idbuf *b, const char *s);

/* %.*s of a text whose length n is known (no byte of s[0..n) is NUL) */
void tb_idbuf_mem(tb_idbuf *b, const char *s, size_t n);

/* %0<width>lld (width 0: %lld) */
void tb_idbuf_dec(tb_idbuf *b, long long v, int width);

/* %016llx */
void tb_idbuf_hex16(tb_idbuf *b, uint64_t v);

#endif
