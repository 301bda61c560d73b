#include "cli/bt_macro.h"
#include "home/home.h"
#include "risk/macro.h"
#include "util/clock.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static void set_state(tb_bt_macro *m, double vix, const char *date)
{
    tb_macro s = {.vix = vix, .time_ns = tb_clock_now_ns(), .valid = 1};
    s.survival = vix >= m->threshold;
    snprintf(s.vix_date, sizeof s.vix_date, "%s", date);
    snprintf(s.source, sizeof s.source, "%s", m->source);
    tb_risk_set_macro(m->risk, &s);
}

static int load_series(tb_bt_macro *m, const tb_config *cfg, const tb_runner_opts *ro, tb_err *e)
{
    const char *src = cfg->risk.survival.source;
    if (strcmp(src, "csv") == 0 && cfg->risk.survival.csv && *cfg->risk.survival.csv) {
        char path[PATH_MAX];
        const char *csv = cfg->risk.survival.csv;
        if (csv[0] != '/') csv = tb_home_path(path, sizeof path, csv);
        snprintf(m->source, sizeof m->source, "csv:%s", cfg->risk.survival.csv);
        return tb_vix_history_csv(csv, &m->h, e) == 0 ? 1 : -1;
    }
    if (strcmp(src, "sample") == 0 && !ro->data_dir) {
        tb_sample_cfg sc;
        snprintf(m->source, sizeof m->source, "sample");
        if (tb_runner_sample_cfg(ro, &sc, e) != 0 || tb_vix_history_sample(&sc, &m->h, e) != 0)
            return -1;
        return 1;
    }
    return 0; /* no series for this run */
}

int tb_bt_macro_open(tb_bt_macro *m, const tb_config *cfg, const tb_runner_opts *ro, tb_risk *risk,
                     tb_err *e)
{
    m->risk = risk;
    m->threshold = cfg->risk.survival.vix_threshold;
    int rc = load_series(m, cfg, ro, e);
    if (rc < 0) return -1;
    m->per_session = rc == 1;
    if (m->per_session) return 0;
    tb_macro now;
    tb_err why;
    if (tb_macro_compute(cfg, &now, &why) != 0) { /* the stale fail-safe decides, visibly */
        snprintf(m->source, sizeof m->source, "no VIX: %.80s", why.msg);
        return 0;
    }
    snprintf(m->source, sizeof m->source, "%s (today's state for every session)", now.source);
    tb_risk_set_macro(risk, &now);
    return 0;
}

void tb_bt_macro_session(void *ud, tb_date d)
{
    tb_bt_macro *m = ud;
    m->sessions++;
    if (m->per_session) {
        double vix;
        tb_date asof;
        char ds[16];
        tb_cal cal;
        tb_cal_init(&cal);
        /* No VIX known before this session, or only one from long before (a history that ends
         * early): the state is invalid and the stale fail-safe decides, as it would live. */
        if (tb_vix_history_at(&m->h, d, &vix, &asof) != 0 ||
            tb_cal_business_days_between(&cal, asof, d) > TB_BT_VIX_MAX_AGE_DAYS) {
            tb_risk_set_macro(m->risk, &(tb_macro){0});
            m->missing++;
        } else {
            set_state(m, vix, tb_date_fmt(asof, ds, sizeof ds));
        }
    }
    tb_macro s;
    int survival, stale;
    tb_risk_macro_get(m->risk, &s, &survival, &stale);
    m->survival_sessions += survival;
}

json_t *tb_bt_macro_json(const tb_bt_macro *m)
{
    return json_pack("{s:s, s:b, s:i, s:i, s:i, s:f}", "source", m->source, "per_session",
                     m->per_session, "sessions", m->sessions, "survival_sessions",
                     m->survival_sessions, "sessions_without_vix", m->missing, "threshold",
                     m->threshold);
}

void tb_bt_macro_print(const tb_bt_macro *m, FILE *f)
{
    fprintf(f, "%-18s %d of %d sessions (VIX >= %.0f; %s%s)\n", "survival mode",
            m->survival_sessions, m->sessions, m->threshold, m->source,
            m->per_session ? ", each session's previous close" : "");
    if (m->missing)
        fprintf(f, "%-18s %d sessions the VIX series does not cover: the stale fail-safe applied\n",
                "", m->missing);
}

void tb_bt_macro_close(tb_bt_macro *m)
{
    tb_vix_history_free(&m->h);
}
