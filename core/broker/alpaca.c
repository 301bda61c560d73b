#include "broker/alpaca_priv.h"
#include "log/log.h"
#include "log/redact.h"
#include "util/clock.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- requests ------------------------------------------------------------------------------- */

alp_req *alp_req_new(alpaca *a, rq_kind kind, const char *client_id)
{
    alp_req *q = calloc(1, sizeof *q);
    if (!q) return NULL;
    q->a = a;
    q->kind = kind;
    if (client_id) oms_strlcpy(q->client_id, client_id, sizeof q->client_id);
    return q;
}

int alp_req_pending(const alpaca *a, const char *cid, int (*match)(const alp_req *q))
{
    for (const alp_req *q = a->reqs; q; q = q->next)
        if (match(q) && strcmp(q->client_id, cid) == 0) return 1;
    return 0;
}

static void req_unlink_free(alp_req *q)
{
    alpaca *a = q->a;
    if (q->prev)
        q->prev->next = q->next;
    else if (a->reqs == q)
        a->reqs = q->next;
    if (q->next) q->next->prev = q->prev;
    free(q->body);
    free(q);
}

static void on_http(void *ud, const tb_httpc_resp *r)
{
    alp_req *q = ud;
    q->on_done(q, r);
    req_unlink_free(q);
}

int alp_request(alpaca *a, alp_req *q, const char *method, const char *path, const char *body,
                tb_httpc_retry retry, tb_err *e)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", a->base_url, path);
    const char *hdrs[] = {a->hdr_key, a->hdr_secret, "Accept: application/json"};
    tb_httpc_req r = {
        .method = method, .url = url, .headers = hdrs, .nheaders = 3, .body = body, .retry = retry};
    q->next = a->reqs;
    if (a->reqs) a->reqs->prev = q;
    a->reqs = q;
    if (tb_httpc_request(a->http, &r, on_http, q, e) != 0) {
        req_unlink_free(q);
        return -1;
    }
    return 0;
}

void alp_error_text(const tb_httpc_resp *r, char *out, size_t cap)
{
    json_t *j = r->len ? json_loadb(r->body, r->len, 0, NULL) : NULL;
    const char *m = json_string_value(json_object_get(j, "message"));
    if (m)
        snprintf(out, cap, "%ld %s", r->status, m);
    else if (r->status)
        snprintf(out, cap, "%ld %s", r->status, tb_httpc_reason(r->status));
    else
        snprintf(out, cap, "%s", r->error ? r->error : "no response");
    json_decref(j);
}

void alp_auth_failed(alpaca *a, const tb_httpc_resp *r)
{
    a->st.auth_failures++;
    if (a->state != BROKER_DISCONNECTED)
        TB_ERROR("alpaca", "%ld %s: marking the broker disconnected (check the API keys)",
                 r->status, tb_httpc_reason(r->status));
    a->state = BROKER_DISCONNECTED;
}

/* ---- applying broker state ------------------------------------------------------------------ */

void alp_leg_remember(alpaca *a, const char *broker_id, const char *client_id)
{
    int i = a->nlegs_next++ % ALP_LEGMAP;
    oms_strlcpy(a->legs[i].broker_id, broker_id, sizeof a->legs[i].broker_id);
    oms_strlcpy(a->legs[i].client_id, client_id, sizeof a->legs[i].client_id);
}

static const char *leg_client_id(const alpaca *a, const char *broker_id)
{
    for (int i = 0; i < ALP_LEGMAP; i++)
        if (a->legs[i].broker_id[0] && strcmp(a->legs[i].broker_id, broker_id) == 0)
            return a->legs[i].client_id;
    return NULL;
}

const oms_order *alp_held(alpaca *a, const alp_order *o)
{
    const oms_order *mine = oms_find(a->o.oms, o->client_order_id);
    const char *cid;
    if (!mine && (cid = leg_client_id(a, o->id))) mine = oms_find(a->o.oms, cid);
    return mine;
}

/* The execution that takes our order from what we hold (applied, plus executions held behind a
 * locked database: they are applied later, in order, before this one) to the broker's cumulative
 * figures. A stream fill whose own qty is that difference keeps its id and price. */
