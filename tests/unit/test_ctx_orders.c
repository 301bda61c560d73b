/* The strategy's order actions through the real trader (issue 17): each strategy owns its
 * positions, sells and closes never take another's shares or cross zero, closes do not multiply
 * when fills come late, shorts are explicit and configured, bad arguments are refused at the
 * call with the strategy's file and line. */
#include "tbtest.h"
#include "log/jsonl.h"
#include "trade/trader.h"
#include "util/clock.h"

#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

#define MIN_NS 60000000000LL

/* --- a broker that fills late: every order fills whole `lag` bars after it was sent, cancels
 * included (the fill always wins the race), as a slow Gateway or an accelerated replay does. */
typedef struct slow_order {
    char id[OMS_CLIENT_ID_MAX + 1];
    int due, done;
    tb_qty qty;
} slow_order;

static struct {
    broker_update_fn fn;
    void *ud;
    slow_order o[512];
    int n, tick, lag, execs;
} slow;

static int sb_ok(void *s, tb_err *e)
{
    return 0;
}
static broker_state sb_state(void *s)
{
    return BROKER_READY;
}
static int sb_submit(void *s, const broker_submit_req *r, tb_err *e)
{
    slow_order *o = &slow.o[slow.n++ % 512];
    snprintf(o->id, sizeof o->id, "%s", r->order->client_id);
    o->due = slow.tick + slow.lag;
    o->qty = r->order->qty;
    o->done = 0;
    broker_update u = {.client_id = o->id, .status = OMS_ST_ACCEPTED};
    slow.fn(slow.ud, &u);
    return 0;
}
static int sb_cancel(void *s, const oms_order *o, tb_err *e)
{
    return 0; /* confirmed never: the fill comes first */
}
static int sb_replace(void *s, const broker_replace_req *r, tb_err *e)
{
    return tb_errf(e, "no replace");
}
static int sb_positions(void *s, broker_position *o, int cap, int *n, tb_err *e)
{
    *n = 0;
    return 0;
}
static int sb_account(void *s, broker_account *a, tb_err *e)
{
    memset(a, 0, sizeof *a);
    return -1; /* the trader falls back to the paper account */
}
static void sb_set_update(void *s, broker_update_fn fn, void *ud)
{
    slow.fn = fn;
    slow.ud = ud;
}
static const broker_vtable slow_vt = {"slow",     sb_ok,         sb_ok,      sb_state,
                                      sb_submit,  sb_cancel,     sb_replace, sb_positions,
                                      sb_account, sb_set_update, NULL,       NULL};

static int make_slow(void *ud, oms *m, broker *out, tb_err *e)
{
    out->vt = &slow_vt;
    out->self = NULL;
    return 0;
}

static void slow_tick(void)
{
    slow.tick++;
    for (int i = 0; i < slow.n && i < 512; i++) {
        slow_order *o = &slow.o[i];
        if (o->done || o->due > slow.tick) continue;
        o->done = 1;
        char x[32];
        snprintf(x, sizeof x, "sx%d", ++slow.execs);
        broker_update u = {.client_id = o->id,
                           .status = OMS_ST_FILLED,
                           .has_exec = 1,
                           .exec_id = x,
                           .exec_qty = o->qty,
                           .exec_price = TB_USD(100, 0),
                           .cum_qty = o->qty};
        slow.fn(slow.ud, &u);
    }
}

/* A strategy's head: its name, ctx.state.n counting its bars (1 on the first), and
 * sent(ctx:verb{...}): "sent", or why the order was refused. */
#define ON_BAR(name)                                                                               \
    "local function sent(id, err) return id and 'sent' or tostring(err) end\n"                     \
    "return { name = '" name "', on_bar = function(ctx, bar)\n"                                    \
    "  ctx.state.n = (ctx.state.n or 0) + 1\n"

/* A strategy that buys qty at its first bar and, at its third, does what follows (up to "  end\n").
 */
#define ENTER_THEN_AT_3(name, qty)                                                                 \
    ON_BAR(name)                                                                                   \
    "  if ctx.state.n == 1 then ctx:buy{qty = " qty ", reason = 'in'} end\n"                       \
    "  if ctx.state.n == 3 then\n"

