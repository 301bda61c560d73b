/* tradebot replay's semantics on hand-made recordings: recorded strategy text and params,
 * recorded gate verdicts and broker updates, differences with the current params. */
#include "config/config.h"
#include "data/calendar.h"
#include "replay/rec.h"
#include "replay/session_replay.h"
#include "tbtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Buys 5 on the at-th bar; on a fill, sells it all on the next bar. */
static const char strategy_text[] =
    "return { params = { at = 2 },\n"
    "  on_bar = function(ctx, bar)\n"
    "    ctx.state.n = (ctx.state.n or 0) + 1\n"
    "    if ctx.state.n == ctx.params.at then ctx:buy{ qty = 5, reason = 'at' } end\n"
    "    local q = ctx:position().qty\n"
    "    if q > 0 then ctx:sell{ qty = q, reason = 'out' } end\n"
    "  end }\n";

static int64_t minute(int m) /* 2026-11-30 (a Monday) 09:30 ET + m minutes */
{
    return tb_cal_local_to_ns(tb_date_from_ymd(2026, 11, 30), 9 * 3600 + 1800 + m * 60);
}

/* Starts a fresh recording at path: the meta record meta, strategy t.lua (at = 2) and the start
 * of the 2026-11-30 session. */
static void rec_begin(tb_rec_writer *w, const char *path, const char *meta)
{
    tb_err e;
    unlink(path);
    CHECK_INT(tb_rec_writer_open(w, path, 1 << 16, &e), 0);
    CHECK_INT(tb_rec_put_raw(w, TB_REC_META, meta, strlen(meta), &e), 0);
    const char *sj = "{\"name\":\"t\",\"file\":\"strategies/t.lua\",\"params\":{\"at\":2}}";
    CHECK_INT(tb_rec_put_strategy(w, sj, strlen(sj), strategy_text, strlen(strategy_text), &e), 0);
    tb_rec_session s = {.start = 1, .date = tb_date_from_ymd(2026, 11, 30), .t_ns = minute(0)};
    CHECK_INT(tb_rec_put_session(w, &s, &e), 0);
}

static void put_bar(tb_rec_writer *w, int seq)
{
    tb_rec_bar b = {.seq = seq,
                    .start_ns = minute(seq),
                    .tf_sec = 60,
                    .open = 10,
                    .high = 10.5,
                    .low = 9.5,
                    .close = 10,
                    .volume = 1000};
    snprintf(b.symbol, sizeof b.symbol, "AAPL");
    tb_err e;
    CHECK_INT(tb_rec_put_bar(w, &b, &e), 0);
}

static void put_decision(tb_rec_writer *w, int seq, int side, const char *verdict, const char *gate,
                         const char *id)
{
    tb_rec_decision d = {.bar_seq = seq, .side = side, .type = 0, .qty = 5};
    snprintf(d.strategy, sizeof d.strategy, "t");
    snprintf(d.symbol, sizeof d.symbol, "AAPL");
    snprintf(d.verdict, sizeof d.verdict, "%s", verdict);
    snprintf(d.gate, sizeof d.gate, "%s", gate);
    snprintf(d.client_id, sizeof d.client_id, "%s", id);
    tb_err e;
    CHECK_INT(tb_rec_put_decision(w, &d, &e), 0);
}

static void put_fill(tb_rec_writer *w, int seq, const char *id, tb_money price)
{
    tb_rec_update u = {.bar_seq = seq,
                       .status = OMS_ST_FILLED,
                       .has_exec = 1,
                       .exec_qty = 5,
                       .exec_price = price,
                       .cum_qty = 5,
                       .avg_price = price,
                       .t_ns = minute(seq) + 1};
    snprintf(u.client_id, sizeof u.client_id, "%s", id);
    snprintf(u.exec_id, sizeof u.exec_id, "x-%s", id);
    tb_err e;
    CHECK_INT(tb_rec_put_update(w, &u, &e), 0);
}

/* A session of 4 bars; the buy at bar 2 was blocked (blocked = 1) or sent and filled at $10.25,
 * then sold at bar 3 at $10.75. */
