#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# mediasecctl against a real mediasecd (meson test control_cli, suite
# control): two net_null ports (no traffic: the control plane is what is
# tested), a Unix listener bound to a non-secure profile and a TLS listener
# on 127.0.0.1 bound to a profile with digest and application-level
# authorization. Every command of mediasecctl is driven and its output, exit
# status and effect checked; at the end no output file and no line of the
# daemon's log may hold any key the test used (base64, hex or raw bytes).
#
#   cli.sh            (MS_BUILD_DIR: the build directory, default ../../build)
#
# Root only (exit 77, skipped, otherwise). The files of a failed run stay in
# the directory it names; MS_CLI_KEEP=1 keeps those of a passing run too.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${MS_BUILD_DIR:=$HERE/../../build}"
MEDIASECD=$MS_BUILD_DIR/mediasecd
CTL=$MS_BUILD_DIR/mediasecctl

skip() {
	echo "SKIP: $*"
	exit 77
}
[ "$(id -u)" -eq 0 ] || skip "needs root (mediasecd's EAL and its root-only control socket)"
for t in openssl python3 sha256sum base64 od stat; do
	command -v "$t" >/dev/null 2>&1 || skip "'$t' is missing"
done
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs (a main lcore and a worker lcore)"
for f in "$MEDIASECD" "$CTL"; do
	if [ ! -x "$f" ]; then
		echo "FAIL: $f is not built"
		exit 1
	fi
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/ms-cli.XXXXXX") || exit 1
chmod 700 "$dir"
out=$dir/out     # every mediasecctl output, scanned for keys at the end
keys=$dir/keys   # the key files (left out of the scan)
pki=$dir/pki
sock=$dir/control.sock
mkdir -p "$out" "$keys"
prefix=mscli$$
pid=
evpid=
failed=1
checks=0

