/*
 * bar_seq.h - the order of a live stream per symbol: which bar starts were delivered, so a bar is
 * delivered once (a REST backfill that overlaps the stream, a resent bar after a resubscribe),
 * a bar older than the last one is never fed to a strategy, and a minute without a bar is
 * counted as a gap, never invented.
 */
#ifndef TB_FEED_BAR_SEQ_H
#define TB_FEED_BAR_SEQ_H

#include "data/bar.h"

#include <stdint.h>

typedef struct tb_bar_seq {
    int64_t *last; /* by symbol id: start of the last bar accepted, 0 none */
    uint32_t cap;
    uint64_t accepted, duplicates, gap_minutes;
} tb_bar_seq;

/* 1 when b is newer than the last bar of its symbol (and records it), 0 when it is a duplicate
 * or older, -1 out of memory. Minutes skipped within one session day add to gap_minutes. */
int tb_bar_seq_accept(tb_bar_seq *s, const tb_bar *b);

/* Start of the last accepted bar of sym, 0 when none. */
int64_t tb_bar_seq_last(const tb_bar_seq *s, uint32_t sym);

/* The earliest last-start over the symbols that have one, 0 when none (backfill origin). */
int64_t tb_bar_seq_oldest_last(const tb_bar_seq *s);

void tb_bar_seq_free(tb_bar_seq *s);

#endif
