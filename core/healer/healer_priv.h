/* healer_priv.h - shared between the Healer's files, not its public surface. */
#ifndef TB_HEALER_PRIV_H
#define TB_HEALER_PRIV_H

#include <jansson.h>
#include <stddef.h>

/* Adds a proposed directive d (stolen) to root as Queued unless it is invalid or equal to an
 * open one (propose.c). Returns 1 when added. */
int hl_add_proposal(json_t *root, json_t *d, const char *proposer);

/* Why proposal d is not added to root, or NULL when it may be (answered.c): the same change
 * was decided before; with by_finding (proposals made from the Sentinel's findings) also a
 * directive for the same finding in flight, or a merged one whose effect d's evidence (its
 * `since` date) predates. */
const char *hl_already_answered(json_t *root, json_t *d, int by_finding);

/* A configuration (JSON) without "strategies" runs the default list: sets it there, as the
 * loader would (apply.c). A change of one strategy's params then keeps the others running, and
 * the boundary compares the lists the engine runs, not the keys written (boundary.c). */
void hl_default_strategies(json_t *cfg);

/* Validates the checkout at dir after a change: every changed Lua file loads, `tradebot check`
 * passes, busted specs pass when the checkout has them (validate.c). Fills why on failure. */
int hl_validate(const char *dir, json_t *changed, int logfd, char *why, size_t len);

/* Replays the checkout's configuration over the window (`tradebot backtest --config --json`)
 * and returns the report (a new object) or NULL (validate.c). */
json_t *hl_replay(const char *dir, const char *from, const char *to, const char *data_dir,
                  int logfd);

/* Replays the last `last` recorded live sessions of sessions_dir with the checkout's strategies
 * and params (`tradebot replay --last N --strategies current --json`) and returns the report (a
 * new object) or NULL (validate.c). */
json_t *hl_replay_recorded(const char *dir, const char *sessions_dir, int last, int logfd);

/* Compares candidate with baseline on the configured metrics; fills why with the first worse
 * one. Returns 1 when not worse on any (validate.c). */
int hl_not_worse(char *const *metrics, int nmetrics, json_t *base, json_t *cand, char *why,
                 size_t len);

#endif
