/*
 * alpaca_priv.h - what alpaca.c (orders) and alpaca_sync.c (stream, reconciliation) share.
 */
#ifndef TB_BROKER_ALPACA_PRIV_H
#define TB_BROKER_ALPACA_PRIV_H

#include "broker/alpaca.h"
#include "broker/alpaca_json.h"
#include "broker/posdiff.h"
#include "broker/reconcile.h"
#include "net/ws.h"

#define ALP_LEGMAP       1024
#define ALP_POSITIONS    512
#define ALP_HEARD        1024
#define ALP_UNKNOWN      256
#define ALP_CANCELS      256
#define ALP_SYNC_LOOKUPS 64 /* lookups a reconciliation asks for (the rest: next round) */
/* How long after Alpaca accepted a cancel (204) the order may still show a working status
 * before that means the cancel did not take. */
#define ALP_CANCEL_HOLD_NS (30LL * 1000000000LL)

typedef enum { RQ_SUBMIT, RQ_LOOKUP, RQ_CANCEL, RQ_REPLACE, RQ_POLL, RQ_SYNC, RQ_WATCH } rq_kind;

/* One request in flight; owned by the adapter's list until its answer is handled. */
typedef struct alp_req {
    struct alpaca *a;
    rq_kind kind;
    char client_id[OMS_CLIENT_ID_MAX + 1];
    char old_client_id[OMS_CLIENT_ID_MAX + 1]; /* replace: the order being replaced */
    char leg_tp[OMS_CLIENT_ID_MAX + 1], leg_sl[OMS_CLIENT_ID_MAX + 1];
    char *body;      /* submit: the request body */
    int then_cancel; /* lookup: cancel the order once its broker id is known */
    int unknown;     /* lookup of an order with an unknown outcome (alpaca_lookup.c) */
    int count;       /* sync: orders seen */
    void (*on_done)(struct alp_req *q, const tb_httpc_resp *r);
    struct alp_req *prev, *next;
} alp_req;

/* A poll of one order after a cancel, in case the stream stays silent. */
typedef struct poll_later {
    struct alpaca *a;
    struct event *ev;
    char cid[OMS_CLIENT_ID_MAX + 1], bid[OMS_BROKER_ID_MAX + 1];
    struct poll_later *prev, *next;
} poll_later;

struct alpaca {
    alpaca_opts o;
    char base_url[256], stream_url[256], ca_file[256]; /* copies: opts may be temporaries */
    char key_id[128], secret_key[128];
    char hdr_key[200], hdr_secret[200];
    int own_http;
    tb_http *http;
    tb_ws *ws;
    broker_state state;
    broker_update_fn fn;
    void *ud;
    alp_req *reqs;
    poll_later *polls;
    struct event *sync_timer, *connect_timer;
    int syncing, synced_once, stream_ready;
    struct {
        char broker_id[OMS_BROKER_ID_MAX + 1];
        char client_id[OMS_CLIENT_ID_MAX + 1];
    } legs[ALP_LEGMAP];
    int nlegs_next;
    broker_position pos[ALP_POSITIONS];
    int npos;
    broker_account acct;
    alpaca_stats st;
    /* The order watchdog (alpaca_watch.c): when each order was last heard of (stream, its own
     * poll or lookup, the submit answer; not the periodic list), and the stream's pulse. */
    struct {
        char cid[OMS_CLIENT_ID_MAX + 1];
        int64_t heard_ns;
    } heard[ALP_HEARD];
    int nheard_next;
    int quiet_apply; /* set while the periodic list is applied: that is not "heard" */
    struct event *watch_timer;
    int64_t last_stream_ns, last_forced_ns;
    int missed; /* polls that learned what the stream never said, since its last event */
    /* Orders with an unknown outcome (alpaca_lookup.c): their lookups' backoff. */
    struct {
        char cid[OMS_CLIENT_ID_MAX + 1];
        int attempt;
        int64_t next_ns;
    } unk[ALP_UNKNOWN];
    struct event *unknown_timer;
    /* Cancels Alpaca accepted (204) and when: the venue confirms them later (alpaca_orders.c). */
    struct {
        char cid[OMS_CLIENT_ID_MAX + 1];
        int64_t at_ns;
    } cancels[ALP_CANCELS];
    int ncancels_next;
    posdiff posdiff;       /* position differences seen by reconciliations (logged once each) */
    reconcile_round round; /* the reconciliation in progress (broker/reconcile.h) */
    int sync_periodic;     /* ... started by the timer (its summary says "periodic") */
    int sync_orders;       /* ... orders the broker listed */
    int sync_lookups;      /* ... lookups it asked for */
    reconcile_seen seen;   /* ... our orders the list settled */
};

