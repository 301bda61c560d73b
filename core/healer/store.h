/*
 * store.h - the Healer's directives (data/healer_active_directives.json) and its trail
 * (logs/healer_history.jsonl).
 *
 * The file is {"directives": [...]}; each directive is {id, finding, severity, symbol, kind
 * (param_change | config_change | script_patch), target, change, rationale, can_auto_apply,
 * status, timestamps: {Queued: t, PENDING_EXECUTION: t, ...}, ...}. Statuses: Queued (waiting for
 * its schedule or an operator), PENDING_EXECUTION (due: runs at the next `healer run`),
 * Executed (validated on its branch, awaiting promotion), Failed, Promoted, Rejected,
 * RolledBack. Written whole to a temporary file and renamed, so readers (the dashboard) never
 * see half a file.
 */
#ifndef TB_HEALER_STORE_H
#define TB_HEALER_STORE_H

#include "util/err.h"

#include <jansson.h>

#define HL_DIRECTIVES "data/healer_active_directives.json"
#define HL_HISTORY    "logs/healer_history.jsonl"

/* The whole file ({"directives": []} when it does not exist yet), or NULL with e. */
json_t *hl_store_load(tb_err *e);

/* Writes root back atomically. */
int hl_store_save(json_t *root, tb_err *e);

/* Serializes read-modify-write of the file between the Healer command and the dashboard (flock
 * on data/healer_active_directives.lock); held only around short steps, never a replay.
 * Returns the lock's fd (or -1, then callers go on unlocked). */
int hl_store_lock(void);
void hl_store_unlock(int fd);

/* Writes one directive back (replacing the one with its id, or appending) under the lock, so
 * concurrent changes to other directives are kept. */
int hl_store_put(json_t *d, tb_err *e);

/* The same only while the stored directive's status is still expect (what it was when the
 * caller read it): returns 0 written, 1 when an operator or another run changed it meanwhile
 * (nothing written: their decision stands), -1 with e. */
int hl_store_put_if(json_t *d, const char *expect, tb_err *e);

/* The directive with this id in root (borrowed), or NULL. */
json_t *hl_store_find(json_t *root, const char *id);

/* The status of d ("Queued" when unset). */
const char *hl_status(json_t *d);

/* Sets d's status, stamps timestamps[status] and updated_at, and appends the change with
 * detail (may be NULL) and extra fields (may be NULL, not stolen) to logs/healer_history.jsonl. */
void hl_set_status(json_t *d, const char *status, const char *detail, json_t *extra);

/* Appends one event to logs/healer_history.jsonl (t is added). */
void hl_history(json_t *event);

/* Current UTC time as "YYYY-MM-DDTHH:MM:SS.mmmZ". */
const char *hl_now(char buf[40]);

#endif
