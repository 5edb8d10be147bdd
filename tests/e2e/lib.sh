# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Shared by the end-to-end tests (sourced). Each test builds its own world:
# two network namespaces, each joined to mediasecd by a veth pair whose host
# side mediasecd opens with net_af_packet; a configuration of its own (its
# interfaces, addresses, keys and EAL --file-prefix); real SRTP/RTP peers
# from GStreamer (srtpenc/srtpdec, rtppcmupay/rtppcmudepay) in the
# namespaces. Names carry a per-run suffix, so parallel runs do not collide,
# and an EXIT trap removes everything the test created, on success, failure
# or signal.
#
# Exit codes: 0 pass, 1 fail, 77 skip (not root, a tool missing).

set -u -o pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PAYLOAD="$E2E_DIR/payload.py"
: "${MS_BUILD_DIR:=$E2E_DIR/../../build}"
MEDIASECD=${MEDIASECD:-$MS_BUILD_DIR/mediasecd}
# One packet: 160 bytes of PCMU, 20 ms. Packets per second of audio: 50.
E2E_SECONDS=${E2E_SECONDS:-4}
E2E_PACKETS=$((E2E_SECONDS * 50))
# Wall-clock limits of the steps, in seconds.
E2E_READY_TIMEOUT=${E2E_READY_TIMEOUT:-30}
E2E_EXIT_TIMEOUT=${E2E_EXIT_TIMEOUT:-20}

E2E_PIDS=()      # everything started in the background, killed on exit
E2E_NETNS=()     # namespaces created
E2E_LINKS=()     # host-side links created
MS_PID=
MS_LOG=
MS_PREFIX=

e2e_log() { printf '%s\n' "$*"; }
e2e_step() { printf '\n== %s\n' "$*"; }
e2e_skip() { printf 'SKIP: %s\n' "$*"; exit 77; }
e2e_fail() {
	printf 'FAIL: %s\n' "$*"
	exit 1
}

# e2e_begin TITLE WHAT: prints what the test checks, checks the
# prerequisites, makes the run's names and work directory, sets the trap.
e2e_begin() {
	printf '### %s\n' "$1"
	printf '%s\n' "$2" | sed 's/^/# /'
	[ "$(id -u)" -eq 0 ] || e2e_skip "needs root (network namespaces, veth, DPDK af_packet)"
	local t
	for t in ip ethtool ss gst-launch-1.0 gst-inspect-1.0 python3 base64 od sysctl; do
		command -v "$t" >/dev/null 2>&1 ||
			e2e_skip "'$t' is missing (scripts/install-deps.sh installs it)"
	done
	for t in srtpenc srtpdec rtppcmupay rtppcmudepay rawaudioparse udpsrc udpsink filesrc filesink; do
		gst-inspect-1.0 --exists "$t" 2>/dev/null ||
			e2e_skip "GStreamer element '$t' is missing (gstreamer1.0-plugins-base/-good/-bad)"
	done
	[ "$(nproc)" -ge 2 ] || e2e_skip "needs 2 CPUs (a main lcore and a worker lcore)"
	[ -x "$MEDIASECD" ] || e2e_fail "mediasecd is not built: $MEDIASECD"

	e2e_sweep
	# 4 hex digits, unique among the links that exist now.
	local i
	for i in $(seq 1 50); do
		E2E_RUN=$(printf '%04x' $(((RANDOM << 1 ^ $$ ^ RANDOM) & 0xffff)))
		ip link show "mse${E2E_RUN}a" >/dev/null 2>&1 || ip link show "mse${E2E_RUN}b" >/dev/null 2>&1 ||
			[ -e "/run/netns/mse-$E2E_RUN-a" ] || break
	done
	E2E_WORK=$(mktemp -d "/tmp/mediasec-e2e-$E2E_RUN.XXXXXX")
	echo $$ >"$E2E_WORK/owner"
	MS_PREFIX="mse2e-$E2E_RUN"
	trap e2e_cleanup EXIT
	trap 'e2e_log "interrupted"; exit 130' INT
	trap 'e2e_log "terminated"; exit 143' TERM
	e2e_log "# run $E2E_RUN, work directory $E2E_WORK"
}

