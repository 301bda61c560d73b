/*
 * posdiff.h - position differences between the engine and a broker, as reconciliations see them.
 *
 * A difference that stays was logged on every reconciliation (every 30 s) and drowned the log.
 * Now each symbol's difference is one WARN line when it starts or changes
 * (`reconcile: position differs: AAPL local=10 broker=5`) and one INFO line when it is resolved
 * (`reconcile: position difference resolved: AAPL local=5 broker=5`). Fixed table, no allocation.
 *
 * A difference still there after persist_rounds consecutive reconciliations with the same gap
 * (broker minus engine), and at least persist_min_ns after that gap was first seen, is
 * *persistent*: one WARN line (`reconcile: position difference
 * persists: ...`), new entries on that symbol are refused (core/trade/admit.c, gate
 * "position_difference") and /api/status, /metrics and the Sentinel show it, until it resolves.
 * Why rounds with the same gap: a reconciliation list that lags the stream (fills the engine
 * already has, not yet in the broker's list) shows a gap that changes or closes by the next
 * round; a real difference (shares moved behind the engine's back) keeps its gap even while the
 * engine trades the symbol. The age covers a list that lags without the engine trading (the gap
 * then stays the same until the list catches up; Alpaca's emulator fault list_lag: 60 s).
 */
#ifndef TB_BROKER_POSDIFF_H
#define TB_BROKER_POSDIFF_H

#include "oms/broker.h"
#include "oms/oms.h"
#include "util/money.h"

#define POSDIFF_MAX            64
#define POSDIFF_PERSIST_ROUNDS 2 /* default: one lagging list is forgiven */

typedef struct posdiff_entry {
    char symbol[OMS_SYMBOL_MAX + 1];
    tb_qty local, broker;
    int seen;         /* noted in the current round */
    int rounds;       /* consecutive rounds with this gap (broker - local) */
    int persistent;   /* rounds reached persist_rounds: entries held */
    int64_t since_ns; /* wall time this gap was first seen */
} posdiff_entry;

typedef struct posdiff {
    posdiff_entry d[POSDIFF_MAX];
    int n;
    int persist_rounds;     /* <= 0: POSDIFF_PERSIST_ROUNDS */
    int64_t persist_min_ns; /* ... and at least this old (wall time; 0: rounds only) */
} posdiff;

/* Starts a reconciliation's comparison. */
void posdiff_begin(posdiff *p);

/* One symbol that differs in this round: logs (as `who`) when it is new or its figures changed,
 * and once when it becomes persistent. Returns 1 when it logged that it differs. */
int posdiff_note(posdiff *p, const char *who, const char *symbol, tb_qty local, tb_qty broker_qty);

/* Ends the round: a difference not noted in it is resolved (one INFO line each); `local` gives the
 * engine's quantity now. Returns how many were resolved. */
int posdiff_end(posdiff *p, const char *who, tb_qty (*local)(void *ud, const char *sym), void *ud);

/* One reconciliation's comparison of the engine's positions (m) with the broker's list: every
 * symbol that differs is counted in *differences and noted; the rest are resolved. */
void posdiff_compare(posdiff *p, const char *who, const oms *m, const broker_position *pos,
                     int npos, uint64_t *differences);

/* The persistent difference on symbol, or NULL (p may be NULL). */
const posdiff_entry *posdiff_persistent(const posdiff *p, const char *symbol);

/* How many differences are persistent now (p may be NULL: 0). */
int posdiff_persistent_count(const posdiff *p);

#endif
