#include "oms/position.h"

#include <string.h>

void oms_pos_init(oms_position *p, const char *symbol)
{
    memset(p, 0, sizeof *p);
    oms_strlcpy(p->symbol, symbol, sizeof p->symbol);
}

static tb_qty qabs(tb_qty q)
{
    return q < 0 ? -q : q;
}

int oms_pos_apply(oms_position *p, oms_side side, tb_qty qty, tb_money price, tb_money fee,
                  int32_t day, oms_pos_change *chg, tb_err *e)
{
    if (qty <= 0 || price <= 0)
        return tb_errf(e, "position %s: fill qty %lld price %lld must be positive", p->symbol,
                       (long long)qty, (long long)price);
    oms_position n = *p;
    oms_pos_change c = {0};
    if (day > n.day) {
        n.day = day;
        n.opened_today = 0;
    }
    int today = day == n.day;
    tb_qty dir = side == OMS_BUY ? 1 : -1;
    tb_qty open = qabs(n.qty);
    tb_qty to_open = qty;
    if (n.qty != 0 && (n.qty > 0) != (dir > 0)) {
        tb_qty close = qty < open ? qty : open;
        tb_money removed, proceeds;
        if (tb_money_muldiv(n.cost_basis, close, open, &removed, e) < 0 ||
            tb_money_mul_qty(price, close, &proceeds, e) < 0)
            return tb_err_prefix(e, "position %s: ", p->symbol);
        c.realized = n.qty > 0 ? proceeds - removed : removed - proceeds;
        if (tb_money_add(n.realized_pnl, c.realized, &n.realized_pnl, e) < 0)
            return tb_err_prefix(e, "position %s: ", p->symbol);
        n.cost_basis -= removed;
        n.qty += dir * close;
        c.closed = close;
        /* A fill of an earlier day (learned late) cannot close shares opened on a later one. */
        c.closed_today = !today ? 0 : close < n.opened_today ? close : n.opened_today;
        n.opened_today -= c.closed_today;
        to_open = qty - close;
    }
    if (to_open > 0) {
        tb_money cost;
        if (tb_money_mul_qty(price, to_open, &cost, e) < 0 ||
            tb_money_add(n.cost_basis, cost, &n.cost_basis, e) < 0 ||
            __builtin_add_overflow(n.qty, dir * to_open, &n.qty))
            return tb_err_prefix(e, "position %s: ", p->symbol);
        if (today) n.opened_today += to_open;
        c.opened = to_open;
    }
    if (n.qty == 0) n.opened_today = 0;
    if (tb_money_add(n.fees, fee, &n.fees, e) < 0)
        return tb_err_prefix(e, "position %s: ", p->symbol);
    n.avg_price = 0;
    if (n.qty) tb_money_muldiv(n.cost_basis, 1, qabs(n.qty), &n.avg_price, NULL);
    *p = n;
    if (chg) *chg = c;
    return 0;
}

int oms_pos_market_value(const oms_position *p, tb_money mark, tb_money *out, tb_err *e)
{
    return tb_money_mul_qty(mark, p->qty, out, e);
}

int oms_pos_unrealized(const oms_position *p, tb_money mark, tb_money *out, tb_err *e)
{
    tb_money mv;
    if (tb_money_mul_qty(mark, qabs(p->qty), &mv, e) < 0) return -1;
    *out = p->qty >= 0 ? mv - p->cost_basis : p->cost_basis - mv;
    return 0;
}

void oms_daytrades_init(oms_daytrades *d)
{
    d->head = d->count = 0;
}

const oms_daytrade *oms_daytrades_get(const oms_daytrades *d, uint32_t i)
{
    if (i >= d->count) return NULL;
    return &d->ring[(d->head + d->count - 1 - i) % OMS_DAYTRADES_MAX];
}

int oms_daytrades_record(oms_daytrades *d, const oms_daytrade *dt)
{
    for (uint32_t i = 0; i < d->count; i++)
        if (strcmp(oms_daytrades_get(d, i)->client_id, dt->client_id) == 0) return 1;
    if (d->count == OMS_DAYTRADES_MAX) {
        d->head = (d->head + 1) % OMS_DAYTRADES_MAX;
        d->count--;
    }
    d->ring[(d->head + d->count) % OMS_DAYTRADES_MAX] = *dt;
    d->count++;
    return 0;
}

int oms_daytrades_count(const oms_daytrades *d, int32_t first_day, int32_t last_day)
{
    int n = 0;
    for (uint32_t i = 0; i < d->count; i++) {
        int32_t day = d->ring[(d->head + i) % OMS_DAYTRADES_MAX].day;
        n += day >= first_day && day <= last_day;
    }
    return n;
}
