-- SPDX-License-Identifier: BSD-3-Clause
-- A stub of Pktgen-DPDK's Lua API (app/lpktgenlib.c), enough to run the
-- scripts of mediasec-bench pktgen on a machine without pktgen, and to judge
-- them. It keeps pktgen's behaviour where the scripts depend on it:
-- * each function checks its argument count as pktgen does (luaL_error);
-- * portStats(list) answers with the counters under .curr (pktgen 24.x and
--   later) or, with api = "old", portStats(list, "port") with them at the top
--   (23.x and before); counters are refreshed once a virtual second;
-- * set(list, "rate", percent) paces at link * percent / 100 over frames of
--   frame + 24 bytes on the wire; set(list, "count", n) sends n and stops;
-- * a port sends its pcap file in order from where it stopped last time.
-- Time is virtual: delay() advances it. Between the ports sits a model of the
-- appliance that forwards at most `capacity` pps per direction and drops the
-- rest; the stub counts what it dropped, what each start sent, and any
-- wrap-around of a file (which on a real appliance would be SRTP replays).

local M = {}

function M.new(cfg)
	local S = {
		api = cfg.api or "new",
		mbps = cfg.mbps or 10000,
		link_up_ms = cfg.link_up_ms or 0, -- links read down until then, as before pktgen's first refresh
		capacity = cfg.capacity or math.huge, -- pps per direction
		file_packets = cfg.file_packets,
		frame = cfg.frame, -- [pid] = bytes without FCS
		frame_sent = cfg.frame_sent or {}, -- [pid] = bytes of what the port really sends
		now_ms = 0,
		calls = {},
		violations = {},
		epochs = {}, -- one per start: sent[pid], dropped[pid] (of what pid sent)
		port = {},
	}
	for _, pid in ipairs(cfg.ports) do
		S.port[pid] = {
			pct = 0, count = 0, pcap = false, sending = false, remaining = 0,
			pos = 0, acc = 0, tx = cfg.tx_before and cfg.tx_before[pid] or 0, rx = 0,
			shown = { tx = 0, rx = 0, obytes = 0 }, dropacc = 0, obytes = 0,
		}
		S.port[pid].shown.tx = S.port[pid].tx
	end
	S.ports = cfg.ports
	S.peer = { [cfg.ports[1]] = cfg.ports[2], [cfg.ports[2]] = cfg.ports[1] }

	local function violation(msg)
		S.violations[#S.violations + 1] = msg
	end

	local function log(name, ...)
		S.calls[#S.calls + 1] = { name, ... }
	end

	local function nargs(name, want, ...)
		local n = select("#", ...)
		if n ~= want then
			error(name .. ", wrong number of arguments", 3)
		end
	end

	-- pktgen's portlist: "0", "0,1", "0-1", "all"
	local function list(s)
		s = tostring(s)
		local out = {}
		if s == "all" then
			for _, p in ipairs(S.ports) do out[#out + 1] = p end
			return out
		end
		for part in string.gmatch(s, "[^,]+") do
			local a, b = string.match(part, "^(%d+)%-(%d+)$")
			if a then
				for p = tonumber(a), tonumber(b) do out[#out + 1] = p end
			elseif string.match(part, "^%d+$") then
				out[#out + 1] = tonumber(part)
			else
				error("invalid portlist", 3)
			end
		end
		for _, p in ipairs(out) do
			if S.port[p] == nil then
				error("invalid portlist", 3)
			end
		end
		return out
	end

	local function pps(pid)
		local p = S.port[pid]
		return S.mbps * 1e6 / ((S.frame[pid] + 24) * 8) * p.pct / 100
	end

	-- one virtual millisecond
	local function tick()
		local ep = S.epochs[#S.epochs]
		for _, pid in ipairs(S.ports) do
			local p = S.port[pid]
			if p.sending then
				p.acc = p.acc + pps(pid) / 1000
				local n = math.floor(p.acc)
				p.acc = p.acc - n
				if p.remaining ~= nil and n > p.remaining then
					n = p.remaining
				end
				if n > 0 then
					p.pos = p.pos + n
					if p.pos > S.file_packets then
						violation(string.format("port %d sent past the end of its file (%d > %d): "
							.. "replays", pid, p.pos, S.file_packets))
					end
					p.tx = p.tx + n
					-- frame_sent: what a port sends instead of its file's frames
					p.obytes = p.obytes + n * (S.frame_sent[pid] or S.frame[pid])
					-- the appliance: at most capacity pps per direction
					local keep = math.min(1, S.capacity / pps(pid))
					p.dropacc = p.dropacc + n * keep
					local through = math.floor(p.dropacc)
					p.dropacc = p.dropacc - through
					S.port[S.peer[pid]].rx = S.port[S.peer[pid]].rx + through
					ep.sent[pid] = ep.sent[pid] + n
					ep.dropped[pid] = ep.dropped[pid] + (n - through)
				end
				if p.remaining ~= nil then
					p.remaining = p.remaining - n
					if p.remaining == 0 then
						p.sending = false
					end
				end
			end
		end
		S.now_ms = S.now_ms + 1
		if S.now_ms % 1000 == 0 then -- pktgen's once-a-second refresh
			for _, pid in ipairs(S.ports) do
				local p = S.port[pid]
				p.shown.tx, p.shown.rx, p.shown.obytes = p.tx, p.rx, p.obytes
			end
		end
	end

	local pg = {}

	function pg.set(...)
		nargs("set", 3, ...)
		local l, what, value = ...
		log("set", l, what, value)
		if type(value) ~= "number" and tonumber(value) == nil then
			error("bad argument #3 to 'set' (number expected)", 2)
		end
		for _, pid in ipairs(list(l)) do
			local p = S.port[pid]
			if what == "rate" then
				local r = tonumber(tostring(value)) -- pktgen: strtod(luaL_checkstring())
				if r == 0 then r = 0.01 elseif r > 100 then r = 100 end
				p.pct = r
			elseif what == "count" then
				local n = tonumber(value)
				if n < 0 or n > 4294967295 or n ~= math.floor(n) then
					violation("count " .. tostring(value) .. " is not a uint32_t")
				end
				p.count = n
			else
				error("set does not support " .. tostring(what), 2)
			end
		end
	end

	function pg.pcap(...)
		nargs("pcap", 2, ...)
		local l, state = ...
		log("pcap", l, state)
		for _, pid in ipairs(list(l)) do
			S.port[pid].pcap = state == "on" or state == "enable"
		end
	end

	function pg.start(...)
		nargs("start", 1, ...)
		local l = ...
		log("start", l)
		S.epochs[#S.epochs + 1] = { sent = {}, dropped = {}, pct = {}, count = {} }
		local ep = S.epochs[#S.epochs]
		for _, pid in ipairs(S.ports) do
			ep.sent[pid], ep.dropped[pid] = 0, 0
		end
		for _, pid in ipairs(list(l)) do
			local p = S.port[pid]
			if S.mbps == 0 or S.now_ms < S.link_up_ms then
				violation("start on port " .. pid .. " while its link is down")
			end
			if not p.pcap then
				violation("start on port " .. pid .. " without pcap on: pktgen sends its own packet")
			end
			if not p.sending then
				p.sending = true
				p.remaining = p.count > 0 and p.count or nil -- 0: forever
				p.acc = 0
				ep.pct[pid], ep.count[pid] = p.pct, p.count
			end
		end
	end

	function pg.stop(...)
		nargs("stop", 1, ...)
		log("stop", ...)
		for _, pid in ipairs(list(...)) do
			S.port[pid].sending = false
		end
	end

	function pg.delay(...)
		nargs("delay", 1, ...)
		local ms = ...
		if type(ms) ~= "number" or ms ~= math.floor(ms) then
			error("bad argument #1 to 'delay' (number has no integer representation)", 2)
		end
		for _ = 1, ms do
			tick()
		end
	end

	function pg.isSending(...)
		nargs("isSending", 1, ...)
		local t, n = {}, 0
		for _, pid in ipairs(list(...)) do
			t[pid] = S.port[pid].sending and "y" or "n"
			n = n + 1
		end
		t.n = n
		return t
	end

	function pg.linkState(...)
		nargs("linkState", 1, ...)
		local t, n = {}, 0
		for _, pid in ipairs(list(...)) do
			local up = S.mbps > 0 and S.now_ms >= S.link_up_ms
			t[pid] = up and string.format("<UP-%d-FD>", S.mbps) or "<--Down-->"
			n = n + 1
		end
		t.n = n
		return t
	end

	local function counters(pid)
		local p = S.port[pid]
		return { ipackets = p.shown.rx, opackets = p.shown.tx, ibytes = 0, obytes = p.shown.obytes,
			ierrors = 0, oerrors = 0, rx_nombuf = 0, imissed = 0 }
	end

	function pg.portStats(...)
		local t, n = {}, 0
		if S.api == "old" then
			nargs("portStats", 2, ...)
			local l = ...
			for _, pid in ipairs(list(l)) do
				t[pid] = counters(pid)
				n = n + 1
			end
		else
			nargs("portStats", 1, ...)
			for _, pid in ipairs(list(...)) do
				t[pid] = { curr = counters(pid), sizes = {}, qstats = {} }
				n = n + 1
			end
		end
		t.n = n
		return t
	end

	function pg.screen(...)
		nargs("screen", 1, ...)
	end

	S.pktgen = pg
	return S
end

return M
