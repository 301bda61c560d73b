/*
 * defaults.h - the shipped scripts/orchestrator.lua and scripts/candidates.lua, embedded in the
 * binary so a new home gets a working daily sequence.
 */
#ifndef TB_ORCH_DEFAULTS_H
#define TB_ORCH_DEFAULTS_H

/* Writes each embedded script whose file is missing under home (never overwrites an operator's
 * file). Returns how many were written. */
int tb_orch_write_default_scripts(void);

/* The embedded text of rel ("scripts/orchestrator.lua"), or NULL. */
const char *tb_orch_default_script(const char *rel);

#endif
