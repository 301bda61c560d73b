/*
 * session_replay.c - playing recorded sessions again (session_replay.h, docs/replay.md).
 *
 * Each recording is read whole (the file is the unit a crash can tear; the intact part is
 * used), its decisions and sent orders indexed, then its records are handed in file order to an
 * external runner (trade/runner.h): the same trader, order manager and session lines as
 * `tradebot run`, with the replay broker and the replay gate.
 */
#include "replay/session_replay.h"
#include "feed/replay.h"
#include "replay/rec.h"
#include "replay/replay_broker.h"
#include "replay/replay_priv.h"
#include "risk/gates.h"
#include "risk/risk_config.h"
#include "trade/runner.h"
#include "util/clock.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct rp_file {
    tb_rec_reader rd;
    tb_rec_rec *recs;
    size_t n;
    json_t *meta;
} rp_file;

typedef struct rp {
    const tb_sreplay_opts *o;
    rp_file files[TB_REPLAY_MAX_FILES];
    rp_times times[TB_REPLAY_MAX_FILES];
    int nfiles, file;
    int64_t seq;
    rp_decs rec, rep, sent; /* sent: the orders the recording sent to its broker */
    tb_config cfg;          /* the recording's (current = 0) */
    int cfg_loaded;
    const tb_config *c;
    char scratch[4096];
    int nwritten;
    tb_shost host;
    tb_runner r;
    int runner_open;
    tb_risk *risk;
    tb_rbroker *rb;
    tb_trade_tap tap;
    tb_session session;
    int started;    /* on_start was called */
    int macro_file; /* 1 + the file whose macro state is set */
} rp;

/* --- reading ---------------------------------------------------------------------------------- */

static int load_file(rp *p, int i, const char *path, tb_sreplay_result *out, tb_err *e)
{
    rp_file *f = &p->files[i];
    if (tb_rec_open(&f->rd, path, e) != 0) return -1;
    size_t cap = 0;
    tb_rec_rec x;
    int rc;
    while ((rc = tb_rec_next(&f->rd, &x, e)) == 1) {
        if (f->n == cap) {
            cap = cap ? cap * 2 : 1024;
            tb_rec_rec *nv = realloc(f->recs, cap * sizeof *nv);
            if (!nv) return tb_errf(e, "%s: out of memory", path);
            f->recs = nv;
        }
        f->recs[f->n++] = x;
        if (x.type == TB_REC_DECISION) {
            tb_rec_decision d;
            if (tb_rec_get_decision(&f->rd, &x, &d, e) != 0) return -1;
            int sent = strcmp(d.verdict, "sent") == 0 || strcmp(d.verdict, "send_failed") == 0;
            if (rp_decs_push(sent ? &p->sent : &p->rec, i, &d) != 0)
                return tb_errf(e, "%s: out of memory", path);
            out->recorded += !sent;
        } else if (x.type == TB_REC_META && !f->meta) {
            f->meta = json_loadb((const char *)x.p, x.len, 0, NULL);
            if (!f->meta)
                return tb_errf(e, "%s: unreadable session header at offset %llu", path,
                               (unsigned long long)x.offset);
        }
    }
    if (rc < 0) return -1;
    if (!f->meta) return tb_errf(e, "%s: no session header (META record)", path);
    if (f->rd.torn) {
        out->torn = 1;
        snprintf(out->torn_note, sizeof out->torn_note,
                 "%s: torn last record at offset %llu (%zu bytes ignored): the session was cut "
                 "short while writing; the intact part was replayed",
                 path, (unsigned long long)f->rd.torn_offset, f->rd.torn_bytes);
    }
    return 0;
}

/* The recording's configuration, as `tradebot run` loaded it then (defaults under it). */
static int load_recorded_config(rp *p, tb_err *e)
{
    json_t *cfg = json_object_get(p->files[0].meta, "config");
    char path[4200];
    snprintf(path, sizeof path, "%s/config.json", p->scratch);
    if (!json_is_object(cfg) || json_dump_file(cfg, path, 0) != 0)
        return tb_errf(e, "%s: the session header holds no configuration", p->o->files[0]);
    tb_config_errors errs;
    if (tb_config_load(path, 0, &p->cfg, &errs) != 0)
        return tb_errf(e, "%s: the recorded configuration does not load: %s", p->o->files[0],
                       errs.n ? errs.msg[0] : "?");
    p->cfg_loaded = 1;
    return 0;
}

