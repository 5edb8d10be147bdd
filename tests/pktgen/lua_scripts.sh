#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The Lua scripts of mediasec-bench pktgen against a stub of pktgen's Lua API
# (pktgen_stub.lua): pktgen itself is not packaged in Debian. Writes a small
# set of files, compiles the scripts with every Lua found (luac -p), and runs
# test_scripts.lua with each.
#
#   lua_scripts.sh MEDIASEC_BENCH
set -u
bench=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/ms-pktgen-lua.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT

luas=()
for l in lua5.4 lua5.3; do
	command -v "$l" >/dev/null 2>&1 && luas+=("$l")
done
if [ ${#luas[@]} -eq 0 ]; then
	echo "lua_scripts: SKIP: no lua5.4 or lua5.3 (scripts/install-deps.sh installs them)"
	exit 77
fi

# 10 sessions at 10,000 pps for 10 s: 100,000 packets per file
"$bench" pktgen --out "$dir" --a-mac 02:00:00:00:00:0a --b-mac 02:00:00:00:00:0b \
	--sessions 10 --rate 10000 --seconds 10 >"$dir/gen.log" 2>&1 || {
	cat "$dir/gen.log"
	echo "lua_scripts: FAIL: mediasec-bench pktgen"
	exit 1
}
rc=0
for l in "${luas[@]}"; do
	luac=${l/lua/luac}
	for s in replay.lua ndr.lua; do
		if ! "$luac" -p "$dir/$s"; then
			echo "lua_scripts: FAIL: $luac -p $s"
			rc=1
		fi
	done
	if ! "$l" "$here/test_scripts.lua" "$here" "$dir"; then
		echo "lua_scripts: FAIL with $l"
		rc=1
	fi
done
[ $rc -eq 0 ] && echo "lua_scripts: PASS (${luas[*]})"
exit $rc
