/*
 * ibkr_bars.h - the TWS API market-data messages of the IB live feed, pinned to server version 151
 * like broker/ibkr_msg.h. Layouts follow the official client (ibapi client.py / decoder.py) at
 * that version, checked against @stoqey/ib by tests/emu/sdk_ib.js:
 * - REQ_REAL_TIME_BARS (50): version 3, reqId, the contract (conId .. tradingClass), barSize 5,
 *   whatToShow, useRTH, options "": 19 fields. CANCEL_REAL_TIME_BARS (51): version 1, reqId.
 * - REQ_HISTORICAL_DATA (20): no version field from 124 (SYNT_REALTIME_BARS) on; reqId, the
 *   contract, includeExpired, endDateTime, barSize, duration, useRTH, whatToShow, formatDate,
 *   keepUpToDate, chartOptions "": 23 fields.
 * - REAL_TIME_BARS (50): version, reqId, time, open, high, low, close, volume (decimal), wap
 *   (decimal), count: 11 fields.
 * - HISTORICAL_DATA (17): no version field and no hasGaps from 124 on, startDate and endDate
 *   still present below 196 (HISTORICAL_DATA_END): reqId, startDate, endDate, itemCount, then per
 *   bar date, open, high, low, close, volume, wap, barCount.
 * Prices are parsed to whole micro-dollars (tb_money) as in ibkr_msg.c, so a bar's prices are
 * exact to the cent however the Gateway spells them. Decoders never trust the frame: missing
 * fields, bad numbers, an itemCount the frame cannot hold: -1 with a reason. Fuzzed.
 */
#ifndef TB_BROKER_IBKR_BARS_H
#define TB_BROKER_IBKR_BARS_H

#include "broker/tws_frame.h"
#include "util/money.h"

#define IBKR_RT_BARS_FIELDS  19
#define IBKR_HIST_REQ_FIELDS 23
#define IBKR_RT_BAR_FIELDS   11
#define IBKR_HIST_BAR_FIELDS 8
#define IBKR_HIST_MAX_BARS   ((TWS_MAX_FIELDS - 5) / IBKR_HIST_BAR_FIELDS)

/* REQ_REAL_TIME_BARS (50): 5-second TRADES bars of a SMART/USD stock. */
int ibkr_enc_rt_bars(tb_sbuf *b, int64_t req_id, const char *symbol, int use_rth, tb_err *e);
/* CANCEL_REAL_TIME_BARS (51). */
int ibkr_enc_cancel_rt_bars(tb_sbuf *b, int64_t req_id, tb_err *e);

/* REQ_HISTORICAL_DATA (20): 1 min TRADES bars, formatDate 2 (epoch seconds), keepUpToDate 0.
 * end: "yyyymmdd-hh:mm:ss" in UTC ("" = now); duration: "<n> S". */
int ibkr_enc_hist(tb_sbuf *b, int64_t req_id, const char *symbol, const char *end,
                  const char *duration, int use_rth, tb_err *e);

/* One bar as the Gateway sends it. */
typedef struct ibkr_bar {
    int64_t time_s; /* start, Unix seconds */
    tb_money open, high, low, close;
    double volume, wap;
    int64_t count;
} ibkr_bar;

/* REAL_TIME_BARS (50). */
int ibkr_dec_rt_bar(const tws_frame *f, int64_t *req_id, ibkr_bar *out, tb_err *e);

/* HISTORICAL_DATA (17): the bars into out[cap] (*n of them; more than cap: -1). Bar dates must be
 * formatDate 2 (epoch seconds). */
int ibkr_dec_hist(const tws_frame *f, int64_t *req_id, ibkr_bar *out, int cap, int *n, tb_err *e);

/* "yyyymmdd-hh:mm:ss" (UTC) of t_s into buf (18 bytes). */
char *ibkr_fmt_utc(int64_t t_s, char *buf, size_t cap);

#endif