/* --- strategies ------------------------------------------------------------------------------- */

static int write_text(const char *path, const char *text, size_t n, tb_err *e)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, n, f) != n) {
        if (f) fclose(f);
        return tb_errf(e, "%s: cannot write", path);
    }
    return fclose(f) == 0 ? 0 : tb_errf(e, "%s: cannot write", path);
}

/* A recorded strategy version: added, or swapped in as `tradebot run` reloads (state kept). The
 * first version of a strategy also restores its recorded state. */
static int apply_version(rp *p, const tb_rec_rec *x, tb_err *e)
{
    const rp_file *f = &p->files[p->file];
    const char *js, *text;
    size_t jl, tl;
    if (tb_rec_get_strategy(&f->rd, x, &js, &jl, &text, &tl, e) != 0) return -1;
    json_t *j = json_loadb(js, jl, 0, NULL);
    const char *name = json_string_value(json_object_get(j, "name"));
    if (!name) {
        json_decref(j);
        return tb_errf(e, "%s: strategy record at offset %llu names no strategy",
                       p->o->files[p->file], (unsigned long long)x->offset);
    }
    tb_strategy *s = tb_shost_find(&p->host, name);
    char path[4300];
    if (s) {
        snprintf(path, sizeof path, "%s", s->path);
    } else {
        const char *file = json_string_value(json_object_get(j, "file"));
        const char *base = file && strrchr(file, '/') ? strrchr(file, '/') + 1 : "s.lua";
        snprintf(path, sizeof path, "%s/%d-%s", p->scratch, ++p->nwritten, base);
    }
    int rc = write_text(path, text, tl, e);
    json_t *params = json_object_get(j, "params"), *sp = json_object_get(j, "symbol_params");
    if (rc == 0 && s) {
        json_decref(s->cfg_params), json_decref(s->cfg_symbol_params);
        s->cfg_params = json_is_object(params) ? json_incref(params) : NULL;
        s->cfg_symbol_params = json_is_object(sp) ? json_incref(sp) : NULL;
        s->allow_short = json_is_true(json_object_get(j, "allow_short"));
        rc = tb_shost_reload_path(&p->host, path, e) < 0 ? -1 : 0;
    } else if (rc == 0) {
        char *syms[256];
        json_t *sv = json_object_get(j, "symbols");
        int ns = 0;
        for (size_t k = 0; k < json_array_size(sv) && ns < 256; k++)
            syms[ns++] = (char *)json_string_value(json_array_get(sv, k));
        tb_strategy_cfg sc = {.name = (char *)name,
                              .file = path,
                              .enabled = 1,
                              .symbols = syms,
                              .nsymbols = ns,
                              .params = json_is_object(params) ? params : NULL,
                              .symbol_params = json_is_object(sp) ? sp : NULL,
                              .allow_short = json_is_true(json_object_get(j, "allow_short"))};
        rc = tb_shost_add(&p->host, &sc, e);
    }
    if (rc != 0) tb_err_prefix(e, "%s: strategy %s: ", p->o->files[p->file], name);
    json_decref(j);
    return rc;
}

/* --current: the home's enabled strategies with their configured params. */
static int add_current(rp *p, tb_err *e)
{
    for (int i = 0; i < p->c->nstrategies; i++)
        if (p->c->strategies[i].enabled && tb_shost_add(&p->host, &p->c->strategies[i], e) != 0)
            return -1;
    return 0;
}

/* --- the trader's broker, gate and tap -------------------------------------------------------- */

static int make_broker(void *ud, oms *m, broker *out, tb_err *e)
{
    rp *p = ud;
    (void)m, (void)e;
    *out = tb_rbroker_broker(p->rb);
    return 0;
}

