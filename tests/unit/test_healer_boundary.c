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

TEST(git_s_other_spellings_of_a_rename_are_refused_before_the_patch_is_applied)
{
    /* `git apply` takes "rename old"/"rename new" as "rename from"/"rename to": the first
     * section moves scripts/orchestrator.lua into strategies/ while its diff --git line names
     * one strategy; the second is an ordinary change. */
    char why[512];
    const char *diff = "diff --git a/strategies/z.lua b/strategies/z.lua\n"
                       "rename old scripts/orchestrator.lua\n"
                       "rename new strategies/z.lua\n"
                       "diff --git a/strategies/b.lua b/strategies/b.lua\n"
                       "--- a/strategies/b.lua\n+++ b/strategies/b.lua\n@@ -1 +1 @@\n-a\n+b\n";
    CHECK_INT(diff_ok(diff, why, sizeof why), -1);
    CHECK_CONTAINS(why, "rename old");
}

TEST(odd_spellings_of_paths_are_refused)
{
    char why[512], diff[1024];
    static const char *const paths[] = {
        "./strategies/a.lua",      "strategies/./a.lua",
        "/strategies/a.lua",       "strategies//a.lua",
        "strategies/a.lua/",       "strategies/%2e%2e/x.lua",
        "strategies/\xc3\xa9.lua", "strategies/.lua",
        "strategies/a.LUA ",       "Strategies/a.lua",
        ".git/hooks/pre-commit",   "strategies/a.lua.orig",
        "strategies/a\\..lua",     "config/../strategies/a.lua",
    };
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        snprintf(diff, sizeof diff, "--- a/%s\n+++ b/%s\n@@ -1 +1 @@\n-a\n+b\n", paths[i],
                 paths[i]);
        if (diff_ok(diff, why, sizeof why) != -1) TBT_FAIL("accepted %s", paths[i]);
        if (hl_path_allowed(paths[i])) TBT_FAIL("path allowed: %s", paths[i]);
    }
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

static int judge_all(const char *const *paths, char *why, size_t len)
{
    hl_tree b = {hl_read_dir, base}, c = {hl_read_dir, cand};
    json_t *changed = json_array();
    for (size_t i = 0; paths[i]; i++) json_array_append_new(changed, json_string(paths[i]));
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
        /* a whole-number default takes whole numbers: 20.5 is in bounds but not a level the
         * strategy was written for (qty = 12.5 fails every order) */
        {"true", RSI_ENTRY "\"params\": {\"oversold\": 20.5}}",
         "params.oversold = 20.5 must be a whole number, as its default 30 is"},
        {"true", RSI_ENTRY "\"symbol_params\": {\"AAPL\": {\"oversold\": 39.999}}}",
         "symbol_params.AAPL.oversold = 39.999 must be a whole number"},
        {"true", RSI_ENTRY "\"params\": {\"oversold\": 20.0}}", NULL},
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

static const char ghost_cfg[] = "{\"strategies\": [{\"file\": \"strategies/ghost.lua\"%s}]}";

TEST(bounds_come_from_the_base_version_even_for_a_strategy_file_the_change_creates)
{
    /* main's configuration names a strategy whose file main lacks (deleted, or not yet
     * written): a change that brings the file may not bring the bounds its params are checked
     * against. */
    char why[512] = "", cfg[512];
    const char *both[] = {"strategies/ghost.lua", "config/trading_config.json", NULL};
    trees();
    snprintf(cfg, sizeof cfg, ghost_cfg, "");
    put(base, "config/trading_config.json", cfg);
    put(cand, "strategies/ghost.lua",
        "return { params = { qty = 10 }, tunable = { qty = { min = 1, max = 100000 } },\n"
        "  on_bar = function() end }\n");
    snprintf(cfg, sizeof cfg, ghost_cfg, ", \"params\": {\"qty\": 99999}");
    put(cand, "config/trading_config.json", cfg);
    CHECK_INT(judge_all(both, why, sizeof why), -1);
    CHECK_CONTAINS(why, "strategies/ghost.lua");
    CHECK_CONTAINS(why, "base");
    /* the same file in main: its bounds apply, and 99999 is within them */
    put(base, "strategies/ghost.lua",
        "return { params = { qty = 10 }, tunable = { qty = { min = 1, max = 100000 } },\n"
        "  on_bar = function() end }\n");
    why[0] = 0;
    if (judge_all(both, why, sizeof why) != 0) TBT_FAIL("refused: %s", why);
}

/* rsi.lua with its tunable oversold in [10, 40] and the default given. */
static void rsi_with(const char *root, const char *oversold)
{
    char text[256];
    snprintf(text, sizeof text,
             "return { params = { oversold = %s },\n"
             "  tunable = { oversold = { min = 10, max = 40 } }, on_bar = function() end }\n",
             oversold);
    put(root, "strategies/rsi.lua", text);
}

TEST(values_json_cannot_hold_exactly_are_refused_not_read_as_something_in_bounds)
{
    static const char *const values[] = {
        "NaN",    "Infinity", "-Infinity", "1e309", "-1e309",      "99999999999999999999999",
        "\"20\"", "true",     "null",      "[20]",  "{\"v\": 20}", "0x14",
        "-0.0",
    };
    char why[512], cfg[512];
    trees();
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        snprintf(cfg, sizeof cfg,
                 "{\"risk\": {\"enabled\": true}, \"strategies\": [" RSI_ENTRY
                 "\"params\": {\"oversold\": %s}}]}",
                 values[i]);
        put(cand, "config/trading_config.json", cfg);
        why[0] = 0;
        if (judge("config/trading_config.json", why, sizeof why) != -1)
            TBT_FAIL("accepted oversold = %s", values[i]);
        CHECK(why[0] != 0);
    }
    /* a strategy file's own default of NaN or math.huge */
    rsi_with(cand, "0/0");
    CHECK_INT(judge("strategies/rsi.lua", why, sizeof why), -1);
    rsi_with(cand, "math.huge");
    CHECK_INT(judge("strategies/rsi.lua", why, sizeof why), -1);
    rsi_with(cand, "40");
    CHECK_INT(judge("strategies/rsi.lua", why, sizeof why), 0);
}

