#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e a: leg A SRTP (AES_CM_128_HMAC_SHA1_80) <-> leg B plain RTP, IPv4.
. "$(dirname "$0")/lib.sh"
e2e_call "e2e srtp_rtp: SRTP AES_CM_128_HMAC_SHA1_80 (leg A) <-> RTP (leg B), both directions" \
"A GStreamer srtpenc peer sends a known PCMU sequence to leg A, a plain RTP peer
sends another to leg B, at the same time. Passes when each side's depayloaded
audio is byte-identical to a contiguous run of what the other sent (only the
first packets, while ARP resolves, and the last may be missing; no corrupted
or reordered packet) and mediasecd exits 0 with no auth_fail/replay/... drop." \
	4 AES_CM_128_HMAC_SHA1_80 4 rtp 211
