#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Payloads for the end-to-end tests, and the check of what arrived.

  payload.py gen FILE TAG PACKETS
      Writes PACKETS chunks of 160 bytes (one 20 ms PCMU packet each). Chunk i
      is SHAKE-128("TAG/i"): every chunk is unique, so a received chunk tells
      exactly which sent packet it is, and a corrupted one matches nothing.

  payload.py check RECEIVED SEGMENT [SEGMENT...] [--head N] [--tail N]
                   [--switch-head N] [--switch-tail N] [--min-segment N]
      RECEIVED is what a depayloader wrote (the concatenated payloads). Each
      SEGMENT is a file written by gen, in the order they were sent. Passes
      when:
        - RECEIVED is a whole number of 160-byte chunks and every chunk is a
          chunk that was sent (no corrupted, mis-decrypted or foreign packet);
        - the chunks come in the order they were sent, each at most once;
        - inside a segment nothing is missing except at its start and end:
          at most --head chunks at the start of the first segment (packets
          dropped while the peers' addresses resolve), --tail at the end of
          the last, and --switch-head / --switch-tail at the other segment
          boundaries (the switch points of a call that changes mode);
        - every segment has at least --min-segment chunks delivered.
      Prints what it saw; exits 0 on pass, 1 on fail.

  payload.py tone FILE
      Reads raw PCMU and prints its length in seconds, its RMS level and its
      dominant frequency (zero crossings), for the demo's report.
"""

import argparse
import hashlib
import math
import sys

CHUNK = 160


def chunk(tag, i):
    return hashlib.shake_128(("%s/%d" % (tag, i)).encode()).digest(CHUNK)


def cmd_gen(args):
    with open(args.file, "wb") as f:
        for i in range(args.packets):
            f.write(chunk(args.tag, i))
    return 0


def read_chunks(path):
    with open(path, "rb") as f:
        data = f.read()
    return data, [data[o:o + CHUNK] for o in range(0, len(data) - len(data) % CHUNK, CHUNK)]


def ranges(nums):
    """[1,2,3,7,8] -> '1-3,7-8'"""
    out, start, prev = [], None, None
    for n in nums:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append("%d-%d" % (start, prev) if start != prev else "%d" % start)
            start = prev = n
    if start is not None:
        out.append("%d-%d" % (start, prev) if start != prev else "%d" % start)
    return ",".join(out) or "none"


def cmd_check(args):
    index = {}
    sizes = []
    for s, path in enumerate(args.segments):
        _, chunks = read_chunks(path)
        sizes.append(len(chunks))
        for i, c in enumerate(chunks):
            index[c] = (s, i)
    try:
        data, got = read_chunks(args.received)
    except FileNotFoundError:
        data, got = b"", []
    problems = []
    print("  received %d bytes = %d packets of %d bytes; sent %s packets in %d segment(s)"
          % (len(data), len(got), CHUNK, "+".join(map(str, sizes)), len(sizes)))
    if len(data) % CHUNK:
        problems.append("received length %d is not a multiple of %d: a packet of another size arrived"
                        % (len(data), CHUNK))

    seen = [[] for _ in sizes]
    last = (-1, -1)
    for k, c in enumerate(got):
        where = index.get(c)
        if where is None:
            problems.append("received packet #%d (byte offset %d) matches no sent packet: corrupted or "
                            "mis-decrypted (first bytes %s)" % (k, k * CHUNK, c[:8].hex()))
            continue
        if where <= last:
            problems.append("received packet #%d is sent packet %d of segment %d, after segment %d packet %d: "
                            "duplicate or out of order" % (k, where[1], where[0] + 1, last[0] + 1, last[1]))
        last = max(last, where)
        seen[where[0]].append(where[1])

    for s, n in enumerate(sizes):
        got_s = sorted(set(seen[s]))
        first = args.head if s == 0 else args.switch_head
        last_allow = args.tail if s == len(sizes) - 1 else args.switch_tail
        if not got_s:
            problems.append("segment %d: nothing arrived" % (s + 1))
            continue
        lo, hi = got_s[0], got_s[-1]
        middle = sorted(set(range(lo, hi + 1)) - set(got_s))
        print("  segment %d: %d of %d packets arrived (%s); missing at the start %d, at the end %d, "
              "in the middle %d" % (s + 1, len(got_s), n, ranges(got_s), lo, n - 1 - hi, len(middle)))
        if middle:
            problems.append("segment %d: packets missing in the middle: %s" % (s + 1, ranges(middle)))
        if lo > first:
            problems.append("segment %d: first %d packets missing (allowed %d)" % (s + 1, lo, first))
        if n - 1 - hi > last_allow:
            problems.append("segment %d: last %d packets missing (allowed %d)" % (s + 1, n - 1 - hi, last_allow))
        if len(got_s) < args.min_segment:
            problems.append("segment %d: only %d packets arrived (need %d)" % (s + 1, len(got_s), args.min_segment))

    if problems:
        for p in problems[:20]:
            print("  FAIL: " + p)
        if len(problems) > 20:
            print("  FAIL: ... and %d more" % (len(problems) - 20))
        return 1
    print("  ok: every received packet is byte-identical to a sent one, in order, no gap but at the allowed edges")
    return 0


def ulaw_to_linear(u):
    u = ~u & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    sample = ((mantissa << 3) + 0x84) << exponent
    sample -= 0x84
    return -sample if sign else sample


def cmd_tone(args):
    try:
        with open(args.file, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        data = b""
    if not data:
        print("0.0 s of audio")
        return 1
    table = [ulaw_to_linear(b) for b in range(256)]
    s = [table[b] for b in data]
    rms = math.sqrt(sum(x * x for x in s) / len(s))
    crossings = sum(1 for a, b in zip(s, s[1:]) if (a < 0) != (b < 0))
    freq = crossings / 2 / (len(s) / 8000.0)
    print("%.1f s of audio, level %.0f dBFS, about %.0f Hz" %
          (len(s) / 8000.0, 20 * math.log10(max(rms, 1) / 32768.0), freq))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("file")
    g.add_argument("tag")
    g.add_argument("packets", type=int)
    c = sub.add_parser("check")
    c.add_argument("received")
    c.add_argument("segments", nargs="+")
    c.add_argument("--head", type=int, default=50)
    c.add_argument("--tail", type=int, default=5)
    c.add_argument("--switch-head", type=int, default=10)
    c.add_argument("--switch-tail", type=int, default=5)
    c.add_argument("--min-segment", type=int, default=1)
    t = sub.add_parser("tone")
    t.add_argument("file")
    args = p.parse_args()
    return {"gen": cmd_gen, "check": cmd_check, "tone": cmd_tone}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
