-- tb.ind from Lua: batch arrays with a NaN prefix, streaming objects that return nil while
-- warming up, and errors that spell the expected signature.
local tb = require "tb"

local function isnan(x) return x ~= x end

local function series(n)
  local close, high, low, vol = {}, {}, {}, {}
  local px = 100
  for i = 1, n do
    px = px + math.sin(i * 0.7) * 1.5 + (i % 5) * 0.1 - 0.2
    close[i], high[i], low[i], vol[i] = px, px + 1 + (i % 3) * 0.2, px - 1 - (i % 2) * 0.3, 1000 + i * 7 % 500
  end
  return close, high, low, vol
end

describe("tb.ind batch functions", function()
  it("return arrays as long as the input with NaN in the leading undefined positions", function()
    local close = series(60)
    local rsi = tb.ind.rsi(close, 14)
    assert.are.equal(60, #rsi)
    for i = 1, 14 do assert.is_true(isnan(rsi[i])) end
    for i = 15, 60 do
      assert.is_false(isnan(rsi[i]))
      assert.is_true(rsi[i] >= 0 and rsi[i] <= 100)
    end
  end)

  it("use the table defaults when params are omitted", function()
    local close = series(40)
    local a, b = tb.ind.sma(close), tb.ind.sma(close, 20)
    for i = 1, 40 do assert.is_true(a[i] == b[i] or (isnan(a[i]) and isnan(b[i]))) end
    assert.is_true(isnan(a[19]))
    assert.is_false(isnan(a[20]))
  end)

  it("return one array per output", function()
    local close = series(80)
    local macd, signal, hist = tb.ind.macd(close, 12, 26, 9)
    assert.are.equal(80, #macd)
    assert.are.equal(80, #signal)
    assert.is_true(isnan(hist[33]))
    assert.is_near(macd[34] - signal[34], hist[34], 1e-12)
  end)

  it("compute a hand-checked SMA", function()
    local s = tb.ind.sma({1, 2, 3, 4, 5}, 3)
    assert.is_true(isnan(s[2]))
    assert.are.equal(2, s[3])
    assert.are.equal(4, s[5])
  end)

  it("skip NaN input instead of poisoning the rest", function()
    local s = tb.ind.sma({1, 2, 0/0, 3, 4, 5}, 2)
    assert.is_true(isnan(s[3]))
    assert.are.equal(2.5, s[4])
    assert.are.equal(4.5, s[6])
  end)
end)

describe("tb.ind.new streaming objects", function()
  it("return nil while warming up, then the same values as batch", function()
    local close, high, low = series(50)
    local batch = tb.ind.atr(high, low, close, 14)
    local atr = tb.ind.new("atr", { period = 14 })
    for i = 1, 50 do
      local v = atr:update(high[i], low[i], close[i])
      if i <= 14 then assert.is_nil(v) else assert.are.equal(batch[i], v) end
    end
    assert.are.equal(14, atr:lookback())
  end)

  it("return several values for several outputs", function()
    local bb = tb.ind.new("bbands", { period = 3, stddev = 2 })
    assert.is_nil(bb:update(1))
    assert.is_nil(bb:update(2))
    local up, mid, lo = bb:update(3)
    assert.are.equal(2, mid)
    assert.is_near(2 + 2 * math.sqrt(2 / 3), up, 1e-12)
    assert.is_near(2 - 2 * math.sqrt(2 / 3), lo, 1e-12)
  end)

  it("report a non-finite input and keep going", function()
    local s = tb.ind.new("sma", { period = 2 })
    s:update(1)
    local v, err = s:update(0/0)
    assert.is_nil(v)
    assert.matches("not finite", err)
    assert.are.equal(1.5, s:update(2))
  end)

  it("have the tb.Indicator metatable", function()
    assert.matches("tb.Indicator%(rsi%)", tostring(tb.ind.new("rsi")))
  end)
end)

describe("tb.ind errors", function()
  it("spell the signature for a missing input array", function()
    local ok, err = pcall(tb.ind.rsi, 5)
    assert.is_false(ok)
    assert.matches("tb.ind.rsi%(close%[, period=14%]%)", err)
  end)

  it("reject out of bounds params", function()
    local ok, err = pcall(tb.ind.rsi, { 1, 2, 3 }, 1)
    assert.is_false(ok)
    assert.matches("period must be an integer in %[2, 100000%]", err)
  end)

  it("reject inputs of different lengths", function()
    assert.has_error(function() tb.ind.atr({ 1, 2 }, { 1 }, { 1, 2 }) end)
  end)

  it("reject unknown names and params", function()
    assert.has_error(function() tb.ind.new("nope") end)
    local ok, err = pcall(tb.ind.new, "rsi", { perod = 3 })
    assert.is_false(ok)
    assert.matches("no parameter 'perod'", err)
  end)

  it("reject a non-number update", function()
    local o = tb.ind.new("sma")
    assert.has_error(function() o:update("x") end)
  end)
end)

describe("tb.ind.info and tb.ind.set", function()
  it("describe every indicator from the table", function()
    local names = tb.ind.list()
    assert.are.equal(13, #names)
    local info = tb.ind.info("adx")
    assert.are.equal(27, info.lookback)
    assert.are.same({ "adx", "plus_di", "minus_di" }, info.outputs)
    assert.are.equal("period", info.params[1].name)
  end)

  it("update a whole indicator set per bar and read values by name", function()
    local close, high, low, vol = series(60)
    local set = tb.ind.set({ rsi = 14, stale_cycles = 3 })
    for i = 1, 60 do assert.are.equal(0, set:update(close[i], high[i], low[i], close[i], vol[i], 1)) end
    local rsi = tb.ind.rsi(close, 14)
    assert.are.equal(rsi[60], set:get("rsi"))
    assert.has_error(function() set:get("nope") end)
    for _ = 1, 4 do set:update(1, 2, 0.5, 1, 10, 1) end -- first + 3 repeats
    local flags, episodes = set:stale()
    assert.are.equal(1, flags & 1)
    assert.are.equal(1, episodes)
  end)
end)