static void write_session(const char *path, int blocked)
{
    tb_rec_writer w;
    rec_begin(&w, path,
              "{\"id\":\"t1\",\"config\":{\"strategies\":[{\"file\":\"strategies/t.lua\"}]},"
              "\"macro\":{\"vix\":15,\"survival\":false,\"valid\":true,\"source\":\"t\","
              "\"vix_date\":\"2026-11-27\"}}");
    put_bar(&w, 1);
    put_bar(&w, 2);
    if (blocked) {
        put_decision(&w, 2, 0, "blocked", "max_position", "");
    } else {
        put_decision(&w, 2, 0, "sent", "", "tb-t-AAPL-20261130-7");
        put_decision(&w, 2, 0, "submitted", "", "tb-t-AAPL-20261130-7");
        put_fill(&w, 2, "tb-t-AAPL-20261130-7", 10250000);
    }
    put_bar(&w, 3);
    if (!blocked) {
        put_decision(&w, 3, 1, "sent", "", "tb-t-AAPL-20261130-8");
        put_decision(&w, 3, 1, "submitted", "", "tb-t-AAPL-20261130-8");
        put_fill(&w, 3, "tb-t-AAPL-20261130-8", 10750000);
    }
    put_bar(&w, 4);
    tb_rec_writer_close(&w);
}

static int replay(const char *path, const tb_config *current, tb_sreplay_result *res)
{
    tb_sreplay_opts o = {.nfiles = 1, .current = current != NULL, .cfg = current};
    o.files[0] = path;
    tb_err e;
    int rc = tb_sreplay_run(&o, res, &e);
    if (rc != 0) TBT_FAIL("replay: %s", e.msg);
    return rc;
}

/* A session recorded to /tmp/tb_srp_<pid>_<name>.rec (path; blocked: its order was blocked)
 * and replayed with its recorded strategies into res; replay's result. */
static int record_and_replay(char *path, size_t len, const char *name, int blocked,
                             tb_sreplay_result *res)
{
    snprintf(path, len, "/tmp/tb_srp_%d_%s.rec", (int)getpid(), name);
    write_session(path, blocked);
    return replay(path, NULL, res);
}

/* Frees what a replay returned and removes its recording (path, when not NULL). */
static void replayed_free(tb_sreplay_result *res, const char *path)
{
    json_decref(res->diffs);
    json_decref(res->sessions);
    if (path) unlink(path);
}

TEST(replay_gives_a_recorded_block_the_same_gate_and_verdict)
{
    char path[128];
    tb_sreplay_result res;
    CHECK_INT(record_and_replay(path, sizeof path, "block", 1, &res), 0);
    CHECK_INT(res.recorded, 1);
    CHECK_INT(res.replayed, 1);
    CHECK_INT(res.differences, 0);
    CHECK_INT(res.bars, 4);
    CHECK_INT((int)res.report.orders, 0);
    replayed_free(&res, path);
}

TEST(replay_answers_recorded_orders_with_the_recorded_fills)
{
    char path[128];
    tb_sreplay_result res;
    CHECK_INT(record_and_replay(path, sizeof path, "fill", 0, &res), 0);
    CHECK_INT(res.differences, 0);
    CHECK_INT(res.recorded, 2);
    CHECK_INT((int)res.report.fills, 2);
    CHECK_INT((int)res.paper_orders, 0);
    CHECK_INT((int)res.unmatched_updates, 0);
    CHECK_INT((int)res.report.trades, 1);
    CHECK_NEAR(res.report.gross_pnl, 2.5, 1e-9); /* 5 shares, $10.25 -> $10.75, as recorded */
    replayed_free(&res, path);
}

