#include "cli/commands.h"
#include "version.h"

#include <lua.h>
#include <event2/event.h>
#include <curl/curlver.h>
#include <sqlite3.h>
#include <stdio.h>

int cmd_version(int argc, char **argv)
{
    if (tb_wants_help(argc, argv)) {
        printf(
            "usage: tradebot version\n\nPrints the engine version and the libraries it runs on.\n");
        return 0;
    }
    printf("tradebot %s (%s, libevent %s, libcurl %s, sqlite %s)\n", TB_VERSION, LUA_RELEASE,
           event_get_version(), LIBCURL_VERSION, sqlite3_libversion());
    return 0;
}
