#include "feed/alpaca_data.h"
#include "feed/bar_seq.h"
#include "log/log.h"
#include "log/redact.h"
#include "net/ws.h"
#include "util/clock.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Alpaca's paid plans take any number of symbols on one stream; 1,024 bounds our buffers. */
#define AD_MAX_SYMS 1024
/* Room for one symbol in a list: up to 15 characters, a separator and quotes. */
#define AD_SYM_ROOM 18

typedef struct held {
    tb_bar b;
    int corrected;
} held;

typedef enum { ACT_NONE, ACT_DROP, ACT_LIMIT, ACT_HALT } ad_action;

typedef struct ad_req ad_req;

struct alpaca_data {
    alpaca_data_opts o;
    char data_url[256], stream_url[300], feed[8], host[TB_RL_HOST_MAX + 1];
    char hkey[200], hsecret[200], key[128], secret[128];
    tb_ws *ws;
    char *syms[AD_MAX_SYMS];
    int nsyms;
    ad_state state;
    tb_bar_seq seq;
    alpaca_data_stats st;
    held *hold; /* stream bars that came during a backfill */
    size_t nhold, caphold;
    struct event *act; /* drop / halt outside wslay's callbacks */
    ad_action action;
    char action_why[160];
    ad_req *inflight;          /* freed by alpaca_data_free when the HTTP client went first */
    int64_t backfill_floor_ns; /* where a backfill starts when no bar came yet (watchdog) */
};

const char *alpaca_data_state_name(ad_state s)
{
    static const char *const n[] = {"idle",        "connecting",  "authenticating",
                                    "subscribing", "backfilling", "live",
                                    "waiting",     "auth_failed", "not_entitled"};
    return (unsigned)s <= AD_NOT_ENTITLED ? n[s] : "unknown";
}

static void set_state(alpaca_data *a, ad_state s, const char *why)
{
    if (a->state == s) return;
    a->state = s;
    if (a->o.on_state) a->o.on_state(a->o.ud, s, why);
}

/* ---- REST bars ------------------------------------------------------------------------------ */

struct ad_req {
    alpaca_data *a;
    ad_req *prev, *next;
    char *symbols; /* comma list, sized for all of them (AD_MAX_SYMS) */
    char single[16], from[40], to[40];
    alpaca_data_done_fn fn;
    void *ud;
    alpaca_data_result res;
    char err[300];
};

static void req_unlink(ad_req *q)
{
    if (q->prev)
        q->prev->next = q->next;
    else
        q->a->inflight = q->next;
    if (q->next) q->next->prev = q->prev;
}

static int get_page(ad_req *q, const char *token, tb_err *e);

static void req_finish(ad_req *q, int ok)
{
    q->res.ok = ok;
    q->res.error = ok ? NULL : q->err;
    if (ok) tb_bar_vec_sort(&q->res.bars);
    req_unlink(q);
    q->fn(q->ud, &q->res);
    tb_bar_vec_free(&q->res.bars);
    free(q->symbols);
    free(q);
}

static void on_page(void *ud, const tb_httpc_resp *r)
{
    ad_req *q = ud;
    char token[512], msg[200];
    tb_err e;
    q->res.pages++, q->a->st.pages++;
    q->res.http_status = r->status;
    if (r->status != 200) {
        ad_parse_rest_error(r->body, r->len, msg, sizeof msg);
        snprintf(q->err, sizeof q->err, "alpaca data: %s%ld %s%s%s", r->status ? "HTTP " : "",
                 r->status,
                 r->status ? tb_httpc_reason(r->status) : (r->error ? r->error : "no answer"),
                 msg[0] ? ": " : "", msg);
        if (r->status == 403)
            TB_ERROR("alpaca_data",
                     "403 Forbidden on bars (feed=%s): %s: the plan may not "
                     "include this feed (sip needs a subscription; use iex)",
                     q->a->feed, msg);
        return req_finish(q, 0);
    }
    if (ad_parse_bars_page(r->body, r->len, q->a->o.syms, q->single[0] ? q->single : NULL, 60,
                           &q->res.bars, token, sizeof token, &e) != 0) {
        snprintf(q->err, sizeof q->err, "%s", e.msg);
        return req_finish(q, 0);
    }
    if (!token[0]) return req_finish(q, 1);
    if (get_page(q, token, &e) != 0) {
        snprintf(q->err, sizeof q->err, "%s", e.msg);
        req_finish(q, 0);
    }
}

