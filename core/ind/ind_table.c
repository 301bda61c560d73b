/*
 * ind_table.c - the one list of indicators. Lua bindings (ind_lua.c), the docs check and the
 * table-driven tests read it; adding an indicator is one file plus one row here.
 */
#include "ind/ind.h"

#include <string.h>

#define P(nm, d, lo, hi, integer)                                                                  \
    {                                                                                              \
        nm, d, lo, hi, integer                                                                     \
    }
#define PERIOD(d)  P("period", d, 1, IND_MAX_PERIOD, 1)
#define FNS(name)  ind_##name##_start
#define IMPL(name) ind_##name, ind_##name##_size, ind_##name##_init, ind_##name##_update
#define NOPARAMS                                                                                   \
    {                                                                                              \
        {                                                                                          \
            0                                                                                      \
        }                                                                                          \
    }
#define ROW_END(name) FNS(name), NULL, IMPL(name)

static int adx_out_start(const double *opt, int k)
{
    int lb = ind_adx_start(opt);
    if (lb < 0 || k == 0) return lb;
    return (lb + 1) / 2; /* +DI, -DI: period */
}

static const ind_info table[] = {
    {"sma", "Simple moving average", 1, 1, 1, {"close"}, {PERIOD(20)}, {"sma"}, ROW_END(sma)},
    {"ema", "Exponential moving average", 1, 1, 1, {"close"}, {PERIOD(20)}, {"ema"}, ROW_END(ema)},
    {"wma", "Weighted moving average", 1, 1, 1, {"close"}, {PERIOD(20)}, {"wma"}, ROW_END(wma)},
    {"rsi",
     "Relative strength index (Wilder)",
     1,
     1,
     1,
     {"close"},
     {P("period", 14, 2, IND_MAX_PERIOD, 1)},
     {"rsi"},
     ROW_END(rsi)},
    {"macd",
     "Moving average convergence/divergence",
     1,
     3,
     3,
     {"close"},
     {P("fast", 12, 2, IND_MAX_PERIOD, 1), P("slow", 26, 2, IND_MAX_PERIOD, 1),
      P("signal", 9, 1, IND_MAX_PERIOD, 1)},
     {"macd", "signal", "hist"},
     ROW_END(macd)},
    {"atr",
     "Average true range (Wilder)",
     3,
     1,
     1,
     {"high", "low", "close"},
     {PERIOD(14)},
     {"atr"},
     ROW_END(atr)},
    {"bbands",
     "Bollinger Bands",
     1,
     2,
     3,
     {"close"},
     {P("period", 20, 2, IND_MAX_PERIOD, 1), P("stddev", 2, 0, 100, 0)},
     {"upper", "middle", "lower"},
     ROW_END(bbands)},
    {"stoch",
     "Stochastic oscillator (slow %K, %D)",
     3,
     3,
     2,
     {"high", "low", "close"},
     {P("kperiod", 14, 1, IND_MAX_PERIOD, 1), P("kslow", 3, 1, IND_MAX_PERIOD, 1),
      P("dperiod", 3, 1, IND_MAX_PERIOD, 1)},
     {"k", "d"},
     ROW_END(stoch)},
    {"adx",
     "Average directional index with +DI/-DI",
     3,
     1,
     3,
     {"high", "low", "close"},
     {P("period", 14, 2, IND_MAX_PERIOD, 1)},
     {"adx", "plus_di", "minus_di"},
     FNS(adx),
     adx_out_start,
     IMPL(adx)},
    {"obv", "On-balance volume", 2, 0, 1, {"close", "volume"}, NOPARAMS, {"obv"}, ROW_END(obv)},
    {"vwap",
     "Session-anchored VWAP",
     5,
     0,
     1,
     {"high", "low", "close", "volume", "session"},
     NOPARAMS,
     {"vwap"},
     ROW_END(vwap)},
    {"roc", "Rate of change (percent)", 1, 1, 1, {"close"}, {PERIOD(10)}, {"roc"}, ROW_END(roc)},
    {"relvol", "Relative volume", 1, 1, 1, {"volume"}, {PERIOD(20)}, {"relvol"}, ROW_END(relvol)},
};

int ind_count(void)
{
    return (int)(sizeof table / sizeof table[0]);
}

const ind_info *ind_at(int i)
{
    return i >= 0 && i < ind_count() ? &table[i] : NULL;
}

const ind_info *ind_find(const char *name)
{
    for (int i = 0; name && i < ind_count(); i++)
        if (strcmp(table[i].name, name) == 0) return &table[i];
    return NULL;
}

void ind_defaults(const ind_info *info, double *opt)
{
    for (int k = 0; k < info->nparams; k++) opt[k] = info->params[k].def;
}

int ind_out_start(const ind_info *info, const double *opt, int k)
{
    return info->out_start ? info->out_start(opt, k) : info->start(opt);
}
