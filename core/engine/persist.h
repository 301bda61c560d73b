/*
 * persist.h - what makes `tradebot run` survive kill -9: restoring orders, positions, the paper
 * book, the replay cursor and strategies' state at start, and recording the cursor and the
 * acting strategy's state with every journaled order and fill.
 */
#ifndef TB_ENGINE_PERSIST_H
#define TB_ENGINE_PERSIST_H

#include "engine/engine.h"

/* The journal the trader is given: records cursor and state, then the OMS store's journal. */
oms_journal tb_persist_journal(tb_engine *en);

/* After the runner and strategies are set up: restores everything the database holds. */
int tb_persist_restore(tb_engine *en, tb_err *e);

/* Saves every strategy's state (session end, shutdown). */
void tb_persist_save_states(tb_engine *en);

#endif
