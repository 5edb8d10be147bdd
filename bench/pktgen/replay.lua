-- replay.lua: sends a.pcap on port A and b.pcap on port B at MS.rate packets
-- per second per direction for MS.seconds, then prints what came back.
-- Environment: MS_RATE, MS_SECONDS, MS_PORT_A, MS_PORT_B, MS_DRAIN_MS,
-- MS_LINK_WAIT_S, MS_RESULTS (a file to append the figures to).

ms.setup()
ms.budget_init()
local seconds = MS.seconds
local fits = ms.budget_left() / MS.rate
if fits < seconds then
	print(string.format("note: the files hold %.2f s at %.0f pps, not %.2f s: sending %.2f s "
		.. "(make longer files, or several: docs/benchmarking-with-pktgen.md)", fits, MS.rate,
		seconds, fits))
	seconds = fits
end
print(string.format("mediasec replay: %s, %d sessions, port %d (side A) <-> port %d (side B)",
	MS.mode, MS.sessions, MS.port_a, MS.port_b))
local r, why = ms.trial(MS.rate, seconds)
if r == nil then
	print("mediasec replay: not run: " .. why)
	return { error = why }
end
ms.report("mediasec replay", r)
print(string.format("  packets left in the files: %d per port (%.2f s at this rate)",
	ms.budget_left(), ms.budget_left() / MS.rate))
print("  loss is what did not come back; mediasecd tells drops by reason (replay, auth_fail, "
	.. "tx_full, ...): mediasecctl stats")
r.budget_left = ms.budget_left()
return r
