#include "cli/commands.h"
#include "home/home.h"
#include "lua/sandbox.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: tradebot lua [--home DIR] FILE [ARGS...]\n\n"
    "Runs FILE as a trusted Lua 5.4 script with the full standard library and the tb module\n"
    "(global `tb`, and `require \"tb\"`). `arg` and `...` are set as the stock lua interpreter\n"
    "sets them. FILE may be - for standard input.\n";

int cmd_lua(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    /* Only options before FILE are ours; everything after belongs to the script. */
    int first = 1;
    while (first < argc && strncmp(argv[first], "--home", 6) == 0) {
        if (argv[first][6] == '=')
            tb_home_set_override(argv[first] + 7), first++;
        else if (first + 1 < argc)
            tb_home_set_override(argv[first + 1]), first += 2;
        else
            break;
    }
    if (first >= argc) {
        fputs(usage, stderr);
        return 2;
    }
    tb_err e;
    if (tb_home_resolve(&e) != 0) {
        fprintf(stderr, "tradebot lua: %s\n", e.msg);
        return 1;
    }
    lua_State *L = tb_lua_new(TB_LUA_KIND_FULL, NULL, &e);
    if (!L) {
        fprintf(stderr, "tradebot lua: %s\n", e.msg);
        return 1;
    }
    const char *file = argv[first];
    int nargs = argc - first - 1;
    lua_createtable(L, nargs, 2);
    lua_pushstring(L, "tradebot lua");
    lua_rawseti(L, -2, -1);
    for (int i = first; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - first);
    }
    lua_setglobal(L, "arg");
    int rc = strcmp(file, "-") == 0 ? luaL_loadfilex(L, NULL, "t") : luaL_loadfilex(L, file, "bt");
    if (rc != LUA_OK) {
        fprintf(stderr, "tradebot lua: %s\n", lua_tostring(L, -1));
        tb_lua_close(L);
        return 1;
    }
    for (int i = first + 1; i < argc; i++) lua_pushstring(L, argv[i]);
    rc = tb_lua_call(L, nargs, 0, file, &e);
    if (rc != 0) fprintf(stderr, "tradebot lua: %s\n", e.msg);
    tb_lua_close(L);
    return rc == 0 ? 0 : 1;
}
