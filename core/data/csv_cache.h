/*
 * csv_cache.h - a binary column copy of one parsed CSV file, so the next backtest over the same
 * file reads its bars instead of parsing text.
 *
 * Where: next to the CSV, DIR/.tradebot-cache/NAME.csv.tbc. When that folder cannot be written
 * (a read-only data folder), in opts->fallback_dir as HASH-NAME.csv.tbc (HASH of the CSV's
 * absolute path; the backtest passes the home's cache/csv/); with neither, the file is parsed
 * each run and nothing is written.
 *
 * When a cache is used: its header names the CSV it was built from: size, mtime and ctime (ns),
 * device and inode, an XXH64 of its first and last 4 KiB, and the parse options (policy,
 * timeframe, symbol). Every one must equal the CSV's now, with the format version; an edit that
 * keeps size and mtime (touch -d) still changes ctime, which a user cannot set. A CSV modified
 * in the last 2 s (the timestamps' granularity) is not cached yet, so an edit in the same tick
 * as the build cannot hide (git's "racily clean" rule).
 *
 * Never trusted: the header and the payload carry XXH64 checksums and the file's size must be
 * the one the header's counts give; then every bar is checked as the parser checks a row (valid
 * prices, symbol index, strictly increasing per file). A cache failing anything is rebuilt. A
 * cache is written to a temporary file and renamed into place, so concurrent builders of one
 * cache each leave a whole file and a reader never sees a half-written one.
 *
 * Cached: the accepted bars as columns sorted by (start, local symbol), the file's symbols in
 * order of first appearance, and its parse report (row counts, the first messages without the
 * path, which is added back at load): rows skipped in the CSV are reported from the cache
 * exactly as the parser reports them. A file the parser refuses is never cached.
 */
#ifndef TB_DATA_CSV_CACHE_H
#define TB_DATA_CSV_CACHE_H

#include "data/csv.h"

#include <stdint.h>

#define TB_CSV_CACHE_VERSION 1
#define TB_CSV_CACHE_DIR     ".tradebot-cache"
#define TB_CSV_CACHE_EXT     ".tbc"

typedef struct tb_csv_cache_opts {
    int off;                  /* parse every time; no cache read nor written */
    const char *fallback_dir; /* for a CSV whose folder cannot be written (NULL: none) */
    int64_t racy_ns; /* a CSV changed this recently is not cached: 0 the default 2 s, < 0 none */
} tb_csv_cache_opts;

typedef enum {
    TB_CSV_CACHE_HIT,     /* read from a valid cache */
    TB_CSV_CACHE_BUILT,   /* parsed; the cache was written */
    TB_CSV_CACHE_UNSAVED, /* parsed; no cache written (note says why) */
    TB_CSV_CACHE_OFF,     /* parsed; caching off */
} tb_csv_cache_state;

/* What identifies the CSV a cache was built from. */
typedef struct tb_csv_src {
    uint64_t size;
    int64_t mtime_ns, ctime_ns;
    uint64_t dev, ino;
    uint64_t head_hash, tail_hash; /* first and last 4 KiB */
} tb_csv_src;

/* One CSV file's accepted bars as columns, sorted by (start, local symbol); from its cache or
 * parsed. The arrays live in img. */
typedef struct tb_csv_file {
    tb_csv_report rep; /* as tb_csv_read_file gives it (messages name the path) */
    size_t n;
    int32_t tf_sec;
    uint32_t nsyms;
    const char (*syms)[TB_SYM_MAX_LEN + 1]; /* local symbols, in order of first appearance */
    const int64_t *start_ns, *trades;
    const double *open, *high, *low, *close, *volume, *vwap;
    const uint32_t *sym; /* local symbol of each bar */
    tb_csv_cache_state cache;
    char note[200]; /* why the cache was rebuilt or not written; "" otherwise */
    void *img;
    size_t img_len;
} tb_csv_file;

/* Loads path: from its cache when one is valid for it, else parsed with opts (policy and
 * timeframe; the symbol as tb_csv_read_file) and the cache written. co may be NULL (caching on,
 * no fallback). Returns -1 with e set as tb_csv_read_file would. */
int tb_csv_file_load(const char *path, const tb_csv_opts *opts, const tb_csv_cache_opts *co,
                     tb_csv_file *f, tb_err *e);

/* Releases the columns and zeroes f. */
void tb_csv_file_free(tb_csv_file *f);

/* Bar i of f with symbol id gsym (the caller's table). */
void tb_csv_file_bar(const tb_csv_file *f, size_t i, uint32_t gsym, tb_bar *b);

/* The cache file of csv next to it: DIR/.tradebot-cache/NAME.csv.tbc. */
void tb_csv_cache_path(const char *csv, char *out, size_t len);

/* A cache image (the whole file): parsed bars (local symbol ids of syms, sorted here), report,
 * the CSV's path (stripped from the messages) and identity. NULL with e set when it cannot be
 * made. The result is sealed; free() it. */
void *tb_csv_cache_build(const tb_csv_src *src, uint64_t opts_hash, const tb_symtab *syms,
                         tb_bar_vec *bars, const tb_csv_report *rep, const char *path, size_t *len,
                         tb_err *e);

/* Recomputes the payload and header checksums of an image (after tb_csv_cache_build, or in a
 * fuzzer that mutates one and wants its content checks reached). */
void tb_csv_cache_seal(void *img, size_t len);

/* Points f's columns and report into an image without checking it (one just built). */
void tb_csv_cache_view(const void *img, const char *path, tb_csv_file *f);

/* Checks an image as the loader does (header, size, checksums, every bar) and points f's columns
 * into it (f->rep gets the counts and messages, prefixed with path). With src non-NULL its
 * identity and opts_hash must match too. 0 when usable, else -1 with why filled. */
int tb_csv_cache_check(const void *img, size_t len, const tb_csv_src *src, uint64_t opts_hash,
                       const char *path, tb_csv_file *f, char *why, size_t whylen);

/* The hash of the parse options a cache depends on. */
uint64_t tb_csv_cache_opts_hash(const tb_csv_opts *o);

#endif