static int exec_from_cum(tb_qty have_qty, tb_money have_notional, const alp_order *o, tb_qty ex_qty,
                         tb_money ex_price, tb_qty *qty, tb_money *price)
{
    *qty = o->filled_qty - have_qty;
    if (*qty <= 0) return 0;
    if (ex_qty == *qty && ex_price > 0) {
        *price = ex_price;
        return 1;
    }
    tb_money total;
    tb_err e;
    if (tb_money_mul_qty(o->filled_avg_price, o->filled_qty, &total, &e) != 0) return -1;
    *price = tb_money_round_to((total - have_notional) / *qty, 100);
    if (*price <= 0) *price = o->filled_avg_price;
    return *price > 0 ? 1 : -1;
}

/* Our cancel is under way at Alpaca and the order still shows a working status (its poll, the
 * watchdog, a reconciliation, a stream event before the cancel's): it stays pending_cancel, or
 * the order manager would take it for "the cancel never arrived" and whoever cancels working
 * orders (kill switch, cancel-all) would send a second DELETE. An execution keeps it anyway
 * (order manager); a rejected cancel (order_cancel_rejected) lets the order work on. A cancel
 * refused without that stream event shows only as the order working on: it then stays
 * pending_cancel until the hold ends (ALP_CANCEL_HOLD_NS), skipped meanwhile by the kill switch
 * and cancel-all (a known limit, up to 30 s). */
static void keep_pending_cancel(alpaca *a, const oms_order *mine, broker_update *u)
{
    if (u->reason && strcmp(u->reason, "order_cancel_rejected") == 0) {
        alp_cancel_rejected(a, mine->client_id);
        return;
    }
    if (mine->status == OMS_ST_PENDING_CANCEL && !u->has_exec && /* an execution keeps it */
        (u->status == OMS_ST_ACCEPTED || u->status == OMS_ST_PARTIALLY_FILLED) &&
        alp_cancel_under_way(a, mine->client_id, u->t_ns))
        u->status = OMS_ST_PENDING_CANCEL;
}

void alp_apply(alpaca *a, const alp_order *o, const char *exec_id, tb_qty ex_qty, tb_money ex_price,
               const char *reason)
{
    const oms_order *mine = alp_held(a, o);
    if (!mine && (a->quiet_apply || !reconcile_is_ours(o->client_order_id))) {
        /* Another client's order, or one with our prefix in the reconciliation's list (which
         * flags it when it still works there: alpaca_sync.c). */
        TB_DEBUG("alpaca", "order %s (%s) is not held here: ignored", o->id, o->client_order_id);
        return;
    }
    if (!mine) { /* our id, but the order manager does not hold it: refused, logged, counted */
        broker_update u = {.client_id = o->client_order_id,
                           .broker_id = o->id,
                           .status = o->status,
                           .has_exec = exec_id != NULL,
                           .exec_id = exec_id,
                           .exec_qty = ex_qty,
                           .exec_price = ex_price,
                           .t_ns = tb_clock_now_ns()};
        if (a->fn) a->fn(a->ud, &u);
        return;
    }
    if (!a->quiet_apply) alp_heard(a, mine->client_id, tb_clock_now_ns());
    alp_unknown_adopt(a, mine, o);
    broker_update u = {.client_id = mine->client_id,
                       .broker_id = o->id,
                       .status = o->status,
                       .reason = reason,
                       .cum_qty = o->filled_qty,
                       .avg_price = o->filled_avg_price,
                       .t_ns = tb_clock_now_ns(),
                       .exec_t_ns = o->exec_at_ns};
    /* Given up at its unknown-outcome deadline: whatever end the broker reports (our cancel),
     * it stays expired here; its fills still count. */
    if (mine->status == OMS_ST_EXPIRED && oms_status_is_terminal(o->status))
        u.status = OMS_ST_EXPIRED;
    tb_qty q, have_qty;
    tb_money px, have_notional;
    if (oms_filled_with_held(a->o.oms, mine->client_id, &have_qty, &have_notional) != 0)
        have_qty = mine->filled_qty, have_notional = mine->filled_notional;
    int has = exec_from_cum(have_qty, have_notional, o, ex_qty, ex_price, &q, &px);
    char synth[OMS_EXEC_ID_MAX + 1];
    if (has > 0) {
        u.has_exec = 1;
        u.exec_qty = q;
        u.exec_price = px;
        if (exec_id && exec_id[0] && q == ex_qty) {
            u.exec_id = exec_id;
        } else {
            /* Deterministic, so a replay of the same cumulative state is recognised. */
            snprintf(synth, sizeof synth, "alp-%.40s-%lld", o->id, (long long)o->filled_qty);
            u.exec_id = synth;
        }
    } else if (has < 0) {
        TB_WARN("alpaca", "order %s: cannot derive the fill price from cumulative figures",
                mine->client_id);
    }
    keep_pending_cancel(a, mine, &u);
    if (a->fn) a->fn(a->ud, &u);
}