TEST(replay_with_current_params_reports_each_difference_and_fills_new_orders_on_paper)
{
    char path[128], dir[] = "/tmp/tb_srp_home_XXXXXX", file[256];
    snprintf(path, sizeof path, "/tmp/tb_srp_%d_cur.rec", (int)getpid());
    write_session(path, 0);
    CHECK(mkdtemp(dir) != NULL);
    snprintf(file, sizeof file, "%s/t.lua", dir);
    FILE *f = fopen(file, "w");
    fputs(strategy_text, f);
    fclose(f);
    char text[512];
    snprintf(text, sizeof text,
             "{\"strategies\":[{\"file\":\"%s\",\"name\":\"t\",\"params\":{\"at\":3}}]}", file);
    tb_config cfg;
    tb_config_errors errs;
    CHECK_INT(tb_config_load_text(text, "test", &cfg, &errs), 0);
    tb_sreplay_result res;
    CHECK_INT(replay(path, &cfg, &res), 0);
    CHECK(res.differences >= 2);
    /* the buy at bar 3 and its sell at bar 4: the recording never sent them */
    CHECK_INT((int)res.paper_orders, 2);
    json_t *d0 = json_array_get(res.diffs, 0);
    CHECK_STR(json_string_value(json_object_get(d0, "recorded")), "buy 5 AAPL market submitted");
    CHECK_STR(json_string_value(json_object_get(d0, "replayed")), "(none)");
    CHECK_INT((int)json_integer_value(json_object_get(d0, "bar")), 2);
    replayed_free(&res, NULL);
    tb_config_free(&cfg);
    unlink(file), rmdir(dir), unlink(path);
}

TEST(replay_of_an_unreadable_recording_is_an_error_naming_it)
{
    tb_sreplay_opts o = {.nfiles = 1};
    o.files[0] = "/nonexistent/x.rec";
    tb_sreplay_result res;
    tb_err e;
    CHECK_INT(tb_sreplay_run(&o, &res, &e), -1);
    CHECK_CONTAINS(e.msg, "/nonexistent/x.rec");
    replayed_free(&res, NULL);
}

/* An engine restarted in the session: it had 5 AAPL (the strategy's own), its strategy counted
 * 5 bars, orders were numbered up to 8. Bars up to the resume point only warm up. */
TEST(replay_starts_from_what_the_restarted_engine_restored)
{
    char path[128];
    snprintf(path, sizeof path, "/tmp/tb_srp_%d_restart.rec", (int)getpid());
    tb_rec_writer w;
    tb_err e;
    rec_begin(&w, path,
              "{\"id\":\"t2\",\"config\":{\"strategies\":[{\"file\":\"strategies/t.lua\"}]},"
              "\"macro\":{\"vix\":15,\"survival\":false,\"valid\":true}}");
    char start[512];
    snprintf(start, sizeof start,
             "{\"resume_ns\":%lld,\"next_seq\":9,\"states\":{\"t\":{\"n\":5}},"
             "\"positions\":[{\"symbol\":\"AAPL\",\"qty\":5,\"cost_basis\":51250000,"
             "\"avg_price\":10250000}],\"strategy_positions\":[{\"strategy\":\"t\",\"symbol\":"
             "\"AAPL\",\"qty\":5,\"cost_basis\":51250000,\"avg_price\":10250000}]}",
             (long long)minute(2));
    CHECK_INT(tb_rec_put_raw(&w, TB_REC_START, start, strlen(start), &e), 0);
    put_bar(&w, 1);
    put_bar(&w, 2);
    put_bar(&w, 3);
    put_decision(&w, 3, 1, "sent", "", "tb-t-AAPL-20261130-9");
    put_decision(&w, 3, 1, "submitted", "", "tb-t-AAPL-20261130-9");
    put_fill(&w, 3, "tb-t-AAPL-20261130-9", 10750000);
    put_bar(&w, 4);
    tb_rec_writer_close(&w);
    tb_sreplay_result res;
    CHECK_INT(replay(path, NULL, &res), 0);
    CHECK_INT(res.differences, 0); /* without the START record: a buy at bar 2, a sell missing */
    CHECK_INT(res.replayed, 1);
    CHECK_INT((int)res.unmatched_updates, 0);
    CHECK_NEAR(res.report.gross_pnl, 2.5, 1e-9); /* the restored 5 at $10.25 sold at $10.75 */
    replayed_free(&res, path);
}
