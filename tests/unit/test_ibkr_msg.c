/* The IBKR message decoders put each wire field in its member: a frame whose field i holds the
 * number i shows the mapping of every field at once, and a garbled number field is refused with
 * its index (the adapter logs it; a wrong mapping would book a fill at a wrong price). */
#include "broker/ibkr_bars.h"
#include "broker/ibkr_msg.h"
#include "tbtest.h"

#include <stdio.h>
#include <string.h>

static char text[TWS_MAX_FIELDS][8];

/* Message `id` of n fields, field i (i > 0) holding "i"; field `bad` (when > 0) holds "x". */
static tws_frame frame(int id, int n, int bad)
{
    tws_frame f = {.n = n};
    for (int i = 0; i < n; i++) {
        snprintf(text[i], sizeof text[i], "%d", i == 0 ? id : i);
        if (bad > 0 && i == bad) snprintf(text[i], sizeof text[i], "x");
        f.field[i] = text[i];
    }
    return f;
}

#define USD(d) ((tb_money)(d)*1000000)

TEST(order_status_fields_land_in_their_members)
{
    tws_frame f = frame(3, 11, 0);
    ibkr_status s;
    tb_err e;
    CHECK_INT(ibkr_dec_status(&f, &s, &e), 0);
    CHECK_INT(s.order_id, 1);
    CHECK_STR(s.status, "2");
    CHECK_INT(s.filled, 3);
    CHECK_INT(s.remaining, 4);
    CHECK_INT(s.avg_price, USD(5));
    CHECK_INT(s.perm_id, 6);
    CHECK_INT(s.parent_id, 7);
    CHECK_INT(s.client_id, 9);
    int nums[] = {1, 3, 4, 5, 6, 7, 9};
    for (int k = 0; k < 7; k++) {
        f = frame(3, 11, nums[k]);
        char want[32];
        snprintf(want, sizeof want, "field %d", nums[k]);
        CHECK_INT(ibkr_dec_status(&f, &s, &e), -1);
        CHECK_CONTAINS(e.msg, want);
    }
}

TEST(open_order_fields_land_in_their_members)
{
    tws_frame f = frame(5, IBKR_OPEN_ORDER_FIELDS, 0);
    ibkr_open o;
    tb_err e;
    CHECK_INT(ibkr_dec_open(&f, &o, &e), 0);
    CHECK_INT(o.order_id, 1);
    CHECK_STR(o.symbol, "3");
    CHECK_STR(o.action, "13");
    CHECK_INT(o.qty, 14);
    CHECK_STR(o.type, "15");
    CHECK_INT(o.limit_price, USD(16));
    CHECK_INT(o.stop_price, USD(17));
    CHECK_STR(o.tif, "18");
    CHECK_STR(o.order_ref, "23");
    CHECK_INT(o.client_id, 24);
    CHECK_INT(o.perm_id, 25);
    CHECK_INT(o.parent_id, 58);
    CHECK_STR(o.status, "86");
    f = frame(5, IBKR_OPEN_ORDER_FIELDS, 16);
    CHECK_INT(ibkr_dec_open(&f, &o, &e), -1);
    CHECK_CONTAINS(e.msg, "field 16");
    f = frame(5, IBKR_OPEN_ORDER_FIELDS - 1, 0);
    CHECK_INT(ibkr_dec_open(&f, &o, &e), -1);
    CHECK_CONTAINS(e.msg, "fields");
}

TEST(execution_fields_land_in_their_members)
{
    tws_frame f = frame(11, IBKR_EXEC_FIELDS - 1, 0);
    ibkr_exec x;
    tb_err e;
    CHECK_INT(ibkr_dec_exec(&f, &x, &e), 0);
    CHECK_INT(x.req_id, 1);
    CHECK_INT(x.order_id, 2);
    CHECK_STR(x.symbol, "4");
    CHECK_STR(x.exec_id, "14");
    CHECK_INT(x.time_ns, 0); /* "15" is no time */
    CHECK_STR(x.side, "18");
    CHECK_INT(x.shares, 19);
    CHECK_INT(x.price, USD(20));
    CHECK_INT(x.client_id, 22);
    CHECK_INT(x.cum_qty, 24);
    CHECK_INT(x.avg_price, USD(25));
    CHECK_STR(x.order_ref, "26");
    f = frame(11, IBKR_EXEC_FIELDS - 1, 20);
    CHECK_INT(ibkr_dec_exec(&f, &x, &e), -1);
    CHECK_CONTAINS(e.msg, "field 20");
    f = frame(11, IBKR_EXEC_FIELDS - 1, 0);
    text[14][0] = '\0';
    CHECK_INT(ibkr_dec_exec(&f, &x, &e), -1);
    CHECK_CONTAINS(e.msg, "execId");
}

