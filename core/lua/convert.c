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

/*
 * The bounded walk behind tb_lua_state_json and tb_lua_xcopy: no allocation in the Lua state
 * walked (so it cannot raise outside a protected call), cycles found on the current path, depth
 * limited, and the size of the output counted as it is built, so shared subtables (a DAG that
 * doubles at every level) cannot make it explode.
 */
typedef struct walk {
    size_t bytes, max_bytes; /* max 0 = unlimited */
    int depth;
    const void *on_path[MAX_DEPTH + 1];
    char path[256];
    int failed;
    int dry; /* measure only: leaves are json_null() (static), no container is built */
    char err[400];
} walk;

static int walk_fail(walk *w, const char *what)
{
    if (!w->failed)
        snprintf(w->err, sizeof w->err, "%s at %s", what, w->path[0] ? w->path : "the top");
    w->failed = 1;
    return -1;
}

static int walk_add(walk *w, size_t n)
{
    w->bytes += n;
    if (w->max_bytes && w->bytes > w->max_bytes) {
        char what[96];
        snprintf(what, sizeof what, "too large (more than %zu KB serialised)", w->max_bytes >> 10);
        return walk_fail(w, what);
    }
    return 0;
}

/* Renders the key at idx (a string or a number) into buf without touching the Lua state. */
static const char *key_text(lua_State *L, int idx, char *buf, size_t n)
{
    if (lua_type(L, idx) == LUA_TSTRING) return lua_tostring(L, idx);
    if (lua_type(L, idx) != LUA_TNUMBER) return NULL;
    if (lua_isinteger(L, idx))
        snprintf(buf, n, "%lld", (long long)lua_tointeger(L, idx));
    else
        snprintf(buf, n, "%.14g", lua_tonumber(L, idx));
    return buf;
}

/* Enters the table at idx: 0, or -1 when it is on the path already (a cycle) or too deep. */
static int walk_enter(lua_State *L, int idx, walk *w, int *cycle)
{
    const void *t = lua_topointer(L, idx);
    *cycle = 0;
    for (int i = 0; i < w->depth; i++)
        if (w->on_path[i] == t) {
            *cycle = 1;
            return -1;
        }
    if (w->depth >= MAX_DEPTH || !lua_checkstack(L, 6)) {
        char what[64];
        snprintf(what, sizeof what, "too deep (more than %d levels)", MAX_DEPTH);
        return walk_fail(w, what);
    }
    w->on_path[w->depth++] = t;
    return walk_add(w, 2);
}

static size_t path_push(walk *w, const char *k)
{
    size_t old = strlen(w->path);
    snprintf(w->path + old, sizeof w->path - old, "%s%s", old ? "." : "", k ? k : "?");
    return old;
}

static json_t *to_json_w(lua_State *L, int idx, walk *w);

static json_t *table_to_json(lua_State *L, int idx, walk *w)
{
    int cycle;
    if (walk_enter(L, idx, w, &cycle) != 0) {
        if (cycle) walk_fail(w, "a cycle (a table that contains itself)");
        return NULL;
    }
    lua_Integer n;
    json_t *out = NULL;
    if (is_array(L, idx, &n)) {
        if (!w->dry) out = json_array();
        for (lua_Integer i = 1; i <= n && !w->failed; i++) {
            char kb[32];
            size_t old = path_push(w, key_text(L, (lua_pushinteger(L, i), -1), kb, sizeof kb));
            lua_pop(L, 1);
            lua_rawgeti(L, idx, i);
            json_t *x = to_json_w(L, -1, w);
            if (out) json_array_append_new(out, x ? x : json_null());
            lua_pop(L, 1);
            if (!w->failed) w->path[old] = '\0';
        }
    } else {
        if (!w->dry) out = json_object();
        lua_pushnil(L);
        while (!w->failed && lua_next(L, idx)) {
            char kb[48];
            const char *k = key_text(L, -2, kb, sizeof kb);
            if (k) {
                size_t old = path_push(w, k);
                json_t *x = walk_add(w, strlen(k) + 3) == 0 ? to_json_w(L, -1, w) : NULL;
                if (x && out) json_object_set_new(out, k, x);
                if (!w->failed) w->path[old] = '\0';
            }
            lua_pop(L, 1);
        }
        if (w->failed) lua_pop(L, 1); /* the key lua_next left */
    }
    w->depth--;
    if (w->failed) {
        json_decref(out);
        return NULL;
    }
    return w->dry ? json_null() : out;
}

