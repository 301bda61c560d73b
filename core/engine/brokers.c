#include "engine/brokers.h"
#include "broker/alpaca.h"
#include "broker/ibkr.h"
#include "engine/engine.h"
#include "home/home.h"
#include "log/log.h"
#include "loop/stall.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#define IBKR_KV_LAST_ID "ibkr.last_order_id"

static int make_alpaca(tb_engine *en, oms *m, broker *out, tb_err *e)
{
    const tb_config *c = &en->cfg;
    char key[128], secret[128], file[PATH_MAX] = "";
    if (c->alpaca.keys_file && *c->alpaca.keys_file)
        tb_home_path(file, sizeof file, c->alpaca.keys_file);
    if (alpaca_load_keys(file, key, sizeof key, secret, sizeof secret, e) != 0) return -1;
    tb_httpc_opts ho = {.base = tb_loop_base(en->loop)};
    if (!en->http && !(en->http = tb_httpc_new(&ho, e))) return -1;
    alpaca_opts o = {.base = tb_loop_base(en->loop),
                     .http = en->http,
                     .trading_url = c->alpaca.trading_url,
                     .stream_url = c->alpaca.stream_url,
                     .key_id = key,
                     .secret_key = secret,
                     .rate_per_minute = c->alpaca.rate_per_minute,
                     .reconcile_interval_ms = (long)c->alpaca.reconcile_interval_s * 1000,
                     .order_poll_after_ms = (long)c->alpaca.order_poll_after_s * 1000,
                     .order_poll_max = (int)c->alpaca.order_poll_max,
                     .unknown_deadline_ms = (long)c->alpaca.unknown_deadline_s * 1000,
                     .unknown_lookup_max_ms = (long)c->alpaca.unknown_lookup_max_s * 1000,
                     .position_difference_rounds = (int)c->alpaca.position_difference_rounds,
                     .position_difference_min_ms = (long)c->alpaca.position_difference_min_s * 1000,
                     .oms = m};
    if (!(en->alpaca = alpaca_new(&o, e))) return -1;
    memset(key, 0, sizeof key), memset(secret, 0, sizeof secret);
    *out = alpaca_broker(en->alpaca);
    TB_INFO("broker", "broker alpaca: %s (stream %s)", c->alpaca.trading_url,
            *c->alpaca.stream_url ? c->alpaca.stream_url : "off");
    return 0;
}

/* The last IB order id is a durable fact: ids are never reused, even across restarts. */
static int save_ibkr_id(void *ud, int64_t id, tb_err *e)
{
    tb_engine *en = ud;
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)id);
    return en->kv ? tb_kv_set(en->kv, IBKR_KV_LAST_ID, v, e) : 0;
}

static int make_ibkr(tb_engine *en, oms *m, broker *out, tb_err *e)
{
    const tb_config *c = &en->cfg;
    tb_err ke;
    char *last = en->kv ? tb_kv_get(en->kv, IBKR_KV_LAST_ID, &ke) : NULL;
    ibkr_opts o = {.base = tb_loop_base(en->loop),
                   .host = c->ibkr.host,
                   .port = (int)c->ibkr.port,
                   .client_id = (int)c->ibkr.client_id,
                   .alt_client_id = (int)c->ibkr.alternate_client_id,
                   .account = c->ibkr.account,
                   .restart_time = c->ibkr.restart_time,
                   .restart_zone = c->ibkr.restart_zone,
                   .restart_window_minutes = (int)c->ibkr.restart_window_minutes,
                   .reconnect_min_ms = (long)(c->ibkr.reconnect_min_seconds * 1000),
                   .reconnect_max_ms = (long)(c->ibkr.reconnect_max_seconds * 1000),
                   .reconcile_interval_ms = (long)c->ibkr.reconcile_interval_s * 1000,
                   .unknown_deadline_ms = (long)c->ibkr.unknown_deadline_s * 1000,
                   .unknown_lookup_max_ms = (long)c->ibkr.unknown_lookup_max_s * 1000,
                   .position_difference_rounds = (int)c->ibkr.position_difference_rounds,
                   .position_difference_min_ms = (long)c->ibkr.position_difference_min_s * 1000,
                   .last_order_id = last ? strtoll(last, NULL, 10) : 0,
                   .save_order_id = save_ibkr_id,
                   .save_ud = en,
                   .oms = m};
    free(last);
    if (!(en->ibkr = ibkr_new(&o, e))) return -1;
    *out = ibkr_broker(en->ibkr);
    TB_INFO("broker", "broker ibkr: %s:%d client_id=%d (alternate %d) last_order_id=%lld",
            c->ibkr.host, (int)c->ibkr.port, (int)c->ibkr.client_id,
            (int)c->ibkr.alternate_client_id, (long long)o.last_order_id);
    return 0;
}

