/*
 * polygon_testutil.h - a Polygon client against a fresh polygon_emu.js (loopback), for the
 * tests of core/feed/polygon.c. Include after tbtest.h and emu_util.h.
 */
#ifndef TB_POLYGON_TESTUTIL_H
#define TB_POLYGON_TESTUTIL_H

#include "feed/polygon.h"

#include <event2/event.h>

/* (Re)starts the emulator *m with args and returns a client on *base (created on first use). */
static polygon *pg_emu_client(emu *m, struct event_base **base, const char *const *args,
                              tb_http **h)
{
    if (!*base) *base = event_base_new();
    emu_stop(m);
    if (emu_start(m, "polygon_emu.js", args) != 0) TBT_FAIL("emulator did not start");
    tb_httpc_opts ho = {.base = *base, .backoff_base_ms = 20};
    tb_err e;
    *h = tb_httpc_new(&ho, &e);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", m->port);
    polygon_opts po = {.http = *h, .base_url = url, .api_key = "polygon-emulator-key"};
    return polygon_new(&po, &e);
}

#endif