/* page_token values are opaque base64: escape what a URL cannot carry. */
static void url_escape(const char *in, char *out, size_t cap)
{
    size_t k = 0;
    for (; *in && k + 4 < cap; in++) {
        unsigned char c = (unsigned char)*in;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~' || c == ',')
            out[k++] = (char)c;
        else
            k += (size_t)snprintf(out + k, cap - k, "%%%02X", c);
    }
    out[k] = '\0';
}

static int get_page(ad_req *q, const char *token, tb_err *e)
{
    alpaca_data *a = q->a;
    char tok[1024] = "";
    if (token && *token) url_escape(token, tok, sizeof tok);
    size_t cap = sizeof a->data_url + strlen(q->symbols) + sizeof tok + 256;
    char *url = malloc(cap);
    if (!url) return tb_errf(e, "alpaca data: out of memory");
    int n;
    if (q->single[0])
        n = snprintf(url, cap, "%s/v2/stocks/%s/bars?", a->data_url, q->single);
    else
        n = snprintf(url, cap, "%s/v2/stocks/bars?symbols=%s&", a->data_url, q->symbols);
    snprintf(url + n, cap - (size_t)n,
             "timeframe=1Min&start=%s&end=%s&limit=10000&adjustment=raw&feed=%s%s%s", q->from,
             q->to, a->feed, tok[0] ? "&page_token=" : "", tok);
    const char *hdrs[] = {a->hkey, a->hsecret, "Accept: application/json"};
    tb_httpc_req r = {
        .method = "GET", .url = url, .headers = hdrs, .nheaders = 3, .retry = TB_HTTP_RETRY_ALL};
    int rc = tb_httpc_request(a->o.http, &r, on_page, q, e);
    free(url);
    return rc;
}

static void fmt_time(int64_t ns, char *out, size_t cap)
{
    char buf[40];
    tb_clock_fmt_utc(ns, buf, sizeof buf); /* "...T14:30:00.000Z" */
    snprintf(out, cap, "%.19sZ", buf);
}

int alpaca_data_bars(alpaca_data *a, const char *const *symbols, int n, int64_t from_ns,
                     int64_t to_ns, alpaca_data_done_fn fn, void *ud, tb_err *e)
{
    if (n < 1 || n > AD_MAX_SYMS) return tb_errf(e, "alpaca data: 1..%d symbols", AD_MAX_SYMS);
    ad_req *q = calloc(1, sizeof *q);
    size_t cap = (size_t)n * AD_SYM_ROOM + 1;
    if (!q || !(q->symbols = malloc(cap))) {
        free(q);
        return tb_errf(e, "alpaca data: out of memory");
    }
    q->a = a, q->fn = fn, q->ud = ud;
    if (n == 1) snprintf(q->single, sizeof q->single, "%s", symbols[0]);
    size_t k = 0;
    q->symbols[0] = '\0';
    for (int i = 0; i < n; i++) /* every symbol: a backfill that left some out lost their gap */
        k += (size_t)snprintf(q->symbols + k, cap - k, "%s%.15s", i ? "," : "", symbols[i]);
    fmt_time(from_ns, q->from, sizeof q->from);
    fmt_time(to_ns, q->to, sizeof q->to);
    q->next = a->inflight;
    if (q->next) q->next->prev = q;
    a->inflight = q;
    if (get_page(q, NULL, e) == 0) return 0;
    req_unlink(q);
    free(q->symbols);
    free(q);
    return -1;
}

/* ---- delivery ------------------------------------------------------------------------------- */

static void deliver(alpaca_data *a, const tb_bar *b, int corrected)
{
    if (corrected && tb_bar_seq_last(&a->seq, b->sym) >= b->start_ns) {
        a->st.corrected++;
        a->o.on_bar(a->o.ud, b, 1);
        return;
    }
    if (tb_bar_seq_accept(&a->seq, b) != 1) {
        a->st.duplicates = a->seq.duplicates;
        return;
    }
    a->st.bars++;
    a->st.gap_minutes = a->seq.gap_minutes;
    a->o.on_bar(a->o.ud, b, 0);
}

static void hold(alpaca_data *a, const tb_bar *b, int corrected)
{
    if (a->nhold == a->caphold) {
        size_t cap = a->caphold ? a->caphold * 2 : 64;
        held *n = realloc(a->hold, cap * sizeof *n);
        if (!n) return;
        a->hold = n, a->caphold = cap;
    }
    a->hold[a->nhold++] = (held){*b, corrected};
}

