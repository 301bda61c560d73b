/*
 * trader_fixture.h - what a unit test needs around the real trader (trade/trader.h) to run one
 * Lua strategy written from source: a temporary directory holding the strategy file, the
 * strategy host, the symbol table and the calendar. tw_open, then the test builds its trader
 * from tw_opts (adding what it plugs in), tw_close removes everything.
 */
#ifndef TB_TEST_TRADER_FIXTURE_H
#define TB_TEST_TRADER_FIXTURE_H

#include "tbtest.h"
#include "trade/trader.h"

#include <stdio.h>
#include <unistd.h>

typedef struct tw {
    char dir[32], strat[64]; /* the temporary directory and the strategy file in it */
    tb_shost host;
    tb_symtab syms;
    tb_cal cal;
} tw;

/* Writes src as <tmpdir>/<file> and sets up the host (64 MiB, 5M instructions a call), the
 * symbol table and the calendar. */
static inline void tw_open(tw *w, const char *file, const char *src)
{
    snprintf(w->dir, sizeof w->dir, "/tmp/tb-trader-XXXXXX");
    if (!mkdtemp(w->dir)) TBT_FAIL("mkdtemp %s", w->dir);
    snprintf(w->strat, sizeof w->strat, "%s/%s", w->dir, file);
    FILE *fp = fopen(w->strat, "w");
    if (!fp) TBT_FAIL("cannot write %s", w->strat);
    if (fp) fputs(src, fp), fclose(fp);
    tb_lua_limits lim = {.mem_limit = 64u << 20, .instr_budget = 5000000};
    tb_shost_init(&w->host, &lim);
    tb_symtab_init(&w->syms);
    tb_cal_init(&w->cal);
}

/* Trader options on the fixture's host, symbols and calendar, with $100,000 of paper cash. */
static inline tb_trader_opts tw_opts(tw *w)
{
    tb_trader_opts to = {.shost = &w->host, .syms = &w->syms, .cal = &w->cal};
    to.paper.initial_cash = 100000LL * 1000000;
    return to;
}

/* Frees the host and symbols and removes the directory with what the test wrote in it. */
static inline void tw_close(tw *w)
{
    tb_shost_free(&w->host);
    tb_symtab_free(&w->syms);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", w->dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", w->dir);
}

#endif
