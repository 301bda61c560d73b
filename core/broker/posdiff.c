#include "broker/posdiff.h"

#include "log/log.h"

#include <string.h>

void posdiff_begin(posdiff *p)
{
    for (int i = 0; i < p->n; i++) p->d[i].seen = 0;
}

int posdiff_note(posdiff *p, const char *who, const char *symbol, tb_qty local, tb_qty broker_qty)
{
    int i = 0;
    while (i < p->n && strcmp(p->d[i].symbol, symbol) != 0) i++;
    if (i < p->n && p->d[i].local == local && p->d[i].broker == broker_qty) {
        p->d[i].seen = 1;
        return 0;
    }
    TB_WARN(who, "reconcile: position differs: %s local=%lld broker=%lld", symbol, (long long)local,
            (long long)broker_qty);
    if (i == p->n && p->n == POSDIFF_MAX) return 1; /* table full: logged every round */
    if (i == p->n) p->n++;
    oms_strlcpy(p->d[i].symbol, symbol, sizeof p->d[i].symbol);
    p->d[i].local = local, p->d[i].broker = broker_qty, p->d[i].seen = 1;
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
        TB_INFO(who, "reconcile: position difference resolved: %s local=%lld broker=%lld",
                p->d[i].symbol, (long long)q, (long long)q);
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
        for (int k = 0; k < npos && !found; k++)
            found = !strcmp(pos[k].symbol, ps[i]->symbol) && pos[k].qty;
        if (found) continue;
        (*differences)++;
        posdiff_note(p, who, ps[i]->symbol, ps[i]->qty, 0);
    }
    posdiff_end(p, who, engine_qty, (void *)m);
}
