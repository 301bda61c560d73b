/*
 * api_control.c - the API's state-changing endpoints (the router has checked the token):
 * the kill switch, and approving a Healer directive. Both leave a line in
 * logs/control_audit_log.jsonl.
 */
#include "http/dash_priv.h"
#include "home/home.h"
#include "log/jsonl.h"
#include "log/log.h"
#include "util/clock.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <string.h>

/* The JSON body of a POST, or NULL when empty or not JSON. */
static json_t *body_json(struct evhttp_request *r)
{
    struct evbuffer *b = evhttp_request_get_input_buffer(r);
    size_t n = evbuffer_get_length(b);
    if (!n) return NULL;
    return json_loadb((const char *)evbuffer_pullup(b, -1), n, 0, NULL);
}

void tb_api_post_kill_switch(const tb_http_req *q)
{
    tb_dashboard *d = q->ud;
    json_t *body = body_json(q->r);
    json_t *eng = json_object_get(body, "engage");
    int engage = eng ? json_is_true(eng) : 1;
    json_decref(body);
    tb_err e;
    if (tb_engine_kill_switch(d->en, engage, "dashboard", &e) != 0) {
        tb_http_reply_error(q->r, 409, e.msg);
        return;
    }
    char why[200];
    int engaged = tb_engine_kill_engaged(d->en, why, sizeof why);
    tb_http_reply_json(q->r, 200, json_pack("{s:b, s:s}", "engaged", engaged, "reason", why));
}

static int id_matches(json_t *dir, const char *id)
{
    json_t *v = json_object_get(dir, "id");
    char buf[64];
    if (json_is_string(v)) return strcmp(json_string_value(v), id) == 0;
    if (json_is_integer(v)) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        return strcmp(buf, id) == 0;
    }
    return 0;
}

static void audit(const char *id)
{
    char path[4096], ts[40];
    tb_err e;
    tb_jsonl *j =
        tb_jsonl_open(tb_home_path(path, sizeof path, "logs/control_audit_log.jsonl"), 1, &e);
    if (!j) return;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "t", tb_clock_fmt_utc(tb_clock_now_ns(), ts, 40),
                          "action", "healer_directive_approved", "by", "dashboard", "id", id);
    tb_jsonl_write(j, o, &e);
    json_decref(o);
    tb_jsonl_close(j);
}

/* Marks the directive approved; the Healer executes approved directives on its next cycle. */
void tb_api_post_healer_approve(const tb_http_req *q)
{
    const char *id = q->tail;
    json_t *root = NULL, *list = tb_api_load_directives(&root), *dir = NULL;
    for (size_t i = 0; list && i < json_array_size(list) && !dir; i++)
        if (id_matches(json_array_get(list, i), id)) dir = json_array_get(list, i);
    if (!dir) {
        json_decref(root);
        tb_http_reply_error(q->r, 404, "no such directive");
        return;
    }
    const char *status = json_string_value(json_object_get(dir, "status"));
    if (status && (strcmp(status, "executed") == 0 || strcmp(status, "failed") == 0)) {
        json_decref(root);
        tb_http_reply_error(q->r, 409, "the directive has already run");
        return;
    }
    char ts[40], path[4096], tmp[4200];
    json_object_set_new(dir, "status", json_string("approved"));
    json_object_set_new(dir, "approved_at",
                        json_string(tb_clock_fmt_utc(tb_clock_now_ns(), ts, 40)));
    json_object_set_new(dir, "approved_by", json_string("dashboard"));
    tb_home_path(path, sizeof path, "data/healer_active_directives.json");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    /* write then rename: the Healer never reads a half-written file */
    if (json_dump_file(root, tmp, JSON_INDENT(2)) != 0 || rename(tmp, path) != 0) {
        json_decref(root);
        tb_http_reply_error(q->r, 500, "cannot write data/healer_active_directives.json");
        return;
    }
    TB_INFO("control", "healer directive approved: id=%s by=dashboard", id);
    audit(id);
    tb_http_reply_json(q->r, 200, json_pack("{s:s, s:O}", "approved", id, "directive", dir));
    json_decref(root);
}
