/* tb_luamod.c - the entry point of tb.so, so stock lua5.4 and busted can `require "tb"`. */
#include "lua/tb_module.h"

#include <dlfcn.h>

__attribute__((visibility("default"))) int luaopen_tb(lua_State *L)
{
    /* Pinned: stock lua dlcloses C modules when the state closes, but the sandbox's watchdog
     * thread (started by the first budgeted call, e.g. tb.sentinel.strategy) lives on until
     * exit, and its code must stay mapped (it segfaulted at busted's exit). */
    Dl_info self;
    if (dladdr((void *)luaopen_tb, &self) && self.dli_fname)
        dlopen(self.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
    return tb_lua_open(L, TB_LUA_TRUSTED);
}
