/*
 * kill.c - the kill switch: the operator's "stop trading now", from the dashboard (or the REPL).
 */
#include "engine/engine.h"
#include "home/home.h"
#include "log/log.h"
#include "util/clock.h"

#include <stdio.h>

int tb_engine_kill_switch(tb_engine *en, int engage, const char *who, tb_err *e)
{
    if (en->kill_switch) return en->kill_switch(en->kill_switch_ud, engage, who, e);
    return tb_engine_kill_switch_default(en, engage, who, e);
}

static void audit(int engage, const char *who, int cancelled)
{
    char path[4096], ts[40];
    tb_err e;
    tb_jsonl *j =
        tb_jsonl_open(tb_home_path(path, sizeof path, "logs/control_audit_log.jsonl"), 1, &e);
    if (!j) {
        TB_ERROR("control", "control audit log: %s", e.msg);
        return;
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:i}", "t", tb_clock_fmt_utc(tb_clock_now_ns(), ts, 40),
                          "action", engage ? "kill_switch_engaged" : "kill_switch_released", "by",
                          who ? who : "", "orders_cancelled", cancelled);
    if (tb_jsonl_write(j, o, &e) != 0) TB_ERROR("control", "control audit log: %s", e.msg);
    json_decref(o);
    tb_jsonl_close(j);
}

int tb_engine_kill_switch_default(tb_engine *en, int engage, const char *who, tb_err *e)
{
    if (!en->runner_open || !en->runner.trader) return tb_errf(e, "no trader is running");
    tb_trader *t = en->runner.trader;
    char why[128];
    snprintf(why, sizeof why, "by %s", who ? who : "operator");
    tb_trader_set_halt(t, engage, why);
    int cancelled = engage ? tb_trader_cancel_all(t) : 0;
    if (engage)
        TB_WARN("control", "kill switch engaged %s: new orders blocked, %d open orders cancelled",
                why, cancelled);
    else
        TB_WARN("control", "kill switch released %s: new orders allowed", why);
    audit(engage, who, cancelled);
    return 0;
}