cleanup() {
	local p
	for p in $evpid $pid; do
		if kill -0 "$p" 2>/dev/null; then
			kill -KILL "$p" 2>/dev/null
			wait "$p" 2>/dev/null
		fi
	done
	for r in /var/run /tmp "${XDG_RUNTIME_DIR:-/nonexistent}"; do
		rm -rf "${r:?}/dpdk/$prefix"
	done
	if [ "$failed" -eq 0 ] && [ "${MS_CLI_KEEP:-0}" != 1 ]; then
		rm -rf "$dir"
	else
		echo "control_cli: files kept in $dir"
	fi
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 130' INT
trap 'echo "terminated"; exit 143' TERM

fail() {
	echo "FAIL: $*"
	if [ -n "${last:-}" ]; then
		echo "--- mediasecctl $last: exit status ${rc:-?}; stdout:"
		cat "$out/$last.out" 2>/dev/null
		echo "--- stderr:"
		cat "$out/$last.err" 2>/dev/null
	fi
	if [ -s "$dir/mediasecd.err" ]; then
		echo "--- mediasecd stderr (last 20 lines)"
		tail -n 20 "$dir/mediasecd.err"
	fi
	exit 1
}

ok() {
	checks=$((checks + 1))
	echo "ok $checks - $*"
}

# ctl NAME ARGS...: mediasecctl over the Unix socket; output in $out/NAME.out
# and .err, exit status in rc.
ctl() {
	last=$1
	shift
	"$CTL" -s "$sock" "$@" >"$out/$last.out" 2>"$out/$last.err"
	rc=$?
}

# tls NAME ARGS...: the same over TLS as callctl-1, digest user admin.
tls() {
	last=$1
	shift
	MEDIASEC_PASSWORD=$password "$CTL" -c "127.0.0.1:$port" --cert "$pki/client1.pem" \
		--key "$pki/client1.key" --ca "$pki/ca.pem" -u admin "$@" \
		>"$out/$last.out" 2>"$out/$last.err"
	rc=$?
}

# Checks on the last command.
status() { [ "$rc" -eq "$1" ] || fail "$last: exit status $rc, expected $1"; }
has() { grep -q -- "$1" "$out/$last.out" || fail "$last: no '$1' in its output"; }
hasnt() { ! grep -q -- "$1" "$out/$last.out" || fail "$last: '$1' in its output"; }
err_has() { grep -q -- "$1" "$out/$last.err" || fail "$last: no '$1' in its error output"; }

# js EXPR: a Python expression over d, the JSON of the last command's output.
js() {
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$out/$last.out" "$1" || fail "$last: output is not the JSON expected ($1)"
}

# newkey NAME [SUFFIX]: a fresh AES_CM_128 key (30 bytes) in $keys/NAME as
# "inline:BASE64SUFFIX"; prints the base64 text. Every key is listed in
# $keys/all for the final leak check.
newkey() {
	local b64
	b64=$(head -c 30 /dev/urandom | base64 -w0)
	printf 'inline:%s%s\n' "$b64" "${2:-}" >"$keys/$1"
	chmod 600 "$keys/$1"
	echo "$b64" >>"$keys/all"
	echo "$b64"
}

suite=AES_CM_128_HMAC_SHA1_80
password=cli-test-pw

echo "### mediasecctl against mediasecd: every command, no key in any output"
echo "# files in $dir"

# ------------------------------------------------------------ offline commands
bash "$HERE/certs.sh" "$pki" || fail "certs.sh failed"

last=hash
MEDIASEC_PASSWORD=$password "$CTL" hash-password admin >"$out/hash.out" 2>"$out/hash.err"
rc=$?
status 0
ha1=$(cat "$out/hash.out")
want=$(printf 'admin:mediasec:%s' "$password" | sha256sum | cut -d' ' -f1)
[ "$ha1" = "$want" ] || fail "hash-password: $ha1, sha256sum says $want"
MEDIASEC_PASSWORD=$password "$CTL" --json hash-password admin other-realm >"$out/hash2.out" 2>&1
last=hash2
rc=0
want=$(printf 'admin:other-realm:%s' "$password" | sha256sum | cut -d' ' -f1)
[ "$(js 'd["digest_ha1"]')" = "$want" ] || fail "hash-password with a realm"
ok "hash-password: HA1 = sha256(user:realm:password), default realm mediasec"

ctl fp-pem fingerprint "$pki/server.pem"
status 0
ctl fp-der fingerprint "$pki/server.der"
status 0
fp_pem=$(awk '$1 == "sha256" { print $2 }' "$out/fp-pem.out")
fp_der=$(awk '$1 == "sha256" { print $2 }' "$out/fp-der.out")
fp_ssl=$(openssl x509 -in "$pki/server.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
[ -n "$fp_pem" ] && [ "$fp_pem" = "$fp_der" ] && [ "$fp_pem" = "$fp_ssl" ] ||
	fail "fingerprint: PEM $fp_pem, DER $fp_der, openssl $fp_ssl"
ctl fp-json --json fingerprint "$pki/client1.der"
[ "$(js 'd["sha1"]')" = "$(openssl x509 -in "$pki/client1.pem" -noout -fingerprint -sha1 | sed 's/.*=//')" ] ||
	fail "fingerprint --json: SHA-1 differs from openssl's"
[ "$(js 'd["subject"]')" = "CN=callctl-1" ] || fail "fingerprint --json: subject"
ok "fingerprint: PEM and DER agree with openssl (SHA-256, SHA-1, subject)"

ctl usage1 session create --leg port=a,mode=rtp
status 2
err_has "give --leg twice"
ctl usage2 no-such-command
status 2
ctl usage3 session update s 0 --key "inline:$(newkey usage3)"
status 2
ctl help --help
status 0
has "hash-password USER"
has "env:NAME"
ok "usage errors exit 2; --help documents the key sources"

# ------------------------------------------------------------ the daemon
write_conf() {
	cat >"$dir/mediasec.conf" <<EOF
eal = {
	hugepages = "no";
	memory_mb = 512;
	main_lcore = 0;
	args = [ "--file-prefix", "$prefix", "--no-telemetry", "--log-level=lib.eal:notice" ];
};
ports = (
	{ name = "a"; device = "net_null0"; args = "no-rx=1";
	  addresses = [ "10.201.1.1/24" ]; media_ports = "30000-30999"; },
	{ name = "b"; device = "net_null1"; args = "no-rx=1";
	  addresses = [ "10.201.2.1/24" ]; media_ports = "40000-40999"; }
);
workers = ( { lcore = 1; queues = [ "a:0", "b:0" ]; } );
control = {
	capture_dir = "$dir/captures";
	listeners = (
		{ transport = "unix"; path = "$sock"; mode = "0600"; profile = "local"; },
		{ transport = "tls"; address = "127.0.0.1"; port = $port;
		  certificate = "$pki/server.pem"; key = "$pki/server.key"; ca_file = "$pki/ca.pem"; }
	);
	profiles = (
		{ name = "local"; description = "mediasecctl test: unix socket"; transport = "unix";
		  security_mode = "non-secure"; accept_subscription = true; },
		{ name = "trunk"; description = "mediasecctl test: TLS and digest"; transport = "tls";
		  security_mode = "authenticated"; digest_authentication = true;
		  application_authorization = true; x509_subjects = "callctl-1";
		  incoming_port = $port; accept_subscription = true; }
	);
	clients = (
		{ name = "admin"; digest_ha1 = "$ha1"; profiles = [ "trunk" ];
		  operations = [ "session.*", "capture.*", "stats" ]; }
	);
};
EOF
}

# A free TCP port of 20000-29999: try one, and another if bind fails.
started=0
for try in 1 2 3 4 5; do
	port=$((20000 + (RANDOM * 32768 + RANDOM) % 10000))
	write_conf
	"$MEDIASECD" -f "$dir/mediasec.conf" >"$dir/mediasecd.out" 2>"$dir/mediasecd.err" &
	pid=$!
	for ((i = 0; i < 300; i++)); do
		grep -q 'mediasecd: ready' "$dir/mediasecd.out" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if grep -q 'mediasecd: ready' "$dir/mediasecd.out"; then
		started=1
		break
	fi
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	if ! grep -qi 'in use' "$dir/mediasecd.out" "$dir/mediasecd.err"; then
		cat "$dir/mediasecd.out"
		fail "mediasecd did not get ready (try $try, port $port)"
	fi
	echo "# port $port is taken, another one"
done
[ "$started" = 1 ] || fail "no free TCP port for the TLS listener in 5 tries"
ok "mediasecd ready: unix $sock, TLS 127.0.0.1:$port"

# ------------------------------------------------------------ connection
ctl ping ping
status 0
has "^pong "
ctl call call '{"op":"ping"}'
status 0
[ "$(js 'd["pong"]')" = "True" ] || fail "call: no pong"
ctl call-bad call '{"op":"session.get","session":"nothing-here"}'
status 1
err_has "404 not_found at session"
ok "ping; call with a raw request (404 printed as code, status, field)"

tls tls-ping ping
status 0
has "^pong "
tls sfp server-fingerprint
status 0
[ "$(awk '$1 == "fingerprint" { print $2 }' "$out/sfp.out")" = "$fp_ssl" ] ||
	fail "server-fingerprint differs from the server certificate's"
has "CN=mediasecd"
has "profile  *trunk"
has "principal  *callctl-1"
ok "TLS with digest; server-fingerprint matches the server certificate, bound to trunk/callctl-1"

last=badpw
MEDIASEC_PASSWORD=wrong-password "$CTL" -c "127.0.0.1:$port" --cert "$pki/client1.pem" \
	--key "$pki/client1.key" --ca "$pki/ca.pem" -u admin ping >"$out/badpw.out" 2>"$out/badpw.err"
rc=$?
status 3
err_has "401"
last=nopw
"$CTL" -c "127.0.0.1:$port" --cert "$pki/client1.pem" --key "$pki/client1.key" \
	--ca-path "$pki/cadir" stats </dev/null >"$out/nopw.out" 2>"$out/nopw.err"
rc=$?
status 3
last=intruder
"$CTL" -c "127.0.0.1:$port" --cert "$pki/intruder.pem" --key "$pki/intruder.key" \
	--ca "$pki/ca.pem" ping >"$out/intruder.out" 2>"$out/intruder.err"
rc=$?
status 3
ctl nosock -s "$dir/no-such.sock" ping
status 3
ok "wrong password, no password, unknown certificate, no socket: exit 3"

tls tls-forbidden profile list
status 1
err_has "403 forbidden"
err_has "operation list"
ok "application-level authorization: profile.list is not in admin's list (403)"

# ------------------------------------------------------------ sessions
ka_recv=$(newkey a-recv '|2^31|1:4')
ka_send=$(newkey a-send '|1:4')
kb_recv=$(newkey b-recv)
kb_send=$(newkey b-send)
SEND_KEY=$(cat "$keys/a-send")
export SEND_KEY
ctl create1 session create call-a \
	--leg "port=a,local=10.201.1.1:30010,peer=10.201.1.2:5004,mode=encrypted,suite=$suite,recv_key=@$keys/a-recv,send_key=env:SEND_KEY" \
	--leg "port=b,local=10.201.2.1:40010,peer=10.201.2.2:6004,mode=encrypted,suite=$suite,recv_key=@$keys/b-recv,send_key=inline:$kb_send"
status 0
has "created session call-a"
has "10.201.1.1:30010, rtcp 10.201.1.1:30011"
has "^security  *encrypted"
ok "session create with explicit ports, keys from a file, a variable and inline"

ctl create2 --json session create --leg "port=a,mode=rtp" --leg "port=b,local=10.201.2.1,mode=rtp,rtcp=mux"
status 0
auto=$(js 'd["session"]')
case $auto in s-*) ;; *) fail "allocated session name '$auto', expected s-N" ;; esac
for l in 0 1; do
	p=$(js "d['legs'][$l]['local'].rsplit(':', 1)[1]")
	lo=$((l == 0 ? 30000 : 40000))
	[ $((p % 2)) -eq 0 ] && [ "$p" -ge $lo ] && [ "$p" -le $((lo + 999)) ] ||
		fail "leg $l: allocated port $p is not even in $lo-$((lo + 999))"
