/*
 * facts.h - what happened, gathered for the Sentinel's rules: trades, P&L and drawdown per
 * session, decisions and gate blocks, missed opportunities, stale data, connectivity incidents,
 * model calibration, database integrity, log and disk growth.
 *
 * Everything is read in C from ml_db/ml_data.db and the audit logs of the home; the rules
 * (the Lua files of scripts/sentinel/) only judge. The facts are one JSON object
 * (docs/operations.md 4.6 lists its fields) so a rule sees the same table whether the engine or a
 * test built it.
 */
#ifndef TB_SENTINEL_FACTS_H
#define TB_SENTINEL_FACTS_H

#include "config/config.h"
#include "util/err.h"

#include <jansson.h>

/*
 * The facts for session day `date` ("YYYY-MM-DD"; NULL or "": the last session the engine
 * played, else today). state is data/sentinel_state.json's content from the previous audit
 * (log offsets and sizes; may be NULL) and is updated in place for the next one. Returns a new
 * object, or NULL with e.
 */
json_t *tb_facts_gather(const tb_config *cfg, const char *date, json_t *state, tb_err *e);

/* Appends to `facts` what the text and JSONL logs say (log scanning half, facts_logs.c). */
void tb_facts_logs(json_t *facts, const tb_config *cfg, json_t *state);

/* Adds facts.decisions (the day's verdicts and blocks by gate), facts.untaken_signals and the
 * window's intents per strategy; needs facts.window_set (facts_logs.c). */
void tb_facts_decisions(json_t *facts, const char *date);

/* Adds facts.missed: blocked or untaken signals whose symbol then moved more than the configured
 * percentage in the signal's direction (bars from SQLite or the replay's sample data). */
void tb_facts_missed(json_t *facts, const tb_config *cfg);

#endif
