/* The Sentinel: facts from a home's SQLite and logs, and the rules' findings. */
#include "config/config.h"
#include "home/home.h"
#include "lua/sandbox.h"
#include "data/calendar.h"
#include "replay/rec.h"
#include "sentinel/facts.h"
#include "sentinel/sentinel.h"
#include "store/db.h"
#include "tbtest.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void write_file(const char *dir, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    if (!f) {
        TBT_FAIL("cannot write %s", path);
        return;
    }
    fputs(text, f);
    fclose(f);
}

static char home[64];

/* A home with three sessions played, one strategy that traded on the last one only. */
static void make_home(void)
{
    snprintf(home, sizeof home, "/tmp/tb-sentinel-XXXXXX");
    if (!mkdtemp(home)) TBT_FAIL("mkdtemp");
    tb_home_set_override(home);
    tb_err e;
    CHECK_INT(tb_home_init(&e), 0);
    write_file(home, "logs/trading_bot.log",
               "2026-03-01T00:00:00.000Z INFO  [replay] session 2026-01-02 ended: bars=10 orders=0 "
               "fills=0 blocked=0 equity=100000.00\n"
               "2026-03-01T00:00:01.000Z INFO  [replay] session 2026-01-05 ended: bars=10 orders=0 "
               "fills=0 blocked=0 equity=100000.00\n"
               "2026-03-01T00:00:01.500Z WARN  [feed] AAPL: stale data for 5 bars\n"
               "2026-03-01T00:00:02.000Z INFO  [replay] session 2026-01-06 ended: bars=10 orders=2 "
               "fills=2 blocked=1 equity=99900.00\n");
    write_file(home, "logs/enhanced_decision_log.jsonl",
               "{\"t\":\"2026-01-06T15:00:00.000Z\",\"strategy\":\"a\",\"symbol\":\"ZZZ\",\"side\":"
               "\"buy\",\"verdict\":\"blocked\",\"gate\":\"limits\",\"price\":10}\n"
               "{\"t\":\"2026-01-06T15:01:00.000Z\",\"strategy\":\"a\",\"symbol\":\"ZZZ\",\"side\":"
               "\"buy\",\"verdict\":\"submitted\",\"price\":10}\n");
    /* the replay's CSV bars: ZZZ rises 5% after the blocked buy at 15:00 */
    char bars[256];
    snprintf(bars, sizeof bars, "%s/bars", home);
    mkdir(bars, 0755);
    write_file(home, "bars/zzz.csv",
               "t,symbol,o,h,l,c,v\n"
               "2026-01-06T14:59:00Z,ZZZ,10,10,10,10,100\n"
               "2026-01-06T15:10:00Z,ZZZ,10,10.2,10,10.2,100\n"
               "2026-01-06T16:00:00Z,ZZZ,10.2,10.5,10.1,10.4,100\n");
    char db[256];
    snprintf(db, sizeof db, "%s/ml_db/ml_data.db", home);
    sqlite3 *s;
    CHECK_INT(sqlite3_open(db, &s), SQLITE_OK);
    CHECK_INT(sqlite3_exec(
                  s,
                  "CREATE TABLE oms_orders (client_id TEXT, strategy TEXT, session_day INTEGER,"
                  " filled_qty INTEGER);"
                  "CREATE TABLE oms_fills (client_id TEXT, side TEXT, qty INTEGER, price INTEGER,"
                  " commission INTEGER, session_day INTEGER);"
                  "INSERT INTO oms_orders VALUES ('1','a',20260106,10),('2','a',20260106,10);"
                  /* bought 10 at 100, sold at 90: -100 dollars, less 1 dollar of commission */
                  "INSERT INTO oms_fills VALUES ('1','buy',10,100000000,500000,20260106),"
                  " ('2','sell',10,90000000,500000,20260106);",
                  NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_close(s);
}

static void load_cfg(tb_config *cfg, const char *text)
{
    tb_config_errors errs;
    if (tb_config_load_text(text, "test", cfg, &errs) != 0) TBT_FAIL("config: %s", errs.msg[0]);
}

/* The facts of make_home's home with its strategy "a" and CSV bars. */
static json_t *gather_home(tb_config *cfg, json_t *state, tb_err *e)
{
    load_cfg(cfg, "{\"replay\": {\"data_dir\": \"bars\"},"
                  " \"strategies\": [{\"file\": \"strategies/a.lua\", \"name\": \"a\"}]}");
    return tb_facts_gather(cfg, NULL, state, e);
}

/* make_home's facts: the configuration, the Sentinel's state and what it gathered. */
typedef struct gathered {
    tb_config cfg;
    json_t *state, *f;
    tb_err e;
} gathered;

static void gather(gathered *g)
{
    g->state = json_object();
    g->f = gather_home(&g->cfg, g->state, &g->e);
    if (!g->f) TBT_FAIL("gather: %s", g->e.msg);
}

static void gathered_free(gathered *g)
{
    json_decref(g->f);
    json_decref(g->state);
    tb_config_free(&g->cfg);
}

TEST(facts_count_trades_pnl_and_drawdown_per_session_of_the_window)
{
    make_home();
    gathered g;
    gather(&g);
    CHECK_STR(json_string_value(json_object_get(g.f, "date")), "2026-01-06");
    CHECK_INT((int)json_array_size(json_object_get(g.f, "sessions")), 3);
    json_t *a = json_object_get(json_object_get(g.f, "strategy_activity"), "a");
    CHECK_INT((int)json_integer_value(
                  json_object_get(json_object_get(a, "fills_by_session"), "2026-01-06")),
              2);
    CHECK_INT((int)json_integer_value(json_object_get(a, "intents")), 2);
    json_t *pnl = json_object_get(g.f, "pnl");
    CHECK_NEAR(json_number_value(json_object_get(pnl, "window")), -101.0, 1e-9);
    CHECK_NEAR(json_number_value(json_object_get(pnl, "max_drawdown")), 101.0, 1e-9);
    json_t *d = json_object_get(g.f, "decisions");
    CHECK_INT(
        (int)json_integer_value(json_object_get(json_object_get(d, "blocked_by_gate"), "limits")),
        1);
    CHECK_INT((int)json_array_size(json_object_get(g.f, "stale_events")), 1);
    CHECK_STR(json_string_value(json_object_get(json_object_get(g.f, "db"), "quick_check")), "ok");
    /* the blocked buy: ZZZ then rose 5% (more than missed_move_pct 1.5) */
    json_t *missed = json_array_get(json_object_get(g.f, "missed"), 0);
    CHECK_INT((int)json_array_size(json_object_get(g.f, "missed")), 1);
    CHECK_STR(json_string_value(json_object_get(missed, "symbol")), "ZZZ");
    CHECK_STR(json_string_value(json_object_get(missed, "gate")), "limits");
    CHECK_NEAR(json_number_value(json_object_get(missed, "move_pct")), 5.0, 1e-9);
    CHECK_STR(json_string_value(json_object_get(g.f, "missed_source")), "replay CSV data");
    json_decref(g.f);
    /* the next audit reads only what the log gained since: the stale event is not seen twice */
    g.f = tb_facts_gather(&g.cfg, "2026-01-05", g.state, &g.e);
    CHECK_INT((int)json_array_size(json_object_get(g.f, "stale_events")), 0);
    CHECK_INT((int)json_array_size(json_object_get(g.f, "sessions")), 2);
    gathered_free(&g);
}

/* The live engine recorded ZZZ's bars on 2026-01-06: they rise 20% after the blocked buy (the
 * replay's CSV bars of the same day rise 5%). */
static void record_session(void)
{
    char dir[256], path[300];
    snprintf(dir, sizeof dir, "%s/data/sessions", home);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/2026-01-06-143000.rec", dir);
    tb_rec_writer w;
    tb_err e;
    CHECK_INT(tb_rec_writer_open(&w, path, 1 << 16, &e), 0);
    const char *meta = "{\"id\":\"2026-01-06-143000\",\"config\":{}}";
    CHECK_INT(tb_rec_put_raw(&w, TB_REC_META, meta, strlen(meta), &e), 0);
    static const char *const t[] = {"2026-01-06T14:59:00Z", "2026-01-06T15:10:00Z",
                                    "2026-01-06T16:00:00Z"};
    static const double hi[] = {10, 11, 12};
    for (int i = 0; i < 3; i++) {
        int y, mo, d, h, mi, sec;
        sscanf(t[i], "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &sec);
        tb_rec_bar b = {.seq = i + 1,
                        .start_ns =
                            ((int64_t)tb_date_from_ymd(y, mo, d) * 86400 + h * 3600 + mi * 60) *
                            1000000000LL,
                        .tf_sec = 60,
                        .open = 10,
                        .high = hi[i],
                        .low = 10,
                        .close = hi[i],
                        .volume = 100};
        snprintf(b.symbol, sizeof b.symbol, "ZZZ");
        CHECK_INT(tb_rec_put_bar(&w, &b, &e), 0);
    }
    tb_rec_writer_close(&w);
}

TEST(missed_opportunities_use_the_bars_the_live_engine_recorded)
{
    make_home();
    record_session();
    gathered g;
    gather(&g);
    CHECK_STR(json_string_value(json_object_get(g.f, "missed_source")), "recorded live bars");
    json_t *missed = json_array_get(json_object_get(g.f, "missed"), 0);
    CHECK_INT((int)json_array_size(json_object_get(g.f, "missed")), 1);
    CHECK_STR(json_string_value(json_object_get(missed, "symbol")), "ZZZ");
    CHECK_NEAR(json_number_value(json_object_get(missed, "move_pct")), 20.0, 1e-9);
    gathered_free(&g);
}

/* The facts of a home whose engine log is text. */
static json_t *facts_of_log(const char *text, tb_config *cfg)
{
    tb_err e;
    make_home();
    write_file(home, "logs/trading_bot.log", text);
    json_t *f = gather_home(cfg, NULL, &e);
    if (!f) TBT_FAIL("no facts: %s", e.msg);
    return f;
}

/* The differences that persist and are not resolved at the log's end are a fact (issue 19); an
 * engine start forgets the earlier ones (the adapter's table starts empty and says them again). */
TEST(persistent_position_differences_still_unresolved_are_a_fact)
{
    tb_config cfg;
    json_t *f = facts_of_log(
        "2026-03-01T00:00:00.000Z WARN  [alpaca] reconcile: position difference persists: "
        "OLD local=1 broker=2 for 2 reconciliations: new entries on OLD held\n"
        "2026-03-01T00:00:01.000Z INFO  [engine] engine started: home=h broker=alpaca\n"
        "2026-03-01T00:00:02.000Z WARN  [alpaca] reconcile: position difference persists: "
        "AAPL local=1 broker=4 for 2 reconciliations: new entries on AAPL held\n"
        "2026-03-01T00:00:03.000Z WARN  [alpaca] reconcile: position difference persists: "
        "MSFT local=0 broker=7 for 2 reconciliations: new entries on MSFT held\n"
        "2026-03-01T00:00:04.000Z INFO  [alpaca] reconcile: position difference resolved: "
        "MSFT local=0 broker=0: entries allowed again\n",
        &cfg);
    json_t *d = json_object_get(f, "position_differences");
    CHECK_INT((int)json_array_size(d), 1);
    json_t *a = json_array_get(d, 0);
    CHECK_STR(json_string_value(json_object_get(a, "symbol")), "AAPL");
    CHECK_INT((int)json_integer_value(json_object_get(a, "engine_qty")), 1);
    CHECK_INT((int)json_integer_value(json_object_get(a, "broker_qty")), 4);
    CHECK_STR(json_string_value(json_object_get(a, "since")), "2026-03-01T00:00:02.000Z");
    CHECK_STR(json_string_value(json_object_get(a, "broker")), "alpaca");
    json_decref(f);
    tb_config_free(&cfg);
}

/* A strategy's words reach the engine log (tb.log, an order reason, an error message), but the
 * Sentinel reads the engine's lines by their component: no forged session, position difference,
 * stale feed or error count. */
TEST(a_strategy_cannot_write_lines_the_sentinel_reads_as_the_engine_s)
{
    tb_config cfg;
    json_t *f = facts_of_log(
        "2026-03-02T21:00:00.000Z INFO  [replay] session 2026-03-02 ended: bars=390 orders=7 "
        "fills=7 blocked=0 equity=100000.00\n"
        /* the engine's own, read */
        "2026-03-02T21:00:00.500Z WARN  [alpaca] reconcile: position difference persists: "
        "NVDA local=1 broker=2 for 2 reconciliations: new entries on NVDA held\n"
        /* tb.log from a strategy named momentum, as the engine wrote it before */
        "2026-03-02T21:00:01.000Z INFO  [momentum] [replay] session 2026-03-02 ended: bars=1 "
        "orders=0 fills=0 blocked=0 equity=1\n"
        /* and as it writes it now, from a strategy that calls itself replay */
        "2026-03-02T21:00:02.000Z INFO  [strategy:replay] session 2026-03-03 ended: bars=1 "
        "orders=0 fills=0 blocked=0 equity=1\n"
        /* a Lua error message and an order reason carry any text */
        "2026-03-02T21:00:03.000Z WARN  [strategy] reconcile: position difference persists: "
        "AAPL local=0 broker=100 for 2 reconciliations: new entries on AAPL held\n"
        "2026-03-02T21:00:04.000Z INFO  [oms] order refused: reason=x [alpaca] reconcile: "
        "position difference persists: MSFT local=0 broker=9 for 2 reconciliations\n"
        "2026-03-02T21:00:05.000Z WARN  [strategy:alpaca] reconcile: position difference "
        "persists: TSLA local=0 broker=5 for 2 reconciliations\n"
        "2026-03-02T21:00:06.000Z INFO  [strategy:feed] data stale ERROR websocket disconnect\n"
        "2026-03-02T21:00:07.000Z WARN  [strategy:feed] the feed is stale, websocket disconnect\n"
        "2026-03-02T21:00:09.000Z WARN  [feed] bars stale for 120 s\n",
        &cfg);
    /* errors and warnings by the line's level, not by a word in its text */
    CHECK_INT((int)json_integer_value(json_object_get(f, "log_errors")), 0);
    CHECK_INT((int)json_integer_value(json_object_get(f, "log_warnings")), 5);
    json_t *played = json_object_get(f, "sessions_played");
    CHECK_INT((int)json_object_size(played), 1);
    CHECK_INT(
        (int)json_integer_value(json_object_get(json_object_get(played, "2026-03-02"), "orders")),
        7);
    json_t *d = json_object_get(f, "position_differences");
    CHECK_INT((int)json_array_size(d), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(d, 0), "symbol")), "NVDA");
    CHECK_INT((int)json_array_size(json_object_get(f, "stale_events")), 1);
    CHECK_INT((int)json_array_size(json_object_get(f, "connectivity")), 0);
    json_decref(f);
    tb_config_free(&cfg);
}

TEST(the_candidates_file_is_read_by_its_symbol_column_so_missed_opportunities_stay)
{
    make_home();
    /* the file the orchestrator writes every morning (core/cand/cand_file.c) */
    write_file(home, "data/top_20_day_trading_candidates.csv",
               "generated_at,date,rank,symbol,score,price,gap_pct,rel_volume,atr_pct,"
               "dollar_volume\n"
               "2026-01-06T13:00:00Z,2026-01-06,1,ZZZ,0.9,10.00,1.0,2.0,3.0,1000000\n"
               "2026-01-06T13:00:00Z,2026-01-06,2,AAPL,0.8,190.00,1.0,2.0,3.0,1000000\n");
    gathered g;
    gather(&g);
    json_t *syms = json_object_get(json_object_get(g.f, "candidates"), "symbols");
    CHECK_INT((int)json_array_size(syms), 2);
    CHECK_STR(json_string_value(json_array_get(syms, 0)), "ZZZ");
    CHECK_STR(json_string_value(json_array_get(syms, 1)), "AAPL");
    CHECK_INT((int)json_array_size(json_object_get(g.f, "missed")), 1); /* ZZZ is a candidate */
    gathered_free(&g);
}

/* The id of the only directive of an audit of date (NULL when it issued none), a copy. */
static char *audit_directive(const tb_config *cfg, const char *date)
{
    tb_err e;
    json_t *out = tb_sentinel_run(cfg, date, &e);
    if (!out) TBT_FAIL("audit: %s", e.msg);
    json_t *d = json_array_get(json_object_get(out, "directives"), 0);
    char *id = d ? strdup(json_string_value(json_object_get(d, "id"))) : NULL;
    json_decref(out);
    return id;
}

TEST(a_directive_applies_once_per_finding_not_once_per_audit)
{
    make_home();
    char rules[256], flag[256];
    snprintf(rules, sizeof rules, "%s/scripts/sentinel", home);
    snprintf(flag, sizeof flag, "%s/drawdown_flag", home);
    mkdir(rules, 0755);
    char rule[512];
    snprintf(rule, sizeof rule,
             "return function() if not io.open('%s') then return {} end\n"
             "  return {{ severity = 'CRITICAL', message = 'drawdown',\n"
             "    directive = { type = 'reduce_size', factor = 0.5 } }} end\n",
             flag);
    write_file(home, "scripts/sentinel/dd.lua", rule);
    tb_config cfg;
    load_cfg(&cfg, "{\"strategies\": [{\"file\": \"strategies/a.lua\", \"name\": \"a\"}]}");
    write_file(home, "drawdown_flag", "");
    char *first = audit_directive(&cfg, "2026-01-05");
    char *again = audit_directive(&cfg, "2026-01-06"); /* the next night, still in drawdown */
    CHECK(first && again);
    if (first && again) CHECK_STR(again, first); /* the engine applies an id once */
    unlink(flag);
    char *none = audit_directive(&cfg, "2026-01-06");
    CHECK(none == NULL);
    write_file(home, "drawdown_flag", "");
    char *later = audit_directive(&cfg, "2026-01-06"); /* cleared, then a new finding */
    CHECK(later != NULL);
    if (later && first) CHECK(strcmp(later, first) != 0);
    free(first), free(again), free(none), free(later);
    tb_config_free(&cfg);
}

TEST(a_broken_rule_is_an_error_finding_and_the_other_rules_still_run)
{
    char dir[] = "/tmp/tb-rules-XXXXXX";
    if (!mkdtemp(dir)) TBT_FAIL("mkdtemp");
    write_file(dir, "a_broken.lua", "return function(facts) return {{ severity = 'WARN\n");
    write_file(dir, "b_bad_severity.lua",
               "return function() return {{ severity = 'LOUD', message = 'x' }} end\n");
    write_file(dir, "c_good.lua",
               "return function(facts) return {{ severity = 'WARNING', symbol = 'AAPL',\n"
               "  message = 'n=' .. facts.n, evidence = { n = facts.n } }} end\n");
    tb_err e;
    lua_State *L = tb_lua_new(TB_LUA_KIND_TRUSTED, NULL, &e);
    json_t *facts = json_pack("{s:i}", "n", 7);
    json_t *out = tb_sentinel_rules_run(L, dir, facts);
    CHECK_INT((int)json_array_size(out), 3);
    json_t *f0 = json_array_get(out, 0), *f1 = json_array_get(out, 1), *f2 = json_array_get(out, 2);
    CHECK_STR(json_string_value(json_object_get(f0, "rule")), "sentinel");
    CHECK_STR(json_string_value(json_object_get(f0, "severity")), "ERROR");
    CHECK_CONTAINS(json_string_value(json_object_get(f0, "message")), "a_broken.lua");
    CHECK_CONTAINS(json_string_value(json_object_get(f1, "message")), "severity must be");
    CHECK_STR(json_string_value(json_object_get(f2, "rule")), "c_good");
    CHECK_STR(json_string_value(json_object_get(f2, "message")), "n=7");
    CHECK_STR(json_string_value(json_object_get(f2, "symbol")), "AAPL");
    json_decref(out);
    json_decref(facts);
    tb_lua_close(L);
}

TEST(a_rule_that_never_returns_is_stopped_by_the_budget)
{
    char dir[] = "/tmp/tb-rules-XXXXXX";
    if (!mkdtemp(dir)) TBT_FAIL("mkdtemp");
    write_file(dir, "loop.lua", "return function() while true do end end\n");
    tb_err e;
    tb_lua_limits lim = {.mem_limit = 0, .instr_budget = 1000000};
    lua_State *L = tb_lua_new(TB_LUA_KIND_TRUSTED, &lim, &e);
    json_t *facts = json_object();
    json_t *out = tb_sentinel_rules_run(L, dir, facts);
    CHECK_INT((int)json_array_size(out), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(out, 0), "severity")), "ERROR");
    CHECK_CONTAINS(json_string_value(json_object_get(json_array_get(out, 0), "message")),
                   "instruction budget");
    json_decref(out);
    json_decref(facts);
    tb_lua_close(L);
}

