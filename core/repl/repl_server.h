/*
 * repl_server.h - the engine side of the REPL: a Unix socket (mode 0600, peer uid checked) on the
 * event loop. Each client gets its own trusted Lua state with the tb module, so clients cannot
 * disturb each other; a chunk runs under an instruction budget, so `while true do end` is
 * stopped and reported instead of freezing the engine.
 */
#ifndef TB_REPL_SERVER_H
#define TB_REPL_SERVER_H

#include "lua/sandbox.h"
#include "util/err.h"

#include <event2/event.h>
#include <stdint.h>

typedef struct tb_repl_server tb_repl_server;

/* Listens on path. Fails clearly when another engine already serves that socket. */
tb_repl_server *tb_repl_server_new(struct event_base *base, const char *path,
                                   const tb_lua_limits *lim, tb_err *e);

/* Number of connected clients. */
int tb_repl_server_clients(const tb_repl_server *s);

/* Closes every client and removes the socket file. */
void tb_repl_server_free(tb_repl_server *s);

#endif
