/*
 * main.c - the `tradebot` executable: global options, then one row of the command table.
 */
#include "cli/commands.h"
#include "home/home.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    int i = 1;
    /* Global options before the command; each command also accepts --home itself. */
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--home") == 0 && i + 1 < argc) {
            tb_home_set_override(argv[i + 1]);
            i += 2;
        } else if (strncmp(argv[i], "--home=", 7) == 0) {
            tb_home_set_override(argv[i] + 7);
            i++;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            tb_commands_usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--version") == 0) {
            return tb_command_find("version")->run(1, (char *[]){"version", NULL});
        } else {
            fprintf(stderr, "tradebot: unknown option %s (try --help)\n", argv[i]);
            return 2;
        }
    }
    if (i >= argc) {
        tb_commands_usage(stderr);
        return 2;
    }
    const tb_command *cmd = tb_command_find(argv[i]);
    if (!cmd) {
        fprintf(stderr, "tradebot: unknown command '%s' (try --help)\n", argv[i]);
        return 2;
    }
    return cmd->run(argc - i, argv + i);
}
