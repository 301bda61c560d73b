#include "engine/brokers.h"
#include "broker/alpaca.h"
#include "engine/engine.h"
#include "home/home.h"
#include "log/log.h"

#include <event2/event.h>
#include <string.h>

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
                     .oms = m};
    if (!(en->alpaca = alpaca_new(&o, e))) return -1;
    memset(key, 0, sizeof key), memset(secret, 0, sizeof secret);
    *out = alpaca_broker(en->alpaca);
    TB_INFO("broker", "broker alpaca: %s (stream %s)", c->alpaca.trading_url,
            *c->alpaca.stream_url ? c->alpaca.stream_url : "off");
    return 0;
}

int tb_engine_make_broker(void *ud, oms *m, broker *out, tb_err *e)
{
    tb_engine *en = ud;
    if (strcmp(en->cfg.broker, "alpaca") == 0) return make_alpaca(en, m, out, e);
    return tb_errf(e, "broker \"%s\" is not available in this build (use paper or alpaca)",
                   en->cfg.broker);
}

static void on_wait_ready(evutil_socket_t fd, short w, void *arg)
{
    tb_engine *en = arg;
    broker b = alpaca_broker(en->alpaca);
    tb_err e;
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

int tb_engine_start_feed(tb_engine *en, tb_err *e)
{
    if (!en->runner_open) return 0;
    if (!en->alpaca) return tb_runner_start(&en->runner, e);
    en->broker_wait = event_new(tb_loop_base(en->loop), -1, EV_PERSIST, on_wait_ready, en);
    struct timeval tv = {0, 50000};
    if (!en->broker_wait || event_add(en->broker_wait, &tv) != 0)
        return tb_errf(e, "engine: cannot wait for the broker");
    return 0;
}

void tb_engine_brokers_close(tb_engine *en)
{
    if (en->broker_wait) event_free(en->broker_wait), en->broker_wait = NULL;
    alpaca_free(en->alpaca);
    en->alpaca = NULL;
    tb_httpc_free(en->http);
    en->http = NULL;
}
