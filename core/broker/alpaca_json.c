#include "broker/alpaca_json.h"
#include "data/csv.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    oms_status st;
} status_map[] = {
    {"new", OMS_ST_ACCEPTED},
    {"accepted", OMS_ST_ACCEPTED},
    {"pending_new", OMS_ST_ACCEPTED},
    {"accepted_for_bidding", OMS_ST_ACCEPTED},
    {"calculated", OMS_ST_ACCEPTED},
    {"stopped", OMS_ST_ACCEPTED},
    {"suspended", OMS_ST_ACCEPTED},
    {"done_for_day", OMS_ST_ACCEPTED}, /* not final: a GTC order works again tomorrow */
    {"held", OMS_ST_HELD},
    {"partially_filled", OMS_ST_PARTIALLY_FILLED},
    {"filled", OMS_ST_FILLED},
    {"pending_cancel", OMS_ST_PENDING_CANCEL},
    {"pending_replace", OMS_ST_PENDING_REPLACE},
    {"canceled", OMS_ST_CANCELED},
    {"expired", OMS_ST_EXPIRED},
    {"replaced", OMS_ST_REPLACED},
    {"rejected", OMS_ST_REJECTED},
};

int alp_status_map(const char *name, oms_status *out)
{
    for (size_t i = 0; i < sizeof status_map / sizeof status_map[0]; i++)
        if (strcmp(status_map[i].name, name) == 0) {
            *out = status_map[i].st;
            return 0;
        }
    return -1;
}

static void get_str(json_t *o, const char *k, char *dst, size_t cap)
{
    json_t *v = json_object_get(o, k);
    dst[0] = '\0';
    if (json_is_string(v)) oms_strlcpy(dst, json_string_value(v), cap);
}

/* A number Alpaca sends as a string ("187.23") or, in places, as a JSON number. */
static int get_money(json_t *o, const char *k, tb_money *out)
{
    json_t *v = json_object_get(o, k);
    tb_err e;
    if (json_is_string(v)) return tb_money_parse(json_string_value(v), out, &e);
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i > INT64_MAX / TB_MONEY_SCALE || i < INT64_MIN / TB_MONEY_SCALE) return -1;
        *out = (tb_money)i * TB_MONEY_SCALE;
        return 0;
    }
    if (json_is_real(v)) return tb_money_from_double(json_real_value(v), 1, out, &e);
    return -1;
}

static int get_qty(json_t *o, const char *k, tb_qty *out)
{
    tb_money m;
    if (get_money(o, k, &m) != 0 || m % TB_MONEY_SCALE != 0) return -1; /* whole shares only */
    *out = m / TB_MONEY_SCALE;
    return 0;
}

/* An RFC 3339 time (Alpaca sends nanoseconds and Z or an offset); -1 when absent or null. */
static int get_time(json_t *o, const char *k, int64_t *out)
{
    json_t *v = json_object_get(o, k);
    int64_t t;
    if (!json_is_string(v) || tb_csv_parse_time(json_string_value(v), json_string_length(v), &t))
        return -1;
    *out = t;
    return 0;
}

static int order_from(json_t *o, alp_order *out, tb_err *e)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(o)) return tb_errf(e, "alpaca: order is not an object");
    get_str(o, "id", out->id, sizeof out->id);
    get_str(o, "client_order_id", out->client_order_id, sizeof out->client_order_id);
    get_str(o, "symbol", out->symbol, sizeof out->symbol);
    get_str(o, "status", out->status_name, sizeof out->status_name);
    get_str(o, "type", out->type, sizeof out->type);
    get_str(o, "order_class", out->order_class, sizeof out->order_class);
    get_str(o, "replaced_by", out->replaced_by, sizeof out->replaced_by);
    get_str(o, "submitted_at", out->submitted_at, sizeof out->submitted_at);
    if (get_time(o, "filled_at", &out->exec_at_ns) != 0)
        get_time(o, "updated_at", &out->exec_at_ns);
    if (!out->id[0] || !out->client_order_id[0] || !out->symbol[0])
        return tb_errf(e, "alpaca: order without id, client_order_id or symbol");
    if (alp_status_map(out->status_name, &out->status) != 0)
        return tb_errf(e, "alpaca: order %s: unknown status \"%s\"", out->id, out->status_name);
    if (get_qty(o, "qty", &out->qty) != 0) out->qty = 0;
    if (get_qty(o, "filled_qty", &out->filled_qty) != 0) out->filled_qty = 0;
    if (get_money(o, "filled_avg_price", &out->filled_avg_price) != 0) out->filled_avg_price = 0;
    if (out->filled_qty < 0 || out->qty < 0 || out->filled_avg_price < 0)
        return tb_errf(e, "alpaca: order %s: negative quantity or price", out->id);
    json_t *legs = json_object_get(o, "legs");
    size_t i;
    json_t *l;
    json_array_foreach(legs, i, l)
    {
        if (out->nlegs == 2 || !json_is_object(l)) break;
        get_str(l, "id", out->legs[out->nlegs].id, sizeof out->legs[0].id);
        get_str(l, "type", out->legs[out->nlegs].type, sizeof out->legs[0].type);
        out->nlegs++;
    }
    return 0;
}

