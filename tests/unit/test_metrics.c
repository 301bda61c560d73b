/* /metrics: the Prometheus text exposition (every sample line well formed, declared families,
 * cumulative histogram buckets, escaped labels), process figures from /proc, bounded label sets. */
#include "http/metrics.h"
#include "tbtest.h"

#include <regex.h>

static tb_counters rejects, gates;

static void fill(tb_metrics_snap *s)
{
    memset(s, 0, sizeof *s);
    memset(&rejects, 0, sizeof rejects);
    memset(&gates, 0, sizeof gates);
    tb_metrics_read_proc(s);
    tb_latency *lat = &s->lat[TB_LOOP_REPLAY];
    s->loop_mode = TB_LOOP_REPLAY;
    lat->count = 6;
    lat->sum_us = 1234;
    lat->buckets[0] = 3, lat->buckets[2] = 2, lat->buckets[TB_LAT_BUCKETS - 1] = 1;
    s->bars = 1000, s->fills = 12, s->orders = 14;
    s->feed = "replay", s->broker = "paper", s->broker_connected = 1;
    s->equity = 100123.45, s->drawdown_ratio = 0.0125;
    tb_counters_inc(&rejects, "insufficient \"buying\" power\\now");
    tb_counters_inc(&rejects, "line\nbreak");
    tb_counters_inc(&gates, "kill_switch");
    tb_counters_inc(&gates, "kill_switch");
    s->rejects_by_reason = &rejects, s->blocks_by_gate = &gates;
}

static char *render(void)
{
    tb_metrics_snap s;
    fill(&s);
    tb_sbuf b = {0};
    tb_metrics_render(&s, &b);
    return b.s;
}

TEST(every_line_is_a_comment_or_a_well_formed_sample_of_a_declared_family)
{
    char *text = render();
    regex_t sample, help, type;
    CHECK(regcomp(&sample,
                  "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\",?)"
                  "*\\})? "
                  "(-?[0-9.e+-]+|NaN|\\+Inf|-Inf)$",
                  REG_EXTENDED) == 0);
    CHECK(regcomp(&help, "^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$", REG_EXTENDED) == 0);
    CHECK(regcomp(&type, "^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$",
                  REG_EXTENDED) == 0);
    char declared[8192] = " ";
    int samples = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        regmatch_t m[2];
        if (regexec(&type, line, 2, m, 0) == 0) {
            strncat(declared, line + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
            strcat(declared, " ");
        } else if (regexec(&help, line, 0, NULL, 0) == 0) {
            continue;
        } else if (regexec(&sample, line, 2, m, 0) == 0) {
            char fam[128];
            snprintf(fam, sizeof fam, " %.*s", (int)(m[1].rm_eo - m[1].rm_so), line + m[1].rm_so);
            /* histogram series carry suffixes of their family */
            for (const char *suf = "_bucket"; suf; suf = strcmp(suf, "_bucket") == 0 ? "_sum"
                                                         : strcmp(suf, "_sum") == 0  ? "_count"
                                                                                     : NULL) {
                size_t n = strlen(fam), k = strlen(suf);
                if (n > k && strcmp(fam + n - k, suf) == 0 &&
                    strstr(declared, "_latency_seconds ")) {
                    fam[n - k] = 0;
                    break;
                }
            }
            strcat(fam, " ");
            if (!strstr(declared, fam)) TBT_FAIL("sample before its TYPE: %s", line);
            samples++;
        } else {
            TBT_FAIL("malformed line: %s", line);
        }
    }
    CHECK(samples > 30);
    regfree(&sample), regfree(&help), regfree(&type);
    free(text);
}

TEST(the_issue_s_series_are_all_exposed)
{
    char *t = render();
    const char *names[] = {"process_cpu_seconds_total ",
                           "process_resident_memory_bytes ",
                           "tradebot_loop_latency_seconds_bucket{",
                           "tradebot_bars_per_second ",
                           "tradebot_events_per_second ",
                           "tradebot_orders_total ",
                           "tradebot_fills_total ",
                           "tradebot_order_rejects_total{reason=",
                           "tradebot_gate_blocks_total{gate=\"kill_switch\"} 2",
                           "tradebot_equity_dollars 100123.45",
                           "tradebot_drawdown_ratio 0.0125",
                           "tradebot_realized_pnl_dollars ",
                           "tradebot_unrealized_pnl_dollars ",
                           "tradebot_data_staleness_seconds{feed=\"replay\"}",
                           "tradebot_broker_connected{broker=\"paper\"} 1",
                           "tradebot_rate_limit_waits_total{api=\"paper\",client=\"broker\"} 0",
                           "tradebot_rate_limit_retries_total{api=\"paper\",client=\"broker\"} 0",
                           "# TYPE tradebot_ml_predictions_total counter",
                           NULL};
    for (int i = 0; names[i]; i++) CHECK_CONTAINS(t, names[i]);
    free(t);
}

