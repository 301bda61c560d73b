-- expect: pattern too complex|time limit exceeded
return { on_bar = function(ctx, bar)
  for w in (("a"):rep(40)):gmatch(("a?"):rep(30) .. ("a"):rep(30) .. "c") do end
end }
