-- The tb module as stock lua5.4 and busted see it (require "tb" from build/tb.so).
local tb = require "tb"

describe("tb module", function()
  it("has a version and the trusted submodules", function()
    assert.is_string(tb.version)
    assert.is_table(tb.log)
    assert.is_table(tb.engine)
    assert.is_function(tb.util.inspect)
  end)

  it("json round-trips through lua-cjson", function()
    local s = tb.json.encode({ qty = 10, symbol = "AAPL" })
    local t = tb.json.decode(s)
    assert.are.equal(10, t.qty)
    assert.are.equal("AAPL", t.symbol)
  end)

  it("inspect prints tables with sorted keys", function()
    assert.are.equal('{\n  a = 1,\n  b = "x"\n}', tb.util.inspect({ b = "x", a = 1 }))
    local t = {}
    t.self = t
    assert.truthy(tb.util.inspect(t):find("<cycle>", 1, true))
  end)

  it("engine functions say clearly that no engine runs here", function()
    assert.is_false(tb.engine.running())
    local ok, err = pcall(tb.engine.status)
    assert.is_false(ok)
    assert.truthy(err:find("no engine is running", 1, true))
  end)
end)

describe("tradebot lua", function()
  local bin = os.getenv("TRADEBOT")

  it("sets arg and ... as the stock interpreter does and has the full library", function()
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write([[
      local a, b = ...
      assert(arg[0] == ']] .. path .. [[' and arg[1] == a and arg[2] == b)
      assert(type(os.execute) == "function" and type(io.popen) == "function")
      assert(require("tb") == tb)
      io.write(a, "+", b, "=", tostring(tonumber(a) + tonumber(b)), "\n")
      os.exit(3)
    ]])
    f:close()
    local p = assert(io.popen(bin .. " lua " .. path .. " 2 5"))
    local out = p:read("a")
    local _, _, code = p:close()
    os.remove(path)
    assert.are.equal("2+5=7\n", out)
    assert.are.equal(3, code)
  end)

  it("reports a script error with file and line and exits 1", function()
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write("local x = nil\nreturn x.y\n")
    f:close()
    local p = assert(io.popen(bin .. " lua " .. path .. " 2>&1"))
    local out = p:read("a")
    local _, _, code = p:close()
    os.remove(path)
    assert.are.equal(1, code)
    assert.truthy(out:find(":2: attempt to index", 1, true))
  end)
end)