static int key_match(const rp_dec *r, int file, int64_t seq, const oms_intent *in)
{
    const tb_rec_decision *d = &r->d;
    return !r->gate_used && r->file == file && d->bar_seq == seq &&
           strcmp(d->strategy, in->strategy) == 0 && strcmp(d->symbol, in->symbol) == 0 &&
           d->side == (int)in->side && d->type == (int)in->type && d->qty == in->qty &&
           d->limit == in->limit_price && d->stop == in->stop_price &&
           strcmp(d->verdict, "refused") != 0;
}

static int replay_gate(void *ud, const tb_gate_ctx *cx, const oms_intent *in, char *gate,
                       size_t gate_len, char *why, size_t why_len)
{
    rp *p = ud;
    for (size_t i = 0; i < p->rec.n; i++) {
        rp_dec *r = &p->rec.v[i];
        if (!key_match(r, p->file, p->seq, in)) continue;
        r->gate_used = 1;
        if (strcmp(r->d.verdict, "blocked") != 0) return 0;
        snprintf(gate, gate_len, "%s", r->d.gate);
        snprintf(why, why_len, "%s", r->d.why);
        return 1;
    }
    return tb_risk_gate(p->risk, cx, in, gate, gate_len, why, why_len);
}

static void on_decision(void *ud, const oms_intent *in, const char *verdict, const char *gate,
                        const char *why, const oms_order *o)
{
    rp *p = ud;
    tb_rec_decision d;
    memset(&d, 0, sizeof d);
    d.bar_seq = p->seq;
    snprintf(d.strategy, sizeof d.strategy, "%s", in->strategy);
    snprintf(d.symbol, sizeof d.symbol, "%s", in->symbol);
    d.side = (int)in->side, d.type = (int)in->type, d.qty = in->qty;
    d.limit = in->limit_price, d.stop = in->stop_price;
    snprintf(d.verdict, sizeof d.verdict, "%s", verdict ? verdict : "");
    snprintf(d.gate, sizeof d.gate, "%s", gate ? gate : "");
    snprintf(d.why, sizeof d.why, "%s", why ? why : "");
    if (o) snprintf(d.client_id, sizeof d.client_id, "%s", o->client_id);
    rp_decs_push(&p->rep, p->file, &d);
    if (p->o->out && p->o->print_decisions) {
        char t[256];
        rp_dec_text(&d, t, sizeof t);
        fprintf(p->o->out, "bar %lld %s: %s\n", (long long)p->seq, d.strategy, t);
    }
}

static int open_runner(rp *p, tb_err *e)
{
    const tb_config *c = p->c;
    tb_risk_cfg rc;
    tb_risk_cfg_from_config(c, &rc);
    if (!(p->risk = tb_risk_new(&rc, NULL, e))) return -1;
    paper_config pc = {.seed = (uint64_t)c->replay.seed,
                       .initial_cash = (tb_money)(c->paper.initial_cash * 1e6),
                       .margin = c->risk.allow_short ? PAPER_REGT : PAPER_CASH,
                       .slippage_bps = (int32_t)c->paper.slippage_bps,
                       .commission_per_share =
                           (tb_money)(c->paper.commission_per_share * 1e6 + 0.5)};
    if (!(p->rb = tb_rbroker_new(&pc, e))) return -1;
    for (size_t i = 0; i < p->sent.n; i++)
        if (tb_rbroker_add_sent(p->rb, p->sent.v[i].file, &p->sent.v[i].d) != 0)
            return tb_errf(e, "replay: out of memory");
    p->tap = (tb_trade_tap){.decision = on_decision, .ud = p};
    tb_runner_opts ro = {.shost = &p->host,
                         .seed = (uint64_t)c->replay.seed,
                         .initial_cash = pc.initial_cash,
                         .slippage_bps = pc.slippage_bps,
                         .commission_per_share = pc.commission_per_share,
                         .flatten_minutes = (int)c->paper.flatten_minutes,
                         .reject_hold_minutes = c->orders.reject_hold_minutes,
                         .allow_short = c->risk.allow_short,
                         .gate = replay_gate,
                         .gate_tick = tb_risk_tick,
                         .gate_ud = p,
                         .make_broker = make_broker,
                         .broker_ud = p,
                         .tap = &p->tap,
                         .log_component = "session_replay",
                         .external = 1};
    if (tb_runner_open(&p->r, &ro, e) != 0) return -1;
    p->runner_open = 1;
    tb_risk_attach(p->risk, tb_trader_oms(p->r.trader));
    return 0;
}