/* --- the rig: strategies from source, one symbol, one bar a minute --------------------------- */
typedef struct rig {
    char dir[64], decisions[128];
    tb_shost host;
    tb_symtab syms;
    tb_cal cal;
    tb_trader *t;
    tb_jsonl *dec;
    tb_session s;
    tb_bar b;
    int slow;
} rig;

typedef struct strat_src {
    const char *name, *src;
    int allow_short;
} strat_src;

static void rig_open(rig *r, const strat_src *ss, int n, int account_short, int lag)
{
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/tb-ctxo-XXXXXX");
    if (!mkdtemp(r->dir)) TBT_FAIL("mkdtemp");
    snprintf(r->decisions, sizeof r->decisions, "%s/decisions.jsonl", r->dir);
    tb_err e;
    r->dec = tb_jsonl_open(r->decisions, 0, &e);
    tb_lua_limits lim = {.mem_limit = 64u << 20, .instr_budget = 5000000};
    tb_shost_init(&r->host, &lim);
    tb_symtab_init(&r->syms);
    tb_cal_init(&r->cal);
    tb_trader_opts to = {.shost = &r->host,
                         .syms = &r->syms,
                         .cal = &r->cal,
                         .decisions = r->dec,
                         .allow_short = account_short};
    to.paper.initial_cash = 1000000LL * 1000000;
    to.paper.margin = account_short ? PAPER_REGT : PAPER_CASH;
    if (lag) {
        memset(&slow, 0, sizeof slow);
        slow.lag = lag;
        to.make_broker = make_slow;
        r->slow = 1;
    }
    r->t = tb_trader_new(&to, &e);
    if (!r->t) TBT_FAIL("trader: %s", e.msg);
    for (int i = 0; i < n; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s.lua", r->dir, ss[i].name);
        FILE *fp = fopen(path, "w");
        fputs(ss[i].src, fp);
        fclose(fp);
        tb_strategy_cfg sc = {.file = path, .enabled = 1, .allow_short = ss[i].allow_short};
        if (tb_shost_add(&r->host, &sc, &e) != 0) TBT_FAIL("load %s: %s", path, e.msg);
    }
    tb_cal_session(&r->cal, tb_date_from_ymd(2026, 1, 7), &r->s);
    tb_trader_session_start(r->t, &r->s);
    r->b.start_ns = r->s.open_ns + 30 * MIN_NS;
    r->b.tf_sec = 60;
    r->b.volume = 50000;
    r->b.sym = (uint32_t)tb_symtab_intern(&r->syms, "AAA", &e);
}

static void rig_bar(rig *r)
{
    if (r->slow) slow_tick();
    r->b.open = r->b.close = 100, r->b.high = 100.5, r->b.low = 99.5;
    tb_trader_on_bar(r->t, &r->b);
    r->b.start_ns += MIN_NS;
}

/* rig_open with one strategy, name, from src: no shorts, fills at once. */
static void rig_open_one(rig *r, const char *name, const char *src)
{
    const strat_src ss = {name, src, 0};
    rig_open(r, &ss, 1, 0, 0);
}

/* n bars, one a minute. */
static void rig_bars(rig *r, int n)
{
    for (int i = 0; i < n; i++) rig_bar(r);
}

static void rig_close(rig *r)
{
    tb_trader_free(r->t);
    tb_shost_free(&r->host);
    tb_symtab_free(&r->syms);
    tb_jsonl_close(r->dec);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", r->dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", r->dir);
}

static tb_qty account_qty(rig *r)
{
    const oms_position *p = oms_position_get(tb_trader_oms(r->t), "AAA");
    return p ? p->qty : 0;
}

/* A string field of strategy i's ctx.state ("" when absent), copied into out. */
static const char *state_str(rig *r, int i, const char *k, char *out, size_t len)
{
    tb_err e;
    json_t *st = tb_shost_state_get(&r->host, r->host.s[i], &e);
    const char *v = json_string_value(json_object_get(st, k));
    snprintf(out, len, "%s", v ? v : "");
    json_decref(st);
    return out;
}

/* Strategy 0's state field k as a string ("" when absent); one buffer, reused. */
static const char *state_of(rig *r, const char *k)
{
    static char buf[256];
    return state_str(r, 0, k, buf, sizeof buf);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return strdup("");
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = 0;
    fclose(fp);
    return strdup(buf);
}

/* -----------------------------------------------------------------------------------------------
 */