static void release_held(alpaca_data *a)
{
    for (size_t i = 0; i < a->nhold; i++) deliver(a, &a->hold[i].b, a->hold[i].corrected);
    a->nhold = 0;
    set_state(a, AD_LIVE, "streaming");
}

static void on_backfill(void *ud, alpaca_data_result *r)
{
    alpaca_data *a = ud;
    if (!r->ok) {
        TB_WARN("alpaca_data", "backfill after reconnect failed: %s: the gap stays a gap",
                r->error);
    } else {
        size_t before = a->st.bars;
        for (size_t i = 0; i < r->bars.n; i++) deliver(a, &r->bars.v[i], 0);
        a->st.backfilled_bars += a->st.bars - before;
        TB_INFO("alpaca_data", "backfill after reconnect: %zu bars fetched, %llu new, pages=%d",
                r->bars.n, (unsigned long long)(a->st.bars - before), r->pages);
    }
    release_held(a);
}

/* After a reconnect: REST from the oldest last bar (inclusive: overlaps are dropped by the
 * sequence) to now, while stream bars wait. */
static void start_backfill(alpaca_data *a)
{
    int64_t from = tb_bar_seq_oldest_last(&a->seq);
    if (!from) from = a->backfill_floor_ns; /* silent from the start: from the open */
    if (!from || !a->o.http) return release_held(a);
    set_state(a, AD_BACKFILLING, "backfilling the gap over REST");
    a->st.backfills++;
    tb_err e;
    if (alpaca_data_bars(a, (const char *const *)a->syms, a->nsyms, from, tb_clock_now_ns(),
                         on_backfill, a, &e) != 0) {
        TB_WARN("alpaca_data", "backfill not started: %s", e.msg);
        release_held(a);
    }
}

/* ---- stream --------------------------------------------------------------------------------- */

static void on_action(evutil_socket_t fd, short what, void *arg)
{
    alpaca_data *a = arg;
    ad_action act = a->action;
    a->action = ACT_NONE;
    if (act == ACT_HALT)
        tb_ws_halt(a->ws, a->action_why);
    else if (act == ACT_LIMIT)
        tb_ws_drop_after(a->ws, a->action_why, a->o.limit_backoff_ms);
    else if (act == ACT_DROP)
        tb_ws_drop(a->ws, a->action_why);
}

static void later(alpaca_data *a, ad_action act, const char *why)
{
    if (act <= a->action) return; /* a halt wins over a drop */
    a->action = act;
    snprintf(a->action_why, sizeof a->action_why, "%s", why);
    event_active(a->act, EV_TIMEOUT, 0);
}

/* Stops for good (bad keys, a feed the plan lacks): the state says why, no reconnect follows. */
static void halt(alpaca_data *a, ad_state s, const char *why)
{
    set_state(a, s, why);
    later(a, ACT_HALT, why);
}

static void send_json(alpaca_data *a, const char *s)
{
    if (tb_ws_send_text(a->ws, s, strlen(s)) != 0) later(a, ACT_DROP, "send failed");
}

/* Built with jansson: a symbol is data, never JSON text. */
static void subscribe(alpaca_data *a)
{
    json_t *syms = json_array();
    for (int i = 0; syms && i < a->nsyms; i++) json_array_append_new(syms, json_string(a->syms[i]));
    json_t *j = syms ? json_pack("{s:s, s:O, s:o}", "action", "subscribe", "bars", syms,
                                 "updatedBars", syms)
                     : NULL;
    char *msg = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!msg) {
        later(a, ACT_DROP, "cannot build the subscribe message");
        return;
    }
    send_json(a, msg);
    free(msg);
    set_state(a, AD_SUBSCRIBING, "subscribe sent");
}

/* Built with jansson into a buffer wiped after sending: a quote or backslash in a key is data. */
static void send_auth(alpaca_data *a)
{
    char auth[1600]; /* two 127-byte keys, every byte escaped as \uXXXX */
    json_t *j = json_pack("{s:s, s:s, s:s}", "action", "auth", "key", a->key, "secret", a->secret);
    size_t n = j ? json_dumpb(j, auth, sizeof auth - 1, JSON_COMPACT) : 0;
    json_decref(j);
    if (n == 0 || n >= sizeof auth) { /* the keys are not UTF-8: no retry can help */
        halt(a, AD_AUTH_FAILED, "the keys are not valid UTF-8");
        return;
    }
    auth[n] = '\0';
    send_json(a, auth);
    memset(auth, 0, sizeof auth);
    set_state(a, AD_AUTHENTICATING, "auth sent");
}

