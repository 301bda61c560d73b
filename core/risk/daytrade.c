/*
 * daytrade.c - the day-trade guard: the original system's PDT logic as a per-broker policy.
 *
 *   pdt_legacy  at most max_day_trades (3) in window_days (5) business days while equity is
 *               under min_equity ($25,000): FINRA 4210 as it stood until 2026-06-04.
 *   budget      the same count whatever the equity: a discipline of its own.
 *   off         nothing.
 *
 * The count is our ledger (the OMS records one day trade per closing order of same-day shares)
 * over the business-day window of the session calendar, minus entries an operator waived, plus
 * dated corrections (operator edits of pdt_state.json, a broker's own count). Working orders
 * count too: for each symbol with same-day activity, an upper bound of the day trades its open
 * orders could still make, whatever order and size their fills come in (sym_eval). A bracket is
 * counted when its parent is placed, with both legs (take-profit and stop-loss can each make one
 * day trade: a partly filled leg followed by the other); its held legs never count as what their
 * own parent could close, since they fill only after it. An intent is allowed only if count +
 * pending + what it adds stays within the budget, so the budget cannot be exceeded with orders in
 * flight or several strategies on one bar. On top, the original's defaults: with the last day trade
 * left, a same-day close needs more than reversal_profit_pct unrealised profit (protective, losing
 * closes pass unless block_exits), and a new same-day entry needs a day trade kept for its exit
 * plus (keep_last) the last one spare.
 */
#include "risk/risk_priv.h"
#include "log/log.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct sym_dt {
    int active; /* same-day shares, or working orders that could open some */
    int bound;  /* day trades its working orders could still make */
} sym_dt;

/* One working order as the bound sees it: a bracket's held legs fill only after their parent
 * has filled, so they can never be what its parent closes. */
typedef struct dt_ord {
    oms_side side;
    int counted; /* 0: already flagged a day trade (it is in the ledger) */
    int parent;  /* held leg: index of its parent in the list, else -1 */
} dt_ord;

#define DT_ORDS 256

/* Can order k close shares: the position is on the other side already, or another working
 * order of the other side (not one of k's own held legs) can put it there. */
static int can_close(const dt_ord *o, int n, int k, tb_qty pos)
{
    if (pos != 0 && (pos > 0) != (o[k].side == OMS_BUY)) return 1;
    for (int j = 0; j < n; j++)
        if (j != k && o[j].side != o[k].side && o[j].parent != k) return 1;
    return 0;
}

/* The symbol's working orders, and the intent extra with the legs a bracket would add (legs
 * count one each: an OCO pair can make two day trades when a partly filled leg is followed by
 * the other). */
static int collect(const tb_gate_ctx *cx, const char *sym, const oms_intent *extra, dt_ord *o)
{
    const oms_order *open[DT_ORDS];
    int n = oms_open_orders(cx->oms, sym, open, DT_ORDS), k = 0;
    if (n > DT_ORDS - 3) n = DT_ORDS - 3; /* room for the intent and its legs */
    for (int i = 0; i < n; i++) {
        o[k] = (dt_ord){open[i]->side, !open[i]->day_trade, -1};
        if (open[i]->leg != OMS_LEG_NONE && open[i]->status == OMS_ST_HELD)
            for (int j = 0; j < n; j++) /* its parent, when that is still working */
                if (strcmp(open[j]->client_id, open[i]->parent_id) == 0) o[k].parent = j;
        k++;
    }
    if (extra) {
        int p = k;
        o[k++] = (dt_ord){extra->side, 1, -1};
        if (extra->order_class == OMS_CLASS_BRACKET) {
            oms_side other = extra->side == OMS_BUY ? OMS_SELL : OMS_BUY;
            o[k++] = (dt_ord){other, 1, p};
            o[k++] = (dt_ord){other, 1, p};
        }
    }
    return k;
}

/* The symbol's same-day activity and pending bound; extra: an intent to add (or NULL).
 * Fills may come in any order and any size: once the position can be on the other side of an
 * order, that order may close it (a flip makes the other side closing too; even the order that
 * opened, when partly filled, can close after a flip). */
