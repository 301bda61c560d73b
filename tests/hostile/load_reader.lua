-- expect: instruction budget exceeded|time limit exceeded
-- load() runs its reader in protected mode and returned the budget error as a value.
return { on_bar = function(ctx, bar)
  while true do load(function() while true do end end) end
end }
