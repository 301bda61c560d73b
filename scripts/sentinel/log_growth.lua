-- Log growth: a log grew more than sentinel.log_growth_mb since the previous audit, or the
-- disk is nearly full. Database integrity (PRAGMA quick_check) is reported here too.
return function(facts)
  local out, limit = {}, facts.settings.log_growth_mb * 1048576
  for _, l in ipairs(facts.logs or {}) do
    local grew = l.bytes - l.previous_bytes
    if l.seen_before and limit > 0 and grew > limit then
      out[#out + 1] = { severity = "WARNING",
        message = string.format("logs/%s grew %.0f MB since the last audit", l.file, grew / 1048576),
        evidence = l }
    end
  end
  if facts.disk_free_mb and facts.disk_free_mb < 1024 then
    out[#out + 1] = { severity = facts.disk_free_mb < 256 and "CRITICAL" or "ERROR",
      message = string.format("%.0f MB free on the home's disk", facts.disk_free_mb),
      evidence = { disk_free_mb = facts.disk_free_mb } }
  end
  if facts.db and facts.db.quick_check ~= "ok" then
    out[#out + 1] = { severity = "CRITICAL",
      message = "ml_db/ml_data.db integrity: " .. tostring(facts.db.quick_check),
      evidence = facts.db }
  end
  return out
end
