-- scripts/orchestrator.lua - the daily sequence, as data. The engine (orchestrator.enabled) or
-- `tradebot orchestrate` reloads this file when it changes: edit a time or add a step and the
-- next tick uses it. `tradebot orchestrate --list` shows what was read, `--dry-run` when each
-- step fires next, `--status` whether today's sequence completed.
--
-- A step: name, at, and either command (one of tradebot's own sub-commands) or lua (a function
-- of this file, run in a child `tradebot lua scripts/orchestrator.lua --call NAME`). Optional:
-- timeout (s, 600), retries (0), retry_delay (s, 60), skip_non_trading (true), grace (s, 4 h).
-- at: "HH:MM UTC", "HH:MM ET", "open", "close", "N minutes|hours before|after open|close".
-- Steps due at the same moment run one after the other in this order. A command this binary
-- does not have yet is recorded "unavailable" with the command's name, not run.

local M = {}

M.steps = {
  -- Pre-market
  { name = "macro_refresh", at = "30 minutes before open", command = { "macro", "--force" },
    timeout = 120, retries = 2, retry_delay = 60 },
  { name = "candidate_selection", at = "30 minutes before open", command = { "candidates" },
    timeout = 300, retries = 1 },
  -- `tradebot features`: the candidates' features checked against the model's schema.
  { name = "feature_refresh", at = "30 minutes before open", command = { "features" },
    timeout = 900 },
  -- After the close
  { name = "model_training", at = "15 minutes after close", command = { "train" }, timeout = 3600 },
  { name = "log_rotation", at = "15 minutes after close", lua = "run_log_rotation", timeout = 600 },
  { name = "data_archiver", at = "15 minutes after close", lua = "run_data_archiver",
    timeout = 1800, retries = 2, retry_delay = 300 },
  { name = "db_integrity", at = "15 minutes after close", lua = "check_database", timeout = 300 },
  -- Adaptive control: tunable params of strategies that stopped trading (scripts/controller.lua).
  { name = "param_control", at = "15 minutes after close", lua = "run_controller", timeout = 300 },
  -- Healer, CRITICAL directives only: "at the next orchestrator run" (WARNING/ERROR wait for 22:30).
  -- A home without git: recorded skipped with the reason.
  { name = "healer_critical", at = "30 minutes before open", command = { "healer", "run" },
    timeout = 1800 },
  -- Nightly SRE (docs/operations.md 4.6, 4.7): the audit, then the Healer's due directives. Run
  -- late, past midnight UTC, the Healer leaves WARNING/ERROR directives queued: skipped.
  { name = "sentinel", at = "22:30 UTC", command = { "sentinel" }, timeout = 1800 },
  { name = "healer", at = "22:30 UTC", command = { "healer", "run", "--nightly" }, timeout = 1800 },
}

-- run_log_rotation: text logs past logging.max_bytes and JSONL audit trails past
-- logging.jsonl_max_bytes (500 MB) into data/archives/ as .gz. A running engine rotates the
-- files it writes itself, so those are left to it.
function M.run_log_rotation()
  local s = tb.orch.settings()
  local engine = tb.orch.engine_running()
  local files = {
    { "logs/trading_bot.log", s.max_bytes, true },
    { "logs/orchestrator.log", s.max_bytes, false },
    { "logs/enhanced_decision_log.jsonl", s.jsonl_max_bytes, true },
    { "logs/sentinel_activity.jsonl", s.jsonl_max_bytes, false },
    { "logs/healer_history.jsonl", s.jsonl_max_bytes, false },
    { "logs/control_audit_log.jsonl", s.jsonl_max_bytes, false },
  }
  for _, f in ipairs(files) do
    local path, limit, engine_owned = f[1], f[2], f[3]
    if engine and engine_owned then
      print(path .. ": left to the running engine (it rotates at the same limit)")
    else
      local archived, why = tb.orch.rotate(path, limit)
      print(path .. ": " .. (archived and ("rotated to " .. archived) or why))
    end
  end
  print("Log rotation complete.")
end

-- A step that does not apply to this home: the orchestrator records it `skipped` with why
-- (exit status 78 and a "skipped: WHY" line), not failed.
local function skip(why)
  print("skipped: " .. why)
  io.stdout:flush()
  os.exit(78)
end

local function shell_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function run(cmd)
  print("$ " .. cmd)
  local ok, how, code = os.execute(cmd .. " 2>&1")
  if not ok then error(string.format("%s: %s %s", cmd, how, tostring(code)), 0) end
end

-- run_data_archiver: copy data/archives/ to the rclone remote orchestrator.archive_remote, then
-- verify the copy with `rclone check` (every local file present and equal on the remote).
function M.run_data_archiver()
  local remote = tb.orch.settings().archive_remote
  if remote == "" then
    skip("orchestrator.archive_remote is not set in config/trading_config.json (set an rclone "
      .. "destination such as \"archive:tradebot\" to copy data/archives/ off this machine)")
  end
  if not os.execute("command -v rclone >/dev/null 2>&1") then
    error("rclone is not installed (Debian package rclone; scripts/install.sh installs it)", 0)
  end
  run("rclone copy data/archives " .. shell_quote(remote))
  run("rclone check --one-way data/archives " .. shell_quote(remote))
  print("Data Archiver sequence complete.")
end

-- Database integrity: is ml_db/ml_data.db locked or corrupted (runbook troubleshooting step 4).
function M.check_database()
  local ok, report = tb.orch.db_check("ml_db/ml_data.db")
  print(report)
  if not ok then error("database integrity check failed", 0) end
end

-- run_controller: scripts/controller.lua (adaptive parameter control between sessions).
function M.run_controller()
  dofile("scripts/controller.lua")
end

-- `tradebot lua scripts/orchestrator.lua --call NAME` runs one function (how lua steps run).
local argv = { ... }
if argv[1] == "--call" then
  local fn = M[argv[2] or ""]
  if type(fn) ~= "function" then
    error("scripts/orchestrator.lua has no function " .. tostring(argv[2]), 0)
  end
  fn()
  return
end
return M