TEST(commission_position_account_and_error_fields_land_in_their_members)
{
    tb_err e;
    tws_frame f = frame(59, 4, 0);
    ibkr_commission c;
    CHECK_INT(ibkr_dec_commission(&f, &c, &e), 0);
    CHECK_STR(c.exec_id, "2");
    CHECK_INT(c.commission, USD(3));
    f = frame(61, 16, 0);
    ibkr_position p;
    CHECK_INT(ibkr_dec_position(&f, &p, &e), 0);
    CHECK_STR(p.account, "2");
    CHECK_STR(p.symbol, "4");
    CHECK_STR(p.sec_type, "5");
    CHECK_INT(p.qty, 14);
    CHECK_INT(p.avg_cost, USD(15));
    f = frame(61, 16, 14);
    CHECK_INT(ibkr_dec_position(&f, &p, &e), -1);
    CHECK_CONTAINS(e.msg, "field 14");
    f = frame(63, 7, 0);
    ibkr_acct_value a;
    CHECK_INT(ibkr_dec_account_value(&f, &a, &e), 0);
    CHECK_STR(a.tag, "4");
    CHECK_INT(a.value, USD(5));
    f = frame(4, 5, 0);
    ibkr_error r;
    CHECK_INT(ibkr_dec_error(&f, &r, &e), 0);
    CHECK_INT(r.id, 2);
    CHECK_INT(r.code, 3);
    CHECK_STR(r.text, "4");
    f = frame(4, 5, 3);
    CHECK_INT(ibkr_dec_error(&f, &r, &e), -1);
    CHECK_CONTAINS(e.msg, "field 3");
    f = frame(61, 16, 0);
    CHECK_INT(ibkr_dec_error(&f, &r, &e), -1);
    CHECK_CONTAINS(e.msg, "not message 4");
}

/* The message `enc` wrote, as its fields joined by '|'. */
static void fields_of(const tb_sbuf *b, char *out, size_t cap)
{
    tws_frame f;
    size_t used;
    tb_err e;
    out[0] = '\0';
    if (tws_frame_next((const uint8_t *)b->s, b->len, &used, &f, &e) != 1) return;
    for (int i = 0; i < f.n; i++) {
        size_t l = strlen(out);
        snprintf(out + l, cap - l, "%s%s", i ? "|" : "", f.field[i]);
    }
    tws_frame_free(&f);
}

TEST(short_requests_carry_their_id_version_and_argument)
{
    tb_sbuf b = {0};
    tb_err e;
    char got[256];
    CHECK_INT(ibkr_enc_cancel(&b, 42, &e), 0);
    fields_of(&b, got, sizeof got);
    CHECK_STR(got, "4|1|42");
    CHECK_INT(ibkr_enc_req_ids(&b, &e), 0);
    fields_of(&b, got, sizeof got);
    CHECK_STR(got, "8|1|1");
    CHECK_INT(ibkr_enc_cancel_account_summary(&b, 9001, &e), 0);
    fields_of(&b, got, sizeof got);
    CHECK_STR(got, "63|1|9001");
    CHECK_INT(ibkr_enc_account_summary(&b, 9001, &e), 0);
    fields_of(&b, got, sizeof got);
    CHECK_STR(got, "62|1|9001|All|NetLiquidation,TotalCashValue,BuyingPower");
    CHECK_INT(ibkr_enc_cancel_rt_bars(&b, 7, &e), 0);
    fields_of(&b, got, sizeof got);
    CHECK_STR(got, "51|1|7");
    tb_sbuf_free(&b);
}
