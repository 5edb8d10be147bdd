#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""mediasec-bench forward end to end, in about a minute (meson suite 'bench').

One short run: the no-drop search, latency at 10/50/90% of the rate found,
the worker's cost at a fixed rate, for SRTP->RTP and one session through
the real mediasecd over memif. The test reads the JSON the bench wrote and
checks what a user would rely on: a rate was found and it has no corrupted
or misforwarded packet, the verifier saw every packet it counts, the latency
figures are ordered and measured from samples, the cost and the memory are
there, and the targets were evaluated (not whether they were met: that is
the host's speed, a benchmark's business, not a test's).

Usage: forward_smoke.py MEDIASEC_BENCH
Exit: 0 pass, 1 fail, 77 skip (not root).
"""
import json
import os
import subprocess
import sys
import tempfile

failures = []


def check(cond, what):
    print("%s: %s" % ("ok" if cond else "FAIL", what), flush=True)
    if not cond:
        failures.append(what)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    if os.geteuid() != 0:
        print("SKIP: needs root (hugepages, DPDK memif sockets)")
        return 77
    bench = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="ms-fwd-smoke.") as work:
        out = os.path.join(work, "forward.json")
        cmd = [bench, "forward", "--quick", "--modes", "srtp-rtp", "--legs", "1",
               "--no-baseline", "--no-again", "--cost-reps", "1", "--trial", "0.3",
               "--precision", "10", "--l3-ratio", "0", "--max-waits", "1", "--json-file", out]
        print("$ " + " ".join(cmd), flush=True)
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=240)
        print(r.stdout[-4000:])
        check(r.returncode == 0, "mediasec-bench forward exits 0 (%d)" % r.returncode)
        check("kept in" not in r.stdout,
              "its work directory (configurations with keys, logs) removed at the end")
        if not os.path.exists(out):
            check(False, "the JSON file was written")
            return 1
        with open(out) as f:
            doc = json.load(f)
    check(doc.get("benchmark") == "forward", "JSON names the benchmark")
    rows = [x for x in doc.get("results", []) if x.get("proxy") == "mediasecd"]
    check(len(rows) >= 1, "a mediasecd row")
    if not rows:
        return 1
    row = rows[0]
    check(row.get("ok") is True, "a no-drop rate was found")
    check(row.get("mode") == "srtp-rtp" and row.get("legs") == 1, "the row is SRTP->RTP, 1 leg")
    check(0.01 < row.get("mpps", 0) < 50, "the rate is plausible (%s Mpps)" % row.get("mpps"))
    sent, intact = row.get("sent", 0), row.get("received_intact", -1)
    check(0 < intact <= sent, "packets sent (%s) and verified back intact (%s)" % (sent, intact))
    check(row.get("corrupted") == 0, "no corrupted packet")
    check(row.get("misforwarded") == 0, "no misforwarded packet")
    check(row.get("loss_percent", 100) < doc.get("loss_limit_percent", 0) + 1e-9,
          "loss at the rate found under the limit")
    cyc = row.get("worker_cycles_per_packet") or 0
    check(50 < cyc < 1e6, "the worker's cycles per packet from telemetry (%s)" % cyc)
    loads = (row.get("latency") or {}).get("loads", [])
    check([round(x["load"], 2) for x in loads] == [0.1, 0.5, 0.9], "latency at 10/50/90%")
    for x in loads:
        m = x.get("mediasecd", {})
        if not m.get("ok"):
            check(False, "latency trial at %d%% ran" % round(100 * x["load"]))
            continue
        order = [m["min_us"], m["p50_us"], m["p99_us"], m["p99_9_us"], m["max_us"]]
        check(m["samples"] > 0 and order == sorted(order) and order[0] > 0,
              "latency at %d%%: %d samples, min <= p50 <= p99 <= p99.9 <= max %s"
              % (round(100 * x["load"]), m["samples"], [round(v, 1) for v in order]))
        check(m["corrupted"] == 0 and m["misforwarded"] == 0,
              "latency at %d%%: nothing corrupted or misforwarded" % round(100 * x["load"]))
    check(len(doc.get("targets", [])) >= 1, "targets evaluated")
    check(len(doc.get("projection", [])) >= 1, "line-rate projection computed")
    print("PASS" if not failures else "FAILED: " + "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
