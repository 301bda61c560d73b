#include "broker/ibkr_msg.h"
#include "data/calendar.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- encoding ------------------------------------------------------------------------------- */

static void put_money(tb_sbuf *b, tb_money m)
{
    char t[TB_MONEY_FMT_MAX] = "";
    if (m > 0) tb_money_fmt(m, t, sizeof t);
    tws_put_str(b, t); /* unset: the empty field (nullifyMax in the reference clients) */
}

static const char *type_wire(oms_type t)
{
    static const char *const n[] = {"MKT", "LMT", "STP", "STP LMT"};
    return (unsigned)t < 4 ? n[t] : "MKT";
}

static const char *tif_wire(oms_tif t)
{
    static const char *const n[] = {"DAY", "GTC", "IOC"}; /* opg/cls are refused before */
    return (unsigned)t < 3 ? n[t] : "DAY";
}

/*
 * The tail after outsideRth (fields 34..109 of PLACE_ORDER at server version 151): every
 * optional feature unset, as @stoqey/ib sends it. "": unset; the two fixed values are the
 * deprecated sharesAllocation/faProfile placeholders and two flags a client always sends.
 */
static const char *const place_tail[IBKR_PLACE_ORDER_FIELDS - 34] = {
    [1] = "", [8] = "", [45] = "0", [53] = "0", [64] = "", [65] = ""};

int ibkr_enc_place(tb_sbuf *b, const ibkr_order *o, tb_err *e)
{
    tws_begin(b);
    tws_put_int(b, 3);
    tws_put_int(b, o->order_id);
    tws_put_str(b, ""); /* conId: resolved by symbol */
    tws_put_str(b, o->symbol);
    tws_put_str(b, "STK");
    for (int i = 0; i < 4; i++) tws_put_str(b, ""); /* expiry, strike, right, multiplier */
    tws_put_str(b, "SMART");
    tws_put_str(b, ""); /* primaryExch */
    tws_put_str(b, "USD");
    for (int i = 0; i < 4; i++)
        tws_put_str(b, ""); /* localSymbol, tradingClass, secIdType, secId */
    tws_put_str(b, o->side == OMS_BUY ? "BUY" : "SELL");
    tws_put_int(b, o->qty);
    tws_put_str(b, type_wire(o->type));
    put_money(b, o->type == OMS_LIMIT || o->type == OMS_STOP_LIMIT ? o->limit_price : 0);
    put_money(b, o->type == OMS_STOP || o->type == OMS_STOP_LIMIT ? o->stop_price : 0);
    tws_put_str(b, tif_wire(o->tif));
    tws_put_str(b, ""); /* ocaGroup: a bracket's legs are tied by parentId */
    tws_put_str(b, o->account ? o->account : "");
    tws_put_str(b, ""); /* openClose */
    tws_put_str(b, ""); /* origin: customer */
    tws_put_str(b, o->order_ref);
    tws_put_int(b, o->transmit ? 1 : 0);
    if (o->parent_id > 0)
        tws_put_int(b, o->parent_id);
    else
        tws_put_str(b, "");
    for (int i = 0; i < 4; i++) tws_put_str(b, ""); /* block, sweep, displaySize, trigger */
    tws_put_int(b, 0);                              /* outsideRth: regular hours only */
    for (int i = 0; i < IBKR_PLACE_ORDER_FIELDS - 34; i++) tws_put_str(b, place_tail[i]);
    return tws_end(b, e);
}

int ibkr_enc_cancel(tb_sbuf *b, int64_t order_id, tb_err *e)
{
    return tws_ints(b, (const int64_t[]){4, 1, order_id}, 3, e);
}

int ibkr_enc_req_ids(tb_sbuf *b, tb_err *e)
{
    return tws_ints(b, (const int64_t[]){8, 1, 1}, 3, e);
}

int ibkr_enc_cancel_account_summary(tb_sbuf *b, int64_t req_id, tb_err *e)
{
    return tws_ints(b, (const int64_t[]){63, 1, req_id}, 3, e);
}

int ibkr_enc_account_summary(tb_sbuf *b, int64_t req_id, tb_err *e)
{
    tws_begin(b);
    tws_put_int(b, 62);
    tws_put_int(b, 1);
    tws_put_int(b, req_id);
    tws_put_str(b, "All");
    tws_put_str(b, "NetLiquidation,TotalCashValue,BuyingPower");
    return tws_end(b, e);
}

/* ---- decoding ------------------------------------------------------------------------------- */

static const char *fld(const tws_frame *f, int i)
{
    return i < f->n ? f->field[i] : "";
}

static void copy(char *dst, size_t cap, const tws_frame *f, int i)
{
    snprintf(dst, cap, "%s", fld(f, i));
}