e2e_kill_pid() { # PID [seconds before SIGKILL]
	local pid=$1 wait=${2:-3} i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -INT "$pid" 2>/dev/null
	for i in $(seq 1 $((wait * 10))); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

e2e_cleanup() {
	local rc=$?
	trap '' INT TERM
	trap - EXIT
	local p alive=()
	# Ask every process to stop, then take the network away at once: on a
	# timeout meson follows its SIGTERM with SIGKILL within half a second, so
	# the namespaces and links go first (deleting the host side of a veth
	# deletes the pair, even while a process in the namespace still runs).
	for p in "${E2E_PIDS[@]}" $MS_PID; do
		kill -0 "$p" 2>/dev/null && kill -INT "$p" 2>/dev/null && alive+=("$p")
	done
	for p in "${E2E_LINKS[@]}"; do
		ip link del "$p" 2>/dev/null
	done
	for p in "${E2E_NETNS[@]}"; do
		ip netns del "$p" 2>/dev/null
	done
	for p in "${alive[@]}"; do
		e2e_kill_pid "$p" 5
	done
	[ -n "$MS_PREFIX" ] && rm -rf "/var/run/dpdk/$MS_PREFIX"
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "${E2E_WORK:-}" ] && [ -n "$MS_LOG" ] && [ -f "$MS_LOG" ]; then
		printf '\n--- mediasecd output (last 60 lines) ---\n'
		tail -n 60 "$MS_LOG"
		local f
		for f in "$E2E_WORK"/*.gst.log; do
			[ -s "$f" ] || continue
			printf -- '--- %s ---\n' "$(basename "$f")"
			tail -n 15 "$f"
		done
	fi
	if [ -n "${E2E_WORK:-}" ]; then
		if [ "${E2E_KEEP:-0}" = 1 ]; then
			e2e_log "# kept $E2E_WORK"
		else
			rm -rf "$E2E_WORK"
		fi
	fi
	case $rc in
	0) e2e_log "PASS" ;;
	77) ;;
	*) e2e_log "FAIL (exit $rc)" ;;
	esac
	exit "$rc"
}

# Removes what earlier runs left when they were killed outright (SIGKILL
# gives no chance to clean up): namespaces mse-RUN-a/b and links mseRUNa/b
# whose run's owner process is gone.
e2e_sweep() {
	local ns run owner dir
	for ns in /run/netns/mse-*-a /run/netns/mse-*-b; do
		[ -e "$ns" ] || continue
		run=${ns#/run/netns/mse-}
		run=${run%-?}
		owner=""
		for dir in /tmp/mediasec-e2e-"$run".*; do
			[ -f "$dir/owner" ] && owner=$(cat "$dir/owner")
		done
		# Alive: a process that is no zombie and runs one of these tests.
		if [ -n "$owner" ] && [ -r "/proc/$owner/stat" ] &&
			[ "$(cut -d' ' -f3 "/proc/$owner/stat" 2>/dev/null)" != Z ] &&
			tr '\0' ' ' <"/proc/$owner/cmdline" 2>/dev/null | grep -q e2e; then
			continue
		fi
		e2e_log "# removing what run $run left behind"
		ip link del "mse${run}a" 2>/dev/null
		ip link del "mse${run}b" 2>/dev/null
		ip netns del "mse-$run-a" 2>/dev/null
		ip netns del "mse-$run-b" 2>/dev/null
		rm -rf /tmp/mediasec-e2e-"$run".* "/var/run/dpdk/mse2e-$run"
	done
}

# e2e_var NAME SIDE: the value of NAME_SIDE (set by e2e_side).
e2e_var() {
	local n="$1_$2"
	printf '%s' "${!n}"
}

# e2e_side SIDE NET: a namespace and a veth pair for leg SIDE (a or b).
# mediasecd's addresses are 10.NET.x.1 and fd00:NET:x::1, the peer's .2/::2,
# x = 1 for a, 2 for b. Sets NS_<side>, HIF_<side> (host side, for af_packet),
# NIF_<side>, MS4_/PEER4_/MS6_/PEER6_<side>.
e2e_side() {
	local side=$1 net=$2 x
	[ "$side" = a ] && x=1 || x=2
	local ns="mse-$E2E_RUN-$side" hif="mse${E2E_RUN}${side}" nif="mse${E2E_RUN}${side}p"
	ip netns add "$ns" || e2e_fail "cannot create namespace $ns"
	E2E_NETNS+=("$ns")
	ip link add "$hif" type veth peer name "$nif" netns "$ns" || e2e_fail "cannot create veth $hif"
	E2E_LINKS+=("$hif")
	# The host side carries no address and no IPv6, and never forwards: only
	# mediasecd (af_packet) uses it.
	sysctl -qw "net.ipv6.conf.$hif.disable_ipv6=1"
	sysctl -qw "net.ipv4.conf.$hif.forwarding=0"
	ip link set "$hif" up
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "10.$net.$x.2/24" dev "$nif"
	ip -n "$ns" addr add "fd00:$net:$x::2/64" dev "$nif" nodad
	ip -n "$ns" link set "$nif" up
	# The kernel peer must write its own UDP checksums (PLATFORM.md).
	ip netns exec "$ns" ethtool -K "$nif" tx off >/dev/null 2>&1 ||
		e2e_fail "ethtool -K $nif tx off failed"
	printf -v "NS_$side" '%s' "$ns"
	printf -v "HIF_$side" '%s' "$hif"
	printf -v "NIF_$side" '%s' "$nif"
	printf -v "MS4_$side" '%s' "10.$net.$x.1"
	printf -v "PEER4_$side" '%s' "10.$net.$x.2"
	printf -v "MS6_$side" '%s' "fd00:$net:$x::1"
	printf -v "PEER6_$side" '%s' "fd00:$net:$x::2"
	printf -v "NET_$side" '%s' "$net"
}

# Suites: SDES name -> GStreamer cipher, auth, master key + salt bytes.
e2e_suite() { # SUITE -> "cipher auth keybytes"
	case $1 in
	AES_CM_128_HMAC_SHA1_80) echo "aes-128-icm hmac-sha1-80 30" ;;
	AES_CM_128_HMAC_SHA1_32) echo "aes-128-icm hmac-sha1-32 30" ;;
	AES_256_CM_HMAC_SHA1_80) echo "aes-256-icm hmac-sha1-80 46" ;;
	AES_256_CM_HMAC_SHA1_32) echo "aes-256-icm hmac-sha1-32 46" ;;
	NULL_HMAC_SHA1_80) echo "null hmac-sha1-80 30" ;;
	NULL_HMAC_SHA1_32) echo "null hmac-sha1-32 30" ;;
	AEAD_AES_128_GCM) echo "aes-128-gcm null 28" ;;
	AEAD_AES_256_GCM) echo "aes-256-gcm null 44" ;;
	*) e2e_fail "unknown suite $1" ;;
	esac
}

# e2e_key VAR BYTES: a fresh random master key || salt; VAR_b64 (SDES
# inline, for the configuration) and VAR_hex (for srtpenc/srtpdec).
e2e_key() {
	local var=$1 n=$2 f="$E2E_WORK/key.$1"
	head -c "$n" /dev/urandom >"$f"
	printf -v "${var}_b64" '%s' "inline:$(base64 -w0 <"$f")"
	printf -v "${var}_hex" '%s' "$(od -An -v -tx1 <"$f" | tr -d ' \n')"
	rm -f "$f"
}

# e2e_hex_of_inline INLINE: hex of an SDES inline key.
e2e_hex_of_inline() {
	printf '%s' "${1#inline:}" | base64 -d | od -An -v -tx1 | tr -d ' \n'
}

# e2e_leg SIDE FAMILY MODE [SUITE RECV_B64 SEND_B64]: one leg of a session as
# libconfig text. FAMILY 4 or 6 picks the addresses. mediasecd listens on
# port 30000 (RTCP 30001), the peer on 5004.
e2e_leg() {
	local side=$1 fam=$2 mode=$3 suite=${4:-} rk=${5:-} sk=${6:-} ms peer
	if [ "$fam" = 6 ]; then
		ms="[$(e2e_var MS6 "$side")]:30000" peer="[$(e2e_var PEER6 "$side")]:5004"
	else
		ms="$(e2e_var MS4 "$side"):30000" peer="$(e2e_var PEER4 "$side"):5004"
	fi
	printf '\t\t\t{\n\t\t\t\tport = "%s";\n\t\t\t\tlocal = "%s";\n\t\t\t\tpeer = "%s";\n\t\t\t\tmode = "%s";\n' \
		"$side" "$ms" "$peer" "$mode"
	if [ "$mode" != rtp ]; then
		printf '\t\t\t\tsuite = "%s";\n\t\t\t\trecv_key = "%s";\n\t\t\t\tsend_key = "%s";\n' "$suite" "$rk" "$sk"
	fi
	printf '\t\t\t}'
}

# e2e_config FILE SESSION_NAME LEG_A_TEXT LEG_B_TEXT: the demo's structure,
# with this run's interfaces, addresses and EAL file prefix.
e2e_config() {
	local file=$1 name=$2 la=$3 lb=$4
	cat >"$file" <<EOF
# mediasec end-to-end test $E2E_RUN (written by tests/e2e/lib.sh)
eal = {
	hugepages = "auto";
	memory_mb = 0;
	main_lcore = 0;
	args = [ "--file-prefix=$MS_PREFIX", "--log-level=lib.eal:notice" ];
};
crypto = { engine = "ipsec-mb"; replay_window = 128; };
mbufs = { count = 8191; cache = 256; };
limits = { legs = 64; neighbours = 64; };
ports = (
	{
		name = "a";
		device = "net_af_packet_a";
		args = "iface=$HIF_a,qpairs=1";
		addresses = [ "$MS4_a/24", "$MS6_a/64" ];
		media_ports = "30000-39999";
	},
	{
		name = "b";
		device = "net_af_packet_b";
		args = "iface=$HIF_b,qpairs=1";
		addresses = [ "$MS4_b/24", "$MS6_b/64" ];
		media_ports = "30000-39999";
	}
);
workers = (
	{ lcore = 1; queues = [ "a:0", "b:0" ]; }
);
stats_interval_ms = 0;
sessions = (
	{
		name = "$name";
		legs = (
$la,
$lb
		);
	}
);
EOF
}

# e2e_start_mediasecd CONF: starts mediasecd with --stats 1000 and waits
# for its "ready" line.
e2e_start_mediasecd() {
	MS_LOG="$E2E_WORK/mediasecd.log"
	e2e_log "\$ $MEDIASECD -f $1 --stats 1000"
	"$MEDIASECD" -f "$1" --stats 1000 >"$MS_LOG" 2>&1 &
	MS_PID=$!
	local i
	for i in $(seq 1 $((E2E_READY_TIMEOUT * 10))); do
		grep -q ready "$MS_LOG" && {
			e2e_log "mediasecd (pid $MS_PID) is ready after $((i / 10)).$((i % 10)) s"
			return 0
		}
		kill -0 "$MS_PID" 2>/dev/null || {
			wait "$MS_PID"
			local rc=$?
			MS_PID=
			e2e_fail "mediasecd exited with status $rc before it was ready"
		}
		sleep 0.1
	done
	e2e_fail "mediasecd printed no 'ready' line within $E2E_READY_TIMEOUT s"
}

# e2e_stop_mediasecd: SIGINT, wait for the exit (status must be 0), keep the
# summary it prints (everything after the last periodic report) in MS_SUMMARY.
e2e_stop_mediasecd() {
	local n0 i rc
	n0=$(wc -l <"$MS_LOG")
	kill -INT "$MS_PID"
	for i in $(seq 1 $((E2E_EXIT_TIMEOUT * 10))); do
		kill -0 "$MS_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$MS_PID" 2>/dev/null; then
		e2e_fail "mediasecd did not exit within $E2E_EXIT_TIMEOUT s of SIGINT"
	fi
	wait "$MS_PID"
	rc=$?
	MS_PID=
	MS_SUMMARY="$E2E_WORK/summary.txt"
	# The summary: from "counters at exit" on (all lines since SIGINT if absent).
	local at
	at=$(grep -n 'counters at exit' "$MS_LOG" | tail -n 1 | cut -d: -f1)
	tail -n +"${at:-$((n0 + 1))}" "$MS_LOG" >"$MS_SUMMARY"
	e2e_log "mediasecd exited with status $rc after SIGINT; its exit summary:"
	sed 's/^/  | /' "$MS_SUMMARY"
	[ "$rc" -eq 0 ] || e2e_fail "mediasecd exit status $rc, expected 0"
}

# e2e_counters_zero FILE COUNTER...: no counter named COUNTER is above 0
# in FILE. mediasecd prints only the drop counters that are not 0, as
# "NAME=N" on worker lines ("in_"/"out_" for crypto results) and on leg lines
# ("rx_"/"tx_"); so an absent counter is 0. Fails naming the lines that show
# one.
e2e_counters_zero() {
	local file=$1 c bad=0 hits
	shift
	grep -q '^worker ' "$file" && grep -q '^leg ' "$file" || {
		e2e_log "  the summary has no worker or leg line"
		return 1
	}
	for c in "$@"; do
		hits=$(grep -oE "(^|[[:space:]])(in_|out_|rx_|tx_)?$c=[0-9]+" "$file" | tr -d ' ' | grep -v '=0$' || true)
		if [ -n "$hits" ]; then
			e2e_log "  $c: NOT 0: $(echo "$hits" | tr '\n' ' ')"
			bad=1
		fi
	done
	[ "$bad" -eq 0 ] && e2e_log "  none of $* is above 0 on any worker or leg"
	return $bad
}

# e2e_leg_pkts FILE SIDE rx|tx: a leg's packet count in a summary (leg
# lines: "leg ID (SESSION) port SIDE ...: rx N pkts ..., tx N pkts ...").
e2e_leg_pkts() {
	grep -E "^leg [0-9]+ \(.*\) port $2 " "$1" | tail -n 1 | grep -oE "$3 [0-9]+ pkts" | grep -oE '[0-9]+' || echo 0
}

# --- GStreamer peers --------------------------------------------------------

e2e_caps_rtp='media=(string)audio,clock-rate=(int)8000,encoding-name=(string)PCMU,payload=(int)0'
E2E_SSRC=${E2E_SSRC:-3735928559}

# e2e_wait_bound NS ADDR: until a UDP socket is bound to ADDR port 5004 in NS.
e2e_wait_bound() {
	local ns=$1 addr=$2 i
	for i in $(seq 1 100); do
		ip netns exec "$ns" ss -Hlun "sport = :5004" 2>/dev/null | grep -qF "$addr" && return 0
		sleep 0.1
	done
	e2e_fail "no receiver bound to $addr:5004 in $ns after 10 s"
}

# e2e_recv NAME NS ADDR OUT rtp | NAME NS ADDR OUT SUITE KEYHEX
# A receiver on ADDR:5004 in NS that depayloads PCMU into OUT; SRTP with
# srtpdec when a suite is given. Background; its pid is in RECV_PID.
e2e_recv() {
	local name=$1 ns=$2 addr=$3 out=$4 suite=$5 key=${6:-} caps pipe
	if [ "$suite" = rtp ]; then
		caps="application/x-rtp,$e2e_caps_rtp"
		pipe=""
	else
		local p
		read -r -a p <<<"$(e2e_suite "$suite")"
		caps="application/x-srtp,$e2e_caps_rtp,ssrc=(uint)$E2E_SSRC,srtp-key=(buffer)$key"
		caps+=",srtp-cipher=(string)${p[0]},srtp-auth=(string)${p[1]}"
		caps+=",srtcp-cipher=(string)${p[0]},srtcp-auth=(string)${p[1]}"
		pipe="srtpdec ! "
	fi
	ip netns exec "$ns" gst-launch-1.0 -e \
		udpsrc address="$addr" port=5004 caps="$caps" ! $pipe \
		rtppcmudepay ! filesink location="$out" buffer-mode=unbuffered sync=false \
		>"$E2E_WORK/$name.gst.log" 2>&1 &
	RECV_PID=$!
	E2E_PIDS+=("$RECV_PID")
	e2e_wait_bound "$ns" "$addr"
}

# e2e_send NAME NS FAMILY DEST IN SEQ rtp | ... SUITE KEYHEX
# A sender from port 5004 in NS to DEST:30000 of IN (payload.py gen), paced
# in real time as PCMU in 20 ms packets, first sequence number SEQ.
# Background; its pid is in SEND_PID.
e2e_send() {
	local name=$1 ns=$2 fam=$3 dest=$4 in=$5 seq=$6 suite=$7 key=${8:-} enc="" bind=0.0.0.0
	[ "$fam" = 6 ] && bind="::"
	if [ "$suite" != rtp ]; then
		local p
		read -r -a p <<<"$(e2e_suite "$suite")"
		enc="srtpenc key=$key rtp-cipher=${p[0]} rtp-auth=${p[1]} rtcp-cipher=${p[0]} rtcp-auth=${p[1]} !"
	fi
	# The receiver in the same namespace is bound to the peer's own address
	# and port 5004; this socket is bound to the wildcard address and port
	# 5004, so the kernel hands what arrives to the more specific receiver.
	ip netns exec "$ns" gst-launch-1.0 \
		filesrc location="$in" ! rawaudioparse format=mulaw sample-rate=8000 num-channels=1 ! \
		rtppcmupay pt=0 min-ptime=20000000 max-ptime=20000000 ssrc="$E2E_SSRC" \
		seqnum-offset="$seq" timestamp-offset="$((seq * 160))" ! $enc \
		udpsink host="$dest" port=30000 bind-address="$bind" bind-port=5004 \
		>"$E2E_WORK/$name.gst.log" 2>&1 &
	SEND_PID=$!
	E2E_PIDS+=("$SEND_PID")
}

# e2e_wait_sender PID NAME: waits for a sender to reach the end of its file.
e2e_wait_sender() {
	local pid=$1 name=$2 limit=$((E2E_SECONDS * 3 + 20)) i
	for i in $(seq 1 $((limit * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && e2e_fail "sender $name still running after $limit s"
	wait "$pid" || e2e_fail "sender $name failed: $(tail -n 5 "$E2E_WORK/$name.gst.log")"
}

# e2e_stop_receiver PID: EOS (SIGINT with -e) so the file is complete.
e2e_stop_receiver() {
	e2e_kill_pid "$1" 5
}

# e2e_check NAME RECEIVED SENT... [payload.py check options]
e2e_check() {
	local name=$1
	shift
	e2e_log "$name:"
	python3 "$PAYLOAD" check "$@"
}

# Drop counters that must stay 0 in a clean call: every crypto result but
# "ok", the leg drops but no_neighbour (the first packets of each direction
# wait for ARP/ND) and no_peer, and the worker drops that would mean a
# broken packet (bad checksums, malformed headers).
E2E_ZERO_COUNTERS=(auth_fail replay too_old too_short bad_version bad_length unknown_mki
	key_expired no_room crypto_error wrong_source not_rtp handoff_full tx_full neigh_tx_full
	malformed ip_checksum)

# e2e_call TITLE WHAT FAM_A SUITE_A FAM_B SUITE_B NET: the whole of tests a-c.
# SUITE is an SRTP suite or "rtp". Both peers send E2E_SECONDS of their own
# payload at the same time; each side's received file must be a contiguous
# part of what the other side sent; the summary's drop counters must be 0.
e2e_call() {
	local title=$1 what=$2 net=$7
	local -A fam=([a]=$3 [b]=$5) suite=([a]=$4 [b]=$6) seq=([a]=1000 [b]=30000)
	local -A recv_hex=() send_hex=() rpid=() spid=()
	e2e_begin "$title" "$what"
	e2e_side a "$net"
	e2e_side b "$net"

	local side other p legs=()
	for side in a b; do
		if [ "${suite[$side]}" = rtp ]; then
			legs+=("$(e2e_leg "$side" "${fam[$side]}" rtp)")
		else
			read -r -a p <<<"$(e2e_suite "${suite[$side]}")"
			e2e_key RK "${p[2]}" # the peer encrypts with it: mediasecd's recv_key
			e2e_key SK "${p[2]}" # mediasecd encrypts with it: the peer decrypts
			recv_hex[$side]=$RK_hex
			send_hex[$side]=$SK_hex
			legs+=("$(e2e_leg "$side" "${fam[$side]}" encrypted "${suite[$side]}" "$RK_b64" "$SK_b64")")
		fi
	done
	e2e_config "$E2E_WORK/mediasec.conf" "e2e-$E2E_RUN" "${legs[0]}" "${legs[1]}"
	e2e_log "legs: A ${suite[a]} over IPv${fam[a]}, B ${suite[b]} over IPv${fam[b]}; $E2E_SECONDS s of PCMU each way"

	python3 "$PAYLOAD" gen "$E2E_WORK/a2b.sent" "$E2E_RUN/a2b" "$E2E_PACKETS"
	python3 "$PAYLOAD" gen "$E2E_WORK/b2a.sent" "$E2E_RUN/b2a" "$E2E_PACKETS"

	e2e_step "start mediasecd"
	e2e_start_mediasecd "$E2E_WORK/mediasec.conf"

	e2e_step "peers: receivers, then both senders at once"
	for side in a b; do
		e2e_recv "$side-recv" "$(e2e_var NS "$side")" "$(e2e_var "PEER${fam[$side]}" "$side")" \
			"$E2E_WORK/$side.recv" "${suite[$side]}" "${send_hex[$side]:-}"
		rpid[$side]=$RECV_PID
	done
	for side in a b; do
		[ "$side" = a ] && other=b || other=a
		e2e_send "$side-send" "$(e2e_var NS "$side")" "${fam[$side]}" "$(e2e_var "MS${fam[$side]}" "$side")" \
			"$E2E_WORK/${side}2$other.sent" "${seq[$side]}" "${suite[$side]}" "${recv_hex[$side]:-}"
		spid[$side]=$SEND_PID
	done
	e2e_wait_sender "${spid[a]}" a-send
	e2e_wait_sender "${spid[b]}" b-send
	sleep 0.5
	e2e_stop_receiver "${rpid[a]}"
	e2e_stop_receiver "${rpid[b]}"
	e2e_log "periodic counters, last report before the end:"
	grep -v '^$' "$MS_LOG" | tail -n 4 | sed 's/^/  | /'

	e2e_step "stop mediasecd (SIGINT)"
	e2e_stop_mediasecd

	e2e_step "checks"
	local bad=0 n dir
	e2e_check "A -> B (sent by A's peer as ${suite[a]}, received by B's peer as ${suite[b]})" \
		"$E2E_WORK/b.recv" "$E2E_WORK/a2b.sent" --min-segment $((E2E_PACKETS * 3 / 4)) || bad=1
	e2e_check "B -> A (sent by B's peer as ${suite[b]}, received by A's peer as ${suite[a]})" \
		"$E2E_WORK/a.recv" "$E2E_WORK/b2a.sent" --min-segment $((E2E_PACKETS * 3 / 4)) || bad=1
	e2e_log "drop counters in the exit summary that must be 0:"
	e2e_counters_zero "$MS_SUMMARY" "${E2E_ZERO_COUNTERS[@]}" || bad=1
	for side in a b; do
		for dir in rx tx; do
			n=$(e2e_leg_pkts "$MS_SUMMARY" "$side" "$dir")
			e2e_log "  leg $side: $dir $n packets"
			[ "$n" -gt 0 ] || { e2e_log "  leg $side counted no $dir packet"; bad=1; }
		done
	done
	[ "$bad" -eq 0 ] || e2e_fail "see above"
}