/* --- what the engine restored at start ----------------------------------------------------- */

static int position_of(json_t *j, oms_position *p)
{
    const char *sym = json_string_value(json_object_get(j, "symbol"));
    if (!sym || strlen(sym) > OMS_SYMBOL_MAX) return -1;
    memset(p, 0, sizeof *p);
    snprintf(p->symbol, sizeof p->symbol, "%s", sym);
    p->qty = json_integer_value(json_object_get(j, "qty"));
    p->cost_basis = json_integer_value(json_object_get(j, "cost_basis"));
    p->avg_price = json_integer_value(json_object_get(j, "avg_price"));
    p->realized_pnl = json_integer_value(json_object_get(j, "realized_pnl"));
    p->fees = json_integer_value(json_object_get(j, "fees"));
    p->day = (int32_t)json_integer_value(json_object_get(j, "day"));
    p->opened_today = json_integer_value(json_object_get(j, "opened_today"));
    return 0;
}

/* The START record of the first recording: the resume point (bars before it only warm up, as
 * after the restart), the strategies' state, the positions and the order sequence (so the
 * replayed orders carry the recorded client ids). A later recording is a later engine run: its
 * state is what the replay itself built. */
static int apply_start(rp *p, const tb_rec_rec *x, tb_err *e)
{
    if (p->file != 0) return 0;
    json_t *j = json_loadb((const char *)x->p, x->len, 0, NULL);
    if (!json_is_object(j))
        return tb_errf(e, "%s: unreadable START record at offset %llu", p->o->files[p->file],
                       (unsigned long long)x->offset);
    oms *m = tb_trader_oms(p->r.trader);
    int64_t resume = json_integer_value(json_object_get(j, "resume_ns"));
    if (resume > 0) tb_trader_set_resume(p->r.trader, resume);
    int64_t seq = json_integer_value(json_object_get(j, "next_seq"));
    if (seq > 0) oms_restore_seq(m, seq);
    const char *name;
    json_t *v;
    json_object_foreach(json_object_get(j, "states"), name, v)
    {
        tb_strategy *s = tb_shost_find(&p->host, name);
        if (s && json_is_object(v)) tb_shost_state_set(s, v);
    }
    int rc = 0;
    oms_position pos;
    json_t *acct = json_object_get(j, "positions"), *own = json_object_get(j, "strategy_positions");
    for (size_t i = 0; rc == 0 && i < json_array_size(acct); i++) {
        if (position_of(json_array_get(acct, i), &pos) != 0) continue;
        rc = oms_restore_position(m, &pos, e);
        if (rc == 0) rc = tb_rbroker_restore(p->rb, &pos, e);
    }
    for (size_t i = 0; rc == 0 && i < json_array_size(own); i++) {
        const char *st = json_string_value(json_object_get(json_array_get(own, i), "strategy"));
        if (st && position_of(json_array_get(own, i), &pos) == 0)
            rc = oms_restore_strategy_position(m, st, &pos, e);
    }
    json_decref(j);
    if (rc == 0) tb_trader_restored(p->r.trader);
    return rc == 0 ? 0 : tb_err_prefix(e, "%s: START record: ", p->o->files[p->file]);
}

/* --- playing ---------------------------------------------------------------------------------- */

/* The macro state the session's gates had (recorded at start), fresh (staleness is measured on
 * the wall clock): an intent the recording never made meets survival mode only if the session
 * was in it. */
