/*
 * feedback.c - the controller's overlay and the Sentinel's directives, applied to the running
 * engine between two events (a poll timer on the loop).
 */
#include "loop/stall.h"
#include "engine/feedback.h"
#include "util/atomic.h"
#include "home/home.h"
#include "log/jsonl.h"
#include "log/log.h"
#include "util/clock.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FEEDBACK_PATH "data/sentinel_feedback.json"

struct tb_engine_feedback {
    struct event *timer;
    int64_t overlay_mtime, feedback_mtime;
    json_t *overlay; /* {"strategies": {...}} */
    json_t *paused;  /* {"SYM": true}: pause_symbol until resume_symbol or a restart */
};

static int64_t mtime_of(const char *rel)
{
    char path[4096];
    struct stat st;
    if (stat(tb_home_path(path, sizeof path, rel), &st) != 0) return 0;
    return (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

static const tb_strategy_cfg *cfg_of(tb_engine *en, const char *name)
{
    for (int i = 0; i < en->cfg.nstrategies; i++)
        if (en->cfg.strategies[i].name && strcmp(en->cfg.strategies[i].name, name) == 0)
            return &en->cfg.strategies[i];
    return NULL;
}

json_t *tb_engine_feedback_params(tb_engine *en, const tb_strategy_cfg *sc)
{
    struct tb_engine_feedback *fb = en->feedback;
    json_t *over =
        fb ? json_object_get(json_object_get(json_object_get(fb->overlay, "strategies"), sc->name),
                             "params")
           : NULL;
    if (!json_object_size(over)) return sc->params ? json_incref(sc->params) : NULL;
    json_t *p = sc->params ? json_deep_copy(sc->params) : json_object();
    json_object_update(p, over);
    return p;
}

/* Reloads every strategy whose params changed. */
static void reapply(tb_engine *en)
{
    for (int i = 0; i < en->shost.n; i++) {
        tb_strategy *s = en->shost.s[i];
        const tb_strategy_cfg *sc = cfg_of(en, s->name);
        if (!sc) continue;
        json_t *p = tb_engine_feedback_params(en, sc);
        if ((!p && !s->cfg_params) || (p && s->cfg_params && json_equal(p, s->cfg_params))) {
            json_decref(p);
            continue;
        }
        json_decref(s->cfg_params);
        s->cfg_params = p;
        tb_err e;
        if (tb_shost_reload_path(&en->shost, s->path, &e) < 0)
            TB_ERROR("control", "strategy %s: params not applied: %s", s->name, e.msg);
        else
            TB_INFO("control", "strategy params applied: strategy=%s source=%s", s->name,
                    TB_OVERLAY_PATH);
    }
}

static void append(const char *rel, json_t *line)
{
    char path[4096];
    tb_err e;
    if (!line) return;
    tb_jsonl *j = tb_jsonl_open(tb_home_path(path, sizeof path, rel), 1, &e);
    if (!j) return;
    tb_jsonl_write(j, line, &e);
    tb_jsonl_close(j);
}

/* An applied directive is an action in the control audit log and in the Sentinel's trail. */
static void audit(const char *action, json_t *d)
{
    char ts[40], msg[200];
    tb_clock_fmt_utc(tb_clock_now_ns(), ts, sizeof ts);
    json_t *o = json_pack("{s:s, s:s, s:s, s:O, s:O?}", "t", ts, "action", action, "by", "sentinel",
                          "directive", d, "id", json_object_get(d, "id"));
    append("logs/control_audit_log.jsonl", o);
    json_decref(o);
    snprintf(msg, sizeof msg, "%s applied by the engine",
             json_string_value(json_object_get(d, "type")));
    o = json_pack("{s:s, s:s, s:s, s:O, s:O?, s:s}", "t", ts, "kind", "action", "action",
                  "directive_applied", "directive", d, "severity", json_object_get(d, "severity"),
                  "message", msg);
    append("logs/sentinel_activity.jsonl", o);
    json_decref(o);
}

static int save_overlay(struct tb_engine_feedback *fb)
{
    char path[4096];
    tb_home_path(path, sizeof path, TB_OVERLAY_PATH);
    tb_err e;
    if (tb_atomic_write_json(path, fb->overlay, JSON_INDENT(2) | JSON_SORT_KEYS, TB_STATE_FILE_MODE,
                             &e) != 0) {
        TB_ERROR("sentinel", "cannot write: %s", e.msg);
        return -1;
    }
    fb->overlay_mtime = mtime_of(TB_OVERLAY_PATH);
    return 0;
}

static json_t *overlay_params(struct tb_engine_feedback *fb, const char *name)
{
    json_t *all = json_object_get(fb->overlay, "strategies"), *s, *p;
    if (!json_is_object(all)) json_object_set_new(fb->overlay, "strategies", all = json_object());
    if (!json_is_object(s = json_object_get(all, name)))
        json_object_set_new(all, name, s = json_object());
    if (!json_is_object(p = json_object_get(s, "params")))
        json_object_set_new(s, "params", p = json_object());
    return p;
}

/* The strategy's current qty (its ctx.params as built at the last load). */
static double current_qty(tb_strategy *s)
{
    lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->ref_params);
    lua_getfield(s->L, -1, "qty");
    double q = lua_isnumber(s->L, -1) ? lua_tonumber(s->L, -1) : NAN;
    lua_pop(s->L, 2);
    return q;
}

static void apply_one(tb_engine *en, json_t *d)
{
    struct tb_engine_feedback *fb = en->feedback;
    const char *type = json_string_value(json_object_get(d, "type"));
    const char *strat = json_string_value(json_object_get(d, "strategy"));
    const char *id = json_string_value(json_object_get(d, "id"));
    const char *sym = json_string_value(json_object_get(d, "symbol"));
    if (strcmp(type, "Strategic Reset") == 0) {
        tb_strategy *s = strat ? tb_shost_find(&en->shost, strat) : NULL;
        if (!s) {
            TB_WARN("sentinel", "directive %s: Strategic Reset: no strategy %s", id,
                    strat ? strat : "(none)");
            return;
        }
        json_object_del(json_object_get(fb->overlay, "strategies"), strat);
        save_overlay(fb);
        reapply(en);
        json_t *empty = json_object();
        tb_shost_state_set(s, empty);
        json_decref(empty);
        TB_INFO("sentinel",
                "directive applied: id=%s type=Strategic Reset strategy=%s (params back to "
                "defaults, state cleared)",
                id, strat);
    } else if (strcmp(type, "reduce_size") == 0) {
        double factor = json_number_value(json_object_get(d, "factor"));
        if (!(factor > 0 && factor < 1)) factor = 0.5;
        for (int i = 0; i < en->shost.n; i++) {
            tb_strategy *s = en->shost.s[i];
            double q = current_qty(s);
            if ((strat && strcmp(strat, s->name) != 0) || !isfinite(q)) continue;
            json_object_set_new(overlay_params(fb, s->name), "qty",
                                json_integer((json_int_t)fmax(1, floor(q * factor))));
        }
        save_overlay(fb);
        reapply(en);
        TB_INFO("sentinel", "directive applied: id=%s type=reduce_size factor=%.2f strategy=%s", id,
                factor, strat ? strat : "all");
    } else if ((strcmp(type, "pause_symbol") == 0 || strcmp(type, "resume_symbol") == 0) && sym) {
        int pause = type[0] == 'p';
        json_object_set_new(fb->paused, sym, json_boolean(pause));
        TB_INFO("sentinel", "directive applied: id=%s type=%s symbol=%s", id, type, sym);
    } else {
        TB_WARN("sentinel", "directive %s: type %s is not supported (symbol=%s): ignored", id, type,
                sym ? sym : "-");
        return;
    }
    audit("sentinel_directive_applied", d);
}

static void apply_feedback(tb_engine *en)
{
    char path[4096];
    json_t *root = json_load_file(tb_home_path(path, sizeof path, FEEDBACK_PATH), 0, NULL);
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(root, "directives"), i, d)
    {
        const char *id = json_string_value(json_object_get(d, "id"));
        if (!id || !json_is_string(json_object_get(d, "type"))) continue;
        char key[160];
        tb_err e;
        snprintf(key, sizeof key, "sentinel_directive:%s", id);
        char *done = en->kv ? tb_kv_get(en->kv, key, &e) : NULL;
        if (done) {
            free(done);
            continue;
        }
        apply_one(en, d);
        if (en->kv) tb_kv_set(en->kv, key, "applied", &e);
    }
    json_decref(root);
}