static void on_error_msg(alpaca_data *a, const ad_msg *m)
{
    char why[200];
    a->st.errors++;
    a->st.last_error_code = m->code;
    snprintf(why, sizeof why, "%d %s", m->code, m->msg);
    switch (m->code) {
    case 406:
        a->st.limit_406++;
        TB_WARN("alpaca_data",
                "406 connection limit exceeded: another connection uses these keys, or our "
                "dropped one is still half alive; reconnect in about %ld s",
                a->o.limit_backoff_ms / 1000);
        return later(a, ACT_LIMIT, why);
    case 401:
    case 402:
        a->st.auth_failures++;
        TB_ERROR("alpaca_data",
                 "%d %s: market data stream disconnected; check "
                 "APCA_API_KEY_ID/APCA_API_SECRET_KEY (not retried)",
                 m->code, m->msg);
        return halt(a, AD_AUTH_FAILED, why);
    case 409:
        TB_ERROR("alpaca_data",
                 "409 %s: the plan does not include the %s feed; set "
                 "alpaca_data.feed to iex (not retried)",
                 m->msg, a->feed);
        return halt(a, AD_NOT_ENTITLED, why);
    case 405: TB_ERROR("alpaca_data", "405 %s: too many symbols for the plan", m->msg); return;
    case 403: /* already authenticated: harmless */
        TB_WARN("alpaca_data", "403 %s", m->msg);
        return;
    default: /* 400 syntax, 404 auth timeout, 407 slow client, 500: start over */
        TB_WARN("alpaca_data", "stream error %d %s: reconnecting", m->code, m->msg);
        later(a, ACT_DROP, why);
    }
}

static void on_msg(void *ud, const ad_msg *m)
{
    alpaca_data *a = ud;
    if (a->action == ACT_HALT) return;
    switch (m->type) {
    case AD_MSG_SUCCESS:
        if (strcmp(m->msg, "connected") == 0) {
            send_auth(a);
        } else if (strcmp(m->msg, "authenticated") == 0) {
            subscribe(a);
        }
        break;
    case AD_MSG_SUBSCRIPTION:
        if (a->state != AD_SUBSCRIBING) break;
        a->st.last_subscribed_ns = tb_clock_now_ns();
        TB_INFO("alpaca_data", "subscribed to minute bars of %d symbols (feed %s)", m->nbars,
                a->feed);
        if (a->st.opens > 1)
            start_backfill(a);
        else
            set_state(a, AD_LIVE, "streaming");
        break;
    case AD_MSG_ERROR: on_error_msg(a, m); break;
    case AD_MSG_BAR:
    case AD_MSG_UPDATED_BAR:
        a->st.last_bar_wall_ns = tb_clock_now_ns();
        if (a->state == AD_BACKFILLING || a->state == AD_SUBSCRIBING)
            hold(a, &m->bar, m->type == AD_MSG_UPDATED_BAR);
        else
            deliver(a, &m->bar, m->type == AD_MSG_UPDATED_BAR);
        break;
    case AD_MSG_OTHER: break;
    }
}

static void ws_open(void *ud)
{
    alpaca_data *a = ud;
    a->st.opens++;
    a->nhold = 0;
    set_state(a, AD_CONNECTING, "waiting for \"connected\"");
}

static void ws_message(void *ud, const char *data, size_t len, int binary)
{
    alpaca_data *a = ud;
    tb_err e;
    int bad = 0;
    a->st.messages++;
    if (ad_parse_stream(data, len, a->o.syms, on_msg, a, &bad, &e) != 0) bad++;
    if (bad) {
        a->st.bad_messages += (uint64_t)bad;
        TB_WARN("alpaca_data", "stream message with %d unusable elements skipped", bad);
    }
}

static void ws_close(void *ud, const char *why)
{
    alpaca_data *a = ud;
    a->st.reconnects++;
    if (a->state != AD_AUTH_FAILED && a->state != AD_NOT_ENTITLED) set_state(a, AD_WAITING, why);
}

