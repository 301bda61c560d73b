/* The Healer's boundary (core/healer/boundary.h): what a change may touch, judged on the whole
 * diff and on the content it leaves, with bounds read through the strategy sandbox. */
#include "healer/boundary.h"
#include "healer/healer.h"
#include "home/home.h"
#include "strategy/decl.h"
#include "tbtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char strategy_hunk[] = "--- a/strategies/rsi.lua\n"
                                    "+++ b/strategies/rsi.lua\n"
                                    "@@ -1,2 +1,2 @@\n"
                                    " return {\n"
                                    "-  name = 'rsi',\n"
                                    "+  name = 'rsi2',\n";

static int diff_ok(const char *diff, char *why, size_t len)
{
    why[0] = 0;
    return hl_boundary_diff(diff, NULL, why, len);
}

TEST(every_file_of_a_multi_file_diff_is_checked_not_only_the_first)
{
    char why[512], diff[2048];
    CHECK_INT(diff_ok(strategy_hunk, why, sizeof why), 0);
    snprintf(diff, sizeof diff,
             "diff --git a/strategies/rsi.lua b/strategies/rsi.lua\n%s"
             "diff --git a/tests/lua/evil_spec.lua b/tests/lua/evil_spec.lua\n"
             "new file mode 100644\n--- /dev/null\n+++ b/tests/lua/evil_spec.lua\n"
             "@@ -0,0 +1 @@\n+os.execute('touch /tmp/canary')\n",
             strategy_hunk);
    CHECK_INT(diff_ok(diff, why, sizeof why), -1);
    CHECK_CONTAINS(why, "touches tests/lua/evil_spec.lua");
    snprintf(diff, sizeof diff,
             "%s--- a/scripts/orchestrator.lua\n+++ b/scripts/orchestrator.lua\n@@ -1 +1 @@\n"
             "-x\n+os.execute('id')\n",
             strategy_hunk);
    CHECK_INT(diff_ok(diff, why, sizeof why), -1);
    CHECK_CONTAINS(why, "touches scripts/orchestrator.lua");
}

TEST(renames_deletions_modes_symlinks_binaries_and_odd_paths_are_refused)
{
    char why[512];
    const char *bad[] = {
        "diff --git a/strategies/a.lua b/strategies/b.lua\nrename from strategies/a.lua\n"
        "rename to strategies/b.lua\n",
        "diff --git a/strategies/a.lua b/strategies/a.lua\ndeleted file mode 100644\n",
        "--- a/strategies/a.lua\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n",
        "diff --git a/strategies/a.lua b/strategies/a.lua\nold mode 100644\nnew mode 100755\n",
        "diff --git a/strategies/l.lua b/strategies/l.lua\nnew file mode 120000\n--- /dev/null\n"
        "+++ b/strategies/l.lua\n@@ -0,0 +1 @@\n+/etc/passwd\n",
        "diff --git a/strategies/a.lua b/strategies/a.lua\nGIT binary patch\nliteral 3\n",
        "--- a/strategies/../scripts/x.lua\n+++ b/strategies/../scripts/x.lua\n@@ -1 +1 "
        "@@\n-a\n+b\n",
        "--- a/strategies/sub/x.lua\n+++ b/strategies/sub/x.lua\n@@ -1 +1 @@\n-a\n+b\n",
        "--- strategies/a.lua\n+++ strategies/a.lua\n@@ -1 +1 @@\n-a\n+b\n", /* -p1: a.lua */
        "--- a/strategies/a.lua\n+++ b/strategies/b.lua\n@@ -1 +1 @@\n-a\n+b\n",
        "--- a/.busted\n+++ b/.busted\n@@ -1 +1 @@\n-a\n+b\n",
        "just prose, no diff\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (diff_ok(bad[i], why, sizeof why) != -1) TBT_FAIL("accepted: %s", bad[i]);
        CHECK(why[0] != 0);
    }
}