TEST(histogram_buckets_are_cumulative_and_end_with_the_count)
{
    char *t = render();
    CHECK_CONTAINS(t, "tradebot_loop_latency_seconds_bucket{mode=\"replay\",le=\"1e-05\"} 3\n");
    CHECK_CONTAINS(t, "tradebot_loop_latency_seconds_bucket{mode=\"replay\",le=\"0.0001\"} 5\n");
    CHECK_CONTAINS(t, "tradebot_loop_latency_seconds_bucket{mode=\"replay\",le=\"+Inf\"} 6\n");
    CHECK_CONTAINS(t, "tradebot_loop_latency_seconds_count{mode=\"replay\"} 6\n");
    CHECK_CONTAINS(t, "tradebot_loop_latency_seconds_sum{mode=\"replay\"} 0.001234\n");
    CHECK(!strstr(t, "mode=\"live\"")); /* a replay engine that never ran live has no live series */
    free(t);
}

TEST(live_and_replay_loop_latency_are_separate_series)
{
    tb_metrics_snap s;
    fill(&s);
    s.loop_mode = TB_LOOP_LIVE;
    s.lat[TB_LOOP_LIVE].count = 2;
    s.lat[TB_LOOP_LIVE].buckets[1] = 2;
    tb_sbuf o = {0};
    tb_metrics_render(&s, &o);
    char *t = o.s;
    CHECK_CONTAINS(t, "tradebot_loop_latency_seconds_bucket{mode=\"live\",le=\"1e-05\"} 0\n");
    CHECK_CONTAINS(t, "tradebot_loop_latency_seconds_bucket{mode=\"live\",le=\"5e-05\"} 2\n");
    CHECK_CONTAINS(t, "tradebot_loop_latency_seconds_count{mode=\"live\"} 2\n");
    CHECK_CONTAINS(t, "tradebot_loop_latency_seconds_count{mode=\"replay\"} 6\n");
    const char *ty = strstr(t, "# TYPE tradebot_loop_latency_seconds histogram");
    CHECK(ty && !strstr(ty + 1, "# TYPE tradebot_loop_latency_seconds histogram")); /* one family */
    free(t);
}

TEST(label_values_are_escaped)
{
    char *t = render();
    CHECK_CONTAINS(t, "reason=\"insufficient \\\"buying\\\" power\\\\now\"} 1");
    CHECK_CONTAINS(t, "reason=\"line\\nbreak\"} 1");
    free(t);
}

TEST(process_figures_come_from_proc)
{
    tb_metrics_snap s = {0};
    CHECK_INT(tb_metrics_read_proc(&s), 0);
    CHECK(s.rss_bytes > 100000);
    CHECK(s.vsize_bytes >= s.rss_bytes);
    CHECK(s.cpu_seconds >= 0);
    CHECK(s.start_time_seconds > 1.6e9);
    CHECK(s.open_fds >= 3);
}

TEST(counter_sets_stay_bounded_with_an_other_bucket)
{
    tb_counters c = {0};
    char name[32];
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "reason %d", i);
        tb_counters_inc(&c, name);
    }
    tb_counters_inc(&c, "reason 0");
    CHECK_INT(c.n, TB_COUNTERS_MAX);
    CHECK_INT(tb_counters_get(&c, "reason 0"), 2);
    CHECK_INT(tb_counters_get(&c, "other"), 40 - (TB_COUNTERS_MAX - 1));
    CHECK_INT(tb_counters_get(&c, "reason 39"), 0);
}

TEST(retries_and_locked_database_figures_are_the_engine_s_not_zeros)
{
    tb_metrics_snap s;
    fill(&s);
    s.broker = "alpaca", s.feed = "alpaca"; /* the same vendor twice: still distinct series */
    s.http_retries = 3, s.http_429 = 2, s.http_throttled = 7;
    s.has_feed_http = 1, s.feed_http_retries = 5, s.feed_http_429 = 4;
    s.has_db_wait = 1, s.db_lock_episodes = 1, s.db_held_updates = 2, s.db_intents_refused = 9;
    s.db_unjournaled_cancels = 1;
    tb_sbuf b = {0};
    tb_metrics_render(&s, &b);
    CHECK_CONTAINS(b.s, "tradebot_rate_limit_retries_total{api=\"alpaca\",client=\"broker\"} 3");
    CHECK_CONTAINS(b.s, "tradebot_rate_limit_retries_total{api=\"alpaca\",client=\"feed\"} 5");
    CHECK_CONTAINS(b.s, "tradebot_rate_limit_waits_total{api=\"alpaca\",client=\"broker\"} 7");
    CHECK_CONTAINS(b.s, "tradebot_http_429_total{api=\"alpaca\",client=\"feed\"} 4");
    CHECK_CONTAINS(b.s, "tradebot_db_lock_episodes_total 1");
    CHECK_CONTAINS(b.s, "tradebot_db_held_updates 2");
    CHECK_CONTAINS(b.s, "tradebot_db_intents_refused_total 9");
    CHECK_CONTAINS(b.s, "tradebot_db_unjournaled_cancels_total 1");
    free(b.s);
}

