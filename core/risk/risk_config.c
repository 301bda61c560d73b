#include "risk/risk_config.h"

#include <string.h>

static tb_money dollars(double d)
{
    return (tb_money)(d * 1e6 + (d >= 0 ? 0.5 : -0.5));
}

void tb_risk_cfg_from_config(const tb_config *c, tb_risk_cfg *o)
{
    tb_risk_cfg_defaults(o);
    o->enabled = c->risk.enabled;
    const char *p = c->risk.day_trades.policy;
    o->dt.policy = strcmp(p, "budget") == 0 ? TB_PDT_BUDGET
                   : strcmp(p, "off") == 0  ? TB_PDT_OFF
                                            : TB_PDT_LEGACY;
    o->dt.max_day_trades = (int)c->risk.day_trades.max_day_trades;
    o->dt.window_days = (int)c->risk.day_trades.window_days;
    o->dt.min_equity = dollars(c->risk.day_trades.min_equity);
    o->dt.reversal_profit_pct = c->risk.day_trades.reversal_profit_pct;
    o->dt.keep_last = c->risk.day_trades.keep_last;
    o->dt.block_exits = c->risk.day_trades.block_exits;
    const char *m = c->risk.margin.preset;
    o->margin = strcmp(m, "alpaca") == 0 ? TB_MARGIN_ALPACA
                : strcmp(m, "ibkr") == 0 ? TB_MARGIN_IBKR
                : strcmp(m, "off") == 0  ? TB_MARGIN_OFF
                                         : TB_MARGIN_REGULATORY;
    o->survival.vix_threshold = c->risk.survival.vix_threshold;
    o->survival.max_age_hours = c->risk.survival.max_age_hours;
    o->survival.stale_is_survival = strcmp(c->risk.survival.stale, "survival") == 0;
    o->limits.max_position_shares = c->risk.limits.max_position_shares;
    o->limits.max_position_notional = dollars(c->risk.limits.max_position_notional);
    o->limits.max_total_notional = dollars(c->risk.limits.max_total_notional);
    o->limits.max_open_positions = (int)c->risk.limits.max_open_positions;
    o->limits.max_orders_per_minute = (int)c->risk.limits.max_orders_per_minute;
    o->limits.price_band_pct = c->risk.limits.price_band_pct;
    o->limits.min_price = dollars(c->risk.limits.min_price);
    o->limits.min_volume = c->risk.limits.min_volume;
    o->extended_hours = c->risk.hours.extended;
    o->daily_loss.limit = dollars(c->risk.daily_loss.limit);
    o->daily_loss.close_positions = c->risk.daily_loss.close_positions;
    o->buying_power = c->risk.buying_power.enabled;
}