int alpaca_data_subscribe(alpaca_data *a, const char *const *symbols, int n, tb_err *e)
{
    if (!a->stream_url[0]) return tb_errf(e, "alpaca data: no stream_url");
    if (n < 1 || n > AD_MAX_SYMS) return tb_errf(e, "alpaca data: 1..%d symbols", AD_MAX_SYMS);
    for (int i = 0; i < n; i++)
        if (!(a->syms[a->nsyms++] = strdup(symbols[i])))
            return tb_errf(e, "alpaca data: out of memory");
    char url[400];
    snprintf(url, sizeof url, "%s/%s", a->stream_url, a->feed);
    tb_ws_opts wo = {.base = a->o.base,
                     .url = url,
                     .ca_file = a->o.ca_file,
                     .reconnect_min_ms = a->o.reconnect_min_ms,
                     .reconnect_max_ms = a->o.reconnect_max_ms,
                     .on_open = ws_open,
                     .on_message = ws_message,
                     .on_close = ws_close,
                     .ud = a};
    if (!(a->ws = tb_ws_new(&wo, e))) return -1;
    set_state(a, AD_CONNECTING, "connecting");
    return tb_ws_start(a->ws, e);
}

/* ---- life ----------------------------------------------------------------------------------- */

alpaca_data *alpaca_data_new(const alpaca_data_opts *o, tb_err *e)
{
    if (!o->base || !o->syms || !o->on_bar || !o->key_id || !*o->key_id || !o->secret_key ||
        !*o->secret_key) {
        tb_errf(e, "alpaca data: loop, symbols, on_bar and keys are required");
        return NULL;
    }
    const char *feed = o->feed && *o->feed ? o->feed : "iex";
    if (strcmp(feed, "iex") != 0 && strcmp(feed, "sip") != 0) {
        tb_errf(e, "alpaca data: feed must be iex or sip, not \"%s\"", feed);
        return NULL;
    }
    alpaca_data *a = calloc(1, sizeof *a);
    if (!a || !(a->act = event_new(o->base, -1, 0, on_action, a))) {
        free(a);
        tb_errf(e, "alpaca data: out of memory");
        return NULL;
    }
    a->o = *o;
    if (!a->o.limit_backoff_ms) a->o.limit_backoff_ms = 90000;
    snprintf(a->feed, sizeof a->feed, "%s", feed);
    snprintf(a->data_url, sizeof a->data_url, "%s", o->data_url ? o->data_url : "");
    snprintf(a->stream_url, sizeof a->stream_url, "%s", o->stream_url ? o->stream_url : "");
    for (char *u = a->data_url; *u; u++)
        if (u[0] == '/' && !u[1]) *u = '\0';
    for (char *u = a->stream_url; *u; u++)
        if (u[0] == '/' && !u[1]) *u = '\0';
    snprintf(a->key, sizeof a->key, "%s", o->key_id);
    snprintf(a->secret, sizeof a->secret, "%s", o->secret_key);
    snprintf(a->hkey, sizeof a->hkey, "APCA-API-KEY-ID: %s", o->key_id);
    snprintf(a->hsecret, sizeof a->hsecret, "APCA-API-SECRET-KEY: %s", o->secret_key);
    tb_redact_add_secret(o->key_id);
    tb_redact_add_secret(o->secret_key);
    tb_rl_host_of(a->data_url, a->host, sizeof a->host);
    if (o->http && o->rate_per_minute > 0 && a->host[0])
        tb_httpc_set_rate(o->http, a->host, o->rate_per_minute / 60.0, 5);
    return a;
}

void alpaca_data_free(alpaca_data *a)
{
    if (!a) return;
    while (a->inflight) {
        ad_req *q = a->inflight;
        req_unlink(q);
        tb_bar_vec_free(&q->res.bars);
        free(q->symbols);
        free(q);
    }
    tb_ws_free(a->ws);
    event_free(a->act);
    for (int i = 0; i < a->nsyms; i++) free(a->syms[i]);
    tb_bar_seq_free(&a->seq);
    free(a->hold);
    memset(a->key, 0, sizeof a->key), memset(a->secret, 0, sizeof a->secret);
    free(a);
}

void alpaca_data_reconnect(alpaca_data *a, const char *why, int64_t since_ns)
{
    if (a->state != AD_LIVE && a->state != AD_BACKFILLING) return;
    a->st.stale_reconnects++;
    if (since_ns > 0) a->backfill_floor_ns = since_ns;
    later(a, ACT_DROP, why);
}

ad_state alpaca_data_state(const alpaca_data *a)
{
    return a->state;
}

void alpaca_data_stats_get(const alpaca_data *a, alpaca_data_stats *out)
{
    *out = a->st;
    out->reconnects = a->ws ? tb_ws_reconnects(a->ws) : 0;
}
