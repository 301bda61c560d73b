#include "broker/posdiff.h"

#include "log/log.h"
#include "util/clock.h"

#include <string.h>

void posdiff_begin(posdiff *p)
{
    for (int i = 0; i < p->n; i++) p->d[i].seen = 0;
}

/* The round counted for an entry whose gap held: logs once when it becomes persistent. */
static void count_round(posdiff *p, posdiff_entry *d, const char *who)
{
    int need = p->persist_rounds > 0 ? p->persist_rounds : POSDIFF_PERSIST_ROUNDS;
    if (d->rounds < need) d->rounds++;
    if (d->persistent || d->rounds < need) return;
    if (p->persist_min_ns > 0 && tb_clock_now_ns() - d->since_ns < p->persist_min_ns) return;
    d->persistent = 1;
    TB_WARN(who,
            "reconcile: position difference persists: %s local=%lld broker=%lld for %d "
            "reconciliations: new entries on %s held until it is resolved",
            d->symbol, (long long)d->local, (long long)d->broker, d->rounds, d->symbol);
}

int posdiff_note(posdiff *p, const char *who, const char *symbol, tb_qty local, tb_qty broker_qty)
{
    int i = 0;
    while (i < p->n && strcmp(p->d[i].symbol, symbol) != 0) i++;
    if (i < p->n && p->d[i].local == local && p->d[i].broker == broker_qty) {
        p->d[i].seen = 1;
        count_round(p, &p->d[i], who);
        return 0;
    }
    TB_WARN(who, "reconcile: position differs: %s local=%lld broker=%lld", symbol, (long long)local,
            (long long)broker_qty);
    if (i == p->n && p->n == POSDIFF_MAX) return 1; /* table full: logged every round */
    posdiff_entry *d = &p->d[i];
    if (i == p->n) {
        p->n++;
        memset(d, 0, sizeof *d);
        oms_strlcpy(d->symbol, symbol, sizeof d->symbol);
    } else if (d->broker - d->local != broker_qty - local) {
        d->rounds = 0, d->persistent = 0; /* a new gap (a lagging list moves it): counted anew */
    }
    if (!d->rounds) d->since_ns = tb_clock_now_ns();
    d->local = local, d->broker = broker_qty, d->seen = 1;
    count_round(p, d, who);
    return 1;
}

int posdiff_end(posdiff *p, const char *who, tb_qty (*local)(void *ud, const char *sym), void *ud)
{
    int resolved = 0;
    for (int i = 0; i < p->n;) {
        if (p->d[i].seen) {
            i++;
            continue;
        }
        tb_qty q = local ? local(ud, p->d[i].symbol) : 0;
        TB_INFO(who, "reconcile: position difference resolved: %s local=%lld broker=%lld%s",
                p->d[i].symbol, (long long)q, (long long)q,
                p->d[i].persistent ? ": entries allowed again" : "");
        p->d[i] = p->d[--p->n];
        resolved++;
    }
    return resolved;
}

static tb_qty engine_qty(void *ud, const char *sym)
{
    const oms_position *p = oms_position_get(ud, sym);
    return p ? p->qty : 0;
}

void posdiff_compare(posdiff *p, const char *who, const oms *m, const broker_position *pos,
                     int npos, uint64_t *differences)
{
    posdiff_begin(p);
    for (int i = 0; i < npos; i++) {
        tb_qty mine = engine_qty((void *)m, pos[i].symbol);
        if (mine == pos[i].qty) continue;
        (*differences)++;
        posdiff_note(p, who, pos[i].symbol, mine, pos[i].qty);
    }
    const oms_position *ps[1024];
    int n = oms_positions(m, ps, 1024);
    for (int i = 0; i < n && i < 1024; i++) {
        if (!ps[i]->qty) continue;
        int found = 0;
        for (int k = 0; k < npos && !found; k++) /* listed (even at 0): compared above */
            found = !strcmp(pos[k].symbol, ps[i]->symbol);
        if (found) continue;
        (*differences)++;
        posdiff_note(p, who, ps[i]->symbol, ps[i]->qty, 0);
    }
    posdiff_end(p, who, engine_qty, (void *)m);
}

const posdiff_entry *posdiff_persistent(const posdiff *p, const char *symbol)
{
    for (int i = 0; p && i < p->n; i++)
        if (p->d[i].persistent && strcmp(p->d[i].symbol, symbol) == 0) return &p->d[i];
    return NULL;
}

int posdiff_persistent_count(const posdiff *p)
{
    int n = 0;
    for (int i = 0; p && i < p->n; i++) n += p->d[i].persistent;
    return n;
}