static json_t *load(const char *text, size_t len, tb_err *e)
{
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) tb_errf(e, "alpaca: malformed JSON: %s (line %d)", je.text, je.line);
    return j;
}

int alp_parse_order(const char *text, size_t len, alp_order *out, tb_err *e)
{
    json_t *j = load(text, len, e);
    if (!j) return -1;
    int rc = order_from(j, out, e);
    json_decref(j);
    return rc;
}

static int trade_update(json_t *d, alp_stream_msg *out, tb_err *e)
{
    get_str(d, "event", out->event, sizeof out->event);
    get_str(d, "execution_id", out->execution_id, sizeof out->execution_id);
    if (!out->event[0]) return tb_errf(e, "alpaca: trade update without event");
    if (order_from(json_object_get(d, "order"), &out->order, e) != 0) return -1;
    if (strcmp(out->event, "fill") == 0 || strcmp(out->event, "partial_fill") == 0) {
        if (get_qty(d, "qty", &out->qty) != 0 || get_money(d, "price", &out->price) != 0 ||
            out->qty <= 0 || out->price <= 0)
            return tb_errf(e, "alpaca: %s without a valid qty and price", out->event);
        out->has_exec = 1;
        get_time(d, "timestamp", &out->order.exec_at_ns); /* the execution's own time */
    }
    return 0;
}

int alp_parse_stream(const char *text, size_t len, alp_stream_msg *out, tb_err *e)
{
    memset(out, 0, sizeof *out);
    json_t *j = load(text, len, e);
    if (!j) return -1;
    int rc = 0;
    const char *stream = json_string_value(json_object_get(j, "stream"));
    json_t *d = json_object_get(j, "data");
    if (!stream || !json_is_object(d)) {
        out->kind = ALP_MSG_OTHER;
    } else if (strcmp(stream, "authorization") == 0) {
        out->kind = ALP_MSG_AUTH;
        const char *s = json_string_value(json_object_get(d, "status"));
        out->ok = s && strcmp(s, "authorized") == 0;
    } else if (strcmp(stream, "listening") == 0) {
        out->kind = ALP_MSG_LISTENING;
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(d, "streams"), i,
                           v) if (json_is_string(v) &&
                                  strcmp(json_string_value(v), "trade_updates") == 0) out->ok = 1;
    } else if (strcmp(stream, "trade_updates") == 0) {
        out->kind = ALP_MSG_TRADE_UPDATE;
        rc = trade_update(d, out, e);
    }
    json_decref(j);
    return rc;
}

int alp_parse_account(const char *text, size_t len, broker_account *out, tb_err *e)
{
    memset(out, 0, sizeof *out);
    json_t *j = load(text, len, e);
    if (!j) return -1;
    if (!json_is_object(j)) {
        json_decref(j);
        return tb_errf(e, "alpaca: account is not an object");
    }
    if (get_money(j, "cash", &out->cash) == 0) out->has |= BROKER_HAS_CASH;
    if (get_money(j, "equity", &out->equity) == 0) out->has |= BROKER_HAS_EQUITY;
    if (get_money(j, "buying_power", &out->buying_power) == 0) out->has |= BROKER_HAS_BUYING_POWER;
    json_decref(j);
    return 0;
}

