-- ndr.lua: the highest rate (packets per second per direction) that
-- mediasecd forwards with at most MS_NDR_LOSS of the packets lost in either
-- direction: a trial at the high end, then a binary search between low and
-- high, each trial on the next part of the files.
-- Environment: MS_NDR_LO, MS_NDR_HI (pps per direction), MS_NDR_TRIAL_S,
-- MS_NDR_LOSS (a fraction: 0 is no drop at all), MS_NDR_PRECISION (the search
-- stops when high - low is under this fraction of the first high),
-- MS_NDR_MIN_TRIAL_S (a trial is shortened to fit the files down to this),
-- MS_PORT_A, MS_PORT_B, MS_DRAIN_MS, MS_LINK_WAIT_S, MS_RESULTS.

ms.setup()
ms.budget_init()
local lo = ms.env_num("MS_NDR_LO", MS.rate / 10)
local hi = ms.env_num("MS_NDR_HI", MS.rate)
local trial_s = ms.env_num("MS_NDR_TRIAL_S", MS.ndr_trial_s)
local min_trial_s = ms.env_num("MS_NDR_MIN_TRIAL_S", math.min(1, trial_s))
local allowed = ms.env_num("MS_NDR_LOSS", 0)
local precision = ms.env_num("MS_NDR_PRECISION", 0.01)
if not (lo > 0 and hi > lo and trial_s > 0 and allowed >= 0 and precision > 0) then
	error("ndr: need 0 < MS_NDR_LO < MS_NDR_HI, MS_NDR_TRIAL_S > 0, MS_NDR_LOSS >= 0, "
		.. "MS_NDR_PRECISION > 0")
end
print(string.format("mediasec ndr: %s, %d sessions, port %d (side A) <-> port %d (side B); "
	.. "%.0f..%.0f pps per direction, %.1f s trials, loss allowed %.4f %%",
	MS.mode, MS.sessions, MS.port_a, MS.port_b, lo, hi, trial_s, 100 * allowed))

local result = { trials = {}, allowed = allowed }
local step = precision * hi

-- pass: both directions within the loss allowed, and pktgen offered the rate
-- (within what polling isSending can tell)
local function passed(r)
	if r.timed_out or r.offered_max < 0.95 * r.pps then
		return false, "pktgen could not offer this rate"
	end
	for d = 1, 2 do
		if r[d].sent == 0 or r[d].loss > allowed then
			return false, ms.DIR[d] .. " lost too much"
		end
	end
	return true
end

local function run(pps)
	local secs = trial_s
	local fits = ms.budget_left() / pps
	if fits < secs then
		if fits < min_trial_s then
			return nil
		end
		secs = fits
	end
	local r, why = ms.trial(pps, secs)
	if r == nil then
		result.stopped = why
		return nil
	end
	if r[1].not_file or r[2].not_file then
		ms.report(string.format("trial %d", #result.trials + 1), r)
		result.stopped = "a port is not sending its pcap file (see the WARNING above)"
		return nil
	end
	local ok, why_not = passed(r)
	r.passed = ok
	ms.report(string.format("trial %d", #result.trials + 1), r)
	print("  -> " .. (ok and "pass" or ("fail: " .. why_not)))
	result.trials[#result.trials + 1] = r
	return r
end

local r = run(hi)
if r ~= nil and r.passed then
	result.ndr = hi
else
	while r ~= nil and hi - lo > step do
		local mid = (lo + hi) / 2
		r = run(mid)
		if r == nil then
			break
		end
		if r.passed then
			lo = mid
			result.ndr = mid
		else
			hi = mid
		end
	end
end
if r == nil and result.stopped == nil then
	result.stopped = "budget"
end
if result.stopped == "budget" then
	print(string.format("mediasec ndr: stopped: the files have %d packets left per port, not "
		.. "enough for another trial (make longer files: mediasec-bench pktgen --seconds)",
		ms.budget_left()))
elseif result.stopped ~= nil then
	print("mediasec ndr: stopped: " .. result.stopped)
end
if result.ndr ~= nil then
	print(string.format("mediasec ndr: %.0f pps per direction (%.0f pps through mediasecd) "
		.. "with loss <= %.4f %%, %d trials%s", result.ndr, 2 * result.ndr, 100 * allowed,
		#result.trials, result.stopped and ", search cut short" or ""))
else
	print(string.format("mediasec ndr: no trial passed (the rate is below %.0f pps, or see the "
		.. "trials above)", lo))
end
result.budget_left = ms.budget_left()
return result
