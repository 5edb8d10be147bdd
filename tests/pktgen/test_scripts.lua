-- SPDX-License-Identifier: BSD-3-Clause
-- Runs replay.lua and ndr.lua, as mediasec-bench pktgen wrote them into DIR,
-- against the stub of pktgen's Lua API (pktgen_stub.lua) and checks what they
-- ask of pktgen and what they report.
--   lua test_scripts.lua STUB_DIR DIR
local stub_dir, dir = arg[1], arg[2]
package.path = stub_dir .. "/?.lua;" .. package.path
local Stub = require("pktgen_stub")

local failures, checks = 0, 0
local function check(cond, what)
	checks = checks + 1
	if not cond then
		failures = failures + 1
		print("FAIL: " .. what)
	end
end

local function read(path)
	local f = assert(io.open(path, "r"))
	local s = f:read("a")
	f:close()
	return s
end

-- the run's settings, as the scripts have them
local replay_src = read(dir .. "/replay.lua")
local frame_a, frame_b = string.match(replay_src, "frame = { (%d+), (%d+) }")
local file_packets = tonumber(string.match(replay_src, "file_packets = (%d+)"))
local rate = tonumber(string.match(replay_src, "rate = ([%d.]+)"))
local seconds = tonumber(string.match(replay_src, "seconds = ([%d.]+)"))
frame_a, frame_b = tonumber(frame_a), tonumber(frame_b)
assert(frame_a and frame_b and file_packets and rate and seconds, "settings not found in replay.lua")

