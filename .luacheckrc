-- luacheck configuration: Lua 5.4 everywhere; `tb` is provided by the engine.
std = "lua54"
globals = { "tb" }
max_line_length = 110
files["tests/lua"] = { std = "+busted" }
files["scripts"] = { globals = { "tb" } }
exclude_files = { "build*/**" }
