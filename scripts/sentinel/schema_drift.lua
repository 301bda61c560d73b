-- Schema drift: the ML model's feature schema against the features the live engine computes.
-- Without the ML issue's schema file there is nothing to compare: a clear INFO says so.
local live = { "rsi", "macd", "macd_signal", "macd_hist", "atr", "bb_upper", "bb_middle",
  "bb_lower", "stoch_k", "stoch_d", "adx", "plus_di", "minus_di", "obv", "vwap", "roc", "relvol",
  "sma", "ema" }

return function(facts)
  local s = facts.ml_schema
  if not s then
    return { { severity = "INFO",
      message = "schema drift not checked: no ML feature schema (ml_db/models/feature_schema.json)",
      evidence = {} } }
  end
  local have = {}
  for _, f in ipairs(live) do have[f] = true end
  local missing = {}
  for _, f in ipairs(s.schema.features or {}) do
    local name = type(f) == "table" and f.name or f
    if not have[name] then missing[#missing + 1] = name end
  end
  if #missing == 0 then return {} end
  return { { severity = "ERROR",
    message = string.format("schema drift: %d model features the live engine does not compute",
      #missing),
    evidence = { file = s.file, missing = missing } } }
end
