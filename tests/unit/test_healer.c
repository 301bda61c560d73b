/* The Healer's parts that need no git: the metrics gate, applying changes, the store. */
#include "healer/healer.h"
#include "healer/healer_priv.h"
#include "healer/store.h"
#include "data/calendar.h"
#include "home/home.h"
#include "tbtest.h"
#include "util/clock.h"

#include <sys/stat.h>
#include <unistd.h>

TEST(a_replay_worse_on_any_configured_metric_is_refused)
{
    char *metrics[] = {"trades", "pnl", "max_drawdown_pct"};
    json_t *base = json_pack("{s:i, s:f, s:f}", "trades", 0, "pnl", 0.0, "max_drawdown_pct", 1.0);
    json_t *better =
        json_pack("{s:i, s:f, s:f}", "trades", 4, "pnl", 10.0, "max_drawdown_pct", 0.5);
    json_t *losing =
        json_pack("{s:i, s:f, s:f}", "trades", 4, "pnl", -1.0, "max_drawdown_pct", 0.5);
    json_t *deeper = json_pack("{s:i, s:f, s:f}", "trades", 4, "pnl", 1.0, "max_drawdown_pct", 2.0);
    char why[200] = "";
    CHECK_INT(hl_not_worse(metrics, 3, base, better, why, sizeof why), 1);
    CHECK_INT(hl_not_worse(metrics, 3, base, losing, why, sizeof why), 0);
    CHECK_CONTAINS(why, "worse on pnl");
    CHECK_INT(hl_not_worse(metrics, 3, base, deeper, why, sizeof why), 0);
    CHECK_CONTAINS(why, "worse on max_drawdown_pct");
    CHECK_INT(hl_not_worse(metrics, 1, base, losing, why, sizeof why), 1); /* trades only */
    char *unknown[] = {"nope"};
    CHECK_INT(hl_not_worse(unknown, 1, base, better, why, sizeof why), 0);
    json_decref(base), json_decref(better), json_decref(losing), json_decref(deeper);
}

static char dir[64];

