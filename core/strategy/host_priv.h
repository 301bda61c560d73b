/*
 * host_priv.h - what the strategy host's files share (host.c: loading, calls, budgets;
 * host_reload.c: a file loaded again with its ctx.state carried over). Not for users outside
 * core/strategy/.
 */
#ifndef TB_STRATEGY_HOST_PRIV_H
#define TB_STRATEGY_HOST_PRIV_H

#include "strategy/host.h"

#include <lua.h>
#include <stdint.h>

/* Names the component of the state's own log lines: strategy:<name> (tb.log). */
void tb_shost_set_component(lua_State *L, const char *name);

/* Gives s's state the name the engine runs it under (s->name), where the loader used the file's
 * `name` field: the component of its log lines and ctx.name, which its code reads. */
void tb_shost_apply_name(tb_strategy *s);

/* FNV-1a of the file's text (0 when it cannot be read). */
uint64_t tb_shost_file_hash(const char *path);

/* Loads path into a fresh sandbox and builds the context; h may be NULL (a check only). */
int tb_shost_load_state(const tb_shost *h, tb_strategy *out, const char *path, const char *rel,
                        const tb_lua_limits *lim, tb_err *e);

#endif
