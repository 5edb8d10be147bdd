-- SPDX-License-Identifier: BSD-3-Clause
-- mediasec-bench pktgen: what replay.lua and ndr.lua share (the generator puts
-- the MS table of the run in front of this and the script's own part after it).
--
-- Why the scripts count what they count:
-- * pktgen sends a pcap file in order from a pool that it refills from the
--   front as packets leave, and goes on from where it stopped on the next
--   start: consecutive trials use consecutive parts of the file. Once the
--   file wraps around, every SRTP packet is a replay that mediasecd must
--   drop. So the scripts keep a budget: the packets left in each file, less
--   every packet sent since pktgen started (its tx counter), and never ask
--   for more.
-- * pktgen sets its rate in percent of the link speed; a frame takes its
--   bytes + FCS (4) + preamble and start delimiter (8) + gap (12) on the wire.
-- * pktgen refreshes its port counters and link states once a second, from
--   a timer thread that starts just before it runs a -f script: counters are
--   read more than a second after the last packet, and the scripts wait for
--   both links to be reported up before the first trial.
-- Checked on the machine that wrote them against a stub of pktgen's Lua API
-- (tests/pktgen/), not against a real pktgen.

local ms = {}

ms.POLL_MS = 50      -- how often isSending is asked: the resolution of the send time
ms.STATS_MS = 1100   -- longer than pktgen's counter refresh (1 s)
ms.LINK_POLL_MS = 250

function ms.env_num(name, default)
	local v = os.getenv(name)
	if v == nil or v == "" then
		return default
	end
	local n = tonumber(v)
	if n == nil then
		error(name .. " is not a number: " .. v)
	end
	return n
end

function ms.setup()
	MS.port_a = math.floor(ms.env_num("MS_PORT_A", MS.port_a))
	MS.port_b = math.floor(ms.env_num("MS_PORT_B", MS.port_b))
	MS.rate = ms.env_num("MS_RATE", MS.rate)
	MS.seconds = ms.env_num("MS_SECONDS", MS.seconds)
	MS.drain_ms = math.floor(ms.env_num("MS_DRAIN_MS", MS.drain_ms))
	MS.ports = { MS.port_a, MS.port_b }
	MS.list = MS.port_a .. "," .. MS.port_b
	if MS.port_a == MS.port_b then
		error("MS_PORT_A and MS_PORT_B are the same port")
	end
	if MS.rate <= 0 or MS.seconds <= 0 then
		error("the rate and the time must be above 0")
	end
	if pktgen.screen ~= nil then
		pcall(pktgen.screen, "off") -- so that what the script prints stays readable
	end
	for _, p in ipairs(MS.ports) do
		pktgen.pcap(tostring(p), "on")
	end
	ms.wait_links(ms.env_num("MS_LINK_WAIT_S", 15))
end

-- Waits up to seconds for both links to be reported up (a trial on a link
-- still down says so and does not run).
function ms.wait_links(seconds)
	local waited = 0
	while true do
		local all_up = true
		for _, p in ipairs(MS.ports) do
			if ms.link_mbps(p) == nil then
				all_up = false
			end
		end
		if all_up or waited >= seconds * 1000 then
			return all_up
		end
		pktgen.delay(ms.LINK_POLL_MS)
		waited = waited + ms.LINK_POLL_MS
	end
end

-- "<UP-10000-FD>" -> 10000 (Mb/s); nil when the link is down.
function ms.link_mbps(pid)
	local t = pktgen.linkState(tostring(pid))
	local s = t and t[pid] or ""
	local speed = string.match(s, "<UP%-(%d+)%-")
	if speed == nil or tonumber(speed) == 0 then
		return nil, s
	end
	return tonumber(speed)
end

function ms.rate_percent(pps, frame, mbps)
	return pps * (frame + 24) * 8 / (mbps * 1e6) * 100
end

-- Cumulative counters of a port, whatever the pktgen version: portStats(list)
-- with the counters under .curr (24.x and later), or portStats(list, "port")
-- with them at the top (up to 23.x).
function ms.counters(pid)
	local ok, t = pcall(pktgen.portStats, tostring(pid))
	if not ok or type(t) ~= "table" or t[pid] == nil then
		t = pktgen.portStats(tostring(pid), "port")
	end
	local e = t[pid]
	local c = e.curr or e
	return {
		rx = c.ipackets or 0, tx = c.opackets or 0, obytes = c.obytes or 0,
		imissed = c.imissed or 0, ierrors = c.ierrors or 0,
		rx_nombuf = c.rx_nombuf or 0, oerrors = c.oerrors or 0,
	}
end

-- Packets left in each file: what it holds less what pktgen sent since it
-- started (from its pcap or not: the counter cannot tell, so count it all).
function ms.budget_init()
	ms.budget = {}
	for i, p in ipairs(MS.ports) do
		local c = ms.counters(p)
		ms.budget[i] = MS.file_packets - c.tx
		if c.tx > 0 then
			print(string.format("note: port %d sent %d packets before this script; counted "
				.. "against its file (start pktgen afresh for the whole file)", p, c.tx))
		end
	end
end

function ms.budget_left()
	return math.max(0, math.min(ms.budget[1], ms.budget[2]))
end

-- One trial: both ports send count = pps * seconds packets of their file at pps.
-- Returns the figures, or nil and why it did not run.
function ms.trial(pps, seconds)
	local count = math.floor(pps * seconds + 0.5)
	if count < 1 then
		return nil, "fewer than one packet"
	end
	if count > ms.budget_left() then
		return nil, "budget"
	end
	if count > 4294967295 then
		return nil, "pktgen counts at most 2^32 - 1 packets per start"
	end
	for i, p in ipairs(MS.ports) do
		local mbps, state = ms.link_mbps(p)
		if mbps == nil then
			return nil, string.format("port %d: link down (%s)", p, tostring(state))
		end
		local pct = ms.rate_percent(pps, MS.frame[i], mbps)
		if pct > 100 then
			return nil, string.format("port %d: %.0f pps is above the line rate of %d Mb/s",
				p, pps, mbps)
		end
		pktgen.set(tostring(p), "rate", pct)
		pktgen.set(tostring(p), "count", count)
	end
	local before = { ms.counters(MS.ports[1]), ms.counters(MS.ports[2]) }
	pktgen.start(MS.list)
	local polls, limit = 0, math.ceil((seconds * 3 + 10) * 1000 / ms.POLL_MS)
	local timed_out = false
	repeat
		pktgen.delay(ms.POLL_MS)
		polls = polls + 1
		local s = pktgen.isSending(MS.list)
		local busy = s[MS.port_a] == "y" or s[MS.port_b] == "y"
		if busy and polls >= limit then
			timed_out = true
			pktgen.stop(MS.list)
		end
	until not busy or timed_out
	local elapsed = polls * ms.POLL_MS / 1000
	pktgen.delay(MS.drain_ms) -- what the appliance still holds comes out
	pktgen.delay(ms.STATS_MS)
	local after = { ms.counters(MS.ports[1]), ms.counters(MS.ports[2]) }
	local r = { pps = pps, seconds = seconds, count = count, elapsed = elapsed,
		timed_out = timed_out }
	-- direction A->B: sent by port A, received by port B; B->A the other way
	for d = 1, 2 do
		local tx_port, rx_port = d, 3 - d
		local sent = after[tx_port].tx - before[tx_port].tx
		local recv = after[rx_port].rx - before[rx_port].rx
		r[d] = {
			sent = sent, received = recv,
			lost = math.max(0, sent - recv), extra = math.max(0, recv - sent),
			missed = (after[rx_port].imissed - before[rx_port].imissed)
				+ (after[rx_port].rx_nombuf - before[rx_port].rx_nombuf),
			ierrors = after[rx_port].ierrors - before[rx_port].ierrors,
		}
		r[d].loss = sent > 0 and r[d].lost / sent or 1
		-- a port that is not in pcap mode (pktgen started without -s) sends
		-- pktgen's own packet: tell by the bytes per frame sent (with or
		-- without the FCS, as the NIC counts; no check if it counts no bytes)
		local obytes = after[tx_port].obytes - before[tx_port].obytes
		if sent > 0 and obytes > 0 then
			r[d].frame_sent = obytes / sent
			r[d].not_file = r[d].frame_sent < MS.frame[tx_port] - 0.5
				or r[d].frame_sent > MS.frame[tx_port] + 4.5
		end
		ms.budget[tx_port] = ms.budget[tx_port] - sent
	end
	-- isSending is polled, so the ports stopped within the last poll: the time
	-- they took lies between elapsed - POLL_MS and elapsed. offered is the
	-- lower bound of the rate of the slower port, offered_max the upper one.
	local least = math.min(r[1].sent, r[2].sent)
	r.offered = elapsed > 0 and least / elapsed or 0
	r.offered_max = least / math.max(elapsed - ms.POLL_MS / 1000, ms.POLL_MS / 1000)
	return r