static char *render_snap(const tb_metrics_snap *s)
{
    tb_sbuf b = {0};
    tb_metrics_render(s, &b);
    return b.s;
}

/* The series docker/prometheus/alerts.yml alerts on (tests/e2e/prometheus_alerts.sh). */
TEST(alerting_series_carry_the_engine_s_figures)
{
    tb_metrics_snap s;
    fill(&s);
    s.broker = "alpaca";
    s.has_daily_loss = 1, s.daily_loss_halted = 1;
    s.has_reconcile = 1, s.reconcile_differences = 3, s.position_differences = 1;
    s.reconciles = 9, s.periodic_reconciles = 7;
    s.healer_pending = 2;
    s.has_disk = 1, s.disk_free_bytes = 5e9, s.disk_size_bytes = 1e11;
    char *b = render_snap(&s);
    CHECK_CONTAINS(b, "\ntradebot_daily_loss_halted 1\n");
    CHECK_CONTAINS(b, "\ntradebot_reconcile_differences_total{broker=\"alpaca\"} 3\n");
    CHECK_CONTAINS(b, "\ntradebot_position_differences{broker=\"alpaca\"} 1\n");
    CHECK_CONTAINS(b, "\ntradebot_reconciles_total{broker=\"alpaca\"} 9\n");
    CHECK_CONTAINS(b, "\ntradebot_periodic_reconciles_total{broker=\"alpaca\"} 7\n");
    CHECK_CONTAINS(b, "\ntradebot_healer_pending_approvals 2\n");
    CHECK_CONTAINS(b, "\ntradebot_home_disk_free_bytes 5000000000\n");
    CHECK_CONTAINS(b, "\ntradebot_home_disk_size_bytes 100000000000\n");
    free(b);
    s.healer_pending = -1, s.has_disk = 0; /* unknown is absent, never a reassuring 0 */
    char *c = render_snap(&s);
    CHECK(strstr(c, "tradebot_healer_pending_approvals") == NULL);
    CHECK(strstr(c, "tradebot_home_disk_free_bytes") == NULL);
    free(c);
}

TEST(positions_net_and_per_strategy_and_the_invariant_counters_are_exposed)
{
    tb_metrics_snap s;
    fill(&s);
    snprintf(s.pos[0].symbol, sizeof s.pos[0].symbol, "AAPL");
    s.pos[0].qty = 30;
    snprintf(s.pos[1].symbol, sizeof s.pos[1].symbol, "AAPL");
    snprintf(s.pos[1].strategy, sizeof s.pos[1].strategy, "orb");
    s.pos[1].qty = 10;
    snprintf(s.pos[2].symbol, sizeof s.pos[2].symbol, "AAPL");
    snprintf(s.pos[2].strategy, sizeof s.pos[2].strategy, "vwap\"x");
    s.pos[2].qty = 20;
    s.npos = 3;
    s.invariant_violations = 2;
    tb_sbuf b = {0};
    tb_metrics_render(&s, &b);
    CHECK_CONTAINS(b.s, "tradebot_position_shares{symbol=\"AAPL\"} 30\n");
    CHECK_CONTAINS(b.s, "tradebot_strategy_position_shares{strategy=\"orb\",symbol=\"AAPL\"} 10\n");
    CHECK_CONTAINS(
        b.s, "tradebot_strategy_position_shares{strategy=\"vwap\\\"x\",symbol=\"AAPL\"} 20\n");
    CHECK_CONTAINS(b.s, "tradebot_invariant_violations_total{invariant=\"account_equals_strategy_"
                        "sum\"} 2\n");
    CHECK_CONTAINS(b.s,
                   "tradebot_invariant_violations_total{invariant=\"no_unallowed_short\"} 0\n");
    free(b.s);
}

TEST(loop_stalls_are_counted_by_kind_with_every_kind_exported)
{
    tb_metrics_snap s;
    fill(&s);
    s.stalls.count[TB_WORK_REPL] = 3;
    s.stalls.count[TB_WORK_UNNAMED] = 1;
    s.stalls.longest_s = 1.75;
    tb_sbuf o = {0};
    tb_metrics_render(&s, &o);
    CHECK_CONTAINS(o.s, "# TYPE tradebot_loop_stalls_total counter\n");
    CHECK_CONTAINS(o.s, "tradebot_loop_stalls_total{kind=\"repl\"} 3\n");
    CHECK_CONTAINS(o.s, "tradebot_loop_stalls_total{kind=\"unnamed\"} 1\n");
    CHECK_CONTAINS(o.s, "tradebot_loop_stalls_total{kind=\"dashboard\"} 0\n"); /* before any */
    CHECK_CONTAINS(o.s, "tradebot_loop_stall_longest_seconds 1.75\n");
    tb_sbuf_free(&o);
}