/* Writes text to dir/folder/name (folder created). */
static void put_file(const char *folder, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, folder);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", dir, folder, name);
    FILE *f = fopen(path, "w");
    if (!f) TBT_FAIL("cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static void make_checkout(void)
{
    snprintf(dir, sizeof dir, "/tmp/tb-healer-XXXXXX");
    if (!mkdtemp(dir)) TBT_FAIL("mkdtemp");
    put_file("config", "trading_config.json",
             "{\"strategies\": [{\"file\": \"strategies/momentum.lua\", \"params\": {\"qty\": "
             "5}},\n {\"file\": \"strategies/other.lua\", \"name\": \"o\"}]}\n");
}

static json_t *config_of(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/config/trading_config.json", dir);
    return json_load_file(path, 0, NULL);
}

/* Applies the directive change_json to the checkout; hl_apply_change's result. */
static int apply(const char *change_json, tb_err *e)
{
    json_t *d = json_loads(change_json, 0, NULL);
    if (!d) TBT_FAIL("not JSON: %s", change_json);
    int rc = d ? hl_apply_change(d, dir, -1, e) : -1;
    json_decref(d);
    return rc;
}

TEST(a_param_change_sets_the_named_strategys_params_in_the_checkouts_config)
{
    make_checkout();
    tb_err e;
    CHECK_INT(apply("{\"kind\": \"param_change\", \"target\": \"config/trading_config.json\","
                    " \"change\": {\"strategy\": \"momentum\", \"params\": {\"min\": 5}}}",
                    &e),
              0);
    json_t *cfg = config_of();
    json_t *p = json_object_get(json_array_get(json_object_get(cfg, "strategies"), 0), "params");
    CHECK_INT((int)json_integer_value(json_object_get(p, "min")), 5);
    CHECK_INT((int)json_integer_value(json_object_get(p, "qty")), 5); /* the others stay */
    json_decref(cfg);
    CHECK_INT(apply("{\"kind\": \"param_change\", \"target\": \"config/trading_config.json\","
                    " \"change\": {\"strategy\": \"ghost\", \"param\": \"x\", \"value\": 1}}",
                    &e),
              -1);
    CHECK_CONTAINS(e.msg, "no strategy ghost");
}

TEST(a_config_change_sets_a_strategy_param_by_its_dotted_path_and_nothing_else)
{
    make_checkout();
    tb_err e;
    CHECK_INT(
        apply("{\"kind\": \"config_change\", \"target\": \"config/trading_config.json\","
              " \"change\": {\"path\": \"strategies.o.symbol_params.AAPL.min\", \"value\": 3}}",
              &e),
        0);
    json_t *cfg = config_of();
    json_t *o = json_array_get(json_object_get(cfg, "strategies"), 1);
    CHECK_INT((int)json_integer_value(json_object_get(
                  json_object_get(json_object_get(o, "symbol_params"), "AAPL"), "min")),
              3);
    json_decref(cfg);
    CHECK_INT(apply("{\"kind\": \"config_change\", \"target\": \"config/trading_config.json\","
                    " \"change\": {\"path\": \"risk.enabled\", \"value\": false}}",
                    &e),
              -1);
    cfg = config_of();
    CHECK(json_object_get(cfg, "risk") == NULL);
    json_decref(cfg);
}

TEST(a_script_patch_outside_the_home_is_refused)
{
    make_checkout();
    tb_err e;
    CHECK_INT(apply("{\"kind\": \"script_patch\", \"target\": \"../../etc/x.lua\","
                    " \"change\": {\"content\": \"return 1\"}}",
                    &e),
              -1);
    CHECK_CONTAINS(e.msg, "inside the home");
}

TEST(status_changes_are_stamped_and_recorded_in_the_history)
{
    make_checkout();
    tb_home_set_override(dir);
    tb_err e;
    CHECK_INT(tb_home_init(&e), 0);
    json_t *root = hl_store_load(&e);
    json_t *d = json_pack("{s:s, s:s}", "id", "H1", "finding", "stagnation");
    json_array_append_new(json_object_get(root, "directives"), d);
    CHECK_STR(hl_status(d), "Queued");
    hl_set_status(d, "Queued", "proposed", NULL);
    hl_set_status(d, "PENDING_EXECUTION", NULL, NULL);
    CHECK_INT(hl_store_save(root, &e), 0);
    json_decref(root);
    root = hl_store_load(&e);
    d = hl_store_find(root, "H1");
    CHECK_STR(hl_status(d), "PENDING_EXECUTION");
    CHECK(json_object_get(json_object_get(d, "timestamps"), "Queued") != NULL);
    CHECK(json_object_get(json_object_get(d, "timestamps"), "PENDING_EXECUTION") != NULL);
    json_decref(root);
    char path[256], line[1024];
    snprintf(path, sizeof path, "%s/logs/healer_history.jsonl", dir);
    FILE *f = fopen(path, "r");
    int n = 0;
    while (f && fgets(line, sizeof line, f)) n += strstr(line, "\"id\":\"H1\"") != NULL;
    if (f) fclose(f);
    CHECK_INT(n, 2);
    CHECK_INT(hl_approve("nope", "cli", NULL, &e), -1);
    CHECK_CONTAINS(e.msg, "no directive nope");
}

static int history_count(const char *needle)
{
    char path[256], line[2048];
    snprintf(path, sizeof path, "%s/logs/healer_history.jsonl", dir);
    FILE *f = fopen(path, "r");
    int n = 0;
    while (f && fgets(line, sizeof line, f)) n += strstr(line, needle) != NULL;
    if (f) fclose(f);
    return n;
}

TEST(a_nightly_run_past_midnight_records_the_warning_directives_it_leaves_as_skipped)
{
    make_checkout();
    tb_home_set_override(dir);
    tb_err e;
    CHECK_INT(tb_home_init(&e), 0);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "cd %s && git init -q && git -c user.name=t -c user.email=t@localhost commit -q "
             "--allow-empty -m home",
             dir);
    CHECK_INT(system(cmd), 0);
    json_t *root = hl_store_load(&e);
    json_array_append_new(json_object_get(root, "directives"),
                          json_pack("{s:s, s:s, s:b, s:s}", "id", "W1", "severity", "WARNING",
                                    "can_auto_apply", 1, "status", "Queued"));
    json_array_append_new(json_object_get(root, "directives"),
                          json_pack("{s:s, s:s, s:b, s:s}", "id", "M1", "severity", "WARNING",
                                    "can_auto_apply", 0, "status", "Queued"));
    CHECK_INT(hl_store_save(root, &e), 0);
    json_decref(root);
    /* 2026-12-08 00:40 UTC: the 22:30 nightly run started late, past midnight. */
    tb_clock_set_fake_ns((int64_t)(tb_date_from_ymd(2026, 12, 8) * 86400LL + 40 * 60) *
                         1000000000LL);
    hl_run_counts n;
    CHECK_INT(hl_run_due(NULL, HL_RUN_SCHEDULE, NULL, &n, &e), 0);
    CHECK_INT(n.skipped, 0); /* a morning run leaves them for the night without a word */
    CHECK_INT(history_count("\"skipped\""), 0);
    CHECK_INT(hl_run_due(NULL, HL_RUN_NIGHTLY, NULL, &n, &e), 0);
    CHECK_INT(n.ran, 0);
    CHECK_INT(n.skipped, 1); /* W1; M1 waits for an operator whatever the time */
    CHECK_CONTAINS(n.skip_reason, "started at 00:40 UTC");
    CHECK_INT(history_count("\"id\":\"W1\",\"status\":\"skipped\""), 1);
    CHECK_INT(history_count("\"id\":\"M1\",\"status\":\"skipped\""), 0);
    root = hl_store_load(&e);
    CHECK_STR(hl_status(hl_store_find(root, "W1")), "Queued"); /* still waits for its window */
    json_decref(root);
    tb_clock_set_fake_ns(0);
}