/* ---- connection ----------------------------------------------------------------------------- */

static void connect_account(alpaca *a);

static void on_connect_timer(evutil_socket_t fd, short w, void *arg)
{
    connect_account(arg);
}

static void on_account(alp_req *q, const tb_httpc_resp *r)
{
    alpaca *a = q->a;
    tb_err e;
    if (r->status == 200 && alp_parse_account(r->body, r->len, &a->acct, &e) == 0) {
        if (a->state == BROKER_CONNECTING) {
            TB_INFO("alpaca", "connected to %s: reconciling before trading", a->base_url);
            a->state = BROKER_SYNCING;
            if (a->o.stream_url && a->o.stream_url[0] && !a->ws && alp_stream_start(a, &e) != 0)
                TB_ERROR("alpaca", "trade_updates stream: %s", e.msg);
            alp_sync_start(a);
        }
        return;
    }
    if (r->status == 401 || r->status == 403) {
        alp_auth_failed(a, r);
        return;
    }
    char why[200];
    alp_error_text(r, why, sizeof why);
    TB_WARN("alpaca", "account request failed (%s): connecting again in 5 s", why);
    struct timeval tv = {5, 0};
    evtimer_add(a->connect_timer, &tv);
}

static void connect_account(alpaca *a)
{
    alp_req *q = alp_req_new(a, RQ_SYNC, NULL);
    if (!q) return;
    q->on_done = on_account;
    tb_err e;
    alp_request(a, q, "GET", "/v2/account", NULL, TB_HTTP_RETRY_ALL, &e);
}

static int v_connect(void *self, tb_err *e)
{
    alpaca *a = self;
    a->state = BROKER_CONNECTING;
    connect_account(a);
    return 0;
}

static int v_disconnect(void *self, tb_err *e)
{
    alpaca *a = self;
    a->state = BROKER_DISCONNECTED;
    tb_ws_free(a->ws);
    a->ws = NULL;
    return 0;
}

static broker_state v_state(void *self)
{
    return ((alpaca *)self)->state;
}

static int v_positions(void *self, broker_position *out, int cap, int *n, tb_err *e)
{
    alpaca *a = self;
    if (a->npos > cap) return tb_errf(e, "alpaca: more than %d positions", cap);
    memcpy(out, a->pos, (size_t)a->npos * sizeof *out);
    *n = a->npos;
    return 0;
}

static int v_account(void *self, broker_account *out, tb_err *e)
{
    *out = ((alpaca *)self)->acct;
    return 0;
}

static void v_set_update(void *self, broker_update_fn fn, void *ud)
{
    alpaca *a = self;
    a->fn = fn, a->ud = ud;
}

static const struct posdiff *v_differences(void *self)
{
    return &((alpaca *)self)->posdiff;
}

static const broker_vtable alpaca_vt = {"alpaca",     v_connect,    v_disconnect,  v_state,
                                        alp_v_submit, alp_v_cancel, alp_v_replace, v_positions,
                                        v_account,    v_set_update, NULL,          v_differences};

broker alpaca_broker(alpaca *a)
{
    return (broker){&alpaca_vt, a};
}

