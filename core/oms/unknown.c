#include "oms/unknown.h"

#include "data/calendar.h"

#include <string.h>
#include <time.h>

#define NS_PER_S 1000000000LL

/* Strategy names are stored with characters outside [A-Za-z0-9_.] turned into '_' (client ids
 * carry them): compare the intent's name the same way. */
static int same_strategy(const char *stored, const char *asked)
{
    for (; *stored && *asked; stored++, asked++) {
        char c = *asked;
        int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '.';
        if (*stored != (keep ? c : '_')) return 0;
    }
    return *stored == *asked;
}

int oms_unknown_refuse(const oms *m, const oms_intent *in, tb_err *e)
{
    enum { CAP = 256 };
    const oms_order *open[CAP];
    int n = oms_open_orders(m, in->symbol, open, CAP);
    if (n > CAP) n = CAP;
    for (int i = 0; i < n; i++) {
        const oms_order *o = open[i];
        if (o->status != OMS_ST_UNKNOWN || !same_strategy(o->strategy, in->strategy)) continue;
        return tb_errf(e,
                       "order %s has an unknown outcome (%s): it is being looked up at the "
                       "broker; no new order for %s %s until it is confirmed or its deadline "
                       "passes",
                       o->client_id, o->note[0] ? o->note : "no acknowledgement", o->strategy,
                       o->symbol);
    }
    return 0;
}

int64_t oms_unknown_deadline(const oms_order *o, long after_ms)
{
    if (after_ms > 0) return o->created_ns + (int64_t)after_ms * 1000000;
    tb_cal cal;
    tb_cal_init(&cal);
    /* The close of the session the order was sent in; after the close, the next one. */
    return tb_cal_next_close(&cal, o->created_ns);
}

void oms_unknown_deadline_text(const oms_order *o, long after_ms, char *out, size_t cap)
{
    time_t t = (time_t)(oms_unknown_deadline(o, after_ms) / NS_PER_S);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int64_t oms_unknown_backoff_ns(int attempt)
{
    if (attempt < 0) attempt = 0;
    if (attempt >= 5) return 30 * NS_PER_S;
    return (1LL << attempt) * NS_PER_S;
}

int oms_unknown_count(const oms *m)
{
    enum { CAP = 4096 };
    static const oms_order *open[CAP];
    int n = oms_open_orders_all(m, open, CAP), k = 0;
    for (int i = 0; i < n && i < CAP; i++) k += open[i]->status == OMS_ST_UNKNOWN;
    return k;
}