done
p0=$(js "d['legs'][0]['local'].rsplit(':', 1)[1]")
[ "$(js "d['legs'][0]['rtcp']")" = "10.201.1.1:$((p0 + 1))" ] || fail "allocated RTCP is not port + 1"
[ "$(js "d['legs'][1]['rtcp']")" = "mux" ] || fail "rtcp=mux not kept"
[ "$(js "d['security']")" = "non-secure" ] || fail "an rtp session is not non-secure"
ok "session create with allocated ports: even, in media_ports, RTCP next; name $auto"

ctl list session list
status 0
has "^NAME  *SECURITY  *PROFILE  *LEG 0  *LEG 1"
has "^call-a  *encrypted  *local  *a 10.201.1.1:30010 -> 10.201.1.2:5004 encrypted/$suite"
has "^$auto  *non-secure"
ctl list-json --json session list
[ "$(js 'len(d["sessions"])')" = 2 ] && [ "$(js 'd["total"]')" = 2 ] || fail "session list --json"
ctl list-page --json session list --limit 1
[ "$(js 'len(d["sessions"])')" = 1 ] && [ "$(js '"next" in d')" = True ] || fail "session list --limit 1: one page"
ctl list-all --json session list --limit 1 --all
[ "$(js 'sorted(s["session"] for s in d["sessions"])')" = "['call-a', '$auto']" ] ||
	fail "session list --all does not follow next"
