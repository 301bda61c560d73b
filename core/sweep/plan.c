/*
 * plan.c - a sweep's segments and shards (plan.h).
 */
#include "sweep/plan.h"
#include "sweep/task.h"
#include "trade/runner.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void seg(tb_sweep_plan *p, char kind, int window, const char *from, const char *to)
{
    tb_sweep_seg *g = &p->seg[p->nseg++];
    g->kind = kind;
    g->window = window;
    snprintf(g->from, sizeof g->from, "%s", from);
    snprintf(g->to, sizeof g->to, "%s", to);
}

int tb_sweep_plan_cut(tb_sweep_plan *p, const tb_sweep_spec *s, char (*days)[16], int ndays,
                      tb_err *e)
{
    memset(p, 0, sizeof *p);
    if (ndays < 1) return tb_errf(e, "the data has no session");
    p->nsessions = ndays;
    snprintf(p->first, sizeof p->first, "%s", days[0]);
    snprintf(p->last, sizeof p->last, "%s", days[ndays - 1]);
    int T = s->wf_train, S = s->wf_test, windows = T ? (ndays - T) / S : 0;
    if (T && windows < 1)
        return tb_errf(e,
                       "walk_forward {train = %d, test = %d} needs at least %d sessions; the data "
                       "has %d (%s .. %s)",
                       T, S, T + S, ndays, p->first, p->last);
    p->seg = calloc((size_t)(T ? 2 * windows : 1), sizeof *p->seg);
    if (!p->seg) return tb_errf(e, "out of memory");
    if (!T) seg(p, TB_SEG_FULL, 0, p->first, p->last);
    for (int k = 0; k < windows; k++) {
        int a = k * S;
        seg(p, TB_SEG_TRAIN, k, days[a], days[a + T - 1]);
        seg(p, TB_SEG_TEST, k, days[a + T], days[a + T + S - 1]);
    }
    p->nsets = tb_sweep_nsets(s);
    p->ntasks = p->nsets * (size_t)p->nseg;
    return 0;
}

/* The data's sessions, from the bars the runner would load for the whole period. */
int tb_sweep_plan_make(tb_sweep_plan *p, const tb_sweep_spec *s, tb_err *e)
{
    memset(p, 0, sizeof *p);
    struct event_base *base = event_base_new();
    tb_shost host;
    tb_lua_limits lim = {0};
    tb_shost_init(&host, &lim);
    tb_runner_opts ro;
    tb_sweep_runner_opts(s, NULL, &ro);
    ro.base = base, ro.shost = &host;
    tb_runner r;
    int rc = tb_runner_open(&r, &ro, e);
    char(*days)[16] = NULL;
    int n = 0;
    if (rc == 0 && !(days = malloc((r.bars.n ? r.bars.n : 1) * sizeof *days)))
        rc = tb_errf(e, "out of memory");
    tb_date prev = 0;
    for (size_t i = 0; rc == 0 && i < r.bars.n; i++) {
        tb_date d = tb_cal_session_day(r.bars.v[i].start_ns);
        if (n && d == prev) continue;
        /* bars are sorted by time, so a session day never comes back */
        tb_date_fmt(prev = d, days[n++], 16);
    }
    if (rc == 0) rc = tb_sweep_plan_cut(p, s, days, n, e);
    free(days);
    tb_runner_close(&r);
    tb_shost_free(&host);
    event_base_free(base);
    return rc;
}

void tb_sweep_plan_free(tb_sweep_plan *p)
{
    free(p->seg);
    memset(p, 0, sizeof *p);
}

int tb_sweep_shard_parse(const char *arg, int *shard, int *nshards, tb_err *e)
{
    char *end;
    long i = strtol(arg, &end, 10), n;
    if (end == arg || *end != '/') goto bad;
    const char *rest = end + 1;
    n = strtol(rest, &end, 10);
    if (end == rest || *end || n < 1 || n > 100000 || i < 0 || i >= n) goto bad;
    *shard = (int)i, *nshards = (int)n;
    return 0;
bad:
    return tb_errf(e, "--shard %s: must be I/N with 0 <= I < N (e.g. 0/4)", arg);
}