static json_t *stagnation_fix(const char *min_move, const char *since)
{
    char text[512];
    snprintf(text, sizeof text,
             "{\"finding\": \"stagnation\", \"severity\": \"WARNING\", \"kind\": \"param_change\","
             " \"target\": \"config/trading_config.json\", \"since\": \"%s\","
             " \"change\": {\"strategy\": \"momentum\", \"params\": {\"min_move_pct\": %s}}}",
             since, min_move);
    return json_loads(text, 0, NULL);
}

static int proposals(json_t *root)
{
    return (int)json_array_size(json_object_get(root, "directives"));
}

TEST(a_finding_is_answered_once_not_again_at_every_audit_while_its_window_predates_the_fix)
{
    make_checkout();
    tb_home_set_override(dir);
    tb_err e;
    CHECK_INT(tb_home_init(&e), 0);
    put_file("strategies", "momentum.lua",
             "return { name = 'momentum', params = { min_move_pct = 9 },\n"
             "  tunable = { min_move_pct = { min = 0.5, max = 9, step = 0.5, loosen = -1 } },\n"
             "  on_bar = function() end }\n");
    json_t *root = json_pack("{s:[]}", "directives");
    CHECK_INT(hl_add_proposal(root, stagnation_fix("5", "2026-12-01"), "lua"), 1);
    json_t *first = json_array_get(json_object_get(root, "directives"), 0);
    CHECK_STR(hl_status(first), "Queued");
    /* The next audit, same finding, a further step: the first still awaits its run. */
    CHECK_INT(hl_add_proposal(root, stagnation_fix("3", "2026-12-02"), "lua"), 0);
    /* Merged on 2026-12-04; the window still starts before: not answered again. */
    hl_set_status(first, "Promoted", NULL, NULL);
    json_object_set_new(json_object_get(first, "timestamps"), "Promoted",
                        json_string("2026-12-04T22:41:00.000Z"));
    CHECK_INT(hl_add_proposal(root, stagnation_fix("3", "2026-12-03"), "lua"), 0);
    CHECK_INT(hl_add_proposal(root, stagnation_fix("3", "2026-12-04"), "lua"), 0);
    CHECK_INT(proposals(root), 1);
    /* Every session of the window played with the fix and still no trade: a new step. */
    CHECK_INT(hl_add_proposal(root, stagnation_fix("3", "2026-12-07"), "lua"), 1);
    json_t *second = json_array_get(json_object_get(root, "directives"), 1);
    /* Rejected by an operator: the same change is not asked again the next night. */
    hl_set_status(second, "Rejected", NULL, NULL);
    CHECK_INT(hl_add_proposal(root, stagnation_fix("3", "2026-12-08"), "lua"), 0);
    CHECK_INT(proposals(root), 2);
    json_decref(root);
}

TEST(a_run_says_how_many_warning_findings_per_rule_no_directive_answers)
{
    json_t *findings = json_loads(
        "[{\"rule\": \"missed_opportunities\", \"severity\": \"WARNING\", \"symbol\": \"BOLT\","
        "  \"evidence\": {\"strategy\": \"orb\", \"gate\": \"buying_power\"}},"
        " {\"rule\": \"missed_opportunities\", \"severity\": \"WARNING\", \"symbol\": \"CRUX\","
        "  \"evidence\": {\"strategy\": \"vwap\", \"gate\": \"daytrade\"}},"
        " {\"rule\": \"missed_opportunities\", \"severity\": \"WARNING\", \"symbol\": \"DYNO\","
        "  \"evidence\": {\"strategy\": \"vwap\", \"gate\": \"daytrade\"}},"
        " {\"rule\": \"gate_overblocking\", \"severity\": \"WARNING\", \"symbol\": null},"
        " {\"rule\": \"schema_drift\", \"severity\": \"INFO\", \"symbol\": null}]",
        0, NULL);
    json_t *root =
        json_loads("{\"directives\": [{\"finding\": \"missed_opportunities\", \"symbol\": null,"
                   " \"status\": \"Rejected\", \"change\": {\"strategy\": \"orb\", \"params\": "
                   "{\"qty\": 15}}}]}",
                   0, NULL);
    json_t *u = hl_unanswered(findings, root);
    CHECK_INT((int)json_object_size(u), 2); /* INFO findings are not counted */
    CHECK_INT((int)json_integer_value(json_object_get(u, "missed_opportunities")), 2);
    CHECK_INT((int)json_integer_value(json_object_get(u, "gate_overblocking")), 1);
    json_decref(u), json_decref(findings), json_decref(root);
}
