/*
 * sim.h - the seeded deterministic simulation of the trading path (docs/simulation.md).
 *
 * One run drives the real engine code (tb_trader with the risk gate chain, the order manager with
 * its SQLite journal, strategies as sandboxed Lua files generated from the seed) against the
 * misbehaving fake broker (fake_broker.h), crashes the engine at random steps (kill -9 in
 * process: everything is dropped without a shutdown path, only what SQLite committed survives)
 * and rebuilds it as the engine does at start. After every step it checks the invariants below.
 * The same seed gives the same run: the hash of the event trace is equal bit for bit.
 */
#ifndef TB_SIM_SIM_H
#define TB_SIM_SIM_H

#include "util/err.h"

#include <stdint.h>

/* The invariants (docs/simulation.md), as bits of sim_cfg.checks. */
enum {
    SIM_INV_POSITIONS = 1, /* 1: account = broker = persisted fills (= strategy positions) */
    SIM_INV_NO_CROSS = 2,  /* 2: no strategy's position below zero without an explicit short */
    SIM_INV_DAYTRADES = 4, /* 3: day trades in every 5-session window within the budget */
    SIM_INV_KILL = 8,      /* 4: nothing sent while the kill switch is engaged adds exposure */
    SIM_INV_ONCE = 16,     /* 5: no order sent twice, no delivered fill lost or doubled */
    SIM_INV_ALL = 31
};

typedef struct sim_cfg {
    uint64_t seed;
    int64_t steps;      /* one step: a minute bar per symbol, broker work, deliveries, checks */
    unsigned checks;    /* SIM_INV_* bits to check (all are computed; these count as failures) */
    int strategies;     /* 1..6 generated strategies, all on every symbol; 0: 3 */
    int stop_at_first;  /* stop the run at the first violation */
    int print_trace;    /* print every trace line (replaying a failing seed) */
    const char *tmpdir; /* where the run's home goes (NULL: /dev/shm or /tmp) */
    int risk_files;     /* the gates keep data/kill_switch.json and pdt_state.json (not
                           reproducible: the day-trade file is written by wall-clock time) */
    int paper;          /* the engine's paper broker (tapped) instead of the misbehaving one */
    int no_replace;     /* the operator never replaces (their findings are known, see docs) */
    int keep_dir;       /* leave the run's directory (ml_data.db, strategies) for inspection */
    int lose_exec;      /* sabotage: the broker claims to deliver its n-th execution and does
                           not (0: never); shows that the checks catch a lost fill */
} sim_cfg;

typedef struct sim_result {
    uint64_t hash;      /* of the whole event trace */
    int64_t steps;      /* steps run */
    int64_t violations; /* of the checked invariants */
    int64_t seen[5];    /* violations per invariant, checked or not */
    int64_t first_step; /* of the first checked violation, -1: none */
    char first[512];    /* what it was */
    int64_t orders, fills, crashes, disconnects, day_trades, kill_toggles, replaces;
} sim_result;

/* Runs one seed. 0 when it ran (see r->violations), -1 when it could not be set up (e). */
int sim_run(const sim_cfg *c, sim_result *r, tb_err *e);

/* Parses "1,2,3,4,5" or "all" into SIM_INV_* bits; -1 on a bad list. */
int sim_parse_checks(const char *s, unsigned *out);

#endif