/* Starts a request; on_done gets the answer. Returns -1 when it could not be queued. */
int alp_request(struct alpaca *a, alp_req *q, const char *method, const char *path,
                const char *body, tb_httpc_retry retry, tb_err *e);
alp_req *alp_req_new(struct alpaca *a, rq_kind kind, const char *client_id);

/* Whether a request for client id cid that match accepts is in flight: the one walk of the
 * adapter's requests that alp_in_flight and alp_cancel_under_way share. */
int alp_req_pending(const struct alpaca *a, const char *cid, int (*match)(const alp_req *q));

/* Our order for a broker order: by client_order_id, or a bracket leg's by its Alpaca id; NULL
 * when the order manager does not hold it. */
const oms_order *alp_held(struct alpaca *a, const alp_order *o);

/* Whether a submit or a lookup by client id of cid is in flight (its answer settles it). */
int alp_in_flight(const struct alpaca *a, const char *cid);

/* Applies a broker order to the order manager (fills from cumulative figures). An order it does
 * not hold (alp_held) is ignored when another client's or in the reconciliation's list (which
 * flags ours that still work: alpaca_sync.c), and a refused update otherwise. */
void alp_apply(struct alpaca *a, const alp_order *o, const char *exec_id, tb_qty ex_qty,
               tb_money ex_price, const char *reason);

/* Remembers a bracket leg's broker id -> our client id. */
void alp_leg_remember(struct alpaca *a, const char *broker_id, const char *client_id);

/* Cancels an order at the broker by its broker id (DELETE /v2/orders/{id}), then polls it. */
void alp_send_cancel(struct alpaca *a, const char *cid, const char *broker_id);

/* The order verbs of the vtable (alpaca_orders.c). */
int alp_v_submit(void *self, const broker_submit_req *r, tb_err *e);
int alp_v_cancel(void *self, const oms_order *o, tb_err *e);
int alp_v_replace(void *self, const broker_replace_req *r, tb_err *e);

/* Whether a cancel of cid is under way at Alpaca: a DELETE (or the lookup that precedes it) in
 * flight, or one Alpaca accepted less than ALP_CANCEL_HOLD_NS ago and has not rejected since.
 * Alpaca cancels asynchronously: until then the order still shows its working status, which
 * does not mean the cancel never arrived. */
int alp_cancel_under_way(const struct alpaca *a, const char *cid, int64_t now_ns);

/* Alpaca rejected the cancel of cid (order_cancel_rejected): the order works on. */
void alp_cancel_rejected(struct alpaca *a, const char *cid);

/* Drops a pending poll (unlinked from a->polls) and its timer. */
void alp_poll_free(poll_later *p);

/* Looks an order up by client id (then applies what is found). */
int alp_lookup(struct alpaca *a, const char *client_id, alp_req *from);

/* The message of an Alpaca error body ("insufficient buying power"), or the status text. */
void alp_error_text(const tb_httpc_resp *r, char *out, size_t cap);

/* Marks the adapter disconnected after a 401/403 on a non-order call. */
void alp_auth_failed(struct alpaca *a, const tb_httpc_resp *r);

/* The order watchdog (alpaca_watch.c): its 1 s tick (nothing when order_poll_after_ms is 0),
 * "order cid was heard of now", and "the stream spoke now". */
int alp_watch_init(struct alpaca *a, tb_err *e);
void alp_watch_free(struct alpaca *a);
void alp_heard(struct alpaca *a, const char *cid, int64_t now_ns);
void alp_stream_pulse(struct alpaca *a, int64_t now_ns);

/* Orders with an unknown outcome (alpaca_lookup.c): the 1 s timer that looks them up by
 * client_order_id with backoff until found or their deadline; marking one unknown (a submit
 * answered 5xx, timed out or dropped; no acknowledgement at a restart); a lookup's answer. */
int alp_unknown_init(struct alpaca *a, tb_err *e);
void alp_unknown_free(struct alpaca *a);
void alp_unknown_mark(struct alpaca *a, const char *cid, const char *why);
void alp_unknown_answer(alp_req *q, const tb_httpc_resp *r);
/* The broker shows an order we hold as unknown (or expired at its deadline): logs the adoption
 * (alp_apply then applies the broker's state and fills). */
void alp_unknown_adopt(struct alpaca *a, const oms_order *mine, const alp_order *o);

/* Stream and reconciliation (alpaca_sync.c). */
int alp_stream_start(struct alpaca *a, tb_err *e);
void alp_sync_start(struct alpaca *a);

#endif
