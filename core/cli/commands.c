#include "cli/commands.h"
#include "config/config.h"
#include "home/home.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_run(int argc, char **argv);
int cmd_lua(int argc, char **argv);
int cmd_repl(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_backtest(int argc, char **argv);
int cmd_health(int argc, char **argv);
int cmd_pdt(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_vix(int argc, char **argv);
int cmd_macro(int argc, char **argv);
int cmd_orchestrate(int argc, char **argv);
int cmd_candidates(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_sentinel(int argc, char **argv);
int cmd_healer(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_sweep(int argc, char **argv);

const tb_command tb_commands[] = {
    {"run", "run the engine (paper broker and replayed sample data by default)", cmd_run},
    {"lua", "run a trusted Lua script with the tb module: lua FILE [ARGS]", cmd_lua},
    {"repl", "attach to the running engine's Lua REPL (run/tradebot.sock)", cmd_repl},
    {"backtest", "run strategies over replayed bars as fast as possible; print a report",
     cmd_backtest},
    {"sweep",
     "parameter sweeps and walk-forward, local or sharded (Slurm): sweep SPEC|merge|report",
     cmd_sweep},
    {"check", "validate configuration, strategies and scripts; print every error", cmd_check},
    {"data", "market data: generate sample bars, import CSV, show the session calendar", cmd_data},
    {"health", "exit 0 when the running engine answers and is healthy (Docker, systemd)",
     cmd_health},
    {"vix", "print the current VIX from the configured source", cmd_vix},
    {"macro", "recompute the macro state (VIX, survival mode): macro --force", cmd_macro},
    {"orchestrate", "run the daily sequence (scripts/orchestrator.lua); --status, --list, --step",
     cmd_orchestrate},
    {"candidates", "screen and score the universe; write data/top_20_day_trading_candidates.csv",
     cmd_candidates},
    {"pdt", "show the day-trade count (data/pdt_state.json); pdt --set N corrects it", cmd_pdt},
    {"logs", "logs archive: move the decision log into data/archives/ (gzip) safely", cmd_logs},
    {"features", "pre-market feature refresh for today's candidates, checked against the schema",
     cmd_features},
    {"train", "train the trade-gating model (XGBoost) when due or with --force", cmd_train},
    {"sentinel", "nightly audit: facts judged by scripts/sentinel/*.lua; findings and directives",
     cmd_sentinel},
    {"healer", "repairs from findings on git branches, proven by replay: list|run|approve|...",
     cmd_healer},
    {"replay", "replay a recorded live session; compare its decisions (--list, --last N)",
     cmd_replay},
    {"version", "print the version", cmd_version},
    {NULL, NULL, NULL},
};

const tb_command *tb_command_find(const char *name)
{
    for (const tb_command *c = tb_commands; c->name; c++)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

void tb_commands_usage(void *fp)
{
    FILE *f = fp;
    fprintf(f, "usage: tradebot [--home DIR] COMMAND [ARGS]\n\ncommands:\n");
    for (const tb_command *c = tb_commands; c->name; c++)
        fprintf(f, "  %-12s %s\n", c->name, c->summary);
    fprintf(f, "\n`tradebot COMMAND --help` describes each command.\n"
               "The home directory (config/, data/, logs/, ml_db/, run/) is --home DIR,\n"
               "else $TRADEBOT_HOME, else the current directory.\n");
}

int tb_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) return 0;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return 1;
    }
    return 0;
}

int tb_cli_print_json(void *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
    json_decref(j);
    if (!s) return 1;
    puts(s);
    free(s);
    return 0;
}

int tb_cli_home_config(const char *cmd, tb_config *cfg)
{
    tb_err e;
    tb_config_errors errs;
    char path[PATH_MAX];
    if (tb_home_init(&e) != 0) {
        fprintf(stderr, "tradebot %s: %s\n", cmd, e.msg);
        return 1;
    }
    if (tb_config_load(tb_home_path(path, sizeof path, TB_CONFIG_PATH), 1, cfg, &errs) != 0) {
        fprintf(stderr, "tradebot %s: %s\n", cmd, errs.msg[0]);
        return 1;
    }
    return 0;
}