TEST(a_removed_lua_comment_inside_a_hunk_is_content_not_a_header)
{
    char why[512];
    const char *diff = "--- a/strategies/rsi.lua\n+++ b/strategies/rsi.lua\n@@ -1,3 +1,2 @@\n"
                       " return {\n--- old comment\n+++ not a header either\n";
    CHECK_INT(diff_ok(diff, why, sizeof why), -1); /* 3 old lines announced, 2 given: malformed */
    diff = "--- a/strategies/rsi.lua\n+++ b/strategies/rsi.lua\n@@ -1,2 +1,2 @@\n"
           " return {\n--- old comment\n+++ new comment\n";
    CHECK_INT(diff_ok(diff, why, sizeof why), 0);
}

static json_t *directive(const char *kind, const char *change)
{
    char text[1024];
    snprintf(text, sizeof text, "{\"kind\": \"%s\", \"target\": \"x\", \"change\": %s}", kind,
             change);
    json_t *d = json_loads(text, 0, NULL);
    if (!d) TBT_FAIL("bad json %s", text);
    return d;
}

TEST(a_config_change_outside_strategy_params_is_refused_before_anything_runs)
{
    char why[512];
    json_t *d = directive("config_change", "{\"path\": \"risk.enabled\", \"value\": false}");
    CHECK_INT(hl_boundary_directive(d, why, sizeof why), -1);
    CHECK_CONTAINS(why, "config_change risk.enabled");
    json_decref(d);
    d = directive("config_change", "{\"path\": \"strategies.rsi.params.oversold\", \"value\": 20}");
    CHECK_INT(hl_boundary_directive(d, why, sizeof why), 0);
    json_decref(d);
    d = directive("config_change", "{\"path\": \"strategies.rsi.file\", \"value\": \"x.lua\"}");
    CHECK_INT(hl_boundary_directive(d, why, sizeof why), -1);
    json_decref(d);
    d = directive("script_patch", "{\"content\": \"return 1\"}"); /* target "x" */
    CHECK_INT(hl_boundary_directive(d, why, sizeof why), -1);
    json_decref(d);
}

/* Two trees on disk: base and cand, each with config/ and strategies/. */
static char base[64], cand[64];