static void load_overlay(tb_engine *en)
{
    struct tb_engine_feedback *fb = en->feedback;
    char path[4096];
    json_error_t je;
    json_t *o = json_load_file(tb_home_path(path, sizeof path, TB_OVERLAY_PATH), 0, &je);
    if (!o && mtime_of(TB_OVERLAY_PATH)) {
        TB_ERROR("control", "%s:%d: %s (keeping the previous params)", TB_OVERLAY_PATH, je.line,
                 je.text);
        return;
    }
    json_decref(fb->overlay);
    fb->overlay = json_is_object(o) ? o : json_object();
    if (o && !json_is_object(o)) json_decref(o);
    reapply(en);
}

static void on_poll(evutil_socket_t fd, short what, void *ud)
{
    tb_work_begin(TB_WORK_RELOAD, "feedback and overlay poll", NULL);
    tb_engine *en = ud;
    struct tb_engine_feedback *fb = en->feedback;
    int64_t m = mtime_of(TB_OVERLAY_PATH);
    if (m != fb->overlay_mtime) {
        fb->overlay_mtime = m;
        load_overlay(en);
    }
    m = mtime_of(FEEDBACK_PATH);
    if (m != fb->feedback_mtime) {
        fb->feedback_mtime = m;
        apply_feedback(en);
    }
    tb_work_end();
}

