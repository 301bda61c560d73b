-- tb.data: the session calendar and CSV bars from Lua.
local tb = require "tb"

describe("tb.data calendar", function()
  it("gives the day after Thanksgiving a 13:00 ET close", function()
    local s = tb.data.session("2026-11-27")
    assert.is_true(s.trading)
    assert.is_true(s.early_close)
    assert.are.equal(1795789800, s.open)          -- 2026-11-27T14:30:00Z
    assert.are.equal(1795802400, s.close)         -- 18:00Z = 13:00 EST
    assert.are.equal(1795789800 * 1000000000, s.open_ns)
  end)

  it("names the holiday of a closed day", function()
    local s = tb.data.session(20260403)
    assert.is_false(s.trading)
    assert.are.equal("Good Friday", s.holiday)
  end)

  it("opens 13:30 UTC in summer and 14:30 UTC in winter", function()
    assert.are.equal(1784122200, tb.data.session("2026-07-15").open)   -- 13:30Z
    assert.are.equal(1768487400, tb.data.session("2026-01-15").open)   -- 14:30Z
  end)

  it("answers is_open in seconds or ns", function()
    local open = tb.data.session("2026-07-15").open
    assert.is_true(tb.data.is_open(open))
    assert.is_false(tb.data.is_open(open - 60))
    assert.is_true(tb.data.is_open(open - 60, true))
    assert.is_true(tb.data.is_open(math.tointeger(open) * 1000000000))
  end)

  it("returns next_open in the unit it was given", function()
    local thu_evening = 1775163600 -- 2026-04-02T21:00:00Z, Good Friday follows
    assert.are.equal(1775482200, tb.data.next_open(thu_evening)) -- Monday 13:30Z
    assert.are.equal(1775482200 * 1000000000, tb.data.next_open(thu_evening * 1000000000))
    assert.is_true(math.type(tb.data.next_open(thu_evening * 1000000000)) == "integer")
    assert.are.equal(1775505600, tb.data.next_close(thu_evening))
  end)

  it("counts business days and finds the session day", function()
    assert.are.equal(1, tb.data.business_days_between("2026-04-02", "2026-04-06"))
    assert.are.equal(-5, tb.data.business_days_between("2026-03-09", "2026-03-02"))
    assert.are.equal("2026-03-09", tb.data.session_day(1773111600)) -- 2026-03-10T03:00Z
    assert.are.equal("2026-04-06", tb.data.next_trading_day("2026-04-02"))
    local sod, hhmm = tb.data.local_time(1784122200)
    assert.are.equal(9 * 3600 + 1800, sod)
    assert.are.equal("09:30:00", hhmm)
  end)

  it("rejects a date that does not exist", function()
    assert.has_error(function() tb.data.session("2026-02-30") end)
  end)
end)

describe("tb.data.read_csv", function()
  local path = os.tmpname()
  after_each(function() os.remove(path) end)

  it("reads Alpaca columns into bar tables with a report", function()
    local f = assert(io.open(path, "w"))
    f:write("S,t,o,h,l,c,v,vw,n\n",
            "AAPL,2024-03-01T14:30:00Z,179.5,180,179,179.9,1000,179.7,12\n",
            "AAPL,2024-03-01T14:31:00Z,bad,180,179,179.9,1000,179.7,12\n",
            "AAPL,1709303520000,179.9,181,179.8,180.5,2000,180.2,30\n")
    f:close()
    local bars, rep = tb.data.read_csv(path)
    assert.are.equal(2, #bars)
    assert.are.equal("AAPL", bars[1].symbol)
    assert.are.equal(1709303400, bars[1].t)
    assert.are.equal(1709303520 * 1000000000, bars[2].t_ns)
    assert.are.equal(180.5, bars[2].c)
    assert.are.equal(30, bars[2].n)
    assert.are.equal(3, rep.rows)
    assert.are.equal(1, rep.malformed)
    assert.truthy(rep.messages[1]:find(":3: field 'o'", 1, true))
  end)

  it("returns nil and a message when the reject policy refuses the file", function()
    local f = assert(io.open(path, "w"))
    f:write("t,o,h,l,c\n2024-03-01T14:30:00Z,1,2,3,1\n")
    f:close()
    local bars, err = tb.data.read_csv(path, { policy = "reject", symbol = "X" })
    assert.is_nil(bars)
    assert.truthy(err:find("rejected", 1, true))
  end)
end)
