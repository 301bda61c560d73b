/*
 * survival.c - survival mode: with the VIX at or above the threshold (40) no new entries; exits
 * always pass. The macro state comes from data/macro.json (`tradebot macro --force` writes it),
 * re-read when its mtime changes; a state older than max_age_hours, or none, is stale and the
 * configured fail-safe applies (default: survival), as the original's runbook 4.5 expects.
 */
#include "risk/macro.h"
#include "risk/risk_priv.h"
#include "log/log.h"
#include "util/clock.h"

#include <math.h>
#include <stdio.h>
#include <sys/stat.h>

void tb_risk_set_macro(tb_risk *r, const tb_macro *m)
{
    r->macro = *m;
    r->macro_stale_logged = 0;
}

static int is_stale(const tb_risk *r)
{
    if (!r->macro.valid) return 1;
    double age_h = (double)(tb_clock_now_ns() - r->macro.time_ns) / 3600e9;
    return age_h > r->cfg.survival.max_age_hours;
}

void tb_risk_macro_get(const tb_risk *r, tb_macro *out, int *survival_now, int *stale)
{
    *out = r->macro;
    *stale = is_stale(r);
    *survival_now = *stale ? r->cfg.survival.stale_is_survival
                           : r->macro.survival || r->macro.vix >= r->cfg.survival.vix_threshold;
}

void risk_survival_poll(tb_risk *r, int force)
{
    struct stat st;
    if (stat(r->macro_path, &st) != 0) {
        if (force)
            TB_WARN("risk", "no macro state (%s): the stale fail-safe applies", r->macro_path);
        return;
    }
    int64_t mt = risk_mtime(r->macro_path);
    if (!force && mt == r->macro_mtime) return;
    r->macro_mtime = mt;
    tb_macro m;
    tb_err e;
    if (tb_macro_read(r->macro_path, &m, &e) != 0) {
        TB_ERROR("risk", "macro state not applied: %s", e.msg);
        return;
    }
    tb_risk_set_macro(r, &m);
    TB_INFO("risk", "macro state loaded: vix=%.2f date=%s source=%s survival=%s", m.vix, m.vix_date,
            m.source, m.vix >= r->cfg.survival.vix_threshold ? "on" : "off");
}

int risk_survival_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why, size_t n)
{
    if (o->reduces) return 0;
    int stale = is_stale(r);
    if (stale) {
        if (!r->macro_stale_logged)
            TB_WARN("risk", "macro state is stale (%s): %s", r->macro.valid ? "too old" : "none",
                    r->cfg.survival.stale_is_survival ? "treating as survival mode"
                                                      : "ignoring it");
        r->macro_stale_logged = 1;
        if (!r->cfg.survival.stale_is_survival) return 0;
        snprintf(why, n, "Survival Mode: macro state is stale (run `tradebot macro --force`)");
        return 1;
    }
    if (!r->macro.survival && r->macro.vix < r->cfg.survival.vix_threshold) return 0;
    snprintf(why, n, "Survival Mode: VIX %.2f >= %.0f", r->macro.vix,
             r->cfg.survival.vix_threshold);
    return 1;
}
