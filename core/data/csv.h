/*
 * csv.h - bars from and to CSV files.
 *
 * Reading: the first non-blank line is a header, matched by name in any order:
 *   time    t | timestamp | time | date | datetime
 *   open    o | open        high   h | high       low    l | low      close  c | close
 *   volume  v | volume      vwap   vw | vwap      trades n | trades | trade_count
 *   symbol  S | T | symbol | ticker           (one-letter names are case-sensitive: t vs T)
 * Unknown columns are ignored. t, o, h, l, c are required; v, vw, n and the symbol are not (a
 * missing vwap is the typical price (h+l+c)/3, missing volume and trades are 0). Time is RFC
 * 3339 ("2024-03-01T14:30:00Z", fractions and +hh:mm offsets allowed, no zone = UTC), a date
 * alone (the 09:30 ET open of that day, for daily bars), or a Unix number whose magnitude
 * gives the unit (seconds, milliseconds as Polygon and Alpaca files use, micro or nano).
 *
 * A malformed row (not a number, NaN or infinite, price <= 0, high < low, open or close outside
 * low..high, negative volume, missing field, too many fields) never becomes a bar: it is
 * reported with file, line and field. Per symbol, a bar not later than the previous one is a
 * duplicate (same start) or out of order (earlier). The policy decides: skip the row and go on,
 * or reject the whole file (nothing is added).
 *
 * The parser reads from a memory buffer and never reads outside it: a fuzzer can drive
 * tb_csv_parse directly.
 */
#ifndef TB_DATA_CSV_H
#define TB_DATA_CSV_H

#include "data/bar.h"
#include "data/symbols.h"

#include <stdio.h>

typedef enum { TB_CSV_SKIP = 0, TB_CSV_REJECT = 1 } tb_csv_policy;

typedef struct tb_csv_opts {
    tb_csv_policy policy;
    int tf_sec;         /* timeframe of the bars; 0: infer from the smallest step (60 if one bar) */
    const char *symbol; /* symbol for files without a symbol column */
} tb_csv_opts;

enum { TB_CSV_MALFORMED, TB_CSV_OUT_OF_ORDER, TB_CSV_DUPLICATE, TB_CSV_NREASONS };

#define TB_CSV_MAX_MSGS 8

typedef struct tb_csv_report {
    size_t rows;                     /* data rows read (header and blank lines not counted) */
    size_t accepted;                 /* bars added */
    size_t skipped[TB_CSV_NREASONS]; /* rows not added, by reason */
    int rejected;                    /* the reject policy refused the file */
    int nmsgs;                       /* messages kept: the first TB_CSV_MAX_MSGS problems */
    char msgs[TB_CSV_MAX_MSGS][192]; /* "file:line: field 'h': not a number ('x')" */
} tb_csv_report;

/* Parses len bytes of CSV named name (for messages) and appends the accepted bars to out,
 * interning symbols in syms. Returns 0 when the file was read (rows may have been skipped:
 * see rep), -1 with e set when it has no usable header, or the reject policy met a bad row
 * (then out is left as it was). opts may be NULL (skip, infer timeframe). */
int tb_csv_parse(const char *buf, size_t len, const char *name, const tb_csv_opts *opts,
                 tb_symtab *syms, tb_bar_vec *out, tb_csv_report *rep, tb_err *e);

/* Rows skipped for any reason. */
size_t tb_csv_skipped(const tb_csv_report *rep);

/* "N rows, N bars, skipped N malformed, N out of order, N duplicate" into buf. */
void tb_csv_summary(const tb_csv_report *rep, char *buf, size_t len);

/* Reads a file and parses it with tb_csv_parse. Without a symbol column or opts->symbol the
 * file name gives the symbol ("data/aapl.csv" -> "AAPL"). */
int tb_csv_read_file(const char *path, const tb_csv_opts *opts, tb_symtab *syms, tb_bar_vec *out,
                     tb_csv_report *rep, tb_err *e);

/* The symbol a file without a symbol column holds: its name up to the first dot, upper case
 * ("data/aapl.csv" -> "AAPL"), into sym; returns sym. */
const char *tb_csv_path_symbol(const char *path, char sym[TB_SYM_MAX_LEN + 1]);

/* Parses a time field of len bytes (forms above) into ns UTC; -1 when it is none of them. */
int tb_csv_parse_time(const char *s, size_t len, int64_t *ns);

/* Writes bars with the Alpaca column names (t,o,h,l,c,v,vw,n; with_symbol adds S first), times
 * as RFC 3339 UTC, numbers in their shortest exact form. */
int tb_csv_write(FILE *f, const tb_symtab *syms, const tb_bar *bars, size_t n, int with_symbol,
                 tb_err *e);

/* Writes one file per symbol, dir/<SYMBOL>.csv, each in the order of bars (no S column). */
int tb_csv_write_per_symbol(const char *dir, const tb_symtab *syms, const tb_bar *bars, size_t n,
                            tb_err *e);

#endif
