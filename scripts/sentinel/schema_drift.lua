-- Schema drift: the schema of the model in service (ml_db/models/current/feature_schema.json)
-- against the features this engine computes (facts.ml_schema.live, from core/ml/features.h), in
-- order. Under STRICT_SCHEMA a drift blocks every entry: retrain (`tradebot train --force`).
return function(facts)
  local s = facts.ml_schema
  if not s then
    return { { severity = "INFO",
      message = "schema drift not checked: no model in service (ml_db/models/current)",
      evidence = {} } }
  end
  local live = s.live or {}
  local missing, moved = {}, {}
  local at = {}
  for i, name in ipairs(live) do at[name] = i end
  for i, f in ipairs(s.schema.features or {}) do
    local name = type(f) == "table" and f.name or f
    if not at[name] then
      missing[#missing + 1] = name
    elseif at[name] ~= i then
      moved[#moved + 1] = name
    end
  end
  if #missing == 0 and #moved == 0 and #live == #(s.schema.features or {}) then return {} end
  return { { severity = "ERROR",
    message = string.format("schema drift: the model expects %d features the engine does not compute"
      .. " and %d in another order; entries are blocked under STRICT_SCHEMA: retrain",
      #missing, #moved),
    evidence = { file = s.file, missing = missing, moved = moved, live = #live } } }
end
