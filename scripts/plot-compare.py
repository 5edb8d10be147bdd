#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The plot of `bench/compare/run --json-file` results, for docs/benchmarks.md.

    scripts/plot-compare.py [--out docs/img] RESULTS.json

Writes compare-srtp-rtp.png: per proxy and call count, the no-drop rate on
one proxy core and the proxy's CPU time per packet (both log scale).
Needs Debian's python3-matplotlib (the benchmark itself does not).
"""
import argparse
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def label(row):
    name = row["proxy"]
    if row["key"] == "mediasecd-afpacket":
        name = "mediasecd\naf_packet"
    elif row["key"] == "mediasecd-memif":
        name = "mediasecd\nmemif"
    elif row["key"] == "relay":
        name = "libsrtp2\nrelay"
    elif row["key"] == "loop":
        name = "loop\n(no crypto)"
    return name


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="docs/img", help="directory for the PNG file")
    ap.add_argument("json")
    opts = ap.parse_args()
    with open(opts.json) as f:
        doc = json.load(f)
    if doc.get("benchmark") != "compare":
        raise SystemExit("%s: not bench/compare/run output" % opts.json)
    rows = [r for r in doc["rows"] if r.get("mpps") and r["key"] != "memif-loop"]
    calls = sorted({r["calls"] for r in rows})
    proxies = []
    for r in rows:
        if r["key"] not in [p[0] for p in proxies]:
            proxies.append((r["key"], label(r)))
    by = {(r["key"], r["calls"]): r for r in rows}
    width = 0.8 / max(1, len(calls))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, field, title, unit in (
            (axes[0], "mpps", "no-drop rate, one proxy core (< %.1f%% loss)"
             % doc["loss_limit_pct"], "Mpps"),
            (axes[1], "cpu_us", "proxy CPU per packet (lower is better)", "us per packet")):
        for k, n in enumerate(calls):
            xs, ys = [], []
            for i, (key, _) in enumerate(proxies):
                r = by.get((key, n))
                if r and r.get(field):
                    xs.append(i + (k - (len(calls) - 1) / 2) * width)
                    ys.append(r[field])
            bars = ax.bar(xs, ys, width, label="%d call%s" % (n, "" if n == 1 else "s"))
            for b, y in zip(bars, ys):
                ax.annotate("%.3g" % y, (b.get_x() + b.get_width() / 2, y), ha="center",
                            va="bottom", fontsize=7)
        ax.set_yscale("log")
        ax.set_xticks(range(len(proxies)))
        ax.set_xticklabels([p[1] for p in proxies], fontsize=8)
        ax.set_ylabel(unit)
        ax.set_title(title, fontsize=10)
        ax.grid(True, axis="y", which="both", alpha=0.3)
        ax.legend(fontsize=8)
    m = doc["machine"]
    fig.text(0.01, 0.005, "bench/compare/run, SRTP->RTP %s, %s, %d CPUs (generator CPU %d, proxy "
             "CPU %d), %s" % (doc["suite"], m["cpu"], m["cpus"], doc["generator_cpu"],
                              doc["proxy_cpu"], m["date"]), fontsize=7, color="gray")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    os.makedirs(opts.out, exist_ok=True)
    path = os.path.join(opts.out, "compare-srtp-rtp.png")
    fig.savefig(path, dpi=100)
    print(path)


if __name__ == "__main__":
    main()
