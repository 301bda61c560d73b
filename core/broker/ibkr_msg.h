/*
 * ibkr_msg.h - the TWS API messages the IB adapter sends and reads, pinned to server version 151
 * (IBKR_MAX_VERSION; reference/ibkr-tws.md). Field orders were taken from @stoqey/ib's encoder and
 * decoder at that version (the emulator and the fidelity test check the same layout):
 * PLACE_ORDER is 110 fields, OPEN_ORDER 120, EXECUTION_DATA 31 (no version field from 136 on),
 * ORDER_STATUS 12 (none from 131 on). Encoders write whole frames; decoders read a frame that
 * tws_frame_next split and never trust it (missing fields, bad numbers: -1 with a reason).
 * Pure functions: fuzzed in tests/fuzz.
 */
#ifndef TB_BROKER_IBKR_MSG_H
#define TB_BROKER_IBKR_MSG_H

#include "broker/tws_frame.h"
#include "oms/order.h"
#include "util/money.h"

#define IBKR_PLACE_ORDER_FIELDS 110
#define IBKR_OPEN_ORDER_FIELDS  120
#define IBKR_EXEC_FIELDS        31

/* One stock order as IB sees it (a bracket is three of these). */
typedef struct ibkr_order {
    int64_t order_id, parent_id; /* parent 0: none */
    const char *symbol, *account, *order_ref;
    oms_side side;
    oms_type type;
    oms_tif tif;
    tb_qty qty;
    tb_money limit_price, stop_price; /* 0: unset */
    int transmit;
} ibkr_order;

/* PLACE_ORDER (3) for a SMART-routed USD stock. */
int ibkr_enc_place(tb_sbuf *b, const ibkr_order *o, tb_err *e);
/* CANCEL_ORDER (4): version 1, order id. */
int ibkr_enc_cancel(tb_sbuf *b, int64_t order_id, tb_err *e);
/* REQ_IDS (8). */
int ibkr_enc_req_ids(tb_sbuf *b, tb_err *e);
/* CANCEL_ACCOUNT_SUMMARY (63): IB allows two summary subscriptions at a time. */
int ibkr_enc_cancel_account_summary(tb_sbuf *b, int64_t req_id, tb_err *e);
/* REQ_ACCOUNT_SUMMARY (62) for NetLiquidation, TotalCashValue, BuyingPower. */
int ibkr_enc_account_summary(tb_sbuf *b, int64_t req_id, tb_err *e);

/* ORDER_STATUS (3). */
typedef struct ibkr_status {
    int64_t order_id, perm_id, parent_id, client_id;
    char status[32];
    tb_qty filled, remaining;
    tb_money avg_price;
} ibkr_status;
int ibkr_dec_status(const tws_frame *f, ibkr_status *out, tb_err *e);

/* OPEN_ORDER (5): the fields the adapter uses. */
typedef struct ibkr_open {
    int64_t order_id, parent_id, client_id, perm_id;
    char symbol[OMS_SYMBOL_MAX + 1], action[8], type[16], tif[8];
    char order_ref[OMS_CLIENT_ID_MAX + 1], status[32];
    tb_qty qty;
    tb_money limit_price, stop_price;
} ibkr_open;
int ibkr_dec_open(const tws_frame *f, ibkr_open *out, tb_err *e);

/* EXECUTION_DATA (11). */
typedef struct ibkr_exec {
    int64_t req_id, order_id, client_id;
    char symbol[OMS_SYMBOL_MAX + 1], exec_id[OMS_EXEC_ID_MAX + 1], side[8];
    char order_ref[OMS_CLIENT_ID_MAX + 1];
    tb_qty shares, cum_qty;
    tb_money price, avg_price;
    int64_t time_ns; /* the execution's time (0: absent or in a zone we cannot convert) */
} ibkr_exec;
int ibkr_dec_exec(const tws_frame *f, ibkr_exec *out, tb_err *e);

/*
 * An execution time as IB writes it: "20261127 10:00:00 America/New_York" (or US/Eastern, EST,
 * EDT), "20261127  10:00:00" (no zone: taken as New York, the exchange's), "20261127 15:00:00
 * UTC" or "20261127-15:00:00" (UTC). 0 and *ns set, or -1 (another zone: no tzdata here).
 */
int ibkr_parse_time(const char *s, int64_t *ns);

/* COMMISSION_REPORT (59). */
typedef struct ibkr_commission {
    char exec_id[OMS_EXEC_ID_MAX + 1];
    tb_money commission;
} ibkr_commission;
int ibkr_dec_commission(const tws_frame *f, ibkr_commission *out, tb_err *e);

/* POSITION_DATA (61), version 3. */
typedef struct ibkr_position {
    char account[32], symbol[OMS_SYMBOL_MAX + 1], sec_type[8];
    tb_qty qty;
    tb_money avg_cost;
} ibkr_position;
int ibkr_dec_position(const tws_frame *f, ibkr_position *out, tb_err *e);

/* ACCOUNT_SUMMARY (63): one tag and its value. */
typedef struct ibkr_acct_value {
    char tag[32];
    tb_money value;
} ibkr_acct_value;
int ibkr_dec_account_value(const tws_frame *f, ibkr_acct_value *out, tb_err *e);

/* ERR_MSG (4): id (-1 when not tied to a request), code, text (points into f). */
typedef struct ibkr_error {
    int64_t id, code;
    const char *text;
} ibkr_error;
int ibkr_dec_error(const tws_frame *f, ibkr_error *out, tb_err *e);

#endif
