/*
 * lock.h - one scheduler per home: run/orchestrator.lock (flock) is held by whichever process
 * runs the daily sequence (`tradebot orchestrate` or an engine with orchestrator.enabled), so
 * the two never both run a step.
 */
#ifndef TB_ORCH_LOCK_H
#define TB_ORCH_LOCK_H

#include "util/err.h"

/* Takes the lock (non-blocking): a descriptor to keep open, or -1 with e naming the holder. */
int tb_orch_lock(tb_err *e);

#endif
