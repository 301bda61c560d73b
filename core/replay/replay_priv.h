/*
 * replay_priv.h - what the parts of the session replay share (session_replay.c plays,
 * replay_compare.c compares and prints); not for other users.
 */
#ifndef TB_REPLAY_REPLAY_PRIV_H
#define TB_REPLAY_REPLAY_PRIV_H

#include "replay/rec.h"
#include "replay/session_replay.h"

/* One decision, recorded or replayed, with the file it belongs to. */
typedef struct rp_dec {
    int file;
    tb_rec_decision d;
    int gate_used; /* a replayed intent took this recorded verdict */
    int paired;
} rp_dec;

typedef struct rp_decs {
    rp_dec *v;
    size_t n, cap;
} rp_decs;

int rp_decs_push(rp_decs *a, int file, const tb_rec_decision *d);

/* Start of each bar of a file by sequence (for printing times). */
typedef struct rp_times {
    int64_t *v;
    size_t n, cap;
} rp_times;

/* Pairs recorded and replayed decisions bar by bar; fills out->diffs, differences and prints
 * to o->out. times[file] gives bar start times. */
void rp_compare(const tb_sreplay_opts *o, rp_decs *rec, rp_decs *rep, const rp_times *times,
                tb_sreplay_result *out);

/* "buy 3 AAPL market submitted" (gate and prices when set). */
void rp_dec_text(const tb_rec_decision *d, char *out, size_t cap);

#endif