static json_t *to_json_w(lua_State *L, int idx, walk *w)
{
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN: return walk_add(w, 5) ? NULL : json_boolean(lua_toboolean(L, idx));
    case LUA_TNUMBER:
        if (walk_add(w, 8)) return NULL;
        if (w->dry) return json_null();
        if (lua_isinteger(L, idx)) return json_integer((json_int_t)lua_tointeger(L, idx));
        return isfinite(lua_tonumber(L, idx)) ? json_real(lua_tonumber(L, idx)) : json_null();
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        if (walk_add(w, len + 2)) return NULL;
        return w->dry ? json_null() : json_stringn(s, len);
    }
    case LUA_TTABLE: return table_to_json(L, idx, w);
    default: return NULL;
    }
}

json_t *tb_lua_state_json(lua_State *L, int idx, size_t max_bytes, char *err, size_t errlen)
{
    /* Measured first without building: a refused state costs a walk, not a million objects. */
    walk w = {.max_bytes = max_bytes, .dry = 1};
    to_json_w(L, idx, &w);
    json_t *j = NULL;
    if (!w.failed) {
        w = (walk){.max_bytes = max_bytes};
        j = to_json_w(L, idx, &w);
    }
    if (w.failed) {
        snprintf(err, errlen, "%s", w.err);
        json_decref(j);
        return NULL;
    }
    return j ? j : json_object();
}

static void xcopy(lua_State *from, int idx, lua_State *to, walk *w, int *dropped);

static void xcopy_table(lua_State *from, int idx, lua_State *to, walk *w, int *dropped)
{
    int cycle;
    if (walk_enter(from, idx, w, &cycle) != 0) {
        if (cycle) (*dropped)++;
        lua_pushnil(to);
        return;
    }
    lua_newtable(to);
    lua_pushnil(from);
    while (!w->failed && lua_next(from, idx)) {
        int kt = lua_type(from, -2), vt = lua_type(from, -1);
        int plain_key = kt == LUA_TSTRING || kt == LUA_TNUMBER || kt == LUA_TBOOLEAN;
        int plain_val = vt != LUA_TFUNCTION && vt != LUA_TUSERDATA && vt != LUA_TTHREAD &&
                        vt != LUA_TLIGHTUSERDATA;
        if (plain_key && plain_val) {
            char kb[48];
            size_t old = path_push(w, key_text(from, -2, kb, sizeof kb));
            xcopy(from, -2, to, w, dropped);
            xcopy(from, -1, to, w, dropped);
            if (lua_isnil(to, -1))
                lua_pop(to, 2);
            else
                lua_rawset(to, -3);
            if (!w->failed) w->path[old] = '\0';
        } else {
            (*dropped)++;
        }
        lua_pop(from, 1);
    }
    if (w->failed) lua_pop(from, 1);
    w->depth--;
}

static void xcopy(lua_State *from, int idx, lua_State *to, walk *w, int *dropped)
{
    idx = lua_absindex(from, idx);
    luaL_checkstack(to, 4, "state too deep");
    size_t len;
    switch (lua_type(from, idx)) {
    case LUA_TNIL: lua_pushnil(to); return;
    case LUA_TBOOLEAN: lua_pushboolean(to, lua_toboolean(from, idx)); return;
    case LUA_TNUMBER:
        walk_add(w, 8);
        if (lua_isinteger(from, idx))
            lua_pushinteger(to, lua_tointeger(from, idx));
        else
            lua_pushnumber(to, lua_tonumber(from, idx));
        return;
    case LUA_TSTRING: {
        const char *s = lua_tolstring(from, idx, &len);
        walk_add(w, len + 2);
        lua_pushlstring(to, s, len);
        return;
    }
    case LUA_TTABLE: xcopy_table(from, idx, to, w, dropped); return;
    default:
        (*dropped)++;
        lua_pushnil(to);
        return;
    }
}

int tb_lua_xcopy_bounded(lua_State *from, int idx, lua_State *to, size_t max_bytes, int *dropped,
                         char *err, size_t errlen)
{
    walk w = {.max_bytes = max_bytes};
    xcopy(from, idx, to, &w, dropped);
    if (!w.failed) return 0;
    lua_pop(to, 1);
    lua_pushnil(to);
    snprintf(err, errlen, "%s", w.err);
    return -1;
}

void tb_lua_xcopy(lua_State *from, int idx, lua_State *to, int *dropped)
{
    char err[8];
    tb_lua_xcopy_bounded(from, idx, to, 0, dropped, err, sizeof err);
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
