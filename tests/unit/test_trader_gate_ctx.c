/*
 * The context the trader hands the gates (tb_trader_gate_ctx): its shortcuts must give what the
 * slow way gives, for every intent of a replay, or a gate decides differently than it did:
 * - position_last (prices by the order manager's position index) and positions_last (the same
 *   for many at once) equal last_price by name, for every position, as positions open, close and
 * new symbols arrive;
 * - session (the calendar's session, computed once per session) holds now, and its bounds
 *   answer "regular session" and "extended hours" as the calendar does;
 * - the last price and volume of the intent's symbol, asked with the current bar's name pointer
 *   (answered without a lookup), equal those asked with a copy of the name;
 * - oms_position_exposure gives what oms_position_get and oms_exposure_get give, per symbol;
 * - the order manager's held positions (oms_positions_held) are the non-flat ones of a walk over
 *   every position, in the same order (the gates sum prices over them: same order, same sum),
 *   and its open orders (oms_open_orders_all) those of every symbol asked one by one, each
 *   with its symbol's position (oms_order_position) priced as by name.
 */
#include "runner_fixture.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int intents, positions_priced, sessions_seen, mismatches, held_seen, open_seen;
static const tb_symtab *symbols; /* the replay's, for the open orders asked symbol by symbol */

/* oms_positions_held against the non-flat entries of oms_positions, in order. */
static void check_held(oms *m)
{
    const oms_position *all[256], *held[256];
    int n = oms_positions(m, all, 256), nh = oms_positions_held(m, held, 256), k = 0;
    for (int i = 0; i < n && i < 256; i++) {
        if (!all[i]->qty) continue;
        if (k >= nh || held[k] != all[i]) mismatches++;
        k++;
    }
    if (k != nh) mismatches++;
    held_seen += nh;
}

/* oms_open_orders_all against oms_open_orders of every symbol: the same orders, each once. */
static void check_open(oms *m)
{
    const oms_order *all[256], *one[64];
    int n = oms_open_orders_all(m, all, 256), total = 0;
    for (uint32_t id = 0; id < tb_symtab_count(symbols); id++) {
        int k = oms_open_orders(m, tb_symtab_name(symbols, id), one, 64);
        total += k;
        for (int i = 0; i < k && i < 64; i++) {
            int found = 0;
            for (int j = 0; j < n && j < 256; j++) found += all[j] == one[i];
            if (found != 1) mismatches++;
        }
    }
    if (total != n) mismatches++;
    open_seen += n;
}

/* Each open order's position (oms_order_position) is its symbol's, priced as by name. */
static void check_order_positions(const tb_gate_ctx *cx)
{
    const oms_order *all[256];
    int n = oms_open_orders_all(cx->oms, all, 256);
    for (int i = 0; i < n && i < 256; i++) {
        const oms_position *p = oms_order_position(cx->oms, all[i]);
        const oms_position *g = oms_position_get(cx->oms, all[i]->symbol);
        if (strcmp(p->symbol, all[i]->symbol) != 0 || (g && g != p) || (!g && p->qty != 0))
            mismatches++;
        double a = cx->position_last(cx->price_ud, p);
        double b = cx->last_price(cx->price_ud, all[i]->symbol);
        if (!(a == b || (isnan(a) && isnan(b)))) mismatches++;
    }
}

/* oms_position_exposure (one lookup) against oms_position_get and oms_exposure_get, for every
 * symbol of the replay. */
static void check_position_exposure(oms *m)
{
    for (uint32_t id = 0; id < tb_symtab_count(symbols); id++) {
        const char *s = tb_symtab_name(symbols, id);
        oms_exposure a, b;
        const oms_position *p = oms_position_exposure(m, s, &a);
        oms_exposure_get(m, NULL, s, &b);
        if (p != oms_position_get(m, s) || a.filled != b.filled || a.working_buy != b.working_buy ||
            a.working_sell != b.working_sell)
            mismatches++;
    }
}

