#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The demo of `make run`: one call through mediasecd on its built-in
# configuration (conf/mediasec.conf), between two real peers in network
# namespaces:
#
#   namespace msdemo-a                 mediasecd (DPDK)              namespace msdemo-b
#   GStreamer SRTP endpoint  <-veth->  port a: leg A, SRTP    <-veth->  GStreamer RTP endpoint
#   10.201.1.2:5004                    10.201.1.1:30000                 10.201.2.2:5004
#   (AES_CM_128_HMAC_SHA1_80,          port b: leg B, plain RTP
#    880 Hz tone)                      10.201.2.1:30000                 (PCMU, 440 Hz tone)
#
# mediasecd opens the host sides of the veth pairs (msdemo-a, msdemo-b) with
# net_af_packet; they carry no address and no IPv6. Each peer sends a tone and
# records what it receives. mediasecd's counters are printed every second
# until Ctrl-C, SIGTERM or -t SECONDS; then the peers, mediasecd, the
# namespaces and the veth pairs are removed, mediasecd's exit summary is
# shown, and what each peer heard (length, level, pitch) is reported, with
# the recordings as WAV files. (Started in the background by a script, bash
# ignores SIGINT: stop it with SIGTERM then.)
#
# Usage: scripts/demo.sh [-t SECONDS]      (root; MEDIASECD=path overrides build/mediasecd)

set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MEDIASECD=${MEDIASECD:-$ROOT/build/mediasecd}
MEDIASECCTL=${MEDIASECCTL:-$ROOT/build/mediasecctl}
PAYLOAD=$ROOT/tests/e2e/payload.py
DURATION=0

usage() {
	sed -n '3,24p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}
while getopts "t:h" o; do
	case $o in
	t) DURATION=$OPTARG ;;
	h) usage 0 ;;
	*) usage 2 ;;
	esac
done

die() {
	echo "demo: $*" >&2
	exit 1
}

# --- what the demo needs -----------------------------------------------------
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, veth pairs, DPDK af_packet): sudo $0"
for t in ip ethtool gst-launch-1.0 gst-inspect-1.0 python3 base64 od; do
	command -v "$t" >/dev/null 2>&1 || die "'$t' is missing: run scripts/install-deps.sh"
done
for e in srtpenc srtpdec rtppcmupay rtppcmudepay audiotestsrc mulawenc mulawdec wavenc udpsrc udpsink; do
	gst-inspect-1.0 --exists "$e" || die "GStreamer element '$e' is missing: run scripts/install-deps.sh"