TEST(one_strategys_close_does_not_touch_another_strategys_shares)
{
    static const strat_src ss[] = {
        {"a",
         ON_BAR("a") "  if ctx.state.n == 1 then ctx:buy{qty = 10, reason = 'a in'} end\n"
                     "  if ctx.state.n == 4 then ctx:close{reason = 'a out'} end\n"
                     "  if ctx.state.n == 6 then ctx.state.pos = tostring(ctx:position().qty) end\n"
                     "end }\n",
         0},
        {"b",
         ON_BAR("b") "  if ctx.state.n == 1 then ctx:buy{qty = 20, reason = 'b in'} end\n"
                     "  if ctx.state.n == 6 then ctx.state.pos = tostring(ctx:position().qty) end\n"
                     "end }\n",
         0},
    };
    rig r;
    rig_open(&r, ss, 2, 0, 0);
    rig_bars(&r, 8);
    char buf[64];
    CHECK_INT(account_qty(&r), 20);
    CHECK_STR(state_of(&r, "pos"), "0");
    CHECK_STR(state_str(&r, 1, "pos", buf, sizeof buf), "20");
    oms *m = tb_trader_oms(r.t);
    CHECK_INT(oms_strategy_qty(m, "a", "AAA"), 0);
    CHECK_INT(oms_strategy_qty(m, "b", "AAA"), 20);
    CHECK_INT(oms_invariant_violations(m), 0);
    rig_close(&r);
}

TEST(a_sell_larger_than_the_strategy_owns_is_refused_with_a_reason_in_the_decision_log)
{
    rig r;
    rig_open_one(
        &r, "over",
        ENTER_THEN_AT_3(
            "over",
            "10") "    local id, err = ctx:sell{qty = 30, reason = 'dump it all'}\n"
                  "    ctx.state.err = tostring(err)\n"
                  "    ctx:sell{qty = 10, limit = 500, id = 'tb-keep-1', reason = 'target'}\n"
                  "  end\n"
                  "  if ctx.state.n == 4 then\n"
                  "    local id, err = ctx:sell{qty = 10, limit = 500, id = 'tb-keep-1',\n"
                  "                             reason = 'target'}\n"
                  "    ctx.state.again = tostring(id or err)\n"
                  "  end\n"
                  "end }\n");
    rig_bars(&r, 6);
    CHECK_INT(account_qty(&r), 10);
    CHECK_CONTAINS(state_of(&r, "err"), "the strategy owns 10");
    CHECK_STR(state_of(&r, "again"), "tb-keep-1"); /* idempotent resubmit */
    char *log = slurp(r.decisions);
    CHECK_CONTAINS(log, "\"verdict\":\"refused\"");
    CHECK_CONTAINS(log, "sell 30 AAA: the strategy owns 10 (0 in working sells)");
    free(log);
    rig_close(&r);
}

TEST(close_every_bar_with_fills_three_bars_late_ends_flat_not_multiplied)
{
    static const strat_src ss[] = {
        {"closer",
         ON_BAR("closer") "  if ctx.state.n == 1 then ctx:buy{qty = 20, reason = 'in'} end\n"
                          "  if ctx.state.n >= 6 then ctx:close{reason = 'out, every bar'} end\n"
                          "end }\n",
         0},
    };
    rig r;
    rig_open(&r, ss, 1, 0, 3);
    tb_qty lowest = 0;
    for (int i = 0; i < 30; i++) {
        rig_bar(&r);
        if (account_qty(&r) < lowest) lowest = account_qty(&r);
    }
    CHECK_INT(account_qty(&r), 0);
    CHECK_INT(lowest, 0);
    CHECK_INT(slow.n, 2); /* one entry, one exit */
    rig_close(&r);
}

/* Opens r with the one strategy ss, runs three bars and reads its state.errs into buf, split
 * into lines (at most cap); returns how many. The caller closes r. */
static int run_arg_errors(rig *r, const strat_src *ss, char *buf, size_t n, char **line, int cap)
{
    rig_open(r, ss, 1, 0, 0);
    for (int i = 0; i < 3; i++) rig_bar(r);
    state_str(r, 0, "errs", buf, n);
    int k = 0;
    for (char *p = buf, *nl; p && *p; p = nl ? nl + 1 : NULL, k++) {
        nl = strchr(p, '\n');
        if (nl) *nl = 0;
        if (k < cap) line[k] = p;
    }
    return k;
}

