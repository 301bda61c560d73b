#include "lua/convert.h"
#include "util/sbuf.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32

void tb_lua_push_json(lua_State *L, const json_t *v)
{
    luaL_checkstack(L, 4, "json too deep");
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        lua_createtable(L, 0, (int)json_object_size(v));
        json_object_foreach((json_t *)v, k, x)
        {
            tb_lua_push_json(L, x);
            lua_setfield(L, -2, k);
        }
        return;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *x;
        lua_createtable(L, (int)json_array_size(v), 0);
        json_array_foreach(v, i, x)
        {
            tb_lua_push_json(L, x);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        return;
    }
    case JSON_STRING: lua_pushlstring(L, json_string_value(v), json_string_length(v)); return;
    case JSON_INTEGER: lua_pushinteger(L, (lua_Integer)json_integer_value(v)); return;
    case JSON_REAL: lua_pushnumber(L, json_real_value(v)); return;
    case JSON_TRUE: lua_pushboolean(L, 1); return;
    case JSON_FALSE: lua_pushboolean(L, 0); return;
    default: lua_pushnil(L); return;
    }
}

static int is_array(lua_State *L, int idx, lua_Integer *n)
{
    lua_Integer count = 0, max = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) {
            lua_pop(L, 1);
            return 0;
        }
        lua_Integer k = lua_tointeger(L, -1);
        if (k > max) max = k;
        count++;
    }
    *n = count;
    return count > 0 && max == count;
}

static json_t *to_json(lua_State *L, int idx, int depth)
{
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN: return json_boolean(lua_toboolean(L, idx));
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) return json_integer((json_int_t)lua_tointeger(L, idx));
        return isfinite(lua_tonumber(L, idx)) ? json_real(lua_tonumber(L, idx)) : json_null();
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        return json_stringn(s, len);
    }
    case LUA_TTABLE: {
        if (depth >= MAX_DEPTH) return NULL;
        luaL_checkstack(L, 4, "table too deep");
        lua_Integer n;
        if (is_array(L, idx, &n)) {
            json_t *a = json_array();
            for (lua_Integer i = 1; i <= n; i++) {
                lua_rawgeti(L, idx, i);
                json_t *x = to_json(L, -1, depth + 1);
                json_array_append_new(a, x ? x : json_null());
                lua_pop(L, 1);
            }
            return a;
        }
        json_t *o = json_object();
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            char kbuf[64];
            const char *k = NULL;
            if (lua_type(L, -2) == LUA_TSTRING) {
                k = lua_tostring(L, -2);
            } else if (lua_type(L, -2) == LUA_TNUMBER) {
                lua_pushvalue(L, -2);
                snprintf(kbuf, sizeof kbuf, "%s", lua_tostring(L, -1));
                lua_pop(L, 1);
                k = kbuf;
            }
            json_t *x = k ? to_json(L, -1, depth + 1) : NULL;
            if (x) json_object_set_new(o, k, x);
            lua_pop(L, 1);
        }
        return o;
    }
    default: return NULL;
    }
}

json_t *tb_lua_to_json(lua_State *L, int idx)
{
    return to_json(L, idx, 0);
}

/* seen: a table on `from` mapping tables already being copied (cycle guard). */
static void xcopy(lua_State *from, int idx, lua_State *to, int seen, int depth, int *dropped)
{
    idx = lua_absindex(from, idx);
    luaL_checkstack(to, 4, "state too deep");
    luaL_checkstack(from, 4, "state too deep");
    switch (lua_type(from, idx)) {
    case LUA_TNIL: lua_pushnil(to); return;
    case LUA_TBOOLEAN: lua_pushboolean(to, lua_toboolean(from, idx)); return;
    case LUA_TNUMBER:
        if (lua_isinteger(from, idx))
            lua_pushinteger(to, lua_tointeger(from, idx));
        else
            lua_pushnumber(to, lua_tonumber(from, idx));
        return;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(from, idx, &len);
        lua_pushlstring(to, s, len);
        return;
    }
    case LUA_TTABLE:
        lua_pushvalue(from, idx);
        if (lua_rawget(from, seen) != LUA_TNIL || depth >= MAX_DEPTH) {
            lua_pop(from, 1);
            (*dropped)++;
            lua_pushnil(to);
            return;
        }
        lua_pop(from, 1);
        lua_pushvalue(from, idx);
        lua_pushboolean(from, 1);
        lua_rawset(from, seen);
        lua_newtable(to);
        lua_pushnil(from);
        while (lua_next(from, idx)) {
            int kt = lua_type(from, -2), vt = lua_type(from, -1);
            int plain_key = kt == LUA_TSTRING || kt == LUA_TNUMBER || kt == LUA_TBOOLEAN;
            int plain_val = vt != LUA_TFUNCTION && vt != LUA_TUSERDATA && vt != LUA_TTHREAD &&
                            vt != LUA_TLIGHTUSERDATA;
            if (plain_key && plain_val) {
                xcopy(from, -2, to, seen, depth + 1, dropped);
                xcopy(from, -1, to, seen, depth + 1, dropped);
                if (lua_isnil(to, -1))
                    lua_pop(to, 2);
                else
                    lua_rawset(to, -3);
            } else {
                (*dropped)++;
            }
            lua_pop(from, 1);
        }
        lua_pushvalue(from, idx);
        lua_pushnil(from);
        lua_rawset(from, seen);
        return;
    default:
        (*dropped)++;
        lua_pushnil(to);
        return;
    }
}