static sym_dt sym_eval(const tb_gate_ctx *cx, const char *sym, const oms_intent *extra)
{
    sym_dt s = {0, 0};
    const oms_position *p = oms_position_get(cx->oms, sym);
    tb_qty pos = p ? p->qty : 0;
    s.active = p && pos && p->day == cx->session_day && p->opened_today > 0;
    dt_ord o[DT_ORDS];
    int n = collect(cx, sym, extra, o);
    for (int i = 0; i < n; i++)
        if (pos == 0 || (pos > 0) == (o[i].side == OMS_BUY)) s.active = 1;
    if (!s.active) return s;
    for (int i = 0; i < n; i++) s.bound += o[i].counted && can_close(o, n, i, pos);
    return s;
}

/* Every symbol that has a position or working orders, each once. */
static int symbols(const tb_gate_ctx *cx, const char **out, int cap)
{
    int n = 0;
    const oms_position *ps[1024];
    int np = oms_positions_held(cx->oms, ps, 1024);
    for (int i = 0; i < np && i < 1024 && n < cap; i++) out[n++] = ps[i]->symbol;
    const oms_order *open[1024];
    int no = oms_open_orders_all(cx->oms, open, 1024);
    for (int i = 0; i < no && i < 1024 && n < cap; i++) {
        int seen = 0;
        for (int k = 0; k < n && !seen; k++) seen = strcmp(out[k], open[i]->symbol) == 0;
        if (!seen) out[n++] = open[i]->symbol;
    }
    return n;
}

static int applies(const tb_risk *r, const tb_gate_ctx *cx)
{
    if (r->cfg.dt.policy == TB_PDT_OFF) return 0;
    if (r->cfg.dt.policy == TB_PDT_BUDGET) return 1;
    return !(cx->account.has & BROKER_HAS_EQUITY) || cx->account.equity < r->cfg.dt.min_equity;
}

static int waived(const tb_risk *r, const char *id)
{
    for (int i = 0; i < r->nwaived; i++)
        if (strcmp(r->waived[i], id) == 0) return 1;
    return 0;
}

int32_t tb_risk_dt_window_first(const tb_cal *cal, int window_days, int32_t last)
{
    tb_date d = tb_date_from_yyyymmdd(last);
    for (int k = 1; k < window_days; k++) d = tb_cal_prev_trading_day(cal, d);
    return tb_date_yyyymmdd(d);
}

int risk_dt_count(tb_risk *r, const tb_gate_ctx *cx, int32_t *first, int32_t *last)
{
    *first = tb_risk_dt_window_first(cx->cal, r->cfg.dt.window_days, cx->session_day);
    *last = cx->session_day;
    int n = 0;
    const oms_daytrades *dl = oms_get_daytrades(cx->oms);
    for (uint32_t i = 0; i < dl->count; i++) {
        const oms_daytrade *t = oms_daytrades_get(dl, i);
        if (t && t->day >= *first && t->day <= *last && !waived(r, t->client_id)) n++;
    }
    const oms_daytrade *x = r->dt_extra;
    if (x && x->day >= *first && x->day <= *last && !waived(r, x->client_id) &&
        !risk_dt_in_ledger(cx, x->client_id))
        n++;
    for (int i = 0; i < r->nadj; i++)
        if (r->adj[i].day >= *first && r->adj[i].day <= *last) n += r->adj[i].count;
    return n;
}

int risk_dt_in_ledger(const tb_gate_ctx *cx, const char *client_id)
{
    const oms_daytrades *dl = oms_get_daytrades(cx->oms);
    for (uint32_t i = 0; i < dl->count; i++)
        if (strcmp(oms_daytrades_get(dl, i)->client_id, client_id) == 0) return 1;
    return 0;
}

void tb_risk_dt_get(tb_risk *r, const tb_gate_ctx *cx, tb_risk_dt_state *out)
{
    memset(out, 0, sizeof *out);
    if (!cx->oms || !cx->session_day) return;
    out->count = risk_dt_count(r, cx, &out->window_first, &out->window_last);
    const char *syms[1024];
    int n = symbols(cx, syms, 1024);
    for (int i = 0; i < n; i++) {
        sym_dt s = sym_eval(cx, syms[i], NULL);
        out->pending += s.bound;
        out->reserved += s.active && s.bound == 0;
    }
    /* Over the budget only by an operator or broker correction: none is left, never "-8". */
    out->left = r->cfg.dt.max_day_trades - out->count - out->pending;
    if (out->left < 0) out->left = 0;
    out->applies = applies(r, cx);
}