ctl list-match session list --match call
has "^call-a"
hasnt "^$auto"
ok "session list: table, --json, --limit pages, --all follows next, --match"

ctl get session get call-a
status 0
has "^principal  *uid:0"
has "recv key  *id [0-9]*, mki 1:4"
has "send key  *id [0-9]*, mki 1:4"
has "used 0 of 2147483648"
has "^  rx  *0 packets, 0 bytes"
ctl get-json --json session get call-a
[ "$(js 'd["legs"][0]["keys"]["recv"][0]["mki"]')" = "1:4" ] || fail "session get --json: MKI"
[ "$(js 'd["legs"][1]["counters"]["tx"]["packets"]')" = 0 ] || fail "session get --json: counters"
ok "session get: fields, key ids/MKIs/usage, counters (table and --json)"

# rekey with an MKI, make-before-break; then retire the older key
knew=$(newkey a-recv2 '|2:4')
ctl rekey session update call-a 0 --rekey recv --key "@$keys/a-recv2"
status 0
has "leg 0: rekey.recv"
has "recv key  *id [0-9]*, mki 1:4"
has "recv key  *id [0-9]*, mki 2:4"
ctl retire session update call-a 0 --retire recv
status 0
has "leg 0: retire.recv"
has "recv key  *id [0-9]*, mki 2:4"
hasnt "recv key  *id [0-9]*, mki 1:4"
ctl rekey-bad session update call-a 0 --rekey send --key "inline:$(newkey bad-mki)"
status 1
err_has "400 bad_request at rekey.key"
ok "rekey with MKI (two recv keys), retire drops the older; a key without MKI refused"

