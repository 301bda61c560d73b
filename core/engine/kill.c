/*
 * kill.c - the kill switch: the operator's "stop trading now", from the dashboard (or the REPL).
 */
#include "engine/engine.h"
#include "home/home.h"
#include "log/log.h"
#include "risk/gates.h"
#include "util/clock.h"

#include <stdio.h>

static void audit(int engage, const char *who, int cancelled);

int tb_engine_kill_switch(tb_engine *en, int engage, const char *who, tb_err *e)
{
    if (!en->kill_switch) return tb_engine_kill_switch_default(en, engage, who, e);
    if (en->kill_switch(en->kill_switch_ud, engage, who, e) != 0) return -1;
    audit(engage, who, -1); /* the hook cancels and confirms on its own (risk gate) */
    return 0;
}

int tb_engine_kill_engaged(tb_engine *en, char *why, size_t len)
{
    if (en->risk) {
        tb_risk_kill_state k;
        tb_risk_kill_get(en->risk, &k);
        snprintf(why, len, "%s%s%s", k.reason, k.who[0] ? " by " : "", k.who);
        return k.engaged;
    }
    const char *w = "";
    int halted = en->runner_open && en->runner.trader ? tb_trader_halted(en->runner.trader, &w) : 0;
    snprintf(why, len, "%s", w);
    return halted;
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
    json_t *o =
        json_pack("{s:s, s:s, s:s}", "t", tb_clock_fmt_utc(tb_clock_now_ns(), ts, 40), "action",
                  engage ? "kill_switch_engaged" : "kill_switch_released", "by", who ? who : "");
    if (cancelled >= 0) json_object_set_new(o, "orders_cancelled", json_integer(cancelled));
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
