#!/usr/bin/env bash
# Installs whatever mediasec needs to build, test and benchmark on Debian 12,
# and nothing that is already there. Safe to run again; exits non-zero with a
# clear message when a package cannot be installed.
set -euo pipefail

packages=(
	build-essential pkg-config meson ninja-build
	dpdk-dev libdpdk-dev libsystemd-dev
	libipsec-mb-dev
	libsrtp2-dev libpcap-dev
	libconfig-dev
	libssl-dev
	libcmocka-dev
	libjansson-dev libcjson-dev
	# demo (make run) and the e2e suite: namespaces, veth, real SRTP/RTP peers
	iproute2 ethtool python3
	gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
	# the plots of docs/benchmarks.md (scripts/plot-forward.py); the benchmarks do not need it
	python3-matplotlib
	# the pktgen_lua test: the Lua scripts of mediasec-bench pktgen under the Lua
	# versions Pktgen-DPDK builds with (pktgen itself is not packaged)
	lua5.4 lua5.3
	# bench/compare and its compare_ngclient test: a real rtpengine in user space
	rtpengine-daemon
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo="sudo"
	else
		echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
		exit 1
	fi
fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
# the package may start its own rtpengine service (all interfaces, table 0):
# bench/compare starts its own, in a network namespace, when it needs one
if [[ " ${missing[*]} " == *" rtpengine-daemon "* ]]; then
	$sudo service rtpengine-daemon stop >/dev/null 2>&1 || true
fi
