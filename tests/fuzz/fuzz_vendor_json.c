/*
 * fuzz_vendor_json: libFuzzer target for every vendor message parser (and the TWS framing): Alpaca
 * (stream frames, order objects, account, positions, order lists), Alpaca market data (the bars
 * stream's arrays, bars pages of one and many symbols), Polygon (aggregates, grouped daily,
 * stock snapshots, index) and the IB Gateway messages (orderStatus, openOrder, execDetails,
 * commissionReport, position, account summary, error, and the live feed's REAL_TIME_BARS and
 * HISTORICAL_DATA, the 5-second bars then aggregated into minutes) decoded from every TWS frame
 * the input holds. Any input must give 0 or -1, never a crash, a leak or undefined behaviour.
 * Built with clang
 * -fsanitize=fuzzer,address,undefined.
 */
#include "broker/alpaca_json.h"
#include "broker/ibkr_bars.h"
#include "broker/ibkr_msg.h"
#include "broker/tws_frame.h"
#include "feed/alpaca_data_json.h"
#include "feed/ibkr_agg.h"
#include "feed/polygon_json.h"

#include <stddef.h>
#include <stdint.h>

static void count(void *ud, const alp_order *o)
{
    (*(int *)ud)++;
}

static void on_data_msg(void *ud, const ad_msg *m)
{
    (*(int *)ud) += m->type == AD_MSG_BAR;
}

/* Every IB decoder on one frame (each checks the message id first, so force it too). */
static void ibkr_decode_all(tws_frame *f)
{
    tb_err e;
    ibkr_status s;
    ibkr_open o;
    ibkr_exec x;
    ibkr_commission c;
    ibkr_position p;
    ibkr_acct_value v;
    ibkr_error er;
    static const char *const ids[] = {"3", "5", "11", "59", "61", "63", "4", "50", "17"};
    static ibkr_bar hist[IBKR_HIST_MAX_BARS];
    ibkr_bar rb;
    int64_t req;
    int nh;
    ibkr_agg agg;
    tb_bar out[2];
    ibkr_agg_init(&agg, 1);
    if (f->n == 0) return;
    const char *orig = f->field[0];
    for (int i = 0; i < 10; i++) {
        if (i < 9) f->field[0] = ids[i];
        if (ibkr_dec_rt_bar(f, &req, &rb, &e) == 0) ibkr_agg_add(&agg, &rb, out);
        if (ibkr_dec_hist(f, &req, hist, IBKR_HIST_MAX_BARS, &nh, &e) == 0)
            for (int k = 0; k < nh; k++) ibkr_agg_add(&agg, &hist[k], out);
        ibkr_dec_status(f, &s, &e);
        ibkr_dec_open(f, &o, &e);
        ibkr_dec_exec(f, &x, &e);
        ibkr_dec_commission(f, &c, &e);
        ibkr_dec_position(f, &p, &e);
        ibkr_dec_account_value(f, &v, &e);
        ibkr_dec_error(f, &er, &e);
        f->field[0] = orig;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    tb_err e;
    alp_stream_msg m;
    alp_order o;
    broker_account a;
    broker_position pos[8];
    int n = 0;
    alp_parse_stream(s, size, &m, &e);
    alp_parse_order(s, size, &o, &e);
    alp_parse_account(s, size, &a, &e);
    alp_parse_positions(s, size, pos, 8, &n, &e);
    alp_parse_order_list(s, size, count, &n, &e);
    tb_bar_vec bars = {0};
    tb_symtab syms;
    tb_symtab_init(&syms);
    pg_page page;
    double v;
    pg_parse_aggs(s, size, 0, 60, &bars, &page, &e);
    pg_parse_grouped(s, size, &syms, &bars, &page, &e);
    pg_parse_index_value(s, size, &v, &page, &e);
    pg_snap_vec snaps = {0};
    pg_parse_snapshot(s, size, &snaps, &page, &e);
    pg_parse_snapshot(s, size, &snaps, &page, &e); /* appending to a vector that holds some */
    pg_snap_vec_free(&snaps);
    int bad = 0;
    char token[256];
    ad_parse_stream(s, size, &syms, on_data_msg, &n, &bad, &e);
    ad_parse_bars_page(s, size, &syms, "AAPL", 60, &bars, token, sizeof token, &e);
    ad_parse_bars_page(s, size, &syms, NULL, 60, &bars, token, sizeof token, &e);
    tb_bar_vec_free(&bars);
    tb_symtab_free(&syms);
    size_t off = 0, used; /* the same bytes as a TWS stream: frames until one is incomplete */
    tws_frame f;
    while (off < size && tws_frame_next(data + off, size - off, &used, &f, &e) == 1) {
        int64_t x;
        for (int i = 0; i < f.n; i++) tws_field_int(&f, i, &x);
        ibkr_decode_all(&f);
        tws_frame_free(&f);
        off += used;
    }
    return 0;
}
