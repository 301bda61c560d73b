#include "config/config.h"
#include "tbtest.h"

static tb_config cfg;
static tb_config_errors errs;

/* Loads text as the configuration file `file` into cfg (errs on failure); 0 or -1. */
static int load(const char *text, const char *file)
{
    return tb_config_load_text(text, file, &cfg, &errs);
}

TEST(embedded_default_is_valid_and_gives_every_default)
{
    CHECK_INT(load("{}", "t.json"), 0);
    CHECK_STR(cfg.broker, "paper");
    CHECK_STR(cfg.feed, "replay");
    CHECK_STR(cfg.logging.level, "info");
    CHECK_INT(cfg.logging.jsonl_max_bytes, 524288000); /* the runbook's 500 MB */
    CHECK_STR(cfg.repl.socket, "run/tradebot.sock");
    CHECK(cfg.sandbox.instruction_budget > 0);
    tb_config_free(&cfg);
}

TEST(operator_file_overrides_only_the_keys_it_names)
{
    CHECK_INT(load("{\"broker\":\"alpaca\",\"logging\":{\"level\":\"debug\"}}", "t.json"), 0);
    CHECK_STR(cfg.broker, "alpaca");
    CHECK_STR(cfg.logging.level, "debug");
    CHECK_INT(cfg.logging.max_bytes, 52428800); /* untouched sibling keeps its default */
    tb_config_free(&cfg);
}

TEST(unknown_key_is_an_error_naming_file_and_key)
{
    CHECK_INT(load("{\"logging\":{\"levle\":\"debug\"}}", "config/x.json"), -1);
    CHECK_INT(errs.n, 1);
    CHECK_STR(errs.msg[0], "config/x.json: logging.levle: unknown key");
}

TEST(wrong_type_and_out_of_range_say_what_was_expected)
{
    CHECK_INT(load("{\"sandbox\":{\"memory_limit_mb\":\"lots\"},"
                   "\"data_refresh_interval_hours\":-1}",
                   "c.json"),
              -1);
    CHECK_INT(errs.n, 2);
    CHECK_CONTAINS(
        errs.msg[0],
        "c.json: sandbox.memory_limit_mb: expected an integer from 1 to 4096, got a string");
    CHECK_CONTAINS(errs.msg[1],
                   "c.json: data_refresh_interval_hours: expected a number from 0.01 to 168");
}

TEST(every_error_is_collected_at_once)
{
    CHECK_INT(load("{\"a\":1,\"b\":2,\"broker\":\"etrade\",\"repl\":{\"enabled\":1}}", "c.json"),
              -1);
    CHECK_INT(errs.n, 4);
    CHECK_CONTAINS(errs.msg[2], "broker: expected one of paper|alpaca|ibkr, got \"etrade\"");
    CHECK_CONTAINS(errs.msg[3], "repl.enabled: expected true or false, got an integer");
}

TEST(invalid_json_reports_line_and_column)
{
    CHECK_INT(load("{\n  \"broker\": \"paper\",\n  oops\n}", "c.json"), -1);
    CHECK_INT(errs.n, 1);
    CHECK_CONTAINS(errs.msg[0], "c.json: line 3");
    CHECK_CONTAINS(errs.msg[0], "invalid JSON");
}

TEST(strategies_need_a_file_and_get_a_name_from_it)
{
    CHECK_INT(load("{\"strategies\":[{\"file\":\"strategies/orb.lua\",\"symbols\":[\"AAPL\"],"
                   "\"params\":{\"x\":1}}]}",
                   "c.json"),
              0);
    CHECK_INT(cfg.nstrategies, 1);
    CHECK_STR(cfg.strategies[0].name, "orb");
    CHECK_INT(cfg.strategies[0].enabled, 1);
    CHECK_INT(cfg.strategies[0].nsymbols, 1);
    CHECK_INT(json_integer_value(json_object_get(cfg.strategies[0].params, "x")), 1);
    tb_config_free(&cfg);
    CHECK_INT(load("{\"strategies\":[{\"symbols\":[]}]}", "c.json"), -1);
    CHECK_CONTAINS(errs.msg[0], "strategies[0]: missing required key \"file\"");
}

TEST(duplicate_keys_are_refused)
{
    CHECK_INT(load("{\"broker\":\"paper\",\"broker\":\"ibkr\"}", "c.json"), -1);
    CHECK_CONTAINS(errs.msg[0], "duplicate");
}

TEST(missing_file_is_an_error_unless_allowed)
{
    CHECK_INT(tb_config_load("/nonexistent/trading_config.json", 0, &cfg, &errs), -1);
    CHECK_CONTAINS(errs.msg[0], "/nonexistent/trading_config.json: (file): cannot read");
    CHECK_INT(tb_config_load("/nonexistent/trading_config.json", 1, &cfg, &errs), 0);
    tb_config_free(&cfg);
}

TEST(shipped_config_file_equals_the_embedded_default)
{
    FILE *f = fopen(TB_SOURCE_DIR "/config/trading_config.json", "rb");
    CHECK(f != NULL);
    if (!f) return;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    CHECK_STR(buf, tb_config_default_json);
}

TEST(feed_settings_have_shipped_defaults_and_are_validated)
{
    CHECK_INT(load("{\"feed\":\"massive\",\"polygon\":{\"plan\":\"paid\"}}", "t.json"), 0);
    CHECK_STR(cfg.feed, "massive");
    CHECK_STR(cfg.polygon.base_url, "https://api.polygon.io");
    CHECK_STR(cfg.polygon.plan, "paid");
    CHECK_STR(cfg.alpaca_data.feed, "iex");
    CHECK_STR(cfg.alpaca_data.stream_url, "wss://stream.data.alpaca.markets/v2");
    CHECK_INT(cfg.alpaca_data.limit_backoff_s, 90);
    tb_config_free(&cfg);
    CHECK_INT(load("{\"alpaca_data\":{\"feed\":\"opra\"},"
                   "\"polygon\":{\"plan\":\"gold\",\"poll_seconds\":0}}",
                   "c.json"),
              -1);
    CHECK_INT(errs.n, 3);
    CHECK_CONTAINS(errs.msg[0], "alpaca_data.feed: expected one of iex|sip");
    CHECK_CONTAINS(errs.msg[1], "polygon.plan: expected one of free|paid");
    CHECK_CONTAINS(errs.msg[2], "polygon.poll_seconds");
}
