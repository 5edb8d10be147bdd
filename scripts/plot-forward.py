#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Plots of `mediasec-bench forward --json` results, for docs/benchmarks.md.

    scripts/plot-forward.py [--out docs/img] RESULTS.json [MORE.json ...]

Several files merge (a long run is split into pieces of a few minutes on a
shared machine); a row measured in more than one keeps the last file's.
Writes, for what the files hold:

    forward-cycles-vs-legs.png    the worker's cycles per packet at the fixed
                                  cost rate against legs in mediasecd, per mode
    forward-memory-vs-legs.png    mediasecd's memory against legs, per mode
    forward-latency-vs-load.png   latency percentiles against load, mediasecd
                                  and the testpmd loop, per mode
    forward-nodrop-per-suite.png  the no-drop rate per suite and mode

Needs Debian's python3-matplotlib (the benchmark itself does not).
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MODE_LABEL = {"srtp-rtp": "SRTP->RTP", "rtp-srtp": "RTP->SRTP", "srtp-srtp": "SRTP->SRTP",
              "rtp-rtp": "RTP->RTP"}
MODE_ORDER = ["srtp-rtp", "rtp-srtp", "srtp-srtp", "rtp-rtp"]


def load(paths):
    rows, meta = {}, []
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        if doc.get("benchmark") != "forward":
            sys.exit(f"{path}: not mediasec-bench forward output")
        meta.append(doc)
        for r in doc["results"]:
            if r["proxy"] != "mediasecd" or not (r.get("best") or r.get("again")):
                continue
            key = (r["suite"], r["mode"], r["legs"], r.get("again", False))
            rows[key] = r
    return list(rows.values()), meta


def footer(fig, meta):
    dates = sorted({m["date"][:10] for m in meta})
    fig.text(0.01, 0.005, "mediasec-bench forward, %s, %s, TSC %.2f GHz" % (
        ", ".join(dates), meta[0].get("transport", "memif"), meta[0]["tsc_hz"] / 1e9),
        fontsize=7, color="gray")


def first_suite(meta):
    return meta[0].get("suites", [meta[0]["suite"]])[0]


