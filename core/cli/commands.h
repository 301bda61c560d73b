/*
 * commands.h - the sub-command table of the `tradebot` executable.
 *
 * Each sub-command lives in core/cli/cmd_<name>.c and is one row of tb_commands[] in
 * commands.c; later features add a row, never a branch in main().
 */
#ifndef TB_CLI_COMMANDS_H
#define TB_CLI_COMMANDS_H

typedef struct tb_command {
    const char *name;
    const char *summary;               /* one line for `tradebot --help` */
    int (*run)(int argc, char **argv); /* argv[0] is the sub-command name */
} tb_command;

extern const tb_command tb_commands[];

/* Finds a sub-command by name; NULL when there is none. */
const tb_command *tb_command_find(const char *name);

/* Prints the list of sub-commands to f. */
void tb_commands_usage(void *f);

/* True when argv holds -h or --help (checked by every sub-command before anything else). */
int tb_wants_help(int argc, char **argv);

/* Prints j as one line of JSON on stdout and releases it (json_t *, from jansson: values built
 * by json_pack are escaped, never printf'd into quotes). Returns 0, or 1 when j is NULL. */
int tb_cli_print_json(void *j);

struct tb_config;

/* Opens the home (creating it) and loads its config into cfg (free with tb_config_free). Returns 0,
 * or 1 after printing "tradebot <cmd>: <what went wrong>" on stderr: the sub-command's exit
 * status. */
int tb_cli_home_config(const char *cmd, struct tb_config *cfg);

#endif
