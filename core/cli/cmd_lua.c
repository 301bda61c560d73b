#include "cli/commands.h"
#include <stdio.h>
int cmd_lua(int argc, char **argv)
{
    fprintf(stderr, "tradebot lua: not built yet\n");
    return 1;
}