def plot_cycles(rows, meta, out):
    suite = first_suite(meta)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    any_line = False
    for mode in MODE_ORDER:
        pts = sorted((r["mediasecd_legs"], r["cost"]["cycles_per_packet_median"]) for r in rows
                     if r["mode"] == mode and r["suite"] in (suite, None) and not r["again"]
                     and r.get("cost") and r["cost"]["cycles_per_packet_median"] > 0)
        if not pts:
            continue
        line, = ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=MODE_LABEL[mode])
        again = [(r["mediasecd_legs"], r["cost"]["cycles_per_packet_median"]) for r in rows
                 if r["mode"] == mode and r["again"] and r.get("cost")]
        if again:
            ax.plot([p[0] for p in again], [p[1] for p in again], "o", mfc="none",
                    color=line.get_color(), ms=9)
        any_line = True
    if not any_line:
        plt.close(fig)
        return None
    rate = meta[0].get("cost_rate_pps", 0) / 1e6
    ax.set_xscale("log")
    ax.set_xlabel("legs in mediasecd (two per session)")
    ax.set_ylabel("worker cycles per packet")
    ax.set_title("Worker cost per packet at a fixed %.2f Mpps (%s)" % (rate, suite), fontsize=10)
    ax.set_ylim(bottom=0)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, title="open circle: smallest again, after the largest",
              title_fontsize=7)
    footer(fig, meta)
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    path = os.path.join(out, "forward-cycles-vs-legs.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_memory(rows, meta, out):
    suite = first_suite(meta)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    any_line = False
    for mode in MODE_ORDER:
        sel = sorted((r for r in rows if r["mode"] == mode and r["suite"] == suite
                      and not r["again"] and r.get("memory", {}).get("kernel_total_mib")),
                     key=lambda r: r["legs"])
        if not sel:
            continue
        x = [r["mediasecd_legs"] for r in sel]
        line, = ax.plot(x, [r["memory"]["kernel_total_mib"] for r in sel], "o-",
                        label=MODE_LABEL[mode] + ": kernel (RSS + hugetlb)")
        if all("total_bytes" in r["memory"] for r in sel):
            ax.plot(x, [r["memory"]["total_bytes"] / 2**20 for r in sel], "s--",
                    color=line.get_color(), label=MODE_LABEL[mode] + ": allocated (stats op)")
        any_line = True
    if not any_line:
        plt.close(fig)
        return None
    ax.set_xscale("log")
    ax.set_xlabel("legs in mediasecd (two per session; the leg table grows in powers of two)")
    ax.set_ylabel("MiB")
    ax.set_title("mediasecd's memory (%s)" % suite, fontsize=10)
    ax.set_ylim(bottom=0)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    footer(fig, meta)
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    path = os.path.join(out, "forward-memory-vs-legs.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_latency(rows, meta, out):
    suite = first_suite(meta)
    # per mode: the row with the fewest sessions that has latency
    chosen = []
    for mode in MODE_ORDER:
        sel = sorted((r for r in rows if r["mode"] == mode and r["suite"] == suite
                      and not r["again"] and r.get("latency")), key=lambda r: r["legs"])
        if sel:
            chosen.append(sel[0])
    if not chosen:
        return None
    fig, axes = plt.subplots(1, len(chosen), figsize=(3.3 * len(chosen) + 0.5, 4), sharey=True,
                             squeeze=False)
    for ax, r in zip(axes[0], chosen):
        loads = r["latency"]["loads"]
        for through, style in (("mediasecd", "-"), ("testpmd", ":")):
            for pct, key, marker, color in (("p50", "p50_us", "o", "C0"),
                                            ("p99", "p99_us", "s", "C1"),
                                            ("p99.9", "p99_9_us", "^", "C2")):
                pts = [(100 * l["load"], l[through][key]) for l in loads
                       if l[through].get("ok") and not l[through].get("overloaded")]
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], style, marker=marker,
                            color=color, mfc="none" if through == "testpmd" else color,
                            label="%s %s" % (through, pct))
        ax.set_yscale("log")
        ax.set_xticks([10, 50, 90])
        ax.set_xlabel("load, % of the no-drop rate")
        ax.set_title("%s, %d session%s" % (MODE_LABEL[r["mode"]], r["legs"],
                                           "" if r["legs"] == 1 else "s"), fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel("latency, us (generator -> generator)")
    axes[0][-1].legend(fontsize=6)
    footer(fig, meta)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    path = os.path.join(out, "forward-latency-vs-load.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_nodrop(rows, meta, out):
    sel = [r for r in rows if not r["again"] and r.get("ok") and r.get("mpps")]
    if not sel:
        return None
    suites = []
    for m in meta:
        for s in m.get("suites", [m["suite"]]):
            if s not in suites:
                suites.append(s)
    legs = min(r["legs"] for r in sel)
    modes = [m for m in MODE_ORDER if any(r["mode"] == m for r in sel)]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    width = 0.8 / max(1, len(modes))
    for k, mode in enumerate(modes):
        xs, ys = [], []
        for i, s in enumerate(suites):
            hit = [r for r in sel if r["mode"] == mode and r["legs"] == legs
                   and (r["suite"] == s or mode == "rtp-rtp")]
            if hit:
                xs.append(i + (k - (len(modes) - 1) / 2) * width)
                ys.append(hit[0]["mpps"])
        ax.bar(xs, ys, width, label=MODE_LABEL[mode])
    ax.set_xticks(range(len(suites)))
    ax.set_xticklabels([s.replace("_HMAC_", "\n_HMAC_").replace("AEAD_", "AEAD_\n")
                        for s in suites], fontsize=6)
    ax.set_ylabel("no-drop rate, Mpps (one worker)")
    ax.set_title("No-drop rate per suite, %d session%s (RTP->RTP has no suite)" % (
        legs, "" if legs == 1 else "s"), fontsize=10)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=7)
    footer(fig, meta)
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    path = os.path.join(out, "forward-nodrop-per-suite.png")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="docs/img", help="directory for the PNG files")
    ap.add_argument("--only", choices=["cycles", "memory", "latency", "nodrop"], action="append",
                    help="just these plots (repeatable)")
    ap.add_argument("json", nargs="+")
    a = ap.parse_args()
    rows, meta = load(a.json)
    os.makedirs(a.out, exist_ok=True)
    plots = {"cycles": plot_cycles, "memory": plot_memory, "latency": plot_latency,
             "nodrop": plot_nodrop}
    for name, fn in plots.items():
        if a.only and name not in a.only:
            continue
        path = fn(rows, meta, a.out)
        print(path if path else "%s: nothing to plot in these files" % name)


if __name__ == "__main__":
    main()
