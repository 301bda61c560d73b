/*
 * healer.h - the Healer: directives made from the Sentinel's findings by the Lua files of
 * scripts/healer/ (and, when configured, an LLM proposer), executed each in its own git
 * worktree on a branch healer/auto-fix-{SYMBOL}-{TIMESTAMP}, validated (changed Lua files load,
 * `tradebot check`, the project's busted specs, a replay not worse than the baseline) and
 * promoted only by an operator (`tradebot healer approve ID` or the dashboard), which merges
 * the branch into the home's checkout; the running engine hot-reloads what changed.
 *
 * The home is a git repository for this feature (docs/operations.md 4.7).
 */
#ifndef TB_HEALER_H
#define TB_HEALER_H

#include "config/config.h"
#include "util/err.h"

#include <jansson.h>

/* Turns the last audit's findings (logs/sentinel_activity.jsonl) into new Queued directives;
 * a finding is answered once (answered.c). Returns how many were added. With unanswered, sets
 * it to {rule: count} of the WARNING-or-worse findings no directive answers (a new object). */
int hl_propose(const tb_config *cfg, json_t **unanswered, tb_err *e);

/* {rule: count} of the WARNING-or-worse findings that no directive of root answers (same rule;
 * same symbol and strategy when the directive names them). A new object. */
json_t *hl_unanswered(json_t *findings, json_t *root);

/* Adds one proposal d (stolen) from another part of tradebot (proposer: "sweep") to the
 * directives file as Queued, under the file's lock; the same checks as the rules' proposals
 * (kind, boundary, not a duplicate of an open one). id receives its id. -1 with why otherwise
 * (a refusal by the boundary is kept in the file, as for any proposal). */
int hl_propose_one(json_t *d, const char *proposer, char *id, size_t idlen, tb_err *e);

/* The optional LLM proposer: asks the configured chat completions endpoint for a patch per
 * finding of severity WARNING and above; adds script_patch directives (can_auto_apply false).
 * Returns how many were added (0 when llm_enabled is false). */
int hl_propose_llm(const tb_config *cfg, json_t *root, json_t *findings, tb_err *e);

/* The last audit's findings (a new array). */
json_t *hl_last_findings(void);

/* Who runs the directives: any `healer run` (CRITICAL ones, WARNING and ERROR ones from 22:30
 * UTC), --now (all regardless of the time) or the orchestrator's nightly step (--nightly: like
 * the first, and past midnight the WARNING and ERROR ones it leaves are recorded skipped). */
typedef enum hl_run_mode { HL_RUN_SCHEDULE, HL_RUN_NOW, HL_RUN_NIGHTLY } hl_run_mode;

typedef struct hl_run_counts {
    int ran, failed, skipped; /* executed, of which failed; left for the next nightly window */
    char skip_reason[256];    /* why they were skipped (skipped > 0) */
} hl_run_counts;

/* 1 when the home is a git repository with a commit (directives run on branches of it). */
int hl_home_is_repo(void);

/* Marks due directives PENDING_EXECUTION (can_auto_apply; CRITICAL always, WARNING and ERROR
 * from 22:30 UTC or with HL_RUN_NOW) and executes every PENDING_EXECUTION one (only_id: just
 * that one). Fills *n; returns the number executed, -1 on error (a home without git). */
int hl_run_due(const tb_config *cfg, hl_run_mode mode, const char *only_id, hl_run_counts *n,
               tb_err *e);

/* Executes one directive: worktree, branch, apply, validate, replay, commit. Sets its status
 * (Executed or Failed) and the branch, replay figures and failure log. */
int hl_execute(const tb_config *cfg, json_t *d, tb_err *e);

/* Applies a directive's change inside a checkout at dir (used by hl_execute). */
int hl_apply_change(json_t *d, const char *dir, int logfd, tb_err *e);

/* approve: an Executed directive is promoted (its branch merged into the home's checkout); a
 * Queued or Failed one becomes PENDING_EXECUTION (it runs at the next `healer run`). who is
 * "cli" or "dashboard". On success *result is the directive (a new reference). */
int hl_approve(const char *id, const char *who, json_t **result, tb_err *e);

/* Rejects a directive: Rejected, its branch deleted. */
int hl_reject(const char *id, const char *who, tb_err *e);

/* Undoes the last promotion (git revert of its merge) and marks it RolledBack. With id, only
 * when that directive is the last promotion (a dashboard button acts on the row it is on). */
int hl_rollback(const char *id, const char *who, json_t **result, tb_err *e);

/* Records an operator's decision: a line in logs/control_audit_log.jsonl and a row in the
 * healer_audit table of ml_db/ml_data.db (audit.c). detail may be NULL. */
void hl_audit(const char *action, const char *id, const char *who, const char *detail);

/* Deletes healer/auto-fix-* branches no directive awaits review on (all with all set) and
 * prunes stale worktrees. Returns the number of branches deleted. */
int hl_cleanup(int all, tb_err *e);

#endif
