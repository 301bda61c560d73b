#include "risk/macro.h"
#include "util/atomic.h"
#include "risk/vix_history.h"
#include "log/log.h"
#include "data/sample_gen.h"
#include "home/home.h"
#include "util/clock.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int parse_utc(const char *s, int64_t *out)
{
    struct tm tm = {0};
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = (int64_t)timegm(&tm) * 1000000000LL;
    return 0;
}

int tb_macro_read(const char *path, tb_macro *out, tb_err *e)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) return tb_errf(e, "%s: invalid JSON at line %d: %s", path, je.line, je.text);
    json_t *vix = json_object_get(j, "vix");
    const char *src = json_string_value(json_object_get(j, "source"));
    const char *date = json_string_value(json_object_get(j, "vix_date"));
    int rc = 0;
    if (!json_is_number(vix) || !isfinite(json_number_value(vix)) || json_number_value(vix) < 0 ||
        json_number_value(vix) > 1000)
        rc = tb_errf(e, "%s: \"vix\" must be a number from 0 to 1000", path);
    else if (parse_utc(json_string_value(json_object_get(j, "time")), &out->time_ns) != 0)
        rc = tb_errf(e, "%s: \"time\" must be YYYY-MM-DDTHH:MM:SSZ", path);
    if (rc == 0) {
        out->vix = json_number_value(vix);
        out->survival = json_is_true(json_object_get(j, "survival"));
        snprintf(out->source, sizeof out->source, "%s", src ? src : "?");
        snprintf(out->vix_date, sizeof out->vix_date, "%s", date ? date : "");
        out->valid = 1;
    }
    json_decref(j);
    return rc;
}

int tb_macro_write(const char *path, const tb_macro *m, double threshold, tb_err *e)
{
    char ts[40];
    json_t *j = json_pack("{s:f, s:s, s:s, s:b, s:f, s:s}", "vix", m->vix, "vix_date", m->vix_date,
                          "source", m->source, "survival", m->survival, "threshold", threshold,
                          "time", tb_clock_fmt_utc(m->time_ns, ts, sizeof ts));
    int rc = tb_atomic_write_json(path, j, JSON_INDENT(2) | JSON_REAL_PRECISION(6),
                                  TB_STATE_FILE_MODE, e);
    json_decref(j);
    return rc;
}

/* The latest day of a history: its close and date. */
static int latest(tb_vix_history *h, int rc, double *vix, char *date, size_t dlen)
{
    if (rc == 0) {
        *vix = h->v[h->n - 1].close;
        tb_date_fmt(h->v[h->n - 1].date, date, dlen);
    }
    tb_vix_history_free(h);
    return rc;
}

/* The embedded default: the daily VIX of the sample data the replay plays (same knobs). */
static int vix_sample(const tb_config *c, double *vix, char *date, size_t dlen, tb_err *e)
{
    tb_sample_cfg sc;
    tb_sample_defaults(&sc);
    sc.seed = (uint64_t)c->replay.seed;
    sc.days = (int)c->replay.days;
    sc.nsymbols = (int)c->replay.symbols;
    if (c->replay.start && *c->replay.start && tb_date_parse(c->replay.start, &sc.start, e) != 0)
        return -1;
    tb_vix_history h = {0};
    int rc = tb_vix_history_sample(&sc, &h, e);
    if (rc == 0 && h.n == 0) rc = tb_errf(e, "the sample data has no VIX series");
    return latest(&h, rc, vix, date, dlen);
}

/* Cboe's VIX_History.csv (DATE,OPEN,HIGH,LOW,CLOSE with MM/DD/YYYY) or date,close. */
static int vix_csv(const char *path, double *vix, char *date, size_t dlen, tb_err *e)
{
    tb_vix_history h = {0};
    return latest(&h, tb_vix_history_csv(path, &h, e), vix, date, dlen);
}

int tb_macro_fetch_vix(const tb_config *c, double *vix, char *date, size_t date_len, char *source,
                       size_t source_len, tb_err *e)
{
    const char *src = c->risk.survival.source;
    if (strcmp(src, "csv") == 0) {
        snprintf(source, source_len, "csv:%s", c->risk.survival.csv);
        if (!*c->risk.survival.csv) return tb_errf(e, "risk.survival.csv: no file configured");
        char path[4096];
        const char *csv = c->risk.survival.csv;
        if (csv[0] != '/') csv = tb_home_path(path, sizeof path, csv); /* relative to home */
        return vix_csv(csv, vix, date, date_len, e);
    }
    if (strcmp(src, "polygon") == 0) {
        if (tb_macro_vix_polygon(c, vix, date, date_len, e) == 0) {
            snprintf(source, source_len, "polygon:I:VIX");
            return 0;
        }
        /* The vendor's answer is out of reach (no indices on the plan, no key, no network): the
         * configured fallback says what the VIX is, and the source says it was a fallback. */
        TB_WARN("risk", "VIX from polygon unavailable (%s): falling back to %s", e->msg,
                *c->risk.survival.csv ? "the configured csv" : "the sample series");
        if (*c->risk.survival.csv) {
            char path[4096];
            const char *csv = c->risk.survival.csv;
            if (csv[0] != '/') csv = tb_home_path(path, sizeof path, csv);
            snprintf(source, source_len, "csv:%s (polygon unavailable)", c->risk.survival.csv);
            return vix_csv(csv, vix, date, date_len, e);
        }
        snprintf(source, source_len, "sample (polygon unavailable)");
        return vix_sample(c, vix, date, date_len, e);
    }
    snprintf(source, source_len, "sample");
    return vix_sample(c, vix, date, date_len, e);
}

int tb_macro_compute(const tb_config *c, tb_macro *out, tb_err *e)
{
    memset(out, 0, sizeof *out);
    if (tb_macro_fetch_vix(c, &out->vix, out->vix_date, sizeof out->vix_date, out->source,
                           sizeof out->source, e) != 0)
        return -1;
    out->time_ns = tb_clock_now_ns();
    out->survival = out->vix >= c->risk.survival.vix_threshold;
    out->valid = 1;
    return 0;
}
