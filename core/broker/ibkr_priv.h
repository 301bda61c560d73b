/*
 * ibkr_priv.h - what ibkr.c (vtable, orders), ibkr_apply.c (messages from the Gateway) and
 * ibkr_sync.c (reconciliation) share.
 */
#ifndef TB_BROKER_IBKR_PRIV_H
#define TB_BROKER_IBKR_PRIV_H

#include "broker/ibkr.h"
#include "broker/ibkr_msg.h"
#include "broker/posdiff.h"
#include "broker/reconcile.h"

#define IBK_IDMAP     4096
#define IBK_POSITIONS 512
#define IBK_FEES      1024

/* A recent execution and its commission (ibkr_fees.c): commissionReport comes after its
 * execDetails, sometimes late, or (after a reconnect) before the execution is matched. */
typedef struct ibk_fee {
    char exec_id[OMS_EXEC_ID_MAX + 1];
    char cid[OMS_CLIENT_ID_MAX + 1]; /* "" : the execution not seen yet */
    tb_money fee;
    int has_fee;
} ibk_fee;

/* IB order id <-> our client id, for messages that carry only the id (orderStatus, errors). */
typedef struct ibk_idmap_entry {
    int64_t order_id;
    tb_qty cum_base; /* filled before a modification: IB's cumQty counts the whole IB order */
    char cid[OMS_CLIENT_ID_MAX + 1];
} ibk_idmap_entry;

struct ibkr {
    ibkr_opts o;
    char host[64], account[64], restart_time[8], restart_zone[40];
    int restart_sec, restart_utc;
    ibkr_conn *conn;
    broker_state state;
    broker_update_fn fn;
    void *ud;
    ibk_idmap_entry map[IBK_IDMAP];
    int map_next;
    broker_position pos[IBK_POSITIONS], sync_pos[IBK_POSITIONS];
    int npos, nsync_pos;
    reconcile_seen seen; /* our orders open at IB in this sync (broker/reconcile.h) */
    int syncing, farm_broken, acct_req;
    int quiet; /* the sync in progress is a periodic one: orders go on */
    struct event *reconcile_timer;
    int64_t acct_active; /* reqId of this session's account summary subscription (0: none) */
    broker_account acct;
    ibkr_stats st;
    ibk_fee fees[IBK_FEES];
    int fees_next;
    ibkr_conn_tap tap; /* the live feed sharing the connection (ibkr_set_data_tap) */
    void (*tap_detach)(void *ud);
    struct event *unknown_timer; /* lookups of unknown-outcome orders (ibkr_unknown.c) */
    int unk_attempt;
    int64_t unk_next_ns;
    posdiff posdiff;       /* position differences seen by reconciliations (logged once each) */
    reconcile_round round; /* the reconciliation in progress (broker/reconcile.h) */
};

/* Remembers IB order id -> client id (the newest entry wins). */
void ibk_map_put(struct ibkr *a, int64_t order_id, const char *cid);
/* Shares the IB order had filled before it was modified into its current client id (0: none). */
tb_qty ibk_map_base(const struct ibkr *a, int64_t order_id);
/* Our client id for an IB order id, or NULL. */
const char *ibk_map_cid(const struct ibkr *a, int64_t order_id);
/* The IB order id we used for a client id, or 0. */
int64_t ibk_map_id(const struct ibkr *a, const char *cid);

/* Sends one update to the OMS callback. */
void ibk_update(struct ibkr *a, const char *cid, int64_t order_id, oms_status st,
                const char *reason);
/* ibk_update with the broker's cumulative filled quantity (a final status that overtook its
 * executions: the order manager waits for them). */
void ibk_update_cum(struct ibkr *a, const char *cid, int64_t order_id, oms_status st,
                    const char *reason, tb_qty cum_qty);

/* A replacement was acknowledged (or filled): its old order becomes replaced, once. */
void ibk_replace_done(struct ibkr *a, const oms_order *o);
/* A modification was refused: the IB order id belongs to the old order again, which works on. */
int ibk_replace_failed(struct ibkr *a, const oms_order *o, int64_t order_id);

/* Handles a message the connection did not consume (ibkr_apply.c). */
void ibk_on_message(void *ud, const tws_frame *f);

/* Reconciliation (ibkr_sync.c): a sync began / all three lists ended. */
void ibk_sync_begin(struct ibkr *a);
void ibk_sync_end(struct ibkr *a);
/* The periodic quiet re-sync: begins while ready (ibkr_sync.c). */
void ibk_quiet_sync(struct ibkr *a);
void ibk_position_put(struct ibkr *a, const ibkr_position *p);

/* An execution of our order cid: *fee set (and 1 returned) when its commission came first. */
int ibk_fee_exec(struct ibkr *a, const char *exec_id, const char *cid, tb_money *fee);
/* A commissionReport: applied to the stored fill, or kept for the execution still to come. */
void ibk_fee_report(struct ibkr *a, const char *exec_id, tb_money fee);

/* The broker interface's not_ready (ibkr_ready.c). */
const char *ibk_not_ready(void *self, char *why, size_t why_len);

/* Unknown outcomes (ibkr_unknown.c): a reconciliation did not show our order `o` (new: it
 * becomes unknown; unknown past its deadline: expired); IB shows an order we hold as unknown (or
 * expired at its deadline): logs the adoption; the lookup timer. */
void ibk_unknown_settle(struct ibkr *a, const oms_order *o);
void ibk_unknown_adopt(struct ibkr *a, const oms_order *o, int64_t order_id, const char *what);
int ibk_unknown_init(struct ibkr *a, tb_err *e);
void ibk_unknown_free(struct ibkr *a);

/* Asks for the account summary (again, after a farm came back). */
void ibk_request_account(struct ibkr *a);

#endif
