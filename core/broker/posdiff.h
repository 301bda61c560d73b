/*
 * posdiff.h - position differences between the engine and a broker, as reconciliations see them.
 *
 * A difference that stays was logged on every reconciliation (every 30 s) and drowned the log.
 * Now each symbol's difference is one WARN line when it starts or changes
 * (`reconcile: position differs: AAPL local=10 broker=5`) and one INFO line when it is resolved
 * (`reconcile: position difference resolved: AAPL local=5 broker=5`). Fixed table, no allocation.
 */
#ifndef TB_BROKER_POSDIFF_H
#define TB_BROKER_POSDIFF_H

#include "broker/broker.h"
#include "oms/oms.h"
#include "util/money.h"

#define POSDIFF_MAX 64

typedef struct posdiff {
    struct {
        char symbol[OMS_SYMBOL_MAX + 1];
        tb_qty local, broker;
        int seen; /* noted in the current round */
    } d[POSDIFF_MAX];
    int n;
} posdiff;

/* Starts a reconciliation's comparison. */
void posdiff_begin(posdiff *p);

/* One symbol that differs in this round: logs (as `who`) when it is new or its figures changed.
 * Returns 1 when it logged. */
int posdiff_note(posdiff *p, const char *who, const char *symbol, tb_qty local, tb_qty broker_qty);

/* Ends the round: a difference not noted in it is resolved (one INFO line each); `local` gives the
 * engine's quantity now. Returns how many were resolved. */
int posdiff_end(posdiff *p, const char *who, tb_qty (*local)(void *ud, const char *sym), void *ud);

/* One reconciliation's comparison of the engine's positions (m) with the broker's list: every
 * symbol that differs is counted in *differences and noted; the rest are resolved. */
void posdiff_compare(posdiff *p, const char *who, const oms *m, const broker_position *pos,
                     int npos, uint64_t *differences);

#endif
