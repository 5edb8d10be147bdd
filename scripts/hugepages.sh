#!/usr/bin/env bash
# Makes sure at least NEED MiB of 2 MiB hugepages are free (default 2048), for the
# benchmarks. Needs root to add pages; without it, says so and leaves things as they
# are (the programs then fall back to --no-huge, slower, and print that they did).
set -u
need_mb=${1:-2048}
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }

free_pages=$(meminfo HugePages_Free)
size_kb=$(meminfo Hugepagesize)
if [ "${size_kb:-0}" -ne 2048 ]; then
	echo "hugepages: default hugepage size is ${size_kb:-unknown} kB, not 2048: left alone"
	exit 0
fi
need_pages=$((need_mb / 2))
[ "$free_pages" -ge "$need_pages" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "hugepages: $((free_pages * 2)) MiB free, ${need_mb} MiB wanted; run as root to reserve them"
	exit 0
fi
total=$(cat /proc/sys/vm/nr_hugepages)
want=$((total + need_pages - free_pages))
echo "$want" > /proc/sys/vm/nr_hugepages
got=$(meminfo HugePages_Free)
echo "hugepages: $((got * 2)) MiB free (asked for ${need_mb} MiB)"