static const char *label(const tb_risk *r)
{
    return r->cfg.dt.policy == TB_PDT_LEGACY ? "Pattern Day Trader" : "day-trade budget";
}

int risk_daytrade_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why, size_t n)
{
    if (!applies(r, cx) || !cx->oms || !cx->session_day) return 0;
    tb_risk_dt_state st;
    tb_risk_dt_get(r, cx, &st);
    sym_dt before = sym_eval(cx, o->in->symbol, NULL), after = sym_eval(cx, o->in->symbol, o->in);
    int adds = after.bound - before.bound, max = r->cfg.dt.max_day_trades;
    if (adds > 0 && st.left - adds < 0) {
        snprintf(why, n, "%s: no day trade left (%d used in %d business days, %d pending, max %d)",
                 label(r), st.count, r->cfg.dt.window_days, st.pending, max);
        return 1;
    }
    if (adds > 0 && o->reduces && st.left - adds == 0 && r->cfg.dt.keep_last) {
        int profit = o->unrealized_pct > r->cfg.dt.reversal_profit_pct;
        int protective =
            o->unrealized_pct < 0 || o->in->type == OMS_STOP || o->in->type == OMS_STOP_LIMIT;
        if (!profit && !(protective && !r->cfg.dt.block_exits)) {
            snprintf(why, n,
                     "%s: last day trade held back (a same-day close needs > %.0f%% unrealised "
                     "profit, has %.2f%%)",
                     label(r), r->cfg.dt.reversal_profit_pct,
                     isfinite(o->unrealized_pct) ? o->unrealized_pct : 0.0);
            return 1;
        }
    }
    if (o->opening > 0 && !before.active) {
        /* Its exit needs a day trade kept, unless it brings its exits along (a bracket). */
        int reserved = st.reserved + (after.bound > 0 ? 0 : 1), spare = r->cfg.dt.keep_last ? 1 : 0;
        if (st.left - adds - reserved < spare) {
            snprintf(why, n,
                     "%s: a new entry could only be closed by a day trade (%d left, %d kept for "
                     "open same-day positions)",
                     label(r), st.left, st.reserved);
            return 1;
        }
    }
    return 0;
}

void risk_dt_set_count(tb_risk *r, const tb_gate_ctx *cx, int count, const char *source)
{
    int32_t first, last;
    int now = risk_dt_count(r, cx, &first, &last);
    if (count > now && r->nadj < RISK_ADJ_MAX) {
        risk_dt_adj *a = &r->adj[r->nadj++];
        a->day = cx->session_day;
        a->count = count - now;
        snprintf(a->source, sizeof a->source, "%s", source);
    }
    /* Fewer: drop our own adjustments first, then waive the oldest ledger entries. */
    for (int i = r->nadj - 1; i >= 0 && now > count; i--) {
        if (r->adj[i].day < first || r->adj[i].day > last) continue;
        int take = r->adj[i].count < now - count ? r->adj[i].count : now - count;
        r->adj[i].count -= take;
        now -= take;
    }
    const oms_daytrades *dl = oms_get_daytrades(cx->oms);
    for (int i = (int)dl->count - 1; i >= 0 && now > count && r->nwaived < RISK_WAIVED_MAX; i--) {
        const oms_daytrade *t = oms_daytrades_get(dl, (uint32_t)i);
        if (!t || t->day < first || t->day > last || waived(r, t->client_id)) continue;
        snprintf(r->waived[r->nwaived++], sizeof r->waived[0], "%s", t->client_id);
        now--;
    }
}

void tb_risk_dt_broker_count(tb_risk *r, const tb_gate_ctx *cx, int count)
{
    int32_t first, last;
    int ours = risk_dt_count(r, cx, &first, &last);
    if (ours == count) return;
    TB_WARN("risk",
            "day-trade count differs from the broker: ours %d, broker %d: the broker's "
            "count wins",
            ours, count);
    risk_dt_set_count(r, cx, count, "broker");
    if (r->files) risk_pdt_save(r, cx);
}