TEST(bad_arguments_are_refused_at_the_call_with_strategy_file_and_line)
{
    static const strat_src ss[] = {
        {"args",
         "local function try(f) local ok, err = pcall(f); return ok and 'accepted' or err end\n"
         "return { name = 'args', on_bar = function(ctx, bar)\n"
         "  if ctx.state.done then return end\n"
         "  ctx.state.done = true\n"
         "  local e = {}\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 10, limit = 0, reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 10, limit = 0.00001, reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 10, limt = 99, reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 0, reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = -5, reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 1.5, reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 0/0, reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = math.huge, reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 1e12, reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 10, limit = 0/0, reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 10, limit = -1, reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 10, stop = 1e9, reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 10} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 10, type = 'limit', reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:close{} end)\n"
         "  e[#e+1] = try(function() ctx:close{reason = 'x', qty = 3} end)\n"
         "  ctx.state.errs = table.concat(e, '\\n')\n"
         "end }\n",
         0},
    };
    rig r;
    char buf[8192], *line[32];
    int lines = run_arg_errors(&r, ss, buf, sizeof buf, line, 32);
    for (int i = 0; i < lines && i < 32; i++) {
        CHECK_CONTAINS(line[i], "args.lua:");
        CHECK_CONTAINS(line[i], "strategy args");
        if (strstr(line[i], "accepted")) TBT_FAIL("accepted: %s", line[i]);
    }
    CHECK_INT(lines, 16);
    state_str(&r, 0, "errs", buf, sizeof buf);
    CHECK_CONTAINS(buf, "args.lua:6: strategy args: ctx:buy: limit=0 is not a price");
    CHECK_CONTAINS(buf, "unknown field 'limt'");
    CHECK_CONTAINS(buf, "ctx:buy needs a reason");
    CHECK_CONTAINS(buf, "type=\"limit\" needs a limit");
    CHECK_INT(account_qty(&r), 0);
    CHECK_INT(oms_open_orders(tb_trader_oms(r.t), "AAA", NULL, 0), 0);
    rig_close(&r);
}

/* Which error a table with several faults gets, word for word: unknown fields first, then the
 * fields in a fixed order (symbol, qty, limit, stop, type, tif, brackets, reason, id); a field a
 * table inherits through its metatable's __index counts. */
TEST(an_order_table_with_several_faults_gets_the_first_in_a_fixed_order)
{
    static const strat_src ss[] = {
        {"args",
         "local function try(f) local ok, err = pcall(f); return ok and 'accepted' or err end\n"
         "return { name = 'args', on_bar = function(ctx, bar)\n"
         "  if ctx.state.done then return end\n"
         "  ctx.state.done = true\n"
         "  local e = {}\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 'x', limt = 1, reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 'x', limit = 'y', reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 1, limit = 'y'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{symbol = 5, qty = 'x', reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 1, tif = 3, stop = 'z', reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 1, tif = 3, id = {}} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 1, reason = 'r', id = {}} end)\n"
         "  e[#e+1] = try(function() ctx:buy{[1] = 2, qty = 1, reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:buy{qty = 1, take_profit = 200, reason = 'r'} end)\n"
         "  e[#e+1] = try(function() ctx:close{reason = 5} end)\n"
         "  e[#e+1] = try(function()\n"
         "    ctx:buy(setmetatable({qty = 1}, {__index = {reason = 'inherited'}})) end)\n"
         "  ctx.state.errs = table.concat(e, '\\n')\n"
         "end }\n",
         0},
    };
    static const char *const want[] = {
        "args.lua:6: strategy args: ctx:buy: unknown field 'limt'",
        "args.lua:7: strategy args: ctx:buy: qty must be a number of shares (got string)",
        "args.lua:8: strategy args: ctx:buy: limit must be a number (got string)",
        "args.lua:9: strategy args: ctx:buy: symbol must be a string (got number)",
        "args.lua:10: strategy args: ctx:buy: stop must be a number (got string)",
        "args.lua:11: strategy args: ctx:buy: tif must be a string (got number)",
        "args.lua:12: strategy args: ctx:buy: id must be a string (got table)",
        "args.lua:13: strategy args: ctx:buy: unknown field '1'",
        "args.lua:14: strategy args: ctx:buy: a bracket needs both take_profit and stop_loss",
        "args.lua:15: strategy args: ctx:close: reason must be a string (got number)",
        "accepted",
    };
    const int nwant = (int)(sizeof want / sizeof want[0]);
    rig r;
    char buf[8192], *line[32];
    int lines = run_arg_errors(&r, ss, buf, sizeof buf, line, 32);
    CHECK_INT(lines, nwant);
    for (int i = 0; i < lines && i < nwant; i++) {
        size_t np = strlen(line[i]), nw = strlen(want[i]); /* the file's path comes first */
        CHECK_STR(line[i] + (np > nw ? np - nw : 0), want[i]);
    }
    rig_close(&r);
}