/* An integer field; empty is 0 (IB leaves ids empty when unset). */
static int num_int(const tws_frame *f, int i, int64_t *out, tb_err *e)
{
    if (i >= f->n) return tb_errf(e, "ibkr: field %d missing", i);
    if (!f->field[i][0]) {
        *out = 0;
        return 0;
    }
    if (tws_field_int(f, i, out) != 0)
        return tb_errf(e, "ibkr: field %d is not an integer: \"%.20s\"", i, f->field[i]);
    return 0;
}

static int num_double(const tws_frame *f, int i, double *out, tb_err *e)
{
    if (i >= f->n) return tb_errf(e, "ibkr: field %d missing", i);
    const char *s = f->field[i];
    *out = 0;
    if (!s[0]) return 0;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (*end || errno == EINVAL || isnan(d))
        return tb_errf(e, "ibkr: field %d is not a number: \"%.20s\"", i, s);
    *out = isinf(d) || fabs(d) > 1e300 ? 0 : d; /* the "max value" sentinel means unset */
    return 0;
}

static int num_money(const tws_frame *f, int i, tb_money *out, tb_err *e)
{
    double d = 0;
    if (num_double(f, i, &d, e) != 0) return -1;
    if (fabs(d) > 9e12) return tb_errf(e, "ibkr: field %d out of range", i);
    return tb_money_from_double(d, 1, out, e);
}

/* Share quantities are decimals on the wire ("10", "10.0"); we trade whole shares. */
static int num_qty(const tws_frame *f, int i, tb_qty *out, tb_err *e)
{
    double d = 0;
    if (num_double(f, i, &d, e) != 0) return -1;
    if (fabs(d) > 1e12 || d != floor(d))
        return tb_errf(e, "ibkr: field %d is not a whole share count", i);
    *out = (tb_qty)d;
    return 0;
}

static int need(const tws_frame *f, int id, int n, tb_err *e)
{
    int64_t v;
    if (tws_field_int(f, 0, &v) != 0 || v != id) return tb_errf(e, "ibkr: not message %d", id);
    if (f->n < n) return tb_errf(e, "ibkr: message %d has %d fields, expected %d", id, f->n, n);
    return 0;
}

/* One field of a message: its index on the wire, what it holds, where it goes in the struct. The
 * decoders are tables of these, so a message's layout reads as a list and one loop decodes all. */
typedef enum { F_STR, F_INT, F_QTY, F_MONEY } fkind;
typedef struct {
    int at;
    fkind kind;
    size_t off, cap; /* cap: a string member's size */
} fspec;

#define ROW(at, kind, T, m)                                                                        \
    {                                                                                              \
        at, kind, offsetof(T, m), sizeof(((T *)0)->m)                                              \
    }

/* Checks the message's id and length, zeroes out (size bytes) and fills it row by row; the first
 * number that does not parse is the error, named by its field. */
static int decode(const tws_frame *f, int id, int nfields, const fspec *spec, int nspec, void *out,
                  size_t size, tb_err *e)
{
    memset(out, 0, size);
    if (need(f, id, nfields, e) != 0) return -1;
    char *o = out;
    for (int k = 0; k < nspec; k++) {
        const fspec *r = &spec[k];
        void *m = o + r->off;
        assert(r->kind == F_STR || r->cap == sizeof(int64_t)); /* numbers are int64 members */
        int rc = 0;
        switch (r->kind) {
        case F_STR: copy(m, r->cap, f, r->at); break;
        case F_INT: rc = num_int(f, r->at, m, e); break;
        case F_QTY: rc = num_qty(f, r->at, m, e); break;
        case F_MONEY: rc = num_money(f, r->at, m, e); break;
        }
        if (rc != 0) return -1;
    }
    return 0;
}

#define DECODE(f, id, n, spec, out, e)                                                             \
    decode(f, id, n, spec, (int)(sizeof spec / sizeof spec[0]), out, sizeof *(out), e)

static const fspec status_spec[] = {
    ROW(2, F_STR, ibkr_status, status),      ROW(1, F_INT, ibkr_status, order_id),
    ROW(3, F_QTY, ibkr_status, filled),      ROW(4, F_QTY, ibkr_status, remaining),
    ROW(5, F_MONEY, ibkr_status, avg_price), ROW(6, F_INT, ibkr_status, perm_id),
    ROW(7, F_INT, ibkr_status, parent_id),   ROW(9, F_INT, ibkr_status, client_id),
};

int ibkr_dec_status(const tws_frame *f, ibkr_status *o, tb_err *e)
{
    return DECODE(f, 3, 11, status_spec, o, e);
}

static const fspec open_spec[] = {
    ROW(3, F_STR, ibkr_open, symbol),         ROW(13, F_STR, ibkr_open, action),
    ROW(15, F_STR, ibkr_open, type),          ROW(18, F_STR, ibkr_open, tif),
    ROW(23, F_STR, ibkr_open, order_ref),     ROW(86, F_STR, ibkr_open, status),
    ROW(1, F_INT, ibkr_open, order_id),       ROW(14, F_QTY, ibkr_open, qty),
    ROW(16, F_MONEY, ibkr_open, limit_price), ROW(17, F_MONEY, ibkr_open, stop_price),
    ROW(24, F_INT, ibkr_open, client_id),     ROW(25, F_INT, ibkr_open, perm_id),
    ROW(58, F_INT, ibkr_open, parent_id),
};