int alp_parse_positions(const char *text, size_t len, broker_position *out, int cap, int *n,
                        tb_err *e)
{
    *n = 0;
    json_t *j = load(text, len, e);
    if (!j) return -1;
    int rc = 0;
    if (!json_is_array(j)) rc = tb_errf(e, "alpaca: positions is not an array");
    size_t i;
    json_t *p;
    json_array_foreach(j, i, p)
    {
        if (*n == cap) {
            rc = tb_errf(e, "alpaca: more than %d positions", cap);
            break;
        }
        broker_position *bp = &out[*n];
        memset(bp, 0, sizeof *bp);
        get_str(p, "symbol", bp->symbol, sizeof bp->symbol);
        if (!bp->symbol[0] || get_qty(p, "qty", &bp->qty) != 0) {
            rc = tb_errf(e, "alpaca: position %zu without symbol or whole-share qty", i);
            break;
        }
        if (get_money(p, "avg_entry_price", &bp->avg_price) != 0) bp->avg_price = 0;
        const char *side = json_string_value(json_object_get(p, "side"));
        if (side && strcmp(side, "short") == 0 && bp->qty > 0) bp->qty = -bp->qty;
        (*n)++;
    }
    json_decref(j);
    return rc;
}

int alp_parse_order_list(const char *text, size_t len, void (*fn)(void *ud, const alp_order *o),
                         void *ud, tb_err *e)
{
    json_t *j = load(text, len, e);
    if (!j) return -1;
    if (!json_is_array(j)) {
        json_decref(j);
        return tb_errf(e, "alpaca: order list is not an array");
    }
    size_t i, k;
    json_t *o, *l;
    alp_order a;
    tb_err oe;
    json_array_foreach(j, i, o)
    {
        if (order_from(o, &a, &oe) == 0) fn(ud, &a);
        json_array_foreach(json_object_get(o, "legs"), k, l) if (order_from(l, &a, &oe) == 0)
            fn(ud, &a);
    }
    json_decref(j);
    return 0;
}

static void set_money(json_t *o, const char *k, tb_money m)
{
    char buf[40];
    json_object_set_new(o, k, json_string(tb_money_fmt(m, buf, sizeof buf)));
}

static char *dump(json_t *o, tb_err *e)
{
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s) tb_errf(e, "alpaca: cannot encode the request");
    return s;
}

char *alp_order_body(const broker_submit_req *r, tb_err *e)
{
    const oms_order *o = r->order;
    json_t *j = json_object();
    json_object_set_new(j, "symbol", json_string(o->symbol));
    json_object_set_new(j, "qty", json_sprintf("%lld", (long long)o->qty));
    json_object_set_new(j, "side", json_string(oms_side_name(o->side)));
    json_object_set_new(j, "type", json_string(oms_type_name(o->type)));
    json_object_set_new(j, "time_in_force", json_string(oms_tif_name(o->tif)));
    json_object_set_new(j, "client_order_id", json_string(o->client_id));
    if (o->limit_price) set_money(j, "limit_price", o->limit_price);
    if (o->stop_price) set_money(j, "stop_price", o->stop_price);
    if (r->take_profit && r->stop_loss) {
        json_object_set_new(j, "order_class", json_string("bracket"));
        json_t *tp = json_object(), *sl = json_object();
        set_money(tp, "limit_price", r->take_profit->limit_price);
        set_money(sl, "stop_price", r->stop_loss->stop_price);
        if (r->stop_loss->limit_price) set_money(sl, "limit_price", r->stop_loss->limit_price);
        json_object_set_new(j, "take_profit", tp);
        json_object_set_new(j, "stop_loss", sl);
    }
    return dump(j, e);
}

char *alp_replace_body(const broker_replace_req *r, tb_err *e)
{
    const oms_order *n = r->new_order;
    json_t *j = json_object();
    json_object_set_new(j, "qty", json_sprintf("%lld", (long long)n->qty));
    json_object_set_new(j, "client_order_id", json_string(n->client_id));
    if (n->limit_price) set_money(j, "limit_price", n->limit_price);
    if (n->stop_price) set_money(j, "stop_price", n->stop_price);
    return dump(j, e);
}
