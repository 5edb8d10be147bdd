#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# e2e b: SRTP on both legs, different suites and keys: leg A
# AES_256_CM_HMAC_SHA1_32, leg B AEAD_AES_128_GCM (RFC 7714), IPv4.
. "$(dirname "$0")/lib.sh"
e2e_call "e2e srtp_srtp: SRTP AES_256_CM_HMAC_SHA1_32 (leg A) <-> SRTP AEAD_AES_128_GCM (leg B), both directions" \
"Both peers are GStreamer srtpenc/srtpdec endpoints, each leg with its own suite
and its own pair of keys, so every packet is decrypted with one suite and key
and re-encrypted with another. Passes when each side's decrypted, depayloaded
audio is byte-identical to a contiguous run of what the other sent (only the
first packets, while ARP resolves, and the last may be missing) and mediasecd
exits 0 with no auth_fail/replay/... drop." \
	4 AES_256_CM_HMAC_SHA1_32 4 AEAD_AES_128_GCM 212