int tb_engine_make_broker(void *ud, oms *m, broker *out, tb_err *e)
{
    tb_engine *en = ud;
    if (strcmp(en->cfg.broker, "alpaca") == 0) return make_alpaca(en, m, out, e);
    if (strcmp(en->cfg.broker, "ibkr") == 0) return make_ibkr(en, m, out, e);
    return tb_errf(e, "broker \"%s\" is not available in this build (use paper, alpaca or ibkr)",
                   en->cfg.broker);
}

int tb_engine_real_broker(tb_engine *en, broker *out)
{
    if (en->alpaca) *out = alpaca_broker(en->alpaca);
    if (en->ibkr) *out = ibkr_broker(en->ibkr);
    return en->alpaca || en->ibkr;
}

static void on_wait_ready_run(evutil_socket_t fd, short w, void *arg)
{
    tb_engine *en = arg;
    broker b;
    tb_err e;
    if (!tb_engine_real_broker(en, &b)) return;
    if (broker_get_state(b) == BROKER_READY) {
        event_free(en->broker_wait), en->broker_wait = NULL;
        TB_INFO("broker", "broker ready: starting the feed");
        if (tb_runner_start(&en->runner, &e) != 0) TB_ERROR("replay", "cannot start: %s", e.msg);
        return;
    }
    if (++en->broker_waits % 200 == 0)
        TB_WARN("broker", "waiting for the broker: state=%s",
                broker_state_name(broker_get_state(b)));
}

/* Named work for the loop's stall record (loop/stall.h). */
static void on_wait_ready(evutil_socket_t fd, short w, void *arg)
{
    tb_work_begin(TB_WORK_TIMER, "broker readiness wait", NULL);
    on_wait_ready_run(fd, w, arg);
    tb_work_end();
}

int tb_engine_start_feed(tb_engine *en, tb_err *e)
{
    if (!en->runner_open) return 0;
    broker b;
    if (!tb_engine_real_broker(en, &b)) return tb_runner_start(&en->runner, e);
    en->broker_wait = event_new(tb_loop_base(en->loop), -1, EV_PERSIST, on_wait_ready, en);
    struct timeval tv = {0, 50000};
    if (!en->broker_wait || event_add(en->broker_wait, &tv) != 0)
        return tb_errf(e, "engine: cannot wait for the broker");
    return 0;
}

void tb_engine_brokers_close(tb_engine *en)
{
    if (en->broker_wait) event_free(en->broker_wait), en->broker_wait = NULL;
    /* Whatever runs after (a strategy's on_fill, on_stop) must not call into a freed adapter. */
    if ((en->alpaca || en->ibkr) && en->runner.trader)
        oms_detach_broker(tb_trader_oms(en->runner.trader));
    alpaca_free(en->alpaca);
    en->alpaca = NULL;
    ibkr_free(en->ibkr); /* closes the socket cleanly: the Gateway frees the client id */
    en->ibkr = NULL;
    tb_httpc_free(en->http);
    en->http = NULL;
}