int tb_engine_feedback_open(tb_engine *en, tb_err *e)
{
    struct tb_engine_feedback *fb = calloc(1, sizeof *fb);
    if (!fb) return tb_errf(e, "feedback: out of memory");
    en->feedback = fb;
    fb->overlay = json_object();
    fb->paused = json_object();
    fb->overlay_mtime = mtime_of(TB_OVERLAY_PATH);
    load_overlay(en);
    /* Directives already in the file at start are applied too (each once, by id). */
    fb->feedback_mtime = -1;
    fb->timer = event_new(tb_loop_base(en->loop), -1, EV_PERSIST, on_poll, en);
    struct timeval tv = {1, 0};
    if (!fb->timer || event_add(fb->timer, &tv) != 0)
        return tb_errf(e, "feedback: cannot add the poll timer");
    return 0;
}

void tb_engine_feedback_close(tb_engine *en)
{
    struct tb_engine_feedback *fb = en->feedback;
    if (!fb) return;
    if (fb->timer) event_free(fb->timer);
    json_decref(fb->overlay);
    json_decref(fb->paused);
    free(fb);
    en->feedback = NULL;
}

int tb_engine_feedback_gate(void *ud, const tb_gate_ctx *cx, const oms_intent *in, char *gate,
                            size_t gate_len, char *reason, size_t reason_len)
{
    tb_engine *en = ud;
    if (en->feedback && json_is_true(json_object_get(en->feedback->paused, in->symbol))) {
        /* Exits pass, counting working orders: a paused symbol takes no new exposure. */
        if (!oms_intent_reduces(cx->oms, NULL, in)) {
            snprintf(gate, gate_len, "sentinel_pause");
            snprintf(reason, reason_len, "%s is paused by a Sentinel directive", in->symbol);
            return 1;
        }
    }
    return 0;
}
