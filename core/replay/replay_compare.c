/*
 * replay_compare.c - recorded against replayed decisions, bar by bar (session_replay.h).
 *
 * Two decisions are the same when they were made at the same bar of the same recording by the
 * same strategy on the same symbol with the same side, qty, type, prices, verdict and gate. What
 * is left unpaired is a difference; a recorded and a replayed leftover of one bar, strategy and
 * symbol are shown side by side as one difference.
 */
#include "replay/replay_priv.h"
#include "util/clock.h"
#include "util/money.h"

#include <stdlib.h>
#include <string.h>

int rp_decs_push(rp_decs *a, int file, const tb_rec_decision *d)
{
    if (a->n == a->cap) {
        size_t c = a->cap ? a->cap * 2 : 256;
        rp_dec *nv = realloc(a->v, c * sizeof *nv);
        if (!nv) return -1;
        a->v = nv, a->cap = c;
    }
    rp_dec *x = &a->v[a->n++];
    memset(x, 0, sizeof *x);
    x->file = file;
    x->d = *d;
    return 0;
}

static const char *side_name(int s)
{
    return s == 0 ? "buy" : "sell";
}

static const char *type_name(int t)
{
    static const char *const n[] = {"market", "limit", "stop", "stop_limit"};
    return t >= 0 && t < 4 ? n[t] : "?";
}

void rp_dec_text(const tb_rec_decision *d, char *out, size_t cap)
{
    char lim[32] = "", stp[32] = "", px[24];
    if (d->limit) snprintf(lim, sizeof lim, " limit %s", tb_money_fmt(d->limit, px, sizeof px));
    if (d->stop) snprintf(stp, sizeof stp, " stop %s", tb_money_fmt(d->stop, px, sizeof px));
    snprintf(out, cap, "%s %lld %s %s%s%s %s%s%s", side_name(d->side), (long long)d->qty, d->symbol,
             type_name(d->type), lim, stp, d->verdict, d->gate[0] ? " by " : "", d->gate);
}

static int same(const rp_dec *a, const rp_dec *b)
{
    const tb_rec_decision *x = &a->d, *y = &b->d;
    return a->file == b->file && x->bar_seq == y->bar_seq &&
           strcmp(x->strategy, y->strategy) == 0 && strcmp(x->symbol, y->symbol) == 0 &&
           x->side == y->side && x->qty == y->qty && x->type == y->type && x->limit == y->limit &&
           x->stop == y->stop && strcmp(x->verdict, y->verdict) == 0 &&
           strcmp(x->gate, y->gate) == 0;
}

static int same_place(const rp_dec *a, const rp_dec *b)
{
    return a->file == b->file && a->d.bar_seq == b->d.bar_seq &&
           strcmp(a->d.strategy, b->d.strategy) == 0 && strcmp(a->d.symbol, b->d.symbol) == 0;
}

static int64_t bar_time(const rp_times *times, int file, int64_t seq)
{
    const rp_times *t = &times[file];
    return seq >= 1 && (size_t)seq <= t->n ? t->v[seq - 1] : 0;
}

static void add_diff(const tb_sreplay_opts *o, const rp_times *times, const rp_dec *rec,
                     const rp_dec *rep, tb_sreplay_result *out)
{
    const rp_dec *any = rec ? rec : rep;
    char a[256] = "(none)", b[256] = "(none)", ts[40] = "";
    if (rec) rp_dec_text(&rec->d, a, sizeof a);
    if (rep) rp_dec_text(&rep->d, b, sizeof b);
    int64_t t = bar_time(times, any->file, any->d.bar_seq);
    if (t) tb_clock_fmt_utc(t, ts, sizeof ts);
    out->differences++;
    json_array_append_new(out->diffs,
                          json_pack("{s:i, s:I, s:s, s:s, s:s, s:s, s:s}", "file", any->file, "bar",
                                    (json_int_t)any->d.bar_seq, "time", ts, "symbol", any->d.symbol,
                                    "strategy", any->d.strategy, "recorded", a, "replayed", b));
    if (o->out)
        fprintf(o->out, "DIFF bar %lld %s %s %s: recorded %s | replayed %s\n",
                (long long)any->d.bar_seq, ts, any->d.symbol, any->d.strategy, a, b);
}

void rp_compare(const tb_sreplay_opts *o, rp_decs *rec, rp_decs *rep, const rp_times *times,
                tb_sreplay_result *out)
{
    for (size_t i = 0; i < rec->n; i++)
        for (size_t j = 0; j < rep->n; j++)
            if (!rep->v[j].paired && same(&rec->v[i], &rep->v[j])) {
                rec->v[i].paired = rep->v[j].paired = 1;
                break;
            }
    for (size_t i = 0; i < rec->n; i++) {
        if (rec->v[i].paired) continue;
        const rp_dec *other = NULL;
        for (size_t j = 0; j < rep->n && !other; j++)
            if (!rep->v[j].paired && same_place(&rec->v[i], &rep->v[j])) {
                rep->v[j].paired = 1;
                other = &rep->v[j];
            }
        add_diff(o, times, &rec->v[i], other, out);
    }
    for (size_t j = 0; j < rep->n; j++)
        if (!rep->v[j].paired) add_diff(o, times, NULL, &rep->v[j], out);
}
