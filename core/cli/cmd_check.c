#include "cli/commands.h"
#include <stdio.h>
int cmd_check(int argc, char **argv)
{
    fprintf(stderr, "tradebot check: not built yet\n");
    return 1;
}
