#include "cand/select.h"
#include "cand/snapshot.h"
#include "data/bar_store.h"
#include "data/sample_gen.h"
#include "home/home.h"
#include "log/log.h"
#include "util/clock.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS 1000000000LL

static int from_store(tb_date want, tb_symtab *syms, tb_bar_vec *bars, tb_err *e)
{
    char path[PATH_MAX];
    tb_db *db = tb_db_open(tb_home_path(path, sizeof path, "ml_db/ml_data.db"), NULL, e);
    if (!db) return -1;
    tb_bar_store *bs = tb_bar_store_open(db, e);
    int64_t n = 0;
    int rc = bs ? tb_bar_store_count(bs, 60, &n, e) : -1;
    if (rc == 0 && n > 0)
        rc = tb_bar_store_read(bs, syms, NULL, 0, 60, ((int64_t)want - 60) * 86400 * NS,
                               ((int64_t)want + 2) * 86400 * NS, bars, e);
    tb_bar_store_close(bs);
    tb_db_close(db);
    return rc;
}

static int from_sample(const tb_config *cfg, tb_symtab *syms, tb_bar_vec *bars, tb_err *e)
{
    tb_sample_cfg sc;
    tb_sample_defaults(&sc);
    sc.seed = (uint64_t)cfg->replay.seed;
    sc.days = (int)cfg->replay.days;
    sc.nsymbols = (int)cfg->replay.symbols;
    if (cfg->replay.start && *cfg->replay.start &&
        tb_date_parse(cfg->replay.start, &sc.start, e) != 0)
        return -1;
    return tb_sample_generate(&sc, syms, bars, NULL, e);
}

static int by_score(const void *a, const void *b)
{
    const tb_cand *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return strcmp(x->symbol, y->symbol);
}

/* The day to screen: want, or the last day with data when the data ends before it. */
static tb_date pick_day(const tb_bar_vec *bars, tb_date want)
{
    tb_date last = 0;
    for (size_t i = 0; i < bars->n; i++) {
        tb_date d = tb_cal_session_day(bars->v[i].start_ns);
        if (d <= want && d > last) last = d;
    }
    return last;
}

static int score_all(tb_scorer *s, tb_cand *all, int n, tb_cand_set *out, tb_select_info *info,
                     tb_err *e)
{
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (!tb_screen_pass(&all[i], &s->bounds)) continue;
        if (tb_scorer_score(s, &all[i], e) != 0) return -1;
        all[m++] = all[i];
    }
    info->passed = m;
    qsort(all, (size_t)m, sizeof *all, by_score);
    out->n = m < s->top ? m : s->top;
    memcpy(out->c, all, (size_t)out->n * sizeof *all);
    return 0;
}

static int is_polygon(const tb_config *cfg)
{
    const char *src = cfg->candidates.source;
    return src && (strcmp(src, "polygon") == 0 || strcmp(src, "massive") == 0);
}

/* Today's screen with the vendor's snapshot: 1 when it was used, 0 when it could not be (the
 * reason in info->note and the log: the caller screens from the store), -1 out of memory. */
static int snap_screen(const tb_config *cfg, const tb_bar_vec *bars, const tb_symtab *syms,
                       tb_date today, tb_cand *all, int cap, tb_select_info *info)
{
    int64_t now = tb_clock_now_ns();
    tb_session ss;
    int open = tb_cal_session(NULL, today, &ss) && now >= ss.open_ns;
    int n = tb_screen_features(bars->v, bars->n, syms, today, all, cap);
    if (n < 0) return -1;
    tb_err e = {""};
    if (tb_cand_snap_screen(cfg, open, all, &n, cap, info, &e) != 0) {
        snprintf(info->note, sizeof info->note,
                 "polygon snapshot unavailable (%s): screened from the %s", e.msg, info->source);
        TB_WARN("candidates", "%s", info->note);
        return 0;
    }
    info->screened = n;
    char hist[64];
    snprintf(hist, sizeof hist, "%s", info->source);
    snprintf(info->source, sizeof info->source, "polygon snapshot + %s", hist);
    TB_INFO("candidates",
            "source: polygon snapshot (%s, %s) priced %d, %d without a price, %d movers added; "
            "history from the %s",
            open ? "open: day.o" : "before the open: min.c", "prev close prevDay.c",
            info->snap_priced, info->snap_missing, info->movers_added, hist);
    if (info->snap_skipped)
        TB_WARN("candidates", "snapshot: %zu entries refused, first: %s", info->snap_skipped,
                info->snap_why);
    return 1;
}

int tb_cand_select(const tb_config *cfg, tb_date want, tb_scorer *s, tb_cand_set *out,
                   tb_select_info *info, tb_err *e)
{
    memset(info, 0, sizeof *info);
    memset(out, 0, sizeof *out);
    tb_date today = tb_cal_session_day(tb_clock_now_ns());
    if (!want) want = today;
    info->asked = want;
    tb_symtab syms;
    tb_symtab_init(&syms);
    tb_bar_vec bars = {0};
    int rc = from_store(want, &syms, &bars, e);
    snprintf(info->source, sizeof info->source, "bar store");
    if (rc == 0 && bars.n == 0) {
        rc = from_sample(cfg, &syms, &bars, e);
        snprintf(info->source, sizeof info->source, "sample data");
    }
    tb_cand *all = NULL;
    int cap = (int)syms.n + 40, snap = 0; /* room for the movers the store lacks */
    if (rc == 0 && !(all = calloc((size_t)cap, sizeof *all))) rc = tb_errf(e, "out of memory");
    if (rc == 0 && is_polygon(cfg) && want != today) {
        char d[16];
        snprintf(info->note, sizeof info->note,
                 "the polygon snapshot is today's: --date %s screens from the %s",
                 tb_date_fmt(want, d, sizeof d), info->source);
        TB_INFO("candidates", "%s", info->note);
    } else if (rc == 0 && is_polygon(cfg)) {
        snap = snap_screen(cfg, &bars, &syms, today, all, cap, info);
        if (snap < 0) rc = tb_errf(e, "out of memory");
        if (snap > 0) out->date = today;
    }
    if (rc == 0 && !snap && !(out->date = pick_day(&bars, want))) {
        char d[16];
        rc = tb_errf(e, "no bars on or before %s in the %s", tb_date_fmt(want, d, sizeof d),
                     info->source);
    }
    if (rc == 0 && !snap) {
        memset(all, 0, (size_t)cap * sizeof *all);
        info->screened = tb_screen_features(bars.v, bars.n, &syms, out->date, all, (int)syms.n);
    }
    if (rc == 0) {
        tb_clock_fmt_utc(tb_clock_now_ns(), out->generated_at, sizeof out->generated_at);
        rc = score_all(s, all, info->screened, out, info, e);
    }
    free(all);
    tb_bar_vec_free(&bars);
    tb_symtab_free(&syms);
    return rc;
}
