#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The files of `mediasec-bench pktgen` through the real mediasecd: the
# generator writes the pcaps, the key file, sessions.conf and mediasec.conf
# (here with net_pcap ports that read a.pcap and b.pcap and write what
# mediasecd sends), mediasecd runs on that configuration as written, and
# pktgen_check judges every packet with libsrtp2 and the counters mediasecd
# prints at exit: every packet forwarded once, in order, decrypted and
# re-encrypted right, no drop of any kind (replay, auth, ...). Streams start
# near sequence number 65535 so the ROC advances inside the files.
#
#   pktgen_pcap.sh MEDIASECD MEDIASECCTL MEDIASEC_BENCH PKTGEN_CHECK
#
# No root, no network, no hugepages. The files of a failed run stay in the
# directory it names (MS_PCAP_KEEP=1 keeps those of a passing run too).
set -u

if [ $# -ne 4 ]; then
	echo "usage: $0 MEDIASECD MEDIASECCTL MEDIASEC_BENCH PKTGEN_CHECK" >&2
	exit 2
fi
mediasecd=$1
ctl=$2
bench=$3
check=$4
for f in "$mediasecd" "$ctl" "$bench" "$check"; do
	if [ ! -x "$f" ]; then
		echo "pktgen_pcap: FAIL: $f is not an executable" >&2
		exit 1
	fi
done

top=$(mktemp -d "${TMPDIR:-/tmp}/ms-pktgen-pcap.XXXXXX") || exit 1
test_name=pktgen_pcap
work_dir=$top
mediasecd_err() {
	[ -n "${run:-}" ] && echo "$run/out/mediasecd.err"
}
. "$(dirname "$0")/daemon_lib.sh"

# net_pcap's MACs: 02:70:63:61:70:<device index>, devices probed in port order
MAC_A=02:70:63:61:70:00
MAC_B=02:70:63:61:70:01

# gen NAME ARGS...: the generator into $top/NAME, with net_pcap ports
gen() {
	local name=$1
	shift
	run=$top/$name
	mkdir -p "$run/out" || fail "cannot create $run"
	prefix=mspg$$-$name
	"$bench" pktgen --out "$run" --a-mac $MAC_A --b-mac $MAC_B --min-packets 0 \
		--a-device net_pcap_a --a-devargs "rx_pcap=$run/a.pcap,tx_pcap=$run/out/out_a.pcap" \
		--b-device net_pcap_b --b-devargs "rx_pcap=$run/b.pcap,tx_pcap=$run/out/out_b.pcap" \
		--hugepages no --memory-mb 0 --control-socket "$run/ctl.sock" \
		--eal-arg=--file-prefix=$prefix "$@" >"$run/gen.out" 2>"$run/gen.err" ||
		{ cat "$run/gen.out" "$run/gen.err"; fail "$name: mediasec-bench pktgen failed"; }
	for f in keys sessions.conf; do
		[ "$(stat -c %a "$run/$f")" = 600 ] || fail "$name: $f is not mode 0600"
	done
	# no key on the generator's output
	while read -r _ _ _ key; do
		k=${key#inline:}
		k=${k%%|*}
		if grep -qF -- "$k" "$run/gen.out" "$run/gen.err" "$run/README"; then
			fail "$name: a key appears in the generator's output or README"
		fi
	done < <(grep -v '^#' "$run/keys")
}

# daemon NAME: mediasecd on the generated configuration until both outputs are still
daemon() {
	local name=$1
	"$mediasecd" -f "$run/mediasec.conf" >"$run/out/mediasecd.out" 2>"$run/out/mediasecd.err" &
	pid=$!
	for ((i = 0; i < 300; i++)); do
		grep -q 'mediasecd: ready' "$run/out/mediasecd.out" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q 'mediasecd: ready' "$run/out/mediasecd.out" ||
		{ cat "$run/out/mediasecd.out"; fail "$name: mediasecd did not get ready"; }
	local last=-1 still=0
	for ((i = 0; i < 300; i++)); do
		sleep 0.2
		kill -0 "$pid" 2>/dev/null || break
		now=$(($(size_of "$run/out/out_a.pcap") + $(size_of "$run/out/out_b.pcap")))
		if [ "$now" -eq "$last" ]; then
			still=$((still + 1))
			[ "$still" -ge 5 ] && break
		else
			still=0
			last=$now
		fi
	done
	kill -0 "$pid" 2>/dev/null || fail "$name: mediasecd died while forwarding"
	# what docs/benchmarking-with-pktgen.md tells users to read
	"$ctl" -s "$run/ctl.sock" stats >"$run/out/stats.txt" 2>&1 ||
		fail "$name: mediasecctl stats failed: $(cat "$run/out/stats.txt")"
	grep -q "drops: none" "$run/out/stats.txt" ||
		{ cat "$run/out/stats.txt"; fail "$name: mediasecctl stats shows drops"; }
	kill -INT "$pid"
	wait "$pid"
	local rc=$?
	pid=
	eal_files_remove
	[ $rc -eq 0 ] || fail "$name: mediasecd exited with status $rc"
}

# judge NAME [--expect-wraps]
judge() {
	local name=$1
	shift
	"$check" "$@" "$run" "$run/out" "$run/out/mediasecd.out" ||
		fail "$name: mediasecd's output differs from what the files call for"
	echo "pktgen_pcap: $name: PASS"
}

# 1. SRTP->RTP, IPv4, AES_CM_128_HMAC_SHA1_80, random keys
gen srtp-rtp --mode srtp-rtp --sessions 4 --packets 1500 --seq-start 65000
daemon srtp-rtp
judge srtp-rtp --expect-wraps
# the judge must be able to fail: one byte of one packet changed
cp -r "$run/out" "$run/tampered"
f=$run/tampered/out_b.pcap
off=$(($(size_of "$f") - 20))
byte=$(od -An -tu1 -j $off -N1 "$f" | tr -d ' ')
printf "\\$(printf %03o $((byte ^ 0x55)))" | dd of="$f" bs=1 seek=$off conv=notrunc status=none
if "$check" "$run" "$run/tampered" >"$run/tampered.log" 2>&1; then
	fail "pktgen_check accepted a changed packet"
fi
echo "pktgen_pcap: the judge refuses a changed packet: PASS"

# 2. RTP->SRTP, IPv6, AEAD_AES_128_GCM, streams from ROC 7
gen rtp-srtp --mode rtp-srtp --suite AEAD_AES_128_GCM --ipv6 --sessions 3 --packets 1200 \
	--seq-start 65300 --roc-start 7 --payload 80
daemon rtp-srtp
judge rtp-srtp --expect-wraps

# 3. SRTP->SRTP with two suites, keys given as a file (one in hex), then the
# continuation of the same streams from packet 1000 on: fresh sessions whose
# streams start in ROC 1 (sequence number 65500 + 1000 wrapped)
gen srtp-srtp --mode srtp-srtp --suite AES_256_CM_HMAC_SHA1_32 --suite-b NULL_HMAC_SHA1_80 \
	--sessions 3 --packets 1000 --seq-start 65500 --seed 42
first=$run
python3 - "$first/keys" "$top/keys.hex" <<'PY' || fail "cannot write a hex key file"
import base64, sys
lines = open(sys.argv[1]).read().splitlines()
out = []
for i, l in enumerate(lines):
    f = l.split()
    if not l.startswith('#') and len(f) == 4 and i == 5:
        f[3] = 'hex:' + base64.b64decode(f[3][len('inline:'):]).hex()
    out.append(' '.join(f) if not l.startswith('#') else l)
open(sys.argv[2], 'w').write('\n'.join(out) + '\n')
PY
chmod 600 "$top/keys.hex"
daemon srtp-srtp
judge srtp-srtp --expect-wraps
gen srtp-srtp-next --mode srtp-srtp --suite AES_256_CM_HMAC_SHA1_32 --suite-b NULL_HMAC_SHA1_80 \
	--sessions 3 --packets 2000 --seq-start 65500 --seed 42 --keys "$top/keys.hex" \
	--first-packet 1000
cmp -s <(grep -v '^#' "$first/keys") <(grep -v '^#' "$run/keys") ||
	fail "the key file of the continuation differs from the first one's"
grep -q 'recv_roc = 1;' "$run/sessions.conf" || fail "srtp-srtp-next: streams do not start in ROC 1"
daemon srtp-srtp-next
judge srtp-srtp-next

# 4. RTP->RTP over two addresses per port (two UDP ports per address)
gen rtp-rtp --mode rtp-rtp --sessions 4 --packets 700 --seq-start 65200 --udp-port 65534
grep -q '"198.18.0.2/16"' "$run/mediasec.conf" || fail "rtp-rtp: no second address on port a"
daemon rtp-rtp
judge rtp-rtp --expect-wraps
exit 0