void tb_lua_xcopy(lua_State *from, int idx, lua_State *to, int *dropped)
{
    idx = lua_absindex(from, idx);
    lua_newtable(from);
    int seen = lua_gettop(from);
    xcopy(from, idx, to, seen, 0, dropped);
    lua_pop(from, 1);
}

static int key_less(lua_State *L, int a, int b)
{
    int ta = lua_type(L, a), tb = lua_type(L, b);
    if (ta != tb) return ta < tb;
    if (ta == LUA_TNUMBER) return lua_compare(L, a, b, LUA_OPLT);
    if (ta == LUA_TSTRING) return strcmp(lua_tostring(L, a), lua_tostring(L, b)) < 0;
    return 0;
}

static void pretty_key(lua_State *L, int idx, tb_sbuf *b)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *s = lua_tostring(L, idx);
        int ident = (s[0] == '_' || (s[0] | 32) >= 'a') && (s[0] | 32) <= 'z';
        for (const char *p = s; *p && ident; p++)
            ident = *p == '_' || ((*p | 32) >= 'a' && (*p | 32) <= 'z') || (*p >= '0' && *p <= '9');
        if (ident) {
            tb_sbuf_puts(b, s);
            return;
        }
    }
    tb_sbuf_puts(b, "[");
    tb_lua_pretty(L, idx, b);
    tb_sbuf_puts(b, "]");
}

static void pretty(lua_State *L, int idx, tb_sbuf *b, int depth, int seen);

static void pretty_table(lua_State *L, int idx, tb_sbuf *b, int depth, int seen)
{
    lua_pushvalue(L, idx);
    if (lua_rawget(L, seen) != LUA_TNIL || depth > 8) {
        lua_pop(L, 1);
        tb_sbuf_puts(b, depth > 8 ? "{...}" : "<cycle>");
        return;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, seen);
    /* Collect keys, sort them, print "k = v" one per line, indented. */
    lua_newtable(L);
    int keys = lua_gettop(L);
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_rawseti(L, keys, ++n);
    }
    for (lua_Integer i = 2; i <= n; i++) /* insertion sort: tables printed are small */
        for (lua_Integer j = i; j > 1; j--) {
            lua_rawgeti(L, keys, j);
            lua_rawgeti(L, keys, j - 1);
            int less = key_less(L, -2, -1);
            if (less) {
                lua_rawseti(L, keys, j);
                lua_rawseti(L, keys, j - 1);
            } else {
                lua_pop(L, 2);
                break;
            }
        }
    if (n == 0) {
        tb_sbuf_puts(b, "{}");
    } else {
        tb_sbuf_puts(b, "{\n");
        for (lua_Integer i = 1; i <= n; i++) {
            for (int d = 0; d <= depth; d++) tb_sbuf_puts(b, "  ");
            lua_rawgeti(L, keys, i);
            lua_pushvalue(L, -1);
            lua_rawget(L, idx);
            pretty_key(L, lua_gettop(L) - 1, b);
            tb_sbuf_puts(b, " = ");
            pretty(L, lua_gettop(L), b, depth + 1, seen);
            tb_sbuf_puts(b, i < n ? ",\n" : "\n");
            lua_pop(L, 2);
        }
        for (int d = 0; d < depth; d++) tb_sbuf_puts(b, "  ");
        tb_sbuf_puts(b, "}");
    }
    lua_pop(L, 1);
    lua_pushvalue(L, idx);
    lua_pushnil(L);
    lua_rawset(L, seen);
}

static void pretty(lua_State *L, int idx, tb_sbuf *b, int depth, int seen)
{
    idx = lua_absindex(L, idx);
    luaL_checkstack(L, 8, "value too deep to print");
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        /* %q quotes and escapes exactly as Lua source would. */
        lua_getglobal(L, "string");
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "format");
            lua_pushliteral(L, "%q");
            lua_pushvalue(L, idx);
            if (lua_pcall(L, 2, 1, 0) == LUA_OK) {
                tb_sbuf_puts(b, lua_tostring(L, -1));
                lua_pop(L, 2);
                return;
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        tb_sbuf_puts(b, "\"");
        tb_sbuf_puts(b, lua_tostring(L, idx));
        tb_sbuf_puts(b, "\"");
        return;
    }
    case LUA_TTABLE: pretty_table(L, idx, b, depth, seen); return;
    default:
        luaL_tolstring(L, idx, NULL);
        tb_sbuf_puts(b, lua_tostring(L, -1));
        lua_pop(L, 1);
        return;
    }
}

void tb_lua_pretty(lua_State *L, int idx, tb_sbuf *b)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);
    int seen = lua_gettop(L);
    pretty(L, idx, b, 0, seen);
    lua_remove(L, seen);
}
