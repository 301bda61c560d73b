/*
 * replay_broker.h - the broker of `tradebot replay`: it answers an order the way the recorded
 * session's broker did when the recording sent the same order (same bar, strategy, symbol, side,
 * qty, type and prices), by handing the recorded updates (acks, fills, rejects, cancels) to the
 * order manager at the point of the stream where they arrived. An order the recording never sent
 * goes to a paper exchange (broker/paper.h) fed with the recorded bars, and is reported as a
 * difference.
 */
#ifndef TB_REPLAY_REPLAY_BROKER_H
#define TB_REPLAY_REPLAY_BROKER_H

#include "broker/paper.h"
#include "replay/rec.h"

#include <jansson.h>

typedef struct tb_rbroker tb_rbroker;

/* A broker with a paper exchange of pc for the orders the recording never sent. */
tb_rbroker *tb_rbroker_new(const paper_config *pc, tb_err *e);
void tb_rbroker_free(tb_rbroker *b);

/* Adds one recorded order sent to the broker (file index, decision with verdict sent). */
int tb_rbroker_add_sent(tb_rbroker *b, int file, const tb_rec_decision *d);

broker tb_rbroker_broker(tb_rbroker *b);

/* Where the stream is: file index and bar sequence (orders are matched on them). */
void tb_rbroker_at(tb_rbroker *b, int file, int64_t bar_seq);

/* A position the engine held at start, for the paper exchange (orders the recording never sent
 * may close it). */
int tb_rbroker_restore(tb_rbroker *b, const oms_position *p, tb_err *e);

/* A recorded bar, for the paper exchange. */
void tb_rbroker_bar(tb_rbroker *b, const tb_rec_bar *bar);

/* A recorded broker update: delivered to the replayed order it maps to; 0 when the recording's
 * order has no replayed counterpart (counted). */
int tb_rbroker_update(tb_rbroker *b, const tb_rec_update *u);

/* Orders that went to the paper exchange, and updates of orders the replay never made. */
uint64_t tb_rbroker_paper_orders(const tb_rbroker *b);
uint64_t tb_rbroker_unmatched_updates(const tb_rbroker *b);

/* The orders answered by the paper model, as JSON rows {file, bar, client_id, symbol, ...}
 * (borrowed). */
json_t *tb_rbroker_paper_rows(const tb_rbroker *b);

#endif