# the security level follows a switch to rtp and back
ctl to-rtp session update call-a 1 --mode rtp
status 0
has "security now non-secure"
kc_recv=$(newkey c-recv)
kc_send=$(newkey c-send)
C_SEND=$(cat "$keys/c-send")
export C_SEND
ctl to-srtp session update call-a 1 --mode encrypted --suite "$suite" \
	--recv-key "@$keys/c-recv" --send-key env:C_SEND --recv-roc 3
status 0
has "security now encrypted"
ctl peer session update call-a 1 --peer 10.201.2.20:7000 --strict-source yes --json
status 0
# the answer: the session (nested under "session", or flat) and what changed
[ "$(js '(d["session"] if isinstance(d["session"], dict) else d)["legs"][1]["peer"]')" = "10.201.2.20:7000" ] ||
	fail "peer not changed"
[ "$(js 'd["changed"]')" = "['peer']" ] || fail "update: changed"
ctl get2 session get call-a
has "peer  *10.201.2.20:7000, rtcp 10.201.2.20:7001, strict source"
ok "switch to rtp (non-secure) and back (encrypted), peer change with strict source"

# redirect and replace need the profile's accept flags
ctl redirect-off leg redirect call-a 1 10.201.2.30:8000
status 1
err_has "403 forbidden at op"
err_has "accept_redirect"
ctl replace-off leg replace call-a 1 --leg "port=b,mode=rtp,peer=10.201.2.40:9000"
status 1
err_has "accept_replacement"
ctl prof-accept profile update local --set accept_redirect=yes --set accept-replacement=true
status 0
has "accept_redirect  *yes"
has "accept_replacement  *yes"
ctl redirect leg redirect call-a 1 10.201.2.30:8000 --peer-rtcp 8010
status 0
has "leg 1: peer"
has "peer  *10.201.2.30:8000, rtcp 10.201.2.30:8010"
old_id=$(awk '/^leg 1 \(id/ { gsub(/[():]/, ""); print $4 }' "$out/redirect.out")
ctl replace leg replace call-a 1 --leg "port=b,mode=rtp,peer=10.201.2.40:9000"
status 0
has "leg 1: replaced; security now non-secure"
new_id=$(awk '/^leg 1 \(id/ { gsub(/[():]/, ""); print $4 }' "$out/replace.out")
[ -n "$new_id" ] && [ "$new_id" != "$old_id" ] || fail "leg replace: id $old_id -> '$new_id'"
has "local  *10.201.2.1:40010"
ok "redirect and replace: 403 while off, work after profile update (leg id $old_id -> $new_id)"

# ------------------------------------------------------------ events
"$CTL" -s "$sock" events session.created session.security_changed session.deleted \
	--count 3 --timeout 20 >"$out/events.out" 2>"$out/events.err" &
