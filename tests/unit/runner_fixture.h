/*
 * runner_fixture.h - a replay runner for unit tests that run one Lua strategy over sample data:
 * rf_open (the caller's options, with an event base and a strategy host added), anything the test
 * sets up on the trader, rf_run (writes the strategy to a temporary file, runs the replay to
 * its end), rf_close.
 */
#ifndef TB_TEST_RUNNER_FIXTURE_H
#define TB_TEST_RUNNER_FIXTURE_H

#include "tbtest.h"
#include "trade/runner.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct rf {
    struct event_base *base;
    tb_shost h;
    tb_runner r;
    char path[64];
} rf;

/* Opens the runner with o (base and shost are filled in); 0 or -1. */
static int rf_open(rf *x, tb_runner_opts *o)
{
    tb_lua_limits lim = {.mem_limit = 64u << 20, .instr_budget = 5000000};
    x->base = event_base_new();
    tb_shost_init(&x->h, &lim);
    x->path[0] = 0;
    o->base = x->base;
    o->shost = &x->h;
    tb_err e;
    return tb_runner_open(&x->r, o, &e);
}

/* Adds the strategy `name` (a literal; the config type holds it unqualified) with source lua and
 * replays to the end; 0 or -1. */
static int rf_run(rf *x, char *name, const char *lua)
{
    snprintf(x->path, sizeof x->path, "/tmp/tbtest-rf-XXXXXX.lua");
    int fd = mkstemps(x->path, 4);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) return -1;
    fputs(lua, f);
    fclose(f);
    tb_strategy_cfg sc = {.name = name, .file = x->path, .enabled = 1};
    tb_err e;
    if (tb_shost_add(&x->h, &sc, &e) != 0 || tb_runner_start(&x->r, &e) != 0) return -1;
    event_base_dispatch(x->base);
    return 0;
}

static void rf_close(rf *x)
{
    tb_runner_close(&x->r);
    tb_shost_free(&x->h);
    event_base_free(x->base);
    if (x->path[0]) remove(x->path);
}

#endif
