/*
 * sim_check.c - the invariants of the simulation (docs/simulation.md), checked after every
 * step against three independent views: the order manager in memory, the SQLite journal (read
 * incrementally: fills and day trades only ever grow) and the fake broker's own book.
 */
#include "sim_priv.h"

#include <string.h>

/* The per-strategy position API (core/oms/oms.h) where this build has it: checked against the
 * journal's fills per strategy. Weak, so the simulator also builds before it exists. */
extern tb_qty oms_strategy_qty(const oms *m, const char *strategy, const char *symbol)
    __attribute__((weak));

int sim_check_open(sim *s, tb_err *e)
{
    sqlite3 *db = s->db->h;
    if (sqlite3_prepare_v2(
            db,
            "SELECT f.rowid, f.symbol, f.side, f.qty, o.strategy, o.reason, f.client_id"
            " FROM oms_fills f"
            " LEFT JOIN oms_orders o ON o.client_id = f.client_id"
            " WHERE f.rowid > ? ORDER BY f.rowid",
            -1, &s->q_fills, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(
            db, "SELECT rowid, day, client_id FROM oms_daytrades WHERE rowid > ? ORDER BY rowid",
            -1, &s->q_daytrades, NULL) != SQLITE_OK)
        return tb_errf(e, "sim: %s", sqlite3_errmsg(db));
    return 0;
}

void sim_check_close(sim *s)
{
    sqlite3_finalize(s->q_fills);
    sqlite3_finalize(s->q_daytrades);
    s->q_fills = s->q_daytrades = NULL;
}

static int sym_index(const char *name)
{
    for (int i = 0; i < SIM_NSYM; i++)
        if (strcmp(sim_symbols[i], name) == 0) return i;
    return -1;
}

/* Index of a strategy in strat_pos: a generated one, "engine" (the session-end flatten), or
 * anything else. */
static int strat_index(const sim *s, const char *name)
{
    for (int i = 0; i < s->nstrat; i++)
        if (strcmp(s->strat_name[i], name) == 0) return i;
    return strcmp(name, "engine") == 0 ? s->nstrat : s->nstrat + 1;
}

/* New persisted fills into the account and per-strategy sums. */
static void read_fills(sim *s)
{
    sqlite3_bind_int64(s->q_fills, 1, s->fills_rowid);
    while (sqlite3_step(s->q_fills) == SQLITE_ROW) {
        s->fills_rowid = sqlite3_column_int64(s->q_fills, 0);
        int sym = sym_index((const char *)sqlite3_column_text(s->q_fills, 1));
        const char *side = (const char *)sqlite3_column_text(s->q_fills, 2);
        tb_qty q = sqlite3_column_int64(s->q_fills, 3);
        const char *strat = (const char *)sqlite3_column_text(s->q_fills, 4);
        const char *reason = (const char *)sqlite3_column_text(s->q_fills, 5);
        s->fills_seen++;
        if (sym < 0) continue;
        if (side && strcmp(side, "sell") == 0) q = -q;
        s->acct_pos[sym] += q;
        int k = strat_index(s, strat ? strat : "");
        tb_qty before = s->strat_pos[k][sym], after = before + q;
        s->strat_pos[k][sym] = after;
        /* Invariant 2, fill by fill: below zero only as far as its explicit shorts (ctx:short)
         * take it. The fill that crosses may be an exit's: a short sent while exits still work
         * counts on them. */
        if (k < s->nstrat && after < 0 && after < before && -after > s->short_sent[k][sym])
            sim_violation(s, 2, "%s %s: %lld -> %lld by %s (%s), explicit shorts sent: %lld",
                          s->strat_name[k], sim_symbols[sym], (long long)before, (long long)after,
                          (const char *)sqlite3_column_text(s->q_fills, 6), reason ? reason : "?",
                          (long long)s->short_sent[k][sym]);
    }
    sqlite3_reset(s->q_fills);
}

static void add_daytrade(sim *s, int32_t day)
{
    for (int i = 0; i < s->ndt; i++)
        if (s->dt[i].day == day) {
            s->dt[i].n++;
            return;
        }
    if (s->ndt < SIM_MAXDAYS) s->dt[s->ndt++] = (typeof(s->dt[0])){day, 1};
}

/* Day trades in the window of window_days sessions ending at last. */
static int window_count(const sim *s, tb_date last, int32_t *first_out)
{
    tb_date first = last;
    for (int k = 1; k < s->rc.dt.window_days; k++) first = tb_cal_prev_trading_day(&s->cal, first);
    int32_t a = tb_date_yyyymmdd(first), b = tb_date_yyyymmdd(last), n = 0;
    for (int i = 0; i < s->ndt; i++) n += s->dt[i].day >= a && s->dt[i].day <= b ? s->dt[i].n : 0;
    *first_out = a;
    return n;
}

/* Invariant 3: every window that contains a day with a new day trade. */
static void check_daytrades(sim *s)
{
    int32_t days[64];
    int nd = 0;
    sqlite3_bind_int64(s->q_daytrades, 1, s->dt_rowid);
    while (sqlite3_step(s->q_daytrades) == SQLITE_ROW) {
        s->dt_rowid = sqlite3_column_int64(s->q_daytrades, 0);
        int32_t day = (int32_t)sqlite3_column_int(s->q_daytrades, 1);
        add_daytrade(s, day);
        sim_trace(s, "day trade on %d by %s", (int)day,
                  (const char *)sqlite3_column_text(s->q_daytrades, 2));
        if (nd < 64) days[nd++] = day;
    }
    sqlite3_reset(s->q_daytrades);
    broker_account a = tb_trader_account(s->t);
    if (s->rc.dt.policy == TB_PDT_LEGACY && a.equity >= s->rc.dt.min_equity) return;
    for (int i = 0; i < nd; i++) {
        tb_date end = tb_date_from_yyyymmdd(days[i]);
        for (int k = 0; k < s->rc.dt.window_days;
             k++, end = tb_cal_next_trading_day(&s->cal, end)) {
            int32_t first;
            int n = window_count(s, end, &first);
            if (n > s->rc.dt.max_day_trades) {
                sim_violation(s, 3, "%d day trades in %d..%d, budget %d (%s)", n, (int)first,
                              (int)tb_date_yyyymmdd(end), s->rc.dt.max_day_trades,
                              s->rc.dt.policy == TB_PDT_LEGACY ? "pdt_legacy" : "budget");
                return;
            }
        }
    }
}

/* Invariants 1 and 2 per symbol. */
static void check_positions(sim *s)
{
    oms *m = tb_trader_oms(s->t);
    /* The order manager's own: account == sum of strategies, and the lists of held positions
     * and of symbols with open orders (the gates walk them) == a walk of every symbol. */
    if (oms_check_invariants(m) != 0)
        sim_violation(s, 1, "order manager: %s", oms_last_invariant_violation(m));
    for (int i = 0; i < SIM_NSYM; i++) {
        const char *sym = sim_symbols[i];
        const oms_position *p = oms_position_get(m, sym);
        tb_qty acct = p ? p->qty : 0;
        tb_qty brk = sim_broker_qty(s, sym);
        if (acct != s->acct_pos[i] || acct != brk)
            sim_violation(s, 1, "%s: account %lld, persisted fills %lld, broker (delivered) %lld",
                          sym, (long long)acct, (long long)s->acct_pos[i], (long long)brk);
        tb_qty sum = 0;
        for (int k = 0; k < s->nstrat + 2; k++) sum += s->strat_pos[k][i];
        if (sum != s->acct_pos[i])
            sim_violation(s, 1, "%s: strategy fills sum to %lld, account fills %lld", sym,
                          (long long)sum, (long long)s->acct_pos[i]);
        for (int k = 0; k < s->nstrat; k++) {
            const char *name = s->strat_name[k];
            if (oms_strategy_qty && oms_strategy_qty(m, name, sym) != s->strat_pos[k][i])
                sim_violation(s, 1, "%s %s: oms_strategy_qty %lld, its persisted fills %lld", name,
                              sym, (long long)oms_strategy_qty(m, name, sym),
                              (long long)s->strat_pos[k][i]);
            if (s->strat_pos[k][i] < 0 && !s->allow_short[k])
                sim_violation(s, 2, "%s %s: position %lld without an explicit short", name, sym,
                              (long long)s->strat_pos[k][i]);
        }
    }
}

/* Invariant 4, the book: what was working when the switch was engaged is canceled, and stays
 * canceled across a restart and a broker that was away (the grace starts again while it is). */
static void check_kill_book(sim *s)
{
    if (!s->kill) return;
    if (!sim_broker_ready(s)) s->kill_settle = s->step + SIM_KILL_GRACE;
    if (s->step < s->kill_settle) return;
    const oms_order *open[512];
    int n = oms_open_orders_all(tb_trader_oms(s->t), open, 512);
    for (int i = 0; i < n && i < 512; i++)
        if (open[i]->seq < s->kill_seq) {
            sim_violation(s, 4, "kill switch engaged: %s (%s) still %s %lld steps after",
                          open[i]->client_id, open[i]->strategy, oms_status_name(open[i]->status),
                          (long long)(s->step - s->kill_settle + SIM_KILL_GRACE));
            return;
        }
}

void sim_check_step(sim *s)
{
    read_fills(s);
    check_positions(s);
    check_daytrades(s);
    check_kill_book(s);
    /* Invariant 5: every execution handed to the engine is in the journal once; ids are unique
     * there, so fewer rows than deliveries is a lost fill. */
    if (s->fills_seen != sim_broker_delivered(s))
        sim_violation(s, 5, "%lld fills persisted, %lld distinct executions delivered",
                      (long long)s->fills_seen, (long long)sim_broker_delivered(s));
    const char *cid = "";
    int sends = sim_broker_max_sends(s, &cid);
    if (sends > 1) sim_violation(s, 5, "%s sent %d times", cid, sends);
    sim_trace(s, "positions %lld %lld", (long long)s->acct_pos[0], (long long)s->acct_pos[1]);
}

/* Invariant 4: with the switch engaged an order may only reduce the position, together with the
 * other working orders that reduce it (held bracket legs wait for their parent, and a
 * take-profit leg is one-cancels-other with its stop-loss: neither counts; nor does an order
 * whose cancel is pending, though it may still fill: the weaker reading of "pending"). */
void sim_check_submit(void *ud, const broker_submit_req *r)
{
    sim *s = ud;
    s->submits++;
    int k = strat_index(s, r->order->strategy), sym = sym_index(r->order->symbol);
    if (k < s->nstrat && sym >= 0 && strcmp(r->order->reason, "sim short") == 0)
        s->short_sent[k][sym] += r->order->qty;
    if (!s->kill || !s->t) return;
    const oms_order *o = r->order;
    oms *m = tb_trader_oms(s->t);
    const oms_position *p = oms_position_get(m, o->symbol);
    tb_qty pos = p ? p->qty : 0, apos = pos < 0 ? -pos : pos, pending = 0, canceling = 0;
    int reduces = pos != 0 && (pos > 0) == (o->side == OMS_SELL);
    const oms_order *open[512];
    int n = oms_open_orders(m, o->symbol, open, 512);
    for (int i = 0; i < n && i < 512; i++) {
        const oms_order *w = open[i];
        if (w == o || strcmp(w->parent_id, o->client_id) == 0 || w->side != o->side ||
            w->status == OMS_ST_HELD || w->leg == OMS_LEG_TAKE_PROFIT)
            continue;
        if (w->status == OMS_ST_PENDING_CANCEL)
            canceling += w->qty - w->filled_qty;
        else
            pending += w->qty - w->filled_qty;
    }
    if (!reduces || o->qty + pending > apos)
        sim_violation(s, 4,
                      "kill switch engaged: %s (%s) %s %lld %s sent with position %lld and %lld "
                      "working on that side (%lld more canceling)",
                      o->client_id, o->strategy, oms_side_name(o->side), (long long)o->qty,
                      o->symbol, (long long)pos, (long long)pending, (long long)canceling);
}