/* A gate that passes everything and checks the context against the slow answers. */
static int checking_gate(void *ud, const tb_gate_ctx *cx, const oms_intent *in, char *gate,
                         size_t gl, char *why, size_t wl)
{
    (void)ud, (void)gate, (void)gl, (void)why, (void)wl;
    intents++;
    /* The intent's symbol is the current bar's name pointer (no symbol= in the strategy): its
     * price and volume must be those of a copy of the name, which is looked up by hashing. */
    char copy[OMS_SYMBOL_MAX + 1];
    snprintf(copy, sizeof copy, "%s", in->symbol);
    double pa = cx->last_price(cx->price_ud, in->symbol), pb = cx->last_price(cx->price_ud, copy);
    double va = cx->last_volume(cx->price_ud, in->symbol);
    double vb = cx->last_volume(cx->price_ud, copy);
    if (!(pa == pb && va == vb) || !isfinite(pa)) mismatches++;
    check_held(cx->oms);
    check_open(cx->oms);
    check_order_positions(cx);
    check_position_exposure(cx->oms);
    if (oms_check_invariants(cx->oms) != 0) mismatches++;
    const oms_position *ps[256];
    int n = oms_positions(cx->oms, ps, 256);
    double batch[256];
    cx->positions_last(cx->price_ud, ps, n < 256 ? n : 256, batch);
    for (int i = 0; i < n && i < 256; i++) {
        double a = cx->position_last(cx->price_ud, ps[i]);
        double b = cx->last_price(cx->price_ud, ps[i]->symbol);
        if (!(a == b || (isnan(a) && isnan(b)))) mismatches++;
        if (!(batch[i] == b || (isnan(batch[i]) && isnan(b)))) mismatches++;
        positions_priced += isfinite(a) != 0;
    }
    if (cx->session) {
        sessions_seen++;
        const tb_session *s = cx->session;
        int64_t t = cx->now_ns;
        int in_day = t >= s->pre_open_ns && t < s->post_close_ns;
        if (in_day && (t >= s->open_ns && t < s->close_ns) != tb_cal_is_open(cx->cal, t, 0))
            mismatches++;
        if (in_day != tb_cal_is_open(cx->cal, t, 1)) mismatches++;
    }
    return 0;
}

TEST(gate_context_shortcuts_agree_with_the_slow_answers_for_every_intent)
{
    rf x;
    tb_runner_opts o = {.seed = 7,
                        .days = 2,
                        .nsymbols = 6,
                        .initial_cash = 1000000LL * 1000000,
                        .gate = checking_gate};
    CHECK_INT(rf_open(&x, &o), 0);
    symbols = &x.r.syms;
    /* Market entries, limit entries resting below the price (open orders over many bars, some
     * filled, some canceled by the close), partial exits and closes. */
    CHECK_INT(
        rf_run(
            &x, "gatectx",
            "local n = {}\n"
            "return { on_bar = function(ctx, bar)\n"
            "  n[bar.symbol] = (n[bar.symbol] or 0) + 1\n"
            "  local k = n[bar.symbol] % 30\n"
            "  if k == 3 then ctx:buy{qty = 5, reason = 'in'} end\n"
            "  if k == 7 then ctx:buy{qty = 3, limit = bar.close * 0.998, reason = 'rest'} end\n"
            "  if k == 12 and ctx:position().qty >= 2 then ctx:sell{qty = 2, reason = 'part'} end\n"
            "  if k == 20 then ctx:close{reason = 'out'} end\n"
            "end }\n"),
        0);
    CHECK_INT(mismatches, 0);
    CHECK(held_seen > intents); /* several positions held at once */
    CHECK(open_seen > 0);       /* open orders were there to compare */
    CHECK(intents > 50);
    CHECK(positions_priced > intents); /* several symbols held at once were priced */
    CHECK_INT(sessions_seen, intents); /* every intent came inside a session */
    rf_close(&x);
}

/* A replay makes every symbol's state before its first bar (tb_trader_prepare, off the
 * bar-to-order path); until that bar the symbol still has no price and no bars, as when the
 * state was made at the bar: the gates see NAN, not a price of 0. */
TEST(a_prepared_symbol_has_no_price_and_no_bars_before_its_first_bar)
{
    rf x;
    tb_runner_opts o = {.seed = 7, .days = 1, .nsymbols = 3, .initial_cash = 1000000LL * 1000000};
    CHECK_INT(rf_open(&x, &o), 0);
    CHECK(tb_symtab_count(&x.r.syms) >= 3);
    for (uint32_t id = 0; id < tb_symtab_count(&x.r.syms); id++) {
        const char *sym = tb_symtab_name(&x.r.syms, id);
        CHECK(isnan(tb_trader_last_price_of(x.r.trader, sym)));
        CHECK(tb_trader_symbol_bars(x.r.trader, sym) == NULL);
    }
    CHECK_INT(rf_run(&x, "idle", "return { on_bar = function(ctx, bar) end }\n"), 0);
    for (uint32_t id = 0; id < tb_symtab_count(&x.r.syms); id++) {
        const char *sym = tb_symtab_name(&x.r.syms, id);
        CHECK(isfinite(tb_trader_last_price_of(x.r.trader, sym)));
        CHECK(tb_trader_symbol_bars(x.r.trader, sym) != NULL);
    }
    rf_close(&x);
}
