/*
 * pattern_priv.h - what the Lua 5.4.4 pattern functions (pattern.c) share with the bounded matcher
 * (pattern_match.c): the match state and lstrlib.c's constants. Not for users outside core/lua/.
 */
#ifndef TB_LUA_PATTERN_PRIV_H
#define TB_LUA_PATTERN_PRIV_H

#include <lua.h>
#include <stddef.h>
#include <stdint.h>

#define LUA_MAXCAPTURES 32
#define uchar(c)        ((unsigned char)(c))

#define CAP_UNFINISHED (-1)
#define CAP_POSITION   (-2)

typedef struct MatchState {
    const char *src_init; /* init of source string */
    const char *src_end;  /* end ('\0') of source string */
    const char *p_end;    /* end ('\0') of pattern */
    lua_State *L;
    int matchdepth;      /* control for recursive depth (to avoid C stack overflow) */
    unsigned char level; /* total number of captures (finished or unfinished) */
    int64_t steps;       /* tb: match steps left in this call */
    const char *fn;      /* tb: the function, for the error */
    struct {
        const char *init;
        ptrdiff_t len;
    } capture[LUA_MAXCAPTURES];
} MatchState;

/* maximum recursion depth for 'match' */
#if !defined(MAXCCALLS)
#define MAXCCALLS 200
#endif

#define L_ESC    '%'
#define SPECIALS "^$*+?.([%-"

/* Matches pattern p against subject s from its start: the end of the match, or NULL. Every step
 * counts against ms->steps; going over stops the call (tb_lua_raise_stop). */
const char *tb_lua_pattern_match(MatchState *ms, const char *s, const char *p);

#endif