done
[ -x "$MEDIASECD" ] || die "$MEDIASECD is not built: run make build"
[ -x "$MEDIASECCTL" ] || die "$MEDIASECCTL is not built: run make build"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (mediasecd's control thread and its worker)"

# The names and addresses of the built-in configuration.
HOST_A=msdemo-a HOST_B=msdemo-b # host sides, opened by mediasecd
NS_A=msdemo-a NS_B=msdemo-b     # the peers' namespaces
PEER_IF_A=msdemo-a-peer PEER_IF_B=msdemo-b-peer
MS_A=10.201.1.1 PEER_A=10.201.1.2 PEER6_A=fd00:201:1::2
MS_B=10.201.2.1 PEER_B=10.201.2.2 PEER6_B=fd00:201:2::2
TONE_A=880 TONE_B=440

# One demo at a time (the names are the configuration's). What a demo that
# was killed outright left behind is removed.
PIDFILE=/run/mediasec-demo.pid
if [ -f "$PIDFILE" ]; then
	other=$(cat "$PIDFILE")
	if [ -r "/proc/$other/stat" ] && [ "$(cut -d' ' -f3 "/proc/$other/stat")" != Z ] &&
		tr '\0' ' ' <"/proc/$other/cmdline" | grep -q demo.sh; then
		die "another demo is running (pid $other)"
	fi
fi
leftover=0
for n in "$HOST_A" "$HOST_B"; do
	ip link show "$n" >/dev/null 2>&1 && ip link del "$n" && leftover=1
done
for n in "$NS_A" "$NS_B"; do
	[ -e "/run/netns/$n" ] && ip netns del "$n" && leftover=1
done
[ "$leftover" -eq 1 ] && echo "demo: removed the namespaces and veth pairs an earlier demo left behind"
echo $$ >"$PIDFILE"

# Leg A's SDES keys: what call control would take from the SDP's a=crypto
# lines and hand mediasecd over its control socket. THESE ARE DEMO KEYS,
# published with the source: never use them for a real call. mediasecctl
# reads them from its environment (env:NAME), so they never show in ps.
export MS_DEMO_RECV_KEY="inline:9VZEy6t1Ur3NwIxIzxa6COHUfMpv2jZ2flqvq7y6" # A's peer encrypts with it
export MS_DEMO_SEND_KEY="inline:OTc4Teq/nDATwVXgPT33gjMcqvAhaXgv2mdZyh+m" # mediasecd encrypts with it
key_hex() { # SDES key -> hex of key || salt, for GStreamer
	printf '%s' "${1#inline:}" | base64 -d | od -An -v -tx1 | tr -d ' \n'
}
RECV_KEY=$(key_hex "$MS_DEMO_RECV_KEY")
SEND_KEY=$(key_hex "$MS_DEMO_SEND_KEY")

OUT=$(mktemp -d /tmp/msdemo.XXXXXX)
MS_LOG=$OUT/mediasecd.log
PIDS=()
CTL=("$MEDIASECCTL" --socket /run/mediasec/control.sock)
MS_PID=
SHOWN=0 # lines of mediasecd's output shown so far
CREATED_NS=()
CREATED_LINKS=()

# --- teardown: always, on exit, error or signal ------------------------------
stop_pid() { # PID SECONDS: SIGINT, then SIGKILL after SECONDS
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -INT "$pid" 2>/dev/null
	for i in $(seq 1 $(($2 * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

teardown() {
	local rc=$?
	trap '' INT TERM HUP
	trap - EXIT
	echo
	echo "== stopping: peers, mediasecd, namespaces, veth pairs"
	local p i
	# Senders first, then receivers (what is in flight still arrives).
	for ((i = ${#PIDS[@]} - 1; i > 0; i--)); do
		stop_pid "${PIDS[i]}" 5
	done
	# Call control hangs up: the call's counters, then its end, through the socket.
	if [ -n "$MS_PID" ] && kill -0 "$MS_PID" 2>/dev/null && "${CTL[@]}" session get demo >"$OUT/call.txt" 2>&1; then
		echo "== the call as call control sees it (mediasecctl session get demo)"
		cat "$OUT/call.txt"
		echo "\$ mediasecctl session delete demo"
		"${CTL[@]}" session delete demo | head -n 3
		sleep 0.3
	fi
	[ ${#PIDS[@]} -gt 0 ] && stop_pid "${PIDS[0]}" 2
	if [ -s "$OUT/events.log" ]; then
		echo "== the call's events (mediasecctl events)"
		cat "$OUT/events.log"
	fi
	local ms_rc=""
	if [ -n "$MS_PID" ]; then
		# Ctrl-C reached mediasecd too; otherwise ask it now.
		kill -INT "$MS_PID" 2>/dev/null
		for p in $(seq 1 150); do
			kill -0 "$MS_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$MS_PID" 2>/dev/null; then
			echo "demo: mediasecd still running 15 s after SIGINT: killing it"
			kill -KILL "$MS_PID"
		fi
		wait "$MS_PID" 2>/dev/null
		ms_rc=$?
	fi
	for p in "${CREATED_NS[@]}"; do
		ip netns del "$p" 2>/dev/null
	done
	for p in "${CREATED_LINKS[@]}"; do
		ip link del "$p" 2>/dev/null
	done
	if [ -n "$ms_rc" ]; then
		local at total
		total=$(wc -l <"$MS_LOG")
		at=$(grep -n 'counters at exit' "$MS_LOG" | tail -n 1 | cut -d: -f1)
		[ -n "$at" ] || at=$((SHOWN + 1))
		[ "$at" -gt $((SHOWN + 1)) ] && sed -n "$((SHOWN + 1)),$((at - 1))p" "$MS_LOG"
		echo
		echo "== mediasecd's exit summary (exit status $ms_rc)"
		sed -n "$at,\$p" "$MS_LOG"
	fi
	if [ -s "$OUT/a-heard.ulaw" ] || [ -s "$OUT/b-heard.ulaw" ]; then
		echo
		echo "== what the peers heard"
		printf "A's peer (SRTP, decrypted; B sends %s Hz): " "$TONE_B"
		python3 "$PAYLOAD" tone "$OUT/a-heard.ulaw"
		printf "B's peer (plain RTP;        A sends %s Hz): " "$TONE_A"
		python3 "$PAYLOAD" tone "$OUT/b-heard.ulaw"
		for s in a b; do
			[ -s "$OUT/$s-heard.ulaw" ] || continue
			gst-launch-1.0 -q filesrc location="$OUT/$s-heard.ulaw" ! \
				rawaudioparse format=mulaw sample-rate=8000 num-channels=1 ! mulawdec ! \
				wavenc ! filesink location="$OUT/$s-heard.wav" >/dev/null 2>&1 &&
				rm -f "$OUT/$s-heard.ulaw"
		done
		echo "recordings and logs: $OUT"
	elif [ "$rc" -eq 0 ]; then
		echo "demo: no audio was received by either peer"
		rc=1
	fi
	[ "$rc" -eq 0 ] && [ -n "$ms_rc" ] && [ "$ms_rc" -ne 0 ] && rc=$ms_rc
	[ "$(cat "$PIDFILE" 2>/dev/null)" = $$ ] && rm -f "$PIDFILE"
	exit "$rc"
}
trap teardown EXIT
trap 'exit 0' INT TERM HUP

# --- network: a namespace and a veth pair per side ---------------------------
side_up() { # NS HOST_IF PEER_IF V4/24 V6/64
	local ns=$1 hif=$2 pif=$3
	ip netns add "$ns" || die "cannot create namespace $ns"
	CREATED_NS+=("$ns")
	ip link add "$hif" type veth peer name "$pif" netns "$ns" || die "cannot create veth $hif"
	CREATED_LINKS+=("$hif")
	# The host side is mediasecd's: no address, no IPv6, no forwarding.
	sysctl -qw "net.ipv6.conf.$hif.disable_ipv6=1"
	sysctl -qw "net.ipv4.conf.$hif.forwarding=0"
	ip link set "$hif" up
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "$4" dev "$pif"
	ip -n "$ns" addr add "$5" dev "$pif" nodad
	ip -n "$ns" link set "$pif" up
	# Kernel peers leave UDP checksums to offload, which af_packet never
	# completes: make the peer's kernel write them.
	ip netns exec "$ns" ethtool -K "$pif" tx off >/dev/null || die "ethtool -K $pif tx off failed"
}
echo "== network: namespaces $NS_A and $NS_B, veth pairs $HOST_A <-> $NS_A/$PEER_IF_A, $HOST_B <-> $NS_B/$PEER_IF_B"
side_up "$NS_A" "$HOST_A" "$PEER_IF_A" "$PEER_A/24" "$PEER6_A/64"
side_up "$NS_B" "$HOST_B" "$PEER_IF_B" "$PEER_B/24" "$PEER6_B/64"

# --- mediasecd ---------------------------------------------------------------
echo "== mediasecd on the built-in configuration (conf/mediasec.conf), counters every second"
echo "\$ $MEDIASECD --stats 1000"
"$MEDIASECD" --stats 1000 >"$MS_LOG" 2>&1 &
MS_PID=$!
show() { # mediasecd's complete output lines not shown yet
	local total
	total=$(wc -l <"$MS_LOG")
	[ "$total" -gt "$SHOWN" ] && sed -n "$((SHOWN + 1)),${total}p" "$MS_LOG"
	SHOWN=$total
}
for i in $(seq 1 300); do
	grep -q ready "$MS_LOG" && break
	kill -0 "$MS_PID" 2>/dev/null || {
		show
		die "mediasecd exited before it was ready"
	}
	sleep 0.1
done
show
grep -q ready "$MS_LOG" || die "mediasecd printed no 'ready' within 30 s"

# --- the call, from call control ---------------------------------------------
# The built-in configuration installs no session: the call comes through the
# control socket (root only, /run/mediasec/control.sock), as call control
# would send it. Events of the call are printed as they come.
"${CTL[@]}" events session.* peer.* key.* leg.* >"$OUT/events.log" 2>/dev/null &
PIDS+=($!)
echo "== call control: the demo call through the control socket"
echo "\$ mediasecctl session create demo --leg port=a,local=$MS_A:30000,peer=$PEER_A:5004,mode=encrypted,suite=AES_CM_128_HMAC_SHA1_80,recv_key=env:MS_DEMO_RECV_KEY,send_key=env:MS_DEMO_SEND_KEY --leg port=b,local=$MS_B:30000,peer=$PEER_B:5004,mode=rtp"
"${CTL[@]}" session create demo \
	--leg "port=a,local=$MS_A:30000,peer=$PEER_A:5004,mode=encrypted,suite=AES_CM_128_HMAC_SHA1_80,recv_key=env:MS_DEMO_RECV_KEY,send_key=env:MS_DEMO_SEND_KEY" \
	--leg "port=b,local=$MS_B:30000,peer=$PEER_B:5004,mode=rtp" ||
	die "call control could not install the demo call"

# --- the peers -----------------------------------------------------------------
RTP_CAPS='media=(string)audio,clock-rate=(int)8000,encoding-name=(string)PCMU,payload=(int)0'
SRTP_PARAMS='srtp-cipher=(string)aes-128-icm,srtp-auth=(string)hmac-sha1-80,srtcp-cipher=(string)aes-128-icm,srtcp-auth=(string)hmac-sha1-80'
# The peers' SSRCs. mediasecd forwards RTP headers as they are, so A's
# srtpdec, which needs the SSRC of the stream it decrypts, gets B's.
SSRC_A=287454020 SSRC_B=3054399268
# G.711 as phones send it: 20 ms, 160 bytes per packet.
TONE='audioconvert ! audioresample ! audio/x-raw,rate=8000,channels=1 ! mulawenc !
	rtppcmupay pt=0 min-ptime=20000000 max-ptime=20000000'

# Each peer receives on its address, port 5004 (the more specific binding,
# which gets what arrives there), and sends from the wildcard address, port
# 5004, so that its packets come from the port mediasecd sends to.
bg() { # NAME COMMAND...: a peer process, its output in $OUT/NAME.log
	local name=$1
	shift
	"$@" >"$OUT/$name.log" 2>&1 &
	PIDS+=($!)
}
wait_bound() { # NS ADDR
	for i in $(seq 1 100); do
		ip netns exec "$1" ss -Hlun "sport = :5004" 2>/dev/null | grep -qF "$2" && return 0
		sleep 0.1
	done
	die "no receiver bound to $2:5004 in $1"
}

# A: SRTP. mediasecd decrypts with recv_key what A's peer encrypts with it,
# and encrypts with send_key what it sends to A's peer.
bg a-recv ip netns exec "$NS_A" gst-launch-1.0 -e \
	udpsrc address="$PEER_A" port=5004 \
	caps="application/x-srtp,$RTP_CAPS,ssrc=(uint)$SSRC_B,srtp-key=(buffer)$SEND_KEY,$SRTP_PARAMS" ! \
	srtpdec ! rtppcmudepay ! filesink location="$OUT/a-heard.ulaw" buffer-mode=unbuffered sync=false
# B: plain RTP.
bg b-recv ip netns exec "$NS_B" gst-launch-1.0 -e \
	udpsrc address="$PEER_B" port=5004 caps="application/x-rtp,$RTP_CAPS" ! \
	rtppcmudepay ! filesink location="$OUT/b-heard.ulaw" buffer-mode=unbuffered sync=false
wait_bound "$NS_A" "$PEER_A"
wait_bound "$NS_B" "$PEER_B"
# shellcheck disable=SC2086
bg a-send ip netns exec "$NS_A" gst-launch-1.0 \
	audiotestsrc is-live=true samplesperbuffer=160 wave=sine freq=$TONE_A volume=0.4 ! $TONE ssrc=$SSRC_A ! \
	srtpenc key="$RECV_KEY" rtp-cipher=aes-128-icm rtp-auth=hmac-sha1-80 ! \
	udpsink host="$MS_A" port=30000 bind-address=0.0.0.0 bind-port=5004
# shellcheck disable=SC2086
bg b-send ip netns exec "$NS_B" gst-launch-1.0 \
	audiotestsrc is-live=true samplesperbuffer=160 wave=sine freq=$TONE_B volume=0.4 ! $TONE ssrc=$SSRC_B ! \
	udpsink host="$MS_B" port=30000 bind-address=0.0.0.0 bind-port=5004

echo "== call up: A's peer ($NS_A, SRTP, $TONE_A Hz) <-> mediasecd <-> B's peer ($NS_B, RTP, $TONE_B Hz)"
if [ "$DURATION" -gt 0 ]; then
	echo "== running for $DURATION s (or until Ctrl-C)"
else
	echo "== Ctrl-C ends the call"
fi
# Until Ctrl-C (or the duration), or until something stops by itself.
start=$SECONDS
while kill -0 "$MS_PID" 2>/dev/null; do
	show
	[ "$DURATION" -gt 0 ] && [ $((SECONDS - start)) -ge "$DURATION" ] && break
	for p in "${PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null || {
			echo "demo: a peer stopped by itself: see $OUT"
			exit 1
		}
	done
	sleep 1 &
	wait $!
done
kill -0 "$MS_PID" 2>/dev/null || echo "demo: mediasecd stopped by itself"
exit 0