int ibkr_dec_open(const tws_frame *f, ibkr_open *o, tb_err *e)
{
    return DECODE(f, 5, IBKR_OPEN_ORDER_FIELDS, open_spec, o, e);
}

int ibkr_parse_time(const char *s, int64_t *ns)
{
    int y, mo, d, hh, mm, ss, n = 0;
    char sep;
    if (sscanf(s, "%4d%2d%2d%c%n", &y, &mo, &d, &sep, &n) != 4 || (sep != ' ' && sep != '-'))
        return -1;
    const char *p = s + n;
    while (*p == ' ') p++;
    int k = 0;
    /* A year far out (or negative, which %4d takes) overflows nanoseconds: found by fuzzing. */
    if (sscanf(p, "%2d:%2d:%2d%n", &hh, &mm, &ss, &k) != 3 || y < 1900 || y > 2200 || mo < 1 ||
        mo > 12 || d < 1 || d > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60)
        return -1;
    p += k;
    while (*p == ' ') p++;
    int sec = hh * 3600 + mm * 60 + ss;
    tb_date date = tb_date_from_ymd(y, mo, d);
    int utc = sep == '-' || !strcmp(p, "UTC") || !strcmp(p, "GMT") || !strcmp(p, "Etc/UTC");
    if (utc) {
        *ns = ((int64_t)date * 86400 + sec) * 1000000000LL;
        return 0;
    }
    if (*p && strcmp(p, "America/New_York") && strcmp(p, "US/Eastern") && strcmp(p, "EST") &&
        strcmp(p, "EDT") && strcmp(p, "EST5EDT"))
        return -1;
    *ns = tb_cal_local_to_ns(date, sec);
    return 0;
}

static const fspec exec_spec[] = {
    ROW(4, F_STR, ibkr_exec, symbol),       ROW(14, F_STR, ibkr_exec, exec_id),
    ROW(18, F_STR, ibkr_exec, side),        ROW(26, F_STR, ibkr_exec, order_ref),
    ROW(1, F_INT, ibkr_exec, req_id),       ROW(2, F_INT, ibkr_exec, order_id),
    ROW(19, F_QTY, ibkr_exec, shares),      ROW(20, F_MONEY, ibkr_exec, price),
    ROW(22, F_INT, ibkr_exec, client_id),   ROW(24, F_QTY, ibkr_exec, cum_qty),
    ROW(25, F_MONEY, ibkr_exec, avg_price),
};

int ibkr_dec_exec(const tws_frame *f, ibkr_exec *o, tb_err *e)
{
    if (DECODE(f, 11, IBKR_EXEC_FIELDS - 1, exec_spec, o, e) != 0) return -1;
    if (!o->exec_id[0]) return tb_errf(e, "ibkr: execution without an execId");
    char t[48];
    copy(t, sizeof t, f, 15);
    if (ibkr_parse_time(t, &o->time_ns) != 0) o->time_ns = 0;
    return 0;
}

static const fspec commission_spec[] = {
    ROW(2, F_STR, ibkr_commission, exec_id),
    ROW(3, F_MONEY, ibkr_commission, commission),
};

int ibkr_dec_commission(const tws_frame *f, ibkr_commission *o, tb_err *e)
{
    return DECODE(f, 59, 4, commission_spec, o, e);
}

static const fspec position_spec[] = {
    ROW(2, F_STR, ibkr_position, account),     ROW(4, F_STR, ibkr_position, symbol),
    ROW(5, F_STR, ibkr_position, sec_type),    ROW(14, F_QTY, ibkr_position, qty),
    ROW(15, F_MONEY, ibkr_position, avg_cost),
};

int ibkr_dec_position(const tws_frame *f, ibkr_position *o, tb_err *e)
{
    return DECODE(f, 61, 16, position_spec, o, e);
}

static const fspec acct_spec[] = {
    ROW(4, F_STR, ibkr_acct_value, tag),
    ROW(5, F_MONEY, ibkr_acct_value, value),
};

int ibkr_dec_account_value(const tws_frame *f, ibkr_acct_value *o, tb_err *e)
{
    return DECODE(f, 63, 7, acct_spec, o, e);
}

static const fspec error_spec[] = {
    ROW(2, F_INT, ibkr_error, id),
    ROW(3, F_INT, ibkr_error, code),
};

int ibkr_dec_error(const tws_frame *f, ibkr_error *o, tb_err *e)
{
    if (DECODE(f, 4, 5, error_spec, o, e) != 0) return -1;
    o->text = f->field[4];
    return 0;
}