static void put(const char *root, const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/config", root);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/strategies", root);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    if (!f) TBT_FAIL("cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static const char rsi[] = "return { name = 'rsi', params = { oversold = 30, qty = 10 },\n"
                          "  tunable = { oversold = { min = 10, max = 40 } },\n"
                          "  on_bar = function(ctx, bar) end }\n";
static const char cfg0[] = "{\"risk\": {\"enabled\": true}, \"strategies\": [{\"file\": "
                           "\"strategies/rsi.lua\", \"params\": {\"oversold\": 30}}]}";

static void trees(void)
{
    snprintf(base, sizeof base, "/tmp/tb-hlb-XXXXXX");
    snprintf(cand, sizeof cand, "/tmp/tb-hlc-XXXXXX");
    if (!mkdtemp(base) || !mkdtemp(cand)) TBT_FAIL("mkdtemp");
    put(base, "strategies/rsi.lua", rsi);
    put(cand, "strategies/rsi.lua", rsi);
    put(base, "config/trading_config.json", cfg0);
}

static int judge(const char *path, char *why, size_t len)
{
    hl_tree b = {hl_read_dir, base}, c = {hl_read_dir, cand};
    json_t *changed = json_pack("[s]", path);
    int rc = hl_boundary_content(&b, &c, changed, why, len);
    json_decref(changed);
    return rc;
}

#define RSI_ENTRY "{\"file\": \"strategies/rsi.lua\", "

TEST(config_params_change_only_within_the_bounds_the_strategy_declares)
{
    static const struct {
        const char *risk, *strategy, *refusal; /* refusal NULL: allowed */
    } cases[] = {
        {"true",
         RSI_ENTRY
         "\"params\": {\"oversold\": 20}, \"symbol_params\": {\"AAPL\": {\"oversold\": 40}}}",
         NULL},
        {"true", RSI_ENTRY "\"params\": {\"oversold\": 5}}",
         "strategies[0].params.oversold = 5 is outside its bounds [10, 40]"},
        {"true",
         RSI_ENTRY
         "\"symbol_params\": {\"AAPL\": {\"oversold\": 41}}, \"params\": {\"oversold\": 30}}",
         "symbol_params.AAPL.oversold = 41 is outside"},
        {"true", RSI_ENTRY "\"params\": {\"oversold\": 30, \"qty\": 1000}}",
         "params.qty is not declared tunable"},
        {"false", RSI_ENTRY "\"params\": {\"oversold\": 30}}",
         "alters risk in config/trading_config.json"},
        {"true", "{\"file\": \"strategies/other.lua\", \"params\": {\"oversold\": 30}}",
         "strategies[0].file"},
    };
    char why[512], cfg[1024];
    trees();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(cfg, sizeof cfg, "{\"risk\": {\"enabled\": %s}, \"strategies\": [%s]}",
                 cases[i].risk, cases[i].strategy);
        put(cand, "config/trading_config.json", cfg);
        int rc = judge("config/trading_config.json", why, sizeof why);
        if (!cases[i].refusal) {
            if (rc != 0) TBT_FAIL("case %zu refused: %s", i, why);
            continue;
        }
        if (rc != -1) TBT_FAIL("case %zu accepted: %s", i, cfg);
        CHECK_CONTAINS(why, cases[i].refusal);
    }
}

TEST(a_strategy_file_may_not_move_its_own_bounds_or_default_outside_them)
{
    char why[512];
    trees();
    put(cand, "strategies/rsi.lua",
        "return { name = 'rsi', params = { oversold = 30, qty = 10 },\n"
        "  tunable = { oversold = { min = 0, max = 100 } }, on_bar = function() end }\n");
    CHECK_INT(judge("strategies/rsi.lua", why, sizeof why), -1);
    CHECK_CONTAINS(why, "alters its tunable declaration");
    put(cand, "strategies/rsi.lua",
        "return { name = 'rsi', params = { oversold = 5, qty = 10 },\n"
        "  tunable = { oversold = { min = 10, max = 40 } }, on_bar = function() end }\n");
    CHECK_INT(judge("strategies/rsi.lua", why, sizeof why), -1);
    CHECK_CONTAINS(why, "params.oversold = 5 is outside its bounds");
    put(cand, "strategies/rsi.lua",
        "return { name = 'rsi', params = { oversold = 25, qty = 10 },\n"
        "  tunable = { oversold = { min = 10, max = 40 } }, on_bar = function() return 1 end }\n");
    CHECK_INT(judge("strategies/rsi.lua", why, sizeof why), 0);
    CHECK_INT(judge("scripts/orchestrator.lua", why, sizeof why), -1);
}

TEST(bounds_are_read_in_the_sandbox_never_by_running_the_file_outside_it)
{
    char canary[128], code[512];
    tb_err e;
    snprintf(canary, sizeof canary, "/tmp/tb-hl-canary-%d", (int)getpid());
    unlink(canary);
    snprintf(code, sizeof code,
             "local f = io.open('%s', 'w') f:write('x') f:close()\n"
             "return { params = {}, tunable = {}, on_bar = function() end }\n",
             canary);
    CHECK(tb_strategy_decl(code, strlen(code), "strategies/evil.lua", &e) == NULL);
    CHECK(access(canary, F_OK) != 0);
    const char *loop = "while true do end";
    CHECK(tb_strategy_decl(loop, strlen(loop), "strategies/loop.lua", &e) == NULL);
    const char *nobounds = "return { params = {x = 1}, tunable = { x = { step = 1 } } }";
    CHECK(tb_strategy_decl(nobounds, strlen(nobounds), "strategies/nb.lua", &e) == NULL);
    CHECK_CONTAINS(e.msg, "tunable.x must declare numeric min <= max");
}

TEST(the_shipped_strategies_declare_entry_tunables_with_their_defaults_in_bounds)
{
    static const char *const files[] = {"opening_range_breakout", "rsi_macd_reversal",
                                        "vwap_reversion"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[512], rel[128];
        tb_err e;
        snprintf(rel, sizeof rel, "strategies/%s.lua", files[i]);
        snprintf(path, sizeof path, "%s/%s", TB_SOURCE_DIR, rel);
        json_t *d = tb_strategy_decl_file(path, rel, &e);
        if (!d) TBT_FAIL("%s", e.msg);
        json_t *tun = json_object_get(d, "tunable");
        if (json_object_size(tun) == 0) TBT_FAIL("%s declares no tunable param", rel);
        const char *k;
        json_t *t;
        json_object_foreach(tun, k, t)
        {
            json_t *v = json_object_get(json_object_get(d, "params"), k);
            if (!tb_tunable_within(t, v)) TBT_FAIL("%s: default of %s outside its bounds", rel, k);
            CHECK(json_is_number(json_object_get(t, "step")));
            CHECK(json_is_integer(json_object_get(t, "loosen")));
        }
        json_decref(d);
    }
}

TEST(a_param_change_on_a_config_without_strategies_keeps_the_default_list_and_passes)
{
    /* A home's config may leave "strategies" out: the engine runs the default list. Writing
     * one strategy's params must not replace that list with one entry (dropping the others),
     * and the boundary compares the lists the engine runs. */
    char why[512] = "", src[512], text[8192];
    trees();
    put(base, "config/trading_config.json", "{\"risk\": {\"enabled\": true}}");
    put(cand, "config/trading_config.json", "{\"risk\": {\"enabled\": true}}");
    static const char *const files[] = {"opening_range_breakout", "rsi_macd_reversal",
                                        "vwap_reversion"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(src, sizeof src, "%s/strategies/%s.lua", TB_SOURCE_DIR, files[i]);
        FILE *f = fopen(src, "r");
        size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
        text[n] = '\0';
        if (f) fclose(f);
        snprintf(src, sizeof src, "strategies/%s.lua", files[i]);
        put(base, src, text);
        put(cand, src, text);
    }
    json_t *d = directive("param_change", "{\"strategy\": \"rsi_macd_reversal\", "
                                          "\"params\": {\"qty\": 15}}");
    tb_err e;
    CHECK_INT(hl_apply_change(d, cand, -1, &e), 0);
    json_decref(d);
    snprintf(src, sizeof src, "%s/config/trading_config.json", cand);
    json_t *cfg = json_load_file(src, 0, NULL);
    json_t *list = json_object_get(cfg, "strategies");
    CHECK_INT((int)json_array_size(list), 3);
    CHECK_INT((int)json_integer_value(
                  json_object_get(json_object_get(json_array_get(list, 0), "params"), "qty")),
              15);
    json_decref(cfg);
    if (judge("config/trading_config.json", why, sizeof why) != 0) TBT_FAIL("refused: %s", why);
    /* Out of bounds is still refused on that path. */
    put(cand, "config/trading_config.json",
        "{\"risk\": {\"enabled\": true}, \"strategies\": ["
        "{\"file\": \"strategies/rsi_macd_reversal.lua\", \"params\": {\"qty\": 50}},"
        "{\"file\": \"strategies/opening_range_breakout.lua\"},"
        "{\"file\": \"strategies/vwap_reversion.lua\"}]}");
    CHECK_INT(judge("config/trading_config.json", why, sizeof why), -1);
    CHECK_CONTAINS(why, "qty = 50 is outside its bounds [5, 20]");
}
