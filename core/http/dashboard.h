/*
 * dashboard.h - the engine's web dashboard: pages (web/), the JSON API under /api/, live
 * updates over server-sent events (/api/stream) and Prometheus metrics (/metrics), all on one
 * evhttp server on the engine's loop (127.0.0.1:8501 by default).
 *
 * State-changing endpoints need the bearer token kept in the 0600 token file (created with a
 * random token at first start); the token is never served. docs/dashboard.md lists the API.
 */
#ifndef TB_HTTP_DASHBOARD_H
#define TB_HTTP_DASHBOARD_H

#include "util/err.h"

struct tb_engine;
typedef struct tb_dashboard tb_dashboard;

/* Starts serving for en (its configuration's "dashboard" object). NULL and e on failure. */
tb_dashboard *tb_dashboard_open(struct tb_engine *en, tb_err *e);

/* The port it listens on (the configured one, or the one picked for port 0). */
int tb_dashboard_port(const tb_dashboard *d);

/* Reads the token from path, or creates path (mode 0600) with a fresh random token. A token file
 * that others can read is refused. out gets the token (hex). */
int tb_dashboard_token(const char *path, char *out, size_t len, tb_err *e);

/* Stops serving: ends open streams, closes the socket. */
void tb_dashboard_close(tb_dashboard *d);

#endif
