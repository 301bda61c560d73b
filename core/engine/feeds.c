#include "engine/feeds.h"
#include "broker/alpaca.h"
#include "cand/cand_file.h"
#include "engine/engine.h"
#include "feed/polygon.h"
#include "home/home.h"
#include "log/log.h"
#include "util/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add_sym(tb_engine_feed_buf *b, int n, const char *s)
{
    if (!s || !*s || strlen(s) >= sizeof b->sym[0]) return n;
    for (int i = 0; i < n; i++)
        if (strcmp(b->sym[i], s) == 0) return n;
    if (n >= TB_FEED_MAX_SYMBOLS) {
        TB_WARN("feed", "more than %d symbols: %s and the rest are not subscribed",
                TB_FEED_MAX_SYMBOLS, s);
        return n;
    }
    snprintf(b->sym[n], sizeof b->sym[n], "%s", s);
    b->symv[n] = b->sym[n];
    return n + 1;
}

int tb_engine_feed_symbols(const tb_engine *en, tb_engine_feed_buf *buf)
{
    const tb_config *c = &en->cfg;
    int n = 0;
    for (int i = 0; i < c->nsymbols; i++) n = add_sym(buf, n, c->symbols[i]);
    if (n) return n;
    char path[PATH_MAX];
    static tb_cand_set cs; /* large; the engine opens once */
    tb_err e;
    if (tb_cand_read(tb_home_path(path, sizeof path, TB_CAND_FILE), &cs, &e) == 0)
        for (int i = 0; i < cs.n; i++) n = add_sym(buf, n, cs.c[i].symbol);
    if (n) return n;
    for (int i = 0; i < c->nstrategies; i++)
        for (int j = 0; c->strategies[i].enabled && j < c->strategies[i].nsymbols; j++)
            n = add_sym(buf, n, c->strategies[i].symbols[j]);
    return n;
}

static int feed_alpaca_opts(tb_engine *en, tb_live_opts *lo, tb_engine_feed_buf *b, tb_err *e)
{
    const tb_config *c = &en->cfg;
    char file[PATH_MAX] = "";
    if (c->alpaca.keys_file && *c->alpaca.keys_file)
        tb_home_path(file, sizeof file, c->alpaca.keys_file);
    if (alpaca_load_keys(file, b->key, sizeof b->key, b->secret, sizeof b->secret, e) != 0)
        return -1;
    lo->kind = TB_LIVE_ALPACA;
    lo->alpaca.data_url = c->alpaca_data.data_url;
    lo->alpaca.stream_url = c->alpaca_data.stream_url;
    lo->alpaca.feed = c->alpaca_data.feed;
    lo->alpaca.key_id = b->key, lo->alpaca.secret_key = b->secret;
    lo->alpaca.rate_per_minute = c->alpaca_data.rate_per_minute;
    lo->alpaca.limit_backoff_ms = (long)c->alpaca_data.limit_backoff_s * 1000;
    lo->alpaca.stale_after_ms = (long)c->alpaca_data.stale_after_s * 1000;
    TB_INFO("feed", "feed alpaca: %s/%s (bars REST %s)", c->alpaca_data.stream_url,
            c->alpaca_data.feed, c->alpaca_data.data_url);
    return 0;
}

static int feed_polygon_opts(tb_engine *en, tb_live_opts *lo, tb_engine_feed_buf *b, tb_err *e)
{
    const tb_config *c = &en->cfg;
    char file[PATH_MAX] = "";
    if (c->polygon.key_file && *c->polygon.key_file)
        tb_home_path(file, sizeof file, c->polygon.key_file);
    if (tb_polygon_load_key(file, b->key, sizeof b->key, e) != 0) return -1;
    lo->kind = TB_LIVE_POLYGON;
    lo->polygon.base_url = c->polygon.base_url;
    lo->polygon.api_key = b->key;
    lo->polygon.rate_per_minute = strcmp(c->polygon.plan, "free") == 0 ? 5 : 0;
    lo->polygon.poll_seconds = c->polygon.poll_seconds;
    TB_INFO("feed", "feed %s: %s, plan %s, polling every %.0f s", c->feed, c->polygon.base_url,
            c->polygon.plan, c->polygon.poll_seconds);
    return 0;
}

/* One socket per account (field-lessons): with the ibkr broker the feed shares its connection
 * (the adapter exists by the time the feed is built); otherwise it connects with its own id. */
static int feed_ibkr_opts(tb_engine *en, tb_live_opts *lo, tb_err *e)
{
    const tb_config *c = &en->cfg;
    lo->kind = TB_LIVE_IBKR;
    lo->ibkr.host = c->ibkr.host;
    lo->ibkr.port = (int)c->ibkr.port;
    lo->ibkr.client_id =
        c->ibkr.feed_client_id >= 0 ? (int)c->ibkr.feed_client_id : (int)c->ibkr.client_id + 100;
    lo->ibkr.reconnect_min_ms = (long)(c->ibkr.reconnect_min_seconds * 1000);
    lo->ibkr.reconnect_max_ms = (long)(c->ibkr.reconnect_max_seconds * 1000);
    lo->ibkr.stale_after_ms = (long)c->ibkr.feed_stale_after_s * 1000;
    lo->ibkr.minute_grace_ms = (long)c->ibkr.feed_minute_grace_s * 1000;
    lo->ibkr.backfill_after_ms = (long)c->ibkr.feed_backfill_after_s * 1000;
    if (strcmp(c->broker, "ibkr") == 0) {
        lo->ibkr.shared = &en->ibkr;
        TB_INFO("feed", "feed ibkr: real-time bars over the broker's connection %s:%d",
                c->ibkr.host, (int)c->ibkr.port);
    } else {
        TB_INFO("feed", "feed ibkr: real-time bars over its own connection %s:%d client_id=%d",
                c->ibkr.host, (int)c->ibkr.port, lo->ibkr.client_id);
    }
    return 0;
}

int tb_engine_live_opts(tb_engine *en, tb_live_opts *lo, tb_engine_feed_buf *buf, tb_err *e)
{
    const char *f = en->cfg.feed;
    if (strcmp(f, "replay") == 0) return 0;
    if (tb_clock_from_env()) /* the e2e suite runs the engine inside a chosen market minute */
        TB_WARN("engine", "TRADEBOT_CLOCK_START: the wall clock is shifted (testing only)");
    memset(lo, 0, sizeof *lo);
    lo->name = f;
    lo->ca_file = getenv("TRADEBOT_CA_FILE"); /* a private CA (tests, TLS-intercepting proxies) */
    int rc = strcmp(f, "alpaca") == 0 ? feed_alpaca_opts(en, lo, buf, e)
             : strcmp(f, "polygon") == 0 || strcmp(f, "massive") == 0
                 ? feed_polygon_opts(en, lo, buf, e)
             : strcmp(f, "ibkr") == 0 ? feed_ibkr_opts(en, lo, e)
                                      : tb_errf(e,
                                                "feed \"%s\" is not available in this build (use "
                                                "replay, alpaca, polygon, massive or ibkr)",
                                                f);
    if (rc != 0) return -1;
    lo->symbols = buf->symv;
    lo->nsymbols = tb_engine_feed_symbols(en, buf);
    if (!lo->nsymbols)
        return tb_errf(e,
                       "feed %s: no symbols to subscribe: set \"symbols\", run `tradebot "
                       "candidates`, or give a strategy symbols",
                       f);
    return 1;
}