end

ms.DIR = { "A->B", "B->A" }

function ms.report(label, r)
	print(string.format("%s: %.0f pps per direction, %d packets each, sent in %.2f s "
		.. "(%.0f pps offered)%s", label, r.pps, r.count, r.elapsed, r.offered,
		r.timed_out and " STOPPED: pktgen was still sending after 3x the time" or ""))
	for d = 1, 2 do
		local x = r[d]
		print(string.format("  %s: sent %d, received %d, lost %d (%.4f %%)%s%s", ms.DIR[d],
			x.sent, x.received, x.lost, 100 * x.loss,
			x.extra > 0 and string.format(", %d more than sent (not from this trial?)", x.extra) or "",
			x.missed > 0 and string.format(", of which pktgen's own rx missed %d", x.missed) or ""))
		if x.not_file then
			print(string.format("  WARNING: port %d sent %.1f bytes per frame, its file has %d-byte "
				.. "frames: was pktgen started with -s %d:%s.pcap?", MS.ports[d], x.frame_sent,
				MS.frame[d], MS.ports[d], d == 1 and "a" or "b"))
		end
	end
	local path = os.getenv("MS_RESULTS")
	if path ~= nil and path ~= "" then
		local f = io.open(path, "a")
		if f ~= nil then
			f:write(string.format("%s pps=%.0f seconds=%.3f elapsed=%.2f sent_ab=%d recv_ab=%d "
				.. "sent_ba=%d recv_ba=%d\n", label, r.pps, r.seconds, r.elapsed, r[1].sent,
				r[1].received, r[2].sent, r[2].received))
			f:close()
		end
	end
end