alpaca *alpaca_new(const alpaca_opts *o, tb_err *e)
{
    if (!o->oms || !o->trading_url || !o->key_id || !o->secret_key) {
        tb_errf(e, "alpaca: trading_url, keys and an order manager are required");
        return NULL;
    }
    alpaca *a = calloc(1, sizeof *a);
    if (!a) {
        tb_errf(e, "alpaca: out of memory");
        return NULL;
    }
    a->o = *o;
    a->posdiff.persist_rounds = o->position_difference_rounds;
    a->posdiff.persist_min_ns = (int64_t)o->position_difference_min_ms * 1000000;
    if (!a->o.cancel_poll_ms) a->o.cancel_poll_ms = 2000;
    if (!a->o.stream_reconnect_min_ms) a->o.stream_reconnect_min_ms = 5000;
    if (!a->o.stream_reconnect_max_ms) a->o.stream_reconnect_max_ms = 120000;
    snprintf(a->base_url, sizeof a->base_url, "%s", o->trading_url);
    snprintf(a->stream_url, sizeof a->stream_url, "%s", o->stream_url ? o->stream_url : "");
    snprintf(a->ca_file, sizeof a->ca_file, "%s", o->ca_file ? o->ca_file : "");
    snprintf(a->key_id, sizeof a->key_id, "%s", o->key_id);
    snprintf(a->secret_key, sizeof a->secret_key, "%s", o->secret_key);
    a->o.stream_url = a->stream_url;
    a->o.ca_file = a->ca_file[0] ? a->ca_file : NULL;
    a->o.key_id = a->key_id;
    a->o.secret_key = a->secret_key;
    size_t n = strlen(a->base_url);
    if (n && a->base_url[n - 1] == '/') a->base_url[n - 1] = '\0';
    snprintf(a->hdr_key, sizeof a->hdr_key, "APCA-API-KEY-ID: %s", o->key_id);
    snprintf(a->hdr_secret, sizeof a->hdr_secret, "APCA-API-SECRET-KEY: %s", o->secret_key);
    tb_redact_add_secret(o->key_id);
    tb_redact_add_secret(o->secret_key);
    a->http = o->http;
    if (!a->http) {
        tb_httpc_opts ho = {.base = o->base, .ca_file = o->ca_file};
        if (!(a->http = tb_httpc_new(&ho, e))) {
            free(a);
            return NULL;
        }
        a->own_http = 1;
    }
    if (o->rate_per_minute > 0) {
        char host[TB_RL_HOST_MAX + 1];
        tb_rl_host_of(a->base_url, host, sizeof host);
        tb_httpc_set_rate(a->http, host, o->rate_per_minute / 60.0, 10);
    }
    a->connect_timer = evtimer_new(o->base, on_connect_timer, a);
    if (alp_watch_init(a, e) != 0 || alp_unknown_init(a, e) != 0) {
        alpaca_free(a);
        return NULL;
    }
    oms_set_broker(o->oms, alpaca_broker(a));
    return a;
}

void alpaca_free(alpaca *a)
{
    if (!a) return;
    tb_ws_free(a->ws);
    if (a->own_http) tb_httpc_free(a->http);
    while (a->reqs) {
        alp_req *q = a->reqs;
        a->reqs = q->next;
        free(q->body);
        free(q);
    }
    while (a->polls) alp_poll_free(a->polls);
    alp_watch_free(a);
    alp_unknown_free(a);
    if (a->sync_timer) event_free(a->sync_timer);
    if (a->connect_timer) event_free(a->connect_timer);
    reconcile_seen_free(&a->seen);
    free(a);
}

void alpaca_stats_get(const alpaca *a, alpaca_stats *out)
{
    *out = a->st;
}

/* ---- keys ----------------------------------------------------------------------------------- */

static int read_keys_file(const char *file, char *key, size_t kc, char *secret, size_t sc,
                          tb_err *e)
{
    struct stat sb;
    if (stat(file, &sb) != 0) return tb_errf(e, "alpaca: keys file %s: not found", file);
    if (sb.st_mode & 077)
        return tb_errf(e, "alpaca: keys file %s must be mode 0600 (it is %03o)", file,
                       (unsigned)(sb.st_mode & 0777));
    FILE *f = fopen(file, "r");
    if (!f) return tb_errf(e, "alpaca: cannot read keys file %s", file);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *v = strchr(line, '=');
        if (!v) continue;
        *v++ = '\0';
        if (strcmp(line, "APCA_API_KEY_ID") == 0) snprintf(key, kc, "%s", v);
        if (strcmp(line, "APCA_API_SECRET_KEY") == 0) snprintf(secret, sc, "%s", v);
    }
    fclose(f);
    return 0;
}

int alpaca_load_keys(const char *file, char *key, size_t kc, char *secret, size_t sc, tb_err *e)
{
    const char *k = getenv("APCA_API_KEY_ID"), *s = getenv("APCA_API_SECRET_KEY");
    key[0] = secret[0] = '\0';
    if (k && *k && s && *s) {
        snprintf(key, kc, "%s", k);
        snprintf(secret, sc, "%s", s);
    } else if (file && *file && read_keys_file(file, key, kc, secret, sc, e) != 0) {
        return -1;
    }
    if (!key[0] || !secret[0])
        return tb_errf(e, "alpaca: no API keys: set APCA_API_KEY_ID and APCA_API_SECRET_KEY or "
                          "alpaca.keys_file");
    tb_redact_add_secret(key);
    tb_redact_add_secret(secret);
    return 0;
}