evpid=$!
for ((i = 0; i < 50; i++)); do
	grep -q subscribed "$out/events.err" && break
	sleep 0.1
done
grep -q subscribed "$out/events.err" || fail "events: no subscription in 5 s"
ke1=$(newkey e-1)
ke2=$(newkey e-2)
newkey e-3 >/dev/null
newkey e-4 >/dev/null
ctl ev-create session create ev-1 \
	--leg "port=a,mode=encrypted,suite=$suite,recv_key=inline:$ke1,send_key=inline:$ke2" \
	--leg "port=b,mode=encrypted,suite=$suite,recv_key=@$keys/e-3,send_key=@$keys/e-4"
status 0
ctl ev-rtp session update ev-1 0 --mode rtp
status 0
ctl ev-delete session delete ev-1
status 0
has "deleted session ev-1"
wait "$evpid"
rc=$?
evpid=
last=events
status 0
has "session.created session=ev-1 .*security=encrypted"
has "session.security_changed session=ev-1 security=non-secure was=encrypted"
has "session.deleted session=ev-1 reason=request"
[ "$(wc -l <"$out/events.out")" -eq 3 ] || fail "events --count 3: not 3 lines"
ctl events-none events --count 1 --timeout 1 session.deleted
status 1
ok "events --count: created, security_changed, deleted from another mediasecctl"

# ------------------------------------------------------------ captures
tls cap-start capture start call-a 0 call-a-0.pcap --max-seconds 60
status 0
has "capturing session call-a leg 0"
[ -f "$dir/captures/call-a-0.pcap" ] || fail "capture: no file"
[ "$(stat -c %a "$dir/captures/call-a-0.pcap")" = 600 ] || fail "capture file mode is not 0600"
tls cap-list capture list
status 0
has "^SESSION  *LEG"
has "^call-a  *0 .*running"
tls cap-stop capture stop call-a 0
status 0
has "stopped"
ctl cap-unix capture start call-a 1 call-a-1.pcap
status 1
err_has "403 forbidden"
[ ! -e "$dir/captures/call-a-1.pcap" ] || fail "a refused capture left a file"
ok "capture start/list/stop over TLS+digest (file mode 0600); refused over the unix profile (403)"

# ------------------------------------------------------------ profiles
ctl plist profile list
status 0
has "^NAME  *TRANSPORT  *MODE  *DIGEST  *APP-AUTH  *PORT  *SUBJECTS  *DESCRIPTION"
has "^local  *unix  *non-secure  *no  *no  *-"
has "^trunk  *tls  *authenticated  *yes  *yes  *$port  *callctl-1"
ctl padd profile add trunk-b --set transport=tls --set incoming_port="$port" \
	--set x509_subjects=callctl-2 --set security_mode=encrypted --set "description=second trunk"
status 0
has "profile trunk-b added"
ctl pcopy profile copy trunk-b trunk-c --set x509_subjects=cc2.example.invalid --set nonce_validity=30
status 0
has "nonce_validity  *30"
ctl psearch profile list --search trunk- --in name
has "^trunk-b"
has "^trunk-c"
hasnt "^local"
ctl psearch2 --json profile list --search "second" --in description
[ "$(js 'sorted(p["name"] for p in d["profiles"])')" = "['trunk-b', 'trunk-c']" ] ||
	fail "profile list --search in description"
ctl pupdate profile update trunk-c --set accept_notification=yes
status 0
has "accept_notification  *yes"
ctl pbad profile update trunk-c --set application_authorization=yes
status 1
err_has "400 bad_request"
ctl pget profile get trunk-c
status 0
has "^origin  *runtime"
has "nothing"
ctl pdel profile delete trunk-c
status 0
has "profile trunk-c deleted"
ctl pget-gone profile get trunk-c
status 1
err_has "404"

