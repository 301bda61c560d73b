/*
 * dbcheck.h - the runbook's "is ml_db/ml_data.db locked or corrupted?" as one check.
 *
 * Opens the file without creating or migrating it, tries to take the write lock (busy_ms), runs
 * PRAGMA quick_check and compares the schema version with this binary's migrations. The report
 * is one line an operator can act on.
 */
#ifndef TB_ORCH_DBCHECK_H
#define TB_ORCH_DBCHECK_H

#include <stddef.h>

/* 0 when the database is usable, -1 otherwise; report says what was found either way. */
int tb_dbcheck(const char *path, int busy_ms, char *report, size_t len);

#endif