TEST(duplicate_keys_in_the_configuration_are_refused)
{
    /* The engine's loader refuses a duplicate key; other readers take the first or the last:
     * the boundary reads the configuration as the engine does. */
    char why[512] = "";
    trees();
    put(cand, "config/trading_config.json",
        "{\"risk\": {\"enabled\": false}, \"risk\": {\"enabled\": true}, \"strategies\": "
        "[" RSI_ENTRY "\"params\": {\"oversold\": 20}}]}");
    CHECK_INT(judge("config/trading_config.json", why, sizeof why), -1);
    put(cand, "config/trading_config.json",
        "{\"risk\": {\"enabled\": true}, \"strategies\": [" RSI_ENTRY
        "\"params\": {\"oversold\": 99, \"oversold\": 20}}]}");
    CHECK_INT(judge("config/trading_config.json", why, sizeof why), -1);
}

/* A git repository with main and a healer branch, for the check made when a change is merged. */
static char repo[64];

static void git(const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "git -C %s -c user.name=t -c user.email=t@t -c init.defaultBranch=main %s "
             ">/dev/null 2>&1",
             repo, args);
    if (system(cmd) != 0) TBT_FAIL("%s", cmd);
}

static const char rsi_fmt[] = "return { params = { oversold = 30 },\n"
                              "  tunable = { oversold = { min = 10, max = %d } },\n"
                              "  on_bar = function() end }\n";
static const char cfg_fmt[] = "{\n  \"risk\": {\"enabled\": %s},\n  \"strategies\": [\n"
                              "    {\"file\": \"strategies/rsi.lua\", \"params\": {\"oversold\": "
                              "%d}}\n  ]\n}\n";

TEST(a_branch_is_judged_against_main_s_bounds_when_it_is_merged_not_its_merge_base_s)
{
    /* The Healer proposed oversold 38 within [10, 40]; while it waited for review, the operator
     * narrowed the bounds on main to [10, 35]. Approving it must not put 38 into main. */
    char why[512] = "", text[512];
    snprintf(repo, sizeof repo, "/tmp/tb-hlr-XXXXXX");
    if (!mkdtemp(repo)) TBT_FAIL("mkdtemp");
    git("init -q");
    snprintf(text, sizeof text, rsi_fmt, 40);
    put(repo, "strategies/rsi.lua", text);
    snprintf(text, sizeof text, cfg_fmt, "true", 30);
    put(repo, "config/trading_config.json", text);
    git("add -A");
    git("commit -qm home");
    git("checkout -qb healer/auto-fix-rsi-20261207000000");
    snprintf(text, sizeof text, cfg_fmt, "true", 38);
    put(repo, "config/trading_config.json", text);
    git("commit -qam tune");
    git("checkout -q main");
    CHECK_INT(hl_boundary_branch(repo, "healer/auto-fix-rsi-20261207000000", why, sizeof why), 0);
    /* main moves on elsewhere in the configuration: the branch still merges */
    snprintf(text, sizeof text, cfg_fmt, "false", 30);
    put(repo, "config/trading_config.json", text);
    git("commit -qam risk");
    why[0] = 0;
    if (hl_boundary_branch(repo, "healer/auto-fix-rsi-20261207000000", why, sizeof why) != 0)
        TBT_FAIL("refused after an unrelated change on main: %s", why);
    /* main narrows the bounds */
    snprintf(text, sizeof text, rsi_fmt, 35);
    put(repo, "strategies/rsi.lua", text);
    git("commit -qam narrow");
    CHECK_INT(hl_boundary_branch(repo, "healer/auto-fix-rsi-20261207000000", why, sizeof why), -1);
    CHECK_CONTAINS(why, "oversold = 38 is outside its bounds [10, 35]");
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", repo);
    if (system(cmd) != 0) TBT_FAIL("%s", cmd);
}
