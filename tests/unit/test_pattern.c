/*
 * test_pattern.c - the bounded pattern functions (core/lua/pattern.c, pattern_match.c) answer as
 * stock Lua 5.4's do: the same chunk runs in a plain Lua state and in one made by tb_lua_new, and
 * every result and error message of string.find, match, gmatch and gsub must be the same.
 */
#include "lua/sandbox.h"
#include "tbtest.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>

/* Fixed cases for every feature of the pattern language, then random ones from a fixed LCG (the
 * same sequence in both states, without math.random). Each result is written with its type and
 * %q, so a NUL in a subject does not end the comparison. */
static const char *chunk =
    "local out = {}\n"
    "local function put(...)\n"
    "  local t = table.pack(...)\n"
    "  for i = 1, t.n do out[#out + 1] = type(t[i]) .. ':' .. string.format('%q', t[i]) end\n"
    "  out[#out + 1] = '|'\n"
    "end\n"
    "local function try(f, ...) put(pcall(f, ...)) end\n"
    "local function gm(s, p, init)\n"
    "  local r = {}\n"
    "  for a, b in string.gmatch(s, p, init) do\n"
    "    r[#r + 1] = tostring(a) .. ',' .. tostring(b)\n"
    "    if #r > 40 then break end\n"
    "  end\n"
    "  return table.concat(r, ';')\n"
    "end\n"
    "local function all(s, p, init)\n"
    "  try(string.find, s, p, init)\n"
    "  try(string.find, s, p, init, true)\n"
    "  try(string.match, s, p, init)\n"
    "  try(gm, s, p, init)\n"
    "  try(string.gsub, s, p, '<%0>')\n"
    "  try(string.gsub, s, p, '[%1]', 2)\n"
    "  try(string.gsub, s, p, {a = 'A', ['1'] = false})\n"
    "  try(string.gsub, s, p, function(...) return select('#', ...) .. '' end)\n"
    "end\n"
    "local fixed = {\n"
    "  {'hello world', 'o w'}, {'hello world', '^hello'}, {'hello world', 'world$'},\n"
    "  {'key = value', '(%w+)%s*=%s*(%w+)'}, {'x = 10, y = 20', '(%a)%s*=%s*(%d+)'},\n"
    "  {'THE (quick) fox', '%f[%a]%a+'}, {'f(a(b)c)d', '%b()'}, {'a.b.c', '%.'},\n"
    "  {'aaa', 'a-'}, {'aaa', 'a-$'}, {'aaab', 'a*b'}, {'b', 'a?b'}, {'  trim  ', "
    "'^%s*(.-)%s*$'},\n"
    "  {'abcabc', '(abc)%1'}, {'hello', '()ll()'}, {'[x]', '[%[%]]'}, {'a-b', '[a-]'},\n"
    "  {'\\0a\\0', '%z'}, {'A1 b2', '%u%d'}, {'tab\\there', '%c'}, {'0x1F', '%x+'},\n"
    "  {'ab', '[^%s]+'}, {'ab', '[]'}, {'ab', '[a'}, {'ab', '%'}, {'ab', '(a'}, {'ab', 'a)'},\n"
    "  {'ab', '%2'}, {'ab', '%b'}, {'ab', '%f'}, {'ab', '(()'}, {'', ''}, {'', '.*'},\n"
    "  {'abc', ''}, {'day 2026-12-07', '(%d+)-(%d+)-(%d+)'}, {'$1.50', '%$(%d+)%.(%d+)'},\n"
    "}\n"
    "for _, c in ipairs(fixed) do\n"
    "  for _, init in ipairs({1, 2, -2, 0, 50}) do all(c[1], c[2], init) end\n"
    "end\n"
    "local seed = 12345\n"
    "local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n + 1 "
    "end\n"
    "local chars = {'a', 'a', 'b', '.', '(', ')', '%', '-', 'x', '1', ' ', '['}\n"
    "local toks = {'a', 'b', '%a', '%d', '%s', '%w', '.', '[ab]', '[^a]', '[%a-]', '*', '+', '-',\n"
    "  '?', '(', ')', '()', '%b()', '%f[%w]', '^', '$', '%1', '%', '[', '%%', 'x', '%.', 'a*'}\n"
    "for _ = 1, 1500 do\n"
    "  local s, p = {}, {}\n"
    "  for i = 1, rnd(13) - 1 do s[i] = chars[rnd(#chars)] end\n"
    "  for i = 1, rnd(6) do p[i] = toks[rnd(#toks)] end\n"
    "  all(table.concat(s), table.concat(p), rnd(16) - 4)\n"
    "end\n"
    "return table.concat(out, '\\n')\n";

/* The chunk's result in L, as a malloc'd string; NULL with the error printed. */
static char *run(lua_State *L)
{
    if (luaL_loadstring(L, chunk) != LUA_OK || lua_pcall(L, 0, 1, 0) != LUA_OK) {
        fprintf(stderr, "chunk: %s\n", lua_tostring(L, -1));
        return NULL;
    }
    return strdup(lua_tostring(L, -1));
}

TEST(find_match_gmatch_gsub_answer_as_stock_lua_does)
{
    lua_State *stock = luaL_newstate();
    luaL_openlibs(stock);
    tb_err e;
    tb_lua_limits lim = {.mem_limit = 64u << 20};
    lua_State *ours = tb_lua_new(TB_LUA_KIND_TRUSTED, &lim, &e);
    CHECK(ours != NULL);
    char *want = run(stock), *got = ours ? run(ours) : NULL;
    CHECK(want && got);
    if (want && got && strcmp(want, got) != 0) {
        size_t i = 0, line = 1, from = 0;
        for (; want[i] && want[i] == got[i]; i++)
            if (want[i] == '\n') line++, from = i + 1;
        TBT_FAIL("line %zu differs: stock \"%.80s\" ours \"%.80s\"", line, want + from, got + from);
    }
    size_t calls = 0; /* one '|' line per call: 8 a case, 5 inits a fixed case, 1500 random */
    for (const char *q = want; q && (q = strstr(q, "\n|")); q++) calls++;
    CHECK_INT(calls, 8 * (36 * 5 + 1500));
    free(want);
    free(got);
    lua_close(stock);
    if (ours) tb_lua_close(ours);
}