# a session under the new profile (callctl-2 over TLS, no digest) keeps it from deletion
last=tb-create
kt1=$(newkey t-1)
kt2=$(newkey t-2)
"$CTL" -c "127.0.0.1:$port" --cert "$pki/client2.pem" --key "$pki/client2.key" --ca "$pki/ca.pem" \
	session create tb-1 --leg "port=a,mode=encrypted,suite=$suite,recv_key=@$keys/t-1,send_key=@$keys/t-2" \
	--leg "port=b,mode=rtp" >"$out/tb-create.out" 2>"$out/tb-create.err"
rc=$?
status 1
err_has "403 forbidden at legs\[1\].mode"
"$CTL" -c "127.0.0.1:$port" --cert "$pki/client2.pem" --key "$pki/client2.key" --ca "$pki/ca.pem" \
	session create tb-1 --leg "port=a,mode=encrypted,suite=$suite,recv_key=@$keys/t-1,send_key=@$keys/t-2" \
	--leg "port=b,mode=encrypted,suite=$suite,recv_key=inline:$kt2,send_key=inline:$kt1" \
	>"$out/tb-create.out" 2>"$out/tb-create.err"
rc=$?
status 0
has "^profile  *trunk-b"
ctl pdel-used profile delete trunk-b
status 1
err_has "409 conflict"
err_has "used by:"
err_has "sessions: 1 (tb-1)"
ctl pdel-local profile delete local
status 1
err_has "listeners: unix $sock"
ctl tb-delete session delete tb-1
status 0
ctl pdel-free profile delete trunk-b
status 0
ok "profile list/search/add/copy/update/get/delete; delete refused while used (dependencies printed)"

# ------------------------------------------------------------ stats, delete
ctl stats stats
status 0
has "^dataplane:"
has "^sessions:"
has "^  total: 2"
has "^control:"
has "^key_memory:"
ctl stats-json --json stats
[ "$(js 'd["sessions"]["total"]')" = 2 ] || fail "stats --json: sessions"
tls tls-stats stats
status 0
ok "stats: grouped key: value lines and --json"

ctl del session delete call-a
status 0
has "deleted session call-a"
has "^leg 0 (id [0-9]*): rx 0 packets, tx 0 packets"
ctl del-again session delete call-a
status 1
err_has "404 not_found"
ctl del-json --json session delete "$auto"
status 0
[ "$(js 'd["deleted"]')" = True ] || fail "session delete --json"
ctl list-empty session list
has "^0 of 0 sessions"
ok "session delete (counters at removal), 404 when gone"

# ------------------------------------------------------------ no key anywhere
kill -INT "$pid"
for ((i = 0; i < 100; i++)); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
wait "$pid"
rc=$?
pid=
last=
[ "$rc" -eq 0 ] || fail "mediasecd exited with status $rc after SIGINT"
grep -q "keys wiped" "$dir/mediasecd.out" || fail "mediasecd: no 'keys wiped' at exit"
python3 - "$keys/all" "$out" "$dir/mediasecd.out" "$dir/mediasecd.err" "$dir/mediasec.conf" \
	"$dir/captures" <<'EOF' || fail "key material in the output (above)"
import base64, os, sys

keys = [k for k in open(sys.argv[1]).read().split() if k]
files = []
for p in sys.argv[2:]:
	if os.path.isdir(p):
		files += [os.path.join(p, f) for f in sorted(os.listdir(p))]
	elif os.path.exists(p):
		files.append(p)
bad = 0
for f in files:
	data = open(f, "rb").read()
	for k in keys:
		raw = base64.b64decode(k)
		for form, needle in (("base64", k.encode()), ("hex", raw.hex().encode()),
				     ("HEX", raw.hex().upper().encode()), ("raw bytes", raw),
				     ("base64 (first half)", k[:20].encode())):
			if needle in data:
				print("LEAK: %s holds a key as %s" % (f, form))
				bad += 1
print("# %d keys, %d files scanned" % (len(keys), len(files)))
sys.exit(1 if bad else 0)
EOF
ok "no key (base64, hex or raw) in any output, capture, or the daemon's log"

failed=0
echo "control_cli: PASS, $checks checks"
exit 0
