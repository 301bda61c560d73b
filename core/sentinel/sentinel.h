/*
 * sentinel.h - the nightly audit: facts (facts.h) judged by the rules in scripts/sentinel/
 * (one Lua file per concern, each `return function(facts) return {findings...} end`), every
 * finding and action appended to logs/sentinel_activity.jsonl, and the directives for the bot
 * ("Strategic Reset", pause a symbol, reduce size) written to data/sentinel_feedback.json,
 * which the running engine applies without restart (engine/feedback.c).
 */
#ifndef TB_SENTINEL_H
#define TB_SENTINEL_H

#include "config/config.h"
#include "util/err.h"

#include <jansson.h>
#include <lua.h>

#define TB_SENTINEL_RULES_DIR "scripts/sentinel"
#define TB_SENTINEL_ACTIVITY  "logs/sentinel_activity.jsonl"
#define TB_SENTINEL_FEEDBACK  "data/sentinel_feedback.json"
#define TB_SENTINEL_STATE     "data/sentinel_state.json"

/* Runs every rule file of dir (sorted by name) on facts in the trusted state L. Returns the
 * findings: each {rule, severity, symbol, message, evidence[, directive]}. A rule that fails to
 * load or run becomes an ERROR finding of rule "sentinel" naming it; the others still run. */
json_t *tb_sentinel_rules_run(lua_State *L, const char *dir, json_t *facts);

/* One audit: gathers the facts for date (NULL: the last session), runs the rules, writes the
 * activity log, the feedback file and the state for the next audit. Returns {date, facts,
 * findings, directives} or NULL with e. */
json_t *tb_sentinel_run(const tb_config *cfg, const char *date, tb_err *e);

#endif
