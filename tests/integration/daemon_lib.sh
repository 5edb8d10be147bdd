# SPDX-License-Identifier: BSD-3-Clause
#
# Sourced by the shell tests that run mediasecd on net_pcap files
# (pcap_daemon.sh, pktgen_pcap.sh): at exit the daemon is killed, EAL's
# runtime files of its prefix and the work directory are removed (kept when
# the test failed, or with MS_PCAP_KEEP=1). The caller sets test_name and
# work_dir first, then pid and prefix per run, and defines mediasecd_err
# (prints the path of the current run's mediasecd stderr, or nothing).

pid=
prefix=
failed=0

# EAL's runtime files of this run's own file prefix (--no-huge leaves them)
eal_files_remove() {
	[ -n "$prefix" ] || return 0
	for r in /var/run /tmp "${XDG_RUNTIME_DIR:-/nonexistent}"; do
		rm -rf "$r/dpdk/$prefix"
	done
}

cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	eal_files_remove
	if [ "$failed" -eq 0 ] && [ "${MS_PCAP_KEEP:-0}" != 1 ]; then
		rm -rf "$work_dir"
	else
		echo "$test_name: files kept in $work_dir"
	fi
}
trap cleanup EXIT

fail() {
	local err

	failed=1
	echo "$test_name: FAIL: $*"
	err=$(mediasecd_err)
	if [ -n "$err" ] && [ -s "$err" ]; then
		echo "--- mediasecd stderr (last 30 lines)"
		tail -n 30 "$err"
	fi
	exit 1
}

size_of() {
	stat -c %s "$1" 2>/dev/null || echo 0
}
