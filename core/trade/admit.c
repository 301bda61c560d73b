#include "trade/admit.h"
#include "broker/posdiff.h"
#include "broker/reject_class.h"
#include "log/log.h"

#include <stdio.h>
#include <string.h>

void tb_admit_init(tb_admit *a, double hold_minutes)
{
    memset(a, 0, sizeof *a);
    a->hold_ns = hold_minutes > 0 ? (int64_t)(hold_minutes * 60e9) : 0;
}

static tb_admit_hold *find(tb_admit *a, const char *symbol)
{
    for (int i = 0; i < a->nhold; i++)
        if (strcmp(a->hold[i].symbol, symbol) == 0) return &a->hold[i];
    return NULL;
}

const tb_admit_hold *tb_admit_hold_of(const tb_admit *a, const char *symbol)
{
    return find((tb_admit *)a, symbol);
}

/* 1 when the intent only reduces the symbol's position (an exit): never held. */
static int reduces(const oms *m, const oms_intent *in)
{
    const oms_position *p = oms_position_get(m, in->symbol);
    tb_qty q = p ? p->qty : 0;
    return (q > 0 && in->side == OMS_SELL && in->qty <= q) ||
           (q < 0 && in->side == OMS_BUY && in->qty <= -q);
}

static void end_hold(tb_admit *a, int i, const char *how)
{
    TB_INFO("orders", "reject hold on %s ended (%s): entries allowed again", a->hold[i].symbol,
            how);
    a->holds_ended++;
    a->hold[i] = a->hold[--a->nhold];
}

int tb_admit_check(tb_admit *a, broker b, const oms *m, const oms_intent *in, int64_t now_ns,
                   char *gate, size_t gate_len, char *why, size_t why_len)
{
    const char *code = broker_not_ready(b, why, why_len);
    if (code) {
        snprintf(gate, gate_len, "broker:%s", code);
        a->not_ready_refusals++;
        return 1;
    }
    const posdiff_entry *d = posdiff_persistent(broker_differences(b), in->symbol);
    if (d && !reduces(m, in)) {
        snprintf(gate, gate_len, "position_difference");
        snprintf(why, why_len,
                 "%s: the engine holds %lld, the broker %lld, after %d reconciliations: no new "
                 "entries until it is resolved",
                 d->symbol, (long long)d->local, (long long)d->broker, d->rounds);
        a->posdiff_refusals++;
        return 1;
    }
    tb_admit_hold *h = find(a, in->symbol);
    if (!h) return 0;
    if (now_ns >= h->until_ns) {
        end_hold(a, (int)(h - a->hold), "time is up");
        return 0;
    }
    if (reduces(m, in)) {
        if (now_ns < h->next_exit_ns) {
            snprintf(gate, gate_len, "reject_exit_backoff");
            snprintf(why, why_len,
                     "%s: the broker rejected %d exits for good (%s): the next one in %lld s",
                     h->symbol, h->exit_rejects, h->why,
                     (long long)((h->next_exit_ns - now_ns) / 1000000000LL));
            a->hold_refusals++;
            return 1;
        }
        h->exit_sent = 1;
        return 0;
    }
    if (h->shorts_only && in->side == OMS_BUY) return 0;
    snprintf(gate, gate_len, "reject_hold");
    snprintf(why, why_len, "%s was rejected for good by the broker (%s): no new entries for %lld s",
             h->symbol, h->why, (long long)((h->until_ns - now_ns) / 1000000000LL));
    a->hold_refusals++;
    return 1;
}

void tb_admit_on_reject(tb_admit *a, const oms_order *o, int64_t now_ns)
{
    broker_reject_class k = broker_reject_classify(o->note);
    if (!a->hold_ns || k == BROKER_REJECT_TRANSIENT) return;
    tb_admit_hold *h = find(a, o->symbol);
    if (h) { /* already held: the newest rejection extends it, quietly */
        h->until_ns = now_ns + a->hold_ns;
        h->shorts_only &= k == BROKER_REJECT_SHORT;
        if (h->exit_sent) { /* the exit admitted under the hold came back rejected */
            int k2 = h->exit_rejects < 4 ? h->exit_rejects : 4;
            int64_t wait =
                (60000000000LL << k2) < 900000000000LL ? 60000000000LL << k2 : 900000000000LL;
            h->exit_rejects++;
            h->exit_sent = 0;
            h->next_exit_ns = now_ns + wait;
        }
        return;
    }
    if (a->nhold == TB_ADMIT_HOLDS) {
        TB_WARN("orders", "reject hold table full (%d symbols): %s not held", TB_ADMIT_HOLDS,
                o->symbol);
        return;
    }
    h = &a->hold[a->nhold++];
    memset(h, 0, sizeof *h); /* a slot an ended hold left */
    snprintf(h->symbol, sizeof h->symbol, "%s", o->symbol);
    snprintf(h->why, sizeof h->why, "%s", o->note);
    h->shorts_only = k == BROKER_REJECT_SHORT;
    h->until_ns = now_ns + a->hold_ns;
    a->holds_started++;
    TB_WARN("orders", "reject hold on %s: %s entries held for %.1f minutes after %s: %s", o->symbol,
            h->shorts_only ? "short" : "all", (double)a->hold_ns / 60e9, o->client_id, o->note);
}

void tb_admit_tick(tb_admit *a, int64_t now_ns)
{
    for (int i = a->nhold - 1; i >= 0; i--)
        if (now_ns >= a->hold[i].until_ns) end_hold(a, i, "time is up");
}
