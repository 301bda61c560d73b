-- expect: pattern too complex|time limit exceeded
return { on_bar = function(ctx, bar)
  local s = ("a"):rep(3000)
  while true do pcall(string.gsub, s, ("a-"):rep(6) .. "b", "") end
end }
