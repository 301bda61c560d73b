#include "cli/commands.h"
#include <stdio.h>
int cmd_repl(int argc, char **argv)
{
    fprintf(stderr, "tradebot repl: not built yet\n");
    return 1;
}
