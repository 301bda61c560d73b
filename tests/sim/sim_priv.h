/*
 * sim_priv.h - the simulation's world, shared by sim.c (steps, crashes, restarts) and
 * sim_check.c (the invariants). Not for other users.
 */
#ifndef TB_SIM_PRIV_H
#define TB_SIM_PRIV_H

#include "fake_broker.h"
#include "paper_tap.h"
#include "risk/gates.h"
#include "sim.h"
#include "sim_rng.h"
#include "store/db.h"
#include "store/kv.h"
#include "oms/oms_store.h"
#include "trade/gate_chain.h"
#include "trade/trader.h"

#define SIM_NSYM     2
#define SIM_MAXSTRAT 6
#define SIM_MAXDAYS  4096

typedef struct sim {
    sim_cfg c;
    sim_result *r;
    char dir[256], db_path[320], data_dir[320];
    char strat_name[SIM_MAXSTRAT][16], strat_file[SIM_MAXSTRAT][320];
    int nstrat;
    int allow_short[SIM_MAXSTRAT]; /* its configuration allows ctx:short */
    sim_rng market, world;
    tb_cal cal;
    tb_risk_cfg rc;
    fake_broker *fb; /* the misbehaving broker, or NULL: the paper mode's tap */
    paper_tap *tap;
    tb_money initial_cash;
    /* the engine: everything below is thrown away by a crash */
    int alive;
    tb_symtab syms;
    tb_shost host;
    tb_trader *t;
    tb_risk *risk;
    tb_gate_chain chain;
    tb_db *db;
    oms_store *st;
    tb_kv *kv;
    oms_journal inner; /* the store's journal, behind the engine's wrapper (sim.c) */
    sqlite3_stmt *q_fills, *q_daytrades;
    /* the market and the clock */
    double px[SIM_NSYM];
    tb_session sess;
    int in_session, minute;
    tb_date day;
    int64_t step;
    int64_t submits;     /* that reached the broker */
    int kill;            /* the operator's kill switch */
    int64_t kill_seq;    /* orders below this sequence were working when it was engaged */
    int64_t kill_settle; /* from this step on they must all be gone (grace for late updates) */
    /* what the journal holds, read incrementally (sim_check.c) */
    int64_t fills_rowid, dt_rowid, fills_seen;
    tb_qty strat_pos[SIM_MAXSTRAT + 2][SIM_NSYM]; /* strategies, "engine", anything else */
    tb_qty acct_pos[SIM_NSYM];
    tb_qty short_sent[SIM_MAXSTRAT][SIM_NSYM]; /* explicit shorts that reached the broker */
    struct {
        int32_t day;
        int n;
    } dt[SIM_MAXDAYS];
    int ndt;
} sim;

extern const char *const sim_symbols[SIM_NSYM];

/* What the broker saw, in either mode: its position less the executions it has not handed over
 * yet, the distinct executions it handed over, the most sends of one client id, and whether it
 * is connected and ready. */
tb_qty sim_broker_qty(sim *s, const char *symbol);
int64_t sim_broker_delivered(const sim *s);
int sim_broker_max_sends(const sim *s, const char **client_id);
int sim_broker_ready(const sim *s);

/* One line into the trace hash (and stdout when printing the trace). */
void sim_trace(sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A violation of invariant inv (1..5): counted, traced, and the first checked one kept. */
void sim_violation(sim *s, int inv, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prepares (after a boot) and finalizes (before a crash) the journal readers. */
int sim_check_open(sim *s, tb_err *e);
void sim_check_close(sim *s);

/* Invariants 1, 2, 3 and 5 after a step. */
void sim_check_step(sim *s);

/* Steps the broker gets to confirm the kill switch's cancels (updates come up to 6 late). */
#define SIM_KILL_GRACE 12

/* Invariant 4, at the broker's door: called for each submit that reaches it. */
void sim_check_submit(void *ud, const broker_submit_req *r);

#endif
