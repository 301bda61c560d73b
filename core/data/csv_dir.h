/*
 * csv_dir.h - every *.csv file of a folder as one time-ordered bar array: what `backtest --data`
 * and a configured replay.data_dir play.
 *
 * Files are read in byte order of their names (so the same folder gives the same symbol ids
 * and the same run on any machine), each from its column cache when valid (data/csv_cache.h),
 * and merged by (start, symbol id, timeframe); bars equal in all three keep file order. The
 * result is the stable sort of the files' bars concatenated in that order.
 */
#ifndef TB_DATA_CSV_DIR_H
#define TB_DATA_CSV_DIR_H

#include "data/csv_cache.h"

typedef struct tb_csv_dir_opts {
    const tb_csv_cache_opts *cache; /* NULL: caching on, no fallback folder */
    /* Called for each file in order once it is loaded (its report; where its bars came from). */
    void (*on_file)(void *ud, const char *path, const tb_csv_file *f);
    void *ud;
} tb_csv_dir_opts;

/* Loads dir's *.csv files into out (which must be empty), in time order, symbols interned in
 * syms in file order. -1 with e set for a folder that cannot be read, holds no .csv
 * file, or a file the parser refuses (as tb_csv_read_file says). */
int tb_csv_dir_load(const char *dir, const tb_csv_dir_opts *o, tb_symtab *syms, tb_bar_vec *out,
                    tb_err *e);

#endif
