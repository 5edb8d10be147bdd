#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e d: leg A falls back from SRTP to RTP in mid-call and back to SRTP with
# new keys, by rewriting the session in the configuration file and SIGHUP.
. "$(dirname "$0")/lib.sh"

e2e_begin "e2e fallback: leg A SRTP -> RTP -> SRTP (new keys) in mid-call, by SIGHUP" \
"One call, leg A (peer: GStreamer) and leg B (plain RTP peer, receiving all along).
Phase 1: A's peer sends SRTP (AES_CM_128_HMAC_SHA1_80, key 1) and stops; the test
rewrites leg A in the file to mode rtp and sends SIGHUP. Phase 2: A's peer sends
plain RTP and stops; the file gets mode encrypted with new keys (key 2), SIGHUP.
Phase 3: A's peer sends SRTP with key 2. One SSRC, sequence numbers continuous.
Passes when everything B received is byte-identical to what A's peer sent, in
order (a mis-decrypted or stale-key packet matches nothing sent), each phase
arrived whole but for the first packets of phase 1 (ARP) and at most a few
packets next to the switch points, and mediasecd's exit summary shows zero
auth_fail/replay/... drops: A's peer is silent while a switch is applied, so
any auth failure would be a packet of a phase checked with the wrong keys."
e2e_side a 214
e2e_side b 214

SUITE=AES_CM_128_HMAC_SHA1_80
e2e_key K1 30 # phase 1: what A's peer encrypts with (leg A's recv_key)
e2e_key S1 30 # leg A's send_key (nothing is sent toward A in this test)
e2e_key K2 30 # phase 3
e2e_key S2 30
PHASE_SECONDS=${PHASE_SECONDS:-2}
N=$((PHASE_SECONDS * 50))
CONF="$E2E_WORK/mediasec.conf"
LB=$(e2e_leg b 4 rtp)

write_conf() { # LEG_A_TEXT: the whole file, replaced atomically
	e2e_config "$CONF.new" "e2e-$E2E_RUN" "$1" "$LB"
	mv "$CONF.new" "$CONF"
}

# SIGHUP, then wait until mediasecd says it reloaded the file ("mediasecd:
# reloaded FILE: ... replaced, ... rekeyed"), at most 5 s; a refused or
# partial reload fails the test.
reload() {
	local n0 i msg
	n0=$(wc -l <"$MS_LOG")
	kill -HUP "$MS_PID"
	for i in $(seq 1 50); do
		kill -0 "$MS_PID" 2>/dev/null || e2e_fail "mediasecd died after SIGHUP"
		msg=$(tail -n +"$((n0 + 1))" "$MS_LOG" | grep -E 'reload' | head -3)
		if [ -n "$msg" ]; then
			e2e_log "$msg"
			echo "$msg" | grep -qE 'refused|failed' && e2e_fail "mediasecd did not apply the change"
			return 0
		fi
		sleep 0.1
	done
	e2e_fail "mediasecd did not report the reload within 5 s of SIGHUP"
}

snapshot() { # LABEL: the counters of mediasecd's last periodic report
	local at
	sleep 1.1 # one more report after the last packet
	at=$(grep -n '^--- ' "$MS_LOG" | tail -n 1 | cut -d: -f1)
	e2e_log "counters after $1 (mediasecd's last periodic report):"
	tail -n +"${at:-1}" "$MS_LOG" | grep -E '^(worker|leg) ' | sed 's/^/  | /'
}

for i in 1 2 3; do
	python3 "$PAYLOAD" gen "$E2E_WORK/phase$i.sent" "$E2E_RUN/phase$i" "$N"
done

write_conf "$(e2e_leg a 4 encrypted $SUITE "$K1_b64" "$S1_b64")"
e2e_step "start mediasecd: leg A $SUITE (key 1), leg B rtp"
e2e_start_mediasecd "$CONF"
e2e_recv b-recv "$NS_b" "$PEER4_b" "$E2E_WORK/b.recv" rtp
RECV=$RECV_PID

e2e_step "phase 1: A's peer sends SRTP with key 1 ($N packets)"
e2e_send phase1 "$NS_a" 4 "$MS4_a" "$E2E_WORK/phase1.sent" 1000 $SUITE "$K1_hex"
e2e_wait_sender "$SEND_PID" phase1
snapshot "phase 1"

e2e_step "switch leg A to rtp (file rewritten, SIGHUP)"
write_conf "$(e2e_leg a 4 rtp)"
reload

e2e_step "phase 2: A's peer sends plain RTP ($N packets)"
e2e_send phase2 "$NS_a" 4 "$MS4_a" "$E2E_WORK/phase2.sent" $((1000 + N)) rtp
e2e_wait_sender "$SEND_PID" phase2
snapshot "phase 2"

e2e_step "switch leg A back to $SUITE with key 2 (file rewritten, SIGHUP)"
write_conf "$(e2e_leg a 4 encrypted $SUITE "$K2_b64" "$S2_b64")"
reload

e2e_step "phase 3: A's peer sends SRTP with key 2 ($N packets)"
e2e_send phase3 "$NS_a" 4 "$MS4_a" "$E2E_WORK/phase3.sent" $((1000 + 2 * N)) $SUITE "$K2_hex"
e2e_wait_sender "$SEND_PID" phase3
sleep 0.5
e2e_stop_receiver "$RECV"
snapshot "phase 3"

e2e_step "stop mediasecd (SIGINT)"
e2e_stop_mediasecd

e2e_step "checks"
bad=0
# Phase 1 may lose its first packets to ARP; next to a switch point at most 3
# packets (60 ms) may be missing on either side; nothing inside a phase.
e2e_check "A -> B across the three phases (SRTP key 1, RTP, SRTP key 2)" \
	"$E2E_WORK/b.recv" "$E2E_WORK/phase1.sent" "$E2E_WORK/phase2.sent" "$E2E_WORK/phase3.sent" \
	--head 50 --switch-tail 3 --switch-head 3 --tail 3 --min-segment $((N * 3 / 4)) || bad=1
e2e_log "drop counters in the exit summary that must be 0:"
e2e_counters_zero "$MS_SUMMARY" "${E2E_ZERO_COUNTERS[@]}" || bad=1
n=$(e2e_leg_pkts "$MS_SUMMARY" a rx)
e2e_log "  leg a received $n packets over the three phases; leg b sent $(e2e_leg_pkts "$MS_SUMMARY" b tx)"
[ "$n" -ge $((N * 9 / 4)) ] || { e2e_log "  leg a received too few packets"; bad=1; }
[ "$bad" -eq 0 ] || e2e_fail "see above"