static void set_macro(rp *p)
{
    json_t *m = json_object_get(p->files[p->file].meta, "macro");
    p->macro_file = p->file + 1;
    if (!json_is_true(json_object_get(m, "valid"))) return; /* the live fail-safe applies */
    tb_macro x = {.vix = json_number_value(json_object_get(m, "vix")),
                  .time_ns = tb_clock_now_ns(),
                  .survival = json_is_true(json_object_get(m, "survival")),
                  .valid = 1};
    snprintf(x.source, sizeof x.source, "%s", json_string_value(json_object_get(m, "source")));
    snprintf(x.vix_date, sizeof x.vix_date, "%s",
             json_string_value(json_object_get(m, "vix_date")));
    tb_risk_set_macro(p->risk, &x);
}

static int play_bar(rp *p, const tb_rec_rec *x, tb_sreplay_result *out, tb_err *e)
{
    tb_rec_bar b;
    if (tb_rec_get_bar(&p->files[p->file].rd, x, &b, e) != 0) return -1;
    int64_t id = tb_symtab_intern(&p->r.syms, b.symbol, e);
    if (id < 0)
        return tb_err_prefix(e, "%s: offset %llu: ", p->o->files[p->file],
                             (unsigned long long)x->offset);
    rp_times *t = &p->times[p->file];
    if (t->n == t->cap) {
        size_t c = t->cap ? t->cap * 2 : 1024;
        int64_t *nv = realloc(t->v, c * sizeof *nv);
        if (!nv) return tb_errf(e, "out of memory");
        t->v = nv, t->cap = c;
    }
    t->v[t->n++] = b.start_ns;
    p->seq = b.seq;
    if (p->macro_file != p->file + 1) set_macro(p);
    tb_rbroker_at(p->rb, p->file, b.seq);
    tb_rbroker_bar(p->rb, &b);
    tb_bar bar;
    tb_rec_bar_to(&b, (uint32_t)id, &bar);
    tb_replay_ev ev = {
        .type = TB_REPLAY_BAR, .bar = &bar, .session = &p->session, .sim_ns = tb_bar_end_ns(&bar)};
    tb_runner_feed(&p->r, &ev);
    out->bars++;
    return 0;
}

static int play_record(rp *p, const tb_rec_rec *x, tb_sreplay_result *out, tb_err *e)
{
    const tb_rec_reader *rd = &p->files[p->file].rd;
    switch (x->type) {
    case TB_REC_BAR: return play_bar(p, x, out, e);
    case TB_REC_SESSION: {
        tb_rec_session s;
        if (tb_rec_get_session(rd, x, &s, e) != 0) return -1;
        if (s.start) tb_cal_session(&p->r.cal, (tb_date)s.date, &p->session);
        tb_replay_ev ev = {.type = s.start ? TB_REPLAY_SESSION_START : TB_REPLAY_SESSION_END,
                           .session = &p->session,
                           .sim_ns = s.t_ns};
        tb_runner_feed(&p->r, &ev);
        return 0;
    }
    case TB_REC_UPDATE: {
        tb_rec_update u;
        if (tb_rec_get_update(rd, x, &u, e) != 0) return -1;
        tb_rbroker_update(p->rb, &u);
        return 0;
    }
    case TB_REC_START: return apply_start(p, x, e);
    case TB_REC_STRATEGY: /* a version to add, or one the engine reloaded: as it happened */
        return p->o->current ? 0 : apply_version(p, x, e);
    default: return 0;
    }
}

static int play_file(rp *p, int i, tb_sreplay_result *out, tb_err *e)
{
    rp_file *f = &p->files[i];
    p->file = i, p->seq = 0;
    for (size_t k = 0; k < f->n; k++) {
        const tb_rec_rec *x = &f->recs[k];
        if (x->type == TB_REC_BAR && !p->started) { /* `tradebot run` starts them before the feed */
            p->started = 1;
            tb_shost_broadcast(&p->host, TB_CB_ON_START);
        }
        if (play_record(p, x, out, e) != 0) return -1;
    }
    char id[256];
    const char *sid = json_string_value(json_object_get(f->meta, "id"));
    snprintf(id, sizeof id, "%s", sid ? sid : "?");
    json_array_append_new(out->sessions,
                          json_pack("{s:s, s:s, s:I, s:b}", "id", id, "file", p->o->files[i],
                                    "bars", (json_int_t)p->times[i].n, "torn", f->rd.torn));
    return 0;
}