-- runs one script against a fresh stub; env: what os.getenv answers
local function run(script, cfg, env)
	cfg.ports = { 0, 1 }
	cfg.file_packets = file_packets
	cfg.frame = { [0] = frame_a, [1] = frame_b }
	local S = Stub.new(cfg)
	local out = {}
	local saved_getenv, saved_print = os.getenv, print
	_G.pktgen = S.pktgen
	os.getenv = function(k) return env and env[k] or nil end
	print = function(...)
		local t = {}
		for i = 1, select("#", ...) do t[#t + 1] = tostring(select(i, ...)) end
		out[#out + 1] = table.concat(t, "\t")
	end
	local ok, res = pcall(dofile, dir .. "/" .. script)
	os.getenv, print = saved_getenv, saved_print
	_G.pktgen = nil
	local text = table.concat(out, "\n")
	if not ok then
		print("script error in " .. script .. ": " .. tostring(res))
		print(text)
	end
	return ok and res or nil, S, text
end

local function expected_pct(pps, frame, mbps)
	return pps * (frame + 24) * 8 / (mbps * 1e6) * 100
end

local function no_violations(S, what)
	check(#S.violations == 0, what .. ": stub saw: " .. table.concat(S.violations, "; "))
end

-- 1. replay, appliance fast enough: nothing lost, the whole file sent once
do
	local r, S, text = run("replay.lua", { capacity = 1e12 })
	check(r ~= nil and r.error == nil, "replay ran")
	if r then
		no_violations(S, "replay/fast")
		check(#S.epochs == 1, "replay: one start")
		local ep = S.epochs[1]
		check(math.abs(ep.pct[0] - expected_pct(rate, frame_a, 10000)) < 1e-9,
			"replay: port 0 rate in percent of the link")
		check(math.abs(ep.pct[1] - expected_pct(rate, frame_b, 10000)) < 1e-9,
			"replay: port 1 rate in percent of the link")
		check(ep.count[0] == math.floor(rate * seconds + 0.5), "replay: count = rate x seconds")
		check(r[1].sent == ep.sent[0] and r[2].sent == ep.sent[1], "replay: sent as the stub counted")
		check(r[1].lost == 0 and r[2].lost == 0, "replay/fast: no loss")
		check(r[1].received == r[1].sent, "replay/fast: A->B all received")
		check(string.find(text, "lost 0 (0.0000 %)", 1, true) ~= nil, "replay: summary printed")
		check(r.budget_left == file_packets - ep.sent[0], "replay: budget left")
		local pcap_first = S.calls[1] and S.calls[1][1] == "pcap"
		check(pcap_first, "replay: pcap mode on before anything else")
	end
end

-- 2. replay, appliance at 60 % of the rate: loss as the stub dropped it, both API shapes
for _, api in ipairs({ "new", "old" }) do
	local cap = rate * 0.6
	local r, S = run("replay.lua", { capacity = cap, api = api })
	check(r ~= nil and r.error == nil, "replay/" .. api .. " ran")
	if r then
		no_violations(S, "replay/" .. api)
		local ep = S.epochs[1]
		check(r[1].lost == ep.dropped[0], string.format("replay/%s: A->B lost %s, stub dropped %s",
			api, tostring(r[1].lost), tostring(ep.dropped[0])))
		check(r[2].lost == ep.dropped[1], "replay/" .. api .. ": B->A lost as dropped")
		check(math.abs(r[1].loss - 0.4) < 0.01, "replay/" .. api .. ": about 40 % lost")
		check(r[1].received + r[1].lost == r[1].sent, "replay/" .. api .. ": received + lost = sent")
	end
end

-- 3. replay asked for longer than the files hold: shortened, never past the end
do
	local r, S, text = run("replay.lua", {}, { MS_SECONDS = tostring(seconds * 3) })
	check(r ~= nil and r.error == nil, "replay/long ran")
	if r then
		no_violations(S, "replay/long")
		check(S.port[0].pos <= file_packets and S.port[1].pos <= file_packets,
			"replay/long: within the files")
		check(string.find(text, "note: the files hold", 1, true) ~= nil, "replay/long: said so")
	end
end

-- 4. packets sent before the script count against the files
do
	local before = math.floor(file_packets / 2)
	local r, S = run("replay.lua", { tx_before = { [0] = before, [1] = 0 } })
	check(r ~= nil, "replay/used ran")
	if r then
		check(S.epochs[1].sent[0] <= file_packets - before, "replay/used: kept to what is left")
	end
end

-- 5. NDR search: finds the appliance's capacity from below, within the precision
do
	local cap = rate * 0.6
	local env = { MS_NDR_LO = tostring(rate / 10), MS_NDR_HI = tostring(rate) }
	local res, S, text = run("ndr.lua", { capacity = cap }, env)
	check(res ~= nil, "ndr ran")
	if res then
		no_violations(S, "ndr")
		check(res.ndr ~= nil, "ndr: found a rate\n" .. text)
		if res.ndr then
			check(res.ndr <= cap, string.format("ndr: %.0f not above the capacity %.0f", res.ndr, cap))
			check(res.ndr >= cap - 2 * 0.01 * rate, string.format("ndr: %.0f within 2 steps of %.0f",
				res.ndr, cap))
		end
		check(#res.trials == #S.epochs, "ndr: one start per trial")
		for i, t in ipairs(res.trials) do
			check(t[1].lost == S.epochs[i].dropped[0] and t[2].lost == S.epochs[i].dropped[1],
				"ndr: trial " .. i .. " loss as the stub dropped")
			check(t.passed == (S.epochs[i].dropped[0] == 0 and S.epochs[i].dropped[1] == 0),
				"ndr: trial " .. i .. " pass means no drop")
		end
		check(string.find(text, "mediasec ndr: ", 1, true) ~= nil, "ndr: result printed")
	end
end

-- 6. NDR with long trials: the files run out; the search stops, never wraps
do
	local env = { MS_NDR_TRIAL_S = tostring(seconds / 2), MS_NDR_LO = tostring(rate / 10),
		MS_NDR_HI = tostring(rate) }
	local res, S, text = run("ndr.lua", { capacity = rate * 0.6 }, env)
	check(res ~= nil, "ndr/budget ran")
	if res then
		no_violations(S, "ndr/budget")
		check(res.stopped == "budget", "ndr/budget: stopped for the budget\n" .. text)
		check(S.port[0].pos <= file_packets and S.port[1].pos <= file_packets,
			"ndr/budget: within the files")
	end
end

-- 7. a link that is down: no trial, said why
do
	local r, S, text = run("replay.lua", { mbps = 0 })
	check(r ~= nil and r.error ~= nil and #S.epochs == 0, "replay/down: not started")
	check(string.find(text, "link down", 1, true) ~= nil, "replay/down: said so")
end

-- 7b. short trials that end between two polls of isSending still pass at the rate offered
do
	local env = { MS_NDR_TRIAL_S = "0.52", MS_NDR_MIN_TRIAL_S = "0.52", MS_NDR_LO = tostring(rate / 10),
		MS_NDR_HI = tostring(rate) }
	local res, S, text = run("ndr.lua", { capacity = 1e12 }, env)
	check(res ~= nil, "ndr/short ran")
	if res then
		no_violations(S, "ndr/short")
		check(res.ndr == rate and #res.trials == 1, "ndr/short: the top rate passes at once\n" .. text)
	end
end

-- 8. links that come up 2.5 s after the script starts (pktgen's first refresh): waited for
do
	local r, S = run("replay.lua", { link_up_ms = 2500 })
	check(r ~= nil and r.error == nil, "replay/late link: ran")
	if r then
		no_violations(S, "replay/late link")
		check(#S.epochs == 1 and r[1].lost == 0 and r[2].lost == 0, "replay/late link: one clean trial")
	end
end

-- 9. a link that stays down is waited for only MS_LINK_WAIT_S
do
	local r, S, text = run("replay.lua", { mbps = 0 }, { MS_LINK_WAIT_S = "3" })
	check(r ~= nil and r.error ~= nil and #S.epochs == 0, "replay/down 3 s: not started")
	check(S.now_ms >= 3000 and S.now_ms < 4000, "replay/down 3 s: waited " .. S.now_ms .. " ms")
	check(string.find(text, "link down", 1, true) ~= nil, "replay/down 3 s: said so")
end

-- 10. a port that sends pktgen's own 60-byte packet, not its file: said, and the search stops
do
	local r, S, text = run("replay.lua", { frame_sent = { [1] = 60 } })
	check(r ~= nil and not r[1].not_file and r[2].not_file, "replay/no pcap: port 1 found out")
	check(string.find(text, "WARNING: port 1 sent 60.0 bytes per frame", 1, true) ~= nil,
		"replay/no pcap: said so\n" .. text)
	local res, S2, text2 = run("ndr.lua", { frame_sent = { [0] = 60 } })
	check(res ~= nil and res.ndr == nil and #S2.epochs == 1, "ndr/no pcap: stopped after one trial")
	check(res ~= nil and res.stopped ~= nil and string.find(res.stopped, "pcap", 1, true) ~= nil,
		"ndr/no pcap: said why\n" .. text2)
end

-- 11. a NIC that counts the FCS in its byte counter is not taken for a missing pcap
do
	local r = run("replay.lua", { frame_sent = { [0] = frame_a + 4, [1] = frame_b + 4 } })
	check(r ~= nil and r.error == nil and not r[1].not_file and not r[2].not_file,
		"replay/FCS counted: no warning")
end

print(string.format("%s: %d checks, %d failed", _VERSION, checks, failures))
os.exit(failures == 0 and 0 or 1)
