#include "feed/alpaca_data_json.h"
#include "data/csv.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int num(json_t *o, const char *k, double *out)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_number(v)) return -1;
    *out = json_number_value(v);
    return 0;
}

/* One bar object {t,o,h,l,c,v,n,vw} into b; symbol set by the caller. */
static int parse_bar(json_t *o, int32_t tf_sec, tb_bar *b)
{
    memset(b, 0, sizeof *b);
    json_t *t = json_object_get(o, "t");
    double n = 0;
    if (!json_is_string(t) ||
        tb_csv_parse_time(json_string_value(t), json_string_length(t), &b->start_ns) != 0)
        return -1;
    if (num(o, "o", &b->open) || num(o, "h", &b->high) || num(o, "l", &b->low) ||
        num(o, "c", &b->close) || num(o, "v", &b->volume))
        return -1;
    if (num(o, "vw", &b->vwap) != 0) b->vwap = b->close;
    if (num(o, "n", &n) == 0 && n >= 0 && n < 9e18) b->trades = (int64_t)n;
    b->tf_sec = tf_sec;
    return tb_bar_valid(b) ? 0 : -1;
}

static int intern(tb_symtab *syms, json_t *s, uint32_t *out)
{
    if (!json_is_string(s) || json_string_length(s) == 0 || json_string_length(s) > 15) return -1;
    int64_t id = tb_symtab_intern_n(syms, json_string_value(s), json_string_length(s), NULL);
    if (id < 0) return -1;
    *out = (uint32_t)id;
    return 0;
}

static void copy_str(json_t *v, char *out, size_t cap)
{
    snprintf(out, cap, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* One element of a stream array; 0 handled (fn called), -1 a malformed element. */
static int element(json_t *o, tb_symtab *syms, ad_msg_fn fn, void *ud)
{
    ad_msg m;
    memset(&m, 0, sizeof m);
    const char *t = json_string_value(json_object_get(o, "T"));
    if (!t) return -1;
    if (strcmp(t, "success") == 0) {
        m.type = AD_MSG_SUCCESS;
        copy_str(json_object_get(o, "msg"), m.msg, sizeof m.msg);
    } else if (strcmp(t, "error") == 0) {
        m.type = AD_MSG_ERROR;
        json_t *c = json_object_get(o, "code");
        m.code = json_is_integer(c) ? (int)json_integer_value(c) : 0;
        copy_str(json_object_get(o, "msg"), m.msg, sizeof m.msg);
    } else if (strcmp(t, "subscription") == 0) {
        m.type = AD_MSG_SUBSCRIPTION;
        json_t *b = json_object_get(o, "bars");
        m.nbars = json_is_array(b) ? (int)json_array_size(b) : 0;
    } else if (strcmp(t, "b") == 0 || strcmp(t, "u") == 0) {
        m.type = t[0] == 'b' ? AD_MSG_BAR : AD_MSG_UPDATED_BAR;
        if (parse_bar(o, 60, &m.bar) != 0 || intern(syms, json_object_get(o, "S"), &m.bar.sym))
            return -1;
    } else {
        m.type = AD_MSG_OTHER;
    }
    fn(ud, &m);
    return 0;
}

int ad_parse_stream(const char *text, size_t len, tb_symtab *syms, ad_msg_fn fn, void *ud, int *bad,
                    tb_err *e)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) return tb_errf(e, "alpaca data: stream message is not JSON: %s", je.text);
    if (json_is_object(root)) {
        if (element(root, syms, fn, ud) != 0 && bad) (*bad)++;
    } else if (json_is_array(root)) {
        size_t i;
        json_t *o;
        json_array_foreach(root, i, o)
        {
            if ((!json_is_object(o) || element(o, syms, fn, ud) != 0) && bad) (*bad)++;
        }
    } else if (bad) {
        (*bad)++;
    }
    json_decref(root);
    return 0;
}

static int bar_array(json_t *arr, uint32_t sym, int32_t tf_sec, tb_bar_vec *out, tb_err *e)
{
    if (json_is_null(arr)) return 0; /* a symbol or a range without bars */
    if (!json_is_array(arr)) return tb_errf(e, "alpaca data: \"bars\" is not an array");
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        tb_bar b;
        if (!json_is_object(o) || parse_bar(o, tf_sec, &b) != 0)
            return tb_errf(e, "alpaca data: bar %zu is malformed", i);
        b.sym = sym;
        if (tb_bar_vec_push(out, &b, e) != 0) return -1;
    }
    return 0;
}

static int page_bars(json_t *root, tb_symtab *syms, const char *symbol, int32_t tf_sec,
                     tb_bar_vec *out, tb_err *e)
{
    json_t *bars = json_object_get(root, "bars");
    uint32_t id;
    if (symbol) {
        int64_t s = tb_symtab_intern(syms, symbol, e);
        return s < 0 ? -1 : bar_array(bars, (uint32_t)s, tf_sec, out, e);
    }
    if (json_is_null(bars) || !bars) return 0;
    if (!json_is_object(bars)) return tb_errf(e, "alpaca data: \"bars\" is not an object");
    const char *k;
    json_t *arr;
    json_object_foreach(bars, k, arr)
    {
        json_t *ks = json_string(k);
        int rc = intern(syms, ks, &id);
        json_decref(ks);
        if (rc != 0) return tb_errf(e, "alpaca data: bad symbol in \"bars\"");
        if (bar_array(arr, id, tf_sec, out, e) != 0) return -1;
    }
    return 0;
}

int ad_parse_bars_page(const char *text, size_t len, tb_symtab *syms, const char *symbol,
                       int32_t tf_sec, tb_bar_vec *out, char *next_token, size_t cap, tb_err *e)
{
    next_token[0] = '\0';
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    if (!root) return tb_errf(e, "alpaca data: bars page is not JSON: %s", je.text);
    size_t before = out->n;
    int rc = json_is_object(root) ? page_bars(root, syms, symbol, tf_sec, out, e)
                                  : tb_errf(e, "alpaca data: bars page is not an object");
    if (rc == 0)
        copy_str(json_object_get(root, "next_page_token"), next_token, cap);
    else
        out->n = before; /* all of a page or nothing */
    json_decref(root);
    return rc;
}

void ad_parse_rest_error(const char *text, size_t len, char *msg, size_t cap)
{
    msg[0] = '\0';
    json_t *root = text ? json_loadb(text, len, 0, NULL) : NULL;
    if (!root) return;
    copy_str(json_object_get(root, "message"), msg, cap);
    json_decref(root);
}