/* The scratch folder holds only the files this replay wrote (the recorded configuration and
 * strategy texts), no subfolder: removed file by file, without a shell, so a TMPDIR with a quote
 * in it neither breaks the cleanup nor runs anything. A leftover is harmless. */
static void remove_scratch(const char *dir)
{
    DIR *d = opendir(dir);
    char path[4400];
    for (struct dirent *de; d && (de = readdir(d));) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
    }
    if (d) closedir(d);
    rmdir(dir);
}
static void rp_free(rp *p)
{
    if (p->runner_open) tb_runner_close(&p->r);
    tb_rbroker_free(p->rb); /* after the trader: its order manager holds the broker */
    tb_shost_free(&p->host);
    tb_risk_free(p->risk);
    if (p->cfg_loaded) tb_config_free(&p->cfg);
    for (int i = 0; i < p->nfiles; i++) {
        tb_rec_close(&p->files[i].rd);
        free(p->files[i].recs);
        json_decref(p->files[i].meta);
        free(p->times[i].v);
    }
    free(p->rec.v);
    free(p->rep.v);
    free(p->sent.v);
    if (p->scratch[0]) remove_scratch(p->scratch);
    free(p);
}

int tb_sreplay_run(const tb_sreplay_opts *o, tb_sreplay_result *out, tb_err *e)
{
    memset(out, 0, sizeof *out);
    out->diffs = json_array();
    out->sessions = json_array();
    if (o->nfiles < 1 || o->nfiles > TB_REPLAY_MAX_FILES)
        return tb_errf(e, "replay: between 1 and %d sessions", TB_REPLAY_MAX_FILES);
    rp *p = calloc(1, sizeof *p);
    if (!p) return tb_errf(e, "replay: out of memory");
    p->o = o;
    const char *tmp = getenv("TMPDIR");
    snprintf(p->scratch, sizeof p->scratch, "%s/tradebot-replay-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    int rc = -1;
    if (!mkdtemp(p->scratch)) {
        p->scratch[0] = 0;
        tb_errf(e, "replay: cannot create a temporary folder");
        goto out;
    }
    for (int i = 0; i < o->nfiles; i++, p->nfiles++)
        if (load_file(p, i, o->files[i], out, e) != 0) goto out;
    if (o->current)
        p->c = o->cfg;
    else if (load_recorded_config(p, e) == 0)
        p->c = &p->cfg;
    else
        goto out;
    tb_shost_init_config(&p->host, p->c);
    tb_shost_offline(&p->host); /* a busy machine must not turn an identical replay into a diff */
    if (open_runner(p, e) != 0) goto out;
    if (o->current && add_current(p, e) != 0) goto out;
    for (int i = 0; i < p->nfiles; i++)
        if (play_file(p, i, out, e) != 0) goto out;
    out->replayed = (int64_t)p->rep.n;
    out->paper_orders = tb_rbroker_paper_orders(p->rb);
    out->unmatched_updates = tb_rbroker_unmatched_updates(p->rb);
    rp_compare(o, &p->rec, &p->rep, p->times, out);
    json_t *rows = tb_rbroker_paper_rows(p->rb);
    size_t k;
    json_t *row;
    json_array_foreach(rows, k, row)
    {
        out->differences++;
        json_object_set_new(row, "difference",
                            json_string("the recording never sent this order: paper fill model"));
        json_array_append(out->diffs, row);
        if (o->out)
            fprintf(o->out,
                    "DIFF bar %lld %s: order %s had no recorded broker answer: filled by "
                    "the paper model\n",
                    (long long)json_integer_value(json_object_get(row, "bar")),
                    json_string_value(json_object_get(row, "strategy")),
                    json_string_value(json_object_get(row, "client_id")));
    }
    tb_report_compute(&p->r, &out->report);
    rc = 0;
out:
    rp_free(p);
    return rc;
}
