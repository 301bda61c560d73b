/*
 * orch_cli.h - the read-and-print modes of `tradebot orchestrate` (cmd_orchestrate.c).
 * Each returns the command's exit status.
 */
#ifndef TB_CLI_ORCH_CLI_H
#define TB_CLI_ORCH_CLI_H

#include "orch/orch_env.h"

/* --status [--date D] [--json]: 0 when the day's sequence completed, 1 when not. */
int tb_orch_print_status(tb_orch_env *env, const char *date, int json);

/* --list [--json] */
int tb_orch_print_list(tb_orch_env *env, int json);

/* --dry-run [--days N] */
int tb_orch_print_dry_run(tb_orch_env *env, int days);

/* --step NAME: runs it now, waits, 0 when it succeeded. */
int tb_orch_run_step(tb_orch_env *env, const char *name);

#endif
