#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e c: leg A SRTP over IPv6 (AES_CM_128_HMAC_SHA1_80) <-> leg B RTP over IPv4.
. "$(dirname "$0")/lib.sh"
e2e_call "e2e ipv6: SRTP AES_CM_128_HMAC_SHA1_80 over IPv6 (leg A) <-> RTP over IPv4 (leg B)" \
"Leg A's local address and peer are IPv6 (fd00:213:1::1 and ::2, resolved by
neighbour discovery), leg B's IPv4: every packet changes address family on its
way through. Passes when each side's depayloaded audio is byte-identical to a
contiguous run of what the other sent (only the first packets, while ND/ARP
resolve, and the last may be missing) and mediasecd exits 0 with no
auth_fail/replay/ip_checksum/... drop." \
	6 AES_CM_128_HMAC_SHA1_80 4 rtp 213
