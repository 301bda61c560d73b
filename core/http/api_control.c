/*
 * api_control.c - the API's state-changing endpoints (the router has checked the token):
 * the kill switch, and approving, rejecting and rolling back a Healer directive. Each leaves a
 * line in logs/control_audit_log.jsonl (the Healer's also a healer_audit row in the DB).
 */
#include "http/dash_priv.h"
#include "healer/healer.h"
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

/* 404 for an unknown directive, 409 for one in the wrong state, 500 otherwise. */
static int healer_code(const char *msg)
{
    if (strncmp(msg, "no directive", 12) == 0) return 404;
    if (strstr(msg, "nothing to") || strstr(msg, "not the last promotion") ||
        strstr(msg, "no promotion") || strstr(msg, "is not merged"))
        return 409;
    return 500;
}

/* The Healer's approval (core/healer/promote.c): an Executed directive's branch is merged into
 * the home's checkout (after the boundary check of its whole diff), which the engine
 * hot-reloads; a Queued one runs at the next healer run. The merge is a few short git
 * commands, run here on the loop. Audited by hl_approve. */
void tb_api_post_healer_approve(const tb_http_req *q)
{
    const char *id = q->tail;
    json_t *dir = NULL;
    tb_err e;
    if (hl_approve(id, "dashboard", &dir, &e) != 0) {
        tb_http_reply_error(q->r, healer_code(e.msg), e.msg);
        return;
    }
    tb_http_reply_json(q->r, 200, json_pack("{s:s, s:o}", "approved", id, "directive", dir));
}

/* Rejects a directive (its branch deleted). Audited by hl_reject. */
void tb_api_post_healer_reject(const tb_http_req *q)
{
    tb_err e;
    if (hl_reject(q->tail, "dashboard", &e) != 0) {
        tb_http_reply_error(q->r, healer_code(e.msg), e.msg);
        return;
    }
    tb_http_reply_json(q->r, 200, json_pack("{s:s}", "rejected", q->tail));
}

/* Rolls back a promotion: only the last one, named by its id (the row the button is on). */
void tb_api_post_healer_rollback(const tb_http_req *q)
{
    json_t *dir = NULL;
    tb_err e;
    if (hl_rollback(q->tail, "dashboard", &dir, &e) != 0) {
        tb_http_reply_error(q->r, healer_code(e.msg), e.msg);
        return;
    }
    tb_http_reply_json(q->r, 200,
                       json_pack("{s:s, s:o}", "rolled_back", q->tail, "directive", dir));
}
