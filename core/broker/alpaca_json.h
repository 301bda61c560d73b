/*
 * alpaca_json.h - Alpaca's JSON, in and out: order objects, trade_updates stream messages,
 * account, positions, and the order request body. Pure functions over strings, no I/O, so they
 * are unit-tested and fuzzed (tests/fuzz/fuzz_alpaca_json.c).
 *
 * Every field is optional unless the message is useless without it (an order needs its ids and
 * symbol); unknown fields are ignored: Alpaca removed its PDT fields on 2026-07-06 and an older
 * field set may still appear (reference/alpaca.md, "2026 rule change").
 */
#ifndef TB_BROKER_ALPACA_JSON_H
#define TB_BROKER_ALPACA_JSON_H

#include "oms/broker.h"

#include <stddef.h>

/* The parts of an Alpaca order object the adapter uses. */
typedef struct alp_order {
    char id[OMS_BROKER_ID_MAX + 1];
    char client_order_id[OMS_CLIENT_ID_MAX + 1];
    char symbol[OMS_SYMBOL_MAX + 1];
    char status_name[32];
    oms_status status;
    char type[16]; /* market, limit, stop, stop_limit */
    char order_class[16];
    char replaced_by[OMS_BROKER_ID_MAX + 1];
    tb_qty qty, filled_qty;
    tb_money filled_avg_price; /* 0 when null */
    char submitted_at[40];
    /* When its latest execution happened, as far as this object tells (ns UTC, 0 unknown): a
     * trade update's timestamp, else filled_at, else updated_at (a partly filled order). */
    int64_t exec_at_ns;
    int nlegs;
    struct alp_leg {
        char id[OMS_BROKER_ID_MAX + 1];
        char type[16];
    } legs[2];
} alp_order;

typedef enum {
    ALP_MSG_OTHER,
    ALP_MSG_AUTH,      /* authorization: ok says authorized */
    ALP_MSG_LISTENING, /* listening: ok says trade_updates is among the streams */
    ALP_MSG_TRADE_UPDATE
} alp_msg_kind;

typedef struct alp_stream_msg {
    alp_msg_kind kind;
    int ok;
    char event[32]; /* new, fill, partial_fill, canceled, ... */
    char execution_id[OMS_EXEC_ID_MAX + 1];
    tb_qty qty;     /* fill / partial_fill: this execution */
    tb_money price; /* fill / partial_fill: this execution */
    int has_exec;
    alp_order order;
} alp_stream_msg;

/* Maps an Alpaca status name to ours; -1 for an unknown name. */
int alp_status_map(const char *name, oms_status *out);

/* Parses one order object (a JSON text); 0 or -1 with e. */
int alp_parse_order(const char *text, size_t len, alp_order *out, tb_err *e);

/* Parses a trade_updates stream message (text or binary frame). */
int alp_parse_stream(const char *text, size_t len, alp_stream_msg *out, tb_err *e);

/* Parses GET /v2/account; every field optional. */
int alp_parse_account(const char *text, size_t len, broker_account *out, tb_err *e);

/* Parses GET /v2/positions into out[0..cap); -1 when more than cap. */
int alp_parse_positions(const char *text, size_t len, broker_position *out, int cap, int *n,
                        tb_err *e);

/* Parses GET /v2/orders (an array, legs nested) calling fn for each order and leg. */
int alp_parse_order_list(const char *text, size_t len, void (*fn)(void *ud, const alp_order *o),
                         void *ud, tb_err *e);

/* The JSON body of POST /v2/orders for r (malloc'd, caller frees); NULL with e. */
char *alp_order_body(const broker_submit_req *r, tb_err *e);

/* The JSON body of PATCH /v2/orders/{id} for a replace (malloc'd). */
char *alp_replace_body(const broker_replace_req *r, tb_err *e);

#endif
