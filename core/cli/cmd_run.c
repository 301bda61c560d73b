#include "cli/commands.h"
#include <stdio.h>
int cmd_run(int argc, char **argv)
{
    fprintf(stderr, "tradebot run: not built yet\n");
    return 1;
}