TEST(the_shipped_stagnation_rule_issues_a_strategic_reset_after_tuning)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/scripts/sentinel", TB_SOURCE_DIR);
    tb_err e;
    lua_State *L = tb_lua_new(TB_LUA_KIND_TRUSTED, NULL, &e);
    json_t *facts = json_loads(
        "{\"settings\": {\"sessions\": 2, \"missed_move_pct\": 1, \"gate_block_pct\": 80,"
        " \"drawdown_pct\": 5, \"log_growth_mb\": 100, \"initial_cash\": 100000},"
        " \"sessions\": [\"2026-01-05\", \"2026-01-06\"],"
        " \"strategies\": [{\"name\": \"s\", \"file\": \"strategies/s.lua\", \"enabled\": true},"
        "                  {\"name\": \"t\", \"file\": \"strategies/t.lua\", \"enabled\": true}],"
        " \"strategy_activity\": {\"s\": {\"control_changes\": 2},"
        "                         \"t\": {\"fills_by_session\": {\"2026-01-06\": 4}}},"
        " \"pnl\": {\"max_drawdown_pct\": 0}, \"decisions\": {}, \"db\": {\"quick_check\": "
        "\"ok\"}}",
        0, NULL);
    json_t *out = tb_sentinel_rules_run(L, dir, facts);
    int stagnation = 0, reset = 0;
    size_t i;
    json_t *f;
    json_array_foreach(out, i, f)
    {
        const char *rule = json_string_value(json_object_get(f, "rule"));
        CHECK(strcmp(rule, "sentinel") != 0); /* every shipped rule loads and runs */
        if (strcmp(rule, "stagnation") != 0) continue;
        stagnation++;
        CHECK_CONTAINS(json_string_value(json_object_get(f, "message")),
                       "Strategic Stagnation: s made no trades in 2 sessions despite");
        json_t *d = json_object_get(f, "directive");
        reset += d && strcmp(json_string_value(json_object_get(d, "type")), "Strategic Reset") == 0;
    }
    CHECK_INT(stagnation, 1);
    CHECK_INT(reset, 1);
    json_decref(out);
    json_decref(facts);
    tb_lua_close(L);
}