static const char short_src[] =
    ON_BAR("shorty") "  if ctx.state.n == 1 then\n"
                     "    ctx.state.short = sent(ctx:short{qty = 10, reason = 'fade'})\n"
                     "  end\n"
                     "  if ctx.state.n == 3 then\n"
                     "    ctx.state.cover11 = sent(ctx:cover{qty = 11, reason = 'too many'})\n"
                     "    ctx.state.cover10 = sent(ctx:cover{qty = 10, reason = 'cover'})\n"
                     "  end\n"
                     "  if ctx.state.n == 2 then ctx.state.pos = tostring(ctx:position().qty) end\n"
                     "end }\n";

TEST(a_short_needs_the_strategy_and_the_account_to_allow_it)
{
    static const struct {
        int strategy, account;
        const char *refusal;
    } one_side[] = {{0, 1, "this strategy may not sell short"},
                    {1, 0, "the account may not sell short"}}; /* a cash account */
    strat_src ss[] = {{"shorty", short_src, 0}};
    rig r;
    for (int k = 0; k < 2; k++) {
        ss[0].allow_short = one_side[k].strategy;
        rig_open(&r, ss, 1, one_side[k].account, 0);
        rig_bars(&r, 3);
        CHECK_CONTAINS(state_of(&r, "short"), one_side[k].refusal);
        CHECK_INT(account_qty(&r), 0);
        rig_close(&r);
    }
    ss[0].allow_short = 1;
    rig_open(&r, ss, 1, 1, 0);
    rig_bars(&r, 5);
    CHECK_STR(state_of(&r, "short"), "sent");
    CHECK_STR(state_of(&r, "pos"), "-10");
    CHECK_CONTAINS(state_of(&r, "cover11"), "the strategy is short 10");
    CHECK_STR(state_of(&r, "cover10"), "sent");
    CHECK_INT(account_qty(&r), 0);
    rig_close(&r);
}

TEST(engine_kill_switch_admits_only_what_reduces_the_account)
{
    rig r;
    rig_open_one(
        &r, "k",
        ENTER_THEN_AT_3("k", "20") "    ctx.state.more = sent(ctx:buy{qty = 1, reason = 'more'})\n"
                                   "    ctx.state.close = sent(ctx:close{reason = 'out'})\n"
                                   "  end\n"
                                   "end }\n");
    rig_bars(&r, 2);
    tb_trader_set_halt(r.t, 1, "drill");
    rig_bars(&r, 3);
    CHECK_CONTAINS(state_of(&r, "more"), "kill_switch");
    CHECK_STR(state_of(&r, "close"), "sent");
    CHECK_INT(account_qty(&r), 0);
    rig_close(&r);
}

TEST(a_strategy_name_with_other_characters_still_finds_its_own_position)
{
    rig r;
    rig_open_one(
        &r, "mean-rev",
        ENTER_THEN_AT_3("mean-rev",
                        "10") "    ctx.state.pos = tostring(ctx:position().qty)\n"
                              "    ctx.state.sell = sent(ctx:sell{qty = 10, reason = 'out'})\n"
                              "  end\n"
                              "end, on_fill = function(ctx, f)\n"
                              "  ctx.state.fills = tostring((tonumber(ctx.state.fills) or 0) + 1)\n"
                              "end }\n");
    rig_bars(&r, 5);
    CHECK_STR(state_of(&r, "pos"), "10");
    CHECK_STR(state_of(&r, "fills"), "2"); /* on_fill reaches it */
    CHECK_STR(state_of(&r, "sell"), "sent");
    CHECK_INT(account_qty(&r), 0);
    rig_close(&r);
}
